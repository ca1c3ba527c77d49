#!/usr/bin/python3
"""netref.py -- an independent NumPy reference of rectic's network files (issue 13, scope 1-2).

usage: netref.py run NETWORK.yaml --dt DT [--steps T] [--dtype float64|float32]
                 [--input POP/VAR=FILE]... [--record [KEY=]PATH]... [--set PATH=VALUE|@FILE]...
                 [--output-var PATH] [--sampling-steps K] [--cutoff C] [--template-path DIR]... -o DIR
       netref.py compare EXPECTED_DIR CANDIDATE_DIR [FILE...]
       netref.py case CASE_DIR OUT_DIR [run options...]

`run` simulates the network the way `rectic run NETWORK.yaml` must, and writes the files rectic writes
(KEY.csv, out.csv, spikes_<POP>.csv, time.csv; no meta.json) with rectic's number format, so that the two
can be compared byte for byte.  `compare` compares CSVs numerically with tolerance 0 (NaN equals NaN), for
files written by another formatter (the shared reference cases are written with Python's repr).  `case`
runs a single-template RectiPy reference case as a one-population network (a check of the templates here).

Numerics (../shared/SEMANTICS.md sections 1-5, 8; the issue's rules for projections):
* Templates are NOT parsed: the vector fields below are written by hand in RectiPy's operation order
  (SEMANTICS section 3; `--order rectipy`, the default: it reproduces RectiPy's cases bit for bit) or in the
  order the YAML equations are written (`--order written`: what rectic's emitter evaluates today, e.g.
  (v*v + eta + I_ext)/tau + k*s_in instead of k*s_in + (I_ext + eta + v*v)/tau, and tanh/exp from C's libm
  as the kernel calls them), keyed by the template's last two dotted components (qif.qif, qif.qif_sfa,
  lif.lif, ik.ik, leaky_integrator.tanh, .sigmoid).
* One step n, all from the pre-update state: algebraic variables (r = tanh(v)), spike flags spk = v >= theta,
  projection sums, then per population y + dt*f(y) with spike = spk/dt, then v = y_v*(1-spk) + spk*reset.
  Recording (rows n % K == 0, n >= cutoff) and spikes happen before the update.
* Sums: every weighted sum is a plain left-to-right sum started from +0.0 (what a C loop
  `acc = 0; for j: acc += w[j]*x[j]` gives):
    dense   row i: sum over j = 0..n_source-1 of W[i,j]*x[j] (all entries, zeros included);
    COO     entries stably sorted by (target, source), duplicates merged by adding their weights in file
            order, then per target the left-to-right sum over increasing source (a CSR row);
    scalar  w * (x[0] + x[1] + ... ) -- the sum in neuron order, then one product.
  That is `--dense-sum seq`, the written-out loop rectic's kernel uses for small N: with `--order written` it
  gives today's `rectic run` of the seed example byte for byte.  The default, `--dense-sum blas`, is numpy's
  `W @ x` (OpenBLAS dgemv here: blocked, FMA, not a left-to-right sum); it is the one that reproduces
  shared/cases/multipop_ei_qif and seed_qif bit for bit (seq differs there by an ulp from step ~400/1263 on).
  COO and scalar projections always use the sequential order.  The float32 RectiPy case is not reproduced bit
  for bit by either (1 float32 ulp from row 1262: torch's float32 matmul order).
* Contributions into one target variable add up in the order the projections are listed:
  acc = 0.0; acc += c_1; acc += c_2 ...  A variable no projection targets keeps its value (template default or
  --set).  Delay D = round-half-even(delay/dt) steps; the target reads the source of step n - D, 0 before D.
* float32: state, parameters, weights, inputs and dt are rounded to float32 and all arithmetic is float32;
  files are read as doubles and then rounded (what rectic does: strtod, then a cast).
"""
import argparse
import os
import re
import sys

import numpy as np
import yaml

# ---------------------------------------------------------------------------------------------------------
# Templates: hand-written vector fields.  Each model lists its variables as (op, name, kind, default), kind one
# of state (differential), alg (algebraic), input, param.  f(x, dt) gets a dict of every variable's value
# (arrays of shape (n,) or (1,)) and returns the derivatives of the state variables; alg(x) the algebraic ones.
# ---------------------------------------------------------------------------------------------------------


def _qif_f(x):
    return {"v": x["k"] * x["s_in"] + (x["I_ext"] + x["eta"] + x["v"] * x["v"]) / x["tau"],
            "s": -x["s"] / x["tau_s"] + x["spike"]}


def _qif_sfa_f(x):
    return {"v": x["k"] * x["s_in"] + (x["I_ext"] + x["eta"] + x["v"] * x["v"] - x["x"]) / x["tau"],
            "s": -x["s"] / x["tau_s"] + x["spike"],
            "x": x["alpha"] * x["spike"] - x["x"] / x["tau_x"]}


def _lif_f(x):
    return {"v": x["I_ext"] + x["eta"] + x["k"] * x["s_in"] - x["v"] / x["tau"],
            "s": -x["s"] / x["tau_s"] + x["spike"]}


def _ik_f(x):
    v = x["v"]
    return {"v": (x["I_ext"] + x["eta"] + x["g"] * x["s_in"] * (x["E_r"] - v)
                  + x["k"] * (v - x["v_r"]) * (v - x["v_theta"]) - x["u"]) / x["C"],
            "u": x["kappa"] * x["spike"] + (x["b"] * (v - x["v_r"]) - x["u"]) / x["tau_u"],
            "s": -x["s"] / x["tau_s"] + x["spike"]}


def _li_f(x):
    return {"v": x["I_ext"] + x["eta"] + x["k"] * x["r_in"] - x["v"] / x["tau"]}


# The same fields in the order the YAML equations are written (what rectic's emitter evaluates today, left to
# right as C does); `--order written` selects them.  They differ from RectiPy's in the last bits only.
def _qif_f_w(x):
    return {"v": (x["v"] * x["v"] + x["eta"] + x["I_ext"]) / x["tau"] + x["k"] * x["s_in"],
            "s": -x["s"] / x["tau_s"] + x["spike"]}


def _qif_sfa_f_w(x):
    return {"v": (x["v"] * x["v"] + x["eta"] - x["x"] + x["I_ext"]) / x["tau"] + x["k"] * x["s_in"],
            "s": -x["s"] / x["tau_s"] + x["spike"],
            "x": -x["x"] / x["tau_x"] + x["alpha"] * x["spike"]}


def _lif_f_w(x):
    return {"v": -x["v"] / x["tau"] + x["k"] * x["s_in"] + x["I_ext"] + x["eta"],
            "s": -x["s"] / x["tau_s"] + x["spike"]}


def _ik_f_w(x):
    v = x["v"]
    return {"v": (x["k"] * (v - x["v_r"]) * (v - x["v_theta"]) - x["u"] + x["I_ext"] + x["eta"]
                  + x["g"] * x["s_in"] * (x["E_r"] - v)) / x["C"],
            "u": (x["b"] * (v - x["v_r"]) - x["u"]) / x["tau_u"] + x["kappa"] * x["spike"],
            "s": -x["s"] / x["tau_s"] + x["spike"]}


def _li_f_w(x):
    return {"v": -x["v"] / x["tau"] + x["k"] * x["r_in"] + x["I_ext"] + x["eta"]}


def _qif_vars(op, extra=()):
    return [(op, "v", "state", -2.0), (op, "s", "state", 0.0)] + list(extra) + [
        (op, "tau", "param", 1.0), (op, "k", "param", 1.0), (op, "tau_s", "param", 1.0), (op, "eta", "param", -5.0),
        (op, "I_ext", "input", 0.0), (op, "s_in", "input", 0.0), (op, "spike", "input", 0.0)]


_LI = [("li_op", "v", "state", 0.0), ("li_op", "tau", "param", 10.0), ("li_op", "k", "param", 1.0),
       ("li_op", "eta", "param", 0.0), ("li_op", "r_in", "input", 0.0), ("li_op", "I_ext", "input", 0.0)]

def _libm(name, a):
    """C's libm function `name` element by element (float32 arrays: `name`f), as rectic's kernel calls it;
    numpy's own tanh and exp may round the last bit differently."""
    import ctypes
    f32 = a.dtype == np.float32
    fn = getattr(ctypes.CDLL("libm.so.6"), name + ("f" if f32 else ""))
    fn.restype = ctypes.c_float if f32 else ctypes.c_double
    fn.argtypes = [fn.restype]
    return np.array([fn(float(v)) for v in a.reshape(-1)], dtype=a.dtype).reshape(a.shape)


MODELS = {
    "qif.qif": {"ops": ["qif_op"], "vars": _qif_vars("qif_op"), "f": _qif_f, "f_written": _qif_f_w},
    "qif.qif_sfa": {"ops": ["qif_sfa_op"], "f": _qif_sfa_f, "f_written": _qif_sfa_f_w, "vars": _qif_vars("qif_sfa_op", [
        ("qif_sfa_op", "x", "state", 0.0), ("qif_sfa_op", "alpha", "param", 1.0),
        ("qif_sfa_op", "tau_x", "param", 10.0)])},
    "lif.lif": {"ops": ["lif_op"], "f": _lif_f, "f_written": _lif_f_w, "vars": [
        ("lif_op", "v", "state", 0.0), ("lif_op", "s", "state", 0.0), ("lif_op", "tau", "param", 10.0),
        ("lif_op", "k", "param", 1.0), ("lif_op", "eta", "param", 0.0), ("lif_op", "tau_s", "param", 0.5),
        ("lif_op", "I_ext", "input", 0.0), ("lif_op", "s_in", "input", 0.0), ("lif_op", "spike", "input", 0.0)]},
    "ik.ik": {"ops": ["ik_op"], "f": _ik_f, "f_written": _ik_f_w, "vars": [
        ("ik_op", "v", "state", -60.0), ("ik_op", "u", "state", 0.0), ("ik_op", "s", "state", 0.0)] + [
        ("ik_op", p, "param", d) for p, d in (("C", 100.0), ("k", 0.7), ("v_r", -60.0), ("v_theta", -40.0),
                                             ("eta", 0.0), ("g", 1.0), ("E_r", 0.0), ("b", -2.0),
                                             ("tau_u", 33.33), ("kappa", 10.0), ("tau_s", 6.0))] + [
        ("ik_op", "I_ext", "input", 0.0), ("ik_op", "s_in", "input", 0.0), ("ik_op", "spike", "input", 0.0)]},
    "leaky_integrator.tanh": {"ops": ["li_op", "tanh_op"], "f": _li_f, "f_written": _li_f_w,
                              "alg": lambda x: {"r": np.tanh(x["v"])},
                              "alg_written": lambda x: {"r": _libm("tanh", x["v"])},
                              "vars": _LI + [("tanh_op", "r", "alg", 0.0)]},
    "leaky_integrator.sigmoid": {
        "ops": ["li_op", "sigmoid_op"], "f": _li_f, "f_written": _li_f_w,
        "alg": lambda x: {"r": x["r_max"] / (np.exp(x["s"] * (-x["v"] + x["v0"])) + 1)},
        "alg_written": lambda x: {"r": x["r_max"] / (1 + _libm("exp", x["s"] * (x["v0"] - x["v"])))},
        "vars": _LI + [("sigmoid_op", "r", "alg", 0.0), ("sigmoid_op", "r_max", "param", 1.0),
                       ("sigmoid_op", "s", "param", 1.0), ("sigmoid_op", "v0", "param", 0.0)]},
}
# Inputs of an operator that are another operator's output, so that POP/tanh_op/v names li_op/v.
ALIASES = {"leaky_integrator.tanh": {("tanh_op", "v")}, "leaky_integrator.sigmoid": {("sigmoid_op", "v")}}


ORDER = "rectipy"  # or "written" (--order)


class NetError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------------------

def read_matrix(path):
    """A 2-D float64 array from a CSV (comma separated, no header) or a .npy file."""
    if path.endswith(".npy"):
        a = np.load(path)
        return np.asarray(a, dtype=np.float64).reshape(a.shape[0], -1) if a.ndim != 2 else a.astype(np.float64)
    return np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)


class Population:
    def __init__(self, name, spec, base, dtype):
        self.name = name
        key = ".".join(str(spec["template"]).split(".")[-2:])
        if key not in MODELS:
            raise NetError("population %s: template %s has no hand-written model in netref.py" % (name, spec["template"]))
        self.model = MODELS[key]
        self.key = key
        self.n = int(spec["n"])
        self.dtype = dtype
        self.op = spec.get("op")
        if self.op is not None and self.op not in self.model["ops"]:
            raise NetError("population %s: %s has no operator %s" % (name, key, self.op))
        self.kind = {v: k for (_, v, k, _) in self.model["vars"]}
        self.value = {v: np.array([d], dtype=dtype) for (_, v, k, d) in self.model["vars"] if k != "alg"}
        for v in [v for v, k in self.kind.items() if k == "state"]:
            self.value[v] = np.full(self.n, self.value[v][0], dtype=dtype)
        self.input = spec.get("input")
        sp = spec.get("spike")
        self.spike = None
        if sp is not None:
            self.spike = {"var": sp["var"], "def": sp["def"], "threshold": dtype(float(sp.get("threshold", 100.0))),
                          "reset": dtype(float(sp.get("reset", -100.0)))}
        for var, val in (spec.get("set") or {}).items():
            self.set(var, val, base)

    def resolve(self, path):
        """A variable name from `var` or `op/var` (the part of a PATH after the population)."""
        parts = path.split("/")
        var = parts[-1]
        if var not in self.kind:
            raise NetError("population %s has no variable %s" % (self.name, path))
        if len(parts) == 2:
            ops = {o for (o, v, _, _) in self.model["vars"] if v == var} | {o for (o, v) in ALIASES.get(self.key, ())
                                                                            if v == var}
            if parts[0] not in ops:
                raise NetError("population %s: operator %s has no variable %s" % (self.name, parts[0], var))
        elif len(parts) != 1:
            raise NetError("bad variable path %s/%s" % (self.name, path))
        return var

    def set(self, path, val, base):
        var = self.resolve(path)
        if self.kind[var] == "alg":
            raise NetError("%s/%s is computed, it cannot be set" % (self.name, path))
        if isinstance(val, str) and val.startswith("@"):
            arr = read_matrix(os.path.join(base, val[1:]))
            if arr.shape[0] != 1 and arr.shape[1] != 1 or arr.size != self.n:
                raise NetError("%s/%s: %s holds %s values, expected %d" % (self.name, path, val[1:], arr.shape, self.n))
            arr = arr.reshape(-1).astype(self.dtype)
        else:
            arr = np.full(self.n if self.kind[var] == "state" else 1, float(val), dtype=self.dtype)
        self.value[var] = arr

    def algebraic(self):
        """The variables (state, parameters, inputs and algebraic ones) as f sees them now."""
        x = dict(self.value)
        alg = self.model.get("alg_written" if ORDER == "written" else "alg", self.model.get("alg"))
        if alg:
            x.update(alg(x))
        return x

    def field(self, x):
        return self.model["f_written" if ORDER == "written" else "f"](x)


class Projection:
    def __init__(self, spec, pops, base, dt, dtype):
        def endpoint(path):
            pop, _, rest = str(path).partition("/")
            if pop not in pops or not rest:
                raise NetError("projection: unknown population in %s" % path)
            return pops[pop], pops[pop].resolve(rest)
        self.src, self.src_var = endpoint(spec["source"])
        self.tgt, self.tgt_var = endpoint(spec["target"])
        if self.tgt.kind[self.tgt_var] != "input":
            raise NetError("projection target %s is not an input variable" % spec["target"])
        kinds = [k for k in ("weights", "weights-coo", "weight") if k in spec]
        if len(kinds) != 1:
            raise NetError("projection %s -> %s: give exactly one of weights, weights-coo, weight"
                           % (spec["source"], spec["target"]))
        self.kind = kinds[0]
        nt, ns = self.tgt.n, self.src.n
        if self.kind == "weight":
            self.w = dtype(float(spec["weight"]))
        elif self.kind == "weights":
            self.W = read_matrix(os.path.join(base, spec["weights"]))
            if self.W.shape != (nt, ns):
                raise NetError("weights %s are %s, expected %d x %d" % (spec["weights"], self.W.shape, nt, ns))
            self.W = self.W.astype(dtype)
        else:
            coo = read_matrix(os.path.join(base, spec["weights-coo"]))
            if coo.size == 0:
                coo = np.zeros((0, 3))
            if coo.shape[1] != 3:
                raise NetError("weights-coo %s: expected rows target,source,weight" % spec["weights-coo"])
            t, s = coo[:, 0].astype(np.int64), coo[:, 1].astype(np.int64)
            if (t < 0).any() or (t >= nt).any() or (s < 0).any() or (s >= ns).any():
                raise NetError("weights-coo %s: an index is outside %d x %d" % (spec["weights-coo"], nt, ns))
            order = np.lexsort((s, t))  # stable: equal (t, s) keep their file order
            merged = {}  # (target, source) -> weight, duplicates added in file order
            for k in order:
                key = (t[k], s[k])
                merged[key] = merged[key] + coo[k, 2] if key in merged else coo[k, 2]  # float64 sums, in file order
            by_target = [([], []) for _ in range(nt)]  # merged is in (target, source) order already
            for (i, j), w in merged.items():
                by_target[i][0].append(j)
                by_target[i][1].append(w)
            self.rows = [(np.array(js, dtype=np.int64), np.array(ws, dtype=np.float64).astype(dtype))
                         for js, ws in by_target]
        delay = spec.get("delay")
        if delay is not None and float(delay) < 0:
            raise NetError("projection %s -> %s: negative delay" % (spec["source"], spec["target"]))
        self.D = int(np.round(float(delay) / dt)) if delay is not None else 0
        self.history = []  # source values of the last D steps, oldest first

    def source_now(self, x_src, n):
        """The source as the target sees it at step n (x of step n - D, zeros before step D)."""
        if self.D == 0:
            return x_src
        self.history.append(x_src.copy())
        if n < self.D:
            return np.zeros_like(x_src)
        return self.history.pop(0)

    def contribution(self, x, matmul):
        """The weighted sum for every target unit, in the order documented at the top of the file."""
        dt = x.dtype
        if self.kind == "weight":
            return np.full(self.tgt.n, self.w * seqsum(x), dtype=dt)
        if self.kind == "weights":
            if matmul:
                return self.W @ x
            return seqsum(self.W * x[None, :], axis=1)
        return np.array([seqsum(w * x[j]) for (j, w) in self.rows], dtype=dt)


def seqsum(a, axis=-1):
    """Left-to-right sum along `axis`, starting from +0.0 (np.sum is pairwise; cumsum is sequential)."""
    a = np.asarray(a)
    if a.shape[axis] == 0:
        return a.sum(axis=axis)  # +0.0
    return np.take(np.cumsum(a, axis=axis), -1, axis=axis) + a.dtype.type(0.0)


# ---------------------------------------------------------------------------------------------------------
# The network and its run
# ---------------------------------------------------------------------------------------------------------

def load_network(path, dt, dtype):
    """Populations (in file order) and projections of a network file; paths relative to its folder."""
    base = os.path.dirname(os.path.abspath(path))
    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("populations"), dict):
        raise NetError("%s: no populations" % path)
    pops = {name: Population(name, spec, base, dtype) for name, spec in doc["populations"].items()}
    projs = [Projection(spec, pops, base, dt, dtype) for spec in doc.get("projections") or []]
    return pops, projs


def split_path(pops, path):
    """(population, variable) of a PATH `pop/var` or `pop/op/var`."""
    pop, _, rest = path.partition("/")
    if pop not in pops or not rest:
        raise NetError("unknown population in %s" % path)
    return pops[pop], pops[pop].resolve(rest)


def simulate(pops, projs, dt, steps, inputs, records, sample_every, cutoff, matmul):
    """Runs `steps` Euler steps.  inputs: [(pop, var, T x n or T x 1 array)]; records: [(key, pop, var)].
    Returns ({key: rows x n array}, recorded steps, {pop name: [(step, neuron)]})."""
    dtype = next(iter(pops.values())).dtype
    dtv = dtype(dt)
    rows = {key: [] for key, _, _ in records}
    rec_steps, spikes = [], {p.name: [] for p in pops.values() if p.spike}
    for n in range(steps):
        x = {p.name: p.algebraic() for p in pops.values()}  # pre-update values of everything
        if n % sample_every == 0 and n >= cutoff:
            rec_steps.append(n)
            for key, p, var in records:
                rows[key].append(np.broadcast_to(x[p.name][var], (p.n,)).copy())
        spk = {}
        for p in pops.values():
            if p.spike:
                flags = x[p.name][p.spike["def"]] >= p.spike["threshold"]
                spikes[p.name].extend((n, int(i)) for i in np.nonzero(flags)[0])
                spk[p.name] = flags.astype(dtype)
        # projections from the pre-update state, summed per target in the order they are listed
        acc = {}
        for q in projs:
            src = np.broadcast_to(x[q.src.name][q.src_var], (q.src.n,)).astype(dtype)
            c = q.contribution(q.source_now(src, n), matmul)
            key = (q.tgt.name, q.tgt_var)
            acc[key] = (acc[key] if key in acc else np.zeros(q.tgt.n, dtype=dtype)) + c
        for p in pops.values():
            xp = x[p.name]
            for (name, var), val in acc.items():
                if name == p.name:
                    xp[var] = val
            for ip, var, arr in inputs:
                if ip is p:
                    xp[var] = arr[n]
            if p.spike:
                xp[p.spike["var"]] = spk[p.name] / dtv
            dy = p.field(xp)
            for var, d in dy.items():
                p.value[var] = (p.value[var] + dtv * d).astype(dtype)
            if p.spike:
                s, v = spk[p.name], p.spike["def"]
                p.value[v] = p.value[v] * (dtype(1) - s) + s * p.spike["reset"]
    out = {key: np.array(r, dtype=dtype).reshape(len(r), -1) for key, r in rows.items()}
    return out, rec_steps, spikes


# ---------------------------------------------------------------------------------------------------------
# Writing files the way rectic writes them
# ---------------------------------------------------------------------------------------------------------

_libc = None


def _strtof(s):
    """C's strtof (a float parsed directly, not through a double)."""
    global _libc
    if _libc is None:
        import ctypes
        _libc = ctypes.CDLL(None)
        _libc.strtof.restype = ctypes.c_float
        _libc.strtof.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    return np.float32(_libc.strtof(s.encode(), None))


def fmt_number(x, as_float=False):
    """rectic's text of a number: the first of %.15g..%.17g (floats %.6g..%.9g) that reads back the same."""
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    for p in range(6, 10) if as_float else range(15, 18):
        s = "%.*g" % (p, x)
        if (_strtof(s) == np.float32(x)) if as_float else float(s) == x:
            return s
    return s


def write_csv(path, a, as_float=False):
    with open(path, "w") as f:
        for row in a:
            f.write(",".join(fmt_number(v, as_float) for v in row) + "\n")


def write_outputs(out_dir, data, rec_steps, spikes, dt, as_float):
    os.makedirs(out_dir, exist_ok=True)
    for key, a in data.items():
        write_csv(os.path.join(out_dir, key + ".csv"), a, as_float)
    write_csv(os.path.join(out_dir, "time.csv"), [[n * dt] for n in rec_steps])  # step * dt in double
    for name, sp in spikes.items():
        with open(os.path.join(out_dir, "spikes_%s.csv" % name), "w") as f:
            f.writelines("%d,%d\n" % (n, i) for n, i in sp)


# ---------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------

KEY_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
RESERVED = {"out", "time", "meta"}


def run(argv):
    ap = argparse.ArgumentParser(prog="netref.py run", description="NumPy reference of `rectic run NETWORK.yaml`")
    ap.add_argument("network")
    ap.add_argument("--dt", type=float, required=True)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--record", action="append", default=[])
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--output-var")
    ap.add_argument("--sampling-steps", type=int, default=1)
    ap.add_argument("--sampling-mode", choices=["pick"], default="pick")
    ap.add_argument("--cutoff", type=int, default=0)
    ap.add_argument("--template-path", action="append", default=[])  # accepted; templates are not parsed
    ap.add_argument("--dense-sum", choices=["blas", "seq"], default="blas",
                    help="dense rows as numpy's W @ x (BLAS, the default) or a written-out left-to-right sum")
    ap.add_argument("--order", choices=["rectipy", "written"], default="rectipy",
                    help="operation order of the vector fields: RectiPy's generated code, or the YAML as written")
    ap.add_argument("-o", dest="out", required=True)
    a = ap.parse_args(argv)
    global ORDER
    ORDER = a.order
    dtype = np.float32 if a.dtype == "float32" else np.float64
    pops, projs = load_network(a.network, a.dt, dtype)
    for s in a.set:  # after the file's set:, so the command line wins
        path, eq, val = s.partition("=")
        if not eq:
            raise NetError("--set %s: expected PATH=VALUE or PATH=@FILE" % s)
        p, _ = split_path(pops, path)
        p.set(path.partition("/")[2], val, os.getcwd())
    inputs = []
    for s in a.input:
        path, eq, file = s.partition("=")
        p, var = split_path(pops, path)
        if not eq or p.kind[var] != "input":
            raise NetError("--input %s: expected POP/VAR=FILE with VAR an input variable" % s)
        arr = read_matrix(file)
        if arr.shape[1] not in (1, p.n):
            raise NetError("--input %s: %d columns, expected %d or 1" % (s, arr.shape[1], p.n))
        inputs.append((p, var, arr))
    rows = {arr.shape[0] for _, _, arr in inputs}
    steps = a.steps
    if steps is None:
        if len(rows) != 1:
            raise NetError("without --steps the inputs must have one row count (have %s)" % sorted(rows))
        steps = rows.pop()
    if any(arr.shape[0] < steps for _, _, arr in inputs):
        raise NetError("an input has fewer than %d rows" % steps)
    inputs = [(p, v, arr[:steps].astype(dtype)) for p, v, arr in inputs]
    records = []
    for s in a.record:
        key, eq, path = s.rpartition("=")
        key = key if eq else path.replace("/", "_")
        if not KEY_RE.match(key) or key in RESERVED or key.startswith("spikes_"):
            raise NetError("--record %s: bad key %s" % (s, key))
        p, var = split_path(pops, path)
        records.append((key, p, var))
    if a.output_var:
        p, var = split_path(pops, a.output_var)
        records.append(("out", p, var))
    if not records and not any(p.spike for p in pops.values()):
        raise NetError("nothing to write: no --record, no --output-var and no spiking population")
    data, rec_steps, spikes = simulate(pops, projs, a.dt, steps, inputs, records, a.sampling_steps, a.cutoff,
                                       a.dense_sum == "blas")
    write_outputs(a.out, data, rec_steps, spikes, a.dt, dtype == np.float32)
    return 0


def compare(argv):
    """Numerical comparison, tolerance 0: same shapes, same doubles (NaN == NaN), spikes identical."""
    exp, cand, files = argv[0], argv[1], argv[2:]
    if not files:
        files = sorted(f for f in os.listdir(exp) if f.endswith(".csv") and os.path.exists(os.path.join(cand, f)))
    bad = 0
    for f in files:
        e, c = (open(os.path.join(d, f)).read().split() for d in (exp, cand))
        if len(e) != len(c):
            print("%s: %d rows expected, %d found" % (f, len(e), len(c)))
            bad += 1
            continue
        ev = np.array([[float(t) for t in r.split(",")] for r in e]).reshape(len(e), -1)
        cv = np.array([[float(t) for t in r.split(",")] for r in c]).reshape(len(c), -1)
        same = (ev == cv) | (np.isnan(ev) & np.isnan(cv))
        if ev.shape != cv.shape or not same.all():
            where = np.argwhere(~same)[0] if ev.shape == cv.shape else None
            print("%s: differs%s" % (f, "" if where is None else " first at row %d col %d: %r vs %r"
                                      % (where[0], where[1], ev[tuple(where)], cv[tuple(where)])))
            bad += 1
        else:
            print("%s: identical (%d x %d)" % (f, ev.shape[0], ev.shape[1] if ev.ndim > 1 else 1))
    return 1 if bad or not files else 0


def case(argv):
    """Runs a single-template RectiPy reference case (shared/cases/<name>) as a one-population network
    (`P`, one dense projection P/source -> P/target with PyRates' pruning |w| <= 1e-6 applied) and writes
    its outputs under the case's names (out.csv, <var>.csv, spikes.csv) into OUT_DIR."""
    import json
    case_dir, out_dir = os.path.abspath(argv[0]), argv[1]
    with open(os.path.join(case_dir, "case.json")) as f:
        c = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    W = read_matrix(os.path.join(case_dir, c["weights"]["file"]))
    np.save(os.path.join(out_dir, "weights.npy"), np.where(np.abs(W) <= 1e-6, 0.0, W))
    pop = {"template": c["template"], "n": c["N"], "input": c["input_var"]}
    if c.get("op"):
        pop["op"] = c["op"]
    if c.get("spike_var"):
        pop["spike"] = {"var": c["spike_var"], "def": c["spike_def"], "threshold": c["spike_threshold"],
                        "reset": c["spike_reset"]}
    sets = {}
    for name, val in c.get("node_vars", {}).items():
        sets[name] = "@" + os.path.join(case_dir, val["file"]) if isinstance(val, dict) else val
    pop["set"] = sets
    net = {"populations": {"P": pop},
           "projections": [{"source": "P/" + c["source_var"], "target": "P/" + c["target_var"],
                            "weights": "weights.npy"}]}
    with open(os.path.join(out_dir, "network.yaml"), "w") as f:
        yaml.safe_dump(net, f)
    args = [os.path.join(out_dir, "network.yaml"), "--dt", repr(c["dt"]), "--steps", str(c["steps"]),
            "--input", "P/%s=%s" % (c["input_var"], os.path.join(case_dir, c["inputs"]["file"])),
            "--output-var", "P/" + c["output_var"], "--sampling-steps", str(c.get("sampling_steps", 1)),
            "--dtype", c.get("dtype", "float64"), "-o", out_dir] + argv[2:]
    for key in c["outputs"]:
        if key not in ("out", "spikes"):
            args += ["--record", "%s=P/%s" % (key.replace("/", "_"), key)]
    rc = run(args)
    if rc == 0 and c.get("spike_var"):
        os.replace(os.path.join(out_dir, "spikes_P.csv"), os.path.join(out_dir, "spikes.csv"))
    return rc


def main():
    cmds = {"run": run, "compare": compare, "case": case}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return cmds[sys.argv[1]](sys.argv[2:])
    except (NetError, OSError, ValueError, KeyError) as e:
        print("netref: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

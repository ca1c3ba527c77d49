#!/usr/bin/python3
"""circref.py -- an independent NumPy reference of PyRates 1.0.1 CircuitTemplates (issue 14; SEMANTICS 7, 9).

usage: circref.py run CIRCUIT [--template-path DIR]... --dt DT --steps T [--input PATH=FILE]...
                  [--record [KEY=]PATH]... [--set PATH=VALUE]... [--sampling-steps K] -o DIR
       circref.py case CASE_DIR OUT_DIR        (a shared/cases/pyrates_* case: its recipe from case.json)
       circref.py compare EXPECTED_DIR CANDIDATE_DIR [--atol A] [--rtol R] [FILE...]
       circref.py list [--template-path DIR]... (every CircuitTemplate under the paths: runs, or why not)

CIRCUIT is a dotted name (pkg.file.template) or a path (dir/file/template).  PATH is node/op/var or
sub/node/op/var.  `run` writes DIR/KEY.csv (one column per node: rows = recorded steps, pre-update, row 0 the
initial state) and DIR/time.csv (n*dt of the recorded steps) with rectic's number format.

What it reads by itself (circref_yaml.py): the YAML files (CircuitTemplate nodes, sub-circuits, edges,
EdgeTemplates, node and operator templates with `base:` inheritance: replace/remove/add with PyRates' token
bounds, variables merged, unused variables dropped).  What it does NOT read: the equations' meaning.  Every
operator's equations are written by hand (circref_eqs.py), keyed by the operator's equations after
inheritance (spaces removed), so that an operator of any name with known equations runs with its own values.

Numerics, PyRates 1.0.1 (16e68a77) with solver='euler', vectorize=True:
* y_{n+1} = y_n + dt*f(n, y_n); recording before the update at n % K == 0; the input of step n is array[n].
* Inside f everything is evaluated from the pre-update state: algebraic equations in dependency order,
  then derivatives.  An input variable of an operator receives the sum of (a) the outputs of the same name of
  the other operators of its node and (b) the edges into it; with neither it keeps its value.
* Nodes whose operator lists are structurally equal (equations, variable names and declarations in order: the
  hash PyRates vectorises by) form one vectorised group.  Edges from one group into one target variable sum as
  a matrix product; a target variable fed from two or more source groups (input series count as one group
  each) is the sum of the groups' vectors, so a unit of that group no edge reaches gets 0, not its default; a
  variable fed from exactly one group keeps its value at the units no edge reaches.
* A run input is an extra node joined to the variable by an edge of weight 1.
* An edge with an EdgeTemplate becomes an edge node (one per edge, grouped like nodes) holding the template's
  operators with their state; the source feeds the edge's input (the last input of its operators, or those
  named in the edge dict with `source` or a node path), the edge node's output feeds the target with the
  edge's weight, delay and spread.
* Delays (SEMANTICS 9), per source variable of a vectorised group: see DelayGroup.
* |w - 1| < 1e-8 is applied as 1 (PyRates writes no multiplication then).
"""
import argparse
import os
import sys
import time

import numpy as np
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netref  # noqa: E402  (number format, CSV reading, key rules)
from circref_eqs import EQUATIONS  # noqa: E402
from circref_yaml import CircError, Lib, Op, _with_value, collect_edges, collect_nodes, load_circuit  # noqa: E402,F401


# ---------------------------------------------------------------------------------------------------------
# The flat model: vectorised groups of units, links, delay groups
# ---------------------------------------------------------------------------------------------------------

class Group:
    """Units (nodes or edge nodes) with structurally equal operator lists, evaluated as vectors."""

    def __init__(self, ops):
        self.ops = ops                  # the first unit's operators (names of later units may differ)
        self.units = []
        self.values = []                # per operator: {var: list of per-unit values}
        self.eqs = []                   # per operator: {var: (kind, fn)}
        for op in ops:
            key = op.key()
            if any(v.dtype == "complex" for v in op.vars.values()):
                raise CircError("operator %s has complex-valued variables (%s): not supported" % (
                    op.name, ", ".join(n for n, v in op.vars.items() if v.dtype == "complex")))
            if key not in EQUATIONS:
                raise CircError("operator %s: no hand-written equations in circref.py for %s" % (op.name, list(key)))
            self.eqs.append({v: (k, fn) for v, k, fn in EQUATIONS[key]})
            self.values.append({n: [] for n in op.vars})

    def add(self, path, ops):
        self.units.append(path)
        for j, op in enumerate(ops):
            for n, v in op.vars.items():
                self.values[j][n].append(v.value)
        return len(self.units) - 1

    def kind(self, j, var):
        if var in self.eqs[j]:
            return self.eqs[j][var][0]
        d = self.ops[j].vars[var]
        return "input" if d.kind == "input" else "param"

    def output(self, j):
        outs = [n for n, v in self.ops[j].vars.items() if v.kind == "output"]
        return outs[0] if outs else None


class Link:
    """One edge entry: source (key, unit) -> target (group, op, var, unit) with weight, delay, spread."""

    def __init__(self, skey, s_i, tgt, t_i, weight, delay, spread, what):
        self.skey, self.s_i, self.tgt, self.t_i = skey, s_i, tgt, t_i
        self.w = 1.0 if abs(weight - 1.0) < 1e-8 else float(weight)
        self.delay, self.spread, self.what = delay, spread, what
        self.mode, self.D, self.K, self.k = "now", 0, 0, 0.0


class Model:
    def __init__(self, lib, ref, dt):
        self.dt = dt
        self.groups, self.where, self.links, self.warnings = {}, {}, [], []
        self.n_inputs = 0
        c = load_circuit(lib, ref)
        nodes = collect_nodes(c)
        edges = list(collect_edges(c))
        seen = [(s, t, id(e), repr(v)) for s, t, e, v in edges]
        if len(set(seen)) < len(seen):
            self.warnings.append("a sub-circuit template used more than once below the top level gets its "
                                 "sub-circuits' edges again at every use (PyRates 1.0.1 collect_edges)")
        if not nodes:
            raise CircError("circuit %s has no nodes" % ref)
        for path, ops in nodes:
            self._add_unit(("node",), path, ops)
        for i, (src, tgt, et, vals) in enumerate(edges):
            self._add_edge(i, src, tgt, et, vals)

    def _add_unit(self, space, path, ops):
        sig = space + tuple(op.signature() for op in ops)
        if sig not in self.groups:
            self.groups[sig] = Group(ops)
        g = self.groups[sig]
        i = g.add(path, ops)
        for j, op in enumerate(ops):
            self.where[(path, op.name)] = (g, j, i)
        self.where[path] = (g, None, i)
        return g, i

    def resolve(self, path, what="variable"):
        """(group, op index, var, unit index) of node/op/var or sub/node/op/var."""
        parts = str(path).split("/")
        if len(parts) < 3:
            raise CircError("%s %s: expected node/op/var" % (what, path))
        node, op, var = "/".join(parts[:-2]), parts[-2], parts[-1]
        if node not in self.where:
            raise CircError("%s %s: no node %s" % (what, path, node))
        if (node, op) not in self.where:
            raise CircError("%s %s: node %s has no operator %s" % (what, path, node, op))
        g, j, i = self.where[(node, op)]
        if var not in g.ops[j].vars:
            raise CircError("%s %s: operator %s has no variable %s" % (what, path, op, var))
        return g, j, var, i

    def _add_edge(self, idx, src, tgt, et, vals):
        vals = dict(vals)
        weight = float(vals.pop("weight", 1.0))
        delay, spread = vals.pop("delay", None), vals.pop("spread", None)
        sg, sj, svar, si = self.resolve(src, "edge source")
        tg, tj, tvar, ti = self.resolve(tgt, "edge target")
        if tg.kind(tj, tvar) != "input":
            raise CircError("edge %s -> %s: the target is not an input variable" % (src, tgt))
        if et is not None and not et[1]:
            et = None  # PyRates 1.0.1 treats an edge template without operators as none
        if et is None:
            if vals:
                raise CircError("edge %s -> %s: values %s without an edge template" % (src, tgt, sorted(vals)))
            self.links.append(Link((sg, sj, svar), si, (tg, tj, tvar), ti, weight, delay, spread, "%s -> %s" % (src, tgt)))
            return
        tname, ops = et
        ops = [Op(o.name, o.eqs, dict(o.vars)) for o in ops]
        feeds = {}
        for k, v in vals.items():
            parts = k.split("/")
            if isinstance(v, str):
                if len(parts) != 3 or parts[0] != tname:
                    raise CircError("edge %s -> %s: mapping %s must be %s/op/var" % (src, tgt, k, tname))
                feeds[(parts[1], parts[2])] = v
            else:
                if len(parts) != 2:
                    raise CircError("edge %s -> %s: edge value %s must be op/var" % (src, tgt, k))
                for o in ops:
                    if o.name == parts[0] and parts[1] in o.vars:
                        o.vars[parts[1]] = _with_value(o.vars[parts[1]], v)
                        break
                else:
                    raise CircError("edge %s -> %s: %s names no variable of %s" % (src, tgt, k, tname))
        upath = "%s.%d" % (tname, idx)
        eg, ei = self._add_unit(("edge",), upath, ops)
        outs = {o.vars[n].kind == "output" and n: j for j, o in enumerate(ops) for n in o.vars}
        if not feeds:  # the edge's last free input (PyRates: inputs.popitem()), in its first operator
            free = {}
            for j, o in enumerate(ops):
                for n, v in o.vars.items():
                    if v.kind == "input" and not any(n == eg.output(k) for k in range(len(ops)) if k != j):
                        free.setdefault(n, j)
            if not free:
                raise CircError("edge template %s has no input variable" % tname)
            n = list(free)[-1]
            feeds[(ops[free[n]].name, n)] = "source"
        for (oname, var), s in feeds.items():
            if (upath, oname) not in self.where:
                raise CircError("edge %s -> %s: %s has no operator %s" % (src, tgt, tname, oname))
            _, j, _ = self.where[(upath, oname)]
            if s == "source":
                self.links.append(Link((sg, sj, svar), si, (eg, j, var), ei, 1.0, None, None, "feed"))
            else:
                g2, j2, v2, i2 = self.resolve(s, "edge mapping")
                self.links.append(Link((g2, j2, v2), i2, (eg, j, var), ei, 1.0, None, None, "feed"))
        # the output: the operator no other operator of the edge reads
        readers = {k for k in range(len(ops)) for j in range(len(ops))
                   if j != k and eg.output(k) is not None and eg.output(k) in ops[j].vars
                   and ops[j].vars[eg.output(k)].kind == "input"}
        last = [k for k in range(len(ops)) if k not in readers]
        if len(last) != 1 or eg.output(last[0]) is None:
            raise CircError("edge template %s needs exactly one output operator" % tname)
        del outs
        self.links.append(Link((eg, last[0], eg.output(last[0])), ei, (tg, tj, tvar), ti, weight, delay, spread,
                               "%s -> %s" % (src, tgt)))

    def add_input(self, path, series):
        g, j, var, i = self.resolve(path, "input")
        if g.kind(j, var) != "input":
            raise CircError("--input %s: not an input variable" % path)
        key = ("input", self.n_inputs)
        self.n_inputs += 1
        self.links.append(Link(key, 0, (g, j, var), i, 1.0, None, None, "input"))
        self.series = getattr(self, "series", {})
        self.series[key] = series

    def drop_repeated_pairs(self):
        """PyRates builds an unbuffered edge group (same source and target variable, template, delayed or not)
        as a matrix filled by assignment: a repeated (source unit, target unit) pair keeps its last weight."""
        last = {}
        for ln in self.links:
            if ln.mode == "now" and ln.skey[0] != "input":
                key = (id(ln.skey[0]), ln.skey[1], ln.skey[2], id(ln.tgt[0]), ln.tgt[1], ln.tgt[2], bool(ln.delay),
                       ln.s_i, ln.t_i, ln.what == "feed")
                last[key] = ln
        keep = set(map(id, last.values()))
        dropped = [ln for ln in self.links if ln.mode == "now" and ln.skey[0] != "input" and id(ln) not in keep]
        if dropped:
            self.warnings.append("%d repeated edge(s) between the same two nodes: the last weight is used (PyRates)"
                                 % len(dropped))
        self.links = [ln for ln in self.links if id(ln) not in set(map(id, dropped))]

    def plan_delays(self):
        """SEMANTICS 9: per source variable of a group, discrete buffers or spread chains (PyRates' rules)."""
        dt = self.dt
        bykey = {}
        for ln in self.links:
            if ln.skey[0] != "input":
                bykey.setdefault((id(ln.skey[0]), ln.skey[1], ln.skey[2]), []).append(ln)
        self.buffers = []
        for links in bykey.values():
            means, stds = [], []
            for ln in links:
                disc = not ln.spread
                stds.append(0 if disc else float(ln.spread))
                if not ln.delay:
                    means.append(1)
                else:
                    means.append(int(np.round(ln.delay / dt)) if disc else float(ln.delay))
            m = np.max(means)
            add = (m > 1) if "int" in str(type(m)) else (m > dt)
            had = [ln for ln in links if ln.delay or ln.spread]
            if not add:
                if had:
                    self.warnings.append("%d delayed edge(s) from %s are instantaneous: every delay rounds to <= 1 "
                                         "step (PyRates)" % (len(had), links[0].what))
                continue
            if sum(stds) > 0:
                for ln, d, v in zip(links, means, stds):
                    order = np.round((d / v) ** 2) if v > 0 else 0
                    ln.K = int(order) if d and order > 0 else 0
                    ln.k = ln.K / d if d else 0
                    if ln.K:
                        ln.mode = "chain"
                continue
            buf = {"key": links[0].skey, "D": max(means)}
            buf["data"] = np.zeros((len(links[0].skey[0].units), buf["D"] + 1))
            self.buffers.append(buf)
            for ln, d in zip(links, means):
                ln.mode, ln.D, ln.buf = "buffer", d, buf
            if any(not ln.delay for ln in links):
                self.warnings.append("undelayed edges from a buffered source variable lag one step (PyRates)")


# ---------------------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------------------

class Step:
    """Values of one evaluation of f (step n), computed on demand from the pre-update state."""

    def __init__(self, model, n):
        self.m, self.n, self.memo, self.busy = model, n, {}, set()

    def get(self, g, j, var):
        key = (id(g), j, var)
        if key in self.memo:
            return self.memo[key]
        if key in self.busy:
            raise CircError("algebraic loop through %s/%s" % (g.ops[j].name, var))
        self.busy.add(key)
        kind = g.kind(j, var)
        if kind == "ode":
            val = g.state[j][var]
        elif kind == "param":
            val = g.arr[j][var]
        elif kind == "alg":
            val = g.eqs[j][var][1](lambda v: self.get(g, j, v))
        else:
            val = self.input_value(g, j, var)
        self.busy.discard(key)
        self.memo[key] = val
        return val

    def part_values(self, kind, pay):
        """The values one part of a target's links delivers in this step (pre-update)."""
        if kind == "now":
            return self.get(*pay[0])[pay[1]]
        if kind == "buffer":
            return pay[0]["data"][pay[1], pay[2]]
        if kind == "chain":
            return self.m.Z[pay]
        return self.m.series[pay[0]][self.n] + np.zeros(pay[1])

    def input_value(self, g, j, var):
        n = len(g.units)
        intra = [self.get(g, k, var) for k in range(len(g.ops)) if k != j and g.output(k) == var]
        bysrc = self.m.into.get((id(g), j, var), {})
        total = None
        for parts in bysrc.values():
            acc, hit = np.zeros(n), np.zeros(n, dtype=bool)
            for kind, t_idx, w, pay in parts:
                np.add.at(acc, t_idx, self.part_values(kind, pay) * w)  # in link order; x * 1.0 == x
                hit[t_idx] = True
            if len(bysrc) == 1:
                acc = np.where(hit, acc, g.arr[j][var])
            total = acc if total is None else total + acc
        for x in intra:
            total = x if total is None else total + x
        return g.arr[j][var] if total is None else total


def prepare(model):
    """Arrays for the simulation: per target variable and source group, the links as parts of one kind
    (now, buffer, chain, input) with target units, weights and where their values come from; every spread
    chain as a slice of one state vector Z (rates kvec; starts fed by the sources)."""
    chains = [ln for ln in model.links if ln.mode == "chain"]
    off = np.cumsum([0] + [ln.K for ln in chains])
    model.Z, model.kvec = np.zeros(off[-1]), np.zeros(off[-1])
    model.chain_feed = {}
    for ln, o in zip(chains, off):
        ln.end = o + ln.K - 1
        model.kvec[o:o + ln.K] = ln.k
        f = model.chain_feed.setdefault((id(ln.skey[0]), ln.skey[1], ln.skey[2]), (ln.skey, [], []))
        f[1].append(ln.s_i)
        f[2].append(o)
    model.starts = off[:-1].astype(int)
    model.into = {}
    for ln in model.links:
        src = ln.skey if ln.skey[0] == "input" else id(ln.skey[0])
        kind = "input" if ln.skey[0] == "input" else ln.mode
        tgt = model.into.setdefault((id(ln.tgt[0]), ln.tgt[1], ln.tgt[2]), {}).setdefault(src, [])
        same = tgt and tgt[-1][0] == kind and kind != "input" and tgt[-1][3][0].skey[1:] == ln.skey[1:]
        if not same:  # a part: links of one kind from one source variable
            tgt.append([kind, [], [], []])
        part = tgt[-1]
        part[1].append(ln.t_i)
        part[2].append(ln.w)
        part[3].append(ln)
    for bysrc in model.into.values():
        for parts in bysrc.values():
            for part in parts:
                kind, links = part[0], part[3]
                part[1], part[2] = np.array(part[1], dtype=int), np.array(part[2])
                s_idx = np.array([ln.s_i for ln in links], dtype=int)
                part[3] = ((links[0].skey, s_idx) if kind == "now" else
                           (links[0].buf, s_idx, np.array([ln.D for ln in links], dtype=int)) if kind == "buffer" else
                           np.array([ln.end for ln in links], dtype=int) if kind == "chain" else
                           (links[0].skey, len(links)))


def simulate(model, steps, records, every):
    dt = model.dt
    prepare(model)
    for g in model.groups.values():
        g.arr = [{v: np.array(vals, dtype=float) for v, vals in d.items()} for d in g.values]
        g.state = [{v: g.arr[j][v].copy() for v in g.arr[j] if g.kind(j, v) == "ode"} for j in range(len(g.ops))]
    data = {key: [] for key, _ in records}
    rec_steps = []
    for n in range(steps):
        st = Step(model, n)
        for buf in model.buffers:  # shift, slot 0 = the current source value
            buf["data"] = np.roll(buf["data"], 1, axis=1)
            buf["data"][:, 0] = st.get(*buf["key"])
        if n % every == 0:
            rec_steps.append(n)
            for key, (g, j, var, i) in records:
                data[key].append([np.broadcast_to(st.get(g, j, var), (len(g.units),))[i]])
        dy = []
        for g in model.groups.values():
            for j in range(len(g.ops)):
                for var in g.state[j]:
                    dy.append((g.state[j], var, g.eqs[j][var][1](lambda v, g=g, j=j: st.get(g, j, v))))
        prev = np.empty_like(model.Z)  # z1' = k (x - z1), zj' = k (z(j-1) - zj)
        prev[1:] = model.Z[:-1]
        for skey, s_idx, starts in model.chain_feed.values():
            prev[starts] = st.get(*skey)[s_idx]
        dz = model.kvec * (prev - model.Z)
        for d, var, f in dy:
            d[var] = d[var] + dt * f
        model.Z = model.Z + dt * dz
    return data, rec_steps


# ---------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------

def build(a):
    lib = Lib(a.template_path)
    model = Model(lib, a.circuit, a.dt)
    for s in a.set:
        path, eq, val = s.partition("=")
        if not eq:
            raise CircError("--set %s: expected PATH=VALUE" % s)
        g, j, var, i = model.resolve(path, "--set")
        g.values[j][var][i] = float(val)
    for s in a.input:
        path, eq, file = s.partition("=")
        if not eq:
            raise CircError("--input %s: expected PATH=FILE" % s)
        arr = netref.read_matrix(file)
        if arr.shape[1] != 1 or arr.shape[0] < a.steps:
            raise CircError("--input %s: expected one column of at least %d rows" % (s, a.steps))
        model.add_input(path, arr[:, 0])
    model.plan_delays()
    model.drop_repeated_pairs()
    return model


def run(argv):
    ap = argparse.ArgumentParser(prog="circref.py run")
    ap.add_argument("circuit")
    ap.add_argument("--template-path", action="append", default=[])
    ap.add_argument("--dt", type=float, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--record", action="append", default=[])
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--sampling-steps", type=int, default=1)
    ap.add_argument("--time", action="store_true", help="print the seconds the steps took (the bench)")
    ap.add_argument("-o", dest="out", required=True)
    a = ap.parse_args(argv)
    model = build(a)
    records = []
    for s in a.record:
        key, eq, path = s.rpartition("=")
        key = key if eq else path.replace("/", "_")
        if not netref.KEY_RE.match(key) or key in netref.RESERVED:
            raise CircError("--record %s: bad key %s" % (s, key))
        records.append((key, model.resolve(path, "--record")))
    if not records:
        raise CircError("nothing to write: give --record")
    for w in model.warnings:
        print("circref: warning: %s" % w, file=sys.stderr)
    t0 = time.perf_counter()
    data, rec_steps = simulate(model, a.steps, records, a.sampling_steps)
    if a.time:
        print("%.6f" % (time.perf_counter() - t0))
    os.makedirs(a.out, exist_ok=True)
    for key, rows in data.items():
        netref.write_csv(os.path.join(a.out, key + ".csv"), rows)
    netref.write_csv(os.path.join(a.out, "time.csv"), [[n * a.dt] for n in rec_steps])
    return 0


def case(argv):
    """Runs a shared/cases/pyrates_* case from its case.json and writes its outputs under the case's names."""
    import json
    case_dir, out = os.path.abspath(argv[0]), argv[1]
    with open(os.path.join(case_dir, "case.json")) as f:
        c = json.load(f)
    shared = os.path.dirname(os.path.dirname(case_dir))
    args = [c["template"], "--template-path", os.path.join(shared, "templates", "pyrates"), "--dt", repr(c["dt"]),
            "--steps", str(c["steps"]), "--sampling-steps", str(int(round(c["sampling_step_size"] / c["dt"]))),
            "-o", out]
    for path, spec in c.get("inputs", {}).items():
        args += ["--input", "%s=%s" % (path, os.path.join(case_dir, spec["file"]))]
    for key, spec in c["outputs"].items():
        args += ["--record", "%s=%s" % (os.path.splitext(spec["file"])[0], spec["variable"])]
    return run(args + argv[2:])


def compare(argv):
    """Numerical comparison within --atol/--rtol (default 1e-10, 1e-8): same shapes, NaN equals NaN."""
    ap = argparse.ArgumentParser(prog="circref.py compare")
    ap.add_argument("expected")
    ap.add_argument("candidate")
    ap.add_argument("files", nargs="*")
    ap.add_argument("--atol", type=float, default=1e-10)
    ap.add_argument("--rtol", type=float, default=1e-8)
    a = ap.parse_args(argv)
    files = a.files or sorted(f for f in os.listdir(a.expected) if f.endswith(".csv") and f != "time.csv"
                              and os.path.exists(os.path.join(a.candidate, f)))
    bad = 0
    for f in files:
        e, c = (netref.read_matrix(os.path.join(d, f)) for d in (a.expected, a.candidate))
        if e.shape != c.shape:
            print("%s: shape %s expected, %s found" % (f, e.shape, c.shape))
            bad += 1
            continue
        ok = np.isclose(c, e, atol=a.atol, rtol=a.rtol) | (np.isnan(e) & np.isnan(c))
        err = np.nanmax(np.abs(c - e)) if e.size else 0.0
        print("%s: %s (%d x %d, max abs error %.3g)" % (f, "ok" if ok.all() else "DIFFERS", e.shape[0], e.shape[1], err))
        bad += not ok.all()
    return 1 if bad or not files else 0


def list_circuits(argv):
    """Every CircuitTemplate under the template paths: 'runs' or the reason it is refused."""
    ap = argparse.ArgumentParser(prog="circref.py list")
    ap.add_argument("--template-path", action="append", default=[])
    a = ap.parse_args(argv)
    bad = 0
    for root in a.template_path:
        for dirpath, _, files in sorted(os.walk(root)):
            for fn in sorted(files):
                if not fn.endswith(".yaml"):
                    continue
                with open(os.path.join(dirpath, fn)) as f:
                    doc = yaml.safe_load(f) or {}
                mod = os.path.relpath(os.path.join(dirpath, fn[:-5]), root).replace("/", ".")
                for name, body in doc.items():
                    if isinstance(body, dict) and body.get("base") == "CircuitTemplate":
                        ref = "%s.%s" % (mod, name)
                        try:
                            Model(Lib(a.template_path), ref, 1e-3).plan_delays()
                            print("%s: runs" % ref)
                        except CircError as e:
                            print("%s: refused: %s" % (ref, e))
                            bad += 1
    return 0


def main():
    cmds = {"run": run, "case": case, "compare": compare, "list": list_circuits}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return cmds[sys.argv[1]](sys.argv[2:])
    except (CircError, OSError, ValueError, KeyError) as e:
        print("circref: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

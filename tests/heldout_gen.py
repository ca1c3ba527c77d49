"""heldout_gen.py -- random cases for tests/mpi_heldout.py (issue 18's held-out check): from a seed, a folder of
files and the `rectic run` commands of one case (a template, a network file of populations or a PyRates
circuit), with the options the command line takes.

A case is a dict: "kind", "desc", "runs" (lists of arguments after `rectic`; "{OUT}" and "{ST}" stand for
the output folder and the state file of the variant that runs them, "{LD}" for the state file the variant
before it saved), "emit" (the arguments of `rectic emit --standalone --mpi` and of the program it writes, or
None).
"""
import os

import numpy as np

SPK = "neuron_model_templates.spiking_neurons."
RATE = "neuron_model_templates.rate_neurons.leaky_integrator."

# Template models: (template, op, source, target, input, output, spike rule or None, dt, input mean, sd,
# weight scale, recordable variables, event-driven coupling allowed)
MODELS = {
    "qif": (SPK + "qif.qif", "qif_op", "s", "s_in", "I_ext", "s", (100, -100), 1e-3, 150, 80, 3.0, ["v"], 1),
    "qif_sfa": (SPK + "qif.qif_sfa", "qif_sfa_op", "s", "s_in", "I_ext", "s", (100, -100), 1e-3, 150, 80, 3.0,
                ["v", "x"], 1),
    "lif": (SPK + "lif.lif", "lif_op", "s", "s_in", "I_ext", "s", (1.0, 0.0), 1e-2, 0.3, 0.2, 0.5, ["v"], 1),
    "ik": (SPK + "ik.ik", "ik_op", "s", "s_in", "I_ext", "s", (40, -60), 0.05, 250, 100, 1.0, ["v", "u"], 1),
    "iku": (SPK + "ik.iku", "iku_op", "s", "s_in", "I_ext", "s", (40, -60), 0.05, 250, 100, 1.0, ["v", "u"], 1),
    "tanh": (RATE + "tanh", None, "tanh_op/r", "li_op/r_in", "li_op/I_ext", "li_op/v", None, 1e-2, 0.0, 1.0,
             1.0, ["li_op/v", "tanh_op/r"], 0),
    "sigmoid": (RATE + "sigmoid", None, "sigmoid_op/r", "li_op/r_in", "li_op/I_ext", "sigmoid_op/r", None, 1e-2,
                0.0, 1.0, 1.0, ["li_op/v", "sigmoid_op/r"], 0),
}


def num(x):
    """A number as Python writes it back (shortest round trip)."""
    return repr(float(x))


def write_csv(path, a, blank=False):
    """A 2-D array as CSV (comma, or blank separated)."""
    sep = " " if blank else ","
    with open(path, "w") as f:
        for row in np.atleast_2d(a):
            f.write(sep.join(num(v) for v in row) + "\n")


def write_matrix(d, name, a, rng, kinds=("csv", "npy", "npy32")):
    """Writes a matrix as CSV or .npy (float64 or float32, which the reader widens); returns the file name."""
    kind = kinds[rng.integers(len(kinds))]
    if kind == "csv":
        write_csv(os.path.join(d, name + ".csv"), a, blank=bool(rng.random() < 0.2))
        return name + ".csv"
    arr = np.asarray(a, dtype=np.float32 if kind == "npy32" else np.float64)
    np.save(os.path.join(d, name + ".npy"), arr)
    return name + ".npy"


def matrix(rng, nt, ns, scale, no_self=False):
    """nt x ns weights of a random density (some rows empty), rounded to 5 decimals."""
    dens = rng.choice([0.1, 0.3, 0.6, 1.0])
    w = np.round(scale * rng.uniform(-0.5, 1.0, (nt, ns)), 5) * (rng.random((nt, ns)) < dens)
    for i in rng.choice(nt, size=rng.integers(0, max(1, nt // 3) + 1), replace=True):
        w[i, :] = 0.0  # empty rows
    if no_self and nt == ns:
        np.fill_diagonal(w, 0.0)
    return w


def coo(rng, w):
    """(target, source, weight) rows of w's non-zeros in random order, a few pairs split in two."""
    t, s = np.nonzero(w)
    rows = [[int(i), int(j), float(w[i, j])] for i, j in zip(t, s)]
    for k in rng.choice(len(rows), size=min(len(rows), 2), replace=False) if rows else []:
        part = float(np.round(rows[k][2] * 0.5, 5))
        rows[k][2] = float(rows[k][2] - part)
        rows.append([rows[k][0], rows[k][1], part])
    return [rows[k] for k in rng.permutation(len(rows))]


def write_coo(d, name, rows, rng):
    """COO rows as CSV or an nnz x 3 .npy; returns the file name."""
    if rng.random() < 0.5 or not rows:
        write_csv(os.path.join(d, name + ".csv"), rows) if rows else open(os.path.join(d, name + ".csv"), "w")
        return name + ".csv"
    np.save(os.path.join(d, name + ".npy"), np.array(rows, dtype=np.float64))
    return name + ".npy"


def inputs(rng, steps, n, mean, sd):
    return np.round(mean + sd * rng.standard_normal((steps, n)), 4)


def subset(rng, n):
    """A record subset of n units: '[A:B]' or '@FILE' contents (a list), or None for all."""
    r = rng.random()
    if r < 0.4 or n < 2:
        return None
    if r < 0.7:
        a = int(rng.integers(0, n - 1))
        return "[%d:%d]" % (a, int(rng.integers(a + 1, n + 1)))
    return [int(i) for i in rng.choice(n, size=int(rng.integers(1, n + 1)), replace=False)]


def subset_arg(d, rng, n, tag):
    """A subset suffix for --record: '', '[A:B]' or '@FILE' (a file written into d)."""
    s = subset(rng, n)
    if s is None:
        return ""
    if isinstance(s, str):
        return s
    name = "idx_%s.%s" % (tag, "npy" if rng.random() < 0.3 else "csv")
    if name.endswith(".npy"):
        np.save(os.path.join(d, name), np.array(s, dtype=np.int64))
    else:
        write_csv(os.path.join(d, name), np.array([s]) if rng.random() < 0.5 else np.array(s)[:, None])
    return "@" + name


def common_opts(rng, steps):
    """Options every kind takes: sampling, cutoff, dtype, format, backend."""
    o = []
    if rng.random() < 0.35:
        o += ["--sampling-steps", str(int(rng.integers(2, 6)))]
        if rng.random() < 0.5:
            o += ["--sampling-mode", "mean"]
    if rng.random() < 0.25:
        o += ["--cutoff", str(int(rng.integers(1, steps // 4)))]
    if rng.random() < 0.2:
        o += ["--dtype", "float32"]
    if rng.random() < 0.25:
        o += ["--format", "npy"]
    o += ["--backend", "cc" if rng.random() < 0.2 else "tcc"]
    if o[-1] == "cc" and rng.random() < 0.5:
        o += ["--threads", "2"]
    if rng.random() < 0.05:
        o += ["--no-check-finite"]
    return o


def state_runs(rng, args, steps, inp_opt):
    """One run, or a split into two (--save-state then --load-state), or --checkpoint-every: the runs.
    inp_opt(a, b) gives the input options of steps a..b-1 (files written already)."""
    r = rng.random()
    if r < 0.25 and steps > 20:
        cut = int(rng.integers(steps // 3, steps - steps // 3))
        return [args + inp_opt(0, cut) + ["--save-state", "{ST}", "-o", "{OUT}/a"],
                args + inp_opt(cut, steps) + ["--load-state", "{LD}", "-o", "{OUT}/b"]]
    if r < 0.4:
        return [args + inp_opt(0, steps) + ["--checkpoint-every", str(int(rng.integers(7, 200))),
                                            "--save-state", "{ST}", "-o", "{OUT}/a"]]
    return [args + inp_opt(0, steps) + ["-o", "{OUT}/a"]]


def input_maker(d, rng, data, flags):
    """inp_opt(a, b) for state_runs: writes rows a..b-1 of data (T x n, or None: zero input) and returns
    flags(file) (or --steps when data is None)."""
    ext = "npy" if rng.random() < 0.25 else "csv"

    def make(a, b):
        if data is None:
            return ["--steps", str(b - a)]
        name = "in_%d_%d.%s" % (a, b, ext)
        if ext == "npy":
            np.save(os.path.join(d, name), data[a:b])
        else:
            write_csv(os.path.join(d, name), data[a:b])
        return flags(name)
    return make


def template_case(d, rng, shared):
    """One template: a model of MODELS, N units, weights of any form (or none), any coupling, inputs, sets,
    recordings (subsets), sampling, layers, state and checkpoints."""
    name = sorted(MODELS)[rng.integers(len(MODELS))]
    tpl, op, src, tgt, inp, out, spike, dt, mean, sd, scale, recs, event = MODELS[name]
    n = int(rng.choice([1, 2, 3, 5, 7, 11, 16, 23, 31, 40]))
    steps = int(rng.integers(60, 400))
    if rng.random() < 0.1:  # across the end of a block of 4096 steps (the ranks then exchange the whole state)
        n, steps = min(n, 7), int(rng.integers(4097, 4300))
    elif rng.random() < 0.05:  # threads for the loops (cc) and the coupling product of N >= 4096
        n, steps = 4100, 30
    a = [tpl] + (["--op", op] if op else []) + ["--dt", num(dt), "-q"]
    rectipy = os.path.join(shared or "", "templates", "rectipy")
    if shared and os.path.isdir(rectipy) and rng.random() < 0.3:
        a += ["--template-path", rectipy]  # RectiPy's own template files
    desc = [name, "N=%d" % n]
    wk = rng.choice(["none", "dense", "dense", "coo"]) if n < 1000 else "coo"
    if wk == "none":
        a += ["-N", str(n)]
    else:
        a += ["--source-var", src, "--target-var", tgt]
        if n >= 1000:  # about 8 synapses a unit
            nnz = 8 * n
            w = np.zeros((1, 1))  # (N is given)
            rows = np.column_stack([rng.integers(0, n, nnz), rng.integers(0, n, nnz),
                                    np.round(rng.uniform(-0.5, 1.0, nnz) * scale / 3, 5)])
            a += ["--weights-coo", write_coo(d, "W", rows.tolist(), rng), "-N", str(n)]
        elif wk == "dense":
            w = matrix(rng, n, n, scale / max(1.0, np.sqrt(n)), no_self=True)
            a += ["--weights", write_matrix(d, "W", w, rng)]
        else:
            w = matrix(rng, n, n, scale / max(1.0, np.sqrt(n)), no_self=True)
            a += ["--weights-coo", write_coo(d, "W", coo(rng, w), rng)]
            if rng.random() < 0.5 and n < 1000:
                a += ["-N", str(n)]
            elif n < 1000 and not np.any(w[n - 1]) and not np.any(w[:, n - 1]):
                a += ["-N", str(n)]  # N would shrink: the largest index is smaller
        if wk == "coo" and rng.random() < 0.4:
            a += ["--mpi-partition", str(rng.choice(["units", "synapses"]))]
        if wk == "coo" and rng.random() < 0.4:
            a += ["--mpi-read", "scatter"]  # rank 0 reads the file and sends each rank its entries
        modes = ["auto", "dense", "sparse", "inline"] if n < 1000 else ["auto", "sparse"]
        modes += ["event", "event"] if event and spike else []
        c = str(rng.choice(modes))
        a += ["--coupling", c]
        desc += [wk + ":" + c]
        if rng.random() < 0.15:
            a += ["--min-weight", "0.05"]
    if spike:
        a += ["--spike-var", "spike", "--spike-def", "v", "--spike-threshold", num(spike[0]),
              "--spike-reset", num(spike[1])]
        if rng.random() < 0.3:
            a += ["--record-spikes", (subset_arg(d, rng, n, "sp") or "[0:%d]" % n).strip("[]")]
    layers = rng.random() < 0.15 and not spike
    data = None
    m = n
    if layers:
        m = int(rng.integers(1, 4))
        a += ["--input-weights", write_matrix(d, "Win", np.round(rng.uniform(-1, 1, (n, m)), 4), rng)]
        data = inputs(rng, steps, m, 0.0, 1.0)
        desc += ["layers"]
    elif rng.random() < 0.8:
        data = inputs(rng, steps, n if rng.random() < 0.7 else 1, mean, sd)
    how = rng.random()
    if data is not None and (layers or how < 0.6):
        a += ["--input-var", inp]
        flags = lambda f: ["--inputs", f]  # noqa: E731
    else:
        flags = lambda f: ["--input", inp + "=" + f]  # noqa: E731
    a += ["--output-var", out if rng.random() < 0.7 else recs[0]]
    if rng.random() < 0.2 and n > 1:
        a += ["--record", "out" + (subset_arg(d, rng, n, "out") or "[1:%d]" % n)]
    for k, v in enumerate(recs):
        if rng.random() < 0.6:
            sub = subset_arg(d, rng, n, "r%d" % k)
            key = "r%d=" % k if sub and rng.random() < 0.5 else ""  # (a key needs a subset)
            a += ["--record", key + v + sub]
    if rng.random() < 0.3 and not layers:
        a += ["--readout-weights", write_matrix(d, "Wout", np.round(rng.uniform(-1, 1, (2, n + 1)), 4), rng),
              "--readout-activation", str(rng.choice(["identity", "tanh", "softmax"]))]
        desc += ["readout"]
    if rng.random() < 0.5:
        var = "eta" if op or name != "tanh" else "li_op/eta"
        if name in ("tanh", "sigmoid"):
            var = "li_op/eta"
        vals = np.round(rng.normal(0.0 if not spike else -2.0, 1.0, n), 4)
        f = write_matrix(d, "eta", vals[:, None] if rng.random() < 0.5 else vals[None, :], rng, ("csv", "npy"))
        a += ["--set", var + "=@" + f]
    if rng.random() < 0.3:
        var = "li_op/v" if name in ("tanh", "sigmoid") else "v"
        f = write_matrix(d, "v0", np.round(rng.uniform(-1, 1, (n, 1)), 4), rng, ("csv",))
        a += ["--set", var + "=@" + f]
    fit = not spike and data is not None and flags("x")[0] == "--inputs" and "--readout-weights" not in a and \
        rng.random() < 0.3
    if fit:  # fit ridge: the run's outputs, readout.csv and y_fit (LAPACK on rank 0's gathered output)
        write_csv(os.path.join(d, "y.csv"), np.round(rng.normal(0, 1, (steps, int(rng.integers(1, 3)))), 4))
        a = ["--targets", "y.csv", "--washout", str(int(rng.integers(0, 20)))] + a + (["--bias"] if rng.random() < 0.5
                                                                                       else [])
        a += [x for x in common_opts(rng, steps) if x not in ("--sampling-mode", "mean")]
        a = [x for i, x in enumerate(a) if x not in ("--sampling-steps", "--cutoff") and
             a[i - 1] not in ("--sampling-steps", "--cutoff")]
        runs = [a + input_maker(d, rng, data, flags)(0, steps) + ["-o", "{OUT}/a"]]
        desc += ["fit ridge"]
    else:
        a += common_opts(rng, steps)
        runs = state_runs(rng, a, steps, input_maker(d, rng, data, flags))
    desc += ["runs=%d" % len(runs)]
    emit = None
    if not layers and not any(x in a for x in ("--readout-weights", "--weights-coo", "--record-spikes")) and \
            "--load-state" not in runs[-1] and "--save-state" not in runs[0]:
        emit = standalone_args(runs[0])
    return {"kind": "template", "desc": " ".join(desc), "runs": [(["fit", "ridge"] if fit else ["run"]) + r
                                                                 for r in runs], "emit": None if fit else emit}


def standalone_args(run):
    """(emit arguments, program arguments) for `rectic emit --standalone --mpi` of a template run: the program
    gets the inputs, the per-unit values and -o; emit the rest."""
    emit, prog = [], []
    skip = {"--backend", "--mpi-partition", "--mpi-read", "-o"}
    i = 0
    while i < len(run):
        x = run[i]
        if x in skip:
            i += 2
            continue
        if x in ("--inputs", "--steps"):
            prog += [x, run[i + 1]]
        if x == "--input":
            prog += ["--inputs", run[i + 1].split("=", 1)[1]]
        if x == "--set" and "=@" in run[i + 1]:
            prog += [run[i + 1].split("/")[-1]]
        emit.append(x)
        i += 1
    return ["emit"] + emit + ["--standalone", "--mpi"], prog + ["-o", "{OUT}/a"]


def network_case(d, rng):
    """A network file of 2-3 populations of MODELS with dense (CSV, .npy), COO and scalar projections, delays
    of 0-4 steps, inputs per population, recordings with subsets, sets, the state split or checkpoints."""
    names = sorted(MODELS)
    npop = int(rng.integers(2, 4))
    dt = float(rng.choice([1e-3, 1e-2]))
    pops, lines = [], ["populations:"]
    for k in range(npop):
        model = MODELS[names[rng.integers(len(names))]]
        n = int(rng.choice([1, 2, 3, 4, 6, 9, 13, 20]))
        pops.append(("P%d" % k, model, n))
        tpl, op, src, tgt, inp, out, spike, _, mean, sd, scale, recs, _ = model
        f = ["template: %s" % tpl, "n: %d" % n, "input: %s" % inp] + (["op: %s" % op] if op else [])
        if spike:
            f.append("spike: {var: spike, def: v, threshold: %s, reset: %s}" % (num(spike[0]), num(spike[1])))
        if rng.random() < 0.4:
            var = "li_op/eta" if op is None else "eta"
            write_csv(os.path.join(d, "eta%d.csv" % k), np.round(rng.normal(-1, 1, (n, 1)), 4))
            f.append('set: {%s: "@eta%d.csv"}' % (var, k))
        lines.append("  P%d: {%s}" % (k, ", ".join(f)))
    lines.append("projections:")
    nproj = int(rng.integers(1, 5))
    for j in range(nproj):
        sname, smod, sn = pops[rng.integers(npop)]
        tname, tmod, tn = pops[rng.integers(npop)]
        f = ["source: %s/%s" % (sname, smod[2]), "target: %s/%s" % (tname, tmod[3])]
        kind = rng.choice(["dense", "coo", "scalar"])
        w = matrix(rng, tn, sn, tmod[10] / max(1.0, np.sqrt(sn)), no_self=sname == tname)
        if kind == "dense":
            f.append("weights: %s" % write_matrix(d, "w%d" % j, w, rng))
        elif kind == "coo":
            f.append("weights-coo: %s" % write_coo(d, "w%d" % j, coo(rng, w), rng))
        else:
            f.append("weight: %s" % num(np.round(rng.uniform(-0.3, 0.3) * tmod[10] / max(1, sn), 5)))
        if rng.random() < 0.5:
            f.append("delay: %s" % num(dt * int(rng.integers(1, 5)) + (0.5 * dt if rng.random() < 0.2 else 0)))
        lines.append("  - {%s}" % ", ".join(f))
    steps = int(rng.integers(60, 300))
    layer = readout = None
    if rng.random() < 0.15:  # RectiPy's layers: --inputs feeds P0 through W_in; out.csv is the readout's
        m = int(rng.integers(1, 4))
        layer = inputs(rng, steps, m, 0.0, 1.0) * pops[0][1][9]
        lines.append("input_layer: {target: P0/%s, weights: %s}" % (
            pops[0][1][4], write_matrix(d, "Win", np.round(rng.uniform(-1, 1, (pops[0][2], m)), 4), rng)))
        if rng.random() < 0.5:
            readout = pops[-1]
            lines.append("readout: {source: %s/%s, weights: %s, activation: %s}" % (
                readout[0], readout[1][5], write_matrix(d, "Wout", np.round(rng.uniform(-1, 1, (2, readout[2])), 4),
                                                       rng), rng.choice(["identity", "tanh", "softmax"])))
    with open(os.path.join(d, "net.yaml"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    a = ["net.yaml", "--dt", num(dt), "-q"]
    data = {}
    for pname, model, n in pops:
        if rng.random() < 0.8 and (layer is None or pname != "P0"):
            data[pname] = inputs(rng, steps, n if rng.random() < 0.7 else 1, model[8], model[9])
        recs = model[11]
        for k, v in enumerate(recs):
            if rng.random() < 0.5:
                key = "%s_r%d=" % (pname, k) if rng.random() < 0.5 else ""
                a += ["--record", key + pname + "/" + v + subset_arg(d, rng, n, pname + str(k))]
        if model[6] and rng.random() < 0.2:
            a += ["--record-spikes", pname + "[0:%d]" % max(1, n // 2)]
        if rng.random() < 0.2:
            vals = np.round(rng.uniform(-1, 1, n), 4)
            f = write_matrix(d, "v0_" + pname, vals[None, :], rng, ("csv", "npy"))
            a += ["--set", "%s/%s=@%s" % (pname, model[11][0], f)]
    if rng.random() < 0.6 and not readout:
        pname, model, n = pops[rng.integers(npop)]
        a += ["--output-var", pname + "/" + model[5]]
    if not any(x == "--record" for x in a) and "--output-var" not in a:
        a += ["--record", "%s/%s" % (pops[0][0], pops[0][1][11][0])]
    if rng.random() < 0.4:
        a += ["--coupling", str(rng.choice(["dense", "sparse", "event"]))]
    if rng.random() < 0.4:
        a += ["--mpi-partition", str(rng.choice(["units", "synapses", "auto"]))]
    a += common_opts(rng, steps)

    def inp_opt(lo, hi):
        o = []
        for pname, arr in sorted(data.items()):
            name = "in_%s_%d_%d.csv" % (pname, lo, hi)
            write_csv(os.path.join(d, name), arr[lo:hi])
            o += ["--input", "%s/%s=%s" % (pname, dict((p[0], p[1]) for p in pops)[pname][4], name)]
        if layer is not None:
            write_csv(os.path.join(d, "x_%d_%d.csv" % (lo, hi)), layer[lo:hi])
            o += ["--inputs", "x_%d_%d.csv" % (lo, hi)]
        return o + ["--steps", str(hi - lo)]
    runs = state_runs(rng, a, steps, inp_opt)
    desc = "net " + " ".join("%s:%s*%d" % (p[0], p[1][0].split(".")[-1], p[2]) for p in pops)
    desc += " layers" if layer is not None else ""
    emit = None
    if len(runs) == 1 and "--save-state" not in runs[0] and rng.random() < 0.5:
        prog = []
        r = runs[0]
        for i, x in enumerate(r):
            if x == "--input":
                prog += ["--input", r[i + 1].split("/")[0] + "=" + r[i + 1].split("=", 1)[1]]
            if x == "--steps":
                prog += ["--steps", r[i + 1]]
        drop = ("-o", "--backend", "--mpi-partition")
        e = [x for i, x in enumerate(r) if x not in drop and r[i - 1] not in drop]
        emit = (["emit"] + e + ["--standalone", "--mpi"], prog + ["-o", "{OUT}/a"])
    return {"kind": "network", "desc": desc + " runs=%d" % len(runs), "runs": [["run"] + r for r in runs],
            "emit": emit}


CIRC_TEMPLATES = """rate_op:
  base: OperatorTemplate
  equations: "d/dt * r = (-r + tanh(r_in + I_ext)) / tau"
  variables: {r: output(0.0), tau: 0.01, r_in: input(0.0), I_ext: input(0.0)}
mf_op:
  base: OperatorTemplate
  equations:
    - "d/dt * r = (Delta/(pi*tau) + 2.0*r*v) / tau"
    - "d/dt * v = (v^2 + eta + I_ext + tau*r_in - (pi*tau*r)^2) / tau"
  variables: {r: output(0.01), v: variable(-2.0), Delta: 1.0, tau: 1.0, eta: -5.0, I_ext: input(0.0),
              r_in: input(0.0)}
rate_node:
  base: NodeTemplate
  operators: [rate_op]
mf_node:
  base: NodeTemplate
  operators: [mf_op]
"""

# PyRates' own circuits (with ../shared/templates/pyrates): (name, dt, (input path, mean, sd) or None, records)
LIBRARY = [
    ("neural_mass_models.jansenrit.JRC", 1e-4, ("pc/rpo_e_in/u", 220.0, 22.0), ["pc/rpo_e_in/v", "ein/rpo_e/v"]),
    ("neural_mass_models.jansenrit.JRC_2delaycoupled", 1e-4, ("jrc1/pc/rpo_e_in/u", 220.0, 22.0),
     ["jrc1/pc/rpo_e_in/v", "jrc2/pc/rpo_e_in/v"]),
    ("neural_mass_models.qif.qif_sd", 1e-3, ("p/qif_op/I_ext", 3.0, 1.0), ["p/qif_op/r", "p/qif_op/v"]),
    ("neural_mass_models.qif.qif_sfa", 1e-3, ("p/qif_sfa_op/I_ext", 3.0, 1.0), ["p/qif_sfa_op/r"]),
    ("neural_mass_models.wilsoncowan.WC_stp", 1e-3, None, ["e/rate_op/r", "i/rate_op/r"]),
    ("oscillators.kuramoto.kmo_2coupled", 1e-3, None, ["p1/phase_op/theta", "p2/phase_op/theta"]),
    ("oscillators.vanderpol.vdp", 1e-3, ("p/vdp_op/inp", 0.0, 1.0), ["p/vdp_op/x"]),
]


def circuit_case(d, rng, shared):
    """A generated circuit of rate and QIF mean-field nodes with random edges, each with its own delay (none,
    k steps, or with a spread), or one of PyRates' circuits when shared (../shared) is there."""
    lib = os.path.join(shared or "", "templates", "pyrates")
    if shared and os.path.isdir(lib) and rng.random() < 0.35:
        name, dt, inp, recs = LIBRARY[rng.integers(len(LIBRARY))]
        steps = int(rng.integers(100, 600))
        a = ["run", "model_templates." + name, "--template-path", lib, "--dt", num(dt), "-q"]
        data = inputs(rng, steps, 1, inp[1], inp[2]) if inp else None
        for k, r in enumerate(recs):
            a += ["--record", "c%d=%s" % (k, r)]
        desc = "lib " + name
    else:
        with open(os.path.join(d, "circ.yaml"), "w") as f:
            f.write(CIRC_TEMPLATES)
        k = int(rng.integers(2, 9))
        kinds = [("rate_node", "rate_op") if rng.random() < 0.5 else ("mf_node", "mf_op") for _ in range(k)]
        dt = 1e-4 if rng.random() < 0.5 else 1e-3
        edges = []
        for i in range(k):
            for j in range(k):
                if rng.random() < 0.35:
                    w = num(np.round(rng.uniform(-2, 2) if kinds[j][0] == "rate_node" else rng.uniform(0, 3), 4))
                    r = rng.random()
                    extra = ""
                    if r < 0.5:
                        extra = ", delay: %s" % num(dt * int(rng.integers(1, 30)))
                    elif r < 0.6:
                        extra = ", delay: %s, spread: %s" % (num(dt * 20), num(dt * 5))
                    edges.append("    - [n%d/%s/r, n%d/%s/r_in, null, {weight: %s%s}]"
                                 % (i, kinds[i][1], j, kinds[j][1], w, extra))
        with open(os.path.join(d, "circ.yaml"), "a") as f:
            f.write("net:\n  base: CircuitTemplate\n  nodes: {%s}\n  edges:\n%s\n" % (
                ", ".join("n%d: %s" % (i, kinds[i][0]) for i in range(k)), "\n".join(edges) or "    []"))
        steps = int(rng.integers(100, 800))
        a = ["run", "circ/net", "--dt", num(dt), "-q"]
        i = int(rng.integers(k))
        inp = ("n%d/%s/I_ext" % (i, kinds[i][1]), 0.5, 1.0)
        data = inputs(rng, steps, 1, 0.5, 1.0)
        for i in range(k):
            if rng.random() < 0.5 or i == 0:
                a += ["--record", "c%d=n%d/%s/r" % (i, i, kinds[i][1])]
        if rng.random() < 0.3:
            i = int(rng.integers(k))
            a += ["--set", "n%d/%s/r=%s" % (i, kinds[i][1], num(np.round(rng.uniform(0, 0.5), 3)))]
        desc = "circuit of %d nodes, %d edges" % (k, len(edges))
    a += common_opts(rng, steps)
    if data is None:
        mk = input_maker(d, rng, None, None)
    else:
        mk = input_maker(d, rng, data, lambda f: ["--input", inp[0] + "=" + f, "--steps", "0"])

    def inp_opt(lo, hi):
        o = mk(lo, hi)
        if "--steps" in o:
            o[o.index("--steps") + 1] = str(hi - lo)
        return o
    runs = state_runs(rng, a, steps, inp_opt)
    emit = None
    if len(runs) == 1 and "--save-state" not in runs[0]:  # the program's inputs: what emit says
        r = runs[0]
        emit = (["emit"] + [x for i, x in enumerate(r[1:]) if x not in ("-o", "--backend", "--threads")
                            and r[i] not in ("-o", "--backend", "--threads")] + ["--standalone", "--mpi"],
                ["-o", "{OUT}/a"] + ([] if data is not None else ["--steps", r[r.index("--steps") + 1]]))
    return {"kind": "circuit", "desc": desc + " runs=%d" % len(runs), "runs": runs, "emit": emit}


def make_case(d, seed, shared):
    """The case of a seed: a template, a network file or a circuit, in folder d."""
    rng = np.random.default_rng(seed)
    r = rng.random()
    if r < 0.45:
        return template_case(d, rng, shared)
    if r < 0.8:
        return network_case(d, rng)
    return circuit_case(d, rng, shared)

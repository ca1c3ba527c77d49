#!/usr/bin/python3
"""netgen.py -- writes test networks for `rectic run NETWORK.yaml` (issue 13) and the command that runs each.

usage: netgen.py DIR

Writes DIR/<name>/network.yaml with its weight, parameter and input files, and DIR/<name>/commands: one
command line per line, `rectic run network.yaml ... -o OUT_<k>`, to be run from DIR/<name> (every path in it is
relative to that folder).  tests/netref.py accepts the same options, so `netref.py run ARGS` with the
arguments after `rectic run` gives the reference outputs.  Deterministic: numpy default_rng(SEED) per network.

The networks cover: two and three populations; qif, qif_sfa, lif, ik and leaky_integrator.tanh; thresholds
and resets other than 100/-100 and the defaults; per-unit parameters from files and per-unit initial values;
dense CSV and .npy weights, COO CSV (rows in random order, duplicate pairs) and COO .npy, scalar weights;
delays of 1, 2 (0.0025/0.001: a tie rounded to even, and 0.0015/0.001) and 4 steps (0.0036/0.001); inputs
of T x n and T x 1 (broadcast); a rate population as source and target; sampling, --output-var, float32.
"""
import os
import sys

import numpy as np

SEED = 20240613
SPIKING = "neuron_model_templates.spiking_neurons"


def fnum(x):
    """A float as Python writes it (shortest round trip), integers as integers."""
    return repr(float(x)) if not isinstance(x, (int, np.integer)) else str(int(x))


def write_csv(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(",".join(fnum(v) for v in r) + "\n")


def weights(rng, nt, ns, scale, p=1.0, no_self=False):
    """nt x ns weights scale*U(0.05, 1) rounded to 6 decimals, each kept with probability p."""
    w = scale * np.round(rng.uniform(0.05, 1.0, (nt, ns)), 6) * (rng.random((nt, ns)) < p)
    if no_self:
        np.fill_diagonal(w, 0.0)
    return w


def coo_rows(rng, w, duplicates):
    """(target, source, weight) rows of w's non-zeros in random order; `duplicates` entries split in two
    rows whose weights add up to (about) the original."""
    t, s = np.nonzero(w)
    rows = [[int(i), int(j), float(w[i, j])] for i, j in zip(t, s)]
    for k in rng.choice(len(rows), size=duplicates, replace=False):
        part = float(np.round(rows[k][2] * 0.25, 6))
        rows[k][2] = float(np.round(rows[k][2] - part, 6))
        rows.append([rows[k][0], rows[k][1], part])
    order = rng.permutation(len(rows))
    return [rows[k] for k in order]


def inputs(rng, steps, n, mean, sd):
    return np.round(mean + sd * rng.standard_normal((steps, n)), 4)


def yaml_pop(name, template, op, n, spike=None, sets=None, inp="I_ext"):
    fields = ["template: %s" % template, "op: %s" % op, "n: %d" % n, "input: %s" % inp]
    if spike:
        fields.append("spike: {%s}" % ", ".join("%s: %s" % kv for kv in spike))
    if sets:
        fields.append("set: {%s}" % ", ".join("%s: %s" % kv for kv in sets))
    return "  %s: {%s}" % (name, ", ".join(fields))


def write_network(d, comment, pops, projs):
    with open(os.path.join(d, "network.yaml"), "w") as f:
        f.write("# %s\npopulations:\n%s\nprojections:\n" % (comment, "\n".join(pops)))
        for p in projs:
            f.write("  - {%s}\n" % ", ".join("%s: %s" % kv for kv in p))


def ei_qif_lif(d):
    """E (qif_sfa, per-unit eta, threshold 100/-100 given) and I (lif, threshold 2, reset 0); E->E dense CSV,
    E->I dense .npy delayed 0.0025 (a tie: 2 steps), I->E COO CSV with duplicates, I->I scalar."""
    rng = np.random.default_rng(SEED)
    ne, ni, steps = 12, 5, 1500
    write_csv(os.path.join(d, "eta_E.csv"), np.round(rng.normal(-1.0, 1.5, (ne, 1)), 6))
    np.save(os.path.join(d, "w_EI.npy"), weights(rng, ni, ne, 0.5))
    write_csv(os.path.join(d, "w_EE.csv"), weights(rng, ne, ne, 1.0, no_self=True))
    write_csv(os.path.join(d, "w_IE.csv"), coo_rows(rng, weights(rng, ne, ni, -2.0, p=0.6), duplicates=3))
    write_csv(os.path.join(d, "input_E.csv"), inputs(rng, steps, ne, 40.0, 4.0))
    write_csv(os.path.join(d, "input_I.csv"), inputs(rng, steps, ni, 20.0, 2.0))
    write_network(d, "two populations of different templates: qif_sfa (E) and lif (I)", [
        yaml_pop("E", SPIKING + ".qif.qif_sfa", "qif_sfa_op", ne,
                 spike=[("var", "spike"), ("def", "v"), ("threshold", 100), ("reset", -100)],
                 sets=[("eta", '"@eta_E.csv"'), ("alpha", 0.5)]),
        yaml_pop("I", SPIKING + ".lif.lif", "lif_op", ni,
                 spike=[("var", "spike"), ("def", "v"), ("threshold", 2.0), ("reset", 0.0)])], [
        [("source", "E/s"), ("target", "E/s_in"), ("weights", "w_EE.csv")],
        [("source", "E/s"), ("target", "I/s_in"), ("weights", "w_EI.npy"), ("delay", 0.0025)],
        [("source", "I/s"), ("target", "E/s_in"), ("weights-coo", "w_IE.csv")],
        [("source", "I/s"), ("target", "I/s_in"), ("weight", -0.5)]])
    base = "--dt 0.001 --input E/I_ext=input_E.csv --input I/I_ext=input_I.csv"
    return [base + " --record E_v=E/v --record E/x --record I_v=I/v --record I/lif_op/s -o OUT_0",
            base + " --steps 1000 --output-var E/s --record I/v --sampling-steps 4 -o OUT_1",
            base + " --dtype float32 --record E/v --record I/v -o OUT_2"]


def three_pop(d):
    """A (qif), B (qif_sfa, threshold 50, reset -50, per-unit initial v) and C (leaky_integrator.tanh, a rate
    population); COO .npy, dense .npy and CSV, scalar weights; delays 0.0036 (4 steps), 0.0015 (2), 0.001 (1)."""
    rng = np.random.default_rng(SEED + 1)
    na, nb, nc, steps = 6, 8, 4, 1200
    np.save(os.path.join(d, "w_AB.npy"), np.array(coo_rows(rng, weights(rng, nb, na, 1.5, p=0.5), 2)))
    write_csv(os.path.join(d, "w_BA.csv"), weights(rng, na, nb, -1.0))
    np.save(os.path.join(d, "w_AA.npy"), weights(rng, na, na, 0.8, p=0.7, no_self=True))
    write_csv(os.path.join(d, "w_BC.csv"), weights(rng, nc, nb, 0.3))
    write_csv(os.path.join(d, "v0_B.csv"), np.round(rng.uniform(-10.0, 40.0, (1, nb)), 4))  # one row
    write_csv(os.path.join(d, "input_A.csv"), inputs(rng, steps, na, 50.0, 5.0))
    write_csv(os.path.join(d, "input_B.csv"), inputs(rng, steps, 1, 30.0, 3.0))  # T x 1: broadcast
    write_csv(os.path.join(d, "input_C.csv"), inputs(rng, steps, nc, 0.5, 0.2))
    write_network(d, "three populations: qif (A), qif_sfa (B), tanh rate units (C)", [
        yaml_pop("A", SPIKING + ".qif.qif", "qif_op", na, spike=[("var", "spike"), ("def", "v")],
                 sets=[("eta", -2.5), ("tau_s", 0.5)]),
        yaml_pop("B", SPIKING + ".qif.qif_sfa", "qif_sfa_op", nb,
                 spike=[("var", "spike"), ("def", "v"), ("threshold", 50), ("reset", -50)],
                 sets=[("v", '"@v0_B.csv"'), ("tau_x", 5.0)]),
        yaml_pop("C", "neuron_model_templates.rate_neurons.leaky_integrator.tanh", "li_op", nc,
                 sets=[("tau", 2.0)])], [
        [("source", "A/s"), ("target", "B/s_in"), ("weights-coo", "w_AB.npy"), ("delay", 0.0015)],
        [("source", "B/s"), ("target", "A/s_in"), ("weights", "w_BA.csv"), ("delay", 0.0036)],
        [("source", "A/s"), ("target", "A/s_in"), ("weights", "w_AA.npy")],
        [("source", "B/s"), ("target", "C/r_in"), ("weights", "w_BC.csv")],
        [("source", "C/tanh_op/r"), ("target", "A/s_in"), ("weight", 0.3), ("delay", 0.001)],
        [("source", "C/r"), ("target", "C/r_in"), ("weight", -0.25)]])
    base = "--dt 0.001 --input A/I_ext=input_A.csv --input B/I_ext=input_B.csv --input C/I_ext=input_C.csv"
    return [base + " --record A/v --record A/s --record B/v --record B/x --record C_v=C/li_op/v --record C/r -o OUT_0",
            base + " --steps 900 --set A/eta=-1.5 --set C/k=2 --output-var C/r --sampling-steps 3 -o OUT_1"]


def ik_lif(d):
    """ik (threshold 40, reset -60) and lif (defaults 100/-100 never reached: no spikes) at dt = 0.05;
    conductance coupling into ik from a COO CSV, a dense lif -> lif, ik -> lif scalar with delay 0.25 (5)."""
    rng = np.random.default_rng(SEED + 2)
    nk, nl, steps = 5, 3, 2000
    write_csv(os.path.join(d, "w_KK.csv"), coo_rows(rng, weights(rng, nk, nk, 0.2, p=0.6, no_self=True), 2))
    write_csv(os.path.join(d, "w_LL.csv"), weights(rng, nl, nl, 0.1))
    write_csv(os.path.join(d, "input_K.csv"), inputs(rng, steps, nk, 100.0, 20.0))
    write_network(d, "Izhikevich neurons (K) driving leaky integrate-and-fire units (L)", [
        yaml_pop("K", SPIKING + ".ik.ik", "ik_op", nk, spike=[("var", "spike"), ("def", "v"), ("threshold", 40),
                                                             ("reset", -60)]),
        yaml_pop("L", SPIKING + ".lif.lif", "lif_op", nl, spike=[("var", "spike"), ("def", "v")],
                 sets=[("eta", 1.0)])], [
        [("source", "K/s"), ("target", "K/s_in"), ("weights-coo", "w_KK.csv")],
        [("source", "K/s"), ("target", "L/s_in"), ("weight", 2.0), ("delay", 0.25)],
        [("source", "L/s"), ("target", "L/s_in"), ("weights", "w_LL.csv")]])
    return ["--dt 0.05 --input K/I_ext=input_K.csv --record K/v --record K/u --record L/v --output-var L/s -o OUT_0"]


NETWORKS = {"ei_qif_lif": ei_qif_lif, "three_pop": three_pop, "ik_lif": ik_lif}


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for name, make in NETWORKS.items():
        d = os.path.join(sys.argv[1], name)
        os.makedirs(d, exist_ok=True)
        cmds = ["rectic run network.yaml " + args for args in make(d)]
        with open(os.path.join(d, "commands"), "w") as f:
            f.write("\n".join(cmds) + "\n")
        for c in cmds:
            print("(cd %s && %s)" % (d, c))
    return 0


if __name__ == "__main__":
    sys.exit(main())

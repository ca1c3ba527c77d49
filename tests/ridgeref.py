#!/usr/bin/python3
"""ridgeref.py -- an independent NumPy reference of RectiPy's graph and fit_ridge (../shared/SEMANTICS.md §10)
as rectic's `run --input-weights/--readout-weights`, `fit ridge` and `run --targets` compute them (issue 16).

usage: ridgeref.py graph CASE_DIR OUT_DIR
           A RectiPy graph case (case.json with "graph": input node -> W_in -> network -> W_out -> activation)
           simulated here; writes out.csv and the case's recorded variables (RectiPy's post-update record of a
           rate node, SEMANTICS §5) under the case's names.
       ridgeref.py simulate NETWORK.yaml --dt DT --inputs X [--input-weights W_IN] [--readout-weights W_OUT]
                            [--readout-activation A] -o DIR
           A network of one population P (netref.py's hand-written templates) whose input variable receives
           W_in @ x_n; writes x.csv (the recorded output: X) and out.csv (the readout's output, or X).
       ridgeref.py fit X Y [--alpha A] [--washout W] [--bias] -o DIR
           RectiPy's fit_ridge on X (T x N) and Y (T x k) with numpy.linalg.solve:
           w = solve(XᵀX + αI, XᵀY) over rows n >= W (with --bias a column of ones whose weight is not
           regularised); writes readout.csv (k x N[+1]), y_fit.csv (X @ w for every row) and fit.json
           ({"rows", "mse", "nrmse", "mse_mean", "nrmse_mean"} over the fitted rows).
       ridgeref.py score Y T -o FILE.json
           mse, nrmse = sqrt(mse / var(target)) per column (variance over the same rows, divided by their count).

The numerics follow §10: I_ext = W_in @ x_n; the network returns its pre-update output y_n[out] and takes
its Euler step; out_n = act(W_out @ y_n (+ b)), softmax/softmin/log_softmax over the k outputs; sums are
left-to-right (netref.seqsum) as rectic's loops do.  Needs numpy and PyYAML (/usr/bin/python3).
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netref  # noqa: E402  (the hand-written templates and the simulation of networks)

ACTIVATIONS = ("identity", "tanh", "sigmoid", "softmax", "softmin", "log_softmax")


def project(w_in, x):
    """Row n: W_in @ x_n, each sum left to right."""
    return netref.seqsum(w_in[None, :, :] * x[:, None, :], axis=2)


def activate(z, act):
    if act == "identity":
        return z
    if act == "tanh":
        return np.tanh(z)
    if act == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if act == "softmin":
        z, act = -z, "softmax"
    top = z.max(axis=1, keepdims=True)
    e = np.exp(z - top)
    s = netref.seqsum(e, axis=1)[:, None]
    return z - top - np.log(s) if act == "log_softmax" else e / s


def readout(w_out, act, x):
    """act(W_out @ y_n (+ b)) for every row of x; the intercept, when W_out has one column more, added last."""
    n = x.shape[1]
    z = netref.seqsum(w_out[None, :, :n] * x[:, None, :], axis=2)
    if w_out.shape[1] == n + 1:
        z = z + w_out[None, :, n]
    return activate(z, act)


def fit_ridge(x, y, alpha, washout, bias):
    """(readout k x p, y_fit T x k, score over the fitted rows)."""
    xa = np.hstack([x, np.ones((x.shape[0], 1))]) if bias else x
    xw, yw = xa[washout:], y[washout:]
    reg = alpha * np.eye(xa.shape[1])
    if bias:
        reg[-1, -1] = 0.0  # the intercept is not regularised
    w = np.linalg.solve(xw.T @ xw + reg, xw.T @ yw)
    y_fit = xa @ w
    return w.T, y_fit, score(y_fit[washout:], yw)


def score(y, t):
    mse = np.mean((y - t) ** 2, axis=0)
    var = np.var(t, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nrmse = np.where(var > 0, np.sqrt(mse / np.where(var > 0, var, 1)), np.nan)
    return {"rows": int(t.shape[0]), "mse": [float(v) for v in mse], "nrmse": [float(v) for v in nrmse],
            "mse_mean": float(np.mean(mse)), "nrmse_mean": float(np.mean(nrmse))}


def write_csv(path, a):
    with open(path, "w") as f:
        for row in np.atleast_2d(a):
            f.write(",".join(repr(float(v)) for v in row) + "\n")


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, allow_nan=False, default=lambda v: None)


def simulate(network, dt, inputs, records, w_in=None, steps=None):
    """Runs the one-population network file; inputs (T x m) go through W_in into P's input variable.
    Returns {key: rows} for records [(key, 'P/var')]."""
    pops, projs = netref.load_network(network, dt, np.float64)
    p = pops["P"]
    u = project(w_in, inputs) if w_in is not None else inputs
    steps = u.shape[0] if steps is None else steps
    recs = [(key, *netref.split_path(pops, path)) for key, path in records]
    data, _, _ = netref.simulate(pops, projs, dt, steps, [(p, p.resolve(p.input), u)], recs, 1, 0, False)
    return data


def cmd_graph(argv):
    case_dir, out_dir = argv[0], argv[1]
    with open(os.path.join(case_dir, "case.json")) as f:
        c = json.load(f)
    g = c["graph"]
    nodes = {n["label"]: n for n in g["nodes"]}
    srcs, tgts = {e["source"] for e in g["edges"]}, {e["target"] for e in g["edges"]}
    w_in = w_out = None
    act = "identity"
    for e in g["edges"]:
        w = netref.read_matrix(os.path.join(case_dir, e["weights"]["file"]))
        if e["source"] not in tgts:
            w_in = w
        if e["target"] not in srcs:
            w_out, act = w, nodes[e["target"]].get("activation", "identity")
    J = netref.read_matrix(os.path.join(case_dir, c["weights"]["file"]))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "J.npy"), np.where(np.abs(J) <= 1e-6, 0.0, J))  # PyRates' pruning
        pop = {"template": c["template"], "n": c["N"], "input": c["input_var"],
               "set": {k: v for k, v in c.get("node_vars", {}).items() if not isinstance(v, dict)}}
        if c.get("op"):
            pop["op"] = c["op"]
        net = {"populations": {"P": pop}, "projections": [
            {"source": "P/" + c["source_var"], "target": "P/" + c["target_var"], "weights": "J.npy"}]}
        path = os.path.join(tmp, "network.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(net, f)
        inputs = netref.read_matrix(os.path.join(case_dir, c["inputs"]["file"]))
        keys = [k for k in c["outputs"] if k != "out"]
        # one step more than the case: RectiPy records a rate node's variables after the update (§5)
        data = simulate(path, c["dt"], np.vstack([inputs, inputs[-1:]]), [("x", "P/" + c["output_var"])] +
                        [(k, "P/" + k) for k in keys], w_in)
    steps = inputs.shape[0]
    write_csv(os.path.join(out_dir, "out.csv"), readout(w_out, act, data["x"][:steps]))
    post = c.get("node_type", "").startswith("RateNet")
    for k in keys:
        write_csv(os.path.join(out_dir, c["outputs"][k]["file"]), data[k][1:] if post else data[k][:steps])
    return 0


def cmd_simulate(argv):
    ap = argparse.ArgumentParser(prog="ridgeref.py simulate")
    ap.add_argument("network")
    ap.add_argument("--dt", type=float, required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--input-weights")
    ap.add_argument("--readout-weights")
    ap.add_argument("--readout-activation", choices=ACTIVATIONS, default="identity")
    ap.add_argument("--output-var", required=True)
    ap.add_argument("-o", dest="out", required=True)
    a = ap.parse_args(argv)
    w_in = netref.read_matrix(a.input_weights) if a.input_weights else None
    x = simulate(a.network, a.dt, netref.read_matrix(a.inputs), [("x", "P/" + a.output_var)], w_in)["x"]
    os.makedirs(a.out, exist_ok=True)
    write_csv(os.path.join(a.out, "x.csv"), x)
    out = readout(netref.read_matrix(a.readout_weights), a.readout_activation, x) if a.readout_weights else x
    write_csv(os.path.join(a.out, "out.csv"), out)
    return 0


def cmd_fit(argv):
    ap = argparse.ArgumentParser(prog="ridgeref.py fit")
    ap.add_argument("x")
    ap.add_argument("y")
    ap.add_argument("--alpha", type=float, default=1e-4)
    ap.add_argument("--washout", type=int, default=0)
    ap.add_argument("--bias", action="store_true")
    ap.add_argument("-o", dest="out", required=True)
    a = ap.parse_args(argv)
    w, y_fit, sc = fit_ridge(netref.read_matrix(a.x), netref.read_matrix(a.y), a.alpha, a.washout, a.bias)
    os.makedirs(a.out, exist_ok=True)
    write_csv(os.path.join(a.out, "readout.csv"), w)
    write_csv(os.path.join(a.out, "y_fit.csv"), y_fit)
    write_json(os.path.join(a.out, "fit.json"), sc)
    return 0


def cmd_score(argv):
    ap = argparse.ArgumentParser(prog="ridgeref.py score")
    ap.add_argument("y")
    ap.add_argument("t")
    ap.add_argument("-o", dest="out", required=True)
    a = ap.parse_args(argv)
    write_json(a.out, score(netref.read_matrix(a.y), netref.read_matrix(a.t)))
    return 0


def main():
    cmds = {"graph": cmd_graph, "simulate": cmd_simulate, "fit": cmd_fit, "score": cmd_score}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return cmds[sys.argv[1]](sys.argv[2:])
    except (netref.NetError, OSError, ValueError, KeyError, np.linalg.LinAlgError) as e:
        print("ridgeref: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

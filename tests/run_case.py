#!/usr/bin/env python3
"""Runs one RectiPy reference case through `rectic run` and compares the outputs with compare.py.

usage: run_case.py RECTIC CASE_DIR OUT_DIR [--format csv|npy] [extra rectic options...]

Translates the case's case.json (template, op, variables, node_vars, dtype, sampling) into rectic options,
with --min-weight 1e-6 (PyRates' pruning) and --template-path pointing at the case's RectiPy templates when
they are present, else rectic's own templates.  A case of several populations (kind multipop) runs its network
file with --input and --record per population; its spikes_<POP>.csv files must hold the same pairs.
A PyRates case (pyrates_*: a CircuitTemplate, no weights) runs `rectic run CIRCUIT` with its inputs and
outputs by node path.
Exit status: that of compare.py (0 = match); 77 (skip) for a case of another kind (see unsupported()).
Pure Python 3 (no numpy).
"""
import json
import os
import subprocess
import sys


def unsupported(case):
    """Why `case` is neither a single-template RectiPy case (template + weights) nor a network file of
    populations (kind multipop), or None when it is one of them."""
    if case.get("kind") == "multipop":
        return None
    if "template" not in case:
        return "neither a template nor a network file"
    return None


def graph_args(case, case_dir):
    """--input-weights, --readout-weights and --readout-activation of a RectiPy graph (SEMANTICS 10): the edge out
    of the input node (the node without in-edges) and the edge into the output node (without out-edges)."""
    graph = case.get("graph")
    if not graph:
        return []
    nodes = {node["label"]: node for node in graph["nodes"]}
    sources = {e["source"] for e in graph["edges"]}
    targets = {e["target"] for e in graph["edges"]}
    args = []
    for e in graph["edges"]:
        path = os.path.join(case_dir, e["weights"]["file"])
        if e["source"] not in targets and nodes[e["source"]].get("type") == "function":
            args += ["--input-weights", path]
        if e["target"] not in sources and nodes[e["target"]].get("type") == "function":
            args += ["--readout-weights", path,
                     "--readout-activation", nodes[e["target"]].get("activation", "identity")]
    return args


def load_case(case_dir):
    with open(os.path.join(case_dir, "case.json")) as f:
        return json.load(f)


def shared_templates(case_dir):
    """The RectiPy templates beside the case (../../templates/rectipy), or None: rectic's own are used."""
    d = os.path.join(case_dir, "..", "..", "templates", "rectipy")
    return d if os.path.isdir(d) else None


def network_command(rectic, case, case_dir, out_dir, extra):
    """`rectic run NETWORK.yaml` for a case of several populations (kind multipop): its inputs per population,
    every output recorded under its key."""
    args = [rectic, "run", os.path.join(case_dir, case["network"]), "--dt", repr(case["dt"]), "--steps",
            str(case["steps"]), "--sampling-steps", str(case.get("sampling_steps", 1)), "-o", out_dir, "--quiet"]
    for path, inp in case["inputs"].items():
        args += ["--input", "%s=%s" % (path, os.path.join(case_dir, inp["file"]))]
    for key, out in case["outputs"].items():
        args += ["--record", "%s=%s" % (key, out["variable"])]
    if shared_templates(case_dir):
        args += ["--template-path", shared_templates(case_dir)]
    return case, args + extra


def same_spikes(case, case_dir, out_dir):
    """Every population's spikes_<POP>.csv holds the case's (step, neuron) pairs exactly; prints what differs."""
    ok = True
    for pop, name in case.get("spikes", {}).items():
        try:
            pairs = [open(os.path.join(d, name)).read().split() for d in (case_dir, out_dir)]
        except OSError as e:
            print("  %s: %s -> FAIL" % (name, e))
            ok = False
            continue
        first = next((k for k, (a, b) in enumerate(zip(*pairs)) if a != b), None)
        good = pairs[0] == pairs[1]
        print("  %s: %d expected, %d found%s -> %s" % (name, len(pairs[0]), len(pairs[1]),
                                                     "" if first is None else ", first difference at row %d" % first,
                                                     "ok" if good else "FAIL"))
        ok &= good
    return ok


def circuit_command(rectic, case, case_dir, out_dir, extra):
    """`rectic run CIRCUIT` for a PyRates case (shared/cases/pyrates_*: no weights): the templates of
    shared/templates/pyrates, its inputs and outputs by node path, PyRates' sampling_step_size in steps."""
    tp = os.path.join(case_dir, "..", "..", "templates", "pyrates")
    args = [rectic, "run", case["template"], "--template-path", tp, "--dt", repr(case["dt"]), "--steps",
            str(case["steps"]), "--sampling-steps", str(int(round(case["sampling_step_size"] / case["dt"]))),
            "-o", out_dir, "--quiet"]
    if case.get("float_precision") == "float32":
        args += ["--dtype", "float32"]
    for path, inp in case.get("inputs", {}).items():
        args += ["--input", "%s=%s" % (path, os.path.join(case_dir, inp["file"]))]
    for out in case["outputs"].values():
        args += ["--record", "%s=%s" % (os.path.splitext(out["file"])[0], out["variable"])]
    return case, args + extra


def case_command(rectic, case_dir, out_dir, extra):
    case = load_case(case_dir)
    if case.get("kind") == "multipop":
        return network_command(rectic, case, case_dir, out_dir, extra)
    if "weights" not in case:
        return circuit_command(rectic, case, case_dir, out_dir, extra)
    args = [rectic, "run", case["template"], "--weights", os.path.join(case_dir, case["weights"]["file"]),
            "--inputs", os.path.join(case_dir, case["inputs"]["file"]), "--dt", repr(case["dt"]),
            "--steps", str(case["steps"]), "--min-weight", "1e-6", "-o", out_dir, "--quiet"]
    if case.get("op"):
        args += ["--op", case["op"]]
    for key, flag in (("source_var", "--source-var"), ("target_var", "--target-var"), ("input_var", "--input-var"),
                      ("output_var", "--output-var"), ("spike_var", "--spike-var"), ("spike_def", "--spike-def")):
        if case.get(key):
            args += [flag, case[key]]
    if case.get("spike_var"):
        args += ["--spike-threshold", repr(case["spike_threshold"]), "--spike-reset", repr(case["spike_reset"])]
    for name, val in case.get("node_vars", {}).items():
        if isinstance(val, dict):
            args += ["--set", "%s=@%s" % (name, os.path.join(case_dir, val["file"]))]
        else:
            args += ["--set", "%s=%r" % (name, val)]
    if case.get("dtype") == "float32":
        args += ["--dtype", "float32"]
    if case.get("sampling_steps", 1) != 1:
        args += ["--sampling-steps", str(case["sampling_steps"])]
    for key in case["outputs"]:
        if key not in ("out", "spikes"):
            args += ["--record", key]
    args += graph_args(case, case_dir)
    if shared_templates(case_dir):
        args += ["--template-path", shared_templates(case_dir)]
    return case, args + extra


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    rectic, case_dir, out_dir = sys.argv[1:4]
    why = unsupported(load_case(case_dir))
    if why:
        print("SKIP %s: %s" % (case_dir, why))
        return 77
    if "weights" not in load_case(case_dir) and load_case(case_dir).get("kind") != "multipop" and \
            not os.path.isdir(os.path.join(case_dir, "..", "..", "templates", "pyrates")):
        print("SKIP %s: a PyRates circuit needs the templates of ../../templates/pyrates beside the case" % case_dir)
        return 77
    case, args = case_command(rectic, case_dir, out_dir, sys.argv[4:])
    r = subprocess.run(args)
    if r.returncode != 0:
        print("rectic failed (exit %d): %s" % (r.returncode, " ".join(args)), file=sys.stderr)
        return 1
    compare = os.environ.get("RECTIC_COMPARE") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare.py")
    tol = ["--atol", "1e-3", "--rtol", "1e-5"] if case.get("dtype") == "float32" else ["--atol", "1e-10", "--rtol", "1e-8"]
    rc = subprocess.run([sys.executable, compare, case_dir, out_dir] + tol).returncode
    return rc if rc or same_spikes(case, case_dir, out_dir) else 1


if __name__ == "__main__":
    sys.exit(main())

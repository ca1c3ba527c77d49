#!/usr/bin/env python3
"""Runs one RectiPy reference case through `rectic run` and compares the outputs with compare.py.

usage: run_case.py RECTIC CASE_DIR OUT_DIR [--format csv|npy] [extra rectic options...]

Translates the case's case.json (template, op, variables, node_vars, dtype, sampling) into rectic options,
with --min-weight 1e-6 (PyRates' pruning) and --template-path pointing at the case's RectiPy templates when
they are present, else rectic's own templates.  Exit status: that of compare.py (0 = match); 77 (skip) for a case of another kind (see unsupported()).
Pure Python 3 (no numpy).
"""
import json
import os
import subprocess
import sys


def unsupported(case):
    """Why `case` is not a single-template RectiPy case (template + weights), or None when it is one."""
    if case.get("kind") == "multipop":
        return "a network file of several populations (rectic run NETWORK.yaml is not built yet)"
    if "graph" in case:
        return "a RectiPy graph with input and readout layers (--input-weights/--readout-weights are not built yet)"
    if "template" not in case or "weights" not in case:
        return "a PyRates CircuitTemplate (rectic run CIRCUIT is not built yet)"
    return None


def load_case(case_dir):
    with open(os.path.join(case_dir, "case.json")) as f:
        return json.load(f)


def case_command(rectic, case_dir, out_dir, extra):
    case = load_case(case_dir)
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
    shared_templates = os.path.join(case_dir, "..", "..", "templates", "rectipy")
    if os.path.isdir(shared_templates):
        args += ["--template-path", shared_templates]
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
    case, args = case_command(rectic, case_dir, out_dir, sys.argv[4:])
    r = subprocess.run(args)
    if r.returncode != 0:
        print("rectic failed (exit %d): %s" % (r.returncode, " ".join(args)), file=sys.stderr)
        return 1
    compare = os.environ.get("RECTIC_COMPARE") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare.py")
    tol = ["--atol", "1e-3", "--rtol", "1e-5"] if case.get("dtype") == "float32" else ["--atol", "1e-10", "--rtol", "1e-8"]
    return subprocess.run([sys.executable, compare, case_dir, out_dir] + tol).returncode


if __name__ == "__main__":
    sys.exit(main())

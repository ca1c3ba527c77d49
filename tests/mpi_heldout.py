#!/usr/bin/python3
"""mpi_heldout.py -- held-out differential test of issue 18: random cases (tests/heldout_gen.py) run by one
process and by `mpirun --oversubscribe -np P` write the same bytes.

usage: mpi_heldout.py [--rectic PATH] [--np 2,3] [--keep DIR] [--shared DIR] [--standalone] [--errors]
                      SEED|A:B ...

For each seed: a case (a template, a network file of populations or a PyRates circuit with its files) is
written into a folder of its own and its runs (one, or a --save-state run then a --load-state run) are made
by one process into one/ and by P ranks into pP/ (a --load-state run loads the state the variant before it
saved: one process's, then 2 ranks'); every file but meta.json (outputs and state files) must be
byte-identical, and a run one process refuses must be refused by P ranks with the same messages and exit
status.  --standalone: the case's `rectic emit --standalone --mpi` program, built with mpicc, under mpirun
writes the same bytes too.  --errors: one of the case's files is then spoiled (a word instead of a number, a
short row, a cut .npy, a missing file): one process and 3 ranks exit with the same status and the same
`rectic:` lines, and the outputs written before stay as they were.  Prints one line per case, the failures
with the command that shows them, and "mpi_heldout: N passed, M failed, K skipped".
"""
import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heldout_gen  # noqa: E402

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", LC_ALL="C")


class Failure(Exception):
    pass


def run(cmd, cwd, timeout=300):
    """Runs cmd in cwd: (exit status, stdout + stderr)."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "timed out after %d s" % timeout
    return p.returncode, p.stdout.decode(errors="replace")


def messages(text):
    """rectic's own lines of a run's output (mpirun adds its own)."""
    return [ln for ln in text.splitlines() if ln.startswith("rectic:")]


def launcher(p):
    return [] if p == 0 else ["mpirun", "--oversubscribe", "-np", str(p)]


def subst(args, out, st, ld=""):
    return [a.replace("{OUT}", out).replace("{ST}", st).replace("{LD}", ld) for a in args]


def variant(d, rectic, case, p, tag, load=None):
    """Makes the case's runs on p ranks (0: one process) into d/tag, a state loaded from load/state.npz (the
    variant's own by default): [(exit status, rectic's lines, output)]."""
    os.makedirs(os.path.join(d, tag), exist_ok=True)
    res = []
    for r in case["runs"]:
        rc, text = run(launcher(p) + [rectic] + subst(r, tag + "/out", tag + "/state.npz",
                                                      (load or tag) + "/state.npz"), d)
        res.append((rc, [m.replace(tag + "/", "{V}/") for m in messages(text)], text))  # (its own paths)
        if rc != 0:
            break
    return res


def files(top):
    """Every file under top but meta.json and the output lock, relative paths, sorted."""
    out = []
    for base, _, names in os.walk(top):
        out += [os.path.relpath(os.path.join(base, n), top) for n in names if n not in ("meta.json", ".rectic.lock")]
    return sorted(out)


def same_tree(a, b):
    """Raises Failure when the data files under a and b differ (names or bytes)."""
    fa, fb = files(a), files(b)
    if fa != fb:
        raise Failure("%s holds %s, %s holds %s" % (a, fa, b, fb))
    for f in fa:
        if not filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False):
            raise Failure("%s differs between %s and %s" % (f, a, b))
    if not fa and not os.path.isdir(a):
        raise Failure("%s: nothing written" % a)


def same_results(one, other, what):
    """Raises Failure when the exit statuses or messages of two variants differ."""
    for k, (x, y) in enumerate(zip(one, other)):
        if x[0] != y[0] or x[1] != y[1]:
            raise Failure("run %d: one process exit %d %s, %s exit %d %s; output:\n%s" % (
                k, x[0], x[1], what, y[0], y[1], y[2][-1500:]))
    if len(one) != len(other):
        raise Failure("%s made %d runs, one process %d" % (what, len(other), len(one)))


def standalone(d, rectic, case, nps):
    """The case's standalone --mpi program under mpirun writes one process's bytes."""
    emit, prog = case["emit"]
    rc, text = run([rectic] + emit + ["-o", "sim.c"], d)
    if rc != 0:
        return "emit refused: " + " ".join(messages(text))  # not an MPI matter: reported, not failed
    said = re.search(r"run the program with (.*)$", text, re.M)  # a circuit's inputs, written beside sim.c
    prog = prog + (said.group(1).split() if said else [])
    rc, text = run(["mpicc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "sim.c", "-lm", "-o", "sim"], d)
    if rc != 0:
        raise Failure("mpicc sim.c: " + text[-1500:])
    for p in nps:
        rc, text = run(launcher(p) + ["./sim"] + subst(prog, "s%d" % p, ""), d, timeout=60)
        if rc != 0:
            raise Failure("mpirun -np %d ./sim: exit %d: %s" % (p, rc, text[-1500:]))
        same_tree(os.path.join(d, "one/out/a"), os.path.join(d, "s%d/a" % p))
    return "standalone"


def named_files(d, case):
    """The files the case's first run names, and those its network file names."""
    names = [a.split("@")[-1].split("=")[-1] for a in case["runs"][0]]
    if os.path.isfile(os.path.join(d, "net.yaml")):
        text = open(os.path.join(d, "net.yaml")).read()
        names += re.findall(r"weights(?:-coo)?: ([^,}\s]+)", text) + re.findall(r'"@([^"]+)"', text)
    return sorted({n for n in names if os.path.isfile(os.path.join(d, n)) and n != "circ.yaml"})


def spoil(d, case, seed):
    """Spoils one file the case names (removed, cut, a word for a number, a short row, a row less, an index
    out of range, a negative delay); returns what was done."""
    import numpy as np
    rng = np.random.default_rng(seed + 7)
    cands = named_files(d, case)
    if not cands:
        return None
    f = cands[rng.integers(len(cands))]
    path = os.path.join(d, f)
    how = rng.integers(5)
    if how == 0:
        os.remove(path)
        return "removed " + f
    if f.endswith(".npy"):
        data = open(path, "rb").read()
        open(path, "wb").write(data[:len(data) - 9] if len(data) > 140 else data[:60])
        return "cut " + f
    lines = open(path).read().splitlines() or [""]
    k = int(rng.integers(len(lines)))
    if f.endswith(".yaml"):
        k = max(i for i, ln in enumerate(lines) if ln.startswith("  "))
        lines[k] = lines[k].replace("}", ", delay: -0.001}") if how < 3 and "source" in lines[k] else lines[k] + " ]"
    elif how == 1:
        lines[k] = lines[k].replace(",", ",1e+x", 1) if "," in lines[k] else lines[k] + "e+x"
    elif how == 2:
        lines[k] = lines[k].rsplit(",", 1)[0] if "," in lines[k] else "1,2"
    elif how == 3 and len(lines) > 1:
        del lines[k]
    else:
        lines[k] = "99999" + lines[k][len(lines[k].split(",")[0]):]
    open(path, "w").write("\n".join(lines) + "\n")
    return "spoiled line %d of %s (%d)" % (k + 1, f, how)


def errors(d, rectic, case, seed):
    """After a spoiled file: one process and 3 ranks fail alike and leave the earlier outputs as they were."""
    what = spoil(d, case, seed)
    if what is None:
        return "no file to spoil"
    for tag in ("one", "p3"):
        shutil.copytree(os.path.join(d, tag), os.path.join(d, tag + ".before"))
    one = variant(d, rectic, case, 0, "one")
    if one[-1][0] == 0:
        return what + " (accepted)"
    p3 = variant(d, rectic, case, 3, "p3")
    try:
        same_results(one, p3, "3 ranks")
    except Failure as e:
        raise Failure("%s: %s" % (what, e))
    errs = [m for m in one[-1][1] if not m.startswith("rectic: warning:")]
    if len(errs) != 1:
        raise Failure("%s: expected one message, got %s" % (what, one[-1][1]))
    for tag in ("one", "p3"):
        same_tree(os.path.join(d, tag + ".before"), os.path.join(d, tag))
    return what + ": " + errs[0][:100]


def check(d, rectic, seed, nps, shared, opts):
    """Writes and runs one seed's case; returns a description (raises Failure)."""
    case = heldout_gen.make_case(d, seed, shared)
    desc = case["desc"]
    one = variant(d, rectic, case, 0, "one")
    prev = "one"
    for p in nps:  # a state saved by one number of ranks is loaded by the next
        res = variant(d, rectic, case, p, "p%d" % p, prev)
        prev = "p%d" % p
        same_results(one, res, "%d ranks" % p)
        if os.path.isdir(os.path.join(d, "one")):
            same_tree(os.path.join(d, "one"), os.path.join(d, "p%d" % p))
    if one[-1][0] != 0:
        desc += " (refused alike: %s)" % " ".join(one[-1][1])[:120]
    elif opts.standalone and case["emit"] and shutil.which("mpicc"):
        desc += " " + standalone(d, rectic, case, nps)
    if opts.errors and one[-1][0] == 0:
        desc += "; " + errors(d, rectic, case, seed)
    return desc


def seeds(specs):
    for s in specs:
        if ":" in s:
            a, b = s.split(":")
            yield from range(int(a), int(b))
        else:
            yield int(s)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--rectic", default=os.path.join(here, "..", "build", "rectic"))
    ap.add_argument("--np", default="2,3")
    ap.add_argument("--keep", help="write the cases into DIR/SEED and keep them")
    ap.add_argument("--shared", default=os.environ.get("RECTIC_SHARED", os.path.join(here, "..", "..", "shared")))
    ap.add_argument("--standalone", action="store_true")
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("seeds", nargs="+")
    o = ap.parse_args()
    rectic = os.path.abspath(o.rectic)
    nps = [int(x) for x in o.np.split(",")]
    shared = o.shared if os.path.isdir(o.shared) else None
    if not shutil.which("mpirun"):
        print("mpi_heldout: no mpirun (apt-get install openmpi-bin libopenmpi-dev)")
        print("mpi_heldout: 0 passed, 0 failed, 1 skipped")
        return 0
    top = o.keep or tempfile.mkdtemp(prefix="rectic-heldout.")
    passed = failed = 0
    for seed in seeds(o.seeds):
        d = os.path.join(top, str(seed))
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        t0 = time.time()
        try:
            desc = check(d, rectic, seed, nps, shared, o)
            print("ok %d %s (%.1f s)" % (seed, desc, time.time() - t0), flush=True)
            passed += 1
        except Failure as e:
            print("FAIL %d: %s\n  again: tests/mpi_heldout.py --keep DIR%s%s %d" % (
                seed, e, " --standalone" if o.standalone else "", " --errors" if o.errors else "", seed),
                flush=True)
            failed += 1
    if not o.keep:
        shutil.rmtree(top, ignore_errors=True)
    print("mpi_heldout: %d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

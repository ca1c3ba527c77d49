#!/usr/bin/env bash
# tests/e2e_ridge.sh -- end-to-end tests of issue 16's commands against tests/ridgeref.py, the NumPy reference
# of SEMANTICS §10: input and readout layers (`rectic run --input-weights --readout-weights
# --readout-activation`), `rectic fit ridge` (readout.csv within 1e-8 relative of numpy.linalg.solve, y_fit,
# out = X, meta.json's "fit" object), testing a readout (`run --targets`: the "test" object and the summary
# line), and every bad input (a message naming the flag or file, a non-zero exit, the previous outputs intact).
#
#   RECTIC_BUILD=build ./tests/e2e_ridge.sh [NAME...]   (make test runs it; NAME: tests whose name contains it)
#
# Every test is a function test_* run in a subshell in its own empty work directory; the runner prints
# "ok NAME", "FAIL NAME: why" or "skip NAME: why", then "e2e_ridge.sh: N passed, M failed, K skipped".
# Needs /usr/bin/python3 with numpy and PyYAML (skipped without them).
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in
/*) RECTIC=$BUILD/rectic ;;
*) RECTIC=$ROOT/$BUILD/rectic ;;
esac
SHARED=${RECTIC_SHARED:-$ROOT/../shared}
SYSPY=/usr/bin/python3
REF=$ROOT/tests/ridgeref.py
export LC_ALL=C OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e-ridge.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

WHY=/dev/null # per test: where fail/skip leave their reason

fail() {
    printf '%s\n' "$*" >"$WHY"
    exit 1
}

skip() {
    printf '%s\n' "$*" >"$WHY"
    exit 77
}

# rr ARGS...: runs rectic; fails the test (with rectic's message) when it exits non-zero.
rr() {
    "$RECTIC" "$@" >rr.out 2>rr.err || fail "rectic $* -> exit $?: $(head -c 600 rr.err)"
}

# py ARGS... <<'EOF' program EOF: runs a NumPy program; its failure fails the test with its output.
py() {
    local msg
    msg=$("$SYSPY" - "$@" 2>&1) || fail "$(printf '%s' "$msg" | tail -c 700)"
}

need_numpy() {
    "$SYSPY" -c 'import numpy, yaml' 2>/dev/null || skip "$SYSPY cannot import numpy and yaml"
}

LI=neuron_model_templates.rate_neurons.leaky_integrator.tanh
# a leaky-integrator tanh reservoir of 30 units (the data of make_data): rectic's flags and the same network
# for ridgeref.py (network.yaml, one population P)
RES=("$LI" --weights J.csv --source-var tanh_op/r --target-var li_op/r_in --input-var li_op/I_ext
     --output-var li_op/v --set li_op/tau=0.1 --dt 0.01 --backend tcc)

# make_data: J.csv (30 x 30, spectral radius ~0.9), w_in.csv (30 x 2), inputs x.csv (600 x 2) and x_test.csv
# (400 x 2: smoothed noise and a sine), targets y.csv / y_test.csv (600/400 x 2: the noise 2 steps ago, the sine
# 10 steps ago),
# w_out3.csv (3 x 31, an intercept) and network.yaml for ridgeref.py.
make_data() {
    py <<'EOF'
import numpy as np, yaml
rng = np.random.RandomState(16)
n, m = 30, 2
J = rng.randn(n, n)
J *= 0.9 / max(abs(np.linalg.eigvals(J)))
np.savetxt("J.csv", J, delimiter=",", fmt="%r")
np.savetxt("w_in.csv", rng.uniform(-1, 1, (n, m)), delimiter=",", fmt="%r")
np.savetxt("w_out3.csv", rng.uniform(-1, 1, (3, n + 1)), delimiter=",", fmt="%r")
u = 3 * np.convolve(rng.uniform(-1, 1, 1100), np.ones(5) / 5, mode="same")
s = np.sin(np.arange(1100) * 0.05)
x = np.stack([u, s], axis=1)
y = np.stack([np.roll(u, 2), np.roll(s, 10)], axis=1)
for name, a in (("x", x[:600]), ("x_test", x[600:1000]), ("y", y[:600]), ("y_test", y[600:1000])):
    np.savetxt(name + ".csv", a, delimiter=",", fmt="%r")
net = {"populations": {"P": {"template": "neuron_model_templates.rate_neurons.leaky_integrator.tanh", "n": n,
                             "input": "li_op/I_ext", "set": {"li_op/tau": 0.1}}},
       "projections": [{"source": "P/tanh_op/r", "target": "P/li_op/r_in", "weights": "J.csv"}]}
yaml.safe_dump(net, open("network.yaml", "w"))
EOF
}

# close A B RTOL [ATOL]: the CSV or .npy matrices A and B agree within RTOL relative to B's largest entry.
close() {
    py "$@" <<'EOF'
import sys, numpy as np
def rd(p):
    return np.atleast_2d(np.load(p) if p.endswith(".npy") else np.loadtxt(p, delimiter=",", ndmin=2))
a, b = rd(sys.argv[1]), rd(sys.argv[2])
rtol, atol = float(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
assert a.shape == b.shape, "%s is %s, %s is %s" % (sys.argv[1], a.shape, sys.argv[2], b.shape)
err = np.max(np.abs(a - b)) if a.size else 0.0
assert err <= rtol * np.max(np.abs(b)) + atol, "%s vs %s: max abs error %g (largest %g)" % (sys.argv[1], sys.argv[2], err, np.max(np.abs(b)))
EOF
}

# ------------------------------------------------------------------------------------- the graph (run)

test_ridgeref_reproduces_rectipys_graph_case() {
    need_numpy
    local c=$SHARED/cases/rectipy_graph_li_tanh
    [ -d "$c" ] || skip "$c not found (no ../shared next to this checkout)"
    "$SYSPY" "$REF" graph "$c" ref >ref.log 2>&1 || fail "ridgeref graph: $(tail -3 ref.log)"
    "$SYSPY" "$ROOT/tests/compare.py" "$c" ref --no-rate-shift --atol 1e-14 --rtol 1e-11 >cmp.log 2>&1 ||
        fail "ridgeref.py against RectiPy: $(tail -4 cmp.log | tr '\n' ' ')"
}

test_rectic_runs_rectipys_graph_case() {
    need_numpy
    local c=$SHARED/cases/rectipy_graph_li_tanh
    [ -d "$c" ] || skip "$c not found (no ../shared next to this checkout)"
    python3 "$ROOT/tests/run_case.py" "$RECTIC" "$c" out >case.log 2>&1 || fail "run_case.py: $(tail -4 case.log | tr '\n' ' ')"
}

test_layers_match_ridgeref_for_each_activation() {
    need_numpy
    make_data
    local act
    for act in identity tanh sigmoid softmax softmin log_softmax; do
        rr run "${RES[@]}" --inputs x.csv --input-weights w_in.csv --readout-weights w_out3.csv \
            --readout-activation $act --record li_op/v -o $act
        "$SYSPY" "$REF" simulate network.yaml --dt 0.01 --inputs x.csv --input-weights w_in.csv \
            --readout-weights w_out3.csv --readout-activation $act --output-var li_op/v -o ref_$act ||
            fail "ridgeref simulate $act"
        close $act/out.csv ref_$act/out.csv 1e-12 1e-15
        close $act/li_op_v.csv ref_$act/x.csv 1e-12 # recorded variables stay per neuron
    done
}

test_input_and_readout_layers_work_with_npy_and_cc() {
    need_numpy
    make_data
    command -v cc >/dev/null || skip "no C compiler (cc)"
    py <<'EOF'
import numpy as np
for f in ("x", "w_in", "w_out3"):
    np.save(f + ".npy", np.loadtxt(f + ".csv", delimiter=","))
EOF
    rr run "${RES[@]}" --inputs x.csv --input-weights w_in.csv --readout-weights w_out3.csv -o csv
    XDG_CACHE_HOME=$PWD/cache rr run "${RES[@]/tcc/cc}" --inputs x.npy --input-weights w_in.npy \
        --readout-weights w_out3.npy -o npy
    cmp -s csv/out.csv npy/out.csv || fail "out.csv differs between CSV + tcc and .npy + cc"
}

# ------------------------------------------------------------------------------------------ fit ridge

test_fit_ridge_equals_numpy_solve() {
    need_numpy
    make_data
    local args
    for args in "" "--alpha 0.01 --washout 50" "--bias --washout 20" "--alpha 1 --bias"; do
        rm -rf fit ref
        # shellcheck disable=SC2086
        rr fit ridge "${RES[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv $args -o fit
        # shellcheck disable=SC2086
        "$SYSPY" "$REF" fit fit/out.csv y.csv $args -o ref || fail "ridgeref fit $args"
        close fit/readout.csv ref/readout.csv 1e-8
        close fit/y_fit.csv ref/y_fit.csv 1e-10
        py fit/meta.json ref/fit.json "$args" <<'EOF'
import json, sys, math
m, r, args = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3].split()
f = m["fit"]
assert list(f) == ["method", "alpha", "washout", "rows", "mse", "nrmse", "mse_mean", "nrmse_mean"], list(f)
alpha = float(args[args.index("--alpha") + 1]) if "--alpha" in args else 1e-4
washout = int(args[args.index("--washout") + 1]) if "--washout" in args else 0
assert f["method"] == "ridge" and f["alpha"] == alpha and f["washout"] == washout, f
assert f["rows"] == r["rows"] == 600 - washout, (f["rows"], r["rows"])
for key in ("mse", "nrmse"):
    for a, b in zip(f[key], r[key]):
        assert abs(a - b) <= 1e-8 * abs(b), (key, a, b)
for key in ("mse_mean", "nrmse_mean"):
    assert abs(f[key] - r[key]) <= 1e-8 * abs(r[key]), (key, f[key], r[key])
files = [e["name"] for e in m["files"]]
for name in ("out.csv", "y_fit.csv", "readout.csv", "time.csv"):
    assert name in files, (name, files)
assert m["bias"] == ("--bias" in args)
EOF
    done
    # out.csv is X: the reservoir's pre-update output of every step, as ridgeref computes it
    "$SYSPY" "$REF" simulate network.yaml --dt 0.01 --inputs x.csv --input-weights w_in.csv --output-var li_op/v \
        -o sim || fail "ridgeref simulate"
    close fit/out.csv sim/x.csv 1e-12
}

test_fit_ridge_of_the_inputs_themselves_equals_numpy_solve() {
    need_numpy
    # the output variable is the input variable: X is exactly the inputs
    py <<'EOF'
import numpy as np
rng = np.random.RandomState(3)
x = rng.randn(500, 8)
y = x @ rng.randn(8, 3) + 0.1 * rng.randn(500, 3)
np.savetxt("x.csv", x, delimiter=",", fmt="%r")
np.savetxt("y.csv", y, delimiter=",", fmt="%r")
EOF
    rr fit ridge "$LI" -N 8 --input-var li_op/I_ext --output-var li_op/I_ext --inputs x.csv --targets y.csv -q -o fit
    close fit/out.csv x.csv 0
    "$SYSPY" "$REF" fit x.csv y.csv -o ref || fail "ridgeref fit"
    close fit/readout.csv ref/readout.csv 1e-8
}

test_fit_ridge_writes_npy_and_keeps_readout_csv() {
    need_numpy
    make_data
    rr fit ridge "${RES[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv --format npy -o fit
    local f
    for f in out.npy y_fit.npy readout.csv time.npy meta.json; do
        [ -f "fit/$f" ] || fail "fit/$f missing: $(ls fit | tr '\n' ' ')"
    done
    [ ! -e fit/readout.npy ] || fail "readout.npy written (readout.csv is always CSV)"
}

# ------------------------------------------------------------------------------------- testing a readout

test_run_with_targets_scores_the_readout() {
    need_numpy
    make_data
    rr fit ridge "${RES[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv --bias --alpha 1e-3 -o fit
    "$RECTIC" run "${RES[@]}" --inputs x_test.csv --input-weights w_in.csv --readout-weights fit/readout.csv \
        --targets y_test.csv -o test >run.out 2>run.err || fail "$(cat run.err)"
    grep -qE '^test: 400 rows, nrmse [0-9.e-]+ \(per output: [0-9.e-]+ [0-9.e-]+\), mse [0-9.e-]+$' run.err ||
        fail "summary line: $(cat run.err)"
    "$SYSPY" "$REF" simulate network.yaml --dt 0.01 --inputs x_test.csv --input-weights w_in.csv \
        --readout-weights fit/readout.csv --output-var li_op/v -o ref || fail "ridgeref simulate"
    close test/out.csv ref/out.csv 1e-12 1e-15
    "$SYSPY" "$REF" score test/out.csv y_test.csv -o score.json || fail "ridgeref score"
    py test/meta.json score.json <<'EOF'
import json, sys
t, r = json.load(open(sys.argv[1]))["test"], json.load(open(sys.argv[2]))
assert list(t) == ["method", "alpha", "washout", "rows", "mse", "nrmse", "mse_mean", "nrmse_mean"], list(t)
assert t["rows"] == 400 and t["washout"] == 0, t
for key in ("mse", "nrmse"):
    for a, b in zip(t[key], r[key]):
        assert abs(a - b) <= 1e-12 * abs(b), (key, a, b)
assert abs(t["nrmse_mean"] - r["nrmse_mean"]) <= 1e-12 * r["nrmse_mean"]
assert t["nrmse_mean"] < 0.5, t   # the readout learned the task
EOF
}

# ----------------------------------------------------------------------------------------------- errors

# bad NEEDLE... -- ARGS...: `rectic ARGS` fails (exit 1 or 2, not a crash), prints "rectic: " with every
# NEEDLE, and leaves the previous output set in res/ (made by good_set) byte for byte as it was.
bad() {
    local needles=() n rc
    while [ "$1" != -- ]; do
        needles+=("$1")
        shift
    done
    shift
    "$RECTIC" "$@" -o res >err.out 2>err.txt
    rc=$?
    [ $rc -ne 0 ] || fail "rectic $* exited 0"
    [ $rc -lt 126 ] || fail "rectic $*: exit status $rc (a crash?): $(head -c 300 err.txt)"
    grep -q '^rectic: ' err.txt || fail "rectic $*: no 'rectic: ' message: $(head -c 300 err.txt)"
    for n in "${needles[@]}"; do
        grep -qF -- "$n" err.txt || fail "rectic $*: the message lacks '$n': $(head -c 400 err.txt)"
    done
    (cd res && md5sum ./*) >after.md5
    cmp -s before.md5 after.md5 || fail "rectic $*: the previous outputs changed"
}

good_set() {
    rr fit ridge "${RES[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv -o res
    (cd res && md5sum ./*) >before.md5
}

test_bad_inputs_are_named_and_leave_the_previous_outputs() {
    need_numpy
    make_data
    good_set
    printf '1,2\n3,4\n' >w2.csv
    sed '3s/.*/0.5,nan/' y.csv >nan.csv
    head -100 y.csv >y100.csv
    local F=(fit ridge "${RES[@]}" --inputs x.csv)
    local R=(run "${RES[@]}" --inputs x.csv --input-weights w_in.csv)
    bad -- --input-weights w2.csv -- "${F[@]}" --input-weights w2.csv --targets y.csv
    bad "expected 30 rows" -- "${F[@]}" --input-weights w2.csv --targets y.csv
    bad "--inputs" "has 2 columns" "J.csv has 30" -- "${F[@]}" --input-weights J.csv --targets y.csv
    bad "--readout-weights w2.csv" "k x 30" -- "${R[@]}" --readout-weights w2.csv
    bad "--readout-activation" "relu" -- "${R[@]}" --readout-weights w_out3.csv --readout-activation relu
    bad "--readout-activation" "--readout-weights too" -- "${R[@]}" --readout-activation tanh
    bad "--targets" "y100.csv has 100 rows" "600 steps" -- "${R[@]}" --readout-weights w_out3.csv --targets y100.csv
    bad "--targets" "has 2 columns" "3 outputs" -- "${R[@]}" --readout-weights w_out3.csv --targets y.csv
    bad "--targets" "missing.csv" -- "${R[@]}" --targets missing.csv
    bad "--targets" "nan.csv:3: row 3, column 2 is NaN" -- "${F[@]}" --input-weights w_in.csv --targets nan.csv
    bad "--targets FILE is required" -- "${F[@]}" --input-weights w_in.csv
    bad "--alpha" "-1" -- "${F[@]}" --input-weights w_in.csv --targets y.csv --alpha -1
    bad "--alpha" "only \`rectic fit ridge\`" -- "${R[@]}" --alpha 1
    bad "--washout 600" "600 steps" -- "${F[@]}" --input-weights w_in.csv --targets y.csv --washout 600
    bad "--washout" "abc" -- "${F[@]}" --input-weights w_in.csv --targets y.csv --washout abc
    bad "--readout-weights" "computes the readout" -- "${F[@]}" --input-weights w_in.csv --targets y.csv \
        --readout-weights w_out3.csv
    bad "--sampling-steps 2" -- "${F[@]}" --input-weights w_in.csv --targets y.csv --sampling-steps 2
    bad "--cutoff 5" "--washout" -- "${F[@]}" --input-weights w_in.csv --targets y.csv --cutoff 5
    bad "fit" "ridge" -- fit lasso "${RES[@]}" --inputs x.csv --targets y.csv
}

# ----------------------------------------------------------------------------------------------- runner

pass=0 failed=0 skipped=0
for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
    if [ $# -gt 0 ]; then
        want=0
        for n in "$@"; do case $t in *"$n"*) want=1 ;; esac; done
        [ $want = 1 ] || continue
    fi
    mkdir "$TMP/$t"
    (cd "$TMP/$t" && WHY="$TMP/$t.why" && $t) >"$TMP/$t.log" 2>&1
    rc=$?
    why=$(cat "$TMP/$t.why" 2>/dev/null || tail -c 300 "$TMP/$t.log")
    if [ $rc = 0 ]; then
        echo "ok $t"; pass=$((pass + 1))
    elif [ $rc = 77 ]; then
        echo "skip $t: $why"; skipped=$((skipped + 1))
    else
        echo "FAIL $t: $why"; failed=$((failed + 1))
    fi
done
echo "e2e_ridge.sh: $pass passed, $failed failed, $skipped skipped"
[ $failed = 0 ]

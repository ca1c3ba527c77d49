#!/usr/bin/env bash
# tests/e2e_ridge.sh -- end-to-end tests of issue 16's commands against tests/ridgeref.py, the NumPy reference
# of SEMANTICS §10: input and readout layers (`rectic run --input-weights --readout-weights
# --readout-activation`), `rectic fit ridge` (readout.csv within 1e-8 relative of numpy.linalg.solve, y_fit,
# out = X, meta.json's "fit" object), testing a readout (`run --targets`: the "test" object and the summary
# line), and every bad input (a message naming the flag or file, a non-zero exit, the previous outputs intact).
#
#   RECTIC_BUILD=build ./tests/e2e_ridge.sh      (make test runs it)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# Needs /usr/bin/python3 with numpy and PyYAML (skipped without them).
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"

# ------------------------------------------------------------------------------------- the graph (run)

test_ridgeref_reproduces_rectipys_graph_case() {
    in_workdir
    need_numpy
    local c=$SHARED/cases/rectipy_graph_li_tanh
    [ -d "$c" ] || skip "$c not found (no ../shared next to this checkout)"
    "$SYSPY" "$REF" graph "$c" ref >ref.log 2>&1 || fail "ridgeref graph: $(tail -3 ref.log)"
    "$SYSPY" "$ROOT/tests/compare.py" "$c" ref --no-rate-shift --atol 1e-14 --rtol 1e-11 >cmp.log 2>&1 ||
        fail "ridgeref.py against RectiPy: $(tail -4 cmp.log | tr '\n' ' ')"
}

test_rectic_runs_rectipys_graph_case() {
    in_workdir
    need_numpy
    local c=$SHARED/cases/rectipy_graph_li_tanh
    [ -d "$c" ] || skip "$c not found (no ../shared next to this checkout)"
    python3 "$ROOT/tests/run_case.py" "$RECTIC" "$c" out >case.log 2>&1 || fail "run_case.py: $(tail -4 case.log | tr '\n' ' ')"
}

test_layers_match_ridgeref_for_each_activation() {
    in_workdir
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
    in_workdir
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
    in_workdir
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
    in_workdir
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
    in_workdir
    need_numpy
    make_data
    rr fit ridge "${RES[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv --format npy -o fit
    local f
    for f in out.npy y_fit.npy readout.csv time.npy meta.json; do
        [ -f "fit/$f" ] || fail "fit/$f missing: $(echo fit/*)"
    done
    [ ! -e fit/readout.npy ] || fail "readout.npy written (readout.csv is always CSV)"
}

# ------------------------------------------------------------------------------------- testing a readout

test_run_with_targets_scores_the_readout() {
    in_workdir
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

good_set() {
    rr fit ridge "${RES[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv -o res
}

test_bad_inputs_are_named_and_leave_the_previous_outputs() {
    in_workdir
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

run_tests

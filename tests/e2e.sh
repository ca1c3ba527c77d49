#!/usr/bin/env bash
# tests/e2e.sh -- end-to-end tests of the rectic command line.
#
#   RECTIC_BUILD=build ./tests/e2e.sh [NAME...]     (make test runs it; NAME: run only tests whose name contains NAME)
#
# Finds the binary as $RECTIC_BUILD/rectic (default build/rectic, relative to the repository root) and runs
# from the repository root.  Reference data: tests/data/cases/ (copies of three ../shared/cases, so that a
# fresh clone is tested too) and, when it exists, ../shared (override with RECTIC_SHARED=DIR).
#
# Every test is a function test_*; the runner runs each one in a subshell inside its own empty work
# directory (RECTIC_E2E_JOBS at a time, default: the number of CPUs) and prints "ok NAME", "FAIL NAME: why" or "skip NAME: why", then one last line
# "e2e.sh: N passed, M failed, K skipped" (tests/run_tests.sh adds these up).  Exit status 1 when any test failed.
# Needs bash, python3 (pure Python); optional: /usr/bin/python3 with numpy (Debian python3-numpy) for the
# .npy tests, cc for compiling the emitted kernels.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in
/*) RECTIC=$BUILD/rectic ;;
*) RECTIC=$ROOT/$BUILD/rectic ;;
esac
SHARED=${RECTIC_SHARED:-$ROOT/../shared}
DATA=$ROOT/tests/data/cases
SYSPY=/usr/bin/python3
export LC_ALL=C OPENBLAS_NUM_THREADS=1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# ------------------------------------------------------------------------------------------- helpers

WHY=/dev/null # per test: where fail/skip leave their reason

# fail MESSAGE: ends the current test as failed.
fail() {
    printf '%s\n' "$*" >"$WHY"
    exit 1
}

# skip MESSAGE: ends the current test as skipped.
skip() {
    printf '%s\n' "$*" >"$WHY"
    exit 77
}

# rr ARGS...: runs rectic; fails the test (with rectic's message) when it exits non-zero.
rr() {
    "$RECTIC" "$@" >rr.out 2>rr.err || fail "rectic $* -> exit $?: $(head -c 600 rr.err)"
}

# no_outputs: the work directory holds no output file (out.*, meta.json, time.*) and no temporary file.
no_outputs() {
    local left
    left=$(find . \( -name 'out.csv' -o -name 'out.npy' -o -name 'meta.json' -o -name 'time.csv' \
        -o -name '*.tmp' -o -name '.*.tmp' \) -print | head -5 | tr '\n' ' ')
    [ -z "$left" ] || fail "output files left behind: $left"
}

# shellcheck source=tests/expect_error.sh
. tests/expect_error.sh

# expect_error NEEDLE... -- ARGS...: `rectic ARGS` must exit non-zero (not by a signal), print a message
# "rectic: ..." on stderr holding every NEEDLE (fixed strings), and leave no output file.
expect_error() {
    expect_rectic_error "$@"
    no_outputs
}

# Python helpers prepended to every `pycheck` program (pure Python 3, no numpy).
PYLIB='
import csv, json, math, struct, sys
def rd(path):
    """CSV -> list of rows of floats."""
    with open(path, newline="") as f:
        return [[float(x) for x in row] for row in csv.reader(f) if row]
def rdtext(path):
    with open(path, newline="") as f:
        return [row for row in csv.reader(f) if row]
def die(msg):
    print(msg)
    sys.exit(1)
def check(cond, msg):
    if not cond:
        die(msg)
def shape(m):
    return (len(m), len(m[0]) if m else 0)
def first_diff(a, b):
    """first (row, col, a, b) where the matrices differ exactly, or None."""
    if len(a) != len(b):
        return ("rows", len(a), len(b))
    for i, (r, s) in enumerate(zip(a, b)):
        if len(r) != len(s):
            return ("cols of row", i, len(r), len(s))
        for j, (x, y) in enumerate(zip(r, s)):
            if not (x == y or (x != x and y != y)):
                return (i, j, x, y)
    return None
def same(a, b, what):
    d = first_diff(a, b)
    check(d is None, "%s: first difference %r" % (what, d))
'

# pycheck ARGS... <<'EOF' program EOF: runs the Python program (after PYLIB) with ARGS as sys.argv[1:];
# a non-zero exit fails the test with the program's output.
pycheck() {
    local prog msg
    prog=$(cat)
    msg=$(python3 -c "$PYLIB$prog" "$@" 2>&1) || fail "$(printf '%s' "${msg:-python check failed}" | tail -c 600)"
}

QIF=neuron_model_templates.spiking_neurons.qif.qif
QIF_ROLES=(--op qif_op --source-var s --target-var s_in --input-var I_ext --output-var s --spike-var spike --spike-def v)
TWO=$DATA/qif_two_runs # the seed example's first 6000 steps (N=5, dt=1e-3, 74 spikes)
THR=$DATA/qif_threshold_equality
LIT=$DATA/li_tanh
SEED=("$QIF" "${QIF_ROLES[@]}" --weights "$TWO/weights.csv" --inputs "$TWO/inputs.csv")
LI=(neuron_model_templates.rate_neurons.leaky_integrator.tanh --source-var tanh_op/r --target-var li_op/r_in
    --input-var li_op/I_ext --output-var li_op/v)

# same_csvs DIR_A DIR_B FILE...: the named files are byte-identical in both directories.
same_csvs() {
    local a=$1 b=$2 f
    shift 2
    for f in "$@"; do
        [ -f "$a/$f" ] || fail "$a/$f missing"
        [ -f "$b/$f" ] || fail "$b/$f missing"
        cmp -s "$a/$f" "$b/$f" || fail "$f differs between $a and $b"
    done
}

# ---------------------------------------------------------------------------------- 1. reference cases

# run_case CASE_DIR OUT_DIR [OPTIONS...]: tests/run_case.py (rectic run + compare.py); skips the test for a
# case of a kind rectic does not run yet (run_case.py's exit 77), else returns its exit status.
run_case() {
    local rc=0
    python3 "$ROOT/tests/run_case.py" "$RECTIC" "$@" >case.log 2>&1 || rc=$?
    [ "$rc" -ne 77 ] || skip "$(sed -n 's/^SKIP //p' case.log | head -1)"
    return "$rc"
}

# ref_case CASE_DIR: tests/run_case.py (rectic run + compare.py) must pass.
ref_case() {
    local out
    out=out_$(basename "$1")
    run_case "$1" "$out" ||
        fail "run_case.py $1: $(grep -v -e '-> ok$' -e '^PASS' case.log | tail -6 | tr '\n' ' ' | tail -c 700)"
}

# builtin_case CASE_DIR: the same case linked into the work directory, where no ../../templates/rectipy sits
# next to it, so that run_case.py uses rectic's built-in templates.
builtin_case() {
    local name f
    name=$(basename "$1")
    mkdir -p "cases/$name" || fail "mkdir"
    for f in "$1"/*; do
        case $f in *.json | *.csv | *.npy | *.yaml) ln -s "$f" "cases/$name/" ;; esac
    done
    [ ! -e "cases/$name/../../templates/rectipy" ] || fail "templates/rectipy next to the linked case"
    ref_case "$PWD/cases/$name"
}

# cc_same_as_tcc CASE_DIR: the case run with the system compiler's kernel (vectorised by gcc) writes the same
# bytes as with TinyCC's.
cc_same_as_tcc() {
    command -v cc >/dev/null || skip "no C compiler (cc) on the PATH"
    local n b f
    n=$(basename "$1")
    run_case "$1" "tcc_$n" --backend tcc ||
        fail "run_case.py $1 --backend tcc: $(tail -4 case.log | tr '\n' ' ' | tail -c 500)"
    XDG_CACHE_HOME=$PWD/cache run_case "$1" "cc_$n" --backend cc ||
        fail "run_case.py $1 --backend cc: $(tail -4 case.log | tr '\n' ' ' | tail -c 500)"
    grep -q '"kernel": "cc' "cc_$n/meta.json" || fail "cc_$n/meta.json: the cc kernel did not run"
    for f in "tcc_$n"/*; do
        b=$(basename "$f")
        [ "$b" = meta.json ] || cmp -s "$f" "cc_$n/$b" || fail "$b differs between the tcc and the cc kernel"
    done
}

test_copied_qif_threshold_equality_matches_reference() { ref_case "$THR"; }
test_copied_qif_two_runs_matches_reference() { ref_case "$TWO"; }
test_copied_li_tanh_matches_reference() { ref_case "$LIT"; }
test_copied_li_tanh_cc_kernel_is_byte_identical_to_tcc() { cc_same_as_tcc "$LIT"; }

test_copied_cases_use_builtin_templates() {
    # run_case.py passes --template-path only when ../../templates/rectipy exists next to the case
    [ ! -e "$DATA/../templates/rectipy" ] || fail "tests/data/templates/rectipy exists: copied cases would not test the built-in templates"
}

if [ -d "$SHARED/cases" ]; then
    for d in "$SHARED"/cases/*/; do
        [ -f "$d/case.json" ] || continue
        d=${d%/}
        n=$(basename "$d" | tr -c 'A-Za-z0-9_\n' '_')
        eval "test_shared_${n}_matches_reference() { ref_case $(printf %q "$d"); }"
        eval "test_shared_${n}_matches_reference_with_builtin_templates() { builtin_case $(printf %q "$d"); }"
        eval "test_shared_${n}_cc_kernel_is_byte_identical_to_tcc() { cc_same_as_tcc $(printf %q "$d"); }"
    done
    unset d n
else
    test_shared_cases_match_reference() { skip "$SHARED/cases not found (no ../shared next to this checkout)"; }
fi

# ------------------------------------------------------------------------------------------------ 2. npy

need_numpy() {
    "$SYSPY" -c 'import numpy' 2>/dev/null || skip "$SYSPY cannot import numpy (apt-get install python3-numpy)"
}

test_npy_output_equals_csv_output() {
    need_numpy
    rr run "${SEED[@]}" --record v -q -o csv
    rr run "${SEED[@]}" --record v -q -o npy --format npy
    local msg
    msg=$("$SYSPY" - csv npy <<'EOF' 2>&1
import glob, json, os, sys
import numpy as np
c, n = sys.argv[1], sys.argv[2]
stems = lambda d, ext: sorted(os.path.basename(p)[:-len(ext)] for p in glob.glob(os.path.join(d, "*" + ext)))
cs, ns = stems(c, ".csv"), stems(n, ".npy")
if cs != ns: sys.exit("csv files %s but npy files %s" % (cs, ns))
if stems(n, ".csv"): sys.exit("--format npy also wrote csv files: %s" % stems(n, ".csv"))
for s in ("out", "v", "spikes", "time"):
    if s not in ns: sys.exit("no %s.npy" % s)
for s in ns:
    a = np.load(os.path.join(n, s + ".npy"), allow_pickle=False)
    b = np.loadtxt(os.path.join(c, s + ".csv"), delimiter=",", ndmin=2)
    if a.ndim != (1 if s == "time" else 2): sys.exit("%s.npy is %d-D" % (s, a.ndim))
    if s == "time": b = b.ravel()  # time.npy has shape (T,)
    if s == "spikes" and a.dtype != np.int64: sys.exit("spikes.npy has dtype %s, expected int64" % a.dtype)
    if s != "spikes" and a.dtype != np.float64: sys.exit("%s.npy has dtype %s" % (s, a.dtype))
    if a.shape != b.shape or not np.array_equal(a, b):
        sys.exit("%s.npy %s differs from %s.csv %s" % (s, a.shape, s, b.shape))
m = json.load(open(os.path.join(n, "meta.json")))
if m.get("format") != "npy": sys.exit("meta.json format %r" % m.get("format"))
EOF
) || fail "$msg"
}

test_npy_weights_and_inputs_give_same_results_as_csv() {
    need_numpy
    "$SYSPY" - "$TWO" <<'EOF' || fail "could not write .npy fixtures"
import sys, numpy as np
d = sys.argv[1]
np.save("w.npy", np.loadtxt(d + "/weights.csv", delimiter=",", ndmin=2))
np.save("in.npy", np.loadtxt(d + "/inputs.csv", delimiter=",", ndmin=2))
EOF
    rr run "${SEED[@]}" --record v -q -o a
    rr run "$QIF" "${QIF_ROLES[@]}" --weights w.npy --inputs in.npy --record v -q -o b
    same_csvs a b out.csv v.csv spikes.csv time.csv
}

# -------------------------------------------------------------------------------------------- 3. outputs

test_run_writes_out_and_recorded_csv_one_row_per_step() {
    rr run "${SEED[@]}" --record v -q -o o
    pycheck o <<'EOF'
out, v = rd(sys.argv[1] + "/out.csv"), rd(sys.argv[1] + "/v.csv")
check(shape(out) == (6000, 5), "out.csv shape %r, expected (6000, 5)" % (shape(out),))
check(shape(v) == (6000, 5), "v.csv shape %r, expected (6000, 5)" % (shape(v),))
check(out[0] == [0.0] * 5, "out row 0 (initial s) %r, expected zeros" % out[0])
check(v[0] == [-2.0] * 5, "v row 0 (initial v) %r, expected the template default -2" % v[0])
check(all(math.isfinite(x) for r in out + v for x in r), "non-finite values")
EOF
}

test_spikes_csv_lists_threshold_crossings() {
    rr run "${SEED[@]}" --record v -q -o o
    pycheck o <<'EOF'
d = sys.argv[1]
txt = rdtext(d + "/spikes.csv")
check(all(len(r) == 2 and all(x.strip().isdigit() for x in r) for r in txt), "spikes.csv rows must be 'step,neuron' integers: %r" % txt[:3])
sp = [(int(a), int(b)) for a, b in txt]
check(sp == sorted(sp), "spikes.csv not sorted by step then neuron")
v = rd(d + "/v.csv")
want = [(n, i) for n, row in enumerate(v) for i, x in enumerate(row) if x >= 100.0]
check(sp == want, "spikes.csv differs from the steps where recorded v >= threshold: first %r vs %r" % (sp[:3], want[:3]))
check(len(sp) == 74, "%d spikes, the reference has 74" % len(sp))
EOF
}

test_spike_threshold_and_reset_options() {
    # SEMANTICS.md 4: a neuron spikes at step n iff v_n >= threshold, and v_(n+1) is exactly the reset value
    rr run "${SEED[@]}" --record v -q -o o --spike-threshold 50 --spike-reset -50
    pycheck o <<'EOF'
d = sys.argv[1]
v = rd(d + "/v.csv")
sp = [(int(a), int(b)) for a, b in rdtext(d + "/spikes.csv")]
want = [(n, i) for n, row in enumerate(v) for i, x in enumerate(row) if x >= 50.0]
check(sp == want, "spikes.csv differs from the steps where v >= 50: %r vs %r" % (sp[:3], want[:3]))
check(len(sp) > 74, "%d spikes with threshold 50: expected more than the 74 of threshold 100" % len(sp))
bad = [(n, i, v[n + 1][i]) for n, i in sp if n + 1 < len(v) and v[n + 1][i] != -50.0]
check(not bad, "v after a spike is not the reset -50: %r" % bad[:3])
check(max(x for r in v for x in r) < 100.0, "v reached 100 with threshold 50")
EOF
}

test_time_csv_is_step_times_dt() {
    rr run "${SEED[@]}" -q -o o
    pycheck o <<'EOF'
t = rdtext(sys.argv[1] + "/time.csv")
check(len(t) == 6000, "time.csv has %d rows, expected 6000" % len(t))
check(all(len(r) == 1 for r in t), "time.csv must have one column: %r" % t[:2])
bad = [(n, r[0]) for n, r in enumerate(t) if float(r[0]) != n * 0.001]
check(not bad, "time.csv row n != n*dt: first %r" % bad[:3])
EOF
}

test_meta_json_describes_the_run() {
    rr run "${SEED[@]}" --record v -q -o o
    python3 -m json.tool o/meta.json >/dev/null 2>json.err || fail "meta.json is not valid JSON: $(head -c 300 json.err)"
    local version
    version=$("$RECTIC" --version | sed 's/^rectic //')
    pycheck o "$QIF" "$version" <<'EOF'
d, tpl, version = sys.argv[1:4]
m = json.load(open(d + "/meta.json"))
for k in ("template", "equations", "N", "dt", "steps", "dtype", "rectic_version", "status"):
    check(k in m, "meta.json lacks %r" % k)
check(m["template"] == tpl, "template %r" % m["template"])
check(isinstance(m["equations"], list) and len(m["equations"]) == 2 and all(isinstance(e, str) and "=" in e for e in m["equations"]),
      "equations %r: expected the 2 equations of qif" % m["equations"])
check(m["N"] == 5, "N %r" % m["N"])
check(m["dt"] == 0.001, "dt %r" % m["dt"])
check(m["steps"] == 6000, "steps %r" % m["steps"])
check(m["dtype"] == "float64", "dtype %r" % m["dtype"])
check(m["rectic_version"] == version, "rectic_version %r, --version says %r" % (m["rectic_version"], version))
check(m["status"] == "completed", "status %r" % m["status"])
EOF
}

test_record_op_var_writes_op_underscore_var_csv() {
    rr run "${LI[@]}" --weights "$LIT/weights.csv" --inputs "$LIT/inputs.csv" --dt 0.01 --record li_op/v -q -o o
    [ -f o/li_op_v.csv ] || fail "no o/li_op_v.csv (files: $(ls o | tr '\n' ' '))"
    [ ! -e o/li_op ] || fail "wrote o/li_op/ instead of o/li_op_v.csv"
    # out is li_op/v and every recording is the pre-update state: both files hold the same numbers
    cmp -s o/li_op_v.csv o/out.csv || fail "li_op_v.csv differs from out.csv (both are li_op/v at t_n)"
    pycheck o <<'EOF'
v = rd(sys.argv[1] + "/li_op_v.csv")
check(shape(v) == (2000, 10), "li_op_v.csv shape %r, expected (2000, 10)" % (shape(v),))
EOF
}

test_sampling_steps_picks_every_kth_row_of_full_run() {
    rr run "${SEED[@]}" --record v -q -o full
    rr run "${SEED[@]}" --record v -q -o s10 --sampling-steps 10
    pycheck full s10 <<'EOF'
f, s = sys.argv[1], sys.argv[2]
for name in ("out", "v"):
    same(rd(s + "/%s.csv" % name), rd(f + "/%s.csv" % name)[::10], name + ".csv vs rows 0,10,20.. of the full run")
same(rd(s + "/time.csv"), rd(f + "/time.csv")[::10], "time.csv vs rows 0,10,20.. of the full run")
check(len(rd(s + "/out.csv")) == 600, "expected 600 rows")
EOF
}

# mean_check FULL MEAN K C: SEMANTICS.md 8.4 -- each step n >= C appends out_n to a buffer; at n >= C with
# n % K == 0 the buffer mean is recorded and cleared; recorded variables stay instantaneous.
mean_check() {
    pycheck "$@" <<'EOF'
f, m, K, C = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
full, fv, ft = rd(f + "/out.csv"), rd(f + "/v.csv"), rd(f + "/time.csv")
exp, steps, buf = [], [], []
for n, row in enumerate(full):
    if n >= C:
        buf.append(row)
        if n % K == 0:
            exp.append([sum(b[j] for b in buf) / len(buf) for j in range(len(row))])
            steps.append(n)
            buf = []
got = rd(m + "/out.csv")
check(len(got) == len(exp), "out.csv has %d rows, expected %d (steps %r..)" % (len(got), len(exp), steps[:3]))
for k, (r, e) in enumerate(zip(got, exp)):
    for j, (x, y) in enumerate(zip(r, e)):
        check(abs(x - y) <= 1e-12 * max(abs(x), abs(y)),
              "out row %d (step %d) col %d: %r, expected the mean %r" % (k, steps[k], j, x, y))
same(rd(m + "/v.csv"), [fv[n] for n in steps], "v.csv (instantaneous at the recorded steps)")
same(rd(m + "/time.csv"), [ft[n] for n in steps], "time.csv (t of the recorded steps)")
EOF
}

test_sampling_mean_with_cutoff_averages_out() {
    rr run "${SEED[@]}" --record v -q -o full
    rr run "${SEED[@]}" --record v -q -o mean --sampling-mode mean --sampling-steps 10 --cutoff 100
    mean_check full mean 10 100
}

test_sampling_mean_first_row_averages_from_cutoff() {
    # cutoff 95: the first row (step 100) averages out_95 .. out_100
    rr run "${SEED[@]}" --record v -q -o full
    rr run "${SEED[@]}" --record v -q -o mean --sampling-mode mean --sampling-steps 10 --cutoff 95
    mean_check full mean 10 95
}

test_sampling_mean_without_cutoff_averages_each_block() {
    # cutoff 0: row 0 = out_0, row k = mean of out over steps 10k-9 .. 10k
    rr run "${SEED[@]}" --record v -q -o full
    rr run "${SEED[@]}" --record v -q -o mean --sampling-mode mean --sampling-steps 10
    mean_check full mean 10 0
}

test_cutoff_in_pick_mode_drops_early_rows() {
    rr run "${SEED[@]}" --record v -q -o full
    rr run "${SEED[@]}" --record v -q -o c95 --cutoff 95
    rr run "${SEED[@]}" --record v -q -o c95k --cutoff 95 --sampling-steps 10
    pycheck full c95 c95k <<'EOF'
f, c, ck = sys.argv[1:4]
for name in ("out", "v", "time"):
    full = rd(f + "/%s.csv" % name)
    same(rd(c + "/%s.csv" % name), full[95:], "--cutoff 95 %s.csv vs full rows 95.." % name)
    same(rd(ck + "/%s.csv" % name), full[100::10], "--cutoff 95 --sampling-steps 10 %s.csv vs full rows 100,110.." % name)
EOF
}

test_dtype_float32_runs_in_single_precision() {
    rr run "${SEED[@]}" --record v -q -o f64
    rr run "${SEED[@]}" --record v -q -o f32 --dtype float32
    pycheck f64 f32 <<'EOF'
a, b = sys.argv[1], sys.argv[2]
m = json.load(open(b + "/meta.json"))
check(m.get("dtype") == "float32", "meta.json dtype %r" % m.get("dtype"))
o64, o32 = rd(a + "/out.csv"), rd(b + "/out.csv")
check(shape(o32) == (6000, 5), "out.csv shape %r" % (shape(o32),))
check(all(math.isfinite(x) for r in o32 for x in r), "non-finite values")
err = max(abs(x - y) for r, s in zip(o64, o32) for x, y in zip(r, s))
check(err < 1e-4, "max |out32 - out64| = %g (the float32 reference differs by ~1e-5)" % err)
check(rd(a + "/v.csv") != rd(b + "/v.csv"), "float32 v identical to float64 v: not single precision")
digits = lambda s: len(s.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))
long_ = [s for r in rdtext(b + "/v.csv") for s in r if digits(s) > 9]
check(not long_, "float32 values written with more than 9 significant digits: %r" % long_[:3])
check(open(a + "/spikes.csv").read() == open(b + "/spikes.csv").read(), "spike times differ from float64 (not for this data)")
EOF
}

test_zero_input_run_without_weights_or_inputs() {
    rr run "$QIF" --op qif_op --input-var I_ext --output-var s --spike-var spike --spike-def v -N 5 --steps 100 --record v -q -o o
    pycheck o <<'EOF'
out, v = rd(sys.argv[1] + "/out.csv"), rd(sys.argv[1] + "/v.csv")
check(shape(out) == (100, 5) and shape(v) == (100, 5), "shapes %r %r, expected (100, 5)" % (shape(out), shape(v)))
check(all(x == 0.0 for r in out for x in r), "s must stay 0 without input and coupling")
x = -2.0
for n in range(100):
    for i in range(5):
        check(abs(v[n][i] - x) <= 1e-12 * abs(x), "v[%d][%d] = %r, Euler with zero input gives %r" % (n, i, v[n][i], x))
    x = x + 0.001 * ((x * x + -5.0 + 0.0) / 1.0 + 1.0 * 0.0)
EOF
}

# --set eta=-4 changes the results exactly as a template whose eta default is -4.
test_set_scalar_equals_template_with_that_default() {
    mkdir -p tp/neuron_model_templates/spiking_neurons
    sed 's/^\( *eta:\) -5.0$/\1 -4.0/' "$ROOT/templates/neuron_model_templates/spiking_neurons/qif.yaml" \
        >tp/neuron_model_templates/spiking_neurons/qif.yaml
    grep -q 'eta: -4.0' tp/neuron_model_templates/spiking_neurons/qif.yaml || fail "fixture: no 'eta: -5.0' in the built-in qif.yaml"
    rr run "${SEED[@]}" --record v -q -o default
    rr run "${SEED[@]}" --record v -q -o set --set eta=-4
    rr run "${SEED[@]}" --record v -q -o tpl --template-path tp
    cmp -s default/v.csv set/v.csv && fail "--set eta=-4 did not change v"
    same_csvs set tpl out.csv v.csv spikes.csv time.csv
}

test_set_accepts_op_and_all_op_prefixes() {
    rr run "${SEED[@]}" --record v -q -o short --set eta=-4
    rr run "${SEED[@]}" --record v -q -o op --set qif_op/eta=-4
    rr run "${SEED[@]}" --record v -q -o all --set all/qif_op/eta=-4
    same_csvs short op out.csv v.csv spikes.csv
    same_csvs short all out.csv v.csv spikes.csv
}

test_set_file_of_equal_values_equals_scalar() {
    printf -- '-4,-4,-4,-4,-4\n' >row.csv
    printf -- '-4\n-4\n-4\n-4\n-4\n' >col.csv
    rr run "${SEED[@]}" --record v -q -o scalar --set eta=-4
    rr run "${SEED[@]}" --record v -q -o row --set eta=@row.csv
    rr run "${SEED[@]}" --record v -q -o col --set eta=@col.csv
    same_csvs scalar row out.csv v.csv spikes.csv
    same_csvs scalar col out.csv v.csv spikes.csv
}

test_set_file_gives_each_neuron_its_value() {
    # no coupling: neuron i of the per-neuron run equals neuron i of the run with the scalar eta_i
    local etas=(-4 -5 -6 -3 -4.5) e
    printf '%s\n' "${etas[@]}" >eta.csv
    local base=("$QIF" --op qif_op --input-var I_ext --output-var s --spike-var spike --spike-def v -N 5
        --inputs "$TWO/inputs.csv" --record v -q)
    rr run "${base[@]}" -o per --set eta=@eta.csv
    for e in "${etas[@]}"; do rr run "${base[@]}" -o "s$e" --set "eta=$e"; done
    pycheck "${etas[@]}" <<'EOF'
etas = sys.argv[1:]
for f in ("out", "v"):
    per = rd("per/%s.csv" % f)
    for i, e in enumerate(etas):
        one = rd("s%s/%s.csv" % (e, f))
        same([[r[i]] for r in per], [[r[i]] for r in one], "%s.csv neuron %d (eta %s)" % (f, i, e))
EOF
    cmp -s per/v.csv s-4/v.csv && fail "the per-neuron eta had no effect"
    return 0
}

test_set_initial_v_from_file_matches_reference() {
    rr run "$QIF" "${QIF_ROLES[@]}" --weights "$THR/weights.csv" --inputs "$THR/inputs.csv" --record v \
        --set "v=@$THR/node_var_v.csv" -q -o o
    pycheck o "$THR/node_var_v.csv" <<'EOF'
v0 = [r[0] for r in rd(sys.argv[2])] if len(rd(sys.argv[2])) > 1 else rd(sys.argv[2])[0]
v = rd(sys.argv[1] + "/v.csv")
check(v[0] == v0, "v row 0 %r, expected the --set file %r" % (v[0], v0))
EOF
    python3 "$ROOT/tests/compare.py" "$THR" o --atol 1e-10 --rtol 1e-8 >cmp.log 2>&1 ||
        fail "differs from the qif_threshold_equality reference: $(tail -4 cmp.log | tr '\n' ' ')"
}

test_algebraic_output_var_records_that_variable() {
    # SEMANTICS.md 8.3: --output-var tanh_op/r records r = tanh(v) itself (RectiPy 0.9.3 silently gave v)
    rr run neuron_model_templates.rate_neurons.leaky_integrator.tanh --source-var tanh_op/r --target-var li_op/r_in \
        --input-var li_op/I_ext --output-var tanh_op/r --weights "$LIT/weights.csv" --inputs "$LIT/inputs.csv" \
        --dt 0.01 --record li_op/v --record tanh_op/r -q -o o
    cmp -s o/out.csv o/tanh_op_r.csv || fail "out.csv differs from tanh_op_r.csv"
    pycheck o <<'EOF'
v, r = rd(sys.argv[1] + "/li_op_v.csv"), rd(sys.argv[1] + "/tanh_op_r.csv")
check(shape(r) == (2000, 10), "tanh_op_r.csv shape %r" % (shape(r),))
bad = [(n, i) for n, (a, b) in enumerate(zip(v, r)) for i, (x, y) in enumerate(zip(a, b)) if abs(math.tanh(x) - y) > 1e-15]
check(not bad, "r != tanh(v) at the same row: first %r" % bad[:3])
check(any(abs(x) > 0.1 for row in r for x in row), "r stays near 0: the test shows nothing")
check(json.load(open(sys.argv[1] + "/meta.json"))["output_var"] == "tanh_op/r", "meta.json output_var")
EOF
}

test_sigint_stops_run_and_writes_partial_results() {
    "$RECTIC" run "$QIF" --op qif_op --output-var s -N 10 --steps 400000000 --sampling-steps 100000 -o o \
        >out.txt 2>err.txt &
    local pid=$! k rc
    # rectic catches SIGINT only while it runs the steps (a background job ignores it before): send it
    # again when it did not stop within 2 s
    sleep 0.5
    for k in $(seq 8); do
        kill -INT $pid 2>/dev/null || break
        for _ in $(seq 20); do
            sleep 0.1
            kill -0 $pid 2>/dev/null || break 2
        done
    done
    kill -KILL $pid 2>/dev/null && fail "still running 16 s after SIGINT"
    wait $pid
    rc=$?
    [ $rc -eq 130 ] || fail "exit status $rc after SIGINT, expected 130 ($(head -c 300 err.txt))"
    pycheck o <<'EOF'
d = sys.argv[1]
m = json.load(open(d + "/meta.json"))
check(m["status"].startswith("interrupted"), "meta.json status %r" % m["status"])
done = m["steps_done"]
check(0 < done < 400000000, "steps_done %r" % done)
rows = len(rd(d + "/out.csv"))
check(rows == (done + 99999) // 100000, "out.csv has %d rows for %d steps done" % (rows, done))
EOF
}

test_output_dir_is_created_with_parents() {
    rr run "${SEED[@]}" -q -o deep/er/dir
    [ -f deep/er/dir/out.csv ] && [ -f deep/er/dir/meta.json ] || fail "no deep/er/dir/out.csv"
}

test_single_column_inputs_broadcast_to_every_neuron() {
    # a T x 1 input gives every neuron the same input: same as T x N with the column repeated
    cut -d, -f3 "$TWO/inputs.csv" >col.csv
    awk -F, '{ print $3 "," $3 "," $3 "," $3 "," $3 }' "$TWO/inputs.csv" >wide.csv
    rr run "$QIF" "${QIF_ROLES[@]}" --weights "$TWO/weights.csv" --inputs col.csv --record v -q -o col
    rr run "$QIF" "${QIF_ROLES[@]}" --weights "$TWO/weights.csv" --inputs wide.csv --record v -q -o wide
    same_csvs col wide out.csv v.csv spikes.csv time.csv
}

test_min_weight_treats_small_weights_as_zero() {
    # SEMANTICS.md 8.2: weights are used as given; --min-weight W zeroes entries with |w| <= W
    awk -F, 'BEGIN { OFS = "," } NR == 1 { $2 = "1e-7" } { print }' "$TWO/weights.csv" >tiny.csv
    awk -F, 'BEGIN { OFS = "," } NR == 1 { $2 = "0" } { print }' "$TWO/weights.csv" >zero.csv
    rr run "$QIF" "${QIF_ROLES[@]}" --weights tiny.csv --inputs "$TWO/inputs.csv" --record v -q -o tiny --min-weight 1e-6
    rr run "$QIF" "${QIF_ROLES[@]}" --weights zero.csv --inputs "$TWO/inputs.csv" --record v -q -o zero
    rr run "$QIF" "${QIF_ROLES[@]}" --weights tiny.csv --inputs "$TWO/inputs.csv" --record v -q -o kept
    same_csvs tiny zero out.csv v.csv spikes.csv
    cmp -s kept/v.csv zero/v.csv && fail "without --min-weight the 1e-7 weight was dropped too"
    return 0
}

test_same_command_twice_gives_identical_csvs() {
    rr run "${SEED[@]}" --record v -q -o a
    rr run "${SEED[@]}" --record v -q -o b
    same_csvs a b out.csv v.csv spikes.csv time.csv
}

test_long_option_equals_form() {
    rr run "$QIF" --op=qif_op --output-var=s --neurons=3 --steps=10 --dt=0.01 -q --output=o
    pycheck o <<'EOF'
m = json.load(open(sys.argv[1] + "/meta.json"))
check((m["N"], m["steps"], m["dt"]) == (3, 10, 0.01), "N, steps, dt = %r" % ((m["N"], m["steps"], m["dt"]),))
EOF
}

# ---------------------------------------------------------------------------------- 4. every template

# roles TEMPLATE: prints the run options for a built-in template (spiking, or rate nodes li_op + X_op).
roles() {
    local ops
    ops=$("$RECTIC" check "$1" | awk '$1 == "operator" { print $2 }')
    case $1 in
    *rate_neurons*)
        local out_op
        out_op=$(printf '%s\n' "$ops" | grep -v '^li_op$' | tail -1)
        echo "--source-var $out_op/r --target-var li_op/r_in --input-var li_op/I_ext --output-var li_op/v --record li_op/v"
        ;;
    *)
        echo "--op $(printf '%s\n' "$ops" | head -1) --source-var s --target-var s_in --input-var I_ext --output-var s" \
            "--spike-var spike --spike-def v --record v"
        ;;
    esac
}

list_templates() {
    "$RECTIC" templates >templates.txt 2>templates.err || fail "rectic templates failed: $(head -c 300 templates.err)"
    cut -f1 templates.txt
}

write_w4() {
    printf '%s\n' '0,0.5,1.2,0.3' '0.7,0,0.2,1.1' '0.4,0.9,0,0.6' '1.3,0.1,0.8,0' >w4.csv
}

test_templates_lists_builtin_templates_with_descriptions() {
    list_templates >/dev/null
    grep -q "^$QIF	." templates.txt || fail "no '$QIF<TAB>description' line: $(head -c 300 templates.txt)"
    local bad
    bad=$(grep -v -E '^[A-Za-z0-9_.]+	.+$' templates.txt | head -3)
    [ -z "$bad" ] || fail "lines not of the form 'dotted.name<TAB>description': $bad"
}

test_every_template_runs_200_steps_with_finite_output() {
    local t failed="" args in
    write_w4
    yes 1000 | head -200 >in_spiking.csv
    yes 1 | head -200 >in_rate.csv
    for t in $(list_templates); do
        read -r -a args <<<"$(roles "$t")"
        case $t in *rate_neurons*) in=in_rate.csv ;; *) in=in_spiking.csv ;; esac
        if ! "$RECTIC" run "$t" "${args[@]}" -N 4 --weights w4.csv --inputs "$in" --steps 200 -q -o "o_$t" 2>"$t.err"; then
            failed+=" $t(exit: $(head -c 200 "$t.err"))"
            continue
        fi
        local rec=${args[${#args[@]} - 1]} msg # roles ends with --record VAR: VAR.csv, "/" -> "_"
        rec=${rec//\//_}.csv
        msg=$(python3 -c "$PYLIB"'
d, rec = sys.argv[1], sys.argv[2]
for f in ("out.csv", rec):
    m = rd(d + "/" + f)
    check(shape(m) == (200, 4), "%s shape %r" % (f, shape(m)))
    check(all(math.isfinite(x) for r in m for x in r), "%s has non-finite values" % f)
r = rd(d + "/" + rec)
check(r[0] != r[-1], "%s did not change in 200 steps" % rec)
' "o_$t" "$rec" 2>&1) || failed+=" $t($msg)"
    done
    [ -z "$failed" ] || fail "$failed"
}

test_every_template_check_prints_operators_and_equations() {
    local t failed="" op
    for t in $(list_templates); do
        if ! "$RECTIC" check "$t" >c.txt 2>c.err; then
            failed+=" $t(exit: $(head -c 200 c.err))"
            continue
        fi
        grep -q "$t" c.txt || failed+=" $t(name not printed)"
        grep -q '^operator ' c.txt || failed+=" $t(no operator)"
        grep -q "=" c.txt || failed+=" $t(no equation)"
        op=$(awk '$1 == "operator" { print $2; exit }' c.txt)
        "$RECTIC" check "$t" --op "$op" >/dev/null 2>c.err || failed+=" $t --op $op(exit: $(head -c 200 c.err))"
    done
    [ -z "$failed" ] || fail "$failed"
}

test_every_template_emits_c_that_compiles() {
    command -v cc >/dev/null || skip "no cc"
    local t failed="" args k
    write_w4
    for t in $(list_templates); do
        read -r -a args <<<"$(roles "$t")"
        k=k_${t//./_}.c
        if ! "$RECTIC" emit "$t" "${args[@]}" --weights w4.csv -o "$k" 2>e.err; then
            failed+=" $t(emit -o: $(head -c 200 e.err))"
            continue
        fi
        cc -c -Wall -Werror "$k" -o k.o 2>cc.err || failed+=" $t(cc: $(head -c 300 cc.err))"
        if "$RECTIC" emit "$t" "${args[@]}" --weights w4.csv --dtype float32 -o k32.c 2>e.err; then
            cc -c -Wall -Werror k32.c -o k.o 2>cc.err || failed+=" $t(cc, float32: $(head -c 300 cc.err))"
        else
            failed+=" $t(emit --dtype float32: $(head -c 200 e.err))"
        fi
        if ! "$RECTIC" emit "$t" "${args[@]}" --weights w4.csv >stdout.c 2>e.err; then
            failed+=" $t(emit to stdout: $(head -c 200 e.err))"
            continue
        fi
        [ -s stdout.c ] || failed+=" $t(empty stdout)"
        cmp -s stdout.c "$k" || failed+=" $t(stdout differs from -o)"
    done
    ls ./*.tmp >/dev/null 2>&1 && failed+=" (left *.tmp files)"
    [ -z "$failed" ] || fail "$failed"
}

# ---------------------------------------------------------------------------------------------- 5. errors

test_unknown_option_is_error() {
    expect_error "--bogus" -- run "${SEED[@]}" --bogus -o o
}

test_dense_coupling_needs_no_blas() {
    # the dense product is rectic's own row kernel (common/gemv_rows.h): no CBLAS library is opened
    RECTIC_LIBBLAS=/nonexistent/libcblas.so rr run "${SEED[@]}" --coupling dense -q -o o
    [ -s o/out.csv ] || fail "dense coupling without BLAS: o/out.csv is missing"
    RECTIC_LIBBLAS=/nonexistent/libcblas.so rr run "${SEED[@]}" --coupling inline -q -o o2
    [ -s o2/out.csv ] || fail "inline coupling needs no BLAS, but o2/out.csv is missing"
}

test_unknown_command_is_error() {
    expect_error "frobnicate" -- frobnicate
}

test_missing_template_argument_is_error() {
    expect_error "template" -- run -N 3 --steps 10 --output-var s -o o
}

test_unknown_template_is_error() {
    expect_error "no.such.template" -- run no.such.template -N 2 --steps 3 --output-var s -o o
}

test_missing_template_in_existing_file_is_error() {
    expect_error "nothing" "qif.yaml" -- run neuron_model_templates.spiking_neurons.qif.nothing -N 2 --steps 3 --output-var s -o o
}

test_yaml_syntax_error_names_file_and_line() {
    mkdir -p tp/mine
    cat >tp/mine/bad.yaml <<'EOF'
op1:
  base: OperatorTemplate
  equations: "v' = -v"
  variables: [a, b
    v: output(0.0)
EOF
    expect_error "bad.yaml:5:" "YAML" -- run mine.bad.x --template-path tp -N 2 --steps 3 --output-var v -o o
}

# write_models: tp/mine/models.yaml with one broken operator per node (line numbers matter).
write_models() {
    mkdir -p tp/mine
    cat >tp/mine/models.yaml <<'EOF'
syn_op:
  base: OperatorTemplate
  equations: "v' = -v/tau + (I_ext"
  variables:
    v: output(0.0)
    tau: 1.0
    I_ext: input(0.0)
unk_op:
  base: OperatorTemplate
  equations: "v' = -v/tau + I_ext + zeta"
  variables:
    v: output(0.0)
    tau: 1.0
    I_ext: input(0.0)
fun_op:
  base: OperatorTemplate
  equations: "v' = -v/tau + frobnicate(I_ext)"
  variables:
    v: output(0.0)
    tau: 1.0
    I_ext: input(0.0)
good_op:
  base: OperatorTemplate
  equations: "v' = -v/tau + I_ext"
  variables:
    v: output(0.0)
    tau: 1.0
    I_ext: input(0.0)
syn:
  base: NodeTemplate
  operators: [syn_op]
unk:
  base: NodeTemplate
  operators: [unk_op]
fun:
  base: NodeTemplate
  operators: [fun_op]
good:
  base: NodeTemplate
  operators: [good_op]
mid_op:
  base: OperatorTemplate
  equations: "v' = -v/tau +* I_ext"
  variables:
    v: output(0.0)
    tau: 1.0
    I_ext: input(0.0)
mid:
  base: NodeTemplate
  operators: [mid_op]
EOF
}

test_user_template_from_template_path_runs() {
    write_models
    rr run mine.models.good --template-path tp -N 2 --steps 3 --input-var I_ext --output-var v -q -o o
    rr run tp/mine/models/good -N 2 --steps 3 --output-var v -q -o p
    same_csvs o p out.csv
}

test_equation_syntax_error_names_file_line_col() {
    write_models
    # the equation ends at column 34 of line 3: the missing ')' is reported at column 35
    expect_error "models.yaml:3:35:" "')'" -- run mine.models.syn --template-path tp -N 2 --steps 3 --input-var I_ext --output-var v -o o
}

test_equation_syntax_error_inside_names_file_line_col() {
    write_models
    expect_error "models.yaml:43:28:" "'*'" -- run mine.models.mid --template-path tp -N 2 --steps 3 --input-var I_ext --output-var v -o o
}

test_equation_syntax_error_in_check_names_file_line_col() {
    write_models
    expect_error "models.yaml:3:35:" -- check mine.models.syn --template-path tp
}

test_unknown_variable_in_equation_is_error() {
    write_models
    expect_error "models.yaml:10:37:" "'zeta'" -- run mine.models.unk --template-path tp -N 2 --steps 3 --input-var I_ext --output-var v -o o
}

test_unknown_function_is_error() {
    write_models
    expect_error "models.yaml:17:29:" "'frobnicate'" -- run mine.models.fun --template-path tp -N 2 --steps 3 --input-var I_ext --output-var v -o o
}

test_equation_error_column_counts_escaped_quotes() {
    # in a single-quoted YAML scalar '' is one quote: the ')' of the equation text "v' = -v/tau + I_ext + )"
    # (offset 22) stands at column 16 + 22 + 1 = 39 of the file
    mkdir -p tp/mine
    cat >tp/mine/quoted.yaml <<'EOF'
op_q:
  base: OperatorTemplate
  equations: ['v'' = -v/tau + I_ext + )']
  variables:
    v: output(0.0)
    tau: 1.0
    I_ext: input(0.0)
q:
  base: NodeTemplate
  operators: [op_q]
EOF
    # (or, equally precise: the scalar's start, column 16, with the character within the equation, 23)
    "$RECTIC" check mine.quoted.q --template-path tp >err.out 2>err.txt && fail "exit status 0"
    grep -qF 'quoted.yaml:3:39:' err.txt ||
        { grep -qF 'quoted.yaml:3:16:' err.txt && grep -qF 'character 23' err.txt; } ||
        fail "expected quoted.yaml:3:39: (or quoted.yaml:3:16: ... character 23): $(head -c 400 err.txt)"
    expect_error "rectic: " -- check mine.quoted.q --template-path tp
}

test_unknown_op_is_error() {
    # RectiPy's op= names an operator of the node; a name that is not one (a typo) must not be ignored
    expect_error "--op" "nosuch_op" -- run "$QIF" --op nosuch_op --output-var s -N 2 --steps 3 -o o
}

test_missing_weights_file_is_error() {
    expect_error "--weights" "missing.csv" -- run "$QIF" "${QIF_ROLES[@]}" --weights missing.csv --steps 3 -o o
}

test_non_square_weights_is_error() {
    printf '1,2\n3,4\n5,6\n' >ns.csv
    expect_error "--weights" "ns.csv" "3 x 2" "square" -- run "$QIF" "${QIF_ROLES[@]}" --weights ns.csv --steps 3 -o o
}

test_weights_with_non_number_names_file_line_col() {
    printf '1,2\n3,x\n' >nn.csv
    expect_error "--weights" "nn.csv:2:3:" "number" -- run "$QIF" "${QIF_ROLES[@]}" --weights nn.csv --steps 3 -o o
}

test_weights_with_nan_is_error() {
    printf '1,nan\n3,4\n' >nan.csv
    expect_error "--weights" "nan.csv" "NaN" "row 1, column 2" -- run "$QIF" "${QIF_ROLES[@]}" --weights nan.csv --steps 3 -o o
}

test_empty_weights_file_is_error() {
    : >empty.csv
    expect_error "--weights" "empty.csv" -- run "$QIF" "${QIF_ROLES[@]}" --weights empty.csv --steps 3 -o o
}

test_inputs_with_wrong_column_count_is_error() {
    printf '1,2\n3,4\n5,6\n' >in2.csv
    expect_error "--inputs" "in2.csv" "2 columns" -- run "$QIF" "${QIF_ROLES[@]}" --weights "$TWO/weights.csv" --inputs in2.csv -o o
}

test_steps_beyond_input_rows_is_error() {
    expect_error "--steps 6001" "6000 rows" -- run "${SEED[@]}" --steps 6001 -o o
}

test_zero_dt_is_error() {
    expect_error "--dt" "positive" -- run "${SEED[@]}" --dt 0 -o o
}

test_negative_dt_is_error() {
    expect_error "--dt" "positive" "-1" -- run "${SEED[@]}" --dt -1 -o o
}

test_dtype_float16_is_error() {
    expect_error "--dtype" "float16" "float32" -- run "${SEED[@]}" --dtype float16 -o o
}

test_unknown_sampling_mode_is_error() {
    expect_error "--sampling-mode" "foo" "mean" -- run "${SEED[@]}" --sampling-mode foo -o o
}

test_set_unknown_variable_is_error() {
    expect_error "--set nosuch" "'nosuch'" -- run "${SEED[@]}" --set nosuch=1 -o o
}

test_set_file_of_wrong_length_is_error() {
    printf '1\n2\n3\n' >three.csv
    expect_error "--set eta" "5" "3" -- run "${SEED[@]}" --set eta=@three.csv -o o
}

test_set_non_number_is_error() {
    expect_error "--set eta" "abc" -- run "${SEED[@]}" --set eta=abc -o o
}

test_record_unknown_variable_is_error() {
    expect_error "--record nosuch" -- run "${SEED[@]}" --record nosuch -o o
}

test_missing_output_var_is_error() {
    expect_error "--output-var" -- run "$QIF" --op qif_op -N 2 --steps 3 -o o
}

test_spike_var_without_spike_def_is_error() {
    expect_error "--spike-def" -- run "$QIF" --op qif_op --output-var s --spike-var spike -N 2 --steps 3 -o o
}

test_output_dir_through_regular_file_is_error() {
    : >afile
    expect_error "-o" "afile" -- run "${SEED[@]}" -o afile/out
    [ -f afile ] && [ ! -s afile ] || fail "afile was changed"
}

test_emit_output_through_regular_file_is_error() {
    : >afile
    expect_error "-o" "afile" -- emit "${SEED[@]}" -o afile/k.c
}

# ----------------------------------------------------------------------------------------- 6. CLI basics

test_version_prints_name_and_version() {
    local v
    v=$("$RECTIC" --version) || fail "exit $?"
    [[ $v =~ ^rectic\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "prints '$v', expected 'rectic X.Y.Z'"
}

test_help_of_every_command_exits_zero_with_usage() {
    local c failed=""
    for c in "" run emit check templates; do
        # shellcheck disable=SC2086
        if ! "$RECTIC" $c --help >h.out 2>h.err; then
            failed+=" '$c --help'(exit)"
        elif ! grep -q 'usage:' h.out; then
            failed+=" '$c --help'(no usage on stdout)"
        fi
    done
    grep -q -- '--sampling-mode' <("$RECTIC" run --help) || failed+=" (run --help lacks --sampling-mode)"
    [ -z "$failed" ] || fail "$failed"
}

test_no_arguments_is_error_with_usage() {
    "$RECTIC" >o.txt 2>e.txt && fail "exit status 0"
    grep -q 'usage:' e.txt || fail "no usage on stderr: $(head -c 200 e.txt)"
    return 0
}

test_quiet_run_prints_nothing_on_stderr() {
    "$RECTIC" run "${SEED[@]}" --quiet -o o >out.txt 2>err.txt || fail "exit $?: $(head -c 300 err.txt)"
    [ ! -s err.txt ] || fail "stderr: $(head -c 300 err.txt)"
    [ ! -s out.txt ] || fail "stdout: $(head -c 300 out.txt)"
}

test_run_prints_summary_without_quiet() {
    "$RECTIC" run "${SEED[@]}" -o o >out.txt 2>err.txt || fail "exit $?: $(head -c 300 err.txt)"
    grep -q '6000 steps' err.txt || fail "no summary on stderr: $(head -c 300 err.txt)"
}

test_verbose_prints_phase_timings() {
    "$RECTIC" run "${SEED[@]}" --verbose -o o >out.txt 2>err.txt || fail "exit $?: $(head -c 300 err.txt)"
    local p
    for p in read coupling generate compile run write unaccounted wall; do
        grep -qw "$p" err.txt || fail "no '$p' timing on stderr: $(head -c 300 err.txt)"
    done
}

test_help_prints_percent_signs_once() {
    "$RECTIC" run --help >h.out || fail "exit $?"
    grep -qF '10% non-zero' h.out || fail "no '10% non-zero' in run --help"
    ! grep -qF '%%' h.out || fail "run --help prints '%%': $(grep -F '%%' h.out)"
}

test_man_page_lists_every_flag_of_help() {
    local man=$ROOT/docs/rectic.1 f missing=""
    for f in $( ("$RECTIC" run --help; "$RECTIC" emit --help) | grep -oE -- '(^| |\[)--?[a-zA-Z][a-z-]*' |
               grep -oE -- '--?[a-zA-Z][a-z-]*' | sort -u); do
        grep -qF -- "$(printf '%s' "$f" | sed 's/-/\\-/g')" "$man" || missing+=" $f"
    done
    [ -z "$missing" ] || fail "flags of --help missing from docs/rectic.1:$missing"
    # what --threads does with OpenMP is said in both
    grep -qF 'N >= 4096' <("$RECTIC" run --help) || fail "--help lacks the OpenMP part of --threads"
    sed -n '/^\.BI \\-\\-threads/,/^\.TP/p' "$man" | grep -qF 'N >= 4096' || fail "the man page's --threads lacks the OpenMP part"
}

test_whole_number_flags_accept_exponent_notation() {
    rr run "$QIF" --op qif_op --output-var s -N 2 --steps 1e2 --sampling-steps 1E1 --backend tcc -q -o o
    [ "$(wc -l < o/out.csv)" = 10 ] || fail "expected 10 rows, got $(wc -l < o/out.csv)"
    rm -rf o
    expect_error "--steps: expected a whole number >= 0, got '2.5'" -- run "$QIF" --op qif_op -N 2 --steps 2.5 -o o
    expect_error "--steps: expected a whole number >= 0, got '-1'" -- run "$QIF" --op qif_op -N 2 --steps -1 -o o
}

test_max_memory_overflow_is_error() {
    expect_error "--max-memory: 99999999999999999999G is too large" -- \
        run "$QIF" --op qif_op --output-var s -N 2 --steps 10 --max-memory 99999999999999999999G -o o
}

test_cutoff_at_or_beyond_last_step_is_error() {
    expect_error "--cutoff 10: at or beyond the last step (10 steps)" -- \
        run "$QIF" --op qif_op --output-var s -N 2 --steps 10 --cutoff 10 -o o
    rr run "$QIF" --op qif_op --output-var s -N 2 --steps 10 --cutoff 9 --backend tcc -q -o o
    [ "$(wc -l < o/out.csv)" = 1 ] || fail "expected the last step only"
}

test_nan_in_set_file_names_file_and_line() {
    printf '# eta per neuron\n-5\n\n-4\nnan\n-2\n-1\n' > eta.csv
    expect_error "--set eta: eta.csv:5: value 3 (neuron 2) is NaN: expected a finite number" -- \
        run "${SEED[@]}" --set eta=@eta.csv -o o
}

test_empty_weights_matrix_has_its_own_message() {
    command -v "$SYSPY" >/dev/null && "$SYSPY" -c 'import numpy' 2>/dev/null || skip "/usr/bin/python3 has no numpy"
    "$SYSPY" -c 'import numpy as np; np.save("w.npy", np.zeros((0, 0)))'
    expect_error "--weights: w.npy is an empty 0 x 0 matrix: expected N x N weights with N >= 1" -- \
        run "$QIF" "${QIF_ROLES[@]}" --weights w.npy --steps 10 -o o
}

test_weights_coo_infers_n_and_accepts_an_empty_file() {
    printf '0,1,0.5\n3,0,-0.25 # the largest index: N = 4\n' > w.csv
    rr run "$QIF" "${QIF_ROLES[@]}" --weights-coo w.csv --steps 20 --backend tcc -q -o o
    [ "$(head -1 o/out.csv | tr ',' '\n' | wc -l)" = 4 ] || fail "expected 4 neurons: $(head -1 o/out.csv)"
    : > empty.csv
    rr run "$QIF" "${QIF_ROLES[@]}" --weights-coo empty.csv -N 3 --steps 20 --backend tcc -q -o e
    [ "$(head -1 e/out.csv | tr ',' '\n' | wc -l)" = 3 ] || fail "expected 3 neurons: $(head -1 e/out.csv)"
    rm -rf o e
    expect_error "--weights-coo: empty.csv has no entries: give the number of neurons with -N" -- \
        run "$QIF" "${QIF_ROLES[@]}" --weights-coo empty.csv --steps 20 -o o
}

test_xdg_cache_home_naming_a_file_says_so() {
    : > cachefile
    XDG_CACHE_HOME=$PWD/cachefile expect_error "XDG_CACHE_HOME=$PWD/cachefile is not a directory" -- \
        run "$QIF" --op qif_op --output-var s -N 2 --steps 10 --backend cc -o o
    XDG_CACHE_HOME=$PWD/cachefile "$RECTIC" run "$QIF" --op qif_op --output-var s -N 2 --steps 10 -o o 2>err.txt ||
        fail "auto backend failed: $(head -c 300 err.txt)"
    grep -qF "warning: XDG_CACHE_HOME=$PWD/cachefile is not a directory" err.txt || fail "no warning: $(head -c 300 err.txt)"
}

test_fifo_or_device_template_is_refused() {
    mkfifo pipe.yaml || skip "mkfifo failed"
    ln -s /dev/zero zero.yaml
    expect_error "pipe.yaml: not a regular file" -- check "$PWD/pipe/qif"
    expect_error "zero.yaml: not a regular file" -- check "$PWD/zero/qif"
}

test_progress_bar_redraws_at_most_ten_times_a_second() {
    command -v script >/dev/null || skip "no script(1) to give the run a terminal"
    local t0 t1
    t0=$(date +%s.%N)
    # a small network: the library reports progress every 4096 steps, thousands of times a second
    script -qec "'$RECTIC' run $QIF --op qif_op --output-var s -N 5 --steps 30000000 --sampling-steps 100000 \
        --backend tcc -o o" /dev/null > tty.txt || fail "run failed: $(tail -c 300 tty.txt)"
    t1=$(date +%s.%N)
    local draws
    draws=$(tr '\r' '\n' < tty.txt | grep -c '^\[')
    [ "$draws" -gt 0 ] || skip "the run took under a second: no progress bar to count"
    awk -v d="$draws" -v t0="$t0" -v t1="$t1" 'BEGIN { exit !(d <= 10 * (t1 - t0) + 2) }' ||
        fail "$draws redraws in $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
}

test_readme_snippet_loads_empty_and_full_spikes_csv() {
    "$SYSPY" -c 'import numpy' 2>/dev/null || skip "/usr/bin/python3 has no numpy"
    awk '/^```python/ { on = 1; text = ""; next } on && /^```/ { on = 0; if (text ~ /spikes\.csv/) { printf "%s", text; exit } }
         on { text = text $0 "\n" }' "$ROOT/README.md" > snippet.py
    grep -q 'spikes.csv' snippet.py || fail "no python block reading spikes.csv in README.md"
    rr run "${SEED[@]}" -q --backend tcc -o full
    rr run "${SEED[@]}" -q --backend tcc --steps 5 -o none
    [ ! -s none/spikes.csv ] && [ -s full/spikes.csv ] || fail "expected spikes only in the longer run"
    local d
    for d in none full; do
        mkdir -p "r_$d/results" && cp "$d/spikes.csv" "r_$d/results/"
        (cd "r_$d" && "$SYSPY" -W error -c "exec(open('../snippet.py').read()); print(spikes.shape, spikes.dtype)") > "$d.txt" 2>&1 ||
            fail "$d: $(cat "$d.txt")"
    done
    grep -qx '(0, 2) int64' none.txt || fail "empty: $(cat none.txt)"
    grep -qx "($(wc -l < full/spikes.csv), 2) int64" full.txt || fail "full: $(cat full.txt)"
}

# ------------------------------------------------------------------------------------- 7. the test harness

# A Check program with a passing, a skipped (TU_SKIP, in Check's child process) and a failing test, and a
# script with its own closing line: each program's line and make test's total count the skips apart.
test_skipped_checks_are_counted_in_the_totals() {
    command -v cc >/dev/null || skip "no C compiler (cc) on the PATH"
    pkg-config --exists check 2>/dev/null || skip "Check's pkg-config file (check.pc) is not installed"
    cat >tally.c <<'EOF'
#include "testutil.h"
START_TEST(test_passes) { ck_assert_int_eq(1 + 1, 2); }
END_TEST
START_TEST(test_skips) { TU_SKIP("nothing to test here (%d)", 7); }
END_TEST
START_TEST(test_fails) { ck_assert_int_eq(1 + 1, 3); }
END_TEST
int main(void)
{
    Suite *s = suite_create("tally");
    TCase *tc = tcase_create("all");
    tcase_add_test(tc, test_passes);
    tcase_add_test(tc, test_skips);
    tcase_add_test(tc, test_fails);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
EOF
    # shellcheck disable=SC2046
    cc -std=c11 -D_GNU_SOURCE -I"$ROOT/tests" $(pkg-config --cflags check) tally.c -o check_tally \
        $(pkg-config --libs check) 2>cc.err || fail "cannot build: $(head -c 600 cc.err)"
    ./check_tally >tally.out 2>&1 && fail "a failing test exited 0"
    grep -qxF "check_tally: 1 passed, 1 failed, 1 skipped" tally.out || fail "closing line: $(cat tally.out)"
    grep -qxF "SKIP test_skips: nothing to test here (7)" tally.out || fail "skip reason: $(cat tally.out)"
    printf '#!/bin/sh\necho "skip t: why"\necho "e2e_x.sh: 4 passed, 0 failed, 2 skipped"\n' >e2e_x.sh
    chmod +x e2e_x.sh
    sh "$ROOT/tests/run_tests.sh" ./check_tally ./e2e_x.sh >all.out 2>&1 && fail "the harness exited 0 after a failure"
    [ "$(tail -1 all.out)" = "5 passed, 1 failed, 3 skipped" ] || fail "total: $(tail -3 all.out)"
    [ "$(grep -cE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' all.out)" = 1 ] || fail "not one total line: $(cat all.out)"
    sh "$ROOT/tests/run_tests.sh" ./e2e_x.sh >one.out 2>&1 || fail "the harness failed without a failure: $(cat one.out)"
    printf '#!/bin/sh\nexit 3\n' >e2e_y.sh && chmod +x e2e_y.sh
    sh "$ROOT/tests/run_tests.sh" ./e2e_y.sh >y.out 2>&1 && fail "a program without a closing line passed"
    [ "$(tail -1 y.out)" = "0 passed, 1 failed, 0 skipped" ] || fail "no closing line: $(cat y.out)"
}

# ---------------------------------------------------------------------------------------------- runner

# run_one NAME: runs test NAME in a subshell inside its work directory; leaves NAME.rc, NAME.why, NAME.log.
run_one() {
    local name=$1
    mkdir -p "$TMP/$name"
    WHY=$TMP/$name.why
    : >"$WHY"
    (cd "$TMP/$name" && "$name") >"$TMP/$name.log" 2>&1 </dev/null
    echo $? >"$TMP/$name.rc"
}

main() {
    if [ ! -x "$RECTIC" ]; then
        echo "FAIL setup: $RECTIC not found or not executable (make; or set RECTIC_BUILD)"
        echo "e2e.sh: 0 passed, 1 failed, 0 skipped"
        exit 1
    fi
    local names=() name pass=0 failn=0 skipn=0 rc why pat keep jobs
    for name in $(declare -F | awk '{ print $3 }' | grep '^test_'); do
        keep=$(($# == 0))
        for pat in "$@"; do
            case $name in *"$pat"*) keep=1 ;; esac
        done
        [ "$keep" = 1 ] && names+=("$name")
    done
    # tests are independent: run RECTIC_E2E_JOBS (default: the number of CPUs, at most 8) at a time
    jobs=${RECTIC_E2E_JOBS:-$(nproc 2>/dev/null || echo 2)}
    [ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
    [ "$jobs" -le 8 ] || jobs=8
    for name in "${names[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
            wait -n 2>/dev/null || sleep 0.05
        done
        run_one "$name" &
    done
    wait
    for name in "${names[@]}"; do
        rc=$(cat "$TMP/$name.rc" 2>/dev/null || echo 99)
        why=$(head -c 1500 "$TMP/$name.why" 2>/dev/null)
        if [ "$rc" -eq 0 ]; then
            echo "ok $name"
            pass=$((pass + 1))
        elif [ "$rc" -eq 77 ]; then
            echo "skip $name: $why"
            skipn=$((skipn + 1))
        else
            [ -n "$why" ] || why="exit status $rc: $(tail -3 "$TMP/$name.log" | tr '\n' ' ')"
            echo "FAIL $name: $why"
            failn=$((failn + 1))
        fi
    done
    echo "e2e.sh: $pass passed, $failn failed, $skipn skipped"
    [ $failn -eq 0 ]
}

main "$@"

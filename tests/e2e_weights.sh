#!/usr/bin/env bash
# tests/e2e_weights.sh -- end-to-end tests of loading weights into the kernel's layout: every file layout
# (.npy mapped in place, converted to float32, to compressed rows or columns, Fortran order, big-endian,
# integers; CSV; COO as CSV and .npy with duplicates and unsorted rows, -N beyond the largest index) gives
# the same bits as the plain CSV of the same matrix; the load phases in -v and meta.json.
#
#   RECTIC_BUILD=build ./tests/e2e_weights.sh [NAME...]   (make test runs it; NAME: tests whose name contains it)
#
# Every test is a function test_* run in a subshell in its own empty work directory; the runner prints
# "ok NAME", "FAIL NAME: why" or "skip NAME: why", then "N passed, M failed, K skipped".
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in
/*) RECTIC=$BUILD/rectic ;;
*) RECTIC=$ROOT/$BUILD/rectic ;;
esac
export LC_ALL=C OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e-weights.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

WHY=/dev/null # per test: where fail/skip leave their reason
N=300         # the matrices of tests/wmats.py, written once into $W
W=$TMP/w

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

# A spiking QIF network, 200 steps, recording v and s as .npy (compared bit for bit).
QIF=(run neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in
     --input-var I_ext --output-var s --spike-var spike --spike-def v --set eta=3 --record v --steps 200
     --format npy --backend tcc -q)

# same DIR1 DIR2: the recordings of two runs are identical.
same() {
    local r
    for r in out v spikes; do
        cmp -s "$1/$r.npy" "$2/$r.npy" || fail "$r.npy of $1 and $2 differ"
    done
}

# layout DIR: the weights_layout meta.json of DIR names.
layout() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["weights_layout"])' "$1/meta.json"
}

test_plain_npy_is_mapped_in_place_with_the_numbers_of_csv() {
    rr "${QIF[@]}" --weights "$W/dense.csv" -o csv
    rr "${QIF[@]}" --weights "$W/plain.npy" -o npy
    same csv npy
    [ "$(layout npy)" = "mapped in place" ] || fail "plain.npy: weights_layout $(layout npy)"
    [ "$(layout csv)" = "converted" ] || fail "dense.csv (with negative zeros): weights_layout $(layout csv)"
}

test_every_dense_layout_gives_the_bits_of_csv() {
    for c in dense sparse event; do
        for t in float64 float32; do
            rr "${QIF[@]}" --weights "$W/dense.csv" --coupling $c --dtype $t -o ref
            for f in c8 plain f8 b8; do
                rr "${QIF[@]}" --weights "$W/$f.npy" --coupling $c --dtype $t -o $f
                same ref $f
            done
        done
    done
}

test_float32_and_integer_npy_give_the_bits_of_their_csv() {
    for f in c4 i4; do
        for c in auto event; do
            for t in float64 float32; do
                rr "${QIF[@]}" --weights "$W/$f.csv" --coupling $c --dtype $t -o csv
                rr "${QIF[@]}" --weights "$W/$f.npy" --coupling $c --dtype $t -o npy
                same csv npy
                [ "$(layout npy)" = converted ] || fail "$f.npy: weights_layout $(layout npy)"
            done
        done
    done
}

test_coo_duplicates_add_up_in_file_order() {
    for c in auto sparse event dense; do
        for t in float64 float32; do
            rr "${QIF[@]}" --weights "$W/coo_sum.csv" --coupling $c --dtype $t -o ref
            rr "${QIF[@]}" --weights-coo "$W/coo.csv" --coupling $c --dtype $t -o csv
            rr "${QIF[@]}" --weights-coo "$W/coo.npy" --coupling $c --dtype $t -o npy
            same ref csv
            same ref npy
        done
    done
}

test_coo_with_more_neurons_than_indices() {
    for c in sparse event; do
        rr "${QIF[@]}" --weights "$W/coo_sum_pad.csv" --coupling $c -o ref
        rr "${QIF[@]}" --weights-coo "$W/coo.npy" -N $((N + 10)) --coupling $c -o npy
        same ref npy
    done
}

test_nonfinite_weight_in_npy_is_named() {
    "$RECTIC" "${QIF[@]}" --weights "$W/nan.npy" -o nan 2>err && fail "a NaN weight was accepted"
    grep -qF -- "--weights: $W/nan.npy: entry at row 2, column 3 is NaN: weights must be finite numbers" err ||
        fail "$(cat err)"
    [ ! -e nan/meta.json ] || fail "an output set was written"
}

test_weights_of_the_wrong_size_for_N_are_an_error() {
    "$RECTIC" "${QIF[@]}" --weights "$W/plain.npy" -N 5 -o x 2>err && fail "accepted"
    grep -qF -- "--weights: $W/plain.npy is 300 x 300 but -N says 5 neurons" err || fail "$(cat err)"
}

test_inputs_are_checked_against_the_size_of_the_weights() {
    for i in $(seq 200); do echo "1,2"; done >in.csv
    "$RECTIC" "${QIF[@]}" --weights "$W/plain.npy" --inputs in.csv -o x 2>err && fail "accepted"
    grep -qF -- "--inputs: in.csv has 2 columns: expected 300 (one per neuron) or 1" err || fail "$(cat err)"
}

test_verbose_and_meta_json_time_the_load_phases() {
    "$RECTIC" "${QIF[@]/-q/-v}" --weights "$W/plain.npy" -o v 2>err || fail "$(cat err)"
    grep -qE "read [0-9.]+ ms \(template [0-9.]+, weights [0-9.]+, files [0-9.]+\), build coupling [0-9.]+ ms," err ||
        fail "-v: $(cat err)"
    grep -qF "weights: mapped in place;" err || fail "-v: $(cat err)"
    python3 - v/meta.json <<'EOF' || fail "meta.json timings"
import json, sys
t = json.load(open(sys.argv[1]))["timings"]
assert t["weights"] > 0 and t["coupling"] >= 0, t
EOF
}

# ----------------------------------------------------------------------------------------------- runner

mkdir "$W" && python3 tests/wmats.py "$W" $N || exit 2
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
echo "e2e_weights.sh: $pass passed, $failed failed, $skipped skipped"
[ $failed = 0 ]

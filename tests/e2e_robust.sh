#!/usr/bin/env bash
# End-to-end robustness tests of the rectic command: disk full, non-finite state, streamed recordings,
# lying .npy headers.  Each checks the message, the exit status and that no partial file is left.
set -u
cd "$(dirname "$0")/.."
RECTIC=${RECTIC_BUILD:-build}/rectic
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skip=0
CASE=tests/data/cases/qif_two_runs
QIF=(run neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in
     --input-var I_ext --output-var s --spike-var spike --spike-def v --record v --backend tcc -q)

# No file in $1 but complete outputs (no temporary files).
no_temp_files() { ! ls -A "$1" 2>/dev/null | grep -q '\.tmp$'; }

test_disk_full_is_error_without_partial_files() {
    local msg rc
    msg=$(ulimit -f 100; "$RECTIC" "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/full" 2>&1)
    rc=$?
    [ $rc = 1 ] || { echo "exit $rc: $msg"; return 1; }
    echo "$msg" | grep -qF "write error: File too large" || { echo "$msg"; return 1; }
    no_temp_files "$TMP/full" || { ls -A "$TMP/full"; return 1; }
    for f in "$TMP"/full/*.csv; do # whatever was written is complete: 6000 rows
        [ -e "$f" ] || continue
        case "$f" in *time.csv|*out.csv|*v.csv) [ "$(wc -l < "$f")" = 6000 ] || { echo "$f is partial"; return 1; } ;; esac
    done
}

test_nonfinite_state_stops_with_status_3() {
    local msg rc
    msg=$("$RECTIC" run neuron_model_templates.spiking_neurons.qif.qif --op qif_op -N 3 --steps 10000 \
          --output-var s --set eta=50 --record v -o "$TMP/nan" 2>&1)
    rc=$?
    [ $rc = 3 ] || { echo "exit $rc: $msg"; return 1; }
    echo "$msg" | grep -qF "the state became infinite at step 275 (t = 0.275): neuron 0, variable qif_op/v" || { echo "$msg"; return 1; }
    [ "$(wc -l < "$TMP/nan/v.csv")" = 276 ] || return 1
    grep -qF '"status": "stopped: the state became infinite at step 275' "$TMP/nan/meta.json" || return 1
    ! grep -qiE 'nan|inf' "$TMP/nan/v.csv"
}

test_no_check_finite_carries_nan_on() {
    "$RECTIC" run neuron_model_templates.spiking_neurons.qif.qif --op qif_op -N 3 --steps 1000 --output-var s \
        --set eta=50 --record v -o "$TMP/nan2" -q --no-check-finite || return 1
    [ "$(wc -l < "$TMP/nan2/v.csv")" = 1000 ] && tail -1 "$TMP/nan2/v.csv" | grep -qiE 'nan|inf'
}

test_recordings_beyond_max_memory_stream_identically() {
    "$RECTIC" "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/mem1" --format npy || return 1
    "$RECTIC" "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/mem2" --format npy \
        --max-memory 16K || return 1
    grep -qF '"recordings": "streamed to disk' "$TMP/mem2/meta.json" || return 1
    for f in out v time spikes; do cmp -s "$TMP/mem1/$f.npy" "$TMP/mem2/$f.npy" || { echo "$f differs"; return 1; }; done
}

test_bad_max_memory_is_error() {
    local msg
    msg=$("$RECTIC" "${QIF[@]}" --weights $CASE/weights.csv --steps 10 -o "$TMP/bm" --max-memory 12X 2>&1) && return 1
    echo "$msg" | grep -qF -- "--max-memory: expected a size such as 512M or 2G, got '12X'" && [ ! -e "$TMP/bm/out.csv" ]
}

test_npy_header_claiming_huge_array_is_error() {
    python3 - "$TMP/huge.npy" <<'PY' || return 1
import struct, sys
h = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 5), }"
h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + bytes(80))
PY
    local msg
    msg=$("$RECTIC" "${QIF[@]}" --weights $CASE/weights.csv --inputs "$TMP/huge.npy" -o "$TMP/huge" 2>&1) && return 1
    echo "$msg" | grep -qF -- "--inputs: $TMP/huge.npy: header claims 1000000000x5" || { echo "$msg"; return 1; }
    [ ! -e "$TMP/huge/out.csv" ]
}

test_empty_inputs_file_is_error() {
    : > "$TMP/empty.csv"
    local msg
    msg=$("$RECTIC" "${QIF[@]}" --weights $CASE/weights.csv --inputs "$TMP/empty.csv" -o "$TMP/em" 2>&1) && return 1
    echo "$msg" | grep -qF -- "--inputs: $TMP/empty.csv: empty file" || { echo "$msg"; return 1; }
    [ ! -e "$TMP/em/out.csv" ]
}

test_sparse_weights_coo_match_dense() {
    python3 - "$CASE/weights.csv" "$TMP/coo.csv" <<'PY' || return 1
import csv, sys
rows = [[float(x) for x in r] for r in csv.reader(open(sys.argv[1]))]
with open(sys.argv[2], "w") as f:
    for i, r in enumerate(rows):
        for j, w in enumerate(r):
            f.write("%d,%d,%r\n" % (i, j, w))
PY
    "$RECTIC" "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/d" --coupling sparse || return 1
    "$RECTIC" "${QIF[@]}" --weights-coo "$TMP/coo.csv" -N 5 --inputs $CASE/inputs.csv -o "$TMP/c" || return 1
    cmp -s "$TMP/d/v.csv" "$TMP/c/v.csv" || { echo "v differs"; return 1; }
    "$RECTIC" "${QIF[@]}" --weights-coo "$TMP/coo.csv" -N 5 --inputs $CASE/inputs.csv -o "$TMP/c2" --coupling sparse || return 1
    grep -qF '"coupling": "sparse"' "$TMP/c2/meta.json" && cmp -s "$TMP/d/v.csv" "$TMP/c2/v.csv"
}

test_bad_coo_index_is_error() {
    printf '0,1,0.5\n7,0,1\n' > "$TMP/badcoo.csv"
    local msg
    msg=$("$RECTIC" "${QIF[@]}" --weights-coo "$TMP/badcoo.csv" -N 5 --steps 10 -o "$TMP/bc" 2>&1) && return 1
    echo "$msg" | grep -qF -- "--weights-coo: $TMP/badcoo.csv: row 2, column 1: target index 7 is not a neuron (0 .. 4)" || { echo "$msg"; return 1; }
    [ ! -e "$TMP/bc/out.csv" ]
}

# exactly one "rectic: " line, equal to $2, from the messages in $1
one_message() {
    [ "$1" = "rectic: $2" ] || { echo "got: $1"; echo "expected: rectic: $2"; return 1; }
}

test_set_with_a_wrong_count_of_values_names_the_flag_once() {
    local msg rc
    printf '1\n2\n' > "$TMP/two.csv"
    msg=$("$RECTIC" run neuron_model_templates.spiking_neurons.qif.qif --output-var qif_op/v -N 3 --steps 5 \
          --set qif_op/eta=@"$TMP/two.csv" -o "$TMP/set2" 2>&1)
    rc=$?
    [ $rc = 1 ] || { echo "exit $rc: $msg"; return 1; }
    one_message "$msg" "--set qif_op/eta: expected 1 value or 3 (one per neuron), got 2" && [ ! -e "$TMP/set2" ]
}

test_record_key_of_a_template_names_the_flag_not_the_library() {
    local msg rc
    msg=$("$RECTIC" run neuron_model_templates.spiking_neurons.qif.qif --output-var qif_op/v -N 3 --steps 5 \
          --record x=v -o "$TMP/reckey" 2>&1)
    rc=$?
    [ $rc = 1 ] || { echo "exit $rc: $msg"; return 1; }
    one_message "$msg" "--record x=v: a key (KEY=VAR) is for networks of populations; record 'v' with --record" &&
        [ ! -e "$TMP/reckey" ]
}

test_yaml_syntax_error_in_a_network_file_names_its_line_and_column() {
    local msg rc r=$RECTIC
    case $r in /*) ;; *) r=$PWD/$r ;; esac
    printf 'populations:\n  E: {template: neuron_model_templates.spiking_neurons.qif.qif, n: 3\nprojections: []\n' \
        > "$TMP/broken.yaml"
    for cmd in run emit; do
        msg=$(cd "$TMP" && "$r" $cmd broken.yaml --steps 5 -o "$TMP/broken_$cmd" 2>&1)
        rc=$?
        [ $rc = 1 ] || { echo "$cmd: exit $rc: $msg"; return 1; }
        one_message "$msg" "broken.yaml:3:12: YAML syntax error: did not find expected ',' or '}' while parsing a flow mapping" ||
            return 1
        [ ! -e "$TMP/broken_$cmd" ] || return 1
    done
}

for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
    out=$($t 2>&1)
    rc=$?
    if [ $rc = 0 ]; then
        echo "ok $t"; pass=$((pass + 1))
    elif [ $rc = 2 ]; then # a test that cannot run here returns 2 with its reason
        echo "skip $t: $out"; skip=$((skip + 1))
    else
        echo "FAIL $t: $out"; fail=$((fail + 1))
    fi
done
echo "e2e_robust.sh: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]

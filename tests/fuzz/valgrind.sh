#!/usr/bin/env bash
# tests/fuzz/valgrind.sh -- runs the rectic command end to end under valgrind memcheck (make valgrind).
#
#   tests/fuzz/valgrind.sh [BUILD]         (BUILD: where rectic was built, default build)
#   VALGRIND_CASES="li_tanh lif" ...       (the reference cases to run; default: a few short ones)
#
# Every rectic invocation runs as
#   valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite build/rectic ...
# with the TinyCC backend (--backend tcc: the system compiler's -march=native code may use AVX-512,
# which valgrind 3.19 cannot run).  On CPUs with AVX-512, OpenBLAS is told to use its AVX2 kernels
# (OPENBLAS_CORETYPE=Haswell) for the same reason.  The cases: RectiPy reference cases through
# tests/run_case.py (outputs compared as in the e2e tests), then check, emit, templates, .npy output,
# recordings, and a few failing commands (their error paths must not leak either).
#
# Prints one line per command and a verdict; valgrind's reports are kept under BUILD/valgrind/.
# Exit status: 0 clean, 1 when valgrind reported an error or a leak (or a case failed), 2 on setup errors.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
ROOT=$PWD
BUILD=${1:-${RECTIC_BUILD:-build}}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
RECTIC=$BUILD/rectic
SHARED=${RECTIC_SHARED:-$ROOT/../shared}
[ -x "$RECTIC" ] || { echo "valgrind.sh: no $RECTIC (run make first)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not found (Debian: apt-get install valgrind)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "valgrind.sh: python3 not found" >&2; exit 2; }

if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
fi
export OPENBLAS_NUM_THREADS=1

LOGS=$BUILD/valgrind
rm -rf "$LOGS" && mkdir -p "$LOGS"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-valgrind.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# the wrapper run_case.py calls as "rectic": valgrind around the real binary, one log per process
WRAP=$TMP/rectic
cat >"$WRAP" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
    --show-leak-kinds=definite --track-origins=yes --log-file="$LOGS/vg.%p.log" "$RECTIC" "\$@"
EOF
chmod +x "$WRAP"

PASS=0
FAIL=0
# vg NAME EXPECT CMD...: runs CMD (which runs the wrapper); EXPECT: "ok" (exit 0) or "fail" (exit 1..98:
# rectic refused the input, as it should).  Exit 99 (valgrind found something) always fails.
vg() {
    local name=$1 expect=$2
    shift 2
    local start=$SECONDS rc
    "$@" >"$LOGS/$name.out" 2>&1
    rc=$?
    local verdict=ok
    if [ $rc -eq 99 ] || grep -qs 'ERROR SUMMARY: [1-9]\|definitely lost: [1-9]\|Invalid \(read\|write\|free\)\|uninitialised' "$LOGS"/vg.*.log; then
        verdict="VALGRIND"
    elif [ "$expect" = ok ] && [ $rc -ne 0 ]; then
        verdict="FAILED (exit $rc)"
    elif [ "$expect" = fail ] && { [ $rc -eq 0 ] || [ $rc -ge 99 ]; }; then
        verdict="FAILED (exit $rc, expected a refusal)"
    fi
    # a process that valgrind reports on leaves a non-empty log
    for l in "$LOGS"/vg.*.log; do
        [ -e "$l" ] || continue
        if [ -s "$l" ]; then
            mv "$l" "$LOGS/$name.${l##*/vg.}"
            [ "$verdict" = ok ] && verdict="VALGRIND"
        else
            rm -f "$l"
        fi
    done
    printf '%-28s %-8s %4ds\n' "$name" "$verdict" $((SECONDS - start))
    if [ "$verdict" = ok ]; then
        PASS=$((PASS + 1))
    else
        FAIL=$((FAIL + 1))
        sed -n '1,60p' "$LOGS/$name".*.log "$LOGS/$name.out" 2>/dev/null | sed 's/^/    /'
    fi
}

echo "valgrind memcheck on $RECTIC (backend tcc)"
# reference cases: rectic's own copies, then the shared ones that are not copies
CASES=${VALGRIND_CASES:-"li_tanh qif_threshold_equality qif_two_runs lif qif_sfa"}
for c in $CASES; do
    dir=
    for d in "$ROOT/tests/data/cases/$c" "$SHARED/cases/$c"; do
        [ -f "$d/case.json" ] && { dir=$d; break; }
    done
    [ -n "$dir" ] || { printf '%-28s skipped (no case)\n' "case $c"; continue; }
    vg "case_$c" ok python3 tests/run_case.py "$WRAP" "$dir" "$TMP/out_$c" --backend tcc
done

W=$ROOT/tests/data/cases/qif_two_runs/weights.csv
Q=neuron_model_templates.spiking_neurons.qif.qif
vg check ok "$WRAP" check "$Q"
vg templates ok "$WRAP" templates
vg emit ok "$WRAP" emit "$Q" --op qif_op --weights "$W" --source-var s --target-var s_in --input-var I_ext \
    --output-var s --spike-var spike --spike-def v --backend tcc -o "$TMP/kernel.c"
vg run_npy_record ok "$WRAP" run "$Q" --op qif_op --weights "$W" --source-var s --target-var s_in \
    --input-var I_ext --output-var s --spike-var spike --spike-def v --steps 300 --record v --record-spikes \
    --set eta=-2 --sampling-steps 3 --sampling-mode mean --format npy --backend tcc -q -o "$TMP/npy"
vg run_float32 ok "$WRAP" run neuron_model_templates.rate_neurons.leaky_integrator.tanh -N 20 --steps 200 \
    --dtype float32 --output-var v --backend tcc -q -o "$TMP/f32"
# the weights as a .npy file (written here: float64, C order)
python3 - "$W" "$TMP/w.npy" <<'PY'
import struct, sys
rows = [[float(x) for x in line.split(",")] for line in open(sys.argv[1]) if line.strip()]
h = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), len(rows[0]))
h += " " * ((64 - (11 + len(h)) % 64) % 64) + "\n"
with open(sys.argv[2], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode())
    for r in rows:
        f.write(struct.pack("<%dd" % len(r), *r))
PY
vg run_weights_npy ok "$WRAP" run "$Q" --op qif_op --weights "$TMP/w.npy" --source-var s --target-var s_in \
    --input-var I_ext --output-var s --spike-var spike --spike-def v --steps 100 --backend tcc -q -o "$TMP/wnpy"

# error paths
printf 'qif_op:\n  base: OperatorTemplate\n  equations: ["v'"'"' = v +"]\n  variables: {v: output(0)}\n' >"$TMP/bad.yaml"
printf '1,2\n3\n' >"$TMP/ragged.csv"
vg err_no_template fail "$WRAP" run no.such.template -N 2 --steps 2 --backend tcc -q -o "$TMP/e1"
vg err_equation_syntax fail "$WRAP" run "$TMP/bad/qif_op" -N 2 --steps 2 --backend tcc -q -o "$TMP/e2"
vg err_ragged_weights fail "$WRAP" run "$Q" --op qif_op --weights "$TMP/ragged.csv" --source-var s \
    --target-var s_in --steps 2 --backend tcc -q -o "$TMP/e3"
vg err_bad_option fail "$WRAP" run "$Q" --no-such-option --backend tcc

echo
if [ $FAIL -eq 0 ]; then
    echo "valgrind: clean ($PASS commands: no invalid accesses, no uninitialised values, no definite leaks)"
    exit 0
fi
echo "valgrind: $FAIL of $((PASS + FAIL)) commands FAILED (reports in ${LOGS#"$ROOT"/}/)"
exit 1

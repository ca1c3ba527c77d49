#!/usr/bin/env bash
# tests/e2e_outputs.sh -- end-to-end tests of the output sets of `rectic run`: meta.json as the record of a
# set, sets that never mix (also with two runs into one folder at once), signals, the output folder checked
# before the run, spikes streamed beyond --max-memory, recording names that would collide with output files.
#
#   RECTIC_BUILD=build ./tests/e2e_outputs.sh [NAME...]   (make test runs it; NAME: tests whose name contains it)
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
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e-outputs.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

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

QIF=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --output-var s --spike-var spike --spike-def v
     --backend tcc -q)

# check_set DIR [NAME...]: DIR/meta.json lists every file of the set with its true size, and no other file
# that could be rectic's (*.csv, *.npy, temporary files) but the NAMEs lies in DIR.
check_set() {
    python3 - "$@" <<'EOF' || fail "$(cat set.err)"
import json, os, sys
d = sys.argv[1]
def die(m):
    open("set.err", "w").write(m)
    sys.exit(1)
try:
    m = json.load(open(os.path.join(d, "meta.json")))
except Exception as e:
    die("%s/meta.json: %s" % (d, e))
files = m.get("files")
if not files:
    die("meta.json lists no files: %r" % sorted(m))
for f in files:
    p = os.path.join(d, f["name"])
    if not os.path.exists(p) or os.path.getsize(p) != f["size"]:
        die("%s: listed with %d bytes, found %s" % (f["name"], f["size"], os.path.getsize(p) if os.path.exists(p) else "none"))
listed = {f["name"] for f in files} | {"meta.json", ".rectic.lock"} | set(sys.argv[2:])
extra = [n for n in os.listdir(d) if n not in listed and (n.endswith((".csv", ".npy", ".tmp")) or n.startswith(".rectic"))]
if extra:
    die("files of no set in %s: %r" % (d, extra))
rows = sum(1 for _ in open(os.path.join(d, "out.csv"))) if "out.csv" in listed else None
if rows is not None and m["status"] == "completed" and rows != (m["steps"] + m["sampling_steps"] - 1) // m["sampling_steps"]:
    die("out.csv has %d rows, meta.json says %d steps" % (rows, m["steps"]))
EOF
}

# wait_for_temp DIR: waits (up to 20 s) until a temporary output file appears in DIR (the write phase).
wait_for_temp() {
    for _ in $(seq 1000); do
        ls -A "$1" 2>/dev/null | grep -q '^\.out\..*\.tmp$' && return 0
        sleep 0.02
    done
    return 1
}

# -------------------------------------------------------------------------------- the record of a set

test_new_set_replaces_the_previous_one_and_leaves_other_files() {
    mkdir o && echo "mine" >o/notes.txt
    rr run "${QIF[@]}" -N 3 --steps 3000 --record v -o o
    check_set o
    rr run "${QIF[@]}" -N 3 --steps 10 -o o
    check_set o
    [ ! -e o/v.csv ] || fail "v.csv of the previous run is still there beside a 10-row out.csv"
    [ "$(cat o/notes.txt 2>/dev/null)" = mine ] || fail "notes.txt (not rectic's) was touched"
    [ "$(wc -l <o/out.csv)" = 10 ] || fail "out.csv has $(wc -l <o/out.csv) rows, expected 10"
}

test_concurrent_runs_into_one_folder_never_mix() {
    for trial in 1 2 3 4; do
        "$RECTIC" run "${QIF[@]}" -N 50 --steps 4000 --record v -o o 2>a.err &
        local a=$!
        "$RECTIC" run "${QIF[@]}" -N 20 --steps 700 --record s_in -o o 2>b.err &
        local b=$!
        wait $a || fail "trial $trial: the first run failed: $(head -c 300 a.err)"
        wait $b || fail "trial $trial: the second run failed: $(head -c 300 b.err)"
        check_set o
        if [ -e o/v.csv ] && [ -e o/s_in.csv ]; then fail "trial $trial: v.csv and s_in.csv of two runs mixed"; fi
    done
}

test_interrupted_commit_is_reported_and_replaced() {
    # the state a commit leaves when killed between removing meta.json and writing the new one
    mkdir o && printf '1\n' >o/out.csv && printf '2\n' >o/v.csv && echo keep >o/notes.csv
    printf '{\n  "files": [\n    {"name": "out.csv"},\n    {"name": "v.csv"}\n  ]\n}\n' >o/.rectic-commit.json
    "$RECTIC" run "${QIF[@]}" -N 3 --steps 10 -o o 2>err.txt || fail "exit $?: $(head -c 300 err.txt)"
    grep -qF "the previous output set there is incomplete" err.txt || fail "no warning: $(head -c 300 err.txt)"
    check_set o notes.csv
    [ ! -e o/v.csv ] && [ ! -e o/.rectic-commit.json ] || fail "v.csv or the journal of the interrupted set is left"
    [ -e o/notes.csv ] || fail "notes.csv (not listed in a record) was removed"
}

# ---------------------------------------------------------------------------------------------- signals

# sig_run SIG STATUS: a long run stopped by SIG exits with STATUS and writes the steps done as a complete set.
sig_run() {
    "$RECTIC" run "${QIF[@]}" -N 5 --steps 400000000 --sampling-steps 100000 -o o 2>err.txt &
    local pid=$! rc
    for _ in $(seq 100); do [ -e o/.rectic.lock ] && break; sleep 0.05; done
    sleep 0.5
    kill -"$1" $pid
    for _ in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
    kill -KILL $pid 2>/dev/null && fail "still running 10 s after SIG$1"
    wait $pid
    rc=$?
    [ $rc = "$2" ] || fail "exit status $rc after SIG$1, expected $2 ($(head -c 300 err.txt))"
    check_set o
    grep -qF "\"status\": \"interrupted (SIG$1)\"" o/meta.json || fail "meta.json: $(grep status o/meta.json)"
}

test_sigterm_writes_the_steps_done() {
    sig_run TERM 143
}

test_sighup_writes_the_steps_done() {
    sig_run HUP 129
}

# big_write DIR: starts a run whose write phase takes a while (60 MB of CSV) in the background; sets PID.
big_write() {
    "$RECTIC" run "${QIF[@]}" -N 1000 --steps 3000 --record v -o "$1" 2>err.txt &
    PID=$!
    wait_for_temp "$1" || fail "no temporary file appeared in $1: $(head -c 300 err.txt)"
}

test_signal_during_the_write_phase_waits_for_the_set() {
    big_write o
    kill -TERM $PID
    wait $PID
    local rc=$?
    [ $rc = 143 ] || fail "exit status $rc, expected 143 ($(head -c 300 err.txt))"
    check_set o
    grep -qF '"status": "completed"' o/meta.json || fail "meta.json: $(grep status o/meta.json)"
}

test_second_signal_during_the_write_phase_aborts_without_meta_json() {
    big_write o
    kill -TERM $PID
    sleep 0.05
    kill -TERM $PID
    wait $PID
    local rc=$?
    [ $rc = 143 ] || fail "exit status $rc, expected 143 ($(head -c 300 err.txt))"
    [ ! -e o/meta.json ] || fail "meta.json written after the second signal"
    rr run "${QIF[@]}" -N 3 --steps 10 -o o
    check_set o # the killed run's temporary files are gone too
}

# --------------------------------------------------------------------------- the folder checked first

test_uncreatable_output_folder_fails_before_the_run() {
    echo x >file
    local t0=$SECONDS
    timeout 20 "$RECTIC" run "${QIF[@]}" -N 5 --steps 400000000 -o file/sub 2>err.txt
    local rc=$?
    [ $rc = 1 ] || fail "exit status $rc, expected 1 ($(head -c 300 err.txt))"
    [ $((SECONDS - t0)) -le 3 ] || fail "took $((SECONDS - t0)) s: the folder was checked after the run"
    grep -qF -- "-o file/sub: file is not a directory" err.txt || fail "$(head -c 300 err.txt)"
}

# as_user CMD...: CMD as a user without root's rights (root writes into read-only folders): as itself when
# not root, else as nobody through setpriv; skips the test when neither can be done.
as_user() {
    if [ "$(id -u)" != 0 ]; then
        "$@"
        return
    fi
    command -v setpriv >/dev/null || skip "running as root and no setpriv to run rectic as nobody"
    setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null || skip "setpriv cannot switch to nobody here"
    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$RECTIC" ||
        skip "running as root: nobody cannot reach $RECTIC to run it without root's rights"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

test_read_only_output_folder_fails_before_the_run() {
    # a folder every user can reach (the test's own may be private to root), with a read-only output folder
    local d
    d=$(mktemp -d /tmp/rectic-ro.XXXXXX) || fail "mktemp"
    chmod 755 "$d" && mkdir "$d/ro" && chmod 555 "$d/ro" || fail "chmod"
    local t0=$SECONDS
    as_user env HOME="$d" timeout 20 "$RECTIC" run "${QIF[@]}" -N 5 --steps 400000000 -o "$d/ro" 2>err.txt
    local rc=$?
    rm -rf "$d"
    [ $rc = 1 ] || fail "exit status $rc, expected 1 ($(head -c 300 err.txt))"
    [ $((SECONDS - t0)) -le 3 ] || fail "took $((SECONDS - t0)) s: the folder was checked after the run"
    grep -qF -- "-o $d/ro: cannot write in the output folder" err.txt || fail "$(head -c 300 err.txt)"
}

test_outputs_larger_than_the_free_space_fail_before_the_run() {
    rr run "${QIF[@]}" -N 3 --steps 10 -o o --format npy
    cp o/meta.json before.json
    local t0=$SECONDS
    # 2e9 rows x 1000 float64 values: 16 TB, known before the run
    timeout 20 "$RECTIC" run "${QIF[@]}" -N 1000 --steps 2000000000 -o o --format npy 2>err.txt
    local rc=$?
    [ $rc = 1 ] || fail "exit status $rc, expected 1 ($(head -c 300 err.txt))"
    [ $((SECONDS - t0)) -le 3 ] || fail "took $((SECONDS - t0)) s"
    grep -qE -- "-o o: the outputs of this run need at least [0-9.]+ MiB but the file system there has" err.txt ||
        fail "$(head -c 300 err.txt)"
    cmp -s o/meta.json before.json || fail "the previous set's meta.json changed"
    check_set o
}

# ------------------------------------------------------------------------------------ spikes streamed

test_spikes_stream_beyond_max_memory() {
    local a b
    a=$( { /usr/bin/time -f "%M" "$RECTIC" run "${QIF[@]}" -N 1000 --steps 20000 --sampling-steps 1000 --set eta=10000 \
        -o mem --max-memory 1G; } 2>&1 | tail -1)
    b=$( { /usr/bin/time -f "%M" "$RECTIC" run "${QIF[@]}" -N 1000 --steps 20000 --sampling-steps 1000 --set eta=10000 \
        -o disk --max-memory 1M; } 2>&1 | tail -1)
    [ "$(wc -l <mem/spikes.csv)" -gt 500000 ] || fail "only $(wc -l <mem/spikes.csv) spikes: too few to measure"
    cmp -s mem/spikes.csv disk/spikes.csv || fail "spikes.csv differs with and without streaming"
    # the ~690000 spikes take 11 MB as pairs (16 MB in the doubled buffer): streaming must save most of it
    # (compared with the in-memory run, so that a sanitizer's overhead does not count)
    [ $((a - b)) -gt 8000 ] || fail "peak RSS ${b} KiB with --max-memory 1M, ${a} KiB in memory"
    grep -qF '"spikes": '"$(wc -l <mem/spikes.csv)" disk/meta.json || fail "meta.json spike count"
    check_set disk
}

# --------------------------------------------------------------------------- names of recorded files

# a model whose variables are named like output files, and two that map to one file
write_model() {
    mkdir -p m
    cat >m/ops.yaml <<'EOF'
a_op:
  base: OperatorTemplate
  equations: ["x' = -x + time + out + spikes_n", "time' = -time"]
  variables:
    x: output(0.0)
    time: variable(0.0)
    out: 1.0
    spikes_n: 1.0
a_b:
  base: OperatorTemplate
  equations: "c' = -c"
  variables:
    c: output(0.0)
a:
  base: OperatorTemplate
  equations: "b_c' = -b_c"
  variables:
    b_c: output(0.0)
node:
  base: NodeTemplate
  operators: [a_op, a_b, a]
EOF
}

test_recordings_named_like_output_files_are_refused() {
    write_model
    local v
    for v in time out spikes_n; do
        "$RECTIC" run m/ops/node --op a_op --output-var x -N 2 --steps 5 --record "$v" -o o 2>err.txt &&
            fail "--record $v was accepted"
        grep -qF -- "--record $v: its file $v.csv/.npy is reserved" err.txt || fail "$(head -c 300 err.txt)"
    done
    [ ! -e o/meta.json ] || fail "a set was written"
    rr run m/ops/node --op a_op --output-var x -N 2 --steps 5 --record a_op/time -o o
    [ -s o/a_op_time.csv ] || fail "a_op/time was not recorded as a_op_time.csv"
}

test_recordings_mapping_to_one_file_are_refused() {
    write_model
    "$RECTIC" run m/ops/node --op a_op --output-var x -N 2 --steps 5 --record a_b/c --record a/b_c -o o 2>err.txt &&
        fail "a_b/c and a/b_c were both accepted"
    grep -qF -- "--record a/b_c: its file a_b_c.csv/.npy is the file of --record a_b/c too" err.txt ||
        fail "$(head -c 300 err.txt)"
    [ ! -e o/meta.json ] || fail "a set was written"
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
echo "e2e_outputs.sh: $pass passed, $failed failed, $skipped skipped"
[ $failed = 0 ]

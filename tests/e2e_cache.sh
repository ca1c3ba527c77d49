#!/usr/bin/env bash
# tests/e2e_cache.sh -- end-to-end tests of the compiled-kernel cache (--backend cc and auto): a cache folder
# that others could write is refused (cc) or passed over with a warning (auto); no file in the cache is
# opened through a symbolic link; damaged objects are rebuilt; warnings reach stderr and meta.json.
#
#   RECTIC_BUILD=build ./tests/e2e_cache.sh      (make test runs it)
#
# Each test_* function starts in its own empty work folder (in_workdir); tests/runner.sh runs them and
# prints "ok NAME", "FAIL NAME: why" or "skip NAME: why", then "e2e_cache.sh: N passed, M failed, K skipped".
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in /*) RECTIC=$BUILD/rectic ;; *) RECTIC=$ROOT/$BUILD/rectic ;; esac
CASE=$ROOT/tests/data/cases/qif_two_runs
QIF=(run neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in
     --input-var I_ext --output-var s --spike-var spike --spike-def v --record v -q
     --weights "$CASE/weights.csv" --inputs "$CASE/inputs.csv")
# optimisation off: the same bits, compiled several times faster (the cache is under test, not gcc)
export RECTIC_CFLAGS="-O0 -ffp-contract=off -fPIC -shared" LC_ALL=C
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e-cache.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# fail WHY, skip WHY (tests/runner.sh): end the test as failed or skipped, saying why.
# in_workdir: enters a fresh folder named after the calling test.
in_workdir() { mkdir -p "$TMP/${FUNCNAME[1]}" && cd "$TMP/${FUNCNAME[1]}" || fail "no work folder"; }
need_cc() { command -v cc >/dev/null || skip "no C compiler (cc) on the PATH"; }

# run_qif BACKEND DIR [rectic options]: runs the QIF case into DIR; stderr in DIR.err; returns rectic's status.
run_qif() {
    local backend=$1 dir=$2
    shift 2
    "$RECTIC" "${QIF[@]}" --backend "$backend" -o "$dir" "$@" 2>"$dir.err"
}

# same_as_tcc DIR: DIR's recordings are those of TinyCC's kernel.
same_as_tcc() {
    [ -e tcc/v.csv ] || run_qif tcc tcc || fail "tcc run: $(cat tcc.err)"
    cmp -s tcc/v.csv "$1/v.csv" && cmp -s tcc/out.csv "$1/out.csv" || fail "$1: not the numbers of TinyCC's kernel"
}

# the_object CACHE: the one kernel object in CACHE.
the_object() {
    local objs=("$1"/kernel-*.so)
    [ ${#objs[@]} = 1 ] && [ -e "${objs[0]}" ] || fail "expected one object in $1: ${objs[*]}"
    echo "${objs[0]}"
}

# with_one_object: XDG_CACHE_HOME=./x, a cache holding the object of one cc run of the QIF case ($SO).
with_one_object() {
    need_cc
    export XDG_CACHE_HOME=$PWD/x
    run_qif cc first || fail "exit $?: $(cat first.err)"
    SO=$(the_object x/rectic)
}

test_meta_json_records_no_warnings_as_an_empty_array() {
    in_workdir
    run_qif tcc o || fail "exit $?: $(cat o.err)"
    grep -qF '"warnings": [],' o/meta.json || fail "meta.json: $(grep warnings o/meta.json)"
    ! grep -q warning o.err || fail "stderr: $(cat o.err)"
}

test_cache_writable_by_others_fails_cc_and_warns_auto() {
    in_workdir
    need_cc
    mkdir -p x/rectic && chmod 777 x/rectic
    local msg
    XDG_CACHE_HOME=$PWD/x run_qif cc cc && fail "--backend cc ran with a cache others can write"
    msg="rectic: --backend cc: the compilation cache $PWD/x/rectic can be written by other users (mode 0777), so its objects cannot be trusted: chmod 700 it, or set XDG_CACHE_HOME to a folder of your own"
    grep -qxF "$msg" cc.err || fail "stderr: $(cat cc.err)"
    [ ! -e cc/out.csv ] || fail "cc wrote outputs"
    XDG_CACHE_HOME=$PWD/x run_qif auto auto || fail "auto: exit $?: $(cat auto.err)"
    grep -qF "rectic: warning: the compilation cache $PWD/x/rectic can be written by other users (mode 0777), so its objects cannot be trusted: chmod 700 it, or set XDG_CACHE_HOME to a folder of your own; --backend auto runs TinyCC's kernel instead" auto.err ||
        fail "stderr: $(cat auto.err)"
    grep -qF "\"warnings\": [\"the compilation cache $PWD/x/rectic can be written" auto/meta.json ||
        fail "meta.json: $(grep warnings auto/meta.json)"
    grep -qF '"kernel": "tcc"' auto/meta.json || fail "auto did not run TinyCC's kernel"
    same_as_tcc auto
    [ -z "$(ls -A x/rectic)" ] || fail "files written into the untrusted cache: $(ls -A x/rectic)"
}

# in_private_tmp COMMAND...: runs COMMAND as root in a mount namespace of its own with an empty /tmp
# (the fallback cache /tmp/rectic-cache-UID of the real /tmp is left alone), HOME and XDG_CACHE_HOME unset.
# The checkout, the build and the work folders stay reachable where they lie under the real /tmp (a clone
# in /tmp): each is bound back from the real /tmp, held open on descriptor 9 while the empty one is mounted (not canonicalized: the path is the old /tmp).
in_private_tmp() {
    [ "$(id -u)" = 0 ] || skip "needs root (a folder of another user, and a private /tmp)"
    command -v unshare >/dev/null || skip "no unshare(1) for a private /tmp"
    unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"
    local keep
    keep="$ROOT:$(dirname "$RECTIC"):$TMP"
    env -u HOME -u XDG_CACHE_HOME KEEP="$keep" unshare -m bash -c '
        exec 9</tmp
        mount -t tmpfs rectic-test /tmp && chmod 1777 /tmp || exit 97
        IFS=: read -ra dirs <<<"$KEEP"
        for d in "${dirs[@]}"; do
            case $d in /tmp/*) mkdir -p "$d" && mount --no-canonicalize --bind "/proc/self/fd/9/${d#/tmp/}" "$d" || exit 97 ;; esac
        done
        exec 9<&-
        unset KEEP
        "$@"' bash "$@"
}

test_fallback_cache_in_tmp_is_created_private() {
    in_workdir
    need_cc
    in_private_tmp bash -c 'set -e; "$@"; stat -c "%a %U" /tmp/rectic-cache-0 > mode; ls /tmp/rectic-cache-0 > objs' \
        bash "$RECTIC" "${QIF[@]}" --backend cc -o cc || fail "exit $?"
    [ "$(cat mode)" = "700 root" ] || fail "/tmp/rectic-cache-0: $(cat mode)"
    grep -q '^kernel-[0-9a-f]*\.so$' objs || fail "no object: $(cat objs)"
    grep -qF '"kernel": "cc"' cc/meta.json || fail "not cc: $(grep kernel cc/meta.json)"
    same_as_tcc cc
}

test_planted_fallback_cache_of_another_user_never_runs_its_code() {
    in_workdir
    need_cc
    # the attack of issue 11: another user makes /tmp/rectic-cache-0 (mode 777) with kernel-HASH.so whose
    # constructor runs on loading; the object is placed under the name the victim's run will look for
    # (it leaves the file pwned in the working folder: relative, as /tmp is another one inside in_private_tmp)
    printf '#include <stdio.h>\n__attribute__((constructor)) static void planted(void) { FILE *f = fopen("pwned", "w"); if (f) fclose(f); }\n' >planted.c
    cc -shared -fPIC -o planted.so planted.c || fail "cannot build the planted object"
    cat >attack.sh <<'EOF'
set -u
rectic=$1; shift
"$rectic" "$@" --backend cc -o learn 2>/dev/null || exit 9 # learn the object's name
so=$(ls /tmp/rectic-cache-0/kernel-*.so)
cp planted.so "$so"
chown -R 65534:65534 /tmp/rectic-cache-0 && chmod 777 /tmp/rectic-cache-0
"$rectic" "$@" --backend cc -o cc 2>cc.err; echo $? >cc.rc
"$rectic" "$@" --backend auto -o auto 2>auto.err; echo $? >auto.rc
EOF
    in_private_tmp bash attack.sh "$RECTIC" "${QIF[@]}" || fail "setup: exit $?"
    [ ! -e pwned ] || fail "the planted object's code ran"
    [ "$(cat cc.rc)" = 1 ] || fail "--backend cc: exit $(cat cc.rc)"
    grep -qF "rectic: --backend cc: the compilation cache /tmp/rectic-cache-0 belongs to user 65534, not to you (user 0), so its objects cannot be trusted: remove it, or set XDG_CACHE_HOME to a folder of your own" cc.err ||
        fail "stderr: $(cat cc.err)"
    [ "$(cat auto.rc)" = 0 ] || fail "--backend auto: exit $(cat auto.rc): $(cat auto.err)"
    grep -qF "rectic: warning: the compilation cache /tmp/rectic-cache-0 belongs to user 65534" auto.err ||
        fail "stderr: $(cat auto.err)"
    grep -qF '"warnings": ["the compilation cache /tmp/rectic-cache-0 belongs' auto/meta.json ||
        fail "meta.json: $(grep warnings auto/meta.json)"
    same_as_tcc auto
}

test_symlinked_cache_files_are_never_followed() {
    in_workdir
    with_one_object
    local so=$SO
    # the object: a symbolic link (to a whole, sealed object) is not loaded but replaced
    mv "$so" elsewhere.so && ln -s "$PWD/elsewhere.so" "$so"
    # the log: a planted link kernel-HASH.so.log -> FILE once truncated FILE
    echo "precious" >victim && ln -s "$PWD/victim" "$so.log"
    run_qif cc cc || fail "exit $?: $(cat cc.err)"
    grep -qxF "rectic: warning: the cached kernel $PWD/$so cannot be opened safely: it is a symbolic link; deleted and compiled again" cc.err ||
        fail "stderr: $(cat cc.err)"
    [ ! -L "$so" ] && [ -f "$so" ] || fail "$so is still a link"
    [ "$(cat victim)" = precious ] || fail "the log's link target was written"
    same_as_tcc cc
    # a failing compile keeps its messages in kernel-HASH.so.log: it replaces the link, never writes through it
    printf '#!/bin/sh\n[ -e %s/broken ] && { echo "broken on purpose" >&2; exit 1; }\nexec cc "$@"\n' "$PWD" >mycc
    chmod +x mycc
    RECTIC_CC=$PWD/mycc run_qif cc c2 || fail "exit $?: $(cat c2.err)"
    so=$(ls x/rectic/kernel-*.so | grep -vxF "$so")
    rm "$so" && ln -s "$PWD/victim" "$so.log" && touch broken
    RECTIC_CC=$PWD/mycc run_qif cc c3 && fail "a broken compiler succeeded"
    grep -qF "broken on purpose" c3.err || fail "stderr: $(cat c3.err)"
    [ "$(cat victim)" = precious ] || fail "the log's link target was written"
    [ ! -L "$so.log" ] && grep -qF "broken on purpose" "$so.log" || fail "$so.log: not the compiler's messages"
}

test_damaged_objects_are_rebuilt_with_a_warning() {
    in_workdir
    with_one_object
    local so=$SO
    truncate -s 5000 "$so" # once: a bus error in every later run
    run_qif cc t || fail "truncated: exit $?: $(cat t.err)"
    grep -qxF "rectic: warning: the cached kernel $PWD/$so is damaged: its integrity record is missing (truncated, or not written by rectic); deleted and compiled again" t.err ||
        fail "stderr: $(cat t.err)"
    grep -qF '"warnings": ["the cached kernel' t/meta.json || fail "meta.json: $(grep warnings t/meta.json)"
    grep -qF '"kernel": "cc"' t/meta.json || fail "not rebuilt: $(grep kernel t/meta.json)"
    same_as_tcc t
    : >"$so" # once: auto fell back to TinyCC for good
    run_qif auto e || fail "empty: exit $?: $(cat e.err)"
    grep -qF "is damaged: it is empty; deleted: TinyCC's kernel runs while cc compiles it again" e.err ||
        fail "stderr: $(cat e.err)"
    same_as_tcc e
    for _ in $(seq 300); do [ -e "$so" ] && break; sleep 0.1; done
    run_qif auto again || fail "exit $?: $(cat again.err)"
    grep -qF '"kernel": "cc (cached)"' again/meta.json || fail "auto did not use the rebuilt object: $(grep kernel again/meta.json)"
    [ ! -s again.err ] || fail "stderr: $(cat again.err)"
    same_as_tcc again
}

# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

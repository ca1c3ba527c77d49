#!/usr/bin/env bash
# tests/fuzz/fuzz.sh -- builds and runs rectic's libFuzzer harnesses (clang, ASan + UBSan + libFuzzer).
#
#   tests/fuzz/fuzz.sh build            build the harnesses into build-fuzz/
#   tests/fuzz/fuzz.sh regress          run every file of tests/fuzz/regressions/<harness>/ once
#   tests/fuzz/fuzz.sh run              build, regressions, then fuzz each harness FUZZ_SECONDS (make fuzz)
#   tests/fuzz/fuzz.sh ci               the same with 30 s per harness (make fuzz-ci)
#   tests/fuzz/fuzz.sh one HARNESS SECONDS   fuzz one harness (after build)
#
# Harnesses (tests/fuzz/fuzz_<name>.c): equation (rct_parse_equation / rct_parse_expr), template (YAML
# text -> loader -> resolved template -> model IR -> description and C source), csv (rct_csv_read),
# npy (rct_npy_read), kernel (structure-aware: fuzzed bytes -> operator template -> network through the
# public API -> TinyCC -> one step).
#
# The library's sources (common/ generator/ runtime/) are compiled here with clang and the sanitizers
# into build-fuzz/obj/ (never build/'s objects).  Each run fuzzes a working copy of the committed seed
# corpus, build-fuzz/work/<harness>/corpus/ (kept between runs, so fuzzing accumulates; the committed
# tests/fuzz/corpus/ is never written), and libFuzzer's crash inputs land in
# build-fuzz/work/<harness>/artifacts/.  A crash found should be copied to
# tests/fuzz/regressions/<harness>/, where `regress` (and so `make fuzz-ci`) replays it from then on.
#
# Environment: FUZZ_SECONDS (default 60), FUZZ_JOBS (harnesses fuzzed at once, default: the number of
# CPUs, at most 5), FUZZ_HARNESSES (a subset, space separated), FUZZ_CC (default clang), FUZZ_BUILD
# (default build-fuzz), FUZZ_FLAGS (more libFuzzer flags, e.g. "-fork=1 -ignore_crashes=1" to go on past
# a crash that is not fixed yet), and from the Makefile TCC_LIBDIR, LIBS.
# Exit status: 0 when nothing crashed, 1 when a harness or a regression input crashed, 2 on a build error.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
ROOT=$PWD
FUZZ_DIR=$ROOT/tests/fuzz
ALL_HARNESSES="equation template csv npy kernel"
HARNESSES=${FUZZ_HARNESSES:-$ALL_HARNESSES}
CLANG=${FUZZ_CC:-clang}
OUT=${FUZZ_BUILD:-build-fuzz}
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac

# per harness: the longest input libFuzzer generates, and the per-input time limit (seconds)
max_len() {
    case $1 in
    equation) echo 512 ;;
    template) echo 4096 ;;
    csv) echo 2048 ;;
    npy) echo 1024 ;;
    kernel) echo 1024 ;;
    *) echo 4096 ;;
    esac
}

ncpu() { nproc 2>/dev/null || echo 1; }

# ------------------------------------------------------------------------------------------------ build

TCC_LIBDIR=${TCC_LIBDIR:-$(for d in /usr/lib/x86_64-linux-gnu/tcc /usr/lib/aarch64-linux-gnu/tcc /usr/local/lib/tcc /usr/lib/tcc; do
    [ -d "$d" ] && { echo "$d"; break; }; done)}
LIBS=${LIBS:-"-ltcc $(pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml) -ldl -lpthread -lm"}

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
BASE_FLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter"
CPPFLAGS_FZ=(-D_GNU_SOURCE -Iinclude -Icommon -Igenerator -Iruntime
    "-DRECTIC_BUILTIN_TEMPLATES=\"$ROOT/templates\"" "-DRECTIC_TCC_LIBDIR=\"$TCC_LIBDIR\""
    "-DRECTIC_INSTALL_TEMPLATES=\"/nonexistent/share/rectic/templates\"")
LIB_FLAGS="$BASE_FLAGS $SAN -fsanitize=fuzzer-no-link"
HARNESS_FLAGS="$BASE_FLAGS -Werror $SAN -fsanitize=fuzzer"

compile_one() { # SRC OBJ
    mkdir -p "$(dirname "$2")"
    echo "  CC (fuzz) ${1#"$ROOT"/}"
    # shellcheck disable=SC2086
    $CLANG $LIB_FLAGS "${CPPFLAGS_FZ[@]}" -c "$1" -o "$2"
}

build() {
    command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2; return 2; }
    mkdir -p "$OUT/obj/gen"
    local stamp="$OUT/obj/.flags" key
    key="$CLANG|$LIB_FLAGS|${CPPFLAGS_FZ[*]}|$($CLANG --version | head -1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$key" ]; then
        rm -rf "$OUT/obj" && mkdir -p "$OUT/obj/gen"
        printf '%s\n' "$key" >"$stamp"
    fi
    # the standalone runtime as strings, as the Makefile makes them
    local gen=$OUT/obj/gen/sa_text.c f
    for f in common/fmt_number.h common/coo.h generator/standalone/*.c generator/standalone/embed.sh; do
        if [ ! -f "$gen" ] || [ "$f" -nt "$gen" ]; then
            sh generator/standalone/embed.sh "$gen"
            break
        fi
    done
    # stale objects: source or any header newer than the object
    local newest_h srcs=() stale=() objs=() s o
    # shellcheck disable=SC2012 # our own header names
    newest_h=$(ls -t include/*.h common/*.h generator/*.h runtime/*.h 2>/dev/null | head -1)
    for s in common/*.c generator/*.c runtime/*.c; do srcs+=("$ROOT/$s"); done
    [ -f "$gen" ] && srcs+=("$gen")
    for s in "${srcs[@]}"; do
        case $s in "$OUT"/*) o=${s%.c}.o ;; *) o=$OUT/obj/${s#"$ROOT"/} && o=${o%.c}.o ;; esac
        objs+=("$o")
        if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ "$ROOT/$newest_h" -nt "$o" ]; then
            stale+=("$s" "$o")
        fi
    done
    if [ ${#stale[@]} -gt 0 ]; then
        export -f compile_one
        export CLANG LIB_FLAGS ROOT OUT
        # the array travels through a file: bash cannot export arrays
        printf '%s\n' "${CPPFLAGS_FZ[@]}" >"$OUT/obj/.cppflags"
        # shellcheck disable=SC2016 # expanded by the inner bash
        printf '%s\0' "${stale[@]}" | xargs -0 -n2 -P "$(ncpu)" bash -c '
            mapfile -t CPPFLAGS_FZ <"$OUT/obj/.cppflags"; compile_one "$0" "$1"' || return 2
        rm -f "$OUT/librectic-fuzz.a"
    fi
    if [ ! -f "$OUT/librectic-fuzz.a" ]; then
        ar rcs "$OUT/librectic-fuzz.a.tmp" "${objs[@]}" && mv "$OUT/librectic-fuzz.a.tmp" "$OUT/librectic-fuzz.a" || return 2
    fi
    local h bin
    for h in $HARNESSES; do
        bin=$OUT/fuzz_$h
        if [ ! -f "$bin" ] || [ "$FUZZ_DIR/fuzz_$h.c" -nt "$bin" ] || [ "$FUZZ_DIR/fuzz_common.h" -nt "$bin" ] ||
            [ "$OUT/librectic-fuzz.a" -nt "$bin" ]; then
            echo "  LD (fuzz) fuzz_$h"
            # shellcheck disable=SC2086
            $CLANG $HARNESS_FLAGS "${CPPFLAGS_FZ[@]}" -I"$FUZZ_DIR" -o "$bin" "$FUZZ_DIR/fuzz_$h.c" \
                "$OUT/librectic-fuzz.a" $LIBS || return 2
        fi
    done
    return 0
}

# ------------------------------------------------------------------------------------------------ run

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Replays tests/fuzz/regressions/<harness>/* through the harnesses; 0 when none crashes.
regress() {
    local h f files fail=0 n total=0
    for h in $HARNESSES; do
        [ -d "$FUZZ_DIR/regressions/$h" ] || continue
        files=()
        while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$FUZZ_DIR/regressions/$h" -type f ! -name '*.md' ! -name '.*' -print0 | sort -z)
        n=${#files[@]}
        [ "$n" -gt 0 ] || continue
        total=$((total + n))
        mkdir -p "$OUT/work/$h/cwd"
        # (the inputs mean what they meant when saved: no generator options)
        if (cd "$OUT/work/$h/cwd" && exec env -u RECTIC_FUZZ_NO_NESTED_REDUCTIONS "$OUT/fuzz_$h" -timeout=25 -rss_limit_mb=2048 "${files[@]}") \
            >"$OUT/work/$h/regress.log" 2>&1; then
            printf 'regressions %-9s %3d input(s) ok\n' "$h" "$n"
        else
            printf 'regressions %-9s FAILED (log: %s)\n' "$h" "${OUT#"$ROOT"/}/work/$h/regress.log"
            grep -E '^Running: ' "$OUT/work/$h/regress.log" | tail -1
            grep -m1 -A25 -E '^==[0-9]+==ERROR|runtime error|^fuzz_[a-z]+:|deadly signal' "$OUT/work/$h/regress.log"
            fail=1
        fi
    done
    [ "$total" -gt 0 ] || echo "regressions: none saved"
    return $fail
}

# Fuzzes one harness for SECONDS; writes build-fuzz/work/<h>/{fuzz.log,summary}.
fuzz_one() {
    local h=$1 secs=$2 work=$OUT/work/$1
    mkdir -p "$work/corpus" "$work/cwd"
    rm -rf "$work/artifacts" && mkdir -p "$work/artifacts"
    if [ -d "$FUZZ_DIR/corpus/$h" ]; then
        cp -n "$FUZZ_DIR/corpus/$h"/* "$work/corpus/" 2>/dev/null
    fi
    local dict=()
    [ -f "$FUZZ_DIR/$h.dict" ] && dict=(-dict="$FUZZ_DIR/$h.dict")
    local start rc
    start=$(date +%s)
    # shellcheck disable=SC2086 # FUZZ_FLAGS: several flags
    (cd "$work/cwd" && exec "$OUT/fuzz_$h" -max_total_time="$secs" -max_len="$(max_len "$h")" -timeout=25 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" "${dict[@]}" ${FUZZ_FLAGS:-} "$work/corpus") \
        >"$work/fuzz.log" 2>&1
    rc=$?
    local execs corpus crashes
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -1)
    [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$work/fuzz.log" | tail -1 | tr -d '#')
    corpus=$(find "$work/corpus" -type f | wc -l)
    crashes=$(find "$work/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
    printf '%s %s %s %s %s %s\n' "$h" "${execs:-0}" "$corpus" "$crashes" "$rc" "$(($(date +%s) - start))" >"$work/summary"
    return 0
}

fuzz_all() {
    local secs=$1 jobs h fail=0 name execs corpus crashes rc took
    jobs=${FUZZ_JOBS:-$(ncpu)}
    [ "$jobs" -gt 5 ] && jobs=5
    [ "$jobs" -lt 1 ] && jobs=1
    echo "fuzzing ${HARNESSES// /, } for ${secs} s each, $jobs at a time"
    for h in $HARNESSES; do rm -f "$OUT/work/$h/summary"; done
    export -f fuzz_one max_len
    export OUT FUZZ_DIR
    # shellcheck disable=SC2086,SC2016 # the list splits on purpose; $0 $1 are the inner bash's
    printf '%s\n' $HARNESSES | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$0" "$1"' {} "$secs"
    printf '\n%-9s %12s %8s %8s %6s\n' harness executions corpus crashes secs
    for h in $HARNESSES; do
        if [ ! -f "$OUT/work/$h/summary" ]; then
            printf '%-9s did not run\n' "$h"
            fail=1
            continue
        fi
        read -r name execs corpus crashes rc took <"$OUT/work/$h/summary"
        printf '%-9s %12s %8s %8s %6s\n' "$name" "$execs" "$corpus" "$crashes" "$took"
        if [ "$crashes" != 0 ]; then
            fail=1
        fi
    done
    for h in $HARNESSES; do
        read -r name execs corpus crashes rc took <"$OUT/work/$h/summary" 2>/dev/null || continue
        [ "$crashes" != 0 ] || continue
        echo
        # shellcheck disable=SC2012 # libFuzzer's artifact names
        echo "== $h crashed (exit $rc); inputs: $(ls "$OUT/work/$h/artifacts" | sed "s|^|${OUT#"$ROOT"/}/work/$h/artifacts/|" | tr '\n' ' ')"
        grep -m1 -B2 -A30 -E '^==[0-9]+==ERROR|runtime error|^fuzz_kernel:|deadly signal|ERROR: libFuzzer' "$OUT/work/$h/fuzz.log" | head -60
        echo "   (whole log: ${OUT#"$ROOT"/}/work/$h/fuzz.log; save the input under tests/fuzz/regressions/$h/)"
    done
    return $fail
}

t0=$(date +%s)
status=0
cmd=${1:-run}
case $cmd in
build)
    build ;;
regress)
    build || exit 2
    regress ;;
run | ci)
    secs=${FUZZ_SECONDS:-60}
    [ "$cmd" = ci ] && secs=30
    build || exit 2
    regress || status=1
    fuzz_all "$secs" || status=1
    echo "fuzz $cmd: $(($(date +%s) - t0)) s in all, $([ $status = 0 ] && echo 'no crashes' || echo 'CRASHES (see above)')"
    exit $status ;;
one)
    [ $# -ge 3 ] || { echo "usage: $0 one HARNESS SECONDS" >&2; exit 2; }
    HARNESSES=$2
    build || exit 2
    fuzz_all "$3" ;;
*)
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac

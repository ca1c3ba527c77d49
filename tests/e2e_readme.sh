#!/usr/bin/env bash
# tests/e2e_readme.sh -- every shell and C block of README.md runs as written, top to bottom.
#
#   RECTIC_BUILD=build ./tests/e2e_readme.sh      (make test runs it)
#
# Each ```sh and ```c block of the README has a marker on the line before it:
#   <!-- readme-test: run -->                  the block runs (sh blocks in order, in one bash -e shell)
#   <!-- readme-test: run, saved as FILE -->   the block is written to FILE before the shell blocks run
#   <!-- readme-test: skip (why) -->           the block is not run, for the reason given
# A block without a marker fails the test, so that no example escapes it unnoticed.  The blocks run in a
# temporary directory laid out as a fresh checkout (links to this checkout's files, `build` to
# $RECTIC_BUILD, already built), with HOME, XDG_CACHE_HOME and TMPDIR inside it: `make install
# PREFIX=~/.local` installs there.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-readme.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES RECTIC_TEMPLATE_PATH PKG_CONFIG_PATH
export LC_ALL=C

# extract README OUTDIR: writes OUTDIR/script.sh (the run sh blocks, in order) and the saved files;
# prints README:LINE: messages for blocks without a marker
extract() {
    awk -v out="$2" '
        /^<!-- readme-test: / { mark = $0; mline = NR; next }
        /^```(sh|c)$/ && !inblock {
            inblock = 1; file = ""; run = 0
            if (mline != NR - 1) { printf "README.md:%d: a %s block without a readme-test marker before it\n", NR, $0; bad = 1 }
            else if (mark ~ /readme-test: run, saved as [^ ]+ -->/) { file = mark; sub(/.*saved as /, "", file); sub(/ -->.*/, "", file); file = out "/" file; printf "" > file }
            else if (mark ~ /readme-test: run -->/) { run = 1; printf "\n# README.md:%d\n", NR >> (out "/script.sh") }
            else if (mark !~ /readme-test: skip \(.+\) -->/) { printf "README.md:%d: unknown marker %s\n", mline, mark; bad = 1 }
            next
        }
        /^```/ && inblock { inblock = 0; if (file != "") close(file); next }
        inblock && file != "" { print >> file; next }
        inblock && run { print >> (out "/script.sh"); next }
        /^```/ { mline = 0 }
        END { exit bad }' "$1"
}

# a fresh checkout, built: links to the checkout's own files (not its results or install build)
make_work() {
    local w=$TMP/work f
    mkdir -p "$w" "$TMP/home" "$TMP/cache" "$TMP/tmp"
    for f in "$ROOT"/*; do
        case ${f##*/} in results | build* | prog | prog.c | sim | sim.c | out | v0.csv) continue ;; esac
        ln -s "$f" "$w/${f##*/}"
    done
    ln -s "$BUILD" "$w/build"
    # under `make asan` the library holds sanitizer code: the blocks' compilers must link its runtime
    mkdir -p "$TMP/bin"
    if [ -n "${RECTIC_SANFLAGS:-}" ]; then
        printf '#!/bin/sh\nexec %s %s "$@"\n' "$(command -v cc)" "$RECTIC_SANFLAGS" > "$TMP/bin/cc"
        chmod +x "$TMP/bin/cc"
    fi
    printf '%s\n' "$w"
}

test_every_code_block_has_a_marker() {
    mkdir -p "$TMP/marks"
    extract README.md "$TMP/marks"
}

test_readme_blocks_run_verbatim() {
    [ -x "$BUILD/rectic" ] || { echo "SKIP: $BUILD/rectic not built"; return 2; }
    local w
    w=$(make_work)
    extract README.md "$w" || return 1
    [ -s "$w/script.sh" ] || { echo "no block to run"; return 1; }
    (cd "$w" && PATH=$TMP/bin:$PATH HOME=$TMP/home XDG_CACHE_HOME=$TMP/cache TMPDIR=$TMP/tmp bash -ex script.sh) >"$TMP/log" 2>&1 ||
        { echo "a README block failed (README.md:LINE comments mark where each block starts):"; tail -25 "$TMP/log"; return 1; }
    # what the blocks promise exists
    local f
    for f in results/out.csv results/v.csv results/spikes.csv results/meta.json out/v.csv prog \
        results/ei/out/E_v.csv results/ei/out/I_v.csv results/ei/out/out.csv results/ei/out/spikes_E.csv results/ei/out/spikes_I.csv; do
        [ -s "$w/$f" ] || { echo "the README blocks did not make $f"; return 1; }
    done
    grep -q '^10000 rows x 2 neurons, [0-9]* spikes, last v0 = ' "$TMP/log" ||
        { echo "prog printed:"; grep 'rows x' "$TMP/log"; return 1; }
}

# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

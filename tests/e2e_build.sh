#!/usr/bin/env bash
# tests/e2e_build.sh -- the Makefile's header dependencies: editing a header rebuilds exactly what
# includes it (the compiler's -MMD -MP files), nothing more and nothing less.
#
#   RECTIC_BUILD=build ./tests/e2e_build.sh      (make test runs it, after building the test programs)
#
# Nothing is edited: `make -n -W HEADER` asks make what it would rebuild were HEADER newer.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
BUILD=${RECTIC_BUILD:-build}
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
export LC_ALL=C

# would_rebuild HEADER: the targets `make all` plus the test programs would rebuild were HEADER edited
would_rebuild() {
    make --no-print-directory -n -W "$1" BUILD="$BUILD" all "$BUILD/tests/check_cuda" "$BUILD/tests/check_emit" \
        "$BUILD/tests/check_io" 2>&1 | sed -n 's/^echo "  \(CCLD\|CC\|AR\) *\(.*\)"$/\2/p'
}

# up_to_date: nothing to rebuild without an edit (else the answers below mean nothing)
up_to_date() {
    [ -f "$BUILD/tests/check_cuda.d" ] || { echo "SKIP: $BUILD/tests/check_cuda not built with make (no .d file)"; return 2; }
    local left
    left=$(make --no-print-directory -n BUILD="$BUILD" all "$BUILD/tests/check_cuda" 2>&1 | grep -c '^echo "  ')
    [ "$left" = 0 ] || { echo "SKIP: $BUILD is not up to date ($left steps to do): run make first"; return 2; }
}

test_editing_a_test_header_rebuilds_the_test_that_includes_it() {
    up_to_date || return $?
    local r
    r=$(would_rebuild tests/gpu/rcase.h)
    echo "$r" | grep -qx "$BUILD/tests/check_cuda" || { echo "check_cuda not rebuilt after rcase.h: [$r]"; return 1; }
    ! echo "$r" | grep -q "check_emit\|check_io\|\.c$" || { echo "more than check_cuda rebuilt: [$r]"; return 1; }
}

test_editing_a_library_header_rebuilds_only_its_includers() {
    up_to_date || return $?
    local r
    r=$(would_rebuild generator/emit_c.h)
    echo "$r" | grep -qx "generator/emit_c.c" || { echo "emit_c.c not recompiled: [$r]"; return 1; }
    echo "$r" | grep -qx "$BUILD/tests/check_emit" || { echo "check_emit (includes emit_c.h) not rebuilt"; return 1; }
    ! echo "$r" | grep -qx "runtime/io_csv.c\|generator/parser.c" || { echo "files that do not include emit_c.h recompiled: [$r]"; return 1; }
}

test_editing_the_public_header_recompiles_the_cli() {
    up_to_date || return $?
    local r
    r=$(would_rebuild include/rectic.h)
    echo "$r" | grep -qx "cli/rectic.c" || { echo "cli/rectic.c not recompiled after rectic.h: [$r]"; return 1; }
}

# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

#!/usr/bin/env bash
# tests/e2e_cycles.sh -- the library's files depend on each other without cycles (tests/depgraph.py):
# no header includes itself through others, and no module (a .c file of common/, generator/, runtime/)
# calls itself through others, except the cycles tests/data/known_cycles.txt lists (to be removed: they
# may shrink, never grow, and no new one may appear).
#
#   RECTIC_BUILD=build ./tests/e2e_cycles.sh      (make test runs it; make cycles too)
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
BUILD=${RECTIC_BUILD:-build}
PY=/usr/bin/python3

test_headers_do_not_include_each_other() {
    [ -x "$PY" ] || skip "no $PY"
    "$PY" tests/depgraph.py includes . || fail "include cycles (above)"
}

test_modules_call_each_other_only_in_the_known_cycles() {
    [ -x "$PY" ] || skip "no $PY"
    command -v nm >/dev/null || skip "no nm (binutils)"
    [ -f "$BUILD/runtime/network.o" ] || skip "$BUILD/runtime/network.o not built"
    "$PY" tests/depgraph.py calls "$BUILD" tests/data/known_cycles.txt || fail "cycles of calls (above)"
}

# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

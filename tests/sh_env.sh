# tests/sh_env.sh -- sourced, from the top of the checkout, by the e2e scripts that use it: RECTIC (rectic of
# $RECTIC_BUILD, default build/), the C locale and one OpenBLAS thread, TMP (a folder removed at exit),
# tests/runner.sh (run_tests, fail, skip) and fresh (enters a new empty folder of TMP).
RECTIC=$(cd "${RECTIC_BUILD:-build}" && pwd)/rectic || exit 2
export LC_ALL=C OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-$(basename "$0" .sh).XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=tests/runner.sh
. tests/runner.sh

fresh() {
    cd "$(mktemp -d "$TMP/t.XXXXXX")" || fail "cannot make a work directory"
}

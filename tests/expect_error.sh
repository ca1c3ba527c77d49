# shellcheck shell=bash
# tests/expect_error.sh -- sourced by the e2e scripts (after they define `fail`, which ends a test): checks
# that a rectic command fails the way every bad input must.

# expect_rectic_error NEEDLE... -- ARGS...: `$RECTIC ARGS`, run in the current folder (stdout into err.out,
# stderr into err.txt), must exit with a status from 1 to 125 (an error, not a signal) and print a message
# "rectic: ..." holding every NEEDLE (fixed strings); otherwise `fail` says what went wrong.
expect_rectic_error() {
    local needles=() n rc
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        needles+=("$1")
        shift
    done
    shift
    "$RECTIC" "$@" >err.out 2>err.txt
    rc=$?
    [ $rc -ne 0 ] || fail "exit status 0, expected an error (stderr: $(head -c 300 err.txt))"
    [ $rc -lt 126 ] || fail "exit status $rc (a crash?): $(head -c 400 err.txt)"
    grep -q '^rectic: ' err.txt || fail "no 'rectic: ' message on stderr: $(head -c 400 err.txt)"
    for n in "${needles[@]}"; do
        grep -qF -- "$n" err.txt || fail "message lacks '$n': $(head -c 400 err.txt)"
    done
}

# tests/runner.sh -- sourced by the small e2e scripts: runs every function test_* defined so far.
#
# A test returns 0 (passed), 2 (skipped: its output says why) or anything else (failed: its output says
# why). Prints "ok NAME", "skip NAME: why" or "FAIL NAME: why" per test, then the closing line
# "SCRIPT: N passed, M failed, K skipped" that tests/run_tests.sh adds up. run_tests returns 1 when a test
# failed.

# fail MESSAGE / skip MESSAGE: end the current test (each runs in a subshell of run_tests) as failed or
# skipped, saying why.
fail() {
    printf '%s\n' "$*"
    exit 1
}
skip() {
    printf '%s\n' "$*"
    exit 2
}

# run_tests: runs the test_* functions in name order and prints the summary
run_tests() {
    local t out rc pass=0 fail=0 skip=0
    for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
        out=$($t 2>&1)
        rc=$?
        if [ $rc = 0 ]; then
            echo "ok $t"; pass=$((pass + 1))
        elif [ $rc = 2 ]; then
            echo "skip $t: $out"; skip=$((skip + 1))
        else
            echo "FAIL $t: $out"; fail=$((fail + 1))
        fi
    done
    echo "$(basename "$0"): $pass passed, $fail failed, $skip skipped"
    [ $fail = 0 ]
}

#!/bin/sh
# tests/run_tests.sh -- runs test programs one after the other and adds up their results.
#
#   tests/run_tests.sh PROGRAM...      (make test runs it with the Check programs and tests/e2e*.sh)
#
# Each program prints its skips with their reasons and ends with "NAME: N passed, M failed, K skipped";
# its output is shown as it comes.  A program that exits non-zero without reporting a failure, or prints
# no closing line, counts as one failure.  The last line is the total over all programs,
# "N passed, M failed, K skipped" (the form CI reads); the exit status is 1 when anything failed.
set -u
log=$(mktemp "${TMPDIR:-/tmp}/rectic-tests.XXXXXX") || exit 2
trap 'rm -f "$log" "$log.rc"' EXIT
passed=0 failed=0 skipped=0
for prog in "$@"; do
    echo "== $prog"
    # the program's status travels through a file: a pipeline's status is tee's
    { "$prog" 2>&1; echo $? >"$log.rc"; } | tee "$log"
    rc=$(cat "$log.rc" 2>/dev/null || echo 99)
    rm -f "$log.rc"
    line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -1)
    if [ -z "$line" ]; then
        echo "FAIL $prog: exit status $rc and no closing line 'NAME: N passed, M failed, K skipped'"
        failed=$((failed + 1))
        continue
    fi
    read -r p f s <<EOF
$(echo "$line" | sed -E 's/^.*: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
EOF
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        echo "FAIL $prog: exit status $rc although it reported no failure"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

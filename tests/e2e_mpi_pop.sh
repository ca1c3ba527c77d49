#!/usr/bin/env bash
# tests/e2e_mpi_pop.sh -- end-to-end tests of a network file of populations under `mpirun -np P rectic run`
# (issue 18 scope 2): each rank reads only its targets' part of every projection's weight file (dense .npy
# rows by offset, dense CSV rows parsed only for its targets, COO streamed keeping the entries onto its
# targets), and every population is split in blocks of equal size (--mpi-partition units) or of about equal
# cost (synapses; auto for populations with COO weights onto them).  Every data file is byte-identical to
# one process for P = 1..4 under both partitions; meta.json's weight_values_read per rank are the values of
# its rows (they add up to one process's) and the blocks are the cost-balanced ones a NumPy reference
# computes; a bad entry in one rank's rows ends every rank with its file:line message and leaves the
# previous output set intact.
#
#   RECTIC_BUILD=build ./tests/e2e_mpi_pop.sh      (make test runs it; skipped where mpirun is missing)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"
# shellcheck source=tests/mpi_lib.sh
. tests/mpi_lib.sh # need_tools, on_ranks, same_as_one, meta
RUN=(--dt 1e-3 --input A/I_ext=inA.csv --record A/r --record B/r --record C/r -q)

# data: net.yaml, three populations of rate units (A: 37 with an input, B: 23, C: 13) and their files: A->A
# dense AA.npy (~40% non-zero), A->B dense AB.csv, B->A COO BA.npy in target order (A's first 9 units
# receive 15 entries each, the others 2: skewed), A->C COO AC.csv (4 entries per target, delayed), C->B a
# scalar; dense.yaml and coo.yaml hold only the dense or only the COO projections.  inA.csv: 200 steps.
data() {
    cat >tpl.yaml <<'EOF'
r_op:
  base: OperatorTemplate
  equations: "d/dt * r = (-r + tanh(r_in + I_ext)) / tau"
  variables: {r: output(0.1), tau: 0.01, r_in: input(0.0), I_ext: input(0.0)}
r_node:
  base: NodeTemplate
  operators: [r_op]
EOF
    py <<'EOF'
import numpy as np
rng = np.random.RandomState(18)
a, b, c = 37, 23, 13
np.save("AA.npy", np.where(rng.rand(a, a) < 0.4, rng.uniform(-1, 1, (a, a)), 0.0))
np.savetxt("AB.csv", rng.uniform(-0.5, 0.5, (b, a)), delimiter=",", fmt="%.17g")
ba = [(t, s, rng.uniform(-1, 1)) for t in range(a) for s in rng.randint(0, b, 15 if t < 9 else 2)]
np.save("BA.npy", np.array(ba, float))
ac = [(t, s, rng.uniform(-1, 1)) for t in range(c) for s in rng.randint(0, a, 4)]
np.savetxt("AC.csv", np.array(ac), delimiter=",", fmt="%.17g")
np.savetxt("inA.csv", rng.uniform(-1, 1, (200, a)), delimiter=",", fmt="%.17g")
pops = """populations:
  A: {template: tpl.r_node, op: r_op, n: 37, input: I_ext}
  B: {template: tpl.r_node, op: r_op, n: 23}
  C: {template: tpl.r_node, op: r_op, n: 13}
projections:
"""
dense = ["  - {source: A/r, target: A/r_in, weights: AA.npy}\n", "  - {source: A/r, target: B/r_in, weights: AB.csv}\n"]
coo = ["  - {source: B/r, target: A/r_in, weights-coo: BA.npy}\n",
       "  - {source: A/r, target: C/r_in, weights-coo: AC.csv, delay: 0.002}\n"]
open("net.yaml", "w").write(pops + "".join(dense + coo) + "  - {source: C/r, target: B/r_in, weight: 0.25}\n")
open("dense.yaml", "w").write(pops + "".join(dense))
open("coo.yaml", "w").write(pops + "".join(coo))
EOF
}

# ranks_match NETWORK ARGS...: one process into one/, then P = 1..4 ranks into pP/, each the same bytes.
ranks_match() {
    rm -rf one p1 p2 p3 p4
    rr run "$1" "${RUN[@]}" "${@:2}" -o one
    for p in 1 2 3 4; do
        on_ranks "$p" "p$p" "$1" "${RUN[@]}" "${@:2}"
        same_as_one "p$p" "$@"
    done
}

test_dense_csv_and_coo_projections_read_in_parts_equal_one_process_under_both_partitions() {
    need_tools
    in_workdir
    data
    local c part
    for c in auto sparse; do
        for part in units synapses; do
            ranks_match net.yaml --coupling "$c" --mpi-partition "$part"
            for p in 2 3 4; do # every rank holds only the weights onto its units
                meta "p$p" "max(m['weight_bytes_held']) < $("$SYSPY" -c 'import json; print(json.load(open("p1/meta.json"))["mpi"]["weight_bytes_held"][0])')"
            done
        done
    done
    [ "$(awk -F, 'NR == 200 { print NF }' one/A_r.csv)" = 37 ] || fail "A_r.csv: not 200 rows of 37 units"
}

test_each_rank_reads_only_its_rows_of_dense_files_and_streams_coo_files() {
    need_tools
    in_workdir
    data
    # dense files, compressed rows: a scan and a pass writing them, over the rows of the rank's targets only
    for p in 1 2 3 4; do
        on_ranks "$p" "d$p" dense.yaml "${RUN[@]}" --coupling sparse --mpi-partition units
        meta "d$p" "[int(v) for v in m['weight_values_read']] == [2 * 37 * ((a[1] - a[0]) + (b[1] - b[0])) for a, b in zip(m['blocks']['A'], m['blocks']['B'])]"
        meta "d$p" "sum(m['weight_values_read']) == 2 * 37 * (37 + 23) and ($p == 1 or max(m['weight_values_read']) < 2 * 37 * (37 + 23))"
    done
    # a column-major .npy is read whole by every rank, then trimmed to its rows: the same bytes
    "$SYSPY" -c 'import numpy as np; np.save("AAf.npy", np.asfortranarray(np.load("AA.npy")))'
    sed 's/AA.npy/AAf.npy/' dense.yaml >fortran.yaml
    on_ranks 3 f3 fortran.yaml "${RUN[@]}" --coupling sparse --mpi-partition units
    meta f3 "[int(v) for v in m['weight_values_read']] == [2 * 37 * (37 + b[1] - b[0]) for b in m['blocks']['B']]"
    same_as_one_dirs d3 f3
    # COO files in target order: every rank streams every entry once (keeping those onto its targets); the
    # blocks balanced by synapses cost one more pass, which counts the entries onto each target
    local entries
    entries=$("$SYSPY" -c 'import numpy as np; print(3 * (len(np.load("BA.npy")) + len(np.loadtxt("AC.csv", delimiter=","))))')
    for p in 1 3; do
        on_ranks "$p" "u$p" coo.yaml "${RUN[@]}" --coupling sparse --mpi-partition units
        meta "u$p" "m['weight_values_read'] == [$entries] * $p"
        on_ranks "$p" "s$p" coo.yaml "${RUN[@]}" --coupling sparse --mpi-partition synapses
        meta "s$p" "m['weight_values_read'] == [$entries * ($p > 1 and 2 or 1)] * $p"
        same_as_one_dirs "u$p" "s$p"
    done
}

# same_as_one_dirs DIR1 DIR2: every file of DIR1 but meta.json is in DIR2, byte-identical.
same_as_one_dirs() {
    local f b
    for f in "$1"/*; do
        b=$(basename "$f")
        [ "$b" = meta.json ] || cmp -s "$f" "$2/$b" || fail "$2/$b differs from $1/$b"
    done
}

test_blocks_balanced_by_incoming_synapses_are_the_references_and_differ_from_equal_blocks() {
    need_tools
    in_workdir
    data
    for p in 2 3 4; do
        on_ranks "$p" "syn$p" net.yaml "${RUN[@]}" --mpi-partition synapses
        on_ranks "$p" "auto$p" net.yaml "${RUN[@]}"
        on_ranks "$p" "units$p" net.yaml "${RUN[@]}" --mpi-partition units
        py "$p" <<'EOF'
import json, sys
import numpy as np
P = int(sys.argv[1])
def block(n, r):
    base, extra = divmod(n, P)
    lo = r * base + min(r, extra)
    return [lo, lo + base + (r < extra)]
def equal(n):
    return [block(n, r) for r in range(P)]
def balanced(cost):  # block r ends before the first unit whose middle lies beyond r/P of the total cost
    if len(set(cost)) == 1:
        return equal(len(cost))
    total, acc, i, b = sum(cost), 0, 0, [0]
    for r in range(1, P):
        while i < len(cost) and acc + cost[i] / 2 <= total * r / P:
            acc += cost[i]
            i += 1
        b.append(i)
    b.append(len(cost))
    return [[b[r], b[r + 1]] for r in range(P)]
cost_a = [1 + 37] * 37  # one per unit, a dense row (all 37 sources of A), and B->A's entries
for t in np.load("BA.npy")[:, 0]:
    cost_a[int(t)] += 1
cost_c = [1] * 13
for t in np.loadtxt("AC.csv", delimiter=",")[:, 0]:
    cost_c[int(t)] += 1
syn = {"A": balanced(cost_a), "B": equal(23), "C": balanced(cost_c)}
units = {"A": equal(37), "B": equal(23), "C": equal(13)}
got = {d: json.load(open(d + str(P) + "/meta.json"))["mpi"]["blocks"] for d in ("syn", "auto", "units")}
assert got["syn"] == syn, (got["syn"], syn)
assert got["auto"] == syn, (got["auto"], syn)  # (auto: A and C have COO weights onto them, B's costs are equal)
assert got["units"] == units, (got["units"], units)
assert syn["A"] != units["A"] and syn["A"][0][1] < units["A"][0][1], (syn["A"], units["A"])
EOF
        grep -q '"partition": "every population in [0-9]* contiguous blocks of units, those with sparse weights' "syn$p/meta.json" ||
            fail "syn$p: $(grep -o '"partition[^,]*' "syn$p/meta.json")"
        same_as_one_dirs "units$p" "syn$p"
    done
}

test_a_bad_entry_in_one_ranks_rows_ends_every_rank_with_its_message() {
    need_tools
    in_workdir
    data
    py <<'EOF'
import numpy as np
W = np.load("AA.npy")
W[35, 4] = np.nan  # a row of the last of 3 ranks (A's units 25 .. 36)
np.save("AAnan.npy", W)
lines = open("AB.csv").read().splitlines()
lines[20] = lines[20].replace(",", ",x", 1)  # line 21: B's unit 20, the last of 3 ranks (16 .. 22)
open("ABbad.csv", "w").write("\n".join(lines) + "\n")
EOF
    sed 's/AA.npy/AAnan.npy/' net.yaml >nan.yaml
    sed 's/AB.csv/ABbad.csv/' net.yaml >bad.yaml
    rr run net.yaml "${RUN[@]}" -o out
    cp out/A_r.csv A_r.before
    local y
    for y in nan.yaml bad.yaml; do
        if mpirun --oversubscribe -np 3 "$RECTIC" run "$y" "${RUN[@]}" --mpi-partition units -o out >mpi.out 2>mpi.err; then
            fail "$y: accepted under MPI"
        fi
        [ "$(grep -c '^rectic: ' mpi.err)" = 1 ] || fail "$y: not one message: $(head -c 600 mpi.err)"
        case $y in
        nan.yaml) grep -q "^rectic: nan.yaml:6:44: projection A/r -> A/r_in: .*AAnan.npy: entry at row 36, column 5 is NaN" mpi.err ||
            fail "$y: $(head -c 400 mpi.err)" ;;
        *) grep -q "^rectic: bad.yaml:7:44: weights: .*ABbad.csv:21:" mpi.err || fail "$y: $(head -c 400 mpi.err)" ;;
        esac
        cmp -s out/A_r.csv A_r.before || fail "$y: the previous output set changed"
        "$RECTIC" run "$y" "${RUN[@]}" -o one 2>one.err && fail "$y: accepted by one process"
        grep -q "^rectic: $y:[67]:44: .*\(row 36, column 5\|ABbad.csv:21:\)" one.err || fail "$y, one process: $(cat one.err)"
    done
}

run_tests

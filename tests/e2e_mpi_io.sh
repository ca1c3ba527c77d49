#!/usr/bin/env bash
# tests/e2e_mpi_io.sh -- end-to-end tests of what each rank of `mpirun -np P rectic run ...` reads of the
# weight files (issue 18 scope 2, issue 15): dense .npy (float64 mapped, float32 streamed, Fortran order
# read whole), dense CSV (other ranks' rows counted, not parsed) and sparse COO (.npy and CSV; in target
# order, shuffled, with duplicates; every entry streamed, those of other ranks' targets not stored), with
# dense, sparse and event-driven coupling: every data file byte-identical to one process for P = 1..4, each
# rank reading only its rows of dense weights (meta.json's weight_values_read) and holding only the
# weights onto its units (weight_bytes_held); COO read by rank 0 alone and scattered (--mpi-read scatter)
# gives the same bytes, also to ranks started without the file; an error in one rank's rows (or,
# scattered, in the rows rank 0 reads for another) ends every rank with its message and leaves the
# previous output set intact; peak memory per rank shrinks with P; blocks balanced by incoming synapses
# (--mpi-partition) give the same bytes (outputs and saved state, which 2 ranks and 1 load and continue as
# one process) and even out the weights held.
#
#   RECTIC_BUILD=build ./tests/e2e_mpi_io.sh      (make test runs it; skipped where mpirun is missing)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"
# shellcheck source=tests/mpi_lib.sh
. tests/mpi_lib.sh # need_tools, on_ranks, same_as_one, meta
QIF=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in --input-var I_ext
     --output-var s --spike-var spike --spike-def v --dt 1e-3 --record v -q --inputs inp.npy)
N=61 # neurons: more than a kernel of fixed size (32), blocks of 61 / P rows

# data: weight files of one N x N matrix (~30% non-zero, row = target) in every layout, and inputs that
# make the QIF neurons spike: W.npy, W32.npy (float32), Wf.npy (Fortran order), W.csv; COO rows (target,
# source, weight) in target order (coo.npy, coo.csv), shuffled (cooshuf.npy, cooshuf.csv), in target order
# with duplicates (coodup.npy: entries repeated, summed in file order), sorted for a prefix then not
# (coomix.npy); inp.npy (300 x N).
data() {
    py "$N" <<'EOF'
import sys, numpy as np
n = int(sys.argv[1])
rng = np.random.RandomState(18)
W = rng.uniform(-2, 3, (n, n)) * (rng.rand(n, n) < 0.3)
np.save("W.npy", W)
np.save("W32.npy", W.astype(np.float32))
np.save("Wf.npy", np.asfortranarray(W))
np.savetxt("W.csv", W, delimiter=",", fmt="%.17g")
t, s = np.nonzero(W)
coo = np.stack([t, s, W[t, s]], 1)
np.save("coo.npy", coo)
np.savetxt("coo.csv", coo, delimiter=",", fmt="%.17g")
shuf = coo[rng.permutation(len(coo))]
np.save("cooshuf.npy", shuf)
np.savetxt("cooshuf.csv", shuf, delimiter=",", fmt="%.17g")
extra = coo[::7] * [1, 1, 0.375]
dup = np.concatenate([coo, extra])
np.save("coodup.npy", dup[np.argsort(dup[:, 0], kind="stable")])
half = len(coo) // 2
np.save("coomix.npy", np.concatenate([coo[:half], coo[half:][rng.permutation(len(coo) - half)]]))
np.save("inp.npy", rng.uniform(100, 400, (300, n)))
EOF
}

# ranks_match WEIGHTS... : one process into one/, then P = 1..4 ranks into pP/ with the same arguments
# (the weights flags and --coupling), each the same bytes; every rank of P > 1 holds fewer weight bytes.
ranks_match() {
    rm -rf one p1 p2 p3 p4
    rr run "${QIF[@]}" "$@" -o one
    for p in 1 2 3 4; do
        on_ranks "$p" "p$p" "${QIF[@]}" "$@"
        same_as_one "p$p" "$@"
    done
    local one
    one=$("$SYSPY" -c 'import json,sys; print(json.load(open("p1/meta.json"))["mpi"]["weight_bytes_held"][0])')
    for p in 2 3 4; do
        meta "p$p" "max(m['weight_bytes_held']) < $one"
    done
}

test_dense_npy_and_csv_rows_read_by_their_rank_only_equal_one_process() {
    need_tools
    in_workdir
    data
    for w in W.npy W32.npy W.csv; do
        for c in auto sparse event; do
            ranks_match --weights "$w" --coupling "$c"
            local one # values one process read: the matrix, once or twice (a scan, then a pass writing it)
            one=$("$SYSPY" -c 'import json; print(int(json.load(open("p1/meta.json"))["mpi"]["weight_values_read"][0]))')
            [ "$one" = $((N * N)) ] || [ "$one" = $((2 * N * N)) ] || fail "$w, $c: one process read $one values"
            for p in 2 3 4; do # each rank read its block's rows only, as often
                meta "p$p" "[int(v) * $N for v in m['weight_values_read']] == [(hi - lo) * $one for lo, hi in m['blocks']]"
            done
        done
    done
    [ "$(wc -l <one/spikes.csv)" -gt 20 ] || fail "too few spikes to compare"
}

test_fortran_order_npy_is_read_whole_and_still_kept_in_part() {
    need_tools
    in_workdir
    data
    ranks_match --weights Wf.npy --coupling sparse
    meta p3 "m['weight_values_read'] == [$N * $N] * 3"
}

test_coo_sorted_shuffled_and_with_duplicates_equal_one_process() {
    need_tools
    in_workdir
    data
    for w in coo.npy coo.csv cooshuf.npy cooshuf.csv coodup.npy coomix.npy; do
        for c in auto sparse event; do
            ranks_match --weights-coo "$w" --coupling "$c"
        done
    done
    ranks_match --weights-coo coo.npy -N "$N" --coupling event # the block known before the file is read
    ranks_match --weights-coo cooshuf.npy -N "$N" --coupling event
}

test_blocks_balanced_by_synapses_equal_one_process_and_even_out_the_weights_held() {
    need_tools
    in_workdir
    data
    py "$N" <<'EOF'
import sys, numpy as np
n = int(sys.argv[1])
rng = np.random.RandomState(4)
rows = [(t, s, rng.uniform(0.1, 1)) for t in range(n) for s in rng.randint(0, n, 40 if t < n // 4 else 4)]
np.save("skew.npy", np.array(rows, float))
EOF
    for c in sparse event; do
        ranks_match --weights-coo skew.npy --coupling "$c" # (the default: synapses)
        for p in 2 3 4; do
            grep -q '"partition": "[0-9]* contiguous blocks of units of about equal cost' "p$p/meta.json" ||
                fail "p$p: $(grep -o '"partition[^,]*' "p$p/meta.json")"
            meta "p$p" "m['blocks'][0][1] < $N // $p and max(m['weight_bytes_held']) < 1.5 * min(m['weight_bytes_held'])"
        done
        ranks_match --weights-coo skew.npy --coupling "$c" --mpi-partition units
        meta p2 "m['blocks'] == [[0, 31], [31, 61]] and max(m['weight_bytes_held']) > 2 * min(m['weight_bytes_held'])"
    done
    ranks_match --weights-coo skew.npy -N "$N" --mpi-partition synapses
    rm -rf one p3
    rr run "${QIF[@]}" --weights-coo skew.npy --checkpoint-every 100 --save-state one.npz -o one
    on_ranks 3 p3 "${QIF[@]}" --weights-coo skew.npy --checkpoint-every 100 --save-state p.npz
    same_as_one p3
    meta p3 "m['blocks'][0][1] < $N // 3"
    cmp -s one.npz p.npz || fail "the state file of 3 ranks in balanced blocks differs from one process's"
    # that state, loaded by 2 ranks (balanced blocks of their own) and by 1, goes on as one process does
    rm -rf one p1 p2
    rr run "${QIF[@]}" --weights-coo skew.npy --load-state one.npz --checkpoint-every 100 --save-state one2.npz -o one
    for p in 2 1; do
        on_ranks "$p" "p$p" "${QIF[@]}" --weights-coo skew.npy --load-state p.npz --checkpoint-every 100 \
            --save-state "p$p.npz"
        same_as_one "p$p"
        cmp -s one2.npz "p$p.npz" || fail "the state continued on $p ranks from 3 ranks' differs from one process's"
    done
    meta p2 "m['blocks'][0][1] < $N // 2"
    "$RECTIC" run "${QIF[@]}" --weights-coo skew.npy --mpi-partition cells -o bad 2>err && fail "--mpi-partition cells accepted"
    grep -q -- "--mpi-partition: expected auto, units or synapses, got 'cells'" err || fail "$(cat err)"
}

# entries FILE: the number of entries of a COO file (.npy or CSV).
entries() {
    "$SYSPY" -c 'import numpy as np, sys; f = sys.argv[1]
print(len(np.load(f)) if f.endswith(".npy") else len(np.loadtxt(f, delimiter=",")))' "$1"
}

# same_parts DIR1 DIR2: the runs in DIR1 and DIR2 had the same blocks and held the same weights per rank.
same_parts() {
    "$SYSPY" -c 'import json, sys; a, b = (json.load(open(d + "/meta.json"))["mpi"] for d in sys.argv[1:])
assert (a["blocks"], a["weight_bytes_held"]) == (b["blocks"], b["weight_bytes_held"]), (a, b)' "$1" "$2" ||
        fail "the parts of $1 and $2 differ"
}

test_coo_scattered_by_rank_0_equals_one_process() {
    need_tools
    in_workdir
    data
    local w c p e
    for w in coo.npy cooshuf.csv coodup.npy coomix.npy; do
        e=$(entries "$w")
        for c in auto event; do
            ranks_match --weights-coo "$w" --coupling "$c" --mpi-read scatter
            for p in 2 3 4; do # rank 0 alone read the file (a pass counting, a pass sending) and sent
                meta "p$p" "m['weight_values_read'] == [2 * 3 * $e] + [0] * ($p - 1)"
                meta "p$p" "m['weight_bytes_sent'][0] > 0 and m['weight_bytes_sent'][1:] == [0] * ($p - 1)"
            done
        done
    done
    ranks_match --weights-coo cooshuf.npy --coupling sparse --mpi-read scatter --mpi-partition units
    meta p3 "m['blocks'] == [[0, 21], [21, 41], [41, 61]]"
    # what rank 0 sent: 16 bytes per entry onto another rank's units, 8 per count of such a unit, and 16
    # per message's header (at this size one message of entries per rank, and the end of the pass)
    local onto
    onto=$("$SYSPY" -c 'import numpy as np; print(int((np.load("cooshuf.npy")[:, 0] >= 21).sum()))')
    meta p3 "m['weight_bytes_sent'] == [16 * $onto + 8 * 40 + 2 * 2 * 16, 0, 0]"
    ranks_match --weights-coo coodup.npy -N "$N" --coupling event --mpi-read scatter
    on_ranks 3 s3 "${QIF[@]}" --weights-coo coodup.npy -N "$N" --coupling event
    same_parts p3 s3
    "$RECTIC" run "${QIF[@]}" --weights-coo coo.npy --mpi-read spread -o bad 2>err && fail "--mpi-read spread accepted"
    grep -q -- "--mpi-read: expected stream or scatter, got 'spread'" err || fail "$(cat err)"
}

test_a_small_coo_scattered_goes_whole_to_every_rank() {
    need_tools
    in_workdir
    local N=20 # (at most 32 units: a kernel of fixed size, which may read the weights by columns)
    data
    ranks_match --weights-coo cooshuf.npy --coupling sparse --mpi-read scatter
    on_ranks 3 s3 "${QIF[@]}" --weights-coo cooshuf.npy --coupling sparse
    same_parts p3 s3
}

test_only_rank_0_needs_the_coo_file_to_scatter_it() {
    need_tools
    in_workdir
    data
    mkdir -p elsewhere
    cp inp.npy elsewhere/ # ranks 1 and 2 start in a folder without the weights
    rr run "${QIF[@]}" --weights-coo cooshuf.npy -o one
    mpirun --oversubscribe -np 1 "$RECTIC" run "${QIF[@]}" --weights-coo cooshuf.npy --mpi-read scatter -o p3 : \
        -np 2 -wdir "$PWD/elsewhere" "$RECTIC" run "${QIF[@]}" --weights-coo cooshuf.npy --mpi-read scatter -o p3 \
        >mpi.out 2>mpi.err || fail "scatter without the file on ranks 1, 2: $(head -c 800 mpi.err)"
    same_as_one p3
    meta p3 "m['ranks'] == 3 and m['weight_values_read'][1:] == [0, 0]"
    if mpirun --oversubscribe -np 1 "$RECTIC" run "${QIF[@]}" --weights-coo cooshuf.npy -o s3 : -np 2 \
        -wdir "$PWD/elsewhere" "$RECTIC" run "${QIF[@]}" --weights-coo cooshuf.npy -o s3 >mpi.out 2>mpi.err; then
        fail "streaming read a file that ranks 1 and 2 do not have"
    fi
}

test_a_bad_entry_rank_0_reads_for_rank_2_ends_every_rank_with_its_message() {
    need_tools
    in_workdir
    data
    local row w
    row=$("$SYSPY" - "$N" <<'EOF'
import sys, numpy as np
n = int(sys.argv[1])
coo = np.loadtxt("coo.csv", delimiter=",")
i = int(np.nonzero(coo[:, 0] == n - 3)[0][1]) # an entry onto the last rank's units
bad = coo.copy()
bad[i, 2] = np.nan
np.save("coonan.npy", bad)
lines = open("coo.csv").read().splitlines()
lines[i] = lines[i].replace(",", ",x", 1)
open("coobad.csv", "w").write("\n".join(lines) + "\n")
print(i + 1)
EOF
)
    rr run "${QIF[@]}" --weights-coo coo.npy -o out
    cp out/v.csv v.before
    for w in coonan.npy coobad.csv; do
        if mpirun --oversubscribe -np 3 "$RECTIC" run "${QIF[@]}" --weights-coo "$w" --mpi-read scatter -o out \
            >mpi.out 2>mpi.err; then
            fail "$w: accepted under MPI"
        fi
        [ "$(grep -c '^rectic: ' mpi.err)" = 1 ] || fail "$w: not one message: $(head -c 600 mpi.err)"
        case $w in
        coonan.npy) grep -q "^rectic: --weights-coo: coonan.npy: row $row, column 3: the weight is not finite" mpi.err ;;
        *) grep -q "^rectic: --weights-coo: coobad.csv:$row:[0-9]*: expected a number, found 'x" mpi.err ;;
        esac || fail "$w: $(head -c 400 mpi.err)"
        cmp -s out/v.csv v.before || fail "$w: the previous output set changed"
    done
}

test_a_bad_entry_in_one_ranks_rows_ends_every_rank_with_its_message() {
    need_tools
    in_workdir
    data
    py "$N" <<'EOF'
import sys, numpy as np
n = int(sys.argv[1])
W = np.load("W.npy")
W[n - 3, 5] = np.nan # a row of the last rank
np.save("Wnan.npy", W)
lines = open("W.csv").read().splitlines()
lines[n - 3] = lines[n - 3].replace(",", ",x", 1)
open("Wbad.csv", "w").write("\n".join(lines) + "\n")
EOF
    rr run "${QIF[@]}" --weights W.npy -o out
    cp out/v.csv v.before
    for w in Wnan.npy Wbad.csv; do
        for c in auto sparse; do
            if mpirun --oversubscribe -np 3 "$RECTIC" run "${QIF[@]}" --weights "$w" --coupling "$c" -o out >mpi.out 2>mpi.err; then
                fail "$w, $c: accepted under MPI"
            fi
            [ "$(grep -c '^rectic: ' mpi.err)" = 1 ] || fail "$w, $c: not one message: $(head -c 600 mpi.err)"
            case $w in
            Wnan.npy) grep -q "row $((N - 2)), column 6 is NaN" mpi.err || fail "$w: $(head -c 400 mpi.err)" ;;
            *) grep -q "Wbad.csv:$((N - 2)):" mpi.err || fail "$w: $(head -c 400 mpi.err)" ;;
            esac
            cmp -s out/v.csv v.before || fail "$w, $c: the previous output set changed"
        done
    done
}

test_peak_memory_of_a_rank_shrinks_with_its_part_of_dense_weights() {
    need_tools
    in_workdir
    py <<'EOF'
import numpy as np
n = 2048 # 32 MiB of float64 weights
rng = np.random.RandomState(3)
np.save("big.npy", rng.uniform(-1e-3, 1e-3, (n, n)))
np.save("inp.npy", rng.uniform(100, 400, (2, n)))
EOF
    on_ranks 1 p1 "${QIF[@]}" --weights big.npy --coupling dense
    on_ranks 4 p4 "${QIF[@]}" --weights big.npy --coupling dense
    # a quarter of the rows resident: each rank's peak is well below that of one rank (by 3/4 of 32 MiB,
    # less what four ranks hold more than one: the exchange's buffers; under ASan, whose quarantine keeps
    # freed blocks, rank 0 saved 15.9 MB): at least 12 MiB, which a rank holding the whole matrix misses by 24
    meta p4 "max(m['peak_rss_bytes']) < $("$SYSPY" -c 'import json; print(json.load(open("p1/meta.json"))["mpi"]["peak_rss_bytes"][0])') - 12 * 2**20"
}

run_tests

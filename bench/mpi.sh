#!/bin/sh
# make bench-mpi: MPI scaling on this machine (issue 18).  Strong scaling of QIF networks of N = 10^5 (in-degree
# 100) and N = 10^6 (in-degree 10) with sparse and event-driven coupling from 1 to 2 ranks, weak scaling (5*10^4
# units per rank), the time per step, the communication time and the bytes received per step (meta.json's "mpi"
# member: what runtime/mpi_xchg.c's scheme exchanges), and a check that both write the same bytes; the two
# partitions (--mpi-partition units: equal blocks, synapses: blocks of about equal incoming synapses) side by
# side on 2 ranks, on the uniform N = 10^5 network and on a skewed one (the first quarter of the units with 10
# times the synapses of the rest); then bench/mpi_model.py checks its bytes per step against the runs and
# projects the time per step to 64 and 1024 ranks.  Writes bench/results_mpi.md (RECTIC_BENCH_MPI_QUICK=1:
# smaller networks).
#
#   sh bench/mpi.sh [BUILD]        (make bench-mpi; needs mpirun and python3-numpy)
set -eu
BUILD=${1:-build}
RECTIC=$(cd "$BUILD" && pwd)/rectic
ROOT=$(pwd)
command -v mpirun >/dev/null || { echo "bench-mpi: no mpirun (apt-get install openmpi-bin libopenmpi-dev)"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 LC_ALL=C
W=$(mktemp -d "${TMPDIR:-/tmp}/rectic-bench-mpi.XXXXXX")
trap 'rm -rf "$W"' EXIT
STEPS=${RECTIC_BENCH_MPI_STEPS:-200}
QUICK=${RECTIC_BENCH_MPI_QUICK:-}
QIF="neuron_model_templates.spiking_neurons.qif.qif --op qif_op --output-var s --spike-var spike --spike-def v
     --dt 1e-3 --backend tcc -q --record out[0:100]"
CPL="--source-var s --target-var s_in"

# net N K: writes $W/wN_K.npy (COO: every unit K random sources, weights N(0, 1/K)) and $W/etaN.npy.
net() {
    /usr/bin/python3 - "$W" "$1" "$2" <<'EOF'
import sys, numpy as np
w, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(7)
coo = np.empty((n * k, 3))
coo[:, 0] = np.repeat(np.arange(n), k)
coo[:, 1] = rng.integers(0, n, n * k)
coo[:, 2] = rng.normal(0, 1 / np.sqrt(k), n * k)
np.save("%s/w%d_%d.npy" % (w, n, k), coo)
np.save("%s/eta%d.npy" % (w, n), rng.uniform(-20, 400, n))
EOF
}

# skew N: writes $W/skewN.npy (COO: units 0 .. N/4-1 with 400 random sources each, the others 40; weights
# N(0, 1/K)) and $W/etaN.npy.
skew() {
    /usr/bin/python3 - "$W" "$1" <<'EOF'
import sys, numpy as np
w, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(9)
deg = np.where(np.arange(n) < n // 4, 400, 40)
t = np.repeat(np.arange(n), deg)
coo = np.stack([t, rng.integers(0, n, len(t)), rng.normal(0, 1, len(t)) / np.sqrt(deg[t])], 1).astype(float)
np.save("%s/skew%d.npy" % (w, n), coo)
np.save("%s/eta%d.npy" % (w, n), rng.uniform(-20, 400, n))
EOF
}

# run P N K COUPLING [PART [WEIGHTS]]: one run on P ranks (K = 0: uncoupled; PART: --mpi-partition, auto
# unless given; WEIGHTS: the COO file in $W, wN_K.npy unless given); prints "P N K coupling ms_per_step
# comm_ms_per_step bytes_per_step spikes weight_bytes partition blocks busiest_compute_ms_per_step"
run() {
    p=$1 n=$2 k=$3 c=$4 part=${5:-auto} wf=${6:-w$2_$3.npy}
    out="$W/o_$1_$2_$3_$4_${part}_${wf%.npy}"
    if [ "$k" = 0 ]; then w="" ; else w="$CPL --weights-coo $W/$wf --coupling $c"; fi
    # shellcheck disable=SC2086
    mpirun --oversubscribe -np "$p" "$RECTIC" run $QIF $w -N "$n" --set "eta=@$W/eta$n.npy" --steps "$STEPS" \
        --mpi-partition "$part" -o "$out"
    /usr/bin/python3 - "$out/meta.json" "$p" "$n" "$k" "$c" "$STEPS" "$part" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
mpi, steps = m["mpi"], int(sys.argv[6])
run = m["timings"]["run"] if "timings" in m and "run" in m["timings"] else float("nan")
blocks = ";".join("%d-%d" % tuple(b) for b in mpi.get("blocks", []))
print(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], "%.4f" % (1e3 * run / steps),
      "%.4f" % (1e3 * mpi["communication_seconds_per_step"]), "%.0f" % (max(mpi["bytes_received"]) / steps),
      m["spikes"], "%.0f" % max(mpi["weight_bytes_held"]), sys.argv[7], blocks or "-",
      "%.4f" % (1e3 * (run - min(mpi["communication_seconds"])) / steps))
EOF
}

# same A B: the two runs' data files are the same bytes.
same() {
    for f in "$1"/*; do
        b=$(basename "$f")
        [ "$b" = meta.json ] || cmp -s "$f" "$2/$b" || { echo "bench-mpi: $b differs between $1 and $2"; exit 1; }
    done
}

if [ "$QUICK" ]; then SIZES="20000:50"; WEAK=10000; else SIZES="100000:100 1000000:10"; WEAK=50000; fi
ROWS="$W/rows.txt"
: >"$ROWS"
for nk in $SIZES; do
    n=${nk%%:*} k=${nk##*:}
    net "$n" "$k"
    for c in sparse event; do
        for p in 1 2; do
            run "$p" "$n" "$k" "$c" >>"$ROWS"
        done
        same "$W/o_1_${n}_${k}_${c}_auto_w${n}_$k" "$W/o_2_${n}_${k}_${c}_auto_w${n}_$k"
    done
done
n=${SIZES##* }
n=${n%%:*}
run 1 "$n" 0 none >>"$ROWS" # uncoupled: what a unit costs, and what every rank does for all units
run 2 "$n" 0 none >>"$ROWS"
net "$WEAK" 100
net $((2 * WEAK)) 100
run 1 "$WEAK" 100 sparse >>"$ROWS"
run 2 $((2 * WEAK)) 100 sparse >>"$ROWS"
PARTS="$W/parts.txt" # the two partitions side by side on 2 ranks: the uniform network, then the skewed one
: >"$PARTS"
n=${SIZES%% *}
k=${n##*:} n=${n%%:*}
net "$n" "$k"
for part in units synapses; do
    run 2 "$n" "$k" sparse $part >>"$PARTS"
done
same "$W/o_2_${n}_${k}_sparse_units_w${n}_$k" "$W/o_2_${n}_${k}_sparse_synapses_w${n}_$k"
skew "$WEAK"
for part in units synapses; do
    run 2 "$WEAK" 130 sparse $part "skew$WEAK.npy" >>"$PARTS"
done
same "$W/o_2_${WEAK}_130_sparse_units_skew$WEAK" "$W/o_2_${WEAK}_130_sparse_synapses_skew$WEAK"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg) # what else ran: the 2-rank rows wait for a rank that others slowed
/usr/bin/python3 "$ROOT/bench/mpi_model.py" "$ROWS" "$STEPS" "$(nproc)" "$LOAD" "$PARTS" >"$ROOT/bench/results_mpi.md"
cat "$ROOT/bench/results_mpi.md"

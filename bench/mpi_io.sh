#!/bin/sh
# bench/mpi_io.sh -- what each rank reads of the weight files, and the one-pass COO read (issues 18 and 15):
# writes bench/results_mpi_io.md.  `make bench-mpi-io` runs it; RECTIC_BUILD (or $1) names the build.
#
#   A. one process, COO N = 10^5 x 100 (.npy, 240 MB) in target order (read once) and shuffled (two
#      passes): wall and CPU time of a one-step run, the -v load phase, peak RSS (RECTIC_BEFORE names a
#      rectic binary without the one pass, run on the sorted file beside);
#   B. the same file on P = 1, 2 and 4 ranks, read both ways (--mpi-read): every rank streaming it and
#      keeping its targets' entries, or rank 0 reading it (a pass counting, a pass sending) and sending
#      each rank its entries: the wall time of a one-step run, rank 0's load phase, each rank's peak RSS,
#      the values each rank read of the file and the bytes rank 0 sent (blocks balanced by synapses);
#   C. dense N = 4096 (.npy, 128 MiB) on 1, 2 and 4 ranks: each rank maps and reads its rows only;
#   D. a skewed COO network (N = 50000, the first quarter of the targets with 400 synapses, the rest 40) on
#      2 ranks, blocks of equal units vs blocks balanced by incoming synapses: ms per step and the wait.
#
# Times on this shared machine are noisy: the load average is printed with the figures.
set -eu
BUILD=${1:-${RECTIC_BUILD:-build}}
R=$(cd "$BUILD" && pwd)/rectic
OUT=${MPI_IO_OUT:-$(pwd)/bench/results_mpi_io.md} # (MPI_IO_OUT: elsewhere, e.g. for a part of the sections)
SECTIONS=${SECTIONS:-A B C D}                       # the sections measured
W=$(mktemp -d "${TMPDIR:-/tmp}/rectic-mpi-io.XXXXXX")
trap 'rm -rf "$W"' EXIT
command -v mpirun >/dev/null || { echo "bench-mpi-io: no mpirun (apt-get install openmpi-bin libopenmpi-dev)"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export LC_ALL=C OPENBLAS_NUM_THREADS=1 OMPI_MCA_orte_tmpdir_base="$W"
cd "$W"
/usr/bin/python3 - <<'EOF'
import numpy as np
rng = np.random.default_rng(0)
n, d = 100000, 100
coo = np.stack([np.repeat(np.arange(n, dtype=float), d), rng.integers(0, n, n * d).astype(float),
                (rng.random(n * d) * 2 - 1) * 0.5 / np.sqrt(d)], 1)
np.save("sorted.npy", coo)
np.save("shuffled.npy", coo[rng.permutation(len(coo))])
np.save("dense.npy", rng.uniform(-1e-3, 1e-3, (4096, 4096)))
n = 50000
deg = np.where(np.arange(n) < n // 4, 400, 40)
t = np.repeat(np.arange(n), deg).astype(float)
np.save("skew.npy", np.stack([t, rng.integers(0, n, len(t)).astype(float), rng.uniform(0, 0.02, len(t))], 1))
np.save("inp.npy", rng.uniform(100, 400, (200, n)))
EOF
QIF="neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in --input-var I_ext
     --output-var s --spike-var spike --spike-def v --dt 1e-3 --format npy -q"

# has X: whether section X is to be measured.
has() {
    case " $SECTIONS " in *" $1 "*) return 0 ;; esac
    return 1
}

# meta DIR EXPR: prints a Python expression over DIR/meta.json (j: the whole, m: its "mpi" member).
meta() {
    /usr/bin/python3 -c "import json; j = json.load(open('$1/meta.json')); m = j.get('mpi', {}); print($2)"
}

{
    echo "# What each MPI rank reads of the weights; the one-pass COO read (issues 18 and 15)"
    echo
    echo "bench/mpi_io.sh (\`make bench-mpi-io\`), $(date -u +%Y-%m-%d), 2 cores shared with other work, load average"
    echo "$(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min): times are indicative; CPU times (user + system) vary less."
    echo
    if has A; then
        echo "## A. COO N = 10^5 x 100, one process, one step (--coupling auto: sparse rows)"
        echo
        echo "| file | run | wall s | CPU s | load phase ms (-v: weights + build coupling) | peak RSS MiB |"
        echo "|---|---|---|---|---|---|"
        for k in 1 2 3; do
            for f in sorted shuffled before; do
                bin=$R file=$f.npy how=$([ $f = sorted ] && echo 'read once' || echo 'two passes')
                if [ $f = before ]; then # RECTIC_BEFORE: a build without the one pass, on the sorted file
                    [ "${RECTIC_BEFORE:-}" ] || continue
                    bin=$RECTIC_BEFORE file=sorted.npy how="RECTIC_BEFORE: two passes"
                fi
                /usr/bin/time -f "%e %U %S %M" -o t.txt "$bin" run $QIF --backend tcc --steps 1 --weights-coo $file \
                    -N 100000 -o a -v 2>v.txt
                ph=$(grep -o "weights [0-9.]*\|build coupling [0-9.]*" v.txt | awk '{s += $NF} END {printf "%.0f", s}')
                read -r wall us ss kb <t.txt
                echo "| $file ($how) | $k | $wall |" \
                    "$(echo "$us $ss" | awk '{printf "%.2f", $1 + $2}') | $ph | $(echo "$kb" | awk '{printf "%.1f", $1 / 1024}') |"
            done
        done
        echo
    fi
    if has B; then
        echo "## B. The same file on P ranks: every rank streams it, or rank 0 reads and scatters it (one step)"
        echo
        echo "Blocks balanced by incoming synapses (the default: each rank's reading starts with a pass counting the"
        echo "entries onto each unit). P = 1 reads the file in one process either way."
        echo
        echo "| file | run | P | --mpi-read | wall s (mpirun, one step) | rank 0 load ms (weights + coupling) | peak RSS MiB per rank | values read per rank (10^6) | MB rank 0 sent |"
        echo "|---|---|---|---|---|---|---|---|---|"
        for f in sorted shuffled; do
            for pp in "1 1 stream" "1 2 stream" "1 2 scatter" "1 4 stream" "1 4 scatter" \
                "2 2 stream" "2 2 scatter" "2 4 stream" "2 4 scatter"; do
                set -- $pp
                /usr/bin/time -f "%e" -o t.txt mpirun -np $2 "$R" run $QIF --backend tcc --steps 1 --weights-coo $f.npy \
                    -N 100000 --mpi-read $3 -o b >/dev/null 2>&1
                echo "| $f | $1 | $2 | $3 | $(cat t.txt) |" \
                    "$(meta b "'%.0f' % (1000 * (j['timings']['weights'] + j['timings']['coupling']))") |" \
                    "$(meta b "', '.join('%.1f' % (x / 2**20) for x in m['peak_rss_bytes'])") |" \
                    "$(meta b "', '.join('%.1f' % (x / 1e6) for x in m['weight_values_read'])") |" \
                    "$(meta b "'%.1f' % (m['weight_bytes_sent'][0] / 1e6)") |"
            done
        done
        echo
    fi
    if has C; then
        echo "## C. Dense N = 4096 (.npy float64, 128 MiB), mapped in place, one step"
        echo
        echo "| P | peak RSS MiB per rank | values read per rank |"
        echo "|---|---|---|"
        for p in 1 2 4; do
            mpirun -np $p "$R" run $QIF --backend tcc --steps 1 --weights dense.npy --coupling dense -o c >/dev/null 2>&1
            echo "| $p | $(meta c "', '.join('%.1f' % (x / 2**20) for x in m['peak_rss_bytes'])") |" \
                "$(meta c "', '.join('%d' % x for x in m['weight_values_read'])") |"
        done
        echo
    fi
    if has D; then
        echo "## D. Skewed COO network, 2 ranks, 200 steps (sparse, cc kernel, 1 thread per rank)"
        echo
        echo "N = 50000: targets 0 .. 12499 have 400 incoming synapses, the others 40 (6.5 10^6 in all)."
        echo
        echo "The wait includes the time the other work on the cores takes; the busiest rank's compute is ms/step less"
        echo "its wait."
        echo
        echo "| partition | run | blocks | ms/step | wait in the exchange per rank, ms/step | busiest rank's compute, ms/step | weight bytes held per rank |"
        echo "|---|---|---|---|---|---|---|"
        for k in 1 2; do
            for part in units synapses; do
                mpirun -np 2 "$R" run $QIF --backend cc --threads 1 --inputs inp.npy --weights-coo skew.npy \
                    --coupling sparse --mpi-partition $part -o d >/dev/null 2>&1
                echo "| $part | $k | $(meta d "m['blocks']") | $(meta d "'%.1f' % (1000 * j['timings']['run'] / 200)") |" \
                    "$(meta d "', '.join('%.1f' % (1000 * x / 200) for x in m['communication_seconds'])") |" \
                    "$(meta d "'%.1f' % (1000 * (j['timings']['run'] - min(m['communication_seconds'])) / 200)") |" \
                    "$(meta d "', '.join('%.3g' % x for x in m['weight_bytes_held'])") |"
            done
        done
    fi
} >"$OUT"
echo "wrote $OUT"

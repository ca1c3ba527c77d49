#!/bin/sh
# make demo: RectiPy's seed QIF example, once through the C API (examples/qif_network.c) and once
# through the rectic command on the same network.
set -e
BUILD=${1:-build}
OUT=results/demo
mkdir -p "$OUT"
echo "== C API: examples/qif_network.c"
"$BUILD/examples/qif_network" "$OUT/api"
echo "== command line: rectic run (same network)"
"$BUILD/rectic" run neuron_model_templates.spiking_neurons.qif.qif --op qif_op \
    --weights "$OUT/api/J.csv" --min-weight 1e-6 \
    --source-var s --target-var s_in --input-var I_ext --output-var s \
    --spike-var spike --spike-def v --dt 1e-3 --inputs "$OUT/api/inp.csv" --record v -o "$OUT/cli" --verbose
if cmp -s "$OUT/api/spikes.csv" "$OUT/cli/spikes.csv" && cmp -s "$OUT/api/out.csv" "$OUT/cli/out.csv"; then
    echo "the C API and the command line agree byte for byte ($OUT/api, $OUT/cli)"
else
    echo "warning: the C API and the command line outputs differ" >&2
    exit 1
fi
echo "== plot: inputs, outputs and spikes (gnuplot)"
if "$BUILD/rectic" plot "$OUT/cli" out --inputs "$OUT/api/inp.csv" -o "$OUT/seed_qif.png"; then
    echo "wrote $OUT/seed_qif.png"
else
    echo "(no plot: the simulation results are complete)"
fi

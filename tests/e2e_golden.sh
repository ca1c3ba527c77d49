#!/usr/bin/env bash
# tests/e2e_golden.sh -- the whole generated source of the seed network, of a rate network and of a small
# network file of two populations (tests/data/golden/ei_net/), compared with golden files.
#
#   RECTIC_BUILD=build ./tests/e2e_golden.sh                  (make test runs it)
#   make golden   (or RECTIC_UPDATE_GOLDEN=1 ./tests/e2e_golden.sh)   rewrite the golden files
#
# The generated C is read by people (`rectic emit`): any change of its text shows here as a diff, and is
# accepted deliberately by rewriting tests/data/golden/ with `make golden` and committing the new files
# with the emitter change that made them.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
BUILD=${RECTIC_BUILD:-build}
RECTIC=$PWD/$BUILD/rectic
case $BUILD in /*) RECTIC=$BUILD/rectic ;; esac
GOLDEN=tests/data/golden
CASE=tests/data/cases/qif_two_runs
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-golden.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
export LC_ALL=C
SEED=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --weights $CASE/weights.csv --source-var s
      --target-var s_in --input-var I_ext --output-var s --spike-var spike --spike-def v --record v)

# same_as_golden NAME EMIT-ARGS...: `rectic emit EMIT-ARGS` equals $GOLDEN/NAME (rewritten when asked)
same_as_golden() {
    local name=$1
    shift
    "$RECTIC" emit "$@" -o "$TMP/$name" || { echo "rectic emit $* failed"; return 1; }
    if [ "${RECTIC_UPDATE_GOLDEN:-}" = 1 ]; then
        cp "$TMP/$name" "$GOLDEN/$name" && echo "rewrote $GOLDEN/$name"
        return
    fi
    [ -f "$GOLDEN/$name" ] || { echo "no $GOLDEN/$name: make golden writes it"; return 1; }
    diff -u "$GOLDEN/$name" "$TMP/$name" | head -80 || true
    cmp -s "$GOLDEN/$name" "$TMP/$name" ||
        { echo "the generated source differs from $GOLDEN/$name (diff above, - golden, + now); if the change" \
               "is meant, run make golden and commit the new file"; return 1; }
}

test_seed_c_kernel_matches_golden_file() {
    same_as_golden seed_qif.c "${SEED[@]}"
}

test_seed_float32_kernel_matches_golden_file() {
    same_as_golden seed_qif_float32.c "${SEED[@]}" --dtype float32
}

test_seed_cuda_kernels_match_golden_file() {
    same_as_golden seed_qif.cu "${SEED[@]}" --target cuda
}

test_rate_network_kernel_matches_golden_file() {
    same_as_golden li_tanh.c neuron_model_templates.rate_neurons.leaky_integrator.tanh -N 3 \
        --source-var tanh_op/r --target-var li_op/r_in --input-var li_op/I_ext --output-var li_op/v --dt 1e-2
}

# the network file's kernels: two templates; dense, sparse, scalar and delayed projections
NET=(tests/data/golden/ei_net/network.yaml --dt 1e-3 --steps 10 --record E/v)

test_network_file_kernel_matches_golden_file() {
    same_as_golden ei_net.c "${NET[@]}"
}

test_network_file_sparse_kernel_matches_golden_file() {
    same_as_golden ei_net_sparse.c "${NET[@]}" --coupling sparse --output-var I/s --sampling-steps 2 --sampling-mode mean
}

test_network_file_cuda_kernels_match_golden_file() {
    same_as_golden ei_net.cu "${NET[@]}" --target cuda
}

# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

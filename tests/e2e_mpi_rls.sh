#!/usr/bin/env bash
# tests/e2e_mpi_rls.sh -- end-to-end tests of the readout's training under `mpirun -np P` (issue 18): `fit rls`
# with FORCE feedback on a template (sparse coupling, the output a subset of units in mixed order, spanning the
# ranks), on a network file (the input layer's population fed back, another population recorded) and on a
# spiking QIF network (event-driven coupling), `run` with feedback and a trained readout from a saved state,
# and `fit ridge` (with OpenBLAS's thread count left to rectic, and --threads 2) write every data file (all but
# meta.json) and the state files byte-identical to one process for P = 1..4; meta.json's
# readout_bytes_received is 8 bytes per output column of another rank a step.
#
#   RECTIC_BUILD=build ./tests/e2e_mpi_rls.sh      (make test runs it; skipped where mpirun is missing)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"
# shellcheck source=tests/mpi_lib.sh
. tests/mpi_lib.sh # need_tools

# a leaky-integrator tanh reservoir of 40 units with sparse coupling (J40.csv of data), read out from r = tanh(v),
# which crosses to every rank within each step, or from v, which crosses only at the end of a block of steps
RATE=("$LI" --weights J40.csv --coupling sparse --source-var tanh_op/r --target-var li_op/r_in
      --input-var li_op/I_ext --set li_op/tau=0.1 --dt 0.01 --backend tcc -q)

# data: J40.csv (40 x 40, ~30% non-zero, spectral radius 0.9), w_in40.csv (40 x 2), fb40.csv (40 x 2),
# x.csv (600 x 2 inputs), y.csv (600 x 2 targets), idx.csv (12 of the 40 units in mixed order: the output),
# and ei.yaml: populations E (24 units: the input layer's, the readout's and the feedback's) and I (12, an
# input variable too) with fb_e.csv (24 x 2); ei_v.yaml reads E's v out, not r.  A QIF network of 60 units
# that spikes: Jq.csv (~20% non-zero), eta.csv, fbq.csv (60 x 1), yq.csv (1000 targets).  A reservoir of 150
# units for ridge: J150.csv, w_in150.csv, x7.csv (700 x 2), y7.csv (700 x 3).
data() {
    py <<'EOF'
import numpy as np, yaml
rng = np.random.RandomState(41)
n = 40
J = rng.randn(n, n) * (rng.rand(n, n) < 0.3)
J *= 0.9 / max(abs(np.linalg.eigvals(J)))
np.savetxt("J40.csv", J, delimiter=",", fmt="%r")
for name, shape in (("w_in40", (n, 2)), ("fb40", (n, 2)), ("fb_e", (24, 2))):
    np.savetxt(name + ".csv", rng.uniform(-1, 1, shape), delimiter=",", fmt="%r")
u = 3 * np.convolve(rng.uniform(-1, 1, 600), np.ones(5) / 5, mode="same")
s = np.sin(np.arange(600) * 0.05)
np.savetxt("x.csv", np.stack([u, s], 1), delimiter=",", fmt="%r")
np.savetxt("y.csv", np.stack([np.roll(u, 2), np.roll(s, 10)], 1), delimiter=",", fmt="%r")
np.savetxt("idx.csv", [[33, 2, 17, 5, 38, 11, 24, 0, 29, 14, 21, 8]], delimiter=",", fmt="%d")
ne, ni, li = 24, 12, "neuron_model_templates.rate_neurons.leaky_integrator.tanh"
Jei = rng.randn(ne + ni, ne + ni) / np.sqrt(ne + ni)
Jei[:, ne:] = -abs(Jei[:, ne:])
parts = {"EE": Jei[:ne, :ne], "EI": Jei[:ne, ne:], "IE": Jei[ne:, :ne], "II": Jei[ne:, ne:]}
for name, a in parts.items():
    np.savetxt("J_%s.csv" % name, a, delimiter=",", fmt="%r")
np.savetxt("w_in_e.csv", rng.uniform(-1, 1, (ne, 2)), delimiter=",", fmt="%r")
np.savetxt("zeros_e.csv", np.zeros((2, ne)), delimiter=",")
pops = {"E": {"template": li, "n": ne, "set": {"li_op/tau": 0.1}},
        "I": {"template": li, "n": ni, "input": "li_op/I_ext", "set": {"li_op/tau": 0.1}}}
projs = [{"source": "%s/tanh_op/r" % s, "target": "%s/li_op/r_in" % t, "weights": "J_%s%s.csv" % (t, s)}
         for t in "EI" for s in "EI"]
yaml.safe_dump({"populations": pops, "projections": projs,
                "input_layer": {"target": "E/li_op/I_ext", "weights": "w_in_e.csv"},
                "readout": {"source": "E/tanh_op/r", "weights": "zeros_e.csv"}}, open("ei.yaml", "w"))
yaml.safe_dump({"populations": pops, "projections": projs,
                "input_layer": {"target": "E/li_op/I_ext", "weights": "w_in_e.csv"},
                "readout": {"source": "E/li_op/v", "weights": "zeros_e.csv"}}, open("ei_v.yaml", "w"))
n = 60
np.savetxt("Jq.csv", 15 / np.sqrt(0.2 * n) * rng.randn(n, n) * (rng.rand(n, n) < 0.2), delimiter=",", fmt="%r")
np.savetxt("eta.csv", rng.uniform(-2, 2, n), fmt="%r")
np.savetxt("fbq.csv", rng.uniform(-2, 2, (n, 1)), delimiter=",", fmt="%r")
np.savetxt("yq.csv", np.sin(np.pi * np.arange(1000) * 0.005), fmt="%r")
n = 150
J = rng.randn(n, n)
np.savetxt("J150.csv", J * 0.9 / max(abs(np.linalg.eigvals(J))), delimiter=",", fmt="%r")
np.savetxt("w_in150.csv", rng.uniform(-1, 1, (n, 2)), delimiter=",", fmt="%r")
u = np.convolve(rng.uniform(-1, 1, 700), np.ones(5) / 5, mode="same")
np.savetxt("x7.csv", np.stack([u, np.sin(np.arange(700) * 0.05)], 1), delimiter=",", fmt="%r")
np.savetxt("y7.csv", np.stack([np.roll(u, 2), u * u, np.cos(np.arange(700) * 0.05)], 1), delimiter=",", fmt="%r")
EOF
}

# ranks "P..." ARGS...: `rectic ARGS... -o one` in one process, then on each P ranks into pP/; fails the test
# when a run fails or pP/ holds other files or other bytes than one/ (meta.json aside).
ranks() {
    local p ps=$1
    shift
    rr "$@" -o one
    for p in $ps; do
        mpirun --oversubscribe -np "$p" "$RECTIC" "$@" -o "p$p" >mpi.out 2>mpi.err ||
            fail "mpirun -np $p rectic $* -> exit $?: $(head -c 800 mpi.err)"
        diff -rq -x meta.json one "p$p" >diff.out || fail "$p ranks against one process: $(head -c 400 diff.out)"
    done
}

# readout_bytes META UNITS STEPS: meta.json's readout_bytes_received are, on every rank, 8 bytes a step for
# each of the output's units outside the rank's block (UNITS: a CSV row of them, with the blocks in meta.json;
# or a count, all of a population's units in equal blocks).
readout_bytes() {
    py "$@" <<'EOF'
import json, sys
mpi = json.load(open(sys.argv[1]))["mpi"]
steps, P = int(sys.argv[3]), mpi["ranks"]
if sys.argv[2].isdigit():
    n = int(sys.argv[2])
    units, starts = range(n), [r * (n // P) + min(r, n % P) for r in range(P + 1)]
    blocks = list(zip(starts, starts[1:]))
else:
    units, blocks = [int(u) for u in open(sys.argv[2]).read().split(",")], mpi["blocks"]
want = [8 * steps * sum(not (lo <= u < hi) for u in units) for lo, hi in blocks]
got = mpi.get("readout_bytes_received", [0] * P)
assert got == want, (sys.argv[1], got, want)
EOF
}

test_fit_rls_with_feedback_on_a_subset_output_is_one_process_bytes() {
    need_tools
    in_workdir
    data
    local fit=(fit rls "${RATE[@]}" --output-var tanh_op/r --inputs x.csv --input-weights w_in40.csv --targets y.csv
               --feedback-weights fb40.csv --record out@idx.csv --record li_op/v --alpha 0.5 --beta 0.99
               --update-every 2 --train-steps 450)
    ranks "1 2 3 4" "${fit[@]}" --save-state state.npz
    [ "$(wc -l <one/error.csv)" = 225 ] || fail "error.csv: $(wc -l <one/error.csv) rows (expected 225 updates)"
    for p in 1 2 3 4; do
        readout_bytes "p$p/meta.json" idx.csv 600
    done
    # the state (P, W, ŷ of the last step) saved by 4 ranks is one process's, and 3 ranks go on from it as one
    # process does
    cp state.npz state4.npz
    rr "${fit[@]}" --save-state state1.npz -o again
    cmp -s state1.npz state4.npz || fail "the state saved by 4 ranks differs from one process's"
    rm -rf one p3
    ranks 3 run "${RATE[@]}" --output-var tanh_op/r --inputs x.csv --input-weights w_in40.csv \
        --feedback-weights fb40.csv --record out@idx.csv --readout-weights again/readout.csv --load-state state1.npz
    # training alone: blocks of many steps, after which the other ranks' columns of their rows cross at once
    rm -rf one p*
    ranks "2 3" fit rls "${RATE[@]}" --output-var li_op/v --inputs x.csv --input-weights w_in40.csv --targets y.csv \
        --alpha 0.5 --update-every 3
    readout_bytes p3/meta.json 40 600
}

test_feedback_into_a_network_file_population_is_one_process_bytes() {
    need_tools
    in_workdir
    data
    local rls=(--inputs x.csv --feedback-weights fb_e.csv --targets y.csv --alpha 0.5 --update-every 2
               --train-steps 450 --dt 0.01 --record I/li_op/v -q)
    ranks "1 2 3 4" fit rls ei.yaml "${rls[@]}" --save-state ei.npz
    for p in 2 3 4; do
        readout_bytes "p$p/meta.json" 24 600
    done
    grep -q '"feedback_population": "E"' p3/meta.json || fail "meta.json: $(grep feedback p3/meta.json)"
    mv one fit
    rm -rf p*
    ranks "2 3" run ei.yaml --inputs x.csv --feedback-weights fb_e.csv --load-state ei.npz \
        --readout-weights fit/readout.csv --dt 0.01 --record I/li_op/v -q
    rm -rf one p*
    ranks "2 3" fit rls ei_v.yaml --inputs x.csv --targets y.csv --alpha 0.5 --update-every 2 --dt 0.01 -q
    readout_bytes p3/meta.json 24 600
}

test_force_on_a_spiking_network_with_event_coupling_is_one_process_bytes() {
    need_tools
    in_workdir
    data
    ranks "2 3" fit rls neuron_model_templates.spiking_neurons.qif.qif --op qif_op --weights Jq.csv --coupling event \
        --source-var s --target-var s_in --input-var I_ext --output-var s --spike-var spike --spike-def v \
        --set eta=@eta.csv --set tau_s=2 --dt 0.005 --feedback-weights fbq.csv --targets yq.csv --update-every 10 \
        --record-spikes -q
    [ "$(wc -l <one/spikes.csv)" -gt 50 ] || fail "only $(wc -l <one/spikes.csv) spikes"
    readout_bytes p3/meta.json 60 1000
}

test_fit_ridge_is_one_process_bytes_whatever_the_cpus_of_a_rank() {
    need_tools
    in_workdir
    data # (150 units: OpenBLAS's dposv threads from ~100, where a rank bound to one core would use one thread;
         # a machine of one core cannot tell)
    unset OPENBLAS_NUM_THREADS
    local fit=(fit ridge "$LI" --weights J150.csv --source-var tanh_op/r --target-var li_op/r_in --input-var li_op/I_ext
               --output-var tanh_op/r --set li_op/tau=0.1 --dt 0.01 --inputs x7.csv --input-weights w_in150.csv
               --targets y7.csv --washout 20 --backend tcc -q)
    ranks "1 2 3" "${fit[@]}"
    [ -s p3/readout.csv ] && [ -s p3/y_fit.csv ] || fail "no readout.csv or y_fit.csv"
    rm -rf one p2
    ranks 2 "${fit[@]}" --threads 2
}

run_tests

#!/usr/bin/env bash
# tests/e2e_mpi_finite.sh -- end-to-end tests of the numerical guard under `mpirun -np P rectic ...`: each rank
# checks only its own units' state at the end of a block of steps and the ranks agree with one MPI max, the
# whole state crossing only to replay a block that went non-finite, at checkpoints and at a run's end.  A QIF
# state that blows up (no spike reset: v' = v^2 + eta) first in neurons 5 and 8 (rank 1 of 2; ranks 1 and 2
# of 3), after the first block of 4096 steps, gives one process's message (neuron 5), exit status 3 and output
# bytes on 2 and 3 ranks: a template's run, `fit rls` with FORCE feedback (one step per block) and a network
# file's population.  A feedback run's ranks other than 0 receive, besides the exchanges between steps, the
# two 4-byte agreements of every block and the state once (meta.json's gather_bytes_received), not the state
# after every step.
#
#   RECTIC_BUILD=build ./tests/e2e_mpi_finite.sh      (make test runs it; skipped where mpirun is missing)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"
# shellcheck source=tests/mpi_lib.sh
. tests/mpi_lib.sh # need_tools, meta

QIF=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op -N 9 --input-var I_ext --output-var v --set v=-1
     --spike-var spike --spike-def v --spike-threshold 1e300 --dt 1e-3 --record v -q)

# data: eta.csv (9 values: -5, a stable fixed point, but 0.3 for neurons 5 and 8, which blow up after step 5000),
# eta_ok.csv (all -5), fb.csv (9 x 1 feedback weights), y.csv (8000 targets) and net.yaml (population A of 4
# stable units feeding B of 9 with eta.csv).
data() {
    py <<'EOF'
import numpy as np
eta = np.full(9, -5.0)
eta[[5, 8]] = 0.3
np.savetxt("eta.csv", eta, fmt="%r")
np.savetxt("eta_ok.csv", np.full(9, -5.0), fmt="%r")
np.savetxt("fb.csv", np.full((9, 1), 0.01), delimiter=",", fmt="%r")
np.savetxt("y.csv", np.sin(np.arange(8000) * 0.01), fmt="%r")
open("net.yaml", "w").write("""populations:
  A: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 4, input: I_ext, set: {eta: -5, v: -1}}
  B: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 9,
      spike: {var: spike, def: v, threshold: 1.0e+300, reset: -1}, set: {eta: "@eta.csv", v: -1}}
projections:
  - {source: A/v, target: B/s_in, weight: 0.01}
""")
EOF
}

# after_first_block MESSAGE START: MESSAGE starts with START, names neuron 5 and a step after the first block.
after_first_block() {
    local step=${1#*became infinite at step }
    step=${step%% *}
    case $1 in "$2 became infinite at step "*"neuron 5, variable qif_op/v"*) ;; *) fail "one process said: $1" ;; esac
    [ "$step" -gt 4096 ] || fail "the state blew up in the first block: $1"
}

# stops_as_one START ARGS...: `rectic ARGS... -o one` in one process exits 3 with a message that starts with
# START and names neuron 5 after the first block; on 2 and 3 ranks (into p2/, p3/) the exit status, the message
# and every output file but meta.json are the same.
stops_as_one() {
    local p rc want start=$1
    shift
    "$RECTIC" "$@" -o one >one.out 2>one.err
    rc=$?
    [ $rc = 3 ] || fail "one process: exit status $rc (expected 3): $(head -c 400 one.err)"
    want=$(grep '^rectic:' one.err)
    after_first_block "$want" "$start"
    for p in 2 3; do
        mpirun --oversubscribe -np "$p" "$RECTIC" "$@" -o "p$p" >mpi.out 2>mpi.err
        rc=$?
        [ $rc = 3 ] || fail "$p ranks: exit status $rc (expected 3): $(head -c 600 mpi.err)"
        [ "$(grep '^rectic:' mpi.err)" = "$want" ] || fail "$p ranks said: $(grep '^rectic:' mpi.err | head -c 600)"
        diff -rq -x meta.json one "p$p" >diff.out || fail "$p ranks against one process: $(head -c 400 diff.out)"
    done
}

test_nonfinite_state_on_another_rank_stops_as_one_process() {
    need_tools
    in_workdir
    data
    stops_as_one "rectic: the state" run "${QIF[@]}" --set eta=@eta.csv --steps 8000
}

test_nonfinite_state_with_feedback_stops_as_one_process() {
    need_tools
    in_workdir
    data
    stops_as_one "rectic: the state" fit rls "${QIF[@]}" --set eta=@eta.csv --targets y.csv --feedback-weights fb.csv
}

test_nonfinite_population_state_on_another_rank_stops_as_one_process() {
    need_tools
    in_workdir
    data
    stops_as_one "rectic: population B: the state" run net.yaml --dt 1e-3 --steps 8000 --record B/v -q
}

test_feedback_run_does_not_exchange_the_state_every_step() {
    need_tools
    in_workdir
    data
    local fit=(fit rls "${QIF[@]}" --set eta=@eta_ok.csv --targets y.csv --feedback-weights fb.csv)
    rr "${fit[@]}" -o one
    mpirun --oversubscribe -np 3 "$RECTIC" "${fit[@]}" -o p3 >mpi.out 2>mpi.err ||
        fail "mpirun -np 3 rectic ${fit[*]} -> exit $?: $(head -c 600 mpi.err)"
    diff -rq -x meta.json one p3 >diff.out || fail "3 ranks against one process: $(head -c 400 diff.out)"
    # 8000 one-step blocks: their finiteness and stop agreements (4 bytes each), and the 9 units' state at most
    # a few times; the state after every step would be 8000 x 6 x 8 bytes more
    meta p3 'all(g <= 8 * 8000 + 4 * 9 * 8 for g in m["gather_bytes_received"][1:])'
}

run_tests

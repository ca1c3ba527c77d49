#!/usr/bin/env bash
# tests/e2e_state.sh -- end-to-end tests of state checkpoints (issue 16 scope 3): a run of T1 + T2 steps equals
# a run of T1 steps with --save-state followed by a run of T2 steps with --load-state (input rows T1.. of the
# first run's input), byte for byte in every data file (spiking, rate with layers, event-driven, float32 and
# .npy, sampling by picks and means, a cutoff, both kernels); a run stopped by a signal saves its state and
# resumes; --checkpoint-every; NumPy reads the state; a fit's state continues into the test of its readout;
# every bad input named, nothing written.
#
#   RECTIC_BUILD=build ./tests/e2e_state.sh      (make test runs it)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"

TWO=$ROOT/tests/data/cases/qif_two_runs # the seed example's first 6000 steps (N=5, dt=1e-3)
QIF=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in --input-var I_ext
     --output-var s --spike-var spike --spike-def v --weights "$TWO/weights.csv" --record v -q)

# split T1 FILE ARGS...: runs ARGS over FILE's rows whole (whole/), then rows 1..T1 with --save-state (p1/) and
# the rest with --load-state (p2/); every data file of p1 followed by p2's is whole's, byte for byte (CSV), or
# the same array (.npy).
split() {
    local t1=$1 in=$2 f b
    shift 2
    rr run "$@" --inputs "$in" -o whole
    head -n "$t1" "$in" >first.csv
    tail -n +"$((t1 + 1))" "$in" >rest.csv
    rr run "$@" --inputs first.csv --save-state state.npz -o p1
    rr run "$@" --inputs rest.csv --load-state state.npz -o p2
    for f in whole/*.csv; do
        [ -e "$f" ] || continue
        b=$(basename "$f")
        cat "p1/$b" "p2/$b" | cmp -s - "$f" || fail "$b: the split run differs from the whole ($*)"
    done
    if ls whole/*.npy >/dev/null 2>&1; then
        py <<'EOF'
import glob, os, numpy as np
for f in sorted(glob.glob("whole/*.npy")):
    b = os.path.basename(f)
    w, a, c = np.load(f), np.load("p1/" + b), np.load("p2/" + b)
    j = np.concatenate([a, c])
    assert j.dtype == w.dtype and j.shape == w.shape and (j.view(np.uint8) == w.view(np.uint8)).all(), b
EOF
    fi
    [ -n "$(ls whole)" ] || fail "nothing written"
}

test_split_spiking_run_equals_the_whole_byte_for_byte() {
    in_workdir
    split 3001 "$TWO/inputs.csv" "${QIF[@]}" --backend tcc
    split 2999 "$TWO/inputs.csv" "${QIF[@]}" --backend tcc --sampling-steps 7 --cutoff 100
    split 3001 "$TWO/inputs.csv" "${QIF[@]}" --backend tcc --sampling-steps 10 --sampling-mode mean
    split 2000 "$TWO/inputs.csv" "${QIF[@]}" --backend tcc --coupling event
}

test_split_float32_npy_run_with_the_cc_kernel_equals_the_whole() {
    in_workdir
    need_numpy
    command -v cc >/dev/null || skip "no C compiler (cc)"
    export XDG_CACHE_HOME=$PWD/cache
    split 1234 "$TWO/inputs.csv" "${QIF[@]}" --backend cc --dtype float32 --format npy --sampling-steps 3
}

test_split_rate_run_with_layers_equals_the_whole() {
    in_workdir
    need_numpy
    make_data
    split 250 x.csv "${RES[@]}" --input-weights w_in.csv --readout-weights w_out3.csv --readout-activation softmax \
        --record li_op/v -q
}

test_the_state_is_a_numpy_npz_with_fixed_bytes() {
    in_workdir
    need_numpy
    head -n 1001 "$TWO/inputs.csv" >in.csv
    rr run "${QIF[@]}" --inputs in.csv --save-state a.npz -o r1 --sampling-steps 3 --sampling-mode mean
    sleep 1 # another second: the archive's timestamps do not change
    rr run "${QIF[@]}" --inputs in.csv --save-state b.npz -o r2 --sampling-steps 3 --sampling-mode mean
    cmp -s a.npz b.npz || fail "two saves of the same state differ"
    py <<'EOF'
import numpy as np, zipfile
z = np.load("a.npz")
assert sorted(z.files) == ["rectic_state", "sampling/count", "sampling/sum", "state/qif_op/s", "state/qif_op/v",
                           "step"], z.files
assert int(z["step"]) == 1001 and z["state/qif_op/v"].shape == (5,) and z["state/qif_op/v"].dtype == np.float64
assert int(z["sampling/count"]) == 1  # step 1000, summed since the row of step 999
text = z["rectic_state"][()].decode()
assert "dt: 0.001" in text and "population (the template): 5 units, state qif_op/v qif_op/s" in text, text
assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zipfile.ZipFile("a.npz").infolist())
EOF
}

test_a_state_written_by_numpy_is_loaded() {
    in_workdir
    need_numpy
    head -n 500 "$TWO/inputs.csv" >in.csv
    rr run "${QIF[@]}" --inputs in.csv --save-state s.npz -o r
    py <<'EOF'
import numpy as np
z = dict(np.load("s.npz"))
z["state/qif_op/v"] = np.full(5, -1.5)
np.savez("edited.npz", **z)
EOF
    rr run "${QIF[@]}" --steps 1 --load-state edited.npz -o e
    [ "$(cat e/v.csv)" = "-1.5,-1.5,-1.5,-1.5,-1.5" ] || fail "v of the edited state: $(cat e/v.csv)"
    [ "$(cat e/time.csv)" = "0.5" ] || fail "time.csv: $(cat e/time.csv) (the step counter goes on from 500)"
}

test_set_overrides_the_loaded_state() {
    in_workdir
    head -n 500 "$TWO/inputs.csv" >in.csv
    rr run "${QIF[@]}" --inputs in.csv --save-state s.npz -o r
    rr run "${QIF[@]}" --steps 1 --load-state s.npz --set v=7 --set eta=-4 -o e
    [ "$(cat e/v.csv)" = "7,7,7,7,7" ] || fail "v: $(cat e/v.csv)"
}

# A long run stopped by SIGTERM writes its steps and saves its state; resumed from there with the rest of the
# input, the two runs together equal the whole.
test_a_run_stopped_by_a_signal_saves_its_state_and_resumes() {
    in_workdir
    local args=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --input-var I_ext --output-var s
                --spike-var spike --spike-def v -N 2000 --set eta=4 --backend tcc -q --sampling-steps 50)
    "$RECTIC" run "${args[@]}" --steps 20000000 --save-state s.npz -o part1 2>err.txt &
    local pid=$!
    sleep 1.5
    kill -TERM "$pid"
    wait "$pid"
    local rc=$?
    [ "$rc" = 143 ] || fail "exit status $rc after SIGTERM (expected 143): $(cat err.txt)"
    [ -f s.npz ] || fail "no state saved"
    local stopped
    stopped=$(python3 -c 'import json; print(json.load(open("part1/meta.json"))["steps_done"])')
    [ "$stopped" -gt 0 ] || fail "steps_done $stopped"
    rr run "${args[@]}" --steps 3000 --load-state s.npz -o part2
    rr run "${args[@]}" --steps $((stopped + 3000)) -o whole
    local f
    for f in out.csv time.csv spikes.csv; do
        cat "part1/$f" "part2/$f" | cmp -s - "whole/$f" || fail "$f: stopped + resumed differs from the whole"
    done
}

# --checkpoint-every K saves at every multiple of K: the last checkpoint of a run killed without warning resumes
# it, and equals a state saved at that step.
test_checkpoint_every_saves_a_state_to_resume_from() {
    in_workdir
    rr run "${QIF[@]}" --inputs "$TWO/inputs.csv" --checkpoint-every 2000 --save-state ck.npz -o all
    head -n 4000 "$TWO/inputs.csv" >first.csv
    rr run "${QIF[@]}" --inputs first.csv --save-state at4000.npz -o p1
    rr run "${QIF[@]}" --inputs "$TWO/inputs.csv" --steps 5000 --checkpoint-every 2000 --save-state ck2.npz -o p
    # ck2.npz was last written at the end (step 5000); the one at step 4000 is the same as a save there
    rr run "${QIF[@]}" --inputs first.csv --checkpoint-every 4000 --save-state ck3.npz -o p3
    cmp -s ck3.npz at4000.npz || fail "the checkpoint at step 4000 differs from a save there"
    tail -n +4001 "$TWO/inputs.csv" >rest.csv
    rr run "${QIF[@]}" --inputs rest.csv --load-state at4000.npz -o p2
    local f
    for f in out.csv v.csv time.csv spikes.csv; do
        cat "p1/$f" "p2/$f" | cmp -s - "all/$f" || fail "$f: resumed from the checkpoint differs"
    done
}

# Scope 4: fit on training inputs, save the state, test the readout from where training left off.
test_a_fit_continues_into_the_test_of_its_readout() {
    in_workdir
    need_numpy
    make_data
    rr fit ridge "${RES[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv --bias --save-state train.npz \
        -o fit
    rr run "${RES[@]}" --load-state train.npz --input-weights w_in.csv --readout-weights fit/readout.csv \
        --inputs x_test.csv --targets y_test.csv -o test
    [ "$(head -1 test/time.csv)" = "6" ] || fail "time.csv starts at $(head -1 test/time.csv), expected 6 (step 600)"
    # the same as one run over training and test inputs with the readout
    cat x.csv x_test.csv >both.csv
    rr run "${RES[@]}" --input-weights w_in.csv --readout-weights fit/readout.csv --inputs both.csv -o both
    tail -n 400 both/out.csv | cmp -s - test/out.csv || fail "the test's predictions differ from one run's"
    "$SYSPY" "$REF" score test/out.csv y_test.csv -o score.json || fail "ridgeref score"
    py test/meta.json score.json <<'EOF'
import json, sys
m, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = m["test"]
assert t["rows"] == 400 and m["first_step"] == 600, (t, m["first_step"])
assert abs(t["nrmse_mean"] - r["nrmse_mean"]) <= 1e-12 * r["nrmse_mean"], (t, r)
EOF
}

# A network file of two spiking populations with delayed projections, driven through --input, split at a
# step that is not a multiple of the sampling steps: the parts equal the whole, byte for byte.
test_split_delayed_network_run_equals_the_whole() {
    in_workdir
    need_numpy
    py <<'EOF'
import numpy as np
rng = np.random.RandomState(5)
np.savetxt("w_ea.csv", rng.uniform(0, 8, (4, 5)), delimiter=",", fmt="%r")
np.savetxt("w_ae.csv", rng.uniform(-3, 0, (5, 4)), delimiter=",", fmt="%r")
np.savetxt("in_a.csv", 150 + 60 * rng.uniform(-1, 1, (2000, 5)), delimiter=",", fmt="%r")
open("net.yaml", "w").write("""populations:
  A: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 5, input: I_ext,
      spike: {var: spike, def: v}}
  B: {template: neuron_model_templates.spiking_neurons.lif.lif, op: lif_op, n: 4,
      spike: {var: spike, def: v, threshold: 1, reset: 0}, set: {eta: 3}}
projections:
  - {source: A/s, target: B/s_in, weights: w_ea.csv, delay: 0.0025}
  - {source: B/s, target: A/s_in, weights: w_ae.csv, delay: 0.003}
  - {source: A/s, target: A/s_in, weight: 0.5}
""")
EOF
    local args=(net.yaml --dt 1e-3 --record Av=A/v --record Bs=B/s --output-var A/s --sampling-steps 3 -q)
    rr run "${args[@]}" --input A/I_ext=in_a.csv -o whole
    head -n 1001 in_a.csv >first.csv
    tail -n +1002 in_a.csv >rest.csv
    rr run "${args[@]}" --input A/I_ext=first.csv --save-state s.npz -o p1
    rr run "${args[@]}" --input A/I_ext=rest.csv --load-state s.npz -o p2
    local f b
    for f in whole/*.csv; do
        b=$(basename "$f")
        cat "p1/$b" "p2/$b" | cmp -s - "$f" || fail "$b: the split network run differs from the whole"
    done
    [ -s whole/spikes_B.csv ] || fail "B never spiked: the delayed projections carry nothing"
    py <<'EOF'
import numpy as np
z = np.load("s.npz")
assert z["projection/0/ring"].shape == (3, 5) and z["projection/1/ring"].shape == (4, 4), z.files
assert "state/A/qif_op/v" in z.files and "state/B/lif_op/v" in z.files, z.files
EOF
}

# A network file with input_layer: and readout: runs as the template with the same flags; fit ridge and the
# test of its readout work on a network file too (--inputs feeds the input layer's population).
test_network_file_layers_fit_and_test() {
    in_workdir
    need_numpy
    make_data
    cat >net.yaml <<'EOF'
populations:
  P: {template: neuron_model_templates.rate_neurons.leaky_integrator.tanh, n: 30, set: {li_op/tau: 0.1}}
projections:
  - {source: P/tanh_op/r, target: P/li_op/r_in, weights: J.csv}
input_layer: {target: P/li_op/I_ext, weights: w_in.csv}
EOF
    rr fit ridge net.yaml --dt 0.01 --output-var P/li_op/v --inputs x.csv --targets y.csv --bias \
        --save-state net.npz -o nfit -q
    rr fit ridge "${RES[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv --bias --save-state t.npz -o tfit
    close nfit/readout.csv tfit/readout.csv 1e-9
    { cat net.yaml; echo "readout: {source: P/li_op/v, weights: nfit/readout.csv}"; } >net_ro.yaml
    rr run net_ro.yaml --dt 0.01 --load-state net.npz --inputs x_test.csv --targets y_test.csv -o ntest -q
    rr run "${RES[@]}" --load-state t.npz --input-weights w_in.csv --readout-weights tfit/readout.csv \
        --inputs x_test.csv --targets y_test.csv -o ttest
    close ntest/out.csv ttest/out.csv 1e-9
    python3 -c 'import json; t = json.load(open("ntest/meta.json"))["test"]; assert t["rows"] == 400, t' ||
        fail "ntest/meta.json has no test object"
    bad "--output-var P/li_op/v" "records P/li_op/v as the output already" -- run net_ro.yaml --dt 0.01 \
        --inputs x.csv --output-var P/li_op/v
    bad "--input-weights: not for a network file" -- run net.yaml --dt 0.01 --inputs x.csv --input-weights w_in.csv \
        --output-var P/li_op/v
    bad "--input P/li_op/I_ext=J.csv" "expected 2 (the columns of the input layer" -- run net.yaml --dt 0.01 \
        --input P/li_op/I_ext=J.csv --output-var P/li_op/v
}

test_bad_state_flags_are_named() {
    in_workdir
    head -n 500 "$TWO/inputs.csv" >in.csv
    rr run "${QIF[@]}" --inputs in.csv --save-state s.npz -o r
    bad "--load-state s.npz" "a state of another model: dt: the state has 'dt: 0.001', this network 'dt: 0.002'" -- \
        run "${QIF[@]}" --inputs in.csv --dt 0.002 --load-state s.npz
    bad "--load-state s.npz" "dtype" -- run "${QIF[@]}" --inputs in.csv --dtype float32 --load-state s.npz
    bad "--load-state missing.npz" "cannot open" -- run "${QIF[@]}" --inputs in.csv --load-state missing.npz
    bad "--load-state in.csv" "not a .npz file" -- run "${QIF[@]}" --inputs in.csv --load-state in.csv
    bad "--checkpoint-every" "--save-state FILE too" -- run "${QIF[@]}" --inputs in.csv --checkpoint-every 10
    bad "--checkpoint-every" "'0'" -- run "${QIF[@]}" --inputs in.csv --checkpoint-every 0 --save-state x.npz
    bad "--save-state nodir/s.npz" "cannot write into nodir" -- run "${QIF[@]}" --inputs in.csv --save-state nodir/s.npz
    bad "--save-state: only \`rectic run\` and \`rectic fit\` take it" -- emit "${QIF[@]}" --save-state x.npz
    bad "--cutoff 1000" "steps 500 to 899" -- run "${QIF[@]}" --inputs in.csv --load-state s.npz --cutoff 1000 --steps 400
}

run_tests

#!/usr/bin/env bash
# tests/e2e_rls.sh -- end-to-end tests of issue 17's commands against tests/rlsref.py, the NumPy reference of
# the RLS update (SEMANTICS §10) and of FORCE feedback: `rectic fit rls` (out = ŷ per step, error.csv,
# readout.csv, meta.json's "fit" object, the state that resumes training), `rectic run --feedback-weights`,
# network files (FORCE feedback into one population of them), the FORCE task of examples/force_sine.c (a QIF network learns a sine; the untrained one does
# not), and every bad input (a message naming the flag or file, a non-zero exit, the previous outputs intact).
#
#   RECTIC_BUILD=build ./tests/e2e_rls.sh      (make test runs it)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# Needs /usr/bin/python3 with numpy and PyYAML (skipped without them).
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"
RLSREF=$ROOT/tests/rlsref.py

# the reservoir of make_data with its rates tanh(v) as the readout's x (rlsref.py simulate's network)
NET=("$LI" --weights J.csv --source-var tanh_op/r --target-var li_op/r_in --input-var li_op/I_ext
     --output-var tanh_op/r --set li_op/tau=0.1 --dt 0.01 --backend tcc)

# make_fb: fb.csv (30 x 2, feedback weights), w0.csv (2 x 30, a starting readout), x1.csv (600 x 1 inputs)
make_fb() {
    py <<'EOF'
import numpy as np
rng = np.random.RandomState(17)
np.savetxt("fb.csv", rng.uniform(-1, 1, (30, 2)), delimiter=",", fmt="%r")
np.savetxt("w0.csv", 0.1 * rng.uniform(-1, 1, (2, 30)), delimiter=",", fmt="%r")
np.savetxt("x1.csv", rng.uniform(-0.5, 0.5, (600, 1)), delimiter=",", fmt="%r")
EOF
}

# same A B: the files are byte for byte equal.
same() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ"
}

# ----------------------------------------------------------------------------------- against the reference

test_fit_rls_with_feedback_matches_rlsref() {
    in_workdir
    need_numpy
    make_data
    make_fb
    local opts=(--alpha 0.5 --beta 0.999 --update-every 2 --train-steps 450)
    rr fit rls "${NET[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv --feedback-weights fb.csv \
        "${opts[@]}" -o fit
    "$SYSPY" "$RLSREF" simulate --weights J.csv --tau 0.1 --dt 0.01 --inputs x.csv --input-weights w_in.csv \
        --targets y.csv --feedback-weights fb.csv "${opts[@]}" -o ref || fail "rlsref simulate"
    close fit/out.csv ref/out.csv 1e-10
    close fit/error.csv ref/error.csv 1e-10
    close fit/readout.csv ref/readout.csv 1e-10
    [ "$(wc -l <fit/error.csv)" = 225 ] || fail "error.csv: $(wc -l <fit/error.csv) rows, expected 225 (steps 0, 2 .. 448)"
    # plain inputs (one column, every neuron alike) and a starting readout
    rr fit rls "${NET[@]}" --inputs x1.csv --targets y.csv --feedback-weights fb.csv --readout-weights w0.csv -o fit1
    "$SYSPY" "$RLSREF" simulate --weights J.csv --tau 0.1 --dt 0.01 --inputs x1.csv --targets y.csv \
        --feedback-weights fb.csv --readout-weights w0.csv -o ref1 || fail "rlsref simulate (plain inputs)"
    close fit1/out.csv ref1/out.csv 1e-10
    close fit1/readout.csv ref1/readout.csv 1e-10
}

test_fit_rls_of_the_inputs_themselves_matches_rlsref_and_keeps_p() {
    in_workdir
    need_numpy
    py <<'EOF'
import numpy as np
rng = np.random.RandomState(5)
x = rng.randn(400, 8)
y = np.stack([x @ rng.randn(8), np.sin(0.05 * np.arange(400))], axis=1)
np.savetxt("x.csv", x, delimiter=",", fmt="%r")
np.savetxt("y.csv", y, delimiter=",", fmt="%r")
EOF
    # the output variable is the input variable: x_n is exactly row n of the inputs
    rr fit rls "$LI" -N 8 --input-var li_op/I_ext --output-var li_op/I_ext --inputs x.csv --targets y.csv \
        --alpha 2 --beta 0.99 --update-every 3 --save-state state.npz -o fit
    "$SYSPY" "$RLSREF" update x.csv y.csv --alpha 2 --beta 0.99 --update-every 3 -o ref || fail "rlsref update"
    close fit/out.csv ref/out.csv 1e-10
    close fit/error.csv ref/error.csv 1e-10
    close fit/readout.csv ref/readout.csv 1e-10
    py <<'EOF'
import numpy as np
s, p = np.load("state.npz"), np.load("ref/P.npy")
assert s["rls/P"].shape == (8, 8) and s["rls/W"].shape == (2, 8), (s["rls/P"].shape, s["rls/W"].shape)
assert np.max(np.abs(s["rls/P"] - p)) <= 1e-10 * np.max(np.abs(p)), np.max(np.abs(s["rls/P"] - p))
assert (s["rls/P"] == s["rls/P"].T).all()
assert (s["rls/W"] == np.loadtxt("fit/readout.csv", delimiter=",")).all()
assert int(s["step"]) == 400
EOF
}

# ------------------------------------------------------------------------------- split runs and meta.json

test_split_fit_rls_equals_one_run() {
    in_workdir
    need_numpy
    make_data
    make_fb
    local opts=(--input-weights w_in.csv --feedback-weights fb.csv --alpha 0.5 --update-every 2 --train-steps 450)
    rr fit rls "${NET[@]}" --inputs x.csv --targets y.csv "${opts[@]}" -o whole
    head -300 x.csv >xa.csv
    tail -n +301 x.csv >xb.csv
    head -300 y.csv >ya.csv
    tail -n +301 y.csv >yb.csv
    rr fit rls "${NET[@]}" --inputs xa.csv --targets ya.csv "${opts[@]}" --save-state a.npz -o a
    rr fit rls "${NET[@]}" --inputs xb.csv --targets yb.csv "${opts[@]}" --load-state a.npz -o b
    cat a/out.csv b/out.csv >split_out.csv
    cat a/error.csv b/error.csv >split_error.csv
    same split_out.csv whole/out.csv
    same split_error.csv whole/error.csv
    same b/readout.csv whole/readout.csv
    # after training a run with the trained readout and the feedback goes on as the fit run did
    head -450 x.csv >xt.csv
    tail -n +451 x.csv >xr.csv
    head -450 y.csv >yt.csv
    rr fit rls "${NET[@]}" --inputs xt.csv --targets yt.csv "${opts[@]}" --save-state t.npz -o t
    rr run "${NET[@]}" --inputs xr.csv --input-weights w_in.csv --feedback-weights fb.csv --load-state t.npz \
        --readout-weights t/readout.csv -o r
    tail -n +451 whole/out.csv >whole_tail.csv
    same r/out.csv whole_tail.csv
}

test_meta_json_has_the_fit_object() {
    in_workdir
    need_numpy
    make_data
    rr fit rls "${NET[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv --alpha 0.25 --beta 0.9 \
        --update-every 4 --train-steps 401 -o fit
    grep -qE '^fit rls: 101 updates; mse [0-9.e-]+ over the 401 training steps, [0-9.e-]+ over the 199 steps after them$' \
        rr.err || fail "summary line: $(cat rr.err)"
    py fit/meta.json fit/out.csv y.csv <<'EOF'
import json, sys, numpy as np
m = json.load(open(sys.argv[1]))
f = m["fit"]
assert list(f) == ["method", "alpha", "beta", "update_every", "train_steps", "updates", "mse_train", "train_rows",
                   "mse_after", "after_rows"], list(f)
assert (f["method"], f["alpha"], f["beta"], f["update_every"], f["train_steps"]) == ("rls", 0.25, 0.9, 4, 401), f
assert (f["updates"], f["train_rows"], f["after_rows"]) == (101, 401, 199), f
out, y = np.loadtxt(sys.argv[2], delimiter=","), np.loadtxt(sys.argv[3], delimiter=",")
for key, rows in (("mse_train", slice(0, 401)), ("mse_after", slice(401, 600))):
    want = np.mean((y[rows] - out[rows]) ** 2)
    assert abs(f[key] - want) <= 1e-12 * want, (key, f[key], want)
files = [e["name"] for e in m["files"]]
for name in ("out.csv", "error.csv", "readout.csv", "time.csv"):
    assert name in files, (name, files)
assert m["feedback_weights"] is None and m["targets"] == "y.csv"
EOF
}

# make_net_file: net.yaml, the reservoir of make_data as a network file of one population R with an input layer
# (w_in.csv) and a readout of R/tanh_op/r starting from zeros.csv (2 x 30)
make_net_file() {
    py <<'EOF'
import numpy as np, yaml
np.savetxt("zeros.csv", np.zeros((2, 30)), delimiter=",")
net = {"populations": {"R": {"template": "neuron_model_templates.rate_neurons.leaky_integrator.tanh", "n": 30,
                             "set": {"li_op/tau": 0.1}}},
       "projections": [{"source": "R/tanh_op/r", "target": "R/li_op/r_in", "weights": "J.csv"}],
       "input_layer": {"target": "R/li_op/I_ext", "weights": "w_in.csv"},
       "readout": {"source": "R/tanh_op/r", "weights": "zeros.csv"}}
yaml.safe_dump(net, open("net.yaml", "w"))
EOF
}

test_fit_rls_on_a_network_file_equals_the_template() {
    in_workdir
    need_numpy
    make_data
    make_net_file
    local opts=(--inputs x.csv --targets y.csv --alpha 0.5 --update-every 3 --coupling inline --dt 0.01)
    rr fit rls net.yaml "${opts[@]}" -o net
    rr fit rls "${NET[@]}" --input-weights w_in.csv "${opts[@]}" -o one
    same net/out.csv one/out.csv
    same net/error.csv one/error.csv
    same net/readout.csv one/readout.csv
}

test_streamed_and_stopped_runs_train_on_the_steps_kept() {
    in_workdir
    need_numpy
    make_data
    make_fb
    local opts=(--inputs x.csv --input-weights w_in.csv --targets y.csv --feedback-weights fb.csv --update-every 2)
    rr fit rls "${NET[@]}" "${opts[@]}" -o mem
    rr fit rls "${NET[@]}" "${opts[@]}" --max-memory 20000 -v -o disk # recordings streamed in chunks
    grep -q "recordings streamed" rr.err || fail "not streamed: $(tail -2 rr.err)"
    same mem/out.csv disk/out.csv
    same mem/readout.csv disk/readout.csv
    rr fit rls "${NET[@]}" "${opts[@]}" --record li_op/v --max-memory 20000 -o disk2 # another recording too
    same mem/out.csv disk2/out.csv
    # a state that stops being finite (no spike resets: v' = v^2 + eta blows up) stops the training with it: the
    # outputs and errors cover the steps done, as the other recordings do
    seq 3000 | sed 's/.*/0.5/' >y3000.csv
    "$RECTIC" fit rls neuron_model_templates.spiking_neurons.qif.qif --op qif_op -N 5 --input-var I_ext \
        --output-var v --set eta=5 --set v=-1 --spike-var spike --spike-def v --spike-threshold 1e300 \
        --targets y3000.csv --record v -o nan >nan.out 2>nan.err
    local rc=$? rows
    [ $rc = 3 ] || fail "exit status $rc (expected 3: the state became infinite): $(cat nan.err)"
    rows=$(wc -l <nan/v.csv)
    { [ "$rows" -gt 100 ] && [ "$rows" -lt 3000 ]; } || fail "v.csv has $rows rows"
    [ "$(wc -l <nan/out.csv)" = "$rows" ] || fail "out.csv: $(wc -l <nan/out.csv) rows, v.csv $rows"
    [ "$(wc -l <nan/error.csv)" = "$rows" ] || fail "error.csv: $(wc -l <nan/error.csv) rows, v.csv $rows"
}

test_fit_rls_on_a_network_file_with_feedback_matches_rlsref_and_the_template() {
    in_workdir
    need_numpy
    make_data
    make_fb
    make_net_file
    local opts=(--inputs x.csv --targets y.csv --alpha 0.5 --beta 0.999 --update-every 2 --train-steps 450
                --feedback-weights fb.csv --dt 0.01)
    rr fit rls net.yaml "${opts[@]}" --coupling inline -o net
    rr fit rls "${NET[@]}" --input-weights w_in.csv "${opts[@]}" --coupling inline -o one
    same net/out.csv one/out.csv
    same net/error.csv one/error.csv
    same net/readout.csv one/readout.csv
    "$SYSPY" "$RLSREF" simulate --weights J.csv --tau 0.1 --dt 0.01 --inputs x.csv --input-weights w_in.csv \
        --targets y.csv --feedback-weights fb.csv --alpha 0.5 --beta 0.999 --update-every 2 --train-steps 450 \
        -o ref || fail "rlsref simulate"
    close net/out.csv ref/out.csv 1e-10
    close net/readout.csv ref/readout.csv 1e-10
    py net/meta.json <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
assert (m["feedback_weights"], m["feedback_population"]) == ("fb.csv", "R"), m
EOF
}

# make_ei: an E/I network of li tanh populations (E 20 units, I 10) as ei.yaml (input layer and readout on E, I
# with an input variable too) and ei_plain.yaml (no input layer, no readout); fb_e.csv (20 x 2), xe.csv (600 x
# 20); and the same network as one population for rlsref.py: J_block.csv, w_in_pad.csv, fb_pad.csv, xe_pad.csv.
make_ei() {
    py <<'EOF'
import numpy as np, yaml
rng = np.random.RandomState(23)
ne, ni = 20, 10
J = rng.randn(ne + ni, ne + ni) / np.sqrt(ne + ni)
J[:, ne:] = -abs(J[:, ne:])
blocks = {"J_ee": J[:ne, :ne], "J_ei": J[:ne, ne:], "J_ie": J[ne:, :ne], "J_ii": J[ne:, ne:]}
for name, a in blocks.items():
    np.savetxt(name + ".csv", a, delimiter=",", fmt="%r")
np.savetxt("J_block.csv", J, delimiter=",", fmt="%r")
w_in = rng.uniform(-1, 1, (ne, 2))
fb = rng.uniform(-1, 1, (ne, 2))
xe = rng.uniform(-0.5, 0.5, (600, ne))
np.savetxt("w_in_e.csv", w_in, delimiter=",", fmt="%r")
np.savetxt("fb_e.csv", fb, delimiter=",", fmt="%r")
np.savetxt("xe.csv", xe, delimiter=",", fmt="%r")
np.savetxt("w_in_pad.csv", np.vstack([w_in, np.zeros((ni, 2))]), delimiter=",", fmt="%r")
np.savetxt("fb_pad.csv", np.vstack([fb, np.zeros((ni, 2))]), delimiter=",", fmt="%r")
np.savetxt("xe_pad.csv", np.hstack([xe, np.zeros((600, ni))]), delimiter=",", fmt="%r")
np.savetxt("zeros_e.csv", np.zeros((2, ne)), delimiter=",")
li = "neuron_model_templates.rate_neurons.leaky_integrator.tanh"
pops = {"E": {"template": li, "n": ne, "set": {"li_op/tau": 0.1}},
        "I": {"template": li, "n": ni, "input": "li_op/I_ext", "set": {"li_op/tau": 0.1}}}
projs = [{"source": "%s/tanh_op/r" % s, "target": "%s/li_op/r_in" % t, "weights": "J_%s%s.csv" % (t.lower(), s.lower())}
         for t in "EI" for s in "EI"]
yaml.safe_dump({"populations": pops, "projections": projs,
                "input_layer": {"target": "E/li_op/I_ext", "weights": "w_in_e.csv"},
                "readout": {"source": "E/tanh_op/r", "weights": "zeros_e.csv"}}, open("ei.yaml", "w"))
pops["E"]["input"] = "li_op/I_ext"
yaml.safe_dump({"populations": pops, "projections": projs}, open("ei_plain.yaml", "w"))
EOF
}

test_fit_rls_of_an_ei_network_with_feedback_into_e_matches_rlsref() {
    in_workdir
    need_numpy
    make_data
    make_ei
    local rls=(--targets y.csv --alpha 0.5 --update-every 2 --train-steps 450)
    # the input layer's population E takes the feedback (I has an input variable too)
    rr fit rls ei.yaml --inputs x.csv --feedback-weights fb_e.csv "${rls[@]}" --dt 0.01 -o fit
    "$SYSPY" "$RLSREF" simulate --weights J_block.csv --tau 0.1 --dt 0.01 --inputs x.csv --input-weights w_in_pad.csv \
        --feedback-weights fb_pad.csv --out-units 20 "${rls[@]}" -o ref || fail "rlsref simulate"
    close fit/out.csv ref/out.csv 1e-10
    close fit/error.csv ref/error.csv 1e-10
    close fit/readout.csv ref/readout.csv 1e-10
    grep -q '"feedback_population": "E"' fit/meta.json || fail "meta.json: $(grep feedback fit/meta.json)"
    # without an input layer E and I both have an input variable: POP=FILE names E; E's inputs one per unit
    rr fit rls ei_plain.yaml --input E/li_op/I_ext=xe.csv --output-var E/tanh_op/r --feedback-weights E=fb_e.csv \
        "${rls[@]}" --dt 0.01 -o plain
    "$SYSPY" "$RLSREF" simulate --weights J_block.csv --tau 0.1 --dt 0.01 --inputs xe_pad.csv \
        --feedback-weights fb_pad.csv --out-units 20 "${rls[@]}" -o ref_plain || fail "rlsref simulate (plain)"
    close plain/out.csv ref_plain/out.csv 1e-10
    close plain/readout.csv ref_plain/readout.csv 1e-10
    # split in two through a saved state (P, W and ŷ carry over): the same as one run, byte for byte
    head -300 x.csv >xa.csv
    tail -n +301 x.csv >xb.csv
    head -300 y.csv >ya.csv
    tail -n +301 y.csv >yb.csv
    rr fit rls ei.yaml --inputs xa.csv --feedback-weights fb_e.csv --targets ya.csv --alpha 0.5 --update-every 2 \
        --train-steps 450 --dt 0.01 --save-state a.npz -o a
    rr fit rls ei.yaml --inputs xb.csv --feedback-weights fb_e.csv --targets yb.csv --alpha 0.5 --update-every 2 \
        --train-steps 450 --dt 0.01 --load-state a.npz -o b
    cat a/out.csv b/out.csv >split_out.csv
    same split_out.csv fit/out.csv
    same b/readout.csv fit/readout.csv
    # run goes on from the trained state with the readout fixed: given by --readout-weights, or by the network
    # file's readout: entry (no --readout-weights needed)
    rr run ei.yaml --inputs xb.csv --feedback-weights fb_e.csv --load-state a.npz --readout-weights a/readout.csv \
        --dt 0.01 -o r1
    sed 's/zeros_e.csv/a\/readout.csv/' ei.yaml >ei_trained.yaml
    rr run ei_trained.yaml --inputs xb.csv --feedback-weights fb_e.csv --load-state a.npz --dt 0.01 -o r2
    same r1/out.csv r2/out.csv
    cmp -s r1/out.csv b/out.csv && fail "the run with the readout fixed equals the training run"
    [ "$(wc -l <r2/out.csv)" = 300 ] || fail "r2/out.csv: $(wc -l <r2/out.csv) rows"
}

# -------------------------------------------------------------------------------------------- the FORCE task

test_force_learns_a_sine_and_the_untrained_network_does_not() {
    in_workdir
    need_numpy
    [ -x "$ROOT/$BUILD/examples/force_sine" ] || skip "$BUILD/examples/force_sine not built"
    "$ROOT/$BUILD/examples/force_sine" task >example.out 2>&1 || fail "force_sine: $(cat example.out)"
    local Q=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --weights task/J.csv --coupling sparse
             --source-var s --target-var s_in --input-var I_ext --output-var s --spike-var spike --spike-def v
             --set eta=@task/eta.csv --set tau_s=2 --dt 0.005 --feedback-weights task/fb.csv)
    rr fit rls "${Q[@]}" --targets task/target_train.csv --update-every 20 --save-state trained.npz -o fit
    rr run "${Q[@]}" --load-state trained.npz --readout-weights fit/readout.csv --targets task/target_test.csv \
        --steps 20000 -o test
    printf '0%.0s,' $(seq 499) >zeros.csv
    echo 0 >>zeros.csv
    rr run "${Q[@]}" --load-state trained.npz --readout-weights zeros.csv --targets task/target_test.csv \
        --steps 20000 -o untrained
    py test/meta.json untrained/meta.json example.out <<'EOF'
import json, re, sys
trained = json.load(open(sys.argv[1]))["test"]["mse_mean"]
untrained = json.load(open(sys.argv[2]))["test"]["mse_mean"]
threshold = 0.1
assert trained < threshold <= untrained, (trained, untrained)
# the command line repeats the C API's run of examples/force_sine.c: the same error after training
said = float(re.search(r"after: .* mse ([0-9.]+)", open(sys.argv[3]).read()).group(1))
assert abs(said - trained) < 6e-5, (said, trained)
EOF
}

# ----------------------------------------------------------------------------------------------- errors

test_bad_inputs_are_named_and_leave_the_previous_outputs() {
    in_workdir
    need_numpy
    make_data
    make_fb
    rr fit rls "${NET[@]}" --inputs x.csv --input-weights w_in.csv --targets y.csv -o res
    printf '1,2\n3,4\n' >w2.csv
    head -100 y.csv >y100.csv
    local F=(fit rls "${NET[@]}" --inputs x.csv --input-weights w_in.csv)
    local R=(run "${NET[@]}" --inputs x.csv --input-weights w_in.csv)
    bad "--beta" "(0, 1]" "'0'" -- "${F[@]}" --targets y.csv --beta 0
    bad "--beta" "'1.5'" -- "${F[@]}" --targets y.csv --beta 1.5
    bad "--update-every" ">= 1" "'0'" -- "${F[@]}" --targets y.csv --update-every 0
    bad "--train-steps" "'-2'" -- "${F[@]}" --targets y.csv --train-steps -2
    bad "--alpha" "> 0" -- "${F[@]}" --targets y.csv --alpha 0
    bad "--beta" "only \`rectic fit rls\`" -- "${R[@]}" --beta 0.5
    bad "--train-steps" "only \`rectic fit rls\`" -- fit ridge "${NET[@]}" --inputs x.csv --targets y.csv --train-steps 5
    bad "--washout" "fit ridge" -- "${F[@]}" --targets y.csv --washout 5
    bad "--bias" -- "${F[@]}" --targets y.csv --bias
    bad "--readout-activation" "linear readout" -- "${F[@]}" --targets y.csv --readout-weights w0.csv \
        --readout-activation tanh
    bad "fit rls: --targets FILE is required" -- "${F[@]}"
    bad "--targets" "y100.csv has 100 rows" "600 steps" -- "${F[@]}" --targets y100.csv
    bad "--targets" "has 2 columns" "3 outputs" -- "${F[@]}" --targets y.csv --readout-weights w_out3.csv
    bad "--feedback-weights w2.csv" "expected 30 x k" -- "${F[@]}" --targets y.csv --feedback-weights w2.csv
    bad "--feedback-weights" "missing.csv" -- "${F[@]}" --targets y.csv --feedback-weights missing.csv
    bad "--feedback-weights" "give --readout-weights" -- "${R[@]}" --feedback-weights fb.csv
    head -1 w0.csv >w01.csv
    bad "--feedback-weights" "2 columns" "1 outputs" -- "${R[@]}" --feedback-weights fb.csv --readout-weights w01.csv
    bad "--sampling-steps 2" "fit rls" -- "${F[@]}" --targets y.csv --sampling-steps 2
    bad "--cutoff 5" "fit rls" -- "${F[@]}" --targets y.csv --cutoff 5
    bad "--feedback-weights" "only \`rectic run\`" -- emit "${NET[@]}" --feedback-weights fb.csv
}

test_bad_feedback_into_a_network_file_is_named() {
    in_workdir
    need_numpy
    make_data
    make_ei
    local P=(fit rls ei_plain.yaml --input E/li_op/I_ext=xe.csv --output-var E/tanh_op/r --targets y.csv --dt 0.01)
    rr "${P[@]}" -o res
    bad "--feedback-weights fb_e.csv" "populations E, I have an input variable" "POP=FILE" -- "${P[@]}" \
        --feedback-weights fb_e.csv
    bad "--feedback-weights Q=fb_e.csv" "unknown population 'Q' (the network has E, I)" -- "${P[@]}" \
        --feedback-weights Q=fb_e.csv
    bad "--feedback-weights I=fb_e.csv" "a 20 x 2 matrix: expected 10 x k" "population I" -- "${P[@]}" \
        --feedback-weights I=fb_e.csv
    bad "--feedback-weights" "E/x=fb_e.csv" "POP=FILE" -- "${P[@]}" --feedback-weights E/x=fb_e.csv
    bad "--feedback-weights" "missing.csv" -- "${P[@]}" --feedback-weights E=missing.csv
    bad "--feedback-weights" "give --readout-weights" -- run ei_plain.yaml --input E/li_op/I_ext=xe.csv \
        --output-var E/tanh_op/r --dt 0.01 --feedback-weights E=fb_e.csv
}

run_tests

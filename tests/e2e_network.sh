#!/usr/bin/env bash
# tests/e2e_network.sh -- end-to-end tests of `rectic run NETWORK.yaml` (issue 13, scope 2).
#
#   RECTIC_BUILD=build ./tests/e2e_network.sh      (make test runs it)
#
# 1. The networks of tests/netgen.py (two and three populations; qif, qif_sfa, lif, ik, tanh; dense CSV and
#    .npy, COO CSV and .npy with duplicates, scalar and delayed projections; thresholds; float64 and float32;
#    sampling, --steps shorter than the inputs, T x n and T x 1 inputs) run with `rectic run` and with the
#    NumPy reference tests/netref.py (`--order written --dense-sum seq`: the kernel's operation order and
#    left-to-right sums) give the same files byte for byte, with the coupling chosen automatically and with
#    --coupling sparse; the tcc and cc kernels write the same bytes.
# 2. A one-population network file writes out.csv, v.csv, time.csv and spikes_P.csv equal byte for byte to
#    the single-template command's out.csv, v.csv, time.csv and spikes.csv.
# 3. meta.json lists the populations and projections; --format npy; --input VAR=FILE for a template.
# 4. Errors (unknown population, bad key, rows that do not match, no steps, nothing to write, flags of a
#    template, a bad network file): a message naming the flag or FILE:LINE:COL, a non-zero exit, and the
#    previous output set left as it was.
# The shared case multipop_ei_qif runs through tests/run_case.py in tests/e2e.sh.  Needs /usr/bin/python3
# with numpy and PyYAML (tests/netgen.py, tests/netref.py); without them the tests are skipped.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in /*) RECTIC=$BUILD/rectic ;; *) RECTIC=$ROOT/$BUILD/rectic ;; esac
PY=/usr/bin/python3
NETREF=$ROOT/tests/netref.py
DATA=$ROOT/tests/data/cases
export LC_ALL=C OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e-network.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
GEN=$TMP/gen # the networks of tests/netgen.py, written once

# fail MESSAGE / skip MESSAGE (tests/runner.sh): end the current test.

# work NAME: a fresh work directory for the test, entered.
work() {
    mkdir -p "$TMP/work/$1" && cd "$TMP/work/$1" || fail "cannot make a work directory"
}

# need_tools: rectic is built and netgen.py wrote the networks.
need_tools() {
    [ -x "$RECTIC" ] || skip "$RECTIC not built"
    [ -f "$GEN/ei_qif_lif/commands" ] || skip "$PY with numpy and PyYAML could not run tests/netgen.py: $(head -c 300 "$TMP/gen.log")"
}

# command_args NET K: the arguments after `rectic run` of netgen's command K for network NET.
command_args() {
    sed -n "$(($2 + 1))p" "$GEN/$1/commands" | sed 's/^rectic run //'
}

# rectic_net NET K OUT [OPTIONS...]: runs netgen's command K of NET with rectic into OUT (absolute).
rectic_net() {
    local net=$1 k=$2 out=$3
    shift 3
    # shellcheck disable=SC2046
    (cd "$GEN/$net" && "$RECTIC" run $(command_args "$net" "$k") --backend tcc -q "$@" -o "$out") >rr.out 2>rr.err ||
        fail "rectic run ($net, command $k, $*) -> exit $?: $(head -c 600 rr.err)"
}

# netref_net NET K OUT: the same command through the NumPy reference (the kernel's order of operations).
netref_net() {
    # shellcheck disable=SC2046
    (cd "$GEN/$1" && $PY "$NETREF" run $(command_args "$1" "$2") --order written --dense-sum seq -o "$3") \
        >ref.out 2>&1 || fail "netref.py run ($1, command $2): $(tail -c 600 ref.out)"
}

# same_files REF OUT: OUT holds every file of REF with the same bytes (differences described by netref.py
# compare, tolerance 0).
same_files() {
    local f
    for f in "$1"/*; do
        [ -f "$2/${f##*/}" ] || fail "${f##*/} missing in $2 (it has: $(ls "$2" | tr '\n' ' '))"
        cmp -s "$f" "$2/${f##*/}" ||
            fail "${f##*/} differs: $($PY "$NETREF" compare "$1" "$2" "${f##*/}" | head -3 | tr '\n' ' ')"
    done
}

# equals_netref NET K [OPTIONS...]: rectic (with OPTIONS) and netref write the same bytes for command K.
equals_netref() {
    local net=$1 k=$2
    shift 2
    need_tools
    work "ref_${net}_$k${*// /_}"
    netref_net "$net" "$k" "$PWD/ref"
    rectic_net "$net" "$k" "$PWD/out" "$@"
    same_files ref out
}

# ------------------------------------------------------------------------ 1. networks against netref

test_ei_qif_lif_records_equal_netref() { equals_netref ei_qif_lif 0; }
test_ei_qif_lif_sampling_steps_and_output_var_equal_netref() { equals_netref ei_qif_lif 1; }
test_ei_qif_lif_float32_equals_netref() { equals_netref ei_qif_lif 2; }
test_ei_qif_lif_sparse_coupling_equals_netref() { equals_netref ei_qif_lif 0 --coupling sparse; }
test_ei_qif_lif_inline_coupling_equals_netref() { equals_netref ei_qif_lif 2 --coupling inline; }
test_three_populations_with_delays_equal_netref() { equals_netref three_pop 0; }
test_three_populations_with_sets_and_sampling_equal_netref() { equals_netref three_pop 1; }
test_three_populations_sparse_coupling_equals_netref() { equals_netref three_pop 0 --coupling sparse; }
test_ik_and_lif_at_dt_0_05_equal_netref() { equals_netref ik_lif 0; }

test_cutoff_drops_the_early_rows_as_netref_does() {
    need_tools
    work cutoff
    local here=$PWD
    # shellcheck disable=SC2046
    (cd "$GEN/three_pop" && $PY "$NETREF" run $(command_args three_pop 1) --cutoff 301 --order written \
        --dense-sum seq -o "$here/ref") >ref.out 2>&1 || fail "netref: $(tail -c 400 ref.out)"
    rectic_net three_pop 1 "$PWD/out" --cutoff 301
    same_files ref out
    [ "$(wc -l <out/time.csv)" = 199 ] || fail "expected 199 rows (steps 303, 306, ... 897), got $(wc -l <out/time.csv)"
}

test_tcc_and_cc_kernels_write_the_same_bytes() {
    need_tools
    command -v cc >/dev/null || skip "no C compiler (cc) on the PATH"
    work cc
    local net k f
    for net in ei_qif_lif three_pop ik_lif; do
        for k in 0 1 2; do
            [ -n "$(command_args $net $k)" ] || continue
            rectic_net $net $k "$PWD/tcc_$net$k"
            XDG_CACHE_HOME=$PWD/cache rectic_net $net $k "$PWD/cc_$net$k" --backend cc
            grep -q '"kernel": "cc' "cc_$net$k/meta.json" || fail "$net $k: the cc kernel did not run"
            for f in "tcc_$net$k"/*; do
                [ "${f##*/}" = meta.json ] || cmp -s "$f" "cc_$net$k/${f##*/}" ||
                    fail "$net command $k: ${f##*/} differs between the tcc and the cc kernel"
            done
        done
    done
}

# ------------------------------------------------------------ 2. one population = the template command

# one_population NAME [OPTIONS...]: the seed example as a template run and as a network file of one
# population P with a self-projection, the same OPTIONS (P/ dropped for the template), byte for byte.
one_population() {
    [ -x "$RECTIC" ] || skip "$RECTIC not built"
    local name=$1 D=$DATA/qif_two_runs f
    shift
    work "one_$name"
    cat >net.yaml <<EOF
populations:
  P: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 5, input: I_ext,
      spike: {var: spike, def: v}}
projections:
  - {source: P/s, target: P/s_in, weights: $D/weights.csv}
EOF
    "$RECTIC" run neuron_model_templates.spiking_neurons.qif.qif --op qif_op --weights "$D/weights.csv" \
        --source-var s --target-var s_in --input-var I_ext --output-var s --spike-var spike --spike-def v \
        --inputs "$D/inputs.csv" --record v "${@//P\//}" -q -o tpl 2>err || fail "template run: $(cat err)"
    "$RECTIC" run net.yaml --input "P/I_ext=$D/inputs.csv" --output-var P/s --record v=P/v "$@" -q -o net 2>err ||
        fail "network run: $(cat err)"
    mv net/spikes_P.csv net/spikes.csv || fail "no spikes_P.csv"
    for f in out v time spikes; do
        cmp -s "tpl/$f.csv" "net/$f.csv" || fail "$f.csv differs from the template run's ($*)"
    done
}

test_one_population_equals_the_template_command() { one_population plain --steps 3000; }
test_one_population_equals_the_template_command_float32_sampled() {
    one_population f32 --steps 2000 --dtype float32 --sampling-steps 7 --cutoff 800 --set P/v=99.99
}
test_one_population_equals_the_template_command_sampling_mean() {
    one_population mean --steps 2000 --sampling-steps 10 --sampling-mode mean --cutoff 95
}
test_one_population_equals_the_template_command_with_each_coupling() {
    local c
    for c in dense sparse inline; do
        (one_population "$c" --steps 1500 --coupling "$c" --backend tcc) || exit 1
    done
}

# ------------------------------------------------------------------------- 3. meta.json, npy, --input

test_meta_json_lists_populations_and_projections() {
    need_tools
    work meta
    rectic_net ei_qif_lif 0 "$PWD/out"
    $PY - out/meta.json <<'EOF' || fail "meta.json: $(cat py.err 2>/dev/null)"
import json, sys
m = json.load(open(sys.argv[1]))
pops = [(p["name"], p["n"], p["spiking"], p["template"].split(".")[-1]) for p in m["populations"]]
assert pops == [("E", 12, True, "qif_sfa"), ("I", 5, True, "lif")], pops
assert m["populations"][1]["spike_threshold"] == 2.0 and m["populations"][1]["spike_reset"] == 0.0, m["populations"]
proj = [(q["source"], q["target"], q["kind"], q["delay"], q["delay_steps"]) for q in m["projections"]]
assert proj == [("E/s", "E/s_in", "weights", 0, 0), ("E/s", "I/s_in", "weights", 0.0025, 2),
                ("I/s", "E/s_in", "weights-coo", 0, 0), ("I/s", "I/s_in", "weight", 0, 0)], proj
assert all(q["coupling"] in ("inline", "dense", "sparse", "scalar") for q in m["projections"]), m["projections"]
assert m["projections"][3]["weight"] == -0.5
assert m["network"] == "network.yaml" and m["inputs"] == {"E/I_ext": "input_E.csv", "I/I_ext": "input_I.csv"}, m
assert m["N"] == 17 and m["steps"] == 1500 and m["steps_done"] == 1500 and m["status"] == "completed", m
n = sum(1 for _ in open(sys.argv[1].replace("meta.json", "spikes_E.csv"))) + \
    sum(1 for _ in open(sys.argv[1].replace("meta.json", "spikes_I.csv")))
assert m["spikes"] == n == m["populations"][0]["spikes"] + m["populations"][1]["spikes"], (m["spikes"], n)
names = sorted(f["name"] for f in m["files"])
assert names == ["E_v.csv", "E_x.csv", "I_lif_op_s.csv", "I_v.csv", "spikes_E.csv", "spikes_I.csv", "time.csv"], names
EOF
}

test_npy_format_holds_the_numbers_of_csv() {
    need_tools
    work npy
    rectic_net ei_qif_lif 1 "$PWD/csv"
    rectic_net ei_qif_lif 1 "$PWD/npy" --format npy
    $PY - <<'EOF' || fail "npy and csv differ"
import numpy as np
for k in ("out", "I_v", "spikes_E", "spikes_I", "time"):
    a = np.load("npy/%s.npy" % k)
    b = np.loadtxt("csv/%s.csv" % k, delimiter=",", ndmin=2)
    assert np.array_equal(a.reshape(b.shape), b), k
assert np.load("npy/spikes_E.npy").dtype == np.int64
EOF
}

test_single_template_input_flag_equals_inputs_and_input_var() {
    [ -x "$RECTIC" ] || skip "$RECTIC not built"
    work input_flag
    local D=$DATA/qif_two_runs f
    local T=(run neuron_model_templates.spiking_neurons.qif.qif --op qif_op --weights "$D/weights.csv" --source-var s
             --target-var s_in --output-var s --spike-var spike --spike-def v --record v --steps 500 -q)
    "$RECTIC" "${T[@]}" --inputs "$D/inputs.csv" --input-var I_ext -o a 2>err || fail "$(cat err)"
    "$RECTIC" "${T[@]}" --input "I_ext=$D/inputs.csv" -o b 2>err || fail "$(cat err)"
    for f in out v time spikes; do cmp -s "a/$f.csv" "b/$f.csv" || fail "$f.csv differs"; done
    "$RECTIC" "${T[@]}" --input "I_ext=$D/inputs.csv" --inputs "$D/inputs.csv" -o c 2>err && fail "--input with --inputs accepted"
    grep -qF -- "--input I_ext=$D/inputs.csv: give --input VAR=FILE or --inputs FILE, not both" err || fail "$(cat err)"
}

# ------------------------------------------------------------------------------------------- 4. errors

# net_error NEEDLE... -- ARGS...: `rectic run ARGS --backend tcc -q -o prev` in a folder holding ei_qif_lif's
# files fails (expect_rectic_error), and the output set that an earlier run left in prev stays as it was.
net_error() {
    need_tools
    work "error$RANDOM$RANDOM"
    ln -s "$GEN/ei_qif_lif"/* . || fail "cannot link the network's files"
    rectic_net ei_qif_lif 1 "$PWD/prev"
    cp -r prev prev.copy
    expect_rectic_error "$@" --backend tcc -q -o prev
    diff -r prev prev.copy >/dev/null || fail "the previous output set changed"
}

IN=(run network.yaml --dt 0.001 --input E/I_ext=input_E.csv --input I/I_ext=input_I.csv)

test_error_unknown_population_in_input() {
    net_error "--input X/I_ext=input_E.csv: unknown population 'X'" "E, I" -- run network.yaml --dt 0.001 --input X/I_ext=input_E.csv
}
test_error_unknown_population_in_record() { net_error "--record Q/v: unknown population 'Q'" -- "${IN[@]}" --record Q/v; }
test_error_unknown_population_in_set() { net_error "--set Q/eta: unknown population 'Q'" -- "${IN[@]}" --set Q/eta=1; }
test_error_unknown_population_in_output_var() { net_error "--output-var Q/s" "'Q'" -- "${IN[@]}" --output-var Q/s; }
test_error_path_without_population() { net_error "--record v" "expected POP/VAR or POP/OP/VAR" -- "${IN[@]}" --record v; }
test_error_unknown_variable_in_record() { net_error "--record E/nosuch" "nosuch" -- "${IN[@]}" --record E/nosuch; }
test_error_unknown_variable_in_set() { net_error "--set E/nosuch" "nosuch" -- "${IN[@]}" --set E/nosuch=1; }
test_error_bad_key() { net_error "--record a b=E/v" "a b" -- "${IN[@]}" --record "a b=E/v"; }
test_error_reserved_key_out() { net_error "--record out=E/v" "--output-var E/v" -- "${IN[@]}" --record out=E/v; }
test_error_reserved_key_time() { net_error "--record time=E/v" "time" -- "${IN[@]}" --record time=E/v; }
test_error_key_of_a_spikes_file() { net_error "--record spikes_E=E/v" "spikes_E" -- "${IN[@]}" --record spikes_E=E/v; }
test_error_two_recordings_with_one_key() { net_error "--record" "E_v" -- "${IN[@]}" --record E/v --record E_v=I/v; }
test_error_input_rows_do_not_match() {
    head -700 "$GEN/ei_qif_lif/input_I.csv" >"$TMP/short.csv"
    net_error "--input I/I_ext=$TMP/short.csv: $TMP/short.csv has 700 rows but input_E.csv (--input E/I_ext) has 1500" \
        -- run network.yaml --dt 0.001 --input E/I_ext=input_E.csv --input "I/I_ext=$TMP/short.csv" --record E/v
}
test_error_steps_beyond_input_rows() {
    net_error "--steps 2000: input_E.csv (--input E/I_ext) has only 1500 rows of input" -- "${IN[@]}" --steps 2000
}
test_error_input_columns() {
    net_error "--input E/I_ext=input_I.csv: input_I.csv has 5 columns: expected 12 (one per unit of E) or 1" -- \
        run network.yaml --dt 0.001 --input E/I_ext=input_I.csv
}
test_error_input_of_another_variable() {
    net_error "--input E/eta=input_E.csv: the input variable of population E is I_ext" -- run network.yaml --dt 0.001 --input E/eta=input_E.csv
}
test_error_no_steps_and_no_inputs() { net_error "give --steps T or --input POP/VAR=FILE" -- run network.yaml --dt 0.001; }
test_error_flag_of_a_template() {
    net_error "--weights: not for a network file" -- "${IN[@]}" --weights w_EE.csv
}
test_error_inputs_flag_on_a_network() {
    net_error "--inputs: not for a network file" "give --input POP/VAR=FILE" -- run network.yaml --dt 0.001 --inputs input_E.csv
}
test_error_nothing_to_write() {
    cat >"$TMP/rate.yaml" <<'EOF'
populations:
  C: {template: neuron_model_templates.rate_neurons.leaky_integrator.tanh, op: li_op, n: 3}
projections:
  - {source: C/r, target: C/r_in, weight: 0.5}
EOF
    net_error "nothing to write: no --record, no --output-var" -- run "$TMP/rate.yaml" --dt 0.001 --steps 10
}
test_error_bad_network_file_names_file_line_col() {
    printf 'populations:\n  A: {template: neuron_model_templates.spiking_neurons.qif.qif, n: 2}\nprojections:\n  - {source: X/s, target: A/s_in, weight: 1}\n' \
        >"$TMP/bad.yaml"
    net_error "$TMP/bad.yaml:4:" "unknown population 'X'" -- run "$TMP/bad.yaml" --dt 0.001 --steps 10 --record A/v
}
test_error_projection_into_a_parameter_names_the_target_value() {
    cat >"$TMP/param.yaml" <<'EOF'
populations:
  A: {template: neuron_model_templates.spiking_neurons.lif.lif, op: lif_op, n: 2}
  Q: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 3}
projections:
  - {source: A/s, target: Q/s_in, weight: 0.5}
  - {source: A/s,  target: Q/eta, weight: 0.5}
  - {source: Q/tau, target: A/s_in, weight: 0.5}
EOF
    # line 6, column 28: the value of target:, not the population Q (line 3)
    net_error "$TMP/param.yaml:6:28: population Q: projection target 'qif_op/eta' must be an input(...) variable" -- \
        run "$TMP/param.yaml" --dt 0.001 --steps 10 --record A/v
    sed -i '6d' "$TMP/param.yaml" # the source of the next one: a parameter, at its source: value
    net_error "$TMP/param.yaml:6:14: projection Q/tau -> A/s_in: source 'tau' must be a state or algebraic" -- \
        run "$TMP/param.yaml" --dt 0.001 --steps 10 --record A/v
}
test_error_record_of_a_spike_variable_points_to_record_spikes() {
    net_error "--record E/spike" "spikes are recorded as (step, neuron) pairs" "--record-spikes" -- "${IN[@]}" --record E/spike
}
test_error_unknown_template_in_network_file() {
    printf 'populations:\n  A: {template: nosuch.file.tpl, n: 2}\n' >"$TMP/notpl.yaml"
    net_error "$TMP/notpl.yaml:2:" "nosuch" -- run "$TMP/notpl.yaml" --dt 0.001 --steps 10 --record A/v
}

# Recordings larger than --max-memory stream to disk in chunks (every population the same rows): the files
# equal those of the run that keeps them in memory, byte for byte; so with a sampling mean of an output in
# the second population, and with a state that stops being finite (a block replayed across chunks).
test_streamed_recordings_equal_the_in_memory_ones() {
    need_tools
    work stream
    local args=(--record E/v --record I/s_in)
    rectic_net ei_qif_lif 1 "$PWD/mem" "${args[@]}"
    rectic_net ei_qif_lif 1 "$PWD/disk" "${args[@]}" --max-memory 2K
    rm mem/meta.json disk/meta.json # timings
    same_files mem disk
    [ "$(wc -l <mem/E_v.csv)" -gt 20 ] || fail "too few rows to stream in chunks: $(wc -l <mem/E_v.csv)"
    args=(--record E/s --output-var I/s --sampling-steps 3 --sampling-mode mean)
    rectic_net ei_qif_lif 0 "$PWD/mem_mean" "${args[@]}"
    rectic_net ei_qif_lif 0 "$PWD/disk_mean" "${args[@]}" --max-memory 1000
    grep -qF '"recordings": "streamed to disk' disk_mean/meta.json || fail "not streamed: $(grep recordings disk_mean/meta.json)"
    rm mem_mean/meta.json disk_mean/meta.json
    same_files mem_mean disk_mean
    local out here=$PWD
    for out in mem_nan disk_nan; do
        # shellcheck disable=SC2046
        (cd "$GEN/ei_qif_lif" && "$RECTIC" run $(command_args ei_qif_lif 1) --backend tcc -q --record E/v \
            --set E/tau=-1 --max-memory "$([ $out = mem_nan ] && echo 1G || echo 1500)" -o "$here/$out" 2>/dev/null)
        [ $? = 3 ] || fail "$out: not stopped by a state that is not finite"
    done
    grep -qF '"steps_done": 202,' disk_nan/meta.json || fail "not stopped after step 201: $(grep steps_done disk_nan/meta.json)"
    rm mem_nan/meta.json disk_nan/meta.json
    same_files mem_nan disk_nan
}

test_check_refuses_network_files_and_emit_writes_their_kernel() {
    need_tools
    work emit_check
    "$RECTIC" check "$GEN/ei_qif_lif/network.yaml" >out.txt 2>err.txt && fail "check accepted a network file"
    grep -qF "is a network file" err.txt || fail "check: $(cat err.txt)"
    "$RECTIC" emit "$GEN/ei_qif_lif/network.yaml" --dt 0.001 --steps 10 --target cuda >out.txt 2>err.txt ||
        fail "emit --target cuda: $(cat err.txt)"
    grep -qF '__global__' out.txt || fail "emit --target cuda wrote no CUDA kernels: $(head -c 300 out.txt)"
}

# ------------------------------------------------------------------------------------------- runner

# shellcheck source=tests/expect_error.sh
. tests/expect_error.sh
mkdir -p "$TMP/work"
$PY "$ROOT/tests/netgen.py" "$GEN" >"$TMP/gen.log" 2>&1 || rm -rf "$GEN"
# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

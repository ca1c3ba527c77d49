#!/usr/bin/env bash
# tests/e2e_standalone_net.sh -- end-to-end tests of `rectic emit --standalone NETWORK.yaml` (issue 13, scope 4).
#
#   RECTIC_BUILD=build ./tests/e2e_standalone_net.sh      (make test runs it)
#
# 1. Every command of tests/netgen.py's networks (two and three populations; qif, qif_sfa, lif, ik, tanh;
#    dense CSV and .npy, COO CSV and .npy with duplicates, scalar and delayed projections; thresholds;
#    float32; sampling, --steps, --set, --output-var): the program emitted with the command's options,
#    compiled with `cc -std=c11 -Wall -Wextra -Werror` and run with its --input and --steps, writes the
#    files `rectic run` writes, byte for byte; so it does with --coupling dense, sparse and event, with
#    --format npy, sampling by mean and a cutoff.
# 2. POP/VAR=VALUE and POP/VAR=@FILE given to the program equal --set given to rectic run; weights too many
#    to be carried are asked for and read with --weights K=FILE; --weights-coo K=FILE reads COO rows.
# 3. meta.json; --project DIR builds with make; a program without dense projections needs no CBLAS.
# 4. Errors of the program's options and of `rectic emit` for network files: a message, a non-zero exit,
#    no output folder.
# Needs cc, OpenBLAS and /usr/bin/python3 with numpy (tests/netgen.py); without them the tests are skipped.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in /*) RECTIC=$BUILD/rectic ;; *) RECTIC=$ROOT/$BUILD/rectic ;; esac
PY=/usr/bin/python3
export LC_ALL=C OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e-sanet.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
GEN=$TMP/gen # the networks of tests/netgen.py, written once
CCFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror)

# fail and skip: tests/runner.sh, sourced at the end
# shellcheck source=tests/expect_error.sh
. tests/expect_error.sh

# need_tools: rectic is built, cc and OpenBLAS link, netgen.py wrote the networks.
need_tools() {
    [ -x "$RECTIC" ] || skip "$RECTIC not built"
    [ -f "$GEN/ei_qif_lif/commands" ] || skip "$PY with numpy could not run tests/netgen.py: $(head -c 300 "$TMP/gen.log")"
    [ -f "$TMP/blas.ok" ] || skip "cc cannot link a program with -lopenblas"
}

# command_args NET K: the arguments after `rectic run network.yaml` of netgen's command K for NET, without -o.
command_args() {
    sed -n "$(($2 + 1))p" "$GEN/$1/commands" | sed -e 's/^rectic run network.yaml //' -e 's/ -o [^ ]*$//'
}

# program_args ARGS...: of the run options, those the program takes too (--input and --steps).
program_args() {
    while [ $# -gt 0 ]; do
        case $1 in --input | --steps) printf '%s\n%s\n' "$1" "$2"; shift ;; esac
        shift
    done
}

# build_sim DIR NET [CCFLAGS...] -- EMIT_ARGS...: emits NET's program with EMIT_ARGS into DIR/sim.c (from the
# network's folder) and compiles it into DIR/sim.
build_sim() {
    local dir=$1 net=$2 flags=()
    shift 2
    while [ "$1" != -- ]; do
        flags+=("$1")
        shift
    done
    shift
    mkdir -p "$dir"
    (cd "$GEN/$net" && "$RECTIC" emit --standalone network.yaml "$@" -o "$dir/sim.c") || fail "emit failed: $*"
    local blas=-lopenblas
    case " ${flags[*]} " in *RECTIC_NO_BLAS*) blas= ;; esac
    # shellcheck disable=SC2086 # $blas is one word or none
    cc "${CCFLAGS[@]}" "${flags[@]}" "$dir/sim.c" $blas -lm -o "$dir/sim" 2>"$dir/cc.log" ||
        fail "cc failed: $(head -c 600 "$dir/cc.log")"
}

# same_as_run DIR NET ARGS...: the program DIR/sim, run with ARGS' --input and --steps, writes the files
# `rectic run network.yaml ARGS` writes (all but meta.json), byte for byte.
same_as_run() {
    local dir=$1 net=$2 f
    shift 2
    local prog=()
    mapfile -t prog < <(program_args "$@")
    (cd "$GEN/$net" && "$dir/sim" "${prog[@]}" -o "$dir/sa" 2>"$dir/sim.log") || fail "sim failed: $(cat "$dir/sim.log")"
    (cd "$GEN/$net" && "$RECTIC" run network.yaml "$@" -o "$dir/run" -q) || fail "rectic run failed: $*"
    for f in $(cd "$dir/run" && ls); do
        [ "$f" = meta.json ] && continue
        cmp -s "$dir/run/$f" "$dir/sa/$f" || fail "$f differs ($net: $*)"
    done
    [ "$(cd "$dir/run" && ls)" = "$(cd "$dir/sa" && ls)" ] ||
        fail "other files: run: $(cd "$dir/run" && ls | tr '\n' ' '), program: $(cd "$dir/sa" && ls | tr '\n' ' ')"
}

# netgen_case NET K [OPTIONS...]: netgen's command K of NET (with OPTIONS added) through the program and run.
netgen_case() {
    local net=$1 k=$2
    shift 2
    local args dir=$TMP/$net.$k.$#
    read -ra args <<<"$(command_args "$net" "$k")"
    args+=("$@")
    build_sim "$dir" "$net" -- "${args[@]}"
    same_as_run "$dir" "$net" "${args[@]}"
}

test_two_populations_equal_the_run() {
    need_tools
    netgen_case ei_qif_lif 0
    netgen_case ei_qif_lif 1
    netgen_case ei_qif_lif 2 # float32
}

test_three_populations_and_izhikevich_equal_the_run() {
    need_tools
    netgen_case three_pop 0
    netgen_case three_pop 1 # --set, --output-var, --sampling-steps, --steps
    netgen_case ik_lif 0
}

test_every_strategy_equals_the_run() {
    need_tools
    netgen_case ei_qif_lif 0 --coupling dense
    netgen_case three_pop 0 --coupling sparse
    netgen_case ei_qif_lif 2 --coupling event # float32: W @ s kept from the spikes
    grep -q '"coupling": "event"' "$TMP/ei_qif_lif.2.2/sa/meta.json" || fail "no event-driven projection"
}

test_npy_mean_sampling_and_cutoff_equal_the_run() {
    need_tools
    netgen_case ei_qif_lif 1 --format npy --sampling-mode mean --cutoff 30
    [ -f "$TMP/ei_qif_lif.1.6/sa/out.npy" ] || fail "no out.npy"
}

test_overrides_equal_set() {
    need_tools
    local dir=$TMP/ov args
    read -ra args <<<"$(command_args three_pop 0)"
    build_sim "$dir" three_pop -- "${args[@]}"
    printf '%s\n' 1 2 3 4 5 6 > "$dir/eta_A.csv"
    (cd "$GEN/three_pop" && "$dir/sim" --input A/I_ext=input_A.csv --input B/I_ext=input_B.csv \
        --input C/I_ext=input_C.csv --steps 700 A/v=-5 A/v=@"$dir/eta_A.csv" C/k=2 B/qif_sfa_op/tau_x=3 -o "$dir/sa" \
        2>/dev/null) || fail "sim failed"
    (cd "$GEN/three_pop" && "$RECTIC" run network.yaml "${args[@]}" --steps 700 --set A/v=@"$dir/eta_A.csv" --set C/k=2 \
        --set B/qif_sfa_op/tau_x=3 -o "$dir/run" -q) || fail "run failed"
    local f
    for f in A_v.csv B_x.csv C_r.csv spikes_A.csv spikes_B.csv time.csv; do
        cmp -s "$dir/run/$f" "$dir/sa/$f" || fail "$f differs"
    done
    (cd "$GEN/three_pop" && "$dir/sim" --input A=input_A.csv --input B=input_B.csv --input C=input_C.csv --steps 700 \
        -o "$dir/plain" 2>/dev/null) || fail "sim failed"
    ! cmp -s "$dir/plain/A_v.csv" "$dir/sa/A_v.csv" || fail "the overrides changed nothing"
}

# big_network DIR: E (300 qif_sfa, per-unit eta) and I (100 lif): E->E 300 x 300 dense (more weights than a
# program carries), E->I COO .npy delayed, I->E dense, I->I scalar; 200 steps of input for E.
big_network() {
    mkdir -p "$1"
    (cd "$1" && "$PY" - <<'PY') || fail "cannot write the big network"
import numpy as np
rng = np.random.default_rng(7)
ne, ni, T = 300, 100, 200
w = np.round(rng.uniform(0.001, 0.05, (ne, ne)), 6)
np.fill_diagonal(w, 0)
np.savetxt("w_EE.csv", w, delimiter=",", fmt="%.6f")
wi = np.round(rng.uniform(0, 0.5, (ni, ne)), 6) * (rng.random((ni, ne)) < 0.05)
t, s = np.nonzero(wi)
np.save("w_EI.npy", np.array([[a, b, wi[a, b]] for a, b in zip(t, s)]))
np.savetxt("w_EI.csv", np.array([[a, b, wi[a, b]] for a, b in zip(t, s)]), delimiter=",", fmt="%.17g")
np.savetxt("w_IE.csv", -np.round(rng.uniform(0, 0.3, (ne, ni)), 6), delimiter=",", fmt="%.6f")
np.savetxt("eta_E.csv", np.round(rng.normal(-1, 1.5, ne), 6), fmt="%.6f")
np.savetxt("input_E.csv", np.round(40 + 4 * rng.standard_normal((T, ne)), 4), delimiter=",", fmt="%.4f")
open("network.yaml", "w").write("""populations:
  E: {template: neuron_model_templates.spiking_neurons.qif.qif_sfa, op: qif_sfa_op, n: 300, input: I_ext,
      spike: {var: spike, def: v}, set: {eta: "@eta_E.csv"}}
  I: {template: neuron_model_templates.spiking_neurons.lif.lif, op: lif_op, n: 100, input: I_ext,
      spike: {var: spike, def: v, threshold: 2.0, reset: 0.0}}
projections:
  - {source: E/s, target: E/s_in, weights: w_EE.csv}
  - {source: E/s, target: I/s_in, weights-coo: w_EI.npy, delay: 0.002}
  - {source: I/s, target: E/s_in, weights: w_IE.csv}
  - {source: I/s, target: I/s_in, weight: -0.5}
""")
PY
}

# A state that stops being finite after several blocks of steps (Q's v' = v^2 + eta, read by A through a
# delayed projection): the program stops after the same step as rectic run, with its message and exit
# status 3, and writes the same recordings of the steps before it; --no-check-finite runs every step.
test_a_state_that_is_not_finite_stops_the_program_as_the_run() {
    need_tools
    local dir=$TMP/nonfinite
    mkdir -p "$dir" && cd "$dir" || fail "no $dir"
    cat >net.yaml <<'YAML'
populations:
  A: {template: neuron_model_templates.spiking_neurons.lif.lif, op: lif_op, n: 2,
      spike: {var: spike, def: v, threshold: 1, reset: 0}, set: {eta: 30}}
  Q: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 3, set: {eta: 1}}
projections:
  - {source: Q/v, target: A/s_in, weight: 0.001, delay: 0.003}
  - {source: A/s, target: Q/s_in, weight: 0.001}
YAML
    local args=(--dt 0.001 --steps 6000 --record A/v --record Q/v)
    "$RECTIC" emit --standalone net.yaml "${args[@]}" -o sim.c || fail "emit failed"
    cc "${CCFLAGS[@]}" sim.c -lopenblas -lm -o sim 2>cc.log || fail "cc failed: $(head -c 600 cc.log)"
    "$RECTIC" run net.yaml "${args[@]}" -o run 2>run.log
    [ $? = 3 ] || fail "rectic run: exit status not 3: $(cat run.log)"
    ./sim --steps 6000 -o sa 2>sa.log
    [ $? = 3 ] || fail "sim: exit status not 3: $(cat sa.log)"
    local want got
    want=$(sed -n 's/^rectic: //p' run.log)
    got=$(sed -n 's|^\./sim: population|population|p' sa.log)
    case $want in "population Q: the state became infinite at step "*) ;; *) fail "rectic run said: $(cat run.log)" ;; esac
    [ "$got" = "$want" ] || fail "the program said '$got', rectic run '$want'"
    local rows
    rows=$(wc -l <run/Q_v.csv)
    [ "$rows" -gt 1024 ] && [ "$rows" -lt 6000 ] || fail "stopped after $rows rows, not after the first block"
    for f in A_v.csv Q_v.csv time.csv spikes_A.csv; do
        cmp -s "run/$f" "sa/$f" || fail "$f differs"
    done
    grep -qF "\"steps_done\": $rows," sa/meta.json || fail "meta.json: $(grep steps sa/meta.json)"
    ./sim --steps 6000 --no-check-finite -o nan 2>/dev/null || fail "--no-check-finite: the program failed"
    [ "$(wc -l <nan/Q_v.csv)" = 6000 ] || fail "--no-check-finite: not every step recorded"
}

test_weights_too_many_to_carry_come_from_files() {
    need_tools
    big_network "$GEN/big"
    local dir=$TMP/big msg
    build_sim "$dir" big -- --dt 0.001 --record E_v=E/v --record I/v
    [ "$(wc -c < "$dir/sim.c")" -lt 1000000 ] || fail "sim.c is $(wc -c < "$dir/sim.c") bytes"
    msg=$(cd "$GEN/big" && "$dir/sim" --input E=input_E.csv -o "$dir/none" 2>&1) && fail "ran without weights"
    case $msg in *"projection 0 (E/qif_sfa_op/s -> E/qif_sfa_op/s_in): its 89700 weights are too many to be carried"*"give --weights 0=FILE"*) ;;
        *) fail "$msg" ;; esac
    [ ! -e "$dir/none" ] || fail "wrote an output folder"
    (cd "$GEN/big" && "$dir/sim" --input E=input_E.csv --weights 0=w_EE.csv --weights-coo 1=w_EI.csv -o "$dir/sa" \
        2>/dev/null) || fail "sim failed"
    (cd "$GEN/big" && "$RECTIC" run network.yaml --dt 0.001 --input E/I_ext=input_E.csv --record E_v=E/v --record I/v \
        -o "$dir/run" -q) || fail "run failed"
    local f
    for f in E_v.csv I_v.csv spikes_E.csv spikes_I.csv time.csv; do
        cmp -s "$dir/run/$f" "$dir/sa/$f" || fail "$f differs"
    done
    grep -qF '"weights": "w_EE.csv"' "$dir/sa/meta.json" && grep -qF '"weights-coo": "w_EI.csv"' "$dir/sa/meta.json" ||
        fail "meta.json lacks the weights files: $(cat "$dir/sa/meta.json")"
}

test_no_program_needs_blas_not_even_with_dense_projections() {
    need_tools
    local dir=$TMP/noblas args
    read -ra args <<<"$(command_args three_pop 0)"
    build_sim "$dir" three_pop -DRECTIC_NO_BLAS -- "${args[@]}" --coupling dense # (the flag: no -lopenblas)
    ! grep -q cblas_ "$dir/sim.c" || fail "the program calls CBLAS"
    ! ldd "$dir/sim" | grep -q blas || fail "linked against BLAS"
    same_as_run "$dir" three_pop "${args[@]}" --coupling dense
}

test_meta_json_describes_the_network() {
    need_tools
    local dir=$TMP/ei_qif_lif.1.0
    [ -f "$dir/sa/meta.json" ] || netgen_case ei_qif_lif 1
    "$PY" - "$dir/sa/meta.json" <<'PY' || fail "meta.json: $(cat "$dir/sa/meta.json")"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["program"] == "standalone" and m["steps"] == m["steps_done"] == 1000 and m["dt"] == 0.001, m
assert [p["name"] for p in m["populations"]] == ["E", "I"] and m["populations"][1]["spike_threshold"] == 2, m
assert all(p["spikes"] > 0 for p in m["populations"]), m
assert [(j["source"], j["target"], j["delay_steps"]) for j in m["projections"]] == [
    ("E/qif_sfa_op/s", "E/qif_sfa_op/s_in", 0), ("E/qif_sfa_op/s", "I/lif_op/s_in", 2),
    ("I/lif_op/s", "E/qif_sfa_op/s_in", 0), ("I/lif_op/s", "I/lif_op/s_in", 0)], m
assert m["projections"][3]["coupling"] == "scalar" and m["projections"][3]["weight"] == -0.5, m
assert m["projections"][0]["weights"] == "(carried in the program)", m
assert m["inputs"] == {"E/I_ext": "input_E.csv", "I/I_ext": "input_I.csv"}, m
assert m["record"] == {"out": "E/qif_sfa_op/s", "I_v": "I/lif_op/v"} and m["sampling_steps"] == 4, m
PY
}

test_project_builds_with_make() {
    need_tools
    local args
    read -ra args <<<"$(command_args ik_lif 0)"
    (cd "$GEN/ik_lif" && "$RECTIC" emit --standalone network.yaml "${args[@]}" --project "$TMP/proj") || fail "emit failed"
    grep -q "network network.yaml" "$TMP/proj/README" && grep -qF -- "--input POP=FILE" "$TMP/proj/README" ||
        fail "README: $(cat "$TMP/proj/README")"
    make -s -C "$TMP/proj" >/dev/null 2>&1 || fail "make failed"
    (cd "$GEN/ik_lif" && "$TMP/proj/sim" --input K=input_K.csv --steps 100 -o "$TMP/proj/o" 2>/dev/null) || fail "sim failed"
    [ "$(wc -l < "$TMP/proj/o/K_v.csv")" = 100 ] || fail "K_v.csv has $(wc -l < "$TMP/proj/o/K_v.csv") rows"
    "$TMP/proj/sim" --help | grep -qF "0: K/ik_op/s -> K/ik_op/s_in, inline, 7 weights carried" || fail "--help: $("$TMP/proj/sim" --help)"
}

# sim_error DIR NEEDLE ARGS...: the program DIR/sim (run in the network's folder ei_qif_lif) fails with a message
# holding NEEDLE and writes no output folder.
sim_error() {
    local dir=$1 needle=$2 msg
    shift 2
    rm -rf "$dir/err"
    msg=$(cd "$GEN/ei_qif_lif" && "$dir/sim" "$@" -o "$dir/err" 2>&1) && fail "exit 0: $*"
    case $msg in *"$needle"*) ;; *) fail "$* -- expected '$needle', got: $msg" ;; esac
    [ ! -e "$dir/err" ] || fail "$*: wrote $dir/err"
}

test_the_program_refuses_bad_options() {
    need_tools
    local dir=$TMP/ei_qif_lif.0.0 in=(--input E=input_E.csv --input I=input_I.csv) args
    read -ra args <<<"$(command_args ei_qif_lif 0)"
    [ -x "$dir/sim" ] || build_sim "$dir" ei_qif_lif -- "${args[@]}"
    sim_error "$dir" "unknown argument '--input-nothing'" --input-nothing
    sim_error "$dir" "give --steps T or --input POP=FILE (the number of steps is unknown)"
    sim_error "$dir" "--steps: expected a whole number >= 0, got '-1'" --steps -1
    sim_error "$dir" "--steps 2000: input_E.csv (--input E=input_E.csv) has only 1500 rows of input" "${in[@]}" --steps 2000
    sim_error "$dir" "--input X=input_E.csv: unknown population 'X' (the network has E, I)" --input X=input_E.csv
    sim_error "$dir" "the input variable of population E is qif_sfa_op/I_ext, not v" --input E/v=input_E.csv
    sim_error "$dir" "--input I=input_E.csv: input_E.csv has 12 columns: expected 5 (one per unit of I) or 1" \
        --input I=input_E.csv
    sim_error "$dir" "population E has its input from --input E=input_E.csv already" "${in[@]}" --input E=input_E.csv
    sim_error "$dir" "--weights 4=w_EE.csv: no projection '4' (the network has 4, numbered from 0: see --help)" \
        --weights 4=w_EE.csv
    sim_error "$dir" "--weights 3=w_EE.csv: projection 3 (I/lif_op/s -> I/lif_op/s_in) has one weight for every pair" \
        --weights 3=w_EE.csv
    sim_error "$dir" "--weight 0=1: projection 0 (E/qif_sfa_op/s -> E/qif_sfa_op/s_in) has a matrix of weights" --weight 0=1
    sim_error "$dir" "--weights 1=w_EE.csv: 12 x 12 weights, expected 5 x 12 (units of I x units of E)" \
        "${in[@]}" --weights 1=w_EE.csv
    sim_error "$dir" "--weights-coo 2=w_EE.csv: 12 columns: expected 3 (target, source, weight)" \
        "${in[@]}" --weights-coo 2=w_EE.csv
    printf '0,7,1.5\n' > "$dir/bad_coo.csv"
    sim_error "$dir" "entry 1: source index 7 is not a whole number in 0..4" "${in[@]}" --weights-coo 2="$dir/bad_coo.csv"
    sim_error "$dir" "no variable 'zeta' that can be set" "${in[@]}" E/zeta=1
    sim_error "$dir" "E/tau: the kernel reads one value for every neuron" "${in[@]}" E/tau=@eta_E.csv
    sim_error "$dir" "eta=1: expected POP/VAR=VALUE or POP/VAR=@FILE" "${in[@]}" eta=1
    sim_error "$dir" "--spike-threshold X=1: unknown population 'X'" --spike-threshold X=1
    sim_error "$dir" "--dt: the program runs at the dt it was emitted with (0.001)" --dt 0.002
    sim_error "$dir" "--inputs: a network takes its inputs per population: --input POP=FILE" --inputs input_E.csv
    sim_error "$dir" "--cutoff 10: at or beyond the last step (10 steps)" --steps 10 --cutoff 10
}

test_spike_rule_and_scalar_weight_options_change_the_run() {
    need_tools
    local dir=$TMP/ei_qif_lif.0.0 in=(--input E=input_E.csv --input I=input_I.csv) args
    read -ra args <<<"$(command_args ei_qif_lif 0)"
    [ -x "$dir/sim" ] || build_sim "$dir" ei_qif_lif -- "${args[@]}"
    (cd "$GEN/ei_qif_lif" && "$dir/sim" "${in[@]}" --steps 300 -o "$dir/a" 2>/dev/null &&
        "$dir/sim" "${in[@]}" --steps 300 --spike-threshold I=1.5 --spike-reset I=0.5 --weight 3=-2 -o "$dir/b" 2>/dev/null) ||
        fail "sim failed"
    ! cmp -s "$dir/a/spikes_I.csv" "$dir/b/spikes_I.csv" || fail "the spike rule changed nothing"
    grep -qF '"spike_threshold": 1.5, "spike_reset": 0.5' "$dir/b/meta.json" && grep -qF '"weight": -2}' "$dir/b/meta.json" ||
        fail "meta.json: $(cat "$dir/b/meta.json")"
}

test_emit_of_a_network_file_writes_its_kernel_or_program() {
    need_tools
    cd "$GEN/ei_qif_lif" || fail "no network"
    "$RECTIC" emit network.yaml --dt 0.001 --steps 10 -o "$TMP/kernel.c" || fail "emit of a network file failed"
    grep -qF 'long rectic_kernel(rectic_kctx *pop, const rectic_kproj *proj, long steps)' "$TMP/kernel.c" ||
        fail "no network kernel in $(head -c 300 "$TMP/kernel.c")"
    grep -q '^int main' "$TMP/kernel.c" && fail "emit without --standalone wrote a program"
    expect_rectic_error "--standalone writes C: it cannot be combined with --target cuda" -- \
        emit --standalone network.yaml --dt 0.001 --target cuda
    expect_rectic_error "--weights: not for a network file" -- emit --standalone network.yaml --dt 0.001 --weights w_EE.csv
    expect_rectic_error "--record E/zeta" "no variable 'zeta'" -- emit --standalone network.yaml --dt 0.001 --record E/zeta
}

"$PY" tests/netgen.py "$GEN" >"$TMP/gen.log" 2>&1 || rm -rf "$GEN"
printf 'int main(void) { return 0; }\n' > "$TMP/blas.c"
cc "$TMP/blas.c" -lopenblas -o "$TMP/blas" 2>/dev/null && touch "$TMP/blas.ok"

# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

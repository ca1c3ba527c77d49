#!/usr/bin/env bash
# tests/e2e_circuit.sh -- end-to-end tests of `rectic run CIRCUIT` (issue 14, scope 2): PyRates
# CircuitTemplates of ../shared/templates/pyrates run through the command line.
#
#   RECTIC_BUILD=build ./tests/e2e_circuit.sh      (make test runs it)
#
# 1. Every CircuitTemplate that tests/circref.py lists as runnable runs with `rectic run CIRCUIT`, every state
#    and output variable of every node recorded (tests/circrecs.py), and equals tests/circref.py (the NumPy
#    reference of PyRates 1.0.1) within atol 1e-10, rtol 1e-8: one column per node, time.csv n*dt; with
#    --sampling-steps; with --input; with --set; in float32 (atol 1e-3, rtol 1e-3 against float64).
# 2. PyRates' own outputs, ../shared/cases/pyrates_*, through tests/run_case.py.
# 3. Errors: an unknown node, a bad KEY, refused circuits (FILE:LINE:COL), an input into a parameter; the
#    previous output set left as it was.
# Tests needing ../shared are skipped without it; those needing numpy/PyYAML without /usr/bin/python3's.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in /*) RECTIC=$BUILD/rectic ;; *) RECTIC=$ROOT/$BUILD/rectic ;; esac
PY=/usr/bin/python3
CR=$ROOT/tests/circref.py
SHARED=${RECTIC_SHARED:-$ROOT/../shared}
TP=$SHARED/templates/pyrates
M=model_templates
export LC_ALL=C OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e-circuit.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# fail MESSAGE / skip MESSAGE (tests/runner.sh): end the current test.
# shellcheck source=tests/expect_error.sh
. tests/expect_error.sh

work() {
    mkdir -p "$TMP/work/$1" && cd "$TMP/work/$1" || fail "cannot make a work directory"
}

# need: rectic built, the shared templates, python with numpy and PyYAML.
need() {
    [ -x "$RECTIC" ] || skip "$RECTIC not built"
    [ -d "$TP" ] || skip "$TP not found (no ../shared next to this checkout)"
    $PY -c 'import numpy, yaml' 2>/dev/null || skip "$PY cannot import numpy and yaml"
}

# same_as_ref CIRCUIT DT STEPS [OPTIONS...]: rectic and circref run the circuit with every node variable
# recorded (plus OPTIONS) and agree within atol 1e-10, rtol 1e-8; time.csv equal; one column per file.
same_as_ref() {
    local c=$1 dt=$2 steps=$3 recs f
    shift 3
    need
    work "$(basename "$c")$*" 
    recs=$($PY "$ROOT/tests/circrecs.py" "$c" --template-path "$TP") || fail "circrecs.py $c failed"
    # shellcheck disable=SC2086
    $PY "$CR" run "$c" --template-path "$TP" --dt "$dt" --steps "$steps" $recs "$@" -o ref >ref.log 2>&1 ||
        fail "circref.py failed: $(tail -3 ref.log)"
    # shellcheck disable=SC2086
    "$RECTIC" run "$c" --template-path "$TP" --dt "$dt" --steps "$steps" $recs "$@" -o out -q 2>err.txt ||
        fail "rectic failed: $(head -c 500 err.txt)"
    $PY "$CR" compare ref out >cmp.log 2>&1 || fail "differs from circref: $(grep -v ': ok' cmp.log | head -5 | tr '\n' ' ')"
    for f in ref/*.csv; do
        [ -f "out/$(basename "$f")" ] || fail "out/$(basename "$f") missing"
    done
    $PY "$CR" compare ref out time.csv >/dev/null || fail "time.csv differs"
    awk -F, 'NF != 1 { bad = 1 } END { exit bad }' out/*.csv || fail "a recording with more than one column"
}

for c in JRC JRC2 JRC_2delaycoupled; do
    eval "test_${c}_matches_circref() { same_as_ref $M.neural_mass_models.jansenrit.$c 1e-4 3000; }"
done
for c in qif qif_sfa qif_conduct qif_sd qif_tsodyks; do
    eval "test_${c}_matches_circref() { same_as_ref $M.neural_mass_models.qif.$c 1e-3 3000; }"
done
test_WC_matches_circref() { same_as_ref $M.neural_mass_models.wilsoncowan.WC 1e-4 3000; }
test_WC_stp_matches_circref() { same_as_ref $M.neural_mass_models.wilsoncowan.WC_stp 1e-4 3000; }
test_kmo_matches_circref() { same_as_ref $M.oscillators.kuramoto.kmo 1e-3 3000; }
test_kmo_2coupled_matches_circref() { same_as_ref $M.oscillators.kuramoto.kmo_2coupled 1e-3 3000; }
test_vdp_matches_circref() { same_as_ref $M.oscillators.vanderpol.vdp 1e-3 3000; }
test_JRC_2delaycoupled_sampled_matches_circref() {
    same_as_ref $M.neural_mass_models.jansenrit.JRC_2delaycoupled 1e-4 3000 --sampling-steps 7
}
test_qif_input_and_set_match_circref() {
    need
    $PY -c 'import numpy as np; np.savetxt("'"$TMP"'/in.csv", 3 * (np.arange(3000) >= 500))'
    same_as_ref $M.neural_mass_models.qif.qif 1e-3 3000 --input "p/qif_op/I_ext=$TMP/in.csv" --set p/qif_op/eta=-4.5
}

test_inputs_adding_to_edges_match_circref() { # PyRates: an input node joined by an edge of weight 1
    need
    $PY -c 'import numpy as np; np.savetxt("'"$TMP"'/pulse.csv", 2 * ((np.arange(3000) % 700) < 200))'
    $PY -c 'import numpy as np; np.savetxt("'"$TMP"'/u.csv", 220 + 30 * np.sin(np.arange(3000) / 50))'
    same_as_ref $M.neural_mass_models.qif.qif 1e-3 3000 --input "p/qif_op/r_in=$TMP/pulse.csv"
    same_as_ref $M.neural_mass_models.jansenrit.JRC_2delaycoupled 1e-4 3000 --input "jrc1/pc/rpo_e_in/m_in=$TMP/pulse.csv" \
        --input "jrc2/iin/rpo_e/m_in=$TMP/pulse.csv" --input "jrc1/pc/rpo_e_in/m_in=$TMP/u.csv" --input "jrc2/pc/rpo_e_in/u=$TMP/u.csv"
}

test_set_population_from_file_and_one_node_match_circref() {
    need
    printf '3.0e-3\n3.25e-3\n3.5e-3\n3.75e-3\n' >"$TMP/h.csv"
    local sets="--set jrc1/ein/rpo_e/h=3.0e-3 --set jrc1/iin/rpo_e/h=3.25e-3 --set jrc2/ein/rpo_e/h=3.5e-3"
    sets="$sets --set jrc2/iin/rpo_e/h=3.75e-3 --set jrc2/pc/rpo_e_in/tau=0.012" # one PC node: the other keeps 0.01
    local c=$M.neural_mass_models.jansenrit.JRC_2delaycoupled recs
    work set_file
    recs=$($PY "$ROOT/tests/circrecs.py" "$c" --template-path "$TP")
    # shellcheck disable=SC2086
    $PY "$CR" run "$c" --template-path "$TP" --dt 1e-4 --steps 2000 $recs $sets -o ref >ref.log 2>&1 ||
        fail "circref failed: $(tail -3 ref.log)"
    # shellcheck disable=SC2086
    "$RECTIC" run "$c" --template-path "$TP" --dt 1e-4 --steps 2000 $recs --set "IN/rpo_e/h=@$TMP/h.csv" \
        --set jrc2/pc/rpo_e_in/tau=0.012 -o out -q 2>err.txt || fail "rectic failed: $(head -c 400 err.txt)"
    $PY "$CR" compare ref out >cmp.log 2>&1 || fail "differs from circref: $(grep -v ': ok' cmp.log | head -3 | tr '\n' ' ')"
    # shellcheck disable=SC2086
    "$RECTIC" run "$c" --template-path "$TP" --dt 1e-4 --steps 2000 $recs -o plain -q 2>err.txt || fail "plain run failed"
    ! $PY "$CR" compare plain out >/dev/null 2>&1 || fail "the settings changed nothing"
    head -3 "$TMP/h.csv" >h3.csv
    expect_rectic_error "--set IN/rpo_e/h" "holds 3 values: population IN has 4 nodes" -- run "$c" --template-path "$TP" \
        --dt 1e-4 --steps 5 --record v=jrc1/pc/pro/m --set "IN/rpo_e/h=@h3.csv" -o bad
    expect_rectic_error "--set jrc1/ein/rpo_e/h" "a node takes one" -- run "$c" --template-path "$TP" \
        --dt 1e-4 --steps 5 --record v=jrc1/pc/pro/m --set "jrc1/ein/rpo_e/h=@$TMP/h.csv" -o bad
}

# standalone_same CIRCUIT DT STEPS [OPTIONS...]: `rectic emit --standalone` of the circuit, with every node
# variable recorded plus OPTIONS, compiled with -Wall -Wextra -Werror and run with the --input and --steps
# it names, writes the files `rectic run` writes, byte for byte (all but meta.json).
standalone_same() {
    local c=$1 dt=$2 steps=$3 recs f
    shift 3
    need
    cc --version >/dev/null 2>&1 || skip "no cc"
    work "sa_$(basename "$c")$*"
    recs=$($PY "$ROOT/tests/circrecs.py" "$c" --template-path "$TP") || fail "circrecs.py $c failed"
    mkdir sa
    # shellcheck disable=SC2086
    "$RECTIC" emit --standalone "$c" --template-path "$TP" --dt "$dt" --steps "$steps" $recs "$@" -o sa/sim.c 2>emit.txt ||
        fail "emit failed: $(head -c 500 emit.txt)"
    cc -std=c11 -O2 -Wall -Wextra -Werror -DRECTIC_NO_BLAS sa/sim.c -lm -o sa/sim 2>cc.log || fail "cc failed: $(head -c 600 cc.log)"
    local prog
    prog=$(sed -n 's/^rectic: .* run the program with //p' emit.txt)
    # shellcheck disable=SC2086
    ./sa/sim ${prog:---steps $steps} -o out.sa 2>sim.log || fail "sim failed: $(head -c 400 sim.log)"
    # shellcheck disable=SC2086
    "$RECTIC" run "$c" --template-path "$TP" --dt "$dt" --steps "$steps" $recs "$@" -o out.run -q 2>err.txt ||
        fail "rectic run failed: $(head -c 400 err.txt)"
    for f in $(cd out.run && ls); do
        [ "$f" = meta.json ] || cmp -s "out.run/$f" "out.sa/$f" || fail "$f differs ($c $*)"
    done
    [ "$(cd out.run && ls)" = "$(cd out.sa && ls)" ] || fail "other files: $(cd out.sa && ls | tr '\n' ' ')"
}

test_standalone_circuits_write_the_bytes_of_the_run() {
    need
    $PY -c 'import numpy as np; np.savetxt("'"$TMP"'/sa_pulse.csv", 2 * ((np.arange(800) % 300) < 90))'
    $PY -c 'import numpy as np; np.savetxt("'"$TMP"'/sa_u.csv", 220 + 30 * np.sin(np.arange(800) / 50))'
    standalone_same $M.neural_mass_models.jansenrit.JRC_2delaycoupled 1e-4 800 --input "jrc1/pc/rpo_e_in/m_in=$TMP/sa_pulse.csv" \
        --input "jrc2/pc/rpo_e_in/u=$TMP/sa_u.csv" --set "IN/rpo_e/h=0.0031" --set jrc1/pc/rpo_e_in/tau=0.012
    standalone_same $M.neural_mass_models.qif.qif_sd 1e-3 800 --sampling-steps 3
    standalone_same $M.neural_mass_models.wilsoncowan.WC_stp 1e-4 800 --dtype float32
    standalone_same $M.oscillators.kuramoto.kmo_2coupled 1e-3 800 --format npy
}

test_standalone_circuit_project_and_errors() {
    need
    work sa_project
    ring_yaml
    seq 1 20 >in.csv
    "$RECTIC" emit --standalone ring/ring --dt 1e-3 --steps 20 --record a=a/rate_op/r --input a/rate_op/I_ext=in.csv \
        --input b/rate_op/r_in=in.csv --project proj 2>emit.txt || fail "emit --project failed: $(head -c 400 emit.txt)"
    [ -f proj/sim.c ] && [ -f proj/Makefile ] || fail "no sim.c or Makefile in proj"
    grep -q "PyRates circuit ring/ring" proj/README || fail "proj/README does not name the circuit"
    [ "$(wc -l <proj/input_rate_node.csv)" = 20 ] || fail "input_rate_node.csv: not 20 rows"
    [ "$(head -1 proj/input_rate_node.csv)" = "1,0,0" ] || fail "input_rate_node.csv row 0: $(head -1 proj/input_rate_node.csv)"
    [ "$(head -2 proj/input_run_inputs.csv | tail -1)" = 2 ] || fail "input_run_inputs.csv row 1 is not 2"
    grep -q -- "--input rate_node=proj/input_rate_node.csv --input run_inputs=proj/input_run_inputs.csv --steps 20" emit.txt ||
        fail "emit does not say how to run the program: $(cat emit.txt)"
    mkdir odir
    "$RECTIC" emit --standalone ring/ring --dt 1e-3 --steps 20 --record a=a/rate_op/r --input b/rate_op/r_in=in.csv \
        -o odir 2>emit.txt || fail "emit -o DIR failed: $(head -c 400 emit.txt)"
    [ -f odir/sim.c ] && [ -f odir/input_run_inputs.csv ] || fail "-o odir: $(ls odir | tr '\n' ' ')"
    expect_rectic_error "give -o FILE or --project DIR" -- emit --standalone ring/ring --dt 1e-3 --steps 20 \
        --record a=a/rate_op/r --input a/rate_op/I_ext=in.csv
    expect_rectic_error "is a circuit" "give --standalone" -- emit ring/ring --dt 1e-3 --record a=a/rate_op/r
}

# PyRates 1.0.1 reads `edges:` with nothing as no edges, and an EdgeTemplate without operators as none.
test_empty_edges_and_operatorless_edge_templates_match_circref() {
    need
    cat >"$TMP/dm.yaml" <<'EOF'
dummy_edge:
  base: EdgeTemplate
  operators: []
c:
  base: CircuitTemplate
  nodes:
    a: model_templates.neural_mass_models.qif.qif_pop
    b: model_templates.neural_mass_models.qif.qif_pop
  edges:
    - [a/qif_op/r, b/qif_op/r_in, dummy_edge, {weight: 3.0, delay: 0.002}]
    - [b/qif_op/r, a/qif_op/r_in, null, {weight: 2.0}]
empty:
  base: CircuitTemplate
  nodes: {p: model_templates.neural_mass_models.qif.qif_pop}
  edges:
EOF
    $PY -c 'import numpy as np; np.savetxt("'"$TMP"'/dm_in.csv", 3.0 * ((np.arange(500) >= 100) & (np.arange(500) < 300)))'
    same_as_ref "$TMP/dm/c" 1e-3 500 --input "a/qif_op/I_ext=$TMP/dm_in.csv"
    grep -q '^edge a/qif_op/r -> b/qif_op/r_in weight 3 delay 2 steps' <("$RECTIC" check "$TMP/dm/c" --template-path "$TP") ||
        fail "the operator-less edge template is not a plain delayed edge"
    same_as_ref "$TMP/dm/empty" 1e-3 500 --input "p/qif_op/I_ext=$TMP/dm_in.csv"
}

test_every_runnable_circuit_is_tested() {
    need
    local c n
    for c in $($PY "$CR" list --template-path "$TP" | grep ': runs$' | cut -d: -f1); do
        n=${c##*.}
        declare -F "test_${n}_matches_circref" >/dev/null || fail "$c runs but has no test_${n}_matches_circref"
    done
}

test_float32_close_to_float64() {
    need
    work f32
    local c=$M.neural_mass_models.jansenrit.JRC_2delaycoupled recs
    recs=$($PY "$ROOT/tests/circrecs.py" "$c" --template-path "$TP")
    # shellcheck disable=SC2086
    $PY "$CR" run "$c" --template-path "$TP" --dt 1e-4 --steps 2000 $recs -o ref >/dev/null 2>&1 || fail "circref failed"
    # shellcheck disable=SC2086
    "$RECTIC" run "$c" --template-path "$TP" --dt 1e-4 --steps 2000 $recs --dtype float32 -o out -q 2>err.txt ||
        fail "rectic float32 failed: $(head -c 400 err.txt)"
    grep -q '"dtype": "float32"' out/meta.json || fail "meta.json: dtype is not float32"
    $PY "$CR" compare ref out --atol 1e-3 --rtol 1e-3 >cmp.log || fail "float32 far from float64: $(grep -v ': ok' cmp.log | head -3)"
    ! $PY "$CR" compare ref out >/dev/null || fail "float32 run equals float64 within 1e-10: not computed in float32?"
}

test_shared_pyrates_cases_match() {
    [ -x "$RECTIC" ] || skip "$RECTIC not built"
    [ -d "$SHARED/cases/pyrates_qif_mf" ] || skip "$SHARED/cases not found"
    work cases
    local c
    for c in pyrates_qif_mf pyrates_vdp; do
        python3 "$ROOT/tests/run_case.py" "$RECTIC" "$SHARED/cases/$c" "$c" >"$c.log" 2>&1 ||
            fail "run_case.py $c: $(tail -5 "$c.log" | tr '\n' ' ')"
    done
}

test_meta_json_names_the_circuit_and_its_warnings() {
    need
    work meta
    "$RECTIC" run $M.neural_mass_models.jansenrit.JRC_2delaycoupled --template-path "$TP" --dt 1e-4 --steps 10 \
        --record v=jrc1/pc/rpo_e_in/v -o out 2>err.txt || fail "rectic failed: $(head -c 400 err.txt)"
    grep -q '"circuit": "model_templates.neural_mass_models.jansenrit.JRC_2delaycoupled"' out/meta.json ||
        fail "meta.json does not name the circuit"
    local n
    n=$(grep -c '^rectic: warning: ' err.txt)
    [ "$(wc -l <out/v.csv)" = 10 ] || fail "v.csv: $(wc -l <out/v.csv) rows, expected 10"
    if [ "$n" -gt 0 ]; then
        grep -q '"warnings": \["' out/meta.json || fail "$n warnings printed but none in meta.json"
    fi
}

# ring_yaml: writes ring.yaml, three rate nodes in a ring with delayed edges (README's example), here.
ring_yaml() {
    cat >ring.yaml <<'EOF'
rate_op:
  base: OperatorTemplate
  equations: "d/dt * r = (-r + tanh(r_in + I_ext)) / tau"
  variables: {r: output(0.0), tau: 0.01, r_in: input(0.0), I_ext: input(0.0)}
rate_node:
  base: NodeTemplate
  operators: [rate_op]
ring:
  base: CircuitTemplate
  nodes: {a: rate_node, b: rate_node, c: rate_node}
  edges:
    - [a/rate_op/r, b/rate_op/r_in, null, {weight: 2.0, delay: 0.005}]
    - [b/rate_op/r, c/rate_op/r_in, null, {weight: 2.0, delay: 0.0025}]
    - [c/rate_op/r, a/rate_op/r_in, null, {weight: -2.0, delay: 0.005}]
EOF
}

test_check_prints_nodes_edges_delays_and_chains() {
    need
    work check
    "$RECTIC" check $M.neural_mass_models.jansenrit.JRC_2delaycoupled --template-path "$TP" --dt 1e-4 >jrc.txt 2>err.txt ||
        fail "rectic check failed: $(head -c 400 err.txt)"
    grep -q '^population PC: 2 nodes of .*(operators rpo_e_in, rpo_i, pro)$' jrc.txt || fail "no PC population: $(head -3 jrc.txt)"
    grep -q '^  jrc1/ein jrc1/iin jrc2/ein jrc2/iin$' jrc.txt || fail "IN's nodes not listed"
    grep -q '^edge jrc1/pc/pro/m -> jrc2/pc/rpo_e_in/m_in weight 20 chain of 16 ODEs, rate 4000 (.*jansenrit.yaml:135:7)$' jrc.txt ||
        fail "the chain edge is not shown: $(grep '^edge' jrc.txt | head -1)"
    [ "$(grep -c '^edge' jrc.txt)" = 10 ] || fail "$(grep -c '^edge' jrc.txt) edges listed, expected 10"
    ring_yaml
    "$RECTIC" check ring/ring --dt 1e-3 >ring.txt 2>err.txt || fail "rectic check ring failed: $(head -c 400 err.txt)"
    grep -q '^circuit ring/ring (.*ring.yaml:9:3), delays in steps of dt 0.001$' ring.txt || fail "header: $(head -1 ring.txt)"
    grep -q '^edge a/rate_op/r -> b/rate_op/r_in weight 2 delay 5 steps (.*ring.yaml:12:7)$' ring.txt || fail "delay 5 not shown"
    grep -q '^edge b/rate_op/r -> c/rate_op/r_in weight 2 delay 2 steps ' ring.txt || fail "2.5 steps not rounded half to even"
}

test_check_refuses_with_file_line_col() {
    need
    work check_err
    expect_rectic_error "qif.yaml:132:35:" "alpha_edge" -- check $M.neural_mass_models.qif.qif_alpha_syn --template-path "$TP"
    expect_rectic_error "kuramoto.yaml:45:8:" "complex-valued" -- check $M.oscillators.kuramoto.kmo_mf --template-path "$TP"
    ring_yaml
    sed -i 's|c/rate_op/r, a/rate_op/r_in|c/rate_op/q, a/rate_op/r_in|' ring.yaml
    expect_rectic_error "ring.yaml:14:8:" "no variable 'q'" -- check ring/ring
    cat >kc.yaml <<'EOF'
k_op:
  base: OperatorTemplate
  equations: "d/dt * r = (-r + r_in + u) / tau"
  variables: {r: output(0.0), tau: 0.01, r_in: input(0.0), u: input(2.0)}
k_node: {base: NodeTemplate, operators: [k_op]}
kc:
  base: CircuitTemplate
  nodes: {a: k_node, b: k_node}
  edges:
    - [a/k_op/r, b/k_op/u, null, {weight: 1.0}]
EOF
    expect_rectic_error "kc.yaml:10:7:" "keeps its default 2 in PyRates" -- check kc/kc # refused by the network, as run
}

# previous_set: a complete output set in out/ whose files must survive the failing command.
previous_set() {
    "$RECTIC" run $M.neural_mass_models.qif.qif --template-path "$TP" --dt 1e-3 --steps 5 --record r=p/qif_op/r \
        -o out -q || fail "the first run failed"
    cp -r out before
}
intact() {
    diff -r before out >/dev/null || fail "the previous output set changed"
}

test_error_unknown_node() {
    need
    work e_node
    previous_set
    expect_rectic_error "--record r=q/qif_op/r" "no node 'q'" -- run $M.neural_mass_models.qif.qif --template-path "$TP" \
        --dt 1e-3 --steps 5 --record r=q/qif_op/r -o out
    expect_rectic_error "--set q/qif_op/eta" -- run $M.neural_mass_models.qif.qif --template-path "$TP" \
        --dt 1e-3 --steps 5 --record r=p/qif_op/r --set q/qif_op/eta=1 -o out
    intact
}

test_error_bad_key() {
    need
    work e_key
    previous_set
    expect_rectic_error "--record r!=p/qif_op/r" "the key 'r!'" -- run $M.neural_mass_models.qif.qif --template-path "$TP" \
        --dt 1e-3 --steps 5 --record 'r!=p/qif_op/r' -o out
    expect_rectic_error "reserved" -- run $M.neural_mass_models.qif.qif --template-path "$TP" \
        --dt 1e-3 --steps 5 --record 'time=p/qif_op/r' -o out
    intact
}

test_error_refused_circuits_name_file_line_col() {
    need
    work e_refused
    previous_set
    expect_rectic_error "qif.yaml:132:35:" "alpha_edge" -- run $M.neural_mass_models.qif.qif_alpha_syn \
        --template-path "$TP" --dt 1e-3 --steps 5 --record r=p/qif_op/r -o out
    expect_rectic_error "kuramoto.yaml:45:8:" "complex-valued" -- run $M.oscillators.kuramoto.kmo_mf \
        --template-path "$TP" --dt 1e-3 --steps 5 --record r=p/kmo_op/z -o out
    expect_rectic_error "qif.yaml:124:8:" "no operator 'qif_op'" -- run $M.neural_mass_models.qif.qif_gap \
        --template-path "$TP" --dt 1e-3 --steps 5 --record r=p/qif_op/r -o out
    intact
}

test_error_inputs() {
    need
    work e_input
    previous_set
    seq 1 5 >in.csv
    expect_rectic_error "--input p/qif_op/eta" "not an input variable" -- run $M.neural_mass_models.qif.qif \
        --template-path "$TP" --dt 1e-3 --steps 5 --input p/qif_op/eta=in.csv --record r=p/qif_op/r -o out
    expect_rectic_error "--steps 9" "only 5 rows" -- run $M.neural_mass_models.qif.qif --template-path "$TP" \
        --dt 1e-3 --steps 9 --input p/qif_op/I_ext=in.csv --record r=p/qif_op/r -o out
    expect_rectic_error "nothing to write" -- run $M.neural_mass_models.qif.qif --template-path "$TP" --dt 1e-3 --steps 5 -o out
    expect_rectic_error "--weights" -- run $M.neural_mass_models.qif.qif --template-path "$TP" --dt 1e-3 --steps 5 \
        --weights in.csv --record r=p/qif_op/r -o out
    intact
}

# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

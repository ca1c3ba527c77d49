#!/usr/bin/env bash
# End-to-end tests of `rectic emit --standalone` (sim.c byte-identical to `rectic run`) and `rectic plot`.
set -u
cd "$(dirname "$0")/.."
RECTIC=${RECTIC_BUILD:-build}/rectic
RECTIC=$(cd "$(dirname "$RECTIC")" && pwd)/$(basename "$RECTIC")
ROOT=$(pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skip=0
CASE=tests/data/cases/qif_two_runs
RATE=tests/data/cases/li_tanh
QIF=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in
     --input-var I_ext --output-var s --spike-var spike --spike-def v --record v --min-weight 1e-6)
LI=(neuron_model_templates.rate_neurons.leaky_integrator.tanh --source-var tanh_op/r --target-var li_op/r_in
    --input-var li_op/I_ext --output-var li_op/v --record li_op/v --record tanh_op/r --dt 1e-2)

# Builds sim.c for the given emit arguments into $TMP/$1 with extra cc flags $2.
build_sim() {
    local dir=$TMP/$1 flags=$2
    shift 2
    mkdir -p "$dir"
    "$RECTIC" emit "$@" --standalone -o "$dir/sim.c" || return 1
    # shellcheck disable=SC2086
    cc -O2 -Wall -Werror $flags "$dir/sim.c" -o "$dir/sim" $( [ "${flags#*NO_BLAS}" = "$flags" ] && echo -lopenblas ) -lm
}

same_files() { # dir1 dir2 names...
    local a=$1 b=$2
    shift 2
    for f in "$@"; do
        cmp -s "$a/$f" "$b/$f" || { echo "$f differs"; return 1; }
    done
}

test_standalone_seed_is_byte_identical_to_run() {
    build_sim seed "" "${QIF[@]}" --weights $CASE/weights.csv || return 1
    "$TMP/seed/sim" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/seed/o1" 2>/dev/null || return 1
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/seed/o2" -q || return 1
    same_files "$TMP/seed/o1" "$TMP/seed/o2" out.csv v.csv spikes.csv time.csv
}

test_standalone_with_openmp_is_byte_identical_to_run() {
    # N >= 4096: the loops are marked for OpenMP; spikes are flagged in the loop and appended after it
    local big=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --output-var s --spike-var spike
               --spike-def v -N 5000)
    build_sim omp "-fopenmp" "${big[@]}" || return 1
    grep -q "RECTIC_PARALLEL_FOR" "$TMP/omp/sim.c" || { echo "no parallel loops"; return 1; }
    "$TMP/omp/sim" -N 5000 --steps 300 --threads 2 eta=600 -o "$TMP/omp/o1" 2>/dev/null || return 1
    "$RECTIC" run "${big[@]}" --steps 300 --set eta=600 --backend tcc -o "$TMP/omp/o2" -q || return 1
    [ "$(wc -l < "$TMP/omp/o1/spikes.csv")" -gt 1000 ] || { echo "too few spikes"; return 1; }
    same_files "$TMP/omp/o1" "$TMP/omp/o2" out.csv spikes.csv time.csv
}

test_standalone_rate_model_is_byte_identical_to_run() {
    build_sim rate "" "${LI[@]}" --weights $RATE/weights.csv --set li_op/eta=@$RATE/node_var_li_op_eta.csv || return 1
    "$TMP/rate/sim" --weights $RATE/weights.csv --inputs $RATE/inputs.csv -o "$TMP/rate/o1" \
        li_op/eta=@$RATE/node_var_li_op_eta.csv li_op/k=1.5 2>/dev/null || return 1
    "$RECTIC" run "${LI[@]}" --weights $RATE/weights.csv --inputs $RATE/inputs.csv -o "$TMP/rate/o2" -q \
        --set li_op/eta=@$RATE/node_var_li_op_eta.csv --set li_op/k=1.5 || return 1
    same_files "$TMP/rate/o1" "$TMP/rate/o2" out.csv li_op_v.csv tanh_op_r.csv time.csv
}

test_standalone_overrides_match_set() {
    build_sim ov "" "${QIF[@]}" --weights $CASE/weights.csv || return 1
    printf -- '-1\n-2\n-3\n-4\n-5\n' > "$TMP/ov/v0.csv"
    "$TMP/ov/sim" --weights $CASE/weights.csv --inputs $CASE/inputs.csv --steps 2000 -o "$TMP/ov/o1" \
        eta=-4 tau=2 v=@"$TMP/ov/v0.csv" 2>/dev/null || return 1
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv --steps 2000 -o "$TMP/ov/o2" -q \
        --set eta=-4 --set tau=2 --set v=@"$TMP/ov/v0.csv" || return 1
    same_files "$TMP/ov/o1" "$TMP/ov/o2" out.csv v.csv spikes.csv || return 1
    # and the override really changed something
    "$TMP/ov/sim" --weights $CASE/weights.csv --inputs $CASE/inputs.csv --steps 2000 -o "$TMP/ov/o3" 2>/dev/null
    ! cmp -s "$TMP/ov/o1/v.csv" "$TMP/ov/o3/v.csv"
}

test_standalone_npy_sampling_and_float32_match_run() {
    local extra=(--dtype float32 --sampling-steps 7 --sampling-mode mean --cutoff 30 --format npy)
    build_sim f32 "" "${QIF[@]}" --weights $CASE/weights.csv "${extra[@]}" || return 1
    "$TMP/f32/sim" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/f32/o1" 2>/dev/null || return 1
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/f32/o2" -q "${extra[@]}" || return 1
    same_files "$TMP/f32/o1" "$TMP/f32/o2" out.npy v.npy spikes.npy time.npy
}

test_standalone_without_blas_is_within_tolerance() {
    build_sim noblas "-DRECTIC_NO_BLAS" "${QIF[@]}" --weights $CASE/weights.csv || return 1
    "$TMP/noblas/sim" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/noblas/o" 2>/dev/null || return 1
    ldd "$TMP/noblas/sim" | grep -q blas && { echo "linked against BLAS"; return 1; }
    python3 tests/compare.py $CASE "$TMP/noblas/o" --quiet >/dev/null || { python3 tests/compare.py $CASE "$TMP/noblas/o"; return 1; }
}

test_standalone_project_builds_with_make() {
    "$RECTIC" emit "${QIF[@]}" --weights $CASE/weights.csv --standalone --project "$TMP/proj" || return 1
    [ -f "$TMP/proj/sim.c" ] && [ -f "$TMP/proj/Makefile" ] && [ -f "$TMP/proj/README" ] || return 1
    make -s -C "$TMP/proj" >/dev/null || return 1
    "$TMP/proj/sim" --weights $CASE/weights.csv --inputs $CASE/inputs.csv --steps 100 -o "$TMP/proj/o" 2>/dev/null &&
        [ "$(wc -l < "$TMP/proj/o/out.csv")" = 100 ]
}

test_standalone_bad_override_is_error() {
    build_sim bad "" "${QIF[@]}" --weights $CASE/weights.csv || return 1
    local msg
    msg=$("$TMP/bad/sim" --weights $CASE/weights.csv --steps 10 -o "$TMP/bad/o" zeta=1 2>&1) && return 1
    echo "$msg" | grep -qF "no variable 'zeta'" || { echo "$msg"; return 1; }
    msg=$("$TMP/bad/sim" --weights $CASE/weights.csv --steps 10 -o "$TMP/bad/o" eta=@$CASE/weights.csv 2>&1) && return 1
    echo "$msg" | grep -qF "expected 5 (one per neuron)" || { echo "$msg"; return 1; }
    [ ! -e "$TMP/bad/o/out.csv" ]
}

test_plot_writes_png() {
    command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; return 2; }
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/plot" -q \
        --plot "$TMP/plot/fig.png" || return 1
    file "$TMP/plot/fig.png" | grep -q "PNG image data" && [ -s "$TMP/plot/fig.png" ] || return 1
    "$RECTIC" plot "$TMP/plot" v -o "$TMP/plot/v.svg" --inputs $CASE/inputs.csv && [ -s "$TMP/plot/v.svg" ]
}

test_plot_without_gnuplot_keeps_the_run() {
    mkdir -p "$TMP/nognu/bin"
    ln -sf "$(command -v cc)" "$TMP/nognu/bin/cc"
    local msg
    msg=$(PATH="$TMP/nognu/bin" "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --steps 50 -o "$TMP/nognu/o" -q \
          --plot "$TMP/nognu/fig.png" 2>&1) || { echo "run failed: $msg"; return 1; }
    echo "$msg" | grep -qF "gnuplot not found" || { echo "$msg"; return 1; }
    [ -f "$TMP/nognu/o/out.csv" ] && [ ! -e "$TMP/nognu/fig.png" ]
}

for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
    out=$($t 2>&1)
    rc=$?
    if [ $rc = 0 ]; then
        echo "ok $t"; pass=$((pass + 1))
    elif [ $rc = 2 ]; then
        echo "skip $t: $out"; skip=$((skip + 1))
    else
        echo "FAIL $t: $out"; fail=$((fail + 1))
    fi
done
if [ $skip -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ $fail = 0 ]

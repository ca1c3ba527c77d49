#!/usr/bin/env bash
# End-to-end tests of `rectic emit --standalone` (sim.c byte-identical to `rectic run`) and `rectic plot`.
set -u
cd "$(dirname "$0")/.."
RECTIC=${RECTIC_BUILD:-build}/rectic
RECTIC=$(cd "$(dirname "$RECTIC")" && pwd)/$(basename "$RECTIC")
ROOT=$(pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
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

# A state that stops being finite (v' = v^2 + eta, no spike rule, after more than one block of steps): the
# program stops after the same step as rectic run, with its message and exit status 3, and writes the same
# recordings of the steps before it.
test_standalone_stops_at_a_state_that_is_not_finite_as_run() {
    local div=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op -N 3 --output-var v --record s --dt 1e-3)
    build_sim nan "" "${div[@]}" --set eta=1 || return 1
    "$TMP/nan/sim" --steps 5000 eta=1 -o "$TMP/nan/o1" 2>"$TMP/nan/sim.log"
    [ $? = 3 ] || { echo "sim: exit status not 3: $(cat "$TMP/nan/sim.log")"; return 1; }
    "$RECTIC" run "${div[@]}" --steps 5000 --set eta=1 -o "$TMP/nan/o2" 2>"$TMP/nan/run.log"
    [ $? = 3 ] || { echo "rectic run: exit status not 3: $(cat "$TMP/nan/run.log")"; return 1; }
    local want got
    want=$(sed -n 's/^rectic: //p' "$TMP/nan/run.log")
    got=$(sed -n "s|^$TMP/nan/sim: the state|the state|p" "$TMP/nan/sim.log")
    case $want in "the state became infinite at step "*) ;; *) echo "rectic run said: $want"; return 1 ;; esac
    [ "$got" = "$want" ] || { echo "the program said '$got', rectic run '$want'"; return 1; }
    [ "$(wc -l <"$TMP/nan/o1/out.csv")" -gt 1024 ] || { echo "stopped within the first block"; return 1; }
    same_files "$TMP/nan/o1" "$TMP/nan/o2" out.csv s.csv time.csv
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

test_project_refuses_to_overwrite_without_force() {
    local d=$TMP/keep msg
    mkdir -p "$d" && echo "my notes" > "$d/README" && echo "other" > "$d/keep.txt"
    msg=$("$RECTIC" emit "${QIF[@]}" --weights $CASE/weights.csv --project "$d" 2>&1) && { echo "exit 0"; return 1; }
    echo "$msg" | grep -qF "rectic: --project $d: $d/README exists: give --force to overwrite it" || { echo "$msg"; return 1; }
    [ ! -e "$d/sim.c" ] && [ ! -e "$d/Makefile" ] && [ "$(cat "$d/README")" = "my notes" ] || { echo "wrote files"; return 1; }
    "$RECTIC" emit "${QIF[@]}" --weights $CASE/weights.csv --project "$d" --force || return 1
    grep -q "generated by rectic" "$d/README" && [ -s "$d/sim.c" ] && [ "$(cat "$d/keep.txt")" = other ] || return 1
    msg=$("$RECTIC" emit "${QIF[@]}" --weights $CASE/weights.csv --force 2>&1) && { echo "--force alone: exit 0"; return 1; }
    echo "$msg" | grep -qF -- "--force: only with emit --project DIR" || { echo "$msg"; return 1; }
    "$RECTIC" emit --help 2>&1 | grep -qF -- "--force is given" || { echo "--force not in emit --help"; return 1; }
    grep -qF '.B \-\-force' docs/rectic.1 || { echo "--force not in docs/rectic.1"; return 1; }
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

test_standalone_reuses_emitted_weights_and_writes_meta() {
    build_sim reuse "" "${QIF[@]}" --weights $CASE/weights.csv || return 1
    grep -q "rectic_sa_w\[\] = {" "$TMP/reuse/sim.c" || { echo "no weights table in sim.c"; return 1; }
    local msg
    msg=$("$TMP/reuse/sim" --inputs $CASE/inputs.csv -o "$TMP/reuse/o1/" 2>&1) || { echo "$msg"; return 1; }
    case $msg in *//*) echo "path with //: $msg"; return 1 ;; esac
    echo "$msg" | grep -qF "recordings in $TMP/reuse/o1/" || { echo "$msg"; return 1; }
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/reuse/o2" -q || return 1
    same_files "$TMP/reuse/o1" "$TMP/reuse/o2" out.csv v.csv spikes.csv time.csv || return 1
    /usr/bin/python3 - "$TMP/reuse/o1/meta.json" <<'PY' || return 1
import json, sys
m = json.load(open(sys.argv[1]))
assert m["program"] == "standalone" and m["N"] == 5 and m["steps"] == m["steps_done"] > 0, m
assert m["weights"] == "(carried in the program)" and m["inputs"].endswith("inputs.csv"), m
assert m["record"] == ["v"] and m["format"] == "csv" and m["spikes"] > 0 and m["status"] == "done", m
PY
    # --weights replaces them: all zeros uncouple the neurons
    /usr/bin/python3 -c 'print("\n".join(",".join(["0"] * 5) for _ in range(5)))' > "$TMP/reuse/zero.csv"
    "$TMP/reuse/sim" --weights "$TMP/reuse/zero.csv" --inputs $CASE/inputs.csv -o "$TMP/reuse/o3" 2>/dev/null || return 1
    ! cmp -s "$TMP/reuse/o1/v.csv" "$TMP/reuse/o3/v.csv" || { echo "--weights changed nothing"; return 1; }
    grep -qF "zero.csv" "$TMP/reuse/o3/meta.json"
}

test_standalone_of_a_large_network_reads_its_weights_from_a_file() {
    # 300 x 300 dense weights: more than sim.c carries (65536), so the source stays small
    /usr/bin/python3 -c '
import random
random.seed(3)
print("\n".join(",".join("%.6f" % (random.random() * 0.01) for _ in range(300)) for _ in range(300)))' > "$TMP/w300.csv"
    build_sim big "" "${QIF[@]}" --weights "$TMP/w300.csv" || return 1
    [ "$(wc -c < "$TMP/big/sim.c")" -lt 1000000 ] || { echo "sim.c is $(wc -c < "$TMP/big/sim.c") bytes"; return 1; }
    local msg
    msg=$("$TMP/big/sim" --steps 50 -o "$TMP/big/o0" 2>&1) && { echo "ran without weights"; return 1; }
    echo "$msg" | grep -qE "the weights \(89[0-9]{3} nonzero entries\) are too many to be carried in this program: give --weights FILE" ||
        { echo "$msg"; return 1; }
    "$TMP/big/sim" --weights "$TMP/w300.csv" --steps 50 -o "$TMP/big/o1" 2>/dev/null || return 1
    "$RECTIC" run "${QIF[@]}" --weights "$TMP/w300.csv" --steps 50 -o "$TMP/big/o2" -q || return 1
    same_files "$TMP/big/o1" "$TMP/big/o2" out.csv v.csv spikes.csv time.csv
}

test_standalone_refuses_negative_steps_and_disagreeing_n() {
    build_sim args "" "${QIF[@]}" --weights $CASE/weights.csv || return 1
    local msg
    msg=$("$TMP/args/sim" --steps -1 -o "$TMP/args/o" 2>&1) && { echo "--steps -1 accepted"; return 1; }
    echo "$msg" | grep -qF -- "--steps: expected a whole number >= 0, got '-1'" || { echo "$msg"; return 1; }
    msg=$("$TMP/args/sim" --steps 2.5 -o "$TMP/args/o" 2>&1) && { echo "--steps 2.5 accepted"; return 1; }
    msg=$("$TMP/args/sim" -N 7 --steps 10 -o "$TMP/args/o" 2>&1) && { echo "-N 7 accepted"; return 1; }
    echo "$msg" | grep -qF -- "-N 7: the weights (carried in the program) are for 5 neurons" || { echo "$msg"; return 1; }
    msg=$("$TMP/args/sim" -N 7 --weights $CASE/weights.csv --steps 10 -o "$TMP/args/o" 2>&1) && return 1
    echo "$msg" | grep -qF -- "-N 7: the weights ($CASE/weights.csv) are for 5 neurons" || { echo "$msg"; return 1; }
    [ ! -e "$TMP/args/o" ] || return 1
    "$TMP/args/sim" -N 5 --steps 1e3 -o "$TMP/args/o" 2>/dev/null && [ "$(wc -l < "$TMP/args/o/out.csv")" = 1000 ]
}

test_standalone_npy_files_load_in_numpy_like_run() {
    /usr/bin/python3 -c 'import numpy' 2>/dev/null || { echo "SKIP: /usr/bin/python3 has no numpy"; return 2; }
    build_sim np "" "${QIF[@]}" --weights $CASE/weights.csv --format npy || return 1
    "$TMP/np/sim" --inputs $CASE/inputs.csv -o "$TMP/np/sa" 2>/dev/null || return 1
    "$TMP/np/sim" --inputs $CASE/inputs.csv --steps 5 -o "$TMP/np/sa0" 2>/dev/null || return 1
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/np/run" -q --format npy || return 1
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv --steps 5 -o "$TMP/np/run0" -q \
        --format npy || return 1
    same_files "$TMP/np/sa0" "$TMP/np/run0" out.npy spikes.npy time.npy || return 1
    /usr/bin/python3 - "$TMP/np" <<'PY'
import numpy as np, sys
d = sys.argv[1]
for run in ("sa", "run"):
    t, sp, out = (np.load(f"{d}/{run}/{k}.npy") for k in ("time", "spikes", "out"))
    assert t.shape == (out.shape[0],) and t.dtype == np.float64, (run, t.shape, t.dtype)
    assert np.issubdtype(sp.dtype, np.integer) and sp.ndim == 2 and sp.shape[1] == 2 and len(sp) > 0, (run, sp.dtype, sp.shape)
    assert sp[:, 1].max() < 5 and (np.diff(sp[:, 0]) >= 0).all()
    e = np.load(f"{d}/{run}0/spikes.npy")
    assert e.shape == (0, 2) and np.issubdtype(e.dtype, np.integer), (run, e.shape, e.dtype)
PY
}

test_plot_writes_png() {
    command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; return 2; }
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/plot" -q \
        --plot "$TMP/plot/fig.png" || return 1
    file "$TMP/plot/fig.png" | grep -q "PNG image data" && [ -s "$TMP/plot/fig.png" ] || return 1
    "$RECTIC" plot "$TMP/plot" v -o "$TMP/plot/v.svg" --inputs $CASE/inputs.csv && [ -s "$TMP/plot/v.svg" ]
}

test_plot_panels_share_the_time_axis_and_the_raster_has_integer_ticks() {
    # a stand-in gnuplot keeps the script it is given (deterministic text) and writes the output file
    mkdir -p "$TMP/gp/bin"
    printf '#!/bin/sh\ncat > "%s"\nout=$(sed -n "s/^set output .\\(.*\\).$/\\1/p" "%s")\necho x > "$out"\n' \
        "$TMP/gp/script.gp" "$TMP/gp/script.gp" > "$TMP/gp/bin/gnuplot"
    chmod +x "$TMP/gp/bin/gnuplot"
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv -o "$TMP/gp/o" -q || return 1
    PATH="$TMP/gp/bin:$PATH" "$RECTIC" plot "$TMP/gp/o" out -o "$TMP/gp/fig.png" --inputs $CASE/inputs.csv || return 1
    local gp=$TMP/gp/script.gp
    [ "$(grep -c '^plot ' "$gp")" = 3 ] || { echo "expected 3 panels:"; cat "$gp"; return 1; }
    # each of the 3 panels sets its margins (in screen coordinates) before its plot, all to the same values
    [ "$(awk '/^set lmargin at screen/ {m = m $0 "|"} /^set rmargin at screen/ {m = m $0}
              /^plot / {print m; m = ""}' "$gp" | grep -c 'lmargin at screen.*rmargin at screen')" = 3 ] ||
        { echo "a panel without both margins at screen:"; cat "$gp"; return 1; }
    [ "$(grep '^set [lr]margin' "$gp" | sort -u | wc -l)" = 2 ] || { echo "margins differ:"; grep margin "$gp"; return 1; }
    # one time range for all panels: the recording's (steps 0 .. 5999 of dt 1e-3)
    grep -qx 'set xrange \[0:5.999[0-9]*\]' "$gp" || { echo "no common time range:"; grep xrange "$gp"; return 1; }
    # the raster: 5 neurons, a tick on each whole number 0..4
    grep -qx "set yrange \[-0.5:4.5\]" "$gp" && grep -qx "set ytics 0,1" "$gp" && grep -qx "set format y '%.0f'" "$gp" ||
        { echo "raster axis:"; grep 'ytics\|yrange\|format' "$gp"; return 1; }
}

test_plot_places_spikes_at_their_step_with_sampling() {
    # the stand-in gnuplot keeps the raster's data file too
    mkdir -p "$TMP/gps/bin"
    printf '#!/bin/sh\ncat > "%s"\nout=$(sed -n "s/^set output .\\(.*\\).$/\\1/p" "%s")\necho x > "$out"\n' \
        "$TMP/gps/script.gp" "$TMP/gps/script.gp" > "$TMP/gps/bin/gnuplot"
    printf 'r=$(sed -n "s/^plot .\\([^ ]*raster.dat\\).*/\\1/p" "%s"); cp "$r" "%s"\n' \
        "$TMP/gps/script.gp" "$TMP/gps/raster.dat" >> "$TMP/gps/bin/gnuplot"
    chmod +x "$TMP/gps/bin/gnuplot"
    "$RECTIC" run "${QIF[@]}" --weights $CASE/weights.csv --inputs $CASE/inputs.csv --sampling-steps 10 \
        -o "$TMP/gps/o" -q || return 1
    PATH="$TMP/gps/bin:$PATH" "$RECTIC" plot "$TMP/gps/o" out -o "$TMP/gps/fig.png" || return 1
    # spike (step, neuron) at time step * dt (dt = 1e-3), not step * (time between rows)
    local step neuron t
    IFS=, read -r step neuron < "$TMP/gps/o/spikes.csv"
    read -r t _ < "$TMP/gps/raster.dat" || { echo "no raster data"; return 1; }
    awk -v t="$t" -v s="$step" 'BEGIN { exit !(t > s * 1e-3 - 1e-9 && t < s * 1e-3 + 1e-9) }' ||
        { echo "first spike at step $step plotted at t = $t"; return 1; }
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

# shellcheck source=tests/runner.sh
. tests/runner.sh
run_tests

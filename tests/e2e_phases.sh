#!/usr/bin/env bash
# tests/e2e_phases.sh -- end-to-end tests of where a run's wall time goes: -v and meta.json's timings name
# the phases (read, build coupling, generate, compile, run, write) and the unaccounted rest, which add up to
# the wall time; --set NAME=@FILE compiles the kernel once; a load's progress shows with -v when stderr is no
# terminal, never with -q.  (No figure is checked against a time: speed lives in bench.)
#
#   RECTIC_BUILD=build ./tests/e2e_phases.sh   (make test runs it)
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
# shellcheck source=tests/sh_env.sh
. tests/sh_env.sh

# A QIF network of 50 neurons with dense weights (CSV) and eta per neuron, in a fresh directory.
QIF=(run neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in
     --input-var I_ext --output-var s --spike-var spike --spike-def v --steps 300 --weights J.csv)
network() {
    fresh
    python3 -c '
n = 50
open("J.csv", "w").write("".join(",".join(str(((i * 3 + j) % 7 - 3) / 40) for j in range(n)) + "\n" for i in range(n)))
open("eta.csv", "w").write("".join(str(1 + i % 9) + "\n" for i in range(n)))'
}

# adds_up TEXT: the -v line's phases add up to its wall time (to its rounding), none negative.
adds_up() {
    python3 - "$1" <<'EOF' || fail "-v: the phases do not add up: $1"
import re, sys
line = sys.argv[1]
ms = {k: float(v) for k, v in re.findall(r"(read|build coupling|generate|compile|run|write|unaccounted|wall) ([0-9.-]+) ms", line)}
assert len(ms) == 8, ms
total = sum(v for k, v in ms.items() if k != "wall")
assert abs(total - ms["wall"]) < 0.01, (total, ms)
assert all(v >= 0 for k, v in ms.items() if k != "unaccounted") and ms["unaccounted"] > -0.01, ms
parts = [float(x) for x in re.search(r"\(template ([0-9.]+), weights ([0-9.]+), files ([0-9.]+)\)", line).groups()]
assert abs(sum(parts) - ms["read"]) < 0.01, (parts, ms)
EOF
}

test_verbose_phases_add_up_to_the_wall_time() {
    network
    "$RECTIC" "${QIF[@]}" --set eta=@eta.csv --record v -v -o o 2>err || fail "exit $?: $(cat err)"
    local line
    line=$(grep -E '^read ' err) || fail "no phases line: $(cat err)"
    adds_up "$line"
    "$RECTIC" "${QIF[@]}" --backend cc --format npy -v -o o 2>err || fail "exit $?: $(cat err)"
    adds_up "$(grep -E '^read ' err)"
}

test_meta_json_timings_add_up_to_its_wall_time() {
    network
    "$RECTIC" "${QIF[@]}" --set eta=@eta.csv -q -o o 2>err || fail "exit $?: $(cat err)"
    python3 - o/meta.json <<'EOF' || fail "meta.json timings: $(grep timings o/meta.json)"
import json, sys
t = json.load(open(sys.argv[1]))["timings"]
keys = ["read", "coupling", "generate", "compile", "run", "write", "unaccounted"]
assert abs(sum(t[k] for k in keys) - t["wall"]) < 1e-5, t
assert abs(t["template"] + t["weights"] + t["files"] - t["read"]) < 1e-5, t
assert t["write"] > 0 and t["run"] > 0 and t["compile"] > 0 and t["unaccounted"] > -1e-5, t
EOF
}

test_set_from_a_file_compiles_once() {
    network
    local b
    export XDG_CACHE_HOME=$PWD/cache # a cold cache: cc compiles (a cached kernel counts no compilation)
    for b in tcc cc; do
        "$RECTIC" "${QIF[@]}" --set eta=@eta.csv --backend $b -q -o $b 2>err || fail "$b: exit $?: $(cat err)"
        grep -q '"compilations": 1,' $b/meta.json || fail "$b: $(grep compilations $b/meta.json)"
    done
}

test_a_load_shows_its_progress_with_verbose_only() {
    network
    RECTIC_PROGRESS_DELAY=0 "$RECTIC" "${QIF[@]}" -v -o o 2>err || fail "exit $?: $(cat err)"
    grep -q '^rectic: loading the weights: ' err || fail "-v: no progress line: $(cat err)"
    RECTIC_PROGRESS_DELAY=0 "$RECTIC" "${QIF[@]}" -o o 2>err || fail "exit $?: $(cat err)"
    ! grep -q 'loading the weights' err || fail "no -v, no terminal: a progress line: $(cat err)"
    RECTIC_PROGRESS_DELAY=0 "$RECTIC" "${QIF[@]}" -v -q -o o 2>err || fail "exit $?: $(cat err)"
    ! grep -q 'loading the weights' err || fail "-q: a progress line: $(cat err)"
}

run_tests

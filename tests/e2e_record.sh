#!/usr/bin/env bash
# tests/e2e_record.sh -- end-to-end tests of recording subsets: --record VAR[A:B], [KEY=]VAR@FILE and
# out[A:B] hold the columns of the whole recording at those neurons (byte for byte, CSV and .npy),
# --record-spikes A:B / @FILE the whole run's spikes of those neurons, network files take POP/VAR[A:B] and
# --record-spikes POP[A:B], meta.json lists the neurons, and bad subsets are refused with messages and no
# output set.
#
#   RECTIC_BUILD=build ./tests/e2e_record.sh   (make test runs it)
#
# Every test is a function test_* that starts in an empty work directory of its own (tests/runner.sh runs
# each in a subshell).
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
# shellcheck source=tests/sh_env.sh
. tests/sh_env.sh

# rr ARGS...: runs rectic; fails the test (with rectic's message) when it exits non-zero.
rr() {
    "$RECTIC" "$@" >rr.out 2>rr.err || fail "rectic $* -> exit $?: $(head -c 600 rr.err)"
}

# refused MESSAGE ARGS...: rectic ARGS exits 1 with MESSAGE on stderr and writes no output set into x/.
refused() {
    local msg=$1
    shift
    "$RECTIC" "$@" -o x >out 2>err
    local rc=$?
    [ $rc = 1 ] || fail "rectic $* -> exit $rc (expected 1): $(head -c 300 err)"
    grep -qF -- "$msg" err || fail "rectic $*: expected '$msg', got: $(head -c 400 err)"
    [ ! -e x/meta.json ] || fail "rectic $*: an output set was written"
}

# A spiking QIF network of 12 neurons with coupling, eta per neuron, 400 steps.
N=12
QIF=(run neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in
     --input-var I_ext --output-var s --spike-var spike --spike-def v --steps 400 --backend tcc -q)

# network: enters a fresh directory and writes J.csv and eta.csv there.
network() {
    fresh
    python3 - <<'EOF'
n = 12
with open("J.csv", "w") as f:
    for i in range(n):
        f.write(",".join(repr(round(0.3 * ((i * 7 + j * 3) % 5) - 0.6, 3)) for j in range(n)) + "\n")
with open("eta.csv", "w") as f:
    for i in range(n):
        f.write(repr(200.0 + 90.0 * i) + "\n")
EOF
    QIF+=(--weights J.csv --set eta=@eta.csv)
}

# columns WHOLE SUB COLS...: the CSV SUB holds the columns COLS of the CSV WHOLE, as written (byte for byte).
columns() {
    python3 - "$@" <<'EOF' || fail "$2 is not columns ${*:3} of $1"
import sys
whole = [l.rstrip("\n").split(",") for l in open(sys.argv[1])]
sub = [l.rstrip("\n").split(",") for l in open(sys.argv[2])]
cols = [int(c) for c in sys.argv[3:]]
assert len(whole) == len(sub) and len(whole) > 10, (len(whole), len(sub))
for r, (w, s) in enumerate(zip(whole, sub)):
    assert s == [w[c] for c in cols], (r, s, [w[c] for c in cols])
EOF
}

# spikes_of WHOLE SUB NEURONS...: the spikes CSV SUB holds the rows of WHOLE of those neurons, in order.
spikes_of() {
    python3 - "$@" <<'EOF' || fail "$2 is not the spikes of neurons ${*:3} in $1"
import sys
keep = {int(c) for c in sys.argv[3:]}
whole = [l for l in open(sys.argv[1]) if int(l.split(",")[1]) in keep]
sub = list(open(sys.argv[2]))
assert sub == whole and len(sub) > 5, (len(sub), len(whole))
EOF
}

# meta_neurons DIR: the recorded_neurons member of DIR/meta.json, as KEY=i,j,... words.
meta_neurons() {
    python3 -c 'import json,sys
m = json.load(open(sys.argv[1])).get("recorded_neurons", {})
print(" ".join("%s=%s" % (k, ",".join(map(str, v))) for k, v in m.items()))' "$1/meta.json"
}

test_a_range_holds_the_columns_of_the_whole_recording() {
    network
    rr "${QIF[@]}" --record v --record qif_op/s_in -o whole
    rr "${QIF[@]}" --record 'v[3:7]' --record 'qif_op/s_in[:2]' -o sub
    columns whole/v.csv sub/v.csv 3 4 5 6
    columns whole/qif_op_s_in.csv sub/qif_op_s_in.csv 0 1
    cmp -s whole/out.csv sub/out.csv || fail "out changed"
    cmp -s whole/spikes.csv sub/spikes.csv || fail "spikes changed"
    [ "$(meta_neurons sub)" = "v=3,4,5,6 qif_op_s_in=0,1" ] || fail "meta.json: $(meta_neurons sub)"
}

test_a_file_of_indices_under_a_key() {
    network
    printf '9\n2\n11\n' >idx.csv
    rr "${QIF[@]}" --record v -o whole
    rr "${QIF[@]}" --record v --record 'vpick=v@idx.csv' -o sub
    cmp -s whole/v.csv sub/v.csv || fail "the whole v changed"
    columns whole/v.csv sub/vpick.csv 9 2 11
    [ "$(meta_neurons sub)" = "vpick=9,2,11" ] || fail "meta.json: $(meta_neurons sub)"
}

test_the_output_and_npy_files_of_a_subset() {
    network
    rr "${QIF[@]}" --format csv -o whole
    rr "${QIF[@]}" --record 'out[10:12]' --sampling-steps 3 --sampling-mode mean -o mean_sub
    rr "${QIF[@]}" --sampling-steps 3 --sampling-mode mean -o mean_whole
    columns mean_whole/out.csv mean_sub/out.csv 10 11
    rr "${QIF[@]}" --record 'v[0:5]' --format npy -o npy
    python3 - npy/v.npy <<'EOF' || fail "v.npy: wrong shape"
import ast, sys
h = open(sys.argv[1], "rb").read(128)
d = ast.literal_eval(h[10:10 + h[8] + 256 * h[9]].decode())
assert d["shape"] == (400, 5), d
EOF
}

test_spikes_of_a_subset() {
    network
    printf '1 5 8\n' | tr ' ' '\n' >idx.csv
    rr "${QIF[@]}" -o whole
    rr "${QIF[@]}" --record-spikes 4:9 -o range
    rr "${QIF[@]}" --record-spikes @idx.csv -o file
    rr "${QIF[@]}" --record-spikes='[0:3]' -o eq
    spikes_of whole/spikes.csv range/spikes.csv 4 5 6 7 8
    spikes_of whole/spikes.csv file/spikes.csv 1 5 8
    spikes_of whole/spikes.csv eq/spikes.csv 0 1 2
    [ "$(meta_neurons file)" = "spikes=1,5,8" ] || fail "meta.json: $(meta_neurons file)"
    grep -q '"spikes": [1-9]' file/meta.json || fail "meta.json counts no spike"
}

test_bad_subsets_are_refused() {
    network
    printf '1\n2.5\n' >frac.csv
    printf '1\n3\n1\n' >twice.csv
    refused "--record v[5:2]: the range 5:2 is empty (the neurons are 0 .. 11)" "${QIF[@]}" --record 'v[5:2]'
    refused "--record v[0:13]: the range 0:13 reaches past the last neuron (the neurons are 0 .. 11)" "${QIF[@]}" \
        --record 'v[0:13]'
    refused "--record v[a:b]: expected a range of neurons [A:B]" "${QIF[@]}" --record 'v[a:b]'
    refused "--record v@frac.csv: frac.csv: entry 2 is 2.5: expected a neuron index" "${QIF[@]}" --record v@frac.csv
    refused "--record v@twice.csv: record v: neuron 1 is listed twice (entry 2)" "${QIF[@]}" --record v@twice.csv
    refused "--record zeta: no variable 'zeta'" "${QIF[@]}" --record 'zeta[0:2]'
    refused "--record-spikes 0:20: the range 0:20 reaches past the last neuron" "${QIF[@]}" --record-spikes 0:20
    refused "--record v: the key time is reserved for the time of each recorded row" "${QIF[@]}" --record 'time=v[0:2]'
    "$RECTIC" emit neuron_model_templates.spiking_neurons.qif.qif --op qif_op --output-var s --spike-var spike \
        --spike-def v --record 'v[0:2]' -N 4 --standalone >out 2>err && fail "emit --standalone took a subset"
    grep -qF "recording subsets of neurons is not available" err || fail "emit --standalone: $(cat err)"
}

# ei: a fresh directory with ei.yaml, an E (8 units, eta per unit) and an I (5 units) QIF population.
ei() {
    fresh
    python3 - <<'EOF'
with open("eta_e.csv", "w") as f:
    f.write("".join(repr(300.0 + 80.0 * i) + "\n" for i in range(8)))
open("ei.yaml", "w").write('''populations:
  E: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 8, spike: {var: spike, def: v},
      set: {eta: "@eta_e.csv"}}
  I: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 5, spike: {var: spike, def: v},
      set: {eta: 200}}
projections:
  - {source: E/s, target: I/s_in, weight: 0.05}
  - {source: I/s, target: E/s_in, weight: -0.05}
''')
EOF
}

NET=(run ei.yaml --steps 400 --backend tcc -q)

test_network_subsets_of_a_population() {
    ei
    printf '4\n0\n' >idx.csv
    rr "${NET[@]}" --record E/v --record I/v -o whole
    rr "${NET[@]}" --record 'E/v[2:6]' --record 'iv=I/v@idx.csv' --record-spikes 'E[1:3]' -o sub
    columns whole/E_v.csv sub/E_v.csv 2 3 4 5
    columns whole/I_v.csv sub/iv.csv 4 0
    spikes_of whole/spikes_E.csv sub/spikes_E.csv 1 2
    cmp -s whole/spikes_I.csv sub/spikes_I.csv || fail "spikes_I changed"
    [ "$(meta_neurons sub)" = "E_v=2,3,4,5 iv=4,0 spikes_E=1,2" ] || fail "meta.json: $(meta_neurons sub)"
}

test_network_subsets_are_refused_with_messages() {
    ei
    refused "--record E/v[0:9]: the range 0:9 reaches past the last neuron (the neurons are 0 .. 7)" "${NET[@]}" \
        --record 'E/v[0:9]'
    refused "--record out=E/v[0:2]: the key out is reserved for the output" "${NET[@]}" --record 'out=E/v[0:2]'
    refused "--record-spikes Z[0:2]: unknown population 'Z'" "${NET[@]}" --record-spikes 'Z[0:2]'
    refused "--record-spikes 0:2: expected POP[A:B] or POP@FILE" "${NET[@]}" --record-spikes 0:2
    refused "--record-spikes: not for a network file" "${NET[@]}" --record-spikes
}

run_tests

#!/usr/bin/env bash
# tests/e2e_mpi.sh -- end-to-end tests of `mpirun -np P rectic run ...` (issue 18): every data file (all but
# meta.json) byte-identical to one process for P = 1..4 (P > N too): one template with dense, sparse,
# event-driven and small inline coupling, spikes, recordings and sampling; a rate network whose coupling
# reads an algebraic variable; a network file of several populations with sparse, dense, scalar and delayed
# projections; a PyRates circuit with delays; meta.json's "mpi" member; one message for a failure on every
# rank; --save-state under MPI loaded by another P; the bytes exchanged between steps are the scheme's
# (sparse rows' needed entries, dense sources, delay rings every D_min steps, reductions' terms, spike indices).
#
#   RECTIC_BUILD=build ./tests/e2e_mpi.sh      (make test runs it; skipped where mpirun is missing)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Under make asan: OpenMPI itself leaves memory allocated at MPI_Finalize (libmpi, its dlopen'd components,
# libyaml inside them), which LeakSanitizer would report as rectic's; the leak check of rectic's own code is
# done by every other test, address and UB checks stay on here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
QIF=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in --input-var I_ext
     --output-var s --spike-var spike --spike-def v --dt 1e-3 --record v -q)

# need_mpi: skips the test where mpirun is missing.
need_mpi() {
    command -v mpirun >/dev/null || skip "no mpirun (apt-get install openmpi-bin libopenmpi-dev)"
}

# mpi P ARGS...: runs rectic on P ranks; fails the test with its messages when it exits non-zero.
mpi() {
    local p=$1
    shift
    mpirun --oversubscribe -np "$p" "$RECTIC" "$@" >mpi.out 2>mpi.err ||
        fail "mpirun -np $p rectic $* -> exit $?: $(head -c 800 mpi.err)"
}

# same DIR1 DIR2: every file but meta.json is in both and byte-identical.
same() {
    local f b n=0
    for f in "$1"/*; do
        b=$(basename "$f")
        [ "$b" = meta.json ] && continue
        cmp -s "$f" "$2/$b" || fail "$b differs between $1 and $2"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || fail "$1: no data files"
    [ "$(cd "$1" && echo *)" = "$(cd "$2" && echo *)" ] || fail "$1 and $2 hold different files"
}

# compare ARGS...: one process into one/, then P = 1..4 ranks into pP/, each the same bytes.
compare() {
    rr run "$@" -o one
    for p in 1 2 3 4; do
        mpi "$p" run "$@" -o "p$p"
        same one "p$p"
        grep -q "\"ranks\": $p," "p$p/meta.json" || fail "p$p/meta.json: no \"mpi\": {\"ranks\": $p"
    done
    [ "${SMALL:-}" ] || held p1 p2 p3 p4 # (a kernel for <= 20 units reads W whole, by columns: kept whole)
}

# held DIR1 DIR...: with weights, every rank of a run on P > 1 ranks holds fewer weight bytes than one rank.
held() {
    local msg
    msg=$(python3 - "$@" 2>&1 <<'EOF'
import json, sys
one = json.load(open(sys.argv[1] + "/meta.json"))["mpi"]["weight_bytes_held"][0]
for d in sys.argv[2:]:
    per = json.load(open(d + "/meta.json"))["mpi"]["weight_bytes_held"]
    assert one == 0 or max(per) < one, (d, per, one)
EOF
) || fail "weights held: $(printf '%s' "$msg" | tail -c 300)"
}

# qif_data N T: writes J.csv (N x N, ~30% non-zero) and inp.csv (T x N) for a QIF network that spikes.
qif_data() {
    python3 - "$1" "$2" <<'EOF'
import random, sys
n, t = int(sys.argv[1]), int(sys.argv[2])
random.seed(5)
with open("J.csv", "w") as f:
    for i in range(n):
        f.write(",".join("%.6g" % (random.uniform(-2, 3) if random.random() < 0.3 else 0) for j in range(n)) + "\n")
with open("inp.csv", "w") as f:
    for s in range(t):
        f.write(",".join("%.6g" % random.uniform(100, 400) for j in range(n)) + "\n")
EOF
}

test_one_template_dense_sparse_event_equal_one_process_for_1_to_4_ranks() {
    need_mpi
    in_workdir
    qif_data 37 400
    for c in dense sparse event; do
        compare "${QIF[@]}" --weights J.csv --inputs inp.csv --coupling "$c"
        [ "$(wc -l <one/spikes.csv)" -gt 20 ] || fail "too few spikes to compare ($c)"
    done
    compare "${QIF[@]}" --weights J.csv --inputs inp.csv --sampling-steps 3 --sampling-mode mean --cutoff 10 \
        --record 'vsub=v[5:30]'
}

# record_values ONE DIR...: in each DIR (a run on P ranks), meta.json's "mpi" record_values are what the ranks'
# recordings hold: rank 0 every recorded column of every row (it gathers them), each other rank only the
# columns of its own units.  Recorded columns: ONE's out.csv, out[3:33]; v.csv, all 37; vl.csv, idx.csv's list.
own_record_values() {
    local msg
    msg=$(python3 - "$@" 2>&1 <<'EOF'
import json, sys
rows = len(open(sys.argv[1] + "/out.csv").readlines())
cols = [list(range(3, 33)), list(range(37)), [int(x) for x in open("idx.csv").read().split()]]
for d in sys.argv[2:]:
    m = json.load(open(d + "/meta.json"))["mpi"]
    want = [rows * sum(len(c) if r == 0 else sum(lo <= u < hi for u in c) for c in cols)
            for r, (lo, hi) in enumerate(m["blocks"])]
    assert m["record_values"] == want, (d, m["record_values"], want)
    assert len(want) == 1 or max(want[1:]) < want[0], want
EOF
) || fail "record_values: $(printf '%s' "$msg" | tail -c 400)"
}

test_each_rank_records_only_the_columns_of_its_own_units() {
    need_mpi
    in_workdir
    qif_data 37 400
    printf '30\n2\n17\n36\n5\n20\n' >idx.csv # a list out of order: columns in this order
    compare "${QIF[@]}" --weights J.csv --inputs inp.csv --record 'vl=v@idx.csv' --record 'out[3:33]' \
        --sampling-steps 3 --sampling-mode mean --cutoff 10
    own_record_values one p1 p2 p3 p4
    [ "$(wc -l <one/vl.csv)" = 130 ] || fail "vl.csv: $(wc -l <one/vl.csv) rows, expected 130"
}

test_more_ranks_than_neurons_and_the_small_inline_kernel() {
    need_mpi
    in_workdir
    qif_data 3 300
    SMALL=1 compare "${QIF[@]}" --weights J.csv --inputs inp.csv
    grep -q '"blocks": \[\[0, 1\], \[1, 2\], \[2, 3\], \[3, 3\]\]' p4/meta.json || fail "p4: blocks $(grep -o '"blocks[^]]*]]' p4/meta.json)"
}

test_rate_network_coupled_through_an_algebraic_variable() {
    need_mpi
    in_workdir
    qif_data 23 300
    compare neuron_model_templates.rate_neurons.leaky_integrator.tanh --weights J.csv --source-var tanh_op/r \
        --target-var li_op/r_in --input-var li_op/I_ext --output-var tanh_op/r --record li_op/v --inputs inp.csv -q
}

# ei_net: writes network.yaml (E: 13 QIF-SFA units, I: 6 QIF units; dense, delayed dense, COO and delayed
# scalar projections) and its files.
ei_net() {
    python3 - <<'EOF'
import random
random.seed(7)
def write(name, rows):
    with open(name, "w") as f:
        f.writelines(",".join("%.6g" % x for x in row) + "\n" for row in rows)
ne, ni, steps = 13, 6, 400
write("eta_E.csv", [[random.gauss(-1.0, 1.0)] for i in range(ne)])
write("w_EE.csv", [[0 if i == j else random.uniform(0, 0.5) for j in range(ne)] for i in range(ne)])
write("w_EI.csv", [[random.uniform(0, 1) for j in range(ne)] for i in range(ni)])
write("w_IE.csv", [(i, j, -random.uniform(0, 2)) for i in range(ne) for j in range(ni) if random.random() < 0.5])
write("in_E.csv", [[40 + random.gauss(0, 4)] for n in range(steps)])
write("in_I.csv", [[50 + random.gauss(0, 4) for i in range(ni)] for n in range(steps)])
with open("network.yaml", "w") as f:
    f.write("""populations:
  E: {template: neuron_model_templates.spiking_neurons.qif.qif_sfa, op: qif_sfa_op, n: 13,
      input: I_ext, spike: {var: spike, def: v}, set: {eta: "@eta_E.csv", alpha: 0.5}}
  I: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 6,
      input: I_ext, spike: {var: spike, def: v}}
projections:
  - {source: E/s, target: E/s_in, weights: w_EE.csv}
  - {source: E/s, target: I/s_in, weights: w_EI.csv, delay: 0.003}
  - {source: I/s, target: E/s_in, weights-coo: w_IE.csv}
  - {source: I/s, target: I/s_in, weight: -0.05, delay: 0.002}
""")
EOF
}

test_network_file_of_populations_projections_and_delays() {
    need_mpi
    in_workdir
    ei_net
    local args=(network.yaml --input E/I_ext=in_E.csv --input I/I_ext=in_I.csv --record E/v --record I_v=I/v
                --output-var E/s -q)
    compare "${args[@]}"
    compare "${args[@]}" --coupling dense
    compare "${args[@]}" --coupling event
    [ "$(wc -l <one/spikes_E.csv)" -gt 10 ] || fail "too few spikes to compare"
}

test_populations_record_their_own_units_columns_of_subsets_and_the_mean() {
    need_mpi
    in_workdir
    ei_net
    printf '4\n0\n5\n2\n' >ix.csv
    compare network.yaml --input E/I_ext=in_E.csv --input I/I_ext=in_I.csv --record 'ev=E/v[2:11]' \
        --record 'I_v=I/v@ix.csv' --output-var E/s --sampling-steps 2 --sampling-mode mean -q
    local msg
    msg=$(python3 - 2>&1 <<'EOF'
import json
rows = len(open("one/out.csv").readlines())
recorded = [("E", list(range(13))), ("E", list(range(2, 11))), ("I", [4, 0, 5, 2])]  # out, ev, I_v
assert rows == 200, rows
for P in (1, 2, 3, 4):
    m = json.load(open("p%d/meta.json" % P))["mpi"]
    want = [rows * sum(len(c) if r == 0 else sum(m["blocks"][pop][r][0] <= u < m["blocks"][pop][r][1] for u in c)
                       for pop, c in recorded) for r in range(P)]
    assert m["record_values"] == want, (P, m["record_values"], want, m["blocks"])
EOF
) || fail "record_values: $(printf '%s' "$msg" | tail -c 400)"
}

test_projection_from_a_coupled_algebraic_variable_and_a_coupled_reduction() {
    need_mpi
    in_workdir
    cat >tpl.yaml <<'EOF'
a_op:
  base: OperatorTemplate
  equations: ["r = tanh(r_in + I_ext)", "d/dt * v = (-v + r) / tau"]
  variables: {v: output(0.0), r: variable(0.0), tau: 0.01, r_in: input(0.0), I_ext: input(0.0)}
m_op:
  base: OperatorTemplate
  equations: ["r = tanh(r_in + I_ext)", "d/dt * v = (-v + r - mean(r)) / tau"]
  variables: {v: output(0.0), r: variable(0.0), tau: 0.01, r_in: input(0.0), I_ext: input(0.0)}
a_node:
  base: NodeTemplate
  operators: [a_op]
m_node:
  base: NodeTemplate
  operators: [m_op]
EOF
    python3 - <<'EOF'
import random
random.seed(3)
def write(name, rows):
    open(name, "w").writelines(",".join("%.6g" % x for x in r) + "\n" for r in rows)
write("wCA.csv", [[random.uniform(-1, 1) for j in range(6)] for i in range(7)])
write("wAB.csv", [[random.uniform(-1, 1) for j in range(7)] for i in range(5)])
write("inC.csv", [[random.uniform(-1, 1) for j in range(6)] for n in range(300)])
open("net.yaml", "w").write("""populations:
  C: {template: tpl.a_node, op: a_op, n: 6, input: I_ext}
  A: {template: tpl.a_node, op: a_op, n: 7}
  B: {template: tpl.m_node, op: m_op, n: 5}
projections:
  - {source: C/v, target: A/r_in, weights: wCA.csv}
  - {source: A/r, target: B/r_in, weights: wAB.csv}
""")
EOF
    # A's r depends on A's coupling and B reads it in the same step; B's mean(r) reads its coupling
    SMALL=1 compare net.yaml --dt 1e-3 --input C/I_ext=inC.csv --record A/v --record B/v --record A/r --record B/r -q
}

# rate_net: writes net.yaml (P: 40 rate units with a sparse banded projection onto themselves and a delayed
# sparse one from far units; T: 2 units reading all of P through a dense projection, with mean() over its
# units) and its files.
rate_net() {
    cat >tpl.yaml <<'EOF'
r_op:
  base: OperatorTemplate
  equations: "d/dt * r = (-r + tanh(r_in + I_ext)) / tau"
  variables: {r: output(0.1), tau: 0.01, r_in: input(0.0), I_ext: input(0.0)}
m_op:
  base: OperatorTemplate
  equations: ["q = tanh(r_in)", "d/dt * v = (-v + q - mean(q)) / tau"]
  variables: {v: output(0.0), q: variable(0.0), tau: 0.02, r_in: input(0.0)}
r_node:
  base: NodeTemplate
  operators: [r_op]
m_node:
  base: NodeTemplate
  operators: [m_op]
EOF
    python3 - <<'EOF'
import random
random.seed(11)
n = 40
def write(name, rows):
    open(name, "w").writelines(",".join("%.6g" % x for x in r) + "\n" for r in rows)
write("band.csv", [(i, j % n, random.uniform(-1, 1)) for i in range(n) for j in (i - 2, i + 1, i + 3)])
write("far.csv", [(i, (i + n // 2) % n, random.uniform(-1, 1)) for i in range(n)])
write("wPT.csv", [[random.uniform(-0.2, 0.2) for j in range(n)] for i in range(2)])
write("inP.csv", [[random.uniform(-1, 1) for j in range(n)] for s in range(301)])
open("net.yaml", "w").write("""populations:
  P: {template: tpl.r_node, op: r_op, n: 40, input: I_ext}
  T: {template: tpl.m_node, op: m_op, n: 2}
projections:
  - {source: P/r, target: P/r_in, weights-coo: band.csv}
  - {source: P/r, target: T/r_in, weights: wPT.csv}
  - {source: P/r, target: P/r_in, weights-coo: far.csv, delay: 0.003}
""")
EOF
}

# scheme_bytes DIR P STEPS: every rank's bytes received between steps (meta.json) are what the scheme says
# for rate_net's network: after each step the entries of P/r that a rank's sparse and dense rows read of
# other ranks' units, the delay ring's entries every D_min = 3 steps (the last partial batch crosses at the
# block's end, with the rest of the state), and within each step T's terms of mean(q).
scheme_bytes() {
    local msg
    msg=$(python3 - "$@" 2>&1 <<'EOF'
import json, sys
d, P, S = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def block(n, r):  # populations stay in equal blocks (--mpi-partition balances one template's --weights-coo)
    base, extra = divmod(n, P)
    lo = r * base + min(r, extra)
    hi = lo + base + (r < extra)
    return (n, n) if lo == hi else (lo, hi)
def coo(name):
    return [tuple(int(float(x)) for x in line.split(",")[:2]) for line in open(name)]
band, far = coo("band.csv"), coo("far.csv")
got = json.load(open(d + "/meta.json"))["mpi"]["bytes_received"]
for r in range(P):
    lo, hi = block(40, r)
    tlo, thi = block(2, r)
    own = set(range(lo, hi))
    step = {j for i, j in band if lo <= i < hi} | (set(range(40)) if thi > tlo else set())
    ring = {j for i, j in far if lo <= i < hi}
    want = S * 8 * len(step - own) + (S // 3) * 3 * 8 * len(ring - own) + (S * 8 * (2 - (thi - tlo)) if P > 1 else 0)
    assert got[r] == want, (d, r, got[r], want)
EOF
) || fail "bytes received: $(printf '%s' "$msg" | tail -c 400)"
}

test_sparse_rate_exchange_sends_only_the_entries_each_rank_reads() {
    need_mpi
    in_workdir
    rate_net
    local args=(net.yaml --dt 1e-3 --steps 301 --input P/I_ext=inP.csv --record P/r --record T/v --record T/q -q)
    SMALL=1 compare "${args[@]}"
    for p in 1 2 3 4; do
        scheme_bytes "p$p" "$p" 301
    done
}

test_event_coupling_exchanges_spike_indices_only() {
    need_mpi
    in_workdir
    qif_data 37 400
    compare "${QIF[@]}" --weights J.csv --inputs inp.csv --coupling event
    local msg
    msg=$(python3 - 2>&1 <<'EOF'
import json
spikes = [int(float(line.split(",")[1])) for line in open("one/spikes.csv") if line[0].isdigit()]
assert len(spikes) > 20, len(spikes)
for P in (2, 3, 4):
    meta = json.load(open("p%d/meta.json" % P))["mpi"]
    for r, (lo, hi) in enumerate(meta["blocks"]):
        mine = sum(lo <= j < hi for j in spikes)
        want = 400 * 4 * (P - 1) + 4 * (len(spikes) - mine)  # the counts, then the units (ints)
        assert meta["bytes_received"][r] == want, (P, r, meta["bytes_received"][r], want)
EOF
) || fail "event coupling bytes: $(printf '%s' "$msg" | tail -c 400)"
}

test_pyrates_circuit_with_delays() {
    need_mpi
    in_workdir
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
    - [b/rate_op/r, c/rate_op/r_in, null, {weight: 2.0, delay: 0.005}]
    - [c/rate_op/r, a/rate_op/r_in, null, {weight: -2.0, delay: 0.005}]
EOF
    python3 -c 'for n in range(800): print(1.0 if 100 <= n < 300 else 0.0)' >pulse.csv
    rr run ring/ring --dt 1e-4 --steps 800 --input a/rate_op/I_ext=pulse.csv --record a=a/rate_op/r \
        --record c=c/rate_op/r -q -o one
    for p in 2 3; do
        mpi "$p" run ring/ring --dt 1e-4 --steps 800 --input a/rate_op/I_ext=pulse.csv --record a=a/rate_op/r \
            --record c=c/rate_op/r -q -o "p$p"
        same one "p$p"
    done
}

test_an_error_on_every_rank_is_said_once_and_ends_all() {
    need_mpi
    in_workdir
    local rc=0
    mpirun --oversubscribe -np 3 "$RECTIC" run "${QIF[@]}" --weights missing.csv --steps 10 -o out >o.txt 2>e.txt || rc=$?
    [ "$rc" = 1 ] || fail "exit $rc, expected 1: $(cat e.txt)"
    [ "$(grep -c 'missing.csv' e.txt)" = 1 ] || fail "expected one message naming missing.csv: $(cat e.txt)"
    [ ! -e out ] || fail "out/ written after a failure"
    qif_data 7 50 # a failure when the run starts (recordings over --max-memory): MPI_Abort, one message
    rc=0
    mpirun --oversubscribe -np 3 "$RECTIC" run "${QIF[@]}" --weights J.csv --inputs inp.csv --max-memory 1000 \
        -o out >o.txt 2>e.txt || rc=$?
    [ "$rc" != 0 ] || fail "exit 0 after a failure"
    [ "$(grep -c '^rectic: MPI: the recordings exceed the memory limit' e.txt)" = 1 ] ||
        fail "expected the message once: $(cat e.txt)"
    [ ! -e out/meta.json ] || fail "an output set written after a failure"
    ei_net # the same for a network of populations (each records its own columns: none may stream)
    rc=0
    mpirun --oversubscribe -np 2 "$RECTIC" run network.yaml --input E/I_ext=in_E.csv --input I/I_ext=in_I.csv \
        --record E/v --output-var E/s --max-memory 1000 -q -o out >o.txt 2>e.txt || rc=$?
    [ "$rc" != 0 ] || fail "exit 0 after a failure (network)"
    [ "$(grep -c '^rectic: MPI: the recordings exceed the memory limit' e.txt)" = 1 ] ||
        fail "expected the message once (network): $(cat e.txt)"
    [ ! -e out/meta.json ] || fail "an output set written after a failure (network)"
}

test_state_saved_under_mpi_loads_with_another_number_of_ranks() {
    need_mpi
    in_workdir
    qif_data 17 600
    head -n 250 inp.csv >first.csv
    tail -n +251 inp.csv >rest.csv
    local c
    for c in sparse event; do
        rr run "${QIF[@]}" --weights J.csv --inputs inp.csv --coupling $c -o whole
        mpi 2 run "${QIF[@]}" --weights J.csv --inputs first.csv --coupling $c --save-state s.npz -o p1
        mpi 3 run "${QIF[@]}" --weights J.csv --inputs rest.csv --coupling $c --load-state s.npz -o p2
        rr run "${QIF[@]}" --weights J.csv --inputs rest.csv --coupling $c --load-state s.npz -o q2
        for f in out.csv v.csv; do
            cat "p1/$f" "p2/$f" | cmp -s - "whole/$f" || fail "$f: 2 ranks then 3 differ from one whole run ($c)"
            cat "p1/$f" "q2/$f" | cmp -s - "whole/$f" || fail "$f: 2 ranks then one process differ ($c)"
        done
    done
}

test_checkpoints_and_a_fitted_readout_are_one_process_bytes() {
    need_mpi
    in_workdir
    qif_data 29 300
    python3 -c 'import math
for n in range(300): print("%.6g" % math.sin(n / 7.0))' >y.csv
    rr run "${QIF[@]}" --weights J.csv --inputs inp.csv --coupling event --checkpoint-every 100 --save-state one.npz -o one
    mpi 3 run "${QIF[@]}" --weights J.csv --inputs inp.csv --coupling event --checkpoint-every 100 --save-state p.npz -o p
    same one p
    cmp -s one.npz p.npz || fail "the state file of 3 ranks differs from one process's"
    rr fit ridge "${QIF[@]}" --weights J.csv --inputs inp.csv --targets y.csv --washout 20 -o fit1
    mpi 2 fit ridge "${QIF[@]}" --weights J.csv --inputs inp.csv --targets y.csv --washout 20 -o fit2
    same fit1 fit2
    [ -s fit2/readout.csv ] || fail "no readout.csv"
}

test_standalone_mpi_program_writes_the_bytes_of_rectic_run() {
    need_mpi
    command -v mpicc >/dev/null || skip "no mpicc (libopenmpi-dev)"
    in_workdir
    qif_data 31 300
    rr emit "${QIF[@]}" --weights J.csv --inputs inp.csv --coupling sparse --standalone --mpi -o sim.c
    mpicc -std=c11 -O2 -Wall -Wextra -Werror sim.c -lm -o sim 2>cc.err || fail "mpicc: $(head -c 600 cc.err)"
    rr run "${QIF[@]}" --weights J.csv --inputs inp.csv --coupling sparse -o one
    for p in 1 3; do
        mpirun --oversubscribe -np "$p" ./sim --weights J.csv --inputs inp.csv -o "s$p" >sim.out 2>&1 ||
            fail "mpirun -np $p ./sim: $(head -c 600 sim.out)"
        same one "s$p"
    done
    ei_net # a network file's program too
    local net=(network.yaml --input E/I_ext=in_E.csv --input I/I_ext=in_I.csv --record E/v --record I_v=I/v
               --output-var E/s -q)
    rr emit "${net[@]}" --standalone --mpi -o net.c
    mpicc -std=c11 -O2 -Wall -Wextra -Werror net.c -lm -o net 2>cc.err || fail "mpicc net.c: $(head -c 600 cc.err)"
    rr run "${net[@]}" -o none
    mpirun --oversubscribe -np 3 ./net --input E=in_E.csv --input I=in_I.csv -o n3 >net.out 2>&1 ||
        fail "mpirun -np 3 ./net: $(head -c 600 net.out)"
    same none n3
    printf '4\n0\n5\n2\n' >ix.csv # subsets, one out of order, and the output's mean: each rank its columns
    net=(network.yaml --input E/I_ext=in_E.csv --input I/I_ext=in_I.csv --record 'ev=E/v[2:11]'
         --record 'I_v=I/v@ix.csv' --output-var E/s --sampling-steps 2 --sampling-mode mean -q)
    rr emit "${net[@]}" --standalone --mpi -o sub.c
    mpicc -std=c11 -O2 -Wall -Wextra -Werror sub.c -lm -o sub 2>cc.err || fail "mpicc sub.c: $(head -c 600 cc.err)"
    rr run "${net[@]}" -o sone
    mpirun --oversubscribe -np 4 ./sub --input E=in_E.csv --input I=in_I.csv -o sub4 >sub.out 2>&1 ||
        fail "mpirun -np 4 ./sub: $(head -c 600 sub.out)"
    same sone sub4
    rate_net # sparse, dense and delayed rate projections, a reduction, a population smaller than P
    local rate=(net.yaml --dt 1e-3 --steps 301 --input P/I_ext=inP.csv --record P/r --record T/v --record T/q -q)
    rr emit "${rate[@]}" --standalone --mpi -o rate.c
    mpicc -std=c11 -O2 -Wall -Wextra -Werror rate.c -lm -o rate 2>cc.err || fail "mpicc rate.c: $(head -c 600 cc.err)"
    rr run "${rate[@]}" -o rone
    mpirun --oversubscribe -np 4 ./rate --input P=inP.csv -o r4 >rate.out 2>&1 ||
        fail "mpirun -np 4 ./rate: $(head -c 600 rate.out)"
    same rone r4
}

run_tests

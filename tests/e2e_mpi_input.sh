#!/usr/bin/env bash
# tests/e2e_mpi_input.sh -- end-to-end tests of what each rank of `mpirun -np P rectic run ...` reads of the
# input files (issue 18 scope 2): each rank reads and holds only the columns of its own units of --inputs
# FILE (one template) and of --input POP/VAR=FILE (a network of populations), .npy and CSV, and keeps only
# its columns of a circuit's inputs; every data file byte-identical to one process for P = 1..4; meta.json's
# input_values_read says each rank read T x (its units) values and all ranks together T x N; a T x 1 input
# is read whole; a malformed field or row in one rank's columns ends every rank with the message one process
# prints (the error earliest in the file), once, and leaves the previous output set intact; the memory a
# rank holds of a large input shrinks with P; FORCE feedback adds to a rank's inputs as to one process's;
# the standalone --mpi programs read their inputs the same way.
#
#   RECTIC_BUILD=build ./tests/e2e_mpi_input.sh      (make test runs it; skipped where mpirun is missing)
#
# Every test is a function test_* run by tests/runner.sh in a subshell, in its own empty work directory.
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"
# shellcheck source=tests/mpi_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mpi_lib.sh"

QIF=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --source-var s --target-var s_in --input-var I_ext
     --output-var s --spike-var spike --spike-def v --dt 1e-3 --record v --record I_ext -q --weights W.npy)
N=61  # neurons of the template: blocks of 61 / P
T=200 # steps

# reads DIR T [POP...]: meta.json's input_values_read of DIR: rank r read T x (its units) values of the
# template's input, or of the inputs of populations POP... of a network (its blocks in meta.json), and all
# ranks together T x (all those units).
reads() {
    py "$@" <<'EOF'
import json, sys
d, t, pops = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
m = json.load(open(d + "/meta.json"))["mpi"]
blocks = [m["blocks"][p] for p in pops] if pops else [m["blocks"]]
want = [t * sum(b[r][1] - b[r][0] for b in blocks) for r in range(m["ranks"])]
assert m["input_values_read"] == want, (d, m["input_values_read"], want)
assert sum(want) == t * sum(b[-1][1] for b in blocks), want
EOF
}

# data: W.npy (N x N, ~30% non-zero), inputs that make the QIF neurons spike as inp.npy (T x N float64),
# inp32.npy (float32), inp.csv (with a byte order mark, a comment, a blank line, CRLF line ends) and inp.txt
# (blank-separated), and one column (inp1.csv).
data() {
    py "$N" "$T" <<'EOF'
import sys, numpy as np
n, t = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(3)
np.save("W.npy", (rng.random((n, n)) < 0.3) * rng.uniform(-2, 3, (n, n)))
x = rng.uniform(100, 400, (t, n))
np.save("inp.npy", x)
np.save("inp32.npy", x.astype(np.float32))
rows = [",".join(repr(v) for v in row) for row in x]
with open("inp.csv", "w", newline="") as f:
    f.write("\ufeff# inputs\r\n" + "\r\n".join(rows[:5]) + "\r\n\r\n" + "\r\n".join(rows[5:]) + "\r\n")
with open("inp.txt", "w") as f:
    f.write("\n".join("  ".join(repr(v) for v in row) for row in x) + "\n")
np.savetxt("inp1.csv", x[:, :1])
EOF
}

# compare ARGS...: one process into one/, then P = 1..4 ranks into pP/, each the same bytes.
compare() {
    rr run "$@" -o one
    for p in 1 2 3 4; do
        on_ranks "$p" "p$p" "$@"
        same_as_one "p$p"
    done
}

test_template_inputs_read_per_rank_give_one_process_bytes_npy_and_csv() {
    need_tools
    in_workdir
    data
    local f p
    for f in inp.npy inp.csv inp.txt; do
        compare "${QIF[@]}" --inputs "$f"
        for p in 1 2 3 4; do
            reads "p$p" "$T"
        done
    done
    [ "$(wc -l <one/spikes.csv)" -gt 20 ] || fail "too few spikes to compare"
    compare "${QIF[@]}" --inputs inp32.npy --dtype float32 --coupling sparse
    reads p3 "$T"
    compare "${QIF[@]}" --input I_ext=inp1.csv # T x 1: read whole by every rank
    py <<'EOF'
import json
per = json.load(open("p3/meta.json"))["mpi"]["input_values_read"]
assert per == [200, 200, 200], per
EOF
}

# pops: network.yaml (E: 13 QIF units, I: 6, P: 1; dense, COO and delayed projections) with inputs T x 13
# (in_E.npy), T x 6 (in_I.csv) and T x 1 (in_P.csv).
pops() {
    py <<'EOF'
import numpy as np
rng = np.random.default_rng(9)
t = 200
np.savetxt("w_EE.csv", rng.uniform(0, 0.5, (13, 13)), delimiter=",")
# COO onto E, most entries onto its first units: E's blocks balanced by synapses are unequal
np.savetxt("w_IE.csv", [(i, j, -rng.uniform(0, 2)) for i in range(13) for j in range(6) if i < 3 or j == i % 6],
           delimiter=",", fmt=["%d", "%d", "%.17g"])
np.savetxt("w_EI.csv", rng.uniform(0, 1, (6, 13)), delimiter=",")
np.save("in_E.npy", rng.uniform(100, 400, (t, 13)))
np.savetxt("in_I.csv", rng.uniform(100, 400, (t, 6)), delimiter=",")
np.savetxt("in_P.csv", rng.uniform(0, 1, (t, 1)))
open("network.yaml", "w").write("""populations:
  E: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 13,
      input: I_ext, spike: {var: spike, def: v}}
  I: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 6,
      input: I_ext, spike: {var: spike, def: v}}
  P: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 1,
      input: I_ext, spike: {var: spike, def: v}}
projections:
  - {source: E/s, target: E/s_in, weights: w_EE.csv}
  - {source: I/s, target: E/s_in, weights-coo: w_IE.csv, delay: 0.002}
  - {source: E/s, target: I/s_in, weights: w_EI.csv}
""")
EOF
}

test_network_of_populations_inputs_read_per_rank_give_one_process_bytes() {
    need_tools
    in_workdir
    pops
    local p args=(network.yaml --dt 1e-3 --input E/I_ext=in_E.npy --input I/I_ext=in_I.csv --record E/v
                  --record E/I_ext --record I/I_ext --record P/v --output-var E/s -q)
    compare "${args[@]}"
    for p in 1 2 3 4; do
        reads "p$p" 200 E I
    done
    meta p4 'm["blocks"]["E"] != [[0, 4], [4, 7], [7, 10], [10, 13]]' # (balanced: not equal blocks)
    [ "$(wc -l <one/spikes_E.csv)" -gt 10 ] || fail "too few spikes to compare"
    compare "${args[@]}" --input P/I_ext=in_P.csv --dtype float32 # T x 1: read whole by every rank
    py <<'EOF'
import json
m = json.load(open("p4/meta.json"))["mpi"]
b = m["blocks"]
want = [200 * (b["E"][r][1] - b["E"][r][0] + b["I"][r][1] - b["I"][r][0] + 1) for r in range(4)]
assert m["input_values_read"] == want, (m["input_values_read"], want)
EOF
}

test_circuit_inputs_keep_each_ranks_columns_and_give_one_process_bytes() {
    need_tools
    in_workdir
    py <<'EOF'
import yaml
op = {"base": "OperatorTemplate", "equations": "d/dt * r = (-r + tanh(r_in + I_ext)) / tau",
      "variables": {"r": "output(0.0)", "tau": 0.01, "r_in": "input(0.0)", "I_ext": "input(0.0)"}}
edge = lambda a, b, w, **more: ["%s/rate_op/r" % a, "%s/rate_op/r_in" % b, None, dict(weight=w, **more)]
yaml.safe_dump({"rate_op": op, "rate_node": {"base": "NodeTemplate", "operators": ["rate_op"]},
                "ring": {"base": "CircuitTemplate", "nodes": {k: "rate_node" for k in "abcd"},
                         "edges": [edge("a", "b", 2.0), edge("b", "c", 2.0, delay=0.005), edge("c", "d", 2.0),
                                   edge("d", "a", -2.0)]}}, open("ring.yaml", "w"))
EOF
    py <<'EOF'
import numpy as np
np.savetxt("pulse.csv", [1.0 if 100 <= n < 300 else 0.0 for n in range(600)])
np.savetxt("ramp.csv", [n / 600 for n in range(600)])
EOF
    local p args=(ring/ring --dt 1e-4 --steps 600 --input a/rate_op/I_ext=pulse.csv --input c/rate_op/I_ext=ramp.csv
                  --record a=a/rate_op/r --record c=c/rate_op/r --record d=d/rate_op/r -q)
    rr run "${args[@]}" -o one
    for p in 2 3 4; do
        on_ranks "$p" "p$p" "${args[@]}"
        same_as_one "p$p"
    done
}

# bad_run P FILE ARGS...: a run of P ranks (0: one process) that must fail: exit status in rc, messages in
# e.txt.
bad_run() {
    local p=$1
    shift
    rc=0
    if [ "$p" = 0 ]; then
        "$RECTIC" run "$@" -o out >o.txt 2>e.txt || rc=$?
    else
        mpirun --oversubscribe -np "$p" "$RECTIC" run "$@" -o out >o.txt 2>e.txt || rc=$?
    fi
    [ "$rc" != 0 ] || fail "exit 0 for a malformed input ($*)"
}

test_a_malformed_input_in_one_ranks_columns_ends_all_ranks_with_one_process_message() {
    need_tools
    in_workdir
    data
    pops
    local p rc want
    on_ranks 3 out "${QIF[@]}" --inputs inp.csv # the previous output set
    cp -r out before
    py <<'EOF'
lines = open("inp.csv", newline="").read().split("\r\n")  # lines[k] is line k + 1 of the file
def field(lines, line, col, text):  # a copy of lines with field col of line `line` replaced
    out = list(lines)
    f = out[line - 1].split(",")
    f[col] = text
    out[line - 1] = ",".join(f)
    return out
# a bad field on line 40 in column 50 (the last rank's), another on line 90 in column 3 (rank 0's): line 40's
open("bad.csv", "w", newline="").write("\r\n".join(field(field(lines, 40, 50, "1.5x"), 90, 3, "nan?")))
short = list(lines)
short[120] = ",".join(short[120].split(",")[:-1])  # a row one field short (the last rank's column)
open("short.csv", "w", newline="").write("\r\n".join(short))
raw = open("inp.npy", "rb").read()
open("trunc.npy", "wb").write(raw[: len(raw) - 100])
lines = [l.split(",") for l in open("in_I.csv").read().splitlines()]
lines[30][5] = "--"  # the last unit of I: the last rank's column
open("bad_I.csv", "w").write("\n".join(",".join(l) for l in lines) + "\n")
EOF
    for f in bad.csv short.csv trunc.npy; do
        bad_run 0 "${QIF[@]}" --inputs "$f"
        want=$(cat e.txt)
        case "$want" in *"--inputs: $f:"*) ;; *) fail "one process: $want" ;; esac
        for p in 2 3 4; do
            bad_run "$p" "${QIF[@]}" --inputs "$f"
            [ "$rc" = 1 ] || fail "$f, $p ranks: exit $rc, expected 1: $(cat e.txt)"
            [ "$(grep -c '^rectic: ' e.txt)" = 1 ] || fail "$f, $p ranks: expected one message: $(cat e.txt)"
            [ "$(grep '^rectic: ' e.txt)" = "$want" ] || fail "$f, $p ranks: '$(cat e.txt)', one process: '$want'"
        done
        diff -r before out >/dev/null || fail "$f: the previous output set changed"
    done
    bad_run 3 "${QIF[@]}" --inputs bad.csv
    grep -q "^rectic: --inputs: bad.csv:40:[0-9]*: expected a number, found '1.5x'" e.txt ||
        fail "expected line 40's field: $(cat e.txt)"
    local args=(network.yaml --dt 1e-3 --input E/I_ext=in_E.npy --input I/I_ext=bad_I.csv -q)
    bad_run 0 "${args[@]}"
    want=$(cat e.txt)
    grep -q "^rectic: --input I/I_ext: bad_I.csv:31:" e.txt || fail "one process: $want"
    bad_run 4 "${args[@]}"
    [ "$(grep '^rectic: ' e.txt)" = "$want" ] || fail "4 ranks: '$(cat e.txt)', one process: '$want'"
}

test_standalone_mpi_program_reads_each_ranks_columns_with_the_bytes_and_messages_of_one_process() {
    need_tools
    command -v mpicc >/dev/null || skip "no mpicc (libopenmpi-dev)"
    in_workdir
    data
    pops
    local f p want
    rr emit "${QIF[@]}" --inputs inp.csv --standalone --mpi -o sim.c
    mpicc -std=c11 -O2 -Wall -Wextra -Werror sim.c -lm -o sim 2>cc.err || fail "mpicc: $(head -c 600 cc.err)"
    for f in inp.npy inp.csv; do
        rr run "${QIF[@]}" --inputs "$f" -o one
        for p in 1 3 4; do
            mpirun --oversubscribe -np "$p" ./sim --weights W.npy --inputs "$f" -o "s$p" >sim.out 2>&1 ||
                fail "mpirun -np $p ./sim --inputs $f: $(head -c 600 sim.out)"
            same_as_one "s$p"
        done
    done
    py <<'EOF'
rows = [l.split(",") for l in open("inp.csv", newline="").read().split("\r\n")]
rows[39][50] = "1.5x"  # line 40, the last rank's column: before line 90's bad field in rank 0's column 3
rows[89][3] = "--"
open("bad.csv", "w", newline="").write("\r\n".join(",".join(r) for r in rows))
EOF
    rr emit "${QIF[@]}" --inputs inp.csv --standalone -o sim1.c # one process, without MPI
    cc -std=c11 -O2 sim1.c -lm -o sim1 2>cc.err || fail "cc: $(head -c 600 cc.err)"
    ./sim1 --weights W.npy --inputs bad.csv -o bad1 >/dev/null 2>e1.txt && fail "one process: exit 0 for bad.csv"
    want=$(sed 's/^[^:]*: //' e1.txt) # (the program's name apart)
    case "$want" in "bad.csv:40:"*) ;; *) fail "one process: $(cat e1.txt)" ;; esac
    for p in 2 3 4; do
        rc=0
        mpirun --oversubscribe -np "$p" ./sim --weights W.npy --inputs bad.csv -o bad >o.txt 2>e.txt || rc=$?
        [ "$rc" != 0 ] || fail "$p ranks: exit 0 for bad.csv"
        [ "$(grep -c 'bad.csv' e.txt)" = 1 ] || fail "$p ranks: expected one message: $(cat e.txt)"
        [ "$(grep bad.csv e.txt | sed 's/^[^:]*: //')" = "$want" ] || fail "$p ranks: '$(cat e.txt)', one process: '$want'"
    done
    local net=(network.yaml --dt 1e-3 --input E/I_ext=in_E.npy --input I/I_ext=in_I.csv --record E/v
               --record E/I_ext --record I/I_ext --output-var E/s -q)
    rr emit "${net[@]}" --standalone --mpi -o net.c
    mpicc -std=c11 -O2 -Wall -Wextra -Werror net.c -lm -o net 2>cc.err || fail "mpicc net.c: $(head -c 600 cc.err)"
    rr run "${net[@]}" -o one
    for p in 1 4; do
        mpirun --oversubscribe -np "$p" ./net --input E=in_E.npy --input I=in_I.csv -o "n$p" >net.out 2>&1 ||
            fail "mpirun -np $p ./net: $(head -c 600 net.out)"
        same_as_one "n$p"
    done
}

test_feedback_on_inputs_read_per_rank_is_one_process_bytes() {
    need_tools
    in_workdir
    py <<'EOF'
import numpy as np
rng = np.random.default_rng(4)
n, t = 30, 300
j = rng.normal(0, 1, (n, n)) * (rng.random((n, n)) < 0.3)
np.savetxt("J.csv", j * 0.9 / max(abs(np.linalg.eigvals(j))), delimiter=",")
np.save("u.npy", rng.normal(0, 0.5, (t, n)))  # one column per unit: each rank reads its own
np.savetxt("fb.csv", rng.uniform(-1, 1, (n, 1)), delimiter=",")
np.savetxt("y.csv", np.sin(np.arange(t) / 9.0)[:, None])
open("net.yaml", "w").write("""populations:
  P: {template: neuron_model_templates.rate_neurons.leaky_integrator.tanh, n: 30, input: li_op/I_ext,
      set: {li_op/tau: 0.1}}
projections:
  - {source: P/tanh_op/r, target: P/li_op/r_in, weights: J.csv}
""")
EOF
    local p rls=(--feedback-weights fb.csv --targets y.csv --alpha 0.5 --update-every 2 --dt 0.01 -q)
    local tmpl=("$LI" --weights J.csv --source-var tanh_op/r --target-var li_op/r_in --input-var li_op/I_ext
                --output-var li_op/v --set li_op/tau=0.1 --inputs u.npy --record li_op/I_ext)
    rr fit rls "${tmpl[@]}" "${rls[@]}" -o one
    for p in 2 3; do
        mpirun --oversubscribe -np "$p" "$RECTIC" fit rls "${tmpl[@]}" "${rls[@]}" -o "p$p" >mpi.out 2>mpi.err ||
            fail "$p ranks: fit rls (template): $(head -c 600 mpi.err)"
        same_as_one "p$p"
        reads "p$p" 300
    done
    local net=(net.yaml --input P/li_op/I_ext=u.npy --output-var P/li_op/v --record P/li_op/I_ext)
    rr fit rls "${net[@]}" "${rls[@]}" -o one
    for p in 2 3; do
        mpirun --oversubscribe -np "$p" "$RECTIC" fit rls "${net[@]}" "${rls[@]}" -o "p$p" >mpi.out 2>mpi.err ||
            fail "$p ranks: fit rls (network): $(head -c 600 mpi.err)"
        same_as_one "p$p"
        reads "p$p" 300 P
    done
}

test_a_rank_holds_only_its_part_of_a_large_input() {
    need_tools
    in_workdir
    py <<'EOF'
import numpy as np
np.save("big.npy", np.random.default_rng(1).uniform(100, 400, (20000, 500)))  # 80 MB
EOF
    local args=(neuron_model_templates.spiking_neurons.qif.qif --op qif_op --input-var I_ext --output-var v
                --spike-var spike --spike-def v -N 500 --dt 1e-4 --sampling-steps 1000 -q --inputs big.npy)
    rr run "${args[@]}" -o one
    on_ranks 1 p1 "${args[@]}"
    on_ranks 4 p4 "${args[@]}"
    same_as_one p4
    py <<'EOF'
import json
one = json.load(open("p1/meta.json"))["mpi"]["peak_rss_bytes"][0]
per = json.load(open("p4/meta.json"))["mpi"]["peak_rss_bytes"]
assert max(per) < one - 20e6, (per, one)  # one process holds 80 MB of inputs, each of 4 ranks 20 MB
EOF
}

. "$(dirname "${BASH_SOURCE[0]}")/runner.sh"
run_tests

#!/usr/bin/env bash
# tests/e2e_mpi_heldout.sh -- issue 18's held-out check: random cases of tests/heldout_gen.py (templates,
# network files of populations, PyRates circuits; every weight form, coupling, delay, recording, sampling and
# state option) run by one process and by `mpirun -np 2` and `-np 3` write the same bytes
# (tests/mpi_heldout.py), for a fixed set of seeds; some also through the standalone --mpi program and with a
# spoiled file (the same message and exit status on 3 ranks, the earlier outputs intact).  Then the cases
# that its seeds found, reduced.  `tests/mpi_heldout.py --keep DIR A:B` runs more seeds by hand.
#
#   RECTIC_BUILD=build ./tests/e2e_mpi_heldout.sh      (make test runs it; skipped where mpirun is missing)
# shellcheck source=tests/ridge_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ridge_lib.sh"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" # (OpenMPI's own allocations: e2e_mpi.sh)

# need_mpi: skips the test where mpirun is missing.
need_mpi() {
    command -v mpirun >/dev/null || skip "no mpirun (apt-get install openmpi-bin libopenmpi-dev)"
}

# heldout ARGS...: runs tests/mpi_heldout.py; fails the test with its failures.
heldout() {
    need_numpy
    local out
    out=$("$SYSPY" "$ROOT/tests/mpi_heldout.py" --rectic "$RECTIC" "$@" 2>&1) ||
        fail "$(printf '%s\n' "$out" | grep -A3 '^FAIL' | head -c 1500)"
    printf '%s\n' "$out" | grep -q '^mpi_heldout: [1-9][0-9]* passed, 0 failed' || fail "no case ran: $out"
}

test_held_out_cases_write_one_process_bytes_on_2_and_3_ranks() {
    need_mpi
    heldout 0:20
}

test_held_out_standalone_programs_and_spoiled_files() {
    need_mpi
    command -v mpicc >/dev/null || skip "no mpicc (libopenmpi-dev)"
    heldout --standalone --errors 12 27 100:104
}

# ring_circuit: ring.yaml, a PyRates circuit whose edges from a are delayed and undelayed (a warning).
ring_circuit() {
    cat >ring.yaml <<'EOF'
rate_op: {base: OperatorTemplate, equations: "d/dt * r = (-r + tanh(r_in)) / tau",
          variables: {r: output(0.1), tau: 0.01, r_in: input(0.0)}}
rate_node: {base: NodeTemplate, operators: [rate_op]}
ring:
  base: CircuitTemplate
  nodes: {a: rate_node, b: rate_node}
  edges: [[a/rate_op/r, b/rate_op/r_in, null, {weight: 2.0, delay: 0.005}],
          [a/rate_op/r, a/rate_op/r_in, null, {weight: 0.5}]]
EOF
}

test_warnings_are_said_once_on_3_ranks() {
    need_mpi
    in_workdir
    ring_circuit
    local rc=0
    mpirun -np 3 "$RECTIC" run ring/ring --dt 1e-3 --steps 20 --record a=a/rate_op/r -q -o out >o.txt 2>e.txt ||
        rc=$?
    [ "$rc" = 0 ] || fail "exit $rc: $(cat e.txt)"
    [ "$(grep -c 'rectic: warning: .*lag one step' e.txt)" = 1 ] || fail "circuit warning not said once: $(cat e.txt)"
    printf '1,0\n0,1\n' >w.csv # a delayed projection asked to be event-driven: a warning from the library
    cat >net.yaml <<'EOF'
populations:
  A: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 2, spike: {var: spike, def: v}}
projections:
  - {source: A/s, target: A/s_in, weights: w.csv, delay: 0.002}
EOF
    mpirun -np 3 "$RECTIC" run net.yaml --dt 1e-3 --steps 20 --record A/v --coupling event -q -o out2 >o.txt 2>e.txt ||
        rc=$?
    [ "$rc" = 0 ] || fail "exit $rc: $(cat e.txt)"
    [ "$(grep -c 'rectic: warning: .*not event-driven' e.txt)" = 1 ] || fail "network warning not said once: $(cat e.txt)"
}

test_standalone_network_program_records_subsets_of_units_on_2_and_3_ranks() {
    need_mpi
    command -v mpicc >/dev/null || skip "no mpicc (libopenmpi-dev)"
    in_workdir
    printf '0.5,0,1\n0,0,0\n1,0.25,0\n' >w.csv
    printf '4\n0\n2\n' >idx.csv
    cat >net.yaml <<'EOF'
populations:
  A: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 3, spike: {var: spike, def: v}}
  B: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 5, spike: {var: spike, def: v},
      set: {eta: 3}}
projections:
  - {source: A/s, target: A/s_in, weights: w.csv}
  - {source: A/s, target: B/s_in, weight: 0.5}
EOF
    local args=(net.yaml --dt 1e-3 --steps 300 --set A/eta=4 --record 'B_v=B/v@idx.csv' --record 'A_v=A/v[1:3]'
                --record B/s -q)
    rr run "${args[@]}" -o one
    rr emit "${args[@]}" --standalone --mpi -o sim.c
    mpicc -std=c11 -O2 sim.c -lm -o sim 2>cc.err || fail "mpicc: $(head -c 600 cc.err)"
    local p f
    for p in 2 3; do
        mpirun -np "$p" ./sim --steps 300 -o "s$p" >sim.out 2>&1 || fail "mpirun -np $p ./sim: $(head -c 600 sim.out)"
        for f in A_v.csv B_v.csv B_s.csv spikes_A.csv spikes_B.csv; do
            cmp -s "one/$f" "s$p/$f" || fail "$f of ./sim on $p ranks differs from rectic run's"
        done
    done
}

test_set_of_a_circuit_node_after_load_state_overrides_the_loaded_value() {
    need_mpi
    in_workdir
    ring_circuit
    local args=(ring/ring --dt 1e-3 --record a=a/rate_op/r --record b=b/rate_op/r --set b/rate_op/r=0.25 -q)
    rr run "${args[@]}" --steps 30 -o whole
    rr run "${args[@]}" --steps 12 --save-state s.npz -o first
    rr run "${args[@]}" --steps 18 --load-state s.npz -o one
    mpirun -np 3 "$RECTIC" run "${args[@]}" --steps 18 --load-state s.npz -o p3 >o.txt 2>e.txt ||
        fail "3 ranks: $(cat e.txt)"
    cmp -s one/b.csv p3/b.csv && cmp -s one/a.csv p3/a.csv || fail "3 ranks differ from one process"
    [ "$(head -n 1 one/b.csv)" = 0.25 ] || fail "b's first row after the load: $(head -n 1 one/b.csv), not 0.25"
    [ "$(head -n 1 one/a.csv)" = "$(sed -n 13p whole/a.csv)" ] || fail "a's first row is not the loaded state"
}

test_standalone_refuses_a_network_file_with_layers_it_would_not_compute() {
    in_workdir
    printf '1\n-1\n' >win.csv
    printf '0.5,0.5\n' >wout.csv
    cat >net.yaml <<'EOF'
populations:
  P: {template: neuron_model_templates.rate_neurons.leaky_integrator.tanh, n: 2, input: li_op/I_ext}
projections:
  - {source: P/tanh_op/r, target: P/li_op/r_in, weight: 0.5}
input_layer: {target: P/li_op/I_ext, weights: win.csv}
EOF
    local rc=0
    "$RECTIC" emit net.yaml --dt 0.01 --record P/li_op/v --standalone -o sim.c >o.txt 2>e.txt || rc=$?
    [ "$rc" = 1 ] || fail "exit $rc: $(cat e.txt)"
    grep -q '^rectic: --standalone: net.yaml has an input_layer:' e.txt || fail "message: $(cat e.txt)"
    [ ! -e sim.c ] || fail "sim.c written"
    printf 'readout: {source: P/li_op/v, weights: wout.csv}\n' >>net.yaml
    sed -i '/^input_layer/d' net.yaml
    rc=0
    "$RECTIC" emit net.yaml --dt 0.01 --standalone --mpi -o sim.c >o.txt 2>e.txt || rc=$?
    [ "$rc" = 1 ] || fail "exit $rc: $(cat e.txt)"
    grep -q '^rectic: --standalone: net.yaml has a readout:' e.txt || fail "message: $(cat e.txt)"
}

test_standalone_program_of_a_circuit_without_edges_builds_without_warnings() {
    command -v mpicc >/dev/null || skip "no mpicc (libopenmpi-dev)"
    in_workdir
    ring_circuit
    printf 'lone: {base: CircuitTemplate, nodes: {a: rate_node}}\n' >>ring.yaml
    rr emit --standalone --mpi ring/lone --dt 1e-3 --steps 50 --record a=a/rate_op/r -o sim.c
    mpicc -std=c11 -O2 -Wall -Wextra -Werror sim.c -lm -o sim 2>cc.err || fail "mpicc: $(head -c 600 cc.err)"
    rr run ring/lone --dt 1e-3 --steps 50 --record a=a/rate_op/r -q -o one
    mpirun -np 2 ./sim --steps 50 -o s2 >sim.out 2>&1 || fail "mpirun -np 2 ./sim: $(head -c 600 sim.out)"
    cmp -s one/a.csv s2/a.csv || fail "a.csv of ./sim on 2 ranks differs from rectic run's"
}

run_tests

#!/bin/bash
# netref_selftest.sh -- checks tests/netref.py (the NumPy reference of network files) and tests/netgen.py.
#
# usage: tests/netref_selftest.sh [SHARED_DIR]     (default: ../shared beside the repository)
#
# 1. netref reproduces the shared reference cases bit for bit (tolerance 0): multipop_ei_qif (two populations,
#    four dense projections) and the single-template RectiPy cases seed_qif, qif_sfa, lif, qif_threshold_equality
#    run as one-population networks (RectiPy's operation order, dense sums as numpy's W @ x).
# 2. With the YAML's operation order and left-to-right dense sums, netref writes the same bytes as today's
#    `build/rectic run` of the seed example (out.csv, v.csv, time.csv, spikes), float64 and float32.
# 3. netgen's networks run through netref (every command), with finite values and spikes where expected; a COO
#    file holding a dense file's entries gives the same numbers; delays round half to even.
# Exit status: 1 when something failed, else 0 (checks that need the shared cases are counted as skipped).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${1:-$ROOT/../shared}
PY=/usr/bin/python3
NETREF=$ROOT/tests/netref.py
TMP=$(mktemp -d /tmp/netref_selftest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skip=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
sk() { echo "SKIP $1: $2"; skip=$((skip + 1)); }
check() { local title=$1; shift; if "$@" >"$TMP/log" 2>&1; then ok "$title"; else ko "$title"; sed 's/^/    /' "$TMP/log"; fi; }

# --- 1. the shared reference cases -----------------------------------------------------------------------
if [ ! -d "$SHARED/cases/multipop_ei_qif" ]; then
    sk "shared reference cases" "$SHARED/cases not found (pass SHARED_DIR)"
else
    MP=$SHARED/cases/multipop_ei_qif
    multipop() {
        (cd "$MP" && $PY "$NETREF" run network.yaml --dt 0.001 --steps 3000 --input E/I_ext=input_E.csv \
            --input I/I_ext=input_I.csv --record E_v=E/v --record E_s=E/s --record E_x=E/x --record I_v=I/v \
            --record I_s=I/s --sampling-steps 3 -o "$TMP/mp") &&
            $PY "$NETREF" compare "$MP" "$TMP/mp" E_v.csv E_s.csv E_x.csv I_v.csv I_s.csv spikes_E.csv spikes_I.csv
    }
    check "multipop_ei_qif reproduced bit for bit (5 recordings, spikes of E and I)" multipop
    for c in seed_qif qif_sfa lif qif_threshold_equality; do
        files="out.csv v.csv spikes.csv"
        [ "$c" = qif_sfa ] && files="$files x.csv"
        one_case() { $PY "$NETREF" case "$SHARED/cases/$1" "$TMP/case_$1" && $PY "$NETREF" compare "$SHARED/cases/$1" "$TMP/case_$1" $2; }
        check "$c as a one-population network reproduced bit for bit" one_case "$c" "$files"
    done
fi

# --- 2. byte for byte against today's rectic --------------------------------------------------------------
RECTIC=$ROOT/build/rectic
if [ ! -x "$RECTIC" ]; then
    sk "netref equals today's rectic run byte for byte" "$RECTIC not built (make all)"
elif [ ! -d "$SHARED/cases/seed_qif" ]; then
    sk "netref equals today's rectic run byte for byte" "$SHARED/cases/seed_qif not found"
else
    C=$(cd "$SHARED/cases/seed_qif" && pwd)
    mkdir -p "$TMP/seednet"
    cat >"$TMP/seednet/net.yaml" <<EOF
populations:
  P: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 5, input: I_ext,
      spike: {var: spike, def: v}}
projections:
  - {source: P/s, target: P/s_in, weights: $C/weights.csv}
EOF
    for dtype in float64 float32; do
        extra="--steps 2000 --dtype $dtype"
        [ $dtype = float32 ] && extra="$extra --sampling-steps 7 --cutoff 800 --set P/v=99.99"
        same_bytes() {
            "$RECTIC" run neuron_model_templates.spiking_neurons.qif.qif --op qif_op --weights "$C/weights.csv" \
                --source-var s --target-var s_in --input-var I_ext --output-var s --spike-var spike --spike-def v \
                --dt 1e-3 --inputs "$C/inputs.csv" --record v $(echo $extra | sed 's|P/v|v|') --quiet -o "$TMP/rectic_$dtype" &&
                $PY "$NETREF" run "$TMP/seednet/net.yaml" --dt 1e-3 --input "P/I_ext=$C/inputs.csv" --output-var P/s \
                    --record v=P/v $extra --order written --dense-sum seq -o "$TMP/ref_$dtype" &&
                mv "$TMP/ref_$dtype/spikes_P.csv" "$TMP/ref_$dtype/spikes.csv" &&
                for f in out v time spikes; do cmp "$TMP/rectic_$dtype/$f.csv" "$TMP/ref_$dtype/$f.csv" || return 1; done
        }
        check "seed example: netref (written order, left-to-right sums) equals rectic run byte for byte, $dtype" same_bytes
    done
fi

# --- 3. the generated networks ----------------------------------------------------------------------------
GEN=$TMP/gen
if ! $PY "$ROOT/tests/netgen.py" "$GEN" >"$TMP/gen.log" 2>&1; then
    ko "netgen.py writes the test networks"; cat "$TMP/gen.log"
else
    ok "netgen.py writes the test networks ($(ls "$GEN" | wc -l) networks, $(cat "$GEN"/*/commands | wc -l) commands)"
    for d in "$GEN"/*/; do
        name=$(basename "$d")
        k=0
        while read -r line; do
            run_one() {
                (cd "$d" && $PY "$NETREF" run ${line#rectic run }) || return 1
                # every value finite, every recording with rows, every spiking population but L of ik_lif spiking
                $PY - "$d/OUT_$k" "$name" <<'EOF'
import glob, os, sys
import numpy as np
out, name = sys.argv[1], sys.argv[2]
for f in sorted(glob.glob(os.path.join(out, "*.csv"))):
    rows = open(f).read().split()
    base = os.path.basename(f)
    if base.startswith("spikes_"):
        if not rows and not (name == "ik_lif" and base == "spikes_L.csv"):
            sys.exit("%s: no spikes" % base)
        continue
    a = np.array([[float(t) for t in r.split(",")] for r in rows])
    if a.size == 0 or not np.isfinite(a).all():
        sys.exit("%s: empty or not finite" % base)
EOF
            }
            check "$name command $k runs with finite values and spikes" run_one
            k=$((k + 1))
        done <"$d/commands"
    done
    # a COO file with the entries of a dense file gives the same numbers (left-to-right sums skip only zeros)
    coo_dense() {
        local d=$GEN/ei_qif_lif
        cp -r "$d" "$TMP/coo" &&
            $PY -c "
import numpy as np
W = np.loadtxt('$TMP/coo/w_EE.csv', delimiter=',')
t, s = np.nonzero(W)
np.save('$TMP/coo/w_EE_coo.npy', np.array([t, s, W[t, s]], dtype=float).T[::-1])" &&
            sed -i 's/weights: w_EE.csv/weights-coo: w_EE_coo.npy/' "$TMP/coo/network.yaml" &&
            grep -q w_EE_coo.npy "$TMP/coo/network.yaml" &&
            args="--dt 0.001 --steps 600 --input E/I_ext=input_E.csv --input I/I_ext=input_I.csv --record E/v --record I/v --dense-sum seq" &&
            (cd "$d" && $PY "$NETREF" run network.yaml $args -o "$TMP/dense_out") &&
            (cd "$TMP/coo" && $PY "$NETREF" run network.yaml $args -o "$TMP/coo_out") &&
            for f in E_v I_v spikes_E spikes_I; do cmp "$TMP/dense_out/$f.csv" "$TMP/coo_out/$f.csv" || return 1; done
    }
    check "a COO projection equals the dense one with the same entries" coo_dense
fi
delays() {
    cat >"$TMP/delays.yaml" <<'EOF2'
populations:
  A: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 2}
  B: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 3}
projections:
  - {source: A/s, target: B/s_in, weight: 1.0, delay: 0.0025}
  - {source: A/s, target: B/s_in, weight: 1.0, delay: 0.0036}
  - {source: A/s, target: B/s_in, weight: 1.0, delay: 0.0015}
  - {source: A/s, target: B/s_in, weight: 1.0}
EOF2
    (cd "$ROOT/tests" && $PY -c "
import netref, numpy as np
pops, projs = netref.load_network('$TMP/delays.yaml', 0.001, np.float64)
assert [q.D for q in projs] == [2, 4, 2, 0], [q.D for q in projs]
q = projs[1]  # D = 4: the target sees the source of step n - 4, zeros before step 4
seen = [q.source_now(np.array([n + 1.0, -n - 1.0]), n)[0] for n in range(8)]
assert seen == [0, 0, 0, 0, 1, 2, 3, 4], seen
")
}
check "delays round half to even (0.0025/0.001 -> 2, 0.0036/0.001 -> 4, 0.0015/0.001 -> 2)" delays

echo "netref_selftest.sh: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]

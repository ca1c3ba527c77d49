#!/bin/bash
# circref_selftest.sh -- checks tests/circref.py (the NumPy reference of PyRates CircuitTemplates, issue 14).
#
# usage: tests/circref_selftest.sh [SHARED_DIR]     (default: ../shared beside the repository)
#
# 1. circref reproduces PyRates 1.0.1's own outputs, shared/cases/pyrates_* (atol 1e-10, rtol 1e-8).
# 2. Every CircuitTemplate of shared/templates/pyrates runs, or is refused for the documented reason.
# 3. SEMANTICS 9 on a small circuit written here (no shared files needed): delays round half to even, a
#    buffered source variable lags its undelayed edges by one step, a group whose delays round to <= 1 step
#    is instantaneous, and a spread edge becomes a chain of round((delay/spread)^2) ODEs of rate K/delay.
# Exit status: 1 when something failed, else 0 (checks that need the shared files are counted as skipped).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${1:-$ROOT/../shared}
PY=/usr/bin/python3
CR=$ROOT/tests/circref.py
TMP=$(mktemp -d /tmp/circref_selftest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0 skip=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
sk() { echo "SKIP $1: $2"; skip=$((skip + 1)); }
check() { local title=$1; shift; if "$@" >"$TMP/log" 2>&1; then ok "$title"; else ko "$title"; sed 's/^/    /' "$TMP/log"; fi; }

# --- 1. PyRates' own outputs -------------------------------------------------------------------------------
for c in pyrates_qif_mf pyrates_vdp; do
    if [ ! -d "$SHARED/cases/$c" ]; then
        sk "$c reproduced" "$SHARED/cases/$c not found (pass SHARED_DIR)"
        continue
    fi
    one_case() { $PY "$CR" case "$SHARED/cases/$1" "$TMP/$1" && $PY "$CR" compare "$SHARED/cases/$1" "$TMP/$1"; }
    check "$c reproduced within atol 1e-10, rtol 1e-8" one_case "$c"
done

# --- 2. what runs and what is refused ----------------------------------------------------------------------
if [ ! -d "$SHARED/templates/pyrates" ]; then
    sk "every shared CircuitTemplate runs or is refused for its reason" "$SHARED/templates/pyrates not found"
else
    listing() {
        $PY "$CR" list --template-path "$SHARED/templates/pyrates" >"$TMP/list" || return 1
        cat "$TMP/list"
        [ "$(grep -c ': runs$' "$TMP/list")" = 13 ] &&
            grep -q 'qif\.qif_gap: refused: edge source p/qif_op/r: node p has no operator qif_op' "$TMP/list" &&
            grep -q 'qif\.qif_alpha_syn: refused: .*alpha_edge not found' "$TMP/list" &&
            grep -q 'kuramoto\.kmo_mf: refused: operator kmo_op has complex-valued variables' "$TMP/list" &&
            grep -q 'kuramoto\.kmo_mf_2coupled: refused: operator kmo_op has complex-valued' "$TMP/list"
    }
    check "13 shared CircuitTemplates run; qif_gap, qif_alpha_syn, kmo_mf, kmo_mf_2coupled refused with reasons" listing
fi

# --- 3. delay rules on a circuit of our own ---------------------------------------------------------------
mkdir -p "$TMP/lib/t"
cat >"$TMP/lib/t/d.yaml" <<'EOF2'
leak:
  base: OperatorTemplate
  equations: "v' = -v/tau + r_in"
  variables: {v: output(0.0), tau: 1.0, r_in: input(0.0)}
src:
  base: OperatorTemplate
  equations: "d/dt * theta = omega + K*s_in + s_ext"
  variables: {theta: output(0.0), omega: 1.0, K: 1.0, s_in: input(0.0), s_ext: input(0.0)}
L: {base: NodeTemplate, operators: [leak]}
S: {base: NodeTemplate, operators: [src]}
buffered:
  base: CircuitTemplate
  nodes: {s: S, a: L, b: L, c: L}
  edges:
    - [s/src/theta, a/leak/r_in, null, {weight: 1.0, delay: 0.0025}]
    - [s/src/theta, b/leak/r_in, null, {weight: 1.0, delay: 0.0036}]
    - [s/src/theta, c/leak/r_in, null, {weight: 1.0}]
short:
  base: CircuitTemplate
  nodes: {s: S, a: L}
  edges:
    - [s/src/theta, a/leak/r_in, null, {weight: 1.0, delay: 0.0014}]
spread:
  base: CircuitTemplate
  nodes: {s: S, a: L}
  edges:
    - [s/src/theta, a/leak/r_in, null, {weight: 1.0, delay: 0.004, spread: 0.001}]
EOF2
rules() {
    (cd "$ROOT/tests" && $PY - "$TMP/lib" <<'EOF2'
import sys, numpy as np, circref
lib = sys.argv[1]
def model(name):
    m = circref.Model(circref.Lib([lib]), "t.d." + name, 0.001)
    m.plan_delays()
    return m
m = model("buffered")
assert [(l.mode, l.D) for l in m.links] == [("buffer", 2), ("buffer", 4), ("buffer", 1)], [(l.mode, l.D) for l in m.links]
assert any("lag one step" in w for w in m.warnings), m.warnings
m2 = model("short")
assert [l.mode for l in m2.links] == ["now"] and any("instantaneous" in w for w in m2.warnings), m2.warnings
m3 = model("spread")
assert [(l.mode, l.K, l.k) for l in m3.links] == [("chain", 16, 4000.0)], [(l.mode, l.K, l.k) for l in m3.links]
EOF2
    ) || return 1
    "$PY" "$CR" run t.d.buffered --template-path "$TMP/lib" --dt 0.001 --steps 8 --record s/src/theta \
        --record a/leak/r_in --record b/leak/r_in --record c/leak/r_in -o "$TMP/buf" || return 1
    $PY - "$TMP/buf" <<'EOF2'
import sys, numpy as np
d = sys.argv[1]
th, a, b, c = (np.loadtxt("%s/%s.csv" % (d, k)) for k in ("s_src_theta", "a_leak_r_in", "b_leak_r_in", "c_leak_r_in"))
for x, D in ((a, 2), (b, 4), (c, 1)):  # the target reads the source of step n - D, 0 before step D
    want = np.array([th[n - D] if n >= D else 0.0 for n in range(8)])
    assert (x == want).all(), (D, x, want)
EOF2
}
check "delays: 2.5 and 3.6 steps -> 2 and 4, an undelayed edge of the group lags 1 step, zero history; 1.4 steps -> instantaneous; delay 0.004 spread 0.001 -> 16 ODEs of rate 4000" rules

# --- 4. generated circuits ---------------------------------------------------------------------------------
if [ ! -d "$SHARED/templates/pyrates" ]; then
    sk "circgen's circuits run" "$SHARED/templates/pyrates not found"
else
    generated() {
        mkdir -p "$TMP/gen/g" &&
            $PY "$ROOT/tests/circgen.py" qif 30 "$TMP/gen/g/q.yaml" --p 0.2 &&
            $PY "$ROOT/tests/circgen.py" jrc 4 "$TMP/gen/g/j.yaml" --p 0.5 &&
            $PY "$CR" run g.q.net --template-path "$SHARED/templates/pyrates" --template-path "$TMP/gen" --dt 0.001 \
                --steps 300 --record p0/qif_op/r --record p29/qif_op/v -o "$TMP/gen/q" 2>"$TMP/gen/q.err" &&
            grep -q "lag one step" "$TMP/gen/q.err" &&
            $PY "$CR" run g.j.net --template-path "$SHARED/templates/pyrates" --template-path "$TMP/gen" --dt 0.0001 \
                --steps 300 --record c3/pc/rpo_e_in/v -o "$TMP/gen/j" 2>/dev/null &&
            $PY - "$TMP/gen" <<'EOF2'
import sys, numpy as np
for f in ("q/p0_qif_op_r", "q/p29_qif_op_v", "j/c3_pc_rpo_e_in_v"):
    a = np.loadtxt("%s/%s.csv" % (sys.argv[1], f))
    assert a.shape == (300,) and np.isfinite(a).all() and np.ptp(a) > 0, f
EOF2
    }
    check "circgen's QIF (30 nodes, delayed edges) and Jansen-Rit (4 circuits) circuits run" generated
fi

echo "circref_selftest.sh: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]

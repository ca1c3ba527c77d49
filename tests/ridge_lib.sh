# tests/ridge_lib.sh -- sourced by tests/e2e_ridge.sh and tests/e2e_state.sh (issue 16): the binary, the NumPy
# reference tests/ridgeref.py, helpers for tests run by tests/runner.sh (each in a subshell: fail and skip end
# it; in_workdir gives it an empty folder of its own) and the data of a small reservoir.
# shellcheck shell=bash disable=SC2034  # (variables used by the scripts that source this file)
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
BUILD=${RECTIC_BUILD:-build}
case $BUILD in
/*) RECTIC=$BUILD/rectic ;;
*) RECTIC=$ROOT/$BUILD/rectic ;;
esac
SHARED=${RECTIC_SHARED:-$ROOT/../shared}
SYSPY=/usr/bin/python3
REF=$ROOT/tests/ridgeref.py
export LC_ALL=C OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-e2e-ridge.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# fail MESSAGE / skip MESSAGE (they end the current test) and run_tests
# shellcheck source=tests/runner.sh
. tests/runner.sh

# in_workdir: the test continues in an empty folder of its own.
in_workdir() {
    cd "$(mktemp -d "$TMP/t.XXXXXX")" || fail "mktemp"
}

# rr ARGS...: runs rectic; fails the test (with rectic's message) when it exits non-zero.
rr() {
    "$RECTIC" "$@" >rr.out 2>rr.err || fail "rectic $* -> exit $?: $(head -c 600 rr.err)"
}

# py ARGS... <<'EOF' program EOF: runs a NumPy program; its failure fails the test with its output.
py() {
    local msg
    msg=$("$SYSPY" - "$@" 2>&1) || fail "$(printf '%s' "$msg" | tail -c 700)"
}

need_numpy() {
    "$SYSPY" -c 'import numpy, yaml' 2>/dev/null || skip "$SYSPY cannot import numpy and yaml"
}

LI=neuron_model_templates.rate_neurons.leaky_integrator.tanh
# a leaky-integrator tanh reservoir of 30 units (the data of make_data): rectic's flags and the same network
# for ridgeref.py (network.yaml, one population P)
RES=("$LI" --weights J.csv --source-var tanh_op/r --target-var li_op/r_in --input-var li_op/I_ext
     --output-var li_op/v --set li_op/tau=0.1 --dt 0.01 --backend tcc)

# make_data: J.csv (30 x 30, spectral radius ~0.9), w_in.csv (30 x 2), inputs x.csv (600 x 2) and x_test.csv
# (400 x 2: smoothed noise and a sine), targets y.csv / y_test.csv (600/400 x 2: the noise 2 steps ago, the sine
# 10 steps ago),
# w_out3.csv (3 x 31, an intercept) and network.yaml for ridgeref.py.
make_data() {
    py <<'EOF'
import numpy as np, yaml
rng = np.random.RandomState(16)
n, m = 30, 2
J = rng.randn(n, n)
J *= 0.9 / max(abs(np.linalg.eigvals(J)))
np.savetxt("J.csv", J, delimiter=",", fmt="%r")
np.savetxt("w_in.csv", rng.uniform(-1, 1, (n, m)), delimiter=",", fmt="%r")
np.savetxt("w_out3.csv", rng.uniform(-1, 1, (3, n + 1)), delimiter=",", fmt="%r")
u = 3 * np.convolve(rng.uniform(-1, 1, 1100), np.ones(5) / 5, mode="same")
s = np.sin(np.arange(1100) * 0.05)
x = np.stack([u, s], axis=1)
y = np.stack([np.roll(u, 2), np.roll(s, 10)], axis=1)
for name, a in (("x", x[:600]), ("x_test", x[600:1000]), ("y", y[:600]), ("y_test", y[600:1000])):
    np.savetxt(name + ".csv", a, delimiter=",", fmt="%r")
net = {"populations": {"P": {"template": "neuron_model_templates.rate_neurons.leaky_integrator.tanh", "n": n,
                             "input": "li_op/I_ext", "set": {"li_op/tau": 0.1}}},
       "projections": [{"source": "P/tanh_op/r", "target": "P/li_op/r_in", "weights": "J.csv"}]}
yaml.safe_dump(net, open("network.yaml", "w"))
EOF
}

# close A B RTOL [ATOL]: the CSV or .npy matrices A and B agree within RTOL relative to B's largest entry.
close() {
    py "$@" <<'EOF'
import sys, numpy as np
def rd(p):
    return np.atleast_2d(np.load(p) if p.endswith(".npy") else np.loadtxt(p, delimiter=",", ndmin=2))
a, b = rd(sys.argv[1]), rd(sys.argv[2])
rtol, atol = float(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
assert a.shape == b.shape, "%s is %s, %s is %s" % (sys.argv[1], a.shape, sys.argv[2], b.shape)
err = np.max(np.abs(a - b)) if a.size else 0.0
assert err <= rtol * np.max(np.abs(b)) + atol, "%s vs %s: max abs error %g (largest %g)" % (sys.argv[1], sys.argv[2], err, np.max(np.abs(b)))
EOF
}


# bad NEEDLE... -- ARGS...: `rectic ARGS -o res` fails (exit 1 to 125, not a crash), prints "rectic: " with every
# NEEDLE and no library call or spec field (rectic_net_*, spec.*: cli/flags.c names their flags), and leaves
# res/ as it was: the files of a previous set byte for byte, or nothing.
bad() {
    local needles=() n rc
    while [ "$1" != -- ]; do
        needles+=("$1")
        shift
    done
    shift
    (cd res 2>/dev/null && md5sum ./*) >before.md5 2>/dev/null
    "$RECTIC" "$@" -o res >err.out 2>err.txt
    rc=$?
    [ $rc -ne 0 ] || fail "rectic $* exited 0"
    [ $rc -lt 126 ] || fail "rectic $*: exit status $rc (a crash?): $(head -c 300 err.txt)"
    grep -q '^rectic: ' err.txt || fail "rectic $*: no 'rectic: ' message: $(head -c 300 err.txt)"
    for n in "${needles[@]}"; do
        grep -qF -- "$n" err.txt || fail "rectic $*: the message lacks '$n': $(head -c 400 err.txt)"
    done
    # the library names its calls and spec fields; the command line shows the flags (cli/flags.c)
    ! grep -qE 'rectic_net_[a-z_]+|spec\.[a-z_]+' err.txt ||
        fail "rectic $*: the message names a library call or field, not the flag: $(head -c 400 err.txt)"
    (cd res 2>/dev/null && md5sum ./*) >after.md5 2>/dev/null
    cmp -s before.md5 after.md5 || fail "rectic $*: the outputs in res/ changed"
}

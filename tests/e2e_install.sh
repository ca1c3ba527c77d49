#!/bin/sh
# e2e_install.sh -- `make install` and `make uninstall` end to end.
#
# Installs into a temporary PREFIX, then, from another empty temporary directory holding copies of
# examples/*.c only, with RECTIC_TEMPLATE_PATH unset and PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig, builds
# the examples with `cc prog.c $(pkg-config --cflags --libs rectic)` and runs them, and runs the
# installed rectic with dotted built-in template names.  The installed binaries must not know the
# source tree's templates/ path.  Then DESTDIR staging (PREFIX=/opt/rectic), and that uninstall
# removes what install put there and nothing else.
#
#   tests/e2e_install.sh            (from anywhere; make test runs it)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rectic-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
# a clean make: not the flags of a make that runs this script (make asan's SANFLAGS, BUILD, -n ...)
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES RECTIC_TEMPLATE_PATH
export XDG_CACHE_HOME="$TMP/cache" # the cc backend's kernel cache: not the user's
MAKE=${MAKE:-make}
JOBS=$(nproc 2>/dev/null || echo 2)
PREFIX=$TMP/prefix
WORK=$TMP/work
BUILDDIR=$TMP/build # the install build, apart from the checkout's build-install/
mkdir -p "$WORK"
pass=0
fail=0
skipped=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -s "$TMP/log" ] && sed 's/^/     | /' "$TMP/log" | tail -20; }
# check NAME COMMAND...: passes when the command succeeds; its output goes to $TMP/log
check() {
    name=$1
    shift
    if "$@" >"$TMP/log" 2>&1; then ok "$name"; else bad "$name"; fi
}
finish() {
    echo "e2e_install.sh: $pass passed, $fail failed, $skipped skipped"
    [ "$fail" -eq 0 ]
    exit $?
}

# ------------------------------------------------------------------ install into a temporary PREFIX
if ! "$MAKE" -C "$SRC" -j"$JOBS" --no-print-directory install PREFIX="$PREFIX" INSTALL_BUILD="$BUILDDIR" \
    >"$TMP/log" 2>&1; then
    bad "make install PREFIX=$PREFIX"
    finish
fi
ok "make install PREFIX=\$TMP/prefix"

INSTALLED="bin/rectic lib/librectic.a include/rectic.h lib/pkgconfig/rectic.pc share/man/man1/rectic.1"
missing=""
for f in $INSTALLED; do [ -f "$PREFIX/$f" ] || missing="$missing $f"; done
[ -x "$PREFIX/bin/rectic" ] || missing="$missing bin/rectic(executable)"
if [ -z "$missing" ]; then ok "installed files"; else echo "missing:$missing" >"$TMP/log"; bad "installed files"; fi
check "templates tree installed whole" diff -r "$SRC/templates" "$PREFIX/share/rectic/templates"
command -v groff >/dev/null 2>&1 || { echo "skip man page renders without warnings: no groff"; skipped=$((skipped + 1)); }
command -v groff >/dev/null 2>&1 && check "man page renders without warnings" sh -c "groff -man -Tutf8 -ww -z '$PREFIX/share/man/man1/rectic.1' 2>&1 | \
    { if grep .; then exit 1; fi; }; groff -man -Tutf8 -P-cbou '$PREFIX/share/man/man1/rectic.1' | grep -q '^EXIT STATUS'"

# ------------------------------------------------------------------ the source tree is out of reach
# copies of the examples only; the installed rectic and library must not know $SRC/templates
cp "$SRC"/examples/*.c "$WORK/"
cd "$WORK" || exit 1
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
# shellcheck disable=SC2317 # (called through check)
no_source_path() { # FILE: the source tree's templates path is not compiled in, the installed one is
    ! strings "$1" | grep -F "$SRC/templates" && strings "$1" | grep -qF "$PREFIX/share/rectic/templates"
}
check "bin/rectic: source templates path not compiled in" no_source_path "$PREFIX/bin/rectic"
check "librectic.a: source templates path not compiled in" no_source_path "$PREFIX/lib/librectic.a"

# ------------------------------------------------------------------ pkg-config and the examples
version=$(sed -n 's/^#define RECTIC_VERSION "\(.*\)"/\1/p' "$SRC/include/rectic.h")
check "pkg-config --modversion rectic = $version" sh -c "test \"\$(pkg-config --modversion rectic)\" = '$version'"
check "pkg-config --cflags --libs rectic" sh -c "pkg-config --cflags --libs rectic | \
    grep -e '-I$PREFIX/include' | grep -e '-L$PREFIX/lib' | grep -e '-lrectic' | grep -e '-ltcc' | \
    grep -e '-lyaml' | grep -e '-ldl' | grep -e '-lpthread' | grep -e '-lm'"
flags=$(pkg-config --cflags --libs rectic)
for prog in qif_network param_sweep custom_template; do
    # shellcheck disable=SC2086
    check "cc $prog.c \$(pkg-config --cflags --libs rectic)" cc "$prog.c" $flags -o "$prog"
    [ -x "$prog" ] && check "$prog: source templates path not compiled in" no_source_path "$prog"
done
export OPENBLAS_NUM_THREADS=1
if [ -x qif_network ] && ./qif_network "$WORK/qif" >"$TMP/qif.txt" 2>&1 && grep -q ': 686 spikes' "$TMP/qif.txt" &&
    [ -s "$WORK/qif/spikes.csv" ]; then
    ok "qif_network: 686 spikes"
else
    cp "$TMP/qif.txt" "$TMP/log" 2>/dev/null
    bad "qif_network: 686 spikes"
fi
check "param_sweep runs (built-in template via the library)" sh -c "./param_sweep | grep -q 'kernel compilations: 1'"
check "custom_template runs" sh -c "./custom_template | grep -q '^after 3000 steps'"

# ------------------------------------------------------------------ the installed command
R=$PREFIX/bin/rectic
check "rectic --version" sh -c "'$R' --version | grep -qx 'rectic $version'"
check "rectic templates lists the built-in templates" sh -c "'$R' templates > templates.txt &&
    grep -q '^neuron_model_templates.spiking_neurons.qif.qif	' templates.txt &&
    grep -q '^neuron_model_templates.rate_neurons.leaky_integrator.tanh	' templates.txt"
check "rectic check with a dotted name" sh -c "'$R' check neuron_model_templates.spiking_neurons.lif.lif | grep -q '^operator '"
check "rectic run -N 3 --steps 100 with a dotted name" "$R" run neuron_model_templates.spiking_neurons.qif.qif \
    --op qif_op -N 3 --output-var s --spike-var spike --spike-def v --steps 100 -q -o run
check "rectic run wrote out.csv (100 rows x 3)" sh -c "test \$(wc -l < run/out.csv) -eq 100 &&
    test \"\$(head -1 run/out.csv | tr ',' '\n' | wc -l)\" -eq 3 && test -s run/meta.json"
# the installed templates are the ones read: mark a description in the installed copy only
QIF_YAML=$PREFIX/share/rectic/templates/neuron_model_templates/spiking_neurons/qif.yaml
sed 's/"Quadratic integrate-and-fire neurons with exponential synapses"/"installed copy"/' "$QIF_YAML" >"$TMP/qif.yaml" &&
    cat "$TMP/qif.yaml" >"$QIF_YAML"
check "rectic templates reads the installed copy" sh -c "'$R' templates |
    grep -qx 'neuron_model_templates.spiking_neurons.qif.qif	installed copy'"

# ------------------------------------------------------------------ uninstall: ours go, others stay
mkdir -p "$PREFIX/share/rectic/templates/mine" "$PREFIX/bin"
echo "keep: 1" >"$PREFIX/share/rectic/templates/mine/keep.yaml"
echo keep >"$PREFIX/bin/other-tool"
check "make uninstall PREFIX=\$TMP/prefix" "$MAKE" -C "$SRC" --no-print-directory uninstall PREFIX="$PREFIX"
left=$(cd "$PREFIX" && find . -type f | LC_ALL=C sort | tr '\n' ' ')
if [ "$left" = "./bin/other-tool ./share/rectic/templates/mine/keep.yaml " ]; then
    ok "uninstall removed exactly our files"
else
    echo "left: $left" >"$TMP/log"
    bad "uninstall removed exactly our files"
fi
dirs=$(cd "$PREFIX/share" && find rectic -type d | LC_ALL=C sort | tr '\n' ' ')
if [ "$dirs" = "rectic rectic/templates rectic/templates/mine " ]; then
    ok "uninstall removed our directories, kept the ones holding other files"
else
    echo "directories left: $dirs" >"$TMP/log"
    bad "uninstall removed our directories, kept the ones holding other files"
fi

# ------------------------------------------------------------------ DESTDIR staging
STAGE=$TMP/stage
check "make install DESTDIR=\$TMP/stage PREFIX=/opt/rectic" "$MAKE" -C "$SRC" -j"$JOBS" --no-print-directory \
    install DESTDIR="$STAGE" PREFIX=/opt/rectic INSTALL_BUILD="$BUILDDIR"
[ -d "$STAGE" ] || finish
missing=""
for f in $INSTALLED share/rectic/templates/neuron_model_templates/spiking_neurons/qif.yaml; do
    [ -f "$STAGE/opt/rectic/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "staged files under \$TMP/stage/opt/rectic"; else
    echo "missing:$missing" >"$TMP/log"; bad "staged files under \$TMP/stage/opt/rectic"; fi
check "staged: nothing outside \$TMP/stage/opt" sh -c "test \"\$(ls '$STAGE')\" = opt && test \"\$(ls '$STAGE/opt')\" = rectic"
check "staged rectic.pc names /opt/rectic" sh -c "grep -qx 'prefix=/opt/rectic' '$STAGE/opt/rectic/lib/pkgconfig/rectic.pc' &&
    grep -qx 'libdir=/opt/rectic/lib' '$STAGE/opt/rectic/lib/pkgconfig/rectic.pc' &&
    ! grep -F '$STAGE' '$STAGE/opt/rectic/lib/pkgconfig/rectic.pc'"
check "staged rectic has /opt/rectic compiled in, not DESTDIR" sh -c "
    strings '$STAGE/opt/rectic/bin/rectic' | grep -qF /opt/rectic/share/rectic/templates &&
    ! strings '$STAGE/opt/rectic/bin/rectic' | grep -F '$STAGE' && ! strings '$STAGE/opt/rectic/bin/rectic' | grep -F '$SRC/templates'"
# relocated (not at /opt/rectic), it finds its templates beside itself: <exe dir>/../share/rectic/templates
check "staged rectic finds its templates relative to itself" sh -c "
    '$STAGE/opt/rectic/bin/rectic' templates | grep -q '^neuron_model_templates.spiking_neurons.qif.qif	'"
check "make uninstall DESTDIR=\$TMP/stage PREFIX=/opt/rectic" "$MAKE" -C "$SRC" --no-print-directory \
    uninstall DESTDIR="$STAGE" PREFIX=/opt/rectic
left=$(find "$STAGE" -type f)
if [ -z "$left" ] && [ ! -e "$STAGE/opt/rectic/share/rectic" ]; then ok "staged uninstall left no files"; else
    echo "left: $left" >"$TMP/log"; bad "staged uninstall left no files"; fi

finish

#!/bin/sh
# tests/gpu/prepare.sh [DIR] -- builds, here, everything the GPU checks and the GPU benchmark need and packs
# it into DIR/rectic-gpu.tar.gz (DIR default .device/, ignored by git; about 15 MiB), so that the folder
# alone can be carried to a machine with a GPU and run there with `sh tests/gpu/run.sh`: no compiler and
# no package registry are needed there.  The archive holds
#
#   bin/rectic_gpu       `check` (tests/gpu/gpu_check.c, gpu_sparse.c) and `bench` (bench/gpu/bench_gpu.c) in one binary:
#                        librectic, libtcc, libyaml and OpenBLAS (with libgfortran) linked in statically;
#                        libc, libm from the system; the CUDA driver (libcuda.so.1) and NVRTC
#                        (libnvrtc.so.13) loaded at run time from the GPU machine's own installation
#   tcc/libtcc1.a        TinyCC's runtime, for the CPU runs the GPU is compared with
#   templates/builtin    rectic's templates (RECTIC_TEMPLATE_PATH); templates/rectipy: RectiPy's, when
#                        ../shared has them
#   cases/               the reference cases: tests/data/cases and ../shared/cases
#
# BUILD (default build) is the library's build folder; RECTIC_SHARED overrides ../shared.
set -eu
cd "$(dirname "$0")/../.."
DIR=${1:-.device}
BUILD=${BUILD:-build}
LIBDIR=/usr/lib/x86_64-linux-gnu
make -s "$BUILD/librectic.a"
STAGE="$DIR/stage"
rm -rf "$STAGE" "$DIR/rectic-gpu.tar.gz"
mkdir -p "$STAGE/bin" "$STAGE/cases" "$STAGE/templates" "$STAGE/tcc" "$BUILD/gpu"

# static archives where Debian puts them (libtcc-dev, libopenblas-dev, libyaml-dev); OpenBLAS's Fortran
# parts want libgfortran and libquadmath, linked statically too when gcc has them
static_lib() {
    for f in "$LIBDIR/$1.a" "$LIBDIR/openblas-pthread/$1.a"; do
        [ -e "$f" ] && { echo "$f"; return; }
    done
    echo "prepare.sh: $1.a not found (install the -dev package)" >&2
    exit 1
}
EXTRA=""
for a in libgfortran.a libquadmath.a; do
    f=$(cc -print-file-name=$a)
    [ -f "$f" ] && EXTRA="$EXTRA $f"
done
STATIC="$(static_lib libtcc) $(static_lib libopenblas) $(static_lib libyaml)$EXTRA"
CFLAGS="-std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Icommon -Igenerator -Iruntime -Itests/gpu"

echo "  CC      tests/gpu/gpu_check.c tests/gpu/gpu_sparse.c bench/gpu/bench_gpu.c tests/gpu/gpu_main.c"
# shellcheck disable=SC2086
cc $CFLAGS -Dmain=gpu_check_main -c tests/gpu/gpu_check.c -o "$BUILD/gpu/gpu_check.o"
# shellcheck disable=SC2086
cc $CFLAGS -c tests/gpu/gpu_sparse.c -o "$BUILD/gpu/gpu_sparse.o"
# shellcheck disable=SC2086
cc $CFLAGS -Dmain=bench_gpu_main -c bench/gpu/bench_gpu.c -o "$BUILD/gpu/bench_gpu.o"
# shellcheck disable=SC2086
cc $CFLAGS -c tests/gpu/gpu_main.c -o "$BUILD/gpu/gpu_main.o"
# OpenBLAS linked in (the GPU machine need not have it): blas.c built to use it directly, ahead of the
# archive's own blas.o, which opens it at run time
# shellcheck disable=SC2086
cc $CFLAGS -DRECTIC_BLAS_LINKED $(pkg-config --cflags openblas 2>/dev/null) -c runtime/blas.c -o "$BUILD/gpu/blas_linked.o"
echo "  LD      rectic_gpu (static OpenBLAS, libyaml, libtcc)"
# shellcheck disable=SC2086
cc -o "$STAGE/bin/rectic_gpu" "$BUILD/gpu/gpu_main.o" "$BUILD/gpu/gpu_check.o" "$BUILD/gpu/gpu_sparse.o" "$BUILD/gpu/bench_gpu.o" \
    "$BUILD/gpu/blas_linked.o" "$BUILD/librectic.a" $STATIC -ldl -lpthread -lm
strip "$STAGE/bin/rectic_gpu"

TCC_LIBDIR=$(ls -d "$LIBDIR/tcc" /usr/local/lib/tcc /usr/lib/tcc 2>/dev/null | head -n 1)
cp "$TCC_LIBDIR/libtcc1.a" "$STAGE/tcc/"
if [ -d "$TCC_LIBDIR/include" ]; then cp -r "$TCC_LIBDIR/include" "$STAGE/tcc/"; fi
cp -r templates "$STAGE/templates/builtin"
SHARED=${RECTIC_SHARED:-../shared}
if [ -d "$SHARED/templates/rectipy" ]; then cp -r "$SHARED/templates/rectipy" "$STAGE/templates/rectipy"; fi
cp -r tests/data/cases/. "$STAGE/cases/"
if [ -d "$SHARED/cases" ]; then
    for c in "$SHARED"/cases/*/; do cp -r "$c" "$STAGE/cases/"; done
fi
tar czf "$DIR/rectic-gpu.tar.gz" -C "$STAGE" bin tcc templates cases
rm -rf "$STAGE"
echo "prepared $DIR/rectic-gpu.tar.gz ($(du -h "$DIR/rectic-gpu.tar.gz" | cut -f1), $(ls -d "$SHARED"/cases/*/ 2>/dev/null | wc -l) shared cases):"
echo "  carry $DIR and run  sh tests/gpu/run.sh  (check, bench, all, or sparse: issue 19's device script)"

#!/bin/sh
# tests/gpu/run.sh [check|bench|all|sparse] -- runs the prepared GPU checks and/or the GPU benchmark on this
# machine and builds nothing: prepare .device/rectic-gpu.tar.gz first with tests/gpu/prepare.sh (on a
# machine with the toolchain) and carry the .device folder here.  Needs tar, gzip, an NVIDIA driver
# (libcuda.so.1) and NVRTC (libnvrtc.so.13, from the CUDA Toolkit), the last two loaded at run time;
# without a driver or device everything is skipped with a message.
#
# `sparse` is issue 19's device script (a few minutes): the checks of the sparse kernels only (a thread, a
# warp, a lane tree per row, event-driven coupling on the device; against the CPU and run twice) and the
# benchmark's sparse and event rows (N = 10^5 and 10^6, in-degree 100, float64 and float32, each sparse
# kernel: RECTIC_CUDA_CSR=thread, warp, tree), every row as a % of the bandwidth a copy kernel measures on
# this device and of the clock's peak.
#
# Writes one log: $OUT/gpu.log when OUT is set (the device machine's output folder), else .device/gpu.log,
# and the benchmark's table beside it (bench_gpu.md).  Exit status: 0 when every check passed or nothing
# could run for want of a GPU, 1 when a check failed, 2 when the folder is not prepared.
#
#   RECTIC_DEVICE_DIR   the prepared folder (default .device)
#   RECTIC_CUDA_DEVICE  the device ordinal (default 0)
#   RECTIC_GPU_QUICK=1  shorter runs (about a minute)
#   RECTIC_GPU_ONLY=TEXT  benchmark only the networks whose label contains TEXT (or TEXT,TEXT2,...)
cd "$(dirname "$0")/../.." || exit 2
DIR=${RECTIC_DEVICE_DIR:-.device}
WHAT=${1:-all}
OUTDIR=${OUT:-$DIR}
LOG=$OUTDIR/gpu.log
DEV=${RECTIC_CUDA_DEVICE:-0}
QUICK=""
if [ "${RECTIC_GPU_QUICK:-0}" = 1 ]; then QUICK=--quick; fi
SPARSE=""
ONLY=${RECTIC_GPU_ONLY:-}
case $WHAT in
    check|bench|all) ;;
    sparse) SPARSE=--sparse-only; ONLY=${ONLY:-sparse,event} ;;
    *) echo "usage: sh tests/gpu/run.sh [check|bench|all|sparse]" >&2; exit 2 ;;
esac
if [ ! -f "$DIR/rectic-gpu.tar.gz" ]; then
    echo "run.sh: no $DIR/rectic-gpu.tar.gz: run tests/gpu/prepare.sh first (and carry $DIR)" >&2
    exit 2
fi
mkdir -p "$OUTDIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rectic-gpu.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT INT TERM
tar xzf "$DIR/rectic-gpu.tar.gz" -C "$WORK" || exit 2
export RECTIC_TEMPLATE_PATH="$WORK/templates/builtin"
# the driver and NVRTC where NVIDIA's images keep them, when the loader is not told already
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64; do
    if [ -d "$d" ]; then LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"; fi
done
export LD_LIBRARY_PATH
export RECTIC_TCC_LIBDIR="$WORK/tcc"
STATUS=$WORK/status
{
    echo "== rectic GPU checks: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(uname -n), $(nproc) CPUs"
    if command -v nvidia-smi >/dev/null 2>&1; then
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
    fi
    rc=0
    if [ "$WHAT" != bench ]; then
        echo "== check: reference cases, random networks CPU vs GPU, determinism"
        "$WORK/bin/rectic_gpu" check --device "$DEV" $QUICK $SPARSE "$WORK/cases"
        rc=$?
        if [ $rc = 77 ]; then rc=0; echo "(no usable CUDA device: the GPU checks were skipped)"; fi
    fi
    if [ "$WHAT" != check ]; then
        echo "== bench: ns/step, bandwidth, NVRTC compile time, the CPU beside"
        "$WORK/bin/rectic_gpu" bench --device "$DEV" $QUICK ${ONLY:+--only "$ONLY"} \
            --out "$OUTDIR/bench_gpu.md"
        b=$?
        if [ $b = 77 ]; then b=0; echo "(no usable CUDA device: the benchmark was skipped)"; fi
        if [ $rc = 0 ]; then rc=$b; fi
    fi
    echo "== exit status $rc"
    echo $rc > "$STATUS"
} 2>&1 | tee "$LOG"
rc=$(cat "$STATUS" 2>/dev/null || echo 1)
echo "log: $LOG"
exit "$rc"

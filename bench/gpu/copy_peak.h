/*
 * copy_peak.h -- the device's attainable memory bandwidth, measured with a copy kernel (bench_gpu.c): b = a
 * for two buffers of `bytes` each, a thread per double, the median of 9 timed copies after a warm-up,
 * (read + written bytes) / time.  The kernel source compiles with NVRTC and, with RECTIC_HOST_EMULATION,
 * as C (the mock driver of tests/gpu/mock_cuda.h), through the runtime's device layer (cuda_dev.h).
 */
#ifndef RCT_BENCH_COPY_PEAK_H
#define RCT_BENCH_COPY_PEAK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cuda_dev.h"

static const char copy_src[] =
    "#ifdef RECTIC_HOST_EMULATION\n"
    "#define RCT_KERNEL void\n"
    "extern long rectic_emu_tid;\n"
    "#define RCT_TID rectic_emu_tid\n"
    "#else\n"
    "#define RCT_KERNEL extern \"C\" __global__ void\n"
    "#define RCT_TID ((long)blockIdx.x*blockDim.x + threadIdx.x)\n"
    "#endif\n"
    "typedef struct rectic_copy_ctx { const double *a; double *b; long n; } rectic_copy_ctx;\n"
    "RCT_KERNEL rectic_copy(const rectic_copy_ctx *c, long k)\n"
    "{\n"
    "    const long i = RCT_TID;\n"
    "    (void)k;\n"
    "    if (i < c->n)\n"
    "        c->b[i] = c->a[i];\n"
    "}\n";

/* Monotonic seconds (bench_gpu.c's clock too). */
static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Ascending doubles, for medians (bench_gpu.c's too). */
static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Times `reps` copies (the median into *seconds). */
static int copy_time(rct_cuexec *x, rct_CUfunction f, rct_CUdeviceptr ctx, long n, int reps, double *seconds,
                     rct_err *err)
{
    double t[9];
    long k = 0;
    void *params[] = {&ctx, &k};
    int rc = 0;
    for (int r = -1; r < reps && !rc; r++) { /* r = -1: the warm-up */
        double t0 = bench_now();
        if (!(rc = rct_cu_launch(x, f, n, params, err)))
            rc = rct_cuexec_ck(x, x->dev->api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", err);
        if (r >= 0)
            t[r] = bench_now() - t0;
    }
    qsort(t, (size_t)reps, sizeof t[0], bench_cmp_double);
    *seconds = t[reps / 2];
    return rc;
}

/* Measures the copy bandwidth of device `device` with buffers of `bytes` into *bw (bytes/s); 0, or -1 with
   the reason in msg. */
static int copy_peak(int device, size_t bytes, double *bw, char *msg, size_t size)
{
    rct_cuexec x;
    rct_err err = {0, ""};
    rct_dbuf a = {0, 0}, b = {0, 0}, ctx = {0, 0};
    rct_CUmodule mod = NULL;
    rct_CUfunction f = NULL;
    long n = (long)(bytes / sizeof(double));
    double seconds = 0;
    *bw = 0;
    int rc = rct_cuexec_open(&x, device, &err);
    if (!rc && !(rc = rct_cuexec_compile(&x, copy_src, &mod, &err)))
        rct_cuexec_set_module(&x, mod);
    if (!rc && !(rc = rct_cuexec_fn(&x, mod, "rectic_copy", &f, &err)) && !(rc = rct_dbuf_need(&x, &a, bytes, &err)) &&
        !(rc = rct_dbuf_need(&x, &b, bytes, &err))) {
        struct { const void *a; void *b; long n; } c = {(const void *)(uintptr_t)a.p, (void *)(uintptr_t)b.p, n};
        if (!(rc = rct_dbuf_upload(&x, &ctx, &c, sizeof c, &err)) &&
            !(rc = copy_time(&x, f, ctx.p, n, 9, &seconds, &err)))
            *bw = 2.0 * (double)n * sizeof(double) / seconds;
    }
    if (x.dev) {
        rct_dbuf_free(&x, &a), rct_dbuf_free(&x, &b), rct_dbuf_free(&x, &ctx);
        rct_cuexec_close(&x);
    }
    if (rc)
        snprintf(msg, size, "%s", err.msg);
    return rc ? -1 : 0;
}

#endif

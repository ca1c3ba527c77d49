/*
 * gpu_sparse.c -- the GPU checks of the sparse coupling kernels (tests/gpu/gpu_check.c calls them): a
 * random QIF network with sparse weights, in-degree 100, float64, per-neuron inputs:
 *   - the sparse product a thread per row (RECTIC_CUDA_CSR=thread) and a warp per row (warp): the CPU
 *     kernel's bits (every recorded value and every spike);
 *   - a warp per row summed by a lane tree (tree): identical spikes for the first 1000 steps, a spike
 *     score >= 0.99 over the run, and the same bits on a second run;
 *   - event-driven coupling on the device (--coupling event): the CPU event kernel's bits, and the same
 *     bits on a second run.
 */
#include "gpu_sparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netgen.h"
#include "rcase.h"
#include "rectic.h"

/* Runs g for `steps` steps on a backend with sparse kernel `csr` (RECTIC_CUDA_CSR, NULL: the default);
   NULL with msg on failure. */
static rectic_net *run_sparse(const ng_net *g, int backend, int device, const char *csr, long steps, const double *in,
                              char *msg, size_t size)
{
    if (csr)
        setenv("RECTIC_CUDA_CSR", csr, 1);
    rectic_net *net = ng_net_new(g, RECTIC_FLOAT64, backend, device, msg, size);
    if (net && (rectic_net_record(net, "s_in") != RECTIC_OK || rectic_net_run(net, steps, in, g->n) != RECTIC_OK)) {
        snprintf(msg, size, "%s", rectic_errmsg(net));
        rectic_net_free(net);
        net = NULL;
    }
    unsetenv("RECTIC_CUDA_CSR");
    return net;
}

/* Are the two runs' recordings (out, s_in) and spikes the same bits?  Else says where in msg. */
static int same_bits(rectic_net *a, rectic_net *b, char *msg, size_t size)
{
    const char *names[] = {"out", "s_in"};
    for (int k = 0; k < 2; k++) {
        long ra, ca, rb, cb;
        const double *da, *db;
        if (rectic_net_recording(a, names[k], &ra, &ca, &da) || rectic_net_recording(b, names[k], &rb, &cb, &db) ||
            ra != rb || ca != cb) {
            snprintf(msg, size, "%s: the recordings differ in shape", names[k]);
            return 0;
        }
        if (rc_close(names[k], da, db, ra, ca, 0, 0, 0, msg, size))
            return 0;
    }
    long na, nb;
    const long *pa, *pb;
    rectic_net_spikes(a, &na, &pa);
    rectic_net_spikes(b, &nb, &pb);
    return !rc_same_spikes(pa, na, pb, nb, msg, size);
}

/* Identical spikes over the first 1000 steps and a spike score >= 0.99 over all: within rounding. */
static int close_spikes(rectic_net *a, rectic_net *b, long n, double *score, char *msg, size_t size)
{
    long na, nb, ka = 0, kb = 0;
    const long *pa, *pb;
    rectic_net_spikes(a, &na, &pa);
    rectic_net_spikes(b, &nb, &pb);
    while (ka < na && pa[2 * ka] < 1000)
        ka++;
    while (kb < nb && pb[2 * kb] < 1000)
        kb++;
    *score = ng_spike_score(pa, na, pb, nb, n, 1);
    return !rc_same_spikes(pa, ka, pb, kb, msg, size) && *score >= 0.99;
}

void gpu_sparse_checks(gpu_report_fn report, int device, long n, long steps)
{
    char name[128], msg[4096] = "";
    ng_net g;
    if (ng_make(&g, n, 100, (uint64_t)n + 29)) {
        report(0, "sparse kernels", "out of memory");
        return;
    }
    double *in = ng_inputs(steps, n, 7);
    for (int event = 0; event < 2; event++) {
        g.coupling = event ? RECTIC_COUPLING_EVENT : RECTIC_COUPLING_SPARSE;
        rectic_net *cpu = run_sparse(&g, RECTIC_BACKEND_TCC, device, NULL, steps, in, msg, sizeof msg);
        const char *kinds[3] = {"thread", "warp", "tree"}, *labels[3] = {"a thread", "a warp", "a lane tree"};
        for (int k = 0; k < (event ? 1 : 3); k++) {
            if (event)
                snprintf(name, sizeof name, "QIF N=%ld event-driven on the device", n);
            else
                snprintf(name, sizeof name, "QIF N=%ld sparse, %s per row", n, labels[k]);
            rectic_net *gpu = cpu ? run_sparse(&g, RECTIC_BACKEND_NVRTC, device, event ? NULL : kinds[k], steps, in, msg,
                                               sizeof msg) : NULL;
            rectic_net *again = gpu ? run_sparse(&g, RECTIC_BACKEND_NVRTC, device, event ? NULL : kinds[k], steps, in,
                                                 msg, sizeof msg) : NULL;
            double score = 0;
            long count = 0;
            const long *pairs;
            if (gpu)
                rectic_net_spikes(gpu, &count, &pairs);
            if (!again)
                report(0, name, "%s", msg);
            else if (!same_bits(gpu, again, msg, sizeof msg))
                report(0, name, "two runs differ: %s", msg);
            else if (k == 2 && !close_spikes(gpu, cpu, n, &score, msg, sizeof msg))
                report(0, name, "not within rounding of the CPU (spike score %.4f): %s", score, msg);
            else if (k == 2)
                report(1, name, "within rounding of the CPU (%ld steps, spike score %.4f), the same bits twice", steps,
                       score);
            else if (!same_bits(gpu, cpu, msg, sizeof msg))
                report(0, name, "expected the CPU %s kernel's bits: %s", event ? "event" : "sparse", msg);
            else
                report(1, name, "the CPU %s kernel's bits over %ld steps (%.1f spikes/step), twice", event ? "event" : "sparse",
                       steps, (double)count / (double)steps);
            rectic_net_free(gpu);
            rectic_net_free(again);
        }
        rectic_net_free(cpu);
    }
    free(in);
    ng_free(&g);
}

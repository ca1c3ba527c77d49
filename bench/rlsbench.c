/*
 * rlsbench.c -- online learning (issue 17 scope 4): milliseconds per RLS update step at N = 500 and 2000.
 * rectic trains the readout of an identity network (its output is its input variable, so x_n is row n of
 * random inputs) with an update at every step through the C API (rectic_net_rls: P in the runtime, rectic's
 * own fixed-order loops, runtime/rls_kernel.c); bench/rls_numpy.py runs the same update on the same rows in NumPy, in the same
 * run, and checks that the final readouts agree.  The target is rectic <= 0.5x NumPy's time.
 */
#include "rlsbench.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "rectic.h"
#include "ridgebench.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs `steps` updates at size n in rectic, then in NumPy on the same rows; ms per step of both and the
   readouts' difference.  0 or -1. */
static int one_size(long n, long steps, double *ms, double *ms_np, double *diff)
{
    double *x = malloc(sizeof(double) * (size_t)(n * steps)), *y = malloc(sizeof(double) * (size_t)steps);
    uint64_t r = 0x9E3779B97F4A7C15ULL;
    for (long i = 0; i < n * steps; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        x[i] = (double)(r >> 11) / 4503599627370496.0 - 1;
    }
    for (long t = 0; t < steps; t++)
        y[t] = x[t * n] - 0.5 * x[t * n + n / 2];
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = "neuron_model_templates.rate_neurons.leaky_integrator.tanh";
    s.n = n;
    s.input_var = "li_op/I_ext";
    s.output_var = "li_op/I_ext";
    rectic_net *net;
    int rc = rectic_net_new(&net, &s);
    if (!rc)
        rc = rectic_net_run(net, 0, NULL, 0); /* the kernel is built before the clock starts */
    if (!rc)
        rc = rectic_net_rls(net, y, steps, 1, 1.0, 1.0, 1, -1);
    double t0 = now();
    if (!rc)
        rc = rectic_net_run(net, steps, x, n);
    *ms = 1e3 * (now() - t0) / (double)steps;
    long k, cols;
    const double *w;
    if (!rc)
        rc = rectic_net_fitted_readout(net, &k, &cols, &w);
    if (rc)
        fprintf(stderr, "bench: rls N=%ld: %s\n", n, rectic_errmsg(net));
    char dir[] = "/tmp/rectic-rlsbench-XXXXXX", path[256], cmd[1024];
    *ms_np = *diff = -1;
    if (!rc && mkdtemp(dir)) {
        const char *names[] = {"x", "y", "w"};
        const double *data[] = {x, y, w};
        long shape[3][2] = {{steps, n}, {steps, 1}, {k, cols}};
        int bad = 0;
        for (int q = 0; q < 3; q++) {
            snprintf(path, sizeof path, "%s/%s.npy", dir, names[q]);
            bad |= ridgebench_write_npy(path, data[q], shape[q][0], shape[q][1]);
        }
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/rls_numpy.py %s/x.npy %s/y.npy 1 %s/w.npy", dir, dir, dir);
        FILE *p = bad ? NULL : popen(cmd, "r");
        if (p && (fscanf(p, "%lf %lf", ms_np, diff) != 2 || pclose(p) != 0))
            *ms_np = -1;
        *ms_np *= 1e3;
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not remove %s\n", dir);
    }
    rectic_net_free(net);
    free(x);
    free(y);
    return rc ? -1 : 0;
}

int rlsbench_rows(FILE *md, int quick)
{
    const long sizes[2] = {500, 2000}, steps[2] = {quick ? 200 : 2000, quick ? 40 : 300};
    fprintf(md, "\nOnline learning (issue 17): milliseconds per RLS update step (`rectic fit rls`, an update at every "
                "step: ŷ = W x, then k = P x / (1 + xᵀ P x), P ← P − k (xᵀ P), W ← W + e ⊗ (P x)) with P in the "
                "runtime (rectic's own loops over its upper triangle, four rows a pass, in one fixed order: the same bits "
                "on any thread count, CPU or MPI rank), against the same update in NumPy "
                "(`bench/rls_numpy.py`: full matrices, `@` and `outer`, one thread) on the same rows, measured in the "
                "same run; the readouts after the last step agree to the relative difference shown.\n\n"
                "| N | updates | rectic ms/update | NumPy ms/update | rectic / NumPy | readouts agree to |\n"
                "|---|---|---|---|---|---|\n");
    for (int q = 0; q < 2; q++) {
        double ms, ms_np, diff;
        if (one_size(sizes[q], steps[q], &ms, &ms_np, &diff))
            return -1;
        printf("rls N=%ld: rectic %.3f ms per update, NumPy %.3f ms (ratio %.2f), readouts differ by %.2g\n", sizes[q],
               ms, ms_np, ms_np > 0 ? ms / ms_np : -1, diff);
        fprintf(md, "| %ld | %ld | %.3f | %.3f | %.2f | %.1g |\n", sizes[q], steps[q], ms, ms_np,
                ms_np > 0 ? ms / ms_np : -1, diff);
    }
    return 0;
}

/*
 * ridgebench.c -- reservoir computing (issue 16 scope 6): a spiking reservoir of 1000 QIF neurons (dense
 * random coupling, one input through W_in) run over 10^5 training steps and its readout fitted by ridge
 * regression, in one process through the C API; the fit against NumPy's solve on the same X (written out
 * and timed in the same run: the target is "not slower"), and the whole against a NumPy re-implementation
 * of the same run (a plain loop of the QIF equations netref.py and tests/ridgeref.py use) and its fit.
 */
#include "ridgebench.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rectic.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define N 1000L
#define DELAY 20
#define ALPHA 1e-6
#define WASHOUT 500L

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static double unif(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

int ridgebench_write_npy(const char *path, const double *x, long rows, long cols)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    char h[128];
    int len = snprintf(h, sizeof h, "{'descr': '<f8', 'fortran_order': False, 'shape': (%ld, %ld), }", rows, cols);
    int pad = 64 - (10 + len + 1) % 64;
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    unsigned short hl = (unsigned short)(len + pad % 64 + 1);
    fputc(hl & 0xFF, f), fputc(hl >> 8, f);
    fputs(h, f);
    for (int k = 0; k < pad % 64; k++)
        fputc(' ', f);
    fputc('\n', f);
    int bad = fwrite(x, sizeof(double), (size_t)(rows * cols), f) != (size_t)(rows * cols);
    return fclose(f) != 0 || bad ? -1 : 0;
}

/* Runs a command and reads two numbers (three when c is given) from its output. */
static int two_numbers(const char *cmd, double *a, double *b, double *c)
{
    FILE *p = popen(cmd, "r");
    int ok = p && fscanf(p, "%lf %lf", a, b) == 2 && (!c || fscanf(p, "%lf", c) == 1);
    if (p)
        ok = pclose(p) == 0 && ok;
    return ok ? 0 : -1;
}

int ridgebench_rows(FILE *md, int quick)
{
    const long steps = quick ? 10000 : 100000;
    double *J = malloc(sizeof(double) * N * N), *w_in = malloc(sizeof(double) * N), *eta = malloc(sizeof(double) * N);
    double *x = malloc(sizeof(double) * (size_t)(steps + DELAY)), *y = malloc(sizeof(double) * (size_t)steps);
    for (long i = 0; i < N * N; i++)
        J[i] = 1000 * (2 * unif() - 1) * sqrt(3.0 / N); /* variance 1000^2/N */
    for (long i = 0; i < N; i++) {
        w_in[i] = 8e4 * (2 * unif() - 1);
        eta[i] = 400 * unif() - 200;
    }
    double u = 0;
    for (long t = 0; t < steps + DELAY; t++) /* smoothed noise */
        x[t] = u = 0.9 * u + 0.1 * (2 * unif() - 1) * 5;
    for (long t = 0; t < steps; t++)
        y[t] = t >= DELAY ? x[t - DELAY] : 0;

    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = QIF;
    s.op = "qif_op";
    s.n = N;
    s.weights = J;
    s.source_var = "s";
    s.target_var = "s_in";
    s.input_var = "I_ext";
    s.output_var = "s";
    s.spike_var = "spike";
    s.spike_def = "v";
    s.backend = RECTIC_BACKEND_CC;
    double t0 = now(), tau_s = 0.01;
    rectic_net *net;
    int rc = rectic_net_new(&net, &s);
    if (!rc && !(rc = rectic_net_set(net, "eta", eta, N)) && !(rc = rectic_net_set(net, "tau_s", &tau_s, 1)))
        rc = rectic_net_input_weights(net, NULL, w_in, N, 1);
    rectic_net_max_memory(net, (size_t)4 << 30); /* X stays in memory: 0.8 GB */
    if (!rc) /* eta became per neuron: the kernel is built again before the first step (cc caches it) */
        rc = rectic_net_run(net, 0, NULL, 0);
    double t1 = now();
    if (!rc)
        rc = rectic_net_run(net, steps, x, 1);
    double t2 = now();
    rectic_score fit;
    if (!rc)
        rc = rectic_net_fit_ridge(net, y, steps, 1, ALPHA, WASHOUT, 0, &fit);
    double t3 = now();
    if (rc) {
        fprintf(stderr, "bench: reservoir: %s\n", rectic_errmsg(net));
        rectic_net_free(net);
        free(J), free(w_in), free(eta), free(x), free(y);
        return -1;
    }
    long spikes, rows, cols, k, c;
    const long *pairs;
    const double *X, *w;
    rectic_net_spikes(net, &spikes, &pairs);
    rectic_net_recording(net, "out", &rows, &cols, &X);
    rectic_net_fitted_readout(net, &k, &c, &w);
    /* NumPy's solve on the same X, and the same run in NumPy */
    char dir[] = "/tmp/rectic-ridgebench-XXXXXX", cmd[2048], path[256];
    double np_solve = -1, diff = -1, np_run = -1, np_fit = -1, np_diff = -1;
    if (mkdtemp(dir)) {
        const struct {
            const char *name;
            const double *d;
            long rows, cols;
        } files[] = {{"x", X, rows, cols}, {"y", y, steps, 1}, {"w", w, k, c}, {"in", x, steps, 1},
                     {"w_in", w_in, N, 1}, {"J", J, N, N}, {"eta", eta, N, 1}};
        int bad = 0;
        for (size_t q = 0; q < sizeof files / sizeof files[0]; q++) {
            snprintf(path, sizeof path, "%s/%s.npy", dir, files[q].name);
            bad |= ridgebench_write_npy(path, files[q].d, files[q].rows, files[q].cols);
        }
        if (!bad) {
            snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/ridge_numpy.py solve %s/x.npy %s/y.npy %g %ld %s/w.npy",
                     dir, dir, ALPHA, WASHOUT, dir);
            if (two_numbers(cmd, &np_solve, &diff, NULL))
                np_solve = -1;
            snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/ridge_numpy.py whole %s/J.npy %s/eta.npy %s/in.npy "
                     "%s/w_in.npy %s/y.npy %g %ld %ld %s/x.npy", dir, dir, dir, dir, dir, ALPHA, WASHOUT, steps, dir);
            if (two_numbers(cmd, &np_run, &np_fit, &np_diff))
                np_run = -1;
        }
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not remove %s\n", dir);
    }
    double run = t2 - t1, fit_s = t3 - t2, whole = t3 - t0;
    printf("\nreservoir: %ld QIF neurons, %ld steps, %.1f spikes/step: rectic run %.3f s, fit %.3f s (NRMSE %.3f); "
           "NumPy solve %.3f s (readouts differ by %.2g); NumPy run %.1f s + fit %.3f s (X's first rows differ by "
           "%.2g)\n", N, steps, (double)spikes / (double)steps, run, fit_s, fit.nrmse_mean, np_solve, diff, np_run,
           np_fit, np_diff);
    fprintf(md, "\nReservoir computing (issue 16): a spiking reservoir of %ld QIF neurons (dense random coupling, one "
                "input through W_in, X = the synaptic trace s) over %ld training steps, its readout fitted by ridge "
                "regression (alpha %g, washout %ld) through the C API (`--backend cc`, one thread); NumPy's "
                "`solve(XᵀX + αI, XᵀY)` on the same X (the readouts agree to %.1g relative), and the same run as a plain "
                "NumPy loop (the QIF equations of tests/netref.py; X's first 200 rows agree to %.1g) with its fit, "
                "measured in the same run.\n\n"
                "| reservoir | steps | spikes/step | rectic run | rectic fit | NumPy solve, same X | fit / NumPy | "
                "rectic whole (new + run + fit) | NumPy whole (run + fit) | speed-up |\n"
                "|---|---|---|---|---|---|---|---|---|---|\n", N, steps, ALPHA, WASHOUT, diff, np_diff);
    char np_whole[64] = "-", speed[64] = "-", solve[64] = "-", share[64] = "-";
    if (np_solve > 0) {
        snprintf(solve, sizeof solve, "%.3f s", np_solve);
        snprintf(share, sizeof share, "%.2f%s", fit_s / np_solve, fit_s <= np_solve ? "" : " (slower)");
    }
    if (np_run > 0) {
        snprintf(np_whole, sizeof np_whole, "%.1f s", np_run + np_fit);
        snprintf(speed, sizeof speed, "%.0f×", (np_run + np_fit) / whole);
    }
    fprintf(md, "| QIF N=%ld, NRMSE %.3f | %ld | %.1f | %.3f s | %.3f s | %s | %s | %.3f s | %s | %s |\n", N,
            fit.nrmse_mean, steps, (double)spikes / (double)steps, run, fit_s, solve, share, whole, np_whole, speed);
    rectic_net_free(net);
    free(J), free(w_in), free(eta), free(x), free(y);
    return 0;
}

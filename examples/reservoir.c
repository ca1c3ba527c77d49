/*
 * reservoir.c -- reservoir computing as RectiPy's fit_ridge does it, through the C API: a leaky-integrator
 * tanh network of 100 units learns to reproduce its input delayed by 20 steps.
 *
 * Builds the network (random recurrent weights J, input weights W_in), runs the 5000 training inputs,
 * fits the readout by ridge regression in memory (rectic_net_fit_ridge), sets it as the network's readout,
 * runs the 2000 test inputs from where training left off, and prints the NRMSE of both.  With a folder as
 * its argument it also writes the task's files there (J.csv, w_in.csv, train_x.csv, train_y.csv,
 * test_x.csv, test_y.csv, and J_qif.csv, w_in_qif.csv, eta_qif.csv for a spiking reservoir), which the
 * README's command-line version of the task reads.
 *
 *   cc reservoir.c $(pkg-config --cflags --libs rectic) -o reservoir && ./reservoir [DIR]
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rectic.h"

#define N 100       /* reservoir units */
#define N_QIF 200   /* units of the spiking reservoir (its files only) */
#define DELAY 20    /* the target: the input DELAY steps ago */
#define TRAIN 5000
#define TEST 2000
#define WASHOUT 200
#define SMOOTH 15   /* the input: uniform noise averaged over SMOOTH steps */

/* Uniform numbers in [0, 1) from a 64-bit linear congruential generator (the same on every machine). */
static double uniform(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

/* Standard normal numbers (Box-Muller). */
static double normal(unsigned long long *s)
{
    double u = uniform(s), v = uniform(s);
    return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

/* Writes rows x cols values as CSV (%.17g: read back exactly). */
static int write_csv(const char *dir, const char *name, const double *x, long rows, long cols)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "reservoir: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < cols; c++)
            fprintf(f, "%.17g%c", x[r * cols + c], c + 1 < cols ? ',' : '\n');
    return fclose(f) == 0 ? 0 : -1;
}

/* Creates dir and its parents (mkdir -p). */
static int make_dirs(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; ; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        if (!(*p = c))
            return 0;
    }
}

/* Fails with the network's message. */
static int fail(rectic_net *net, const char *what)
{
    fprintf(stderr, "reservoir: %s: %s\n", what, rectic_errmsg(net));
    rectic_net_free(net);
    return 1;
}

int main(int argc, char **argv)
{
    static double J[N * N], w_in[N], u[TRAIN + TEST + DELAY + SMOOTH], x[TRAIN + TEST], y[TRAIN + TEST];
    unsigned long long seed = 2024;
    /* recurrent weights of spectral radius ~0.9 (a random matrix of variance g^2/N), input weights in [-1, 1] */
    for (int i = 0; i < N * N; i++)
        J[i] = 0.9 * normal(&seed) / sqrt(N);
    for (int i = 0; i < N; i++)
        w_in[i] = 2 * uniform(&seed) - 1;
    /* the input: smoothed noise of standard deviation 0.5; the target: the input DELAY steps ago */
    long total = TRAIN + TEST + DELAY;
    double mean = 0, var = 0;
    for (long t = 0; t < total + SMOOTH; t++)
        u[t] = 2 * uniform(&seed) - 1;
    for (long t = 0; t < total; t++) {
        double s = 0;
        for (int k = 0; k < SMOOTH; k++)
            s += u[t + k];
        u[t] = s / SMOOTH;
        mean += u[t] / total;
    }
    for (long t = 0; t < total; t++)
        var += (u[t] - mean) * (u[t] - mean) / total;
    for (long t = 0; t < TRAIN + TEST; t++) {
        x[t] = 0.5 * (u[t + DELAY] - mean) / sqrt(var);
        y[t] = 0.5 * (u[t] - mean) / sqrt(var);
    }

    /* the network: RectiPy's leaky integrator with tanh rates, r = tanh(v) fed back through J */
    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_ref = "neuron_model_templates.rate_neurons.leaky_integrator.tanh";
    spec.n = N;
    spec.weights = J;
    spec.source_var = "tanh_op/r";
    spec.target_var = "li_op/r_in";
    spec.input_var = "li_op/I_ext";
    spec.output_var = "tanh_op/r"; /* X: the rates, before each step's update */
    spec.dt = 0.5;
    double tau = 1.0;
    rectic_net *net;
    if (rectic_net_new(&net, &spec) != RECTIC_OK)
        return fail(net, "rectic_net_new");
    if (rectic_net_set(net, "li_op/tau", &tau, 1) != RECTIC_OK ||
        rectic_net_input_weights(net, NULL, w_in, N, 1) != RECTIC_OK) /* I_ext = W_in @ x_n */
        return fail(net, "setting up");

    /* train: run, then solve (XᵀX + αI) w = XᵀY over the rows after the washout */
    rectic_score fit, test;
    if (rectic_net_run(net, TRAIN, x, 1) != RECTIC_OK)
        return fail(net, "training run");
    if (rectic_net_fit_ridge(net, y, TRAIN, 1, 1e-6, WASHOUT, 0, &fit) != RECTIC_OK)
        return fail(net, "rectic_net_fit_ridge");
    long k, cols;
    const double *w_out;
    double *readout = NULL;
    if (rectic_net_fitted_readout(net, &k, &cols, &w_out) == RECTIC_OK &&
        (readout = malloc(sizeof(double) * (size_t)(k * cols))))
        memcpy(readout, w_out, sizeof(double) * (size_t)(k * cols)); /* borrowed until the next run: keep a copy */
    /* test: the readout on the network, which continues from where training left off */
    if (!readout || rectic_net_readout(net, readout, k, cols, RECTIC_ACT_IDENTITY) != RECTIC_OK ||
        rectic_net_run(net, TEST, x + TRAIN, 1) != RECTIC_OK || rectic_net_score(net, y + TRAIN, TEST, 1, &test) != RECTIC_OK) {
        free(readout);
        return fail(net, "testing");
    }
    printf("reservoir of %d leaky integrators, target: the input %d steps ago\n", N, DELAY);
    printf("training: %ld rows fitted, NRMSE %.4f\n", fit.rows, fit.nrmse_mean);
    printf("test:     %ld rows,        NRMSE %.4f\n", test.rows, test.nrmse_mean);
    free(readout);
    rectic_net_free(net);

    if (argc > 1) { /* the task's files, for the command line */
        const char *dir = argv[1];
        static double Jq[N_QIF * N_QIF], wq[N_QIF], eta[N_QIF];
        for (int i = 0; i < N_QIF * N_QIF; i++)
            Jq[i] = 1000 * normal(&seed) / sqrt(N_QIF);
        for (int i = 0; i < N_QIF; i++) {
            wq[i] = 8e4 * (2 * uniform(&seed) - 1); /* strong input: the rates follow it */
            eta[i] = 400 * uniform(&seed) - 200;
        }
        if (make_dirs(dir) || write_csv(dir, "J.csv", J, N, N) ||
            write_csv(dir, "w_in.csv", w_in, N, 1) || write_csv(dir, "train_x.csv", x, TRAIN, 1) ||
            write_csv(dir, "train_y.csv", y, TRAIN, 1) || write_csv(dir, "test_x.csv", x + TRAIN, TEST, 1) ||
            write_csv(dir, "test_y.csv", y + TRAIN, TEST, 1) || write_csv(dir, "J_qif.csv", Jq, N_QIF, N_QIF) ||
            write_csv(dir, "w_in_qif.csv", wq, N_QIF, 1) || write_csv(dir, "eta_qif.csv", eta, N_QIF, 1)) {
            fprintf(stderr, "reservoir: cannot write the task's files into %s\n", dir);
            return 1;
        }
        printf("task files written to %s\n", dir);
    }
    return test.nrmse_mean < 0.5 ? 0 : 1; /* the readout learned the task */
}

/*
 * force_sine.c -- FORCE learning (Sussillo & Abbott 2009; spiking: Nicola & Clopath 2017) through the C API:
 * a network of 500 QIF neurons with random sparse coupling learns to produce a sine wave by itself.
 *
 * The readout ŷ = W s (s: the neurons' synaptic traces) is fed back into every neuron's input (I_ext +=
 * W_fb ŷ, W_fb fixed and random) while W is trained by recursive least squares every 20 steps
 * (rectic_net_rls, rectic_net_feedback_weights).  After TRAIN steps the readout is kept fixed and the
 * network runs on, closed loop, for TEST more steps: the sine goes on without a teacher.  Prints the mean
 * squared error during training and after it, and what the untrained network (W = 0) scores.  With a folder
 * as its argument it also writes the task's files there (J.csv, eta.csv, fb.csv, target_train.csv,
 * target_test.csv) for the README's command-line version of the task.
 *
 *   cc force_sine.c $(pkg-config --cflags --libs rectic) -o force_sine && ./force_sine [DIR]
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rectic.h"

#define N 500          /* QIF neurons */
#define P_CONNECT 0.1  /* connection probability of J */
#define G 5.0          /* the coupling's strength */
#define Q 5.0          /* the feedback's strength */
#define DT 0.005       /* step (in units of the membrane time constant tau = 1) */
#define PERIOD 20.0    /* of the target sine: 4000 steps */
#define TRAIN 40000
#define TEST 20000
#define EVERY 20       /* RLS updates every EVERY steps */
#define THRESHOLD 0.1  /* the mean squared error after training must be below this (the sine's power: 0.5) */

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

/* Writes rows x cols values as DIR/NAME in CSV (%.17g: read back exactly). */
static int write_csv(const char *dir, const char *name, const double *x, long rows, long cols)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "force_sine: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < cols; c++)
            fprintf(f, "%.17g%c", x[r * cols + c], c + 1 < cols ? ',' : '\n');
    return fclose(f) == 0 ? 0 : -1;
}

/* Fails with the network's message. */
static int fail(rectic_net *net, const char *what)
{
    fprintf(stderr, "force_sine: %s: %s\n", what, rectic_errmsg(net));
    rectic_net_free(net);
    return 1;
}

int main(int argc, char **argv)
{
    static double J[N * N], eta[N], fb[N], y[TRAIN + TEST];
    unsigned long long seed = 17;
    for (long i = 0; i < N * N; i++) /* sparse Gaussian coupling, no self-connections */
        J[i] = uniform(&seed) < P_CONNECT && i / N != i % N ? G * normal(&seed) / sqrt(N * P_CONNECT) : 0;
    for (int i = 0; i < N; i++) {
        eta[i] = 1.0 + 0.5 * (2 * uniform(&seed) - 1); /* every neuron fires on its own */
        fb[i] = Q * (2 * uniform(&seed) - 1);
    }
    double power = 0; /* what W = 0 (ŷ = 0) scores after training: the mean of y² */
    for (long t = 0; t < TRAIN + TEST; t++) {
        y[t] = sin(2 * M_PI * (double)t * DT / PERIOD);
        power += t >= TRAIN ? y[t] * y[t] / TEST : 0;
    }

    /* RectiPy's QIF neurons: v' = (v^2 + eta + I_ext)/tau + k*s_in, s' = -s/tau_s + spike, s_in = J @ s */
    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_ref = "neuron_model_templates.spiking_neurons.qif.qif";
    spec.op = "qif_op";
    spec.n = N;
    spec.weights = J;
    spec.coupling = RECTIC_COUPLING_SPARSE;
    spec.source_var = "s";
    spec.target_var = "s_in";
    spec.input_var = "I_ext";
    spec.output_var = "s"; /* x of the readout: the synaptic traces, before each step's update */
    spec.spike_var = "spike";
    spec.spike_def = "v";
    spec.dt = DT;
    double tau_s = 2.0;
    rectic_net *net;
    if (rectic_net_new(&net, &spec) != RECTIC_OK)
        return fail(net, "rectic_net_new");
    if (rectic_net_set(net, "eta", eta, N) != RECTIC_OK || rectic_net_set(net, "tau_s", &tau_s, 1) != RECTIC_OK ||
        rectic_net_feedback_weights(net, fb, N, 1) != RECTIC_OK ||
        rectic_net_rls(net, y, TRAIN + TEST, 1, 1.0, 1.0, EVERY, TRAIN) != RECTIC_OK)
        return fail(net, "setting up");
    /* no input: the network runs on its own and on what the readout feeds back */
    if (rectic_net_run(net, TRAIN + TEST, NULL, 0) != RECTIC_OK)
        return fail(net, "rectic_net_run");
    double mse[2];
    long steps[2], updates;
    if (rectic_net_rls_mse(net, mse, steps) != RECTIC_OK || rectic_net_rls_errors(net, &updates, NULL, NULL) != RECTIC_OK)
        return fail(net, "the errors");
    long n_spikes;
    const long *spikes;
    rectic_net_spikes(net, &n_spikes, &spikes);
    printf("FORCE: %d QIF neurons learn a sine of period %g (%g steps); %ld spikes\n", N, PERIOD, PERIOD / DT, n_spikes);
    printf("training: %ld steps, %ld RLS updates, mse %.4f\n", steps[0], updates, mse[0]);
    printf("after:    %ld steps with the readout fixed, mse %.4f (untrained: %.4f, threshold %g)\n", steps[1], mse[1],
           power, THRESHOLD);
    rectic_net_free(net);

    if (argc > 1) { /* the task's files, for the command line */
        const char *dir = argv[1];
        if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || write_csv(dir, "J.csv", J, N, N) ||
            write_csv(dir, "eta.csv", eta, N, 1) || write_csv(dir, "fb.csv", fb, N, 1) ||
            write_csv(dir, "target_train.csv", y, TRAIN, 1) || write_csv(dir, "target_test.csv", y + TRAIN, TEST, 1)) {
            fprintf(stderr, "force_sine: cannot write the task's files into %s\n", dir);
            return 1;
        }
        printf("task files written to %s\n", dir);
    }
    return mse[1] < THRESHOLD && power >= THRESHOLD ? 0 : 1; /* it learned; the untrained network would not */
}

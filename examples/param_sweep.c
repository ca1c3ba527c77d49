/*
 * param_sweep.c -- sweeps eta over 20 values on ONE compiled kernel and prints the firing rate per value.
 *
 * 100 QIF neurons, sparse random excitatory coupling, constant input.  Changing a parameter's value
 * never recompiles: the program checks that the kernel was compiled exactly once.
 *
 *   cc param_sweep.c $(pkg-config --cflags --libs rectic) -o param_sweep && ./param_sweep
 */
#include <stdio.h>
#include <stdlib.h>

#include "rectic.h"

#define N 100
#define STEPS 20000 /* 20 s of model time at dt = 1e-3 */

int main(void)
{
    static double J[N * N];
    srand(7);
    for (int i = 0; i < N * N; i++)
        J[i] = rand() % 10 == 0 ? 2.0 * rand() / RAND_MAX : 0.0; /* 10% connectivity */

    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_ref = "neuron_model_templates.spiking_neurons.qif.qif";
    spec.op = "qif_op";
    spec.n = N;
    spec.weights = J;
    spec.source_var = "s";
    spec.target_var = "s_in";
    spec.input_var = "I_ext";
    spec.output_var = "s";
    spec.spike_var = "spike";
    spec.spike_def = "v";
    spec.dt = 1e-3;

    rectic_net *net;
    if (rectic_net_new(&net, &spec) != RECTIC_OK) {
        fprintf(stderr, "param_sweep: %s\n", rectic_errmsg(net));
        rectic_net_free(net);
        return 1;
    }
    double input = 1.0; /* the same input for every neuron and step: one column, one row repeated */
    double *inputs = malloc(sizeof(double) * STEPS);
    for (int t = 0; t < STEPS; t++)
        inputs[t] = input;
    printf("%8s %16s\n", "eta", "spikes/neuron/time unit");
    for (int k = 0; k < 20; k++) {
        double eta = -6.0 + 0.5 * k;
        rectic_net_reset(net);
        if (rectic_net_set(net, "eta", &eta, 1) != RECTIC_OK || rectic_net_run(net, STEPS, inputs, 1) != RECTIC_OK) {
            fprintf(stderr, "param_sweep: %s\n", rectic_errmsg(net));
            return 1;
        }
        long n_spikes;
        const long *pairs;
        rectic_net_spikes(net, &n_spikes, &pairs);
        printf("%8.2f %16.3f\n", eta, (double)n_spikes / N / (STEPS * spec.dt));
    }
    printf("kernel compilations: %d (values never recompile)\n", rectic_net_compilations(net));
    int once = rectic_net_compilations(net) == 1;
    rectic_net_free(net);
    free(inputs);
    return once ? 0 : 1;
}

/*
 * qif_network.c -- RectiPy's seed example written in C against rectic.h.
 *
 * 5 QIF neurons coupled through J = uniform(0,1)*20 (the same numbers as numpy.random.seed(42);
 * numpy.random.rand(5,5)*20), sine inputs 20*sin(2*pi*0.5*t) on neuron 2 and 10*sin(2*pi*0.25*t) on
 * neuron 4, dt = 1e-3, 30000 steps.  Prints the spike count and writes the recordings (out = s, v,
 * spikes, time) to the directory given as argument (default results/qif_network), with the weights and
 * inputs as J.csv and inp.csv.
 *
 *   cc qif_network.c $(pkg-config --cflags --libs rectic) -o qif_network && ./qif_network
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rectic.h"

#define N 5
#define STEPS 30000

/* numpy's legacy RandomState (MT19937): seed(s) then random_sample(), so J matches RectiPy's example. */
typedef struct mt19937 {
    uint32_t mt[624];
    int idx;
} mt19937;

static void mt_seed(mt19937 *r, uint32_t s)
{
    r->mt[0] = s;
    for (int i = 1; i < 624; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->idx = 624;
}

static uint32_t mt_next(mt19937 *r)
{
    if (r->idx >= 624) {
        for (int k = 0; k < 624; k++) {
            uint32_t y = (r->mt[k] & 0x80000000u) | (r->mt[(k + 1) % 624] & 0x7fffffffu);
            r->mt[k] = r->mt[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        r->idx = 0;
    }
    uint32_t y = r->mt[r->idx++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

/* A double uniform in [0, 1) with 53 random bits, as numpy's random_sample. */
static double mt_uniform(mt19937 *r)
{
    uint32_t a = mt_next(r) >> 5, b = mt_next(r) >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

/* Writes a rows x cols matrix as CSV into dir/name. */
static void write_csv(const char *dir, const char *name, const double *a, int rows, int cols)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            fprintf(f, "%.17g%c", a[i * cols + j], j + 1 < cols ? ',' : '\n');
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *out_dir = argc > 1 ? argv[1] : "results/qif_network";
    const double dt = 1e-3;
    static double J[N * N], inputs[STEPS * N];
    mt19937 rng;
    mt_seed(&rng, 42);
    for (int i = 0; i < N * N; i++)
        J[i] = mt_uniform(&rng) * 20.0;
    for (int n = 0; n < STEPS; n++) {
        double t = n * dt;
        inputs[n * N + 2] = 20.0 * sin(2.0 * M_PI * 0.5 * t);
        inputs[n * N + 4] = 10.0 * sin(2.0 * M_PI * 0.25 * t);
    }

    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_ref = "neuron_model_templates.spiking_neurons.qif.qif";
    spec.op = "qif_op";
    spec.n = N;
    spec.weights = J;
    spec.min_weight = 1e-6; /* PyRates drops |w| <= 1e-6, as RectiPy */
    spec.source_var = "s";
    spec.target_var = "s_in";
    spec.input_var = "I_ext";
    spec.output_var = "s";
    spec.spike_var = "spike";
    spec.spike_def = "v";
    spec.dt = dt;

    rectic_net *net;
    if (rectic_net_new(&net, &spec) != RECTIC_OK) {
        fprintf(stderr, "qif_network: %s\n", rectic_errmsg(net));
        rectic_net_free(net);
        return 1;
    }
    int rc = rectic_net_record(net, "v");
    if (rc == RECTIC_OK)
        rc = rectic_net_run(net, STEPS, inputs, N);
    if (rc == RECTIC_OK)
        rc = rectic_net_write(net, out_dir, RECTIC_FORMAT_CSV);
    if (rc != RECTIC_OK) {
        fprintf(stderr, "qif_network: %s\n", rectic_errmsg(net));
        rectic_net_free(net);
        return 1;
    }
    /* the same network as files, for `rectic run --weights J.csv --inputs inp.csv` */
    write_csv(out_dir, "J.csv", J, N, N);
    write_csv(out_dir, "inp.csv", inputs, STEPS, N);
    long n_spikes;
    const long *pairs;
    rectic_net_spikes(net, &n_spikes, &pairs);
    rectic_timings t;
    rectic_net_timings(net, &t);
    printf("%d neurons, %d steps: %ld spikes (JIT %.2f ms, run %.2f ms); recordings in %s/\n", N, STEPS, n_spikes,
           t.jit * 1e3, t.run * 1e3, out_dir);
    rectic_net_free(net);
    return 0;
}

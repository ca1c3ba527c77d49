/*
 * popbench.c -- the cost of populations: an E/I network of QIF neurons (8000 + 2000 units, the four
 * projections E->E, E->I, I->E, I->I sparse with p = 0.1) run as a network of two populations, against
 * one population of 10000 units with the same synapses in one sparse matrix.  Both compute the same
 * numbers up to the grouping of each row's sum; the target is a ratio within 1.2.
 */
#include "popbench.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rectic.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define N_E 8000L
#define N_I 2000L
#define P_CONN 0.1
#define REPEAT 5

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* Uniform in [0, 1). */
static double unif(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* COO entries of one projection (targets t0 .. t0+n_t-1, sources s0 .. s0+n_s-1: indices in the whole
   network), each pair present with probability P_CONN, weights w*(0.5 .. 1.5)/sqrt(p*n_s); appended to *e. */
static void connect(double **e, long *nnz, long *cap, long n_t, long n_s, long t0, long s0, double w)
{
    for (long i = 0; i < n_t; i++)
        for (long j = 0; j < n_s; j++) {
            if (unif() >= P_CONN)
                continue;
            if (*nnz == *cap) {
                *cap = *cap ? 2 * *cap : 1 << 20;
                *e = realloc(*e, sizeof(double) * 3 * (size_t)*cap);
            }
            double *r = *e + 3 * *nnz;
            r[0] = (double)(t0 + i), r[1] = (double)(s0 + j), r[2] = w * (0.5 + unif()) / sqrt(P_CONN * (double)n_s);
            (*nnz)++;
        }
}

/* Entries from..to-1 of e shifted to indices within their populations (targets from t0, sources from s0). */
static double *local(const double *e, long from, long to, long t0, long s0)
{
    double *out = malloc(sizeof(double) * 3 * (size_t)(to - from) + 1);
    for (long q = from; q < to; q++) {
        out[3 * (q - from)] = e[3 * q] - (double)t0;
        out[3 * (q - from) + 1] = e[3 * q + 1] - (double)s0;
        out[3 * (q - from) + 2] = e[3 * q + 2];
    }
    return out;
}

/* The median of n numbers (sorted in place). */
static double median(double *t, int n)
{
    for (int a = 1; a < n; a++) /* insertion sort */
        for (int b = a; b > 0 && t[b - 1] > t[b]; b--) {
            double x = t[b];
            t[b] = t[b - 1], t[b - 1] = x;
        }
    return t[n / 2];
}

/* Run time per step (µs) of one run of net over `steps` steps from its initial state, or -1. */
static double one_run(rectic_net *net, long steps, const double *in, long in_cols)
{
    rectic_net_reset(net);
    if (rectic_net_run(net, steps, in, in_cols) != RECTIC_OK) {
        fprintf(stderr, "bench: %s\n", rectic_errmsg(net));
        return -1;
    }
    rectic_timings tm;
    rectic_net_timings(net, &tm);
    return tm.run / (double)steps * 1e6;
}

/* Median run time per step (µs) of net over `steps` steps, REPEAT runs from its initial state. */
static double time_per_step(rectic_net *net, long steps, const double *in, long in_cols)
{
    double t[REPEAT];
    for (int k = 0; k < REPEAT; k++)
        if ((t[k] = one_run(net, steps, in, in_cols)) < 0)
            return -1;
    return median(t, REPEAT);
}

/* The two-population network: E and I QIF populations, the four projections as COO. */
static rectic_net *ei_network(const double *e, const long *cut, const double *eta, int backend)
{
    rectic_netspec *ns;
    rectic_netspec_new(&ns);
    const char *pops[2] = {"E", "I"};
    long n[2] = {N_E, N_I};
    for (int p = 0; p < 2; p++) {
        rectic_netspec_population(ns, pops[p], QIF, "qif_op", n[p]);
        rectic_netspec_spikes(ns, pops[p], "spike", "v", 100, -100);
        rectic_netspec_set(ns, p ? "I/eta" : "E/eta", eta + (p ? N_E : 0), n[p]);
    }
    static const char *const ends[4][2] = {{"E/s", "E/s_in"}, {"E/s", "I/s_in"}, {"I/s", "E/s_in"}, {"I/s", "I/s_in"}};
    long t0[4] = {0, N_E, 0, N_E}, s0[4] = {0, 0, N_E, N_E};
    for (int k = 0; k < 4; k++) {
        double *part = local(e, cut[k], cut[k + 1], t0[k], s0[k]);
        rectic_netspec_coo(ns, ends[k][0], ends[k][1], part, cut[k + 1] - cut[k], 0);
        free(part);
    }
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = 1e-4;
    o.backend = backend;
    o.coupling = RECTIC_COUPLING_SPARSE;
    rectic_net *net = NULL;
    if (rectic_net_new_network(&net, ns, &o) != RECTIC_OK || rectic_net_record_as(net, "E/s", "out") != RECTIC_OK) {
        fprintf(stderr, "bench: E/I network: %s\n", net ? rectic_errmsg(net) : rectic_netspec_errmsg(ns));
        rectic_net_free(net);
        net = NULL;
    }
    rectic_netspec_free(ns);
    return net;
}

/* The same synapses in one population of N_E + N_I units. */
static rectic_net *one_population(const double *e, long nnz, const double *eta, int backend)
{
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = QIF, s.op = "qif_op", s.n = N_E + N_I, s.weights_coo = e, s.nnz = nnz;
    s.source_var = "s", s.target_var = "s_in", s.output_var = "s", s.spike_var = "spike", s.spike_def = "v";
    s.dt = 1e-4, s.backend = backend, s.coupling = RECTIC_COUPLING_SPARSE;
    rectic_net *net = NULL;
    if (rectic_net_new(&net, &s) != RECTIC_OK || rectic_net_set(net, "eta", eta, N_E + N_I) != RECTIC_OK) {
        fprintf(stderr, "bench: one population: %s\n", rectic_errmsg(net));
        rectic_net_free(net);
        return NULL;
    }
    return net;
}

/* The E/I network's synapses (COO over the whole network, *nnz of them, cut[] where each projection's
   begin) and eta; the caller frees both. */
static double *ei_synapses(long *nnz, long *cut, double **eta)
{
    long cap = 0;
    double *e = NULL;
    *nnz = 0;
    *eta = malloc(sizeof(double) * (size_t)(N_E + N_I));
    for (long i = 0; i < N_E + N_I; i++)
        (*eta)[i] = -2 + 7 * unif();
    long t0[4] = {0, N_E, 0, N_E}, s0[4] = {0, 0, N_E, N_E}, nt[4] = {N_E, N_I, N_E, N_I}, nsrc[4] = {N_E, N_E, N_I, N_I};
    double w[4] = {1, 1, -2, -2};
    for (int k = 0; k < 4; k++) {
        cut[k] = *nnz;
        connect(&e, nnz, &cap, nt[k], nsrc[k], t0[k], s0[k], w[k]);
    }
    cut[4] = *nnz;
    return e;
}

int popbench_threads_rows(FILE *md, int quick)
{
    long steps = quick ? 50 : 300, nnz, cut[5];
    double *eta, *e = ei_synapses(&nnz, cut, &eta), t[2][REPEAT];
    rectic_net *net = ei_network(e, cut, eta, RECTIC_BACKEND_CC);
    int rc = net ? 0 : -1;
    for (int k = 0; k < REPEAT && !rc; k++)
        for (int th = 0; th < 2 && !rc; th++) { /* 1 and 2 threads, alternating */
            rectic_net_threads(net, th + 1);
            rc = (t[th][k] = one_run(net, steps, NULL, 0)) < 0 ? -1 : 0;
        }
    if (!rc) {
        double one = median(t[0], REPEAT), two = median(t[1], REPEAT);
        fprintf(stderr, "E/I populations (cc): 1 thread %.1f us/step, 2 threads %.1f us/step, speed-up %.2f\n", one, two,
                one / two);
        fprintf(md, "| E/I populations (%ld + %ld, %ld synapses) | sparse | cc | kernel (E's loops; I below 4096) | "
                    "%.3g ms | %.3g ms | %.2f× | >= 0.95%s |\n", N_E, N_I, nnz, one / 1e3, two / 1e3, one / two,
                one / two >= 0.95 ? "" : " (missed)");
    }
    rectic_net_free(net);
    free(e);
    free(eta);
    return rc;
}

int popbench_rows(FILE *md, int quick)
{
    long steps = quick ? 50 : 500, nnz, cut[5];
    double *eta, *e = ei_synapses(&nnz, cut, &eta);
    int rc = 0;
    fprintf(md, "\nPopulations: an E/I network of QIF neurons (%ld + %ld units, four sparse projections with p = %.1f, "
                "%ld synapses, dt = 1e-4) as two populations against one population of %ld units with the same "
                "synapses (time per step, median of %d runs of %ld steps; target: within 1.2x).\n\n"
                "| backend | two populations | one population | ratio |\n|---|---|---|---|\n",
            N_E, N_I, P_CONN, nnz, N_E + N_I, REPEAT, steps);
    int backends[2] = {RECTIC_BACKEND_TCC, RECTIC_BACKEND_CC};
    for (int b = 0; b < 2 && !rc; b++) {
        rectic_net *two = ei_network(e, cut, eta, backends[b]), *one = one_population(e, nnz, eta, backends[b]);
        double t2 = two ? time_per_step(two, steps, NULL, 0) : -1, t1 = one ? time_per_step(one, steps, NULL, 0) : -1;
        if (t2 < 0 || t1 < 0) {
            rc = -1;
        } else {
            printf("E/I populations (%s): two populations %.1f us/step, one population %.1f us/step, ratio %.2f\n",
                   b ? "cc" : "tcc", t2, t1, t2 / t1);
            fprintf(md, "| %s | %.1f µs | %.1f µs | %.2f |\n", b ? "cc" : "tcc", t2, t1, t2 / t1);
        }
        rectic_net_free(two);
        rectic_net_free(one);
    }
    free(e);
    free(eta);
    return rc;
}

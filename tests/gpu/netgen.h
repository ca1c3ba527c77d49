/*
 * netgen.h -- the benchmark networks of issue 4, reproducibly: QIF neurons with J dense uniform(-1,1)*2/sqrt(N)
 * (or sparse: in-degree K, entries uniform(-1,1)*2/sqrt(K), random sources), eta per neuron uniform(-1,5),
 * input 7 + N(0,1), initial v uniform(-100,100), dt = 1e-3, so that every neuron fires tonically.
 * Header-only; shared by tests/gpu/gpu_check.c and bench/gpu/bench_gpu.c.
 */
#ifndef RCT_TESTS_NETGEN_H
#define RCT_TESTS_NETGEN_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rectic.h"

/* xorshift64* uniform in [0,1) and a Box-Muller normal. */
typedef struct ng_rng {
    uint64_t s;
} ng_rng;

/* Uniform in [0, 1). */
static inline double ng_uniform(ng_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (double)((r->s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Standard normal. */
static inline double ng_normal(ng_rng *r)
{
    double u = ng_uniform(r), v = ng_uniform(r);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(2.0 * M_PI * v);
}

/* Sparse weights of n_tgt x n_src, in-degree K: K entries (target, source, weight) per target, sources
   random, weights uniform(-1,1)*2/sqrt(K); malloc'd, NULL when out of memory. */
static inline double *ng_coo(ng_rng *r, long n_tgt, long n_src, long in_degree)
{
    double *coo = malloc((size_t)(n_tgt * in_degree) * 3 * sizeof(double) + 1);
    double scale = 2.0 / sqrt((double)in_degree);
    for (long i = 0, k = 0; coo && i < n_tgt; i++)
        for (long d = 0; d < in_degree; d++, k++) {
            coo[3 * k] = (double)i;
            coo[3 * k + 1] = (double)(long)(ng_uniform(r) * (double)n_src);
            coo[3 * k + 2] = (2.0 * ng_uniform(r) - 1.0) * scale;
        }
    return coo;
}

/* A generated network: weights (dense n x n, or nnz COO rows), eta and v0 per neuron; the coupling
   strategy asked for (ng_make: RECTIC_COUPLING_AUTO; set RECTIC_COUPLING_EVENT afterwards for events). */
typedef struct ng_net {
    long n, nnz;
    double *dense, *coo, *eta, *v0;
    int coupling;
} ng_net;

/* Makes the weights (in_degree 0: dense; < 0: none), eta and v0 of an n-neuron network from seed. */
static inline int ng_make(ng_net *g, long n, long in_degree, uint64_t seed)
{
    memset(g, 0, sizeof *g);
    ng_rng r = {seed * 2654435761ULL + 88172645463325252ULL};
    g->n = n;
    g->eta = malloc((size_t)n * sizeof(double));
    g->v0 = malloc((size_t)n * sizeof(double));
    if (!g->eta || !g->v0)
        return -1;
    if (in_degree < 0) {
        /* no weights: an uncoupled network */
    } else if (in_degree == 0) {
        if (!(g->dense = malloc((size_t)n * (size_t)n * sizeof(double))))
            return -1;
        double scale = 2.0 / sqrt((double)n);
        for (long i = 0; i < n * n; i++)
            g->dense[i] = (2.0 * ng_uniform(&r) - 1.0) * scale;
    } else {
        g->nnz = n * in_degree;
        if (!(g->coo = ng_coo(&r, n, n, in_degree)))
            return -1;
    }
    for (long i = 0; i < n; i++) {
        g->eta[i] = -1.0 + 6.0 * ng_uniform(&r);
        g->v0[i] = -100.0 + 200.0 * ng_uniform(&r);
    }
    return 0;
}

/* Frees a generated network. */
static inline void ng_free(ng_net *g)
{
    free(g->dense);
    free(g->coo);
    free(g->eta);
    free(g->v0);
    memset(g, 0, sizeof *g);
}

/* Fills a spec for the QIF network g on `backend` (the caller sets eta and v after rectic_net_new). */
static inline void ng_spec(rectic_spec *s, const ng_net *g, int dtype, int backend, int device)
{
    rectic_spec_init(s);
    s->template_ref = "neuron_model_templates.spiking_neurons.qif.qif";
    s->op = "qif_op";
    s->n = g->n;
    s->weights = g->dense;
    s->weights_coo = g->coo;
    s->nnz = g->nnz;
    s->coupling = (rectic_coupling)g->coupling;
    s->source_var = g->dense || g->coo ? "s" : NULL; /* uncoupled: s_in stays 0 */
    s->target_var = g->dense || g->coo ? "s_in" : NULL;
    s->input_var = "I_ext";
    s->output_var = "s";
    s->spike_var = "spike";
    s->spike_def = "v";
    s->dt = 1e-3;
    s->dtype = dtype;
    s->backend = backend;
    s->device = device;
}

/* Creates the network and sets eta and v0; NULL with the message in msg. */
static inline rectic_net *ng_net_new(const ng_net *g, int dtype, int backend, int device, char *msg, size_t size)
{
    rectic_spec s;
    ng_spec(&s, g, dtype, backend, device);
    rectic_net *net;
    if (rectic_net_new(&net, &s) != RECTIC_OK || rectic_net_set(net, "eta", g->eta, g->n) != RECTIC_OK ||
        rectic_net_set(net, "v", g->v0, g->n) != RECTIC_OK) {
        snprintf(msg, size, "%s", rectic_errmsg(net));
        rectic_net_free(net);
        return NULL;
    }
    return net;
}

/* Inputs 7 + N(0,1): steps x cols values (cols = n: per neuron, 1: shared). */
static inline double *ng_inputs(long steps, long cols, uint64_t seed)
{
    ng_rng r = {seed * 0x9E3779B97F4A7C15ULL + 1};
    double *in = malloc((size_t)steps * (size_t)cols * sizeof(double) + 1);
    for (long i = 0; in && i < steps * cols; i++)
        in[i] = 7.0 + ng_normal(&r);
    return in;
}

/* Symmetric spike score: spikes of a matched to unused spikes of the same neuron in b within +-window
   steps, divided by the larger count (1 when both are empty). */
static inline double ng_spike_score(const long *a, long na, const long *b, long nb, long n, long window)
{
    if (na == 0 && nb == 0)
        return 1.0;
    long *ca = calloc((size_t)n + 1, sizeof *ca), *cb = calloc((size_t)n + 1, sizeof *cb);
    long *sa = malloc((size_t)na * sizeof *sa + 1), *sb = malloc((size_t)nb * sizeof *sb + 1);
    long *pa = calloc((size_t)n + 2, sizeof *pa), *pb = calloc((size_t)n + 2, sizeof *pb);
    for (long k = 0; k < na; k++)
        pa[a[2 * k + 1] + 1]++;
    for (long k = 0; k < nb; k++)
        pb[b[2 * k + 1] + 1]++;
    for (long i = 0; i < n; i++)
        pa[i + 1] += pa[i], pb[i + 1] += pb[i];
    for (long k = 0; k < na; k++) /* per neuron, steps ascending (the lists are sorted by step) */
        sa[pa[a[2 * k + 1]] + ca[a[2 * k + 1]]++] = a[2 * k];
    for (long k = 0; k < nb; k++)
        sb[pb[b[2 * k + 1]] + cb[b[2 * k + 1]]++] = b[2 * k];
    long matched = 0;
    for (long i = 0; i < n; i++) {
        long x = pa[i], y = pb[i];
        while (x < pa[i + 1] && y < pb[i + 1]) {
            long d = sa[x] - sb[y];
            if (d > window)
                y++;
            else if (d < -window)
                x++;
            else
                matched++, x++, y++;
        }
    }
    free(ca), free(cb), free(sa), free(sb), free(pa), free(pb);
    return (double)matched / (double)(na > nb ? na : nb);
}

#endif

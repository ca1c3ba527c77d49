/*
 * rnet.h -- reference cases of networks of populations ("kind": "multipop" in case.json: a network file,
 * inputs and recordings per population, spikes per spiking population) run through the public API on any
 * backend, and compared with the expected files or with each other.  Header-only, after rcase.h; shared
 * by tests/check_cudanet.c and tests/gpu/gpu_check.c.
 */
#ifndef RCT_TESTS_RNET_H
#define RCT_TESTS_RNET_H

#include "rcase.h"

#define RN_MAX 16

/* What a run of a network case recorded: per output key its rows, per spiking population its spikes. */
typedef struct rnresult {
    int n_rec, n_pops, f32;
    int libm;                    /* the kernels call the math library (whose device version rounds otherwise) */
    char keys[RN_MAX][64], files[RN_MAX][256];
    double *data[RN_MAX];
    long rows[RN_MAX], cols[RN_MAX];
    char pops[RN_MAX][64], spike_files[RN_MAX][256];
    long *spikes[RN_MAX], n_spikes[RN_MAX];
    char coupling[RN_MAX * 8];   /* the projections' strategies, "inline,sparse,..." */
    double seconds;
} rnresult;

static inline void rnresult_free(rnresult *r)
{
    for (int k = 0; k < r->n_rec; k++)
        free(r->data[k]);
    for (int p = 0; p < r->n_pops; p++)
        free(r->spikes[p]);
    memset(r, 0, sizeof *r);
}

/* Is dir a case of a network of populations? */
static inline int rnet_is_case(const char *dir)
{
    char msg[512];
    rjson *c = rc_load_json(dir, msg, sizeof msg);
    const char *kind = c ? rj_str(c, "kind") : NULL;
    int yes = kind && !strcmp(kind, "multipop");
    if (c) {
        rj_free(c);
        free(c);
    }
    return yes;
}

/* Gives the case's inputs ("POP/VAR": {"file": ...}) to their populations; the rows stay in in[] until the
   network is freed.  0, or -1 with msg. */
static inline int rnet_inputs(const char *dir, const rjson *ins, rectic_net *net, double **in, char *msg, size_t size)
{
    for (int k = 0; ins && k < ins->n && k < RN_MAX; k++) {
        long r, c;
        char pop[64];
        const char *slash = strchr(ins->keys[k], '/');
        snprintf(pop, sizeof pop, "%.*s", slash ? (int)(slash - ins->keys[k]) : 0, ins->keys[k]);
        if (!(in[k] = rc_read(dir, rj_str(&ins->items[k], "file"), &r, &c, msg, size)))
            return -1;
        if (rectic_net_input(net, pop, in[k], r, c) != RECTIC_OK)
            return rc_fail(msg, size, "%s: input %s: %s", dir, ins->keys[k], rectic_errmsg(net));
    }
    return 0;
}

/* Copies the run's recordings and spikes into res.  0, or -1 with msg. */
static inline int rnet_take(const char *dir, rectic_net *net, rnresult *res, char *msg, size_t size)
{
    for (int k = 0; k < res->n_rec; k++) {
        const double *d;
        if (rectic_net_recording(net, res->keys[k], &res->rows[k], &res->cols[k], &d) != RECTIC_OK)
            return rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
        size_t bytes = (size_t)(res->rows[k] * res->cols[k]) * sizeof(double);
        res->data[k] = malloc(bytes + 1);
        memcpy(res->data[k], d, bytes);
    }
    for (int p = 0; p < res->n_pops; p++) {
        const long *pairs;
        if (rectic_net_population_spikes(net, res->pops[p], &res->n_spikes[p], &pairs) != RECTIC_OK)
            return rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
        res->spikes[p] = malloc((size_t)(2 * res->n_spikes[p] + 1) * sizeof(long));
        memcpy(res->spikes[p], pairs, (size_t)(2 * res->n_spikes[p]) * sizeof(long));
    }
    const char *src = rectic_net_source(net);
    res->libm = src && (strstr(src, "(double);") || strstr(src, "(float);")); /* the emulation's libm prototypes */
    for (int k = 0; rectic_net_projection_coupling(net, k); k++)
        snprintf(res->coupling + strlen(res->coupling), sizeof res->coupling - strlen(res->coupling), "%s%s",
                 k ? "," : "", rectic_net_projection_coupling(net, k));
    return 0;
}

/* Runs the network case in `dir` on `backend` (device `device`; the case's dtype unless dtype >= 0):
   its network file with the case's template folder, inputs, recordings and sampling.  0, or -1 with msg. */
static inline int rnet_run(const char *dir, int backend, int device, int dtype, rnresult *res, char *msg, size_t size)
{
    rectic_netspec *ns = NULL;
    rectic_net *net = NULL;
    double *in[RN_MAX] = {NULL};
    memset(res, 0, sizeof *res);
    rjson *c = rc_load_json(dir, msg, size);
    int rc = -1;
    if (!c)
        return rc;
    char path[4200];
    snprintf(path, sizeof path, "%.3000s/%.1000s", dir, rj_str(c, "network") ? rj_str(c, "network") : "network.yaml");
    if (rectic_netspec_load(&ns, path) != RECTIC_OK) {
        rc_fail(msg, size, "%s", rectic_netspec_errmsg(ns));
        goto done;
    }
    if (rj_str(c, "template_path")) { /* relative to shared/, two folders above the case */
        snprintf(path, sizeof path, "%.3000s/../../%.1000s", dir, rj_str(c, "template_path"));
        rectic_netspec_template_path(ns, path);
    }
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = rj_num(c, "dt", 1e-3);
    const char *dts = rj_str(c, "dtype");
    o.dtype = dtype >= 0 ? dtype : dts && !strcmp(dts, "float32") ? RECTIC_FLOAT32 : RECTIC_FLOAT64;
    o.backend = backend;
    o.device = device;
    res->f32 = o.dtype == RECTIC_FLOAT32;
    if (rectic_net_new_network(&net, ns, &o) != RECTIC_OK) {
        rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
        goto done;
    }
    if (rnet_inputs(dir, rj_get(c, "inputs"), net, in, msg, size))
        goto done;
    const rjson *outs = rj_get(c, "outputs"), *spikes = rj_get(c, "spikes");
    for (int k = 0; outs && k < outs->n && res->n_rec < RN_MAX; k++) {
        snprintf(res->keys[res->n_rec], sizeof res->keys[0], "%s", outs->keys[k]);
        snprintf(res->files[res->n_rec], sizeof res->files[0], "%s", rj_str(&outs->items[k], "file"));
        if (rectic_net_record_as(net, rj_str(&outs->items[k], "variable"), outs->keys[k]) != RECTIC_OK) {
            rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
            goto done;
        }
        res->n_rec++;
    }
    for (int p = 0; spikes && p < spikes->n && p < RN_MAX; p++, res->n_pops++) {
        snprintf(res->pops[p], sizeof res->pops[0], "%s", spikes->keys[p]);
        snprintf(res->spike_files[p], sizeof res->spike_files[0], "%s", spikes->items[p].str ? spikes->items[p].str : "");
    }
    long every = (long)rj_num(c, "sampling_steps", 1);
    if (every > 1 && rectic_net_sampling(net, every, RECTIC_SAMPLE_PICK, 0) != RECTIC_OK) {
        rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
        goto done;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (rectic_net_run(net, (long)rj_num(c, "steps", 0), NULL, 0) != RECTIC_OK) {
        rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
        goto done;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    rc = rnet_take(dir, net, res, msg, size);
done:
    rectic_net_free(net);
    rectic_netspec_free(ns);
    for (int k = 0; k < RN_MAX; k++)
        free(in[k]);
    rj_free(c);
    free(c);
    if (rc)
        rnresult_free(res);
    return rc;
}

/* Compares a run with the case's expected files: recordings within atol + rtol*|expected|, spikes the
   same.  0, or -1 with msg. */
static inline int rnet_check_expected(const char *dir, const rnresult *r, double atol, double rtol, char *msg,
                                      size_t size)
{
    for (int k = 0; k < r->n_rec; k++) {
        long er, ec;
        double *e = rc_read(dir, r->files[k], &er, &ec, msg, size);
        if (!e)
            return -1;
        int bad = er != r->rows[k] || ec != r->cols[k]
                      ? rc_fail(msg, size, "%s: %ld x %ld expected, the run recorded %ld x %ld", r->files[k], er, ec,
                                r->rows[k], r->cols[k])
                      : rc_close(r->files[k], r->data[k], e, er, ec, 0, atol, rtol, msg, size);
        free(e);
        if (bad)
            return -1;
    }
    for (int p = 0; p < r->n_pops; p++) {
        long sr, sc;
        double *sp = rc_read(dir, r->spike_files[p], &sr, &sc, msg, size);
        if (!sp)
            return -1;
        long *pairs = malloc((size_t)(2 * sr + 2) * sizeof *pairs);
        for (long q = 0; q < 2 * sr; q++)
            pairs[q] = (long)sp[q];
        int bad = sc != 2 || rc_same_spikes(r->spikes[p], r->n_spikes[p], pairs, sr, msg, size);
        free(sp);
        free(pairs);
        if (bad)
            return -1;
    }
    return 0;
}

/* Compares two runs of one case: recordings within atol + rtol*|b| (0, 0: bit for bit), spikes the same. */
static inline int rnet_compare(const rnresult *a, const rnresult *b, double atol, double rtol, char *msg, size_t size)
{
    for (int k = 0; k < a->n_rec; k++) {
        if (a->rows[k] != b->rows[k] || a->cols[k] != b->cols[k])
            return rc_fail(msg, size, "%s: %ld x %ld and %ld x %ld", a->keys[k], a->rows[k], a->cols[k], b->rows[k],
                           b->cols[k]);
        if (rc_close(a->keys[k], a->data[k], b->data[k], a->rows[k], a->cols[k], 0, atol, rtol, msg, size))
            return -1;
        if (atol == 0 && rtol == 0 && memcmp(a->data[k], b->data[k], (size_t)(a->rows[k] * a->cols[k]) * sizeof(double)))
            return rc_fail(msg, size, "%s: +0 and -0 apart", a->keys[k]);
    }
    for (int p = 0; p < a->n_pops; p++)
        if (rc_same_spikes(a->spikes[p], a->n_spikes[p], b->spikes[p], b->n_spikes[p], msg, size))
            return -1;
    return 0;
}

#endif

/*
 * emit_standalone.h -- a self-contained simulation source (sim.c): the generated kernel, the model's
 * tables and the standalone runtime (generator/standalone/sim_main.c), needing only libc, libm and CBLAS.
 */
#ifndef RCT_EMIT_STANDALONE_H
#define RCT_EMIT_STANDALONE_H

#include "emit_c.h"

/* Run settings baked in as defaults (all can be overridden on sim's command line). */
typedef struct rct_sa_settings {
    long n;                    /* neurons, or 0: from --weights / --inputs */
    long steps;                /* or -1: from --inputs */
    double dt, threshold, reset, min_weight;
    long sampling_steps, cutoff;
    int sampling_mean, npy;
    const double *state_value; /* per state slot: initial value for every neuron */
    const double *param_value; /* per parameter slot */
    const int *records;        /* recorded variables after out, n_records of them */
    const char *const *record_files;
    const char *const *record_names; /* as asked for ("op/var"), for meta.json */
    int n_records;
    const long *w_at;          /* the network's weights, carried in sim.c (at most RCT_SA_EMBED_MAX of them):
                                  positions target * n + source */
    const double *w_value;     /* and values of the w_nnz entries kept (nonzero) */
    long w_nnz;
} rct_sa_settings;

/* Nonzero weights sim.c carries at most (a dense N = 256): more would make a source of tens of megabytes
   that takes the compiler minutes; such a program reads them with --weights FILE instead. */
#define RCT_SA_EMBED_MAX 65536L

/* Returns the whole source (caller frees) or NULL with err filled. */
char *rct_emit_standalone(const rct_model *m, const rct_emit_opts *o, const rct_sa_settings *s, rct_err *err);

#endif

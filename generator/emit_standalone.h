/*
 * emit_standalone.h -- a self-contained simulation source (sim.c): the generated kernel, the model's
 * tables and the standalone runtime (generator/standalone/), needing only libc, libm and CBLAS.  One
 * template (rct_emit_standalone: sim_main.c) or a network of populations (rct_emit_standalone_net:
 * net_main.c); both share sa_common.c.
 */
#ifndef RCT_EMIT_STANDALONE_H
#define RCT_EMIT_STANDALONE_H

#include "emit_c.h"
#include "emit_net.h"

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

/* A population of a network's program: its size, spike rule, values and recordings. */
typedef struct rct_sa_pop {
    long n;
    double threshold, reset;
    const double *state;             /* n_state x n initial values */
    const double *param;             /* n_param x n values (a parameter the kernel reads once: n copies) */
    const int *records;              /* recorded variables of its model, n_records of them */
    const char *const *record_keys;  /* and their keys (file names) */
    const long *const *record_idx;   /* per recording: its units (record_count[k] of them), or NULL: all; or
                                        record_idx NULL: every recording holds all units */
    const long *record_count;
    int n_records;
    int output;                      /* its model's output is the network's out */
} rct_sa_pop;

/* A projection of a network's program: its weights in the kernel's layout. */
typedef struct rct_sa_proj {
    const long *at;                  /* positions target * n_source + source, ascending: a dense matrix's
                                        nonzero entries, or every entry the sparse rows keep */
    const double *w;                 /* their values (as the kernel's type holds them) */
    long count;
    double weight;                   /* a scalar projection's weight */
} rct_sa_proj;

/* A network's run settings baked in as defaults (those of sa_common.c's options can be overridden). */
typedef struct rct_sa_net {
    double dt;
    long sampling_steps, cutoff;
    int sampling_mean, npy;
    const rct_sa_pop *pops;          /* per population of the kernel's description */
    const rct_sa_proj *projs;        /* per projection */
} rct_sa_net;

/* The program of a network of populations: the fused kernel of o (rct_emit_net_c), its tables, the
   runtime.  Per-unit values and weights are carried up to RCT_SA_EMBED_MAX numbers in all (in the order
   of the populations, then of the projections); the program asks for the rest at run time.  Returns
   the whole source (caller frees) or NULL with err filled. */
char *rct_emit_standalone_net(const rct_emit_net *o, const rct_sa_net *s, rct_err *err);

#endif

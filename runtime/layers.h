/*
 * layers.h -- input and readout layers around the kernel, and the readout's ridge regression (internal).
 *
 * RectiPy's graph input -> W_in -> network -> W_out -> activation (SEMANTICS §10): the input variable
 * receives W_in @ x_n each step (the rows are projected as the runtime hands them to the kernel), and the
 * recorded output, the pre-update y_n[out], becomes act(W_out @ y_n (+ b)) once the run is done (layers.c).
 * The ridge regression solves for W_out from a run's recorded outputs (ridge.c).  Both work on a network
 * of one template and on a network of populations (the input layer feeds one population's input variable;
 * the readout reads the network's output).
 */
#ifndef RCT_LAYERS_H
#define RCT_LAYERS_H

#include <stdio.h>

#include "network.h"

typedef struct rct_layers {
    /* input layer: the input variable receives w_in @ x_n (in_n x in_m, row-major) */
    double *w_in;
    long in_n, in_m;
    int in_pop;              /* a network of populations: the population fed; -1 for one template */
    /* readout: out = act(w_out @ y (+ b)), w_out ro_k x ro_cols (ro_cols = n, or n + 1: b last) */
    double *w_out;
    long ro_k, ro_cols;
    int act;                 /* rectic_activation */
    /* the readout's output of the last run: ro_rows x ro_k in memory, or streamed into ro_spill */
    double *ro_data;
    FILE *ro_spill;
    long ro_rows;
    /* the ridge fit of the last run: fit_w fit_k x fit_cols (what a readout takes), y_fit fit_rows x fit_k */
    double *fit_w, *y_fit;
    long fit_k, fit_cols, fit_rows;
    /* the last score (of a fit or of rectic_net_score): k values each */
    double *mse, *nrmse;
    struct rct_online *online; /* RLS training and feedback (rls.h), or NULL */
} rct_layers;

/* The network's layers, created empty on first use (NULL when memory ran out, with net->err filled). */
rct_layers *rct_layers_get(rectic_net *net);
/* Frees the layers (not their online readout: rct_online_free). */
void rct_layers_free(rct_layers *L);

/* The population (or net itself) whose recording "out" the readout reads, with its size; NULL when the
   network has no output. */
rectic_net *rct_layers_out_holder(rectic_net *net);

/* Before a run: checks the input layer against the input's columns (cols 0: no input). */
int rct_layers_check_input(rectic_net *net, long cols);
/* A network of populations: the columns of population p's input when an input layer feeds it, else 0. */
long rct_layers_input_cols(const rectic_net *net, int p);
/* Applies a netspec's input layer and readout to the network built from it (rectic_net_new_network). */
struct rectic_netspec;
int rct_layers_from_netspec(rectic_net *net, const struct rectic_netspec *ns);

/* Does net have an input layer? */
int rct_layers_has_input(const rectic_net *net);
/* row (in_n values: floats when as_float, else doubles) = w_in @ x (in_m values), summed in column order in
   float64. */
void rct_layers_project(const rectic_net *net, const double *x, void *row, int as_float);
/* Forgets the readout's output and the fit of the last run. */
void rct_layers_forget(rct_layers *L);
/* After a run (also one that stopped early), without an online readout: applies the readout to the recorded
   output rows (net->layers forgot the last run's). */
int rct_layers_apply_readout(rectic_net *net);
/* The readout's output of the last run, when there is a readout: 1 with its rows and columns and either
   its data (in memory) or its spill file; 0 when "out" is the plain output. */
int rct_layers_out(const rectic_net *net, long *rows, long *cols, const double **data, FILE **spill);
/* The recorded output rows of the last run before the readout (the X of a fit), rows x n: in memory
   (*owned 0) or read back from the spill file into a new array (*owned 1: the caller frees it). */
int rct_layers_raw_out(rectic_net *net, long *rows, long *n, double **x, int *owned);

/* z (L->ro_k values) = act(w_out @ y (+ b)) for one output row y of n values. */
void rct_layers_readout_row(const rct_layers *L, const double *y, long n, double *z);

/* Per-column errors of y (rows x k) against the targets t: row r of y against row at[r] of t (at NULL:
   row r).  mse, and nrmse = sqrt(mse / variance of the target column over the same rows, divided by the
   row count), NaN where that variance is 0; kept in the layers, borrowed by *score. */
int rct_layers_score(rectic_net *net, const double *y, const double *t, const long *at, long rows, long k,
                     rectic_score *score);

#endif

/*
 * rls.h -- the online readout (internal): recursive least squares training of the readout while the network
 * runs, and FORCE feedback of the readout into the input variable (rls.c).
 *
 * When training or feedback is set, the readout is computed inside the run, step by step in order: after
 * each block the runtime hands over the recorded output rows of the steps it kept (rct_online_rows),
 * and each row x = y_n (the output before step n's update) gives ŷ_n = W x; on an update step W is trained
 * with RLS (SEMANTICS §10: e = y − ŷ; k = P x / (β + xᵀ P x); P ← (P − k (xᵀ P)) / β; W ← W + e ⊗ (P x),
 * P x with the updated P being k).  With feedback the kernel runs one step per call and the input of step
 * n gains W_fb @ ŷ_{n−1} (rct_online_feedback).  P lives here (its upper triangle, row-major) and is
 * updated by rectic's own loops in a fixed order (a BLAS's dsymv sums in an order that depends on its
 * threads): O(N²) per update.  Under MPI every rank takes the output's columns of the steps from their
 * owners first (mpi_net.h's rct_mpi_share_columns) and runs the same updates: one process's bits on all.
 */
#ifndef RCT_RLS_H
#define RCT_RLS_H

#include "network.h"

typedef struct rct_online {
    /* training (rectic_net_rls): targets borrowed, row s = step s of a run */
    int train;
    const double *targets;
    long t_rows, t_cols;
    double alpha, beta;
    long every, train_end;   /* update on steps n % every == 0 with n < train_end */
    double *P;               /* n x n, upper triangle used; NULL: alpha I at the next run */
    long p_n;
    double *px;              /* P x of an update (p_n values) */
    /* feedback (rectic_net_feedback_weights): the input of step n gains fb @ ŷ_{n-1} */
    double *fb;              /* fb_n x fb_k, row-major */
    long fb_n, fb_k;
    int fb_pop;              /* a network of populations: the population fed; -1 for one template */
    double *fb_row;          /* a network of populations: one input row of the population fed (fb_n values) */
    double *prev;            /* ŷ of step prev_step (k values) */
    long prev_k, prev_step;  /* prev_step -1: none */
    /* the run in progress or the last one */
    int on;                  /* active in the run in progress */
    long next;               /* the next step to process (steps before it were: a replayed block skips them) */
    long first;              /* the run's first step */
    double *out;             /* ŷ per step of the run: out_rows x k */
    long out_rows, out_cap, k, n;
    double *err;             /* e per update step of the run: err_rows x k */
    long err_rows, err_cap;
    double se[2];            /* squared errors summed over the steps n < train_end and n >= train_end */
    long se_rows[2];
    double mpi_bytes;        /* under MPI: bytes of the output's columns the other ranks sent this one */
} rct_online;

/* The network's online readout, or NULL when neither training nor feedback was ever set. */
rct_online *rct_online_of(const rectic_net *net);
void rct_online_free(rct_online *o);

/* Is training or feedback active in the run in progress?  (Cheap: the run loops ask after each block.) */
static inline int rct_online_on(const rct_online *o)
{
    return o && o->on;
}
/* Does the run in progress need one step per kernel call (feedback)? */
int rct_online_per_step(const rectic_net *net);
/* Does the run need an input row of n values every step (feedback)? */
int rct_online_has_feedback(const rectic_net *net);

/* Before a run of `steps` steps: checks the readout, targets, recording and feedback against the network and
   prepares the buffers (nothing when neither training nor feedback is set). */
int rct_online_begin(rectic_net *net, long steps);
/* A block of `count` steps ending before step `step_end` (absolute) is done and kept by the numerical guard;
   their output rows end before row `row_end` of the output holder's recording 0 (in memory: with streaming the
   runtime ends a block where the chunk is full).  Processes the steps not processed yet, in order; under MPI
   on several ranks every rank first takes the other ranks' columns of their rows (collective).  0, or a code
   with net->err. */
int rct_online_rows(rectic_net *net, long row_end, long count, long step_end);
/* Adds fb @ ŷ_{n-1} to the input row (n values) of absolute step `step`: to the units this rank updates
   (all, or its block under MPI; the others' entries are left as they are). */
void rct_online_feedback(const rectic_net *net, long step, double *row);
/* A network of populations: does population p receive the feedback in the run in progress?  Its kernel input
   is then one row of its n units per step, filled by rct_online_pop_input (the run goes a step per call). */
int rct_online_feeds(const rectic_net *net, int p);
/* Population p's kernel input of step `start` of the run into dst (n values of the network's type): its
   input row (n values or one for all), W_in @ x_n with an input layer, or zeros, plus fb @ ŷ_{n-1}. */
void rct_online_pop_input(const rectic_net *net, int p, long start, void *dst);
/* After the run: hands ŷ over as the readout's output (*data, rows x k, owned by the caller), keeps the
   trained W as the fit; 0 when the run had no online readout. */
int rct_online_end(rectic_net *net, double **data, long *rows, long *k);

/* Under MPI on several ranks: bytes of the output's rows that came from the other ranks for the online
   readout since it was made (rct_online_rows), 0 without one. */
double rct_online_mpi_bytes(const rectic_net *net);

/* After a run (also one that stopped early): the readout's output of the run, ŷ computed during the run
   or the readout applied to the recorded output rows (layers.c); the previous fit forgotten. */
int rct_readout_after_run(rectic_net *net);
/* State checkpoints (checkpoint.c): what training and feedback carry from run to run.  The full symmetric P
   (a new array, caller frees), W and its shape, and ŷ of the step before the state's; NULLs when absent. */
int rct_online_save_view(rectic_net *net, double **p_full, const double **w, long *k, long *n, const double **prev,
                         long *prev_k);
/* Takes them back (P full n x n, W k x n: both or neither; prev: k values or NULL) for a state at step `at`;
   an error (RECTIC_EINVAL with the reason) when their shapes do not fit this network. */
int rct_online_load(rectic_net *net, const char *path, const double *p_full, long p_n, const double *w, long k,
                    long n, const double *prev, long prev_k, long at);

#endif

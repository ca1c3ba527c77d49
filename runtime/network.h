/*
 * network.h -- the network handle behind rectic.h (internal: the runtime's modules share it).
 */
#ifndef RCT_NETWORK_H
#define RCT_NETWORK_H

#include <stdio.h>

#include "emit_c.h"
#include "ir.h"
#include "jit_cc.h"
#include "jit_tcc.h"
#include "rectic.h"
#include "util.h"

/* From this many neurons on, the kernel's loops are marked for OpenMP (below it a parallel region costs
   more than the loop: ~0.3 us each). */
#define RCT_PARALLEL_MIN_N 4096

/* The neurons a recording holds: idx[0..count-1] (owned, distinct, in the order given), or idx NULL: all n
   in order (subset.c). */
typedef struct rct_subset {
    long *idx;
    long count;
} rct_subset;

/* A compiled CPU kernel that is not the one running (see rectic_net.spare). */
typedef struct rct_kernel_slot {
    rct_jit *jit;
    rct_cc *cc;
    void *fn;
    char *src;
    const char *kind;
    char *pending_so;
} rct_kernel_slot;

struct rectic_net {
    rct_err err;
    rct_model *model;
    long n;
    int f32;                 /* float32 network */
    double dt, threshold, reset, min_weight;
    /* values, in the network's type (double or float) */
    void *y;                 /* state: model->n_state blocks of n */
    double *y0;              /* initial state (template defaults or values set), for reset */
    void *alg;               /* algebraic variables */
    void *coup;              /* coupling target */
    int threads;             /* threads for the kernel's loops over neurons (OpenMP builds) */
    double thread_step[2];   /* seconds per step on one thread, on all (running means; threadpick.c), 0: unknown */
    int probe_gap, probe_wait; /* the other setting is probed every probe_gap blocks; blocks until the next */
    void *w;                 /* weights n x n (dense and inline coupling), or NULL */
    void *w_map;             /* w is this read-only mapping of a .npy file (munmap'ed, not freed), or NULL */
    size_t w_map_len;
    const char *w_layout;    /* how the weights were loaded (rectic_net_weights_layout) */
    void *w_cols;            /* the same by columns, for small fixed-size kernels (rct_emit_w_by_columns); the
                                kernel reads these when set, else w */
    int has_coupling;        /* the network has weights */
    long nnz;                /* sparse and event coupling: entries kept */
    long *csr_ptr;           /* sparse: rows (by target); event: columns (by source) */
    int *csr_col;
    void *csr_val;
    void **param_real;       /* per parameter: n values */
    int *param_vector;       /* per parameter: the kernel reads n values (else the first) */
    int *param_pow2;         /* per parameter: its shared value is a power of two (the kernels multiply by
                                its reciprocal instead of dividing: the same bits, fewer cycles) */
    int *spec_pow2;          /* the marks the specialised kernel was built with (param_pow2 then) */
    int generic;             /* the kernel to run divides by every parameter (param_pow2 ignored): values
                                changed so that the specialised kernel no longer fits (netvals.c: pick_kernel) */
    rct_kernel_slot spare;   /* the other kernel (specialised or generic), kept to switch back without
                                compiling; empty until both exist (never on the CUDA backend) */
    /* kernel */
    char *src;
    int backend;             /* RECTIC_BACKEND_* asked for */
    const struct rct_backend *be; /* its table (backend.h): how the kernel is compiled, run and freed */
    rct_jit *jit;            /* TinyCC's kernel */
    rct_cc *cc;              /* the system compiler's kernel */
    char *pending_so;        /* tiered mode: the object the background compiler will write */
    int spawn_pid;           /* tiered mode: the shell that started it, until reaped (rct_cc_reap) */
    const char *kernel_kind; /* "tcc" or "cc": what runs now */
    int device;              /* RECTIC_BACKEND_NVRTC: CUDA device ordinal */
    struct rct_cuda *cuda;   /* RECTIC_BACKEND_NVRTC: kernels and buffers on the GPU (runtime/cuda_run.c) */
    void *kernel;
    int compilations;
    int dirty;               /* parameter shapes changed (regenerate before the next run), or, with generic
                                set, the generic kernel is still to be compiled */
    int check_finite;        /* stop a run whose state becomes NaN or infinite */
    int coupling_mode;       /* RCT_COUP_*: how the kernel computes W @ source */
    /* recording settings */
    int *rec_vars;
    char **rec_names;
    int n_rec_vars;
    long sample_every, cutoff;
    int sample_mode;
    rct_subset *rec_sub;     /* per recorded variable: its neurons */
    rct_subset out_sub;      /* the output's neurons */
    unsigned char *spike_mask; /* spikes are kept of the neurons marked 1 only; NULL: of all */
    long spikes_checked;     /* pairs at the start of the spike buffer already filtered by spike_mask */
    /* results of the last run */
    double **rec_data;       /* [0] = out, then rec_vars: rec_rows rows, or the current chunk */
    int n_rec_data;
    long rec_rows;           /* rows of the whole run */
    long *rec_steps;         /* step of each row, made when asked for */
    size_t max_memory;       /* recordings larger than this stream to disk in chunks */
    long chunk_rows;         /* rows held in memory (== rec_rows unless streaming) */
    FILE **spill;            /* streaming: one temporary file of raw rows per recorded value */
    long spilled_rows;
    long *spikes;
    long n_spikes;           /* pairs in spikes (after the spilled ones) */
    FILE *spike_spill;       /* streaming: the first spilled_spikes pairs, as longs */
    long spilled_spikes;
    long steps_done;
    struct rct_mpi_rec *mrec; /* under MPI on P > 1 ranks: this rank's columns of the recordings (mpi_rec.h) */
    /* what carries from run to run (a split run equals an unsplit one; rectic_net_save_state keeps it) */
    long step_at;            /* the step counter: the step of the current state (0 at creation and after a
                                reset; each run advances it; rectic_net_load_state restores it) */
    long run_first;          /* the step counter when the last run began: its rows and spikes count from it */
    double *mean_acc;        /* the sampling mean's running sums of the output (n values), or NULL (zeros) */
    long mean_count;         /* ... and the steps in them */
    int event_valid;         /* event-driven coupling: coup (a network of populations: each event projection's
                                sum) holds W @ source of the current state; 0: recomputed when a run starts */
    long ckpt_every;         /* rectic_net_checkpoint_every: save the state every ckpt_every steps ... */
    char *ckpt_path;         /* ... into this file (0, NULL: never) */
    /* callbacks */
    rectic_progress_fn progress;
    void *progress_user;
    volatile int *cancel;
    rectic_timings timings;
    struct rct_popnet *pn;   /* a network of populations (runtime/popnet.h): its populations, each a rectic_net
                                with a model, values and recordings but no kernel, and its projections; the
                                network itself then has no model.  NULL for a network of one template */
    struct rct_layers *layers; /* input and readout layers, the last fit (runtime/layers.h), or NULL */
    char **warnings;         /* what the caller should know (rct_net_warn, runtime/warning.c) */
    int n_warnings;
    struct rct_mpi *mpi;     /* runs partitioned across MPI ranks (runtime/mpi_net.c), or NULL */
    struct rct_mpx *mpx;     /* during a partitioned run: what crosses between the ranks (mpi_xchg.c) */
    int w_part;              /* the weights were read for this rank's units only (spec.mpi: wpart.h) */
    long *mpi_bounds;        /* under MPI: rank r's units are mpi_bounds[r] .. mpi_bounds[r + 1]-1 (a partition
                                balanced by incoming synapses), or NULL: rct_mpi_block's equal blocks */
    double w_read;           /* values the weights' source delivered, all passes (rectic_net_weight_values_read) */
    double in_read;          /* values read of input files (rectic_net_read_input; rectic_net_input_values_read) */
};

/* Values of the network's type (double, or float for float32 networks): size, store, load. */
static inline size_t rct_rsize(const rectic_net *net)
{
    return net->f32 ? sizeof(float) : sizeof(double);
}

static inline void rct_rset(const rectic_net *net, void *arr, size_t i, double x)
{
    if (net->f32)
        ((float *)arr)[i] = (float)x;
    else
        ((double *)arr)[i] = x;
}

static inline double rct_rget(const rectic_net *net, const void *arr, size_t i)
{
    return net->f32 ? (double)((const float *)arr)[i] : ((const double *)arr)[i];
}

/* Loads a template node, searching the folders `first` before the spec's search path (network.c). */
int rct_net_load_node(rectic_net *net, const rectic_spec *spec, const char *const *first, int n_first, const char *ref,
                      rct_tnode **node);

/* Adds a warning to net (printf-style; the same text only once).  The library never prints: the caller
   reads them with rectic_net_warning (warning.c). */
void rct_net_warn(rectic_net *net, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rct_net_warnings_free(rectic_net *net);

/* Streaming: appends the first `rows` rows of the chunk buffers to the spill files. */
int rct_obs_spill(rectic_net *net, long rows);
/* Streaming: takes back the rows spilled after the first `spilled`, reloading `rows` rows into the chunk. */
int rct_obs_unspill(rectic_net *net, long spilled, long rows);

/* The caller's spec as this library's rectic_spec in *full: the fields its size covers, defaults for the
   rest; an error (RECTIC_EINVAL) when spec->size is not one rectic_spec_init sets. */
int rct_spec_take(rectic_spec *full, const rectic_spec *spec, rct_err *err);

/* Values per recorded row of recording k (0: the output, k: rec_vars[k-1]): n, or its subset's count. */
long rct_obs_width(const rectic_net *net, int k);
/* Drops the spike pairs past net->spikes_checked of neurons outside net->spike_mask (nothing without one);
   *n_spikes shrinks to the pairs kept (subset.c). */
void rct_subset_filter_spikes(rectic_net *net, long *spikes, long *n_spikes);
/* Does net (or one of its populations) record a subset of neurons or of spikes? */
int rct_subset_any(const rectic_net *net);
/* Frees net's subsets. */
void rct_subset_free(rectic_net *net);

/* Builds the coupling from the spec's weights and chooses the strategy (coupling.c). */
int rct_coupling_setup(rectic_net *net, const rectic_spec *spec);
/* The dense product by rows of the network's type (common/gemv_rows.h), for rectic_kctx.gemv. */
typedef void (*rct_gemv_rows_fn)(long rows, long cols, const void *w, const void *x, void *y);
rct_gemv_rows_fn rct_gemv_rows(int f32);
/* The weights kept (nonzero) as row-major positions target * n + source and values (caller frees both). */
int rct_coupling_entries(rectic_net *net, long **at, double **w, long *count);
/* Before a run with event-driven coupling: target = W @ source from the current state. */
void rct_coupling_start_run(rectic_net *net);
void rct_coupling_free(rectic_net *net);

/* Generates and compiles the kernel for the current parameter shapes (through net->be). */
int rct_net_compile(rectic_net *net);

#endif

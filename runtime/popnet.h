/*
 * popnet.h -- a network of populations and projections behind a rectic_net handle (internal).
 *
 * Each population is a rectic_net of its own that holds its model (built with the links of the projections
 * into it), its values, parameters, recordings and spikes, but no kernel: the network compiles one fused
 * kernel for all of them (generator/emit_net.h) and drives it (poprun.c).  popnet.c builds the network
 * from a netspec; popapi.c routes the public calls that take "POP/VAR" paths to the populations.
 */
#ifndef RCT_POPNET_H
#define RCT_POPNET_H

#include "emit_net.h"
#include "network.h"

/* A projection as the kernel reads it. */
typedef struct rct_proj {
    int src, tgt;            /* populations */
    int src_var, tgt_slot;   /* the source variable (of src's model) and the target's coupling slot */
    int mode;                /* RCT_COUP_INLINE, _DENSE, _CSR or RCT_COUP_SCALAR */
    long delay;              /* steps */
    void *w;                 /* dense: n_tgt x n_src values of the network's type, row = target */
    void *w_map;             /* w is this read-only mapping of a float64 .npy (munmap'ed, not freed), or NULL */
    size_t w_map_len;
    long *csr_ptr;           /* sparse: n_tgt + 1 row starts */
    int *csr_col;
    void *csr_val;
    long nnz;
    double weight;           /* scalar */
    void *ring;              /* delayed: (delay + 1) x n_src values, zeroed at the start of each run */
    void *tmp;               /* n_tgt values: a dense product added to earlier contributions */
} rct_proj;

typedef struct rct_popnet {
    int n_pops;
    char **names;
    rectic_net **pops;
    int n_projs;
    rct_proj *projs;
    int out_pop;             /* the population holding the output ("out"), or -1 */
    const double **in_data;  /* per population: its input rows (borrowed), or NULL */
    long *in_rows, *in_cols;
    struct rct_cuda_pn *cuda; /* RECTIC_BACKEND_NVRTC: kernels and buffers on the GPU (runtime/cuda_netrun.c) */
} rct_popnet;

/* The description of the network's kernel for the populations' current parameter shapes (emit_net.h);
   o points into the arrays, which rct_pn_desc_free frees. */
typedef struct rct_pn_desc {
    rct_emit_net o;
    const rct_model **models;
    rct_emit_opts *opts;
    rct_emit_proj *projs;
} rct_pn_desc;
int rct_pn_desc_make(rectic_net *net, rct_pn_desc *d);
void rct_pn_desc_free(rct_pn_desc *d);
/* The source of the network's kernels for the populations' current parameter shapes, whatever backend the
   network runs on: C (any CPU backend) or CUDA (RECTIC_BACKEND_NVRTC); caller frees; NULL with net->err. */
char *rct_pn_source(rectic_net *net, int backend);

/* Finds population `name` (length len); its index or -1. */
int rct_pn_find(const rct_popnet *pn, const char *name, size_t len);
/* Splits "POP/REST" into the population and REST; -1 with net->err filled (what: the call or field). */
int rct_pn_split(rectic_net *net, const char *path, const char *what, const char **rest);
/* Generates and compiles the fused kernel for the populations' current parameter shapes (popnet.c). */
int rct_pn_compile(rectic_net *net);
/* The CPU backend's (backend.c): the fused C kernel built as rct_cpu_compile builds one; runs (poprun.c). */
int rct_pn_cpu_compile(rectic_net *net);
int rct_pn_cpu_run(rectic_net *net, long steps);
/* Prepares population p's recordings of a run of `steps` steps (the network's sampling; streaming to disk is
   refused): *recs gets what its recorder writes (rectic_krec, n_recs of them; entry 0 the output, which
   only one population has), to be freed by the caller (poprun.c). */
int rct_pn_prepare_recordings(rectic_net *net, int p, long steps, void **recs, int *n_recs);
/* Takes population p's error as the network's, naming the population; returns its code (poprun.c). */
int rct_pn_take_error(rectic_net *net, int p);
/* The standalone program of a network of populations (popsa.c; rectic_net_standalone). */
int rct_pn_standalone(rectic_net *net, int format, char **text);
/* Bytes of projection j's ring of delayed source values (0 without delay) (poprun.c). */
size_t rct_pn_ring_bytes(const rectic_net *net, const rct_proj *j);
/* Runs `steps` steps of a network of populations (poprun.c). */
int rct_pn_run(rectic_net *net, long steps);
/* The public calls on a network of populations, "POP/VAR" paths routed to the population (popapi.c). */
int rct_pn_set(rectic_net *net, const char *path, const double *values, long count);
int rct_pn_get(rectic_net *net, const char *path, double *out, long cap, long *count);
int rct_pn_reset(rectic_net *net);
int rct_pn_recording(rectic_net *net, const char *key, long *rows, long *cols, const double **data);
int rct_pn_describe(rectic_net *net, char **text);
/* Frees the populations and projections. */
void rct_pn_free(rct_popnet *pn);
/* Writes the last run's outputs of a network of populations into the set (results.c calls it). */
struct rct_outset;
int rct_pn_write_outputs(rectic_net *net, struct rct_outset *set, int format);

#endif

/*
 * popnet.h -- a network of populations and projections behind a rectic_net handle (internal).
 *
 * Each population is a rectic_net of its own that holds its model (built with the links of the projections
 * into it), its values, parameters, recordings and spikes, but no kernel: the network compiles one fused
 * kernel for all of them (generator/emit_net.h; described by kdesc.c) that its backend drives (poprun.c on
 * the CPU).  popnet.c builds the network from a netspec; popapi.c routes the public calls that take "POP/VAR"
 * paths to the populations (record.c those of recordings).
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
    int own_rows;            /* under MPI: only the weights onto this rank's targets were read (popload.c) */
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

/* Generates and compiles the fused kernel for the populations' current parameter shapes (popnet.c). */
int rct_pn_compile(rectic_net *net);
/* The standalone program of a network of populations (popsa.c; rectic_net_standalone). */
int rct_pn_standalone(rectic_net *net, int format, char **text);
/* The public calls on a network of populations, "POP/VAR" paths routed to the population (popapi.c). */
int rct_pn_set(rectic_net *net, const char *path, const double *values, long count);
int rct_pn_get(rectic_net *net, const char *path, double *out, long cap, long *count);
int rct_pn_reset(rectic_net *net);
int rct_pn_describe(rectic_net *net, char **text);
/* Writes the last run's outputs of a network of populations into the set (results.c calls it). */
struct rct_outset;
int rct_pn_write_outputs(rectic_net *net, struct rct_outset *set, int format);

#endif

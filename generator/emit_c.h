/*
 * emit_c.h -- writes the C source of one fused kernel for the whole network from the model IR.
 */
#ifndef RCT_EMIT_C_H
#define RCT_EMIT_C_H

#include "ir.h"

/* Coupling strategies (the runtime chooses; rectic_spec.coupling forces one): the public RECTIC_COUPLING_*
   numbers, so that one numbering serves both (RECTIC_COUPLING_AUTO, 0, is a choice, never a kernel's). */
enum {
    RCT_COUP_DENSE = RECTIC_COUPLING_DENSE,   /* the context's gemv on the dense matrix, by rows */
    RCT_COUP_INLINE = RECTIC_COUPLING_INLINE, /* a plain loop in the kernel: no call overhead, for small n */
    RCT_COUP_CSR = RECTIC_COUPLING_SPARSE,    /* compressed sparse rows */
    RCT_COUP_EVENT = RECTIC_COUPLING_EVENT    /* u = W @ s kept up to date from the spikes (linear spike-driven
                                                 source only) */
};

#define RCT_FIXED_N_MAX 32  /* networks up to this size get kernels of fixed size (rct_emit_opts.fixed_n) */
#define RCT_UNROLL_MAX_N 20 /* ... and up to this size, inline coupling rows written out as sums */
/* The fixed size of a kernel for n neurons (rct_emit_opts.fixed_n): n up to RCT_FIXED_N_MAX, else 0 (any n). */
#define RCT_EMIT_FIXED_N(n) ((n) <= RCT_FIXED_N_MAX ? (n) : 0)

typedef struct rct_emit_opts {
    int dtype;               /* RECTIC_FLOAT64 or RECTIC_FLOAT32 */
    const int *param_vector; /* per parameter slot: 1 = one value per neuron, 0 = shared */
    const int *param_pow2;   /* per parameter slot: 1 = its shared value is a power of two, so that dividing by it
                                is multiplying by its reciprocal, bit for bit (NULL: divide) */
    int coupling;            /* 1: the network has a weight matrix */
    int coupling_mode;       /* RCT_COUP_*: how the kernel computes W @ source */
    int spiking;             /* 1: spike detection and reset */
    int parallel;            /* 1: mark the loops over neurons for OpenMP (large networks; cc backend) */
    long fixed_n;            /* > 0: the kernel serves exactly this many neurons (small networks: constant
                                loop bounds, coupling rows written out); 0: any number, read from the context */
} rct_emit_opts;

/* Returns the kernel source (caller frees), or NULL with err filled. */
char *rct_emit_c(const rct_model *m, const rct_emit_opts *o, rct_err *err);

/* The math functions generated code may call, for the JIT's symbol table (NULL-terminated); a kernel with
   dense coupling calls the context's gemv (common/gemv_rows.h). */
typedef struct rct_symbol {
    const char *name;
    void *addr;
} rct_symbol;
const rct_symbol *rct_emit_symbols(void);

/* Is x plus or minus a power of two with a normal reciprocal (in float when f32), so that y/x and y*(1/x)
   are bit for bit equal?  The kernel then multiplies by the reciprocal of such a divisor. */
int rct_em_pow2_recip(double x, int f32);

/* Does the kernel read W by columns (w[j*n + i] = W[i][j])?  Small fixed-size kernels with the coupling in
   the kernel do; all others read rows (w[i*n + j]). */
int rct_emit_w_by_columns(const rct_emit_opts *o);

#endif

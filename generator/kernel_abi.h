/*
 * kernel_abi.h -- the one interface between the runtime and every generated kernel.
 *
 * The generated source declares the same structures with `real` = double or float; the runtime sees
 * the pointers as void.  Both come from the one macro below, so they cannot drift apart.  The kernel
 *
 *     long rectic_kernel(rectic_kctx *c, long steps);
 *
 * advances up to `steps` Euler steps, recording as it goes, and returns the number of steps done (fewer
 * when the spike buffer would overflow: the runtime grows it and calls again).
 */
#ifndef RCT_KERNEL_ABI_H
#define RCT_KERNEL_ABI_H

/* where a recorded value lives */
enum { RCT_REC_STATE = 0, RCT_REC_ALG = 1, RCT_REC_COUP = 2, RCT_REC_INPUT = 3, RCT_REC_PARAM = 4 };

#define RCT_KCTX_DEF(real)                                                                               \
    typedef struct rectic_krec {                                                                         \
        int where; /* RCT_REC_* */                                                                       \
        int slot;  /* state/algebraic block or parameter index */                                        \
        int phase; /* 0: before the update, 1: after the passes */                                       \
        long stride; /* 1, or 0 for a value shared by all neurons */                                     \
    } rectic_krec;                                                                                       \
    typedef struct rectic_kctx {                                                                         \
        long n;                  /* neurons */                                                           \
        double dt, threshold, reset;                                                                     \
        real *y;                 /* state: one block of n per state variable */                          \
        real *alg;               /* algebraic variables: one block of n each */                          \
        real *coup;              /* coupling target: n values */                                         \
        const real *w;           /* weights: n x n, row = target */                                      \
        const real *const *param; /* parameters: n values, or 1 shared */                               \
        const real *input;       /* input rows of this call */                                           \
        long in_row, in_col;     /* strides of the input: per step, per neuron (0 = shared) */           \
        long step;               /* steps done since the run started */                                  \
        int n_rec;               /* recorded values; entry 0 is the output */                            \
        const rectic_krec *rec;                                                                          \
        double *const *rec_buf;  /* one rows x n buffer per recorded value */                            \
        long rec_row, rec_cap;                                                                           \
        long sample_every, cutoff;                                                                       \
        int sample_mean;         /* average the output over the steps since the previous row */         \
        double *acc;             /* n running sums of the output (sample_mean) */                        \
        long acc_count;                                                                                  \
        long *spikes;            /* (step, neuron) pairs */                                              \
        long n_spikes, cap_spikes;                                                                       \
        const long *csr_ptr;     /* sparse weights: row i's entries are csr_ptr[i] .. csr_ptr[i+1]-1 */ \
        const int *csr_col;      /* their source neurons (event mode: CSC, by source column) */         \
        const real *csr_val;                                                                             \
        int threads;             /* threads for the loops over neurons (kernels built with OpenMP) */    \
    } rectic_kctx;

#define RCT_KCTX_STR_(...) #__VA_ARGS__
#define RCT_KCTX_STR(...) RCT_KCTX_STR_(__VA_ARGS__)

#endif

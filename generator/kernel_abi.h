/*
 * kernel_abi.h -- the one interface between the runtime and every generated kernel.
 *
 * The generated source declares the same structures with `real` = double or float; the runtime sees
 * the pointers as void.  Both come from the one macro below (its field comments are DOC(...), printed
 * into the generated source as comments), so they cannot drift apart.  The kernel
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

/* The fields every context begins with, the C kernels' (RCT_KCTX_DEF) and the CUDA kernels' (emit_cuda.h's
   RCT_DCTX_DEF): one description of a population's arrays, weights, parameters and input, and of the
   sampling of its recordings. */
#define RCT_CTX_ARRAYS(real, DOC)                                                                       \
        long n;                      DOC(neurons)                                                       \
        double dt, threshold, reset; DOC(step size; spike threshold and reset value)                    \
        real *y;                     DOC(state: one block of n per state variable)                      \
        real *alg;                   DOC(algebraic variables: one block of n each)                      \
        real *coup;                  DOC(coupling targets: one block of n per coupling slot)            \
        const real *w;               DOC(dense weights: n x n, row = target)                            \
        const long *csr_ptr;         DOC(sparse weights: row i holds entries csr_ptr[i] .. csr_ptr[i+1]-1)\
        const int *csr_col;          DOC(their source neurons (event coupling in C: by source column, CSC))\
        const real *csr_val;         DOC(their weights)                                                 \
        const real *const *param;    DOC(parameters: n values each, or 1 shared)                        \
        const real *input;           DOC(the input rows of this call, or of this chunk of steps)        \
        long in_row, in_col;         DOC(strides of the input: per step, per neuron (0 = shared))
#define RCT_CTX_SAMPLING(DOC)                                                                           \
        long sample_every, cutoff;   DOC(a row every sample_every steps, from step cutoff on)           \
        int sample_mean;             DOC(average the output over the steps since the previous row)      \
        double *acc;                 DOC(running sums of the output, one per column (sample_mean))

/* The fields every recorded entry begins with, the C kernels' (rectic_krec) and the CUDA kernels'
   (emit_cuda.h's rectic_drec): where its values live. */
#define RCT_REC_WHERE(DOC)                                                                              \
        int where;                   DOC(0 state, 1 algebraic, 2 coupling, 3 input, 4 parameter)          \
        int slot;                    DOC(its state, algebraic or coupling block, or its parameter index)\
        long stride;                 DOC(1, or 0 for a value shared by all neurons)

#define RCT_KCTX_DEF(real, DOC)                                                                         \
    typedef struct rectic_krec {                                                                        \
        RCT_REC_WHERE(DOC)                                                                              \
        int phase;                   DOC(0: recorded before the update, 1: after the passes)            \
        const long *idx;             DOC(a subset: column j of a row holds neuron idx[j]; or 0: all n)   \
        long count;                  DOC(values per row: n, or the neurons of the subset)               \
    } rectic_krec;                                                                                      \
    typedef struct rectic_kctx {                                                                        \
        RCT_CTX_ARRAYS(real, DOC)                                                                       \
        long step;                   DOC(steps done since the run started)                              \
        int n_rec;                   DOC(recorded values; entry 0 is the output)                        \
        const rectic_krec *rec;      DOC(where each recorded value lives)                               \
        double *const *rec_buf;      DOC(per recorded value: a buffer of rec_cap rows of its count)     \
        long rec_row, rec_cap;       DOC(the next row to write; rows in the buffers)                    \
        RCT_CTX_SAMPLING(DOC)                                                                           \
        long acc_count;              DOC(steps in those sums)                                           \
        long *spikes;                DOC((step, neuron) pairs)                                          \
        long n_spikes, cap_spikes;   DOC(pairs written; room for)                                       \
        int threads;                 DOC(threads for the loops over neurons (kernels built with OpenMP))\
        long lo, hi;                 DOC(the neurons this process updates: lo .. hi-1, all n in one process)\
        void (*gemv)(long rows, long cols, const real *w, const real *x, real *y);                     \
                                     DOC(dense coupling: y = w x for rows of w, each row in its own order)\
        void *mpi;                   DOC(under MPI: the runtime exchange of this population; 0 in one process)\
        void (*mpi_values)(void *mpi, real *v);                                                        \
                                     DOC(under MPI: the values lo .. hi-1 at v of every process, on all)  \
        void (*mpi_spikes)(void *mpi, struct rectic_kctx *c, long first);                              \
                                     DOC(under MPI: the spikes from first on of every process, in neuron order)\
        real *mpi_terms;             DOC(under MPI: n values, the terms of a reduction)                 \
    } rectic_kctx;

/* A network of populations (rct_emit_net_c) runs one kernel
 *
 *     long rectic_kernel(rectic_kctx *pop, const rectic_kproj *proj, long steps);
 *
 * over an array of contexts, one per population (its coupling targets: `coup` holds one block of n per
 * coupling slot of its model), and one projection context per projection, in the order listed.
 * Strategies and delays are constants of the generated code; sizes come from the contexts (pop[p].n). */
/* The fields every projection context holds, the C kernels' (rectic_kproj) and the CUDA kernels'
   (emit_cuda_net.h's rectic_dproj): its weights, and the ring of a delayed projection. */
#define RCT_PROJ_WEIGHTS(real, DOC)                                                                     \
        const real *w;               DOC(dense weights: n_target x n_source, row = target)              \
        const long *csr_ptr;         DOC(sparse weights: target row i holds entries csr_ptr[i] .. csr_ptr[i+1]-1)\
        const int *csr_col;          DOC(their source units)                                            \
        const real *csr_val;         DOC(their weights)                                                 \
        double weight;               DOC(a scalar projection: target_i += weight * sum of the source)   \
        real *ring;                  DOC(delayed: delay+1 slots of n_source values, step s in slot s mod (delay+1))

#define RCT_KPROJ_DEF(real, DOC)                                                                        \
    typedef struct rectic_kproj {                                                                       \
        RCT_PROJ_WEIGHTS(real, DOC)                                                                     \
        real *tmp;                   DOC(n_target values: a dense product added to earlier projections)  \
    } rectic_kproj;

/* DOC for the compiled structures: the field comments vanish */
#define RCT_NO_DOC(...)
/* the structures as C text for the generated source, field comments as RCT_DOC(...) (rct_em_struct
   prints them as comments; their text holds no quote, apostrophe or unbalanced parenthesis) */
#define RCT_KCTX_TEXT RCT_KCTX_STR(RCT_KCTX_DEF(real, RCT_DOC))
#define RCT_KPROJ_TEXT RCT_KCTX_STR(RCT_KPROJ_DEF(real, RCT_DOC))
#define RCT_KCTX_STR_(...) #__VA_ARGS__
#define RCT_KCTX_STR(...) RCT_KCTX_STR_(__VA_ARGS__)

#endif

/*
 * emit_cuda.h -- writes the CUDA source of one network's kernels from the model IR, and the schedule in
 * which the runtime launches them (runtime/cuda_run.c).
 *
 * One Euler step is a short sequence of kernels, each with one thread per neuron (or per part of a sum):
 * the coupling product (rectic_gemv_part, rectic_gemv_sum), the reductions (rectic_reduce_K and
 * rectic_reduce_K_next, a tree with a fixed shape: no atomics, so float64 results do not depend on
 * timing) and the passes over the neurons (rectic_pass_P); the last pass records, integrates, resets
 * and sets the spike bits (one bit per neuron and step: their order needs no sorting).  The per-neuron arithmetic comes from emit_common.c, which the C emitter shares.
 *
 * The source compiles with NVRTC, and also as plain C with RECTIC_HOST_EMULATION defined (each kernel is
 * then a function called once per thread index, which the tests use to check the device code on the CPU).
 */
#ifndef RCT_EMIT_CUDA_H
#define RCT_EMIT_CUDA_H

#include "emit_c.h"
#include "ir.h"
#include "kernel_abi.h" /* RCT_NO_DOC, RCT_DOC: the field comments of RCT_DCTX_DEF */

/* Lanes per weight-matrix row in the dense coupling product: lane l sums W[i, l], W[i, l + 32], ... */
#define RCT_CUDA_LANES 32
/* Threads per block of every launch (runtime/cuda_dev.c); a warp-per-row kernel keeps a slot per lane for
   each of the block's RCT_CUDA_BLOCK/32 warps in shared memory. */
#define RCT_CUDA_BLOCK 256
/* A reduction over at most this many values is summed by one thread in neuron order (the C kernel's
   order); above it a tree of partial sums of at most RCT_CUDA_RED_FAN values each. */
#define RCT_CUDA_RED_SERIAL 1024
#define RCT_CUDA_RED_FAN 32

/* The device context: the runtime fills one in device memory per chunk of steps; every kernel reads it.
   `real` is double or float in the generated source, void for the runtime (scalars are double); DOC is
   RCT_NO_DOC for the compiled structure, RCT_DOC for the text of the generated source (kernel_abi.h). */
#define RCT_DCTX_DEF(real, DOC)                                                                         \
    typedef struct rectic_drec {                                                                        \
        RCT_REC_WHERE(DOC)                                                                              \
    } rectic_drec;                                                                                      \
    typedef struct rectic_dctx {                                                                        \
        RCT_CTX_ARRAYS(real, DOC)                                                                       \
        real *wpart;               DOC(coupling partial sums: RCT_CUDA_LANES per row)                   \
        long step0;                DOC(steps done since the run started, at the first step of the chunk)\
        real *red;                 DOC(reduction results)                                               \
        real *part;                DOC(partial values of the reductions)                                \
        int n_rec;                 DOC(recorded values; entry 0 is the output)                          \
        const rectic_drec *rec;    DOC(where each recorded value lives)                                 \
        real *const *ring;         DOC(per recorded value: the rows of the chunk, n values each)        \
        long ring_row0;            DOC(recorded row number of the first ring row of the chunk)          \
        long first_step;           DOC(step of recorded row 0)                                          \
        RCT_CTX_SAMPLING(DOC)                                                                           \
        unsigned int *spike_bits;  DOC(per chunk step: bit i%32 of word i/32 set when neuron i spiked)  \
        long spike_words;          DOC(words per step: (n + 31)/32)                                     \
        unsigned int *spike_sum;   DOC(per chunk step: bit w%32 of word w/32 set when spike word w is not 0)\
        long sum_words;            DOC(summary words per step: (spike_words + 31)/32)                   \
        unsigned int *bad_step;    DOC(first chunk step whose update made a state value non-finite)     \
        const long *ev_ptr;        DOC(event coupling: the targets of source j are ev_tgt[ev_ptr[j]] ..)\
        const int *ev_tgt;         DOC(event coupling: .. ev_tgt[ev_ptr[j+1]-1], increasing (W by source))\
        unsigned int *touched;     DOC(event coupling: bit i%32 of word i/32 set when a spike reaches i)\
    } rectic_dctx;

/* One kernel launch of a step, in order. */
typedef enum { RCT_CU_GEMV, RCT_CU_CSR, RCT_CU_REDUCE, RCT_CU_PASS, RCT_CU_EVENT } rct_cu_opkind;
typedef struct rct_cu_op {
    rct_cu_opkind kind;
    int index;           /* reduction or pass index */
} rct_cu_op;

/* Sparse weights on the GPU: the C kernel's compressed sparse rows (RCT_COUP_CSR), a product each step
   (rectic_csr: a thread per row; rectic_csr_warp: a warp per row, chosen by RECTIC_CUDA_CSR=warp, both in
   the C kernel's order; rectic_csr_tree, RECTIC_CUDA_CSR=tree: a warp per row summed by lanes then a fixed
   tree, within rounding), or
   event-driven coupling (RCT_COUP_EVENT): target = W @ source kept up to date after each step from the
   step's spike bits (rectic_event_clear, _mark, _gather: emit_cuda_sparse.c), W by target as rows. */
#define RCT_CUDA_SPARSE(o) ((o)->coupling && ((o)->coupling_mode == RCT_COUP_CSR || (o)->coupling_mode == RCT_COUP_EVENT))
#define RCT_CUDA_EVENT(o) ((o)->coupling && (o)->coupling_mode == RCT_COUP_EVENT)

/* Fills ops (capacity cap) with the launches of one step; returns their number (at most
   2 + n_reds + n_passes).  RCT_CU_EVENT (the event-driven update, three kernels) comes last. */
int rct_cuda_schedule(const rct_model *m, const rct_emit_opts *o, rct_cu_op *ops, int cap);

/* Returns the CUDA source (caller frees), or NULL with err filled. */
char *rct_emit_cuda(const rct_model *m, const rct_emit_opts *o, rct_err *err);

#endif

/*
 * emit_cuda_net.h -- writes the CUDA kernels of a network of populations and projections (described as
 * for the C kernel: rct_emit_net, emit_net.h) and the launches of one step, in the C kernel's order
 * (emit_net_plan.c), which the runtime (runtime/cuda_netrun.c) replays step after step.
 *
 * Per population (context rectic_dctx, as a single template's, with one coupling block per slot):
 *   POP_reduce_R (+ _next)  its reductions, the trees of emit_cuda.h;
 *   POP_passK, POP_passK_early, POP_update   its parts (emit_net_plan.h), one thread per unit; the update
 *                           records (after every projection into the population: all it records is final),
 *                           integrates, resets and sets the spike bits.
 * Per projection (context rectic_dproj below):
 *   proj_K                  inline: one thread per target row, the row summed in column order (the C loop's);
 *                           sparse: one thread per row, entries in their stored order (the C loop's), or
 *                           proj_K_warp (a warp per row, the same order) or proj_K_tree (a warp per row
 *                           and a lane tree: within rounding), as the runtime chooses (RECTIC_CUDA_CSR);
 *                           event-driven (the C kernel keeps W @ source up to date from the spikes): as
 *                           sparse, the runtime turns the columns of W into rows;
 *                           dense: proj_K_part (RCT_CUDA_LANES threads per row) then proj_K (the parts in
 *                           lane order); scalar: proj_K_sum (+ _next), the source summed in unit order up to
 *                           RCT_CUDA_RED_SERIAL units (a tree above), then proj_K adds weight * sum;
 *   proj_K_store            delayed: the source of this step into its ring slot.
 * Where the C kernel's order is that of a loop, the device's sums are the same, bit for bit.
 */
#ifndef RCT_EMIT_CUDA_NET_H
#define RCT_EMIT_CUDA_NET_H

#include "emit_cuda.h"
#include "emit_net.h"

/* The device context of a projection: the runtime fills one per projection in device memory per chunk of
   steps (pointers into the populations' blocks); its weights and ring are every projection context's
   (kernel_abi.h's RCT_PROJ_WEIGHTS).  real and DOC as for RCT_DCTX_DEF. */
#define RCT_DPROJ_DEF(real, DOC)                                                                        \
    typedef struct rectic_dproj {                                                                       \
        long n_src, n_tgt;         DOC(units of the source and of the target population)                \
        const real *x;             DOC(the source variable of this step: n_src values)                  \
        real *t;                   DOC(the coupling block of the target: n_tgt values)                  \
        RCT_PROJ_WEIGHTS(real, DOC)                                                                     \
        real *wpart;               DOC(dense: RCT_CUDA_LANES partial sums per target row)               \
        real *part;                DOC(scalar: partial sums of the source)                              \
        real *sum;                 DOC(scalar: the sum of the source)                                   \
        long step0;                DOC(steps done since the run started, at the first step of the chunk)\
    } rectic_dproj;

/* The threads of a launch. */
typedef enum {
    RCT_CUN_UNITS,  /* one per unit of the context: a population's n, a projection's n_tgt */
    RCT_CUN_ROWS,   /* a sparse projection's product: NAME one thread per target row, or NAME_warp or
                       NAME_tree a warp per row (the runtime's choice, RECTIC_CUDA_CSR) */
    RCT_CUN_LANES,  /* RCT_CUDA_LANES per target unit of a projection */
    RCT_CUN_SOURCE, /* one per source unit of a projection */
    RCT_CUN_TREE    /* a reduction over a population's units or a projection's source: NAME, then NAME_next
                       while partial values remain (emit_cuda.h, RCT_CUDA_RED_SERIAL and _FAN) */
} rct_cun_threads;

#define RCT_CUN_NAME 128
/* One launch of a step. */
typedef struct rct_cun_op {
    int pop, proj;            /* its context: population pop's (proj -1) or projection proj's (pop -1) */
    rct_cun_threads threads;
    char name[RCT_CUN_NAME];  /* the kernel */
} rct_cun_op;

typedef struct rct_cun_sched {
    rct_cun_op *ops;          /* the launches of one step, in order */
    int n_ops;
} rct_cun_sched;

/* Returns the CUDA source (caller frees) and, when sched is not NULL, fills it with the launches of one
   step (free with rct_cun_sched_free); NULL with err filled: RECTIC_EINVAL for a bad description,
   RECTIC_ETEMPLATE for a cycle, as rct_emit_net_c. */
char *rct_emit_cuda_net(const rct_emit_net *o, rct_cun_sched *sched, rct_err *err);
void rct_cun_sched_free(rct_cun_sched *sched);

#endif

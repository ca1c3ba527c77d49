/*
 * emit_cuda_parts.h -- pieces of the CUDA kernels (emit_cuda.c) that the network emitter (emit_cuda_net.c)
 * writes again for each population and projection: the platform lines, the recorder, the kernels of a
 * pass, of a reduction (a tree of fixed shape) and of a matrix-vector product.  Internal to the generator.
 */
#ifndef RCT_EMIT_CUDA_PARTS_H
#define RCT_EMIT_CUDA_PARTS_H

#include "emit_common.h"

/* Writes the lines that differ between NVRTC and the host emulation; `decls` (may be empty): the libm
   prototypes the emulation needs. */
void rct_emcu_platform(rct_emitter *E, const char *decls);
/* Writes rectic_record (the recorder of one device context) and rectic_finite (model independent). */
void rct_emcu_recorder(rct_emitter *E);

/* Writes the head of kernel `name`, one thread per unit i of context `c` (of type ctx): up to the return
   of the threads past `rows` units; `sizes` (may be NULL) is a line declaring what `rows` names. */
void rct_emcu_kernel_head(rct_emitter *E, const char *name, const char *ctx, const char *sizes, const char *rows);

/* Writes kernel `name` of pass p of E's model, one thread per neuron, with the equations E->skip_eq keeps;
   `comment` heads it.  `record`: rectic_record first (every value it records is final by then); `update`:
   the Euler update, the finiteness check and the spike bits. */
void rct_emcu_pass(rct_emitter *E, int p, const char *name, const char *comment, int record, int update);

/* A reduction over the values of a context's units, as kernels NAME (values t, t + P, t + 2P, ... by
   thread t) and NAME_next (the next level of a tree of partial values); each line of `prelude` declares
   `n`, the values' count, and what `value` reads; `value` is the expression of unit i's value. */
typedef struct rct_cu_tree {
    const char *name, *ctx;  /* the first kernel's name; the context's type */
    int fn;                  /* RCT_F_SUM, _MEAN, _MAXR or _MINR */
    int red;                 /* the model's reduction it computes (prelude and value come from the IR),
                                or -1: prelude and value are given */
    const char *prelude, *value;
    const char *result;      /* where the result goes: "c->red[0]" */
} rct_cu_tree;
void rct_emcu_tree(rct_emitter *E, const rct_cu_tree *t);

/* A product target op= W @ x on the device (W dense, row = target, or in compressed sparse rows); the
   context `c` (of type ctx) has the weights as w, wpart, csr_ptr, csr_col, csr_val. */
typedef struct rct_cu_product {
    const char *ctx;         /* the context's type */
    const char *sizes;       /* the line declaring the sizes rows and cols from the context */
    const char *rows, *cols; /* their names: the target's units, the source's */
    const char *x;           /* the source vector: "expression; / * comment * /" */
    const char *target;      /* the target vector */
    const char *op;          /* "=", or "+=" onto earlier contributions */
    const char *label, *tgt, *src; /* for the comments: "coupling", the target's and the source's names */
} rct_cu_product;
/* The dense product in two kernels: `part` (RCT_CUDA_LANES threads per row, each a strided part of the
   row in order) and `sum` (one thread per row adds the parts in lane order). */
void rct_emcu_gemv(rct_emitter *E, const rct_cu_product *d, const char *part, const char *sum);
/* The dense product in one kernel `name`: one thread per row sums it in column order (the C loop's). */
void rct_emcu_rows(rct_emitter *E, const rct_cu_product *d, const char *name);
/* The sparse product in one kernel `name`: one thread per row, entries in their stored order. */
void rct_emcu_csr(rct_emitter *E, const rct_cu_product *d, const char *name);
/* The same product with a warp per row (emit_cuda_sparse.c): 32 entries loaded side by side, their
   products added by lane 0 in stored order (the same bits); launched with 32 threads per row. */
void rct_emcu_csr_warp(rct_emitter *E, const rct_cu_product *d, const char *name);
/* The same product with a warp per row summed by lanes (entries l, l + 32, ... by lane l) and then a fixed
   pairwise tree over the lanes: deterministic, within rounding of the C kernel's order. */
void rct_emcu_csr_tree(rct_emitter *E, const rct_cu_product *d, const char *name);
/* Event-driven coupling of a single template (emit_cuda_sparse.c): rectic_event_clear and _mark (a thread
   per spike word) and rectic_event_gather (a thread per target), run after the update of each step;
   tau and gain: the source's equation s' = -s/tau + gain*spike (gain NULL for 1). */
void rct_emcu_event(rct_emitter *E, const rct_expr *tau, const rct_expr *gain);

#endif

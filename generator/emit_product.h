/*
 * emit_product.h -- the arithmetic of a coupling product that every target writes the same way: the sum of
 * one target row of W @ x (dense in column order, sparse in stored order) and a scalar projection's
 * contribution.  The C kernels write it inside their loops over the target units, the CUDA kernels in the
 * thread of unit i: the same operations in the same order, so the same bits.  Internal to the generator.
 */
#ifndef RCT_EMIT_PRODUCT_H
#define RCT_EMIT_PRODUCT_H

#include "emit_common.h"

/* Target row i of a product target op= W @ x. */
typedef struct rct_row_sum {
    int sparse;         /* 0: W dense, row i at w + i*cols; 1: W in compressed sparse rows */
    const char *w;      /* dense: the weights ("w", "c->w") */
    const char *cols;   /* dense: the length of a row */
    const char *csr;    /* sparse: what precedes csr_ptr, csr_col and csr_val ("" for locals, "c->") */
    const char *x;      /* the source vector */
    const char *target; /* the target vector */
    const char *op;     /* "=", or "+=" onto earlier contributions */
} rct_row_sum;

/* Writes the sum of row i, from 0 in the row's order, and its store into target[i] (each line after ind). */
void rct_em_row_sum(rct_emitter *E, const rct_row_sum *s, const char *ind);

/* Writes `weight` (of type real, from the double `weight`) and `contribution`, weight * sum, of a scalar
   projection (`first`: the first into its target, which adds it to +0.0 as the reference does). */
void rct_em_scalar_contribution(rct_emitter *E, const char *weight, const char *sum, int first, const char *ind);

#endif

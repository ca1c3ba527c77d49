/*
 * emit_reads.h -- what one part of a population's step reads: a pass over the units, or a half of one (a
 * function of its own in a network's kernel, emit_net_plan.h).  Found from the model once, when the step is
 * planned, so that the part's prologue (rct_em_prologue) declares only that: a compiler run with -Wall
 * -Werror rejects an unused local.  Internal to the generator.
 */
#ifndef RCT_EMIT_READS_H
#define RCT_EMIT_READS_H

#include "ir.h"

/* What a part reads besides variables. */
enum {
    RCT_READS_DT = 1,     /* the step size (the Euler update) */
    RCT_READS_SPIKE = 2,  /* the spike threshold and reset */
    RCT_READS_INV_DT = 4, /* 1/dt, the value of a spike */
    RCT_READS_INPUT = 8,  /* the input row */
    RCT_READS_N = 16      /* the size n: a loop over all units (a reduction) or a variable beyond the first
                             block of its array (at k*n) */
};

typedef struct rct_part_reads {
    unsigned char *vars; /* per variable of the model: 1 = the part reads its array or its value */
    unsigned flags;      /* RCT_READS_* */
} rct_part_reads;

/* Finds what a part reads: pass p's equations that skip_eq (NULL, or per equation: 1 = in the pass's other
   half) keeps; with `reds` the reductions computed before the pass; with `update` the spike list (when
   `spiking`) and the Euler update.  0, or RECTIC_ENOMEM (rct_part_reads_free frees it either way). */
int rct_part_reads_find(const rct_model *m, int p, const unsigned char *skip_eq, int reds, int update, int spiking,
                        rct_part_reads *r);
void rct_part_reads_free(rct_part_reads *r);

/* Marks in marks[] the variables expression e reads (not those inside reductions: their values are
   computed before the pass). */
void rct_expr_mark_reads(const rct_expr *e, unsigned char *marks);

/* Marks in marks[] what the equations of pass p that skip_eq keeps read, and the variables they integrate;
   returns 1 when the part has equations. */
int rct_pass_mark_reads(const rct_model *m, int p, const unsigned char *skip_eq, unsigned char *marks);

#endif

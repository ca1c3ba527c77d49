/*
 * emit_common.h -- what the C and the CUDA emitters share: expressions, the variables a pass over the
 * neurons reads, the per-neuron body of each pass (equations in template order, the Euler update and the
 * reset), the value a reduction sums for one neuron and the prologue naming arrays and parameters.  Both
 * emitters write the per-neuron arithmetic through these functions, so the C kernel and the CUDA kernels
 * compute every neuron with the same operations in the same order; only the loop -> thread mapping, the
 * coupling product's framing and the reductions' order differ.  Shared with them too: the declarations
 * (emit_decls.h), what a part reads (emit_reads.h), the recorder (emit_record.h) and the products' row
 * sums (emit_product.h).
 *
 * Internal to the generator.  The functions append to E->b; none of them fails (an allocation failure
 * is noted in the buffer and reported by rct_em_finish).
 */
#ifndef RCT_EMIT_COMMON_H
#define RCT_EMIT_COMMON_H

#include "emit_c.h"
#include "emit_reads.h"
#include "ir.h"

typedef struct rct_emitter {
    const rct_model *m;
    const rct_emit_opts *o;
    rct_buf b;
    int f32;
    const char *real;    /* the generated code's name of its floating type: "real" */
    const char *type;    /* what real stands for: "double" or "float" */
    unsigned char *used; /* per variable: read by the code being emitted */
    unsigned char *recip; /* per parameter slot: the prologue computed `x_inv` = 1/x (a power of two) */
    const unsigned char *skip_eq; /* NULL, or per equation: 1 = not in the part of a pass being written (a pass
                                     written as two loops; the other loop's algebraic values are read from
                                     their arrays) */
    const rct_part_reads *reads; /* NULL: rct_em_prologue declares every variable; else what the part being
                                    written reads (found when the step was planned: emit_reads.h) */
} rct_emitter;

/* Writes text as a C comment body that cannot end the comment early. */
void rct_emit_safe_comment(rct_buf *b, const char *text);

/* Starts an emitter for model m with options o; 0, or RECTIC_ENOMEM with err filled. */
int rct_em_init(rct_emitter *E, const rct_model *m, const rct_emit_opts *o, rct_err *err);
/* Ends the emitter and returns the source (caller frees), or NULL with err filled. */
char *rct_em_finish(rct_emitter *E, rct_err *err);

/* Writes an expression with the fewest parentheses that keep its tree (and so its rounding). */
void rct_em_expr(rct_emitter *E, const rct_expr *e);
/* Is e a power written as a product (v^2 -> v*v, x^3 -> x*x*x)? */
int rct_em_pow_as_product(const rct_expr *e);
/* Writes the locals naming the state, algebraic, coupling (one block of n per slot) and parameter arrays
   of context `c`, and the shared parameters' values (each line starts with ind); with E->reads only those
   the part reads, and `(void)in;` when it reads no input. */
void rct_em_prologue(rct_emitter *E, const char *ind);

/* Marks what pass p reads (without the equations E->skip_eq leaves out); returns 1 when the pass has
   equations (an empty pass writes nothing). */
int rct_em_pass_mark(rct_emitter *E, int p);
/* Writes `const real x_ = ...;` for each marked variable that a pass over the neurons reads for neuron
   i, and the spike flag `spk` when needed (`integrate`: the pass updates the state). */
void rct_em_loads(rct_emitter *E, int pass, int integrate, const char *ind);
/* Writes pass p's algebraic equations for neuron i (each stored in its array) and, in the last pass,
   the derivatives `x_dot` (without the equations E->skip_eq leaves out); call after rct_em_pass_mark and
   rct_em_loads. */
void rct_em_pass_eqs(rct_emitter *E, int p, const char *ind);
/* Writes the forward Euler update of neuron i, with the reset blend of a spiking network. */
void rct_em_euler(rct_emitter *E, const char *ind);
/* A loop combining the values of units from, ... (i < end; next: its step) into acc as a reduction does:
   the C kernel's loop over the neurons, a CUDA thread's share of them, the same operations in each. */
typedef struct rct_red_loop {
    int fn;            /* RCT_F_SUM, _MEAN, _MAXR or _MINR */
    int red;           /* the model's reduction whose value unit i takes (rct_em_red_value), or -1: `value` */
    const char *value; /* red < 0: the expression of unit i's value */
    const char *acc;   /* the accumulator */
    const char *from, *end, *next; /* for (long i = from; i < end; next) */
    int declared;      /* 1: the caller declared acc = 0 (a loop in one of two branches); 0: declare it */
} rct_red_loop;
/* Writes `real acc = 0;` (unless declared) and the loop (each line after ind). */
void rct_em_red_loop(rct_emitter *E, const rct_red_loop *l, const char *ind);
/* Writes `const real *src = ...;`, where the recorder finds recorded value r (a rectic_krec or rectic_drec:
   where, slot) of context c, `in` the input row (after ind; kernel_abi.h's RCT_REC_* numbers). */
void rct_em_rec_source(rct_emitter *E, const char *ind);
/* Writes the comment naming reduction r. */
void rct_em_red_comment(rct_emitter *E, int r, const char *ind);
/* Writes the loads and `const real x = ...;`, the value reduction r takes for neuron i. */
void rct_em_red_value(rct_emitter *E, int r, const char *ind);

#endif

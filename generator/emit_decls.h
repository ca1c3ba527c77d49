/*
 * emit_decls.h -- the declarations every kernel source begins with, C or CUDA, one population or a network:
 * the heading comment, the context structures (printed from kernel_abi.h's descriptions), the libm
 * prototypes and the helper functions the model calls.  Internal to the generator.
 */
#ifndef RCT_EMIT_DECLS_H
#define RCT_EMIT_DECLS_H

#include "emit_common.h"

/* Does any equation of m call function f? */
int rct_em_model_uses_fn(const rct_model *m, int f);

/* Writes the comment that heads a kernel source: template, precision, equations (what: "kernel" or
   "kernels", lang: "" or ", CUDA"). */
void rct_em_header(rct_emitter *E, const char *what, const char *lang);
/* Writes a struct definition given as one line of C (from a *_DEF macro), pretty-printed. */
void rct_em_struct(rct_emitter *E, const char *def);
/* Writes prototypes of the libm functions the model calls. */
void rct_em_math_decls(rct_emitter *E);
/* Writes the helper functions the model calls (sigmoid, sign, max, min), each declared with `qual`. */
void rct_em_helper_fns(rct_emitter *E, const char *qual);
/* Appends to decls the lines emitter E wrote that decls does not hold yet (decls starts with a line break,
   so that each line is found whole), and empties E's text: declarations several models need, once. */
void rct_em_take_new_lines(rct_buf *decls, rct_emitter *E);

#endif

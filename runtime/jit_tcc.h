/*
 * jit_tcc.h -- compiles generated C in memory with TinyCC (libtcc).  The only file that includes libtcc.h.
 */
#ifndef RCT_JIT_TCC_H
#define RCT_JIT_TCC_H

#include "emit_c.h"
#include "util.h"

typedef struct rct_jit rct_jit;

/* Compiles src, resolving `syms` (NULL-terminated) and looks up `entry`.  On failure the message holds
   TinyCC's diagnostics (a compile error in generated code is a bug in rectic). */
int rct_jit_compile(const char *src, const rct_symbol *syms, const char *entry, rct_jit **out, void **fn,
                    rct_err *err);
void rct_jit_free(rct_jit *jit);

#endif

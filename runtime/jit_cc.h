/*
 * jit_cc.h -- the optimizing backend: generated C compiled by the system compiler, cached by content hash.
 */
#ifndef RCT_JIT_CC_H
#define RCT_JIT_CC_H

#include <stddef.h>

#include "util.h"

typedef struct rct_cc rct_cc;

/* The cache directory ($XDG_CACHE_HOME/rectic, else ~/.cache/rectic), created when missing. */
int rct_cc_cache_dir(char *out, size_t size);
/* Is the C compiler (RECTIC_CC, default cc) on the PATH? */
int rct_cc_available(void);
/* The cached shared object for src under the current compiler and flags (RECTIC_CFLAGS). */
int rct_cc_paths(const char *src, char *so, size_t size, rct_err *err);
/* Starts compiling src into so; the object appears atomically when done.  *pid is the shell to wait for;
   detach: the compiler runs on in the background at the lowest priority, and the shell, which returns at
   once, is to be reaped with rct_cc_reap (nobody waits for the compiler). */
int rct_cc_start(const char *src, const char *so, int detach, int *pid, rct_err *err);
/* Reaps the shell *pid if it has ended (wait: waits for it); sets *pid to 0 once it is gone. */
void rct_cc_reap(int *pid, int wait);
/* Loads a compiled object and looks up entry. */
int rct_cc_load(const char *so, const char *entry, rct_cc **out, void **fn, rct_err *err);
/* Compiles (or finds in the cache) and loads; *cache_hit tells which. */
int rct_cc_compile(const char *src, const char *entry, rct_cc **out, void **fn, int *cache_hit, rct_err *err);
void rct_cc_free(rct_cc *cc);

#endif

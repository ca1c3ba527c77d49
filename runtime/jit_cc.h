/*
 * jit_cc.h -- the optimizing backend: generated C compiled by the system compiler, cached by content hash
 * in a private folder; objects are sealed when built and checked before and after loading (cache.h).
 */
#ifndef RCT_JIT_CC_H
#define RCT_JIT_CC_H

#include <stddef.h>

#include "util.h"

typedef struct rct_cc rct_cc;

/* Is the C compiler (RECTIC_CC, default cc) on the PATH? */
int rct_cc_available(void);
/* The cached shared object for src under the current compiler and flags (RECTIC_CFLAGS), in the cache
   folder (rct_cache_dir), which is created, and checked: RECTIC_EJIT when it cannot be trusted. */
int rct_cc_paths(const char *src, char *so, size_t size, rct_err *err);
/* Starts compiling src into so under names private to this call; the object appears whole and sealed when
   done, and the compiler's messages are kept in so.log when it fails.  *pid is the shell to wait for; *log
   (unless log is NULL) an open descriptor of the messages, for the caller to read and close.  detach: the
   compiler runs on in the background at the lowest priority, and the shell, which returns at once, is to
   be reaped with rct_cc_reap (nobody waits for the compiler). */
int rct_cc_start(const char *src, const char *so, int detach, int *pid, int *log, rct_err *err);
/* Compiles src into so and waits for it; on failure err holds the compiler's messages (or says that there
   is no compiler). */
int rct_cc_build(const char *src, const char *so, rct_err *err);
/* Reaps the shell *pid if it has ended (wait: waits for it); sets *pid to 0 once it is gone. */
void rct_cc_reap(int *pid, int wait);
/* Loads the cached object so, checked before (a regular file of the user's, sealed) and after (the key it
   was built for), and looks up entry.  RCT_OBJ_OK, RCT_OBJ_MISSING, or RCT_OBJ_DAMAGED (cache.h): err says
   why, and the object has been deleted. */
int rct_cc_load(const char *so, const char *entry, rct_cc **out, void **fn, rct_err *err);
void rct_cc_free(rct_cc *cc);
/* Do the compiler's flags build kernels with OpenMP (the default; RECTIC_CFLAGS may leave it out)? */
int rct_cc_openmp(void);

#endif

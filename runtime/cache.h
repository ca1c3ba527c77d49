/*
 * cache.h -- the compiled-kernel cache's rules of trust and integrity (runtime/cache.c; docs/robustness.md).
 *
 * The cache is a folder of the user's own that no one else can write; an object in it is a regular file of
 * the user's, ending in a record of its size and POSIX cksum (appended by the build, see jit_cc.c), and it
 * holds the symbol RCT_CACHE_KEY_SYMBOL: the cache key it was built for (checked after loading).
 */
#ifndef RCT_CACHE_H
#define RCT_CACHE_H

#include <stddef.h>

#include "util.h"

/* The symbol every cached object defines: `const unsigned long long` holding its cache key. */
#define RCT_CACHE_KEY_SYMBOL "rectic_cache_key"

/* What rct_cache_open finds. */
enum { RCT_OBJ_OK = 0, RCT_OBJ_MISSING, RCT_OBJ_DAMAGED };

/* The cache folder ($XDG_CACHE_HOME/rectic, else $HOME/.cache/rectic, else /tmp/rectic-cache-<uid>),
   created with mode 0700 when missing.  Fails (RECTIC_EJIT, naming the folder and the fix) unless it is a
   real directory (not a symbolic link) owned by the user with no group or other write permission, held
   in a folder that others cannot rename it out of. */
int rct_cache_dir(char *out, size_t size, rct_err *err);
/* Opens the object at path for reading without following a symbolic link and checks it: a regular file
   owned by the user whose size and checksum match the record at its end.  RCT_OBJ_OK (*fd open, the
   caller closes it), RCT_OBJ_MISSING, or RCT_OBJ_DAMAGED with err saying what is wrong. */
int rct_cache_open(const char *path, int *fd, rct_err *err);
/* Deletes the damaged object at path, unless it has been replaced since fd (an open copy) was checked. */
void rct_cache_discard(const char *path, int fd);
/* The shell commands that append the integrity record to the object at the (already quoted) path. */
void rct_cache_seal_cmd(rct_buf *cmd, const char *quoted_path);
/* A fresh name beside path: "path.PID-N" followed by suffix (unique within this process). */
void rct_cache_unique(char *out, size_t size, const char *path, const char *suffix);

#endif

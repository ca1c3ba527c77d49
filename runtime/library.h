/*
 * library.h -- the library as a whole (library.c): the message of the last failed call of this thread that
 * had no handle to keep it (rectic_last_error).
 */
#ifndef RCT_LIBRARY_H
#define RCT_LIBRARY_H

#include "util.h"

/* At the start of a call without a handle: rectic_last_error() says "no error" again. */
void rct_last_error_clear(void);
/* Keeps err's message as this thread's last error; returns err->code. */
int rct_last_error_keep(const rct_err *err);

#endif

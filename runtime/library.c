/*
 * library.c -- what belongs to the library as a whole rather than to a network: its version, the
 * process-wide settings and the message of the last failed call without a handle, kept per thread.
 */
#include <stdio.h>

#include "blas.h"
#include "library.h"
#include "rectic.h"

/* The message of the last failed call of this thread that had no handle to keep it ("" after a success). */
static _Thread_local char last_error[sizeof ((rct_err *)0)->msg];

_Static_assert(RECTIC_VERSION_NUMBER ==
                   RECTIC_VERSION_MAJOR * 1000000 + RECTIC_VERSION_MINOR * 1000 + RECTIC_VERSION_PATCH,
               "RECTIC_VERSION_NUMBER is X*1000000 + Y*1000 + Z");

const char *rectic_libversion(void)
{
    return RECTIC_VERSION;
}

int rectic_libversion_number(void)
{
    return RECTIC_VERSION_NUMBER;
}

void rectic_set_threads(int threads)
{
    if (threads > 0)
        rct_blas_threads(threads);
}

void rct_last_error_clear(void)
{
    last_error[0] = '\0';
}

int rct_last_error_keep(const rct_err *err)
{
    snprintf(last_error, sizeof last_error, "%s", err->msg[0] ? err->msg : "failed (no message)");
    return err->code;
}

const char *rectic_last_error(void)
{
    return last_error[0] ? last_error : "no error";
}

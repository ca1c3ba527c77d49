/*
 * library.c -- what belongs to the library as a whole rather than to a network: its version and the
 * process-wide settings.
 */
#include "blas.h"
#include "rectic.h"

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

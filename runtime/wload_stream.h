/*
 * wload_stream.h -- the one pass over sparse weights whose major index never goes down (issue 15; see
 * wload_stream.c): the rows appended in place as they stream, each finished when the next starts.
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_WLOAD_STREAM_H
#define RCT_WLOAD_STREAM_H

#include "wload.h"

/* Reads a source in order of its major index once (see wload_stream.c); RCT_COO_UNSORTED
   (wload_rows.h) when it is not in order (nothing kept: the caller reads it in two passes), else as rct_wload_coo. */
int rct_wload_coo_one_pass(rct_wload *L, int by_col, long *n, long **ptr, int **idx, double **val, long *count);

#endif

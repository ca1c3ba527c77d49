/*
 * wload_rows.h -- compressed rows (or columns) of sparse weights while they are built from entries
 * (target, source, weight): the checks of an entry, a pass over the source, and the rows finished (sorted
 * by their minor index, stable; duplicates summed in the source's order; zeros and pruned weights dropped).
 * Shared by the two-pass counting sort (wload_coo.c) and the one pass over a source in order
 * (wload_stream.c).
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_WLOAD_ROWS_H
#define RCT_WLOAD_ROWS_H

#include <stddef.h>

#include "wload.h"

#define RCT_BUCKETS_MAX 4096    /* buckets of the counting sort of a row */
#define RCT_BUCKET_ROW (1L << 20) /* rows up to this length are counting-sorted first */
#define RCT_COO_UNSORTED (-2)   /* the one pass stops: an entry's major index went down */

/* Room for sorting rows: the counts of the buckets and pairs for a row (rows longer than RCT_BUCKET_ROW are
   merge-sorted without buckets, in half their length). */
typedef struct rct_row_sort {
    long *bk;
    int *tk;
    double *tv;
    long n_minor;
} rct_row_sort;

/* The compressed rows while they are built: row r's entries are placed at ptr[r] .. next[r]; rows below
   `done` are finished: sorted, duplicates summed, zeros dropped, moved down to ptr[r] (rewritten) ..
   `out`. */
typedef struct rct_coo_rows {
    int by_col, fused; /* fused: the source's rows come in order, each finished once the next starts */
    long n, n_minor;
    long *ptr, *next;
    int *idx;
    double *val;
    long done, out;
    double minw;
    rct_row_sort rs;
    long lo, hi; /* only entries whose target is in lo .. hi-1 are placed */
} rct_coo_rows;

/* Checks one sparse entry (target, source, weight) of source row `row` (1-based) against n neurons (n 0:
   unknown yet; a rectangular matrix checks against its rows and columns); 0 or an error code, whose
   message names the file (for spec.weights_coo_file), the row and the column (1: target, 2: source, 3:
   weight). */
int rct_coo_check(rct_wload *L, const double *e, long row, long n);

/* What a pass over sparse weights does with a chunk of `count` entries (e: target, source, weight each),
   the first being row `first` (0-based) of the source; 0 or an error code. */
typedef int (*rct_coo_fn)(rct_wload *L, void *ctx, const double *e, size_t count, long first);

/* One pass over sparse weights, chunk by chunk (whole rows each). */
int rct_coo_pass(rct_wload *L, rct_coo_fn fn, void *ctx);

/* Whether index x is a whole number in [0, bound). */
static inline int rct_coo_index_ok(double x, double bound)
{
    return x >= 0 && x < bound && x == (double)(long)x;
}

/* Finishes the rows from R->done up to (not including) upto. */
void rct_coo_finish_rows(rct_coo_rows *R, long upto);

/* Faults in the pages of a buffer about to be written whole, in one call (else one fault per page). */
void rct_wload_prefault(void *p, size_t bytes);

#endif

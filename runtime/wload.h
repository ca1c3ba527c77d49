/*
 * wload.h -- the passes that turn a source of weights (wsource.h) into the buffers the kernel reads:
 * dense rows or columns, compressed rows (by target) or columns (by source), counting-sorted.
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_WLOAD_H
#define RCT_WLOAD_H

#include <math.h>

#include "network.h"
#include "wsource.h"

/* One load: the network (its n, type and error), the source, the pruning threshold and the progress
   callback (done and total count the elements of every pass); rows x cols the matrix's shape (targets x
   sources; 0 x 0: n x n) and `what` the name of the weights in messages (NULL: the --weights and
   --weights-coo options). */
typedef struct rct_wload {
    rectic_net *net;
    rct_wsrc *src;
    double minw;            /* |w| <= minw counts as 0 (minw < 0: keep all) */
    rectic_progress_fn fn;
    void *user;
    long done, total;
    double t0, scanned;     /* rct_now() at the start; when the first pass (read and check) ended */
    long rows, cols;
    const char *what;
} rct_wload;

/* Whether weight x is kept (nonzero and not pruned: |x| <= minw counts as 0; minw < 0 prunes none). */
static inline int rct_wload_kept(double x, double minw)
{
    return x != 0 && !(minw >= 0 && fabs(x) <= minw);
}

/* Counts k more elements done and asks the progress callback; RECTIC_ECANCEL when it says stop. */
int rct_wload_tick(rct_wload *L, size_t k);

/* Pass 1 over dense rows x cols weights: checks that every entry is finite and counts the kept ones per row
   (row_cnt, rows zeroed entries) and per column (col_cnt, cols; either may be NULL when not needed) and in
   all (*kept); *exact says whether the data already are what the kernel holds (no entry dropped, no negative
   zero). */
int rct_wload_dense_scan(rct_wload *L, long *row_cnt, long *col_cnt, long *kept, int *exact);

/* Pass 2 over dense weights, into any of: w (rows x cols row-major, the network's type), w_cols (the same
   by columns), and compressed rows (by_col 0) or columns (by_col 1) whose next free slots per row/column are
   next[] (the row/column starts; advanced), with indices idx and values val (the network's type). */
int rct_wload_dense_fill(rct_wload *L, void *w, void *w_cols, long *next, int *idx, void *val, int by_col);

/* Dense weights into compressed rows (by_col 0: by target, sources ascending) or columns (by_col 1) in one
   pass over the source, a block of lines at a time: checked (finite), then each kept entry appended to its
   row or column, written at a fixed capacity (n per row or column: 12 bytes per entry of the file, of which
   pages of small gaps may stay untouched) and moved together at the end, the buffers shrunk to the count.  Outputs
   (*ptr)[rows or cols + 1], (*idx)[*count] and (*val)[*count] in the network's type, allocated with
   rct_wload_alloc; the caller frees them. */
int rct_wload_dense_compressed(rct_wload *L, int by_col, long **ptr, int **idx, void **val, long *count);

/* Allocates buffers of weights (not zeroed), large ones aligned to and advised onto 2 MiB pages where the
   kernel grants them (fewer TLB misses: a product reads W every step, event coupling a column per spike).
   Freed with free(). */
void *rct_wload_alloc(size_t bytes);

/* Sparse weights (rows of target, source, weight) into compressed rows (by_col 0: by target, each row's
   sources ascending) or columns (by_col 1): two passes over the source, a counting sort by the major index,
   each row sorted locally by the minor index (stable), duplicates summed in the order of the source, then
   entries that are 0 or pruned dropped.  n: the number of neurons, or 0 (then one more than the largest
   index; only for a square matrix: with L->rows set, targets must be below rows, sources below cols, and
   *n becomes the count of the major index).  With a part of the targets asked of the source
   (rct_wsrc_open_part; a square matrix only) only entries whose target is in its block are kept (the others
   checked, not stored): src->lo .. src->hi-1 after the call.  A rectangular matrix (L->rows set) of a
   source opened with src->parts > 1 keeps the entries onto the targets src->lo .. src->hi-1 set by the
   caller.  A source whose major indices never go down
   is read once (checked while it streams: rows appended in place and each finished when the next starts);
   any other goes through the two passes (after the part read so far, when it turns out unsorted).
   Outputs *n, (*ptr)[n + 1], (*idx)[*count] and (*val)[*count]
   as double; the caller frees them. */
int rct_wload_coo(rct_wload *L, int by_col, long *n, long **ptr, int **idx, double **val, long *count);

/* Pass 1 of sparse weights over every entry of L's source (a square matrix): checks each (with
   rct_wload_coo's messages) and counts the entries onto each target into (*cnt)[0 .. *n-1] (zeroed beyond;
   freed by the caller); *n as rct_wload_coo's (given, or one more than the largest index).  The source is
   rewound.  0 or an error code. */
int rct_wload_coo_counts(rct_wload *L, long *n, long **cnt);

#endif

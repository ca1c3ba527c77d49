/*
 * wload_scatter.h -- sparse weights of a network partitioned across MPI ranks, read by rank 0 alone and
 * sent to the ranks in parts (spec.mpi_read RECTIC_MPI_READ_SCATTER; the other way, every rank streaming
 * the file, is wload.h's rct_wload_coo).
 *
 * Rank 0 reads the file twice: a pass that checks every entry and counts the entries onto each target
 * (which gives the number of neurons and the blocks, balanced or equal), then a pass that sends each rank
 * the entries onto its targets in file order, in messages of at most RCT_SCATTER_CHUNK entries (two
 * buffers per rank, one being sent while the other fills).  Each rank receives the counts of its targets
 * first, so that it places every entry straight into its row of compressed rows of the exact size; rows
 * are then finished as rct_wload_coo finishes them (sorted by source, stable; duplicates summed in file
 * order; zeros and pruned weights dropped), which gives the same bits as one process.  No rank other than
 * 0 opens the file, and none holds more than its own entries and the messages in flight.
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_WLOAD_SCATTER_H
#define RCT_WLOAD_SCATTER_H

#include "wload.h"

#define RCT_SCATTER_CHUNK 32768 /* entries of a message (16 bytes each: 512 KiB) */

/* As rct_wload_coo for a source in parts (L->src->parts > 1, a square matrix) with L->src->scatter set:
   rank 0's source is the file, the others' rct_wsrc_remote.  Collective over the ranks.  When it returns
   an error that every rank already learnt (the first pass's, or the failure of rank 0's opening, met here
   by the ranks that did not open the file), L->src->agreed is set and the caller must not agree on it again. */
int rct_wload_coo_scatter(rct_wload *L, int by_col, long *n, long **ptr, int **idx, double **val, long *count);

#endif

/*
 * mpi_rec.h -- a rank's recordings under MPI (runtime/mpi_rec.c; internal).
 *
 * On P > 1 ranks each rank records only the columns of the units it owns (its block lo .. hi-1 of the
 * population): the kernel's recorder is handed, for each recorded value, the list of those units (its
 * rectic_krec.idx, in the order of the one-process columns) and writes rows of that many columns, so a
 * rank's recordings take memory for its own columns only.  The output's running sums of a sampling mean
 * are kept the same way during a run.  Rank 0's buffers are the one-process size; after a run (and at a
 * checkpoint) rank 0 spreads its own columns into place and takes every other rank's, a block of rows at
 * a time: then it holds the one-process layout, and the other ranks hold only their columns (their
 * recordings are not for reading: rct_mpi_rec_partial).
 */
#ifndef RCT_MPI_REC_H
#define RCT_MPI_REC_H

#include "network.h"

/* After rct_obs_prepare of pop (a population of net, or net): on P > 1 ranks, points the n_recs entries
   recs[] (rectic_krec) at this rank's own columns and narrows the buffers of the ranks other than 0 to them;
   with whole_out the output (entry 0) stays whole on every rank (the online readout, rls.c, reads it there
   after taking the other ranks' columns).  Nothing on one rank.  0 or a code with net->err. */
int rct_mpi_rec_own(rectic_net *net, rectic_net *pop, void *recs, int n_recs, int whole_out);
/* The running sums of the output that the kernel of pop adds to (rectic_kctx.acc): this rank's columns
   (after rct_mpi_rec_own), or pop->mean_acc; *count: how many. */
double *rct_mpi_rec_acc(rectic_net *pop, long *count);
/* Rank 0 takes every rank's recorded columns of the first `rows` rows (-1: none, at a checkpoint) and
   output sums of pop into one process's layout; every rank puts its own sums back into pop->mean_acc.
   Nothing without rct_mpi_rec_own.  Collective.  0 or a code with net->err. */
int rct_mpi_rec_gather(rectic_net *net, rectic_net *pop, long rows);
/* Does this rank hold only its own columns of pop's recordings (a rank other than 0 after a partitioned
   run; a network of populations: of any population's)? */
int rct_mpi_rec_partial(const rectic_net *pop);
/* Values per recorded row this rank holds of pop (its own columns; one process's width without MPI). */
long rct_mpi_rec_values(const rectic_net *pop);
/* Frees what rct_mpi_rec_own made (with the recordings: rct_obs_clear). */
void rct_mpi_rec_free(rectic_net *pop);

#endif

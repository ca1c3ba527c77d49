/*
 * mpi_net.h -- a network partitioned across MPI ranks (runtime/mpi_net.c; internal).
 */
#ifndef RCT_MPI_NET_H
#define RCT_MPI_NET_H

#include "network.h"

/* This rank's units lo .. hi-1 of pop (a population of net, or net): its block, or 0 .. n without MPI (mpi_part.c). */
void rct_mpi_net_range(const rectic_net *net, const rectic_net *pop, long *lo, long *hi);
/* Rank r's units lo .. hi-1 of pop (mpi_part.c): as rct_mpi_net_range for rank r. */
void rct_mpi_part_block(const rectic_net *net, const rectic_net *pop, int r, long *lo, long *hi);
/* Every rank's first unit of pop and the end (P + 1 values, from rct_mpi_part_block), allocated (the
   caller frees it), or NULL with net->err. */
long *rct_mpi_part_bounds(rectic_net *net, const rectic_net *pop);
/* Whether net (or a population of it) is split in blocks balanced by incoming synapses (mpi_part.c), not
   in equal blocks. */
int rct_mpi_net_balanced(const rectic_net *net);
/* The k-th group of units split in blocks: population k of a network of populations (its name in *name),
   or net itself for k 0 of one template (*name NULL); NULL past the last (mpi_part.c). */
const rectic_net *rct_mpi_net_unit_group(const rectic_net *net, int k, const char **name);
/* Refuses what a partitioned run cannot do (recordings streamed to disk); 0 or a code with net->err. */
int rct_mpi_net_check(rectic_net *net);
/* After a run of `rows` recorded rows (-1: at a checkpoint, no recordings): rank 0 takes the other ranks'
   recorded columns, sampling sums and coupling sums of pop (a population of net, or net).  Collective. */
int rct_mpi_gather_pop(rectic_net *net, rectic_net *pop, long rows);
/* Every rank takes the other ranks' columns of rows 0 .. rows-1 of buf (width columns: column j holds unit
   idx[j] of pop, or unit j when idx is NULL), so that all hold the same rows (the features of the online
   readout, rls.c); the bytes that came from the others are added to *received.  An exchange between
   steps (counted in rct_mpi_comm_bytes too).  Collective. */
int rct_mpi_share_columns(rectic_net *net, const rectic_net *pop, double *buf, long rows, long width, const long *idx,
                          double *received);
/* Rank 0 takes the other ranks' parts of the n values of pop at tmp (an event-driven projection's sums onto
   its target pop).  Collective. */
int rct_mpi_gather_tmp(rectic_net *net, const rectic_net *pop, void *tmp);
/* Keeps only the incoming weights of this rank's units (mpi_part.c); 0 or a code with net->err. */
int rct_mpi_keep_own_weights(rectic_net *net);
/* Bytes of weights this rank holds (after rct_mpi_keep_own_weights: of its own units only). */
double rct_mpi_weight_bytes(const rectic_net *net);
/* *any = whether any rank wants to stop (cancellation at a block's end: every rank stops at the same step). */
int rct_mpi_agree_stop(rectic_net *net, int stop, int *any);

#endif

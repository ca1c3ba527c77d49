/*
 * mpi_xchg.h -- what crosses between MPI ranks during a partitioned run (runtime/mpi_xchg.c; internal).
 *
 * Each rank computes only its own units lo .. hi-1 in every pass.  What other ranks read crosses:
 *   - after every step, the entries of the state variables that projections without delay read and that
 *     another rank's rows reference (sparse: the columns of its rows; dense, scalar: all), one
 *     MPI_Alltoallv for all of them;
 *   - the delay rings' entries the same way, every D_min steps (the smallest delay) for the D_min steps
 *     since the last (a value stored at step s is read at step s + D >= s + D_min);
 *   - within a step, through the kernel's callbacks (rectic_kctx.mpi_values, mpi_spikes): the algebraic
 *     values a projection reads, a reduction's terms (combined in neuron order on every rank: one
 *     process's bits) and the spike indices of the step (MPI_Allgatherv, rank order = neuron order; the
 *     units alone, 4 bytes each where they fit in an int: the step is the step being computed);
 *   - at the end of every block of steps, one flag (MPI max): whether a rank's own units' state is not
 *     finite; only then (the block replayed step by step) and at checkpoints and a run's end, the whole
 *     state and rings, so that the replay's report, checkpoints and the next run see one process's arrays
 *     on every rank.
 */
#ifndef RCT_MPI_XCHG_H
#define RCT_MPI_XCHG_H

#include "network.h"

/* Builds the run's exchange (which entries go to which rank: collective) and hands the kernel contexts
   `ctx` (rectic_kctx, one per population or the network's one) their callbacks.  Nothing on one rank.
   0 or a code with net->err. */
int rct_mpi_run_start(rectic_net *net, void *ctx);
/* After step `step` (the step just done): the entries other ranks read next (and the rings' every D_min
   steps); reports a failure of the kernel's callbacks in that step. */
int rct_mpi_after_step(rectic_net *net, long step);
/* Every rank's part of the state and of the delay rings on all ranks (the end of a block of steps). */
int rct_mpi_sync(rectic_net *net);
/* *finite = whether the state of net (or of every population of it) is finite on every rank: each rank
   checks its own units, the ranks agree with one MPI max (without a partitioned run: the whole state).
   Collective; 0 or a code with net->err. */
int rct_mpi_state_finite(rectic_net *net, int *finite);
/* Frees the run's exchange. */
void rct_mpi_run_end(rectic_net *net);

#endif

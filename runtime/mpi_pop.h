/*
 * mpi_pop.h -- the blocks of units each MPI rank owns in a network of populations (runtime/mpi_pop.c;
 * internal).
 *
 * Made with spec.mpi, a network of populations is split before its weights load: every population in P
 * contiguous blocks, of equal sizes (RECTIC_MPI_PARTITION_UNITS: rct_mpi_block) or of about equal cost
 * (SYNAPSES; AUTO for a population with COO weights onto it): a unit costs its incoming synapses over all
 * projections onto its population plus one; a COO entry is a synapse, a dense row counts all its sources
 * (the cost of its row in a dense product; the values of a dense file are not read for it), a scalar
 * projection nothing (one sum for all its targets).  The blocks become the population's mpi_bounds, which
 * mpi_net.h's rct_mpi_part_block, the kernel contexts, the exchanges and the weights' loading follow.
 */
#ifndef RCT_MPI_POP_H
#define RCT_MPI_POP_H

#include "netspec.h"
#include "network.h"

/* Splits the populations of net (built from ns, before its projections' weights) for partition
   (RECTIC_MPI_PARTITION_*); COO files onto a population balanced by cost are streamed whole once to count
   their entries per target (their entries checked when the netspec left that to the build; the values read
   added to net->w_read).  Collective over the ranks (nothing happens with one rank): a failure on any rank is
   every rank's.  0 or an error code. */
int rct_mpi_pop_partition(rectic_net *net, const rectic_netspec *ns, int partition);

/* Bounds b[0 .. parts] of `parts` contiguous blocks of n units of about equal cost (cost[i] >= 1 whole
   numbers): block r ends before the first unit whose middle lies beyond r/parts of the total cost; with
   equal costs the blocks are rct_mpi_block's. */
void rct_mpi_balance(const double *cost, long n, int parts, long *b);

#endif

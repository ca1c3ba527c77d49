/*
 * wpart.h -- what a rank of a partitioned network reads of the weights (runtime/wpart.c; internal).
 *
 * A network made with spec.mpi is partitioned before its weights load: each rank reads only the part of
 * the weight file that holds the incoming weights of its own units (runtime/wsource.h's parts), and the
 * ranks agree on what needs the whole (the count of weights that picks the strategy) and on failures.
 */
#ifndef RCT_WPART_H
#define RCT_WPART_H

#include "network.h"
#include "wsource.h"

/* The parts the weights of net (one template) load in: the number of ranks, and this rank's index in
   *part; 1 (and 0) without MPI. */
int rct_wpart_parts(const rectic_net *net, int *part);
/* After a rank's part of the weights was loaded (rc its status): with parts > 1, every rank learns every
   other's status and *count (when count is not NULL) becomes the sum of all ranks' counts, added in rank
   order; when any rank failed, every rank fails with the code and message of the first that did (so that
   no rank waits for one that stopped).  Collective over the ranks when parts > 1 (every rank calls it once
   per load); returns rc otherwise. */
int rct_wpart_agree(rectic_net *net, int rc, int parts, long *count);
/* As rct_wpart_agree, where a failure is `at` a place of its file (a byte): every rank fails with the message
   of the failure at the earliest place (of the first such rank among equals). */
int rct_wpart_agree_at(rectic_net *net, int rc, int parts, long *count, double at);
/* Takes the bounds of a partition balanced by synapses that the load of s found (wload.h's rct_wload_coo)
   as net's: rct_mpi_net_range, and through it loading, the kernel contexts and the exchanges, then
   follow them.  0 or an error code. */
int rct_wpart_keep(rectic_net *net, rct_wsrc *s);

/* bounds[0 .. parts]: contiguous parts of n targets of about equal cost, a target's cost being its entries
   cnt[i] plus one: part r is bounds[r] .. bounds[r+1]-1, bounds[0] 0 and bounds[parts] n; each bound is
   the first target whose cost would take its part's running sum past the part's share of the total.
   The sums are exact (whole numbers below 2^53): every rank computes the same bounds. */
void rct_wpart_balance(const long *cnt, long n, int parts, long *bounds);

#endif

/*
 * popload.h -- a projection's weights in a network of populations (runtime/popload.c; internal): the
 * strategy its kernel reads them with, and its weights file loaded straight into that layout, whole or,
 * under MPI (spec.mpi), only the part onto this rank's targets: their rows of dense weights (the other rows'
 * bytes not read, or CSV rows not parsed) and their entries of COO weights (streamed, the others checked and
 * dropped), the ranks agreeing on the strategy and on failures.
 */
#ifndef RCT_POPLOAD_H
#define RCT_POPLOAD_H

#include "netspec.h"
#include "popnet.h"

/* Allocates count values of the network's type (zeroed; at least one). */
void *rct_pn_alloc(const rectic_net *net, long count);
/* The strategy of a matrix projection: forced by `want`, or chosen from its size and density. */
int rct_pn_choose_mode(int want, long n_src, long nonzero, long n_tgt);
/* Can projection j be event-driven: no delay, a spiking source obeying s' = -s/tau + c*spike?  If not,
   why says so. */
int rct_pn_event_ok(const rectic_net *net, const rct_proj *j, char *why, size_t size);
/* Projection k of ns (its weights in a file) into j's layout for strategy `want`: the whole file, or with
   net->mpi on several ranks this rank's targets' part (j->own_rows says whether only that part is held);
   values read are added to net->w_read.  Collective over the ranks under MPI (every rank calls it for the
   same projections): any rank's failure is every rank's, in its words.  0 or an error code. */
int rct_pn_load_file(rectic_net *net, const rectic_netspec *ns, int k, int want, rct_proj *j);

#endif

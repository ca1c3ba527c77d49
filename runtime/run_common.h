/*
 * run_common.h -- what the backends' runs share (run_common.c; internal).
 */
#ifndef RCT_RUN_COMMON_H
#define RCT_RUN_COMMON_H

#include "popnet.h"

/* Makes sure a spike buffer (*spikes, *n_spikes pairs of *cap_spikes) has room for one more step of net's
   neurons: moves its pairs to the spill file when net->max_memory says so, else grows it. */
int rct_grow_spikes(rectic_net *net, long **spikes, long *n_spikes, long *cap_spikes);
/* Is every state value of net finite?  If not, rct_report_nonfinite names the first bad one, after step
   `step`, as net's error. */
int rct_state_finite(const rectic_net *net);
/* Are the state values of net's units lo .. hi-1 finite (every variable)? */
int rct_state_finite_range(const rectic_net *net, long lo, long hi);
int rct_report_nonfinite(rectic_net *net, long step);

/* Prepares population p's recordings of a run of `steps` steps (the network's sampling; streaming to disk is
   refused): *recs gets what its recorder writes (rectic_krec, n_recs of them; entry 0 the output, which
   only one population has), to be freed by the caller. */
int rct_pn_prepare_recordings(rectic_net *net, int p, long steps, void **recs, int *n_recs);
/* Takes population p's error as the network's, naming the population; returns its code. */
int rct_pn_take_error(rectic_net *net, int p);
/* Bytes of projection j's ring of delayed source values (0 without delay). */
size_t rct_pn_ring_bytes(const rectic_net *net, const rct_proj *j);

#endif

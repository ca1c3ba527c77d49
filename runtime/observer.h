/*
 * observer.h -- recordings of a run: which values are recorded, at which steps, into which buffers.
 */
#ifndef RCT_OBSERVER_H
#define RCT_OBSERVER_H

#include "network.h"

/* Number of rows a run of `steps` steps records (steps n >= cutoff with n % every == 0). */
long rct_obs_rows(long steps, long every, long cutoff);
/* Frees the last run's recordings and allocates those of a run of `steps` steps; fills recs (one per
   recorded value, entry 0 = out; `in_col` is the input's neuron stride).  *n_recs receives the count.
   Recordings larger than net->max_memory get buffers of net->chunk_rows rows and spill files. */
int rct_obs_prepare(rectic_net *net, long steps, long in_col, void **recs, int *n_recs);
/* The step number of recorded row `row`. */
long rct_obs_row_step(const rectic_net *net, long row);
/* Frees the recordings. */
void rct_obs_clear(rectic_net *net);

#endif

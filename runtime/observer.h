/*
 * observer.h -- recordings of a run: which values are recorded, at which steps, into which buffers.
 */
#ifndef RCT_OBSERVER_H
#define RCT_OBSERVER_H

#include "network.h"

/* Number of rows a run of `steps` steps records (steps n >= cutoff with n % every == 0). */
long rct_obs_rows(long steps, long every, long cutoff);
/* The same for the steps first .. first + steps - 1. */
long rct_obs_rows_from(long first, long steps, long every, long cutoff);
/* The rows of `steps` steps of net from the step its last run began at (net->run_first). */
long rct_obs_run_rows(const rectic_net *net, long steps);
/* Frees the last run's recordings and allocates those of a run of `steps` steps; fills recs (one per
   recorded value, entry 0 = out; `in_col` is the input's neuron stride).  *n_recs receives the count.
   Recordings larger than net->max_memory get buffers of net->chunk_rows rows and spill files. */
int rct_obs_prepare(rectic_net *net, long steps, long in_col, void **recs, int *n_recs);
/* The same, streaming in chunks of stream_chunk rows when it is > 0 (a network of populations, whose
   populations stream together), or as net->max_memory decides. */
int rct_obs_prepare_chunked(rectic_net *net, long steps, long in_col, long stream_chunk, void **recs, int *n_recs);
/* Streaming: the steps from `step` on (rec_row rows of the chunk written) that fill net's chunk. */
long rct_obs_chunk_steps(const rectic_net *net, long step, long rec_row);
/* Values one recorded row of net holds, all recordings (an empty output left out). */
long rct_obs_row_values(const rectic_net *net);
/* The step number (the step counter's) of recorded row `row` of the last run. */
long rct_obs_row_step(const rectic_net *net, long row);
/* Frees the recordings. */
void rct_obs_clear(rectic_net *net);
/* Before the spike buffer (cap pairs, *n_spikes used) doubles: when the doubled buffer would not fit in
   --max-memory beside the recordings, moves its pairs to the spike spill file and sets *n_spikes to 0. */
int rct_obs_spike_room(rectic_net *net, long *n_spikes, long cap);
/* Replaying a block: puts the spike spill back to `spilled` pairs plus the *n_spikes pairs the buffer held
   at the block's start (then all in the file: *n_spikes becomes 0); nothing when no spike was spilled since. */
int rct_obs_unspill_spikes(rectic_net *net, long spilled, long *n_spikes);

#endif

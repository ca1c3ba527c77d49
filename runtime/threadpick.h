/*
 * threadpick.h -- threads that help: the steps of a block run on one thread or on all those asked for,
 * whichever has been measured faster, the other setting probed now and then (cpu_run.c for a single network,
 * poprun.c for a network of populations).
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_THREADPICK_H
#define RCT_THREADPICK_H

#include "network.h"

/* Runs steps from..to-1 of the current block on all the threads (many) or on one; returns the steps done
   (fewer only on an error, set in *rc). */
typedef long (*rct_steps_fn)(void *user, long from, long to, int many, int *rc);

/* Runs the `block` steps of a block through fn on the setting (one thread or all) whose running mean time
   per step is lower (net->thread_step, from whole blocks and probes, kept across runs).  The other setting
   is probed with a few steps now and then: at first in every block, then, while it keeps losing, in every
   2nd, 4th ... 64th block (net->probe_gap), so that a setting that does not pay costs next to nothing.
   Returns the steps done.  The caller makes sure that threads matter (else it runs on one). */
long rct_threads_block(rectic_net *net, rct_steps_fn fn, void *user, long block, int *rc);

#endif

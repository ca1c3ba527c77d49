/*
 * threadpick.c -- the choice, block by block, between one thread and all of them (threadpick.h).  A run on
 * more than one thread measures a few steps on one thread against as many on all of them and runs the rest
 * of the block on the faster: where a second thread does not pay (a machine whose cores are busy, a step
 * too small to share) the run goes on on one.  The results are the same bits either way.
 */
#include "threadpick.h"

#define PROBE_S 0.004     /* seconds a probe aims at */
#define THREADS_GAIN 0.98 /* all the threads are used when their steps take at most this much of one's */

/* Takes a measured time per step into net->thread_step[many] (a running mean, the newest counting half). */
static void note_step_time(rectic_net *net, int many, double per_step)
{
    double *t = &net->thread_step[many];
    *t = *t > 0 ? 0.5 * *t + 0.5 * per_step : per_step;
}

/* Runs steps from..to-1 through fn on one thread or all (many), noting their time per step. */
static long run_timed(rectic_net *net, rct_steps_fn fn, void *user, long from, long to, int many, int *rc)
{
    double t0 = rct_now();
    long d = fn(user, from, to, many, rc);
    if (d > 0)
        note_step_time(net, many, (rct_now() - t0) / (double)d);
    return d;
}

/* Is the setting of all threads the faster one, by what was measured so far? */
static int many_wins(const rectic_net *net)
{
    const double *t = net->thread_step;
    return t[1] > 0 && t[0] > 0 && t[1] <= THREADS_GAIN * t[0];
}

long rct_threads_block(rectic_net *net, rct_steps_fn fn, void *user, long block, int *rc)
{
    const double *t = net->thread_step;
    double known = t[0] > 0 ? t[0] : t[1];
    long probe = known > 0 ? (long)(PROBE_S / known) : 1, k = 0;
    probe = probe < 1 ? 1 : probe > block / 8 ? (block / 8 > 0 ? block / 8 : 1) : probe;
    int many = many_wins(net);
    for (int s = 0; s < 2; s++) { /* a setting never measured yet, or the other one when its turn has come */
        int unknown = t[s] <= 0, other = s != many && --net->probe_wait <= 0;
        if (!unknown && !other)
            continue;
        long d = run_timed(net, fn, user, k, k + probe, s, rc);
        k += d;
        if (d < probe) /* stopped early: an error */
            return k;
        int won = many_wins(net) == s;
        net->probe_gap = won || net->probe_gap < 1 ? 1 : net->probe_gap < 64 ? 2 * net->probe_gap : 64;
        net->probe_wait = net->probe_gap;
    }
    return k + run_timed(net, fn, user, k, block, many_wins(net), rc);
}

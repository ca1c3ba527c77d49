/*
 * run_common.c -- what the backends' runs share: the numerical guard's check of the state, the spike
 * buffer's growth, and a network of populations' recordings, delay rings and errors per population.
 */
#include "run_common.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "layers.h"
#include "observer.h"
#include "rls.h"

int rct_grow_spikes(rectic_net *net, long **spikes, long *n_spikes, long *cap_spikes)
{
    rct_subset_filter_spikes(net, *spikes, n_spikes); /* --record-spikes SUBSET: only those are kept */
    long need = *n_spikes + net->n;
    if (need <= *cap_spikes)
        return 0;
    int rc = rct_obs_spike_room(net, n_spikes, *cap_spikes); /* may move the spikes to disk */
    if (rc || (need = *n_spikes + net->n) <= *cap_spikes)
        return rc;
    long cap = *cap_spikes ? *cap_spikes : 1024;
    while (cap < need)
        cap *= 2;
    if ((size_t)cap > SIZE_MAX / (2 * sizeof(long)))
        return rct_oom(&net->err);
    long *s = realloc(*spikes, (size_t)cap * 2 * sizeof(long));
    if (!s)
        return rct_oom(&net->err);
    *spikes = s;
    *cap_spikes = cap;
    net->spikes = s;
    return 0;
}

int rct_state_finite(const rectic_net *net)
{
    return rct_state_finite_range(net, 0, net->n);
}

int rct_state_finite_range(const rectic_net *net, long lo, long hi)
{
    for (int s = 0; s < net->model->n_state; s++) {
        size_t at = (size_t)s * (size_t)net->n;
        if (net->f32) {
            const float *y = (const float *)net->y + at;
            for (long i = lo; i < hi; i++)
                if (!isfinite(y[i]))
                    return 0;
        } else {
            const double *y = (const double *)net->y + at;
            for (long i = lo; i < hi; i++)
                if (!isfinite(y[i]))
                    return 0;
        }
    }
    return 1;
}

int rct_report_nonfinite(rectic_net *net, long step)
{
    const rct_model *m = net->model;
    for (int s = 0; s < m->n_state; s++)
        for (long i = 0; i < net->n; i++) {
            long k = (long)s * net->n + i;
            double x = net->f32 ? (double)((const float *)net->y)[k] : ((const double *)net->y)[k];
            if (!isfinite(x)) {
                const rct_var *v = &m->vars[m->state_var[s]];
                return rct_errf(&net->err, RECTIC_ENUMERIC,
                                "the state became %s at step %ld (t = %g): neuron %ld, variable %s/%s; the recordings "
                                "hold the steps before it (rectic_net_check_finite(net, 0) carries NaN on, as RectiPy)",
                                isnan(x) ? "NaN" : "infinite", step, (double)step * net->dt, i, v->op, v->name);
            }
        }
    return 0;
}

/* Bytes of projection j's ring. */
size_t rct_pn_ring_bytes(const rectic_net *net, const rct_proj *j)
{
    return j->ring ? (size_t)(j->delay + 1) * (size_t)net->pn->pops[j->src]->n * rct_rsize(net) : 0;
}

/* The rows every population holds in memory when the recordings of all of them together exceed the
   memory limit and stream to disk (the same for all: they record the same steps), or 0. */
static long stream_chunk(const rectic_net *net, long steps)
{
    const rct_popnet *pn = net->pn;
    double row_bytes = 0, rows = (double)rct_obs_run_rows(net, steps);
    for (int p = 0; p < pn->n_pops; p++)
        row_bytes += (double)rct_obs_row_values(pn->pops[p]) * (double)sizeof(double);
    if (row_bytes * rows <= (double)net->max_memory)
        return 0;
    long chunk = (long)((double)net->max_memory / row_bytes);
    return chunk > 0 ? chunk : 1;
}

int rct_pn_prepare_recordings(rectic_net *net, int p, long steps, void **recs, int *n_recs)
{
    rct_popnet *pn = net->pn;
    rectic_net *pop = pn->pops[p];
    pop->sample_every = net->sample_every;
    pop->cutoff = net->cutoff;
    pop->sample_mode = net->sample_mode;
    pop->max_memory = net->max_memory;
    pop->run_first = net->run_first; /* the step counter goes on: rows, spikes and sampling count from it */
    long m = rct_layers_input_cols(net, p); /* an input layer: the kernel reads n projected values a step */
    long cols = pn->in_data[p] ? (m ? pop->n : pn->in_cols[p]) : 0;
    cols = rct_online_feeds(net, p) ? pop->n : cols; /* FORCE feedback (rls.c): n values a step */
    long in_col = cols == pop->n && pop->n > 1 ? 1 : 0;
    *recs = NULL;
    *n_recs = 0;
    if (rct_obs_prepare_chunked(pop, steps, in_col, stream_chunk(net, steps), recs, n_recs))
        return rct_pn_take_error(net, p);
    return 0;
}

int rct_pn_take_error(rectic_net *net, int p)
{
    const rectic_net *pop = net->pn->pops[p];
    return rct_errf(&net->err, pop->err.code ? pop->err.code : RECTIC_EINVAL, "population %s: %s", net->pn->names[p],
                    pop->err.msg);
}

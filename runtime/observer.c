/*
 * observer.c -- sizes and allocates a run's recordings and hands them out through the public API.
 */
#include "observer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_abi.h"

RCT_KCTX_DEF(void)

long rct_obs_rows(long steps, long every, long cutoff)
{
    if (steps <= cutoff)
        return 0;
    long first = (cutoff + every - 1) / every * every; /* first multiple of every >= cutoff */
    return first >= steps ? 0 : (steps - 1 - first) / every + 1;
}

void rct_obs_clear(rectic_net *net)
{
    for (int k = 0; k < net->n_rec_data; k++)
        free(net->rec_data[k]);
    free(net->rec_data);
    net->rec_data = NULL;
    net->n_rec_data = 0;
    free(net->rec_steps);
    net->rec_steps = NULL;
    net->rec_rows = 0;
    free(net->spikes);
    net->spikes = NULL;
    net->n_spikes = 0;
}

/* Describes where variable v's values live for the kernel's recorder. */
static void describe(const rectic_net *net, int v, long in_col, rectic_krec *r)
{
    const rct_var *var = &net->model->vars[v];
    r->slot = var->slot;
    r->stride = 1;
    r->phase = 0;
    switch (var->kind) {
    case RCT_VK_STATE: r->where = RCT_REC_STATE; break;
    case RCT_VK_ALG: r->where = RCT_REC_ALG; r->phase = 1; break;
    case RCT_VK_COUPLING: r->where = RCT_REC_COUP; r->phase = 1; break;
    case RCT_VK_INPUT: r->where = RCT_REC_INPUT; r->stride = in_col; break;
    default: /* parameters (a spike input is refused by rectic_net_record) */
        r->where = RCT_REC_PARAM;
        r->stride = net->param_vector[var->slot] ? 1 : 0;
        break;
    }
}

int rct_obs_prepare(rectic_net *net, long steps, long in_col, void **recs, int *n_recs)
{
    rct_obs_clear(net);
    long rows = rct_obs_rows(steps, net->sample_every, net->cutoff);
    int count = 1 + net->n_rec_vars;
    long n = net->n;
    if (rows > 0 && (size_t)rows > SIZE_MAX / sizeof(double) / (size_t)n / (size_t)count)
        return rct_errf(&net->err, RECTIC_ENOMEM, "recordings of %ld rows x %ld neurons x %d values do not fit in memory",
                        rows, n, count);
    rectic_krec *r = calloc((size_t)count, sizeof *r);
    net->rec_data = calloc((size_t)count, sizeof *net->rec_data);
    net->rec_steps = calloc((size_t)rows + 1, sizeof *net->rec_steps);
    if (!r || !net->rec_data || !net->rec_steps) {
        free(r);
        return rct_oom(&net->err);
    }
    net->n_rec_data = count;
    for (int k = 0; k < count; k++) {
        net->rec_data[k] = calloc((size_t)(rows * n) + 1, sizeof(double));
        if (!net->rec_data[k]) {
            free(r);
            return rct_errf(&net->err, RECTIC_ENOMEM, "recordings of %ld rows x %ld neurons x %d values do not fit in "
                                                      "memory (%.1f MiB)", rows, n, count,
                            (double)rows * (double)n * count * 8.0 / 1048576.0);
        }
        describe(net, k == 0 ? net->model->output : net->rec_vars[k - 1], in_col, &r[k]);
    }
    long first = (net->cutoff + net->sample_every - 1) / net->sample_every * net->sample_every;
    for (long i = 0; i < rows; i++)
        net->rec_steps[i] = first + i * net->sample_every;
    net->rec_rows = rows;
    *recs = r;
    *n_recs = count;
    return 0;
}

int rectic_net_recording(rectic_net *net, const char *name, long *rows, long *cols, const double **data)
{
    int k = -1;
    if (name && strcmp(name, "out") == 0 && net->n_rec_data > 0)
        k = 0;
    for (int i = 0; k < 0 && name && i < net->n_rec_vars && i + 1 < net->n_rec_data; i++)
        if (strcmp(net->rec_names[i], name) == 0)
            k = i + 1;
    if (k < 0) {
        /* also accept another spelling of a recorded variable */
        rct_err quiet;
        int v = name ? rct_model_find(net->model, name, NULL, "recording", &quiet) : -1;
        for (int i = 0; v >= 0 && k < 0 && i < net->n_rec_vars && i + 1 < net->n_rec_data; i++)
            if (net->rec_vars[i] == v)
                k = i + 1;
    }
    if (k < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "no recording named '%s' (record it with rectic_net_record before "
                                                  "the run; \"out\" is the output)", name ? name : "(null)");
    *rows = net->steps_done == 0 ? 0 : rct_obs_rows(net->steps_done, net->sample_every, net->cutoff);
    *cols = net->n;
    *data = net->rec_data[k];
    net->err.code = 0;
    return 0;
}

int rectic_net_recorded_steps(rectic_net *net, long *rows, const long **steps)
{
    *rows = rct_obs_rows(net->steps_done, net->sample_every, net->cutoff);
    *steps = net->rec_steps;
    return 0;
}

int rectic_net_spikes(rectic_net *net, long *count, const long **pairs)
{
    *count = net->n_spikes;
    *pairs = net->spikes;
    return 0;
}

long rectic_net_steps_done(const rectic_net *net)
{
    return net->steps_done;
}

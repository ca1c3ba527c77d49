/*
 * subset.c -- recording subsets of neurons (Brian2's record=indices): a recorded variable or the output
 * kept for chosen neurons only (the kernel's recorder copies idx[0..count-1], rectic_krec), and spikes kept
 * of chosen neurons only (filtered out of the spike buffer between kernel calls, so that the kernel, and
 * event-driven coupling which reads a step's spikes, see them all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network.h"
#include "popnet.h"
#include "record.h"

/* Checks indices (count of them; each in 0..n-1, distinct) and copies them into *sub; indices NULL: every
   neuron.  what names the call in messages. */
static int make_subset(rectic_net *net, long n, const long *indices, long count, const char *what, rct_subset *sub)
{
    *sub = (rct_subset){NULL, 0};
    if (!indices)
        return count == 0 ? 0 : rct_errf(&net->err, RECTIC_EINVAL, "%s: %ld indices but no array of them", what, count);
    if (count < 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: an empty subset (give at least one neuron)", what);
    unsigned char *seen = calloc((size_t)n + 1, 1);
    long *idx = malloc(sizeof(long) * (size_t)count);
    if (!seen || !idx) {
        free(seen);
        free(idx);
        return rct_oom(&net->err);
    }
    int rc = 0;
    for (long j = 0; j < count && !rc; j++) {
        long i = indices[j];
        if (i < 0 || i >= n)
            rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: index %ld (entry %ld) is out of range: the neurons are 0 .. %ld",
                          what, i, j, n - 1);
        else if (seen[i])
            rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: neuron %ld is listed twice (entry %ld)", what, i, j);
        else
            seen[i] = 1, idx[j] = i;
    }
    free(seen);
    if (rc) {
        free(idx);
        return rc;
    }
    sub->idx = idx;
    sub->count = count;
    return 0;
}

long rct_obs_width(const rectic_net *net, int k)
{
    const rct_subset *s = k == 0 ? &net->out_sub : net->rec_sub ? &net->rec_sub[k - 1] : NULL;
    return s && s->idx ? s->count : net->n;
}

void rct_subset_filter_spikes(rectic_net *net, long *spikes, long *n_spikes)
{
    if (net->spikes_checked > *n_spikes) /* the buffer went back (a block replayed, pairs moved to disk) */
        net->spikes_checked = *n_spikes;
    if (!net->spike_mask) {
        net->spikes_checked = *n_spikes;
        return;
    }
    long keep = net->spikes_checked;
    for (long k = net->spikes_checked; k < *n_spikes; k++)
        if (net->spike_mask[spikes[2 * k + 1]]) {
            spikes[2 * keep] = spikes[2 * k];
            spikes[2 * keep + 1] = spikes[2 * k + 1];
            keep++;
        }
    *n_spikes = keep;
    net->spikes_checked = keep;
}

int rct_subset_any(const rectic_net *net)
{
    if (net->out_sub.idx || net->spike_mask)
        return 1;
    for (int k = 0; k < net->n_rec_vars; k++)
        if (net->rec_sub && net->rec_sub[k].idx)
            return 1;
    for (int p = 0; net->pn && p < net->pn->n_pops; p++)
        if (rct_subset_any(net->pn->pops[p]))
            return 1;
    return 0;
}

void rct_subset_free(rectic_net *net)
{
    for (int k = 0; net->rec_sub && k < net->n_rec_vars; k++)
        free(net->rec_sub[k].idx);
    free(net->rec_sub);
    net->rec_sub = NULL;
    free(net->out_sub.idx);
    net->out_sub = (rct_subset){NULL, 0};
    free(net->spike_mask);
    net->spike_mask = NULL;
}

/* The network (one template) or population that `name` (a path for a network of populations) records from;
   *var the variable's name there.  NULL with net's error filled. */
static rectic_net *recorder_of(rectic_net *net, const char *name, const char *what, const char **var, int *pop)
{
    *var = name;
    *pop = -1;
    if (!net->pn)
        return net;
    int p = rct_pn_split(net, name, what, var);
    *pop = p;
    return p < 0 ? NULL : net->pn->pops[p];
}

int rectic_net_record_subset(rectic_net *net, const char *name, const char *key, const long *indices, long count)
{
    if (!net)
        return RECTIC_EINVAL;
    char what[400];
    snprintf(what, sizeof what, "record %s%s%s", key ? key : "", key ? "=" : "", name ? name : "(null)");
    if (!name || !*name)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: no variable named", what);
    const char *var;
    int p;
    rectic_net *owner = recorder_of(net, name, what, &var, &p);
    if (!owner)
        return net->err.code;
    int to_out = key ? strcmp(key, "out") == 0 : !net->pn && strcmp(name, "out") == 0;
    if (!net->pn && to_out && strcmp(name, "out") != 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: the output of a network of one template is its output variable; "
                                                  "record a subset of it under the name \"out\"", what);
    if (!net->pn && key && !to_out && !rct_valid_key(key))
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: the key '%s' must be letters, digits, '_', '.' or '-'", what, key);
    rct_subset sub;
    int rc = make_subset(net, owner->n, indices, count, what, &sub);
    if (rc)
        return rc;
    if (net->pn)
        rc = rectic_net_record_as(net, name, key);
    else if (!to_out)
        rc = rct_net_record_key(net, name, key);
    if (rc) {
        free(sub.idx);
        return rc;
    }
    rct_subset *into = to_out ? &owner->out_sub : &owner->rec_sub[owner->n_rec_vars - 1];
    free(into->idx);
    *into = sub;
    net->err.code = 0;
    return 0;
}

int rectic_net_record_spikes(rectic_net *net, const char *pop, const long *indices, long count)
{
    if (!net)
        return RECTIC_EINVAL;
    char what[300];
    snprintf(what, sizeof what, "record spikes%s%s", pop && *pop ? " of " : "", pop && *pop ? pop : "");
    rectic_net *owner = net;
    if (net->pn) {
        int p = pop ? rct_pn_find(net->pn, pop, strlen(pop)) : -1;
        if (p < 0)
            return rct_errf(&net->err, RECTIC_EINVAL, "%s: unknown population '%s'", what, pop ? pop : "(null)");
        owner = net->pn->pops[p];
    } else if (pop && *pop) {
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: a network of one template has one population, \"\"", what);
    }
    if (owner->model && owner->model->spike_def < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: the network does not spike (no spike variable)", what);
    rct_subset sub;
    int rc = make_subset(net, owner->n, indices, count, what, &sub);
    if (rc)
        return rc;
    unsigned char *mask = NULL;
    if (sub.idx && !(mask = calloc((size_t)owner->n + 1, 1))) {
        free(sub.idx);
        return rct_oom(&net->err);
    }
    for (long j = 0; j < sub.count; j++)
        mask[sub.idx[j]] = 1;
    free(sub.idx);
    free(owner->spike_mask);
    owner->spike_mask = mask;
    net->err.code = 0;
    return 0;
}

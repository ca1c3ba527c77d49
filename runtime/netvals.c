/*
 * netvals.c -- the values of a network of one template (or of one population): allocated and filled with
 * the template's defaults, set, read back and reset through the public calls, and the kernel that fits the
 * values set (a specialised or the generic one).
 */
#include "netvals.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_backend.h"

/* Allocates count values of the network's type (zeroed), checking for overflow. */
static void *ralloc(const rectic_net *net, long count)
{
    if (count < 0 || (size_t)count > SIZE_MAX / rct_rsize(net) - 1)
        return NULL;
    return calloc((size_t)count + 1, rct_rsize(net));
}

/* Marks the shared parameters whose value is a power of two (net->param_pow2), which a specialised kernel
   divides by multiplying with the reciprocal. */
static void refresh_pow2(rectic_net *net)
{
    for (int p = 0; p < net->model->n_param; p++)
        net->param_pow2[p] = !net->param_vector[p] && rct_em_pow2_recip(rct_rget(net, net->param_real[p], 0), net->f32);
}

/* After values changed (shapes unchanged): keeps the running kernel while it fits them, else switches to
   the spare one, or has the generic kernel compiled at the next run.  The specialised kernel fits while
   every parameter it multiplies by a reciprocal is still a power of two; the generic one fits any values.
   So a sweep compiles at most twice: x/p and x*(1/p) are equal for such p, so results never change. */
static void pick_kernel(rectic_net *net)
{
    if (net->dirty && !net->generic)
        return; /* a new specialised kernel is due anyway */
    int fits = 1;
    for (int p = 0; p < net->model->n_param; p++)
        fits &= !net->spec_pow2[p] || net->param_pow2[p];
    int want_generic = !fits, running_generic = net->generic && !net->dirty;
    if (want_generic == running_generic) {
        net->generic = want_generic;
        net->dirty = 0; /* a generic compile still due is not needed after all */
    } else if (net->spare.fn) {
        rct_cpu_swap_spare(net);
        net->generic = want_generic;
    } else if (want_generic) {
        net->generic = 1;
        net->dirty = 1;
    } /* else: the generic kernel runs and the specialised one was not kept (CUDA): it fits too */
}

int rct_net_init_values(rectic_net *net)
{
    const rct_model *m = net->model;
    long n = net->n;
    net->y = ralloc(net, (long)m->n_state * n);
    net->y0 = calloc((size_t)m->n_state * (size_t)n + 1, sizeof(double));
    net->alg = ralloc(net, (long)m->n_alg * n);
    net->coup = ralloc(net, (m->n_coup > 1 ? m->n_coup : 1) * n); /* one block of n per coupling slot */
    net->param_vector = calloc((size_t)m->n_param + 1, sizeof(int));
    net->param_pow2 = calloc((size_t)m->n_param + 1, sizeof(int));
    net->spec_pow2 = calloc((size_t)m->n_param + 1, sizeof(int));
    net->param_real = calloc((size_t)m->n_param + 1, sizeof(void *));
    if (!net->y || !net->y0 || !net->alg || !net->coup || !net->param_vector || !net->param_pow2 ||
        !net->spec_pow2 || !net->param_real)
        return rct_oom(&net->err);
    for (int s = 0; s < m->n_state; s++)
        for (long i = 0; i < n; i++)
            net->y0[s * n + i] = m->vars[m->state_var[s]].value;
    for (int p = 0; p < m->n_param; p++) {
        if (!(net->param_real[p] = ralloc(net, n)))
            return rct_oom(&net->err);
        for (long i = 0; i < n; i++)
            rct_rset(net, net->param_real[p], i, m->vars[m->param_var[p]].value);
    }
    refresh_pow2(net);
    if (m->target >= 0)
        for (long i = 0; i < n; i++)
            rct_rset(net, net->coup, i, m->vars[m->target].value);
    return rct_net_reset_values(net);
}

int rct_net_find_var(rectic_net *net, const char *name, const char *what)
{
    if (!name || !*name) {
        rct_errf(&net->err, RECTIC_EINVAL, "%s: empty variable name", what);
        return -1;
    }
    return rct_model_find(net->model, name, NULL, what, &net->err);
}

int rct_net_set_values(rectic_net *net, const char *name, const double *values, long count)
{
    char what[300];
    snprintf(what, sizeof what, "rectic_net_set %s", name ? name : "");
    int v = rct_net_find_var(net, name, what);
    if (v < 0)
        return net->err.code;
    const rct_var *var = &net->model->vars[v];
    long n = net->n;
    if (count != 1 && count != n)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: expected 1 value or %ld (one per neuron), got %ld", what, n, count);
    for (long i = 0; i < count; i++)
        if (!isfinite(values[i]))
            return rct_errf(&net->err, RECTIC_EINVAL, "%s: value %ld is not a finite number", what, i);
    if (var->kind == RCT_VK_STATE) {
        for (long i = 0; i < n; i++) {
            double x = values[count == 1 ? 0 : i];
            net->y0[var->slot * n + i] = x;
            rct_rset(net, net->y, var->slot * n + i, x);
        }
        net->event_valid = 0; /* W @ source is recomputed from the new state */
    } else if (var->kind == RCT_VK_PARAM) {
        if (count == n && n > 1 && net->coupling_mode == RCT_COUP_EVENT && rct_model_event_param(net->model, v)) {
            for (long i = 1; i < n; i++)
                if (values[i] != values[0])
                    return rct_errf(&net->err, RECTIC_EINVAL, "%s: event-driven coupling needs one value of '%s' for all "
                                    "neurons (it is the decay or gain of %s in %s), got different values per neuron; "
                                    "use spec.coupling dense or sparse", what, var->name,
                                    net->model->vars[net->model->source].name,
                                    net->model->eq_text[net->model->vars[net->model->source].eq]);
            count = 1; /* n equal values: one shared value */
        }
        if (count == n && n > 1 && !net->param_vector[var->slot]) {
            net->param_vector[var->slot] = 1; /* the kernel must read it per neuron: a new specialised one */
            net->dirty = 1;
            net->generic = 0;
        }
        for (long i = 0; i < n; i++)
            rct_rset(net, net->param_real[var->slot], i, values[count == 1 ? 0 : i]);
        refresh_pow2(net);
        pick_kernel(net);
    } else {
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: '%s/%s' is %s: its value comes from %s", what, var->op,
                        var->name, rct_vkind_name(var->kind),
                        var->kind == RCT_VK_ALG ? "its equation" : "the network (input, coupling or spikes)");
    }
    net->err.code = 0;
    return 0;
}

int rct_net_get_values(rectic_net *net, const char *name, double *out, long cap, long *count)
{
    int v = rct_net_find_var(net, name, "get");
    if (v < 0)
        return net->err.code;
    const rct_var *var = &net->model->vars[v];
    long n = net->n;
    const void *src = NULL;
    long len = n;
    switch (var->kind) {
    case RCT_VK_STATE: src = (const char *)net->y + (size_t)var->slot * (size_t)n * rct_rsize(net); break;
    case RCT_VK_ALG: src = (const char *)net->alg + (size_t)var->slot * (size_t)n * rct_rsize(net); break;
    case RCT_VK_COUPLING: src = net->coup; break;
    case RCT_VK_PARAM:
        src = net->param_real[var->slot];
        len = net->param_vector[var->slot] ? n : 1;
        break;
    default:
        return rct_errf(&net->err, RECTIC_EINVAL, "get: '%s' is %s and has no stored value", name,
                        rct_vkind_name(var->kind));
    }
    *count = len;
    if (cap < len)
        return rct_errf(&net->err, RECTIC_EINVAL, "get: '%s' has %ld values, the buffer holds %ld", name, len, cap);
    for (long i = 0; i < len; i++)
        out[i] = rct_rget(net, src, i);
    net->err.code = 0;
    return 0;
}

int rct_net_reset_values(rectic_net *net)
{
    const rct_model *m = net->model;
    for (long i = 0; i < (long)m->n_state * net->n; i++)
        rct_rset(net, net->y, i, net->y0[i]);
    rct_net_restart(net);
    net->err.code = 0;
    return 0;
}

void rct_net_restart(rectic_net *net)
{
    net->step_at = 0;
    net->mean_count = 0;
    if (net->mean_acc)
        memset(net->mean_acc, 0, sizeof(double) * (size_t)net->n);
    net->event_valid = 0;
}

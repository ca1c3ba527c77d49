/*
 * popapi.c -- the public calls on a network of populations: populations and projections read back,
 * inputs and spikes per population, and the "POP/VAR" paths of set and get routed to the population they
 * name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "netvals.h"
#include "observer.h"
#include "popnet.h"
#include "record.h"
#include "run_common.h"

int rectic_net_n_populations(const rectic_net *net)
{
    if (!net)
        return 0;
    return net->pn ? net->pn->n_pops : 1;
}

const char *rectic_net_population(const rectic_net *net, int i)
{
    if (!net || i < 0 || i >= rectic_net_n_populations(net))
        return NULL;
    return net->pn ? net->pn->names[i] : "";
}

long rectic_net_population_size(const rectic_net *net, int i)
{
    if (!net || i < 0 || i >= rectic_net_n_populations(net))
        return 0;
    return net->pn ? net->pn->pops[i]->n : net->n;
}

long rectic_net_projection_delay(const rectic_net *net, int k)
{
    if (!net || !net->pn || k < 0 || k >= net->pn->n_projs)
        return -1;
    return net->pn->projs[k].delay;
}

const char *rectic_net_projection_coupling(const rectic_net *net, int k)
{
    if (!net || !net->pn || k < 0 || k >= net->pn->n_projs)
        return NULL;
    switch (net->pn->projs[k].mode) {
    case RCT_COUP_INLINE: return "inline";
    case RCT_COUP_DENSE: return "dense";
    case RCT_COUP_CSR: return "sparse";
    case RCT_COUP_EVENT: return "event";
    default: return "scalar";
    }
}

/* Population p of a network by name, or -1 with net's error filled. */
static int find_pop(rectic_net *net, const char *pop, const char *what)
{
    if (!net->pn)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: not a network of populations (made by rectic_net_new)", what),
               -1;
    int p = pop ? rct_pn_find(net->pn, pop, strlen(pop)) : -1;
    if (p < 0)
        rct_errf(&net->err, RECTIC_EINVAL, "%s: unknown population '%s'", what, pop ? pop : "(null)");
    return p;
}

int rectic_net_input(rectic_net *net, const char *pop, const double *data, long rows, long cols)
{
    if (!net)
        return RECTIC_EINVAL;
    int p = find_pop(net, pop, "input");
    if (p < 0)
        return net->err.code;
    rct_popnet *pn = net->pn;
    long n = pn->pops[p]->n;
    if (data && pn->pops[p]->model->input < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "input: population %s has no input variable (give one in its spec)",
                        pop);
    long m = rct_layers_input_cols(net, p); /* an input layer feeds the population: m columns */
    if (data && m > 0 && (rows < 0 || cols != m))
        return rct_errf(&net->err, RECTIC_EINVAL, "input: population %s: %ld columns, expected %ld (the columns of its "
                                                  "input layer: its input variable receives W_in @ x_n)", pop, cols, m);
    if (data && m == 0 && (rows < 0 || (cols != n && cols != 1)))
        return rct_errf(&net->err, RECTIC_EINVAL, "input: population %s: %ld columns, expected %ld (one per unit) or 1 "
                                                  "(the same input for every unit)", pop, cols, n);
    pn->in_data[p] = data;
    pn->in_rows[p] = data ? rows : 0;
    pn->in_cols[p] = data ? cols : 0;
    net->err.code = 0;
    return 0;
}

int rct_pn_set(rectic_net *net, const char *path, const double *values, long count)
{
    const char *var;
    int p = rct_pn_split(net, path, "set", &var);
    if (p < 0)
        return net->err.code;
    rectic_net *pop = net->pn->pops[p];
    pop->event_valid = 1;
    int rc = rct_pn_result(net, p, rct_net_set_values(pop, var, values, count));
    if (!pop->event_valid) /* a state was set: event-driven sums are recomputed at the next run */
        net->event_valid = 0;
    return rc;
}

int rct_pn_get(rectic_net *net, const char *path, double *out, long cap, long *count)
{
    const char *var;
    int p = rct_pn_split(net, path, "get", &var);
    return p < 0 ? net->err.code : rct_pn_result(net, p, rct_net_get_values(net->pn->pops[p], var, out, cap, count));
}

int rct_pn_reset(rectic_net *net)
{
    rct_popnet *pn = net->pn;
    for (int p = 0; p < pn->n_pops; p++)
        rct_net_reset_values(pn->pops[p]);
    for (int k = 0; k < pn->n_projs; k++) /* back to step 0: no history */
        if (pn->projs[k].ring)
            memset(pn->projs[k].ring, 0, rct_pn_ring_bytes(net, &pn->projs[k]));
    rct_net_restart(net);
    net->err.code = 0;
    return 0;
}

int rectic_net_population_spikes(rectic_net *net, const char *pop, long *count, const long **pairs)
{
    if (!net || !count || !pairs)
        return RECTIC_EINVAL;
    int p = net->pn ? find_pop(net, pop, "spikes") : 0;
    if (p < 0)
        return net->err.code;
    if (!net->pn && pop && *pop)
        return rct_errf(&net->err, RECTIC_EINVAL, "spikes: a network of one template has one population, \"\"");
    rectic_net *from = net->pn ? net->pn->pops[p] : net;
    int rc = rectic_net_spikes(from, count, pairs);
    return net->pn ? rct_pn_result(net, p, rc) : rc;
}

int rct_pn_describe(rectic_net *net, char **text)
{
    rct_buf b;
    rct_buf_init(&b);
    for (int p = 0; p < net->pn->n_pops; p++) {
        char *one = rct_model_describe(net->pn->pops[p]->model);
        if (!one) {
            rct_buf_free(&b);
            return rct_oom(&net->err);
        }
        rct_buf_printf(&b, "%spopulation %s (%ld units):\n%s", p ? "\n" : "", net->pn->names[p], net->pn->pops[p]->n,
                       one);
        free(one);
    }
    *text = rct_buf_take(&b);
    return *text ? 0 : rct_oom(&net->err);
}

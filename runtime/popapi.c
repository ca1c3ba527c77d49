/*
 * popapi.c -- the public calls on a network of populations: populations and projections read back,
 * inputs, recordings and spikes per population, and the "POP/VAR" paths of set, get and record routed to
 * the population they name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "observer.h"
#include "popnet.h"

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

/* Runs a call of population p, naming the population in its error (without the call and variable the
   population's message begins with, "rectic_net_set VAR: ": the caller's call names the path). */
static int pop_result(rectic_net *net, int p, int rc)
{
    if (!rc) {
        net->dirty |= net->pn->pops[p]->dirty;
        net->err.code = 0;
        return 0;
    }
    const char *msg = net->pn->pops[p]->err.msg, *colon = strstr(msg, ": ");
    if (!strncmp(msg, "rectic_net_", 11) && colon && !memchr(msg, '/', (size_t)(colon - msg)))
        msg = colon + 2;
    return rct_errf(&net->err, rc, "population %s: %s", net->pn->names[p], msg);
}

int rct_pn_set(rectic_net *net, const char *path, const double *values, long count)
{
    const char *var;
    int p = rct_pn_split(net, path, "set", &var);
    if (p < 0)
        return net->err.code;
    rectic_net *pop = net->pn->pops[p];
    pop->event_valid = 1;
    int rc = pop_result(net, p, rectic_net_set(pop, var, values, count));
    if (!pop->event_valid) /* a state was set: event-driven sums are recomputed at the next run */
        net->event_valid = 0;
    return rc;
}

int rct_pn_get(rectic_net *net, const char *path, double *out, long cap, long *count)
{
    const char *var;
    int p = rct_pn_split(net, path, "get", &var);
    return p < 0 ? net->err.code : pop_result(net, p, rectic_net_get(net->pn->pops[p], var, out, cap, count));
}

int rct_pn_reset(rectic_net *net)
{
    rct_popnet *pn = net->pn;
    for (int p = 0; p < pn->n_pops; p++)
        rectic_net_reset(pn->pops[p]);
    for (int k = 0; k < pn->n_projs; k++) /* back to step 0: no history */
        if (pn->projs[k].ring)
            memset(pn->projs[k].ring, 0, rct_pn_ring_bytes(net, &pn->projs[k]));
    rct_net_restart(net);
    net->err.code = 0;
    return 0;
}

int rct_valid_key(const char *key)
{
    if (!*key)
        return 0;
    for (const char *c = key; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '.' || *c == '-'))
            return 0;
    return 1;
}

/* Is key taken by a recording of any population (or "out" by the output)? */
static int key_taken(const rct_popnet *pn, const char *key)
{
    if (strcmp(key, "out") == 0)
        return pn->out_pop >= 0;
    for (int p = 0; p < pn->n_pops; p++)
        for (int k = 0; k < pn->pops[p]->n_rec_vars; k++)
            if (strcmp(pn->pops[p]->rec_names[k], key) == 0)
                return 1;
    return 0;
}

/* Makes variable var of population p the network's output ("out"). */
static int record_out(rectic_net *net, int p, const char *var, const char *what)
{
    rectic_net *pop = net->pn->pops[p];
    int v = rct_model_find(pop->model, var, NULL, what, &net->err);
    if (v < 0)
        return net->err.code;
    if (pop->model->vars[v].kind == RCT_VK_SPIKE)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: spikes are written per population (spikes_POP)", what);
    pop->model->output = v;
    net->pn->out_pop = p;
    net->err.code = 0;
    return 0;
}

int rectic_net_record_as(rectic_net *net, const char *path, const char *key)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!net->pn)
        return key ? rct_errf(&net->err, RECTIC_EINVAL, "record: keys are for networks of populations; record '%s' "
                                                        "with rectic_net_record", path ? path : "(null)")
                   : rectic_net_record(net, path);
    char what[400];
    snprintf(what, sizeof what, "record %s%s%s", key ? key : "", key ? "=" : "", path ? path : "(null)");
    const char *var;
    int p = rct_pn_split(net, path, what, &var);
    if (p < 0)
        return net->err.code;
    char *name = key ? rct_strdup(key) : rct_record_file_name(path);
    if (!name)
        return rct_oom(&net->err);
    int rc = 0;
    if (!rct_valid_key(name))
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: the key '%s' must be letters, digits, '_', '.' or '-'", what, name);
    else if (key_taken(net->pn, name))
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: the key '%s' is taken by another recording", what, name);
    else if (strcmp(name, "out") == 0)
        rc = record_out(net, p, var, what);
    else if (rct_reserved_file(name))
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: the key '%s' is reserved for %s (reserved: out, time, meta, "
                      "spikes*)", what, name, rct_reserved_file(name));
    else if ((rc = rct_net_record_key(net->pn->pops[p], var, name)))
        rc = pop_result(net, p, rc);
    free(name);
    if (!rc)
        net->err.code = 0;
    return rc;
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
    return net->pn ? pop_result(net, p, rc) : rc;
}

int rct_pn_recording(rectic_net *net, const char *key, long *rows, long *cols, const double **data)
{
    rct_popnet *pn = net->pn;
    int rc = RECTIC_EINVAL;
    for (int p = 0; p < pn->n_pops; p++) {
        rectic_net *pop = pn->pops[p];
        int holds = key && strcmp(key, "out") == 0 ? p == pn->out_pop : 0;
        for (int k = 0; key && !holds && k < pop->n_rec_vars; k++)
            holds = strcmp(pop->rec_names[k], key) == 0;
        if (holds)
            return pop_result(net, p, rectic_net_recording(pop, key, rows, cols, data));
    }
    return rct_errf(&net->err, rc, "no recording named '%s' (record it with rectic_net_record_as before the run)",
                    key ? key : "(null)");
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

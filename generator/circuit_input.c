/*
 * circuit_input.c -- run inputs of a circuit (`--input node/op/var=FILE`) as inputs of its populations.
 *
 * PyRates joins an input series to its variable by an edge of weight 1 (SEMANTICS 7): a driven variable
 * without other edges takes the series, the other nodes of the population keep their value.  A population
 * of a network has one input variable fed a T x n matrix, so the inputs into one variable of one population
 * become one matrix: the driven units' columns hold their series (two series into one unit add up), the
 * others their value.  A series into a variable that also receives edges is, as in PyRates, an input node
 * joined to it by an edge of weight 1: a unit of the population RCT_CIRCUIT_FEEDS whose output
 * rct_circuit_netspec projects onto the variable (the variable is then the sum of its edges and series).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"

/* The value of variable (op, var) of unit u of population P: its template default or per-unit value. */
static double unit_value(const rct_cpop *P, int op, int var, int u)
{
    for (int s = 0; s < P->n_sets; s++)
        if (P->sets[s].op == op && P->sets[s].var == var)
            return P->sets[s].values[u];
    return P->tmpl->ops[op].vars[var].value;
}

/* The input of *in's population, or a new one initialised to the units' values (T rows). */
static int input_of(const rct_circuit *c, const rct_cend *end, const char *path, long T, rct_cinput **in, int *n,
                    rct_cinput **hit, rct_err *err)
{
    for (int i = 0; i < *n; i++)
        if ((*in)[i].pop == end->pop) {
            if ((*in)[i].op != end->op || (*in)[i].var != end->var)
                return rct_errf(err, RECTIC_EINVAL, "circuit input %s: population %s already takes its input through another "
                                "variable; a population has one input variable", path, c->pops[end->pop].name);
            *hit = &(*in)[i];
            return 0;
        }
    const rct_cpop *P = &c->pops[end->pop];
    rct_cinput *g = realloc(*in, sizeof *g * (size_t)(*n + 1));
    if (!g)
        return rct_oom(err);
    *in = g;
    rct_cinput *x = &g[*n];
    x->pop = end->pop;
    x->op = end->op;
    x->var = end->var;
    x->name = P->name;
    x->n = P->n;
    snprintf(x->path, sizeof x->path, "%s/%s", P->tmpl->ops[end->op].name, P->tmpl->ops[end->op].vars[end->var].name);
    if (!(x->data = malloc(sizeof *x->data * (size_t)(T * P->n))))
        return rct_oom(err);
    (*n)++;
    for (int u = 0; u < P->n; u++) {
        double v = unit_value(P, end->op, end->var, u);
        for (long t = 0; t < T; t++)
            x->data[t * P->n + u] = v;
    }
    *hit = x;
    return 0;
}

/* Sets the units of input x that no series drives to 0 when two or more series feed x's variable. */
static void zero_undriven(const rct_circuit *c, rct_cinput *x, const rct_cend *ends, int n_inputs, long T)
{
    int count = 0, n = c->pops[x->pop].n;
    for (int i = 0; i < n_inputs; i++)
        count += ends[i].pop == x->pop;
    for (int u = 0; count > 1 && u < n; u++) {
        int driven = 0;
        for (int i = 0; i < n_inputs; i++)
            driven |= ends[i].pop == x->pop && ends[i].unit == u;
        for (long t = 0; !driven && t < T; t++)
            x->data[t * n + u] = 0.0;
    }
}

/* Whether variable end receives edges (into any unit of its population: the variable is a projection's
   target then). */
static int receives_edges(const rct_circuit *c, const rct_cend *end)
{
    for (int e = 0; e < c->n_edges; e++) {
        const rct_cend *t = &c->edges[e].tgt;
        if (t->pop == end->pop && t->op == end->op && t->var == end->var)
            return 1;
    }
    return 0;
}

/* The input of population RCT_CIRCUIT_FEEDS, appended to *in: column f holds series[which[f]]. */
static int feed_input(const rct_circuit *c, const double *const *series, const int *which, long T, rct_cinput **in,
                      int *n, rct_err *err)
{
    rct_cinput *g = realloc(*in, sizeof *g * (size_t)(*n + 1));
    if (!g)
        return rct_oom(err);
    *in = g;
    rct_cinput *x = &g[*n];
    *x = (rct_cinput){-1, -1, -1, RCT_CIRCUIT_FEEDS, "feed_op/x", c->n_feeds, NULL};
    if (!(x->data = malloc(sizeof *x->data * (size_t)(T * c->n_feeds))))
        return rct_oom(err);
    (*n)++;
    for (int f = 0; f < c->n_feeds; f++)
        for (long t = 0; t < T; t++)
            x->data[t * c->n_feeds + f] = series[which[f]][t];
    return 0;
}

void rct_circuit_inputs_free(rct_cinput *in, int n)
{
    for (int i = 0; in && i < n; i++)
        free(in[i].data);
    free(in);
}

int rct_circuit_inputs(rct_circuit *c, const char *const *paths, const double *const *series, int n_inputs,
                       long T, rct_cinput **out, int *n_out, rct_err *err)
{
    rct_cinput *in = NULL;
    int n = 0, rc = 0, *which = malloc(sizeof *which * (size_t)(n_inputs > 0 ? n_inputs : 1));
    rct_cend *ends = malloc(sizeof *ends * (size_t)(n_inputs > 0 ? n_inputs : 1));
    free(c->feeds);
    c->feeds = malloc(sizeof *c->feeds * (size_t)(n_inputs > 0 ? n_inputs : 1));
    c->n_feeds = 0;
    if (!ends || !which || !c->feeds) {
        free(ends);
        free(which);
        return rct_oom(err);
    }
    for (int i = 0; i < n_inputs && !rc; i++) {
        rct_cend end;
        rct_cinput *x = NULL;
        if ((rc = rct_circuit_var(c, paths[i], "circuit input", &end, err)))
            break;
        ends[i] = end;
        const rct_cpop *P = &c->pops[end.pop];
        if (P->tmpl->ops[end.op].vars[end.var].decl != RCT_D_INPUT) {
            rc = rct_errf(err, RECTIC_EINVAL, "circuit input %s: not an input variable (declared input(...))", paths[i]);
            break;
        }
        if (receives_edges(c, &end)) { /* an input node and its edge */
            which[c->n_feeds] = i;
            c->feeds[c->n_feeds++] = end;
            ends[i].pop = -1;
            continue;
        }
        if ((rc = input_of(c, &end, paths[i], T, &in, &n, &x, err)))
            break;
        int first = 1; /* the first series into a unit replaces its value, a later one adds */
        for (int j = 0; j < i; j++)
            first &= strcmp(paths[j], paths[i]) != 0;
        for (long t = 0; t < T; t++)
            x->data[t * P->n + end.unit] = first ? series[i][t] : x->data[t * P->n + end.unit] + series[i][t];
    }
    for (int k = 0; k < n && !rc; k++) /* two or more series into one variable: PyRates sums their vectors, */
        zero_undriven(c, &in[k], ends, n_inputs, T); /* so a unit none drives gets 0 */
    if (!rc && c->n_feeds)
        rc = feed_input(c, series, which, T, &in, &n, err);
    free(ends);
    free(which);
    if (rc) {
        rct_circuit_inputs_free(in, n);
        return rc;
    }
    *out = in;
    *n_out = n;
    return 0;
}

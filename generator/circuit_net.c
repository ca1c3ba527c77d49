/*
 * circuit_net.c -- a planned circuit as a network of populations (issue 13's rectic_netspec): one
 * population per node template and per edge template (parameters per unit), one sparse (COO) projection per
 * source variable, target variable and delay in steps, and one population `delay_chains` of chain links
 * (templates/rectic/delay_chain.yaml) holding every spread edge's chain of ODEs, and one population
 * RCT_CIRCUIT_FEEDS of input nodes (templates/rectic/run_input.yaml) for run inputs into variables that also
 * receive edges, projected with weight 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "netspec.h"

#define CHAIN_POP "delay_chains"
#define CHAIN_REF "rectic.delay_chain.chain_op"

/* "pop/op/var" of an edge end. */
static void end_path(const rct_circuit *c, const rct_cend *e, char *out, size_t size)
{
    const rct_cpop *P = &c->pops[e->pop];
    snprintf(out, size, "%s/%s/%s", P->name, P->tmpl->ops[e->op].name, P->tmpl->ops[e->op].vars[e->var].name);
}

/* Whether edges a and b go into one projection (same variables at both ends, same delay). */
static int same_proj(const rct_cedge *a, const rct_cedge *b)
{
    return a->mode != RCT_CE_CHAIN && b->mode != RCT_CE_CHAIN && a->src.pop == b->src.pop && a->src.op == b->src.op &&
           a->src.var == b->src.var && a->tgt.pop == b->tgt.pop && a->tgt.op == b->tgt.op && a->tgt.var == b->tgt.var &&
           (a->mode == RCT_CE_BUFFER ? a->D : 0) == (b->mode == RCT_CE_BUFFER ? b->D : 0);
}

/* Refuses a target variable that PyRates leaves at a non-zero default for units no edge reaches (a variable
   fed from one vectorised node keeps its value there), which a projection (0 there) cannot reproduce. */
static int check_defaults(const rct_circuit *c, const rct_cedge *e, rct_err *err)
{
    const rct_cpop *T = &c->pops[e->tgt.pop];
    int sig = c->pops[e->src.pop].sig, one_source = 1;
    char *hit = calloc((size_t)T->n, 1);
    if (!hit)
        return rct_oom(err);
    for (int j = 0; j < c->n_edges; j++) {
        const rct_cedge *f = &c->edges[j];
        if (f->tgt.pop == e->tgt.pop && f->tgt.op == e->tgt.op && f->tgt.var == e->tgt.var) {
            hit[f->tgt.unit] = 1;
            one_source &= c->pops[f->src.pop].sig == sig;
        }
    }
    for (int f = 0; f < c->n_feeds; f++) /* an input node's edge: a second source */
        one_source &= !(c->feeds[f].pop == e->tgt.pop && c->feeds[f].op == e->tgt.op && c->feeds[f].var == e->tgt.var);
    int rc = 0;
    for (int u = 0; one_source && u < T->n && !rc; u++) {
        double d = T->tmpl->ops[e->tgt.op].vars[e->tgt.var].value;
        for (int s = 0; s < T->n_sets; s++)
            if (T->sets[s].op == e->tgt.op && T->sets[s].var == e->tgt.var)
                d = T->sets[s].values[u];
        if (!hit[u] && d != 0) {
            char path[600];
            end_path(c, &e->tgt, path, sizeof path);
            rc = rct_errf(err, RECTIC_EINVAL, "%s:%d:%d: %s of %s keeps its default %g in PyRates (no edge reaches it, "
                          "the others are fed from one node template): not supported yet", e->at.file, e->at.line,
                          e->at.col, path, T->units[u], d);
        }
    }
    free(hit);
    return rc;
}

/* Adds the populations, their per-unit values and the chain population (n_links links). */
static int add_pops(const rct_circuit *c, rectic_netspec *ns, long n_links, rct_err *err)
{
    for (int p = 0; p < c->n_pops; p++) {
        const rct_cpop *P = &c->pops[p];
        if (rectic_netspec_population(ns, P->name, P->ref, NULL, P->n))
            return rct_errf(err, RECTIC_EINVAL, "%s", rectic_netspec_errmsg(ns));
        for (int s = 0; s < P->n_sets; s++) {
            char path[600];
            snprintf(path, sizeof path, "%s/%s/%s", P->name, P->tmpl->ops[P->sets[s].op].name,
                     P->tmpl->ops[P->sets[s].op].vars[P->sets[s].var].name);
            if (rectic_netspec_set(ns, path, P->sets[s].values, P->n))
                return rct_errf(err, RECTIC_EINVAL, "%s", rectic_netspec_errmsg(ns));
        }
    }
    if (n_links && rectic_netspec_population(ns, CHAIN_POP, CHAIN_REF, NULL, n_links))
        return rct_errf(err, RECTIC_EINVAL, "%s", rectic_netspec_errmsg(ns));
    if (c->n_feeds && rectic_netspec_population(ns, RCT_CIRCUIT_FEEDS, RCT_CIRCUIT_FEED_REF, NULL, c->n_feeds))
        return rct_errf(err, RECTIC_EINVAL, "%s", rectic_netspec_errmsg(ns));
    return 0;
}

/* One COO projection of n entries (taken) from source to target with D steps of delay. */
static int coo(rectic_netspec *ns, const char *src, const char *tgt, double *entries, long n, long D, double dt,
               rct_err *err)
{
    if (rct_netspec_coo_take(ns, src, tgt, entries, n, (double)D * dt))
        return rct_errf(err, RECTIC_EINVAL, "%s", rectic_netspec_errmsg(ns));
    return 0;
}

/* The edges of the input nodes: one projection of weight-1 entries per target variable. */
static int add_feeds(const rct_circuit *c, rectic_netspec *ns, rct_err *err)
{
    char *done = calloc((size_t)c->n_feeds + 1, 1);
    int rc = done ? 0 : rct_oom(err);
    for (int f = 0; f < c->n_feeds && !rc; f++) {
        const rct_cend *t = &c->feeds[f];
        double *entries = malloc(sizeof *entries * 3 * (size_t)c->n_feeds);
        long n = 0;
        if (done[f] || !entries) {
            free(entries);
            rc = done[f] ? 0 : rct_oom(err);
            continue;
        }
        for (int g = f; g < c->n_feeds; g++)
            if (!done[g] && c->feeds[g].pop == t->pop && c->feeds[g].op == t->op && c->feeds[g].var == t->var) {
                entries[3 * n] = c->feeds[g].unit, entries[3 * n + 1] = g, entries[3 * n + 2] = 1.0;
                done[g] = 1;
                n++;
            }
        char tgt[600];
        end_path(c, t, tgt, sizeof tgt);
        rc = coo(ns, RCT_CIRCUIT_FEEDS "/feed_op/s", tgt, entries, n, 0, c->dt, err);
    }
    free(done);
    return rc;
}

/* The chains of the spread edges: links first[e] .. first[e] + K - 1 of the chain population. */
static int add_chains(const rct_circuit *c, rectic_netspec *ns, long n_links, double dt, rct_err *err)
{
    double *k = malloc(sizeof *k * (size_t)n_links);
    if (!k)
        return rct_oom(err);
    long at = 0;
    int rc = 0;
    for (int i = 0; i < c->n_edges && !rc; i++) {
        const rct_cedge *e = &c->edges[i];
        if (e->mode != RCT_CE_CHAIN)
            continue;
        char src[600], tgt[600];
        end_path(c, &e->src, src, sizeof src);
        end_path(c, &e->tgt, tgt, sizeof tgt);
        double *in = malloc(sizeof *in * 3), *links = malloc(sizeof *links * 3 * (size_t)(e->K > 1 ? e->K - 1 : 1)),
               *out = malloc(sizeof *out * 3);
        if (!in || !links || !out) {
            free(in), free(links), free(out);
            rc = rct_oom(err);
            break;
        }
        in[0] = (double)at, in[1] = e->src.unit, in[2] = 1.0;
        for (int j = 1; j < e->K; j++)
            links[3 * (j - 1)] = (double)(at + j), links[3 * (j - 1) + 1] = (double)(at + j - 1), links[3 * (j - 1) + 2] = 1.0;
        out[0] = e->tgt.unit, out[1] = (double)(at + e->K - 1), out[2] = e->weight;
        for (int j = 0; j < e->K; j++)
            k[at + j] = e->k;
        rc = coo(ns, src, CHAIN_POP "/chain_op/x", in, 1, 0, dt, err); /* each coo() takes its entries */
        if (!rc && e->K > 1) {
            rc = coo(ns, CHAIN_POP "/chain_op/z", CHAIN_POP "/chain_op/x", links, e->K - 1, 0, dt, err);
            links = NULL;
        }
        free(links);
        if (!rc) {
            rc = coo(ns, CHAIN_POP "/chain_op/z", tgt, out, 1, 0, dt, err);
            out = NULL;
        }
        free(out);
        at += e->K;
    }
    if (!rc && rectic_netspec_set(ns, CHAIN_POP "/chain_op/k", k, n_links))
        rc = rct_errf(err, RECTIC_EINVAL, "%s", rectic_netspec_errmsg(ns));
    free(k);
    return rc;
}

int rct_circuit_netspec(const rct_circuit *c, rectic_netspec *ns, rct_err *err)
{
    if (!(c->dt > 0))
        return rct_errf(err, RECTIC_EINVAL, "the circuit has not been planned for a step size");
    long n_links = 0;
    int rc = 0, n_checked = 0;
    rct_cend *checked = malloc(sizeof *checked * (size_t)(c->n_edges + 1)); /* target variables seen */
    if (!checked)
        return rct_oom(err);
    for (int i = 0; i < c->n_edges && !rc; i++) {
        const rct_cend *t = &c->edges[i].tgt;
        int seen = 0;
        n_links += c->edges[i].mode == RCT_CE_CHAIN ? c->edges[i].K : 0;
        for (int k = 0; k < n_checked && !seen; k++)
            seen = checked[k].pop == t->pop && checked[k].op == t->op && checked[k].var == t->var;
        if (!seen) {
            checked[n_checked++] = *t;
            rc = check_defaults(c, &c->edges[i], err);
        }
    }
    free(checked);
    if (rc || (rc = add_pops(c, ns, n_links, err)))
        return rc;
    char *done = calloc((size_t)c->n_edges + 1, 1);
    if (!done)
        return rct_oom(err);
    for (int i = 0; i < c->n_edges && !rc; i++) {
        const rct_cedge *e = &c->edges[i];
        if (done[i] || e->mode == RCT_CE_CHAIN)
            continue;
        long n = 0;
        for (int j = i; j < c->n_edges; j++)
            n += !done[j] && same_proj(e, &c->edges[j]);
        double *entries = malloc(sizeof *entries * 3 * (size_t)n);
        if (!entries) {
            rc = rct_oom(err);
            break;
        }
        n = 0;
        for (int j = i; j < c->n_edges; j++)
            if (!done[j] && same_proj(e, &c->edges[j])) {
                const rct_cedge *f = &c->edges[j];
                entries[3 * n] = f->tgt.unit, entries[3 * n + 1] = f->src.unit, entries[3 * n + 2] = f->weight;
                done[j] = 1;
                n++;
            }
        char src[600], tgt[600];
        end_path(c, &e->src, src, sizeof src);
        end_path(c, &e->tgt, tgt, sizeof tgt);
        rc = coo(ns, src, tgt, entries, n, e->mode == RCT_CE_BUFFER ? e->D : 0, c->dt, err);
    }
    free(done);
    if (!rc && c->n_feeds)
        rc = add_feeds(c, ns, err);
    return rc ? rc : n_links ? add_chains(c, ns, n_links, c->dt, err) : 0;
}

/*
 * circuit_edge.c -- units and edges of a CircuitTemplate being read: nodes into populations (one per
 * resolved template), paths node/op/var into units and variables, edge rows into rct_cedges, edge
 * templates into edge nodes with their feeds (PyRates 1.0.1's rules, SEMANTICS 7).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit_load.h"

/* ---------------------------------------------------------------- populations and units */

/* Index of the population of template tn (same definition: same file, line and column), or -1. */
static int find_pop(const rct_circuit *c, const rct_tnode *tn, int is_edge)
{
    for (int p = 0; p < c->n_pops; p++) {
        const rct_srcpos *a = &c->pops[p].tmpl->at, *b = &tn->at;
        if (c->pops[p].is_edge == is_edge && a->line == b->line && a->col == b->col && !strcmp(a->file, b->file))
            return p;
    }
    return -1;
}

/* A new population for template tn (taken); its name is the template's, made unique. */
static int new_pop(rct_cload *cl, rct_tnode *tn, int is_edge)
{
    rct_circuit *c = cl->c;
    rct_cpop *g = realloc(c->pops, sizeof *g * (size_t)(c->n_pops + 1));
    if (!g) {
        rct_tnode_free(tn);
        return -rct_oom(cl->err);
    }
    c->pops = g;
    rct_cpop *P = &c->pops[c->n_pops];
    memset(P, 0, sizeof *P);
    P->tmpl = tn;
    P->is_edge = is_edge;
    char name[256];
    snprintf(name, sizeof name, "%s", tn->name);
    for (int k = 2, clash = 1; clash; k++) {
        clash = 0;
        for (int p = 0; p < c->n_pops; p++)
            clash |= strcmp(c->pops[p].name, name) == 0;
        if (clash)
            snprintf(name, sizeof name, "%s_%d", tn->name, k);
    }
    size_t fl = strlen(tn->at.file);
    P->name = rct_strdup(name);
    P->ref = malloc(fl + strlen(tn->name) + 2);
    c->n_pops++;
    if (!P->name || !P->ref)
        return -rct_oom(cl->err);
    /* "/dir/file/name": the file without its extension, a path reference any loader resolves */
    const char *dot = strrchr(tn->at.file, '.');
    size_t keep = dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml")) ? (size_t)(dot - tn->at.file) : fl;
    sprintf(P->ref, "%.*s/%s", (int)keep, tn->at.file, tn->name);
    return c->n_pops - 1;
}

/* The population of template reference `ref` written in f (loaded once per file and reference). */
static int pop_of(rct_cload *cl, const lfile *f, const rct_ynode *ref, int is_edge, int *pop)
{
    for (int i = 0; i < cl->n_tcache; i++)
        if (cl->tcache[i].f == f && !strcmp(cl->tcache[i].ref, ref->str) && cl->c->pops[cl->tcache[i].pop].is_edge == is_edge) {
            *pop = cl->tcache[i].pop;
            return 0;
        }
    rct_tnode *tn;
    int rc = rct_template_load_at(cl->L, f, ref, ref->str, &tn);
    if (rc)
        return rc;
    int p = find_pop(cl->c, tn, is_edge);
    if (p >= 0)
        rct_tnode_free(tn);
    else if ((p = new_pop(cl, tn, is_edge)) < 0)
        return -p;
    ctref *g = realloc(cl->tcache, sizeof *g * (size_t)(cl->n_tcache + 1));
    if (!g)
        return rct_oom(cl->err);
    cl->tcache = g;
    g[cl->n_tcache].f = f;
    g[cl->n_tcache].pop = p;
    if (!(g[cl->n_tcache].ref = rct_strdup(ref->str)))
        return rct_oom(cl->err);
    cl->n_tcache++;
    *pop = p;
    return 0;
}

int rct_cl_add_unit_at(rct_cload *cl, const lfile *f, const rct_ynode *ref, int is_edge, const char *path, int *pop,
                       int *unit)
{
    int p = 0, rc = pop_of(cl, f, ref, is_edge, &p);
    if (rc)
        return rc;
    rct_cpop *P = &cl->c->pops[p];
    char **g = realloc(P->units, sizeof *g * (size_t)(P->n + 1));
    if (g)
        P->units = g;
    rct_srcpos *at = g ? realloc(P->unit_at, sizeof *at * (size_t)(P->n + 1)) : NULL;
    if (!at)
        return rct_oom(cl->err);
    P->unit_at = at;
    for (int s = 0; s < P->n_sets; s++) {
        double *v = realloc(P->sets[s].values, sizeof *v * (size_t)(P->n + 1));
        if (!v)
            return rct_oom(cl->err);
        P->sets[s].values = v;
        v[P->n] = P->tmpl->ops[P->sets[s].op].vars[P->sets[s].var].value;
    }
    at[P->n] = (rct_srcpos){rct_strdup(f->doc->file), ref->line, ref->col};
    if (!at[P->n].file || !(P->units[P->n] = rct_strdup(path))) {
        free(at[P->n].file);
        return rct_oom(cl->err);
    }
    if (pop)
        *pop = p;
    if (unit)
        *unit = P->n;
    P->n++;
    return 0;
}

static int cmp_unit(const void *a, const void *b)
{
    return strcmp(((const cunit *)a)->path, ((const cunit *)b)->path);
}

int rct_cl_index(rct_cload *cl)
{
    const rct_circuit *c = cl->c;
    int n = 0;
    for (int p = 0; p < c->n_pops; p++)
        n += c->pops[p].n;
    if (!(cl->index = malloc(sizeof *cl->index * (size_t)(n ? n : 1))))
        return rct_oom(cl->err);
    for (int p = 0; p < c->n_pops; p++)
        for (int u = 0; u < c->pops[p].n; u++)
            cl->index[cl->n_index++] = (cunit){c->pops[p].units[u], p, u};
    qsort(cl->index, (size_t)n, sizeof *cl->index, cmp_unit);
    return 0;
}

int rct_circuit_unit(const rct_circuit *c, const char *path, int *unit)
{
    for (int p = 0; c && p < c->n_pops; p++)
        for (int u = 0; u < c->pops[p].n; u++)
            if (strcmp(c->pops[p].units[u], path) == 0) {
                *unit = u;
                return p;
            }
    return -1;
}

/* Operator and variable indices of op/var in template tn; -1 in *op or *var where missing. */
static void find_var(const rct_tnode *tn, const char *op, size_t op_len, const char *var, int *o, int *v)
{
    *o = *v = -1;
    for (int i = 0; i < tn->n_ops; i++)
        if (strlen(tn->ops[i].name) == op_len && !strncmp(tn->ops[i].name, op, op_len)) {
            *o = i;
            for (int j = 0; j < tn->ops[i].n_vars; j++)
                if (!strcmp(tn->ops[i].vars[j].name, var))
                    *v = j;
        }
}

/* Resolves path into *end, the node found through the index (cl) or by search (cl NULL). */
static int resolve(const rct_circuit *c, const rct_cload *cl, const char *path, const char *what, rct_cend *end,
                   rct_err *err)
{
    const char *var = strrchr(path, '/');
    const char *op = var ? var : path;
    while (op > path && op[-1] != '/')
        op--;
    if (!var || op == path)
        return rct_errf(err, RECTIC_EINVAL, "%s '%s': expected node/op/var or sub/node/op/var", what, path);
    char node[1024];
    snprintf(node, sizeof node, "%.*s", (int)(op - 1 - path), path);
    int p = -1, u = 0;
    if (cl) {
        cunit key = {node, 0, 0}, *hit = bsearch(&key, cl->index, (size_t)cl->n_index, sizeof key, cmp_unit);
        if (hit) {
            p = hit->pop;
            u = hit->unit;
        }
    } else {
        p = rct_circuit_unit(c, node, &u);
    }
    if (p < 0)
        return rct_errf(err, RECTIC_EINVAL, "%s '%s': the circuit has no node '%s'", what, path, node);
    int o, v;
    find_var(c->pops[p].tmpl, op, (size_t)(var - op), var + 1, &o, &v);
    if (o < 0)
        return rct_errf(err, RECTIC_EINVAL, "%s '%s': node '%s' (%s) has no operator '%.*s'", what, path, node,
                        c->pops[p].tmpl->name, (int)(var - op), op);
    if (v < 0)
        return rct_errf(err, RECTIC_EINVAL, "%s '%s': operator '%.*s' has no variable '%s'", what, path, (int)(var - op),
                        op, var + 1);
    *end = (rct_cend){p, u, o, v};
    return 0;
}

int rct_circuit_var(const rct_circuit *c, const char *path, const char *what, rct_cend *end, rct_err *err)
{
    return resolve(c, NULL, path, what, end, err);
}

int rct_cl_resolve(rct_cload *cl, const char *path, const char *what, rct_cend *end)
{
    return resolve(cl->c, cl, path, what, end, cl->err);
}

int rct_circuit_pop_path(const rct_circuit *c, const char *path, const char *what, char *out, size_t size, int *unit,
                         rct_err *err)
{
    rct_cend e;
    int rc = resolve(c, NULL, path, what, &e, err);
    if (rc)
        return rc;
    const rct_top *op = &c->pops[e.pop].tmpl->ops[e.op];
    snprintf(out, size, "%s/%s/%s", c->pops[e.pop].name, op->name, op->vars[e.var].name);
    *unit = e.unit;
    return 0;
}

int rct_circuit_detect(rct_loader *L, const char *ref)
{
    const lfile *f;
    const rct_ynode *body, *base;
    rct_err saved = *L->err;
    int found = rct_template_find(L, NULL, NULL, ref, &f, &body) == 0 && (base = rct_ymap_get(body, "base")) &&
                base->kind == RCT_Y_SCALAR && strcmp(base->str, "CircuitTemplate") == 0;
    *L->err = saved;
    return found;
}

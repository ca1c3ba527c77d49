/*
 * circuit.c -- reads a PyRates CircuitTemplate unchanged: `nodes:` (name -> node template, bare names in
 * the same file, dotted names and YAML aliases into other files), `circuits:` (nested sub-circuits; their
 * nodes are sub/node), `edges:` rows [source, target, edge_template_or_null, {weight, delay, spread,
 * edge-variable values and mappings}] and `base:` inheritance between circuits.  Nodes become units of
 * populations (one per node template), edges become rct_cedges between units; an edge with an
 * EdgeTemplate gets an edge node (a unit of that template's population) fed by the source and by the
 * edge's mappings.  Planning the delays: circuit_plan.c; errors and warnings: circuit_msg.c.
 */
#include "circuit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit_load.h"
#include "io_yaml.h"
#include "loader.h"

/* ---------------------------------------------------------------- circuit templates as read */

static void free_tmpl(ctmpl *t)
{
    for (int i = 0; i < t->n_nodes; i++)
        free(t->nodes[i].name);
    free(t->nodes);
    for (int i = 0; i < t->n_subs; i++)
        free(t->subs[i].name);
    free(t->subs);
    for (int i = 0; i < t->n_rows; i++) {
        free(t->rows[i].src);
        free(t->rows[i].tgt);
        free(t->rows[i].prefix);
    }
    free(t->rows);
    free(t);
}

/* Appends an edge row (src and tgt copied; prefix: the scope its mapping values are relative to). */
static int add_row(rct_cload *cl, ctmpl *t, const crow *r, const char *scope)
{
    if (rct_grow(&t->rows, &t->cap_rows, (size_t)t->n_rows + 1, sizeof *t->rows))
        return rct_oom(cl->err);
    crow *d = &t->rows[t->n_rows];
    *d = *r;
    size_t sl = strlen(scope);
    d->src = malloc(sl + strlen(r->src) + 1);
    d->tgt = malloc(sl + strlen(r->tgt) + 1);
    d->prefix = malloc(sl + strlen(r->prefix ? r->prefix : "") + 1);
    if (!d->src || !d->tgt || !d->prefix) {
        free(d->src);
        free(d->tgt);
        free(d->prefix);
        return rct_oom(cl->err);
    }
    sprintf(d->src, "%s%s", scope, r->src);
    sprintf(d->tgt, "%s%s", scope, r->tgt);
    sprintf(d->prefix, "%s%s", scope, r->prefix ? r->prefix : "");
    t->n_rows++;
    return 0;
}

/* Adds (or replaces, by name) a named entry of nodes or sub-circuits. */
static int set_named(rct_cload *cl, cnamed **arr, int *n, const char *name, const rct_ynode *ref, ctmpl *sub)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*arr)[i].name, name) == 0) {
            (*arr)[i].ref = ref;
            (*arr)[i].sub = sub;
            return 0;
        }
    cnamed *g = realloc(*arr, sizeof *g * (size_t)(*n + 1));
    if (!g)
        return rct_oom(cl->err);
    *arr = g;
    g[*n].name = rct_strdup(name);
    g[*n].ref = ref;
    g[*n].sub = sub;
    if (!g[*n].name)
        return rct_oom(cl->err);
    (*n)++;
    return 0;
}

static int load_tmpl(rct_cload *cl, const lfile *cur, const rct_ynode *at, const char *ref, ctmpl **out, int depth);

/* Whether n is YAML's null (null, ~ or nothing). */
static int is_null(const rct_ynode *n)
{
    return n && n->kind == RCT_Y_SCALAR && !n->quoted && (!strcmp(n->str, "null") || !strcmp(n->str, "~") || !*n->str);
}

/* Member key of map body, or NULL when it is missing or null (`edges:` with nothing: no edges, as in PyRates). */
static const rct_ynode *member(const rct_ynode *body, const char *key)
{
    const rct_ynode *n = rct_ymap_get(body, key);
    return is_null(n) ? NULL : n;
}

/* Whether edge template tm (written in f) is an EdgeTemplate without operators, which PyRates 1.0.1 treats
   as no template (a plain edge).  Lookup errors are left for the template's own reading. */
static int empty_edge_template(rct_cload *cl, const lfile *f, const rct_ynode *tm)
{
    const lfile *tf;
    const rct_ynode *body, *base, *ops;
    rct_err saved = *cl->err;
    int empty = rct_template_find(cl->L, f, tm, tm->str, &tf, &body) == 0 && (base = rct_ymap_get(body, "base")) &&
                base->kind == RCT_Y_SCALAR && !strcmp(base->str, "EdgeTemplate") &&
                (!(ops = member(body, "operators")) || (ops->kind == RCT_Y_SEQ && ops->n == 0));
    *cl->err = saved;
    return empty;
}

/* Reads the nodes:, circuits: and edges: of circuit body into t (after its base's). */
static int read_body(rct_cload *cl, ctmpl *t, const rct_ynode *body, int depth)
{
    const lfile *f = t->f;
    const rct_ynode *nodes = member(body, "nodes"), *subs = member(body, "circuits"), *edges = member(body, "edges");
    int rc;
    if (nodes && nodes->kind != RCT_Y_MAP)
        return rct_cl_err(cl, f, nodes, "nodes: expected a map of name: node template");
    for (size_t i = 0; nodes && i < nodes->n; i++) {
        if (nodes->vals[i]->kind != RCT_Y_SCALAR)
            return rct_cl_err(cl, f, nodes->vals[i], "node '%s': expected a node template reference", nodes->keys[i]->str);
        if (strchr(nodes->keys[i]->str, '/'))
            return rct_cl_err(cl, f, nodes->keys[i], "node name '%s' contains '/'", nodes->keys[i]->str);
        if ((rc = set_named(cl, &t->nodes, &t->n_nodes, nodes->keys[i]->str, nodes->vals[i], NULL)))
            return rc;
    }
    if (subs && subs->kind != RCT_Y_MAP)
        return rct_cl_err(cl, f, subs, "circuits: expected a map of name: circuit template");
    for (size_t i = 0; subs && i < subs->n; i++) {
        ctmpl *sub;
        if (subs->vals[i]->kind != RCT_Y_SCALAR)
            return rct_cl_err(cl, f, subs->vals[i], "circuit '%s': expected a circuit template reference", subs->keys[i]->str);
        if ((rc = load_tmpl(cl, f, subs->vals[i], subs->vals[i]->str, &sub, depth + 1)) ||
            (rc = set_named(cl, &t->subs, &t->n_subs, subs->keys[i]->str, subs->vals[i], sub)))
            return rc;
    }
    if (t->n_nodes && t->n_subs)
        return rct_cl_err(cl, f, subs, "a circuit with both nodes and circuits: PyRates 1.0.1 builds only the "
                          "sub-circuits' nodes; put the nodes into a sub-circuit");
    if (edges && edges->kind != RCT_Y_SEQ)
        return rct_cl_err(cl, f, edges, "edges: expected a list of [source, target, template or null, {values}]");
    for (size_t i = 0; edges && i < edges->n; i++) {
        const rct_ynode *e = edges->vals[i];
        if (e->kind != RCT_Y_SEQ || e->n < 3 || e->n > 4)
            return rct_cl_err(cl, f, e, "an edge is [source, target, template or null, {values}]");
        for (int k = 0; k < 3; k++)
            if (e->vals[k]->kind != RCT_Y_SCALAR)
                return rct_cl_err(cl, f, e->vals[k], "expected %s", k < 2 ? "a node/op/var path" : "a template or null");
        if (e->n == 4 && e->vals[3]->kind != RCT_Y_MAP &&
            !(e->vals[3]->kind == RCT_Y_SCALAR && !e->vals[3]->quoted && !strcmp(e->vals[3]->str, "null")))
            return rct_cl_err(cl, f, e->vals[3], "edge values: expected a map {weight: ..., delay: ..., ...}");
        const rct_ynode *tm = e->vals[2];
        int null_t = is_null(tm) || empty_edge_template(cl, f, tm);
        crow r = {(char *)e->vals[0]->str, (char *)e->vals[1]->str, f, null_t ? NULL : tm,
                  e->n == 4 && e->vals[3]->kind == RCT_Y_MAP ? e->vals[3] : NULL, NULL, e};
        if ((rc = add_row(cl, t, &r, "")))
            return rc;
    }
    return 0;
}

/* Loads circuit template ref (one object per file and name, as PyRates caches templates). */
static int load_tmpl(rct_cload *cl, const lfile *cur, const rct_ynode *at, const char *ref, ctmpl **out, int depth)
{
    const lfile *f;
    const rct_ynode *body;
    if (depth > RCT_MAX_INHERIT_DEPTH)
        return cur ? rct_cl_err(cl, cur, at, "circuits nested deeper than %d levels (a cycle?)", RCT_MAX_INHERIT_DEPTH)
                   : rct_errf(cl->err, RECTIC_ETEMPLATE, "circuits nested too deep");
    int rc = rct_template_find(cl->L, cur, at, ref, &f, &body);
    if (rc)
        return rc;
    for (int i = 0; i < cl->n_cache; i++)
        if (cl->cache[i]->body == body) {
            if (cl->cache[i]->reading)
                return rct_cl_err(cl, cur, at, "circuit '%s' contains itself", ref);
            *out = cl->cache[i];
            return 0;
        }
    const rct_ynode *base = rct_ymap_get(body, "base");
    if (!base || base->kind != RCT_Y_SCALAR)
        return rct_cl_err(cl, f, body, "'%s' needs base: CircuitTemplate (or another circuit)", ref);
    ctmpl *t = calloc(1, sizeof *t);
    if (!t)
        return rct_oom(cl->err);
    t->f = f;
    t->body = body;
    if (strcmp(base->str, "CircuitTemplate") != 0) {
        ctmpl *b;
        if (!strcmp(base->str, "NodeTemplate") || !strcmp(base->str, "OperatorTemplate") ||
            !strcmp(base->str, "EdgeTemplate"))
            rc = rct_cl_err(cl, f, base, "'%s' is a %s, not a CircuitTemplate", ref, base->str);
        else
            rc = load_tmpl(cl, f, base, base->str, &b, depth + 1);
        for (int i = 0; !rc && i < b->n_nodes; i++)
            rc = set_named(cl, &t->nodes, &t->n_nodes, b->nodes[i].name, b->nodes[i].ref, NULL);
        for (int i = 0; !rc && i < b->n_subs; i++)
            rc = set_named(cl, &t->subs, &t->n_subs, b->subs[i].name, b->subs[i].ref, b->subs[i].sub);
        for (int i = 0; !rc && i < b->n_rows; i++)
            rc = add_row(cl, t, &b->rows[i], "");
    }
    ctmpl **grown = rc ? NULL : realloc(cl->cache, sizeof *grown * (size_t)(cl->n_cache + 1));
    if (!rc && !grown)
        rc = rct_oom(cl->err);
    if (rc) {
        free_tmpl(t);
        return rc;
    }
    cl->cache = grown;
    cl->cache[cl->n_cache++] = t;
    *out = t;
    t->reading = 1;
    rc = read_body(cl, t, body, depth);
    t->reading = 0;
    return rc;
}

/* PyRates 1.0.1's collect_edges, side effect included: t's own rows grow by its sub-circuits' rows
   (prefixed "sub/") at every call, so a template used twice below the top level repeats them. */
static int collect_rows(rct_cload *cl, ctmpl *t, int depth)
{
    if (depth > RCT_MAX_INHERIT_DEPTH)
        return rct_errf(cl->err, RECTIC_ETEMPLATE, "circuits nested too deep");
    for (int s = 0; s < t->n_subs; s++) {
        ctmpl *sub = t->subs[s].sub;
        int rc = collect_rows(cl, sub, depth + 1);
        if (rc)
            return rc;
        char *scope = malloc(strlen(t->subs[s].name) + 2);
        if (!scope)
            return rct_oom(cl->err);
        sprintf(scope, "%s/", t->subs[s].name);
        int n = sub->n_rows; /* sub == t is impossible: nesting depth is bounded above */
        for (int i = 0; !rc && i < n; i++)
            rc = add_row(cl, t, &sub->rows[i], scope);
        free(scope);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---------------------------------------------------------------- the circuit */

void rct_circuit_free(rct_circuit *c)
{
    if (!c)
        return;
    for (int p = 0; p < c->n_pops; p++) {
        rct_cpop *P = &c->pops[p];
        free(P->name);
        free(P->ref);
        rct_tnode_free(P->tmpl);
        for (int u = 0; u < P->n; u++) {
            free(P->units[u]);
            free(P->unit_at[u].file);
        }
        free(P->units);
        free(P->unit_at);
        for (int s = 0; s < P->n_sets; s++)
            free(P->sets[s].values);
        free(P->sets);
    }
    free(c->pops);
    for (int e = 0; e < c->n_edges; e++)
        free(c->edges[e].at.file);
    free(c->edges);
    for (int w = 0; w < c->n_warnings; w++)
        free(c->warnings[w]);
    free(c->warnings);
    free(c->feeds);
    free(c->name);
    free(c->at.file);
    free(c);
}

/* Adds the nodes of t (or of its sub-circuits, when it has them) under scope, in PyRates' order. */
static int collect_nodes(rct_cload *cl, const ctmpl *t, const char *scope, int depth)
{
    int rc = 0;
    if (depth > RCT_MAX_INHERIT_DEPTH)
        return rct_errf(cl->err, RECTIC_ETEMPLATE, "circuits nested too deep");
    for (int s = 0; !rc && s < t->n_subs; s++) {
        char *sc = malloc(strlen(scope) + strlen(t->subs[s].name) + 2);
        if (!sc)
            return rct_oom(cl->err);
        sprintf(sc, "%s%s/", scope, t->subs[s].name);
        rc = collect_nodes(cl, t->subs[s].sub, sc, depth + 1);
        free(sc);
    }
    for (int i = 0; !rc && i < t->n_nodes; i++) {
        char *path = malloc(strlen(scope) + strlen(t->nodes[i].name) + 1);
        if (!path)
            return rct_oom(cl->err);
        sprintf(path, "%s%s", scope, t->nodes[i].name);
        rc = rct_cl_add_unit(cl, t->f, t->nodes[i].ref, 0, path);
        free(path);
    }
    return rc;
}

int rct_circuit_load(rct_loader *L, const char *ref, rct_circuit **out)
{
    rct_cload cl;
    memset(&cl, 0, sizeof cl);
    cl.L = L;
    cl.err = L->err;
    *out = NULL;
    if (!(cl.c = calloc(1, sizeof *cl.c)))
        return rct_oom(cl.err);
    ctmpl *top;
    int rc = load_tmpl(&cl, NULL, NULL, ref, &top, 0);
    if (!rc && !(cl.c->name = rct_strdup(ref)))
        rc = rct_oom(cl.err);
    if (!rc && !(cl.c->at.file = rct_strdup(top->f->doc->file)))
        rc = rct_oom(cl.err);
    if (!rc) {
        cl.c->at.line = top->body->line;
        cl.c->at.col = top->body->col;
        rc = collect_nodes(&cl, top, "", 0);
    }
    if (!rc && cl.c->n_pops == 0)
        rc = rct_cl_err(&cl, top->f, top->body, "circuit '%s' has no nodes", ref);
    if (!rc)
        rc = collect_rows(&cl, top, 0);
    if (!rc)
        rc = rct_cl_index(&cl);
    for (int i = 0; !rc && i < top->n_rows; i++)
        rc = rct_cl_edge(&cl, &top->rows[i], i);
    for (int i = 0; !rc && i < top->n_rows; i++)
        for (int j = 0; j < i; j++) {
            const crow *a = &top->rows[i], *b = &top->rows[j];
            if (a->row == b->row && !strcmp(a->src, b->src) && !strcmp(a->tgt, b->tgt)) {
                rct_circuit_warn(cl.c, "%s:%d:%d: edge %s -> %s is collected twice: PyRates 1.0.1 repeats the edges of "
                                 "a sub-circuit template used more than once below the top level, and so does rectic",
                                 a->f->doc->file, a->row->line, a->row->col, a->src, a->tgt);
                break;
            }
        }
    for (int i = 0; i < cl.n_cache; i++)
        free_tmpl(cl.cache[i]);
    free(cl.cache);
    free(cl.index);
    for (int i = 0; i < cl.n_tcache; i++)
        free(cl.tcache[i].ref);
    free(cl.tcache);
    if (rc) {
        rct_circuit_free(cl.c);
        return rc;
    }
    *out = cl.c;
    return 0;
}

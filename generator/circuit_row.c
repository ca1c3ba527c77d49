/*
 * circuit_row.c -- one edge row of a CircuitTemplate, [source, target, template_or_null, {values}], into
 * edges between units.  With an EdgeTemplate (SEMANTICS 7): a new edge node; the source feeds the edge's
 * input (its last free input, or the variables mapped to `source` in the values), mapped node variables
 * feed the others, numbers `op/var: x` set edge variables, and the edge node's output reaches the target
 * with the row's weight, delay and spread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit_load.h"

/* The row's values as read. */
typedef struct rowvals {
    double weight, delay, spread;
    const rct_ynode *maps[64];   /* keys T/op/var with a path or `source` */
    int n_maps;
    const rct_ynode *nums[64];   /* keys op/var with a number */
    int n_nums;
} rowvals;

/* Reads a finite number from scalar n; 0 on success. */
static int number(const rct_ynode *n, double *x)
{
    char *end;
    if (n->kind != RCT_Y_SCALAR || n->quoted || !*n->str)
        return -1;
    *x = strtod(n->str, &end);
    return *end || !isfinite(*x) ? -1 : 0;
}

/* Reads the {weight, delay, spread, ...} map of row r. */
static int read_vals(rct_cload *cl, const crow *r, rowvals *v)
{
    memset(v, 0, sizeof *v);
    v->weight = 1.0;
    for (size_t i = 0; r->vals && i < r->vals->n; i++) {
        const rct_ynode *k = r->vals->keys[i], *x = r->vals->vals[i];
        double *slot = !strcmp(k->str, "weight") ? &v->weight : !strcmp(k->str, "delay") ? &v->delay
                       : !strcmp(k->str, "spread") ? &v->spread : NULL;
        if (slot) {
            if (number(x, slot))
                return rct_cl_err(cl, r->f, x, "%s: expected a finite number, found '%s'", k->str,
                                  x->kind == RCT_Y_SCALAR ? x->str : rct_ykind_name(x->kind));
            if (slot != &v->weight && *slot < 0)
                return rct_cl_err(cl, r->f, x, "%s must be >= 0, found %s", k->str, x->str);
            continue;
        }
        if (!r->tmpl)
            return rct_cl_err(cl, r->f, k, "edge value '%s' needs an edge template (this edge has null)", k->str);
        double num;
        int slashes = 0;
        for (const char *p = k->str; *p; p++)
            slashes += *p == '/';
        if (x->kind == RCT_Y_SCALAR && number(x, &num) != 0 && slashes == 2 && v->n_maps < 64)
            v->maps[v->n_maps++] = k;
        else if (x->kind == RCT_Y_SCALAR && number(x, &num) == 0 && slashes == 1 && v->n_nums < 64)
            v->nums[v->n_nums++] = k;
        else
            return rct_cl_err(cl, r->f, k, "edge value '%s': expected weight, delay, spread, EDGE/op/var: source or "
                              "node/op/var, or op/var: number", k->str);
    }
    if (fabs(v->weight - 1.0) < 1e-8)
        v->weight = 1.0; /* PyRates applies such a weight without a multiplication */
    if (v->spread > 0 && v->delay == 0)
        return rct_cl_err(cl, r->f, r->row, "spread without a delay: PyRates 1.0.1 then takes a delay of 1 time unit; "
                          "give the delay");
    return 0;
}

/* Appends an edge. */
static int push(rct_cload *cl, const crow *r, int row, rct_cend src, rct_cend tgt, double w, const rowvals *v, int feed)
{
    rct_circuit *c = cl->c;
    if (rct_grow(&c->edges, &c->cap_edges, (size_t)c->n_edges + 1, sizeof *c->edges))
        return rct_oom(cl->err);
    rct_cedge *e = &c->edges[c->n_edges];
    memset(e, 0, sizeof *e);
    e->src = src;
    e->tgt = tgt;
    e->weight = w;
    e->delay = v ? v->delay : 0;
    e->spread = v ? v->spread : 0;
    e->feed = feed;
    e->row = row;
    e->at.line = r->row->line;
    e->at.col = r->row->col;
    if (!(e->at.file = rct_strdup(r->f->doc->file)))
        return rct_oom(cl->err);
    c->n_edges++;
    return 0;
}

/* Sets variable (op, var) of unit u of population P to x. */
static int set_value(rct_cload *cl, rct_cpop *P, int op, int var, int u, double x)
{
    rct_cset *s = NULL;
    for (int i = 0; i < P->n_sets; i++)
        if (P->sets[i].op == op && P->sets[i].var == var)
            s = &P->sets[i];
    if (!s) {
        rct_cset *g = realloc(P->sets, sizeof *g * (size_t)(P->n_sets + 1));
        if (!g)
            return rct_oom(cl->err);
        P->sets = g;
        s = &g[P->n_sets];
        s->op = op;
        s->var = var;
        if (!(s->values = malloc(sizeof *s->values * (size_t)P->n)))
            return rct_oom(cl->err);
        P->n_sets++;
        for (int k = 0; k < P->n; k++)
            s->values[k] = P->tmpl->ops[op].vars[var].value;
    }
    s->values[u] = x;
    return 0;
}

/* Index of the variable of op o declared output, or -1. */
static int output_of(const rct_top *o)
{
    for (int j = 0; j < o->n_vars; j++)
        if (o->vars[j].decl == RCT_D_OUTPUT)
            return j;
    return -1;
}

/* Whether another operator than o of tn has an output called name. */
static int fed_inside(const rct_tnode *tn, int o, const char *name)
{
    for (int k = 0; k < tn->n_ops; k++) {
        int out = output_of(&tn->ops[k]);
        if (k != o && out >= 0 && !strcmp(tn->ops[k].vars[out].name, name))
            return 1;
    }
    return 0;
}

/* PyRates' default edge input: of the inputs no operator of the edge feeds, the last name, in the first
   operator that has it.  *op = -1 when there is none. */
static void default_input(const rct_tnode *tn, int *op, int *var)
{
    *op = *var = -1;
    for (int o = 0; o < tn->n_ops; o++)
        for (int j = 0; j < tn->ops[o].n_vars; j++) {
            const rct_tvar *x = &tn->ops[o].vars[j];
            if (x->decl == RCT_D_INPUT && !fed_inside(tn, o, x->name)) {
                int seen = 0; /* a name seen before keeps its first place */
                for (int p = 0; p < o && !seen; p++)
                    for (int q = 0; q < tn->ops[p].n_vars; q++)
                        seen |= tn->ops[p].vars[q].decl == RCT_D_INPUT && !strcmp(tn->ops[p].vars[q].name, x->name) &&
                                !fed_inside(tn, p, x->name);
                if (!seen) {
                    *op = o;
                    *var = j;
                }
            }
        }
}

/* The edge template's output operator: the one whose output no other operator reads. */
static int output_op(const rct_tnode *tn)
{
    int found = -1, count = 0;
    for (int o = 0; o < tn->n_ops; o++) {
        int out = output_of(&tn->ops[o]), read = 0;
        for (int k = 0; out >= 0 && k < tn->n_ops; k++)
            for (int j = 0; k != o && j < tn->ops[k].n_vars; j++)
                read |= tn->ops[k].vars[j].decl == RCT_D_INPUT && !strcmp(tn->ops[k].vars[j].name, tn->ops[o].vars[out].name);
        if (!read) {
            found = o;
            count++;
        }
    }
    return count == 1 && output_of(&tn->ops[found]) >= 0 ? found : -1;
}

/* The edge node of row r (number i): its unit, values, feeds and the edge to the target. */
static int edge_node(rct_cload *cl, const crow *r, int i, const rowvals *v, rct_cend src, rct_cend tgt)
{
    int p, u, rc = rct_cl_add_unit_at(cl, r->f, r->tmpl, 1, "", &p, &u);
    if (rc)
        return rc;
    rct_cpop *P = &cl->c->pops[p];
    const rct_tnode *tn = P->tmpl;
    char name[512];
    snprintf(name, sizeof name, "%s.%d", tn->name, i);
    free(P->units[u]);
    if (!(P->units[u] = rct_strdup(name)))
        return rct_oom(cl->err);
    for (int k = 0; k < v->n_nums; k++) {
        const rct_ynode *key = v->nums[k], *val = rct_ymap_get(r->vals, key->str);
        const char *slash = strchr(key->str, '/');
        int o, j;
        double x;
        number(val, &x);
        for (o = 0; o < tn->n_ops && (strlen(tn->ops[o].name) != (size_t)(slash - key->str) ||
                                      strncmp(tn->ops[o].name, key->str, (size_t)(slash - key->str))); o++)
            ;
        for (j = 0; o < tn->n_ops && j < tn->ops[o].n_vars && strcmp(tn->ops[o].vars[j].name, slash + 1); j++)
            ;
        if (o == tn->n_ops || j == tn->ops[o].n_vars)
            return rct_cl_err(cl, r->f, key, "edge template '%s' has no variable '%s'", tn->name, key->str);
        if ((rc = set_value(cl, P, o, j, u, x)))
            return rc;
    }
    int fed_source = 0;
    for (int k = 0; k < v->n_maps; k++) {
        const rct_ynode *key = v->maps[k], *val = rct_ymap_get(r->vals, key->str);
        size_t tl = strlen(tn->name);
        if (strncmp(key->str, tn->name, tl) != 0 || key->str[tl] != '/')
            return rct_cl_err(cl, r->f, key, "mapping '%s' must start with the edge template's name, %s/op/var",
                              key->str, tn->name);
        char path[1024];
        snprintf(path, sizeof path, "%s.%d/%s", tn->name, i, key->str + tl + 1);
        rct_cend in, from = src;
        if (rct_circuit_var(cl->c, path, "edge mapping", &in, cl->err))
            return rct_cl_err(cl, r->f, key, "%s", cl->err->msg);
        if (tn->ops[in.op].vars[in.var].decl != RCT_D_INPUT)
            return rct_cl_err(cl, r->f, key, "'%s' is not an input variable of the edge template", key->str);
        if (strcmp(val->str, "source") != 0) {
            snprintf(path, sizeof path, "%s%s", r->prefix, val->str);
            if (rct_cl_resolve(cl, path, "edge mapping", &from))
                return rct_cl_err(cl, r->f, val, "%s", cl->err->msg);
        } else {
            fed_source = 1;
        }
        if ((rc = push(cl, r, i, from, in, 1.0, NULL, 1)))
            return rc;
    }
    if (!v->n_maps) {
        rct_cend in = {p, u, -1, -1};
        default_input(tn, &in.op, &in.var);
        if (in.op < 0)
            return rct_cl_err(cl, r->f, r->tmpl, "edge template '%s' has no input variable for the source", tn->name);
        if ((rc = push(cl, r, i, src, in, 1.0, NULL, 1)))
            return rc;
        fed_source = 1;
    }
    if (!fed_source)
        rct_circuit_warn(cl->c, "%s:%d:%d: edge %s -> %s maps no edge variable to `source`: the source only selects "
                         "where the edge starts", r->f->doc->file, r->row->line, r->row->col, r->src, r->tgt);
    int out = output_op(tn);
    if (out < 0)
        return rct_cl_err(cl, r->f, r->tmpl, "edge template '%s' needs exactly one operator whose output no other "
                          "operator reads", tn->name);
    return push(cl, r, i, (rct_cend){p, u, out, output_of(&tn->ops[out])}, tgt, v->weight, v, 0);
}

int rct_cl_edge(rct_cload *cl, const crow *r, int i)
{
    rowvals v;
    rct_cend src, tgt;
    int rc = read_vals(cl, r, &v);
    if (rc)
        return rc;
    if (rct_cl_resolve(cl, r->src, "edge source", &src))
        return rct_cl_err(cl, r->f, r->row->vals[0], "%s", cl->err->msg);
    if (rct_cl_resolve(cl, r->tgt, "edge target", &tgt))
        return rct_cl_err(cl, r->f, r->row->vals[1], "%s", cl->err->msg);
    const rct_tnode *tt = cl->c->pops[tgt.pop].tmpl;
    if (tt->ops[tgt.op].vars[tgt.var].decl != RCT_D_INPUT)
        return rct_cl_err(cl, r->f, r->row->vals[1], "edge target '%s' is not an input variable (declare it input(...))",
                          r->tgt);
    if (!r->tmpl)
        return push(cl, r, i, src, tgt, v.weight, &v, 0);
    return edge_node(cl, r, i, &v, src, tgt);
}

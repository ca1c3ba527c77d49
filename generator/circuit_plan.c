/*
 * circuit_plan.c -- how PyRates 1.0.1 runs a circuit's edges under forward Euler (SEMANTICS 9), decided
 * once dt is known, and the text of a resolved circuit.
 *
 * PyRates vectorises nodes whose operator lists are structurally equal (equations, variable names and
 * declarations, in order) and then treats the edges leaving one variable of such a vectorised node as one
 * group: discrete delays D = round_half_even(delay/dt) (no delay: D = 1); nothing is buffered when every D
 * <= 1; otherwise every edge of the group reads a buffer (zero history), the undelayed ones at D = 1.  If an
 * edge of the group has a spread, edges with spread become chains of K = round((delay/spread)^2) ODEs of rate
 * K/delay and the others are instantaneous.  Unbuffered edges between the same two units in one such group
 * keep only the last weight (PyRates fills the matrix by assignment).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"

/* Whether a and b are equal once spaces are removed. */
static int same_text(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (*a != *b)
            return 0;
        if (!*a)
            return 1;
        a++;
        b++;
    }
}

/* Whether two templates have the operator lists PyRates would vectorise together. */
static int same_structure(const rct_tnode *a, const rct_tnode *b)
{
    if (a->n_ops != b->n_ops)
        return 0;
    for (int o = 0; o < a->n_ops; o++) {
        const rct_top *x = &a->ops[o], *y = &b->ops[o];
        if (x->n_eqs != y->n_eqs || x->n_vars != y->n_vars)
            return 0;
        for (int i = 0; i < x->n_eqs; i++)
            if (!same_text(x->eqs[i].text, y->eqs[i].text))
                return 0;
        for (int i = 0; i < x->n_vars; i++)
            if (strcmp(x->vars[i].name, y->vars[i].name) || x->vars[i].decl != y->vars[i].decl)
                return 0;
    }
    return 1;
}

/* Gives every population the index of the first structurally equal one (PyRates' vectorised node). */
static void assign_sigs(rct_circuit *c)
{
    for (int p = 0; p < c->n_pops; p++) {
        c->pops[p].sig = p;
        for (int q = 0; q < p; q++)
            if (c->pops[q].is_edge == c->pops[p].is_edge && same_structure(c->pops[q].tmpl, c->pops[p].tmpl)) {
                c->pops[p].sig = c->pops[q].sig;
                break;
            }
    }
}

/* "unit/op/var" of an edge end. */
static void end_name(const rct_circuit *c, const rct_cend *e, char *out, size_t size)
{
    const rct_cpop *P = &c->pops[e->pop];
    snprintf(out, size, "%s/%s/%s", P->units[e->unit], P->tmpl->ops[e->op].name, P->tmpl->ops[e->op].vars[e->var].name);
}

/* Plans the group of edges whose source is variable (sig, op, var); members[] are edge indices. */
static void plan_group(rct_circuit *c, const int *members, int n, double dt)
{
    double max = 0;
    int any_float = 0, any_spread = 0, any_delayed = 0, any_plain = 0;
    for (int i = 0; i < n; i++) {
        const rct_cedge *e = &c->edges[members[i]];
        double m = e->delay == 0 ? 1 : e->spread == 0 ? rint(e->delay / dt) : e->delay;
        any_float |= e->spread > 0;
        any_spread |= e->spread > 0;
        any_delayed |= e->delay > 0;
        any_plain |= e->delay == 0;
        max = i == 0 || m > max ? m : max;
    }
    char src[600];
    const rct_cend *s0 = &c->edges[members[0]].src;
    const rct_srcpos *at = &c->pops[s0->pop].unit_at[s0->unit]; /* the group's first node */
    end_name(c, s0, src, sizeof src);
    if (!(any_float ? max > dt : max > 1)) {
        if (any_delayed)
            rct_circuit_warn(c, "%s:%d:%d: the delays of the edges from %s round to at most one step: they are "
                             "instantaneous (PyRates)", at->file, at->line, at->col, src);
        return;
    }
    for (int i = 0; i < n; i++) {
        rct_cedge *e = &c->edges[members[i]];
        if (any_spread) {
            double order = e->spread > 0 ? rint((e->delay / e->spread) * (e->delay / e->spread)) : 0;
            e->K = order > 0 ? (int)order : 0;
            e->k = e->K ? e->K / e->delay : 0;
            e->mode = e->K ? RCT_CE_CHAIN : RCT_CE_NOW;
            if (!e->K && e->delay > 0)
                rct_circuit_warn(c, "%s:%d:%d: the delay of this edge from %s is dropped: %s (PyRates)", e->at.file,
                                 e->at.line, e->at.col, src, e->spread > 0 ? "(delay/spread)^2 rounds to 0"
                                 : "another edge from the same variable has a spread");
        } else {
            e->mode = RCT_CE_BUFFER;
            e->D = e->delay == 0 ? 1 : (long)rint(e->delay / dt);
        }
    }
    if (!any_spread && any_plain)
        rct_circuit_warn(c, "%s:%d:%d: the undelayed edges from %s lag one step: another edge from it is delayed "
                         "(PyRates)", at->file, at->line, at->col, src);
}

/* Whether unbuffered plain edges a and b join the same two units through the same variables. */
static int same_pair(const rct_circuit *c, const rct_cedge *a, const rct_cedge *b)
{
    return a->mode == RCT_CE_NOW && b->mode == RCT_CE_NOW && !a->feed && !b->feed && !c->pops[a->src.pop].is_edge &&
           !c->pops[b->src.pop].is_edge && a->src.pop == b->src.pop && a->src.unit == b->src.unit &&
           a->src.op == b->src.op && a->src.var == b->src.var && a->tgt.pop == b->tgt.pop && a->tgt.unit == b->tgt.unit &&
           a->tgt.op == b->tgt.op && a->tgt.var == b->tgt.var && (a->delay > 0) == (b->delay > 0);
}

/* Drops every unbuffered plain edge that a later one between the same two units replaces. */
static void drop_repeated(rct_circuit *c)
{
    int kept = 0;
    for (int i = 0; i < c->n_edges; i++) {
        int later = 0;
        for (int j = i + 1; j < c->n_edges && !later; j++)
            later = same_pair(c, &c->edges[i], &c->edges[j]);
        if (later) {
            char src[600], tgt[600];
            end_name(c, &c->edges[i].src, src, sizeof src);
            end_name(c, &c->edges[i].tgt, tgt, sizeof tgt);
            rct_circuit_warn(c, "%s:%d:%d: edge %s -> %s is replaced by a later edge between the same nodes: PyRates "
                             "keeps the last weight", c->edges[i].at.file, c->edges[i].at.line, c->edges[i].at.col, src, tgt);
            free(c->edges[i].at.file);
            continue;
        }
        c->edges[kept++] = c->edges[i];
    }
    c->n_edges = kept;
}

int rct_circuit_plan(rct_circuit *c, double dt, rct_err *err)
{
    if (!(dt > 0) || !isfinite(dt))
        return rct_errf(err, RECTIC_EINVAL, "dt must be a positive number");
    assign_sigs(c);
    int *members = malloc(sizeof *members * (size_t)(c->n_edges ? c->n_edges : 1));
    char *done = calloc((size_t)(c->n_edges ? c->n_edges : 1), 1);
    if (!members || !done) {
        free(members);
        free(done);
        return rct_oom(err);
    }
    for (int i = 0; i < c->n_edges; i++) {
        c->edges[i].mode = RCT_CE_NOW;
        c->edges[i].D = 0;
        c->edges[i].K = 0;
        c->edges[i].k = 0;
    }
    for (int i = 0; i < c->n_edges; i++) {
        if (done[i])
            continue;
        const rct_cend *s = &c->edges[i].src;
        int n = 0;
        for (int j = i; j < c->n_edges; j++) {
            const rct_cend *t = &c->edges[j].src;
            if (!done[j] && c->pops[t->pop].sig == c->pops[s->pop].sig && t->op == s->op && t->var == s->var) {
                members[n++] = j;
                done[j] = 1;
            }
        }
        plan_group(c, members, n, dt);
    }
    free(members);
    free(done);
    drop_repeated(c);
    c->dt = dt;
    return 0;
}

char *rct_circuit_describe(const rct_circuit *c)
{
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_printf(&b, "circuit %s (%s:%d:%d)", c->name, c->at.file, c->at.line, c->at.col);
    if (c->dt > 0)
        rct_buf_printf(&b, ", delays in steps of dt %.17g", c->dt);
    rct_buf_putc(&b, '\n');
    for (int p = 0; p < c->n_pops; p++) {
        const rct_cpop *P = &c->pops[p];
        rct_buf_printf(&b, "population %s: %d %s of %s (", P->name, P->n, P->is_edge ? "edge nodes" : "nodes", P->ref);
        for (int o = 0; o < P->tmpl->n_ops; o++)
            rct_buf_printf(&b, "%s%s", o ? ", " : "operators ", P->tmpl->ops[o].name);
        rct_buf_puts(&b, ")\n ");
        for (int u = 0; u < P->n; u++)
            rct_buf_printf(&b, " %s", P->units[u]);
        rct_buf_putc(&b, '\n');
    }
    for (int i = 0; i < c->n_edges; i++) {
        const rct_cedge *e = &c->edges[i];
        char src[600], tgt[600], w[32];
        end_name(c, &e->src, src, sizeof src);
        end_name(c, &e->tgt, tgt, sizeof tgt);
        rct_fmt_double(w, e->weight);
        rct_buf_printf(&b, "edge %s -> %s weight %s", src, tgt, w);
        if (e->mode == RCT_CE_BUFFER)
            rct_buf_printf(&b, " delay %ld steps", e->D);
        else if (e->mode == RCT_CE_CHAIN)
            rct_buf_printf(&b, " chain of %d ODEs, rate %.17g", e->K, e->k);
        rct_buf_printf(&b, "%s (%s:%d:%d)\n", e->feed ? " feed" : "", e->at.file, e->at.line, e->at.col);
    }
    for (int i = 0; i < c->n_warnings; i++)
        rct_buf_printf(&b, "warning: %s\n", c->warnings[i]);
    return rct_buf_take(&b);
}

/*
 * ir_query.c -- questions asked of a built model: names and kinds, looking variables up, printing
 * expressions and the whole model, and whether the coupling can be event-driven.
 */
#include "ir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rct_vkind_name(rct_vkind k)
{
    switch (k) {
    case RCT_VK_STATE: return "state";
    case RCT_VK_ALG: return "algebraic";
    case RCT_VK_PARAM: return "parameter";
    case RCT_VK_INPUT: return "input";
    case RCT_VK_COUPLING: return "coupling target";
    case RCT_VK_SPIKE: return "spike input";
    case RCT_VK_ALIAS: return "wired input";
    }
    return "?";
}

const char *rct_var_fullname(const rct_model *m, int v, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", m->vars[v].op, m->vars[v].name);
    return buf;
}

/* ---------------------------------------------------------------- printing */

static int prec(const rct_expr *e)
{
    switch (e->kind) {
    case RCT_E_ADD: case RCT_E_SUB: return 1;
    case RCT_E_MUL: case RCT_E_DIV: return 2;
    case RCT_E_NEG: return 3;
    case RCT_E_POW: return 4;
    default: return 5;
    }
}

static void print_num(rct_buf *b, double x)
{
    char s[32];
    rct_fmt_double(s, x);
    rct_buf_puts(b, s);
}

void rct_expr_print(rct_buf *b, const rct_model *m, const rct_expr *e)
{
    static const char *const ops[] = {[RCT_E_ADD] = " + ", [RCT_E_SUB] = " - ", [RCT_E_MUL] = "*",
                                      [RCT_E_DIV] = "/", [RCT_E_POW] = "^"};
    switch (e->kind) {
    case RCT_E_NUM:
        print_num(b, e->num);
        return;
    case RCT_E_VAR:
        if (m && e->ref >= 0)
            rct_buf_puts(b, m->vars[e->ref].name);
        else
            rct_buf_puts(b, e->name);
        return;
    case RCT_E_CALL:
        rct_buf_puts(b, e->ref >= 0 ? rct_funcs[e->ref].name : e->name);
        rct_buf_putc(b, '(');
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                rct_buf_puts(b, ", ");
            rct_expr_print(b, m, e->args[i]);
        }
        rct_buf_putc(b, ')');
        return;
    case RCT_E_NEG: {
        int paren = prec(e->args[0]) < 3 || e->args[0]->kind == RCT_E_NEG;
        rct_buf_puts(b, paren ? "-(" : "-");
        rct_expr_print(b, m, e->args[0]);
        if (paren)
            rct_buf_putc(b, ')');
        return;
    }
    default: {
        int p = prec(e);
        int right_assoc = e->kind == RCT_E_POW;
        int lp = right_assoc ? prec(e->args[0]) <= p : prec(e->args[0]) < p;
        int rp = right_assoc ? prec(e->args[1]) < p : prec(e->args[1]) <= p;
        if (lp)
            rct_buf_putc(b, '(');
        rct_expr_print(b, m, e->args[0]);
        if (lp)
            rct_buf_putc(b, ')');
        rct_buf_puts(b, ops[e->kind]);
        if (rp)
            rct_buf_putc(b, '(');
        rct_expr_print(b, m, e->args[1]);
        if (rp)
            rct_buf_putc(b, ')');
    }
    }
}

/* ---------------------------------------------------------------- lookup */

int rct_ir_find_in_op(const rct_model *m, const char *op, size_t op_len, const char *name)
{
    for (int v = 0; v < m->n_vars; v++)
        if (strlen(m->vars[v].op) == op_len && strncmp(m->vars[v].op, op, op_len) == 0 &&
            strcmp(m->vars[v].name, name) == 0)
            return v;
    return -1;
}

int rct_ir_follow_alias(const rct_model *m, int v)
{
    while (v >= 0 && m->vars[v].kind == RCT_VK_ALIAS)
        v = m->vars[v].alias;
    return v;
}

int rct_model_find(const rct_model *m, const char *name, const char *op_hint, const char *what_for, rct_err *err)
{
    const char *full = name;
    if (strncmp(name, "all/", 4) == 0)
        name += 4;
    const char *slash = strchr(name, '/');
    if (slash) {
        int v = rct_ir_find_in_op(m, name, (size_t)(slash - name), slash + 1);
        if (v < 0) {
            rct_errf(err, RECTIC_EINVAL, "%s: no variable '%s' in the model (operator/variable names: see rectic check)",
                     what_for, full);
            return -1;
        }
        return rct_ir_follow_alias(m, v);
    }
    if (op_hint) {
        int v = rct_ir_find_in_op(m, op_hint, strlen(op_hint), name);
        if (v >= 0)
            return rct_ir_follow_alias(m, v);
    }
    int found = -1, count = 0;
    rct_buf all;
    rct_buf_init(&all);
    for (int v = 0; v < m->n_vars; v++) {
        if (strcmp(m->vars[v].name, name) != 0)
            continue;
        int t = rct_ir_follow_alias(m, v), seen = 0;
        for (int w = 0; w < v; w++)
            seen |= strcmp(m->vars[w].name, name) == 0 && rct_ir_follow_alias(m, w) == t;
        if (seen)
            continue;
        rct_buf_printf(&all, "%s%s/%s", count ? ", " : "", m->vars[t].op, m->vars[t].name);
        found = t;
        count++;
    }
    if (count == 1) {
        rct_buf_free(&all);
        return found;
    }
    if (count == 0) {
        rct_buf names;
        rct_buf_init(&names);
        for (int v = 0; v < m->n_vars; v++)
            if (m->vars[v].kind != RCT_VK_ALIAS)
                rct_buf_printf(&names, "%s%s/%s", names.len ? ", " : "", m->vars[v].op, m->vars[v].name);
        rct_errf(err, RECTIC_EINVAL, "%s: no variable '%s' in the model (it has: %s)", what_for, full,
                 names.s ? names.s : "nothing");
        rct_buf_free(&names);
    } else {
        rct_errf(err, RECTIC_EINVAL, "%s: '%s' is ambiguous (%s): write operator/variable", what_for, full, all.s);
    }
    rct_buf_free(&all);
    return -1;
}

static const char *decl_name(rct_decl d)
{
    switch (d) {
    case RCT_D_OUTPUT: return "output";
    case RCT_D_VARIABLE: return "variable";
    case RCT_D_INPUT: return "input";
    default: return "constant";
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *rct_model_describe(const rct_model *m)
{
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_printf(&b, "template %s\n", m->template_ref);
    if (m->description)
        rct_buf_printf(&b, "description %s\n", m->description);
    for (int o = 0; o < m->n_ops; o++) {
        rct_buf_printf(&b, "operator %s\n  equations:\n", m->op_names[o]);
        for (int e = 0; e < m->n_eqs; e++)
            if (m->eqs[e].op == o)
                rct_buf_printf(&b, "    %s\n", strchr(m->eq_text[e], ':') + 2);
        rct_buf_puts(&b, "  variables:\n");
        char **lines = calloc((size_t)m->n_vars + 1, sizeof *lines);
        int n = 0;
        for (int v = 0; lines && v < m->n_vars; v++) {
            const rct_var *var = &m->vars[v];
            if (strcmp(var->op, m->op_names[o]) != 0)
                continue;
            char val[32];
            rct_fmt_double(val, var->value);
            rct_buf line;
            rct_buf_init(&line);
            char decl[64];
            if (var->decl == RCT_D_CONST)
                snprintf(decl, sizeof decl, "%s", val);
            else
                snprintf(decl, sizeof decl, "%s(%s)", decl_name(var->decl), val);
            rct_buf_printf(&line, "    %-10s %-16s ", var->name, decl);
            if (var->kind == RCT_VK_ALIAS)
                rct_buf_printf(&line, "wired to %s/%s", m->vars[var->alias].op, m->vars[var->alias].name);
            else if (var->kind == RCT_VK_PARAM && var->decl == RCT_D_INPUT)
                rct_buf_puts(&line, "input");
            else
                rct_buf_puts(&line, rct_vkind_name(var->kind));
            lines[n++] = rct_buf_take(&line);
        }
        if (lines) {
            for (int i = 0; i < n; i++)
                if (!lines[i])
                    b.failed = 1;
            if (!b.failed)
                qsort(lines, (size_t)n, sizeof *lines, cmp_str);
            for (int i = 0; i < n; i++) {
                if (lines[i])
                    rct_buf_printf(&b, "%s\n", lines[i]);
                free(lines[i]);
            }
            free(lines);
        } else {
            b.failed = 1;
        }
    }
    return rct_buf_take(&b);
}

/* Is e the variable v? */
static int is_var(const rct_expr *e, int v)
{
    return e->kind == RCT_E_VAR && e->ref == v;
}

/* A constant of the step: a number or a parameter. */
static int is_const(const rct_model *m, const rct_expr *e)
{
    return e->kind == RCT_E_NUM || (e->kind == RCT_E_VAR && m->vars[e->ref].kind == RCT_VK_PARAM);
}

/* Matches the decay term -s/T (sign -1: written -s/T or -(s/T); sign +1: s/T, to be subtracted). */
static const rct_expr *decay_term(const rct_model *m, const rct_expr *e, int s, int sign)
{
    if (sign < 0 && e->kind == RCT_E_DIV && e->args[0]->kind == RCT_E_NEG && is_var(e->args[0]->args[0], s) &&
        is_const(m, e->args[1]))
        return e->args[1];
    if (sign < 0 && e->kind == RCT_E_NEG)
        return decay_term(m, e->args[0], s, 1);
    if (sign > 0 && e->kind == RCT_E_DIV && is_var(e->args[0], s) && is_const(m, e->args[1]))
        return e->args[1];
    return NULL;
}

/* Matches the drive term spike or C*spike or spike*C; *gain is C (NULL for 1). */
static int drive_term(const rct_model *m, const rct_expr *e, int spike, const rct_expr **gain)
{
    *gain = NULL;
    if (is_var(e, spike))
        return 1;
    if (e->kind != RCT_E_MUL)
        return 0;
    if (is_var(e->args[1], spike) && is_const(m, e->args[0]))
        *gain = e->args[0];
    else if (is_var(e->args[0], spike) && is_const(m, e->args[1]))
        *gain = e->args[1];
    return *gain != NULL;
}

int rct_model_event_form(const rct_model *m, const rct_expr **tau, const rct_expr **gain, char *why, size_t size)
{
    *tau = *gain = NULL;
    if (m->source < 0 || m->spike_var < 0) {
        snprintf(why, size, "event-driven coupling needs a spiking network with coupling");
        return 0;
    }
    return rct_model_event_form_of(m, m->source, tau, gain, why, size);
}

int rct_model_event_form_of(const rct_model *m, int source, const rct_expr **tau, const rct_expr **gain, char *why,
                            size_t size)
{
    *tau = *gain = NULL;
    if (m->spike_var < 0) {
        snprintf(why, size, "event-driven coupling needs a spiking source");
        return 0;
    }
    const rct_var *src = &m->vars[source];
    if (src->kind != RCT_VK_STATE || source == m->spike_def) {
        snprintf(why, size, "event-driven coupling needs a source that is a state variable other than spec.spike_def");
        return 0;
    }
    const rct_expr *e = m->eqs[src->eq].rhs;
    int s = source, sp = m->spike_var;
    if (e->kind == RCT_E_ADD) {
        for (int k = 0; k < 2 && !*tau; k++)
            if ((*tau = decay_term(m, e->args[k], s, -1)) && !drive_term(m, e->args[1 - k], sp, gain))
                *tau = NULL;
    } else if (e->kind == RCT_E_SUB && drive_term(m, e->args[0], sp, gain)) {
        *tau = decay_term(m, e->args[1], s, 1);
    }
    if (!*tau)
        snprintf(why, size, "event-driven coupling needs the source to obey %s' = -%s/tau + c*%s with constant tau and c; "
                            "its equation is %s", src->name, src->name, m->vars[sp].name, m->eq_text[src->eq]);
    return *tau != NULL;
}

int rct_model_event_param(const rct_model *m, int v)
{
    const rct_expr *tau, *gain;
    char why[512]; /* unused: only whether the form holds */
    if (!rct_model_event_form(m, &tau, &gain, why, sizeof why))
        return 0;
    return is_var(tau, v) || (gain && is_var(gain, v));
}

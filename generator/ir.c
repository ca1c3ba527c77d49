/*
 * ir.c -- turns a resolved node template into the model IR: variable kinds, parsed and resolved
 * equations, network roles, and the schedule of passes and barriers that one Euler step runs.
 */
#include "ir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

typedef struct builder {
    rct_model *m;
    const rct_tnode *node;
    rct_err *err;
    int *var_state;  /* scheduling marks per variable: 0 new, 1 visiting, 2 done */
    int *red_state;  /* the same per reduction */
    int *coup_state; /* the same per coupling slot */
    int *coup_link;  /* per coupling slot: the link being scheduled (for messages) */
    int *link_slot, *link_source, n_links; /* the coupling links: slot and source variable (-1: none) */
    const char **texts; /* equation texts, for messages */
    int *order_alg;
    int n_order_alg;
    int *sum_var;       /* inputs fed by the outputs of two or more other operators (PyRates adds them) */
    int **sum_src;      /* per such input: its source variables in operator order, -1 terminated */
    int n_sums;
} builder;

int rct_is_ident(const char *s)
{
    if (!s || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* Reports an error at character `offset` of equation text: at its column when the characters up to it
   are written as in the file (offset < exact), else naming the equation. */
static int eq_err(builder *B, const rct_srcpos *at, int exact, const char *text, int offset, int code,
                  const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int eq_err(builder *B, const rct_srcpos *at, int exact, const char *text, int offset, int code,
                  const char *fmt, ...)
{
    char msg[1024], where[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (offset < exact || (offset == exact && (size_t)exact == strlen(text))) { /* (or just past the end) */
        rct_srcpos_fmt(where, sizeof where, at, offset);
        return rct_errf(B->err, code, "%s: %s", where, msg);
    }
    rct_srcpos_fmt(where, sizeof where, at, 0);
    return rct_errf(B->err, code, "%s: %s (in equation \"%s\", at character %d)", where, msg, text, offset + 1);
}

/* ---------------------------------------------------------------- building */

void rct_model_free(rct_model *m)
{
    if (!m)
        return;
    for (int v = 0; v < m->n_vars; v++) {
        free(m->vars[v].op);
        free(m->vars[v].name);
        free(m->vars[v].cname);
        free(m->vars[v].at.file);
    }
    free(m->vars);
    for (int e = 0; e < m->n_eqs; e++) {
        rct_expr_free(m->eqs[e].rhs);
        free(m->eqs[e].at.file);
        if (m->eq_text)
            free(m->eq_text[e]);
    }
    free(m->eqs);
    free(m->eq_text);
    for (int i = 0; i < m->n_ops; i++)
        free(m->op_names[i]);
    free(m->op_names);
    free(m->order);
    free(m->state_var);
    free(m->alg_var);
    free(m->param_var);
    free(m->reds);
    free(m->coup_var);
    free(m->coup_before);
    free(m->template_ref);
    free(m->description);
    free(m);
}

/* Creates the variables of every operator. */
static int add_vars(builder *B)
{
    rct_model *m = B->m;
    const rct_tnode *node = B->node;
    int total = 0;
    for (int o = 0; o < node->n_ops; o++)
        total += node->ops[o].n_vars;
    m->vars = calloc((size_t)total + 1, sizeof *m->vars);
    m->op_names = calloc((size_t)node->n_ops + 1, sizeof *m->op_names);
    if (!m->vars || !m->op_names)
        return rct_oom(B->err);
    for (int o = 0; o < node->n_ops; o++) {
        const rct_top *op = &node->ops[o];
        if (!rct_is_ident(op->name))
            return rct_errf(B->err, RECTIC_ETEMPLATE,
                            "%s:%d:%d: invalid operator name '%s': expected letters, digits and '_'", op->at.file,
                            op->at.line, op->at.col, op->name);
        if (!(m->op_names[o] = rct_strdup(op->name)))
            return rct_oom(B->err);
        m->n_ops++;
        int outputs = 0;
        for (int i = 0; i < op->n_vars; i++) {
            const rct_tvar *tv = &op->vars[i];
            rct_var *v = &m->vars[m->n_vars++];
            v->op = rct_strdup(op->name);
            v->name = rct_strdup(tv->name);
            v->decl = tv->decl;
            v->value = tv->value;
            v->kind = RCT_VK_PARAM;
            v->eq = v->alias = -1;
            v->at = tv->at;
            v->at.file = rct_strdup(tv->at.file);
            if (!v->op || !v->name || !v->at.file)
                return rct_oom(B->err);
            if (tv->decl == RCT_D_OUTPUT && ++outputs > 1)
                return rct_errf(B->err, RECTIC_ETEMPLATE, "%s:%d:%d: operator '%s' has two outputs: only one variable may be output(...)",
                                tv->at.file, tv->at.line, tv->at.col, op->name);
        }
    }
    return 0;
}

/* Wires each operator input to another operator's output of the same name. */
static int wire_inputs(builder *B)
{
    rct_model *m = B->m;
    if (!(B->sum_var = calloc((size_t)m->n_vars + 1, sizeof *B->sum_var)) ||
        !(B->sum_src = calloc((size_t)m->n_vars + 1, sizeof *B->sum_src)))
        return rct_oom(B->err);
    for (int v = 0; v < m->n_vars; v++) {
        if (m->vars[v].decl != RCT_D_INPUT)
            continue;
        int *src = malloc(sizeof *src * ((size_t)m->n_vars + 1)), n = 0;
        if (!src)
            return rct_oom(B->err);
        for (int w = 0; w < m->n_vars; w++)
            if (strcmp(m->vars[w].op, m->vars[v].op) != 0 && strcmp(m->vars[w].name, m->vars[v].name) == 0 &&
                m->vars[w].decl == RCT_D_OUTPUT)
                src[n++] = w;
        src[n] = -1;
        if (n == 1) {
            m->vars[v].kind = RCT_VK_ALIAS;
            m->vars[v].alias = src[0];
        }
        if (n >= 2) { /* the input is the sum of those outputs, in operator order (SEMANTICS 7) */
            m->vars[v].kind = RCT_VK_ALG;
            B->sum_var[B->n_sums] = v;
            B->sum_src[B->n_sums++] = src;
        } else {
            free(src);
        }
    }
    /* an alias chain must end in a real variable */
    for (int v = 0; v < m->n_vars; v++) {
        int w = v, steps = 0;
        while (m->vars[w].kind == RCT_VK_ALIAS) {
            w = m->vars[w].alias;
            if (++steps > m->n_vars)
                return rct_errf(B->err, RECTIC_ETEMPLATE, "operators' inputs and outputs named '%s' form a cycle",
                                m->vars[v].name);
        }
    }
    return 0;
}

/* Resolves names and functions in an expression of operator op. */
static int resolve_expr(builder *B, const rct_eq *eq, const char *text, rct_expr *e, int in_reduction)
{
    rct_model *m = B->m;
    const char *op = m->op_names[eq->op];
    if (e->kind == RCT_E_VAR) {
        int v = rct_ir_find_in_op(m, op, strlen(op), e->name);
        if (v < 0) {
            double c;
            if (rct_constant(e->name, &c)) {
                e->kind = RCT_E_NUM;
                e->num = c;
                return 0;
            }
            if (!strcmp(e->name, "y") || !strcmp(e->name, "dy") || !strcmp(e->name, "I"))
                return eq_err(B, &eq->at, eq->exact, text, e->pos, RECTIC_ETEMPLATE,
                              "'%s' is a reserved name and cannot be used in an equation", e->name);
            if (rct_func_lookup(e->name, 1) != -1 || rct_func_lookup(e->name, 2) != -1)
                return eq_err(B, &eq->at, eq->exact, text, e->pos, RECTIC_ETEMPLATE,
                              "'%s' is a function: call it as %s(...)", e->name, e->name);
            return eq_err(B, &eq->at, eq->exact, text, e->pos, RECTIC_ETEMPLATE,
                          "unknown variable '%s' in equation of %s (declare it under variables:)", e->name, op);
        }
        e->ref = rct_ir_follow_alias(m, v);
        return 0;
    }
    if (e->kind == RCT_E_NUM) {
        if (!isfinite(e->num))
            return eq_err(B, &eq->at, eq->exact, text, e->pos, RECTIC_ETEMPLATE, "number out of range");
        return 0;
    }
    if (e->kind == RCT_E_CALL) {
        int f = rct_func_lookup(e->name, e->nargs);
        if (f == -1)
            return eq_err(B, &eq->at, eq->exact, text, e->pos, RECTIC_ETEMPLATE,
                          "unknown function '%s' (known: sin cos tan sinh cosh tanh arcsin arccos arctan exp log "
                          "sqrt absv sign sigmoid round max min sum mean)", e->name);
        if (f == -2) {
            int n1 = rct_func_lookup(e->name, 1) >= 0, n2 = rct_func_lookup(e->name, 2) >= 0;
            return eq_err(B, &eq->at, eq->exact, text, e->pos, RECTIC_ETEMPLATE,
                          "function '%s' takes %s argument%s, %d given", e->name,
                          n1 && n2 ? "1 or 2" : n2 ? "2" : "1", n1 && !n2 ? "" : "s", e->nargs);
        }
        e->ref = f;
        if (rct_funcs[f].reduction) {
            /* arguments first: a reduction inside another gets the lower number, and reductions run in
               number order, so mean(v - mean(v)) computes the inner mean before the outer one */
            for (int i = 0; i < e->nargs; i++) {
                int rc = resolve_expr(B, eq, text, e->args[i], in_reduction);
                if (rc)
                    return rc;
            }
            rct_reduction *r = realloc(m->reds, (size_t)(m->n_reds + 1) * sizeof *r);
            if (!r)
                return rct_oom(B->err);
            m->reds = r;
            m->reds[m->n_reds].fn = (rct_func)f;
            m->reds[m->n_reds].arg = e->args[0];
            m->reds[m->n_reds].before_pass = 0;
            e->num = m->n_reds++;
            return 0;
        }
    }
    for (int i = 0; i < e->nargs; i++) {
        int rc = resolve_expr(B, eq, text, e->args[i], in_reduction);
        if (rc)
            return rc;
    }
    return 0;
}

/* A variable reference to v, already resolved (rct_expr_free frees it). */
static rct_expr *var_ref(const rct_model *m, int v)
{
    rct_expr *e = calloc(1, sizeof *e);
    if (e && !(e->name = rct_strdup(m->vars[v].name))) {
        free(e);
        e = NULL;
    }
    if (e) {
        e->kind = RCT_E_VAR;
        e->ref = v;
    }
    return e;
}

/* Defines every input fed by two or more outputs as their sum, ((a + b) + c) ..., an algebraic equation of
   the input's operator. */
static int add_sums(builder *B)
{
    rct_model *m = B->m;
    for (int s = 0; s < B->n_sums; s++) {
        int v = B->sum_var[s];
        rct_eq *eq = &m->eqs[m->n_eqs];
        B->texts[m->n_eqs] = "(the sum of the outputs of the same name)";
        eq->kind = RCT_EQ_ALG;
        eq->var = v;
        for (eq->op = 0; strcmp(m->op_names[eq->op], m->vars[v].op) != 0; eq->op++)
            ;
        eq->at = m->vars[v].at;
        eq->at.file = rct_strdup(m->vars[v].at.file);
        m->n_eqs++;
        if (!eq->at.file || !(eq->rhs = var_ref(m, B->sum_src[s][0])))
            return rct_oom(B->err);
        for (int k = 1; B->sum_src[s][k] >= 0; k++) {
            rct_expr *add = calloc(1, sizeof *add);
            if (add && !(add->args = calloc(2, sizeof *add->args))) {
                free(add);
                add = NULL;
            }
            if (!add)
                return rct_oom(B->err);
            add->kind = RCT_E_ADD;
            add->nargs = 2;
            add->ref = -1;
            add->args[0] = eq->rhs;
            eq->rhs = add;
            if (!(add->args[1] = var_ref(m, B->sum_src[s][k])))
                return rct_oom(B->err);
        }
        m->vars[v].eq = m->n_eqs - 1;
    }
    return 0;
}

/* Parses every equation and defines the kinds of the variables they set. */
static int add_equations(builder *B)
{
    rct_model *m = B->m;
    const rct_tnode *node = B->node;
    int total = 0;
    for (int o = 0; o < node->n_ops; o++)
        total += node->ops[o].n_eqs;
    total += B->n_sums;
    m->eqs = calloc((size_t)total + 1, sizeof *m->eqs);
    m->eq_text = calloc((size_t)total + 1, sizeof *m->eq_text);
    B->texts = calloc((size_t)total + 1, sizeof *B->texts);
    if (!m->eqs || !m->eq_text || !B->texts)
        return rct_oom(B->err);
    for (int o = 0; o < node->n_ops; o++) {
        const rct_top *op = &node->ops[o];
        for (int k = 0; k < op->n_eqs; k++) {
            const rct_teq *te = &op->eqs[k];
            rct_eq *eq = &m->eqs[m->n_eqs];
            rct_eqast ast;
            int pos;
            char msg[512];
            B->texts[m->n_eqs] = te->text;
            eq->op = o;
            eq->at = te->at;
            eq->at.file = rct_strdup(te->at.file);
            eq->exact = te->exact;
            m->n_eqs++;
            if (!eq->at.file)
                return rct_oom(B->err);
            if (rct_parse_equation(te->text, &ast, &pos, msg, sizeof msg))
                return eq_err(B, &eq->at, eq->exact, te->text, pos, RECTIC_ESYNTAX, "%s", msg);
            eq->kind = ast.kind;
            eq->rhs = ast.rhs;
            ast.rhs = NULL;
            int v = rct_ir_find_in_op(m, op->name, strlen(op->name), ast.lhs);
            if (v < 0) {
                int rc = eq_err(B, &eq->at, eq->exact, te->text, ast.lhs_pos, RECTIC_ETEMPLATE,
                                "equation defines '%s', which is not a variable of %s (declare it under variables:)",
                                ast.lhs, op->name);
                rct_eqast_free(&ast);
                return rc;
            }
            rct_var *var = &m->vars[v];
            const char *why = var->decl == RCT_D_INPUT ? "an input(...) and cannot be defined by an equation"
                              : var->eq >= 0          ? "already defined by another equation"
                                                      : NULL;
            if (why) {
                int rc = eq_err(B, &eq->at, eq->exact, te->text, ast.lhs_pos, RECTIC_ETEMPLATE, "'%s' is %s",
                                ast.lhs, why);
                rct_eqast_free(&ast);
                return rc;
            }
            rct_eqast_free(&ast);
            var->eq = m->n_eqs - 1;
            var->kind = eq->kind == RCT_EQ_ODE ? RCT_VK_STATE : RCT_VK_ALG;
            eq->var = v;
        }
    }
    for (int e = 0; e < m->n_eqs; e++) {
        int rc = resolve_expr(B, &m->eqs[e], B->texts[e], m->eqs[e].rhs, 0);
        if (rc)
            return rc;
    }
    return add_sums(B);
}

/* Gives every variable a unique, valid C name stem. */
static int name_vars(builder *B)
{
    rct_model *m = B->m;
    for (int v = 0; v < m->n_vars; v++) {
        int clash = 0;
        for (int w = 0; w < m->n_vars; w++)
            if (w != v && m->vars[w].kind != RCT_VK_ALIAS && strcmp(m->vars[w].name, m->vars[v].name) == 0)
                clash = 1;
        rct_buf b;
        rct_buf_init(&b);
        if (clash)
            rct_buf_printf(&b, "%s_", m->vars[v].op);
        rct_buf_puts(&b, m->vars[v].name);
        for (int again = 1; again;) {
            again = 0;
            for (int w = 0; w < v; w++)
                if (b.s && strcmp(m->vars[w].cname, b.s) == 0) {
                    rct_buf_puts(&b, "_x");
                    again = 1;
                }
        }
        if (!(m->vars[v].cname = rct_buf_take(&b)))
            return rct_oom(B->err);
    }
    return 0;
}

/* Numbers state, algebraic and parameter slots. */
static int number_slots(builder *B)
{
    rct_model *m = B->m;
    m->state_var = calloc((size_t)m->n_vars + 1, sizeof *m->state_var);
    m->alg_var = calloc((size_t)m->n_vars + 1, sizeof *m->alg_var);
    m->param_var = calloc((size_t)m->n_vars + 1, sizeof *m->param_var);
    if (!m->state_var || !m->alg_var || !m->param_var)
        return rct_oom(B->err);
    for (int e = 0; e < m->n_eqs; e++) { /* order of first appearance of the equations */
        rct_var *v = &m->vars[m->eqs[e].var];
        if (v->kind == RCT_VK_STATE) {
            v->slot = m->n_state;
            m->state_var[m->n_state++] = m->eqs[e].var;
        } else {
            v->slot = m->n_alg;
            m->alg_var[m->n_alg++] = m->eqs[e].var;
        }
    }
    for (int v = 0; v < m->n_vars; v++)
        if (m->vars[v].kind == RCT_VK_PARAM) {
            m->vars[v].slot = m->n_param;
            m->param_var[m->n_param++] = v;
        }
    return 0;
}

static int sched_var(builder *B, int v);
static int sched_red(builder *B, int r);
static int sched_coupling(builder *B, int k);

/* The pass from which the values an expression reads are available inside a pass loop (-1: error).
   `barrier` asks instead for the pass before which a barrier reading it can run. */
static int expr_need(builder *B, const rct_expr *e, int barrier)
{
    int need = 0;
    if (e->kind == RCT_E_VAR) {
        const rct_var *v = &B->m->vars[e->ref];
        if (v->kind == RCT_VK_ALG) {
            int p = sched_var(B, e->ref);
            if (p < 0)
                return -1;
            need = barrier ? p + 1 : p;
        } else if (v->kind == RCT_VK_COUPLING) {
            need = sched_coupling(B, v->slot);
        }
        return need;
    }
    if (e->kind == RCT_E_CALL && rct_funcs[e->ref].reduction)
        return sched_red(B, (int)e->num);
    for (int i = 0; i < e->nargs; i++) {
        int n = expr_need(B, e->args[i], barrier);
        if (n < 0)
            return -1;
        if (n > need)
            need = n;
    }
    return need;
}

/* Reports an algebraic cycle through variable v. */
static int cycle_err(builder *B, int v)
{
    const rct_var *var = &B->m->vars[v];
    const rct_eq *eq = &B->m->eqs[var->eq];
    char where[600];
    rct_srcpos_fmt(where, sizeof where, &eq->at, 0);
    rct_errf(B->err, RECTIC_ETEMPLATE,
             "%s: algebraic cycle: '%s/%s' depends on itself through algebraic equations, the coupling or a reduction "
             "(break it with a differential equation)", where, var->op, var->name);
    return -1;
}

/* Schedules algebraic variable v; returns its pass. */
static int sched_var(builder *B, int v)
{
    rct_var *var = &B->m->vars[v];
    if (B->var_state[v] == 2)
        return var->pass;
    if (B->var_state[v] == 1)
        return cycle_err(B, v);
    B->var_state[v] = 1;
    int p = expr_need(B, B->m->eqs[var->eq].rhs, 0);
    if (p < 0)
        return -1;
    var->pass = p;
    B->var_state[v] = 2;
    B->order_alg[B->n_order_alg++] = var->eq;
    return p;
}

/* Schedules reduction r; returns the pass before which it runs. */
static int sched_red(builder *B, int r)
{
    if (B->red_state[r] == 2)
        return B->m->reds[r].before_pass;
    if (B->red_state[r] == 1) {
        rct_errf(B->err, RECTIC_ETEMPLATE, "a reduction (%s) depends on its own result", rct_funcs[B->m->reds[r].fn].name);
        return -1;
    }
    B->red_state[r] = 1;
    int q = expr_need(B, B->m->reds[r].arg, 1);
    if (q < 0)
        return -1;
    B->m->reds[r].before_pass = q;
    B->red_state[r] = 2;
    return q;
}

/* Schedules coupling slot k: it is ready after the passes computing the algebraic sources of its links;
   returns the pass before which it is ready. */
static int sched_coupling(builder *B, int k)
{
    rct_model *m = B->m;
    if (B->coup_state[k] == 2)
        return m->coup_before[k];
    if (B->coup_state[k] == 1) {
        const rct_var *src = &m->vars[B->link_source[B->coup_link[k]]], *tgt = &m->vars[m->coup_var[k]];
        rct_errf(B->err, RECTIC_ETEMPLATE,
                 "algebraic cycle: the coupling source '%s/%s' depends on the coupling target '%s/%s' at the same time "
                 "point", src->op, src->name, tgt->op, tgt->name);
        return -1;
    }
    B->coup_state[k] = 1;
    int q = 0;
    for (int l = 0; l < B->n_links; l++) {
        if (B->link_slot[l] != k || B->link_source[l] < 0 || m->vars[B->link_source[l]].kind != RCT_VK_ALG)
            continue;
        B->coup_link[k] = l;
        int p = sched_var(B, B->link_source[l]);
        if (p < 0)
            return -1;
        if (p + 1 > q)
            q = p + 1;
    }
    m->coup_before[k] = q;
    if (m->coup_var[k] == m->target)
        m->coupling_before = q;
    B->coup_state[k] = 2;
    return q;
}

/* Orders the equations and splits the step into passes. */
static int schedule(builder *B)
{
    rct_model *m = B->m;
    B->var_state = calloc((size_t)m->n_vars + 1, sizeof *B->var_state);
    B->red_state = calloc((size_t)m->n_reds + 1, sizeof *B->red_state);
    B->order_alg = calloc((size_t)m->n_eqs + 1, sizeof *B->order_alg);
    B->coup_state = calloc((size_t)m->n_coup + 1, sizeof *B->coup_state);
    B->coup_link = calloc((size_t)m->n_coup + 1, sizeof *B->coup_link);
    m->order = calloc((size_t)m->n_eqs + 1, sizeof *m->order);
    if (!B->var_state || !B->red_state || !B->order_alg || !B->coup_state || !B->coup_link || !m->order)
        return rct_oom(B->err);
    m->coupling_before = -1;
    int last = 0;
    for (int k = 0; k < m->n_coup; k++) {
        int q = sched_coupling(B, k);
        if (q < 0)
            return B->err->code;
        if (q > last)
            last = q;
    }
    for (int e = 0; e < m->n_eqs; e++) {
        int p = m->eqs[e].kind == RCT_EQ_ALG ? sched_var(B, m->eqs[e].var) : expr_need(B, m->eqs[e].rhs, 0);
        if (p < 0)
            return B->err->code;
        if (p > last)
            last = p;
    }
    for (int r = 0; r < m->n_reds; r++)
        if (m->reds[r].before_pass > last)
            last = m->reds[r].before_pass;
    m->n_passes = last + 1;
    /* algebraic equations by pass, dependency order kept within a pass; then the differential ones */
    int k = 0;
    for (int p = 0; p <= last; p++)
        for (int i = 0; i < B->n_order_alg; i++)
            if (m->vars[m->eqs[B->order_alg[i]].var].pass == p)
                m->order[k++] = B->order_alg[i];
    for (int e = 0; e < m->n_eqs; e++)
        if (m->eqs[e].kind == RCT_EQ_ODE)
            m->order[k++] = e;
    return 0;
}

/* Prints the sum that defines an input fed by same-named outputs, naming their operators (a/v + b/v). */
static void print_sum(rct_buf *b, const rct_model *m, const rct_expr *e)
{
    if (e->kind == RCT_E_ADD) {
        print_sum(b, m, e->args[0]);
        rct_buf_puts(b, " + ");
        print_sum(b, m, e->args[1]);
        return;
    }
    rct_buf_printf(b, "%s/%s", m->vars[e->ref].op, m->vars[e->ref].name);
}

/* Prints "op: lhs' = rhs" for every equation. */
static int print_equations(builder *B)
{
    rct_model *m = B->m;
    for (int e = 0; e < m->n_eqs; e++) {
        rct_buf b;
        rct_buf_init(&b);
        rct_buf_printf(&b, "%s: %s%s = ", m->op_names[m->eqs[e].op], m->vars[m->eqs[e].var].name,
                       m->eqs[e].kind == RCT_EQ_ODE ? "'" : "");
        if (m->vars[m->eqs[e].var].decl == RCT_D_INPUT)
            print_sum(&b, m, m->eqs[e].rhs);
        else
            rct_expr_print(&b, m, m->eqs[e].rhs);
        if (!(m->eq_text[e] = rct_buf_take(&b)))
            return rct_oom(B->err);
    }
    return 0;
}

int rct_model_build(const rct_tnode *node, const rct_roles *roles, rct_model **out, rct_err *err)
{
    *out = NULL;
    builder B;
    memset(&B, 0, sizeof B);
    B.node = node;
    B.err = err;
    B.m = calloc(1, sizeof *B.m);
    if (!B.m)
        return rct_oom(err);
    B.m->source = B.m->target = B.m->input = B.m->output = B.m->spike_var = B.m->spike_def = -1;
    B.m->coupling_before = -1;
    B.m->template_ref = rct_strdup(node->ref);
    B.m->description = node->description ? rct_strdup(node->description) : NULL;
    int rc = !B.m->template_ref ? rct_oom(err) : 0;
    if (!rc)
        rc = add_vars(&B);
    if (!rc)
        rc = wire_inputs(&B);
    if (!rc)
        rc = add_equations(&B);
    size_t links = roles->n_links > 0 ? (size_t)roles->n_links : 0;
    B.link_slot = calloc(links + 2, sizeof *B.link_slot);
    B.link_source = calloc(links + 2, sizeof *B.link_source);
    if (!rc && (!B.link_slot || !B.link_source))
        rc = rct_oom(err);
    if (!rc)
        rc = rct_ir_assign_roles(B.m, roles, B.link_slot, B.link_source, &B.n_links, err);
    if (!rc)
        rc = name_vars(&B);
    if (!rc)
        rc = number_slots(&B);
    if (!rc)
        rc = schedule(&B);
    if (!rc)
        rc = print_equations(&B);
    free(B.var_state);
    free(B.texts);
    free(B.red_state);
    free(B.order_alg);
    free(B.coup_state);
    free(B.coup_link);
    free(B.link_slot);
    free(B.link_source);
    for (int i = 0; i < B.n_sums; i++)
        free(B.sum_src[i]);
    free(B.sum_src);
    free(B.sum_var);
    if (rc) {
        rct_model_free(B.m);
        return rc;
    }
    *out = B.m;
    return 0;
}

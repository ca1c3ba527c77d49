/*
 * emit_c.c -- C code generation: one kernel function that runs K Euler steps of the whole network.
 *
 * Only validated identifiers (suffixed so they never meet C keywords or our own names) and numbers
 * re-printed from parsed doubles reach the output; template text never does.  The arithmetic is
 * emitted in the order the equations are written, with no reassociation, reciprocal or fused
 * multiply-add, so that every compiler rounds it as RectiPy does.
 *
 * Naming inside the kernel: `x_` is the value of variable x for the current neuron, `x_arr` its array,
 * `x_dot` its derivative; `reduce_K` a reduction; fixed names (n, i, dt, spk, ...) have no suffix.
 */
#include "emit_c.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "kernel_abi.h"

typedef struct emitter {
    const rct_model *m;
    const rct_emit_opts *o;
    rct_buf b;
    int f32;
    const char *real;
    unsigned char *used; /* per variable: read by the code being emitted */
} emitter;

/* ---------------------------------------------------------------- symbols for the JIT */

const rct_symbol *rct_emit_symbols(void)
{
    static const rct_symbol syms[] = {
        {"sin", (void *)sin}, {"cos", (void *)cos}, {"tan", (void *)tan}, {"sinh", (void *)sinh},
        {"cosh", (void *)cosh}, {"tanh", (void *)tanh}, {"asin", (void *)asin}, {"acos", (void *)acos},
        {"atan", (void *)atan}, {"exp", (void *)exp}, {"log", (void *)log}, {"sqrt", (void *)sqrt},
        {"fabs", (void *)fabs}, {"rint", (void *)rint}, {"pow", (void *)pow},
        {"sinf", (void *)sinf}, {"cosf", (void *)cosf}, {"tanf", (void *)tanf}, {"sinhf", (void *)sinhf},
        {"coshf", (void *)coshf}, {"tanhf", (void *)tanhf}, {"asinf", (void *)asinf}, {"acosf", (void *)acosf},
        {"atanf", (void *)atanf}, {"expf", (void *)expf}, {"logf", (void *)logf}, {"sqrtf", (void *)sqrtf},
        {"fabsf", (void *)fabsf}, {"rintf", (void *)rintf}, {"powf", (void *)powf},
        {"cblas_dgemv", (void *)cblas_dgemv}, {"cblas_sgemv", (void *)cblas_sgemv},
        {NULL, NULL}};
    return syms;
}

/* ---------------------------------------------------------------- text helpers */

void rct_emit_safe_comment(rct_buf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '*' && p[1] == '/')
            rct_buf_puts(b, "* /");
        else if (c == '/' && p[1] == '*')
            rct_buf_puts(b, "/ ");
        else if (c == '\n' || c == '\r' || c == '\\' || c < 0x20 || c >= 0x7f || c == '?')
            rct_buf_putc(b, '_');
        else
            rct_buf_putc(b, (char)c);
    }
}

/* Writes a numeric literal of the kernel's type. */
static void emit_num(emitter *E, double x)
{
    char s[40];
    if (E->f32)
        rct_fmt_float(s, (float)x);
    else
        rct_fmt_double(s, x);
    rct_buf_puts(&E->b, s);
    if (!strpbrk(s, ".eEn"))
        rct_buf_puts(&E->b, ".0");
    if (E->f32)
        rct_buf_putc(&E->b, 'f');
}

/* libm name of a function in the kernel's precision. */
static void emit_fn(emitter *E, const char *name)
{
    rct_buf_puts(&E->b, name);
    if (E->f32)
        rct_buf_putc(&E->b, 'f');
}

static int cprec(const rct_expr *e)
{
    switch (e->kind) {
    case RCT_E_ADD: case RCT_E_SUB: return 1;
    case RCT_E_MUL: case RCT_E_DIV: return 2;
    case RCT_E_NEG: return 3;
    case RCT_E_POW:
        return (e->args[1]->kind == RCT_E_NUM && (e->args[1]->num == 2.0 || e->args[1]->num == 3.0)) ? 2 : 5;
    default: return 5;
    }
}

static void emit_expr(emitter *E, const rct_expr *e);

static void emit_paren(emitter *E, const rct_expr *e, int paren)
{
    if (paren)
        rct_buf_putc(&E->b, '(');
    emit_expr(E, e);
    if (paren)
        rct_buf_putc(&E->b, ')');
}

/* Emits an expression in C with the fewest parentheses that keep its tree (and so its rounding). */
static void emit_expr(emitter *E, const rct_expr *e)
{
    const rct_model *m = E->m;
    switch (e->kind) {
    case RCT_E_NUM:
        emit_num(E, e->num);
        return;
    case RCT_E_VAR:
        rct_buf_printf(&E->b, "%s_", m->vars[e->ref].cname);
        return;
    case RCT_E_NEG:
        rct_buf_putc(&E->b, '-');
        emit_paren(E, e->args[0], cprec(e->args[0]) < 3 || e->args[0]->kind == RCT_E_NEG);
        return;
    case RCT_E_POW: {
        const rct_expr *base = e->args[0], *ex = e->args[1];
        if (cprec(e) == 2) { /* v^2 -> v*v, x^3 -> x*x*x, as PyTorch computes them */
            int k = (int)ex->num;
            for (int j = 0; j < k; j++) {
                if (j)
                    rct_buf_putc(&E->b, '*');
                emit_paren(E, base, cprec(base) < 5);
            }
            return;
        }
        emit_fn(E, "pow");
        rct_buf_putc(&E->b, '(');
        emit_expr(E, base);
        rct_buf_puts(&E->b, ", ");
        emit_expr(E, ex);
        rct_buf_putc(&E->b, ')');
        return;
    }
    case RCT_E_CALL: {
        const rct_funcinfo *f = &rct_funcs[e->ref];
        if (f->reduction) {
            rct_buf_printf(&E->b, "reduce_%d", (int)e->num);
            return;
        }
        static const char *const cname[RCT_F_COUNT] = {
            [RCT_F_SIN] = "sin", [RCT_F_COS] = "cos", [RCT_F_TAN] = "tan", [RCT_F_SINH] = "sinh",
            [RCT_F_COSH] = "cosh", [RCT_F_TANH] = "tanh", [RCT_F_ASIN] = "asin", [RCT_F_ACOS] = "acos",
            [RCT_F_ATAN] = "atan", [RCT_F_EXP] = "exp", [RCT_F_LOG] = "log", [RCT_F_SQRT] = "sqrt",
            [RCT_F_ABS] = "fabs", [RCT_F_ROUND] = "rint",
        };
        if (cname[e->ref])
            emit_fn(E, cname[e->ref]);
        else
            rct_buf_printf(&E->b, "rectic_%s", f->name);
        rct_buf_putc(&E->b, '(');
        for (int i = 0; i < e->nargs; i++) {
            if (i)
                rct_buf_puts(&E->b, ", ");
            emit_expr(E, e->args[i]);
        }
        rct_buf_putc(&E->b, ')');
        return;
    }
    default: {
        static const char *const ops[] = {[RCT_E_ADD] = " + ", [RCT_E_SUB] = " - ", [RCT_E_MUL] = "*",
                                          [RCT_E_DIV] = "/"};
        int p = cprec(e);
        emit_paren(E, e->args[0], cprec(e->args[0]) < p);
        rct_buf_puts(&E->b, ops[e->kind]);
        emit_paren(E, e->args[1], cprec(e->args[1]) <= p);
    }
    }
}

/* Marks the variables an expression reads (not those inside reductions: those are scalars here). */
static void mark_used(emitter *E, const rct_expr *e)
{
    if (e->kind == RCT_E_VAR)
        E->used[e->ref] = 1;
    if (e->kind == RCT_E_CALL && rct_funcs[e->ref].reduction)
        return;
    for (int i = 0; i < e->nargs; i++)
        mark_used(E, e->args[i]);
}

/* Does the expression call function f anywhere? */
static int uses_fn(const rct_expr *e, int f)
{
    if (e->kind == RCT_E_CALL && e->ref == f)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (uses_fn(e->args[i], f))
            return 1;
    return 0;
}

static int model_uses_fn(const rct_model *m, int f)
{
    for (int e = 0; e < m->n_eqs; e++)
        if (uses_fn(m->eqs[e].rhs, f))
            return 1;
    return 0;
}

/* Writes `const real x_ = ...;` for each marked variable that a loop over neurons reads.  ALG
   variables computed in `pass` are left to their equations.  `integrate`: the loop also updates the state
   (and so needs the spike flag of a spiking network). */
static void emit_loads(emitter *E, int pass, int integrate, const char *ind)
{
    const rct_model *m = E->m;
    int need_spk = integrate && E->o->spiking;
    for (int v = 0; v < m->n_vars; v++)
        need_spk |= E->used[v] && m->vars[v].kind == RCT_VK_SPIKE;
    if (need_spk)
        E->used[m->spike_def] = 1;
    for (int v = 0; v < m->n_vars; v++) {
        const rct_var *var = &m->vars[v];
        const char *c = var->cname;
        if (!E->used[v])
            continue;
        if (var->kind == RCT_VK_STATE || var->kind == RCT_VK_COUPLING ||
            (var->kind == RCT_VK_PARAM && E->o->param_vector[var->slot]) ||
            (var->kind == RCT_VK_ALG && var->pass < pass))
            rct_buf_printf(&E->b, "%sconst %s %s_ = %s_arr[i];\n", ind, E->real, c, c);
        else if (var->kind == RCT_VK_INPUT)
            rct_buf_printf(&E->b, "%sconst %s %s_ = in[i*c->in_col];\n", ind, E->real, c);
    }
    if (!need_spk)
        return;
    rct_buf_printf(&E->b, "%sconst %s spk = %s_ >= threshold ? 1 : 0; /* spike iff %s >= threshold */\n", ind,
                   E->real, m->vars[m->spike_def].cname, m->vars[m->spike_def].name);
    for (int v = 0; v < m->n_vars; v++)
        if (E->used[v] && m->vars[v].kind == RCT_VK_SPIKE)
            rct_buf_printf(&E->b, "%sconst %s %s_ = spk/dt;\n", ind, E->real, m->vars[v].cname);
}

/* Writes the comment naming the equation eq. */
static void emit_eq_comment(emitter *E, int eq, const char *ind)
{
    rct_buf_printf(&E->b, "%s/* ", ind);
    rct_emit_safe_comment(&E->b, E->m->eq_text[eq]);
    rct_buf_puts(&E->b, " */\n");
}

/* Writes the reductions that run before pass p. */
static void emit_reductions(emitter *E, int p)
{
    const rct_model *m = E->m;
    for (int r = 0; r < m->n_reds; r++) {
        const rct_reduction *red = &m->reds[r];
        if (red->before_pass != p)
            continue;
        rct_buf b2;
        rct_buf_init(&b2);
        rct_expr_print(&b2, m, red->arg);
        rct_buf_printf(&E->b, "        /* %s(", rct_funcs[red->fn].name);
        rct_emit_safe_comment(&E->b, b2.s ? b2.s : "");
        rct_buf_puts(&E->b, ") over the node's neurons */\n");
        rct_buf_free(&b2);
        rct_buf_printf(&E->b, "        %s reduce_%d = 0;\n", E->real, r);
        rct_buf_puts(&E->b, "        for (long i = 0; i < n; i++) {\n");
        memset(E->used, 0, (size_t)m->n_vars);
        mark_used(E, red->arg);
        emit_loads(E, p, 0, "            ");
        rct_buf_printf(&E->b, "            const %s x = ", E->real);
        emit_expr(E, red->arg);
        rct_buf_puts(&E->b, ";\n");
        switch (red->fn) {
        case RCT_F_MAXR:
            rct_buf_printf(&E->b, "            reduce_%d = i == 0 ? x : rectic_max(reduce_%d, x);\n", r, r);
            break;
        case RCT_F_MINR:
            rct_buf_printf(&E->b, "            reduce_%d = i == 0 ? x : rectic_min(reduce_%d, x);\n", r, r);
            break;
        default:
            rct_buf_printf(&E->b, "            reduce_%d += x;\n", r);
        }
        rct_buf_puts(&E->b, "        }\n");
        if (red->fn == RCT_F_MEAN)
            rct_buf_printf(&E->b, "        reduce_%d = reduce_%d/(%s)n;\n", r, r, E->real);
    }
}

/* Writes the coupling product W @ source if it runs before pass p. */
static void emit_coupling(emitter *E, int p)
{
    const rct_model *m = E->m;
    if (!E->o->coupling || m->coupling_before != p)
        return;
    const rct_var *src = &m->vars[m->source], *tgt = &m->vars[m->target];
    rct_buf_printf(&E->b, "        /* coupling: %s = W @ %s (row i of W = target neuron i) */\n", tgt->name, src->name);
    rct_buf_printf(&E->b, "        cblas_%cgemv(101 /* row-major */, 111 /* no transpose */, (int)n, (int)n, 1, c->w, (int)n, "
                          "%s_arr, 1, 0, %s_arr, 1);\n", E->f32 ? 's' : 'd', src->cname, tgt->cname);
}

/* Writes pass p: the loop over neurons computing its algebraic variables, and in the last pass the
   derivatives, the Euler update and the spikes. */
static void emit_pass(emitter *E, int p)
{
    const rct_model *m = E->m;
    int last = p == m->n_passes - 1;
    memset(E->used, 0, (size_t)m->n_vars);
    int any = 0;
    for (int k = 0; k < m->n_eqs; k++) {
        const rct_eq *eq = &m->eqs[m->order[k]];
        int here = eq->kind == RCT_EQ_ALG ? m->vars[eq->var].pass == p : last;
        if (!here)
            continue;
        any = 1;
        mark_used(E, eq->rhs);
        if (eq->kind == RCT_EQ_ODE)
            E->used[eq->var] = 1;
    }
    if (!any)
        return;
    rct_buf_puts(&E->b, "        for (long i = 0; i < n; i++) {\n");
    emit_loads(E, p, last, "            ");
    for (int k = 0; k < m->n_eqs; k++) {
        const rct_eq *eq = &m->eqs[m->order[k]];
        const rct_var *v = &m->vars[eq->var];
        if (eq->kind == RCT_EQ_ALG && v->pass == p) {
            emit_eq_comment(E, m->order[k], "            ");
            rct_buf_printf(&E->b, "            const %s %s_ = ", E->real, v->cname);
            emit_expr(E, eq->rhs);
            rct_buf_printf(&E->b, ";\n            %s_arr[i] = %s_;\n", v->cname, v->cname);
        }
    }
    if (!last) {
        rct_buf_puts(&E->b, "        }\n");
        return;
    }
    for (int k = 0; k < m->n_eqs; k++) {
        const rct_eq *eq = &m->eqs[m->order[k]];
        if (eq->kind != RCT_EQ_ODE)
            continue;
        emit_eq_comment(E, m->order[k], "            ");
        rct_buf_printf(&E->b, "            const %s %s_dot = ", E->real, m->vars[eq->var].cname);
        emit_expr(E, eq->rhs);
        rct_buf_puts(&E->b, ";\n");
    }
    rct_buf_puts(&E->b, "            /* forward Euler */\n");
    for (int s = 0; s < m->n_state; s++) {
        const char *c = m->vars[m->state_var[s]].cname;
        if (E->o->spiking && m->state_var[s] == m->spike_def)
            rct_buf_printf(&E->b, "            %s_arr[i] = (%s_ + dt*%s_dot)*(1 - spk) + spk*reset; /* reset by blending, as RectiPy */\n",
                           c, c, c);
        else
            rct_buf_printf(&E->b, "            %s_arr[i] = %s_ + dt*%s_dot;\n", c, c, c);
    }
    if (E->o->spiking)
        rct_buf_puts(&E->b, "            if (spk != 0) {\n"
                            "                c->spikes[2*c->n_spikes] = c->step;\n"
                            "                c->spikes[2*c->n_spikes + 1] = i;\n"
                            "                c->n_spikes++;\n"
                            "            }\n");
    rct_buf_puts(&E->b, "        }\n");
}

/* Writes the kernel ABI structures, pretty-printed from the shared macro. */
static void emit_abi(emitter *E)
{
    const char *abi = RCT_KCTX_STR(RCT_KCTX_DEF(real));
    int depth = 0;
    rct_buf_puts(&E->b, "/* the kernel ABI (generator/kernel_abi.h) */\n");
    for (const char *p = abi; *p; p++) {
        if (*p == ' ' && (E->b.len == 0 || E->b.s[E->b.len - 1] == '\n' || E->b.s[E->b.len - 1] == ' '))
            continue;
        if (*p == '}') {
            depth--;
            while (E->b.len && E->b.s[E->b.len - 1] == ' ')
                E->b.len--;
        }
        rct_buf_putc(&E->b, *p);
        if (*p == '{')
            depth++;
        if (*p == '{' || *p == ';') {
            rct_buf_putc(&E->b, '\n');
            for (int k = 0; k < depth; k++)
                rct_buf_puts(&E->b, "    ");
        }
    }
    rct_buf_puts(&E->b, "\n");
}

/* Writes the helper functions and the recording routine (model independent). */
static void emit_helpers(emitter *E)
{
    const rct_model *m = E->m;
    const char *r = E->real;
    static const char *const libm[] = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan",
                                       "exp", "log", "sqrt", "fabs", "rint"};
    static const int fid[] = {RCT_F_SIN, RCT_F_COS, RCT_F_TAN, RCT_F_SINH, RCT_F_COSH, RCT_F_TANH, RCT_F_ASIN,
                              RCT_F_ACOS, RCT_F_ATAN, RCT_F_EXP, RCT_F_LOG, RCT_F_SQRT, RCT_F_ABS, RCT_F_ROUND};
    int need_exp = model_uses_fn(m, RCT_F_SIGMOID);
    for (size_t k = 0; k < sizeof libm / sizeof libm[0]; k++)
        if (model_uses_fn(m, fid[k]) || (fid[k] == RCT_F_EXP && need_exp))
            rct_buf_printf(&E->b, "%s %s%s(%s);\n", r, libm[k], E->f32 ? "f" : "", r);
    int need_pow = 0;
    for (int e = 0; e < m->n_eqs; e++) {
        /* any POW not turned into a product */
        const rct_expr *stack[256];
        int sp = 0;
        stack[sp++] = m->eqs[e].rhs;
        while (sp) {
            const rct_expr *x = stack[--sp];
            if (x->kind == RCT_E_POW && cprec(x) != 2)
                need_pow = 1;
            for (int i = 0; i < x->nargs && sp < 256; i++)
                stack[sp++] = x->args[i];
        }
    }
    if (need_pow)
        rct_buf_printf(&E->b, "%s pow%s(%s, %s);\n", r, E->f32 ? "f" : "", r, r);
    if (E->o->coupling)
        rct_buf_printf(&E->b, "void cblas_%cgemv(int order, int trans, int m, int n, %s alpha, const %s *a, int lda,\n"
                              "    const %s *x, int incx, %s beta, %s *y, int incy);\n",
                       E->f32 ? 's' : 'd', r, r, r, r, r);
    if (model_uses_fn(m, RCT_F_SIGMOID))
        rct_buf_printf(&E->b, "static %s rectic_sigmoid(%s x) { return 1/(1 + exp%s(-x)); }\n", r, r, E->f32 ? "f" : "");
    if (model_uses_fn(m, RCT_F_SIGN))
        rct_buf_printf(&E->b, "static %s rectic_sign(%s x) { return x > 0 ? 1 : x < 0 ? -1 : x; }\n", r, r);
    if (model_uses_fn(m, RCT_F_MAX2) || model_uses_fn(m, RCT_F_MAXR))
        rct_buf_printf(&E->b, "static %s rectic_max(%s a, %s b) { return a > b || a != a ? a : b; }\n", r, r, r);
    if (model_uses_fn(m, RCT_F_MIN2) || model_uses_fn(m, RCT_F_MINR))
        rct_buf_printf(&E->b, "static %s rectic_min(%s a, %s b) { return a < b || a != a ? a : b; }\n", r, r, r);
    rct_buf_printf(&E->b,
        "\n/* Records step c->step: phase 0 before the update (state, input, parameters), phase 1 after the\n"
        "   passes (algebraic variables, coupling).  Entry 0 (the output) may be averaged between rows. */\n"
        "static void rectic_record(rectic_kctx *c, int phase, const %s *in)\n"
        "{\n"
        "    const long n = c->n;\n"
        "    if (c->step < c->cutoff || c->rec_row >= c->rec_cap)\n"
        "        return;\n"
        "    const int take = c->step %% c->sample_every == 0;\n"
        "    for (int k = 0; k < c->n_rec; k++) {\n"
        "        const rectic_krec *r = &c->rec[k];\n"
        "        if (r->phase != phase)\n"
        "            continue;\n"
        "        const %s *src = r->where == 0 ? c->y + r->slot*n : r->where == 1 ? c->alg + r->slot*n :\n"
        "                        r->where == 2 ? c->coup : r->where == 3 ? in : c->param[r->slot];\n"
        "        double *row = c->rec_buf[k] + c->rec_row*n;\n"
        "        if (k == 0 && c->sample_mean) {\n"
        "            for (long i = 0; i < n; i++)\n"
        "                c->acc[i] += src[i*r->stride];\n"
        "            c->acc_count++;\n"
        "            if (take) {\n"
        "                for (long i = 0; i < n; i++) {\n"
        "                    row[i] = (%s)(c->acc[i]/c->acc_count);\n"
        "                    c->acc[i] = 0;\n"
        "                }\n"
        "                c->acc_count = 0;\n"
        "            }\n"
        "        } else if (take) {\n"
        "            for (long i = 0; i < n; i++)\n"
        "                row[i] = src[i*r->stride];\n"
        "        }\n"
        "    }\n"
        "    if (take && phase == 1)\n"
        "        c->rec_row++;\n"
        "}\n\n", r, r, r);
}

/* Writes the array pointers and hoisted parameters of the kernel's prologue. */
static void emit_prologue(emitter *E)
{
    const rct_model *m = E->m;
    char full[256];
    rct_buf_printf(&E->b, "    const long n = c->n;\n    const %s dt = (%s)c->dt;\n", E->real, E->real);
    if (E->o->spiking)
        rct_buf_printf(&E->b, "    const %s threshold = (%s)c->threshold, reset = (%s)c->reset;\n", E->real, E->real,
                       E->real);
    for (int s = 0; s < m->n_state; s++) {
        int v = m->state_var[s];
        rct_buf_printf(&E->b, "    %s *const %s_arr = c->y + %d*n; /* state %s */\n", E->real, m->vars[v].cname, s,
                       rct_var_fullname(m, v, full, sizeof full));
    }
    for (int a = 0; a < m->n_alg; a++) {
        int v = m->alg_var[a];
        rct_buf_printf(&E->b, "    %s *const %s_arr = c->alg + %d*n; /* algebraic %s */\n", E->real, m->vars[v].cname,
                       a, rct_var_fullname(m, v, full, sizeof full));
    }
    if (m->target >= 0)
        rct_buf_printf(&E->b, "    %s *const %s_arr = c->coup; /* coupling target %s */\n", E->real,
                       m->vars[m->target].cname, rct_var_fullname(m, m->target, full, sizeof full));
    for (int p = 0; p < m->n_param; p++) {
        int v = m->param_var[p];
        const char *c = m->vars[v].cname;
        rct_var_fullname(m, v, full, sizeof full);
        if (E->o->param_vector[p])
            rct_buf_printf(&E->b, "    const %s *const %s_arr = c->param[%d]; /* %s, per neuron */\n", E->real, c, p, full);
        else
            rct_buf_printf(&E->b, "    const %s %s_ = c->param[%d][0]; /* %s */\n", E->real, c, p, full);
    }
}

char *rct_emit_c(const rct_model *m, const rct_emit_opts *o, rct_err *err)
{
    emitter E;
    memset(&E, 0, sizeof E);
    E.m = m;
    E.o = o;
    E.f32 = o->dtype == RECTIC_FLOAT32;
    E.real = E.f32 ? "float" : "double";
    E.used = calloc((size_t)m->n_vars + 1, 1);
    if (!E.used) {
        rct_oom(err);
        return NULL;
    }
    rct_buf_init(&E.b);
    rct_buf_puts(&E.b, "/*\n * Network kernel for template ");
    rct_emit_safe_comment(&E.b, m->template_ref);
    rct_buf_printf(&E.b, " (%s).\n * Generated by rectic %s; regenerate with `rectic emit` rather than editing.\n *\n",
                   E.real, RECTIC_VERSION);
    for (int e = 0; e < m->n_eqs; e++) {
        rct_buf_puts(&E.b, " *   ");
        rct_emit_safe_comment(&E.b, m->eq_text[e]);
        rct_buf_putc(&E.b, '\n');
    }
    rct_buf_printf(&E.b, " *\n * One call runs up to `steps` forward-Euler steps.  Each step%s loops over the\n"
                         " * neurons, evaluating the equations from the state at t_n, updates the state%s, and\n"
                         " * records.\n */\n",
                   o->coupling ? " computes the coupling product and" : "",
                   o->spiking ? ",\n * detects spikes and resets the neurons that spiked" : "");
    rct_buf_printf(&E.b, "typedef %s real;\n\n", E.real);
    emit_abi(&E);
    rct_buf_putc(&E.b, '\n');
    emit_helpers(&E);
    rct_buf_puts(&E.b, "long rectic_kernel(rectic_kctx *c, long steps)\n{\n");
    emit_prologue(&E);
    rct_buf_puts(&E.b, "    long done;\n    for (done = 0; done < steps; done++) {\n");
    if (o->spiking)
        rct_buf_puts(&E.b, "        if (c->n_spikes + n > c->cap_spikes)\n"
                           "            break; /* the runtime grows the spike buffer and calls again */\n");
    rct_buf_printf(&E.b, "        const %s *const in = c->input + done*c->in_row;\n", E.real);
    rct_buf_puts(&E.b, "        rectic_record(c, 0, in);\n");
    for (int p = 0; p < m->n_passes; p++) {
        emit_coupling(&E, p);
        emit_reductions(&E, p);
        emit_pass(&E, p);
    }
    rct_buf_puts(&E.b, "        rectic_record(c, 1, in);\n        c->step++;\n    }\n    return done;\n}\n");
    free(E.used);
    char *src = rct_buf_take(&E.b);
    if (!src)
        rct_oom(err);
    return src;
}

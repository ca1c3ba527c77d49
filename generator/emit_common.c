/*
 * emit_common.c -- the code generation the C and the CUDA emitters share (see emit_common.h).
 *
 * Only validated identifiers (suffixed so they never meet C keywords or our own names) and numbers
 * re-printed from parsed doubles reach the output; template text never does, except inside comments
 * made safe by rct_emit_safe_comment.  The arithmetic is emitted in the order the equations are
 * written, with no reassociation or fused multiply-add, so that every compiler rounds it as RectiPy
 * does; a division by a power of two becomes a multiplication by its reciprocal, which rounds the same.
 *
 * Naming inside the kernels: `x_` is the value of variable x for the current neuron, `x_arr` its array,
 * `x_dot` its derivative, `x_inv` the reciprocal of a parameter that is a power of two; `reduce_K` a
 * reduction; fixed names (n, i, dt, spk, ...) have no suffix.
 */
#include "emit_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_abi.h"

/* Starts an emitter: settings and the per-variable marks. */
int rct_em_init(rct_emitter *E, const rct_model *m, const rct_emit_opts *o, rct_err *err)
{
    memset(E, 0, sizeof *E);
    E->m = m;
    E->o = o;
    E->f32 = o->dtype == RECTIC_FLOAT32;
    E->real = "real";
    E->type = E->f32 ? "float" : "double";
    E->used = calloc((size_t)m->n_vars + 1, 1);
    E->recip = calloc((size_t)m->n_param + 1, 1);
    if (!E->used || !E->recip) {
        free(E->used);
        free(E->recip);
        return rct_oom(err);
    }
    rct_buf_init(&E->b);
    return 0;
}

/* Frees the marks and hands out the text. */
char *rct_em_finish(rct_emitter *E, rct_err *err)
{
    free(E->used);
    free(E->recip);
    free(E->want);
    E->used = NULL;
    E->recip = NULL;
    E->want = NULL;
    char *src = rct_buf_take(&E->b);
    if (!src)
        rct_oom(err);
    return src;
}

/* Writes a numeric literal of the kernel's type. */
static void emit_num(rct_emitter *E, double x)
{
    char s[40];
    if (E->f32 && isinf((float)x)) { /* beyond float's range: +-inf, as PyTorch's float32 */
        rct_buf_printf(&E->b, "(float)%s", x > 0 ? "1e300" : "-1e300");
        return;
    }
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

void rct_emit_safe_comment(rct_buf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        char last = b->len ? b->s[b->len - 1] : ' ';
        if ((c == '/' && last == '*') || (c == '*' && last == '/'))
            rct_buf_putc(b, ' '); /* never "*" "/" or "/" "*" side by side */
        if (c == '\n' || c == '\r' || c == '\\' || c < 0x20 || c >= 0x7f || c == '?')
            rct_buf_putc(b, '_');
        else
            rct_buf_putc(b, (char)c);
    }
}

/* Is x plus or minus a power of two whose reciprocal is a normal number of the kernel's type?  Then
   y/x and y*(1/x) are the same real number, rounded once: bit for bit equal. */
int rct_em_pow2_recip(double x, int f32)
{
    int e;
    if (!isfinite(x) || fabs(frexp(x, &e)) != 0.5)
        return 0;
    /* x = 2^k with k = e-1 (x itself may be subnormal), 1/x = 2^-k: normal when -k is within the range */
    return f32 ? e - 1 >= -127 && e - 1 <= 126 : e - 1 >= -1023 && e - 1 <= 1022;
}

/* Writes a libm name in the kernel's precision. */
static void emit_fn(rct_emitter *E, const char *name)
{
    rct_buf_puts(&E->b, name);
    if (E->f32)
        rct_buf_putc(&E->b, 'f');
}

/* C precedence level of an expression node (v^2 and x^3 print as products). */
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

/* Writes a subexpression, in parentheses when `paren`. */
static void emit_paren(rct_emitter *E, const rct_expr *e, int paren)
{
    if (paren)
        rct_buf_putc(&E->b, '(');
    rct_em_expr(E, e);
    if (paren)
        rct_buf_putc(&E->b, ')');
}

/* Writes an expression with the fewest parentheses that keep its tree (and so its rounding). */
void rct_em_expr(rct_emitter *E, const rct_expr *e)
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
        rct_em_expr(E, base);
        rct_buf_puts(&E->b, ", ");
        rct_em_expr(E, ex);
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
            rct_em_expr(E, e->args[i]);
        }
        rct_buf_putc(&E->b, ')');
        return;
    }
    default: {
        static const char *const ops[] = {[RCT_E_ADD] = " + ", [RCT_E_SUB] = " - ", [RCT_E_MUL] = "*",
                                          [RCT_E_DIV] = "/"};
        int p = cprec(e);
        const rct_expr *r = e->args[1];
        if (e->kind == RCT_E_DIV && r->kind == RCT_E_VAR && m->vars[r->ref].kind == RCT_VK_PARAM &&
            E->recip[m->vars[r->ref].slot]) { /* y/x -> y*x_inv, x a power of two: the same bits */
            emit_paren(E, e->args[0], cprec(e->args[0]) < p);
            rct_buf_printf(&E->b, "*%s_inv", m->vars[r->ref].cname);
            return;
        }
        if (e->kind == RCT_E_DIV && r->kind == RCT_E_NUM && rct_em_pow2_recip(r->num, E->f32)) {
            emit_paren(E, e->args[0], cprec(e->args[0]) < p); /* y/2 -> y*0.5: the same bits */
            rct_buf_putc(&E->b, '*');
            emit_num(E, 1 / r->num);
            return;
        }
        emit_paren(E, e->args[0], cprec(e->args[0]) < p);
        rct_buf_puts(&E->b, ops[e->kind]);
        emit_paren(E, e->args[1], cprec(e->args[1]) <= p);
    }
    }
}

/* Marks the variables an expression reads (not those inside reductions: those are scalars here). */
static void mark_used(rct_emitter *E, const rct_expr *e)
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

/* Does any equation of m call function f? */
int rct_em_model_uses_fn(const rct_model *m, int f)
{
    for (int e = 0; e < m->n_eqs; e++)
        if (uses_fn(m->eqs[e].rhs, f))
            return 1;
    return 0;
}

/* Writes the comment that heads a kernel source. */
void rct_em_header(rct_emitter *E, const char *what, const char *lang)
{
    const rct_model *m = E->m;
    rct_buf_printf(&E->b, "/*\n * Network %s for template ", what);
    rct_emit_safe_comment(&E->b, m->template_ref);
    rct_buf_printf(&E->b, " (%s%s).\n * Generated by rectic %s; regenerate with `rectic emit` rather than editing.\n *\n",
                   E->type, lang, RECTIC_VERSION);
    for (int e = 0; e < m->n_eqs; e++) {
        rct_buf_puts(&E->b, " *   ");
        rct_emit_safe_comment(&E->b, m->eq_text[e]);
        rct_buf_putc(&E->b, '\n');
    }
}

/* Writes a struct definition given as one line of C, one member per line; RCT_DOC(text) after a member
   becomes its comment, on the same line. */
void rct_em_struct(rct_emitter *E, const char *def)
{
    static const char doc[] = "RCT_DOC(";
    int depth = 0;
    for (const char *p = def; *p; p++) {
        if (!strncmp(p, doc, sizeof doc - 1)) { /* back onto the member's line, then the comment */
            while (E->b.len && (E->b.s[E->b.len - 1] == ' ' || E->b.s[E->b.len - 1] == '\n'))
                E->b.len--;
            size_t line = E->b.len; /* the comments line up after the longest member */
            while (line > 0 && E->b.s[line - 1] != '\n')
                line--;
            for (size_t col = E->b.len - line; col < 32; col++)
                rct_buf_putc(&E->b, ' ');
            rct_buf_puts(&E->b, " /* ");
            int open = 1;
            for (p += sizeof doc - 1; *p && (*p != ')' || --open > 0); p++) {
                open += *p == '(';
                rct_buf_putc(&E->b, *p);
            }
            rct_buf_puts(&E->b, " */\n");
            for (int k = 0; k < depth; k++)
                rct_buf_puts(&E->b, "    ");
            if (!*p)
                break;
            continue;
        }
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
}

/* Does any equation raise to a power that is not turned into a product? */
static int model_needs_pow(const rct_model *m)
{
    for (int e = 0; e < m->n_eqs; e++) {
        const rct_expr *stack[256];
        int sp = 0;
        stack[sp++] = m->eqs[e].rhs;
        while (sp) {
            const rct_expr *x = stack[--sp];
            if (x->kind == RCT_E_POW && cprec(x) != 2)
                return 1;
            for (int i = 0; i < x->nargs && sp < 256; i++)
                stack[sp++] = x->args[i];
        }
    }
    return 0;
}

/* Writes prototypes of the libm functions the model calls. */
void rct_em_math_decls(rct_emitter *E)
{
    const rct_model *m = E->m;
    const char *r = E->type; /* libm's own prototypes */
    static const char *const libm[] = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan",
                                       "exp", "log", "sqrt", "fabs", "rint"};
    static const int fid[] = {RCT_F_SIN, RCT_F_COS, RCT_F_TAN, RCT_F_SINH, RCT_F_COSH, RCT_F_TANH, RCT_F_ASIN,
                              RCT_F_ACOS, RCT_F_ATAN, RCT_F_EXP, RCT_F_LOG, RCT_F_SQRT, RCT_F_ABS, RCT_F_ROUND};
    int need_exp = rct_em_model_uses_fn(m, RCT_F_SIGMOID);
    for (size_t k = 0; k < sizeof libm / sizeof libm[0]; k++)
        if (rct_em_model_uses_fn(m, fid[k]) || (fid[k] == RCT_F_EXP && need_exp))
            rct_buf_printf(&E->b, "%s %s%s(%s);\n", r, libm[k], E->f32 ? "f" : "", r);
    if (model_needs_pow(m))
        rct_buf_printf(&E->b, "%s pow%s(%s, %s);\n", r, E->f32 ? "f" : "", r, r);
}

/* Writes the helper functions the model calls, each declared with `qual`. */
void rct_em_helper_fns(rct_emitter *E, const char *qual)
{
    const rct_model *m = E->m;
    const char *r = E->real;
    if (rct_em_model_uses_fn(m, RCT_F_SIGMOID))
        rct_buf_printf(&E->b, "%s%s rectic_sigmoid(%s x) { return 1/(1 + exp%s(-x)); }\n", qual, r, r, E->f32 ? "f" : "");
    if (rct_em_model_uses_fn(m, RCT_F_SIGN))
        rct_buf_printf(&E->b, "%s%s rectic_sign(%s x) { return x > 0 ? 1 : x < 0 ? -1 : x; }\n", qual, r, r);
    if (rct_em_model_uses_fn(m, RCT_F_MAX2) || rct_em_model_uses_fn(m, RCT_F_MAXR))
        rct_buf_printf(&E->b, "%s%s rectic_max(%s a, %s b) { return a > b || a != a ? a : b; }\n", qual, r, r, r);
    if (rct_em_model_uses_fn(m, RCT_F_MIN2) || rct_em_model_uses_fn(m, RCT_F_MINR))
        rct_buf_printf(&E->b, "%s%s rectic_min(%s a, %s b) { return a < b || a != a ? a : b; }\n", qual, r, r, r);
}

/* Does expression e divide by variable v anywhere? */
static int divides_by(const rct_expr *e, int v)
{
    if (e->kind == RCT_E_DIV && e->args[1]->kind == RCT_E_VAR && e->args[1]->ref == v)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (divides_by(e->args[i], v))
            return 1;
    return 0;
}

/* Does any equation of m divide by variable v? */
static int divides(const rct_model *m, int v)
{
    for (int k = 0; k < m->n_eqs; k++)
        if (divides_by(m->eqs[k].rhs, v))
            return 1;
    return 0;
}

/* The offset of block k of n values: "" for the first, else " + k*n". */
static const char *block_offset(int k, char *buf, size_t size)
{
    if (k == 0)
        return "";
    snprintf(buf, size, " + %d*n", k);
    return buf;
}

/* Does a part read a variable beyond the first block of its array (at k*n)? */
static int wants_block(const rct_emitter *E)
{
    const rct_model *m = E->m;
    for (int s = 1; s < m->n_state; s++)
        if (E->want[m->state_var[s]])
            return 1;
    for (int a = 1; a < m->n_alg; a++)
        if (E->want[m->alg_var[a]])
            return 1;
    for (int k = 1; k < m->n_coup; k++)
        if (E->want[m->coup_var[k]])
            return 1;
    return 0;
}

/* Writes the array pointers and hoisted parameters of a kernel's prologue. */
void rct_em_prologue(rct_emitter *E, const char *ind)
{
    const rct_model *m = E->m;
    const char *r = E->real;
    char full[256], off[32];
    const unsigned all = E->want ? E->want_flags : ~0u;
    if (E->want && !(all & RCT_WANT_INPUT))
        rct_buf_printf(&E->b, "%s(void)in; /* this part reads no input */\n", ind);
    if (E->want && !(all & RCT_WANT_N) && !wants_block(E))
        ; /* the update of neurons lo .. hi-1 of variables in the first block of their arrays: no n */
    else if (E->o->fixed_n > 0)
        rct_buf_printf(&E->b, "%sconst long n = %ld; /* this kernel serves networks of %ld neurons */\n", ind,
                       E->o->fixed_n, E->o->fixed_n);
    else
        rct_buf_printf(&E->b, "%sconst long n = c->n;\n", ind);
    for (int v = 0; (all & RCT_WANT_INPUT) && v < m->n_vars; v++)
        if (m->vars[v].kind == RCT_VK_INPUT) {
            rct_buf_printf(&E->b, "%sconst long in_col = c->in_col; /* input stride per neuron: 1, or 0 when shared */\n",
                           ind);
            break;
        }
    if (all & (RCT_WANT_DT | RCT_WANT_INV_DT))
        rct_buf_printf(&E->b, "%sconst %s dt = c->dt;%s\n", ind, r, E->f32 ? " /* rounded to float */" : "");
    if (E->o->spiking && (all & RCT_WANT_SPIKE))
        rct_buf_printf(&E->b, "%sconst %s threshold = c->threshold, reset = c->reset;\n", ind, r);
    for (int v = 0; E->o->spiking && (all & RCT_WANT_INV_DT) && v < m->n_vars; v++)
        if (m->vars[v].kind == RCT_VK_SPIKE) {
            rct_buf_printf(&E->b, "%sconst %s inv_dt = 1/dt; /* a spike's value, spk/dt with spk = 1 */\n", ind, r);
            break;
        }
    for (int s = 0; s < m->n_state; s++) {
        int v = m->state_var[s];
        if (E->want && !E->want[v])
            continue;
        rct_buf_printf(&E->b, "%s%s *const %s_arr = c->y%s; /* state %s */\n", ind, r, m->vars[v].cname,
                       block_offset(s, off, sizeof off), rct_var_fullname(m, v, full, sizeof full));
    }
    for (int a = 0; a < m->n_alg; a++) {
        int v = m->alg_var[a];
        if (E->want && !E->want[v])
            continue;
        rct_buf_printf(&E->b, "%s%s *const %s_arr = c->alg%s; /* algebraic %s */\n", ind, r, m->vars[v].cname,
                       block_offset(a, off, sizeof off), rct_var_fullname(m, v, full, sizeof full));
    }
    for (int k = 0; k < m->n_coup; k++) {
        int v = m->coup_var[k];
        if (E->want && !E->want[v])
            continue;
        rct_buf_printf(&E->b, "%s%s *const %s_arr = c->coup%s; /* coupling target %s */\n", ind, r, m->vars[v].cname,
                       block_offset(k, off, sizeof off), rct_var_fullname(m, v, full, sizeof full));
    }
    for (int p = 0; p < m->n_param; p++) {
        int v = m->param_var[p];
        const char *c = m->vars[v].cname;
        if (E->want && !E->want[v])
            continue;
        rct_var_fullname(m, v, full, sizeof full);
        if (E->o->param_vector[p]) {
            rct_buf_printf(&E->b, "%sconst %s *const %s_arr = c->param[%d]; /* %s, per neuron */\n", ind, r, c, p, full);
            continue;
        }
        rct_buf_printf(&E->b, "%sconst %s %s_ = c->param[%d][0]; /* %s */\n", ind, r, c, p, full);
        if (E->o->param_pow2 && E->o->param_pow2[p] && divides(m, v)) {
            rct_buf_printf(&E->b, "%sconst %s %s_inv = 1/%s_; /* a power of two: /%s is *%s_inv, bit for bit */\n", ind, r,
                           c, c, c, c);
            E->recip[p] = 1;
        }
    }
}

/* Marks what pass p reads; returns 1 when the pass has equations. */
int rct_em_pass_mark(rct_emitter *E, int p)
{
    const rct_model *m = E->m;
    int last = p == m->n_passes - 1;
    memset(E->used, 0, (size_t)m->n_vars);
    int any = 0;
    for (int k = 0; k < m->n_eqs; k++) {
        const rct_eq *eq = &m->eqs[m->order[k]];
        int here = eq->kind == RCT_EQ_ALG ? m->vars[eq->var].pass == p : last;
        if (!here || (E->skip_eq && E->skip_eq[m->order[k]]))
            continue;
        any = 1;
        mark_used(E, eq->rhs);
        if (eq->kind == RCT_EQ_ODE)
            E->used[eq->var] = 1;
    }
    return any;
}

/* Adds to E->want what loading the variables E->used marks reads (as rct_em_loads loads them): their
   arrays or values, the input row, and for a spike variable the spike flag (its definition, threshold, 1/dt). */
static void want_loads(rct_emitter *E, int spike_flag)
{
    const rct_model *m = E->m;
    for (int v = 0; v < m->n_vars; v++) {
        if (!E->used[v])
            continue;
        if (m->vars[v].kind == RCT_VK_INPUT)
            E->want_flags |= RCT_WANT_INPUT;
        else if (m->vars[v].kind == RCT_VK_SPIKE)
            E->want_flags |= RCT_WANT_INV_DT, spike_flag = 1;
        else
            E->want[v] = 1;
    }
    if (spike_flag && E->o->spiking)
        E->want[m->spike_def] = 1, E->want_flags |= RCT_WANT_SPIKE;
}

int rct_em_part_reads(rct_emitter *E, int p, int reds, int update)
{
    const rct_model *m = E->m;
    if (!E->want && !(E->want = calloc((size_t)m->n_vars + 1, 1)))
        return RECTIC_ENOMEM;
    memset(E->want, 0, (size_t)m->n_vars);
    E->want_flags = 0;
    for (int r = 0; reds && r < m->n_reds; r++) /* each reduction's value: rct_em_red_value */
        if (m->reds[r].before_pass == p) {
            E->want_flags |= RCT_WANT_N; /* a reduction sums over every neuron */
            memset(E->used, 0, (size_t)m->n_vars);
            mark_used(E, m->reds[r].arg);
            want_loads(E, 0);
        }
    rct_em_pass_mark(E, p);
    want_loads(E, update);
    for (int k = 0; k < m->n_eqs; k++) { /* algebraic values of the pass are stored in their arrays */
        const rct_eq *eq = &m->eqs[k];
        if (eq->kind == RCT_EQ_ALG && m->vars[eq->var].pass == p && !(E->skip_eq && E->skip_eq[k]))
            E->want[eq->var] = 1;
    }
    if (update) { /* the spike list and the Euler update of every state variable (with dt, if any) */
        E->want_flags |= (m->n_state > 0 ? RCT_WANT_DT : 0) | (E->o->spiking ? RCT_WANT_SPIKE : 0);
        for (int s = 0; s < m->n_state; s++)
            E->want[m->state_var[s]] = 1;
    }
    memset(E->used, 0, (size_t)m->n_vars);
    return 0;
}

/* Writes `const real x_ = ...;` for each marked variable that a pass over the neurons reads.  ALG
   variables computed in `pass` are left to their equations.  `integrate`: the pass also updates the state
   (and so needs the spike flag of a spiking network). */
void rct_em_loads(rct_emitter *E, int pass, int integrate, const char *ind)
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
            (var->kind == RCT_VK_ALG && (var->pass < pass || (E->skip_eq && E->skip_eq[var->eq]))))
            rct_buf_printf(&E->b, "%sconst %s %s_ = %s_arr[i];\n", ind, E->real, c, c);
        else if (var->kind == RCT_VK_INPUT)
            rct_buf_printf(&E->b, "%sconst %s %s_ = in[i*in_col];\n", ind, E->real, c);
    }
    if (!need_spk)
        return;
    rct_buf_printf(&E->b, "%sconst %s spk = %s_ >= threshold ? 1 : 0; /* spike iff %s >= threshold */\n", ind,
                   E->real, m->vars[m->spike_def].cname, m->vars[m->spike_def].name);
    for (int v = 0; v < m->n_vars; v++)
        if (E->used[v] && m->vars[v].kind == RCT_VK_SPIKE)
            rct_buf_printf(&E->b, "%sconst %s %s_ = spk != 0 ? inv_dt : 0; /* spk/dt */\n", ind, E->real,
                           m->vars[v].cname);
}

/* Writes the comment naming the equation eq. */
static void emit_eq_comment(rct_emitter *E, int eq, const char *ind)
{
    rct_buf_printf(&E->b, "%s/* ", ind);
    rct_emit_safe_comment(&E->b, E->m->eq_text[eq]);
    rct_buf_puts(&E->b, " */\n");
}

/* Writes pass p's algebraic equations and, in the last pass, the derivatives. */
void rct_em_pass_eqs(rct_emitter *E, int p, const char *ind)
{
    const rct_model *m = E->m;
    for (int k = 0; k < m->n_eqs; k++) {
        const rct_eq *eq = &m->eqs[m->order[k]];
        const rct_var *v = &m->vars[eq->var];
        if (E->skip_eq && E->skip_eq[m->order[k]])
            continue;
        if (eq->kind == RCT_EQ_ALG && v->pass == p) {
            emit_eq_comment(E, m->order[k], ind);
            rct_buf_printf(&E->b, "%sconst %s %s_ = ", ind, E->real, v->cname);
            rct_em_expr(E, eq->rhs);
            rct_buf_printf(&E->b, ";\n%s%s_arr[i] = %s_;\n", ind, v->cname, v->cname);
        }
    }
    if (p != m->n_passes - 1)
        return;
    for (int k = 0; k < m->n_eqs; k++) {
        const rct_eq *eq = &m->eqs[m->order[k]];
        if (eq->kind != RCT_EQ_ODE || (E->skip_eq && E->skip_eq[m->order[k]]))
            continue;
        emit_eq_comment(E, m->order[k], ind);
        rct_buf_printf(&E->b, "%sconst %s %s_dot = ", ind, E->real, m->vars[eq->var].cname);
        rct_em_expr(E, eq->rhs);
        rct_buf_puts(&E->b, ";\n");
    }
}

/* Writes the forward Euler update of neuron i, with the reset blend of a spiking network. */
void rct_em_euler(rct_emitter *E, const char *ind)
{
    const rct_model *m = E->m;
    rct_buf_printf(&E->b, "%s/* forward Euler */\n", ind);
    for (int s = 0; s < m->n_state; s++) {
        const char *c = m->vars[m->state_var[s]].cname;
        if (E->o->spiking && m->state_var[s] == m->spike_def)
            rct_buf_printf(&E->b, "%s%s_arr[i] = (%s_ + dt*%s_dot)*(1 - spk) + spk*reset; /* reset by blending, as RectiPy */\n",
                           ind, c, c, c);
        else
            rct_buf_printf(&E->b, "%s%s_arr[i] = %s_ + dt*%s_dot;\n", ind, c, c, c);
    }
}

void rct_em_combine(rct_emitter *E, int fn, const char *acc, const char *first, const char *ind)
{
    switch (fn) {
    case RCT_F_MAXR:
        rct_buf_printf(&E->b, "%s%s = %s ? x : rectic_max(%s, x);\n", ind, acc, first, acc);
        break;
    case RCT_F_MINR:
        rct_buf_printf(&E->b, "%s%s = %s ? x : rectic_min(%s, x);\n", ind, acc, first, acc);
        break;
    default:
        rct_buf_printf(&E->b, "%s%s += x;\n", ind, acc);
    }
}

void rct_em_rec_source(rct_emitter *E, const char *ind)
{
    rct_buf_printf(&E->b, "%sconst %s *src = r->where == 0 ? c->y + r->slot*n : r->where == 1 ? c->alg + r->slot*n :\n"
                          "%s                  r->where == 2 ? c->coup + r->slot*n : r->where == 3 ? in : c->param[r->slot];\n",
                   ind, E->real, ind);
}

/* Writes the comment naming reduction r. */
void rct_em_red_comment(rct_emitter *E, int r, const char *ind)
{
    const rct_reduction *red = &E->m->reds[r];
    rct_buf b2;
    rct_buf_init(&b2);
    rct_expr_print(&b2, E->m, red->arg);
    rct_buf_printf(&E->b, "%s/* %s(", ind, rct_funcs[red->fn].name);
    rct_emit_safe_comment(&E->b, b2.s ? b2.s : "");
    rct_buf_puts(&E->b, ") over the node's neurons */\n");
    rct_buf_free(&b2);
}

/* Writes the loads and `const real x = ...;`, the value reduction r takes for neuron i. */
void rct_em_red_value(rct_emitter *E, int r, const char *ind)
{
    const rct_reduction *red = &E->m->reds[r];
    memset(E->used, 0, (size_t)E->m->n_vars);
    mark_used(E, red->arg);
    rct_em_loads(E, red->before_pass, 0, ind);
    rct_buf_printf(&E->b, "%sconst %s x = ", ind, E->real);
    rct_em_expr(E, red->arg);
    rct_buf_puts(&E->b, ";\n");
}

void rct_em_take_new_lines(rct_buf *decls, rct_emitter *E)
{
    rct_buf needle;
    rct_buf_init(&needle);
    for (const char *line = E->b.s; line && line < E->b.s + E->b.len;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        needle.len = 0;
        rct_buf_putc(&needle, '\n'); /* decls starts with a line break: each line is found whole */
        rct_buf_putn(&needle, line, len);
        if (needle.s && !strstr(decls->s, needle.s))
            rct_buf_putn(decls, line, len);
        decls->failed |= needle.failed;
        line += len;
    }
    rct_buf_free(&needle);
    E->b.len = 0;
}

/*
 * parser.c -- precedence-climbing parser from tokens to equation syntax trees.
 */
#include "parser.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "util.h"

#define MAX_DEPTH 200 /* nesting of parentheses and operators */

const rct_funcinfo rct_funcs[RCT_F_COUNT] = {
    [RCT_F_SIN] = {"sin", 1, 0},        [RCT_F_COS] = {"cos", 1, 0},
    [RCT_F_TAN] = {"tan", 1, 0},        [RCT_F_SINH] = {"sinh", 1, 0},
    [RCT_F_COSH] = {"cosh", 1, 0},      [RCT_F_TANH] = {"tanh", 1, 0},
    [RCT_F_ASIN] = {"arcsin", 1, 0},    [RCT_F_ACOS] = {"arccos", 1, 0},
    [RCT_F_ATAN] = {"arctan", 1, 0},    [RCT_F_EXP] = {"exp", 1, 0},
    [RCT_F_LOG] = {"log", 1, 0},        [RCT_F_SQRT] = {"sqrt", 1, 0},
    [RCT_F_ABS] = {"absv", 1, 0},       [RCT_F_SIGN] = {"sign", 1, 0},
    [RCT_F_SIGMOID] = {"sigmoid", 1, 0}, [RCT_F_ROUND] = {"round", 1, 0},
    [RCT_F_MAX2] = {"max", 2, 0},       [RCT_F_MIN2] = {"min", 2, 0},
    [RCT_F_SUM] = {"sum", 1, 1},        [RCT_F_MEAN] = {"mean", 1, 1},
    [RCT_F_MAXR] = {"max", 1, 1},       [RCT_F_MINR] = {"min", 1, 1},
};

int rct_func_lookup(const char *name, int nargs)
{
    static const struct { const char *alias, *name; } synonyms[] = {
        {"abs", "absv"}, {"vsum", "sum"}, {"maxi", "max"}, {"mini", "min"},
        {"asin", "arcsin"}, {"acos", "arccos"}, {"atan", "arctan"},
    };
    for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
        if (strcmp(name, synonyms[i].alias) == 0)
            name = synonyms[i].name;
    int known = 0;
    for (int f = 0; f < RCT_F_COUNT; f++) {
        if (strcmp(rct_funcs[f].name, name) != 0)
            continue;
        known = 1;
        if (rct_funcs[f].nargs == nargs)
            return f;
    }
    return known ? -2 : -1;
}

int rct_constant(const char *name, double *value)
{
    if (strcmp(name, "pi") == 0) {
        *value = 3.141592653589793;
        return 1;
    }
    if (strcmp(name, "E") == 0) {
        *value = 2.718281828459045;
        return 1;
    }
    return 0;
}

typedef struct parser {
    rct_lexer lx;
    int failed;
    int err_pos;
    char *msg;
    size_t msgsz;
    int depth;
} parser;

/* Records the first error at pos. */
static void fail(parser *P, size_t pos, const char *fmt, ...)
{
    if (P->failed)
        return;
    P->failed = 1;
    P->err_pos = (int)pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(P->msg, P->msgsz, fmt, ap);
    va_end(ap);
}

/* Complains that the current token is not what was expected. */
static void unexpected(parser *P, const char *expected)
{
    if (P->lx.tok == RCT_T_ERROR)
        fail(P, P->lx.tok_pos, "%s", P->lx.msg);
    else
        fail(P, P->lx.tok_pos, "expected %s, found %s", expected, rct_tok_name(P->lx.tok));
}

static rct_expr *new_expr(parser *P, rct_ekind kind, size_t pos, int nargs)
{
    rct_expr *e = calloc(1, sizeof *e);
    if (e && nargs > 0 && !(e->args = calloc((size_t)nargs, sizeof *e->args))) {
        free(e);
        e = NULL;
    }
    if (!e) {
        fail(P, pos, "out of memory");
        return NULL;
    }
    e->kind = kind;
    e->pos = (int)pos;
    e->nargs = nargs;
    e->ref = -1;
    return e;
}

void rct_expr_free(rct_expr *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nargs; i++)
        rct_expr_free(e->args[i]);
    free(e->args);
    free(e->name);
    free(e);
}

static rct_expr *parse_sum(parser *P);
static rct_expr *parse_unary(parser *P);

/* Builds a binary node from two operands (frees them if allocation fails). */
static rct_expr *binary(parser *P, rct_ekind kind, rct_expr *a, rct_expr *b)
{
    if (!a || !b) {
        rct_expr_free(a);
        rct_expr_free(b);
        return NULL;
    }
    rct_expr *e = new_expr(P, kind, (size_t)a->pos, 2);
    if (!e) {
        rct_expr_free(a);
        rct_expr_free(b);
        return NULL;
    }
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

/* Parses the argument list of a call to name (the '(' is current). */
static rct_expr *parse_call(parser *P, char *name, size_t pos)
{
    rct_expr *e = new_expr(P, RCT_E_CALL, pos, 0);
    if (!e) {
        free(name);
        return NULL;
    }
    e->name = name;
    rct_lex_next(&P->lx); /* ( */
    for (;;) {
        rct_expr *arg = parse_sum(P);
        if (!arg) {
            rct_expr_free(e);
            return NULL;
        }
        rct_expr **args = realloc(e->args, (size_t)(e->nargs + 1) * sizeof *args);
        if (!args) {
            rct_expr_free(arg);
            rct_expr_free(e);
            fail(P, pos, "out of memory");
            return NULL;
        }
        e->args = args;
        e->args[e->nargs++] = arg;
        if (P->lx.tok == RCT_T_COMMA) {
            rct_lex_next(&P->lx);
            continue;
        }
        if (P->lx.tok == RCT_T_RPAREN) {
            rct_lex_next(&P->lx);
            return e;
        }
        unexpected(P, "',' or ')' in the argument list");
        rct_expr_free(e);
        return NULL;
    }
}

/* atom := number | name | name '(' args ')' | '(' expr ')' */
static rct_expr *parse_atom(parser *P)
{
    rct_lexer *lx = &P->lx;
    size_t pos = lx->tok_pos;
    if (lx->tok == RCT_T_NUM) {
        rct_expr *e = new_expr(P, RCT_E_NUM, pos, 0);
        if (e)
            e->num = lx->num;
        rct_lex_next(lx);
        return e;
    }
    if (lx->tok == RCT_T_IDENT) {
        char *name = rct_strndup(lx->src + lx->tok_pos, lx->tok_len);
        if (!name) {
            fail(P, pos, "out of memory");
            return NULL;
        }
        rct_lex_next(lx);
        if (lx->tok == RCT_T_LPAREN)
            return parse_call(P, name, pos);
        rct_expr *e = new_expr(P, RCT_E_VAR, pos, 0);
        if (!e) {
            free(name);
            return NULL;
        }
        e->name = name;
        return e;
    }
    if (lx->tok == RCT_T_LPAREN) {
        rct_lex_next(lx);
        rct_expr *e = parse_sum(P);
        if (!e)
            return NULL;
        if (lx->tok != RCT_T_RPAREN) {
            unexpected(P, "')'");
            rct_expr_free(e);
            return NULL;
        }
        rct_lex_next(lx);
        return e;
    }
    unexpected(P, "a number, a name or '('");
    return NULL;
}

/* power := atom ('^' unary)?  -- right-associative, binds tighter than unary minus on its left */
static rct_expr *parse_power(parser *P)
{
    rct_expr *base = parse_atom(P);
    if (!base || P->lx.tok != RCT_T_POW)
        return base;
    rct_lex_next(&P->lx);
    return binary(P, RCT_E_POW, base, parse_unary(P));
}

/* unary := ('-' | '+') unary | power */
static rct_expr *parse_unary(parser *P)
{
    if (++P->depth > MAX_DEPTH) {
        fail(P, P->lx.tok_pos, "expression nested deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    rct_expr *r;
    size_t pos = P->lx.tok_pos;
    if (P->lx.tok == RCT_T_MINUS) {
        rct_lex_next(&P->lx);
        rct_expr *x = parse_unary(P);
        r = x ? new_expr(P, RCT_E_NEG, pos, 1) : NULL;
        if (r)
            r->args[0] = x;
        else
            rct_expr_free(x);
    } else if (P->lx.tok == RCT_T_PLUS) {
        rct_lex_next(&P->lx);
        r = parse_unary(P);
    } else {
        r = parse_power(P);
    }
    P->depth--;
    return r;
}

/* product := unary (('*' | '/') unary)* */
static rct_expr *parse_product(parser *P)
{
    rct_expr *e = parse_unary(P);
    while (e && (P->lx.tok == RCT_T_STAR || P->lx.tok == RCT_T_SLASH)) {
        rct_ekind k = P->lx.tok == RCT_T_STAR ? RCT_E_MUL : RCT_E_DIV;
        rct_lex_next(&P->lx);
        e = binary(P, k, e, parse_unary(P));
    }
    return e;
}

/* sum := product (('+' | '-') product)* */
static rct_expr *parse_sum(parser *P)
{
    if (++P->depth > MAX_DEPTH) {
        fail(P, P->lx.tok_pos, "expression nested deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    rct_expr *e = parse_product(P);
    while (e && (P->lx.tok == RCT_T_PLUS || P->lx.tok == RCT_T_MINUS)) {
        rct_ekind k = P->lx.tok == RCT_T_PLUS ? RCT_E_ADD : RCT_E_SUB;
        rct_lex_next(&P->lx);
        e = binary(P, k, e, parse_product(P));
    }
    P->depth--;
    return e;
}

/* Is the current token the identifier s? */
static int tok_is(const rct_lexer *lx, const char *s)
{
    return lx->tok == RCT_T_IDENT && lx->tok_len == strlen(s) && memcmp(lx->src + lx->tok_pos, s, lx->tok_len) == 0;
}

/* Parses the left-hand side: x' | d/dt * x | dx/dt | x */
static int parse_lhs(parser *P, rct_eqast *eq)
{
    rct_lexer *lx = &P->lx;
    if (lx->tok != RCT_T_IDENT) {
        unexpected(P, "a variable name on the left-hand side");
        return -1;
    }
    size_t pos = lx->tok_pos, len = lx->tok_len;
    const char *name = lx->src + pos;
    rct_lex_next(lx);
    eq->kind = RCT_EQ_ALG;
    if (lx->tok == RCT_T_PRIME) {            /* x' */
        eq->kind = RCT_EQ_ODE;
        rct_lex_next(lx);
        if (lx->tok == RCT_T_PRIME) {
            fail(P, lx->tok_pos, "higher derivatives (x'') are not supported: write a system of first-order equations");
            return -1;
        }
    } else if (lx->tok == RCT_T_SLASH) {     /* d/dt * x  or  dx/dt */
        rct_lex_next(lx);
        if (!tok_is(lx, "dt") || name[0] != 'd') {
            fail(P, pos, "expected \"x' =\", \"d/dt * x =\", \"dx/dt =\" or \"x =\" on the left-hand side");
            return -1;
        }
        rct_lex_next(lx);
        eq->kind = RCT_EQ_ODE;
        if (len == 1) {
            if (lx->tok != RCT_T_STAR) {
                unexpected(P, "'*' after d/dt");
                return -1;
            }
            rct_lex_next(lx);
            if (lx->tok != RCT_T_IDENT) {
                unexpected(P, "a variable name after d/dt *");
                return -1;
            }
            pos = lx->tok_pos;
            len = lx->tok_len;
            name = lx->src + pos;
            rct_lex_next(lx);
        } else {
            pos += 1;
            len -= 1;
            name += 1;
        }
    }
    eq->lhs = rct_strndup(name, len);
    eq->lhs_pos = (int)pos;
    if (!eq->lhs) {
        fail(P, pos, "out of memory");
        return -1;
    }
    if (lx->tok != RCT_T_EQ) {
        unexpected(P, "'='");
        return -1;
    }
    rct_lex_next(lx);
    return 0;
}

/* Checks that nothing follows a complete expression. */
static int expect_end(parser *P)
{
    if (P->lx.tok == RCT_T_END)
        return 0;
    if (P->lx.tok == RCT_T_EQ)
        fail(P, P->lx.tok_pos, "a second '=' in the equation");
    else
        unexpected(P, "an operator or the end of the equation");
    return -1;
}

int rct_parse_equation(const char *text, rct_eqast *out, int *err_pos, char *msg, size_t msgsz)
{
    parser P = {.msg = msg, .msgsz = msgsz};
    memset(out, 0, sizeof *out);
    rct_lex_init(&P.lx, text, strlen(text));
    if (parse_lhs(&P, out) == 0) {
        out->rhs = parse_sum(&P);
        if (out->rhs)
            expect_end(&P);
    }
    if (P.failed) {
        rct_eqast_free(out);
        *err_pos = P.err_pos;
        return -1;
    }
    return 0;
}

int rct_parse_expr(const char *text, rct_expr **out, int *err_pos, char *msg, size_t msgsz)
{
    parser P = {.msg = msg, .msgsz = msgsz};
    rct_lex_init(&P.lx, text, strlen(text));
    *out = parse_sum(&P);
    if (*out)
        expect_end(&P);
    if (P.failed) {
        rct_expr_free(*out);
        *out = NULL;
        *err_pos = P.err_pos;
        return -1;
    }
    return 0;
}

void rct_eqast_free(rct_eqast *eq)
{
    free(eq->lhs);
    rct_expr_free(eq->rhs);
    memset(eq, 0, sizeof *eq);
}

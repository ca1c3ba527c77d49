/*
 * fuzz_equation.c -- libFuzzer harness for the equation parser: the input, NUL-terminated, goes through
 * rct_parse_equation and rct_parse_expr.  A successful parse is checked for a consistent tree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "parser.h"

/* Walks a tree: every node has the operand count its kind implies and non-NULL operands. */
static void check_tree(const rct_expr *e, size_t text_len, int depth)
{
    if (!e || depth > 10000)
        abort();
    if (e->pos < 0 || (size_t)e->pos > text_len)
        abort();
    switch (e->kind) {
    case RCT_E_NUM:
        break;
    case RCT_E_VAR:
        if (!e->name || !e->name[0])
            abort();
        break;
    case RCT_E_NEG:
        if (e->nargs != 1)
            abort();
        break;
    case RCT_E_ADD: case RCT_E_SUB: case RCT_E_MUL: case RCT_E_DIV: case RCT_E_POW:
        if (e->nargs != 2)
            abort();
        break;
    case RCT_E_CALL:
        if (!e->name || e->nargs < 1)
            abort();
        break;
    default:
        abort();
    }
    for (int i = 0; i < e->nargs; i++)
        check_tree(e->args[i], text_len, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size);
    size_t len = strlen(text);
    char msg[512];
    int pos = -1;

    rct_eqast eq;
    if (rct_parse_equation(text, &eq, &pos, msg, sizeof msg) == 0) {
        if (!eq.lhs || !eq.lhs[0] || !eq.rhs)
            abort();
        check_tree(eq.rhs, len, 0);
        rct_eqast_free(&eq);
    } else if (pos < 0 || (size_t)pos > len || !memchr(msg, '\0', sizeof msg) || !msg[0]) {
        abort(); /* an error must say where (inside the text) and what */
    }

    rct_expr *e = NULL;
    pos = -1;
    if (rct_parse_expr(text, &e, &pos, msg, sizeof msg) == 0) {
        check_tree(e, len, 0);
        rct_expr_free(e);
    } else if (e != NULL || pos < 0 || (size_t)pos > len || !msg[0]) {
        abort();
    }

    /* the function table: lookups by any name and arity never crash */
    if (len < 32) {
        for (int n = 0; n < 4; n++)
            (void)rct_func_lookup(text, n);
        double c;
        (void)rct_constant(text, &c);
    }
    free(text);
    return 0;
}

/*
 * check_parser.c -- tests of the equation lexer and parser (generator/lexer.h, generator/parser.h).
 */
#include <math.h>
#include <stdlib.h>

#include "testutil.h"

#include "lexer.h"
#include "parser.h"
#include "util.h"

/* ---------------------------------------------------------------- helpers */

/* Writes e as a fully parenthesised s-expression: (+ a b), (neg x), (^ a b), (call f a b), numbers with %.17g. */
static void sexpr(rct_buf *b, const rct_expr *e)
{
    static const char *const op[] = {[RCT_E_ADD] = "+", [RCT_E_SUB] = "-", [RCT_E_MUL] = "*",
                                      [RCT_E_DIV] = "/", [RCT_E_POW] = "^"};
    switch (e->kind) {
    case RCT_E_NUM:
        rct_buf_printf(b, "%.17g", e->num);
        return;
    case RCT_E_VAR:
        rct_buf_puts(b, e->name);
        return;
    case RCT_E_NEG:
        rct_buf_puts(b, "(neg ");
        sexpr(b, e->args[0]);
        rct_buf_putc(b, ')');
        return;
    case RCT_E_CALL:
        rct_buf_printf(b, "(call %s", e->name);
        for (int i = 0; i < e->nargs; i++) {
            rct_buf_putc(b, ' ');
            sexpr(b, e->args[i]);
        }
        rct_buf_putc(b, ')');
        return;
    default:
        ck_assert_int_eq(e->nargs, 2);
        rct_buf_printf(b, "(%s ", op[e->kind]);
        sexpr(b, e->args[0]);
        rct_buf_putc(b, ' ');
        sexpr(b, e->args[1]);
        rct_buf_putc(b, ')');
    }
}

/* Parses an expression that must be valid and checks its s-expression. */
static void expect_tree(const char *text, const char *want)
{
    rct_expr *e = NULL;
    int pos = -1;
    char msg[256] = "";
    int rc = rct_parse_expr(text, &e, &pos, msg, sizeof msg);
    ck_assert_msg(rc == 0, "parsing \"%s\" failed at %d: %s", text, pos, msg);
    ck_assert_ptr_nonnull(e);
    rct_buf b;
    rct_buf_init(&b);
    sexpr(&b, e);
    ck_assert_ptr_nonnull(b.s);
    ck_assert_msg(strcmp(b.s, want) == 0, "\"%s\" parsed as %s, expected %s", text, b.s, want);
    rct_buf_free(&b);
    rct_expr_free(e);
}

/* Parses a lone number and checks that its value has the exact bits strtod gives for the same text. */
static void expect_number(const char *text)
{
    rct_expr *e = NULL;
    int pos = -1;
    char msg[256] = "";
    ck_assert_msg(rct_parse_expr(text, &e, &pos, msg, sizeof msg) == 0, "\"%s\": %s", text, msg);
    ck_assert_int_eq(e->kind, RCT_E_NUM);
    double want = strtod(text, NULL);
    ck_assert_msg(memcmp(&e->num, &want, sizeof want) == 0, "\"%s\" gave %.17g, strtod gives %.17g", text, e->num,
                  want);
    ck_assert_int_eq(e->pos, 0);
    rct_expr_free(e);
}

/* Parses an equation that must fail, checking the error offset and the complete message. */
static void expect_eq_error(const char *text, int want_pos, const char *want_msg)
{
    rct_eqast eq;
    int pos = -12345;
    char msg[512] = "";
    int rc = rct_parse_equation(text, &eq, &pos, msg, sizeof msg);
    ck_assert_msg(rc == -1, "\"%s\" parsed, expected the error \"%s\"", text, want_msg);
    ck_assert_msg(pos == want_pos, "\"%s\": error at %d, expected %d (%s)", text, pos, want_pos, msg);
    ck_assert_str_eq(msg, want_msg);
    ck_assert_ptr_null(eq.lhs);
    ck_assert_ptr_null(eq.rhs);
}

/* ---------------------------------------------------------------- lexer */

START_TEST(test_lexer_token_kinds_and_positions)
{
    const char *src = "v' = (x ** 2 ^ 3, y) * -1.5 / z";
    static const struct {
        rct_tok tok;
        size_t pos, len;
    } want[] = {
        {RCT_T_IDENT, 0, 1},  {RCT_T_PRIME, 1, 1}, {RCT_T_EQ, 3, 1},     {RCT_T_LPAREN, 5, 1},
        {RCT_T_IDENT, 6, 1},  {RCT_T_POW, 8, 2},   {RCT_T_NUM, 11, 1},   {RCT_T_POW, 13, 1},
        {RCT_T_NUM, 15, 1},   {RCT_T_COMMA, 16, 1}, {RCT_T_IDENT, 18, 1}, {RCT_T_RPAREN, 19, 1},
        {RCT_T_STAR, 21, 1},  {RCT_T_MINUS, 23, 1}, {RCT_T_NUM, 24, 3},   {RCT_T_SLASH, 28, 1},
        {RCT_T_IDENT, 30, 1}, {RCT_T_END, 31, 0},
    };
    rct_lexer lx;
    rct_lex_init(&lx, src, strlen(src));
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        ck_assert_msg(lx.tok == want[k].tok, "token %zu: kind %d, expected %d", k, (int)lx.tok, (int)want[k].tok);
        ck_assert_uint_eq(lx.tok_pos, want[k].pos);
        ck_assert_uint_eq(lx.tok_len, want[k].len);
        rct_lex_next(&lx);
    }
}
END_TEST

START_TEST(test_lexer_number_values)
{
    const char *src = "1e-3 .5 1E-1 2. 10e-3";
    const char *texts[] = {"1e-3", ".5", "1E-1", "2.", "10e-3"};
    rct_lexer lx;
    rct_lex_init(&lx, src, strlen(src));
    for (size_t k = 0; k < 5; k++) {
        ck_assert_int_eq(lx.tok, RCT_T_NUM);
        ck_assert_uint_eq(lx.tok_len, strlen(texts[k]));
        ck_assert_int_eq(memcmp(lx.src + lx.tok_pos, texts[k], lx.tok_len), 0);
        double want = strtod(texts[k], NULL);
        ck_assert(memcmp(&lx.num, &want, sizeof want) == 0);
        rct_lex_next(&lx);
    }
    ck_assert_int_eq(lx.tok, RCT_T_END);
}
END_TEST

START_TEST(test_lexer_unexpected_character_message)
{
    rct_lexer lx;
    rct_lex_init(&lx, "a $", 3);
    rct_lex_next(&lx);
    ck_assert_int_eq(lx.tok, RCT_T_ERROR);
    ck_assert_uint_eq(lx.tok_pos, 2);
    ck_assert_str_eq(lx.msg, "unexpected character '$'");
    ck_assert_str_eq(rct_tok_name(RCT_T_END), "the end of the equation");
    ck_assert_str_eq(rct_tok_name(RCT_T_POW), "'^'");
}
END_TEST

/* ---------------------------------------------------------------- numbers */

START_TEST(test_number_exponent_negative)
{
    expect_number("1e-3");
}
END_TEST

START_TEST(test_number_leading_dot)
{
    expect_number(".5");
}
END_TEST

START_TEST(test_number_capital_exponent)
{
    expect_number("1E-1");
}
END_TEST

START_TEST(test_number_trailing_dot)
{
    expect_number("2.");
}
END_TEST

START_TEST(test_number_mantissa_with_exponent)
{
    expect_number("10e-3");
    expect_number("33.33");
    expect_number("0.1");
    expect_number("1e+2");
}
END_TEST

START_TEST(test_number_exponent_without_digits_is_error)
{
    expect_eq_error("v' = 1e", 5, "malformed number: exponent without digits");
}
END_TEST

START_TEST(test_number_followed_by_letter_is_error)
{
    expect_eq_error("v' = 2x", 5, "malformed number: a letter follows the digits");
}
END_TEST

/* ---------------------------------------------------------------- precedence and associativity */

START_TEST(test_subtraction_is_left_associative)
{
    expect_tree("a-b-c", "(- (- a b) c)");
}
END_TEST

START_TEST(test_division_is_left_associative)
{
    expect_tree("a/b/c", "(/ (/ a b) c)");
}
END_TEST

START_TEST(test_mixed_sum_and_product_precedence)
{
    expect_tree("a + b*c - d/e", "(- (+ a (* b c)) (/ d e))");
    expect_tree("a*b/c*d", "(* (/ (* a b) c) d)");
    expect_tree("(a + b)*c", "(* (+ a b) c)");
}
END_TEST

START_TEST(test_unary_minus_binds_looser_than_power)
{
    expect_tree("-x^2", "(neg (^ x 2))");
}
END_TEST

START_TEST(test_power_of_negative_exponent)
{
    expect_tree("2^-1", "(^ 2 (neg 1))");
}
END_TEST

START_TEST(test_power_is_right_associative)
{
    expect_tree("a^b^c", "(^ a (^ b c))");
}
END_TEST

START_TEST(test_double_star_is_power)
{
    expect_tree("a**b**c", "(^ a (^ b c))");
    expect_tree("-x**2", "(neg (^ x 2))");
    expect_tree("a*b**2", "(* a (^ b 2))");
}
END_TEST

START_TEST(test_power_binds_tighter_than_product)
{
    expect_tree("a*b^2/c", "(/ (* a (^ b 2)) c)");
}
END_TEST

START_TEST(test_unary_plus_is_dropped)
{
    expect_tree("+x", "x");
    expect_tree("a - +b", "(- a b)");
    expect_tree("+-x", "(neg x)");
}
END_TEST

START_TEST(test_unary_minus_in_product)
{
    expect_tree("a*-b", "(* a (neg b))");
    expect_tree("--a", "(neg (neg a))");
    expect_tree("-a*b", "(* (neg a) b)");
}
END_TEST

START_TEST(test_node_positions_are_offsets)
{
    rct_expr *e = NULL;
    int pos;
    char msg[128];
    ck_assert_int_eq(rct_parse_expr("a + foo(b, 2)", &e, &pos, msg, sizeof msg), 0);
    ck_assert_int_eq(e->kind, RCT_E_ADD);
    ck_assert_int_eq(e->pos, 0);
    ck_assert_int_eq(e->args[1]->kind, RCT_E_CALL);
    ck_assert_int_eq(e->args[1]->pos, 4);
    ck_assert_int_eq(e->args[1]->args[0]->pos, 8);
    ck_assert_int_eq(e->args[1]->args[1]->pos, 11);
    ck_assert_int_eq(e->args[1]->ref, -1);
    rct_expr_free(e);
}
END_TEST

/* ---------------------------------------------------------------- left-hand sides */

static void expect_lhs(const char *text, rct_eqkind kind, const char *lhs, int lhs_pos, const char *rhs)
{
    rct_eqast eq;
    int pos = -1;
    char msg[256] = "";
    ck_assert_msg(rct_parse_equation(text, &eq, &pos, msg, sizeof msg) == 0, "\"%s\": %s", text, msg);
    ck_assert_int_eq(eq.kind, kind);
    ck_assert_str_eq(eq.lhs, lhs);
    ck_assert_int_eq(eq.lhs_pos, lhs_pos);
    rct_buf b;
    rct_buf_init(&b);
    sexpr(&b, eq.rhs);
    ck_assert_str_eq(b.s, rhs);
    rct_buf_free(&b);
    rct_eqast_free(&eq);
    ck_assert_ptr_null(eq.lhs);
    ck_assert_ptr_null(eq.rhs);
}

START_TEST(test_lhs_prime_is_ode)
{
    expect_lhs("v' = -v/tau", RCT_EQ_ODE, "v", 0, "(/ (neg v) tau)");
}
END_TEST

START_TEST(test_lhs_d_dt_times_name_is_ode)
{
    expect_lhs("d/dt * v = 1", RCT_EQ_ODE, "v", 7, "1");
}
END_TEST

START_TEST(test_lhs_dname_over_dt_is_ode)
{
    expect_lhs("dv/dt = a", RCT_EQ_ODE, "v", 1, "a");
    expect_lhs("dv_e/dt = a", RCT_EQ_ODE, "v_e", 1, "a");
}
END_TEST

START_TEST(test_lhs_plain_name_is_algebraic)
{
    expect_lhs("r = tanh(v)", RCT_EQ_ALG, "r", 0, "(call tanh v)");
    expect_lhs("  dv = 1", RCT_EQ_ALG, "dv", 2, "1");
}
END_TEST

START_TEST(test_lhs_without_name_is_error)
{
    expect_eq_error("1 = 2", 0, "expected a variable name on the left-hand side, found a number");
}
END_TEST

START_TEST(test_lhs_without_equals_is_error)
{
    expect_eq_error("v' 1", 3, "expected '=', found a number");
    expect_eq_error("v", 1, "expected '=', found the end of the equation");
}
END_TEST

/* ---------------------------------------------------------------- calls */

START_TEST(test_call_with_one_argument)
{
    expect_tree("sin(x + 1)", "(call sin (+ x 1))");
}
END_TEST

START_TEST(test_call_with_two_arguments)
{
    expect_tree("max(a, b*2)", "(call max a (* b 2))");
    expect_tree("min(f(a), -b)", "(call min (call f a) (neg b))");
}
END_TEST

START_TEST(test_call_without_arguments_is_error)
{
    expect_eq_error("r = f()", 6, "expected a number, a name or '(', found ')'");
}
END_TEST

START_TEST(test_call_with_unclosed_argument_list_is_error)
{
    expect_eq_error("r = max(a, b", 12, "expected ',' or ')' in the argument list, found the end of the equation");
}
END_TEST

/* ---------------------------------------------------------------- function table */

START_TEST(test_func_lookup_canonical_names)
{
    static const struct {
        const char *name;
        int nargs, id;
    } want[] = {
        {"sin", 1, RCT_F_SIN},         {"cos", 1, RCT_F_COS},     {"tan", 1, RCT_F_TAN},
        {"sinh", 1, RCT_F_SINH},       {"cosh", 1, RCT_F_COSH},   {"tanh", 1, RCT_F_TANH},
        {"arcsin", 1, RCT_F_ASIN},     {"arccos", 1, RCT_F_ACOS}, {"arctan", 1, RCT_F_ATAN},
        {"exp", 1, RCT_F_EXP},         {"log", 1, RCT_F_LOG},     {"sqrt", 1, RCT_F_SQRT},
        {"absv", 1, RCT_F_ABS},        {"sign", 1, RCT_F_SIGN},   {"sigmoid", 1, RCT_F_SIGMOID},
        {"round", 1, RCT_F_ROUND},     {"max", 2, RCT_F_MAX2},    {"min", 2, RCT_F_MIN2},
        {"sum", 1, RCT_F_SUM},         {"mean", 1, RCT_F_MEAN},   {"max", 1, RCT_F_MAXR},
        {"min", 1, RCT_F_MINR},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        int f = rct_func_lookup(want[k].name, want[k].nargs);
        ck_assert_msg(f == want[k].id, "%s/%d: %d, expected %d", want[k].name, want[k].nargs, f, want[k].id);
        ck_assert_int_eq(rct_funcs[f].nargs, want[k].nargs);
    }
    ck_assert_int_eq(rct_funcs[RCT_F_MEAN].reduction, 1);
    ck_assert_int_eq(rct_funcs[RCT_F_MAXR].reduction, 1);
    ck_assert_int_eq(rct_funcs[RCT_F_MAX2].reduction, 0);
    ck_assert_int_eq(rct_funcs[RCT_F_TANH].reduction, 0);
}
END_TEST

START_TEST(test_func_lookup_synonyms)
{
    ck_assert_int_eq(rct_func_lookup("abs", 1), RCT_F_ABS);
    ck_assert_int_eq(rct_func_lookup("vsum", 1), RCT_F_SUM);
    ck_assert_int_eq(rct_func_lookup("maxi", 1), RCT_F_MAXR);
    ck_assert_int_eq(rct_func_lookup("mini", 1), RCT_F_MINR);
    ck_assert_int_eq(rct_func_lookup("maxi", 2), RCT_F_MAX2);
    ck_assert_int_eq(rct_func_lookup("mini", 2), RCT_F_MIN2);
}
END_TEST

START_TEST(test_func_lookup_wrong_arity_is_minus_two)
{
    ck_assert_int_eq(rct_func_lookup("sin", 2), -2);
    ck_assert_int_eq(rct_func_lookup("sin", 0), -2);
    ck_assert_int_eq(rct_func_lookup("max", 3), -2);
    ck_assert_int_eq(rct_func_lookup("mean", 2), -2);
    ck_assert_int_eq(rct_func_lookup("abs", 2), -2);
    ck_assert_int_eq(rct_func_lookup("vsum", 2), -2);
}
END_TEST

START_TEST(test_func_lookup_unknown_is_minus_one)
{
    ck_assert_int_eq(rct_func_lookup("foo", 1), -1);
    ck_assert_int_eq(rct_func_lookup("Sin", 1), -1);
    ck_assert_int_eq(rct_func_lookup("", 1), -1);
    ck_assert_int_eq(rct_func_lookup("pow", 2), -1);
}
END_TEST

START_TEST(test_constants_pi_and_e)
{
    double x = 0;
    ck_assert_int_eq(rct_constant("pi", &x), 1);
    ck_assert(x == M_PI);
    ck_assert_int_eq(rct_constant("E", &x), 1);
    ck_assert(x == M_E);
    x = 7;
    ck_assert_int_eq(rct_constant("e", &x), 0);
    ck_assert_int_eq(rct_constant("PI", &x), 0);
    ck_assert_int_eq(rct_constant("tau", &x), 0);
    ck_assert(x == 7);
}
END_TEST

/* ---------------------------------------------------------------- errors */

START_TEST(test_missing_operand_is_error)
{
    expect_eq_error("v' = 1 +", 8, "expected a number, a name or '(', found the end of the equation");
}
END_TEST

START_TEST(test_unclosed_parenthesis_is_error)
{
    expect_eq_error("v' = (1 + 2", 11, "expected ')', found the end of the equation");
}
END_TEST

START_TEST(test_extra_closing_parenthesis_is_error)
{
    expect_eq_error("v' = (1 + 2))", 12, "expected an operator or the end of the equation, found ')'");
}
END_TEST

START_TEST(test_second_equals_is_error)
{
    expect_eq_error("v' = a = b", 7, "a second '=' in the equation");
}
END_TEST

START_TEST(test_dollar_is_unexpected_character)
{
    expect_eq_error("v' = a + $b", 9, "unexpected character '$'");
    expect_eq_error("v' = a $", 7, "unexpected character '$'");
}
END_TEST

START_TEST(test_non_ascii_byte_is_error)
{
    /* "v' = α" (UTF-8 0xce 0xb1) */
    expect_eq_error("v' = \xce\xb1", 5, "unexpected byte 0xce (only ASCII is allowed)");
    expect_eq_error("v' = a + \x01", 9, "unexpected byte 0x01 (only ASCII is allowed)");
}
END_TEST

START_TEST(test_second_derivative_is_error)
{
    expect_eq_error("x'' = 1", 2,
                    "higher derivatives (x'') are not supported: write a system of first-order equations");
}
END_TEST

START_TEST(test_empty_right_side_is_error)
{
    expect_eq_error("v' =", 4, "expected a number, a name or '(', found the end of the equation");
    expect_eq_error("r =   ", 6, "expected a number, a name or '(', found the end of the equation");
}
END_TEST

START_TEST(test_empty_equation_is_error)
{
    expect_eq_error("", 0, "expected a variable name on the left-hand side, found the end of the equation");
}
END_TEST

START_TEST(test_missing_operator_between_names_is_error)
{
    expect_eq_error("v' = a b", 7, "expected an operator or the end of the equation, found a name");
}
END_TEST

START_TEST(test_bad_d_dt_form_is_error)
{
    expect_eq_error("x/dt = 1", 0, "expected \"x' =\", \"d/dt * x =\", \"dx/dt =\" or \"x =\" on the left-hand side");
    expect_eq_error("d/dt v = 1", 5, "expected '*' after d/dt, found a name");
}
END_TEST

START_TEST(test_error_message_is_truncated_to_buffer)
{
    rct_eqast eq;
    int pos = -1;
    char msg[8];
    ck_assert_int_eq(rct_parse_equation("v' = 1 +", &eq, &pos, msg, sizeof msg), -1);
    ck_assert_int_eq(pos, 8);
    ck_assert_str_eq(msg, "expecte");
}
END_TEST

/* Builds a string of n copies of a followed by mid then n copies of b. */
static char *nest(const char *prefix, const char *a, long n, const char *mid, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), lp = strlen(prefix), lm = strlen(mid);
    char *s = malloc(lp + (la + lb) * (size_t)n + lm + 1);
    ck_assert_ptr_nonnull(s);
    char *p = s;
    memcpy(p, prefix, lp);
    p += lp;
    for (long i = 0; i < n; i++, p += la)
        memcpy(p, a, la);
    memcpy(p, mid, lm);
    p += lm;
    for (long i = 0; i < n; i++, p += lb)
        memcpy(p, b, lb);
    *p = '\0';
    return s;
}

START_TEST(test_moderate_nesting_is_accepted)
{
    char *s = nest("", "(", 50, "x", ")");
    rct_expr *e = NULL;
    int pos;
    char msg[256];
    ck_assert_int_eq(rct_parse_expr(s, &e, &pos, msg, sizeof msg), 0);
    ck_assert_int_eq(e->kind, RCT_E_VAR);
    rct_expr_free(e);
    free(s);
}
END_TEST

START_TEST(test_deep_parentheses_are_rejected)
{
    char *s = nest("v' = ", "(", 100000, "x", ")");
    rct_eqast eq;
    int pos = -1;
    char msg[256] = "";
    ck_assert_int_eq(rct_parse_equation(s, &eq, &pos, msg, sizeof msg), -1);
    ck_assert_str_eq(msg, "expression nested deeper than 200 levels");
    ck_assert_int_gt(pos, 5);
    ck_assert_int_lt(pos, 5 + 201);
    ck_assert_int_eq(s[pos], '(');
    free(s);
}
END_TEST

START_TEST(test_deep_unary_minus_chain_is_rejected)
{
    char *s = nest("v' = ", "-", 100000, "x", "");
    rct_eqast eq;
    int pos = -1;
    char msg[256] = "";
    ck_assert_int_eq(rct_parse_equation(s, &eq, &pos, msg, sizeof msg), -1);
    ck_assert_str_eq(msg, "expression nested deeper than 200 levels");
    ck_assert_int_gt(pos, 5);
    ck_assert_int_le(pos, 5 + 201);
    free(s);
}
END_TEST

START_TEST(test_deep_power_chain_is_rejected)
{
    char *s = nest("v' = ", "x^", 100000, "x", "");
    rct_eqast eq;
    int pos = -1;
    char msg[256] = "";
    ck_assert_int_eq(rct_parse_equation(s, &eq, &pos, msg, sizeof msg), -1);
    ck_assert_str_eq(msg, "expression nested deeper than 200 levels");
    free(s);
}
END_TEST

START_TEST(test_deep_call_nesting_is_rejected)
{
    char *s = nest("v' = ", "sin(", 100000, "x", ")");
    rct_eqast eq;
    int pos = -1;
    char msg[256] = "";
    ck_assert_int_eq(rct_parse_equation(s, &eq, &pos, msg, sizeof msg), -1);
    ck_assert_str_eq(msg, "expression nested deeper than 200 levels");
    free(s);
}
END_TEST

START_TEST(test_long_flat_sum_is_accepted)
{
    /* a long chain of additions is not nesting: it must parse (left-associatively) */
    char *s = nest("", "x + ", 5000, "x", "");
    rct_expr *e = NULL;
    int pos;
    char msg[256] = "";
    ck_assert_msg(rct_parse_expr(s, &e, &pos, msg, sizeof msg) == 0, "%s", msg);
    ck_assert_int_eq(e->kind, RCT_E_ADD);
    ck_assert_int_eq(e->args[1]->kind, RCT_E_VAR);
    ck_assert_int_eq(e->args[1]->pos, 5000 * 4);
    /* free iteratively would be nicer; the tree is left-deep, 5000 levels are fine for recursion */
    rct_expr_free(e);
    free(s);
}
END_TEST

START_TEST(test_parse_expr_rejects_trailing_equals)
{
    rct_expr *e = (rct_expr *)1;
    int pos = -1;
    char msg[256];
    ck_assert_int_eq(rct_parse_expr("a = b", &e, &pos, msg, sizeof msg), -1);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(pos, 2);
    ck_assert_str_eq(msg, "a second '=' in the equation");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parser");
    TCase *lex = tcase_create("lexer");
    tcase_add_test(lex, test_lexer_token_kinds_and_positions);
    tcase_add_test(lex, test_lexer_number_values);
    tcase_add_test(lex, test_lexer_unexpected_character_message);
    suite_add_tcase(s, lex);

    TCase *num = tcase_create("numbers");
    tcase_add_test(num, test_number_exponent_negative);
    tcase_add_test(num, test_number_leading_dot);
    tcase_add_test(num, test_number_capital_exponent);
    tcase_add_test(num, test_number_trailing_dot);
    tcase_add_test(num, test_number_mantissa_with_exponent);
    tcase_add_test(num, test_number_exponent_without_digits_is_error);
    tcase_add_test(num, test_number_followed_by_letter_is_error);
    suite_add_tcase(s, num);

    TCase *prec = tcase_create("precedence");
    tcase_add_test(prec, test_subtraction_is_left_associative);
    tcase_add_test(prec, test_division_is_left_associative);
    tcase_add_test(prec, test_mixed_sum_and_product_precedence);
    tcase_add_test(prec, test_unary_minus_binds_looser_than_power);
    tcase_add_test(prec, test_power_of_negative_exponent);
    tcase_add_test(prec, test_power_is_right_associative);
    tcase_add_test(prec, test_double_star_is_power);
    tcase_add_test(prec, test_power_binds_tighter_than_product);
    tcase_add_test(prec, test_unary_plus_is_dropped);
    tcase_add_test(prec, test_unary_minus_in_product);
    tcase_add_test(prec, test_node_positions_are_offsets);
    suite_add_tcase(s, prec);

    TCase *lhs = tcase_create("lhs");
    tcase_add_test(lhs, test_lhs_prime_is_ode);
    tcase_add_test(lhs, test_lhs_d_dt_times_name_is_ode);
    tcase_add_test(lhs, test_lhs_dname_over_dt_is_ode);
    tcase_add_test(lhs, test_lhs_plain_name_is_algebraic);
    tcase_add_test(lhs, test_lhs_without_name_is_error);
    tcase_add_test(lhs, test_lhs_without_equals_is_error);
    suite_add_tcase(s, lhs);

    TCase *fn = tcase_create("functions");
    tcase_add_test(fn, test_call_with_one_argument);
    tcase_add_test(fn, test_call_with_two_arguments);
    tcase_add_test(fn, test_call_without_arguments_is_error);
    tcase_add_test(fn, test_call_with_unclosed_argument_list_is_error);
    tcase_add_test(fn, test_func_lookup_canonical_names);
    tcase_add_test(fn, test_func_lookup_synonyms);
    tcase_add_test(fn, test_func_lookup_wrong_arity_is_minus_two);
    tcase_add_test(fn, test_func_lookup_unknown_is_minus_one);
    tcase_add_test(fn, test_constants_pi_and_e);
    suite_add_tcase(s, fn);

    TCase *err = tcase_create("errors");
    tcase_add_test(err, test_missing_operand_is_error);
    tcase_add_test(err, test_unclosed_parenthesis_is_error);
    tcase_add_test(err, test_extra_closing_parenthesis_is_error);
    tcase_add_test(err, test_second_equals_is_error);
    tcase_add_test(err, test_dollar_is_unexpected_character);
    tcase_add_test(err, test_non_ascii_byte_is_error);
    tcase_add_test(err, test_second_derivative_is_error);
    tcase_add_test(err, test_empty_right_side_is_error);
    tcase_add_test(err, test_empty_equation_is_error);
    tcase_add_test(err, test_missing_operator_between_names_is_error);
    tcase_add_test(err, test_bad_d_dt_form_is_error);
    tcase_add_test(err, test_error_message_is_truncated_to_buffer);
    tcase_add_test(err, test_moderate_nesting_is_accepted);
    tcase_add_test(err, test_deep_parentheses_are_rejected);
    tcase_add_test(err, test_deep_unary_minus_chain_is_rejected);
    tcase_add_test(err, test_deep_power_chain_is_rejected);
    tcase_add_test(err, test_deep_call_nesting_is_rejected);
    tcase_add_test(err, test_long_flat_sum_is_accepted);
    tcase_add_test(err, test_parse_expr_rejects_trailing_equals);
    suite_add_tcase(s, err);
    return tu_run(s);
}

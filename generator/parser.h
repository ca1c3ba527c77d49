/*
 * parser.h -- equations as syntax trees.
 *
 * Grammar (precedence climbing, lowest first):
 *   equation := lhs '=' expr
 *   lhs      := name "'" | 'd' '/' 'dt' '*' name | dname '/' 'dt' | name
 *   expr     := sum;  sum := product (('+'|'-') product)*;  product := unary (('*'|'/') unary)*
 *   unary    := ('-'|'+') unary | power;  power := atom (('^'|'**') unary)?   (right-associative)
 *   atom     := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
 */
#ifndef RCT_PARSER_H
#define RCT_PARSER_H

#include <stddef.h>

typedef enum {
    RCT_E_NUM, RCT_E_VAR, RCT_E_NEG, RCT_E_ADD, RCT_E_SUB, RCT_E_MUL, RCT_E_DIV, RCT_E_POW, RCT_E_CALL
} rct_ekind;

typedef struct rct_expr rct_expr;
struct rct_expr {
    rct_ekind kind;
    int pos;            /* offset of the node's first character in the equation */
    double num;         /* RCT_E_NUM */
    char *name;         /* RCT_E_VAR, RCT_E_CALL: the name as written */
    int nargs;          /* operands: 1 for NEG, 2 for binary, the arguments of a call */
    rct_expr **args;
    int ref;            /* resolved by ir.c: variable index (VAR) or function id (CALL); -1 before */
};

typedef enum { RCT_EQ_ODE, RCT_EQ_ALG } rct_eqkind;

typedef struct rct_eqast {
    rct_eqkind kind;    /* x' = ... or x = ... */
    char *lhs;          /* the variable defined */
    int lhs_pos;
    rct_expr *rhs;
} rct_eqast;

/* Parses one equation.  On error returns -1 and fills *err_pos (offset) and msg. */
int rct_parse_equation(const char *text, rct_eqast *out, int *err_pos, char *msg, size_t msgsz);
/* Parses a lone expression (used for --set values and tests). */
int rct_parse_expr(const char *text, rct_expr **out, int *err_pos, char *msg, size_t msgsz);
void rct_eqast_free(rct_eqast *eq);
void rct_expr_free(rct_expr *e);

/* Functions of the equation language. */
typedef enum {
    RCT_F_SIN, RCT_F_COS, RCT_F_TAN, RCT_F_SINH, RCT_F_COSH, RCT_F_TANH, RCT_F_ASIN, RCT_F_ACOS,
    RCT_F_ATAN, RCT_F_EXP, RCT_F_LOG, RCT_F_SQRT, RCT_F_ABS, RCT_F_SIGN, RCT_F_SIGMOID, RCT_F_ROUND,
    RCT_F_MAX2, RCT_F_MIN2,                       /* element-wise, two arguments */
    RCT_F_SUM, RCT_F_MEAN, RCT_F_MAXR, RCT_F_MINR, /* reductions over the node's neurons */
    RCT_F_COUNT
} rct_func;

typedef struct rct_funcinfo {
    const char *name;   /* canonical name */
    int nargs;
    int reduction;      /* 1: one value for the whole node */
} rct_funcinfo;

extern const rct_funcinfo rct_funcs[RCT_F_COUNT];
/* Looks a function up by name and argument count (synonyms: abs, vsum, maxi, mini, max/min with one or
   two arguments).  Returns the id, -1 for an unknown name, -2 for a known name with the wrong arity. */
int rct_func_lookup(const char *name, int nargs);
/* Names of constants (pi, E) and their values; 0 if name is not a constant. */
int rct_constant(const char *name, double *value);

#endif

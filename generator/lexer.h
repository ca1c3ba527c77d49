/*
 * lexer.h -- tokens of the equation language ("v' = (v^2 + eta + I_ext)/tau + k*s_in").
 */
#ifndef RCT_LEXER_H
#define RCT_LEXER_H

#include <stddef.h>

typedef enum {
    RCT_T_END,     /* end of the equation */
    RCT_T_NUM,     /* 1, 2., .5, 1e-3 */
    RCT_T_IDENT,   /* [A-Za-z_][A-Za-z0-9_]* */
    RCT_T_PLUS, RCT_T_MINUS, RCT_T_STAR, RCT_T_SLASH, RCT_T_POW, /* + - * / ^ or ** */
    RCT_T_LPAREN, RCT_T_RPAREN, RCT_T_COMMA, RCT_T_EQ, RCT_T_PRIME, /* ( ) , = ' */
    RCT_T_ERROR    /* a character the language does not have; msg says which */
} rct_tok;

typedef struct rct_lexer {
    const char *src;
    size_t len;
    size_t pos;        /* offset of the next character */
    /* the current token */
    rct_tok tok;
    size_t tok_pos;    /* offset of its first character */
    size_t tok_len;
    double num;        /* value of RCT_T_NUM */
    char msg[160];     /* why RCT_T_ERROR */
} rct_lexer;

/* Starts lexing src (len bytes) and reads the first token. */
void rct_lex_init(rct_lexer *lx, const char *src, size_t len);
/* Advances to the next token. */
void rct_lex_next(rct_lexer *lx);
/* Describes a token kind for messages ("a number", "'*'"). */
const char *rct_tok_name(rct_tok t);

#endif

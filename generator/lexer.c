/*
 * lexer.c -- splits an equation string into tokens, remembering where each one starts.
 */
#include "lexer.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rct_lex_init(rct_lexer *lx, const char *src, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    rct_lex_next(lx);
}

static int peek(const rct_lexer *lx, size_t k)
{
    return lx->pos + k < lx->len ? (unsigned char)lx->src[lx->pos + k] : -1;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Reads a number: digits [. digits] [e[+-]digits], or . digits ... */
static void lex_number(rct_lexer *lx)
{
    size_t start = lx->pos;
    while (is_digit(peek(lx, 0)))
        lx->pos++;
    if (peek(lx, 0) == '.') {
        lx->pos++;
        while (is_digit(peek(lx, 0)))
            lx->pos++;
    }
    if (peek(lx, 0) == 'e' || peek(lx, 0) == 'E') {
        size_t k = 1;
        if (peek(lx, k) == '+' || peek(lx, k) == '-')
            k++;
        if (!is_digit(peek(lx, k))) {
            lx->tok = RCT_T_ERROR;
            snprintf(lx->msg, sizeof lx->msg, "malformed number: exponent without digits");
            return;
        }
        lx->pos += k;
        while (is_digit(peek(lx, 0)))
            lx->pos++;
    }
    if (isalpha(peek(lx, 0)) || peek(lx, 0) == '_') {
        lx->tok = RCT_T_ERROR;
        snprintf(lx->msg, sizeof lx->msg, "malformed number: a letter follows the digits");
        return;
    }
    char buf[128];
    size_t n = lx->pos - start;
    if (n >= sizeof buf) {
        lx->tok = RCT_T_ERROR;
        snprintf(lx->msg, sizeof lx->msg, "number too long");
        return;
    }
    memcpy(buf, lx->src + start, n);
    buf[n] = '\0';
    errno = 0;
    lx->num = strtod(buf, NULL);
    lx->tok = RCT_T_NUM;
}

void rct_lex_next(rct_lexer *lx)
{
    while (peek(lx, 0) == ' ' || peek(lx, 0) == '\t' || peek(lx, 0) == '\n' || peek(lx, 0) == '\r')
        lx->pos++;
    lx->tok_pos = lx->pos;
    lx->msg[0] = '\0';
    int c = peek(lx, 0);
    if (c < 0) {
        lx->tok = RCT_T_END;
    } else if (is_digit(c) || (c == '.' && is_digit(peek(lx, 1)))) {
        lex_number(lx);
    } else if (isalpha(c) || c == '_') {
        while (isalnum(peek(lx, 0)) || peek(lx, 0) == '_')
            lx->pos++;
        lx->tok = RCT_T_IDENT;
    } else {
        lx->pos++;
        switch (c) {
        case '+': lx->tok = RCT_T_PLUS; break;
        case '-': lx->tok = RCT_T_MINUS; break;
        case '/': lx->tok = RCT_T_SLASH; break;
        case '^': lx->tok = RCT_T_POW; break;
        case '(': lx->tok = RCT_T_LPAREN; break;
        case ')': lx->tok = RCT_T_RPAREN; break;
        case ',': lx->tok = RCT_T_COMMA; break;
        case '=': lx->tok = RCT_T_EQ; break;
        case '\'': lx->tok = RCT_T_PRIME; break;
        case '*':
            if (peek(lx, 0) == '*') {
                lx->pos++;
                lx->tok = RCT_T_POW;
            } else {
                lx->tok = RCT_T_STAR;
            }
            break;
        default:
            lx->tok = RCT_T_ERROR;
            if (c >= 0x20 && c < 0x7f)
                snprintf(lx->msg, sizeof lx->msg, "unexpected character '%c'", c);
            else
                snprintf(lx->msg, sizeof lx->msg, "unexpected byte 0x%02x (only ASCII is allowed)", c);
            break;
        }
    }
    lx->tok_len = lx->pos - lx->tok_pos;
}

const char *rct_tok_name(rct_tok t)
{
    switch (t) {
    case RCT_T_END: return "the end of the equation";
    case RCT_T_NUM: return "a number";
    case RCT_T_IDENT: return "a name";
    case RCT_T_PLUS: return "'+'";
    case RCT_T_MINUS: return "'-'";
    case RCT_T_STAR: return "'*'";
    case RCT_T_SLASH: return "'/'";
    case RCT_T_POW: return "'^'";
    case RCT_T_LPAREN: return "'('";
    case RCT_T_RPAREN: return "')'";
    case RCT_T_COMMA: return "','";
    case RCT_T_EQ: return "'='";
    case RCT_T_PRIME: return "'''";
    default: return "an invalid character";
    }
}

/*
 * emit_product.c -- a coupling product's row sum and a scalar projection's contribution, as every target
 * writes them (see emit_product.h).
 */
#include "emit_product.h"

void rct_em_row_sum(rct_emitter *E, const rct_row_sum *s, const char *ind)
{
    const char *r = E->real;
    if (s->sparse)
        rct_buf_printf(&E->b, "%s%s acc = 0;\n"
                              "%sfor (long q = %scsr_ptr[i]; q < %scsr_ptr[i + 1]; q++)\n"
                              "%s    acc += %scsr_val[q]*%s[%scsr_col[q]];\n",
                       ind, r, ind, s->csr, s->csr, ind, s->csr, s->x, s->csr);
    else
        rct_buf_printf(&E->b, "%sconst %s *const w_row = %s + i*%s;\n"
                              "%s%s acc = 0;\n"
                              "%sfor (long j = 0; j < %s; j++)\n"
                              "%s    acc += w_row[j]*%s[j];\n",
                       ind, r, s->w, s->cols, ind, r, ind, s->cols, ind, s->x);
    rct_buf_printf(&E->b, "%s%s[i] %s acc;\n", ind, s->target, s->op);
}

void rct_em_scalar_contribution(rct_emitter *E, const char *weight, const char *sum, int first, const char *ind)
{
    const char *r = E->real;
    rct_buf_printf(&E->b, "%sconst %s weight = (%s)%s;\n", ind, r, r, weight);
    if (first)
        rct_buf_printf(&E->b, "%s/* 0 + : the reference adds each contribution to an accumulator starting at +0.0, which\n"
                              "%s   turns a product of -0 into +0 */\n"
                              "%sconst %s contribution = 0 + weight*%s;\n", ind, ind, ind, r, sum);
    else
        rct_buf_printf(&E->b, "%sconst %s contribution = weight*%s;\n", ind, r, sum);
}

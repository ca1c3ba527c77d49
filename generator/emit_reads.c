/*
 * emit_reads.c -- what a part of a population's step reads (see emit_reads.h).
 *
 * The rules follow what the emitters write for the part (emit_common.c, emit_c.c): the loads of the
 * variables its equations and reductions read (a spike variable reads the spike flag: its definition, the
 * threshold and 1/dt), the arrays of the algebraic variables it stores, and for the update every state
 * variable, dt and the spike list.  A reduction runs over all n units; the passes and the spike list run
 * over the units of this process (lo .. hi-1) and need n only for a variable beyond the first block of its
 * array.
 */
#include "emit_reads.h"

#include <stdlib.h>
#include <string.h>

void rct_expr_mark_reads(const rct_expr *e, unsigned char *marks)
{
    if (e->kind == RCT_E_VAR)
        marks[e->ref] = 1;
    if (e->kind == RCT_E_CALL && rct_funcs[e->ref].reduction)
        return;
    for (int i = 0; i < e->nargs; i++)
        rct_expr_mark_reads(e->args[i], marks);
}

/* Adds to r what loading the variables `used` marks reads: their arrays or values, the input row, and for
   a spike variable (or with spike_flag) the spike flag. */
static void add_loads(const rct_model *m, const unsigned char *used, int spike_flag, int spiking, rct_part_reads *r)
{
    for (int v = 0; v < m->n_vars; v++) {
        if (!used[v])
            continue;
        if (m->vars[v].kind == RCT_VK_INPUT)
            r->flags |= RCT_READS_INPUT;
        else if (m->vars[v].kind == RCT_VK_SPIKE)
            r->flags |= RCT_READS_INV_DT, spike_flag = 1;
        else
            r->vars[v] = 1;
    }
    if (spike_flag && spiking)
        r->vars[m->spike_def] = 1, r->flags |= RCT_READS_SPIKE;
}

int rct_pass_mark_reads(const rct_model *m, int p, const unsigned char *skip_eq, unsigned char *marks)
{
    int last = p == m->n_passes - 1, any = 0;
    for (int k = 0; k < m->n_eqs; k++) {
        const rct_eq *eq = &m->eqs[k];
        int here = eq->kind == RCT_EQ_ALG ? m->vars[eq->var].pass == p : last;
        if (!here || (skip_eq && skip_eq[k]))
            continue;
        any = 1;
        rct_expr_mark_reads(eq->rhs, marks);
        if (eq->kind == RCT_EQ_ODE)
            marks[eq->var] = 1;
    }
    return any;
}

/* Does r read a variable beyond the first block of its array (at k*n)? */
static int reads_later_block(const rct_model *m, const rct_part_reads *r)
{
    for (int s = 1; s < m->n_state; s++)
        if (r->vars[m->state_var[s]])
            return 1;
    for (int a = 1; a < m->n_alg; a++)
        if (r->vars[m->alg_var[a]])
            return 1;
    for (int k = 1; k < m->n_coup; k++)
        if (r->vars[m->coup_var[k]])
            return 1;
    return 0;
}

int rct_part_reads_find(const rct_model *m, int p, const unsigned char *skip_eq, int reds, int update, int spiking,
                        rct_part_reads *r)
{
    r->flags = 0;
    r->vars = calloc((size_t)m->n_vars + 1, 1);
    unsigned char *used = calloc((size_t)m->n_vars + 1, 1);
    if (!r->vars || !used) {
        free(used);
        return RECTIC_ENOMEM;
    }
    for (int k = 0; reds && k < m->n_reds; k++) /* each reduction sums its value over every unit */
        if (m->reds[k].before_pass == p) {
            r->flags |= RCT_READS_N;
            memset(used, 0, (size_t)m->n_vars);
            rct_expr_mark_reads(m->reds[k].arg, used);
            add_loads(m, used, 0, spiking, r);
        }
    memset(used, 0, (size_t)m->n_vars);
    rct_pass_mark_reads(m, p, skip_eq, used);
    add_loads(m, used, update, spiking, r);
    free(used);
    for (int k = 0; k < m->n_eqs; k++) { /* the algebraic values of the pass are stored in their arrays */
        const rct_eq *eq = &m->eqs[k];
        if (eq->kind == RCT_EQ_ALG && m->vars[eq->var].pass == p && !(skip_eq && skip_eq[k]))
            r->vars[eq->var] = 1;
    }
    if (update) { /* the spike list and the Euler update of every state variable (with dt, if any) */
        r->flags |= (m->n_state > 0 ? RCT_READS_DT : 0) | (spiking ? RCT_READS_SPIKE : 0);
        for (int s = 0; s < m->n_state; s++)
            r->vars[m->state_var[s]] = 1;
    }
    if (reads_later_block(m, r))
        r->flags |= RCT_READS_N;
    return 0;
}

void rct_part_reads_free(rct_part_reads *r)
{
    free(r->vars);
    r->vars = NULL;
    r->flags = 0;
}

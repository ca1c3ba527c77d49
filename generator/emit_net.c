/*
 * emit_net.c -- C code generation for a network of populations and projections: one kernel running K
 * Euler steps of every population (see emit_net.h for the step).
 *
 * Each population's passes are static functions written by emit_c.c's pieces (the same loops, loads,
 * equations, spikes and Euler update as the single-population kernel, with the population's own context
 * as `c`); each projection is a static function adding its weighted sum into a coupling block of its
 * target; rectic_kernel calls them in the order emit_net_plan.c finds.  Only validated identifiers and
 * numbers reach the output; template text only inside comments made safe by rct_emit_safe_comment.
 */
#include "emit_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_parts.h"
#include "emit_common.h"
#include "emit_net_plan.h"
#include "kernel_abi.h"

/* The writer's state: the output, one emitter per population, the plan of the step. */
typedef struct net_writer {
    const rct_emit_net *o;
    rct_buf out;
    rct_emitter *em;     /* per population (its text goes to em[p].b, then to out) */
    rct_emit_opts *opts; /* per population: the caller's, with the network's dtype and no coupling */
    rct_net_plan plan;
    int f32;
    const char *type;
} net_writer;

/* Moves what emitter E wrote to the output. */
static void flush(net_writer *W, rct_emitter *E)
{
    if (E->b.failed)
        W->out.failed = 1;
    if (E->b.len)
        rct_buf_putn(&W->out, E->b.s, E->b.len);
    E->b.len = 0;
}

/* Checks that event-driven projection k can be: no delay, a spiking source obeying s' = -s/tau + c*spike
   with tau and c shared by all its units. */
static int validate_event(const rct_emit_net *o, int k, rct_err *err)
{
    const rct_emit_proj *pr = &o->projs[k];
    const rct_model *m = o->models[pr->src_pop];
    const rct_expr *tau, *gain;
    char why[600];
    if (pr->delay > 0)
        return rct_errf(err, RECTIC_EINVAL, "projection %d: an event-driven projection has no delay", k);
    if (!o->pop_opts[pr->src_pop].spiking || !rct_model_event_form_of(m, pr->src_var, &tau, &gain, why, sizeof why))
        return rct_errf(err, RECTIC_EINVAL, "projection %d: %s", k,
                        o->pop_opts[pr->src_pop].spiking ? why : "event-driven coupling needs a spiking source");
    const rct_expr *c[2] = {tau, gain};
    for (int i = 0; i < 2; i++)
        if (c[i] && c[i]->kind == RCT_E_VAR && o->pop_opts[pr->src_pop].param_vector[m->vars[c[i]->ref].slot])
            return rct_errf(err, RECTIC_EINVAL, "projection %d: event-driven coupling needs one value of '%s' for all "
                            "units of %s (it is the decay or gain of its source)", k, m->vars[c[i]->ref].name,
                            o->pop_names[pr->src_pop]);
    return 0;
}

/* Checks the description: names, indices, strategies (a mistake here is the caller's). */
static int validate(const rct_emit_net *o, rct_err *err)
{
    if (o->n_pops < 1 || !o->pop_names || !o->models || !o->pop_opts || (o->n_projs > 0 && !o->projs))
        return rct_errf(err, RECTIC_EINVAL, "a network kernel needs at least one population");
    for (int p = 0; p < o->n_pops; p++) {
        if (!rct_is_ident(o->pop_names[p]))
            return rct_errf(err, RECTIC_EINVAL, "population name '%s' is not an identifier (letters, digits and '_', "
                            "not starting with a digit)", o->pop_names[p] ? o->pop_names[p] : "");
        for (int q = 0; q < p; q++)
            if (!strcmp(o->pop_names[p], o->pop_names[q]))
                return rct_errf(err, RECTIC_EINVAL, "two populations are named '%s'", o->pop_names[p]);
        if (!o->models[p] || (o->models[p]->n_param > 0 && !o->pop_opts[p].param_vector))
            return rct_errf(err, RECTIC_EINVAL, "population %s has no model or no parameter layout", o->pop_names[p]);
        if (o->pop_opts[p].spiking && o->models[p]->spike_def < 0)
            return rct_errf(err, RECTIC_EINVAL, "population %s spikes but its model has no spike variable",
                            o->pop_names[p]);
    }
    for (int k = 0; k < o->n_projs; k++) {
        const rct_emit_proj *pr = &o->projs[k];
        if (pr->src_pop < 0 || pr->src_pop >= o->n_pops || pr->tgt_pop < 0 || pr->tgt_pop >= o->n_pops)
            return rct_errf(err, RECTIC_EINVAL, "projection %d: no such population", k);
        const rct_model *src = o->models[pr->src_pop], *tgt = o->models[pr->tgt_pop];
        if (pr->src_var < 0 || pr->src_var >= src->n_vars ||
            (src->vars[pr->src_var].kind != RCT_VK_STATE && src->vars[pr->src_var].kind != RCT_VK_ALG))
            return rct_errf(err, RECTIC_EINVAL, "projection %d: its source is not a state or algebraic variable", k);
        if (pr->tgt_slot < 0 || pr->tgt_slot >= tgt->n_coup)
            return rct_errf(err, RECTIC_EINVAL, "projection %d: population %s has no coupling slot %d", k,
                            o->pop_names[pr->tgt_pop], pr->tgt_slot);
        if (pr->mode != RCT_COUP_DENSE && pr->mode != RCT_COUP_INLINE && pr->mode != RCT_COUP_CSR &&
            pr->mode != RCT_COUP_SCALAR && pr->mode != RCT_COUP_EVENT)
            return rct_errf(err, RECTIC_EINVAL, "projection %d: a network kernel computes projections densely, "
                            "sparsely, event-driven or with a scalar weight (strategy %d)", k, pr->mode);
        if (pr->delay < 0)
            return rct_errf(err, RECTIC_EINVAL, "projection %d: negative delay", k);
        if (pr->mode == RCT_COUP_EVENT && validate_event(o, k, err))
            return err->code;
    }
    return 0;
}

/* "pop/op/var" of projection k's source and target. */
static void proj_paths(const rct_emit_net *o, int k, char *src, char *tgt, size_t size)
{
    const rct_emit_proj *pr = &o->projs[k];
    rct_net_var_path(o, pr->src_pop, pr->src_var, src, size);
    rct_net_var_path(o, pr->tgt_pop, o->models[pr->tgt_pop]->coup_var[pr->tgt_slot], tgt, size);
}

/* Is projection k the first listed into its target? */
static int first_into(const rct_emit_net *o, int k)
{
    for (int j = 0; j < k; j++)
        if (o->projs[j].tgt_pop == o->projs[k].tgt_pop && o->projs[j].tgt_slot == o->projs[k].tgt_slot)
            return 0;
    return 1;
}

/* Writes the comment heading the source: populations with their equations, projections, the step. */
static void write_header(net_writer *W)
{
    const rct_emit_net *o = W->o;
    static const char *const how[] = {[RCT_COUP_DENSE] = "dense weights through BLAS (gemv)",
                                      [RCT_COUP_INLINE] = "dense weights, a loop in the kernel",
                                      [RCT_COUP_CSR] = "sparse weights (compressed sparse rows)",
                                      [RCT_COUP_EVENT] = "event-driven: W @ source kept up to date from the spikes",
                                      [RCT_COUP_SCALAR] = "one weight for every pair: weight * sum of the source"};
    rct_buf_printf(&W->out, "/*\n * Network kernel for %d population%s and %d projection%s (%s).\n"
                            " * Generated by rectic %s; regenerate with `rectic emit` rather than editing.\n *\n"
                            " * Populations (pop[p] is the context of population p):\n", o->n_pops,
                   o->n_pops == 1 ? "" : "s", o->n_projs, o->n_projs == 1 ? "" : "s", W->type, RECTIC_VERSION);
    for (int p = 0; p < o->n_pops; p++) {
        const rct_model *m = o->models[p];
        rct_buf_printf(&W->out, " *   pop[%d] %s: template ", p, o->pop_names[p]);
        rct_emit_safe_comment(&W->out, m->template_ref);
        rct_buf_puts(&W->out, o->pop_opts[p].spiking ? ", spiking\n" : "\n");
        for (int e = 0; e < m->n_eqs; e++) {
            rct_buf_puts(&W->out, " *     ");
            rct_emit_safe_comment(&W->out, m->eq_text[e]);
            rct_buf_putc(&W->out, '\n');
        }
    }
    rct_buf_puts(&W->out, o->n_projs ? " * Projections (proj[k] is the context of projection k), added into a target in this order:\n"
                                     : " * No projections.\n");
    for (int k = 0; k < o->n_projs; k++) {
        char src[256], tgt[256];
        proj_paths(o, k, src, tgt, sizeof src);
        rct_buf_printf(&W->out, " *   proj[%d] %s -> %s: %s", k, src, tgt, how[o->projs[k].mode]);
        if (o->projs[k].delay > 0)
            rct_buf_printf(&W->out, ", delay %ld step%s", o->projs[k].delay, o->projs[k].delay == 1 ? "" : "s");
        rct_buf_putc(&W->out, '\n');
    }
    rct_buf_puts(&W->out, " *\n * rectic_kernel runs up to `steps` forward-Euler steps.  Each step, from the state at t_n:\n"
                          " *   - every population records what is due before the update,\n"
                          " *   - the delayed projections store their source of this step in their rings,\n"
                          " *   - the populations' passes and the projections run in an order that respects their\n"
                          " *     dependencies; each population's last pass lists its spikes and updates its state,\n"
                          " *   - every population records its algebraic variables and coupling targets.\n */\n");
}

/* Appends the lines emitter E wrote that `decls` does not hold yet, and empties E's text. */
static void add_new_lines(rct_buf *decls, rct_emitter *E)
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

/* Writes the declarations the populations need, each once: libm prototypes, the gemv prototype when a
   projection calls it, the helper functions. */
static void write_decls(net_writer *W)
{
    const rct_emit_net *o = W->o;
    rct_buf decls;
    rct_buf_init(&decls);
    rct_buf_putc(&decls, '\n');
    for (int p = 0; p < o->n_pops; p++) {
        rct_em_math_decls(&W->em[p]);
        add_new_lines(&decls, &W->em[p]);
    }
    for (int k = 0; k < o->n_projs; k++)
        if (o->projs[k].mode == RCT_COUP_DENSE) {
            rct_emc_gemv_decl(&W->em[0]);
            add_new_lines(&decls, &W->em[0]);
            break;
        }
    for (int p = 0; p < o->n_pops; p++) {
        rct_em_helper_fns(&W->em[p], "static ");
        add_new_lines(&decls, &W->em[p]);
    }
    if (decls.len > 1)
        rct_buf_puts(&W->out, decls.s);
    if (decls.failed)
        W->out.failed = 1;
    rct_buf_free(&decls);
}

/* The name of part j's function: POP_passK, POP_passK_early (its first half) or POP_update (the last). */
static const char *part_name(const net_writer *W, int j, char *buf, size_t size)
{
    const rct_net_part *t = &W->plan.parts[j];
    const char *pop = W->o->pop_names[t->pop];
    if (t->half == 1)
        snprintf(buf, size, "%s_pass%d_early", pop, t->pass);
    else if (t->update)
        snprintf(buf, size, "%s_update", pop);
    else
        snprintf(buf, size, "%s_pass%d", pop, t->pass);
    return buf;
}

/* Does part j compute something (equations in its half, or reductions before its pass)? */
static int part_has_work(const net_writer *W, int j)
{
    const rct_net_part *t = &W->plan.parts[j];
    const rct_model *m = W->o->models[t->pop];
    for (int r = 0; t->half != 2 && r < m->n_reds; r++)
        if (m->reds[r].before_pass == t->pass)
            return 1;
    for (int e = 0; e < m->n_eqs; e++) {
        int pass = m->eqs[e].kind == RCT_EQ_ODE ? m->n_passes - 1 : m->vars[m->eqs[e].var].pass;
        if (pass == t->pass && (t->half == 0 || (t->half == 1) == W->plan.early[t->pop][e]))
            return 1;
    }
    return 0;
}

/* Writes part j of a population's step as a static function of its context and input row. */
static void write_part(net_writer *W, int j)
{
    const rct_net_part *t = &W->plan.parts[j];
    const rct_model *m = W->o->models[t->pop];
    rct_emitter *E = &W->em[t->pop];
    char name[300];
    if (!part_has_work(W, j))
        return;
    rct_buf_printf(&E->b, "/* %s, pass %d", W->o->pop_names[t->pop], t->pass);
    if (!t->update)
        rct_buf_printf(&E->b, " (of %d)", m->n_passes);
    if (t->half)
        rct_buf_puts(&E->b, t->half == 1 ? ", the equations that read no projection" : ", after the projections");
    rct_buf_printf(&E->b, "%s */\nstatic void %s(rectic_kctx *c, const %s *in)\n{\n",
                   t->update ? (W->o->pop_opts[t->pop].spiking ? ", the last: spikes, derivatives, forward Euler"
                                                                : ", the last: derivatives, forward Euler") : "",
                   part_name(W, j, name, sizeof name), E->real);
    E->skip_eq = t->half == 1 ? W->plan.late[t->pop] : t->half == 2 ? W->plan.early[t->pop] : NULL;
    rct_em_prologue(E, "    ");
    if (t->half != 2)
        rct_emc_reductions(E, t->pass, "    ");
    rct_emc_pass(E, t->pass, t->update, "    ");
    E->skip_eq = NULL;
    rct_buf_puts(&E->b, "}\n\n");
    flush(W, E);
}

/* Writes `x`, the source vector projection k reads: the variable's block, or its ring slot of step n - D. */
static void write_source(net_writer *W, int k)
{
    const rct_emit_proj *pr = &W->o->projs[k];
    const rct_var *v = &W->o->models[pr->src_pop]->vars[pr->src_var];
    char src[256], tgt[256];
    proj_paths(W->o, k, src, tgt, sizeof src);
    if (pr->delay > 0) {
        rct_buf_printf(&W->out, "    const real *const x = p->ring + ((step + 1) %% %ld)*n_src; /* %s of step n - %ld "
                                "(zeros before step %ld) */\n", pr->delay + 1, src, pr->delay, pr->delay);
        return;
    }
    rct_buf_printf(&W->out, "    const real *const x = pop[%d].%s", pr->src_pop, v->kind == RCT_VK_STATE ? "y" : "alg");
    if (v->slot > 0)
        rct_buf_printf(&W->out, " + %d*n_src", v->slot);
    rct_buf_printf(&W->out, "; /* %s */\n", src);
}

/* Writes `const real NAME_ = ...;` for a constant of the event form that is a parameter of population p. */
static void write_event_param(net_writer *W, int p, const rct_expr *e)
{
    if (!e || e->kind != RCT_E_VAR)
        return;
    const rct_var *v = &W->o->models[p]->vars[e->ref];
    rct_buf_printf(&W->out, "    const real %s_ = c->param[%d][0]; /* %s/%s/%s */\n", v->cname, v->slot,
                   W->o->pop_names[p], v->op, v->name);
}

/* Writes proj_K_event, which moves event-driven projection k's u = W @ s along the source's equation
   s' = -s/tau + c*spike after the source population's update: u decays as s does, u*(1 - dt/tau), then
   takes c times the column of W of each unit that spiked in this step, in spike order (W by columns).
   The same operations in the same order as the single-template kernel's event coupling. */
static void write_event_update(net_writer *W, int k)
{
    const rct_emit_proj *pr = &W->o->projs[k];
    const rct_model *m = W->o->models[pr->src_pop];
    const rct_expr *tau, *gain;
    char why[600], src[256], tgt[256];
    rct_model_event_form_of(m, pr->src_var, &tau, &gain, why, sizeof why); /* validate() checked it holds */
    proj_paths(W->o, k, src, tgt, sizeof src);
    rct_buf_printf(&W->out, "/* projection %d: after %s's update, u = W @ %s moves as %s does: u*(1 - dt/tau), then the\n"
                            "   columns of W of the units that spiked in this step, in spike order; from ",
                   k, W->o->pop_names[pr->src_pop], src, src);
    rct_emit_safe_comment(&W->out, m->eq_text[m->vars[pr->src_var].eq]);
    rct_buf_printf(&W->out, " */\nstatic void proj_%d_event(rectic_kctx *pop, const rectic_kproj *p, long first_spike)\n{\n"
                            "    const rectic_kctx *const c = &pop[%d];\n    const real dt = c->dt;\n", k, pr->src_pop);
    write_event_param(W, pr->src_pop, tau);
    write_event_param(W, pr->src_pop, gain);
    rct_emitter *E = &W->em[pr->src_pop];
    int paren = tau->kind != RCT_E_NUM && tau->kind != RCT_E_VAR;
    rct_buf_printf(&E->b, "    const real decay = (real)(1 - dt/%s", paren ? "(" : "");
    rct_em_expr(E, tau);
    rct_buf_printf(&E->b, "%s);\n", paren ? ")" : "");
    if (gain) {
        rct_buf_puts(&E->b, "    const real gain = (real)(");
        rct_em_expr(E, gain);
        rct_buf_puts(&E->b, "); /* added per spike, times the column */\n");
    }
    flush(W, E);
    rct_buf_printf(&W->out, "    const long n_tgt = pop[%d].n;\n"
                            "    real *const u = p->tmp;\n"
                            "    for (long i = 0; i < n_tgt; i++)\n"
                            "        u[i] = u[i]*decay;\n"
                            "    for (long k = first_spike; k < c->n_spikes; k++) {\n"
                            "        const long j = c->spikes[2*k + 1]; /* column j: csr_col[q] = target unit */\n"
                            "        for (long q = p->csr_ptr[j]; q < p->csr_ptr[j + 1]; q++)\n"
                            "            u[p->csr_col[q]] += %sp->csr_val[q];\n"
                            "    }\n}\n\n", pr->tgt_pop, gain ? "gain*" : "");
}

/* Writes the function of projection k: its weighted sum of the source, into (first) or onto its target. */
static void write_proj(net_writer *W, int k)
{
    const rct_emit_net *o = W->o;
    const rct_emit_proj *pr = &o->projs[k];
    const char *op = first_into(o, k) ? "=" : "+=";
    char src[256], tgt[256];
    proj_paths(o, k, src, tgt, sizeof src);
    rct_buf_printf(&W->out, "/* projection %d: %s -> %s, %s contribution into it */\n"
                            "static void proj_%d(rectic_kctx *pop, const rectic_kproj *p, long step)\n{\n"
                            "    const long n_src = pop[%d].n, n_tgt = pop[%d].n;\n",
                   k, src, tgt, first_into(o, k) ? "the first" : "a later", k, pr->src_pop, pr->tgt_pop);
    if (pr->mode != RCT_COUP_EVENT)
        write_source(W, k);
    rct_buf_printf(&W->out, "    real *const t = pop[%d].coup", pr->tgt_pop);
    if (pr->tgt_slot > 0)
        rct_buf_printf(&W->out, " + %d*n_tgt", pr->tgt_slot);
    rct_buf_puts(&W->out, ";\n");
    char par[128] = ""; /* the loop over the target's units on the target's threads */
    if (o->pop_opts[pr->tgt_pop].parallel)
        snprintf(par, sizeof par, "    rectic_kctx *const c = &pop[%d]; /* the target's threads */\n"
                                  "    RECTIC_PARALLEL_FOR\n", pr->tgt_pop);
    switch (pr->mode) {
    case RCT_COUP_INLINE:
        rct_buf_printf(&W->out, "    const real *const w = p->w; /* n_tgt x n_src, row i = target unit i */\n%s"
                                "    for (long i = 0; i < n_tgt; i++) {\n"
                                "        const real *const w_row = w + i*n_src;\n"
                                "        real acc = 0;\n"
                                "        for (long j = 0; j < n_src; j++)\n"
                                "            acc += w_row[j]*x[j];\n"
                                "        t[i] %s acc;\n"
                                "    }\n", par, op);
        break;
    case RCT_COUP_CSR:
        rct_buf_printf(&W->out, "    const long *const csr_ptr = p->csr_ptr; /* row i = target unit i */\n"
                                "    const int *const csr_col = p->csr_col;\n"
                                "    const real *const csr_val = p->csr_val;\n%s"
                                "    for (long i = 0; i < n_tgt; i++) {\n"
                                "        real acc = 0;\n"
                                "        for (long k = csr_ptr[i]; k < csr_ptr[i + 1]; k++)\n"
                                "            acc += csr_val[k]*x[csr_col[k]];\n"
                                "        t[i] %s acc;\n"
                                "    }\n", par, op);
        break;
    case RCT_COUP_EVENT:
        rct_buf_printf(&W->out, "    const real *const u = p->tmp; /* W @ source, kept up to date from the spikes (proj_%d_event) */\n"
                                "    for (long i = 0; i < n_tgt; i++)\n"
                                "        t[i] %s u[i];\n", k, op);
        break;
    case RCT_COUP_DENSE:
        rct_buf_printf(&W->out, "    cblas_%cgemv(101 /* row-major */, 111 /* no transpose */, (int)n_tgt, (int)n_src, 1, p->w, "
                                "(int)n_src, x, 1, 0, %s, 1);\n", W->f32 ? 's' : 'd', *op == '=' ? "t" : "p->tmp");
        if (*op != '=')
            rct_buf_puts(&W->out, "    for (long i = 0; i < n_tgt; i++)\n"
                                  "        t[i] += p->tmp[i];\n");
        break;
    default:
        rct_buf_puts(&W->out, "    real sum = 0; /* the source summed in unit order */\n"
                              "    for (long j = 0; j < n_src; j++)\n"
                              "        sum += x[j];\n"
                              "    const real weight = (real)p->weight;\n");
        if (*op == '=')
            rct_buf_puts(&W->out, "    /* 0 + : the reference adds each contribution to an accumulator starting at +0.0, which\n"
                                  "       turns a product of -0 into +0 */\n"
                                  "    const real contribution = 0 + weight*sum;\n");
        else
            rct_buf_puts(&W->out, "    const real contribution = weight*sum;\n");
        rct_buf_printf(&W->out, "    for (long i = 0; i < n_tgt; i++)\n"
                                "        t[i] %s contribution;\n", op);
    }
    rct_buf_puts(&W->out, "}\n\n");
    if (pr->mode == RCT_COUP_EVENT)
        write_event_update(W, k);
    if (pr->delay == 0)
        return;
    rct_buf_printf(&W->out, "/* projection %d: stores %s of this step in ring slot step mod %ld */\n"
                            "static void proj_%d_store(rectic_kctx *pop, const rectic_kproj *p, long step)\n{\n"
                            "    const long n_src = pop[%d].n;\n",
                   k, src, pr->delay + 1, k, pr->src_pop);
    const rct_var *v = &o->models[pr->src_pop]->vars[pr->src_var];
    rct_buf_printf(&W->out, "    const real *const x = pop[%d].%s", pr->src_pop, v->kind == RCT_VK_STATE ? "y" : "alg");
    if (v->slot > 0)
        rct_buf_printf(&W->out, " + %d*n_src", v->slot);
    rct_buf_printf(&W->out, ";\n"
                            "    real *const slot = p->ring + (step %% %ld)*n_src;\n"
                            "    for (long j = 0; j < n_src; j++)\n"
                            "        slot[j] = x[j];\n"
                            "}\n\n", pr->delay + 1);
}

/* Writes the calls storing the sources of delayed projections: the state ones (part < 0), or the
   algebraic ones that part `part` computes. */
static void write_stores(net_writer *W, int part)
{
    const rct_emit_net *o = W->o;
    for (int k = 0; k < o->n_projs; k++) {
        const rct_emit_proj *pr = &o->projs[k];
        const rct_model *m = o->models[pr->src_pop];
        if (pr->delay == 0)
            continue;
        int state = m->vars[pr->src_var].kind == RCT_VK_STATE;
        if (part < 0 ? state : !state && rct_net_plan_part_of(&W->plan, m, pr->src_pop, pr->src_var) == part)
            rct_buf_printf(&W->out, "        proj_%d_store(pop, &proj[%d], step);\n", k, k);
    }
}

/* Is population p the source of an event-driven projection? */
static int event_source(const rct_emit_net *o, int p)
{
    for (int k = 0; k < o->n_projs; k++)
        if (o->projs[k].mode == RCT_COUP_EVENT && o->projs[k].src_pop == p)
            return 1;
    return 0;
}

/* Writes rectic_kernel: the K-step loop calling the parts and the projections in the planned order. */
static void write_kernel(net_writer *W)
{
    const rct_emit_net *o = W->o;
    rct_buf *b = &W->out;
    rct_buf_puts(b, "long rectic_kernel(rectic_kctx *pop, const rectic_kproj *proj, long steps)\n{\n"
                    "    long done;\n    for (done = 0; done < steps; done++) {\n");
    int spiking = 0;
    for (int p = 0; p < o->n_pops; p++)
        if (o->pop_opts[p].spiking)
            rct_buf_printf(b, "%spop[%d].n_spikes + pop[%d].n > pop[%d].cap_spikes", spiking++ ? " ||\n            "
                                                                                         : "        if (", p, p, p);
    if (spiking)
        rct_buf_puts(b, ")\n            break; /* the runtime grows the spike buffers and calls again */\n");
    rct_buf_puts(b, "        const long step = pop[0].step; /* every context counts the same steps */\n");
    for (int p = 0; p < o->n_pops; p++)
        if (event_source(o, p))
            rct_buf_printf(b, "        const long first_spike_%s = pop[%d].n_spikes; /* this step's spikes follow */\n",
                           o->pop_names[p], p);
    for (int p = 0; p < o->n_pops; p++)
        rct_buf_printf(b, "        const real *const in_%s = pop[%d].input + done*pop[%d].in_row;\n", o->pop_names[p], p, p);
    rct_buf_puts(b, "        /* every context has the same sampling settings */\n"
                    "        const int take = pop[0].sample_every == 1 || step % pop[0].sample_every == 0; /* a row is due */\n"
                    "        const int record = step >= pop[0].cutoff && pop[0].rec_row < pop[0].rec_cap && (take || pop[0].sample_mean);\n"
                    "        if (record) { /* before the update */\n");
    for (int p = 0; p < o->n_pops; p++)
        rct_buf_printf(b, "            rectic_record(&pop[%d], 0, in_%s, take);\n", p, o->pop_names[p]);
    rct_buf_puts(b, "        }\n");
    write_stores(W, -1);
    char name[300];
    for (int i = 0; i < W->plan.n_order; i++) {
        int j = W->plan.order[i];
        if (j < 0) {
            char src[256], tgt[256];
            proj_paths(o, -1 - j, src, tgt, sizeof src);
            rct_buf_printf(b, "        proj_%d(pop, &proj[%d], step); /* %s -> %s */\n", -1 - j, -1 - j, src, tgt);
            continue;
        }
        const rct_net_part *t = &W->plan.parts[j];
        if (part_has_work(W, j))
            rct_buf_printf(b, "        %s(&pop[%d], in_%s);\n", part_name(W, j, name, sizeof name), t->pop,
                           o->pop_names[t->pop]);
        write_stores(W, j);
        for (int k = 0; t->update && k < o->n_projs; k++)
            if (o->projs[k].mode == RCT_COUP_EVENT && o->projs[k].src_pop == t->pop)
                rct_buf_printf(b, "        proj_%d_event(pop, &proj[%d], first_spike_%s);\n", k, k, o->pop_names[t->pop]);
    }
    rct_buf_puts(b, "        if (record) { /* after the passes */\n");
    for (int p = 0; p < o->n_pops; p++)
        rct_buf_printf(b, "            rectic_record(&pop[%d], 1, in_%s, take);\n", p, o->pop_names[p]);
    rct_buf_printf(b, "        }\n"
                      "        for (int p = 0; p < %d; p++) {\n"
                      "            pop[p].rec_row += record && take;\n"
                      "            pop[p].step++;\n"
                      "        }\n"
                      "    }\n    return done;\n}\n", o->n_pops);
}

char *rct_emit_net_c(const rct_emit_net *o, rct_err *err)
{
    if (validate(o, err))
        return NULL;
    net_writer W;
    memset(&W, 0, sizeof W);
    W.o = o;
    W.f32 = o->dtype == RECTIC_FLOAT32;
    W.type = W.f32 ? "float" : "double";
    rct_buf_init(&W.out);
    W.em = calloc((size_t)o->n_pops, sizeof *W.em);
    W.opts = calloc((size_t)o->n_pops, sizeof *W.opts);
    int rc = !W.em || !W.opts ? rct_oom(err) : 0, inited = 0, parallel = 0;
    for (; !rc && inited < o->n_pops; inited++) {
        W.opts[inited] = o->pop_opts[inited];
        W.opts[inited].dtype = o->dtype;
        W.opts[inited].coupling = 0;
        W.opts[inited].fixed_n = 0;
        parallel |= W.opts[inited].parallel;
        if ((rc = rct_em_init(&W.em[inited], o->models[inited], &W.opts[inited], err)))
            break;
    }
    if (!rc)
        rc = rct_net_plan_make(o, &W.plan, err);
    if (!rc) {
        write_header(&W);
        rct_buf_printf(&W.out, "typedef %s real;\n\n/* the kernel ABI (generator/kernel_abi.h) */\n", W.type);
        rct_em_struct(&W.em[0], RCT_KCTX_TEXT);
        rct_buf_putc(&W.em[0].b, '\n');
        rct_em_struct(&W.em[0], RCT_KPROJ_TEXT);
        flush(&W, &W.em[0]);
        write_decls(&W);
        if (parallel)
            rct_emc_parallel_macro(&W.em[0]);
        rct_emc_recorder(&W.em[0]);
        flush(&W, &W.em[0]);
        for (int j = 0; j < W.plan.n_parts; j++)
            write_part(&W, j);
        for (int k = 0; k < o->n_projs; k++)
            write_proj(&W, k);
        write_kernel(&W);
    }
    for (int p = 0; p < inited; p++) {
        rct_err ignored; /* the writers' text went to W.out, which reports a failed allocation */
        free(rct_em_finish(&W.em[p], &ignored));
    }
    rct_net_plan_free(&W.plan, o->n_pops);
    free(W.em);
    free(W.opts);
    if (rc) {
        rct_buf_free(&W.out);
        return NULL;
    }
    char *src = rct_buf_take(&W.out);
    if (!src)
        rct_oom(err);
    return src;
}

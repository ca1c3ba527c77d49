/*
 * emit_net_plan.c -- the order of one step of a network kernel (see emit_net_plan.h).
 *
 * The step's calls are found greedily: every projection that is ready, in the order listed (so that the
 * contributions into one coupling target add up in that order), then the next part of each population
 * whose coupling targets are complete; again until all are placed.  A projection is ready when its source
 * is (a state variable at once, an algebraic one after the part computing it, a delayed one from its
 * ring at once) and the projections listed before it into the same target are placed.  A population's
 * update waits for the projections without delay that read its state, which it overwrites.  When that
 * deadlocks, the passes are split in two (emit_net_plan.h) and the order found again; a second deadlock
 * is a cycle.
 */
#include "emit_net_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Marks in need[] (if given) the coupling slots expression e reads, inside reductions too when `deep`;
   returns 1 when it reads one, or an algebraic variable of pass `pass` that late[] (if given) marks. */
static int scan(const rct_model *m, const rct_expr *e, int deep, int pass, const unsigned char *late,
                unsigned char *need)
{
    if (e->kind == RCT_E_VAR) {
        const rct_var *v = &m->vars[e->ref];
        if (v->kind == RCT_VK_COUPLING) {
            if (need)
                need[v->slot] = 1;
            return 1;
        }
        return late && v->kind == RCT_VK_ALG && v->pass == pass && late[v->eq];
    }
    if (!deep && e->kind == RCT_E_CALL && rct_funcs[e->ref].reduction)
        return 0; /* a value computed before the pass */
    int hit = 0;
    for (int i = 0; i < e->nargs; i++)
        hit |= scan(m, e->args[i], deep, pass, late, need);
    return hit;
}

/* The pass of equation e (the differential equations are in the last). */
static int eq_pass(const rct_model *m, int e)
{
    return m->eqs[e].kind == RCT_EQ_ODE ? m->n_passes - 1 : m->vars[m->eqs[e].var].pass;
}

/* Sorts the equations of model m into the two halves of their passes: late[] those that read a coupling
   target (directly or through an equation of the same pass) and the differential ones, early[] the rest. */
static void split_equations(const rct_model *m, unsigned char *early, unsigned char *late)
{
    for (int k = 0; k < m->n_eqs; k++) { /* dependency order within each pass */
        int e = m->order[k];
        late[e] = m->eqs[e].kind == RCT_EQ_ODE || scan(m, m->eqs[e].rhs, 0, eq_pass(m, e), late, NULL);
        early[e] = !late[e];
    }
}

/* Does pass p of population `pop` have equations in both halves? */
static int splittable(const rct_net_plan *plan, const rct_model *m, int pop, int p)
{
    int early = 0, late = 0;
    for (int e = 0; e < m->n_eqs; e++)
        if (eq_pass(m, e) == p) {
            early |= plan->early[pop][e];
            late |= plan->late[pop][e];
        }
    return early && late;
}

/* Lists every population's parts, splitting the passes that can be split when `split`. */
static int list_parts(const rct_emit_net *o, rct_net_plan *plan, int split, rct_err *err)
{
    int total = 0;
    for (int p = 0; p < o->n_pops; p++)
        total += 2 * o->models[p]->n_passes;
    free(plan->parts);
    plan->parts = calloc((size_t)total + 1, sizeof *plan->parts);
    if (!plan->parts)
        return rct_oom(err);
    plan->n_parts = 0;
    for (int p = 0; p < o->n_pops; p++) {
        const rct_model *m = o->models[p];
        plan->first_part[p] = plan->n_parts;
        for (int q = 0; q < m->n_passes; q++) {
            int last = q == m->n_passes - 1, two = split && splittable(plan, m, p, q);
            for (int h = two ? 1 : 0; h <= (two ? 2 : 0); h++)
                plan->parts[plan->n_parts++] = (rct_net_part){p, q, h, last && h != 1};
        }
    }
    plan->first_part[o->n_pops] = plan->n_parts;
    return 0;
}

int rct_net_plan_part_of(const rct_net_plan *plan, const rct_model *m, int p, int v)
{
    const rct_var *var = &m->vars[v];
    for (int j = plan->first_part[p]; j < plan->first_part[p + 1]; j++) {
        const rct_net_part *t = &plan->parts[j];
        if (t->pass == var->pass && (t->half == 0 || (t->half == 1) == plan->early[p][var->eq]))
            return j;
    }
    return -1;
}

/* Marks in need[] the coupling slots that part j reads: its equations' and its reductions'. */
static void part_needs(const rct_emit_net *o, const rct_net_plan *plan, int j, unsigned char *need)
{
    const rct_net_part *t = &plan->parts[j];
    const rct_model *m = o->models[t->pop];
    memset(need, 0, (size_t)m->n_coup + 1);
    for (int r = 0; t->half != 2 && r < m->n_reds; r++)
        if (m->reds[r].before_pass == t->pass)
            scan(m, m->reds[r].arg, 1, t->pass, NULL, need);
    for (int e = 0; e < m->n_eqs; e++)
        if (eq_pass(m, e) == t->pass && (t->half == 0 || (t->half == 1) == plan->early[t->pop][e]))
            scan(m, m->eqs[e].rhs, 0, t->pass, NULL, need);
}

/* The greedy search's state. */
typedef struct search {
    const rct_emit_net *o;
    rct_net_plan *plan;
    int *next;           /* per population: its next part */
    unsigned char *done; /* per projection: placed */
    int *state_left;     /* per population: projections without delay reading its state, not yet placed */
    unsigned char *need; /* scratch: a part's slots */
} search;

/* Is projection k a projection without delay from a state variable? */
static int reads_state_now(const rct_emit_net *o, int k)
{
    const rct_emit_proj *pr = &o->projs[k];
    return pr->delay == 0 && o->models[pr->src_pop]->vars[pr->src_var].kind == RCT_VK_STATE;
}

/* What projection k waits for: a projection listed before it into the same target (returned as its
   index), the part computing its source (returned as -1-population), or nothing (n_projs). */
static int proj_blocker(const search *S, int k)
{
    const rct_emit_net *o = S->o;
    const rct_emit_proj *pr = &o->projs[k];
    for (int j = 0; j < k; j++)
        if (!S->done[j] && o->projs[j].tgt_pop == pr->tgt_pop && o->projs[j].tgt_slot == pr->tgt_slot)
            return j;
    const rct_model *m = o->models[pr->src_pop];
    if (pr->delay == 0 && m->vars[pr->src_var].kind == RCT_VK_ALG &&
        S->next[pr->src_pop] <= rct_net_plan_part_of(S->plan, m, pr->src_pop, pr->src_var))
        return -1 - pr->src_pop;
    return o->n_projs;
}

/* What the next part of population p waits for: a projection into a slot it reads, or one without delay
   that reads the state it updates (its index), or nothing (n_projs). */
static int part_blocker(const search *S, int p)
{
    const rct_emit_net *o = S->o;
    int j = S->next[p];
    part_needs(o, S->plan, j, S->need);
    for (int k = 0; k < o->n_projs; k++) {
        const rct_emit_proj *pr = &o->projs[k];
        if (S->done[k])
            continue;
        if (pr->tgt_pop == p && S->need[pr->tgt_slot])
            return k;
        if (S->plan->parts[j].update && pr->src_pop == p && reads_state_now(o, k))
            return k;
    }
    return o->n_projs;
}

/* Places the calls greedily; 0 when all are placed, 1 on a deadlock. */
static int place(search *S)
{
    const rct_emit_net *o = S->o;
    rct_net_plan *plan = S->plan;
    plan->n_order = 0;
    memset(S->done, 0, (size_t)o->n_projs + 1);
    for (int p = 0; p < o->n_pops; p++)
        S->next[p] = plan->first_part[p];
    int total = plan->n_parts + o->n_projs;
    while (plan->n_order < total) {
        int progress = 0;
        for (int k = 0; k < o->n_projs; k++)
            if (!S->done[k] && proj_blocker(S, k) == o->n_projs) {
                S->done[k] = 1;
                plan->order[plan->n_order++] = -1 - k;
                progress = 1;
            }
        for (int p = 0; p < o->n_pops; p++)
            if (S->next[p] < plan->first_part[p + 1] && part_blocker(S, p) == o->n_projs) {
                plan->order[plan->n_order++] = S->next[p]++;
                progress = 1;
            }
        if (!progress)
            return 1;
    }
    return 0;
}

const char *rct_net_var_path(const rct_emit_net *o, int p, int v, char *buf, size_t size)
{
    const rct_var *var = &o->models[p]->vars[v];
    snprintf(buf, size, "%s/%s/%s", o->pop_names[p], var->op, var->name);
    return buf;
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

int rct_net_validate(const rct_emit_net *o, rct_err *err)
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

void rct_net_proj_paths(const rct_emit_net *o, int k, char *src, char *tgt, size_t size)
{
    const rct_emit_proj *pr = &o->projs[k];
    rct_net_var_path(o, pr->src_pop, pr->src_var, src, size);
    rct_net_var_path(o, pr->tgt_pop, o->models[pr->tgt_pop]->coup_var[pr->tgt_slot], tgt, size);
}

int rct_net_first_into(const rct_emit_net *o, int k)
{
    for (int j = 0; j < k; j++)
        if (o->projs[j].tgt_pop == o->projs[k].tgt_pop && o->projs[j].tgt_slot == o->projs[k].tgt_slot)
            return 0;
    return 1;
}

const char *rct_net_part_name(const rct_emit_net *o, const rct_net_plan *plan, int j, char *buf, size_t size)
{
    const rct_net_part *t = &plan->parts[j];
    const char *pop = o->pop_names[t->pop];
    if (t->half == 1)
        snprintf(buf, size, "%s_pass%d_early", pop, t->pass);
    else if (t->update)
        snprintf(buf, size, "%s_update", pop);
    else
        snprintf(buf, size, "%s_pass%d", pop, t->pass);
    return buf;
}

int rct_net_part_reds(const rct_emit_net *o, const rct_net_plan *plan, int j)
{
    const rct_net_part *t = &plan->parts[j];
    const rct_model *m = o->models[t->pop];
    for (int r = 0; t->half != 2 && r < m->n_reds; r++)
        if (m->reds[r].before_pass == t->pass)
            return 1;
    return 0;
}

int rct_net_part_eqs(const rct_emit_net *o, const rct_net_plan *plan, int j)
{
    const rct_net_part *t = &plan->parts[j];
    const rct_model *m = o->models[t->pop];
    for (int e = 0; e < m->n_eqs; e++)
        if (eq_pass(m, e) == t->pass && (t->half == 0 || (t->half == 1) == plan->early[t->pop][e]))
            return 1;
    return 0;
}

void rct_net_listing(rct_buf *b, const rct_emit_net *o, const char *const *how)
{
    rct_buf_puts(b, " * Populations (pop[p] is the context of population p):\n");
    for (int p = 0; p < o->n_pops; p++) {
        const rct_model *m = o->models[p];
        rct_buf_printf(b, " *   pop[%d] %s: template ", p, o->pop_names[p]);
        rct_emit_safe_comment(b, m->template_ref);
        rct_buf_puts(b, o->pop_opts[p].spiking ? ", spiking\n" : "\n");
        for (int e = 0; e < m->n_eqs; e++) {
            rct_buf_puts(b, " *     ");
            rct_emit_safe_comment(b, m->eq_text[e]);
            rct_buf_putc(b, '\n');
        }
    }
    rct_buf_puts(b, o->n_projs ? " * Projections (proj[k] is the context of projection k), added into a target in this order:\n"
                                     : " * No projections.\n");
    for (int k = 0; k < o->n_projs; k++) {
        char src[256], tgt[256];
        rct_net_proj_paths(o, k, src, tgt, sizeof src);
        rct_buf_printf(b, " *   proj[%d] %s -> %s: %s", k, src, tgt, how[o->projs[k].mode]);
        if (o->projs[k].delay > 0)
            rct_buf_printf(b, ", delay %ld step%s", o->projs[k].delay, o->projs[k].delay == 1 ? "" : "s");
        rct_buf_putc(b, '\n');
    }
}

/* Reports the cycle of a deadlocked search: follows what each waiting call waits for until a call comes
   round again, and names the projections on that round. */
static int cycle_error(const search *S, rct_err *err)
{
    const rct_emit_net *o = S->o;
    int nodes = o->n_projs + o->n_pops, *seen = calloc((size_t)nodes + 1, sizeof *seen);
    if (!seen)
        return rct_oom(err);
    int node = 0, step = 0;
    while (node < o->n_projs && S->done[node])
        node++;
    while (!seen[node]) { /* a projection k is node k, population p's next part node n_projs + p */
        seen[node] = ++step;
        int b = node < o->n_projs ? proj_blocker(S, node) : part_blocker(S, node - o->n_projs);
        node = b >= 0 ? b : o->n_projs + (-1 - b);
    }
    rct_buf names;
    rct_buf_init(&names);
    int count = 0;
    for (int start = node;;) {
        if (node < o->n_projs) {
            char src[256], tgt[256];
            rct_net_proj_paths(o, node, src, tgt, sizeof src);
            rct_buf_printf(&names, "%s%s -> %s", count++ ? ", " : "", src, tgt);
        }
        int b = node < o->n_projs ? proj_blocker(S, node) : part_blocker(S, node - o->n_projs);
        node = b >= 0 ? b : o->n_projs + (-1 - b);
        if (node == start)
            break;
    }
    rct_errf(err, RECTIC_ETEMPLATE, "algebraic cycle between populations: the projection%s %s need%s %s own result of the "
             "same step (give one of them a delay)", count == 1 ? "" : "s", names.s ? names.s : "?",
             count == 1 ? "s" : "", count == 1 ? "its" : "each other's");
    rct_buf_free(&names);
    free(seen);
    return err->code;
}

/* Finds what each part reads: its half of the pass (the other half's equations skipped), the reductions
   before the pass in the part that starts it, the spikes and the update in the last. */
static int find_reads(const rct_emit_net *o, rct_net_plan *plan, rct_err *err)
{
    plan->reads = calloc((size_t)plan->n_parts + 1, sizeof *plan->reads);
    if (!plan->reads)
        return rct_oom(err);
    for (int j = 0; j < plan->n_parts; j++) {
        const rct_net_part *t = &plan->parts[j];
        const unsigned char *skip = t->half == 1 ? plan->late[t->pop] : t->half == 2 ? plan->early[t->pop] : NULL;
        if (rct_part_reads_find(o->models[t->pop], t->pass, skip, t->half != 2, t->update, o->pop_opts[t->pop].spiking,
                                &plan->reads[j]))
            return rct_oom(err);
    }
    return 0;
}

int rct_net_plan_make(const rct_emit_net *o, rct_net_plan *plan, rct_err *err)
{
    memset(plan, 0, sizeof *plan);
    int max_coup = 0, max_parts = 0;
    for (int p = 0; p < o->n_pops; p++) {
        max_coup = o->models[p]->n_coup > max_coup ? o->models[p]->n_coup : max_coup;
        max_parts += 2 * o->models[p]->n_passes;
    }
    search S = {o, plan, calloc((size_t)o->n_pops + 1, sizeof *S.next), calloc((size_t)o->n_projs + 1, 1),
                calloc((size_t)o->n_pops + 1, sizeof *S.state_left), calloc((size_t)max_coup + 1, 1)};
    plan->first_part = calloc((size_t)o->n_pops + 1, sizeof *plan->first_part);
    plan->early = calloc((size_t)o->n_pops + 1, sizeof *plan->early);
    plan->late = calloc((size_t)o->n_pops + 1, sizeof *plan->late);
    plan->order = calloc((size_t)(max_parts + o->n_projs) + 1, sizeof *plan->order);
    int rc = !S.next || !S.done || !S.state_left || !S.need || !plan->first_part || !plan->early || !plan->late ||
                     !plan->order ? rct_oom(err) : 0;
    for (int p = 0; !rc && p < o->n_pops; p++) {
        const rct_model *m = o->models[p];
        plan->early[p] = calloc((size_t)m->n_eqs + 1, 1);
        plan->late[p] = calloc((size_t)m->n_eqs + 1, 1);
        if (!plan->early[p] || !plan->late[p])
            rc = rct_oom(err);
        else
            split_equations(m, plan->early[p], plan->late[p]);
    }
    for (int split = 0; !rc && split < 2; split++) {
        if ((rc = list_parts(o, plan, split, err)))
            break;
        int deadlock = place(&S);
        if (deadlock && split)
            rc = cycle_error(&S, err);
        if (!deadlock)
            break;
    }
    if (!rc)
        rc = find_reads(o, plan, err);
    free(S.next);
    free(S.done);
    free(S.state_left);
    free(S.need);
    return rc;
}

void rct_net_plan_free(rct_net_plan *plan, int n_pops)
{
    for (int p = 0; p < n_pops && plan->early; p++)
        free(plan->early[p]);
    for (int p = 0; p < n_pops && plan->late; p++)
        free(plan->late[p]);
    for (int j = 0; j < plan->n_parts && plan->reads; j++)
        rct_part_reads_free(&plan->reads[j]);
    free(plan->reads);
    free(plan->early);
    free(plan->late);
    free(plan->parts);
    free(plan->first_part);
    free(plan->order);
    memset(plan, 0, sizeof *plan);
}

int rct_net_emitters_start(rct_net_emitters *w, const rct_emit_net *o, rct_err *err)
{
    memset(w, 0, sizeof *w);
    int rc = rct_net_validate(o, err);
    if (rc)
        return rc;
    w->em = calloc((size_t)o->n_pops, sizeof *w->em);
    w->opts = calloc((size_t)o->n_pops, sizeof *w->opts);
    if (!w->em || !w->opts)
        return rct_oom(err);
    for (; w->started < o->n_pops; w->started++) {
        rct_emit_opts *opts = &w->opts[w->started];
        *opts = o->pop_opts[w->started];
        opts->dtype = o->dtype;
        opts->coupling = 0;
        opts->fixed_n = 0;
        if ((rc = rct_em_init(&w->em[w->started], o->models[w->started], opts, err)))
            return rc;
    }
    return rct_net_plan_make(o, &w->plan, err);
}

void rct_net_emitter_flush(rct_buf *out, rct_emitter *E)
{
    out->failed |= E->b.failed;
    if (E->b.len)
        rct_buf_putn(out, E->b.s, E->b.len);
    E->b.len = 0;
}

void rct_net_emitters_end(rct_net_emitters *w, const rct_emit_net *o)
{
    for (int p = 0; p < w->started; p++) {
        rct_err ignored; /* the writers' text went to their output, which reports a failed allocation */
        free(rct_em_finish(&w->em[p], &ignored));
    }
    rct_net_plan_free(&w->plan, o->n_pops);
    free(w->em);
    free(w->opts);
    memset(w, 0, sizeof *w);
}

int rct_net_stores_at(const rct_emit_net *o, const rct_net_plan *plan, int k, int part)
{
    const rct_emit_proj *pr = &o->projs[k];
    const rct_model *m = o->models[pr->src_pop];
    if (pr->delay == 0)
        return 0;
    if (m->vars[pr->src_var].kind == RCT_VK_STATE)
        return part < 0;
    return part >= 0 && rct_net_plan_part_of(plan, m, pr->src_pop, pr->src_var) == part;
}

/*
 * ir_roles.c -- the network roles of a model: its input, output and spike variables, and its coupling
 * targets with their slots in the kernel's coupling array (one target for a single population's source and
 * target variables, or one per distinct target of the links of a population in a network).
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

/* Checks that operator r->op exists. */
static int check_op(const rct_model *m, const rct_roles *r, rct_err *err)
{
    if (!r->op)
        return 0;
    int found = 0;
    rct_buf ops;
    rct_buf_init(&ops);
    for (int o = 0; o < m->n_ops; o++) {
        found |= strcmp(m->op_names[o], r->op) == 0;
        rct_buf_printf(&ops, "%s%s", o ? ", " : "", m->op_names[o]);
    }
    if (!found)
        rct_errf(err, RECTIC_EINVAL, "spec.op: no operator '%s' in the template (it has: %s)", r->op,
                 ops.s ? ops.s : "none");
    rct_buf_free(&ops);
    return found ? 0 : err->code;
}

/* Assigns the roles named by variables: input, coupling source and target, spikes, output. */
static int assign_named(rct_model *m, const rct_roles *r, rct_err *err)
{
    struct { const char *name, *flag; int *slot; } roles[] = {
        {r->input, "spec.input_var", &m->input},      {r->target, "spec.target_var", &m->target},
        {r->spike_var, "spec.spike_var", &m->spike_var}, {r->spike_def, "spec.spike_def", &m->spike_def},
        {r->source, "spec.source_var", &m->source},   {r->output, "spec.output_var", &m->output},
    };
    char full[256];
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        *roles[i].slot = -1;
        if (!roles[i].name)
            continue;
        int v = rct_model_find(m, roles[i].name, r->op, roles[i].flag, err);
        if (v < 0)
            return err->code;
        rct_var *var = &m->vars[v];
        rct_var_fullname(m, v, full, sizeof full);
        if (roles[i].slot == &m->input || roles[i].slot == &m->target || roles[i].slot == &m->spike_var) {
            if (var->decl != RCT_D_INPUT || var->kind != RCT_VK_PARAM)
                return rct_errf(err, RECTIC_EINVAL, "%s: '%s' must be an input(...) variable of the template, not %s",
                                roles[i].flag, full, var->decl == RCT_D_INPUT ? "one already in use" : rct_vkind_name(var->kind));
            var->kind = roles[i].slot == &m->input ? RCT_VK_INPUT
                        : roles[i].slot == &m->target ? RCT_VK_COUPLING : RCT_VK_SPIKE;
        } else if (roles[i].slot == &m->spike_def && var->kind != RCT_VK_STATE) {
            return rct_errf(err, RECTIC_EINVAL, "spec.spike_def: '%s' must be a state variable (one with x' = ...), not %s",
                            full, rct_vkind_name(var->kind));
        } else if (roles[i].slot == &m->source && var->kind != RCT_VK_STATE && var->kind != RCT_VK_ALG) {
            return rct_errf(err, RECTIC_EINVAL, "spec.source_var: '%s' must be a state or algebraic variable, not %s",
                            full, rct_vkind_name(var->kind));
        }
        *roles[i].slot = v;
    }
    if ((m->source >= 0) != (m->target >= 0))
        return rct_errf(err, RECTIC_EINVAL, "coupling needs both spec.source_var and spec.target_var");
    if ((m->spike_var >= 0) != (m->spike_def >= 0))
        return rct_errf(err, RECTIC_EINVAL, "spiking needs both spec.spike_var and spec.spike_def (RectiPy raises "
                                            "ValueError for only one of them)");
    return 0;
}

/* Gives the links' targets coupling slots, in order of first appearance, and finds their sources. */
static int assign_links(rct_model *m, const rct_roles *r, int *link_slot, int *link_source, rct_err *err)
{
    char full[256];
    for (int l = 0; l < r->n_links; l++) {
        if (r->fault) /* an error from here on is about link l's target, then its source */
            *r->fault = (rct_link_fault){l, 0};
        const rct_link *lk = &r->links[l];
        if (!lk->target)
            return rct_errf(err, RECTIC_EINVAL, "projection %d into this population names no target variable", l + 1);
        int v = rct_model_find(m, lk->target, r->op, "projection target", err);
        if (v < 0)
            return err->code;
        rct_var *var = &m->vars[v];
        if (var->kind != RCT_VK_COUPLING) {
            if (var->decl != RCT_D_INPUT || var->kind != RCT_VK_PARAM)
                return rct_errf(err, RECTIC_EINVAL, "projection target '%s' must be an input(...) variable of the "
                                "template, not %s", rct_var_fullname(m, v, full, sizeof full),
                                var->decl == RCT_D_INPUT ? "one already in use" : rct_vkind_name(var->kind));
            var->kind = RCT_VK_COUPLING;
            var->slot = m->n_coup;
            m->coup_var[m->n_coup++] = v;
        }
        link_slot[l] = var->slot;
        link_source[l] = -1;
        if (!lk->source)
            continue;
        if (r->fault)
            r->fault->source = 1;
        int s = rct_model_find(m, lk->source, r->op, "projection source", err);
        if (s < 0)
            return err->code;
        if (m->vars[s].kind != RCT_VK_STATE && m->vars[s].kind != RCT_VK_ALG)
            return rct_errf(err, RECTIC_EINVAL, "projection source '%s' must be a state or algebraic variable, not %s",
                            rct_var_fullname(m, s, full, sizeof full), rct_vkind_name(m->vars[s].kind));
        link_source[l] = s;
    }
    if (r->fault)
        r->fault->link = -1;
    return 0;
}

int rct_ir_assign_roles(rct_model *m, const rct_roles *r, int *link_slot, int *link_source, int *n_links,
                        rct_err *err)
{
    *n_links = 0;
    if (r->fault)
        r->fault->link = -1;
    int rc = check_op(m, r, err);
    if (!rc && r->n_links > 0 && (r->source || r->target))
        rc = rct_errf(err, RECTIC_EINVAL, "a population of a network is coupled by its projections: it takes no "
                                          "source or target variable of its own");
    if (!rc)
        rc = assign_named(m, r, err);
    if (rc)
        return rc;
    int slots = r->n_links > 0 ? r->n_links : m->target >= 0;
    m->coup_var = calloc((size_t)slots + 1, sizeof *m->coup_var);
    m->coup_before = calloc((size_t)slots + 1, sizeof *m->coup_before);
    if (!m->coup_var || !m->coup_before)
        return rct_oom(err);
    if (m->target >= 0) { /* a single population: one slot, its target, fed by its source */
        m->vars[m->target].slot = 0;
        m->coup_var[m->n_coup++] = m->target;
        link_slot[0] = 0;
        link_source[0] = m->source;
        *n_links = 1;
        return 0;
    }
    *n_links = r->n_links > 0 ? r->n_links : 0;
    return r->n_links > 0 ? assign_links(m, r, link_slot, link_source, err) : 0;
}

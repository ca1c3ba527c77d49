/*
 * netspec_get.c -- reading a network description back: populations, their settings, projections and
 * template folders (borrowed pointers, in the order they were added).
 */
#include <string.h>

#include "netspec.h"

/* Population i, or NULL for a NULL spec or an index out of range. */
static const rct_netpop *pop_at(const rectic_netspec *ns, int i)
{
    return ns && i >= 0 && (size_t)i < ns->n_pops ? &ns->pops[i] : NULL;
}

/* Projection k, or NULL. */
static const rct_netproj *proj_at(const rectic_netspec *ns, int k)
{
    return ns && k >= 0 && (size_t)k < ns->n_projs ? &ns->projs[k] : NULL;
}

int rectic_netspec_n_populations(const rectic_netspec *ns)
{
    return ns ? (int)ns->n_pops : 0;
}

int rectic_netspec_n_projections(const rectic_netspec *ns)
{
    return ns ? (int)ns->n_projs : 0;
}

int rectic_netspec_n_template_paths(const rectic_netspec *ns)
{
    return ns ? (int)ns->n_template_path : 0;
}

const char *rectic_netspec_template_path_at(const rectic_netspec *ns, int i)
{
    return ns && i >= 0 && (size_t)i < ns->n_template_path ? ns->template_path[i] : NULL;
}

const char *rectic_netspec_file(const rectic_netspec *ns)
{
    return ns ? ns->file : NULL;
}

int rectic_netspec_find(const rectic_netspec *ns, const char *name)
{
    for (size_t i = 0; ns && name && i < ns->n_pops; i++)
        if (strcmp(ns->pops[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *rectic_netspec_pop_name(const rectic_netspec *ns, int i)
{
    const rct_netpop *p = pop_at(ns, i);
    return p ? p->name : NULL;
}

const char *rectic_netspec_pop_template(const rectic_netspec *ns, int i)
{
    const rct_netpop *p = pop_at(ns, i);
    return p ? p->template_ref : NULL;
}

const char *rectic_netspec_pop_op(const rectic_netspec *ns, int i)
{
    const rct_netpop *p = pop_at(ns, i);
    return p ? p->op : NULL;
}

long rectic_netspec_pop_size(const rectic_netspec *ns, int i)
{
    const rct_netpop *p = pop_at(ns, i);
    return p ? p->n : 0;
}

const char *rectic_netspec_pop_input(const rectic_netspec *ns, int i)
{
    const rct_netpop *p = pop_at(ns, i);
    return p && p->has_input ? p->input.text : NULL;
}

int rectic_netspec_pop_spikes(const rectic_netspec *ns, int i, const char **var, const char **def, double *threshold,
                              double *reset)
{
    const rct_netpop *p = pop_at(ns, i);
    if (!p)
        return -1;
    if (var)
        *var = p->spiking ? p->spike_var.text : NULL;
    if (def)
        *def = p->spiking ? p->spike_def.text : NULL;
    if (threshold)
        *threshold = p->threshold;
    if (reset)
        *reset = p->reset;
    return p->spiking;
}

int rectic_netspec_pop_n_sets(const rectic_netspec *ns, int i)
{
    const rct_netpop *p = pop_at(ns, i);
    return p ? (int)p->n_sets : 0;
}

int rectic_netspec_pop_set(const rectic_netspec *ns, int i, int k, const char **var, const double **values,
                           long *count)
{
    const rct_netpop *p = pop_at(ns, i);
    if (!p || k < 0 || (size_t)k >= p->n_sets)
        return RECTIC_EINVAL;
    if (var)
        *var = p->sets[k].ref.text;
    if (values)
        *values = p->sets[k].values;
    if (count)
        *count = p->sets[k].count;
    return RECTIC_OK;
}

int rectic_netspec_proj_ends(const rectic_netspec *ns, int k, int *source_pop, const char **source, int *target_pop,
                             const char **target)
{
    const rct_netproj *q = proj_at(ns, k);
    if (!q)
        return RECTIC_EINVAL;
    if (source_pop)
        *source_pop = q->src;
    if (source)
        *source = q->src_path;
    if (target_pop)
        *target_pop = q->tgt;
    if (target)
        *target = q->tgt_path;
    return RECTIC_OK;
}

const char *rectic_netspec_proj_file(const rectic_netspec *ns, int k)
{
    const rct_netproj *q = proj_at(ns, k);
    return q ? q->file : NULL;
}

int rectic_netspec_proj_weights(const rectic_netspec *ns, int k, rectic_weights_kind *kind, const double **w,
                                long *count, double *weight, double *delay)
{
    const rct_netproj *q = proj_at(ns, k);
    if (!q)
        return RECTIC_EINVAL;
    if (kind)
        *kind = (rectic_weights_kind)q->kind;
    if (w)
        *w = q->kind == RECTIC_WEIGHTS_SCALAR ? NULL : q->w;
    if (count)
        *count = q->kind == RECTIC_WEIGHTS_DENSE ? ns->pops[q->tgt].n * ns->pops[q->src].n
                 : q->kind == RECTIC_WEIGHTS_COO ? q->nnz : 1;
    if (weight)
        *weight = q->kind == RECTIC_WEIGHTS_SCALAR ? q->weight : 0.0;
    if (delay)
        *delay = q->delay;
    return RECTIC_OK;
}

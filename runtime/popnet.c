/*
 * popnet.c -- builds a network of populations from a netspec: one rectic_net per population (model, values,
 * no kernel), the projections' weights in the layout the fused kernel reads, and the kernel itself.
 */
#include "popnet.h"
#include "backend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blas.h"
#include "coo.h"
#include "layers.h"
#include "netspec.h"
#include "netvals.h"
#include "mpi_net.h"
#include "mpi_pop.h"
#include "popload.h"

/* Copies the error of population net `from` into net, after the prefix `where` (a file position). */
static int take_error(rectic_net *net, const rectic_net *from, const char *where)
{
    return rct_errf(&net->err, from->err.code ? from->err.code : RECTIC_EINVAL, "%s%s", where, from->err.msg);
}

/* The links of population p: one per projection into it, with the source when it is p's own and arrives
   without delay.  *out is malloc'd (may be empty). */
static int pop_links(const rectic_netspec *ns, int p, const long *delays, rct_link **out, int *count)
{
    *count = 0;
    *out = calloc(ns->n_projs + 1, sizeof **out);
    if (!*out)
        return RECTIC_ENOMEM;
    for (size_t k = 0; k < ns->n_projs; k++) {
        const rct_netproj *j = &ns->projs[k];
        if (j->tgt != p)
            continue;
        (*out)[*count].target = j->tgt_var.text;
        (*out)[*count].source = j->src == p && delays[k] == 0 ? j->src_var.text : NULL;
        (*count)++;
    }
    return 0;
}

/* The projection of population p's link l (pop_links lists the projections into p in order). */
static const rct_netproj *link_proj(const rectic_netspec *ns, int p, int l)
{
    for (size_t k = 0; k < ns->n_projs; k++)
        if (ns->projs[k].tgt == p && l-- == 0)
            return &ns->projs[k];
    return NULL;
}

/* Makes population p: loads its template, builds its model with the links into it, allocates its values. */
static int make_pop(rectic_net *net, const rectic_netspec *ns, const rectic_spec *opts, int p, const long *delays)
{
    const rct_netpop *sp = &ns->pops[p];
    rectic_net *pop = calloc(1, sizeof *pop);
    if (!pop)
        return rct_oom(&net->err);
    net->pn->pops[p] = pop;
    pop->f32 = net->f32;
    pop->dt = net->dt;
    pop->threshold = sp->threshold;
    pop->reset = sp->reset;
    pop->n = sp->n;
    pop->sample_every = 1;
    pop->min_weight = -1;
    pop->max_memory = net->max_memory;
    pop->threads = net->threads;
    pop->backend = net->backend;
    char where[600];
    rct_netspec_where(ns, sp->at_template, where, sizeof where);
    rct_tnode *node = NULL;
    int rc = rct_net_load_node(pop, opts, (const char *const *)ns->template_path, (int)ns->n_template_path,
                               sp->template_ref, &node);
    if (rc)
        return take_error(net, pop, where);
    rct_link *links;
    int n_links;
    if (pop_links(ns, p, delays, &links, &n_links)) {
        rct_tnode_free(node);
        return rct_oom(&net->err);
    }
    rct_link_fault fault = {-1, 0};
    rct_roles roles = {sp->op, NULL, NULL, sp->has_input ? sp->input.text : NULL, NULL,
                       sp->spiking ? sp->spike_var.text : NULL, sp->spiking ? sp->spike_def.text : NULL,
                       links, n_links, &fault};
    rc = rct_model_build(node, &roles, &pop->model, &pop->err);
    rct_tnode_free(node);
    free(links);
    if (rc) { /* at the projection's source or target value when the error is about one, else the population */
        const rct_netproj *j = fault.link >= 0 ? link_proj(ns, p, fault.link) : NULL;
        char pos[500];
        rct_netspec_where(ns, !j ? sp->at_name : fault.source ? j->src_var.at : j->tgt_var.at, pos, sizeof pos);
        snprintf(where, sizeof where, "%spopulation %s: ", pos, sp->name);
        return take_error(net, pop, where);
    }
    if ((rc = rct_net_init_values(pop)))
        return take_error(net, pop, "");
    return 0;
}

/* Resolves projection k's source variable and target slot against the populations' models. */
static int resolve_proj(rectic_net *net, const rectic_netspec *ns, int k, rct_proj *j)
{
    const rct_netproj *sp = &ns->projs[k];
    char where[600], what[700]; /* at the value of source: or target: */
    rct_netspec_where(ns, sp->src_var.at, where, sizeof where);
    snprintf(what, sizeof what, "%sprojection %s -> %s: source", where, sp->src_path, sp->tgt_path);
    const rct_model *ms = net->pn->pops[sp->src]->model, *mt = net->pn->pops[sp->tgt]->model;
    int v = rct_model_find(ms, sp->src_var.text, ns->pops[sp->src].op, what, &net->err);
    if (v < 0)
        return net->err.code;
    if (ms->vars[v].kind != RCT_VK_STATE && ms->vars[v].kind != RCT_VK_ALG)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s '%s' must be a state or algebraic variable, not %s", what,
                        sp->src_var.text, rct_vkind_name(ms->vars[v].kind));
    j->src_var = v;
    rct_netspec_where(ns, sp->tgt_var.at, where, sizeof where);
    snprintf(what, sizeof what, "%sprojection %s -> %s: target", where, sp->src_path, sp->tgt_path);
    int t = rct_model_find(mt, sp->tgt_var.text, ns->pops[sp->tgt].op, what, &net->err);
    if (t < 0)
        return net->err.code;
    if (mt->vars[t].kind != RCT_VK_COUPLING) /* the model marks every link target; anything else is a bug */
        return rct_errf(&net->err, RECTIC_EINVAL, "%s '%s' is not a coupling target of the model", what,
                        sp->tgt_var.text);
    j->tgt_slot = mt->vars[t].slot;
    return 0;
}

/* Stores a weight into an array of float64 or float32 values (rct_coo_to_csr). */
static void put_f64(void *val, long i, double w)
{
    ((double *)val)[i] = w;
}

static void put_f32(void *val, long i, double w)
{
    ((float *)val)[i] = (float)w;
}

/* Compressed sparse rows of COO entries (target, source, weight), as common/coo.h orders them. */
static int csr_from_coo(rectic_net *net, rct_proj *j, const double *e, long nnz, long n_tgt)
{
    long *order = malloc(sizeof(long) * (size_t)nnz + 1);
    j->csr_ptr = calloc((size_t)n_tgt + 2, sizeof(long));
    j->csr_col = malloc(sizeof(int) * (size_t)nnz + 1);
    j->csr_val = rct_pn_alloc(net, nnz);
    if (!order || !j->csr_ptr || !j->csr_col || !j->csr_val) {
        free(order);
        return rct_oom(&net->err);
    }
    j->nnz = rct_coo_to_csr(e, nnz, n_tgt, j->csr_ptr, j->csr_col, j->csr_val, net->f32 ? put_f32 : put_f64, order);
    free(order);
    return 0;
}

/* Event-driven weights: W by columns (csr_ptr over the source units, csr_col the target units). */
static int csc_from(rectic_net *net, rct_proj *j, const rct_netproj *sp, long n_src, long n_tgt)
{
    long nnz = sp->nnz;
    double *e = sp->kind == RECTIC_WEIGHTS_DENSE ? rct_coo_from_dense(sp->w, n_tgt, n_src, &nnz)
                                                 : malloc(sizeof(double) * 3 * (size_t)nnz + 1);
    if (!e)
        return rct_oom(&net->err);
    if (sp->kind == RECTIC_WEIGHTS_COO)
        memcpy(e, sp->w, sizeof(double) * 3 * (size_t)nnz);
    rct_coo_transpose(e, nnz);
    int rc = csr_from_coo(net, j, e, nnz, n_src);
    free(e);
    return rc;
}

/* Puts projection k's weights into the layout its strategy reads. */
static int load_weights(rectic_net *net, const rectic_netspec *ns, int k, int want, rct_proj *j)
{
    const rct_netproj *sp = &ns->projs[k];
    long n_src = ns->pops[sp->src].n, n_tgt = ns->pops[sp->tgt].n;
    if (sp->kind == RECTIC_WEIGHTS_SCALAR) {
        j->mode = RCT_COUP_SCALAR;
        j->weight = sp->weight;
        return 0;
    }
    if (sp->file)
        return rct_pn_load_file(net, ns, k, want, j);
    char why[600];
    if (want == RECTIC_COUPLING_EVENT && rct_pn_event_ok(net, j, why, sizeof why)) {
        j->mode = RCT_COUP_EVENT;
        return csc_from(net, j, sp, n_src, n_tgt);
    }
    if (want == RECTIC_COUPLING_EVENT) {
        rct_net_warn(net, "projection %s -> %s is not event-driven (%s): it is computed with sparse weights",
                     sp->src_path, sp->tgt_path, why);
        want = RECTIC_COUPLING_SPARSE;
    }
    long nonzero = sp->nnz;
    if (sp->kind == RECTIC_WEIGHTS_DENSE) {
        nonzero = 0;
        for (long i = 0; i < n_src * n_tgt; i++)
            nonzero += sp->w[i] != 0;
    }
    j->mode = rct_pn_choose_mode(want, n_src, nonzero, n_tgt);
    if (j->mode == RCT_COUP_CSR) {
        if (sp->kind == RECTIC_WEIGHTS_COO)
            return csr_from_coo(net, j, sp->w, sp->nnz, n_tgt);
        long nnz;
        double *e = rct_coo_from_dense(sp->w, n_tgt, n_src, &nnz);
        int rc = e ? csr_from_coo(net, j, e, nnz, n_tgt) : rct_oom(&net->err);
        free(e);
        return rc;
    }
    if ((double)n_src * (double)n_tgt * (double)rct_rsize(net) > (double)(1L << 31))
        return rct_errf(&net->err, RECTIC_EINVAL, "projection %s -> %s: a dense %ld x %ld matrix needs %.1f GiB: use "
                        "sparse coupling", sp->src_path, sp->tgt_path, n_tgt, n_src,
                        (double)n_src * (double)n_tgt * (double)rct_rsize(net) / 1073741824.0);
    if (!(j->w = rct_pn_alloc(net, n_src * n_tgt)))
        return rct_oom(&net->err);
    if (sp->kind == RECTIC_WEIGHTS_DENSE) {
        for (long i = 0; i < n_src * n_tgt; i++)
            rct_rset(net, j->w, (size_t)i, sp->w[i]);
        return 0;
    }
    double *dense = calloc((size_t)(n_src * n_tgt) + 1, sizeof(double)); /* duplicates add, in file order */
    if (!dense)
        return rct_oom(&net->err);
    rct_coo_add_dense(sp->w, sp->nnz, n_src, dense);
    for (long i = 0; i < n_src * n_tgt; i++)
        rct_rset(net, j->w, (size_t)i, dense[i]);
    free(dense);
    return 0;
}

/* Builds projection k: its ends, weights, ring and scratch buffers. */
static int make_proj(rectic_net *net, const rectic_netspec *ns, int k, long delay, int want)
{
    rct_proj *j = &net->pn->projs[k];
    const rct_netproj *sp = &ns->projs[k];
    j->src = sp->src;
    j->tgt = sp->tgt;
    j->delay = delay;
    int rc = resolve_proj(net, ns, k, j);
    if (!rc)
        rc = load_weights(net, ns, k, want, j);
    if (rc)
        return rc;
    long n_src = ns->pops[sp->src].n, n_tgt = ns->pops[sp->tgt].n;
    if (delay > 0 && (double)(delay + 1) * (double)n_src * (double)rct_rsize(net) > (double)(1L << 34))
        return rct_errf(&net->err, RECTIC_EINVAL, "projection %s -> %s: a delay of %ld steps keeps %ld x %ld values",
                        sp->src_path, sp->tgt_path, delay, delay + 1, n_src);
    if (delay > 0 && !(j->ring = rct_pn_alloc(net, (delay + 1) * n_src)))
        return rct_oom(&net->err);
    if ((j->mode == RCT_COUP_DENSE || j->mode == RCT_COUP_EVENT) && !(j->tmp = rct_pn_alloc(net, n_tgt)))
        return rct_oom(&net->err);
    return 0;
}

/* Applies the spec's sets to the populations, in the order given. */
static int apply_sets(rectic_net *net, const rectic_netspec *ns)
{
    for (size_t p = 0; p < ns->n_pops; p++)
        for (size_t s = 0; s < ns->pops[p].n_sets; s++) {
            const rct_netset *set = &ns->pops[p].sets[s];
            if (rectic_net_set(net->pn->pops[p], set->ref.text, set->values, set->count)) {
                char where[600];
                rct_netspec_where(ns, set->ref.at, where, sizeof where);
                return take_error(net, net->pn->pops[p], where);
            }
        }
    return 0;
}

int rct_pn_compile(rectic_net *net)
{
    return net->be->pn_compile(net);
}

/* Checks the options a network of populations takes from a rectic_spec. */
static int check_opts(rectic_net *net, const rectic_spec *o)
{
    if (o->template_ref || o->template_yaml || o->weights || o->weights_coo || o->weights_file ||
        o->weights_coo_file || o->source_var || o->target_var || o->input_var || o->output_var || o->spike_var ||
        o->spike_def || o->op || o->n)
        return rct_errf(&net->err, RECTIC_EINVAL, "a network of populations takes its templates, sizes, weights and "
                                                  "roles from the netspec: leave those fields of the options unset");
    if ((unsigned)o->mpi_partition > RECTIC_MPI_PARTITION_SYNAPSES)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.mpi_partition: expected auto, units or synapses");
    if (!rct_backend_of(o->backend))
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.backend: expected tcc, cc, auto or nvrtc");
    if (o->coupling < RECTIC_COUPLING_AUTO || o->coupling > RECTIC_COUPLING_EVENT)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.coupling: expected auto, dense, inline, sparse or event");
    if (o->dtype != RECTIC_FLOAT64 && o->dtype != RECTIC_FLOAT32)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.dtype: expected float64 or float32");
    if (!(o->dt > 0) || !isfinite(o->dt))
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.dt: the step size must be a positive number, got %g", o->dt);
    return 0;
}

/* Allocates the network's populations and projections and fills them from ns. */
static int build(rectic_net *net, const rectic_netspec *ns, const rectic_spec *opts)
{
    rct_popnet *pn = net->pn;
    int np = (int)ns->n_pops, nj = (int)ns->n_projs;
    pn->names = calloc((size_t)np, sizeof *pn->names);
    pn->pops = calloc((size_t)np, sizeof *pn->pops);
    pn->projs = calloc((size_t)nj + 1, sizeof *pn->projs);
    pn->in_data = calloc((size_t)np, sizeof *pn->in_data);
    pn->in_rows = calloc((size_t)np, sizeof *pn->in_rows);
    pn->in_cols = calloc((size_t)np, sizeof *pn->in_cols);
    long *delays = calloc((size_t)nj + 1, sizeof *delays);
    if (!pn->names || !pn->pops || !pn->projs || !pn->in_data || !pn->in_rows || !pn->in_cols || !delays) {
        free(delays);
        return rct_oom(&net->err);
    }
    pn->n_pops = np; /* rct_pn_free frees what is there */
    pn->n_projs = nj;
    int rc = 0;
    for (int k = 0; !rc && k < nj; k++)
        if ((delays[k] = rct_delay_steps(ns->projs[k].delay, net->dt)) < 0) {
            char where[600];
            rct_netspec_where(ns, ns->projs[k].at_delay, where, sizeof where);
            rc = rct_errf(&net->err, RECTIC_EINVAL, "%sprojection %s -> %s: delay %g s is too long for dt = %g", where,
                          ns->projs[k].src_path, ns->projs[k].tgt_path, ns->projs[k].delay, net->dt);
        }
    for (int p = 0; !rc && p < np; p++) {
        if (!(pn->names[p] = rct_strdup(ns->pops[p].name)))
            rc = rct_oom(&net->err);
        else
            rc = make_pop(net, ns, opts, p, delays);
    }
    if (!rc) /* under MPI: which units each rank owns, before the weights onto them are read */
        rc = rct_mpi_pop_partition(net, ns, opts->mpi_partition);
    for (int k = 0; !rc && k < nj; k++)
        rc = make_proj(net, ns, k, delays[k], opts->coupling);
    if (!rc && net->mpi) /* what was not read in part (arrays, scalars, a column-major .npy): trimmed */
        rc = rct_mpi_keep_own_weights(net);
    free(delays);
    if (!rc)
        rc = apply_sets(net, ns);
    for (int p = 0; !rc && p < np; p++)
        net->n += pn->pops[p]->n;
    return rc;
}

int rectic_net_new_network(rectic_net **out, const rectic_netspec *ns, const rectic_spec *opts)
{
    if (!out)
        return RECTIC_EINVAL;
    rectic_net *net = calloc(1, sizeof *net);
    *out = net;
    if (!net)
        return RECTIC_ENOMEM;
    if (!ns || !opts)
        return rct_errf(&net->err, RECTIC_EINVAL, "no network: %s is NULL", ns ? "opts" : "the netspec");
    if (ns->n_pops == 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "the netspec has no population");
    rectic_spec full; /* opts as this library's rectic_spec */
    int rc = rct_spec_take(&full, opts, &net->err);
    if (!rc)
        rc = check_opts(net, opts = &full);
    if (rc)
        return rc;
    net->f32 = opts->dtype == RECTIC_FLOAT32;
    net->dt = opts->dt;
    net->sample_every = 1;
    net->check_finite = 1;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    net->threads = cpus > 0 ? (int)cpus : 1;
    net->max_memory = (size_t)1 << 30;
    net->backend = opts->backend;
    net->be = rct_backend_of(opts->backend); /* check_opts checked it */
    net->device = opts->device;
    net->min_weight = -1;
    if (!(net->pn = calloc(1, sizeof *net->pn)))
        return rct_oom(&net->err);
    net->pn->out_pop = -1;
    if (opts->mpi && (rc = rectic_net_use_mpi(net, 1))) /* before the weights: each rank reads its part */
        return rc;
    double t0 = rct_now();
    if ((rc = build(net, ns, opts)) || (rc = rct_layers_from_netspec(net, ns))) /* input_layer:, readout: */
        return rc;
    net->timings.load = rct_now() - t0;
    if (opts->defer_compile)
        net->dirty = 1; /* the first run compiles */
    else if ((rc = rct_pn_compile(net)))
        return rc;
    net->err.code = 0;
    return 0;
}

/*
 * network.c -- the public network API: builds the model and its kernel, owns the state, parameters,
 * weights and recordings, and drives the kernel through a run in blocks of steps.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "blas.h"
#include "emit_c.h"
#include "emit_standalone.h"
#include "ir.h"
#include "cache.h"
#include "jit_tcc.h"
#include "kernel_cpu.h"
#include "layers.h"
#include "library.h"
#include "network.h"
#include "popnet.h"
#include "observer.h"
#include "template.h"


/* The size of the first rectic_spec that had a size field (rectic 0.1: it ends with load_progress_user).
   Fields added since come after it; a spec of a smaller size is not one rectic_spec_init has set. */
#define SPEC_SIZE_0_1 (offsetof(rectic_spec, load_progress_user) + sizeof(void *))

void rectic_spec_init_size(rectic_spec *spec, size_t size)
{
    if (!spec || size < sizeof spec->size)
        return;
    rectic_spec d;
    memset(&d, 0, sizeof d);
    d.use_env_path = 1;
    d.min_weight = -1.0;
    d.spike_threshold = 100.0;
    d.spike_reset = -100.0;
    d.dt = 1e-3;
    d.dtype = RECTIC_FLOAT64;
    memset(spec, 0, size); /* a newer header's fields too: rct_spec_take refuses the spec anyway */
    memcpy(spec, &d, size < sizeof d ? size : sizeof d);
    spec->size = size;
}

int rct_spec_take(rectic_spec *full, const rectic_spec *spec, rct_err *err)
{
    if (spec->size < SPEC_SIZE_0_1 || spec->size > sizeof *full)
        return rct_errf(err, RECTIC_EINVAL, spec->size > sizeof *full && spec->size < ((size_t)1 << 16)
                        ? "rectic_spec: %zu bytes, more than this library's %zu: a rectic.h newer than the library?"
                        : "rectic_spec: not initialised (size %zu, this library's is %zu): call rectic_spec_init first",
                        spec->size, sizeof *full);
    rectic_spec_init_size(full, sizeof *full);
    memcpy(full, spec, spec->size); /* the fields the caller knows; the rest keep their defaults */
    full->size = sizeof *full;
    return 0;
}

const char *rectic_errmsg(const rectic_net *net)
{
    if (!net)
        return "no network (NULL handle)";
    return net->err.code ? net->err.msg : "no error";
}

long rectic_net_size(const rectic_net *net)
{
    if (!net)
        return 0;
    return net->n;
}

/* Allocates count values of the network's type (zeroed), checking for overflow. */
static void *ralloc(const rectic_net *net, long count)
{
    if (count < 0 || (size_t)count > SIZE_MAX / rct_rsize(net) - 1)
        return NULL;
    return calloc((size_t)count + 1, rct_rsize(net));
}

/* Loads a template node: the folders `first` (n_first of them) are searched first, then the spec's
   template path, RECTIC_TEMPLATE_PATH (spec->use_env_path), the built-in templates and the current folder;
   spec->template_yaml, when given, holds the file part of ref. */
int rct_net_load_node(rectic_net *net, const rectic_spec *spec, const char *const *first, int n_first, const char *ref,
                      rct_tnode **node)
{
    rct_loader *L = rct_loader_new(&net->err);
    if (!L)
        return RECTIC_ENOMEM;
    int rc = 0;
    for (int i = 0; !rc && i < n_first; i++)
        rc = rct_loader_add_dir(L, first[i]);
    for (int i = 0; !rc && i < spec->n_template_path; i++)
        rc = rct_loader_add_dir(L, spec->template_path[i]);
    if (!rc && spec->use_env_path)
        rc = rct_loader_add_pathlist(L, getenv("RECTIC_TEMPLATE_PATH"));
    if (!rc && rct_builtin_template_dir())
        rc = rct_loader_add_dir(L, rct_builtin_template_dir());
    if (!rc)
        rc = rct_loader_add_dir(L, ".");
    if (!rc && spec->template_yaml) {
        /* the text stands for the file part of the reference */
        const char *cut = strrchr(ref, '/') ? strrchr(ref, '/') : strrchr(ref, '.');
        char *file = cut ? rct_strndup(ref, (size_t)(cut - ref)) : NULL;
        if (!cut)
            rc = rct_errf(&net->err, RECTIC_EINVAL, "template_ref '%s' must name the template inside the YAML text as "
                                                    "name.template", ref);
        else if (!file)
            rc = rct_oom(&net->err);
        else
            rc = rct_loader_add_text(L, file, spec->template_yaml);
        free(file);
    }
    if (!rc)
        rc = rct_template_load(L, ref, node);
    rct_loader_free(L);
    return rc;
}

/* Loads the template and builds the model IR. */
static int load_model(rectic_net *net, const rectic_spec *spec, rct_model **model)
{
    rct_tnode *node = NULL;
    int rc = rct_net_load_node(net, spec, NULL, 0, spec->template_ref, &node);
    if (rc)
        return rc;
    rct_roles roles = {spec->op, spec->source_var, spec->target_var, spec->input_var, spec->output_var,
                       spec->spike_var, spec->spike_def, NULL, 0, NULL};
    rc = rct_model_build(node, &roles, model, &net->err);
    rct_tnode_free(node);
    return rc;
}

/* Marks the shared parameters whose value is a power of two (net->param_pow2), which a specialised kernel
   divides by multiplying with the reciprocal. */
static void refresh_pow2(rectic_net *net)
{
    for (int p = 0; p < net->model->n_param; p++)
        net->param_pow2[p] = !net->param_vector[p] && rct_em_pow2_recip(rct_rget(net, net->param_real[p], 0), net->f32);
}

/* The emitter's settings for the network's current parameter shapes and the kernel in use (specialised for
   the powers of two it was built with, or generic). */
rct_emit_opts rct_net_emit_opts(const rectic_net *net)
{
    /* a specialised kernel: for the powers of two among the values now when a new one is due, else for
       those it was built for */
    const int *pow2 = net->generic ? NULL : net->dirty ? net->param_pow2 : net->spec_pow2;
    rct_emit_opts o = {.dtype = net->f32 ? RECTIC_FLOAT32 : RECTIC_FLOAT64, .param_vector = net->param_vector,
                       .param_pow2 = pow2,
                       .coupling = net->has_coupling, .coupling_mode = net->coupling_mode,
                       .spiking = net->model->spike_def >= 0, .parallel = net->n >= RCT_PARALLEL_MIN_N,
                       .fixed_n = RCT_EMIT_FIXED_N(net->n)};
    return o;
}

void rct_kernel_symbols(rct_symbol *syms)
{
    int k = 0;
    for (const rct_symbol *s = rct_emit_symbols(); s->name && k < RCT_MAX_SYMBOLS - 1; s++)
        syms[k++] = *s;
    syms[k] = (rct_symbol){NULL, NULL};
}

/* Frees a kernel slot's compiled code and source. */
static void slot_free(rct_kernel_slot *k)
{
    rct_jit_free(k->jit);
    rct_cc_free(k->cc);
    free(k->src);
    free(k->pending_so);
    memset(k, 0, sizeof *k);
}

/* Exchanges the running kernel with the spare one. */
static void swap_spare(rectic_net *net)
{
    rct_kernel_slot run = {net->jit, net->cc, net->kernel, net->src, net->kernel_kind, net->pending_so};
    net->jit = net->spare.jit;
    net->cc = net->spare.cc;
    net->kernel = net->spare.fn;
    net->src = net->spare.src;
    net->kernel_kind = net->spare.kind;
    net->pending_so = net->spare.pending_so;
    net->spare = run;
}

/* Replaces the running kernel by a new one: the specialised kernel is kept as the spare when the new one is
   the generic kernel; a new specialised kernel (the shapes changed) makes both old ones useless. */
static void retire_kernel(rectic_net *net)
{
    if (!net->generic)
        slot_free(&net->spare);
    if (net->generic && net->kernel) {
        swap_spare(net);
        return;
    }
    rct_kernel_slot run = {net->jit, net->cc, net->kernel, net->src, net->kernel_kind, net->pending_so};
    slot_free(&run);
}

/* After values changed (shapes unchanged): keeps the running kernel while it fits them, else switches to
   the spare one, or has the generic kernel compiled at the next run.  The specialised kernel fits while
   every parameter it multiplies by a reciprocal is still a power of two; the generic one fits any values.
   So a sweep compiles at most twice: x/p and x*(1/p) are equal for such p, so results never change. */
static void pick_kernel(rectic_net *net)
{
    if (net->dirty && !net->generic)
        return; /* a new specialised kernel is due anyway */
    int fits = 1;
    for (int p = 0; p < net->model->n_param; p++)
        fits &= !net->spec_pow2[p] || net->param_pow2[p];
    int want_generic = !fits, running_generic = net->generic && !net->dirty;
    if (want_generic == running_generic) {
        net->generic = want_generic;
        net->dirty = 0; /* a generic compile still due is not needed after all */
    } else if (net->spare.fn) {
        swap_spare(net);
        net->generic = want_generic;
    } else if (want_generic) {
        net->generic = 1;
        net->dirty = 1;
    } /* else: the generic kernel runs and the specialised one was not kept (CUDA): it fits too */
}

void rct_net_install_kernel(rectic_net *net, const rct_cpu_kernel *k, char *src)
{
    net->jit = k->jit;
    net->cc = k->cc;
    net->kernel = k->fn;
    net->kernel_kind = k->cc ? (k->hit ? "cc (cached)" : "cc") : "tcc";
    net->pending_so = k->pending;
    net->src = src;
    net->compilations += k->hit ? 0 : 1;
    net->dirty = 0;
}

int rct_net_compile(rectic_net *net)
{
    if (!net->generic) /* a new first kernel: specialised for the powers of two among the values now */
        memcpy(net->spec_pow2, net->param_pow2, (size_t)net->model->n_param * sizeof(int));
    rct_emit_opts o = rct_net_emit_opts(net); /* computed once, here, for the kernel being built */
    return net->be->compile(net, &o);
}

int rct_cpu_compile(rectic_net *net, const rct_emit_opts *o)
{
    rct_symbol syms[RCT_MAX_SYMBOLS];
    double t00 = rct_now();
    rct_kernel_symbols(syms);
    double t0 = rct_now();
    char *src = rct_emit_c(net->model, o, &net->err);
    if (!src)
        return net->err.code;
    double t1 = rct_now();
    rct_cpu_kernel k;
    int rc = rct_cpu_kernel_build(net, src, syms, &k);
    if (rc) {
        free(src);
        return rc;
    }
    retire_kernel(net);
    rct_net_install_kernel(net, &k, src);
    net->timings.generate += t1 - t0; /* every compilation counts */
    net->timings.jit += rct_now() - t1 + (t0 - t00);
    net->err.code = 0;
    return 0;
}

void rct_net_poll_tiered(rectic_net *net)
{
    rct_cc_reap(&net->spawn_pid, 0);
    if (!net->pending_so || access(net->pending_so, F_OK) != 0)
        return;
    rct_cc *cc;
    void *fn;
    rct_err quiet; /* a damaged object is deleted and this run goes on with TinyCC's kernel */
    if (rct_cc_load(net->pending_so, "rectic_kernel", &cc, &fn, &quiet) == RCT_OBJ_OK) {
        net->cc = cc;
        net->kernel = fn; /* the TinyCC kernel stays loaded until the network is freed or recompiled */
        net->kernel_kind = "tcc, then cc";
        net->compilations++;
    }
    free(net->pending_so);
    net->pending_so = NULL;
}

int rct_net_init_values(rectic_net *net)
{
    const rct_model *m = net->model;
    long n = net->n;
    net->y = ralloc(net, (long)m->n_state * n);
    net->y0 = calloc((size_t)m->n_state * (size_t)n + 1, sizeof(double));
    net->alg = ralloc(net, (long)m->n_alg * n);
    net->coup = ralloc(net, (m->n_coup > 1 ? m->n_coup : 1) * n); /* one block of n per coupling slot */
    net->param_vector = calloc((size_t)m->n_param + 1, sizeof(int));
    net->param_pow2 = calloc((size_t)m->n_param + 1, sizeof(int));
    net->spec_pow2 = calloc((size_t)m->n_param + 1, sizeof(int));
    net->param_real = calloc((size_t)m->n_param + 1, sizeof(void *));
    if (!net->y || !net->y0 || !net->alg || !net->coup || !net->param_vector || !net->param_pow2 ||
        !net->spec_pow2 || !net->param_real)
        return rct_oom(&net->err);
    for (int s = 0; s < m->n_state; s++)
        for (long i = 0; i < n; i++)
            net->y0[s * n + i] = m->vars[m->state_var[s]].value;
    for (int p = 0; p < m->n_param; p++) {
        if (!(net->param_real[p] = ralloc(net, n)))
            return rct_oom(&net->err);
        for (long i = 0; i < n; i++)
            rct_rset(net, net->param_real[p], i, m->vars[m->param_var[p]].value);
    }
    refresh_pow2(net);
    if (m->target >= 0)
        for (long i = 0; i < n; i++)
            rct_rset(net, net->coup, i, m->vars[m->target].value);
    return rectic_net_reset(net);
}

int rectic_net_new(rectic_net **out, const rectic_spec *spec)
{
    if (!out)
        return RECTIC_EINVAL;
    rectic_net *net = calloc(1, sizeof *net);
    *out = net;
    if (!net)
        return RECTIC_ENOMEM;
    if (!spec)
        return rct_errf(&net->err, RECTIC_EINVAL, "no network description (NULL spec)");
    rectic_spec full;
    if (rct_spec_take(&full, spec, &net->err))
        return net->err.code;
    spec = &full;
    net->f32 = spec->dtype == RECTIC_FLOAT32;
    net->dt = spec->dt;
    net->threshold = spec->spike_threshold;
    net->reset = spec->spike_reset;
    int weights = (spec->weights != NULL) + (spec->weights_coo != NULL) + (spec->weights_file != NULL) +
                  (spec->weights_coo_file != NULL);
    net->min_weight = weights ? spec->min_weight : -1.0;
    net->sample_every = 1;
    net->cutoff = 0;
    net->check_finite = 1;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    net->threads = cpus > 0 ? (int)cpus : 1;
    net->max_memory = (size_t)1 << 30;
    net->backend = spec->backend;
    net->be = rct_backend_of(spec->backend);
    net->device = spec->device;
    if (!spec->template_ref || !*spec->template_ref)
        return rct_errf(&net->err, RECTIC_EINVAL, "no template given");
    if (!net->be)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.backend: expected tcc, cc, auto or nvrtc");
    if (spec->dtype != RECTIC_FLOAT64 && spec->dtype != RECTIC_FLOAT32)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.dtype: expected float64 or float32");
    if (!(spec->dt > 0) || !isfinite(spec->dt))
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.dt: the step size must be a positive number, got %g", spec->dt);
    if (!isfinite(spec->spike_threshold) || !isfinite(spec->spike_reset))
        return rct_errf(&net->err, RECTIC_EINVAL, "spike threshold and reset must be finite numbers");
    net->n = spec->n;
    int from_file = spec->weights_file || spec->weights_coo_file; /* n may come from the file */
    if (net->n <= 0 && !(from_file && net->n == 0))
        return rct_errf(&net->err, RECTIC_EINVAL, "the number of neurons must be positive (give weights or spec.n)");
    if (weights > 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "give dense weights or sparse weights, not both");
    if (spec->weights_coo && spec->nnz < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.weights_coo: a negative number of entries");
    double t0 = rct_now();
    int rc = load_model(net, spec, &net->model);
    if (rc)
        return rc;
    net->timings.load = rct_now() - t0;
    const rct_model *m = net->model;
    if (m->output < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.output_var is required (the variable recorded as 'out')");
    if (weights && m->source < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "weights given but no spec.source_var and spec.target_var to couple");
    if (!weights && m->source >= 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.source_var and spec.target_var given but no weights");
    if ((rc = rct_coupling_setup(net, spec)))
        return rc;
    if ((rc = rct_net_init_values(net)))
        return rc;
    if (spec->defer_compile)
        net->dirty = 1; /* the first run compiles, for the values set by then */
    else if ((rc = rct_net_compile(net)))
        return rc;
    net->err.code = 0;
    return 0;
}

void rectic_net_free(rectic_net *net)
{
    if (!net)
        return;
    rct_obs_clear(net);
    rct_subset_free(net);
    for (int k = 0; k < net->n_rec_vars; k++)
        free(net->rec_names[k]);
    free(net->rec_names);
    (net->be ? net->be : rct_backend_of(RECTIC_BACKEND_TCC))->free(net); /* its kernels, before the populations */
    rct_net_warnings_free(net);
    free(net->src);
    if (net->model && net->param_real)
        for (int p = 0; p < net->model->n_param; p++)
            free(net->param_real[p]);
    free(net->param_real);
    free(net->param_vector);
    free(net->param_pow2);
    free(net->spec_pow2);
    free(net->y);
    free(net->y0);
    free(net->alg);
    free(net->coup);
    rct_coupling_free(net);
    rct_pn_free(net->pn);
    rct_layers_free(net->layers);
    free(net->mean_acc);
    free(net->ckpt_path);
    free(net->rec_vars);
    rct_model_free(net->model);
    free(net);
}

void rct_cpu_free(rectic_net *net)
{
    rct_jit_free(net->jit);
    rct_cc_free(net->cc);
    net->jit = NULL;
    net->cc = NULL;
    slot_free(&net->spare);
    rct_cc_reap(&net->spawn_pid, 1); /* the shell that started a background compile (it returns at once) */
    free(net->pending_so);
    net->pending_so = NULL;
}

/* Finds a variable for the API (name forms of rct_model_find). */
static int find_var(rectic_net *net, const char *name, const char *what)
{
    if (!name || !*name) {
        rct_errf(&net->err, RECTIC_EINVAL, "%s: empty variable name", what);
        return -1;
    }
    return rct_model_find(net->model, name, NULL, what, &net->err);
}

int rectic_net_set(rectic_net *net, const char *name, const double *values, long count)
{
    if (!net)
        return RECTIC_EINVAL;
    if (net->pn)
        return rct_pn_set(net, name, values, count);
    char what[300];
    snprintf(what, sizeof what, "rectic_net_set %s", name ? name : "");
    int v = find_var(net, name, what);
    if (v < 0)
        return net->err.code;
    const rct_var *var = &net->model->vars[v];
    long n = net->n;
    if (count != 1 && count != n)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: expected 1 value or %ld (one per neuron), got %ld", what, n, count);
    for (long i = 0; i < count; i++)
        if (!isfinite(values[i]))
            return rct_errf(&net->err, RECTIC_EINVAL, "%s: value %ld is not a finite number", what, i);
    if (var->kind == RCT_VK_STATE) {
        for (long i = 0; i < n; i++) {
            double x = values[count == 1 ? 0 : i];
            net->y0[var->slot * n + i] = x;
            rct_rset(net, net->y, var->slot * n + i, x);
        }
        net->event_valid = 0; /* W @ source is recomputed from the new state */
    } else if (var->kind == RCT_VK_PARAM) {
        if (count == n && n > 1 && net->coupling_mode == RCT_COUP_EVENT && rct_model_event_param(net->model, v)) {
            for (long i = 1; i < n; i++)
                if (values[i] != values[0])
                    return rct_errf(&net->err, RECTIC_EINVAL, "%s: event-driven coupling needs one value of '%s' for all "
                                    "neurons (it is the decay or gain of %s in %s), got different values per neuron; "
                                    "use spec.coupling dense or sparse", what, var->name,
                                    net->model->vars[net->model->source].name,
                                    net->model->eq_text[net->model->vars[net->model->source].eq]);
            count = 1; /* n equal values: one shared value */
        }
        if (count == n && n > 1 && !net->param_vector[var->slot]) {
            net->param_vector[var->slot] = 1; /* the kernel must read it per neuron: a new specialised one */
            net->dirty = 1;
            net->generic = 0;
        }
        for (long i = 0; i < n; i++)
            rct_rset(net, net->param_real[var->slot], i, values[count == 1 ? 0 : i]);
        refresh_pow2(net);
        pick_kernel(net);
    } else {
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: '%s/%s' is %s: its value comes from %s", what, var->op,
                        var->name, rct_vkind_name(var->kind),
                        var->kind == RCT_VK_ALG ? "its equation" : "the network (input, coupling or spikes)");
    }
    net->err.code = 0;
    return 0;
}

int rectic_net_get(rectic_net *net, const char *name, double *out, long cap, long *count)
{
    if (!net)
        return RECTIC_EINVAL;
    if (net->pn)
        return rct_pn_get(net, name, out, cap, count);
    int v = find_var(net, name, "get");
    if (v < 0)
        return net->err.code;
    const rct_var *var = &net->model->vars[v];
    long n = net->n;
    const void *src = NULL;
    long len = n;
    switch (var->kind) {
    case RCT_VK_STATE: src = (const char *)net->y + (size_t)var->slot * (size_t)n * rct_rsize(net); break;
    case RCT_VK_ALG: src = (const char *)net->alg + (size_t)var->slot * (size_t)n * rct_rsize(net); break;
    case RCT_VK_COUPLING: src = net->coup; break;
    case RCT_VK_PARAM:
        src = net->param_real[var->slot];
        len = net->param_vector[var->slot] ? n : 1;
        break;
    default:
        return rct_errf(&net->err, RECTIC_EINVAL, "get: '%s' is %s and has no stored value", name,
                        rct_vkind_name(var->kind));
    }
    *count = len;
    if (cap < len)
        return rct_errf(&net->err, RECTIC_EINVAL, "get: '%s' has %ld values, the buffer holds %ld", name, len, cap);
    for (long i = 0; i < len; i++)
        out[i] = rct_rget(net, src, i);
    net->err.code = 0;
    return 0;
}

int rectic_net_reset(rectic_net *net)
{
    if (!net)
        return RECTIC_EINVAL;
    if (net->pn)
        return rct_pn_reset(net);
    const rct_model *m = net->model;
    for (long i = 0; i < (long)m->n_state * net->n; i++)
        rct_rset(net, net->y, i, net->y0[i]);
    rct_net_restart(net);
    net->err.code = 0;
    return 0;
}

void rct_net_restart(rectic_net *net)
{
    net->step_at = 0;
    net->mean_count = 0;
    if (net->mean_acc)
        memset(net->mean_acc, 0, sizeof(double) * (size_t)net->n);
    net->event_valid = 0;
}

/* Refuses a recording whose file would be one rectic writes itself or another recording's file. */
static int check_record_file(rectic_net *net, const char *name, const char *what, int keyed)
{
    char *file = rct_record_file_name(name), *other = NULL;
    if (!file)
        return rct_oom(&net->err);
    const char *holds = rct_reserved_file(file);
    int rc = 0;
    if (holds && keyed)
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: the key %s is reserved for %s (reserved names: out, time, meta, "
                                                "spikes*); choose another", what, name, holds);
    else if (holds)
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: its file %s.csv/.npy is reserved for %s (reserved names: out, "
                                                "time, meta, spikes*); record the variable under another spelling, "
                                                "e.g. OP/%s", what, file, holds, name);
    for (int k = 0; !rc && k < net->n_rec_vars; k++) {
        free(other);
        if (!(other = rct_record_file_name(net->rec_names[k])))
            rc = rct_oom(&net->err);
        else if (strcmp(other, file) == 0)
            rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: its file %s.csv/.npy is the file of rectic_net_record %s too; record "
                                                    "one of them only", what, file, net->rec_names[k]);
    }
    free(other);
    free(file);
    return rc;
}

int rct_net_record_key(rectic_net *net, const char *name, const char *key)
{
    char what[300];
    snprintf(what, sizeof what, "rectic_net_record %s", name ? name : "");
    int v = find_var(net, name, what);
    if (v < 0)
        return net->err.code;
    if (net->model->vars[v].kind == RCT_VK_SPIKE)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: spikes are recorded as (step, neuron) pairs: use rectic_net_record_spikes",
                        what);
    if (check_record_file(net, key ? key : name, what, key != NULL))
        return net->err.code;
    int *rv = realloc(net->rec_vars, (size_t)(net->n_rec_vars + 1) * sizeof *rv);
    char **rn = realloc(net->rec_names, (size_t)(net->n_rec_vars + 1) * sizeof *rn);
    rct_subset *rs = realloc(net->rec_sub, (size_t)(net->n_rec_vars + 1) * sizeof *rs);
    if (rv)
        net->rec_vars = rv;
    if (rn)
        net->rec_names = rn;
    if (rs)
        net->rec_sub = rs;
    if (!rv || !rn || !rs || !(net->rec_names[net->n_rec_vars] = rct_strdup(key ? key : name)))
        return rct_oom(&net->err);
    net->rec_sub[net->n_rec_vars] = (rct_subset){NULL, 0}; /* every neuron */
    net->rec_vars[net->n_rec_vars++] = v;
    net->err.code = 0;
    return 0;
}

int rectic_net_record(rectic_net *net, const char *name)
{
    if (!net)
        return RECTIC_EINVAL;
    return net->pn ? rectic_net_record_as(net, name, NULL) : rct_net_record_key(net, name, NULL);
}

int rectic_net_sampling(rectic_net *net, long sampling_steps, rectic_sampling mode, long cutoff)
{
    if (!net)
        return RECTIC_EINVAL;
    if (sampling_steps < 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_sampling: sampling_steps: expected a positive integer, got %ld", sampling_steps);
    if (mode != RECTIC_SAMPLE_PICK && mode != RECTIC_SAMPLE_MEAN)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_sampling: mode: expected pick or mean");
    if (cutoff < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_sampling: cutoff: expected a step number >= 0, got %ld", cutoff);
    net->sample_every = sampling_steps;
    net->sample_mode = mode;
    net->cutoff = cutoff;
    net->err.code = 0;
    return 0;
}

void rectic_net_on_progress(rectic_net *net, rectic_progress_fn fn, void *user)
{
    if (!net)
        return;
    net->progress = fn;
    net->progress_user = user;
}

void rectic_net_cancel_flag(rectic_net *net, volatile int *flag)
{
    if (!net)
        return;
    net->cancel = flag;
}

const char *rectic_net_source(const rectic_net *net)
{
    if (!net)
        return NULL;
    return net->src;
}

/* Generates the C or CUDA source for the network's current shapes, without compiling it. */
int rectic_net_emit(rectic_net *net, rectic_backend backend, char **text)
{
    if (!net)
        return RECTIC_EINVAL;
    if (net->pn) { /* the kernels of a network of populations: C or CUDA, whatever backend it runs on */
        *text = rct_pn_source(net, backend);
        if (!*text)
            return net->err.code ? net->err.code : rct_oom(&net->err);
        net->err.code = 0;
        return 0;
    }
    const rct_backend *be = rct_backend_of(backend);
    if (!be)
        return rct_errf(&net->err, RECTIC_EINVAL, "emit: unknown backend %d", (int)backend);
    rct_emit_opts o = rct_net_emit_opts(net); /* those of the kernel the next run compiles */
    *text = be->source(net->model, &o, &net->err);
    if (!*text)
        return net->err.code ? net->err.code : RECTIC_ENOMEM;
    net->err.code = 0;
    return 0;
}

int rectic_net_describe(rectic_net *net, char **text)
{
    if (!net)
        return RECTIC_EINVAL;
    if (net->pn)
        return rct_pn_describe(net, text);
    *text = rct_model_describe(net->model);
    return *text ? 0 : rct_oom(&net->err);
}

const char *rectic_net_equation(const rectic_net *net, int i)
{
    if (!net || !net->model || i < 0 || i >= net->model->n_eqs)
        return NULL;
    return net->model->eq_text[i];
}

int rectic_net_compilations(const rectic_net *net)
{
    if (!net)
        return 0;
    return net->compilations;
}

void rectic_net_timings(const rectic_net *net, rectic_timings *t)
{
    if (!t)
        return;
    if (!net) {
        memset(t, 0, sizeof *t);
        return;
    }
    *t = net->timings;
}

int rectic_describe_template(const rectic_spec *spec, char **text)
{
    rectic_net tmp;
    memset(&tmp, 0, sizeof tmp);
    rct_model *m = NULL;
    rct_last_error_clear();
    if (text)
        *text = NULL;
    if (!text || !spec)
        return rct_last_error_keep(&(rct_err){RECTIC_EINVAL, "describe_template: a spec and a place for the text "
                                                             "are required"});
    rectic_spec full;
    int rc = rct_spec_take(&full, spec, &tmp.err);
    if (!rc)
        rc = full.template_ref ? load_model(&tmp, &full, &m) : rct_errf(&tmp.err, RECTIC_EINVAL, "no template given");
    if (!rc && !(*text = rct_model_describe(m)))
        rc = rct_oom(&tmp.err);
    rct_model_free(m);
    return rc ? rct_last_error_keep(&tmp.err) : 0;
}

int rectic_list_templates(char **text)
{
    rct_err err = {0, ""};
    rct_last_error_clear();
    if (!text)
        return rct_last_error_keep(&(rct_err){RECTIC_EINVAL, "list_templates: a place for the text is required"});
    *text = NULL;
    rct_loader *L = rct_loader_new(&err);
    if (!L)
        return rct_last_error_keep(&err);
    int rc = rct_template_list(L, rct_builtin_template_dir(), text);
    rct_loader_free(L);
    return rc ? rct_last_error_keep(&err) : 0;
}

int rectic_net_standalone(rectic_net *net, rectic_format format, char **text)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!text)
        return rct_errf(&net->err, RECTIC_EINVAL, "standalone: no place for the text (NULL)");
    *text = NULL;
    if (net->pn) /* records chosen units of a variable too */
        return rct_pn_standalone(net, format, text);
    if (rct_subset_any(net))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_standalone: the program records whole variables and all spikes; "
                                                  "recording subsets of neurons is not available in it");
    const rct_model *m = net->model;
    double *state = calloc((size_t)m->n_state + 1, sizeof *state);
    double *param = calloc((size_t)m->n_param + 1, sizeof *param);
    char **files = calloc((size_t)net->n_rec_vars + 1, sizeof *files);
    long *w_at = NULL, w_nnz = 0;
    double *w_val = NULL;
    int rc = 0;
    if (!state || !param || !files) {
        rc = rct_oom(&net->err);
        goto done;
    }
    for (int s = 0; s < m->n_state; s++)
        state[s] = net->y0[(size_t)s * (size_t)net->n];
    for (int p = 0; p < m->n_param; p++)
        param[p] = rct_rget(net, net->param_real[p], 0);
    for (int k = 0; k < net->n_rec_vars; k++) {
        if (!(files[k] = rct_record_file_name(net->rec_names[k]))) {
            rc = rct_oom(&net->err);
            goto done;
        }
    }
    if (net->coupling_mode == RCT_COUP_EVENT) {
        rc = rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_standalone: event-driven coupling is not available in standalone "
                                                "sources (use spec.coupling auto, dense or sparse)");
        goto done;
    }
    if (net->has_coupling && (rc = rct_coupling_entries(net, &w_at, &w_val, &w_nnz))) /* sim.c carries them */
        goto done;
    rct_sa_settings st = {net->n, -1, net->dt, net->threshold, net->reset, net->min_weight, net->sample_every,
                          net->cutoff, net->sample_mode == RECTIC_SAMPLE_MEAN, format == RECTIC_FORMAT_NPY, state,
                          param, net->rec_vars, (const char *const *)files, (const char *const *)net->rec_names,
                          net->n_rec_vars, w_at, w_val, w_nnz};
    /* sparse rows sum the same terms in the same order as the inline loop (zeros add nothing) */
    rct_emit_opts o = rct_net_emit_opts(net);
    if (o.coupling_mode == RCT_COUP_CSR)
        o.coupling_mode = RCT_COUP_INLINE;
    o.fixed_n = 0; /* the program takes any number of neurons (--weights, -N) */
    o.param_pow2 = NULL; /* and any parameter values (name=value arguments) */
    *text = rct_emit_standalone(m, &o, &st, &net->err);
    if (!*text)
        rc = net->err.code;
done:
    for (int k = 0; files && k < net->n_rec_vars; k++)
        free(files[k]);
    free(files);
    free(state);
    free(param);
    free(w_at);
    free(w_val);
    if (!rc)
        net->err.code = 0;
    return rc;
}

void rectic_net_check_finite(rectic_net *net, int on)
{
    if (!net)
        return;
    net->check_finite = on != 0;
}

const char *rectic_net_backend(const rectic_net *net)
{
    if (!net)
        return NULL;
    return net->kernel_kind ? net->kernel_kind : "none";
}

void rectic_net_max_memory(rectic_net *net, size_t bytes)
{
    if (!net)
        return;
    net->max_memory = bytes ? bytes : 1;
}

int rectic_net_streamed(const rectic_net *net)
{
    if (!net)
        return 0;
    for (int p = 0; net->pn && p < net->pn->n_pops; p++) /* a network of populations: any of them */
        if (rectic_net_streamed(net->pn->pops[p]))
            return 1;
    return net->spill != NULL || net->spike_spill != NULL;
}

void rectic_net_threads(rectic_net *net, int threads)
{
    if (!net)
        return;
    net->threads = threads > 0 ? threads : 1;
}

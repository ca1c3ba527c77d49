/*
 * network.c -- the public network API of a network of one template: builds the model and its kernel
 * (through the backend table, backend.h), owns the state, parameters, weights and recordings, and frees it
 * all; set, get, reset and the kernel's source routed to popapi.c for a network of populations.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend.h"
#include "emit_standalone.h"
#include "ir.h"
#include "kdesc.h"
#include "layers.h"
#include "library.h"
#include "netvals.h"
#include "mpi_net.h"
#include "observer.h"
#include "popnet.h"
#include "record.h"
#include "rls.h"
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

int rct_net_compile(rectic_net *net)
{
    if (!net->generic) /* a new first kernel: specialised for the powers of two among the values now */
        memcpy(net->spec_pow2, net->param_pow2, (size_t)net->model->n_param * sizeof(int));
    rct_emit_opts o = rct_net_emit_opts(net); /* computed once, here, for the kernel being built */
    return net->be->compile(net, &o);
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
    if ((unsigned)spec->mpi_partition > RECTIC_MPI_PARTITION_SYNAPSES)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.mpi_partition: expected auto, units or synapses");
    if ((unsigned)spec->mpi_read > RECTIC_MPI_READ_SCATTER)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.mpi_read: expected stream or scatter");
    if (spec->mpi && (rc = rectic_net_use_mpi(net, 1))) /* before the weights: each rank reads its part */
        return rc;
    if ((rc = rct_coupling_setup(net, spec)))
        return rc;
    if (net->mpi && (rc = rct_mpi_keep_own_weights(net))) /* what was read whole (rct_mpi_parts) */
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

/* Frees a network of populations: the populations and projections. */
static void free_populations(rct_popnet *pn)
{
    if (!pn)
        return;
    for (int p = 0; p < pn->n_pops; p++) {
        rectic_net_free(pn->pops[p]);
        free(pn->names[p]);
    }
    for (int k = 0; k < pn->n_projs; k++) {
        rct_proj *j = &pn->projs[k];
        if (j->w_map)
            munmap(j->w_map, j->w_map_len);
        else
            free(j->w);
        free(j->csr_ptr);
        free(j->csr_col);
        free(j->csr_val);
        free(j->ring);
        free(j->tmp);
    }
    free(pn->pops);
    free(pn->names);
    free(pn->projs);
    free(pn->in_data);
    free(pn->in_rows);
    free(pn->in_cols);
    free(pn);
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
    free(net->mpi_bounds);
    rct_backend_release(net); /* its kernels, before the populations */
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
    free_populations(net->pn);
    rct_online_free(rct_online_of(net)); /* the layers hold it */
    rct_layers_free(net->layers);
    free(net->mean_acc);
    free(net->ckpt_path);
    free(net->rec_vars);
    rct_model_free(net->model);
    free(net);
}

int rectic_net_set(rectic_net *net, const char *name, const double *values, long count)
{
    if (!net)
        return RECTIC_EINVAL;
    return net->pn ? rct_pn_set(net, name, values, count) : rct_net_set_values(net, name, values, count);
}

int rectic_net_get(rectic_net *net, const char *name, double *out, long cap, long *count)
{
    if (!net)
        return RECTIC_EINVAL;
    return net->pn ? rct_pn_get(net, name, out, cap, count) : rct_net_get_values(net, name, out, cap, count);
}

int rectic_net_reset(rectic_net *net)
{
    if (!net)
        return RECTIC_EINVAL;
    return net->pn ? rct_pn_reset(net) : rct_net_reset_values(net);
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

/* The source of a network of populations' kernels for its current parameter shapes, for backend (C for
   any CPU backend, or CUDA), whatever backend it runs on; caller frees; NULL with net->err. */
static char *pn_source(rectic_net *net, int backend)
{
    rct_pn_desc d;
    if (rct_pn_desc_make(net, &d))
        return NULL;
    const rct_backend *be = rct_backend_of(backend);
    char *src = be ? be->pn_source(&d.o, &net->err) : NULL;
    if (!be)
        rct_errf(&net->err, RECTIC_EINVAL, "emit: unknown backend %d", backend);
    rct_pn_desc_free(&d);
    return src;
}

/* Generates the C or CUDA source for the network's current shapes, without compiling it. */
int rectic_net_emit(rectic_net *net, rectic_backend backend, char **text)
{
    if (!net)
        return RECTIC_EINVAL;
    if (net->pn) { /* the kernels of a network of populations: C or CUDA, whatever backend it runs on */
        *text = pn_source(net, backend);
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

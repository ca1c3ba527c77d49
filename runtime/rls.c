/*
 * rls.c -- the online readout: recursive least squares training of the readout while the network runs
 * (RectiPy's RLS edge, SEMANTICS §10) and FORCE feedback of the readout into the input variable (Sussillo &
 * Abbott 2009): the calls of include/rectic.h, the checks before a run, the work per step, and what the
 * run leaves (ŷ as the output "out", the errors, the trained W).  See rls.h.
 */
#include "rls.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "inpart.h"
#include "layers.h"
#include "mpi.h"
#include "mpi_net.h"
#include "observer.h"
#include "popnet.h"
#include "record.h"
#include "rls_kernel.h"

rct_online *rct_online_of(const rectic_net *net)
{
    return net->layers ? net->layers->online : NULL;
}

/* The network's online readout, created empty on first use (NULL when memory ran out, with net->err). */
static rct_online *online_get(rectic_net *net)
{
    rct_layers *L = rct_layers_get(net);
    if (!L)
        return NULL;
    if (!L->online) {
        L->online = calloc(1, sizeof *L->online);
        if (!L->online) {
            rct_oom(&net->err);
            return NULL;
        }
        L->online->prev_step = -1;
        L->online->fb_pop = -1;
    }
    return L->online;
}

void rct_online_free(rct_online *o)
{
    if (!o)
        return;
    free(o->P);
    free(o->px);
    free(o->fb);
    free(o->fb_row);
    free(o->prev);
    free(o->out);
    free(o->err);
    free(o);
}

int rectic_net_rls(rectic_net *net, const double *targets, long rows, long cols, double alpha, double beta,
                   long update_every, long train_steps)
{
    if (!net)
        return RECTIC_EINVAL;
    rct_online *o = online_get(net);
    if (!o)
        return net->err.code;
    if (!targets) { /* training off: the readout stays as it is */
        o->train = 0;
        o->targets = NULL;
        net->err.code = 0;
        return 0;
    }
    if (rows < 1 || cols < 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_rls: targets: a %ld x %ld matrix: expected T x k (row n = the target "
                                                  "of step n of a run, a column per output)", rows, cols);
    if (!(isfinite(alpha) && alpha > 0))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_rls: alpha: expected a number > 0 (P starts as alpha I), got %g", alpha);
    if (!(isfinite(beta) && beta > 0 && beta <= 1))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_rls: beta: expected a forgetting factor in (0, 1], got %g", beta);
    if (update_every < 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_rls: update_every: expected a whole number of steps >= 1, got %ld",
                        update_every);
    for (long i = 0; i < rows * cols; i++)
        if (!isfinite(targets[i]))
            return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_rls: targets: row %ld, column %ld is not a finite number", i / cols,
                            i % cols);
    o->train = 1;
    o->targets = targets;
    o->t_rows = rows;
    o->t_cols = cols;
    o->alpha = alpha;
    o->beta = beta;
    o->every = update_every;
    o->train_end = train_steps < 0 ? -1 : train_steps;
    free(o->P); /* training starts again: P = alpha I at the next run */
    o->P = NULL;
    o->p_n = 0;
    net->err.code = 0;
    return 0;
}

/* "E, I, ...": the populations of a network, those with an input variable only when inputs is set. */
static const char *pop_list(const rct_popnet *pn, int inputs, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (int p = 0; p < pn->n_pops && len < size; p++)
        if (!inputs || pn->pops[p]->model->input >= 0)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", pn->names[p]);
    return buf;
}

/* The population of a network of populations that receives the feedback: pop by name; without a name the
   input layer's population, else the one population with an input variable.  -1 with net's error when
   there is none or more than one. */
static int feedback_pop(rectic_net *net, const char *pop)
{
    const rct_popnet *pn = net->pn;
    char list[1024];
    if (pop) {
        int p = rct_pn_find(pn, pop, strlen(pop));
        if (p < 0)
            rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: unknown population '%s' (the network has %s)", pop,
                     pop_list(pn, 0, list, sizeof list));
        return p;
    }
    if (net->layers && net->layers->w_in)
        return net->layers->in_pop;
    int found = -1, count = 0;
    for (int p = 0; p < pn->n_pops; p++)
        if (pn->pops[p]->model->input >= 0)
            found = found < 0 ? p : found, count++;
    if (count == 0)
        rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: no population has an input variable to receive W_fb @ "
                                           "ŷ (give one an input: in the network file)");
    else if (count > 1)
        rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: populations %s have an input variable: name the one "
                                           "that receives W_fb @ ŷ (rectic_net_feedback_into(net, POP, ...))",
                 pop_list(pn, 1, list, sizeof list));
    return count == 1 ? found : -1;
}

int rectic_net_feedback_weights(rectic_net *net, const double *w, long rows, long cols)
{
    return rectic_net_feedback_into(net, NULL, w, rows, cols);
}

int rectic_net_feedback_into(rectic_net *net, const char *pop, const double *w, long rows, long cols)
{
    if (!net)
        return RECTIC_EINVAL;
    rct_online *o = online_get(net);
    if (!o)
        return net->err.code;
    if (!w) {
        free(o->fb);
        o->fb = NULL;
        o->fb_n = o->fb_k = 0;
        o->fb_pop = -1;
        net->err.code = 0;
        return 0;
    }
    if (!net->pn && pop && *pop)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: population '%s' given, but the network is one "
                                                  "template", pop);
    int p = net->pn ? feedback_pop(net, pop) : -1;
    if (net->pn && p < 0)
        return net->err.code;
    const rectic_net *target = p >= 0 ? net->pn->pops[p] : net;
    const char *of = p >= 0 ? " of population " : "", *name = p >= 0 ? net->pn->names[p] : "";
    if (!target->model || target->model->input < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: %s%s has no input variable to receive W_fb @ ŷ "
                                                  "(give %s)", p >= 0 ? "population " : "the network", name,
                        p >= 0 ? "it an input: in the network file" : "spec.input_var");
    if (rows != target->n || cols < 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: a %ld x %ld matrix: expected %ld x k (row i = "
                                                  "unit i%s%s, a column per output of the readout)", rows, cols,
                        target->n, of, name);
    for (long i = 0; i < rows * cols; i++)
        if (!isfinite(w[i]))
            return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: entry (%ld, %ld) is not a finite number",
                            i / cols, i % cols);
    double *copy = malloc(sizeof(double) * (size_t)(rows * cols));
    if (!copy)
        return rct_oom(&net->err);
    memcpy(copy, w, sizeof(double) * (size_t)(rows * cols));
    free(o->fb);
    free(o->fb_row); /* sized at the next run */
    o->fb_row = NULL;
    o->fb = copy;
    o->fb_n = rows;
    o->fb_k = cols;
    o->fb_pop = p;
    net->err.code = 0;
    return 0;
}

const char *rectic_net_feedback_population(const rectic_net *net)
{
    const rct_online *o = net ? rct_online_of(net) : NULL;
    return o && o->fb && o->fb_pop >= 0 && net->pn ? net->pn->names[o->fb_pop] : NULL;
}

int rct_online_per_step(const rectic_net *net)
{
    const rct_online *o = rct_online_of(net);
    return rct_online_on(o) && o->fb;
}

int rct_online_has_feedback(const rectic_net *net)
{
    const rct_online *o = rct_online_of(net);
    return o && o->fb;
}

/* Checks the readout before a run: a zero one of k x n when training starts without one; training needs it
   linear (identity, no intercept). */
static int check_readout(rectic_net *net, rct_online *o, long n)
{
    rct_layers *L = net->layers;
    if (!L->w_out && o->train) {
        double *zeros = calloc((size_t)(o->t_cols * n) + 1, sizeof(double));
        if (!zeros)
            return rct_oom(&net->err);
        int rc = rectic_net_readout(net, zeros, o->t_cols, n, RECTIC_ACT_IDENTITY);
        free(zeros);
        if (rc)
            return rc;
    }
    if (!L->w_out)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: feeds the readout back: give rectic_net_readout");
    if (L->ro_cols != n && L->ro_cols != n + 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_readout: %ld columns, but the output records %ld neurons",
                        L->ro_cols, n);
    if (o->train && (L->ro_cols != n || L->act != RECTIC_ACT_IDENTITY))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_readout: RLS trains a linear readout: k x %ld weights "
                                                  "without an intercept and the identity activation", n);
    if (o->train && L->ro_k != o->t_cols)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_rls: targets: %ld columns, but the readout has %ld outputs (its rows)",
                        o->t_cols, L->ro_k);
    if (o->fb && o->fb_k != L->ro_k)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: %ld columns, but the readout has %ld outputs "
                                                  "(one column per output)", o->fb_k, L->ro_k);
    return 0;
}

/* Checks that the output is recorded at every step of the run, from its first. */
static int check_recording(rectic_net *net)
{
    if (net->sample_every != 1 || net->sample_mode == RECTIC_SAMPLE_MEAN)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_sampling: sampling_steps: the online readout needs the output of every "
                                                  "step (sampling 1, mode pick)");
    if (net->cutoff > net->step_at)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_sampling: cutoff %ld: the online readout needs the output of every step of "
                                                  "the run, from step %ld", net->cutoff, net->step_at);
    if (!net->be->online)
        return rct_errf(&net->err, RECTIC_EINVAL, "the online readout (RLS training, feedback) runs on the CPU only");
    return 0;
}

/* P = alpha I (n x n) unless P of that size carries on from the last run or a loaded state. */
static int start_p(rectic_net *net, rct_online *o, long n)
{
    if (o->P && o->p_n == n)
        return 0;
    free(o->P);
    o->P = calloc((size_t)(n * n) + 1, sizeof(double));
    if (!o->P)
        return rct_errf(&net->err, RECTIC_ENOMEM, "RLS: P (%ld x %ld) does not fit in memory", n, n);
    for (long i = 0; i < n; i++)
        o->P[i * n + i] = o->alpha;
    o->p_n = n;
    return 0;
}

/* Grows *buf to hold rows x k values. */
static int room(rectic_net *net, double **buf, long *cap, long rows, long k)
{
    if (rows <= *cap)
        return 0;
    double *b = realloc(*buf, sizeof(double) * (size_t)(rows * k) + 1);
    if (!b)
        return rct_oom(&net->err);
    *buf = b;
    *cap = rows;
    return 0;
}

int rct_online_begin(rectic_net *net, long steps)
{
    rct_online *o = rct_online_of(net);
    if (!o || (!o->train && !o->fb))
        return 0;
    o->on = 0;
    rectic_net *h = rct_layers_out_holder(net);
    if (!h)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: the network has no output to read out (give spec.output_var)",
                        o->train ? "RLS" : "rectic_net_feedback_weights");
    int rc = check_recording(net);
    long n = rct_obs_width(h, 0);
    if (rc || (rc = check_readout(net, o, n)))
        return rc;
    long k = net->layers->ro_k;
    if (o->train && o->t_rows < steps)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_rls: targets: %ld rows, but the run has %ld steps (one target row per "
                                                  "step)", o->t_rows, steps);
    long fed = o->fb_pop >= 0 && net->pn ? net->pn->pops[o->fb_pop]->n : net->n;
    if (o->fb && o->fb_n != fed)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_feedback_weights: %ld rows, expected %ld (one per neuron)", o->fb_n,
                        fed);
    if (o->fb && net->pn && !o->fb_row && !(o->fb_row = malloc(sizeof(double) * (size_t)fed + 1)))
        return rct_oom(&net->err);
    if (o->train && (rc = start_p(net, o, n)))
        return rc;
    if (o->train) {
        double *px = realloc(o->px, sizeof(double) * (size_t)n + 1);
        if (!px)
            return rct_oom(&net->err);
        o->px = px;
    }
    if (o->prev_k != k) { /* ŷ of the step before: none of this readout's shape */
        free(o->prev);
        if (!(o->prev = calloc((size_t)k + 1, sizeof(double))))
            return rct_oom(&net->err);
        o->prev_k = k;
        o->prev_step = -1;
    }
    o->out_rows = o->err_rows = 0;
    long updates = o->train ? steps / o->every + 1 : 0;
    if ((rc = room(net, &o->out, &o->out_cap, steps, k)) || (rc = room(net, &o->err, &o->err_cap, updates, k)))
        return rc;
    o->k = k;
    o->n = n;
    o->first = o->next = net->step_at;
    o->se[0] = o->se[1] = 0;
    o->se_rows[0] = o->se_rows[1] = 0;
    o->on = 1;
    return 0;
}

/* One RLS update with x (n values), the prediction yhat and the target t (k values each). */
static void update(rct_online *o, double *w, const double *x, const double *yhat, const double *t)
{
    const long n = o->n, k = o->k;
    double *e = o->err + o->err_rows * k, *px = o->px, *P = o->P;
    o->err_rows++;
    for (long c = 0; c < k; c++)
        e[c] = t[c] - yhat[c];
    rct_rls_sym_times(P, x, px, n);
    double q = 0;
    for (long j = 0; j < n; j++)
        q += x[j] * px[j];
    double denom = o->beta + q;
    for (long i = 0; i < n; i++) /* (P - k (xᵀP)) / beta, k = P x / denom: the upper triangle */
        rct_rls_row_update(P + i * n + i, px + i, n - i, -1.0 / denom * px[i], o->beta);
    for (long j = 0; j < n; j++) /* the updated P times x is k */
        px[j] /= denom;
    for (long c = 0; c < k; c++)
        for (long j = 0; j < n; j++)
            w[c * n + j] += e[c] * px[j];
}

/* Is every one of the n values finite? */
static int finite_row(const double *x, long n)
{
    for (long j = 0; j < n; j++)
        if (!isfinite(x[j]))
            return 0;
    return 1;
}

/* Step `step` with output row x: ŷ = W x (the readout of layers.c), its error against the target, the
   update on an update step. */
static void process(rectic_net *net, rct_online *o, const double *x, long step)
{
    rct_layers *L = net->layers;
    const long k = o->k;
    double *yhat = o->out + (step - o->first) * k;
    rct_layers_readout_row(L, x, o->n, yhat);
    o->out_rows = step - o->first + 1;
    if (o->train) {
        const double *t = o->targets + (step - o->first) * k;
        int after = o->train_end >= 0 && step >= o->train_end;
        for (long c = 0; c < k; c++)
            o->se[after] += (t[c] - yhat[c]) * (t[c] - yhat[c]);
        o->se_rows[after]++;
        if (!after && step % o->every == 0 && finite_row(x, o->n))
            update(o, L->w_out, x, yhat, t);
    }
    memcpy(o->prev, yhat, sizeof(double) * (size_t)k);
    o->prev_step = step;
}

/* Under MPI on several ranks: rows first .. first+count-1 of the output holder h's recording 0 are right
   on the owners of their columns only; every rank takes the others' columns, so that all run the same
   readout and updates on the same rows (one process's bits on every rank). */
static int share_rows(rectic_net *net, rct_online *o, rectic_net *h, long first, long count)
{
    if (!net->mpi || rct_mpi_size(net->mpi) < 2 || count < 1)
        return 0;
    long width = rct_obs_width(h, 0);
    return rct_mpi_share_columns(net, h, h->rec_data[0] + first * width, count, width, h->out_sub.idx,
                                 &o->mpi_bytes);
}

int rct_online_rows(rectic_net *net, long row_end, long count, long step_end)
{
    rct_online *o = net->layers->online;
    rectic_net *h = rct_layers_out_holder(net);
    long done = o->next - (step_end - count); /* the steps of the block handed over already */
    done = done < 0 ? 0 : done > count ? count : done;
    int rc = share_rows(net, o, h, row_end - count + done, count - done);
    if (rc)
        return rc;
    for (long i = done; i < count; i++) {
        long step = step_end - count + i;
        if (step < o->next) /* done already (the runtime hands each step over once) */
            continue;
        process(net, o, h->rec_data[0] + (row_end - count + i) * o->n, step);
        o->next = step + 1;
    }
    return 0;
}

void rct_online_feedback(const rectic_net *net, long step, double *row)
{
    const rct_online *o = rct_online_of(net);
    if (!o || !o->fb || o->prev_step != step - 1 || o->prev_step < 0)
        return;
    const long k = o->fb_k;
    long lo, hi; /* the units this rank updates: all, or its block under MPI */
    rct_mpi_net_range(net, o->fb_pop >= 0 && net->pn ? net->pn->pops[o->fb_pop] : net, &lo, &hi);
    for (long i = lo; i < hi && i < o->fb_n; i++) {
        double acc = 0;
        for (long c = 0; c < k; c++)
            acc += o->fb[i * k + c] * o->prev[c];
        row[i] += acc;
    }
}

int rct_online_feeds(const rectic_net *net, int p)
{
    const rct_online *o = rct_online_of(net);
    return rct_online_on(o) && o->fb && o->fb_pop == p;
}

void rct_online_pop_input(const rectic_net *net, int p, long start, void *dst)
{
    const rct_popnet *pn = net->pn;
    const rct_online *o = net->layers->online;
    double *row = o->fb_row;
    const long n = o->fb_n, cols = pn->in_cols[p];
    long lo = 0, hi = cols; /* under MPI a column per unit: this rank's units lo .. hi-1 only (inpart.h) */
    int part = pn->in_data[p] && rct_inpart_own(net, p, cols, &lo, &hi);
    const double *x = pn->in_data[p] ? pn->in_data[p] + start * (hi - lo) : NULL;
    if (!x || part) /* (the other ranks' units: never read) */
        memset(row, 0, sizeof(double) * (size_t)n);
    if (part)
        rct_inpart_row(pn->in_data[p], start, lo, hi, row, 0);
    else if (x && rct_layers_input_cols(net, p))
        rct_layers_project(net, x, row, 0);
    else if (x)
        for (long i = 0; i < n; i++) /* one value per unit, or one for all */
            row[i] = x[cols == 1 ? 0 : i];
    rct_online_feedback(net, net->run_first + start, row);
    for (long i = 0; i < n; i++) /* in the network's type, as cpu_run.c's rows */
        if (net->f32)
            ((float *)dst)[i] = (float)row[i];
        else
            ((double *)dst)[i] = row[i];
}

int rct_online_end(rectic_net *net, double **data, long *rows, long *k)
{
    rct_online *o = rct_online_of(net);
    if (!rct_online_on(o))
        return 0;
    o->on = 0;
    *data = o->out;
    *rows = o->out_rows;
    *k = o->k;
    o->out = NULL;
    o->out_cap = 0;
    rct_layers *L = net->layers;
    if (o->train) { /* the trained readout, as a fit's */
        size_t bytes = sizeof(double) * (size_t)(L->ro_k * L->ro_cols);
        if (!(L->fit_w = malloc(bytes + 1))) {
            rct_oom(&net->err);
            return -1;
        }
        memcpy(L->fit_w, L->w_out, bytes);
        L->fit_k = L->ro_k;
        L->fit_cols = L->ro_cols;
    }
    return 1;
}

int rct_readout_after_run(rectic_net *net)
{
    rct_layers *L = net->layers;
    if (!L)
        return 0;
    rct_layers_forget(L);
    double *online;
    long online_rows, online_k;
    int on = rct_online_end(net, &online, &online_rows, &online_k); /* ŷ computed during the run */
    if (on) {
        L->ro_data = online;
        L->ro_rows = online_rows;
        return on < 0 ? net->err.code : 0;
    }
    return rct_layers_apply_readout(net);
}

double rct_online_mpi_bytes(const rectic_net *net)
{
    const rct_online *o = net ? rct_online_of(net) : NULL;
    return o ? o->mpi_bytes : 0;
}

int rectic_net_rls_errors(rectic_net *net, long *rows, long *cols, const double **e)
{
    if (!net)
        return RECTIC_EINVAL;
    const rct_online *o = rct_online_of(net);
    if (!o || !o->train || !o->err)
        return rct_errf(&net->err, RECTIC_EINVAL, "RLS: no training run yet (rectic_net_rls, then a run)");
    if (rows)
        *rows = o->err_rows;
    if (cols)
        *cols = o->k;
    if (e)
        *e = o->err;
    net->err.code = 0;
    return 0;
}

int rectic_net_rls_mse(rectic_net *net, double mse[2], long steps[2])
{
    if (!net)
        return RECTIC_EINVAL;
    const rct_online *o = rct_online_of(net);
    if (!o || !o->train || !o->err || !mse)
        return rct_errf(&net->err, RECTIC_EINVAL, "RLS: no training run yet (rectic_net_rls, then a run)");
    for (int a = 0; a < 2; a++) {
        mse[a] = o->se_rows[a] ? o->se[a] / ((double)o->se_rows[a] * (double)o->k) : NAN;
        if (steps)
            steps[a] = o->se_rows[a];
    }
    net->err.code = 0;
    return 0;
}

int rct_online_save_view(rectic_net *net, double **p_full, const double **w, long *k, long *n, const double **prev,
                         long *prev_k)
{
    *p_full = NULL;
    *w = *prev = NULL;
    const rct_online *o = rct_online_of(net);
    const rct_layers *L = net->layers;
    if (o && o->train && o->P && L->w_out && L->ro_cols == o->p_n) {
        long m = o->p_n;
        double *full = malloc(sizeof(double) * (size_t)(m * m) + 1);
        if (!full)
            return rct_oom(&net->err);
        for (long i = 0; i < m; i++)
            for (long j = 0; j < m; j++)
                full[i * m + j] = j >= i ? o->P[i * m + j] : o->P[j * m + i];
        *p_full = full;
        *w = L->w_out;
        *k = L->ro_k;
        *n = m;
    }
    if (o && o->prev && o->prev_step >= 0 && o->prev_step == net->step_at - 1) {
        *prev = o->prev;
        *prev_k = o->prev_k;
    }
    return 0;
}

int rct_online_load(rectic_net *net, const char *path, const double *p_full, long p_n, const double *w, long k,
                    long n, const double *prev, long prev_k, long at)
{
    rct_online *o = rct_online_of(net);
    if (!o) /* nothing trains or feeds back here: the saved readout state is not used */
        return 0;
    const rectic_net *h = rct_layers_out_holder(net);
    long width = h ? rct_obs_width(h, 0) : 0;
    int take_p = o->train && p_full;
    if (take_p && (p_n != width || n != width || (o->t_cols && k != o->t_cols)))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_load_state %s: rls/P is %ld x %ld and rls/W %ld x %ld, but this "
                                                  "readout reads %ld outputs into %ld columns", path, p_n, p_n, k, n,
                        width, o->t_cols);
    if (take_p) {
        double *copy = malloc(sizeof(double) * (size_t)(p_n * p_n) + 1);
        if (!copy)
            return rct_oom(&net->err);
        memcpy(copy, p_full, sizeof(double) * (size_t)(p_n * p_n));
        int rc = rectic_net_readout(net, w, k, n, RECTIC_ACT_IDENTITY);
        if (rc) {
            free(copy);
            return rc;
        }
        free(o->P);
        o->P = copy;
        o->p_n = p_n;
    }
    if (prev && o->fb) {
        double *copy = malloc(sizeof(double) * (size_t)prev_k + 1);
        if (!copy)
            return rct_oom(&net->err);
        memcpy(copy, prev, sizeof(double) * (size_t)prev_k);
        free(o->prev);
        o->prev = copy;
        o->prev_k = prev_k;
        o->prev_step = at - 1;
    }
    return 0;
}

/*
 * layers.c -- the input layer (W_in @ x_n into the input variable) and the readout (out = act(W_out @ y_n
 * (+ b)) from the pre-update output), as RectiPy's graph computes them (SEMANTICS §10), and the error
 * measures of outputs against targets.
 */
#include "layers.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io_file.h"
#include "mpi_rec.h"
#include "netspec.h"
#include "observer.h"
#include "popnet.h"
#include "record.h"

rct_layers *rct_layers_get(rectic_net *net)
{
    if (!net->layers) {
        net->layers = calloc(1, sizeof *net->layers);
        if (!net->layers) {
            rct_oom(&net->err);
            return NULL;
        }
        net->layers->in_pop = -1;
    }
    return net->layers;
}

void rct_layers_forget(rct_layers *L)
{
    free(L->ro_data);
    L->ro_data = NULL;
    if (L->ro_spill)
        fclose(L->ro_spill);
    L->ro_spill = NULL;
    L->ro_rows = 0;
    free(L->fit_w);
    free(L->y_fit);
    L->fit_w = L->y_fit = NULL;
    L->fit_k = L->fit_cols = L->fit_rows = 0;
}

void rct_layers_free(rct_layers *L)
{
    if (!L)
        return;
    rct_layers_forget(L);
    free(L->w_in);
    free(L->w_out);
    free(L->mse);
    free(L->nrmse);
    free(L);
}

rectic_net *rct_layers_out_holder(rectic_net *net)
{
    if (!net->pn)
        return net->model && net->model->output >= 0 ? net : NULL;
    return net->pn->out_pop >= 0 ? net->pn->pops[net->pn->out_pop] : NULL;
}

/* Are all count values finite?  The index of the first that is not, or -1. */
static long first_nonfinite(const double *w, long count)
{
    for (long i = 0; i < count; i++)
        if (!isfinite(w[i]))
            return i;
    return -1;
}

/* A copy of rows x cols weights for flag, every entry finite; NULL with net's error filled. */
static double *finite_copy(rectic_net *net, const char *flag, const double *w, long rows, long cols)
{
    long bad = first_nonfinite(w, rows * cols);
    if (bad >= 0) {
        rct_errf(&net->err, RECTIC_EINVAL, "%s: entry (%ld, %ld) is not a finite number", flag, bad / cols, bad % cols);
        return NULL;
    }
    double *copy = malloc(sizeof(double) * (size_t)(rows * cols));
    if (!copy)
        rct_oom(&net->err);
    else
        memcpy(copy, w, sizeof(double) * (size_t)(rows * cols));
    return copy;
}

int rectic_net_input_weights(rectic_net *net, const char *pop, const double *w, long rows, long cols)
{
    if (!net)
        return RECTIC_EINVAL;
    rct_layers *L = rct_layers_get(net);
    if (!L)
        return net->err.code;
    const rectic_net *target = net;
    int p = -1;
    if (net->pn) {
        p = pop ? rct_pn_find(net->pn, pop, strlen(pop)) : -1;
        if (p < 0)
            return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_input_weights: unknown population '%s' (the population whose "
                                                      "input variable receives W_in @ x)", pop ? pop : "(null)");
        target = net->pn->pops[p];
    } else if (pop && *pop) {
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_input_weights: population '%s' given, but the network is one "
                                                  "template (give NULL)", pop);
    }
    if (!w) {
        free(L->w_in);
        L->w_in = NULL;
        L->in_n = L->in_m = 0;
        L->in_pop = -1;
        net->err.code = 0;
        return 0;
    }
    if (target->model->input < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_input_weights: %s%s has no input variable to receive W_in @ x "
                                                  "(give spec.input_var)", p >= 0 ? "population " : "the network",
                        p >= 0 ? net->pn->names[p] : "");
    if (rows != target->n || cols < 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_input_weights: a %ld x %ld matrix: expected %ld rows (one per "
                                                  "neuron%s%s, row i = target neuron i) and a column per input",
                        rows, cols, target->n, p >= 0 ? " of " : "", p >= 0 ? net->pn->names[p] : "");
    double *copy = finite_copy(net, "rectic_net_input_weights", w, rows, cols);
    if (!copy)
        return net->err.code;
    free(L->w_in);
    L->w_in = copy;
    L->in_n = rows;
    L->in_m = cols;
    L->in_pop = p;
    net->err.code = 0;
    return 0;
}

int rectic_net_readout(rectic_net *net, const double *w, long rows, long cols, rectic_activation act)
{
    if (!net)
        return RECTIC_EINVAL;
    rct_layers *L = rct_layers_get(net);
    if (!L)
        return net->err.code;
    if ((int)act < RECTIC_ACT_IDENTITY || (int)act > RECTIC_ACT_LOG_SOFTMAX)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_readout: act: unknown activation %d", (int)act);
    if (!w) {
        free(L->w_out);
        L->w_out = NULL;
        L->ro_k = L->ro_cols = 0;
        net->err.code = 0;
        return 0;
    }
    const rectic_net *holder = rct_layers_out_holder(net);
    if (!holder)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_readout: the network has no output to read out (%s)",
                        net->pn ? "record a population's variable as \"out\": spec.output_var POP/VAR, or the readout's "
                                  "source" : "give spec.output_var");
    long n = rct_obs_width(holder, 0); /* the output's neurons (all, or a subset) */
    if (rows < 1 || (cols != n && cols != n + 1))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_readout: a %ld x %ld matrix: expected k x %ld (row i = "
                                                  "output i, a column per neuron of the output) or k x %ld (the "
                                                  "intercept as the last column)", rows, cols, n, n + 1);
    double *copy = finite_copy(net, "rectic_net_readout", w, rows, cols);
    if (!copy)
        return net->err.code;
    free(L->w_out);
    L->w_out = copy;
    L->ro_k = rows;
    L->ro_cols = cols;
    L->act = (int)act;
    net->err.code = 0;
    return 0;
}

int rectic_activation_find(const char *name)
{
    static const char *const names[] = {"identity", "tanh", "sigmoid", "softmax", "softmin", "log_softmax"};
    for (int k = 0; name && k < (int)(sizeof names / sizeof names[0]); k++)
        if (strcmp(name, names[k]) == 0)
            return k;
    return -1;
}

int rct_layers_has_input(const rectic_net *net)
{
    return net->layers && net->layers->w_in;
}

int rct_layers_check_input(rectic_net *net, long cols)
{
    const rct_layers *L = net->layers;
    if (!L || !L->w_in || cols == 0)
        return 0;
    if (cols != L->in_m)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_run: inputs: %ld columns, but rectic_net_input_weights has %ld (one per input: "
                                                  "the input variable receives W_in @ x_n)", cols, L->in_m);
    return 0;
}

long rct_layers_input_cols(const rectic_net *net, int p)
{
    const rct_layers *L = net->layers;
    return L && L->w_in && L->in_pop == p ? L->in_m : 0;
}

int rct_layers_from_netspec(rectic_net *net, const rectic_netspec *ns)
{
    const rct_netlayer *in = &ns->input_layer, *ro = &ns->readout;
    char where[4200];
    if (in->present && rectic_net_input_weights(net, ns->pops[in->pop].name, in->w, in->rows, in->cols)) {
        rct_netspec_where(ns, in->at, where, sizeof where);
        return rct_errf(&net->err, net->err.code, "%sinput_layer: %.1800s", where, net->err.msg);
    }
    if (ro->present && (rectic_net_record_as(net, ro->path, "out") ||
                        rectic_net_readout(net, ro->w, ro->rows, ro->cols, (rectic_activation)ro->act))) {
        rct_netspec_where(ns, ro->at, where, sizeof where);
        return rct_errf(&net->err, net->err.code, "%sreadout: %.1800s", where, net->err.msg);
    }
    return 0;
}

void rct_layers_project(const rectic_net *net, const double *x, void *row, int as_float)
{
    const rct_layers *L = net->layers;
    const long m = L->in_m;
    for (long i = 0; i < L->in_n; i++) {
        const double *w = L->w_in + i * m;
        double acc = 0;
        for (long j = 0; j < m; j++)
            acc += w[j] * x[j];
        if (as_float)
            ((float *)row)[i] = (float)acc;
        else
            ((double *)row)[i] = acc;
    }
}

/* z (k values) = act(w_out @ y (+ b)): the sums in column order, the intercept added last; softmax,
   softmin and log_softmax over the k values, shifted by their largest as torch does. */
void rct_layers_readout_row(const rct_layers *L, const double *y, long n, double *z)
{
    const long k = L->ro_k, cols = L->ro_cols;
    for (long i = 0; i < k; i++) {
        const double *w = L->w_out + i * cols;
        double acc = 0;
        for (long j = 0; j < n; j++)
            acc += w[j] * y[j];
        if (cols == n + 1)
            acc += w[n];
        z[i] = acc;
    }
    switch (L->act) {
    case RECTIC_ACT_TANH:
        for (long i = 0; i < k; i++)
            z[i] = tanh(z[i]);
        break;
    case RECTIC_ACT_SIGMOID:
        for (long i = 0; i < k; i++)
            z[i] = 1 / (1 + exp(-z[i]));
        break;
    case RECTIC_ACT_SOFTMAX:
    case RECTIC_ACT_SOFTMIN:
    case RECTIC_ACT_LOG_SOFTMAX: {
        if (L->act == RECTIC_ACT_SOFTMIN)
            for (long i = 0; i < k; i++)
                z[i] = -z[i];
        double top = z[0], sum = 0;
        for (long i = 1; i < k; i++)
            if (z[i] > top)
                top = z[i];
        for (long i = 0; i < k; i++)
            sum += exp(z[i] - top);
        if (L->act == RECTIC_ACT_LOG_SOFTMAX) {
            double lse = log(sum);
            for (long i = 0; i < k; i++)
                z[i] = z[i] - top - lse;
        } else {
            for (long i = 0; i < k; i++)
                z[i] = exp(z[i] - top) / sum;
        }
        break;
    }
    default:
        break;
    }
}

#define SPILL_ROWS 4096L /* rows read back at a time from a streamed recording */

int rct_layers_apply_readout(rectic_net *net)
{
    rct_layers *L = net->layers;
    rectic_net *h = rct_layers_out_holder(net);
    if (!L->w_out || !h || h->n_rec_data == 0 || rct_mpi_rec_partial(h)) /* MPI: rank 0 holds the output */
        return 0;
    long rows = net->steps_done == 0 ? 0 : rct_obs_run_rows(net, net->steps_done);
    long n = rct_obs_width(h, 0), k = L->ro_k;
    if (L->ro_cols != n && L->ro_cols != n + 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_readout: %ld columns, but the output records %ld neurons "
                                                  "(a subset chosen after the readout?)", L->ro_cols, n);
    if (!h->spill) {
        L->ro_data = malloc(sizeof(double) * (size_t)(rows * k) + 1);
        if (!L->ro_data)
            return rct_oom(&net->err);
        for (long r = 0; r < rows; r++)
            rct_layers_readout_row(L, h->rec_data[0] + r * n, n, L->ro_data + r * k);
        L->ro_rows = rows;
        return 0;
    }
    /* streamed: the output's rows from its spill file, the readout's into one of its own */
    double *in = malloc(sizeof(double) * (size_t)(SPILL_ROWS * n)), *out = malloc(sizeof(double) * (size_t)(SPILL_ROWS * k));
    int rc = !in || !out ? rct_oom(&net->err) : 0;
    if (!rc && (!(L->ro_spill = tmpfile()) || fseek(h->spill[0], 0, SEEK_SET) != 0))
        rc = rct_errf(&net->err, RECTIC_EIO, "the readout of streamed recordings: a temporary file: %s", strerror(errno));
    for (long r = 0; !rc && r < rows; r += SPILL_ROWS) {
        long count = rows - r < SPILL_ROWS ? rows - r : SPILL_ROWS;
        if (fread(in, sizeof(double) * (size_t)n, (size_t)count, h->spill[0]) != (size_t)count) {
            rc = rct_errf(&net->err, RECTIC_EIO, "the readout of streamed recordings: rereading them failed");
            break;
        }
        for (long i = 0; i < count; i++)
            rct_layers_readout_row(L, in + i * n, n, out + i * k);
        if (fwrite(out, sizeof(double) * (size_t)k, (size_t)count, L->ro_spill) != (size_t)count)
            rc = rct_errf(&net->err, RECTIC_EIO, "the readout of streamed recordings: writing a temporary file: %s",
                          strerror(errno));
    }
    free(in);
    free(out);
    L->ro_rows = rc ? 0 : rows;
    return rc;
}

int rct_layers_out(const rectic_net *net, long *rows, long *cols, const double **data, FILE **spill)
{
    const rct_layers *L = net->layers;
    if (!L || !L->w_out || (!L->ro_data && !L->ro_spill))
        return 0;
    *rows = L->ro_rows;
    *cols = L->ro_k;
    *data = L->ro_data;
    *spill = L->ro_spill;
    return 1;
}

int rct_layers_raw_out(rectic_net *net, long *rows, long *n, double **x, int *owned)
{
    rectic_net *h = rct_layers_out_holder(net);
    if (!h)
        return rct_errf(&net->err, RECTIC_EINVAL, "the network has no output (the X of a fit)");
    if (h->n_rec_data == 0 || net->steps_done == 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "no run yet: run the network over the training inputs first");
    if (rct_mpi_rec_partial(h))
        return rct_errf(&net->err, RECTIC_EINVAL, "MPI: this rank recorded only the columns of its own units; rank 0 "
                                                  "holds the output to fit");
    *rows = rct_obs_run_rows(net, net->steps_done);
    *n = rct_obs_width(h, 0);
    *owned = 0;
    if (!h->spill) {
        *x = h->rec_data[0];
        return 0;
    }
    size_t count = (size_t)*rows * (size_t)*n;
    double *buf = malloc(sizeof(double) * count + 1);
    if (!buf)
        return rct_errf(&net->err, RECTIC_ENOMEM, "the recorded outputs (%ld x %ld, streamed to disk) do not fit in "
                                                  "memory", *rows, *n);
    if (fseek(h->spill[0], 0, SEEK_SET) != 0 || fread(buf, sizeof(double), count, h->spill[0]) != count) {
        free(buf);
        return rct_errf(&net->err, RECTIC_EIO, "rereading the streamed recordings failed");
    }
    *x = buf;
    *owned = 1;
    return 0;
}

int rct_layers_score(rectic_net *net, const double *y, const double *t, const long *at, long rows, long k,
                     rectic_score *score)
{
    rct_layers *L = rct_layers_get(net);
    if (!L)
        return net->err.code;
    double *mse = malloc(sizeof(double) * (size_t)k + 1), *nrmse = malloc(sizeof(double) * (size_t)k + 1);
    if (!mse || !nrmse) {
        free(mse);
        free(nrmse);
        return rct_oom(&net->err);
    }
    double mse_sum = 0, nrmse_sum = 0;
    for (long c = 0; c < k; c++) {
        double se = 0, mean = 0, var = 0;
        for (long r = 0; r < rows; r++) {
            const double *tr = t + (at ? at[r] : r) * k;
            double e = y[r * k + c] - tr[c];
            se += e * e;
            mean += tr[c];
        }
        mean /= (double)rows;
        for (long r = 0; r < rows; r++) {
            double d = t[(at ? at[r] : r) * k + c] - mean;
            var += d * d;
        }
        mse[c] = se / (double)rows;
        var /= (double)rows;
        nrmse[c] = var > 0 ? sqrt(mse[c] / var) : NAN;
        mse_sum += mse[c];
        nrmse_sum += nrmse[c];
    }
    free(L->mse);
    free(L->nrmse);
    L->mse = mse;
    L->nrmse = nrmse;
    score->rows = rows;
    score->outputs = k;
    score->mse = mse;
    score->nrmse = nrmse;
    score->mse_mean = mse_sum / (double)k;
    score->nrmse_mean = nrmse_sum / (double)k;
    return 0;
}

int rectic_net_score(rectic_net *net, const double *targets, long rows, long cols, rectic_score *score)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!targets || !score)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_score: targets: no targets (or no place for the score)");
    memset(score, 0, sizeof *score);
    rectic_net *h = rct_layers_out_holder(net);
    if (!h || h->n_rec_data == 0 || net->steps_done == 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_score: targets: no run yet to score");
    if (rct_mpi_rec_partial(h))
        return rct_errf(&net->err, RECTIC_EINVAL, "MPI: this rank recorded only the columns of its own units; rank 0 "
                                                  "holds the output to score");
    long out_rows, out_cols;
    const double *y = NULL;
    FILE *spill = NULL;
    if (!rct_layers_out(net, &out_rows, &out_cols, &y, &spill)) {
        out_rows = rct_obs_run_rows(net, net->steps_done);
        out_cols = rct_obs_width(h, 0);
        y = h->spill ? NULL : h->rec_data[0];
    }
    if (!y)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_score: targets: the outputs were larger than the memory limit and "
                                                  "streamed to disk; raise rectic_net_max_memory to score them");
    if (cols != out_cols)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_score: targets: %ld columns, but the run has %ld outputs%s", cols, out_cols,
                        net->layers && net->layers->w_out ? " (the readout's rows)" : " (no readout: one per neuron)");
    if (rows != net->steps_done)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_score: targets: %ld rows, but the run has %ld steps (one target row per "
                                                  "step)", rows, net->steps_done);
    if (out_rows < 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_score: targets: the run recorded no rows to score");
    long bad = first_nonfinite(targets, rows * cols);
    if (bad >= 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_score: targets: row %ld, column %ld is not a finite number", bad / cols,
                        bad % cols);
    long *at = malloc(sizeof(long) * (size_t)out_rows);
    if (!at)
        return rct_oom(&net->err);
    for (long r = 0; r < out_rows; r++)
        at[r] = rct_obs_row_step(net, r) - net->run_first; /* the row's step in this run: its target row */
    int rc = rct_layers_score(net, y, targets, at, out_rows, cols, score);
    free(at);
    if (!rc)
        net->err.code = 0;
    return rc;
}

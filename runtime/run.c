/*
 * run.c -- rectic_net_run: checks a run's inputs against the network, compiles what is due, wraps the input
 * layer and FORCE feedback around the inputs, and hands the run to the backend (backend.h); the readout
 * after it.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "inpart.h"
#include "layers.h"
#include "mpi_net.h"
#include "network.h"
#include "popnet.h"
#include "rls.h"

/* Checks the inputs against the run's length. */
static int check_inputs(rectic_net *net, long steps)
{
    rct_popnet *pn = net->pn;
    for (int p = 0; p < pn->n_pops; p++)
        if (pn->in_data[p] && pn->in_rows[p] < steps)
            return rct_errf(&net->err, RECTIC_EINVAL, "population %s: its input has %ld rows, the run %ld steps",
                            pn->names[p], pn->in_rows[p], steps);
    return 0;
}

/* Runs `steps` steps of a network of populations: its inputs checked, its kernel compiled when due. */
static int pn_run(rectic_net *net, long steps)
{
    rct_popnet *pn = net->pn;
    int rc = check_inputs(net, steps);
    if (rc)
        return rc;
    int dirty = net->dirty;
    for (int p = 0; p < pn->n_pops; p++)
        dirty |= pn->pops[p]->dirty;
    if (dirty && (rc = rct_pn_compile(net)))
        return rc;
    int spike_subsets = net->spike_mask != NULL; /* chosen units of a variable: picked on the host */
    for (int p = 0; p < pn->n_pops; p++)
        spike_subsets |= pn->pops[p]->spike_mask != NULL;
    if (!net->be->subsets && spike_subsets)
        return rct_errf(&net->err, RECTIC_EINVAL, "the %s backend does not record subsets of spikes yet: record all "
                                                  "spikes, or run on the CPU", net->be->name);
    if (!net->be->pn_unit_subsets && rct_subset_any(net))
        return rct_errf(&net->err, RECTIC_EINVAL, "the %s backend does not record subsets of units yet: record whole "
                                                  "variables, or run on the CPU", net->be->name);
    if (net->mpi && (rc = rct_mpi_net_check(net))) /* what a partitioned run cannot do */
        return rc;
    net->run_first = net->step_at; /* the step counter goes on: rows, spikes and sampling count from it */
    return net->be->pn_run(net, steps);
}

/* Runs `steps` steps with inputs from in. */
static int run(rectic_net *net, long steps, const rct_input_src *in)
{
    const rct_model *m = net->model;
    net->err.code = 0;
    if (steps < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_run: steps: expected a number of steps >= 0, got %ld", steps);
    if (net->pn) {
        if (in->cols != 0)
            return rct_errf(&net->err, RECTIC_EINVAL, "inputs: a network of populations takes its inputs through "
                                                      "rectic_net_input (per population); run it with NULL, 0");
        return pn_run(net, steps);
    }
    if (in->cols != 0 && in->cols != 1 && in->cols != net->n)
        return rct_errf(&net->err, RECTIC_EINVAL, "inputs: %ld columns, expected %ld (one per neuron) or 1 (the same "
                                                  "input for every neuron)", in->cols, net->n);
    if (in->cols != 0 && m->input < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "inputs given but the network has no spec.input_var to receive them");
    int rc;
    if (net->dirty && (rc = rct_net_compile(net)))
        return rc;
    if (!net->be->subsets && rct_subset_any(net))
        return rct_errf(&net->err, RECTIC_EINVAL, "the %s backend does not record subsets of neurons or of spikes "
                                                  "yet: record whole variables, or run on the CPU", net->be->name);
    net->run_first = net->step_at; /* the step counter goes on: rows, spikes and sampling count from it */
    return net->be->run(net, steps, in->array, in->fn, in->user, in->cols);
}

/* An input layer or FORCE feedback between the run's inputs (m columns, 1, n or none) and the kernel (n
   columns): each row projected (or copied), then W_fb @ ŷ_{n-1} added. */
typedef struct projected {
    rectic_net *net;
    const rct_input_src *in;
    double *x; /* one input row, from the callback */
} projected;

static int project_row(void *user, long step, double *row, long n_cols)
{
    projected *p = user;
    const rct_input_src *in = p->in;
    long lo = 0, hi = in->cols; /* under MPI an array of a column per neuron: this rank's lo .. hi-1 (inpart.h) */
    int part = in->array && rct_inpart_own(p->net, -1, in->cols, &lo, &hi);
    const double *x = in->array ? in->array + step * (hi - lo) : p->x;
    if (in->cols > 0 && !in->array && in->fn(in->user, step, p->x, in->cols) != 0)
        return 1;
    if (in->cols == 0 || part) /* feedback alone; a rank's neurons (the others' are never read) */
        memset(row, 0, sizeof(double) * (size_t)n_cols);
    if (part)
        rct_inpart_row(in->array, step, lo, hi, row, 0);
    else if (in->cols > 0 && rct_layers_has_input(p->net))
        rct_layers_project(p->net, x, row, 0);
    else if (in->cols > 0)
        for (long i = 0; i < n_cols; i++) /* one value per neuron, or one for all */
            row[i] = x[in->cols == 1 ? 0 : i];
    rct_online_feedback(p->net, p->net->run_first + step, row); /* FORCE: + W_fb @ ŷ_{n-1} */
    return 0;
}

/* Runs with the layers around the kernel: the input layer projects each row, the readout reads the
   recorded output afterwards (also of a run that stopped early). */
static int run_layers(rectic_net *net, long steps, const rct_input_src *in)
{
    int rc = rct_layers_check_input(net, in->cols);
    int layer = rct_layers_has_input(net) && in->cols > 0;
    if (!rc && !net->pn && rct_online_has_feedback(net) && !layer && in->cols > 1 && in->cols != net->n)
        rc = rct_errf(&net->err, RECTIC_EINVAL, "inputs: %ld columns, expected %ld (one per neuron) or 1 (the same "
                                                "input for every neuron)", in->cols, net->n);
    if (!rc)
        rc = rct_online_begin(net, steps);
    if (rc)
        return rc;
    if (!net->pn && (layer || rct_online_has_feedback(net))) {
        projected p = {net, in, calloc((size_t)in->cols + 1, sizeof(double))};
        rct_input_src through = {NULL, project_row, &p, net->n};
        rc = p.x ? run(net, steps, &through) : rct_oom(&net->err);
        free(p.x);
    } else {
        rc = run(net, steps, in);
    }
    char msg[sizeof net->err.msg];
    memcpy(msg, net->err.msg, sizeof msg);
    int lrc = rct_readout_after_run(net);
    if (rc) /* the run's own error stays the message */
        memcpy(net->err.msg, msg, sizeof msg), net->err.code = rc;
    return rc ? rc : lrc;
}

int rectic_net_run(rectic_net *net, long steps, const double *inputs, long in_cols)
{
    if (!net)
        return RECTIC_EINVAL;
    rct_input_src in = {inputs, NULL, NULL, inputs ? in_cols : 0};
    if (inputs && in_cols <= 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "inputs: the number of columns must be positive");
    return run_layers(net, steps, &in);
}

int rectic_net_run_fn(rectic_net *net, long steps, rectic_input_fn fn, void *user, long in_cols)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!fn || in_cols <= 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "run_fn: a callback and a positive column count are required");
    rct_input_src in = {NULL, fn, user, in_cols};
    return run_layers(net, steps, &in);
}

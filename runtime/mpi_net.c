/*
 * mpi_net.c -- a network partitioned across MPI ranks (see mpi.h): the blocks, and what rank 0 gathers
 * after a run so that it writes the bytes of one process.
 *
 * Rank r computes units lo .. hi-1 of every population (rectic_kctx.lo/hi) in every pass, with the incoming
 * weights of those units; what other ranks read crosses during the run (mpi_xchg.c).  The coupling sums
 * and the values computed in the passes are right on their owner only: rank 0 gathers the recorded
 * columns, the sampling means and the coupling sums of the other ranks after a run.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "mpi.h"
#include "mpi_net.h"
#include "popnet.h"
#include "rls.h"

int rectic_net_use_mpi(rectic_net *net, int use)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!use && net->mpi && rct_mpi_size(net->mpi) > 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "MPI: this rank keeps only the weights of its own units: the "
                                                  "network cannot run as one process again");
    if (!use || net->mpi) {
        net->mpi = use ? net->mpi : NULL;
        return RECTIC_OK;
    }
    rct_mpi *m = rct_mpi_world(&net->err);
    if (!m)
        return net->err.code;
    if (!net->be->mpi)
        return rct_errf(&net->err, RECTIC_EINVAL, "MPI: the %s backend does not run partitioned yet: run on the CPU",
                        net->be->name);
    net->mpi = m;
    int rc = rct_mpi_size(m) > 1 ? rct_mpi_keep_own_weights(net) : 0;
    if (rc)
        net->mpi = NULL;
    return rc;
}

int rectic_net_mpi_rank(const rectic_net *net, int *rank, int *size)
{
    if (!net || !rank || !size)
        return RECTIC_EINVAL;
    *rank = rct_mpi_rank(net->mpi);
    *size = rct_mpi_size(net->mpi);
    return RECTIC_OK;
}

double rectic_net_weight_bytes(const rectic_net *net)
{
    return net ? rct_mpi_weight_bytes(net) : 0;
}

int rct_mpi_net_check(rectic_net *net)
{
    if (rct_mpi_size(net->mpi) > 1 && (rct_online_on(rct_online_of(net)) || rct_online_has_feedback(net)))
        return rct_errf(&net->err, RECTIC_EINVAL, "MPI: online training and feedback of the readout (fit rls, "
                                                  "rectic_net_feedback_weights) do not run on several ranks yet: run them on "
                                                  "one process");
    if (net->spill)
        return rct_errf(&net->err, RECTIC_ENOMEM, "MPI: the recordings exceed the memory limit; streaming them to "
                                                  "disk is not available under MPI (record fewer variables or "
                                                  "sample them)");
    return 0;
}

/* Rank of the owner of unit i among p ranks whose parts begin at b[0 .. p] (rct_mpi_part_bounds). */
static int owner(const long *b, int p, long i)
{
    return rct_mpi_owner(b, p, i);
}

/* Rank 0 takes the columns of rows 0 .. rows-1 of buf (width columns; column j holds unit idx[j], or unit j
   of pop) that other ranks own.  Collective. */
static int gather_columns(rectic_net *net, const rectic_net *pop, double *buf, long rows, long width, const long *idx)
{
    rct_mpi *m = net->mpi;
    int P = rct_mpi_size(m), me = rct_mpi_rank(m);
    long mine = 0, *n = rct_mpi_part_bounds(net, pop);
    if (!n)
        return net->err.code;
    for (long j = 0; j < width; j++)
        mine += owner(n, P, idx ? idx[j] : j) == me;
    int *counts = calloc(2 * (size_t)P, sizeof *counts);
    long *cols = calloc((size_t)P + 1, sizeof *cols);
    double *send = malloc((size_t)(rows * mine + 1) * sizeof *send);
    double *recv = me == 0 ? malloc((size_t)(rows * width + 1) * sizeof *recv) : NULL;
    int rc = !counts || !cols || !send || (me == 0 && !recv) ? rct_oom(&net->err) : 0;
    for (long j = 0; !rc && j < width; j++)
        cols[owner(n, P, idx ? idx[j] : j)]++;
    for (int r = 0, at = 0; !rc && r < P; at += counts[r], r++) {
        counts[r] = (int)(rows * cols[r]);
        counts[P + r] = at;
    }
    for (long t = 0, q = 0; !rc && t < rows; t++) /* this rank's columns, row by row */
        for (long j = 0; j < width; j++)
            if (owner(n, P, idx ? idx[j] : j) == me)
                send[q++] = buf[t * width + j];
    if (!rc && rct_mpi_gatherv_double(m, send, rows * mine, recv, counts, counts + P, &net->err))
        rc = net->err.code ? net->err.code : RECTIC_EINVAL;
    for (int r = 1; !rc && me == 0 && r < P; r++) { /* each other rank's columns into place */
        const double *from = recv + counts[P + r];
        for (long t = 0, q = 0; t < rows; t++)
            for (long j = 0; j < width; j++)
                if (owner(n, P, idx ? idx[j] : j) == r)
                    buf[t * width + j] = from[q++];
    }
    free(counts);
    free(cols);
    free(send);
    free(recv);
    free(n);
    return rc;
}

/* Rank 0 takes the other ranks' parts of the count values at v, arrays of pop's n (the coupling sums). */
static int gather_values(rectic_net *net, const rectic_net *pop, void *v, long count, size_t rs)
{
    long n = pop->n, *b = rct_mpi_part_bounds(net, pop);
    int rc = b ? 0 : net->err.code;
    for (long at = 0; !rc && at + n <= count; at += n)
        if (rct_mpi_gather_parts(net->mpi, (char *)v + (size_t)at * rs, b, rs, &net->err))
            rc = net->err.code ? net->err.code : RECTIC_EINVAL;
    free(b);
    return rc;
}

int rct_mpi_gather_pop(rectic_net *net, rectic_net *pop, long rows)
{
    int rc = 0;
    for (int k = 0; !rc && rows >= 0 && k < pop->n_rec_data; k++) {
        if (!pop->rec_data[k] || (k == 0 && pop->model->output < 0)) /* a population without the output */
            continue;
        const rct_subset *s = k == 0 ? &pop->out_sub : pop->rec_sub ? &pop->rec_sub[k - 1] : NULL;
        long width = rct_obs_width(pop, k);
        if (s && s->idx)
            rc = gather_columns(net, pop, pop->rec_data[k], rows, width, s->idx);
        else if (width == pop->n)
            rc = gather_columns(net, pop, pop->rec_data[k], rows, width, NULL);
    }
    if (!rc && pop->mean_acc && pop->model->output >= 0) /* the sampling mean's sums of the output's columns */
        rc = gather_columns(net, pop, pop->mean_acc, 1, rct_obs_width(pop, 0), pop->out_sub.idx);
    if (!rc && pop->coup && pop->model->n_coup > 0)
        rc = gather_values(net, pop, pop->coup, (long)pop->model->n_coup * pop->n, rct_rsize(pop));
    return rc;
}

int rct_mpi_gather_tmp(rectic_net *net, const rectic_net *pop, void *tmp)
{
    return gather_values(net, pop, tmp, pop->n, rct_rsize(net));
}

int rct_mpi_agree_stop(rectic_net *net, int stop, int *any)
{
    *any = stop;
    if (!net->mpi)
        return 0;
    if (rct_mpi_max_int(net->mpi, stop, any, &net->err))
        return net->err.code ? net->err.code : RECTIC_EINVAL;
    return 0;
}

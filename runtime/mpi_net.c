/*
 * mpi_net.c -- a network partitioned across MPI ranks (see mpi.h): the blocks, and what rank 0 gathers
 * after a run so that it writes the bytes of one process.
 *
 * Rank r computes units lo .. hi-1 of every population (rectic_kctx.lo/hi) in every pass, with the incoming
 * weights of those units; what other ranks read crosses during the run (mpi_xchg.c).  The coupling sums
 * and the values computed in the passes are right on their owner only: rank 0 gathers the recorded
 * columns and the sampling means (each rank records only its own: mpi_rec.c) and the coupling sums of the
 * other ranks after a run.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "mpi.h"
#include "mpi_net.h"
#include "mpi_rec.h"
#include "popnet.h"

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

/* Copies the columns of rows 0 .. rows-1 of buf (width columns) that rank r owns (of[j]: column j's owner)
   between buf and the packed values at q, row by row: into q, or (out) back into buf. */
static void pack_columns(double *buf, long rows, long width, const int *of, int r, double *q, int out)
{
    for (long t = 0; t < rows; t++)
        for (long j = 0; j < width; j++)
            if (of[j] == r) {
                if (out)
                    buf[t * width + j] = *q++;
                else
                    *q++ = buf[t * width + j];
            }
}

/* Every rank's columns of the rows to all (mpi_net.h): each rank packs its own at its place in one buffer,
   one MPI_Allgatherv, each takes the others' back into buf. */
int rct_mpi_share_columns(rectic_net *net, const rectic_net *pop, double *buf, long rows, long width, const long *idx,
                          double *received)
{
    rct_mpi *m = net->mpi;
    int P = rct_mpi_size(m), me = rct_mpi_rank(m);
    long *n = rct_mpi_part_bounds(net, pop);
    int *counts = calloc(2 * (size_t)P + 1, sizeof *counts), *of = malloc(sizeof(int) * (size_t)width + 1);
    double *all = malloc(sizeof(double) * (size_t)(rows * width) + 1);
    long at = 0;
    int rc = !n ? net->err.code : !counts || !of || !all ? rct_oom(&net->err) : 0;
    for (long j = 0; !rc && j < width; j++) /* each column's owner */
        of[j] = owner(n, P, idx ? idx[j] : j);
    for (int r = 0; !rc && r < P; r++) { /* each rank's values in bytes, and their place */
        long cols = 0;
        for (long j = 0; j < width; j++)
            cols += of[j] == r;
        counts[P + r] = (int)at;
        at += rows * cols * (long)sizeof(double);
        counts[r] = (int)(rows * cols * (long)sizeof(double));
        if (at > 0x7fffffff)
            rc = rct_errf(&net->err, RECTIC_EINVAL, "MPI: the readout's %ld x %ld values exceed one message", rows, width);
    }
    if (!rc)
        pack_columns(buf, rows, width, of, me, all + counts[P + me] / (int)sizeof(double), 0);
    if (!rc && rct_mpi_allgatherv(m, all, counts, counts + P, 1, &net->err))
        rc = net->err.code ? net->err.code : RECTIC_EINVAL;
    for (int r = 0; !rc && r < P; r++)
        if (r != me) {
            pack_columns(buf, rows, width, of, r, all + counts[P + r] / (int)sizeof(double), 1);
            *received += counts[r];
        }
    free(counts);
    free(of);
    free(all);
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
    int rc = rct_mpi_rec_gather(net, pop, rows); /* the recorded columns and the output's sums (mpi_rec.c) */
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

/*
 * mpi_rec.c -- a rank's recordings under MPI: its own columns only, gathered on rank 0 (see mpi_rec.h).
 *
 * Column j of a recorded value holds unit idx[j] of a subset, or unit j.  Rank r's columns are those whose
 * unit it owns, in column order; the kernel writes them as rows of that many values (rectic_krec.idx: their
 * units).  Rank 0 writes its rows at the start of its one-process buffer and spreads them into place from
 * the last value back (a value only ever moves forward), then takes the other ranks' rows a block at a
 * time and puts their columns into place.
 */
#include "mpi_rec.h"

#include <stdlib.h>
#include <string.h>

#include "kernel_abi.h"
#include "mpi.h"
#include "mpi_net.h"
#include "popnet.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)

#define GATHER_BYTES (8L << 20) /* rows gathered at a time: about this many bytes on rank 0 */

/* This rank's columns of each recorded value of a population. */
struct rct_mpi_rec {
    int n, rank;  /* recorded values (entry 0 the output); this rank */
    int whole0;   /* the output is recorded whole on every rank (the online readout shares its columns) */
    long *count;  /* per value: this rank's columns */
    long **units; /* per value: the unit each of its columns holds (the kernel's idx) */
    long **cols;  /* per value: the one-process column each holds */
    double *acc;  /* the output's running sums of a sampling mean, of this rank's columns */
};

void rct_mpi_rec_free(rectic_net *pop)
{
    struct rct_mpi_rec *r = pop->mrec;
    if (!r)
        return;
    for (int k = 0; k < r->n; k++) {
        free(r->units[k]);
        free(r->cols[k]);
    }
    free(r->count);
    free(r->units);
    free(r->cols);
    free(r->acc);
    free(r);
    pop->mrec = NULL;
}

/* The subset of recorded value k of pop (0: the output), or NULL: every unit. */
static const long *subset_of(const rectic_net *pop, int k)
{
    const rct_subset *s = k == 0 ? &pop->out_sub : pop->rec_sub ? &pop->rec_sub[k - 1] : NULL;
    return s ? s->idx : NULL;
}

/* Value k's columns whose units lie in lo .. hi-1: their count, and (where units/cols are not NULL) their
   units and one-process columns. */
static long own_columns(const rectic_net *pop, int k, long lo, long hi, long *units, long *cols)
{
    const long *idx = subset_of(pop, k);
    long width = rct_obs_width(pop, k), q = 0;
    for (long j = 0; j < width; j++) {
        long u = idx ? idx[j] : j;
        if (u < lo || u >= hi)
            continue;
        if (units)
            units[q] = u, cols[q] = j;
        q++;
    }
    return q;
}

/* Does recorded value k hold values (entry 0, the output, is empty in a population without one)? */
static int holds_values(const rectic_net *pop, int k)
{
    return k > 0 || pop->model->output >= 0;
}

/* Makes value k's columns of lo .. hi-1 and, on a rank other than 0, narrows its buffer to them. */
static int own_value(rectic_net *net, rectic_net *pop, int k, long lo, long hi, rectic_krec *e)
{
    struct rct_mpi_rec *r = pop->mrec;
    if (!holds_values(pop, k)) /* a population without the output: its entry 0 is not recorded */
        return 0;
    long mine = own_columns(pop, k, lo, hi, NULL, NULL);
    r->count[k] = mine;
    r->units[k] = malloc(sizeof(long) * (size_t)(mine + 1));
    r->cols[k] = malloc(sizeof(long) * (size_t)(mine + 1));
    if (!r->units[k] || !r->cols[k])
        return rct_oom(&net->err);
    own_columns(pop, k, lo, hi, r->units[k], r->cols[k]);
    if (k == 0 && r->whole0) /* every column, as in one process (rls.c takes the others' after each block) */
        return 0;
    e->idx = r->units[k];
    e->count = mine;
    if (r->rank == 0)
        return 0;
    free(pop->rec_data[k]); /* (calloc'd, never touched: it took no memory) */
    pop->rec_data[k] = calloc((size_t)(pop->chunk_rows + 1) * (size_t)mine + 1, sizeof(double));
    return pop->rec_data[k] ? 0 : rct_oom(&net->err);
}

int rct_mpi_rec_own(rectic_net *net, rectic_net *pop, void *recs, int n_recs, int whole_out)
{
    rct_mpi_rec_free(pop);
    if (!net->mpi || rct_mpi_size(net->mpi) < 2)
        return 0;
    if (pop->spill) /* (a population of a network: its chunks are its own) */
        return rct_errf(&net->err, RECTIC_ENOMEM, "MPI: the recordings exceed the memory limit; streaming them to "
                                                  "disk is not available under MPI (record fewer variables or "
                                                  "sample them)");
    struct rct_mpi_rec *r = pop->mrec = calloc(1, sizeof *r);
    if (!r)
        return rct_oom(&net->err);
    r->n = n_recs;
    r->rank = rct_mpi_rank(net->mpi);
    r->whole0 = whole_out;
    r->count = calloc((size_t)n_recs + 1, sizeof *r->count);
    r->units = calloc((size_t)n_recs + 1, sizeof *r->units);
    r->cols = calloc((size_t)n_recs + 1, sizeof *r->cols);
    if (!r->count || !r->units || !r->cols)
        return rct_oom(&net->err);
    long lo, hi;
    rct_mpi_net_range(net, pop, &lo, &hi);
    int rc = 0;
    for (int k = 0; k < n_recs && !rc; k++)
        rc = own_value(net, pop, k, lo, hi, &((rectic_krec *)recs)[k]);
    if (rc)
        return rc;
    r->acc = calloc((size_t)r->count[0] + 1, sizeof *r->acc); /* the output's sums so far, of these columns */
    if (!r->acc)
        return rct_oom(&net->err);
    for (long q = 0; pop->mean_acc && q < r->count[0]; q++)
        r->acc[q] = pop->mean_acc[r->cols[0][q]];
    return 0;
}

double *rct_mpi_rec_acc(rectic_net *pop, long *count)
{
    int own = pop->mrec && !pop->mrec->whole0;
    *count = own ? pop->mrec->count[0] : pop->n;
    return own ? pop->mrec->acc : pop->mean_acc;
}

int rct_mpi_rec_partial(const rectic_net *pop)
{
    for (int p = 0; pop->pn && p < pop->pn->n_pops; p++)
        if (rct_mpi_rec_partial(pop->pn->pops[p]))
            return 1;
    return pop->mrec && pop->mrec->rank != 0;
}

long rct_mpi_rec_values(const rectic_net *pop)
{
    long values = 0;
    for (int p = 0; pop->pn && p < pop->pn->n_pops; p++)
        values += rct_mpi_rec_values(pop->pn->pops[p]);
    for (int k = 0; !pop->pn && k < pop->n_rec_data; k++)
        if (holds_values(pop, k))
            values += pop->chunk_rows * (rct_mpi_rec_partial(pop) && (k > 0 || !pop->mrec->whole0) ? pop->mrec->count[k]
                                                                                                : rct_obs_width(pop, k));
    return values;
}

/* Spreads `rows` rows of `mine` values at from (row by row) into rows of `width` at to, value q of a row
   into column cols[q]; from may be the start of to (each value then moves forward: done from the last). */
static void spread(double *to, const double *from, long rows, long mine, long width, const long *cols)
{
    for (long t = rows - 1; t >= 0; t--)
        for (long q = mine - 1; q >= 0; q--)
            to[t * width + cols[q]] = from[t * mine + q];
}

/* The rank owning each of the width columns of value k of pop (rank 0 only), or NULL with net->err. */
static int *column_owners(rectic_net *net, const rectic_net *pop, int k, long width)
{
    int P = rct_mpi_size(net->mpi);
    long *b = rct_mpi_part_bounds(net, pop);
    int *own = malloc(sizeof(int) * (size_t)(width + 1));
    const long *idx = subset_of(pop, k);
    if (!b || !own) {
        free(b);
        free(own);
        rct_oom(&net->err);
        return NULL;
    }
    for (long j = 0; j < width; j++)
        own[j] = rct_mpi_owner(b, P, idx ? idx[j] : j);
    free(b);
    return own;
}

/* Rank 0 takes every other rank's `mine` columns of `rows` rows (each rank's rows at `own`, contiguous)
   into the one-process rows of `width` at buf (value k's columns of pop), a block of rows at a time.
   Collective. */
static int take_columns(rectic_net *net, const rectic_net *pop, int k, double *buf, const double *own, long rows,
                        long mine, long width)
{
    rct_mpi *m = net->mpi;
    int P = rct_mpi_size(m), me = rct_mpi_rank(m), rc = 0;
    int *owner = me == 0 ? column_owners(net, pop, k, width) : NULL;
    int *counts = calloc(2 * (size_t)P, sizeof *counts);
    long *cols = calloc((size_t)P, sizeof *cols), block = GATHER_BYTES / (8 * (width > 0 ? width : 1));
    block = block < 1 ? 1 : block;
    double *recv = me == 0 ? malloc(sizeof(double) * (size_t)(block * width + 1)) : NULL;
    if ((me == 0 && (!owner || !recv)) || !counts || !cols)
        rc = rct_oom(&net->err);
    for (long j = 0; !rc && me == 0 && j < width; j++)
        cols[owner[j]]++;
    for (long t0 = 0; !rc && t0 < rows; t0 += block) {
        long tr = rows - t0 < block ? rows - t0 : block;
        for (int r = 0, at = 0; r < P; at += counts[r], r++) { /* rank 0 sends nothing: its columns are in place */
            counts[r] = r == 0 ? 0 : (int)(tr * cols[r]);
            counts[P + r] = at;
        }
        if (rct_mpi_gatherv_double(m, own + t0 * mine, me == 0 ? 0 : tr * mine, recv, counts, counts + P, &net->err)) {
            rc = net->err.code ? net->err.code : RECTIC_EINVAL;
            break;
        }
        for (int r = 1; me == 0 && r < P; r++) { /* rank r's columns into place, row by row */
            const double *from = recv + counts[P + r];
            for (long t = 0; t < tr; t++)
                for (long j = 0; j < width; j++)
                    if (owner[j] == r)
                        buf[(t0 + t) * width + j] = *from++;
        }
    }
    free(owner);
    free(counts);
    free(cols);
    free(recv);
    return rc;
}

int rct_mpi_rec_gather(rectic_net *net, rectic_net *pop, long rows)
{
    struct rct_mpi_rec *r = pop->mrec;
    if (!r)
        return 0;
    int rc = 0;
    for (int k = 0; rows >= 0 && !rc && k < r->n; k++) {
        if (!pop->rec_data[k] || !holds_values(pop, k) || (k == 0 && r->whole0)) /* (whole: on every rank) */
            continue;
        long width = rct_obs_width(pop, k);
        if (r->rank == 0)
            spread(pop->rec_data[k], pop->rec_data[k], rows, r->count[k], width, r->cols[k]);
        rc = take_columns(net, pop, k, pop->rec_data[k], pop->rec_data[k], rows, r->count[k], width);
    }
    if (rc || !pop->mean_acc || !holds_values(pop, 0))
        return rc;
    for (long q = 0; r->whole0 && q < r->count[0]; q++) /* the kernel summed into mean_acc: its own columns */
        r->acc[q] = pop->mean_acc[r->cols[0][q]];
    spread(pop->mean_acc, r->acc, 1, r->count[0], rct_obs_width(pop, 0), r->cols[0]); /* every rank: its sums */
    return take_columns(net, pop, 0, pop->mean_acc, r->acc, 1, r->count[0], rct_obs_width(pop, 0));
}

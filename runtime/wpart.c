/*
 * wpart.c -- the part of the weight file a rank of a partitioned network reads (see wpart.h), and the
 * ranks' agreement after it.
 */
#include "wpart.h"

#include <stdlib.h>
#include <string.h>

#include "mpi.h"

int rct_wpart_parts(const rectic_net *net, int *part)
{
    *part = 0;
    if (!net->mpi || net->pn || rct_mpi_size(net->mpi) <= 1)
        return 1;
    *part = rct_mpi_rank(net->mpi);
    return rct_mpi_size(net->mpi);
}

#define AGREE_MSG (sizeof(((rct_err *)0)->msg) / sizeof(double)) /* a message in doubles */
#define AGREE_SLOT (3 + AGREE_MSG)                                /* a rank's code, count, place, message */

int rct_wpart_agree(rectic_net *net, int rc, int parts, long *count)
{
    return rct_wpart_agree_at(net, rc, parts, count, 0);
}

int rct_wpart_agree_at(rectic_net *net, int rc, int parts, long *count, double at)
{
    if (parts <= 1)
        return rc;
    int P = rct_mpi_size(net->mpi), me = rct_mpi_rank(net->mpi);
    double *all = calloc((size_t)P * AGREE_SLOT, sizeof *all);
    if (!all) /* (the others then wait: nothing better is possible without memory) */
        return rct_oom(&net->err);
    double *mine = all + (size_t)me * AGREE_SLOT;
    mine[0] = rc;
    mine[1] = count ? (double)*count : 0;
    mine[2] = at;
    if (rc)
        memcpy(mine + 3, net->err.msg, sizeof net->err.msg);
    rct_err err = {0, ""};
    int *counts = malloc(2 * (size_t)P * sizeof *counts);
    for (int r = 0; counts && r < P; r++) /* each rank's slot, in bytes */
        counts[r] = (int)(AGREE_SLOT * sizeof *all), counts[P + r] = r * counts[r];
    if (!counts || rct_mpi_allgatherv(net->mpi, all, counts, counts + P, 0, &err)) {
        free(all);
        free(counts);
        return counts ? rct_errf(&net->err, RECTIC_EIO, "%s", err.msg) : rct_oom(&net->err);
    }
    free(counts);
    long sum = 0;
    int first = -1;
    for (int r = 0; r < P; r++) {
        sum += (long)all[(size_t)r * AGREE_SLOT + 1];
        const double *slot = all + (size_t)r * AGREE_SLOT;
        if (slot[0] != 0 && (first < 0 || slot[2] < all[(size_t)first * AGREE_SLOT + 2]))
            first = r; /* the earliest failure, the first rank's among equals */
    }
    if (first >= 0 && first != me) { /* another rank's failure, in its words */
        char msg[sizeof net->err.msg];
        memcpy(msg, all + (size_t)first * AGREE_SLOT + 3, sizeof msg);
        msg[sizeof msg - 1] = 0;
        rc = rct_errf(&net->err, (int)all[(size_t)first * AGREE_SLOT], "%s", msg);
    } else if (first >= 0) {
        rc = (int)mine[0];
    }
    if (count)
        *count = sum;
    free(all);
    return rc;
}

int rct_wpart_keep(rectic_net *net, rct_wsrc *s)
{
    if (!s->bounds)
        return 0;
    free(net->mpi_bounds);
    net->mpi_bounds = s->bounds;
    s->bounds = NULL;
    return 0;
}

void rct_wpart_balance(const long *cnt, long n, int parts, long *bounds)
{
    double total = 0, acc = 0; /* (sums of whole numbers below 2^53: exact, the same on every rank) */
    for (long i = 0; i < n; i++)
        total += (double)cnt[i] + 1;
    long i = 0;
    bounds[0] = 0;
    for (int r = 1; r < parts; r++) {
        double goal = total * r / parts;
        while (i < n && acc + (double)cnt[i] + 1 <= goal)
            acc += (double)cnt[i++] + 1;
        bounds[r] = i;
    }
    bounds[parts] = n;
}

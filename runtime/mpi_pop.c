/*
 * mpi_pop.c -- the blocks of units each MPI rank owns in a network of populations (see mpi_pop.h): equal
 * ones, or ones of about equal cost counted from the projections onto each population.
 */
#include "mpi_pop.h"

#include <stdlib.h>
#include <string.h>

#include "mpi.h"
#include "popnet.h"
#include "wpart.h"
#include "wsource.h"

void rct_mpi_balance(const double *cost, long n, int parts, long *b)
{
    double total = 0, acc = 0; /* (sums of whole numbers below 2^53: exact, the same on every rank) */
    int equal = 1;
    for (long i = 0; i < n; i++) {
        total += cost[i];
        equal &= cost[i] == cost[0];
    }
    long i = 0, lo, hi;
    b[0] = 0;
    for (int r = 1; r < parts; r++) {
        double goal = total * r / parts;
        while (!equal && i < n && acc + cost[i] / 2 <= goal)
            acc += cost[i++];
        rct_mpi_block(n, parts, r, &lo, &hi);
        b[r] = equal ? lo : i;
    }
    b[parts] = n;
}

/* Puts the position of projection sp's weights in the network file and `mid` before net's message; rc. */
static int placed(rectic_net *net, const rectic_netspec *ns, const rct_netproj *sp, const char *mid, int rc)
{
    char where[600], msg[sizeof net->err.msg];
    rct_netspec_where(ns, sp->at_weights, where, sizeof where);
    snprintf(msg, sizeof msg, "%s", net->err.msg);
    return rct_errf(&net->err, rc, "%s%s: %s", where, mid, msg);
}

/* Adds the entries of a COO file onto each target to cost[] (projection sp of ns): streamed whole, each
   entry checked (the netspec may have left that to the build).  0 or an error code naming the weights in
   the network file. */
static int count_file(rectic_net *net, const rectic_netspec *ns, const rct_netproj *sp, double *cost)
{
    rct_wsrc s;
    const double *c;
    size_t k;
    long first = 0;
    int rc = rct_wsrc_open(&s, sp->file, RCT_WSRC_STREAM, 0, 3, &net->err);
    if (!rc && s.rows > 0 && s.cols != 3)
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s has %ld columns, expected 3 (target, source, weight)", sp->file,
                      s.cols);
    if (rc)
        return rct_wsrc_close(&s), placed(net, ns, sp, "weights-coo", rc);
    while (!(rc = rct_wsrc_next(&s, &c, &k, &net->err)) && k) {
        if ((rc = rct_netspec_coo_check(ns, sp, c, (long)(k / 3), first, &net->err)))
            break;
        for (size_t e = 0; e + 2 < k; e += 3)
            cost[(long)c[e]] += 1;
        first += (long)(k / 3);
    }
    net->w_read += (double)s.delivered;
    rct_wsrc_close(&s);
    return rc ? placed(net, ns, sp, sp->file, rc) : 0;
}

/* The cost of every unit of population p (n of them): one, plus its incoming synapses (see mpi_pop.h). */
static int unit_costs(rectic_net *net, const rectic_netspec *ns, int p, double *cost)
{
    for (long i = 0; i < ns->pops[p].n; i++)
        cost[i] = 1;
    for (size_t k = 0; k < ns->n_projs; k++) {
        const rct_netproj *sp = &ns->projs[k];
        if (sp->tgt != p || sp->kind == RECTIC_WEIGHTS_SCALAR)
            continue;
        if (sp->kind == RECTIC_WEIGHTS_DENSE) {
            for (long i = 0; i < ns->pops[p].n; i++)
                cost[i] += (double)ns->pops[sp->src].n;
        } else if (sp->file) {
            int rc = count_file(net, ns, sp, cost);
            if (rc)
                return rc;
        } else {
            for (long e = 0; e < sp->nnz; e++) /* (checked when given) */
                cost[(long)sp->w[3 * e]] += 1;
        }
    }
    return 0;
}

/* Whether population p is balanced by cost under partition: every one for SYNAPSES, one with COO weights
   onto it for AUTO. */
static int balanced(const rectic_netspec *ns, int p, int partition)
{
    if (partition != RECTIC_MPI_PARTITION_AUTO)
        return partition == RECTIC_MPI_PARTITION_SYNAPSES;
    for (size_t k = 0; k < ns->n_projs; k++)
        if (ns->projs[k].tgt == p && ns->projs[k].kind == RECTIC_WEIGHTS_COO)
            return 1;
    return 0;
}

int rct_mpi_pop_partition(rectic_net *net, const rectic_netspec *ns, int partition)
{
    int P = net->mpi ? rct_mpi_size(net->mpi) : 1, rc = 0;
    if (P <= 1)
        return 0;
    for (int p = 0; !rc && p < net->pn->n_pops; p++) {
        rectic_net *pop = net->pn->pops[p];
        if (!balanced(ns, p, partition))
            continue;
        double *cost = malloc(((size_t)pop->n + 1) * sizeof *cost);
        long *b = malloc(((size_t)P + 1) * sizeof *b);
        rc = cost && b ? unit_costs(net, ns, p, cost) : rct_oom(&net->err);
        if (!rc) {
            rct_mpi_balance(cost, pop->n, P, b);
            free(pop->mpi_bounds);
            pop->mpi_bounds = b;
            b = NULL;
        }
        free(cost);
        free(b);
    }
    return rct_wpart_agree(net, rc, P, NULL); /* (every rank read the same: a failure of one is rare) */
}

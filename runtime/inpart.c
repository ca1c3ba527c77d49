/*
 * inpart.c -- the inputs of a partitioned network (see inpart.h): which columns a rank holds, reading them
 * from a file (rectic_net_read_input), and the ranks' agreement on a malformed file.
 */
#include "inpart.h"

#include <stdlib.h>
#include <string.h>

#include "io_cols.h"
#include "layers.h"
#include "mpi.h"
#include "mpi_net.h"
#include "popnet.h"
#include "record.h"
#include "wpart.h"

/* Whether inputs of population p (-1: net) with a column per unit are split: the network is partitioned
   over several ranks and no input layer comes first; *lo, *hi this rank's units. */
static int split(const rectic_net *net, int p, long *lo, long *hi)
{
    const rectic_net *pop = p >= 0 ? net->pn->pops[p] : net;
    rct_mpi_net_range(net, pop, lo, hi);
    return net->mpi && rct_mpi_size(net->mpi) > 1 && pop->n > 1 && rct_layers_input_cols(net, p) == 0;
}

int rct_inpart_own(const rectic_net *net, int p, long cols, long *lo, long *hi)
{
    const rectic_net *pop = p >= 0 ? net->pn->pops[p] : net;
    if (cols == pop->n && split(net, p, lo, hi))
        return 1;
    *lo = 0;
    *hi = cols;
    return 0;
}

void rct_inpart_row(const double *array, long step, long lo, long hi, void *row, int f32)
{
    const double *src = array + step * (hi - lo);
    for (long j = 0; j < hi - lo; j++)
        if (f32)
            ((float *)row)[lo + j] = (float)src[j];
        else
            ((double *)row)[lo + j] = src[j];
}

/* The index of population pop of net (-1: net is one template), or -2 with net's error. */
static int find(rectic_net *net, const char *pop, const char *what)
{
    if (!net->pn) {
        if (pop && *pop)
            return rct_errf(&net->err, RECTIC_EINVAL, "%s: population '%s' given, but the network is one template "
                                                      "(give NULL)", what, pop), -2;
        return -1;
    }
    int p = pop ? rct_pn_find(net->pn, pop, strlen(pop)) : -1;
    if (p < 0)
        rct_errf(&net->err, RECTIC_EINVAL, "%s: unknown population '%s'", what, pop ? pop : "(null)");
    return p < 0 ? -2 : p;
}

int rectic_net_read_input(rectic_net *net, const char *pop, const char *path, double **data, long *rows, long *cols)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!path || !data || !rows || !cols)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_read_input: path, data, rows and cols are required");
    *data = NULL;
    *rows = *cols = 0;
    int p = find(net, pop, "rectic_net_read_input");
    if (p < -1)
        return net->err.code;
    rct_cols c = {0, 0, 0, 0, 0, 0, NULL, 0, 0};
    int parts = net->mpi ? rct_mpi_size(net->mpi) : 1;
    if (split(net, p, &c.lo, &c.hi))
        c.n = p >= 0 ? net->pn->pops[p]->n : net->n; /* a file of n columns: this rank's only */
    net->err.code = 0;
    int rc = rct_cols_read(path, &c, &net->err);
    net->in_read += c.read;
    if ((rc = rct_wpart_agree_at(net, rc, parts, NULL, c.at))) { /* a bad file ends every rank, in one message */
        free(c.data);
        return rc;
    }
    *data = c.data;
    *rows = c.rows;
    *cols = c.cols;
    return 0;
}

int rectic_net_mpi_block(rectic_net *net, const char *pop, long *lo, long *hi)
{
    if (!net || !lo || !hi)
        return RECTIC_EINVAL;
    int p = find(net, pop, "rectic_net_mpi_block");
    if (p < -1)
        return net->err.code;
    rct_mpi_net_range(net, p >= 0 ? net->pn->pops[p] : net, lo, hi);
    net->err.code = 0;
    return 0;
}

double rectic_net_input_values_read(const rectic_net *net)
{
    return net ? net->in_read : 0;
}

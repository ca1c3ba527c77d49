/*
 * mpi_part.c -- which units each MPI rank owns, and each rank keeps only the incoming weights of its own
 * units (see mpi.h).
 *
 * Once a network is partitioned (rectic_net_use_mpi), rank r keeps of every matrix the rows of its targets
 * lo .. hi-1: dense rows in a fresh allocation of the whole matrix's size whose other rows are never
 * touched (the kernel addresses row i at w + i*n_source; pages never touched take no memory), compressed
 * sparse rows with the other rows empty, and of event-driven columns the entries of its targets.  The
 * kernel reads nothing else: its loops over targets run from lo to hi.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mpi.h"
#include "mpi_net.h"
#include "popnet.h"

void rct_mpi_part_block(const rectic_net *net, const rectic_net *pop, int r, long *lo, long *hi)
{
    *lo = 0;
    *hi = pop->n;
    if (!net->mpi)
        return;
    if (pop->mpi_bounds) {
        *lo = pop->mpi_bounds[r];
        *hi = pop->mpi_bounds[r + 1];
    } else {
        rct_mpi_block(pop->n, rct_mpi_size(net->mpi), r, lo, hi);
    }
}

void rct_mpi_net_range(const rectic_net *net, const rectic_net *pop, long *lo, long *hi)
{
    rct_mpi_part_block(net, pop, net->mpi ? rct_mpi_rank(net->mpi) : 0, lo, hi);
}

int rct_mpi_net_balanced(const rectic_net *net)
{
    for (int p = 0; net->pn && p < net->pn->n_pops; p++)
        if (net->pn->pops[p]->mpi_bounds)
            return 1;
    return net->mpi_bounds != NULL;
}

const rectic_net *rct_mpi_net_unit_group(const rectic_net *net, int k, const char **name)
{
    *name = NULL;
    if (!net->pn)
        return k == 0 ? net : NULL;
    if (k < 0 || k >= net->pn->n_pops)
        return NULL;
    *name = net->pn->names[k];
    return net->pn->pops[k];
}

long *rct_mpi_part_bounds(rectic_net *net, const rectic_net *pop)
{
    int P = net->mpi ? rct_mpi_size(net->mpi) : 1;
    long *b = malloc(((size_t)P + 1) * sizeof *b), lo, hi;
    if (!b) {
        rct_oom(&net->err);
        return NULL;
    }
    b[0] = 0;
    for (int r = 0; r < P; r++) {
        rct_mpi_part_block(net, pop, r, &lo, &hi);
        b[r + 1] = hi;
    }
    return b;
}

/* Dense: rows lo .. hi-1 of rows x cols values of rs bytes into a new allocation; the old one freed
   (or unmapped: a memory-mapped .npy). */
static int keep_dense_rows(rectic_net *net, void **w, void **w_map, size_t *map_len, long rows, long cols, long lo,
                           long hi)
{
    size_t rs = rct_rsize(net), row = (size_t)cols * rs;
    char *fresh = malloc((size_t)rows * row + 1); /* large: mapped on demand, untouched rows take no memory */
    if (!fresh)
        return rct_oom(&net->err);
    if (hi > lo)
        memcpy(fresh + (size_t)lo * row, (const char *)*w + (size_t)lo * row, (size_t)(hi - lo) * row);
    if (*w_map)
        munmap(*w_map, *map_len);
    else
        free(*w);
    *w_map = NULL;
    *w = fresh;
    return 0;
}

/* Allocates a compressed sparse matrix of `lines` rows (or columns) and `count` entries. */
static int alloc_sparse(rectic_net *net, long lines, long count, long **p, int **c, char **v)
{
    *p = malloc(sizeof **p * (size_t)(lines + 1));
    *c = malloc(sizeof **c * (size_t)(count + 1));
    *v = malloc(rct_rsize(net) * (size_t)(count + 1));
    if (*p && *c && *v)
        return 0;
    free(*p), free(*c), free(*v);
    return rct_oom(&net->err);
}

/* Compressed sparse rows: rows lo .. hi-1 kept, the others left empty (ptr keeps rows + 1 entries). */
static int keep_csr_rows(rectic_net *net, long **ptr, int **col, void **val, long rows, long lo, long hi, long *nnz)
{
    size_t rs = rct_rsize(net);
    long first = (*ptr)[lo], last = (*ptr)[hi], count = last - first;
    long *p;
    int *c;
    char *v;
    if (alloc_sparse(net, rows, count, &p, &c, &v))
        return net->err.code;
    for (long i = 0; i <= rows; i++)
        p[i] = i <= lo ? 0 : i >= hi ? count : (*ptr)[i] - first;
    memcpy(c, *col + first, sizeof *c * (size_t)count);
    memcpy(v, (const char *)*val + (size_t)first * rs, rs * (size_t)count);
    free(*ptr), free(*col), free(*val);
    *ptr = p, *col = c, *val = v, *nnz = count;
    return 0;
}

/* Event-driven columns (by source, entries = targets in increasing order): of each column, its targets in
   lo .. hi-1. */
static int keep_csc_targets(rectic_net *net, long **ptr, int **col, void **val, long cols, long lo, long hi,
                            long *nnz)
{
    size_t rs = rct_rsize(net);
    long count = 0;
    for (long q = 0; q < (*ptr)[cols]; q++)
        count += (*col)[q] >= lo && (*col)[q] < hi;
    long *p;
    int *c;
    char *v;
    if (alloc_sparse(net, cols, count, &p, &c, &v))
        return net->err.code;
    long k = 0;
    for (long j = 0; j < cols; j++) {
        p[j] = k;
        for (long q = (*ptr)[j]; q < (*ptr)[j + 1]; q++)
            if ((*col)[q] >= lo && (*col)[q] < hi) {
                c[k] = (*col)[q];
                memcpy(v + (size_t)k * rs, (const char *)*val + (size_t)q * rs, rs);
                k++;
            }
    }
    p[cols] = k;
    free(*ptr), free(*col), free(*val);
    *ptr = p, *col = c, *val = v, *nnz = count;
    return 0;
}

/* Projection j of a network of populations: the rows of this rank's targets (once). */
static int keep_proj(rectic_net *net, rct_proj *j)
{
    long n_tgt = net->pn->pops[j->tgt]->n, n_src = net->pn->pops[j->src]->n, lo, hi;
    rct_mpi_net_range(net, net->pn->pops[j->tgt], &lo, &hi);
    if (j->own_rows) /* read for this rank's targets only (spec.mpi: popload.c) */
        return 0;
    j->own_rows = 1;
    if (j->w)
        return keep_dense_rows(net, &j->w, &j->w_map, &j->w_map_len, n_tgt, n_src, lo, hi);
    if (j->csr_ptr && j->mode == RCT_COUP_EVENT)
        return keep_csc_targets(net, &j->csr_ptr, &j->csr_col, &j->csr_val, n_src, lo, hi, &j->nnz);
    if (j->csr_ptr)
        return keep_csr_rows(net, &j->csr_ptr, &j->csr_col, &j->csr_val, n_tgt, lo, hi, &j->nnz);
    return 0;
}

int rct_mpi_keep_own_weights(rectic_net *net)
{
    if (net->w_part || rct_mpi_size(net->mpi) <= 1) /* read for this rank's units only (spec.mpi), or one rank */
        return 0;
    if (net->pn) {
        for (int k = 0; k < net->pn->n_projs; k++)
            if (keep_proj(net, &net->pn->projs[k]))
                return net->err.code;
        return 0;
    }
    long lo, hi;
    rct_mpi_net_range(net, net, &lo, &hi);
    if (net->w && !net->w_cols) /* (a small fixed-size kernel reads w_cols: kept whole) */
        return keep_dense_rows(net, &net->w, &net->w_map, &net->w_map_len, net->n, net->n, lo, hi);
    if (net->csr_ptr && net->coupling_mode == RCT_COUP_EVENT)
        return keep_csc_targets(net, &net->csr_ptr, &net->csr_col, &net->csr_val, net->n, lo, hi, &net->nnz);
    if (net->csr_ptr)
        return keep_csr_rows(net, &net->csr_ptr, &net->csr_col, &net->csr_val, net->n, lo, hi, &net->nnz);
    return 0;
}

/* Bytes of the weights of one matrix this rank holds: its dense rows, or its sparse entries and pointers. */
static double held(const rectic_net *net, const void *w, long rows_kept, long cols, const long *ptr, long ptr_len,
                   long nnz)
{
    size_t rs = rct_rsize(net);
    if (w)
        return (double)rows_kept * (double)cols * (double)rs;
    return ptr ? (double)nnz * (double)(rs + sizeof(int)) + (double)(ptr_len + 1) * sizeof(long) : 0;
}

double rct_mpi_weight_bytes(const rectic_net *net)
{
    long lo, hi;
    if (!net->pn) {
        rct_mpi_net_range(net, net, &lo, &hi);
        return held(net, net->w_cols ? net->w_cols : net->w, net->w_cols ? net->n : hi - lo, net->n, net->csr_ptr,
                    net->n, net->nnz);
    }
    double sum = 0;
    for (int k = 0; k < net->pn->n_projs; k++) {
        const rct_proj *j = &net->pn->projs[k];
        long n_tgt = net->pn->pops[j->tgt]->n, n_src = net->pn->pops[j->src]->n;
        rct_mpi_net_range(net, net->pn->pops[j->tgt], &lo, &hi);
        sum += held(net, j->w, hi - lo, n_src, j->csr_ptr, j->mode == RCT_COUP_EVENT ? n_src : n_tgt, j->nnz);
    }
    return sum;
}

double rectic_net_weight_values_read(const rectic_net *net)
{
    return net ? net->w_read : 0;
}

/*
 * coo.h -- a projection's weights given as COO entries (target, source, weight): their check, and the
 * layouts the network kernel reads (compressed sparse rows, a dense matrix), in the one order that fixes
 * the kernel's sums.
 *
 * Included by runtime/netspec.c and runtime/popnet.c and placed in the standalone program of a network
 * of populations (generator/standalone/embed.sh), so that both build the same rows from the same file.
 * Self-contained, all static.
 */
#ifndef RCT_COO_H
#define RCT_COO_H

#include <math.h>
#include <stdlib.h>

/* What is wrong with COO entry *at of e (nnz triples): 0 nothing (every entry is fine), 1 its target index
   is not a whole number in 0..n_tgt-1, 2 its source index likewise in 0..n_src-1, 3 its weight is not
   finite. */
static inline int rct_coo_check(const double *e, long nnz, long n_tgt, long n_src, long *at)
{
    for (long k = 0; k < nnz; k++) {
        const double *r = e + 3 * k;
        int bad = !(r[0] >= 0 && r[0] < (double)n_tgt && r[0] == floor(r[0]))   ? 1
                  : !(r[1] >= 0 && r[1] < (double)n_src && r[1] == floor(r[1])) ? 2
                  : !isfinite(r[2])                                             ? 3
                                                                                : 0;
        if (bad) {
            *at = k;
            return bad;
        }
    }
    return 0;
}

/* COO entries of a dense rows x cols matrix's non-zero weights, row by row (malloc'd, *nnz entries), or
   NULL when out of memory. */
static inline double *rct_coo_from_dense(const double *w, long rows, long cols, long *nnz)
{
    long count = 0;
    for (long i = 0; i < rows * cols; i++)
        count += w[i] != 0;
    double *e = (double *)malloc(sizeof(double) * 3 * (size_t)count + 1);
    if (!e)
        return NULL;
    long q = 0;
    for (long i = 0; i < rows; i++)
        for (long c = 0; c < cols; c++)
            if (w[i * cols + c] != 0) {
                e[3 * q] = (double)i, e[3 * q + 1] = (double)c, e[3 * q + 2] = w[i * cols + c];
                q++;
            }
    *nnz = count;
    return e;
}

/* Adds COO entries into a dense n_tgt x n_src matrix of doubles (row = target), in the order given:
   the weights of a pair given twice add up. */
static inline void rct_coo_add_dense(const double *e, long nnz, long n_src, double *dense)
{
    for (long q = 0; q < nnz; q++)
        dense[(long)e[3 * q] * n_src + (long)e[3 * q + 1]] += e[3 * q + 2];
}

/* Swaps the target and source of every COO entry: W's columns become the rows (event-driven projections
   read W by columns). */
static inline void rct_coo_transpose(double *e, long nnz)
{
    for (long q = 0; q < nnz; q++) {
        double t = e[3 * q];
        e[3 * q] = e[3 * q + 1], e[3 * q + 1] = t;
    }
}

/* Stores weight w as entry i of an array of the kernel's type. */
typedef void (*rct_coo_put_fn)(void *val, long i, double w);

/* Compressed sparse rows of COO entries e (nnz checked triples): by target, then by source, each stably;
   the entries of one pair merged into one, their weights added in the order given; zero weights kept.
   ptr: n_tgt + 2 zeroed longs (row i holds entries ptr[i] .. ptr[i+1]-1); col and val (through put): room
   for nnz entries; order: nnz longs of scratch.  Returns the number of entries kept. */
static inline long rct_coo_to_csr(const double *e, long nnz, long n_tgt, long *ptr, int *col, void *val,
                                  rct_coo_put_fn put, long *order)
{
    for (long q = 0; q < nnz; q++) /* counting sort by target, stable */
        ptr[(long)e[3 * q] + 2]++;
    for (long i = 0; i < n_tgt; i++)
        ptr[i + 2] += ptr[i + 1];
    for (long q = 0; q < nnz; q++)
        order[ptr[(long)e[3 * q] + 1]++] = q;
    for (long i = 0; i < n_tgt; i++) { /* each row by source, stable: insertion sort (rows are short) */
        for (long a = ptr[i] + 1; a < ptr[i + 1]; a++) {
            long q = order[a], b = a;
            for (; b > ptr[i] && e[3 * order[b - 1] + 1] > e[3 * q + 1]; b--)
                order[b] = order[b - 1];
            order[b] = q;
        }
    }
    long out = 0, start = 0;
    for (long i = 0; i < n_tgt; i++) { /* merge duplicates: their weights added in the order given */
        long end = ptr[i + 1];
        ptr[i] = out;
        for (long a = start; a < end; a++) {
            long q = order[a];
            double w = e[3 * q + 2];
            while (a + 1 < end && e[3 * order[a + 1] + 1] == e[3 * q + 1])
                w += e[3 * order[++a] + 2];
            col[out] = (int)e[3 * q + 1];
            put(val, out++, w);
        }
        start = end;
    }
    ptr[n_tgt] = out;
    return out;
}

#endif

/*
 * wload_rows.c -- compressed rows of sparse weights while they are built (see wload_rows.h): an entry's
 * checks, a pass over the source chunk by chunk, and each row sorted locally (bucketed by its index, then
 * merged), duplicates summed in source order.
 */
#include "wload_rows.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SHORT_RUN 32        /* segments up to this length are sorted by insertion */

/* Checks one sparse entry (target, source, weight) of source row `row` (1-based) against n neurons (n 0:
   unknown yet; a rectangular matrix checks against its rows and columns); 0 or an error code. */
int rct_coo_check(rct_wload *L, const double *e, long row, long n)
{
    char what[512]; /* the weights' name, and the file with the entry's row and column */
    const rct_wsrc *s = L->src;
    int file = !L->what && (s->f || s->map || s->owned), col = isfinite(e[2]) ? 0 : 3;
    for (int c = 0; c < 2 && !col; c++) {
        long bound = L->rows > 0 ? (c ? L->cols : L->rows) : n;
        if (!(e[c] == floor(e[c]) && e[c] >= 0 && (bound ? e[c] < (double)bound : e[c] < (double)INT32_MAX)))
            col = c + 1;
    }
    if (!col)
        return 0;
    if (file)
        snprintf(what, sizeof what, "spec.weights_coo: %s: row %ld, column %d", s->name, row, col);
    else
        snprintf(what, sizeof what, "%s: row %ld", L->what ? L->what : "spec.weights_coo", row);
    if (col == 3)
        return rct_errf(&L->net->err, RECTIC_EINVAL, "%s: the weight is not finite", what);
    int c = col - 1;
    long bound = L->rows > 0 ? (c ? L->cols : L->rows) : n;
    if (bound)
        return rct_errf(&L->net->err, RECTIC_EINVAL, "%s: %s index %g is not a %s (0 .. %ld)", what,
                        c ? "source" : "target", e[c], L->rows > 0 ? "unit" : "neuron", bound - 1);
    return rct_errf(&L->net->err, RECTIC_EINVAL, "%s: %s index %g is not a neuron (a whole number from 0 to %d)",
                    what, c ? "source" : "target", e[c], INT32_MAX - 1);
}

/* One pass over sparse weights, chunk by chunk (whole rows each). */
int rct_coo_pass(rct_wload *L, rct_coo_fn fn, void *ctx)
{
    const double *c;
    size_t k;
    long row = 0;
    int rc;
    while (!(rc = rct_wsrc_next(L->src, &c, &k, &L->net->err)) && k) {
        if ((rc = fn(L, ctx, c, k / 3, row)) || (rc = rct_wload_tick(L, k)))
            return rc;
        row += (long)(k / 3);
    }
    return rc;
}

/* Sorts len (index, value) pairs by index, keeping equal indices in their order (insertion sort). */
static void sort_short(int *k, double *v, long len)
{
    for (long a = 1; a < len; a++) {
        int key = k[a];
        double x = v[a];
        long b = a;
        for (; b > 0 && k[b - 1] > key; b--) {
            k[b] = k[b - 1];
            v[b] = v[b - 1];
        }
        k[b] = key;
        v[b] = x;
    }
}

/* Sorts len (index, value) pairs by index, stable (merge sort; tk, tv hold len / 2 pairs). */
static void sort_pairs(int *k, double *v, long len, int *tk, double *tv)
{
    if (len <= SHORT_RUN) {
        sort_short(k, v, len);
        return;
    }
    long h = len / 2, a = 0, b = h, o = 0;
    sort_pairs(k, v, h, tk, tv);
    sort_pairs(k + h, v + h, len - h, tk, tv);
    if (k[h - 1] <= k[h])
        return;
    memcpy(tk, k, (size_t)h * sizeof *tk);
    memcpy(tv, v, (size_t)h * sizeof *tv);
    while (a < h && b < len) {
        if (k[b] < tk[a]) {
            k[o] = k[b];
            v[o++] = v[b++];
        } else {
            k[o] = tk[a];
            v[o++] = tv[a++];
        }
    }
    for (; a < h; a++, o++) {
        k[o] = tk[a];
        v[o] = tv[a];
    }
}

/* Sorts a row of len (index, value) pairs k, v by index, stable; *sk, *sv: where the sorted row is (k, v,
   or rs's pairs).  A sorted row is left as it is; a short one is sorted by insertion; a longer one is first
   counting-sorted by its indices' top bits into about len buckets in rs's pairs (they then lie near their
   places) and finished there by insertion, or by merge sort when a bucket is long (indices close
   together). */
static void sort_row(int *k, double *v, long len, const rct_row_sort *rs, int **sk, double **sv)
{
    long a = 1;
    *sk = k, *sv = v;
    while (a < len && k[a - 1] <= k[a])
        a++;
    if (a >= len)
        return;
    if (len <= SHORT_RUN || len > RCT_BUCKET_ROW) {
        sort_pairs(k, v, len, rs->tk, rs->tv);
        return;
    }
    long nb = 2, top = 0, *bk = rs->bk;
    int shift = 0;
    while (nb < len && nb < RCT_BUCKETS_MAX)
        nb *= 2;
    while (((rs->n_minor - 1) >> shift) >= nb)
        shift++;
    memset(bk, 0, sizeof *bk * ((size_t)nb + 1));
    for (long e = 0; e < len; e++)
        bk[(k[e] >> shift) + 1]++;
    for (long b = 0; b < nb; b++) {
        top = bk[b + 1] > top ? bk[b + 1] : top;
        bk[b + 1] += bk[b];
    }
    for (long e = 0; e < len; e++) {
        long at = bk[k[e] >> shift]++;
        rs->tk[at] = k[e];
        rs->tv[at] = v[e];
    }
    *sk = rs->tk, *sv = rs->tv;
    if (top <= SHORT_RUN)
        sort_short(rs->tk, rs->tv, len); /* each pair at most a bucket away from its place */
    else
        sort_pairs(rs->tk, rs->tv, len, k, v); /* the row's own room is free now */
}

/* Finishes the rows from R->done up to (not including) upto. */
void rct_coo_finish_rows(rct_coo_rows *R, long upto)
{
    for (long r = R->done; r < upto; r++) {
        long a = R->ptr[r], len = R->next[r] - a;
        int *k;
        double *v;
        sort_row(R->idx + a, R->val + a, len, &R->rs, &k, &v);
        R->ptr[r] = R->out; /* never above a: rows below are finished, and only shrink */
        for (long e = 0; e < len;) {
            int at = k[e];
            double sum = v[e];
            for (e++; e < len && k[e] == at; e++)
                sum += v[e];
            if (rct_wload_kept(sum, R->minw)) {
                R->idx[R->out] = at;
                R->val[R->out++] = sum;
            }
        }
    }
    R->done = upto > R->done ? upto : R->done;
}

/* Faults in the pages of a buffer about to be written whole, in one call (else one fault per page). */
void rct_wload_prefault(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    size_t page = (size_t)sysconf(_SC_PAGESIZE), a = ((uintptr_t)p + page - 1) / page * page;
    size_t b = ((uintptr_t)p + bytes) / page * page;
    if (b > a)
        madvise((void *)a, b - a, MADV_POPULATE_WRITE); /* advice: faults do the same */
#else
    (void)p, (void)bytes;
#endif
}

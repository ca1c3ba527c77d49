/*
 * wload_coo.c -- sparse weights (rows of target, source, weight) into compressed rows or columns: a
 * counting sort in two passes over the source, with no array of per-entry structs and no global sort; each
 * row is then sorted locally (bucketed by its index, then merged), duplicates summed in source order.
 */
#include "wload.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SHORT_RUN 32 /* segments up to this length are sorted by insertion */

/* Checks one sparse entry (target, source, weight) of source row `row` (1-based) against n neurons (n 0:
   unknown yet; a rectangular matrix checks against its rows and columns); 0 or an error code. */
static int coo_check(rct_wload *L, const double *e, long row, long n)
{
    const char *what = L->what ? L->what : "--weights-coo";
    if (!isfinite(e[2]))
        return rct_errf(&L->net->err, RECTIC_EINVAL, "%s: row %ld: the weight is not finite", what, row);
    for (int c = 0; c < 2; c++) {
        long bound = L->rows > 0 ? (c ? L->cols : L->rows) : n;
        if (e[c] == floor(e[c]) && e[c] >= 0 && (bound ? e[c] < (double)bound : e[c] < (double)INT32_MAX))
            continue;
        if (bound)
            return rct_errf(&L->net->err, RECTIC_EINVAL, "%s: row %ld: %s index %g is not a %s (0 .. %ld)", what, row,
                            c ? "source" : "target", e[c], L->rows > 0 ? "unit" : "neuron", bound - 1);
        return rct_errf(&L->net->err, RECTIC_EINVAL, "%s: row %ld: %s index %g is not a neuron (a whole "
                        "number from 0 to %d)", what, row, c ? "source" : "target", e[c], INT32_MAX - 1);
    }
    return 0;
}

/* Grows the zeroed counts *cnt (capacity *cap) to hold index at; 0 or an error code. */
static int grow_counts(rct_wload *L, long **cnt, long *cap, long at)
{
    if (at < *cap)
        return 0;
    long c = *cap * 2 > at + 1 ? *cap * 2 : at + 1;
    long *p = realloc(*cnt, ((size_t)c + 1) * sizeof *p);
    if (!p)
        return rct_oom(&L->net->err);
    memset(p + *cap, 0, ((size_t)(c - *cap) + 1) * sizeof *p);
    *cnt = p;
    *cap = c;
    return 0;
}

/* What a pass over sparse weights does with a chunk of `count` entries (e: target, source, weight each),
   the first being row `first` (0-based) of the source; 0 or an error code. */
typedef int (*coo_fn)(rct_wload *L, void *ctx, const double *e, size_t count, long first);

/* One pass over sparse weights, chunk by chunk (whole rows each). */
static int coo_pass(rct_wload *L, coo_fn fn, void *ctx)
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

/* Pass 1 over sparse weights: the counts of entries per major index (grown as needed when n is unknown)
   and the largest index seen (-1 when none). */
typedef struct coo_counts {
    int by_col;
    long n, cap, top;
    long *cnt;
} coo_counts;

/* Checks the entries of a chunk and counts them. */
static int coo_count(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    coo_counts *q = ctx;
    int rc;
    for (size_t x = 0; x < count; x++, e += 3) {
        if ((rc = coo_check(L, e, first + (long)x + 1, q->n)))
            return rc;
        long major = (long)e[q->by_col], hi = (long)(e[0] > e[1] ? e[0] : e[1]);
        if (hi > q->top)
            q->top = hi;
        if ((rc = grow_counts(L, &q->cnt, &q->cap, major)))
            return rc;
        q->cnt[major]++;
    }
    return 0;
}

/* Pass 2 over sparse weights: each entry goes to the next free slot of its row (next[], advanced), so a
   row keeps the order of the source. */
typedef struct coo_slots {
    int by_col;
    long n, n_minor;
    const long *ptr;
    long *next;
    int *idx;
    double *val;
} coo_slots;

/* Places the entries of a chunk (checked again: the file may have changed since pass 1). */
static int coo_place(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    coo_slots *q = ctx;
    for (size_t x = 0; x < count; x++, e += 3) {
        double major = e[q->by_col], minor = e[!q->by_col];
        long m = (long)major;
        if (!(major >= 0 && major < q->n && q->next[m] < q->ptr[m + 1] && minor >= 0 && minor < q->n_minor))
            return rct_errf(&L->net->err, RECTIC_EIO, "%s: the file changed while it was read (row %ld)",
                            L->src->name, first + (long)x + 1);
        long at = q->next[m]++;
        q->idx[at] = (int)minor;
        q->val[at] = e[2];
    }
    return 0;
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

/* Sorts every row locally, sums duplicates in order and drops entries that are 0 or pruned, compacting
   the rows in place; *count receives the entries kept. */
static int coo_merge(rct_wload *L, long n, long *ptr, int *idx, double *val, long *count)
{
    long longest = 0, out = 0;
    for (long r = 0; r < n; r++)
        if (ptr[r + 1] - ptr[r] > longest)
            longest = ptr[r + 1] - ptr[r];
    int *tk = malloc(((size_t)longest / 2 + 1) * sizeof *tk);
    double *tv = malloc(((size_t)longest / 2 + 1) * sizeof *tv);
    if (!tk || !tv) {
        free(tk);
        return free(tv), rct_oom(&L->net->err);
    }
    for (long r = 0; r < n; r++) {
        long a = ptr[r], b = ptr[r + 1];
        sort_pairs(idx + a, val + a, b - a, tk, tv);
        ptr[r] = out;
        for (long k = a; k < b;) {
            int at = idx[k];
            double sum = val[k];
            for (k++; k < b && idx[k] == at; k++)
                sum += val[k];
            if (rct_wload_kept(sum, L->minw)) {
                idx[out] = at;
                val[out++] = sum;
            }
        }
    }
    ptr[n] = out;
    *count = out;
    free(tk);
    free(tv);
    return 0;
}

int rct_wload_coo(rct_wload *L, int by_col, long *n, long **ptr, int **idx, double **val, long *count)
{
    long entries = L->src->rows, nn;
    if (L->rows > 0) /* rectangular: the major index counts rows (targets) or columns (sources) */
        *n = by_col ? L->cols : L->rows;
    coo_counts q = {by_col, *n, *n > 0 ? *n : 1024, -1, NULL};
    *ptr = NULL;
    *idx = NULL;
    *val = NULL;
    q.cnt = calloc((size_t)q.cap + 1, sizeof *q.cnt);
    int rc = q.cnt ? coo_pass(L, coo_count, &q) : rct_oom(&L->net->err);
    L->scanned = rct_now();
    nn = *n > 0 ? *n : q.top + 1;
    if (!rc && nn > 0)
        rc = grow_counts(L, &q.cnt, &q.cap, nn);
    if (!rc && nn > 0 && (!(*ptr = malloc(((size_t)nn + 1) * sizeof **ptr)) ||
                          !(*idx = malloc(((size_t)entries + 1) * sizeof **idx)) ||
                          !(*val = malloc(((size_t)entries + 1) * sizeof **val))))
        rc = rct_oom(&L->net->err);
    if (!rc && nn > 0) {
        (*ptr)[0] = 0;
        for (long r = 0; r < nn; r++) {
            (*ptr)[r + 1] = (*ptr)[r] + q.cnt[r];
            q.cnt[r] = (*ptr)[r]; /* now: the next free slot of row r */
        }
        long minor = L->rows > 0 ? (by_col ? L->rows : L->cols) : nn;
        coo_slots p = {by_col, nn, minor, *ptr, q.cnt, *idx, *val};
        rc = rct_wsrc_rewind(L->src, &L->net->err);
        if (!rc)
            rc = coo_pass(L, coo_place, &p);
        if (!rc)
            rc = coo_merge(L, nn, *ptr, *idx, *val, count);
    }
    free(q.cnt);
    if (rc) {
        free(*ptr);
        free(*idx);
        free(*val);
        *ptr = NULL;
        *idx = NULL;
        *val = NULL;
        return rc;
    }
    *n = nn;
    return 0;
}

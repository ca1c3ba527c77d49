/*
 * wload_stream.c -- sparse weights in order of their major index (target, or source for columns) read
 * once: each entry appended to its row as it streams, every row finished when the next one starts.
 */
#include "wload_stream.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "wload_rows.h"

/* The one pass over a source in order of its major index (issue 15): each entry appended where the
   entries so far end, to its row, which is opened when its first entry comes, after every row before it
   was finished (sorted, duplicates summed, zeros dropped, moved down): no counts, no second read. */
typedef struct coo_stream {
    rct_coo_rows *R;
    long rows;    /* rows of R->ptr and R->next (grown while the number of rows is unknown) */
    long opened;  /* rows 0 .. opened-1 have their start */
    long known_n; /* the number of rows given (0: unknown; indices checked below INT32_MAX) */
    long top;     /* the largest index so far */
    long prev;    /* the major index of the entry before */
    long room;    /* pairs the row sort's room holds */
    int prefault; /* the entries' buffers are to be faulted in at once, after a first chunk in order */
} coo_stream;

/* Makes the row-sorting room hold a row of len pairs; 0 or an error code. */
static int sort_room(rct_wload *L, rct_row_sort *rs, long len, long *room)
{
    if (len <= *room)
        return 0;
    long want = len * 2 > 64 ? len * 2 : 64;
    int *tk = realloc(rs->tk, (size_t)want * sizeof *tk);
    if (tk)
        rs->tk = tk;
    double *tv = tk ? realloc(rs->tv, (size_t)want * sizeof *tv) : NULL;
    if (!tv)
        return rct_oom(&L->net->err);
    rs->tv = tv;
    *room = want;
    return 0;
}

/* Opens rows S->opened .. upto-1 (empty, where the entries so far end), after finishing those before. */
static int stream_open(rct_wload *L, coo_stream *S, long upto)
{
    rct_coo_rows *R = S->R;
    if (upto - 1 > S->rows) { /* the number of rows is unknown: grow (ptr and next hold rows + 1) */
        long c = S->rows * 2 > upto ? S->rows * 2 : upto;
        long *p = realloc(R->ptr, ((size_t)c + 1) * sizeof *p);
        if (p)
            R->ptr = p;
        long *q = p ? realloc(R->next, ((size_t)c + 1) * sizeof *q) : NULL;
        if (!q)
            return rct_oom(&L->net->err);
        R->next = q;
        S->rows = c;
    }
    if (S->opened > 0) { /* the last row opened is complete */
        long r = S->opened - 1;
        int rc = sort_room(L, &R->rs, R->next[r] - R->ptr[r], &S->room);
        if (rc)
            return rc;
        R->rs.n_minor = S->known_n ? R->n_minor : S->top + 1; /* the minor indices so far: the row's buckets */
        rct_coo_finish_rows(R, S->opened);
    }
    for (long r = S->opened; r < upto; r++)
        R->ptr[r] = R->next[r] = R->out;
    S->opened = upto > S->opened ? upto : S->opened;
    return 0;
}

/* The pass: appends the entries of a chunk; RCT_COO_UNSORTED when a major index goes down. */
static int coo_append(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    coo_stream *S = ctx;
    rct_coo_rows *R = S->R;
    double tb = L->rows > 0 ? (double)L->rows : S->known_n ? (double)S->known_n : (double)INT32_MAX;
    double sb = L->rows > 0 ? (double)L->cols : S->known_n ? (double)S->known_n : (double)INT32_MAX;
    if (S->prefault && first > 0) { /* (not before: a file out of order is seen in its first chunk) */
        rct_wload_prefault(R->idx, (size_t)L->src->rows * sizeof *R->idx);
        rct_wload_prefault(R->val, (size_t)L->src->rows * sizeof *R->val);
        S->prefault = 0;
    }
    for (size_t x = 0; x < count; x++, e += 3) {
        if (!(isfinite(e[2]) && rct_coo_index_ok(e[0], tb) && rct_coo_index_ok(e[1], sb)))
            return rct_coo_check(L, e, first + (long)x + 1, S->known_n); /* the message */
        long major = (long)e[R->by_col], hi = (long)(e[0] > e[1] ? e[0] : e[1]);
        S->top = hi > S->top ? hi : S->top;
        if (major < S->prev)
            return RCT_COO_UNSORTED;
        S->prev = major;
        if (e[0] < (double)R->lo || e[0] >= (double)R->hi) /* another part's target */
            continue;
        if (major >= S->opened) {
            int rc = stream_open(L, S, major + 1);
            if (rc)
                return rc;
        }
        long at = R->next[major]++;
        R->idx[at] = (int)e[!R->by_col];
        R->val[at] = e[2];
    }
    return 0;
}

/* Reads a source in order of its major index once (see coo_stream); RCT_COO_UNSORTED when it is not in order
   (nothing kept: the caller reads it in two passes), else as rct_wload_coo. */
int rct_wload_coo_one_pass(rct_wload *L, int by_col, long *n, long **ptr, int **idx, double **val, long *count)
{
    long entries = L->src->rows, rows = *n > 0 ? *n : 1024;
    long minor = L->rows > 0 ? (by_col ? L->rows : L->cols) : *n > 0 ? *n : INT32_MAX;
    rct_coo_rows R = {by_col, 1, *n, minor, malloc(((size_t)rows + 1) * sizeof(long)), malloc(((size_t)rows + 1) * sizeof(long)),
                  malloc(((size_t)entries + 1) * sizeof(int)), malloc(((size_t)entries + 1) * sizeof(double)), 0, 0,
                  L->minw, {malloc(sizeof(long) * (RCT_BUCKETS_MAX + 1)), NULL, NULL, minor}, L->src->lo, L->src->hi};
    coo_stream S = {&R, rows, 0, *n, -1, -1, 0, L->src->parts <= 1}; /* (a part: pages of its entries only) */
    int rc = R.ptr && R.next && R.idx && R.val && R.rs.bk ? 0 : rct_oom(&L->net->err);
    if (!rc)
        rc = rct_coo_pass(L, coo_append, &S);
    long nn = *n > 0 ? *n : S.top + 1;
    if (!rc && (rc = stream_open(L, &S, nn + 1)) == 0) { /* the last row finished, ptr[nn] */
        R.ptr[nn] = R.out;
        *count = R.out;
    }
    L->scanned = rct_now();
    free(R.next);
    free(R.rs.bk);
    free(R.rs.tk);
    free(R.rs.tv);
    if (rc) {
        free(R.ptr), free(R.idx), free(R.val);
        return rc;
    }
    int *i2 = realloc(R.idx, (size_t)R.out * sizeof *i2 + 1); /* shrinking: the old block if it fails */
    double *v2 = realloc(R.val, (size_t)R.out * sizeof *v2 + 1);
    *ptr = R.ptr;
    *idx = i2 ? i2 : R.idx;
    *val = v2 ? v2 : R.val;
    *n = nn;
    L->src->hi = L->src->hi < nn ? L->src->hi : nn;
    return 0;
}

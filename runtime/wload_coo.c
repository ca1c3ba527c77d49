/*
 * wload_coo.c -- sparse weights (rows of target, source, weight) into compressed rows or columns: a
 * counting sort in two passes over the source, with no array of per-entry structs and no global sort; each
 * row is then sorted locally (bucketed by its index, then merged), duplicates summed in source order.
 */
#include "wload.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mpi.h"

#define SHORT_RUN 32        /* segments up to this length are sorted by insertion */
#define BUCKETS_MAX 4096    /* buckets of the counting sort of a row */
#define BUCKET_ROW (1L << 20) /* rows up to this length are counting-sorted first */
#define GROUPS_MAX 2048     /* groups of rows of the grouped placement (at most; rows per group <= 65536) */
#define GROUP_ROOM (1L << 18) /* entries of a group that are spread through a copy in any case */
#define COO_UNSORTED (-2)   /* the one pass stops: an entry's major index went down */

/* Checks one sparse entry (target, source, weight) of source row `row` (1-based) against n neurons (n 0:
   unknown yet; a rectangular matrix checks against its rows and columns); 0 or an error code. */
static int coo_check(rct_wload *L, const double *e, long row, long n)
{
    const char *what = L->what ? L->what : "spec.weights_coo";
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
    long prev;  /* the major index of the entry before */
    int sorted; /* the major indices never go down (rows come whole, in order) */
    long lo, hi; /* only entries whose target is in lo .. hi-1 are counted */
} coo_counts;

/* Whether index x is a whole number in [0, bound). */
static inline int index_ok(double x, double bound)
{
    return x >= 0 && x < bound && x == (double)(long)x;
}

/* Checks the entries of a chunk and counts them. */
static int coo_count(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    coo_counts *q = ctx;
    double tb = L->rows > 0 ? (double)L->rows : q->n ? (double)q->n : (double)INT32_MAX;
    double sb = L->rows > 0 ? (double)L->cols : q->n ? (double)q->n : (double)INT32_MAX;
    int rc;
    for (size_t x = 0; x < count; x++, e += 3) {
        if (!(isfinite(e[2]) && index_ok(e[0], tb) && index_ok(e[1], sb)))
            return coo_check(L, e, first + (long)x + 1, q->n); /* the message */
        long major = (long)e[q->by_col], hi = (long)(e[0] > e[1] ? e[0] : e[1]);
        q->top = hi > q->top ? hi : q->top;
        if (e[0] < (double)q->lo || e[0] >= (double)q->hi) /* another part's target */
            continue;
        q->sorted &= major >= q->prev;
        q->prev = major;
        if (major >= q->cap && (rc = grow_counts(L, &q->cnt, &q->cap, major)))
            return rc;
        q->cnt[major]++;
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

/* Room for sorting rows: the counts of the buckets and pairs for a row (rows longer than BUCKET_ROW are
   merge-sorted without buckets, in half their length). */
typedef struct row_sort {
    long *bk;
    int *tk;
    double *tv;
    long n_minor;
} row_sort;

/* Sorts a row of len (index, value) pairs k, v by index, stable; *sk, *sv: where the sorted row is (k, v,
   or rs's pairs).  A sorted row is left as it is; a short one is sorted by insertion; a longer one is first
   counting-sorted by its indices' top bits into about len buckets in rs's pairs (they then lie near their
   places) and finished there by insertion, or by merge sort when a bucket is long (indices close
   together). */
static void sort_row(int *k, double *v, long len, const row_sort *rs, int **sk, double **sv)
{
    long a = 1;
    *sk = k, *sv = v;
    while (a < len && k[a - 1] <= k[a])
        a++;
    if (a >= len)
        return;
    if (len <= SHORT_RUN || len > BUCKET_ROW) {
        sort_pairs(k, v, len, rs->tk, rs->tv);
        return;
    }
    long nb = 2, top = 0, *bk = rs->bk;
    int shift = 0;
    while (nb < len && nb < BUCKETS_MAX)
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

/* The compressed rows while they are built: row r's entries are placed at ptr[r] .. next[r]; rows below
   `done` are finished: sorted, duplicates summed, zeros dropped, moved down to ptr[r] (rewritten) ..
   `out`. */
typedef struct coo_rows {
    int by_col, fused; /* fused: the source's rows come in order, each finished once the next starts */
    long n, n_minor;
    long *ptr, *next;
    int *idx;
    double *val;
    long done, out;
    double minw;
    row_sort rs;
    long lo, hi; /* only entries whose target is in lo .. hi-1 are placed */
} coo_rows;

/* Finishes the rows from R->done up to (not including) upto. */
static void finish_rows(coo_rows *R, long upto)
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

/* Pass 2: places the entries of a chunk in the next free slots of their rows, in the source's order
   (checked again: the file may have changed since pass 1); fused, each row is finished when the next
   one starts, while it is in cache. */
static int coo_place(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    coo_rows *R = ctx;
    for (size_t x = 0; x < count; x++, e += 3) {
        double major = e[R->by_col], minor = e[!R->by_col];
        long m = (long)major;
        if (e[0] < (double)R->lo || e[0] >= (double)R->hi) /* another part's target */
            continue;
        if (!(major >= 0 && major < R->n && m >= R->done && R->next[m] < R->ptr[m + 1] && minor >= 0 &&
              minor < R->n_minor))
            return rct_errf(&L->net->err, RECTIC_EIO, "%s: the file changed while it was read (row %ld)",
                            L->src->name, first + (long)x + 1);
        if (R->fused && m > R->done)
            finish_rows(R, m);
        long at = R->next[m]++;
        R->idx[at] = (int)minor;
        R->val[at] = e[2];
    }
    return 0;
}

/* The grouped placement, pass 2 when the source's rows come in any order: each entry goes first to the
   next free slot of its group of rows (group r >> shift: a few thousand groups, whose next slots stay in
   cache while the writes run on in each), its row within the group kept on the side; then each group,
   small enough for the cache, is spread into its rows.  Both steps keep the source's order in a row. */
typedef struct coo_groups {
    coo_rows *R;
    int shift;
    long ng, *gnext; /* groups; the next free slot of each */
    uint16_t *local; /* per slot: the row within its group */
} coo_groups;

/* The end of group g's slots (the start of the next group's rows). */
static inline long group_end(const coo_groups *G, long g)
{
    long r = (g + 1) << G->shift;
    return G->R->ptr[r < G->R->n ? r : G->R->n];
}

/* Step 1: places the entries of a chunk in their groups (checked again, as coo_place does). */
static int group_place(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    coo_groups *G = ctx;
    coo_rows *R = G->R;
    for (size_t x = 0; x < count; x++, e += 3) {
        double major = e[R->by_col], minor = e[!R->by_col];
        long m = (long)major, g = m >> G->shift;
        if (e[0] < (double)R->lo || e[0] >= (double)R->hi) /* another part's target */
            continue;
        if (!(major >= 0 && major < R->n && G->gnext[g] < group_end(G, g) && minor >= 0 && minor < R->n_minor))
            return rct_errf(&L->net->err, RECTIC_EIO, "%s: the file changed while it was read (row %ld)",
                            L->src->name, first + (long)x + 1);
        long at = G->gnext[g]++;
        R->idx[at] = (int)minor;
        R->val[at] = e[2];
        G->local[at] = (uint16_t)(m - (g << G->shift));
    }
    return 0;
}

/* Step 2: spreads each group's entries (at most `biggest`) into its rows, through a copy in cache. */
static int group_spread(rct_wload *L, coo_groups *G, long biggest)
{
    coo_rows *R = G->R;
    int *tk = malloc(sizeof *tk * ((size_t)biggest + 1));
    double *tv = malloc(sizeof *tv * ((size_t)biggest + 1));
    uint16_t *tl = malloc(sizeof *tl * ((size_t)biggest + 1));
    int rc = tk && tv && tl ? 0 : rct_oom(&L->net->err);
    for (long g = 0; !rc && g < G->ng; g++) {
        long a = R->ptr[g << G->shift], len = group_end(G, g) - a;
        memcpy(tk, R->idx + a, sizeof *tk * (size_t)len);
        memcpy(tv, R->val + a, sizeof *tv * (size_t)len);
        memcpy(tl, G->local + a, sizeof *tl * (size_t)len);
        for (long e = 0; e < len; e++) {
            long at = R->next[(g << G->shift) + tl[e]]++;
            R->idx[at] = tk[e];
            R->val[at] = tv[e];
        }
    }
    free(tk);
    free(tv);
    free(tl);
    return rc;
}

/* Pass 2 grouped, unless a group holds too many entries for its copy (rows holding most of the entries:
   then *used is 0 and the caller places them plainly); 0 or an error code. */
static int coo_place_grouped(rct_wload *L, coo_rows *R, long entries, int *used)
{
    coo_groups G = {R, 0, 0, NULL, NULL};
    while ((R->n >> G.shift) >= GROUPS_MAX && G.shift < 16)
        G.shift++;
    G.ng = ((R->n - 1) >> G.shift) + 1;
    long biggest = 0;
    for (long g = 0; g < G.ng; g++)
        biggest = group_end(&G, g) - R->ptr[g << G.shift] > biggest ? group_end(&G, g) - R->ptr[g << G.shift] : biggest;
    *used = biggest <= GROUP_ROOM || biggest <= entries / 16;
    if (!*used)
        return 0;
    G.gnext = malloc(sizeof *G.gnext * (size_t)G.ng);
    G.local = malloc(sizeof *G.local * ((size_t)entries + 1));
    int rc = G.gnext && G.local ? 0 : rct_oom(&L->net->err);
    for (long g = 0; !rc && g < G.ng; g++)
        G.gnext[g] = R->ptr[g << G.shift];
    if (!rc)
        rc = coo_pass(L, group_place, &G);
    free(G.gnext);
    if (!rc)
        rc = group_spread(L, &G, biggest);
    free(G.local);
    return rc;
}

/* Pass 2 and the rows finished, into R (its ptr counted, next[] the row starts); *count the entries. */
static int coo_build(rct_wload *L, coo_rows *R, long entries, long longest, long *count)
{
    size_t room = (size_t)(longest <= BUCKET_ROW ? longest : longest / 2) + 1;
    R->rs = (row_sort){malloc(sizeof(long) * (BUCKETS_MAX + 1)), malloc(room * sizeof(int)),
                       malloc(room * sizeof(double)), R->n_minor};
    int rc = !R->rs.bk || !R->rs.tk || !R->rs.tv ? rct_oom(&L->net->err) : rct_wsrc_rewind(L->src, &L->net->err);
    int grouped = 0;
    if (!rc && !R->fused)
        rc = coo_place_grouped(L, R, entries, &grouped);
    if (!rc && !grouped)
        rc = coo_pass(L, coo_place, R);
    if (!rc) {
        finish_rows(R, R->n);
        R->ptr[R->n] = R->out;
        *count = R->out;
    }
    free(R->rs.bk);
    free(R->rs.tk);
    free(R->rs.tv);
    return rc;
}

/* Faults in the pages of a buffer about to be written whole, in one call (else one fault per page). */
static void prefault(void *p, size_t bytes)
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

/* The one pass over a source in order of its major index (issue 15): each entry appended where the
   entries so far end, to its row, which is opened when its first entry comes, after every row before it
   was finished (sorted, duplicates summed, zeros dropped, moved down): no counts, no second read. */
typedef struct coo_stream {
    coo_rows *R;
    long rows;    /* rows of R->ptr and R->next (grown while the number of rows is unknown) */
    long opened;  /* rows 0 .. opened-1 have their start */
    long known_n; /* the number of rows given (0: unknown; indices checked below INT32_MAX) */
    long top;     /* the largest index so far */
    long prev;    /* the major index of the entry before */
    long room;    /* pairs the row sort's room holds */
    int prefault; /* the entries' buffers are to be faulted in at once, after a first chunk in order */
} coo_stream;

/* Makes the row-sorting room hold a row of len pairs; 0 or an error code. */
static int sort_room(rct_wload *L, row_sort *rs, long len, long *room)
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
    coo_rows *R = S->R;
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
        finish_rows(R, S->opened);
    }
    for (long r = S->opened; r < upto; r++)
        R->ptr[r] = R->next[r] = R->out;
    S->opened = upto > S->opened ? upto : S->opened;
    return 0;
}

/* The pass: appends the entries of a chunk; COO_UNSORTED when a major index goes down. */
static int coo_append(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    coo_stream *S = ctx;
    coo_rows *R = S->R;
    double tb = L->rows > 0 ? (double)L->rows : S->known_n ? (double)S->known_n : (double)INT32_MAX;
    double sb = L->rows > 0 ? (double)L->cols : S->known_n ? (double)S->known_n : (double)INT32_MAX;
    if (S->prefault && first > 0) { /* (not before: a file out of order is seen in its first chunk) */
        prefault(R->idx, (size_t)L->src->rows * sizeof *R->idx);
        prefault(R->val, (size_t)L->src->rows * sizeof *R->val);
        S->prefault = 0;
    }
    for (size_t x = 0; x < count; x++, e += 3) {
        if (!(isfinite(e[2]) && index_ok(e[0], tb) && index_ok(e[1], sb)))
            return coo_check(L, e, first + (long)x + 1, S->known_n); /* the message */
        long major = (long)e[R->by_col], hi = (long)(e[0] > e[1] ? e[0] : e[1]);
        S->top = hi > S->top ? hi : S->top;
        if (major < S->prev)
            return COO_UNSORTED;
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

/* Reads a source in order of its major index once (see coo_stream); COO_UNSORTED when it is not in order
   (nothing kept: the caller reads it in two passes), else as rct_wload_coo. */
static int coo_one_pass(rct_wload *L, int by_col, long *n, long **ptr, int **idx, double **val, long *count)
{
    long entries = L->src->rows, rows = *n > 0 ? *n : 1024;
    long minor = L->rows > 0 ? (by_col ? L->rows : L->cols) : *n > 0 ? *n : INT32_MAX;
    coo_rows R = {by_col, 1, *n, minor, malloc(((size_t)rows + 1) * sizeof(long)), malloc(((size_t)rows + 1) * sizeof(long)),
                  malloc(((size_t)entries + 1) * sizeof(int)), malloc(((size_t)entries + 1) * sizeof(double)), 0, 0,
                  L->minw, {malloc(sizeof(long) * (BUCKETS_MAX + 1)), NULL, NULL, minor}, L->src->lo, L->src->hi};
    coo_stream S = {&R, rows, 0, *n, -1, -1, 0, L->src->parts <= 1}; /* (a part: pages of its entries only) */
    int rc = R.ptr && R.next && R.idx && R.val && R.rs.bk ? 0 : rct_oom(&L->net->err);
    if (!rc)
        rc = coo_pass(L, coo_append, &S);
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

/* The part of nn targets the source keeps, into *lo, *hi: all of them (no part asked, or at most min_rows
   targets), rct_mpi_block's block, or with the source's balance and counts (cnt: entries onto each target)
   its part of contiguous parts of about equal cost (a target's entries plus one), whose bounds the source
   keeps.  0 or an error code. */
static int part_of(rct_wload *L, const long *cnt, long nn, long *lo, long *hi)
{
    rct_wsrc *s = L->src;
    *lo = 0;
    *hi = nn;
    if (s->parts <= 1 || L->rows > 0 || nn <= s->min_rows)
        return 0;
    if (!s->balance) {
        rct_mpi_block(nn, s->parts, s->part, lo, hi);
        return 0;
    }
    free(s->bounds);
    if (!(s->bounds = malloc(((size_t)s->parts + 1) * sizeof *s->bounds)))
        return rct_oom(&L->net->err);
    double total = 0, acc = 0; /* (sums of whole numbers below 2^53: exact, the same on every rank) */
    for (long i = 0; i < nn; i++)
        total += (double)cnt[i] + 1;
    long i = 0;
    s->bounds[0] = 0;
    for (int r = 1; r < s->parts; r++) {
        double goal = total * r / s->parts;
        while (i < nn && acc + (double)cnt[i] + 1 <= goal)
            acc += (double)cnt[i++] + 1;
        s->bounds[r] = i;
    }
    s->bounds[s->parts] = nn;
    *lo = s->bounds[s->part];
    *hi = s->bounds[s->part + 1];
    return 0;
}

/* Event-driven columns of a part not known yet: the number of targets and the part, from a pass counting
   the entries onto each target (then the source is read again).  0 or an error code. */
static int part_first(rct_wload *L, long n, long *lo, long *hi)
{
    coo_counts t = {0, n, n > 0 ? n : 1024, -1, NULL, 0, 1, 0, LONG_MAX};
    t.cnt = calloc((size_t)t.cap + 1, sizeof *t.cnt);
    int rc = t.cnt ? coo_pass(L, coo_count, &t) : rct_oom(&L->net->err);
    long nn = n > 0 ? n : t.top + 1;
    if (!rc && nn > 0)
        rc = grow_counts(L, &t.cnt, &t.cap, nn);
    if (!rc)
        rc = part_of(L, t.cnt, nn, lo, hi);
    free(t.cnt);
    return rc ? rc : rct_wsrc_rewind(L->src, &L->net->err);
}

/* The counting sort in two passes (see rct_wload_coo); parts: how many parts the targets are split in. */
static int coo_two_pass(rct_wload *L, int by_col, int parts, long *n, long **ptr, int **idx, double **val, long *count)
{
    long nn, longest = 0;
    coo_counts q = {by_col, *n, *n > 0 ? *n : 1024, -1, NULL, 0, 1, L->src->lo, L->src->hi};
    int rc = 0;
    if (parts > 1 && by_col && q.hi == LONG_MAX && (rc = part_first(L, *n, &q.lo, &q.hi)))
        return rc; /* (the counts by source are of the part's targets only) */
    q.cnt = calloc((size_t)q.cap + 1, sizeof *q.cnt);
    rc = q.cnt ? coo_pass(L, coo_count, &q) : rct_oom(&L->net->err);
    L->scanned = rct_now();
    nn = *n > 0 ? *n : q.top + 1;
    if (!rc && nn > 0)
        rc = grow_counts(L, &q.cnt, &q.cap, nn);
    if (!rc && parts > 1 && q.hi == LONG_MAX && !(rc = part_of(L, q.cnt, nn, &q.lo, &q.hi)))
        for (long r = 0; r < nn; r++) /* the part known now: the counts of its targets only */
            q.cnt[r] = r >= q.lo && r < q.hi ? q.cnt[r] : 0;
    L->src->lo = q.lo;
    L->src->hi = q.hi < nn ? q.hi : nn;
    long entries = 0;
    for (long r = 0; !rc && r < nn; r++)
        entries += q.cnt[r];
    if (!rc && nn > 0 && (!(*ptr = malloc(((size_t)nn + 1) * sizeof **ptr)) ||
                          !(*idx = malloc(((size_t)entries + 1) * sizeof **idx)) ||
                          !(*val = malloc(((size_t)entries + 1) * sizeof **val))))
        rc = rct_oom(&L->net->err);
    if (!rc && nn > 0) {
        prefault(*idx, (size_t)entries * sizeof **idx);
        prefault(*val, (size_t)entries * sizeof **val);
        (*ptr)[0] = 0;
        for (long r = 0; r < nn; r++) {
            (*ptr)[r + 1] = (*ptr)[r] + q.cnt[r];
            q.cnt[r] = (*ptr)[r]; /* now: the next free slot of row r */
            longest = (*ptr)[r + 1] - (*ptr)[r] > longest ? (*ptr)[r + 1] - (*ptr)[r] : longest;
        }
        long minor = L->rows > 0 ? (by_col ? L->rows : L->cols) : nn;
        coo_rows R = {by_col, q.sorted, nn, minor, *ptr, q.cnt, *idx, *val, 0, 0, L->minw, {0}, q.lo, q.hi};
        rc = coo_build(L, &R, entries, longest, count);
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

int rct_wload_coo(rct_wload *L, int by_col, long *n, long **ptr, int **idx, double **val, long *count)
{
    if (L->rows > 0) /* rectangular: the major index counts rows (targets) or columns (sources) */
        *n = by_col ? L->cols : L->rows;
    int parts = L->src->parts > 1 && L->rows <= 0 ? L->src->parts : 1, rc;
    *ptr = NULL;
    *idx = NULL;
    *val = NULL;
    if (L->rows <= 0 || L->src->parts <= 1) { /* (a part of a rectangular matrix: the targets the caller set) */
        L->src->lo = 0;
        L->src->hi = LONG_MAX;
    }
    if (parts > 1 && *n > 0 && !L->src->balance && (rc = part_of(L, NULL, *n, &L->src->lo, &L->src->hi)))
        return rc;
    if (parts == 1 || L->src->hi != LONG_MAX) { /* (a part not known yet is known after a pass) */
        rc = coo_one_pass(L, by_col, n, ptr, idx, val, count);
        if (rc != COO_UNSORTED)
            return rc;
        if ((rc = rct_wsrc_rewind(L->src, &L->net->err)))
            return rc;
        L->done = 0;
    }
    return coo_two_pass(L, by_col, parts, n, ptr, idx, val, count);
}

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

#include "mpi.h"
#include "wpart.h"
#include "wload_rows.h"
#include "wload_stream.h"

#define GROUPS_MAX 2048     /* groups of rows of the grouped placement (at most; rows per group <= 65536) */
#define GROUP_ROOM (1L << 18) /* entries of a group that are spread through a copy in any case */

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

/* Checks the entries of a chunk and counts them. */
static int coo_count(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    coo_counts *q = ctx;
    double tb = L->rows > 0 ? (double)L->rows : q->n ? (double)q->n : (double)INT32_MAX;
    double sb = L->rows > 0 ? (double)L->cols : q->n ? (double)q->n : (double)INT32_MAX;
    int rc;
    for (size_t x = 0; x < count; x++, e += 3) {
        if (!(isfinite(e[2]) && rct_coo_index_ok(e[0], tb) && rct_coo_index_ok(e[1], sb)))
            return rct_coo_check(L, e, first + (long)x + 1, q->n); /* the message */
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

/* Pass 2: places the entries of a chunk in the next free slots of their rows, in the source's order
   (checked again: the file may have changed since pass 1); fused, each row is finished when the next
   one starts, while it is in cache. */
static int coo_place(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    rct_coo_rows *R = ctx;
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
            rct_coo_finish_rows(R, m);
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
    rct_coo_rows *R;
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
    rct_coo_rows *R = G->R;
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
    rct_coo_rows *R = G->R;
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
static int coo_place_grouped(rct_wload *L, rct_coo_rows *R, long entries, int *used)
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
        rc = rct_coo_pass(L, group_place, &G);
    free(G.gnext);
    if (!rc)
        rc = group_spread(L, &G, biggest);
    free(G.local);
    return rc;
}

/* Pass 2 and the rows finished, into R (its ptr counted, next[] the row starts); *count the entries. */
static int coo_build(rct_wload *L, rct_coo_rows *R, long entries, long longest, long *count)
{
    size_t room = (size_t)(longest <= RCT_BUCKET_ROW ? longest : longest / 2) + 1;
    R->rs = (rct_row_sort){malloc(sizeof(long) * (RCT_BUCKETS_MAX + 1)), malloc(room * sizeof(int)),
                       malloc(room * sizeof(double)), R->n_minor};
    int rc = !R->rs.bk || !R->rs.tk || !R->rs.tv ? rct_oom(&L->net->err) : rct_wsrc_rewind(L->src, &L->net->err);
    int grouped = 0;
    if (!rc && !R->fused)
        rc = coo_place_grouped(L, R, entries, &grouped);
    if (!rc && !grouped)
        rc = rct_coo_pass(L, coo_place, R);
    if (!rc) {
        rct_coo_finish_rows(R, R->n);
        R->ptr[R->n] = R->out;
        *count = R->out;
    }
    free(R->rs.bk);
    free(R->rs.tk);
    free(R->rs.tv);
    return rc;
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
    rct_wpart_balance(cnt, nn, s->parts, s->bounds);
    *lo = s->bounds[s->part];
    *hi = s->bounds[s->part + 1];
    return 0;
}

int rct_wload_coo_counts(rct_wload *L, long *n, long **cnt)
{
    coo_counts t = {0, *n, *n > 0 ? *n : 1024, -1, NULL, 0, 1, 0, LONG_MAX};
    t.cnt = calloc((size_t)t.cap + 1, sizeof *t.cnt);
    int rc = t.cnt ? rct_coo_pass(L, coo_count, &t) : rct_oom(&L->net->err);
    long nn = *n > 0 ? *n : t.top + 1;
    if (!rc && nn > 0)
        rc = grow_counts(L, &t.cnt, &t.cap, nn);
    if (!rc)
        rc = rct_wsrc_rewind(L->src, &L->net->err);
    if (rc) {
        free(t.cnt);
        return rc;
    }
    *n = nn;
    *cnt = t.cnt;
    return 0;
}

/* Event-driven columns of a part not known yet: the number of targets and the part, from a pass counting
   the entries onto each target (then the source is read again).  0 or an error code. */
static int part_first(rct_wload *L, long n, long *lo, long *hi)
{
    long *cnt = NULL;
    int rc = rct_wload_coo_counts(L, &n, &cnt);
    if (!rc)
        rc = part_of(L, cnt, n, lo, hi);
    free(cnt);
    return rc;
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
    rc = q.cnt ? rct_coo_pass(L, coo_count, &q) : rct_oom(&L->net->err);
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
        rct_wload_prefault(*idx, (size_t)entries * sizeof **idx);
        rct_wload_prefault(*val, (size_t)entries * sizeof **val);
        (*ptr)[0] = 0;
        for (long r = 0; r < nn; r++) {
            (*ptr)[r + 1] = (*ptr)[r] + q.cnt[r];
            q.cnt[r] = (*ptr)[r]; /* now: the next free slot of row r */
            longest = (*ptr)[r + 1] - (*ptr)[r] > longest ? (*ptr)[r + 1] - (*ptr)[r] : longest;
        }
        long minor = L->rows > 0 ? (by_col ? L->rows : L->cols) : nn;
        rct_coo_rows R = {by_col, q.sorted, nn, minor, *ptr, q.cnt, *idx, *val, 0, 0, L->minw, {0}, q.lo, q.hi};
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
        rc = rct_wload_coo_one_pass(L, by_col, n, ptr, idx, val, count);
        if (rc != RCT_COO_UNSORTED)
            return rc;
        if ((rc = rct_wsrc_rewind(L->src, &L->net->err)))
            return rc;
        L->done = 0;
    }
    return coo_two_pass(L, by_col, parts, n, ptr, idx, val, count);
}

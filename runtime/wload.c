/*
 * wload.c -- the passes that turn a source of dense weights into the buffers the kernel reads, streaming:
 * one scan (finite check, counts) and one pass writing the final layout, a block of lines at a time where
 * that layout runs across the source's lines (a blocked transpose).  Sparse weights: wload_coo.c.
 */
#include "wload.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Counts k elements done and asks the progress callback. */
int rct_wload_tick(rct_wload *L, size_t k)
{
    L->done += (long)k;
    if (L->fn && L->fn(L->user, L->done, L->total))
        return rct_errf(&L->net->err, RECTIC_ECANCEL, "%s: loading the weights was cancelled", L->src->name);
    return 0;
}

/* The matrix's rows and columns (targets x sources). */
static void shape(const rct_wload *L, long *rows, long *cols)
{
    *rows = L->rows > 0 ? L->rows : L->net->n;
    *cols = L->rows > 0 ? L->cols : L->net->n;
}

/* The source's lines (rows, or columns of a column-major source) as the passes walk it: `lines` lines of
   `len` elements; counts per line (maj) and per position within a line (minor). */
typedef struct lines {
    long lines, len;
    long *maj, *minor;
} lines;

/* The lines of the source of L, with the per-row and per-column counts placed accordingly. */
static lines source_lines(const rct_wload *L, long *row_cnt, long *col_cnt)
{
    long rows, cols;
    shape(L, &rows, &cols);
    if (L->src->fortran)
        return (lines){cols, rows, col_cnt, row_cnt};
    return (lines){rows, cols, row_cnt, col_cnt};
}

/* The first line the source delivers (a part of the rows: its first row; lines of a column-major source
   are always delivered whole). */
static long first_line(const rct_wsrc *s, const lines *g)
{
    return g->len > 0 ? (long)(s->first / (size_t)g->len) : 0;
}

#define PREFETCH_AHEAD 512 /* elements: 4 KiB */

typedef double v2d __attribute__((vector_size(16))); /* GCC/Clang vector extensions: 2 lanes (SSE2, NEON) */
typedef long long v2l __attribute__((vector_size(16)));

/* Scans x[0 .. len) of one line, the first at position m of the line: counts the kept entries (nonzero and
   not pruned; minw < 0 prunes none) into *line_kept and minor[m ..]; *dropped is set when an entry is
   dropped or is a negative zero (the kernel would not hold the same bits).  Branch-free, two pairs of
   entries at a time, with comparisons of doubles only (SSE2 has no 64-bit integer compare); returns
   nonzero when an entry is not finite. */
static int scan_segment(const double *x, long len, long *minor, double minw, long *line_kept, int *dropped)
{
    const v2l sign = {LLONG_MIN, LLONG_MIN};
    const v2d lim = {minw, minw}, zero = {0, 0};
    v2l bad = {0, 0}, drop = {0, 0}, sum = {0, 0};
    long e = 0;
    if (minw < 0 && !minor) /* nothing pruned, no counts by position: the common case, fewer operations */
        for (; e + 8 <= len; e += 8)
            for (int h = 0; h < 8; h += 2) {
                if (h == 0) /* the next pages: a mapped file's pages are scattered, the hardware stops at each */
                    __builtin_prefetch(&x[e + PREFETCH_AHEAD]);
                v2d v, t;
                memcpy(&v, &x[e + h], sizeof v);
                v2l nz = (v2l)(v != zero);
                t = v - v; /* NaN where v is infinite or NaN */
                bad |= (v2l)(t != t);
                drop |= (v2l)(v == zero) & (v2l)v; /* a negative zero leaves its sign bit */
                sum -= nz;
            }
    for (; e + 4 <= len; e += 4)
        for (int h = 0; h < 4; h += 2) {
            v2d v, t;
            v2l cnt = {0, 0};
            memcpy(&v, &x[e + h], sizeof v);
            if (minor)
                memcpy(&cnt, &minor[e + h], sizeof cnt);
            v2l pruned = (v2l)((v2d)((v2l)v & ~sign) <= lim), nz = (v2l)(v != zero), k = nz & ~pruned;
            t = v - v;
            bad |= (v2l)(t != t);
            drop |= ((v2l)(v == zero) & (v2l)v) | (nz & pruned);
            cnt -= k; /* k: -1 where kept */
            sum -= k;
            if (minor)
                memcpy(&minor[e + h], &cnt, sizeof cnt);
        }
    long tail = 0, tbad = 0, tdrop = 0;
    for (; e < len; e++) {
        int k = rct_wload_kept(x[e], minw);
        tbad |= !isfinite(x[e]);
        tdrop |= (x[e] != 0 || signbit(x[e])) && !k;
        if (minor)
            minor[e] += k;
        tail += k;
    }
    *line_kept += sum[0] + sum[1] + tail;
    *dropped |= (drop[0] | drop[1] | tdrop) != 0;
    return (bad[0] | bad[1] | tbad) != 0;
}

/* The message for the first entry of x[0 .. len) that is not finite, the first at (line l, position m). */
static int not_finite(rct_wload *L, const double *x, long len, long l, long m)
{
    long e = 0;
    while (e < len - 1 && isfinite(x[e]))
        e++;
    long i = L->src->fortran ? m + e : l, j = L->src->fortran ? l : m + e;
    return rct_errf(&L->net->err, RECTIC_EINVAL, "%s: %s: entry at row %ld, column %ld is %s: weights must be "
                    "finite numbers", L->what ? L->what : "spec.weights", L->src->name, i + 1, j + 1,
                    isnan(x[e]) ? "NaN" : "infinite");
}

int rct_wload_dense_scan(rct_wload *L, long *row_cnt, long *col_cnt, long *kept, int *exact)
{
    rct_wsrc *s = L->src;
    lines g = source_lines(L, row_cnt, col_cnt);
    long l = first_line(s, &g), m = 0, total = 0;
    int dropped = 0, rc;
    const double *c;
    size_t k;
    while (!(rc = rct_wsrc_next(s, &c, &k, &L->net->err)) && k) {
        for (size_t e = 0; e < k;) { /* the chunk, cut where lines end */
            long len = g.len - m < (long)(k - e) ? g.len - m : (long)(k - e), got = 0;
            if (scan_segment(c + e, len, g.minor ? g.minor + m : NULL, L->minw, &got, &dropped))
                return not_finite(L, c + e, len, l, m);
            if (g.maj)
                g.maj[l] += got;
            total += got;
            e += (size_t)len;
            if ((m += len) == g.len)
                m = 0, l++;
        }
        if ((rc = rct_wload_tick(L, k)))
            return rc;
    }
    *kept = total;
    *exact = !dropped;
    L->scanned = rct_now();
    return rc;
}

/* Where pass 2 writes: dense matrices (any of them NULL) and compressed lines, each either along the
   source's lines (same) or across them (transposed: the source's position within a line is their line). */
typedef struct fill_to {
    rectic_net *net;
    double minw;
    void *same, *trans;     /* dense: [line * len + m], and [m * lines + line] */
    long *next;             /* compressed: the next free slot of each of their lines */
    int *idx;
    void *val;
    int sparse_trans;       /* the compressed lines run across the source's lines */
    int room;               /* each compressed line has a slot for every entry (written at capacity) */
    long lines, len;
} fill_to;

/* Weight x as the kernel holds it: 0 when dropped. */
static inline double kept_value(const fill_to *t, double x)
{
    return rct_wload_kept(x, t->minw) ? x : 0.0;
}

/* Writes nl whole lines (the first is line l0), blk[line * len + m], along the source's lines. */
static void fill_same(const fill_to *t, const double *blk, long l0, long nl)
{
    long len = t->len;
    for (long l = 0; l < nl; l++) {
        const double *x = blk + l * len;
        size_t at = (size_t)(l0 + l) * (size_t)len;
        if (t->same && t->net->f32)
            for (long m = 0; m < len; m++)
                ((float *)t->same)[at + (size_t)m] = (float)kept_value(t, x[m]);
        else if (t->same)
            for (long m = 0; m < len; m++)
                ((double *)t->same)[at + (size_t)m] = kept_value(t, x[m]);
        for (long m = 0; t->next && !t->sparse_trans && m < len; m++)
            if (rct_wload_kept(x[m], t->minw)) {
                long slot = t->next[l0 + l]++;
                t->idx[slot] = (int)m;
                rct_rset(t->net, t->val, (size_t)slot, x[m]);
            }
    }
}

/* Writes the same lines across the source's lines into the dense matrix: for each position m, the lines
   of the block in order. */
static void fill_trans_dense(const fill_to *t, const double *blk, long l0, long nl)
{
    long len = t->len;
    for (long m = 0; m < len; m++) {
        size_t at = (size_t)m * (size_t)t->lines + (size_t)l0;
        for (long l = 0; l < nl; l++)
            rct_rset(t->net, t->trans, at + (size_t)l, kept_value(t, blk[l * len + m]));
    }
}

/* Appends the kept entries of x[0 .. nl) (those of lines l0 ..) to a compressed line whose next free
   slot is *slot, values as doubles (f32 0) or floats.  With room (the line has a slot for every entry) every
   entry is written and the slot advances past the kept ones (no branch); else only kept ones are written.
   Returns the bits of x - x or'ed (nonzero when an entry is not finite). */
static inline uint64_t append_as(int *restrict idx, void *restrict val, int f32, int room, double minw,
                                 const double *x, long nl, long l0, long *slot)
{
    long s = *slot;
    uint64_t bad = 0;
    for (long l = 0; l < nl; l++) {
        double v = x[l], d = v - v; /* NaN where v is not finite */
        uint64_t b;
        memcpy(&b, &d, sizeof b);
        bad |= b;
        long keep = (v != 0) & !(fabs(v) <= minw);
        if (!keep && !room)
            continue;
        idx[s] = (int)(l0 + l);
        if (f32)
            ((float *)val)[s] = (float)v;
        else
            ((double *)val)[s] = v;
        s += keep;
    }
    *slot = s;
    return bad;
}

/* append_as for the target t, with its type and room fixed in each call (four loops). */
static uint64_t append_line(const fill_to *t, const double *x, long nl, long l0, long *slot)
{
    if (t->net->f32)
        return t->room ? append_as(t->idx, t->val, 1, 1, t->minw, x, nl, l0, slot)
                       : append_as(t->idx, t->val, 1, 0, t->minw, x, nl, l0, slot);
    return t->room ? append_as(t->idx, t->val, 0, 1, t->minw, x, nl, l0, slot)
                   : append_as(t->idx, t->val, 0, 0, t->minw, x, nl, l0, slot);
}

#define STRIP 64       /* positions per strip of the staged transpose */
#define GATHER_AHEAD 4 /* lines prefetched ahead in the gather */

/* Appends the kept entries of the block's lines to the compressed lines across them.  A strip of STRIP
   positions is first gathered by position into stage (STRIP x nl, in cache: each line of the block is read
   once, in pieces of 512 bytes), then each position's entries are appended in line order, where the previous
   block's ended: reads and writes both run on.  Returns nonzero when an entry is not finite. */
static int fill_trans_sparse(const fill_to *t, const double *blk, long l0, long nl, double *stage)
{
    long len = t->len;
    uint64_t bad = 0;
    for (long m0 = 0; m0 < len; m0 += STRIP) {
        long w = len - m0 < STRIP ? len - m0 : STRIP;
        for (long l = 0; l < nl; l++) {
            const double *r = blk + l * len + m0;
            if (l + GATHER_AHEAD < nl) /* lines lie apart: the hardware fetches none ahead */
                for (long q = 0; q < w; q += 8)
                    __builtin_prefetch(r + GATHER_AHEAD * len + q);
            for (long q = 0; q < w; q++)
                stage[q * nl + l] = r[q];
        }
        for (long q = 0; q < w; q++)
            bad |= append_line(t, stage + q * nl, nl, l0, &t->next[m0 + q]);
    }
    return bad != 0;
}

#define BLOCK_BYTES ((size_t)32 << 20) /* a block of lines of pass 2: about this many bytes (in cache) */

/* Lines per block: about BLOCK_BYTES of them (the writes across lines then run on for hundreds of entries
   per line: each page written is written at length, not one entry at a time). */
static long block_lines(const lines *g)
{
    long per = (long)(BLOCK_BYTES / sizeof(double)) / (g->len ? g->len : 1);
    return per < 1 ? 1 : per;
}

int rct_wload_dense_fill(rct_wload *L, void *w, void *w_cols, long *next, int *idx, void *val, int by_col)
{
    rct_wsrc *s = L->src;
    lines g = source_lines(L, NULL, NULL);
    int f = s->fortran, rc;
    fill_to t = {L->net, L->minw, f ? w_cols : w, f ? w : w_cols, next, idx, val, by_col != f, 0, g.lines, g.len};
    long per = block_lines(&g), l = first_line(s, &g);
    double *stage = next && t.sparse_trans ? malloc(STRIP * (size_t)per * sizeof *stage) : NULL;
    const double *c;
    size_t k;
    if (next && t.sparse_trans && !stage)
        return rct_oom(&L->net->err);
    if ((rc = rct_wsrc_rewind(s, &L->net->err)))
        return free(stage), rc;
    while (!(rc = rct_wsrc_next_max(s, (size_t)per * (size_t)g.len, &c, &k, &L->net->err)) && k) {
        long nl = (long)k / g.len; /* whole lines: every chunk but the last is `per` of them */
        fill_same(&t, c, l, nl);
        if (t.trans)
            fill_trans_dense(&t, c, l, nl);
        if (t.next && t.sparse_trans)
            fill_trans_sparse(&t, c, l, nl, stage); /* checked in pass 1 */
        l += nl;
        if ((rc = rct_wload_tick(L, k)))
            break;
    }
    free(stage);
    return rc;
}

void *rct_wload_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;
    if (bytes >= 2 * huge) {
        if (posix_memalign(&p, huge, bytes) != 0)
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE); /* advice only: without it the pages are small */
#endif
        return p;
    }
    return malloc(bytes + 1);
}

/* Closes the gaps of compressed lines written at fixed capacity (line j from j * cap, next[j] its end):
   ptr[] gets the starts, the entries move down, the buffers shrink to the count; *count the entries. */
static void compact(rectic_net *net, long major, long cap, const long *next, long *ptr, int **idx, void **val,
                    long *count)
{
    size_t rs = rct_rsize(net);
    ptr[0] = 0;
    for (long j = 0; j < major; j++) {
        long from = j * cap, len = next[j] - from;
        if (ptr[j] != from) {
            memmove(*idx + ptr[j], *idx + from, (size_t)len * sizeof **idx);
            memmove((char *)*val + (size_t)ptr[j] * rs, (char *)*val + (size_t)from * rs, (size_t)len * rs);
        }
        ptr[j + 1] = ptr[j] + len;
    }
    *count = ptr[major];
    if (*count == major * cap)
        return;
    int *i2 = realloc(*idx, (size_t)*count * sizeof **idx + 1); /* shrinking: the old block if it fails */
    void *v2 = realloc(*val, (size_t)*count * rs + 1);
    *idx = i2 ? i2 : *idx;
    *val = v2 ? v2 : *val;
}

/* Frees what rct_wload_dense_compressed allocated, on failure; returns rc. */
static int drop_compressed(int rc, long **ptr, int **idx, void **val)
{
    free(*ptr);
    free(*idx);
    free(*val);
    *ptr = NULL;
    *idx = NULL;
    *val = NULL;
    return rc;
}

int rct_wload_dense_compressed(rct_wload *L, int by_col, long **ptr, int **idx, void **val, long *count)
{
    rectic_net *net = L->net;
    rct_wsrc *s = L->src;
    lines g = source_lines(L, NULL, NULL);
    int trans = by_col != s->fortran, dropped = 0, rc = 0;
    long major = trans ? g.len : g.lines, per = block_lines(&g), l = first_line(s, &g);
    long cap = trans ? (s->fortran ? g.lines : s->hi - s->lo) : g.len; /* a column's entries: its rows */
    *ptr = malloc(((size_t)major + 1) * sizeof **ptr);
    /* room for every entry: 12 bytes each, 1.5 x a float64 file (shrunk to the entries kept at the end) */
    *idx = rct_wload_alloc((size_t)major * (size_t)cap * sizeof **idx);
    *val = rct_wload_alloc((size_t)major * (size_t)cap * rct_rsize(net));
    long *next = malloc(((size_t)major + 1) * sizeof *next);
    double *stage = trans ? malloc(STRIP * (size_t)per * sizeof *stage) : NULL;
    if (!*ptr || !*idx || !*val || !next || (trans && !stage))
        rc = rct_oom(&net->err);
    for (long j = 0; !rc && j < major; j++)
        next[j] = j * cap;
    fill_to t = {net, L->minw, NULL, NULL, next, *idx, *val, trans, 1, g.lines, g.len};
    const double *c;
    size_t k;
    while (!rc && !(rc = rct_wsrc_next_max(s, (size_t)per * (size_t)g.len, &c, &k, &net->err)) && k) {
        long nl = (long)k / g.len, got = 0, b = nl;
        if (!trans || fill_trans_sparse(&t, c, l, nl, stage)) /* along lines: checked first (then in cache for
                                                                the writes); across: the first not finite */
            for (b = 0; b < nl && !scan_segment(c + b * g.len, g.len, NULL, L->minw, &got, &dropped); b++)
                ;
        if (b < nl) {
            rc = not_finite(L, c + b * g.len, g.len, l + b, 0);
            break;
        }
        if (!trans)
            fill_same(&t, c, l, nl);
        l += nl;
        rc = rct_wload_tick(L, k);
    }
    L->scanned = rct_now();
    if (!rc)
        compact(net, major, cap, next, *ptr, idx, val, count);
    free(next);
    free(stage);
    return rc ? drop_compressed(rc, ptr, idx, val) : 0;
}

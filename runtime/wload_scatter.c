/*
 * wload_scatter.c -- sparse weights read by rank 0 and sent to each rank in parts (see wload_scatter.h).
 */
#include "wload_scatter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpi.h"
#include "wload_rows.h"
#include "wpart.h"

/* An entry as sent: target, source, weight.  A message is a header, whose t is the count of entries that
   follow (0: the last message of the pass), then the entries. */
typedef struct sent_entry {
    int32_t t, s;
    double w;
} sent_entry;

/* What every rank learns from rank 0 after the counting pass: the number of targets, whether every rank
   takes every target (a matrix of at most min_rows rows), and the blocks (P + 1 bounds). */
typedef struct scatter_plan {
    long n, whole;
    long *bounds;
} scatter_plan;

/* A rank's rows while its entries arrive: row r's next free slot next[r] (ptr[r] .. ptr[r+1]-1 its room);
   only targets lo .. hi-1 have room.  rc: the first placement's failure (the rest still drains). */
typedef struct scatter_rows {
    long n, lo, hi;
    long *ptr, *next;
    int *idx;
    double *val;
    int rc;
} scatter_rows;

/* Rank 0's pass 2: the entries of each other rank gathered in two buffers of RCT_SCATTER_CHUNK entries (one
   filling while the other is sent), and its own placed in R. */
typedef struct scatter_send {
    const scatter_plan *plan;
    scatter_rows *R;
    int parts, last;        /* last: the rank of the entry before (targets often come in order) */
    sent_entry *buf;        /* rank r's buffer b at buf + (2 r + b) (RCT_SCATTER_CHUNK + 1) */
    int *cur;               /* the buffer each rank fills */
    rct_mpi_req *req;       /* the sends of each rank's two buffers */
} scatter_send;

/* The blocks of n targets with counts cnt: every target on every rank (whole: at most min_rows), blocks of
   about equal cost (balance) or of equal size. */
static void plan_blocks(const rct_wsrc *s, const long *cnt, scatter_plan *plan)
{
    plan->whole = plan->n <= s->min_rows;
    if (plan->whole) {
        for (int r = 0; r <= s->parts; r++)
            plan->bounds[r] = r ? plan->n : 0;
    } else if (s->balance) {
        rct_wpart_balance(cnt, plan->n, s->parts, plan->bounds);
    } else {
        for (int r = 0; r < s->parts; r++)
            rct_mpi_block(plan->n, s->parts, r, &plan->bounds[r], &plan->bounds[r + 1]);
        for (int r = 0; r < s->parts; r++) /* (an empty block is n .. n) */
            plan->bounds[r + 1] = plan->bounds[r + 1] < plan->bounds[r] ? plan->bounds[r] : plan->bounds[r + 1];
    }
}

/* Rank `part`'s targets under the plan: lo .. hi-1. */
static void plan_part(const scatter_plan *plan, int part, long *lo, long *hi)
{
    *lo = plan->whole ? 0 : plan->bounds[part];
    *hi = plan->whole ? plan->n : plan->bounds[part + 1];
}

/* Rank 0: pass 1 (checks and counts into *cnt), the plan; then every rank agrees on the outcome and learns
   the plan.  0 or an error code (on every rank). */
static int scatter_plan_make(rct_wload *L, long *n, long **cnt, scatter_plan *plan)
{
    rct_wsrc *s = L->src;
    rectic_net *net = L->net;
    long head[2] = {0, 0};
    int rc = (plan->bounds = calloc((size_t)s->parts + 1, sizeof *plan->bounds)) ? 0 : rct_oom(&net->err);
    plan->n = *n;
    if (!rc && s->part == 0 && !(rc = rct_wload_coo_counts(L, &plan->n, cnt)))
        plan_blocks(s, *cnt, plan);
    L->scanned = rct_now();
    if ((rc = rct_wpart_agree(net, rc, s->parts, NULL))) {
        L->src->agreed = 1;
        return rc;
    }
    head[0] = plan->n, head[1] = plan->whole;
    if (rct_mpi_bcast(net->mpi, head, sizeof head, &net->err) ||
        rct_mpi_bcast(net->mpi, plan->bounds, ((size_t)s->parts + 1) * sizeof *plan->bounds, &net->err))
        return RECTIC_EIO;
    plan->n = head[0], plan->whole = head[1];
    return 0;
}

/* Each rank's counts of its targets: rank 0 sends rank r cnt[lo .. hi-1]; the others receive theirs into
   their R->next[lo .. hi-1].  0 or an error code. */
static int scatter_counts(rct_wload *L, const scatter_plan *plan, const long *cnt, scatter_rows *R)
{
    rct_wsrc *s = L->src;
    rct_mpi *m = L->net->mpi;
    long lo, hi;
    if (s->part != 0)
        return rct_mpi_recv(m, R->next + R->lo, (size_t)(R->hi - R->lo) * sizeof *R->next, 0, &L->net->err)
                   ? RECTIC_EIO : 0;
    for (int r = 1; r < s->parts; r++) {
        rct_mpi_req req = {0};
        plan_part(plan, r, &lo, &hi);
        if (rct_mpi_isend(m, cnt + lo, (size_t)(hi - lo) * sizeof *cnt, r, &req, &L->net->err) ||
            rct_mpi_wait(m, &req, &L->net->err))
            return RECTIC_EIO;
    }
    memcpy(R->next + R->lo, cnt + R->lo, (size_t)(R->hi - R->lo) * sizeof *cnt);
    return 0;
}

/* The rows' room from the counts in R->next[lo .. hi-1] (next[] becomes each row's start).  0 or an error
   code. */
static int rows_alloc(rct_wload *L, scatter_rows *R)
{
    R->ptr[0] = 0;
    for (long r = 0; r < R->n; r++) {
        long c = r >= R->lo && r < R->hi ? R->next[r] : 0;
        R->next[r] = R->ptr[r];
        R->ptr[r + 1] = R->ptr[r] + c;
    }
    long entries = R->ptr[R->n];
    R->idx = malloc(((size_t)entries + 1) * sizeof *R->idx);
    R->val = malloc(((size_t)entries + 1) * sizeof *R->val);
    if (!R->idx || !R->val)
        return rct_oom(&L->net->err);
    rct_wload_prefault(R->idx, (size_t)entries * sizeof *R->idx);
    rct_wload_prefault(R->val, (size_t)entries * sizeof *R->val);
    return 0;
}

/* Places an entry in its row; a failure (an entry the counts did not foresee: the file changed between
   the passes) is kept in R->rc. */
static void rows_place(rct_wload *L, scatter_rows *R, long t, long src, double w)
{
    if (R->rc)
        return;
    if (t < R->lo || t >= R->hi || src < 0 || src >= R->n || R->next[t] >= R->ptr[t + 1]) {
        R->rc = rct_errf(&L->net->err, RECTIC_EIO, "%s: the file changed while it was read (target %ld, source %ld)",
                         L->src->name, t, src);
        return;
    }
    long at = R->next[t]++;
    R->idx[at] = (int)src;
    R->val[at] = w;
}

/* Rank 0: sends rank r's filled buffer (if any entries, or `last`: then also when empty, as the end of the
   pass) and switches it to its other buffer once that one's send is done.  0 or an error code. */
static int send_flush(rct_wload *L, scatter_send *S, int r, int last)
{
    int b = S->cur[r];
    sent_entry *buf = S->buf + (size_t)(2 * r + b) * (RCT_SCATTER_CHUNK + 1);
    rct_mpi *m = L->net->mpi;
    if (buf[0].t == 0 && !last)
        return 0;
    if (rct_mpi_isend(m, buf, ((size_t)buf[0].t + 1) * sizeof *buf, r, &S->req[2 * r + b], &L->net->err))
        return RECTIC_EIO;
    S->cur[r] = b ^= 1;
    if (rct_mpi_wait(m, &S->req[2 * r + b], &L->net->err))
        return RECTIC_EIO;
    S->buf[(size_t)(2 * r + b) * (RCT_SCATTER_CHUNK + 1)].t = 0;
    return 0;
}

/* Rank 0: appends an entry to rank r's buffer, sending it when full.  0 or an error code. */
static int send_add(rct_wload *L, scatter_send *S, int r, const double *e)
{
    sent_entry *buf = S->buf + (size_t)(2 * r + S->cur[r]) * (RCT_SCATTER_CHUNK + 1);
    buf[1 + buf[0].t] = (sent_entry){(int32_t)e[0], (int32_t)e[1], e[2]};
    return ++buf[0].t == RCT_SCATTER_CHUNK ? send_flush(L, S, r, 0) : 0;
}

/* Rank 0's pass 2 over a chunk: each entry to the rank of its target (or to every rank), rank 0's placed. */
static int send_chunk(rct_wload *L, void *ctx, const double *e, size_t count, long first)
{
    scatter_send *S = ctx;
    const scatter_plan *plan = S->plan;
    int rc = 0;
    for (size_t x = 0; x < count && !rc; x++, e += 3) {
        if (!(rct_coo_index_ok(e[0], (double)plan->n) && rct_coo_index_ok(e[1], (double)plan->n)))
            return rct_errf(&L->net->err, RECTIC_EIO, "%s: the file changed while it was read (row %ld)", L->src->name,
                            first + (long)x + 1);
        long t = (long)e[0];
        if (plan->whole) {
            for (int r = 1; r < S->parts && !rc; r++)
                rc = send_add(L, S, r, e);
            rows_place(L, S->R, t, (long)e[1], e[2]);
            continue;
        }
        if (!(t >= plan->bounds[S->last] && t < plan->bounds[S->last + 1]))
            S->last = rct_mpi_owner(plan->bounds, S->parts, t);
        if (S->last == 0)
            rows_place(L, S->R, t, (long)e[1], e[2]);
        else
            rc = send_add(L, S, S->last, e);
    }
    return rc ? rc : S->R->rc;
}

/* Rank 0's pass 2 (unless rc, a failure before it): reads the file again and sends every rank its
   entries, then the end of the pass to each (also after a failure, so that no rank waits for more).  0 or
   an error code. */
static int scatter_send_all(rct_wload *L, const scatter_plan *plan, scatter_rows *R, int rc)
{
    int P = L->src->parts;
    scatter_send S = {plan, R, P, 0, calloc(2 * (size_t)P * (RCT_SCATTER_CHUNK + 1), sizeof(sent_entry)),
                      calloc((size_t)P, sizeof(int)), calloc(2 * (size_t)P, sizeof(rct_mpi_req))};
    if (!rc)
        rc = S.buf && S.cur && S.req ? rct_coo_pass(L, send_chunk, &S) : rct_oom(&L->net->err);
    for (int r = 1; r < P; r++) { /* the rest, then an empty message: the end */
        int end = S.buf ? send_flush(L, &S, r, 0) : RECTIC_EIO;
        if (S.buf && !end && S.buf[(size_t)(2 * r + S.cur[r]) * (RCT_SCATTER_CHUNK + 1)].t == 0)
            end = send_flush(L, &S, r, 1);
        for (int b = 0; b < 2 && S.req; b++)
            end = rct_mpi_wait(L->net->mpi, &S.req[2 * r + b], &L->net->err) ? RECTIC_EIO : end;
        rc = rc ? rc : end;
    }
    free(S.buf);
    free(S.cur);
    free(S.req);
    return rc;
}

/* Another rank's pass 2: receives messages from rank 0 and places their entries until the end of the
   pass (after a failure, R->rc, only drains them).  0 or an error code. */
static int scatter_receive(rct_wload *L, scatter_rows *R)
{
    sent_entry *buf = malloc((RCT_SCATTER_CHUNK + 1) * sizeof *buf);
    if (!buf) /* (rank 0 then waits: nothing better is possible without memory) */
        return rct_oom(&L->net->err);
    int rc = 0;
    do {
        if (rct_mpi_recv(L->net->mpi, buf, (RCT_SCATTER_CHUNK + 1) * sizeof *buf, 0, &L->net->err)) {
            rc = RECTIC_EIO;
            break;
        }
        for (int32_t k = 1; k <= buf[0].t; k++)
            rows_place(L, R, buf[k].t, buf[k].s, buf[k].w);
    } while (buf[0].t > 0);
    free(buf);
    return rc ? rc : R->rc;
}

/* Finishes the rows as rct_wload_coo does (sorted by source, duplicates summed in file order, zeros and
   pruned weights dropped); *count the entries kept.  0 or an error code. */
static int rows_finish(rct_wload *L, scatter_rows *R, long *count)
{
    long longest = 0;
    for (long r = R->lo; r < R->hi; r++)
        longest = R->ptr[r + 1] - R->ptr[r] > longest ? R->ptr[r + 1] - R->ptr[r] : longest;
    size_t room = (size_t)(longest <= RCT_BUCKET_ROW ? longest : longest / 2) + 1;
    rct_coo_rows rows = {0, 0, R->n, R->n, R->ptr, R->next, R->idx, R->val, 0, 0, L->minw,
                         {malloc(sizeof(long) * (RCT_BUCKETS_MAX + 1)), malloc(room * sizeof(int)),
                          malloc(room * sizeof(double)), R->n}, R->lo, R->hi};
    int rc = rows.rs.bk && rows.rs.tk && rows.rs.tv ? 0 : rct_oom(&L->net->err);
    if (!rc) {
        rct_coo_finish_rows(&rows, R->n);
        R->ptr[R->n] = rows.out;
        *count = rows.out;
        int *i2 = realloc(R->idx, (size_t)rows.out * sizeof *i2 + 1); /* shrinking: the old block if it fails */
        R->idx = i2 ? i2 : R->idx;
        double *v2 = realloc(R->val, (size_t)rows.out * sizeof *v2 + 1);
        R->val = v2 ? v2 : R->val;
    }
    free(rows.rs.bk);
    free(rows.rs.tk);
    free(rows.rs.tv);
    return rc;
}

/* The finished rows (count entries) turned into compressed columns (by source, targets ascending: the rows
   are taken in order), in place of R's.  0 or an error code. */
static int rows_to_columns(rct_wload *L, scatter_rows *R, long count)
{
    long *cptr = calloc((size_t)R->n + 1, sizeof *cptr);
    int *cidx = malloc(((size_t)count + 1) * sizeof *cidx);
    double *cval = malloc(((size_t)count + 1) * sizeof *cval);
    if (!cptr || !cidx || !cval) {
        free(cptr), free(cidx), free(cval);
        return rct_oom(&L->net->err);
    }
    for (long k = 0; k < count; k++)
        cptr[R->idx[k] + 1]++;
    for (long c = 0; c < R->n; c++) {
        cptr[c + 1] += cptr[c];
        R->next[c] = cptr[c];
    }
    for (long r = R->lo; r < R->hi; r++)
        for (long k = R->ptr[r]; k < R->ptr[r + 1]; k++) {
            long at = R->next[R->idx[k]]++;
            cidx[at] = (int)r;
            cval[at] = R->val[k];
        }
    free(R->ptr), free(R->idx), free(R->val);
    R->ptr = cptr, R->idx = cidx, R->val = cval;
    return 0;
}

/* Keeps the outcome of a load that got this far: the part's bounds on the source (and a balanced plan's
   blocks for rct_wpart_keep); frees what is not handed over. */
static void scatter_keep(rct_wload *L, scatter_plan *plan, scatter_rows *R, int rc)
{
    rct_wsrc *s = L->src;
    s->lo = R->lo;
    s->hi = R->hi;
    if (!rc && s->balance && !plan->whole) {
        free(s->bounds);
        s->bounds = plan->bounds;
        plan->bounds = NULL;
    }
    free(plan->bounds);
    free(R->next);
    if (rc) {
        free(R->ptr), free(R->idx), free(R->val);
        R->ptr = NULL, R->idx = NULL, R->val = NULL;
    }
}

int rct_wload_coo_scatter(rct_wload *L, int by_col, long *n, long **ptr, int **idx, double **val, long *count)
{
    scatter_plan plan = {0, 0, NULL};
    scatter_rows R = {0, 0, 0, NULL, NULL, NULL, NULL, 0};
    long *cnt = NULL;
    *ptr = NULL, *idx = NULL, *val = NULL;
    int rc = scatter_plan_make(L, n, &cnt, &plan);
    if (rc) {
        free(cnt);
        free(plan.bounds);
        return rc;
    }
    R.n = plan.n;
    plan_part(&plan, L->src->part, &R.lo, &R.hi);
    R.ptr = malloc(((size_t)R.n + 1) * sizeof *R.ptr);
    R.next = calloc((size_t)R.n + 1, sizeof *R.next);
    rc = R.ptr && R.next ? scatter_counts(L, &plan, cnt, &R) : rct_oom(&L->net->err);
    free(cnt);
    if (!rc)
        rc = rows_alloc(L, &R);
    if (L->src->part == 0) { /* (rank 0 ends every rank's pass, also after a failure) */
        rc = scatter_send_all(L, &plan, &R, rc);
    } else if (R.next) { /* (a failure: the messages drained) */
        R.rc = rc;
        rc = scatter_receive(L, &R);
    }
    if (!rc)
        rc = rows_finish(L, &R, count);
    if (!rc && by_col)
        rc = rows_to_columns(L, &R, *count);
    scatter_keep(L, &plan, &R, rc);
    *n = plan.n;
    *ptr = R.ptr, *idx = R.idx, *val = R.val;
    return rc;
}

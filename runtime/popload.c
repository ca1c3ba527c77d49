/*
 * popload.c -- a projection's weights file into the layout its strategy reads, whole or this MPI rank's
 * targets' part (see popload.h).
 *
 * Under MPI every rank takes the same steps for every projection, each ending in an agreement
 * (rct_wpart_agree): after the file is opened and its part scanned (the ranks add up the weights kept, so
 * that every rank picks the strategy one process would), and after the part is written.  A rank that fails
 * makes the others fail with its message, which names the projection's weights in the network file.
 */
#include "popload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi.h"
#include "mpi_net.h"
#include "wload.h"
#include "wpart.h"

#define INLINE_MAX_N 20        /* matrix projections up to this many sources: a loop in the kernel */
#define SPARSE_MAX_DENSITY 0.1 /* below this fraction of non-zero weights: compressed sparse rows */

void *rct_pn_alloc(const rectic_net *net, long count)
{
    return calloc((size_t)(count > 0 ? count : 0) + 1, rct_rsize(net));
}

int rct_pn_choose_mode(int want, long n_src, long nonzero, long n_tgt)
{
    double density = (double)nonzero / ((double)n_src * (double)n_tgt);
    switch (want) {
    case RECTIC_COUPLING_DENSE: return RCT_COUP_DENSE;
    case RECTIC_COUPLING_INLINE: return RCT_COUP_INLINE;
    case RECTIC_COUPLING_SPARSE: return RCT_COUP_CSR;
    default:
        return n_src > INLINE_MAX_N && density < SPARSE_MAX_DENSITY ? RCT_COUP_CSR
               : n_src <= INLINE_MAX_N                               ? RCT_COUP_INLINE
                                                                     : RCT_COUP_DENSE;
    }
}

int rct_pn_event_ok(const rectic_net *net, const rct_proj *j, char *why, size_t size)
{
    const rct_model *m = net->pn->pops[j->src]->model;
    const rct_expr *tau, *gain;
    if (j->delay > 0) {
        snprintf(why, size, "it has a delay");
        return 0;
    }
    return rct_model_event_form_of(m, j->src_var, &tau, &gain, why, size);
}

/* The strategy of a matrix projection with `nonzero` entries kept; EVENT when asked for and possible, else
   sparse with a warning. */
static int pick_mode(rectic_net *net, const rct_netproj *sp, rct_proj *j, int want, long n_src, long nonzero,
                     long n_tgt)
{
    char why[600];
    if (want == RECTIC_COUPLING_EVENT && rct_pn_event_ok(net, j, why, sizeof why))
        return RCT_COUP_EVENT;
    if (want == RECTIC_COUPLING_EVENT) {
        rct_net_warn(net, "projection %s -> %s is not event-driven (%s): it is computed with sparse weights",
                     sp->src_path, sp->tgt_path, why);
        want = RECTIC_COUPLING_SPARSE;
    }
    return rct_pn_choose_mode(want, n_src, nonzero, n_tgt);
}

/* Row (or column) starts of compressed weights from the counts per row (column); next[] a copy. */
static int starts(rectic_net *net, rct_proj *j, const long *cnt, long n, long **next)
{
    j->csr_ptr = malloc(sizeof(long) * (size_t)(n + 1));
    *next = malloc(sizeof(long) * (size_t)(n + 1));
    if (!j->csr_ptr || !*next)
        return rct_oom(&net->err);
    j->csr_ptr[0] = 0;
    for (long r = 0; r < n; r++)
        j->csr_ptr[r + 1] = j->csr_ptr[r] + cnt[r];
    memcpy(*next, j->csr_ptr, sizeof(long) * (size_t)(n + 1));
    return 0;
}

/* One load of a projection's file: the network, the projection, this rank's targets lo .. hi-1 (all of
   them in one process) and the ranks. */
typedef struct pload {
    rectic_net *net;
    const rectic_netspec *ns;
    const rct_netproj *sp;
    rct_proj *j;
    long n_src, n_tgt, lo, hi;
    int parts, me; /* ranks (1: one process) and this one */
} pload;

/* Puts the position of the projection's weights in the network file (and `mid`, when not NULL) before a
   failure's message; returns rc. */
static int placed(const pload *P, const char *mid, int rc)
{
    if (!rc)
        return 0;
    char where[600], msg[sizeof P->net->err.msg];
    rct_netspec_where(P->ns, P->sp->at_weights, where, sizeof where);
    snprintf(msg, sizeof msg, "%s", P->net->err.msg);
    return rct_errf(&P->net->err, rc, "%s%s%s%s", where, mid ? mid : "", mid ? ": " : "", msg);
}

/* Opens the projection's file as s, whole or this rank's part (dense: its targets' rows; COO: every entry,
   rct_wload_coo keeping those onto its targets), and checks its shape. */
static int open_file(const pload *P, rct_wsrc *s)
{
    rectic_net *net = P->net;
    const rct_netproj *sp = P->sp;
    int dense = sp->kind == RECTIC_WEIGHTS_DENSE, rc;
    if (dense && P->parts > 1)
        rc = rct_wsrc_open_rows(s, sp->file, !net->f32, P->lo, P->hi, &net->err);
    else if (dense)
        rc = rct_wsrc_open(s, sp->file, !net->f32, 1, 0, &net->err);
    else
        rc = rct_wsrc_open_part(s, sp->file, RCT_WSRC_STREAM, 0, 3, P->parts, P->me, 0, &net->err);
    if (rc)
        return placed(P, dense ? "weights" : "weights-coo", rc);
    s->lo = P->lo; /* (COO under MPI: the targets kept) */
    s->hi = P->hi;
    const rct_netpop *t = &P->ns->pops[sp->tgt], *f = &P->ns->pops[sp->src];
    if (dense && (s->rows != P->n_tgt || s->cols != P->n_src) && sp->deferred)
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: projection %s -> %s: weights are %ld x %ld, expected %ld x %ld "
                      "(units of %s x units of %s)", sp->file, sp->src_path, sp->tgt_path, s->rows, s->cols,
                      P->n_tgt, P->n_src, t->name, f->name);
    else if (dense && (s->rows != P->n_tgt || s->cols != P->n_src))
        rc = rct_errf(&net->err, RECTIC_EIO, "projection %s -> %s: %s changed since the network file was read",
                      sp->src_path, sp->tgt_path, sp->file);
    else if (!dense && s->rows > 0 && s->cols != 3)
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s has %ld columns, expected 3 (target, source, weight)", sp->file,
                      s->cols);
    return placed(P, !dense && rc ? "weights-coo" : NULL, rc);
}

/* Writes this rank's rows of a dense weights file, scanned (counts per row and column, kept entries in all),
   into the matrix, its compressed rows or (event) columns for j's strategy; a float64 .npy that needs no
   change is the kernel's matrix itself, mapped read-only (under MPI only the pages of this rank's rows read). */
static int write_dense(const pload *P, rct_wload *L, const long *row_cnt, const long *col_cnt, long kept, int exact)
{
    rectic_net *net = P->net;
    rct_proj *j = P->j;
    rct_wsrc *s = L->src;
    long n_tgt = P->n_tgt, n_src = P->n_src, *next = NULL;
    int sparse = j->mode == RCT_COUP_CSR || j->mode == RCT_COUP_EVENT, by_col = j->mode == RCT_COUP_EVENT, rc;
    if (!sparse && s->map && !net->f32 && !s->fortran && exact) { /* used in place */
        j->w = (void *)s->mem;
        j->w_map = s->map, j->w_map_len = s->map_len;
        s->map = NULL; /* the projection unmaps it */
        return 0;
    }
    if (!sparse)
        return (j->w = rct_pn_alloc(net, n_tgt * n_src)) ? rct_wload_dense_fill(L, j->w, NULL, NULL, NULL, NULL, 0)
                                                         : rct_oom(&net->err);
    if (!(rc = starts(net, j, by_col ? col_cnt : row_cnt, by_col ? n_src : n_tgt, &next))) {
        j->nnz = kept;
        j->csr_col = malloc(sizeof(int) * (size_t)kept + 1);
        j->csr_val = rct_pn_alloc(net, kept);
        rc = j->csr_col && j->csr_val ? rct_wload_dense_fill(L, NULL, NULL, next, j->csr_col, j->csr_val, by_col)
                                      : rct_oom(&net->err);
    }
    free(next);
    return rc;
}

/* A dense weights file (rc: its opening's status): a pass that checks and counts this rank's rows (the
   ranks add up the weights kept onto their targets: the strategy is the one of one process), then one that
   writes them (write_dense). */
static int load_dense(const pload *P, rct_wload *L, int rc, int want)
{
    rectic_net *net = P->net;
    long kept = 0, all = 0;
    int exact = 0;
    long *row_cnt = calloc((size_t)P->n_tgt + 1, sizeof(long)), *col_cnt = calloc((size_t)P->n_src + 1, sizeof(long));
    if (!rc && (!row_cnt || !col_cnt))
        rc = rct_oom(&net->err);
    else if (!rc)
        rc = placed(P, NULL, rct_wload_dense_scan(L, row_cnt, col_cnt, &kept, &exact));
    for (long i = P->lo; !rc && i < P->hi; i++) /* the weights kept onto this rank's targets */
        all += row_cnt[i];
    if (!(rc = rct_wpart_agree(net, rc, P->parts, &all))) {
        P->j->mode = pick_mode(net, P->sp, P->j, want, P->n_src, all, P->n_tgt);
        rc = rct_wpart_agree(net, placed(P, NULL, write_dense(P, L, row_cnt, col_cnt, kept, exact)), P->parts, NULL);
    }
    free(row_cnt);
    free(col_cnt);
    P->j->own_rows = P->parts > 1 && L->src->lo == P->lo && L->src->hi == P->hi; /* (a column-major .npy: whole) */
    return rc;
}

/* Values of a double array in the network's type: the array itself (float64), or a converted copy. */
static void *to_real(rectic_net *net, double *v, long count)
{
    if (!net->f32)
        return v;
    float *f = malloc(sizeof(float) * (size_t)count + 1);
    for (long i = 0; f && i < count; i++)
        f[i] = (float)v[i];
    free(v);
    return f;
}

/* COO entries into a dense matrix (row = target) of this rank's targets, duplicates added in file order;
   every entry checked as the netspec does (it may have left that to the build: sp->deferred). */
static int coo_to_dense(const pload *P, rct_wsrc *s, double *dense)
{
    const double *c;
    size_t k;
    long first = 0;
    int rc;
    while (!(rc = rct_wsrc_next(s, &c, &k, &P->net->err)) && k) {
        if ((rc = rct_netspec_coo_check(P->ns, P->sp, c, (long)(k / 3), first, &P->net->err)))
            return placed(P, P->sp->file, rc);
        for (size_t e = 0; e + 2 < k; e += 3)
            if (c[e] >= (double)P->lo && c[e] < (double)P->hi)
                dense[(long)c[e] * P->n_src + (long)c[e + 1]] += c[e + 2];
        first += (long)(k / 3);
    }
    return placed(P, NULL, rc);
}

/* A COO weights file (rc: its opening's status) into projection j's layout: compressed rows or (event)
   columns by counting sort, streamed (under MPI the entries onto other ranks' targets checked and
   dropped); or, for a dense strategy, the matrix with duplicates added in file order. */
static int load_coo(const pload *P, rct_wload *L, int rc, int want)
{
    rectic_net *net = P->net;
    rct_proj *j = P->j;
    if ((rc = rct_wpart_agree(net, rc, P->parts, NULL)))
        return rc;
    j->mode = pick_mode(net, P->sp, j, want, P->n_src, L->src->rows, P->n_tgt);
    j->own_rows = P->parts > 1;
    if (j->mode == RCT_COUP_CSR || j->mode == RCT_COUP_EVENT) {
        long n = 0, count = 0;
        double *val = NULL;
        rc = placed(P, NULL, rct_wload_coo(L, j->mode == RCT_COUP_EVENT, &n, &j->csr_ptr, &j->csr_col, &val, &count));
        if (!rc && !(j->csr_val = to_real(net, val, count)))
            rc = rct_oom(&net->err);
        j->nnz = count;
        return rct_wpart_agree(net, rc, P->parts, NULL);
    }
    double *dense = calloc((size_t)(P->n_tgt * P->n_src) + 1, sizeof(double));
    rc = dense ? coo_to_dense(P, L->src, dense) : rct_oom(&net->err);
    if (!rc && !(j->w = to_real(net, dense, P->n_tgt * P->n_src)))
        rc = rct_oom(&net->err);
    else if (rc)
        free(dense);
    return rct_wpart_agree(net, rc, P->parts, NULL);
}

int rct_pn_load_file(rectic_net *net, const rectic_netspec *ns, int k, int want, rct_proj *j)
{
    const rct_netproj *sp = &ns->projs[k];
    pload P = {net, ns, sp, j, ns->pops[sp->src].n, ns->pops[sp->tgt].n, 0, ns->pops[sp->tgt].n, 1, 0};
    if (net->mpi && rct_mpi_size(net->mpi) > 1) {
        P.parts = rct_mpi_size(net->mpi);
        P.me = rct_mpi_rank(net->mpi);
        rct_mpi_net_range(net, net->pn->pops[sp->tgt], &P.lo, &P.hi);
    }
    char what[600];
    snprintf(what, sizeof what, "projection %s -> %s", sp->src_path, sp->tgt_path);
    rct_wsrc s;
    memset(&s, 0, sizeof s);
    double t0 = rct_now();
    int rc = open_file(&P, &s);
    rct_wload L = {net, &s, -1, NULL, NULL, 0, 0, t0, 0, P.n_tgt, P.n_src, what};
    rc = sp->kind == RECTIC_WEIGHTS_DENSE ? load_dense(&P, &L, rc, want) : load_coo(&P, &L, rc, want);
    net->w_read += (double)s.delivered;
    rct_wsrc_close(&s);
    net->timings.weights += rct_now() - t0;
    return rc;
}

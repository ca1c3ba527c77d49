/*
 * coupling.c -- the weights of a network and the strategy for target = W @ source: a loop inside the
 * kernel (small n), a dense product by rows (dense), compressed sparse rows (sparse), or event-driven updates.
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "emit_c.h"
#include "gemv_rows.h"
#include "wload_scatter.h"
#include "wpart.h"
#include "network.h"
#include "popnet.h"
#include "wload.h"

#define INLINE_MAX_N 20       /* up to here a loop in the kernel beats a cblas call (~25-40 ns overhead) */
#define SPARSE_MAX_DENSITY 0.1 /* below this fraction of non-zero weights the sparse product wins */
#define DENSE_MAX_BYTES (1L << 31) /* larger dense matrices are refused: give sparse weights */

RCT_GEMV_ROWS(gemv_rows_d, double)
RCT_GEMV_ROWS(gemv_rows_s, float)

rct_gemv_rows_fn rct_gemv_rows(int f32)
{
    return f32 ? (rct_gemv_rows_fn)gemv_rows_s : (rct_gemv_rows_fn)gemv_rows_d;
}

/* The strategy for `want` given `count` kept entries of n x n weights; 0, or an error when a dense matrix
   would be too large. */
static int choose_mode(rectic_net *net, int want, long count, int *mode)
{
    long n = net->n;
    double density = n ? (double)count / ((double)n * (double)n) : 0;
    int dense_ok = (double)n * (double)n * (double)rct_rsize(net) <= (double)DENSE_MAX_BYTES;
    if (want != RECTIC_COUPLING_AUTO)
        *mode = want; /* RCT_COUP_* are the RECTIC_COUPLING_* numbers */
    else
        *mode = !dense_ok || (n > INLINE_MAX_N && density < SPARSE_MAX_DENSITY) ? RCT_COUP_CSR
                : n <= INLINE_MAX_N                                            ? RCT_COUP_INLINE
                                                                               : RCT_COUP_DENSE;
    if ((*mode == RCT_COUP_DENSE || *mode == RCT_COUP_INLINE) && !dense_ok)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.coupling: a dense %ld x %ld matrix needs %.1f GiB: use sparse "
                                                  "coupling", n, n, (double)n * n * rct_rsize(net) / 1073741824.0);
    net->coupling_mode = *mode;
    return 0;
}

/* Does the kernel of a coupled network read weights of strategy `mode` by columns (net->w_cols)?  The
   emitter decides (rct_emit_w_by_columns) from these of its options, fixed with the layout. */
static int kernel_reads_columns(const rectic_net *net, int mode)
{
    rct_emit_opts o = {.coupling = 1, .coupling_mode = mode, .fixed_n = RCT_EMIT_FIXED_N(net->n)};
    return rct_emit_w_by_columns(&o);
}

/* Opens the spec's weights (an array or a file, dense or sparse) as a source; the file of dense weights is
   mapped when it could be used in place. */
static int open_source(rectic_net *net, const rectic_spec *spec, rct_wsrc *s)
{
    int want = spec->coupling, in_place = !net->f32 && (want == RECTIC_COUPLING_AUTO || want == RECTIC_COUPLING_DENSE);
    int map = in_place ? RCT_WSRC_MAP : RCT_WSRC_PASS; /* else read through in passes, without a copy */
    if (spec->weights)
        rct_wsrc_array(s, spec->weights, spec->n, spec->n, "weights");
    else if (spec->weights_coo)
        rct_wsrc_array(s, spec->weights_coo, spec->nnz, 3, "weights_coo");
    else { /* under MPI: this rank's part (matrices a kernel of fixed size may read by columns: whole) */
        int part, parts = rct_wpart_parts(net, &part);
        if (spec->weights_coo_file && parts > 1 && spec->mpi_read == RECTIC_MPI_READ_SCATTER && part > 0) {
            rct_wsrc_remote(s, spec->weights_coo_file, 3, parts, part, RCT_FIXED_N_MAX); /* rank 0 reads it */
            s->balance = spec->mpi_partition != RECTIC_MPI_PARTITION_UNITS;
            return 0;
        }
        int rc = spec->weights_file ? rct_wsrc_open_part(s, spec->weights_file, map, 1, 0, parts, part,
                                                         RCT_FIXED_N_MAX, &net->err)
                                    : rct_wsrc_open_part(s, spec->weights_coo_file, RCT_WSRC_PASS, 0, 3, parts, part,
                                                         RCT_FIXED_N_MAX, &net->err);
        s->balance = spec->mpi_partition != RECTIC_MPI_PARTITION_UNITS; /* sparse weights: balanced parts */
        s->scatter = spec->weights_coo_file && parts > 1 && spec->mpi_read == RECTIC_MPI_READ_SCATTER;
        char msg[sizeof net->err.msg];
        snprintf(msg, sizeof msg, "%s", net->err.msg); /* the file's message, under the flag's name */
        return rc ? rct_errf(&net->err, rc, "%s: %s", spec->weights_file ? "spec.weights" : "spec.weights_coo", msg) : 0;
    }
    return 0;
}

/* Checks that a dense source is n x n (n from the spec, or taken from the source). */
static int dense_shape(rectic_net *net, const rct_wsrc *s)
{
    if (s->rows == 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.weights: %s is an empty %ld x %ld matrix: expected N x N weights "
                                                  "with N >= 1", s->name, s->rows, s->cols);
    if (s->rows != s->cols)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.weights: %s is %ld x %ld: expected a square N x N matrix (row = "
                                                  "target, column = source)", s->name, s->rows, s->cols);
    if (net->n && net->n != s->rows)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.weights: %s is %ld x %ld but spec.n says %ld neurons", s->name, s->rows,
                        s->cols, net->n);
    if (s->rows > INT32_MAX)
        return rct_errf(&net->err, RECTIC_EINVAL, "weights: %ld neurons are too many", s->rows);
    net->n = s->rows;
    return 0;
}

/* Makes compressed rows or columns with room for the counted entries per row/column (cnt, n of them);
   next[] receives each one's start. */
static int alloc_compressed(rectic_net *net, const long *cnt, long count, long *next)
{
    long n = net->n;
    net->csr_ptr = malloc(((size_t)n + 1) * sizeof *net->csr_ptr);
    net->csr_col = rct_wload_alloc(sizeof *net->csr_col * (size_t)count);
    net->csr_val = rct_wload_alloc(rct_rsize(net) * (size_t)count);
    if (!net->csr_ptr || !net->csr_col || !net->csr_val)
        return rct_oom(&net->err);
    net->csr_ptr[0] = 0;
    for (long i = 0; i < n; i++) {
        next[i] = net->csr_ptr[i];
        net->csr_ptr[i + 1] = net->csr_ptr[i] + cnt[i];
    }
    net->nnz = count;
    return 0;
}

/* Dense weights for compressed rows (sparse) or columns (event), the strategy asked for: one pass. */
static int setup_dense_compressed(rectic_net *net, rct_wload *L, int want)
{
    long count = 0;
    int mode, rc = rct_wload_dense_compressed(L, want == RECTIC_COUPLING_EVENT, &net->csr_ptr, &net->csr_col,
                                              &net->csr_val, &count);
    net->nnz = count;
    rc = rct_wpart_agree(net, rc, L->src->parts, NULL);
    return rc ? rc : choose_mode(net, want, count, &mode);
}

/* Dense weights: one scan (finite check, counts), then the layout: the source itself when it already is
   what the kernel reads (a mapped float64 .npy, or a CSV file's buffer), else one pass writing it. */
static int setup_dense(rectic_net *net, rct_wload *L, int want)
{
    rct_wsrc *s = L->src;
    long n = net->n, kept = 0, all;
    int exact = 0, mode = 0, rc;
    /* counts per row for compressed rows (auto may choose them), per column for event coupling's columns */
    int rows = want == RECTIC_COUPLING_AUTO || want == RECTIC_COUPLING_SPARSE, cols = want == RECTIC_COUPLING_EVENT;
    long *row_cnt = rows ? calloc((size_t)n + 1, sizeof *row_cnt) : NULL;
    long *col_cnt = cols ? calloc((size_t)n + 1, sizeof *col_cnt) : NULL;
    long *next = malloc(((size_t)n + 1) * sizeof *next);
    rc = (rows && !row_cnt) || (cols && !col_cnt) || !next ? rct_oom(&net->err)
                                                           : rct_wload_dense_scan(L, row_cnt, col_cnt, &kept, &exact);
    all = kept;
    rc = rct_wpart_agree(net, rc, s->parts, &all); /* a part: the strategy is the one for all the weights */
    if (!rc)
        rc = choose_mode(net, want, all, &mode);
    int dense = mode == RCT_COUP_DENSE || mode == RCT_COUP_INLINE, by_col = mode == RCT_COUP_EVENT;
    int in_place = !rc && dense && exact && !net->f32 && !s->fortran && (s->map || s->owned);
    if (in_place) {
        net->w = (void *)s->mem; /* s->mem stays readable for the columns below */
        net->w_map = s->map;
        net->w_map_len = s->map_len;
        net->w_layout = s->map ? "mapped in place" : "read in place";
        s->map = NULL;
        s->owned = NULL;
    } else if (!rc && dense && !(net->w = rct_wload_alloc((size_t)(n * n) * rct_rsize(net)))) {
        rc = rct_oom(&net->err);
    }
    if (!rc && kernel_reads_columns(net, mode) && !(net->w_cols = calloc((size_t)(n * n) + 1, rct_rsize(net))))
        rc = rct_oom(&net->err);
    if (!rc && !dense)
        rc = alloc_compressed(net, by_col ? col_cnt : row_cnt, kept, next);
    if (!rc && (!in_place || net->w_cols))
        rc = rct_wload_dense_fill(L, in_place ? NULL : net->w, net->w_cols, dense ? NULL : next, net->csr_col,
                                  net->csr_val, by_col);
    free(row_cnt);
    free(col_cnt);
    free(next);
    return rc;
}

/* Checks that a sparse source has 3 columns (target, source, weight). */
static int coo_shape(rectic_net *net, const rct_wsrc *s)
{
    if (s->cols != 3)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.weights_coo: %s has %ld columns: expected 3 (target, source, "
                                                  "weight)", s->name, s->cols);
    return 0;
}

/* Narrows n doubles to floats in place (each float lands below the doubles still to read) and shrinks
   the buffer. */
static void *narrow_to_float(double *val, long n)
{
    float *f = (float *)(void *)val;
    for (long k = 0; k < n; k++)
        f[k] = (float)val[k];
    void *p = realloc(val, (size_t)n * sizeof(float) + 1);
    return p ? p : val;
}

/* Sparse weights: counting-sorted into compressed rows (or columns for event coupling), which become
   the kernel's, or are spread into a dense matrix when the strategy is dense. */
static int setup_coo(rectic_net *net, rct_wload *L, int want)
{
    long n = net->n, count = 0, *ptr;
    int *idx, mode, rc, by_col = want == RECTIC_COUPLING_EVENT;
    double *val;
    L->total = 2 * (long)L->src->count;
    rc = L->src->scatter ? rct_wload_coo_scatter(L, by_col, &n, &ptr, &idx, &val, &count)
                         : rct_wload_coo(L, by_col, &n, &ptr, &idx, &val, &count);
    long all = count;
    if ((rc = L->src->agreed ? rc : rct_wpart_agree(net, rc, L->src->parts, &all)) || (rc = rct_wpart_keep(net, L->src))) {
        /* a part: the strategy is the one for all; a balanced one: its bounds */
        free(ptr), free(idx), free(val);
        return rc;
    }
    if (!n)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.weights_coo: %s has no entries: give the number of neurons with "
                                                  "spec.n", L->src->name);
    net->n = n;
    if ((rc = choose_mode(net, want, all, &mode)) == 0) {
        int dense = mode == RCT_COUP_DENSE || mode == RCT_COUP_INLINE, cols = kernel_reads_columns(net, mode);
        if ((dense && !(net->w = calloc((size_t)(n * n) + 1, rct_rsize(net)))) ||
            (cols && !(net->w_cols = calloc((size_t)(n * n) + 1, rct_rsize(net)))))
            rc = rct_oom(&net->err);
        for (long r = 0; !rc && (dense || cols) && r < n; r++)
            for (long k = ptr[r]; k < ptr[r + 1]; k++) {
                if (dense)
                    rct_rset(net, net->w, (size_t)(r * n + idx[k]), val[k]);
                if (cols)
                    rct_rset(net, net->w_cols, (size_t)(idx[k] * n + r), val[k]);
            }
        if (!rc && !dense) {
            net->csr_ptr = ptr;
            net->csr_col = idx;
            net->csr_val = net->f32 ? narrow_to_float(val, count) : val;
            net->nnz = count;
            return 0;
        }
    }
    free(ptr);
    free(idx);
    free(val);
    return rc;
}

int rct_coupling_setup(rectic_net *net, const rectic_spec *spec)
{
    net->has_coupling = spec->weights || spec->weights_coo || spec->weights_file || spec->weights_coo_file;
    net->coupling_mode = RCT_COUP_DENSE;
    net->w_layout = "none";
    if (!net->has_coupling)
        return 0;
    if (net->n > INT32_MAX)
        return rct_errf(&net->err, RECTIC_EINVAL, "weights: %ld neurons are too many", net->n);
    int want = spec->coupling;
    if (want < RECTIC_COUPLING_AUTO || want > RECTIC_COUPLING_EVENT)
        return rct_errf(&net->err, RECTIC_EINVAL, "spec.coupling: expected auto, dense, inline, sparse or event");
    if (want == RECTIC_COUPLING_EVENT) {
        const rct_expr *tau, *gain;
        char why[1024];
        if (!rct_model_event_form(net->model, &tau, &gain, why, sizeof why))
            return rct_errf(&net->err, RECTIC_EINVAL, "spec.coupling event: %s", why);
    }
    rct_wsrc s;
    rct_wload L = {net, &s, spec->min_weight, spec->load_progress, spec->load_progress_user, 0, 0, rct_now(), 0, 0, 0, NULL};
    int dense = spec->weights || spec->weights_file;
    int rc = open_source(net, spec, &s);
    if (!rc)
        rc = dense ? dense_shape(net, &s) : coo_shape(net, &s);
    if (rc) {
        rc = rct_wpart_agree(net, rc, s.parts, NULL); /* in parts: the other ranks learn of it */
    } else if (dense) {
        int one_pass = want == RECTIC_COUPLING_SPARSE || want == RECTIC_COUPLING_EVENT;
        L.total = (one_pass ? 1 : 2) * (long)s.count;
        rc = one_pass ? setup_dense_compressed(net, &L, want) : setup_dense(net, &L, want);
    } else {
        rc = setup_coo(net, &L, want);
    }
    net->w_part = !rc && s.parts > 1 && (s.lo > 0 || s.hi < net->n); /* (then no other rank's weights held) */
    net->w_read = (double)s.delivered;
    if (!rc && !strcmp(net->w_layout, "none"))
        net->w_layout = spec->weights || spec->weights_coo ? "copied" : "converted";
    rct_wsrc_close(&s);
    if (L.fn && L.total > 0) /* the end, also of a failed load (a progress bar goes) */
        L.fn(L.user, L.total, L.total);
    if (!L.scanned) /* failed before the end of the first pass */
        L.scanned = rct_now();
    net->timings.weights = L.scanned - L.t0;
    net->timings.coupling = rct_now() - L.scanned;
    return rc;
}

/* The weights kept (nonzero, or negative zero) as row-major positions target * n + source and their
   values, counted in a first pass and copied in a second; 0 or an error code.  The caller frees both. */
int rct_coupling_entries(rectic_net *net, long **at, double **w, long *count)
{
    long n = net->n;
    *at = NULL;
    *w = NULL;
    *count = 0;
    for (int pass = 0; pass < 2; pass++) {
        long k = 0;
        for (long i = 0; i < n && (net->w || net->csr_ptr); i++) {
            long j0 = net->w ? 0 : net->csr_ptr[i], j1 = net->w ? n : net->csr_ptr[i + 1];
            for (long j = j0; j < j1; j++) {
                double x = net->w ? rct_rget(net, net->w, (size_t)(i * n + j)) : rct_rget(net, net->csr_val, (size_t)j);
                if (x == 0 && !signbit(x))
                    continue;
                if (pass) {
                    (*at)[k] = i * n + (net->w ? j : net->csr_col[j]);
                    (*w)[k] = x;
                }
                k++;
            }
        }
        if (!pass && (!(*at = malloc(((size_t)k + 1) * sizeof **at)) || !(*w = malloc(((size_t)k + 1) * sizeof **w)))) {
            free(*at);
            *at = NULL;
            return rct_oom(&net->err);
        }
        *count = k;
    }
    return 0;
}

void rct_coupling_start_run(rectic_net *net)
{
    if (net->coupling_mode != RCT_COUP_EVENT)
        return;
    /* target = W @ source from the state the run starts with, summed in column order */
    const rct_var *src = &net->model->vars[net->model->source];
    long n = net->n;
    for (long i = 0; i < n; i++)
        rct_rset(net, net->coup, (size_t)i, 0.0);
    const size_t at = (size_t)src->slot * (size_t)n;
    for (long j = 0; j < n; j++) {
        /* a source at 0 adds nothing (weights are finite): skipped, most runs start with all of them at 0 */
        if (rct_rget(net, net->y, at + (size_t)j) == 0)
            continue;
        for (long k = net->csr_ptr[j]; k < net->csr_ptr[j + 1]; k++) {
            long i = net->csr_col[k];
            if (net->f32)
                ((float *)net->coup)[i] += ((const float *)net->csr_val)[k] * ((const float *)net->y)[at + (size_t)j];
            else
                ((double *)net->coup)[i] += ((const double *)net->csr_val)[k] * ((const double *)net->y)[at + (size_t)j];
        }
    }
}

void rct_coupling_free(rectic_net *net)
{
    if (net->w_map)
        munmap(net->w_map, net->w_map_len);
    else
        free(net->w);
    net->w_map = NULL;
    free(net->w_cols);
    free(net->csr_ptr);
    free(net->csr_col);
    free(net->csr_val);
    net->w = net->w_cols = net->csr_val = NULL;
    net->csr_ptr = NULL;
    net->csr_col = NULL;
}

const char *rectic_net_weights_layout(const rectic_net *net)
{
    if (!net)
        return NULL;
    return net->w_layout ? net->w_layout : "none";
}

const char *rectic_net_coupling(const rectic_net *net)
{
    if (!net)
        return NULL;
    if (net->pn)
        return net->pn->n_projs ? "per projection" : "none";
    if (!net->has_coupling)
        return "none";
    switch (net->coupling_mode) {
    case RCT_COUP_INLINE: return "inline";
    case RCT_COUP_CSR: return "sparse";
    case RCT_COUP_EVENT: return "event";
    default: return "dense";
    }
}

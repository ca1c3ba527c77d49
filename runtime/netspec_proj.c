/*
 * netspec_proj.c -- the projections of a rectic_netspec: dense, COO and scalar weights, given as arrays
 * (copied) or left in their files (checked now, streaming, and read once more when the network is built,
 * straight into the kernel's layout: one copy of the weights).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coo.h"
#include "io_file.h"
#include "mpi.h"
#include "netspec.h"
#include "wsource.h"

/* Checks that a dense matrix is n_target x n_source. */
static int check_shape(rectic_netspec *ns, const rct_netproj *q, long rows, long cols)
{
    const rct_netpop *t = &ns->pops[q->tgt], *s = &ns->pops[q->src];
    if (rows == t->n && cols == s->n)
        return RECTIC_OK;
    return rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL,
                       "projection %s -> %s: weights are %ld x %ld, expected %ld x %ld (units of %s x units of %s)",
                       q->src_path, q->tgt_path, rows, cols, t->n, s->n, t->name, s->name);
}

/* Checks k entries of a dense rows x cols matrix starting at element `start` of its storage order (row by
   row, or column by column when `fortran`): finite. */
static int check_dense_part(rectic_netspec *ns, const rct_netproj *q, const double *w, size_t k, size_t start,
                            long rows, long cols, int fortran)
{
    for (size_t e = 0; e < k; e++) {
        if (isfinite(w[e]))
            continue;
        size_t at = start + e;
        long i = fortran ? (long)(at % (size_t)rows) : (long)(at / (size_t)cols);
        long j = fortran ? (long)(at / (size_t)rows) : (long)(at % (size_t)cols);
        return rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL,
                           "projection %s -> %s: the weight in row %ld, column %ld is not a finite number",
                           q->src_path, q->tgt_path, i + 1, j + 1);
    }
    return RECTIC_OK;
}

int rct_netspec_coo_check(const rectic_netspec *ns, const rct_netproj *q, const double *e, long count, long first,
                          rct_err *err)
{
    const rct_netpop *t = &ns->pops[q->tgt], *s = &ns->pops[q->src];
    long k;
    int bad = rct_coo_check(e, count, t->n, s->n, &k);
    if (bad == 1 || bad == 2)
        return rct_errf(err, RECTIC_EINVAL, "projection %s -> %s: entry %ld: %s index %g is not a whole number in "
                        "0..%ld", q->src_path, q->tgt_path, first + k + 1, bad == 1 ? "target" : "source",
                        e[3 * k + bad - 1], (bad == 1 ? t->n : s->n) - 1);
    if (bad == 3)
        return rct_errf(err, RECTIC_EINVAL, "projection %s -> %s: entry %ld: the weight is not a finite number",
                        q->src_path, q->tgt_path, first + k + 1);
    return RECTIC_OK;
}

/* Checks `count` COO entries, the first being entry `first` (0-based), against the weights argument. */
static int check_coo_part(rectic_netspec *ns, const rct_netproj *q, const double *e, long count, long first)
{
    if (!rct_netspec_coo_check(ns, q, e, count, first, &ns->err))
        return RECTIC_OK;
    ns->bad_field = RCT_NSF_WEIGHTS;
    return ns->err.code;
}

/* Checks a dense matrix given as an array. */
static int check_dense(rectic_netspec *ns, const rct_netproj *q, const double *w, long rows, long cols)
{
    if (check_shape(ns, q, rows, cols))
        return ns->err.code;
    if (!w)
        return rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL, "projection %s -> %s: no weights given", q->src_path,
                           q->tgt_path);
    return check_dense_part(ns, q, w, (size_t)rows * (size_t)cols, 0, rows, cols, 0);
}

/* Checks COO entries given as an array. */
static int check_coo(rectic_netspec *ns, const rct_netproj *q, const double *e, long nnz)
{
    if (nnz < 0 || (nnz > 0 && !e))
        return rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL, "projection %s -> %s: no COO entries given (nnz %ld)",
                           q->src_path, q->tgt_path, nnz);
    return check_coo_part(ns, q, e, nnz, 0);
}

/* Checks a scalar weight. */
static int check_scalar(rectic_netspec *ns, const rct_netproj *q)
{
    if (isfinite(q->weight))
        return RECTIC_OK;
    return rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL, "projection %s -> %s: the weight is not a finite number",
                       q->src_path, q->tgt_path);
}

/* Adds a projection of any kind: dense (w: rows x cols), COO (w: rows entries) or scalar (weight); the
   projection owns w, which is freed on failure too. */
static int add_proj(rectic_netspec *ns, int kind, const char *source, const char *target, double *w, long rows,
                    long cols, double weight, double delay)
{
    if (!ns) {
        free(w);
        return RECTIC_EINVAL;
    }
    rct_ns_begin(ns);
    rct_netproj q;
    int rc = rct_ns_proj_begin(ns, &q, source, target, delay);
    q.kind = kind;
    q.w = w;
    q.nnz = kind == RECTIC_WEIGHTS_COO ? rows : 0;
    q.weight = weight;
    if (!rc)
        rc = kind == RECTIC_WEIGHTS_COO     ? check_coo(ns, &q, w, rows)
             : kind == RECTIC_WEIGHTS_DENSE ? check_dense(ns, &q, w, rows, cols)
                                            : check_scalar(ns, &q);
    return rct_ns_proj_end(ns, &q, rc);
}

int rct_netspec_dense_take(rectic_netspec *ns, const char *source, const char *target, double *w, long rows,
                           long cols, double delay)
{
    return add_proj(ns, RECTIC_WEIGHTS_DENSE, source, target, w, rows, cols, 0.0, delay);
}

int rct_netspec_coo_take(rectic_netspec *ns, const char *source, const char *target, double *entries, long nnz,
                         double delay)
{
    return add_proj(ns, RECTIC_WEIGHTS_COO, source, target, entries, nnz, 3, 0.0, delay);
}

/* A malloc'd copy of count doubles (at least one byte), or NULL. */
static double *copy_doubles(const double *src, size_t count)
{
    double *d = malloc(count ? count * sizeof *d : 1);
    if (d && count)
        memcpy(d, src, count * sizeof *d);
    return d;
}

int rectic_netspec_dense(rectic_netspec *ns, const char *source, const char *target, const double *w, long rows,
                         long cols, double delay)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    double *copy = NULL;
    if (w && rows > 0 && cols > 0 && (size_t)rows <= SIZE_MAX / sizeof(double) / (size_t)cols &&
        !(copy = copy_doubles(w, (size_t)rows * (size_t)cols)))
        return rct_ns_oom(ns);
    return rct_netspec_dense_take(ns, source, target, copy, rows, cols, delay);
}

int rectic_netspec_coo(rectic_netspec *ns, const char *source, const char *target, const double *entries, long nnz,
                       double delay)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    double *copy = NULL;
    if (entries && nnz > 0 && (size_t)nnz <= SIZE_MAX / sizeof(double) / 3 &&
        !(copy = copy_doubles(entries, (size_t)nnz * 3)))
        return rct_ns_oom(ns);
    return rct_netspec_coo_take(ns, source, target, nnz > 0 ? copy : NULL, nnz, delay);
}

int rectic_netspec_scalar(rectic_netspec *ns, const char *source, const char *target, double w, double delay)
{
    return add_proj(ns, RECTIC_WEIGHTS_SCALAR, source, target, NULL, 0, 0, w, delay);
}

/* Whether the file at path can be opened for reading (a deferred check of a CSV file); 0 or an error code
   about the file. */
static int can_open(rectic_netspec *ns, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        return 0;
    }
    return rct_ns_fail(ns, RCT_NSF_FILE, RECTIC_EIO, "%s: cannot open: %s", path, strerror(errno));
}

/* Checks the file of projection q (opened as s; display: its name in messages): its shape, then (unless
   `shape_only`) its entries, streamed through the checks of its kind. */
static int check_file(rectic_netspec *ns, const rct_netproj *q, rct_wsrc *s, const char *display, int shape_only)
{
    const double *c;
    size_t k;
    int rc;
    if (q->kind == RECTIC_WEIGHTS_DENSE && check_shape(ns, q, s->rows, s->cols))
        return ns->err.code;
    if (q->kind == RECTIC_WEIGHTS_COO && s->rows > 0 && s->cols != 3)
        return rct_ns_fail(ns, RCT_NSF_FILE, RECTIC_EINVAL, "%s has %ld columns, expected 3 (target, source, weight)",
                           display, s->cols);
    while (!shape_only && !(rc = rct_wsrc_next(s, &c, &k, &ns->err)) && k) {
        size_t start = s->pos - k;
        rc = q->kind == RECTIC_WEIGHTS_DENSE ? check_dense_part(ns, q, c, k, start, s->rows, s->cols, s->fortran)
                                             : check_coo_part(ns, q, c, (long)(k / 3), (long)(start / 3));
        if (rc)
            return rc;
    }
    if (rc)
        ns->bad_field = RCT_NSF_FILE;
    return rc;
}

int rct_netspec_file_proj(rectic_netspec *ns, int kind, const char *source, const char *target, const char *path,
                          const char *display, double delay)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    rct_netproj q;
    int rc = rct_ns_proj_begin(ns, &q, source, target, delay);
    q.kind = kind;
    rct_wsrc s;
    memset(&s, 0, sizeof s);
    q.deferred = rct_mpi_launched() > 1; /* under mpirun: each rank checks its part when it reads it */
    int csv_later = q.deferred && !rct_is_npy_path(path); /* (a CSV file is read to learn its shape) */
    if (!rc && csv_later)
        rc = can_open(ns, path);
    else if (!rc && (rc = rct_wsrc_open(&s, path, 0, kind == RECTIC_WEIGHTS_DENSE, kind == RECTIC_WEIGHTS_COO ? 3 : 0,
                                        &ns->err)))
        ns->bad_field = RCT_NSF_FILE;
    if (!rc && !csv_later)
        rc = check_file(ns, &q, &s, display ? display : path, q.deferred);
    q.nnz = kind == RECTIC_WEIGHTS_COO ? s.rows : 0;
    rct_wsrc_close(&s);
    if (!rc && !(q.file = rct_strdup(path)))
        rc = rct_ns_oom(ns);
    return rct_ns_proj_end(ns, &q, rc);
}

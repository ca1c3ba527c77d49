/*
 * ridge.c -- ridge regression of a readout on a run's recorded outputs (RectiPy's fit_ridge, SEMANTICS §10):
 * (XᵀX + αI) w = XᵀY over the rows n >= washout, solved with LAPACK's Cholesky (dposv), or its
 * least-squares solver (dgelsd: the minimum-norm solution) when the matrix is not positive definite; never
 * an explicit inverse.  With an intercept, X gains a column of ones whose weight is not regularised.
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "layers.h"
#include "observer.h"

#define THIN 4 /* outputs up to this many: products one column at a time */

/* CBLAS constants (cblas.h is not needed for five numbers) */
enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112, UPPER = 121 };

/* Solves the p x p symmetric system a w = b (a: its upper triangle in row-major order, which is the lower
   one in LAPACK's column-major order; b: column-major, p x k, overwritten by w).  Cholesky first; when a is
   not positive definite, the least-squares solver on the whole matrix. */
static int solve(rectic_net *net, const rct_lapack *la, double *a, double *b, int p, int k)
{
    size_t pp = (size_t)p * (size_t)p;
    double *a2 = malloc(sizeof(double) * pp + 1), *b2 = malloc(sizeof(double) * (size_t)p * (size_t)k + 1);
    if (!a2 || !b2) {
        free(a2);
        free(b2);
        return rct_oom(&net->err);
    }
    memcpy(a2, a, sizeof(double) * pp);
    memcpy(b2, b, sizeof(double) * (size_t)p * (size_t)k);
    int info = 0;
    double anorm = 0; /* the 1-norm of the symmetric matrix, for the condition estimate */
    for (int j = 0; j < p; j++) {
        double col = 0;
        for (int i = 0; i < p; i++)
            col += fabs(i <= j ? a[(size_t)i * (size_t)p + (size_t)j] : a[(size_t)j * (size_t)p + (size_t)i]);
        anorm = col > anorm ? col : anorm;
    }
    la->dposv("L", &p, &k, a, &p, b, &p, &info, 1);
    int rc = 0;
    if (info == 0) { /* factored, but numerically singular when its reciprocal condition is below the precision */
        double rcond = 0, *work = malloc(sizeof(double) * (size_t)(3 * p) + 1);
        int *iwork = malloc(sizeof(int) * (size_t)p + 1), cinfo = 0;
        if (!work || !iwork)
            rc = rct_oom(&net->err);
        else
            la->dpocon("L", &p, a, &p, &anorm, &rcond, work, iwork, &cinfo, 1);
        free(work);
        free(iwork);
        if (!rc && !(rcond >= DBL_EPSILON))
            info = p + 1;
    }
    if (!rc && info > 0) { /* not positive definite: the minimum-norm least-squares solution */
        for (int i = 0; i < p; i++) /* the whole symmetric matrix (row-major upper -> both halves) */
            for (int j = i + 1; j < p; j++)
                a2[(size_t)j * (size_t)p + (size_t)i] = a2[(size_t)i * (size_t)p + (size_t)j];
        int smlsiz = 25, nlvl = 1;
        while ((p / (smlsiz + 1)) >> nlvl)
            nlvl++;
        int liwork = 3 * p * nlvl + 11 * p + 1, lwork = -1, rank = 0;
        double rcond = -1, query = 0;
        double *s = malloc(sizeof(double) * (size_t)p + 1);
        int *iwork = malloc(sizeof(int) * (size_t)liwork);
        if (!s || !iwork)
            rc = rct_oom(&net->err);
        if (!rc)
            la->dgelsd(&p, &p, &k, a2, &p, b2, &p, s, &rcond, &rank, &query, &lwork, iwork, &info);
        lwork = (int)query + 1;
        double *work = rc ? NULL : malloc(sizeof(double) * (size_t)lwork);
        if (!rc && !work)
            rc = rct_oom(&net->err);
        if (!rc) {
            la->dgelsd(&p, &p, &k, a2, &p, b2, &p, s, &rcond, &rank, work, &lwork, iwork, &info);
            if (info != 0)
                rc = rct_errf(&net->err, RECTIC_ENUMERIC, "fit ridge: the least-squares solver did not converge "
                                                          "(dgelsd info %d)", info);
            else
                memcpy(b, b2, sizeof(double) * (size_t)p * (size_t)k);
        }
        if (!rc)
            rct_net_warn(net, "fit ridge: XᵀX + alpha I is singular to working precision: the readout is the "
                              "minimum-norm least-squares solution (rank %d of %d); a larger alpha (rectic_net_fit_ridge: alpha) regularises", rank, p);
        free(s);
        free(iwork);
        free(work);
    } else if (info < 0) {
        rc = rct_errf(&net->err, RECTIC_EINVAL, "fit ridge: dposv refused argument %d (a bug in rectic)", -info);
    }
    free(a2);
    free(b2);
    return rc;
}

/* Checks the fit's arguments against the last run. */
static int check_fit(rectic_net *net, const double *targets, long rows, long k, double alpha, long washout, long t,
                     long n)
{
    if (!(alpha >= 0) || !isfinite(alpha))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_fit_ridge: alpha: expected a finite number >= 0, got %g", alpha);
    if (net->sample_every != 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_sampling: sampling_steps %ld: a fit needs every step recorded (the targets "
                                                  "are per step)", net->sample_every);
    if (net->cutoff > 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_sampling: cutoff %ld: a fit needs every step recorded; "
                                                  "leave steps out of the fit with rectic_net_fit_ridge: washout", net->cutoff);
    if (!targets || k < 1)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_fit_ridge: targets: no targets (expected T x k, k >= 1)");
    if (rows != t)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_fit_ridge: targets: %ld rows, but the run recorded %ld steps (one target row "
                                                  "per step)", rows, t);
    if (washout < 0 || washout >= t)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_fit_ridge: washout %ld: expected 0 <= W < %ld (the steps of the run): the "
                                                  "fit uses rows n >= W", washout, t);
    if (n + 1 > INT_MAX || t > INT_MAX || k > INT_MAX)
        return rct_errf(&net->err, RECTIC_EINVAL, "fit ridge: %ld x %ld outputs and %ld targets exceed LAPACK's sizes",
                        t, n, k);
    for (long i = 0; i < rows * k; i++)
        if (!isfinite(targets[i]))
            return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_fit_ridge: targets: row %ld, column %ld is not a finite number", i / k,
                            i % k);
    return 0;
}

int rectic_net_fit_ridge(rectic_net *net, const double *targets, long rows, long k, double alpha, long washout,
                         int bias, rectic_score *score)
{
    if (!net)
        return RECTIC_EINVAL;
    rectic_score ignored;
    if (!score)
        score = &ignored;
    memset(score, 0, sizeof *score);
    rct_layers *L = rct_layers_get(net);
    if (!L)
        return net->err.code;
    long t, n;
    double *x;
    int owned;
    int rc = rct_layers_raw_out(net, &t, &n, &x, &owned);
    if (rc)
        return rc;
    if ((rc = check_fit(net, targets, rows, k, alpha, washout, t, n)))
        goto done;
    const rct_lapack *la = rct_lapack_load(&net->err);
    if (!la) {
        rc = net->err.code;
        goto done;
    }
    const int p = (int)n + (bias != 0), ik = (int)k, in = (int)n, r = (int)(t - washout);
    const double *xw = x + (size_t)washout * (size_t)n, *yw = targets + (size_t)washout * (size_t)k;
    double *a = calloc((size_t)p * (size_t)p + 1, sizeof(double));
    double *b = malloc(sizeof(double) * (size_t)p * (size_t)k + 1), *bt = malloc(sizeof(double) * (size_t)p * (size_t)k + 1);
    double *yfit = malloc(sizeof(double) * (size_t)t * (size_t)k + 1);
    if (!a || !b || !bt || !yfit) {
        rc = rct_oom(&net->err);
    } else {
        /* a = XᵀX (upper triangle) + alpha on the diagonal; the intercept's row: column sums and the row count */
        la->dsyrk(ROW_MAJOR, UPPER, TRANS, in, r, 1.0, xw, in, 0.0, a, p);
        for (int j = 0; j < in; j++)
            a[(size_t)j * (size_t)p + (size_t)j] += alpha;
        /* b = XᵀY (p x k, row-major), then column-major for LAPACK; a few outputs one column at a time (GEMV
           streams X once a column, faster than GEMM with a thin result) */
        if (k <= THIN)
            for (int c = 0; c < ik; c++)
                la->dgemv(ROW_MAJOR, TRANS, r, in, 1.0, xw, in, yw + c, ik, 0.0, b + c, ik);
        else
            la->dgemm(ROW_MAJOR, TRANS, NO_TRANS, in, ik, r, 1.0, xw, in, yw, ik, 0.0, b, ik);
        if (bias) {
            for (int j = 0; j < in; j++) {
                double s = 0;
                for (int q = 0; q < r; q++)
                    s += xw[(size_t)q * (size_t)n + (size_t)j];
                a[(size_t)j * (size_t)p + (size_t)in] = s;
            }
            a[(size_t)in * (size_t)p + (size_t)in] = r;
            for (int c = 0; c < ik; c++) {
                double s = 0;
                for (int q = 0; q < r; q++)
                    s += yw[(size_t)q * (size_t)k + (size_t)c];
                b[(size_t)in * (size_t)k + (size_t)c] = s;
            }
        }
        for (int i = 0; i < p; i++)
            for (int c = 0; c < ik; c++)
                bt[(size_t)c * (size_t)p + (size_t)i] = b[(size_t)i * (size_t)k + (size_t)c];
        /* LAPACK is handed finite numbers only (given NaN, its error handler prints) */
        int finite = 1;
        for (size_t i = 0; i < (size_t)p * (size_t)p; i++)
            finite &= isfinite(a[i]) != 0;
        for (long i = 0; i < k * p; i++)
            finite &= isfinite(bt[i]) != 0;
        if (finite)
            rc = solve(net, la, a, bt, p, ik);
        for (long i = 0; finite && !rc && i < k * p; i++)
            finite &= isfinite(bt[i]) != 0;
        if (rc == RECTIC_ENUMERIC || !finite) { /* NaN in X (a run with --no-check-finite) poisons the solution */
            long i = 0;
            while (i < t * n && isfinite(x[i]))
                i++;
            rc = i < t * n ? rct_errf(&net->err, RECTIC_ENUMERIC, "fit ridge: the recorded output is not finite at "
                                                                  "step %ld, neuron %ld", i / n, i % n)
                           : rct_errf(&net->err, RECTIC_ENUMERIC, "fit ridge: the solution is not finite (outputs or "
                                                                  "targets too large)");
        }
    }
    if (!rc) {
        /* bt, column-major p x k, is the readout k x p in row-major order: row c = output c's weights */
        if (k <= THIN)
            for (int c = 0; c < ik; c++)
                la->dgemv(ROW_MAJOR, NO_TRANS, (int)t, in, 1.0, x, in, bt + (size_t)c * (size_t)p, 1, 0.0, yfit + c, ik);
        else
            la->dgemm(ROW_MAJOR, NO_TRANS, TRANS, (int)t, ik, in, 1.0, x, in, bt, p, 0.0, yfit, ik);
        if (bias)
            for (long q = 0; q < t; q++)
                for (long c = 0; c < k; c++)
                    yfit[q * k + c] += bt[(size_t)c * (size_t)p + (size_t)n];
        free(L->fit_w);
        free(L->y_fit);
        L->fit_w = bt;
        L->y_fit = yfit;
        L->fit_k = k;
        L->fit_cols = p;
        L->fit_rows = t;
        bt = yfit = NULL;
        rc = rct_layers_score(net, L->y_fit + (size_t)washout * (size_t)k, yw, NULL, r, k, score);
    }
    free(a);
    free(b);
    free(bt);
    free(yfit);
done:
    if (owned)
        free(x);
    if (!rc)
        net->err.code = 0;
    return rc;
}

int rectic_net_fitted_readout(rectic_net *net, long *rows, long *cols, const double **w)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!net->layers || !net->layers->fit_w)
        return rct_errf(&net->err, RECTIC_EINVAL, "no fit: rectic_net_fit_ridge after a run makes one");
    *rows = net->layers->fit_k;
    *cols = net->layers->fit_cols;
    *w = net->layers->fit_w;
    net->err.code = 0;
    return 0;
}

int rectic_net_fitted_outputs(rectic_net *net, long *rows, long *cols, const double **y)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!net->layers || !net->layers->y_fit)
        return rct_errf(&net->err, RECTIC_EINVAL, "no fit: rectic_net_fit_ridge after a run makes one");
    *rows = net->layers->fit_rows;
    *cols = net->layers->fit_k;
    *y = net->layers->y_fit;
    net->err.code = 0;
    return 0;
}

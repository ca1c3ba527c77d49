/*
 * blas.h -- CBLAS, loaded when a network first needs it.
 *
 * Dense coupling (cblas_?gemv from the kernel), the thread setting and the ridge regression of a readout
 * (cblas_dsyrk/dgemm and LAPACK's dposv/dgelsd: runtime/ridge.c) use BLAS.  Linking OpenBLAS
 * into every process costs ~3-5 ms at start-up (relocations, its thread pool), more than a whole
 * 30000-step run of a small network, so rectic opens it with dlopen on first use (RTLD_GLOBAL: kernels
 * built by the system compiler find cblas_dgemv there).  RECTIC_LIBBLAS names another CBLAS library.
 * A build that links BLAS statically compiles this file with -DRECTIC_BLAS_LINKED instead.
 */
#ifndef RCT_BLAS_H
#define RCT_BLAS_H

#include "util.h"

typedef void (*rct_dgemv_fn)(int order, int trans, int m, int n, double alpha, const double *a, int lda,
                             const double *x, int incx, double beta, double *y, int incy);
typedef void (*rct_sgemv_fn)(int order, int trans, int m, int n, float alpha, const float *a, int lda,
                             const float *x, int incx, float beta, float *y, int incy);

typedef void (*rct_dsyrk_fn)(int order, int uplo, int trans, int n, int k, double alpha, const double *a, int lda,
                             double beta, double *c, int ldc);
typedef void (*rct_dgemm_fn)(int order, int transa, int transb, int m, int n, int k, double alpha, const double *a,
                             int lda, const double *b, int ldb, double beta, double *c, int ldc);
/* LAPACK's Fortran interface (column-major; the trailing size_t is gfortran's hidden length of uplo) */
typedef void (*rct_dposv_fn)(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda, double *b,
                             const int *ldb, int *info, size_t uplo_len);
typedef void (*rct_dpocon_fn)(const char *uplo, const int *n, const double *a, const int *lda, const double *anorm,
                              double *rcond, double *work, int *iwork, int *info, size_t uplo_len);
typedef void (*rct_dgelsd_fn)(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
                              const int *ldb, double *s, const double *rcond, int *rank, double *work,
                              const int *lwork, int *iwork, int *info);

typedef struct rct_blas {
    rct_dgemv_fn dgemv;
    rct_sgemv_fn sgemv;
    void (*set_threads)(int threads); /* openblas_set_num_threads, or NULL for other libraries */
    char name[256];                   /* the library loaded */
} rct_blas;

/* What the ridge regression needs: BLAS level 3 and LAPACK's Cholesky solver, its condition estimate and the
   least-squares solver. */
typedef struct rct_lapack {
    rct_dgemv_fn dgemv;
    rct_dsyrk_fn dsyrk;
    rct_dgemm_fn dgemm;
    rct_dposv_fn dposv;
    rct_dpocon_fn dpocon;
    rct_dgelsd_fn dgelsd;
    char name[512]; /* the libraries they come from */
} rct_lapack;

/* The BLAS functions, loading the library on the first call (thread-safe); NULL with err filled when
   no CBLAS library can be opened. */
const rct_blas *rct_blas_load(rct_err *err);

/* BLAS level 3 and LAPACK, from the CBLAS library above when it has them (OpenBLAS does), else from
   liblapack.so.3 (RECTIC_LIBLAPACK names another); NULL with err filled when none can be found. */
const rct_lapack *rct_lapack_load(rct_err *err);

/* Whether the library is loaded already (nothing is loaded to answer). */
int rct_blas_loaded(void);

/* Threads for the library's products: applied now when it is loaded, else when it loads (one when never
   set, so that a product's bits do not depend on the CPUs the process may use). */
void rct_blas_threads(int threads);

#endif

/*
 * blas.c -- CBLAS, loaded when a network first needs it (see blas.h).
 */
#include "blas.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef RECTIC_BLAS_LINKED
#include <cblas.h>
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda, double *b, const int *ldb,
            int *info, size_t uplo_len);
void dpocon_(const char *uplo, const int *n, const double *a, const int *lda, const double *anorm, double *rcond,
             double *work, int *iwork, int *info, size_t uplo_len);
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b, const int *ldb,
             double *s, const double *rcond, int *rank, double *work, const int *lwork, int *iwork, int *info);
#endif

static rct_blas blas;
#ifndef RECTIC_BLAS_LINKED
static void *blas_handle;       /* the library blas comes from (dlopen); none when linked */
#endif
static int loaded;              /* 1: blas is filled */
static char load_error[1024];   /* why it could not be */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int want_threads;        /* rectic_set_threads's count; none: one thread, not OpenBLAS's own default, which
                                   follows the CPU affinity (mpirun binds a rank to a core) while the bits of its
                                   threaded products (dsyrk, dgemm, dposv) depend on the count */

/* Opens the first CBLAS library that has both gemv functions. */
static void load(void)
{
#ifdef RECTIC_BLAS_LINKED
    blas.dgemv = (rct_dgemv_fn)cblas_dgemv;
    blas.sgemv = (rct_sgemv_fn)cblas_sgemv;
    blas.set_threads = openblas_set_num_threads;
    snprintf(blas.name, sizeof blas.name, "OpenBLAS (linked)");
    blas.set_threads(want_threads > 0 ? want_threads : 1);
    loaded = 1;
#else
    const char *env = getenv("RECTIC_LIBBLAS");
    const char *defaults[] = {"libopenblas.so.0", "libopenblas.so", "libcblas.so.3", "libblas.so.3"};
    const char *const *names = env && *env ? &env : defaults; /* RECTIC_LIBBLAS, when given, alone */
    size_t count = env && *env ? 1 : sizeof defaults / sizeof defaults[0], used = 0;
    for (size_t k = 0; k < count; k++) {
        void *h = dlopen(names[k], RTLD_NOW | RTLD_GLOBAL);
        const char *why = h ? NULL : dlerror();
        if (h) {
            *(void **)&blas.dgemv = dlsym(h, "cblas_dgemv");
            *(void **)&blas.sgemv = dlsym(h, "cblas_sgemv");
            *(void **)&blas.set_threads = dlsym(h, "openblas_set_num_threads");
            if (blas.dgemv && blas.sgemv) {
                blas_handle = h;
                snprintf(blas.name, sizeof blas.name, "%s", names[k]);
                if (blas.set_threads) /* (see want_threads) */
                    blas.set_threads(want_threads > 0 ? want_threads : 1);
                loaded = 1;
                return;
            }
            why = "no cblas_dgemv/cblas_sgemv in it";
            dlclose(h);
        }
        int w = snprintf(load_error + used, sizeof load_error - used, "%s%s: %s", used ? "; " : "", names[k],
                         why ? why : "cannot open");
        if (w > 0 && (size_t)w < sizeof load_error - used)
            used += (size_t)w;
    }
#endif
}

const rct_blas *rct_blas_load(rct_err *err)
{
    pthread_once(&once, load);
    if (loaded)
        return &blas;
    rct_errf(err, RECTIC_EINVAL, "dense coupling needs a CBLAS library (Debian: libopenblas0) and none could be "
                                 "loaded (%s); RECTIC_LIBBLAS names one, or use spec.coupling sparse", load_error);
    return NULL;
}

int rct_blas_loaded(void)
{
    return loaded;
}

void rct_blas_threads(int threads)
{
    want_threads = threads;
    if (loaded && blas.set_threads)
        blas.set_threads(threads);
}


static rct_lapack lapack;
static int lapack_loaded;
static char lapack_error[1024];
static pthread_once_t lapack_once = PTHREAD_ONCE_INIT;

/* Finds BLAS level 3 in the CBLAS library and LAPACK there or in liblapack.so.3. */
static void load_lapack(void)
{
#ifdef RECTIC_BLAS_LINKED
    lapack.dgemv = (rct_dgemv_fn)cblas_dgemv;
    lapack.dsyrk = (rct_dsyrk_fn)cblas_dsyrk;
    lapack.dgemm = (rct_dgemm_fn)cblas_dgemm;
    lapack.dposv = dposv_;
    lapack.dpocon = dpocon_;
    lapack.dgelsd = dgelsd_;
    snprintf(lapack.name, sizeof lapack.name, "OpenBLAS (linked)");
    lapack_loaded = 1;
#else
    rct_err err;
    if (!rct_blas_load(&err)) {
        snprintf(lapack_error, sizeof lapack_error, "%.1000s", err.msg);
        return;
    }
    lapack.dgemv = blas.dgemv;
    *(void **)&lapack.dsyrk = dlsym(blas_handle, "cblas_dsyrk");
    *(void **)&lapack.dgemm = dlsym(blas_handle, "cblas_dgemm");
    *(void **)&lapack.dposv = dlsym(blas_handle, "dposv_");
    *(void **)&lapack.dpocon = dlsym(blas_handle, "dpocon_");
    *(void **)&lapack.dgelsd = dlsym(blas_handle, "dgelsd_");
    snprintf(lapack.name, sizeof lapack.name, "%s", blas.name);
    if (!lapack.dsyrk || !lapack.dgemm) {
        snprintf(lapack_error, sizeof lapack_error, "%s has no cblas_dsyrk/cblas_dgemm", blas.name);
        return;
    }
    if (!lapack.dposv || !lapack.dpocon || !lapack.dgelsd) { /* a BLAS without LAPACK: the reference LAPACK */
        const char *env = getenv("RECTIC_LIBLAPACK");
        const char *name = env && *env ? env : "liblapack.so.3";
        void *h = dlopen(name, RTLD_NOW | RTLD_GLOBAL);
        if (!h) {
            snprintf(lapack_error, sizeof lapack_error, "%s has no LAPACK (dposv_, dpocon_, dgelsd_) and %s: %s", blas.name,
                     name, dlerror());
            return;
        }
        *(void **)&lapack.dposv = dlsym(h, "dposv_");
        *(void **)&lapack.dpocon = dlsym(h, "dpocon_");
        *(void **)&lapack.dgelsd = dlsym(h, "dgelsd_");
        if (!lapack.dposv || !lapack.dpocon || !lapack.dgelsd) {
            snprintf(lapack_error, sizeof lapack_error, "neither %s nor %s has dposv_, dpocon_ and dgelsd_", blas.name,
                     name);
            dlclose(h);
            return;
        }
        snprintf(lapack.name, sizeof lapack.name, "%s + %s", blas.name, name);
    }
    lapack_loaded = 1;
#endif
}

const rct_lapack *rct_lapack_load(rct_err *err)
{
    pthread_once(&lapack_once, load_lapack);
    if (lapack_loaded)
        return &lapack;
    rct_errf(err, RECTIC_EINVAL, "the ridge regression needs BLAS and LAPACK (Debian: libopenblas0) and they could not "
                                 "be loaded: %s; RECTIC_LIBBLAS and RECTIC_LIBLAPACK name other libraries", lapack_error);
    return NULL;
}

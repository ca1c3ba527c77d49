/*
 * check_threads.c -- threads that help without changing a bit: the dense product split among the cc kernel's
 * own threads (OpenBLAS on one thread meanwhile) and event-driven coupling split across targets give the
 * numbers of TinyCC's single-threaded kernel; OpenBLAS's thread count is given back after the run.
 * (Speed lives in bench: make bench, bench --threads-only.)
 */
#include <math.h>
#include <stdint.h>

#include "rectic.h"
#include "testutil.h"
#include "tu_spec.h"

/* Deterministic numbers in [0, 1). */
static double uniform(uint64_t *r)
{
    *r = *r * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*r >> 11) / 9007199254740992.0;
}

/* Runs a QIF network (dense w n x n, or COO entries) with `threads` threads on a backend; returns v
   (steps x n, owned) and the spike count. */
static double eta_lo = 20.0; /* eta ~ U(eta_lo, 3 eta_lo) */

static double *run_qif(long n, const double *w, const double *coo, long nnz, int coupling, int backend, int threads,
                       long steps, long *spikes, const char **kernel)
{
    rectic_spec s;
    tu_qif_spec(&s, n);
    s.weights = w;
    s.weights_coo = coo;
    s.nnz = nnz;
    s.coupling = coupling;
    s.backend = backend;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    uint64_t r = 99;
    double *eta = malloc(sizeof(double) * (size_t)n), *v0 = malloc(sizeof(double) * (size_t)n);
    for (long i = 0; i < n; i++)
        eta[i] = eta_lo + eta_lo * 2.0 * uniform(&r), v0[i] = -100.0 + 200.0 * uniform(&r);
    ck_assert_int_eq(rectic_net_set(net, "eta", eta, n), RECTIC_OK);
    ck_assert_int_eq(rectic_net_set(net, "v", v0, n), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    rectic_set_threads(threads);
    rectic_net_threads(net, threads);
    ck_assert_msg(rectic_net_run(net, steps, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *d;
    const long *pairs;
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
    double *v = malloc(sizeof(double) * (size_t)(rows * cols));
    memcpy(v, d, sizeof(double) * (size_t)(rows * cols));
    rectic_net_spikes(net, spikes, &pairs);
    *kernel = rectic_net_backend(net);
    ck_assert_int_eq(strncmp(*kernel, backend == RECTIC_BACKEND_CC ? "cc" : "tcc", 2), 0);
    rectic_net_free(net);
    free(eta), free(v0);
    return v;
}

/* n = 4100 (not a multiple of the blocks): cc on 2 and 3 threads against TinyCC on one. */
START_TEST(test_split_dense_product_is_bit_identical)
{
    char *cache = tu_fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    const long n = 4100, steps = 12;
    double *w = malloc(sizeof(double) * (size_t)(n * n));
    uint64_t r = 7;
    for (long i = 0; i < n * n; i++)
        w[i] = (2.0 * uniform(&r) - 1.0) * 2.0 / sqrt((double)n);
    long s0, s1;
    const char *k;
    double *a = run_qif(n, w, NULL, 0, RECTIC_COUPLING_DENSE, RECTIC_BACKEND_TCC, 1, steps, &s0, &k);
    for (int threads = 2; threads <= 3; threads++) {
        double *b = run_qif(n, w, NULL, 0, RECTIC_COUPLING_DENSE, RECTIC_BACKEND_CC, threads, steps, &s1, &k);
        ck_assert_int_eq(s0, s1);
        ck_assert_int_eq(memcmp(a, b, sizeof(double) * (size_t)(n * steps)), 0);
        free(b);
    }
    ck_assert_int_gt(s0, 50);
    free(a), free(w);
    rectic_set_threads(1);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* Event-driven coupling with n = 4200 and ~200 spikes a step (an update of ~60000 elements: the targets are
   shared out), full and sparse columns: cc on 2 and 3 threads against TinyCC on one. */
START_TEST(test_split_event_update_is_bit_identical)
{
    char *cache = tu_fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    const long n = 4200, steps = 40, sparse_len = 200;
    eta_lo = 40000.0; /* a spike every ~10 steps */
    long nnz = 0;
    for (long j = 0; j < n; j++)
        nnz += j % 40 == 0 ? n : sparse_len;
    double *coo = malloc(sizeof(double) * 3 * (size_t)nnz);
    uint64_t r = 11;
    long k = 0;
    for (long j = 0; j < n; j++)
        for (long q = 0; q < (j % 40 == 0 ? n : sparse_len); q++, k++) {
            coo[3 * k] = j % 40 == 0 ? (double)q : (double)(long)(uniform(&r) * (double)n); /* repeats add up */
            coo[3 * k + 1] = (double)j;
            coo[3 * k + 2] = (2.0 * uniform(&r) - 1.0) * 0.05;
        }
    long s0, s1;
    const char *kind;
    double *a = run_qif(n, NULL, coo, nnz, RECTIC_COUPLING_EVENT, RECTIC_BACKEND_TCC, 1, steps, &s0, &kind);
    for (int threads = 2; threads <= 3; threads++) {
        double *b = run_qif(n, NULL, coo, nnz, RECTIC_COUPLING_EVENT, RECTIC_BACKEND_CC, threads, steps, &s1, &kind);
        ck_assert_int_eq(s0, s1);
        ck_assert_int_eq(memcmp(a, b, sizeof(double) * (size_t)(n * steps)), 0);
        free(b);
    }
    ck_assert_int_gt(s0, 300 * steps); /* enough spikes a step for the shared-out update */
    free(a), free(coo);
    rectic_set_threads(1);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {test_split_dense_product_is_bit_identical, test_split_event_update_is_bit_identical};
    return tu_main("threads", 240, tests, (int)(sizeof tests / sizeof tests[0]));
}

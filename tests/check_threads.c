/*
 * check_threads.c -- threads that help without changing a bit: under every coupling strategy (the dense product
 * split by rows among the cc kernel's own threads, the loop of inline coupling, compressed sparse rows, and
 * event-driven updates split across targets) cc's kernel on 2 and 3 threads gives the numbers of TinyCC's
 * single-threaded kernel, both settings (one thread, all) measured in the run.
 * (Speed lives in bench: make bench, bench --threads-only.)
 */
#include <math.h>
#include <stdint.h>

#include "jit_cc.h"
#include "network.h"
#include "rectic.h"
#include "testutil.h"
#include "tu_spec.h"

/* Deterministic numbers in [0, 1). */
static double uniform(uint64_t *r)
{
    *r = *r * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*r >> 11) / 9007199254740992.0;
}

/* Runs net `steps` steps on `threads` threads and returns a copy of recording key (steps x n, owned). */
static double *run_copy(rectic_net *net, const char *key, int threads, long steps, long n)
{
    rectic_net_threads(net, threads);
    ck_assert_msg(rectic_net_run(net, steps, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, key, &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows * cols, steps * n);
    double *v = malloc(sizeof(double) * (size_t)(rows * cols));
    memcpy(v, d, sizeof(double) * (size_t)(rows * cols));
    return v;
}

/* Runs a QIF network (dense w n x n, or COO entries) with `threads` threads on a backend; returns v
   (steps x n, owned), the spike count and *both, whether both settings (one thread, all) were measured. */
static double eta_lo = 20.0; /* eta ~ U(eta_lo, 3 eta_lo) */

static double *run_qif(long n, const double *w, const double *coo, long nnz, int coupling, int backend, int threads,
                       long steps, long *spikes, int *both)
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
    const long *pairs;
    double *v = run_copy(net, "v", threads, steps, n);
    rectic_net_spikes(net, spikes, &pairs);
    ck_assert_int_eq(strncmp(rectic_net_backend(net), backend == RECTIC_BACKEND_CC ? "cc" : "tcc", 2), 0);
    *both = net->thread_step[0] > 0 && net->thread_step[1] > 0;
    rectic_net_free(net);
    free(eta), free(v0);
    return v;
}

/* The weights (dense w, or COO entries) under a coupling strategy: cc's kernel on 2 and 3 threads gives the
   bits of TinyCC's on one, with both settings (one thread, all) measured; returns the spike count. */
static long same_bits_on_threads(long n, const double *w, const double *coo, long nnz, int coupling, long steps)
{
    long s0, s1;
    int both;
    double *a = run_qif(n, w, coo, nnz, coupling, RECTIC_BACKEND_TCC, 1, steps, &s0, &both);
    ck_assert_msg(!both, "one thread asked for: nothing to choose");
    for (int threads = 2; threads <= 3; threads++) {
        double *b = run_qif(n, w, coo, nnz, coupling, RECTIC_BACKEND_CC, threads, steps, &s1, &both);
        ck_assert_int_eq(s0, s1);
        ck_assert_int_eq(memcmp(a, b, sizeof(double) * (size_t)(n * steps)), 0);
        ck_assert_msg(both || !rct_cc_openmp(), "%d threads asked for: both settings measured", threads);
        free(b);
    }
    free(a);
    rectic_set_threads(1);
    return s0;
}

/* Random weights U(-1,1)*2/sqrt(n), n x n (owned). */
static double *dense_weights(long n)
{
    double *w = malloc(sizeof(double) * (size_t)(n * n));
    uint64_t r = 7;
    for (long i = 0; i < n * n; i++)
        w[i] = (2.0 * uniform(&r) - 1.0) * 2.0 / sqrt((double)n);
    return w;
}

/* n = 4100 (not a multiple of the blocks): the dense product (rows in blocks) and inline coupling's loop in the
   kernel (rows shared out), cc on 2 and 3 threads against TinyCC on one. */
START_TEST(test_split_dense_product_and_inline_loop_are_bit_identical)
{
    char *cache = tu_fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    const long n = 4100;
    double *w = dense_weights(n);
    ck_assert_int_gt(same_bits_on_threads(n, w, NULL, 0, RECTIC_COUPLING_DENSE, 12), 50);
    ck_assert_int_gt(same_bits_on_threads(n, w, NULL, 0, RECTIC_COUPLING_INLINE, 8), 30);
    free(w);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* Compressed sparse rows at n = 5000 with 60 random sources per target (repeats add up), unsorted: the rows
   shared out among the threads, each summed in stored order as on one. */
START_TEST(test_split_sparse_rows_are_bit_identical)
{
    char *cache = tu_fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    const long n = 5000, degree = 60, nnz = n * degree;
    double *coo = malloc(sizeof(double) * 3 * (size_t)nnz);
    uint64_t r = 13;
    for (long e = 0; e < nnz; e++) {
        coo[3 * e] = (double)((e * 7919) % n); /* targets out of order */
        coo[3 * e + 1] = (double)(long)(uniform(&r) * (double)n);
        coo[3 * e + 2] = (2.0 * uniform(&r) - 1.0) * 2.0 / sqrt((double)degree);
    }
    ck_assert_int_gt(same_bits_on_threads(n, NULL, coo, nnz, RECTIC_COUPLING_SPARSE, 30), 100);
    free(coo);
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
    /* enough spikes a step for the shared-out update */
    ck_assert_int_gt(same_bits_on_threads(n, NULL, coo, nnz, RECTIC_COUPLING_EVENT, steps), 300 * steps);
    eta_lo = 20.0;
    free(coo);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* A network of two QIF populations E (4200 units) and I (4100) with sparse projections E -> I, I -> E and
   E -> E, run `steps` steps on `threads` threads with cc; returns E's v (owned), *spikes E's spikes and
   *both whether both settings (one thread, all) were measured. */
static double *run_pops(int threads, long steps, long *spikes, int *both)
{
    const long n[2] = {4200, 4100};
    const char *names[2] = {"E", "I"};
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    uint64_t r = 5;
    for (int p = 0; p < 2; p++) {
        char path[16];
        ck_assert_int_eq(rectic_netspec_population(ns, names[p], "neuron_model_templates.spiking_neurons.qif.qif",
                                                   "qif_op", n[p]), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_spikes(ns, names[p], "spike", "v", 100, -100), RECTIC_OK);
        double *eta = malloc(sizeof(double) * (size_t)n[p]);
        for (long i = 0; i < n[p]; i++)
            eta[i] = 20000.0 + 40000.0 * uniform(&r); /* a spike every ~10 steps */
        snprintf(path, sizeof path, "%s/eta", names[p]);
        ck_assert_int_eq(rectic_netspec_set(ns, path, eta, n[p]), RECTIC_OK);
        free(eta);
    }
    const int pairs[3][2] = {{0, 1}, {1, 0}, {0, 0}};
    for (int k = 0; k < 3; k++) {
        long src = n[pairs[k][0]], tgt = n[pairs[k][1]], nnz = 50 * tgt;
        double *coo = malloc(sizeof(double) * 3 * (size_t)nnz);
        for (long e = 0; e < nnz; e++) {
            coo[3 * e] = (double)(e / 50);
            coo[3 * e + 1] = (double)(long)(uniform(&r) * (double)src);
            coo[3 * e + 2] = (2.0 * uniform(&r) - 1.0) * 0.05;
        }
        char from[16], to[16];
        snprintf(from, sizeof from, "%s/s", names[pairs[k][0]]);
        snprintf(to, sizeof to, "%s/s_in", names[pairs[k][1]]);
        ck_assert_int_eq(rectic_netspec_coo(ns, from, to, coo, nnz, 0), RECTIC_OK);
        free(coo);
    }
    rectic_spec o;
    rectic_spec_init(&o);
    o.backend = RECTIC_BACKEND_CC;
    o.dt = 1e-4;
    rectic_net *net = NULL;
    ck_assert_msg(rectic_net_new_network(&net, ns, &o) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_record(net, "E/v"), RECTIC_OK);
    const long *pairs_out;
    double *v = run_copy(net, "E_v", threads, steps, n[0]);
    ck_assert_int_eq(rectic_net_population_spikes(net, "E", spikes, &pairs_out), RECTIC_OK);
    *both = net->thread_step[0] > 0 && net->thread_step[1] > 0;
    rectic_net_free(net);
    rectic_netspec_free(ns);
    return v;
}

/* A network of populations: each block on one thread or two (both measured in the first block), the same
   bits as on one thread throughout. */
START_TEST(test_network_of_populations_on_one_or_two_threads_is_bit_identical)
{
    char *cache = tu_fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    const long steps = 60;
    long s1, s2;
    int both1, both2;
    double *a = run_pops(1, steps, &s1, &both1), *b = run_pops(2, steps, &s2, &both2);
    ck_assert_int_eq(s1, s2);
    ck_assert_int_gt(s1, 5000);
    ck_assert_int_eq(memcmp(a, b, sizeof(double) * (size_t)(steps * 4200)), 0);
    ck_assert_msg(!both1, "one thread asked for: nothing to choose");
    ck_assert_msg(both2 || !rct_cc_openmp(), "two threads asked for: both settings measured");
    free(a), free(b);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {test_split_dense_product_and_inline_loop_are_bit_identical,
                            test_split_sparse_rows_are_bit_identical, test_split_event_update_is_bit_identical,
                            test_network_of_populations_on_one_or_two_threads_is_bit_identical};
    return tu_main("threads", 240, tests, (int)(sizeof tests / sizeof tests[0]));
}

/*
 * check_rls.c -- the online readout through the C API (issue 17): RLS training against the update written
 * out here with full matrices, FORCE feedback against a loop written out here, runs split in two (and
 * through a saved state) equal to one run byte for byte, a network of populations equal to one template
 * (with feedback too), feedback into E of an E/I network against a loop written out here, the errors, and
 * the update's O(n²) kernel (rls_kernel.c) against plain loops.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rectic.h"
#include "caseutil.h"
#include "rls_kernel.h"

#define LI "neuron_model_templates.rate_neurons.leaky_integrator.tanh"

#define identity_net tu_identity_net

/* A leaky-integrator tanh network of n units with random coupling, its output tanh_op/r. */
static rectic_net *li_net(long n, const double *j, rectic_coupling coupling)
{
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = LI;
    s.n = n;
    s.weights = j;
    s.coupling = coupling;
    s.source_var = "tanh_op/r";
    s.target_var = "li_op/r_in";
    s.input_var = "li_op/I_ext";
    s.output_var = "tanh_op/r";
    s.dt = 0.1;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    double tau = 1;
    ck_assert_int_eq(rectic_net_set(net, "li_op/tau", &tau, 1), RECTIC_OK);
    return net;
}

/* The largest |a - b| relative to the largest |b| over count values. */
static double rel_diff(const double *a, const double *b, long count)
{
    double d = 0, top = 0;
    for (long i = 0; i < count; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        top = fmax(top, fabs(b[i]));
    }
    return top > 0 ? d / top : d;
}

/* The update of SEMANTICS §10 as written, with full matrices: e = y − ŷ; k = P x / (β + xᵀ P x);
   P ← (P − k (xᵀ P)) / β; W ← W + e ⊗ (P x) with the new P. */
static void reference_update(double *p, double *w, const double *x, const double *e, long n, long k, double beta)
{
    double *px = malloc(sizeof(double) * (size_t)n), *xp = malloc(sizeof(double) * (size_t)n);
    double q = 0;
    for (long i = 0; i < n; i++) {
        px[i] = xp[i] = 0;
        for (long j = 0; j < n; j++) {
            px[i] += p[i * n + j] * x[j];
            xp[i] += x[j] * p[j * n + i];
        }
    }
    for (long i = 0; i < n; i++)
        q += x[i] * px[i];
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++)
            p[i * n + j] = (p[i * n + j] - px[i] / (beta + q) * xp[j]) / beta;
    for (long i = 0; i < n; i++) {
        px[i] = 0;
        for (long j = 0; j < n; j++)
            px[i] += p[i * n + j] * x[j];
    }
    for (long c = 0; c < k; c++)
        for (long j = 0; j < n; j++)
            w[c * n + j] += e[c] * px[j];
    free(px);
    free(xp);
}

START_TEST(test_rls_equals_the_update_as_written)
{
    enum { N = 6, K = 2, T = 300 };
    const double alpha = 0.5, beta = 0.98;
    const long every = 3, train = 250;
    static double x[T * N], y[T * K], p[N * N], w[K * N], yhat[T * K], err[T * K];
    tu_fill(x, T * N, 2, 17);
    for (long n = 0; n < T; n++) {
        y[n * K] = 0.3 * x[n * N + 1] + x[n * N + 2];
        y[n * K + 1] = x[n * N] - 0.5 * x[n * N + 3];
    }
    for (long i = 0; i < N * N; i++)
        p[i] = i % (N + 1) == 0 ? alpha : 0;
    long updates = 0;
    double se[2] = {0, 0};
    for (long n = 0; n < T; n++) { /* the reference: ŷ before the update, then the update */
        for (long c = 0; c < K; c++) {
            yhat[n * K + c] = 0;
            for (long j = 0; j < N; j++)
                yhat[n * K + c] += w[c * N + j] * x[n * N + j];
            se[n >= train] += (y[n * K + c] - yhat[n * K + c]) * (y[n * K + c] - yhat[n * K + c]);
        }
        if (n % every == 0 && n < train) {
            for (long c = 0; c < K; c++)
                err[updates * K + c] = y[n * K + c] - yhat[n * K + c];
            reference_update(p, w, x + n * N, err + updates * K, N, K, beta);
            updates++;
        }
    }
    rectic_net *net = identity_net(N);
    ck_assert_int_eq(rectic_net_rls(net, y, T, K, alpha, beta, every, train), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, T, x, N) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *got;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(rows * 10 + cols, T * 10 + K);
    ck_assert_double_le(rel_diff(got, yhat, T * K), 1e-12);
    ck_assert_int_eq(rectic_net_rls_errors(net, &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(rows, updates);
    ck_assert_int_eq(updates, 84); /* steps 0, 3, ..., 249 */
    ck_assert_double_le(rel_diff(got, err, updates * K), 1e-12);
    ck_assert_int_eq(rectic_net_fitted_readout(net, &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(rows * 10 + cols, K * 10 + N);
    ck_assert_double_le(rel_diff(got, w, K * N), 1e-12);
    double mse[2];
    long steps[2];
    ck_assert_int_eq(rectic_net_rls_mse(net, mse, steps), RECTIC_OK);
    ck_assert_int_eq(steps[0] * 1000 + steps[1], 250050);
    ck_assert_double_eq_tol(mse[0], se[0] / (250.0 * K), 1e-12 * mse[0]);
    ck_assert_double_eq_tol(mse[1], se[1] / (50.0 * K), 1e-12 * mse[1]);
    ck_assert_double_lt(mse[1], 0.05 * mse[0]); /* it learned: the targets are linear in x */
    rectic_net_free(net);
}
END_TEST

START_TEST(test_feedback_adds_the_previous_output_to_the_input)
{
    enum { N = 4, T = 50 };
    double x[T], fb[N * 2], w[2 * N], want_x[T * N], want_y[T * 2];
    tu_fill(x, T, 2, 5);
    tu_fill(fb, 2 * N, 2, 6);
    tu_fill(w, 2 * N, 1, 7);
    double prev[2] = {0, 0};
    for (long n = 0; n < T; n++) { /* the input variable: the plain input (one column) + fb @ ŷ_{n-1} */
        for (long i = 0; i < N; i++) {
            double acc = 0;
            for (long c = 0; c < 2; c++)
                acc += fb[i * 2 + c] * prev[c];
            want_x[n * N + i] = x[n] + (n > 0 ? acc : 0);
        }
        for (long c = 0; c < 2; c++) {
            double acc = 0;
            for (long j = 0; j < N; j++)
                acc += w[c * N + j] * want_x[n * N + j];
            want_y[n * 2 + c] = prev[c] = acc;
        }
    }
    rectic_net *net = identity_net(N);
    ck_assert_int_eq(rectic_net_record(net, "li_op/I_ext"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_readout(net, w, 2, N, RECTIC_ACT_IDENTITY), RECTIC_OK);
    ck_assert_int_eq(rectic_net_feedback_weights(net, fb, N, 2), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, T, x, 1) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *got;
    ck_assert_int_eq(rectic_net_recording(net, "li_op/I_ext", &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(memcmp(got, want_x, sizeof want_x), 0);
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(rows * 10 + cols, T * 10 + 2);
    ck_assert_int_eq(memcmp(got, want_y, sizeof want_y), 0);
    ck_assert_double_ne(want_x[N * 10], x[10]); /* the feedback did change the input */
    rectic_net_free(net);
}
END_TEST

/* Runs `steps` steps of a li network with RLS and feedback from row `from` of x and y; copies out rows. */
static void closed_loop_run(rectic_net *net, const double *x, const double *y, long from, long steps, double *out)
{
    ck_assert_int_eq(rectic_net_rls(net, y + from, steps, 1, 0.3, 0.995, 2, 150), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, steps, x + from, 1) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *got;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(rows * 10 + cols, steps * 10 + 1);
    memcpy(out, got, sizeof(double) * (size_t)steps);
}

START_TEST(test_split_runs_and_saved_states_equal_one_run)
{
    enum { N = 10, T = 200, T1 = 120 };
    double j[N * N], fb[N], x[T], y[T], whole[T], split[T], w_whole[N];
    tu_fill(j, N * N, 2.4 / sqrt((double)N), 9);
    tu_fill(fb, N, 2, 10);
    tu_fill(x, T, 0.6, 11);
    for (long n = 0; n < T; n++)
        y[n] = sin(0.1 * (double)n);
    rectic_net *net = li_net(N, j, RECTIC_COUPLING_AUTO);
    ck_assert_int_eq(rectic_net_feedback_weights(net, fb, N, 1), RECTIC_OK);
    closed_loop_run(net, x, y, 0, T, whole);
    const double *w;
    long rows, cols;
    ck_assert_int_eq(rectic_net_fitted_readout(net, &rows, &cols, &w), RECTIC_OK);
    memcpy(w_whole, w, sizeof w_whole);
    rectic_net_free(net);
    /* two runs of one network: P, W and ŷ carry on (rectic_net_rls again would restart: not called here) */
    net = li_net(N, j, RECTIC_COUPLING_AUTO);
    ck_assert_int_eq(rectic_net_feedback_weights(net, fb, N, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_rls(net, y, T, 1, 0.3, 0.995, 2, 150), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, T1, x, 1), RECTIC_OK);
    const double *got;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &got), RECTIC_OK);
    memcpy(split, got, sizeof(double) * T1);
    char *dir = tu_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/state.npz", dir);
    ck_assert_msg(rectic_net_save_state(net, path) == RECTIC_OK, "%s", rectic_errmsg(net));
    rectic_net_free(net);
    /* ... and through a saved state: a new network resumes the training */
    net = li_net(N, j, RECTIC_COUPLING_AUTO);
    ck_assert_int_eq(rectic_net_feedback_weights(net, fb, N, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_rls(net, y + T1, T - T1, 1, 0.3, 0.995, 2, 150), RECTIC_OK);
    ck_assert_msg(rectic_net_load_state(net, path) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_step(net), T1);
    ck_assert_msg(rectic_net_run(net, T - T1, x + T1, 1) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &got), RECTIC_OK);
    memcpy(split + T1, got, sizeof(double) * (T - T1));
    ck_assert_int_eq(memcmp(split, whole, sizeof whole), 0);
    ck_assert_int_eq(rectic_net_fitted_readout(net, &rows, &cols, &w), RECTIC_OK);
    ck_assert_int_eq(memcmp(w, w_whole, sizeof w_whole), 0);
    rectic_net_free(net);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_network_of_populations_trains_as_one_template)
{
    enum { N = 8, T = 150 };
    double j[N * N], x[T], y[T];
    tu_fill(j, N * N, 2 / sqrt((double)N), 33);
    tu_fill(x, T, 2, 34);
    for (long n = 0; n < T; n++)
        y[n] = cos(0.05 * (double)n);
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "R", LI, NULL, N), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(ns, "R", "li_op/I_ext"), RECTIC_OK);
    double tau = 1;
    ck_assert_int_eq(rectic_netspec_set(ns, "R/li_op/tau", &tau, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(ns, "R/tanh_op/r", "R/li_op/r_in", j, N, N, 0), RECTIC_OK);
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = 0.1;
    o.coupling = RECTIC_COUPLING_INLINE;
    rectic_net *pn;
    ck_assert_msg(rectic_net_new_network(&pn, ns, &o) == RECTIC_OK, "%s", rectic_errmsg(pn));
    ck_assert_int_eq(rectic_net_record_as(pn, "R/tanh_op/r", "out"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_input(pn, "R", x, T, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_rls(pn, y, T, 1, 2.0, 1.0, 1, -1), RECTIC_OK);
    ck_assert_msg(rectic_net_run(pn, T, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(pn));
    rectic_net *one = li_net(N, j, RECTIC_COUPLING_INLINE);
    ck_assert_int_eq(rectic_net_rls(one, y, T, 1, 2.0, 1.0, 1, -1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(one, T, x, 1), RECTIC_OK);
    const double *a, *b;
    long ra, ca, rb, cb;
    ck_assert_int_eq(rectic_net_recording(pn, "out", &ra, &ca, &a), RECTIC_OK);
    ck_assert_int_eq(rectic_net_recording(one, "out", &rb, &cb, &b), RECTIC_OK);
    ck_assert_int_eq(ra * 10 + ca, T * 10 + 1);
    ck_assert_int_eq(ra * 10 + ca, rb * 10 + cb);
    ck_assert_int_eq(memcmp(a, b, sizeof(double) * T), 0);
    ck_assert_int_eq(rectic_net_fitted_readout(pn, &ra, &ca, &a), RECTIC_OK);
    ck_assert_int_eq(rectic_net_fitted_readout(one, &rb, &cb, &b), RECTIC_OK);
    ck_assert_int_eq(memcmp(a, b, sizeof(double) * N), 0);
    double mse[2];
    ck_assert_int_eq(rectic_net_rls_mse(pn, mse, NULL), RECTIC_OK);
    ck_assert(isnan(mse[1])); /* no steps after training: it never ended */
    rectic_net_free(pn);
    rectic_net_free(one);
    rectic_netspec_free(ns);
}
END_TEST

/* Expects call to have failed with a message containing text. */
#define EXPECT_ERR(call, text)                                                                                \
    do {                                                                                                      \
        ck_assert_int_eq((call), RECTIC_EINVAL);                                                              \
        ck_assert_msg(strstr(rectic_errmsg(net), (text)) != NULL, "%s: got %s", (text), rectic_errmsg(net)); \
    } while (0)

/* A network of one population R as li_net's (li tanh, J onto itself, input li_op/I_ext, out = R/tanh_op/r) in
   dtype; with w_in (n x m) an input layer feeds R.  *ns is freed by the caller. */
static rectic_net *one_pop_net(rectic_netspec **ns, long n, const double *j, const double *w_in, long m,
                               rectic_dtype dtype)
{
    ck_assert_int_eq(rectic_netspec_new(ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(*ns, "R", LI, NULL, n), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(*ns, "R", "li_op/I_ext"), RECTIC_OK);
    double tau = 1;
    ck_assert_int_eq(rectic_netspec_set(*ns, "R/li_op/tau", &tau, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(*ns, "R/tanh_op/r", "R/li_op/r_in", j, n, n, 0), RECTIC_OK);
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = 0.1;
    o.dtype = dtype;
    o.coupling = RECTIC_COUPLING_INLINE;
    rectic_net *pn;
    ck_assert_msg(rectic_net_new_network(&pn, *ns, &o) == RECTIC_OK, "%s", rectic_errmsg(pn));
    ck_assert_int_eq(rectic_net_record_as(pn, "R/tanh_op/r", "out"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(pn, "R/li_op/I_ext", "u"), RECTIC_OK);
    if (w_in)
        ck_assert_int_eq(rectic_net_input_weights(pn, "R", w_in, n, m), RECTIC_OK);
    return pn;
}

/* Asserts that recording key_a of a and key_b of b are rows x cols and equal byte for byte. */
static void same_recording(rectic_net *a, const char *key_a, rectic_net *b, const char *key_b, long rows, long cols)
{
    const double *da, *db;
    long ra, ca, rb, cb;
    ck_assert_msg(rectic_net_recording(a, key_a, &ra, &ca, &da) == RECTIC_OK, "%s", rectic_errmsg(a));
    ck_assert_msg(rectic_net_recording(b, key_b, &rb, &cb, &db) == RECTIC_OK, "%s", rectic_errmsg(b));
    ck_assert_int_eq(ra * 1000 + ca, rows * 1000 + cols);
    ck_assert_int_eq(rb * 1000 + cb, rows * 1000 + cols);
    ck_assert_msg(memcmp(da, db, sizeof(double) * (size_t)(rows * cols)) == 0, "%s differs", key_a);
}

START_TEST(test_network_of_one_population_feeds_back_as_one_template)
{
    enum { N = 8, M = 3, T = 120 };
    double j[N * N], x[T * M], y[T], fb[N], w_in[N * M], v0[N];
    tu_fill(j, N * N, 2 / sqrt((double)N), 41);
    tu_fill(v0, N, 2, 45);
    tu_fill(x, T * M, 2, 42);
    tu_fill(fb, N, 3, 43);
    tu_fill(w_in, N * M, 1, 44);
    for (long n = 0; n < T; n++)
        y[n] = sin(0.07 * (double)n);
    /* case 0: one input column, float64; 1: an input layer, float32; 2: the feedback alone (no input) */
    for (int c = 0; c < 3; c++) {
        rectic_netspec *ns;
        rectic_dtype dtype = c == 1 ? RECTIC_FLOAT32 : RECTIC_FLOAT64;
        rectic_net *pn = one_pop_net(&ns, N, j, c == 1 ? w_in : NULL, M, dtype);
        rectic_spec s;
        rectic_spec_init(&s);
        rectic_net *one = li_net(N, j, RECTIC_COUPLING_INLINE);
        if (c == 1) { /* li_net in float32: rebuild it */
            rectic_net_free(one);
            rectic_spec_init(&s);
            s.template_ref = LI, s.n = N, s.weights = j, s.coupling = RECTIC_COUPLING_INLINE, s.dtype = dtype;
            s.source_var = "tanh_op/r", s.target_var = "li_op/r_in", s.input_var = "li_op/I_ext";
            s.output_var = "tanh_op/r", s.dt = 0.1;
            ck_assert_msg(rectic_net_new(&one, &s) == RECTIC_OK, "%s", rectic_errmsg(one));
            double tau = 1;
            ck_assert_int_eq(rectic_net_set(one, "li_op/tau", &tau, 1), RECTIC_OK);
            ck_assert_int_eq(rectic_net_input_weights(one, NULL, w_in, N, M), RECTIC_OK);
        }
        ck_assert_int_eq(rectic_net_record(one, "li_op/I_ext"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_set(pn, "R/li_op/v", v0, N), RECTIC_OK); /* not at rest: the loop runs alone */
        ck_assert_int_eq(rectic_net_set(one, "li_op/v", v0, N), RECTIC_OK);
        ck_assert_msg(rectic_net_feedback_weights(pn, fb, N, 1) == RECTIC_OK, "%s", rectic_errmsg(pn));
        ck_assert_int_eq(rectic_net_feedback_weights(one, fb, N, 1), RECTIC_OK);
        ck_assert_str_eq(rectic_net_feedback_population(pn), "R");
        ck_assert_ptr_null(rectic_net_feedback_population(one)); /* one template: no population */
        ck_assert_int_eq(rectic_net_rls(pn, y, T, 1, 0.5, 0.99, 2, 90), RECTIC_OK);
        ck_assert_int_eq(rectic_net_rls(one, y, T, 1, 0.5, 0.99, 2, 90), RECTIC_OK);
        if (c < 2)
            ck_assert_int_eq(rectic_net_input(pn, "R", x, T, c == 1 ? M : 1), RECTIC_OK);
        ck_assert_msg(rectic_net_run(pn, T, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(pn));
        ck_assert_msg(rectic_net_run(one, T, c < 2 ? x : NULL, c == 1 ? M : c == 0 ? 1 : 0) == RECTIC_OK, "%s",
                      rectic_errmsg(one));
        same_recording(pn, "out", one, "out", T, 1);
        same_recording(pn, "u", one, "li_op/I_ext", T, N);
        const double *a, *b;
        long ra, ca, rb, cb;
        ck_assert_int_eq(rectic_net_fitted_readout(pn, &ra, &ca, &a), RECTIC_OK);
        ck_assert_int_eq(rectic_net_fitted_readout(one, &rb, &cb, &b), RECTIC_OK);
        ck_assert_int_eq(memcmp(a, b, sizeof(double) * N), 0);
        ck_assert_int_eq(rectic_net_recording(pn, "u", &ra, &ca, &a), RECTIC_OK);
        double most = 0; /* the feedback reached the input variable (unit 0, case 1 rounded to float32) */
        for (long n = 0; n < T; n++)
            most = fmax(most, fabs(a[n * N] - (c == 0 ? x[n] : c == 1 ? w_in[0] * x[n * M] + w_in[1] * x[n * M + 1] +
                                                                       w_in[2] * x[n * M + 2] : 0)));
        ck_assert_msg(most > 0.05, "case %d: the feedback adds at most %g", c, most);
        ck_assert_double_eq(a[0], c == 0 ? x[0] : a[0]); /* nothing at step 0 */
        rectic_net_free(pn);
        rectic_net_free(one);
        rectic_netspec_free(ns);
    }
}
END_TEST

enum { NE = 6, NI = 4, MI = 2 };

/* An E/I network of li tanh populations (tau 1, dt 0.1): E takes j_ee, j_ei (from I), I j_ie, j_ii; E's input
   li_op/I_ext behind an input layer w_in (NE x MI), I's input li_op/I_ext; out = E/tanh_op/r. */
static rectic_net *ei_net(rectic_netspec **ns, const double *j_ee, const double *j_ei, const double *j_ie,
                          const double *j_ii, const double *w_in)
{
    ck_assert_int_eq(rectic_netspec_new(ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(*ns, "E", LI, NULL, NE), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(*ns, "I", LI, NULL, NI), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(*ns, "E", "li_op/I_ext"), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(*ns, "I", "li_op/I_ext"), RECTIC_OK);
    double tau = 1;
    ck_assert_int_eq(rectic_netspec_set(*ns, "E/li_op/tau", &tau, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_set(*ns, "I/li_op/tau", &tau, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(*ns, "E/tanh_op/r", "E/li_op/r_in", j_ee, NE, NE, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(*ns, "I/tanh_op/r", "E/li_op/r_in", j_ei, NE, NI, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(*ns, "E/tanh_op/r", "I/li_op/r_in", j_ie, NI, NE, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(*ns, "I/tanh_op/r", "I/li_op/r_in", j_ii, NI, NI, 0), RECTIC_OK);
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = 0.1;
    rectic_net *pn;
    ck_assert_msg(rectic_net_new_network(&pn, *ns, &o) == RECTIC_OK, "%s", rectic_errmsg(pn));
    ck_assert_int_eq(rectic_net_record_as(pn, "E/tanh_op/r", "out"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(pn, "E/li_op/I_ext", "ue"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(pn, "I/li_op/I_ext", "ui"), RECTIC_OK);
    if (w_in)
        ck_assert_int_eq(rectic_net_input_weights(pn, "E", w_in, NE, MI), RECTIC_OK);
    return pn;
}

/* y (rows values) += w (rows x cols) @ x. */
static void gemv_add(double *y, const double *w, const double *x, long rows, long cols)
{
    for (long i = 0; i < rows; i++)
        for (long c = 0; c < cols; c++)
            y[i] += w[i * cols + c] * x[c];
}

START_TEST(test_feedback_into_e_of_an_ei_network_equals_a_loop_written_out)
{
    enum { T = 200, K = 2, TRAIN = 150 };
    static double j_ee[NE * NE], j_ei[NE * NI], j_ie[NI * NE], j_ii[NI * NI], w_in[NE * MI], fb[NE * K];
    static double xe[T * MI], xi[T], y[T * K], want_out[T * K], want_ue[T * NE], p[NE * NE], w[K * NE];
    tu_fill(j_ee, NE * NE, 1.5, 51), tu_fill(j_ei, NE * NI, 1.5, 52), tu_fill(j_ie, NI * NE, 1.5, 53);
    tu_fill(j_ii, NI * NI, 1.5, 54), tu_fill(w_in, NE * MI, 1, 55), tu_fill(fb, NE * K, 2, 56);
    tu_fill(xe, T * MI, 2, 57), tu_fill(xi, T, 1, 58);
    for (long n = 0; n < T; n++)
        y[n * K] = sin(0.06 * (double)n), y[n * K + 1] = cos(0.03 * (double)n);
    for (long i = 0; i < NE * NE; i++)
        p[i] = i % (NE + 1) == 0 ? 0.4 : 0;
    /* the loop: r = tanh(v) before the step; ŷ_n = W r_E, then RLS on update steps; E's input W_in x_n + fb
       ŷ_{n-1}, I's x_n; v += dt (-v/tau + r_in + input) */
    double ve[NE] = {0}, vi[NI] = {0}, re[NE], ri[NI], prev[K] = {0}, e[K];
    for (long n = 0; n < T; n++) {
        for (long i = 0; i < NE; i++)
            re[i] = tanh(ve[i]);
        for (long i = 0; i < NI; i++)
            ri[i] = tanh(vi[i]);
        double *yhat = want_out + n * K, *ue = want_ue + n * NE;
        memset(yhat, 0, sizeof(double) * K);
        gemv_add(yhat, w, re, K, NE);
        if (n % 3 == 0 && n < TRAIN) {
            for (long c = 0; c < K; c++)
                e[c] = y[n * K + c] - yhat[c];
            reference_update(p, w, re, e, NE, K, 1.0);
        }
        memset(ue, 0, sizeof(double) * NE);
        gemv_add(ue, w_in, xe + n * MI, NE, MI);
        if (n > 0)
            gemv_add(ue, fb, prev, NE, K);
        memcpy(prev, yhat, sizeof prev);
        double rin_e[NE] = {0}, rin_i[NI] = {0};
        gemv_add(rin_e, j_ee, re, NE, NE), gemv_add(rin_e, j_ei, ri, NE, NI);
        gemv_add(rin_i, j_ie, re, NI, NE), gemv_add(rin_i, j_ii, ri, NI, NI);
        for (long i = 0; i < NE; i++)
            ve[i] += 0.1 * (-ve[i] / 1.0 + rin_e[i] + ue[i]);
        for (long i = 0; i < NI; i++)
            vi[i] += 0.1 * (-vi[i] / 1.0 + rin_i[i] + xi[n]);
    }
    rectic_netspec *ns;
    rectic_net *pn = ei_net(&ns, j_ee, j_ei, j_ie, j_ii, w_in);
    /* E and I have an input variable; the input layer's population E takes the feedback */
    ck_assert_msg(rectic_net_feedback_weights(pn, fb, NE, K) == RECTIC_OK, "%s", rectic_errmsg(pn));
    ck_assert_str_eq(rectic_net_feedback_population(pn), "E");
    ck_assert_int_eq(rectic_net_rls(pn, y, T, K, 0.4, 1.0, 3, TRAIN), RECTIC_OK);
    ck_assert_int_eq(rectic_net_input(pn, "E", xe, T, MI), RECTIC_OK);
    ck_assert_int_eq(rectic_net_input(pn, "I", xi, T, 1), RECTIC_OK);
    ck_assert_msg(rectic_net_run(pn, T, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(pn));
    long rows, cols;
    const double *got;
    ck_assert_int_eq(rectic_net_recording(pn, "out", &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(rows * 10 + cols, T * 10 + K);
    ck_assert_double_le(rel_diff(got, want_out, T * K), 1e-10);
    ck_assert_int_eq(rectic_net_recording(pn, "ue", &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(rows * 10 + cols, T * 10 + NE);
    ck_assert_double_le(rel_diff(got, want_ue, T * NE), 1e-10);
    ck_assert_int_eq(rectic_net_recording(pn, "ui", &rows, &cols, &got), RECTIC_OK);
    ck_assert_double_eq(got[7 * NI + 2], xi[7]); /* I's input is its own, without feedback */
    ck_assert_int_eq(rectic_net_fitted_readout(pn, &rows, &cols, &got), RECTIC_OK);
    ck_assert_int_eq(rows * 10 + cols, K * 10 + NE);
    ck_assert_double_le(rel_diff(got, w, K * NE), 1e-10);
    double plain[NE] = {0}; /* the feedback changed E's input */
    gemv_add(plain, w_in, xe + 9 * MI, NE, MI);
    ck_assert_double_gt(fabs(want_ue[9 * NE + 1] - plain[1]), 1e-3);
    rectic_net_free(pn);
    rectic_netspec_free(ns);
}
END_TEST

START_TEST(test_split_network_runs_with_feedback_equal_one_run)
{
    enum { T = 160, T1 = 70, K = 1 };
    static double j_ee[NE * NE], j_ei[NE * NI], j_ie[NI * NE], j_ii[NI * NI], fb[NE], xi[T], y[T], whole[T];
    tu_fill(j_ee, NE * NE, 1.5, 61), tu_fill(j_ei, NE * NI, 1.5, 62), tu_fill(j_ie, NI * NE, 1.5, 63);
    tu_fill(j_ii, NI * NI, 1.5, 64), tu_fill(fb, NE, 2, 65), tu_fill(xi, T, 1, 66);
    for (long n = 0; n < T; n++)
        y[n] = sin(0.08 * (double)n);
    char *dir = tu_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/state.npz", dir);
    double split[T];
    for (int part = 0; part < 3; part++) { /* 0: one run; 1: its first T1 steps, saved; 2: the rest, loaded */
        rectic_netspec *ns;
        rectic_net *pn = ei_net(&ns, j_ee, j_ei, j_ie, j_ii, NULL);
        long from = part == 2 ? T1 : 0, steps = part == 0 ? T : part == 1 ? T1 : T - T1;
        ck_assert_msg(rectic_net_feedback_into(pn, "E", fb, NE, K) == RECTIC_OK, "%s", rectic_errmsg(pn));
        ck_assert_int_eq(rectic_net_rls(pn, y + from, steps, K, 0.3, 0.995, 2, 120), RECTIC_OK);
        ck_assert_int_eq(rectic_net_input(pn, "I", xi + from, steps, 1), RECTIC_OK);
        if (part == 2)
            ck_assert_msg(rectic_net_load_state(pn, path) == RECTIC_OK, "%s", rectic_errmsg(pn));
        ck_assert_msg(rectic_net_run(pn, steps, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(pn));
        long rows, cols;
        const double *got;
        ck_assert_int_eq(rectic_net_recording(pn, "out", &rows, &cols, &got), RECTIC_OK);
        ck_assert_int_eq(rows, steps);
        memcpy(part == 0 ? whole : split + from, got, sizeof(double) * (size_t)steps);
        if (part == 1)
            ck_assert_msg(rectic_net_save_state(pn, path) == RECTIC_OK, "%s", rectic_errmsg(pn));
        rectic_net_free(pn);
        rectic_netspec_free(ns);
    }
    ck_assert_int_eq(memcmp(split, whole, sizeof whole), 0);
    ck_assert_double_gt(fabs(whole[T - 1]), 1e-6); /* the loop did something */
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_feedback_into_a_network_names_its_population)
{
    static double j[NE * NE + NE * NI + NI * NE + NI * NI], fb[NE * 2];
    rectic_netspec *ns;
    rectic_net *net = ei_net(&ns, j, j, j, j, NULL);
    EXPECT_ERR(rectic_net_feedback_weights(net, fb, NE, 1), "populations E, I have an input variable: name the one");
    EXPECT_ERR(rectic_net_feedback_into(net, "Q", fb, NE, 1), "unknown population 'Q' (the network has E, I)");
    EXPECT_ERR(rectic_net_feedback_into(net, "I", fb, NE, 1), "expected 4 x k (row i = unit i of population I");
    ck_assert_int_eq(rectic_net_feedback_into(net, "I", fb, NI, 2), RECTIC_OK);
    double w[NE] = {1};
    ck_assert_int_eq(rectic_net_readout(net, w, 1, NE, RECTIC_ACT_IDENTITY), RECTIC_OK);
    EXPECT_ERR(rectic_net_run(net, 5, NULL, 0), "rectic_net_feedback_weights: 2 columns, but the readout has 1 outputs");
    ck_assert_int_eq(rectic_net_input_weights(net, "I", fb, NI, 2), RECTIC_OK); /* the input layer picks I */
    ck_assert_int_eq(rectic_net_feedback_weights(net, fb, NI, 1), RECTIC_OK);
    ck_assert_str_eq(rectic_net_feedback_population(net), "I");
    ck_assert_msg(rectic_net_run(net, 5, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

START_TEST(test_online_readout_errors)
{
    double y[20] = {0}, x[60] = {0}, w3[4] = {1, 2, 3, 4}, nan_y[2] = {0, NAN};
    rectic_net *net = identity_net(3);
    EXPECT_ERR(rectic_net_rls(net, y, 20, 1, 0, 1, 1, -1), "rectic_net_rls: alpha: expected a number > 0");
    EXPECT_ERR(rectic_net_rls(net, y, 20, 1, 1, 1.5, 1, -1), "rectic_net_rls: beta: expected a forgetting factor in (0, 1]");
    EXPECT_ERR(rectic_net_rls(net, y, 20, 1, 1, 1, 0, -1), "rectic_net_rls: update_every: expected a whole number of steps >= 1");
    EXPECT_ERR(rectic_net_rls(net, y, 0, 1, 1, 1, 1, -1), "rectic_net_rls: targets: a 0 x 1 matrix");
    EXPECT_ERR(rectic_net_rls(net, nan_y, 2, 1, 1, 1, 1, -1), "rectic_net_rls: targets: row 1, column 0 is not a finite number");
    EXPECT_ERR(rectic_net_feedback_weights(net, w3, 2, 2), "rectic_net_feedback_weights: a 2 x 2 matrix: expected 3 x k");
    ck_assert_int_eq(rectic_net_rls(net, y, 10, 1, 1, 1, 1, -1), RECTIC_OK);
    EXPECT_ERR(rectic_net_run(net, 20, x, 3), "rectic_net_rls: targets: 10 rows, but the run has 20 steps");
    ck_assert_int_eq(rectic_net_rls(net, y, 20, 1, 1, 1, 1, -1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_readout(net, w3, 1, 4, RECTIC_ACT_IDENTITY), RECTIC_OK); /* an intercept */
    EXPECT_ERR(rectic_net_run(net, 20, x, 3), "RLS trains a linear readout");
    ck_assert_int_eq(rectic_net_readout(net, w3, 1, 3, RECTIC_ACT_TANH), RECTIC_OK);
    EXPECT_ERR(rectic_net_run(net, 20, x, 3), "the identity activation");
    ck_assert_int_eq(rectic_net_readout(net, w3, 1, 3, RECTIC_ACT_IDENTITY), RECTIC_OK);
    ck_assert_int_eq(rectic_net_sampling(net, 2, RECTIC_SAMPLE_PICK, 0), RECTIC_OK);
    EXPECT_ERR(rectic_net_run(net, 20, x, 3), "needs the output of every step");
    ck_assert_int_eq(rectic_net_sampling(net, 1, RECTIC_SAMPLE_PICK, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_feedback_weights(net, w3, 3, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_rls(net, NULL, 0, 0, 0, 0, 0, 0), RECTIC_OK); /* training off, feedback on */
    ck_assert_int_eq(rectic_net_readout(net, NULL, 0, 0, RECTIC_ACT_IDENTITY), RECTIC_OK);
    EXPECT_ERR(rectic_net_run(net, 20, x, 3), "rectic_net_feedback_weights: feeds the readout back");
    EXPECT_ERR(rectic_net_rls_errors(net, NULL, NULL, NULL), "RLS: no training run yet");
    rectic_net_free(net);
}
END_TEST

/* A random number in [-1, 1) from the state *s (a 64-bit LCG: the same values on every machine). */
static double lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 4503599627370496.0 - 1;
}

/* The kernel's P x and row update on a random symmetric P (only its upper triangle is given; the lower holds
   NaN, which a read of it would spread) for n = 1 .. 37: within 1e-13 of plain loops over the full matrix,
   and two calls give the same bits. */
START_TEST(test_kernel_equals_plain_loops_for_every_size_to_37)
{
    unsigned long long seed = 7;
    for (long n = 1; n <= 37; n++) {
        double *P = malloc(sizeof(double) * (size_t)(n * n)), *full = malloc(sizeof(double) * (size_t)(n * n));
        double *x = malloc(sizeof(double) * (size_t)n), *px = malloc(sizeof(double) * (size_t)n);
        double *px2 = malloc(sizeof(double) * (size_t)n), *want = malloc(sizeof(double) * (size_t)n);
        for (long i = 0; i < n; i++) {
            x[i] = lcg(&seed);
            for (long j = i; j < n; j++) {
                P[i * n + j] = full[i * n + j] = full[j * n + i] = lcg(&seed) + (i == j ? 2 : 0);
                if (j > i)
                    P[j * n + i] = NAN;
            }
        }
        double scale[37]; /* the sum of |P_ij x_j| over row i: what the rounding is relative to */
        for (long i = 0; i < n; i++) {
            want[i] = scale[i] = 0;
            for (long j = 0; j < n; j++)
                want[i] += full[i * n + j] * x[j], scale[i] += fabs(full[i * n + j] * x[j]);
        }
        rct_rls_sym_times(P, x, px, n);
        rct_rls_sym_times(P, x, px2, n);
        ck_assert_msg(memcmp(px, px2, sizeof(double) * (size_t)n) == 0, "n = %ld: P x differs between calls", n);
        for (long i = 0; i < n; i++)
            ck_assert_msg(fabs(px[i] - want[i]) <= 1e-13 * scale[i], "n = %ld: (P x)_%ld = %.17g, want %.17g", n, i,
                          px[i], want[i]);
        const double a = -0.37, beta = n % 2 ? 0.993 : 1.0;
        for (long i = 0; i < n; i++) {
            double row2[37];
            memcpy(row2, P + i * n + i, sizeof(double) * (size_t)(n - i));
            rct_rls_row_update(P + i * n + i, px + i, n - i, a * px[i], beta);
            rct_rls_row_update(row2, px + i, n - i, a * px[i], beta);
            ck_assert_msg(memcmp(row2, P + i * n + i, sizeof(double) * (size_t)(n - i)) == 0,
                          "n = %ld: row %ld's update differs between calls", n, i);
            for (long j = i; j < n; j++) {
                double w = (full[i * n + j] + a * px[i] * px[j]) / beta;
                double size = (fabs(full[i * n + j]) + fabs(a * px[i] * px[j])) / beta;
                ck_assert_msg(fabs(P[i * n + j] - w) <= 1e-13 * size, "n = %ld: P_%ld,%ld = %.17g, want %.17g",
                              n, i, j, P[i * n + j], w);
            }
        }
        free(P), free(full), free(x), free(px), free(px2), free(want);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rls");
    TCase *c = tcase_create("rls");
    tcase_set_timeout(c, 60);
    tcase_add_test(c, test_rls_equals_the_update_as_written);
    tcase_add_test(c, test_feedback_adds_the_previous_output_to_the_input);
    tcase_add_test(c, test_split_runs_and_saved_states_equal_one_run);
    tcase_add_test(c, test_network_of_populations_trains_as_one_template);
    tcase_add_test(c, test_network_of_one_population_feeds_back_as_one_template);
    tcase_add_test(c, test_feedback_into_e_of_an_ei_network_equals_a_loop_written_out);
    tcase_add_test(c, test_split_network_runs_with_feedback_equal_one_run);
    tcase_add_test(c, test_feedback_into_a_network_names_its_population);
    tcase_add_test(c, test_online_readout_errors);
    tcase_add_test(c, test_kernel_equals_plain_loops_for_every_size_to_37);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

/*
 * check_rls.c -- the online readout through the C API (issue 17): RLS training against the update written
 * out here with full matrices, FORCE feedback against a loop written out here, runs split in two (and
 * through a saved state) equal to one run byte for byte, a network of populations equal to one template,
 * and the errors.
 */
#include <math.h>

#include "rectic.h"
#include "caseutil.h"

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
    /* feedback needs one template */
    double fb[N] = {0};
    ck_assert_int_eq(rectic_net_feedback_weights(pn, fb, N, 1), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(pn), "not for a network of populations"));
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

START_TEST(test_online_readout_errors)
{
    double y[20] = {0}, x[60] = {0}, w3[4] = {1, 2, 3, 4}, nan_y[2] = {0, NAN};
    rectic_net *net = identity_net(3);
    EXPECT_ERR(rectic_net_rls(net, y, 20, 1, 0, 1, 1, -1), "--alpha: expected a number > 0");
    EXPECT_ERR(rectic_net_rls(net, y, 20, 1, 1, 1.5, 1, -1), "--beta: expected a forgetting factor in (0, 1]");
    EXPECT_ERR(rectic_net_rls(net, y, 20, 1, 1, 1, 0, -1), "--update-every: expected a whole number of steps >= 1");
    EXPECT_ERR(rectic_net_rls(net, y, 0, 1, 1, 1, 1, -1), "--targets: a 0 x 1 matrix");
    EXPECT_ERR(rectic_net_rls(net, nan_y, 2, 1, 1, 1, 1, -1), "--targets: row 1, column 0 is not a finite number");
    EXPECT_ERR(rectic_net_feedback_weights(net, w3, 2, 2), "--feedback-weights: a 2 x 2 matrix: expected 3 x k");
    ck_assert_int_eq(rectic_net_rls(net, y, 10, 1, 1, 1, 1, -1), RECTIC_OK);
    EXPECT_ERR(rectic_net_run(net, 20, x, 3), "--targets: 10 rows, but the run has 20 steps");
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
    EXPECT_ERR(rectic_net_run(net, 20, x, 3), "--feedback-weights: feeds the readout back");
    EXPECT_ERR(rectic_net_rls_errors(net, NULL, NULL, NULL), "RLS: no training run yet");
    rectic_net_free(net);
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
    tcase_add_test(c, test_online_readout_errors);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

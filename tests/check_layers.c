/*
 * check_layers.c -- input and readout layers, the ridge regression of a readout and scores through the C
 * API: RectiPy's graph case (input -> W_in -> leaky-integrator tanh network -> W_out -> tanh), the fit
 * against the normal equations solved here, the intercept, the washout, the least-squares fallback, the
 * activations, and the errors.
 */
#include <math.h>

#include "rectic.h"
#include "caseutil.h"

#define LI "neuron_model_templates.rate_neurons.leaky_integrator.tanh"

typedef tu_mat mat;

#define identity_net tu_identity_net

/* Deterministic pseudo-random numbers in [-1, 1). */
static double rnd(unsigned long long *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*state >> 11) / 9007199254740992.0 * 2 - 1;
}

/* Solves a x = b (p x p, row-major, copied) by Gaussian elimination with partial pivoting; b is p x k
   (row-major) and receives x. */
static void gauss(const double *a_in, double *b, int p, int k)
{
    double *a = malloc(sizeof(double) * (size_t)(p * p));
    memcpy(a, a_in, sizeof(double) * (size_t)(p * p));
    for (int c = 0; c < p; c++) {
        int piv = c;
        for (int r = c + 1; r < p; r++)
            if (fabs(a[r * p + c]) > fabs(a[piv * p + c]))
                piv = r;
        for (int j = 0; j < p; j++) {
            double t = a[c * p + j];
            a[c * p + j] = a[piv * p + j], a[piv * p + j] = t;
        }
        for (int j = 0; j < k; j++) {
            double t = b[c * k + j];
            b[c * k + j] = b[piv * k + j], b[piv * k + j] = t;
        }
        for (int r = c + 1; r < p; r++) {
            double f = a[r * p + c] / a[c * p + c];
            for (int j = c; j < p; j++)
                a[r * p + j] -= f * a[c * p + j];
            for (int j = 0; j < k; j++)
                b[r * k + j] -= f * b[c * k + j];
        }
    }
    for (int c = p - 1; c >= 0; c--)
        for (int j = 0; j < k; j++) {
            double s = b[c * k + j];
            for (int q = c + 1; q < p; q++)
                s -= a[c * p + q] * b[q * k + j];
            b[c * k + j] = s / a[c * p + c];
        }
    free(a);
}

/* The ridge solution (readout k x p, p = n + bias) of X (t x n) and Y (t x k) over rows >= w, through the
   normal equations solved here. */
static double *ridge_ref(const double *x, const double *y, long t, long n, long k, double alpha, long w, int bias)
{
    int p = (int)n + bias;
    double *a = calloc((size_t)(p * p), sizeof(double)), *b = calloc((size_t)(p * k), sizeof(double));
    for (long r = w; r < t; r++) {
        for (int i = 0; i < p; i++) {
            double xi = i < n ? x[r * n + i] : 1;
            for (int j = 0; j < p; j++)
                a[i * p + j] += xi * (j < n ? x[r * n + j] : 1);
            for (long c = 0; c < k; c++)
                b[i * k + c] += xi * y[r * k + c];
        }
    }
    for (int i = 0; i < n; i++)
        a[i * p + i] += alpha;
    gauss(a, b, p, (int)k);
    double *out = malloc(sizeof(double) * (size_t)(p * k));
    for (int i = 0; i < p; i++)
        for (long c = 0; c < k; c++)
            out[c * p + i] = b[i * k + c];
    free(a);
    free(b);
    return out;
}

static void assert_rel(const double *got, const double *exp, long count, double rtol, const char *what)
{
    double scale = 0;
    for (long i = 0; i < count; i++)
        scale = fmax(scale, fabs(exp[i]));
    for (long i = 0; i < count; i++)
        ck_assert_msg(fabs(got[i] - exp[i]) <= rtol * scale, "%s[%ld]: got %.17g, expected %.17g", what, i, got[i],
                      exp[i]);
}

START_TEST(test_graph_li_tanh_matches_rectipy)
{
    const char *dir = tu_case_dir("rectipy_graph_li_tanh");
    if (!dir)
        TU_SKIP("case rectipy_graph_li_tanh not found (../shared absent)");
    mat j = tu_load(dir, "weights.csv"), in = tu_load(dir, "inputs.csv"), w_in = tu_load(dir, "w_in.csv"),
        w_out = tu_load(dir, "w_out.csv"), out = tu_load(dir, "out.csv"), v = tu_load(dir, "li_op_v.csv");
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = LI;
    s.n = j.rows;
    s.weights = j.d;
    s.min_weight = 1e-6;
    s.source_var = "tanh_op/r";
    s.target_var = "li_op/r_in";
    s.input_var = "li_op/I_ext";
    s.output_var = "li_op/v";
    s.dt = 0.01;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    double tau = 1.0;
    ck_assert_int_eq(rectic_net_set(net, "li_op/tau", &tau, 1), RECTIC_OK);
    ck_assert_msg(rectic_net_input_weights(net, NULL, w_in.d, w_in.rows, w_in.cols) == RECTIC_OK, "%s",
                  rectic_errmsg(net));
    ck_assert_msg(rectic_net_readout(net, w_out.d, w_out.rows, w_out.cols, RECTIC_ACT_TANH) == RECTIC_OK, "%s",
                  rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_record(net, "li_op/v"), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, in.rows, in.d, in.cols) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows, out.rows);
    ck_assert_int_eq(cols, 2);
    for (long i = 0; i < rows * cols; i++)
        ck_assert_msg(fabs(d[i] - out.d[i]) <= 1e-10 + 1e-8 * fabs(out.d[i]), "out[%ld]: %.17g vs %.17g", i, d[i],
                      out.d[i]);
    /* recorded variables stay per neuron, pre-update: RectiPy's row n is rectic's row n + 1 (SEMANTICS 8.1) */
    ck_assert_int_eq(rectic_net_recording(net, "li_op/v", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(cols, 10);
    for (long i = 0; i < (rows - 1) * cols; i++)
        ck_assert_msg(fabs(d[cols + i] - v.d[i]) <= 1e-10 + 1e-8 * fabs(v.d[i]), "v[%ld]", i);
    rectic_net_free(net);
    free(j.d), free(in.d), free(w_in.d), free(w_out.d), free(out.d), free(v.d);
}
END_TEST

/* A well-conditioned fit: X = the inputs (uniform noise), Y = X A + noise; the readout equals the normal
   equations' solution within 1e-10 relative, with and without intercept and washout. */
START_TEST(test_ridge_solves_the_normal_equations)
{
    const long t = 400, n = 6, k = 3;
    unsigned long long st = 7;
    double *x = malloc(sizeof(double) * t * n), *y = malloc(sizeof(double) * t * k);
    for (long i = 0; i < t * n; i++)
        x[i] = rnd(&st);
    for (long r = 0; r < t; r++)
        for (long c = 0; c < k; c++) {
            double s = 0.3 * c - 0.2;
            for (long i = 0; i < n; i++)
                s += x[r * n + i] * (double)((i + 2 * c) % 5 - 2);
            y[r * k + c] = s + 0.1 * rnd(&st);
        }
    const struct {
        double alpha;
        long washout;
        int bias;
    } cases[] = {{1e-4, 0, 0}, {0.5, 0, 0}, {1e-4, 37, 0}, {1e-4, 0, 1}, {2.0, 100, 1}};
    for (size_t q = 0; q < sizeof cases / sizeof cases[0]; q++) {
        rectic_net *net = identity_net(n);
        ck_assert_msg(rectic_net_run(net, t, x, n) == RECTIC_OK, "%s", rectic_errmsg(net));
        rectic_score sc;
        ck_assert_msg(rectic_net_fit_ridge(net, y, t, k, cases[q].alpha, cases[q].washout, cases[q].bias, &sc) ==
                          RECTIC_OK, "%s", rectic_errmsg(net));
        long rows, cols;
        const double *w, *yf;
        ck_assert_int_eq(rectic_net_fitted_readout(net, &rows, &cols, &w), RECTIC_OK);
        ck_assert_int_eq(rows, k);
        ck_assert_int_eq(cols, n + cases[q].bias);
        double *ref = ridge_ref(x, y, t, n, k, cases[q].alpha, cases[q].washout, cases[q].bias);
        assert_rel(w, ref, k * cols, 1e-10, "readout");
        /* fitted outputs: every row, X @ wᵀ (+ b) */
        ck_assert_int_eq(rectic_net_fitted_outputs(net, &rows, &cols, &yf), RECTIC_OK);
        ck_assert_int_eq(rows, t);
        ck_assert_int_eq(cols, k);
        double mse0 = 0, mean0 = 0, var0 = 0;
        long r0 = cases[q].washout, fitted = t - r0;
        for (long r = 0; r < t; r++) {
            double z = cases[q].bias ? ref[n] : 0;
            for (long i = 0; i < n; i++)
                z += x[r * n + i] * ref[i];
            ck_assert_msg(fabs(yf[r * k] - z) <= 1e-10 * (1 + fabs(z)), "y_fit row %ld", r);
            if (r >= r0)
                mse0 += (yf[r * k] - y[r * k]) * (yf[r * k] - y[r * k]), mean0 += y[r * k];
        }
        mean0 /= fitted;
        for (long r = r0; r < t; r++)
            var0 += (y[r * k] - mean0) * (y[r * k] - mean0);
        ck_assert_int_eq(sc.rows, fitted);
        ck_assert_int_eq(sc.outputs, k);
        ck_assert_double_eq_tol(sc.mse[0], mse0 / fitted, 1e-12);
        ck_assert_double_eq_tol(sc.nrmse[0], sqrt((mse0 / fitted) / (var0 / fitted)), 1e-9);
        ck_assert_double_eq_tol(sc.mse_mean, (sc.mse[0] + sc.mse[1] + sc.mse[2]) / 3, 1e-15);
        ck_assert_double_eq_tol(sc.nrmse_mean, (sc.nrmse[0] + sc.nrmse[1] + sc.nrmse[2]) / 3, 1e-15);
        free(ref);
        rectic_net_free(net);
    }
    free(x), free(y);
}
END_TEST

/* With an intercept and targets an exact affine function of X, the fit recovers the intercept (it is not
   regularised: alpha shrinks the weights only). */
START_TEST(test_ridge_intercept_is_not_regularised)
{
    const long t = 300, n = 3;
    unsigned long long st = 11;
    double x[300 * 3], y[300];
    for (long r = 0; r < t; r++) {
        for (long i = 0; i < n; i++)
            x[r * n + i] = rnd(&st);
        y[r] = 5.0; /* a constant: all of it is the intercept */
    }
    rectic_net *net = identity_net(n);
    ck_assert_int_eq(rectic_net_run(net, t, x, n), RECTIC_OK);
    ck_assert_msg(rectic_net_fit_ridge(net, y, t, 1, 10.0, 0, 1, NULL) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *w;
    ck_assert_int_eq(rectic_net_fitted_readout(net, &rows, &cols, &w), RECTIC_OK);
    ck_assert_int_eq(cols, 4);
    for (long i = 0; i < n; i++)
        ck_assert_double_eq_tol(w[i], 0, 1e-12);
    ck_assert_double_eq_tol(w[n], 5.0, 1e-12);
    rectic_net_free(net);
}
END_TEST

/* alpha 0 and two equal columns: XᵀX is singular, Cholesky fails, and the least-squares solver gives the
   minimum-norm solution (the weight shared equally by the two columns). */
START_TEST(test_ridge_falls_back_to_least_squares)
{
    const long t = 200, n = 3;
    unsigned long long st = 5;
    double x[200 * 3], y[200];
    for (long r = 0; r < t; r++) {
        x[r * n] = rnd(&st);
        x[r * n + 1] = x[r * n];
        x[r * n + 2] = rnd(&st);
        y[r] = 2 * x[r * n] - x[r * n + 2];
    }
    rectic_net *net = identity_net(n);
    ck_assert_int_eq(rectic_net_run(net, t, x, n), RECTIC_OK);
    ck_assert_msg(rectic_net_fit_ridge(net, y, t, 1, 0.0, 0, 0, NULL) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *w;
    ck_assert_int_eq(rectic_net_fitted_readout(net, &rows, &cols, &w), RECTIC_OK);
    ck_assert_double_eq_tol(w[0], 1.0, 1e-9);
    ck_assert_double_eq_tol(w[1], 1.0, 1e-9);
    ck_assert_double_eq_tol(w[2], -1.0, 1e-9);
    rectic_net_free(net);
}
END_TEST

/* Each activation of the readout, against its formula, on the output rows (intercept included). */
START_TEST(test_readout_activations)
{
    const long t = 5, n = 3, k = 3;
    double x[15], w[12];
    unsigned long long st = 3;
    for (int i = 0; i < 15; i++)
        x[i] = 2 * rnd(&st);
    for (int i = 0; i < 12; i++)
        w[i] = rnd(&st);
    for (int act = RECTIC_ACT_IDENTITY; act <= RECTIC_ACT_LOG_SOFTMAX; act++) {
        rectic_net *net = identity_net(n);
        ck_assert_int_eq(rectic_net_readout(net, w, k, n + 1, (rectic_activation)act), RECTIC_OK);
        ck_assert_int_eq(rectic_net_run(net, t, x, n), RECTIC_OK);
        long rows, cols;
        const double *d;
        ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
        ck_assert_int_eq(rows, t);
        ck_assert_int_eq(cols, k);
        for (long r = 0; r < t; r++) {
            double z[3], top = -INFINITY, sum = 0;
            for (long i = 0; i < k; i++) {
                z[i] = w[i * 4 + 3];
                for (long j = 0; j < n; j++)
                    z[i] += w[i * 4 + j] * x[r * n + j];
                z[i] = act == RECTIC_ACT_SOFTMIN ? -z[i] : z[i];
                top = fmax(top, z[i]);
            }
            for (long i = 0; i < k; i++)
                sum += exp(z[i]);
            for (long i = 0; i < k; i++) {
                double e = act == RECTIC_ACT_IDENTITY ? z[i] : act == RECTIC_ACT_TANH ? tanh(z[i])
                         : act == RECTIC_ACT_SIGMOID ? 1 / (1 + exp(-z[i])) : act == RECTIC_ACT_LOG_SOFTMAX
                         ? z[i] - log(sum) : exp(z[i]) / sum;
                ck_assert_msg(fabs(d[r * k + i] - e) <= 1e-14, "activation %d row %ld out %ld: %.17g vs %.17g", act, r,
                              i, d[r * k + i], e);
            }
        }
        rectic_net_free(net);
    }
    ck_assert_int_eq(rectic_activation_find("log_softmax"), RECTIC_ACT_LOG_SOFTMAX);
    ck_assert_int_eq(rectic_activation_find("relu"), -1);
    ck_assert_int_eq(rectic_activation_find(NULL), -1);
}
END_TEST

/* The input layer: the input variable receives W_in @ x_n (recorded as it arrives), a callback's rows too. */
static int rows_of(void *user, long step, double *row, long cols)
{
    const double *x = user;
    memcpy(row, x + step * cols, sizeof(double) * (size_t)cols);
    return 0;
}

START_TEST(test_input_layer_projects_each_row)
{
    const long t = 7, n = 4, m = 2;
    double x[14], w[8];
    unsigned long long st = 9;
    for (int i = 0; i < 14; i++)
        x[i] = rnd(&st);
    for (int i = 0; i < 8; i++)
        w[i] = rnd(&st);
    for (int cb = 0; cb < 2; cb++) {
        rectic_net *net = identity_net(n);
        ck_assert_int_eq(rectic_net_input_weights(net, NULL, w, n, m), RECTIC_OK);
        ck_assert_msg((cb ? rectic_net_run_fn(net, t, rows_of, x, m) : rectic_net_run(net, t, x, m)) == RECTIC_OK, "%s",
                      rectic_errmsg(net));
        long rows, cols;
        const double *d;
        ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
        ck_assert_int_eq(cols, n);
        for (long r = 0; r < t; r++)
            for (long i = 0; i < n; i++)
                ck_assert_double_eq(d[r * n + i], w[i * m] * x[r * m] + w[i * m + 1] * x[r * m + 1]);
        /* removing the layer: the inputs are per neuron again */
        ck_assert_int_eq(rectic_net_input_weights(net, NULL, NULL, 0, 0), RECTIC_OK);
        ck_assert_int_eq(rectic_net_run(net, t, x, m), RECTIC_EINVAL);
        rectic_net_free(net);
    }
}
END_TEST

/* rectic_net_score compares each recorded row with the target of its step (sampling included). */
START_TEST(test_score_compares_rows_with_the_targets_of_their_steps)
{
    const long t = 10, n = 1;
    double x[10], y[10];
    for (int i = 0; i < 10; i++)
        x[i] = i, y[i] = i + (i % 3 == 0 ? 1 : 0); /* off by one at steps 0, 3, 6, 9 */
    rectic_net *net = identity_net(n);
    ck_assert_int_eq(rectic_net_sampling(net, 3, RECTIC_SAMPLE_PICK, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, t, x, 1), RECTIC_OK);
    rectic_score sc;
    ck_assert_msg(rectic_net_score(net, y, t, 1, &sc) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(sc.rows, 4); /* steps 0, 3, 6, 9: all off by one */
    ck_assert_double_eq(sc.mse[0], 1.0);
    ck_assert_double_eq_tol(sc.nrmse[0], 1 / sqrt(11.25), 1e-15); /* targets 1, 3, 7, 10: variance 11.25 */
    /* a run that continues (the step counter at 10): its rows against its own targets */
    ck_assert_int_eq(rectic_net_run(net, t, x, 1), RECTIC_OK);
    ck_assert_msg(rectic_net_score(net, y, t, 1, &sc) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(sc.rows, 3); /* steps 12, 15, 18: rows 2, 5, 8 of this run, targets exact */
    ck_assert_double_eq(sc.mse[0], 0.0);
    /* a constant target has no variance: nrmse is NaN */
    double c[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    ck_assert_int_eq(rectic_net_score(net, c, t, 1, &sc), RECTIC_OK);
    ck_assert(isnan(sc.nrmse[0]));
    rectic_net_free(net);
}
END_TEST

/* A fit leaves the state alone: the next run continues from where the fitted run stopped. */
START_TEST(test_fit_leaves_the_state_alone)
{
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = LI;
    s.n = 3;
    s.input_var = "li_op/I_ext";
    s.output_var = "li_op/v";
    s.dt = 0.01;
    rectic_net *net;
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_OK);
    double x[60], y[20], before[3], after[3];
    for (int i = 0; i < 60; i++)
        x[i] = sin(0.3 * i);
    for (int i = 0; i < 20; i++)
        y[i] = cos(0.2 * i);
    ck_assert_int_eq(rectic_net_run(net, 20, x, 3), RECTIC_OK);
    long count;
    ck_assert_int_eq(rectic_net_get(net, "li_op/v", before, 3, &count), RECTIC_OK);
    ck_assert_msg(rectic_net_fit_ridge(net, y, 20, 1, 1e-4, 2, 0, NULL) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_get(net, "li_op/v", after, 3, &count), RECTIC_OK);
    ck_assert_int_eq(memcmp(before, after, sizeof before), 0);
    /* the next run forgets the fit */
    ck_assert_int_eq(rectic_net_run(net, 5, x, 3), RECTIC_OK);
    long rows, cols;
    const double *w;
    ck_assert_int_eq(rectic_net_fitted_readout(net, &rows, &cols, &w), RECTIC_EINVAL);
    rectic_net_free(net);
}
END_TEST

/* Every bad argument: a message naming what is wrong, nothing changed. */
START_TEST(test_layer_and_fit_errors)
{
    rectic_net *net = identity_net(3);
    double w[12] = {0}, y[40] = {0}, x[30] = {0};
    ck_assert_int_eq(rectic_net_input_weights(net, NULL, w, 2, 2), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_input_weights: "));
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "expected 3 rows"));
    ck_assert_int_eq(rectic_net_input_weights(net, "E", w, 3, 2), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_readout(net, w, 2, 5, RECTIC_ACT_TANH), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_readout: "));
    ck_assert_int_eq(rectic_net_readout(net, w, 2, 3, (rectic_activation)17), RECTIC_EINVAL);
    ck_assert_str_eq(rectic_errmsg(net), "rectic_net_readout: act: unknown activation 17"); /* names the argument */
    w[1] = NAN;
    ck_assert_int_eq(rectic_net_readout(net, w, 2, 3, RECTIC_ACT_TANH), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "entry (0, 1)"));
    w[1] = 0;
    /* a fit before any run, then with bad arguments */
    ck_assert_int_eq(rectic_net_fit_ridge(net, y, 10, 1, 1e-4, 0, 0, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "no run yet"));
    ck_assert_int_eq(rectic_net_input_weights(net, NULL, w, 3, 2), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 10, x, 3), RECTIC_EINVAL); /* 3 columns, the layer takes 2 */
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_run: inputs: 3 columns, but rectic_net_input_weights has 2"));
    ck_assert_int_eq(rectic_net_run(net, 10, x, 2), RECTIC_OK);
    ck_assert_int_eq(rectic_net_fit_ridge(net, y, 9, 1, 1e-4, 0, 0, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_fit_ridge: targets: 9 rows"));
    ck_assert_int_eq(rectic_net_fit_ridge(net, y, 10, 1, -1, 0, 0, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_fit_ridge: alpha: "));
    ck_assert_int_eq(rectic_net_fit_ridge(net, y, 10, 1, 1e-4, 10, 0, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_fit_ridge: washout 10"));
    y[13] = INFINITY;
    ck_assert_int_eq(rectic_net_fit_ridge(net, y, 10, 4, 1e-4, 0, 0, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "row 3, column 1"));
    y[13] = 0;
    ck_assert_int_eq(rectic_net_score(net, y, 10, 2, &(rectic_score){0}), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_score: targets: 2 columns, but the run has 3 outputs"));
    /* a recorded output that is not finite (the guard off) */
    double xn[20] = {0};
    xn[7] = NAN;
    ck_assert_int_eq(rectic_net_input_weights(net, NULL, NULL, 0, 0), RECTIC_OK);
    rectic_net_check_finite(net, 0);
    ck_assert_int_eq(rectic_net_run(net, 10, xn, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_fit_ridge(net, y, 10, 1, 1e-4, 0, 0, NULL), RECTIC_ENUMERIC);
    ck_assert_msg(strstr(rectic_errmsg(net), "not finite at step 7, neuron 0") != NULL, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_input_weights(net, NULL, w, 3, 2), RECTIC_OK);
    ck_assert_int_eq(rectic_net_sampling(net, 2, RECTIC_SAMPLE_PICK, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 10, x, 2), RECTIC_OK);
    ck_assert_int_eq(rectic_net_fit_ridge(net, y, 10, 1, 1e-4, 0, 0, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_sampling: sampling_steps 2: a fit needs every step"));
    rectic_net_free(net);
}
END_TEST

/* A network file with input_layer: and readout: runs as the single template with the same layers (one
   population, the same coupling strategy: the same bits); its errors point into the file. */
START_TEST(test_network_file_layers_equal_the_template_layers)
{
    const long n = 6, t = 300;
    double j[36], w_in[12], w_out[14], x[600];
    unsigned long long st = 21;
    for (int i = 0; i < 36; i++)
        j[i] = rnd(&st);
    for (int i = 0; i < 12; i++)
        w_in[i] = rnd(&st);
    for (int i = 0; i < 14; i++)
        w_out[i] = rnd(&st);
    for (int i = 0; i < 600; i++)
        x[i] = 2 * rnd(&st);
    char *dir = tu_tmpdir(), path[4200];
    FILE *f;
    const struct {
        const char *name;
        const double *d;
        long rows, cols;
    } files[] = {{"J.csv", j, n, n}, {"w_in.csv", w_in, n, 2}, {"w_out.csv", w_out, 2, n + 1}};
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k].name);
        ck_assert_ptr_nonnull(f = fopen(path, "w"));
        for (long r = 0; r < files[k].rows; r++)
            for (long c = 0; c < files[k].cols; c++)
                fprintf(f, "%.17g%c", files[k].d[r * files[k].cols + c], c + 1 < files[k].cols ? ',' : '\n');
        fclose(f);
    }
    char *net_file = tu_write(dir, "net.yaml",
                              "populations:\n  R: {template: " LI ", n: 6}\n"
                              "projections:\n  - {source: R/tanh_op/r, target: R/li_op/r_in, weights: J.csv}\n"
                              "input_layer: {target: R/li_op/I_ext, weights: w_in.csv}\n"
                              "readout: {source: R/li_op/v, weights: w_out.csv, activation: softmax}\n");
    rectic_netspec *ns;
    ck_assert_msg(rectic_netspec_load(&ns, net_file) == RECTIC_OK, "%s", rectic_netspec_errmsg(ns));
    const char *path_in, *path_out;
    long rows, cols;
    rectic_activation act;
    ck_assert_int_eq(rectic_netspec_get_input_layer(ns, &path_in, NULL, &rows, &cols), 1);
    ck_assert_str_eq(path_in, "R/li_op/I_ext");
    ck_assert_int_eq(rows * 10 + cols, 62);
    ck_assert_int_eq(rectic_netspec_get_readout(ns, &path_out, NULL, &rows, &cols, &act), 1);
    ck_assert_int_eq(act, RECTIC_ACT_SOFTMAX);
    ck_assert_str_eq(rectic_netspec_pop_input(ns, 0), "li_op/I_ext"); /* the layer's target became R's input */
    rectic_spec o;
    rectic_spec_init(&o);
    o.coupling = RECTIC_COUPLING_INLINE;
    rectic_net *pn;
    ck_assert_msg(rectic_net_new_network(&pn, ns, &o) == RECTIC_OK, "%s", rectic_errmsg(pn));
    ck_assert_int_eq(rectic_net_input(pn, "R", x, t, 6), RECTIC_EINVAL); /* the layer takes 2 columns */
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(pn), "expected 2 (the columns of its input layer"));
    ck_assert_int_eq(rectic_net_input(pn, "R", x, t, 2), RECTIC_OK);
    ck_assert_msg(rectic_net_run(pn, t, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(pn));
    /* the same as one template */
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = LI;
    s.n = n;
    s.weights = j;
    s.coupling = RECTIC_COUPLING_INLINE;
    s.source_var = "tanh_op/r";
    s.target_var = "li_op/r_in";
    s.input_var = "li_op/I_ext";
    s.output_var = "li_op/v";
    rectic_net *one;
    ck_assert_int_eq(rectic_net_new(&one, &s), RECTIC_OK);
    ck_assert_int_eq(rectic_net_input_weights(one, NULL, w_in, n, 2), RECTIC_OK);
    ck_assert_int_eq(rectic_net_readout(one, w_out, 2, n + 1, RECTIC_ACT_SOFTMAX), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(one, t, x, 2), RECTIC_OK);
    const double *a, *b;
    long ra, ca, rb, cb;
    ck_assert_int_eq(rectic_net_recording(pn, "out", &ra, &ca, &a), RECTIC_OK);
    ck_assert_int_eq(rectic_net_recording(one, "out", &rb, &cb, &b), RECTIC_OK);
    ck_assert_int_eq(ra, t);
    ck_assert_int_eq(ca, 2);
    ck_assert_int_eq(ra * 10 + ca, rb * 10 + cb);
    ck_assert_int_eq(memcmp(a, b, sizeof(double) * (size_t)(ra * ca)), 0);
    /* a fit on the network of populations: X is the readout's source */
    double y[300];
    for (int i = 0; i < 300; i++)
        y[i] = x[2 * i];
    ck_assert_msg(rectic_net_fit_ridge(pn, y, t, 1, 1e-3, 10, 1, NULL) == RECTIC_OK, "%s", rectic_errmsg(pn));
    ck_assert_int_eq(rectic_net_fitted_readout(pn, &rows, &cols, &a), RECTIC_OK);
    ck_assert_int_eq(cols, n + 1);
    rectic_net_free(pn);
    rectic_net_free(one);
    rectic_netspec_free(ns);
    free(net_file);
    /* errors, at their place in the file */
    const struct {
        const char *yaml, *msg;
    } bad[] = {
        {"input_layer: {target: R/li_op/I_ext, weights: w_out.csv}\n", "net.yaml:4:47: input_layer: weights of 2 x 7, "
                                                                       "expected 6 rows"},
        {"input_layer: {target: Q/I_ext, weights: w_in.csv}\n", "net.yaml:4:23: input_layer: target 'Q/I_ext': "
                                                               "unknown population 'Q'"},
        {"readout: {source: R/li_op/v, weights: w_in.csv}\n", "net.yaml:4:39: readout: weights of 6 x 2, expected k x 6"},
        {"readout: {source: R/li_op/v, weights: w_out.csv, activation: relu}\n", "net.yaml:4:62: readout: activation: "
                                                                                 "expected identity"},
        {"readout: {source: R/li_op/v, weights: w_out.csv, bias: 1}\n", "net.yaml:4:50: unknown key 'bias' in readout"},
        {"readout: {source: R/li_op/v}\n", "readout: missing key 'weights'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char text[2000];
        snprintf(text, sizeof text, "populations:\n  R: {template: " LI ", n: 6}\nprojections: []\n%s", bad[k].yaml);
        net_file = tu_write(dir, "net.yaml", text);
        ck_assert_int_ne(rectic_netspec_load(&ns, net_file), RECTIC_OK);
        ck_assert_msg(strstr(rectic_netspec_errmsg(ns), bad[k].msg) != NULL, "%s: got %s", bad[k].msg,
                      rectic_netspec_errmsg(ns));
        rectic_netspec_free(ns);
        free(net_file);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("layers");
    TCase *c = tcase_create("layers");
    tcase_set_timeout(c, 60);
    tcase_add_test(c, test_graph_li_tanh_matches_rectipy);
    tcase_add_test(c, test_ridge_solves_the_normal_equations);
    tcase_add_test(c, test_ridge_intercept_is_not_regularised);
    tcase_add_test(c, test_ridge_falls_back_to_least_squares);
    tcase_add_test(c, test_readout_activations);
    tcase_add_test(c, test_input_layer_projects_each_row);
    tcase_add_test(c, test_score_compares_rows_with_the_targets_of_their_steps);
    tcase_add_test(c, test_fit_leaves_the_state_alone);
    tcase_add_test(c, test_layer_and_fit_errors);
    tcase_add_test(c, test_network_file_layers_equal_the_template_layers);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

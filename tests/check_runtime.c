/*
 * check_runtime.c -- the network API against RectiPy's reference cases, and its contract (two runs,
 * resets, parameters without recompiling, callbacks, several networks, errors).
 */
#include <errno.h>
#include <math.h>
#include <sys/wait.h>

#include "rectic.h"
#include "caseutil.h"
#include "tu_spec.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"

/* A spec for RectiPy's QIF network roles (template, op, coupling s -> s_in, input, output, spikes). */
static void qif_spec(rectic_spec *s, long n)
{
    tu_qif_spec(s, n);
}

typedef tu_mat mat;

/* Asserts every entry of got (rows x cols, starting at row `from` of exp) within atol + rtol*|exp|. */
static void assert_close(const double *got, const mat *exp, long from, long rows, double atol, double rtol, const char *what)
{
    ck_assert_int_ge(exp->rows, from + rows);
    for (long i = 0; i < rows * exp->cols; i++) {
        double e = exp->d[from * exp->cols + i], g = got[i];
        ck_assert_msg(fabs(g - e) <= atol + rtol * fabs(e), "%s: row %ld col %ld: got %.17g, expected %.17g", what,
                      from + i / exp->cols, i % exp->cols, g, e);
    }
}

/* Asserts the spikes (pairs, count) equal spikes.csv from row `from_step` on (steps shifted by offset). */
static void assert_spikes(rectic_net *net, const mat *exp, long *next, long step_offset)
{
    long count;
    const long *pairs;
    rectic_net_spikes(net, &count, &pairs);
    for (long k = 0; k < count; k++, (*next)++) {
        ck_assert_int_lt(*next, exp->rows);
        ck_assert_int_eq(pairs[2 * k] + step_offset, (long)exp->d[2 * *next]);
        ck_assert_int_eq(pairs[2 * k + 1], (long)exp->d[2 * *next + 1]);
    }
}

/* The seed network: QIF, weights of the case, threshold 100 / reset -100. */
static rectic_net *seed_net(const char *dir, mat *w, int dtype)
{
    rectic_spec s;
    *w = tu_load(dir, "weights.csv");
    qif_spec(&s, w->rows);
    s.weights = w->d;
    s.min_weight = 1e-6;
    s.dt = 1e-3;
    s.dtype = dtype;
    rectic_net *net;
    int rc = rectic_net_new(&net, &s);
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    return net;
}

/* Runs a seed-like case and checks out, v and the spikes. */
static void check_seed_case(const char *name, int dtype, double atol, double rtol)
{
    const char *dir = tu_case_dir(name);
    if (!dir)
        TU_SKIP("case %s not found (neither ../shared/cases nor tests/data/cases)", name);
    mat w, in = tu_load(dir, "inputs.csv"), out = tu_load(dir, "out.csv"), v = tu_load(dir, "v.csv"),
           sp = tu_load(dir, "spikes.csv");
    rectic_net *net = seed_net(dir, &w, dtype);
    ck_assert_int_eq(rectic_net_run(net, in.rows, in.d, in.cols), RECTIC_OK);
    long rows, cols, next = 0;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows, out.rows);
    ck_assert_int_eq(cols, out.cols);
    assert_close(d, &out, 0, rows, atol, rtol, "out");
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
    assert_close(d, &v, 0, rows, atol, rtol, "v");
    assert_spikes(net, &sp, &next, 0);
    ck_assert_int_eq(next, sp.rows);
    rectic_net_free(net);
    free(w.d), free(in.d), free(out.d), free(v.d), free(sp.d);
}

START_TEST(test_qif_matches_reference)
{
    check_seed_case("seed_qif", RECTIC_FLOAT64, 1e-10, 1e-8);
}
END_TEST

START_TEST(test_float32_matches_reference)
{
    check_seed_case("float32", RECTIC_FLOAT32, 1e-3, 1e-5);
}
END_TEST

START_TEST(test_threshold_equality_spikes_at_equality)
{
    const char *dir = tu_case_dir("qif_threshold_equality");
    if (!dir)
        TU_SKIP("case qif_threshold_equality not found");
    mat w, in = tu_load(dir, "inputs.csv"), out = tu_load(dir, "out.csv"), v = tu_load(dir, "v.csv"),
           sp = tu_load(dir, "spikes.csv"), v0 = tu_load(dir, "node_var_v.csv");
    rectic_net *net = seed_net(dir, &w, RECTIC_FLOAT64);
    ck_assert_int_eq(rectic_net_set(net, "v", v0.d, v0.rows * v0.cols), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, in.rows, in.d, in.cols), RECTIC_OK);
    long rows, cols, next = 0;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    assert_close(d, &out, 0, rows, 1e-10, 1e-8, "out");
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
    assert_close(d, &v, 0, rows, 1e-10, 1e-8, "v");
    ck_assert_double_eq(d[0], 100.0);        /* v == threshold spikes: recorded pre-reset ... */
    ck_assert_double_eq(d[3 * 1 + 0], -100.0); /* ... and reset on the next row */
    assert_spikes(net, &sp, &next, 0);
    ck_assert_int_eq(next, 2);
    rectic_net_free(net);
    free(w.d), free(in.d), free(out.d), free(v.d), free(sp.d), free(v0.d);
}
END_TEST

/* RectiPy's run() continues from the current state: two runs of 3000 steps = one run of 6000. */
START_TEST(test_two_runs_continue_from_state)
{
    const char *dir = tu_case_dir("qif_two_runs");
    if (!dir)
        TU_SKIP("case qif_two_runs not found");
    mat w, in = tu_load(dir, "inputs.csv"), out = tu_load(dir, "out.csv"), v = tu_load(dir, "v.csv"),
           sp = tu_load(dir, "spikes.csv");
    rectic_net *net = seed_net(dir, &w, RECTIC_FLOAT64);
    long next = 0;
    for (int r = 0; r < 2; r++) {
        ck_assert_int_eq(rectic_net_run(net, 3000, in.d + r * 3000 * in.cols, in.cols), RECTIC_OK);
        long rows, cols;
        const double *d;
        ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
        ck_assert_int_eq(rows, 3000);
        assert_close(d, &out, r * 3000, rows, 1e-10, 1e-8, "out");
        ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
        assert_close(d, &v, r * 3000, rows, 1e-10, 1e-8, "v");
        assert_spikes(net, &sp, &next, 0); /* the step counter goes on: the second run's steps are 3000.. */
        ck_assert_int_eq(rectic_net_step(net), (r + 1) * 3000);
        const long *steps;
        ck_assert_int_eq(rectic_net_recorded_steps(net, &rows, &steps), RECTIC_OK);
        ck_assert_int_eq(steps[0], r * 3000);
    }
    ck_assert_int_eq(next, sp.rows);
    rectic_net_free(net);
    free(w.d), free(in.d), free(out.d), free(v.d), free(sp.d);
}
END_TEST

START_TEST(test_sampling_picks_every_kth_row)
{
    const char *dir = tu_case_dir("qif_two_runs");
    if (!dir)
        TU_SKIP("case qif_two_runs not found");
    mat w, in = tu_load(dir, "inputs.csv"), out = tu_load(dir, "out.csv");
    rectic_net *net = seed_net(dir, &w, RECTIC_FLOAT64);
    ck_assert_int_eq(rectic_net_sampling(net, 10, RECTIC_SAMPLE_PICK, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, in.rows, in.d, in.cols), RECTIC_OK);
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows, (in.rows + 9) / 10);
    for (long r = 0; r < rows; r++)
        for (long j = 0; j < cols; j++)
            ck_assert_double_eq(d[r * cols + j], out.d[r * 10 * cols + j]);
    rectic_net_free(net);
    free(w.d), free(in.d), free(out.d);
}
END_TEST

/* Mean mode (RectiPy >= 0.12, SEMANTICS 8.4): the first row at the first multiple of K >= C averages
   out_C..out_n, later rows the K steps since the previous row. */
START_TEST(test_sampling_mean_averages_since_previous_row)
{
    const char *dir = tu_case_dir("qif_two_runs");
    if (!dir)
        TU_SKIP("case qif_two_runs not found");
    mat w, in = tu_load(dir, "inputs.csv"), out = tu_load(dir, "out.csv");
    rectic_net *net = seed_net(dir, &w, RECTIC_FLOAT64);
    const long K = 10, C = 95;
    ck_assert_int_eq(rectic_net_sampling(net, K, RECTIC_SAMPLE_MEAN, C), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 3000, in.d, in.cols), RECTIC_OK);
    long rows, cols, nsteps;
    const double *d;
    const long *steps;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    rectic_net_recorded_steps(net, &nsteps, &steps);
    ck_assert_int_eq(nsteps, rows);
    ck_assert_int_eq(steps[0], 100);
    ck_assert_int_eq(rows, (2999 - 100) / 10 + 1);
    long from = C;
    for (long r = 0; r < rows; r++) {
        for (long j = 0; j < cols; j++) {
            double sum = 0;
            for (long s = from; s <= steps[r]; s++)
                sum += out.d[s * cols + j];
            double mean = sum / (double)(steps[r] - from + 1);
            ck_assert_double_eq_tol(d[r * cols + j], mean, 1e-12 * (1 + fabs(mean)));
        }
        from = steps[r] + 1;
    }
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK); /* others stay instantaneous */
    rectic_net_free(net);
    free(w.d), free(in.d), free(out.d);
}
END_TEST

/* Runs a node-vars case given as (name, file or NULL, value) triples and compares out and the records. */
static void check_case(const char *name, const char *tmpl, const char *op, const char *src, const char *tgt,
                       const char *input, const char *output, int spiking, double dt, double thr,
                       const char *const *sets, const char *const *records, const char *const *files, int rate_shift)
{
    const char *dir = tu_case_dir(name);
    if (!dir) {
        tu_skip_note('T', name, "case not found (neither ../shared/cases nor tests/data/cases)");
        return; /* the test ends here: check_case is all it does */
    }
    mat w = tu_load(dir, "weights.csv"), in = tu_load(dir, "inputs.csv"), out = tu_load(dir, "out.csv");
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = tmpl;
    s.op = op;
    s.n = w.rows;
    s.weights = w.d;
    s.min_weight = 1e-6;
    s.source_var = src;
    s.target_var = tgt;
    s.input_var = input;
    s.output_var = output;
    if (spiking) {
        s.spike_var = "spike";
        s.spike_def = "v";
        s.spike_threshold = thr;
        s.spike_reset = -thr;
    }
    s.dt = dt;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    for (int k = 0; sets[k]; k += 2) {
        if (sets[k + 1][0] == '@') {
            mat v = tu_load(dir, sets[k + 1] + 1);
            ck_assert_msg(rectic_net_set(net, sets[k], v.d, v.rows * v.cols) == RECTIC_OK, "%s", rectic_errmsg(net));
            free(v.d);
        } else {
            double x = strtod(sets[k + 1], NULL);
            ck_assert_msg(rectic_net_set(net, sets[k], &x, 1) == RECTIC_OK, "%s", rectic_errmsg(net));
        }
    }
    for (int k = 0; records[k]; k++)
        ck_assert_int_eq(rectic_net_record(net, records[k]), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, in.rows, in.d, in.cols) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    assert_close(d, &out, 0, rows, 1e-10, 1e-8, "out");
    for (int k = 0; records[k]; k++) {
        mat e = tu_load(dir, files[k]);
        ck_assert_int_eq(rectic_net_recording(net, records[k], &rows, &cols, &d), RECTIC_OK);
        /* RectiPy records a rate node's variables one step late (SEMANTICS 8.1) */
        if (rate_shift)
            assert_close(d + cols, &e, 0, rows - 1, 1e-10, 1e-8, files[k]);
        else
            assert_close(d, &e, 0, rows, 1e-10, 1e-8, files[k]);
        free(e.d);
    }
    if (spiking) {
        mat sp = tu_load(dir, "spikes.csv");
        long next = 0;
        assert_spikes(net, &sp, &next, 0);
        ck_assert_int_eq(next, sp.rows);
        free(sp.d);
    }
    rectic_net_free(net);
    free(w.d), free(in.d), free(out.d);
}

START_TEST(test_qif_sfa_matches_reference)
{
    const char *sets[] = {"eta", "@node_var_eta.csv", "alpha", "0.5", "k", "2", NULL};
    const char *recs[] = {"v", "x", NULL}, *files[] = {"v.csv", "x.csv"};
    check_case("qif_sfa", "neuron_model_templates.spiking_neurons.qif.qif_sfa", "qif_sfa_op", "s", "s_in", "I_ext",
               "s", 1, 1e-3, 1000.0, sets, recs, files, 0);
}
END_TEST

START_TEST(test_lif_matches_reference)
{
    const char *sets[] = {"tau", "@node_var_tau.csv", "eta", "10", "k", "2", "tau_s", "5", NULL};
    const char *recs[] = {"v", NULL}, *files[] = {"v.csv"};
    check_case("lif", "neuron_model_templates.spiking_neurons.lif.lif", "lif_op", "s", "s_in", "I_ext", "s", 1, 1e-2,
               10.0, sets, recs, files, 0);
}
END_TEST

START_TEST(test_li_tanh_rate_node_matches_reference)
{
    const char *sets[] = {"li_op/eta", "@node_var_li_op_eta.csv", "li_op/k", "1.5", NULL};
    const char *recs[] = {"li_op/v", NULL}, *files[] = {"li_op_v.csv"};
    check_case("li_tanh", "neuron_model_templates.rate_neurons.leaky_integrator.tanh", NULL, "tanh_op/r",
               "li_op/r_in", "li_op/I_ext", "li_op/v", 0, 1e-2, 0, sets, recs, files, 1);
}
END_TEST

/* A QIF network of n neurons with zero weights and constant drive, for contract tests. */
static rectic_net *small_net(long n)
{
    static double w[64];
    memset(w, 0, sizeof w);
    for (long i = 0; i < n * n && i < 64; i++)
        w[i] = 0.1 * (double)(i % 3);
    rectic_spec s;
    qif_spec(&s, n);
    s.weights = w;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    return net;
}

START_TEST(test_parameter_values_never_recompile)
{
    rectic_net *net = small_net(4);
    ck_assert_int_eq(rectic_net_compilations(net), 1);
    double eta = 3.0, etas[4] = {1, 2, 3, 4}, got[4];
    long count;
    ck_assert_int_eq(rectic_net_set(net, "eta", &eta, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 10, NULL, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_compilations(net), 1);
    ck_assert_int_eq(rectic_net_get(net, "eta", got, 4, &count), RECTIC_OK);
    ck_assert_int_eq(count, 1);
    ck_assert_double_eq(got[0], 3.0);
    /* a scalar parameter becoming per-neuron regenerates the kernel once ... */
    ck_assert_int_eq(rectic_net_set(net, "qif_op/eta", etas, 4), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 10, NULL, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_compilations(net), 2);
    /* ... and new values after that never do */
    for (int k = 0; k < 5; k++) {
        etas[0] = k;
        ck_assert_int_eq(rectic_net_set(net, "all/qif_op/eta", etas, 4), RECTIC_OK);
        ck_assert_int_eq(rectic_net_set(net, "eta", &eta, 1), RECTIC_OK);
        ck_assert_int_eq(rectic_net_run(net, 10, NULL, 0), RECTIC_OK);
    }
    ck_assert_int_eq(rectic_net_compilations(net), 2);
    rectic_net_free(net);
}
END_TEST

START_TEST(test_reset_restores_initial_state)
{
    rectic_net *net = small_net(3);
    double v0[3] = {-1, -2, -3}, v[3];
    long count;
    ck_assert_int_eq(rectic_net_set(net, "v", v0, 3), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 500, NULL, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_get(net, "v", v, 3, &count), RECTIC_OK);
    ck_assert(v[0] != -1);
    ck_assert_int_eq(rectic_net_reset(net), RECTIC_OK);
    ck_assert_int_eq(rectic_net_get(net, "v", v, 3, &count), RECTIC_OK);
    ck_assert_double_eq(v[0], -1);
    ck_assert_double_eq(v[2], -3);
    rectic_net_free(net);
}
END_TEST

static int ramp_input(void *user, long step, double *row, long cols)
{
    (void)user;
    for (long j = 0; j < cols; j++)
        row[j] = 0.01 * (double)step + (double)j;
    return 0;
}

START_TEST(test_input_callback_equals_input_array)
{
    const long T = 9000, N = 3;
    double *in = malloc(sizeof(double) * T * N);
    for (long s = 0; s < T; s++)
        ramp_input(NULL, s, in + s * N, N);
    rectic_net *a = small_net(N), *b = small_net(N); /* two networks in one process */
    ck_assert_int_eq(rectic_net_record(a, "v"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(b, "v"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(a, T, in, N), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run_fn(b, T, ramp_input, NULL, N), RECTIC_OK);
    long ra, ca, rb, cb;
    const double *da, *db;
    ck_assert_int_eq(rectic_net_recording(a, "v", &ra, &ca, &da), RECTIC_OK);
    ck_assert_int_eq(rectic_net_recording(b, "v", &rb, &cb, &db), RECTIC_OK);
    ck_assert_int_eq(ra, T);
    ck_assert_int_eq(rb, T);
    ck_assert_int_eq(memcmp(da, db, sizeof(double) * T * N), 0);
    rectic_net_free(a);
    rectic_net_free(b);
    free(in);
}
END_TEST

static int stop_after(void *user, long done, long total)
{
    (void)total;
    return done >= *(long *)user;
}

START_TEST(test_progress_callback_cancels_run)
{
    rectic_net *net = small_net(2);
    long limit = 5000;
    rectic_net_on_progress(net, stop_after, &limit);
    ck_assert_int_eq(rectic_net_run(net, 100000, NULL, 0), RECTIC_ECANCEL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "cancelled"));
    ck_assert_int_lt(rectic_net_steps_done(net), 100000);
    ck_assert_int_ge(rectic_net_steps_done(net), 5000);
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows, rectic_net_steps_done(net));
    rectic_net_free(net);
}
END_TEST

START_TEST(test_api_errors_have_messages)
{
    rectic_net *net = small_net(2);
    double x = 1, xs[3] = {1, 2, 3}, nan_ = NAN;
    ck_assert_int_eq(rectic_net_set(net, "zeta", &x, 1), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "no variable 'zeta'"));
    ck_assert_int_eq(rectic_net_set(net, "eta", xs, 3), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "expected 1 value or 2"));
    ck_assert_int_eq(rectic_net_set(net, "eta", &nan_, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_set(net, "s_in", &x, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_record(net, "spike"), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_run(net, 10, xs, 3), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "3 columns"));
    ck_assert_int_eq(rectic_net_sampling(net, 0, RECTIC_SAMPLE_PICK, 0), RECTIC_EINVAL);
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_EINVAL);
    rectic_net_free(net);

    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = QIF;
    s.n = 2;
    s.output_var = "s";
    s.dt = 0;
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "spec.dt: the step size must be a positive number"));
    rectic_net_free(net);
    s.dt = 1e-3;
    s.template_ref = "no.such.template";
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_ETEMPLATE);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "resolves to nothing"));
    rectic_net_free(net);
    s.template_ref = QIF;
    s.spike_var = "spike";
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "spec.spike_def"));
    rectic_net_free(net);
    s.spike_var = NULL;
    s.mpi_read = (rectic_mpi_read)2;
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "spec.mpi_read: expected stream or scatter"));
    rectic_net_free(net);
}
END_TEST

/* A QIF network driven to blow up: v reaches infinity within a few hundred steps. */
START_TEST(test_nonfinite_state_stops_run_naming_step_and_variable)
{
    rectic_net *net;
    double eta = 50.0;
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = QIF;
    s.op = "qif_op";
    s.n = 3;
    s.output_var = "s";
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_OK);
    ck_assert_int_eq(rectic_net_set(net, "eta", &eta, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 10000, NULL, 0), RECTIC_ENUMERIC);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "became infinite at step 275"));
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "qif_op/v"));
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_steps_done(net), 276);
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows, 276);
    for (long i = 0; i < rows * cols; i++)
        ck_assert(isfinite(d[i]));
    /* without the guard NaN carries on, as in RectiPy */
    rectic_net_reset(net);
    rectic_net_check_finite(net, 0);
    ck_assert_int_eq(rectic_net_run(net, 10000, NULL, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_steps_done(net), 10000);
    rectic_net_free(net);
}
END_TEST

/* Runs the qif_two_runs network (6000 steps) with a backend and a coupling strategy; returns v (caller
   frees) and the spikes. */
static double *run_backend(const char *dir, int backend, int dtype, int coupling, long *n_spikes,
                           rectic_progress_fn fn, void *user, const char **kind)
{
    mat w = tu_load(dir, "weights.csv"), in = tu_load(dir, "inputs.csv");
    rectic_spec s;
    qif_spec(&s, w.rows);
    s.weights = w.d;
    s.dtype = dtype;
    s.backend = backend;
    s.coupling = coupling;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    rectic_net_on_progress(net, fn, user);
    ck_assert_msg(rectic_net_run(net, in.rows, in.d, in.cols) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
    double *copy = malloc(sizeof(double) * (size_t)(rows * cols));
    memcpy(copy, d, sizeof(double) * (size_t)(rows * cols));
    const long *pairs;
    rectic_net_spikes(net, n_spikes, &pairs);
    *kind = rectic_net_backend(net);
    static char kind_copy[64];
    snprintf(kind_copy, sizeof kind_copy, "%s", *kind);
    *kind = kind_copy;
    rectic_net_free(net);
    free(w.d), free(in.d);
    return copy;
}

/* Points the compilation cache at a fresh directory; NULL (and a skip message) without a C compiler. */
static char *fresh_cache(void)
{
    if (system("command -v cc >/dev/null 2>&1") != 0)
        return NULL;
    char *dir = tu_tmpdir();
    setenv("XDG_CACHE_HOME", dir, 1);
    return dir;
}

START_TEST(test_cc_backend_is_bit_identical_to_tcc)
{
    const char *dir = tu_case_dir("qif_two_runs");
    if (!dir)
        TU_SKIP("case qif_two_runs not found");
    char *cache = fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    /* the loop in the kernel (N = 5), and OpenBLAS's gemv, which cc's kernel finds in the global scope */
    for (int z = 0; z < 4; z++) {
        int dtype = z % 2, coupling = z < 2 ? RECTIC_COUPLING_AUTO : RECTIC_COUPLING_DENSE;
        long sa, sb, sc;
        const char *ka, *kb, *kc;
        double *a = run_backend(dir, RECTIC_BACKEND_TCC, dtype, coupling, &sa, NULL, NULL, &ka);
        ck_assert_str_eq(ka, "tcc");
        double *b = run_backend(dir, RECTIC_BACKEND_CC, dtype, coupling, &sb, NULL, NULL, &kb);
        ck_assert_str_eq(kb, "cc");
        double *c = run_backend(dir, RECTIC_BACKEND_CC, dtype, coupling, &sc, NULL, NULL, &kc);
        ck_assert_str_eq(kc, "cc (cached)"); /* a cache hit costs no compile */
        ck_assert_int_eq(sa, sb);
        ck_assert_int_eq(sa, sc);
        ck_assert_int_eq(memcmp(a, b, sizeof(double) * 6000 * 5), 0);
        ck_assert_int_eq(memcmp(a, c, sizeof(double) * 6000 * 5), 0);
        free(a), free(b), free(c);
    }
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* Progress callback: after the first block, waits until the background compiler's object exists. */
static int wait_for_object(void *user, long done, long total)
{
    const char *cache = user;
    (void)total;
    if (done != 4096)
        return 0;
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "for i in $(seq 600); do ls %s/rectic/kernel-*.so >/dev/null 2>&1 && exit 0; sleep 0.1; "
                              "done; exit 1", cache);
    return system(cmd) != 0; /* cancel the run if the compiler never finished */
}

START_TEST(test_tiered_mode_switches_and_stays_identical)
{
    const char *dir = tu_case_dir("qif_two_runs");
    if (!dir)
        TU_SKIP("case qif_two_runs not found");
    char *cache = fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    long sa, sb;
    const char *ka, *kb;
    double *a = run_backend(dir, RECTIC_BACKEND_TCC, RECTIC_FLOAT64, RECTIC_COUPLING_AUTO, &sa, NULL, NULL, &ka);
    double *b = run_backend(dir, RECTIC_BACKEND_AUTO, RECTIC_FLOAT64, RECTIC_COUPLING_AUTO, &sb, wait_for_object, cache,
                            &kb);
    ck_assert_str_eq(kb, "tcc, then cc"); /* switched at the block boundary after step 4096 */
    errno = 0; /* the shell that started the compiler was reaped: no child of this process is left */
    ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
    ck_assert_int_eq(errno, ECHILD);
    ck_assert_int_eq(sa, sb);
    ck_assert_int_eq(memcmp(a, b, sizeof(double) * 6000 * 5), 0);
    free(a), free(b);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* Reads a whole file. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc(*len + 1);
    ck_assert_int_eq(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s and %s differ", a, b);
    free(x), free(y);
}

/* Recordings larger than the memory limit stream through temporary files in chunks and come out the
   same; the numerical guard's replay crosses chunk boundaries correctly. */
START_TEST(test_streamed_recordings_equal_in_memory)
{
    char *tmp = tu_tmpdir(), a[4200], b[4200], fa[4300], fb[4300];
    const char *files[] = {"out.csv", "v.csv", "time.csv", "npy/out.npy", "npy/v.npy", "npy/time.npy"};
    for (int blowup = 0; blowup < 2; blowup++) {
        for (int k = 0; k < 2; k++) {
            rectic_net *net;
            rectic_spec s;
            rectic_spec_init(&s);
            s.template_ref = QIF;
            s.op = "qif_op";
            s.n = 3;
            s.output_var = "s";
            ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_OK);
            double eta = blowup ? 50.0 : -5.0, v0[3] = {-1, 0, 1};
            ck_assert_int_eq(rectic_net_set(net, "eta", &eta, 1), RECTIC_OK);
            ck_assert_int_eq(rectic_net_set(net, "v", v0, 3), RECTIC_OK);
            ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
            ck_assert_int_eq(rectic_net_sampling(net, 3, RECTIC_SAMPLE_MEAN, 5), RECTIC_OK);
            if (k)
                rectic_net_max_memory(net, 7 * 3 * 2 * sizeof(double)); /* chunks of 7 rows */
            ck_assert_int_eq(rectic_net_run(net, 10000, NULL, 0), blowup ? RECTIC_ENUMERIC : RECTIC_OK);
            ck_assert_int_eq(rectic_net_streamed(net), k);
            if (k) {
                long rows, cols;
                const double *d;
                ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_EINVAL);
            }
            snprintf(k ? b : a, sizeof a, "%s/run%d_%d", tmp, blowup, k);
            ck_assert_int_eq(rectic_net_write(net, k ? b : a, RECTIC_FORMAT_CSV), RECTIC_OK);
            char npy_dir[4300]; /* a set in its own folder: a second set into one folder replaces the first */
            snprintf(npy_dir, sizeof npy_dir, "%s/npy", k ? b : a);
            ck_assert_int_eq(rectic_net_write(net, npy_dir, RECTIC_FORMAT_NPY), RECTIC_OK);
            rectic_net_free(net);
        }
        for (int f = 0; f < 6; f++) {
            snprintf(fa, sizeof fa, "%s/%s", a, files[f]);
            snprintf(fb, sizeof fb, "%s/%s", b, files[f]);
            assert_same_file(fa, fb);
        }
    }
    tu_rmtree(tmp);
    free(tmp);
}
END_TEST

/* The event-driven scheme written out plainly: s_in decays by 1 - dt/tau_s, then takes one spiking column
   at a time; what the generated kernel must compute bit for bit, however it groups the columns.  W is dense n x n (row = target); returns v
   after each step in vrec (steps x n) and the number of spikes. */
static long event_scheme(long n, long steps, const double *w, double eta, const double *drive, double dt, double *v,
                         double *vrec)
{
    const double tau = 1, k = 1, tau_s = 1, thr = 100, reset = -100;
    double *s = calloc((size_t)n, sizeof *s), *s_in = calloc((size_t)n, sizeof *s_in);
    long *spiked = malloc(sizeof *spiked * (size_t)n), total = 0;
    for (long t = 0; t < steps; t++) {
        long m = 0;
        for (long i = 0; i < n; i++)
            if (v[i] >= thr)
                spiked[m++] = i;
        for (long i = 0; i < n; i++) {
            double spk = v[i] >= thr ? 1 : 0;
            double v_dot = (v[i] * v[i] + eta + drive[i]) / tau + k * s_in[i];
            double s_dot = -s[i] / tau_s + spk / dt;
            v[i] = (v[i] + dt * v_dot) * (1 - spk) + spk * reset;
            s[i] = s[i] + dt * s_dot;
        }
        for (long i = 0; i < n; i++)
            s_in[i] = s_in[i] * (1 - dt / tau_s);
        for (long q = 0; q < m; q++)
            for (long i = 0; i < n; i++)
                if (w[i * n + spiked[q]] != 0)
                    s_in[i] += w[i * n + spiked[q]];
        memcpy(vrec + t * n, v, sizeof *v * (size_t)n);
        total += m;
    }
    free(s), free(s_in), free(spiked);
    return total;
}

/* Event-driven coupling adds consecutive full columns of the neurons that spiked in passes of up to eight
   (8, 4, 2, 1) and sparse columns in their turn: with whole volleys of spikes (every neuron at the first step), a column with
   zeros among full ones, a fixed-size kernel (N = 24) and a general one (N = 48), the kernel equals the
   plain scheme bit for bit, with TinyCC's kernel and the system compiler's. */
START_TEST(test_event_coupling_equals_the_plain_scheme)
{
    static const long sizes[] = {24, 48};
    char *cache = fresh_cache(); /* NULL: no cc on the PATH, TinyCC's kernel alone */
    for (int z = 0; z < 2 * (cache ? 2 : 1); z++) {
        long n = sizes[z % 2], steps = 1500;
        double *w = malloc(sizeof *w * (size_t)(n * n)), *drive = malloc(sizeof *drive * (size_t)n);
        double *v0 = malloc(sizeof *v0 * (size_t)n), *v = malloc(sizeof *v * (size_t)n);
        double *vrec = malloc(sizeof *vrec * (size_t)(n * steps)), *in = malloc(sizeof *in * (size_t)(n * steps));
        uint64_t r = 12345;
        for (long i = 0; i < n * n; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            w[i] = ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 0.8;
            if (i % n == n - 3 && (i / n) % 3 != 0)
                w[i] = 0; /* column n - 3 is not full */
        }
        for (long i = 0; i < n; i++) {
            drive[i] = 3.0 + 0.25 * (double)(i % 7);
            v0[i] = i % 5 == 4 ? -3.0 : 150.0; /* most neurons spike at the first step */
        }
        for (long t = 0; t < steps; t++)
            memcpy(in + t * n, drive, sizeof *drive * (size_t)n);
        memcpy(v, v0, sizeof *v * (size_t)n);
        long want = event_scheme(n, steps, w, 4.0, drive, 1e-3, v, vrec);
        rectic_spec s;
        qif_spec(&s, n);
        s.weights = w;
        s.coupling = RECTIC_COUPLING_EVENT;
        s.backend = z < 2 ? RECTIC_BACKEND_TCC : RECTIC_BACKEND_CC;
        rectic_net *net;
        ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
        ck_assert_str_eq(rectic_net_backend(net), z < 2 ? "tcc" : "cc");
        double eta = 4.0;
        ck_assert_int_eq(rectic_net_set(net, "eta", &eta, 1), RECTIC_OK);
        ck_assert_int_eq(rectic_net_set(net, "v", v0, n), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
        ck_assert_msg(rectic_net_run(net, steps, in, n) == RECTIC_OK, "%s", rectic_errmsg(net));
        ck_assert_str_eq(rectic_net_coupling(net), "event");
        long count, rows, cols;
        const long *pairs;
        const double *d;
        rectic_net_spikes(net, &count, &pairs);
        ck_assert_int_eq(count, want);
        ck_assert_int_gt(count, n); /* a volley of most neurons at the first step, and more later */
        ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
        ck_assert_int_eq(rows, steps);
        /* recorded v is the state before each step: row t + 1 is the plain scheme's v after step t */
        ck_assert_int_eq(memcmp(d + n, vrec, sizeof *d * (size_t)(n * (steps - 1))), 0);
        rectic_net_free(net);
        free(w), free(drive), free(v0), free(v), free(vrec), free(in);
    }
    if (cache)
        tu_rmtree(cache);
    free(cache);
}
END_TEST

/* Runs the seed-like case with a coupling strategy (dense weights, or the same as COO rows); returns v. */
static double *run_coupling(const char *dir, int coupling, int coo, long *rows, long *n_spikes, const char **used)
{
    mat w = tu_load(dir, "weights.csv"), in = tu_load(dir, "inputs.csv");
    double *trip = malloc(sizeof(double) * 3 * (size_t)(w.rows * w.cols));
    for (long i = 0; i < w.rows * w.cols; i++) { /* the transpose order: COO rows need not be sorted */
        long k = (i % w.rows) * w.cols + i / w.rows;
        trip[3 * i] = (double)(k / w.cols), trip[3 * i + 1] = (double)(k % w.cols), trip[3 * i + 2] = w.d[k];
    }
    rectic_spec s;
    qif_spec(&s, w.rows);
    if (coo) {
        s.weights_coo = trip;
        s.nnz = w.rows * w.cols;
    } else {
        s.weights = w.d;
    }
    s.min_weight = 1e-6;
    s.coupling = coupling;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, in.rows, in.d, in.cols) == RECTIC_OK, "%s", rectic_errmsg(net));
    long cols;
    const double *d;
    const long *pairs;
    ck_assert_int_eq(rectic_net_recording(net, "v", rows, &cols, &d), RECTIC_OK);
    double *copy = malloc(sizeof(double) * (size_t)(*rows * cols));
    memcpy(copy, d, sizeof(double) * (size_t)(*rows * cols));
    rectic_net_spikes(net, n_spikes, &pairs);
    static char kind[5][16];
    snprintf(kind[coupling], sizeof kind[coupling], "%s", rectic_net_coupling(net));
    *used = kind[coupling];
    rectic_net_free(net);
    free(w.d), free(in.d), free(trip);
    return copy;
}

/* Every coupling strategy reproduces the reference; sparse rows and the inline loop sum the same terms in
   the same order (bit for bit); COO input equals dense input; event-driven differs only by rounding. */
START_TEST(test_coupling_strategies_agree)
{
    const char *dir = tu_case_dir("qif_two_runs");
    if (!dir)
        TU_SKIP("case qif_two_runs not found");
    mat v = tu_load(dir, "v.csv"), sp = tu_load(dir, "spikes.csv");
    static const char *const names[] = {"inline", "dense", "inline", "sparse", "event"};
    double *res[5];
    for (int k = 0; k < 5; k++) {
        long rows, n_spikes;
        const char *used;
        res[k] = run_coupling(dir, k, 0, &rows, &n_spikes, &used);
        ck_assert_str_eq(used, names[k]); /* auto picks the loop for N = 5 */
        ck_assert_int_eq(n_spikes, sp.rows);
        assert_close(res[k], &v, 0, rows, k == 4 ? 1e-9 : 1e-10, 1e-8, names[k]);
    }
    ck_assert_int_eq(memcmp(res[2], res[3], sizeof(double) * 6000 * 5), 0);
    long rows, n_spikes;
    const char *used;
    double *coo = run_coupling(dir, RECTIC_COUPLING_SPARSE, 1, &rows, &n_spikes, &used);
    ck_assert_int_eq(memcmp(coo, res[3], sizeof(double) * 6000 * 5), 0);
    free(coo);
    for (int k = 0; k < 5; k++)
        free(res[k]);
    free(v.d), free(sp.d);
}
END_TEST

START_TEST(test_event_coupling_needs_linear_spike_driven_source)
{
    double w[4] = {0, 1, 1, 0};
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = "neuron_model_templates.rate_neurons.leaky_integrator.tanh";
    s.n = 2;
    s.weights = w;
    s.coupling = RECTIC_COUPLING_EVENT;
    s.source_var = "tanh_op/r";
    s.target_var = "li_op/r_in";
    s.output_var = "li_op/v";
    rectic_net *net;
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "spec.coupling event: event-driven coupling needs a spiking network"));
    rectic_net_free(net);
    s.template_ref = "neuron_model_templates.spiking_neurons.ik.ik_biexp"; /* s' = -s/tau_d + x: no spike term */
    s.op = "ik_biexp_op";
    s.source_var = "s";
    s.target_var = "s_in";
    s.output_var = "s";
    s.spike_var = "spike";
    s.spike_def = "v";
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "needs the source to obey s' = -s/tau + c*spike"));
    rectic_net_free(net);
}
END_TEST

/* Event-driven coupling keeps one decay and one gain for all neurons: tau_s set per neuron is refused
   with the reason (it crashed the kernel's compilation before), the same value n times is one value. */
START_TEST(test_event_coupling_needs_one_tau_for_all_neurons)
{
    double w[9] = {0, 1, 2, 3, 0, 4, 5, 6, 0}, taus[3] = {1, 2, 3}, same[3] = {0.75, 0.75, 0.75};
    rectic_spec s;
    qif_spec(&s, 3);
    s.weights = w;
    s.coupling = RECTIC_COUPLING_EVENT;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_set(net, "tau_s", taus, 3), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_set tau_s: event-driven coupling needs one value of 'tau_s' for "
                                                     "all neurons"));
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "s' = -s/tau_s + spike"));
    ck_assert_int_eq(rectic_net_set(net, "tau_s", same, 3), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, 100, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_ptr_nonnull(strstr(rectic_net_source(net), "event_decay = (real)(1 - dt/tau_s_);"));
    double got[3];
    long count;
    ck_assert_int_eq(rectic_net_get(net, "tau_s", got, 3, &count), RECTIC_OK);
    ck_assert_int_eq(count, 1);
    ck_assert_double_eq(got[0], 0.75);
    ck_assert_int_eq(rectic_net_set(net, "k", taus, 3), RECTIC_OK); /* other parameters may vary */
    ck_assert_msg(rectic_net_run(net, 100, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    rectic_net_free(net);
}
END_TEST

/* With a gain (qif_sfa: x' = -x/tau_x + alpha*spike, x the source), each spike adds alpha times its column:
   the same run as dense coupling up to rounding, with the same spikes. */
START_TEST(test_event_coupling_with_a_gain_matches_dense)
{
    long n = 40, steps = 3000;
    double *w = malloc(sizeof *w * (size_t)(n * n)), *eta = malloc(sizeof *eta * (size_t)n);
    uint64_t r = 777;
    for (long i = 0; i < n * n; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        w[i] = ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 2.0;
    }
    for (long i = 0; i < n; i++)
        eta[i] = 20.0 + (double)(i % 9);
    double *v[2];
    long spikes[2];
    for (int k = 0; k < 2; k++) {
        rectic_spec s;
        qif_spec(&s, n);
        s.template_ref = "neuron_model_templates.spiking_neurons.qif.qif_sfa";
        s.op = "qif_sfa_op";
        s.source_var = "x";
        s.weights = w;
        s.coupling = k ? RECTIC_COUPLING_EVENT : RECTIC_COUPLING_DENSE;
        rectic_net *net;
        ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
        double alpha = 0.7;
        ck_assert_int_eq(rectic_net_set(net, "alpha", &alpha, 1), RECTIC_OK);
        ck_assert_int_eq(rectic_net_set(net, "eta", eta, n), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
        ck_assert_msg(rectic_net_run(net, steps, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
        ck_assert_str_eq(rectic_net_coupling(net), k ? "event" : "dense");
        if (k)
            ck_assert_ptr_nonnull(strstr(rectic_net_source(net), "event_gain = (real)(alpha_);"));
        long rows, cols;
        const double *d;
        const long *pairs;
        ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
        v[k] = malloc(sizeof *d * (size_t)(rows * cols));
        memcpy(v[k], d, sizeof *d * (size_t)(rows * cols));
        rectic_net_spikes(net, &spikes[k], &pairs);
        rectic_net_free(net);
    }
    ck_assert_int_gt(spikes[0], 3 * n);
    ck_assert_int_eq(spikes[1], spikes[0]);
    double worst = 0;
    for (long i = 0; i < n * steps; i++) {
        double d = fabs(v[0][i] - v[1][i]) / (1 + fabs(v[0][i]));
        worst = d > worst ? d : worst;
    }
    printf("  event (gain) vs dense: %ld spikes each, v differs by %.2g at most (relative)\n", spikes[0], worst);
    ck_assert_msg(worst < 1e-9, "event vs dense: %g", worst);
    ck_assert_msg(worst > 0, "event and dense round differently somewhere"); /* else the event path did not run */
    free(v[0]), free(v[1]), free(w), free(eta);
}
END_TEST

/* Found by the kernel fuzzer: a reduction inside another one must be computed first. */
START_TEST(test_nested_reductions_compile_and_compute_inner_first)
{
    static const char yaml[] = "op:\n  base: OperatorTemplate\n  equations:\n"
                               "    - \"x' = max(maxi(v)) + mean(v - mean(v)) + sum(sum(v))\"\n"
                               "  variables:\n    x: output(0.0)\n    v: 2.0\n";
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_yaml = yaml;
    s.template_ref = "m.op";
    s.n = 3;
    s.output_var = "x";
    s.dt = 0.5;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    double v[3] = {1, 2, 6}, x[3];
    long count;
    ck_assert_int_eq(rectic_net_set(net, "v", v, 3), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 1, NULL, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_get(net, "x", x, 3, &count), RECTIC_OK);
    /* max(max(v)) = 6, mean(v - 3) = 0, sum(sum(v)) = 3*9 = 27: x = 0.5*33 */
    ck_assert_double_eq(x[0], 16.5);
    ck_assert_double_eq(x[2], 16.5);
    rectic_net_free(net);
}
END_TEST

/* The rest of the public API, each function once, with its result checked. */
/* Replaces every `from` in s by `to`, which is no longer (in place). */
static void replace_all(char *s, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to);
    for (char *p = strstr(s, from); p; p = strstr(p + nt, from)) {
        memmove(p + nt, p + nf, strlen(p + nf) + 1);
        memcpy(p, to, nt);
    }
}

START_TEST(test_remaining_api_functions)
{
    rectic_net *net = small_net(4);
    ck_assert_int_eq(rectic_net_size(net), 4);
    ck_assert_str_eq(rectic_net_coupling(net), "inline");
    ck_assert_str_eq(rectic_net_backend(net), "tcc");
    ck_assert_str_eq(rectic_net_equation(net, 0), "qif_op: v' = (v^2 + eta + I_ext)/tau + k*s_in");
    ck_assert_str_eq(rectic_net_equation(net, 1), "qif_op: s' = -s/tau_s + spike");
    ck_assert_ptr_null(rectic_net_equation(net, 2));
    ck_assert_ptr_nonnull(strstr(rectic_net_source(net), "long rectic_kernel(rectic_kctx *c, long steps)"));
    char *text;
    ck_assert_int_eq(rectic_net_describe(net, &text), RECTIC_OK);
    ck_assert_ptr_nonnull(strstr(text, "operator qif_op"));
    free(text);
    ck_assert_int_eq(rectic_net_emit(net, RECTIC_BACKEND_TCC, &text), RECTIC_OK);
    ck_assert_str_eq(text, rectic_net_source(net));
    free(text);
    ck_assert_int_eq(rectic_net_standalone(net, RECTIC_FORMAT_CSV, &text), RECTIC_OK);
    ck_assert_ptr_nonnull(strstr(text, "int main(int argc, char **argv)"));
    /* the same arithmetic per neuron; the network's kernel is made for its 4 neurons (the coupling rows
       written out, spikes appended in the update loop), the program's takes any number */
    ck_assert_ptr_nonnull(strstr(rectic_net_source(net), "const long n = 4;"));
    ck_assert_ptr_nonnull(strstr(text, "const long n = c->n;"));
    ck_assert_ptr_null(strstr(text, "const long n = 4;"));
    const char *body = strstr(rectic_net_source(net), "const long in_col");
    ck_assert_ptr_nonnull(body);
    const char *from = strstr(body, "            const real spk = "), *to = strstr(body, "            s_arr[i] = s_ + dt*s_dot;\n");
    ck_assert_ptr_nonnull(from);
    ck_assert_ptr_nonnull(to);
    char *eqs = strndup(from, (size_t)(to - from)); /* the neuron's arithmetic, from the spike flag to the update */
    /* tau = tau_s = 1: the network's kernel multiplies by their reciprocals, the program (any values) divides */
    ck_assert_ptr_nonnull(strstr(eqs, "*tau_inv"));
    replace_all(eqs, "*tau_inv", "/tau_");
    replace_all(eqs, "*tau_s_inv", "/tau_s_");
    ck_assert_ptr_nonnull(strstr(text, eqs));
    free(eqs);
    free(text);
    ck_assert_int_eq(rectic_list_templates(&text), RECTIC_OK);
    ck_assert_ptr_nonnull(strstr(text, "neuron_model_templates.spiking_neurons.qif.qif\t"));
    free(text);
    volatile int flag = 1; /* set before the run: stops at the first check */
    rectic_net_cancel_flag(net, &flag);
    ck_assert_int_eq(rectic_net_run(net, 20000, NULL, 0), RECTIC_ECANCEL);
    ck_assert_int_eq(rectic_net_steps_done(net), 4096);
    rectic_net_cancel_flag(net, NULL);
    rectic_set_threads(1);
    ck_assert_int_eq(rectic_net_run(net, 10, NULL, 0), RECTIC_OK);
    rectic_timings t;
    rectic_net_timings(net, &t);
    ck_assert(t.run > 0 && t.jit > 0 && t.load > 0);
    rectic_net_free(net);
}
END_TEST

/* A large network (n >= 4096: the cc kernel's loops run on 2 threads) gives the TinyCC kernel's bits. */
START_TEST(test_threaded_cc_kernel_is_bit_identical)
{
    char *cache = fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    const long n = 5000, indeg = 20, steps = 300;
    double *coo = malloc(sizeof(double) * 3 * (size_t)(n * indeg)), *eta = malloc(sizeof(double) * (size_t)n),
           *v0 = malloc(sizeof(double) * (size_t)n);
    unsigned long long r = 12345;
    for (long k = 0; k < n * indeg; k++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        coo[3 * k] = (double)(k / indeg);
        coo[3 * k + 1] = (double)((r >> 33) % (unsigned long long)n);
        coo[3 * k + 2] = ((double)(r >> 11 & 0xffff) / 65536.0 - 0.5) * 0.4;
    }
    for (long i = 0; i < n; i++) {
        eta[i] = -1.0 + 6.0 * (double)(i % 97) / 97.0;
        v0[i] = -100.0 + 200.0 * (double)(i % 89) / 89.0;
    }
    double *vs[2];
    long spikes[2];
    for (int k = 0; k < 2; k++) {
        rectic_spec s;
        qif_spec(&s, n);
        s.weights_coo = coo;
        s.nnz = n * indeg;
        s.backend = k ? RECTIC_BACKEND_CC : RECTIC_BACKEND_TCC;
        rectic_net *net;
        ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
        ck_assert_str_eq(rectic_net_coupling(net), "sparse");
        rectic_net_threads(net, 2);
        ck_assert_int_eq(rectic_net_set(net, "eta", eta, n), RECTIC_OK);
        ck_assert_int_eq(rectic_net_set(net, "v", v0, n), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
        ck_assert_msg(rectic_net_run(net, steps, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
        long rows, cols;
        const double *d;
        const long *pairs;
        ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
        vs[k] = malloc(sizeof(double) * (size_t)(rows * cols));
        memcpy(vs[k], d, sizeof(double) * (size_t)(rows * cols));
        rectic_net_spikes(net, &spikes[k], &pairs);
        ck_assert_str_eq(rectic_net_backend(net), k ? "cc" : "tcc");
        rectic_net_free(net);
    }
    ck_assert_int_gt(spikes[0], 100);
    ck_assert_int_eq(spikes[0], spikes[1]);
    ck_assert_int_eq(memcmp(vs[0], vs[1], sizeof(double) * (size_t)(n * steps)), 0);
    free(vs[0]), free(vs[1]), free(coo), free(eta), free(v0);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("runtime");
    TCase *ref = tcase_create("reference");
    tcase_set_timeout(ref, 60);
    tcase_add_test(ref, test_qif_matches_reference);
    tcase_add_test(ref, test_float32_matches_reference);
    tcase_add_test(ref, test_threshold_equality_spikes_at_equality);
    tcase_add_test(ref, test_two_runs_continue_from_state);
    tcase_add_test(ref, test_sampling_picks_every_kth_row);
    tcase_add_test(ref, test_sampling_mean_averages_since_previous_row);
    tcase_add_test(ref, test_qif_sfa_matches_reference);
    tcase_add_test(ref, test_lif_matches_reference);
    tcase_add_test(ref, test_li_tanh_rate_node_matches_reference);
    suite_add_tcase(s, ref);
    TCase *api = tcase_create("api");
    tcase_set_timeout(api, 30);
    tcase_add_test(api, test_parameter_values_never_recompile);
    tcase_add_test(api, test_reset_restores_initial_state);
    tcase_add_test(api, test_input_callback_equals_input_array);
    tcase_add_test(api, test_progress_callback_cancels_run);
    tcase_add_test(api, test_api_errors_have_messages);
    tcase_add_test(api, test_nonfinite_state_stops_run_naming_step_and_variable);
    tcase_add_test(api, test_streamed_recordings_equal_in_memory);
    tcase_add_test(api, test_event_coupling_needs_linear_spike_driven_source);
    tcase_add_test(api, test_event_coupling_equals_the_plain_scheme);
    tcase_add_test(api, test_event_coupling_needs_one_tau_for_all_neurons);
    tcase_add_test(api, test_event_coupling_with_a_gain_matches_dense);
    tcase_add_test(api, test_nested_reductions_compile_and_compute_inner_first);
    tcase_add_test(api, test_remaining_api_functions);
    tcase_add_test(ref, test_coupling_strategies_agree);
    suite_add_tcase(s, api);
    TCase *be = tcase_create("backends");
    tcase_set_timeout(be, 120);
    tcase_add_test(be, test_cc_backend_is_bit_identical_to_tcc);
    tcase_add_test(be, test_tiered_mode_switches_and_stays_identical);
    tcase_add_test(be, test_threaded_cc_kernel_is_bit_identical);
    suite_add_tcase(s, be);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

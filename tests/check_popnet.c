/*
 * check_popnet.c -- networks of populations through the C API (rectic_net_new_network): a one-population
 * network equals the single-template network bit for bit, delayed and scalar projections read the source
 * of step n - D, contributions add in the order listed, "POP/VAR" paths, keys, inputs, per-population
 * spikes, and the errors of each.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rectic.h"
#include "testutil.h"
#include "util.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define LIF "neuron_model_templates.spiking_neurons.lif.lif"
#define N 12
#define STEPS 400
#define DT 1e-3

/* A spiking QIF population P of n units with input I_ext. */
static void add_qif(rectic_netspec *ns, const char *name, long n, double threshold)
{
    ck_assert_int_eq(rectic_netspec_population(ns, name, QIF, "qif_op", n), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(ns, name, "I_ext"), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, name, "spike", "v", threshold, -threshold), RECTIC_OK);
}

/* Options with dt and the backend. */
static rectic_spec opts(int backend)
{
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = DT;
    o.backend = backend;
    return o;
}

/* Builds the network of ns, failing the test with its message. */
static rectic_net *build(const rectic_netspec *ns, const rectic_spec *o)
{
    rectic_net *net = NULL;
    int rc = rectic_net_new_network(&net, ns, o);
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
    return net;
}

/* Asserts that recording `key` of a and `akey` of b hold the same bits. */
static void same_recording(rectic_net *a, const char *akey, rectic_net *b, const char *bkey)
{
    long ra, ca, rb, cb;
    const double *da, *db;
    ck_assert_int_eq(rectic_net_recording(a, akey, &ra, &ca, &da), RECTIC_OK);
    ck_assert_int_eq(rectic_net_recording(b, bkey, &rb, &cb, &db), RECTIC_OK);
    ck_assert_int_eq(ra, rb);
    ck_assert_int_eq(ca, cb);
    ck_assert_int_eq(memcmp(da, db, sizeof(double) * (size_t)(ra * ca)), 0);
}

/* The one-population network and the single-template network of the same QIF network, run with the same
   inputs and per-unit eta: out, v and spikes the same bits. */
static void one_population_equals_single(int backend, int coupling)
{
    double w[N * N], eta[N], in[STEPS * N];
    tu_fill(w, N * N, 8.0, 1);
    tu_fill(eta, N, 10.0, 2);
    tu_fill(in, STEPS * N, 6.0, 3);
    for (long i = 0; i < N; i++)
        eta[i] += 100.0; /* a spike every ~0.3 s */
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = QIF, s.op = "qif_op", s.n = N, s.weights = w;
    s.source_var = "s", s.target_var = "s_in", s.input_var = "I_ext", s.output_var = "s";
    s.spike_var = "spike", s.spike_def = "v", s.dt = DT, s.backend = backend, s.coupling = coupling;
    rectic_net *one = NULL;
    ck_assert_msg(rectic_net_new(&one, &s) == RECTIC_OK, "%s", rectic_errmsg(one));
    ck_assert_int_eq(rectic_net_set(one, "eta", eta, N), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(one, "v"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(one, STEPS, in, N), RECTIC_OK);

    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    add_qif(ns, "P", N, 100);
    ck_assert_int_eq(rectic_netspec_set(ns, "P/eta", eta, N), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(ns, "P/s", "P/s_in", w, N, N, 0), RECTIC_OK);
    rectic_spec o = opts(backend);
    o.coupling = coupling;
    rectic_net *net = build(ns, &o);
    ck_assert_int_eq(rectic_net_n_populations(net), 1);
    ck_assert_str_eq(rectic_net_population(net, 0), "P");
    ck_assert_str_eq(rectic_net_projection_coupling(net, 0), rectic_net_coupling(one));
    ck_assert_int_eq(rectic_net_record_as(net, "P/s", "out"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(net, "P/v", "v"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_input(net, "P", in, STEPS, N), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, STEPS, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    same_recording(one, "out", net, "out");
    same_recording(one, "v", net, "v");
    long c1, c2;
    const long *p1, *p2;
    ck_assert_int_eq(rectic_net_spikes(one, &c1, &p1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_population_spikes(net, "P", &c2, &p2), RECTIC_OK);
    ck_assert_int_gt(c1, 10);
    ck_assert_int_eq(c1, c2);
    ck_assert_int_eq(memcmp(p1, p2, sizeof(long) * 2 * (size_t)c1), 0);
    rectic_net_free(net);
    rectic_net_free(one);
    rectic_netspec_free(ns);
}

START_TEST(test_one_population_network_equals_the_single_template_network_tcc)
{
    one_population_equals_single(RECTIC_BACKEND_TCC, RECTIC_COUPLING_AUTO);
}
END_TEST

START_TEST(test_one_population_network_equals_the_single_template_network_event)
{
    one_population_equals_single(RECTIC_BACKEND_TCC, RECTIC_COUPLING_EVENT); /* the same event updates, in order */
}
END_TEST

START_TEST(test_one_population_network_equals_the_single_template_network_cc)
{
    one_population_equals_single(RECTIC_BACKEND_CC, RECTIC_COUPLING_AUTO);
}
END_TEST

/* A netspec with A (QIF, 5 units, input I_ext) and B (LIF, 4 units, threshold 1, reset 0, eta_b). */
static rectic_netspec *a_and_b(double eta_b)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    add_qif(ns, "A", 5, 100);
    ck_assert_int_eq(rectic_netspec_population(ns, "B", LIF, "lif_op", 4), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "B", "spike", "v", 1.0, 0.0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_set(ns, "B/eta", &eta_b, 1), RECTIC_OK);
    return ns;
}

/* A (QIF, 5 units, driven) and B (LIF, 4 units): A/s -> B/s_in dense with delay 0.0025 (2 steps: ties to
   even) and scalar 0.7 without delay, B/s -> A/s_in scalar -0.3 with delay 0.003 (3 steps). */
static rectic_netspec *two_pops(const double *w_ba)
{
    rectic_netspec *ns = a_and_b(3.0);
    ck_assert_int_eq(rectic_netspec_dense(ns, "A/s", "B/s_in", w_ba, 4, 5, 0.0025), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "A/s", "B/s_in", 0.7, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "B/s", "A/s_in", -0.3, 0.003), RECTIC_OK);
    return ns;
}

/* The recording `key` of net (rows x cols). */
static const double *rec(rectic_net *net, const char *key, long rows, long cols)
{
    long r, c;
    const double *d;
    ck_assert_msg(rectic_net_recording(net, key, &r, &c, &d) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(r, rows);
    ck_assert_int_eq(c, cols);
    return d;
}

/* The weights of two_pops' dense projection (4 x 5) and STEPS rows of input to A that make it spike every
   ~0.25 s. */
static void two_pops_data(double *w, double *in)
{
    tu_fill(w, 20, 6.0, 7);
    tu_fill(in, STEPS * 5, 40.0, 8);
    for (long k = 0; k < STEPS * 5; k++)
        in[k] += 150.0;
}

START_TEST(test_delayed_and_scalar_projections_read_the_source_of_step_n_minus_d)
{
    double w[20], in[STEPS * 5];
    two_pops_data(w, in);
    rectic_netspec *ns = two_pops(w);
    rectic_spec o = opts(RECTIC_BACKEND_TCC);
    rectic_net *net = build(ns, &o);
    ck_assert_int_eq(rectic_net_projection_delay(net, 0), 2);
    ck_assert_int_eq(rectic_net_projection_delay(net, 1), 0);
    ck_assert_int_eq(rectic_net_projection_delay(net, 2), 3);
    ck_assert_str_eq(rectic_net_projection_coupling(net, 1), "scalar");
    ck_assert_int_eq(rectic_net_size(net), 9);
    ck_assert_int_eq(rectic_net_record_as(net, "A/s", "As"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(net, "B/s", "Bs"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(net, "B/s_in", "Bin"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "A/qif_op/s_in"), RECTIC_OK); /* key A_qif_op_s_in */
    const long unit4 = 4, unit2 = 2;
    ck_assert_int_eq(rectic_net_record_subset(net, "B/s", "Bs9", &unit4, 1), RECTIC_EINVAL); /* B has units 0..3 */
    ck_assert_int_eq(rectic_net_record_subset(net, "B/s", "Bs2", &unit2, 1), RECTIC_OK);   /* one column, written */
    ck_assert_int_eq(rectic_net_input(net, "A", in, STEPS, 5), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, STEPS, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    const double *as = rec(net, "As", STEPS, 5), *bs = rec(net, "Bs", STEPS, 4);
    char dir[] = "/tmp/check_popnet_unit.XXXXXX", file[64], line[128];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_msg(rectic_net_write(net, dir, RECTIC_FORMAT_CSV) == RECTIC_OK, "%s", rectic_errmsg(net));
    snprintf(file, sizeof file, "%s/Bs9.csv", dir);
    ck_assert_int_ne(access(file, F_OK), 0);
    snprintf(file, sizeof file, "%s/Bs2.csv", dir);
    FILE *f = fopen(file, "r");
    ck_assert_ptr_nonnull(f);
    long rows = 0;
    for (; fgets(line, sizeof line, f); rows++) {
        ck_assert_ptr_null(strchr(line, ','));
        ck_assert_msg(strtod(line, NULL) == bs[rows * 4 + 2], "Bs2.csv row %ld: %s, want %.17g", rows, line, bs[rows * 4 + 2]);
    }
    fclose(f);
    ck_assert_int_eq(rows, STEPS);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    const double *bin = rec(net, "Bin", STEPS, 4), *ain = rec(net, "A_qif_op_s_in", STEPS, 5);
    long spikes_a, spikes_b;
    const long *pairs;
    ck_assert_int_eq(rectic_net_population_spikes(net, "A", &spikes_a, &pairs), RECTIC_OK);
    ck_assert_int_eq(rectic_net_population_spikes(net, "B", &spikes_b, &pairs), RECTIC_OK);
    ck_assert_int_gt(spikes_a, 5); /* both populations spike: the sources are not all zero */
    ck_assert_int_gt(spikes_b, 5);
    for (long k = 0; k < spikes_b; k++)
        ck_assert(pairs[2 * k + 1] >= 0 && pairs[2 * k + 1] < 4);
    for (long n = 0; n < STEPS; n++) {
        for (long i = 0; i < 4; i++) {
            double c1 = 0, sum = 0;
            for (long j = 0; n >= 2 && j < 5; j++)
                c1 += w[i * 5 + j] * as[(n - 2) * 5 + j];
            for (long j = 0; j < 5; j++)
                sum += as[n * 5 + j];
            double want = c1 + 0.7 * sum;
            ck_assert_msg(memcmp(&bin[n * 4 + i], &want, sizeof want) == 0, "B/s_in step %ld unit %ld: %.17g, want %.17g",
                          n, i, bin[n * 4 + i], want);
        }
        double sum = 0;
        for (long j = 0; n >= 3 && j < 4; j++)
            sum += bs[(n - 3) * 4 + j];
        double want = 0.0 + -0.3 * sum;
        for (long i = 0; i < 5; i++)
            ck_assert_msg(memcmp(&ain[n * 5 + i], &want, sizeof want) == 0, "A/s_in step %ld: %.17g, want %.17g", n,
                          ain[n * 5 + i], want);
    }
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

static void fails_with(rectic_net *net, int rc, const char *part);

/* The largest difference between recordings `key` of a and b relative to the largest value of a. */
static double rel_diff(rectic_net *a, rectic_net *b, const char *key, long rows, long cols)
{
    const double *x = rec(a, key, rows, cols), *y = rec(b, key, rows, cols);
    double d = 0, m = 0;
    for (long i = 0; i < rows * cols; i++) {
        d = fmax(d, fabs(x[i] - y[i]));
        m = fmax(m, fabs(x[i]));
    }
    return d / m;
}

START_TEST(test_event_driven_projections_equal_sparse_ones_up_to_rounding)
{
    double w[20], in[STEPS * 5];
    two_pops_data(w, in);
    rectic_netspec *ns = two_pops(w);
    rectic_net *nets[2];
    for (int e = 0; e < 2; e++) {
        rectic_spec o = opts(RECTIC_BACKEND_TCC);
        o.coupling = e ? RECTIC_COUPLING_EVENT : RECTIC_COUPLING_SPARSE;
        nets[e] = build(ns, &o);
        ck_assert_int_eq(rectic_net_record_as(nets[e], "A/v", "Av"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_as(nets[e], "B/v", "Bv"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_input(nets[e], "A", in, STEPS, 5), RECTIC_OK);
        ck_assert_msg(rectic_net_run(nets[e], STEPS, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(nets[e]));
    }
    /* A -> B with a delay stays sparse (named in a warning); A -> B scalar stays scalar; none else is matrix */
    ck_assert_str_eq(rectic_net_projection_coupling(nets[1], 0), "sparse");
    ck_assert_int_eq(rectic_net_warning_count(nets[1]), 1);
    ck_assert_ptr_nonnull(strstr(rectic_net_warning(nets[1], 0), "A/s -> B/s_in is not event-driven (it has a delay)"));
    rectic_netspec_free(ns);
    for (int e = 0; e < 2; e++)
        rectic_net_free(nets[e]);

    /* without the delay: event-driven, and the same numbers up to rounding, the same spikes */
    ns = a_and_b(30.0);
    double w_ab[20];
    tu_fill(w_ab, 20, 0.4, 9);
    ck_assert_int_eq(rectic_netspec_dense(ns, "A/s", "B/s_in", w, 4, 5, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(ns, "B/s", "A/s_in", w_ab, 5, 4, 0), RECTIC_OK);
    for (int e = 0; e < 2; e++) {
        rectic_spec o = opts(RECTIC_BACKEND_TCC);
        o.coupling = e ? RECTIC_COUPLING_EVENT : RECTIC_COUPLING_SPARSE;
        nets[e] = build(ns, &o);
        ck_assert_str_eq(rectic_net_projection_coupling(nets[e], 1), e ? "event" : "sparse");
        ck_assert_int_eq(rectic_net_record_as(nets[e], "A/v", "Av"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_as(nets[e], "B/s_in", "Bin"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_input(nets[e], "A", in, STEPS, 5), RECTIC_OK);
        ck_assert_msg(rectic_net_run(nets[e], STEPS, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(nets[e]));
    }
    ck_assert_double_lt(rel_diff(nets[0], nets[1], "Bin", STEPS, 4), 1e-12);
    ck_assert_double_lt(rel_diff(nets[0], nets[1], "Av", STEPS, 5), 1e-9);
    ck_assert_double_gt(rel_diff(nets[0], nets[1], "Bin", STEPS, 4), 0); /* a different order of sums */
    for (int p = 0; p < 2; p++) {
        long c0, c1;
        const long *p0, *p1;
        ck_assert_int_eq(rectic_net_population_spikes(nets[0], p ? "B" : "A", &c0, &p0), RECTIC_OK);
        ck_assert_int_eq(rectic_net_population_spikes(nets[1], p ? "B" : "A", &c1, &p1), RECTIC_OK);
        ck_assert_int_gt(c0, 5);
        ck_assert_int_eq(c0, c1);
        ck_assert_int_eq(memcmp(p0, p1, sizeof(long) * 2 * (size_t)c0), 0);
    }
    double tau[5] = {0.5, 0.6, 0.5, 0.5, 0.5};
    ck_assert_int_eq(rectic_net_set(nets[1], "A/tau_s", tau, 5), RECTIC_OK);
    fails_with(nets[1], rectic_net_run(nets[1], 5, NULL, 0), "needs one value of 'tau_s' for all units of A");
    for (int e = 0; e < 2; e++)
        rectic_net_free(nets[e]);
    rectic_netspec_free(ns);
}
END_TEST

/* A network of A (QIF, 5) and B (LIF, 4) from a network file in dir whose weights are files: A -> B dense
   (a float64 .npy), B -> A COO (CSV, unsorted, a duplicate) and A -> A dense CSV; and the same network from
   arrays.  Both run with `coupling` and the same inputs: the recordings must be the same bits. */
static void file_weights_equal_arrays(int coupling, int dtype)
{
    double w_ba[20], w_aa[25], in[STEPS * 5];
    tu_fill(w_ba, 20, 6.0, 11);
    tu_fill(w_aa, 25, 3.0, 12);
    tu_fill(in, STEPS * 5, 40.0, 13);
    for (long k = 0; k < STEPS * 5; k++)
        in[k] += 150.0;
    static const double coo_ab[] = {4, 3, 0.5, 0, 1, -0.25, 2, 0, 1.5, 0, 1, 0.125, 1, 2, -2.0};
    char *dir = tu_tmpdir(), *npy = tu_write_npy(dir, "w_ba.npy", w_ba, 4, 5);
    rct_buf aa;
    rct_buf_init(&aa);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            rct_buf_printf(&aa, "%.17g%s", w_aa[i * 5 + j], j < 4 ? "," : "\n");
    free(tu_write(dir, "w_aa.csv", aa.s));
    rct_buf_free(&aa);
    free(tu_write(dir, "coo_ab.csv", "4,3,0.5\n0,1,-0.25\n2,0,1.5\n0,1,0.125\n1,2,-2.0\n"));
    char *yaml = tu_write(dir, "net.yaml",
        "populations:\n"
        "  A: {template: " QIF ", op: qif_op, n: 5, input: I_ext, spike: {var: spike, def: v}}\n"
        "  B: {template: " LIF ", op: lif_op, n: 4, spike: {var: spike, def: v, threshold: 1, reset: 0},\n"
        "      set: {eta: 30}}\n"
        "projections:\n"
        "  - {source: A/s, target: B/s_in, weights: w_ba.npy}\n"
        "  - {source: B/s, target: A/s_in, weights-coo: coo_ab.csv}\n"
        "  - {source: A/s, target: A/s_in, weights: w_aa.csv}\n");
    rectic_netspec *from_file = NULL, *from_arrays;
    ck_assert_msg(rectic_netspec_load(&from_file, yaml) == RECTIC_OK, "%s", rectic_netspec_errmsg(from_file));
    ck_assert_str_eq(rectic_netspec_proj_file(from_file, 0), npy);
    from_arrays = a_and_b(30.0);
    ck_assert_int_eq(rectic_netspec_dense(from_arrays, "A/s", "B/s_in", w_ba, 4, 5, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_coo(from_arrays, "B/s", "A/s_in", coo_ab, 5, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(from_arrays, "A/s", "A/s_in", w_aa, 5, 5, 0), RECTIC_OK);
    rectic_net *nets[2];
    const rectic_netspec *specs[2] = {from_file, from_arrays};
    for (int k = 0; k < 2; k++) {
        rectic_spec o = opts(RECTIC_BACKEND_TCC);
        o.coupling = coupling;
        o.dtype = dtype;
        nets[k] = build(specs[k], &o);
        ck_assert_int_eq(rectic_net_record_as(nets[k], "A/v", "Av"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_as(nets[k], "B/v", "Bv"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_as(nets[k], "A/s_in", "Ain"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_input(nets[k], "A", in, STEPS, 5), RECTIC_OK);
        ck_assert_msg(rectic_net_run(nets[k], STEPS, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(nets[k]));
        for (int j = 0; j < 3; j++)
            ck_assert_str_eq(rectic_net_projection_coupling(nets[0], j), rectic_net_projection_coupling(nets[k], j));
    }
    const char *mode = rectic_net_projection_coupling(nets[0], 0); /* a matrix the kernel reads as it is stored */
    int in_place = (!strcmp(mode, "dense") || !strcmp(mode, "inline")) && dtype == RECTIC_FLOAT64;
    ck_assert_msg(tu_mapped(npy) == in_place, "%s is %smapped", npy, in_place ? "not " : "");
    same_recording(nets[0], "Av", nets[1], "Av");
    same_recording(nets[0], "Bv", nets[1], "Bv");
    same_recording(nets[0], "Ain", nets[1], "Ain");
    for (int k = 0; k < 2; k++)
        rectic_net_free(nets[k]);
    ck_assert(!tu_mapped(npy));
    rectic_netspec_free(from_file);
    rectic_netspec_free(from_arrays);
    tu_rmtree(dir);
    free(dir);
    free(npy);
    free(yaml);
}

START_TEST(test_weights_read_from_files_equal_weights_given_as_arrays)
{
    const int couplings[] = {RECTIC_COUPLING_AUTO, RECTIC_COUPLING_DENSE, RECTIC_COUPLING_INLINE,
                             RECTIC_COUPLING_SPARSE, RECTIC_COUPLING_EVENT};
    for (int c = 0; c < 5; c++)
        file_weights_equal_arrays(couplings[c], RECTIC_FLOAT64);
    file_weights_equal_arrays(RECTIC_COUPLING_DENSE, RECTIC_FLOAT32);
    file_weights_equal_arrays(RECTIC_COUPLING_SPARSE, RECTIC_FLOAT32);
}
END_TEST

/* The output averaged by --sampling-mode mean: row 0 is step 0, row r the mean of the steps since row r-1,
   whichever population the output belongs to (the first, or a later one). */
START_TEST(test_sampling_mean_averages_the_output_of_any_population)
{
    double w[20], in[STEPS * 5];
    two_pops_data(w, in);
    rectic_netspec *ns = two_pops(w);
    static const char *const outputs[2] = {"A/s", "B/s"};
    const long every = 10, rows = STEPS / every, units[2] = {5, 4};
    for (int p = 0; p < 2; p++) {
        rectic_spec o = opts(RECTIC_BACKEND_TCC);
        rectic_net *all = build(ns, &o), *mean = build(ns, &o);
        ck_assert_int_eq(rectic_net_record_as(all, outputs[p], "s"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_as(mean, outputs[p], "out"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_sampling(mean, every, RECTIC_SAMPLE_MEAN, 0), RECTIC_OK);
        for (int k = 0; k < 2; k++) {
            rectic_net *net = k ? mean : all;
            ck_assert_int_eq(rectic_net_input(net, "A", in, STEPS, 5), RECTIC_OK);
            ck_assert_msg(rectic_net_run(net, STEPS, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
        }
        const long n = units[p];
        const double *s = rec(all, "s", STEPS, n), *out = rec(mean, "out", rows, n);
        int differs = 0; /* a mean that is not the step's own value: picking would fail */
        for (long r = 0; r < rows; r++)
            for (long i = 0; i < n; i++) {
                double sum = 0;
                long from = r ? (r - 1) * every + 1 : 0, to = r * every;
                for (long t = from; t <= to; t++)
                    sum += s[t * n + i];
                double want = sum / (double)(to - from + 1);
                differs |= fabs(want - s[to * n + i]) > 1e-9;
                ck_assert_msg(fabs(out[r * n + i] - want) <= 1e-12 * fmax(1, fabs(want)),
                              "%s row %ld unit %ld: %.17g, want the mean %.17g", outputs[p], r, i, out[r * n + i], want);
            }
        ck_assert(differs);
        rectic_net_free(all);
        rectic_net_free(mean);
    }
    rectic_netspec_free(ns);
}
END_TEST

/* Asserts that rc is an error whose message holds `part`. */
static void fails_with(rectic_net *net, int rc, const char *part)
{
    ck_assert_int_ne(rc, RECTIC_OK);
    ck_assert_msg(strstr(rectic_errmsg(net), part) != NULL, "'%s' lacks '%s'", rectic_errmsg(net), part);
}

START_TEST(test_population_paths_keys_and_inputs_are_checked)
{
    double w[20] = {0}, in[100] = {0}, x = 1;
    rectic_netspec *ns = two_pops(w);
    rectic_spec o = opts(RECTIC_BACKEND_TCC);
    rectic_net *net = build(ns, &o);
    fails_with(net, rectic_net_set(net, "X/eta", &x, 1), "unknown population 'X' (the network has: A, B)");
    fails_with(net, rectic_net_set(net, "eta", &x, 1), "expected POP/VAR or POP/OP/VAR");
    fails_with(net, rectic_net_set(net, "A/nope", &x, 1), "population A:");
    fails_with(net, rectic_net_record_as(net, "A/v", "a b"), "must be letters, digits");
    fails_with(net, rectic_net_record_as(net, "A/v", "time"), "reserved");
    ck_assert_int_eq(rectic_net_record_as(net, "A/v", "v"), RECTIC_OK);
    fails_with(net, rectic_net_record_as(net, "B/v", "v"), "taken");
    ck_assert_int_eq(rectic_net_record_as(net, "B/v", "out"), RECTIC_OK);
    fails_with(net, rectic_net_record_as(net, "A/s", "out"), "taken");
    fails_with(net, rectic_net_input(net, "A", in, 20, 3), "3 columns, expected 5");
    fails_with(net, rectic_net_input(net, "B", in, 20, 1), "no input variable");
    fails_with(net, rectic_net_input(net, "C", in, 20, 1), "unknown population 'C'");
    ck_assert_int_eq(rectic_net_input(net, "A", in, 20, 1), RECTIC_OK);
    fails_with(net, rectic_net_run(net, 21, NULL, 0), "population A: its input has 20 rows, the run 21 steps");
    fails_with(net, rectic_net_run(net, 5, in, 1), "rectic_net_input");
    ck_assert_int_eq(rectic_net_set(net, "A/eta", &x, 1), RECTIC_OK);
    double five[5] = {1, 2, 3, 4, 5}, got[5];
    long count;
    ck_assert_int_eq(rectic_net_set(net, "A/qif_op/eta", five, 5), RECTIC_OK); /* per unit: a new kernel */
    ck_assert_int_eq(rectic_net_get(net, "A/eta", got, 5, &count), RECTIC_OK);
    ck_assert_int_eq(count, 5);
    ck_assert_double_eq(got[4], 5);
    ck_assert_int_eq(rectic_net_run(net, 20, NULL, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_compilations(net), 2);
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows * 100 + cols, 2004); /* B/v: 20 rows of 4 */
    long spikes;
    const long *pairs;
    fails_with(net, rectic_net_spikes(net, &spikes, &pairs), "rectic_net_population_spikes");
    fails_with(net, rectic_net_population_spikes(net, "Z", &spikes, &pairs), "unknown population 'Z'");
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

/* Library messages name spec fields and calls, never command-line flags (the CLI adds those), and a path's
   message names its population once, without the population's own call. */
START_TEST(test_messages_name_spec_fields_and_calls_not_flags)
{
    double w[20] = {0}, x = 1;
    rectic_netspec *ns = two_pops(w);
    rectic_spec o = opts(RECTIC_BACKEND_TCC);
    rectic_net *net = build(ns, &o);
    fails_with(net, rectic_net_record_as(net, "A/zz", NULL), "population A: no variable 'zz' in the model");
    ck_assert_ptr_null(strstr(rectic_errmsg(net), "--"));
    fails_with(net, rectic_net_set(net, "B/zz", &x, 1), "population B: no variable 'zz'");
    ck_assert_ptr_null(strstr(rectic_errmsg(net), "rectic_net_set"));
    fails_with(net, rectic_net_record_as(net, "A/spike", NULL), "use rectic_net_record_spikes");
    ck_assert_ptr_null(strstr(rectic_errmsg(net), "--"));
    fails_with(net, rectic_net_sampling(net, 0, RECTIC_SAMPLE_PICK, 0), "rectic_net_sampling: sampling_steps: ");
    rectic_net_free(net);
    o.dt = -1;
    fails_with(net, rectic_net_new_network(&net, ns, &o), "dt: the step size must be a positive number");
    ck_assert_ptr_null(strstr(rectic_errmsg(net), "--"));
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

START_TEST(test_network_errors_name_the_population_and_projection)
{
    double w[20] = {0};
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    add_qif(ns, "A", 5, 100);
    ck_assert_int_eq(rectic_netspec_population(ns, "B", LIF, "lif_op", 4), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(ns, "A/s", "B/v", w, 4, 5, 0), RECTIC_OK);
    rectic_spec o = opts(RECTIC_BACKEND_TCC);
    rectic_net *net = NULL;
    fails_with(net, rectic_net_new_network(&net, ns, &o), "population B:");
    ck_assert_msg(strstr(rectic_errmsg(net), "'lif_op/v' must be an input") != NULL, "%s", rectic_errmsg(net));
    rectic_net_free(net);
    rectic_netspec_free(ns);

    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    add_qif(ns, "A", 5, 100);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "A/spike", "A/s_in", 1, 0), RECTIC_OK);
    fails_with(net, rectic_net_new_network(&net, ns, &o), "projection source 'qif_op/spike' must be a state or algebraic variable");
    rectic_net_free(net);
    o.backend = RECTIC_BACKEND_NVRTC; /* the spec is checked before any device is looked for */
    fails_with(net, rectic_net_new_network(&net, ns, &o), "must be a state or algebraic variable");
    rectic_net_free(net);
    o = opts(RECTIC_BACKEND_TCC);
    o.template_ref = QIF;
    fails_with(net, rectic_net_new_network(&net, ns, &o), "leave those fields");
    rectic_net_free(net);
    rectic_netspec_free(ns);

    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "A", "no_such.file.tpl", NULL, 3), RECTIC_OK);
    o = opts(RECTIC_BACKEND_TCC);
    fails_with(net, rectic_net_new_network(&net, ns, &o), "no_such");
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

START_TEST(test_non_finite_state_stops_at_the_same_step_as_one_template)
{
    double big = 1e150, w = 0;
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = QIF, s.op = "qif_op", s.n = 1, s.weights = &w, s.source_var = "s", s.target_var = "s_in";
    s.output_var = "v", s.dt = DT;
    rectic_net *one = NULL;
    ck_assert_int_eq(rectic_net_new(&one, &s), RECTIC_OK);
    ck_assert_int_eq(rectic_net_set(one, "eta", &big, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(one, 5000, NULL, 0), RECTIC_ENUMERIC);

    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "Q", QIF, "qif_op", 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_set(ns, "Q/eta", &big, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(ns, "Q/s", "Q/s_in", &w, 1, 1, 0), RECTIC_OK);
    rectic_spec o = opts(RECTIC_BACKEND_TCC);
    rectic_net *net = build(ns, &o);
    ck_assert_int_eq(rectic_net_record_as(net, "Q/v", "out"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 5000, NULL, 0), RECTIC_ENUMERIC);
    char want[1200];
    snprintf(want, sizeof want, "population Q: %s", rectic_errmsg(one));
    ck_assert_str_eq(rectic_errmsg(net), want);
    ck_assert_int_eq(rectic_net_steps_done(net), rectic_net_steps_done(one));
    same_recording(one, "out", net, "out");
    rectic_net_free(net);
    rectic_net_free(one);
    rectic_netspec_free(ns);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("popnet");
    TCase *tc = tcase_create("networks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_one_population_network_equals_the_single_template_network_tcc);
    tcase_add_test(tc, test_one_population_network_equals_the_single_template_network_cc);
    tcase_add_test(tc, test_one_population_network_equals_the_single_template_network_event);
    tcase_add_test(tc, test_delayed_and_scalar_projections_read_the_source_of_step_n_minus_d);
    tcase_add_test(tc, test_event_driven_projections_equal_sparse_ones_up_to_rounding);
    tcase_add_test(tc, test_weights_read_from_files_equal_weights_given_as_arrays);
    tcase_add_test(tc, test_sampling_mean_averages_the_output_of_any_population);
    tcase_add_test(tc, test_population_paths_keys_and_inputs_are_checked);
    tcase_add_test(tc, test_network_errors_name_the_population_and_projection);
    tcase_add_test(tc, test_messages_name_spec_fields_and_calls_not_flags);
    tcase_add_test(tc, test_non_finite_state_stops_at_the_same_step_as_one_template);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

/*
 * check_record.c -- recording subsets (rectic_net_record_subset, rectic_net_record_spikes): a subset holds
 * the columns of the whole recording at its indices bit for bit (state, algebraic, coupling, input and
 * parameter values; the output picked and averaged), spikes of a subset are the whole run's pairs of those
 * neurons, streamed recordings and written files agree, networks of populations take them per population,
 * and bad subsets are refused with messages.
 */
#include <math.h>

#include "rectic.h"
#include "testutil.h"
#include "gpu/mock_cuda.h"
#include "tu_spec.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define N 9
#define STEPS 700

/* A spiking QIF network of N neurons with coupling, eta per neuron and a per-neuron input. */
static rectic_net *qif_net(int backend)
{
    static double w[N * N];
    for (int i = 0; i < N * N; i++)
        w[i] = 0.4 * (double)((i * 5) % 7) - 1.0;
    rectic_spec s;
    tu_qif_spec(&s, N);
    s.weights = w;
    s.backend = backend;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    double eta[N], v0[N];
    for (int i = 0; i < N; i++)
        eta[i] = 300.0 + 200.0 * i, v0[i] = -60.0 + 15.0 * i;
    ck_assert_int_eq(rectic_net_set(net, "eta", eta, N), RECTIC_OK);
    ck_assert_int_eq(rectic_net_set(net, "v", v0, N), RECTIC_OK);
    return net;
}

/* The inputs of the runs: STEPS x N. */
static double *inputs(void)
{
    double *in = malloc(sizeof(double) * STEPS * N);
    for (long t = 0; t < STEPS; t++)
        for (int i = 0; i < N; i++)
            in[t * N + i] = 4.0 + 3.0 * sin(0.01 * (double)t * (i + 1));
    return in;
}

/* A copy of recording key of net (rows x cols). */
static double *take(rectic_net *net, const char *key, long *rows, long *cols)
{
    const double *d;
    ck_assert_msg(rectic_net_recording(net, key, rows, cols, &d) == RECTIC_OK, "%s", rectic_errmsg(net));
    double *copy = malloc(sizeof(double) * (size_t)(*rows * *cols) + 1);
    memcpy(copy, d, sizeof(double) * (size_t)(*rows * *cols));
    return copy;
}

/* Asserts that sub (rows x count) holds the columns idx of whole (rows x N), bit for bit. */
static void same_columns(const double *whole, const double *sub, long rows, const long *idx, long count, const char *what)
{
    for (long r = 0; r < rows; r++)
        for (long j = 0; j < count; j++)
            ck_assert_msg(memcmp(&sub[r * count + j], &whole[r * N + idx[j]], sizeof(double)) == 0,
                          "%s: row %ld column %ld (neuron %ld): %.17g, the whole recording has %.17g", what, r, j,
                          idx[j], sub[r * count + j], whole[r * N + idx[j]]);
}

static const long pick[3] = {7, 2, 5}; /* out of order on purpose */

/* Records every kind of value whole and as a subset in one run, with the sampling given. */
static void check_kinds(long every, int mode, long cutoff)
{
    const char *vars[] = {"v", "qif_op/s_in", "I_ext", "eta", "tau"}; /* state, coupling, input, parameters */
    rectic_net *net = qif_net(RECTIC_BACKEND_TCC);
    char key[32];
    for (int k = 0; k < 5; k++) {
        ck_assert_int_eq(rectic_net_record(net, vars[k]), RECTIC_OK);
        snprintf(key, sizeof key, "sub%d", k);
        ck_assert_msg(rectic_net_record_subset(net, vars[k], key, pick, 3) == RECTIC_OK, "%s", rectic_errmsg(net));
    }
    ck_assert_int_eq(rectic_net_sampling(net, every, mode, cutoff), RECTIC_OK);
    double *in = inputs();
    ck_assert_msg(rectic_net_run(net, STEPS, in, N) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols, srows, scols;
    for (int k = 0; k < 5; k++) {
        double *whole = take(net, k == 1 ? "qif_op/s_in" : vars[k], &rows, &cols);
        snprintf(key, sizeof key, "sub%d", k);
        double *sub = take(net, key, &srows, &scols);
        ck_assert_int_eq(cols, N);
        ck_assert_int_eq(scols, 3);
        ck_assert_int_eq(srows, rows);
        ck_assert_int_gt(rows, 10);
        same_columns(whole, sub, rows, pick, 3, vars[k]);
        free(whole), free(sub);
    }
    rectic_net_free(net);
    /* the output: whole in one run, a subset in another (picked or averaged the same way) */
    double *outs[2];
    for (int k = 0; k < 2; k++) {
        net = qif_net(RECTIC_BACKEND_TCC);
        if (k)
            ck_assert_int_eq(rectic_net_record_subset(net, "out", NULL, pick, 3), RECTIC_OK);
        ck_assert_int_eq(rectic_net_sampling(net, every, mode, cutoff), RECTIC_OK);
        ck_assert_int_eq(rectic_net_run(net, STEPS, in, N), RECTIC_OK);
        outs[k] = take(net, "out", &rows, &cols);
        ck_assert_int_eq(cols, k ? 3 : N);
        rectic_net_free(net);
    }
    same_columns(outs[0], outs[1], rows, pick, 3, "out");
    free(outs[0]), free(outs[1]), free(in);
}

START_TEST(test_subset_columns_equal_the_whole_recording)
{
    check_kinds(1, RECTIC_SAMPLE_PICK, 0);
}
END_TEST

START_TEST(test_subset_columns_equal_the_whole_recording_sampled)
{
    check_kinds(3, RECTIC_SAMPLE_PICK, 10);
    check_kinds(4, RECTIC_SAMPLE_MEAN, 5);
}
END_TEST

/* The spikes of the whole run kept for the neurons in mask. */
static long filtered(const long *pairs, long count, const int *mask, long *out)
{
    long kept = 0;
    for (long k = 0; k < count; k++)
        if (mask[pairs[2 * k + 1]]) {
            out[2 * kept] = pairs[2 * k];
            out[2 * kept + 1] = pairs[2 * k + 1];
            kept++;
        }
    return kept;
}

START_TEST(test_spikes_of_a_subset_are_the_whole_runs_spikes_of_it)
{
    double *in = inputs();
    rectic_net *whole = qif_net(RECTIC_BACKEND_TCC), *sub = qif_net(RECTIC_BACKEND_TCC);
    ck_assert_int_eq(rectic_net_record_spikes(sub, NULL, pick, 3), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(whole, STEPS, in, N), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(sub, STEPS, in, N), RECTIC_OK);
    long nw, ns;
    const long *pw, *ps;
    ck_assert_int_eq(rectic_net_spikes(whole, &nw, &pw), RECTIC_OK);
    ck_assert_int_eq(rectic_net_spikes(sub, &ns, &ps), RECTIC_OK);
    int mask[N] = {0};
    for (int j = 0; j < 3; j++)
        mask[pick[j]] = 1;
    long *exp = malloc(sizeof(long) * 2 * (size_t)nw + 1);
    long ne = filtered(pw, nw, mask, exp);
    ck_assert_int_gt(ne, 10);
    ck_assert_int_lt(ne, nw);
    ck_assert_int_eq(ns, ne);
    ck_assert_int_eq(memcmp(ps, exp, sizeof(long) * 2 * (size_t)ne), 0);
    /* a second run with the subset lifted keeps every spike again */
    ck_assert_int_eq(rectic_net_record_spikes(sub, "", NULL, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_net_reset(sub), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(sub, STEPS, in, N), RECTIC_OK);
    ck_assert_int_eq(rectic_net_spikes(sub, &ns, &ps), RECTIC_OK);
    ck_assert_int_eq(ns, nw);
    rectic_net_free(whole), rectic_net_free(sub);
    free(exp), free(in);
}
END_TEST

/* Recordings and spikes larger than the memory limit stream to disk; the files written equal the run kept in
   memory. */
START_TEST(test_streamed_subsets_write_the_same_files)
{
    double *in = inputs();
    char *dirs[2] = {tu_tmpdir(), tu_tmpdir()};
    for (int k = 0; k < 2; k++) {
        rectic_net *net = qif_net(RECTIC_BACKEND_TCC);
        ck_assert_int_eq(rectic_net_record_subset(net, "v", "vsub", pick, 3), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_subset(net, "out", NULL, pick + 1, 2), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_spikes(net, NULL, pick, 2), RECTIC_OK);
        if (k)
            rectic_net_max_memory(net, 2000); /* a few rows per chunk, spikes to disk too */
        ck_assert_int_eq(rectic_net_run(net, STEPS, in, N), RECTIC_OK);
        ck_assert_int_eq(rectic_net_streamed(net), k);
        ck_assert_int_eq(rectic_net_write(net, dirs[k], RECTIC_FORMAT_NPY), RECTIC_OK);
        rectic_net_free(net);
    }
    const char *files[] = {"vsub.npy", "out.npy", "spikes.npy", "time.npy"};
    long cols_expected[] = {3, 2, 2, 1};
    for (int f = 0; f < 4; f++) {
        double *d[2];
        long rows[2], cols[2];
        char path[4300];
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof path, "%s/%s", dirs[k], files[f]);
            ck_assert_msg(rectic_read_matrix(path, &d[k], &rows[k], &cols[k]) == RECTIC_OK, "%s", rectic_last_error());
        }
        ck_assert_int_eq(rows[0], rows[1]);
        ck_assert_int_eq(cols[0], cols[1]);
        if (f < 3)
            ck_assert_int_eq(cols[0], cols_expected[f]);
        ck_assert_int_gt(rows[0], 0);
        ck_assert_int_eq(memcmp(d[0], d[1], sizeof(double) * (size_t)(rows[0] * cols[0])), 0);
        free(d[0]), free(d[1]);
    }
    tu_rmtree(dirs[0]), tu_rmtree(dirs[1]);
    free(dirs[0]), free(dirs[1]), free(in);
}
END_TEST

/* Spikes of a subset beyond the memory limit stream to disk in the kept pairs only. */
START_TEST(test_streamed_spikes_of_a_subset)
{
    const long steps = 20000, two[2] = {7, 2};
    char *dirs[2] = {tu_tmpdir(), tu_tmpdir()};
    long counts[2];
    for (int k = 0; k < 2; k++) {
        rectic_net *net = qif_net(RECTIC_BACKEND_TCC);
        double eta = 1e4; /* a spike every ~31 steps */
        ck_assert_int_eq(rectic_net_set(net, "eta", &eta, 1), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_spikes(net, NULL, two, 2), RECTIC_OK);
        ck_assert_int_eq(rectic_net_sampling(net, 1000, RECTIC_SAMPLE_PICK, 0), RECTIC_OK);
        if (k)
            rectic_net_max_memory(net, 2000);
        ck_assert_int_eq(rectic_net_run(net, steps, NULL, 0), RECTIC_OK);
        const long *pairs;
        rectic_net_spikes(net, &counts[k], &pairs);
        ck_assert_int_eq(rectic_net_streamed(net), k);
        ck_assert_int_eq(rectic_net_write(net, dirs[k], RECTIC_FORMAT_NPY), RECTIC_OK);
        rectic_net_free(net);
    }
    ck_assert_int_gt(counts[0], 1100); /* more than the first spike buffer holds */
    ck_assert_int_eq(counts[0], counts[1]);
    double *d[2];
    long rows[2], cols[2];
    char path[4300];
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/spikes.npy", dirs[k]);
        ck_assert_msg(rectic_read_matrix(path, &d[k], &rows[k], &cols[k]) == RECTIC_OK, "%s", rectic_last_error());
        ck_assert_int_eq(rows[k], counts[0]);
    }
    ck_assert_int_eq(memcmp(d[0], d[1], sizeof(double) * 2 * (size_t)rows[0]), 0);
    for (long r = 0; r < rows[0]; r++)
        ck_assert(d[0][2 * r + 1] == 7 || d[0][2 * r + 1] == 2);
    free(d[0]), free(d[1]);
    tu_rmtree(dirs[0]), tu_rmtree(dirs[1]);
    free(dirs[0]), free(dirs[1]);
}
END_TEST

START_TEST(test_bad_subsets_are_refused_with_messages)
{
    rectic_net *net = qif_net(RECTIC_BACKEND_TCC);
    long bad[3] = {1, 9, 2}, twice[3] = {4, 1, 4};
    ck_assert_int_eq(rectic_net_record_subset(net, "v", NULL, bad, 3), RECTIC_EINVAL);
    ck_assert_str_eq(rectic_errmsg(net), "record v: index 9 (entry 1) is out of range: the neurons are 0 .. 8");
    ck_assert_int_eq(rectic_net_record_subset(net, "v", NULL, twice, 3), RECTIC_EINVAL);
    ck_assert_str_eq(rectic_errmsg(net), "record v: neuron 4 is listed twice (entry 2)");
    ck_assert_int_eq(rectic_net_record_subset(net, "v", "k", twice, 0), RECTIC_EINVAL);
    ck_assert_str_eq(rectic_errmsg(net), "record k=v: an empty subset (give at least one neuron)");
    ck_assert_int_eq(rectic_net_record_subset(net, "v", "a/b", pick, 3), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "must be letters, digits"));
    ck_assert_int_eq(rectic_net_record_subset(net, "v", "out", pick, 3), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "under the name \"out\""));
    ck_assert_int_eq(rectic_net_record_subset(net, "v", "time", pick, 3), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "reserved"));
    ck_assert_int_eq(rectic_net_record_subset(net, "zeta", NULL, pick, 3), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_record_spikes(net, NULL, bad, 3), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_record_spikes(net, "E", pick, 3), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_record_subset(net, "v", "va", pick, 3), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_subset(net, "v", "va", pick, 2), RECTIC_EINVAL); /* its file is taken */
    char *text = NULL;
    ck_assert_int_eq(rectic_net_standalone(net, RECTIC_FORMAT_CSV, &text), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "subsets"));
    ck_assert_ptr_null(text);
    rectic_net_free(net);
}
END_TEST

/* A network of populations: E/v of some units under a key, the output a subset of I/v, spikes of E's units. */
START_TEST(test_population_subsets)
{
    const long ne = 8, ni = 5;
    double w[8 * 5];
    for (int i = 0; i < 40; i++)
        w[i] = 0.05 * (double)(i % 7) - 0.1;
    double *rec[2][3], in[STEPS * 8];
    for (long i = 0; i < STEPS * ne; i++)
        in[i] = 500.0 + 100.0 * (double)(i % ne);
    long counts[2][3];
    const long *pairs;
    long n_spikes[2];
    long *spikes[2];
    const long e_pick[3] = {6, 0, 3}, i_pick[2] = {4, 1};
    for (int k = 0; k < 2; k++) {
        rectic_netspec *ns;
        ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_population(ns, "E", QIF, "qif_op", ne), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_population(ns, "I", QIF, "qif_op", ni), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_input(ns, "E", "I_ext"), RECTIC_OK);
        for (int p = 0; p < 2; p++)
            ck_assert_int_eq(rectic_netspec_spikes(ns, p ? "I" : "E", "spike", "v", 100, -100), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_dense(ns, "E/s", "I/s_in", w, ni, ne, 0), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_dense(ns, "I/s", "E/s_in", w, ne, ni, 0), RECTIC_OK);
        rectic_spec o;
        rectic_spec_init(&o);
        rectic_net *net;
        ck_assert_msg(rectic_net_new_network(&net, ns, &o) == RECTIC_OK, "%s", rectic_errmsg(net));
        ck_assert_int_eq(rectic_net_input(net, "E", in, STEPS, ne), RECTIC_OK);
        if (k) {
            ck_assert_msg(rectic_net_record_subset(net, "E/v", "ev", e_pick, 3) == RECTIC_OK, "%s", rectic_errmsg(net));
            ck_assert_int_eq(rectic_net_record_subset(net, "I/v", "out", i_pick, 2), RECTIC_OK);
            ck_assert_int_eq(rectic_net_record_spikes(net, "E", e_pick, 3), RECTIC_OK);
            long far[1] = {ne};
            ck_assert_int_eq(rectic_net_record_subset(net, "E/s", "x", far, 1), RECTIC_EINVAL);
            ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "out of range: the neurons are 0 .. 7"));
            ck_assert_int_eq(rectic_net_record_spikes(net, "Z", e_pick, 3), RECTIC_EINVAL);
            ck_assert_int_eq(rectic_net_record_spikes(net, NULL, e_pick, 3), RECTIC_EINVAL);
        } else {
            ck_assert_int_eq(rectic_net_record_as(net, "E/v", "ev"), RECTIC_OK);
            ck_assert_int_eq(rectic_net_record_as(net, "I/v", "out"), RECTIC_OK);
        }
        ck_assert_msg(rectic_net_run(net, STEPS, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
        long rows;
        rec[k][0] = take(net, "ev", &rows, &counts[k][0]);
        rec[k][1] = take(net, "out", &rows, &counts[k][1]);
        ck_assert_int_eq(rows, STEPS);
        ck_assert_int_eq(rectic_net_population_spikes(net, "E", &n_spikes[k], &pairs), RECTIC_OK);
        spikes[k] = malloc(sizeof(long) * 2 * (size_t)n_spikes[k] + 1);
        memcpy(spikes[k], pairs, sizeof(long) * 2 * (size_t)n_spikes[k]);
        char *dir = tu_tmpdir(), path[4300];
        ck_assert_int_eq(rectic_net_write(net, dir, RECTIC_FORMAT_CSV), RECTIC_OK);
        double *d;
        long r, c;
        snprintf(path, sizeof path, "%s/ev.csv", dir);
        ck_assert_msg(rectic_read_matrix(path, &d, &r, &c) == RECTIC_OK, "%s", rectic_last_error());
        ck_assert_int_eq(c, k ? 3 : ne);
        free(d);
        tu_rmtree(dir);
        free(dir);
        rectic_net_free(net);
        rectic_netspec_free(ns);
    }
    ck_assert_int_eq(counts[1][0], 3);
    ck_assert_int_eq(counts[1][1], 2);
    for (long r = 0; r < STEPS; r++) {
        for (int j = 0; j < 3; j++)
            ck_assert(memcmp(&rec[1][0][r * 3 + j], &rec[0][0][r * ne + e_pick[j]], sizeof(double)) == 0);
        for (int j = 0; j < 2; j++)
            ck_assert(memcmp(&rec[1][1][r * 2 + j], &rec[0][1][r * ni + i_pick[j]], sizeof(double)) == 0);
    }
    int mask[8] = {0};
    for (int j = 0; j < 3; j++)
        mask[e_pick[j]] = 1;
    long *exp = malloc(sizeof(long) * 2 * (size_t)n_spikes[0] + 1);
    long kept = filtered(spikes[0], n_spikes[0], mask, exp);
    ck_assert_int_gt(kept, 0);
    ck_assert_int_eq(n_spikes[1], kept);
    ck_assert_int_eq(memcmp(exp, spikes[1], sizeof(long) * 2 * (size_t)kept), 0);
    for (int k = 0; k < 2; k++)
        free(rec[k][0]), free(rec[k][1]), free(spikes[k]);
    free(exp);
}
END_TEST

/* The system compiler's kernel records the same subsets (skipped without cc). */
START_TEST(test_cc_kernel_records_the_same_subset)
{
    char *cache = tu_fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    double *in = inputs(), *v[2];
    long rows, cols;
    for (int k = 0; k < 2; k++) {
        rectic_net *net = qif_net(k ? RECTIC_BACKEND_CC : RECTIC_BACKEND_TCC);
        ck_assert_int_eq(rectic_net_record_subset(net, "v", NULL, pick, 3), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record_subset(net, "out", NULL, pick, 2), RECTIC_OK);
        ck_assert_msg(rectic_net_run(net, STEPS, in, N) == RECTIC_OK, "%s", rectic_errmsg(net));
        v[k] = take(net, "v", &rows, &cols);
        ck_assert_int_eq(cols, 3);
        ck_assert_str_eq(rectic_net_backend(net), k ? "cc" : "tcc");
        rectic_net_free(net);
    }
    ck_assert_int_eq(memcmp(v[0], v[1], sizeof(double) * (size_t)(rows * cols)), 0);
    free(v[0]), free(v[1]), free(in);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* The CUDA backend (here its mock driver) refuses subsets of a network of one template at the run, saying
   so, and subsets of spikes; a network of populations' variable subsets are the whole recording's columns. */
START_TEST(test_cuda_backend_picks_population_subsets_and_refuses_the_others)
{
    use_mock();
    for (int k = 0; k < 3; k++) {
        rectic_net *net = qif_net(RECTIC_BACKEND_NVRTC);
        int rc = k == 0   ? rectic_net_record_subset(net, "v", NULL, pick, 3)
                 : k == 1 ? rectic_net_record_spikes(net, NULL, pick, 3)
                          : rectic_net_record(net, "v");
        ck_assert_int_eq(rc, RECTIC_OK);
        rc = rectic_net_run(net, 20, NULL, 0);
        if (k < 2) {
            ck_assert_int_eq(rc, RECTIC_EINVAL);
            ck_assert_str_eq(rectic_errmsg(net), "the CUDA backend does not record subsets of neurons or of spikes "
                                                 "yet: record whole variables, or run on the CPU");
        } else {
            ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
        }
        rectic_net_free(net);
    }
    rectic_netspec *ns; /* a network of populations too */
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "E", QIF, "qif_op", 8), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "E", "spike", "v", 100, -100), RECTIC_OK);
    rectic_spec o;
    rectic_spec_init(&o);
    o.backend = RECTIC_BACKEND_NVRTC;
    rectic_net *net;
    ck_assert_msg(rectic_net_new_network(&net, ns, &o) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_record_subset(net, "E/v", "sub", pick + 1, 2), RECTIC_OK); /* picked on the host */
    ck_assert_int_eq(rectic_net_record_as(net, "E/v", "all"), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, 20, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols, rows_all, cols_all;
    const double *sub, *all;
    ck_assert_int_eq(rectic_net_recording(net, "sub", &rows, &cols, &sub), RECTIC_OK);
    ck_assert_int_eq(rectic_net_recording(net, "all", &rows_all, &cols_all, &all), RECTIC_OK);
    ck_assert_int_eq(cols, 2);
    ck_assert_int_eq(rows, 20);
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < 2; j++)
            ck_assert_double_eq(sub[i * 2 + j], all[i * cols_all + pick[1 + j]]);
    ck_assert_int_eq(rectic_net_record_spikes(net, "E", pick, 2), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 20, NULL, 0), RECTIC_EINVAL);
    ck_assert_str_eq(rectic_errmsg(net), "the CUDA backend does not record subsets of spikes yet: record all spikes, or "
                                         "run on the CPU");
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {test_subset_columns_equal_the_whole_recording,
                            test_subset_columns_equal_the_whole_recording_sampled,
                            test_spikes_of_a_subset_are_the_whole_runs_spikes_of_it,
                            test_streamed_subsets_write_the_same_files, test_streamed_spikes_of_a_subset,
                            test_bad_subsets_are_refused_with_messages, test_population_subsets,
                            test_cc_kernel_records_the_same_subset,
                            test_cuda_backend_picks_population_subsets_and_refuses_the_others};
    return tu_main("record", 120, tests, (int)(sizeof tests / sizeof tests[0]));
}

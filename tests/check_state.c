/*
 * check_state.c -- state checkpoints and the step counter through the C API: a run of T1 + T2 steps equals a
 * run of T1 steps, rectic_net_save_state, a new network, rectic_net_load_state and a run of T2 steps, bit for
 * bit in every recording and spike (spiking, rate with layers, event-driven, float32, sampling by picks and by
 * means, a cutoff, networks of populations with delays and event-driven projections); two runs in one network
 * equal one; equal states give equal files; periodic checkpoints; loads that must fail, and change nothing.
 */
#include <math.h>
#include <stdint.h>

#include "rectic.h"
#include "testutil.h"
#include "tu_spec.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define LIF "neuron_model_templates.spiking_neurons.lif.lif"
#define LI "neuron_model_templates.rate_neurons.leaky_integrator.tanh"
#define T1 1003L
#define T2 1500L
#define N 6

static void fill(double *x, long count, double scale, double shift, uint64_t seed)
{
    for (long i = 0; i < count; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = ((double)(seed >> 11) / 9007199254740992.0 - 0.5) * scale + shift;
    }
}

/* How a scenario's networks are made and run. */
typedef struct scenario {
    const char *name;
    rectic_net *(*make)(const struct scenario *s);
    int coupling, dtype;
    long every, cutoff;
    int mean;
    const char *const *keys;  /* recordings compared */
    const char *const *pops;  /* populations whose spikes are compared (NULL: rectic_net_spikes) */
    long in_cols;
    double *in;               /* T1 + T2 rows */
} scenario;

/* What a run left: its recordings (by key), spikes and recorded steps, copied. */
typedef struct result {
    double *rec[4];
    long rows[4], cols[4];
    long *spikes[3];
    long n_spikes[3];
    long *steps, n_steps;
} result;

static void capture(rectic_net *net, const scenario *s, result *r)
{
    memset(r, 0, sizeof *r);
    for (int k = 0; s->keys[k]; k++) {
        const double *d;
        ck_assert_msg(rectic_net_recording(net, s->keys[k], &r->rows[k], &r->cols[k], &d) == RECTIC_OK, "%s",
                      rectic_errmsg(net));
        r->rec[k] = malloc(sizeof(double) * (size_t)(r->rows[k] * r->cols[k]) + 1);
        memcpy(r->rec[k], d, sizeof(double) * (size_t)(r->rows[k] * r->cols[k]));
    }
    for (int p = 0; p < (s->pops ? 2 : 1); p++) {
        const long *pairs;
        int rc = s->pops ? rectic_net_population_spikes(net, s->pops[p], &r->n_spikes[p], &pairs)
                         : rectic_net_spikes(net, &r->n_spikes[p], &pairs);
        ck_assert_int_eq(rc, RECTIC_OK);
        r->spikes[p] = malloc(sizeof(long) * (size_t)(2 * r->n_spikes[p]) + 1);
        if (r->n_spikes[p] > 0) /* pairs may be NULL without spikes */
            memcpy(r->spikes[p], pairs, sizeof(long) * (size_t)(2 * r->n_spikes[p]));
    }
    const long *steps;
    ck_assert_int_eq(rectic_net_recorded_steps(net, &r->n_steps, &steps), RECTIC_OK);
    r->steps = malloc(sizeof(long) * (size_t)r->n_steps + 1);
    memcpy(r->steps, steps, sizeof(long) * (size_t)r->n_steps);
}

static void result_free(result *r)
{
    for (int k = 0; k < 4; k++)
        free(r->rec[k]);
    for (int p = 0; p < 3; p++)
        free(r->spikes[p]);
    free(r->steps);
}

/* a followed by b equals whole, bit for bit. */
static void assert_concat(const scenario *s, const result *a, const result *b, const result *whole)
{
    for (int k = 0; s->keys[k]; k++) {
        ck_assert_int_eq(a->rows[k] + b->rows[k], whole->rows[k]);
        size_t na = (size_t)(a->rows[k] * a->cols[k]), nb = (size_t)(b->rows[k] * b->cols[k]);
        ck_assert_msg(memcmp(a->rec[k], whole->rec[k], sizeof(double) * na) == 0, "%s: %s: first part differs",
                      s->name, s->keys[k]);
        ck_assert_msg(memcmp(b->rec[k], whole->rec[k] + na, sizeof(double) * nb) == 0, "%s: %s: second part differs",
                      s->name, s->keys[k]);
    }
    for (int p = 0; p < (s->pops ? 2 : 1); p++) {
        ck_assert_int_eq(a->n_spikes[p] + b->n_spikes[p], whole->n_spikes[p]);
        ck_assert_msg(memcmp(b->spikes[p], whole->spikes[p] + 2 * a->n_spikes[p],
                             sizeof(long) * (size_t)(2 * b->n_spikes[p])) == 0, "%s: spikes differ", s->name);
    }
    ck_assert_int_eq(a->n_steps + b->n_steps, whole->n_steps);
    ck_assert_int_eq(memcmp(b->steps, whole->steps + a->n_steps, sizeof(long) * (size_t)b->n_steps), 0);
}

/* Runs steps from..from+steps-1 of the scenario's inputs. */
static void run_part(rectic_net *net, const scenario *s, long from, long steps)
{
    int rc = s->pops ? rectic_net_input(net, "A", s->in + from * s->in_cols, steps, s->in_cols)
                     : RECTIC_OK;
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
    rc = s->pops ? rectic_net_run(net, steps, NULL, 0) : rectic_net_run(net, steps, s->in + from * s->in_cols, s->in_cols);
    ck_assert_msg(rc == RECTIC_OK, "%s: %s", s->name, rectic_errmsg(net));
}

static void sampling(rectic_net *net, const scenario *s)
{
    ck_assert_int_eq(rectic_net_sampling(net, s->every, s->mean ? RECTIC_SAMPLE_MEAN : RECTIC_SAMPLE_PICK, s->cutoff),
                     RECTIC_OK);
}

/* A QIF network of N neurons, recording out and v. */
static rectic_net *make_qif(const scenario *s)
{
    double w[N * N];
    fill(w, N * N, 8.0, 1.0, 3);
    rectic_spec sp;
    tu_qif_spec(&sp, N);
    sp.weights = w;
    sp.coupling = s->coupling;
    sp.dtype = s->dtype;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &sp) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    sampling(net, s);
    return net;
}

/* A leaky-integrator tanh network with an input layer (2 inputs) and a readout (3 outputs, tanh). */
static rectic_net *make_li(const scenario *s)
{
    double w[N * N], w_in[N * 2], w_out[3 * (N + 1)];
    fill(w, N * N, 1.5, 0, 5);
    fill(w_in, N * 2, 2, 0, 6);
    fill(w_out, 3 * (N + 1), 2, 0, 7);
    rectic_spec sp;
    rectic_spec_init(&sp);
    sp.template_ref = LI;
    sp.n = N;
    sp.weights = w;
    sp.source_var = "tanh_op/r";
    sp.target_var = "li_op/r_in";
    sp.input_var = "li_op/I_ext";
    sp.output_var = "li_op/v";
    sp.dt = 0.01;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &sp) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_input_weights(net, NULL, w_in, N, 2), RECTIC_OK);
    ck_assert_int_eq(rectic_net_readout(net, w_out, 3, N + 1, RECTIC_ACT_TANH), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "li_op/v"), RECTIC_OK);
    sampling(net, s);
    return net;
}

/* A (QIF, 5, driven) and B (LIF, 4): A/s -> B/s_in dense with a delay of 2 steps and scalar, B/s -> A/s_in
   scalar with a delay of 3 steps, A/s -> A/s_in sparse (event-driven with RECTIC_COUPLING_EVENT). */
static rectic_net *make_pops(const scenario *s)
{
    double w_ba[20], w_aa[25], eta = 3.0;
    fill(w_ba, 20, 6.0, 0, 7);
    fill(w_aa, 25, 4.0, 0, 9);
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "A", QIF, "qif_op", 5), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(ns, "A", "I_ext"), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "A", "spike", "v", 100, -100), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "B", LIF, "lif_op", 4), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "B", "spike", "v", 1.0, 0.0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_set(ns, "B/eta", &eta, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(ns, "A/s", "B/s_in", w_ba, 4, 5, 0.0025), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "A/s", "B/s_in", 0.7, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "B/s", "A/s_in", -0.3, 0.003), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(ns, "A/s", "A/s_in", w_aa, 5, 5, 0), RECTIC_OK);
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = 1e-3;
    o.coupling = s->coupling;
    o.dtype = s->dtype;
    rectic_net *net;
    ck_assert_msg(rectic_net_new_network(&net, ns, &o) == RECTIC_OK, "%s", rectic_errmsg(net));
    rectic_netspec_free(ns);
    ck_assert_int_eq(rectic_net_record_as(net, "A/s", "out"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(net, "B/v", "Bv"), RECTIC_OK);
    sampling(net, s);
    return net;
}

static const char *const keys_qif[] = {"out", "v", NULL}, *const keys_li[] = {"out", "li_op/v", NULL},
                        *const keys_pops[] = {"out", "Bv", NULL}, *const pops[] = {"A", "B"};

/* Splits the scenario's run at T1 through a saved state (into a new network), and in one network. */
static void split_equals_whole(scenario *s)
{
    s->in = malloc(sizeof(double) * (size_t)((T1 + T2) * s->in_cols));
    fill(s->in, (T1 + T2) * s->in_cols, 60.0, s->make == make_li ? 0 : 150.0, 11);
    char *dir = tu_tmpdir(), path[4200], path2[4200];
    snprintf(path, sizeof path, "%s/state.npz", dir);
    snprintf(path2, sizeof path2, "%s/again.npz", dir);
    result whole, a, b, a2, b2;
    rectic_net *net = s->make(s);
    run_part(net, s, 0, T1 + T2);
    capture(net, s, &whole);
    if (s->make != make_li) /* the spiking ones spike */
        ck_assert_int_gt(whole.n_spikes[0], 20);
    rectic_net_free(net);
    /* saved and loaded into a new network */
    net = s->make(s);
    run_part(net, s, 0, T1);
    capture(net, s, &a);
    ck_assert_int_eq(rectic_net_step(net), T1);
    ck_assert_msg(rectic_net_save_state(net, path) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_save_state(net, path2), RECTIC_OK);
    rectic_net_free(net);
    net = s->make(s);
    ck_assert_msg(rectic_net_load_state(net, path) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_step(net), T1);
    run_part(net, s, T1, T2);
    capture(net, s, &b);
    ck_assert_int_eq(rectic_net_step(net), T1 + T2);
    assert_concat(s, &a, &b, &whole);
    rectic_net_free(net);
    /* two runs of one network */
    net = s->make(s);
    run_part(net, s, 0, T1);
    capture(net, s, &a2);
    run_part(net, s, T1, T2);
    capture(net, s, &b2);
    assert_concat(s, &a2, &b2, &whole);
    rectic_net_free(net);
    /* equal states, equal bytes */
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", path, path2);
    ck_assert_msg(system(cmd) == 0, "%s: two saves of one state differ", s->name);
    result_free(&whole), result_free(&a), result_free(&b), result_free(&a2), result_free(&b2);
    free(s->in);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_split_spiking_run_equals_whole)
{
    scenario s = {"qif dense, pick 7 from 100", make_qif, RECTIC_COUPLING_DENSE, RECTIC_FLOAT64, 7, 100, 0, keys_qif,
                  NULL, N, NULL};
    split_equals_whole(&s);
    scenario inl = {"qif inline", make_qif, RECTIC_COUPLING_INLINE, RECTIC_FLOAT64, 1, 0, 0, keys_qif, NULL, 1, NULL};
    split_equals_whole(&inl);
    scenario f32 = {"qif float32", make_qif, RECTIC_COUPLING_AUTO, RECTIC_FLOAT32, 3, 0, 0, keys_qif, NULL, N, NULL};
    split_equals_whole(&f32);
}
END_TEST

START_TEST(test_split_run_with_sampling_means_equals_whole)
{
    scenario s = {"qif mean 7", make_qif, RECTIC_COUPLING_AUTO, RECTIC_FLOAT64, 7, 50, 1, keys_qif, NULL, N, NULL};
    split_equals_whole(&s);
}
END_TEST

START_TEST(test_split_event_driven_run_equals_whole)
{
    scenario s = {"qif event", make_qif, RECTIC_COUPLING_EVENT, RECTIC_FLOAT64, 1, 0, 0, keys_qif, NULL, N, NULL};
    split_equals_whole(&s);
}
END_TEST

START_TEST(test_split_rate_run_with_layers_equals_whole)
{
    scenario s = {"li tanh with layers", make_li, RECTIC_COUPLING_AUTO, RECTIC_FLOAT64, 1, 0, 0, keys_li, NULL, 2, NULL};
    split_equals_whole(&s);
}
END_TEST

START_TEST(test_split_network_of_populations_with_delays_equals_whole)
{
    scenario s = {"populations", make_pops, RECTIC_COUPLING_AUTO, RECTIC_FLOAT64, 4, 0, 0, keys_pops, pops, 5, NULL};
    split_equals_whole(&s);
    scenario ev = {"populations, event", make_pops, RECTIC_COUPLING_EVENT, RECTIC_FLOAT64, 1, 0, 1, keys_pops, pops, 5,
                   NULL};
    split_equals_whole(&ev);
}
END_TEST

/* rectic_net_checkpoint_every saves at every multiple of the step counter; the last file equals an explicit
   save at that step. */
START_TEST(test_checkpoints_every_k_steps)
{
    scenario s = {"qif", make_qif, RECTIC_COUPLING_AUTO, RECTIC_FLOAT64, 1, 0, 0, keys_qif, NULL, 1, NULL};
    double in[2500];
    fill(in, 2500, 60, 2, 4);
    char *dir = tu_tmpdir(), ck[4200], ref[4200], cmd[9000];
    snprintf(ck, sizeof ck, "%s/ck.npz", dir);
    snprintf(ref, sizeof ref, "%s/ref.npz", dir);
    rectic_net *net = make_qif(&s);
    ck_assert_int_eq(rectic_net_checkpoint_every(net, 0, NULL), RECTIC_OK);
    ck_assert_int_eq(rectic_net_checkpoint_every(net, -1, ck), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_checkpoint_every(net, 700, ck), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 1000, in, 1), RECTIC_OK); /* a checkpoint at 700 */
    ck_assert_int_eq(rectic_net_run(net, 1500, in + 1000, 1), RECTIC_OK); /* at 1400 and 2100 */
    rectic_net_free(net);
    net = make_qif(&s);
    ck_assert_int_eq(rectic_net_run(net, 2100, in, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_save_state(net, ref), RECTIC_OK);
    rectic_net_free(net);
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", ck, ref);
    ck_assert_msg(system(cmd) == 0, "the checkpoint at step 2100 differs from a save there");
    /* a checkpoint that cannot be written stops the run */
    snprintf(ck, sizeof ck, "%s/missing/ck.npz", dir);
    net = make_qif(&s);
    ck_assert_int_eq(rectic_net_checkpoint_every(net, 100, ck), RECTIC_OK);
    ck_assert_int_ne(rectic_net_run(net, 1000, in, 1), RECTIC_OK);
    ck_assert_msg(strstr(rectic_errmsg(net), "rectic_net_checkpoint_every 100 (at step 100): rectic_net_save_state: ") != NULL,
                  "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_steps_done(net), 100);
    rectic_net_free(net);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Loads that must fail: another model (each difference named), a missing or damaged file; nothing
   changes.  Values set after a load override it; a reset goes back to step 0. */
START_TEST(test_load_state_checks_the_model)
{
    scenario s = {"qif", make_qif, RECTIC_COUPLING_AUTO, RECTIC_FLOAT64, 1, 0, 0, keys_qif, NULL, 1, NULL};
    double in[200];
    fill(in, 200, 60, 2, 4);
    char *dir = tu_tmpdir(), path[4200], bad[4200];
    snprintf(path, sizeof path, "%s/s.npz", dir);
    rectic_net *net = make_qif(&s);
    ck_assert_int_eq(rectic_net_run(net, 200, in, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_save_state(net, path), RECTIC_OK);
    double v[N], v2[N];
    long count;
    ck_assert_int_eq(rectic_net_get(net, "v", v, N, &count), RECTIC_OK);
    rectic_net_free(net);
    /* other dt, dtype, size, model */
    rectic_spec sp;
    rectic_spec_init(&sp);
    sp.template_ref = QIF;
    sp.op = "qif_op";
    sp.n = N;
    sp.input_var = "I_ext";
    sp.output_var = "s";
    sp.dt = 2e-3;
    ck_assert_int_eq(rectic_net_new(&net, &sp), RECTIC_OK);
    ck_assert_int_eq(rectic_net_load_state(net, path), RECTIC_EINVAL);
    ck_assert_msg(strstr(rectic_errmsg(net), "a state of another model: dt: the state has 'dt: 0.001', this network "
                         "'dt: 0.002'") != NULL, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_step(net), 0);
    rectic_net_free(net);
    sp.dt = 1e-3;
    sp.n = N + 1;
    ck_assert_int_eq(rectic_net_new(&net, &sp), RECTIC_OK);
    ck_assert_int_eq(rectic_net_load_state(net, path), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "6 units"));
    rectic_net_free(net);
    sp.n = N;
    sp.dtype = RECTIC_FLOAT32;
    ck_assert_int_eq(rectic_net_new(&net, &sp), RECTIC_OK);
    ck_assert_int_eq(rectic_net_load_state(net, path), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "dtype"));
    rectic_net_free(net);
    sp.dtype = RECTIC_FLOAT64;
    sp.template_ref = "neuron_model_templates.spiking_neurons.qif.qif_sfa";
    sp.op = "qif_sfa_op";
    ck_assert_int_eq(rectic_net_new(&net, &sp), RECTIC_OK);
    ck_assert_int_eq(rectic_net_load_state(net, path), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "a state of another model"));
    rectic_net_free(net);
    /* the same model without coupling or spikes is another model too; parameters may differ */
    net = make_qif(&s);
    double eta = -3;
    ck_assert_int_eq(rectic_net_set(net, "eta", &eta, 1), RECTIC_OK);
    ck_assert_msg(rectic_net_load_state(net, path) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_step(net), 200);
    ck_assert_int_eq(rectic_net_get(net, "v", v2, N, &count), RECTIC_OK);
    ck_assert_int_eq(memcmp(v, v2, sizeof v), 0);
    double v0 = 1.5; /* a set after the load overrides it */
    ck_assert_int_eq(rectic_net_set(net, "v", &v0, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_get(net, "v", v2, N, &count), RECTIC_OK);
    ck_assert_double_eq(v2[3], 1.5);
    ck_assert_int_eq(rectic_net_reset(net), RECTIC_OK);
    ck_assert_int_eq(rectic_net_step(net), 0);
    /* missing, not a zip, a zip of something else */
    snprintf(bad, sizeof bad, "%s/nope.npz", dir);
    ck_assert_int_eq(rectic_net_load_state(net, bad), RECTIC_EIO);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_net_load_state "));
    char *text = tu_write(dir, "text.npz", "hello\n");
    ck_assert_int_eq(rectic_net_load_state(net, text), RECTIC_EIO);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "not a .npz file"));
    free(text);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "head -c 300 '%s' > '%s/cut.npz'", path, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(bad, sizeof bad, "%s/cut.npz", dir);
    ck_assert_int_eq(rectic_net_load_state(net, bad), RECTIC_EIO);
    ck_assert_int_eq(rectic_net_step(net), 0);
    ck_assert_int_eq(rectic_net_save_state(net, ""), RECTIC_EINVAL);
    rectic_net_free(net);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("state");
    TCase *c = tcase_create("state");
    tcase_set_timeout(c, 120);
    tcase_add_test(c, test_split_spiking_run_equals_whole);
    tcase_add_test(c, test_split_run_with_sampling_means_equals_whole);
    tcase_add_test(c, test_split_event_driven_run_equals_whole);
    tcase_add_test(c, test_split_rate_run_with_layers_equals_whole);
    tcase_add_test(c, test_split_network_of_populations_with_delays_equals_whole);
    tcase_add_test(c, test_checkpoints_every_k_steps);
    tcase_add_test(c, test_load_state_checks_the_model);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

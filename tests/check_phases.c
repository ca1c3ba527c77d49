/*
 * check_phases.c -- the phases of a network's life: a deferred first compilation (rectic_spec.defer_compile:
 * values set before the first run never cost a second compilation, for one template and for a network of
 * populations), the phase timings that add up across compilations, and meta.json's members made once the
 * recordings are written (rectic_net_write_set_fn).
 */
#include <math.h>

#include "rectic.h"
#include "testutil.h"
#include "tu_spec.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"

/* A spec for RectiPy's QIF network roles with n neurons and weights w (n x n). */
static void qif_spec(rectic_spec *s, long n, const double *w)
{
    tu_qif_spec(s, n);
    s->weights = w;
}

/* Runs a 6-neuron network with eta per neuron set after rectic_net_new; *compilations and its v (owned). */
static double *run_with_etas(int defer, int *compilations, const char **backend_before, char **source_before)
{
    enum { N = 6, STEPS = 300 };
    static double w[N * N];
    for (int i = 0; i < N * N; i++)
        w[i] = 0.3 * (double)((i * 7) % 5) - 0.6;
    double eta[N] = {-5, -1, 0.5, 2, 4, 7};
    rectic_spec s;
    qif_spec(&s, N, w);
    s.defer_compile = defer;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    *backend_before = rectic_net_backend(net);
    *source_before = rectic_net_source(net) ? strdup(rectic_net_source(net)) : NULL;
    ck_assert_int_eq(rectic_net_set(net, "eta", eta, N), RECTIC_OK); /* per neuron: the kernel's shape changes */
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, STEPS, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    *compilations = rectic_net_compilations(net);
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows * cols, STEPS * N);
    double *v = malloc(sizeof(double) * STEPS * N);
    memcpy(v, d, sizeof(double) * STEPS * N);
    ck_assert_ptr_nonnull(strstr(rectic_net_source(net), "long rectic_kernel"));
    rectic_net_free(net);
    return v;
}

START_TEST(test_deferred_compile_happens_once_at_the_first_run)
{
    int eager_count, lazy_count;
    const char *eager_kind, *lazy_kind;
    char *eager_src, *lazy_src;
    double *eager = run_with_etas(0, &eager_count, &eager_kind, &eager_src);
    double *lazy = run_with_etas(1, &lazy_count, &lazy_kind, &lazy_src);
    ck_assert_int_eq(eager_count, 2); /* compiled by rectic_net_new, then again for eta per neuron */
    ck_assert_int_eq(lazy_count, 1);  /* compiled once, by the run, for eta per neuron */
    ck_assert_str_eq(eager_kind, "tcc");
    ck_assert_str_eq(lazy_kind, "none"); /* nothing compiled before the run */
    ck_assert_ptr_nonnull(eager_src);
    ck_assert_ptr_null(lazy_src);
    ck_assert_int_eq(memcmp(eager, lazy, sizeof(double) * 300 * 6), 0); /* the same numbers */
    free(eager), free(lazy), free(eager_src);
}
END_TEST

/* rectic_net_emit before the first run writes the kernel the run will compile. */
START_TEST(test_deferred_emit_is_the_kernel_the_run_compiles)
{
    double w[16] = {0}, eta[4] = {1, 2, 3, 4};
    rectic_spec s;
    qif_spec(&s, 4, w);
    s.defer_compile = 1;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_set(net, "eta", eta, 4), RECTIC_OK);
    char *text;
    ck_assert_int_eq(rectic_net_emit(net, RECTIC_BACKEND_TCC, &text), RECTIC_OK);
    ck_assert_int_eq(rectic_net_compilations(net), 0);
    ck_assert_int_eq(rectic_net_run(net, 5, NULL, 0), RECTIC_OK);
    ck_assert_str_eq(text, rectic_net_source(net));
    free(text);
    rectic_net_free(net);
}
END_TEST

/* A network of populations with sets in its spec and one made per unit afterwards: one compilation. */
START_TEST(test_deferred_compile_of_a_network_of_populations)
{
    for (int defer = 0; defer < 2; defer++) {
        rectic_netspec *ns;
        ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_population(ns, "E", QIF, "qif_op", 5), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_spikes(ns, "E", "spike", "v", 100, -100), RECTIC_OK);
        ck_assert_int_eq(rectic_netspec_scalar(ns, "E/s", "E/s_in", 0.5, 0), RECTIC_OK);
        rectic_spec o;
        rectic_spec_init(&o);
        o.defer_compile = defer;
        rectic_net *net;
        ck_assert_msg(rectic_net_new_network(&net, ns, &o) == RECTIC_OK, "%s", rectic_errmsg(net));
        ck_assert_int_eq(rectic_net_compilations(net), defer ? 0 : 1);
        double eta[5] = {1, 2, 3, 4, 5};
        ck_assert_int_eq(rectic_net_set(net, "E/eta", eta, 5), RECTIC_OK);
        ck_assert_msg(rectic_net_run(net, 20, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
        ck_assert_int_eq(rectic_net_compilations(net), defer ? 1 : 2);
        rectic_net_free(net);
        rectic_netspec_free(ns);
    }
}
END_TEST

/* generate and jit add up over the compilations; run is the last run's. */
START_TEST(test_compile_timings_add_up)
{
    double w[16] = {0}, eta[4] = {1, 2, 3, 4};
    rectic_spec s;
    qif_spec(&s, 4, w);
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    rectic_timings a, b;
    rectic_net_timings(net, &a);
    ck_assert(a.generate > 0 && a.jit > 0 && a.load > 0);
    ck_assert_double_eq(a.run, 0);
    ck_assert_int_eq(rectic_net_set(net, "eta", eta, 4), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 50, NULL, 0), RECTIC_OK);
    rectic_net_timings(net, &b);
    ck_assert_int_eq(rectic_net_compilations(net), 2);
    ck_assert(b.generate > a.generate && b.jit > a.jit); /* the second compilation added to the first */
    ck_assert_double_eq(b.load, a.load);
    ck_assert(b.run > 0);
    rectic_net_free(net);
}
END_TEST

/* rectic_net_write_set_fn's callback: counts its calls and makes one member. */
static char *one_member(void *user)
{
    ++*(int *)user;
    return strdup("\"written\": true");
}

/* The members of meta.json are made once, after the recordings are written. */
START_TEST(test_meta_members_are_made_after_the_recordings)
{
    double w[16] = {0};
    rectic_spec s;
    qif_spec(&s, 4, w);
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_run(net, 20, NULL, 0), RECTIC_OK);
    char *dir = tu_tmpdir(), path[4200], text[4096];
    int calls = 0;
    ck_assert_int_eq(rectic_net_write_set_fn(net, dir, RECTIC_FORMAT_CSV, one_member, &calls), RECTIC_OK);
    ck_assert_int_eq(calls, 1);
    snprintf(path, sizeof path, "%s/meta.json", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    ck_assert_ptr_nonnull(strstr(text, "\"written\": true"));
    ck_assert_ptr_nonnull(strstr(text, "\"out.csv\""));
    ck_assert_int_eq(rectic_net_write_set_fn(net, dir, RECTIC_FORMAT_CSV, NULL, NULL), RECTIC_OK); /* no members */
    tu_rmtree(dir);
    free(dir);
    rectic_net_free(net);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {test_deferred_compile_happens_once_at_the_first_run,
                            test_deferred_emit_is_the_kernel_the_run_compiles,
                            test_deferred_compile_of_a_network_of_populations, test_compile_timings_add_up,
                            test_meta_members_are_made_after_the_recordings};
    return tu_main("phases", 60, tests, (int)(sizeof tests / sizeof tests[0]));
}

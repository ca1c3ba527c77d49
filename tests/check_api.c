/*
 * check_api.c -- the public API's contract: a NULL handle is refused by every function of rectic.h (the
 * list below is compared with the header's declarations), and a parameter sweep compiles at most twice.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>

#include "rectic.h"
#include "testutil.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"

/* Every function rectic.h declares; test_null_handle_list_matches_the_header keeps it complete. */
static const char *const api_functions[] = {
    "rectic_spec_init_size", "rectic_net_new", "rectic_net_free", "rectic_errmsg", "rectic_net_size",
    "rectic_net_set", "rectic_net_get", "rectic_net_reset", "rectic_net_record", "rectic_net_sampling",
    "rectic_net_run", "rectic_net_run_fn", "rectic_net_on_progress", "rectic_net_cancel_flag",
    "rectic_net_check_finite", "rectic_net_max_memory", "rectic_net_streamed", "rectic_net_recording",
    "rectic_net_recorded_steps", "rectic_net_spikes", "rectic_net_steps_done", "rectic_net_write",
    "rectic_net_write_set", "rectic_net_check_output", "rectic_output_incomplete",
    "rectic_read_matrix", "rectic_net_standalone", "rectic_net_source", "rectic_net_emit",
    "rectic_net_describe", "rectic_net_equation", "rectic_net_backend", "rectic_net_coupling",
    "rectic_net_weights_layout", "rectic_set_threads", "rectic_net_threads", "rectic_net_compilations", "rectic_net_timings",
    "rectic_describe_template", "rectic_list_templates",
    "rectic_netspec_new", "rectic_netspec_free", "rectic_netspec_errmsg", "rectic_netspec_population",
    "rectic_netspec_input", "rectic_netspec_spikes", "rectic_netspec_set", "rectic_netspec_dense",
    "rectic_netspec_coo", "rectic_netspec_scalar", "rectic_netspec_template_path", "rectic_netspec_load",
    "rectic_netspec_file", "rectic_netspec_n_populations", "rectic_netspec_n_projections",
    "rectic_netspec_n_template_paths", "rectic_netspec_template_path_at", "rectic_netspec_find",
    "rectic_netspec_pop_name", "rectic_netspec_pop_template", "rectic_netspec_pop_op", "rectic_netspec_pop_size",
    "rectic_netspec_pop_input", "rectic_netspec_pop_spikes", "rectic_netspec_pop_n_sets", "rectic_netspec_pop_set",
    "rectic_netspec_proj_ends", "rectic_netspec_proj_weights", "rectic_net_warning_count", "rectic_net_warning",
    "rectic_net_new_network", "rectic_net_n_populations", "rectic_net_population", "rectic_net_population_size",
    "rectic_net_projection_delay", "rectic_net_projection_coupling", "rectic_net_input", "rectic_net_record_as",
    "rectic_net_population_spikes", "rectic_netspec_proj_file",
    "rectic_libversion", "rectic_libversion_number", "rectic_last_error", "rectic_net_record_subset",
    "rectic_net_record_spikes", "rectic_net_write_set_fn", "rectic_activation_find",
    "rectic_net_input_weights", "rectic_net_readout", "rectic_net_fit_ridge", "rectic_net_fitted_readout",
    "rectic_net_fitted_outputs", "rectic_net_score", "rectic_net_save_state", "rectic_net_load_state",
    "rectic_net_checkpoint_every", "rectic_net_step", "rectic_net_use_mpi", "rectic_net_mpi_rank",
    "rectic_net_weight_bytes", "rectic_netspec_input_layer", "rectic_netspec_readout", "rectic_netspec_get_input_layer",
    "rectic_netspec_get_readout", "rectic_net_rls", "rectic_net_feedback_weights", "rectic_net_rls_errors",
    "rectic_net_rls_mse", "rectic_net_feedback_into", "rectic_net_feedback_population",
    "rectic_net_weight_values_read", "rectic_net_read_input", "rectic_net_mpi_block", "rectic_net_input_values_read",
    NULL};

static int input_zero(void *user, long step, double *row, long n_cols)
{
    (void)user, (void)step, (void)n_cols;
    row[0] = 0;
    return 0;
}

static int progress_none(void *user, long done, long total)
{
    (void)user, (void)done, (void)total;
    return 0;
}

/* Each function of api_functions, called with a NULL handle (and, where it has one, a NULL spec). */
START_TEST(test_null_handle_is_refused_by_every_function)
{
    rectic_net *net = NULL;
    double x = 1, out[4];
    long rows = 7, cols = 7, count = 7;
    const double *data = NULL;
    const long *steps = NULL, *pairs = NULL;
    char *text = NULL;
    volatile int flag = 0;
    rectic_spec_init(NULL); /* returns without writing (the macro calls rectic_spec_init_size) */
    ck_assert_int_eq(rectic_net_new(NULL, NULL), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_new(&net, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(net);
    ck_assert_str_eq(rectic_errmsg(net), "no network description (NULL spec)");
    rectic_net_free(net);
    rectic_net_free(NULL);
    ck_assert_str_eq(rectic_errmsg(NULL), "no network (NULL handle)");
    ck_assert_int_eq(rectic_net_size(NULL), 0);
    ck_assert_int_eq(rectic_net_set(NULL, "eta", &x, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_get(NULL, "eta", out, 4, &count), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_reset(NULL), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_record(NULL, "v"), RECTIC_EINVAL);
    long idx[2] = {0, 1};
    ck_assert_int_eq(rectic_net_record_subset(NULL, "v", NULL, idx, 2), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_record_spikes(NULL, NULL, idx, 2), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_sampling(NULL, 1, RECTIC_SAMPLE_PICK, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_run(NULL, 10, NULL, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_run_fn(NULL, 10, input_zero, NULL, 1), RECTIC_EINVAL);
    rectic_net_on_progress(NULL, progress_none, NULL);
    rectic_net_cancel_flag(NULL, &flag);
    rectic_net_check_finite(NULL, 1);
    rectic_net_max_memory(NULL, 1000);
    ck_assert_int_eq(rectic_net_streamed(NULL), 0);
    ck_assert_int_eq(rectic_net_recording(NULL, "out", &rows, &cols, &data), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_recorded_steps(NULL, &rows, &steps), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_spikes(NULL, &count, &pairs), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_steps_done(NULL), 0);
    ck_assert_int_eq(rectic_net_write(NULL, "/nonexistent/rectic-null-test", RECTIC_FORMAT_CSV), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_write_set(NULL, "/nonexistent/rectic-null-test", RECTIC_FORMAT_CSV, NULL), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_write_set_fn(NULL, "/nonexistent/rectic-null-test", RECTIC_FORMAT_CSV, NULL, NULL),
                     RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_check_output(NULL, "/nonexistent/rectic-null-test", RECTIC_FORMAT_CSV, 10), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_output_incomplete(NULL), 0); /* takes no handle: a NULL folder holds no set */
    ck_assert_int_eq(rectic_read_matrix(NULL, NULL, NULL, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_last_error(), "path")); /* takes no handle: the thread's last error */
    ck_assert_int_eq(rectic_net_standalone(NULL, RECTIC_FORMAT_CSV, &text), RECTIC_EINVAL);
    ck_assert_ptr_null(rectic_net_source(NULL));
    ck_assert_int_eq(rectic_net_emit(NULL, RECTIC_BACKEND_TCC, &text), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_describe(NULL, &text), RECTIC_EINVAL);
    ck_assert_ptr_null(rectic_net_equation(NULL, 0));
    ck_assert_ptr_null(rectic_net_backend(NULL));
    ck_assert_ptr_null(rectic_net_coupling(NULL));
    ck_assert_ptr_null(rectic_net_weights_layout(NULL));
    rectic_set_threads(0); /* takes no handle: a non-positive count changes nothing */
    rectic_net_threads(NULL, 2);
    ck_assert_int_eq(rectic_net_compilations(NULL), 0);
    rectic_timings t = {1, 2, 3, 4, 5, 6};
    rectic_net_timings(NULL, &t);
    ck_assert_double_eq(t.load + t.generate + t.jit + t.run + t.weights + t.coupling, 0);
    ck_assert_int_eq(rectic_describe_template(NULL, &text), RECTIC_EINVAL);
    ck_assert_ptr_null(text);
    ck_assert_ptr_nonnull(strstr(rectic_last_error(), "spec"));
    ck_assert_int_eq(rectic_list_templates(NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_last_error(), "list_templates"));
    ck_assert_int_eq(rectic_net_warning_count(NULL), 0);
    ck_assert_ptr_null(rectic_net_warning(NULL, 0));
    /* networks of populations */
    const char *str = "untouched";
    const double *vals = NULL;
    rectic_weights_kind kind = RECTIC_WEIGHTS_SCALAR;
    int a = 7, b = 7;
    ck_assert_int_eq(rectic_netspec_new(NULL), RECTIC_EINVAL);
    rectic_netspec_free(NULL);
    ck_assert_str_eq(rectic_netspec_errmsg(NULL), "no network (NULL handle)");
    ck_assert_int_eq(rectic_netspec_population(NULL, "E", "qif", NULL, 4), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_input(NULL, "E", "I_ext"), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_spikes(NULL, "E", "spike", "v", 100, -100), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_set(NULL, "E/eta", &x, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_dense(NULL, "E/s", "E/s_in", &x, 1, 1, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_coo(NULL, "E/s", "E/s_in", NULL, 0, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_scalar(NULL, "E/s", "E/s_in", 1, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_template_path(NULL, "."), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_load(NULL, "net.yaml"), RECTIC_EINVAL);
    rectic_netspec *ns = NULL;
    ck_assert_int_eq(rectic_netspec_load(&ns, NULL), RECTIC_EINVAL);
    ck_assert_str_eq(rectic_netspec_errmsg(ns), "no network file (NULL path)");
    rectic_netspec_free(ns);
    ck_assert_ptr_null(rectic_netspec_file(NULL));
    ck_assert_int_eq(rectic_netspec_n_populations(NULL), 0);
    ck_assert_int_eq(rectic_netspec_n_projections(NULL), 0);
    ck_assert_int_eq(rectic_netspec_n_template_paths(NULL), 0);
    ck_assert_ptr_null(rectic_netspec_template_path_at(NULL, 0));
    ck_assert_int_eq(rectic_netspec_find(NULL, "E"), -1); /* an index: -1 is "none" */
    ck_assert_ptr_null(rectic_netspec_pop_name(NULL, 0));
    ck_assert_ptr_null(rectic_netspec_pop_template(NULL, 0));
    ck_assert_ptr_null(rectic_netspec_pop_op(NULL, 0));
    ck_assert_int_eq(rectic_netspec_pop_size(NULL, 0), 0);
    ck_assert_ptr_null(rectic_netspec_pop_input(NULL, 0));
    ck_assert_int_eq(rectic_netspec_pop_spikes(NULL, 0, &str, &str, &x, &x), -1); /* 1 spiking, 0 not, -1 none */
    ck_assert_int_eq(rectic_netspec_pop_n_sets(NULL, 0), 0);
    ck_assert_int_eq(rectic_netspec_pop_set(NULL, 0, 0, &str, &vals, &count), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_proj_ends(NULL, 0, &a, &str, &b, &str), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_proj_weights(NULL, 0, &kind, &vals, &count, &x, &x), RECTIC_EINVAL);
    rectic_net *none = (rectic_net *)1;
    ck_assert_int_eq(rectic_net_new_network(&none, NULL, NULL), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(none); /* a handle that explains */
    ck_assert_str_eq(rectic_errmsg(none), "no network: the netspec is NULL");
    rectic_net_free(none);
    ck_assert_int_eq(rectic_net_new_network(NULL, NULL, NULL), RECTIC_EINVAL);
    ck_assert_ptr_null(rectic_netspec_proj_file(NULL, 0));
    ck_assert_int_eq(rectic_net_n_populations(NULL), 0);
    ck_assert_ptr_null(rectic_net_population(NULL, 0));
    ck_assert_int_eq(rectic_net_population_size(NULL, 0), 0);
    ck_assert_int_eq(rectic_net_projection_delay(NULL, 0), -1);
    ck_assert_ptr_null(rectic_net_projection_coupling(NULL, 0));
    ck_assert_int_eq(rectic_net_input(NULL, "E", NULL, 0, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_record_as(NULL, "E/v", "v"), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_population_spikes(NULL, "E", &count, &pairs), RECTIC_EINVAL);
    /* take no handle (test_header_and_library_versions_agree checks their values) */
    ck_assert_ptr_nonnull(rectic_libversion());
    ck_assert_int_gt(rectic_libversion_number(), 0);
    /* input and readout layers, ridge regression */
    rectic_score score = {7, 7, NULL, NULL, 7, 7};
    ck_assert_int_eq(rectic_activation_find(NULL), -1); /* takes no handle: a NULL name is no activation */
    ck_assert_int_eq(rectic_net_input_weights(NULL, NULL, &x, 1, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_readout(NULL, &x, 1, 1, RECTIC_ACT_TANH), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_fit_ridge(NULL, &x, 1, 1, 1e-4, 0, 0, &score), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_fitted_readout(NULL, &rows, &cols, &data), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_fitted_outputs(NULL, &rows, &cols, &data), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_score(NULL, &x, 1, 1, &score), RECTIC_EINVAL);
    ck_assert_int_eq(score.rows + score.outputs, 14); /* untouched */
    /* online training and feedback */
    double mse[2] = {7, 7};
    long steps2[2] = {7, 7};
    ck_assert_int_eq(rectic_net_rls(NULL, &x, 1, 1, 1.0, 1.0, 1, -1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_feedback_weights(NULL, &x, 1, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_feedback_into(NULL, "E", &x, 1, 1), RECTIC_EINVAL);
    ck_assert_ptr_null(rectic_net_feedback_population(NULL));
    ck_assert_int_eq(rectic_net_rls_errors(NULL, &rows, &cols, &data), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_rls_mse(NULL, mse, steps2), RECTIC_EINVAL);
    ck_assert(mse[0] + mse[1] == 14 && steps2[0] + steps2[1] == 14); /* untouched */
    /* state checkpoints */
    ck_assert_int_eq(rectic_net_save_state(NULL, "/nonexistent/rectic-null-test.npz"), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_load_state(NULL, "/nonexistent/rectic-null-test.npz"), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_checkpoint_every(NULL, 10, "/nonexistent/rectic-null-test.npz"), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_step(NULL), 0);
    int rank = -1, size = -1;
    ck_assert_int_eq(rectic_net_use_mpi(NULL, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_net_mpi_rank(NULL, &rank, &size), RECTIC_EINVAL);
    ck_assert(rectic_net_weight_bytes(NULL) == 0);
    ck_assert(rectic_net_weight_values_read(NULL) == 0);
    double *in = &x;
    long lo = -1, hi = -1;
    ck_assert_int_eq(rectic_net_read_input(NULL, NULL, "inp.csv", &in, &rows, &cols), RECTIC_EINVAL);
    ck_assert_ptr_eq(in, &x); /* untouched */
    ck_assert_int_eq(rectic_net_mpi_block(NULL, NULL, &lo, &hi), RECTIC_EINVAL);
    ck_assert(lo == -1 && hi == -1);
    ck_assert(rectic_net_input_values_read(NULL) == 0);
    ck_assert_int_eq(rank, -1);
    ck_assert_int_eq(rectic_netspec_input_layer(NULL, "E/I_ext", &x, 1, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_readout(NULL, "E/s", &x, 1, 1, RECTIC_ACT_TANH), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_get_input_layer(NULL, &str, &vals, &rows, &cols), -1);
    ck_assert_int_eq(rectic_netspec_get_readout(NULL, &str, &vals, &rows, &cols, NULL), -1);
    ck_assert_str_eq(str, "untouched");
    ck_assert_ptr_null(vals);
    ck_assert_int_eq(a + b, 14);
    ck_assert_int_eq(kind, RECTIC_WEIGHTS_SCALAR);
    ck_assert_double_eq(x, 1);
    ck_assert_ptr_null(data);
    ck_assert_int_eq(rows + cols + count, 21); /* untouched */
}
END_TEST

/* Is name in api_functions? */
static int listed(const char *name)
{
    for (int k = 0; api_functions[k]; k++)
        if (strcmp(api_functions[k], name) == 0)
            return 1;
    return 0;
}

/* The function declared on a line of rectic.h ("type rectic_x(" outside comments and typedefs), copied
   into name; 0 when the line declares none. */
static int declared_function(const char *line, char *name, size_t size)
{
    if (!isalpha((unsigned char)line[0]) || strncmp(line, "typedef", 7) == 0)
        return 0;
    const char *p = strstr(line, "rectic_");
    if (!p)
        return 0;
    size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");
    if (p[len] != '(' || len >= size)
        return 0;
    memcpy(name, p, len);
    name[len] = '\0';
    return 1;
}

START_TEST(test_null_handle_list_matches_the_header)
{
    FILE *f = fopen("include/rectic.h", "r");
    ck_assert_msg(f != NULL, "include/rectic.h: run the test from the source tree's root (make test does)");
    char line[1024], name[128];
    int declared = 0, listed_count = 0;
    while (fgets(line, sizeof line, f)) {
        if (!declared_function(line, name, sizeof name))
            continue;
        declared++;
        ck_assert_msg(listed(name), "%s is declared in rectic.h but test_null_handle_is_refused_by_every_function "
                                    "does not call it (add it to api_functions and the test)", name);
    }
    fclose(f);
    while (api_functions[listed_count])
        listed_count++;
    ck_assert_msg(declared == listed_count, "rectic.h declares %d functions, api_functions lists %d", declared,
                  listed_count);
}
END_TEST

/* The header's version macros agree with each other and with the library's. */
START_TEST(test_header_and_library_versions_agree)
{
    char text[64];
    snprintf(text, sizeof text, "%d.%d.%d", RECTIC_VERSION_MAJOR, RECTIC_VERSION_MINOR, RECTIC_VERSION_PATCH);
    ck_assert_str_eq(RECTIC_VERSION, text);
    ck_assert_int_eq(RECTIC_VERSION_NUMBER,
                     RECTIC_VERSION_MAJOR * 1000000 + RECTIC_VERSION_MINOR * 1000 + RECTIC_VERSION_PATCH);
    ck_assert_str_eq(rectic_libversion(), RECTIC_VERSION);
    ck_assert_int_eq(rectic_libversion_number(), RECTIC_VERSION_NUMBER);
}
END_TEST

/* A spec that did not go through rectic_spec_init, and one from a newer rectic.h than the library, are
   refused by every call that takes one, with a message that says so. */
START_TEST(test_spec_without_init_is_refused)
{
    struct {
        rectic_spec s;
        double newer_field;
    } big;
    rectic_spec_init_size(&big.s, sizeof big); /* as a newer header would */
    ck_assert_int_eq(big.s.size, sizeof big);
    ck_assert_double_eq(big.newer_field, 0);
    ck_assert_double_eq(big.s.dt, 1e-3);
    rectic_spec zero, junk;
    memset(&zero, 0, sizeof zero);
    memset(&junk, 0xab, sizeof junk);
    const rectic_spec *bad[] = {&zero, &junk, &big.s};
    const char *why[] = {"call rectic_spec_init first", "call rectic_spec_init first", "newer than the library"};
    for (int k = 0; k < 3; k++) {
        rectic_spec s = *bad[k];
        s.template_ref = QIF;
        s.op = "qif_op";
        s.n = 3;
        s.output_var = "s";
        rectic_net *net = NULL;
        ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_EINVAL);
        ck_assert_msg(strstr(rectic_errmsg(net), why[k]) != NULL, "%s", rectic_errmsg(net));
        rectic_net_free(net);
        char *text = NULL;
        ck_assert_int_eq(rectic_describe_template(&s, &text), RECTIC_EINVAL);
        ck_assert_msg(strstr(rectic_last_error(), why[k]) != NULL, "%s", rectic_last_error());
    }
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "P", QIF, "qif_op", 3), RECTIC_OK);
    rectic_net *net = NULL;
    ck_assert_int_eq(rectic_net_new_network(&net, ns, &zero), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "rectic_spec_init"));
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

/* Fails a call without a handle in a thread of its own and returns its rectic_last_error() (a copy). */
static void *fail_in_thread(void *path)
{
    double *data;
    long rows, cols;
    ck_assert_int_ne(rectic_read_matrix(path, &data, &rows, &cols), RECTIC_OK);
    return strdup(rectic_last_error());
}

/* Calls without a handle keep their message per thread, until the thread's next such call. */
START_TEST(test_last_error_is_kept_per_thread)
{
    double *data;
    long rows, cols;
    ck_assert_int_eq(rectic_read_matrix("/nonexistent/rectic-a.csv", &data, &rows, &cols), RECTIC_EIO);
    ck_assert_ptr_nonnull(strstr(rectic_last_error(), "rectic-a.csv"));
    pthread_t t;
    void *other;
    ck_assert_int_eq(pthread_create(&t, NULL, fail_in_thread, "/nonexistent/rectic-b.csv"), 0);
    ck_assert_int_eq(pthread_join(t, &other), 0);
    ck_assert_ptr_nonnull(strstr(other, "rectic-b.csv"));
    ck_assert_ptr_nonnull(strstr(rectic_last_error(), "rectic-a.csv")); /* this thread's, unchanged */
    free(other);
    char *text;
    ck_assert_int_eq(rectic_list_templates(&text), RECTIC_OK);
    free(text);
    ck_assert_str_eq(rectic_last_error(), "no error");
}
END_TEST

/* A 3-neuron QIF network on backend, every neuron driven, recording v. */
static rectic_net *qif_net(int backend)
{
    static const double w[9] = {0, 0.5, 0.2, 0.1, 0, 0.3, 0.4, 0.2, 0};
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = QIF;
    s.op = "qif_op";
    s.n = 3;
    s.weights = w;
    s.source_var = "s";
    s.target_var = "s_in";
    s.output_var = "s";
    s.spike_var = "spike";
    s.spike_def = "v";
    s.backend = backend;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    double eta = 4;
    ck_assert_int_eq(rectic_net_set(net, "eta", &eta, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    return net;
}

/* Sets tau and tau_s, runs 2000 steps from the start, and returns a copy of v (6000 values). */
static double *run_with(rectic_net *net, double tau, double tau_s)
{
    ck_assert_int_eq(rectic_net_set(net, "tau", &tau, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_set(net, "tau_s", &tau_s, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_reset(net), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, 2000, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "v", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows * cols, 6000);
    double *copy = malloc(6000 * sizeof *copy);
    memcpy(copy, d, 6000 * sizeof *copy);
    return copy;
}

/* Values of (tau, tau_s) whose powers of two change at every step: before the two-kernel scheme each one
   compiled a kernel of its own (tau 1 -> 3 -> 4 -> 0.5 -> 7 ...). */
static const double sweep[][2] = {{1, 1}, {3, 1}, {4, 1}, {0.5, 3}, {7, 2}, {2, 0.25}, {3, 3}, {1, 1}, {0.5, 5}};
#define N_SWEEP (sizeof sweep / sizeof sweep[0])

/* Sweeps tau and tau_s on one network of backend: at most two compilations in all, the specialised kernel
   back in use whenever its powers of two hold, and v bit for bit that of a fresh network per value. */
static void sweep_compiles_at_most_twice(int backend)
{
    rectic_net *net = qif_net(backend);
    ck_assert_ptr_nonnull(strstr(rectic_net_source(net), "tau_inv")); /* specialised for tau = 1 */
    for (size_t k = 0; k < N_SWEEP; k++) {
        double tau = sweep[k][0], tau_s = sweep[k][1];
        double *got = run_with(net, tau, tau_s);
        ck_assert_int_le(rectic_net_compilations(net), 2);
        ck_assert_str_eq(rectic_net_backend(net), backend == RECTIC_BACKEND_CC ? "cc" : "tcc");
        int pow2 = frexp(tau, &(int){0}) == 0.5 && frexp(tau_s, &(int){0}) == 0.5;
        ck_assert_msg((strstr(rectic_net_source(net), "tau_inv") != NULL) == pow2, "tau %g tau_s %g: %s kernel "
                      "expected", tau, tau_s, pow2 ? "the specialised" : "the generic");
        rectic_net *fresh = qif_net(backend); /* compiled for these values from the start */
        double *want = run_with(fresh, tau, tau_s);
        ck_assert_msg(memcmp(got, want, 6000 * sizeof *got) == 0, "tau %g tau_s %g: v differs from a fresh network",
                      tau, tau_s);
        free(got), free(want);
        rectic_net_free(fresh);
    }
    ck_assert_int_eq(rectic_net_compilations(net), 2);
    rectic_net_free(net);
}

START_TEST(test_parameter_sweep_compiles_at_most_twice_tcc)
{
    sweep_compiles_at_most_twice(RECTIC_BACKEND_TCC);
}
END_TEST

START_TEST(test_parameter_sweep_compiles_at_most_twice_cc)
{
    if (system("command -v cc >/dev/null 2>&1") != 0)
        TU_SKIP("no C compiler (cc) on the PATH");
    char *cache = tu_tmpdir(); /* cold: every kernel compiles (a cache hit is not counted) */
    setenv("XDG_CACHE_HOME", cache, 1);
    sweep_compiles_at_most_twice(RECTIC_BACKEND_CC);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* Making a parameter per neuron still builds a new specialised kernel, and the sweep after it compiles at
   most once more. */
START_TEST(test_shape_change_then_sweep_compiles_at_most_twice_more)
{
    rectic_net *net = qif_net(RECTIC_BACKEND_TCC);
    double etas[3] = {1, 2, 3};
    ck_assert_int_eq(rectic_net_set(net, "eta", etas, 3), RECTIC_OK);
    free(run_with(net, 3, 1)); /* the generic compile still due is dropped for the new specialised one */
    ck_assert_int_eq(rectic_net_compilations(net), 2);
    ck_assert_ptr_nonnull(strstr(rectic_net_source(net), "tau_s_inv"));
    ck_assert_ptr_null(strstr(rectic_net_source(net), "tau_inv"));
    for (size_t k = 0; k < N_SWEEP; k++)
        free(run_with(net, sweep[k][0], sweep[k][1]));
    ck_assert_int_eq(rectic_net_compilations(net), 3);
    rectic_net_free(net);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("contract");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_null_handle_is_refused_by_every_function);
    tcase_add_test(tc, test_null_handle_list_matches_the_header);
    tcase_add_test(tc, test_header_and_library_versions_agree);
    tcase_add_test(tc, test_last_error_is_kept_per_thread);
    tcase_add_test(tc, test_spec_without_init_is_refused);
    tcase_add_test(tc, test_parameter_sweep_compiles_at_most_twice_tcc);
    tcase_add_test(tc, test_parameter_sweep_compiles_at_most_twice_cc);
    tcase_add_test(tc, test_shape_change_then_sweep_compiles_at_most_twice_more);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

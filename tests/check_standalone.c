/*
 * check_standalone.c -- rectic_net_standalone for networks of populations: the source holds the kernel
 * the run compiled, carries per-unit values and weights within its budget and asks for the rest, compiles
 * under -std=c11 -Wall -Wextra -Werror, and the program it builds writes the files rectic_net_write writes,
 * byte for byte.
 */
#include <math.h>
#include <stdint.h>
#include <sys/wait.h>

#include "rectic.h"
#include "testutil.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define LIF "neuron_model_templates.spiking_neurons.lif.lif"
#define NE 10
#define NI 4
#define STEPS 600
#define DT 1e-3

/* E (qif, per-unit eta) and I (lif, threshold 2, reset 0), both with inputs: E->E dense, E->I COO with a pair given twice,
   delayed 2 steps, I->E dense, I->I scalar. */
static rectic_netspec *two_populations(long ne)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "E", QIF, "qif_op", ne), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(ns, "E", "I_ext"), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "E", "spike", "v", 100, -100), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "I", LIF, "lif_op", NI), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(ns, "I", "I_ext"), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "I", "spike", "v", 2, 0), RECTIC_OK);
    double *eta = malloc(sizeof(double) * (size_t)ne), *ee = malloc(sizeof(double) * (size_t)(ne * ne));
    double ie[NE * NI], ei[NI * NE];
    tu_fill(eta, ne, 4.0, 1);
    tu_fill(ee, ne * ne, 2.0, 2);
    tu_fill(ie, NE * NI, 3.0, 3);
    ck_assert_int_eq(rectic_netspec_set(ns, "E/eta", eta, ne), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_dense(ns, "E/s", "E/s_in", ee, ne, ne, 0), RECTIC_OK);
    double coo[] = {0, 1, 0.5, 3, 2, 0.25, 0, 1, -0.125, 2, 7, 0.75}; /* (0, 1) given twice */
    ck_assert_int_eq(rectic_netspec_coo(ns, "E/s", "I/s_in", coo, 4, 0.002), RECTIC_OK);
    tu_fill(ei, NI * NE, -1.0, 4);
    for (long i = 0; i < NE * NI && ne == NE; i++)
        ei[i] = ie[i] < 0 ? ie[i] : 0; /* half of them zero */
    if (ne == NE)
        ck_assert_int_eq(rectic_netspec_dense(ns, "I/s", "E/s_in", ei, NE, NI, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "I/s", "I/s_in", -0.5, 0), RECTIC_OK);
    free(eta);
    free(ee);
    return ns;
}

/* Builds the network of ns with the given coupling and precision, failing the test with its message. */
static rectic_net *build(const rectic_netspec *ns, int coupling, int dtype)
{
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = DT;
    o.coupling = coupling;
    o.dtype = dtype;
    rectic_net *net = NULL;
    int rc = rectic_net_new_network(&net, ns, &o);
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
    return net;
}

/* The standalone source of net, failing the test with its message. */
static char *source(rectic_net *net)
{
    char *text = NULL;
    int rc = rectic_net_standalone(net, RECTIC_FORMAT_CSV, &text);
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_ptr_nonnull(text);
    return text;
}

/* Runs a shell command, returning its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

START_TEST(test_the_source_holds_the_kernel_the_run_compiled)
{
    rectic_netspec *ns = two_populations(NE);
    rectic_net *net = build(ns, RECTIC_COUPLING_AUTO, RECTIC_FLOAT64);
    char *text = source(net);
    const char *kernel = rectic_net_source(net);
    ck_assert_ptr_nonnull(kernel);
    ck_assert_msg(strstr(text, kernel) != NULL, "the program's kernel is not the one the run compiled");
    ck_assert_ptr_nonnull(strstr(text, "static const double rectic_sa_values_E_")); /* eta, one per unit */
    ck_assert_ptr_nonnull(strstr(text, "static const struct rectic_sa_w rectic_sa_w_1[] = {")); /* the COO one */
    ck_assert_msg(strstr(text, "    {1, 0.375},\n") != NULL, "the pair (0, 1) given twice is one entry 0.5 - 0.125");
    free(text);
    ck_assert_int_eq(rectic_net_standalone(net, RECTIC_FORMAT_CSV, NULL), RECTIC_EINVAL);
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

START_TEST(test_a_large_network_leaves_weights_and_values_to_files)
{
    /* 300 x 300 dense weights (89700 nonzero) and 300 values of eta: the values are carried, the weights
       are not (65536 numbers at most) */
    rectic_netspec *ns = two_populations(300);
    rectic_net *net = build(ns, RECTIC_COUPLING_DENSE, RECTIC_FLOAT64);
    char *text = source(net);
    ck_assert_ptr_nonnull(strstr(text, "static const double rectic_sa_values_E_"));
    ck_assert_msg(strstr(text, "\"E/qif_op/s\", \"E/qif_op/s_in\", 0.0, -1, ") != NULL,
                  "the dense weights are carried");
    ck_assert_ptr_null(strstr(text, "rectic_sa_w_0"));
    ck_assert_msg(strlen(text) < 400000, "%zu bytes", strlen(text));
    free(text);
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

/* Writes rows x cols values as CSV that reads back exactly. */
static void write_csv(const char *path, const double *x, long rows, long cols)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < cols; j++)
            fprintf(f, "%.17g%c", x[i * cols + j], j + 1 < cols ? ',' : '\n');
    fclose(f);
}

START_TEST(test_values_too_many_to_carry_are_asked_for)
{
    /* 70000 units with an eta each: more numbers than a program carries; the program asks for E/eta=@FILE */
    if (sh("command -v cc >/dev/null 2>&1") != 0)
        TU_SKIP("no cc to compile the program");
    const long n = 70000;
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "E", QIF, "qif_op", n), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "E", "spike", "v", 100, -100), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "E/s", "E/s_in", 1e-5, 0), RECTIC_OK);
    double *eta = malloc(sizeof(double) * (size_t)n);
    tu_fill(eta, n, 4.0, 7);
    ck_assert_int_eq(rectic_netspec_set(ns, "E/eta", eta, n), RECTIC_OK);
    rectic_net *net = build(ns, RECTIC_COUPLING_AUTO, RECTIC_FLOAT64);
    ck_assert_int_eq(rectic_net_record_as(net, "E/v", NULL), RECTIC_OK);
    char *text = source(net), *dir = tu_tmpdir(), path[4200];
    ck_assert_ptr_null(strstr(text, "rectic_sa_values_E_"));
    ck_assert_msg(strstr(text, ", NULL, 1},\n") != NULL, "eta is not marked as missing");
    free(tu_write(dir, "sim.c", text));
    free(text);
    snprintf(path, sizeof path, "%s/eta.csv", dir);
    write_csv(path, eta, n, 1);
    ck_assert_int_eq(rectic_net_run(net, 3, NULL, 0), RECTIC_OK);
    snprintf(path, sizeof path, "%s/run", dir);
    ck_assert_int_eq(rectic_net_write(net, path, RECTIC_FORMAT_CSV), RECTIC_OK);
    ck_assert_int_eq(sh("cc -std=c11 -O1 -Wall -Werror -DRECTIC_NO_BLAS '%s/sim.c' -lm -o '%s/sim'", dir, dir), 0);
    ck_assert_int_eq(sh("cd '%s' && ./sim --steps 3 -o none 2>err.txt", dir), 1);
    ck_assert_int_eq(sh("grep -qF 'E/qif_op/eta: its 70000 values (one per unit) were too many to be carried in "
                        "this program: give E/qif_op/eta=@FILE' '%s/err.txt'", dir), 0);
    ck_assert_int_eq(sh("cd '%s' && ./sim --steps 3 -o sa E/eta=@eta.csv 2>/dev/null", dir), 0);
    ck_assert_int_eq(sh("cmp -s '%s/run/E_v.csv' '%s/sa/E_v.csv'", dir, dir), 0);
    free(eta);
    rectic_net_free(net);
    rectic_netspec_free(ns);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The network run through the library and through its compiled standalone program: the same files.
   The program is compiled without BLAS, so the dense projections are inline. */
static void program_equals_run(int dtype, int coupling)
{
    if (sh("command -v cc >/dev/null 2>&1") != 0)
        TU_SKIP("no cc to compile the program");
    char *dir = tu_tmpdir(), path[4200];
    rectic_netspec *ns = two_populations(NE);
    rectic_net *net = build(ns, coupling, dtype);
    double in[STEPS * NE];
    tu_fill(in, STEPS * NE, 20.0, 5);
    for (long i = 0; i < STEPS * NE; i++)
        in[i] += 300.0; /* every E unit spikes a few times */
    snprintf(path, sizeof path, "%s/input_E.csv", dir);
    write_csv(path, in, STEPS, NE);
    ck_assert_int_eq(rectic_net_input(net, "E", in, STEPS, NE), RECTIC_OK);
    double in_i[STEPS]; /* one column: the same input for every I unit */
    tu_fill(in_i, STEPS, 4.0, 6);
    for (long i = 0; i < STEPS; i++)
        in_i[i] += 12.0;
    snprintf(path, sizeof path, "%s/input_I.csv", dir);
    write_csv(path, in_i, STEPS, 1);
    ck_assert_int_eq(rectic_net_input(net, "I", in_i, STEPS, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(net, "E/v", "E_v"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(net, "I/lif_op/v", NULL), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record_as(net, "E/s", "out"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_sampling(net, 3, RECTIC_SAMPLE_MEAN, 10), RECTIC_OK);
    char *text = source(net);
    free(tu_write(dir, "sim.c", text));
    free(text);
    ck_assert_int_eq(rectic_net_run(net, STEPS, NULL, 0), RECTIC_OK);
    snprintf(path, sizeof path, "%s/run", dir);
    ck_assert_int_eq(rectic_net_write(net, path, RECTIC_FORMAT_CSV), RECTIC_OK);
    ck_assert_int_eq(sh("cc -std=c11 -O2 -Wall -Wextra -Werror -DRECTIC_NO_BLAS '%s/sim.c' -lm -o '%s/sim'", dir, dir), 0);
    ck_assert_int_eq(sh("cd '%s' && ./sim --input E=input_E.csv --input I/I_ext=input_I.csv -o sa 2>/dev/null", dir), 0);
    const char *files[] = {"out.csv", "E_v.csv", "I_lif_op_v.csv", "spikes_E.csv", "spikes_I.csv", "time.csv"};
    for (size_t k = 0; k < sizeof files / sizeof *files; k++)
        ck_assert_msg(sh("cmp -s '%s/run/%s' '%s/sa/%s'", dir, files[k], dir, files[k]) == 0, "%s differs", files[k]);
    ck_assert_msg(sh("[ $(wc -l < '%s/sa/spikes_E.csv') -gt 10 ] && [ -s '%s/sa/spikes_I.csv' ]", dir, dir) == 0,
                  "too few spikes to tell");
    rectic_net_free(net);
    rectic_netspec_free(ns);
    tu_rmtree(dir);
    free(dir);
}

START_TEST(test_the_program_writes_what_the_run_writes)
{
    program_equals_run(RECTIC_FLOAT64, RECTIC_COUPLING_INLINE);
}
END_TEST

START_TEST(test_the_program_writes_what_the_run_writes_float32_sparse)
{
    program_equals_run(RECTIC_FLOAT32, RECTIC_COUPLING_SPARSE);
}
END_TEST

START_TEST(test_the_program_writes_what_the_run_writes_event)
{
    program_equals_run(RECTIC_FLOAT64, RECTIC_COUPLING_EVENT);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("standalone");
    TCase *tc = tcase_create("networks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_the_source_holds_the_kernel_the_run_compiled);
    tcase_add_test(tc, test_a_large_network_leaves_weights_and_values_to_files);
    tcase_add_test(tc, test_values_too_many_to_carry_are_asked_for);
    tcase_add_test(tc, test_the_program_writes_what_the_run_writes);
    tcase_add_test(tc, test_the_program_writes_what_the_run_writes_float32_sparse);
    tcase_add_test(tc, test_the_program_writes_what_the_run_writes_event);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

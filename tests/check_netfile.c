/*
 * check_netfile.c -- tests of network descriptions: the rectic_netspec builder, network files
 * (generator/netfile.c) with their error messages, delays in steps, and telling network files from
 * template names.
 */
#include <math.h>

#include "testutil.h"

#include "io_npy.h"
#include "netfile.h"
#include "netspec.h"
#include "rectic.h"

/* ----- helpers ----- */

/* dir/name, malloc'd. */
static char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    ck_assert_ptr_nonnull(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Writes a rows x cols .npy file dir/name. */
static void write_npy(const char *dir, const char *name, const double *data, long rows, long cols)
{
    char *path = join(dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(rct_npy_write(f, data, rows, cols, 0), 0);
    ck_assert_int_eq(fclose(f), 0);
    free(path);
}

static const double W_EI[] = {0.25, -0.5, 1.0, 2.0, 0.125, -4.0};          /* I (2) x E (3) */
static const double COO_II[] = {0, 1, -0.1, 1, 0, -0.2};                    /* 2 entries */

/* A temporary folder with the weight and value files of the test network (E: 3 units, I: 2). */
static char *fixture(void)
{
    char *dir = tu_tmpdir();
    free(tu_write(dir, "eta_E.csv", "0.5\n-1.25\n2\n"));
    free(tu_write(dir, "w_EE.csv", "1,2,3\n4,5,6\n7,8,9.5\n"));
    write_npy(dir, "w_EI.npy", W_EI, 2, 3);
    free(tu_write(dir, "coo_IE.csv", "0,1,-0.5\n2,0,-1.5\n0,1,0.25\n"));
    write_npy(dir, "coo_II.npy", COO_II, 2, 3);
    free(tu_write(dir, "bad.csv", "1,2\n3,x\n"));
    free(tu_write(dir, "row2.csv", "1,2\n"));
    free(tu_write(dir, "coo4.csv", "0,0,1,2\n"));
    free(tu_write(dir, "coo_far.csv", "0,0,1\n3,1,2\n"));
    free(tu_write(dir, "coo_half.csv", "0,0.5,1\n"));
    return dir;
}

static const char *const GOOD =
    "populations:\n"
    "  E: {template: neuron_model_templates.spiking_neurons.qif.qif_sfa, op: qif_sfa_op, n: 3, input: I_ext,\n"
    "      spike: {var: spike, def: v, threshold: 50, reset: -60},\n"
    "      set: {eta: \"@eta_E.csv\", alpha: 0.5, qif_sfa_op/tau: 2}}\n"
    "  I: {template: neuron_model_templates.spiking_neurons.qif.qif, op: qif_op, n: 2, spike: {var: spike, def: v}}\n"
    "projections:\n"
    "  - {source: E/s, target: E/s_in, weights: w_EE.csv}\n"
    "  - {source: E/s, target: I/s_in, weights: w_EI.npy, delay: 0.002}\n"
    "  - {source: I/s, target: E/s_in, weights-coo: coo_IE.csv}\n"
    "  - {source: I/s, target: I/qif_op/s_in, weights-coo: coo_II.npy, delay: 0.0025}\n"
    "  - {source: I/s, target: I/s_in, weight: -1.0}\n";

/* The test network GOOD written into a fixture folder and loaded. */
typedef struct good {
    char *dir, *path;
    rectic_netspec *ns;
} good;

static good load_good(void)
{
    good g;
    g.dir = fixture();
    g.path = tu_write(g.dir, "net.yaml", GOOD);
    ck_assert_int_eq(rectic_netspec_load(&g.ns, g.path), RECTIC_OK);
    return g;
}

static void unload_good(good *g)
{
    rectic_netspec_free(g->ns);
    free(g->path);
    tu_rmtree(g->dir);
    free(g->dir);
}

/* s with every "{D}" replaced by dir, malloc'd. */
static char *fill_dir(const char *s, const char *dir)
{
    char *out = malloc(strlen(s) * (strlen(dir) + 1) + 1), *o = out;
    ck_assert_ptr_nonnull(out);
    while (*s) {
        if (strncmp(s, "{D}", 3) == 0) {
            o += sprintf(o, "%s", dir);
            s += 3;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

/* Writes yaml as {D}/net.yaml into the fixture folder, loads it and checks the status and the whole
   message ("{D}" in want stands for the folder). */
static void expect_error(const char *yaml, int code, const char *want)
{
    char *dir = fixture();
    char *path = tu_write(dir, "net.yaml", yaml);
    rectic_netspec *ns = NULL;
    int rc = rectic_netspec_load(&ns, path);
    char *expected = fill_dir(want, dir);
    ck_assert_ptr_nonnull(ns);
    ck_assert_str_eq(rectic_netspec_errmsg(ns), expected);
    ck_assert_int_eq(rc, code);
    rectic_netspec_free(ns);
    free(expected);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* Checks dense projection k of ns against rows x cols values of want, and its ends and delay. */
/* Projection k's weights as its file holds them (a network file leaves them there: w is NULL); malloc'd. */
static double *file_weights(const rectic_netspec *ns, int k, const double *w, long count, int coo)
{
    ck_assert_ptr_null(w);
    const char *file = rectic_netspec_proj_file(ns, k);
    ck_assert_ptr_nonnull(file);
    double *data;
    long rows, cols;
    ck_assert_msg(rectic_read_matrix(file, &data, &rows, &cols) == RECTIC_OK, "%s", rectic_last_error());
    ck_assert_int_eq(rows * cols, coo ? 3 * count : count);
    return data;
}

static void check_dense(const rectic_netspec *ns, int k, const char *src, const char *tgt, const double *want,
                        long count, double delay)
{
    int sp = -1, tp = -1;
    const char *s = NULL, *t = NULL;
    ck_assert_int_eq(rectic_netspec_proj_ends(ns, k, &sp, &s, &tp, &t), RECTIC_OK);
    ck_assert_str_eq(s, src);
    ck_assert_str_eq(t, tgt);
    ck_assert_int_eq(sp, rectic_netspec_find(ns, (char[]){src[0], 0}));
    ck_assert_int_eq(tp, rectic_netspec_find(ns, (char[]){tgt[0], 0}));
    rectic_weights_kind kind;
    const double *w = NULL;
    long n = 0;
    double d = -1, scalar = -1;
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, k, &kind, &w, &n, &scalar, &d), RECTIC_OK);
    ck_assert_int_eq(kind, RECTIC_WEIGHTS_DENSE);
    ck_assert_int_eq(n, count);
    double *in_file = file_weights(ns, k, w, count, 0);
    for (long i = 0; i < count; i++)
        ck_assert_double_eq(in_file[i], want[i]);
    free(in_file);
    ck_assert_double_eq(scalar, 0.0);
    ck_assert_double_eq(d, delay);
}

/* Set k of population i: checks its variable and count, returns its values. */
static const double *set_values(const rectic_netspec *ns, int i, int k, const char *var, long count)
{
    const char *got_var = NULL;
    const double *v = NULL;
    long got_count = -1;
    ck_assert_int_eq(rectic_netspec_pop_set(ns, i, k, &got_var, &v, &got_count), RECTIC_OK);
    ck_assert_str_eq(got_var, var);
    ck_assert_int_eq(got_count, count);
    return v;
}

/* ----- network files that load ----- */

START_TEST(test_written_network_loads_populations_in_file_order)
{
    good g = load_good();
    rectic_netspec *ns = g.ns;
    ck_assert_str_eq(rectic_netspec_errmsg(ns), "no error");
    ck_assert_str_eq(rectic_netspec_file(ns), g.path);
    ck_assert_int_eq(rectic_netspec_n_populations(ns), 2);
    ck_assert_str_eq(rectic_netspec_pop_name(ns, 0), "E");
    ck_assert_str_eq(rectic_netspec_pop_template(ns, 0), "neuron_model_templates.spiking_neurons.qif.qif_sfa");
    ck_assert_str_eq(rectic_netspec_pop_op(ns, 0), "qif_sfa_op");
    ck_assert_int_eq(rectic_netspec_pop_size(ns, 0), 3);
    ck_assert_str_eq(rectic_netspec_pop_input(ns, 0), "I_ext");
    ck_assert_str_eq(rectic_netspec_pop_name(ns, 1), "I");
    ck_assert_str_eq(rectic_netspec_pop_op(ns, 1), "qif_op");
    ck_assert_int_eq(rectic_netspec_pop_size(ns, 1), 2);
    ck_assert_ptr_null(rectic_netspec_pop_input(ns, 1));
    /* the network file's folder is the first template path */
    ck_assert_int_eq(rectic_netspec_n_template_paths(ns), 1);
    ck_assert_str_eq(rectic_netspec_template_path_at(ns, 0), g.dir);
    unload_good(&g);
}
END_TEST

START_TEST(test_written_network_has_spike_rules_with_defaults)
{
    good g = load_good();
    rectic_netspec *ns = g.ns;
    const char *var, *def;
    double th, re;
    ck_assert_int_eq(rectic_netspec_pop_spikes(ns, 0, &var, &def, &th, &re), 1);
    ck_assert_str_eq(var, "spike");
    ck_assert_str_eq(def, "v");
    ck_assert_double_eq(th, 50.0);
    ck_assert_double_eq(re, -60.0);
    ck_assert_int_eq(rectic_netspec_pop_spikes(ns, 1, &var, &def, &th, &re), 1);
    ck_assert_double_eq(th, 100.0);
    ck_assert_double_eq(re, -100.0);
    ck_assert_int_eq(rectic_netspec_pop_spikes(ns, 2, NULL, NULL, NULL, NULL), -1);
    unload_good(&g);
}
END_TEST

START_TEST(test_written_network_set_values_from_numbers_and_files)
{
    good g = load_good();
    rectic_netspec *ns = g.ns;
    ck_assert_int_eq(rectic_netspec_pop_n_sets(ns, 0), 3);
    ck_assert_int_eq(rectic_netspec_pop_n_sets(ns, 1), 0);
    const double *v = set_values(ns, 0, 0, "eta", 3);
    ck_assert_double_eq(v[0], 0.5);
    ck_assert_double_eq(v[1], -1.25);
    ck_assert_double_eq(v[2], 2.0);
    ck_assert_double_eq(set_values(ns, 0, 1, "alpha", 1)[0], 0.5);
    ck_assert_double_eq(set_values(ns, 0, 2, "qif_sfa_op/tau", 1)[0], 2.0);
    ck_assert_int_eq(rectic_netspec_pop_set(ns, 0, 3, NULL, NULL, NULL), RECTIC_EINVAL);
    /* positions kept for the runtime's later messages */
    char where[512];
    rct_netspec_where(ns, ns->pops[0].sets[1].ref.at, where, sizeof where);
    char *want = fill_dir("{D}/net.yaml:4:32: ", g.dir);
    ck_assert_str_eq(where, want);
    free(want);
    unload_good(&g);
}
END_TEST

START_TEST(test_written_network_projections_in_order_with_file_weights)
{
    good g = load_good();
    rectic_netspec *ns = g.ns;
    ck_assert_int_eq(rectic_netspec_n_projections(ns), 5);
    static const double w_ee[] = {1, 2, 3, 4, 5, 6, 7, 8, 9.5};
    check_dense(ns, 0, "E/s", "E/s_in", w_ee, 9, 0.0);
    check_dense(ns, 1, "E/s", "I/s_in", W_EI, 6, 0.002);
    rectic_weights_kind kind;
    const double *w;
    long n;
    double scalar, delay;
    static const double coo_ie[] = {0, 1, -0.5, 2, 0, -1.5, 0, 1, 0.25};
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, 2, &kind, &w, &n, &scalar, &delay), RECTIC_OK);
    ck_assert_int_eq(kind, RECTIC_WEIGHTS_COO);
    ck_assert_int_eq(n, 3);
    double *in_file = file_weights(ns, 2, w, n, 1);
    for (int i = 0; i < 9; i++)
        ck_assert_double_eq(in_file[i], coo_ie[i]);
    free(in_file);
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, 3, &kind, &w, &n, &scalar, &delay), RECTIC_OK);
    ck_assert_int_eq(kind, RECTIC_WEIGHTS_COO);
    ck_assert_int_eq(n, 2);
    in_file = file_weights(ns, 3, w, n, 1);
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq(in_file[i], COO_II[i]);
    free(in_file);
    ck_assert_double_eq(delay, 0.0025);
    ck_assert_int_eq(rct_delay_steps(delay, 1e-3), 2);
    const char *t;
    ck_assert_int_eq(rectic_netspec_proj_ends(ns, 3, NULL, NULL, NULL, &t), RECTIC_OK);
    ck_assert_str_eq(t, "I/qif_op/s_in");
    ck_assert_str_eq(ns->projs[3].tgt_var.op, "qif_op");
    ck_assert_str_eq(ns->projs[3].tgt_var.var, "s_in");
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, 4, &kind, &w, &n, &scalar, &delay), RECTIC_OK);
    ck_assert_int_eq(kind, RECTIC_WEIGHTS_SCALAR);
    ck_assert_ptr_null(w);
    ck_assert_int_eq(n, 1);
    ck_assert_double_eq(scalar, -1.0);
    ck_assert_double_eq(delay, 0.0);
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, 5, &kind, &w, &n, &scalar, &delay), RECTIC_EINVAL);
    unload_good(&g);
}
END_TEST

/* Reads a CSV file of the shared case with the public reader. */
static double *read_case(const char *dir, const char *name, long *rows, long *cols)
{
    char *path = join(dir, name);
    double *data = NULL;
    ck_assert_msg(rectic_read_matrix(path, &data, rows, cols) == RECTIC_OK, "%s", rectic_last_error());
    free(path);
    return data;
}

START_TEST(test_shared_multipop_ei_qif_network_loads)
{
    const char *shared = tu_shared_dir();
    if (!shared)
        TU_SKIP("no ../shared folder (set RECTIC_SHARED)");
    char *dir = join(shared, "cases/multipop_ei_qif");
    char *path = join(dir, "network.yaml");
    if (access(path, R_OK) != 0)
        TU_SKIP("%s is missing", path);
    rectic_netspec *ns;
    ck_assert_msg(rectic_netspec_load(&ns, path) == RECTIC_OK, "%s", rectic_netspec_errmsg(ns));
    ck_assert_int_eq(rectic_netspec_n_populations(ns), 2);
    ck_assert_str_eq(rectic_netspec_pop_template(ns, 0), "neuron_model_templates.spiking_neurons.qif.qif_sfa");
    ck_assert_str_eq(rectic_netspec_pop_template(ns, 1), "neuron_model_templates.spiking_neurons.qif.qif");
    ck_assert_int_eq(rectic_netspec_pop_size(ns, 0), 16);
    ck_assert_int_eq(rectic_netspec_pop_size(ns, 1), 4);
    double th, re;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(rectic_netspec_pop_spikes(ns, i, NULL, NULL, &th, &re), 1);
        ck_assert_double_eq(th, 100.0);
        ck_assert_double_eq(re, -100.0);
        ck_assert_str_eq(rectic_netspec_pop_input(ns, i), "I_ext");
    }
    static const char *const etas[] = {"eta_E.csv", "eta_I.csv"};
    for (int i = 0; i < 2; i++) {
        long count = rectic_netspec_pop_size(ns, i), rows, cols;
        const double *v = set_values(ns, i, 0, "eta", count);
        double *want = read_case(dir, etas[i], &rows, &cols);
        ck_assert_int_eq(rows * cols, count);
        for (long k = 0; k < count; k++)
            ck_assert_double_eq(v[k], want[k]);
        free(want);
    }
    ck_assert_double_eq(set_values(ns, 0, 1, "alpha", 1)[0], 0.5);
    static const char *const files[] = {"w_E_to_E.csv", "w_E_to_I.csv", "w_I_to_E.csv", "w_I_to_I.csv"};
    static const char *const ends[][2] = {{"E/s", "E/s_in"}, {"E/s", "I/s_in"}, {"I/s", "E/s_in"}, {"I/s", "I/s_in"}};
    ck_assert_int_eq(rectic_netspec_n_projections(ns), 4);
    for (int k = 0; k < 4; k++) {
        long rows, cols;
        double *want = read_case(dir, files[k], &rows, &cols);
        check_dense(ns, k, ends[k][0], ends[k][1], want, rows * cols, 0.0);
        free(want);
    }
    rectic_netspec_free(ns);
    free(path);
    free(dir);
}
END_TEST

/* ----- errors in network files, each with its position ----- */

START_TEST(test_file_errors_in_structure_name_the_position)
{
    expect_error("", RECTIC_EINVAL, "{D}/net.yaml: empty file, expected populations: and projections:");
    expect_error("- a\n", RECTIC_EINVAL, "{D}/net.yaml:1:1: network file: expected a map, got a list");
    expect_error("populations: {E: {template: t, n: 1}}\nneurons: 3\n", RECTIC_EINVAL,
                 "{D}/net.yaml:2:1: unknown key 'neurons' in a network file (expected populations, projections, "
                 "input_layer, readout)");
    expect_error("projections: []\n", RECTIC_EINVAL, "{D}/net.yaml:1:1: network file: missing key 'populations'");
    expect_error("populations: [E]\n", RECTIC_EINVAL, "{D}/net.yaml:1:14: populations: expected a map, got a list");
    expect_error("populations: {}\n", RECTIC_EINVAL, "{D}/net.yaml:1:14: populations: expected at least one population");
    expect_error("populations: {E: 3}\n", RECTIC_EINVAL, "{D}/net.yaml:1:18: population E: expected a map, got a single value");
    expect_error("populations: {E: {template: t, n: 1, size: 2}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:38: unknown key 'size' in population E (expected template, op, n, input, spike, set)");
    expect_error("populations: {E: {n: 1}}\n", RECTIC_EINVAL, "{D}/net.yaml:1:18: population E: missing key 'template'");
    expect_error("populations: {E: {template: t}}\n", RECTIC_EINVAL, "{D}/net.yaml:1:18: population E: missing key 'n'");
    expect_error("populations: {E: {template: [t], n: 1}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:29: population E: template: expected a single value, got a list");
    expect_error("populations: {E: {template: t, n: 1}}\nprojections: {a: 1}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:2:14: projections: expected a list, got a map");
    expect_error("populations: {E: {template: t, n: 1}, E: {template: t, n: 2}}\n", RECTIC_ESYNTAX,
                 "{D}/net.yaml:1:39: duplicate key 'E' (first at line 1)");
}
END_TEST

START_TEST(test_file_errors_in_populations_name_the_value)
{
    expect_error("populations: {E: {template: t, n: ten}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:35: n: expected a whole number, got 'ten'");
    expect_error("populations: {E: {template: t, n: 0}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:35: population 'E': n must be at least 1, got 0");
    expect_error("populations: {1E: {template: t, n: 1}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:15: population name '1E': expected letters, digits and _, not starting with a digit");
    expect_error("populations: {E: {template: t, op: a.b, n: 1}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:36: population 'E': operator 'a.b' is not a name");
    expect_error("populations: {E: {template: t, n: 1, input: a/b/c}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:45: input 'a/b/c': expected VAR or OP/VAR (names of letters, digits and _)");
    expect_error("populations: {E: {template: t, n: 1, spike: {var: s}}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:45: population E: spike: missing key 'def'");
    expect_error("populations: {E: {template: t, n: 1, spike: {var: s, def: v, threshold: high}}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:73: spike threshold: expected a finite number, got 'high'");
    expect_error("populations: {E: {template: t, n: 1, spike: {var: s, def: v, reset: .inf}}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:69: spike reset: expected a finite number, got '.inf'");
    expect_error("populations: {E: {template: t, n: 1, spike: {var: s, def: 'v w'}}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:59: spike def 'v w': expected VAR or OP/VAR (names of letters, digits and _)");
}
END_TEST

START_TEST(test_file_errors_in_set_values_name_the_value)
{
    expect_error("populations: {E: {template: t, n: 3, set: {eta: \"1.5\"}}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:49: set E/eta: expected a number or \"@FILE\"");
    expect_error("populations: {E: {template: t, n: 3, set: {eta: 1.5x}}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:49: E/eta: expected a finite number, got '1.5x'");
    expect_error("populations: {E: {template: t, n: 3, set: {eta: \"@row2.csv\"}}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:49: E/eta: row2.csv holds 1 x 2 values, expected a column or a row of 3 (one per unit of E)");
    expect_error("populations: {E: {template: t, n: 3, set: {eta: \"@nope.csv\"}}}\n", RECTIC_EIO,
                 "{D}/net.yaml:1:49: E/eta: {D}/nope.csv: cannot open: No such file or directory");
    expect_error("populations: {E: {template: t, n: 3, set: {op/x/eta: 1}}}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:1:44: set 'E/op/x/eta': expected POP/VAR or POP/OP/VAR (names of letters, digits and _)");
}
END_TEST

/* The two populations of the error tests (E: 3 units, I: 2) and the start of a projection line. */
#define TWO_POPS "populations: {E: {template: t, n: 3}, I: {template: t, n: 2}}\nprojections:\n"

START_TEST(test_file_errors_in_projections_name_the_value)
{
    expect_error(TWO_POPS "  - {source: X/s, target: E/s_in, weight: 1}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:14: projection source 'X/s': unknown population 'X'");
    expect_error(TWO_POPS "  - {source: E/s, target: E, weight: 1}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:27: projection target 'E': expected POP/VAR or POP/OP/VAR");
    expect_error(TWO_POPS "  - {source: E/s, weight: 1}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:5: projection 1: missing key 'target'");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:5: projection 1: no weights, expected one of weights: FILE, weights-coo: FILE and "
                 "weight: NUMBER");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in, weight: 1, weights: w_EE.csv}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:46: projection 1: 'weight' and 'weights' given, expected only one of weights, "
                 "weights-coo and weight");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in, weight: 1, gain: 2}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:46: unknown key 'gain' in projection 1 (expected source, target, weights, "
                 "weights-coo, weight, delay)");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in, weight: 1}\n  - 7\n", RECTIC_EINVAL,
                 "{D}/net.yaml:4:5: projection 2: expected a map, got a single value");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in, weight: strong}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:43: weight: expected a finite number, got 'strong'");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in, weight: 1, delay: -0.001}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:53: projection E/s -> E/s_in: delay must be a finite number >= 0, got -0.001");
}
END_TEST

START_TEST(test_file_errors_in_weight_files_name_the_value_and_the_file)
{
    expect_error(TWO_POPS "  - {source: E/s, target: I/s_in, weights: w_EE.csv}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:44: w_EE.csv: projection E/s -> I/s_in: weights are 3 x 3, expected 2 x 3 "
                 "(units of I x units of E)");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in, weights: missing.npy}\n", RECTIC_EIO,
                 "{D}/net.yaml:3:44: weights: {D}/missing.npy: cannot open: No such file or directory");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in, weights: bad.csv}\n", RECTIC_ESYNTAX,
                 "{D}/net.yaml:3:44: weights: {D}/bad.csv:2:3: expected a number, found 'x'");
    expect_error(TWO_POPS "  - {source: E/s, target: E/s_in, weights-coo: coo4.csv}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:48: weights-coo: coo4.csv has 4 columns, expected 3 (target, source, weight)");
    expect_error(TWO_POPS "  - {source: I/s, target: E/s_in, weights-coo: coo_far.csv}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:48: coo_far.csv: projection I/s -> E/s_in: entry 2: target index 3 is not a whole "
                 "number in 0..2");
    expect_error(TWO_POPS "  - {source: I/s, target: E/s_in, weights-coo: coo_half.csv}\n", RECTIC_EINVAL,
                 "{D}/net.yaml:3:48: coo_half.csv: projection I/s -> E/s_in: entry 1: source index 0.5 is not a whole "
                 "number in 0..1");
}
END_TEST

START_TEST(test_missing_network_file_is_an_io_error)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_load(&ns, "/nonexistent/net.yaml"), RECTIC_EIO);
    ck_assert_str_eq(rectic_netspec_errmsg(ns), "/nonexistent/net.yaml: cannot open: No such file or directory");
    rectic_netspec_free(ns);
}
END_TEST

/* ----- the builder used directly ----- */

START_TEST(test_builder_copies_arrays_and_reads_back)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_str_eq(rectic_netspec_errmsg(ns), "no error");
    ck_assert_int_eq(rectic_netspec_population(ns, "exc", "pkg.qif.qif", NULL, 2), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "inh_2", "dir/qif/qif", "qif_op", 1), RECTIC_OK);
    ck_assert_ptr_null(rectic_netspec_pop_op(ns, 0));
    ck_assert_int_eq(rectic_netspec_pop_spikes(ns, 0, NULL, NULL, NULL, NULL), 0);
    ck_assert_int_eq(rectic_netspec_input(ns, "exc", "qif_op/I_ext"), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(ns, "exc", "I_ext"), RECTIC_OK); /* replaces */
    ck_assert_str_eq(rectic_netspec_pop_input(ns, 0), "I_ext");
    double w[] = {1, 2}, eta[] = {-1, -2}, coo[] = {1, 0, 0.5};
    ck_assert_int_eq(rectic_netspec_dense(ns, "exc/s", "inh_2/s_in", w, 1, 2, 0.001), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_coo(ns, "inh_2/s", "exc/qif_op/s_in", coo, 1, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_coo(ns, "inh_2/s", "exc/s_in", NULL, 0, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "exc/s", "exc/s_in", 0.25, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_set(ns, "exc/eta", eta, 2), RECTIC_OK);
    w[0] = 99;
    coo[2] = 99;
    eta[1] = 99;
    const double *got;
    long count;
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, 0, NULL, &got, &count, NULL, NULL), RECTIC_OK);
    ck_assert_int_eq(count, 2);
    ck_assert_double_eq(got[0], 1.0);
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, 1, NULL, &got, &count, NULL, NULL), RECTIC_OK);
    ck_assert_double_eq(got[2], 0.5);
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, 2, NULL, &got, &count, NULL, NULL), RECTIC_OK);
    ck_assert_int_eq(count, 0);
    ck_assert_int_eq(rectic_netspec_pop_set(ns, 0, 0, NULL, &got, &count), RECTIC_OK);
    ck_assert_double_eq(got[1], -2.0);
    ck_assert_int_eq(rectic_netspec_n_projections(ns), 4);
    ck_assert_int_eq(rectic_netspec_find(ns, "inh_2"), 1);
    ck_assert_int_eq(rectic_netspec_find(ns, "inh"), -1);
    ck_assert_ptr_null(rectic_netspec_file(ns));
    ck_assert_int_eq(rectic_netspec_template_path(ns, "/tmp/a"), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_template_path(ns, "b"), RECTIC_OK);
    ck_assert_str_eq(rectic_netspec_template_path_at(ns, 1), "b");
    ck_assert_ptr_null(rectic_netspec_template_path_at(ns, 2));
    char where[64] = "x";
    rct_netspec_where(ns, ns->pops[0].at_name, where, sizeof where);
    ck_assert_str_eq(where, "");
    rectic_netspec_free(ns);
}
END_TEST

/* Checks that a builder call failed with RECTIC_EINVAL and message want, leaving the spec as it was. */
#define EXPECT_EINVAL(ns, call, want)                                                         \
    do {                                                                                      \
        int np_ = rectic_netspec_n_populations(ns), nq_ = rectic_netspec_n_projections(ns);   \
        ck_assert_int_eq((call), RECTIC_EINVAL);                                              \
        ck_assert_str_eq(rectic_netspec_errmsg(ns), (want));                                  \
        ck_assert_int_eq(rectic_netspec_n_populations(ns), np_);                              \
        ck_assert_int_eq(rectic_netspec_n_projections(ns), nq_);                              \
    } while (0)

START_TEST(test_builder_rejects_bad_arguments_with_messages)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "E", "t", NULL, 3), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "I", "t", NULL, 2), RECTIC_OK);
    EXPECT_EINVAL(ns, rectic_netspec_population(ns, "E", "t", NULL, 1), "population 'E' is defined twice");
    EXPECT_EINVAL(ns, rectic_netspec_population(ns, "a-b", "t", NULL, 1),
                  "population name 'a-b': expected letters, digits and _, not starting with a digit");
    EXPECT_EINVAL(ns, rectic_netspec_population(ns, NULL, "t", NULL, 1),
                  "population name '(null)': expected letters, digits and _, not starting with a digit");
    EXPECT_EINVAL(ns, rectic_netspec_population(ns, "X", "", NULL, 1), "population 'X': no template given");
    EXPECT_EINVAL(ns, rectic_netspec_population(ns, "X", "t", NULL, -4), "population 'X': n must be at least 1, got -4");
    EXPECT_EINVAL(ns, rectic_netspec_input(ns, "Z", "I_ext"), "input: unknown population 'Z'");
    EXPECT_EINVAL(ns, rectic_netspec_spikes(ns, "E", "spike", "v", NAN, -100),
                  "population 'E': spike threshold must be a finite number");
    EXPECT_EINVAL(ns, rectic_netspec_spikes(ns, "E", "spike", "v", 100, INFINITY),
                  "population 'E': spike reset must be a finite number");
    EXPECT_EINVAL(ns, rectic_netspec_spikes(ns, "E", NULL, "v", 100, -100), "spike var: no variable given");
    ck_assert_int_eq(rectic_netspec_pop_spikes(ns, 0, NULL, NULL, NULL, NULL), 0);
    double v3[] = {1, 2, 3}, bad[] = {1, NAN};
    EXPECT_EINVAL(ns, rectic_netspec_set(ns, "I/eta", v3, 3),
                  "set I/eta: expected 1 value or 2 (one per unit of I), got 3");
    EXPECT_EINVAL(ns, rectic_netspec_set(ns, "I/eta", bad, 2), "set I/eta: value 2 is not a finite number");
    EXPECT_EINVAL(ns, rectic_netspec_set(ns, "eta", v3, 1), "set 'eta': expected POP/VAR or POP/OP/VAR");
    EXPECT_EINVAL(ns, rectic_netspec_set(ns, "Q/eta", v3, 1), "set 'Q/eta': unknown population 'Q'");
    ck_assert_int_eq(rectic_netspec_pop_n_sets(ns, 1), 0);
    double w23[6] = {0}, w32[6] = {0}, wnan[6] = {0, 0, 0, 0, INFINITY, 0};
    EXPECT_EINVAL(ns, rectic_netspec_dense(ns, "E/s", "I/s_in", w32, 3, 2, 0),
                  "projection E/s -> I/s_in: weights are 3 x 2, expected 2 x 3 (units of I x units of E)");
    EXPECT_EINVAL(ns, rectic_netspec_dense(ns, "E/s", "I/s_in", wnan, 2, 3, 0),
                  "projection E/s -> I/s_in: the weight in row 2, column 2 is not a finite number");
    EXPECT_EINVAL(ns, rectic_netspec_dense(ns, "E/s", "I/s_in", w23, 2, 3, -1),
                  "projection E/s -> I/s_in: delay must be a finite number >= 0, got -1");
    EXPECT_EINVAL(ns, rectic_netspec_dense(ns, "E/s", "I/s_in", w23, 2, 3, NAN),
                  "projection E/s -> I/s_in: delay must be a finite number >= 0, got nan");
    EXPECT_EINVAL(ns, rectic_netspec_dense(ns, "E/s", "I/s_in", NULL, 2, 3, 0), "projection E/s -> I/s_in: no weights given");
    double c_neg[] = {-1, 0, 1}, c_w[] = {0, 0, NAN};
    EXPECT_EINVAL(ns, rectic_netspec_coo(ns, "E/s", "I/s_in", c_neg, 1, 0),
                  "projection E/s -> I/s_in: entry 1: target index -1 is not a whole number in 0..1");
    EXPECT_EINVAL(ns, rectic_netspec_coo(ns, "E/s", "I/s_in", c_w, 1, 0),
                  "projection E/s -> I/s_in: entry 1: the weight is not a finite number");
    EXPECT_EINVAL(ns, rectic_netspec_coo(ns, "E/s", "I/s_in", NULL, 2, 0),
                  "projection E/s -> I/s_in: no COO entries given (nnz 2)");
    EXPECT_EINVAL(ns, rectic_netspec_scalar(ns, "E/s", "I/s_in", NAN, 0),
                  "projection E/s -> I/s_in: the weight is not a finite number");
    EXPECT_EINVAL(ns, rectic_netspec_scalar(ns, "E/op/x/s", "I/s_in", 1, 0),
                  "projection source 'E/op/x/s': expected POP/VAR or POP/OP/VAR (names of letters, digits and _)");
    EXPECT_EINVAL(ns, rectic_netspec_scalar(ns, "E/s", "I/", 1, 0),
                  "projection target 'I/': expected POP/VAR or POP/OP/VAR (names of letters, digits and _)");
    EXPECT_EINVAL(ns, rectic_netspec_template_path(ns, ""), "template path: no folder given");
    /* a good call clears the message */
    ck_assert_int_eq(rectic_netspec_scalar(ns, "E/s", "I/s_in", 1, 0), RECTIC_OK);
    ck_assert_str_eq(rectic_netspec_errmsg(ns), "no error");
    rectic_netspec_free(ns);
}
END_TEST

START_TEST(test_null_handles_are_einval)
{
    double v = 1;
    ck_assert_str_eq(rectic_netspec_errmsg(NULL), "no network (NULL handle)");
    ck_assert_int_eq(rectic_netspec_population(NULL, "E", "t", NULL, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_input(NULL, "E", "I_ext"), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_spikes(NULL, "E", "spike", "v", 100, -100), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_set(NULL, "E/eta", &v, 1), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_dense(NULL, "E/s", "E/s_in", &v, 1, 1, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_coo(NULL, "E/s", "E/s_in", NULL, 0, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_scalar(NULL, "E/s", "E/s_in", 1, 0), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_template_path(NULL, "."), RECTIC_EINVAL);
    ck_assert_int_eq(rct_netfile_read(NULL, "net.yaml"), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_n_populations(NULL), 0);
    ck_assert_int_eq(rectic_netspec_n_projections(NULL), 0);
    ck_assert_int_eq(rectic_netspec_n_template_paths(NULL), 0);
    ck_assert_int_eq(rectic_netspec_find(NULL, "E"), -1);
    ck_assert_ptr_null(rectic_netspec_pop_name(NULL, 0));
    ck_assert_int_eq(rectic_netspec_pop_size(NULL, 0), 0);
    ck_assert_int_eq(rectic_netspec_pop_spikes(NULL, 0, NULL, NULL, NULL, NULL), -1);
    ck_assert_int_eq(rectic_netspec_pop_set(NULL, 0, 0, NULL, NULL, NULL), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_proj_ends(NULL, 0, NULL, NULL, NULL, NULL), RECTIC_EINVAL);
    ck_assert_int_eq(rectic_netspec_proj_weights(NULL, 0, NULL, NULL, NULL, NULL, NULL), RECTIC_EINVAL);
    ck_assert_ptr_null(rectic_netspec_file(NULL));
    rectic_netspec_free(NULL);
}
END_TEST

/* ----- delays in steps ----- */

START_TEST(test_delay_steps_round_half_to_even)
{
    ck_assert_int_eq(rct_delay_steps(0.0025, 0.001), 2);
    ck_assert_int_eq(rct_delay_steps(0.0036, 0.001), 4);
    ck_assert_int_eq(rct_delay_steps(0.0015, 0.001), 2);
    ck_assert_int_eq(rct_delay_steps(0.0005, 0.001), 0);
    ck_assert_int_eq(rct_delay_steps(0.002, 0.001), 2);
    ck_assert_int_eq(rct_delay_steps(0.0, 0.001), 0);
    ck_assert_int_eq(rct_delay_steps(1.0, 1e-4), 10000);
    ck_assert_int_eq(rct_delay_steps(-0.001, 0.001), -1);
    ck_assert_int_eq(rct_delay_steps(0.001, 0.0), -1);
    ck_assert_int_eq(rct_delay_steps(0.001, NAN), -1);
    ck_assert_int_eq(rct_delay_steps(1e300, 1e-300), -1);
}
END_TEST

/* ----- network files or template names ----- */

START_TEST(test_detect_tells_network_files_from_templates)
{
    char *dir = fixture();
    char *net = tu_write(dir, "net.yaml", GOOD);
    char *yml = tu_write(dir, "net.yml", GOOD);
    char *txt = tu_write(dir, "net.txt", GOOD);
    char *tmpl = tu_write(dir, "tmpl.yaml", "qif_op:\n  base: OperatorTemplate\n");
    char *list = tu_write(dir, "list.yaml", "- populations\n");
    char *broken = tu_write(dir, "broken.yaml", "populations: [\n");
    char *sub = join(dir, "folder.yaml");
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    ck_assert_int_eq(rct_netfile_detect(net), 1);
    ck_assert_int_eq(rct_netfile_detect(yml), 1);
    ck_assert_int_eq(rct_netfile_detect(txt), 0);
    ck_assert_int_eq(rct_netfile_detect(tmpl), 0);
    ck_assert_int_eq(rct_netfile_detect(list), 0);
    ck_assert_int_eq(rct_netfile_detect(broken), 0);
    ck_assert_int_eq(rct_netfile_detect(sub), 0);
    ck_assert_int_eq(rct_netfile_detect("neuron_model_templates.spiking_neurons.qif.qif"), 0);
    ck_assert_int_eq(rct_netfile_detect("templates/neuron_model_templates/spiking_neurons/qif.yaml"), 0);
    ck_assert_int_eq(rct_netfile_detect(NULL), 0);
    free(net), free(yml), free(txt), free(tmpl), free(list), free(broken), free(sub);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("netfile");
    TCase *tc = tcase_create("netfile");
    tcase_add_test(tc, test_written_network_loads_populations_in_file_order);
    tcase_add_test(tc, test_written_network_has_spike_rules_with_defaults);
    tcase_add_test(tc, test_written_network_set_values_from_numbers_and_files);
    tcase_add_test(tc, test_written_network_projections_in_order_with_file_weights);
    tcase_add_test(tc, test_shared_multipop_ei_qif_network_loads);
    tcase_add_test(tc, test_file_errors_in_structure_name_the_position);
    tcase_add_test(tc, test_file_errors_in_populations_name_the_value);
    tcase_add_test(tc, test_file_errors_in_set_values_name_the_value);
    tcase_add_test(tc, test_file_errors_in_projections_name_the_value);
    tcase_add_test(tc, test_file_errors_in_weight_files_name_the_value_and_the_file);
    tcase_add_test(tc, test_missing_network_file_is_an_io_error);
    tcase_add_test(tc, test_builder_copies_arrays_and_reads_back);
    tcase_add_test(tc, test_builder_rejects_bad_arguments_with_messages);
    tcase_add_test(tc, test_null_handles_are_einval);
    tcase_add_test(tc, test_delay_steps_round_half_to_even);
    tcase_add_test(tc, test_detect_tells_network_files_from_templates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

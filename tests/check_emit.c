/*
 * check_emit.c -- tests of the C emitter and the TinyCC JIT (generator/emit_c.h, runtime/jit_tcc.h) and of
 * the numbers the generated kernels compute through the public API.
 */
#include <math.h>
#include <sys/stat.h>

#include "testutil.h"

#include "emit_c.h"
#include "emit_common.h"
#include "ir.h"
#include "jit_tcc.h"
#include "rectic.h"
#include "template.h"
#include "util.h"

/* ---------------------------------------------------------------- helpers */

/* Builds the model of a node template given as YAML text (registered as file "m"). */
static rct_model *model_from_yaml(const char *yaml, const char *ref, const rct_roles *roles)
{
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_int_eq(rct_loader_add_text(L, "m", yaml), 0);
    ck_assert_int_eq(rct_loader_add_dir(L, rct_builtin_template_dir()), 0);
    rct_tnode *node = NULL;
    ck_assert_msg(rct_template_load(L, ref, &node) == 0, "%s", err.msg);
    rct_roles none = {0};
    rct_model *m = NULL;
    ck_assert_msg(rct_model_build(node, roles ? roles : &none, &m, &err) == 0, "%s", err.msg);
    rct_tnode_free(node);
    rct_loader_free(L);
    return m;
}

/* Emits the kernel of m with shared parameters; the caller frees. */
static char *emit(const rct_model *m, int dtype, int coupling, int spiking)
{
    int *pv = calloc((size_t)m->n_param + 1, sizeof *pv);
    rct_emit_opts o = {.dtype = dtype, .param_vector = pv, .coupling = coupling, .coupling_mode = RCT_COUP_DENSE,
                       .spiking = spiking};
    rct_err err = {0, ""};
    char *src = rct_emit_c(m, &o, &err);
    ck_assert_msg(src != NULL, "%s", err.msg);
    free(pv);
    return src;
}

/* Emits the kernel of an operator whose only equation is "r = <rhs>" over parameters x and z. */
static char *emit_rhs(const char *rhs)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"r = %s\"\n"
             "  variables:\n"
             "    r: output(0.0)\n"
             "    x: 0.5\n"
             "    z: 2.0\n",
             rhs);
    rct_model *m = model_from_yaml(yaml, "m.op", NULL);
    char *src = emit(m, RECTIC_FLOAT64, 0, 0);
    rct_model_free(m);
    return src;
}

/* The roles of the shipped spiking templates: s feeds s_in through W, out = s, spikes where v crosses. */
static void spiking_roles(rectic_spec *spec)
{
    spec->source_var = "s";
    spec->target_var = "s_in";
    spec->output_var = "s";
    spec->spike_var = "spike";
    spec->spike_def = "v";
}

/* A one-operator network from YAML text: template_ref m.<ref>, output `output`. */
static rectic_net *net_from_yaml(const char *yaml, const char *ref, long n, const char *output, double dt, int dtype)
{
    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_yaml = yaml;
    spec.template_ref = ref;
    spec.use_env_path = 0;
    spec.n = n;
    spec.output_var = output;
    spec.dt = dt;
    spec.dtype = dtype;
    rectic_net *net = NULL;
    int rc = rectic_net_new(&net, &spec);
    ck_assert_msg(rc == RECTIC_OK, "rectic_net_new(%s): %s", ref, rectic_errmsg(net));
    return net;
}

/* The recording `name` of the last run: row `row`, neuron `col`. */
static double recorded(rectic_net *net, const char *name, long row, long col)
{
    long rows = 0, cols = 0;
    const double *data = NULL;
    ck_assert_msg(rectic_net_recording(net, name, &rows, &cols, &data) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_lt(row, rows);
    ck_assert_int_lt(col, cols);
    return data[row * cols + col];
}

/* Evaluates "r = <rhs>" (one neuron, parameters x and z) for one step and returns r. */
static double eval2(const char *rhs, double x, double z, int dtype)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "node:\n"
             "  base: NodeTemplate\n"
             "  operators: [f_op]\n"
             "f_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"r = %s\"\n"
             "  variables:\n"
             "    r: output(0.0)\n"
             "    x: 0.0\n"
             "    z: 0.0\n",
             rhs);
    rectic_net *net = net_from_yaml(yaml, "m.node", 1, "r", 1e-3, dtype);
    int has_z = strchr(rhs, 'z') != NULL, has_x = strchr(rhs, 'x') != NULL;
    if (has_x)
        ck_assert_msg(rectic_net_set(net, "x", &x, 1) == RECTIC_OK, "%s", rectic_errmsg(net));
    if (has_z)
        ck_assert_msg(rectic_net_set(net, "z", &z, 1) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_msg(rectic_net_record(net, "r") == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_msg(rectic_net_run(net, 1, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    double r = recorded(net, "r", 0, 0);
    ck_assert(memcmp(&r, &(double){recorded(net, "out", 0, 0)}, sizeof r) == 0);
    rectic_net_free(net);
    return r;
}

static double eval1(const char *rhs, double x)
{
    return eval2(rhs, x, 0.0, RECTIC_FLOAT64);
}

/* Asserts bit equality (so that -0 and 0 differ, and NaN equals NaN). */
#define ASSERT_SAME(got, want)                                                                             \
    do {                                                                                                   \
        double g_ = (got), w_ = (want);                                                                    \
        ck_assert_msg(memcmp(&g_, &w_, sizeof g_) == 0, "%s = %.17g, expected %.17g", #got, g_, w_);        \
    } while (0)

/* ---------------------------------------------------------------- emitted text */

static const char *const QIF = "neuron_model_templates.spiking_neurons.qif.qif";

START_TEST(test_power_two_is_product)
{
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_int_eq(rct_loader_add_dir(L, rct_builtin_template_dir()), 0);
    rct_tnode *node = NULL;
    ck_assert_msg(rct_template_load(L, QIF, &node) == 0, "%s", err.msg);
    rct_roles roles = {.op = "qif_op", .source = "s", .target = "s_in", .input = "I_ext", .output = "s",
                       .spike_var = "spike", .spike_def = "v"};
    rct_model *m = NULL;
    ck_assert_msg(rct_model_build(node, &roles, &m, &err) == 0, "%s", err.msg);
    char *src = emit(m, RECTIC_FLOAT64, 1, 1);
    ck_assert_msg(strstr(src, "v_*v_") != NULL, "%s", src);
    ck_assert_msg(strstr(src, "pow") == NULL, "%s", src);
    /* a comment line names the source equation */
    ck_assert_msg(strstr(src, "/* qif_op: v' = (v^2 + eta + I_ext)/tau + k*s_in */\n") != NULL, "%s", src);
    ck_assert_msg(strstr(src, "/* qif_op: s' = -s/tau_s + spike */\n") != NULL, "%s", src);
    free(src);
    rct_model_free(m);
    rct_tnode_free(node);
    rct_loader_free(L);
}
END_TEST

START_TEST(test_power_three_is_product)
{
    char *src = emit_rhs("x^3");
    ck_assert_msg(strstr(src, "= x_*x_*x_;") != NULL, "%s", src);
    ck_assert_msg(strstr(src, "pow") == NULL, "%s", src);
    free(src);
}
END_TEST

START_TEST(test_power_of_sum_is_parenthesised_product)
{
    char *src = emit_rhs("(x + 1)^2");
    ck_assert_msg(strstr(src, "= (x_ + 1.0)*(x_ + 1.0);") != NULL, "%s", src);
    free(src);
}
END_TEST

START_TEST(test_other_exponents_call_pow)
{
    static const char *const rhs[] = {"x^4", "x^2.5", "x^-1", "x^z", "x**0.5"};
    for (size_t k = 0; k < sizeof rhs / sizeof rhs[0]; k++) {
        char *src = emit_rhs(rhs[k]);
        ck_assert_msg(strstr(src, "= pow(x_, ") != NULL, "%s: %s", rhs[k], src);
        ck_assert_msg(strstr(src, "double pow(double, double);") != NULL, "%s: %s", rhs[k], src);
        free(src);
    }
}
END_TEST

START_TEST(test_float32_kernel_calls_float_functions)
{
    char yaml[] = "op:\n"
                  "  base: OperatorTemplate\n"
                  "  equations: \"r = sin(x) + x^z + 0.1\"\n"
                  "  variables:\n"
                  "    r: output(0.0)\n"
                  "    x: 0.5\n"
                  "    z: 2.5\n";
    rct_model *m = model_from_yaml(yaml, "m.op", NULL);
    char *src = emit(m, RECTIC_FLOAT32, 0, 0);
    ck_assert_msg(strstr(src, "typedef float real;") != NULL, "%s", src);
    ck_assert_msg(strstr(src, "= sinf(x_) + powf(x_, z_) + 0.1f;") != NULL, "%s", src);
    free(src);
    rct_model_free(m);
}
END_TEST

START_TEST(test_emitted_kernel_compiles_with_jit)
{
    char *src = emit_rhs("sigmoid(x) + sign(z) + max(x, z) + round(x) + absv(z)");
    rct_jit *jit = NULL;
    void *fn = NULL;
    rct_err err = {0, ""};
    ck_assert_msg(rct_jit_compile(src, rct_emit_symbols(), "rectic_kernel", &jit, &fn, &err) == 0, "%s\n%s", err.msg,
                  src);
    ck_assert_ptr_nonnull(jit);
    ck_assert_ptr_nonnull(fn);
    rct_jit_free(jit);
    free(src);
}
END_TEST

START_TEST(test_jit_reports_compile_errors)
{
    rct_jit *jit = (rct_jit *)1;
    void *fn = (void *)1;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_jit_compile("long rectic_kernel(void) { return undefined_name; }", rct_emit_symbols(),
                                     "rectic_kernel", &jit, &fn, &err),
                     RECTIC_EJIT);
    ck_assert_ptr_null(jit);
    ck_assert_ptr_null(fn);
    ck_assert_msg(strstr(err.msg, "TinyCC could not compile the generated kernel") == err.msg, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "undefined_name") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_jit_missing_entry_is_error)
{
    rct_jit *jit = (rct_jit *)1;
    void *fn = (void *)1;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_jit_compile("long other(void) { return 1; }", rct_emit_symbols(), "rectic_kernel", &jit, &fn,
                                     &err),
                     RECTIC_EJIT);
    ck_assert_ptr_null(jit);
    ck_assert_str_eq(err.msg, "generated code has no function rectic_kernel");
}
END_TEST

START_TEST(test_safe_comment_cannot_close_comment)
{
    static const char *const texts[] = {"a */ b", "*/", "**/", "/*/", "x*/*/y", "*/*/*/"};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        rct_buf b;
        rct_buf_init(&b);
        rct_emit_safe_comment(&b, texts[k]);
        ck_assert_ptr_nonnull(b.s);
        ck_assert_msg(strstr(b.s, "*/") == NULL, "\"%s\" -> \"%s\"", texts[k], b.s);
        ck_assert_msg(strstr(b.s, "/*") == NULL, "\"%s\" -> \"%s\"", texts[k], b.s);
        rct_buf_free(&b);
    }
}
END_TEST

START_TEST(test_safe_comment_keeps_text_readable)
{
    rct_buf b;
    rct_buf_init(&b);
    rct_emit_safe_comment(&b, "a */ b");
    ck_assert_str_eq(b.s, "a * / b");
    rct_buf_free(&b);
}
END_TEST

START_TEST(test_safe_comment_drops_line_breaks_and_trigraphs)
{
    rct_buf b;
    rct_buf_init(&b);
    rct_emit_safe_comment(&b, "a\nb\\c?\?/d\xce\xb1");
    ck_assert_str_eq(b.s, "a_b_c__/d__");
    rct_buf_free(&b);
}
END_TEST

/* ---------------------------------------------------------------- injection */

/* Builds a network from yaml (template m.n) in a fresh directory that is also the working directory;
   it must fail with exactly `want`, and no file named pwned may appear. */
static void expect_rejected_how(const char *yaml, int code, const char *want, int prefix_only)
{
    char *dir = tu_tmpdir();
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_yaml = yaml;
    spec.template_ref = "m.n";
    spec.use_env_path = 0;
    spec.n = 1;
    spec.output_var = "v";
    rectic_net *net = NULL;
    int rc = rectic_net_new(&net, &spec);
    ck_assert_msg(rc != RECTIC_OK, "accepted:\n%s", yaml);
    if (rc == RECTIC_OK)
        rectic_net_run(net, 1, NULL, 0);
    if (prefix_only)
        ck_assert_msg(strncmp(rectic_errmsg(net), want, strlen(want)) == 0, "%s", rectic_errmsg(net));
    else
        ck_assert_str_eq(rectic_errmsg(net), want);
    ck_assert_int_eq(rc, code);
    rectic_net_free(net);
    struct stat st;
    ck_assert_msg(stat("pwned", &st) != 0, "the template ran a command");
    ck_assert_int_eq(chdir(cwd), 0);
    tu_rmtree(dir);
    free(dir);
}

static void expect_rejected(const char *yaml, int code, const char *want)
{
    expect_rejected_how(yaml, code, want, 0);
}

START_TEST(test_c_code_in_variable_name_is_rejected)
{
    expect_rejected("n:\n"
                    "  base: OperatorTemplate\n"
                    "  equations: \"v' = -v\"\n"
                    "  variables:\n"
                    "    v: output(0.0)\n"
                    "    'x; system(\"touch pwned\")': 1.0\n",
                    RECTIC_ETEMPLATE,
                    "m:6:5: invalid variable name 'x; system(\"touch pwned\")': expected letters, digits and '_', not "
                    "starting with a digit");
}
END_TEST

START_TEST(test_c_code_in_equation_is_rejected)
{
    expect_rejected("n:\n"
                    "  base: OperatorTemplate\n"
                    "  equations: \"v' = -v; system(\\\"touch pwned\\\")\"\n"
                    "  variables:\n"
                    "    v: output(0.0)\n",
                    RECTIC_ESYNTAX, "m:3:22: unexpected character ';'");
}
END_TEST

START_TEST(test_comment_closer_in_equation_is_rejected)
{
    expect_rejected("n:\n"
                    "  base: OperatorTemplate\n"
                    "  equations: \"v' = -v */ system(1) /* 2\"\n"
                    "  variables:\n"
                    "    v: output(0.0)\n",
                    RECTIC_ESYNTAX, "m:3:24: expected a number, a name or '(', found '/'");
}
END_TEST

START_TEST(test_preprocessor_line_in_equation_is_rejected)
{
    expect_rejected_how("n:\n"
                    "  base: OperatorTemplate\n"
                    "  equations: |-\n"
                    "    v' = -v\n"
                    "    #include \"/etc/passwd\"\n"
                    "  variables:\n"
                    "    v: output(0.0)\n",
                    RECTIC_ESYNTAX, "m:3:14: unexpected character '#'", 1);
}
END_TEST

START_TEST(test_quote_in_equation_is_rejected)
{
    expect_rejected("n:\n"
                    "  base: OperatorTemplate\n"
                    "  equations: v' = -v + \"x\"\n"
                    "  variables:\n"
                    "    v: output(0.0)\n",
                    RECTIC_ESYNTAX, "m:3:24: unexpected character '\"'");
}
END_TEST

START_TEST(test_backslash_in_equation_is_rejected)
{
    expect_rejected("n:\n"
                    "  base: OperatorTemplate\n"
                    "  equations: v' = -v \\ 2\n"
                    "  variables:\n"
                    "    v: output(0.0)\n",
                    RECTIC_ESYNTAX, "m:3:22: unexpected character '\\'");
}
END_TEST

START_TEST(test_unicode_in_equation_is_rejected)
{
    expect_rejected("n:\n"
                    "  base: OperatorTemplate\n"
                    "  equations: \"v' = -v + \xce\xb1\"\n"
                    "  variables:\n"
                    "    v: output(0.0)\n",
                    RECTIC_ESYNTAX, "m:3:25: unexpected byte 0xce (only ASCII is allowed)");
}
END_TEST

START_TEST(test_unicode_variable_name_is_rejected)
{
    expect_rejected("n:\n"
                    "  base: OperatorTemplate\n"
                    "  equations: \"v' = -v\"\n"
                    "  variables:\n"
                    "    v: output(0.0)\n"
                    "    \xce\xb1: 1.0\n",
                    RECTIC_ETEMPLATE,
                    "m:6:5: invalid variable name '\xce\xb1': expected letters, digits and '_', not starting with a "
                    "digit");
}
END_TEST

START_TEST(test_c_code_in_operator_name_is_rejected)
{
    expect_rejected("'op;system(\"touch pwned\")':\n"
                    "  base: OperatorTemplate\n"
                    "  equations: \"v' = -v\"\n"
                    "  variables:\n"
                    "    v: output(0.0)\n"
                    "n:\n"
                    "  base: NodeTemplate\n"
                    "  operators: ['op;system(\"touch pwned\")']\n",
                    RECTIC_ETEMPLATE,
                    "m:2:3: invalid operator name 'op;system(\"touch pwned\")': expected letters, digits and '_'");
}
END_TEST

START_TEST(test_c_keyword_names_compile)
{
    /* names that are C keywords or the kernel's own names must not clash with the generated code */
    rectic_net *net = net_from_yaml("n:\n"
                                    "  base: OperatorTemplate\n"
                                    "  equations:\n"
                                    "    - \"int' = -int/double + n + i + dt + c + in\"\n"
                                    "    - \"return = 2*int\"\n"
                                    "  variables:\n"
                                    "    int: output(1.0)\n"
                                    "    return: variable(0.0)\n"
                                    "    double: 2.0\n"
                                    "    n: 0.0\n"
                                    "    i: 0.0\n"
                                    "    dt: 0.0\n"
                                    "    c: 0.0\n"
                                    "    in: 0.0\n",
                                    "m.n", 1, "int", 0.5, RECTIC_FLOAT64);
    ck_assert_int_eq(rectic_net_record(net, "return"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_run(net, 2, NULL, 0), RECTIC_OK);
    ASSERT_SAME(recorded(net, "out", 1, 0), 0.75);
    ASSERT_SAME(recorded(net, "return", 1, 0), 1.5);
    rectic_net_free(net);
}
END_TEST

START_TEST(test_template_path_with_comment_closer_is_neutralised)
{
    char *dir = tu_tmpdir();
    char sub[4300], ref[4400];
    snprintf(sub, sizeof sub, "%s/a*", dir);
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    free(tu_write(sub, "f.yaml",
                  "n:\n"
                  "  base: OperatorTemplate\n"
                  "  equations: \"v' = 1\"\n"
                  "  variables:\n"
                  "    v: output(0.0)\n"));
    snprintf(ref, sizeof ref, "%s/a*/f/n", dir);
    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_ref = ref;
    spec.use_env_path = 0;
    spec.n = 1;
    spec.output_var = "v";
    spec.dt = 0.5;
    rectic_net *net = NULL;
    ck_assert_msg(rectic_net_new(&net, &spec) == RECTIC_OK, "%s", rectic_errmsg(net));
    const char *src = rectic_net_source(net);
    const char *end = strstr(src, "*/");
    ck_assert_ptr_nonnull(end);
    /* the first comment runs to the end of the header, past the template name */
    ck_assert_msg(strstr(src, "Generated by rectic") < end, "%s", src);
    ck_assert_int_eq(rectic_net_run(net, 2, NULL, 0), RECTIC_OK);
    double v;
    long count;
    ck_assert_int_eq(rectic_net_get(net, "v", &v, 1, &count), RECTIC_OK);
    ASSERT_SAME(v, 1.0);
    rectic_net_free(net);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* ---------------------------------------------------------------- shipped templates */

/* The dotted names of the built-in node templates (NULL-terminated). */
static char **builtin_names(void)
{
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    char *text = NULL;
    ck_assert_msg(rct_template_list(L, rct_builtin_template_dir(), &text) == 0, "%s", err.msg);
    rct_loader_free(L);
    char **names = calloc(256, sizeof *names);
    int n = 0;
    for (char *line = strtok(text, "\n"); line && n < 255; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = '\0';
        names[n++] = strdup(line);
    }
    free(text);
    return names;
}

START_TEST(test_every_shipped_template_kernel_compiles_and_runs)
{
    char **names = builtin_names();
    int count = 0;
    enum { N = 3, STEPS = 100 };
    double w[N * N];
    for (int i = 0; i < N * N; i++)
        w[i] = i % (N + 1) == 0 ? 0.0 : 0.5;
    for (int t = 0; names[t]; t++, count++) {
        const char *last = strrchr(names[t], '.') + 1;
        char op[128], source[128];
        rectic_spec spec;
        rectic_spec_init(&spec);
        spec.template_ref = names[t];
        spec.use_env_path = 0;
        spec.n = N;
        spec.weights = w;
        spec.input_var = "I_ext";
        spec.dt = 1e-3;
        double input = 0.0;
        if (!strcmp(last, "tanh") || !strcmp(last, "sigmoid")) {
            snprintf(source, sizeof source, "%s_op/r", last);
            spec.op = "li_op";
            spec.source_var = source;
            spec.target_var = "li_op/r_in";
            spec.input_var = "li_op/I_ext";
            spec.output_var = "li_op/v";
            input = 1.0;
        } else {
            snprintf(op, sizeof op, "%s_op", last);
            spec.op = op;
            spiking_roles(&spec);
            input = strncmp(last, "ik", 2) == 0 ? 100.0 : 3.0;
        }
        rectic_net *net = NULL;
        ck_assert_msg(rectic_net_new(&net, &spec) == RECTIC_OK, "%s: %s", names[t], rectic_errmsg(net));
        /* the source it runs compiles on its own too */
        rct_jit *jit = NULL;
        void *fn = NULL;
        rct_err err = {0, ""};
        int jrc = rct_jit_compile(rectic_net_source(net), rct_emit_symbols(), "rectic_kernel", &jit, &fn, &err);
        ck_assert_msg(jrc == 0, "%s: %s", names[t], err.msg);
        ck_assert_ptr_nonnull(fn);
        rct_jit_free(jit);
        ck_assert_msg(rectic_net_run(net, STEPS, &input, 0) != RECTIC_OK, "in_cols 0 with inputs must be refused");
        double *in = malloc(sizeof *in * STEPS);
        for (int s = 0; s < STEPS; s++)
            in[s] = input;
        ck_assert_msg(rectic_net_run(net, STEPS, in, 1) == RECTIC_OK, "%s: %s", names[t], rectic_errmsg(net));
        free(in);
        ck_assert_int_eq(rectic_net_steps_done(net), STEPS);
        long rows, cols;
        const double *data;
        ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &data), RECTIC_OK);
        ck_assert_int_eq(rows, STEPS);
        ck_assert_int_eq(cols, N);
        for (long k = 0; k < rows * cols; k++)
            ck_assert_msg(isfinite(data[k]), "%s: out[%ld] = %g", names[t], k, data[k]);
        double v[N];
        long got;
        ck_assert_int_eq(rectic_net_get(net, spec.output_var, v, N, &got), RECTIC_OK);
        for (int i = 0; i < N; i++)
            ck_assert_msg(isfinite(v[i]), "%s: final %g", names[t], v[i]);
        rectic_net_free(net);
    }
    ck_assert_int_eq(count, 8);
    for (int t = 0; names[t]; t++)
        free(names[t]);
    free(names);
}
END_TEST

/* ---------------------------------------------------------------- functions of the language */

/* x values are read through volatile so that the compiler calls the C library as the kernel does. */
static double lib1(double (*f)(double), double x)
{
    volatile double vx = x;
    return f(vx);
}

static void check_fn(const char *name, double (*f)(double), const double *xs, int n)
{
    for (int k = 0; k < n; k++) {
        char rhs[64];
        snprintf(rhs, sizeof rhs, "%s(x)", name);
        double got = eval1(rhs, xs[k]), want = lib1(f, xs[k]);
        ck_assert_msg(memcmp(&got, &want, sizeof got) == 0, "%s(%.17g) = %.17g, C library: %.17g", name, xs[k], got,
                      want);
    }
}

static const double XS[] = {0.3, -0.7, 1.9};
static const double UNIT[] = {0.3, -0.7, 0.999};
static const double POS[] = {0.3, 2.0, 1e-3};

START_TEST(test_function_sin)
{
    check_fn("sin", sin, XS, 3);
}
END_TEST

START_TEST(test_function_cos)
{
    check_fn("cos", cos, XS, 3);
}
END_TEST

START_TEST(test_function_tan)
{
    check_fn("tan", tan, XS, 3);
}
END_TEST

START_TEST(test_function_sinh)
{
    check_fn("sinh", sinh, XS, 3);
}
END_TEST

START_TEST(test_function_cosh)
{
    check_fn("cosh", cosh, XS, 3);
}
END_TEST

START_TEST(test_function_tanh)
{
    check_fn("tanh", tanh, XS, 3);
}
END_TEST

START_TEST(test_function_arcsin)
{
    check_fn("arcsin", asin, UNIT, 3);
}
END_TEST

START_TEST(test_function_arccos)
{
    check_fn("arccos", acos, UNIT, 3);
}
END_TEST

START_TEST(test_function_arctan)
{
    check_fn("arctan", atan, XS, 3);
}
END_TEST

START_TEST(test_function_exp)
{
    check_fn("exp", exp, XS, 3);
}
END_TEST

START_TEST(test_function_log)
{
    check_fn("log", log, POS, 3);
}
END_TEST

START_TEST(test_function_sqrt)
{
    check_fn("sqrt", sqrt, POS, 3);
}
END_TEST

/* Networks of up to 32 neurons get C kernels made for their size (for up to 20, each coupling row written
   out as one sum in column order; spikes appended in the update loop); larger ones and every CUDA kernel
   read n from the context. */
START_TEST(test_small_networks_get_fixed_size_kernels)
{
    static const long sizes[] = {5, 20, 21, 33};
    for (int z = 0; z < 4; z++) {
        long n = sizes[z];
        double *w = calloc((size_t)(n * n), sizeof *w);
        for (long i = 0; i < n * n; i++)
            w[i] = 0.01 * (double)(1 + i % 7);
        rectic_spec spec;
        rectic_spec_init(&spec);
        spec.template_ref = "neuron_model_templates.spiking_neurons.qif.qif";
        spec.op = "qif_op";
        spec.n = n;
        spec.weights = w;
        spec.coupling = RECTIC_COUPLING_INLINE;
        spiking_roles(&spec);
        rectic_net *net;
        ck_assert_msg(rectic_net_new(&net, &spec) == RECTIC_OK, "%s", rectic_errmsg(net));
        char *c_src, *cuda_src, fixed[64];
        ck_assert_int_eq(rectic_net_emit(net, RECTIC_BACKEND_TCC, &c_src), RECTIC_OK);
        ck_assert_int_eq(rectic_net_emit(net, RECTIC_BACKEND_NVRTC, &cuda_src), RECTIC_OK);
        snprintf(fixed, sizeof fixed, "const long n = %ld;", n);
        ck_assert_msg((strstr(c_src, fixed) != NULL) == (n <= 32), "n = %ld", n);
        const char *kernel = strstr(c_src, "long rectic_kernel(rectic_kctx *c, long steps)");
        ck_assert_ptr_nonnull(kernel);
        ck_assert_msg((strstr(kernel, "const long n = c->n;") != NULL) == (n > 32), "n = %ld", n);
        /* the spikes in a loop of their own (the update loop then vectorises), in blocks of 32 for large networks;
           a fixed-size kernel's update loop is marked for gcc, which would not vectorise so few neurons */
        ck_assert_msg(strstr(kernel, "/* the spikes of this step, in neuron order") != NULL, "n = %ld", n);
        ck_assert_msg((strstr(kernel, "i0 += 32") != NULL) == (n > 32), "n = %ld", n);
        ck_assert_msg((strstr(kernel, "RECTIC_SIMD\n        for (long i = c->lo; i < c->hi; i++) { /* the neurons this process updates */\n"
                                     "            const real s_ = ") !=
                       NULL) == (n <= 32), "n = %ld", n);
        ck_assert_ptr_null(strstr(cuda_src, fixed));
        ck_assert_ptr_nonnull(strstr(cuda_src, "const long n = c->n;"));
        /* rows written out for N <= 20, W by columns: w_i[j*n] = W[i][j] */
        char row[128];
        snprintf(row, sizeof row, "s_in_arr[i] = 0 + w_i[0]*s_arr[0] + w_i[%ld]*s_arr[1]", n);
        ck_assert_msg((strstr(c_src, row) != NULL) == (n <= 20), "n = %ld", n);
        if (n == 20)
            ck_assert_ptr_nonnull(strstr(c_src, "+ w_i[380]*s_arr[19];"));
        free(c_src);
        free(cuda_src);
        rectic_net_free(net);
        free(w);
    }
}
END_TEST

START_TEST(test_function_absv)
{
    check_fn("absv", fabs, XS, 3);
}
END_TEST

START_TEST(test_function_abs_synonym)
{
    check_fn("abs", fabs, XS, 3);
}
END_TEST

START_TEST(test_function_sign)
{
    ASSERT_SAME(eval1("sign(x)", -2.5), -1.0);
    ASSERT_SAME(eval1("sign(x)", 0.0), 0.0);
    ASSERT_SAME(eval1("sign(x)", 3.0), 1.0);
    ASSERT_SAME(eval1("sign(x)", 1e-300), 1.0);
}
END_TEST

START_TEST(test_function_sigmoid)
{
    for (int k = 0; k < 3; k++) {
        volatile double x = XS[k];
        double want = 1 / (1 + exp(-x));
        ASSERT_SAME(eval1("sigmoid(x)", XS[k]), want);
    }
    ASSERT_SAME(eval1("sigmoid(x)", 0.0), 0.5);
}
END_TEST

START_TEST(test_function_round_half_to_even)
{
    ASSERT_SAME(eval1("round(x)", 0.5), 0.0);
    ASSERT_SAME(eval1("round(x)", 1.5), 2.0);
    ASSERT_SAME(eval1("round(x)", 2.5), 2.0);
    ASSERT_SAME(eval1("round(x)", -0.5), -0.0);
    ASSERT_SAME(eval1("round(x)", -1.5), -2.0);
    ASSERT_SAME(eval1("round(x)", 2.4), 2.0);
    ASSERT_SAME(eval1("round(x)", 2.6), 3.0);
}
END_TEST

START_TEST(test_function_max_of_two)
{
    ASSERT_SAME(eval2("max(x, z)", 1.5, -2.0, RECTIC_FLOAT64), 1.5);
    ASSERT_SAME(eval2("max(x, z)", -1.5, 2.0, RECTIC_FLOAT64), 2.0);
    ASSERT_SAME(eval2("maxi(x, z)", -1.5, 2.0, RECTIC_FLOAT64), 2.0);
}
END_TEST

START_TEST(test_function_min_of_two)
{
    ASSERT_SAME(eval2("min(x, z)", 1.5, -2.0, RECTIC_FLOAT64), -2.0);
    ASSERT_SAME(eval2("min(x, z)", -1.5, 2.0, RECTIC_FLOAT64), -1.5);
    ASSERT_SAME(eval2("mini(x, z)", -1.5, 2.0, RECTIC_FLOAT64), -1.5);
}
END_TEST

START_TEST(test_power_two_in_denominator_keeps_grouping)
{
    ASSERT_SAME(eval2("z/x^2", 2.0, 1.0, RECTIC_FLOAT64), 0.25);
    ASSERT_SAME(eval2("z/x^3", 2.0, 1.0, RECTIC_FLOAT64), 0.125);
    ASSERT_SAME(eval2("-x^2", 3.0, 0.0, RECTIC_FLOAT64), -9.0);
    volatile double two = 2.0, half = 0.5;
    ASSERT_SAME(eval2("2^-1 + x^z", 2.0, 0.5, RECTIC_FLOAT64), 0.5 + pow(two, half));
}
END_TEST

START_TEST(test_arithmetic_keeps_written_order)
{
    /* (x + z) - z is not x in floating point: the kernel must not reassociate */
    ASSERT_SAME(eval2("x + z - z", 0.1, 1e17, RECTIC_FLOAT64), 0.0);
    ASSERT_SAME(eval2("x + (z - z)", 0.1, 1e17, RECTIC_FLOAT64), 0.1);
    ASSERT_SAME(eval2("x - z - x", 1.0, 2.0, RECTIC_FLOAT64), -2.0);
    ASSERT_SAME(eval2("x - (z - x)", 1.0, 2.0, RECTIC_FLOAT64), 0.0);
    ASSERT_SAME(eval2("x/z/2", 1.0, 2.0, RECTIC_FLOAT64), 0.25);
    ASSERT_SAME(eval2("x/(z/2)", 1.0, 2.0, RECTIC_FLOAT64), 1.0);
    ASSERT_SAME(eval2("-(x - z)", 1.0, 2.0, RECTIC_FLOAT64), 1.0);
    ASSERT_SAME(eval2("--x", 1.0, 2.0, RECTIC_FLOAT64), 1.0);
}
END_TEST

/* A division by a shared parameter whose value is a power of two is a multiplication by its reciprocal
   in the kernel (and back to a division when the value changes); by a literal power of two, too: bit for
   bit the quotient, for dividends of every kind (subnormal, huge, -0; inf in float32), in float64 and float32. */
START_TEST(test_division_by_power_of_two_is_exact)
{
    enum { N = 12 };
    const double xs[N] = {1.0, -3.0, 0.1, -0.0, 0.0, 4.9e-324, -2.2250738585072014e-308, 1.7976931348623157e308,
                          1e-310, 3.0e-39, -1.1754943508222875e-38, 123456.789};
    const double zs[] = {1.0, 2.0, 0.5, -4.0, 0x1p-1000, 0x1p1023, 0x1p-126, 0x1p127, 3.0, 0.75, 1e-310, 0x1p100};
    /* a power of two whose reciprocal is a normal number: 2^1023's is not; in float, 2^-1000 and 1e-310
       are 0, 2^1023 is inf, and 2^127's reciprocal is not normal */
    const int recip64[] = {1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1}, recip32[] = {1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1};
    const char *yaml = "node:\n  base: NodeTemplate\n  operators: [f_op]\n"
                       "f_op:\n  base: OperatorTemplate\n  equations: \"r = x/z + x/4\"\n"
                       "  variables:\n    r: output(0.0)\n    x: 0.0\n    z: 3.0\n";
    for (int f32 = 0; f32 < 2; f32++) {
        rectic_net *net = net_from_yaml(yaml, "m.node", N, "r", 1e-3, f32 ? RECTIC_FLOAT32 : RECTIC_FLOAT64);
        ck_assert_int_eq(rectic_net_set(net, "x", xs, N), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record(net, "r"), RECTIC_OK);
        for (size_t k = 0; k < sizeof zs / sizeof zs[0]; k++) {
            ck_assert_int_eq(rectic_net_set(net, "z", &zs[k], 1), RECTIC_OK);
            ck_assert_msg(rectic_net_run(net, 1, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
            float zf = (float)zs[k];
            int pow2 = f32 ? recip32[k] : recip64[k];
            const char *src = rectic_net_source(net);
            ck_assert_msg((strstr(src, "x_*z_inv") != NULL) == pow2, "z = %g (f32 %d): %s", zs[k], f32,
                          pow2 ? "expected x_*z_inv" : "expected x_/z_");
            ck_assert_ptr_nonnull(strstr(src, f32 ? "x_*0.25f" : "x_*0.25"));
            for (int i = 0; i < N; i++) {
                volatile double x = xs[i], z = zs[k];
                volatile float xf = (float)x, zzf = zf;
                double want = f32 ? (double)(xf / zzf + xf / 4.0f) : x / z + x / 4.0;
                double got = recorded(net, "r", 0, i);
                ck_assert_msg(memcmp(&got, &want, sizeof got) == 0 || (isnan(got) && isnan(want)),
                              "x = %g, z = %g, f32 %d: %.17g, expected %.17g", xs[i], zs[k], f32, got, want);
            }
        }
        rectic_net_free(net);
    }
}
END_TEST

START_TEST(test_constants_pi_and_e)
{
    ASSERT_SAME(eval1("pi + 0*x", 1.0), M_PI);
    ASSERT_SAME(eval1("E + 0*x", 1.0), M_E);
    ASSERT_SAME(eval1("pi", 1.0), M_PI);
}
END_TEST

/* ---------------------------------------------------------------- reductions */

static const char *const RED_YAML_FMT = "node:\n"
                                        "  base: NodeTemplate\n"
                                        "  operators: [r_op]\n"
                                        "r_op:\n"
                                        "  base: OperatorTemplate\n"
                                        "  equations: \"r = %s\"\n"
                                        "  variables:\n"
                                        "    r: output(0.0)\n"
                                        "    x: 0.0\n";

/* r = <rhs> over 4 neurons with per-neuron x; every neuron must see `want`. */
static void check_reduction(const char *rhs, double want)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, RED_YAML_FMT, rhs);
    rectic_net *net = net_from_yaml(yaml, "m.node", 4, "r", 1e-3, RECTIC_FLOAT64);
    const double x[4] = {1.5, -2.0, 4.25, 0.5};
    ck_assert_msg(rectic_net_set(net, "x", x, 4) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_msg(rectic_net_run(net, 1, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    for (long i = 0; i < 4; i++) {
        double got = recorded(net, "out", 0, i);
        ck_assert_msg(got == want, "%s: neuron %ld has %.17g, expected %.17g", rhs, i, got, want);
    }
    rectic_net_free(net);
}

START_TEST(test_reduction_mean)
{
    check_reduction("mean(x)", (1.5 - 2.0 + 4.25 + 0.5) / 4);
}
END_TEST

START_TEST(test_reduction_sum)
{
    check_reduction("sum(x)", 1.5 - 2.0 + 4.25 + 0.5);
}
END_TEST

START_TEST(test_reduction_vsum)
{
    check_reduction("vsum(x)", 1.5 - 2.0 + 4.25 + 0.5);
}
END_TEST

START_TEST(test_reduction_max)
{
    check_reduction("max(x)", 4.25);
}
END_TEST

START_TEST(test_reduction_maxi)
{
    check_reduction("maxi(x)", 4.25);
}
END_TEST

START_TEST(test_reduction_min)
{
    check_reduction("min(x)", -2.0);
}
END_TEST

START_TEST(test_reduction_mini)
{
    check_reduction("mini(x)", -2.0);
}
END_TEST

START_TEST(test_reduction_inside_expression)
{
    check_reduction("2*mean(x) - max(x) + min(x^2)", 2 * ((1.5 - 2.0 + 4.25 + 0.5) / 4) - 4.25 + 0.25);
}
END_TEST

START_TEST(test_reduction_of_per_neuron_expression)
{
    check_reduction("sum(x*x)", 1.5 * 1.5 + 4.0 + 4.25 * 4.25 + 0.25);
}
END_TEST

START_TEST(test_mean_of_state_uses_pre_update_state)
{
    rectic_net *net = net_from_yaml("n:\n"
                                    "  base: OperatorTemplate\n"
                                    "  equations:\n"
                                    "    - \"u' = mean(v)\"\n"
                                    "    - \"v' = -v\"\n"
                                    "    - \"m = mean(v)\"\n"
                                    "  variables:\n"
                                    "    u: output(0.0)\n"
                                    "    v: variable(0.0)\n"
                                    "    m: variable(0.0)\n",
                                    "m.n", 4, "u", 0.125, RECTIC_FLOAT64);
    const double v0[4] = {1.0, 2.0, 3.0, 4.0};
    ck_assert_int_eq(rectic_net_set(net, "v", v0, 4), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "m"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, 2, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    for (long i = 0; i < 4; i++) {
        ASSERT_SAME(recorded(net, "m", 0, i), 2.5);
        ASSERT_SAME(recorded(net, "v", 0, i), v0[i]);
        ASSERT_SAME(recorded(net, "out", 0, i), 0.0);
        /* after one step: u = 0 + dt*mean(v_0), v = v_0 + dt*(-v_0) */
        ASSERT_SAME(recorded(net, "out", 1, i), 0.125 * 2.5);
        ASSERT_SAME(recorded(net, "v", 1, i), v0[i] + 0.125 * -v0[i]);
        ASSERT_SAME(recorded(net, "m", 1, i), 2.5 * 0.875);
    }
    double u[4];
    long count;
    ck_assert_int_eq(rectic_net_get(net, "u", u, 4, &count), RECTIC_OK);
    ck_assert_int_eq(count, 4);
    for (int i = 0; i < 4; i++)
        ASSERT_SAME(u[i], 0.125 * 2.5 + 0.125 * (2.5 * 0.875));
    rectic_net_free(net);
}
END_TEST

START_TEST(test_reduction_of_algebraic_variable)
{
    rectic_net *net = net_from_yaml("n:\n"
                                    "  base: OperatorTemplate\n"
                                    "  equations:\n"
                                    "    - \"u = sum(q) + q\"\n"
                                    "    - \"q = 2*x\"\n"
                                    "  variables:\n"
                                    "    u: output(0.0)\n"
                                    "    q: variable(0.0)\n"
                                    "    x: 0.0\n",
                                    "m.n", 3, "u", 1e-3, RECTIC_FLOAT64);
    const double x[3] = {1.0, 2.0, 4.0};
    ck_assert_int_eq(rectic_net_set(net, "x", x, 3), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, 1, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    for (long i = 0; i < 3; i++)
        ASSERT_SAME(recorded(net, "out", 0, i), 14.0 + 2 * x[i]);
    rectic_net_free(net);
}
END_TEST

/* ---------------------------------------------------------------- integration */

START_TEST(test_constant_derivative_advances_by_dt)
{
    rectic_net *net = net_from_yaml("n:\n"
                                    "  base: OperatorTemplate\n"
                                    "  equations: \"v' = 1\"\n"
                                    "  variables:\n"
                                    "    v: output(0.0)\n",
                                    "m.n", 2, "v", 0.5, RECTIC_FLOAT64);
    ck_assert_int_eq(rectic_net_run(net, 3, NULL, 0), RECTIC_OK);
    for (long i = 0; i < 2; i++) {
        ASSERT_SAME(recorded(net, "out", 0, i), 0.0);
        ASSERT_SAME(recorded(net, "out", 1, i), 0.5);
        ASSERT_SAME(recorded(net, "out", 2, i), 1.0);
    }
    double v[2];
    long count;
    ck_assert_int_eq(rectic_net_get(net, "v", v, 2, &count), RECTIC_OK);
    ASSERT_SAME(v[0], 1.5);
    ASSERT_SAME(v[1], 1.5);
    /* a second run continues from the current state */
    ck_assert_int_eq(rectic_net_run(net, 1, NULL, 0), RECTIC_OK);
    ASSERT_SAME(recorded(net, "out", 0, 0), 1.5);
    ck_assert_int_eq(rectic_net_get(net, "v", v, 2, &count), RECTIC_OK);
    ASSERT_SAME(v[0], 2.0);
    rectic_net_free(net);
}
END_TEST

START_TEST(test_equation_forms_integrate_alike)
{
    rectic_net *net = net_from_yaml("n:\n"
                                    "  base: OperatorTemplate\n"
                                    "  equations:\n"
                                    "    - \"a' = 2\"\n"
                                    "    - \"d/dt * b = 2\"\n"
                                    "    - \"dc/dt = 2\"\n"
                                    "  variables:\n"
                                    "    a: output(0.0)\n"
                                    "    b: variable(1.0)\n"
                                    "    c: variable(-1.0)\n",
                                    "m.n", 1, "a", 0.25, RECTIC_FLOAT64);
    ck_assert_int_eq(rectic_net_run(net, 2, NULL, 0), RECTIC_OK);
    double x;
    long count;
    ck_assert_int_eq(rectic_net_get(net, "a", &x, 1, &count), RECTIC_OK);
    ASSERT_SAME(x, 1.0);
    ck_assert_int_eq(rectic_net_get(net, "b", &x, 1, &count), RECTIC_OK);
    ASSERT_SAME(x, 2.0);
    ck_assert_int_eq(rectic_net_get(net, "c", &x, 1, &count), RECTIC_OK);
    ASSERT_SAME(x, 0.0);
    rectic_net_free(net);
}
END_TEST

/* ---------------------------------------------------------------- float32 */

START_TEST(test_float32_state_matches_float_arithmetic)
{
    rectic_net *net = net_from_yaml("n:\n"
                                    "  base: OperatorTemplate\n"
                                    "  equations: \"v' = -v/tau + x*v^2 + 0.1\"\n"
                                    "  variables:\n"
                                    "    v: output(0.3)\n"
                                    "    tau: 3.0\n"
                                    "    x: 0.7\n",
                                    "m.n", 1, "v", 0.01, RECTIC_FLOAT32);
    enum { STEPS = 50 };
    ck_assert_int_eq(rectic_net_run(net, STEPS, NULL, 0), RECTIC_OK);
    volatile float vdt = 0.01f, vtau = 3.0f, vx = 0.7f, vc = 0.1f;
    float dt = vdt, tau = vtau, x = vx, c = vc, v = 0.3f;
    double v64 = 0.3;
    int differs = 0;
    for (int s = 0; s < STEPS; s++) {
        ASSERT_SAME(recorded(net, "out", s, 0), (double)v);
        float dot = -v / tau + x * (v * v) + c;
        v = v + dt * dot;
        v64 = v64 + 0.01 * (-v64 / 3.0 + 0.7 * (v64 * v64) + 0.1);
        differs |= (double)v != v64;
    }
    double got;
    long count;
    ck_assert_int_eq(rectic_net_get(net, "v", &got, 1, &count), RECTIC_OK);
    ASSERT_SAME(got, (double)v);
    ck_assert_msg(differs, "float and double runs agree: the test shows nothing");
    rectic_net_free(net);
}
END_TEST

START_TEST(test_float32_functions_match_float_library)
{
    volatile float x = 0.3f;
    ASSERT_SAME(eval2("sin(x)", 0.3, 0.0, RECTIC_FLOAT32), (double)sinf(x));
    ASSERT_SAME(eval2("exp(x)", 0.3, 0.0, RECTIC_FLOAT32), (double)expf(x));
    ASSERT_SAME(eval2("tanh(x)", 0.3, 0.0, RECTIC_FLOAT32), (double)tanhf(x));
    ASSERT_SAME(eval2("sqrt(x)", 0.3, 0.0, RECTIC_FLOAT32), (double)sqrtf(x));
    ASSERT_SAME(eval2("sigmoid(x)", 0.3, 0.0, RECTIC_FLOAT32), (double)(1.0f / (1.0f + expf(-x))));
    volatile float y = 2.5f;
    ASSERT_SAME(eval2("x^z", 0.3, 2.5, RECTIC_FLOAT32), (double)powf(x, y));
    ASSERT_SAME(eval2("x/3", 0.3, 0.0, RECTIC_FLOAT32), (double)(x / 3.0f));
    ASSERT_SAME(eval2("pi*x", 0.3, 0.0, RECTIC_FLOAT32), (double)((float)M_PI * x));
}
END_TEST

START_TEST(test_float32_dt_is_rounded_to_float)
{
    rectic_net *net = net_from_yaml("n:\n"
                                    "  base: OperatorTemplate\n"
                                    "  equations: \"v' = 1\"\n"
                                    "  variables:\n"
                                    "    v: output(0.0)\n",
                                    "m.n", 1, "v", 0.1, RECTIC_FLOAT32);
    ck_assert_int_eq(rectic_net_run(net, 3, NULL, 0), RECTIC_OK);
    float v = 0.0f, dt = 0.1f;
    for (int s = 0; s < 3; s++)
        v = v + dt * 1.0f;
    double got;
    long count;
    ck_assert_int_eq(rectic_net_get(net, "v", &got, 1, &count), RECTIC_OK);
    ASSERT_SAME(got, (double)v);
    rectic_net_free(net);
}
END_TEST

START_TEST(test_float32_literal_beyond_float_range)
{
    /* 1e40 is a finite double but overflows float: the float32 kernel must still compile, and compute
       x*1e40 as PyTorch does in float32 (1e40 rounds to +inf) */
    char yaml[] = "node:\n"
                  "  base: NodeTemplate\n"
                  "  operators: [f_op]\n"
                  "f_op:\n"
                  "  base: OperatorTemplate\n"
                  "  equations: \"r = x*1e40 + 1e-50\"\n"
                  "  variables:\n"
                  "    r: output(0.0)\n"
                  "    x: 1.0\n";
    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_yaml = yaml;
    spec.template_ref = "m.node";
    spec.use_env_path = 0;
    spec.n = 1;
    spec.output_var = "r";
    spec.dtype = RECTIC_FLOAT32;
    rectic_net *net = NULL;
    int rc = rectic_net_new(&net, &spec);
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
    rectic_net_check_finite(net, 0); /* the infinity is the expected value here */
    ck_assert_int_eq(rectic_net_run(net, 1, NULL, 0), RECTIC_OK);
    ASSERT_SAME(recorded(net, "out", 0, 0), (double)INFINITY);
    rectic_net_free(net);
}
END_TEST

START_TEST(test_float32_tiny_literal_rounds_to_zero)
{
    ASSERT_SAME(eval2("x + 1e-50", 0.3, 0.0, RECTIC_FLOAT32), (double)0.3f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emit");

    TCase *text = tcase_create("text");
    tcase_set_timeout(text, 30);
    tcase_add_test(text, test_power_two_is_product);
    tcase_add_test(text, test_power_three_is_product);
    tcase_add_test(text, test_power_of_sum_is_parenthesised_product);
    tcase_add_test(text, test_other_exponents_call_pow);
    tcase_add_test(text, test_float32_kernel_calls_float_functions);
    tcase_add_test(text, test_emitted_kernel_compiles_with_jit);
    tcase_add_test(text, test_small_networks_get_fixed_size_kernels);
    tcase_add_test(text, test_jit_reports_compile_errors);
    tcase_add_test(text, test_jit_missing_entry_is_error);
    tcase_add_test(text, test_safe_comment_cannot_close_comment);
    tcase_add_test(text, test_safe_comment_keeps_text_readable);
    tcase_add_test(text, test_safe_comment_drops_line_breaks_and_trigraphs);
    suite_add_tcase(s, text);

    TCase *inj = tcase_create("injection");
    tcase_set_timeout(inj, 30);
    tcase_add_test(inj, test_c_code_in_variable_name_is_rejected);
    tcase_add_test(inj, test_c_code_in_equation_is_rejected);
    tcase_add_test(inj, test_comment_closer_in_equation_is_rejected);
    tcase_add_test(inj, test_preprocessor_line_in_equation_is_rejected);
    tcase_add_test(inj, test_quote_in_equation_is_rejected);
    tcase_add_test(inj, test_backslash_in_equation_is_rejected);
    tcase_add_test(inj, test_unicode_in_equation_is_rejected);
    tcase_add_test(inj, test_unicode_variable_name_is_rejected);
    tcase_add_test(inj, test_c_code_in_operator_name_is_rejected);
    tcase_add_test(inj, test_c_keyword_names_compile);
    tcase_add_test(inj, test_template_path_with_comment_closer_is_neutralised);
    suite_add_tcase(s, inj);

    TCase *shipped = tcase_create("shipped");
    tcase_set_timeout(shipped, 30);
    tcase_add_test(shipped, test_every_shipped_template_kernel_compiles_and_runs);
    suite_add_tcase(s, shipped);

    TCase *fn = tcase_create("functions");
    tcase_set_timeout(fn, 30);
    tcase_add_test(fn, test_function_sin);
    tcase_add_test(fn, test_function_cos);
    tcase_add_test(fn, test_function_tan);
    tcase_add_test(fn, test_function_sinh);
    tcase_add_test(fn, test_function_cosh);
    tcase_add_test(fn, test_function_tanh);
    tcase_add_test(fn, test_function_arcsin);
    tcase_add_test(fn, test_function_arccos);
    tcase_add_test(fn, test_function_arctan);
    tcase_add_test(fn, test_function_exp);
    tcase_add_test(fn, test_function_log);
    tcase_add_test(fn, test_function_sqrt);
    tcase_add_test(fn, test_function_absv);
    tcase_add_test(fn, test_function_abs_synonym);
    tcase_add_test(fn, test_function_sign);
    tcase_add_test(fn, test_function_sigmoid);
    tcase_add_test(fn, test_function_round_half_to_even);
    tcase_add_test(fn, test_function_max_of_two);
    tcase_add_test(fn, test_function_min_of_two);
    tcase_add_test(fn, test_power_two_in_denominator_keeps_grouping);
    tcase_add_test(fn, test_arithmetic_keeps_written_order);
    tcase_add_test(fn, test_division_by_power_of_two_is_exact);
    tcase_add_test(fn, test_constants_pi_and_e);
    suite_add_tcase(s, fn);

    TCase *red = tcase_create("reductions");
    tcase_set_timeout(red, 30);
    tcase_add_test(red, test_reduction_mean);
    tcase_add_test(red, test_reduction_sum);
    tcase_add_test(red, test_reduction_vsum);
    tcase_add_test(red, test_reduction_max);
    tcase_add_test(red, test_reduction_maxi);
    tcase_add_test(red, test_reduction_min);
    tcase_add_test(red, test_reduction_mini);
    tcase_add_test(red, test_reduction_inside_expression);
    tcase_add_test(red, test_reduction_of_per_neuron_expression);
    tcase_add_test(red, test_mean_of_state_uses_pre_update_state);
    tcase_add_test(red, test_reduction_of_algebraic_variable);
    suite_add_tcase(s, red);

    TCase *integ = tcase_create("integration");
    tcase_set_timeout(integ, 30);
    tcase_add_test(integ, test_constant_derivative_advances_by_dt);
    tcase_add_test(integ, test_equation_forms_integrate_alike);
    tcase_add_test(integ, test_float32_state_matches_float_arithmetic);
    tcase_add_test(integ, test_float32_functions_match_float_library);
    tcase_add_test(integ, test_float32_dt_is_rounded_to_float);
    tcase_add_test(integ, test_float32_literal_beyond_float_range);
    tcase_add_test(integ, test_float32_tiny_literal_rounds_to_zero);
    suite_add_tcase(s, integ);
    return tu_run(s);
}

/*
 * fuzz_kernel.c -- structure-aware libFuzzer harness: generate + JIT + one step never crashes.
 *
 * The input bytes are not text: they steer a small grammar that writes a valid-looking operator template
 * (states v, u, x; parameters a, b, c with fuzzed finite values; the input I_ext; an algebraic r; 1-4
 * equations over + - * / ^ ** unary minus, numbers, the constants pi and E and every function of the
 * equation language), wrapped in a node template.  The network is built through the public API from the
 * YAML text (template_ref "fz.node", 3 neurons, no coupling, output = one of the defined variables;
 * optionally float32, the input driven, spiking on a state, the parameter a per neuron, which compiles
 * a second kernel), runs one step with the numerical guard off, and is freed.
 *
 * Template errors (an algebraic cycle, a reduction of its own result, ...) are fine; a kernel that
 * TinyCC cannot compile (RECTIC_EJIT) is a bug in the code generator and aborts, as does a failed step.
 * RECTIC_FUZZ_PRINT=1 in the environment prints each generated template (to see what an input means).
 * RECTIC_FUZZ_NO_NESTED_REDUCTIONS=1 keeps reductions (sum mean max min of one argument) out of the
 * arguments of reductions, to fuzz on past that known bug while it is open.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "fuzz_common.h"
#include "ir.h"
#include "rectic.h"
#include "template.h"
#include "util.h"

#define MAX_DEPTH 6
#define MAX_NODES 48

enum { V_V, V_U, V_X, V_R, N_DEFINABLE }; /* variables an equation may define */
static const char *const definable[N_DEFINABLE] = {"v", "u", "x", "r"};
/* what an expression may read */
static const char *const readable[] = {"v", "u", "x", "r", "a", "b", "c", "I_ext", "spike"};
#define N_READABLE (sizeof readable / sizeof readable[0])

/* one-argument functions (element-wise and reductions), with some synonyms */
static const char *const fn1[] = {"sin",  "cos",  "tan",     "sinh",  "cosh", "tanh", "arcsin", "arccos",
                                  "arctan", "exp", "log",    "sqrt",  "absv", "sign", "sigmoid", "round",
                                  "max",  "min",  "mean",    "sum",   "abs",  "asin", "acos",   "atan",
                                  "maxi", "mini", "vsum"};
#define N_FN1 (sizeof fn1 / sizeof fn1[0])
static const char *const fn2[] = {"max", "min"};

typedef struct gen {
    fz_reader in;
    rct_buf b;
    int nodes;
    int use_spike; /* `spike` may be read */
    int in_reduction;       /* depth of reductions around the expression being written */
    int no_nested_red;      /* RECTIC_FUZZ_NO_NESTED_REDUCTIONS */
} gen;

static int is_reduction_name(const char *f)
{
    static const char *const red[] = {"max", "min", "mean", "sum", "maxi", "mini", "vsum"};
    for (size_t i = 0; i < sizeof red / sizeof red[0]; i++)
        if (!strcmp(f, red[i]))
            return 1;
    return 0;
}

/* A finite number from the input, in one of a few shapes. */
static double gen_double(gen *g)
{
    switch (fz_pick(&g->in, 6)) {
    case 0:
        return (double)fz_pick(&g->in, 10);
    case 1:
        return (double)fz_pick(&g->in, 200) / 8.0 - 10.0;
    case 2:
        return pow(10.0, (double)((int)fz_pick(&g->in, 41) - 20));
    case 3:
        return 0.5;
    default: {
        double d = fz_double_bits(&g->in);
        return isfinite(d) ? d : 1.0;
    }
    }
}

static void put_num(gen *g, double d)
{
    char s[40];
    snprintf(s, sizeof s, "%.17g", d);
    if (d < 0 || (d == 0 && signbit(d)))
        rct_buf_printf(&g->b, "(%s)", s);
    else
        rct_buf_puts(&g->b, s);
}

static void gen_expr(gen *g, int depth);

static void gen_leaf(gen *g)
{
    unsigned k = fz_pick(&g->in, 8);
    if (k < 4) {
        unsigned v = fz_pick(&g->in, N_READABLE);
        if (!strcmp(readable[v], "spike") && !g->use_spike)
            v = 0;
        rct_buf_puts(&g->b, readable[v]);
    } else if (k == 4) {
        rct_buf_puts(&g->b, fz_pick(&g->in, 2) ? "pi" : "E");
    } else {
        put_num(g, gen_double(g));
    }
}

static void gen_expr(gen *g, int depth)
{
    if (depth >= MAX_DEPTH || ++g->nodes > MAX_NODES || g->in.left == 0) {
        gen_leaf(g);
        return;
    }
    unsigned k = fz_pick(&g->in, 12);
    static const char *const binops[] = {" + ", " - ", "*", "/", "^", "**"};
    switch (k) {
    case 0: case 1:
        gen_leaf(g);
        break;
    case 2: /* unary minus */
        rct_buf_puts(&g->b, "-");
        gen_expr(g, depth + 1);
        break;
    case 3: case 4: case 5: case 6: case 7: { /* binary, parenthesised (or not: precedence is the parser's) */
        int paren = fz_pick(&g->in, 4) != 0;
        const char *op = binops[fz_pick(&g->in, 6)];
        if (paren)
            rct_buf_putc(&g->b, '(');
        gen_expr(g, depth + 1);
        rct_buf_puts(&g->b, op);
        gen_expr(g, depth + 1);
        if (paren)
            rct_buf_putc(&g->b, ')');
        break;
    }
    case 8: case 9: { /* one-argument call */
        const char *f = fn1[fz_pick(&g->in, N_FN1)];
        int red = is_reduction_name(f);
        if (red && g->in_reduction && g->no_nested_red)
            f = "tanh";
        rct_buf_puts(&g->b, f);
        rct_buf_putc(&g->b, '(');
        g->in_reduction += red;
        gen_expr(g, depth + 1);
        g->in_reduction -= red;
        rct_buf_putc(&g->b, ')');
        break;
    }
    case 10: /* two-argument call */
        rct_buf_puts(&g->b, fn2[fz_pick(&g->in, 2)]);
        rct_buf_putc(&g->b, '(');
        gen_expr(g, depth + 1);
        rct_buf_puts(&g->b, ", ");
        gen_expr(g, depth + 1);
        rct_buf_putc(&g->b, ')');
        break;
    default: /* parentheses */
        rct_buf_putc(&g->b, '(');
        gen_expr(g, depth + 1);
        rct_buf_putc(&g->b, ')');
        break;
    }
}

/* Prints the kernel rectic_net_new generated for spec (numbered lines, as TinyCC's messages count them):
   the template is loaded and built again through the internal API, with every parameter shared. */
static void dump_kernel(const rectic_spec *spec)
{
    rct_err err = {0, {0}};
    rct_loader *L = rct_loader_new(&err);
    rct_tnode *node = NULL;
    rct_model *m = NULL;
    if (!L || rct_loader_add_text(L, "fz", spec->template_yaml) || rct_template_load(L, spec->template_ref, &node))
        goto out;
    rct_roles roles = {spec->op, spec->source_var, spec->target_var, spec->input_var, spec->output_var,
                       spec->spike_var, spec->spike_def, NULL, 0, NULL};
    if (rct_model_build(node, &roles, &m, &err))
        goto out;
    int *pv = calloc((size_t)m->n_param + 1, sizeof *pv);
    rct_emit_opts o;
    memset(&o, 0, sizeof o); /* designated fields only: the struct grows */
    o.dtype = spec->dtype;
    o.param_vector = pv;
    o.spiking = spec->spike_var != NULL;
    char *src = pv ? rct_emit_c(m, &o, &err) : NULL;
    if (src) {
        fprintf(stderr, "---- kernel\n");
        int line = 1;
        for (const char *p = src; *p; line++) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            fprintf(stderr, "%4d  %.*s\n", line, len, p);
            p += len + (nl != NULL);
        }
    }
    free(src);
    free(pv);
out:
    if (err.code)
        fprintf(stderr, "(kernel not regenerated: %s)\n", err.msg);
    rct_model_free(m);
    rct_tnode_free(node);
    rct_loader_free(L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gen g;
    memset(&g, 0, sizeof g);
    g.in.p = data;
    g.in.left = size;
    g.no_nested_red = getenv("RECTIC_FUZZ_NO_NESTED_REDUCTIONS") != NULL;
    rct_buf_init(&g.b);

    unsigned flags = fz_byte(&g.in);
    int f32 = flags & 1, drive_input = (flags >> 1) & 1, spiking = (flags >> 2) & 1, mark_output = (flags >> 3) & 1;
    int per_neuron = (flags >> 4) & 1; /* give parameter a one value per neuron: a second kernel */
    g.use_spike = spiking;

    /* which variables the equations define, in the order written */
    int n_eq = 1 + (int)fz_pick(&g.in, 4);
    int order[N_DEFINABLE], defined[N_DEFINABLE] = {0};
    for (int e = 0; e < n_eq; e++) {
        int v = (int)fz_pick(&g.in, N_DEFINABLE);
        while (defined[v])
            v = (v + 1) % N_DEFINABLE;
        defined[v] = 1;
        order[e] = v;
    }
    int output = order[fz_pick(&g.in, (unsigned)n_eq)];
    /* spiking needs a state to detect spikes on */
    int spike_def = -1;
    for (int e = 0; spiking && e < n_eq && spike_def < 0; e++)
        if (order[e] != V_R)
            spike_def = order[e];

    rct_buf_puts(&g.b, "fz_op:\n  base: OperatorTemplate\n  equations:\n");
    for (int e = 0; e < n_eq; e++) {
        rct_buf_printf(&g.b, "    - \"%s%s = ", definable[order[e]], order[e] == V_R ? "" : "'");
        g.nodes = 0;
        gen_expr(&g, 0);
        rct_buf_puts(&g.b, "\"\n");
    }
    rct_buf_puts(&g.b, "  variables:\n");
    for (int v = 0; v < N_DEFINABLE; v++) {
        rct_buf_printf(&g.b, "    %s: %s(", definable[v], v == output && mark_output ? "output" : "variable");
        char s[40];
        snprintf(s, sizeof s, "%.17g", gen_double(&g));
        rct_buf_printf(&g.b, "%s)\n", s);
    }
    for (int p = 0; p < 3; p++) {
        char s[40];
        snprintf(s, sizeof s, "%.17g", gen_double(&g));
        rct_buf_printf(&g.b, "    %c: %s\n", "abc"[p], s);
    }
    rct_buf_puts(&g.b, "    I_ext: input(0.0)\n");
    if (spiking)
        rct_buf_puts(&g.b, "    spike: input(0.0)\n");
    rct_buf_puts(&g.b, "\nnode:\n  base: NodeTemplate\n  operators:\n    - fz_op\n");
    if (g.b.failed)
        abort();
    const char *yaml = g.b.s;
    if (getenv("RECTIC_FUZZ_PRINT"))
        fprintf(stderr, "---- generated template\n%s", yaml);

    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_yaml = yaml;
    spec.template_ref = "fz.node";
    spec.use_env_path = 0;
    spec.op = "fz_op";
    spec.n = 3;
    spec.dt = 1e-3;
    spec.dtype = f32 ? RECTIC_FLOAT32 : RECTIC_FLOAT64;
    spec.backend = RECTIC_BACKEND_TCC; /* the in-process JIT: what this harness is about */
    spec.output_var = definable[output];
    /* a role names a variable only where an equation reads it (unused variables are dropped) */
    const char *eqs = strstr(yaml, "equations:"), *vars = strstr(yaml, "variables:");
    size_t eq_len = (size_t)(vars - eqs);
    char *eq_text = rct_strndup(eqs, eq_len);
    if (!eq_text)
        abort();
    if (drive_input && strstr(eq_text, "I_ext"))
        spec.input_var = "I_ext";
    if (spike_def >= 0 && strstr(eq_text, "spike")) {
        spec.spike_var = "spike";
        spec.spike_def = definable[spike_def];
    }
    free(eq_text);

    rectic_net *net = NULL;
    int rc = rectic_net_new(&net, &spec);
    if (rc == RECTIC_EJIT || (rc != RECTIC_OK && net && !rectic_errmsg(net)[0])) {
        fprintf(stderr, "fuzz_kernel: rectic_net_new failed with status %d: %s\n---- template\n%s",
                rc, rectic_errmsg(net), yaml);
        if (rc == RECTIC_EJIT)
            dump_kernel(&spec);
        abort();
    }
    if (rc == RECTIC_OK) {
        rectic_net_check_finite(net, 0);
        if (per_neuron) {
            /* an error here only means that `a` is not in the model (no equation reads it) */
            double vals[3] = {0.25, -1.0, 3.0};
            (void)rectic_net_set(net, "a", vals, 3);
        }
        rc = rectic_net_run(net, 1, NULL, 0);
        if (rc != RECTIC_OK) {
            fprintf(stderr, "fuzz_kernel: one step failed with status %d: %s\n---- template\n%s", rc,
                    rectic_errmsg(net), yaml);
            abort();
        }
        long rows = 0, cols = 0;
        const double *out = NULL;
        if (rectic_net_recording(net, "out", &rows, &cols, &out) != RECTIC_OK || rows != 1 || cols != 3) {
            fprintf(stderr, "fuzz_kernel: no 1 x 3 output after one step (%ld x %ld)\n---- template\n%s", rows,
                    cols, yaml);
            abort();
        }
    } else if (getenv("RECTIC_FUZZ_PRINT")) {
        fprintf(stderr, "---- rejected (%d): %s\n", rc, rectic_errmsg(net));
    }
    rectic_net_free(net);
    rct_buf_free(&g.b);
    return 0;
}

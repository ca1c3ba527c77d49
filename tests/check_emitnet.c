/*
 * check_emitnet.c -- tests of networks of populations on the generator side: the IR's coupling slots from
 * links (generator/ir.h) and the network kernel (generator/emit_net.h), compiled with TinyCC and run on
 * contexts set up here, its numbers compared with the same steps computed in plain C.
 */
#include <math.h>

#include "testutil.h"

#include "blas.h"
#include "emit_net.h"
#include "ir.h"
#include "jit_tcc.h"
#include "kernel_abi.h"
#include "network.h"
#include "rectic.h"
#include "template.h"
#include "util.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)
RCT_KPROJ_DEF(void, RCT_NO_DOC)

typedef long (*net_kernel)(rectic_kctx *pop, const rectic_kproj *proj, long steps);

/* ---------------------------------------------------------------- templates */

/* Spiking units with one coupling input: v' = -v/tau + s_in + I_ext, a synaptic trace s. */
static const char EXC[] = "exc:\n"
                          "  base: NodeTemplate\n"
                          "  operators: [e_op]\n"
                          "e_op:\n"
                          "  base: OperatorTemplate\n"
                          "  equations:\n"
                          "    - \"v' = -v/tau + s_in + I_ext\"\n"
                          "    - \"s' = -s/tau_s + spike\"\n"
                          "  variables:\n"
                          "    v: variable(0.5)\n"
                          "    s: output(0.0)\n"
                          "    tau: 2.0\n"
                          "    tau_s: 4.0\n"
                          "    s_in: input(0.0)\n"
                          "    I_ext: input(0.0)\n"
                          "    spike: input(0.0)\n";

/* Spiking units with two coupling inputs: v' = (eta - v)/tau + e_in - i_in. */
static const char INH[] = "inh:\n"
                          "  base: NodeTemplate\n"
                          "  operators: [i_op]\n"
                          "i_op:\n"
                          "  base: OperatorTemplate\n"
                          "  equations:\n"
                          "    - \"v' = (eta - v)/tau + e_in - i_in\"\n"
                          "    - \"s' = -s/tau_s + spike\"\n"
                          "  variables:\n"
                          "    v: variable(0.0)\n"
                          "    s: output(0.0)\n"
                          "    eta: 3.0\n"
                          "    tau: 5.0\n"
                          "    tau_s: 2.0\n"
                          "    e_in: input(0.0)\n"
                          "    i_in: input(0.0)\n"
                          "    spike: input(0.0)\n";

/* Rate units: r = tanh(v) (algebraic), v' = -v/tau + r_in + drive; q = r*r feeds nothing here. */
static const char RATE[] = "rate:\n"
                           "  base: NodeTemplate\n"
                           "  operators: [r_op]\n"
                           "r_op:\n"
                           "  base: OperatorTemplate\n"
                           "  equations:\n"
                           "    - \"r = tanh(v)\"\n"
                           "    - \"q = r*r\"\n"
                           "    - \"v' = -v/tau + r_in + drive\"\n"
                           "  variables:\n"
                           "    v: output(0.3)\n"
                           "    r: variable(0.0)\n"
                           "    q: variable(0.0)\n"
                           "    tau: 4.0\n"
                           "    drive: 0.2\n"
                           "    r_in: input(0.0)\n";

/* A counter: c' = 1, so that c of step n is c0 + n*dt; its square as an algebraic variable. */
static const char CLOCK[] = "clock:\n"
                            "  base: NodeTemplate\n"
                            "  operators: [c_op]\n"
                            "c_op:\n"
                            "  base: OperatorTemplate\n"
                            "  equations:\n"
                            "    - \"sq = c*c\"\n"
                            "    - \"c' = 1\"\n"
                            "  variables:\n"
                            "    c: output(1.0)\n"
                            "    sq: variable(0.0)\n";

/* A sink: x' = a_in + b_in, so that the coupling targets can be read after each step. */
static const char SINK[] = "sink:\n"
                           "  base: NodeTemplate\n"
                           "  operators: [k_op]\n"
                           "k_op:\n"
                           "  base: OperatorTemplate\n"
                           "  equations: \"x' = a_in + b_in\"\n"
                           "  variables:\n"
                           "    x: output(0.0)\n"
                           "    a_in: input(0.0)\n"
                           "    b_in: input(0.0)\n";

/* Algebraic variables that read their coupling input at once: a = b_in (a cycle when two meet). */
static const char ECHO[] = "echo:\n"
                           "  base: NodeTemplate\n"
                           "  operators: [x_op]\n"
                           "x_op:\n"
                           "  base: OperatorTemplate\n"
                           "  equations:\n"
                           "    - \"a = 2*b_in\"\n"
                           "    - \"u' = a\"\n"
                           "  variables:\n"
                           "    u: output(0.0)\n"
                           "    a: variable(0.0)\n"
                           "    b_in: input(0.0)\n";

/* Units pulled to their population's mean: v' = mean(v) - v + m_in. */
static const char MEANER[] = "meaner:\n"
                             "  base: NodeTemplate\n"
                             "  operators: [m_op]\n"
                             "m_op:\n"
                             "  base: OperatorTemplate\n"
                             "  equations: \"v' = mean(v) - v + m_in\"\n"
                             "  variables:\n"
                             "    v: output(0.0)\n"
                             "    m_in: input(0.0)\n";

/* ---------------------------------------------------------------- models */

/* Builds the model of node `ref` of the YAML text; returns the status, the model in *m. */
static int build_model(const char *yaml, const char *ref, const rct_roles *roles, rct_model **m, rct_err *err)
{
    rct_loader *L = rct_loader_new(err);
    ck_assert_ptr_nonnull(L);
    ck_assert_int_eq(rct_loader_add_text(L, "m", yaml), 0);
    rct_tnode *node = NULL;
    ck_assert_msg(rct_template_load(L, ref, &node) == 0, "%s", err->msg);
    *m = NULL;
    int rc = rct_model_build(node, roles, m, err);
    rct_tnode_free(node);
    rct_loader_free(L);
    return rc;
}

/* The model of node `ref`, which must build. */
static rct_model *model(const char *yaml, const char *ref, const rct_roles *roles)
{
    rct_err err = {0, ""};
    rct_model *m = NULL;
    ck_assert_msg(build_model(yaml, ref, roles, &m, &err) == 0, "%s", err.msg);
    return m;
}

/* Variable `name` of m. */
static int var_of(const rct_model *m, const char *name)
{
    rct_err err = {0, ""};
    int v = rct_model_find(m, name, NULL, "test", &err);
    ck_assert_msg(v >= 0, "%s", err.msg);
    return v;
}

/* ---------------------------------------------------------------- a network on hand-made contexts */

#define MAX_POPS 4
#define MAX_PROJS 8
#define SPIKE_CAP 4096

typedef struct net {
    int n_pops, n_projs, f32;
    const char *names[MAX_POPS];
    rct_model *models[MAX_POPS];
    rct_emit_opts opts[MAX_POPS];
    rct_emit_proj eproj[MAX_PROJS];
    rectic_kctx ctx[MAX_POPS];
    rectic_kproj proj[MAX_PROJS];
    void *mem[64];      /* everything allocated for the contexts */
    int n_mem;
    const void *param_ptr[MAX_POPS][16];
    void *input[MAX_POPS];
    rct_jit *jit;
    net_kernel kernel;
    char *src;
} net;

/* A zeroed allocation of n values of the network's type, freed with the network. */
static void *values(net *N, long n)
{
    ck_assert_int_lt(N->n_mem, 64);
    return N->mem[N->n_mem++] = calloc((size_t)n + 1, N->f32 ? sizeof(float) : sizeof(double));
}

static void put(const net *N, void *a, long i, double x)
{
    if (N->f32)
        ((float *)a)[i] = (float)x;
    else
        ((double *)a)[i] = x;
}

static double get(const net *N, const void *a, long i)
{
    return N->f32 ? ((const float *)a)[i] : ((const double *)a)[i];
}

/* Adds population `name` of n units: state at the template's initial values, parameters at their defaults
   (shared), an input row of zeros, no recording.  `spiking`: threshold and reset as given. */
static int add_pop(net *N, const char *name, rct_model *m, long n, int spiking, double threshold, double reset)
{
    int p = N->n_pops++;
    ck_assert_int_lt(p, MAX_POPS);
    ck_assert_int_lt(m->n_param, 16);
    N->names[p] = name;
    N->models[p] = m;
    int *pv = calloc((size_t)m->n_param + 1, sizeof *pv);
    N->mem[N->n_mem++] = pv;
    N->opts[p] = (rct_emit_opts){.dtype = N->f32 ? RECTIC_FLOAT32 : RECTIC_FLOAT64, .param_vector = pv,
                                 .spiking = spiking};
    rectic_kctx *c = &N->ctx[p];
    memset(c, 0, sizeof *c);
    c->n = n;
    c->dt = 0.1;
    c->threshold = threshold;
    c->reset = reset;
    c->y = values(N, m->n_state * n);
    for (int s = 0; s < m->n_state; s++)
        for (long i = 0; i < n; i++)
            put(N, c->y, s * n + i, m->vars[m->state_var[s]].value);
    c->alg = values(N, m->n_alg * n);
    c->coup = values(N, (m->n_coup > 0 ? m->n_coup : 1) * n);
    for (int k = 0; k < m->n_param; k++) {
        void *v = values(N, 1);
        put(N, v, 0, m->vars[m->param_var[k]].value);
        N->param_ptr[p][k] = v;
    }
    c->param = (const void *const *)N->param_ptr[p];
    c->input = N->input[p] = values(N, n);
    c->in_row = 0;
    c->in_col = 1;
    c->sample_every = 1;
    c->spikes = calloc(2 * SPIKE_CAP, sizeof *c->spikes);
    N->mem[N->n_mem++] = c->spikes;
    c->cap_spikes = SPIKE_CAP;
    c->threads = 1;
    c->lo = 0;
    c->hi = n;
    c->gemv = rct_gemv_rows(N->f32);
    return p;
}

/* A node template of the tests: its YAML, reference and operator. */
typedef struct tpl {
    const char *yaml, *ref, *op;
} tpl;

static const tpl T_RATE = {RATE, "m.rate", "r_op"}, T_CLOCK = {CLOCK, "m.clock", "c_op"},
                 T_SINK = {SINK, "m.sink", "k_op"}, T_ECHO = {ECHO, "m.echo", "x_op"},
                 T_MEANER = {MEANER, "m.meaner", "m_op"};

/* Adds population `name` of n units of template t, not spiking, with coupling targets the names in
   `targets` (NULL-terminated; fed from other populations or with a delay: no sources). */
static int add_plain(net *N, const char *name, const tpl *t, const char *const *targets, long n)
{
    rct_link links[4];
    int k = 0;
    for (; targets && targets[k]; k++)
        links[k] = (rct_link){targets[k], NULL};
    rct_roles r = {.op = t->op, .links = links, .n_links = k};
    return add_pop(N, name, model(t->yaml, t->ref, &r), n, 0, 0, 0);
}

#define TARGETS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Adds a projection from variable `src` of population sp into target `tgt` of population tp. */
static int add_proj(net *N, int sp, const char *src, int tp, const char *tgt, int mode, long delay)
{
    int k = N->n_projs++;
    ck_assert_int_lt(k, MAX_PROJS);
    const rct_model *tm = N->models[tp];
    N->eproj[k] = (rct_emit_proj){.src_pop = sp, .src_var = var_of(N->models[sp], src), .tgt_pop = tp,
                                  .tgt_slot = tm->vars[var_of(tm, tgt)].slot, .mode = mode, .delay = delay};
    ck_assert_int_eq(tm->vars[var_of(tm, tgt)].kind, RCT_VK_COUPLING);
    memset(&N->proj[k], 0, sizeof N->proj[k]);
    N->proj[k].ring = delay > 0 ? values(N, (delay + 1) * N->ctx[sp].n) : NULL;
    N->proj[k].tmp = values(N, N->ctx[tp].n);
    return k;
}

/* Gives projection k the dense weights w (n_target x n_source, row = target). */
static void dense(net *N, int k, const double *w)
{
    long nt = N->ctx[N->eproj[k].tgt_pop].n, ns = N->ctx[N->eproj[k].src_pop].n;
    void *a = values(N, nt * ns);
    for (long i = 0; i < nt * ns; i++)
        put(N, a, i, w[i]);
    N->proj[k].w = a;
}

/* Gives projection k sparse weights: row pointers, columns and values. */
static void sparse(net *N, int k, const long *ptr, const int *col, const double *val)
{
    long nt = N->ctx[N->eproj[k].tgt_pop].n;
    void *a = values(N, ptr[nt]);
    for (long i = 0; i < ptr[nt]; i++)
        put(N, a, i, val[i]);
    N->proj[k].csr_ptr = ptr;
    N->proj[k].csr_col = col;
    N->proj[k].csr_val = a;
}

/* Emits the network's kernel; returns the status (err filled). */
static int emit_net(net *N, rct_err *err)
{
    const rct_model *models[MAX_POPS];
    for (int p = 0; p < N->n_pops; p++)
        models[p] = N->models[p];
    rct_emit_net o = {.dtype = N->f32 ? RECTIC_FLOAT32 : RECTIC_FLOAT64, .n_pops = N->n_pops, .pop_names = N->names,
                      .models = models, .pop_opts = N->opts, .n_projs = N->n_projs, .projs = N->eproj};
    free(N->src);
    N->src = rct_emit_net_c(&o, err);
    return N->src ? 0 : err->code;
}

/* The math symbols and, when BLAS loads, cblas_dgemv and cblas_sgemv. */
static const rct_symbol *symbols(void)
{
    static rct_symbol syms[64];
    int n = 0;
    for (const rct_symbol *s = rct_emit_symbols(); s->name; s++)
        syms[n++] = *s;
    rct_err err = {0, ""};
    const rct_blas *blas = rct_blas_load(&err);
    if (blas) {
        syms[n++] = (rct_symbol){"cblas_dgemv", (void *)blas->dgemv};
        syms[n++] = (rct_symbol){"cblas_sgemv", (void *)blas->sgemv};
    }
    syms[n] = (rct_symbol){NULL, NULL};
    return syms;
}

/* Emits and compiles the network's kernel (which must succeed). */
static void compile(net *N)
{
    rct_err err = {0, ""};
    ck_assert_msg(emit_net(N, &err) == 0, "%s", err.msg);
    void *fn = NULL;
    int rc = rct_jit_compile(N->src, symbols(), "rectic_kernel", &N->jit, &fn, &err);
    if (rc)
        fprintf(stderr, "%s\n", N->src); /* the message would be too long for Check */
    ck_assert_msg(rc == 0, "%.3000s", err.msg);
    N->kernel = (net_kernel)fn;
}

/* Runs `steps` steps in one call. */
static void run(net *N, long steps)
{
    ck_assert_int_eq(N->kernel(N->ctx, N->proj, steps), steps);
}

/* Value i of state variable `name` of population p. */
static double state(const net *N, int p, const char *name, long i)
{
    const rct_model *m = N->models[p];
    return get(N, N->ctx[p].y, m->vars[var_of(m, name)].slot * N->ctx[p].n + i);
}

/* Value i of coupling target `name` of population p. */
static double target(const net *N, int p, const char *name, long i)
{
    const rct_model *m = N->models[p];
    return get(N, N->ctx[p].coup, m->vars[var_of(m, name)].slot * N->ctx[p].n + i);
}

static void net_free(net *N)
{
    rct_jit_free(N->jit);
    free(N->src);
    for (int p = 0; p < N->n_pops; p++)
        rct_model_free(N->models[p]);
    for (int i = 0; i < N->n_mem; i++)
        free(N->mem[i]);
}

/* Asserts bit equality. */
#define ASSERT_SAME(got, want)                                                                             \
    do {                                                                                                   \
        double g_ = (got), w_ = (want);                                                                    \
        ck_assert_msg(memcmp(&g_, &w_, sizeof g_) == 0, "%s = %.17g, expected %.17g", #got, g_, w_);        \
    } while (0)

/* x rounded to the network's type: float arithmetic is double arithmetic rounded after each operation
   (+ - * / of floats are exact in double before that rounding). */
static double rnd(int f32, double x)
{
    return f32 ? (double)(float)x : x;
}

/* ---------------------------------------------------------------- two spiking populations */

/* The E/I network of the tests: E (3 units, exc) and I (2 units, inh), different thresholds and resets;
   E/s -> E/s_in dense in the kernel, E/s -> I/e_in sparse, I/s -> I/i_in scalar 0.75, I/s -> E/s_in
   dense through `last_mode` (added to the first). */
static const double W_EE[9] = {0.0, 0.3, -0.2, 0.4, 0.0, 0.1, -0.3, 0.2, 0.0};
static const long IE_PTR[3] = {0, 2, 3};
static const int IE_COL[3] = {0, 2, 1};
static const double IE_VAL[3] = {0.5, 0.25, 1.5};
static const double W_EI[6] = {0.6, -0.4, 0.2, 0.3, -0.1, 0.5};
static const double E_V0[3] = {0.5, 0.9, 1.2}, I_V0[2] = {0.1, 0.7};

static void ei_network(net *N, int f32, int last_mode, int parallel)
{
    memset(N, 0, sizeof *N);
    N->f32 = f32;
    const rct_link e_links[] = {{"s_in", "s"}};
    const rct_link i_links[] = {{"e_in", NULL}, {"i_in", "s"}};
    rct_roles re = {.op = "e_op", .input = "I_ext", .output = "s", .spike_var = "spike", .spike_def = "v",
                    .links = e_links, .n_links = 1};
    rct_roles ri = {.op = "i_op", .output = "s", .spike_var = "spike", .spike_def = "v", .links = i_links,
                    .n_links = 2};
    int e = add_pop(N, "E", model(EXC, "m.exc", &re), 3, 1, 1.0, 0.0);
    int i = add_pop(N, "I", model(INH, "m.inh", &ri), 2, 1, 0.8, -0.5);
    for (long u = 0; u < 3; u++)
        put(N, N->ctx[e].y, u, E_V0[u]);
    for (long u = 0; u < 2; u++)
        put(N, N->ctx[i].y, u, I_V0[u]);
    put(N, N->input[e], 0, 0.7);
    N->ctx[e].in_col = 0; /* one input value for every unit */
    dense(N, add_proj(N, e, "s", e, "s_in", RCT_COUP_INLINE, 0), W_EE);
    sparse(N, add_proj(N, e, "s", i, "e_in", RCT_COUP_CSR, 0), IE_PTR, IE_COL, IE_VAL);
    N->proj[add_proj(N, i, "s", i, "i_in", RCT_COUP_SCALAR, 0)].weight = 0.75;
    dense(N, add_proj(N, i, "s", e, "s_in", last_mode, 0), W_EI);
    N->opts[e].parallel = N->opts[i].parallel = parallel;
}

/* W_EI @ s as the kernel computes it: through the BLAS gemv (its own order of operations) or a loop. */
static void ei_product(int f32, int mode, const double *s, double *out)
{
    if (mode == RCT_COUP_DENSE) {
        rct_err err = {0, ""};
        const rct_blas *blas = rct_blas_load(&err);
        ck_assert_msg(blas != NULL, "%s", err.msg);
        if (f32) {
            float w[6], x[2], y[3];
            for (int k = 0; k < 6; k++)
                w[k] = (float)W_EI[k];
            x[0] = (float)s[0], x[1] = (float)s[1];
            blas->sgemv(101, 111, 3, 2, 1, w, 2, x, 1, 0, y, 1);
            for (int k = 0; k < 3; k++)
                out[k] = y[k];
        } else {
            blas->dgemv(101, 111, 3, 2, 1, W_EI, 2, s, 1, 0, out, 1);
        }
        return;
    }
    for (int r = 0; r < 3; r++) {
        double acc = 0;
        for (int j = 0; j < 2; j++)
            acc = rnd(f32, acc + rnd(f32, rnd(f32, W_EI[r * 2 + j]) * s[j]));
        out[r] = acc;
    }
}

/* The E/I network's steps in plain C: v, s of both populations after `steps` steps, and the spikes
   (step*10 + unit, E's then I's, per step) in spikes[]. */
static long ei_reference(int f32, int last_mode, long steps, double *vE, double *sE, double *vI, double *sI,
                         long *spikes)
{
    const double dt = rnd(f32, 0.1), inv_dt = rnd(f32, 1 / dt), I_ext = rnd(f32, 0.7);
    long n_spikes = 0;
    for (int u = 0; u < 3; u++)
        vE[u] = E_V0[u], sE[u] = 0;
    for (int u = 0; u < 2; u++)
        vI[u] = I_V0[u], sI[u] = 0;
    for (long n = 0; n < steps; n++) {
        double spkE[3], spkI[2], s_in[3], e_in[2], i_in[2], tmp[3];
        for (int u = 0; u < 3; u++)
            if ((spkE[u] = vE[u] >= 1.0))
                spikes[n_spikes++] = n * 10 + u;
        for (int u = 0; u < 2; u++)
            if ((spkI[u] = vI[u] >= rnd(f32, 0.8)))
                spikes[n_spikes++] = n * 10 + 5 + u;
        for (int r = 0; r < 3; r++) { /* E/s -> E/s_in */
            double acc = 0;
            for (int j = 0; j < 3; j++)
                acc = rnd(f32, acc + rnd(f32, rnd(f32, W_EE[r * 3 + j]) * sE[j]));
            s_in[r] = acc;
        }
        for (int r = 0; r < 2; r++) { /* E/s -> I/e_in */
            double acc = 0;
            for (long k = IE_PTR[r]; k < IE_PTR[r + 1]; k++)
                acc = rnd(f32, acc + rnd(f32, rnd(f32, IE_VAL[k]) * sE[IE_COL[k]]));
            e_in[r] = acc;
        }
        double sum = rnd(f32, sI[0] + sI[1]); /* I/s -> I/i_in */
        for (int r = 0; r < 2; r++)
            i_in[r] = rnd(f32, 0 + rnd(f32, rnd(f32, 0.75) * sum));
        ei_product(f32, last_mode, sI, tmp); /* I/s -> E/s_in, added */
        for (int r = 0; r < 3; r++)
            s_in[r] = rnd(f32, s_in[r] + tmp[r]);
        for (int u = 0; u < 3; u++) {
            double v_dot = rnd(f32, rnd(f32, rnd(f32, -vE[u] / 2.0) + s_in[u]) + I_ext);
            double s_dot = rnd(f32, rnd(f32, -sE[u] / 4.0) + (spkE[u] != 0 ? inv_dt : 0));
            vE[u] = rnd(f32, rnd(f32, rnd(f32, vE[u] + rnd(f32, dt * v_dot)) * (1 - spkE[u])) + spkE[u] * 0.0);
            sE[u] = rnd(f32, sE[u] + rnd(f32, dt * s_dot));
        }
        for (int u = 0; u < 2; u++) {
            double v_dot = rnd(f32, rnd(f32, rnd(f32, rnd(f32, 3.0 - vI[u]) / 5.0) + e_in[u]) - i_in[u]);
            double s_dot = rnd(f32, rnd(f32, -sI[u] / 2.0) + (spkI[u] != 0 ? inv_dt : 0));
            vI[u] = rnd(f32, rnd(f32, rnd(f32, vI[u] + rnd(f32, dt * v_dot)) * (1 - spkI[u])) + spkI[u] * -0.5);
            sI[u] = rnd(f32, sI[u] + rnd(f32, dt * s_dot));
        }
    }
    return n_spikes;
}

/* Runs the E/I network (float32 when f32, the last projection by last_mode) for 60 steps, in calls of
   7 steps, and compares everything with the plain C steps. */
static void check_ei_network(int f32, int last_mode, int parallel)
{
    net N;
    ei_network(&N, f32, last_mode, parallel);
    compile(&N);
    for (long done = 0; done < 60; done += 7)
        run(&N, done + 7 <= 60 ? 7 : 60 - done);
    double vE[3], sE[3], vI[2], sI[2];
    long want[4 * 60 * 5];
    long n_want = ei_reference(f32, last_mode, 60, vE, sE, vI, sI, want);
    for (long u = 0; u < 3; u++) {
        ASSERT_SAME(state(&N, 0, "v", u), vE[u]);
        ASSERT_SAME(state(&N, 0, "s", u), sE[u]);
    }
    for (long u = 0; u < 2; u++) {
        ASSERT_SAME(state(&N, 1, "v", u), vI[u]);
        ASSERT_SAME(state(&N, 1, "s", u), sI[u]);
    }
    /* the spikes: each population its own (step, unit) pairs in step and unit order */
    long got[4 * 60 * 5], n_got = 0;
    for (long step = 0; step < 60; step++)
        for (int p = 0; p < 2; p++)
            for (long k = 0; k < N.ctx[p].n_spikes; k++)
                if (N.ctx[p].spikes[2 * k] == step)
                    got[n_got++] = step * 10 + 5 * p + N.ctx[p].spikes[2 * k + 1];
    ck_assert_int_eq(n_got, N.ctx[0].n_spikes + N.ctx[1].n_spikes);
    ck_assert_int_eq(n_got, n_want);
    ck_assert_int_gt(N.ctx[0].n_spikes, 0);
    ck_assert_int_gt(N.ctx[1].n_spikes, 0);
    for (long k = 0; k < n_got; k++)
        ck_assert_int_eq(got[k], want[k]);
    ck_assert_int_eq(N.ctx[0].step, 60);
    ck_assert_int_eq(N.ctx[1].step, 60);
    net_free(&N);
}

START_TEST(test_two_populations_with_four_strategies_match_plain_c)
{
    check_ei_network(0, RCT_COUP_INLINE, 0);
}
END_TEST

START_TEST(test_dense_gemv_projection_added_to_earlier_one_matches_plain_c)
{
    rct_err err = {0, ""};
    if (!rct_blas_load(&err))
        TU_SKIP("no CBLAS library: %s", err.msg);
    check_ei_network(0, RCT_COUP_DENSE, 0);
}
END_TEST

START_TEST(test_float32_network_compiles_and_runs_in_float)
{
    check_ei_network(1, RCT_COUP_INLINE, 0);
    rct_err err = {0, ""};
    if (!rct_blas_load(&err)) {
        tu_skip_part("test_float32_network_compiles_and_runs_in_float", "sgemv: no CBLAS library: %s", err.msg);
        return;
    }
    check_ei_network(1, RCT_COUP_DENSE, 0);
}
END_TEST

START_TEST(test_parallel_populations_compute_the_same_numbers)
{
    check_ei_network(0, RCT_COUP_INLINE, 1); /* TinyCC has no OpenMP: the same loops, marked */
    net N;
    ei_network(&N, 0, RCT_COUP_INLINE, 1);
    rct_err err = {0, ""};
    ck_assert_msg(emit_net(&N, &err) == 0, "%s", err.msg);
    ck_assert_msg(strstr(N.src, "#define RECTIC_PARALLEL_FOR _Pragma") != NULL, "no OpenMP macro");
    ck_assert_msg(strstr(N.src, "    rectic_kctx *const c = &pop[1]; /* the target's threads */\n"
                                "    RECTIC_PARALLEL_FOR\n") != NULL, "no parallel projection");
    net_free(&N);
}
END_TEST

START_TEST(test_reduction_runs_over_its_own_population)
{
    net N = {0};
    int c = add_plain(&N, "C", &T_CLOCK, NULL, 2);
    int m = add_plain(&N, "M", &T_MEANER, TARGETS("m_in"), 3);
    double v[3] = {1.0, 2.0, 6.0}, cs[2] = {1.0, 1.0};
    for (int u = 0; u < 3; u++)
        put(&N, N.ctx[m].y, u, v[u]);
    N.proj[add_proj(&N, c, "c", m, "m_in", RCT_COUP_SCALAR, 0)].weight = 0.5;
    compile(&N);
    run(&N, 12);
    for (int n = 0; n < 12; n++) {
        double mean = ((0 + v[0]) + v[1] + v[2]) / 3, in = 0 + 0.5 * ((0 + cs[0]) + cs[1]);
        for (int u = 0; u < 3; u++)
            v[u] = v[u] + 0.1 * (mean - v[u] + in);
        for (int u = 0; u < 2; u++)
            cs[u] = cs[u] + 0.1 * 1.0;
    }
    for (int u = 0; u < 3; u++)
        ASSERT_SAME(state(&N, m, "v", u), v[u]);
    net_free(&N);
}
END_TEST

/* ---------------------------------------------------------------- delays, order, algebraic sources */

/* A clock population C (2 units, c = 1 and 3 at step 0, c' = 1, sq = c*c) and a sink K (2 units) with
   targets a_in and b_in. */
static void clock_and_sink(net *N, int f32)
{
    memset(N, 0, sizeof *N);
    N->f32 = f32;
    int c = add_plain(N, "C", &T_CLOCK, NULL, 2);
    add_plain(N, "K", &T_SINK, TARGETS("a_in", "b_in"), 2);
    put(N, N->ctx[c].y, 1, 3.0);
}

START_TEST(test_delayed_projection_reads_source_of_step_n_minus_d)
{
    net N;
    clock_and_sink(&N, 0);
    static const double w[4] = {1.0, 0.0, 0.5, 2.0};
    dense(&N, add_proj(&N, 0, "c", 1, "a_in", RCT_COUP_INLINE, 2), w); /* a state source, 2 steps late */
    N.proj[add_proj(&N, 0, "sq", 1, "b_in", RCT_COUP_SCALAR, 1)].weight = 1.0; /* an algebraic one, 1 step */
    compile(&N);
    double c[41][2]; /* c of step n */
    c[0][0] = 1.0, c[0][1] = 3.0;
    for (int n = 0; n < 40; n++)
        for (int u = 0; u < 2; u++)
            c[n + 1][u] = c[n][u] + 0.1 * 1.0;
    for (int n = 0; n < 40; n++) {
        run(&N, 1); /* the targets of step n stay in the context until the next step */
        double a0 = n < 2 ? 0 : (0 + 1.0 * c[n - 2][0]) + 0.0 * c[n - 2][1];
        double a1 = n < 2 ? 0 : (0 + 0.5 * c[n - 2][0]) + 2.0 * c[n - 2][1];
        double b = n < 1 ? 0 : 0 + 1.0 * ((0 + c[n - 1][0] * c[n - 1][0]) + c[n - 1][1] * c[n - 1][1]);
        ASSERT_SAME(target(&N, 1, "a_in", 0), a0);
        ASSERT_SAME(target(&N, 1, "a_in", 1), a1);
        ASSERT_SAME(target(&N, 1, "b_in", 0), b);
        ASSERT_SAME(target(&N, 1, "b_in", 1), b);
        ASSERT_SAME(state(&N, 0, "c", 1), c[n + 1][1]);
    }
    net_free(&N);
}
END_TEST

/* a_in after one step of n scalar projections of C/c (`source` at unit 0, 0 at unit 1) with the weights
   w[], in that order; b_in, which no projection feeds, keeps what it held. */
static double scalar_contributions(double source, const double *w, int n)
{
    net N;
    clock_and_sink(&N, 0);
    put(&N, N.ctx[0].y, 0, source);
    put(&N, N.ctx[0].y, 1, 0.0);
    for (int k = 0; k < n; k++)
        N.proj[add_proj(&N, 0, "c", 1, "a_in", RCT_COUP_SCALAR, 0)].weight = w[k];
    put(&N, N.ctx[1].coup, 2, 0.25); /* b_in */
    compile(&N);
    run(&N, 1);
    double a = target(&N, 1, "a_in", 1);
    ASSERT_SAME(target(&N, 1, "a_in", 0), a);
    ASSERT_SAME(target(&N, 1, "b_in", 0), 0.25);
    net_free(&N);
    return a;
}

START_TEST(test_contributions_into_one_target_add_up_in_listed_order)
{
    /* (0 + 1) + 1e-16 is 1, then - 1 is 0; (0 + 1) - 1 + 1e-16 is 1e-16 */
    ASSERT_SAME(scalar_contributions(1.0, (const double[]){1.0, 1e-16, -1.0}, 3), 0.0);
    ASSERT_SAME(scalar_contributions(1.0, (const double[]){1.0, -1.0, 1e-16}, 3), 1e-16);
}
END_TEST

START_TEST(test_first_scalar_contribution_of_minus_zero_is_plus_zero)
{
    /* -1 * (0 + 0) is -0; the reference's accumulator, +0 + -0, makes it +0 */
    ASSERT_SAME(scalar_contributions(0.0, (const double[]){-1.0}, 1), 0.0);
    ASSERT_SAME(scalar_contributions(2.0, (const double[]){-1.0}, 1), -2.0);
}
END_TEST

START_TEST(test_state_source_is_read_before_its_population_updates)
{
    /* R/r and then R/v into one target: R/v must be read before R's update, R/r after R computes it,
       and the listed order kept -- R's pass is split so that r comes first */
    net N = {0};
    int r = add_plain(&N, "R", &T_RATE, NULL, 1);
    int k = add_plain(&N, "K", &T_SINK, TARGETS("a_in"), 1);
    N.proj[add_proj(&N, r, "r", k, "a_in", RCT_COUP_SCALAR, 0)].weight = 1.0;
    N.proj[add_proj(&N, r, "v", k, "a_in", RCT_COUP_SCALAR, 0)].weight = 1.0;
    compile(&N);
    double v = 0.3;
    for (int n = 0; n < 10; n++) {
        run(&N, 1);
        ASSERT_SAME(target(&N, k, "a_in", 0), (0 + 1.0 * (0 + tanh(v))) + 1.0 * (0 + v));
        v = v + 0.1 * (-v / 4.0 + 0.0 + 0.2);
    }
    net_free(&N);
}
END_TEST

START_TEST(test_algebraic_source_feeds_another_population_in_the_same_step)
{
    net N = {0};
    int r = add_plain(&N, "R", &T_RATE, NULL, 2);
    int k = add_plain(&N, "K", &T_SINK, TARGETS("a_in", "b_in"), 2);
    put(&N, N.ctx[r].y, 1, -0.6);
    static const double w[4] = {1.0, 0.0, 0.0, 1.0};
    dense(&N, add_proj(&N, r, "r", k, "a_in", RCT_COUP_INLINE, 0), w);
    N.proj[add_proj(&N, r, "q", k, "b_in", RCT_COUP_SCALAR, 0)].weight = 1.0;
    compile(&N);
    double v[2] = {0.3, -0.6};
    for (int n = 0; n < 30; n++) {
        run(&N, 1);
        double rv[2] = {tanh(v[0]), tanh(v[1])};
        ASSERT_SAME(target(&N, k, "a_in", 0), (0 + 1.0 * rv[0]) + 0.0 * rv[1]);
        ASSERT_SAME(target(&N, k, "a_in", 1), (0 + 0.0 * rv[0]) + 1.0 * rv[1]);
        ASSERT_SAME(target(&N, k, "b_in", 1), 0 + 1.0 * ((0 + rv[0] * rv[0]) + rv[1] * rv[1]));
        for (int u = 0; u < 2; u++)
            v[u] = v[u] + 0.1 * (-v[u] / 4.0 + 0.0 + 0.2);
        ASSERT_SAME(state(&N, r, "v", 1), v[1]);
    }
    net_free(&N);
}
END_TEST

START_TEST(test_rate_populations_feeding_each_other_split_their_passes)
{
    net N = {0};
    int a = add_plain(&N, "A", &T_RATE, TARGETS("r_in"), 2);
    int b = add_plain(&N, "B", &T_RATE, TARGETS("r_in"), 2);
    put(&N, N.ctx[a].y, 1, 0.5);
    put(&N, N.ctx[b].y, 0, -0.4);
    put(&N, N.ctx[b].y, 1, 0.8);
    static const double w[4] = {0.7, -0.2, 0.1, 0.9};
    dense(&N, add_proj(&N, a, "r", b, "r_in", RCT_COUP_INLINE, 0), w);
    N.proj[add_proj(&N, b, "r", a, "r_in", RCT_COUP_SCALAR, 0)].weight = -0.5;
    compile(&N);
    ck_assert_msg(strstr(N.src, "static void A_pass0_early(rectic_kctx *c, const real *in)") != NULL, "no split pass");
    run(&N, 25);
    double va[2] = {0.3, 0.5}, vb[2] = {-0.4, 0.8};
    for (int n = 0; n < 25; n++) {
        double ra[2] = {tanh(va[0]), tanh(va[1])}, rb[2] = {tanh(vb[0]), tanh(vb[1])};
        double in_b[2] = {(0 + 0.7 * ra[0]) + -0.2 * ra[1], (0 + 0.1 * ra[0]) + 0.9 * ra[1]};
        double in_a = 0 + -0.5 * ((0 + rb[0]) + rb[1]);
        for (int u = 0; u < 2; u++) {
            va[u] = va[u] + 0.1 * (-va[u] / 4.0 + in_a + 0.2);
            vb[u] = vb[u] + 0.1 * (-vb[u] / 4.0 + in_b[u] + 0.2);
        }
    }
    for (int u = 0; u < 2; u++) {
        ASSERT_SAME(state(&N, a, "v", u), va[u]);
        ASSERT_SAME(state(&N, b, "v", u), vb[u]);
    }
    net_free(&N);
}
END_TEST

/* Two echo populations A and B, each one's a feeding the other's b_in; the second projection `delay`
   steps late.  Returns the emitter's status. */
static int echo_pair(long delay, rct_err *err)
{
    net N = {0};
    int a = add_plain(&N, "A", &T_ECHO, TARGETS("b_in"), 1);
    int b = add_plain(&N, "B", &T_ECHO, TARGETS("b_in"), 1);
    N.proj[add_proj(&N, a, "a", b, "b_in", RCT_COUP_SCALAR, 0)].weight = 1;
    N.proj[add_proj(&N, b, "a", a, "b_in", RCT_COUP_SCALAR, delay)].weight = 1;
    int rc = emit_net(&N, err);
    net_free(&N);
    return rc;
}

START_TEST(test_cycle_between_populations_is_an_error_naming_it)
{
    rct_err err = {0, ""};
    ck_assert_int_eq(echo_pair(0, &err), RECTIC_ETEMPLATE);
    ck_assert_msg(strstr(err.msg, "algebraic cycle") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "A/x_op/a -> B/x_op/b_in") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "B/x_op/a -> A/x_op/b_in") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "delay") != NULL, "%s", err.msg);
    err = (rct_err){0, ""};
    ck_assert_msg(echo_pair(1, &err) == 0, "a delay breaks the cycle: %s", err.msg);
}
END_TEST

/* ---------------------------------------------------------------- the text */

START_TEST(test_network_source_reads_like_the_single_kernel)
{
    net N;
    ei_network(&N, 0, RCT_COUP_DENSE, 0);
    rct_err err = {0, ""};
    ck_assert_msg(emit_net(&N, &err) == 0, "%s", err.msg);
    const char *want[] = {
        "typedef double real;\n",
        " *   pop[1] I: template m.inh, spiking\n",
        " *     i_op: v' = (eta - v)/tau + e_in - i_in\n",
        " *   proj[1] E/e_op/s -> I/i_op/e_in: sparse weights (compressed sparse rows)\n",
        "        /* e_op: v' = -v/tau + s_in + I_ext */\n",
        "static void E_update(rectic_kctx *c, const real *in)\n",
        "    real *const i_in_arr = c->coup + 1*n; /* coupling target i_op/i_in */\n",
        "    real *const s_in_arr = c->coup; /* coupling target e_op/s_in */\n",
        "static void proj_3(rectic_kctx *pop, const rectic_kproj *p)\n", /* step: for delayed projections only */
        "    pop[0].gemv(hi - lo, n_src, p->w + lo*n_src, x, p->tmp + lo); /* rows lo .. hi-1 */\n",
        "    const real contribution = 0 + weight*sum;\n",
        "long rectic_kernel(rectic_kctx *pop, const rectic_kproj *proj, long steps)\n",
        "        E_update(&pop[0], in_E);\n",
        "r->where == 2 ? c->coup + r->slot*n",
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
        ck_assert_msg(strstr(N.src, want[k]) != NULL, "no \"%s\" in the source", want[k]);
    ck_assert_msg(strstr(N.src, "+ 0*n") == NULL, "a block 0 written as + 0*n");
    const char *first = strstr(N.src, "static void rectic_record");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "static void rectic_record")); /* one recorder for all */
    net_free(&N);
}
END_TEST

START_TEST(test_population_names_must_be_distinct_identifiers)
{
    static const char *const bad[] = {"E-1", "2E", "", "E I", "E*/"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        net N;
        ei_network(&N, 0, RCT_COUP_INLINE, 0);
        N.names[1] = bad[k];
        rct_err err = {0, ""};
        ck_assert_int_eq(emit_net(&N, &err), RECTIC_EINVAL);
        ck_assert_msg(strstr(err.msg, "not an identifier") != NULL, "%s", err.msg);
        net_free(&N);
    }
    net N;
    ei_network(&N, 0, RCT_COUP_INLINE, 0);
    N.names[1] = "E";
    rct_err err = {0, ""};
    ck_assert_int_eq(emit_net(&N, &err), RECTIC_EINVAL);
    ck_assert_str_eq(err.msg, "two populations are named 'E'");
    net_free(&N);
}
END_TEST

/* ---------------------------------------------------------------- the IR's coupling slots */

START_TEST(test_single_population_target_is_coupling_slot_zero)
{
    rct_roles re = {.op = "e_op", .source = "s", .target = "s_in", .spike_var = "spike", .spike_def = "v"};
    rct_model *m = model(EXC, "m.exc", &re);
    ck_assert_int_eq(m->n_coup, 1);
    ck_assert_int_eq(m->coup_var[0], m->target);
    ck_assert_int_eq(m->vars[m->target].slot, 0);
    ck_assert_int_eq(m->coup_before[0], 0);
    ck_assert_int_eq(m->coupling_before, 0);
    rct_model_free(m);
    rct_roles rr = {.op = "r_op", .source = "r", .target = "r_in"};
    m = model(RATE, "m.rate", &rr);
    ck_assert_int_eq(m->coup_before[0], 1); /* after the pass computing r */
    ck_assert_int_eq(m->coupling_before, 1);
    ck_assert_int_eq(m->n_passes, 2);
    rct_model_free(m);
    rct_roles none = {.op = "r_op"};
    m = model(RATE, "m.rate", &none);
    ck_assert_int_eq(m->n_coup, 0);
    ck_assert_int_eq(m->coupling_before, -1);
    rct_model_free(m);
}
END_TEST

START_TEST(test_links_number_distinct_targets_in_first_appearance_order)
{
    const rct_link links[] = {{"i_in", NULL}, {"e_in", NULL}, {"i_op/i_in", "s"}};
    rct_roles ri = {.op = "i_op", .links = links, .n_links = 3};
    rct_model *m = model(INH, "m.inh", &ri);
    ck_assert_int_eq(m->n_coup, 2);
    ck_assert_int_eq(m->coup_var[0], var_of(m, "i_in"));
    ck_assert_int_eq(m->coup_var[1], var_of(m, "e_in"));
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(m->vars[m->coup_var[k]].kind, RCT_VK_COUPLING);
        ck_assert_int_eq(m->vars[m->coup_var[k]].slot, k);
        ck_assert_int_eq(m->coup_before[k], 0);
    }
    ck_assert_int_eq(m->target, -1);
    ck_assert_int_eq(m->source, -1);
    char *text = rct_model_describe(m);
    ck_assert_msg(strstr(text, "coupling target") != NULL, "%s", text);
    free(text);
    rct_model_free(m);
}
END_TEST

/* The error of building `yaml`'s node `ref` with links (must fail with `code`). */
static void link_error(const char *yaml, const char *ref, const char *op, const rct_link *links, int n, int code,
                       const char *msg)
{
    rct_roles r = {.op = op, .links = links, .n_links = n};
    rct_model *m = NULL;
    rct_err err = {0, ""};
    ck_assert_int_eq(build_model(yaml, ref, &r, &m, &err), code);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err.msg, msg) != NULL, "\"%s\" not in \"%s\"", msg, err.msg);
    ck_assert_msg(strstr(err.msg, "--") == NULL, "a command-line flag in \"%s\"", err.msg);
}

START_TEST(test_link_targets_and_sources_are_checked)
{
    link_error(INH, "m.inh", "i_op", (const rct_link[]){{"v", NULL}}, 1, RECTIC_EINVAL,
               "projection target 'i_op/v' must be an input(...) variable of the template, not state");
    link_error(INH, "m.inh", "i_op", (const rct_link[]){{"zeta", NULL}}, 1, RECTIC_EINVAL,
               "projection target: no variable 'zeta'");
    link_error(INH, "m.inh", "i_op", (const rct_link[]){{"e_in", "tau"}}, 1, RECTIC_EINVAL,
               "projection source 'i_op/tau' must be a state or algebraic variable, not parameter");
    rct_roles r = {.op = "i_op", .spike_var = "spike", .spike_def = "v"};
    const rct_link taken[] = {{"spike", NULL}};
    r.links = taken;
    r.n_links = 1;
    rct_model *m = NULL;
    rct_err err = {0, ""};
    ck_assert_int_eq(build_model(INH, "m.inh", &r, &m, &err), RECTIC_EINVAL);
    ck_assert_msg(strstr(err.msg, "projection target 'i_op/spike'") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(test_links_exclude_a_source_and_target_of_their_own)
{
    const rct_link links[] = {{"s_in", NULL}};
    rct_roles r = {.op = "e_op", .source = "s", .target = "s_in", .links = links, .n_links = 1};
    rct_model *m = NULL;
    rct_err err = {0, ""};
    ck_assert_int_eq(build_model(EXC, "m.exc", &r, &m, &err), RECTIC_EINVAL);
    ck_assert_ptr_null(m);
}
END_TEST

START_TEST(test_algebraic_link_source_puts_its_readers_after_its_pass)
{
    const rct_link own[] = {{"r_in", "r"}}, other[] = {{"r_in", NULL}}, state_src[] = {{"r_in", "v"}};
    rct_roles r = {.op = "r_op", .links = own, .n_links = 1};
    rct_model *m = model(RATE, "m.rate", &r);
    ck_assert_int_eq(m->coup_before[0], 1);
    ck_assert_int_eq(m->n_passes, 2);
    ck_assert_int_eq(m->vars[var_of(m, "r")].pass, 0);
    rct_model_free(m);
    r.links = other;
    m = model(RATE, "m.rate", &r);
    ck_assert_int_eq(m->coup_before[0], 0);
    ck_assert_int_eq(m->n_passes, 1);
    rct_model_free(m);
    r.links = state_src;
    m = model(RATE, "m.rate", &r);
    ck_assert_int_eq(m->coup_before[0], 0);
    rct_model_free(m);
}
END_TEST

START_TEST(test_link_source_reading_its_own_target_is_a_cycle)
{
    link_error(ECHO, "m.echo", "x_op", (const rct_link[]){{"b_in", "a"}}, 1, RECTIC_ETEMPLATE,
               "algebraic cycle: the coupling source 'x_op/a' depends on the coupling target 'x_op/b_in'");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emitnet");
    TCase *num = tcase_create("numbers");
    tcase_set_timeout(num, 30);
    tcase_add_test(num, test_two_populations_with_four_strategies_match_plain_c);
    tcase_add_test(num, test_dense_gemv_projection_added_to_earlier_one_matches_plain_c);
    tcase_add_test(num, test_float32_network_compiles_and_runs_in_float);
    tcase_add_test(num, test_parallel_populations_compute_the_same_numbers);
    tcase_add_test(num, test_reduction_runs_over_its_own_population);
    tcase_add_test(num, test_delayed_projection_reads_source_of_step_n_minus_d);
    tcase_add_test(num, test_contributions_into_one_target_add_up_in_listed_order);
    tcase_add_test(num, test_first_scalar_contribution_of_minus_zero_is_plus_zero);
    tcase_add_test(num, test_algebraic_source_feeds_another_population_in_the_same_step);
    tcase_add_test(num, test_state_source_is_read_before_its_population_updates);
    tcase_add_test(num, test_rate_populations_feeding_each_other_split_their_passes);
    tcase_add_test(num, test_cycle_between_populations_is_an_error_naming_it);
    suite_add_tcase(s, num);

    TCase *text = tcase_create("text");
    tcase_set_timeout(text, 30);
    tcase_add_test(text, test_network_source_reads_like_the_single_kernel);
    tcase_add_test(text, test_population_names_must_be_distinct_identifiers);
    suite_add_tcase(s, text);

    TCase *ir = tcase_create("ir");
    tcase_set_timeout(ir, 30);
    tcase_add_test(ir, test_single_population_target_is_coupling_slot_zero);
    tcase_add_test(ir, test_links_number_distinct_targets_in_first_appearance_order);
    tcase_add_test(ir, test_link_targets_and_sources_are_checked);
    tcase_add_test(ir, test_links_exclude_a_source_and_target_of_their_own);
    tcase_add_test(ir, test_algebraic_link_source_puts_its_readers_after_its_pass);
    tcase_add_test(ir, test_link_source_reading_its_own_target_is_a_cycle);
    suite_add_tcase(s, ir);
    return tu_run(s);
}

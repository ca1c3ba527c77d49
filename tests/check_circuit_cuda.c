/*
 * check_circuit_cuda.c -- PyRates circuits on the CUDA backend, without a GPU (issue 14, scope 4):
 *
 *   1. NVRTC compiles the network kernels of the shared circuits (delay chains, edge nodes with state,
 *      edges mapped to a target variable, same-named outputs, input nodes), float64 and float32: every
 *      kernel is in the PTX (skipped, with a message, where libnvrtc cannot be loaded);
 *   2. the device code compiled as host C (the mock driver of tests/gpu/mock_cuda.h) runs each circuit and
 *      records every state and output variable of every population, and one node's column, bit for bit as
 *      the C kernel does (the circuits' projections are sparse rows: sums in the same order).
 * The checks that need a GPU are in tests/gpu (make check-gpu).
 */
#include "testutil.h"

#include "circuit.h"
#include "cudatest.h"
#include "gpu/mock_cuda.h"
#include "rectic.h"

#define STEPS 300

/* A circuit of ../shared/templates/pyrates, its step size and an input (node/op/var, or NULL) given a pulse. */
typedef struct ccase {
    const char *ref;
    double dt;
    const char *input;
} ccase;

static const ccase CASES[] = {
    {"model_templates.neural_mass_models.jansenrit.JRC_2delaycoupled", 1e-4, "jrc1/pc/rpo_e_in/m_in"}, /* input node */
    {"model_templates.neural_mass_models.jansenrit.JRC", 1e-4, "pc/rpo_e_in/u"},
    {"model_templates.neural_mass_models.qif.qif_sd", 1e-3, NULL},
    {"model_templates.neural_mass_models.wilsoncowan.WC_stp", 1e-3, "e/se_op/r_ext"},
    {"model_templates.oscillators.kuramoto.kmo_2coupled", 1e-3, NULL},
    {"model_templates.oscillators.vanderpol.vdp", 1e-3, NULL},
};
#define N_CASES ((int)(sizeof CASES / sizeof CASES[0]))

/* A circuit's network on a backend (the mock driver for NVRTC), its input given, and the circuit. */
typedef struct cnet {
    rct_circuit *c;
    rectic_netspec *ns;
    rct_cinput *in;
    int n_in;
    rectic_net *net;
} cnet;

static double pulse[STEPS];

/* Builds case k on backend in dtype: the circuit read, planned and turned into a network with its input. */
static void cnet_build(cnet *x, const ccase *k, int backend, int dtype)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/templates/pyrates", tu_shared_dir());
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_int_eq(rct_loader_add_dir(L, dir), 0);
    memset(x, 0, sizeof *x);
    ck_assert_msg(rct_circuit_load(L, k->ref, &x->c) == 0, "%s", err.msg);
    rct_loader_free(L);
    ck_assert_int_eq(rct_circuit_plan(x->c, k->dt, &err), 0);
    for (int i = 0; i < STEPS; i++)
        pulse[i] = i % 100 < 30 ? 2.0 : 0.0;
    const double *series[] = {pulse};
    if (k->input)
        ck_assert_msg(rct_circuit_inputs(x->c, &k->input, series, 1, STEPS, &x->in, &x->n_in, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(rectic_netspec_new(&x->ns), 0);
    ck_assert_msg(rct_circuit_netspec(x->c, x->ns, &err) == 0, "%s", err.msg);
    for (int i = 0; i < x->n_in; i++)
        ck_assert_int_eq(rectic_netspec_input(x->ns, x->in[i].name, x->in[i].path), 0);
    if (backend == RECTIC_BACKEND_NVRTC)
        use_mock(); /* the emulated device (the C kernel needs no driver) */
    rectic_spec o;
    rectic_spec_init(&o);
    o.backend = backend;
    o.dt = k->dt;
    o.dtype = dtype;
    const char *tp[] = {dir};
    o.template_path = tp;
    o.n_template_path = 1;
    ck_assert_msg(rectic_net_new_network(&x->net, x->ns, &o) == 0, "%s", rectic_errmsg(x->net));
    for (int i = 0; i < x->n_in; i++)
        ck_assert_int_eq(rectic_net_input(x->net, x->in[i].name, x->in[i].data, STEPS, x->in[i].n), 0);
}

static void cnet_free(cnet *x)
{
    rectic_net_free(x->net);
    rct_circuit_inputs_free(x->in, x->n_in);
    rectic_netspec_free(x->ns);
    rct_circuit_free(x->c);
}

#define MAX_KEYS 64
static char keys[MAX_KEYS][600];

/* Records every state and output variable of every population of x (key "POP.op.var") and the first
   output of the last node of the first population (key "node"); the keys go to keys[], their count is
   returned. */
static int record_all(cnet *x)
{
    int count = 0;
    for (int p = 0; p < x->c->n_pops; p++) {
        const rct_cpop *P = &x->c->pops[p];
        for (int o = 0; o < P->tmpl->n_ops; o++)
            for (int v = 0; v < P->tmpl->ops[o].n_vars; v++) {
                const rct_tvar *var = &P->tmpl->ops[o].vars[v];
                if (var->decl != RCT_D_VARIABLE && var->decl != RCT_D_OUTPUT)
                    continue;
                char path[600];
                snprintf(path, sizeof path, "%s/%s/%s", P->name, P->tmpl->ops[o].name, var->name);
                ck_assert_int_lt(count, MAX_KEYS - 1);
                snprintf(keys[count], sizeof keys[0], "%s.%s.%s", P->name, P->tmpl->ops[o].name, var->name);
                ck_assert_msg(rectic_net_record_as(x->net, path, keys[count++]) == 0, "%s", rectic_errmsg(x->net));
            }
    }
    const rct_cpop *P = &x->c->pops[0];
    char node[600], path[600];
    int unit, o = 0, v = 0;
    while (P->tmpl->ops[o].vars[v].decl != RCT_D_OUTPUT)
        v + 1 < P->tmpl->ops[o].n_vars ? v++ : (o++, v = 0);
    snprintf(node, sizeof node, "%s/%s/%s", P->units[P->n - 1], P->tmpl->ops[o].name, P->tmpl->ops[o].vars[v].name);
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_circuit_pop_path(x->c, node, "test", path, sizeof path, &unit, &err), 0);
    ck_assert_int_eq(unit, P->n - 1);
    const long units[] = {unit};
    ck_assert_msg(rectic_net_record_subset(x->net, path, "node", units, 1) == 0, "%s", rectic_errmsg(x->net));
    snprintf(keys[count++], sizeof keys[0], "node");
    return count;
}

/* ---------------------------------------------------------------- 1. NVRTC */

START_TEST(test_circuit_kernels_compile_with_nvrtc)
{
    if (!tu_shared_dir())
        TU_SKIP("../shared not found");
    if (!ct_have_nvrtc(__func__))
        return;
    int kernels = 0;
    for (int k = 0; k < N_CASES; k++)
        for (int dtype = 0; dtype < 2; dtype++) {
            cnet x;
            cnet_build(&x, &CASES[k], RECTIC_BACKEND_NVRTC, dtype);
            char what[300];
            snprintf(what, sizeof what, "%s, %s", CASES[k].ref, dtype ? "float32" : "float64");
            char *src = strdup(rectic_net_source(x.net));
            ck_assert_ptr_nonnull(strstr(src, "RCT_KERNEL"));
            kernels += ct_compile_ptx(src, what);
            free(src);
            cnet_free(&x);
        }
    ck_assert_int_ge(kernels, 4 * N_CASES);
    fprintf(stderr, "  %d circuit kernels compiled\n", kernels);
}
END_TEST

/* ---------------------------------------------------------------- 2. the device code on the CPU */

/* Runs case k on the C kernel (TinyCC) and the emulated device in dtype, recording every `every` steps;
   every recording bit for bit. */
static void same_on_both(const ccase *k, int dtype, long every)
{
    cnet cpu, gpu;
    cnet_build(&cpu, k, RECTIC_BACKEND_TCC, dtype);
    cnet_build(&gpu, k, RECTIC_BACKEND_NVRTC, dtype);
    int n_keys = record_all(&cpu);
    ck_assert_int_eq(record_all(&gpu), n_keys);
    ck_assert_int_eq(rectic_net_sampling(cpu.net, every, RECTIC_SAMPLE_PICK, 0), 0);
    ck_assert_int_eq(rectic_net_sampling(gpu.net, every, RECTIC_SAMPLE_PICK, 0), 0);
    ck_assert_msg(rectic_net_run(cpu.net, STEPS, NULL, 0) == 0, "%s", rectic_errmsg(cpu.net));
    ck_assert_msg(rectic_net_run(gpu.net, STEPS, NULL, 0) == 0, "%s", rectic_errmsg(gpu.net));
    ck_assert_str_eq(rectic_net_backend(gpu.net), "nvrtc");
    ck_assert_int_gt(mock.launches, 0);
    for (int r = 0; r < n_keys; r++) {
        const char *key = keys[r];
        long ra, ca, rb, cb;
        const double *a, *b;
        ck_assert_int_eq(rectic_net_recording(cpu.net, key, &ra, &ca, &a), 0);
        ck_assert_msg(rectic_net_recording(gpu.net, key, &rb, &cb, &b) == 0, "%s", rectic_errmsg(gpu.net));
        ck_assert_int_eq(ra, (STEPS + every - 1) / every);
        ck_assert_int_eq(rb, ra);
        ck_assert_int_eq(cb, ca);
        for (long i = 0; i < ra * ca; i++)
            ck_assert_msg(a[i] == b[i], "%s %s, %s: value %ld: %.17g on the CPU, %.17g emulated", k->ref,
                          dtype ? "float32" : "float64", key, i, a[i], b[i]);
        ck_assert_msg(strcmp(key, "node") || (ca == 1 && a[ra - 1] != a[0]), "%s: the node's column does not move",
                      k->ref);
    }
    cnet_free(&cpu);
    cnet_free(&gpu);
}

START_TEST(test_circuits_on_the_emulated_device_equal_the_c_kernel)
{
    if (!tu_shared_dir())
        TU_SKIP("../shared not found");
    for (int k = 0; k < N_CASES; k++)
        for (int dtype = 0; dtype < 2; dtype++)
            same_on_both(&CASES[k], dtype, 1);
}
END_TEST

/* Sampled rows, and chunks of a few steps (the device's ring copied to the host many times, a node's
   column picked from each chunk's rows at their place). */
START_TEST(test_sampled_and_chunked_runs_pick_the_same_columns)
{
    if (!tu_shared_dir())
        TU_SKIP("../shared not found");
    same_on_both(&CASES[0], RECTIC_FLOAT64, 7);
    setenv("RECTIC_CUDA_CHUNK_BYTES", "2048", 1);
    same_on_both(&CASES[0], RECTIC_FLOAT64, 1);
    same_on_both(&CASES[3], RECTIC_FLOAT32, 3);
    unsetenv("RECTIC_CUDA_CHUNK_BYTES");
}
END_TEST

int main(void)
{
    const TTest *tests[] = {test_circuit_kernels_compile_with_nvrtc, test_circuits_on_the_emulated_device_equal_the_c_kernel,
                            test_sampled_and_chunked_runs_pick_the_same_columns};
    return tu_main("circuit_cuda", 600, tests, (int)(sizeof tests / sizeof tests[0]));
}

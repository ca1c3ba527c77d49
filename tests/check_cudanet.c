/*
 * check_cudanet.c -- the CUDA backend for networks of populations, without a GPU:
 *
 *   1. NVRTC compiles the kernels of networks of two and three populations (every projection strategy,
 *      delays, scalar weights, reductions, algebraic sources, passes split in two, float64 and float32):
 *      every kernel is in the PTX and no multiply-add is fused (skipped, with a message, where libnvrtc
 *      cannot be loaded);
 *   2. the device code compiled as host C (the mock driver of tests/gpu/mock_cuda.h runs each kernel once
 *      per thread) runs the whole device path of a network (runtime/cuda_netrun.c: contexts, rings,
 *      recordings per population, spike bits, chunks, graphs, the numerical guard) and gives the numbers
 *      of the C network kernel bit for bit where the C kernel's sums are loops (inline, sparse and scalar
 *      projections, reductions up to RCT_CUDA_RED_SERIAL units), within rounding where it calls BLAS or
 *      the device sums as a tree;
 *   3. without a driver, asking for the CUDA backend fails with a clear message.
 * The checks that need a GPU are in tests/gpu (make check-gpu).
 */
#include <math.h>
#include <stdint.h>

#include "testutil.h"

#include "cudatest.h"
#include "emit_cuda_net.h"
#include "gpu/mock_cuda.h"
#include "gpu/rcase.h"
#include "gpu/rnet.h"
#include "rectic.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define LIF "neuron_model_templates.spiking_neurons.lif.lif"
#define SFA "neuron_model_templates.spiking_neurons.qif.qif_sfa"
#define IKU "neuron_model_templates.spiking_neurons.ik.iku"
#define TANH "neuron_model_templates.rate_neurons.leaky_integrator.tanh"
#define DT 1e-3

/* Templates of the tests (written to a folder the netspecs search): a sink x' = a_in - x, and echo units
   a = 2*b_in, u' = a - u (an algebraic source that reads a projection). */
static const char TEMPLATES[] = "sink_op:\n"
                                "  base: OperatorTemplate\n"
                                "  equations: \"x' = a_in - x\"\n"
                                "  variables:\n"
                                "    x: output(0.0)\n"
                                "    a_in: input(0.0)\n"
                                "sink:\n"
                                "  base: NodeTemplate\n"
                                "  operators: [sink_op]\n"
                                "echo_op:\n"
                                "  base: OperatorTemplate\n"
                                "  equations:\n"
                                "    - \"a = 2*b_in\"\n"
                                "    - \"u' = a - u\"\n"
                                "  variables:\n"
                                "    u: output(0.5)\n"
                                "    a: variable(0.0)\n"
                                "    b_in: input(0.0)\n"
                                "echo:\n"
                                "  base: NodeTemplate\n"
                                "  operators: [echo_op]\n";

/* The folder holding t.yaml (TEMPLATES), made once. */
static const char *template_dir(void)
{
    static char *dir;
    if (!dir) {
        dir = tu_tmpdir();
        char path[4200];
        snprintf(path, sizeof path, "%s/t.yaml", dir);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(TEMPLATES, f);
        fclose(f);
    }
    return dir;
}

/* Deterministic numbers in (-0.5, 0.5) * scale + offset. */
static void fill(double *x, long count, double scale, double offset, uint64_t seed)
{
    for (long i = 0; i < count; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = ((double)(seed >> 11) / 9007199254740992.0 - 0.5) * scale + offset;
    }
}

/* COO entries (target, source, weight) of an n_tgt x n_src matrix with about `density` of them set. */
static double *coo(long n_tgt, long n_src, double density, double scale, uint64_t seed, long *nnz)
{
    double *e = malloc(sizeof(double) * 3 * (size_t)(n_tgt * n_src) + 1), u;
    long q = 0;
    for (long i = 0; i < n_tgt; i++)
        for (long j = 0; j < n_src; j++) {
            fill(&u, 1, 1.0, 0.5, seed++ * 7919 + 1);
            if (u < density) {
                e[3 * q] = (double)i, e[3 * q + 1] = (double)j;
                fill(&e[3 * q + 2], 1, scale, 0, seed * 31 + 7);
                q++;
            }
        }
    *nnz = q;
    return e;
}

/* A spiking population of template tpl (operator op) with input I_ext. */
static void spiking_pop(rectic_netspec *ns, const char *name, const char *tpl, const char *op, long n, double threshold,
                        double reset)
{
    ck_assert_int_eq(rectic_netspec_population(ns, name, tpl, op, n), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(ns, name, "I_ext"), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, name, "spike", "v", threshold, reset), RECTIC_OK);
}

/* A dense projection of random weights. */
static void dense(rectic_netspec *ns, const char *src, const char *tgt, long n_tgt, long n_src, double scale,
                  uint64_t seed, double delay)
{
    double *w = malloc(sizeof(double) * (size_t)(n_tgt * n_src));
    fill(w, n_tgt * n_src, scale, 0, seed);
    ck_assert_msg(rectic_netspec_dense(ns, src, tgt, w, n_tgt, n_src, delay) == RECTIC_OK, "%s",
                  rectic_netspec_errmsg(ns));
    free(w);
}

/* A sparse projection of random weights. */
static void sparse(rectic_netspec *ns, const char *src, const char *tgt, long n_tgt, long n_src, double density,
                   double scale, uint64_t seed, double delay)
{
    long nnz;
    double *e = coo(n_tgt, n_src, density, scale, seed, &nnz);
    ck_assert_msg(rectic_netspec_coo(ns, src, tgt, e, nnz, delay) == RECTIC_OK, "%s", rectic_netspec_errmsg(ns));
    free(e);
}

/* ---------------------------------------------------------------- the networks */

/* Two populations: A (QIF, 5 units, driven) and B (LIF, 4 units); A/s -> B/s_in dense with a delay of 2
   steps and scalar 0.7 without, B/s -> A/s_in scalar -0.3 with a delay of 3 steps. */
static rectic_netspec *two_pops(void)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    spiking_pop(ns, "A", QIF, "qif_op", 5, 100, -100);
    ck_assert_int_eq(rectic_netspec_population(ns, "B", LIF, "lif_op", 4), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "B", "spike", "v", 1.0, 0.0), RECTIC_OK);
    double eta_b = 3.0;
    ck_assert_int_eq(rectic_netspec_set(ns, "B/eta", &eta_b, 1), RECTIC_OK);
    dense(ns, "A/s", "B/s_in", 4, 5, 6.0, 7, 0.0025);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "A/s", "B/s_in", 0.7, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "B/s", "A/s_in", -0.3, 0.003), RECTIC_OK);
    return ns;
}

/* Three populations, every strategy under `auto`: E (QIF with adaptation, 40 units), I (LIF, 12), R (tanh
   rate units, 30, an algebraic source r).  E -> E sparse (5 %), E -> I dense (40 sources), I -> E inline
   (12 sources) delayed 2 steps, R/r -> E scalar, E -> R scalar delayed 1 step, R -> R dense delayed 4. */
static rectic_netspec *three_pops(void)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    spiking_pop(ns, "E", SFA, "qif_sfa_op", 40, 100, -100);
    double eta[40];
    fill(eta, 40, 6, 2, 11);
    ck_assert_int_eq(rectic_netspec_set(ns, "E/eta", eta, 40), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "I", LIF, "lif_op", 12), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "I", "spike", "v", 1.0, 0.0), RECTIC_OK);
    double eta_i = 2.5;
    ck_assert_int_eq(rectic_netspec_set(ns, "I/eta", &eta_i, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "R", TANH, "li_op", 30), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_input(ns, "R", "I_ext"), RECTIC_OK);
    sparse(ns, "E/s", "E/s_in", 40, 40, 0.05, 20.0, 3, 0);
    dense(ns, "E/s", "I/s_in", 12, 40, 2.0, 4, 0);
    dense(ns, "I/s", "E/s_in", 40, 12, -3.0, 5, 0.002);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "R/tanh_op/r", "E/s_in", 0.05, 0), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "E/s", "R/r_in", 0.5, 0.001), RECTIC_OK);
    dense(ns, "R/r", "R/r_in", 30, 30, 0.4, 6, 0.004);
    return ns;
}

/* Echo units fed from each other without delay through their algebraic variables (a cycle: refused) or,
   with `sink`, a sink fed by an echo's a, which reads the sink's state. */
static rectic_netspec *echo_net(int sink)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_template_path(ns, template_dir()), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "X", "t.echo", NULL, 6), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "Y", sink ? "t.sink" : "t.echo", NULL, 5), RECTIC_OK);
    double u0[6] = {0.1, -0.2, 0.3, 0.4, -0.5, 0.6};
    ck_assert_int_eq(rectic_netspec_set(ns, "X/u", u0, 6), RECTIC_OK);
    if (sink) {
        dense(ns, "X/a", "Y/a_in", 5, 6, 1.0, 8, 0);
        ck_assert_int_eq(rectic_netspec_scalar(ns, "Y/x", "X/b_in", 0.25, 0), RECTIC_OK);
    } else {
        dense(ns, "X/a", "Y/b_in", 5, 6, 1.0, 8, 0);
        dense(ns, "Y/a", "X/b_in", 6, 5, 1.0, 9, 0);
    }
    return ns;
}

/* Rate units fed from each other without delay (r = tanh(v) of each before the projections, v' after:
   passes split in two), and an Izhikevich population with mean-field reductions of n units. */
static rectic_netspec *rate_and_reductions(long n)
{
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "P", TANH, "li_op", 7), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_population(ns, "Q", TANH, "li_op", 9), RECTIC_OK);
    spiking_pop(ns, "K", IKU, NULL, n, 40, -60);
    double v0[7] = {0.5, -1, 2, 0.1, -0.3, 1.5, -2};
    ck_assert_int_eq(rectic_netspec_set(ns, "P/v", v0, 7), RECTIC_OK);
    dense(ns, "P/r", "Q/r_in", 9, 7, 1.0, 12, 0);
    dense(ns, "Q/r", "P/r_in", 7, 9, 1.0, 13, 0);
    double *vk = malloc(sizeof(double) * (size_t)n), eta = 300;
    fill(vk, n, 40, -60, 14);
    ck_assert_int_eq(rectic_netspec_set(ns, "K/v", vk, n), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_set(ns, "K/eta", &eta, 1), RECTIC_OK);
    free(vk);
    sparse(ns, "K/s", "K/s_in", n, n, 8.0 / (double)n, 2.0, 15, 0);
    ck_assert_int_eq(rectic_netspec_scalar(ns, "K/s", "P/r_in", 0.01, 0.002), RECTIC_OK);
    return ns;
}

/* ---------------------------------------------------------------- running */

/* A run of a network on one backend: the options, what is recorded, the inputs. */
typedef struct run_opts {
    int dtype, coupling;
    long steps, sample_every, cutoff;
    int mean;
    const char *const *records;   /* "KEY=PATH", NULL-terminated */
    const char *const *inputs;    /* populations given a driven input, NULL-terminated (or NULL) */
} run_opts;

/* Builds ns on a backend (the mock driver for NVRTC); fails the test with the library's message. */
static rectic_net *build(const rectic_netspec *ns, int backend, const run_opts *ro)
{
    if (backend == RECTIC_BACKEND_NVRTC)
        use_mock();
    else
        rct_cuda_api_override(NULL);
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = DT;
    o.backend = backend;
    o.dtype = ro->dtype;
    o.coupling = ro->coupling;
    rectic_net *net = NULL;
    int rc = rectic_net_new_network(&net, ns, &o);
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
    return net;
}

/* The driven inputs of the runs (the networks borrow them): freed when the test's process ends. */
static double *inputs_made[64];
static int n_inputs_made;

/* The driven input of a population of n units for `steps` steps. */
static const double *drive(long steps, long n, uint64_t seed)
{
    double *in = malloc(sizeof(double) * (size_t)(steps * n));
    fill(in, steps * n, 40.0, 120.0, seed);
    ck_assert_int_lt(n_inputs_made, 64);
    inputs_made[n_inputs_made++] = in;
    return in;
}

/* Frees the inputs made (their networks are freed). */
static void free_inputs(void)
{
    while (n_inputs_made > 0)
        free(inputs_made[--n_inputs_made]);
}

/* Sets up the recordings and inputs of ro and runs; returns the status. */
static int run(rectic_net *net, const run_opts *ro)
{
    for (int k = 0; ro->records[k]; k++) {
        char key[64];
        const char *eq = strchr(ro->records[k], '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - ro->records[k]), ro->records[k]);
        ck_assert_msg(rectic_net_record_as(net, eq + 1, key) == RECTIC_OK, "%s", rectic_errmsg(net));
    }
    for (int p = 0; ro->inputs && ro->inputs[p]; p++) {
        int i = 0;
        while (strcmp(rectic_net_population(net, i), ro->inputs[p]))
            i++;
        long n = rectic_net_population_size(net, i);
        ck_assert_int_eq(rectic_net_input(net, ro->inputs[p], drive(ro->steps, n, 100 + (uint64_t)p), ro->steps, n),
                         RECTIC_OK);
    }
    if (ro->sample_every > 1 || ro->cutoff > 0)
        ck_assert_int_eq(rectic_net_sampling(net, ro->sample_every > 1 ? ro->sample_every : 1,
                                             ro->mean ? RECTIC_SAMPLE_MEAN : RECTIC_SAMPLE_PICK, ro->cutoff), RECTIC_OK);
    return rectic_net_run(net, ro->steps, NULL, 0);
}

/* Asserts that the two networks' last runs recorded the same (bit for bit when atol and rtol are 0, +0 and
   -0 apart) and the same spikes in every population. */
static void same_runs(rectic_net *gpu, rectic_net *cpu, const run_opts *ro, double atol, double rtol)
{
    char msg[1024];
    for (int k = 0; ro->records[k]; k++) {
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(strchr(ro->records[k], '=') - ro->records[k]), ro->records[k]);
        long ra, ca, rb, cb;
        const double *da, *db;
        ck_assert_msg(rectic_net_recording(gpu, key, &ra, &ca, &da) == RECTIC_OK, "%s", rectic_errmsg(gpu));
        ck_assert_msg(rectic_net_recording(cpu, key, &rb, &cb, &db) == RECTIC_OK, "%s", rectic_errmsg(cpu));
        ck_assert_int_eq(ra, rb);
        ck_assert_int_eq(ca, cb);
        ck_assert_msg(rc_close(key, da, db, ra, ca, 0, atol, rtol, msg, sizeof msg) == 0, "%s", msg);
        for (long i = 0; atol == 0 && rtol == 0 && i < ra * ca; i++)
            ck_assert_msg(memcmp(&da[i], &db[i], sizeof(double)) == 0, "%s: value %ld: %g and %g", key, i, da[i], db[i]);
    }
    for (int p = 0; p < rectic_net_n_populations(cpu); p++) {
        long na, nb;
        const long *pa, *pb;
        const char *name = rectic_net_population(cpu, p);
        if (rectic_net_population_spikes(cpu, name, &nb, &pb) != RECTIC_OK)
            continue; /* not spiking */
        ck_assert_int_eq(rectic_net_population_spikes(gpu, name, &na, &pa), RECTIC_OK);
        ck_assert_msg(rc_same_spikes(pa, na, pb, nb, msg, sizeof msg) == 0, "population %s: %s", name, msg);
    }
    ck_assert_int_eq(rectic_net_steps_done(gpu), rectic_net_steps_done(cpu));
}

/* Runs ns on the CPU (TinyCC) and through the mock driver and compares; returns how many spikes the CPU's
   populations made (so that a test can ask for a network that is not silent). */
static long both(const rectic_netspec *ns, const run_opts *ro, double atol, double rtol)
{
    rectic_net *cpu = build(ns, RECTIC_BACKEND_TCC, ro);
    ck_assert_msg(run(cpu, ro) == RECTIC_OK, "%s", rectic_errmsg(cpu));
    rectic_net *gpu = build(ns, RECTIC_BACKEND_NVRTC, ro);
    ck_assert_msg(run(gpu, ro) == RECTIC_OK, "%s", rectic_errmsg(gpu));
    ck_assert_str_eq(rectic_net_backend(gpu), "nvrtc");
    ck_assert_int_gt(mock.launches, 0);
    same_runs(gpu, cpu, ro, atol, rtol);
    long spikes = 0;
    for (int p = 0; p < rectic_net_n_populations(cpu); p++) {
        long c;
        const long *pairs;
        if (rectic_net_population_spikes(cpu, rectic_net_population(cpu, p), &c, &pairs) == RECTIC_OK)
            spikes += c;
    }
    rectic_net_free(cpu);
    rectic_net_free(gpu);
    free_inputs();
    return spikes;
}

/* ---------------------------------------------------------------- 1. NVRTC */

/* The CUDA source of ns (built through the mock driver, which keeps the source as it is). */
static char *cuda_source(const rectic_netspec *ns, int dtype, int coupling)
{
    run_opts ro = {.dtype = dtype, .coupling = coupling};
    rectic_net *net = build(ns, RECTIC_BACKEND_NVRTC, &ro);
    char *src = strdup(rectic_net_source(net));
    rectic_net_free(net);
    return src;
}

/* Networks of two and three populations, every strategy, delays, reductions, split passes, a coupling
   recorded at the end of the step; float64 and float32: NVRTC compiles every kernel, nothing fused. */
START_TEST(test_network_kernels_compile_with_nvrtc)
{
    if (!ct_have_nvrtc(__func__))
        return;
    rectic_netspec *nets[] = {two_pops(), three_pops(), echo_net(1), rate_and_reductions(1500)};
    const char *names[] = {"two populations", "three populations", "echo and sink", "rates and reductions"};
    const int couplings[] = {RECTIC_COUPLING_AUTO, RECTIC_COUPLING_DENSE, RECTIC_COUPLING_INLINE,
                             RECTIC_COUPLING_SPARSE, RECTIC_COUPLING_EVENT};
    int kernels = 0;
    for (size_t k = 0; k < sizeof nets / sizeof nets[0]; k++)
        for (int dtype = 0; dtype < 2; dtype++)
            for (int c = 0; c < 5; c++) {
                if (c > 0 && k != 1)
                    continue; /* every strategy forced: the three populations */
                char *src = cuda_source(nets[k], dtype, couplings[c]);
                char what[200];
                snprintf(what, sizeof what, "%s, %s, coupling %d", names[k], dtype ? "float32" : "float64", couplings[c]);
                kernels += ct_compile_ptx(src, what);
                free(src);
            }
    fprintf(stderr, "  %d network kernels compiled\n", kernels);
    for (size_t k = 0; k < sizeof nets / sizeof nets[0]; k++)
        rectic_netspec_free(nets[k]);
}
END_TEST

/* The source names every launch of a step in order, and the strategies of the projections. */
START_TEST(test_network_source_lists_the_launches_of_a_step)
{
    rectic_netspec *ns = three_pops();
    char *src = cuda_source(ns, RECTIC_FLOAT64, RECTIC_COUPLING_AUTO);
    /* the state sources' rings first; R/r (computed by R_update) feeds E after it, and R's own ring */
    const char *in_order[] = {"proj_2_store", "proj_4_store", "proj_0 ", "proj_1_part", "proj_2 ", "proj_4_sum",
                              "proj_5 ", "I_update", "R_update", "proj_5_store", "proj_3_sum", "proj_3 ", "E_update",
                              NULL};
    const char *at = strstr(src, "One forward-Euler step launches");
    ck_assert_ptr_nonnull(at);
    for (int k = 0; in_order[k]; k++) {
        const char *next = strstr(at, in_order[k]);
        ck_assert_msg(next != NULL, "%s not listed in order", in_order[k]);
        at = next;
    }
    const char *kernels[] = {"RCT_KERNEL proj_0(const rectic_dproj *c, long k)",      /* sparse rows */
                             "RCT_KERNEL proj_1_part(const rectic_dproj *c, long k)", /* dense: lanes */
                             "RCT_KERNEL proj_2(const rectic_dproj *c, long k)",      /* inline: rows */
                             "RCT_KERNEL proj_3_sum(const rectic_dproj *c, long k, long P, long dst)",
                             "RCT_KERNEL proj_3_sum_next(const rectic_dproj *c, long count, long P, long src, long dst)",
                             "RCT_KERNEL proj_5_store(const rectic_dproj *c, long k)",
                             "RCT_KERNEL E_update(const rectic_dctx *c, long k)", NULL};
    for (int k = 0; kernels[k]; k++)
        ck_assert_msg(strstr(src, kernels[k]) != NULL, "%s", kernels[k]);
    ck_assert_ptr_nonnull(strstr(src, "c->ring + ((c->step0 + k + 1) % 3)*c->n_src; /* I/lif_op/s of step n - 2"));
    /* either source from a network on either backend */
    run_opts ro = {.dtype = RECTIC_FLOAT64};
    rectic_net *cpu = build(ns, RECTIC_BACKEND_TCC, &ro), *gpu = build(ns, RECTIC_BACKEND_NVRTC, &ro);
    char *cu = NULL, *c = NULL;
    ck_assert_int_eq(rectic_net_emit(cpu, RECTIC_BACKEND_NVRTC, &cu), RECTIC_OK);
    ck_assert_int_eq(rectic_net_emit(gpu, RECTIC_BACKEND_TCC, &c), RECTIC_OK);
    ck_assert_str_eq(cu, src);
    ck_assert_str_eq(c, rectic_net_source(cpu));
    free(cu);
    free(c);
    rectic_net_free(cpu);
    rectic_net_free(gpu);
    free(src);
    rectic_netspec_free(ns);
}
END_TEST

/* ---------------------------------------------------------------- 2. the device code on the CPU */

/* Two populations, dense (inline), scalar and delayed projections, float64 and float32: bit for bit. */
START_TEST(test_two_populations_bit_identical_to_c_kernel)
{
    rectic_netspec *ns = two_pops();
    const char *recs[] = {"As=A/s", "Av=A/v", "Bs=B/s", "Bv=B/v", "Bin=B/s_in", "Ain=A/s_in", "AI=A/I_ext", NULL};
    const char *inputs[] = {"A", NULL};
    for (int dtype = 0; dtype < 2; dtype++) {
        run_opts ro = {.dtype = dtype, .steps = 400, .records = recs, .inputs = inputs};
        ck_assert_int_gt(both(ns, &ro, 0, 0), 5);
    }
    rectic_netspec_free(ns);
}
END_TEST

/* Three populations with sparse, inline and scalar projections only (what the C kernel sums in loops),
   delays, an algebraic source: bit for bit; with the strategies `auto` picks (dense ones through BLAS on
   the CPU, lanes on the GPU), within rounding. */
START_TEST(test_three_populations_every_strategy)
{
    rectic_netspec *ns = three_pops();
    const char *recs[] = {"Ev=E/v", "Ex=E/x", "Es=E/s_in", "Is=I/s", "Iin=I/s_in", "Rr=R/r", "Rin=R/r_in", NULL};
    const char *inputs[] = {"E", "R", NULL};
    const int modes[] = {RECTIC_COUPLING_SPARSE, RECTIC_COUPLING_INLINE};
    for (int m = 0; m < 2; m++)
        for (int dtype = 0; dtype < 2; dtype++) {
            run_opts ro = {.dtype = dtype, .coupling = modes[m], .steps = 600, .records = recs, .inputs = inputs};
            ck_assert_int_gt(both(ns, &ro, 0, 0), 20);
        }
    run_opts ro = {.dtype = RECTIC_FLOAT64, .steps = 150, .records = recs, .inputs = inputs};
    both(ns, &ro, 1e-9, 1e-9);
    rectic_netspec_free(ns);
}
END_TEST

/* Sparse projections a warp per target row (RECTIC_CUDA_CSR=warp): the C kernel's bits; by a lane tree
   (tree): within rounding; float64 and float32. */
START_TEST(test_sparse_projections_a_warp_per_row)
{
    rectic_netspec *ns = three_pops();
    const char *recs[] = {"Ev=E/v", "Es=E/s_in", "Iin=I/s_in", "Rin=R/r_in", NULL};
    const char *inputs[] = {"E", "R", NULL};
    for (int dtype = 0; dtype < 2; dtype++) {
        run_opts ro = {.dtype = dtype, .coupling = RECTIC_COUPLING_SPARSE, .steps = 600, .records = recs,
                       .inputs = inputs};
        setenv("RECTIC_CUDA_CSR", "warp", 1);
        ck_assert_int_gt(both(ns, &ro, 0, 0), 20);
        setenv("RECTIC_CUDA_CSR", "tree", 1);
        ro.steps = 150;
        both(ns, &ro, dtype ? 1e-5 : 1e-9, dtype ? 1e-5 : 1e-9);
        unsetenv("RECTIC_CUDA_CSR");
    }
    rectic_netspec_free(ns);
}
END_TEST

/* Event-driven projections (E -> E and E -> I; the delayed ones fall back to sparse weights): the GPU sums
   W @ s anew from sparse rows each step, the C kernel's sparse projections bit for bit; the C kernel's
   event-driven ones (W @ s kept up to date from the spikes) within rounding. */
START_TEST(test_event_driven_projections_as_sparse_rows)
{
    rectic_netspec *ns = three_pops();
    const char *recs[] = {"Ev=E/v", "Es=E/s_in", "Iin=I/s_in", "Rin=R/r_in", NULL};
    const char *inputs[] = {"E", "R", NULL};
    run_opts ev = {.coupling = RECTIC_COUPLING_EVENT, .steps = 500, .records = recs, .inputs = inputs},
             sp = {.coupling = RECTIC_COUPLING_SPARSE, .steps = 500, .records = recs, .inputs = inputs};
    rectic_net *gpu = build(ns, RECTIC_BACKEND_NVRTC, &ev);
    ck_assert_str_eq(rectic_net_projection_coupling(gpu, 0), "event");
    ck_assert_str_eq(rectic_net_projection_coupling(gpu, 2), "sparse"); /* delayed */
    ck_assert_msg(run(gpu, &ev) == RECTIC_OK, "%s", rectic_errmsg(gpu));
    rectic_net *cpu[2] = {build(ns, RECTIC_BACKEND_TCC, &sp), build(ns, RECTIC_BACKEND_TCC, &ev)};
    for (int b = 0; b < 2; b++)
        ck_assert_msg(run(cpu[b], &ev) == RECTIC_OK, "%s", rectic_errmsg(cpu[b]));
    same_runs(gpu, cpu[0], &ev, 0, 0);
    same_runs(gpu, cpu[1], &ev, 1e-9, 1e-9);
    rectic_net_free(gpu);
    rectic_net_free(cpu[0]);
    rectic_net_free(cpu[1]);
    free_inputs();
    rectic_netspec_free(ns);
}
END_TEST

/* Passes split in two (rates feeding each other without delay), reductions in neuron order (60 units):
   bit for bit; above RCT_CUDA_RED_SERIAL units the device's reductions are trees: within rounding. */
START_TEST(test_split_passes_and_reductions)
{
    const char *recs[] = {"Pv=P/v", "Qr=Q/r", "Pin=P/r_in", "Kv=K/v", "Ku=K/u", NULL};
    rectic_netspec *ns = rate_and_reductions(60);
    for (int dtype = 0; dtype < 2; dtype++) {
        run_opts ro = {.dtype = dtype, .steps = 300, .records = recs};
        both(ns, &ro, 0, 0);
    }
    rectic_netspec_free(ns);
    ns = rate_and_reductions(1500);
    run_opts ro = {.dtype = RECTIC_FLOAT64, .steps = 40, .records = recs};
    both(ns, &ro, 1e-9, 1e-9);
    rectic_netspec_free(ns);
}
END_TEST

/* An algebraic source that reads a projection (sampled means of it): bit for bit; a cycle of algebraic
   sources is refused as on the CPU. */
START_TEST(test_algebraic_sources_and_cycles)
{
    rectic_netspec *ns = echo_net(1);
    const char *recs[] = {"out=X/a", "Xu=X/u", "Ya=Y/a_in", "Yx=Y/x", "Xb=X/b_in", NULL};
    for (int mean = 0; mean < 2; mean++) {
        run_opts ro = {.steps = 200, .records = recs, .sample_every = mean ? 3 : 1, .mean = mean};
        both(ns, &ro, 0, 0);
    }
    rectic_netspec_free(ns);
    ns = echo_net(0);
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = DT;
    rectic_net *nets[2] = {NULL, NULL};
    for (int b = 0; b < 2; b++) {
        o.backend = b ? RECTIC_BACKEND_NVRTC : RECTIC_BACKEND_TCC;
        if (b)
            use_mock();
        ck_assert_int_eq(rectic_net_new_network(&nets[b], ns, &o), RECTIC_ETEMPLATE);
    }
    ck_assert_str_eq(rectic_errmsg(nets[1]), rectic_errmsg(nets[0]));
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(nets[1]), "algebraic cycle between populations"));
    rectic_net_free(nets[0]);
    rectic_net_free(nets[1]);
    rectic_netspec_free(ns);
}
END_TEST

/* Runs that span several chunks (tiny ones, with and without CUDA graphs), sampled means with a cutoff,
   a second run continuing the state, a parameter made per unit (a new kernel): bit for bit. */
START_TEST(test_chunks_graphs_sampling_and_a_second_run)
{
    rectic_netspec *ns = two_pops();
    const char *recs[] = {"out=A/v", "Bs=B/s", "Bin=B/s_in", NULL};
    const char *inputs[] = {"A", NULL};
    for (int graphs = 1; graphs >= 0; graphs--) {
        run_opts ro = {.steps = 3 * 4096 + 77, .records = recs, .inputs = inputs, .sample_every = 5, .mean = 1,
                       .cutoff = 30};
        rectic_net *cpu = build(ns, RECTIC_BACKEND_TCC, &ro);
        ck_assert_msg(run(cpu, &ro) == RECTIC_OK, "%s", rectic_errmsg(cpu));
        rectic_net *gpu = build(ns, RECTIC_BACKEND_NVRTC, &ro);
        mock.fail_capture = !graphs;
        if (!graphs)
            setenv("RECTIC_CUDA_CHUNK_BYTES", "1000", 1); /* a few rows a chunk */
        ck_assert_msg(run(gpu, &ro) == RECTIC_OK, "%s", rectic_errmsg(gpu));
        unsetenv("RECTIC_CUDA_CHUNK_BYTES");
        same_runs(gpu, cpu, &ro, 0, 0);
        ck_assert(graphs ? mock.graph_launches == 3 : mock.graph_launches == 0);
        /* per-unit eta of A (a new kernel), a second run from where the first ended */
        double eta[5] = {1, 2, 3, 4, 5};
        rectic_net *both_nets[2] = {cpu, gpu};
        for (int b = 0; b < 2; b++) {
            ck_assert_int_eq(rectic_net_set(both_nets[b], "A/eta", eta, 5), RECTIC_OK);
            ck_assert_int_eq(rectic_net_sampling(both_nets[b], 1, RECTIC_SAMPLE_PICK, 0), RECTIC_OK);
            ck_assert_msg(rectic_net_run(both_nets[b], 500, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(both_nets[b]));
        }
        ck_assert_int_eq(rectic_net_compilations(gpu), 2);
        run_opts second = {.steps = 500, .records = recs};
        same_runs(gpu, cpu, &second, 0, 0);
        double va[5], vb[5];
        long ca, cb;
        ck_assert_int_eq(rectic_net_get(cpu, "A/v", va, 5, &ca), RECTIC_OK);
        ck_assert_int_eq(rectic_net_get(gpu, "A/v", vb, 5, &cb), RECTIC_OK);
        ck_assert(ca == 5 && cb == 5 && memcmp(va, vb, sizeof va) == 0);
        rectic_net_free(cpu);
        rectic_net_free(gpu);
        free_inputs();
    }
    rectic_netspec_free(ns);
}
END_TEST

/* A state saved on the CPU continues on the device (and one saved on the device on the CPU): split at a step
   that is not a multiple of the sampling steps, with the output's mean being summed, the two parts equal
   the CPU's whole run bit for bit (records, spikes, the delay rings and the step counter carried). */
START_TEST(test_a_saved_state_continues_on_the_other_backend)
{
    rectic_netspec *ns = two_pops();
    const char *recs[] = {"out=A/v", "Bs=B/s", NULL};
    const long t1 = 2003, t2 = 1500;
    double *in = malloc(sizeof(double) * (size_t)((t1 + t2) * 5));
    fill(in, (t1 + t2) * 5, 40.0, 120.0, 77);
    char *dir = tu_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/state.npz", dir);
    run_opts ro = {.records = recs, .sample_every = 4, .mean = 1};
    for (int first = 0; first < 2; first++) { /* first: the backend of the first part (0 the CPU, 1 the device) */
        rectic_net *nets[3];
        const long from[3] = {0, 0, t1}, len[3] = {t1 + t2, t1, t2};
        const int backend[3] = {RECTIC_BACKEND_TCC, first ? RECTIC_BACKEND_NVRTC : RECTIC_BACKEND_TCC,
                                first ? RECTIC_BACKEND_TCC : RECTIC_BACKEND_NVRTC};
        for (int k = 0; k < 3; k++) {
            nets[k] = build(ns, backend[k], &ro);
            for (int q = 0; recs[q]; q++) {
                char key[64];
                snprintf(key, sizeof key, "%.*s", (int)(strchr(recs[q], '=') - recs[q]), recs[q]);
                ck_assert_int_eq(rectic_net_record_as(nets[k], strchr(recs[q], '=') + 1, key), RECTIC_OK);
            }
            ck_assert_int_eq(rectic_net_sampling(nets[k], 4, RECTIC_SAMPLE_MEAN, 0), RECTIC_OK);
            if (k == 2)
                ck_assert_msg(rectic_net_load_state(nets[k], path) == RECTIC_OK, "%s", rectic_errmsg(nets[k]));
            ck_assert_int_eq(rectic_net_input(nets[k], "A", in + from[k] * 5, len[k], 5), RECTIC_OK);
            ck_assert_msg(rectic_net_run(nets[k], len[k], NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(nets[k]));
            if (k == 1)
                ck_assert_msg(rectic_net_save_state(nets[k], path) == RECTIC_OK, "%s", rectic_errmsg(nets[k]));
        }
        ck_assert_int_eq(rectic_net_step(nets[2]), t1 + t2);
        for (int q = 0; recs[q]; q++) {
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(strchr(recs[q], '=') - recs[q]), recs[q]);
            long r[3], c[3];
            const double *d[3];
            for (int k = 0; k < 3; k++)
                ck_assert_int_eq(rectic_net_recording(nets[k], key, &r[k], &c[k], &d[k]), RECTIC_OK);
            ck_assert_int_eq(r[1] + r[2], r[0]);
            ck_assert_msg(memcmp(d[1], d[0], sizeof(double) * (size_t)(r[1] * c[1])) == 0, "%s: first part", key);
            ck_assert_msg(memcmp(d[2], d[0] + r[1] * c[0], sizeof(double) * (size_t)(r[2] * c[2])) == 0,
                          "%s: second part (first on %s)", key, first ? "the device" : "the CPU");
        }
        long n0, n1, n2;
        const long *p0, *p1, *p2;
        ck_assert_int_eq(rectic_net_population_spikes(nets[0], "B", &n0, &p0), RECTIC_OK);
        ck_assert_int_eq(rectic_net_population_spikes(nets[1], "B", &n1, &p1), RECTIC_OK);
        ck_assert_int_eq(rectic_net_population_spikes(nets[2], "B", &n2, &p2), RECTIC_OK);
        ck_assert_int_gt(n0, 5);
        ck_assert_int_eq(n1 + n2, n0);
        ck_assert_int_eq(memcmp(p2, p0 + 2 * n1, sizeof(long) * (size_t)(2 * n2)), 0);
        for (int k = 0; k < 3; k++)
            rectic_net_free(nets[k]);
    }
    free(in);
    tu_rmtree(dir);
    free(dir);
    rectic_netspec_free(ns);
}
END_TEST

/* The reference cases of networks of populations (../shared/cases, "kind": "multipop") through the mock
   driver: the C kernel's numbers bit for bit, and the reference's within its tolerances. */
START_TEST(test_network_cases_match_c_kernel_and_reference)
{
    const char *shared = tu_shared_dir();
    if (!shared)
        TU_SKIP("no ../shared (RECTIC_SHARED): no reference cases");
    char cmd[4200], name[512];
    snprintf(cmd, sizeof cmd, "ls '%s/cases' 2>/dev/null", shared);
    FILE *ls = popen(cmd, "r");
    int count = 0;
    while (ls && fgets(name, sizeof name, ls)) {
        char dir[4700], msg[4096];
        name[strcspn(name, "\n")] = '\0';
        snprintf(dir, sizeof dir, "%s/cases/%s", shared, name);
        if (!rnet_is_case(dir))
            continue;
        rnresult cpu, dev;
        rct_cuda_api_override(NULL);
        ck_assert_msg(rnet_run(dir, RECTIC_BACKEND_TCC, 0, -1, &cpu, msg, sizeof msg) == 0, "%s", msg);
        use_mock();
        ck_assert_msg(rnet_run(dir, RECTIC_BACKEND_NVRTC, 0, -1, &dev, msg, sizeof msg) == 0, "%s", msg);
        int exact = !strstr(cpu.coupling, "dense");
        ck_assert_msg(rnet_compare(&dev, &cpu, exact ? 0 : 1e-12, exact ? 0 : 1e-10, msg, sizeof msg) == 0,
                      "%s (projections %s): %s", dir, cpu.coupling, msg);
        ck_assert_msg(rnet_check_expected(dir, &dev, dev.f32 ? 1e-3 : 1e-10, dev.f32 ? 1e-5 : 1e-8, msg, sizeof msg) == 0,
                      "%s: %s", dir, msg);
        fprintf(stderr, "  %s: %s the C kernel (projections %s), matches the reference\n", name,
                exact ? "identical to" : "within rounding of", cpu.coupling);
        rnresult_free(&cpu);
        rnresult_free(&dev);
        count++;
    }
    if (ls)
        pclose(ls);
    if (!count)
        TU_SKIP("no case of a network of populations in %s/cases", shared);
}
END_TEST

/* A population whose state overflows stops the run where the CPU's stops, with the same message. */
START_TEST(test_nonfinite_state_stops_like_the_cpu)
{
    rectic_netspec *ns = two_pops();
    double big = 1e150;
    ck_assert_int_eq(rectic_netspec_set(ns, "A/eta", &big, 1), RECTIC_OK);
    ck_assert_int_eq(rectic_netspec_spikes(ns, "A", "spike", "v", 1e300, -100), RECTIC_OK);
    const char *recs[] = {"Av=A/v", "Bv=B/v", NULL};
    run_opts ro = {.steps = 6000, .records = recs};
    rectic_net *cpu = build(ns, RECTIC_BACKEND_TCC, &ro);
    ck_assert_int_eq(run(cpu, &ro), RECTIC_ENUMERIC);
    rectic_net *gpu = build(ns, RECTIC_BACKEND_NVRTC, &ro);
    ck_assert_int_eq(run(gpu, &ro), RECTIC_ENUMERIC);
    ck_assert_str_eq(rectic_errmsg(gpu), rectic_errmsg(cpu));
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(gpu), "population A: "));
    same_runs(gpu, cpu, &ro, 0, 0);
    rectic_net_free(cpu);
    rectic_net_free(gpu);
    rectic_netspec_free(ns);
}
END_TEST

/* Cancels after the first progress report. */
static int stop_at_once(void *user, long done, long total)
{
    (void)total;
    *(long *)user = done;
    return 1;
}

/* Progress is reported after each chunk; cancelling keeps the steps done. */
START_TEST(test_progress_and_cancel_between_chunks)
{
    rectic_netspec *ns = two_pops();
    const char *recs[] = {"Av=A/v", NULL};
    run_opts ro = {.steps = 10000, .records = recs};
    rectic_net *gpu = build(ns, RECTIC_BACKEND_NVRTC, &ro);
    long seen = -1;
    rectic_net_on_progress(gpu, stop_at_once, &seen);
    ck_assert_int_eq(run(gpu, &ro), RECTIC_ECANCEL);
    ck_assert_int_eq(seen, 4096);
    ck_assert_int_eq(rectic_net_steps_done(gpu), 4096);
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(gpu, "Av", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows * 10 + cols, 40965);
    rectic_net_free(gpu);
    rectic_netspec_free(ns);
}
END_TEST

/* ---------------------------------------------------------------- 3. no driver */

/* Without libcuda.so.1 a network on the CUDA backend fails with RECTIC_EDEVICE and says so. */
START_TEST(test_no_driver_is_a_clear_error)
{
    CT_SKIP_WITH_DRIVER();
    rectic_netspec *ns = two_pops();
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = DT;
    o.backend = RECTIC_BACKEND_NVRTC;
    rectic_net *net = NULL;
    int rc = rectic_net_new_network(&net, ns, &o);
    ct_assert_no_device(net, rc, "no CUDA driver (libcuda.so.1): ");
    rectic_net_free(net);
    rectic_netspec_free(ns);
}
END_TEST

/* Runs the suite: NVRTC, the emulation, the missing driver. */
int main(void)
{
    const struct {
        const char *tcase;
        const TTest *test;
    } tests[] = {{"nvrtc", test_network_kernels_compile_with_nvrtc},
                 {"nvrtc", test_network_source_lists_the_launches_of_a_step},
                 {"emulation", test_two_populations_bit_identical_to_c_kernel},
                 {"emulation", test_three_populations_every_strategy},
                 {"emulation", test_sparse_projections_a_warp_per_row},
                 {"emulation", test_event_driven_projections_as_sparse_rows},
                 {"emulation", test_split_passes_and_reductions},
                 {"emulation", test_algebraic_sources_and_cycles},
                 {"emulation", test_chunks_graphs_sampling_and_a_second_run},
                 {"emulation", test_a_saved_state_continues_on_the_other_backend},
                 {"emulation", test_network_cases_match_c_kernel_and_reference},
                 {"emulation", test_nonfinite_state_stops_like_the_cpu},
                 {"emulation", test_progress_and_cancel_between_chunks},
                 {"device", test_no_driver_is_a_clear_error}};
    Suite *s = suite_create("cudanet");
    TCase *tc = NULL;
    for (size_t k = 0; k < sizeof tests / sizeof tests[0]; k++) {
        if (k == 0 || strcmp(tests[k - 1].tcase, tests[k].tcase)) {
            tc = tcase_create(tests[k].tcase);
            tcase_set_timeout(tc, 300);
            suite_add_tcase(s, tc);
        }
        tcase_add_test(tc, tests[k].test);
    }
    return tu_run(s);
}

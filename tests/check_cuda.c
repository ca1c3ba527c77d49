/*
 * check_cuda.c -- the CUDA backend without a GPU: the CUDA emitter, NVRTC and the device runtime.
 *
 *   1. The CUDA source of every shipped template (float64 and float32, coupled, spiking where it can be,
 *      shared and per-neuron parameters, and a template using every function) compiles with NVRTC to PTX
 *      for compute_90 (skipped, with a message, where libnvrtc cannot be loaded).
 *   2. The device code compiled as host C: a mock of the CUDA driver (tests/gpu/mock_cuda.h) compiles the CUDA
 *      source with RECTIC_HOST_EMULATION under TinyCC and runs each kernel once per thread index, so the
 *      whole device path (runtime/cuda_run.c: buffers, chunks, CUDA graphs, recording rings, spike bits,
 *      non-finite replay) runs on the CPU through rectic_net_run.  With the coupling product computed by
 *      the same CBLAS call as the C kernel, every reference case gives the C kernel's numbers bit for bit;
 *      with the generated GEMV kernels, within rounding.
 *   3. Without a driver, asking for the CUDA backend fails with a clear message.
 * The tests that need a GPU are in tests/gpu (make check-gpu).
 */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>

#include "testutil.h"
#include "tu_spec.h"

#include "cudatest.h"

#include "emit_c.h"
#include "emit_cuda.h"
#include "gpu/mock_cuda.h"
#include "gpu/rcase.h"
#include "jit_nvrtc.h"
#include "jit_tcc.h"
#include "network.h"
#include "rectic.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"

/* ---------------------------------------------------------------- helpers */

/* The reference cases: ../shared/cases/<name> for every name there, else tests/data/cases/<name>. */
static int case_dirs(char dirs[][4200], int cap)
{
    int n = 0;
    const char *shared = tu_shared_dir();
    const char *roots[2] = {NULL, "tests/data/cases"};
    char sroot[4200];
    if (shared) {
        snprintf(sroot, sizeof sroot, "%s/cases", shared);
        roots[0] = sroot;
    }
    for (int r = 0; r < 2; r++) {
        if (!roots[r])
            continue;
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null", roots[r]);
        FILE *p = popen(cmd, "r");
        char name[512];
        while (p && fgets(name, sizeof name, p) && n < cap) {
            name[strcspn(name, "\n")] = '\0';
            char path[4200];
            snprintf(path, sizeof path, "%s/%s/case.json", roots[r], name);
            if (access(path, R_OK) != 0)
                continue;
            char dir[4200];
            snprintf(dir, sizeof dir, "%s/%s", roots[r], name);
            const char *why = rcase_unsupported(dir);
            if (why) {
                tu_skip_part(dir, "%s", why);
                continue;
            }
            int dup = 0;
            for (int k = 0; k < n; k++)
                dup |= !strcmp(strrchr(dirs[k], '/') + 1, name);
            if (!dup)
                snprintf(dirs[n++], 4200, "%s/%s", roots[r], name);
        }
        if (p)
            pclose(p);
    }
    return n;
}

/* Spec of a QIF network of n neurons with random weights (seeded), spiking. */
static void qif_spec(rectic_spec *s, long n, double *w, unsigned seed, double scale)
{
    tu_qif_spec(s, n);
    srand(seed);
    for (long i = 0; i < n * n; i++)
        w[i] = scale * (2.0 * rand() / RAND_MAX - 1.0);
    s->weights = w;
}

/* Creates a network, failing the test with the library's message. */
static rectic_net *make(const rectic_spec *s)
{
    rectic_net *net;
    int rc = rectic_net_new(&net, s);
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_errmsg(net));
    return net;
}

/* Asserts the two networks' last runs recorded the same (within atol/rtol; 0, 0: bit for bit). */
static void assert_same_run(rectic_net *a, rectic_net *b, const char *const *names, double atol, double rtol)
{
    for (int k = 0; names[k]; k++) {
        long ra, ca, rb, cb;
        const double *da, *db;
        ck_assert_msg(rectic_net_recording(a, names[k], &ra, &ca, &da) == RECTIC_OK, "%s", rectic_errmsg(a));
        ck_assert_msg(rectic_net_recording(b, names[k], &rb, &cb, &db) == RECTIC_OK, "%s", rectic_errmsg(b));
        ck_assert_int_eq(ra, rb);
        ck_assert_int_eq(ca, cb);
        char msg[512];
        ck_assert_msg(rc_close(names[k], da, db, ra, ca, 0, atol, rtol, msg, sizeof msg) == 0, "%s", msg);
    }
    long na, nb;
    const long *pa, *pb;
    rectic_net_spikes(a, &na, &pa);
    rectic_net_spikes(b, &nb, &pb);
    char msg[512];
    ck_assert_msg(rc_same_spikes(pa, na, pb, nb, msg, sizeof msg) == 0, "%s", msg);
    ck_assert_int_eq(rectic_net_steps_done(a), rectic_net_steps_done(b));
}

/* ---------------------------------------------------------------- 1. NVRTC */

/* Compiles the CUDA source of net with NVRTC for compute_90 and checks the PTX. */
static void compile_cuda(rectic_net *net, const char *what)
{
    char *src = NULL;
    ck_assert_msg(rectic_net_emit(net, RECTIC_BACKEND_NVRTC, &src) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_ge(ct_compile_ptx(src, what), 1);
    ck_assert_ptr_nonnull(strstr(src, "RCT_KERNEL rectic_pass_"));
    free(src);
}

/* Builds a network of template `ref` with roles that fit it: spiking (s -> s_in), rate (r -> r_in), or
   none; NULL when none fits. */
static rectic_net *net_for_template(const char *ref, int dtype, int coupled)
{
    static double w[9] = {0, 1, 0.5, 0.2, 0, 1, 1, 1, 0};
    const char *roles[][7] = {
        {"s", "s_in", "I_ext", "s", "spike", "v", NULL},
        {"r", "li_op/r_in", "li_op/I_ext", "li_op/v", NULL, NULL, NULL},
        {"r", "r_in", "I_ext", "v", NULL, NULL, NULL},
        {NULL, NULL, NULL, "v", NULL, NULL, NULL},
        {NULL, NULL, NULL, "s", NULL, NULL, NULL},
    };
    for (size_t k = 0; k < sizeof roles / sizeof roles[0]; k++) {
        if (coupled && !roles[k][0])
            continue;
        rectic_spec s;
        rectic_spec_init(&s);
        s.template_ref = ref;
        s.n = 3;
        s.weights = coupled ? w : NULL;
        s.source_var = coupled ? roles[k][0] : NULL;
        s.target_var = coupled ? roles[k][1] : NULL;
        s.input_var = roles[k][2];
        s.output_var = roles[k][3];
        s.spike_var = roles[k][4];
        s.spike_def = roles[k][5];
        s.dtype = dtype;
        rectic_net *net;
        if (rectic_net_new(&net, &s) == RECTIC_OK)
            return net;
        rectic_net_free(net);
    }
    return NULL;
}

/* Every shipped template, both precisions, coupled and not, shared and per-neuron parameters: NVRTC compiles it. */
START_TEST(test_every_template_compiles_with_nvrtc)
{
    if (!ct_have_nvrtc(__func__))
        return;
    char *list = NULL;
    ck_assert_int_eq(rectic_list_templates(&list), RECTIC_OK);
    int count = 0;
    for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
        line[strcspn(line, "\t")] = '\0';
        for (int dtype = 0; dtype < 2; dtype++)
            for (int coupled = 1; coupled >= 0; coupled--) {
                rectic_net *net = net_for_template(line, dtype, coupled);
                if (!net) {
                    fprintf(stderr, "note %s: no role set fits %s (coupled %d)\n", __func__, line, coupled);
                    continue;
                }
                char what[600];
                snprintf(what, sizeof what, "%s (%s, %s)", line, dtype ? "float32" : "float64",
                         coupled ? "coupled" : "uncoupled");
                compile_cuda(net, what);
                /* every parameter per neuron: the kernels read arrays instead of scalars */
                for (int p = 0; p < net->model->n_param; p++)
                    net->param_vector[p] = 1;
                compile_cuda(net, what);
                rectic_net_free(net);
                count++;
            }
    }
    free(list);
    ck_assert_int_ge(count, 8 * 2);
}
END_TEST

/* Every function and reduction of the template language, two passes, an algebraic coupling source. */
static const char *fns_yaml =
    "fn_op:\n"
    "  base: OperatorTemplate\n"
    "  equations:\n"
    "    - \"a = sin(v) + cos(v) - tan(v/100) + sinh(v/100) * cosh(v/100) + tanh(v)\"\n"
    "    - \"b = arcsin(0.5) + arccos(0.5) + arctan(v) + exp(-absv(v)) + log(1 + v^2) + sqrt(1 + v*v)\"\n"
    "    - \"c = sign(v) + sigmoid(v) + round(v) + max(v, 0) + min(v, 0) + v^3 + (1+absv(v))^1.5 - -v\"\n"
    "    - \"m = max(v) - min(v) + sum(a) / mean(b)\"\n"
    "    - \"v' = -v/tau + I_ext + k*s_in + 0.001*c + m*1e-6 + spike\"\n"
    "    - \"s' = -s/tau + spike\"\n"
    "  variables:\n"
    "    a: variable(0.0)\n    b: variable(0.0)\n    c: variable(0.0)\n    m: variable(0.0)\n"
    "    v: output(0.0)\n    s: variable(0.0)\n    tau: 10.0\n    k: 1.0\n"
    "    I_ext: input(0.0)\n    s_in: input(0.0)\n    spike: input(0.0)\n"
    "fns:\n  base: NodeTemplate\n  operators:\n    - fn_op\n";

/* A network of the fns template: coupling from s (spiking) or from the algebraic m (rate). */
static rectic_net *fns_net(int dtype, int spiking, long n, double *w, int backend)
{
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = "fns.fns";
    s.template_yaml = fns_yaml;
    s.n = n;
    s.weights = w;
    s.source_var = spiking ? "s" : "m";
    s.target_var = "s_in";
    s.input_var = "I_ext";
    s.output_var = "v";
    s.spike_var = spiking ? "spike" : NULL;
    s.spike_def = spiking ? "v" : NULL;
    s.spike_threshold = 2.0;
    s.spike_reset = -2.0;
    s.dtype = dtype;
    s.backend = backend;
    return make(&s);
}

/* Every function of the template language compiles with NVRTC, in both precisions. */
START_TEST(test_every_function_compiles_with_nvrtc)
{
    if (!ct_have_nvrtc(__func__))
        return;
    double w[9] = {0, 0.1, 0.2, 0.3, 0, 0.1, 0.2, 0.3, 0};
    for (int dtype = 0; dtype < 2; dtype++)
        for (int spiking = 0; spiking < 2; spiking++) {
            rectic_net *net = fns_net(dtype, spiking, 3, w, RECTIC_BACKEND_TCC);
            compile_cuda(net, spiking ? "fns (spiking)" : "fns (algebraic source)");
            rectic_net_free(net);
        }
}
END_TEST

/* The sparse product's kernels (a thread per row, a warp per row in order or by a tree) and event-driven coupling's (clear,
   mark, gather) compile with NVRTC, float64 and float32; a shared parameter in the event decay. */
START_TEST(test_sparse_and_event_kernels_compile_with_nvrtc)
{
    if (!ct_have_nvrtc(__func__))
        return;
    double coo[3 * 6] = {0, 1, 0.5, 1, 2, -0.25, 2, 0, 1, 3, 0, 0.5, 3, 2, 0.75, 1, 3, 2};
    const int modes[2] = {RECTIC_COUPLING_SPARSE, RECTIC_COUPLING_EVENT};
    const char *kernels[2][3] = {{"RCT_KERNEL rectic_csr(", "RCT_KERNEL rectic_csr_warp(", "RCT_KERNEL rectic_csr_tree("},
                                 {"RCT_KERNEL rectic_event_clear(", "RCT_KERNEL rectic_event_mark(",
                                  "RCT_KERNEL rectic_event_gather("}};
    for (int dtype = 0; dtype < 2; dtype++)
        for (int m = 0; m < 2; m++) {
            rectic_spec s;
            tu_qif_spec(&s, 4);
            s.weights_coo = coo;
            s.nnz = 6;
            s.coupling = modes[m];
            s.dtype = dtype;
            rectic_net *net = make(&s);
            char *src = NULL;
            ck_assert_msg(rectic_net_emit(net, RECTIC_BACKEND_NVRTC, &src) == RECTIC_OK, "%s", rectic_errmsg(net));
            for (int k = 0; k < 3; k++)
                ck_assert_msg(strstr(src, kernels[m][k]), "%s missing", kernels[m][k]);
            ck_assert_int_ge(ct_compile_ptx(src, m ? "event" : "sparse"), 4);
            free(src);
            rectic_net_free(net);
        }
}
END_TEST

/* NVRTC also writes a cubin for sm_90 (the fallback for drivers older than the toolkit). */
START_TEST(test_cubin_for_sm_90)
{
    if (!ct_have_nvrtc(__func__))
        return;
    rectic_net *net = net_for_template(QIF, RECTIC_FLOAT64, 1);
    char *src = NULL, *img = NULL;
    size_t size = 0;
    rct_err err = {0, ""};
    ck_assert_int_eq(rectic_net_emit(net, RECTIC_BACKEND_NVRTC, &src), RECTIC_OK);
    ck_assert_msg(rct_nvrtc_compile(src, "k.cu", "sm_90", 1, &img, &size, &err) == 0, "%s", err.msg);
    ck_assert_int_gt(size, 1000);
    ck_assert(memcmp(img, "\177ELF", 4) == 0);
    free(img);
    free(src);
    rectic_net_free(net);
}
END_TEST

/* A compile error comes back as RECTIC_EJIT with NVRTC's log. */
START_TEST(test_nvrtc_reports_compile_errors)
{
    if (!ct_have_nvrtc(__func__))
        return;
    char *img = NULL;
    size_t size = 0;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_nvrtc_compile("extern \"C\" __global__ void k() { undefined_name; }", "bad.cu", "compute_90", 0,
                                       &img, &size, &err), RECTIC_EJIT);
    ck_assert_ptr_nonnull(strstr(err.msg, "undefined_name"));
    ck_assert_ptr_null(img);
}
END_TEST

/* ---------------------------------------------------------------- 2. the device code on the CPU */

/* The CUDA source has the emulation branch, the kernels, and the C kernel's per-neuron lines verbatim. */
START_TEST(test_emitted_source_has_both_platforms)
{
    rectic_net *net = net_for_template(QIF, RECTIC_FLOAT64, 1);
    char *src = NULL;
    ck_assert_int_eq(rectic_net_emit(net, RECTIC_BACKEND_NVRTC, &src), RECTIC_OK);
    ck_assert_ptr_nonnull(strstr(src, "#ifdef RECTIC_HOST_EMULATION"));
    ck_assert_ptr_nonnull(strstr(src, "RCT_KERNEL rectic_gemv_part(const rectic_dctx *c, long k)"));
    ck_assert_ptr_nonnull(strstr(src, "RCT_KERNEL rectic_pass_0(const rectic_dctx *c, long k)"));
    /* the per-neuron update is the C kernel's, character for character */
    char *c_src = NULL;
    ck_assert_int_eq(rectic_net_emit(net, RECTIC_BACKEND_TCC, &c_src), RECTIC_OK);
    ck_assert_str_eq(c_src, rectic_net_source(net));
    const char *lines[] = {"const real v_dot = ", "v_arr[i] = (v_ + dt*v_dot)*(1 - spk) + spk*reset;",
                           "s_arr[i] = s_ + dt*s_dot;", "const real spk = v_ >= threshold ? 1 : 0;"};
    for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
        const char *a = strstr(src, lines[k]), *b = strstr(c_src, lines[k]);
        ck_assert_msg(a && b, "%s", lines[k]);
        ck_assert_int_eq(strcspn(a, "\n"), strcspn(b, "\n"));
        ck_assert(strncmp(a, b, strcspn(a, "\n")) == 0);
    }
    free(src);
    free(c_src);
    rectic_net_free(net);
}
END_TEST

/* Runs every reference case on the CPU and through the mock: bit for bit where the CPU sums the
   coupling in the GPU's order (a loop in column order for small n, or sparse rows), else within rounding. */
START_TEST(test_reference_cases_match_c_kernel)
{
    char dirs[64][4200];
    int n = case_dirs(dirs, 64);
    ck_assert_int_ge(n, 3);
    for (int k = 0; k < n; k++) {
        rresult cpu, dev;
        char msg[4096];
        rct_cuda_api_override(NULL);
        ck_assert_msg(rcase_run(dirs[k], RECTIC_BACKEND_TCC, 0, -1, &cpu, msg, sizeof msg) == 0, "%s", msg);
        use_mock();
        ck_assert_msg(rcase_run(dirs[k], RECTIC_BACKEND_NVRTC, 0, -1, &dev, msg, sizeof msg) == 0, "%s", msg);
        ck_assert_int_gt(mock.launches, 0);
        int exact = (!strcmp(cpu.coupling, "inline") && cpu.n <= RCT_CUDA_LANES) || !strcmp(cpu.coupling, "sparse") ||
                    !strcmp(cpu.coupling, "none");
        double tol_a = exact ? 0 : cpu.f32 ? 1e-5 : 1e-12, tol_r = exact ? 0 : cpu.f32 ? 1e-5 : 1e-10;
        ck_assert_msg(rresult_compare(&dev, &cpu, tol_a, tol_r, msg, sizeof msg) == 0, "%s (CPU coupling %s): %s",
                      dirs[k], cpu.coupling, msg);
        ck_assert_msg(rcase_check_expected(dirs[k], &dev, cpu.f32 ? 1e-3 : 1e-10, cpu.f32 ? 1e-5 : 1e-8, msg,
                                           sizeof msg) == 0, "%s: %s", dirs[k], msg);
        fprintf(stderr, "  %s: %ld rows, %ld spikes, %s the C kernel (coupling %s)\n", dirs[k], dev.rows, dev.n_spikes,
                exact ? "identical to" : "within rounding of", cpu.coupling);
        rresult_free(&cpu);
        rresult_free(&dev);
    }
}
END_TEST

/* A fns network on both backends (n <= 20: the CPU's inline coupling sums in the GPU's order), every
   variable recorded, sampled means. */
static void fns_both(int dtype, int spiking, long n, long steps, int mean)
{
    double *w = malloc((size_t)(n * n) * sizeof *w);
    srand(7);
    for (long i = 0; i < n * n; i++)
        w[i] = 0.3 * (2.0 * rand() / RAND_MAX - 1.0) / sqrt((double)n);
    rectic_net *nets[2];
    for (int b = 0; b < 2; b++) {
        if (b == 1)
            use_mock();
        else
            rct_cuda_api_override(NULL);
        nets[b] = fns_net(dtype, spiking, n, w, b ? RECTIC_BACKEND_NVRTC : RECTIC_BACKEND_TCC);
        double *v0 = malloc((size_t)n * sizeof *v0);
        for (long i = 0; i < n; i++)
            v0[i] = 2.5 * sin((double)i);
        ck_assert_int_eq(rectic_net_set(nets[b], "v", v0, n), RECTIC_OK);
        ck_assert_int_eq(rectic_net_set(nets[b], "tau", (double[]){3.0}, 1), RECTIC_OK);
        free(v0);
        const char *recs[] = {"v", "a", "b", "c", "m", "s", "s_in", "I_ext", "tau"};
        for (size_t k = 0; k < sizeof recs / sizeof recs[0]; k++)
            ck_assert_msg(rectic_net_record(nets[b], recs[k]) == RECTIC_OK, "%s", rectic_errmsg(nets[b]));
        if (mean)
            ck_assert_int_eq(rectic_net_sampling(nets[b], 7, RECTIC_SAMPLE_MEAN, 12), RECTIC_OK);
        double *in = malloc((size_t)(steps * n) * sizeof *in);
        for (long i = 0; i < steps * n; i++)
            in[i] = 0.5 * cos(0.01 * (double)i);
        ck_assert_msg(rectic_net_run(nets[b], steps, in, n) == RECTIC_OK, "%s", rectic_errmsg(nets[b]));
        free(in);
    }
    const char *names[] = {"out", "v", "a", "b", "c", "m", "s", "s_in", "I_ext", "tau", NULL};
    assert_same_run(nets[1], nets[0], names, 0, 0);
    /* the state comes back to the host: a second run continues it */
    double va[64], vb[64];
    long ca, cb;
    ck_assert_int_eq(rectic_net_get(nets[0], "v", va, 64, &ca), RECTIC_OK);
    ck_assert_int_eq(rectic_net_get(nets[1], "v", vb, 64, &cb), RECTIC_OK);
    ck_assert_int_eq(ca, cb);
    ck_assert(memcmp(va, vb, (size_t)ca * sizeof(double)) == 0);
    rectic_net_free(nets[0]);
    rectic_net_free(nets[1]);
    free(w);
}

/* Every function, two passes, reductions, an algebraic source: the emulated GPU equals the C kernel bit for bit. */
START_TEST(test_every_function_bit_identical_to_c_kernel)
{
    for (int dtype = 0; dtype < 2; dtype++)
        for (int spiking = 0; spiking < 2; spiking++)
            fns_both(dtype, spiking, 9, 300, spiking);
}
END_TEST

/* Above RCT_CUDA_RED_SERIAL neurons the reductions are a tree: its order differs from the C loop's. */
START_TEST(test_tree_reductions_and_gemv_within_rounding)
{
    long n = 1500, steps = 40;
    double *w = malloc((size_t)(n * n) * sizeof *w);
    srand(3);
    for (long i = 0; i < n * n; i++)
        w[i] = 0.2 * (2.0 * rand() / RAND_MAX - 1.0) / sqrt((double)n);
    rectic_net *nets[2];
    for (int b = 0; b < 2; b++) {
        if (b)
            use_mock();
        else
            rct_cuda_api_override(NULL);
        nets[b] = fns_net(RECTIC_FLOAT64, 1, n, w, b ? RECTIC_BACKEND_NVRTC : RECTIC_BACKEND_TCC);
        ck_assert_int_eq(rectic_net_record(nets[b], "m"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record(nets[b], "s_in"), RECTIC_OK);
        double *v0 = malloc((size_t)n * sizeof *v0);
        for (long i = 0; i < n; i++)
            v0[i] = 2.5 * sin((double)i);
        ck_assert_int_eq(rectic_net_set(nets[b], "v", v0, n), RECTIC_OK);
        free(v0);
        ck_assert_msg(rectic_net_run(nets[b], steps, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(nets[b]));
    }
    const char *names[] = {"out", "m", "s_in", NULL};
    assert_same_run(nets[1], nets[0], names, 1e-12, 1e-10);
    rectic_net_free(nets[0]);
    rectic_net_free(nets[1]);
    free(w);
}
END_TEST

/* Inputs from a callback for a QIF network on the CPU and on the mock, over several chunks. */
static int ramp(void *user, long step, double *row, long cols)
{
    (void)user;
    for (long j = 0; j < cols; j++)
        row[j] = 5.0 + sin(0.001 * (double)step + (double)j);
    return 0;
}

/* Over several chunks, with and without CUDA graphs, float64 and float32: bit for bit, and a second run continues. */
START_TEST(test_chunks_graphs_and_callback_inputs)
{
    long n = 4, steps = 3 * 4096 + 100;
    double w[16];
    for (int graphs = 1; graphs >= 0; graphs--)
        for (int dtype = 0; dtype < 2; dtype++) {
            rectic_net *nets[2];
            for (int b = 0; b < 2; b++) {
                rectic_spec s;
                qif_spec(&s, n, w, 11, 3.0);
                s.dtype = dtype;
                if (b) {
                    use_mock();
                    mock.fail_capture = !graphs;
                    s.backend = RECTIC_BACKEND_NVRTC;
                } else {
                    rct_cuda_api_override(NULL);
                }
                nets[b] = make(&s);
                ck_assert_int_eq(rectic_net_record(nets[b], "v"), RECTIC_OK);
                ck_assert_int_eq(rectic_net_set(nets[b], "eta", (double[]){1, 2, 3, 4}, 4), RECTIC_OK);
                ck_assert_msg(rectic_net_run_fn(nets[b], steps, ramp, NULL, n) == RECTIC_OK, "%s",
                              rectic_errmsg(nets[b]));
            }
            const char *names[] = {"out", "v", NULL};
            assert_same_run(nets[1], nets[0], names, 0, 0);
            ck_assert_int_eq(mock.graph_launches, graphs ? 3 : 0);
            ck_assert_int_eq(rectic_net_compilations(nets[1]), 2); /* eta became per neuron */
            /* a second run with one input column for all neurons, sampled, continues the state */
            double in[500];
            for (int k = 0; k < 500; k++)
                in[k] = 4.0 + 0.01 * k;
            for (int b = 0; b < 2; b++) {
                ck_assert_int_eq(rectic_net_sampling(nets[b], 3, RECTIC_SAMPLE_PICK, 10), RECTIC_OK);
                ck_assert_msg(rectic_net_run(nets[b], 500, in, 1) == RECTIC_OK, "%s", rectic_errmsg(nets[b]));
            }
            assert_same_run(nets[1], nets[0], names, 0, 0);
            rectic_net_free(nets[0]);
            rectic_net_free(nets[1]);
        }
}
END_TEST

/* A spiking QIF network of n neurons with random sparse weights: row i has `deg` entries, `wide` entries
   every 50th row (more than a warp's 32), from random sources; coupling `mode`, on the CPU or (gpu) the
   mock device, with the sparse product kernel RECTIC_CUDA_CSR=csr_kind (NULL: the default); run for
   `steps` steps recording v and s_in. */
static rectic_net *sparse_qif(long n, long deg, long wide, int mode, int gpu, const char *csr_kind, long steps)
{
    long nnz = 0;
    for (long i = 0; i < n; i++)
        nnz += i % 50 ? deg : wide;
    double *coo = malloc((size_t)nnz * 3 * sizeof *coo);
    srand(21);
    for (long i = 0, q = 0; i < n; i++)
        for (long d = 0; d < (i % 50 ? deg : wide); d++, q++) {
            coo[3 * q] = (double)i;
            coo[3 * q + 1] = (double)(rand() % n);
            coo[3 * q + 2] = (4.0 * rand() / RAND_MAX - 1.0) * (i % 50 ? 1.0 : 0.1);
        }
    double *eta = malloc((size_t)n * sizeof *eta);
    for (long i = 0; i < n; i++)
        eta[i] = 40.0 + 20.0 * sin((double)i);
    rectic_spec s;
    tu_qif_spec(&s, n);
    s.weights_coo = coo;
    s.nnz = nnz;
    s.coupling = mode;
    if (gpu) {
        use_mock();
        s.backend = RECTIC_BACKEND_NVRTC;
    } else {
        rct_cuda_api_override(NULL);
    }
    if (csr_kind)
        setenv("RECTIC_CUDA_CSR", csr_kind, 1);
    rectic_net *net = make(&s);
    ck_assert_int_eq(rectic_net_set(net, "eta", eta, n), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "v"), RECTIC_OK);
    ck_assert_int_eq(rectic_net_record(net, "s_in"), RECTIC_OK);
    ck_assert_msg(rectic_net_run(net, steps, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(net));
    unsetenv("RECTIC_CUDA_CSR"); /* read when the kernels are compiled */
    free(coo);
    free(eta);
    return net;
}

/* Asserts a run spiked often, also in the neurons the third spike summary word covers (>= 2048). */
static void assert_spikes_beyond_2048(rectic_net *net)
{
    long count, beyond = 0;
    const long *pairs;
    rectic_net_spikes(net, &count, &pairs);
    ck_assert_int_gt(count, 50);
    for (long q = 0; q < count; q++)
        beyond += pairs[2 * q + 1] >= 2048;
    ck_assert_int_gt(beyond, 0);
}

/* Sparse weights: the GPU's rows, a thread per row or a warp per row (rows of 6 and of 70 entries: more
   than two loads of a warp), equal the CPU's sparse rows bit for bit.  2100 neurons: the spike bits span
   three summary words. */
START_TEST(test_sparse_rows_thread_and_warp_equal_cpu)
{
    rectic_net *cpu = sparse_qif(2100, 6, 70, RECTIC_COUPLING_SPARSE, 0, NULL, 1500);
    rectic_net *thread = sparse_qif(2100, 6, 70, RECTIC_COUPLING_SPARSE, 1, "thread", 1500);
    rectic_net *warp = sparse_qif(2100, 6, 70, RECTIC_COUPLING_SPARSE, 1, "warp", 1500);
    ck_assert_str_eq(rectic_net_coupling(cpu), "sparse");
    ck_assert_ptr_nonnull(strstr(rectic_net_source(warp), "RCT_KERNEL rectic_csr_warp("));
    const char *names[] = {"out", "v", "s_in", NULL};
    assert_same_run(thread, cpu, names, 0, 0);
    assert_same_run(warp, cpu, names, 0, 0);
    assert_spikes_beyond_2048(cpu);
    rectic_net_free(cpu);
    rectic_net_free(thread);
    rectic_net_free(warp);
}
END_TEST

/* The warp per row summed by lanes and a tree (RECTIC_CUDA_CSR=tree): not the C kernel's order, so not its
   bits, but within rounding of it over 300 steps (the same spikes), and the same bits run to run. */
START_TEST(test_sparse_rows_tree_within_rounding)
{
    rectic_net *cpu = sparse_qif(2100, 6, 70, RECTIC_COUPLING_SPARSE, 0, NULL, 300);
    rectic_net *tree = sparse_qif(2100, 6, 70, RECTIC_COUPLING_SPARSE, 1, "tree", 300);
    rectic_net *again = sparse_qif(2100, 6, 70, RECTIC_COUPLING_SPARSE, 1, "tree", 300);
    const char *names[] = {"out", "v", "s_in", NULL};
    assert_same_run(tree, cpu, names, 1e-9, 1e-9);
    assert_same_run(tree, again, names, 0, 0);
    long rows, cols;
    const double *a, *b;
    ck_assert_int_eq(rectic_net_recording(tree, "s_in", &rows, &cols, &a), RECTIC_OK);
    ck_assert_int_eq(rectic_net_recording(cpu, "s_in", &rows, &cols, &b), RECTIC_OK);
    long differ = 0;
    for (long q = 0; q < rows * cols; q++)
        differ += a[q] != b[q];
    ck_assert_int_gt(differ, 0); /* another order indeed */
    rectic_net_free(cpu);
    rectic_net_free(tree);
    rectic_net_free(again);
}
END_TEST

/* Event-driven coupling on the device (W @ s kept from the step's spike bits, no product): the CPU event
   kernel's bits, in a first run and in a second that carries W @ s on; with a row of 70 entries every 50th. */
START_TEST(test_event_coupling_on_device_equals_cpu_event)
{
    rectic_net *cpu = sparse_qif(2100, 6, 70, RECTIC_COUPLING_EVENT, 0, NULL, 1500);
    rectic_net *gpu = sparse_qif(2100, 6, 70, RECTIC_COUPLING_EVENT, 1, NULL, 1500);
    ck_assert_str_eq(rectic_net_coupling(gpu), "event");
    const char *src = rectic_net_source(gpu);
    ck_assert_ptr_nonnull(strstr(src, "RCT_KERNEL rectic_event_gather("));
    ck_assert_ptr_null(strstr(src, "RCT_KERNEL rectic_csr(")); /* no product */
    const char *names[] = {"out", "v", "s_in", NULL};
    assert_same_run(gpu, cpu, names, 0, 0);
    assert_spikes_beyond_2048(cpu);
    for (int b = 0; b < 2; b++) /* a second run: W @ s carries on from the first */
        ck_assert_msg(rectic_net_run(b ? gpu : cpu, 700, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(b ? gpu : cpu));
    assert_same_run(gpu, cpu, names, 0, 0);
    /* the event order is not the product's: the same network summed as a product differs in the last bits */
    rectic_net *product = sparse_qif(2100, 6, 70, RECTIC_COUPLING_SPARSE, 0, NULL, 1500);
    long rows, cols, rows_p, cols_p;
    const double *a, *p;
    ck_assert_int_eq(rectic_net_recording(product, "s_in", &rows_p, &cols_p, &p), RECTIC_OK);
    rectic_net_free(gpu);
    gpu = sparse_qif(2100, 6, 70, RECTIC_COUPLING_EVENT, 1, NULL, 1500);
    ck_assert_int_eq(rectic_net_recording(gpu, "s_in", &rows, &cols, &a), RECTIC_OK);
    ck_assert_int_eq(rows * cols, rows_p * cols_p);
    long differ = 0;
    for (long q = 0; q < rows * cols; q++)
        differ += a[q] != p[q];
    ck_assert_int_gt(differ, 0);
    rectic_net_free(product);
    rectic_net_free(cpu);
    rectic_net_free(gpu);
}
END_TEST

/* Event-driven W @ s is state: saved after a run on one backend and loaded on the other, the next 300
   steps are those of one network running on (CPU -> GPU and GPU -> CPU). */
START_TEST(test_event_state_saved_on_one_backend_continues_on_the_other)
{
    char path[2][64];
    rectic_net *whole = sparse_qif(2100, 6, 70, RECTIC_COUPLING_EVENT, 0, NULL, 700);
    ck_assert_msg(rectic_net_run(whole, 300, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(whole));
    const char *names[] = {"out", "v", "s_in", NULL};
    for (int gpu_first = 0; gpu_first < 2; gpu_first++) {
        snprintf(path[gpu_first], sizeof path[0], "/tmp/rectic_event_state_%d_%d.npz", (int)getpid(), gpu_first);
        rectic_net *first = sparse_qif(2100, 6, 70, RECTIC_COUPLING_EVENT, gpu_first, NULL, 700);
        ck_assert_msg(rectic_net_save_state(first, path[gpu_first]) == RECTIC_OK, "%s", rectic_errmsg(first));
        rectic_net *second = sparse_qif(2100, 6, 70, RECTIC_COUPLING_EVENT, !gpu_first, NULL, 1);
        ck_assert_msg(rectic_net_load_state(second, path[gpu_first]) == RECTIC_OK, "%s", rectic_errmsg(second));
        ck_assert_msg(rectic_net_run(second, 300, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(second));
        assert_same_run(second, whole, names, 0, 0);
        unlink(path[gpu_first]);
        rectic_net_free(first);
        rectic_net_free(second);
    }
    rectic_net_free(whole);
}
END_TEST

/* RECTIC_CUDA_CSR other than thread, warp or tree: a clear error naming it. */
START_TEST(test_unknown_csr_kernel_is_an_error)
{
    use_mock();
    setenv("RECTIC_CUDA_CSR", "block", 1);
    rectic_spec s;
    tu_qif_spec(&s, 4);
    double coo[3] = {0, 1, 0.5};
    s.weights_coo = coo;
    s.nnz = 1;
    s.coupling = RECTIC_COUPLING_SPARSE;
    s.backend = RECTIC_BACKEND_NVRTC;
    rectic_net *net;
    int rc = rectic_net_new(&net, &s);
    if (rc == RECTIC_OK) /* the kernels are compiled by the first run */
        rc = rectic_net_run(net, 2, NULL, 0);
    unsetenv("RECTIC_CUDA_CSR");
    ck_assert_int_eq(rc, RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "RECTIC_CUDA_CSR: expected thread, warp or tree, not 'block'"));
    rectic_net_free(net);
}
END_TEST

/* Tiny chunks (a few rows of ring each) and recordings streamed to disk: the same numbers. */
START_TEST(test_tiny_chunks_and_streamed_recordings)
{
    double w[400];
    long n = 20, steps = 2000;
    for (int stream = 0; stream < 2; stream++) {
        rectic_net *nets[2];
        for (int b = 0; b < 2; b++) {
            rectic_spec s;
            qif_spec(&s, n, w, 13, 1.5);
            if (b) {
                use_mock();
                s.backend = RECTIC_BACKEND_NVRTC;
                setenv("RECTIC_CUDA_CHUNK_BYTES", "2000", 1); /* 4 rows of 3 x 20 doubles */
            } else {
                rct_cuda_api_override(NULL);
            }
            nets[b] = make(&s);
            double eta[20];
            for (int i = 0; i < 20; i++)
                eta[i] = 10.0 + i;
            ck_assert_int_eq(rectic_net_set(nets[b], "eta", eta, n), RECTIC_OK);
            ck_assert_int_eq(rectic_net_record(nets[b], "v"), RECTIC_OK);
            ck_assert_int_eq(rectic_net_record(nets[b], "s_in"), RECTIC_OK);
            ck_assert_int_eq(rectic_net_sampling(nets[b], 3, RECTIC_SAMPLE_MEAN, 100), RECTIC_OK);
            if (stream)
                rectic_net_max_memory(nets[b], 3 * 20 * 8 * 50); /* 50 rows in memory, the rest on disk */
            ck_assert_msg(rectic_net_run(nets[b], steps, NULL, 0) == RECTIC_OK, "%s", rectic_errmsg(nets[b]));
        }
        unsetenv("RECTIC_CUDA_CHUNK_BYTES");
        if (!stream) {
            const char *names[] = {"out", "v", "s_in", NULL};
            assert_same_run(nets[1], nets[0], names, 0, 0);
        } else { /* streamed recordings are only written out: the files must be the same */
            ck_assert(rectic_net_streamed(nets[0]) && rectic_net_streamed(nets[1]));
            char *dirs[2] = {tu_tmpdir(), tu_tmpdir()};
            for (int b = 0; b < 2; b++)
                ck_assert_msg(rectic_net_write(nets[b], dirs[b], RECTIC_FORMAT_NPY) == RECTIC_OK, "%s",
                              rectic_errmsg(nets[b]));
            const char *files[] = {"out.npy", "v.npy", "s_in.npy", "spikes.npy"};
            for (int f = 0; f < 4; f++) {
                char cmd[9000];
                snprintf(cmd, sizeof cmd, "cmp -s '%s/%s' '%s/%s'", dirs[0], files[f], dirs[1], files[f]);
                ck_assert_msg(system(cmd) == 0, "%s differs", files[f]);
            }
            for (int b = 0; b < 2; b++) {
                tu_rmtree(dirs[b]);
                free(dirs[b]);
            }
        }
        rectic_net_free(nets[0]);
        rectic_net_free(nets[1]);
    }
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
    double w[9];
    rectic_spec s;
    qif_spec(&s, 3, w, 5, 1.0);
    s.backend = RECTIC_BACKEND_NVRTC;
    use_mock();
    rectic_net *net = make(&s);
    long seen = -1;
    rectic_net_on_progress(net, stop_at_once, &seen);
    ck_assert_int_eq(rectic_net_run(net, 10000, NULL, 0), RECTIC_ECANCEL);
    ck_assert_int_eq(seen, 4096);
    ck_assert_int_eq(rectic_net_steps_done(net), 4096);
    long rows, cols;
    const double *d;
    ck_assert_int_eq(rectic_net_recording(net, "out", &rows, &cols, &d), RECTIC_OK);
    ck_assert_int_eq(rows, 4096);
    rectic_net_free(net);
}
END_TEST

/* A network whose state overflows stops where the CPU's stops, with the same message. */
START_TEST(test_nonfinite_state_stops_like_the_cpu)
{
    double w[9];
    rectic_net *nets[2];
    for (int b = 0; b < 2; b++) {
        rectic_spec s;
        qif_spec(&s, 3, w, 5, 1.0);
        s.spike_threshold = 1e300; /* v^2 grows without a reset */
        if (b) {
            use_mock();
            s.backend = RECTIC_BACKEND_NVRTC;
        } else {
            rct_cuda_api_override(NULL);
        }
        nets[b] = make(&s);
        ck_assert_int_eq(rectic_net_set(nets[b], "v", (double[]){1, 5, 50}, 3), RECTIC_OK);
        ck_assert_int_eq(rectic_net_record(nets[b], "v"), RECTIC_OK);
        ck_assert_int_eq(rectic_net_run(nets[b], 6000, NULL, 0), RECTIC_ENUMERIC);
    }
    ck_assert_str_eq(rectic_errmsg(nets[1]), rectic_errmsg(nets[0]));
    const char *names[] = {"out", "v", NULL};
    assert_same_run(nets[1], nets[0], names, 0, 0);
    rectic_net_free(nets[0]);
    rectic_net_free(nets[1]);
}
END_TEST

/* ---------------------------------------------------------------- 3. no driver */

/* Without libcuda.so.1 the CUDA backend fails with RECTIC_EDEVICE and says so. */
START_TEST(test_no_driver_is_a_clear_error)
{
    CT_SKIP_WITH_DRIVER();
    double w[9];
    rectic_spec s;
    qif_spec(&s, 3, w, 1, 1.0);
    s.backend = RECTIC_BACKEND_NVRTC;
    rectic_net *net;
    int rc = rectic_net_new(&net, &s);
    ct_assert_no_device(net, rc, "no CUDA driver (libcuda.so.1): ");
    rectic_net_free(net);
}
END_TEST

/* The toolkit's stub libcuda is a driver without a device: a clear message too. */
START_TEST(test_stub_driver_is_no_device)
{
    const char *stub = "/usr/local/cuda/lib64/stubs/libcuda.so";
    if (access(stub, R_OK) != 0)
        TU_SKIP("no %s", stub);
    CT_SKIP_WITH_DRIVER();
    setenv("RECTIC_LIBCUDA", stub, 1);
    double w[9];
    rectic_spec s;
    qif_spec(&s, 3, w, 1, 1.0);
    s.backend = RECTIC_BACKEND_NVRTC;
    rectic_net *net;
    int rc = rectic_net_new(&net, &s);
    ct_assert_no_device(net, rc, "no CUDA device: cuInit failed");
    rectic_net_free(net);
    unsetenv("RECTIC_LIBCUDA");
}
END_TEST

/* `rectic emit --target cuda` writes the kernels without a GPU; a bad --device is refused. */
START_TEST(test_cli_emit_target_cuda)
{
    const char *build = getenv("RECTIC_BUILD") ? getenv("RECTIC_BUILD") : "build";
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "%s/rectic emit " QIF " --op qif_op --source-var s --target-var s_in --input-var I_ext "
                              "--output-var s --spike-var spike --spike-def v --target cuda 2>&1", build);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    static char out[1 << 18];
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_ptr_nonnull(strstr(out, "RCT_KERNEL rectic_pass_0"));
    snprintf(cmd, sizeof cmd, "%s/rectic emit " QIF " --op qif_op --output-var s --device gpu:0 2>&1", build);
    p = popen(cmd, "r");
    len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    ck_assert_int_ne(pclose(p), 0);
    ck_assert_ptr_nonnull(strstr(out, "--device: expected cpu or cuda:N"));
}
END_TEST

/* Runs the suite. */
int main(void)
{
    Suite *s = suite_create("cuda");
    TCase *nv = tcase_create("nvrtc");
    tcase_set_timeout(nv, 300);
    tcase_add_test(nv, test_every_template_compiles_with_nvrtc);
    tcase_add_test(nv, test_every_function_compiles_with_nvrtc);
    tcase_add_test(nv, test_sparse_and_event_kernels_compile_with_nvrtc);
    tcase_add_test(nv, test_cubin_for_sm_90);
    tcase_add_test(nv, test_nvrtc_reports_compile_errors);
    suite_add_tcase(s, nv);
    TCase *emu = tcase_create("emulation");
    tcase_set_timeout(emu, 300);
    tcase_add_test(emu, test_emitted_source_has_both_platforms);
    tcase_add_test(emu, test_reference_cases_match_c_kernel);
    tcase_add_test(emu, test_every_function_bit_identical_to_c_kernel);
    tcase_add_test(emu, test_tree_reductions_and_gemv_within_rounding);
    tcase_add_test(emu, test_chunks_graphs_and_callback_inputs);
    tcase_add_test(emu, test_sparse_rows_thread_and_warp_equal_cpu);
    tcase_add_test(emu, test_sparse_rows_tree_within_rounding);
    tcase_add_test(emu, test_event_coupling_on_device_equals_cpu_event);
    tcase_add_test(emu, test_event_state_saved_on_one_backend_continues_on_the_other);
    tcase_add_test(emu, test_unknown_csr_kernel_is_an_error);
    tcase_add_test(emu, test_tiny_chunks_and_streamed_recordings);
    tcase_add_test(emu, test_progress_and_cancel_between_chunks);
    tcase_add_test(emu, test_nonfinite_state_stops_like_the_cpu);
    suite_add_tcase(s, emu);
    TCase *dev = tcase_create("device");
    tcase_add_test(dev, test_no_driver_is_a_clear_error);
    tcase_add_test(dev, test_stub_driver_is_no_device);
    tcase_add_test(dev, test_cli_emit_target_cuda);
    suite_add_tcase(s, dev);
    return tu_run(s);
}

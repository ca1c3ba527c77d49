/*
 * gpu_check.c -- the CUDA backend's checks that need a GPU (tests/gpu/run.sh, make check-gpu).
 *
 *   gpu_check [--device N] [--quick] [--sparse-only] CASES_DIR...
 *
 * CASES_DIR holds RectiPy reference cases (one directory with case.json each).  Checks:
 *   1. every case on the GPU in its own precision against RectiPy's files: float64 within atol 1e-10,
 *      rtol 1e-8 with identical spikes, float32 within atol 1e-3, rtol 1e-5 (the CPU's tolerances), and
 *      against the CPU backend (bit for bit where the CPU sums the coupling in the GPU's order and the
 *      model calls no libm function; otherwise the largest difference is printed);
 *   2. random QIF networks, CPU vs GPU: identical spikes for the first 1000 steps and a spike score
 *      >= 0.99 (+-1 step) over 10 000 steps (dense N = 1000 and sparse N = 4000 with in-degree 100, float64;
 *      float32 reported), and an Izhikevich network with mean-field reductions (N = 3000: a reduction tree);
 *   3. determinism: the same network twice, with and without CUDA graphs, bit for bit;
 *   4. sampling modes and cutoff on the GPU against the CPU;
 *   2b. the sparse kernels (gpu_sparse.c): a thread, a warp and a lane tree per row, and event-driven
 *      coupling on the device, against the CPU and run twice;
 *   5. networks of populations (issue 13): the reference cases of networks ("kind": "multipop") against the
 *      reference and the CPU, a random E/I network of two QIF populations (sparse projections, a delayed
 *      one, a scalar one) CPU vs GPU bit for bit in float64 (float32 reported), and the same network twice
 *      and without CUDA graphs, bit for bit.
 * Prints one line per check ("ok", "FAIL", "skip") and a summary; exit status 0 when nothing failed, 77 when
 * there is no usable CUDA device (everything skipped), 1 otherwise.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cuda_run.h"
#include "network.h"
#include "gpu_sparse.h"
#include "netgen.h"
#include "rcase.h"
#include "rectic.h"
#include "rnet.h"

static int failed, passed, skipped, device;
static long shrink = 1; /* --emulated: networks this many times smaller (a CPU emulating the GPU is slow) */

/* Prints a check's result line. */
static void report(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints a check's result line and counts it. */
static void report(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%-5s %-46s ", ok > 0 ? "ok" : ok == 0 ? "FAIL" : "skip", name);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    va_end(ap);
    if (ok > 0)
        passed++;
    else if (ok == 0)
        failed++;
    else
        skipped++;
}

/* Monotonic seconds. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Largest |a - b| over two results' recordings. */
static double max_diff(const rresult *a, const rresult *b)
{
    double m = 0;
    for (int k = 0; k < a->n_rec && k < b->n_rec; k++)
        for (long i = 0; i < a->rows * a->cols[k] && a->rows == b->rows && a->cols[k] == b->cols[k]; i++) {
            double d = fabs(a->data[k][i] - b->data[k][i]);
            if (d > m || d != d)
                m = d;
        }
    return m;
}

/* Does the case's template call a libm function (whose GPU version may round differently)? */
static int case_uses_libm(const char *dir)
{
    char path[4200], line[4096];
    snprintf(path, sizeof path, "%.4000s/case.json", dir);
    FILE *f = fopen(path, "r");
    int uses = 0;
    while (f && fgets(line, sizeof line, f))
        uses |= strstr(line, "tanh") || strstr(line, "sigmoid") || strstr(line, "exp");
    if (f)
        fclose(f);
    return uses;
}

/* 5. A reference case of a network of populations on the GPU: against the reference, and against the CPU
   (bit for bit where no projection calls BLAS on the CPU and the models call no libm function). */
static void check_netcase(const char *dir, const char *base)
{
    char msg[4096], name[300];
    rnresult cpu, gpu;
    snprintf(name, sizeof name, "network case %.200s", base);
    int ran = !rnet_run(dir, RECTIC_BACKEND_NVRTC, device, -1, &gpu, msg, sizeof msg);
    double atol = ran && gpu.f32 ? 1e-3 : 1e-10, rtol = ran && gpu.f32 ? 1e-5 : 1e-8; /* the CPU's tolerances */
    if (!ran || rnet_check_expected(dir, &gpu, atol, rtol, msg, sizeof msg)) {
        report(0, name, "%s: %s", ran ? "against the reference" : "GPU run", msg);
        if (!ran)
            return;
    } else {
        report(1, name, "matches the reference (atol %g, rtol %g; projections %s), %.1f ms", atol, rtol, gpu.coupling,
               gpu.seconds * 1e3);
    }
    snprintf(name, sizeof name, "network case %.200s: GPU vs CPU", base);
    if (rnet_run(dir, RECTIC_BACKEND_TCC, 0, -1, &cpu, msg, sizeof msg)) {
        report(0, name, "CPU run: %s", msg);
    } else {
        int exact = !strstr(cpu.coupling, "dense") && !gpu.libm;
        if (!rnet_compare(&gpu, &cpu, 0, 0, msg, sizeof msg))
            report(1, name, "bit for bit (projections %s)", cpu.coupling);
        else if (exact)
            report(0, name, "expected bit for bit (projections %s, no libm): %s", cpu.coupling, msg);
        else if (rnet_compare(&gpu, &cpu, 1e-9, 1e-7, msg, sizeof msg))
            report(0, name, "%s", msg);
        else
            report(1, name, "identical spikes, within rounding (projections %s%s)", cpu.coupling,
                   gpu.libm ? ", CUDA's libm" : "");
        rnresult_free(&cpu);
    }
    rnresult_free(&gpu);
}

/* The E/I network of two QIF populations: E (n_e units) and I (n_i), eta and v0 per unit, one shared
   input row per step each; E -> E and E -> I sparse (in-degree 80, E -> I delayed 2 ms), I -> E sparse
   (in-degree 20), I -> I scalar; E/v recorded every 10 steps. */
static rectic_netspec *ei_spec(long n_e, long n_i)
{
    rectic_netspec *ns = NULL;
    rectic_netspec_new(&ns);
    ng_rng r = {0x5DEECE66DULL};
    const char *pops[2] = {"E", "I"};
    long n[2] = {n_e, n_i};
    for (int p = 0; p < 2; p++) {
        ng_net g;
        ng_make(&g, n[p], -1, 40 + (uint64_t)p);
        char path[16];
        rectic_netspec_population(ns, pops[p], "neuron_model_templates.spiking_neurons.qif.qif", "qif_op", n[p]);
        rectic_netspec_input(ns, pops[p], "I_ext");
        rectic_netspec_spikes(ns, pops[p], "spike", "v", 100, -100);
        snprintf(path, sizeof path, "%s/eta", pops[p]);
        rectic_netspec_set(ns, path, g.eta, n[p]);
        snprintf(path, sizeof path, "%s/v", pops[p]);
        rectic_netspec_set(ns, path, g.v0, n[p]);
        ng_free(&g);
    }
    const struct { const char *src, *tgt; long n_tgt, n_src, k; double delay; } sp[] = {
        {"E/s", "E/s_in", n_e, n_e, 80, 0}, {"E/s", "I/s_in", n_i, n_e, 80, 0.002}, {"I/s", "E/s_in", n_e, n_i, 20, 0}};
    for (int k = 0; k < 3; k++) {
        double *coo = ng_coo(&r, sp[k].n_tgt, sp[k].n_src, sp[k].k);
        rectic_netspec_coo(ns, sp[k].src, sp[k].tgt, coo, sp[k].n_tgt * sp[k].k, sp[k].delay);
        free(coo);
    }
    rectic_netspec_scalar(ns, "I/s", "I/s_in", -0.5 / (double)n_i, 0);
    return ns;
}

/* Builds and runs the E/I network for `steps` steps on a backend; NULL with msg on failure. */
static rectic_net *run_ei(const rectic_netspec *ns, int dtype, int backend, long steps, const double *in_e,
                          const double *in_i, char *msg, size_t size, double *seconds)
{
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = 1e-3;
    o.dtype = dtype;
    o.backend = backend;
    o.device = device;
    o.coupling = RECTIC_COUPLING_SPARSE; /* also where a shrunk network is dense enough for BLAS */
    rectic_net *net = NULL;
    double t0 = now();
    if (rectic_net_new_network(&net, ns, &o) != RECTIC_OK || rectic_net_input(net, "E", in_e, steps, 1) ||
        rectic_net_input(net, "I", in_i, steps, 1) || rectic_net_record_as(net, "E/v", "Ev") ||
        rectic_net_sampling(net, 10, RECTIC_SAMPLE_PICK, 0) || rectic_net_run(net, steps, NULL, 0) != RECTIC_OK) {
        snprintf(msg, size, "%s", rectic_errmsg(net));
        rectic_net_free(net);
        return NULL;
    }
    *seconds = now() - t0;
    return net;
}

/* Are the two networks' E/v recordings and spikes of both populations the same bits?  msg says where not. */
static int same_ei(rectic_net *a, rectic_net *b, double *score, char *msg, size_t size)
{
    long ra, ca, rb, cb;
    const double *da, *db;
    rectic_net_recording(a, "Ev", &ra, &ca, &da);
    rectic_net_recording(b, "Ev", &rb, &cb, &db);
    int same = ra == rb && ca == cb && !memcmp(da, db, (size_t)(ra * ca) * sizeof(double));
    if (!same)
        snprintf(msg, size, "E/v differs");
    *score = 1;
    for (int p = 0; p < 2; p++) {
        long na, nb;
        const long *pa, *pb;
        const char *pop = p ? "I" : "E";
        rectic_net_population_spikes(a, pop, &na, &pa);
        rectic_net_population_spikes(b, pop, &nb, &pb);
        double sc = ng_spike_score(pa, na, pb, nb, rectic_net_population_size(a, p), 1);
        *score = sc < *score ? sc : *score;
        if (rc_same_spikes(pa, na, pb, nb, msg, size))
            same = 0;
    }
    return same;
}

/* 5. The random E/I network CPU vs GPU: the same sums in the same order (sparse rows, a scalar over at
   most RCT_CUDA_RED_SERIAL units, no libm), so the same bits in float64. */
static void check_random_ei(long n_e, long n_i, long steps, int dtype)
{
    char name[128], msg[4096];
    snprintf(name, sizeof name, "random E/I network %ld + %ld%s", n_e, n_i, dtype ? ", float32" : "");
    rectic_netspec *ns = ei_spec(n_e, n_i);
    double *in_e = ng_inputs(steps, 1, 50), *in_i = ng_inputs(steps, 1, 51), tc = 0, tg = 0;
    rectic_net *cpu = run_ei(ns, dtype, RECTIC_BACKEND_TCC, steps, in_e, in_i, msg, sizeof msg, &tc);
    rectic_net *gpu = cpu ? run_ei(ns, dtype, RECTIC_BACKEND_NVRTC, steps, in_e, in_i, msg, sizeof msg, &tg) : NULL;
    double score = 0;
    if (!cpu || !gpu) {
        report(0, name, "%s", msg);
    } else {
        long spikes, s_i;
        const long *pairs;
        rectic_net_population_spikes(cpu, "E", &spikes, &pairs);
        rectic_net_population_spikes(cpu, "I", &s_i, &pairs);
        int same = same_ei(gpu, cpu, &score, msg, sizeof msg);
        report(same ? 1 : dtype ? -1 : 0, name, "%s, %ld steps, %ld + %ld spikes (spike score %.4f); GPU %.3f ms/step, "
               "CPU %.3f ms/step%s", same ? "bit for bit" : msg, steps, spikes, s_i, score, tg * 1e3 / steps,
               tc * 1e3 / steps, dtype ? " (float32: reported only)" : "");
    }
    rectic_net_free(cpu);
    rectic_net_free(gpu);
    rectic_netspec_free(ns);
    free(in_e);
    free(in_i);
}

/* 5. The E/I network twice on the GPU, and without CUDA graphs: bit for bit. */
static void check_net_determinism(long n_e, long n_i, long steps)
{
    const char *name = "network determinism (twice, graphs off)";
    char msg[4096];
    rectic_netspec *ns = ei_spec(n_e, n_i);
    double *in_e = ng_inputs(steps, 1, 52), *in_i = ng_inputs(steps, 1, 53), t, score;
    rectic_net *nets[3] = {NULL, NULL, NULL};
    int ok = 1;
    for (int k = 0; k < 3 && ok; k++) {
        if (k == 2)
            setenv("RECTIC_CUDA_GRAPHS", "0", 1);
        nets[k] = run_ei(ns, RECTIC_FLOAT64, RECTIC_BACKEND_NVRTC, steps, in_e, in_i, msg, sizeof msg, &t);
        ok = nets[k] && (k == 0 || same_ei(nets[k], nets[0], &score, msg, sizeof msg));
    }
    unsetenv("RECTIC_CUDA_GRAPHS");
    report(ok, name, "%s", ok ? "bit for bit" : msg);
    for (int k = 0; k < 3; k++)
        rectic_net_free(nets[k]);
    rectic_netspec_free(ns);
    free(in_e);
    free(in_i);
}

/* 1. One reference case on the GPU. */
static void check_case(const char *dir)
{
    char msg[4096], name[300];
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    rresult cpu, gpu;
    if (rnet_is_case(dir)) {
        check_netcase(dir, base);
        return;
    }
    snprintf(name, sizeof name, "case %.200s", base);
    const char *why = rcase_unsupported(dir);
    if (why) {
        report(-1, name, "%s", why);
        return;
    }
    if (rcase_run(dir, RECTIC_BACKEND_NVRTC, device, -1, &gpu, msg, sizeof msg)) {
        report(0, name, "GPU run: %s", msg);
        return;
    }
    int f32 = gpu.f32;
    if (rcase_check_expected(dir, &gpu, f32 ? 1e-3 : 1e-10, f32 ? 1e-5 : 1e-8, msg, sizeof msg))
        report(0, name, "%s vs RectiPy: %s", f32 ? "float32" : "float64", msg);
    else
        report(1, name, "%s: %ld rows, %ld spikes, matches RectiPy (atol %g, rtol %g), %.1f ms", f32 ? "float32" : "float64",
               gpu.rows, gpu.n_spikes, f32 ? 1e-3 : 1e-10, f32 ? 1e-5 : 1e-8, gpu.seconds * 1e3);
    if (rcase_run(dir, RECTIC_BACKEND_TCC, 0, -1, &cpu, msg, sizeof msg)) {
        report(0, name, "CPU run: %s", msg);
        rresult_free(&gpu);
        return;
    }
    snprintf(name, sizeof name, "case %.200s: GPU vs CPU", base);
    int same_order = (!strcmp(cpu.coupling, "inline") && cpu.n <= 32) || !strcmp(cpu.coupling, "sparse") ||
                     !strcmp(cpu.coupling, "none");
    int exact = same_order && !case_uses_libm(dir);
    int bad = rresult_compare(&gpu, &cpu, 0, 0, msg, sizeof msg);
    if (!bad)
        report(1, name, "bit for bit (coupling %s)", cpu.coupling);
    else if (exact)
        report(0, name, "expected bit for bit (coupling %s, no libm): %s", cpu.coupling, msg);
    else if (rc_same_spikes(gpu.spikes, gpu.n_spikes, cpu.spikes, cpu.n_spikes, msg, sizeof msg))
        report(0, name, "spikes differ: %s", msg);
    else
        report(1, name, "identical spikes, max |diff| %.3g (coupling %s%s)", max_diff(&gpu, &cpu), cpu.coupling,
               case_uses_libm(dir) ? ", CUDA's libm" : "");
    rresult_free(&cpu);
    rresult_free(&gpu);
    /* the other precision, GPU vs CPU (reported) */
    int other = f32 ? RECTIC_FLOAT64 : RECTIC_FLOAT32;
    if (!rcase_run(dir, RECTIC_BACKEND_NVRTC, device, other, &gpu, msg, sizeof msg) &&
        !rcase_run(dir, RECTIC_BACKEND_TCC, 0, other, &cpu, msg, sizeof msg)) {
        snprintf(name, sizeof name, "case %.200s in %s: GPU vs CPU", base, f32 ? "float64" : "float32");
        int spikes_same = !rc_same_spikes(gpu.spikes, gpu.n_spikes, cpu.spikes, cpu.n_spikes, msg, sizeof msg);
        double score = ng_spike_score(gpu.spikes, gpu.n_spikes, cpu.spikes, cpu.n_spikes, gpu.n, 1);
        report(score >= 0.99, name, "%s, spike score %.4f, max |diff| %.3g", spikes_same ? "identical spikes" : msg, score,
               max_diff(&gpu, &cpu));
        rresult_free(&cpu);
        rresult_free(&gpu);
    } else {
        report(0, name, "%s", msg);
    }
}

/* Runs g for `steps` steps on a backend with per-neuron inputs; NULL with msg on failure. */
static rectic_net *run_net(const ng_net *g, int dtype, int backend, long steps, const double *in, char *msg, size_t size,
                           double *seconds)
{
    rectic_net *net = ng_net_new(g, dtype, backend, device, msg, size);
    if (!net)
        return NULL;
    double t0 = now();
    if (rectic_net_run(net, steps, in, g->n) != RECTIC_OK) {
        snprintf(msg, size, "%s", rectic_errmsg(net));
        rectic_net_free(net);
        return NULL;
    }
    *seconds = now() - t0;
    return net;
}

/* Number of spikes before step `steps`. */
static long spikes_before(const long *p, long count, long steps)
{
    long k = 0;
    while (k < count && p[2 * k] < steps)
        k++;
    return k;
}

/* 2. A random network, CPU vs GPU. */
static void check_random(const char *name, long n, long in_degree, int dtype, long steps, int must)
{
    char msg[4096];
    ng_net g;
    if (ng_make(&g, n, in_degree, (uint64_t)n + 17)) {
        report(0, name, "out of memory");
        return;
    }
    double *in = ng_inputs(steps, n, 5);
    double tc = 0, tg = 0;
    rectic_net *cpu = run_net(&g, dtype, RECTIC_BACKEND_TCC, steps, in, msg, sizeof msg, &tc);
    rectic_net *gpu = cpu ? run_net(&g, dtype, RECTIC_BACKEND_NVRTC, steps, in, msg, sizeof msg, &tg) : NULL;
    if (!cpu || !gpu) {
        report(0, name, "%s", msg);
    } else {
        long na, nb;
        const long *pa, *pb;
        rectic_net_spikes(gpu, &na, &pa);
        rectic_net_spikes(cpu, &nb, &pb);
        long first = steps < 1000 ? steps : 1000;
        long ka = spikes_before(pa, na, first), kb = spikes_before(pb, nb, first);
        int same_first = !rc_same_spikes(pa, ka, pb, kb, msg, sizeof msg);
        double score = ng_spike_score(pa, na, pb, nb, n, 1);
        int all_same = !rc_same_spikes(pa, na, pb, nb, msg, sizeof msg);
        int ok = same_first && score >= 0.99;
        report(must ? ok : (ok ? 1 : -1), name,
               "%s, coupling %s: first %ld steps %s (%ld spikes), %ld steps: %s, spike score %.4f (%ld vs %ld "
               "spikes); GPU %.2f ms/step, CPU %.2f ms/step%s", dtype ? "float32" : "float64", rectic_net_coupling(cpu),
               first, same_first ? "identical spikes" : "DIFFERENT spikes", ka, steps,
               all_same ? "identical spikes" : "spikes differ", score, na, nb, tg * 1e3 / steps, tc * 1e3 / steps,
               must ? "" : " (reported only)");
    }
    rectic_net_free(cpu);
    rectic_net_free(gpu);
    free(in);
    ng_free(&g);
}

#ifndef IKU_GAIN
#define IKU_GAIN 0.5
#define IKU_ETA 300.0
#endif

/* An Izhikevich network with mean(v) and mean(spike) (iku): the reductions run as a tree above 1024. */
static void check_iku(long n, long steps)
{
    char name[128], msg[4096];
    snprintf(name, sizeof name, "random iku N=%ld (reduction tree)", n);
    ng_net g;
    ng_make(&g, n, 0, 99);
    for (long i = 0; i < n * n; i++)
        g.dense[i] = fabs(g.dense[i]) * IKU_GAIN; /* excitatory conductances */
    for (long i = 0; i < n; i++)
        g.v0[i] = -60.0 + 0.2 * g.v0[i];
    rectic_net *nets[2] = {NULL, NULL};
    double t[2] = {0, 0};
    for (int b = 0; b < 2; b++) {
        rectic_spec s;
        rectic_spec_init(&s);
        s.template_ref = "neuron_model_templates.spiking_neurons.ik.iku";
        s.n = n;
        s.weights = g.dense;
        s.source_var = "s";
        s.target_var = "s_in";
        s.input_var = "I_ext";
        s.output_var = "s";
        s.spike_var = "spike";
        s.spike_def = "v";
        s.spike_threshold = 40.0;
        s.spike_reset = -60.0;
        s.dt = 0.05;
        s.backend = b ? RECTIC_BACKEND_NVRTC : RECTIC_BACKEND_TCC;
        s.device = device;
        if (rectic_net_new(&nets[b], &s) != RECTIC_OK) {
            report(0, name, "%s", rectic_errmsg(nets[b]));
            goto done;
        }
        for (long i = 0; i < n; i++)
            g.eta[i] = IKU_ETA + 20.0 * g.eta[i];
        rectic_net_set(nets[b], "eta", g.eta, n);
        for (long i = 0; i < n; i++)
            g.eta[i] = (g.eta[i] - IKU_ETA) / 20.0; /* as generated, for the other backend */
        rectic_net_set(nets[b], "v", g.v0, n);
        rectic_net_record(nets[b], "u");
        double t0 = now();
        if (rectic_net_run(nets[b], steps, NULL, 0) != RECTIC_OK) {
            report(0, name, "%s", rectic_errmsg(nets[b]));
            goto done;
        }
        t[b] = now() - t0;
    }
    {
        long na, nb;
        const long *pa, *pb;
        rectic_net_spikes(nets[1], &na, &pa);
        rectic_net_spikes(nets[0], &nb, &pb);
        long first = steps < 1000 ? steps : 1000;
        long ka = spikes_before(pa, na, first), kb = spikes_before(pb, nb, first);
        int same = !rc_same_spikes(pa, ka, pb, kb, msg, sizeof msg);
        double score = ng_spike_score(pa, na, pb, nb, n, 1);
        report(same && score >= 0.99, name, "first %ld steps %s (%ld spikes), spike score %.4f over %ld steps; GPU "
               "%.2f ms/step, CPU %.2f ms/step", first, same ? "identical spikes" : msg, ka, score, steps,
               t[1] * 1e3 / steps, t[0] * 1e3 / steps);
    }
done:
    rectic_net_free(nets[0]);
    rectic_net_free(nets[1]);
    ng_free(&g);
}

/* 3. The same network twice, and without CUDA graphs: bit for bit. */
static void check_determinism(void)
{
    const char *name = "determinism (twice, graphs off)";
    char msg[4096];
    ng_net g;
    long n = 3000 / shrink, steps = 2000 / shrink;
    ng_make(&g, n, 0, 3);
    double *in = ng_inputs(steps, 1, 9);
    rectic_net *nets[3] = {NULL, NULL, NULL};
    for (int k = 0; k < 3; k++) {
        if (k == 2)
            setenv("RECTIC_CUDA_GRAPHS", "0", 1);
        nets[k] = ng_net_new(&g, RECTIC_FLOAT64, RECTIC_BACKEND_NVRTC, device, msg, sizeof msg);
        if (!nets[k] || rectic_net_record(nets[k], "v") != RECTIC_OK ||
            rectic_net_run(nets[k], steps, in, 1) != RECTIC_OK) {
            report(0, name, "%s", nets[k] ? rectic_errmsg(nets[k]) : msg);
            goto done;
        }
    }
    rct_cuda_info i0, i2;
    rct_cuda_get_info(nets[0], &i0);
    rct_cuda_get_info(nets[2], &i2);
    for (int k = 1; k < 3; k++) {
        const char *what[] = {"out", "v"};
        for (int q = 0; q < 2; q++) {
            long ra, ca, rb, cb;
            const double *da, *db;
            rectic_net_recording(nets[0], what[q], &ra, &ca, &da);
            rectic_net_recording(nets[k], what[q], &rb, &cb, &db);
            if (ra != rb || memcmp(da, db, (size_t)(ra * ca) * sizeof(double))) {
                report(0, name, "run %d differs in %s (graphs: %d vs %d)", k, what[q], i0.graphs, i2.graphs);
                goto done;
            }
        }
    }
    report(1, name, "bit for bit (CUDA graphs used: %s; off: %s)", i0.graphs ? "yes" : "no", i2.graphs ? "yes" : "no");
done:
    unsetenv("RECTIC_CUDA_GRAPHS");
    for (int k = 0; k < 3; k++)
        rectic_net_free(nets[k]);
    free(in);
    ng_free(&g);
}

/* 4. Sampling (pick and mean with a cutoff) and recorded variables on the GPU vs the CPU. */
static void check_sampling(void)
{
    const char *name = "sampling mean, cutoff, records";
    char msg[4096];
    ng_net g;
    long n = 20, steps = 9000;
    ng_make(&g, n, 0, 4);
    double *in = ng_inputs(steps, n, 2);
    rectic_net *nets[2] = {NULL, NULL};
    for (int b = 0; b < 2; b++) {
        nets[b] = ng_net_new(&g, RECTIC_FLOAT64, b ? RECTIC_BACKEND_NVRTC : RECTIC_BACKEND_TCC, device, msg, sizeof msg);
        if (!nets[b] || rectic_net_record(nets[b], "v") || rectic_net_record(nets[b], "s_in") ||
            rectic_net_record(nets[b], "I_ext") || rectic_net_record(nets[b], "eta") ||
            rectic_net_sampling(nets[b], 7, RECTIC_SAMPLE_MEAN, 1234) || rectic_net_run(nets[b], steps, in, n)) {
            report(0, name, "%s", nets[b] ? rectic_errmsg(nets[b]) : msg);
            goto done;
        }
    }
    const char *what[] = {"out", "v", "s_in", "I_ext", "eta"};
    for (int q = 0; q < 5; q++) {
        long ra, ca, rb, cb;
        const double *da, *db;
        rectic_net_recording(nets[1], what[q], &ra, &ca, &da);
        rectic_net_recording(nets[0], what[q], &rb, &cb, &db);
        if (ra != rb || rc_close(what[q], da, db, ra, ca, 0, 0, 0, msg, sizeof msg)) {
            report(0, name, "%s", ra != rb ? "row counts differ" : msg);
            goto done;
        }
    }
    report(1, name, "bit for bit (N=%ld, inline coupling order)", n);
done:
    rectic_net_free(nets[0]);
    rectic_net_free(nets[1]);
    free(in);
    ng_free(&g);
}

/* Runs check_case for every case directory under root (or root itself). */
static void cases_under(const char *root)
{
    char path[4200];
    snprintf(path, sizeof path, "%.4000s/case.json", root);
    struct stat st;
    if (stat(path, &st) == 0) {
        check_case(root);
        return;
    }
    DIR *d = opendir(root);
    if (!d) {
        report(-1, root, "no such directory");
        return;
    }
    char names[256][256];
    int count = 0;
    for (struct dirent *e; (e = readdir(d)) && count < 256;)
        if (e->d_name[0] != '.')
            snprintf(names[count++], 256, "%s", e->d_name);
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (int k = 0; k < count; k++) {
        snprintf(path, sizeof path, "%.3800s/%.255s/case.json", root, names[k]);
        if (stat(path, &st) == 0) {
            snprintf(path, sizeof path, "%.3800s/%.255s", root, names[k]);
            check_case(path);
        }
    }
}

/* Probes the device, then runs every check; the exit status says whether one failed. */
int main(int argc, char **argv)
{
    int quick = 0, sparse_only = 0, first_dir = argc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc)
            device = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--emulated"))
            shrink = 8, quick = 1;
        else if (!strcmp(argv[i], "--sparse-only")) /* the sparse kernels' checks only (issue 19's device script) */
            sparse_only = 1;
        else {
            first_dir = i;
            break;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* is there a device? */
    ng_net g;
    char msg[4096];
    ng_make(&g, 4, 0, 1);
    rectic_net *probe = ng_net_new(&g, RECTIC_FLOAT64, RECTIC_BACKEND_NVRTC, device, msg, sizeof msg);
    ng_free(&g);
    if (!probe) {
        printf("skip  all GPU checks: %s\n", msg);
        return 77;
    }
    rct_cuda_info info;
    rct_cuda_get_info(probe, &info);
    printf("device cuda:%d: %s, compute capability %d.%d, %d SMs, peak memory bandwidth %.0f GB/s; NVRTC compile of "
           "the QIF kernels %.1f ms (%zu bytes of PTX), module load %.1f ms\n", device, info.name, info.cc_major,
           info.cc_minor, info.sm_count, info.peak_bandwidth / 1e9, info.nvrtc_seconds * 1e3, info.image_bytes,
           info.load_seconds * 1e3);
    rectic_net_free(probe);
    double t0 = now();
    long steps = quick ? 2000 / shrink : 10000;
    if (sparse_only) {
        gpu_sparse_checks(report, device, 4000 / shrink, steps);
        printf("%d passed, %d failed, %d skipped (%.1f s)\n", passed, failed, skipped, now() - t0);
        return failed ? 1 : 0;
    }
    for (int i = first_dir; i < argc; i++)
        cases_under(argv[i]);
    check_sampling();
    check_determinism();
    char name[128];
    snprintf(name, sizeof name, "random QIF N=%ld dense", 1000 / shrink);
    check_random(name, 1000 / shrink, 0, RECTIC_FLOAT64, steps, 1);
    snprintf(name, sizeof name, "random QIF N=%ld sparse (in-degree 100)", 4000 / shrink);
    check_random(name, 4000 / shrink, 100, RECTIC_FLOAT64, steps, 1);
    snprintf(name, sizeof name, "random QIF N=%ld dense, float32", 1000 / shrink);
    check_random(name, 1000 / shrink, 0, RECTIC_FLOAT32, steps, 0);
    gpu_sparse_checks(report, device, 4000 / shrink, steps);
    check_iku(shrink > 1 ? 1100 : 3000, quick ? 1000 / shrink : 3000);
    check_random_ei(4000 / shrink, 1000 / shrink, quick ? 1000 / shrink : 3000, RECTIC_FLOAT64);
    check_random_ei(4000 / shrink, 1000 / shrink, quick ? 1000 / shrink : 3000, RECTIC_FLOAT32);
    check_net_determinism(2000 / shrink, 500 / shrink, 1000 / shrink);
    printf("%d passed, %d failed, %d skipped (%.1f s)\n", passed, failed, skipped, now() - t0);
    return failed ? 1 : 0;
}

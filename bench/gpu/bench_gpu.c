/*
 * bench_gpu.c -- the CUDA backend's benchmark (make bench-gpu, tests/gpu/run.sh bench).
 *
 *   bench_gpu [--device N] [--quick] [--only TEXT[,TEXT...]] [--out FILE.md]
 *
 * QIF networks of issue 4 (tests/gpu/netgen.h, generated here: no files read): N = 10^4 with dense J,
 * N = 10^5 and 10^6 with sparse J of in-degree 100 (a dense 10^5 x 10^5 matrix needs 80 GB as doubles on the
 * host), each with the three sparse product kernels (RECTIC_CUDA_CSR = thread, warp, tree; the CPU run once,
 * on the first), N = 10^6 event-driven (--coupling event: ~1000 spikes per step, W @ s kept on the device,
 * against the CPU's event kernel) and N = 10^6 uncoupled; float64 and float32; one input column (7 + N(0,1), the same for every neuron: the figures measure the kernels, not
 * the PCIe upload of 4-8 MB of inputs per step), `out` recorded every 100th step.  For each: the NVRTC
 * compile and module load times, ns per step on the GPU (median of 3 timed runs after a warm-up), the
 * memory traffic a step needs at least and the bandwidth that achieves against the device's peak, and the
 * CPU backend (TinyCC kernel, OpenBLAS or sparse rows) on the same network beside it.  The peak is measured
 * first with a copy kernel (copy_peak.h: 2 x 1 GiB read and written) beside the one the memory clock and bus
 * width give; every row is a % of both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "copy_peak.h"
#include "cuda_run.h"
#include "netgen.h"
#include "network.h"
#include "rectic.h"

static int device;

/* Seconds per step of `net` over `steps` steps: the median of `reps` runs after one warm-up run. */
static double time_steps(rectic_net *net, long steps, int reps, const double *in)
{
    double t[8];
    rectic_net_run(net, steps < 20 ? steps : 20, in, 1);
    for (int r = 0; r < reps && r < 8; r++) {
        double t0 = bench_now();
        if (rectic_net_run(net, steps, in, 1) != RECTIC_OK) {
            fprintf(stderr, "bench_gpu: %s\n", rectic_errmsg(net));
            return -1;
        }
        t[r] = (bench_now() - t0) / (double)steps;
    }
    qsort(t, (size_t)reps, sizeof t[0], bench_cmp_double);
    return t[reps / 2];
}

/* Bytes a QIF step must move at least: the update (v, s, s_in, eta read; v, s written) and the coupling
   (dense: W; sparse: the rows' pointers, columns and values, the source and the target; event-driven: W @ s
   read and written, and the spiking columns' targets and weights, `spikes` per step). */
static double step_bytes(const ng_net *g, int coupled, size_t rs, double spikes)
{
    double n = (double)g->n, b = 6.0 * n * (double)rs;
    if (coupled && g->dense)
        b += n * n * (double)rs + 2.0 * n * (double)rs;
    else if (coupled && g->coupling == RECTIC_COUPLING_EVENT)
        b += 2.0 * n * (double)rs + spikes * (double)g->nnz / n * (4.0 + (double)rs);
    else if (coupled)
        b += (n + 1) * 8.0 + (double)g->nnz * (4.0 + (double)rs) + 2.0 * n * (double)rs;
    return b;
}

typedef struct row {
    char net[64], dtype[8];
    double nvrtc_ms, load_ms, gpu_ns, bytes, gbs, peak_pct, copy_pct, cpu_ns, speedup;
    double spikes_per_step; /* over the last timed GPU run */
    char coupling[24], cpu_coupling[16];
} row;

/* A network of the benchmark: its label, size, in-degree (0 dense, < 0 uncoupled), coupling asked for,
   the sparse product's kernel (RECTIC_CUDA_CSR, NULL: the default) and the steps timed. */
struct cfg {
    const char *label;
    long n, in_degree;
    int coupled, coupling;
    const char *csr;
    long gpu_steps, cpu_steps;
};

/* The networks, in the order of the table.  The sparse ones three times, one per product kernel; the CPU
   (0 steps: not run) only beside the first. */
static const struct cfg cfgs[] = {
    {"N=1e3 dense", 1000, 0, 1, RECTIC_COUPLING_AUTO, NULL, 20000, 2000},
    {"N=1e4 dense", 10000, 0, 1, RECTIC_COUPLING_AUTO, NULL, 2000, 20},
    {"N=1e5 sparse (in-degree 100)", 100000, 100, 1, RECTIC_COUPLING_SPARSE, "thread", 2000, 20},
    {"N=1e5 sparse (in-degree 100)", 100000, 100, 1, RECTIC_COUPLING_SPARSE, "warp", 2000, 0},
    {"N=1e5 sparse (in-degree 100)", 100000, 100, 1, RECTIC_COUPLING_SPARSE, "tree", 2000, 0},
    {"N=1e6 sparse (in-degree 100)", 1000000, 100, 1, RECTIC_COUPLING_SPARSE, "thread", 300, 3},
    {"N=1e6 sparse (in-degree 100)", 1000000, 100, 1, RECTIC_COUPLING_SPARSE, "warp", 300, 0},
    {"N=1e6 sparse (in-degree 100)", 1000000, 100, 1, RECTIC_COUPLING_SPARSE, "tree", 300, 0},
    {"N=1e6 event (in-degree 100)", 1000000, 100, 1, RECTIC_COUPLING_EVENT, NULL, 300, 3},
    {"N=1e6 uncoupled", 1000000, -1, 0, RECTIC_COUPLING_AUTO, NULL, 2000, 20},
};

/* Benchmarks one network on the GPU and the CPU; peak: from the clock, copy: measured (bytes/s). */
static int bench(row *out, const struct cfg *c, long n, long in_degree, int dtype, long gpu_steps, long cpu_steps,
                 double peak, double copy)
{
    const char *label = c->label;
    int coupled = c->coupled;
    memset(out, 0, sizeof *out);
    snprintf(out->net, sizeof out->net, "%s", label);
    snprintf(out->dtype, sizeof out->dtype, "%s", dtype ? "float32" : "float64");
    static ng_net g;   /* kept for the next rows of the same network (10^8 weights take seconds to make) */
    static long g_in_degree;
    if (!g.eta || g.n != n || g_in_degree != in_degree) {
        ng_free(&g);
        g_in_degree = in_degree;
        if (ng_make(&g, n, in_degree, (uint64_t)n)) {
            ng_free(&g);
            fprintf(stderr, "bench_gpu: out of memory for %s\n", label);
            return -1;
        }
    }
    g.coupling = c->coupling;
    if (c->csr) /* read when the kernels are compiled, at the first run */
        setenv("RECTIC_CUDA_CSR", c->csr, 1);
    double *in = ng_inputs(gpu_steps > cpu_steps ? gpu_steps : cpu_steps, 1, 3);
    char msg[4096];
    size_t rs = dtype ? sizeof(float) : sizeof(double);
    for (int b = 0; b < 2; b++) {
        long steps = b ? cpu_steps : gpu_steps;
        if (steps <= 0)
            continue;
        double t0 = bench_now();
        rectic_net *net = ng_net_new(&g, dtype, b ? RECTIC_BACKEND_TCC : RECTIC_BACKEND_NVRTC, device, msg, sizeof msg);
        if (!net) {
            fprintf(stderr, "bench_gpu: %s (%s): %s\n", label, b ? "CPU" : "GPU", msg);
            continue;
        }
        double setup = bench_now() - t0;
        rectic_net_sampling(net, 100, RECTIC_SAMPLE_PICK, 0);
        double per = time_steps(net, steps, b ? 1 : 3, in);
        long count;
        const long *pairs;
        rectic_net_spikes(net, &count, &pairs);
        if (b == 0) {
            rct_cuda_info info;
            rct_cuda_get_info(net, &info);
            out->nvrtc_ms = info.nvrtc_seconds * 1e3;
            out->load_ms = info.load_seconds * 1e3;
            out->gpu_ns = per * 1e9;
            out->spikes_per_step = (double)count / (double)steps; /* the last run's */
            out->bytes = step_bytes(&g, coupled, rs, out->spikes_per_step);
            out->gbs = out->bytes / per / 1e9;
            out->peak_pct = peak > 0 ? 100.0 * out->bytes / per / peak : 0;
            out->copy_pct = copy > 0 ? 100.0 * out->bytes / per / copy : 0;
            snprintf(out->coupling, sizeof out->coupling, "%s%s%s", rectic_net_coupling(net), c->csr ? " " : "",
                     c->csr ? c->csr : "");
            fprintf(stderr, "  %-28s %s GPU: setup %.2f s, %.0f ns/step\n", label, out->dtype, setup, per * 1e9);
        } else {
            out->cpu_ns = per * 1e9;
            snprintf(out->cpu_coupling, sizeof out->cpu_coupling, "%s", rectic_net_coupling(net));
            fprintf(stderr, "  %-28s %s CPU: setup %.2f s, %.0f ns/step\n", label, out->dtype, setup, per * 1e9);
        }
        rectic_net_free(net);
    }
    unsetenv("RECTIC_CUDA_CSR");
    out->speedup = out->gpu_ns > 0 && out->cpu_ns > 0 ? out->cpu_ns / out->gpu_ns : 0;
    free(in);
    return 0;
}

/* Does `label` contain one of the comma-separated texts of `only` (NULL: every label does)? */
static int wanted(const char *label, const char *only)
{
    if (!only)
        return 1;
    for (const char *p = only; *p;) {
        size_t len = strcspn(p, ",");
        char part[128];
        snprintf(part, sizeof part, "%.*s", (int)(len < sizeof part ? len : sizeof part - 1), p);
        if (len > 0 && strstr(label, part))
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* Probes the device, benchmarks every configuration and prints (and writes) the table. */
int main(int argc, char **argv)
{
    int quick = 0;
    const char *md = NULL, *only = NULL; /* --only: just the networks whose label contains TEXT (or TEXT,TEXT2..) */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc)
            device = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--emulated")) /* the mock driver: tiny networks, to try the program out */
            quick = 100;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            md = argv[++i];
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_gpu [--device N] [--quick] [--only TEXT[,TEXT...]] [--out FILE.md]\n");
            return 2;
        }
    }
    ng_net g;
    char msg[4096];
    ng_make(&g, 4, 0, 1);
    rectic_net *probe = ng_net_new(&g, RECTIC_FLOAT64, RECTIC_BACKEND_NVRTC, device, msg, sizeof msg);
    ng_free(&g);
    if (!probe) {
        printf("skip  GPU benchmark: %s\n", msg);
        return 77;
    }
    rct_cuda_info info;
    rct_cuda_get_info(probe, &info);
    rectic_net_free(probe);
    double peak = info.peak_bandwidth, copy = 0;
    char copy_msg[4096] = "";
    if (copy_peak(device, quick > 1 ? (size_t)1 << 20 : (size_t)1 << 30, &copy, copy_msg, sizeof copy_msg))
        fprintf(stderr, "bench_gpu: the copy kernel did not run: %s\n", copy_msg);
    else
        fprintf(stderr, "  copy kernel: %.0f GB/s (%.0f%% of the %.0f GB/s from the clock)\n", copy / 1e9,
                peak > 0 ? 100.0 * copy / peak : 0, peak / 1e9);
    int n_cfg = (int)(sizeof cfgs / sizeof cfgs[0]);
    row rows[64];
    int n_rows = 0;
    for (int c = 0; c < n_cfg; c++)
        for (int dtype = 0; dtype < 2; dtype++) {
            if ((quick == 1 && cfgs[c].n >= 1000000) || !wanted(cfgs[c].label, only))
                continue;
            long n = quick > 1 ? cfgs[c].n / quick : cfgs[c].n, in_degree = cfgs[c].in_degree;
            if (in_degree > n / 2)
                in_degree = n / 2;
            long cpu_steps = cfgs[c].cpu_steps > 0 && quick ? 2 : cfgs[c].cpu_steps;
            if (bench(&rows[n_rows], &cfgs[c], n, in_degree, dtype,
                      quick > 1 ? 20 : quick ? cfgs[c].gpu_steps / 4 : cfgs[c].gpu_steps, cpu_steps, peak, copy) == 0)
                n_rows++;
        }
    FILE *f = md ? fopen(md, "w") : NULL;
    FILE *outs[2] = {stdout, f};
    for (int o = 0; o < 2; o++) {
        FILE *w = outs[o];
        if (!w)
            continue;
        fprintf(w, "GPU: %s (cuda:%d), compute capability %d.%d, %d SMs, peak memory bandwidth %.0f GB/s (from the "
                   "memory clock and bus width), %.0f GB/s measured by a copy kernel (%s)\n\n", info.name, device,
                info.cc_major, info.cc_minor, info.sm_count, peak / 1e9, copy / 1e9,
                copy > 0 ? "bench/gpu/copy_peak.h" : copy_msg);
        fprintf(w, "| network | dtype | coupling (GPU kernel / CPU) | NVRTC ms | load ms | GPU ns/step | bytes/step (min) | "
                   "GB/s | %% of copy | %% of peak | CPU ns/step | GPU speed-up | spikes/step |\n");
        fprintf(w, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int k = 0; k < n_rows; k++) {
            const row *r = &rows[k];
            char cpu[32] = "-", speedup[32] = "-"; /* the CPU runs beside the first kernel of a network only */
            if (r->cpu_ns > 0)
                snprintf(cpu, sizeof cpu, "%.0f", r->cpu_ns), snprintf(speedup, sizeof speedup, "%.1fx", r->speedup);
            fprintf(w, "| %s | %s | %s / %s | %.0f | %.1f | %.0f | %.3g | %.0f | %.0f | %.0f | %s | %s | %.2f |\n",
                    r->net, r->dtype, r->coupling, r->cpu_coupling[0] ? r->cpu_coupling : "-", r->nvrtc_ms, r->load_ms,
                    r->gpu_ns, r->bytes, r->gbs, r->copy_pct, r->peak_pct, cpu, speedup, r->spikes_per_step);
        }
        fprintf(w, "\nGPU: median of 3 timed runs after a warm-up; CPU: one timed run (TinyCC kernel; OpenBLAS GEMV "
                   "for dense, compressed sparse rows for sparse J).  bytes/step (min): the traffic a step cannot avoid "
                   "(the update reads v, s, s_in, eta and writes v, s; the coupling reads W or its rows once; event-driven: "
                   "W @ s read and written, and the spiking columns' targets and weights).  %% of copy: of the copy "
                   "kernel's bandwidth; %% of peak: of the clock's.  GPU kernel: RECTIC_CUDA_CSR (thread, warp, tree).\n");
    }
    if (f)
        fclose(f);
    return 0;
}

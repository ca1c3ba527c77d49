/*
 * bench_gpu.c -- the CUDA backend's benchmark (make bench-gpu, tests/gpu/run.sh bench).
 *
 *   bench_gpu [--device N] [--quick] [--only TEXT] [--out FILE.md]
 *
 * QIF networks of issue 4 (tests/gpu/netgen.h): N = 10^4 with dense J, N = 10^5 and 10^6 with sparse J of
 * in-degree 100 (a dense 10^5 x 10^5 matrix needs 80 GB as doubles on the host), N = 10^6 uncoupled; float64
 * and float32; one input column (7 + N(0,1), the same for every neuron: the figures measure the kernels, not
 * the PCIe upload of 4-8 MB of inputs per step), `out` recorded every 100th step.  For each: the NVRTC
 * compile and module load times, ns per step on the GPU (median of 3 timed runs after a warm-up), the
 * memory traffic a step needs at least and the bandwidth that achieves against the device's peak, and the
 * CPU backend (TinyCC kernel, OpenBLAS or sparse rows) on the same network beside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda_run.h"
#include "netgen.h"
#include "network.h"
#include "rectic.h"

static int device;

/* Monotonic seconds. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Ascending doubles, for the median. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Seconds per step of `net` over `steps` steps: the median of `reps` runs after one warm-up run. */
static double time_steps(rectic_net *net, long steps, int reps, const double *in)
{
    double t[8];
    rectic_net_run(net, steps < 20 ? steps : 20, in, 1);
    for (int r = 0; r < reps && r < 8; r++) {
        double t0 = now();
        if (rectic_net_run(net, steps, in, 1) != RECTIC_OK) {
            fprintf(stderr, "bench_gpu: %s\n", rectic_errmsg(net));
            return -1;
        }
        t[r] = (now() - t0) / (double)steps;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp_double);
    return t[reps / 2];
}

/* Bytes a QIF step must move at least: the update (v, s, s_in, eta read; v, s written) and the coupling
   (dense: W; sparse: the rows' pointers, columns and values, the source and the target). */
static double step_bytes(const ng_net *g, int coupled, size_t rs)
{
    double n = (double)g->n, b = 6.0 * n * (double)rs;
    if (coupled && g->dense)
        b += n * n * (double)rs + 2.0 * n * (double)rs;
    else if (coupled)
        b += (n + 1) * 8.0 + (double)g->nnz * (4.0 + (double)rs) + 2.0 * n * (double)rs;
    return b;
}

typedef struct row {
    char net[64], dtype[8];
    double nvrtc_ms, load_ms, gpu_ns, bytes, gbs, peak_pct, cpu_ns, speedup;
    double spikes_per_step; /* over the last timed GPU run */
    char coupling[16], cpu_coupling[16];
} row;

/* Benchmarks one network on the GPU and the CPU. */
static int bench(row *out, const char *label, long n, long in_degree, int coupled, int dtype, long gpu_steps,
                 long cpu_steps, double peak)
{
    memset(out, 0, sizeof *out);
    snprintf(out->net, sizeof out->net, "%s", label);
    snprintf(out->dtype, sizeof out->dtype, "%s", dtype ? "float32" : "float64");
    ng_net g;
    if (ng_make(&g, n, in_degree, (uint64_t)n)) {
        fprintf(stderr, "bench_gpu: out of memory for %s\n", label);
        return -1;
    }
    double *in = ng_inputs(gpu_steps > cpu_steps ? gpu_steps : cpu_steps, 1, 3);
    char msg[4096];
    size_t rs = dtype ? sizeof(float) : sizeof(double);
    for (int b = 0; b < 2; b++) {
        long steps = b ? cpu_steps : gpu_steps;
        if (steps <= 0)
            continue;
        double t0 = now();
        rectic_net *net = ng_net_new(&g, dtype, b ? RECTIC_BACKEND_TCC : RECTIC_BACKEND_NVRTC, device, msg, sizeof msg);
        if (!net) {
            fprintf(stderr, "bench_gpu: %s (%s): %s\n", label, b ? "CPU" : "GPU", msg);
            continue;
        }
        double setup = now() - t0;
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
            out->bytes = step_bytes(&g, coupled, rs);
            out->gbs = out->bytes / per / 1e9;
            out->peak_pct = peak > 0 ? 100.0 * out->bytes / per / peak : 0;
            out->spikes_per_step = (double)count / (double)steps;
            snprintf(out->coupling, sizeof out->coupling, "%s", rectic_net_coupling(net));
            fprintf(stderr, "  %-28s %s GPU: setup %.2f s, %.0f ns/step\n", label, out->dtype, setup, per * 1e9);
        } else {
            out->cpu_ns = per * 1e9;
            snprintf(out->cpu_coupling, sizeof out->cpu_coupling, "%s", rectic_net_coupling(net));
            fprintf(stderr, "  %-28s %s CPU: setup %.2f s, %.0f ns/step\n", label, out->dtype, setup, per * 1e9);
        }
        rectic_net_free(net);
    }
    out->speedup = out->gpu_ns > 0 && out->cpu_ns > 0 ? out->cpu_ns / out->gpu_ns : 0;
    free(in);
    ng_free(&g);
    return 0;
}

/* Probes the device, benchmarks every configuration and prints (and writes) the table. */
int main(int argc, char **argv)
{
    int quick = 0;
    const char *md = NULL, *only = NULL; /* --only: just the networks whose label contains TEXT */
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
            fprintf(stderr, "usage: bench_gpu [--device N] [--quick] [--only TEXT] [--out FILE.md]\n");
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
    double peak = info.peak_bandwidth;
    struct cfg {
        const char *label;
        long n, in_degree;
        int coupled;
        long gpu_steps, cpu_steps;
    } cfgs[] = {
        {"N=1e3 dense", 1000, 0, 1, 20000, 2000},
        {"N=1e4 dense", 10000, 0, 1, 2000, 20},
        {"N=1e5 sparse (in-degree 100)", 100000, 100, 1, 2000, 20},
        {"N=1e6 sparse (in-degree 100)", 1000000, 100, 1, 300, 3},
        {"N=1e6 uncoupled", 1000000, -1, 0, 2000, 20},
    };
    int n_cfg = (int)(sizeof cfgs / sizeof cfgs[0]);
    row rows[32];
    int n_rows = 0;
    for (int c = 0; c < n_cfg; c++)
        for (int dtype = 0; dtype < 2; dtype++) {
            if ((quick == 1 && cfgs[c].n >= 1000000) || (only && !strstr(cfgs[c].label, only)))
                continue;
            long n = quick > 1 ? cfgs[c].n / quick : cfgs[c].n, in_degree = cfgs[c].in_degree;
            if (in_degree > n / 2)
                in_degree = n / 2;
            if (bench(&rows[n_rows], cfgs[c].label, n, in_degree, cfgs[c].coupled, dtype,
                      quick > 1 ? 20 : quick ? cfgs[c].gpu_steps / 4 : cfgs[c].gpu_steps, quick ? 2 : cfgs[c].cpu_steps,
                      peak) == 0)
                n_rows++;
        }
    FILE *f = md ? fopen(md, "w") : NULL;
    FILE *outs[2] = {stdout, f};
    for (int o = 0; o < 2; o++) {
        FILE *w = outs[o];
        if (!w)
            continue;
        fprintf(w, "GPU: %s (cuda:%d), compute capability %d.%d, %d SMs, peak memory bandwidth %.0f GB/s (from the "
                   "memory clock and bus width)\n\n", info.name, device, info.cc_major, info.cc_minor, info.sm_count,
                peak / 1e9);
        fprintf(w, "| network | dtype | coupling (GPU / CPU) | NVRTC ms | load ms | GPU ns/step | bytes/step (min) | "
                   "GB/s | %% of peak | CPU ns/step | GPU speed-up | spikes/step |\n");
        fprintf(w, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int k = 0; k < n_rows; k++) {
            const row *r = &rows[k];
            fprintf(w, "| %s | %s | %s / %s | %.0f | %.1f | %.0f | %.3g | %.0f | %.0f | %.0f | %.1fx | %.2f |\n", r->net,
                    r->dtype, r->coupling, r->cpu_coupling[0] ? r->cpu_coupling : "-", r->nvrtc_ms, r->load_ms,
                    r->gpu_ns, r->bytes, r->gbs, r->peak_pct, r->cpu_ns, r->speedup, r->spikes_per_step);
        }
        fprintf(w, "\nGPU: median of 3 timed runs after a warm-up; CPU: one timed run (TinyCC kernel; OpenBLAS GEMV "
                   "for dense, compressed sparse rows for sparse J).  bytes/step (min): the traffic a step cannot avoid "
                   "(the update reads v, s, s_in, eta and writes v, s; the coupling reads W or its rows once).\n");
    }
    if (f)
        fclose(f);
    return 0;
}

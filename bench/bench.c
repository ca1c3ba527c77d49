/*
 * bench.c -- rectic's benchmarks: ns per Euler step of the generated kernel against a hand-written
 * gcc -O3 reference (bench/reference/qif_ref.c) measured in the same run, JIT time, and the whole
 * `rectic run` command's wall time on the seed example.
 *
 *   bench [RECTIC_BINARY] [--quick] [--big] [--only TEXT]
 *
 * prints a table and writes bench/results.md; --only runs just the rows whose network name contains TEXT
 * (and writes nothing), for working on one figure (--only startup: the memory and start-up rows of
 * bench/startup.c, their Markdown table on stdout; --only brian2: the row beside Brian2's compiled program,
 * bench/brian2net.c; --only populations: the E/I row of bench/popbench.c; --only reservoir: the reservoir row
 * of bench/ridgebench.c; --only rls: the online-learning rows of bench/rlsbench.c; --only circuits: the
 * PyRates circuit row of bench/circbench.c, ../shared or $RECTIC_SHARED holding the templates); --big adds
 * the start-up row with 10^8 synapses (2.4 GB of weights, ~1 minute).
 *
 * Networks (fixed, so that no figure comes from a silent network): the seed example (RectiPy's QIF
 * network, N=5); and QIF networks with J dense uniform(-1,1)*2/sqrt(N), eta per neuron uniform(-1,5),
 * input 7 + N(0,1) per neuron and step, initial v uniform(-100,100), dt = 1e-3.
 */
#include <math.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rectic.h"
#include "reference/qif_ref.h"
#include "brian2net.h"
#include "popbench.h"
#include "ridgebench.h"
#include "rlsbench.h"
#include "circbench.h"
#include "startup.h"

extern char **environ;

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define REPEAT 5

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64* uniform in [0,1) and a Box-Muller normal: reproducible benchmark data. */
static uint64_t rng_state = 88172645463325252ULL;
static double uniform(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}
static double normal(void)
{
    double u = uniform(), v = uniform();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(2.0 * M_PI * v);
}

/* numpy's legacy MT19937 (seed 42) for the seed example's weights. */
static void numpy_seed42_rand(double *out, int count)
{
    uint32_t mt[624];
    mt[0] = 42;
    for (int i = 1; i < 624; i++)
        mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + (uint32_t)i;
    int idx = 624;
    for (int c = 0; c < count; c++) {
        uint32_t r[2];
        for (int h = 0; h < 2; h++) {
            if (idx >= 624) {
                for (int k = 0; k < 624; k++) {
                    uint32_t y = (mt[k] & 0x80000000u) | (mt[(k + 1) % 624] & 0x7fffffffu);
                    mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
                }
                idx = 0;
            }
            uint32_t y = mt[idx++];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9d2c5680u;
            y ^= (y << 15) & 0xefc60000u;
            y ^= y >> 18;
            r[h] = y;
        }
        out[c] = ((r[0] >> 5) * 67108864.0 + (r[1] >> 6)) / 9007199254740992.0;
    }
}

typedef struct network {
    const char *name;
    long n, steps;
    double *w;                /* dense n x n, or NULL */
    double *coo;              /* sparse: nnz rows of (target, source, weight) */
    long nnz;
    long *ptr;                /* the same in compressed rows, for the reference */
    int *col;
    double *val;
    double *eta, *v0, *inputs; /* inputs: steps x n */
    double threshold, reset;
} network;

static network seed_network(void)
{
    network b = {.name = "seed example N=5", .n = 5, .steps = 30000, .threshold = 100, .reset = -100};
    b.w = malloc(sizeof(double) * 25);
    b.eta = malloc(sizeof(double) * 5);
    b.v0 = malloc(sizeof(double) * 5);
    b.inputs = calloc((size_t)(b.steps * b.n), sizeof(double));
    numpy_seed42_rand(b.w, 25);
    for (int i = 0; i < 25; i++)
        b.w[i] *= 20.0;
    for (int i = 0; i < 5; i++) {
        b.eta[i] = -5.0;
        b.v0[i] = -2.0;
    }
    for (long t = 0; t < b.steps; t++) {
        b.inputs[t * 5 + 2] = 20.0 * sin(2.0 * M_PI * 0.5 * (double)t * 1e-3);
        b.inputs[t * 5 + 4] = 10.0 * sin(2.0 * M_PI * 0.25 * (double)t * 1e-3);
    }
    return b;
}

/* Per-neuron eta, initial v and noisy inputs of the benchmark networks. */
static void fill_neurons(network *b)
{
    b->eta = malloc(sizeof(double) * (size_t)b->n);
    b->v0 = malloc(sizeof(double) * (size_t)b->n);
    b->inputs = malloc(sizeof(double) * (size_t)(b->n * b->steps));
    for (long i = 0; i < b->n; i++) {
        b->eta[i] = -1.0 + 6.0 * uniform();
        b->v0[i] = -100.0 + 200.0 * uniform();
    }
    for (long i = 0; i < b->n * b->steps; i++)
        b->inputs[i] = 7.0 + normal();
}

static network dense_network(long n, long steps, const char *name)
{
    network b = {.name = name, .n = n, .steps = steps, .threshold = 100, .reset = -100};
    b.w = malloc(sizeof(double) * (size_t)(n * n));
    double scale = 2.0 / sqrt((double)n);
    for (long i = 0; i < n * n; i++)
        b.w[i] = (2.0 * uniform() - 1.0) * scale;
    fill_neurons(&b);
    return b;
}

/* Fixed in-degree 100 with random sources; entries uniform(-1,1)*2/sqrt(100). */
static network sparse_network(long n, long steps, const char *name)
{
    const long indeg = 100;
    network b = {.name = name, .n = n, .steps = steps, .threshold = 100, .reset = -100, .nnz = n * indeg};
    b.coo = malloc(sizeof(double) * 3 * (size_t)b.nnz);
    b.ptr = malloc(sizeof(long) * (size_t)(n + 1));
    b.col = malloc(sizeof(int) * (size_t)b.nnz);
    b.val = malloc(sizeof(double) * (size_t)b.nnz);
    b.ptr[0] = 0;
    for (long i = 0; i < n; i++) {
        /* sorted distinct sources: rectic's rows hold them in this order too */
        long k0 = i * indeg;
        for (long k = 0; k < indeg; k++)
            b.col[k0 + k] = (int)((uint64_t)(uniform() * (double)n) % (uint64_t)n);
        for (long a = 1; a < indeg; a++) /* insertion sort of one row */
            for (long c = a; c > 0 && b.col[k0 + c - 1] > b.col[k0 + c]; c--) {
                int t = b.col[k0 + c];
                b.col[k0 + c] = b.col[k0 + c - 1];
                b.col[k0 + c - 1] = t;
            }
        for (long k = 1; k < indeg; k++)
            if (b.col[k0 + k] == b.col[k0 + k - 1])
                b.col[k0 + k] = (b.col[k0 + k] + 1) % (int)n; /* rare repeats: nudge (may unsort one pair) */
        for (long k = 0; k < indeg; k++) {
            b.val[k0 + k] = (2.0 * uniform() - 1.0) * 0.2;
            b.coo[3 * (k0 + k)] = (double)i;
            b.coo[3 * (k0 + k) + 1] = b.col[k0 + k];
            b.coo[3 * (k0 + k) + 2] = b.val[k0 + k];
        }
        b.ptr[i + 1] = k0 + indeg;
    }
    fill_neurons(&b);
    return b;
}

static void free_network(network *b)
{
    free(b->w), free(b->coo), free(b->ptr), free(b->col), free(b->val), free(b->eta), free(b->v0), free(b->inputs);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double median, min, max;
} stats;

static stats summarize(double *x, int count)
{
    qsort(x, (size_t)count, sizeof *x, cmp_double);
    stats s = {x[count / 2], x[0], x[count - 1]};
    return s;
}

/* One benchmark row: a network run with a coupling strategy, backend, precision and thread count. */
typedef struct config {
    network *net;
    int coupling, backend, dtype, threads;
    int reference;            /* measure the hand-written reference too */
} config;

typedef struct result {
    stats rectic_ns, ref_ns;
    double jit_ms, spikes_per_step;
    const char *coupling, *kernel;
} result;

/* The spec of benchmark network b: the QIF template, its weights (dense or COO), roles and spike rule. */
static void bench_spec(rectic_spec *s, const network *b)
{
    rectic_spec_init(s);
    s->template_ref = QIF;
    s->op = "qif_op";
    s->n = b->n;
    s->weights = b->w;
    s->weights_coo = b->w ? NULL : b->coo;
    s->nnz = b->w ? 0 : b->nnz;
    s->source_var = "s";
    s->target_var = "s_in";
    s->input_var = "I_ext";
    s->output_var = "s";
    s->spike_var = "spike";
    s->spike_def = "v";
    s->spike_threshold = b->threshold;
    s->spike_reset = b->reset;
}

/* The network of a configuration with its eta and initial v, or NULL after saying why. */
static rectic_net *bench_net(const config *cf)
{
    const network *b = cf->net;
    rectic_spec s;
    bench_spec(&s, b);
    s.coupling = cf->coupling;
    s.backend = cf->backend;
    s.dtype = cf->dtype;
    rectic_net *net;
    if (rectic_net_new(&net, &s) != RECTIC_OK || rectic_net_set(net, "eta", b->eta, b->n) != RECTIC_OK ||
        rectic_net_set(net, "v", b->v0, b->n) != RECTIC_OK) {
        fprintf(stderr, "bench: %s\n", rectic_errmsg(net));
        rectic_net_free(net);
        return NULL;
    }
    return net;
}

/* ns per step of rectic and (optionally) of the reference on the same network. */
static int measure(const config *cf, result *r)
{
    const network *b = cf->net;
    rectic_set_threads(cf->threads);
    rectic_net *net = bench_net(cf);
    if (!net)
        return -1;
    rectic_net_threads(net, cf->threads);
    double t_rectic[REPEAT], t_ref[REPEAT], jit = 0;
    long spikes = 0;
    size_t n = (size_t)b->n;
    double *v = malloc(sizeof(double) * n), *sv = malloc(sizeof(double) * n), *sin_ = malloc(sizeof(double) * n),
           *rec = b->w ? malloc(sizeof(double) * n * (size_t)b->steps) : NULL;
    qif_ref_net q = {b->n, 1e-3, b->threshold, b->reset, 1.0, 1.0, 1.0, b->w, b->eta, 1};
    for (int k = 0; k < REPEAT; k++) {
        rectic_net_reset(net);
        if (rectic_net_run(net, b->steps, b->inputs, b->n) != RECTIC_OK) {
            fprintf(stderr, "bench: %s\n", rectic_errmsg(net));
            return -1;
        }
        rectic_timings t;
        rectic_net_timings(net, &t);
        t_rectic[k] = t.run / (double)b->steps * 1e9;
        if (k == 0)
            jit = t.jit;
        const long *pairs;
        rectic_net_spikes(net, &spikes, &pairs);
        t_ref[k] = 0;
        if (cf->reference) {
            memcpy(v, b->v0, sizeof(double) * n);
            memset(sv, 0, sizeof(double) * n);
            double t0 = now();
            if (b->w)
                qif_ref_run(&q, b->steps, b->inputs, v, sv, sin_, rec);
            else
                qif_ref_run_csr(&q, b->ptr, b->col, b->val, b->steps, b->inputs, v, sv, sin_);
            t_ref[k] = (now() - t0) / (double)b->steps * 1e9;
        }
    }
    r->rectic_ns = summarize(t_rectic, REPEAT);
    r->ref_ns = summarize(t_ref, REPEAT);
    r->jit_ms = jit * 1e3;
    r->spikes_per_step = (double)spikes / (double)b->steps;
    r->coupling = rectic_net_coupling(net);
    r->kernel = rectic_net_backend(net);
    free(v), free(sv), free(sin_), free(rec);
    rectic_net_free(net);
    rectic_set_threads(1);
    return 0;
}

static void fmt_stats(char *out, size_t size, stats st);

/* Threads that help (issue 15): the same network run with 1 and 2 threads (OpenBLAS's and the kernel's
   loops), the two alternating run after run (this machine's speed drifts over minutes: the figures of a row
   must come from the same minutes); per-step medians of `rounds` runs each. */
static int measure_threads(const config *cf, int rounds, stats *one, stats *two, const char **coupling)
{
    const network *b = cf->net;
    rectic_net *net = bench_net(cf);
    if (!net)
        return -1;
    double t[2][16];
    for (int k = -1; k < rounds && k < 16; k++) /* round -1 warms up (first touch of the weights and buffers) */
        for (int th = 1; th <= 2; th++) {
            rectic_set_threads(th);
            rectic_net_threads(net, th);
            rectic_net_reset(net);
            if (rectic_net_run(net, b->steps, b->inputs, b->n) != RECTIC_OK) {
                fprintf(stderr, "bench: %s\n", rectic_errmsg(net));
                rectic_net_free(net);
                return -1;
            }
            rectic_timings tm;
            rectic_net_timings(net, &tm);
            if (k >= 0)
                t[th - 1][k] = tm.run / (double)b->steps * 1e9;
        }
    *one = summarize(t[0], rounds);
    *two = summarize(t[1], rounds);
    *coupling = rectic_net_coupling(net);
    rectic_net_free(net);
    rectic_set_threads(1);
    return 0;
}

/* One thread's share of the bandwidth probe: a vectorisable sum of x[lo..hi). */
typedef struct bw_part {
    const double *x;
    size_t lo, hi;
    double sum;
} bw_part;

static void *bw_sum(void *arg)
{
    bw_part *p = arg;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = p->lo; i + 3 < p->hi; i += 4)
        s0 += p->x[i], s1 += p->x[i + 1], s2 += p->x[i + 2], s3 += p->x[i + 3];
    p->sum = s0 + s1 + s2 + s3;
    return NULL;
}

/* GB/s reading 256 MiB with 1 and with 2 threads (best of 5 each, alternating): whether a second core reads
   memory any faster here, which a dense product (bandwidth-bound) needs to gain from a second thread. */
static void bandwidth_1_2(double *one, double *two)
{
    size_t n = (size_t)32 << 20;
    double *x = malloc(n * sizeof *x);
    *one = *two = 0;
    if (!x)
        return;
    for (size_t i = 0; i < n; i++)
        x[i] = (double)(i & 7);
    volatile double sink = 0;
    for (int k = 0; k < 10; k++) {
        int t = 1 + k % 2;
        bw_part parts[2] = {{x, 0, n / (size_t)t, 0}, {x, n / 2, n, 0}};
        pthread_t th;
        double t0 = now();
        if (t == 2 && pthread_create(&th, NULL, bw_sum, &parts[1]) != 0)
            continue;
        bw_sum(&parts[0]);
        if (t == 2)
            pthread_join(th, NULL);
        double gbs = (double)(n * sizeof *x) / (now() - t0) / 1e9;
        sink += parts[0].sum + parts[1].sum;
        double *best = t == 1 ? one : two;
        *best = gbs > *best ? gbs : *best;
    }
    free(x);
}

/* The rows of threads 1 and 2 (bench --threads-only, and the table of make bench): speed of 2 threads
   relative to 1 against the targets of issue 15.  only: the rows whose "network coupling kernel" contains
   it, or NULL. */
static int threads_rows(FILE *md, int quick, const char *only)
{
    network d4000 = dense_network(4000, quick ? 20 : 60, "dense N=4000"),
            d8000 = dense_network(8000, quick ? 8 : 25, "dense N=8000"),
            e8000 = dense_network(8000, quick ? 100 : 400, "dense N=8000"), /* event steps: ~1 ms, not 50 */
            s100k = sparse_network(100000, quick ? 30 : 200, "sparse N=10^5, in-degree 100");
    enum { CC = RECTIC_BACKEND_CC, TCC = RECTIC_BACKEND_TCC, AUTO = RECTIC_COUPLING_AUTO,
           EVENT = RECTIC_COUPLING_EVENT, F64 = RECTIC_FLOAT64 };
    struct { config cf; double target; } rows[] = {
        {{&d8000, AUTO, CC, F64, 0, 0}, 1.5},
        {{&d8000, AUTO, TCC, F64, 0, 0}, 1.5},
        {{&d4000, AUTO, CC, F64, 0, 0}, 0.95},
        {{&e8000, EVENT, CC, F64, 0, 0}, 0.95},
        {{&s100k, RECTIC_COUPLING_SPARSE, CC, F64, 0, 0}, 0.95},
        {{&s100k, EVENT, CC, F64, 0, 0}, 0.95},
    };
    int rounds = quick ? 3 : 9, rc = 0;
    double bw1, bw2, load[2] = {0, 0};
    bandwidth_1_2(&bw1, &bw2);
    FILE *la = fopen("/proc/loadavg", "r");
    if (!la || fscanf(la, "%lf", &load[0]) != 1)
        load[0] = -1;
    if (la)
        fclose(la);
    char *table = NULL;
    size_t table_len = 0;
    FILE *t_md = open_memstream(&table, &table_len);
    if (!t_md)
        return -1;
    printf("\nthreads: 1 vs 2, interleaved, %d runs each; memory read by 1 thread %.1f GB/s, by 2 %.1f GB/s\n", rounds,
           bw1, bw2);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0] && !rc; k++) {
        const char *kernel = rows[k].cf.backend == CC ? "cc" : "tcc";
        const char *mode = rows[k].cf.coupling == EVENT ? "event" : rows[k].cf.coupling == AUTO ? "auto" : "sparse";
        char what[160];
        snprintf(what, sizeof what, "%s %s %s", rows[k].cf.net->name, mode, kernel);
        if (only && !strstr(what, only))
            continue;
        stats one, two;
        const char *coupling = "";
        if (measure_threads(&rows[k].cf, rounds, &one, &two, &coupling)) {
            rc = -1;
            break;
        }
        char a[64], b[64];
        fmt_stats(a, sizeof a, one);
        fmt_stats(b, sizeof b, two);
        double up = one.median / two.median;
        int parallel = rows[k].cf.net->n >= 4096 && rows[k].cf.backend == CC; /* the kernel's loops use threads */
        char target[48];
        if (parallel)
            snprintf(target, sizeof target, ">= %.2f%s", rows[k].target, up >= rows[k].target ? "" : " (missed)");
        else
            snprintf(target, sizeof target, "- (>= %.2f: %s)", 0.95, up >= 0.95 ? "met" : "missed");
        printf("%-30s %-7s %-4s %26s %26s %5.2fx (target %s)\n", rows[k].cf.net->name, coupling, kernel, a, b, up, target);
        fflush(stdout);
        fprintf(t_md, "| %s | %s | %s | %s | %s | %s | %.2f× | %s |\n", rows[k].cf.net->name, coupling, kernel,
                !parallel ? "nobody (one thread)" : coupling[0] == 'd' ? "kernel (rows in blocks of 64)" : "kernel", a, b,
                up, target);
    }
    fclose(t_md);
    la = fopen("/proc/loadavg", "r");
    if (!la || fscanf(la, "%lf", &load[1]) != 1)
        load[1] = -1;
    if (la)
        fclose(la);
    fprintf(md, "\nThreads (issue 15; `bench --threads-only`): each network run with 1 and 2 threads (`--threads K`), "
                "the two alternating run after run, %d runs each (of 25 steps for dense N = 8000, 60 for N = 4000, 400 "
                "for event coupling at N = 8000, 200 for N = 10^5); time per step, median (min-max); speed-up = time with "
                "1 thread / time with 2. Targets: at least 0.95 where threads are used, at least 1.5 for dense N = 8000. "
                "Who uses the threads: the cc kernel's own OpenMP pool for N >= 4096 (its loops over neurons in chunks "
                "of 1024 as threads come free, the dense product by rectic's row kernel in blocks of 64 rows, event "
                "updates of at least 65536 elements); TinyCC's kernels and cc's below N = 4096 run on one thread "
                "(the dense product no longer goes through OpenBLAS's threads), so their rows show what asking for 2 "
                "threads costs where nothing uses them. Memory read in the same run: %.1f GB/s with 1 thread, "
                "%.1f GB/s with 2 (a dense product reads W once a step: it gains from a second thread only as far as "
                "a second core reads memory faster). Load average %.1f before the rows, %.1f after: this machine has 2 "
                "cores shared with other work.\n\n"
                "| network | coupling | kernel | threads used by | 1 thread | 2 threads | speed-up | target |\n"
                "|---|---|---|---|---|---|---|---|\n%s", rounds, bw1, bw2, load[0], load[1], table ? table : "");
    if (!rc && (!only || strstr("E/I populations", only)))
        rc = popbench_threads_rows(md, quick); /* a network of populations (bench/popbench.c) */
    free(table);
    free_network(&d4000), free_network(&d8000), free_network(&e8000), free_network(&s100k);
    return rc;
}

/* Removes a temporary directory of the benchmark and what it holds. */
static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
}

/* Writes a matrix as CSV for the command-line benchmark. */
static int write_csv(const char *path, const double *a, long rows, long cols)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < cols; j++)
            fprintf(f, "%.17g%c", a[i * cols + j], j + 1 < cols ? ',' : '\n');
    return fclose(f);
}

/* Median wall time (ms) of the whole `rectic run` command on the seed example, writing .npy files. */
static int time_cli(const char *rectic, const network *b, stats *out)
{
    char dir[] = "/tmp/rectic-bench-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    char wpath[64], ipath[64], opath[64];
    snprintf(wpath, sizeof wpath, "%s/J.csv", dir);
    snprintf(ipath, sizeof ipath, "%s/inp.csv", dir);
    snprintf(opath, sizeof opath, "%s/out", dir);
    if (write_csv(wpath, b->w, b->n, b->n) || write_csv(ipath, b->inputs, b->steps, b->n))
        return -1;
    char *argv[] = {(char *)rectic, "run", QIF, "--backend", "tcc", "--op", "qif_op", "--weights", wpath, "--source-var", "s",
                    "--target-var", "s_in", "--input-var", "I_ext", "--output-var", "s", "--spike-var", "spike",
                    "--spike-def", "v", "--dt", "1e-3", "--inputs", ipath, "--record", "v", "--format", "npy",
                    "-q", "-o", opath, NULL};
    double t[REPEAT];
    for (int k = 0; k < REPEAT; k++) {
        pid_t pid;
        double t0 = now();
        if (posix_spawn(&pid, rectic, NULL, NULL, argv, environ) != 0)
            return -1;
        int status;
        waitpid(pid, &status, 0);
        t[k] = (now() - t0) * 1e3;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return -1;
    }
    *out = summarize(t, REPEAT);
    remove_dir(dir);
    return 0;
}

/* Tiered mode from a cold cache: the time from rectic_net_new to the end of the first step, and the time
   per step once the optimized kernel has taken over (it compiles in the background meanwhile). */
static int measure_tiered(const network *b, double *first_ms, double *steady_ns, double *switch_ms)
{
    char dir[] = "/tmp/rectic-bench-cache-XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    setenv("XDG_CACHE_HOME", dir, 1);
    rectic_spec s;
    bench_spec(&s, b);
    s.backend = RECTIC_BACKEND_AUTO;
    double t0 = now();
    rectic_net *net;
    int rc = rectic_net_new(&net, &s) != RECTIC_OK || rectic_net_run(net, 1, b->inputs, b->n) != RECTIC_OK;
    *first_ms = (now() - t0) * 1e3;
    /* keep stepping (the seed network's inputs, over and over) until the kernel switches */
    while (!rc && strcmp(rectic_net_backend(net), "tcc") == 0 && now() - t0 < 30)
        rc = rectic_net_run(net, b->steps, b->inputs, b->n) != RECTIC_OK;
    *switch_ms = (now() - t0) * 1e3;
    if (!rc)
        rc = rectic_net_run(net, b->steps, b->inputs, b->n) != RECTIC_OK;
    rectic_timings t;
    rectic_net_timings(net, &t);
    *steady_ns = t.run / (double)b->steps * 1e9;
    rectic_net_free(net);
    remove_dir(dir);
    unsetenv("XDG_CACHE_HOME");
    return rc ? -1 : 0;
}

/* Brian2 C++ standalone on the same dense networks (bench/brian2_qif.py; event-driven synapses), when
   Debian's python3-brian is installed, each beside rectic's event-driven kernel measured again right after it
   (this machine's speed drifts by tens of percent over minutes: the two figures of a row must be close in
   time). */
static void brian2_rows(FILE *md, const config *event_cc[2], const double *rectic_jit_ms)
{
    if (system("/usr/bin/python3 -c 'import brian2' >/dev/null 2>&1") != 0) {
        printf("\nBrian2: not installed (Debian: python3-brian), no comparison\n");
        fprintf(md, "\nBrian2 C++ standalone: not measured (Debian's python3-brian is not installed).\n");
        return;
    }
    fprintf(md, "\nBrian2 C++ standalone (2.5.1, Debian's python3-brian) on the same dense networks with event-driven "
                "synapses (`u_post += w` on a spike, u' = -u/tau_s: the scheme of `--coupling event`), one thread, "
                "measured in this run (bench/brian2_qif.py; median of 5 runs of its program, and rectic's event kernel "
                "measured again right after it):\n\n| network | Brian2 per step | Brian2 build | rectic "
                "event (cc) per step | rectic JIT (TinyCC) | speed-up |\n|---|---|---|---|---|---|\n");
    if (!event_cc[0] || !event_cc[1])
        return;
    const network *nets[2] = {event_cc[0]->net, event_cc[1]->net};
    double rectic_ns[2];
    for (int k = 0; k < 2; k++) {
        char dir[] = "/tmp/rectic-brian2-XXXXXX", cmd[256];
        if (!mkdtemp(dir))
            return;
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/brian2_qif.py %ld %ld %s 2>/dev/null", nets[k]->n,
                 nets[k]->steps, dir);
        FILE *p = popen(cmd, "r");
        double ns = 0, build = 0, sps = 0;
        int got = p ? fscanf(p, "%lf %lf %lf", &ns, &build, &sps) : 0;
        if (p)
            pclose(p);
        remove_dir(dir);
        if (got != 3) {
            printf("Brian2 %s: failed\n", nets[k]->name);
            continue;
        }
        result r;
        config again = *event_cc[k];
        again.reference = 0; /* the dense reference is in the table above */
        if (measure(&again, &r))
            continue;
        rectic_ns[k] = r.rectic_ns.median;
        printf("Brian2 %s: %.1f us per step (%.2f spikes/step), build %.1f s; rectic event cc %.1f us: %.1fx faster\n",
               nets[k]->name, ns / 1e3, sps, build, rectic_ns[k] / 1e3, ns / rectic_ns[k]);
        fprintf(md, "| %s | %.1f µs | %.1f s | %.1f µs | %.2f ms | %.1f× per step, %.0f× to build |\n", nets[k]->name,
                ns / 1e3, build, rectic_ns[k] / 1e3, rectic_jit_ms[k], ns / rectic_ns[k],
                build * 1e3 / (rectic_jit_ms[k] > 0 ? rectic_jit_ms[k] : 1));
    }
}

/* The memory floor of the dense rows: the fastest of 21 reads of the N=1000 matrix (8 MB) on one core. */
static void memory_floor(FILE *md, const network *b)
{
    double t[21];
    volatile double sink = 0; /* the sums are used: no read is left out */
    long count = b->n * b->n;
    for (int k = 0; k < 21; k++) {
        double t0 = now();
        sink += qif_ref_read(b->w, count);
        t[k] = (now() - t0) * 1e6;
    }
    stats st = summarize(t, 21);
    double mb = (double)count * 8 / 1e6;
    printf("\nmemory floor: one read of the %s matrix (%.0f MB) takes at least %.0f us (median %.0f) on one core, "
           "%.1f GB/s\n", b->name, mb, st.min, st.median, mb / st.min * 1e3);
    fprintf(md, "\nMemory floor: one read of the %s matrix (%.0f MB; a vectorised sum, bench/reference/qif_ref.c) takes "
                "at least **%.0f µs** on one core here (the fastest of 21 reads, median %.0f µs; %.1f GB/s): no dense "
                "step of that network can be faster on one core.\n", b->name, mb, st.min, st.median, mb / st.min * 1e3);
}

/* Formats "median (min-max)" in the unit that fits. */
static void fmt_stats(char *out, size_t size, stats st)
{
    double scale = st.median >= 1e6 ? 1e6 : st.median >= 1e3 ? 1e3 : 1;
    const char *unit = scale == 1e6 ? "ms" : scale == 1e3 ? "µs" : "ns";
    snprintf(out, size, "%.3g %s (%.3g-%.3g)", st.median / scale, unit, st.min / scale, st.max / scale);
}

int main(int argc, char **argv)
{
    const char *rectic = "build/rectic";
    const char *only = NULL;
    int quick = 0, big = 0, threads_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--big"))
            big = 1;
        else if (!strcmp(argv[i], "--threads-only"))
            threads_only = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else
            rectic = argv[i];
    }
    FILE *md = fopen(only || threads_only ? "/dev/null" : "bench/results.md", "w");
    if (!md) {
        perror("bench/results.md");
        return 1;
    }
    if (only && !strcmp(only, "startup")) { /* its table in Markdown on stdout */
        fclose(md);
        return startup_rows(stdout, rectic, big) ? 1 : 0;
    }
    if (only && !strcmp(only, "brian2")) { /* the row beside Brian2's program, in Markdown on stdout */
        fclose(md);
        return brian2net_row(stdout, rectic) ? 1 : 0;
    }
    if (only && !strcmp(only, "populations")) {
        fclose(md);
        return popbench_rows(stdout, quick) ? 1 : 0;
    }
    if (threads_only) { /* the 1- and 2-thread rows, their Markdown table on stdout */
        fclose(md);
        return threads_rows(stdout, quick, only) ? 1 : 0;
    }
    if (only && !strcmp(only, "reservoir")) {
        fclose(md);
        return ridgebench_rows(stdout, quick) ? 1 : 0;
    }
    if (only && !strcmp(only, "rls")) {
        fclose(md);
        return rlsbench_rows(stdout, quick) ? 1 : 0;
    }
    const char *shared = getenv("RECTIC_SHARED") ? getenv("RECTIC_SHARED") : "../shared";
    if (only && !strcmp(only, "circuits")) {
        fclose(md);
        return circbench_rows(stdout, rectic, shared, quick) < 0;
    }
    /* first, while this process is small (a forked child starts with its resident pages), kept for the end */
    char *startup = NULL;
    size_t startup_len = 0;
    FILE *su = only ? NULL : open_memstream(&startup, &startup_len);
    if (su && (startup_rows(su, rectic, big) || brian2net_row(su, rectic))) {
        fclose(su);
        free(startup);
        fclose(md);
        return 1;
    }
    if (su)
        fclose(su);
    network seed = seed_network(), d100 = dense_network(100, quick ? 2000 : 20000, "dense N=100"),
            d1000 = dense_network(1000, quick ? 300 : 2000, "dense N=1000"),
            d4000 = dense_network(4000, quick ? 30 : 200, "dense N=4000"),
            s10k = sparse_network(10000, quick ? 100 : 1000, "sparse N=10^4, in-degree 100"),
            s100k = sparse_network(100000, quick ? 10 : 100, "sparse N=10^5, in-degree 100");
    enum { AUTO = RECTIC_COUPLING_AUTO, DENSE = RECTIC_COUPLING_DENSE, SPARSE = RECTIC_COUPLING_SPARSE,
           EVENT = RECTIC_COUPLING_EVENT, TCC = RECTIC_BACKEND_TCC, CC = RECTIC_BACKEND_CC,
           F64 = RECTIC_FLOAT64, F32 = RECTIC_FLOAT32 };
    config cfs[] = {
        {&seed, AUTO, TCC, F64, 1, 1},     {&seed, AUTO, CC, F64, 1, 1},    {&seed, DENSE, TCC, F64, 1, 1},
        {&d100, AUTO, TCC, F64, 1, 1},     {&d100, AUTO, CC, F64, 1, 1},
        {&d1000, AUTO, TCC, F64, 1, 1},    {&d1000, AUTO, TCC, F32, 1, 1},  {&d1000, EVENT, CC, F64, 1, 1},
        {&d4000, AUTO, TCC, F64, 1, 1},    {&d4000, AUTO, TCC, F32, 1, 1},
        {&d4000, EVENT, TCC, F64, 1, 1},   {&d4000, EVENT, CC, F64, 1, 1},
        {&s10k, SPARSE, TCC, F64, 1, 1},   {&s10k, SPARSE, CC, F64, 1, 1},  {&s10k, EVENT, CC, F64, 1, 1},
        {&s100k, SPARSE, TCC, F64, 1, 1},  {&s100k, SPARSE, CC, F64, 1, 1}, {&s100k, SPARSE, CC, F64, 2, 1},
        {&s100k, EVENT, CC, F64, 1, 1},    {&s100k, EVENT, CC, F64, 2, 1},
    };
    fprintf(md, "# rectic benchmarks\n\nWritten by `make bench` (bench/bench.c) on this machine; every figure of a "
                "row comes from the same run. Time per Euler step: median (min-max) of %d runs. The reference is "
                "bench/reference/qif_ref.c (the same QIF network written by hand: dense coupling as a loop for N <= 16 "
                "and OpenBLAS's cblas_dgemv above, or compressed sparse rows), compiled with gcc -O3 -march=native and "
                "measured in the same run; ratio = rectic / reference (rectic's dense product is its own row kernel, "
                "common/gemv_rows.h; the reference's GEMV runs on the threads of the row, its loops on one). QIF networks with dt = 1e-3, eta ~ U(-1,5), input "
                "7 + N(0,1), v0 ~ U(-100,100); dense J ~ U(-1,1)*2/sqrt(N), sparse in-degree 100.\n\n", REPEAT);
    fprintf(md, "| network | coupling | kernel | dtype | threads | spikes/step | rectic per step | reference per step "
                "| ratio | JIT ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
    printf("%-30s %-7s %-12s %-7s %3s %11s %26s %26s %6s %8s\n", "network", "coupl.", "kernel", "dtype", "thr",
           "spikes/step", "rectic per step", "reference per step", "ratio", "JIT ms");
    int rc = 0;
    const config *event_cc[2] = {NULL, NULL}; /* N = 1000, 4000: for the Brian2 comparison */
    double jit_ms_tcc[2] = {0, 0};
    for (size_t k = 0; k < sizeof cfs / sizeof cfs[0] && !rc; k++) {
        result r;
        if (only && !strstr(cfs[k].net->name, only))
            continue;
        if (measure(&cfs[k], &r)) {
            rc = 1;
            break;
        }
        if (cfs[k].net == &d1000 || cfs[k].net == &d4000) {
            if (cfs[k].coupling == EVENT && cfs[k].backend == CC && cfs[k].threads == 1)
                event_cc[cfs[k].net == &d4000] = &cfs[k];
            if (cfs[k].backend == TCC)
                jit_ms_tcc[cfs[k].net == &d4000] = r.jit_ms; /* TinyCC's JIT time of this network */
        }
        char a[64], b[64];
        fmt_stats(a, sizeof a, r.rectic_ns);
        fmt_stats(b, sizeof b, r.ref_ns);
        double ratio = r.rectic_ns.median / r.ref_ns.median;
        const char *dt = cfs[k].dtype == F32 ? "float32" : "float64";
        printf("%-30s %-7s %-12s %-7s %3d %11.3f %26s %26s %6.2f %8.2f\n", cfs[k].net->name, r.coupling, r.kernel, dt,
               cfs[k].threads, r.spikes_per_step, a, b, ratio, r.jit_ms);
        fflush(stdout);
        fprintf(md, "| %s | %s | %s | %s | %d | %.3f | %s | %s | %.2f | %.2f |\n", cfs[k].net->name, r.coupling,
                r.kernel, dt, cfs[k].threads, r.spikes_per_step, a, b, ratio, r.jit_ms);
    }
    if (!rc && (!only || strstr(d1000.name, only)))
        memory_floor(md, &d1000);
    stats cli;
    if (only)
        rc = rc ? rc : 2; /* one figure asked for: nothing else */
    if (!rc && time_cli(rectic, &seed, &cli) == 0) {
        printf("\nseed example, whole `rectic run --backend tcc` (load + generate + JIT + 30000 steps + write .npy): "
               "%.1f ms median (%.1f-%.1f)\n", cli.median, cli.min, cli.max);
        fprintf(md, "\nSeed example, the whole `rectic run --backend tcc` command (load + generate + JIT + 30000 steps + "
                    "read CSV inputs + write .npy): **%.1f ms** median (%.1f-%.1f); RectiPy needs 1.7 s.\n", cli.median,
                cli.min, cli.max);
    } else if (!rc) {
        fprintf(stderr, "bench: could not run %s\n", rectic);
        rc = 1;
    }
    double first_ms, steady_ns, switch_ms;
    if (!rc && measure_tiered(&seed, &first_ms, &steady_ns, &switch_ms) == 0) {
        printf("tiered mode (--backend auto, cold cache), seed example: first step done %.2f ms after the start; "
               "cc's kernel took over after %.0f ms; then %.1f ns per step\n", first_ms, switch_ms, steady_ns);
        fprintf(md, "\nTiered mode (`--backend auto`, cold cache) on the seed example: the first step is done **%.2f ms** "
                    "after `rectic_net_new` starts; the system compiler's kernel takes over after %.0f ms (it compiles in "
                    "the background while TinyCC's kernel steps); from then on %.1f ns per step.\n", first_ms, switch_ms,
                steady_ns);
    }
    if (!rc || (rc == 2 && event_cc[0] && event_cc[1])) /* also for --only "dense N=" */
        brian2_rows(md, event_cc, jit_ms_tcc);
    if (!rc && popbench_rows(md, quick))
        rc = 1;
    if (!rc && threads_rows(md, quick, NULL))
        rc = 1;
    if (!rc && ridgebench_rows(md, quick))
        rc = 1;
    if (!rc && rlsbench_rows(md, quick))
        rc = 1;
    if (!rc && circbench_rows(md, rectic, shared, quick) < 0)
        rc = 1;
    if (!rc && startup && fputs(startup, md) < 0)
        rc = 1;
    free(startup);
    network *nets[] = {&seed, &d100, &d1000, &d4000, &s10k, &s100k};
    for (size_t k = 0; k < sizeof nets / sizeof nets[0]; k++)
        free_network(nets[k]);
    fclose(md);
    return rc == 2 ? 0 : rc;
}

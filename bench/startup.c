/*
 * startup.c -- memory and start-up at scale: peak RSS (getrusage of the child) and wall time of a
 * one-step `rectic run` (process start to exit: an upper bound of the time to the first step) on weights
 * files generated here (deterministic, in $TMPDIR, removed afterwards), beside a memory-bandwidth probe
 * measured in the same run and the targets of issue 15.
 */
#include "startup.h"

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define RUNS 3 /* one-step runs per row after a warm-up run (page cache); the median is reported */

/* One row: the weights, how they are given, and the targets. */
typedef struct srow {
    const char *name;
    long n, degree;     /* degree 0: dense n x n .npy; else COO .npy with `degree` sources per target */
    const char *coupling;
    double max_first_s; /* target: time to the first step */
    double w_factor;    /* target: peak <= w_factor * kernel bytes + w_extra MiB */
    double w_extra;
} srow;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* xorshift64*: the weights are the same in every run. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static double uni(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Writes the header of a float64 .npy of rows x cols. */
static void npy_header(FILE *f, long rows, long cols)
{
    char h[128];
    int n = snprintf(h, sizeof h, "{'descr': '<f8', 'fortran_order': False, 'shape': (%ld, %ld), }", rows, cols);
    while ((10 + n + 1) % 64)
        h[n++] = ' ';
    h[n++] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)n, 0};
    fwrite(pre, 1, 10, f);
    fwrite(h, 1, (size_t)n, f);
}

static int write_weights(const char *path, const srow *r);

int bench_write_npy(const char *path, const double *x, long n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    npy_header(f, n, 1);
    size_t put = fwrite(x, sizeof *x, (size_t)n, f);
    return fclose(f) == 0 && put == (size_t)n ? 0 : -1;
}

int bench_write_coo(const char *path, long n, long degree)
{
    srow r = {"", n, degree, "auto", 0, 0, 0};
    return write_weights(path, &r);
}

/* Writes the row's weights to path: dense J ~ U(-1,1)*2/sqrt(N), or COO rows (target, source, w) with
   random sources, targets in order.  0 or -1. */
static int write_weights(const char *path, const srow *r)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    double buf[3 * 4096];
    size_t k = 0;
    long count = r->degree ? r->n * r->degree : r->n * r->n;
    npy_header(f, r->degree ? count : r->n, r->degree ? 3 : r->n);
    rng = 0x9E3779B97F4A7C15ULL;
    for (long e = 0; e < count; e++) {
        if (r->degree) {
            buf[k++] = (double)(e / r->degree);
            buf[k++] = (double)(long)(uni() * (double)r->n);
            buf[k++] = (uni() * 2 - 1) * 0.5 / sqrt((double)r->degree);
        } else {
            buf[k++] = (uni() * 2 - 1) * 2 / sqrt((double)r->n);
        }
        if (k + 3 > sizeof buf / sizeof buf[0]) {
            fwrite(buf, sizeof buf[0], k, f);
            k = 0;
        }
    }
    fwrite(buf, sizeof buf[0], k, f);
    return fclose(f) == 0 ? 0 : -1;
}

/* The timings of the run written into out (meta.json's "timings": seconds), all -1 when unreadable. */
typedef struct timings {
    double wall, unaccounted, run, write;
} timings;

/* The number after "key": in text (from `from`), or -1. */
static double json_number(const char *from, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *at = from ? strstr(from, k) : NULL;
    return at ? strtod(at + strlen(k), NULL) : -1;
}

static timings read_timings(const char *out)
{
    char path[4300], text[8192];
    snprintf(path, sizeof path, "%s/meta.json", out);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[len] = 0;
    const char *t = strstr(text, "\"timings\": {");
    timings r = {json_number(t, "wall"), json_number(t, "unaccounted"), json_number(t, "run"), json_number(t, "write")};
    return r;
}

int bench_spawn(char *const argv[], const char *cwd, double *wall_s, double *peak_mib, double *cpu_s)
{
    /* fork, not posix_spawn: a child that shares the parent's memory (vfork) inherits its peak RSS */
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        execve(argv[0], argv, environ);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    *wall_s = now_s() - t0;
    *peak_mib = (double)ru.ru_maxrss / 1024.0;
    *cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    return 0;
}

/* Runs `rectic run` one step on the row's weights (bench_spawn); 0 or -1. */
static int run_once(const char *rectic, const srow *r, const char *wpath, const char *out, double *wall_s,
                    double *peak_mib, double *cpu_s)
{
    char n[32];
    snprintf(n, sizeof n, "%ld", r->n);
    char *argv[] = {(char *)rectic, "run", "neuron_model_templates.spiking_neurons.qif.qif", "--op", "qif_op",
                    "--source-var", "s", "--target-var", "s_in", "--input-var", "I_ext", "--output-var", "s",
                    "--spike-var", "spike", "--spike-def", "v", "--backend", "tcc", "--steps", "1", "--format", "npy",
                    "--coupling", (char *)r->coupling, r->degree ? "--weights-coo" : "--weights", (char *)wpath,
                    "-N", n, "-o", (char *)out, "-q", NULL};
    return bench_spawn(argv, NULL, wall_s, peak_mib, cpu_s);
}

/* Reads 512 MiB (a vectorisable sum), best of 5: the machine's memory bandwidth in GB/s now. */
static double bandwidth_gbs(void)
{
    size_t n = (size_t)64 << 20;
    double *a = malloc(n * sizeof *a), best = 1e9, sink = 0;
    if (!a)
        return 0;
    for (size_t i = 0; i < n; i++)
        a[i] = (double)(i & 7);
    for (int t = 0; t < 5; t++) {
        double t0 = now_s(), s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t i = 0; i < n; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        double t1 = now_s() - t0;
        sink += s0 + s1 + s2 + s3;
        if (t1 < best)
            best = t1;
    }
    free(a);
    return sink > 0 ? (double)(n * sizeof(double)) / best / 1e9 : 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof x[0], cmp_d);
    return x[n / 2];
}

/* The median of RUNS numbers (sorted in place). */
static double median(double *x)
{
    return bench_median(x, RUNS);
}

/* What the runs of a row measured: medians (and the range of the whole one-step run). */
typedef struct measured {
    double first, wall, wall_lo, wall_hi, cpu, unaccounted, peak;
} measured;

/* Runs the row RUNS times after a warm-up run; 0 or -1.  first: the wall time less meta.json's run and write
   phases (the process's start to its first step, its teardown included). */
static int measure_row(const char *rectic, const srow *r, const char *wpath, const char *out, measured *m)
{
    double wall[RUNS], first[RUNS], cpu[RUNS], left[RUNS], t, p, c;
    m->peak = 0;
    for (int i = -1; i < RUNS; i++) {
        if (run_once(rectic, r, wpath, out, &t, &p, &c))
            return -1;
        if (i < 0)
            continue;
        timings tm = read_timings(out);
        wall[i] = t, cpu[i] = c, first[i] = t - tm.run - tm.write;
        left[i] = t - (tm.wall - tm.unaccounted); /* wall less the phases */
        m->peak = p > m->peak ? p : m->peak;
    }
    m->first = median(first), m->cpu = median(cpu), m->unaccounted = median(left);
    m->wall = median(wall), m->wall_lo = wall[0], m->wall_hi = wall[RUNS - 1];
    return 0;
}

/* The load average over the last minute, or -1. */
double bench_load(void)
{
    double x = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%lf", &x) != 1)
        x = -1;
    if (f)
        fclose(f);
    return x;
}

/* One row of the table into t_md (and a line on stdout). */
static void print_row(FILE *t_md, const srow *r, const measured *m)
{
    double kb = r->degree ? (12.0 * (double)r->n * (double)r->degree + 8.0 * (double)r->n) / 1048576.0
                          : 8.0 * (double)r->n * (double)r->n / 1048576.0;
    double tpeak = r->w_factor * kb + r->w_extra;
    char tfirst[32] = "-";
    if (r->max_first_s > 0)
        snprintf(tfirst, sizeof tfirst, "<= %.0f ms", r->max_first_s * 1e3);
    printf("%-28s %-6s kernel %8.1f MiB  peak %8.1f MiB (%.2fx; target <= %.1f)  first step %8.1f ms (target %s), "
           "one-step run %.1f ms, CPU %.1f ms, unaccounted %.1f ms\n", r->name, r->coupling, kb, m->peak, m->peak / kb,
           tpeak, m->first * 1e3, tfirst, m->wall * 1e3, m->cpu * 1e3, m->unaccounted * 1e3);
    fprintf(t_md, "| %s | %s | %.1f MiB | %.1f MiB | %.2f | <= %.1f MiB%s | %.1f ms | %s%s | %.1f ms (%.1f-%.1f) | %.1f ms | "
                  "%.1f ms |\n", r->name, r->coupling, kb, m->peak, m->peak / kb, tpeak, m->peak <= tpeak ? "" : " (missed)",
            m->first * 1e3, tfirst, r->max_first_s > 0 && m->first > r->max_first_s ? " (missed)" : "", m->wall * 1e3,
            m->wall_lo * 1e3, m->wall_hi * 1e3, m->cpu * 1e3, m->unaccounted * 1e3);
    fflush(stdout);
}

int startup_rows(FILE *md, const char *rectic, int big)
{
    static const srow rows[] = {
        {"dense N=4000 (.npy)", 4000, 0, "auto", 0.060, 1.15, 20},
        {"dense N=8000 (.npy)", 8000, 0, "auto", 0, 1.15, 20},
        {"dense N=4000 (.npy), event", 4000, 0, "event", 0.150, 2.1, 0},
        {"COO N=10^5 x 100 (.npy)", 100000, 100, "auto", 0.6, 1.3, 20},
        {"COO N=10^6 x 100 (.npy)", 1000000, 100, "auto", 6.0, 1.3, 20},
    };
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[4096], wpath[4200], out[4200];
    snprintf(dir, sizeof dir, "%s/rectic-bench-XXXXXX", tmp);
    if (!mkdtemp(dir))
        return -1;
    printf("\nmemory and start-up (one-step `rectic run`, %d runs after a warm-up)\n", RUNS);
    char *table = NULL;
    size_t table_len = 0;
    FILE *t_md = open_memstream(&table, &table_len); /* the rows, written after the header (measured last) */
    if (!t_md)
        return -1;
    double load0 = bench_load();
    int rc = 0;
    for (size_t k = 0; k < sizeof rows / sizeof rows[0] && !rc; k++) {
        const srow *r = &rows[k];
        measured m;
        if (r->n >= 1000000 && !big)
            continue;
        snprintf(wpath, sizeof wpath, "%s/w.npy", dir);
        snprintf(out, sizeof out, "%s/out", dir);
        rc = write_weights(wpath, r) || measure_row(rectic, r, wpath, out, &m) ? -1 : 0;
        unlink(wpath);
        if (rc)
            fprintf(stderr, "bench: %s: the one-step run failed\n", r->name);
        else
            print_row(t_md, r, &m);
    }
    fclose(t_md);
    double load1 = bench_load(), bw = bandwidth_gbs(); /* after the rows: its buffer must not raise their peak */
    printf("memory bandwidth %.1f GB/s\n", bw);
    fprintf(md, "\nMemory and start-up at scale (issue 15): a one-step `rectic run --backend tcc --format npy` on a weights "
                "file generated by the benchmark, run %d times after a warm-up run (the file in the page cache); "
                "medians. Peak RSS from getrusage of the child; first step: the wall time from spawn to exit less the "
                "run and write phases of the run's meta.json, i.e. from the process's start to its first step (its "
                "teardown included); one-step run: spawn to exit; CPU: the child's user + system time. Kernel bytes: W "
                "itself (8 N^2) for dense, 12 B per synapse + 8 B per neuron for sparse rows or columns. Unaccounted: "
                "the wall time less meta.json's phases (read, build coupling, generate, compile, run, write): starting "
                "and ending the process, the gaps. Memory bandwidth measured in the same run: **%.1f GB/s** (one core "
                "reading 512 MiB); load average %.1f before the rows, %.1f after (2 cores, shared): where the load is "
                "above 2, the wall times wait for a core and CPU is the better guide.\n\n| weights | coupling | "
                "kernel bytes | peak RSS | peak / kernel bytes | target peak | first step | target | one-step run | CPU | "
                "unaccounted |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
            RUNS, bw, load0, load1);
    fprintf(md, "%s", table);
    free(table);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return rc;
}

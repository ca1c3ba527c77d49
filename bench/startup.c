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

/* The seconds meta.json's timings account for (the phases: wall since main less "unaccounted") in the run
   written into out, or -1 when they cannot be read. */
static double accounted_s(const char *out)
{
    char path[4300], text[8192];
    snprintf(path, sizeof path, "%s/meta.json", out);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[len] = 0;
    const char *t = strstr(text, "\"timings\": {"), *w = t ? strstr(t, "\"wall\": ") : NULL,
               *u = t ? strstr(t, "\"unaccounted\": ") : NULL;
    return w && u ? strtod(w + 8, NULL) - strtod(u + 15, NULL) : -1;
}

/* Runs `rectic run` one step on the row's weights; *wall_s and *peak_mib of the child.  0 or -1. */
static int run_once(const char *rectic, const srow *r, const char *wpath, const char *out, double *wall_s,
                    double *peak_mib)
{
    char n[32];
    snprintf(n, sizeof n, "%ld", r->n);
    char *argv[] = {(char *)rectic, "run", "neuron_model_templates.spiking_neurons.qif.qif", "--op", "qif_op",
                    "--source-var", "s", "--target-var", "s_in", "--input-var", "I_ext", "--output-var", "s",
                    "--spike-var", "spike", "--spike-def", "v", "--backend", "tcc", "--steps", "1", "--format", "npy",
                    "--coupling", (char *)r->coupling, r->degree ? "--weights-coo" : "--weights", (char *)wpath,
                    "-N", n, "-o", (char *)out, "-q", NULL};
    /* fork, not posix_spawn: a child that shares the parent's memory (vfork) inherits its peak RSS */
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        execve(rectic, argv, environ);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    *wall_s = now_s() - t0;
    *peak_mib = (double)ru.ru_maxrss / 1024.0;
    return 0;
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
    FILE *t_md = open_memstream(&table, &table_len); /* the bandwidth comes first, measured last */
    if (!t_md)
        return -1;
    fprintf(t_md, "\nMemory and start-up at scale (issue 15): a one-step `rectic run --backend tcc --format npy` on a weights "
                "file generated by the benchmark, run %d times after a warm-up run (the file in the page cache); peak "
                "RSS from getrusage of the child, wall time from spawn to exit (an upper bound of the time to the first "
                "step). Memory bandwidth measured in the same run: **%.1f GB/s** (one core reading 512 MiB). Kernel bytes: "
                "W itself (8 N^2) for dense, 12 B per synapse + 8 B per neuron for sparse rows or columns. Unaccounted: "
                "the wall time less the phases of the run's meta.json (read, build coupling, generate, compile, run, "
                "write; the same run as the median), i.e. what no phase covers, starting and ending the process "
                "included. This machine is shared and noisy: compare the ratios.\n\n| weights | coupling | kernel bytes | "
                "peak RSS | peak / kernel bytes | target peak | wall to first step | target | unaccounted |\n"
                "|---|---|---|---|---|---|---|---|---|\n",
            RUNS, 0.0);
    int rc = 0;
    for (size_t k = 0; k < sizeof rows / sizeof rows[0] && !rc; k++) {
        const srow *r = &rows[k];
        if (r->n >= 1000000 && !big)
            continue;
        snprintf(wpath, sizeof wpath, "%s/w.npy", dir);
        snprintf(out, sizeof out, "%s/out", dir);
        if (write_weights(wpath, r))
            rc = -1;
        double wall[RUNS], peak = 0, t, p, left[RUNS], sorted[RUNS];
        for (int i = -1; !rc && i < RUNS; i++) {
            if (run_once(rectic, r, wpath, out, &t, &p))
                rc = -1;
            else if (i >= 0) {
                wall[i] = t;
                left[i] = t - accounted_s(out); /* wall less the phases */
                peak = p > peak ? p : peak;
            }
        }
        memcpy(sorted, wall, sizeof wall);
        qsort(sorted, RUNS, sizeof sorted[0], cmp_d);
        double unaccounted = 0;
        for (int i = 0; !rc && i < RUNS; i++)
            if (wall[i] == sorted[RUNS / 2])
                unaccounted = left[i]; /* of the median run */
        unlink(wpath);
        if (rc) {
            fprintf(stderr, "bench: %s: the one-step run failed\n", r->name);
            break;
        }
        qsort(wall, RUNS, sizeof wall[0], cmp_d);
        double kb = r->degree ? (12.0 * (double)r->n * (double)r->degree + 8.0 * (double)r->n) / 1048576.0
                              : 8.0 * (double)r->n * (double)r->n / 1048576.0;
        double tpeak = r->w_factor * kb + r->w_extra;
        char tfirst[32] = "-";
        if (r->max_first_s > 0)
            snprintf(tfirst, sizeof tfirst, "<= %.0f ms", r->max_first_s * 1e3);
        printf("%-28s %-6s kernel %8.1f MiB  peak %8.1f MiB (%.2fx; target <= %.1f)  wall %8.1f ms (target %s), "
               "unaccounted %.1f ms\n", r->name, r->coupling, kb, peak, peak / kb, tpeak, wall[RUNS / 2] * 1e3, tfirst,
               unaccounted * 1e3);
        fprintf(t_md, "| %s | %s | %.1f MiB | %.1f MiB | %.2f | <= %.1f MiB%s | %.1f ms (%.1f-%.1f) | %s%s | %.1f ms |\n",
                r->name, r->coupling, kb, peak, peak / kb, tpeak, peak <= tpeak ? "" : " (missed)", wall[RUNS / 2] * 1e3,
                wall[0] * 1e3, wall[RUNS - 1] * 1e3, tfirst,
                r->max_first_s > 0 && wall[RUNS / 2] > r->max_first_s ? " (missed)" : "", unaccounted * 1e3);
        fflush(stdout);
    }
    fclose(t_md);
    double bw = bandwidth_gbs(); /* after the rows: its buffer must not raise the children's peak */
    printf("memory bandwidth %.1f GB/s\n", bw);
    char *at = strstr(table, "**0.0 GB/s**"), bws[32];
    snprintf(bws, sizeof bws, "**%.1f GB/s**", bw);
    if (at)
        fprintf(md, "%.*s%s%s", (int)(at - table), table, bws, at + strlen("**0.0 GB/s**"));
    free(table);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return rc;
}

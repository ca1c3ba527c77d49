/*
 * startup.h -- the benchmark's memory and start-up rows (bench/startup.c).
 */
#ifndef RCT_BENCH_STARTUP_H
#define RCT_BENCH_STARTUP_H

#include <stdio.h>

/* Measures peak RSS and the wall time of one-step `rectic run`s on generated weights files and writes the
   table into md (and stdout); big: also the N = 10^6 x 100 row (2.4 GB of weights).  0 or -1. */
int startup_rows(FILE *md, const char *rectic, int big);
/* Runs argv (argv[0] a path) in cwd (NULL: here), its stdout to /dev/null; *wall_s (spawn to exit),
   *peak_mib (peak RSS) and *cpu_s (user + system) of the child.  0, or -1 when it failed. */
int bench_spawn(char *const argv[], const char *cwd, double *wall_s, double *peak_mib, double *cpu_s);
/* Writes n doubles to path as a float64 .npy of shape (n, 1); 0 or -1. */
int bench_write_npy(const char *path, const double *x, long n);
/* Writes the startup rows' COO weights (n targets in order, `degree` random sources each) to path; 0 or -1. */
int bench_write_coo(const char *path, long n, long degree);
/* The median of n numbers (sorted in place). */
double bench_median(double *x, int n);
/* The load average over the last minute (/proc/loadavg), or -1. */
double bench_load(void);

#endif

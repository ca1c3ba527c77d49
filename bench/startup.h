/*
 * startup.h -- the benchmark's memory and start-up rows (bench/startup.c).
 */
#ifndef RCT_BENCH_STARTUP_H
#define RCT_BENCH_STARTUP_H

#include <stdio.h>

/* Measures peak RSS and the wall time of one-step `rectic run`s on generated weights files and writes the
   table into md (and stdout); big: also the N = 10^6 x 100 row (2.4 GB of weights).  0 or -1. */
int startup_rows(FILE *md, const char *rectic, int big);

#endif

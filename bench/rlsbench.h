/*
 * rlsbench.h -- the benchmark's online-learning rows (bench/rlsbench.c).
 */
#ifndef RCT_BENCH_RLSBENCH_H
#define RCT_BENCH_RLSBENCH_H

#include <stdio.h>

/* Milliseconds per RLS update step at N = 500 and 2000, rectic (through the C API) against the same update
   in NumPy (bench/rls_numpy.py) measured in the same run; a Markdown paragraph and table into md, a line
   printed per size.  0 or -1. */
int rlsbench_rows(FILE *md, int quick);

#endif

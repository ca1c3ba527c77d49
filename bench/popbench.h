/*
 * popbench.h -- the benchmark's row for networks of populations (bench/popbench.c).
 */
#ifndef RCT_BENCH_POPBENCH_H
#define RCT_BENCH_POPBENCH_H

#include <stdio.h>

/* An E/I network of QIF populations (n_e + n_i units, four sparse projections with connection probability
   p = 0.1) against one population of n_e + n_i units with the same synapses: time per step of each
   (median of repeats), written as a Markdown row into md and printed.  quick: fewer steps.  0 or -1. */
int popbench_rows(FILE *md, int quick);
/* The E/I network on 1 and 2 threads (cc), runs alternating: one row of the threads table into md. */
int popbench_threads_rows(FILE *md, int quick);

#endif

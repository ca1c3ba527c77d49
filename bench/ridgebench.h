/*
 * ridgebench.h -- the benchmark's reservoir row (bench/ridgebench.c).
 */
#ifndef RCT_BENCH_RIDGEBENCH_H
#define RCT_BENCH_RIDGEBENCH_H

#include <stdio.h>

/* A 1000-neuron spiking reservoir over 10^5 training steps (10^4 with quick), run and its readout fitted
   through the C API, against NumPy's solve on the same X and a NumPy re-implementation of the whole; a
   Markdown paragraph and table into md, a line printed.  0 or -1. */
int ridgebench_rows(FILE *md, int quick);
/* Writes rows x cols doubles as a NumPy .npy file (0 or -1); also bench/rlsbench.c's. */
int ridgebench_write_npy(const char *path, const double *x, long rows, long cols);

#endif

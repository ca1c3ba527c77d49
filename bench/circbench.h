/*
 * circbench.h -- the benchmark's PyRates circuit row (bench/circbench.c).
 */
#ifndef RCT_BENCH_CIRCBENCH_H
#define RCT_BENCH_CIRCBENCH_H

#include <stdio.h>

/* A 1000-node QIF mean-field circuit with delayed edges (tests/circgen.py) run by `rectic run CIRCUIT`
   (tcc and cc) and by tests/circref.py (NumPy) in the same run, their outputs compared; a Markdown
   paragraph and table into md, a line printed.  rectic: the binary; shared: the folder holding
   templates/pyrates.  0, -1 on failure, 1 when ../shared or NumPy is missing (a line says so). */
int circbench_rows(FILE *md, const char *rectic, const char *shared, int quick);

#endif

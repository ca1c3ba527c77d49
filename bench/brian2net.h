/*
 * brian2net.h -- the benchmark's row beside Brian2's compiled program (bench/brian2net.c).
 */
#ifndef RCT_BENCH_BRIAN2NET_H
#define RCT_BENCH_BRIAN2NET_H

#include <stdio.h>

/* Runs the 10^5-neuron sparse network 1000 steps as rectic (event, cc cached) and as Brian2's standalone
   program, both whole processes, alternating, and writes the row into md (and a line on stdout); a row
   saying why when Brian2 cannot be imported.  0 or -1. */
int brian2net_row(FILE *md, const char *rectic);

#endif

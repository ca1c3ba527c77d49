/*
 * inpart.h -- the inputs of a partitioned network: each rank reads and holds the columns of its own units
 * (runtime/inpart.c; internal).
 *
 * On a network partitioned over several MPI ranks, an input with one column per unit (cols = n > 1, no
 * input layer before it) is held by each rank as its units' columns lo .. hi-1 only: rows x (hi - lo)
 * values (rectic_net_read_input reads them so; rectic_net_run and rectic_net_input take them so).  Inputs
 * of one column, or of an input layer's columns, stay whole.
 */
#ifndef RCT_INPART_H
#define RCT_INPART_H

#include "network.h"

/* Whether an input of `cols` columns of population p of net (-1: net itself, one template) is held as this
   rank's units lo .. hi-1 only; 0 (with lo 0, hi cols) when it is whole. */
int rct_inpart_own(const rectic_net *net, int p, long cols, long *lo, long *hi);

/* Copies step `step`'s values of units lo .. hi-1 (of an array held so) into row[lo .. hi-1] (floats when
   f32, else doubles): a whole row's place for the kernel, which reads unit i at i. */
void rct_inpart_row(const double *array, long step, long lo, long hi, void *row, int f32);

#endif

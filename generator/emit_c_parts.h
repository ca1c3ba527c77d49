/*
 * emit_c_parts.h -- pieces of the C kernel (emit_c.c) that the network emitter (emit_net.c) writes again
 * for each population: the reductions and the loop of a pass over the neurons (with the spike list), and
 * the macros, the recorder and the recording decision every kernel has once.  Internal to the generator.
 */
#ifndef RCT_EMIT_C_PARTS_H
#define RCT_EMIT_C_PARTS_H

#include "emit_common.h"

/* Writes the reductions that run before pass p, each as a sequential loop over the neurons; under MPI
   (c->mpi_values) each process computes its neurons' terms, which are gathered and combined in neuron
   order (each line starts with ind). */
void rct_emc_reductions(rct_emitter *E, int p, const char *ind);
/* Writes pass p: the loop over the neurons lo .. hi-1 computing its algebraic variables (those E->skip_eq
   keeps) and, with `update` (the last pass), first the spikes of the step (under MPI every process's, through
   c->mpi_spikes), then the derivatives and the Euler update (each line starts with ind; an empty pass writes
   nothing). */
void rct_emc_pass(rct_emitter *E, int p, int update, const char *ind);
/* Writes the RECTIC_PARALLEL_FOR macro (OpenMP over c->threads threads, empty without OpenMP). */
void rct_emc_parallel_macro(rct_emitter *E);
/* Writes the lines of a C kernel's step deciding what it records: `take` (a row is due) and `record` (the
   recorder runs), from the sampling settings of context c (its members: "c->" or "pop[0].") at `step`;
   `mean`: whether an output is averaged. */
void rct_emc_record_due(rct_buf *b, const char *c, const char *step, const char *mean);
/* Writes rectic_record, the recorder of one context (model independent; emit_record.h). */
void rct_emc_recorder(rct_emitter *E);

#endif

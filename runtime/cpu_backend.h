/*
 * cpu_backend.h -- the CPU backend (backend.c's table): its kernels (cpu_backend.c), the run of a network of
 * one template (cpu_run.c) and of a network of populations (poprun.c).  Internal.
 */
#ifndef RCT_CPU_BACKEND_H
#define RCT_CPU_BACKEND_H

#include "emit_c.h"
#include "network.h"

/* Builds the kernel with options o (TinyCC, cc or both, as net->backend asks: kernel_cpu.c) and makes it the
   one net runs. */
int rct_cpu_compile(rectic_net *net, const rct_emit_opts *o);
/* The fused C kernel of a network of populations, built as rct_cpu_compile builds one. */
int rct_pn_cpu_compile(rectic_net *net);
/* Frees net's CPU kernels (the one running and the spare). */
void rct_cpu_free(rectic_net *net);
/* Exchanges the running kernel with the spare one (specialised and generic). */
void rct_cpu_swap_spare(rectic_net *net);
/* Tiered mode: switches to the optimized kernel once the background compiler has written it. */
void rct_net_poll_tiered(rectic_net *net);

/* Runs `steps` steps from net->run_first on; inputs from array (steps x cols), from fn, or zero (cols 0)
   (cpu_run.c). */
int rct_cpu_run(rectic_net *net, long steps, const double *array, rectic_input_fn fn, void *user, long cols);
/* Runs `steps` steps of a network of populations (poprun.c). */
int rct_pn_cpu_run(rectic_net *net, long steps);

#endif

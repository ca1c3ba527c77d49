/*
 * kernel_cpu.h -- choosing and building a network's kernel on the CPU (runtime/kernel_cpu.c).
 */
#ifndef RCT_KERNEL_CPU_H
#define RCT_KERNEL_CPU_H

#include "emit_c.h"
#include "jit_cc.h"
#include "jit_tcc.h"
#include "rectic.h"

/* A kernel built for a network: TinyCC's or the system compiler's, its entry point, and what is pending. */
typedef struct rct_cpu_kernel {
    rct_jit *jit;   /* TinyCC's kernel, or NULL */
    rct_cc *cc;     /* the system compiler's kernel, or NULL */
    void *fn;       /* rectic_kernel */
    char *pending;  /* auto: the object the background compiler will write (malloc'd), or NULL */
    int hit;        /* cc's kernel came from the cache (no compilation) */
} rct_cpu_kernel;

/* Builds the kernel of src for net's backend (tcc, cc or auto), with syms for TinyCC.  The cache's
   refusals and repairs that the run survives become warnings on net (rct_net_warn); net->spawn_pid takes
   the shell of a background compile. */
int rct_cpu_kernel_build(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k);

#endif

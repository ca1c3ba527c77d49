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

/* The CPU backends' builders of the kernel of src (syms: for TinyCC), each into k (zeroed):
   tcc: TinyCC's kernel.
   cc: the cached object, else a compile.  An untrusted cache is an error; a damaged object is deleted and
   rebuilt, and when the rebuild fails too the run uses TinyCC (the next run tries again).
   auto: the cached object, else TinyCC's kernel while cc compiles in the background.  An untrusted cache or
   a damaged object (deleted, then compiled again) leaves TinyCC's kernel with a warning. */
int rct_cpu_build_tcc(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k);
int rct_cpu_build_cc(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k);
int rct_cpu_build_auto(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k);

/* Builds the kernel of src with net's backend's builder (net->be->cpu_build), with syms for TinyCC.  The
   cache's refusals and repairs that the run survives become warnings on net (rct_net_warn); net->spawn_pid
   takes the shell of a background compile. */
int rct_cpu_kernel_build(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k);

#endif

/*
 * backend.h -- the runtime's backends behind one table: the CPU (a kernel built by TinyCC, the system
 * compiler or both: cpu_backend.h) and CUDA (cuda_run.h).  A network takes its table once, when it is made
 * (rct_backend_of); the rest of the runtime calls through net->be and never asks which backend it runs on:
 * the public calls (network.c, run.c, popnet.c, popapi.c) call the table, the backends call the services
 * they share (run_common.c, observer.c, checkpoint.c, ...), and nothing below calls back up.
 */
#ifndef RCT_BACKEND_H
#define RCT_BACKEND_H

#include "emit_net.h"
#include "network.h"

/* Where the inputs of a run come from (run.c hands them to the backend's run as array, fn, user, cols). */
typedef struct rct_input_src {
    const double *array;     /* steps x cols, or NULL */
    rectic_input_fn fn;      /* or a callback */
    void *user;
    long cols;
} rct_input_src;

struct rct_cpu_kernel; /* kernel_cpu.h */

typedef struct rct_backend {
    const char *name;       /* in messages: "CPU" or "CUDA" */
    int subsets;            /* records subsets of neurons and of spikes */
    int pn_unit_subsets;    /* records chosen units of a population's variable (a network of populations) */
    int online;             /* runs the online readout (RLS training, feedback: rls.c) */
    int mpi;                /* runs partitioned across MPI ranks (mpi_net.c) */
    /* the CPU backends: builds the kernel of src with TinyCC, cc or both (kernel_cpu.h); NULL for others */
    int (*cpu_build)(rectic_net *net, const char *src, const rct_symbol *syms, struct rct_cpu_kernel *k);
    /* one template: builds the kernel with the emitter's options o (rct_net_emit_opts) and sets net->src */
    int (*compile)(rectic_net *net, const rct_emit_opts *o);
    /* runs `steps` steps from net->run_first on; inputs from array (steps x cols), from fn, or zero (cols
       0); run.c checked the arguments and compiled what was due */
    int (*run)(rectic_net *net, long steps, const double *array, rectic_input_fn fn, void *user, long cols);
    /* a network of populations: builds its kernel(s) for the populations' parameter shapes, runs steps */
    int (*pn_compile)(rectic_net *net);
    int (*pn_run)(rectic_net *net, long steps);
    /* frees what the backend holds for net: its kernels, device buffers */
    void (*free)(rectic_net *net);
    /* the source of the kernel(s) of a template (options o) or of a network of populations (d) */
    char *(*source)(const rct_model *m, const rct_emit_opts *o, rct_err *err);
    char *(*pn_source)(const rct_emit_net *d, rct_err *err);
} rct_backend;

/* The table of a RECTIC_BACKEND_* value (tcc, cc and auto: the CPU's), or NULL for another number. */
const rct_backend *rct_backend_of(int backend);
/* Frees what net's backend holds for it (net->be's free; a network without a table, a population or one
   whose spec was refused, holds at most what the CPU backend frees). */
void rct_backend_release(rectic_net *net);

#endif

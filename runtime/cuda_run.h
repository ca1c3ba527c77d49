/*
 * cuda_run.h -- the CUDA backend's runtime (RECTIC_BACKEND_NVRTC): compiles a network's CUDA kernels
 * with NVRTC, keeps its state, parameters and weights on the GPU and runs it in chunks of steps (inputs
 * uploaded per chunk, recordings and spikes copied back per chunk).  Between runs the host arrays of the
 * network (net->y, ...) hold the state, so rectic_net_get/set/reset work as on the CPU.
 */
#ifndef RCT_CUDA_RUN_H
#define RCT_CUDA_RUN_H

#include "network.h"

typedef struct rct_cuda rct_cuda;

/* Generates the CUDA kernels with the emitter's options o (rct_net_compile computes them), compiles them
   (opening the device net->device on first use) and loads them; sets net->src. */
int rct_cuda_compile(rectic_net *net, const rct_emit_opts *o);
/* Runs `steps` steps on the GPU from the host state; inputs from `array` (steps x cols), from `fn`, or
   zero (cols 0).  The arguments are checked by the caller (run.c). */
int rct_cuda_run(rectic_net *net, long steps, const double *array, rectic_input_fn fn, void *user, long cols);
/* Frees the device buffers, the module and the context reference. */
void rct_cuda_free(rct_cuda *cu);
/* Frees what the CUDA backend holds for net: net->cuda, and a network of populations' kernels and buffers
   (before the populations: its buffers mirror theirs). */
void rct_cuda_release(rectic_net *net);

/* A network of populations on the GPU (cuda_netrun.c): compiles its kernels for the populations' current
   parameter shapes (opening device net->device on first use; sets net->src), runs `steps` steps from the
   populations' host state with their inputs (net->pn->in_data), frees its device buffers. */
struct rct_cuda_pn;
int rct_cuda_pn_compile(rectic_net *net);
int rct_cuda_pn_run(rectic_net *net, long steps);
void rct_cuda_pn_free(struct rct_cuda_pn *cp);

/* What the benchmarks report about the device of a CUDA network (zeros for another network). */
typedef struct rct_cuda_info {
    char name[256];
    int cc_major, cc_minor, sm_count;
    double peak_bandwidth;   /* bytes/s */
    double nvrtc_seconds;    /* the last NVRTC compile */
    double load_seconds;     /* the last cuModuleLoadData */
    size_t image_bytes;      /* PTX (or cubin) size */
    int graphs;              /* steps run as CUDA graphs */
} rct_cuda_info;
void rct_cuda_get_info(const rectic_net *net, rct_cuda_info *info);

#endif

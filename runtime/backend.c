/*
 * backend.c -- the table of each backend (backend.h): where its compile, run and free live.
 */
#include "backend.h"

#include "cpu_backend.h"
#include "cuda_run.h"
#include "emit_cuda.h"
#include "emit_cuda_net.h"
#include "emit_net.h"
#include "kernel_cpu.h"
#include "popnet.h"

/* The C source of a network of populations' fused kernel. */
static char *c_net_source(const rct_emit_net *d, rct_err *err)
{
    return rct_emit_net_c(d, err);
}

/* The CUDA source of a network of populations' kernels (scheduled as cuda_netrun.c runs them). */
static char *cuda_net_source(const rct_emit_net *d, rct_err *err)
{
    return rct_emit_cuda_net(d, NULL, err);
}

/* The CPU backends: one table each for TinyCC, cc and auto, which differ in how the kernel is built. */
#define CPU_BACKEND(build)                                                                                       \
    {.name = "CPU", .subsets = 1, .pn_unit_subsets = 1, .online = 1, .mpi = 1, .cpu_build = build,              \
     .compile = rct_cpu_compile, .run = rct_cpu_run, .pn_compile = rct_pn_cpu_compile, .pn_run = rct_pn_cpu_run, \
     .free = rct_cpu_free, .source = rct_emit_c, .pn_source = c_net_source}

static const rct_backend cpu_tcc = CPU_BACKEND(rct_cpu_build_tcc);
static const rct_backend cpu_cc = CPU_BACKEND(rct_cpu_build_cc);
static const rct_backend cpu_auto = CPU_BACKEND(rct_cpu_build_auto);

static const rct_backend cuda = {.name = "CUDA", .subsets = 0, .pn_unit_subsets = 1, .online = 0, .mpi = 0,
                                 .compile = rct_cuda_compile, .run = rct_cuda_run, .pn_compile = rct_cuda_pn_compile,
                                 .pn_run = rct_cuda_pn_run, .free = rct_cuda_release, .source = rct_emit_cuda,
                                 .pn_source = cuda_net_source};

const rct_backend *rct_backend_of(int backend)
{
    switch (backend) {
    case RECTIC_BACKEND_TCC:
        return &cpu_tcc;
    case RECTIC_BACKEND_CC:
        return &cpu_cc;
    case RECTIC_BACKEND_AUTO:
        return &cpu_auto;
    case RECTIC_BACKEND_NVRTC:
        return &cuda;
    default:
        return NULL;
    }
}

void rct_backend_release(rectic_net *net)
{
    (net->be ? net->be : &cpu_tcc)->free(net); /* without a table (a population): the CPU's kernels, if any */
}

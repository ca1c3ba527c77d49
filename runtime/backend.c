/*
 * backend.c -- the table of each backend (backend.h): where its compile, run and free live.
 */
#include "backend.h"

#include "cpu_backend.h"
#include "cuda_run.h"
#include "emit_cuda.h"
#include "emit_cuda_net.h"
#include "emit_net.h"
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

static const rct_backend cpu = {"CPU", 1, 1, 1, 1, rct_cpu_compile, rct_cpu_run, rct_pn_cpu_compile, rct_pn_cpu_run,
                                rct_cpu_free, rct_emit_c, c_net_source};

static const rct_backend cuda = {"CUDA", 0, 1, 0, 0, rct_cuda_compile, rct_cuda_run, rct_cuda_pn_compile, rct_cuda_pn_run,
                                 rct_cuda_release, rct_emit_cuda, cuda_net_source};

const rct_backend *rct_backend_of(int backend)
{
    switch (backend) {
    case RECTIC_BACKEND_TCC:
    case RECTIC_BACKEND_CC:
    case RECTIC_BACKEND_AUTO: /* kernel_cpu.c builds with the compiler net->backend names */
        return &cpu;
    case RECTIC_BACKEND_NVRTC:
        return &cuda;
    default:
        return NULL;
    }
}

void rct_backend_release(rectic_net *net)
{
    (net->be ? net->be : &cpu)->free(net); /* without a table (a population): the CPU's kernels, if any */
}

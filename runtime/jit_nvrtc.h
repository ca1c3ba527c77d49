/*
 * jit_nvrtc.h -- the CUDA driver API and NVRTC, loaded at run time with dlopen (libcuda.so.1,
 * libnvrtc.so.13 or libnvrtc.so), so that rectic builds without CUDA headers and runs on machines
 * without a GPU or driver.  The only file that dlopens them is jit_nvrtc.c; the types and the few entry
 * points rectic uses are declared here (their ABI is that of the CUDA 12/13 driver API).
 *
 * Tests may replace both libraries with their own tables (rct_cuda_api_override): the device runtime is
 * then exercised on the CPU.
 */
#ifndef RCT_JIT_NVRTC_H
#define RCT_JIT_NVRTC_H

#include <stddef.h>

#include "util.h"

typedef int rct_CUresult;       /* 0 = CUDA_SUCCESS */
typedef int rct_CUdevice;
typedef unsigned long long rct_CUdeviceptr;
typedef struct rct_CUctx_st *rct_CUcontext;
typedef struct rct_CUmod_st *rct_CUmodule;
typedef struct rct_CUfunc_st *rct_CUfunction;
typedef struct rct_CUstream_st *rct_CUstream;
typedef struct rct_CUevent_st *rct_CUevent;
typedef struct rct_CUgraph_st *rct_CUgraph;
typedef struct rct_CUgraphExec_st *rct_CUgraphExec;
typedef struct rct_nvrtcProg_st *rct_nvrtcProgram;

/* CUdevice_attribute values rectic reads. */
enum {
    RCT_CU_ATTR_SM_COUNT = 16,
    RCT_CU_ATTR_MEM_CLOCK_KHZ = 36,
    RCT_CU_ATTR_MEM_BUS_BITS = 37,
    RCT_CU_ATTR_CC_MAJOR = 75,
    RCT_CU_ATTR_CC_MINOR = 76
};
/* CUresult values rectic tells apart. */
enum { RCT_CU_ERR_STUB = 34, RCT_CU_ERR_NO_DEVICE = 100, RCT_CU_ERR_PTX_VERSION = 222 };

/* The driver and NVRTC entry points (versioned symbols: cuMemAlloc_v2, ...). */
typedef struct rct_cuapi {
    /* driver */
    rct_CUresult (*cuInit)(unsigned int flags);
    rct_CUresult (*cuDriverGetVersion)(int *version);
    rct_CUresult (*cuGetErrorString)(rct_CUresult res, const char **str);
    rct_CUresult (*cuDeviceGetCount)(int *count);
    rct_CUresult (*cuDeviceGet)(rct_CUdevice *dev, int ordinal);
    rct_CUresult (*cuDeviceGetName)(char *name, int len, rct_CUdevice dev);
    rct_CUresult (*cuDeviceGetAttribute)(int *value, int attrib, rct_CUdevice dev);
    rct_CUresult (*cuDeviceTotalMem)(size_t *bytes, rct_CUdevice dev);
    rct_CUresult (*cuDevicePrimaryCtxRetain)(rct_CUcontext *ctx, rct_CUdevice dev);
    rct_CUresult (*cuDevicePrimaryCtxRelease)(rct_CUdevice dev);
    rct_CUresult (*cuCtxSetCurrent)(rct_CUcontext ctx);
    rct_CUresult (*cuModuleLoadData)(rct_CUmodule *mod, const void *image);
    rct_CUresult (*cuModuleUnload)(rct_CUmodule mod);
    rct_CUresult (*cuModuleGetFunction)(rct_CUfunction *fn, rct_CUmodule mod, const char *name);
    rct_CUresult (*cuMemAlloc)(rct_CUdeviceptr *ptr, size_t bytes);
    rct_CUresult (*cuMemFree)(rct_CUdeviceptr ptr);
    rct_CUresult (*cuMemGetInfo)(size_t *free_bytes, size_t *total_bytes);
    rct_CUresult (*cuMemHostAlloc)(void **ptr, size_t bytes, unsigned int flags);
    rct_CUresult (*cuMemFreeHost)(void *ptr);
    rct_CUresult (*cuMemcpyHtoDAsync)(rct_CUdeviceptr dst, const void *src, size_t bytes, rct_CUstream s);
    rct_CUresult (*cuMemcpyDtoHAsync)(void *dst, rct_CUdeviceptr src, size_t bytes, rct_CUstream s);
    rct_CUresult (*cuMemcpyDtoDAsync)(rct_CUdeviceptr dst, rct_CUdeviceptr src, size_t bytes, rct_CUstream s);
    rct_CUresult (*cuMemsetD8Async)(rct_CUdeviceptr dst, unsigned char value, size_t count, rct_CUstream s);
    rct_CUresult (*cuStreamCreate)(rct_CUstream *s, unsigned int flags);
    rct_CUresult (*cuStreamDestroy)(rct_CUstream s);
    rct_CUresult (*cuStreamSynchronize)(rct_CUstream s);
    rct_CUresult (*cuLaunchKernel)(rct_CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
                                   unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared_bytes,
                                   rct_CUstream s, void **params, void **extra);
    rct_CUresult (*cuEventCreate)(rct_CUevent *ev, unsigned int flags);
    rct_CUresult (*cuEventDestroy)(rct_CUevent ev);
    rct_CUresult (*cuEventRecord)(rct_CUevent ev, rct_CUstream s);
    rct_CUresult (*cuEventSynchronize)(rct_CUevent ev);
    rct_CUresult (*cuEventElapsedTime)(float *ms, rct_CUevent start, rct_CUevent end);
    rct_CUresult (*cuStreamBeginCapture)(rct_CUstream s, int mode);
    rct_CUresult (*cuStreamEndCapture)(rct_CUstream s, rct_CUgraph *graph);
    rct_CUresult (*cuGraphInstantiate)(rct_CUgraphExec *exec, rct_CUgraph graph, unsigned long long flags);
    rct_CUresult (*cuGraphLaunch)(rct_CUgraphExec exec, rct_CUstream s);
    rct_CUresult (*cuGraphExecDestroy)(rct_CUgraphExec exec);
    rct_CUresult (*cuGraphDestroy)(rct_CUgraph graph);
    /* NVRTC (nvrtcResult is an int, 0 = NVRTC_SUCCESS) */
    int (*nvrtcVersion)(int *major, int *minor);
    const char *(*nvrtcGetErrorString)(int res);
    int (*nvrtcCreateProgram)(rct_nvrtcProgram *prog, const char *src, const char *name, int n_headers,
                              const char *const *headers, const char *const *include_names);
    int (*nvrtcDestroyProgram)(rct_nvrtcProgram *prog);
    int (*nvrtcCompileProgram)(rct_nvrtcProgram prog, int n_options, const char *const *options);
    int (*nvrtcGetProgramLogSize)(rct_nvrtcProgram prog, size_t *size);
    int (*nvrtcGetProgramLog)(rct_nvrtcProgram prog, char *log);
    int (*nvrtcGetPTXSize)(rct_nvrtcProgram prog, size_t *size);
    int (*nvrtcGetPTX)(rct_nvrtcProgram prog, char *ptx);
    int (*nvrtcGetCUBINSize)(rct_nvrtcProgram prog, size_t *size);
    int (*nvrtcGetCUBIN)(rct_nvrtcProgram prog, char *cubin);
    /* set by the loader: which libraries answered (for messages) */
    const char *cuda_lib, *nvrtc_lib;
} rct_cuapi;

/* Loads NVRTC (no driver needed): *api receives the table.  Fails with RECTIC_EDEVICE and a message
   naming the library when it cannot be loaded. */
int rct_nvrtc_load(const rct_cuapi **api, rct_err *err);
/* Loads the driver and NVRTC and initialises the driver (cuInit).  Fails with RECTIC_EDEVICE: "no CUDA
   driver (libcuda.so.1): ..." where there is none, "no CUDA device: ..." where cuInit finds none. */
int rct_cuda_load(const rct_cuapi **api, rct_err *err);
/* Tests: use `mock` instead of the real libraries from now on (NULL: back to the real ones). */
void rct_cuda_api_override(const rct_cuapi *mock);

/* Formats a driver failure into err: "<what>: CUDA_ERROR_... (code)"; returns RECTIC_EDEVICE. */
int rct_cuda_fail(const rct_cuapi *api, rct_CUresult res, const char *what, rct_err *err);

/* One device with its primary context, and what rectic needs to know about it. */
typedef struct rct_cudev {
    const rct_cuapi *api;
    int ordinal;
    rct_CUdevice dev;
    rct_CUcontext ctx;
    int cc_major, cc_minor, sm_count;
    size_t total_mem;
    double peak_bandwidth;  /* bytes/s from the memory clock and bus width (0 when unknown) */
    char name[256];
} rct_cudev;

/* Opens device `ordinal` (retains its primary context and makes it current). */
int rct_cudev_open(int ordinal, rct_cudev **out, rct_err *err);
/* Makes the device's context current on the calling thread. */
int rct_cudev_use(rct_cudev *d, rct_err *err);
void rct_cudev_close(rct_cudev *d);

/* Compiles CUDA source in memory with NVRTC for `arch` ("compute_90": PTX; "sm_90": a cubin, when
   `cubin`), with --fmad=false and the other options that keep the CPU's rounding.  On success the
   caller owns *image (NUL-terminated PTX, or the cubin) of *size bytes.  A compile error (a bug in
   rectic) gives RECTIC_EJIT with NVRTC's log. */
int rct_nvrtc_compile(const char *src, const char *name, const char *arch, int cubin, char **image, size_t *size,
                      rct_err *err);

#endif

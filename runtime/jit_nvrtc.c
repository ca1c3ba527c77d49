/*
 * jit_nvrtc.c -- the one file that loads the CUDA driver (libcuda.so.1) and NVRTC (libnvrtc.so.13, else
 * libnvrtc.so) with dlopen, opens devices and compiles CUDA source in memory.  Nothing here needs CUDA
 * headers: the few types and entry points are declared in jit_nvrtc.h.  Loading happens once per process
 * (under a mutex); the libraries stay loaded until exit.
 *
 * Library names can be overridden for unusual installations with RECTIC_LIBCUDA and RECTIC_LIBNVRTC
 * (a file name or path each); NVRTC is also looked for under /usr/local/cuda when the loader does not
 * find it.
 */
#include "jit_nvrtc.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static rct_cuapi real_api;
static int nvrtc_state;      /* 0: not tried, 1: loaded, -1: failed (message in nvrtc_msg) */
static int cuda_state;       /* likewise for the driver, including cuInit */
static char nvrtc_msg[1400], cuda_msg[1400];
static const rct_cuapi *mock_api;

/* Opens the first library of `names` (NULL-terminated) that loads; the first failure goes into why. */
static void *open_first(const char *const *names, const char **which, char *why, size_t size)
{
    why[0] = '\0';
    for (int k = 0; names[k]; k++) {
        if (!*names[k])
            continue;
        void *h = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
        if (h) {
            *which = names[k];
            return h;
        }
        const char *e = dlerror();
        if (!why[0]) /* the first name's failure says it best; the others are fallbacks */
            snprintf(why, size, "%s", e ? e : names[k]);
    }
    return NULL;
}

/* Looks up each symbol of a NULL-terminated name/slot list ("a|b": a, else the older b); returns the
   first missing name or NULL. */
static const char *bind(void *h, const char *const *names, void **const *slots)
{
    for (int k = 0; names[k]; k++) {
        char name[128];
        snprintf(name, sizeof name, "%s", names[k]);
        char *alt = strchr(name, '|');
        if (alt)
            *alt++ = '\0';
        void *f = dlsym(h, name);
        if (!f && alt)
            f = dlsym(h, alt);
        if (!f)
            return names[k];
        memcpy(slots[k], &f, sizeof f); /* object pointer to function pointer, as POSIX allows */
    }
    return NULL;
}

/* Loads NVRTC into real_api (caller holds load_lock). */
static void load_nvrtc_locked(void)
{
    if (nvrtc_state)
        return;
    const char *env = getenv("RECTIC_LIBNVRTC");
    const char *const names[] = {env ? env : "", "libnvrtc.so.13", "libnvrtc.so", "/usr/local/cuda/lib64/libnvrtc.so.13",
                                 "/usr/local/cuda/lib64/libnvrtc.so", NULL};
    char why[900];
    void *h = open_first(names, &real_api.nvrtc_lib, why, sizeof why);
    if (!h) {
        snprintf(nvrtc_msg, sizeof nvrtc_msg, "NVRTC not found (libnvrtc.so.13): %s", why);
        nvrtc_state = -1;
        return;
    }
    const char *const syms[] = {"nvrtcVersion", "nvrtcGetErrorString", "nvrtcCreateProgram", "nvrtcDestroyProgram",
                                "nvrtcCompileProgram", "nvrtcGetProgramLogSize", "nvrtcGetProgramLog",
                                "nvrtcGetPTXSize", "nvrtcGetPTX", "nvrtcGetCUBINSize", "nvrtcGetCUBIN", NULL};
    rct_cuapi *a = &real_api;
    void **const slots[] = {(void **)&a->nvrtcVersion, (void **)&a->nvrtcGetErrorString,
                            (void **)&a->nvrtcCreateProgram, (void **)&a->nvrtcDestroyProgram,
                            (void **)&a->nvrtcCompileProgram, (void **)&a->nvrtcGetProgramLogSize,
                            (void **)&a->nvrtcGetProgramLog, (void **)&a->nvrtcGetPTXSize, (void **)&a->nvrtcGetPTX,
                            (void **)&a->nvrtcGetCUBINSize, (void **)&a->nvrtcGetCUBIN};
    const char *missing = bind(h, syms, slots);
    if (missing) {
        snprintf(nvrtc_msg, sizeof nvrtc_msg, "%s has no symbol %s (NVRTC 12 or later is needed)", real_api.nvrtc_lib,
                 missing);
        nvrtc_state = -1;
        return;
    }
    nvrtc_state = 1;
}

/* Loads the driver into real_api and initialises it (caller holds load_lock). */
static void load_cuda_locked(void)
{
    if (cuda_state)
        return;
    const char *env = getenv("RECTIC_LIBCUDA");
    const char *const names[] = {env ? env : "", "libcuda.so.1", "/usr/local/nvidia/lib64/libcuda.so.1",
                                 "/usr/lib/x86_64-linux-gnu/libcuda.so.1", NULL};
    char why[900];
    void *h = open_first(names, &real_api.cuda_lib, why, sizeof why);
    if (!h) {
        snprintf(cuda_msg, sizeof cuda_msg, "no CUDA driver (libcuda.so.1): %s; the CUDA backend needs an NVIDIA GPU "
                 "and its driver (without spec.backend nvrtc rectic runs on the CPU)", why);
        cuda_state = -1;
        return;
    }
    const char *const syms[] = {
        "cuInit", "cuDriverGetVersion", "cuGetErrorString", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName",
        "cuDeviceGetAttribute", "cuDeviceTotalMem_v2", "cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRelease_v2",
        "cuCtxSetCurrent", "cuModuleLoadData", "cuModuleUnload", "cuModuleGetFunction", "cuMemAlloc_v2",
        "cuMemFree_v2", "cuMemGetInfo_v2", "cuMemHostAlloc", "cuMemFreeHost", "cuMemcpyHtoDAsync_v2",
        "cuMemcpyDtoHAsync_v2", "cuMemcpyDtoDAsync_v2", "cuMemsetD8Async", "cuStreamCreate", "cuStreamDestroy_v2",
        "cuStreamSynchronize", "cuLaunchKernel", "cuEventCreate", "cuEventDestroy_v2", "cuEventRecord",
        "cuEventSynchronize", "cuEventElapsedTime_v2|cuEventElapsedTime", "cuStreamBeginCapture_v2", "cuStreamEndCapture",
        "cuGraphInstantiateWithFlags", "cuGraphLaunch", "cuGraphExecDestroy", "cuGraphDestroy", NULL};
    rct_cuapi *a = &real_api;
    void **const slots[] = {
        (void **)&a->cuInit, (void **)&a->cuDriverGetVersion, (void **)&a->cuGetErrorString,
        (void **)&a->cuDeviceGetCount, (void **)&a->cuDeviceGet, (void **)&a->cuDeviceGetName,
        (void **)&a->cuDeviceGetAttribute, (void **)&a->cuDeviceTotalMem, (void **)&a->cuDevicePrimaryCtxRetain,
        (void **)&a->cuDevicePrimaryCtxRelease, (void **)&a->cuCtxSetCurrent, (void **)&a->cuModuleLoadData,
        (void **)&a->cuModuleUnload, (void **)&a->cuModuleGetFunction, (void **)&a->cuMemAlloc,
        (void **)&a->cuMemFree, (void **)&a->cuMemGetInfo, (void **)&a->cuMemHostAlloc, (void **)&a->cuMemFreeHost,
        (void **)&a->cuMemcpyHtoDAsync, (void **)&a->cuMemcpyDtoHAsync, (void **)&a->cuMemcpyDtoDAsync,
        (void **)&a->cuMemsetD8Async, (void **)&a->cuStreamCreate, (void **)&a->cuStreamDestroy,
        (void **)&a->cuStreamSynchronize, (void **)&a->cuLaunchKernel, (void **)&a->cuEventCreate,
        (void **)&a->cuEventDestroy, (void **)&a->cuEventRecord, (void **)&a->cuEventSynchronize,
        (void **)&a->cuEventElapsedTime, (void **)&a->cuStreamBeginCapture, (void **)&a->cuStreamEndCapture,
        (void **)&a->cuGraphInstantiate, (void **)&a->cuGraphLaunch, (void **)&a->cuGraphExecDestroy,
        (void **)&a->cuGraphDestroy};
    const char *missing = bind(h, syms, slots);
    if (missing) {
        snprintf(cuda_msg, sizeof cuda_msg, "the CUDA driver %s has no symbol %s (a driver for CUDA 12 or later is "
                 "needed)", real_api.cuda_lib, missing);
        cuda_state = -1;
        return;
    }
    rct_CUresult res = real_api.cuInit(0);
    if (res != 0) {
        const char *s = NULL;
        if (real_api.cuGetErrorString(res, &s) != 0 || !s)
            s = "unknown error";
        snprintf(cuda_msg, sizeof cuda_msg, "no CUDA device: cuInit failed: %s (CUDA error %d)%s", s, res,
                 res == RCT_CU_ERR_STUB ? "; libcuda.so.1 is the toolkit's stub, not a driver" : "");
        cuda_state = -1;
        return;
    }
    cuda_state = 1;
}

/* Loads NVRTC once per process (or hands out the mock). */
int rct_nvrtc_load(const rct_cuapi **api, rct_err *err)
{
    if (mock_api) {
        *api = mock_api;
        return 0;
    }
    pthread_mutex_lock(&load_lock);
    load_nvrtc_locked();
    int ok = nvrtc_state == 1;
    pthread_mutex_unlock(&load_lock);
    if (!ok)
        return rct_errf(err, RECTIC_EDEVICE, "%s", nvrtc_msg);
    *api = &real_api;
    return 0;
}

/* Loads and initialises the driver, then NVRTC, once per process (or hands out the mock). */
int rct_cuda_load(const rct_cuapi **api, rct_err *err)
{
    if (mock_api) {
        *api = mock_api;
        return 0;
    }
    pthread_mutex_lock(&load_lock);
    load_cuda_locked();
    if (cuda_state == 1)
        load_nvrtc_locked();
    int rc = cuda_state != 1 ? 1 : nvrtc_state != 1 ? 2 : 0;
    pthread_mutex_unlock(&load_lock);
    if (rc)
        return rct_errf(err, RECTIC_EDEVICE, "%s", rc == 1 ? cuda_msg : nvrtc_msg);
    *api = &real_api;
    return 0;
}

/* Tests: replaces both libraries by a table of their own. */
void rct_cuda_api_override(const rct_cuapi *mock)
{
    mock_api = mock;
}

/* Formats a failed driver call into err. */
int rct_cuda_fail(const rct_cuapi *api, rct_CUresult res, const char *what, rct_err *err)
{
    const char *s = NULL;
    if (!api->cuGetErrorString || api->cuGetErrorString(res, &s) != 0 || !s)
        s = "unknown error";
    return rct_errf(err, RECTIC_EDEVICE, "%s: %s (CUDA error %d)", what, s, res);
}

/* Opens a device: its primary context, compute capability, peak bandwidth and name. */
int rct_cudev_open(int ordinal, rct_cudev **out, rct_err *err)
{
    *out = NULL;
    const rct_cuapi *api = NULL;
    int rc = rct_cuda_load(&api, err);
    if (rc)
        return rc;
    int count = 0;
    rct_CUresult res = api->cuDeviceGetCount(&count);
    if (res != 0)
        return rct_cuda_fail(api, res, "no CUDA device: cuDeviceGetCount", err);
    if (ordinal < 0 || ordinal >= count)
        return rct_errf(err, RECTIC_EDEVICE, "no CUDA device cuda:%d (%d device%s found)", ordinal, count,
                        count == 1 ? "" : "s");
    rct_cudev *d = calloc(1, sizeof *d);
    if (!d)
        return rct_oom(err);
    d->api = api;
    d->ordinal = ordinal;
    if ((res = api->cuDeviceGet(&d->dev, ordinal)) != 0) {
        free(d);
        return rct_cuda_fail(api, res, "cuDeviceGet", err);
    }
    if ((res = api->cuDevicePrimaryCtxRetain(&d->ctx, d->dev)) != 0) {
        free(d);
        return rct_cuda_fail(api, res, "cannot create a context on the CUDA device (cuDevicePrimaryCtxRetain)", err);
    }
    if ((res = api->cuCtxSetCurrent(d->ctx)) != 0) {
        api->cuDevicePrimaryCtxRelease(d->dev);
        free(d);
        return rct_cuda_fail(api, res, "cuCtxSetCurrent", err);
    }
    int clock_khz = 0, bus_bits = 0;
    if (api->cuDeviceGetAttribute(&d->cc_major, RCT_CU_ATTR_CC_MAJOR, d->dev) != 0 ||
        api->cuDeviceGetAttribute(&d->cc_minor, RCT_CU_ATTR_CC_MINOR, d->dev) != 0) {
        rct_cudev_close(d);
        return rct_errf(err, RECTIC_EDEVICE, "cannot read the compute capability of cuda:%d", ordinal);
    }
    api->cuDeviceGetAttribute(&d->sm_count, RCT_CU_ATTR_SM_COUNT, d->dev);
    if (api->cuDeviceGetAttribute(&clock_khz, RCT_CU_ATTR_MEM_CLOCK_KHZ, d->dev) == 0 &&
        api->cuDeviceGetAttribute(&bus_bits, RCT_CU_ATTR_MEM_BUS_BITS, d->dev) == 0)
        d->peak_bandwidth = 2.0 * clock_khz * 1e3 * (bus_bits / 8.0); /* double data rate */
    api->cuDeviceTotalMem(&d->total_mem, d->dev);
    if (api->cuDeviceGetName(d->name, (int)sizeof d->name - 1, d->dev) != 0)
        snprintf(d->name, sizeof d->name, "cuda:%d", ordinal);
    *out = d;
    return 0;
}

/* Makes the device's context current on this thread. */
int rct_cudev_use(rct_cudev *d, rct_err *err)
{
    rct_CUresult res = d->api->cuCtxSetCurrent(d->ctx);
    return res ? rct_cuda_fail(d->api, res, "cuCtxSetCurrent", err) : 0;
}

/* Releases the primary context. */
void rct_cudev_close(rct_cudev *d)
{
    if (!d)
        return;
    d->api->cuDevicePrimaryCtxRelease(d->dev);
    free(d);
}

/* Compiles CUDA source to PTX or a cubin in memory with NVRTC. */
int rct_nvrtc_compile(const char *src, const char *name, const char *arch, int cubin, char **image, size_t *size,
                      rct_err *err)
{
    *image = NULL;
    *size = 0;
    const rct_cuapi *api = NULL;
    int rc = rct_nvrtc_load(&api, err);
    if (rc)
        return rc;
    rct_nvrtcProgram prog = NULL;
    int res = api->nvrtcCreateProgram(&prog, src, name, 0, NULL, NULL);
    if (res != 0)
        return rct_errf(err, RECTIC_EJIT, "nvrtcCreateProgram: %s", api->nvrtcGetErrorString(res));
    char archopt[64];
    snprintf(archopt, sizeof archopt, "--gpu-architecture=%s", arch);
    /* no contraction into fused multiply-adds, IEEE division and square root, denormals kept: each
       operation rounds as the CPU's; 177/550: locals the shared prologue declares and a kernel ignores */
    const char *const opts[] = {archopt, "--fmad=false", "--prec-div=true", "--prec-sqrt=true", "--ftz=false",
                                "--diag-suppress=177,550", "-minimal" /* fewer implicit headers: faster */};
    int n_opts = (int)(sizeof opts / sizeof opts[0]);
    res = api->nvrtcCompileProgram(prog, n_opts, opts);
    if (res == 5 /* NVRTC_ERROR_INVALID_OPTION: an NVRTC without -minimal */) {
        api->nvrtcDestroyProgram(&prog);
        if ((res = api->nvrtcCreateProgram(&prog, src, name, 0, NULL, NULL)) != 0)
            return rct_errf(err, RECTIC_EJIT, "nvrtcCreateProgram: %s", api->nvrtcGetErrorString(res));
        res = api->nvrtcCompileProgram(prog, n_opts - 1, opts);
    }
    if (res != 0) {
        size_t len = 0;
        char *log = NULL;
        if (api->nvrtcGetProgramLogSize(prog, &len) == 0 && (log = malloc(len + 1)) &&
            api->nvrtcGetProgramLog(prog, log) == 0)
            log[len] = '\0';
        rc = rct_errf(err, RECTIC_EJIT, "NVRTC could not compile the generated CUDA kernels for %s (a bug in rectic; "
                                        "rectic_net_emit with RECTIC_BACKEND_NVRTC shows the source): %s\n%s",
                      arch, api->nvrtcGetErrorString(res), log ? log : "");
        free(log);
        api->nvrtcDestroyProgram(&prog);
        return rc;
    }
    size_t len = 0;
    res = cubin ? api->nvrtcGetCUBINSize(prog, &len) : api->nvrtcGetPTXSize(prog, &len);
    char *out = res == 0 ? malloc(len + 1) : NULL;
    if (res == 0 && out)
        res = cubin ? api->nvrtcGetCUBIN(prog, out) : api->nvrtcGetPTX(prog, out);
    api->nvrtcDestroyProgram(&prog);
    if (!out)
        return res ? rct_errf(err, RECTIC_EJIT, "NVRTC: no %s: %s", cubin ? "cubin" : "PTX", api->nvrtcGetErrorString(res))
                   : rct_oom(err);
    if (res != 0) {
        free(out);
        return rct_errf(err, RECTIC_EJIT, "NVRTC: no %s: %s", cubin ? "cubin" : "PTX", api->nvrtcGetErrorString(res));
    }
    out[len] = '\0';
    *image = out;
    *size = len;
    return 0;
}

/*
 * mock_cuda.h -- a mock of the CUDA driver and NVRTC for tests without a GPU (rct_cuda_api_override): the
 * "PTX" is the CUDA source itself; loading a module compiles it with TinyCC with RECTIC_HOST_EMULATION
 * defined (generator/emit_cuda.c writes the kernels so that they are plain C then), and a launch calls the
 * kernel once per thread index (grid x block), in order.  Device memory is host memory, copies are
 * memcpy, streams and events do nothing, and stream capture records launches that a graph launch replays.
 * So the whole device runtime (runtime/cuda_run.c) runs on the CPU.  Header-only: include it in one file.
 */
#ifndef RCT_TESTS_MOCK_CUDA_H
#define RCT_TESTS_MOCK_CUDA_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "emit_cuda.h"
#include "jit_nvrtc.h"
#include "jit_tcc.h"

RCT_DCTX_DEF(void, RCT_NO_DOC)

/* A broken expectation of the mock is a bug in the runtime: stop at once. */
#define MOCK_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "mock_cuda: %s:%d: %s\n", __FILE__, __LINE__, #cond);              \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

long rectic_emu_tid; /* the emulated kernels' thread index (RCT_TID) */

typedef struct mock_fn {
    char name[64];
    rct_jit *jit;
    void *fn;
    int nargs;
} mock_fn;

typedef struct mock_mod {
    char *src;
    mock_fn fns[64];
    int n_fns;
} mock_mod;

typedef struct mock_launch {
    mock_fn *f;
    long threads;
    unsigned long long args[5];
} mock_launch;

typedef struct mock_graph {
    mock_launch *l;
    int n, cap;
} mock_graph;

static struct {
    int capturing, fail_capture;
    mock_graph capture;
    long launches, graph_launches, captures;
} mock;

/* Driver entry points that only have to succeed. */
static rct_CUresult m_ok_u(unsigned int a) { (void)a; return 0; }
/* Driver version 13.0. */
static rct_CUresult m_version(int *v) { *v = 13000; return 0; }
/* Every error has one name. */
static rct_CUresult m_errstr(rct_CUresult r, const char **s) { (void)r; *s = "CUDA_ERROR_MOCK"; return 0; }
/* One device. */
static rct_CUresult m_count(int *c) { *c = 1; return 0; }
/* Device handle = ordinal. */
static rct_CUresult m_get(rct_CUdevice *d, int o) { *d = o; return 0; }
/* The device's name. */
static rct_CUresult m_name(char *s, int len, rct_CUdevice d) { (void)d; snprintf(s, (size_t)len, "mock GPU (CPU emulation)"); return 0; }
/* Compute capability 9.0, 132 SMs, 2619 MHz x 5120 bits. */
static rct_CUresult m_attr(int *v, int a, rct_CUdevice d)
{
    (void)d;
    *v = a == RCT_CU_ATTR_CC_MAJOR ? 9 : a == RCT_CU_ATTR_CC_MINOR ? 0 : a == RCT_CU_ATTR_SM_COUNT ? 132
         : a == RCT_CU_ATTR_MEM_CLOCK_KHZ ? 2619000 : a == RCT_CU_ATTR_MEM_BUS_BITS ? 5120 : 0;
    return 0;
}
/* 80 GiB of device memory. */
static rct_CUresult m_total(size_t *b, rct_CUdevice d) { (void)d; *b = (size_t)80 << 30; return 0; }
/* A primary context that is never used. */
static rct_CUresult m_retain(rct_CUcontext *c, rct_CUdevice d) { (void)d; *c = (rct_CUcontext)(uintptr_t)1; return 0; }
/* Nothing to release. */
static rct_CUresult m_release(rct_CUdevice d) { (void)d; return 0; }
/* Nothing to make current. */
static rct_CUresult m_setctx(rct_CUcontext c) { (void)c; return 0; }

/* "Loads" a module: the image is the CUDA source, kept for compiling kernels on demand. */
static rct_CUresult m_modload(rct_CUmodule *m, const void *image)
{
    mock_mod *mod = calloc(1, sizeof *mod);
    const char *pre = "#define RECTIC_HOST_EMULATION 1\n";
    mod->src = malloc(strlen(pre) + strlen(image) + 1);
    strcpy(mod->src, pre);
    strcat(mod->src, image);
    *m = (rct_CUmodule)mod;
    return 0;
}

/* Frees a module and its compiled kernels. */
static rct_CUresult m_modunload(rct_CUmodule m)
{
    mock_mod *mod = (mock_mod *)m;
    for (int k = 0; k < mod->n_fns; k++)
        rct_jit_free(mod->fns[k].jit);
    free(mod->src);
    free(mod);
    return 0;
}

/* Compiles the module's source with TinyCC with `name` as the entry point. */
static rct_CUresult m_getfn(rct_CUfunction *f, rct_CUmodule m, const char *name)
{
    mock_mod *mod = (mock_mod *)m;
    static rct_symbol syms[64];
    if (!syms[0].name) {
        int k = 0;
        for (const rct_symbol *s = rct_emit_symbols(); s->name && k < 62; s++)
            syms[k++] = *s;
        syms[k].name = "rectic_emu_tid";
        syms[k].addr = &rectic_emu_tid;
    }
    MOCK_CHECK(mod->n_fns < 64);
    mock_fn *fn = &mod->fns[mod->n_fns];
    rct_err err = {0, ""};
    if (rct_jit_compile(mod->src, syms, name, &fn->jit, &fn->fn, &err) != 0) {
        fprintf(stderr, "mock_cuda: the emulated kernel %s does not compile: %s\n", name, err.msg);
        abort();
    }
    snprintf(fn->name, sizeof fn->name, "%s", name);
    /* its parameters, from its definition "RCT_KERNEL name(a, b, ...)": 2, 4 (a reduction) or 5 (its next level) */
    char head[200];
    snprintf(head, sizeof head, "RCT_KERNEL %s(", name);
    const char *def = strstr(mod->src, head);
    MOCK_CHECK(def != NULL);
    fn->nargs = 1;
    for (const char *q = def + strlen(head); *q && *q != ')'; q++)
        fn->nargs += *q == ',';
    MOCK_CHECK(fn->nargs == 2 || fn->nargs == 4 || fn->nargs == 5);
    mod->n_fns++;
    *f = (rct_CUfunction)fn;
    return 0;
}

/* Device memory is host memory. */
static rct_CUresult m_alloc(rct_CUdeviceptr *p, size_t b) { *p = (rct_CUdeviceptr)(uintptr_t)calloc(1, b); return 0; }
/* Frees device (host) memory. */
static rct_CUresult m_free(rct_CUdeviceptr p) { free((void *)(uintptr_t)p); return 0; }
/* All memory is free. */
static rct_CUresult m_meminfo(size_t *f, size_t *t) { *f = *t = (size_t)80 << 30; return 0; }
/* Pinned memory is plain memory. */
static rct_CUresult m_hostalloc(void **p, size_t b, unsigned int fl) { (void)fl; *p = malloc(b); return 0; }
/* Frees it. */
static rct_CUresult m_hostfree(void *p) { free(p); return 0; }
/* Copies (no copy may be captured into a graph). */
static rct_CUresult m_htod(rct_CUdeviceptr d, const void *s, size_t b, rct_CUstream st)
{
    (void)st;
    MOCK_CHECK(!mock.capturing);
    memcpy((void *)(uintptr_t)d, s, b);
    return 0;
}
/* Device to host: memcpy. */
static rct_CUresult m_dtoh(void *d, rct_CUdeviceptr s, size_t b, rct_CUstream st)
{
    (void)st;
    MOCK_CHECK(!mock.capturing);
    memcpy(d, (const void *)(uintptr_t)s, b);
    return 0;
}
/* Device to device: memcpy. */
static rct_CUresult m_dtod(rct_CUdeviceptr d, rct_CUdeviceptr s, size_t b, rct_CUstream st)
{
    (void)st;
    MOCK_CHECK(!mock.capturing);
    memcpy((void *)(uintptr_t)d, (const void *)(uintptr_t)s, b);
    return 0;
}
/* memset. */
static rct_CUresult m_memset(rct_CUdeviceptr d, unsigned char v, size_t n, rct_CUstream st)
{
    (void)st;
    MOCK_CHECK(!mock.capturing);
    memset((void *)(uintptr_t)d, v, n);
    return 0;
}
/* A stream that runs everything at once. */
static rct_CUresult m_stream(rct_CUstream *s, unsigned int f) { (void)f; *s = (rct_CUstream)(uintptr_t)1; return 0; }
/* Destroying or synchronising a stream: nothing to do. */
static rct_CUresult m_stream_x(rct_CUstream s) { (void)s; return 0; }
/* An event that records nothing. */
static rct_CUresult m_event(rct_CUevent *e, unsigned int f) { (void)f; *e = (rct_CUevent)(uintptr_t)1; return 0; }
/* Destroying or waiting for an event: nothing to do. */
static rct_CUresult m_event_x(rct_CUevent e) { (void)e; return 0; }
/* Recording an event: nothing to do. */
static rct_CUresult m_event_rec(rct_CUevent e, rct_CUstream s) { (void)e, (void)s; return 0; }
/* No time passes. */
static rct_CUresult m_elapsed(float *ms, rct_CUevent a, rct_CUevent b) { (void)a, (void)b; *ms = 0; return 0; }

/* Runs one launch: the kernel once per thread index. */
static void run_launch(const mock_launch *l)
{
    mock_fn *f = l->f;
    const unsigned long long *a = l->args;
    void *c = (void *)(uintptr_t)a[0];
    mock.launches++;
    for (long t = 0; t < l->threads; t++) {
        rectic_emu_tid = t;
        if (f->nargs == 2)
            ((void (*)(void *, long))f->fn)(c, (long)a[1]);
        else if (f->nargs == 4)
            ((void (*)(void *, long, long, long))f->fn)(c, (long)a[1], (long)a[2], (long)a[3]);
        else
            ((void (*)(void *, long, long, long, long))f->fn)(c, (long)a[1], (long)a[2], (long)a[3], (long)a[4]);
    }
}

/* Launches (or, while capturing, records) a kernel. */
static rct_CUresult m_launch(rct_CUfunction fn, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                             unsigned int by, unsigned int bz, unsigned int shm, rct_CUstream s, void **params,
                             void **extra)
{
    (void)s, (void)shm, (void)extra;
    MOCK_CHECK(gy == 1 && gz == 1 && by == 1 && bz == 1);
    mock_launch l = {(mock_fn *)fn, (long)gx * bx, {0}};
    for (int k = 0; k < l.f->nargs; k++)
        memcpy(&l.args[k], params[k], 8);
    if (mock.capturing) {
        mock_graph *g = &mock.capture;
        if (g->n == g->cap)
            g->l = realloc(g->l, (size_t)(g->cap = g->cap ? 2 * g->cap : 64) * sizeof *g->l);
        g->l[g->n++] = l;
        return 0;
    }
    run_launch(&l);
    return 0;
}

/* Stream capture: later launches are recorded. */
static rct_CUresult m_begin(rct_CUstream s, int mode)
{
    (void)s, (void)mode;
    if (mock.fail_capture)
        return 900;
    mock.capturing = 1;
    memset(&mock.capture, 0, sizeof mock.capture);
    return 0;
}

/* Ends the capture: the graph is the list of launches. */
static rct_CUresult m_end(rct_CUstream s, rct_CUgraph *g)
{
    (void)s;
    mock.capturing = 0;
    mock_graph *copy = malloc(sizeof *copy);
    *copy = mock.capture;
    *g = (rct_CUgraph)copy;
    mock.captures++;
    return 0;
}

/* Instantiates a graph: a copy of its list. */
static rct_CUresult m_inst(rct_CUgraphExec *e, rct_CUgraph g, unsigned long long fl)
{
    (void)fl;
    mock_graph *src = (mock_graph *)g, *copy = malloc(sizeof *copy);
    copy->n = copy->cap = src->n;
    copy->l = malloc((size_t)src->n * sizeof *copy->l + 1);
    memcpy(copy->l, src->l, (size_t)src->n * sizeof *copy->l);
    *e = (rct_CUgraphExec)copy;
    return 0;
}

/* Replays a graph's launches. */
static rct_CUresult m_glaunch(rct_CUgraphExec e, rct_CUstream s)
{
    (void)s;
    mock_graph *g = (mock_graph *)e;
    mock.graph_launches++;
    for (int k = 0; k < g->n; k++)
        run_launch(&g->l[k]);
    return 0;
}

/* Frees a graph or its instance. */
static rct_CUresult m_gexec_x(rct_CUgraphExec e)
{
    mock_graph *g = (mock_graph *)e;
    free(g->l);
    free(g);
    return 0;
}

/* Frees a captured graph. */
static rct_CUresult m_graph_x(rct_CUgraph e) { return m_gexec_x((rct_CUgraphExec)e); }

/* NVRTC: the "PTX" is the source itself. */
static int n_version(int *a, int *b) { *a = 13, *b = 0; return 0; }
/* Every NVRTC error has one name. */
static const char *n_errstr(int r) { (void)r; return "NVRTC_MOCK"; }
/* A program is a copy of its source. */
static int n_create(rct_nvrtcProgram *p, const char *src, const char *name, int nh, const char *const *h,
                    const char *const *inc)
{
    (void)name, (void)nh, (void)h, (void)inc;
    *p = (rct_nvrtcProgram)strdup(src);
    return 0;
}
/* Frees the program. */
static int n_destroy(rct_nvrtcProgram *p) { free(*p); *p = NULL; return 0; }
/* Compiling: nothing to do (TinyCC compiles at module load). */
static int n_compile(rct_nvrtcProgram p, int n, const char *const *o) { (void)p, (void)n, (void)o; return 0; }
/* An empty log. */
static int n_logsize(rct_nvrtcProgram p, size_t *s) { (void)p; *s = 0; return 0; }
/* An empty log. */
static int n_log(rct_nvrtcProgram p, char *l) { (void)p; l[0] = 0; return 0; }
/* The "PTX" is the source. */
static int n_ptxsize(rct_nvrtcProgram p, size_t *s) { *s = strlen((const char *)p) + 1; return 0; }
/* Copies the source out as "PTX". */
static int n_ptx(rct_nvrtcProgram p, char *out) { strcpy(out, (const char *)p); return 0; }

static const rct_cuapi mock_api = {
    .cuInit = m_ok_u, .cuDriverGetVersion = m_version, .cuGetErrorString = m_errstr, .cuDeviceGetCount = m_count,
    .cuDeviceGet = m_get, .cuDeviceGetName = m_name, .cuDeviceGetAttribute = m_attr, .cuDeviceTotalMem = m_total,
    .cuDevicePrimaryCtxRetain = m_retain, .cuDevicePrimaryCtxRelease = m_release, .cuCtxSetCurrent = m_setctx,
    .cuModuleLoadData = m_modload, .cuModuleUnload = m_modunload, .cuModuleGetFunction = m_getfn,
    .cuMemAlloc = m_alloc, .cuMemFree = m_free, .cuMemGetInfo = m_meminfo, .cuMemHostAlloc = m_hostalloc,
    .cuMemFreeHost = m_hostfree, .cuMemcpyHtoDAsync = m_htod, .cuMemcpyDtoHAsync = m_dtoh,
    .cuMemcpyDtoDAsync = m_dtod, .cuMemsetD8Async = m_memset, .cuStreamCreate = m_stream,
    .cuStreamDestroy = m_stream_x, .cuStreamSynchronize = m_stream_x, .cuLaunchKernel = m_launch,
    .cuEventCreate = m_event, .cuEventDestroy = m_event_x, .cuEventRecord = m_event_rec,
    .cuEventSynchronize = m_event_x, .cuEventElapsedTime = m_elapsed, .cuStreamBeginCapture = m_begin,
    .cuStreamEndCapture = m_end, .cuGraphInstantiate = m_inst, .cuGraphLaunch = m_glaunch,
    .cuGraphExecDestroy = m_gexec_x, .cuGraphDestroy = m_graph_x,
    .nvrtcVersion = n_version, .nvrtcGetErrorString = n_errstr, .nvrtcCreateProgram = n_create,
    .nvrtcDestroyProgram = n_destroy, .nvrtcCompileProgram = n_compile, .nvrtcGetProgramLogSize = n_logsize,
    .nvrtcGetProgramLog = n_log, .nvrtcGetPTXSize = n_ptxsize, .nvrtcGetPTX = n_ptx, .nvrtcGetCUBINSize = n_ptxsize,
    .nvrtcGetCUBIN = n_ptx, .cuda_lib = "mock", .nvrtc_lib = "mock"};

/* Switches the library to the mock driver (counters reset). */
static inline void use_mock(void)
{
    memset(&mock, 0, sizeof mock);
    rct_cuda_api_override(&mock_api);
}

#endif

/*
 * cuda_dev.h -- what the CUDA runtimes of a single template (cuda_run.c) and of a network of populations
 * (cuda_netrun.c) share: a device with its stream and module, buffers that grow on demand (device memory,
 * page-locked host memory), launches (one thread per item, the reduction trees of emit_cuda.h) and the
 * chunk of steps launched as one CUDA graph.  Internal to the runtime.
 */
#ifndef RCT_CUDA_DEV_H
#define RCT_CUDA_DEV_H

#include "jit_nvrtc.h"
#include "util.h"

/* One device allocation that grows on demand. */
typedef struct rct_dbuf {
    rct_CUdeviceptr p;
    size_t size;
} rct_dbuf;

/* One host buffer that grows on demand, page-locked when the driver allows (copies from and to it go at
   full speed and it is faulted in once, not per run). */
typedef struct rct_hbuf {
    void *p;
    size_t size;
    int pinned;
} rct_hbuf;

/* A device with its stream, the loaded kernels and the CUDA graph of one chunk. */
typedef struct rct_cuexec {
    rct_cudev *dev;
    rct_CUstream stream;
    rct_CUmodule mod;
    char arch[32];           /* "90" for compute capability 9.0 */
    double nvrtc_s, load_s;  /* the last compile and module load */
    size_t image_bytes;
    rct_CUgraphExec graph;   /* the launches of graph_steps steps */
    long graph_steps;
    int graphs_off;          /* RECTIC_CUDA_GRAPHS=0, or the driver could not capture */
    int graphs_used;
} rct_cuexec;

/* Opens device `ordinal` and a stream on it (x zeroed first); rct_cuexec_close frees what was opened. */
int rct_cuexec_open(rct_cuexec *x, int ordinal, rct_err *err);
void rct_cuexec_close(rct_cuexec *x);
/* Makes x's context current on the calling thread. */
int rct_cuexec_use(rct_cuexec *x, rct_err *err);
/* Compiles src with NVRTC for the device and loads it into *mod (PTX first; a cubin when the driver cannot
   read this NVRTC's PTX); the timings go to x. */
int rct_cuexec_compile(rct_cuexec *x, const char *src, rct_CUmodule *mod, rct_err *err);
/* Looks up kernel `name` of mod (a missing one is a bug in rectic). */
int rct_cuexec_fn(rct_cuexec *x, rct_CUmodule mod, const char *name, rct_CUfunction *fn, rct_err *err);
/* Makes mod the loaded module (unloading the previous one, dropping the graph). */
void rct_cuexec_set_module(rct_cuexec *x, rct_CUmodule mod);
/* Checks a driver call: 0, or RECTIC_EDEVICE with "what: CUDA_ERROR_..." in err. */
int rct_cuexec_ck(const rct_cuexec *x, rct_CUresult res, const char *what, rct_err *err);

/* Makes b hold at least `bytes` (its contents are lost when it grows); RECTIC_ENOMEM says what is free. */
int rct_dbuf_need(rct_cuexec *x, rct_dbuf *b, size_t bytes, rct_err *err);
void rct_dbuf_free(rct_cuexec *x, rct_dbuf *b);
/* Makes h hold at least `bytes` (its contents are lost when it grows); *out = the buffer. */
int rct_hbuf_need(rct_cuexec *x, rct_hbuf *h, size_t bytes, void **out, rct_err *err);
void rct_hbuf_free(rct_cuexec *x, rct_hbuf *h);

/* Launches f on `threads` threads with the given parameters. */
int rct_cu_launch(rct_cuexec *x, rct_CUfunction f, long threads, void **params, rct_err *err);
/* Launches the reduction of n values as emit_cuda.h's tree: f(ctx, k, P, dst), then f_next(ctx, count, P,
   src, dst) while more than one thread is left; the partial values take rct_cu_tree_len(n) reals. */
int rct_cu_launch_tree(rct_cuexec *x, rct_CUfunction f, rct_CUfunction f_next, rct_CUdeviceptr ctx, long k, long n,
                       rct_err *err);
long rct_cu_tree_len(long n);

/* Launches chunk steps 0..steps-1 through step(user, k, err): a full chunk (`full`) as a CUDA graph when
   one can be made (captured once, then launched for every chunk of that length), else launch by launch. */
typedef int (*rct_cu_step_fn)(void *user, long k, rct_err *err);
int rct_cu_launch_chunk(rct_cuexec *x, long steps, int full, rct_cu_step_fn step, void *user, rct_err *err);
/* Frees the graph. */
void rct_cuexec_drop_graph(rct_cuexec *x);

#endif

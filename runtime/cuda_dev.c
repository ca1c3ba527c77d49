/*
 * cuda_dev.c -- the device plumbing the CUDA runtimes share (see cuda_dev.h): the device, its stream and
 * module, buffers, launches, reduction trees, uploads and the CUDA graph of a chunk.  What is kept per
 * network (values, recordings, spikes) is cuda_pop.c's.
 */
#include "cuda_dev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_cuda.h"

#define BLOCK_THREADS ((unsigned int)RCT_CUDA_BLOCK) /* the warp kernels size their shared slots by it */

int rct_cuexec_ck(const rct_cuexec *x, rct_CUresult res, const char *what, rct_err *err)
{
    return res ? rct_cuda_fail(x->dev->api, res, what, err) : 0;
}

int rct_cuexec_open(rct_cuexec *x, int ordinal, rct_err *err)
{
    memset(x, 0, sizeof *x);
    int rc = rct_cudev_open(ordinal, &x->dev, err);
    if (rc)
        return rc;
    if ((rc = rct_cuexec_ck(x, x->dev->api->cuStreamCreate(&x->stream, 1 /* non-blocking */), "cuStreamCreate", err)))
        return rc;
    const char *g = getenv("RECTIC_CUDA_GRAPHS");
    x->graphs_off = g && !strcmp(g, "0");
    snprintf(x->arch, sizeof x->arch, "%d%d", x->dev->cc_major, x->dev->cc_minor);
    return 0;
}

int rct_cuexec_use(rct_cuexec *x, rct_err *err)
{
    return rct_cudev_use(x->dev, err);
}

void rct_cuexec_drop_graph(rct_cuexec *x)
{
    if (x->graph)
        x->dev->api->cuGraphExecDestroy(x->graph);
    x->graph = NULL;
    x->graph_steps = 0;
}

void rct_cuexec_close(rct_cuexec *x)
{
    if (!x->dev)
        return;
    rct_err quiet;
    rct_cudev_use(x->dev, &quiet);
    rct_cuexec_drop_graph(x);
    if (x->mod)
        x->dev->api->cuModuleUnload(x->mod);
    if (x->stream)
        x->dev->api->cuStreamDestroy(x->stream);
    rct_cudev_close(x->dev);
    memset(x, 0, sizeof *x);
}

int rct_cuexec_compile(rct_cuexec *x, const char *src, rct_CUmodule *mod, rct_err *err)
{
    const rct_cuapi *api = x->dev->api;
    char arch[48], *image;
    size_t size;
    snprintf(arch, sizeof arch, "compute_%s", x->arch);
    double t0 = rct_now();
    int rc = rct_nvrtc_compile(src, "rectic_kernels.cu", arch, 0, &image, &size, err);
    if (rc)
        return rc;
    double t1 = rct_now();
    rct_CUresult res = api->cuModuleLoadData(mod, image);
    if (res == RCT_CU_ERR_PTX_VERSION) {
        free(image);
        snprintf(arch, sizeof arch, "sm_%s", x->arch);
        t0 = rct_now();
        if ((rc = rct_nvrtc_compile(src, "rectic_kernels.cu", arch, 1, &image, &size, err)))
            return rc;
        t1 = rct_now();
        res = api->cuModuleLoadData(mod, image);
    }
    free(image);
    if (res)
        return rct_cuda_fail(api, res, "cuModuleLoadData (loading the compiled kernels)", err);
    x->nvrtc_s = t1 - t0;
    x->load_s = rct_now() - t1;
    x->image_bytes = size;
    return 0;
}

int rct_cuexec_fn(rct_cuexec *x, rct_CUmodule mod, const char *name, rct_CUfunction *fn, rct_err *err)
{
    rct_CUresult res = x->dev->api->cuModuleGetFunction(fn, mod, name);
    if (res) {
        char what[200];
        snprintf(what, sizeof what, "generated kernel %.120s not found (a bug in rectic)", name);
        return rct_cuda_fail(x->dev->api, res, what, err);
    }
    return 0;
}

void rct_cuexec_set_module(rct_cuexec *x, rct_CUmodule mod)
{
    rct_cuexec_drop_graph(x);
    if (x->mod)
        x->dev->api->cuModuleUnload(x->mod);
    x->mod = mod;
}

int rct_dbuf_need(rct_cuexec *x, rct_dbuf *b, size_t bytes, rct_err *err)
{
    if (bytes == 0)
        bytes = 8;
    if (b->p && b->size >= bytes)
        return 0;
    const rct_cuapi *api = x->dev->api;
    if (b->p)
        api->cuMemFree(b->p);
    b->p = 0;
    b->size = 0;
    rct_CUresult res = api->cuMemAlloc(&b->p, bytes);
    if (res != 0) {
        size_t free_b = 0, total = 0;
        api->cuMemGetInfo(&free_b, &total);
        rct_cuda_fail(api, res, "cuMemAlloc", err);
        return rct_errf(err, RECTIC_ENOMEM, "GPU memory: %.1f MiB do not fit (%.1f MiB free of %.1f MiB on %s)",
                        bytes / 1048576.0, free_b / 1048576.0, total / 1048576.0, x->dev->name);
    }
    b->size = bytes;
    return 0;
}

int rct_dbuf_upload(rct_cuexec *x, rct_dbuf *b, const void *src, size_t bytes, rct_err *err)
{
    const rct_cuapi *api = x->dev->api;
    int rc = rct_dbuf_need(x, b, bytes, err);
    if (!rc && bytes)
        rc = rct_cuexec_ck(x, api->cuMemcpyHtoDAsync(b->p, src, bytes, x->stream), "upload of the weights", err);
    return rc ? rc : rct_cuexec_ck(x, api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", err);
}

/* Turns compressed columns (ptr over cols + 1, row indices, values of rs bytes) into compressed rows, each
   row's entries by column; the three arrays malloc'd.  0, or RECTIC_ENOMEM. */
static int csc_to_csr(const long *ptr, const int *row, const void *val, long rows, long cols, size_t rs, long **tptr,
                      int **tcol, char **tval, rct_err *err)
{
    long nnz = ptr[cols];
    *tptr = calloc((size_t)rows + 2, sizeof **tptr);
    *tcol = malloc((size_t)nnz * sizeof **tcol + 1);
    *tval = malloc((size_t)nnz * rs + 1);
    long *next = calloc((size_t)rows + 1, sizeof *next);
    if (!*tptr || !*tcol || !*tval || !next) {
        free(next);
        return rct_oom(err);
    }
    for (long q = 0; q < nnz; q++)
        (*tptr)[row[q] + 1]++;
    for (long i = 0; i < rows; i++)
        (*tptr)[i + 1] += (*tptr)[i];
    memcpy(next, *tptr, (size_t)rows * sizeof *next);
    for (long j = 0; j < cols; j++) /* column j's entries (i, w) become row i's (j, w) */
        for (long q = ptr[j]; q < ptr[j + 1]; q++) {
            long at = next[row[q]]++;
            (*tcol)[at] = (int)j;
            memcpy(*tval + (size_t)at * rs, (const char *)val + (size_t)q * rs, rs);
        }
    free(next);
    return 0;
}

int rct_dbuf_upload_sparse(rct_cuexec *x, rct_dbuf *ptr_b, rct_dbuf *col_b, rct_dbuf *val_b, const long *ptr,
                           const int *idx, const void *val, long rows, long cols, int by_columns, size_t rs,
                           rct_err *err)
{
    long *tptr = NULL;
    int *tcol = NULL;
    char *tval = NULL;
    int rc = by_columns ? csc_to_csr(ptr, idx, val, rows, cols, rs, &tptr, &tcol, &tval, err) : 0;
    if (by_columns && !rc)
        ptr = tptr, idx = tcol, val = tval;
    long nnz = rc ? 0 : ptr[rows];
    if (!rc)
        rc = rct_dbuf_upload(x, ptr_b, ptr, ((size_t)rows + 1) * sizeof(long), err);
    if (!rc)
        rc = rct_dbuf_upload(x, col_b, idx, (size_t)nnz * sizeof(int), err);
    if (!rc)
        rc = rct_dbuf_upload(x, val_b, val, (size_t)nnz * rs, err);
    if (rc)
        rct_dbuf_free(x, ptr_b);
    free(tptr), free(tcol), free(tval);
    return rc;
}

void rct_dbuf_free(rct_cuexec *x, rct_dbuf *b)
{
    if (b->p)
        x->dev->api->cuMemFree(b->p);
    b->p = 0;
    b->size = 0;
}

void rct_hbuf_free(rct_cuexec *x, rct_hbuf *h)
{
    if (h->p && h->pinned)
        x->dev->api->cuMemFreeHost(h->p);
    else
        free(h->p);
    h->p = NULL;
    h->size = 0;
}

int rct_hbuf_need(rct_cuexec *x, rct_hbuf *h, size_t bytes, void **out, rct_err *err)
{
    if (bytes == 0)
        bytes = 8;
    if (!h->p || h->size < bytes) {
        rct_hbuf_free(x, h);
        h->pinned = x->dev->api->cuMemHostAlloc(&h->p, bytes, 0) == 0 && h->p;
        if (!h->pinned && !(h->p = malloc(bytes)))
            return rct_oom(err);
        h->size = bytes;
    }
    *out = h->p;
    return 0;
}

int rct_cu_csr_kernel(const char **suffix, int *lanes, rct_err *err)
{
    const char *v = getenv("RECTIC_CUDA_CSR");
    *suffix = "";
    *lanes = 1;
    if (!v || !*v || !strcmp(v, "thread"))
        return 0;
    if (strcmp(v, "warp") && strcmp(v, "tree"))
        return rct_errf(err, RECTIC_EINVAL, "RECTIC_CUDA_CSR: expected thread, warp or tree, not '%.40s'", v);
    *suffix = strcmp(v, "warp") ? "_tree" : "_warp";
    *lanes = 32;
    return 0;
}

int rct_cu_launch(rct_cuexec *x, rct_CUfunction f, long threads, void **params, rct_err *err)
{
    long grid = (threads + BLOCK_THREADS - 1) / BLOCK_THREADS;
    if (grid < 1)
        grid = 1;
    if (grid > 0x7fffffffL)
        return rct_errf(err, RECTIC_EINVAL, "too many neurons for one kernel launch (%ld threads)", threads);
    return rct_cuexec_ck(x, x->dev->api->cuLaunchKernel(f, (unsigned int)grid, 1, 1, BLOCK_THREADS, 1, 1, 0, x->stream,
                                                        params, NULL), "cuLaunchKernel", err);
}

/* Threads of the next level of a reduction over `count` values (1: the last level). */
static long tree_threads(long count)
{
    return count <= RCT_CUDA_RED_SERIAL ? 1 : (count + RCT_CUDA_RED_FAN - 1) / RCT_CUDA_RED_FAN;
}

long rct_cu_tree_len(long n)
{
    long total = 0;
    for (long count = n, p = tree_threads(n); p > 1; count = p, p = tree_threads(count))
        total += p;
    return total;
}

int rct_cu_launch_tree(rct_cuexec *x, rct_CUfunction f, rct_CUfunction f_next, rct_CUdeviceptr ctx, long k, long n,
                       rct_err *err)
{
    long P = tree_threads(n), dst = 0;
    void *first[] = {&ctx, &k, &P, &dst};
    int rc = rct_cu_launch(x, f, P, first, err);
    while (!rc && P > 1) {
        long count = P, src = dst;
        dst = src + count;
        P = tree_threads(count);
        void *params[] = {&ctx, &count, &P, &src, &dst};
        rc = rct_cu_launch(x, f_next, P, params, err);
    }
    return rc;
}

int rct_cu_launch_chunk(rct_cuexec *x, long steps, int full, rct_cu_step_fn step, void *user, rct_err *err)
{
    const rct_cuapi *api = x->dev->api;
    if (!x->graphs_off && full && steps > 1 && steps != x->graph_steps) {
        rct_cuexec_drop_graph(x);
        rct_CUgraph g = NULL;
        int ok = api->cuStreamBeginCapture(x->stream, 1 /* thread local */) == 0;
        int rc = 0;
        for (long k = 0; ok && k < steps && !rc; k++)
            rc = step(user, k, err);
        ok = api->cuStreamEndCapture(x->stream, &g) == 0 && ok && !rc && g;
        if (ok && api->cuGraphInstantiate(&x->graph, g, 0) == 0)
            x->graph_steps = steps;
        else
            x->graph = NULL, x->graphs_off = 1; /* the driver cannot: launch kernel by kernel from now on */
        if (g)
            api->cuGraphDestroy(g);
    }
    if (x->graph && steps == x->graph_steps) {
        x->graphs_used = 1;
        return rct_cuexec_ck(x, api->cuGraphLaunch(x->graph, x->stream), "cuGraphLaunch", err);
    }
    int rc = 0;
    for (long k = 0; k < steps && !rc; k++)
        rc = step(user, k, err);
    return rc;
}

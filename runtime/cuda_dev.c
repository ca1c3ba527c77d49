/*
 * cuda_dev.c -- the device plumbing the CUDA runtimes share (see cuda_dev.h).
 */
#include "cuda_dev.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_cuda.h"
#include "kernel_abi.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)

#define BLOCK_THREADS 256u

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

/* ---------------------------------------------------------------- chunks, recordings and spikes */

#define CHUNK_BYTES ((size_t)256 << 20)
#define SPIKE_CHUNK_BYTES ((size_t)32 << 20) /* spike bits per chunk: they are scanned on the host */

void rct_cu_chunk_start(rct_cu_chunk *ch, long run_steps, long sample_every)
{
    const char *cb = getenv("RECTIC_CUDA_CHUNK_BYTES");
    ch->bytes = cb && atol(cb) > 0 ? (size_t)atol(cb) : CHUNK_BYTES;
    ch->steps = run_steps < RCT_CUDA_CHUNK_STEPS ? (run_steps > 0 ? run_steps : 1) : RCT_CUDA_CHUNK_STEPS;
    ch->ring_rows = LONG_MAX;
    ch->sample_every = sample_every;
}

void rct_cu_chunk_fit(rct_cu_chunk *ch, size_t row_bytes, long max_rows, size_t in_bytes, size_t bits_bytes)
{
    if (row_bytes) {
        long rows = (long)(ch->bytes / row_bytes);
        if (rows < 1)
            rows = 1;
        if (max_rows > 0 && rows > max_rows)
            rows = max_rows;
        if (rows < ch->ring_rows)
            ch->ring_rows = rows;
    }
    if (ch->ring_rows < LONG_MAX / ch->sample_every && ch->steps > ch->ring_rows * ch->sample_every)
        ch->steps = ch->ring_rows * ch->sample_every;
    if (in_bytes && ch->steps > (long)(ch->bytes / in_bytes))
        ch->steps = (long)(ch->bytes / in_bytes);
    size_t spike_bytes = ch->bytes < SPIKE_CHUNK_BYTES ? ch->bytes : SPIKE_CHUNK_BYTES;
    if (bits_bytes && ch->steps > (long)(spike_bytes / bits_bytes))
        ch->steps = (long)(spike_bytes / bits_bytes);
}

void rct_cu_chunk_end(rct_cu_chunk *ch)
{
    if (ch->steps < 1)
        ch->steps = 1;
    long rows = (ch->steps + ch->sample_every - 1) / ch->sample_every + 1;
    if (rows < ch->ring_rows)
        ch->ring_rows = rows;
}

int rct_cu_rec_setup(rct_cuexec *x, rct_cu_rec *r, rectic_net *net, const void *recs, double **rec_data, int n_rec,
                     const rct_cu_chunk *ch, rectic_dctx *c, rct_err *err)
{
    size_t nb = (size_t)net->n * rct_rsize(net);
    r->net = net;
    r->rec_data = rec_data;
    r->n_rec = n_rec;
    r->ring_rows = ch->ring_rows;
    r->words = (net->n + 31) / 32;
    r->sum_words = (r->words + 31) / 32;
    r->host_row = 0;
    r->cap_spikes = 0;
    r->ring_host_p = NULL;
    r->bits_host_p = r->sum_host_p = NULL;
    int spiking = net->model->spike_def >= 0, rc;
    size_t bits = (size_t)ch->steps * (size_t)r->words * 4, sum = (size_t)ch->steps * (size_t)r->sum_words * 4;
    void *bh = NULL, *sh = NULL;
    if ((rc = rct_dbuf_need(x, &r->rec, (size_t)n_rec * sizeof(rectic_drec), err)) ||
        (rc = rct_dbuf_need(x, &r->ring, (size_t)r->ring_rows * (size_t)n_rec * nb, err)) ||
        (rc = rct_dbuf_need(x, &r->ring_ptrs, (size_t)n_rec * sizeof(rct_CUdeviceptr), err)) ||
        (spiking && ((rc = rct_dbuf_need(x, &r->bits, bits, err)) || (rc = rct_dbuf_need(x, &r->sum, sum, err)) ||
                     (rc = rct_hbuf_need(x, &r->bits_host, bits, &bh, err)) ||
                     (rc = rct_hbuf_need(x, &r->sum_host, sum, &sh, err)))) ||
        (net->f32 && (rc = rct_hbuf_need(x, &r->ring_host, (size_t)r->ring_rows * nb, &r->ring_host_p, err))))
        return rc;
    r->bits_host_p = bh;
    r->sum_host_p = sh;
    rct_CUdeviceptr *pp = malloc(((size_t)n_rec + 1) * sizeof *pp);
    rectic_drec *dr = malloc(((size_t)n_rec + 1) * sizeof *dr);
    if (!pp || !dr) {
        free(pp), free(dr);
        return rct_oom(err);
    }
    const rectic_krec *kr = recs;
    for (int k = 0; k < n_rec; k++) {
        dr[k] = (rectic_drec){kr[k].where, kr[k].slot, kr[k].stride};
        pp[k] = r->ring.p + (size_t)k * (size_t)r->ring_rows * nb;
    }
    const rct_cuapi *api = x->dev->api;
    rc = rct_cuexec_ck(x, api->cuMemcpyHtoDAsync(r->rec.p, dr, (size_t)n_rec * sizeof *dr, x->stream), "upload", err);
    if (!rc)
        rc = rct_cuexec_ck(x, api->cuMemcpyHtoDAsync(r->ring_ptrs.p, pp, (size_t)n_rec * sizeof *pp, x->stream), "upload",
                           err);
    if (!rc) /* the copies read pp and dr: wait before freeing them */
        rc = rct_cuexec_ck(x, api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", err);
    free(pp), free(dr);
    c->n_rec = n_rec;
    c->rec = (const rectic_drec *)(uintptr_t)r->rec.p;
    c->ring = (void *const *)(uintptr_t)r->ring_ptrs.p;
    c->spike_bits = (unsigned int *)(uintptr_t)r->bits.p;
    c->spike_words = r->words;
    c->spike_sum = (unsigned int *)(uintptr_t)r->sum.p;
    c->sum_words = r->sum_words;
    return rc;
}

int rct_cu_rec_begin(rct_cuexec *x, rct_cu_rec *r, long k, rct_err *err)
{
    const rct_cuapi *api = x->dev->api;
    if (!r->bits_host_p)
        return 0;
    int rc = rct_cuexec_ck(x, api->cuMemsetD8Async(r->bits.p, 0, (size_t)k * (size_t)r->words * 4, x->stream),
                           "cuMemsetD8Async", err);
    return rc ? rc : rct_cuexec_ck(x, api->cuMemsetD8Async(r->sum.p, 0, (size_t)k * (size_t)r->sum_words * 4, x->stream),
                                   "cuMemsetD8Async", err);
}

/* Appends a spike to net's list (cap: its room). */
static int add_spike(rectic_net *net, long *cap, long step, long neuron, rct_err *err)
{
    if (net->n_spikes == *cap) {
        long c = *cap ? 2 * *cap : 4096;
        long *s = realloc(net->spikes, (size_t)c * 2 * sizeof *s);
        if (!s)
            return rct_oom(err);
        net->spikes = s;
        *cap = c;
    }
    net->spikes[2 * net->n_spikes] = step;
    net->spikes[2 * net->n_spikes + 1] = neuron;
    net->n_spikes++;
    return 0;
}

int rct_cu_rec_collect(rct_cuexec *x, rct_cu_rec *r, long rows, long start, long k, rct_err *err)
{
    rectic_net *net = r->net;
    const rct_cuapi *api = x->dev->api;
    long n = net->n;
    size_t nb = (size_t)n * rct_rsize(net);
    int rc = 0;
    for (int q = 0; q < r->n_rec && !rc && rows > 0; q++) {
        rct_CUdeviceptr ring = r->ring.p + (size_t)q * (size_t)r->ring_rows * nb;
        double *dst = r->rec_data[q] + (size_t)r->host_row * (size_t)n;
        void *to = net->f32 ? r->ring_host_p : (void *)dst;
        rc = rct_cuexec_ck(x, api->cuMemcpyDtoHAsync(to, ring, (size_t)rows * nb, x->stream), "copy of the recordings", err);
        if (!rc && net->f32) {
            rc = rct_cuexec_ck(x, api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", err);
            for (long i = 0; !rc && i < rows * n; i++)
                dst[i] = (double)((const float *)r->ring_host_p)[i];
        }
    }
    if (!rc && r->bits_host_p)
        rc = rct_cuexec_ck(x, api->cuMemcpyDtoHAsync(r->bits_host_p, r->bits.p, (size_t)k * (size_t)r->words * 4, x->stream),
                           "copy of the spikes", err);
    if (!rc && r->bits_host_p)
        rc = rct_cuexec_ck(x, api->cuMemcpyDtoHAsync(r->sum_host_p, r->sum.p, (size_t)k * (size_t)r->sum_words * 4,
                                                     x->stream), "copy of the spikes", err);
    if (!rc)
        rc = rct_cuexec_ck(x, api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", err);
    if (rc)
        return rc;
    r->host_row += rows;
    for (long s = 0; r->bits_host_p && s < k && !rc; s++) { /* the summary leads to the words with spikes */
        const unsigned int *b = r->bits_host_p + s * r->words, *sum = r->sum_host_p + s * r->sum_words;
        for (long sw = 0; sw < r->sum_words && !rc; sw++)
            for (unsigned int t = sum[sw]; t && !rc; t &= t - 1) {
                long w = sw * 32 + __builtin_ctz(t);
                for (unsigned int bits = b[w]; bits && !rc; bits &= bits - 1)
                    rc = add_spike(net, &r->cap_spikes, start + s, w * 32 + __builtin_ctz(bits), err);
            }
    }
    return rc;
}

void rct_cu_rec_free(rct_cuexec *x, rct_cu_rec *r)
{
    rct_dbuf *all[] = {&r->rec, &r->ring, &r->ring_ptrs, &r->bits, &r->sum};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        rct_dbuf_free(x, all[k]);
    rct_hbuf_free(x, &r->ring_host);
    rct_hbuf_free(x, &r->bits_host);
    rct_hbuf_free(x, &r->sum_host);
}

/* ---------------------------------------------------------------- the values of a network */

int rct_cu_pop_setup(rct_cuexec *x, rct_cu_pop *P, rectic_net *net, long cols, const rct_cu_chunk *ch,
                     const void *recs, double **rec_data, int n_rec, int sample_mean, int guard, rectic_dctx *c,
                     rct_err *err)
{
    const rct_model *m = net->model;
    long n = net->n;
    size_t rs = rct_rsize(net), nb = (size_t)n * rs, ys = (size_t)m->n_state * nb;
    size_t coup = (size_t)(m->n_coup > 1 ? m->n_coup : 1) * nb;
    P->cols = cols;
    P->in_host_p = NULL;
    free(P->row);
    P->row = calloc((size_t)cols + 1, sizeof *P->row);
    int rc = P->row ? 0 : rct_oom(err);
    if (rc || (rc = rct_dbuf_need(x, &P->y, ys, err)) || (rc = rct_dbuf_need(x, &P->alg, (size_t)m->n_alg * nb, err)) ||
        (rc = rct_dbuf_need(x, &P->coup, coup, err)) || (rc = rct_dbuf_need(x, &P->params, (size_t)m->n_param * nb, err)) ||
        (rc = rct_dbuf_need(x, &P->param_ptrs, (size_t)m->n_param * sizeof(rct_CUdeviceptr), err)) ||
        (rc = rct_dbuf_need(x, &P->red, (size_t)m->n_reds * rs, err)) ||
        (rc = rct_dbuf_need(x, &P->part, (size_t)rct_cu_tree_len(n) * rs, err)) ||
        (rc = rct_dbuf_need(x, &P->acc, (size_t)n * sizeof(double), err)) ||
        (rc = rct_dbuf_need(x, &P->input, (size_t)(cols ? cols * ch->steps : 1) * rs, err)) ||
        (guard && ((rc = rct_dbuf_need(x, &P->y_snap, ys, err)) ||
                               (rc = rct_dbuf_need(x, &P->acc_snap, (size_t)n * sizeof(double), err)))) ||
        (cols && (rc = rct_hbuf_need(x, &P->in_host, (size_t)(cols * ch->steps) * rs, &P->in_host_p, err))) ||
        (rc = rct_cu_rec_setup(x, &P->rec, net, recs, rec_data, n_rec, ch, c, err)))
        return rc;
    /* uploads: the state, the coupling blocks, the parameters */
    const rct_cuapi *api = x->dev->api;
    rct_CUstream s = x->stream;
    rct_CUdeviceptr *pp = malloc(((size_t)m->n_param + 1) * sizeof *pp);
    if (!pp)
        return rct_oom(err);
    rc = rct_cuexec_ck(x, api->cuMemcpyHtoDAsync(P->y.p, net->y, ys, s), "upload of the state", err);
    if (!rc)
        rc = rct_cuexec_ck(x, api->cuMemcpyHtoDAsync(P->coup.p, net->coup, coup, s), "upload of the coupling", err);
    for (int p = 0; !rc && p < m->n_param; p++) {
        pp[p] = P->params.p + (size_t)p * nb;
        rc = rct_cuexec_ck(x, api->cuMemcpyHtoDAsync(pp[p], net->param_real[p], nb, s), "upload of the parameters", err);
    }
    if (!rc && m->n_param)
        rc = rct_cuexec_ck(x, api->cuMemcpyHtoDAsync(P->param_ptrs.p, pp, (size_t)m->n_param * sizeof *pp, s),
                           "upload of the parameters", err);
    if (!rc) /* a zero input row (read with stride 0) when the run has none; the output sums of mean sampling */
        rc = rct_cuexec_ck(x, api->cuMemsetD8Async(P->input.p, 0, cols ? 1 : rs, s), "cuMemsetD8Async", err);
    if (!rc)
        rc = rct_cuexec_ck(x, api->cuMemsetD8Async(P->acc.p, 0, (size_t)n * sizeof(double), s), "cuMemsetD8Async", err);
    if (!rc) /* the copies read pp: wait before freeing it */
        rc = rct_cuexec_ck(x, api->cuStreamSynchronize(s), "cuStreamSynchronize", err);
    free(pp);
    /* the context, but for the per-chunk fields */
    c->n = n;
    c->dt = net->dt;
    c->threshold = net->threshold;
    c->reset = net->reset;
    c->y = (void *)(uintptr_t)P->y.p;
    c->alg = (void *)(uintptr_t)P->alg.p;
    c->coup = (void *)(uintptr_t)P->coup.p;
    c->param = (const void *const *)(uintptr_t)P->param_ptrs.p;
    c->input = (const void *)(uintptr_t)P->input.p;
    c->in_row = cols;
    c->in_col = cols == n && n > 1 ? 1 : 0;
    c->red = (void *)(uintptr_t)P->red.p;
    c->part = (void *)(uintptr_t)P->part.p;
    c->first_step = (net->cutoff + net->sample_every - 1) / net->sample_every * net->sample_every;
    c->sample_every = net->sample_every;
    c->cutoff = net->cutoff;
    c->sample_mean = sample_mean;
    c->acc = (double *)(uintptr_t)P->acc.p;
    return rc;
}

int rct_cu_pop_inputs(rct_cuexec *x, rct_cu_pop *P, rectic_net *net, const double *array, rectic_input_fn fn,
                      void *user, long start, long k, rct_err *err)
{
    long cols = P->cols;
    if (!cols)
        return 0;
    const void *src = P->in_host_p;
    if (array && !net->f32) {
        src = array + start * cols; /* float64 arrays go up as they are */
    } else {
        for (long s = 0; s < k; s++) {
            const double *row = array ? array + (start + s) * cols : P->row;
            if (!array && fn(user, start + s, P->row, cols) != 0)
                return rct_errf(err, RECTIC_ECANCEL, "the input callback stopped the run at step %ld", start + s);
            for (long j = 0; j < cols; j++)
                rct_rset(net, P->in_host_p, (size_t)(s * cols + j), row[j]);
        }
    }
    return rct_cuexec_ck(x, x->dev->api->cuMemcpyHtoDAsync(P->input.p, src, (size_t)(k * cols) * rct_rsize(net), x->stream),
                         "upload of the inputs", err);
}

int rct_cu_pop_snapshot(rct_cuexec *x, rct_cu_pop *P, const rectic_net *net, int restore, rct_err *err)
{
    const rct_cuapi *api = x->dev->api;
    size_t ys = (size_t)net->model->n_state * (size_t)net->n * rct_rsize(net), as = (size_t)net->n * sizeof(double);
    int rc = rct_cuexec_ck(x, restore ? api->cuMemcpyDtoDAsync(P->y.p, P->y_snap.p, ys, x->stream)
                                      : api->cuMemcpyDtoDAsync(P->y_snap.p, P->y.p, ys, x->stream), "snapshot", err);
    return rc ? rc : rct_cuexec_ck(x, restore ? api->cuMemcpyDtoDAsync(P->acc.p, P->acc_snap.p, as, x->stream)
                                              : api->cuMemcpyDtoDAsync(P->acc_snap.p, P->acc.p, as, x->stream),
                                   "snapshot", err);
}

int rct_cu_pop_download(rct_cuexec *x, rct_cu_pop *P, rectic_net *net, rct_err *err)
{
    const rct_cuapi *api = x->dev->api;
    const rct_model *m = net->model;
    size_t nb = (size_t)net->n * rct_rsize(net);
    int rc = rct_cuexec_ck(x, api->cuMemcpyDtoHAsync(net->y, P->y.p, (size_t)m->n_state * nb, x->stream),
                           "copy of the state", err);
    if (!rc && m->n_alg)
        rc = rct_cuexec_ck(x, api->cuMemcpyDtoHAsync(net->alg, P->alg.p, (size_t)m->n_alg * nb, x->stream), "copy", err);
    if (!rc)
        rc = rct_cuexec_ck(x, api->cuMemcpyDtoHAsync(net->coup, P->coup.p, (size_t)(m->n_coup > 1 ? m->n_coup : 1) * nb,
                                                     x->stream), "copy", err);
    return rc ? rc : rct_cuexec_ck(x, api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", err);
}

void rct_cu_pop_free(rct_cuexec *x, rct_cu_pop *P)
{
    rct_dbuf *all[] = {&P->y, &P->y_snap, &P->alg, &P->coup, &P->params, &P->param_ptrs, &P->red, &P->part, &P->acc,
                       &P->acc_snap, &P->input};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        rct_dbuf_free(x, all[k]);
    rct_hbuf_free(x, &P->in_host);
    rct_cu_rec_free(x, &P->rec);
    free(P->row);
    P->row = NULL;
}

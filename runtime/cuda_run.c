/*
 * cuda_run.c -- the CUDA backend's runtime: NVRTC compile and module load, device buffers, and the run
 * loop in chunks of steps.
 *
 * Memory layout on the device (`real` = the network's type): the state y (one block of n per state
 * variable, as on the host), a copy of it taken at each chunk's start (to replay a chunk that produced a
 * non-finite value), the algebraic variables, the coupling target, the weights as the CPU kernel has
 * them (dense n x n, row = target, with RCT_CUDA_LANES partial sums per row; or compressed sparse rows),
 * uploaded once, the parameters (n values each), the
 * reductions' partial values, the chunk's input rows, one ring of recorded rows per recorded value, one
 * bit per neuron and step for the spikes, and the context (rectic_dctx) every kernel reads.
 *
 * A chunk: upload the context and the inputs, launch the kernels of K steps back to back on one stream
 * (as one CUDA graph when the driver allows: one launch instead of K x kernels), then copy back the
 * recorded rows and spike bits and wait once.  The GPU never waits for the host within a chunk.  Chunks
 * are at most CHUNK_STEPS steps (progress and cancellation are checked between them) and small enough
 * for the ring, input and spike buffers to stay under CHUNK_BYTES each.
 */
#include "cuda_run.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "cuda_dev.h"
#include "emit_cuda.h"
#include "jit_nvrtc.h"
#include "kernel_abi.h"
#include "observer.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)
RCT_DCTX_DEF(void, RCT_NO_DOC)

#define CHUNK_STEPS 4096L
#define CHUNK_BYTES ((size_t)256 << 20)
#define SPIKE_CHUNK_BYTES ((size_t)32 << 20) /* spike bits per chunk: they are scanned on the host */
#define MAX_OPS 256

struct rct_cuda {
    rct_cuexec x;            /* device, stream, module, graph */
    rct_cu_op ops[MAX_OPS];
    int n_ops;
    rct_CUfunction gemv_part, gemv_sum, csr, *reduce, *reduce_next, *pass;
    int n_reds, n_passes;
    /* device buffers */
    rct_dbuf y, y_snap, alg, coup, w, wpart, csr_ptr, csr_col, csr_val, params, param_ptrs, red, part, acc, acc_snap;
    rct_dbuf bad_step, ctx;
    rct_dbuf input, rec, ring, ring_ptrs, spike_bits, spike_sum;
    rct_hbuf in_host, ring_host, bits_host, sum_host; /* kept from run to run */
    int w_uploaded;
};

/* Size of one value of the network's type. */
static size_t rsz(const rectic_net *net)
{
    return net->f32 ? sizeof(float) : sizeof(double);
}

/* Frees the graph, the device buffers, the module, the stream and the context reference. */
void rct_cuda_free(rct_cuda *cu)
{
    if (!cu)
        return;
    if (cu->x.dev) {
        rct_err quiet;
        rct_cuexec_use(&cu->x, &quiet);
        rct_dbuf *all[] = {&cu->y, &cu->y_snap, &cu->alg, &cu->coup, &cu->w, &cu->wpart, &cu->csr_ptr, &cu->csr_col,
                           &cu->csr_val, &cu->params, &cu->param_ptrs,
                           &cu->red, &cu->part, &cu->acc, &cu->acc_snap, &cu->bad_step, &cu->ctx, &cu->input, &cu->rec,
                           &cu->ring, &cu->ring_ptrs, &cu->spike_bits, &cu->spike_sum};
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
            rct_dbuf_free(&cu->x, all[k]);
        rct_hbuf_free(&cu->x, &cu->in_host);
        rct_hbuf_free(&cu->x, &cu->ring_host);
        rct_hbuf_free(&cu->x, &cu->bits_host);
        rct_hbuf_free(&cu->x, &cu->sum_host);
        rct_cuexec_close(&cu->x);
    }
    free(cu->reduce);
    free(cu->reduce_next);
    free(cu->pass);
    free(cu);
}

/* Opens the device and the stream on first use. */
static int open_device(rectic_net *net)
{
    if (net->cuda)
        return rct_cuexec_use(&net->cuda->x, &net->err);
    rct_cuda *cu = calloc(1, sizeof *cu);
    if (!cu)
        return rct_oom(&net->err);
    int rc = rct_cuexec_open(&cu->x, net->device, &net->err);
    if (rc) {
        rct_cuda_free(cu);
        return rc;
    }
    net->cuda = cu;
    return 0;
}

/* Emits the CUDA kernels, compiles them with NVRTC, loads them and looks up every kernel of the schedule. */
int rct_cuda_compile(rectic_net *net, const rct_emit_opts *o)
{
    int rc = open_device(net);
    if (rc)
        return rc;
    rct_cuda *cu = net->cuda;
    const rct_model *m = net->model;
    double t0 = rct_now();
    char *src = rct_emit_cuda(m, o, &net->err);
    if (!src)
        return net->err.code;
    int n_ops = rct_cuda_schedule(m, o, cu->ops, MAX_OPS);
    if (n_ops >= MAX_OPS) {
        free(src);
        return rct_errf(&net->err, RECTIC_EINVAL, "the model needs more than %d kernels per step", MAX_OPS - 1);
    }
    double t1 = rct_now();
    rct_CUmodule mod = NULL;
    if ((rc = rct_cuexec_compile(&cu->x, src, &mod, &net->err))) {
        free(src);
        return rc;
    }
    rct_CUfunction *red = calloc((size_t)m->n_reds + 1, sizeof *red), *next = calloc((size_t)m->n_reds + 1, sizeof *next),
                   *pass = calloc((size_t)m->n_passes + 1, sizeof *pass), part = NULL, sum = NULL, csr = NULL;
    if (!red || !next || !pass)
        rc = rct_oom(&net->err);
    for (int k = 0; k < n_ops && !rc; k++) {
        char name[64];
        int i = cu->ops[k].index;
        switch (cu->ops[k].kind) {
        case RCT_CU_GEMV:
            if (!(rc = rct_cuexec_fn(&cu->x, mod, "rectic_gemv_part", &part, &net->err)))
                rc = rct_cuexec_fn(&cu->x, mod, "rectic_gemv_sum", &sum, &net->err);
            break;
        case RCT_CU_CSR:
            rc = rct_cuexec_fn(&cu->x, mod, "rectic_csr", &csr, &net->err);
            break;
        case RCT_CU_REDUCE:
            snprintf(name, sizeof name, "rectic_reduce_%d", i);
            if (!(rc = rct_cuexec_fn(&cu->x, mod, name, &red[i], &net->err))) {
                snprintf(name, sizeof name, "rectic_reduce_%d_next", i);
                rc = rct_cuexec_fn(&cu->x, mod, name, &next[i], &net->err);
            }
            break;
        case RCT_CU_PASS:
            snprintf(name, sizeof name, "rectic_pass_%d", i);
            rc = rct_cuexec_fn(&cu->x, mod, name, &pass[i], &net->err);
            break;
        }
    }
    if (rc) {
        cu->x.dev->api->cuModuleUnload(mod);
        free(red), free(next), free(pass), free(src);
        return rc;
    }
    rct_cuexec_set_module(&cu->x, mod);
    free(cu->reduce), free(cu->reduce_next), free(cu->pass);
    cu->n_ops = n_ops;
    cu->gemv_part = part, cu->gemv_sum = sum, cu->csr = csr, cu->reduce = red, cu->reduce_next = next, cu->pass = pass;
    cu->n_reds = m->n_reds;
    cu->n_passes = m->n_passes;
    free(net->src);
    net->src = src;
    net->compilations++;
    net->dirty = 0;
    net->kernel_kind = "nvrtc";
    net->timings.generate = t1 - t0;
    net->timings.jit = rct_now() - t1;
    return 0;
}

/* Copies what the benchmarks report about the network's device and its last compile. */
void rct_cuda_get_info(const rectic_net *net, rct_cuda_info *info)
{
    memset(info, 0, sizeof *info);
    const rct_cuda *cu = net->cuda;
    if (!cu)
        return;
    snprintf(info->name, sizeof info->name, "%s", cu->x.dev->name);
    info->cc_major = cu->x.dev->cc_major;
    info->cc_minor = cu->x.dev->cc_minor;
    info->sm_count = cu->x.dev->sm_count;
    info->peak_bandwidth = cu->x.dev->peak_bandwidth;
    info->nvrtc_seconds = cu->x.nvrtc_s;
    info->load_seconds = cu->x.load_s;
    info->image_bytes = cu->x.image_bytes;
    info->graphs = cu->x.graphs_used;
}

/* ---------------------------------------------------------------- launches */

/* A step's launches need the network's size. */
typedef struct step_args {
    rct_cuda *cu;
    long n;
} step_args;

/* Launches the kernels of chunk step k (the context is in cu->ctx). */
static int launch_step(void *user, long k, rct_err *err)
{
    const step_args *a = user;
    rct_cuda *cu = a->cu;
    rct_cuexec *x = &cu->x;
    long n = a->n;
    rct_CUdeviceptr ctx = cu->ctx.p;
    void *params[] = {&ctx, &k};
    int rc = 0;
    for (int o = 0; o < cu->n_ops && !rc; o++) {
        int i = cu->ops[o].index;
        if (cu->ops[o].kind == RCT_CU_GEMV) {
            if (!(rc = rct_cu_launch(x, cu->gemv_part, n * RCT_CUDA_LANES, params, err)))
                rc = rct_cu_launch(x, cu->gemv_sum, n, params, err);
        } else if (cu->ops[o].kind == RCT_CU_CSR) {
            rc = rct_cu_launch(x, cu->csr, n, params, err);
        } else if (cu->ops[o].kind == RCT_CU_REDUCE) {
            rc = rct_cu_launch_tree(x, cu->reduce[i], cu->reduce_next[i], ctx, k, n, err);
        } else {
            rc = rct_cu_launch(x, cu->pass[i], n, params, err);
        }
    }
    return rc;
}

/* Launches chunk steps 0..steps-1 (a full chunk as a CUDA graph when it can). */
static int launch_chunk(rct_cuda *cu, long n, long steps, int full, rct_err *err)
{
    step_args a = {cu, n};
    return rct_cu_launch_chunk(&cu->x, steps, full, launch_step, &a, err);
}

/* ---------------------------------------------------------------- a run */

/* State of one run on the device. */
typedef struct drun {
    rectic_net *net;
    rct_cuda *cu;
    const rct_cuapi *api;
    long n, steps, cols, chunk;    /* chunk: steps per chunk at most */
    size_t rs;
    const double *array;
    rectic_input_fn fn;
    void *user;
    void *in_host;                 /* one chunk of input rows in the network's type (cu->in_host) */
    double *row;                   /* one input row from the callback */
    void *ring_host;               /* float32: one ring before conversion (cu->ring_host) */
    unsigned int *bits_host;       /* the chunk's spike bits (cu->bits_host) */
    unsigned int *sum_host;        /* which of their words are not 0 (cu->sum_host) */
    long ring_rows;                /* rows each ring holds */
    long host_rows;                /* rows the host buffers hold (fewer when the recording streams) */
    long host_row;                 /* next free row of the host buffers */
    int n_recs;
    long words;                    /* spike words per step */
    long sum_words;                /* summary words per step: one bit per spike word */
    long cap_spikes;
    rectic_dctx ctx;
} drun;

/* Number of recorded rows among steps 0..s-1 of the run. */
static long rows_before(const rectic_net *net, long s)
{
    return rct_obs_rows(s, net->sample_every, net->cutoff);
}

/* Uploads the sparse weights as compressed sparse rows: the CPU's rows as they are, or its columns
   (event-driven coupling keeps W by source) turned into rows, each row's entries by source. */
static int upload_sparse(drun *r)
{
    rectic_net *net = r->net;
    rct_cuda *cu = r->cu;
    rct_err *err = &net->err;
    long n = r->n, nnz = net->csr_ptr ? net->csr_ptr[n] : 0;
    if (!net->csr_ptr)
        return rct_errf(err, RECTIC_EINVAL, "the network's coupling has neither dense nor sparse weights");
    const long *ptr = net->csr_ptr;
    const int *col = net->csr_col;
    const void *val = net->csr_val;
    long *tptr = NULL;
    int *tcol = NULL;
    char *tval = NULL;
    int rc = 0;
    if (net->coupling_mode == RCT_COUP_EVENT) { /* transpose: column j's entries (i, w) become row i's (j, w) */
        tptr = calloc((size_t)n + 2, sizeof *tptr);
        tcol = malloc((size_t)nnz * sizeof *tcol + 1);
        tval = malloc((size_t)nnz * r->rs + 1);
        long *next = calloc((size_t)n + 1, sizeof *next);
        if (!tptr || !tcol || !tval || !next) {
            free(tptr), free(tcol), free(tval), free(next);
            return rct_oom(err);
        }
        for (long q = 0; q < nnz; q++)
            tptr[col[q] + 1]++;
        for (long i = 0; i < n; i++)
            tptr[i + 1] += tptr[i];
        memcpy(next, tptr, (size_t)n * sizeof *next);
        for (long j = 0; j < n; j++)
            for (long q = ptr[j]; q < ptr[j + 1]; q++) {
                long at = next[col[q]]++;
                tcol[at] = (int)j;
                memcpy(tval + (size_t)at * r->rs, (const char *)val + (size_t)q * r->rs, r->rs);
            }
        free(next);
        ptr = tptr, col = tcol, val = tval;
    }
    const rct_cuapi *api = r->api;
    if (!(rc = rct_dbuf_need(&cu->x, &cu->csr_ptr, ((size_t)n + 1) * sizeof(long), err)) &&
        !(rc = rct_dbuf_need(&cu->x, &cu->csr_col, (size_t)nnz * sizeof(int), err)) &&
        !(rc = rct_dbuf_need(&cu->x, &cu->csr_val, (size_t)nnz * r->rs, err)) &&
        !(rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->csr_ptr.p, ptr, ((size_t)n + 1) * sizeof(long), cu->x.stream), "upload of the weights", err)) &&
        !(rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->csr_col.p, col, (size_t)nnz * sizeof(int), cu->x.stream), "upload of the weights", err)) &&
        !(rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->csr_val.p, val, (size_t)nnz * r->rs, cu->x.stream), "upload of the weights", err)))
        rc = rct_cuexec_ck(&cu->x, api->cuStreamSynchronize(cu->x.stream), "cuStreamSynchronize", err);
    free(tptr), free(tcol), free(tval);
    if (rc)
        rct_dbuf_free(&cu->x, &cu->csr_ptr);
    return rc;
}

/* Allocates the run's device and host buffers and uploads the state, parameters and weights. */
static int setup(drun *r, const void *recs)
{
    rectic_net *net = r->net;
    rct_cuda *cu = r->cu;
    const rct_model *m = net->model;
    rct_err *err = &net->err;
    long n = r->n;
    size_t rs = r->rs, nb = (size_t)n * rs;
    int rc;
    /* chunk length: CHUNK_STEPS, less when a chunk's rows, inputs or spike bits would pass CHUNK_BYTES
       (RECTIC_CUDA_CHUNK_BYTES overrides it: the tests make chunks tiny) */
    const char *cb = getenv("RECTIC_CUDA_CHUNK_BYTES");
    size_t chunk_bytes = cb && atol(cb) > 0 ? (size_t)atol(cb) : CHUNK_BYTES;
    long chunk = r->steps < CHUNK_STEPS ? (r->steps > 0 ? r->steps : 1) : CHUNK_STEPS;
    size_t row_bytes = (size_t)r->n_recs * nb;
    long ring_rows = (long)(chunk_bytes / row_bytes);
    if (ring_rows < 1)
        ring_rows = 1;
    if (net->spill && ring_rows > net->chunk_rows)
        ring_rows = net->chunk_rows;
    if (chunk > ring_rows * net->sample_every)
        chunk = ring_rows * net->sample_every;
    if (r->cols && chunk > (long)(chunk_bytes / ((size_t)r->cols * rs)))
        chunk = (long)(chunk_bytes / ((size_t)r->cols * rs));
    size_t bits_bytes = chunk_bytes < SPIKE_CHUNK_BYTES ? chunk_bytes : SPIKE_CHUNK_BYTES;
    if (m->spike_def >= 0 && chunk > (long)(bits_bytes / ((size_t)r->words * 4)))
        chunk = (long)(bits_bytes / ((size_t)r->words * 4));
    if (chunk < 1)
        chunk = 1;
    r->chunk = chunk;
    long rows = (chunk + net->sample_every - 1) / net->sample_every + 1;
    r->ring_rows = rows < ring_rows ? rows : ring_rows;
    r->host_rows = net->spill ? net->chunk_rows : rows_before(net, r->steps);
    /* device buffers */
    size_t ys = (size_t)m->n_state * nb;
    if ((rc = rct_dbuf_need(&cu->x, &cu->y, ys, err)) || (rc = rct_dbuf_need(&cu->x, &cu->alg, (size_t)m->n_alg * nb, err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->coup, nb, err)) || (rc = rct_dbuf_need(&cu->x, &cu->params, (size_t)m->n_param * nb, err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->param_ptrs, (size_t)m->n_param * sizeof(rct_CUdeviceptr), err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->red, (size_t)m->n_reds * rs, err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->part, (size_t)rct_cu_tree_len(n) * rs, err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->acc, (size_t)n * sizeof(double), err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->bad_step, sizeof(unsigned int), err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->ctx, sizeof(rectic_dctx), err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->input, (size_t)(r->cols ? r->cols * chunk : 1) * rs, err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->rec, (size_t)r->n_recs * sizeof(rectic_drec), err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->ring, (size_t)r->ring_rows * row_bytes, err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->ring_ptrs, (size_t)r->n_recs * sizeof(rct_CUdeviceptr), err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->spike_bits, (size_t)chunk * (size_t)r->words * 4, err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->spike_sum, (size_t)chunk * (size_t)r->sum_words * 4, err)))
        return rc;
    if (net->check_finite && ((rc = rct_dbuf_need(&cu->x, &cu->y_snap, ys, err)) ||
                              (rc = rct_dbuf_need(&cu->x, &cu->acc_snap, (size_t)n * sizeof(double), err))))
        return rc;
    if (net->has_coupling && !net->w && !cu->csr_ptr.p && (rc = upload_sparse(r)))
        return rc;
    if (net->w && !cu->w.p) {
        if ((size_t)n > SIZE_MAX / nb)
            return rct_errf(err, RECTIC_ENOMEM, "weights of %ld x %ld do not fit", n, n);
        if ((rc = rct_dbuf_need(&cu->x, &cu->w, (size_t)n * nb, err)) ||
            (rc = rct_dbuf_need(&cu->x, &cu->wpart, (size_t)n * RCT_CUDA_LANES * rs, err)))
            return rc;
        cu->w_uploaded = 0;
    }
    /* host buffers */
    void *bits = NULL, *sum = NULL;
    if ((r->cols && (rc = rct_hbuf_need(&cu->x, &cu->in_host, (size_t)(r->cols * chunk) * rs, &r->in_host, err))) ||
        (net->f32 && (rc = rct_hbuf_need(&cu->x, &cu->ring_host, (size_t)r->ring_rows * nb, &r->ring_host, err))) ||
        (m->spike_def >= 0 && (rc = rct_hbuf_need(&cu->x, &cu->bits_host, (size_t)chunk * (size_t)r->words * 4, &bits, err))) ||
        (m->spike_def >= 0 && (rc = rct_hbuf_need(&cu->x, &cu->sum_host, (size_t)chunk * (size_t)r->sum_words * 4, &sum, err))))
        return rc;
    r->bits_host = bits;
    r->sum_host = sum;
    r->row = r->fn ? calloc((size_t)r->cols + 1, sizeof *r->row) : NULL;
    if (r->fn && !r->row)
        return rct_oom(err);
    /* uploads: the state, parameters, weights (once), recording descriptions, ring pointers */
    const rct_cuapi *api = r->api;
    rct_CUstream s = cu->x.stream;
    rct_CUdeviceptr *pp = malloc(((size_t)m->n_param + (size_t)r->n_recs + 1) * sizeof *pp);
    rectic_drec *dr = malloc(((size_t)r->n_recs + 1) * sizeof *dr);
    if (!pp || !dr) {
        free(pp), free(dr);
        return rct_oom(err);
    }
    rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->y.p, net->y, ys, s), "upload of the state", err);
    if (!rc && m->target >= 0)
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->coup.p, net->coup, nb, s), "upload of the coupling target", err);
    for (int p = 0; !rc && p < m->n_param; p++) {
        pp[p] = cu->params.p + (size_t)p * nb;
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(pp[p], net->param_real[p], nb, s), "upload of the parameters", err);
    }
    if (!rc && m->n_param)
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->param_ptrs.p, pp, (size_t)m->n_param * sizeof *pp, s),
                "upload of the parameters", err);
    if (!rc && net->w && !cu->w_uploaded) {
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->w.p, net->w, (size_t)n * nb, s), "upload of the weights", err);
        cu->w_uploaded = !rc;
    }
    const rectic_krec *kr = recs;
    for (int k = 0; k < r->n_recs; k++) {
        dr[k].where = kr[k].where;
        dr[k].slot = kr[k].slot;
        dr[k].phase = kr[k].phase;
        dr[k].stride = kr[k].stride;
        pp[k] = cu->ring.p + (size_t)k * (size_t)r->ring_rows * nb;
    }
    if (!rc)
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->rec.p, dr, (size_t)r->n_recs * sizeof *dr, s), "upload", err);
    if (!rc)
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->ring_ptrs.p, pp, (size_t)r->n_recs * sizeof *pp, s), "upload", err);
    if (!rc) /* a zero input row (read with stride 0) when the run has none; the output sums of mean sampling */
        rc = rct_cuexec_ck(&cu->x, api->cuMemsetD8Async(cu->input.p, 0, r->cols ? 1 : rs, s), "cuMemsetD8Async", err);
    if (!rc)
        rc = rct_cuexec_ck(&cu->x, api->cuMemsetD8Async(cu->acc.p, 0, (size_t)n * sizeof(double), s), "cuMemsetD8Async", err);
    if (!rc) /* the copies read pp and dr: wait before freeing them */
        rc = rct_cuexec_ck(&cu->x, api->cuStreamSynchronize(s), "cuStreamSynchronize", err);
    free(pp), free(dr);
    if (rc)
        return rc;
    /* the context, complete but for the per-chunk fields */
    rectic_dctx *c = &r->ctx;
    memset(c, 0, sizeof *c);
    c->n = n;
    c->dt = net->dt;
    c->threshold = net->threshold;
    c->reset = net->reset;
    c->y = (void *)(uintptr_t)cu->y.p;
    c->alg = (void *)(uintptr_t)cu->alg.p;
    c->coup = (void *)(uintptr_t)cu->coup.p;
    c->w = (const void *)(uintptr_t)cu->w.p;
    c->wpart = (void *)(uintptr_t)cu->wpart.p;
    c->csr_ptr = (const long *)(uintptr_t)cu->csr_ptr.p;
    c->csr_col = (const int *)(uintptr_t)cu->csr_col.p;
    c->csr_val = (const void *)(uintptr_t)cu->csr_val.p;
    c->param = (const void *const *)(uintptr_t)cu->param_ptrs.p;
    c->input = (const void *)(uintptr_t)cu->input.p;
    c->in_row = r->cols;
    c->in_col = r->cols == n && n > 1 ? 1 : 0;
    c->red = (void *)(uintptr_t)cu->red.p;
    c->part = (void *)(uintptr_t)cu->part.p;
    c->n_rec = r->n_recs;
    c->rec = (const rectic_drec *)(uintptr_t)cu->rec.p;
    c->ring = (void *const *)(uintptr_t)cu->ring_ptrs.p;
    c->first_step = (net->cutoff + net->sample_every - 1) / net->sample_every * net->sample_every;
    c->sample_every = net->sample_every;
    c->cutoff = net->cutoff;
    c->sample_mean = net->sample_mode == RECTIC_SAMPLE_MEAN;
    c->acc = (double *)(uintptr_t)cu->acc.p;
    c->spike_bits = (unsigned int *)(uintptr_t)cu->spike_bits.p;
    c->spike_words = r->words;
    c->spike_sum = (unsigned int *)(uintptr_t)cu->spike_sum.p;
    c->sum_words = r->sum_words;
    c->bad_step = (unsigned int *)(uintptr_t)cu->bad_step.p;
    return 0;
}

/* Converts and uploads the inputs of steps start..start+k-1. */
static int upload_inputs(drun *r, long start, long k)
{
    rectic_net *net = r->net;
    if (!r->cols)
        return 0;
    const void *src = r->in_host;
    if (r->array && !net->f32) {
        src = r->array + start * r->cols; /* float64 arrays go up as they are */
    } else {
        for (long s = 0; s < k; s++) {
            const double *row = r->array ? r->array + (start + s) * r->cols : r->row;
            if (!r->array && r->fn(r->user, start + s, r->row, r->cols) != 0)
                return rct_errf(&net->err, RECTIC_ECANCEL, "the input callback stopped the run at step %ld", start + s);
            for (long j = 0; j < r->cols; j++) {
                if (net->f32)
                    ((float *)r->in_host)[s * r->cols + j] = (float)row[j];
                else
                    ((double *)r->in_host)[s * r->cols + j] = row[j];
            }
        }
    }
    return rct_cuexec_ck(&r->cu->x, r->api->cuMemcpyHtoDAsync(r->cu->input.p, src, (size_t)(k * r->cols) * r->rs, r->cu->x.stream),
              "upload of the inputs", &net->err);
}

/* Starts a chunk at step `start`: context, counters, the snapshot of the state. */
static int begin_chunk(drun *r, long start, long k)
{
    rct_cuda *cu = r->cu;
    const rct_cuapi *api = r->api;
    rct_err *err = &r->net->err;
    rct_CUstream s = cu->x.stream;
    r->ctx.step0 = start;
    r->ctx.ring_row0 = rows_before(r->net, start);
    int rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->ctx.p, &r->ctx, sizeof r->ctx, s), "upload of the context", err);
    if (!rc)
        rc = rct_cuexec_ck(&cu->x, api->cuMemsetD8Async(cu->bad_step.p, 0xff, sizeof(unsigned int), s), "cuMemsetD8Async", err);
    if (!rc && r->bits_host)
        rc = rct_cuexec_ck(&cu->x, api->cuMemsetD8Async(cu->spike_bits.p, 0, (size_t)k * (size_t)r->words * 4, s), "cuMemsetD8Async", err);
    if (!rc && r->bits_host)
        rc = rct_cuexec_ck(&cu->x, api->cuMemsetD8Async(cu->spike_sum.p, 0, (size_t)k * (size_t)r->sum_words * 4, s), "cuMemsetD8Async",
                err);
    if (!rc && cu->y_snap.p && r->net->check_finite) {
        size_t ys = (size_t)r->net->model->n_state * (size_t)r->n * r->rs;
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyDtoDAsync(cu->y_snap.p, cu->y.p, ys, s), "snapshot", err);
        if (!rc)
            rc = rct_cuexec_ck(&cu->x, api->cuMemcpyDtoDAsync(cu->acc_snap.p, cu->acc.p, (size_t)r->n * sizeof(double), s), "snapshot", err);
    }
    /* the context and the counters are copied from host memory that changes later: wait for them */
    return rc ? rc : rct_cuexec_ck(&cu->x, api->cuStreamSynchronize(s), "cuStreamSynchronize", err);
}

/* Restores the state of the chunk's start. */
static int restore_chunk(drun *r)
{
    rct_cuda *cu = r->cu;
    size_t ys = (size_t)r->net->model->n_state * (size_t)r->n * r->rs;
    int rc = rct_cuexec_ck(&cu->x, r->api->cuMemcpyDtoDAsync(cu->y.p, cu->y_snap.p, ys, cu->x.stream), "restore", &r->net->err);
    if (!rc)
        rc = rct_cuexec_ck(&cu->x, r->api->cuMemcpyDtoDAsync(cu->acc.p, cu->acc_snap.p, (size_t)r->n * sizeof(double), cu->x.stream),
                "restore", &r->net->err);
    return rc;
}

/* Appends a spike to the run's list. */
static int add_spike(rectic_net *net, long *cap, long step, long neuron)
{
    if (net->n_spikes == *cap) {
        long c = *cap ? 2 * *cap : 4096;
        long *s = realloc(net->spikes, (size_t)c * 2 * sizeof *s);
        if (!s)
            return rct_oom(&net->err);
        net->spikes = s;
        *cap = c;
    }
    net->spikes[2 * net->n_spikes] = step;
    net->spikes[2 * net->n_spikes + 1] = neuron;
    net->n_spikes++;
    return 0;
}

/* Copies the chunk's recorded rows and spikes back (steps start..start+k-1, all done). */
static int collect(drun *r, long start, long k)
{
    rectic_net *net = r->net;
    rct_cuda *cu = r->cu;
    const rct_cuapi *api = r->api;
    long n = r->n, rows = rows_before(net, start + k) - rows_before(net, start);
    size_t nb = (size_t)n * r->rs;
    int rc = 0;
    if (rows > 0 && net->spill && r->host_row + rows > r->host_rows) {
        if ((rc = rct_obs_spill(net, r->host_row)))
            return rc;
        r->host_row = 0;
    }
    for (int q = 0; q < r->n_recs && !rc && rows > 0; q++) {
        rct_CUdeviceptr ring = cu->ring.p + (size_t)q * (size_t)r->ring_rows * nb;
        double *dst = net->rec_data[q] + (size_t)r->host_row * (size_t)n;
        void *to = net->f32 ? r->ring_host : (void *)dst;
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyDtoHAsync(to, ring, (size_t)rows * nb, cu->x.stream), "copy of the recordings", &net->err);
        if (!rc && net->f32) {
            rc = rct_cuexec_ck(&cu->x, api->cuStreamSynchronize(cu->x.stream), "cuStreamSynchronize", &net->err);
            for (long i = 0; !rc && i < rows * n; i++)
                dst[i] = (double)((const float *)r->ring_host)[i];
        }
    }
    if (!rc && r->bits_host)
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyDtoHAsync(r->bits_host, cu->spike_bits.p, (size_t)k * (size_t)r->words * 4, cu->x.stream),
                "copy of the spikes", &net->err);
    if (!rc && r->bits_host)
        rc = rct_cuexec_ck(&cu->x, api->cuMemcpyDtoHAsync(r->sum_host, cu->spike_sum.p, (size_t)k * (size_t)r->sum_words * 4, cu->x.stream),
                "copy of the spikes", &net->err);
    if (!rc)
        rc = rct_cuexec_ck(&cu->x, api->cuStreamSynchronize(cu->x.stream), "cuStreamSynchronize", &net->err);
    if (rc)
        return rc;
    r->host_row += rows;
    for (long s = 0; r->bits_host && s < k && !rc; s++) { /* the summary leads to the words with spikes */
        const unsigned int *b = r->bits_host + s * r->words, *sum = r->sum_host + s * r->sum_words;
        for (long sw = 0; sw < r->sum_words && !rc; sw++)
            for (unsigned int t = sum[sw]; t && !rc; t &= t - 1) {
                long w = sw * 32 + __builtin_ctz(t);
                for (unsigned int bits = b[w]; bits && !rc; bits &= bits - 1)
                    rc = add_spike(net, &r->cap_spikes, start + s, w * 32 + __builtin_ctz(bits));
            }
    }
    return rc;
}

/* Reports the first non-finite state value (after step `step`), as the CPU runtime does. */
static int report_nonfinite(drun *r, long step)
{
    rectic_net *net = r->net;
    const rct_model *m = net->model;
    for (int s = 0; s < m->n_state; s++)
        for (long i = 0; i < r->n; i++) {
            long k = (long)s * r->n + i;
            double x = net->f32 ? (double)((const float *)net->y)[k] : ((const double *)net->y)[k];
            if (x - x != 0) {
                const rct_var *v = &m->vars[m->state_var[s]];
                return rct_errf(&net->err, RECTIC_ENUMERIC,
                                "the state became %s at step %ld (t = %g): neuron %ld, variable %s/%s; the recordings "
                                "hold the steps before it (--no-check-finite carries NaN on, as RectiPy)",
                                x != x ? "NaN" : "infinite", step, (double)step * net->dt, i, v->op, v->name);
            }
        }
    return rct_errf(&net->err, RECTIC_ENUMERIC, "the state became NaN or infinite at step %ld", step);
}

/* Copies the device's state, algebraic variables and coupling target back to the host arrays. */
static int download_state(drun *r)
{
    rectic_net *net = r->net;
    rct_cuda *cu = r->cu;
    const rct_model *m = net->model;
    size_t nb = (size_t)r->n * r->rs;
    int rc = rct_cuexec_ck(&cu->x, r->api->cuMemcpyDtoHAsync(net->y, cu->y.p, (size_t)m->n_state * nb, cu->x.stream), "copy of the state",
                &net->err);
    if (!rc && m->n_alg)
        rc = rct_cuexec_ck(&cu->x, r->api->cuMemcpyDtoHAsync(net->alg, cu->alg.p, (size_t)m->n_alg * nb, cu->x.stream), "copy", &net->err);
    if (!rc && m->target >= 0)
        rc = rct_cuexec_ck(&cu->x, r->api->cuMemcpyDtoHAsync(net->coup, cu->coup.p, nb, cu->x.stream), "copy", &net->err);
    if (!rc)
        rc = rct_cuexec_ck(&cu->x, r->api->cuStreamSynchronize(cu->x.stream), "cuStreamSynchronize", &net->err);
    return rc;
}

/* The chunk loop. */
static int run_chunks(drun *r)
{
    rectic_net *net = r->net;
    rct_cuda *cu = r->cu;
    long done = 0;
    int rc = 0;
    while (done < r->steps && !rc) {
        long k = r->steps - done < r->chunk ? r->steps - done : r->chunk;
        if ((rc = upload_inputs(r, done, k)) || (rc = begin_chunk(r, done, k)) ||
            (rc = launch_chunk(cu, r->n, k, k == r->chunk, &net->err)))
            break;
        unsigned int bad = 0xffffffffu;
        if ((rc = rct_cuexec_ck(&cu->x, r->api->cuMemcpyDtoHAsync(&bad, cu->bad_step.p, sizeof bad, cu->x.stream), "copy", &net->err)) ||
            (rc = rct_cuexec_ck(&cu->x, r->api->cuStreamSynchronize(cu->x.stream), "cuStreamSynchronize", &net->err)))
            break;
        int nonfinite = net->check_finite && bad < (unsigned int)k;
        if (nonfinite) { /* replay the chunk up to the step that went wrong, so that it ends the run */
            k = (long)bad + 1;
            if ((rc = restore_chunk(r)) || (rc = begin_chunk(r, done, k)) || (rc = launch_chunk(cu, r->n, k, 0, &net->err)))
                break;
        }
        if ((rc = collect(r, done, k)))
            break;
        done += k;
        net->steps_done = done;
        if (nonfinite) {
            if (!(rc = download_state(r)))
                rc = report_nonfinite(r, done - 1);
            return rc;
        }
        if (net->cancel && *net->cancel)
            return rct_errf(&net->err, RECTIC_ECANCEL, "run cancelled after %ld of %ld steps", done, r->steps);
        if (net->progress && net->progress(net->progress_user, done, r->steps) != 0)
            return rct_errf(&net->err, RECTIC_ECANCEL, "run cancelled after %ld of %ld steps", done, r->steps);
    }
    return rc;
}

/* Runs `steps` steps on the GPU: recordings prepared, buffers set up, chunks run, state copied back. */
int rct_cuda_run(rectic_net *net, long steps, const double *array, rectic_input_fn fn, void *user, long cols)
{
    rct_cuda *cu = net->cuda;
    if (!cu)
        return rct_errf(&net->err, RECTIC_EDEVICE, "the CUDA kernels are not compiled");
    int rc = rct_cuexec_use(&cu->x, &net->err);
    if (rc)
        return rc;
    drun r;
    memset(&r, 0, sizeof r);
    r.net = net;
    r.cu = cu;
    r.api = cu->x.dev->api;
    r.n = net->n;
    r.steps = steps;
    r.cols = cols;
    r.rs = rsz(net);
    r.array = array;
    r.fn = fn;
    r.user = user;
    r.words = (net->n + 31) / 32;
    r.sum_words = (r.words + 31) / 32;
    void *recs = NULL;
    net->steps_done = 0;
    long in_col = cols == net->n && net->n > 1 ? 1 : 0;
    if ((rc = rct_obs_prepare(net, steps, in_col, &recs, &r.n_recs)))
        return rc;
    double t0 = rct_now();
    if (!(rc = setup(&r, recs))) {
        int run_rc = run_chunks(&r);
        int dl_rc = run_rc == RECTIC_ENUMERIC ? 0 : download_state(&r);
        rc = run_rc ? run_rc : dl_rc;
    }
    if (!rc && net->spill && r.host_row > 0)
        rc = rct_obs_spill(net, r.host_row);
    else if (rc && net->spill && r.host_row > 0) {
        int wrc = rct_obs_spill(net, r.host_row);
        (void)wrc;
    }
    net->timings.run = rct_now() - t0;
    free(recs);
    free(r.row);
    if (!rc)
        net->err.code = 0;
    return rc;
}

/*
 * cuda_run.c -- the CUDA backend's runtime: NVRTC compile and module load, device buffers, and the run
 * loop in chunks of steps.
 *
 * Memory layout on the device (`real` = the network's type): the state y (one block of n per state
 * variable, as on the host), a copy of it taken at each chunk's start (to replay a chunk that produced a
 * non-finite value), the algebraic variables, the coupling target, the weights as the CPU kernel has
 * them (dense n x n, row = target, with RCT_CUDA_LANES partial sums per row; or compressed sparse rows;
 * event-driven coupling: W by target as rows and the columns' targets, one bit per target touched by a
 * step's spikes, a snapshot of W @ source), uploaded once, the parameters (n values each), the
 * reductions' partial values, the chunk's input rows, one ring of recorded rows per recorded value, one
 * bit per neuron and step for the spikes, and the context (rectic_dctx) every kernel reads.
 *
 * A chunk: upload the context and the inputs, launch the kernels of K steps back to back on one stream
 * (as one CUDA graph when the driver allows: one launch instead of K x kernels), then copy back the
 * recorded rows and spike bits and wait once.  The GPU never waits for the host within a chunk.  Chunks
 * are at most RCT_CUDA_CHUNK_STEPS steps (progress and cancellation are checked between them) and small
 * enough for the ring, input and spike buffers to stay under a size each (rct_cu_chunk).  The buffers of
 * the network's values, recordings and spikes, the launches and the graphs are cuda_dev.c's, which the
 * runtime of networks of populations (cuda_netrun.c) shares.
 */
#include "cuda_run.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "emit_c.h"
#include "cuda_dev.h"
#include "emit_cuda.h"
#include "jit_nvrtc.h"
#include "kernel_abi.h"
#include "observer.h"
#include "popnet.h"
#include "run_common.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)

#define MAX_OPS 256

struct rct_cuda {
    rct_cuexec x;            /* device, stream, module, graph */
    rct_cu_op ops[MAX_OPS];
    int n_ops;
    rct_CUfunction gemv_part, gemv_sum, csr, *reduce, *reduce_next, *pass;
    rct_CUfunction ev_clear, ev_mark, ev_gather; /* event-driven coupling */
    int csr_lanes;           /* threads per row of the sparse product: 1, or 32 (RECTIC_CUDA_CSR warp, tree) */
    int n_reds, n_passes;
    /* device buffers */
    rct_cu_pop pop;          /* state, parameters, inputs, recordings, spikes */
    rct_dbuf w, wpart, csr_ptr, csr_col, csr_val, bad_step, ctx;
    rct_dbuf ev_ptr, ev_tgt, touched, coup_snap; /* event-driven: W by source, targets reached, a snapshot */
    int w_uploaded;
};

/* Frees the graph, the device buffers, the module, the stream and the context reference. */
void rct_cuda_release(rectic_net *net)
{
    rct_cuda_free(net->cuda);
    net->cuda = NULL;
    if (net->pn) {
        rct_cuda_pn_free(net->pn->cuda);
        net->pn->cuda = NULL;
    }
}

void rct_cuda_free(rct_cuda *cu)
{
    if (!cu)
        return;
    if (cu->x.dev) {
        rct_err quiet;
        rct_cuexec_use(&cu->x, &quiet);
        rct_dbuf *all[] = {&cu->w,      &cu->wpart,  &cu->csr_ptr, &cu->csr_col, &cu->csr_val, &cu->bad_step,
                           &cu->ctx,    &cu->ev_ptr, &cu->ev_tgt,  &cu->touched, &cu->coup_snap};
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
            rct_dbuf_free(&cu->x, all[k]);
        rct_cu_pop_free(&cu->x, &cu->pop);
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
    const char *csr_suffix;
    char csr_name[64];
    int lanes;
    rct_CUmodule mod = NULL;
    if (!(rc = rct_cu_csr_kernel(&csr_suffix, &lanes, &net->err)))
        snprintf(csr_name, sizeof csr_name, "rectic_csr%s", csr_suffix);
    if (rc || (rc = rct_cuexec_compile(&cu->x, src, &mod, &net->err))) {
        free(src);
        return rc;
    }
    rct_CUfunction *red = calloc((size_t)m->n_reds + 1, sizeof *red), *next = calloc((size_t)m->n_reds + 1, sizeof *next),
                   *pass = calloc((size_t)m->n_passes + 1, sizeof *pass), part = NULL, sum = NULL, csr = NULL,
                   ev[3] = {NULL, NULL, NULL};
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
            rc = rct_cuexec_fn(&cu->x, mod, csr_name, &csr, &net->err);
            break;
        case RCT_CU_EVENT:
            if (!(rc = rct_cuexec_fn(&cu->x, mod, "rectic_event_clear", &ev[0], &net->err)) &&
                !(rc = rct_cuexec_fn(&cu->x, mod, "rectic_event_mark", &ev[1], &net->err)))
                rc = rct_cuexec_fn(&cu->x, mod, "rectic_event_gather", &ev[2], &net->err);
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
    cu->ev_clear = ev[0], cu->ev_mark = ev[1], cu->ev_gather = ev[2], cu->csr_lanes = lanes;
    cu->n_reds = m->n_reds;
    cu->n_passes = m->n_passes;
    free(net->src);
    net->src = src;
    net->compilations++;
    net->dirty = 0;
    net->kernel_kind = "nvrtc";
    net->timings.generate += t1 - t0; /* every compilation counts */
    net->timings.jit += rct_now() - t1;
    return 0;
}

/* Copies what the benchmarks report about the network's device and its last compile. */
void rct_cuda_get_info(const rectic_net *net, rct_cuda_info *info)
{
    memset(info, 0, sizeof *info);
    const rct_cuexec *x = net->cuda ? &net->cuda->x : net->pn ? rct_cuda_pn_exec(net->pn->cuda) : NULL;
    if (!x)
        return;
    snprintf(info->name, sizeof info->name, "%s", x->dev->name);
    info->cc_major = x->dev->cc_major;
    info->cc_minor = x->dev->cc_minor;
    info->sm_count = x->dev->sm_count;
    info->peak_bandwidth = x->dev->peak_bandwidth;
    info->nvrtc_seconds = x->nvrtc_s;
    info->load_seconds = x->load_s;
    info->image_bytes = x->image_bytes;
    info->graphs = x->graphs_used;
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
            rc = rct_cu_launch(x, cu->csr, n * cu->csr_lanes, params, err);
        } else if (cu->ops[o].kind == RCT_CU_EVENT) { /* a thread per spike word, then per target */
            long words = (n + 31) / 32;
            if (!(rc = rct_cu_launch(x, cu->ev_clear, words, params, err)) &&
                !(rc = rct_cu_launch(x, cu->ev_mark, words, params, err)))
                rc = rct_cu_launch(x, cu->ev_gather, n, params, err);
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
    long steps;
    const double *array;
    rectic_input_fn fn;
    void *user;
    long host_rows;                /* rows the host buffers hold (fewer when the recording streams) */
    rct_cu_chunk ch;
    rectic_dctx ctx;
} drun;

/* Number of recorded rows among the run's first s steps (the run begins at step net->run_first of the
   network's step counter, which sampling and the cutoff count in). */
static long rows_before(const rectic_net *net, long s)
{
    return rct_obs_rows_from(net->run_first, s, net->sample_every, net->cutoff);
}

/* Uploads the sparse weights as compressed sparse rows: the CPU's rows as they are, or its columns
   (event-driven coupling keeps W by source) turned into rows, and then also the columns' targets as they
   are (which targets a spike reaches). */
static int upload_sparse(drun *r)
{
    rectic_net *net = r->net;
    rct_cuda *cu = r->cu;
    int event = net->coupling_mode == RCT_COUP_EVENT, rc;
    if (!net->csr_ptr)
        return rct_errf(&net->err, RECTIC_EINVAL, "the network's coupling has neither dense nor sparse weights");
    if (event && ((rc = rct_dbuf_upload(&cu->x, &cu->ev_ptr, net->csr_ptr, ((size_t)net->n + 1) * sizeof(long), &net->err)) ||
                  (rc = rct_dbuf_upload(&cu->x, &cu->ev_tgt, net->csr_col, (size_t)net->csr_ptr[net->n] * sizeof(int),
                                        &net->err))))
        return rc;
    return rct_dbuf_upload_sparse(&cu->x, &cu->csr_ptr, &cu->csr_col, &cu->csr_val, net->csr_ptr, net->csr_col,
                                  net->csr_val, net->n, net->n, event, rct_rsize(net), &net->err);
}

/* Event-driven coupling: W @ source from the run's starting state when the host has none kept (as the CPU
   runtime does, in its order), and room for the touched targets and the snapshot of W @ source. */
static int event_start(drun *r)
{
    rectic_net *net = r->net;
    if (net->coupling_mode != RCT_COUP_EVENT)
        return 0;
    if (!net->event_valid) /* else W @ source carries on from the previous run or the loaded state */
        rct_coupling_start_run(net);
    net->event_valid = 1;
    size_t words = ((size_t)net->n + 31) / 32 * sizeof(unsigned int);
    int rc = rct_dbuf_need(&r->cu->x, &r->cu->touched, words, &net->err);
    return rc ? rc : rct_dbuf_need(&r->cu->x, &r->cu->coup_snap, (size_t)net->n * rct_rsize(net), &net->err);
}

/* Event-driven coupling keeps W @ source in the coupling block from step to step: it is state, copied
   (restore 0) or put back (restore 1) with the chunk's snapshot. */
static int event_snapshot(drun *r, int restore)
{
    rct_cuda *cu = r->cu;
    if (r->net->coupling_mode != RCT_COUP_EVENT)
        return 0;
    size_t bytes = (size_t)r->net->n * rct_rsize(r->net);
    rct_CUdeviceptr coup = cu->pop.coup.p;
    return rct_cuexec_ck(&cu->x, restore ? r->api->cuMemcpyDtoDAsync(coup, cu->coup_snap.p, bytes, cu->x.stream)
                                         : r->api->cuMemcpyDtoDAsync(cu->coup_snap.p, coup, bytes, cu->x.stream),
                         "snapshot", &r->net->err);
}

/* Allocates the run's device and host buffers and uploads the state, parameters and weights. */
static int setup(drun *r, const void *recs, int n_recs, long cols)
{
    rectic_net *net = r->net;
    rct_cuda *cu = r->cu;
    rct_err *err = &net->err;
    long n = net->n;
    size_t rs = rct_rsize(net), nb = (size_t)n * rs;
    int rc;
    rct_cu_chunk_start(&r->ch, r->steps, net->sample_every);
    rct_cu_chunk_fit(&r->ch, (size_t)n_recs * nb, net->spill ? net->chunk_rows : 0, (size_t)cols * rs,
                     net->model->spike_def >= 0 ? (size_t)(n + 31) / 32 * 4 : 0);
    rct_cu_chunk_end(&r->ch);
    r->host_rows = net->spill ? net->chunk_rows : rows_before(net, r->steps);
    rectic_dctx *c = &r->ctx;
    memset(c, 0, sizeof *c);
    if ((rc = event_start(r)) || (rc = rct_dbuf_need(&cu->x, &cu->bad_step, sizeof(unsigned int), err)) ||
        (rc = rct_dbuf_need(&cu->x, &cu->ctx, sizeof(rectic_dctx), err)) ||
        (rc = rct_cu_pop_setup(&cu->x, &cu->pop, net, cols, &r->ch, recs, net->rec_data, n_recs,
                               net->sample_mode == RECTIC_SAMPLE_MEAN, net->check_finite, c, err)))
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
    if (net->w && !cu->w_uploaded) { /* once: the weights do not change */
        if ((rc = rct_dbuf_upload(&cu->x, &cu->w, net->w, (size_t)n * nb, err)))
            return rc;
        cu->w_uploaded = 1;
    }
    c->w = (const void *)(uintptr_t)cu->w.p;
    c->wpart = (void *)(uintptr_t)cu->wpart.p;
    c->csr_ptr = (const long *)(uintptr_t)cu->csr_ptr.p;
    c->csr_col = (const int *)(uintptr_t)cu->csr_col.p;
    c->csr_val = (const void *)(uintptr_t)cu->csr_val.p;
    c->bad_step = (unsigned int *)(uintptr_t)cu->bad_step.p;
    c->ev_ptr = (const long *)(uintptr_t)cu->ev_ptr.p;
    c->ev_tgt = (const int *)(uintptr_t)cu->ev_tgt.p;
    c->touched = (unsigned int *)(uintptr_t)cu->touched.p;
    return 0;
}

/* Starts a chunk of k steps at step `start`: context, counters, the snapshot of the state. */
static int begin_chunk(drun *r, long start, long k)
{
    rct_cuda *cu = r->cu;
    const rct_cuapi *api = r->api;
    rct_err *err = &r->net->err;
    rct_CUstream s = cu->x.stream;
    r->ctx.step0 = r->net->run_first + start; /* the step counter's step */
    r->ctx.ring_row0 = rows_before(r->net, start);
    int rc = rct_cuexec_ck(&cu->x, api->cuMemcpyHtoDAsync(cu->ctx.p, &r->ctx, sizeof r->ctx, s), "upload of the context", err);
    if (!rc)
        rc = rct_cuexec_ck(&cu->x, api->cuMemsetD8Async(cu->bad_step.p, 0xff, sizeof(unsigned int), s), "cuMemsetD8Async", err);
    if (!rc)
        rc = rct_cu_rec_begin(&cu->x, &cu->pop.rec, k, err);
    if (!rc && r->net->check_finite && !(rc = rct_cu_pop_snapshot(&cu->x, &cu->pop, r->net, 0, err)))
        rc = event_snapshot(r, 0);
    /* the context and the counters are copied from host memory that changes later: wait for them */
    return rc ? rc : rct_cuexec_ck(&cu->x, api->cuStreamSynchronize(s), "cuStreamSynchronize", err);
}

/* Copies the chunk's recorded rows and spikes back (steps start..start+k-1, all done). */
static int collect(drun *r, long start, long k)
{
    rectic_net *net = r->net;
    rct_cu_rec *rec = &r->cu->pop.rec;
    long rows = rows_before(net, start + k) - rows_before(net, start);
    int rc = 0;
    if (rows > 0 && net->spill && rec->host_row + rows > r->host_rows) {
        if ((rc = rct_obs_spill(net, rec->host_row)))
            return rc;
        rec->host_row = 0;
    }
    return rct_cu_rec_collect(&r->cu->x, rec, rows, start, k, &net->err);
}

/* Reports the first non-finite state value (after step `step`), as the CPU runtime does. */
static int report_nonfinite(drun *r, long step)
{
    int rc = rct_report_nonfinite(r->net, step);
    return rc ? rc : rct_errf(&r->net->err, RECTIC_ENUMERIC, "the state became NaN or infinite at step %ld", step);
}

/* The chunk loop. */
static int run_chunks(drun *r)
{
    rectic_net *net = r->net;
    rct_cuda *cu = r->cu;
    long done = 0;
    int rc = 0;
    while (done < r->steps && !rc) {
        long k = r->steps - done < r->ch.steps ? r->steps - done : r->ch.steps;
        if (net->ckpt_every > 0) { /* a chunk ends where a checkpoint is due */
            long due = net->ckpt_every - (net->run_first + done) % net->ckpt_every;
            k = due < k ? due : k;
        }
        if ((rc = rct_cu_pop_inputs(&cu->x, &cu->pop, net, r->array, r->fn, r->user, done, k, &net->err)) ||
            (rc = begin_chunk(r, done, k)) || (rc = launch_chunk(cu, net->n, k, k == r->ch.steps, &net->err)))
            break;
        unsigned int bad = 0xffffffffu;
        if ((rc = rct_cuexec_ck(&cu->x, r->api->cuMemcpyDtoHAsync(&bad, cu->bad_step.p, sizeof bad, cu->x.stream), "copy", &net->err)) ||
            (rc = rct_cuexec_ck(&cu->x, r->api->cuStreamSynchronize(cu->x.stream), "cuStreamSynchronize", &net->err)))
            break;
        int nonfinite = net->check_finite && bad < (unsigned int)k;
        if (nonfinite) { /* replay the chunk up to the step that went wrong, so that it ends the run */
            k = (long)bad + 1;
            if ((rc = rct_cu_pop_snapshot(&cu->x, &cu->pop, net, 1, &net->err)) || (rc = event_snapshot(r, 1)) ||
                (rc = begin_chunk(r, done, k)) ||
                (rc = launch_chunk(cu, net->n, k, 0, &net->err)))
                break;
        }
        if ((rc = collect(r, done, k)))
            break;
        done += k;
        net->steps_done = done;
        if (nonfinite) {
            if (!(rc = rct_cu_pop_download(&cu->x, &cu->pop, net, &net->err)))
                rc = report_nonfinite(r, net->run_first + done - 1);
            return rc;
        }
        if (net->ckpt_every > 0 && (net->run_first + done) % net->ckpt_every == 0 &&
            ((rc = rct_cu_pop_download(&cu->x, &cu->pop, net, &net->err)) || (rc = rct_checkpoint_due(net))))
            return rc;
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
    r.steps = steps;
    r.array = array;
    r.fn = fn;
    r.user = user;
    void *recs = NULL;
    int n_recs = 0;
    net->steps_done = 0;
    long in_col = cols == net->n && net->n > 1 ? 1 : 0;
    if ((rc = rct_obs_prepare(net, steps, in_col, &recs, &n_recs)))
        return rc;
    double t0 = rct_now();
    if (!(rc = setup(&r, recs, n_recs, cols))) {
        int run_rc = run_chunks(&r);
        int dl_rc = run_rc == RECTIC_ENUMERIC ? 0 : rct_cu_pop_download(&cu->x, &cu->pop, net, &net->err);
        rc = run_rc ? run_rc : dl_rc;
    }
    long host_row = cu->pop.rec.host_row;
    if (!rc && net->spill && host_row > 0)
        rc = rct_obs_spill(net, host_row);
    else if (rc && net->spill && host_row > 0) {
        int wrc = rct_obs_spill(net, host_row);
        (void)wrc;
    }
    net->timings.run = rct_now() - t0;
    free(recs);
    if (!rc)
        net->err.code = 0;
    return rc;
}

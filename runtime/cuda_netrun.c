/*
 * cuda_netrun.c -- the CUDA backend for networks of populations (cuda_run.h): the kernels of
 * generator/emit_cuda_net.c compiled with NVRTC; on the device every population's values, inputs,
 * recordings and spike bits (cuda_dev.c's rct_cu_pop, as for a single template) and every projection's
 * weights (uploaded once, in the layout the CPU kernel reads: dense rows or compressed sparse rows),
 * scratch sums and ring of delayed sources; one context per population and per projection (rectic_dctx,
 * rectic_dproj) in one device buffer.
 *
 * A run goes chunk by chunk as a single template's (cuda_run.c): upload the contexts and the inputs,
 * launch the step's kernels (the emitter's schedule) K times back to back, as one CUDA graph when the
 * driver allows, copy each population's recorded rows and spikes back.  A chunk whose state went
 * non-finite is replayed from its start (states, output sums and rings restored) up to the bad step, and
 * the run stops there naming the first population whose state is not finite, as on the CPU (poprun.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cuda_dev.h"
#include "cuda_run.h"
#include "emit_cuda_net.h"
#include "kernel_abi.h"
#include "observer.h"
#include "popnet.h"
#include "kdesc.h"
#include "run_common.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)
RCT_DPROJ_DEF(void, RCT_NO_DOC)

/* A projection's buffers on the device. */
typedef struct cu_proj {
    rct_dbuf w, wpart, csr_ptr, csr_col, csr_val, part, sum, ring, ring_snap;
    int uploaded;            /* the weights are there (they never change) */
} cu_proj;

struct rct_cuda_pn {
    rct_cuexec x;            /* device, stream, module, graph */
    rct_cun_sched sched;     /* the launches of one step */
    rct_CUfunction *fn;      /* per launch: its kernel, then a reduction's next level (2 per launch) */
    int n_pops, n_projs;
    rct_cu_pop *pops;        /* per population (these four share one allocation) */
    cu_proj *projs;          /* per projection */
    rectic_dctx *pctx;       /* the contexts on the host: pctx, then jctx, as on the device */
    rectic_dproj *jctx;
    rct_dbuf ctx, bad_step;  /* the contexts on the device; the first bad chunk step */
    int csr_lanes;           /* threads per target row of a sparse projection: 1, or 32 (RECTIC_CUDA_CSR) */
};

void rct_cuda_pn_free(struct rct_cuda_pn *cp)
{
    if (!cp)
        return;
    if (cp->x.dev) {
        rct_err quiet;
        rct_cuexec_use(&cp->x, &quiet);
        for (int p = 0; cp->pops && p < cp->n_pops; p++)
            rct_cu_pop_free(&cp->x, &cp->pops[p]);
        for (int k = 0; cp->projs && k < cp->n_projs; k++) {
            cu_proj *J = &cp->projs[k];
            rct_dbuf *all[] = {&J->w, &J->wpart, &J->csr_ptr, &J->csr_col, &J->csr_val, &J->part, &J->sum, &J->ring,
                               &J->ring_snap};
            for (size_t q = 0; q < sizeof all / sizeof all[0]; q++)
                rct_dbuf_free(&cp->x, all[q]);
        }
        rct_dbuf_free(&cp->x, &cp->ctx);
        rct_dbuf_free(&cp->x, &cp->bad_step);
        rct_cuexec_close(&cp->x);
    }
    rct_cun_sched_free(&cp->sched);
    free(cp->fn);
    free(cp->pops);
    free(cp);
}

const rct_cuexec *rct_cuda_pn_exec(const struct rct_cuda_pn *cp)
{
    return cp ? &cp->x : NULL;
}

/* Opens the device and makes the per-population and per-projection records on first use. */
static int open_device(rectic_net *net)
{
    rct_popnet *pn = net->pn;
    if (pn->cuda)
        return rct_cuexec_use(&pn->cuda->x, &net->err);
    struct rct_cuda_pn *cp = calloc(1, sizeof *cp);
    if (!cp)
        return rct_oom(&net->err);
    size_t np = (size_t)pn->n_pops, nj = (size_t)pn->n_projs; /* every size a multiple of 8 */
    char *mem = calloc(1, np * (sizeof *cp->pops + sizeof *cp->pctx) + nj * (sizeof *cp->projs + sizeof *cp->jctx) + 8);
    cp->n_pops = pn->n_pops;
    cp->n_projs = pn->n_projs;
    cp->pops = (rct_cu_pop *)(void *)mem;
    int rc = !mem ? rct_oom(&net->err) : rct_cuexec_open(&cp->x, net->device, &net->err);
    if (rc) {
        rct_cuda_pn_free(cp);
        return rc;
    }
    cp->pctx = (rectic_dctx *)(void *)(mem + np * sizeof *cp->pops);
    cp->jctx = (rectic_dproj *)(void *)((char *)cp->pctx + np * sizeof *cp->pctx);
    cp->projs = (cu_proj *)(void *)((char *)cp->jctx + nj * sizeof *cp->jctx);
    pn->cuda = cp;
    return 0;
}

/* Looks up the kernels of every launch of sched in mod: fn[2i] its kernel (a sparse product's in the variant
   RECTIC_CUDA_CSR names, whose threads per row go to *lanes), fn[2i + 1] a reduction's next level. */
static int find_kernels(rectic_net *net, rct_CUmodule mod, const rct_cun_sched *sched, rct_CUfunction *fn, int *lanes)
{
    rct_cuexec *x = &net->pn->cuda->x;
    const char *suffix;
    int rc = rct_cu_csr_kernel(&suffix, lanes, &net->err);
    for (int i = 0; i < sched->n_ops && !rc; i++) {
        const rct_cun_op *op = &sched->ops[i];
        char next[RCT_CUN_NAME + 8];
        snprintf(next, sizeof next, "%s%s", op->name, op->threads == RCT_CUN_ROWS ? suffix : "");
        rc = rct_cuexec_fn(x, mod, next, &fn[2 * i], &net->err);
        snprintf(next, sizeof next, "%s_next", op->name);
        if (!rc && op->threads == RCT_CUN_TREE)
            rc = rct_cuexec_fn(x, mod, next, &fn[2 * i + 1], &net->err);
    }
    return rc;
}

int rct_cuda_pn_compile(rectic_net *net)
{
    rct_popnet *pn = net->pn;
    int rc = open_device(net);
    if (rc)
        return rc;
    struct rct_cuda_pn *cp = pn->cuda;
    double t0 = rct_now();
    rct_pn_desc d;
    if ((rc = rct_pn_desc_make(net, &d)))
        return rc;
    rct_cun_sched sched;
    char *src = rct_emit_cuda_net(&d.o, &sched, &net->err);
    rct_pn_desc_free(&d);
    if (!src)
        return net->err.code ? net->err.code : rct_oom(&net->err);
    double t1 = rct_now();
    rct_CUmodule mod = NULL;
    rct_CUfunction *fn = calloc(2 * (size_t)sched.n_ops + 1, sizeof *fn);
    int lanes = 1;
    rc = !fn ? rct_oom(&net->err) : rct_cuexec_compile(&cp->x, src, &mod, &net->err);
    if (!rc && (rc = find_kernels(net, mod, &sched, fn, &lanes)))
        cp->x.dev->api->cuModuleUnload(mod);
    if (rc) {
        free(fn), free(src);
        rct_cun_sched_free(&sched);
        return rc;
    }
    rct_cuexec_set_module(&cp->x, mod);
    rct_cun_sched_free(&cp->sched);
    free(cp->fn);
    cp->sched = sched;
    cp->fn = fn;
    cp->csr_lanes = lanes;
    free(net->src);
    net->src = src;
    net->compilations++;
    net->dirty = 0;
    for (int p = 0; p < pn->n_pops; p++)
        pn->pops[p]->dirty = 0;
    net->kernel_kind = "nvrtc";
    net->timings.generate += t1 - t0; /* every compilation counts */
    net->timings.jit += rct_now() - t1;
    net->err.code = 0;
    return 0;
}

/* ---------------------------------------------------------------- launches */

/* The device address of launch op's context. */
static rct_CUdeviceptr op_ctx(const struct rct_cuda_pn *cp, const rct_cun_op *op)
{
    if (op->pop >= 0)
        return cp->ctx.p + (size_t)op->pop * sizeof(rectic_dctx);
    return cp->ctx.p + (size_t)cp->n_pops * sizeof(rectic_dctx) + (size_t)op->proj * sizeof(rectic_dproj);
}

/* Launches the kernels of chunk step k (the contexts are on the device; their sizes here). */
static int launch_step(void *user, long k, rct_err *err)
{
    struct rct_cuda_pn *cp = user;
    int rc = 0;
    for (int i = 0; i < cp->sched.n_ops && !rc; i++) {
        const rct_cun_op *op = &cp->sched.ops[i];
        rct_CUdeviceptr ctx = op_ctx(cp, op);
        const rectic_dproj *j = op->proj >= 0 ? &cp->jctx[op->proj] : NULL;
        long units = j ? j->n_tgt : cp->pctx[op->pop].n;
        void *params[] = {&ctx, &k};
        switch (op->threads) {
        case RCT_CUN_UNITS:
            rc = rct_cu_launch(&cp->x, cp->fn[2 * i], units, params, err);
            break;
        case RCT_CUN_LANES:
            rc = rct_cu_launch(&cp->x, cp->fn[2 * i], units * RCT_CUDA_LANES, params, err);
            break;
        case RCT_CUN_ROWS: /* a thread or a warp per row */
            rc = rct_cu_launch(&cp->x, cp->fn[2 * i], units * cp->csr_lanes, params, err);
            break;
        case RCT_CUN_SOURCE:
            rc = rct_cu_launch(&cp->x, cp->fn[2 * i], j->n_src, params, err);
            break;
        case RCT_CUN_TREE:
            rc = rct_cu_launch_tree(&cp->x, cp->fn[2 * i], cp->fn[2 * i + 1], ctx, k, j ? j->n_src : units, err);
            break;
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- a run */

/* State of one run on the device. */
typedef struct netrun {
    rectic_net *net;
    rct_popnet *pn;
    struct rct_cuda_pn *cp;
    const rct_cuapi *api;
    long steps;
    rct_cu_chunk ch;
    void **recs;             /* per population: what rct_obs_prepare describes */
    int *n_recs;
} netrun;

/* Does population p's recorder write entry 0 (the output)?  Only the population holding it. */
static int has_output(const rectic_net *pop)
{
    return pop->model->output >= 0;
}

/* Sets up projection k: its weights (once), scratch buffers, ring (zeros: the target reads 0 before step
   D) and context, which points into the populations' blocks. */
static int setup_proj(netrun *r, int k)
{
    rectic_net *net = r->net;
    rct_cuexec *x = &r->cp->x;
    rct_err *err = &net->err;
    const rct_proj *j = &r->pn->projs[k];
    cu_proj *J = &r->cp->projs[k];
    const rct_cu_pop *src = &r->cp->pops[j->src], *tgt = &r->cp->pops[j->tgt];
    long ns = r->pn->pops[j->src]->n, nt = r->pn->pops[j->tgt]->n;
    size_t rs = rct_rsize(net), ring = (size_t)(j->delay + 1) * (size_t)ns * rs;
    int rc = 0;
    if (!J->uploaded && j->w)
        rc = rct_dbuf_upload(x, &J->w, j->w, (size_t)ns * (size_t)nt * rs, err);
    if (!J->uploaded && !rc && j->csr_ptr) /* an event-driven projection's columns as rows: a sparse product */
        rc = rct_dbuf_upload_sparse(x, &J->csr_ptr, &J->csr_col, &J->csr_val, j->csr_ptr, j->csr_col, j->csr_val, nt, ns,
                                    j->mode == RCT_COUP_EVENT, rs, err);
    J->uploaded = !rc;
    if (rc || (j->mode == RCT_COUP_DENSE && (rc = rct_dbuf_need(x, &J->wpart, (size_t)nt * RCT_CUDA_LANES * rs, err))) ||
        (j->mode == RCT_COUP_SCALAR && ((rc = rct_dbuf_need(x, &J->part, (size_t)rct_cu_tree_len(ns) * rs, err)) ||
                                        (rc = rct_dbuf_need(x, &J->sum, rs, err)))) ||
        (j->delay > 0 && (rc = rct_dbuf_need(x, &J->ring, ring, err))) ||
        (j->delay > 0 && net->check_finite && (rc = rct_dbuf_need(x, &J->ring_snap, ring, err))))
        return rc;
    if (j->delay > 0 && (rc = rct_cuexec_ck(x, r->api->cuMemcpyHtoDAsync(J->ring.p, j->ring, ring, x->stream),
                                            "upload of the ring", err))) /* it carries from run to run (poprun.c) */
        return rc;
    const rct_var *v = &r->pn->pops[j->src]->model->vars[j->src_var];
    rectic_dproj *c = &r->cp->jctx[k];
    memset(c, 0, sizeof *c);
    c->n_src = ns;
    c->n_tgt = nt;
    c->x = (const void *)(uintptr_t)((v->kind == RCT_VK_STATE ? src->y.p : src->alg.p) + (size_t)v->slot * (size_t)ns * rs);
    c->t = (void *)(uintptr_t)(tgt->coup.p + (size_t)j->tgt_slot * (size_t)nt * rs);
    c->w = (const void *)(uintptr_t)J->w.p;
    c->wpart = (void *)(uintptr_t)J->wpart.p;
    c->csr_ptr = (const long *)(uintptr_t)J->csr_ptr.p;
    c->csr_col = (const int *)(uintptr_t)J->csr_col.p;
    c->csr_val = (const void *)(uintptr_t)J->csr_val.p;
    c->weight = j->weight;
    c->part = (void *)(uintptr_t)J->part.p;
    c->sum = (void *)(uintptr_t)J->sum.p;
    c->ring = (void *)(uintptr_t)J->ring.p;
    return 0;
}

/* Prepares every population's recordings, sizes the chunks, sets up the device buffers and contexts. */
static int setup(netrun *r)
{
    rectic_net *net = r->net;
    rct_popnet *pn = r->pn;
    struct rct_cuda_pn *cp = r->cp;
    rct_err *err = &net->err;
    size_t rs = rct_rsize(net);
    int rc = 0;
    rct_cu_chunk_start(&r->ch, r->steps, net->sample_every);
    for (int p = 0; p < pn->n_pops && !rc; p++) {
        rectic_net *pop = pn->pops[p];
        if ((rc = rct_pn_prepare_recordings(net, p, r->steps, &r->recs[p], &r->n_recs[p])))
            break;
        if (pop->spill) {
            rc = rct_errf(&net->err, RECTIC_ENOMEM, "the recordings exceed the memory limit; streaming them to disk "
                          "is not available for networks of populations on the CUDA backend yet (record fewer "
                          "variables, sample them, raise the limit or run on the CPU)");
            break;
        }
        long cols = pn->in_data[p] ? pn->in_cols[p] : 0;
        size_t nb = (size_t)pop->n * rs;
        rct_cu_chunk_fit(&r->ch, (size_t)(r->n_recs[p] - !has_output(pop)) * nb, 0, (size_t)cols * rs,
                         pop->model->spike_def >= 0 ? (size_t)(pop->n + 31) / 32 * 4 : 0);
    }
    if (rc)
        return rc;
    rct_cu_chunk_end(&r->ch);
    size_t ctx_bytes = (size_t)pn->n_pops * sizeof(rectic_dctx) + (size_t)pn->n_projs * sizeof(rectic_dproj);
    if ((rc = rct_dbuf_need(&cp->x, &cp->ctx, ctx_bytes, err)) ||
        (rc = rct_dbuf_need(&cp->x, &cp->bad_step, sizeof(unsigned int), err)))
        return rc;
    for (int p = 0; p < pn->n_pops && !rc; p++) {
        rectic_net *pop = pn->pops[p];
        int skip = !has_output(pop); /* entry 0 (the output) belongs to another population */
        rectic_dctx *c = &cp->pctx[p];
        memset(c, 0, sizeof *c);
        rc = rct_cu_pop_setup(&cp->x, &cp->pops[p], pop, pn->in_data[p] ? pn->in_cols[p] : 0, &r->ch,
                              (const rectic_krec *)r->recs[p] + skip, pop->rec_data + skip, r->n_recs[p] - skip,
                              !skip && net->sample_mode == RECTIC_SAMPLE_MEAN, net->check_finite, c, err);
        c->bad_step = (unsigned int *)(uintptr_t)cp->bad_step.p;
    }
    for (int k = 0; k < pn->n_projs && !rc; k++)
        rc = setup_proj(r, k);
    return rc;
}

/* Copies every population's state and rings aside (snapshot) or back (restore). */
static int snapshot(netrun *r, int restore)
{
    rct_cuexec *x = &r->cp->x;
    int rc = 0;
    for (int p = 0; p < r->pn->n_pops && !rc; p++)
        rc = rct_cu_pop_snapshot(x, &r->cp->pops[p], r->pn->pops[p], restore, &r->net->err);
    for (int k = 0; k < r->pn->n_projs && !rc; k++) {
        const rct_dbuf *ring = &r->cp->projs[k].ring, *snap = &r->cp->projs[k].ring_snap;
        size_t bytes = (size_t)(r->pn->projs[k].delay + 1) * (size_t)r->cp->jctx[k].n_src * rct_rsize(r->net);
        if (r->pn->projs[k].delay > 0)
            rc = rct_cuexec_ck(x, restore ? r->api->cuMemcpyDtoDAsync(ring->p, snap->p, bytes, x->stream)
                                          : r->api->cuMemcpyDtoDAsync(snap->p, ring->p, bytes, x->stream),
                               "snapshot", &r->net->err);
    }
    return rc;
}

/* Starts a chunk of k steps at step `start`: the inputs, the contexts, the counters, the snapshot. */
static int begin_chunk(netrun *r, long start, long k)
{
    struct rct_cuda_pn *cp = r->cp;
    rct_popnet *pn = r->pn;
    rct_err *err = &r->net->err;
    int rc = 0;
    for (int p = 0; p < pn->n_pops && !rc; p++) {
        cp->pctx[p].step0 = r->net->run_first + start; /* the step counter's step */
        cp->pctx[p].ring_row0 = rct_obs_run_rows(r->net, start);
        rc = rct_cu_rec_begin(&cp->x, &cp->pops[p].rec, k, err);
    }
    for (int j = 0; j < pn->n_projs; j++)
        cp->jctx[j].step0 = r->net->run_first + start;
    size_t bytes = (size_t)pn->n_pops * sizeof(rectic_dctx) + (size_t)pn->n_projs * sizeof(rectic_dproj);
    if (!rc)
        rc = rct_cuexec_ck(&cp->x, r->api->cuMemcpyHtoDAsync(cp->ctx.p, cp->pctx, bytes, cp->x.stream),
                           "upload of the contexts", err);
    if (!rc)
        rc = rct_cuexec_ck(&cp->x, r->api->cuMemsetD8Async(cp->bad_step.p, 0xff, sizeof(unsigned int), cp->x.stream),
                           "cuMemsetD8Async", err);
    if (!rc && r->net->check_finite)
        rc = snapshot(r, 0);
    /* the contexts are copied from host memory that changes later: wait for them */
    return rc ? rc : rct_cuexec_ck(&cp->x, r->api->cuStreamSynchronize(cp->x.stream), "cuStreamSynchronize", err);
}

/* Copies every population's recorded rows and spikes of steps start..start+k-1 back. */
static int collect(netrun *r, long start, long k)
{
    int rc = 0;
    for (int p = 0; p < r->pn->n_pops && !rc; p++) {
        const rectic_net *pop = r->pn->pops[p];
        long rows = rct_obs_run_rows(pop, start + k) - rct_obs_run_rows(pop, start);
        rc = rct_cu_rec_collect(&r->cp->x, &r->cp->pops[p].rec, rows, start, k, &r->net->err);
    }
    return rc;
}

/* Copies every population's state and every ring back to the host (the step counter goes on). */
static int download(netrun *r)
{
    int rc = 0;
    for (int p = 0; p < r->pn->n_pops && !rc; p++)
        rc = rct_cu_pop_download(&r->cp->x, &r->cp->pops[p], r->pn->pops[p], &r->net->err);
    for (int k = 0; k < r->pn->n_projs && !rc; k++) {
        const rct_proj *j = &r->pn->projs[k];
        if (j->ring)
            rc = rct_cuexec_ck(&r->cp->x, r->api->cuMemcpyDtoHAsync(j->ring, r->cp->projs[k].ring.p,
                                                                   rct_pn_ring_bytes(r->net, j), r->cp->x.stream),
                               "copy of the ring", &r->net->err);
    }
    if (!rc)
        rc = rct_cuexec_ck(&r->cp->x, r->api->cuStreamSynchronize(r->cp->x.stream), "cuStreamSynchronize", &r->net->err);
    r->net->step_at = r->net->run_first + r->net->steps_done;
    return rc;
}

/* The state went non-finite at step `step`: names the first population whose state is not, as the CPU. */
static int report_nonfinite(netrun *r, long step)
{
    int rc = download(r);
    for (int p = 0; p < r->pn->n_pops && !rc; p++)
        if (!rct_state_finite(r->pn->pops[p])) {
            rct_report_nonfinite(r->pn->pops[p], step);
            return rct_pn_take_error(r->net, p);
        }
    return rc ? rc : rct_errf(&r->net->err, RECTIC_ENUMERIC, "the state became NaN or infinite at step %ld", step);
}

/* Notes the steps done in the network and its populations. */
static void set_done(netrun *r, long done)
{
    r->net->steps_done = done;
    for (int p = 0; p < r->pn->n_pops; p++)
        r->pn->pops[p]->steps_done = done;
}

/* The chunk loop. */
static int run_chunks(netrun *r)
{
    rectic_net *net = r->net;
    struct rct_cuda_pn *cp = r->cp;
    rct_cuexec *x = &cp->x;
    long done = 0;
    int rc = 0;
    while (done < r->steps && !rc) {
        long k = r->steps - done < r->ch.steps ? r->steps - done : r->ch.steps;
        if (net->ckpt_every > 0) { /* a chunk ends where a checkpoint is due */
            long due = net->ckpt_every - (net->run_first + done) % net->ckpt_every;
            k = due < k ? due : k;
        }
        for (int p = 0; p < r->pn->n_pops && !rc; p++)
            rc = rct_cu_pop_inputs(x, &cp->pops[p], r->pn->pops[p], r->pn->in_data[p], NULL, NULL, done, k, &net->err);
        if (rc || (rc = begin_chunk(r, done, k)) ||
            (rc = rct_cu_launch_chunk(x, k, k == r->ch.steps, launch_step, cp, &net->err)))
            break;
        unsigned int bad = 0xffffffffu;
        if ((rc = rct_cuexec_ck(x, r->api->cuMemcpyDtoHAsync(&bad, cp->bad_step.p, sizeof bad, x->stream), "copy",
                                &net->err)) ||
            (rc = rct_cuexec_ck(x, r->api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", &net->err)))
            break;
        int nonfinite = net->check_finite && bad < (unsigned int)k;
        if (nonfinite) { /* replay the chunk up to the step that went wrong, so that it ends the run */
            k = (long)bad + 1;
            if ((rc = snapshot(r, 1)) || (rc = begin_chunk(r, done, k)) ||
                (rc = rct_cu_launch_chunk(x, k, 0, launch_step, cp, &net->err)))
                break;
        }
        if ((rc = collect(r, done, k)))
            break;
        done += k;
        set_done(r, done);
        if (nonfinite)
            return report_nonfinite(r, net->run_first + done - 1);
        if (net->ckpt_every > 0 && (net->run_first + done) % net->ckpt_every == 0 &&
            ((rc = download(r)) || (rc = rct_checkpoint_due(net))))
            return rc;
        if ((net->cancel && *net->cancel) || (net->progress && net->progress(net->progress_user, done, r->steps) != 0))
            return rct_errf(&net->err, RECTIC_ECANCEL, "run cancelled after %ld of %ld steps", done, r->steps);
    }
    return rc;
}

int rct_cuda_pn_run(rectic_net *net, long steps)
{
    rct_popnet *pn = net->pn;
    struct rct_cuda_pn *cp = pn->cuda;
    if (!cp)
        return rct_errf(&net->err, RECTIC_EDEVICE, "the CUDA kernels are not compiled");
    int rc = rct_cuexec_use(&cp->x, &net->err);
    if (rc)
        return rc;
    netrun r = {net, pn, cp, cp->x.dev->api, steps, {0}, calloc((size_t)pn->n_pops, sizeof(void *)),
                calloc((size_t)pn->n_pops, sizeof(int))};
    set_done(&r, 0);
    double t0 = rct_now();
    rc = !r.recs || !r.n_recs ? rct_oom(&net->err) : setup(&r);
    if (!rc) {
        rc = run_chunks(&r);
        if (rc != RECTIC_ENUMERIC) { /* a non-finite state came back already, with its message */
            int dl = download(&r);
            rc = rc ? rc : dl;
        }
    }
    net->timings.run = rct_now() - t0;
    for (int p = 0; r.recs && p < pn->n_pops; p++)
        free(r.recs[p]);
    free(r.recs);
    free(r.n_recs);
    if (!rc)
        net->err.code = 0;
    return rc;
}

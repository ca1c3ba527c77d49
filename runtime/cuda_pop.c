/*
 * cuda_pop.c -- what the CUDA runtimes keep on the device per network (a single template or a population):
 * its values, inputs, recordings and spike bits, and the length of a run's chunks (see cuda_dev.h).
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_dev.h"
#include "kernel_abi.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)

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
    r->recs = recs;
    r->n_rec = n_rec;
    r->ring_rows = ch->ring_rows;
    r->words = (net->n + 31) / 32;
    r->sum_words = (r->words + 31) / 32;
    r->host_row = 0;
    r->cap_spikes = 0;
    r->ring_host_p = NULL;
    r->bits_host_p = r->sum_host_p = NULL;
    int spiking = net->model->spike_def >= 0, rc, staged = net->f32;
    for (int k = 0; k < n_rec; k++)
        staged |= ((const rectic_krec *)recs)[k].idx != NULL; /* a subset: the whole rows, then its units */
    size_t bits = (size_t)ch->steps * (size_t)r->words * 4, sum = (size_t)ch->steps * (size_t)r->sum_words * 4;
    void *bh = NULL, *sh = NULL;
    if ((rc = rct_dbuf_need(x, &r->rec, (size_t)n_rec * sizeof(rectic_drec), err)) ||
        (rc = rct_dbuf_need(x, &r->ring, (size_t)r->ring_rows * (size_t)n_rec * nb, err)) ||
        (rc = rct_dbuf_need(x, &r->ring_ptrs, (size_t)n_rec * sizeof(rct_CUdeviceptr), err)) ||
        (spiking && ((rc = rct_dbuf_need(x, &r->bits, bits, err)) || (rc = rct_dbuf_need(x, &r->sum, sum, err)) ||
                     (rc = rct_hbuf_need(x, &r->bits_host, bits, &bh, err)) ||
                     (rc = rct_hbuf_need(x, &r->sum_host, sum, &sh, err)))) ||
        (staged && (rc = rct_hbuf_need(x, &r->ring_host, (size_t)r->ring_rows * nb, &r->ring_host_p, err))))
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
        const long *idx = ((const rectic_krec *)r->recs)[q].idx; /* a subset: column j is unit idx[j] */
        long w = idx ? ((const rectic_krec *)r->recs)[q].count : n;
        double *dst = r->rec_data[q] + (size_t)r->host_row * (size_t)w;
        void *to = net->f32 || idx ? r->ring_host_p : (void *)dst;
        rc = rct_cuexec_ck(x, api->cuMemcpyDtoHAsync(to, ring, (size_t)rows * nb, x->stream), "copy of the recordings", err);
        if (!rc && (net->f32 || idx))
            rc = rct_cuexec_ck(x, api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", err);
        for (long i = 0; !rc && (net->f32 || idx) && i < rows; i++)
            for (long j = 0; j < w; j++) {
                long at = i * n + (idx ? idx[j] : j);
                dst[i * w + j] = net->f32 ? (double)((const float *)r->ring_host_p)[at] : ((const double *)r->ring_host_p)[at];
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
                    rc = add_spike(net, &r->cap_spikes, net->run_first + start + s, w * 32 + __builtin_ctz(bits),
                                   err); /* the step counter's step */
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
    if (!rc && net->mean_acc) /* the sampling mean's sums carry from run to run */
        rc = rct_cuexec_ck(x, api->cuMemcpyHtoDAsync(P->acc.p, net->mean_acc, (size_t)n * sizeof(double), s), "upload",
                           err);
    else if (!rc)
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
    long from = net->cutoff > net->run_first ? net->cutoff : net->run_first; /* the run's first recorded step */
    c->first_step = (from + net->sample_every - 1) / net->sample_every * net->sample_every;
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
    if (!rc && !net->mean_acc && !(net->mean_acc = calloc((size_t)net->n + 1, sizeof(double))))
        rc = rct_oom(err);
    if (!rc) /* the sampling mean's sums, for the next run */
        rc = rct_cuexec_ck(x, api->cuMemcpyDtoHAsync(net->mean_acc, P->acc.p, (size_t)net->n * sizeof(double), x->stream),
                           "copy", err);
    if (!rc)
        rc = rct_cuexec_ck(x, api->cuStreamSynchronize(x->stream), "cuStreamSynchronize", err);
    /* the step counter, and the steps in the sums: since the last recorded step (or the cutoff) */
    long end = net->run_first + net->steps_done, last = (end - 1) / net->sample_every * net->sample_every;
    long from = last >= net->cutoff ? last + 1 : net->cutoff;
    net->mean_count = net->sample_mode == RECTIC_SAMPLE_MEAN && end > from ? end - from : 0;
    net->step_at = end;
    return rc;
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

/*
 * poprun.c -- the CPU backend's run of a network of populations: drives its fused kernel: one context per
 * population (its state, inputs, recordings and spikes), one per projection, steps in blocks with spike
 * buffers grown between calls, the numerical guard (a block replayed step by step to find the first bad
 * step), progress and cancellation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cpu_backend.h"
#include "jit_cc.h"
#include "kernel_abi.h"
#include "layers.h"
#include "inpart.h"
#include "mpi_net.h"
#include "mpi_rec.h"
#include "mpi_xchg.h"
#include "observer.h"
#include "popnet.h"
#include "rls.h"
#include "run_common.h"
#include "threadpick.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)
RCT_KPROJ_DEF(void, RCT_NO_DOC)

typedef long (*net_kernel_fn)(rectic_kctx *pop, const rectic_kproj *proj, long steps);

#define BLOCK_STEPS 4096L /* steps per block between checks of progress, cancellation and finiteness */

/* What a run of a network of populations holds besides the populations themselves. */
typedef struct pn_run {
    rectic_kctx *ctx;        /* per population */
    rectic_krec **recs;      /* per population: what its recorder writes (rct_obs_prepare) */
    void **inbuf;            /* per population: its input rows of one block, converted (float32), or a zero row */
    rectic_kproj *proj;
    void **snap;             /* per population: its state at the block's start (the numerical guard) */
    void **ring_snap;        /* per projection: its ring at the block's start */
    void **u_snap;           /* per event-driven projection: its W @ source at the block's start */
    long *rows_spilled;      /* per population: its rows streamed to disk at the block's start */
    long block_max;
} pn_run;

/* Frees what a run allocated. */
static void run_free(const rct_popnet *pn, pn_run *r)
{
    for (int p = 0; p < pn->n_pops; p++) {
        free(r->recs ? r->recs[p] : NULL);
        free(r->inbuf ? r->inbuf[p] : NULL);
        free(r->snap ? r->snap[p] : NULL);
    }
    for (int k = 0; r->ring_snap && k < pn->n_projs; k++)
        free(r->ring_snap[k]);
    for (int k = 0; r->u_snap && k < pn->n_projs; k++)
        free(r->u_snap[k]);
    free(r->u_snap);
    free(r->rows_spilled);
    free(r->ctx);
    free(r->recs);
    free(r->inbuf);
    free(r->proj);
    free(r->snap);
    free(r->ring_snap);
}

/* Bytes of state of population pop. */
static size_t state_bytes(const rectic_net *pop)
{
    return (size_t)pop->model->n_state * (size_t)pop->n * rct_rsize(pop);
}

/* Bytes of event-driven projection j's W @ source. */
static size_t u_bytes(const rectic_net *net, const rct_proj *j)
{
    return (size_t)net->pn->pops[j->tgt]->n * rct_rsize(net);
}

/* Whether population p's input array holds this MPI rank's units lo .. hi-1 only (inpart.h): copied a step
   at a time into its place in a row of all (r->inbuf[p]). */
static int own_input(const rectic_net *net, int p, long *lo, long *hi)
{
    const rct_popnet *pn = net->pn;
    return pn->in_data[p] && !rct_online_feeds(net, p) && rct_inpart_own(net, p, pn->in_cols[p], lo, hi);
}

/* Sets up population p's context: its arrays, recordings and input. */
static int setup_pop(rectic_net *net, pn_run *r, int p, long steps)
{
    rct_popnet *pn = net->pn;
    rectic_net *pop = pn->pops[p];
    long m = rct_layers_input_cols(net, p); /* an input layer: the kernel reads n projected values a step */
    int fb = rct_online_feeds(net, p);     /* FORCE feedback (rls.c): n values a step, filled there */
    long cols = fb ? pop->n : pn->in_data[p] ? (m ? pop->n : pn->in_cols[p]) : 0;
    long in_col = cols == pop->n && pop->n > 1 ? 1 : 0;
    int n_recs = 0;
    void *recs = NULL;
    int rc = rct_pn_prepare_recordings(net, p, steps, &recs, &n_recs);
    r->recs[p] = recs;
    if (rc)
        return rc;
    size_t rs = rct_rsize(net);
    if (!pop->mean_acc) /* the sampling mean's sums carry from run to run (the population owns them) */
        pop->mean_acc = calloc((size_t)pop->n + 1, sizeof(double));
    int whole_out = rct_online_on(rct_online_of(net)); /* the online readout reads the output on every rank */
    if (net->mpi && (rc = rct_mpi_rec_own(net, pop, recs, n_recs, whole_out))) /* a rank records its own columns */
        return rc;
    long lo, hi, len = own_input(net, p, &lo, &hi) ? pop->n : cols && (net->f32 || m || fb) ? r->block_max * cols : 1;
    r->inbuf[p] = calloc((size_t)len + 1, rs);
    r->snap[p] = net->check_finite ? malloc(state_bytes(pop) + 1) : NULL;
    if (!pop->mean_acc || !r->inbuf[p] || (net->check_finite && !r->snap[p]))
        return rct_oom(&net->err);
    rectic_kctx *c = &r->ctx[p];
    memset(c, 0, sizeof *c);
    c->n = pop->n;
    c->dt = net->dt;
    c->threshold = pop->threshold;
    c->reset = pop->reset;
    c->y = pop->y;
    c->alg = pop->alg;
    c->coup = pop->coup;
    c->param = (const void *const *)pop->param_real;
    c->threads = net->threads;
    rct_mpi_net_range(net, pop, &c->lo, &c->hi); /* all units, or this MPI rank's block */
    c->gemv = rct_gemv_rows(net->f32);
    c->in_row = cols;
    c->in_col = in_col;
    c->input = r->inbuf[p];
    int skip = pop->model->output < 0; /* entry 0 is the output: only one population has it */
    c->n_rec = n_recs - skip;
    c->rec = (const rectic_krec *)recs + skip;
    c->rec_buf = pop->rec_data + skip;
    c->rec_cap = pop->rec_rows + (net->sample_mode == RECTIC_SAMPLE_MEAN); /* a mean sums up to the run's end */
    c->sample_every = net->sample_every;
    c->cutoff = net->cutoff;
    c->sample_mean = !skip && net->sample_mode == RECTIC_SAMPLE_MEAN;
    long acc_n;
    c->acc = rct_mpi_rec_acc(pop, &acc_n); /* every column's sums, or this rank's */
    c->acc_count = pop->mean_count;
    c->step = net->step_at;
    return 0;
}

/* Event-driven projection j: u = W @ source from the state the run starts with, summed in column order
   (a source at 0 adds nothing and is skipped: most runs start with all of them at 0). */
static void start_event(rectic_net *net, const rct_proj *j)
{
    const rectic_net *src = net->pn->pops[j->src], *tgt = net->pn->pops[j->tgt];
    const size_t at = (size_t)src->model->vars[j->src_var].slot * (size_t)src->n;
    memset(j->tmp, 0, (size_t)tgt->n * rct_rsize(net));
    for (long s = 0; s < src->n; s++) {
        if (rct_rget(net, src->y, at + (size_t)s) == 0)
            continue;
        for (long q = j->csr_ptr[s]; q < j->csr_ptr[s + 1]; q++) {
            long i = j->csr_col[q];
            if (net->f32)
                ((float *)j->tmp)[i] += ((const float *)j->csr_val)[q] * ((const float *)src->y)[at + (size_t)s];
            else
                ((double *)j->tmp)[i] += ((const double *)j->csr_val)[q] * ((const double *)src->y)[at + (size_t)s];
        }
    }
}

/* Sets up the projections' contexts.  The rings carry from run to run (zeros at the network's step 0: the
   target reads 0 before step D), and so do event-driven sums unless a state was set since. */
static int setup_projs(rectic_net *net, pn_run *r)
{
    rct_popnet *pn = net->pn;
    for (int k = 0; k < pn->n_projs; k++) {
        const rct_proj *j = &pn->projs[k];
        r->proj[k] = (rectic_kproj){j->w, j->csr_ptr, j->csr_col, j->csr_val, j->weight, j->ring, j->tmp};
        if (j->mode == RCT_COUP_EVENT && !net->event_valid)
            start_event(net, j);
        if (j->ring && net->check_finite && !(r->ring_snap[k] = malloc(rct_pn_ring_bytes(net, j) + 1)))
            return rct_oom(&net->err);
        if (j->mode == RCT_COUP_EVENT && net->check_finite && !(r->u_snap[k] = malloc(u_bytes(net, j) + 1)))
            return rct_oom(&net->err);
    }
    return 0;
}

/* Points every population's context at its input rows of steps start..start+count-1 (float64 arrays are
   read in place, float32 ones converted). */
static void point_inputs(rectic_net *net, pn_run *r, long start, long count)
{
    rct_popnet *pn = net->pn;
    for (int p = 0; p < pn->n_pops; p++) {
        long cols = pn->in_data[p] ? pn->in_cols[p] : 0;
        if (rct_online_feeds(net, p)) { /* FORCE feedback: a block is one step (rls.c fills its row) */
            rct_online_pop_input(net, p, start, r->inbuf[p]);
            r->ctx[p].input = r->inbuf[p];
            continue;
        }
        long lo, hi;
        if (!cols || own_input(net, p, &lo, &hi)) /* (a rank's part: run_steps copies each step) */
            continue;
        const double *rows = pn->in_data[p] + start * cols;
        if (rct_layers_input_cols(net, p)) { /* W_in @ x_n of each step, in the network's type */
            size_t row_bytes = (size_t)pn->pops[p]->n * rct_rsize(net);
            for (long i = 0; i < count; i++)
                rct_layers_project(net, rows + i * cols, (char *)r->inbuf[p] + (size_t)i * row_bytes, net->f32);
            r->ctx[p].input = r->inbuf[p];
            continue;
        }
        if (!net->f32) {
            r->ctx[p].input = rows;
            continue;
        }
        for (long i = 0; i < count * cols; i++)
            ((float *)r->inbuf[p])[i] = (float)rows[i];
        r->ctx[p].input = r->inbuf[p];
    }
}

/* Streaming: every population's recordings go to disk in chunks of the same rows.  Writes out the chunks
   when full, and cuts *limit (steps for the kernel) to the steps that fill them. */
static int chunk_room(rectic_net *net, pn_run *r, long *limit)
{
    rct_popnet *pn = net->pn;
    rectic_kctx *c = &r->ctx[0]; /* every context has the same rows and steps */
    long chunk = pn->pops[0]->chunk_rows;
    if (c->rec_row == chunk) {
        for (int p = 0; p < pn->n_pops; p++) {
            if (rct_obs_spill(pn->pops[p], chunk))
                return rct_pn_take_error(net, p);
            r->ctx[p].rec_row = 0;
        }
    }
    long fill = rct_obs_chunk_steps(pn->pops[0], c->step, c->rec_row); /* the populations share the sampling */
    *limit = fill < *limit ? fill : *limit;
    return 0;
}

/* Streaming: writes out what the last chunks hold. */
static int spill_rest(rectic_net *net, pn_run *r)
{
    rct_popnet *pn = net->pn;
    for (int p = 0; p < pn->n_pops; p++)
        if (pn->pops[p]->spill && r->ctx[p].rec_row > 0 && rct_obs_spill(pn->pops[p], r->ctx[p].rec_row))
            return rct_pn_take_error(net, p);
    return 0;
}

/* Under MPI, at a run's end or a checkpoint: the whole state and rings on every rank, and rank 0 takes the
   other ranks' part of what only they computed (recordings, with `recorded`, sampling and coupling sums,
   event-driven projections' sums). */
static int gather(rectic_net *net, pn_run *r, int recorded)
{
    rct_popnet *pn = net->pn;
    int rc = rct_mpi_sync(net);
    for (int p = 0; p < pn->n_pops && !rc; p++) {
        pn->pops[p]->mean_count = r->ctx[p].acc_count;
        rc = rct_mpi_gather_pop(net, pn->pops[p], recorded ? r->ctx[p].rec_row : -1);
    }
    for (int k = 0; k < pn->n_projs && !rc; k++)
        if (pn->projs[k].mode == RCT_COUP_EVENT)
            rc = rct_mpi_gather_tmp(net, pn->pops[pn->projs[k].tgt], pn->projs[k].tmp);
    return rc;
}

/* Runs steps from..to-1 of the block that starts at step `start`; returns the steps done. */
static long run_steps(rectic_net *net, pn_run *r, long start, long from, long to, int *rc)
{
    rct_popnet *pn = net->pn;
    size_t rs = rct_rsize(net);
    long k = from;
    while (k < to) {
        for (int p = 0; p < pn->n_pops && !*rc; p++) {
            rectic_kctx *c = &r->ctx[p];
            if (pn->pops[p]->model->spike_def >= 0 &&
                (*rc = rct_grow_spikes(pn->pops[p], &c->spikes, &c->n_spikes, &c->cap_spikes)))
                *rc = rct_pn_take_error(net, p);
        }
        long limit = to - k;
        if (pn->pops[0]->spill && (*rc = chunk_room(net, r, &limit)))
            break;
        if (*rc)
            break;
        for (int p = 0; p < pn->n_pops; p++) { /* the rows of step k of the block */
            long lo, hi;
            if (own_input(net, p, &lo, &hi)) { /* this rank's units of the step, in a row of all */
                rct_inpart_row(pn->in_data[p], start + k, lo, hi, r->inbuf[p], net->f32);
                r->ctx[p].input = r->inbuf[p];
            } else if (pn->in_data[p] && !rct_online_feeds(net, p)) { /* feedback: point_inputs' one row */
                int projected = rct_layers_input_cols(net, p) > 0;
                long stride = projected ? pn->pops[p]->n : pn->in_cols[p];
                r->ctx[p].input = net->f32 || projected ? (const char *)r->inbuf[p] + (size_t)(k * stride) * rs
                                                        : (const void *)(pn->in_data[p] + (start + k) * stride);
            }
        }
        long done = ((net_kernel_fn)net->kernel)(r->ctx, r->proj, net->mpi ? 1 : limit); /* MPI: a step at a time */
        k += done;
        if (net->mpi && done > 0 && (*rc = rct_mpi_after_step(net, r->ctx[0].step - 1))) /* what crosses */
            break;
    }
    return k - from;
}

/* Do threads matter to this network's run: more than one asked for, and someone to use them (a
   population whose loops the cc kernel runs on its threads; a dense product runs on them too)? */
static int pn_threads_matter(const rectic_net *net)
{
    const rct_popnet *pn = net->pn;
    int any = 0;
    for (int p = 0; p < pn->n_pops; p++)
        any |= net->threads > 1 && net->cc && rct_cc_openmp() && pn->pops[p]->n >= RCT_PARALLEL_MIN_N;
    return any;
}

/* A block's steps on one thread or all (rct_steps_fn): every population's loops. */
typedef struct pn_block {
    rectic_net *net;
    pn_run *r;
    long start;
} pn_block;

static long pn_block_steps(void *user, long from, long to, int many, int *rc)
{
    pn_block *b = user;
    for (int p = 0; p < b->net->pn->n_pops; p++)
        b->r->ctx[p].threads = many ? b->net->threads : 1;
    return run_steps(b->net, b->r, b->start, from, to, rc);
}

/* Runs the `block` steps of the block starting at `start` on the threads that help (threadpick.h). */
static long run_steps_threads(rectic_net *net, pn_run *r, long start, long block, int *rc)
{
    pn_block b = {net, r, start};
    if (!pn_threads_matter(net) || block < 3)
        return pn_block_steps(&b, 0, block, 0, rc);
    return rct_threads_block(net, pn_block_steps, &b, block, rc);
}

/* Keeps what the numerical guard needs to replay the block: states, rings, output sums, contexts. */
static void snapshot(rectic_net *net, pn_run *r, rectic_kctx *saved, long *spilled)
{
    rct_popnet *pn = net->pn;
    for (int p = 0; p < pn->n_pops; p++) {
        memcpy(r->snap[p], pn->pops[p]->y, state_bytes(pn->pops[p]));
        saved[p] = r->ctx[p];
        spilled[p] = pn->pops[p]->spilled_spikes;
        r->rows_spilled[p] = pn->pops[p]->spilled_rows;
    }
    for (int k = 0; k < pn->n_projs; k++) {
        if (r->ring_snap[k])
            memcpy(r->ring_snap[k], pn->projs[k].ring, rct_pn_ring_bytes(net, &pn->projs[k]));
        if (r->u_snap[k])
            memcpy(r->u_snap[k], pn->projs[k].tmp, u_bytes(net, &pn->projs[k]));
    }
}

/* The block that started at step `start` left a non-finite state: goes back to its start and replays it
   one step at a time up to the first bad step, which it reports.  Returns the steps done, that one included. */
static long replay(rectic_net *net, pn_run *r, const rectic_kctx *saved, const long *spilled, long start, long block,
                   int *rc)
{
    rct_popnet *pn = net->pn;
    for (int p = 0; p < pn->n_pops; p++) {
        rectic_net *pop = pn->pops[p];
        memcpy(pop->y, r->snap[p], state_bytes(pop));
        rectic_kctx *c = &r->ctx[p];
        c->step = saved[p].step, c->rec_row = saved[p].rec_row, c->n_spikes = saved[p].n_spikes;
        c->acc_count = saved[p].acc_count;
        if (pop->spilled_rows != r->rows_spilled[p] && (*rc = rct_obs_unspill(pop, r->rows_spilled[p], c->rec_row)))
            return rct_pn_take_error(net, p), 0;
        if ((*rc = rct_obs_unspill_spikes(pop, spilled[p], &c->n_spikes)))
            return 0;
    }
    for (int k = 0; k < pn->n_projs; k++) {
        if (r->ring_snap[k])
            memcpy(pn->projs[k].ring, r->ring_snap[k], rct_pn_ring_bytes(net, &pn->projs[k]));
        if (r->u_snap[k])
            memcpy(pn->projs[k].tmp, r->u_snap[k], u_bytes(net, &pn->projs[k]));
    }
    long k = 0;
    while (k < block && !*rc) {
        k += run_steps(net, r, start, k, k + 1, rc);
        if (!*rc && net->mpi)
            *rc = rct_mpi_sync(net);
        for (int p = 0; p < pn->n_pops && !*rc; p++)
            if (!rct_state_finite(pn->pops[p])) {
                rct_report_nonfinite(pn->pops[p], net->run_first + start + k - 1);
                *rc = rct_pn_take_error(net, p);
                return k; /* the bad step counts as done, as for one template: its row holds the finite state before it */
            }
    }
    return k;
}

/* Hands the run's spikes and length to the populations. */
static void finish(rectic_net *net, pn_run *r, long done)
{
    rct_popnet *pn = net->pn;
    for (int p = 0; p < pn->n_pops; p++) {
        rct_subset_filter_spikes(pn->pops[p], r->ctx[p].spikes, &r->ctx[p].n_spikes);
        pn->pops[p]->spikes = r->ctx[p].spikes;
        pn->pops[p]->n_spikes = r->ctx[p].n_spikes;
        pn->pops[p]->steps_done = done;
        pn->pops[p]->step_at = net->run_first + done;
        pn->pops[p]->mean_count = r->ctx[p].acc_count;
    }
    net->steps_done = done;
    net->step_at = net->run_first + done;
}

/* Runs the blocks of a run whose contexts are set up. */
static int run_blocks(rectic_net *net, pn_run *r, long steps)
{
    rct_popnet *pn = net->pn;
    rectic_kctx *saved = calloc((size_t)pn->n_pops, sizeof *saved);
    long *spilled = calloc((size_t)pn->n_pops, sizeof *spilled);
    int rc = !saved || !spilled ? rct_oom(&net->err) : 0;
    long done = 0;
    while (done < steps && !rc) {
        long block = steps - done < r->block_max ? steps - done : r->block_max;
        if (net->ckpt_every > 0) { /* a block ends where a checkpoint is due */
            long due = net->ckpt_every - (net->step_at % net->ckpt_every);
            block = due < block ? due : block;
        }
        point_inputs(net, r, done, block);
        if (net->pending_so) /* tiered mode: take the optimized kernel at a block boundary */
            rct_net_poll_tiered(net);
        if (net->check_finite)
            snapshot(net, r, saved, spilled);
        long k = run_steps_threads(net, r, done, block, &rc);
        int finite = 1; /* each rank checks its own units, the ranks agree (the state crosses only if not) */
        if (!rc && net->check_finite)
            rc = rct_mpi_state_finite(net, &finite);
        if (!rc && !finite)
            k = replay(net, r, saved, spilled, done, block, &rc);
        if (k > 0 && rct_online_on(rct_online_of(net))) { /* RLS training of the readout (rls.c): the steps kept */
            int orc = rct_online_rows(net, r->ctx[pn->out_pop].rec_row, k, r->ctx[pn->out_pop].step);
            rc = rc ? rc : orc;
        }
        done += k;
        finish(net, r, done);
        if (!rc && net->ckpt_every > 0 && net->step_at % net->ckpt_every == 0 && !(net->mpi && (rc = gather(net, r, 0))))
            rc = rct_checkpoint_due(net);
        if (rc)
            break;
        int stop = (net->cancel && *net->cancel) || (net->progress && net->progress(net->progress_user, done, steps) != 0);
        if ((rc = rct_mpi_agree_stop(net, stop, &stop))) /* under MPI every rank stops at the same step */
            break;
        if (stop)
            rc = rct_errf(&net->err, RECTIC_ECANCEL, "run cancelled after %ld of %ld steps", done, steps);
    }
    free(saved);
    free(spilled);
    return rc;
}

int rct_pn_cpu_run(rectic_net *net, long steps)
{
    rct_popnet *pn = net->pn;
    int rc = 0;
    double t0 = rct_now(); /* the run: its buffers and contexts, the steps */
    pn_run r;
    memset(&r, 0, sizeof r);
    r.block_max = steps < BLOCK_STEPS ? (steps > 0 ? steps : 1) : BLOCK_STEPS;
    if (rct_online_per_step(net)) /* FORCE feedback: step n's input needs ŷ of step n - 1 */
        r.block_max = 1;
    r.ctx = calloc((size_t)pn->n_pops, sizeof *r.ctx);
    r.recs = calloc((size_t)pn->n_pops, sizeof *r.recs);
    r.inbuf = calloc((size_t)pn->n_pops, sizeof *r.inbuf);
    r.snap = calloc((size_t)pn->n_pops, sizeof *r.snap);
    r.proj = calloc((size_t)pn->n_projs + 1, sizeof *r.proj);
    r.ring_snap = calloc((size_t)pn->n_projs + 1, sizeof *r.ring_snap);
    r.u_snap = calloc((size_t)pn->n_projs + 1, sizeof *r.u_snap);
    r.rows_spilled = calloc((size_t)pn->n_pops, sizeof *r.rows_spilled);
    net->steps_done = 0;
    net->run_first = net->step_at;
    if (!r.ctx || !r.recs || !r.inbuf || !r.snap || !r.proj || !r.ring_snap || !r.u_snap || !r.rows_spilled)
        rc = rct_oom(&net->err);
    for (int p = 0; p < pn->n_pops && !rc; p++)
        rc = setup_pop(net, &r, p, steps);
    if (!rc)
        rc = setup_projs(net, &r);
    if (!rc)
        net->event_valid = 1;
    if (!rc && net->mpi)
        rc = rct_mpi_run_start(net, r.ctx); /* what crosses between the ranks */
    if (!rc)
        rc = run_blocks(net, &r, steps);
    if (r.ctx && r.rows_spilled) { /* the last, partial chunks (also of a run stopped by an error) */
        int wrc = spill_rest(net, &r);
        rc = rc ? rc : wrc;
    }
    if (net->mpi && (!rc || rc == RECTIC_ECANCEL || rc == RECTIC_ENUMERIC)) { /* every rank gets here: collective */
        int grc = gather(net, &r, 1);
        rc = rc ? rc : grc;
    }
    net->timings.run = rct_now() - t0;
    rct_mpi_run_end(net);
    run_free(pn, &r);
    if (!rc)
        net->err.code = 0;
    return rc;
}

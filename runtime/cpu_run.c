/*
 * cpu_run.c -- the CPU backend's run of a network of one template: drives its kernel through the steps in
 * blocks (inputs converted per block, spike buffer growth, streaming of recordings, the numerical guard that
 * replays a block step by step to find the first bad step), with progress, cancellation and checkpoints
 * between blocks.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "checkpoint.h"
#include "cpu_backend.h"
#include "kernel_abi.h"
#include "inpart.h"
#include "mpi_net.h"
#include "mpi_rec.h"
#include "mpi_xchg.h"
#include "observer.h"
#include "rls.h"
#include "run_common.h"
#include "threadpick.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)

typedef long (*kernel_fn)(rectic_kctx *c, long steps);

#define BLOCK_STEPS 4096L /* steps per kernel call between checks of progress and cancellation */

/* Does the running kernel run its loops over neurons on net->threads threads (a cc kernel built with OpenMP
   for n >= RCT_PARALLEL_MIN_N)? */
static int parallel_kernel(const rectic_net *net)
{
    return net->cc && net->n >= RCT_PARALLEL_MIN_N && net->threads > 1 && rct_cc_openmp();
}

/* The next steps on all the threads asked for (many), or on one: only a parallel kernel uses them (the dense
   product is the kernel's own row kernel, split among its threads, not OpenBLAS's). */
static void use_threads(rectic_net *net, rectic_kctx *c, int many)
{
    c->threads = many ? net->threads : 1;
}

/* Fills buf (block x cols values of the network's type) with the inputs of steps start..start+block-1. */
static int fill_inputs(rectic_net *net, const rct_input_src *in, long start, long block, void *buf, double *row)
{
    for (long s = 0; s < block; s++) {
        const double *src = in->array ? in->array + (start + s) * in->cols : row;
        if (!in->array && in->fn(in->user, start + s, row, in->cols) != 0)
            return rct_errf(&net->err, RECTIC_ECANCEL, "the input callback stopped the run at step %ld", start + s);
        for (long j = 0; j < in->cols; j++) {
            if (net->f32)
                ((float *)buf)[s * in->cols + j] = (float)src[j];
            else
                ((double *)buf)[s * in->cols + j] = src[j];
        }
    }
    return 0;
}

/* How a block's inputs are handed to the kernel. */
typedef struct block_io {
    const rct_input_src *in;
    void *buf;        /* converted input rows of the block (or one zero row) */
    long cols;
    int direct;       /* float64 input arrays are read in place */
    int part;         /* the array holds an MPI rank's neurons lo .. hi-1 only (inpart.h), copied each step
                         into buf, a row of n (the kernel reads neuron i at i; it steps one at a time) */
    long lo, hi;
    kernel_fn kernel;
} block_io;

/* Runs steps from..to-1 of the block starting at step `start` of the run; returns the steps done. */
static long run_block(rectic_net *net, rectic_kctx *c, const block_io *io, long start, long from, long to, int *rc)
{
    long k = from;
    size_t rs = net->f32 ? sizeof(float) : sizeof(double);
    while (k < to) {
        if (net->model->spike_def >= 0 && (*rc = rct_grow_spikes(net, &c->spikes, &c->n_spikes, &c->cap_spikes)))
            break;
        long limit = to - k;
        if (net->spill) { /* streaming: stop where the chunk is full, write it out, go on */
            if (c->rec_row == net->chunk_rows) {
                if ((*rc = rct_obs_spill(net, c->rec_row)))
                    break;
                c->rec_row = 0;
            }
            long fill = rct_obs_chunk_steps(net, c->step, c->rec_row);
            limit = fill < limit ? fill : limit;
        }
        if (io->part) /* this rank's neurons of the step, in a row of all */
            rct_inpart_row(io->in->array, start + k, io->lo, io->hi, io->buf, net->f32), c->input = io->buf;
        else if (io->in->cols == 0)
            c->input = io->buf; /* one zero row read with stride 0 */
        else if (io->direct)
            c->input = io->in->array + (start + k) * io->in->cols;
        else
            c->input = (const char *)io->buf + (size_t)(k * io->cols) * rs;
        long d = io->kernel(c, net->mpi ? 1 : limit); /* returns early only when the spike buffer needs room */
        k += d;
        if (net->mpi && d > 0 && (*rc = rct_mpi_after_step(net, c->step - 1))) /* MPI: what crosses */
            break;
    }
    return k - from;
}

/* A block's steps on one thread or all (rct_steps_fn): what run_block needs. */
typedef struct block_run {
    rectic_net *net;
    rectic_kctx *c;
    const block_io *io;
    long start;
} block_run;

static long block_steps(void *user, long from, long to, int many, int *rc)
{
    block_run *b = user;
    use_threads(b->net, b->c, many);
    return run_block(b->net, b->c, b->io, b->start, from, to, rc);
}

/* Runs the `block` steps of the block starting at step `start` (run_block) on the threads that help
   (threadpick.h); returns the steps done. */
static long run_block_threads(rectic_net *net, rectic_kctx *c, const block_io *io, long start, long block, int *rc)
{
    block_run b = {net, c, io, start};
    if (!parallel_kernel(net) || block < 3)
        return block_steps(&b, 0, block, 0, rc);
    return rct_threads_block(net, block_steps, &b, block, rc);
}

int rct_cpu_run(rectic_net *net, long steps, const double *array, rectic_input_fn fn, void *user, long cols_in)
{
    const rct_model *m = net->model;
    const rct_input_src in_src = {array, fn, user, cols_in}, *in = &in_src;
    int rc;
    double t0 = rct_now(); /* the run: its buffers, the event coupling's start, the steps, the last spill */
    long in_col = in->cols == net->n && net->n > 1 ? 1 : 0;
    void *recs = NULL;
    int n_recs = 0;
    net->steps_done = 0;
    if ((rc = rct_obs_prepare(net, steps, in_col, &recs, &n_recs)))
        return rc;
    if (!net->mean_acc) /* the sampling mean's sums carry from run to run */
        net->mean_acc = calloc((size_t)net->n + 1, sizeof *net->mean_acc);
    int whole_out = rct_online_on(rct_online_of(net)); /* the online readout reads the output on every rank */
    if (net->mpi && ((rc = rct_mpi_net_check(net)) || (rc = rct_mpi_rec_own(net, net, recs, n_recs, whole_out)))) {
        free(recs); /* (a rank records only its own units' columns) */
        return rc;
    }
    long acc_n; /* the sampling mean's sums the kernel adds to: every column, or this rank's */
    double *acc = rct_mpi_rec_acc(net, &acc_n);
    long lo, hi; /* under MPI, an array of a column per neuron holds this rank's neurons lo .. hi-1 */
    int part = in->array && rct_inpart_own(net, -1, in->cols, &lo, &hi);
    long cols = part ? 1 : in->cols ? in->cols : 1; /* (a part: one row of n in buf) */
    long block_max = steps < BLOCK_STEPS ? (steps > 0 ? steps : 1) : BLOCK_STEPS;
    if (rct_online_per_step(net)) /* feedback: step n's input needs ŷ of step n - 1 */
        block_max = 1;
    int direct = in->array && !net->f32 && !part; /* float64 arrays are read in place */
    size_t buf_len = part ? (size_t)net->n : (size_t)(block_max * cols);
    void *buf = direct ? NULL : calloc(buf_len + 1, net->f32 ? sizeof(float) : sizeof(double));
    double *row = calloc((size_t)cols + 1, sizeof *row);
    if (!acc || (!direct && !buf) || !row) {
        free(buf);
        free(row);
        free(recs);
        return rct_oom(&net->err);
    }
    rectic_kctx c;
    memset(&c, 0, sizeof c);
    c.n = net->n;
    c.dt = net->dt;
    c.threshold = net->threshold;
    c.reset = net->reset;
    c.y = net->y;
    c.alg = net->alg;
    c.coup = net->coup;
    c.w = net->w_cols ? net->w_cols : net->w; /* by columns where the kernel reads them so (coupling.c) */
    c.csr_ptr = net->csr_ptr;
    c.csr_col = net->csr_col;
    c.csr_val = net->csr_val;
    c.threads = net->threads;
    rct_mpi_net_range(net, net, &c.lo, &c.hi); /* all neurons, or this MPI rank's block */
    c.gemv = rct_gemv_rows(net->f32);
    c.param = (const void *const *)net->param_real;
    c.in_row = in->cols;
    c.in_col = in_col;
    c.n_rec = n_recs;
    c.rec = recs;
    c.rec_buf = net->rec_data;
    c.rec_cap = net->rec_rows + (net->sample_mode == RECTIC_SAMPLE_MEAN); /* a mean sums up to the run's end */
    c.sample_every = net->sample_every;
    c.cutoff = net->cutoff;
    c.sample_mean = net->sample_mode == RECTIC_SAMPLE_MEAN;
    c.acc = acc;
    c.acc_count = net->mean_count;
    c.step = net->step_at;
    block_io io = {in, buf, cols, direct, part, lo, hi, (kernel_fn)net->kernel};
    if (!net->event_valid) /* else W @ source carries on from the previous run or the loaded state */
        rct_coupling_start_run(net);
    net->event_valid = 1;
    size_t ybytes = (size_t)m->n_state * (size_t)net->n * (net->f32 ? sizeof(float) : sizeof(double));
    void *snap_y = net->check_finite ? malloc(ybytes + 1) : NULL;
    double *snap_acc = net->check_finite ? malloc(sizeof(double) * (size_t)acc_n + 1) : NULL;
    if (net->check_finite && (!snap_y || !snap_acc))
        rc = rct_oom(&net->err);
    if (!rc && net->mpi)
        rc = rct_mpi_run_start(net, &c); /* what crosses between the ranks */
    long done = 0;
    while (done < steps && !rc) {
        long block = steps - done < block_max ? steps - done : block_max;
        if (net->ckpt_every > 0) { /* a block ends where a checkpoint is due */
            long due = net->ckpt_every - (net->step_at % net->ckpt_every);
            block = due < block ? due : block;
        }
        if (net->spill && rct_online_on(rct_online_of(net))) { /* the block's output rows stay in the chunk */
            long room = c.rec_row < net->chunk_rows ? net->chunk_rows - c.rec_row : net->chunk_rows;
            block = room < block ? room : block;
        }
        if (!direct && !part && in->cols != 0 && (rc = fill_inputs(net, in, done, block, buf, row)))
            break;
        if (net->pending_so) { /* tiered mode: take the optimized kernel at a block boundary */
            rct_net_poll_tiered(net);
            io.kernel = (kernel_fn)net->kernel;
        }
        rectic_kctx saved = c;
        long saved_spilled = net->spilled_rows, saved_spikes = net->spilled_spikes;
        if (snap_y) { /* to replay the block step by step if the state stops being finite */
            memcpy(snap_y, net->y, ybytes);
            memcpy(snap_acc, acc, sizeof(double) * (size_t)acc_n);
        }
        long k = run_block_threads(net, &c, &io, done, block, &rc);
        int finite = 1; /* each rank checks its own units, the ranks agree (the state crosses only if not) */
        if (!rc && snap_y)
            rc = rct_mpi_state_finite(net, &finite);
        if (!rc && !finite) {
            /* restore the block's start and replay it one step at a time to find the first bad step */
            memcpy(net->y, snap_y, ybytes);
            memcpy(acc, snap_acc, sizeof(double) * (size_t)acc_n);
            c.step = saved.step, c.rec_row = saved.rec_row, c.n_spikes = saved.n_spikes;
            if (net->spilled_rows != saved_spilled && (rc = rct_obs_unspill(net, saved_spilled, saved.rec_row)))
                break;
            if ((rc = rct_obs_unspill_spikes(net, saved_spikes, &c.n_spikes)))
                break;
            c.acc_count = saved.acc_count;
            for (k = 0; k < block && !rc;) {
                k += run_block(net, &c, &io, done, k, k + 1, &rc);
                if (!rc && net->mpi)
                    rc = rct_mpi_sync(net);
                if (!rc && !rct_state_finite(net))
                    rc = rct_report_nonfinite(net, net->run_first + done + k - 1);
            }
        }
        if (k > 0 && rct_online_on(rct_online_of(net))) { /* the readout inside the run: RLS, feedback (rls.c), on */
            int orc = rct_online_rows(net, c.rec_row, k, c.step); /* the steps the numerical guard kept */
            rc = rc ? rc : orc;
        }
        done += k;
        net->steps_done = done;
        rct_subset_filter_spikes(net, c.spikes, &c.n_spikes);
        net->n_spikes = c.n_spikes;
        net->step_at = net->run_first + done;
        net->mean_count = c.acc_count;
        if (!rc && net->ckpt_every > 0 && net->step_at % net->ckpt_every == 0 &&
            !(net->mpi && ((rc = rct_mpi_sync(net)) || (rc = rct_mpi_gather_pop(net, net, -1)))))
            rc = rct_checkpoint_due(net);
        if (rc)
            break;
        int stop = net->cancel && *net->cancel;
        if ((rc = rct_mpi_agree_stop(net, stop, &stop))) /* under MPI every rank stops at the same step */
            break;
        if (stop) {
            rc = rct_errf(&net->err, RECTIC_ECANCEL, "run cancelled after %ld of %ld steps", done, steps);
            break;
        }
        if (net->progress && net->progress(net->progress_user, done, steps) != 0) {
            rc = rct_errf(&net->err, RECTIC_ECANCEL, "run cancelled after %ld of %ld steps", done, steps);
            break;
        }
    }
    free(snap_y);
    free(snap_acc);
    if (net->spill && c.rec_row > 0) { /* the last, partial chunk */
        int wrc = rct_obs_spill(net, c.rec_row);
        rc = rc ? rc : wrc;
    }
    if (net->mpi && (!rc || rc == RECTIC_ECANCEL || rc == RECTIC_ENUMERIC)) { /* every rank gets here: collective */
        int grc = rct_mpi_sync(net); /* the whole state on every rank, as one process's */
        grc = grc ? grc : rct_mpi_gather_pop(net, net, c.rec_row);
        rc = rc ? rc : grc;
    }
    net->timings.run = rct_now() - t0;
    rct_mpi_run_end(net);
    net->spikes = c.spikes;
    net->n_spikes = c.n_spikes;
    free(buf);
    free(row);
    free(recs);
    return rc;
}

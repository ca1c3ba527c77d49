/*
 * observer.c -- sizes and allocates a run's recordings (their steps, buffers and spill files) and hands
 * out the recorded steps and spikes (rectic_net_recording: results.c).
 */
#include "observer.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kernel_abi.h"
#include "mpi_rec.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)

long rct_obs_rows_from(long first, long steps, long every, long cutoff)
{
    long start = first > cutoff ? first : cutoff, end = first + steps;
    if (end <= start)
        return 0;
    long row0 = (start + every - 1) / every * every; /* first multiple of every >= start */
    return row0 >= end ? 0 : (end - 1 - row0) / every + 1;
}

long rct_obs_rows(long steps, long every, long cutoff)
{
    return rct_obs_rows_from(0, steps, every, cutoff);
}

long rct_obs_run_rows(const rectic_net *net, long steps)
{
    return rct_obs_rows_from(net->run_first, steps, net->sample_every, net->cutoff);
}

void rct_obs_clear(rectic_net *net)
{
    for (int k = 0; k < net->n_rec_data; k++)
        free(net->rec_data[k]);
    free(net->rec_data);
    net->rec_data = NULL;
    net->n_rec_data = 0;
    rct_mpi_rec_free(net);
    free(net->rec_steps);
    net->rec_steps = NULL;
    net->rec_rows = 0;
    for (int k = 0; net->spill && k < net->n_rec_vars + 1; k++)
        if (net->spill[k])
            fclose(net->spill[k]);
    free(net->spill);
    net->spill = NULL;
    net->spilled_rows = 0;
    free(net->spikes);
    net->spikes = NULL;
    net->n_spikes = 0;
    if (net->spike_spill)
        fclose(net->spike_spill);
    net->spike_spill = NULL;
    net->spilled_spikes = 0;
    net->spikes_checked = 0;
}

/* Describes where variable v's values live for the kernel's recorder. */
static void describe(const rectic_net *net, int v, long in_col, rectic_krec *r)
{
    const rct_var *var = &net->model->vars[v];
    r->slot = var->slot;
    r->stride = 1;
    r->phase = 0;
    switch (var->kind) {
    case RCT_VK_STATE: r->where = RCT_REC_STATE; break;
    case RCT_VK_ALG: r->where = RCT_REC_ALG; r->phase = 1; break;
    case RCT_VK_COUPLING: r->where = RCT_REC_COUP; r->phase = 1; break;
    case RCT_VK_INPUT: r->where = RCT_REC_INPUT; r->stride = in_col; break;
    default: /* parameters (a spike input is refused by rectic_net_record) */
        r->where = RCT_REC_PARAM;
        r->stride = net->param_vector[var->slot] ? 1 : 0;
        break;
    }
}

/* Opens one anonymous temporary file per recorded value for a streamed recording, after checking
   that the disk can hold `bytes`. */
static int open_spill(rectic_net *net, int count, double bytes)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    struct statvfs fs;
    if (statvfs(dir, &fs) == 0 && (double)fs.f_bavail * (double)fs.f_frsize < bytes)
        return rct_errf(&net->err, RECTIC_ENOMEM, "recordings of %.1f MiB exceed rectic_net_max_memory and the %.1f MiB free "
                                                  "in %s (TMPDIR) where they would stream", bytes / 1048576.0,
                        (double)fs.f_bavail * (double)fs.f_frsize / 1048576.0, dir);
    net->spill = calloc((size_t)count, sizeof *net->spill);
    if (!net->spill)
        return rct_oom(&net->err);
    for (int k = 0; k < count; k++)
        if (!(net->spill[k] = tmpfile()))
            return rct_errf(&net->err, RECTIC_EIO, "cannot create a temporary file in %s for streamed recordings: %s",
                            dir, strerror(errno));
    return 0;
}

/* Does recording k hold values (entry 0, the output, is empty in a population without one)? */
static int holds_values(const rectic_net *net, int k)
{
    return k > 0 || net->model->output >= 0;
}

long rct_obs_row_values(const rectic_net *net)
{
    long values = 0;
    for (int k = 0; k < 1 + net->n_rec_vars; k++)
        values += holds_values(net, k) ? rct_obs_width(net, k) : 0;
    return values;
}

long rct_obs_chunk_steps(const rectic_net *net, long step, long rec_row)
{
    long next = step < net->cutoff ? net->cutoff : step;
    next = (next + net->sample_every - 1) / net->sample_every * net->sample_every; /* the next recorded step */
    long last = next + (net->chunk_rows - rec_row - 1) * net->sample_every;     /* the one filling the chunk */
    return last - step + 1;
}

int rct_obs_spill(rectic_net *net, long rows)
{
    for (int k = 0; k < net->n_rec_data; k++)
        if (holds_values(net, k) && fwrite(net->rec_data[k], sizeof(double) * (size_t)rct_obs_width(net, k), (size_t)rows, net->spill[k]) !=
            (size_t)rows)
            return rct_errf(&net->err, RECTIC_EIO, "writing streamed recordings to a temporary file failed: %s",
                            strerror(errno));
    net->spilled_rows += rows;
    return 0;
}

int rct_obs_unspill(rectic_net *net, long spilled, long rows)
{
    for (int k = 0; k < net->n_rec_data; k++) {
        if (!holds_values(net, k))
            continue;
        size_t row_bytes = sizeof(double) * (size_t)rct_obs_width(net, k);
        FILE *f = net->spill[k];
        if (fseek(f, (long)((size_t)spilled * row_bytes), SEEK_SET) != 0 ||
            fread(net->rec_data[k], row_bytes, (size_t)rows, f) != (size_t)rows ||
            ftruncate(fileno(f), (off_t)((size_t)spilled * row_bytes)) != 0 ||
            fseek(f, 0, SEEK_END) != 0)
            return rct_errf(&net->err, RECTIC_EIO, "rereading streamed recordings failed: %s", strerror(errno));
    }
    net->spilled_rows = spilled;
    return 0;
}

int rct_obs_prepare(rectic_net *net, long steps, long in_col, void **recs, int *n_recs)
{
    return rct_obs_prepare_chunked(net, steps, in_col, 0, recs, n_recs);
}

int rct_obs_prepare_chunked(rectic_net *net, long steps, long in_col, long stream_chunk, void **recs, int *n_recs)
{
    rct_obs_clear(net);
    long rows = rct_obs_run_rows(net, steps);
    int count = 1 + net->n_rec_vars;
    double values = 0; /* per row, all recordings */
    for (int k = 0; k < count; k++)
        values += (double)rct_obs_width(net, k);
    double row_bytes = values * (double)sizeof(double);
    double bytes = row_bytes * (double)rows;
    long chunk = rows;
    if (stream_chunk > 0 || bytes > (double)net->max_memory) {
        chunk = stream_chunk > 0 ? stream_chunk : (long)((double)net->max_memory / row_bytes);
        if (chunk < 1)
            chunk = 1;
        int rc = open_spill(net, count, bytes);
        if (rc)
            return rc;
    }
    size_t slots = (size_t)(count > 0 ? count : 1); /* count >= 1: out is always recorded */
    rectic_krec *r = calloc(slots, sizeof *r);
    net->rec_data = calloc(slots, sizeof *net->rec_data);
    if (!r || !net->rec_data) {
        free(r);
        return rct_oom(&net->err);
    }
    net->n_rec_data = count;
    for (int k = 0; k < count; k++) {
        long width = rct_obs_width(net, k);
        /* one row more: the kernel's recorder may write it while a mean goes on summing after the run's last
           row (rectic_kctx.rec_cap is one more then), and nothing reads it */
        size_t cells = k == 0 && net->model->output < 0 ? 0 : (size_t)(chunk + 1) * (size_t)width;
        net->rec_data[k] = calloc(cells + 1, sizeof(double));
        if (!net->rec_data[k]) {
            free(r);
            return rct_errf(&net->err, RECTIC_ENOMEM, "recordings of %ld rows x %.0f values do not fit in memory "
                                                      "(%.1f MiB)", chunk, values, (double)chunk * row_bytes / 1048576.0);
        }
        if (k > 0 || net->model->output >= 0) /* a population of a network may have no output */
            describe(net, k == 0 ? net->model->output : net->rec_vars[k - 1], in_col, &r[k]);
        const rct_subset *sub = k == 0 ? &net->out_sub : &net->rec_sub[k - 1];
        r[k].idx = sub->idx; /* NULL: every neuron */
        r[k].count = width;
    }
    net->rec_rows = rows;
    net->chunk_rows = chunk;
    *recs = r;
    *n_recs = count;
    return 0;
}

long rct_obs_row_step(const rectic_net *net, long row)
{
    long start = net->run_first > net->cutoff ? net->run_first : net->cutoff;
    long first = (start + net->sample_every - 1) / net->sample_every * net->sample_every;
    return first + row * net->sample_every;
}

int rectic_net_recorded_steps(rectic_net *net, long *rows, const long **steps)
{
    if (!net)
        return RECTIC_EINVAL;
    *rows = rct_obs_run_rows(net, net->steps_done);
    free(net->rec_steps);
    net->rec_steps = calloc((size_t)*rows + 1, sizeof *net->rec_steps);
    if (!net->rec_steps)
        return rct_oom(&net->err);
    for (long i = 0; i < *rows; i++)
        net->rec_steps[i] = rct_obs_row_step(net, i);
    *steps = net->rec_steps;
    return 0;
}

int rectic_net_spikes(rectic_net *net, long *count, const long **pairs)
{
    if (!net)
        return RECTIC_EINVAL;
    if (net->pn)
        return rct_errf(&net->err, RECTIC_EINVAL, "spikes: a network of populations has spikes per population "
                                                  "(rectic_net_population_spikes)");
    *count = net->spilled_spikes + net->n_spikes;
    *pairs = net->spike_spill ? NULL : net->spikes;
    if (net->spike_spill)
        return rct_errf(&net->err, RECTIC_EINVAL, "the spikes of the last run were larger than the memory limit "
                                                  "and streamed to disk: write them with rectic_net_write");
    return 0;
}

/* Bytes of memory the recordings of a run hold (the whole run, or one chunk when streaming). */
static double recording_bytes(const rectic_net *net)
{
    double values = 0;
    for (int k = 0; k < net->n_rec_data; k++)
        values += (double)rct_obs_width(net, k);
    return (double)net->chunk_rows * values * (double)sizeof(double);
}

int rct_obs_spike_room(rectic_net *net, long *n_spikes, long cap)
{
    double left = (double)net->max_memory - recording_bytes(net);
    double want = (double)cap * 2.0 * 2.0 * (double)sizeof(long); /* the buffer doubled */
    if (want <= left || *n_spikes == 0)
        return 0;
    if (!net->spike_spill && !(net->spike_spill = tmpfile()))
        return rct_errf(&net->err, RECTIC_EIO, "cannot create a temporary file for streamed spikes: %s", strerror(errno));
    if (fwrite(net->spikes, 2 * sizeof(long), (size_t)*n_spikes, net->spike_spill) != (size_t)*n_spikes)
        return rct_errf(&net->err, RECTIC_EIO, "writing streamed spikes to a temporary file failed: %s", strerror(errno));
    net->spilled_spikes += *n_spikes;
    *n_spikes = 0;
    net->spikes_checked = 0;
    return 0;
}

int rct_obs_unspill_spikes(rectic_net *net, long spilled, long *n_spikes)
{
    if (net->spilled_spikes == spilled)
        return 0;
    /* spikes went to the file during the block: put the file back to the block's start, all in it */
    long keep = spilled + *n_spikes;
    if (fflush(net->spike_spill) != 0 || ftruncate(fileno(net->spike_spill), (off_t)keep * 2 * (off_t)sizeof(long)) != 0 ||
        fseek(net->spike_spill, 0, SEEK_END) != 0)
        return rct_errf(&net->err, RECTIC_EIO, "rereading streamed spikes failed: %s", strerror(errno));
    net->spilled_spikes = keep;
    *n_spikes = 0;
    return 0;
}

long rectic_net_steps_done(const rectic_net *net)
{
    if (!net)
        return 0;
    return net->steps_done;
}

/*
 * results.c -- the last run's recordings: handed out (rectic_net_recording) and written as CSV or .npy files,
 * each atomically (temporary name, rename), with the readout's fit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_csv.h"
#include "io_file.h"
#include "io_npy.h"
#include "layers.h"
#include "library.h"
#include "network.h"
#include "mpi_rec.h"
#include "observer.h"
#include "outset.h"
#include "popnet.h"
#include "record.h"
#include "rls.h"

/* Where the rows of an output come from: an array in memory, a spill file, the time of each row, or the
   spikes' (step, neuron) pairs in memory and then in a spill file. */
typedef struct rows_src {
    const double *data; /* rows x cols in memory, or NULL */
    FILE *spill;        /* or raw rows in a temporary file */
    int time;           /* or the time of each recorded row */
    const long *pairs;  /* or spike pairs: the first `spilled` rows in `spill` (as longs), the rest here */
    long spilled;
} rows_src;

#define WRITE_CHUNK 65536L /* rows per piece when streaming from a file */

/* Fills buf with rows [r0, r0+count) of spike pairs (cols 2): from the spill file, then from memory. */
static int read_pairs(const rows_src *src, long r0, long count, double *buf)
{
    long from_file = r0 >= src->spilled ? 0 : (src->spilled - r0 < count ? src->spilled - r0 : count);
    if (from_file && r0 == 0 && fseek(src->spill, 0, SEEK_SET) != 0)
        return -1;
    long pair[2];
    for (long i = 0; i < from_file; i++) {
        if (fread(pair, sizeof pair, 1, src->spill) != 1)
            return -1;
        buf[2 * i] = (double)pair[0], buf[2 * i + 1] = (double)pair[1];
    }
    for (long i = from_file; i < count; i++) {
        const long *p = src->pairs + 2 * (r0 + i - src->spilled);
        buf[2 * i] = (double)p[0], buf[2 * i + 1] = (double)p[1];
    }
    return 0;
}

/* Fills buf with rows [r0, r0+count) of src. */
static int read_rows(rectic_net *net, const rows_src *src, long r0, long count, long cols, double *buf)
{
    if (src->time) {
        for (long i = 0; i < count; i++)
            buf[i] = (double)rct_obs_row_step(net, r0 + i) * net->dt;
        return 0;
    }
    if (src->pairs || src->spilled)
        return read_pairs(src, r0, count, buf);
    if (r0 == 0 && fseek(src->spill, 0, SEEK_SET) != 0)
        return -1;
    return fread(buf, sizeof(double) * (size_t)cols, (size_t)count, src->spill) == (size_t)count ? 0 : -1;
}

/* Writes one rows x cols output to dir/name.<ext> under a temporary name and adds it to the set; type: its
   .npy type (RCT_NPY_*; in CSV float32 values are printed as floats, the rest as doubles). */
static int write_output(rectic_net *net, rct_outset *set, const char *name, int format, const rows_src *src,
                        long rows, long cols, int type)
{
    int as_float = type == RCT_NPY_F4;
    char path[4600];
    snprintf(path, sizeof path, "%s/%s.%s", set->dir, name, format == RECTIC_FORMAT_NPY ? "npy" : "csv");
    rct_afile a;
    int rc = rct_afile_open(&a, path, &net->err);
    if (rc)
        return rc;
    int npy = format == RECTIC_FORMAT_NPY, bad = npy && rct_npy_write_header(a.f, rows, cols, type);
    if (src->data) {
        bad = bad || (npy ? rct_npy_write_data(a.f, src->data, (size_t)rows * (size_t)cols, type)
                          : rct_csv_write(a.f, src->data, rows, cols, as_float));
    } else {
        long piece = rows < WRITE_CHUNK ? rows : WRITE_CHUNK;
        double *buf = malloc(sizeof(double) * (size_t)(piece * cols) + 1);
        bad = bad || !buf;
        for (long r = 0; !bad && r < rows; r += piece) {
            long k = rows - r < piece ? rows - r : piece;
            bad = read_rows(net, src, r, k, cols, buf) ||
                  (npy ? rct_npy_write_data(a.f, buf, (size_t)(k * cols), type)
                       : rct_csv_write(a.f, buf, k, cols, as_float));
        }
        free(buf);
    }
    if (bad) {
        rct_afile_abort(&a);
        return rct_errf(&net->err, RECTIC_EIO, "%s: write error: %s", path, strerror(errno ? errno : EIO));
    }
    return rct_outset_add(set, &a, &net->err);
}

int rct_write_matrix(rectic_net *net, rct_outset *set, const char *name, int format, const double *data, long rows,
                     long cols)
{
    rows_src src = {data, NULL, 0, NULL, 0};
    return write_output(net, set, name, format, &src, rows, cols, RCT_NPY_F8);
}

/* Writes every output of the last run into the set (under temporary names). */
static int write_outputs(rectic_net *net, rct_outset *set, int format)
{
    long rows = rct_obs_run_rows(net, net->steps_done);
    int rc = 0;
    for (int k = 0; k < net->n_rec_data && !rc; k++) {
        char *name = k == 0 ? rct_strdup("out") : rct_record_file_name(net->rec_names[k - 1]);
        if (!name)
            return rct_oom(&net->err);
        rows_src src = {net->spill ? NULL : net->rec_data[k], net->spill ? net->spill[k] : NULL, 0, NULL, 0};
        long cols = rct_obs_width(net, k), ro_rows;
        if (k == 0 && rct_layers_out(net, &ro_rows, &cols, &src.data, &src.spill)) /* the readout's output */
            rows = ro_rows;
        rc = write_output(net, set, name, format, &src, rows, cols, net->f32 ? RCT_NPY_F4 : RCT_NPY_F8);
        rows = rct_obs_run_rows(net, net->steps_done);
        free(name);
    }
    rows_src time_src = {NULL, NULL, 1, NULL, 0};
    if (rc || (rc = write_output(net, set, "time", format, &time_src, rows, 1, RCT_NPY_F8 | RCT_NPY_1D)) || net->model->spike_def < 0)
        return rc;
    rows_src sp_src = {NULL, net->spike_spill, 0, net->spikes, net->spilled_spikes};
    return write_output(net, set, "spikes", format, &sp_src, net->spilled_spikes + net->n_spikes, 2, RCT_NPY_I8);
}

/* Writes every output of the last run of a network of populations into the set: the output, each
   population's recordings under their keys, time, and spikes_POP of each spiking population. */
int rct_pn_write_outputs(rectic_net *net, rct_outset *set, int format)
{
    const rct_popnet *pn = net->pn;
    long rows = rct_obs_run_rows(net, net->steps_done);
    int type = net->f32 ? RCT_NPY_F4 : RCT_NPY_F8, rc = 0;
    char name[300];
    for (int p = 0; p < pn->n_pops && !rc; p++) {
        rectic_net *pop = pn->pops[p];
        for (int k = p == pn->out_pop ? 0 : 1; k < pop->n_rec_data && !rc; k++) {
            rows_src src = {pop->spill ? NULL : pop->rec_data[k], pop->spill ? pop->spill[k] : NULL, 0, NULL, 0};
            long cols = rct_obs_width(pop, k), out_rows = rows;
            if (k == 0 && rct_layers_out(net, &out_rows, &cols, &src.data, &src.spill)) /* the readout's output */
                src.spill = NULL;
            rc = write_output(pop, set, k == 0 ? "out" : pop->rec_names[k - 1], format, &src, out_rows, cols, type);
        }
        if (!rc && pop->model->spike_def >= 0) {
            rows_src sp = {NULL, pop->spike_spill, 0, pop->spikes, pop->spilled_spikes};
            snprintf(name, sizeof name, "spikes_%s", pn->names[p]);
            rc = write_output(pop, set, name, format, &sp, pop->spilled_spikes + pop->n_spikes, 2, RCT_NPY_I8);
        }
        if (rc)
            return rct_errf(&net->err, rc, "%s", pop->err.msg);
    }
    rows_src time_src = {NULL, NULL, 1, NULL, 0};
    return write_output(net, set, "time", format, &time_src, rows, 1, RCT_NPY_F8 | RCT_NPY_1D);
}

/* Writes readout.csv and y_fit of the last fit into an output set (nothing without a fit). */
static int write_fit(rectic_net *net, rct_outset *set, int format)
{
    const rct_layers *L = net->layers;
    if (!L || !L->fit_w)
        return 0;
    int rc = rct_write_matrix(net, set, "readout", RECTIC_FORMAT_CSV, L->fit_w, L->fit_k, L->fit_cols); /* always CSV */
    if (!rc && L->y_fit)
        rc = rct_write_matrix(net, set, "y_fit", format, L->y_fit, L->fit_rows, L->fit_k);
    if (!rc && L->online && L->online->train && L->online->err) /* RLS: the error of each update step */
        rc = rct_write_matrix(net, set, "error", format, L->online->err, L->online->err_rows, L->online->k);
    return rc;
}

/* The error of a rank other than 0 asked for the recordings of a partitioned run. */
static int partial(rectic_net *net)
{
    return rct_errf(&net->err, RECTIC_EINVAL, "MPI: this rank recorded only the columns of its own units; rank 0 "
                                              "holds the recordings (write and read them there)");
}

/* rectic_net_write_set's members, made by the callback of rectic_net_write_set_fn. */
static char *fixed_members(void *user)
{
    return user ? rct_strdup(user) : NULL;
}

int rectic_net_write_set(rectic_net *net, const char *dir, rectic_format format, const char *meta_members)
{
    return rectic_net_write_set_fn(net, dir, format, fixed_members, (void *)meta_members);
}

int rectic_net_write_set_fn(rectic_net *net, const char *dir, rectic_format format, rectic_meta_fn members,
                            void *user)
{
    if (!net)
        return RECTIC_EINVAL;
    if (net->pn ? net->pn->pops[0]->n_rec_data == 0 : net->n_rec_data == 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "nothing to write: no run yet");
    if (rct_mpi_rec_partial(net))
        return partial(net);
    int rc = rct_outset_check_dir(dir, 0, &net->err);
    if (rc)
        return rc;
    rct_outset set;
    rct_outset_init(&set, dir);
    if ((rc = net->pn ? rct_pn_write_outputs(net, &set, format) : write_outputs(net, &set, format)) ||
        (rc = write_fit(net, &set, format))) {
        rct_outset_abort(&set);
        return rc;
    }
    char *text = members ? members(user) : NULL; /* the recordings are written: now meta.json's members */
    rc = rct_outset_commit(&set, text, &net->err);
    free(text);
    return rc;
}

int rectic_net_write(rectic_net *net, const char *dir, rectic_format format)
{
    return rectic_net_write_set(net, dir, format, NULL);
}

int rectic_net_check_output(rectic_net *net, const char *dir, rectic_format format, long steps)
{
    if (!net)
        return RECTIC_EINVAL;
    /* the least each file can take: .npy exactly (header + values), CSV two characters a value ("0,") */
    double rows = (double)rct_obs_rows_from(net->step_at, steps, net->sample_every, net->cutoff);
    int npy = format == RECTIC_FORMAT_NPY;
    double value = npy ? (net->f32 ? 4.0 : 8.0) : 2.0, header = npy ? 128.0 : 0.0;
    double bytes = header + rows * (npy ? 8.0 : 2.0);                                 /* time */
    for (int p = 0; p < (net->pn ? net->pn->n_pops : 1); p++) {
        const rectic_net *pop = net->pn ? net->pn->pops[p] : net;
        for (int k = !net->pn || p == net->pn->out_pop ? 0 : 1; k <= pop->n_rec_vars; k++)
            bytes += header + rows * (double)rct_obs_width(pop, k) * value;        /* out, recordings */
    }
    return rct_outset_check_dir(dir, bytes, &net->err);
}

/* rectic_net_recording of a network of populations: the recording of the population that holds key. */
static int pn_recording(rectic_net *net, const char *key, long *rows, long *cols, const double **data)
{
    rct_popnet *pn = net->pn;
    int rc = RECTIC_EINVAL;
    for (int p = 0; p < pn->n_pops; p++) {
        rectic_net *pop = pn->pops[p];
        int holds = key && strcmp(key, "out") == 0 ? p == pn->out_pop : 0;
        for (int k = 0; key && !holds && k < pop->n_rec_vars; k++)
            holds = strcmp(pop->rec_names[k], key) == 0;
        if (holds)
            return rct_pn_result(net, p, rectic_net_recording(pop, key, rows, cols, data));
    }
    return rct_errf(&net->err, rc, "no recording named '%s' (record it with rectic_net_record_as before the run)",
                    key ? key : "(null)");
}

int rectic_net_recording(rectic_net *net, const char *name, long *rows, long *cols, const double **data)
{
    if (!net)
        return RECTIC_EINVAL;
    if (rct_mpi_rec_partial(net))
        return partial(net);
    FILE *ro_spill = NULL;
    if (name && strcmp(name, "out") == 0 && rct_layers_out(net, rows, cols, data, &ro_spill)) { /* the readout's */
        if (ro_spill)
            return rct_errf(&net->err, RECTIC_EINVAL, "the recordings of the last run were larger than the memory "
                                                      "limit and streamed to disk: write them with rectic_net_write");
        net->err.code = 0;
        return 0;
    }
    if (net->pn)
        return pn_recording(net, name, rows, cols, data);
    int k = -1;
    if (name && strcmp(name, "out") == 0 && net->n_rec_data > 0 && net->model->output >= 0)
        k = 0;
    for (int i = 0; k < 0 && name && i < net->n_rec_vars && i + 1 < net->n_rec_data; i++)
        if (strcmp(net->rec_names[i], name) == 0)
            k = i + 1;
    if (k < 0) {
        /* also accept another spelling of a recorded variable */
        rct_err quiet;
        int v = name ? rct_model_find(net->model, name, NULL, "recording", &quiet) : -1;
        for (int i = 0; v >= 0 && k < 0 && i < net->n_rec_vars && i + 1 < net->n_rec_data; i++)
            if (net->rec_vars[i] == v)
                k = i + 1;
    }
    if (k < 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "no recording named '%s' (record it with rectic_net_record before "
                                                  "the run; \"out\" is the output)", name ? name : "(null)");
    if (net->spill)
        return rct_errf(&net->err, RECTIC_EINVAL, "the recordings of the last run were larger than the memory limit "
                                                  "and streamed to disk: write them with rectic_net_write");
    *rows = net->steps_done == 0 ? 0 : rct_obs_run_rows(net, net->steps_done);
    *cols = rct_obs_width(net, k);
    *data = net->rec_data[k];
    net->err.code = 0;
    return 0;
}

int rectic_read_matrix(const char *path, double **data, long *rows, long *cols)
{
    rct_err err = {0, ""};
    rct_matrix m;
    rct_last_error_clear();
    if (!path || !data || !rows || !cols) {
        rct_errf(&err, RECTIC_EINVAL, "read_matrix: a path and places for the data, rows and columns are required");
        return rct_last_error_keep(&err);
    }
    if (rct_matrix_read(path, &m, &err))
        return rct_last_error_keep(&err);
    *data = m.data;
    *rows = m.rows;
    *cols = m.cols;
    return 0;
}

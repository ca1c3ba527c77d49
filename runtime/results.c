/*
 * results.c -- writes a run's recordings as CSV or .npy files, each atomically (temporary name, rename).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_csv.h"
#include "io_file.h"
#include "io_npy.h"
#include "network.h"
#include "observer.h"

/* Creates the output directory and its parents. */
static int make_dirs(rectic_net *net, const char *dir)
{
    char failed[4096];
    int e = rct_mkdirs(dir, 0777, failed, sizeof failed);
    if (e == ENOTDIR)
        return rct_errf(&net->err, RECTIC_EIO, "-o %s: %s is not a directory", dir, failed);
    if (e)
        return rct_errf(&net->err, RECTIC_EIO, "-o %s: cannot create directory %s: %s", dir, failed, strerror(e));
    return 0;
}

/* Where the rows of an output come from: an array in memory, a spill file, or the time of each row. */
typedef struct rows_src {
    const double *data; /* rows x cols in memory, or NULL */
    FILE *spill;        /* or raw rows in a temporary file */
    int time;           /* or the time of each recorded row */
} rows_src;

#define WRITE_CHUNK 65536L /* rows per piece when streaming from a file */

/* Fills buf with rows [r0, r0+count) of src. */
static int read_rows(rectic_net *net, const rows_src *src, long r0, long count, long cols, double *buf)
{
    if (src->time) {
        for (long i = 0; i < count; i++)
            buf[i] = (double)rct_obs_row_step(net, r0 + i) * net->dt;
        return 0;
    }
    if (r0 == 0 && fseek(src->spill, 0, SEEK_SET) != 0)
        return -1;
    return fread(buf, sizeof(double) * (size_t)cols, (size_t)count, src->spill) == (size_t)count ? 0 : -1;
}

/* Writes one rows x cols output to dir/name.<ext> through a temporary file; type: its .npy type (RCT_NPY_*;
   in CSV float32 values are printed as floats, the rest as doubles). */
static int write_output(rectic_net *net, const char *dir, const char *name, int format, const rows_src *src, long rows,
                        long cols, int type)
{
    int as_float = type == RCT_NPY_F4;
    char path[4600];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, format == RECTIC_FORMAT_NPY ? "npy" : "csv");
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
    return rct_afile_commit(&a, &net->err);
}

int rectic_net_write(rectic_net *net, const char *dir, int format)
{
    int rc = make_dirs(net, dir);
    if (rc)
        return rc;
    long rows = rct_obs_rows(net->steps_done, net->sample_every, net->cutoff);
    long n = net->n;
    if (net->n_rec_data == 0)
        return rct_errf(&net->err, RECTIC_EINVAL, "nothing to write: no run yet");
    for (int k = 0; k < net->n_rec_data; k++) {
        char *name = k == 0 ? rct_strdup("out") : rct_record_file_name(net->rec_names[k - 1]);
        if (!name)
            return rct_oom(&net->err);
        rows_src src = {net->spill ? NULL : net->rec_data[k], net->spill ? net->spill[k] : NULL, 0};
        rc = write_output(net, dir, name, format, &src, rows, n, net->f32 ? RCT_NPY_F4 : RCT_NPY_F8);
        free(name);
        if (rc)
            return rc;
    }
    rows_src time_src = {NULL, NULL, 1};
    if ((rc = write_output(net, dir, "time", format, &time_src, rows, 1, RCT_NPY_F8 | RCT_NPY_1D)))
        return rc;
    if (net->model->spike_def < 0)
        return 0;
    double *sp = calloc((size_t)net->n_spikes * 2 + 1, sizeof *sp);
    if (!sp)
        return rct_oom(&net->err);
    for (long i = 0; i < 2 * net->n_spikes; i++)
        sp[i] = (double)net->spikes[i];
    rows_src sp_src = {sp, NULL, 0};
    rc = write_output(net, dir, "spikes", format, &sp_src, net->n_spikes, 2, RCT_NPY_I8);
    free(sp);
    return rc;
}

char *rct_record_file_name(const char *name)
{
    if (strncmp(name, "all/", 4) == 0)
        name += 4;
    char *f = rct_strdup(name);
    for (char *p = f; p && *p; p++)
        if (*p == '/')
            *p = '_';
    return f;
}

int rectic_read_matrix(const char *path, double **data, long *rows, long *cols, char *errbuf, size_t errsize)
{
    rct_err err = {0, ""};
    rct_matrix m;
    int rc = rct_matrix_read(path, &m, &err);
    if (rc) {
        if (errbuf && errsize)
            snprintf(errbuf, errsize, "%s", err.msg);
        return rc;
    }
    *data = m.data;
    *rows = m.rows;
    *cols = m.cols;
    return 0;
}

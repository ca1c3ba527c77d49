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

/* Creates dir and its parents. */
static int make_dirs(rectic_net *net, const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return rct_errf(&net->err, RECTIC_EIO, "-o %s: path too long", dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return rct_errf(&net->err, RECTIC_EIO, "-o %s: cannot create directory %s: %s", dir, path, strerror(errno));
            struct stat st;
            if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
                return rct_errf(&net->err, RECTIC_EIO, "-o %s: %s is not a directory", dir, path);
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

/* Writes one rows x cols array to dir/name.<ext>. */
static int write_array(rectic_net *net, const char *dir, const char *name, int format, const double *data, long rows,
                       long cols, int as_float)
{
    char path[4600];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, format == RECTIC_FORMAT_NPY ? "npy" : "csv");
    rct_afile a;
    int rc = rct_afile_open(&a, path, &net->err);
    if (rc)
        return rc;
    int bad = format == RECTIC_FORMAT_NPY ? rct_npy_write(a.f, data, rows, cols, as_float)
                                          : rct_csv_write(a.f, data, rows, cols, as_float);
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
    if ((rc = write_array(net, dir, "out", format, net->rec_data[0], rows, n, net->f32)))
        return rc;
    for (int k = 0; k < net->n_rec_vars && k + 1 < net->n_rec_data; k++) {
        char *name = rct_record_file_name(net->rec_names[k]);
        if (!name)
            return rct_oom(&net->err);
        rc = write_array(net, dir, name, format, net->rec_data[k + 1], rows, n, net->f32);
        free(name);
        if (rc)
            return rc;
    }
    double *t = calloc((size_t)rows + 1, sizeof *t);
    if (!t)
        return rct_oom(&net->err);
    for (long i = 0; i < rows; i++)
        t[i] = (double)net->rec_steps[i] * net->dt;
    rc = write_array(net, dir, "time", format, t, rows, 1, 0);
    free(t);
    if (rc || net->model->spike_def < 0)
        return rc;
    double *sp = calloc((size_t)net->n_spikes * 2 + 1, sizeof *sp);
    if (!sp)
        return rct_oom(&net->err);
    for (long i = 0; i < 2 * net->n_spikes; i++)
        sp[i] = (double)net->spikes[i];
    rc = write_array(net, dir, "spikes", format, sp, net->n_spikes, 2, 0);
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

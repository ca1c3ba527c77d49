/*
 * io_file.h -- the matrix type, reading a matrix by file format, and atomic output files.
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_IO_FILE_H
#define RCT_IO_FILE_H

#include <stdio.h>

#include "util.h"

/* A dense row-major matrix of rows x cols doubles; data is malloc'd (non-NULL after a successful read,
   even when rows * cols is 0). */
typedef struct rct_matrix {
    long rows, cols;
    double *data;
} rct_matrix;

/* Frees data and zeroes the struct (safe on a zeroed struct). */
void rct_matrix_free(rct_matrix *m);

/* Whether path names a .npy file (ends in ".npy", ignoring case). */
int rct_is_npy_path(const char *path);

/* Reads a matrix from a .npy file (by extension, case-insensitive) or else CSV.  On failure *m is
   zeroed and err names the file. */
int rct_matrix_read(const char *path, rct_matrix *m, rct_err *err);

/* Atomic output: writes go to a temporary file in the same directory (name starting with '.', ending in
   .tmp); commit flushes, fsyncs, closes and renames it over path, reporting any write error (disk full,
   EFBIG) with the path; abort closes and unlinks the temporary file.  After commit (successful or not)
   or abort the struct is zeroed, so a later abort is harmless. */
typedef struct rct_afile {
    FILE *f;
    char *path;
    char *tmp;
} rct_afile;

int rct_afile_open(rct_afile *a, const char *path, rct_err *err);
int rct_afile_commit(rct_afile *a, rct_err *err);
/* Closes the temporary file complete without renaming it: a->tmp and a->path stay set (the caller renames
   and then frees them with rct_afile_abort after clearing a->tmp, or removes it with rct_afile_abort). */
int rct_afile_close(rct_afile *a, rct_err *err);
void rct_afile_abort(rct_afile *a);

#endif

/*
 * io_npy.h -- reading and writing matrices as NumPy .npy files.
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_IO_NPY_H
#define RCT_IO_NPY_H

#include <stdio.h>

#include "io_file.h"
#include "util.h"

/* Reads a .npy file (format 1.0, 2.0 or 3.0) holding a C-order '<f8' or '<f4' array of shape (n,)
   (read as n x 1) or (rows, cols).  The header is checked against the file's size before allocating. */
int rct_npy_read(const char *path, rct_matrix *m, rct_err *err);

/* Writes a NumPy .npy (format 1.0) file: '<f8' (or '<f4' when as_float: values converted to float),
   fortran_order False, shape (rows, cols).  Returns 0 or -1 on a write error or a negative size. */
int rct_npy_write(FILE *f, const double *data, long rows, long cols, int as_float);

/* The two halves of rct_npy_write, for data written in chunks: the header of a rows x cols array, then
   `count` values (as many calls as needed).  Return 0 or -1. */
int rct_npy_write_header(FILE *f, long rows, long cols, int as_float);
int rct_npy_write_data(FILE *f, const double *data, size_t count, int as_float);

#endif

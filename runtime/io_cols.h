/*
 * io_cols.h -- reading some columns of a matrix file (CSV or .npy): the inputs of one MPI rank's units
 * (runtime/io_cols.c).
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_IO_COLS_H
#define RCT_IO_COLS_H

#include "util.h"

/* A read of columns lo .. hi-1 of a file of n columns (n > 1); a file of another width is read whole. */
typedef struct rct_cols {
    long n, lo, hi;   /* asked for */
    long rows, cols;  /* the file's shape */
    long width;       /* columns kept per row: hi - lo, or cols when the file was read whole */
    double *data;     /* rows x width values (malloc'd; the caller frees it) */
    double read;      /* values parsed or converted */
    double at;        /* after an error: the byte of the file it is at (the earliest error wins: wpart.h) */
} rct_cols;

/* Reads c's columns of path (.npy by extension, else CSV as rct_csv_read reads it, with the same messages
   for what it parses): of a CSV file only the kept columns' fields are parsed (the others are counted),
   of a .npy file only their bytes are read (C order; a Fortran-order file is refused as rct_npy_read does).
   0, or an error code with err and c->at. */
int rct_cols_read(const char *path, rct_cols *c, rct_err *err);
/* The shape of a matrix file without reading its values: a .npy header, or a CSV file's rows (lines with
   anything but blanks and a comment) and the fields of its first row.  0 or an error code with err. */
int rct_cols_shape(const char *path, long *rows, long *cols, rct_err *err);

#endif

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

/* Reads a .npy file (format 1.0, 2.0 or 3.0) holding a C-order array of shape (n,) (read as n x 1) or
   (rows, cols) of float32/64, signed or unsigned integers or bools, either byte order, converted to
   doubles.  The header is checked against the file's size before allocating. */
int rct_npy_read(const char *path, rct_matrix *m, rct_err *err);

/* What a .npy file's header says about its data. */
typedef struct rct_npy_info {
    char kind;       /* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
    int size;        /* bytes per item */
    int swap;        /* stored in the other byte order than this machine's */
    int fortran;     /* column-major (fortran_order True) */
    long rows, cols; /* shape (n,) reads as n x 1 */
    long offset;     /* where the data starts in the file */
    long avail;      /* bytes of data (a regular file), or -1 (a pipe: not checked) */
    char shape[64], tname[16]; /* "RxC" and "float64", for messages */
} rct_npy_info;

/* Opens a .npy file and checks its header against the file's size (as rct_npy_read does); on success *f is
   open at the start of the data (the caller closes it).  fortran_ok: column-major data is accepted. */
int rct_npy_open(const char *path, FILE **f, rct_npy_info *info, int fortran_ok, rct_err *err);
/* Converts count raw items as stored (byte-swapped in place first when needed) into doubles. */
void rct_npy_convert(unsigned char *raw, size_t count, const rct_npy_info *info, double *out);

/* Types written: float64 ('<f8'), float32 ('<f4', values converted to float), int64 ('<i8', values
   converted to integers); or'ed with RCT_NPY_1D: shape (rows,) instead of (rows, cols) (cols must be 1). */
enum { RCT_NPY_F8 = 0, RCT_NPY_F4 = 1, RCT_NPY_I8 = 2, RCT_NPY_1D = 4 };

/* Writes a NumPy .npy (format 1.0) file of type (RCT_NPY_*), fortran_order False, shape (rows, cols).
   Returns 0 or -1 on a write error or a negative size. */
int rct_npy_write(FILE *f, const double *data, long rows, long cols, int type);

/* The two halves of rct_npy_write, for data written in chunks: the header of a rows x cols array, then
   `count` values (as many calls as needed).  Return 0 or -1. */
int rct_npy_write_header(FILE *f, long rows, long cols, int type);
int rct_npy_write_data(FILE *f, const double *data, size_t count, int type);

#endif

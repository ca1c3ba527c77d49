/*
 * io_csv.h -- reading and writing matrices as CSV text.
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_IO_CSV_H
#define RCT_IO_CSV_H

#include <stdio.h>

#include "io_file.h"
#include "util.h"

/* Reads a matrix of numbers: comma separated (or whitespace separated on lines without a comma), blank
   lines skipped, '#' starts a comment to the end of the line, CRLF and a UTF-8 byte order mark accepted,
   every row the same length.  Errors name file:line:col. */
int rct_csv_read(const char *path, rct_matrix *m, rct_err *err);

/* Writes rows x cols values, comma separated, one row per line, no header; as_float: values are float32
   values stored in doubles, printed with rct_fmt_float, else rct_fmt_double (shortest round trip).
   Returns 0 or -1 on a write error. */
int rct_csv_write(FILE *f, const double *data, long rows, long cols, int as_float);

#endif

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

/* Reads this rank's part of a square matrix for a run on several processes: the first row (for the number
   of columns n) and rows lo .. hi-1 (block `part` of `parts`, rct_mpi_block over n) are parsed, the other
   rows only counted (a line with anything but blanks and a comment is a row; their numbers are not
   checked).  m->data holds rows x cols values of which only rows lo .. hi-1 are written: the others are
   pages never touched, which take no memory.  A matrix of at most min_rows columns is read whole (lo 0,
   hi its rows).  Errors as rct_csv_read. */
int rct_csv_read_part(const char *path, int parts, int part, long min_rows, rct_matrix *m, long *lo, long *hi,
                      rct_err *err);

/* Reads rows lo .. hi-1 of a matrix of any shape (a rank's targets of a projection's weights): the first row
   (for the number of columns) and those rows are parsed, the others only counted, as rct_csv_read_part
   does.  m->data holds m->rows x m->cols values of which only rows lo .. hi-1 (and row 0) are written.
   Errors as rct_csv_read. */
int rct_csv_read_rows(const char *path, long lo, long hi, rct_matrix *m, rct_err *err);

/* Parses the number at p (before end) as rct_csv_read does (the same bits as strtod): 1 with *v and *next
   (the end of the number, followed by a separator or end), 0 when no number starts there. */
int rct_csv_number(const char *p, const char *end, double *v, const char **next);
/* The text of a line (without its newline) that holds numbers: from its first non-blank to *end, before a
   CR at its end and a '#' comment; blank (the result is *end) when it holds none. */
const char *rct_csv_span(const char *line, size_t len, const char **end);
/* Fills err with "path:line:col: expected <what>, found '<token>'" (or "found end of line") for the token
   at p of line lineno (line: its text after a byte order mark, p .. end the rest); returns the code. */
int rct_csv_err_token(const char *path, long lineno, const char *line, const char *p, const char *end,
                      const char *what, rct_err *err);
/* Writes rows x cols values, comma separated, one row per line, no header; as_float: values are float32
   values stored in doubles, printed with rct_fmt_float, else rct_fmt_double (shortest round trip).
   Returns 0 or -1 on a write error. */
int rct_csv_write(FILE *f, const double *data, long rows, long cols, int as_float);

#endif

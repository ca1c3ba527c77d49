/*
 * io_cols.c -- reading some columns of a matrix file (see io_cols.h): an MPI rank's inputs.
 *
 * CSV: the file is read line by line as rct_csv_read reads it (comments, blank lines, a byte order mark,
 * CRLF, commas or blanks between fields); the first row's fields give the width, then in every row the
 * kept columns' fields are parsed and the others skipped to the next separator (their owner parses them),
 * so that a rank stores and converts only its columns.  Fields past the width are parsed as rct_csv_read
 * would, so that a row too long or too short gives its messages.  .npy: each row's kept columns are one
 * pread at their offset (a pipe: each row read whole into one row's buffer, the others' values dropped).
 */
#include "io_cols.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io_csv.h"
#include "io_file.h"
#include "io_npy.h"

/* One CSV file being read. */
typedef struct cols_csv {
    const char *path;
    rct_cols *c;
    long line, first_line; /* the current line, the line of the first row */
    double base;           /* the byte of the file where the current line's text starts */
    size_t n, cap;         /* values stored, room */
} cols_csv;

/* Skips blanks. */
static const char *blanks(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Counts the fields of a row: one more than its commas, or its blank-separated words. */
static long count_fields(const char *p, const char *end, int commas)
{
    long k = 0;
    if (commas) {
        for (k = 1; (p = memchr(p, ',', (size_t)(end - p))) != NULL; p++)
            k++;
        return k;
    }
    while ((p = blanks(p, end)) < end) {
        k++;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
    }
    return k;
}

/* Skips the field at p: to the blanks before the next comma (or the end), or past its word. */
static const char *skip_field(const char *p, const char *end, int commas)
{
    if (!commas) {
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        return p;
    }
    const char *q = memchr(p, ',', (size_t)(end - p));
    for (q = q ? q : end; q > p && (q[-1] == ' ' || q[-1] == '\t');)
        q--;
    return q;
}

/* The columns kept once the width is known: lo .. hi-1 of a file of n columns, else all. */
static void settle(cols_csv *r, long width)
{
    rct_cols *c = r->c;
    c->cols = width;
    if (width != c->n || c->n <= 1)
        c->lo = 0, c->hi = width;
    c->width = c->hi - c->lo;
    r->first_line = r->line;
}

/* Stores one value, growing the array geometrically; 0 or an error code. */
static int push(cols_csv *r, double v, rct_err *err)
{
    if (r->n == r->cap) {
        if (r->n >= ((size_t)PTRDIFF_MAX / sizeof(double)) / 2)
            return rct_errf(err, RECTIC_ENOMEM, "%s:%ld: too many values", r->path, r->line);
        size_t cap = r->cap ? r->cap * 2 : 1024;
        double *d = realloc(r->c->data, cap * sizeof *d);
        if (!d)
            return rct_oom(err);
        r->c->data = d;
        r->cap = cap;
    }
    r->c->data[r->n++] = v;
    return 0;
}

/* The token error at p of line, with the byte it is at. */
static int token_error(cols_csv *r, const char *line, const char *p, const char *end, const char *what, rct_err *err)
{
    r->c->at = r->base + (double)(p - line);
    return rct_csv_err_token(r->path, r->line, line, p, end, what, err);
}

/* Reads one line's kept fields (line: after a byte order mark, without its newline); 0 or an error code. */
static int csv_line(cols_csv *r, const char *line, size_t len, rct_err *err)
{
    rct_cols *c = r->c;
    const char *end, *p = rct_csv_span(line, len, &end);
    if (p == end)
        return 0; /* blank line or comment */
    int commas = memchr(p, ',', (size_t)(end - p)) != NULL, rc;
    if (c->cols < 0)
        settle(r, count_fields(p, end, commas));
    long j = 0;
    for (;; j++) {
        if ((j >= c->lo && j < c->hi) || j >= c->cols) { /* a kept field, or one past the width */
            double v;
            const char *next;
            if (!rct_csv_number(p, end, &v, &next))
                return token_error(r, line, p, end, "a number", err);
            if (j < c->cols && (rc = push(r, v, err)))
                return rc;
            c->read++;
            p = next;
        } else {
            p = skip_field(p, end, commas);
        }
        if ((p = blanks(p, end)) >= end)
            break;
        if (commas && *p != ',')
            return token_error(r, line, p, end, "',' or end of line", err);
        p = commas ? blanks(p + 1, end) : p;
    }
    if (++j != c->cols) {
        c->at = r->base + (double)len; /* after any field's own error on this line */
        return rct_errf(err, RECTIC_ESYNTAX, "%s:%ld:1: row has %ld value%s, expected %ld (as on line %ld)", r->path,
                        r->line, j, j == 1 ? "" : "s", c->cols, r->first_line);
    }
    c->rows++;
    return 0;
}

/* Reads the kept columns of a CSV file's lines; 0 or an error code. */
static int csv_cols(const char *path, FILE *f, rct_cols *c, rct_err *err)
{
    cols_csv r = {path, c, 0, 0, 0, 0, 0};
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    double at = 0; /* the byte where the line starts */
    int rc = 0;
    errno = 0;
    while (!rc && (len = getline(&line, &linecap, f)) >= 0) {
        r.line++;
        size_t bom = r.line == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* UTF-8 BOM */
        r.base = at + (double)bom;
        at += (double)len;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        rc = csv_line(&r, line + bom, (size_t)len - bom, err);
        errno = 0;
    }
    if (!rc && ferror(f))
        rc = rct_errf(err, RECTIC_EIO, "%s: read error: %s", path, strerror(errno ? errno : EIO));
    else if (!rc && errno == ENOMEM)
        rc = rct_oom(err);
    else if (!rc && c->rows == 0)
        rc = rct_errf(err, RECTIC_ESYNTAX, "%s: %s: expected at least one row of numbers", path,
                      r.line == 0 ? "empty file" : "no data");
    free(line);
    return rc;
}

/* Reads the kept columns of every row of an open .npy file (info its header); 0 or an error code. */
static int npy_rows(const char *path, FILE *f, const rct_npy_info *info, rct_cols *c, rct_err *err)
{
    size_t size = (size_t)info->size, w = (size_t)c->width, cols = (size_t)info->cols;
    int seek = info->avail >= 0 && w < cols; /* a regular file: only the kept bytes */
    unsigned char *raw = malloc((seek ? w : cols) * size + 1);
    if (!raw)
        return rct_oom(err);
    for (long t = 0; t < c->rows; t++) {
        double off = (double)info->offset + ((double)t * (double)cols + (double)(seek ? c->lo : 0)) * (double)size;
        size_t want = (seek ? w : cols) * size;
        ssize_t got = seek ? pread(fileno(f), raw, want, (off_t)off) : (ssize_t)fread(raw, 1, want, f);
        if (got < 0 || (size_t)got < want) {
            int e = errno;
            c->at = off;
            free(raw);
            return got < 0 || ferror(f)
                       ? rct_errf(err, RECTIC_EIO, "%s: read error: %s", path, strerror(e ? e : EIO))
                       : rct_errf(err, RECTIC_ESYNTAX, "%s: truncated file: header claims %s %s values but the data "
                                                       "ends early", path, info->shape, info->tname);
        }
        rct_npy_convert(raw + (seek ? 0 : (size_t)c->lo * size), w, info, c->data + (size_t)t * w);
        c->read += (double)w;
    }
    free(raw);
    return 0;
}

/* Reads the kept columns of a .npy file; 0 or an error code. */
static int npy_cols(const char *path, rct_cols *c, rct_err *err)
{
    FILE *f;
    rct_npy_info info;
    int rc = rct_npy_open(path, &f, &info, 0, err);
    if (rc)
        return rc;
    c->rows = info.rows;
    c->cols = info.cols;
    if (info.cols != c->n || c->n <= 1)
        c->lo = 0, c->hi = info.cols;
    c->width = c->hi - c->lo;
    if ((double)c->rows * (double)c->width * sizeof(double) > (double)PTRDIFF_MAX / 2)
        rc = rct_errf(err, RECTIC_ENOMEM, "%s: %s values do not fit in memory", path, info.shape);
    else if (!(c->data = malloc((size_t)c->rows * (size_t)c->width * sizeof(double) + 1)))
        rc = rct_oom(err);
    if (!rc)
        rc = npy_rows(path, f, &info, c, err);
    fclose(f);
    return rc;
}

int rct_cols_read(const char *path, rct_cols *c, rct_err *err)
{
    c->rows = 0, c->cols = -1, c->width = 0, c->data = NULL, c->read = 0, c->at = 0;
    int rc;
    if (rct_is_npy_path(path)) {
        rc = npy_cols(path, c, err);
    } else {
        FILE *f = fopen(path, "r");
        if (!f)
            return rct_errf(err, RECTIC_EIO, "%s: cannot open: %s", path, strerror(errno));
        setvbuf(f, NULL, _IOFBF, 1 << 18); /* fewer read calls than the default 4 KiB */
        rc = csv_cols(path, f, c, err);
        fclose(f);
    }
    if (rc) {
        free(c->data);
        c->data = NULL;
    } else if (!c->data && !(c->data = malloc(1))) { /* rows x 0 values */
        rc = rct_oom(err);
    }
    return rc;
}

int rct_cols_shape(const char *path, long *rows, long *cols, rct_err *err)
{
    *rows = *cols = 0;
    if (rct_is_npy_path(path)) {
        FILE *f;
        rct_npy_info info;
        int rc = rct_npy_open(path, &f, &info, 0, err);
        if (!rc) {
            fclose(f);
            *rows = info.rows, *cols = info.cols;
        }
        return rc;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return rct_errf(err, RECTIC_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    for (long k = 1; (len = getline(&line, &cap, f)) >= 0; k++) {
        size_t bom = k == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        len -= len > 0 && line[len - 1] == '\n';
        const char *end, *p = rct_csv_span(line + bom, (size_t)len - bom, &end);
        if (p == end)
            continue;
        *cols = *rows ? *cols : count_fields(p, end, memchr(p, ',', (size_t)(end - p)) != NULL);
        ++*rows;
    }
    int bad = ferror(f);
    free(line);
    fclose(f);
    return bad ? rct_errf(err, RECTIC_EIO, "%s: read error", path) : 0;
}

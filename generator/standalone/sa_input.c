/* ====================================================================================================
 * The standalone runtime's inputs (rectic generator/standalone/sa_input.c), placed after sa_common.c: under
 * MPI each rank reads only the columns of its own units of an input file of one column per unit, as
 * `mpirun rectic run` does (runtime/io_cols.c): of a CSV file it parses only its columns' fields (the others
 * are skipped to the next separator), of a .npy file it reads only their bytes, row by row.  A malformed
 * file ends every rank with the message of the error earliest in the file, printed once.  A file of another
 * width (one column: the same input for all) is read whole.
 * ==================================================================================================== */

/* The first error met reading a part of an input file: the byte of the file it is at, and its message. */
typedef struct sa_bad {
    double at;
    char msg[700];
} sa_bad;

/* Records an error at byte `at` (only the first). */
static void sa_bad_set(sa_bad *b, double at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sa_bad_set(sa_bad *b, double at, const char *fmt, ...)
{
    if (b->msg[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->msg, sizeof b->msg, fmt, ap);
    va_end(ap);
    b->at = at;
}

/* Reads one line of f into *buf (grown as needed), without its newline; returns the bytes it took from the
   file (the newline included), 0 at the end. */
static size_t sa_line(FILE *f, char **buf, size_t *cap)
{
    size_t len = 0;
    while (fgets(*buf + len, (int)(*cap - len), f)) {
        len += strlen(*buf + len);
        if ((*buf)[len - 1] == '\n') {
            (*buf)[len - 1] = '\0';
            return len;
        }
        if (len + 1 < *cap) /* the last line, without a newline */
            return len;
        *cap *= 2;
        if (!(*buf = realloc(*buf, *cap)))
            sa_die("out of memory");
    }
    return len;
}

/* Walks the fields of a row at p as sa_read_csv does (numbers separated by blanks and an optional comma):
   parses those of columns lo .. hi-1 into out[0 ..] and any past `width`, skips the others; returns the
   number of fields, or -1 with *bad where a number was expected. */
static long sa_fields(char *p, long lo, long hi, long width, double *out, char **bad)
{
    long cols = 0;
    while (*p) {
        if ((cols >= lo && cols < hi) || cols >= width) {
            char *e;
            double x = strtod(p, &e);
            if (e == p)
                return *bad = p, -1;
            if (cols < width)
                out[cols - lo] = x;
            p = e;
        } else {
            while (*p && !strchr(" \t\r,", *p))
                p++;
        }
        cols++;
        p += strspn(p, " \t\r");
        p += *p == ',';
        p += strspn(p, " \t\r");
    }
    return cols;
}

/* Reads columns *lo .. *hi-1 of a CSV file of n columns (n < 0: the file's width; another width, or n <= 1:
   every column, *lo 0 and *hi the width) into m (rows x (*hi - *lo) values, m->cols the file's width). */
static void sa_csv_cols(const char *path, long n, long *lo, long *hi, sa_matrix *m, sa_bad *bad)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sa_bad_set(bad, 0, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, took, room = 1024, count = 0;
    char *line = sa_alloc(cap, 1), *at;
    double off = 0, *row = NULL;
    long line_no = 0;
    m->cols = -1;
    for (; !bad->msg[0] && (took = sa_line(f, &line, &cap)) > 0; off += (double)took) {
        line_no++;
        char *p = line, *hash = strchr(line, '#');
        if (hash)
            *hash = '\0'; /* a comment runs to the end of the line */
        if (line_no == 1 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3; /* a UTF-8 byte order mark */
        if (!*(p += strspn(p, " \t\r")))
            continue;
        if (m->cols < 0) { /* the first row: the width, the columns kept */
            m->cols = sa_fields(p, 0, 0, LONG_MAX, NULL, &at);
            n = n < 0 ? m->cols : n;
            if (m->cols == n && n > 1)
                sa_block(n, sa_rank, lo, hi);
            else
                *lo = 0, *hi = m->cols;
            m->d = sa_alloc(room, sizeof(double));
            row = sa_alloc((size_t)(*hi - *lo) + 1, sizeof(double));
        }
        long cols = sa_fields(p, *lo, *hi, m->cols, row, &at);
        if (cols < 0)
            sa_bad_set(bad, off + (double)(at - line), "%s:%ld:%ld: expected a number", path, line_no, (long)(at - line) + 1);
        else if (cols != m->cols)
            sa_bad_set(bad, off + (double)took, "%s:%ld: row has %ld values, expected %ld", path, line_no, cols, m->cols);
        for (long j = 0; !bad->msg[0] && j < *hi - *lo; j++) {
            if (count == room && !(m->d = realloc(m->d, (room *= 2) * sizeof(double))))
                sa_die("out of memory");
            m->d[count++] = row[j];
        }
        m->rows += !bad->msg[0];
    }
    if (!bad->msg[0] && ferror(f))
        sa_bad_set(bad, off, "%s: read error", path);
    if (!bad->msg[0] && m->rows == 0)
        sa_bad_set(bad, 0, "%s: empty file: expected at least one row of numbers", path);
    fclose(f);
    free(line);
    free(row);
}

/* Reads columns *lo .. *hi-1 of a .npy file of n columns as sa_csv_cols does: each row's own bytes. */
static void sa_npy_cols(const char *path, long n, long *lo, long *hi, sa_matrix *m, sa_bad *bad)
{
    sa_npyh h;
    FILE *f = sa_npy_open(path, &h);
    n = n < 0 ? h.cols : n;
    if (h.cols == n && n > 1)
        sa_block(n, sa_rank, lo, hi);
    else
        *lo = 0, *hi = h.cols;
    size_t w = (size_t)(*hi - *lo), size = (size_t)h.size;
    unsigned char *raw = sa_alloc(w * size + 1, 1);
    long data = ftell(f);
    m->rows = h.rows;
    m->cols = h.cols;
    m->d = sa_alloc((size_t)h.rows * w + 1, sizeof(double));
    for (long t = 0; t < h.rows && !bad->msg[0]; t++) {
        long at = data + (t * h.cols + *lo) * (long)size;
        if (fseek(f, at, SEEK_SET) != 0 || fread(raw, size, w, f) < w)
            sa_bad_set(bad, (double)at, "%s: read error", path);
        else
            sa_npy_values(raw, w, &h, m->d + (size_t)t * w);
    }
    fclose(f);
    free(raw);
}

/* Reads this rank's part of an input file of n columns (n < 0: as many as the file has; sa_csv_cols):
   *lo .. *hi-1 its columns held.  Under MPI every rank calls it with the same file: a malformed file ends
   all, the rank with the error earliest in the file printing it. */
static sa_matrix sa_read_input(const char *path, long n, long *lo, long *hi)
{
    sa_matrix m = {0, 0, NULL};
    sa_bad bad = {0, ""};
    size_t len = strlen(path);
    if (len > 4 && (strcmp(path + len - 4, ".npy") == 0 || strcmp(path + len - 4, ".NPY") == 0))
        sa_npy_cols(path, n, lo, hi, &m, &bad);
    else
        sa_csv_cols(path, n, lo, hi, &m, &bad);
    double at = bad.msg[0] ? bad.at : HUGE_VAL, first = at;
#ifdef RECTIC_SA_MPI
    MPI_Allreduce(&at, &first, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    int me = first < HUGE_VAL && at == first ? sa_rank : sa_size, who = me;
    MPI_Allreduce(&me, &who, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD); /* the first rank among equals */
    if (first < HUGE_VAL) {
        if (who == sa_rank) /* said before any rank ends */
            fprintf(stderr, "%s: %s\n", sa_prog, bad.msg), fflush(stderr);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Finalize();
        exit(1);
    }
#endif
    if (first < HUGE_VAL)
        sa_die("%s", bad.msg);
    return m;
}

/* Places step `step` of a rank's part of an input (inr: rows of its columns lo .. hi-1) into row, a row of
   all units (the kernel reads unit i at i; under MPI it steps one at a time); returns row. */
static const real *sa_input_row(const real *inr, long step, long lo, long hi, real *row)
{
    memcpy(row + lo, inr + step * (hi - lo), (size_t)(hi - lo) * sizeof(real));
    return row;
}

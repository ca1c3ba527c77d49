/* ====================================================================================================
 * The standalone runtime's common part (rectic generator/standalone/sa_common.c), placed after the kernel,
 * the tables and rectic's number formatting (common/fmt_number.h), before the program's main part
 * (sim_main.c for one template, net_main.c for a network of populations).  It reads CSV and .npy files,
 * takes the options every program has, and writes outputs exactly as `rectic run` does: the same CSV/.npy
 * bytes.  Depends only on libc and libm.
 * ==================================================================================================== */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the dense coupling product, row by row (common/gemv_rows.h, placed before this file): rectic's bits */
RCT_GEMV_ROWS(sa_gemv_rows, real)

static const char *sa_prog = "sim";

/* Prints "sim: message" and exits with status 1. */
static void sa_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void sa_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", sa_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *sa_alloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    if (!p)
        sa_die("out of memory");
    return p;
}

/* MPI (`rectic emit --standalone --mpi`: built with mpicc, -DRECTIC_SA_MPI): every rank computes a block of
   the neurons; after each step the entries of the source variables that the coupling reads cross (sa_xlist:
   of sparse projections only the columns of a rank's rows; the delay rings every D_min steps), within a step
   what the kernel's callbacks ask; rank 0 gathers the recordings and writes them: the bytes of
   `mpirun rectic run`.  Without RECTIC_SA_MPI one process, rank 0 of 1. */
#ifdef RECTIC_SA_MPI
#include <mpi.h>
static int sa_rank, sa_size = 1;

static inline void sa_mpi_start(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &sa_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &sa_size);
}

static inline void sa_mpi_end(void)
{
    MPI_Finalize();
}
#else
#define sa_rank 0 /* one process */
#define sa_size 1

static inline void sa_mpi_start(int *argc, char ***argv)
{
    (void)argc, (void)argv;
}

static inline void sa_mpi_end(void)
{
}
#endif

/* Rank r's block of n neurons: lo .. hi-1, sizes differing by at most one (first ranks larger), an empty
   one as n .. n (rectic's runtime/mpi.c). */
static inline void sa_block(long n, int r, long *lo, long *hi)
{
    long base = n / sa_size, extra = n % sa_size;
    *lo = r * base + (r < extra ? r : extra);
    *hi = *lo + base + (r < extra);
    if (*lo == *hi)
        *lo = *hi = n;
}

/* Column j of a recorded value of n neurons holds neuron idx[j] (a subset of count), or neuron j (idx NULL):
   the number of columns whose neuron rank r owns, and (where units, cols are not NULL) their neurons and
   columns, in column order. */
static inline long sa_own_columns(const long *idx, long count, long n, int r, long *units, long *cols)
{
    long lo, hi, q = 0;
    sa_block(n, r, &lo, &hi);
    for (long j = 0; j < count; j++) {
        long u = idx ? idx[j] : j;
        if (u < lo || u >= hi)
            continue;
        if (units)
            units[q] = u;
        if (cols)
            cols[q] = j;
        q++;
    }
    return q;
}

/* Points rec at the columns this rank records of a value of n neurons (idx, count: its subset, or NULL and
   n) and returns a buffer for `rows` rows: in one process every column; under MPI the columns of the neurons
   this rank owns (rec->idx lists them), in a buffer of those columns on the ranks other than 0 and of every
   column on rank 0, which gathers them (sa_mpi_gather_rec).  sa_rec_free frees the list. */
static inline double *sa_rec_own(rectic_krec *rec, const long *idx, long count, long n, long rows)
{
    rec->idx = idx;
    rec->count = count;
    if (sa_size > 1) {
        long *units = sa_alloc((size_t)count + 1, sizeof *units);
        rec->count = sa_own_columns(idx, count, n, sa_rank, units, NULL);
        rec->idx = units;
    }
    return sa_alloc((size_t)(rows * (sa_rank == 0 ? count : rec->count)) + 1, sizeof(double));
}

/* Frees the list of units sa_rec_own made for rec (a value whose subset was idx). */
static inline void sa_rec_free(rectic_krec *rec, const long *idx)
{
    if (rec->idx != idx)
        free((void *)rec->idx);
}

/* Under MPI, which values of a source cross between ranks: those this rank sends each rank (sidx, scnt[r]
   from sdsp[r] on) and those it receives (ridx, rcnt, rdsp), with room for them. */
typedef struct sa_xlist {
    int made, *scnt, *sdsp, *rcnt, *rdsp;
    long ns, nr, *sidx, *ridx;
    real *sbuf, *rbuf;
} sa_xlist;

#ifdef RECTIC_SA_MPI
/* Every rank's block of the n values at buf on every rank (after a step). */
static inline void sa_mpi_allgather(real *buf, long n)
{
    int *counts = sa_alloc(2 * (size_t)sa_size, sizeof *counts);
    for (int r = 0; r < sa_size; r++) {
        long lo, hi;
        sa_block(n, r, &lo, &hi);
        counts[r] = (int)(hi - lo), counts[sa_size + r] = (int)lo;
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, counts, counts + sa_size,
                   RECTIC_SA_F32 ? MPI_FLOAT : MPI_DOUBLE, MPI_COMM_WORLD);
    free(counts);
}

/* The kernel's rectic_kctx.mpi_values (mpi: the context): every rank's block of the c->n values at v on all. */
static void sa_mpi_values(void *mpi, real *v)
{
    sa_mpi_allgather(v, ((rectic_kctx *)mpi)->n);
}

/* The kernel's rectic_kctx.mpi_spikes: the spikes listed from `first` on, every rank's, in neuron order (the
   ranks' blocks are in neuron order).  Only the units cross, as ints where they fit (every pair from `first`
   on is of step c->step), as rectic's runtime/mpi_xchg.c sends them. */
static void sa_mpi_spikes(void *mpi, rectic_kctx *c, long first)
{
    int mine = (int)(c->n_spikes - first), *counts = sa_alloc(2 * (size_t)sa_size, sizeof *counts);
    int wide = c->n > 0x7fffffffL; /* units of 8 bytes */
    (void)mpi;
    MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    long at = 0;
    for (int r = 0; r < sa_size; at += counts[r], r++)
        counts[sa_size + r] = (int)at;
    long *own = sa_alloc((size_t)mine + 1, sizeof *own), *all = sa_alloc((size_t)at + 1, sizeof *all);
    int *own4 = sa_alloc((size_t)mine + 1, sizeof *own4), *all4 = sa_alloc((size_t)at + 1, sizeof *all4);
    for (long q = 0; q < mine; q++)
        own[q] = c->spikes[2 * (first + q) + 1], own4[q] = (int)own[q];
    if (wide)
        MPI_Allgatherv(own, mine, MPI_LONG, all, counts, counts + sa_size, MPI_LONG, MPI_COMM_WORLD);
    else
        MPI_Allgatherv(own4, mine, MPI_INT, all4, counts, counts + sa_size, MPI_INT, MPI_COMM_WORLD);
    for (long q = 0; q < at; q++) {
        c->spikes[2 * (first + q)] = c->step;
        c->spikes[2 * (first + q) + 1] = wide ? all[q] : all4[q];
    }
    c->n_spikes = first + at;
    free(own), free(all), free(own4), free(all4), free(counts);
}

/* Under MPI, hands context c the kernel's callbacks: each rank computes its block in every pass, and what the
   others' passes read within a step (algebraic values, a reduction's terms, the spikes) crosses in them. */
static inline void sa_mpi_context(rectic_kctx *c)
{
    if (sa_size < 2)
        return;
    c->mpi = c;
    c->mpi_values = sa_mpi_values;
    c->mpi_spikes = sa_mpi_spikes;
    c->mpi_terms = sa_alloc((size_t)c->n + 1, sizeof(real));
}

/* Builds x from need[] (the units of a source of n this rank reads): it asks each owner for its units
   among them, and learns what the others ask of it. */
static inline void sa_xlist_make(sa_xlist *x, const unsigned char *need, long n)
{
    x->scnt = sa_alloc(4 * (size_t)sa_size, sizeof *x->scnt);
    x->sdsp = x->scnt + sa_size, x->rcnt = x->sdsp + sa_size, x->rdsp = x->rcnt + sa_size;
    x->nr = x->ns = 0;
    for (int r = 0; r < sa_size; r++) {
        long lo, hi, k = 0;
        sa_block(n, r, &lo, &hi);
        for (long j = lo; r != sa_rank && j < hi; j++)
            k += need[j];
        x->rcnt[r] = (int)k, x->rdsp[r] = (int)x->nr, x->nr += k;
    }
    x->ridx = sa_alloc((size_t)x->nr + 1, sizeof *x->ridx);
    long lo, hi;
    sa_block(n, sa_rank, &lo, &hi);
    for (long j = 0, q = 0; j < n; j++)
        if (need[j] && (j < lo || j >= hi))
            x->ridx[q++] = j; /* in unit order: rank by rank */
    MPI_Alltoall(x->rcnt, 1, MPI_INT, x->scnt, 1, MPI_INT, MPI_COMM_WORLD);
    for (int r = 0; r < sa_size; r++)
        x->sdsp[r] = (int)x->ns, x->ns += x->scnt[r];
    x->sidx = sa_alloc((size_t)x->ns + 1, sizeof *x->sidx);
    MPI_Alltoallv(x->ridx, x->rcnt, x->rdsp, MPI_LONG, x->sidx, x->scnt, x->sdsp, MPI_LONG, MPI_COMM_WORLD);
    x->sbuf = sa_alloc((size_t)x->ns + 1, sizeof(real));
    x->rbuf = sa_alloc((size_t)x->nr + 1, sizeof(real));
    x->made = 1;
}

/* The values of v that x lists, from their owners (one MPI_Alltoallv). */
static inline void sa_xlist_run(const sa_xlist *x, real *v)
{
    for (long q = 0; q < x->ns; q++)
        x->sbuf[q] = v[x->sidx[q]];
    MPI_Alltoallv(x->sbuf, x->scnt, x->sdsp, RECTIC_SA_F32 ? MPI_FLOAT : MPI_DOUBLE, x->rbuf, x->rcnt, x->rdsp,
                  RECTIC_SA_F32 ? MPI_FLOAT : MPI_DOUBLE, MPI_COMM_WORLD);
    for (long q = 0; q < x->nr; q++)
        v[x->ridx[q]] = x->rbuf[q];
}

/* Rank 0 takes every rank's columns of the first `rows` rows of a recorded value (rec: this rank's columns,
   sa_rec_own; idx, count, n as given to it) into one process's rows of count values at buf: its own rows,
   written at the start of buf, spread into place from the last value back (a value only moves forward),
   then the other ranks' a block of rows at a time. */
static inline void sa_mpi_gather_rec(double *buf, const rectic_krec *rec, const long *idx, long count, long n,
                                     long rows)
{
    long mine = rec->count, block = (8L << 20) / (8 * (count > 0 ? count : 1));
    block = block < 1 ? 1 : block;
    int *counts = sa_alloc(2 * (size_t)sa_size, sizeof *counts), *owner = sa_alloc((size_t)count + 1, sizeof *owner);
    long *cols = sa_alloc((size_t)count + 1, sizeof *cols), *ncols = sa_alloc((size_t)sa_size, sizeof *ncols);
    double *recv = sa_alloc(sa_rank == 0 ? (size_t)(block * count) + 1 : 1, sizeof *recv);
    for (int r = 0; sa_rank == 0 && r < sa_size; r++) { /* which rank holds each column */
        ncols[r] = sa_own_columns(idx, count, n, r, NULL, cols);
        for (long q = 0; q < ncols[r]; q++)
            owner[cols[q]] = r;
    }
    if (sa_rank == 0) {
        sa_own_columns(idx, count, n, 0, NULL, cols);
        for (long t = rows - 1; t >= 0; t--)
            for (long q = mine - 1; q >= 0; q--)
                buf[t * count + cols[q]] = buf[t * mine + q];
    }
    for (long t0 = 0; t0 < rows; t0 += block) {
        long tr = rows - t0 < block ? rows - t0 : block;
        for (int r = 0, at = 0; r < sa_size; at += counts[r], r++) /* rank 0's columns are in place */
            counts[r] = r == 0 ? 0 : (int)(tr * ncols[r]), counts[sa_size + r] = at;
        MPI_Gatherv(buf + t0 * mine, sa_rank == 0 ? 0 : (int)(tr * mine), MPI_DOUBLE, recv, counts, counts + sa_size,
                    MPI_DOUBLE, 0, MPI_COMM_WORLD);
        for (int r = 1; sa_rank == 0 && r < sa_size; r++) {
            const double *from = recv + counts[sa_size + r];
            for (long t = 0; t < tr; t++)
                for (long j = 0; j < count; j++)
                    if (owner[j] == r)
                        buf[(t0 + t) * count + j] = *from++;
        }
    }
    free(counts), free(owner), free(cols), free(ncols), free(recv);
}
#else
static inline void sa_mpi_allgather(real *buf, long n)
{
    (void)buf, (void)n;
}

static inline void sa_mpi_gather_rec(double *buf, const rectic_krec *rec, const long *idx, long count, long n,
                                     long rows)
{
    (void)buf, (void)rec, (void)idx, (void)count, (void)n, (void)rows;
}

static inline void sa_mpi_context(rectic_kctx *c)
{
    (void)c;
}

static inline void sa_xlist_make(sa_xlist *x, const unsigned char *need, long n)
{
    (void)x, (void)need, (void)n;
}

static inline void sa_xlist_run(const sa_xlist *x, real *v)
{
    (void)x, (void)v;
}
#endif

/* ---------------------------------------------------------------- reading CSV and .npy */

typedef struct sa_matrix {
    long rows, cols;
    double *d;
} sa_matrix;

/* Reads a whole file into memory. */
static char *sa_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        sa_die("%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = sa_alloc(cap + 1, 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            if (!buf)
                sa_die("out of memory");
        }
    }
    if (ferror(f))
        sa_die("%s: read error", path);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Reads comma (or blank) separated numbers; '#' starts a comment, blank lines are skipped, a UTF-8 byte
   order mark is allowed. */
static sa_matrix sa_read_csv(const char *path)
{
    size_t len;
    char *text = sa_slurp(path, &len);
    sa_matrix m = {0, 0, NULL};
    size_t cap = 1024, count = 0;
    m.d = sa_alloc(cap, sizeof(double));
    long line_no = 0;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        char *next = end ? end + 1 : line + strlen(line);
        if (end)
            *end = '\0';
        line_no++;
        char *p = line, *hash = strchr(line, '#');
        if (hash)
            *hash = '\0'; /* a comment runs to the end of the line */
        if (line_no == 1 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3; /* a UTF-8 byte order mark */
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p) {
            long cols = 0;
            while (*p) {
                char *e;
                double x = strtod(p, &e);
                if (e == p)
                    sa_die("%s:%ld:%ld: expected a number", path, line_no, (long)(p - line) + 1);
                if (count == cap) {
                    cap *= 2;
                    m.d = realloc(m.d, cap * sizeof(double));
                    if (!m.d)
                        sa_die("out of memory");
                }
                m.d[count++] = x;
                cols++;
                p = e;
                while (*p == ' ' || *p == '\t' || *p == '\r')
                    p++;
                if (*p == ',')
                    p++;
                while (*p == ' ' || *p == '\t' || *p == '\r')
                    p++;
            }
            if (m.rows == 0)
                m.cols = cols;
            else if (cols != m.cols)
                sa_die("%s:%ld: row has %ld values, expected %ld", path, line_no, cols, m.cols);
            m.rows++;
        }
        line = next;
    }
    free(text);
    if (m.rows == 0)
        sa_die("%s: empty file: expected at least one row of numbers", path);
    return m;
}

/* Whether this machine stores numbers little-endian. */
static int sa_little_endian(void)
{
    const int one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* The value of one .npy item of kind 'f', 'i', 'u' or 'b' and size bytes (swap: in the other byte order). */
static double sa_npy_item(const unsigned char *p, char kind, int size, int swap)
{
    unsigned char b[8];
    for (int i = 0; i < size; i++)
        b[i] = p[swap ? size - 1 - i : i];
    union { double f8; float f4; int8_t i1; int16_t i2; int32_t i4; int64_t i8; uint8_t u1; uint16_t u2;
            uint32_t u4; uint64_t u8; } v;
    memcpy(&v, b, (size_t)size);
    if (kind == 'f')
        return size == 8 ? v.f8 : v.f4;
    if (kind == 'b')
        return v.u1 != 0;
    if (kind == 'i')
        return size == 1 ? v.i1 : size == 2 ? v.i2 : size == 4 ? v.i4 : (double)v.i8;
    return size == 1 ? v.u1 : size == 2 ? v.u2 : size == 4 ? v.u4 : (double)v.u8;
}

/* What a .npy header says: item kind and size, byte order, shape. */
typedef struct sa_npyh {
    char kind;
    int size, swap;
    long rows, cols;
} sa_npyh;

/* Opens a C-order .npy file of floats, integers or bools of either byte order (1-D: a column) and reads its
   header into h, checked against the file's size; returns the file at the start of its data. */
static FILE *sa_npy_open(const char *path, sa_npyh *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        sa_die("%s: cannot open: %s", path, strerror(errno));
    unsigned char pre[12];
    if (fread(pre, 1, 10, f) < 10 || memcmp(pre, "\x93NUMPY", 6) != 0 || (pre[6] != 1 && fread(pre + 10, 1, 2, f) < 2))
        sa_die("%s: not a .npy file", path);
    size_t hlen = pre[6] == 1 ? pre[8] | (size_t)pre[9] << 8
                              : pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    long off = pre[6] == 1 ? 10 : 12;
    char *hd = sa_alloc(hlen + 1, 1);
    if (hlen > (1 << 20) || fread(hd, 1, hlen, f) < hlen)
        sa_die("%s: truncated header", path);
    char *d = strstr(hd, "'descr'");
    d = d ? strpbrk(d + 7, "'\"") : NULL;
    char order = d ? d[1] : 0, kind = order ? d[2] : 0;
    int size = kind ? d[3] - '0' : 0;
    int ok = order && strchr("<>|=", order) && kind && strchr("fiub", kind) && d[4] == d[0] &&
             (kind == 'f' ? size == 4 || size == 8 : kind == 'b' ? size == 1 : size == 1 || size == 2 || size == 4 || size == 8);
    if (!ok)
        sa_die("%s: unsupported dtype: expected numbers (float32/64, signed or unsigned integers, or bool)", path);
    h->kind = kind;
    h->size = size;
    h->swap = (order == '>' && sa_little_endian()) || (order == '<' && !sa_little_endian());
    if (strstr(hd, "'fortran_order': True"))
        sa_die("%s: Fortran-order arrays are not supported, save with C order", path);
    char *s = strstr(hd, "'shape'");
    s = s ? strchr(s, '(') : NULL;
    if (!s)
        sa_die("%s: no shape in the header", path);
    char *e;
    long r = strtol(s + 1, &e, 10), c = 1;
    while (*e == ' ')
        e++;
    if (*e == ',') {
        e++;
        while (*e == ' ')
            e++;
        if (*e != ')')
            c = strtol(e, &e, 10);
        while (*e == ' ' || *e == ',')
            e++;
    }
    if (*e != ')' || r < 0 || c < 0)
        sa_die("%s: unsupported shape (expected 1 or 2 dimensions)", path);
    free(hd);
    long data = off + (long)hlen, len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (len < data || (size_t)r * (size_t)c > (size_t)(len - data) / (size_t)size || fseek(f, data, SEEK_SET) != 0)
        sa_die("%s: header claims %ldx%ld values but the file is shorter", path, r, c);
    h->rows = r;
    h->cols = c;
    return f;
}

/* Converts count items as stored (raw) into doubles. */
static void sa_npy_values(const unsigned char *raw, size_t count, const sa_npyh *h, double *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = sa_npy_item(raw + (size_t)h->size * i, h->kind, h->size, h->swap);
}

/* Reads a C-order .npy file (sa_npy_open) whole. */
static sa_matrix sa_read_npy(const char *path)
{
    sa_npyh h;
    FILE *f = sa_npy_open(path, &h);
    sa_matrix m = {h.rows, h.cols, NULL};
    size_t count = (size_t)h.rows * (size_t)h.cols;
    unsigned char *raw = sa_alloc(count * (size_t)h.size + 1, 1);
    if (fread(raw, (size_t)h.size, count, f) < count)
        sa_die("%s: read error", path);
    fclose(f);
    m.d = sa_alloc(count, sizeof(double));
    sa_npy_values(raw, count, &h, m.d);
    free(raw);
    return m;
}

static sa_matrix sa_read_matrix(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && (strcmp(path + n - 4, ".npy") == 0 || strcmp(path + n - 4, ".NPY") == 0))
        return sa_read_npy(path);
    return sa_read_csv(path);
}

/* ---------------------------------------------------------------- writing (as rectic) */

/* Closes f, written under the name tmp, and renames it to path (exits with a message on failure). */
static void sa_commit(FILE *f, const char *tmp, const char *path)
{
    if (fflush(f) != 0 || ferror(f)) {
        fclose(f);
        remove(tmp);
        sa_die("%s: write failed: %s", path, strerror(errno));
    }
    fclose(f);
    if (rename(tmp, path) != 0) {
        remove(tmp);
        sa_die("%s: cannot write: %s", path, strerror(errno));
    }
}

/* Types of the .npy files written, as rectic writes them: float64, float32, int64; or'ed with SA_1D: shape
   (rows,) instead of (rows, cols). */
enum { SA_F8 = 0, SA_F4 = 1, SA_I8 = 2, SA_1D = 4 };

/* Writes dir/name.csv or .npy through a temporary file and a rename. */
static void sa_write(const char *dir, const char *name, int npy, const double *d, long rows, long cols, int type)
{
    int as_float = type == SA_F4;
    static const char *const descr[] = {"<f8", "<f4", "<i8"};
    char shape[64];
    if (type & SA_1D)
        snprintf(shape, sizeof shape, "(%ld,)", rows);
    else
        snprintf(shape, sizeof shape, "(%ld, %ld)", rows, cols);
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, npy ? "npy" : "csv");
    snprintf(tmp, sizeof tmp, "%s/.%s.%s.tmp", dir, name, npy ? "npy" : "csv");
    FILE *f = fopen(tmp, "wb");
    if (!f)
        sa_die("%s: cannot write: %s", tmp, strerror(errno));
    if (npy) {
        char header[256];
        int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                         descr[type & ~SA_1D], shape);
        int total = 10 + n + 1, pad = (64 - total % 64) % 64;
        memset(header + n, ' ', (size_t)pad);
        n += pad;
        header[n++] = '\n';
        unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 0xff), (unsigned char)(n >> 8)};
        fwrite(pre, 1, 10, f);
        fwrite(header, 1, (size_t)n, f);
        for (long i = 0; i < rows * cols; i++) {
            if (as_float) {
                float x = (float)d[i];
                fwrite(&x, 4, 1, f);
            } else if (type == SA_I8) {
                int64_t x = (int64_t)d[i];
                fwrite(&x, 8, 1, f);
            } else {
                fwrite(&d[i], 8, 1, f);
            }
        }
    } else {
        char num[32];
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                /* rectic's formatting (common/fmt_number.h, placed before this text) */
                rct_fmt_number(num, as_float ? (double)(float)d[i * cols + j] : d[i * cols + j], as_float);
                if (j > 0)
                    putc(',', f);
                fputs(num, f);
            }
            putc('\n', f);
        }
    }
    sa_commit(f, tmp, path);
}

/* Creates dir and its parents. */
static void sa_mkdirs(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                sa_die("-o %s: cannot create directory %s: %s", dir, path, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
}

/* ---------------------------------------------------------------- options */

/* The number s given for flag, or exits with a message. */
static double sa_num(const char *flag, const char *s)
{
    char *e;
    double x = strtod(s, &e);
    if (e == s || *e || !isfinite(x))
        sa_die("%s: expected a number, got '%s'", flag, s);
    return x;
}

/* The whole number >= min given for flag (1e6 is one), or exits with a message. */
static long sa_count(const char *flag, const char *s, long min)
{
    char *e;
    double x = strtod(s, &e);
    if (e == s || *e || !(x >= (double)min) || x >= 9.2e18 || x != floor(x))
        sa_die("%s: expected a whole number >= %ld, got '%s'", flag, min, s);
    return (long)x;
}

#define SA_MAX_SETS 256

/* The settings of a run that every standalone program takes. */
typedef struct sa_run {
    const char *out_dir;
    long steps, every, cutoff, threads;
    int mean_mode, npy;
    int check_finite;              /* stop at the first state that is not finite (--no-check-finite: 0) */
    const char *sets[SA_MAX_SETS]; /* NAME=VALUE and NAME=@FILE overrides, in the order given */
    int n_sets;
    char *dir;                     /* out_dir without trailing slashes (sa_run_check) */
    long first, rows;              /* the first recorded step and the rows recorded (sa_run_rows) */
} sa_run;

/* The defaults of the run settings: the program's tables. */
static void sa_run_init(sa_run *r)
{
    memset(r, 0, sizeof *r);
    r->out_dir = "results";
    r->steps = -1;
    r->every = rectic_sa_sampling_steps;
    r->cutoff = rectic_sa_cutoff;
    r->mean_mode = rectic_sa_sampling_mean;
    r->npy = rectic_sa_npy;
    r->check_finite = 1;
    r->threads = sysconf(_SC_NPROCESSORS_ONLN); /* used when built with -fopenmp, for n >= 4096 */
}

/* The value of option argv[*i] (moving *i past it), or exits with a message. */
static const char *sa_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        sa_die("%s: expected a value after it", argv[*i]);
    return argv[++*i];
}

/* Takes argv[*i] when it is one of the options every program has (with its value); returns 0 when not. */
static int sa_run_option(int argc, char **argv, int *i, sa_run *r)
{
    const char *a = argv[*i];
    if (!strcmp(a, "-o") || !strcmp(a, "--output")) r->out_dir = sa_value(argc, argv, i);
    else if (!strcmp(a, "--steps")) r->steps = sa_count(a, sa_value(argc, argv, i), 0);
    else if (!strcmp(a, "--sampling-steps")) r->every = sa_count(a, sa_value(argc, argv, i), 1);
    else if (!strcmp(a, "--cutoff")) r->cutoff = sa_count(a, sa_value(argc, argv, i), 0);
    else if (!strcmp(a, "--threads")) r->threads = sa_count(a, sa_value(argc, argv, i), 1);
    else if (!strcmp(a, "--no-check-finite")) r->check_finite = 0;
    else if (!strcmp(a, "--sampling-mode")) {
        const char *v = sa_value(argc, argv, i);
        if (strcmp(v, "pick") && strcmp(v, "mean"))
            sa_die("--sampling-mode: expected pick or mean, got '%s'", v);
        r->mean_mode = !strcmp(v, "mean");
    } else if (!strcmp(a, "--format")) {
        const char *v = sa_value(argc, argv, i);
        if (strcmp(v, "csv") && strcmp(v, "npy"))
            sa_die("--format: expected csv or npy, got '%s'", v);
        r->npy = !strcmp(v, "npy");
    } else if (strchr(a, '=') && a[0] != '-') {
        if (r->n_sets == SA_MAX_SETS)
            sa_die("too many NAME=VALUE overrides");
        r->sets[r->n_sets++] = a;
    } else {
        return 0;
    }
    return 1;
}

/* Checks the sampling settings and makes r->dir: "out/" names the folder out (no "out//x.csv"). */
static void sa_run_check(sa_run *r)
{
    if (r->every < 1 || r->cutoff < 0)
        sa_die("--sampling-steps must be >= 1 and --cutoff >= 0");
    size_t len = strlen(r->out_dir);
    while (len > 1 && r->out_dir[len - 1] == '/')
        len--;
    r->dir = sa_alloc(len + 1, 1);
    memcpy(r->dir, r->out_dir, len);
}

/* Once the number of steps is known: checks the cutoff and counts the rows recorded. */
static void sa_run_rows(sa_run *r)
{
    if (r->steps > 0 && r->cutoff >= r->steps)
        sa_die("--cutoff %ld: at or beyond the last step (%ld steps): nothing would be recorded", r->cutoff, r->steps);
    r->first = (r->cutoff + r->every - 1) / r->every * r->every;
    r->rows = r->steps <= r->cutoff || r->first >= r->steps ? 0 : (r->steps - 1 - r->first) / r->every + 1;
}

/* The first value of a state (n_state blocks of n values) that is not finite: its block, with its unit in
   *unit; or -1. */
static int sa_nonfinite(const real *y, int n_state, long n, long *unit)
{
    for (int s = 0; s < n_state; s++)
        for (long i = 0; i < n; i++)
            if (!isfinite(y[(long)s * n + i])) {
                *unit = i;
                return s;
            }
    return -1;
}

/* Prints, as `rectic run` words it, that state block s of y (n values each; vars names it) became NaN or
   infinite at `step` (of size dt) in unit i; `who` goes before ("population P: " or ""). */
static void sa_report_nonfinite(const char *who, const real *y, long n, int s, long i, long step, double dt,
                                const struct rectic_sa_var *vars, int n_vars)
{
    const char *name = "?";
    for (int k = 0; k < n_vars; k++)
        if (vars[k].kind == 0 && vars[k].slot == s)
            name = vars[k].name;
    fprintf(stderr, "%s: %sthe state became %s at step %ld (t = %g): neuron %ld, variable %s; the recordings hold "
                    "the steps before it (--no-check-finite carries NaN on, as RectiPy)\n", sa_prog, who,
            isnan(y[(long)s * n + i]) ? "NaN" : "infinite", step, (double)step * dt, i, name);
}

/* Points context c at its recordings and gives it the run's sampling (the output's mean: sample_mean). */
static void sa_run_sampling(const sa_run *r, rectic_kctx *c, int n_rec, const rectic_krec *rec, double *const *buf)
{
    c->n_rec = n_rec;
    c->rec = rec;
    c->rec_buf = buf;
    c->rec_cap = r->rows;
    c->sample_every = r->every;
    c->cutoff = r->cutoff;
    c->threads = r->threads > 0 ? (int)r->threads : 1;
}

/* Sets n values at dst from the text after NAME= : a number for all, or @FILE with one value per neuron
   (refused when the kernel reads one value for all: per_unit 0). */
static void sa_set_values(real *dst, long n, const char *name, const char *value, int per_unit)
{
    if (value[0] == '@') {
        sa_matrix m = sa_read_matrix(value + 1);
        if (m.rows * m.cols != n || (m.rows != 1 && m.cols != 1))
            sa_die("%s: %s holds %ld x %ld values: expected %ld (one per neuron)", name, value + 1, m.rows, m.cols, n);
        if (!per_unit && n > 1)
            sa_die("%s: the kernel reads one value for every neuron: emit with --set %s=@FILE to make it per neuron",
                   name, name);
        for (long i = 0; i < n; i++)
            dst[i] = (real)m.d[i];
        free(m.d);
    } else {
        double x = sa_num(name, value);
        for (long i = 0; i < n; i++)
            dst[i] = (real)x;
    }
}

/* The variable that name ("op/var" or "var") names among the count settable variables of owner. */
static const struct rectic_sa_var *sa_var_find(const struct rectic_sa_var *vars, int count, const char *name,
                                               const char *owner)
{
    if (strncmp(name, "all/", 4) == 0)
        name += 4;
    int found = -1, matches = 0;
    for (int v = 0; v < count; v++) {
        if (strcmp(vars[v].name, name) == 0)
            return &vars[v];
        if (strcmp(vars[v].short_name, name) == 0) {
            found = v;
            matches++;
        }
    }
    if (matches > 1)
        sa_die("'%s' is ambiguous: write operator/variable", name);
    if (found < 0)
        sa_die("no variable '%s' that can be set (parameters and state variables of %s)", name, owner);
    return &vars[found];
}

/* The NAME of a NAME=VALUE override, in buf. */
static const char *sa_set_name(const char *set, char *buf, size_t size)
{
    snprintf(buf, size, "%.*s", (int)(strchr(set, '=') - set), set);
    return buf;
}

/* ---------------------------------------------------------------- the run */

/* Makes room in c's spike buffer for one more step of its neurons (the kernel stops before it overflows). */
static void sa_grow_spikes(rectic_kctx *c)
{
    if (c->n_spikes + c->n <= c->cap_spikes)
        return;
    long cap = c->cap_spikes ? c->cap_spikes : 1024;
    while (cap < c->n_spikes + c->n)
        cap *= 2;
    c->spikes = realloc(c->spikes, (size_t)cap * 2 * sizeof(long));
    if (!c->spikes)
        sa_die("out of memory");
    c->cap_spikes = cap;
}

/* Writes dir/time: the time of each recorded row. */
static void sa_write_time(const sa_run *r, double dt)
{
    double *t = sa_alloc((size_t)r->rows, sizeof(double));
    for (long k = 0; k < r->rows; k++)
        t[k] = (double)(r->first + k * r->every) * dt;
    sa_write(r->dir, "time", r->npy, t, r->rows, 1, SA_F8 | SA_1D);
    free(t);
}

/* Writes dir/name: the (step, neuron) pairs of context c. */
static void sa_write_spikes(const sa_run *r, const char *name, const rectic_kctx *c)
{
    double *sp = sa_alloc((size_t)(2 * c->n_spikes), sizeof(double));
    for (long i = 0; i < 2 * c->n_spikes; i++)
        sp[i] = (double)c->spikes[i];
    sa_write(r->dir, name, r->npy, sp, c->n_spikes, 2, SA_I8);
    free(sp);
}

/* ---------------------------------------------------------------- meta.json */

/* Writes s as a JSON string. */
static void sa_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Opens dir/meta.json under a temporary name (path, tmp: its names) and writes its first members. */
static FILE *sa_meta_begin(const sa_run *r, char *path, char *tmp, size_t size)
{
    snprintf(path, size, "%s/meta.json", r->dir);
    snprintf(tmp, size, "%s/.meta.json.tmp", r->dir);
    FILE *f = fopen(tmp, "w");
    if (!f)
        sa_die("%s: cannot write: %s", tmp, strerror(errno));
    fprintf(f, "{\n  \"rectic_version\": \"%s\",\n  \"program\": \"standalone\",\n", rectic_sa_version);
    return f;
}

/* Writes the members "set" (the overrides) and the sampling settings. */
static void sa_meta_run(FILE *f, const sa_run *r)
{
    char name[256];
    fputs("  \"set\": {", f);
    for (int k = 0; k < r->n_sets; k++) {
        fputs(k ? ", " : "", f);
        sa_json_str(f, sa_set_name(r->sets[k], name, sizeof name));
        fputs(": ", f);
        sa_json_str(f, strchr(r->sets[k], '=') + 1);
    }
    fprintf(f, "},\n  \"sampling_steps\": %ld,\n  \"sampling_mode\": \"%s\",\n  \"cutoff\": %ld,\n"
               "  \"format\": \"%s\",\n", r->every, r->mean_mode ? "mean" : "pick", r->cutoff, r->npy ? "npy" : "csv");
}

/* Writes the last members and puts meta.json in place. */
static void sa_meta_end(FILE *f, const char *path, const char *tmp)
{
    fputs("  \"status\": \"done\",\n  \"end\": null\n}\n", f);
    sa_commit(f, tmp, path);
}

/*
 * io_npy.c -- reading and writing matrices as NumPy .npy files.
 *
 * Layout: "\x93NUMPY", major and minor version bytes, the header length (2 bytes little-endian in 1.0,
 * 4 bytes in 2.0 and 3.0), the header (a Python dict literal with 'descr', 'fortran_order' and 'shape',
 * padded with spaces and ended by '\n'), then the raw data.  Nothing in the header is trusted: the data
 * size it implies is checked (with overflow checks) against the file's size before anything is allocated.
 */
#include "io_npy.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPY_MAX_HEADER (1L << 20) /* numpy itself refuses headers above 10000 bytes by default */

/* The parsed header. */
typedef struct npy_header {
    int have_descr, have_order, have_shape;
    char descr[64];      /* the dtype as written (strings only), for messages */
    int is_string_descr; /* descr was a string literal */
    int fortran;
    int ndim;
    long dims[3]; /* the first three dimensions (enough to reject > 2) */
} npy_header;

/* A cursor over the header text. */
typedef struct npy_cursor {
    const char *p, *end;
    int depth;
} npy_cursor;

/* Skips spaces, tabs and newlines. */
static void skip_ws(npy_cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

/* Consumes ch (after white space); 1 when it was there. */
static int eat(npy_cursor *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* Parses a quoted string literal (no escapes are needed in .npy headers) into out (truncated); 0 or -1. */
static int parse_string(npy_cursor *c, char *out, size_t cap)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return -1;
    char q = *c->p++;
    const char *s = c->p;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\')
            return -1;
        c->p++;
    }
    if (c->p >= c->end)
        return -1;
    size_t n = (size_t)(c->p - s);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    c->p++;
    return 0;
}

/* Whether the text at the cursor is the word w (not followed by a name character); consumes it if so. */
static int eat_word(npy_cursor *c, const char *w)
{
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
        return 0;
    const char *q = c->p + n;
    if (q < c->end &&
        (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
        return 0;
    c->p = q;
    return 1;
}

/* Parses a non-negative integer (an optional Python 2 'L' suffix allowed); 0, or -1 on a syntax error or
   a value above LONG_MAX. */
static int parse_long(npy_cursor *c, long *out)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return -1;
    long v = 0;
    for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
        int d = *c->p - '0';
        if (v > (LONG_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (c->p < c->end && (*c->p == 'L' || *c->p == 'l'))
        c->p++;
    *out = v;
    return 0;
}

/* Skips any Python literal we may meet (string, number, name, tuple, list, dict); 0 or -1. */
static int skip_value(npy_cursor *c)
{
    char tmp[2];
    skip_ws(c);
    if (c->p >= c->end || ++c->depth > 16)
        return -1;
    char ch = *c->p;
    if (ch == '\'' || ch == '"') {
        if (parse_string(c, tmp, sizeof tmp))
            return -1;
    } else if (ch == '(' || ch == '[' || ch == '{') {
        char close = ch == '(' ? ')' : ch == '[' ? ']' : '}';
        c->p++;
        while (!eat(c, close)) {
            if (skip_value(c))
                return -1;
            if (ch == '{' && (!eat(c, ':') || skip_value(c)))
                return -1;
            if (!eat(c, ',') && (skip_ws(c), c->p >= c->end || *c->p != close))
                return -1;
        }
    } else {
        const char *s = c->p;
        while (c->p < c->end && (*c->p == '_' || *c->p == '.' || *c->p == '-' || *c->p == '+' ||
                                 (*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z') ||
                                 (*c->p >= '0' && *c->p <= '9')))
            c->p++;
        if (c->p == s)
            return -1;
    }
    c->depth--;
    return 0;
}

/* Parses the shape tuple; 0 or -1. */
static int parse_shape(npy_cursor *c, npy_header *h)
{
    if (!eat(c, '('))
        return -1;
    h->ndim = 0;
    while (!eat(c, ')')) {
        long v;
        if (parse_long(c, &v))
            return -1;
        if (h->ndim < 3)
            h->dims[h->ndim] = v;
        if (h->ndim < INT_MAX)
            h->ndim++;
        if (!eat(c, ',') && (skip_ws(c), c->p >= c->end || *c->p != ')'))
            return -1;
    }
    return 0;
}

/* Parses the header dict; 0 or -1 on a syntax error (the caller reports it). */
static int parse_header(const char *text, size_t len, npy_header *h)
{
    npy_cursor c = {text, text + len, 0};
    memset(h, 0, sizeof *h);
    if (!eat(&c, '{'))
        return -1;
    while (!eat(&c, '}')) {
        char key[32];
        if (parse_string(&c, key, sizeof key) || !eat(&c, ':'))
            return -1;
        if (strcmp(key, "descr") == 0) {
            skip_ws(&c);
            const char *s = c.p;
            h->is_string_descr = c.p < c.end && (*c.p == '\'' || *c.p == '"');
            if (h->is_string_descr ? parse_string(&c, h->descr, sizeof h->descr) : skip_value(&c))
                return -1;
            if (!h->is_string_descr) { /* keep the literal's text for the message */
                size_t n = (size_t)(c.p - s) < sizeof h->descr - 1 ? (size_t)(c.p - s) : sizeof h->descr - 1;
                memcpy(h->descr, s, n);
                h->descr[n] = '\0';
            }
            h->have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (eat_word(&c, "True"))
                h->fortran = 1;
            else if (eat_word(&c, "False"))
                h->fortran = 0;
            else
                return -1;
            h->have_order = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (parse_shape(&c, h))
                return -1;
            h->have_shape = 1;
        } else if (skip_value(&c)) {
            return -1;
        }
        if (!eat(&c, ',') && (skip_ws(&c), c.p >= c.end || *c.p != '}'))
            return -1;
    }
    skip_ws(&c);
    return c.p == c.end ? 0 : -1;
}

/* Reads a little-endian unsigned integer of n bytes. */
static unsigned long read_le(const unsigned char *b, int n)
{
    unsigned long v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

/* Whether this machine stores numbers little-endian. */
static int host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Reverses the bytes of each of n items of size sz. */
static void swap_bytes(void *buf, size_t n, size_t sz)
{
    unsigned char *p = buf;
    for (size_t i = 0; i < n; i++, p += sz)
        for (size_t j = 0; j < sz / 2; j++) {
            unsigned char t = p[j];
            p[j] = p[sz - 1 - j];
            p[sz - 1 - j] = t;
        }
}

/* An element type of .npy data: kind 'f' (float), 'i' (signed), 'u' (unsigned) or 'b' (bool), its size
   in bytes and its byte order. */
typedef struct npy_type {
    char kind;
    int size;
    int big; /* stored big-endian */
} npy_type;

/* Parses a descr such as '<f8', '>i4', '|u1' or '|b1'; 0, or -1 when it is no number type we convert. */
static int parse_type(const char *d, npy_type *t)
{
    if (strlen(d) != 3 || !strchr("<>|=", d[0]) || !strchr("fiub", d[1]) || d[2] < '1' || d[2] > '8')
        return -1;
    t->kind = d[1];
    t->size = d[2] - '0';
    t->big = d[0] == '>' || (d[0] == '=' && !host_little_endian());
    int ok = t->kind == 'f' ? t->size == 4 || t->size == 8
           : t->kind == 'b' ? t->size == 1
                            : t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
    return ok && (d[0] != '|' || t->size == 1) ? 0 : -1;
}

/* The value of one item of type t (already in the host's byte order) as a double. */
static double item_value(const unsigned char *p, const npy_type *t)
{
    union {
        double f8;
        float f4;
        int8_t i1;
        int16_t i2;
        int32_t i4;
        int64_t i8;
        uint8_t u1;
        uint16_t u2;
        uint32_t u4;
        uint64_t u8;
    } v;
    memcpy(&v, p, (size_t)t->size);
    switch (t->kind) {
    case 'f':
        return t->size == 8 ? v.f8 : (double)v.f4;
    case 'b':
        return v.u1 != 0;
    case 'i':
        return t->size == 1 ? v.i1 : t->size == 2 ? v.i2 : t->size == 4 ? v.i4 : (double)v.i8;
    default:
        return t->size == 1 ? v.u1 : t->size == 2 ? v.u2 : t->size == 4 ? v.u4 : (double)v.u8;
    }
}

/* Reads up to n values of type t as doubles into *out (malloc'd, first capacity cap, doubled as needed);
   *got receives the count read.  0, or -1 when out of memory. */
static int read_values(FILE *f, size_t n, const npy_type *t, size_t cap, double **out, size_t *got)
{
    int swap = t->big == host_little_endian() && t->size > 1;
    if (cap > n)
        cap = n;
    double *d = malloc(cap ? cap * sizeof *d : 1);
    if (!d)
        return -1;
    size_t k = 0, want;
    *got = 0;
    do {
        if (*got == cap && cap < n) {
            size_t c = cap > n / 2 ? n : cap * 2;
            double *e = realloc(d, c * sizeof *d);
            if (!e) {
                free(d);
                return -1;
            }
            d = e;
            cap = c;
        }
        want = cap - *got;
        if (t->kind == 'f' && t->size == 8) { /* straight into place */
            k = fread(d + *got, 8, want, f);
            if (swap)
                swap_bytes(d + *got, k, 8);
        } else {
            unsigned char chunk[32768];
            if (want > sizeof chunk / (size_t)t->size)
                want = sizeof chunk / (size_t)t->size;
            k = fread(chunk, (size_t)t->size, want, f);
            if (swap)
                swap_bytes(chunk, k, (size_t)t->size);
            for (size_t i = 0; i < k; i++)
                d[*got + i] = item_value(chunk + i * (size_t)t->size, t);
        }
        *got += k;
    } while (k == want && *got < n);
    *out = d;
    return 0;
}

/* Checks the header's claims against the data the file holds (avail bytes, -1 when unknown) and fills
   info; 0 or an error code. */
static int check_header(const char *path, const npy_header *h, long avail, int fortran_ok, rct_npy_info *info,
                        rct_err *err)
{
    npy_type t = {0, 0, 0};
    int itemsize = h->is_string_descr && parse_type(h->descr, &t) == 0 ? t.size : 0;
    if (!h->have_descr || !h->have_order || !h->have_shape)
        return rct_errf(err, RECTIC_ESYNTAX, "%s: .npy header has no '%s' key", path,
                        !h->have_descr   ? "descr"
                        : !h->have_order ? "fortran_order"
                                         : "shape");
    if (!itemsize || !h->is_string_descr)
        return rct_errf(err, RECTIC_ESYNTAX,
                        "%s: unsupported dtype %s%s%s: expected numbers (float32/64, signed or unsigned "
                        "integers, or bool)",
                        path, h->is_string_descr ? "'" : "", h->descr, h->is_string_descr ? "'" : "");
    if (h->fortran && !fortran_ok)
        return rct_errf(err, RECTIC_ESYNTAX, "%s: Fortran-order arrays are not supported, save with C order",
                        path);
    if (h->ndim < 1 || h->ndim > 2)
        return rct_errf(err, RECTIC_ESYNTAX, "%s: array has %d dimensions: expected 1 (a column) or 2", path,
                        h->ndim);
    long rows = h->dims[0], cols = h->ndim == 2 ? h->dims[1] : 1;
    char tname[16] = "bool";
    if (t.kind != 'b')
        snprintf(tname, sizeof tname, "%s%d", t.kind == 'f' ? "float" : t.kind == 'i' ? "int" : "uint", 8 * itemsize);
    if (h->ndim == 2)
        snprintf(info->shape, sizeof info->shape, "%ldx%ld", rows, cols);
    else
        snprintf(info->shape, sizeof info->shape, "%ld", rows);
    snprintf(info->tname, sizeof info->tname, "%s", tname);
    /* Overflow-checked: n values of itemsize bytes, compared with the data the file holds. */
    if (cols != 0 && (unsigned long long)rows > ULLONG_MAX / (unsigned long long)cols / (unsigned)itemsize)
        return rct_errf(err, RECTIC_ESYNTAX,
                        "%s: header claims %s %s values, more bytes than a file can hold", path, info->shape,
                        tname);
    unsigned long long n64 = (unsigned long long)rows * (unsigned long long)cols;
    unsigned long long bytes64 = n64 * (unsigned long long)itemsize;
    if (avail >= 0 && bytes64 != (unsigned long long)avail)
        return rct_errf(err, RECTIC_ESYNTAX,
                        "%s: header claims %s %s values (%llu bytes) but the file holds %ld bytes of data",
                        path, info->shape, tname, bytes64, avail);
    if (n64 > (size_t)PTRDIFF_MAX / sizeof(double))
        return rct_errf(err, RECTIC_ENOMEM, "%s: %s %s values are too many to load", path, info->shape, tname);
    info->kind = t.kind;
    info->size = itemsize;
    info->swap = t.big == host_little_endian() && t.size > 1;
    info->fortran = h->fortran;
    info->rows = rows;
    info->cols = cols;
    info->avail = avail;
    return RECTIC_OK;
}

void rct_npy_convert(unsigned char *raw, size_t count, const rct_npy_info *info, double *out)
{
    npy_type t = {info->kind, info->size, 0};
    if (info->swap)
        swap_bytes(raw, count, (size_t)info->size);
    for (size_t i = 0; i < count; i++)
        out[i] = item_value(raw + i * (size_t)info->size, &t);
}

/* Reads a .npy file into m. */
int rct_npy_read(const char *path, rct_matrix *m, rct_err *err)
{
    m->rows = m->cols = 0;
    m->data = NULL;
    FILE *f;
    rct_npy_info info;
    int rc = rct_npy_open(path, &f, &info, 0, err);
    if (rc)
        return rc;
    npy_type t = {info.kind, info.size, info.swap ? host_little_endian() : !host_little_endian()};
    size_t n = (size_t)info.rows * (size_t)info.cols;
    unsigned long long bytes64 = (unsigned long long)n * (unsigned)info.size;
    /* A regular file's size was checked by rct_npy_open; from a pipe, grow as the data arrives. */
    double *d = NULL;
    size_t got = 0;
    if (read_values(f, n, &t, info.avail >= 0 ? n : 65536, &d, &got)) {
        fclose(f);
        return rct_oom(err);
    }
    if (got < n || (info.avail < 0 && getc(f) != EOF)) {
        int e = errno;
        free(d);
        rc = ferror(f) ? rct_errf(err, RECTIC_EIO, "%s: read error: %s", path, strerror(e))
                       : rct_errf(err, RECTIC_ESYNTAX, "%s: %sheader claims %s %s values (%llu bytes) but %s", path,
                                  got < n ? "truncated file: " : "", info.shape, info.tname, bytes64,
                                  got < n ? "the data ends early" : "more data follows");
        fclose(f);
        return rc;
    }
    fclose(f);
    m->rows = info.rows;
    m->cols = info.cols;
    m->data = d;
    return RECTIC_OK;
}

/* Opens a .npy file and checks its header against the file. */
int rct_npy_open(const char *path, FILE **out, rct_npy_info *info, int fortran_ok, rct_err *err)
{
    *out = NULL;
    memset(info, 0, sizeof *info);
    FILE *f = fopen(path, "rb");
    if (!f)
        return rct_errf(err, RECTIC_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    long size = -1; /* the file's size, when it is a regular file */
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= LONG_MAX)
        size = (long)st.st_size;
    unsigned char pre[12];
    char *text = NULL;
    int rc;
    size_t got = fread(pre, 1, 8, f);
    if (got == 0 && !ferror(f)) {
        rc = rct_errf(err, RECTIC_ESYNTAX, "%s: empty file: expected a .npy header", path);
        goto done;
    }
    if (memcmp(pre, "\x93NUMPY", got < 6 ? got : 6) != 0) {
        rc = rct_errf(err, RECTIC_ESYNTAX, "%s: not a .npy file (it does not start with \"\\x93NUMPY\")",
                      path);
        goto done;
    }
    if (got < 8) {
        rc = ferror(f)
                 ? rct_errf(err, RECTIC_EIO, "%s: read error: %s", path, strerror(errno))
                 : rct_errf(err, RECTIC_ESYNTAX, "%s: truncated file: too short for a .npy header", path);
        goto done;
    }
    int major = pre[6], minor = pre[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        rc = rct_errf(err, RECTIC_ESYNTAX,
                      "%s: unsupported .npy format version %d.%d (expected 1.0, 2.0 or 3.0)", path, major,
                      minor);
        goto done;
    }
    int lenbytes = major == 1 ? 2 : 4;
    if (fread(pre + 8, 1, (size_t)lenbytes, f) != (size_t)lenbytes) {
        rc = rct_errf(err, RECTIC_ESYNTAX, "%s: truncated file: the .npy header length is missing", path);
        goto done;
    }
    unsigned long hlen = read_le(pre + 8, lenbytes);
    long start = 8 + lenbytes;
    if (hlen > NPY_MAX_HEADER) {
        rc = rct_errf(err, RECTIC_ESYNTAX, "%s: the .npy header length %lu is implausible (at most %ld)",
                      path, hlen, NPY_MAX_HEADER);
        goto done;
    }
    if (size >= 0 && hlen > (unsigned long)(size - start)) {
        rc = rct_errf(err, RECTIC_ESYNTAX,
                      "%s: truncated file: the .npy header needs %lu bytes but only %ld follow", path, hlen,
                      size - start);
        goto done;
    }
    text = malloc(hlen + 1);
    if (!text) {
        rc = rct_oom(err);
        goto done;
    }
    if (fread(text, 1, hlen, f) != hlen) {
        rc = rct_errf(err, RECTIC_ESYNTAX, "%s: truncated file: the .npy header ends early", path);
        goto done;
    }
    text[hlen] = '\0';
    npy_header h;
    if (parse_header(text, hlen, &h)) {
        char shown[201];
        size_t k = 0;
        for (size_t i = 0; i < hlen && k < sizeof shown - 1; i++)
            shown[k++] = (text[i] >= 32 && text[i] < 127) ? text[i] : ' ';
        while (k > 0 && shown[k - 1] == ' ')
            k--;
        shown[k] = '\0';
        rc = rct_errf(err, RECTIC_ESYNTAX, "%s: malformed .npy header: %s", path, shown);
        goto done;
    }
    rc = check_header(path, &h, size >= 0 ? size - start - (long)hlen : -1, fortran_ok, info, err);
    info->offset = start + (long)hlen;
done:
    free(text);
    if (rc)
        fclose(f);
    else
        *out = f;
    return rc;
}

/* Writes all of buf or returns -1. */
static int write_all(FILE *f, const void *buf, size_t n)
{
    return fwrite(buf, 1, n, f) == n ? 0 : -1;
}

/* Writes the header of a .npy (format 1.0) file holding a rows x cols matrix of type (RCT_NPY_*). */
int rct_npy_write_header(FILE *f, long rows, long cols, int type)
{
    int vector = (type & RCT_NPY_1D) != 0;
    type &= ~RCT_NPY_1D;
    if (rows < 0 || cols < 0 || (vector && cols != 1))
        return -1;
    static const char *const descr[] = {"<f8", "<f4", "<i8"};
    char header[256], shape[64];
    if (vector)
        snprintf(shape, sizeof shape, "(%ld,)", rows);
    else
        snprintf(shape, sizeof shape, "(%ld, %ld)", rows, cols);
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr[type],
                     shape);
    int total = 10 + n + 1; /* magic, version, length, dict, '\n'; padded to a multiple of 64 */
    int pad = (64 - total % 64) % 64;
    memset(header + n, ' ', (size_t)pad);
    n += pad;
    header[n++] = '\n';
    unsigned char pre[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 0xff), (unsigned char)(n >> 8)};
    return write_all(f, pre, sizeof pre) || write_all(f, header, (size_t)n) ? -1 : 0;
}

/* Writes count values as type (RCT_NPY_*), little-endian. */
int rct_npy_write_data(FILE *f, const double *data, size_t count, int type)
{
    type &= ~RCT_NPY_1D;
    int little = host_little_endian();
    if (type == RCT_NPY_F8 && little)
        return write_all(f, data, count * sizeof *data) || ferror(f) ? -1 : 0;
    unsigned char chunk[8 * 1024];
    size_t sz = type == RCT_NPY_F4 ? 4 : 8, per = sizeof chunk / sz;
    for (size_t i = 0; i < count; i += per) {
        size_t k = count - i < per ? count - i : per;
        for (size_t j = 0; j < k; j++) {
            if (type == RCT_NPY_F4) {
                float v = (float)data[i + j];
                memcpy(chunk + j * 4, &v, 4);
            } else if (type == RCT_NPY_I8) {
                int64_t v = (int64_t)data[i + j];
                memcpy(chunk + j * 8, &v, 8);
            } else {
                memcpy(chunk + j * 8, &data[i + j], 8);
            }
        }
        if (!little)
            swap_bytes(chunk, k, sz);
        if (write_all(f, chunk, k * sz))
            return -1;
    }
    return ferror(f) ? -1 : 0;
}

int rct_npy_write(FILE *f, const double *data, long rows, long cols, int type)
{
    if (rct_npy_write_header(f, rows, cols, type))
        return -1;
    return rct_npy_write_data(f, data, (size_t)rows * (size_t)cols, type);
}

/*
 * io_csv.c -- reading and writing matrices as CSV text.
 *
 * Reading streams the file line by line (getline) into one geometrically grown array of doubles.  strtod
 * alone would take several seconds for 30 million full-precision values, so decimals of up to 19
 * significant digits take exact fast paths and give the same bits as strtod:
 *   - Clinger's: a mantissa below 2^53 times or divided by an exact power of ten (|q| <= 22) is one
 *     correctly rounded operation;
 *   - otherwise (|q| <= 31 or so) a candidate within an ulp or two is computed in floating point and
 *     checked, with 128-bit integers, against the exact midpoints to its neighbours, then moved by an ulp
 *     if needed; exact ties and everything else (hex, nan, inf, long mantissas, far exponents) go to strtod.
 */
#include "io_csv.h"
#include "mpi.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The parser state of one file. */
typedef struct csv_reader {
    const char *path;
    long line;       /* current line number (1-based) */
    long first_line; /* line of the first row of numbers */
    long rows, cols; /* rows read so far; values per row (-1 before the first row) */
    double *data;
    size_t n, cap;   /* values stored, capacity */
    int fixed;       /* data lies inside a larger buffer (a part read in place): never grown */
} csv_reader;

/* Whether the text at p ends a number token. */
static int is_sep(const char *p, const char *end)
{
    return p >= end || *p == ',' || *p == ' ' || *p == '\t';
}

#if FLT_EVAL_METHOD == 0 /* the fast paths need plain IEEE double arithmetic */
/* Exact powers of ten representable as doubles. */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 u128;

/* Approximate 10^-q, for the small correction term of a candidate. */
static const double inv_pow10[] = {1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,
                                   1e-8,  1e-9,  1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15,
                                   1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22};

/* 5^0 .. 5^27, the powers of five that fit in 64 bits. */
static const uint64_t pow5[28] = {
    1ULL, 5ULL, 25ULL, 125ULL, 625ULL,
    3125ULL, 15625ULL, 78125ULL, 390625ULL, 1953125ULL,
    9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL,
    30517578125ULL, 152587890625ULL, 762939453125ULL, 3814697265625ULL, 19073486328125ULL,
    95367431640625ULL, 476837158203125ULL, 2384185791015625ULL, 11920928955078125ULL, 59604644775390625ULL,
    298023223876953125ULL, 1490116119384765625ULL, 7450580596923828125ULL};

/* Compares a with b * 2^s (s < 0: a * 2^-s with b); -1, 0 or 1. */
static inline int cmp_shifted(u128 a, u128 b, int s)
{
    if (s > 0) {
        if (b == 0)
            return a > 0;
        if (s >= 128 || (b >> (128 - s)) != 0)
            return -1; /* b * 2^s >= 2^128 > a */
        b <<= s;
    } else if (s < 0) {
        if (a == 0)
            return b > 0 ? -1 : 0;
        if (s <= -128 || (a >> (128 + s)) != 0)
            return 1;
        a <<= -s;
    }
    return a < b ? -1 : a > b;
}

/* Compares the exact value w * 10^q (-31 <= q <= 27) with mid * 2^k; -1, 0 or 1. */
static inline int cmp_decimal(uint64_t w, int q, uint64_t mid, int k)
{
    if (q >= 0) /* w 5^q 2^q vs mid 2^k */
        return cmp_shifted((u128)w * pow5[q], mid, k - q);
    int p = -q; /* w vs mid 5^p 2^(k+p) */
    u128 m5 = (u128)mid * (p <= 27 ? pow5[p] : pow5[27]);
    if (p > 27)
        m5 *= pow5[p - 27];
    return cmp_shifted(w, m5, k + p);
}

/* Correctly rounded w * 10^q for large mantissas: an approximate quotient or product is checked against
   the exact midpoints to its neighbours (128-bit integers) and moved by an ulp until it is the nearest
   double.  0 when undecided (an exact tie, or out of range): the caller uses strtod. */
static int decimal_verified(uint64_t w, long q, double *out)
{
    if (q < -31 || q > 27 || w == 0)
        return 0;
    /* w = hi + lo exactly (w < 10^19 < 2^64, so hi fits a uint64_t; |lo| < 2^11): the candidate below is
       within an ulp or two of the exact value, usually the nearest double already */
    double hi = (double)w, d;
    uint64_t h = (uint64_t)hi;
    double lo = w >= h ? (double)(w - h) : -(double)(h - w);
    if (q > 22)
        d = (hi + lo) * pow10_exact[22] * pow10_exact[q - 22];
    else if (q >= 0)
        d = hi * pow10_exact[q] + lo * pow10_exact[q];
    else if (q >= -22)
        d = hi / pow10_exact[-q] + lo * inv_pow10[-q]; /* lo's term is tiny: an inexact factor will do */
    else
        d = (hi + lo) / pow10_exact[22] / pow10_exact[-q - 22];
    uint64_t bits; /* d = f 2^k with 2^52 <= f < 2^53: d is positive and normal in this range */
    memcpy(&bits, &d, sizeof bits);
    for (int tries = 0; tries < 4; tries++) {
        uint64_t f = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
        int k = (int)((bits >> 52) & 0x7ff) - 1075;
        int sh = k - 1 + (int)-q;
        if (q < 0 && q >= -27 && f != (1ULL << 52) && sh < 0 && sh > -64) {
            /* The common case in one step: d is nearest iff |w 2^-sh - 2f 5^p| < 5^p (p = -q). */
            u128 wv = (u128)w << -sh, c = (u128)(2 * f) * pow5[-q], p5 = pow5[-q];
            u128 diff = wv > c ? wv - c : c - wv;
            if (diff == p5)
                return 0; /* a tie */
            if (diff < p5) {
                memcpy(out, &bits, sizeof bits);
                return 1;
            }
            if (wv > c)
                bits++;
            else
                bits--;
            continue;
        }
        int above = cmp_decimal(w, (int)q, 2 * f + 1, k - 1);
        int below = f == (1ULL << 52) ? cmp_decimal(w, (int)q, 4 * f - 1, k - 2)
                                   : cmp_decimal(w, (int)q, 2 * f - 1, k - 1);
        if (above == 0 || below == 0)
            return 0; /* a tie: leave round-half-even to strtod */
        if (above < 0 && below > 0) {
            memcpy(out, &bits, sizeof bits);
            return 1;
        }
        if (above > 0) /* move to the next double up or down */
            bits++;
        else
            bits--;
    }
    return 0;
}
#else
/* Without 128-bit integers, large mantissas go to strtod. */
static int decimal_verified(uint64_t w, long q, double *out)
{
    (void)w, (void)q, (void)out;
    return 0;
}
#endif

/* Converts w * 10^q to the nearest double when that can be done exactly without strtod; 1 on success. */
static int decimal_to_double(uint64_t w, long q, double *out)
{
    if (w == 0) {
        *out = 0;
        return 1;
    }
    if (w > ((uint64_t)1 << 53) || q < -22 || q > 22)
        return decimal_verified(w, q, out);
    /* Clinger's fast path: both operands exact, one correctly rounded operation. */
    *out = q >= 0 ? (double)w * pow10_exact[q] : (double)w / pow10_exact[-q];
    return 1;
}

/* Whether c is a decimal digit. */
static inline int is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* Accumulates the decimal digits at p into *m (modulo 2^64); returns the end of the digits.  Eight digits
   at a time where the line has eight more bytes (SWAR, little-endian hosts). */
static inline const char *scan_digits(const char *p, const char *end, uint64_t *m)
{
    uint64_t v = *m;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        if (((x + 0x4646464646464646ULL) | (x - 0x3030303030303030ULL)) & 0x8080808080808080ULL)
            break; /* not eight digits */
        x -= 0x3030303030303030ULL;
        x = x * 10 + (x >> 8); /* pairs of digits in every other byte */
        x = (((x & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
             (((x >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >> 32;
        v = v * 100000000 + x;
        p += 8;
    }
#else
    (void)end;
#endif
    while (is_digit(*p))
        v = v * 10 + (uint64_t)(*p++ - '0');
    *m = v;
    return p;
}

/* Parses a plain decimal [-+]digits[.digits][e[-+]digits] exactly when that is cheap; 1 on success with
   *out and *next set, 0 when the caller must use strtod.  The text at end is never a digit, '.' or 'e'
   (the line ends with '\r', '\n' or NUL), so the digit loops need no bounds checks. */
static int parse_fast(const char *p, const char *end, double *out, const char **next)
{
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    uint64_t m = 0;
    const char *first = p;
    p = scan_digits(p, end, &m);
    long ndigits = (long)(p - first), frac = 0;
    if (*p == '.') {
        const char *f = ++p;
        p = scan_digits(p, end, &m);
        frac = (long)(p - f);
        ndigits += frac;
    }
    if (ndigits == 0 || p > end)
        return 0;
    if (ndigits > 19) { /* m may have wrapped: fine only if the excess digits are leading zeros */
        const char *q = first;
        long zeros = 0;
        for (; *q == '0' || *q == '.'; q++)
            zeros += *q == '0';
        if (ndigits - zeros > 19)
            return 0;
    }
    long exp10 = -frac;
    if (*p == 'e' || *p == 'E') {
        p++;
        int eneg = 0;
        long e = 0;
        if (*p == '-' || *p == '+')
            eneg = *p++ == '-';
        if (!is_digit(*p))
            return 0;
        for (; is_digit(*p); p++) {
            if (e > 10000)
                return 0;
            e = e * 10 + (*p - '0');
        }
        exp10 += eneg ? -e : e;
    }
    double v;
    if (p > end || !is_sep(p, end) || !decimal_to_double(m, exp10, &v))
        return 0;
    *out = neg ? -v : v;
    *next = p;
    return 1;
}
#else
/* Without IEEE double evaluation every number goes through strtod. */
static int parse_fast(const char *p, const char *end, double *out, const char **next)
{
    (void)p, (void)end, (void)out, (void)next;
    return 0;
}
#endif

int rct_csv_number(const char *p, const char *end, double *v, const char **next)
{
    if (parse_fast(p, end, v, next))
        return 1;
    if (p >= end || *p == ',' || *p == ' ' || *p == '\t')
        return 0;
    char *e;
    *v = strtod(p, &e);
    *next = e;
    return !(e == p || e > end || !is_sep(e, end));
}

int rct_csv_err_token(const char *path, long lineno, const char *line, const char *p, const char *end,
                      const char *what, rct_err *err)
{
    long col = (long)(p - line) + 1;
    if (p >= end)
        return rct_errf(err, RECTIC_ESYNTAX, "%s:%ld:%ld: expected %s, found end of line", path, lineno,
                        col, what);
    const char *q = p;
    if (*q == ',')
        q++;
    else
        while (!is_sep(q, end))
            q++;
    int len = (int)(q - p);
    const char *more = "";
    if (len > 40) {
        len = 40;
        more = "...";
    }
    char tok[41];
    for (int i = 0; i < len; i++)
        tok[i] = (p[i] >= 32 && p[i] < 127) ? p[i] : '?';
    return rct_errf(err, RECTIC_ESYNTAX, "%s:%ld:%ld: expected %s, found '%.*s%s'", path, lineno, col,
                    what, len, tok, more);
}

/* Fills err with "path:line:col: expected <what>, found '<token>'" for the token at p of r's line. */
static int err_token(csv_reader *r, const char *line, const char *p, const char *end, const char *what,
                     rct_err *err)
{
    return rct_csv_err_token(r->path, r->line, line, p, end, what, err);
}

/* Appends one value, growing the array geometrically; 0 or an error code. */
static int push(csv_reader *r, double v, rct_err *err)
{
    if (r->n == r->cap && r->fixed)
        return rct_errf(err, RECTIC_ESYNTAX, "%s:%ld:1: row has more than %ld values (as on line %ld)", r->path,
                        r->line, r->cols, r->first_line);
    if (r->n == r->cap) {
        /* the limit keeps n (= rows * cols) within long and the byte size within ptrdiff_t */
        if (r->n >= ((size_t)PTRDIFF_MAX / sizeof(double)) / 2 || (unsigned long)r->n >= LONG_MAX / 2)
            return rct_errf(err, RECTIC_ENOMEM, "%s:%ld: too many values", r->path, r->line);
        size_t cap = r->cap ? r->cap * 2 : 1024;
        double *d = realloc(r->data, cap * sizeof *d);
        if (!d)
            return rct_oom(err);
        r->data = d;
        r->cap = cap;
    }
    r->data[r->n++] = v;
    return 0;
}

const char *rct_csv_span(const char *line, size_t len, const char **end)
{
    const char *p = line;
    *end = line + len;
    if (p < *end && (*end)[-1] == '\r')
        --*end;
    const char *hash = p < *end ? memchr(p, '#', (size_t)(*end - p)) : NULL;
    if (hash)
        *end = hash; /* a comment runs to the end of the line */
    while (p < *end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Parses one line (without its newline) of len bytes; 0 or an error code. */
static int parse_line(csv_reader *r, const char *line, size_t len, rct_err *err)
{
    const char *end, *p = rct_csv_span(line, len, &end);
    if (p == end)
        return 0; /* blank line or comment */
    int commas = memchr(p, ',', (size_t)(end - p)) != NULL;
    size_t start = r->n;
    for (;;) {
        double v;
        const char *next;
        if (!rct_csv_number(p, end, &v, &next))
            return err_token(r, line, p, end, "a number", err);
        int rc = push(r, v, err);
        if (rc)
            return rc;
        p = next;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end)
            break;
        if (commas) {
            if (*p != ',')
                return err_token(r, line, p, end, "',' or end of line", err);
            p++;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
        }
    }
    long count = (long)(r->n - start);
    if (r->cols < 0) {
        r->cols = count;
        r->first_line = r->line;
    } else if (count != r->cols) {
        return rct_errf(err, RECTIC_ESYNTAX, "%s:%ld:1: row has %ld value%s, expected %ld (as on line %ld)",
                        r->path, r->line, count, count == 1 ? "" : "s", r->cols, r->first_line);
    }
    r->rows++;
    return 0;
}

/* Whether a line (without its newline) holds numbers: not blank, not only a comment. */
static int has_data(const char *p, size_t len)
{
    for (const char *end = p + len; p < end && *p != '#'; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return 1;
    return 0;
}

/* A part of a matrix read in place: the rows lo .. hi-1 of `all` (room for `room` rows); a square matrix's
   block `part` of `parts` (rct_csv_read_part), or the rows asked (parts 0: rct_csv_read_rows). */
typedef struct csv_part {
    int parts, part;
    long min_rows, lo, hi, room;
    double *all;
} csv_part;

/* After the first row (r->cols values in r->data): the part's rows and the buffer of the whole matrix,
   into which r then parses the part's rows in place; nothing changes for a matrix of at most min_rows
   columns (read whole).  0 or an error code. */
static int part_start(csv_reader *r, csv_part *q, rct_err *err)
{
    long n = r->cols;
    if (q->parts > 0 && n <= q->min_rows)
        return 0;
    if (q->parts > 0)
        rct_mpi_block(n, q->parts, q->part, &q->lo, &q->hi);
    q->room = q->parts > 0 ? n : q->hi > 1 ? q->hi : 1; /* (a square matrix: all of its rows) */
    if (!(q->all = malloc((size_t)q->room * (size_t)n * sizeof *q->all + 1))) /* pages never written take no memory */
        return rct_oom(err);
    size_t kept = q->lo == 0 && q->hi > 0 ? (size_t)n : 0; /* the first row is the part's */
    memcpy(q->all, r->data, kept * sizeof *q->all);
    free(r->data);
    r->data = q->all + (size_t)q->lo * (size_t)n;
    r->n = kept;
    r->cap = (size_t)(q->hi - q->lo) * (size_t)n;
    r->fixed = 1;
    return 0;
}

/* Reads the lines of f into r; with a part q (or NULL), only the part's rows are parsed, the others
   counted.  0 or an error code. */
static int read_lines(csv_reader *r, FILE *f, csv_part *q, rct_err *err)
{
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    int rc = 0;
    errno = 0;
    while ((len = getline(&line, &linecap, f)) >= 0) {
        r->line++;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        size_t bom = r->line == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* UTF-8 BOM */
        if (q && q->all && (r->rows < q->lo || r->rows >= q->hi)) { /* another rank's row: counted only */
            r->rows += has_data(line + bom, (size_t)len - bom);
            continue;
        }
        long before = r->rows;
        if ((rc = parse_line(r, line + bom, (size_t)len - bom, err)))
            break;
        if (q && !q->all && before == 0 && r->rows == 1 && (rc = part_start(r, q, err)))
            break;
        errno = 0;
    }
    if (!rc && ferror(f))
        rc = rct_errf(err, RECTIC_EIO, "%s: read error: %s", r->path, strerror(errno ? errno : EIO));
    else if (!rc && len < 0 && errno == ENOMEM)
        rc = rct_oom(err);
    free(line);
    return rc;
}

/* Reads a CSV file into m, whole (q NULL) or a part of it. */
static int read_csv(const char *path, csv_part *q, rct_matrix *m, rct_err *err)
{
    m->rows = m->cols = 0;
    m->data = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return rct_errf(err, RECTIC_EIO, "%s: cannot open: %s", path, strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1 << 18); /* fewer read calls than the default 4 KiB */
    csv_reader r = {.path = path, .line = 0, .first_line = 0, .rows = 0, .cols = -1};
    int rc = read_lines(&r, f, q, err);
    fclose(f);
    if (!rc && r.rows == 0)
        rc = rct_errf(err, RECTIC_ESYNTAX, "%s: %s: expected at least one row of numbers", path,
                      r.line == 0 ? "empty file" : "no data");
    double *all = q ? q->all : NULL;
    if (rc) {
        free(all ? all : r.data);
        return rc;
    }
    if (all && r.rows > q->room) { /* more rows than room was made for: room for every row, never read */
        double *d = realloc(all, (size_t)r.rows * (size_t)r.cols * sizeof *d + 1);
        if (!d) {
            free(all);
            return rct_oom(err);
        }
        all = d;
    }
    double *d = all ? NULL : realloc(r.data, r.n * sizeof *d); /* give back the slack */
    m->data = all ? all : d ? d : r.data;
    m->rows = r.rows;
    m->cols = r.cols;
    return RECTIC_OK;
}

/* Reads a CSV file of numbers into m. */
int rct_csv_read(const char *path, rct_matrix *m, rct_err *err)
{
    return read_csv(path, NULL, m, err);
}

int rct_csv_read_part(const char *path, int parts, int part, long min_rows, rct_matrix *m, long *lo, long *hi,
                      rct_err *err)
{
    csv_part q = {parts, part, min_rows, 0, 0, 0, NULL};
    int rc = read_csv(path, &q, m, err);
    *lo = q.all ? q.lo : 0;
    *hi = q.all ? q.hi : m->rows;
    return rc;
}

int rct_csv_read_rows(const char *path, long lo, long hi, rct_matrix *m, rct_err *err)
{
    csv_part q = {0, 0, 0, lo, hi > lo ? hi : lo, 0, NULL};
    return read_csv(path, &q, m, err);
}

/* Writes the matrix as CSV text, one row per line. */
int rct_csv_write(FILE *f, const double *data, long rows, long cols, int as_float)
{
    if (rows < 0 || cols < 0)
        return -1;
    char num[32];
    for (long i = 0; i < rows; i++) {
        const double *row = data + (size_t)i * (size_t)cols;
        for (long j = 0; j < cols; j++) {
            if (as_float)
                rct_fmt_float(num, (float)row[j]);
            else
                rct_fmt_double(num, row[j]);
            if (j > 0)
                putc(',', f);
            fputs(num, f);
        }
        if (putc('\n', f) == EOF)
            return -1;
    }
    return ferror(f) ? -1 : 0;
}

/*
 * util.c -- error records, growable strings, checked allocation, number formatting.
 */
#include "util.h"

#include "fmt_number.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

/* Fills err with code and a formatted message; returns code. */
int rct_errf(rct_err *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

/* Fills err with the out-of-memory message. */
int rct_oom(rct_err *err)
{
    return rct_errf(err, RECTIC_ENOMEM, "out of memory");
}

void rct_buf_init(rct_buf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void rct_buf_free(rct_buf *b)
{
    free(b->s);
    rct_buf_init(b);
}

/* Makes room for n more bytes plus the terminator; 0 on success. */
static int buf_reserve(rct_buf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void rct_buf_putn(rct_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void rct_buf_putc(rct_buf *b, char c)
{
    rct_buf_putn(b, &c, 1);
}

void rct_buf_puts(rct_buf *b, const char *s)
{
    rct_buf_putn(b, s, strlen(s));
}

void rct_buf_vprintf(rct_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (buf_reserve(b, (size_t)n))
        return;
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void rct_buf_printf(rct_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rct_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *rct_buf_take(rct_buf *b)
{
    if (b->failed) {
        rct_buf_free(b);
        return NULL;
    }
    char *s = b->s ? b->s : rct_strdup("");
    rct_buf_init(b);
    return s;
}

char *rct_strdup(const char *s)
{
    return s ? rct_strndup(s, strlen(s)) : NULL;
}

char *rct_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

int rct_strv_add_unique(char ***list, int *n, const char *text)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*list)[i], text) == 0)
            return 0;
    char **g = realloc(*list, sizeof *g * (size_t)(*n + 1));
    char *copy = rct_strdup(text);
    if (g)
        *list = g;
    if (!g || !copy) {
        free(copy);
        return -1;
    }
    (*list)[(*n)++] = copy;
    return 0;
}

int rct_grow(void *arr, size_t *cap, size_t need, size_t size)
{
    void **p = arr;
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    if (c > ((size_t)-1) / size)
        return -1;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

void rct_fmt_double(char out[32], double x)
{
    rct_fmt_number(out, x, 0);
}

void rct_fmt_float(char out[32], float x)
{
    rct_fmt_number(out, (double)x, 1);
}

int rct_mkdirs(const char *dir, unsigned mode, char *failed, size_t size)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(failed, size, "%s", dir);
        return ENAMETOOLONG;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        struct stat st;
        int e = mkdir(path, (mode_t)mode) != 0 && errno != EEXIST ? errno : 0;
        if (!e && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)))
            e = ENOTDIR;
        if (e) {
            snprintf(failed, size, "%s", path);
            return e;
        }
        *p = c;
        if (!c)
            return 0;
    }
}

double rct_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

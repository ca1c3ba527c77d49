/*
 * util.h -- small shared helpers: error records, growable strings, checked allocation.
 *
 * Internal to rectic (not installed).  Every non-static symbol carries the rct_ prefix.
 */
#ifndef RCT_UTIL_H
#define RCT_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#include "rectic.h"

/* An error record: a status code and a message.  Functions that can fail take one and fill it. */
typedef struct rct_err {
    int code;          /* RECTIC_OK or a RECTIC_E* code */
    char msg[2048];
} rct_err;

/* Fills err with code and a printf-style message; returns code. */
int rct_errf(rct_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fills err with "out of memory"; returns RECTIC_ENOMEM. */
int rct_oom(rct_err *err);

/* A growable, always NUL-terminated string.  After an allocation failure `failed` is set and further
   appends are ignored, so callers may append freely and check once. */
typedef struct rct_buf {
    char *s;
    size_t len, cap;
    int failed;
} rct_buf;

void rct_buf_init(rct_buf *b);
void rct_buf_free(rct_buf *b);
void rct_buf_putc(rct_buf *b, char c);
void rct_buf_puts(rct_buf *b, const char *s);
void rct_buf_putn(rct_buf *b, const char *s, size_t n);
void rct_buf_printf(rct_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rct_buf_vprintf(rct_buf *b, const char *fmt, va_list ap);
/* Takes ownership of the string (the buffer is left empty); NULL after a failure. */
char *rct_buf_take(rct_buf *b);

/* strdup that returns NULL on failure (and on a NULL argument). */
char *rct_strdup(const char *s);
char *rct_strndup(const char *s, size_t n);
/* Grows *arr (of element size `size`) to hold at least `need` elements; 0 on success. */
int rct_grow(void *arr, size_t *cap, size_t need, size_t size);

/* Appends a copy of text to the list (*list, *n) unless an equal string is there; 0 on success (also when
   it was there), -1 when memory ran out (the list is unchanged). */
int rct_strv_add_unique(char ***list, int *n, const char *text);

/* Formats a double so that strtod reads back the same value (shortest of %.15g..%.17g). */
void rct_fmt_double(char out[32], double x);
/* Same for a float (shortest of %.6g..%.9g, read back with strtof). */
void rct_fmt_float(char out[32], float x);

/* Creates dir and its parents (mode for new ones).  Returns 0, or an errno value with the component that
   failed in failed (ENOTDIR when a component exists but is not a directory). */
int rct_mkdirs(const char *dir, unsigned mode, char *failed, size_t size);

/* Monotonic clock in seconds. */
double rct_now(void);

#endif

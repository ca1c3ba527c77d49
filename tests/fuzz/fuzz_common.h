/*
 * fuzz_common.h -- helpers shared by the libFuzzer harnesses of tests/fuzz/.
 *
 * Header-only (static functions): each harness is one translation unit linked against the sanitized
 * library objects in build-fuzz/.
 */
#ifndef RCT_FUZZ_COMMON_H
#define RCT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (embedded NULs end the string early, as they would in a file read
   with fgets-style code). */
static inline char *fz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A file holding exactly the input, reopened by path for each run: an anonymous memfd named through
   /proc/self/fd (a regular file: fstat and fopen behave as for a file on disk).  Initialise with
   FZ_FILE_INIT.  The readers are called directly, so the path needs no extension. */
typedef struct fz_file {
    int fd;
    char path[64];
} fz_file;
#define FZ_FILE_INIT {-1, ""}

static inline void fz_file_write(fz_file *f, const uint8_t *data, size_t size)
{
    if (f->fd < 0) {
        f->fd = memfd_create("rectic-fuzz", MFD_CLOEXEC);
        if (f->fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
    }
    if (ftruncate(f->fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(f->fd, data + done, size - done, (off_t)done);
        if (n <= 0) {
            perror("pwrite");
            abort();
        }
        done += (size_t)n;
    }
}

/* A tiny FuzzedDataProvider: consumes bytes from the front; past the end every read gives 0. */
typedef struct fz_reader {
    const uint8_t *p;
    size_t left;
} fz_reader;

static inline unsigned fz_byte(fz_reader *r)
{
    if (!r->left)
        return 0;
    r->left--;
    return *r->p++;
}

/* An integer in [0, n) (n <= 256). */
static inline unsigned fz_pick(fz_reader *r, unsigned n)
{
    return n ? fz_byte(r) % n : 0;
}

static inline double fz_double_bits(fz_reader *r)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | fz_byte(r);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

#endif

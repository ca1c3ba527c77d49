/*
 * wsource.c -- a matrix of weights delivered in chunks of doubles, in the order it is stored.  A float64
 * .npy in this machine's byte order can be mapped read-only (the network then uses it in place); every
 * other .npy is streamed through a small buffer, so that a conversion never holds the file in memory.
 */
#include "wsource.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_csv.h"
#include "io_file.h"
#include "mpi.h"

/* Chunk sizes are multiples of 3, so that a chunk of sparse weights holds whole (target, source, weight)
   rows. */
#define CHUNK_ITEMS (3 * 21845)      /* streaming buffer: ~64 Ki items */
#define MEM_CHUNK_ITEMS (3 * 349525) /* in memory: chunks only pace the progress reports */

/* Zeroes the source and names it. */
static void wsrc_init(rct_wsrc *s, const char *name)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->reads = 1;
}

/* Delivers every element (no part). */
static void whole(rct_wsrc *s)
{
    s->first = s->pos = 0;
    s->end = s->count;
    s->lo = 0;
    s->hi = s->rows;
    s->reads = 1;
}

/* Delivers rows lo .. hi-1 only. */
static void rows_part(rct_wsrc *s, long lo, long hi)
{
    s->lo = lo;
    s->hi = hi;
    s->first = s->pos = (size_t)lo * (size_t)s->cols;
    s->end = (size_t)hi * (size_t)s->cols;
}

void rct_wsrc_array(rct_wsrc *s, const double *data, long rows, long cols, const char *name)
{
    wsrc_init(s, name);
    s->mem = data;
    s->rows = rows;
    s->cols = cols;
    s->count = (size_t)rows * (size_t)cols;
    whole(s);
}

/* The rows of a part of a dense matrix of `rows` rows: rct_mpi_block's block (s->parts > 1, more than
   s->min_rows rows) or the rows asked (clipped to the matrix); 0 when the whole matrix is delivered. */
static int part_rows(const rct_wsrc *s, long rows, long *lo, long *hi)
{
    if (s->asked) {
        *lo = s->ask_lo < rows ? s->ask_lo : rows;
        *hi = s->ask_hi < rows ? s->ask_hi : rows;
        *hi = *hi > *lo ? *hi : *lo;
        return 1;
    }
    if (s->parts <= 1 || rows <= s->min_rows)
        return 0;
    rct_mpi_block(rows, s->parts, s->part, lo, hi);
    return 1;
}

/* Faults in the pages of bytes at p at once (advice: faults do the same, one by one). */
static void populate(unsigned char *p, size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), below = (size_t)p % page;
    if (bytes == 0)
        return;
#ifdef MADV_POPULATE_READ
    madvise(p - below, bytes + below, MADV_POPULATE_READ);
#else
    madvise(p - below, bytes + below, MADV_WILLNEED);
#endif
}

/* Maps the data of an open float64 .npy read-only (mem points at it): whole and at once (RCT_WSRC_MAP), or
   for passes that fault in each chunk and release it after (RCT_WSRC_PASS); 0, or -1 when it cannot be
   mapped (the caller streams it instead). */
static int map_npy(rct_wsrc *s, int map)
{
    struct stat st;
    const rct_npy_info *in = &s->info;
    if (in->kind != 'f' || in->size != 8 || in->swap || in->avail < 0 || in->offset % 8 != 0 ||
        fstat(fileno(s->f), &st) != 0 || !S_ISREG(st.st_mode) || s->count == 0)
        return -1;
    size_t len = (size_t)in->offset + s->count * 8;
    int flags = MAP_PRIVATE, part = s->first > 0 || s->end < s->count;
#ifdef MAP_POPULATE
    if (map == RCT_WSRC_MAP && !part)
        flags |= MAP_POPULATE; /* every page is read at once anyway (the finite check): fault them in bulk */
#endif
    void *p = mmap(NULL, len, PROT_READ, flags, fileno(s->f), 0);
    if (p == MAP_FAILED)
        return -1;
    s->map = p;
    s->map_len = len;
    s->mem = (const double *)(s->map + in->offset);
    s->pass = map == RCT_WSRC_PASS;
    if (part && map == RCT_WSRC_MAP) /* only the part's pages (a part of a page or two more) */
        populate(s->map + in->offset + s->first * 8, (s->end - s->first) * 8);
    return 0;
}

/* A pass over a mapped file about to hand out elements [pos, pos + k): the pages of the elements before
   pos leave the process (the file stays in the page cache: the peak memory holds one chunk of it), those
   of the chunk are faulted in at once. */
static void pass_chunk(rct_wsrc *s, size_t k)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), at = (size_t)s->info.offset + s->pos * 8;
    size_t below = at / page * page;
    if (below > s->released) {
        madvise(s->map + s->released, below - s->released, MADV_DONTNEED);
        s->released = below;
    }
    populate(s->map + at, k * 8);
}

/* Makes the streaming buffers hold at least `items` items; 0, or -1 when out of memory. */
static int reserve(rct_wsrc *s, size_t items)
{
    if (items <= s->cap)
        return 0;
    unsigned char *raw = realloc(s->raw, items * (size_t)s->info.size);
    if (raw)
        s->raw = raw;
    double *buf = raw ? realloc(s->buf, items * sizeof *buf) : NULL;
    if (!buf)
        return -1;
    s->buf = buf;
    s->cap = items;
    return 0;
}

/* Opens a .npy file: mapped when asked and possible, else streamed through a buffer; an unseekable one
   (a pipe) is read whole. */
static int open_npy(rct_wsrc *s, const char *path, int map, int fortran_ok, int dense, rct_err *err)
{
    int rc = rct_npy_open(path, &s->f, &s->info, fortran_ok, err);
    if (rc)
        return rc;
    s->rows = s->info.rows;
    s->cols = s->info.cols;
    s->fortran = s->info.fortran;
    s->count = (size_t)s->rows * (size_t)s->cols;
    whole(s);
    if (s->info.avail < 0) { /* cannot read it twice: hold it */
        fclose(s->f);
        s->f = NULL;
        rct_matrix m;
        if ((rc = rct_npy_read(path, &m, err)))
            return rc;
        s->mem = s->owned = m.data;
        return 0;
    }
    long lo = 0, hi = 0;
    if (dense && !s->fortran && part_rows(s, s->rows, &lo, &hi))
        rows_part(s, lo, hi);
    if (map && map_npy(s, map) == 0)
        return 0;
    if (s->first > 0 && fseek(s->f, s->info.offset + (long)(s->first * (size_t)s->info.size), SEEK_SET) != 0)
        return rct_errf(err, RECTIC_EIO, "%s: cannot read its rows %ld to %ld: %s", path, lo + 1, hi, strerror(errno));
    return reserve(s, CHUNK_ITEMS) ? rct_oom(err) : 0;
}

/* rct_wsrc_open, or its part (s->parts > 1). */
static int open_file(rct_wsrc *s, const char *path, int map, int fortran_ok, long cols_if_empty, rct_err *err)
{
    struct stat st;
    if (cols_if_empty > 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        s->cols = cols_if_empty; /* no entries */
        return 0;
    }
    int dense = cols_if_empty == 0;
    if (rct_is_npy_path(path))
        return open_npy(s, path, map, fortran_ok, dense, err);
    rct_matrix m;
    long lo = 0, hi = 0;
    int part = dense && (s->parts > 1 || s->asked);
    int rc = s->asked && dense ? rct_csv_read_rows(path, s->ask_lo, s->ask_hi, &m, err)
             : part            ? rct_csv_read_part(path, s->parts, s->part, s->min_rows, &m, &lo, &hi, err)
                               : rct_matrix_read(path, &m, err);
    if (rc)
        return rc;
    s->mem = s->owned = m.data;
    s->rows = m.rows;
    s->cols = m.cols;
    s->count = (size_t)m.rows * (size_t)m.cols;
    whole(s);
    if (s->asked && dense && part_rows(s, m.rows, &lo, &hi))
        rows_part(s, lo, hi);
    else if (part && m.rows == m.cols) /* (else refused by the caller, which reads nothing) */
        rows_part(s, lo, hi);
    return 0;
}

int rct_wsrc_open(rct_wsrc *s, const char *path, int map, int fortran_ok, long cols_if_empty, rct_err *err)
{
    wsrc_init(s, path);
    return open_file(s, path, map, fortran_ok, cols_if_empty, err);
}

int rct_wsrc_open_part(rct_wsrc *s, const char *path, int map, int fortran_ok, long cols_if_empty, int parts,
                       int part, long min_rows, rct_err *err)
{
    wsrc_init(s, path);
    s->parts = parts;
    s->part = part;
    s->min_rows = min_rows;
    return open_file(s, path, map, fortran_ok, cols_if_empty, err);
}

int rct_wsrc_open_rows(rct_wsrc *s, const char *path, int map, long lo, long hi, rct_err *err)
{
    wsrc_init(s, path);
    s->asked = 1;
    s->ask_lo = lo;
    s->ask_hi = hi;
    return open_file(s, path, map, 1, 0, err);
}

void rct_wsrc_remote(rct_wsrc *s, const char *path, long cols, int parts, int part, long min_rows)
{
    wsrc_init(s, path);
    s->cols = cols;
    s->parts = parts;
    s->part = part;
    s->min_rows = min_rows;
    s->scatter = 1;
}

int rct_wsrc_next(rct_wsrc *s, const double **chunk, size_t *k, rct_err *err)
{
    return rct_wsrc_next_max(s, 0, chunk, k, err);
}

int rct_wsrc_next_max(rct_wsrc *s, size_t max, const double **chunk, size_t *k, rct_err *err)
{
    size_t left = s->end - s->pos;
    *chunk = NULL;
    *k = 0;
    if (left == 0)
        return 0;
    if (s->mem) {
        size_t most = max ? max : MEM_CHUNK_ITEMS;
        *k = left < most ? left : most;
        if (s->pass)
            pass_chunk(s, *k);
        *chunk = s->mem + s->pos;
        s->pos += *k;
        s->delivered += *k;
        return 0;
    }
    size_t most = max ? max : CHUNK_ITEMS, want = left < most ? left : most;
    if (reserve(s, want))
        return rct_oom(err);
    int plain = s->info.kind == 'f' && s->info.size == 8 && !s->info.swap; /* read straight as doubles */
    size_t got = fread(plain ? (void *)s->buf : s->raw, (size_t)s->info.size, want, s->f);
    if (got < want)
        return ferror(s->f) ? rct_errf(err, RECTIC_EIO, "%s: read error: %s", s->name, strerror(errno))
                            : rct_errf(err, RECTIC_EIO, "%s: the file became shorter while it was read", s->name);
    if (!plain)
        rct_npy_convert(s->raw, got, &s->info, s->buf);
    *chunk = s->buf;
    *k = got;
    s->pos += got;
    s->delivered += got;
    return 0;
}

int rct_wsrc_rewind(rct_wsrc *s, rct_err *err)
{
    s->pos = s->first;
    s->reads++;
    s->released = 0; /* what a pass released is faulted in again when read */
    if (s->f && !s->mem && fseek(s->f, s->info.offset + (long)(s->first * (size_t)s->info.size), SEEK_SET) != 0)
        return rct_errf(err, RECTIC_EIO, "%s: cannot read it again: %s", s->name, strerror(errno));
    return 0;
}

void rct_wsrc_close(rct_wsrc *s)
{
    if (s->map)
        munmap(s->map, s->map_len);
    if (s->f)
        fclose(s->f);
    free(s->owned);
    free(s->bounds);
    free(s->raw);
    free(s->buf);
    memset(s, 0, sizeof *s);
}

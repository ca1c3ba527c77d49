/*
 * io_file.c -- the matrix type, format dispatch by extension, atomic output files.
 */
#include "io_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io_csv.h"
#include "io_npy.h"

/* Frees the matrix data and zeroes the struct. */
void rct_matrix_free(rct_matrix *m)
{
    if (!m)
        return;
    free(m->data);
    m->data = NULL;
    m->rows = m->cols = 0;
}

/* Whether path ends in ".npy", ignoring case. */
int rct_is_npy_path(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".npy") == 0;
}

/* Reads a matrix from a .npy file (by extension) or else from CSV. */
int rct_matrix_read(const char *path, rct_matrix *m, rct_err *err)
{
    m->rows = m->cols = 0;
    m->data = NULL;
    if (!path || !*path)
        return rct_errf(err, RECTIC_EINVAL, "no file name given for a matrix");
    if (rct_is_npy_path(path))
        return rct_npy_read(path, m, err);
    return rct_csv_read(path, m, err);
}

/* Builds the temporary name "<dir>/.<base>.<pid>-<n>.tmp" for path (NULL when out of memory). */
static char *tmp_name(const char *path, unsigned long n)
{
    static const size_t max_base = 120; /* keeps the name below NAME_MAX for long bases */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    size_t baselen = strlen(base);
    if (baselen > max_base)
        baselen = max_base;
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_putn(&b, path, dirlen);
    rct_buf_putc(&b, '.');
    rct_buf_putn(&b, base, baselen);
    rct_buf_printf(&b, ".%ld-%lx.tmp", (long)getpid(), n);
    return rct_buf_take(&b);
}

/* Opens a temporary file next to path for writing; commit renames it over path. */
int rct_afile_open(rct_afile *a, const char *path, rct_err *err)
{
    static atomic_ulong counter;
    a->f = NULL;
    a->path = a->tmp = NULL;
    if (!path || !*path)
        return rct_errf(err, RECTIC_EINVAL, "no output file name given");
    size_t len = strlen(path);
    struct stat st;
    if (path[len - 1] == '/' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        return rct_errf(err, RECTIC_EIO, "%s: cannot write: Is a directory", path);
    a->path = rct_strdup(path);
    if (!a->path)
        return rct_oom(err);
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long n = (atomic_fetch_add(&counter, 1) << 20) ^ (unsigned long)ts.tv_nsec;
        free(a->tmp);
        a->tmp = tmp_name(path, n & 0xffffffffUL);
        if (!a->tmp) {
            rct_afile_abort(a);
            return rct_oom(err);
        }
        fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        rct_errf(err, RECTIC_EIO, "%s: cannot write: %s", path, strerror(e));
        free(a->tmp);
        a->tmp = NULL; /* not ours: never unlink it */
        rct_afile_abort(a);
        return RECTIC_EIO;
    }
    a->f = fdopen(fd, "w");
    if (!a->f) {
        close(fd);
        rct_afile_abort(a);
        return rct_oom(err);
    }
    return RECTIC_OK;
}

/* Forgets the files and frees the names, leaving the struct zeroed. */
static void afile_clear(rct_afile *a)
{
    free(a->path);
    free(a->tmp);
    a->f = NULL;
    a->path = a->tmp = NULL;
}

/* Flushes, fsyncs (RECTIC_FSYNC=1) and closes the temporary file, keeping it under its temporary name for
   the caller to rename; on any error removes it.  *sync receives whether syncing was asked for. */
static int afile_close(rct_afile *a, int *sync, rct_err *err)
{
    if (!a->f || !a->path || !a->tmp) {
        rct_afile_abort(a);
        return rct_errf(err, RECTIC_EINVAL, "commit of an output file that is not open");
    }
    int e = 0;
    errno = 0;
    if (fflush(a->f) != 0 || ferror(a->f))
        e = errno ? errno : EIO;
    /* Durability against power loss is opt-in (RECTIC_FSYNC=1): the rename alone already guarantees that
       a reader never sees a half-written file, and syncing costs milliseconds per file. */
    const char *want = getenv("RECTIC_FSYNC");
    *sync = want && *want && strcmp(want, "0") != 0;
    if (!e && *sync && fsync(fileno(a->f)) != 0 && errno != EINVAL && errno != EROFS)
        e = errno; /* EINVAL/EROFS: the file cannot be synced (a pipe, a special file system) */
    if (fclose(a->f) != 0 && !e)
        e = errno ? errno : EIO;
    a->f = NULL;
    if (e) {
        unlink(a->tmp);
        rct_errf(err, RECTIC_EIO, "%s: write failed: %s", a->path, strerror(e));
        afile_clear(a);
        return RECTIC_EIO;
    }
    return RECTIC_OK;
}

/* Closes the temporary file complete (see afile_close); a->tmp and a->path stay for the caller. */
int rct_afile_close(rct_afile *a, rct_err *err)
{
    int sync;
    return afile_close(a, &sync, err);
}

/* Syncs the directory holding path (best effort: not every file system can sync a directory). */
static void sync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? rct_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : rct_strdup(".");
    if (dir) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
}

/* Flushes, fsyncs, closes and renames the temporary file over the path; on any error removes it. */
int rct_afile_commit(rct_afile *a, rct_err *err)
{
    int sync, rc = afile_close(a, &sync, err);
    if (rc)
        return rc;
    if (rename(a->tmp, a->path) != 0) {
        int e = errno;
        unlink(a->tmp);
        rct_errf(err, RECTIC_EIO, "%s: write failed: %s", a->path, strerror(e));
        afile_clear(a);
        return RECTIC_EIO;
    }
    if (sync) /* make the rename durable too */
        sync_dir_of(a->path);
    afile_clear(a);
    return RECTIC_OK;
}

/* Closes and removes the temporary file; path is left untouched. */
void rct_afile_abort(rct_afile *a)
{
    if (!a)
        return;
    if (a->f)
        fclose(a->f);
    if (a->tmp)
        unlink(a->tmp);
    afile_clear(a);
}

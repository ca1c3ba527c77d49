/*
 * outset.c -- output sets: a run's files are written under temporary names, then committed together with
 * meta.json (the record of the set: every file with its size) under a lock on the folder, so that a
 * folder holds one complete set with its meta.json, or no meta.json at all (an interrupted commit).
 *
 * The commit, holding an flock on DIR/.rectic.lock (a second writer waits for it):
 *   1. reads the names of the previous set from DIR/meta.json (or from the journal of an interrupted commit);
 *   2. writes the journal DIR/.rectic-commit.json naming the files of both sets;
 *   3. removes meta.json, then the previous set's files that the new set lacks;
 *   4. renames the new files into place, then the new meta.json; 5. removes the journal.
 * Only names listed in a record rectic wrote are ever removed.
 */
#include "outset.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "rectic.h"

#define LOCK_NAME ".rectic.lock"
#define JOURNAL_NAME ".rectic-commit.json"
#define MAX_RECORD_BYTES (16L << 20) /* a meta.json larger than this is not one of ours */

void rct_outset_init(rct_outset *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    s->dir = dir;
}

/* Frees the names of the set (the files stay). */
static void outset_free(rct_outset *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->files[i].name);
        free(s->files[i].tmp);
    }
    free(s->files);
    s->files = NULL;
    s->n = s->cap = 0;
}

void rct_outset_abort(rct_outset *s)
{
    for (int i = 0; i < s->n; i++)
        unlink(s->files[i].tmp);
    outset_free(s);
}

int rct_outset_add(rct_outset *s, rct_afile *a, rct_err *err)
{
    int rc = rct_afile_close(a, err);
    if (rc)
        return rc;
    struct stat st;
    const char *slash = strrchr(a->path, '/');
    size_t cap = (size_t)s->cap;
    if (s->n == s->cap && rct_grow(&s->files, &cap, (size_t)s->n + 1, sizeof *s->files)) {
        rct_afile_abort(a);
        return rct_oom(err);
    }
    s->cap = (int)cap;
    rct_outfile *f = &s->files[s->n];
    f->name = rct_strdup(slash ? slash + 1 : a->path);
    f->tmp = a->tmp;
    f->size = stat(a->tmp, &st) == 0 ? (long long)st.st_size : 0;
    a->tmp = NULL; /* the set owns the temporary file now */
    rct_afile_abort(a);
    if (!f->name) {
        unlink(f->tmp);
        free(f->tmp);
        return rct_oom(err);
    }
    s->n++;
    return RECTIC_OK;
}

/* Appends s as a JSON string (names are plain, but quotes and control characters are escaped anyway). */
static void json_name(rct_buf *b, const char *s)
{
    rct_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rct_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            rct_buf_printf(b, "\\u%04x", c);
        else
            rct_buf_putc(b, (char)c);
    }
    rct_buf_putc(b, '"');
}

/* The text of a record: "{", the members, "files": [{"name", "size"}...] of names (sizes when known), "}". */
static char *record_text(const char *members, char *const *names, const long long *sizes, int n)
{
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_puts(&b, "{\n");
    if (members && *members) {
        rct_buf_puts(&b, members);
        rct_buf_puts(&b, ",\n");
    }
    rct_buf_puts(&b, "  \"files\": [");
    for (int i = 0; i < n; i++) {
        rct_buf_puts(&b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
        json_name(&b, names[i]);
        if (sizes)
            rct_buf_printf(&b, ", \"size\": %lld", sizes[i]);
        rct_buf_putc(&b, '}');
    }
    rct_buf_puts(&b, n ? "\n  ]\n}\n" : "]\n}\n");
    return rct_buf_take(&b);
}

/* Is name one that a record may make us remove: a plain file name in the folder, not hidden, not the record? */
static int removable(const char *name)
{
    return *name && *name != '.' && !strchr(name, '/') && strcmp(name, "meta.json") != 0;
}

/* Reads the file names listed under "files" in the record at path: *names (n of them; NULL, 0 when the file
   is missing or lists none).  Names with escapes are left out: rectic never writes such names. */
static int read_record(const char *path, char ***names, int *n)
{
    *names = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    char *text = malloc(MAX_RECORD_BYTES + 1);
    ssize_t got = text ? read(fd, text, MAX_RECORD_BYTES) : -1;
    close(fd);
    if (got < 0) {
        free(text);
        return -1;
    }
    text[got] = 0;
    const char *p = strstr(text, "\"files\": [");
    size_t cap = 0;
    while (p && (p = strstr(p, "{\"name\": \""))) {
        p += 10;
        size_t len = strcspn(p, "\"\\");
        if (p[len] == '"' && (size_t)*n + 1 > cap && rct_grow(names, &cap, (size_t)*n + 1, sizeof **names))
            break;
        char *name = p[len] == '"' ? rct_strndup(p, len) : NULL;
        if (name && removable(name))
            (*names)[(*n)++] = name;
        else
            free(name);
        p += len;
    }
    free(text);
    return 0;
}

/* Frees a list of names. */
static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Does the set hold a file named name? */
static int in_set(const rct_outset *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->files[i].name, name) == 0)
            return 1;
    return 0;
}

/* dir/name in a new string. */
static char *join(const char *dir, const char *name)
{
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_printf(&b, "%s/%s", dir, name);
    return rct_buf_take(&b);
}

/* Writes text to dir/name through a temporary file, renamed into place; when tmp is not NULL the file
   stays under its temporary name, handed back in *tmp. */
static int write_small(const char *dir, const char *name, const char *text, char **tmp, rct_err *err)
{
    char *path = join(dir, name);
    if (!path || !text) {
        free(path);
        return rct_oom(err);
    }
    rct_afile a;
    int rc = rct_afile_open(&a, path, err);
    free(path);
    if (rc)
        return rc;
    if (fputs(text, a.f) < 0) {
        rct_afile_abort(&a);
        return rct_errf(err, RECTIC_EIO, "%s/%s: write error: %s", dir, name, strerror(errno ? errno : EIO));
    }
    if (!tmp)
        return rct_afile_commit(&a, err);
    if ((rc = rct_afile_close(&a, err)))
        return rc;
    *tmp = a.tmp;
    a.tmp = NULL;
    rct_afile_abort(&a);
    return RECTIC_OK;
}

/* Writes the journal: the names of the previous set and of the new one. */
static int write_journal(const rct_outset *s, char **old, int n_old, rct_err *err)
{
    char **all = calloc((size_t)(s->n + n_old) + 1, sizeof *all);
    if (!all)
        return rct_oom(err);
    for (int i = 0; i < s->n; i++)
        all[i] = s->files[i].name;
    for (int i = 0; i < n_old; i++)
        all[s->n + i] = old[i];
    char *text = record_text(NULL, all, NULL, s->n + n_old);
    free(all);
    int rc = write_small(s->dir, JOURNAL_NAME, text, NULL, err);
    free(text);
    return rc;
}

/* Takes the folder's lock (waiting for another writer); returns the descriptor to close, or -1. */
static int lock_dir(const char *dir, rct_err *err)
{
    char *path = join(dir, LOCK_NAME);
    int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666) : -1;
    int e = errno;
    while (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0)
        rct_errf(err, RECTIC_EIO, "%s: cannot lock the output folder: %s", path ? path : dir, strerror(e));
    free(path);
    return fd;
}

/* The process id in a temporary name ".BASE.PID-HEX.tmp" of io_file.c, or 0 when name is not one. */
static long temp_owner(const char *name)
{
    size_t len = strlen(name);
    if (name[0] != '.' || len < 8 || strcmp(name + len - 4, ".tmp") != 0)
        return 0;
    const char *end = name + len - 4, *dot = end - 1;
    while (dot > name && *dot != '.')
        dot--;
    if (dot == name || dot[1] < '1' || dot[1] > '9')
        return 0;
    char *dash;
    long pid = strtol(dot + 1, &dash, 10);
    if (*dash != '-' || dash + 1 == end || strspn(dash + 1, "0123456789abcdef") != (size_t)(end - dash - 1))
        return 0;
    return pid;
}

/* Removes temporary files left in dir by rectic processes that no longer exist (killed while writing). */
static void remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        long pid = temp_owner(e->d_name);
        if (pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            char *path = join(dir, e->d_name);
            if (path)
                unlink(path);
            free(path);
        }
    }
    if (d)
        closedir(d);
}

/* Step 3 and 4 of the commit (the lock held, the journal written). */
static int swap_files(rct_outset *s, char **old, int n_old, char *meta_tmp, rct_err *err)
{
    char *meta = join(s->dir, "meta.json");
    if (!meta || (unlink(meta) != 0 && errno != ENOENT)) {
        int e = errno;
        free(meta);
        return rct_errf(err, RECTIC_EIO, "%s/meta.json: cannot remove the previous record: %s", s->dir, strerror(e));
    }
    for (int i = 0; i < n_old; i++) {
        char *path = in_set(s, old[i]) ? NULL : join(s->dir, old[i]);
        if (path)
            unlink(path); /* a file of the previous set that this one lacks */
        free(path);
    }
    int rc = RECTIC_OK;
    for (int i = 0; i < s->n && !rc; i++) {
        char *path = join(s->dir, s->files[i].name);
        if (!path || rename(s->files[i].tmp, path) != 0)
            rc = rct_errf(err, RECTIC_EIO, "%s: cannot rename into place: %s", path ? path : s->dir, strerror(errno));
        else
            s->files[i].tmp[0] = 0; /* renamed: nothing left to remove */
        free(path);
    }
    if (!rc && rename(meta_tmp, meta) != 0)
        rc = rct_errf(err, RECTIC_EIO, "%s: cannot rename into place: %s", meta, strerror(errno));
    free(meta);
    return rc;
}

int rct_outset_commit(rct_outset *s, const char *members, rct_err *err)
{
    char **names = calloc((size_t)s->n + 1, sizeof *names);
    long long *sizes = calloc((size_t)s->n + 1, sizeof *sizes);
    for (int i = 0; names && sizes && i < s->n; i++)
        names[i] = s->files[i].name, sizes[i] = s->files[i].size;
    char *text = names && sizes ? record_text(members, names, sizes, s->n) : NULL;
    free(names);
    free(sizes);
    char *meta_tmp = NULL;
    int rc = write_small(s->dir, "meta.json", text, &meta_tmp, err); /* before the lock: may need room */
    free(text);
    int lock = rc ? -1 : lock_dir(s->dir, err);
    if (lock < 0) {
        if (meta_tmp)
            unlink(meta_tmp);
        free(meta_tmp);
        rct_outset_abort(s);
        return rc ? rc : RECTIC_EIO;
    }
    char *meta = join(s->dir, "meta.json"), *journal = join(s->dir, JOURNAL_NAME), **old = NULL;
    int n_old = 0;
    struct stat st;
    int had_meta = meta && lstat(meta, &st) == 0;
    if (!meta || !journal || read_record(had_meta ? meta : journal, &old, &n_old) != 0)
        rc = rct_errf(err, RECTIC_EIO, "%s/meta.json: cannot read the previous record: %s", s->dir, strerror(errno));
    if (!rc)
        rc = write_journal(s, old, n_old, err);
    if (!rc && !(rc = swap_files(s, old, n_old, meta_tmp, err)))
        unlink(journal);
    if (rc)
        unlink(meta_tmp);
    if (!rc)
        remove_stale_temps(s->dir);
    close(lock);
    free_names(old, n_old);
    free(meta);
    free(journal);
    free(meta_tmp);
    for (int i = 0; i < s->n; i++)
        if (s->files[i].tmp[0])
            unlink(s->files[i].tmp);
    outset_free(s);
    return rc;
}

int rct_outset_check_dir(const char *dir, double bytes, rct_err *err)
{
    char failed[4096];
    int e = rct_mkdirs(dir, 0777, failed, sizeof failed);
    if (e == ENOTDIR)
        return rct_errf(err, RECTIC_EIO, "-o %s: %s is not a directory", dir, failed);
    if (e)
        return rct_errf(err, RECTIC_EIO, "-o %s: cannot create directory %s: %s", dir, failed, strerror(e));
    char *probe = join(dir, "rectic-probe");
    rct_afile a;
    int rc = probe ? rct_afile_open(&a, probe, err) : rct_oom(err);
    free(probe);
    if (rc) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return rct_errf(err, RECTIC_EIO, "-o %s: cannot write in the output folder (%s)", dir, why);
    }
    rct_afile_abort(&a);
    struct statvfs fs;
    double avail = statvfs(dir, &fs) == 0 ? (double)fs.f_bavail * (double)fs.f_frsize : -1;
    if (avail >= 0 && avail < bytes)
        return rct_errf(err, RECTIC_EIO, "-o %s: the outputs of this run need at least %.1f MiB but the file system "
                                         "there has %.1f MiB free", dir, bytes / 1048576.0, avail / 1048576.0);
    return RECTIC_OK;
}

int rectic_output_incomplete(const char *dir)
{
    char *meta = dir ? join(dir, "meta.json") : NULL, *journal = dir ? join(dir, JOURNAL_NAME) : NULL;
    struct stat st;
    int incomplete = meta && journal && lstat(meta, &st) != 0 && lstat(journal, &st) == 0;
    free(meta);
    free(journal);
    return incomplete;
}

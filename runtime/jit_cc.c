/*
 * jit_cc.c -- the optimizing backend: the same generated source compiled by the system C compiler into
 * a shared object, cached on disk by content hash ($XDG_CACHE_HOME/rectic) and loaded with dlopen.
 *
 * The compiler runs as `sh -c "cc FLAGS -o TMP SRC && <seal TMP> && mv -f TMP SO"` on names private to
 * the call, so the object lands in the cache whole and sealed (cache.h) even when rectic does not wait for
 * it (tiered mode, or a run that ended first), and concurrent compilations never share a file.
 */
#include "jit_cc.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"

extern char **environ;

#define DEFAULT_CFLAGS "-O3 -march=native -fno-trapping-math -ffp-contract=off -fopenmp -fPIC -shared"

struct rct_cc {
    void *handle;
};

/* FNV-1a 64-bit hash, continued from h. */
static unsigned long long fnv(unsigned long long h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The compiler and its flags (RECTIC_CC, RECTIC_CFLAGS override). */
static const char *compiler(void)
{
    const char *cc = getenv("RECTIC_CC");
    return cc && *cc ? cc : "cc";
}

static const char *cflags(void)
{
    const char *f = getenv("RECTIC_CFLAGS");
    return f && *f ? f : DEFAULT_CFLAGS;
}


int rct_cc_available(void)
{
    const char *cc = compiler();
    if (strchr(cc, '/'))
        return access(cc, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[PATH_MAX];
    for (const char *p = path; *p;) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, cc);
        if (n && access(buf, X_OK) == 0)
            return 1;
        p += n + (colon != NULL);
    }
    return 0;
}


/* The cache key of src under the current compiler and flags (the "2" retires objects without a record). */
static unsigned long long cache_key(const char *src)
{
    return fnv(fnv(fnv(fnv(1469598103934665603ULL, "rectic-cache-2"), compiler()), cflags()), src);
}

/* Reads the key that the object at so is named after (kernel-KEY.so) into *key: 1, or 0 when so is not so
   named. */
static int key_of(const char *so, unsigned long long *key)
{
    const char *base = strrchr(so, '/') ? strrchr(so, '/') + 1 : so;
    char tail[4] = "";
    return sscanf(base, "kernel-%16llx.%3s", key, tail) == 2 && strcmp(tail, "so") == 0 &&
           strlen(base) == strlen("kernel-.so") + 16;
}

int rct_cc_paths(const char *src, char *so, size_t size, rct_err *err)
{
    char dir[PATH_MAX - 64];
    int rc = rct_cache_dir(dir, sizeof dir, err);
    if (!rc)
        snprintf(so, size, "%s/kernel-%016llx.so", dir, cache_key(src));
    return rc;
}

/* Creates path (which must not exist: never through a symbolic link) for reading and writing. */
static int create_private(const char *path)
{
    return open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* Writes the source of the object so into c_path: src, then the symbol holding the object's cache key. */
static int write_source(const char *c_path, const char *src, const char *so, rct_err *err)
{
    unsigned long long key;
    if (!key_of(so, &key))
        return rct_errf(err, RECTIC_EJIT, "%s is not a name in the compilation cache", so);
    int fd = create_private(c_path);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        if (fd >= 0)
            close(fd);
        return rct_errf(err, RECTIC_EJIT, "cannot write %s: %s", c_path, strerror(errno));
    }
    int bad = fputs(src, f) < 0;
    bad |= fprintf(f, "\n/* the cache key this object was built for (rectic checks it after loading) */\n"
                      "__attribute__((visibility(\"default\"))) const unsigned long long %s = 0x%016llxULL;\n",
                   RCT_CACHE_KEY_SYMBOL, key) < 0;
    if (fclose(f) != 0 || bad) {
        unlink(c_path);
        return rct_errf(err, RECTIC_EJIT, "cannot write %s", c_path);
    }
    return 0;
}

/* The shell command that builds so from the source `base`.c: compile into `base`.tmp, seal it (its size and
   checksum appended), rename it into place; keep the compiler's messages (on stderr) as so.log on failure. */
static int build_command(rct_buf *cmd, const char *so, const char *base, int detach)
{
    char c_path[PATH_MAX], tmp[PATH_MAX], log[PATH_MAX], so_log[PATH_MAX];
    snprintf(c_path, sizeof c_path, "%s.c", base);
    snprintf(tmp, sizeof tmp, "%s.tmp", base);
    snprintf(log, sizeof log, "%s.log", base);
    snprintf(so_log, sizeof so_log, "%s.log", so);
    if (strchr(so, '\'') || strchr(base, '\''))
        return -1;
    if (detach) /* the compiler outlives this process if it must: nobody waits for it */
        rct_buf_puts(cmd, "(");
    if (detach && access("/usr/bin/nice", X_OK) == 0) /* and yields the CPU to the steps of the run */
        rct_buf_puts(cmd, "/usr/bin/nice -n 19 ");
    rct_buf_printf(cmd, "%s %s -o '%s' '%s' && ", compiler(), cflags(), tmp, c_path); /* the user's settings */
    char quoted[PATH_MAX + 2];
    snprintf(quoted, sizeof quoted, "'%s'", tmp);
    rct_cache_seal_cmd(cmd, quoted);
    rct_buf_printf(cmd, " && mv -f '%s' '%s'; rct_rc=$?; rm -f '%s' '%s'; ", tmp, so, c_path, tmp);
    rct_buf_printf(cmd, "if [ $rct_rc = 0 ]; then rm -f '%s'; else mv -f '%s' '%s'; fi; exit $rct_rc", log, log,
                   so_log);
    if (detach)
        rct_buf_puts(cmd, ") </dev/null >/dev/null &");
    return cmd->failed ? -1 : 0;
}

int rct_cc_start(const char *src, const char *so, int detach, int *pid_out, int *log_out, rct_err *err)
{
    char base[PATH_MAX - 8], c_path[PATH_MAX], log[PATH_MAX];
    rct_cache_unique(base, sizeof base, so, "");
    snprintf(c_path, sizeof c_path, "%s.c", base);
    snprintf(log, sizeof log, "%s.log", base);
    int rc = write_source(c_path, src, so, err);
    if (rc)
        return rc;
    int log_fd = create_private(log);
    rct_buf cmd;
    rct_buf_init(&cmd);
    if (log_fd < 0)
        rc = rct_errf(err, RECTIC_EJIT, "cannot write %s: %s", log, strerror(errno));
    else if (build_command(&cmd, so, base, detach))
        rc = rct_errf(err, RECTIC_EJIT, "the cache path %s cannot be quoted for the shell", so);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (!rc) { /* the shell's stderr (the compiler's messages) goes to the log, opened here without a link */
        posix_spawn_file_actions_adddup2(&fa, log_fd, 2);
        char *argv[] = {"sh", "-c", cmd.s, NULL};
        pid_t pid;
        int e = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
        if (e)
            rc = rct_errf(err, RECTIC_EJIT, "cannot start the C compiler: %s", strerror(e));
        else
            *pid_out = (int)pid; /* detached: the shell, which returns at once, leaving the compiler running */
    }
    posix_spawn_file_actions_destroy(&fa);
    rct_buf_free(&cmd);
    if (rc) {
        unlink(c_path);
        if (log_fd >= 0)
            unlink(log);
    }
    if (log_fd >= 0 && (rc || !log_out))
        close(log_fd);
    else if (log_out)
        *log_out = log_fd;
    return rc;
}

int rct_cc_build(const char *src, const char *so, rct_err *err)
{
    if (!rct_cc_available())
        return rct_errf(err, RECTIC_EJIT, "spec.backend cc: no C compiler '%s' on the PATH (RECTIC_CC names another)",
                        compiler());
    int pid, log_fd = -1, status = 0;
    int rc = rct_cc_start(src, so, 0, &pid, &log_fd, err);
    if (rc)
        return rc;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char msg[1024];
        ssize_t n = pread(log_fd, msg, sizeof msg - 1, 0);
        msg[n > 0 ? n : 0] = '\0';
        rc = rct_errf(err, RECTIC_EJIT, "%s %s failed on the generated kernel:\n%s", compiler(), cflags(), msg);
    }
    close(log_fd);
    return rc;
}

void rct_cc_reap(int *pid, int wait)
{
    if (*pid <= 0)
        return;
    pid_t r = waitpid((pid_t)*pid, NULL, wait ? 0 : WNOHANG);
    if (r != 0) /* reaped, or not ours to reap any more (ECHILD) */
        *pid = 0;
}

/* dlopens the checked object (open as fd) under a fresh name of its own, a hard link made for the call:
   the dynamic loader reuses an object it has loaded under the same name, even one since replaced. */
static void *open_checked(const char *so, int fd, rct_err *err)
{
    char alias[PATH_MAX];
    rct_cache_unique(alias, sizeof alias, so, ".load");
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    /* the very file checked (its descriptor), else its name: in a private folder it is the same file */
    if (linkat(AT_FDCWD, self, AT_FDCWD, alias, AT_SYMLINK_FOLLOW) != 0 && link(so, alias) != 0) {
        rct_errf(err, RECTIC_EJIT, "cannot link %s to load it: %s", so, strerror(errno));
        return NULL;
    }
    /* RTLD_NODELETE: an OpenMP kernel leaves libgomp's worker threads behind, so the code must stay mapped */
    void *h = dlopen(alias, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h)
        rct_errf(err, RECTIC_EJIT, "the cached kernel %s cannot be loaded: %s", so, dlerror());
    unlink(alias);
    return h;
}

int rct_cc_openmp(void)
{
    return strstr(cflags(), "openmp") != NULL;
}

/* The kernels' OpenMP threads wait passively (sleep at once) between parallel regions unless the user chose
   (OMP_WAIT_POLICY or GOMP_SPINCOUNT set): spinning threads take the cores that the main thread's serial work
   and other processes need.  libgomp reads the environment once, when it is loaded with the first kernel
   built with OpenMP, so the setting must be made before; and setenv may not run while another thread reads
   the environment (glibc's getenv takes no lock: a host's threads building kernels at once crashed in it).
   So it is made once, when the program is loaded and has one thread, and only if libgomp is not loaded
   already (its settings made). */
__attribute__((constructor)) static void openmp_passive(void)
{
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT"))
        return;
    void *gomp = dlopen("libgomp.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (gomp) {
        dlclose(gomp);
        return;
    }
    setenv("OMP_WAIT_POLICY", "passive", 0);
}

int rct_cc_load(const char *so, const char *entry, rct_cc **out, void **fn, rct_err *err)
{
    *out = NULL;
    *fn = NULL;
    int fd;
    int st = rct_cache_open(so, &fd, err);
    if (st != RCT_OBJ_OK) {
        if (st == RCT_OBJ_DAMAGED)
            rct_cache_discard(so, -1);
        return st;
    }
    unsigned long long want = 0;
    key_of(so, &want);
    void *h = open_checked(so, fd, err);
    const unsigned long long *key = h ? dlsym(h, RCT_CACHE_KEY_SYMBOL) : NULL;
    void *f = h ? dlsym(h, entry) : NULL;
    if (h && (!key || *key != want))
        rct_errf(err, RECTIC_EJIT, "the cached kernel %s is damaged: it was built for another kernel (%s %016llx)",
                 so, key ? "key" : "no key", key ? *key : 0ULL);
    else if (h && !f)
        rct_errf(err, RECTIC_EJIT, "the cached kernel %s is damaged: it has no function %s", so, entry);
    int good = h && key && *key == want && f;
    rct_cc *cc = good ? calloc(1, sizeof *cc) : NULL;
    if (!cc) {
        if (h)
            dlclose(h);
        if (good)
            rct_oom(err); /* the object is sound: kept */
        else
            rct_cache_discard(so, fd);
        close(fd);
        return RCT_OBJ_DAMAGED;
    }
    close(fd);
    cc->handle = h;
    *out = cc;
    *fn = f;
    return RCT_OBJ_OK;
}

void rct_cc_free(rct_cc *cc)
{
    if (!cc)
        return;
    dlclose(cc->handle);
    free(cc);
}

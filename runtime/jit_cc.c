/*
 * jit_cc.c -- the optimizing backend: the same generated source compiled by the system C compiler into
 * a shared object, cached on disk by content hash ($XDG_CACHE_HOME/rectic) and loaded with dlopen.
 *
 * The compiler runs as `sh -c "cc FLAGS -o TMP SRC && mv -f TMP SO"`, so the object lands in the cache
 * atomically even when rectic does not wait for it (tiered mode, or a run that ended first).
 */
#include "jit_cc.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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


int rct_cc_cache_dir(char *out, size_t size)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(out, size, "%s/rectic", xdg);
    else if (home && *home)
        snprintf(out, size, "%s/.cache/rectic", home);
    else
        snprintf(out, size, "/tmp/rectic-cache-%ld", (long)getuid());
    char failed[PATH_MAX];
    return rct_mkdirs(out, 0700, failed, sizeof failed) ? -1 : 0;
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

int rct_cc_paths(const char *src, char *so, size_t size, rct_err *err)
{
    char dir[PATH_MAX - 64];
    if (rct_cc_cache_dir(dir, sizeof dir))
        return rct_errf(err, RECTIC_EJIT, "cannot create the compilation cache %s: %s", dir, strerror(errno));
    unsigned long long h = fnv(fnv(fnv(1469598103934665603ULL, compiler()), cflags()), src);
    snprintf(so, size, "%s/kernel-%016llx.so", dir, h);
    return 0;
}

/* Appends s to the command in single quotes (refusing quotes inside). */
static int quote(rct_buf *b, const char *s)
{
    if (strchr(s, '\''))
        return -1;
    rct_buf_printf(b, "'%s'", s);
    return 0;
}

int rct_cc_start(const char *src, const char *so, int detach, int *pid_out, rct_err *err)
{
    char c_path[PATH_MAX], tmp[PATH_MAX];
    snprintf(c_path, sizeof c_path, "%s.%ld.c", so, (long)getpid());
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", so, (long)getpid());
    FILE *f = fopen(c_path, "w");
    if (!f)
        return rct_errf(err, RECTIC_EJIT, "cannot write %s: %s", c_path, strerror(errno));
    int bad = fputs(src, f) < 0;
    if (fclose(f) != 0 || bad) {
        unlink(c_path);
        return rct_errf(err, RECTIC_EJIT, "cannot write %s", c_path);
    }
    rct_buf cmd;
    rct_buf_init(&cmd);
    if (detach) /* the compiler outlives this process if it must: nobody waits for it */
        rct_buf_puts(&cmd, "(");
    if (detach && access("/usr/bin/nice", X_OK) == 0) /* and yields the CPU to the steps of the run */
        rct_buf_puts(&cmd, "/usr/bin/nice -n 19 ");
    rct_buf_printf(&cmd, "%s %s -o ", compiler(), cflags()); /* the user's own settings, as a shell would */
    int q = quote(&cmd, tmp);
    rct_buf_putc(&cmd, ' ');
    q |= quote(&cmd, c_path);
    rct_buf_puts(&cmd, " 2>");
    q |= quote(&cmd, so);
    rct_buf_puts(&cmd, ".log && mv -f ");
    q |= quote(&cmd, tmp);
    rct_buf_putc(&cmd, ' ');
    q |= quote(&cmd, so);
    rct_buf_puts(&cmd, "; rm -f ");
    q |= quote(&cmd, c_path);
    if (detach)
        rct_buf_puts(&cmd, ") </dev/null >/dev/null 2>&1 &");
    if (q || cmd.failed) {
        rct_buf_free(&cmd);
        unlink(c_path);
        return rct_errf(err, RECTIC_EJIT, "the cache path %s cannot be quoted for the shell", so);
    }
    char *argv[] = {"sh", "-c", cmd.s, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
    rct_buf_free(&cmd);
    if (rc != 0) {
        unlink(c_path);
        return rct_errf(err, RECTIC_EJIT, "cannot start the C compiler: %s", strerror(rc));
    }
    *pid_out = (int)pid; /* detached: the shell, which returns at once, leaving the compiler in the background */
    return 0;
}

void rct_cc_reap(int *pid, int wait)
{
    if (*pid <= 0)
        return;
    pid_t r = waitpid((pid_t)*pid, NULL, wait ? 0 : WNOHANG);
    if (r != 0) /* reaped, or not ours to reap any more (ECHILD) */
        *pid = 0;
}

int rct_cc_load(const char *so, const char *entry, rct_cc **out, void **fn, rct_err *err)
{
    *out = NULL;
    *fn = NULL;
    /* RTLD_NODELETE: an OpenMP kernel leaves libgomp's worker threads behind, so the code must stay mapped */
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!h)
        return rct_errf(err, RECTIC_EJIT, "cannot load %s: %s", so, dlerror());
    void *f = dlsym(h, entry);
    if (!f) {
        dlclose(h);
        return rct_errf(err, RECTIC_EJIT, "%s has no function %s", so, entry);
    }
    rct_cc *cc = calloc(1, sizeof *cc);
    if (!cc) {
        dlclose(h);
        return rct_oom(err);
    }
    cc->handle = h;
    *out = cc;
    *fn = f;
    return 0;
}

int rct_cc_compile(const char *src, const char *entry, rct_cc **out, void **fn, int *cache_hit, rct_err *err)
{
    char so[PATH_MAX];
    int rc = rct_cc_paths(src, so, sizeof so, err);
    if (rc)
        return rc;
    *cache_hit = access(so, R_OK) == 0;
    if (!*cache_hit) {
        if (!rct_cc_available())
            return rct_errf(err, RECTIC_EJIT, "--backend cc: no C compiler '%s' on the PATH (RECTIC_CC names another)",
                            compiler());
        int pid, status;
        if ((rc = rct_cc_start(src, so, 0, &pid, err)))
            return rc;
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || access(so, R_OK) != 0) {
            char log[PATH_MAX + 8], msg[1024] = "";
            snprintf(log, sizeof log, "%s.log", so);
            FILE *f = fopen(log, "r");
            if (f) {
                size_t n = fread(msg, 1, sizeof msg - 1, f);
                msg[n] = '\0';
                fclose(f);
            }
            return rct_errf(err, RECTIC_EJIT, "%s %s failed on the generated kernel:\n%s", compiler(), cflags(), msg);
        }
    }
    return rct_cc_load(so, entry, out, fn, err);
}

void rct_cc_free(rct_cc *cc)
{
    if (!cc)
        return;
    dlclose(cc->handle);
    free(cc);
}

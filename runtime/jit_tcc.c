/*
 * jit_tcc.c -- the libtcc wrapper.  Debian's libtcc (0.9.27) has a two-argument tcc_relocate and global
 * state inside, so compilations are serialised with a mutex.
 */
#include "jit_tcc.h"

#include <libtcc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RECTIC_TCC_LIBDIR
#define RECTIC_TCC_LIBDIR "/usr/lib/x86_64-linux-gnu/tcc"
#endif

struct rct_jit {
    TCCState *s;
};

static pthread_mutex_t tcc_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct diag {
    char text[1536];
    size_t len;
} diag;

/* Collects TinyCC's error and warning messages. */
static void on_error(void *opaque, const char *msg)
{
    diag *d = opaque;
    size_t n = strlen(msg);
    if (d->len + n + 2 < sizeof d->text) {
        memcpy(d->text + d->len, msg, n);
        d->len += n;
        d->text[d->len++] = '\n';
        d->text[d->len] = '\0';
    }
}

/* Adds TinyCC's runtime library (libtcc1.a) when it is installed. */
static void add_runtime(TCCState *s)
{
    const char *dir = getenv("RECTIC_TCC_LIBDIR");
    if (!dir || !*dir)
        dir = RECTIC_TCC_LIBDIR;
    tcc_set_lib_path(s, dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/libtcc1.a", dir);
    if (access(path, R_OK) == 0)
        tcc_add_file(s, path);
}

int rct_jit_compile(const char *src, const rct_symbol *syms, const char *entry, rct_jit **out, void **fn,
                    rct_err *err)
{
    *out = NULL;
    *fn = NULL;
    rct_jit *jit = calloc(1, sizeof *jit);
    if (!jit)
        return rct_oom(err);
    diag d = {{0}, 0};
    int rc = 0;
    pthread_mutex_lock(&tcc_lock);
    jit->s = tcc_new();
    if (!jit->s) {
        rc = rct_oom(err);
        goto done;
    }
    tcc_set_error_func(jit->s, &d, on_error);
    tcc_set_options(jit->s, "-nostdlib -Wall");
    tcc_set_output_type(jit->s, TCC_OUTPUT_MEMORY);
    for (const rct_symbol *y = syms; y && y->name; y++)
        tcc_add_symbol(jit->s, y->name, y->addr);
    tcc_add_symbol(jit->s, "memcpy", (void *)memcpy);
    tcc_add_symbol(jit->s, "memset", (void *)memset);
    tcc_add_symbol(jit->s, "memmove", (void *)memmove);
    if (tcc_compile_string(jit->s, src) < 0) {
        rc = rct_errf(err, RECTIC_EJIT, "TinyCC could not compile the generated kernel (a bug in rectic; "
                                        "`rectic emit` shows the source):\n%s", d.text);
        goto done;
    }
    add_runtime(jit->s);
    if (tcc_relocate(jit->s, TCC_RELOCATE_AUTO) < 0) {
        rc = rct_errf(err, RECTIC_EJIT, "TinyCC could not link the generated kernel:\n%s", d.text);
        goto done;
    }
    *fn = tcc_get_symbol(jit->s, entry);
    if (!*fn)
        rc = rct_errf(err, RECTIC_EJIT, "generated code has no function %s", entry);
done:
    pthread_mutex_unlock(&tcc_lock);
    if (rc) {
        rct_jit_free(jit);
        return rc;
    }
    *out = jit;
    return 0;
}

void rct_jit_free(rct_jit *jit)
{
    if (!jit)
        return;
    if (jit->s) {
        pthread_mutex_lock(&tcc_lock);
        tcc_delete(jit->s);
        pthread_mutex_unlock(&tcc_lock);
    }
    free(jit);
}

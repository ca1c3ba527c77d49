/*
 * kernel_cpu.c -- chooses and builds a network's CPU kernel: TinyCC's, the system compiler's through the
 * cache (spec.backend cc), or auto (the cached object, else TinyCC's kernel now and cc's in the background).
 * A cache that cannot be trusted or an object found damaged is what turns into a warning here.
 */
#include "kernel_cpu.h"

#include <limits.h>
#include <string.h>

#include "backend.h"
#include "cache.h"
#include "network.h"

#define ENTRY "rectic_kernel"

int rct_cpu_build_tcc(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k)
{
    return rct_jit_compile(src, syms, ENTRY, &k->jit, &k->fn, &net->err);
}

/* Builds src into so with cc and loads it (the build's or the load's failure in net->err). */
static int build_and_load(rectic_net *net, const char *src, const char *so, rct_cpu_kernel *k)
{
    int rc = rct_cc_build(src, so, &net->err);
    int st = rc ? RCT_OBJ_MISSING : rct_cc_load(so, ENTRY, &k->cc, &k->fn, &net->err);
    if (!rc && st == RCT_OBJ_MISSING)
        return rct_errf(&net->err, RECTIC_EJIT, "the C compiler ended without writing %s", so);
    return rc ? rc : st == RCT_OBJ_OK ? 0 : RECTIC_EJIT;
}

int rct_cpu_build_cc(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k)
{
    char so[PATH_MAX], why[sizeof net->err.msg];
    int rc = rct_cc_paths(src, so, sizeof so, &net->err);
    if (rc) {
        snprintf(why, sizeof why, "%s", net->err.msg);
        return rct_errf(&net->err, rc, "spec.backend cc: %s", why);
    }
    int st = rct_cc_load(so, ENTRY, &k->cc, &k->fn, &net->err);
    if (st == RCT_OBJ_OK) {
        k->hit = 1;
        return 0;
    }
    if (st == RCT_OBJ_DAMAGED)
        rct_net_warn(net, "%s; deleted and compiled again", net->err.msg);
    rc = build_and_load(net, src, so, k);
    if (!rc || st != RCT_OBJ_DAMAGED)
        return rc;
    snprintf(why, sizeof why, "%s", net->err.msg);
    rct_net_warn(net, "spec.backend cc: the damaged kernel could not be rebuilt, so this run uses TinyCC's kernel "
                 "(the next run tries again): %s", why);
    return rct_cpu_build_tcc(net, src, syms, k);
}

int rct_cpu_build_auto(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k)
{
    char so[PATH_MAX];
    if (!rct_cc_available()) /* no compiler: TinyCC is all there is, as documented */
        return rct_cpu_build_tcc(net, src, syms, k);
    if (rct_cc_paths(src, so, sizeof so, &net->err)) {
        rct_net_warn(net, "%s; spec.backend auto runs TinyCC's kernel instead", net->err.msg);
        return rct_cpu_build_tcc(net, src, syms, k);
    }
    int st = rct_cc_load(so, ENTRY, &k->cc, &k->fn, &net->err);
    if (st == RCT_OBJ_OK) {
        k->hit = 1; /* a cache hit costs no compile */
        return 0;
    }
    if (st == RCT_OBJ_DAMAGED)
        rct_net_warn(net, "%s; deleted: TinyCC's kernel runs while cc compiles it again", net->err.msg);
    int rc = rct_cpu_build_tcc(net, src, syms, k), pid;
    rct_cc_reap(&net->spawn_pid, 1); /* an earlier compile's shell, long gone */
    if (!rc && rct_cc_start(src, so, 1, &pid, NULL, &net->err) == 0) {
        k->pending = rct_strdup(so);
        net->spawn_pid = pid;
    } else if (!rc) {
        rct_net_warn(net, "%s; spec.backend auto runs TinyCC's kernel alone", net->err.msg);
    }
    return rc;
}

int rct_cpu_kernel_build(rectic_net *net, const char *src, const rct_symbol *syms, rct_cpu_kernel *k)
{
    memset(k, 0, sizeof *k);
    return net->be->cpu_build(net, src, syms, k); /* TinyCC, cc or auto, as backend.c's table says */
}

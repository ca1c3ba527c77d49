/*
 * cpu_backend.c -- the CPU backend's kernels (backend.c's table points here): the C source of a network of
 * one template or of populations built by TinyCC, the system compiler or both (kernel_cpu.c), the kernel
 * that runs and the spare one (specialised and generic), and tiered mode's switch to the optimized kernel.
 */
#include "cpu_backend.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "emit_c.h"
#include "emit_net.h"
#include "kdesc.h"
#include "kernel_cpu.h"
#include "popnet.h"

#define RCT_MAX_SYMBOLS 64

/* The symbols a CPU kernel may call: the math functions (a dense product is the context's gemv, no BLAS);
   syms has room for RCT_MAX_SYMBOLS entries. */
static void kernel_symbols(rct_symbol *syms)
{
    int k = 0;
    for (const rct_symbol *s = rct_emit_symbols(); s->name && k < RCT_MAX_SYMBOLS - 1; s++)
        syms[k++] = *s;
    syms[k] = (rct_symbol){NULL, NULL};
}

/* Frees a kernel slot's compiled code and source. */
static void slot_free(rct_kernel_slot *k)
{
    rct_jit_free(k->jit);
    rct_cc_free(k->cc);
    free(k->src);
    free(k->pending_so);
    memset(k, 0, sizeof *k);
}

void rct_cpu_swap_spare(rectic_net *net)
{
    rct_kernel_slot run = {net->jit, net->cc, net->kernel, net->src, net->kernel_kind, net->pending_so};
    net->jit = net->spare.jit;
    net->cc = net->spare.cc;
    net->kernel = net->spare.fn;
    net->src = net->spare.src;
    net->kernel_kind = net->spare.kind;
    net->pending_so = net->spare.pending_so;
    net->spare = run;
}

/* Replaces the running kernel by a new one: the specialised kernel is kept as the spare when the new one is
   the generic kernel; a new specialised kernel (the shapes changed) makes both old ones useless. */
static void retire_kernel(rectic_net *net)
{
    if (!net->generic)
        slot_free(&net->spare);
    if (net->generic && net->kernel) {
        rct_cpu_swap_spare(net);
        return;
    }
    rct_kernel_slot run = {net->jit, net->cc, net->kernel, net->src, net->kernel_kind, net->pending_so};
    slot_free(&run);
}

/* Makes k (built from src, which net takes) the kernel net runs, counting the compilation; the caller
   retired the previous one. */
static void install_kernel(rectic_net *net, const rct_cpu_kernel *k, char *src)
{
    net->jit = k->jit;
    net->cc = k->cc;
    net->kernel = k->fn;
    net->kernel_kind = k->cc ? (k->hit ? "cc (cached)" : "cc") : "tcc";
    net->pending_so = k->pending;
    net->src = src;
    net->compilations += k->hit ? 0 : 1;
    net->dirty = 0;
}

/* Builds src (its generation took gen_s seconds) into the kernel net runs: the one running retired by
   retire, the new one installed (it takes src; freed on an error). */
static int build_kernel(rectic_net *net, char *src, double gen_s, void (*retire)(rectic_net *net))
{
    double t0 = rct_now();
    rct_symbol syms[RCT_MAX_SYMBOLS];
    kernel_symbols(syms);
    rct_cpu_kernel k;
    int rc = rct_cpu_kernel_build(net, src, syms, &k);
    if (rc) {
        free(src);
        return rc;
    }
    retire(net);
    install_kernel(net, &k, src);
    net->timings.generate += gen_s; /* every compilation counts */
    net->timings.jit += rct_now() - t0;
    net->err.code = 0;
    return 0;
}

int rct_cpu_compile(rectic_net *net, const rct_emit_opts *o)
{
    double t0 = rct_now();
    char *src = rct_emit_c(net->model, o, &net->err);
    return src ? build_kernel(net, src, rct_now() - t0, retire_kernel) : net->err.code;
}

void rct_net_poll_tiered(rectic_net *net)
{
    rct_cc_reap(&net->spawn_pid, 0);
    if (!net->pending_so || access(net->pending_so, F_OK) != 0)
        return;
    rct_cc *cc;
    void *fn;
    rct_err quiet; /* a damaged object is deleted and this run goes on with TinyCC's kernel */
    if (rct_cc_load(net->pending_so, "rectic_kernel", &cc, &fn, &quiet) == RCT_OBJ_OK) {
        net->cc = cc;
        net->kernel = fn; /* the TinyCC kernel stays loaded until the network is freed or recompiled */
        net->kernel_kind = "tcc, then cc";
        net->compilations++;
    }
    free(net->pending_so);
    net->pending_so = NULL;
}

void rct_cpu_free(rectic_net *net)
{
    rct_jit_free(net->jit);
    rct_cc_free(net->cc);
    net->jit = NULL;
    net->cc = NULL;
    slot_free(&net->spare);
    rct_cc_reap(&net->spawn_pid, 1); /* the shell that started a background compile (it returns at once) */
    free(net->pending_so);
    net->pending_so = NULL;
}

/* Frees the fused kernel of a network of populations (it has no spare) before a new one is installed. */
static void retire_fused(rectic_net *net)
{
    rct_jit_free(net->jit);
    rct_cc_free(net->cc);
    free(net->src);
    free(net->pending_so);
}

int rct_pn_cpu_compile(rectic_net *net)
{
    double t0 = rct_now();
    rct_pn_desc d;
    if (rct_pn_desc_make(net, &d))
        return net->err.code;
    char *src = rct_emit_net_c(&d.o, &net->err);
    rct_pn_desc_free(&d);
    if (!src)
        return net->err.code ? net->err.code : rct_oom(&net->err);
    int rc = build_kernel(net, src, rct_now() - t0, retire_fused);
    for (int p = 0; !rc && p < net->pn->n_pops; p++)
        net->pn->pops[p]->dirty = 0;
    return rc;
}

/*
 * emit_cuda.c -- CUDA code generation: the kernels of one Euler step of the whole network.
 *
 * The per-neuron code (loads, equations, Euler update and reset) is written by emit_common.c, the same
 * functions the C emitter uses, so a thread computes its neuron with exactly the C kernel's operations;
 * compiled with NVRTC's --fmad=false nothing is fused, so each operation rounds as on the CPU.  What this
 * file adds is the mapping onto threads:
 *
 *   rectic_gemv_part / rectic_gemv_sum   target = W @ source: RCT_CUDA_LANES threads per row each sum a
 *                                        strided part of the row in order, then one thread per row sums
 *                                        the parts in lane order (coalesced reads, no atomics);
 *   rectic_csr (_warp, _tree)            target = W @ source in compressed sparse rows: a thread per row,
 *                                        or a warp per row (emit_cuda_sparse.c, as the event-driven
 *                                        kernels rectic_event_clear, _mark, _gather);
 *   rectic_reduce_K / rectic_reduce_K_next   reduction K (mean(v), ...): values t, t + P, t + 2P, ... are
 *                                        combined in that order by thread t; the runtime repeats with
 *                                        fewer threads until one is left.  The shape depends on N only,
 *                                        so results never depend on timing; up to RCT_CUDA_RED_SERIAL
 *                                        neurons one thread sums in neuron order, exactly as the C kernel;
 *   rectic_pass_P                        one thread per neuron; the last pass records the pre-update
 *                                        values, integrates, resets, flags non-finite values and sets one
 *                                        bit per spiking neuron in the step's spike words (the runtime
 *                                        reads them in neuron order: no sorting, nothing lost).
 *
 * The platform lines, the recorder, the pass, reduction and product kernels are written by functions the
 * network emitter (emit_cuda_net.c) calls too, with its own names and contexts (emit_cuda_parts.h).  Their
 * bodies are the C kernels' too: the recorder (emit_record.c, with the CUDA target's hooks here), a
 * product's row sum (emit_product.c) and a reduction's loop (emit_common.c), framed by threads.
 *
 * With RECTIC_HOST_EMULATION defined the same text is plain C: each kernel is a function the caller
 * runs once per thread index (rectic_emu_tid), which is how the tests check the device code on a CPU.
 */
#include "emit_cuda.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_common.h"
#include "emit_decls.h"
#include "emit_cuda_parts.h"
#include "emit_product.h"
#include "emit_record.h"
#include "kernel_abi.h"

#define RCT_STR_(x) #x
#define RCT_STR(x) RCT_STR_(x)

/* Does pass p get a kernel?  The last pass always does (it records); another one when it computes an
   algebraic variable (the C kernel skips an empty loop likewise). */
static int pass_runs(const rct_model *m, int p)
{
    if (p == m->n_passes - 1)
        return 1;
    for (int k = 0; k < m->n_eqs; k++)
        if (m->eqs[k].kind == RCT_EQ_ALG && m->vars[m->eqs[k].var].pass == p)
            return 1;
    return 0;
}

/* Fills ops with the launches of one step, in the C kernel's order. */
int rct_cuda_schedule(const rct_model *m, const rct_emit_opts *o, rct_cu_op *ops, int cap)
{
    int n = 0;
    for (int p = 0; p < m->n_passes; p++) {
        if (o->coupling && !RCT_CUDA_EVENT(o) && m->coupling_before == p && n < cap)
            ops[n++] = (rct_cu_op){RCT_CUDA_SPARSE(o) ? RCT_CU_CSR : RCT_CU_GEMV, 0};
        for (int r = 0; r < m->n_reds; r++)
            if (m->reds[r].before_pass == p && n < cap)
                ops[n++] = (rct_cu_op){RCT_CU_REDUCE, r};
        if (pass_runs(m, p) && n < cap)
            ops[n++] = (rct_cu_op){RCT_CU_PASS, p};
    }
    if (RCT_CUDA_EVENT(o) && n < cap) /* after the update, from its spike bits: the coupling of the next step */
        ops[n++] = (rct_cu_op){RCT_CU_EVENT, 0};
    return n;
}

void rct_emcu_platform(rct_emitter *E, const char *decls)
{
    rct_buf_puts(&E->b,
        "#ifdef RECTIC_HOST_EMULATION\n"
        "/* host emulation (tests): plain C, each kernel called once per thread index */\n"
        "#define RCT_KERNEL void\n"
        "#define RCT_DEVICE static\n"
        "extern long rectic_emu_tid; /* provided by the caller */\n"
        "#define RCT_TID rectic_emu_tid\n"
        "static void rectic_atomic_min(unsigned int *p, unsigned int v)\n"
        "{\n"
        "    if (v < *p)\n"
        "        *p = v;\n"
        "}\n"
        "static void rectic_atomic_or(unsigned int *p, unsigned int v)\n"
        "{\n"
        "    *p |= v;\n"
        "}\n"
        "/* a warp per row: the call of lane 0 runs the warp, each phase for the 32 lanes in turn (lock-step) */\n"
        "#define RCT_WARP_LEAD (rectic_emu_tid%32 == 0)\n"
        "#define RCT_WARP_SLOTS(type, name) type name[32]\n"
        "#define RCT_LANES(l) for (int l = 0; l < 32; l++)\n"
        "#define RCT_LANE0\n"
        "#define RCT_SYNCWARP()\n"
        "#define RCT_LDG(p) (*(p))\n");
    rct_buf_puts(&E->b, decls);
    rct_buf_puts(&E->b,
        "#else\n"
        "#define RCT_KERNEL extern \"C\" __global__ void\n"
        "#define RCT_DEVICE static __device__\n"
        "#define RCT_TID ((long)blockIdx.x*blockDim.x + threadIdx.x)\n"
        "#define rectic_atomic_or(p, v) atomicOr(p, v)\n"
        "#define rectic_atomic_min(p, v) atomicMin(p, v)\n"
        "#define RCT_WARP_LEAD 1\n"
        "#define RCT_WARP_SLOTS(type, name) __shared__ type name##_warps[" RCT_STR(RCT_CUDA_BLOCK) "/32][32]; \\\n"
        "    type *const name = name##_warps[threadIdx.x/32]\n"
        "#define RCT_LANES(l) for (int l = threadIdx.x%32, l##_once = 1; l##_once; l##_once = 0)\n"
        "#define RCT_LANE0 if (threadIdx.x%32 == 0)\n"
        "#define RCT_SYNCWARP() __syncwarp()\n"
        "#define RCT_LDG(p) __ldg(p) /* a load through the read-only data cache */\n"
        "#endif\n\n");
}

/* How a CUDA kernel records (emit_record.h): the last pass's thread of unit i records its own values of
   step `step` into the chunk's ring rows, the recorder deciding whether the step has a row. */
static const rct_rec_target cuda_record = {
    .comment = "/* Records unit i at step `step` (counted from the run's start) into the chunk's ring rows: the\n"
               "   state, input and parameters before the update, the algebraic variables and the coupling of this\n"
               "   step.  Entry 0 (the output) may be averaged over the steps since the previous row. */",
    .head = "RCT_DEVICE void rectic_record(const rectic_dctx *c, long i, const real *in, long step)",
    .due = "    if (step < c->cutoff)\n"
           "        return;\n"
           "    const int take = step % c->sample_every == 0;\n"
           "    if (!take && !c->sample_mean)\n"
           "        return; /* most steps when sampling: nothing to read */\n"
           "    const long ring_row = (step - c->first_step)/c->sample_every - c->ring_row0;\n",
    .entry = "rectic_drec",
    .skip = NULL,
    .locate = "",
    .each = NULL,
    .unit = "i",
    .cell = "c->ring[k][ring_row*n + i]",
    .steps = "            const long from = step - c->sample_every + 1 > c->cutoff ? step - c->sample_every + 1 : c->cutoff;\n"
             "            const long steps = step - from + 1; /* steps summed since the previous row */\n",
    .mean_end = "",
    .block = "",
};

void rct_emcu_recorder(rct_emitter *E)
{
    rct_em_recorder(E, &cuda_record);
    rct_buf_printf(&E->b, "/* 0 for a NaN or an infinity (x - x is then NaN). */\n"
                          "RCT_DEVICE int rectic_finite(%s x)\n{\n    return x - x == 0;\n}\n\n", E->real);
}

/* Writes `const real reduce_K = c->red[K];` for the reductions computed before pass p (and, inside
   reduction `upto`, only those before it). */
static void emit_reduce_values(rct_emitter *E, int p, int upto)
{
    const rct_model *m = E->m;
    for (int r = 0; r < m->n_reds; r++)
        if (m->reds[r].before_pass < p || (m->reds[r].before_pass == p && (upto < 0 || r < upto)))
            rct_buf_printf(&E->b, "    const %s reduce_%d = c->red[%d];\n", E->real, r, r);
}

void rct_emcu_kernel_head(rct_emitter *E, const char *name, const char *ctx, const char *sizes, const char *rows)
{
    rct_buf_printf(&E->b, "RCT_KERNEL %s(const %s *c, long k)\n{\n"
                          "    const long i = RCT_TID;\n", name, ctx);
    if (sizes)
        rct_buf_printf(&E->b, "    %s\n", sizes);
    rct_buf_printf(&E->b, "    if (i >= %s)\n        return;\n", rows);
}

void rct_emcu_gemv(rct_emitter *E, const rct_cu_product *d, const char *part, const char *sum)
{
    const char *r = E->real;
    rct_buf_printf(&E->b, "/* %s %s = W @ %s, part 1: lane l of row i (thread i*%d + l) sums W[i,l]*%s[l] +\n"
                          "   W[i,l+%d]*%s[l+%d] + ... in that order. */\n",
                   d->label, d->tgt, d->src, RCT_CUDA_LANES, d->src, RCT_CUDA_LANES, d->src, RCT_CUDA_LANES);
    rct_buf_printf(&E->b, "RCT_KERNEL %s(const %s *c, long k)\n{\n"
                          "    const long t = RCT_TID;\n"
                          "    %s\n"
                          "    if (t >= %s*%d)\n        return;\n"
                          "    const long i = t/%d, l = t%%%d;\n"
                          "    const %s *const w = c->w + i*%s;\n"
                          "    const %s *const x = %s\n"
                          "    %s acc = 0;\n"
                          "    for (long j = l; j < %s; j += %d)\n"
                          "        acc += w[j]*x[j];\n"
                          "    c->wpart[t] = acc;\n}\n\n",
                   part, d->ctx, d->sizes, d->rows, RCT_CUDA_LANES, RCT_CUDA_LANES, RCT_CUDA_LANES, r, d->cols, r, d->x,
                   r, d->cols, RCT_CUDA_LANES);
    rct_buf_printf(&E->b, "/* %s, part 2: thread i sums the %d parts of row i in lane order. */\n", d->label,
                   RCT_CUDA_LANES);
    rct_emcu_kernel_head(E, sum, d->ctx, d->sizes, d->rows);
    rct_buf_printf(&E->b, "    const %s *const part = c->wpart + i*%d;\n"
                          "    %s acc = 0;\n"
                          "    for (int l = 0; l < %d; l++)\n"
                          "        acc += part[l];\n"
                          "    %s[i] %s acc;\n}\n\n", r, RCT_CUDA_LANES, r, RCT_CUDA_LANES, d->target, d->op);
}

/* Writes the body of a product kernel after its head: x, then row i summed as every target sums it
   (emit_product.h) into the target. */
static void emit_product_body(rct_emitter *E, const rct_cu_product *d, int sparse)
{
    rct_row_sum row = {sparse, "c->w", d->cols, "c->", "x", d->target, d->op};
    rct_buf_printf(&E->b, "    const %s *const x = %s\n", E->real, d->x);
    rct_em_row_sum(E, &row, "    ");
    rct_buf_puts(&E->b, "}\n\n");
}

void rct_emcu_rows(rct_emitter *E, const rct_cu_product *d, const char *name)
{
    rct_buf_printf(&E->b, "/* %s %s = W @ %s:\n   thread i sums row i in column order (the C kernel's loop). */\n",
                   d->label, d->tgt, d->src);
    rct_emcu_kernel_head(E, name, d->ctx, d->sizes, d->rows);
    emit_product_body(E, d, 0);
}

void rct_emcu_csr(rct_emitter *E, const rct_cu_product *d, const char *name)
{
    rct_buf_printf(&E->b, "/* %s %s = W @ %s with W in compressed sparse rows: thread i sums row i's entries in\n"
                          "   their stored order. */\n", d->label, d->tgt, d->src);
    rct_emcu_kernel_head(E, name, d->ctx, d->sizes, d->rows);
    emit_product_body(E, d, 1);
}

/* Writes where a reduction thread leaves its result: a partial value, or (one thread left) the result. */
static void emit_reduce_store(rct_emitter *E, const rct_cu_tree *t)
{
    rct_buf_printf(&E->b, "    if (P > 1)\n        c->part[dst + t] = acc;\n    else\n        %s = acc%s;\n}\n\n",
                   t->result, t->fn == RCT_F_MEAN ? E->f32 ? "/(float)c->n" : "/(double)c->n" : "");
}

void rct_emcu_tree(rct_emitter *E, const rct_cu_tree *t)
{
    if (t->red >= 0)
        rct_em_red_comment(E, t->red, "");
    rct_buf_printf(&E->b, "/* Thread t < P combines the values of neurons t, t + P, t + 2P, ... in that order; P == 1: the\n"
                          "   result (in neuron order, as the C kernel), else partial values at part[dst + t]. */\n"
                          "RCT_KERNEL %s(const %s *c, long k, long P, long dst)\n{\n"
                          "    const long t = RCT_TID;\n"
                          "    if (t >= P)\n        return;\n", t->name, t->ctx);
    if (t->red >= 0) {
        rct_em_prologue(E, "    ");
        rct_buf_printf(&E->b, "    const %s *const in = c->input + k*c->in_row;\n", E->real);
        emit_reduce_values(E, E->m->reds[t->red].before_pass, t->red);
    } else {
        rct_buf_puts(&E->b, t->prelude);
    }
    rct_red_loop first = {t->fn, t->red, t->value, "acc", "t", "n", "i += P", 0};
    rct_em_red_loop(E, &first, "    ");
    emit_reduce_store(E, t);
    rct_buf_printf(&E->b, "/* The next level of %s: thread t < P combines part[src + t], part[src + t + P], ...\n"
                          "   of the `count` partial values. */\n"
                          "RCT_KERNEL %s_next(const %s *c, long count, long P, long src, long dst)\n{\n"
                          "    const long t = RCT_TID;\n"
                          "    if (t >= P)\n        return;\n", t->name, t->name, t->ctx);
    rct_red_loop next = {t->fn, -1, "c->part[src + i]", "acc", "t", "count", "i += P", 0};
    rct_em_red_loop(E, &next, "    ");
    emit_reduce_store(E, t);
}

void rct_emcu_pass(rct_emitter *E, int p, const char *name, const char *comment, int record, int update)
{
    const rct_model *m = E->m;
    rct_buf_printf(&E->b, "/* %s */\n", comment);
    rct_emcu_kernel_head(E, name, "rectic_dctx", NULL, "c->n");
    rct_em_prologue(E, "    ");
    rct_buf_printf(&E->b, "    const %s *const in = c->input + k*c->in_row;\n", E->real);
    emit_reduce_values(E, p, -1);
    rct_em_pass_mark(E, p);
    rct_em_loads(E, p, update, "    ");
    rct_em_pass_eqs(E, p, "    ");
    if (record)
        rct_buf_puts(&E->b, "    rectic_record(c, i, in, c->step0 + k);\n");
    if (!update) {
        rct_buf_puts(&E->b, "}\n\n");
        return;
    }
    rct_em_euler(E, "    ");
    if (m->n_state > 0) {
        rct_buf_puts(&E->b, "    if (");
        for (int s = 0; s < m->n_state; s++)
            rct_buf_printf(&E->b, "%s!rectic_finite(%s_arr[i])", s ? " || " : "", m->vars[m->state_var[s]].cname);
        rct_buf_puts(&E->b, ")\n        rectic_atomic_min(c->bad_step, (unsigned int)k);\n");
    }
    if (E->o->spiking)
        rct_buf_puts(&E->b, "    if (spk != 0) { /* the order of the bits set does not matter */\n"
                            "        rectic_atomic_or(&c->spike_bits[k*c->spike_words + i/32], 1u << (i%32));\n"
                            "        rectic_atomic_or(&c->spike_sum[k*c->sum_words + i/1024], 1u << (i/32%32)); /* word i/32 has one */\n"
                            "    }\n");
    rct_buf_puts(&E->b, "}\n\n");
}

/* Writes the coupling product's kernels of a single template: target = W @ source. */
static void emit_coupling(rct_emitter *E)
{
    const rct_model *m = E->m;
    const rct_var *src = &m->vars[m->source], *tgt = &m->vars[m->target];
    char x[256];
    snprintf(x, sizeof x, "c->%s + %d*n; /* %s */", src->kind == RCT_VK_STATE ? "y" : "alg", src->slot, src->name);
    rct_cu_product d = {"rectic_dctx", "const long n = c->n;", "n", "n", x, "c->coup", "=", "coupling", tgt->name,
                        src->name};
    const rct_expr *tau = NULL, *gain = NULL;
    char why[512];
    if (RCT_CUDA_EVENT(E->o) && rct_model_event_form(m, &tau, &gain, why, sizeof why)) {
        rct_emcu_event(E, tau, gain);
    } else if (RCT_CUDA_SPARSE(E->o)) {
        rct_emcu_csr(E, &d, "rectic_csr");
        rct_emcu_csr_warp(E, &d, "rectic_csr_warp");
        rct_emcu_csr_tree(E, &d, "rectic_csr_tree");
    } else
        rct_emcu_gemv(E, &d, "rectic_gemv_part", "rectic_gemv_sum");
}

/* Writes the CUDA source of the network's kernels (caller frees). */
char *rct_emit_cuda(const rct_model *m, const rct_emit_opts *opts, rct_err *err)
{
    rct_emit_opts general = *opts;
    general.fixed_n = 0; /* one thread per neuron: the kernels take n from the context whatever its size */
    const rct_emit_opts *o = &general;
    rct_emitter E;
    if (rct_em_init(&E, m, o, err))
        return NULL;
    rct_em_header(&E, "kernels", ", CUDA");
    rct_buf_puts(&E.b, " *\n * One forward-Euler step launches, in this order:\n");
    if (RCT_CUDA_SPARSE(o) && !RCT_CUDA_EVENT(o)) /* event-driven: after the passes, below */
        rct_buf_puts(&E.b, " *   rectic_csr (_warp, _tree)   the coupling product, W in compressed sparse rows;\n");
    else if (o->coupling && !RCT_CUDA_SPARSE(o))
        rct_buf_puts(&E.b, " *   rectic_gemv_part, _sum      the coupling product, dense W;\n");
    if (m->n_reds)
        rct_buf_puts(&E.b, " *   rectic_reduce_K (+ _next)   the reductions, in a fixed order (no atomics);\n");
    rct_buf_printf(&E.b, " *   rectic_pass_P               one thread per neuron; the last pass evaluates the equations\n"
                         " *                               from the state at t_n, records, updates the state%s.\n",
                   o->spiking ? ",\n *                               detects spikes and resets the neurons that spiked" : "");
    if (RCT_CUDA_EVENT(o))
        rct_buf_puts(&E.b, " *   rectic_event_clear, _mark, _gather   event-driven coupling: W @ source for the next step, from\n"
                           " *                               this step's spike bits (no product, no host round trip).\n");
    rct_buf_puts(&E.b, " * Compiled with NVRTC --fmad=false: every operation rounds as in the C kernel.\n */\n");
    rct_buf text = E.b; /* the libm prototypes, for the emulation */
    rct_buf_init(&E.b);
    rct_em_math_decls(&E);
    rct_buf decls = E.b;
    E.b = text;
    E.b.failed |= decls.failed;
    rct_emcu_platform(&E, decls.s ? decls.s : "");
    rct_buf_free(&decls);
    rct_buf_printf(&E.b, "typedef %s real;\n\n", E.type);
    rct_buf_puts(&E.b, "/* the device context (generator/emit_cuda.h) */\n");
    rct_em_struct(&E, RCT_KCTX_STR(RCT_DCTX_DEF(real, RCT_DOC)));
    rct_buf_puts(&E.b, "\n");
    rct_em_helper_fns(&E, "RCT_DEVICE ");
    rct_emcu_recorder(&E);
    if (o->coupling)
        emit_coupling(&E);
    for (int r = 0; r < m->n_reds; r++) {
        char name[64], result[64];
        snprintf(name, sizeof name, "rectic_reduce_%d", r);
        snprintf(result, sizeof result, "c->red[%d]", r);
        rct_cu_tree t = {name, "rectic_dctx", m->reds[r].fn, r, NULL, NULL, result};
        rct_emcu_tree(&E, &t);
    }
    for (int p = 0; p < m->n_passes; p++) {
        if (!pass_runs(m, p))
            continue;
        int last = p == m->n_passes - 1;
        char name[64], comment[200];
        snprintf(name, sizeof name, "rectic_pass_%d", p);
        snprintf(comment, sizeof comment, "pass %d%s: one thread per neuron i", p,
                 last ? " (the last): records step c->step0 + k, integrates, resets and sets the spike bits" : "");
        rct_emcu_pass(&E, p, name, comment, last, last);
    }
    return rct_em_finish(&E, err);
}

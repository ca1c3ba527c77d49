/*
 * emit_cuda_net.c -- CUDA code generation for a network of populations and projections: the kernels of
 * every population and projection, and the launches of one step in the order emit_net_plan.c finds for
 * the C kernel (see emit_cuda_net.h).
 *
 * Each population's kernels are written by emit_cuda.c's pieces with the population's emitter (the same
 * per-neuron arithmetic as the C kernels, emit_common.c); each projection's by the product and reduction
 * pieces with the projection's context.  Only validated identifiers and numbers reach the output;
 * template text only inside comments made safe by rct_emit_safe_comment.
 */
#include "emit_cuda_net.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_common.h"
#include "emit_decls.h"
#include "emit_cuda_parts.h"
#include "emit_net_plan.h"
#include "emit_product.h"
#include "kernel_abi.h"

/* The writer's state: the output, one emitter per population, the plan and the launches of a step. */
typedef struct cu_writer {
    const rct_emit_net *o;
    rct_buf out;
    rct_net_emitters ne;  /* per population an emitter (its text goes to em[p].b, then to out); the plan */
    rct_cun_sched sched;
    int cap;
} cu_writer;

/* Appends a launch of kernel NAME (printf format) with context pop or proj; 0, or RECTIC_ENOMEM. */
static int add_op(cu_writer *W, int pop, int proj, rct_cun_threads threads, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int add_op(cu_writer *W, int pop, int proj, rct_cun_threads threads, const char *fmt, ...)
{
    if (W->sched.n_ops == W->cap) {
        int cap = W->cap ? 2 * W->cap : 32;
        rct_cun_op *ops = realloc(W->sched.ops, (size_t)cap * sizeof *ops);
        if (!ops)
            return RECTIC_ENOMEM;
        W->sched.ops = ops;
        W->cap = cap;
    }
    rct_cun_op *op = &W->sched.ops[W->sched.n_ops++];
    op->pop = pop;
    op->proj = proj;
    op->threads = threads;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(op->name, sizeof op->name, fmt, ap);
    va_end(ap);
    return 0;
}

/* Does part j get a kernel: the update always (it records), another part when it has equations? */
static int part_runs(const cu_writer *W, int j)
{
    return W->ne.plan.parts[j].update || rct_net_part_eqs(W->o, &W->ne.plan, j);
}

/* Checks that every projection into a population comes before its update, whose kernel records the
   population's coupling targets: the plan places a projection before the part that reads its target,
   and every coupling target is read (the model keeps no unread input). */
static int check_order(const cu_writer *W, rct_err *err)
{
    for (int i = 0; i < W->ne.plan.n_order; i++) {
        int j = W->ne.plan.order[i];
        const rct_net_part *t = j >= 0 ? &W->ne.plan.parts[j] : NULL;
        for (int q = i + 1; t && t->update && q < W->ne.plan.n_order; q++)
            if (W->ne.plan.order[q] < 0 && W->o->projs[-1 - W->ne.plan.order[q]].tgt_pop == t->pop)
                return rct_errf(err, RECTIC_EINVAL, "projection %d comes after the update of population %s, which "
                                "records its target (a bug in rectic)", -1 - W->ne.plan.order[q], W->o->pop_names[t->pop]);
    }
    return 0;
}

/* Appends the stores of the delayed projections' sources: those of state variables (part < 0), or the
   algebraic ones that part `part` computes. */
static int schedule_stores(cu_writer *W, int part)
{
    const rct_emit_net *o = W->o;
    int rc = 0;
    for (int k = 0; k < o->n_projs && !rc; k++)
        if (rct_net_stores_at(o, &W->ne.plan, k, part))
            rc = add_op(W, -1, k, RCT_CUN_SOURCE, "proj_%d_store", k);
    return rc;
}

/* Lists the launches of one step. */
static int schedule(cu_writer *W)
{
    const rct_emit_net *o = W->o;
    int rc = schedule_stores(W, -1);
    for (int i = 0; i < W->ne.plan.n_order && !rc; i++) {
        int j = W->ne.plan.order[i];
        if (j < 0) {
            int k = -1 - j, mode = o->projs[k].mode;
            if (mode == RCT_COUP_DENSE)
                rc = add_op(W, -1, k, RCT_CUN_LANES, "proj_%d_part", k);
            else if (mode == RCT_COUP_SCALAR)
                rc = add_op(W, -1, k, RCT_CUN_TREE, "proj_%d_sum", k);
            if (!rc)
                rc = add_op(W, -1, k, mode == RCT_COUP_CSR || mode == RCT_COUP_EVENT ? RCT_CUN_ROWS : RCT_CUN_UNITS,
                            "proj_%d", k);
            continue;
        }
        const rct_net_part *t = &W->ne.plan.parts[j];
        const rct_model *m = o->models[t->pop];
        for (int r = 0; t->half != 2 && r < m->n_reds && !rc; r++)
            if (m->reds[r].before_pass == t->pass)
                rc = add_op(W, t->pop, -1, RCT_CUN_TREE, "%s_reduce_%d", o->pop_names[t->pop], r);
        char name[RCT_CUN_NAME];
        if (!rc && part_runs(W, j))
            rc = add_op(W, t->pop, -1, RCT_CUN_UNITS, "%s", rct_net_part_name(o, &W->ne.plan, j, name, sizeof name));
        if (!rc)
            rc = schedule_stores(W, j);
    }
    return rc;
}

/* Writes the comment heading the source: populations, projections, the launches of a step. */
static void write_header(cu_writer *W)
{
    const rct_emit_net *o = W->o;
    char lanes[64];
    snprintf(lanes, sizeof lanes, "dense weights, %d threads per row", RCT_CUDA_LANES);
    const char *const how[] = {[RCT_COUP_DENSE] = lanes,
                                      [RCT_COUP_INLINE] = "dense weights, one thread per row",
                                      [RCT_COUP_CSR] = "sparse weights (compressed sparse rows)",
                                      [RCT_COUP_EVENT] = "event-driven on the CPU; here sparse rows of W @ source",
                                      [RCT_COUP_SCALAR] = "one weight for every pair: weight * sum of the source"};
    rct_buf_printf(&W->out, "/*\n * Network kernels for %d population%s and %d projection%s (%s, CUDA).\n"
                            " * Generated by rectic %s; regenerate with `rectic emit` rather than editing.\n *\n",
                   o->n_pops, o->n_pops == 1 ? "" : "s", o->n_projs, o->n_projs == 1 ? "" : "s", W->ne.em[0].type,
                   RECTIC_VERSION);
    rct_net_listing(&W->out, o, how);
    rct_buf_puts(&W->out, " *\n * One forward-Euler step launches, in this order (pop[p] or proj[k]: the context it reads):\n");
    for (int i = 0; i < W->sched.n_ops; i++) {
        const rct_cun_op *op = &W->sched.ops[i];
        rct_buf_printf(&W->out, " *   %-28s %s[%d]%s\n", op->name, op->pop >= 0 ? "pop" : "proj",
                       op->pop >= 0 ? op->pop : op->proj, op->threads == RCT_CUN_TREE ? ", a reduction (+ _next)"
                       : op->threads == RCT_CUN_ROWS ? " (or _warp, _tree)" : "");
    }
    rct_buf_puts(&W->out, " * Compiled with NVRTC --fmad=false: every operation rounds as in the C kernel.\n */\n");
}

/* Writes the platform lines, the contexts, the helper functions and the recorder: each declaration once. */
static void write_prelude(cu_writer *W)
{
    const rct_emit_net *o = W->o;
    rct_buf decls, helpers;
    rct_buf_init(&decls);
    rct_buf_init(&helpers);
    rct_buf_putc(&decls, '\n'); /* each line is found whole (rct_em_take_new_lines) */
    rct_buf_putc(&helpers, '\n');
    for (int p = 0; p < o->n_pops; p++) {
        rct_em_math_decls(&W->ne.em[p]);
        rct_em_take_new_lines(&decls, &W->ne.em[p]);
        rct_em_helper_fns(&W->ne.em[p], "RCT_DEVICE ");
        rct_em_take_new_lines(&helpers, &W->ne.em[p]);
    }
    rct_emitter *E = &W->ne.em[0];
    rct_emcu_platform(E, decls.s ? decls.s + 1 : "");
    rct_buf_printf(&E->b, "typedef %s real;\n\n/* the device contexts (generator/emit_cuda.h, emit_cuda_net.h) */\n",
                   E->type);
    rct_em_struct(E, RCT_KCTX_STR(RCT_DCTX_DEF(real, RCT_DOC)));
    rct_buf_putc(&E->b, '\n');
    rct_em_struct(E, RCT_KCTX_STR(RCT_DPROJ_DEF(real, RCT_DOC)));
    rct_buf_puts(&E->b, helpers.len > 1 ? helpers.s : ""); /* a blank line before the helpers, if any */
    rct_buf_putc(&E->b, '\n');
    rct_emcu_recorder(E);
    E->b.failed |= decls.failed | helpers.failed;
    rct_buf_free(&decls);
    rct_buf_free(&helpers);
    rct_net_emitter_flush(&W->out, E);
}

/* Writes population p's kernels: its reductions, its parts, the recording at the end of a step. */
static void write_population(cu_writer *W, int p)
{
    const rct_emit_net *o = W->o;
    const rct_model *m = o->models[p];
    rct_emitter *E = &W->ne.em[p];
    const char *pop = o->pop_names[p];
    char name[RCT_CUN_NAME], result[64], comment[400];
    for (int r = 0; r < m->n_reds; r++) {
        snprintf(name, sizeof name, "%s_reduce_%d", pop, r);
        snprintf(result, sizeof result, "c->red[%d]", r);
        rct_cu_tree t = {name, "rectic_dctx", m->reds[r].fn, r, NULL, NULL, result};
        rct_emcu_tree(E, &t);
    }
    for (int j = W->ne.plan.first_part[p]; j < W->ne.plan.first_part[p + 1]; j++) {
        const rct_net_part *t = &W->ne.plan.parts[j];
        if (!part_runs(W, j))
            continue;
        char of[32] = "";
        if (!t->update)
            snprintf(of, sizeof of, " (of %d)", m->n_passes);
        snprintf(comment, sizeof comment, "%s, pass %d%s%s%s: one thread per unit i", pop, t->pass, of,
                 t->half == 1 ? ", the equations that read no projection" : t->half == 2 ? ", after the projections" : "",
                 t->update ? ", the last: records, integrates, resets, sets the spike bits" : "");
        E->skip_eq = t->half == 1 ? W->ne.plan.late[p] : t->half == 2 ? W->ne.plan.early[p] : NULL;
        rct_emcu_pass(E, t->pass, rct_net_part_name(o, &W->ne.plan, j, name, sizeof name), comment, t->update,
                      t->update);
        E->skip_eq = NULL;
    }
    rct_net_emitter_flush(&W->out, E);
}

/* Writes projection k's kernels: its contribution into its target and, delayed, the store into its ring. */
static void write_projection(cu_writer *W, int k)
{
    const rct_emit_net *o = W->o;
    const rct_emit_proj *pr = &o->projs[k];
    rct_emitter *E = &W->ne.em[pr->tgt_pop];
    char src[256], tgt[256], x[700], name[64], label[64];
    rct_net_proj_paths(o, k, src, tgt, sizeof src);
    if (pr->delay > 0)
        snprintf(x, sizeof x, "c->ring + ((c->step0 + k + 1) %% %ld)*c->n_src; /* %s of step n - %ld (zeros before "
                              "step %ld) */", pr->delay + 1, src, pr->delay, pr->delay);
    else
        snprintf(x, sizeof x, "c->x; /* %s */", src);
    int first = rct_net_first_into(o, k);
    snprintf(name, sizeof name, "proj_%d", k);
    snprintf(label, sizeof label, "projection %d, %s contribution:", k, first ? "the first" : "a later");
    rct_cu_product d = {"rectic_dproj", "const long n_tgt = c->n_tgt, n_src = c->n_src;", "n_tgt", "n_src", x, "c->t",
                        first ? "=" : "+=", label, tgt, src};
    char sum[80], prelude[800];
    switch (pr->mode) {
    case RCT_COUP_INLINE:
        rct_emcu_rows(E, &d, name);
        break;
    case RCT_COUP_CSR:
    case RCT_COUP_EVENT: /* the CPU keeps W @ source up to date from the spikes; the GPU sums it anew each step */
        rct_emcu_csr(E, &d, name);
        snprintf(sum, sizeof sum, "%s_warp", name);
        rct_emcu_csr_warp(E, &d, sum);
        snprintf(sum, sizeof sum, "%s_tree", name);
        rct_emcu_csr_tree(E, &d, sum);
        break;
    case RCT_COUP_DENSE:
        snprintf(sum, sizeof sum, "%s_part", name);
        rct_emcu_gemv(E, &d, sum, name);
        break;
    default:
        rct_buf_printf(&E->b, "/* %s %s = weight * (the sum of %s in unit order) */\n", label,
                       tgt, src);
        snprintf(sum, sizeof sum, "%s_sum", name);
        snprintf(prelude, sizeof prelude, "    const long n = c->n_src;\n    const %s *const x_src = %s\n", E->real, x);
        rct_cu_tree t = {sum, "rectic_dproj", RCT_F_SUM, -1, prelude, "x_src[i]", "c->sum[0]"};
        rct_emcu_tree(E, &t);
        rct_buf_printf(&E->b, "/* %s every unit of %s takes weight * the sum */\n", label, tgt);
        rct_emcu_kernel_head(E, name, "rectic_dproj", NULL, "c->n_tgt");
        rct_em_scalar_contribution(E, "c->weight", "c->sum[0]", first, "    ");
        rct_buf_printf(&E->b, "    c->t[i] %s contribution;\n}\n\n", d.op);
    }
    if (pr->delay > 0) {
        rct_buf_printf(&E->b, "/* projection %d: stores %s of this step in ring slot step mod %ld */\n", k, src,
                       pr->delay + 1);
        snprintf(name, sizeof name, "proj_%d_store", k);
        rct_emcu_kernel_head(E, name, "rectic_dproj", "const long n_src = c->n_src;", "n_src");
        rct_buf_printf(&E->b, "    c->ring[((c->step0 + k) %% %ld)*n_src + i] = c->x[i];\n}\n\n", pr->delay + 1);
    }
    rct_net_emitter_flush(&W->out, E);
}

void rct_cun_sched_free(rct_cun_sched *sched)
{
    if (!sched)
        return;
    free(sched->ops);
    sched->ops = NULL;
    sched->n_ops = 0;
}

char *rct_emit_cuda_net(const rct_emit_net *o, rct_cun_sched *sched, rct_err *err)
{
    if (sched)
        memset(sched, 0, sizeof *sched);
    for (int p = 0; o && o->pop_names && p < o->n_pops; p++)
        if (o->pop_names[p] && strlen(o->pop_names[p]) > RCT_CUN_NAME - 32) {
            rct_errf(err, RECTIC_EINVAL, "population name '%.40s...' is too long for a kernel name (at most %d "
                     "characters)", o->pop_names[p], RCT_CUN_NAME - 32);
            return NULL;
        }
    cu_writer W;
    memset(&W, 0, sizeof W);
    W.o = o;
    rct_buf_init(&W.out);
    int rc = rct_net_emitters_start(&W.ne, o, err);
    if (!rc)
        rc = check_order(&W, err);
    if (!rc && schedule(&W))
        rc = rct_oom(err);
    if (!rc) {
        write_header(&W);
        write_prelude(&W);
        for (int p = 0; p < o->n_pops; p++)
            write_population(&W, p);
        for (int k = 0; k < o->n_projs; k++)
            write_projection(&W, k);
    }
    rct_net_emitters_end(&W.ne, o);
    char *src = rc ? NULL : rct_buf_take(&W.out);
    if (rc)
        rct_buf_free(&W.out);
    else if (!src)
        rc = rct_oom(err);
    if (!rc && sched)
        *sched = W.sched;
    else
        rct_cun_sched_free(&W.sched);
    return src;
}

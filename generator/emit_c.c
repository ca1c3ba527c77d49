/*
 * emit_c.c -- C code generation: one kernel function that runs K Euler steps of the whole network.
 *
 * The per-neuron arithmetic (expressions, loads, equations, Euler update) comes from emit_common.c,
 * which the CUDA emitter shares, and so do a product's row sum (emit_product.c), a reduction's loop and the
 * recorder (emit_record.c, with the C target's hooks here); this file adds the C structure around them:
 * the loops over neurons, the coupling product through CBLAS, the reductions as sequential loops, the
 * spike list and when to record.  Event-driven coupling is emit_c_event.c's.
 * Only validated identifiers and numbers re-printed from parsed doubles reach the output; template text
 * never does.
 */
#include "emit_c.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c_event.h"
#include "emit_c_parts.h"
#include "emit_common.h"
#include "emit_decls.h"
#include "emit_product.h"
#include "emit_record.h"
#include "kernel_abi.h"

/* ---------------------------------------------------------------- symbols for the JIT */

const rct_symbol *rct_emit_symbols(void)
{
    static const rct_symbol syms[] = {
        {"sin", (void *)sin}, {"cos", (void *)cos}, {"tan", (void *)tan}, {"sinh", (void *)sinh},
        {"cosh", (void *)cosh}, {"tanh", (void *)tanh}, {"asin", (void *)asin}, {"acos", (void *)acos},
        {"atan", (void *)atan}, {"exp", (void *)exp}, {"log", (void *)log}, {"sqrt", (void *)sqrt},
        {"fabs", (void *)fabs}, {"rint", (void *)rint}, {"pow", (void *)pow},
        {"sinf", (void *)sinf}, {"cosf", (void *)cosf}, {"tanf", (void *)tanf}, {"sinhf", (void *)sinhf},
        {"coshf", (void *)coshf}, {"tanhf", (void *)tanhf}, {"asinf", (void *)asinf}, {"acosf", (void *)acosf},
        {"atanf", (void *)atanf}, {"expf", (void *)expf}, {"logf", (void *)logf}, {"sqrtf", (void *)sqrtf},
        {"fabsf", (void *)fabsf}, {"rintf", (void *)rintf}, {"powf", (void *)powf},
        {NULL, NULL}};
    return syms;
}

/* Writes text formatted as printf does, each line after `ind` (empty lines stay empty). */
static void put_indented(rct_emitter *E, const char *ind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put_indented(rct_emitter *E, const char *ind, const char *fmt, ...)
{
    rct_buf text;
    rct_buf_init(&text);
    va_list ap;
    va_start(ap, fmt);
    rct_buf_vprintf(&text, fmt, ap);
    va_end(ap);
    if (text.failed)
        E->b.failed = 1;
    for (const char *line = text.s; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > 0)
            rct_buf_puts(&E->b, ind);
        rct_buf_putn(&E->b, line, len);
        if (end)
            rct_buf_putc(&E->b, '\n');
        line += len + (end != NULL);
    }
    rct_buf_free(&text);
}

void rct_emc_reductions(rct_emitter *E, int p, const char *ind)
{
    const rct_model *m = E->m;
    char inner[64];
    snprintf(inner, sizeof inner, "%s    ", ind);
    for (int r = 0; r < m->n_reds; r++) {
        const rct_reduction *red = &m->reds[r];
        if (red->before_pass != p)
            continue;
        rct_em_red_comment(E, r, ind);
        char acc[32], inner2[72];
        snprintf(acc, sizeof acc, "reduce_%d", r);
        snprintf(inner2, sizeof inner2, "%s    ", inner);
        put_indented(E, ind, "%s reduce_%d = 0;\n"
                             "if (c->mpi_values) { /* under MPI: every process's terms, combined in neuron order */\n"
                             "    for (long i = c->lo; i < c->hi; i++) {\n", E->real, r);
        rct_em_red_value(E, r, inner2);
        put_indented(E, ind, "        c->mpi_terms[i] = x;\n"
                             "    }\n"
                             "    c->mpi_values(c->mpi, c->mpi_terms);\n");
        rct_red_loop terms = {red->fn, -1, "c->mpi_terms[i]", acc, "0", "n", "i++", 1};
        rct_em_red_loop(E, &terms, inner);
        put_indented(E, ind, "} else {\n");
        rct_red_loop loop = {red->fn, r, NULL, acc, "0", "n", "i++", 1};
        rct_em_red_loop(E, &loop, inner);
        put_indented(E, ind, "}\n");
        if (red->fn == RCT_F_MEAN)
            put_indented(E, ind, "reduce_%d = reduce_%d/(%s)n;\n", r, r, E->real);
    }
}

int rct_emit_w_by_columns(const rct_emit_opts *o)
{
    return o->coupling && o->coupling_mode == RCT_COUP_INLINE && o->fixed_n > 0 && o->fixed_n <= RCT_UNROLL_MAX_N;
}

/* Writes the coupling product of a small network of fixed size with each row's sum written out: the
   same additions in the same order as the loop (starting from 0), which TinyCC computes without a loop.
   W comes by columns, so that gcc computes four rows at once (the loop is marked for it). */
static void emit_coupling_rows(rct_emitter *E)
{
    const rct_model *m = E->m;
    const rct_var *src = &m->vars[m->source], *tgt = &m->vars[m->target];
    rct_buf_printf(&E->b, "        /* coupling: %s = W @ %s (row i of W = target neuron i), summed in column order; W by\n"
                          "           columns: W[i][j] = w[j*n + i].  Each sum starts from 0, as the loop's accumulator\n"
                          "           does (0 + -0 is +0): the same bits as the loop */\n"
                          "        RECTIC_SIMD\n"
                          "        for (long i = c->lo; i < c->hi; i++) {\n"
                          "            const %s *const w_i = w + i; /* row i: w_i[j*n] */\n"
                          "            %s_arr[i] = 0", tgt->name, src->name, E->real, tgt->cname);
    for (long j = 0; j < E->o->fixed_n; j++) {
        rct_buf_puts(&E->b, j > 0 && j % 4 == 0 ? "\n                + " : " + ");
        rct_buf_printf(&E->b, "w_i[%ld]*%s_arr[%ld]", j * E->o->fixed_n, src->cname, j);
    }
    rct_buf_puts(&E->b, ";\n        }\n");
}

/* Dense coupling of a kernel built with OpenMP: the rows of W go in blocks of 64 to the kernel's own threads
   as they come free (a thread that a busy machine holds back costs one block, not half of W), each running
   the row kernel on its block.  Each row's sum is the row kernel's, whoever computes it: the same bits on
   any number of threads. */
static void emit_gemv_split(rct_emitter *E, const char *s, const char *t)
{
    rct_buf_printf(&E->b, "#ifdef _OPENMP\n"
                          "        if (c->threads > 1) {\n"
                          "            RECTIC_PARALLEL_BLOCKS\n"
                          "            for (long first = c->lo; first < c->hi; first += 64) {\n"
                          "                const long last = first + 64 < c->hi ? first + 64 : c->hi;\n"
                          "                c->gemv(last - first, n, w + first*n, %s_arr, %s_arr + first);\n"
                          "            }\n"
                          "        } else\n"
                          "#endif\n", s, t);
}

/* Writes the coupling product W @ source if it runs before pass p. */
static void emit_coupling(rct_emitter *E, int p)
{
    const rct_model *m = E->m;
    if (!E->o->coupling || m->coupling_before != p)
        return;
    const rct_var *src = &m->vars[m->source], *tgt = &m->vars[m->target];
    const char *s = src->cname, *t = tgt->cname;
    if (src->kind == RCT_VK_ALG && E->o->coupling_mode != RCT_COUP_EVENT) /* computed for lo .. hi-1 only */
        rct_buf_printf(&E->b, "        if (c->mpi_values) /* under MPI: every process's %s, on all */\n"
                              "            c->mpi_values(c->mpi, %s_arr);\n", src->name, s);
    switch (E->o->coupling_mode) {
    case RCT_COUP_INLINE:
    case RCT_COUP_CSR: {
        int sparse = E->o->coupling_mode == RCT_COUP_CSR;
        if (!sparse && E->o->fixed_n > 0 && E->o->fixed_n <= RCT_UNROLL_MAX_N) {
            emit_coupling_rows(E);
            break;
        }
        char x[80], target[80];
        snprintf(x, sizeof x, "%s_arr", s);
        snprintf(target, sizeof target, "%s_arr", t);
        rct_row_sum row = {sparse, "w", "n", "", x, target, "="};
        rct_buf_printf(&E->b, sparse ? "        /* coupling: %s = W @ %s with W in compressed sparse rows */\n"
                                     : "        /* coupling: %s = W @ %s (row i of W = target neuron i), summed in column order */\n",
                       tgt->name, src->name);
        rct_buf_printf(&E->b, "%s        for (long i = c->lo; i < c->hi; i++) {\n",
                       E->o->parallel ? "        RECTIC_PARALLEL_FOR\n" : "");
        rct_em_row_sum(E, &row, "            ");
        rct_buf_puts(&E->b, "        }\n");
        break;
    }
    case RCT_COUP_EVENT:
        rct_buf_printf(&E->b, "        /* coupling: %s = W @ %s is kept up to date from the spikes (after the update) */\n",
                       tgt->name, src->name);
        break;
    default:
        rct_buf_printf(&E->b, "        /* coupling: %s = W @ %s (row i of W = target neuron i) */\n", tgt->name, src->name);
        if (E->o->parallel)
            emit_gemv_split(E, s, t);
        rct_buf_printf(&E->b, "        c->gemv(c->hi - c->lo, n, w + c->lo*n, %s_arr, %s_arr + c->lo); /* rows lo .. hi-1 */\n",
                       s, t);
    }
}

void rct_emc_pass(rct_emitter *E, int p, int update, const char *ind)
{
    const rct_model *m = E->m;
    char inner[64];
    snprintf(inner, sizeof inner, "%s    ", ind);
    if (!rct_em_pass_mark(E, p))
        return;
    /* the spikes in a loop of their own, so that no branch keeps the update loop from being vectorised */
    if (update && E->o->spiking && E->o->fixed_n > 0)
        put_indented(E, ind, "/* the spikes of this step, in neuron order: where %s >= threshold before the update (a\n"
                             "   loop of its own, so that the update loop, which tests it again, has no branch) */\n"
                             "const long first_spike = c->n_spikes;\n"
                             "for (long i = c->lo; i < c->hi; i++) /* the neurons this process updates */\n"
                             "    if (%s_arr[i] >= threshold) {\n"
                             "        c->spikes[2*c->n_spikes] = c->step;\n"
                             "        c->spikes[2*c->n_spikes + 1] = i;\n"
                             "        c->n_spikes++;\n"
                             "    }\n"
                             "if (c->mpi_spikes) /* under MPI: every process's spikes, in neuron order */\n"
                             "    c->mpi_spikes(c->mpi, c, first_spike);\n", m->vars[m->spike_def].name,
                     m->vars[m->spike_def].cname);
    else if (update && E->o->spiking)
        put_indented(E, ind, "/* the spikes of this step, in neuron order: where %s >= threshold before the update (a\n"
                             "   loop of its own, so that the update loop, which tests it again, has no branch; each\n"
                             "   block of 32 neurons looked at as a whole first, a loop without branches: most have none) */\n"
                             "const long first_spike = c->n_spikes;\n"
                             "for (long i0 = c->lo; i0 < c->hi; i0 += 32) { /* the neurons this process updates */\n"
                             "    const long i1 = i0 + 32 < c->hi ? i0 + 32 : c->hi;\n"
                             "    int any = 0;\n"
                             "    for (long i = i0; i < i1; i++)\n"
                             "        any |= %s_arr[i] >= threshold;\n"
                             "    if (any)\n"
                             "        for (long i = i0; i < i1; i++)\n"
                             "            if (%s_arr[i] >= threshold) {\n"
                             "                c->spikes[2*c->n_spikes] = c->step;\n"
                             "                c->spikes[2*c->n_spikes + 1] = i;\n"
                             "                c->n_spikes++;\n"
                             "            }\n"
                             "}\n"
                             "if (c->mpi_spikes) /* under MPI: every process's spikes, in neuron order */\n"
                             "    c->mpi_spikes(c->mpi, c, first_spike);\n", m->vars[m->spike_def].name, m->vars[m->spike_def].cname,
                     m->vars[m->spike_def].cname);
    /* a fixed-size kernel's loop is marked: its neurons are independent, and gcc vectorises the loop only
       when told (its trip count is too small for its cost model) */
    put_indented(E, ind, "%sfor (long i = c->lo; i < c->hi; i++) { /* the neurons this process updates */\n",
                 E->o->parallel ? "RECTIC_PARALLEL_FOR\n" : E->o->fixed_n > 0 ? "RECTIC_SIMD\n" : "");
    rct_em_loads(E, p, update, inner);
    rct_em_pass_eqs(E, p, inner);
    if (update)
        rct_em_euler(E, inner);
    put_indented(E, ind, "}\n");
}

void rct_emc_parallel_macro(rct_emitter *E)
{
    rct_buf_puts(&E->b,
        "\n/* Built with OpenMP (the cc backend), the loops over neurons run on c->threads threads, handed out\n"
        "   in chunks of 1024 neurons (blocks of rows: one at a time) as threads come free, so that a thread\n"
        "   that a busy machine holds back costs a chunk, not half the loop; every neuron's arithmetic is\n"
        "   unchanged, so are the results.  Other compilers see nothing. */\n"
        "#ifdef _OPENMP\n"
        "#define RECTIC_PARALLEL_FOR _Pragma(\"omp parallel for schedule(dynamic, 1024) num_threads(c->threads) "
        "if(c->threads > 1)\")\n"
        "#define RECTIC_PARALLEL_BLOCKS _Pragma(\"omp parallel for schedule(dynamic) num_threads(c->threads)\")\n"
        "#define RECTIC_PARALLEL_REGION _Pragma(\"omp parallel num_threads(c->threads)\")\n"
        "int omp_get_num_threads(void);\n"
        "int omp_get_thread_num(void);\n"
        "#else\n"
        "#define RECTIC_PARALLEL_FOR\n"
        "#endif\n");
}

/* How a C kernel records (emit_record.h): the kernel decides when (rct_emc_record_due) and calls
   rectic_record once per phase; a call copies whole rows of the entries of that phase into rec_buf. */
static const rct_rec_target c_record = {
    .comment = "/* Records step c->step into row c->rec_row (`take`; else only sums the output of a mean): phase 0\n"
               "   before the update (state, input, parameters), phase 1 after the passes (algebraic variables,\n"
               "   coupling).  Entry 0 (the output) may be averaged between rows. */",
    .head = "static void rectic_record(rectic_kctx *c, int phase, const real *in, int take)",
    .due = "",
    .entry = "rectic_krec",
    .skip = "r->phase != phase",
    .locate = "        const long *const idx = r->idx; /* a subset: column i holds unit idx[i] */\n"
              "        const long count = idx ? r->count : n;\n"
              "        double *const row = c->rec_buf[k] + c->rec_row*count;\n",
    .each = "for (long i = 0; i < count; i++)",
    .unit = "(idx ? idx[i] : i)",
    .cell = "row[i]",
    .steps = "            const long steps = ++c->acc_count; /* steps summed since the previous row */\n",
    .mean_end = "            if (take)\n"
                "                c->acc_count = 0;\n",
    .block = "        } else if (take && !idx && r->stride == 1) { /* the whole block as it is */\n"
             "            for (long i = 0; i < n; i++)\n"
             "                row[i] = src[i];\n",
};

void rct_emc_record_due(rct_buf *b, const char *c, const char *step, const char *mean)
{
    rct_buf_printf(b, "        const int take = %ssample_every == 1 || %s %% %ssample_every == 0; /* a row is due */\n"
                      "        const int record = %s >= %scutoff && %srec_row < %srec_cap && (take || %s);\n",
                   c, step, c, step, c, c, c, mean);
}

void rct_emc_recorder(rct_emitter *E)
{
    rct_buf_putc(&E->b, '\n');
    rct_em_recorder(E, &c_record);
}

/* Writes the helper functions and the recording routine. */
static void emit_helpers(rct_emitter *E, int event, const rct_expr *event_gain)
{
    size_t start = E->b.len;
    rct_buf_putc(&E->b, '\n'); /* a blank line before the declarations, kept only if there are some */
    rct_em_math_decls(E);
    rct_em_helper_fns(E, "static ");
    if (E->b.len == start + 1)
        E->b.len = start;
    if (event)
        rct_emc_event_fns(E, event_gain);
    if (E->o->fixed_n > 0)
        rct_buf_puts(&E->b,
            "\n/* RECTIC_SIMD marks a loop whose neurons are independent: built with OpenMP (the cc backend), the\n"
            "   compiler computes several neurons at once.  Each neuron's arithmetic, and so every result, is\n"
            "   unchanged.  Without OpenMP the mark is empty. */\n"
            "#ifdef _OPENMP\n"
            "#define RECTIC_SIMD _Pragma(\"omp simd\")\n"
            "#else\n"
            "#define RECTIC_SIMD\n"
            "#endif\n");
    if (E->o->parallel)
        rct_emc_parallel_macro(E);
    if (E->o->parallel && event)
        rct_emc_event_parallel_min(E);
    rct_emc_recorder(E);
}

char *rct_emit_c(const rct_model *m, const rct_emit_opts *o, rct_err *err)
{
    rct_emitter E;
    if (rct_em_init(&E, m, o, err))
        return NULL;
    rct_em_header(&E, "kernel", "");
    rct_buf_puts(&E.b, " *\n * rectic_kernel runs up to `steps` forward-Euler steps.  Each step, from the state at t_n:\n"
                       " *   - records what is due (the algebraic variables and the coupling once computed),\n");
    if (o->coupling)
        rct_buf_puts(&E.b, " *   - computes the coupling product,\n");
    if (o->spiking)
        rct_buf_puts(&E.b, " *   - lists the neurons that spike,\n");
    rct_buf_printf(&E.b, " *   - evaluates the equations of every neuron and updates its state%s.\n */\n",
                   o->spiking ? " (resetting those that spiked)" : "");
    rct_buf_printf(&E.b, "typedef %s real;\n\n", E.type);
    rct_buf_puts(&E.b, "/* the kernel ABI (generator/kernel_abi.h) */\n");
    rct_em_struct(&E, RCT_KCTX_TEXT);
    /* event-driven coupling: tau and c of the source's equation (the runtime checked the form) */
    const rct_expr *ev_tau = NULL, *ev_gain = NULL;
    char why[512];
    int event = o->coupling && o->coupling_mode == RCT_COUP_EVENT &&
                rct_model_event_form(m, &ev_tau, &ev_gain, why, sizeof why);
    emit_helpers(&E, event, ev_gain);
    rct_buf_puts(&E.b, "long rectic_kernel(rectic_kctx *c, long steps)\n{\n");
    rct_em_prologue(&E, "    ");
    if (o->coupling && (o->coupling_mode == RCT_COUP_INLINE || o->coupling_mode == RCT_COUP_DENSE))
        rct_buf_printf(&E.b, "    const %s *const w = c->w;\n", E.real);
    if (o->coupling && (o->coupling_mode == RCT_COUP_CSR || o->coupling_mode == RCT_COUP_EVENT))
        rct_buf_printf(&E.b, "    const long *const csr_ptr = c->csr_ptr; /* W by %s */\n"
                             "    const int *const csr_col = c->csr_col;\n"
                             "    const %s *const csr_val = c->csr_val;\n",
                       o->coupling_mode == RCT_COUP_CSR ? "rows (compressed sparse rows)" : "columns (compressed sparse columns)",
                       E.real);
    if (event)
        rct_emc_event_constants(&E, ev_tau, ev_gain);
    rct_buf_puts(&E.b, "    int rec_phase0 = 0, rec_phase1 = 0; /* is anything recorded before / after the update? */\n"
                       "    int copy_state = c->n_rec > 0 && !c->sample_mean; /* the common case: state variables, no mean */\n"
                       "    for (int k = 0; k < c->n_rec; k++) {\n"
                       "        rec_phase0 |= c->rec[k].phase == 0;\n"
                       "        rec_phase1 |= c->rec[k].phase == 1;\n"
                       "        copy_state &= c->rec[k].where == 0;\n"
                       "    }\n"
                       "    long done;\n    for (done = 0; done < steps; done++) {\n");
    if (o->spiking)
        rct_buf_puts(&E.b, "        if (c->n_spikes + n > c->cap_spikes)\n"
                           "            break; /* the runtime grows the spike buffer and calls again */\n");
    rct_buf_printf(&E.b, "        const %s *const in = c->input + done*c->in_row;\n", E.real);
    if (event)
        rct_buf_puts(&E.b, "        const long spikes_before = c->n_spikes;\n");
    rct_emc_record_due(&E.b, "c->", "c->step", "c->sample_mean");
    rct_buf_puts(&E.b, "        if (record && copy_state) { /* each row a plain copy of the variable's block */\n"
                       "            for (int k = 0; k < c->n_rec; k++) {\n"
                       "                const real *const src = c->y + c->rec[k].slot*n;\n"
                       "                const long *const idx = c->rec[k].idx; /* a subset: column j holds neuron idx[j] */\n"
                       "                if (idx) {\n"
                       "                    double *const row = c->rec_buf[k] + c->rec_row*c->rec[k].count;\n"
                       "                    for (long j = 0; j < c->rec[k].count; j++)\n"
                       "                        row[j] = src[idx[j]];\n"
                       "                    continue;\n"
                       "                }\n"
                       "                double *const row = c->rec_buf[k] + c->rec_row*n;\n"
                       "                for (long i = 0; i < n; i++)\n"
                       "                    row[i] = src[i];\n"
                       "            }\n"
                       "        } else if (record && rec_phase0) {\n"
                       "            rectic_record(c, 0, in, take);\n"
                       "        }\n");
    for (int p = 0; p < m->n_passes; p++) {
        emit_coupling(&E, p);
        rct_emc_reductions(&E, p, "        ");
        rct_emc_pass(&E, p, p == m->n_passes - 1, "        ");
    }
    rct_buf_puts(&E.b, "        if (record && rec_phase1)\n"
                       "            rectic_record(c, 1, in, take);\n"
                       "        c->rec_row += record && take;\n");
    if (event)
        rct_emc_event_update(&E, ev_gain);
    rct_buf_puts(&E.b, "        c->step++;\n    }\n    return done;\n}\n");
    return rct_em_finish(&E, err);
}

/*
 * emit_c_event.c -- event-driven coupling in the C kernels: target = W @ source kept up to date from the
 * spikes of a source obeying s' = -s/tau + c*spike, instead of a product every step.  The helper functions
 * of the single-template kernel (rectic_scale_add, rectic_event), its constants and its update after the
 * step, and the decay and gain every event-driven update computes (the network kernel's too).  Only
 * validated identifiers and numbers reach the output.
 */
#include "emit_c_event.h"

#include <stdio.h>

#define RCT_STR_(x) #x
#define RCT_STR(x) RCT_STR_(x)

/* Event-driven updates touching fewer elements (n plus the spiking columns' entries) stay on one thread. */
#define RCT_EVENT_PARALLEL_MIN 65536L

/* Event-driven coupling: after the step, moves target = W @ source along the source's equation
   s' = -s/tau + c*spike (rectic_event).  In a kernel for many neurons, a step whose update touches many
   elements shares the targets out among the kernel's threads (each thread the same operations in the same
   order on its own targets: the same bits); a small one stays on one thread, where a parallel region would
   cost more than it saves. */
void rct_emc_event_update(rct_emitter *E, const rct_expr *gain)
{
    const rct_model *m = E->m;
    const char *g = gain ? ", event_gain" : "";
    const char *t = m->vars[m->target].cname, *tn = m->vars[m->target].name, *sn = m->vars[m->source].name;
    rct_buf_printf(&E->b, "        /* coupling for the next step: %s = W @ %s moves as %s does, then takes the columns of W of\n"
                          "           the neurons that spiked (rectic_event) */\n", tn, sn, sn);
    if (!E->o->parallel) {
        rct_buf_printf(&E->b, "        rectic_event(%s_arr, c, spikes_before, c->lo, c->hi, event_decay%s);\n", t, g);
        return;
    }
    rct_buf_printf(&E->b, "        {\n"
                          "            long work = n; /* the elements this update touches */\n"
                          "            for (long k = spikes_before; k < c->n_spikes; k++)\n"
                          "                work += csr_ptr[c->spikes[2*k + 1] + 1] - csr_ptr[c->spikes[2*k + 1]];\n"
                          "#ifdef _OPENMP\n"
                          "            if (c->threads > 1 && work >= RECTIC_EVENT_PARALLEL_MIN) { /* targets shared out */\n"
                          "                RECTIC_PARALLEL_REGION\n"
                          "                {\n"
                          "                    const long team = omp_get_num_threads(), per = (c->hi - c->lo + 8*team - 1)/(8*team)*8;\n"
                          "                    const long lo = c->lo + omp_get_thread_num()*per, hi = lo + per < c->hi ? lo + per : c->hi;\n"
                          "                    if (lo < hi)\n"
                          "                        rectic_event(%s_arr, c, spikes_before, lo, hi, event_decay%s);\n"
                          "                }\n"
                          "            } else\n"
                          "#endif\n"
                          "            rectic_event(%s_arr, c, spikes_before, c->lo, c->hi, event_decay%s);\n"
                          "        }\n", t, g, t, g);
}

/* Writes rectic_event, the update of event-driven coupling for the targets lo .. hi-1: x decays as the source
   does, x*(1 - dt/tau), and takes c times the column of W of each neuron that spiked in this step, in spike
   order (spike = spk/dt, so that dt*c*spike adds c per spike).  Consecutive full columns go up to eight in one
   pass; the first pass also scales.  The targets of a column are in increasing order. */
static void event_fn(rct_emitter *E, const rct_expr *gain)
{
    const char *g = gain ? ", c_gain" : "";
    rct_buf_printf(&E->b, "\n/* Event-driven coupling of the targets lo .. hi-1 for the spikes from c->spikes[first] on: x decays, then\n"
                          "   takes the columns of W of the neurons that spiked, in spike order (W by columns: csr_ptr, csr_col,\n"
                          "   csr_val).  Each target sees the same operations in the same order whatever its range. */\n"
                          "static void rectic_event(real *x, const rectic_kctx *c, long first, long lo, long hi, real decay%s)\n"
                          "{\n"
                          "    const long *const csr_ptr = c->csr_ptr;\n"
                          "    const int *const csr_col = c->csr_col;\n"
                          "    const real *const csr_val = c->csr_val;\n"
                          "    const real *full[8]; /* consecutive full columns, added up to eight in one pass */\n"
                          "    int n_full = 0;\n"
                          "    real scale = decay; /* the first pass scales, the later ones only add */\n"
                          "    for (long k = first; k < c->n_spikes; k++) {\n"
                          "        const long j = c->spikes[2*k + 1], q0 = csr_ptr[j], q1 = csr_ptr[j + 1];\n"
                          "        if (q1 - q0 == c->n) { /* a full column: targets 0 .. n-1 in order */\n"
                          "            full[n_full++] = csr_val + q0;\n"
                          "            if (n_full == 8) {\n"
                          "                rectic_scale_add(x, scale, full, n_full, lo, hi%s);\n"
                          "                n_full = 0;\n"
                          "                scale = 1;\n"
                          "            }\n"
                          "            continue;\n"
                          "        }\n"
                          "        /* the full ones before it, then this sparse one from its first target >= lo */\n"
                          "        rectic_scale_add(x, scale, full, n_full, lo, hi%s);\n"
                          "        n_full = 0;\n"
                          "        scale = 1;\n"
                          "        long q = q0, q_end = q1;\n"
                          "        while (lo > 0 && q < q_end) {\n"
                          "            const long mid = q + (q_end - q)/2;\n"
                          "            if (csr_col[mid] < lo)\n"
                          "                q = mid + 1;\n"
                          "            else\n"
                          "                q_end = mid;\n"
                          "        }\n"
                          "        for (; q < q1 && csr_col[q] < hi; q++)\n"
                          "            x[csr_col[q]] += %scsr_val[q];\n"
                          "    }\n"
                          "    if (n_full > 0 || scale != 1)\n"
                          "        rectic_scale_add(x, scale, full, n_full, lo, hi%s);\n"
                          "}\n", gain ? ", real c_gain" : "", g, g, gain ? "c_gain*" : "", g);
}

/* Writes rectic_scale_add, the helper of event-driven coupling: x = x*scale + col[0] + ... + col[m-1]
   (each column times the gain where the source's drive has one), the same operations in the same order as
   scaling and then adding one column at a time, in passes of up to eight columns (memory streams side by
   side); the passes after the first get scale 1 (exact). */
static void scale_add_fn(rct_emitter *E, const rct_expr *gain)
{
    static const char *const names[8] = {"a", "b", "d", "e", "f", "g", "h", "o"};
    rct_buf_printf(&E->b, "\n/* x = x*scale + %scol[0] + ... + %scol[m-1]: the same operations in the same order as scaling and\n"
                          "   then adding one column at a time, in passes of up to eight columns (memory streams side by side);\n"
                          "   the passes after the first scale by 1, which changes nothing.  m = 0 only scales (before a sparse\n"
                          "   column), and not at all by 1: a step with many sparse columns scales once. */\n"
                          "static void rectic_scale_add(real *x, real scale, const real *const *col, int m, long lo, long hi%s)\n"
                          "{\n"
                          "    if (m == 0 && scale != 1)\n"
                          "        for (long i = lo; i < hi; i++)\n"
                          "            x[i] = x[i]*scale;\n",
                   gain ? "c*" : "", gain ? "c*" : "", gain ? ", real c" : "");
    for (int w = 8; w >= 1; w /= 2) {
        rct_buf_printf(&E->b, "    for (; m >= %d; m -= %d, col += %d, scale = 1) {\n", w, w, w);
        for (int k = 0; k < w; k += 4) {
            rct_buf_puts(&E->b, "        const real ");
            for (int q = k; q < w && q < k + 4; q++)
                rct_buf_printf(&E->b, "%s*const %s = col[%d]", q > k ? ", " : "", names[q], q);
            rct_buf_puts(&E->b, ";\n");
        }
        rct_buf_puts(&E->b, "        for (long i = lo; i < hi; i++)\n            x[i] = x[i]*scale");
        for (int q = 0; q < w; q++)
            rct_buf_printf(&E->b, " + %s%s[i]", gain ? "c*" : "", names[q]);
        rct_buf_puts(&E->b, ";\n    }\n");
    }
    rct_buf_puts(&E->b, "}\n");
}

void rct_emc_event_fns(rct_emitter *E, const rct_expr *gain)
{
    scale_add_fn(E, gain);
    event_fn(E, gain);
}

void rct_emc_event_parallel_min(rct_emitter *E)
{
    rct_buf_puts(&E->b, "/* an event-driven update touching at least this many elements shares its targets out among the\n"
                        "   threads (fewer: a parallel region would cost more than it saves; bench --threads-only) */\n"
                        "#define RECTIC_EVENT_PARALLEL_MIN " RCT_STR(RCT_EVENT_PARALLEL_MIN) "\n");
}

void rct_emc_event_decay(rct_emitter *E, const rct_expr *tau, const rct_expr *gain, const char *prefix,
                         const char *note)
{
    int paren = tau->kind != RCT_E_NUM && tau->kind != RCT_E_VAR;
    rct_buf_printf(&E->b, "    const real %sdecay = (real)(1 - dt/%s", prefix, paren ? "(" : "");
    rct_em_expr(E, tau);
    rct_buf_printf(&E->b, "%s);%s\n", paren ? ")" : "", note);
    if (gain) {
        rct_buf_printf(&E->b, "    const real %sgain = (real)(", prefix);
        rct_em_expr(E, gain);
        rct_buf_puts(&E->b, "); /* added per spike, times the column */\n");
    }
}

/* Writes the constants of event-driven coupling: the target's decay per step, 1 - dt/tau, and the drive's
   gain c (when it has one), both from the source's equation s' = -s/tau + c*spike. */
void rct_emc_event_constants(rct_emitter *E, const rct_expr *tau, const rct_expr *gain)
{
    const rct_model *m = E->m;
    const rct_var *src = &m->vars[m->source];
    char note[300];
    rct_buf_puts(&E->b, "    /* event-driven coupling, from ");
    rct_emit_safe_comment(&E->b, m->eq_text[src->eq]);
    rct_buf_puts(&E->b, " */\n");
    snprintf(note, sizeof note, " /* %s decays as %s does */", m->vars[m->target].name, src->name);
    rct_emc_event_decay(E, tau, gain, "event_", note);
}

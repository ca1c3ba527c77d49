/*
 * emit_cuda_sparse.c -- the CUDA kernels of sparse coupling beyond a thread per row (emit_cuda_parts.h):
 * a warp per row of compressed sparse rows, and event-driven coupling kept up to date on the device.
 *
 * rectic_csr_tree, a warp per row in another order (RECTIC_CUDA_CSR=tree): lane l sums entries l, l + 32,
 * l + 64, ... of the row in order, then the 32 partial sums are added pairwise in a fixed tree (lanes
 * l and l + 16, then l and l + 8, ... down to 1): fewer instructions per entry, the same bits run to run
 * and on the emulation, but not the C kernel's order: within rounding of it (tests/check_cuda.c).
 *
 * The others keep the C kernel's order of operations, so their results are the C kernel's bits:
 *   - the warp per row loads 32 entries at a time (consecutive lanes, consecutive addresses: one
 *     transaction for the columns, one or two for the values), each lane rounds its own product, and lane
 *     0 adds the 32 products in stored order (the C loop's sum, product after product).  The products
 *     cross lanes through a slot per lane in shared memory (RCT_WARP_SLOTS), with __syncwarp between the
 *     phases; the host emulation runs the lanes of a warp one phase at a time (RCT_LANES: a loop over the 32
 *     lanes), which is the same lock-step order.
 *   - event-driven coupling does what the C kernel's rectic_event does (emit_c_event.c) target by target:
 *     x = x*decay, then + gain*w for each spiking source in increasing order (the C kernel adds the columns
 *     of the spiking neurons in spike order, which is neuron order within a step).  The spikes never leave
 *     the device: the update's spike bits of the step say who spiked; rectic_event_mark sets a bit per target
 *     that a spike reaches (integer atomics: the same bits whatever the timing), and rectic_event_gather
 *     scans only those targets' rows (W by target, entries in increasing source order).  No floating-point
 *     atomics: the same bits run to run.
 * Only validated identifiers and numbers reach the output.
 */
#include <stdio.h>

#include "emit_c_event.h"
#include "emit_cuda.h"
#include "emit_cuda_parts.h"

void rct_emcu_csr_warp(rct_emitter *E, const rct_cu_product *d, const char *name)
{
    const char *r = E->real;
    rct_buf_printf(&E->b, "/* %s %s = W @ %s with W in compressed sparse rows, a warp per row (thread 32*i + l is lane l\n"
                          "   of row i): the lanes load 32 entries at a time side by side and round their products, lane 0\n"
                          "   adds them in stored order (the C kernel's sum: the same bits). */\n", d->label, d->tgt, d->src);
    rct_buf_printf(&E->b, "RCT_KERNEL %s(const %s *c, long k)\n{\n"
                          "    const long i = RCT_TID/32; /* the same for the 32 lanes: a warp returns whole */\n"
                          "    %s\n"
                          "    if (i >= %s || !RCT_WARP_LEAD)\n        return;\n"
                          "    RCT_WARP_SLOTS(%s, prod); /* a product per lane */\n"
                          "    const %s *const x = %s\n"
                          "    const long q0 = c->csr_ptr[i], q1 = c->csr_ptr[i + 1];\n"
                          "    const int *const col = c->csr_col;\n"
                          "    const %s *const val = c->csr_val;\n"
                          "    %s acc = 0; /* lane 0's */\n"
                          "    for (long q = q0; q < q1; q += 32) {\n"
                          "        RCT_LANES(l) { /* read-only during the kernel: through the read-only cache */\n"
                          "            prod[l] = q + l < q1 ? RCT_LDG(&val[q + l])*RCT_LDG(&x[RCT_LDG(&col[q + l])]) : 0;\n"
                          "        }\n"
                          "        RCT_SYNCWARP();\n"
                          "        RCT_LANE0 {\n"
                          "            const int m = q1 - q < 32 ? (int)(q1 - q) : 32;\n"
                          "            for (int l = 0; l < m; l++)\n"
                          "                acc += prod[l];\n"
                          "        }\n"
                          "        RCT_SYNCWARP(); /* the slots are read before the next entries overwrite them */\n"
                          "    }\n"
                          "    RCT_LANE0 {\n"
                          "        %s[i] %s acc;\n"
                          "    }\n}\n\n",
                   name, d->ctx, d->sizes, d->rows, r, r, d->x, r, r, d->target, d->op);
}

void rct_emcu_csr_tree(rct_emitter *E, const rct_cu_product *d, const char *name)
{
    const char *r = E->real;
    rct_buf_printf(&E->b, "/* %s %s = W @ %s with W in compressed sparse rows, a warp per row (thread 32*i + l is lane l\n"
                          "   of row i): lane l sums entries l, l + 32, ... in order, then the partial sums are added pairwise\n"
                          "   (l + 16 into l, then l + 8, ..., 1): a fixed order, not the C kernel's (within rounding). */\n",
                   d->label, d->tgt, d->src);
    rct_buf_printf(&E->b, "RCT_KERNEL %s(const %s *c, long k)\n{\n"
                          "    const long i = RCT_TID/32; /* the same for the 32 lanes: a warp returns whole */\n"
                          "    %s\n"
                          "    if (i >= %s || !RCT_WARP_LEAD)\n        return;\n"
                          "    RCT_WARP_SLOTS(%s, part); /* a partial sum per lane */\n"
                          "    const %s *const x = %s\n"
                          "    const long q0 = c->csr_ptr[i], q1 = c->csr_ptr[i + 1];\n"
                          "    const int *const col = c->csr_col;\n"
                          "    const %s *const val = c->csr_val;\n"
                          "    RCT_LANES(l) { /* read-only during the kernel: through the read-only cache */\n"
                          "        %s acc = 0;\n"
                          "        for (long q = q0 + l; q < q1; q += 32)\n"
                          "            acc += RCT_LDG(&val[q])*RCT_LDG(&x[RCT_LDG(&col[q])]);\n"
                          "        part[l] = acc;\n"
                          "    }\n"
                          "    for (int h = 16; h >= 1; h /= 2) {\n"
                          "        RCT_SYNCWARP();\n"
                          "        RCT_LANES(l) {\n"
                          "            if (l < h) /* writes slots 0 .. h-1, reads h .. 2h-1 */\n"
                          "                part[l] = part[l] + part[l + h];\n"
                          "        }\n"
                          "    }\n"
                          "    RCT_SYNCWARP();\n"
                          "    RCT_LANE0 {\n"
                          "        %s[i] %s part[0];\n"
                          "    }\n}\n\n",
                   name, d->ctx, d->sizes, d->rows, r, r, d->x, r, r, d->target, d->op);
}

/* rectic_event_clear and rectic_event_mark: the bits of the targets this step's spikes reach. */
static void emit_event_mark(rct_emitter *E)
{
    rct_buf_puts(&E->b, "/* event-driven coupling, 1 of 3: thread w clears the touched bits of targets 32w .. 32w+31 */\n"
                        "RCT_KERNEL rectic_event_clear(const rectic_dctx *c, long k)\n{\n"
                        "    const long w = RCT_TID;\n"
                        "    (void)k;\n"
                        "    if (w >= c->spike_words)\n        return;\n"
                        "    c->touched[w] = 0;\n}\n\n");
    rct_buf_puts(&E->b, "/* event-driven coupling, 2 of 3: thread w takes spike word w of step k; each neuron j of it that\n"
                        "   spiked touches the targets of its column (integer bits: the result is the same whatever the\n"
                        "   order of the atomic operations) */\n"
                        "RCT_KERNEL rectic_event_mark(const rectic_dctx *c, long k)\n{\n"
                        "    const long w = RCT_TID;\n"
                        "    if (w >= c->spike_words)\n        return;\n"
                        "    const unsigned int bits = c->spike_bits[k*c->spike_words + w];\n"
                        "    for (int b = 0; bits != 0 && b < 32; b++) {\n"
                        "        if (!(bits >> b & 1u))\n            continue;\n"
                        "        const long j = 32*w + b;\n"
                        "        for (long q = c->ev_ptr[j]; q < c->ev_ptr[j + 1]; q++) {\n"
                        "            const int t = c->ev_tgt[q];\n"
                        "            rectic_atomic_or(&c->touched[t/32], 1u << (t%32));\n"
                        "        }\n"
                        "    }\n}\n\n");
}

void rct_emcu_event(rct_emitter *E, const rct_expr *tau, const rct_expr *gain)
{
    const rct_model *m = E->m;
    const char *tn = m->vars[m->target].name, *sn = m->vars[m->source].name;
    emit_event_mark(E);
    rct_buf_printf(&E->b, "/* event-driven coupling, 3 of 3, after the update of step k: %s = W @ %s moves as %s does\n"
                          "   (x*decay), then takes %sW[i,j] for each neuron j that spiked in step k, j increasing: the\n"
                          "   C kernel's rectic_event target by target (the same bits).  Thread i is target i; an untouched\n"
                          "   target only decays. */\n", tn, sn, sn, gain ? "event_gain*" : "");
    rct_buf_puts(&E->b, "RCT_KERNEL rectic_event_gather(const rectic_dctx *c, long k)\n{\n"
                        "    const long i = RCT_TID;\n"
                        "    if (i >= c->n)\n        return;\n");
    rct_em_prologue(E, "    ");
    rct_buf_printf(&E->b, "    const %s *const in = c->input + k*c->in_row;\n    (void)in;\n", E->real);
    rct_emc_event_decay(E, tau, gain, "event_", "");
    rct_buf_printf(&E->b, "    %s x = c->coup[i]*event_decay;\n"
                          "    if (c->touched[i/32] >> (i%%32) & 1u) {\n"
                          "        const unsigned int *const spiked = c->spike_bits + k*c->spike_words;\n"
                          "        for (long q = c->csr_ptr[i]; q < c->csr_ptr[i + 1]; q++) {\n"
                          "            const int j = c->csr_col[q];\n"
                          "            if (spiked[j/32] >> (j%%32) & 1u)\n"
                          "                x += %sc->csr_val[q];\n"
                          "        }\n"
                          "    }\n"
                          "    c->coup[i] = x;\n}\n\n", E->real, gain ? "event_gain*" : "");
}

/*
 * kdesc.h -- what a kernel is built for (kdesc.c; internal): the emitter's options of a network of one
 * template, and the description of a network of populations' kernel.
 */
#ifndef RCT_KDESC_H
#define RCT_KDESC_H

#include "emit_net.h"
#include "network.h"

/* The emitter's options of the kernel this network's next compilation builds (precision, parameter shapes,
   coupling; the powers of two of a specialised kernel, or none for the generic one): the one rule, for
   rct_net_compile (which hands them to the backend), rectic_net_emit and rectic_net_standalone (and
   rct_pn_desc_make per population).  Elsewhere the layout tells what the kernel reads (net->w_cols). */
rct_emit_opts rct_net_emit_opts(const rectic_net *net);

/* The description of a network of populations' kernel for the populations' current parameter shapes
   (emit_net.h); o points into the arrays, which rct_pn_desc_free frees. */
typedef struct rct_pn_desc {
    rct_emit_net o;
    const rct_model **models;
    rct_emit_opts *opts;
    rct_emit_proj *projs;
} rct_pn_desc;
int rct_pn_desc_make(rectic_net *net, rct_pn_desc *d);
void rct_pn_desc_free(rct_pn_desc *d);

#endif

/*
 * emit_net.h -- writes the C source of one fused kernel for a network of populations and projections.
 *
 * Every population is a model (rct_model built with links, ir.h) replicated pop[p].n times; every
 * projection adds a weighted sum of a source variable of one population into a coupling slot of another
 * (or the same) population.  One step n of the kernel, all from the pre-update state of step n:
 *   - each population records what is due before the update (rectic_record phase 0);
 *   - the source of every delayed projection that is a state variable is stored in its ring (slot n mod
 *     (D+1)); the target of a delayed projection reads the slot of step n - D (zeros before step D);
 *   - the projections and the populations' passes run in an order that respects their dependencies: a
 *     projection after the pass computing its (algebraic) source, a pass after every projection into a
 *     coupling slot it reads (rct_model.coup_before).  Contributions into one slot add up in the order the
 *     projections are listed: acc = 0; acc += c_1; acc += c_2 ... (a slot no projection feeds stays 0);
 *   - algebraic sources of delayed projections are stored in their ring after their pass;
 *   - each population records what is due after the passes (phase 1); every context's step advances.
 * Each population's passes and each projection are static functions called from the one K-step loop (an
 * optimising compiler inlines them); the per-neuron arithmetic is emit_common.c's, as in rct_emit_c.
 */
#ifndef RCT_EMIT_NET_H
#define RCT_EMIT_NET_H

#include "emit_c.h"
#include "ir.h"

/* Strategies of a projection: RCT_COUP_DENSE (GEMV), RCT_COUP_INLINE (a loop over the dense matrix),
   RCT_COUP_CSR (compressed sparse rows), or a scalar weight (internal: the next number after the public
   strategies): */
#define RCT_COUP_SCALAR (RECTIC_COUPLING_EVENT + 1)

typedef struct rct_emit_proj {
    int src_pop, src_var;    /* source population and the index of its variable (state or algebraic) */
    int tgt_pop, tgt_slot;   /* target population and its coupling slot (rct_model.coup_var[tgt_slot]) */
    int mode;                /* RCT_COUP_DENSE, _INLINE, _CSR or RCT_COUP_SCALAR */
    long delay;              /* steps (0: instantaneous) */
} rct_emit_proj;

typedef struct rct_emit_net {
    int dtype;                       /* RECTIC_FLOAT64 or RECTIC_FLOAT32 */
    int n_pops;
    const char *const *pop_names;    /* validated identifiers ([A-Za-z_][A-Za-z0-9_]*), used in names */
    const rct_model *const *models;  /* per population */
    const rct_emit_opts *pop_opts;   /* per population: dtype, param_vector, param_pow2, spiking, parallel
                                        (coupling 0, fixed_n 0: projections are the network's) */
    int n_projs;
    const rct_emit_proj *projs;      /* in the order listed */
} rct_emit_net;

/* Returns the kernel source (caller frees), or NULL with err filled: RECTIC_ETEMPLATE for a cycle (an
   algebraic source that depends, through projections without delay, on its own target). */
char *rct_emit_net_c(const rct_emit_net *o, rct_err *err);

#endif

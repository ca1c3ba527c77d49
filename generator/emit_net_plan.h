/*
 * emit_net_plan.h -- the order of one step of a network kernel (emit_net.c): every population's passes
 * and every projection, each after what it needs.  Internal to the generator.
 *
 * A pass is one static function, or two when the whole network needs it: its algebraic equations that
 * read no coupling target (directly or through another equation of the pass) first, the rest after the
 * projections into the targets they read.  Two populations whose rate variables feed each other without
 * delay need that: r = tanh(v) of each is computed before the projections, v' = ... + k*r_in after.
 */
#ifndef RCT_EMIT_NET_PLAN_H
#define RCT_EMIT_NET_PLAN_H

#include "emit_common.h"
#include "emit_net.h"
#include "emit_reads.h"

/* A part of a population's step: a pass, or one of its two halves; one static function. */
typedef struct rct_net_part {
    int pop, pass;
    int half;   /* 0: the whole pass; 1: its algebraic equations that read no coupling target; 2: the rest */
    int update; /* the last part of the last pass: the spikes, the derivatives and the Euler update */
} rct_net_part;

typedef struct rct_net_plan {
    rct_net_part *parts;  /* population by population, in pass order */
    int n_parts;
    int *first_part;      /* per population: its first part; entry n_pops = n_parts */
    unsigned char **early; /* per population and equation: 1 for an algebraic equation of half 1 */
    unsigned char **late;  /* ... and 1 for an equation of half 2 (each the other's skip_eq) */
    int *order;           /* the calls of a step: part index >= 0, or -1-k for projection k */
    int n_order;
    rct_part_reads *reads; /* per part: what it reads (its prologue declares only that) */
} rct_net_plan;

/* The emitters of a network's populations (each with the caller's options, the network's dtype, no
   coupling and no fixed size: the projections are the network's) and the plan of its step, as both network
   emitters start them. */
typedef struct rct_net_emitters {
    rct_emitter *em;      /* per population */
    rct_emit_opts *opts;
    int started;          /* emitters started */
    rct_net_plan plan;
} rct_net_emitters;

/* Validates o, starts the emitters and plans the step; 0, or the error (rct_net_emitters_end frees what
   was made either way). */
int rct_net_emitters_start(rct_net_emitters *w, const rct_emit_net *o, rct_err *err);
/* Moves what emitter E wrote to out. */
void rct_net_emitter_flush(rct_buf *out, rct_emitter *E);
void rct_net_emitters_end(rct_net_emitters *w, const rct_emit_net *o);

/* Checks the description o: names, indices, strategies; 0, or RECTIC_EINVAL (a mistake of the caller). */
int rct_net_validate(const rct_emit_net *o, rct_err *err);

/* Plans the step of network o (and finds what each part reads); 0, or RECTIC_ETEMPLATE for a cycle (naming the projections in it),
   RECTIC_ENOMEM.  The plan is freed with rct_net_plan_free (also after a failure). */
int rct_net_plan_make(const rct_emit_net *o, rct_net_plan *plan, rct_err *err);
void rct_net_plan_free(rct_net_plan *plan, int n_pops);

/* The part of population p that computes its algebraic variable v. */
int rct_net_plan_part_of(const rct_net_plan *plan, const rct_model *m, int p, int v);

/* The name of part j's function or kernel: POP_passK, POP_passK_early (its first half) or POP_update. */
const char *rct_net_part_name(const rct_emit_net *o, const rct_net_plan *plan, int j, char *buf, size_t size);
/* Does part j compute reductions (those before its pass, in the part that starts it)?  Equations? */
int rct_net_part_reds(const rct_emit_net *o, const rct_net_plan *plan, int j);
int rct_net_part_eqs(const rct_emit_net *o, const rct_net_plan *plan, int j);

/* Does delayed projection k store its source of the step into its ring at the start of the step (part
   -1: a state variable) or after part `part` (the one computing its algebraic source)? */
int rct_net_stores_at(const rct_emit_net *o, const rct_net_plan *plan, int k, int part);

/* "pop/op/var" of projection k's source and target. */
void rct_net_proj_paths(const rct_emit_net *o, int k, char *src, char *tgt, size_t size);
/* Is projection k the first listed into its target? */
int rct_net_first_into(const rct_emit_net *o, int k);
/* Writes the lines of a kernel's heading comment that list the populations (template, equations) and
   the projections (how[mode] says how each is computed, then its delay). */
void rct_net_listing(rct_buf *b, const rct_emit_net *o, const char *const *how);

/* "pop/op/var" of variable v of population p, in buf. */
const char *rct_net_var_path(const rct_emit_net *o, int p, int v, char *buf, size_t size);

#endif

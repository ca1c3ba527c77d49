/*
 * ir.h -- the model IR: one network of N neurons built from a resolved node template.
 *
 * Every variable of every operator gets a kind (state, algebraic, parameter, input, coupling target,
 * spike input), equations are parsed and resolved to variable indices, and the per-step work is
 * scheduled into passes over the neurons separated by barriers (the coupling product W @ source and
 * reductions such as mean(v)).  The C and CUDA emitters read only this structure.  The IR keeps the
 * node as a population so that several populations with edges can later share one kernel.
 */
#ifndef RCT_IR_H
#define RCT_IR_H

#include "parser.h"
#include "template.h"
#include "util.h"

typedef enum {
    RCT_VK_STATE,    /* defined by a differential equation: a block of the state vector */
    RCT_VK_ALG,      /* defined by an algebraic equation: evaluated every step */
    RCT_VK_PARAM,    /* a constant, or an input nothing drives: scalar or per neuron */
    RCT_VK_INPUT,    /* the extrinsic input: a column of the input row */
    RCT_VK_COUPLING, /* the coupling target: W @ source */
    RCT_VK_SPIKE,    /* the spike input: H(v - threshold) / dt */
    RCT_VK_ALIAS     /* an operator input wired to another operator's output of the same name */
} rct_vkind;

typedef struct rct_var {
    char *op;            /* operator name */
    char *name;          /* variable name */
    char *cname;         /* C name stem: validated, unique ("v", or "li_op_v" when names clash) */
    rct_vkind kind;
    rct_decl decl;
    double value;        /* template default (initial value or parameter value) */
    int slot;            /* STATE: block in y; ALG: block in scratch; PARAM: parameter index */
    int per_neuron;      /* PARAM: the kernel reads one value per neuron */
    int eq;              /* defining equation or -1 */
    int alias;           /* ALIAS: the variable it stands for */
    int pass;            /* ALG: the pass computing it */
    rct_srcpos at;
} rct_var;

typedef struct rct_eq {
    int op;              /* operator index */
    int var;             /* the variable defined */
    rct_eqkind kind;
    rct_expr *rhs;       /* VAR nodes: ref = variable index (aliases followed); CALL: ref = function id,
                            reductions: num = reduction index */
    rct_srcpos at;
    int exact;           /* characters before this offset have exact positions (rct_teq) */
} rct_eq;

typedef struct rct_reduction {
    rct_func fn;         /* RCT_F_SUM, _MEAN, _MAXR, _MINR */
    const rct_expr *arg; /* borrowed from an equation */
    int before_pass;     /* computed between passes: before pass `before_pass` */
} rct_reduction;

/* A coupling target of a population in a network of populations: the input variable `target` receives
   projections; `source` names a variable of the same population that feeds it without delay (so that the
   target is ready only after the pass computing it), or is NULL (the source lives in another population, or
   arrives delayed).  A target may appear in several links. */
typedef struct rct_link {
    const char *target;
    const char *source;
} rct_link;

/* Which link an error of rct_model_build is about: its index (-1: none), and its source (1) or target (0). */
typedef struct rct_link_fault {
    int link, source;
} rct_link_fault;

/* Names of the network roles (NULL when unused); short names are looked up in `op` first.  A population of
   a network gives links instead of source/target (which must then be NULL). */
typedef struct rct_roles {
    const char *op;
    const char *source, *target, *input, *output, *spike_var, *spike_def;
    const rct_link *links;
    int n_links;
    rct_link_fault *fault;   /* NULL, or told which link a failed build's error is about */
} rct_roles;

typedef struct rct_model {
    char *template_ref;
    char *description;
    int n_ops;
    char **op_names;
    rct_var *vars;
    int n_vars;
    rct_eq *eqs;
    int n_eqs;
    int *order;          /* equations in evaluation order: algebraic by dependency, then differential */
    int n_state, n_alg, n_param;
    int *state_var, *alg_var, *param_var; /* slot -> variable */
    rct_reduction *reds;
    int n_reds;
    int n_passes;        /* >= 1; the last pass integrates */
    int coupling_before; /* the coupling product runs before this pass (-1: no coupling) */
    int source, target, input, output, spike_var, spike_def; /* variable indices or -1 */
    int n_coup;          /* coupling slots: 1 for a target, or one per distinct link target */
    int *coup_var;       /* slot -> variable (kind RCT_VK_COUPLING, whose `slot` is this slot) */
    int *coup_before;    /* slot -> the pass before which it must be ready */
    char **eq_text;      /* "op: equation" per equation, printed from the syntax tree */
} rct_model;

/* Builds the IR from a resolved node and the roles. */
int rct_model_build(const rct_tnode *node, const rct_roles *roles, rct_model **out, rct_err *err);
void rct_model_free(rct_model *m);

/* Internal to the IR's modules: a variable of operator op (op_len characters) by name, or -1; and what
   an alias (a wired input) stands for. */
int rct_ir_find_in_op(const rct_model *m, const char *op, size_t op_len, const char *name);
int rct_ir_follow_alias(const rct_model *m, int v);
/* Internal to the IR's modules: assigns the roles (kinds of the input, coupling target, spike variables;
   the coupling slots) and fills link_slot/link_source (room for max(roles->n_links, 1) entries) with each
   link's slot and source variable (-1: none) -- a single population's source and target make one link --
   and *n_links with their number. */
int rct_ir_assign_roles(rct_model *m, const rct_roles *roles, int *link_slot, int *link_source, int *n_links,
                        rct_err *err);

/* Finds a variable by "var", "op/var" or "all/op/var" (short names: in op_hint first, then unique in the
   node); aliases resolve to what they stand for.  Returns the index or -1 with err filled (what_for names
   the option in messages). */
int rct_model_find(const rct_model *m, const char *name, const char *op_hint, const char *what_for, rct_err *err);
/* "op/var" of a variable, in buf. */
const char *rct_var_fullname(const rct_model *m, int v, char *buf, size_t size);
/* Is s an identifier: [A-Za-z_][A-Za-z0-9_]*? */
int rct_is_ident(const char *s);
/* Human name of a variable kind. */
const char *rct_vkind_name(rct_vkind k);
/* Describes the model: operators, variables with kinds and defaults, equations. Caller frees. */
char *rct_model_describe(const rct_model *m);
/* Can W @ source be kept up to date from the spikes?  Yes when the source is a state variable obeying
   s' = -s/tau + c*spike (tau, c numbers or parameters; the caller checks they are not per neuron): then
   *tau and *gain (NULL for c = 1) point into the equation.  Else 0 and why explains. */
int rct_model_event_form(const rct_model *m, const rct_expr **tau, const rct_expr **gain, char *why, size_t size);
/* The same for variable `source` of a spiking model (a projection's source in a network of populations). */
int rct_model_event_form_of(const rct_model *m, int source, const rct_expr **tau, const rct_expr **gain, char *why,
                            size_t size);
/* Is parameter variable v the tau or the gain of the event form (so that it must be one value for all
   neurons)? */
int rct_model_event_param(const rct_model *m, int v);
/* Prints an expression (or an equation's right-hand side) in the template language. */
void rct_expr_print(rct_buf *b, const rct_model *m, const rct_expr *e);

#endif

/*
 * circuit.h -- PyRates CircuitTemplates (issue 14): read unchanged through the template loader, resolved
 * into populations (the nodes of one node template; the edge nodes of one EdgeTemplate) and edges between
 * single units, then planned as PyRates 1.0.1 runs them under forward Euler (../shared/SEMANTICS.md 7, 9).
 *
 * circuit.c reads the YAML (nodes, nested sub-circuits, edges, edge templates); circuit_plan.c groups
 * structurally equal operator lists as PyRates vectorises them and decides every edge's delay (discrete
 * buffer, spread chain or none) with PyRates' rules and their warnings; circuit_net.c turns the plan into
 * a rectic_netspec.  Not installed.
 */
#ifndef RCT_CIRCUIT_H
#define RCT_CIRCUIT_H

#include "template.h"
#include "util.h"

/* A per-unit value of one variable of a population (set where a unit departs from the template). */
typedef struct rct_cset {
    int op, var;           /* indices into the population template's operators and that operator's variables */
    double *values;        /* one per unit */
} rct_cset;

/* A population: every node of one node template, or every edge node of one edge template. */
typedef struct rct_cpop {
    char *name;            /* unique: the template's name, or name_2, name_3 ... on clashes */
    char *ref;             /* absolute reference a loader resolves: /dir/file/template */
    rct_tnode *tmpl;       /* the resolved template (owned) */
    int is_edge;           /* edge nodes of an EdgeTemplate */
    int n;                 /* units */
    char **units;          /* node paths ("jrc1/pc"), or edge names ("tsodyks_edge.3": template.edge index) */
    rct_srcpos *unit_at;   /* per unit: where its template is named (a node's entry, an edge's template) */
    rct_cset *sets;
    int n_sets;
    int sig;               /* PyRates' vectorised node: populations with equal operator lists share it */
} rct_cpop;

/* One variable of one unit. */
typedef struct rct_cend {
    int pop, unit, op, var;
} rct_cend;

typedef enum {
    RCT_CE_NOW,            /* instantaneous: the source's current value */
    RCT_CE_BUFFER,         /* the source's value of step n - D (0 before step D) */
    RCT_CE_CHAIN           /* the end of a chain of K ODEs z' = k (z_prev - z) fed by the source */
} rct_cmode;

/* An edge between two units (PyRates edges from many nodes are many of these). */
typedef struct rct_cedge {
    rct_cend src, tgt;
    double weight;         /* |w - 1| < 1e-8 is stored as 1 (PyRates applies no multiplication) */
    double delay, spread;  /* seconds as written, 0 when not given */
    int feed;              /* feeds an edge node's input (weight 1, never delayed) */
    int row;               /* index of the circuit edge it comes from (the collected list's order) */
    rct_srcpos at;         /* where that edge is written */
    rct_cmode mode;        /* the plan (rct_circuit_plan) */
    long D;                /* RCT_CE_BUFFER: steps */
    int K;                 /* RCT_CE_CHAIN: order */
    double k;              /* RCT_CE_CHAIN: rate K / delay */
} rct_cedge;

typedef struct rct_circuit {
    char *name;
    rct_srcpos at;
    rct_cpop *pops;
    int n_pops;
    rct_cedge *edges;
    int n_edges;
    size_t cap_edges;
    char **warnings;       /* what PyRates does differently from the plain meaning, one line each */
    int n_warnings;
    double dt;             /* of the last plan (0: not planned) */
    rct_cend *feeds;       /* run inputs into variables that also receive edges (rct_circuit_inputs): unit f of
                              population RCT_CIRCUIT_FEEDS, joined to feeds[f] by an edge of weight 1 */
    int n_feeds;
} rct_circuit;

/* The population of PyRates' input nodes (rct_circuit_inputs), of template RCT_CIRCUIT_FEED_REF: its
   input feed_op/x takes the series, its output feed_op/s is projected. */
#define RCT_CIRCUIT_FEEDS "run_inputs"
#define RCT_CIRCUIT_FEED_REF "rectic.run_input.feed_op"

/* Reads CircuitTemplate ref (dotted name or path) through L.  Errors name file:line:col. */
int rct_circuit_load(rct_loader *L, const char *ref, rct_circuit **out);
void rct_circuit_free(rct_circuit *c);

/* The unit called path ("sub/node"; an edge name) as population and unit indices; -1 when none. */
int rct_circuit_unit(const rct_circuit *c, const char *path, int *unit);
/* Resolves "node/op/var" or "sub/node/op/var" into *end; errors say `what` and the path. */
int rct_circuit_var(const rct_circuit *c, const char *path, const char *what, rct_cend *end, rct_err *err);

/* 1 when ref (dotted name or path) names a CircuitTemplate that L finds, else 0 (errors are not kept). */
int rct_circuit_detect(rct_loader *L, const char *ref);
/* The network path ("POP/op/var") and unit of node variable path ("node/op/var", "sub/node/op/var", or an
   edge node's "TEMPLATE.I/op/var"), for setting, recording and inputs of a circuit run as a network. */
int rct_circuit_pop_path(const rct_circuit *c, const char *path, const char *what, char *out, size_t size, int *unit,
                         rct_err *err);

/* Plans every edge for step size dt (SEMANTICS 9) and records PyRates' departures as warnings. */
int rct_circuit_plan(rct_circuit *c, double dt, rct_err *err);

/* Appends a warning (deduplicated) (circuit_msg.c). */
void rct_circuit_warn(rct_circuit *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds the planned circuit to ns: a population per node or edge template (named like it, values per
   unit), a COO projection per source variable, target variable and delay in steps, and the population
   delay_chains (links of rectic.delay_chain.chain_op) for spread edges.  Refuses, naming the edge, what a
   network cannot express yet. */
int rct_circuit_netspec(const rct_circuit *c, rectic_netspec *ns, rct_err *err);

/* A population's input: variable (op, var) and T x n values (row t = step t, column = unit). */
typedef struct rct_cinput {
    int pop, op, var;      /* pop -1: the population RCT_CIRCUIT_FEEDS (op, var: -1) */
    const char *name;      /* the population's name (borrowed from the circuit, or RCT_CIRCUIT_FEEDS) */
    char path[512];        /* its input variable, "op/var" */
    int n;                 /* its units: the columns of data */
    double *data;
} rct_cinput;

/* Turns run inputs (paths[i] node/op/var, series[i] T values) into one input per population: driven units
   take their series (several into one unit add up), the others keep their value.  An input into a variable
   that also receives edges becomes, as in PyRates, an input node joined to it by an edge of weight 1: a unit
   of population RCT_CIRCUIT_FEEDS (c->feeds), whose input is the last of *out; call before
   rct_circuit_netspec, which adds them.  Refuses a second input variable of one population.  Free *out with
   rct_circuit_inputs_free. */
int rct_circuit_inputs(rct_circuit *c, const char *const *paths, const double *const *series, int n_inputs,
                       long T, rct_cinput **out, int *n_out, rct_err *err);
void rct_circuit_inputs_free(rct_cinput *in, int n);

/* The resolved circuit as text: populations and units, edges with weights, delays in steps, chain orders. */
char *rct_circuit_describe(const rct_circuit *c);

#endif

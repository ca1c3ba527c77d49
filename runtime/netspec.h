/*
 * netspec.h -- the network description behind rectic_netspec (internal: the runtime and the network file
 * reader share it).
 *
 * A netspec holds populations and projections as the caller or a network file gave them, validated as far
 * as is possible without templates (names, sizes, shapes, indices, finite numbers).  Variable names are
 * kept as written: the runtime resolves them against the loaded templates.  Every field that came from a
 * network file keeps its position (file:line:col), so that errors found later can point at it; fields
 * given through the C API have line 0.
 */
#ifndef RCT_NETSPEC_H
#define RCT_NETSPEC_H

#include "rectic.h"
#include "util.h"

/* A position in the network file (line 0: given through the API). */
typedef struct rct_netpos {
    int line, col;
} rct_netpos;

/* A variable reference inside a population: "var" or "op/var" (op NULL when not given). */
typedef struct rct_netvar {
    char *text;              /* as given */
    char *op;
    char *var;
    rct_netpos at;
} rct_netvar;

/* One set: value(s) for a parameter or the initial value of a state variable. */
typedef struct rct_netset {
    rct_netvar ref;
    double *values;          /* count values: 1 (every unit) or n (one per unit) */
    long count;
} rct_netset;

typedef struct rct_netpop {
    char *name;
    char *template_ref;      /* dotted name or path, resolved through the template path */
    char *op;                /* operator short names refer to; NULL: none given */
    long n;
    int has_input, spiking;
    rct_netvar input;        /* has_input: receives the population's input */
    rct_netvar spike_var;    /* spiking: receives 1/dt for one step ... */
    rct_netvar spike_def;    /* ... when this state variable reaches threshold */
    double threshold, reset;
    rct_netset *sets;        /* in the order given: a later set of a variable overrides an earlier one */
    size_t n_sets, cap_sets;
    rct_netpos at_name, at_template, at_op, at_n, at_spike;
} rct_netpop;

typedef struct rct_netproj {
    int src, tgt;            /* population indices */
    char *src_path, *tgt_path; /* as given: "pop/var" or "pop/op/var" */
    rct_netvar src_var, tgt_var; /* the part after the population */
    int kind;                /* RECTIC_WEIGHTS_DENSE, _COO or _SCALAR */
    double *w;               /* dense: n_tgt x n_src row-major; COO: nnz x 3 (target, source, weight) */
    long nnz;                /* COO: entries */
    double weight;           /* scalar */
    double delay;            /* seconds, >= 0 (0: none) */
    char *file;              /* dense or COO weights left in this file (checked, read when the network is built:
                                one copy, in the kernel's layout); w is then NULL */
    int deferred;            /* the file's values (and a CSV file's shape) are checked when the network is built,
                                each MPI rank those it reads (a netspec read under mpirun: rct_netspec_file_proj) */
    rct_netpos at, at_weights, at_delay; /* the projection, its weights value, its delay value */
} rct_netproj;

/* An input layer (path: its target "pop/var", the population's input variable) or a readout (path: its
   source, recorded as the network's output "out"), as a network file's input_layer: / readout: give them. */
typedef struct rct_netlayer {
    int present;
    char *path;
    int pop;                 /* the population of path */
    double *w;               /* rows x cols row-major */
    long rows, cols;
    int act;                 /* the readout's rectic_activation */
    rct_netpos at, at_weights;
} rct_netlayer;

struct rectic_netspec {
    rct_err err;
    char *file;              /* network file the spec was read from, or NULL */
    rct_netpop *pops;
    size_t n_pops, cap_pops;
    rct_netproj *projs;
    size_t n_projs, cap_projs;
    char **template_path;    /* folders searched first for templates, in order */
    size_t n_template_path, cap_template_path;
    int bad_field;           /* which argument the last failed call rejected (RCT_NSF_*) */
    rct_netlayer input_layer, readout; /* netspec_layers.c */
};

/* The argument a failed builder call rejected, so that the network file reader can point at it. */
enum {
    RCT_NSF_NONE = 0, RCT_NSF_NAME, RCT_NSF_TEMPLATE, RCT_NSF_OP, RCT_NSF_N, RCT_NSF_POP, RCT_NSF_VAR,
    RCT_NSF_DEF, RCT_NSF_THRESHOLD, RCT_NSF_RESET, RCT_NSF_PATH, RCT_NSF_VALUES, RCT_NSF_SOURCE,
    RCT_NSF_TARGET, RCT_NSF_WEIGHTS, RCT_NSF_DELAY, RCT_NSF_FILE /* the weights' file: unreadable or not a matrix */
};

/* Splits "pop/var" or "pop/op/var" into a population index and a variable (netspec.c); frees a variable. */
int rct_ns_parse_path(rectic_netspec *ns, const char *path, int *pop, rct_netvar *v, int field, const char *what);
void rct_ns_var_free(rct_netvar *v);
/* Frees a layer (the input layer or the readout) and empties it (netspec.c). */
void rct_ns_layer_free(rct_netlayer *l);

/* Adds a dense projection taking ownership of w (malloc'd, rows x cols): the network file reader hands
   over the matrix it read instead of copying it.  w is freed on failure too. */
int rct_netspec_dense_take(rectic_netspec *ns, const char *source, const char *target, double *w, long rows,
                           long cols, double delay);
/* The same for COO entries (nnz x 3, malloc'd or NULL when nnz is 0). */
int rct_netspec_coo_take(rectic_netspec *ns, const char *source, const char *target, double *entries,
                         long nnz, double delay);

/* The builder's shared steps (netspec.c), for netspec_proj.c: clears the last error; records an error about
   argument `field` and returns code; out of memory; starts a projection (ends, delay) and appends it (or
   frees it when rc is a failure, returning rc). */
void rct_ns_begin(rectic_netspec *ns);
int rct_ns_fail(rectic_netspec *ns, int field, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int rct_ns_oom(rectic_netspec *ns);
int rct_ns_proj_begin(rectic_netspec *ns, rct_netproj *q, const char *source, const char *target, double delay);
int rct_ns_proj_end(rectic_netspec *ns, rct_netproj *q, int rc);

/* Adds a dense (kind RECTIC_WEIGHTS_DENSE) or COO projection whose weights stay in file `path` (.npy or
   CSV; display: its name in messages, NULL: path): its shape and every entry are checked now, streaming
   (nothing kept); the network reads it again when it is built, straight into the kernel's layout.  In a
   process started by mpirun on several ranks (rct_mpi_launched) only a .npy file's header is read now (its
   shape) and a CSV file opened: each rank reads and checks only its targets' part when it builds the network
   (q->deferred). */
int rct_netspec_file_proj(rectic_netspec *ns, int kind, const char *source, const char *target, const char *path,
                          const char *display, double delay);

/* Checks `count` COO entries of projection q, the first being entry `first` (0-based), as the netspec does
   (whole-number indices within the populations, finite weights); 0, or RECTIC_EINVAL with the message in err. */
int rct_netspec_coo_check(const rectic_netspec *ns, const rct_netproj *q, const double *e, long count, long first,
                          rct_err *err);

/* "FILE:LINE:COL: " for a position of this spec's file, or "" for a field given through the API; for
   messages of the runtime's later checks (unknown template, variable, ...). */
void rct_netspec_where(const rectic_netspec *ns, rct_netpos at, char *out, size_t size);

/* The delay in steps: delay/dt rounded to the nearest integer, ties to even (as NumPy's round);
   -1 when dt is not a positive finite number or the result does not fit a long. */
long rct_delay_steps(double delay, double dt);

#endif

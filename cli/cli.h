/*
 * cli.h -- the rectic command's shared pieces: options, loading data, meta.json (not installed).
 */
#ifndef RCT_CLI_H
#define RCT_CLI_H

#include <stdio.h>

#include "rectic.h"

#define MAX_LIST 256

typedef struct setting {
    const char *name;   /* NAME of --set NAME=VALUE (owned) */
    const char *value;  /* VALUE or @file */
} setting;

/* An --input PATH=FILE and, once read, its matrix. */
typedef struct input_file {
    const char *path;   /* POP/VAR (network files) or VAR (a template) (owned) */
    const char *file;
    double *data;       /* rows x cols, row-major (owned) */
    long rows, cols;
    int pop;            /* network: the population's index */
} input_file;

/* Wall-clock times of the command's own phases (CLOCK_MONOTONIC seconds; phases.c). */
typedef struct rct_cli_times {
    double start;                  /* when main began */
    double files;                  /* seconds reading the inputs, --set and --record files (building the
                                      network apart from what rectic_net_timings counts) */
    double write_start, write_end; /* writing the output set (0: not yet begun, not yet over) */
} rct_cli_times;

/* The flags of input and readout layers, fits and tests (cli/ridge.c). */
enum { RCT_FIT_RIDGE = 1, RCT_FIT_RLS = 2 };
typedef struct ridge_opts {
    int fit;                       /* `rectic fit ridge` (RCT_FIT_RIDGE) or `rectic fit rls` (RCT_FIT_RLS), or 0 */
    const char *input_weights, *readout_weights, *targets;
    int activation, activation_given;
    double alpha;
    long washout;
    int alpha_given, washout_given, bias;
    double *w_in, *w_out, *y;      /* loaded */
    long w_in_rows, w_in_cols, w_out_rows, w_out_cols, y_rows, y_cols;
    int scored;                    /* score holds the fit's or the test's errors */
    rectic_score score;
} ridge_opts;

/* The flags of state checkpoints (cli/state.c). */
typedef struct state_opts {
    const char *save, *load; /* --save-state, --load-state */
    long every;              /* --checkpoint-every */
    long first;              /* the step counter when the run began */
} state_opts;

/* The flags of online training and FORCE feedback (cli/rls.c); alpha and the targets are ridge_opts'. */
typedef struct rls_opts {
    double beta;
    long update_every, train_steps; /* train_steps -1: every step */
    int beta_given, every_given, train_given;
    const char *feedback_weights;   /* the flag's value: FILE, or POP=FILE for a network file */
    const char *fb_file;            /* FILE */
    char *fb_pop;                   /* POP, or NULL: the library's choice (owned) */
    double *w_fb;                   /* loaded */
    long w_fb_rows, w_fb_cols;
    int trained;                    /* the run trained: mse, steps and updates below are set */
    double mse[2];
    long steps[2], updates;
} rls_opts;

/* Everything the command line sets. */
typedef struct options {
    rectic_spec spec;
    const char *tpath[MAX_LIST];
    int n_tpath;
    const char *weights_file, *coo_file, *inputs_file, *out_dir;
    long threads;
    long steps;          /* -1: from the inputs */
    setting sets[MAX_LIST];
    int n_sets;
    const char *records[MAX_LIST];
    int n_records;
    input_file input[MAX_LIST]; /* --input PATH=FILE */
    int n_input;
    const char *template_flag; /* the first flag given that only a single template takes, or NULL */
    char inputs_flag[300];     /* how messages name the inputs file: "--inputs" or "--input VAR" */
    int record_spikes;
    int format;
    long sampling_steps, cutoff;
    int sampling_mode;
    int quiet, verbose;
    int no_check_finite; /* run: let NaN carry on */
    double max_memory;   /* run: bytes of recordings kept in memory (0: the default) */
    int standalone;      /* emit: a whole simulation program */
    int sa_mpi;          /* emit --standalone --mpi: the program partitions its neurons across MPI ranks */
    int target_cuda;     /* emit --target cuda: the CUDA kernels */
    const char *project; /* emit: a directory with sim.c, Makefile, README */
    int force;           /* emit --project: overwrite the project's files that exist */
    const char *plot;    /* run: draw out (and spikes) into this image afterwards */
    int out_given;
    int network;         /* the positional argument is a network file (rct_netfile_detect) */
    rectic_netspec *ns;  /* network: the spec read from it */
    struct rct_circuit *circ;   /* circuit (network == 2): the CircuitTemplate, planned */
    struct rct_cinput *cin;     /* circuit: one input per driven population */
    int n_cin;
    struct rct_cli_subsets *subsets; /* --record-spikes SUBSET, and the subsets recorded (cli/subset.c) */
    rct_cli_times times;             /* run: the phases timed by the command itself */
    ridge_opts ridge;    /* layers, fit ridge, --targets */
    state_opts state;    /* --save-state, --load-state, --checkpoint-every */
    rls_opts rls;        /* fit rls, --feedback-weights */
    /* loaded data */
    double *weights;     /* emit: a stand-in matrix when coupling has no weights file */
    double *inputs;
    long in_rows, in_cols;
    struct rct_mpi *mpi; /* started by mpirun (cli/mpi.c), or NULL */
    char *mpi_meta;      /* meta.json's "mpi" member, made on every rank after the run */
} options;

/* Prints "rectic: message" to stderr. */
void rct_cli_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* msg with the library's names of spec fields and calls (spec.dt, rectic_net_set, ...) rewritten as the
   flags that set them (flags.c), in buf (size bytes, cut short if needed). */
const char *rct_cli_flags(const char *msg, char *buf, size_t size);

/* MPI (cli/mpi.c).  Opens MPI when mpirun started the command (0; -1 after complaining); ranks other than 0
   run quietly and hold their messages until rct_cli_mpi_agree. */
int rct_cli_mpi_start(options *o);
/* Where this rank's messages are held (a rank other than 0 before it knows it failed first), or NULL. */
FILE *rct_cli_mpi_held(void);
/* Collective: did any rank fail?  The first failing rank prints the messages it held. */
int rct_cli_mpi_agree(const options *o, int failed);
/* A rank failed where the others cannot know (during a run): prints its messages, ends every rank. */
void rct_cli_mpi_abort(const options *o, int code);
/* Collective, after the run: meta.json's "mpi" member (ranks, blocks, communication time) into o->mpi_meta. */
int rct_cli_mpi_meta_make(options *o, rectic_net *net);
/* Reads an input file for flag (cli/mpi_input.c): whole, or under MPI only its shape (*data NULL). */
int rct_cli_read_input(const options *o, const char *flag, const char *path, double **data, long *rows, long *cols);
/* Under MPI, once the network is partitioned: each rank reads its part of every input file (or keeps its
   part of a circuit's inputs) and hands it to the network; 0, or -1 after complaining (every rank fails). */
int rct_cli_mpi_inputs(options *o, rectic_net *net);
/* Writes o->mpi_meta into meta.json (nothing without MPI). */
void rct_cli_mpi_meta(FILE *f, const options *o);
/* Is this rank the one that writes (rank 0, or no MPI)? */
int rct_cli_mpi_writer(const options *o);
/* Ends MPI (the command's last call). */
void rct_cli_mpi_end(void);

/* Prints the network's warnings from index *shown on as "rectic: warning: ..." to stderr (under MPI: rank 0;
   the others hold them, cli/mpi.c); *shown = count. */
void rct_cli_warnings(const rectic_net *net, int *shown);

extern const char rct_usage_fit[], rct_usage_fit_rls[];
extern const char rct_usage_run[], rct_usage_emit[], rct_usage_check[], rct_usage_plot[], rct_usage_templates[];

/* The flag table (flagtab.c): the commands that take a flag (bits), how its value is stored, and the
   sections --help lists flags in. */
enum { RCT_CMD_RUN = 1, RCT_CMD_RIDGE = 2, RCT_CMD_RLS = 4, RCT_CMD_EMIT = 8, RCT_CMD_CHECK = 16 };
enum {
    RCT_ARG_ON,     /* no value: the int field becomes 1 */
    RCT_ARG_STR,    /* the value itself (const char *) */
    RCT_ARG_DOUBLE, /* a finite number (double) */
    RCT_ARG_LONG,   /* a whole number >= 0 (long) */
    RCT_ARG_FN,     /* the entry's function reads it */
    RCT_ARG_HELP    /* prints the command's --help and exits */
};
/* A flag's attributes: it describes the one template of `run TEMPLATE` (network files refuse it); its value
   is optional (taken when the next argument is one: rct_cli_is_subset). */
enum { RCT_FLAG_TEMPLATE = 1, RCT_FLAG_OPTIONAL = 2 };
enum {
    RCT_SEC_EMIT, RCT_SEC_FIT, RCT_SEC_NETFILE, RCT_SEC_NETWORK, RCT_SEC_SIM, RCT_SEC_REC, RCT_SEC_LAYERS,
    RCT_SEC_STATE, RCT_SEC_FEEDBACK, RCT_SEC_OTHER, RCT_SEC_COUNT
};
/* Reads flag's value v into o (v NULL for a flag without one); 0, or -1 after a complaint. */
typedef int (*rct_cli_take_fn)(options *o, const char *flag, const char *v);
typedef struct rct_cli_flag {
    const char *name, *alias; /* the spelling messages use ("--dt", "-N"); another one ("--neurons") or NULL */
    const char *arg;          /* the value's name in --help; NULL: none */
    int kind;                 /* RCT_ARG_* */
    size_t field;             /* offsetof(options, ...) of what RCT_ARG_ON .. RCT_ARG_LONG set */
    rct_cli_take_fn take;     /* RCT_ARG_FN */
    unsigned cmds;            /* the RCT_CMD_* that take it */
    int section;              /* RCT_SEC_* */
    int attrs;                /* RCT_FLAG_* */
    const char *help;         /* its --help text; lines after the first are continued under it */
    const char *lib;          /* the library's names for it (spec fields, calls), '|' between them, or NULL */
    const char *why;          /* why a command refuses it, or NULL */
} rct_cli_flag;
typedef struct rct_cli_section {
    const char *title, *footer; /* footer: text after its flags, or NULL */
} rct_cli_section;
extern const rct_cli_flag rct_cli_flag_table[];
extern const int rct_cli_flag_count;
extern const rct_cli_section rct_cli_sections[RCT_SEC_COUNT];

/* Reading flags (flagparse.c). */
/* Reads the flag at argv[*i] (and its value: *i moves past it) for command cmd (RCT_CMD_*): 0; 1 when
   argv[*i] is no flag (a positional argument); -1 after a complaint (unknown, refused by cmd, no value, a bad
   value).  --help prints cmd's help and exits. */
int rct_cli_flag_parse(options *o, int cmd, int argc, char **argv, int *i);
/* Prints cmd's --help: its usage text, then every flag it takes, by section. */
void rct_cli_help(FILE *out, int cmd);

/* Flag values (flagset.c): a finite number, a whole number >= 0 (1e6 too), into *out; 0, or -1 after a
   complaint naming flag.  The rct_cli_take_* functions read the value of the flag their name says. */
int rct_cli_parse_double(const char *flag, const char *s, double *out);
int rct_cli_parse_long(const char *flag, const char *s, long *out);
/* Is v a finite number, all of it (into *x)?  No complaint. */
int rct_cli_is_number(const char *v, double *x);
/* A whole number of steps >= min (digits only) into *out; 0, or -1 after "FLAG: expected a whole number of
   steps >= MIN, got 'v'". */
int rct_cli_parse_steps(const char *flag, const char *v, long min, long *out);
int rct_cli_take_max_memory(options *o, const char *flag, const char *v);
int rct_cli_take_coupling(options *o, const char *flag, const char *v);
int rct_cli_take_mpi_partition(options *o, const char *flag, const char *v);
int rct_cli_take_mpi_read(options *o, const char *flag, const char *v);
int rct_cli_take_threads(options *o, const char *flag, const char *v);
int rct_cli_take_neurons(options *o, const char *flag, const char *v);
int rct_cli_take_min_weight(options *o, const char *flag, const char *v);
int rct_cli_take_dt(options *o, const char *flag, const char *v);
int rct_cli_take_dtype(options *o, const char *flag, const char *v);
int rct_cli_take_backend(options *o, const char *flag, const char *v);
int rct_cli_take_device(options *o, const char *flag, const char *v);
int rct_cli_take_target(options *o, const char *flag, const char *v);
int rct_cli_take_sampling_steps(options *o, const char *flag, const char *v);
int rct_cli_take_sampling_mode(options *o, const char *flag, const char *v);
int rct_cli_take_format(options *o, const char *flag, const char *v);
int rct_cli_take_template_path(options *o, const char *flag, const char *v);
int rct_cli_take_set(options *o, const char *flag, const char *v);
int rct_cli_take_input(options *o, const char *flag, const char *v);
int rct_cli_take_record(options *o, const char *flag, const char *v);
int rct_cli_take_record_spikes(options *o, const char *flag, const char *v);
int rct_cli_take_output(options *o, const char *flag, const char *v);
int rct_cli_take_mpi(options *o, const char *flag, const char *v);
int rct_cli_take_project(options *o, const char *flag, const char *v);
int rct_cli_take_check_finite(options *o, const char *flag, const char *v);
/* ... of ridge.c (--readout-activation, --alpha, --washout), rls.c (--beta; --update-every and --train-steps)
   and state.c (--checkpoint-every). */
int rct_cli_take_activation(options *o, const char *flag, const char *v);
int rct_cli_take_alpha(options *o, const char *flag, const char *v);
int rct_cli_take_washout(options *o, const char *flag, const char *v);
int rct_cli_take_beta(options *o, const char *flag, const char *v);
int rct_cli_take_rls_steps(options *o, const char *flag, const char *v);
int rct_cli_take_checkpoint_every(options *o, const char *flag, const char *v);

/* Parses the options after the command name for command cmd (RCT_CMD_*; the one positional argument is the
   template). */
int rct_cli_parse_options(int argc, char **argv, options *o, int cmd);
/* Reads a matrix file for a flag, reporting errors as "rectic: FLAG: message". */
int rct_cli_read_matrix(const char *flag, const char *path, double **data, long *rows, long *cols);
/* "path:line" of the row-th row of numbers of a CSV file (blank and comment lines skipped), or path alone
   for a .npy file or one that cannot be read again; written into buf. */
const char *rct_cli_where_in_file(const char *path, long row, char *buf, size_t size);
/* Loads weights and inputs and checks their shapes (need_inputs: --inputs is read). */
int rct_cli_load_data(options *o, int need_inputs);
/* Frees what parsing and loading allocated (set names, inputs, weights, the network spec). */
void rct_cli_free_options(options *o);
/* Takes --input VAR=FILE of the single-template form as --inputs FILE --input-var VAR. */
int rct_cli_single_input(options *o);
/* Applies every --set. */
int rct_cli_apply_sets(options *o, rectic_net *net);
/* Prints the warnings of a network just made and, when rc is not RECTIC_OK, its message; returns net, or
   NULL (net freed) on failure. */
rectic_net *rct_cli_made(rectic_net *net, int rc);
/* Applies --sampling-steps, --sampling-mode and --cutoff (complains on failure). */
int rct_cli_sampling(const options *o, rectic_net *net);
/* Builds the network from the options (weights, sets, records, sampling). */
rectic_net *rct_cli_build(options *o);
/* Prints "rectic: FLAG: message" for the network's last error; the message alone when it names a flag
   already. */
void rct_cli_complain_net(const char *flag, const rectic_net *net);

/* Network files (netrun.c).  Reads the network file, checks the flags against it, declares the input
   variables --input names, reads the inputs and settles the number of steps. */
int rct_cli_net_load(options *o);
/* Builds the network of o->ns: the kernel, --set, the inputs, --record, --output-var, sampling. */
rectic_net *rct_cli_net_build(options *o);
/* The meta.json members of a network: its file, populations and projections, inputs and output. */
void rct_cli_net_meta(FILE *f, const options *o, rectic_net *net);
/* Spikes of the last run, all populations together. */
long rct_cli_spike_count(const options *o, rectic_net *net);
/* The recording --plot draws: out, or for a network without --output-var its first --record. */
const char *rct_cli_plot_var(const options *o, char *buf, size_t size);

/* The values of --set NAME=VALUE|@FILE (flag names it in messages): one number, or a file's row or column of
   finite numbers; *vals (count of them) is the caller's to free.  -1 after a complaint. */
int rct_cli_set_values(const char *flag, const char *val, double **vals, long *count);
/* PyRates circuits (circrun.c).  Is the positional argument a CircuitTemplate? */
int rct_cli_circuit_detect(const options *o);
/* Reads and plans the circuit, translates it into o->ns, checks --record, reads and places the inputs. */
int rct_cli_circ_load(options *o);
/* `rectic emit --standalone CIRCUIT`: writes the populations' inputs (o->cin) beside the program (its
   --project folder or the folder of -o FILE) as input_POP.csv and says how to run it; 0, or -1 after a
   complaint. */
int rct_cli_circ_write_inputs(const options *o);
/* `rectic check CIRCUIT`: prints the resolved, planned circuit (for --dt); 0, or 1 after a complaint. */
int rct_cli_circ_check(const options *o);
/* Applies every --set of a circuit (node paths and POP/OP/VAR, circrun.c): 0, or -1 after complaining. */
int rct_cli_circ_sets(const options *o, rectic_net *net);
/* Builds the network of the circuit: --set per node, the inputs, --record per node (one column), sampling. */
rectic_net *rct_cli_circ_build(options *o);
void rct_cli_circ_free(options *o);

/* meta.c: JSON pieces for meta.json members. */
void rct_cli_json_str(FILE *f, const char *s);
void rct_cli_json_opt(FILE *f, const char *key, const char *val);
/* A number for JSON: null for NaN and infinities (ridge.c). */
void rct_cli_json_num(FILE *f, double x);
void rct_cli_json_pair(FILE *f, int k, const char *key, const char *val); /* k-th "key": "val" of an object */
/* Recording subsets (subset.c).  Is arg a subset of neurons: A:B, [A:B], @FILE, or POP[A:B], POP@FILE?  (Then
   it is the argument of --record-spikes, not the next option.) */
int rct_cli_is_subset(const char *arg);
/* Keeps the argument of --record-spikes SUBSET for rct_cli_record_spikes. */
int rct_cli_subset_spikes_arg(options *o, const char *arg);
/* Records --record ARG on net: [KEY=]VAR, or POP/VAR in a network, optionally followed by [A:B] (neurons A up
   to B-1) or @FILE (a list of neuron indices).  0, or -1 after complaining. */
int rct_cli_record(options *o, rectic_net *net, const char *arg);
/* Applies every --record-spikes SUBSET.  0, or -1 after complaining. */
int rct_cli_record_spikes(options *o, rectic_net *net);
/* The meta.json member "recorded_neurons": {KEY: [indices], ...} of the subsets recorded (nothing without). */
void rct_cli_subset_meta(FILE *f, const options *o);
void rct_cli_subsets_free(options *o);

/* Input and readout layers, fit ridge, --targets (ridge.c): the flags' combinations, reading their files
   (before the network is built), setting them on the network and checking the targets (before the run), the
   fit or the score (after a complete run), meta.json members, freeing. */
int rct_cli_ridge_check_flags(const options *o);
int rct_cli_ridge_load(options *o);
int rct_cli_ridge_apply(options *o, rectic_net *net);
int rct_cli_ridge_after(options *o, rectic_net *net);
void rct_cli_ridge_meta(FILE *f, const options *o);
void rct_cli_ridge_free(options *o);
/* Network files: their input_layer: and readout: against the flags (--inputs feeds the input layer's
   population); the input columns of population pop when the input layer feeds it (else 0). */
int rct_cli_net_layers(options *o);
long rct_cli_net_input_cols(const options *o, int pop);

/* Online training and FORCE feedback (rls.c): reading --feedback-weights (before building), setting the
   training and the feedback on the network (after rct_cli_ridge_apply), the summary line after the run,
   meta.json's feedback members and "fit" object. */
int rct_cli_rls_load(options *o);
int rct_cli_rls_apply(options *o, rectic_net *net);
int rct_cli_rls_after(options *o, rectic_net *net);
void rct_cli_rls_meta(FILE *f, const options *o, const rectic_net *net);
void rct_cli_rls_free(options *o);

/* State checkpoints (state.c): the flags' combinations and the --save-state folder (before building),
   loading the state and applying --set again (after building), saving it at the end of a run (finite: the
   state is worth saving), meta.json members. */
int rct_cli_state_check(const options *o);
int rct_cli_state_apply(options *o, rectic_net *net);
int rct_cli_state_save(const options *o, rectic_net *net, int finite);
void rct_cli_state_meta(FILE *f, const options *o);

/* Writes the recordings and DIR/meta.json as one output set (rectic_net_write_set_fn); complains on failure.
   meta.json's timings count writing up to its own (o->times.write_start set before). */
int rct_cli_write_meta(const options *o, rectic_net *net, const char *status);

/* The phases (phases.c): the library's timings t and the command's c summed against the wall time since
   main began, at time now (rct_cli_now): as meta.json's "timings" member, and as -v's text. */
double rct_cli_now(void);
void rct_cli_phases_json(FILE *f, const rectic_timings *t, const rct_cli_times *c, double now);
void rct_cli_phases_print(FILE *f, const rectic_timings *t, const rct_cli_times *c, double now);

#endif

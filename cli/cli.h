/*
 * cli.h -- the rectic command's shared pieces: options, loading data, meta.json (not installed).
 */
#ifndef RCT_CLI_H
#define RCT_CLI_H

#include <stdio.h>

#include "rectic.h"

#define MAX_LIST 256

typedef struct setting {
    const char *name;   /* NAME of --set NAME=VALUE */
    const char *value;  /* VALUE or @file */
} setting;

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
    int record_spikes;
    int format;
    long sampling_steps, cutoff;
    int sampling_mode;
    int quiet, verbose;
    int no_check_finite; /* run: let NaN carry on */
    double max_memory;   /* run: bytes of recordings kept in memory (0: the default) */
    int standalone;      /* emit: a whole simulation program */
    int target_cuda;     /* emit --target cuda: the CUDA kernels */
    const char *project; /* emit: a directory with sim.c, Makefile, README */
    int force;           /* emit --project: overwrite the project's files that exist */
    const char *plot;    /* run: draw out (and spikes) into this image afterwards */
    int out_given;
    /* loaded data */
    double *weights;     /* emit: a stand-in matrix when coupling has no weights file */
    double *inputs;
    long in_rows, in_cols;
} options;

/* Prints "rectic: message" to stderr. */
void rct_cli_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the network's warnings from index *shown on as "rectic: warning: ..." to stderr; *shown = count. */
void rct_cli_warnings(const rectic_net *net, int *shown);

extern const char rct_usage_run[], rct_usage_emit[], rct_usage_check[], rct_usage_plot[], rct_usage_templates[];

/* Parses the options after the command name (the one positional argument is the template). */
int rct_cli_parse_options(int argc, char **argv, options *o, const char *usage);
/* Reads a matrix file for a flag, reporting errors as "rectic: FLAG: message". */
int rct_cli_read_matrix(const char *flag, const char *path, double **data, long *rows, long *cols);
/* Loads weights and inputs and checks their shapes (need_inputs: --inputs is read). */
int rct_cli_load_data(options *o, int need_inputs);
/* Applies every --set. */
int rct_cli_apply_sets(options *o, rectic_net *net);
/* Builds the network from the options (weights, sets, records, sampling). */
rectic_net *rct_cli_build(options *o);
/* Writes the recordings and DIR/meta.json as one output set (rectic_net_write_set); complains on failure. */
int rct_cli_write_meta(const options *o, rectic_net *net, const char *status, double wall);

#endif

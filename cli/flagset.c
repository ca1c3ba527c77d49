/*
 * flagset.c -- the values of the flags of run, emit and check that need more than storing (flagtab.c names
 * these functions): numbers, sizes, choices among names, NAME=VALUE pairs and lists.  Each takes the flag as
 * given (for messages) and its value; 0, or -1 after a complaint.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define complain rct_cli_complain

int rct_cli_parse_double(const char *flag, const char *s, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(x)) {
        complain("%s: expected a number, got '%s'", flag, s);
        return -1;
    }
    *out = x;
    return 0;
}

int rct_cli_parse_long(const char *flag, const char *s, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end != s && (*end == '.' || *end == 'e' || *end == 'E')) { /* 1e6, 2.5e3, 100.0 */
        double d = strtod(s, &end);
        x = !*end && d >= 0 && d < 9.2e18 && d == floor(d) ? (long)d : -1;
    }
    if (end == s || *end || errno == ERANGE || x < 0) {
        complain("%s: expected a whole number >= 0, got '%s'", flag, s);
        return -1;
    }
    *out = x;
    return 0;
}

int rct_cli_is_number(const char *v, double *x)
{
    char *end;
    *x = strtod(v, &end);
    return end != v && !*end && isfinite(*x);
}

int rct_cli_parse_steps(const char *flag, const char *v, long min, long *out)
{
    char *end;
    long k = strtol(v, &end, 10);
    if (end == v || *end || k < min) {
        complain("%s: expected a whole number of steps >= %ld, got '%s'", flag, min, v);
        return -1;
    }
    *out = k;
    return 0;
}

/* The index of v in the count names, or -1 after complaining "FLAG: expected A, B or C, got 'v'". */
static int choice(const char *flag, const char *v, const char *const *names, int count)
{
    char list[200] = "";
    for (int k = 0; k < count; k++) {
        if (!strcmp(v, names[k]))
            return k;
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k == 0 ? "" : k == count - 1 ? " or " : ", ",
                 names[k]);
    }
    complain("%s: expected %s, got '%s'", flag, list, v);
    return -1;
}

/* --max-memory: a size such as 512M or 2G (bytes, K, M or G). */
int rct_cli_take_max_memory(options *o, const char *flag, const char *s)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    double unit = !*end ? 1 : !strcmp(end, "K") || !strcmp(end, "k") ? 1024.0 : !strcmp(end, "M") ? 1048576.0
                : !strcmp(end, "G") ? 1073741824.0 : -1;
    if (end == s || unit < 0 || !(x > 0) || errno == ERANGE) {
        complain("%s: expected a size such as 512M or 2G, got '%s'", flag, s);
        return -1;
    }
    if (!(x * unit < 9.2e18)) { /* the byte count must fit size_t on every host we build for */
        complain("%s: %s is too large: more bytes than a 64-bit size can count", flag, s);
        return -1;
    }
    o->max_memory = x * unit;
    return 0;
}

/* Splits "NAME=VALUE" of a flag's value: *name a copy of NAME (the caller frees it), *value points into v;
   expect says what the flag takes (for the message). */
static int split_pair(const char *flag, const char *v, const char *expect, const char **name, const char **value)
{
    const char *e = strchr(v, '=');
    if (!e || e == v || !e[1]) {
        complain("%s %s: expected %s", flag, v, expect);
        return -1;
    }
    char *copy = strndup(v, (size_t)(e - v));
    if (!copy) {
        complain("out of memory");
        return -1;
    }
    *name = copy;
    *value = e + 1;
    return 0;
}

/* --coupling MODE: its index is the spec's coupling. */
int rct_cli_take_coupling(options *o, const char *flag, const char *v)
{
    static const char *const names[] = {"auto", "dense", "inline", "sparse", "event"};
    int k = choice(flag, v, names, 5);
    if (k >= 0)
        o->spec.coupling = (rectic_coupling)k;
    return k < 0 ? -1 : 0;
}

/* --mpi-partition auto|units|synapses. */
int rct_cli_take_mpi_partition(options *o, const char *flag, const char *v)
{
    static const char *const names[] = {"auto", "units", "synapses"};
    static const rectic_mpi_partition modes[] = {RECTIC_MPI_PARTITION_AUTO, RECTIC_MPI_PARTITION_UNITS,
                                                 RECTIC_MPI_PARTITION_SYNAPSES};
    int k = choice(flag, v, names, 3);
    if (k >= 0)
        o->spec.mpi_partition = modes[k];
    return k < 0 ? -1 : 0;
}

/* --mpi-read stream|scatter. */
int rct_cli_take_mpi_read(options *o, const char *flag, const char *v)
{
    static const char *const names[] = {"stream", "scatter"};
    static const rectic_mpi_read modes[] = {RECTIC_MPI_READ_STREAM, RECTIC_MPI_READ_SCATTER};
    int k = choice(flag, v, names, 2);
    if (k >= 0)
        o->spec.mpi_read = modes[k];
    return k < 0 ? -1 : 0;
}

/* --threads K: at least 1. */
int rct_cli_take_threads(options *o, const char *flag, const char *v)
{
    if (rct_cli_parse_long(flag, v, &o->threads))
        return -1;
    if (o->threads < 1) {
        complain("--threads: expected at least 1");
        return -1;
    }
    return 0;
}

/* -N, --neurons N: at least 1. */
int rct_cli_take_neurons(options *o, const char *flag, const char *v)
{
    if (rct_cli_parse_long(flag, v, &o->spec.n))
        return -1;
    if (o->spec.n == 0) {
        complain("%s: expected at least 1 neuron", flag);
        return -1;
    }
    return 0;
}

/* --min-weight W: W >= 0. */
int rct_cli_take_min_weight(options *o, const char *flag, const char *v)
{
    if (rct_cli_parse_double(flag, v, &o->spec.min_weight))
        return -1;
    if (o->spec.min_weight < 0) {
        complain("%s: expected a number >= 0", flag);
        return -1;
    }
    return 0;
}

/* --dt DT: positive. */
int rct_cli_take_dt(options *o, const char *flag, const char *v)
{
    if (rct_cli_parse_double(flag, v, &o->spec.dt))
        return -1;
    if (!(o->spec.dt > 0)) {
        complain("--dt: the step size must be positive, got '%s'", v);
        return -1;
    }
    return 0;
}

/* --dtype float64|float32 (or double|float). */
int rct_cli_take_dtype(options *o, const char *flag, const char *v)
{
    (void)flag;
    if (!strcmp(v, "float64") || !strcmp(v, "double"))
        o->spec.dtype = RECTIC_FLOAT64;
    else if (!strcmp(v, "float32") || !strcmp(v, "float"))
        o->spec.dtype = RECTIC_FLOAT32;
    else {
        complain("--dtype: expected float64 or float32, got '%s'", v);
        return -1;
    }
    return 0;
}

/* --backend auto|tcc|cc|nvrtc. */
int rct_cli_take_backend(options *o, const char *flag, const char *v)
{
    static const char *const names[] = {"auto", "tcc", "cc", "nvrtc"};
    static const rectic_backend backends[] = {RECTIC_BACKEND_AUTO, RECTIC_BACKEND_TCC, RECTIC_BACKEND_CC,
                                              RECTIC_BACKEND_NVRTC};
    int k = choice(flag, v, names, 4);
    if (k >= 0)
        o->spec.backend = backends[k];
    return k < 0 ? -1 : 0;
}

/* --device cpu|cuda|cuda:N: the CPU, or CUDA device N through NVRTC. */
int rct_cli_take_device(options *o, const char *flag, const char *v)
{
    (void)flag;
    char *end = NULL;
    long dev = !strncmp(v, "cuda:", 5) && v[5] ? strtol(v + 5, &end, 10) : -1;
    if (!strcmp(v, "cpu")) {
        if (o->spec.backend == RECTIC_BACKEND_NVRTC)
            o->spec.backend = RECTIC_BACKEND_AUTO;
    } else if (!strcmp(v, "cuda")) {
        o->spec.backend = RECTIC_BACKEND_NVRTC, o->spec.device = 0;
    } else if (dev >= 0 && dev < 1024 && end && !*end) {
        o->spec.backend = RECTIC_BACKEND_NVRTC, o->spec.device = (int)dev;
    } else {
        complain("--device: expected cpu or cuda:N (N = 0, 1, ...), got '%s'", v);
        return -1;
    }
    return 0;
}

/* --target c|cuda (emit). */
int rct_cli_take_target(options *o, const char *flag, const char *v)
{
    static const char *const names[] = {"c", "cuda"};
    int k = choice(flag, v, names, 2);
    o->target_cuda = k == 1;
    return k < 0 ? -1 : 0;
}

/* --sampling-steps K: at least 1. */
int rct_cli_take_sampling_steps(options *o, const char *flag, const char *v)
{
    if (rct_cli_parse_long(flag, v, &o->sampling_steps))
        return -1;
    if (o->sampling_steps < 1) {
        complain("%s: expected a positive whole number", flag);
        return -1;
    }
    return 0;
}

/* --sampling-mode pick|mean. */
int rct_cli_take_sampling_mode(options *o, const char *flag, const char *v)
{
    static const char *const names[] = {"pick", "mean"};
    int k = choice(flag, v, names, 2);
    o->sampling_mode = k == 1 ? RECTIC_SAMPLE_MEAN : RECTIC_SAMPLE_PICK;
    return k < 0 ? -1 : 0;
}

/* --format csv|npy. */
int rct_cli_take_format(options *o, const char *flag, const char *v)
{
    static const char *const names[] = {"csv", "npy"};
    int k = choice(flag, v, names, 2);
    o->format = k == 1 ? RECTIC_FORMAT_NPY : RECTIC_FORMAT_CSV;
    return k < 0 ? -1 : 0;
}

/* Is a list of a repeatable flag full (count entries of MAX_LIST)?  Then complains. */
static int full(const char *flag, int count)
{
    if (count < MAX_LIST)
        return 0;
    complain("%s: too many", flag);
    return 1;
}

/* --template-path DIR (repeatable). */
int rct_cli_take_template_path(options *o, const char *flag, const char *v)
{
    if (full(flag, o->n_tpath))
        return -1;
    o->tpath[o->n_tpath++] = v;
    return 0;
}

/* --set NAME=VALUE|@FILE (repeatable). */
int rct_cli_take_set(options *o, const char *flag, const char *v)
{
    if (full(flag, o->n_sets))
        return -1;
    setting *s = &o->sets[o->n_sets];
    if (split_pair(flag, v, "NAME=VALUE or NAME=@FILE", &s->name, &s->value))
        return -1;
    o->n_sets++;
    return 0;
}

/* --input POP/VAR=FILE or VAR=FILE (repeatable). */
int rct_cli_take_input(options *o, const char *flag, const char *v)
{
    if (full(flag, o->n_input))
        return -1;
    input_file *in = &o->input[o->n_input];
    if (split_pair(flag, v, "POP/VAR=FILE (a network file) or VAR=FILE (a template)", &in->path, &in->file))
        return -1;
    o->n_input++;
    return 0;
}

/* --record ARG (repeatable; read when the network is built). */
int rct_cli_take_record(options *o, const char *flag, const char *v)
{
    if (full(flag, o->n_records))
        return -1;
    o->records[o->n_records++] = v;
    return 0;
}

/* --record-spikes [SUBSET]: without a subset it describes one template (a network file writes every spiking
   population's spikes anyway). */
int rct_cli_take_record_spikes(options *o, const char *flag, const char *v)
{
    o->record_spikes = 1;
    if (!v && !o->template_flag)
        o->template_flag = "--record-spikes";
    (void)flag;
    return v ? rct_cli_subset_spikes_arg(o, v) : 0;
}

/* -o, --output DIR (emit: a file or folder). */
int rct_cli_take_output(options *o, const char *flag, const char *v)
{
    (void)flag;
    o->out_dir = v;
    o->out_given = 1;
    return 0;
}

/* --mpi (emit): the standalone program for MPI. */
int rct_cli_take_mpi(options *o, const char *flag, const char *v)
{
    (void)flag, (void)v;
    o->standalone = o->sa_mpi = 1;
    return 0;
}

/* --project DIR (emit): the standalone program with a Makefile and a README. */
int rct_cli_take_project(options *o, const char *flag, const char *v)
{
    (void)flag;
    o->project = v;
    o->standalone = 1;
    return 0;
}

/* --check-finite: the default, undoing an earlier --no-check-finite. */
int rct_cli_take_check_finite(options *o, const char *flag, const char *v)
{
    (void)flag, (void)v;
    o->no_check_finite = 0;
    return 0;
}

/*
 * rectic.c -- the command line: a thin client of the rectic.h API.
 *
 *   rectic run TEMPLATE [options]      simulate and write the recordings
 *   rectic emit TEMPLATE [options]     write the generated kernel source
 *   rectic check TEMPLATE              print the resolved template
 *   rectic templates                   list the built-in templates
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plot.h"
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
    const char *plot;    /* run: draw out (and spikes) into this image afterwards */
    int out_given;
    /* loaded data */
    double *weights;
    long w_rows, w_cols;
    double *inputs;
    long in_rows, in_cols;
} options;

static const char *prog = "rectic";
static volatile sig_atomic_t interrupted = 0;
static volatile int cancel_flag = 0;

/* Prints "rectic: message" to stderr. */
static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void complain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char usage_main[] =
    "usage: rectic COMMAND [options]\n"
    "\n"
    "Simulate networks of model neurons described by PyRates/RectiPy YAML templates.\n"
    "\n"
    "commands:\n"
    "  run TEMPLATE        simulate a network and write its recordings\n"
    "  emit TEMPLATE       write the generated C kernel\n"
    "  check TEMPLATE      print a template after inheritance: operators, variables, equations\n"
    "  templates           list the built-in templates\n"
    "  plot DIR [VAR]      draw recordings of a run with gnuplot\n"
    "\n"
    "  rectic COMMAND --help   options of a command;  rectic --version\n";

static const char usage_run[] =
    "usage: rectic run TEMPLATE [options]\n"
    "\n"
    "TEMPLATE is a dotted name (neuron_model_templates.spiking_neurons.qif.qif) searched in --template-path,\n"
    "$RECTIC_TEMPLATE_PATH, the built-in templates and the current directory, or a path dir/file/template.\n"
    "\n"
    "network:\n"
    "  --op OP                 operator whose variables short names refer to (RectiPy's op=)\n"
    "  --weights FILE          N x N weights (CSV or .npy): row i = target neuron, column j = source\n"
    "  --weights-coo FILE      sparse weights: rows of target,source,weight (CSV or an nnz x 3 .npy), with -N\n"
    "  -N, --neurons N         number of neurons without coupling (or checked against the weights)\n"
    "  --coupling MODE         auto (default: a loop in the kernel for N <= 20, OpenBLAS GEMV for dense W,\n"
    "                          sparse rows below 10%% non-zero), dense, inline, sparse, or event (W @ s kept\n"
    "                          up to date from the spikes when s' = -s/tau + c*spike; exact in real arithmetic,\n"
    "                          differs by rounding; use dense to reproduce RectiPy)\n"
    "  --threads K             OpenBLAS threads for the coupling product (default: OpenBLAS's)\n"
    "  --source-var VAR        coupling: TARGET = W @ SOURCE\n"
    "  --target-var VAR\n"
    "  --input-var VAR         receives the input row of each step\n"
    "  --output-var VAR        recorded as out\n"
    "  --spike-var VAR         spiking: receives spike/dt for one step ...\n"
    "  --spike-def VAR         ... when this state variable reaches the threshold\n"
    "  --spike-threshold X     default 100\n"
    "  --spike-reset X         default -100\n"
    "  --min-weight W          treat weights with |w| <= W as 0 (RectiPy/PyRates: 1e-6; default: keep all)\n"
    "  --set NAME=VALUE        parameter or initial value (NAME: var, op/var); VALUE a number or @FILE\n"
    "                          with one value per neuron; repeatable\n"
    "  --dtype float64|float32 default float64\n"
    "  --backend auto|tcc|cc   who compiles the kernel: TinyCC in memory (~1 ms), the system C compiler\n"
    "                          (-O3 -march=native, cached in $XDG_CACHE_HOME/rectic), or auto (default):\n"
    "                          start with TinyCC, switch to cc's kernel when it is ready; same results;\n"
    "                          nvrtc: CUDA kernels on the GPU (the same as --device cuda:0)\n"
    "  --device cpu|cuda:N     where to run: the CPU (default) or CUDA device N (NVRTC, needs an NVIDIA\n"
    "                          GPU and its driver)\n"
    "  --template-path DIR     search DIR for dotted template names (repeatable)\n"
    "simulation:\n"
    "  --dt DT                 step size (default 1e-3)\n"
    "  --inputs FILE           T x N (or T x 1) inputs, row n = step n (CSV or .npy)\n"
    "  --steps T               number of steps (default: the rows of --inputs; zero input without it)\n"
    "  --no-check-finite       let NaN/inf carry on (default: stop with exit status 3, naming the step,\n"
    "                          neuron and variable, and write the steps before it)\n"
    "recording:\n"
    "  -o, --output DIR        where to write (default results/)\n"
    "  --record VAR            also record VAR (repeatable); out is always recorded\n"
    "  --record-spikes         write spikes.csv (automatic for spiking networks)\n"
    "  --sampling-steps K      record every K-th step (default 1)\n"
    "  --sampling-mode pick|mean  mean: out averaged over the K steps of each row (RectiPy >= 0.12)\n"
    "  --cutoff C              do not record steps before C\n"
    "  --format csv|npy        default csv\n"
    "  --max-memory SIZE       recordings larger than SIZE (default 1G) stream to temporary files\n"
    "  --plot FIG              draw out (and the spikes) into FIG (.png, .svg, .pdf) with gnuplot\n"
    "  -q, --quiet             no progress bar, no summary\n"
    "  -v, --verbose           phase timings\n";

static const char usage_emit[] =
    "usage: rectic emit TEMPLATE [run options] [-o kernel.c]\n"
    "       rectic emit TEMPLATE [run options] --standalone [-o sim.c | --project DIR]\n"
    "\n"
    "Writes the C kernel that `rectic run` with the same options would compile (stdout without -o).\n"
    "--target cuda (or --device cuda:N) writes the CUDA kernels instead (no GPU needed to write them).\n"
    "--standalone writes a whole simulation program instead: the same kernel, the Euler loop, recording\n"
    "and CSV/.npy output, needing only libc, libm and CBLAS:\n"
    "    cc -O2 sim.c -lopenblas -lm -o sim && ./sim --weights J.csv --inputs inp.csv -o out/ eta=-4\n"
    "Its outputs are byte-identical to `rectic run` with the same settings.  --project DIR writes\n"
    "DIR/sim.c with a Makefile and a README.\n";

static const char usage_check[] =
    "usage: rectic check TEMPLATE [--template-path DIR] [--op OP]\n"
    "\n"
    "Resolves the template (inheritance, aliases, operators) and prints its operators, variables with\n"
    "kinds and defaults, and equations.\n";

static const char usage_plot[] =
    "usage: rectic plot DIR [VAR] -o FIG.png|FIG.svg|FIG.pdf [--inputs FILE]\n"
    "\n"
    "Draws the recording VAR (default out) of the run in DIR against time: one line per neuron (up to 20)\n"
    "and their mean, a raster of the spikes when DIR has spikes, and the inputs of FILE above them.\n"
    "Needs gnuplot (Debian: gnuplot-nox).\n";

static const char usage_templates[] =
    "usage: rectic templates\n"
    "\n"
    "Lists the built-in node templates with their descriptions.\n";

/* Parses a double option value. */
static int parse_double(const char *flag, const char *s, double *out)
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

/* Parses a non-negative integer option value. */
static int parse_long(const char *flag, const char *s, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *end || errno == ERANGE || x < 0) {
        complain("%s: expected a whole number >= 0, got '%s'", flag, s);
        return -1;
    }
    *out = x;
    return 0;
}

/* Parses the options after the command name; the one positional argument is the template. */
static int parse_options(int argc, char **argv, options *o, const char *usage)
{
    rectic_spec_init(&o->spec);
    o->spec.backend = RECTIC_BACKEND_AUTO; /* tiered: TinyCC at once, the system compiler when ready */
    o->steps = -1;
    o->out_dir = "results";
    o->sampling_steps = 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        char flag[64];
        /* --flag=value form */
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        if (eq && (size_t)(eq - a) < sizeof flag) {
            snprintf(flag, sizeof flag, "%.*s", (int)(eq - a), a);
            a = flag;
            v = eq + 1;
        }
#define TAKE()                                                                     \
    do {                                                                           \
        if (!v) {                                                                  \
            if (i + 1 >= argc) {                                                   \
                complain("%s: expected a value after it", a);                      \
                return -1;                                                         \
            }                                                                      \
            v = argv[++i];                                                         \
        }                                                                          \
    } while (0)
#define IS(s) (strcmp(a, s) == 0)
        if (IS("-h") || IS("--help")) {
            fputs(usage, stdout);
            exit(0);
        } else if (IS("--op")) { TAKE(); o->spec.op = v;
        } else if (IS("--weights")) { TAKE(); o->weights_file = v;
        } else if (IS("--weights-coo")) { TAKE(); o->coo_file = v;
        } else if (IS("--coupling")) { TAKE();
            static const char *const names[] = {"auto", "dense", "inline", "sparse", "event"};
            int found = -1;
            for (int k = 0; k < 5; k++)
                if (!strcmp(v, names[k]))
                    found = k;
            if (found < 0) { complain("--coupling: expected auto, dense, inline, sparse or event, got '%s'", v); return -1; }
            o->spec.coupling = found;
        } else if (IS("--threads")) { TAKE(); if (parse_long(a, v, &o->threads)) return -1;
            if (o->threads < 1) { complain("--threads: expected at least 1"); return -1; }
        } else if (IS("-N") || IS("--neurons")) { TAKE(); if (parse_long(a, v, &o->spec.n)) return -1;
            if (o->spec.n == 0) { complain("%s: expected at least 1 neuron", a); return -1; }
        } else if (IS("--source-var")) { TAKE(); o->spec.source_var = v;
        } else if (IS("--target-var")) { TAKE(); o->spec.target_var = v;
        } else if (IS("--input-var")) { TAKE(); o->spec.input_var = v;
        } else if (IS("--output-var")) { TAKE(); o->spec.output_var = v;
        } else if (IS("--spike-var")) { TAKE(); o->spec.spike_var = v;
        } else if (IS("--spike-def")) { TAKE(); o->spec.spike_def = v;
        } else if (IS("--spike-threshold")) { TAKE(); if (parse_double(a, v, &o->spec.spike_threshold)) return -1;
        } else if (IS("--spike-reset")) { TAKE(); if (parse_double(a, v, &o->spec.spike_reset)) return -1;
        } else if (IS("--min-weight")) { TAKE(); if (parse_double(a, v, &o->spec.min_weight)) return -1;
            if (o->spec.min_weight < 0) { complain("%s: expected a number >= 0", a); return -1; }
        } else if (IS("--dt")) { TAKE(); if (parse_double(a, v, &o->spec.dt)) return -1;
            if (!(o->spec.dt > 0)) { complain("--dt: the step size must be positive, got '%s'", v); return -1; }
        } else if (IS("--dtype")) { TAKE();
            if (!strcmp(v, "float64") || !strcmp(v, "double")) o->spec.dtype = RECTIC_FLOAT64;
            else if (!strcmp(v, "float32") || !strcmp(v, "float")) o->spec.dtype = RECTIC_FLOAT32;
            else { complain("--dtype: expected float64 or float32, got '%s'", v); return -1; }
        } else if (IS("--template-path")) { TAKE();
            if (o->n_tpath >= MAX_LIST) { complain("%s: too many", a); return -1; }
            o->tpath[o->n_tpath++] = v;
        } else if (IS("--inputs")) { TAKE(); o->inputs_file = v;
        } else if (IS("--steps")) { TAKE(); if (parse_long(a, v, &o->steps)) return -1;
        } else if (IS("-o") || IS("--output")) { TAKE(); o->out_dir = v; o->out_given = 1;
        } else if (IS("--standalone")) { o->standalone = 1;
        } else if (IS("--backend")) { TAKE();
            if (!strcmp(v, "tcc")) o->spec.backend = RECTIC_BACKEND_TCC;
            else if (!strcmp(v, "cc")) o->spec.backend = RECTIC_BACKEND_CC;
            else if (!strcmp(v, "auto")) o->spec.backend = RECTIC_BACKEND_AUTO;
            else if (!strcmp(v, "nvrtc")) o->spec.backend = RECTIC_BACKEND_NVRTC;
            else { complain("--backend: expected auto, tcc, cc or nvrtc, got '%s'", v); return -1; }
        } else if (IS("--device")) { TAKE();
            char *end = NULL;
            long dev = !strncmp(v, "cuda:", 5) && v[5] ? strtol(v + 5, &end, 10) : -1;
            if (!strcmp(v, "cpu")) {
                if (o->spec.backend == RECTIC_BACKEND_NVRTC) o->spec.backend = RECTIC_BACKEND_AUTO;
            } else if (!strcmp(v, "cuda")) {
                o->spec.backend = RECTIC_BACKEND_NVRTC, o->spec.device = 0;
            } else if (dev >= 0 && dev < 1024 && end && !*end) {
                o->spec.backend = RECTIC_BACKEND_NVRTC, o->spec.device = (int)dev;
            } else { complain("--device: expected cpu or cuda:N (N = 0, 1, ...), got '%s'", v); return -1; }
        } else if (IS("--target")) { TAKE();
            if (!strcmp(v, "c")) o->target_cuda = 0;
            else if (!strcmp(v, "cuda")) o->target_cuda = 1;
            else { complain("--target: expected c or cuda, got '%s'", v); return -1; }
        } else if (IS("--max-memory")) { TAKE();
            char *end;
            double x = strtod(v, &end);
            double unit = !*end ? 1 : !strcmp(end, "K") || !strcmp(end, "k") ? 1024.0 : !strcmp(end, "M") ? 1048576.0
                        : !strcmp(end, "G") ? 1073741824.0 : -1;
            if (end == v || unit < 0 || !(x > 0)) {
                complain("--max-memory: expected a size such as 512M or 2G, got '%s'", v);
                return -1;
            }
            o->max_memory = x * unit;
        } else if (IS("--check-finite")) { o->no_check_finite = 0;
        } else if (IS("--no-check-finite")) { o->no_check_finite = 1;
        } else if (IS("--plot")) { TAKE(); o->plot = v;
        } else if (IS("--project")) { TAKE(); o->project = v; o->standalone = 1;
        } else if (IS("--set")) { TAKE();
            const char *e = strchr(v, '=');
            if (!e || e == v || !e[1]) { complain("--set %s: expected NAME=VALUE or NAME=@FILE", v); return -1; }
            if (o->n_sets >= MAX_LIST) { complain("%s: too many", a); return -1; }
            char *name = strndup(v, (size_t)(e - v));
            if (!name) { complain("out of memory"); return -1; }
            o->sets[o->n_sets].name = name;
            o->sets[o->n_sets++].value = e + 1;
        } else if (IS("--record")) { TAKE();
            if (o->n_records >= MAX_LIST) { complain("%s: too many", a); return -1; }
            o->records[o->n_records++] = v;
        } else if (IS("--record-spikes")) { o->record_spikes = 1;
        } else if (IS("--sampling-steps")) { TAKE(); if (parse_long(a, v, &o->sampling_steps)) return -1;
            if (o->sampling_steps < 1) { complain("%s: expected a positive whole number", a); return -1; }
        } else if (IS("--sampling-mode")) { TAKE();
            if (!strcmp(v, "pick")) o->sampling_mode = RECTIC_SAMPLE_PICK;
            else if (!strcmp(v, "mean")) o->sampling_mode = RECTIC_SAMPLE_MEAN;
            else { complain("--sampling-mode: expected pick or mean, got '%s'", v); return -1; }
        } else if (IS("--cutoff")) { TAKE(); if (parse_long(a, v, &o->cutoff)) return -1;
        } else if (IS("--format")) { TAKE();
            if (!strcmp(v, "csv")) o->format = RECTIC_FORMAT_CSV;
            else if (!strcmp(v, "npy")) o->format = RECTIC_FORMAT_NPY;
            else { complain("--format: expected csv or npy, got '%s'", v); return -1; }
        } else if (IS("-q") || IS("--quiet")) { o->quiet = 1;
        } else if (IS("-v") || IS("--verbose")) { o->verbose = 1;
        } else if (a[0] == '-' && a[1]) {
            complain("unknown option '%s' (see --help)", a);
            return -1;
        } else if (!o->spec.template_ref) {
            o->spec.template_ref = a;
        } else {
            complain("unexpected argument '%s': only one template may be given", a);
            return -1;
        }
#undef TAKE
#undef IS
    }
    if (!o->spec.template_ref) {
        complain("no template given (see --help)");
        return -1;
    }
    o->spec.template_path = o->tpath;
    o->spec.n_template_path = o->n_tpath;
    return 0;
}

/* Reads a matrix file for a flag, reporting errors as "rectic: FLAG: message". */
static int read_matrix(const char *flag, const char *path, double **data, long *rows, long *cols)
{
    char err[2200];
    if (rectic_read_matrix(path, data, rows, cols, err, sizeof err) != RECTIC_OK) {
        complain("%s: %s", flag, err);
        return -1;
    }
    return 0;
}

/* Loads weights and inputs and checks their shapes. */
static int load_data(options *o, int need_inputs)
{
    if (o->weights_file) {
        if (read_matrix("--weights", o->weights_file, &o->weights, &o->w_rows, &o->w_cols))
            return -1;
        if (o->w_rows != o->w_cols) {
            complain("--weights: %s is %ld x %ld: expected a square N x N matrix (row = target, column = source)",
                     o->weights_file, o->w_rows, o->w_cols);
            return -1;
        }
        if (o->spec.n && o->spec.n != o->w_rows) {
            complain("--weights: %s is %ld x %ld but -N says %ld neurons", o->weights_file, o->w_rows, o->w_cols,
                     o->spec.n);
            return -1;
        }
        for (long i = 0; i < o->w_rows * o->w_cols; i++)
            if (!isfinite(o->weights[i])) {
                complain("--weights: %s: entry at row %ld, column %ld is %s: weights must be finite numbers",
                         o->weights_file, i / o->w_cols + 1, i % o->w_cols + 1, isnan(o->weights[i]) ? "NaN" : "infinite");
                return -1;
            }
        o->spec.n = o->w_rows;
        o->spec.weights = o->weights;
    }
    if (o->coo_file) {
        double *coo;
        long rows, cols;
        if (o->weights_file) {
            complain("--weights-coo: give --weights or --weights-coo, not both");
            return -1;
        }
        if (read_matrix("--weights-coo", o->coo_file, &coo, &rows, &cols))
            return -1;
        if (cols != 3) {
            free(coo);
            complain("--weights-coo: %s has %ld columns: expected 3 (target, source, weight)", o->coo_file, cols);
            return -1;
        }
        if (!o->spec.n) {
            free(coo);
            complain("--weights-coo: give the number of neurons with -N");
            return -1;
        }
        o->weights = coo;
        o->spec.weights_coo = coo;
        o->spec.nnz = rows;
    }
    if (o->inputs_file && need_inputs) {
        if (read_matrix("--inputs", o->inputs_file, &o->inputs, &o->in_rows, &o->in_cols))
            return -1;
        if (o->spec.n && o->in_cols != o->spec.n && o->in_cols != 1) {
            complain("--inputs: %s has %ld columns: expected %ld (one per neuron) or 1", o->inputs_file, o->in_cols,
                     o->spec.n);
            return -1;
        }
        if (!o->spec.n)
            o->spec.n = o->in_cols;
        if (o->steps < 0)
            o->steps = o->in_rows;
        else if (o->steps > o->in_rows) {
            complain("--steps %ld: %s has only %ld rows of input", o->steps, o->inputs_file, o->in_rows);
            return -1;
        }
    }
    if (!o->spec.n) {
        complain("the number of neurons is unknown: give --weights or -N");
        return -1;
    }
    if (o->steps < 0)
        o->steps = need_inputs ? -1 : 0;
    return 0;
}

/* Applies every --set. */
static int apply_sets(options *o, rectic_net *net)
{
    for (int k = 0; k < o->n_sets; k++) {
        const char *val = o->sets[k].value;
        double one, *vals = &one;
        long count = 1, rows, cols;
        char flag[300];
        snprintf(flag, sizeof flag, "--set %s", o->sets[k].name);
        if (val[0] == '@') {
            if (read_matrix(flag, val + 1, &vals, &rows, &cols))
                return -1;
            count = rows * cols;
            if (rows != 1 && cols != 1) {
                complain("%s: %s is %ld x %ld: expected one value per neuron (a row or a column)", flag, val + 1,
                         rows, cols);
                free(vals);
                return -1;
            }
        } else if (parse_double(flag, val, &one)) {
            return -1;
        }
        int rc = rectic_net_set(net, o->sets[k].name, vals, count);
        if (vals != &one)
            free(vals);
        if (rc != RECTIC_OK) {
            complain("%s", rectic_errmsg(net));
            return -1;
        }
    }
    return 0;
}

/* Builds the network from the options (weights, sets, records). */
static rectic_net *build(options *o)
{
    rectic_net *net;
    if (rectic_net_new(&net, &o->spec) != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        rectic_net_free(net);
        return NULL;
    }
    if (apply_sets(o, net)) {
        rectic_net_free(net);
        return NULL;
    }
    for (int k = 0; k < o->n_records; k++)
        if (rectic_net_record(net, o->records[k]) != RECTIC_OK) {
            complain("%s", rectic_errmsg(net));
            rectic_net_free(net);
            return NULL;
        }
    if (rectic_net_sampling(net, o->sampling_steps, o->sampling_mode, o->cutoff) != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        rectic_net_free(net);
        return NULL;
    }
    return net;
}

/* ---------------------------------------------------------------- progress */

typedef struct progress {
    double start;
    int shown, enabled;
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Draws the progress bar once the run has taken more than a second. */
static int on_progress(void *user, long done, long total)
{
    progress *p = user;
    if (interrupted)
        return 1;
    double t = now() - p->start;
    if (!p->enabled || t < 1.0 || total <= 0)
        return 0;
    double rate = done / t;
    double eta = rate > 0 ? (total - done) / rate : 0;
    int width = 30, fill = (int)((double)width * done / total);
    fprintf(stderr, "\r[%.*s%*s] %ld/%ld steps  %.3g steps/s  ETA %.1fs ", fill,
            "##############################", width - fill, "", done, total, rate, eta);
    p->shown = 1;
    return 0;
}

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    cancel_flag = 1;
}

/* ---------------------------------------------------------------- meta.json */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_opt(FILE *f, const char *key, const char *val)
{
    fprintf(f, "  \"%s\": ", key);
    if (val)
        json_str(f, val);
    else
        fputs("null", f);
    fputs(",\n", f);
}

/* FNV-1a 64-bit hash of the kernel source (identifies the compiled code). */
static unsigned long long hash_source(const char *s)
{
    unsigned long long h = 1469598103934665603ULL;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Writes DIR/meta.json (atomically). */
static int write_meta(const options *o, rectic_net *net, const char *status, double wall)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/meta.json", o->out_dir);
    snprintf(tmp, sizeof tmp, "%s/.meta.json.tmp", o->out_dir);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        complain("-o %s: cannot write %s: %s", o->out_dir, tmp, strerror(errno));
        return -1;
    }
    rectic_timings t;
    rectic_net_timings(net, &t);
    long n_spikes = 0;
    const long *pairs;
    rectic_net_spikes(net, &n_spikes, &pairs);
    fputs("{\n", f);
    json_opt(f, "rectic_version", RECTIC_VERSION);
    json_opt(f, "template", o->spec.template_ref);
    json_opt(f, "op", o->spec.op);
    fputs("  \"equations\": [", f);
    for (int i = 0; rectic_net_equation(net, i); i++) {
        fputs(i ? ", " : "", f);
        json_str(f, rectic_net_equation(net, i));
    }
    fputs("],\n", f);
    fprintf(f, "  \"N\": %ld,\n  \"dt\": %.17g,\n  \"steps\": %ld,\n  \"steps_done\": %ld,\n", rectic_net_size(net),
            o->spec.dt, o->steps, rectic_net_steps_done(net));
    json_opt(f, "dtype", o->spec.dtype == RECTIC_FLOAT32 ? "float32" : "float64");
    json_opt(f, "weights", o->weights_file);
    json_opt(f, "inputs", o->inputs_file);
    json_opt(f, "source_var", o->spec.source_var);
    json_opt(f, "target_var", o->spec.target_var);
    json_opt(f, "input_var", o->spec.input_var);
    json_opt(f, "output_var", o->spec.output_var);
    json_opt(f, "spike_var", o->spec.spike_var);
    json_opt(f, "spike_def", o->spec.spike_def);
    fprintf(f, "  \"spike_threshold\": %.17g,\n  \"spike_reset\": %.17g,\n", o->spec.spike_threshold,
            o->spec.spike_reset);
    if (o->spec.min_weight >= 0)
        fprintf(f, "  \"min_weight\": %.17g,\n", o->spec.min_weight);
    else
        fputs("  \"min_weight\": null,\n", f);
    fputs("  \"set\": {", f);
    for (int k = 0; k < o->n_sets; k++) {
        fputs(k ? ", " : "", f);
        json_str(f, o->sets[k].name);
        fputs(": ", f);
        json_str(f, o->sets[k].value);
    }
    fputs("},\n  \"record\": [", f);
    for (int k = 0; k < o->n_records; k++) {
        fputs(k ? ", " : "", f);
        json_str(f, o->records[k]);
    }
    fprintf(f, "],\n  \"sampling_steps\": %ld,\n", o->sampling_steps);
    json_opt(f, "sampling_mode", o->sampling_mode == RECTIC_SAMPLE_MEAN ? "mean" : "pick");
    fprintf(f, "  \"cutoff\": %ld,\n", o->cutoff);
    json_opt(f, "format", o->format == RECTIC_FORMAT_NPY ? "npy" : "csv");
    fprintf(f, "  \"spikes\": %ld,\n", n_spikes);
    fprintf(f, "  \"kernel_hash\": \"fnv1a64:%016llx\",\n", hash_source(rectic_net_source(net)));
    fprintf(f, "  \"compilations\": %d,\n", rectic_net_compilations(net));
    json_opt(f, "kernel", rectic_net_backend(net));
    json_opt(f, "coupling", rectic_net_coupling(net));
    json_opt(f, "weights_coo", o->coo_file);
    json_opt(f, "recordings", rectic_net_streamed(net) ? "streamed to disk (larger than --max-memory)" : "in memory");
    fprintf(f, "  \"timings\": {\"load\": %.6f, \"generate\": %.6f, \"jit\": %.6f, \"run\": %.6f, \"wall\": %.6f},\n",
            t.load, t.generate, t.jit, t.run, wall);
    json_opt(f, "status", status);
    fputs("  \"end\": null\n}\n", f);
    if (fflush(f) != 0 || ferror(f)) {
        fclose(f);
        unlink(tmp);
        complain("-o %s: cannot write meta.json: %s", o->out_dir, strerror(errno));
        return -1;
    }
    fclose(f);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        complain("-o %s: cannot write meta.json: %s", o->out_dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- commands */

static int cmd_run(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    double t0 = now();
    if (parse_options(argc, argv, &o, usage_run) || load_data(&o, 1))
        return 1;
    if (o.steps < 0) {
        complain("give --inputs FILE or --steps T");
        return 1;
    }
    rectic_net *net = build(&o);
    if (!net)
        return 1;
    progress p = {now(), 0, !o.quiet && isatty(2)};
    rectic_net_on_progress(net, on_progress, &p);
    rectic_net_cancel_flag(net, &cancel_flag);
    rectic_net_check_finite(net, !o.no_check_finite);
    if (o.threads > 0)
        rectic_set_threads((int)o.threads);
    if (o.max_memory > 0)
        rectic_net_max_memory(net, o.max_memory > 1e18 ? (size_t)1e18 : (size_t)o.max_memory);
    signal(SIGINT, on_sigint);
    int rc = rectic_net_run(net, o.steps, o.inputs, o.inputs ? o.in_cols : 0);
    signal(SIGINT, SIG_DFL);
    if (p.shown)
        fputs("\r\033[K", stderr);
    int numeric = rc == RECTIC_ENUMERIC;
    char status[2300];
    snprintf(status, sizeof status, "%s%s", rc == RECTIC_OK ? "completed" : interrupted ? "interrupted (SIGINT)"
                                            : numeric ? "stopped: " : "error",
             numeric ? rectic_errmsg(net) : "");
    int exit_code = rc == RECTIC_OK ? 0 : interrupted ? 130 : numeric ? 3 : 1;
    if (rc != RECTIC_OK && !interrupted)
        complain("%s", rectic_errmsg(net));
    double t_run_end = now();
    if (rc == RECTIC_OK || interrupted || numeric) {
        if (rectic_net_write(net, o.out_dir, o.format) != RECTIC_OK) {
            complain("%s", rectic_errmsg(net));
            exit_code = exit_code ? exit_code : 1;
        } else if (write_meta(&o, net, status, now() - t0)) {
            exit_code = 1;
        }
    }
    if (o.plot && exit_code == 0) {
        char err[4400];
        if (rct_cli_plot(o.out_dir, "out", NULL, o.plot, err, sizeof err))
            complain("%s (the run itself succeeded)", err); /* a missing plot never fails the run */
    }
    long n_spikes;
    const long *pairs;
    rectic_net_spikes(net, &n_spikes, &pairs);
    if (o.verbose) {
        rectic_timings t;
        rectic_net_timings(net, &t);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        fprintf(stderr, "load %.3f ms, generate %.3f ms, jit %.3f ms, run %.3f ms, write %.3f ms; kernel: %s; "
                        "coupling: %s; peak RSS %.1f MiB%s\n",
                t.load * 1e3, t.generate * 1e3, t.jit * 1e3, t.run * 1e3, (now() - t_run_end) * 1e3,
                rectic_net_backend(net), rectic_net_coupling(net), ru.ru_maxrss / 1024.0,
                rectic_net_streamed(net) ? " (recordings streamed)" : "");
    }
    if (!o.quiet)
        fprintf(stderr, "%s: %ld steps, %ld neurons, %ld spikes, %.3f s%s\n",
                interrupted ? "interrupted" : numeric ? "stopped" : exit_code ? "failed" : "done",
                rectic_net_steps_done(net), rectic_net_size(net), n_spikes, now() - t0,
                exit_code == 0 ? "" : "");
    rectic_net_free(net);
    free(o.weights);
    free(o.inputs);
    for (int k = 0; k < o.n_sets; k++)
        free((char *)o.sets[k].name);
    return exit_code;
}

/* Writes text to path through a temporary file and a rename; flag names the option in messages. */
static int write_text_file(const char *flag, const char *path, const char *text)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        complain("%s %s: cannot write: %s", flag, path, strerror(errno));
        return 1;
    }
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        complain("%s %s: cannot write: %s", flag, path, strerror(errno));
        unlink(tmp);
        return 1;
    }
    return 0;
}

/* Writes DIR/sim.c, DIR/Makefile and DIR/README for `emit --standalone --project DIR`. */
static int write_project(const char *dir, const char *src, const options *o)
{
    char path[4200];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        complain("--project %s: cannot create the directory: %s", dir, strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/sim.c", dir);
    if (write_text_file("--project", path, src))
        return 1;
    snprintf(path, sizeof path, "%s/Makefile", dir);
    if (write_text_file("--project", path,
                        "# Standalone simulation generated by rectic.  `make` builds ./sim; `make NO_BLAS=1` without CBLAS.\n"
                        "CC ?= cc\nCFLAGS ?= -O2\n"
                        "ifdef NO_BLAS\nBLAS = \nCPPFLAGS += -DRECTIC_NO_BLAS\nelse\nBLAS = -lopenblas\nendif\n"
                        "sim: sim.c\n\t$(CC) $(CPPFLAGS) $(CFLAGS) sim.c $(BLAS) -lm -o sim\n"
                        "clean:\n\trm -f sim\n.PHONY: clean\n"))
        return 1;
    char readme[2048];
    snprintf(readme, sizeof readme,
             "Standalone simulation of %s, generated by rectic %s.\n\n"
             "    make                   # or: cc -O2 sim.c -lopenblas -lm -o sim\n"
             "    ./sim --weights J.csv --inputs inp.csv -o out/ [NAME=VALUE | NAME=@FILE ...]\n\n"
             "./sim --help lists the options.  NAME=VALUE sets a parameter or an initial state without\n"
             "recompiling (eta=-4, v=@v0.csv).  The outputs (out, recorded variables, spikes, time) are\n"
             "byte-identical to `rectic run` with the same settings.  Needs libc, libm and CBLAS only\n"
             "(make NO_BLAS=1: none).\n", o->spec.template_ref, RECTIC_VERSION);
    snprintf(path, sizeof path, "%s/README", dir);
    return write_text_file("--project", path, readme);
}

static int cmd_emit(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    o.steps = 0;
    if (parse_options(argc, argv, &o, usage_emit))
        return 1;
    double one = 1.0;
    if (!o.weights_file && !o.spec.n)
        o.spec.n = 1;
    if (load_data(&o, 0))
        return 1;
    if (!o.weights && o.spec.source_var && o.spec.target_var) { /* coupling without data: shape only */
        o.spec.n = o.spec.n ? o.spec.n : 1;
        o.weights = calloc((size_t)(o.spec.n * o.spec.n), sizeof(double));
        if (!o.weights)
            return 1;
        o.weights[0] = one;
        o.spec.weights = o.weights;
    }
    if (o.spec.backend == RECTIC_BACKEND_NVRTC) { /* writing CUDA needs no GPU: build on the CPU */
        o.target_cuda = 1;
        o.spec.backend = RECTIC_BACKEND_TCC;
    }
    if (o.target_cuda && o.standalone) {
        complain("--standalone writes C: it cannot be combined with --target cuda");
        return 1;
    }
    rectic_net *net = build(&o);
    if (!net)
        return 1;
    int code = 0;
    /* a --set that made a parameter per neuron regenerates the kernel at the next run: do it now */
    if (rectic_net_run(net, 0, NULL, 0) != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        code = 1;
    }
    char *text = NULL;
    if (!code && o.standalone && rectic_net_standalone(net, o.format, &text) != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        code = 1;
    }
    if (!code && o.target_cuda && rectic_net_emit(net, RECTIC_BACKEND_NVRTC, &text) != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        code = 1;
    }
    const char *src = text ? text : rectic_net_source(net);
    if (!code && o.project)
        code = write_project(o.project, src, &o);
    else if (!code && o.out_given)
        code = write_text_file("-o", o.out_dir, src);
    else if (!code)
        fputs(src, stdout);
    free(text);
    rectic_net_free(net);
    free(o.weights);
    for (int k = 0; k < o.n_sets; k++)
        free((char *)o.sets[k].name);
    return code;
}

static int cmd_check(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    if (parse_options(argc, argv, &o, usage_check))
        return 1;
    char *text;
    int rc = rectic_describe_template(&o.spec, &text);
    if (rc != RECTIC_OK) {
        complain("%s", text ? text : "out of memory");
        free(text);
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

static int cmd_plot(int argc, char **argv)
{
    const char *dir = NULL, *var = NULL, *out = NULL, *inputs = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_plot, stdout);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--inputs")) {
            if (i + 1 >= argc) {
                complain("plot: %s: expected a value after it", a);
                return 1;
            }
            *(a[1] == 'o' ? &out : &inputs) = argv[++i];
        } else if (a[0] == '-') {
            complain("plot: unknown option '%s' (see rectic plot --help)", a);
            return 1;
        } else if (!dir) {
            dir = a;
        } else if (!var) {
            var = a;
        } else {
            complain("plot: unexpected argument '%s'", a);
            return 1;
        }
    }
    if (!dir || !out) {
        complain("plot: give the results directory and -o FIG (see rectic plot --help)");
        return 1;
    }
    char err[4400];
    if (rct_cli_plot(dir, var ? var : "out", inputs, out, err, sizeof err)) {
        complain("%s", err);
        return 1;
    }
    return 0;
}

static int cmd_templates(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage_templates, stdout);
            return 0;
        }
        complain("templates: unexpected argument '%s'", argv[i]);
        return 1;
    }
    char *text;
    if (rectic_list_templates(&text) != RECTIC_OK) {
        complain("%s", text ? text : "out of memory");
        free(text);
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    /* a file-size limit makes writes fail with EFBIG, reported and cleaned up, instead of killing us */
    signal(SIGXFSZ, SIG_IGN);
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("rectic %s\n", RECTIC_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "emit"))
        return cmd_emit(argc - 2, argv + 2);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "templates"))
        return cmd_templates(argc - 2, argv + 2);
    if (!strcmp(cmd, "plot"))
        return cmd_plot(argc - 2, argv + 2);
    complain("unknown command '%s' (commands: run, emit, check, templates, plot; see --help)", cmd);
    return 2;
}

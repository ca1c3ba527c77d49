/*
 * options.c -- the rectic command's options: usage texts, parsing, loading weights and inputs, --set.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"

#define complain rct_cli_complain

/* Prints "rectic: message" to stderr. */
void rct_cli_complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rct_cli_complain(const char *fmt, ...)
{
    char msg[8192], flags[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    FILE *held = rct_cli_mpi_held(); /* an MPI rank other than 0 holds its messages (cli/mpi.c) */
    /* library messages name spec fields: the CLI names its flags */
    fprintf(held ? held : stderr, "rectic: %s\n", rct_cli_flags(msg, flags, sizeof flags));
}

void rct_cli_warnings(const rectic_net *net, int *shown)
{
    char flags[8192];
    for (; *shown < rectic_net_warning_count(net); ++*shown)
        fprintf(stderr, "rectic: warning: %s\n", rct_cli_flags(rectic_net_warning(net, *shown), flags, sizeof flags));
}

const char rct_usage_run[] =
    "usage: rectic run TEMPLATE [options]\n"
    "       rectic run NETWORK.yaml --dt DT [--steps T] [--input POP/VAR=FILE]... [--record [KEY=]PATH]...\n"
    "                  [--set PATH=VALUE|@FILE]... [--output-var PATH] [options]\n"
    "       rectic run CIRCUIT --dt DT --steps T [--input PATH=FILE]... [--record [KEY=]PATH]...\n"
    "                  [--set PATH=VALUE|@FILE]... [options]\n"
    "\n"
    "TEMPLATE is a dotted name (neuron_model_templates.spiking_neurons.qif.qif) searched in --template-path,\n"
    "$RECTIC_TEMPLATE_PATH, the built-in templates and the current directory, or a path dir/file/template.\n"
    "NETWORK.yaml is a network file (an existing .yaml/.yml file whose top level has populations:): populations\n"
    "of templates and projections between them (docs/network-files.md).\n"
    "CIRCUIT is a PyRates CircuitTemplate (dotted name or dir/file/template; docs/circuits.md); its PATH is\n"
    "node/op/var or sub/node/op/var: --input takes T rows (one value per step, a weight-1 edge), --record\n"
    "KEY=PATH writes KEY.csv with that node's column, --set PATH=VALUE sets that node's value;\n"
    "--set POP/OP/VAR=VALUE|@FILE sets every node of population POP (one value per node, in the order\n"
    "`rectic check CIRCUIT` lists them).\n"
    "\n"
    "network files (PATH is POP/VAR or POP/OP/VAR):\n"
    "  --input POP/VAR=FILE    T x n (or T x 1) inputs of population POP, row n = step n (repeatable); VAR\n"
    "                          becomes POP's input variable when the file names none; without --steps, T is\n"
    "                          the inputs' row count.  With a template: --input VAR=FILE, the same as\n"
    "                          --inputs FILE --input-var VAR\n"
    "  --record [KEY=]PATH     write KEY.csv (default KEY: PATH with / replaced by _; KEY of A-Z a-z 0-9 _ . -);\n"
    "                          PATH[A:B] or PATH@FILE: of those units of POP only\n"
    "  --set PATH=VALUE        a parameter or initial value of population POP: a number or @FILE\n"
    "  --output-var PATH       also write out.csv (optional); spikes_POP.csv is written per spiking population\n"
    "  --record-spikes POP[A:B]  (or POP@FILE) spikes_POP.csv of those units only\n"
    "  The flags below that describe one template (--op, --weights, --weights-coo, -N, --source-var,\n"
    "  --target-var, --input-var, --spike-*, --inputs, --record-spikes without units) are refused; the\n"
    "  others apply.\n"
    "\n"
    "network:\n"
    "  --op OP                 operator whose variables short names refer to (RectiPy's op=)\n"
    "  --weights FILE          N x N weights (CSV or .npy): row i = target neuron, column j = source\n"
    "  --weights-coo FILE      sparse weights: rows of target,source,weight (CSV or an nnz x 3 .npy); N: -N,\n"
    "                          or one more than the largest index\n"
    "  -N, --neurons N         number of neurons without coupling (or checked against the weights)\n"
    "  --coupling MODE         auto (default: a loop in the kernel for N <= 20, a product by rows for dense W,\n"
    "                          sparse rows below 10% non-zero), dense, inline, sparse, or event (W @ s kept\n"
    "                          up to date from the spikes when s' = -s/tau + c*spike; exact in real arithmetic,\n"
    "                          differs by rounding; use dense to reproduce RectiPy)\n"
    "  --threads K             with the cc backend, threads for the loops over neurons and the coupling\n"
    "                          product for N >= 4096; OpenBLAS's for fit ridge (default: every core); same\n"
    "                          results\n"
    "  --mpi-partition MODE    under mpirun, which units each rank owns: units (equal blocks), synapses\n"
    "                          (blocks of about equal incoming synapses: --weights-coo, or every population\n"
    "                          of a network file), auto (default: synapses for --weights-coo and for the\n"
    "                          populations with weights-coo projections onto them, else units)\n"
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
    "  -o, --output DIR        where to write (default results/); checked before the run (writable, room for\n"
    "                          the outputs of known size); the files and meta.json, which lists them, form one\n"
    "                          set that replaces the previous one; a second run into DIR waits for the first\n"
    "                          to commit (the last to commit wins); other files in DIR are never touched\n"
    "  --record [KEY=]VAR[SUBSET]  also record VAR (repeatable) as KEY.csv (default: VAR's name); out is always\n"
    "                          recorded; names whose file would be out, time, meta, spikes* or another\n"
    "                          --record's file are refused.  SUBSET: [A:B] the neurons A .. B-1, or @FILE a\n"
    "                          list of neuron indices (CSV or .npy); meta.json lists them.  out[A:B] records\n"
    "                          the output of those neurons only\n"
    "  --record-spikes [SUBSET]  write spikes.csv (automatic for spiking networks); SUBSET (A:B or @FILE):\n"
    "                          the spikes of those neurons only\n"
    "  --sampling-steps K      record every K-th step (default 1)\n"
    "  --sampling-mode pick|mean  mean: out averaged over the K steps of each row (RectiPy >= 0.12)\n"
    "  --cutoff C              do not record steps before C (C < the number of steps)\n"
    "  --format csv|npy        default csv\n"
    "  --max-memory SIZE       recordings and spikes beyond SIZE (default 1G) stream to temporary files\n"
    "  --plot FIG              draw out (and the spikes) into FIG (.png, .svg, .pdf) with gnuplot\n"
    "  -q, --quiet             no progress bar, no summary\n"
    "  -v, --verbose           phase timings\n"
    "\n";

const char rct_usage_emit[] =
    "usage: rectic emit TEMPLATE|NETWORK.yaml [run options] [-o kernel.c]\n"
    "       rectic emit TEMPLATE|NETWORK.yaml|CIRCUIT [run options] --standalone\n"
    "                   [-o sim.c | -o DIR | --project DIR [--force]]\n"
    "\n"
    "Writes the C kernel that `rectic run` with the same options would compile (stdout without -o).\n"
    "--target cuda (or --device cuda:N) writes the CUDA kernels instead (no GPU needed to write them).\n"
    "--standalone writes a whole simulation program instead: the same kernel (for any number of neurons),\n"
    "the Euler loop, recording and CSV/.npy output, needing only libc and libm:\n"
    "    cc -O2 sim.c -lm -o sim && ./sim --weights J.csv --inputs inp.csv -o out/ eta=-4\n"
    "--standalone --mpi: a program for MPI clusters (built with mpicc), the bytes of `mpirun rectic run`:\n"
    "    mpicc -O2 sim.c -lm -o sim && mpirun -np 4 ./sim --weights J.csv --inputs inp.csv -o out/\n"
    "A network file's program runs its populations and projections with the same fused kernel:\n"
    "    ./sim --input E=input_E.csv --input I=input_I.csv -o out/ E/eta=-4   (./sim --help lists the rest)\n"
    "A circuit's program is its network's; the run's --input series are written beside sim.c as its\n"
    "populations' inputs (input_POP.csv), and emit prints the arguments to run it with.  For a network file\n"
    "or a circuit, -o DIR (an existing folder) writes DIR/sim.c.\n"
    "Its outputs are byte-identical to `rectic run` with the same settings.  --project DIR writes\n"
    "DIR/sim.c with a Makefile and a README; it refuses to overwrite any of them that exists unless\n"
    "--force is given.\n";

const char rct_usage_check[] =
    "usage: rectic check TEMPLATE [--template-path DIR] [--op OP]\n"
    "       rectic check CIRCUIT [--template-path DIR] [--dt DT]\n"
    "\n"
    "Resolves the template (inheritance, aliases, operators) and prints its operators, variables with\n"
    "kinds and defaults, and equations.  For a PyRates CircuitTemplate: its populations and nodes, its\n"
    "edges with weights, delays in steps of DT (default 1e-3) and chain orders, and PyRates' departures\n"
    "as warnings; errors name FILE:LINE:COL.\n";

const char rct_usage_plot[] =
    "usage: rectic plot DIR [VAR] -o FIG.png|FIG.svg|FIG.pdf [--inputs FILE]\n"
    "\n"
    "Draws the recording VAR (default out) of the run in DIR against time: one line per neuron (up to 20)\n"
    "and their mean, a raster of the spikes when DIR has spikes, and the inputs of FILE above them.\n"
    "Needs gnuplot (Debian: gnuplot-nox).\n";

const char rct_usage_templates[] =
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

/* Parses a non-negative whole number option value (written as an integer or as a number such as 1e6). */
static int parse_long(const char *flag, const char *s, long *out)
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

/* Parses a size such as 512M or 2G (bytes, K, M or G) for --max-memory; 0 or -1. */
static int parse_size(const char *flag, const char *s, double *out)
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
    *out = x * unit;
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

/* The flags that describe the one template of `rectic run TEMPLATE` (a network file refuses them). */
static const char *const template_only[] = {"--op", "--weights", "--weights-coo", "-N", "--neurons",
                                            "--source-var", "--target-var", "--input-var", "--spike-var",
                                            "--spike-def", "--spike-threshold", "--spike-reset", "--inputs"};

/* Parses the options after the command name; the one positional argument is the template. */
int rct_cli_parse_options(int argc, char **argv, options *o, const char *usage)
{
    rectic_spec_init(&o->spec);
    o->spec.backend = RECTIC_BACKEND_AUTO; /* tiered: TinyCC at once, the system compiler when ready */
    o->spec.defer_compile = 1;             /* compiled once, after --set (emit never compiles) */
    o->steps = -1;
    o->out_dir = "results";
    o->sampling_steps = 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        char flag[64];
        int took, took_next;
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
        for (size_t k = 0; !o->template_flag && k < sizeof template_only / sizeof template_only[0]; k++)
            if (IS(template_only[k]))
                o->template_flag = template_only[k];
        if (IS("-h") || IS("--help")) {
            fputs(usage, stdout);
            if (usage == rct_usage_run) {
                fputs(rct_usage_layers, stdout);
                fputs(rct_usage_state, stdout);
                fputs(rct_usage_feedback, stdout);
            }
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
        } else if (IS("--mpi-partition")) { TAKE();
            o->spec.mpi_partition = !strcmp(v, "auto") ? RECTIC_MPI_PARTITION_AUTO : !strcmp(v, "units")
                                    ? RECTIC_MPI_PARTITION_UNITS : !strcmp(v, "synapses") ? RECTIC_MPI_PARTITION_SYNAPSES : -1;
            if ((int)o->spec.mpi_partition < 0) { complain("--mpi-partition: expected auto, units or synapses, got '%s'", v); return -1; }
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
        } else if (IS("--mpi")) { o->standalone = 1; o->sa_mpi = 1;
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
        } else if (IS("--max-memory")) { TAKE(); if (parse_size(a, v, &o->max_memory)) return -1;
        } else if (IS("--check-finite")) { o->no_check_finite = 0;
        } else if (IS("--no-check-finite")) { o->no_check_finite = 1;
        } else if (IS("--plot")) { TAKE(); o->plot = v;
        } else if (IS("--project")) { TAKE(); o->project = v; o->standalone = 1;
        } else if (IS("--force")) { o->force = 1;
        } else if (IS("--set")) { TAKE();
            if (o->n_sets >= MAX_LIST) { complain("%s: too many", a); return -1; }
            if (split_pair(a, v, "NAME=VALUE or NAME=@FILE", &o->sets[o->n_sets].name, &o->sets[o->n_sets].value))
                return -1;
            o->n_sets++;
        } else if (IS("--input")) { TAKE();
            if (o->n_input >= MAX_LIST) { complain("%s: too many", a); return -1; }
            if (split_pair(a, v, "POP/VAR=FILE (a network file) or VAR=FILE (a template)", &o->input[o->n_input].path,
                           &o->input[o->n_input].file))
                return -1;
            o->n_input++;
        } else if (IS("--record")) { TAKE();
            if (o->n_records >= MAX_LIST) { complain("%s: too many", a); return -1; }
            o->records[o->n_records++] = v;
        } else if (IS("--record-spikes")) { o->record_spikes = 1;
            if (!v && i + 1 < argc && rct_cli_is_subset(argv[i + 1]))
                v = argv[++i];
            if (!v && !o->template_flag) /* a network file writes every spiking population's spikes anyway */
                o->template_flag = "--record-spikes";
            if (v && rct_cli_subset_spikes_arg(o, v)) return -1;
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
        } else if ((took = rct_cli_ridge_option(o, a, v, i + 1 < argc ? argv[i + 1] : NULL, &took_next)) != 0 ||
                   (took = rct_cli_state_option(o, a, v, i + 1 < argc ? argv[i + 1] : NULL, &took_next)) != 0 ||
                   (took = rct_cli_rls_option(o, a, v, i + 1 < argc ? argv[i + 1] : NULL, &took_next)) != 0) {
            if (took < 0)
                return -1;
            i += took_next;
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
    if (o->force && !o->project) {
        complain("--force: only with emit --project DIR (it lets the project's files be overwritten)");
        return -1;
    }
    o->spec.template_path = o->tpath;
    o->spec.n_template_path = o->n_tpath;
    const char *run_only = usage == rct_usage_run || usage == rct_usage_fit || usage == rct_usage_fit_rls
                               ? NULL : rct_cli_run_only_flag(o);
    if (run_only) {
        complain("%s: only `rectic run` and `rectic fit` take it", run_only);
        return -1;
    }
    return rct_cli_ridge_check_flags(o) || rct_cli_rls_check_flags(o) || rct_cli_state_check(o) ? -1 : 0;
}

/* Reads a matrix file for a flag, reporting errors as "rectic: FLAG: message". */
int rct_cli_read_matrix(const char *flag, const char *path, double **data, long *rows, long *cols)
{
    if (rectic_read_matrix(path, data, rows, cols) != RECTIC_OK) {
        complain("%s: %s", flag, rectic_last_error());
        return -1;
    }
    return 0;
}

/* Hands the weights files to the library (rectic_net_new loads them into the kernel's layout) and loads
   the inputs, checking what can be checked before the network exists. */
int rct_cli_load_data(options *o, int need_inputs)
{
    if (o->weights_file && o->coo_file) {
        complain("--weights-coo: give --weights or --weights-coo, not both");
        return -1;
    }
    o->spec.weights_file = o->weights_file;
    o->spec.weights_coo_file = o->coo_file;
    int n_from_weights = o->weights_file || o->coo_file;
    if (!o->inputs_flag[0])
        snprintf(o->inputs_flag, sizeof o->inputs_flag, "--inputs");
    if (o->inputs_file && need_inputs) {
        if (rct_cli_read_matrix(o->inputs_flag, o->inputs_file, &o->inputs, &o->in_rows, &o->in_cols))
            return -1;
        if (o->spec.n && o->in_cols != o->spec.n && o->in_cols != 1 && !o->ridge.w_in) { /* W_in: m columns */
            complain("%s: %s has %ld columns: expected %ld (one per neuron) or 1", o->inputs_flag, o->inputs_file,
                     o->in_cols, o->spec.n);
            return -1;
        }
        if (!o->spec.n && !n_from_weights)
            o->spec.n = o->in_cols;
        if (o->steps < 0)
            o->steps = o->in_rows;
        else if (o->steps > o->in_rows) {
            complain("--steps %ld: %s has only %ld rows of input", o->steps, o->inputs_file, o->in_rows);
            return -1;
        }
    }
    if (!o->spec.n && !n_from_weights) {
        complain("the number of neurons is unknown: give --weights or -N");
        return -1;
    }
    if (o->steps < 0)
        o->steps = need_inputs ? -1 : 0;
    return 0;
}

/* Takes --input VAR=FILE of the single-template form as --inputs FILE --input-var VAR. */
int rct_cli_single_input(options *o)
{
    if (!o->n_input)
        return 0;
    const input_file *in = &o->input[0];
    if (o->inputs_file) {
        complain("--input %s=%s: give --input VAR=FILE or --inputs FILE, not both", in->path, in->file);
        return -1;
    }
    if (o->n_input > 1) {
        complain("--input %s=%s: a template takes one --input VAR=FILE, and --input %s=%s came first",
                 o->input[1].path, o->input[1].file, in->path, in->file);
        return -1;
    }
    if (o->spec.input_var && strcmp(o->spec.input_var, in->path)) {
        complain("--input %s=%s: --input-var says the input variable is %s", in->path, in->file, o->spec.input_var);
        return -1;
    }
    o->spec.input_var = in->path;
    o->inputs_file = in->file;
    snprintf(o->inputs_flag, sizeof o->inputs_flag, "--input %s", in->path);
    return 0;
}

/* Frees what parsing and loading allocated. */
void rct_cli_free_options(options *o)
{
    for (int k = 0; k < o->n_sets; k++)
        free((char *)o->sets[k].name);
    for (int k = 0; k < o->n_input; k++) {
        free((char *)o->input[k].path);
        free(o->input[k].data);
    }
    free(o->weights);
    free(o->inputs);
    rct_cli_ridge_free(o);
    rct_cli_rls_free(o);
    rectic_netspec_free(o->ns);
    rct_cli_circ_free(o);
    rct_cli_subsets_free(o);
    free(o->mpi_meta); /* meta.json's "mpi" member (cli/mpi.c) */
    o->mpi_meta = NULL;
    o->n_sets = o->n_input = 0;
    o->weights = o->inputs = NULL;
    o->ns = NULL;
}

/* Prints "rectic: FLAG: message" for the network's last error; the message alone when it names a flag. */
void rct_cli_complain_net(const char *flag, const rectic_net *net)
{
    const char *msg = rectic_errmsg(net);
    if (!strncmp(msg, flag, strlen(flag)) || !strncmp(msg, "--", 2))
        complain("%s", msg);
    else
        complain("%s: %s", flag, msg);
}

/* "path:line" of the row-th row of numbers of a CSV file (blank and comment lines skipped), or path alone
   for a .npy file or one that cannot be read again; written into buf. */
const char *rct_cli_where_in_file(const char *path, long row, char *buf, size_t size)
{
    size_t n = strlen(path);
    FILE *f = n > 4 && !strcasecmp(path + n - 4, ".npy") ? NULL : fopen(path, "r");
    snprintf(buf, size, "%s", path);
    char *text = NULL;
    size_t cap = 0;
    for (long line = 1; f && getline(&text, &cap, f) >= 0; line++) {
        size_t skip = line == 1 && !strncmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
        const char *p = text + skip + strspn(text + skip, " \t\r\n");
        if (*p && *p != '#' && row-- == 0) {
            snprintf(buf, size, "%s:%ld", path, line);
            break;
        }
    }
    free(text);
    if (f)
        fclose(f);
    return buf;
}

int rct_cli_set_values(const char *flag, const char *val, double **vals, long *count)
{
    long rows, cols;
    char line[4200];
    if (val[0] != '@') {
        *count = 1;
        if (!(*vals = malloc(sizeof **vals))) {
            complain("%s: out of memory", flag);
            return -1;
        }
        if (parse_double(flag, val, *vals)) {
            free(*vals);
            return -1;
        }
        return 0;
    }
    if (rct_cli_read_matrix(flag, val + 1, vals, &rows, &cols))
        return -1;
    *count = rows * cols;
    if (rows != 1 && cols != 1) {
        complain("%s: %s is %ld x %ld: expected one value per neuron (a row or a column)", flag, val + 1, rows, cols);
        free(*vals);
        return -1;
    }
    for (long i = 0; i < *count; i++)
        if (!isfinite((*vals)[i])) {
            complain("%s: %s: value %ld (neuron %ld) is %s: expected a finite number", flag,
                     rct_cli_where_in_file(val + 1, rows == 1 ? 0 : i, line, sizeof line), i + 1, i,
                     isnan((*vals)[i]) ? "NaN" : "infinite");
            free(*vals);
            return -1;
        }
    return 0;
}

/* Applies every --set. */
int rct_cli_apply_sets(options *o, rectic_net *net)
{
    for (int k = 0; k < o->n_sets; k++) {
        double *vals;
        long count;
        char flag[300];
        snprintf(flag, sizeof flag, "--set %s", o->sets[k].name);
        if (rct_cli_set_values(flag, o->sets[k].value, &vals, &count))
            return -1;
        int rc = rectic_net_set(net, o->sets[k].name, vals, count);
        free(vals);
        if (rc != RECTIC_OK) {
            rct_cli_complain_net(flag, net);
            return -1;
        }
    }
    return 0;
}

/* Prints the warnings of a network just made and, when rc is not RECTIC_OK, its message; returns net, or
   NULL (net freed) on failure. */
rectic_net *rct_cli_made(rectic_net *net, int rc)
{
    int shown = 0;
    rct_cli_warnings(net, &shown);
    if (rc == RECTIC_OK)
        return net;
    complain("%s", rectic_errmsg(net));
    rectic_net_free(net);
    return NULL;
}

/* Applies --sampling-steps, --sampling-mode and --cutoff. */
int rct_cli_sampling(const options *o, rectic_net *net)
{
    if (rectic_net_sampling(net, o->sampling_steps, o->sampling_mode, o->cutoff) == RECTIC_OK)
        return 0;
    complain("%s", rectic_errmsg(net));
    return -1;
}

/* Builds the network from the options (weights, sets, records). */
rectic_net *rct_cli_build(options *o)
{
    rectic_net *net;
    int rc = rectic_net_new(&net, &o->spec);
    if (!(net = rct_cli_made(net, rc)))
        return NULL;
    long n = rectic_net_size(net);
    if (o->inputs && o->in_cols != n && o->in_cols != 1 && !o->ridge.w_in) { /* n may have come from the weights */
        complain("%s: %s has %ld columns: expected %ld (one per neuron) or 1", o->inputs_flag, o->inputs_file,
                 o->in_cols, n);
        rectic_net_free(net);
        return NULL;
    }
    int bad = rct_cli_apply_sets(o, net);
    for (int k = 0; !bad && k < o->n_records; k++)
        bad = rct_cli_record(o, net, o->records[k]) != 0;
    if (bad || rct_cli_record_spikes(o, net) || rct_cli_sampling(o, net)) {
        rectic_net_free(net);
        return NULL;
    }
    return net;
}

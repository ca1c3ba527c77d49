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
    FILE *held = rct_cli_mpi_held(); /* under MPI said once, by rank 0 (the others hold theirs) */
    for (; *shown < rectic_net_warning_count(net); ++*shown)
        fprintf(held ? held : stderr, "rectic: warning: %s\n",
                rct_cli_flags(rectic_net_warning(net, *shown), flags, sizeof flags));
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
    "Every flag of a command is listed below; a flag the command does not take is refused.\n";

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

/* Parses the options after the command name for command cmd; the one positional argument is the template. */
int rct_cli_parse_options(int argc, char **argv, options *o, int cmd)
{
    rectic_spec_init(&o->spec);
    o->spec.backend = RECTIC_BACKEND_AUTO; /* tiered: TinyCC at once, the system compiler when ready */
    o->spec.defer_compile = 1;             /* compiled once, after --set (emit never compiles) */
    o->steps = -1;
    o->out_dir = "results";
    o->sampling_steps = 1;
    for (int i = 0; i < argc; i++) {
        int rc = rct_cli_flag_parse(o, cmd, argc, argv, &i); /* cli/flagparse.c */
        if (rc < 0)
            return -1;
        if (rc == 0)
            continue;
        if (o->spec.template_ref) {
            complain("unexpected argument '%s': only one template may be given", argv[i]);
            return -1;
        }
        o->spec.template_ref = argv[i];
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
    return rct_cli_ridge_check_flags(o) || rct_cli_state_check(o) ? -1 : 0;
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
        if (rct_cli_read_input(o, o->inputs_flag, o->inputs_file, &o->inputs, &o->in_rows, &o->in_cols))
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
    char buf[1024];
    const char *msg = rct_cli_flags(rectic_errmsg(net), buf, sizeof buf); /* as it will be printed */
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
        if (rct_cli_parse_double(flag, val, *vals)) {
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
    if (o->in_cols && o->in_cols != n && o->in_cols != 1 && !o->ridge.w_in) { /* n may have come from the weights */
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

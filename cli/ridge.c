/*
 * ridge.c -- the command line of issue 16: input and readout layers (--input-weights, --readout-weights,
 * --readout-activation), `rectic fit ridge` (--targets, --alpha, --washout, --bias) and testing a readout
 * (`rectic run ... --targets`): their flags, files, checks before the run, the fit or score after it, the
 * summary line and the "fit" / "test" objects of meta.json.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define complain rct_cli_complain

const char rct_usage_fit[] =
    "usage: rectic fit ridge TEMPLATE --inputs X.csv --targets Y.csv [run options] [--alpha A] [--washout W]\n"
    "                        [--bias] [-o DIR]\n"
    "\n"
    "Runs the network over the inputs from its initial state, collects X = the recorded output (T x N, the\n"
    "output variable before each step's update) and solves (XᵀX + A I) w = Xᵀ Y over the rows n >= W with\n"
    "LAPACK (Cholesky; a least-squares solver when that fails), as RectiPy's fit_ridge does.  Writes into DIR\n"
    "readout.csv (k x N, or k x (N+1) with --bias: what --readout-weights takes), y_fit (T x k: X @ wᵀ for\n"
    "every row), out (X) and the other outputs of run, and in meta.json a \"fit\" object: method, alpha,\n"
    "washout, rows, mse and nrmse per output (over the fitted rows) and their means.\n"
    "--sampling-steps must be 1 and --cutoff 0 (the targets are per step).\n";

/* --readout-activation A: one of the library's activations. */
int rct_cli_take_activation(options *o, const char *flag, const char *v)
{
    (void)flag;
    int act = rectic_activation_find(v);
    if (act < 0) {
        complain("--readout-activation: expected identity, tanh, sigmoid, softmax, softmin or log_softmax, got '%s'",
                 v);
        return -1;
    }
    o->ridge.activation = act;
    o->ridge.activation_given = 1;
    return 0;
}

/* --alpha A: A >= 0 (fit rls checks A > 0 itself). */
int rct_cli_take_alpha(options *o, const char *flag, const char *v)
{
    if (!rct_cli_is_number(v, &o->ridge.alpha) || o->ridge.alpha < 0) {
        complain("%s: expected a number >= 0, got '%s'", flag, v);
        return -1;
    }
    o->ridge.alpha_given = 1;
    return 0;
}

/* --washout W: a whole number of steps >= 0. */
int rct_cli_take_washout(options *o, const char *flag, const char *v)
{
    o->ridge.washout_given = 1;
    return rct_cli_parse_steps(flag, v, 0, &o->ridge.washout);
}

/* Checks the flags' combinations (the table refuses what the command does not take); called after parsing. */
int rct_cli_ridge_check_flags(const options *o)
{
    const ridge_opts *r = &o->ridge;
    if (r->activation_given && !r->readout_weights) {
        complain("--readout-activation: give --readout-weights too (the activation is the readout's)");
        return -1;
    }
    if (r->fit && !r->targets) {
        complain("fit %s: --targets FILE is required (T x k, row n = the target of step n)",
                 r->fit == RCT_FIT_RIDGE ? "ridge" : "rls");
        return -1;
    }
    return 0;
}

/* Reads a matrix file for a flag; every entry must be finite (else "FLAG: FILE:LINE: ..."). */
static int read_finite(const char *flag, const char *path, double **data, long *rows, long *cols)
{
    if (rct_cli_read_matrix(flag, path, data, rows, cols))
        return -1;
    for (long i = 0; i < *rows * *cols; i++)
        if (!isfinite((*data)[i])) {
            char where[4200];
            complain("%s: %s: row %ld, column %ld is %s: expected a finite number", flag,
                     rct_cli_where_in_file(path, i / *cols, where, sizeof where), i / *cols + 1, i % *cols + 1,
                     isnan((*data)[i]) ? "NaN" : "infinite");
            return -1;
        }
    return 0;
}

/* Reads the layer and target files (before the network is built: errors come before any compiling). */
int rct_cli_ridge_load(options *o)
{
    ridge_opts *r = &o->ridge;
    if (r->input_weights && read_finite("--input-weights", r->input_weights, &r->w_in, &r->w_in_rows, &r->w_in_cols))
        return -1;
    if (r->readout_weights && read_finite("--readout-weights", r->readout_weights, &r->w_out, &r->w_out_rows,
                                          &r->w_out_cols))
        return -1;
    if (r->targets && read_finite("--targets", r->targets, &r->y, &r->y_rows, &r->y_cols))
        return -1;
    if (r->targets && r->y_cols < 1) {
        complain("--targets: %s has no columns", r->targets);
        return -1;
    }
    if (r->input_weights && o->spec.n == 0 && !o->weights_file && !o->coo_file)
        o->spec.n = r->w_in_rows; /* the number of neurons, when nothing else gives it */
    return 0;
}

/* Prints the network's message for flag, naming the file: "FLAG FILE: message" (the library's message
   starts with the flag). */
static void complain_file(const char *flag, const char *file, rectic_net *net)
{
    const char *msg = rectic_errmsg(net);
    size_t len = strlen(flag);
    if (!strncmp(msg, flag, len) && msg[len] == ':')
        complain("%s %s:%s", flag, file, msg + len + 1);
    else
        complain("%s %s: %s", flag, file, msg);
}

/* The columns of the output "out" without a readout flag: the file's readout's rows, or the size of the output
   variable's population (a network file), or the network's size (one template). */
static long output_width(const options *o, rectic_net *net)
{
    long rows;
    if (!o->network)
        return rectic_net_size(net);
    if (rectic_netspec_get_readout(o->ns, NULL, NULL, &rows, NULL, NULL) == 1)
        return rows;
    const char *out = o->spec.output_var;
    int p = -1;
    if (out) {
        char pop[256];
        snprintf(pop, sizeof pop, "%.*s", (int)strcspn(out, "/"), out);
        p = rectic_netspec_find(o->ns, pop);
    }
    return p >= 0 ? rectic_net_population_size(net, p) : 0;
}

/* Sets the layers on the network and checks the targets and the fit's settings against it, before the
   run. */
int rct_cli_ridge_apply(options *o, rectic_net *net)
{
    ridge_opts *r = &o->ridge;
    if (r->w_in && o->network) {
        complain("--input-weights: not for %s: give a single template", o->spec.template_ref);
        return -1;
    }
    if (r->w_in && rectic_net_input_weights(net, NULL, r->w_in, r->w_in_rows, r->w_in_cols) != RECTIC_OK) {
        complain_file("--input-weights", r->input_weights, net);
        return -1;
    }
    if (r->w_in && o->in_cols && o->in_cols != r->w_in_cols) {
        complain("--inputs: %s has %ld columns, but --input-weights %s has %ld (one per input: the input variable "
                 "receives W_in @ x_n)", o->inputs_file, o->in_cols, r->input_weights, r->w_in_cols);
        return -1;
    }
    if (r->w_out && rectic_net_readout(net, r->w_out, r->w_out_rows, r->w_out_cols, (rectic_activation)r->activation) !=
                        RECTIC_OK) {
        complain_file("--readout-weights", r->readout_weights, net);
        return -1;
    }
    if (!r->targets)
        return 0;
    long k = r->w_out ? r->w_out_rows : output_width(o, net);
    if (r->y_rows != o->steps) {
        complain("--targets: %s has %ld rows, but the run has %ld steps (one target row per step)", r->targets,
                 r->y_rows, o->steps);
        return -1;
    }
    int file_readout = o->network && rectic_netspec_get_readout(o->ns, NULL, NULL, NULL, NULL, NULL) == 1;
    int fixed = !r->fit || (r->fit == RCT_FIT_RLS && (r->w_out || file_readout)); /* else rls starts from zeros */
    if (fixed && r->y_cols != k) {
        complain("--targets: %s has %ld columns, but the run has %ld outputs (%s)", r->targets, r->y_cols, k,
                 r->w_out ? "the rows of --readout-weights" : file_readout ? "the rows of the network file's readout:"
                                                                           : "no readout: one per neuron");
        return -1;
    }
    if (!r->fit)
        return 0;
    const char *how = r->fit == RCT_FIT_RIDGE ? "ridge" : "rls";
    if (o->sampling_steps != 1) {
        complain("--sampling-steps %ld: fit %s needs every step recorded (the targets are per step)",
                 o->sampling_steps, how);
        return -1;
    }
    if (o->cutoff != 0) {
        complain("--cutoff %ld: fit %s needs every step recorded%s", o->cutoff, how,
                 r->fit == RCT_FIT_RIDGE ? "; leave steps out of the fit with --washout" : "");
        return -1;
    }
    if (r->fit == RCT_FIT_RIDGE && r->washout >= o->steps) {
        complain("--washout %ld: expected fewer than the %ld steps of the run (the fit uses the rows n >= W)",
                 r->washout, o->steps);
        return -1;
    }
    return 0;
}

/* Prints the score's summary line. */
static void summary(const char *what, const rectic_score *s)
{
    fprintf(stderr, "%s: %ld rows, nrmse %.6g (per output:", what, s->rows, s->nrmse_mean);
    for (long c = 0; c < s->outputs && c < 8; c++)
        fprintf(stderr, " %.6g", s->nrmse[c]);
    fprintf(stderr, "%s), mse %.6g\n", s->outputs > 8 ? " ..." : "", s->mse_mean);
}

/* After a complete run: the fit (fit ridge) or the score against --targets (run); prints the summary line
   unless quiet.  A fit that fails writes nothing. */
int rct_cli_ridge_after(options *o, rectic_net *net)
{
    ridge_opts *r = &o->ridge;
    if (!r->targets || r->fit == RCT_FIT_RLS) /* rls: cli/rls.c */
        return 0;
    int rc = r->fit ? rectic_net_fit_ridge(net, r->y, r->y_rows, r->y_cols, r->alpha_given ? r->alpha : 1e-4,
                                           r->washout, r->bias, &r->score)
                    : rectic_net_score(net, r->y, r->y_rows, r->y_cols, &r->score);
    if (rc != RECTIC_OK) {
        complain("%s%s", r->fit ? "fit ridge: " : "", rectic_errmsg(net));
        return -1;
    }
    r->scored = 1;
    if (!o->quiet)
        summary(r->fit ? "fit" : "test", &r->score);
    return 0;
}

/* A number for JSON: null for NaN and infinities. */
void rct_cli_json_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.17g", x);
    else
        fputs("null", f);
}

static void json_list(FILE *f, const double *x, long count)
{
    fputc('[', f);
    for (long i = 0; i < count; i++) {
        fputs(i ? ", " : "", f);
        rct_cli_json_num(f, x[i]);
    }
    fputc(']', f);
}

/* The meta.json members of this module: the layer and target files and, after a fit or a score, the "fit"
   or "test" object. */
void rct_cli_ridge_meta(FILE *f, const options *o)
{
    static const char *const acts[] = {"identity", "tanh", "sigmoid", "softmax", "softmin", "log_softmax"};
    const ridge_opts *r = &o->ridge;
    rct_cli_json_opt(f, "input_weights", r->input_weights);
    rct_cli_json_opt(f, "readout_weights", r->readout_weights);
    rct_cli_json_opt(f, "readout_activation", r->readout_weights ? acts[r->activation] : NULL);
    rct_cli_json_opt(f, "targets", r->targets);
    if (r->fit == RCT_FIT_RIDGE)
        fprintf(f, "  \"bias\": %s,\n", r->bias ? "true" : "false");
    if (!r->scored)
        return;
    const rectic_score *s = &r->score;
    if (r->fit) {
        fputs("  \"fit\": {\"method\": \"ridge\", \"alpha\": ", f);
        rct_cli_json_num(f, r->alpha_given ? r->alpha : 1e-4);
        fprintf(f, ", \"washout\": %ld, ", r->washout);
    } else {
        fputs("  \"test\": {\"method\": null, \"alpha\": null, \"washout\": 0, ", f);
    }
    fprintf(f, "\"rows\": %ld, \"mse\": ", s->rows);
    json_list(f, s->mse, s->outputs);
    fputs(", \"nrmse\": ", f);
    json_list(f, s->nrmse, s->outputs);
    fputs(", \"mse_mean\": ", f);
    rct_cli_json_num(f, s->mse_mean);
    fputs(", \"nrmse_mean\": ", f);
    rct_cli_json_num(f, s->nrmse_mean);
    fputs("},\n", f);
}

void rct_cli_ridge_free(options *o)
{
    ridge_opts *r = &o->ridge;
    free(r->w_in);
    free(r->w_out);
    free(r->y);
    r->w_in = r->w_out = r->y = NULL;
}

/* The columns the input of population pop takes when the network file's input_layer: feeds it, else 0. */
long rct_cli_net_input_cols(const options *o, int pop)
{
    const char *target;
    long rows, cols;
    if (rectic_netspec_get_input_layer(o->ns, &target, NULL, &rows, &cols) != 1)
        return 0;
    size_t len = strcspn(target, "/");
    const char *name = rectic_netspec_pop_name(o->ns, pop);
    return name && strlen(name) == len && !strncmp(name, target, len) ? cols : 0;
}

int rct_cli_net_layers(options *o)
{
    const char *file = o->spec.template_ref, *target, *source;
    int has_input = rectic_netspec_get_input_layer(o->ns, &target, NULL, NULL, NULL) == 1;
    int has_readout = rectic_netspec_get_readout(o->ns, &source, NULL, NULL, NULL, NULL) == 1;
    if (o->inputs_file && !has_input) {
        complain("--inputs: not for a network file without input_layer: (%s): give --input POP/VAR=FILE per "
                 "population", file);
        return -1;
    }
    if (o->inputs_file) { /* --inputs FILE: the input layer's population's input */
        if (o->n_input >= MAX_LIST) {
            complain("--inputs: too many inputs");
            return -1;
        }
        input_file *in = &o->input[o->n_input];
        memset(in, 0, sizeof *in);
        if (!(in->path = strdup(target))) {
            complain("out of memory");
            return -1;
        }
        in->file = o->inputs_file;
        o->n_input++;
    }
    if (o->ridge.input_weights) {
        complain("--input-weights: not for a network file: %s gives its input layer as input_layer: {target: POP/VAR, "
                 "weights: FILE}", file);
        return -1;
    }
    if (has_readout && o->spec.output_var) {
        complain("--output-var %s: %s's readout: records %s as the output already", o->spec.output_var, file, source);
        return -1;
    }
    if (has_readout && o->ridge.fit == RCT_FIT_RIDGE) {
        complain("fit ridge: %s has a readout: (the fit computes one): remove it, and give its source as --output-var "
                 "%s", file, source);
        return -1;
    }
    return 0;
}

/*
 * rls.c -- the command line of issue 17: `rectic fit rls` (recursive least squares training of the readout
 * while the network runs: --alpha, --beta, --update-every, --train-steps) and FORCE feedback
 * (--feedback-weights, for fit rls and run): their flags, files, setting them on the network, the summary
 * line and meta.json's "fit" object.  The targets, --alpha and --readout-weights are read by ridge.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define complain rct_cli_complain

const char rct_usage_fit_rls[] =
    "usage: rectic fit rls TEMPLATE|NETWORK.yaml --targets Y.csv [--inputs X.csv | --steps T] [run options]\n"
    "                      [--alpha A] [--beta B] [--update-every K] [--train-steps T1] [--readout-weights W0]\n"
    "                      [--feedback-weights W_FB] [-o DIR]\n"
    "\n"
    "Trains a linear readout online by recursive least squares while the network runs (RectiPy's RLS edge;\n"
    "FORCE learning with --feedback-weights).  At every step n, x = the output before the step's update and\n"
    "ŷ = W x; on the update steps, with target y:\n"
    "    e = y - ŷ;  k = P x / (B + xᵀ P x);  P <- (P - k (xᵀ P)) / B;  W <- W + e ⊗ (P x)   (P updated)\n"
    "Writes into DIR out (ŷ per step, T x k), error (e per update step), readout.csv (the final W, k x N: what\n"
    "--readout-weights takes) and the other outputs of run, and in meta.json a \"fit\" object (method, alpha,\n"
    "beta, update_every, train_steps, updates, mse over the training steps and over the steps after them).\n"
    "--sampling-steps must be 1 and --cutoff 0.  A network file gives the readout's source (and starting\n"
    "weights) as readout: {source: POP/VAR, ...}, or the source as --output-var POP/VAR.  The feedback of a\n"
    "network file goes into one population: POP, else the input layer's, else the one population with an\n"
    "input variable (N = its size).\n";

/* --beta B: a forgetting factor in (0, 1]. */
int rct_cli_take_beta(options *o, const char *flag, const char *v)
{
    double b;
    if (!rct_cli_is_number(v, &b) || !(b > 0 && b <= 1)) {
        complain("%s: expected a forgetting factor in (0, 1], got '%s'", flag, v);
        return -1;
    }
    o->rls.beta = b;
    o->rls.beta_given = 1;
    return 0;
}

/* --update-every K (K >= 1) and --train-steps T1 (T1 >= 0): whole numbers of steps. */
int rct_cli_take_rls_steps(options *o, const char *flag, const char *v)
{
    rls_opts *r = &o->rls;
    if (!strcmp(flag, "--update-every")) {
        r->every_given = 1;
        return rct_cli_parse_steps(flag, v, 1, &r->update_every);
    }
    r->train_given = 1;
    return rct_cli_parse_steps(flag, v, 0, &r->train_steps);
}

/* --feedback-weights of a network file may name the population fed: POP=FILE (a template's FILE is whole). */
static int split_feedback(options *o)
{
    rls_opts *r = &o->rls;
    const char *v = r->feedback_weights, *eq = o->network ? strchr(v, '=') : NULL;
    r->fb_file = eq ? eq + 1 : v;
    if (eq && (eq == v || !eq[1] || memchr(v, '/', (size_t)(eq - v)))) {
        complain("--feedback-weights %s: expected FILE or POP=FILE (a population of %s)", v, o->spec.template_ref);
        return -1;
    }
    if (eq && !(r->fb_pop = strndup(v, (size_t)(eq - v)))) {
        complain("out of memory");
        return -1;
    }
    return 0;
}

/* Reads --feedback-weights (before the network is built). */
int rct_cli_rls_load(options *o)
{
    rls_opts *r = &o->rls;
    if (!r->update_every)
        r->update_every = 1;
    if (!r->train_given)
        r->train_steps = -1;
    if (!r->beta_given)
        r->beta = 1;
    if (o->ridge.fit == RCT_FIT_RLS && o->steps < 0 && !o->inputs_file && !o->n_input && o->ridge.y)
        o->steps = o->ridge.y_rows; /* no inputs (a network driven by its feedback): a step per target row */
    if (r->feedback_weights && split_feedback(o))
        return -1;
    if (r->feedback_weights &&
        rct_cli_read_matrix("--feedback-weights", r->fb_file, &r->w_fb, &r->w_fb_rows, &r->w_fb_cols))
        return -1;
    return 0;
}

/* Sets the training and the feedback on the network (after the layers, before --load-state, which then
   resumes them). */
int rct_cli_rls_apply(options *o, rectic_net *net)
{
    rls_opts *r = &o->rls;
    const ridge_opts *g = &o->ridge;
    if (r->w_fb && rectic_net_feedback_into(net, r->fb_pop, r->w_fb, r->w_fb_rows, r->w_fb_cols) != RECTIC_OK) {
        const char *msg = rectic_errmsg(net);
        complain("--feedback-weights %s:%s", r->feedback_weights,
                 strncmp(msg, "--feedback-weights:", 19) ? msg : msg + 19);
        return -1;
    }
    int file_readout = o->network && rectic_netspec_get_readout(o->ns, NULL, NULL, NULL, NULL, NULL) == 1;
    if (r->w_fb && !g->w_out && !file_readout && g->fit != RCT_FIT_RLS) {
        complain("--feedback-weights: feeds the readout back: give --readout-weights too (or train one: fit rls)%s",
                 o->network ? ", or a readout: entry in the network file" : "");
        return -1;
    }
    if (g->fit != RCT_FIT_RLS)
        return 0;
    if (rectic_net_rls(net, g->y, g->y_rows, g->y_cols, g->alpha_given ? g->alpha : 1.0, r->beta, r->update_every,
                       r->train_steps) != RECTIC_OK) {
        complain("fit rls: %s", rectic_errmsg(net));
        return -1;
    }
    return 0;
}

/* After the run: the errors of the training and the summary line (unless quiet). */
int rct_cli_rls_after(options *o, rectic_net *net)
{
    rls_opts *r = &o->rls;
    if (o->ridge.fit != RCT_FIT_RLS)
        return 0;
    long cols;
    if (rectic_net_rls_mse(net, r->mse, r->steps) != RECTIC_OK ||
        rectic_net_rls_errors(net, &r->updates, &cols, NULL) != RECTIC_OK) {
        complain("fit rls: %s", rectic_errmsg(net));
        return -1;
    }
    r->trained = 1;
    if (!o->quiet && r->steps[1] > 0)
        fprintf(stderr, "fit rls: %ld updates; mse %.6g over the %ld training steps, %.6g over the %ld steps after "
                        "them\n", r->updates, r->mse[0], r->steps[0], r->mse[1], r->steps[1]);
    else if (!o->quiet)
        fprintf(stderr, "fit rls: %ld updates; mse %.6g over the %ld training steps\n", r->updates, r->mse[0],
                r->steps[0]);
    return 0;
}

/* meta.json: the feedback file (and for a network the population fed) and, after a training run, the "fit"
   object. */
void rct_cli_rls_meta(FILE *f, const options *o, const rectic_net *net)
{
    const rls_opts *r = &o->rls;
    rct_cli_json_opt(f, "feedback_weights", r->fb_file ? r->fb_file : r->feedback_weights);
    if (o->network) /* the population fed: named, or the library's choice */
        rct_cli_json_opt(f, "feedback_population", r->w_fb ? rectic_net_feedback_population(net) : NULL);
    if (!r->trained)
        return;
    fputs("  \"fit\": {\"method\": \"rls\", \"alpha\": ", f);
    rct_cli_json_num(f, o->ridge.alpha_given ? o->ridge.alpha : 1.0);
    fputs(", \"beta\": ", f);
    rct_cli_json_num(f, r->beta);
    fprintf(f, ", \"update_every\": %ld, \"train_steps\": ", r->update_every);
    if (r->train_steps < 0)
        fputs("null", f);
    else
        fprintf(f, "%ld", r->train_steps);
    fprintf(f, ", \"updates\": %ld, \"mse_train\": ", r->updates);
    rct_cli_json_num(f, r->mse[0]);
    fprintf(f, ", \"train_rows\": %ld, \"mse_after\": ", r->steps[0]);
    rct_cli_json_num(f, r->mse[1]);
    fprintf(f, ", \"after_rows\": %ld},\n", r->steps[1]);
}

void rct_cli_rls_free(options *o)
{
    free(o->rls.w_fb);
    free(o->rls.fb_pop);
    o->rls.w_fb = NULL;
    o->rls.fb_pop = NULL;
}

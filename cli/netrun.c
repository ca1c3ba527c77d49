/*
 * netrun.c -- `rectic run NETWORK.yaml`: a network file of populations and projections (docs/network-files.md),
 * its inputs per population (--input POP/VAR=FILE), recordings by path (--record [KEY=]PATH, --output-var
 * PATH) and the meta.json members that describe it.  The run itself, signals and writing are cmd_run's, as
 * for a single template.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "netfile.h"

#define complain rct_cli_complain

/* "E, I, ..." : the populations of ns, written into buf. */
static const char *population_list(const rectic_netspec *ns, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < rectic_netspec_n_populations(ns) && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", rectic_netspec_pop_name(ns, i));
    return buf;
}

/* The population that PATH ("POP/VAR" or "POP/OP/VAR", given to flag as arg) names: its index, or -1 after
   complaining. */
static int path_population(const options *o, const char *flag, const char *arg, const char *path)
{
    const char *slash = strchr(path, '/');
    if (!slash || slash == path || !slash[1]) {
        complain("%s %s: expected POP/VAR or POP/OP/VAR (a population of %s and one of its variables), got '%s'",
                 flag, arg, o->spec.template_ref, path);
        return -1;
    }
    char name[256], list[1024];
    snprintf(name, sizeof name, "%.*s", (int)(slash - path), path);
    int i = rectic_netspec_find(o->ns, name);
    if (i < 0)
        complain("%s %s: unknown population '%s' (%s has %s)", flag, arg, name, o->spec.template_ref,
                 population_list(o->ns, list, sizeof list));
    return i;
}

/* The PATH of --record [KEY=]PATH. */
static const char *record_path(const char *arg)
{
    const char *eq = strchr(arg, '=');
    return eq ? eq + 1 : arg;
}

/* Do two variable names ("var" or "op/var") name the same variable?  An operator given on one side only
   matches. */
static int same_var(const char *a, const char *b)
{
    const char *va = strrchr(a, '/'), *vb = strrchr(b, '/');
    if (strcmp(va ? va + 1 : a, vb ? vb + 1 : b))
        return 0;
    return !va || !vb || (va - a == vb - b && !strncmp(a, b, (size_t)(va - a)));
}

/* Checks the population of every --input, makes VAR the input variable of a population whose file names
   none, and reads the matrices (T x n or T x 1). */
static int load_inputs(options *o)
{
    for (int k = 0; k < o->n_input; k++) {
        input_file *in = &o->input[k];
        char arg[4200], flag[300];
        snprintf(arg, sizeof arg, "%s=%s", in->path, in->file);
        snprintf(flag, sizeof flag, "--input %s", in->path);
        if ((in->pop = path_population(o, "--input", arg, in->path)) < 0)
            return -1;
        const char *pop = rectic_netspec_pop_name(o->ns, in->pop), *var = strchr(in->path, '/') + 1;
        for (int j = 0; j < k; j++)
            if (o->input[j].pop == in->pop) {
                complain("--input %s: population %s has its input from --input %s=%s already", arg, pop,
                         o->input[j].path, o->input[j].file);
                return -1;
            }
        const char *declared = rectic_netspec_pop_input(o->ns, in->pop);
        if (declared && !same_var(declared, var)) {
            complain("--input %s: the input variable of population %s is %s (%s), not %s", arg, pop, declared,
                     o->spec.template_ref, var);
            return -1;
        }
        if (!declared && rectic_netspec_input(o->ns, pop, var) != RECTIC_OK) {
            complain("--input %s: %s", arg, rectic_netspec_errmsg(o->ns));
            return -1;
        }
        if (rct_cli_read_input(o, flag, in->file, &in->data, &in->rows, &in->cols)) /* under MPI: its shape */
            return -1;
        long n = rectic_netspec_pop_size(o->ns, in->pop), m = rct_cli_net_input_cols(o, in->pop);
        if (m > 0 && in->cols != m) {
            complain("--input %s: %s has %ld columns: expected %ld (the columns of the input layer's weights: %s "
                     "receives W_in @ x_n)", arg, in->file, in->cols, m, in->path);
            return -1;
        }
        if (!m && in->cols != n && in->cols != 1) {
            complain("--input %s: %s has %ld columns: expected %ld (one per unit of %s) or 1", arg, in->file,
                     in->cols, n, pop);
            return -1;
        }
    }
    return 0;
}

/* The number of steps: --steps T (every input has at least T rows), else the inputs' one row count. */
static int settle_steps(options *o)
{
    if (o->steps < 0 && !o->n_input) {
        complain("give --steps T or --input POP/VAR=FILE (the number of steps is unknown)");
        return -1;
    }
    for (int k = 0; k < o->n_input; k++) {
        const input_file *in = &o->input[k], *first = &o->input[0];
        if (o->steps >= 0 && in->rows < o->steps) {
            complain("--steps %ld: %s (--input %s) has only %ld rows of input", o->steps, in->file, in->path, in->rows);
            return -1;
        }
        if (o->steps < 0 && in->rows != first->rows) {
            complain("--input %s=%s: %s has %ld rows but %s (--input %s) has %ld: give inputs of one length, or "
                     "--steps T", in->path, in->file, in->file, in->rows, first->file, first->path, first->rows);
            return -1;
        }
    }
    if (o->steps < 0)
        o->steps = o->input[0].rows;
    return 0;
}

int rct_cli_net_load(options *o)
{
    const char *file = o->spec.template_ref;
    if (o->template_flag && !strcmp(o->template_flag, "--inputs") && o->inputs_file)
        o->template_flag = NULL; /* the inputs of an input_layer: (rct_cli_net_layers), checked once it is read */
    if (o->template_flag) {
        complain("%s: not for a network file (%s names its populations, templates and weights)%s", o->template_flag,
                 file, strcmp(o->template_flag, "--inputs") ? "" : ": give --input POP/VAR=FILE per population");
        return -1;
    }
    if (rectic_netspec_load(&o->ns, file) != RECTIC_OK) {
        complain("%s", o->ns ? rectic_netspec_errmsg(o->ns) : "out of memory");
        return -1;
    }
    if (rct_cli_net_layers(o)) /* input_layer: and readout: against --inputs, --output-var */
        return -1;
    for (int k = 0; k < o->n_records; k++)
        if (path_population(o, "--record", o->records[k], record_path(o->records[k])) < 0)
            return -1;
    for (int k = 0; k < o->n_sets; k++)
        if (path_population(o, "--set", o->sets[k].name, o->sets[k].name) < 0)
            return -1;
    if (o->spec.output_var && path_population(o, "--output-var", o->spec.output_var, o->spec.output_var) < 0)
        return -1;
    int spiking = 0;
    for (int i = 0; i < rectic_netspec_n_populations(o->ns); i++)
        spiking |= rectic_netspec_pop_spikes(o->ns, i, NULL, NULL, NULL, NULL) == 1;
    if (!o->n_records && !o->spec.output_var && !spiking && rectic_netspec_get_readout(o->ns, 0, 0, 0, 0, 0) != 1) {
        complain("nothing to write: no --record, no --output-var, and no population of %s spikes", file);
        return -1;
    }
    return load_inputs(o) || (!o->standalone && settle_steps(o)) ? -1 : 0; /* a program takes its steps when run */
}

/* Gives the network its inputs, recordings (--record, --output-var as "out") after --set. */
static int net_setup(options *o, rectic_net *net)
{
    char flag[4200];
    if (rct_cli_apply_sets(o, net))
        return -1;
    for (int k = 0; k < o->n_input; k++) {
        const input_file *in = &o->input[k];
        if (in->data && rectic_net_input(net, rectic_netspec_pop_name(o->ns, in->pop), in->data, in->rows, in->cols) != RECTIC_OK) {
            snprintf(flag, sizeof flag, "--input %s=%s", in->path, in->file);
            rct_cli_complain_net(flag, net);
            return -1;
        }
    }
    for (int k = 0; k < o->n_records; k++) /* [KEY=]POP/VAR, maybe of a subset of units (subset.c) */
        if (rct_cli_record(o, net, o->records[k]))
            return -1;
    if (rct_cli_record_spikes(o, net))
        return -1;
    if (o->spec.output_var && rectic_net_record_as(net, o->spec.output_var, "out") != RECTIC_OK) {
        snprintf(flag, sizeof flag, "--output-var %s", o->spec.output_var);
        rct_cli_complain_net(flag, net);
        return -1;
    }
    return rct_cli_sampling(o, net);
}

rectic_net *rct_cli_net_build(options *o)
{
    rectic_spec opts = o->spec; /* the run's settings; the template's fields stay unset */
    opts.template_ref = NULL;
    opts.output_var = NULL;
    rectic_net *net;
    int rc = rectic_net_new_network(&net, o->ns, &opts);
    if (!(net = rct_cli_made(net, rc)))
        return NULL;
    if (net_setup(o, net)) {
        rectic_net_free(net);
        return NULL;
    }
    return net;
}

long rct_cli_spike_count(const options *o, rectic_net *net)
{
    long total = 0, count;
    const long *pairs;
    if (!o->network) {
        rectic_net_spikes(net, &total, &pairs);
        return total;
    }
    for (int i = 0; i < rectic_net_n_populations(net); i++) {
        count = 0;
        rectic_net_population_spikes(net, rectic_net_population(net, i), &count, &pairs);
        total += count;
    }
    return total;
}

const char *rct_cli_plot_var(const options *o, char *buf, size_t size)
{
    if (!o->network || o->spec.output_var || !o->n_records)
        return "out";
    const char *arg = o->records[0], *path = record_path(arg);
    if (path != arg)
        snprintf(buf, size, "%.*s", (int)(path - arg - 1), arg);
    else
        for (snprintf(buf, size, "%.*s", (int)strcspn(path, "[@"), path); strchr(buf, '/');) /* no subset */
            *strchr(buf, '/') = '_';
    return buf;
}

/* meta.json: "populations": name, template, op, n, input, spike rule and spike count of each. */
static void meta_populations(FILE *f, const options *o, rectic_net *net)
{
    const rectic_netspec *ns = o->ns;
    fputs("  \"populations\": [", f);
    for (int i = 0; i < rectic_netspec_n_populations(ns); i++) {
        const char *name = rectic_netspec_pop_name(ns, i), *var, *def;
        double threshold, reset;
        int spiking = rectic_netspec_pop_spikes(ns, i, &var, &def, &threshold, &reset) == 1;
        long count = 0;
        const long *pairs;
        if (spiking)
            rectic_net_population_spikes(net, name, &count, &pairs);
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
        rct_cli_json_str(f, name);
        fputs(", \"template\": ", f);
        rct_cli_json_str(f, rectic_netspec_pop_template(ns, i));
        fputs(", \"op\": ", f);
        rectic_netspec_pop_op(ns, i) ? rct_cli_json_str(f, rectic_netspec_pop_op(ns, i)) : (void)fputs("null", f);
        fprintf(f, ", \"n\": %ld, \"input\": ", rectic_netspec_pop_size(ns, i));
        rectic_netspec_pop_input(ns, i) ? rct_cli_json_str(f, rectic_netspec_pop_input(ns, i)) : (void)fputs("null", f);
        fprintf(f, ", \"spiking\": %s", spiking ? "true" : "false");
        if (spiking) {
            fputs(", \"spike_var\": ", f);
            rct_cli_json_str(f, var);
            fputs(", \"spike_def\": ", f);
            rct_cli_json_str(f, def);
            fprintf(f, ", \"spike_threshold\": %.17g, \"spike_reset\": %.17g, \"spikes\": %ld", threshold, reset, count);
        }
        fputc('}', f);
    }
    fputs("\n  ],\n", f);
}

/* meta.json: "projections": source, target, kind of weights, delay in seconds and steps, coupling. */
static void meta_projections(FILE *f, const options *o, rectic_net *net)
{
    static const char *const kinds[] = {"weights", "weights-coo", "weight"};
    fputs("  \"projections\": [", f);
    for (int k = 0; k < rectic_netspec_n_projections(o->ns); k++) {
        const char *source = NULL, *target = NULL, *coupling = rectic_net_projection_coupling(net, k);
        rectic_weights_kind kind = RECTIC_WEIGHTS_DENSE;
        double weight = 0, delay = 0;
        rectic_netspec_proj_ends(o->ns, k, NULL, &source, NULL, &target);
        rectic_netspec_proj_weights(o->ns, k, &kind, NULL, NULL, &weight, &delay);
        fputs(k ? ",\n    {\"source\": " : "\n    {\"source\": ", f);
        rct_cli_json_str(f, source);
        fputs(", \"target\": ", f);
        rct_cli_json_str(f, target);
        fprintf(f, ", \"kind\": \"%s\"", kinds[kind]);
        if (kind == RECTIC_WEIGHTS_SCALAR)
            fprintf(f, ", \"weight\": %.17g", weight);
        fprintf(f, ", \"delay\": %.17g, \"delay_steps\": %ld, \"coupling\": ", delay,
                rectic_net_projection_delay(net, k));
        coupling ? rct_cli_json_str(f, coupling) : (void)fputs("null", f);
        fputc('}', f);
    }
    fputs(rectic_netspec_n_projections(o->ns) ? "\n  ],\n" : "],\n", f);
}

void rct_cli_net_meta(FILE *f, const options *o, rectic_net *net)
{
    rct_cli_json_opt(f, o->circ ? "circuit" : "network", o->spec.template_ref);
    meta_populations(f, o, net);
    meta_projections(f, o, net);
    fputs("  \"inputs\": {", f);
    for (int k = 0; k < o->n_input; k++)
        rct_cli_json_pair(f, k, o->input[k].path, o->input[k].file);
    fputs("},\n", f);
    rct_cli_json_opt(f, "output_var", o->spec.output_var);
}

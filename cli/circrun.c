/*
 * circrun.c -- `rectic run CIRCUIT`: a PyRates CircuitTemplate (issue 14, docs/circuits.md) run as a network
 * of populations.  Node paths (node/op/var, sub/node/op/var) of --input, --record and --set become
 * POP/op/var and a unit; --record KEY=PATH writes that unit's column only.  The run, meta.json and writing
 * are cmd_run's, as for a network file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "cli.h"
#include "io_csv.h"

#define complain rct_cli_complain

/* A loader searching as the network runtime does: --template-path DIRs, $RECTIC_TEMPLATE_PATH, the built-in
   templates, then the current folder. */
static rct_loader *circ_loader(const options *o, rct_err *err)
{
    rct_loader *L = rct_loader_new(err);
    for (int k = 0; L && k < o->n_tpath; k++)
        rct_loader_add_dir(L, o->tpath[k]);
    if (L && o->spec.use_env_path)
        rct_loader_add_pathlist(L, getenv("RECTIC_TEMPLATE_PATH"));
    if (L && rct_builtin_template_dir())
        rct_loader_add_dir(L, rct_builtin_template_dir());
    if (L)
        rct_loader_add_dir(L, ".");
    return L;
}

int rct_cli_circuit_detect(const options *o)
{
    rct_err err = {0};
    rct_loader *L = circ_loader(o, &err);
    int found = L && rct_circuit_detect(L, o->spec.template_ref);
    rct_loader_free(L);
    return found;
}

/* The PATH of --record [KEY=]PATH. */
static const char *record_path(const char *arg)
{
    const char *eq = strchr(arg, '=');
    return eq ? eq + 1 : arg;
}

/* Resolves node path into the population path and unit; complains naming flag and arg. */
static int node_path(const options *o, const char *flag, const char *arg, const char *path, char *out, size_t size,
                     int *unit)
{
    rct_err err = {0};
    if (rct_circuit_pop_path(o->circ, path, flag, out, size, unit, &err)) {
        complain("%s %s: %s", flag, arg, err.msg);
        return -1;
    }
    return 0;
}

/* Reads a one-column series of at least T rows for --input. */
static int read_series(options *o, input_file *in)
{
    char flag[4300];
    snprintf(flag, sizeof flag, "--input %s", in->path);
    if (rct_cli_read_matrix(flag, in->file, &in->data, &in->rows, &in->cols))
        return -1;
    if (in->cols != 1) {
        complain("--input %s=%s: %s has %ld columns: expected 1 (one value per step)", in->path, in->file, in->file,
                 in->cols);
        return -1;
    }
    if (o->steps >= 0 && in->rows < o->steps) {
        complain("--steps %ld: %s (--input %s) has only %ld rows of input", o->steps, in->file, in->path, in->rows);
        return -1;
    }
    if (o->steps < 0)
        o->steps = in->rows;
    return 0;
}

/* Reads and plans the circuit named by the options (--template-path, --dt); NULL after a complaint. */
static rct_circuit *circ_read(const options *o)
{
    rct_err err = {0};
    rct_loader *L = circ_loader(o, &err);
    rct_circuit *c = NULL;
    int bad = !L || rct_circuit_load(L, o->spec.template_ref, &c) || rct_circuit_plan(c, o->spec.dt, &err);
    rct_loader_free(L);
    if (bad) {
        complain("%s", err.msg[0] ? err.msg : "out of memory");
        rct_circuit_free(c);
        return NULL;
    }
    return c;
}

/* Whether the network of c can be made (its populations' models, projections and roles; not compiled):
   what `rectic run` would refuse before its first step.  0, or -1 after a complaint. */
static int circ_network_ok(const options *o, const rct_circuit *c)
{
    rct_err err = {0};
    rectic_netspec *ns = NULL;
    rectic_net *net = NULL;
    rectic_spec opts = o->spec;
    opts.template_ref = NULL;
    opts.defer_compile = 1;
    int bad = rectic_netspec_new(&ns) != RECTIC_OK || rct_circuit_netspec(c, ns, &err);
    if (bad)
        complain("%s", err.msg[0] ? err.msg : "out of memory");
    else if ((bad = rectic_net_new_network(&net, ns, &opts) != RECTIC_OK))
        complain("%s", rectic_errmsg(net));
    rectic_net_free(net);
    rectic_netspec_free(ns);
    return bad ? -1 : 0;
}

int rct_cli_circ_check(const options *o)
{
    rct_circuit *c = circ_read(o);
    int bad = !c || circ_network_ok(o, c);
    char *text = bad ? NULL : rct_circuit_describe(c);
    if (!bad && !text)
        complain("out of memory");
    if (text)
        fputs(text, stdout);
    free(text);
    rct_circuit_free(c);
    return !text;
}

int rct_cli_circ_load(options *o)
{
    const char *ref = o->spec.template_ref;
    if (o->template_flag) {
        complain("%s: not for a circuit (%s names its nodes and edges)%s", o->template_flag, ref,
                 strcmp(o->template_flag, "--inputs") ? "" : ": give --input NODE/OP/VAR=FILE per driven variable");
        return -1;
    }
    if (o->spec.output_var) {
        complain("--output-var %s: not for a circuit: give --record KEY=%s", o->spec.output_var, o->spec.output_var);
        return -1;
    }
    rct_circuit *c = o->circ = circ_read(o);
    if (!c)
        return -1;
    rct_err err = {0};
    if (!o->n_records) {
        complain("nothing to write: give --record KEY=NODE/OP/VAR (a circuit writes the variables it is asked for)");
        return -1;
    }
    for (int k = 0; k < o->n_records; k++) {
        char p[1024];
        int unit;
        if (node_path(o, "--record", o->records[k], record_path(o->records[k]), p, sizeof p, &unit))
            return -1;
    }
    if (o->steps < 0 && !o->n_input) {
        complain("give --steps T (the number of steps is unknown)");
        return -1;
    }
    const char *paths[MAX_LIST];
    const double *series[MAX_LIST];
    for (int k = 0; k < o->n_input; k++)
        if (read_series(o, &o->input[k]))
            return -1;
    for (int k = 0; k < o->n_input; k++) {
        paths[k] = o->input[k].path;
        series[k] = o->input[k].data;
    }
    if (rct_circuit_inputs(c, paths, series, o->n_input, o->steps, &o->cin, &o->n_cin, &err)) { /* input nodes */
        complain("--input: %s", err.msg);
        return -1;
    }
    if (rectic_netspec_new(&o->ns) != RECTIC_OK || rct_circuit_netspec(c, o->ns, &err)) {
        complain("%s", err.msg[0] ? err.msg : "out of memory");
        return -1;
    }
    for (int k = 0; k < o->n_cin; k++) {
        if (rectic_netspec_input(o->ns, o->cin[k].name, o->cin[k].path) != RECTIC_OK) {
            complain("--input: %s", rectic_netspec_errmsg(o->ns));
            return -1;
        }
    }
    FILE *held = rct_cli_mpi_held(); /* under MPI said once, by rank 0 (the others hold theirs) */
    for (int i = 0; i < c->n_warnings; i++)
        fprintf(held ? held : stderr, "rectic: warning: %s\n", c->warnings[i]);
    return 0;
}

/* The population that path "POP/op/var" names by its first part, or -1. */
static int pop_named(const rct_circuit *c, const char *path)
{
    const char *slash = strchr(path, '/');
    if (!slash || !strchr(slash + 1, '/') || strchr(strchr(slash + 1, '/') + 1, '/'))
        return -1;
    for (int p = 0; p < c->n_pops; p++)
        if (strlen(c->pops[p].name) == (size_t)(slash - path) && !strncmp(c->pops[p].name, path, (size_t)(slash - path)))
            return p;
    return -1;
}

/* Where --set NAME goes: a node's variable (*unit its unit) or, when NAME is no node path, a population's
   (*unit -1); out receives the network path.  Returns the population, or -1 after a complaint. */
static int set_target(const rct_circuit *c, const char *name, char *out, size_t size, int *unit)
{
    rct_err err = {0};
    rct_cend e;
    int p = pop_named(c, name);
    if (!rct_circuit_var(c, name, "--set", &e, &err)) {
        const rct_top *op = &c->pops[e.pop].tmpl->ops[e.op];
        snprintf(out, size, "%s/%s/%s", c->pops[e.pop].name, op->name, op->vars[e.var].name);
        *unit = e.unit;
        return e.pop;
    }
    if (p < 0) {
        complain("--set %s: %s (or name a population's variable, POP/OP/VAR, as rectic check lists them)", name, err.msg);
        return -1;
    }
    snprintf(out, size, "%s", name);
    *unit = -1;
    return p;
}

/* --set NODE/OP/VAR=VALUE|@FILE: that node's value (a file of one value); --set POP/OP/VAR=VALUE|@FILE:
   every node of population POP, one value or one per node in `rectic check`'s order. */
static int circ_set(const options *o, rectic_net *net, const setting *st)
{
    const rct_circuit *c = o->circ;
    char p[1024], flag[1200];
    int unit, pop = set_target(c, st->name, p, sizeof p, &unit);
    double *x, *vals = NULL;
    long nx, count = 0;
    snprintf(flag, sizeof flag, "--set %s", st->name);
    if (pop < 0 || rct_cli_set_values(flag, st->value, &x, &nx))
        return -1;
    long n = c->pops[pop].n;
    int rc = RECTIC_OK;
    if (nx != 1 && (unit >= 0 || nx != n)) {
        if (unit >= 0)
            complain("%s: %s holds %ld values: a node takes one (POP/OP/VAR=@FILE sets every node of a population)",
                     flag, st->value + 1, nx);
        else
            complain("%s: %s holds %ld values: population %s has %ld nodes (rectic check lists them)", flag,
                     st->value + 1, nx, c->pops[pop].name, n);
        free(x);
        return -1;
    }
    if (unit < 0 || n == 1) { /* the whole population: one value for all, or one each */
        rc = rectic_net_set(net, p, x, nx);
    } else if (!(vals = malloc(sizeof(double) * (size_t)n))) {
        rc = RECTIC_ENOMEM;
    } else if ((rc = rectic_net_get(net, p, vals, n, &count)) == RECTIC_OK) {
        for (long i = 1; count == 1 && i < n; i++) /* shared by the population until now: per node from here */
            vals[i] = vals[0];
        vals[unit] = x[0];
        rc = rectic_net_set(net, p, vals, n);
    }
    free(x);
    free(vals);
    if (rc != RECTIC_OK)
        rct_cli_complain_net(flag, net);
    return rc != RECTIC_OK ? -1 : 0;
}

int rct_cli_circ_sets(const options *o, rectic_net *net)
{
    for (int k = 0; k < o->n_sets; k++)
        if (circ_set(o, net, &o->sets[k]))
            return -1;
    return 0;
}

rectic_net *rct_cli_circ_build(options *o)
{
    rectic_spec opts = o->spec;
    opts.template_ref = NULL;
    opts.output_var = NULL;
    rectic_net *net;
    int rc = rectic_net_new_network(&net, o->ns, &opts);
    if (!(net = rct_cli_made(net, rc)))
        return NULL;
    int bad = rct_cli_circ_sets(o, net);
    for (int k = 0; !bad && k < o->n_cin; k++) {
        if (rectic_net_input(net, o->cin[k].name, o->cin[k].data, o->steps, o->cin[k].n) != RECTIC_OK) {
            rct_cli_complain_net("--input", net);
            bad = 1;
        }
    }
    for (int k = 0; !bad && k < o->n_records; k++) {
        const char *arg = o->records[k], *path = record_path(arg);
        char key[256], p[1024], flag[1200];
        int unit;
        if (path == arg)
            for (snprintf(key, sizeof key, "%s", path); strchr(key, '/');)
                *strchr(key, '/') = '_';
        else
            snprintf(key, sizeof key, "%.*s", (int)(path - arg - 1), arg);
        if (node_path(o, "--record", arg, path, p, sizeof p, &unit)) {
            bad = 1;
        } else if (!strcmp(key, "out")) {
            complain("--record %s: the key out is reserved: choose another KEY", arg);
            bad = 1;
        } else if (rectic_net_record_subset(net, p, key, (const long[]){unit}, 1) != RECTIC_OK) { /* its column */
            snprintf(flag, sizeof flag, "--record %s", arg);
            rct_cli_complain_net(flag, net);
            bad = 1;
        }
    }
    if (bad || rct_cli_sampling(o, net)) {
        rectic_net_free(net);
        return NULL;
    }
    return net;
}

/* Writes one population's input matrix as dir/input_POP.csv; the argument the program takes for it goes to
   args. */
static int write_input(const rct_cinput *in, long T, const char *dir, rct_buf *args)
{
    char path[4400], tmp[4500];
    snprintf(path, sizeof path, "%s/input_%s.csv", dir, in->name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int bad = !f || rct_csv_write(f, in->data, T, in->n, 0) != 0;
    bad |= f && fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        complain("--input: cannot write %s", path);
        if (f)
            remove(tmp);
        return -1;
    }
    rct_buf_printf(args, " --input %s=%s", in->name, path);
    return 0;
}

int rct_cli_circ_write_inputs(const options *o)
{
    if (!o->n_cin)
        return 0;
    char dir[4200];
    if (o->project) {
        snprintf(dir, sizeof dir, "%s", o->project);
    } else if (o->out_given) {
        const char *slash = strrchr(o->out_dir, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - o->out_dir) : 1, slash ? o->out_dir : ".");
    } else {
        complain("--input: give -o FILE or --project DIR: the program's inputs are written beside it");
        return -1;
    }
    rct_buf args;
    rct_buf_init(&args);
    int bad = 0;
    for (int k = 0; k < o->n_cin && !bad; k++)
        bad = write_input(&o->cin[k], o->steps, dir[0] ? dir : "/", &args);
    if (!bad)
        fprintf(stderr, "rectic: the circuit's inputs, as its populations' inputs: run the program with%s --steps %ld\n",
                args.s, o->steps);
    rct_buf_free(&args);
    return bad;
}

void rct_cli_circ_free(options *o)
{
    rct_circuit_inputs_free(o->cin, o->n_cin);
    rct_circuit_free(o->circ);
    o->cin = NULL;
    o->circ = NULL;
}

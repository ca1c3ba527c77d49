/*
 * subset.c -- recording subsets on the command line: --record [KEY=]VAR[A:B] or [KEY=]VAR@FILE (a half-open
 * range of neurons, or a file listing them; POP/VAR for network files), --record-spikes A:B or @FILE
 * (POP[A:B] or POP@FILE for network files), and the meta.json member that lists the neurons recorded.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define complain rct_cli_complain

/* One subset recorded: its recording's key ("spikes" or "spikes_POP" for spikes) and neurons. */
typedef struct chosen {
    char *key;
    long *idx;
    long count;
} chosen;

struct rct_cli_subsets {
    const char *spikes[MAX_LIST]; /* the arguments of --record-spikes SUBSET */
    int n_spikes;
    chosen *done;                 /* what was recorded, for meta.json */
    int n_done;
};

int rct_cli_subset_spikes_arg(options *o, const char *arg)
{
    if (!o->subsets && !(o->subsets = calloc(1, sizeof *o->subsets))) {
        complain("out of memory");
        return -1;
    }
    if (o->subsets->n_spikes >= MAX_LIST) {
        complain("--record-spikes: too many");
        return -1;
    }
    o->subsets->spikes[o->subsets->n_spikes++] = arg;
    return 0;
}

int rct_cli_is_subset(const char *arg)
{
    if (arg[0] == '@' || arg[0] == '[')
        return 1;
    const char *p = arg;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == ':') { /* A:B, A:, :B */
        for (p++; isdigit((unsigned char)*p); p++)
            ;
        return *p == 0;
    }
    for (p = arg; isalnum((unsigned char)*p) || *p == '_'; p++) /* POP[A:B], POP@FILE */
        ;
    return p > arg && (*p == '[' || *p == '@');
}

/* Parses a whole number of a range; p advances past it.  -1 when there is none. */
static long range_number(const char **p)
{
    if (!isdigit((unsigned char)**p))
        return -1;
    errno = 0;
    char *end;
    long x = strtol(*p, &end, 10);
    *p = end;
    return errno == ERANGE ? -2 : x;
}

/* The neurons of SUBSET for flag (arg names the whole argument): "[A:B]" or "A:B" (A and B may be left out:
   0 and n), or "@FILE" (a row or a column of whole numbers, CSV or .npy); n: the neurons there are.  The
   indices go to *idx (owned), their number to *count.  0, or -1 after complaining. */
static int subset_indices(const char *flag, const char *arg, const char *sel, long n, long **idx, long *count)
{
    *idx = NULL;
    *count = 0;
    if (sel[0] == '@') {
        double *v;
        long rows, cols;
        if (rct_cli_read_matrix(flag, sel + 1, &v, &rows, &cols))
            return -1;
        if (rows != 1 && cols != 1) {
            complain("%s %s: %s is %ld x %ld: expected a list of neuron indices (a row or a column)", flag, arg, sel + 1,
                     rows, cols);
            free(v);
            return -1;
        }
        long c = rows * cols;
        long *out = malloc(sizeof(long) * (size_t)(c > 0 ? c : 1));
        for (long k = 0; out && k < c; k++) {
            if (!(v[k] >= 0 && v[k] < 9.2e18 && v[k] == floor(v[k]))) {
                complain("%s %s: %s: entry %ld is %.17g: expected a neuron index (a whole number >= 0)", flag, arg,
                         sel + 1, k + 1, v[k]);
                free(out);
                free(v);
                return -1;
            }
            out[k] = (long)v[k];
        }
        free(v);
        if (!out) {
            complain("out of memory");
            return -1;
        }
        if (c == 0) {
            complain("%s %s: %s lists no neuron", flag, arg, sel + 1);
            free(out);
            return -1;
        }
        *idx = out;
        *count = c;
        return 0;
    }
    const char *p = sel + (sel[0] == '[');
    long a = range_number(&p), b = -1;
    int colon = *p == ':';
    if (colon) {
        p++;
        b = range_number(&p);
    }
    int closed = sel[0] != '[' || *p++ == ']';
    if (*p || !closed || !colon || a < -1 || b < -1) {
        complain("%s %s: expected a range of neurons [A:B] (from A up to B-1), or @FILE, after the name", flag, arg);
        return -1;
    }
    a = a < 0 ? 0 : a;
    b = b < 0 ? n : b;
    if (b > n || a >= b) {
        complain("%s %s: the range %ld:%ld %s (the neurons are 0 .. %ld)", flag, arg, a, b,
                 a >= b ? "is empty" : "reaches past the last neuron", n - 1);
        return -1;
    }
    if (!(*idx = malloc(sizeof(long) * (size_t)(b - a)))) {
        complain("out of memory");
        return -1;
    }
    for (long i = a; i < b; i++)
        (*idx)[i - a] = i;
    *count = b - a;
    return 0;
}

/* The number of units of the population that path ("POP/..." or "POP", given length len) names, or of the
   whole network of one template; -1 when no population has that name. */
static long units_of(rectic_net *net, const char *path, size_t len)
{
    if (rectic_net_n_populations(net) == 1 && !*rectic_net_population(net, 0))
        return rectic_net_size(net);
    for (int i = 0; i < rectic_net_n_populations(net); i++)
        if (strlen(rectic_net_population(net, i)) == len && !strncmp(rectic_net_population(net, i), path, len))
            return rectic_net_population_size(net, i);
    return -1;
}

/* Keeps what was recorded for meta.json (takes idx). */
static int remember(options *o, const char *key, long *idx, long count)
{
    if (!o->subsets && !(o->subsets = calloc(1, sizeof *o->subsets))) {
        free(idx);
        complain("out of memory");
        return -1;
    }
    chosen *d = realloc(o->subsets->done, sizeof *d * (size_t)(o->subsets->n_done + 1));
    if (!d) {
        free(idx);
        complain("out of memory");
        return -1;
    }
    o->subsets->done = d;
    d[o->subsets->n_done++] = (chosen){strdup(key), idx, count};
    return 0;
}

int rct_cli_record(options *o, rectic_net *net, const char *arg)
{
    int network = !(rectic_net_n_populations(net) == 1 && !*rectic_net_population(net, 0));
    size_t head = strcspn(arg, "[@"); /* [KEY=]PATH before the subset */
    const char *eq = memchr(arg, '=', head);
    char *key = eq ? strndup(arg, (size_t)(eq - arg)) : NULL;
    const char *from = eq ? eq + 1 : arg;
    char *path = strndup(from, head - (size_t)(from - arg));
    int rc = 0;
    if ((eq && !key) || !path) {
        complain("out of memory");
        rc = -1;
    } else if (eq && !*key) {
        complain("--record %s: an empty KEY before '='", arg);
        rc = -1;
    } else if (network && key && !strcmp(key, "out")) {
        complain("--record %s: the key out is reserved for the output: give --output-var %s", arg, path);
        rc = -1;
    }
    char flag[4200];
    snprintf(flag, sizeof flag, "--record %s", arg);
    if (rc || !arg[head]) { /* the whole variable, as before subsets */
        if (!rc && (network || key ? rectic_net_record_as(net, path, key) : rectic_net_record(net, path)) != RECTIC_OK) {
            if (network || key)
                rct_cli_complain_net(flag, net);
            else
                complain("%s", rectic_errmsg(net));
            rc = -1;
        }
        free(key);
        free(path);
        return rc;
    }
    const char *slash = strchr(path, '/');
    long n = network ? (slash ? units_of(net, path, (size_t)(slash - path)) : -1) : rectic_net_size(net);
    long *idx = NULL, count = 0;
    if (n < 0) { /* no such population: the library says so, naming those there are */
        rectic_net_record_as(net, path, key);
        rct_cli_complain_net(flag, net);
        rc = -1;
    } else if (subset_indices("--record", arg, arg + head, n, &idx, &count)) {
        rc = -1;
    } else if (rectic_net_record_subset(net, path, key, idx, count) != RECTIC_OK) {
        rct_cli_complain_net(flag, net);
        rc = -1;
    }
    if (!rc) {
        /* the key the library gave it: the name without "all/", '/' as '_' */
        char *file = key ? NULL : strdup(strncmp(path, "all/", 4) ? path : path + 4);
        for (char *c = file; c && *c; c++)
            *c = *c == '/' ? '_' : *c;
        if (!key && !file) {
            complain("out of memory");
            rc = -1;
        } else {
            rc = remember(o, key ? key : !network && !strcmp(path, "out") ? "out" : file, idx, count);
            idx = NULL;
        }
        free(file);
    }
    free(idx);
    free(key);
    free(path);
    return rc;
}

int rct_cli_record_spikes(options *o, rectic_net *net)
{
    int network = !(rectic_net_n_populations(net) == 1 && !*rectic_net_population(net, 0));
    for (int k = 0; o->subsets && k < o->subsets->n_spikes; k++) {
        const char *arg = o->subsets->spikes[k];
        size_t len = network ? strcspn(arg, "[@") : 0;
        if (network && (!arg[len] || !len)) {
            complain("--record-spikes %s: expected POP[A:B] or POP@FILE (a population and its units)", arg);
            return -1;
        }
        char pop[256];
        snprintf(pop, sizeof pop, "%.*s", (int)len, arg);
        long n = network ? units_of(net, arg, len) : rectic_net_size(net), *idx = NULL, count;
        if (n < 0) {
            complain("--record-spikes %s: unknown population '%s'", arg, pop);
            return -1;
        }
        if (subset_indices("--record-spikes", arg, arg + len, n, &idx, &count))
            return -1;
        if (rectic_net_record_spikes(net, pop, idx, count) != RECTIC_OK) {
            char flag[4200];
            snprintf(flag, sizeof flag, "--record-spikes %s", arg);
            rct_cli_complain_net(flag, net);
            free(idx);
            return -1;
        }
        char key[300];
        snprintf(key, sizeof key, "spikes%s%s", network ? "_" : "", pop);
        if (remember(o, key, idx, count))
            return -1;
    }
    return 0;
}

void rct_cli_subset_meta(FILE *f, const options *o)
{
    if (!o->subsets || !o->subsets->n_done)
        return;
    fputs("  \"recorded_neurons\": {", f);
    for (int k = 0; k < o->subsets->n_done; k++) {
        const chosen *d = &o->subsets->done[k];
        fputs(k ? ", " : "", f);
        rct_cli_json_str(f, d->key);
        fputs(": [", f);
        for (long j = 0; j < d->count; j++)
            fprintf(f, "%s%ld", j ? ", " : "", d->idx[j]);
        fputc(']', f);
    }
    fputs("},\n", f);
}

void rct_cli_subsets_free(options *o)
{
    if (!o->subsets)
        return;
    for (int k = 0; k < o->subsets->n_done; k++) {
        free(o->subsets->done[k].key);
        free(o->subsets->done[k].idx);
    }
    free(o->subsets->done);
    free(o->subsets);
    o->subsets = NULL;
}

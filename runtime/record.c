/*
 * record.c -- what a network records and under which names: recording keys and the files they become, the
 * variables recorded (rectic_net_record, rectic_net_record_as), and the "POP/VAR" paths that name a
 * population's variable.
 */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netvals.h"
#include "popnet.h"

/* File names (without extension) that rectic writes itself: a recording may not take them.  A trailing '*'
   reserves every name with that prefix. */
static const struct {
    const char *name, *holds;
} reserved_files[] = {
    {"out", "the output variable (spec.output_var)"},
    {"time", "the time of each recorded row"},
    {"meta", "the record of the run (meta.json)"},
    {"spikes*", "the spikes"},
    {"readout", "the readout a fit writes"},
    {"y_fit", "the fitted outputs of a fit"},
};

int rct_valid_key(const char *key)
{
    if (!*key)
        return 0;
    for (const char *c = key; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '.' || *c == '-'))
            return 0;
    return 1;
}

char *rct_record_file_name(const char *name)
{
    if (strncmp(name, "all/", 4) == 0)
        name += 4;
    char *f = rct_strdup(name);
    for (char *p = f; p && *p; p++)
        if (*p == '/')
            *p = '_';
    return f;
}

const char *rct_reserved_file(const char *file)
{
    for (size_t i = 0; i < sizeof reserved_files / sizeof *reserved_files; i++) {
        const char *r = reserved_files[i].name;
        size_t len = strlen(r);
        if (r[len - 1] == '*' ? strncmp(file, r, len - 1) == 0 : strcmp(file, r) == 0)
            return reserved_files[i].holds;
    }
    return NULL;
}

int rct_pn_find(const rct_popnet *pn, const char *name, size_t len)
{
    for (int p = 0; p < pn->n_pops; p++)
        if (strlen(pn->names[p]) == len && strncmp(pn->names[p], name, len) == 0)
            return p;
    return -1;
}

int rct_pn_split(rectic_net *net, const char *path, const char *what, const char **rest)
{
    const char *slash = path ? strchr(path, '/') : NULL;
    if (!slash) {
        rct_errf(&net->err, RECTIC_EINVAL, "%s: '%s': expected POP/VAR or POP/OP/VAR", what, path ? path : "(null)");
        return -1;
    }
    int p = rct_pn_find(net->pn, path, (size_t)(slash - path));
    if (p < 0) {
        rct_buf names;
        rct_buf_init(&names);
        for (int q = 0; q < net->pn->n_pops; q++)
            rct_buf_printf(&names, "%s%s", q ? ", " : "", net->pn->names[q]);
        rct_errf(&net->err, RECTIC_EINVAL, "%s: '%s': unknown population '%.*s' (the network has: %s)", what, path,
                 (int)(slash - path), path, names.s ? names.s : "none");
        rct_buf_free(&names);
        return -1;
    }
    *rest = slash + 1;
    return p;
}

int rct_pn_result(rectic_net *net, int p, int rc)
{
    if (!rc) {
        net->dirty |= net->pn->pops[p]->dirty;
        net->err.code = 0;
        return 0;
    }
    const char *msg = net->pn->pops[p]->err.msg, *colon = strstr(msg, ": ");
    if (!strncmp(msg, "rectic_net_", 11) && colon && !memchr(msg, '/', (size_t)(colon - msg)))
        msg = colon + 2;
    return rct_errf(&net->err, rc, "population %s: %s", net->pn->names[p], msg);
}

/* Refuses a recording whose file would be one rectic writes itself or another recording's file. */
static int check_record_file(rectic_net *net, const char *name, const char *what, int keyed)
{
    char *file = rct_record_file_name(name), *other = NULL;
    if (!file)
        return rct_oom(&net->err);
    const char *holds = rct_reserved_file(file);
    int rc = 0;
    if (holds && keyed)
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: the key %s is reserved for %s (reserved names: out, time, meta, "
                                                "spikes*); choose another", what, name, holds);
    else if (holds)
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: its file %s.csv/.npy is reserved for %s (reserved names: out, "
                                                "time, meta, spikes*); record the variable under another spelling, "
                                                "e.g. OP/%s", what, file, holds, name);
    for (int k = 0; !rc && k < net->n_rec_vars; k++) {
        free(other);
        if (!(other = rct_record_file_name(net->rec_names[k])))
            rc = rct_oom(&net->err);
        else if (strcmp(other, file) == 0)
            rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: its file %s.csv/.npy is the file of rectic_net_record %s too; record "
                                                    "one of them only", what, file, net->rec_names[k]);
    }
    free(other);
    free(file);
    return rc;
}

int rct_net_record_key(rectic_net *net, const char *name, const char *key)
{
    char what[300];
    snprintf(what, sizeof what, "rectic_net_record %s", name ? name : "");
    int v = rct_net_find_var(net, name, what);
    if (v < 0)
        return net->err.code;
    if (net->model->vars[v].kind == RCT_VK_SPIKE)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: spikes are recorded as (step, neuron) pairs: use rectic_net_record_spikes",
                        what);
    if (check_record_file(net, key ? key : name, what, key != NULL))
        return net->err.code;
    int *rv = realloc(net->rec_vars, (size_t)(net->n_rec_vars + 1) * sizeof *rv);
    char **rn = realloc(net->rec_names, (size_t)(net->n_rec_vars + 1) * sizeof *rn);
    rct_subset *rs = realloc(net->rec_sub, (size_t)(net->n_rec_vars + 1) * sizeof *rs);
    if (rv)
        net->rec_vars = rv;
    if (rn)
        net->rec_names = rn;
    if (rs)
        net->rec_sub = rs;
    if (!rv || !rn || !rs || !(net->rec_names[net->n_rec_vars] = rct_strdup(key ? key : name)))
        return rct_oom(&net->err);
    net->rec_sub[net->n_rec_vars] = (rct_subset){NULL, 0}; /* every neuron */
    net->rec_vars[net->n_rec_vars++] = v;
    net->err.code = 0;
    return 0;
}

int rectic_net_record(rectic_net *net, const char *name)
{
    if (!net)
        return RECTIC_EINVAL;
    return net->pn ? rectic_net_record_as(net, name, NULL) : rct_net_record_key(net, name, NULL);
}

/* Is key taken by a recording of any population (or "out" by the output)? */
static int key_taken(const rct_popnet *pn, const char *key)
{
    if (strcmp(key, "out") == 0)
        return pn->out_pop >= 0;
    for (int p = 0; p < pn->n_pops; p++)
        for (int k = 0; k < pn->pops[p]->n_rec_vars; k++)
            if (strcmp(pn->pops[p]->rec_names[k], key) == 0)
                return 1;
    return 0;
}

/* Makes variable var of population p the network's output ("out"). */
static int record_out(rectic_net *net, int p, const char *var, const char *what)
{
    rectic_net *pop = net->pn->pops[p];
    int v = rct_model_find(pop->model, var, NULL, what, &net->err);
    if (v < 0)
        return net->err.code;
    if (pop->model->vars[v].kind == RCT_VK_SPIKE)
        return rct_errf(&net->err, RECTIC_EINVAL, "%s: spikes are written per population (spikes_POP)", what);
    pop->model->output = v;
    net->pn->out_pop = p;
    net->err.code = 0;
    return 0;
}

int rectic_net_record_as(rectic_net *net, const char *path, const char *key)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!net->pn)
        return key ? rct_errf(&net->err, RECTIC_EINVAL, "a key (KEY=VAR) is for networks of populations; record '%s' "
                                                        "with rectic_net_record", path ? path : "(null)")
                   : rct_net_record_key(net, path, NULL);
    char what[400];
    snprintf(what, sizeof what, "record %s%s%s", key ? key : "", key ? "=" : "", path ? path : "(null)");
    const char *var;
    int p = rct_pn_split(net, path, what, &var);
    if (p < 0)
        return net->err.code;
    char *name = key ? rct_strdup(key) : rct_record_file_name(path);
    if (!name)
        return rct_oom(&net->err);
    int rc = 0;
    if (!rct_valid_key(name))
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: the key '%s' must be letters, digits, '_', '.' or '-'", what, name);
    else if (key_taken(net->pn, name))
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: the key '%s' is taken by another recording", what, name);
    else if (strcmp(name, "out") == 0)
        rc = record_out(net, p, var, what);
    else if (rct_reserved_file(name))
        rc = rct_errf(&net->err, RECTIC_EINVAL, "%s: the key '%s' is reserved for %s (reserved: out, time, meta, "
                      "spikes*)", what, name, rct_reserved_file(name));
    else if ((rc = rct_net_record_key(net->pn->pops[p], var, name)))
        rc = rct_pn_result(net, p, rc);
    free(name);
    if (!rc)
        net->err.code = 0;
    return rc;
}

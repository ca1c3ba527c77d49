/*
 * netspec_layers.c -- a netspec's input layer and readout (a network file's input_layer: and readout:
 * entries; SEMANTICS §10): checked as far as the spec allows (paths, shapes, finite numbers), applied when
 * the network is built (layers.c: rct_layers_from_netspec).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "netspec.h"

/* Fills l from path (its population checked), w (rows x cols, finite, copied) and act. */
static int set_layer(rectic_netspec *ns, rct_netlayer *l, const char *what, const char *path, const double *w,
                     long rows, long cols, int act, rct_netvar *v)
{
    int pop;
    if (rct_ns_parse_path(ns, path, &pop, v, RCT_NSF_PATH, what))
        return ns->err.code;
    if (!w || rows < 1 || cols < 1) {
        rct_ns_var_free(v);
        return rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL, "%s: no weights (expected a matrix of at least one row "
                                                              "and column)", what);
    }
    for (long i = 0; i < rows * cols; i++)
        if (!isfinite(w[i])) {
            rct_ns_var_free(v);
            return rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL, "%s: weights entry (%ld, %ld) is not a finite number",
                               what, i / cols, i % cols);
        }
    char *copy_path = rct_strdup(path);
    double *copy = malloc(sizeof(double) * (size_t)(rows * cols));
    if (!copy_path || !copy) {
        free(copy_path);
        free(copy);
        rct_ns_var_free(v);
        return rct_ns_oom(ns);
    }
    memcpy(copy, w, sizeof(double) * (size_t)(rows * cols));
    rct_ns_layer_free(l);
    *l = (rct_netlayer){1, copy_path, pop, copy, rows, cols, act, {0, 0}, {0, 0}};
    return RECTIC_OK;
}

int rectic_netspec_input_layer(rectic_netspec *ns, const char *target, const double *w, long rows, long cols)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    rct_netlayer l = {0};
    rct_netvar v;
    int rc = set_layer(ns, &l, "input_layer: target", target, w, rows, cols, 0, &v);
    if (rc)
        return rc;
    const rct_netpop *p = &ns->pops[l.pop];
    if (rows != p->n)
        rc = rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL, "input_layer: weights of %ld x %ld, expected %ld rows (one "
                         "per unit of population %s, row i = unit i) and a column per input", rows, cols, p->n, p->name);
    else if (p->has_input && strcmp(p->input.text, v.text) != 0)
        rc = rct_ns_fail(ns, RCT_NSF_PATH, RECTIC_EINVAL, "input_layer: target %s, but population %s's input is %s",
                         target, p->name, p->input.text);
    else if (!p->has_input) /* the target becomes the population's input variable */
        rc = rectic_netspec_input(ns, p->name, v.text);
    rct_ns_var_free(&v);
    if (rc) {
        rct_ns_layer_free(&l);
        return rc;
    }
    rct_ns_layer_free(&ns->input_layer);
    ns->input_layer = l;
    return RECTIC_OK;
}

int rectic_netspec_readout(rectic_netspec *ns, const char *source, const double *w, long rows, long cols,
                           rectic_activation act)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    if ((int)act < RECTIC_ACT_IDENTITY || (int)act > RECTIC_ACT_LOG_SOFTMAX)
        return rct_ns_fail(ns, RCT_NSF_VALUES, RECTIC_EINVAL, "readout: activation: unknown activation %d", (int)act);
    rct_netlayer l = {0};
    rct_netvar v;
    int rc = set_layer(ns, &l, "readout: source", source, w, rows, cols, (int)act, &v);
    if (rc)
        return rc;
    rct_ns_var_free(&v);
    long n = ns->pops[l.pop].n;
    if (cols != n && cols != n + 1) {
        rc = rct_ns_fail(ns, RCT_NSF_WEIGHTS, RECTIC_EINVAL, "readout: weights of %ld x %ld, expected k x %ld (a column "
                         "per unit of population %s) or k x %ld (the intercept as the last column)", rows, cols, n,
                         ns->pops[l.pop].name, n + 1);
        rct_ns_layer_free(&l);
        return rc;
    }
    rct_ns_layer_free(&ns->readout);
    ns->readout = l;
    return RECTIC_OK;
}

int rectic_netspec_get_input_layer(const rectic_netspec *ns, const char **target, const double **w, long *rows,
                                   long *cols)
{
    if (!ns)
        return -1;
    const rct_netlayer *l = &ns->input_layer;
    if (target)
        *target = l->path;
    if (w)
        *w = l->w;
    if (rows)
        *rows = l->rows;
    if (cols)
        *cols = l->cols;
    return l->present;
}

int rectic_netspec_get_readout(const rectic_netspec *ns, const char **source, const double **w, long *rows,
                               long *cols, rectic_activation *act)
{
    if (!ns)
        return -1;
    const rct_netlayer *l = &ns->readout;
    if (source)
        *source = l->path;
    if (w)
        *w = l->w;
    if (rows)
        *rows = l->rows;
    if (cols)
        *cols = l->cols;
    if (act)
        *act = (rectic_activation)l->act;
    return l->present;
}

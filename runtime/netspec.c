/*
 * netspec.c -- building a network description (rectic_netspec): populations, their inputs, spike rules
 * and set values, projections and template folders, each checked as far as possible without templates.
 *
 * Reading a spec back is in netspec_get.c; reading a network file into one is generator/netfile.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netspec.h"

/* Clears the last call's error. */
void rct_ns_begin(rectic_netspec *ns)
{
    ns->err.code = RECTIC_OK;
    ns->err.msg[0] = '\0';
    ns->bad_field = RCT_NSF_NONE;
}

/* Records an error about argument `field` and returns code. */
int rct_ns_fail(rectic_netspec *ns, int field, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ns->err.msg, sizeof ns->err.msg, fmt, ap);
    va_end(ap);
    ns->err.code = code;
    ns->bad_field = field;
    return code;
}

/* Out of memory, on the handle. */
int rct_ns_oom(rectic_netspec *ns)
{
    ns->bad_field = RCT_NSF_NONE;
    return rct_oom(&ns->err);
}

/* Whether s is a name: [A-Za-z_][A-Za-z0-9_]*. */
static int is_name(const char *s, size_t len)
{
    if (len == 0 || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

static void var_free(rct_netvar *v)
{
    free(v->text);
    free(v->op);
    free(v->var);
    memset(v, 0, sizeof *v);
}

/* Splits "var" or "op/var" into v (what: the argument's name in messages). */
static int parse_var(rectic_netspec *ns, const char *text, rct_netvar *v, int field, const char *what)
{
    memset(v, 0, sizeof *v);
    if (!text)
        return rct_ns_fail(ns, field, RECTIC_EINVAL, "%s: no variable given", what);
    const char *slash = strchr(text, '/');
    const char *var = slash ? slash + 1 : text;
    if ((slash && !is_name(text, (size_t)(slash - text))) || !is_name(var, strlen(var)))
        return rct_ns_fail(ns, field, RECTIC_EINVAL, "%s '%s': expected VAR or OP/VAR (names of letters, digits and _)",
                    what, text);
    v->text = rct_strdup(text);
    v->var = rct_strdup(var);
    v->op = slash ? rct_strndup(text, (size_t)(slash - text)) : NULL;
    if (!v->text || !v->var || (slash && !v->op)) {
        var_free(v);
        return rct_ns_oom(ns);
    }
    return RECTIC_OK;
}

/* Index of population name[0..len), or -1. */
static int find_pop(const rectic_netspec *ns, const char *name, size_t len)
{
    for (size_t i = 0; i < ns->n_pops; i++)
        if (strlen(ns->pops[i].name) == len && memcmp(ns->pops[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

/* The population called name, or an error (what: the argument's name in messages). */
static rct_netpop *need_pop(rectic_netspec *ns, const char *name, const char *what)
{
    int i = name ? find_pop(ns, name, strlen(name)) : -1;
    if (i < 0) {
        rct_ns_fail(ns, RCT_NSF_POP, RECTIC_EINVAL, "%s: unknown population '%s'", what, name ? name : "(null)");
        return NULL;
    }
    return &ns->pops[i];
}

/* Splits "pop/var" or "pop/op/var" into a population index and a variable. */
static int parse_path(rectic_netspec *ns, const char *path, int *pop, rct_netvar *v, int field, const char *what)
{
    const char *slash = path ? strchr(path, '/') : NULL;
    if (!slash)
        return rct_ns_fail(ns, field, RECTIC_EINVAL, "%s '%s': expected POP/VAR or POP/OP/VAR", what, path ? path : "(null)");
    const char *rest = slash + 1;
    const char *second = strchr(rest, '/');
    if (!is_name(path, (size_t)(slash - path)) || (second && !is_name(rest, (size_t)(second - rest))) ||
        !is_name(second ? second + 1 : rest, strlen(second ? second + 1 : rest)))
        return rct_ns_fail(ns, field, RECTIC_EINVAL, "%s '%s': expected POP/VAR or POP/OP/VAR (names of letters, digits and _)",
                    what, path);
    *pop = find_pop(ns, path, (size_t)(slash - path));
    if (*pop < 0)
        return rct_ns_fail(ns, field, RECTIC_EINVAL, "%s '%s': unknown population '%.*s'", what, path, (int)(slash - path),
                    path);
    return parse_var(ns, rest, v, field, what);
}

int rct_ns_parse_path(rectic_netspec *ns, const char *path, int *pop, rct_netvar *v, int field, const char *what)
{
    return parse_path(ns, path, pop, v, field, what);
}

void rct_ns_var_free(rct_netvar *v)
{
    var_free(v);
}

/* Whether x is a finite number >= 0. */
static int ok_delay(double x)
{
    return isfinite(x) && x >= 0;
}

int rectic_netspec_new(rectic_netspec **out)
{
    if (!out)
        return RECTIC_EINVAL;
    *out = calloc(1, sizeof **out);
    return *out ? RECTIC_OK : RECTIC_ENOMEM;
}

/* Frees a population's strings and sets. */
static void pop_free(rct_netpop *p)
{
    free(p->name);
    free(p->template_ref);
    free(p->op);
    var_free(&p->input);
    var_free(&p->spike_var);
    var_free(&p->spike_def);
    for (size_t k = 0; k < p->n_sets; k++) {
        var_free(&p->sets[k].ref);
        free(p->sets[k].values);
    }
    free(p->sets);
}

/* Frees a projection's strings and weights. */
static void proj_free(rct_netproj *q)
{
    free(q->src_path);
    free(q->tgt_path);
    var_free(&q->src_var);
    var_free(&q->tgt_var);
    free(q->w);
    free(q->file);
}

/* Frees a layer's path and weights and empties it. */
void rct_ns_layer_free(rct_netlayer *l)
{
    free(l->path);
    free(l->w);
    memset(l, 0, sizeof *l);
}

void rectic_netspec_free(rectic_netspec *ns)
{
    if (!ns)
        return;
    for (size_t i = 0; i < ns->n_pops; i++)
        pop_free(&ns->pops[i]);
    for (size_t k = 0; k < ns->n_projs; k++)
        proj_free(&ns->projs[k]);
    for (size_t i = 0; i < ns->n_template_path; i++)
        free(ns->template_path[i]);
    free(ns->pops);
    free(ns->projs);
    free(ns->template_path);
    free(ns->file);
    rct_ns_layer_free(&ns->input_layer);
    rct_ns_layer_free(&ns->readout);
    free(ns);
}

const char *rectic_netspec_errmsg(const rectic_netspec *ns)
{
    if (!ns)
        return "no network (NULL handle)";
    return ns->err.code ? ns->err.msg : "no error";
}

int rectic_netspec_population(rectic_netspec *ns, const char *name, const char *template_ref, const char *op, long n)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    if (!name || !is_name(name, strlen(name)))
        return rct_ns_fail(ns, RCT_NSF_NAME, RECTIC_EINVAL,
                    "population name '%s': expected letters, digits and _, not starting with a digit",
                    name ? name : "(null)");
    if (find_pop(ns, name, strlen(name)) >= 0)
        return rct_ns_fail(ns, RCT_NSF_NAME, RECTIC_EINVAL, "population '%s' is defined twice", name);
    if (!template_ref || !*template_ref)
        return rct_ns_fail(ns, RCT_NSF_TEMPLATE, RECTIC_EINVAL, "population '%s': no template given", name);
    if (op && !is_name(op, strlen(op)))
        return rct_ns_fail(ns, RCT_NSF_OP, RECTIC_EINVAL, "population '%s': operator '%s' is not a name", name, op);
    if (n < 1)
        return rct_ns_fail(ns, RCT_NSF_N, RECTIC_EINVAL, "population '%s': n must be at least 1, got %ld", name, n);
    if (ns->n_pops >= INT32_MAX || rct_grow(&ns->pops, &ns->cap_pops, ns->n_pops + 1, sizeof *ns->pops))
        return rct_ns_oom(ns);
    rct_netpop *p = &ns->pops[ns->n_pops];
    memset(p, 0, sizeof *p);
    p->name = rct_strdup(name);
    p->template_ref = rct_strdup(template_ref);
    p->op = op ? rct_strdup(op) : NULL;
    p->n = n;
    p->threshold = RECTIC_NETSPEC_THRESHOLD;
    p->reset = RECTIC_NETSPEC_RESET;
    if (!p->name || !p->template_ref || (op && !p->op)) {
        pop_free(p);
        return rct_ns_oom(ns);
    }
    ns->n_pops++;
    return RECTIC_OK;
}

int rectic_netspec_input(rectic_netspec *ns, const char *pop, const char *var)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    rct_netpop *p = need_pop(ns, pop, "input");
    rct_netvar v;
    if (!p || parse_var(ns, var, &v, RCT_NSF_VAR, "input"))
        return ns->err.code;
    var_free(&p->input);
    p->input = v;
    p->has_input = 1;
    return RECTIC_OK;
}

int rectic_netspec_spikes(rectic_netspec *ns, const char *pop, const char *var, const char *def, double threshold,
                          double reset)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    rct_netpop *p = need_pop(ns, pop, "spike rule");
    if (!p)
        return ns->err.code;
    if (!isfinite(threshold))
        return rct_ns_fail(ns, RCT_NSF_THRESHOLD, RECTIC_EINVAL, "population '%s': spike threshold must be a finite number",
                    p->name);
    if (!isfinite(reset))
        return rct_ns_fail(ns, RCT_NSF_RESET, RECTIC_EINVAL, "population '%s': spike reset must be a finite number", p->name);
    rct_netvar sv, sd;
    if (parse_var(ns, var, &sv, RCT_NSF_VAR, "spike var"))
        return ns->err.code;
    if (parse_var(ns, def, &sd, RCT_NSF_DEF, "spike def")) {
        var_free(&sv);
        return ns->err.code;
    }
    var_free(&p->spike_var);
    var_free(&p->spike_def);
    p->spike_var = sv;
    p->spike_def = sd;
    p->threshold = threshold;
    p->reset = reset;
    p->spiking = 1;
    return RECTIC_OK;
}

/* Checks that count values fit population p and are finite (what: where they come from). */
static int check_values(rectic_netspec *ns, const rct_netpop *p, const char *what, const double *values, long count)
{
    if (count != 1 && count != p->n)
        return rct_ns_fail(ns, RCT_NSF_VALUES, RECTIC_EINVAL, "%s: expected 1 value or %ld (one per unit of %s), got %ld",
                    what, p->n, p->name, count);
    if (!values)
        return rct_ns_fail(ns, RCT_NSF_VALUES, RECTIC_EINVAL, "%s: no values given", what);
    for (long i = 0; i < count; i++)
        if (!isfinite(values[i]))
            return rct_ns_fail(ns, RCT_NSF_VALUES, RECTIC_EINVAL, "%s: value %ld is not a finite number", what, i + 1);
    return RECTIC_OK;
}

int rectic_netspec_set(rectic_netspec *ns, const char *path, const double *values, long count)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    int pi;
    rct_netvar v;
    if (parse_path(ns, path, &pi, &v, RCT_NSF_PATH, "set"))
        return ns->err.code;
    rct_netpop *p = &ns->pops[pi];
    char what[300];
    snprintf(what, sizeof what, "set %s", path);
    double *copy = malloc((size_t)(count > 0 ? count : 1) * sizeof *copy);
    if (check_values(ns, p, what, values, count) || !copy ||
        rct_grow(&p->sets, &p->cap_sets, p->n_sets + 1, sizeof *p->sets)) {
        int rc = ns->err.code ? ns->err.code : rct_ns_oom(ns);
        var_free(&v);
        free(copy);
        return rc;
    }
    memcpy(copy, values, (size_t)count * sizeof *copy);
    rct_netset *s = &p->sets[p->n_sets++];
    s->ref = v;
    s->values = copy;
    s->count = count;
    return RECTIC_OK;
}

int rectic_netspec_template_path(rectic_netspec *ns, const char *dir)
{
    if (!ns)
        return RECTIC_EINVAL;
    rct_ns_begin(ns);
    if (!dir || !*dir)
        return rct_ns_fail(ns, RCT_NSF_PATH, RECTIC_EINVAL, "template path: no folder given");
    char *copy = rct_strdup(dir);
    if (!copy || rct_grow(&ns->template_path, &ns->cap_template_path, ns->n_template_path + 1,
                          sizeof *ns->template_path)) {
        free(copy);
        return rct_ns_oom(ns);
    }
    ns->template_path[ns->n_template_path++] = copy;
    return RECTIC_OK;
}

void rct_netspec_where(const rectic_netspec *ns, rct_netpos at, char *out, size_t size)
{
    if (ns && ns->file && at.line > 0)
        snprintf(out, size, "%s:%d:%d: ", ns->file, at.line, at.col);
    else if (size)
        out[0] = '\0';
}

long rct_delay_steps(double delay, double dt)
{
    if (!(dt > 0) || !isfinite(dt) || !ok_delay(delay))
        return -1;
    double d = nearbyint(delay / dt);
    if (!(d < 9.2e18))
        return -1;
    return (long)d;
}

/* ----- projections ----- */

/* Starts projection source -> target: parses both paths and the delay into a zeroed q. */
int rct_ns_proj_begin(rectic_netspec *ns, rct_netproj *q, const char *source, const char *target, double delay)
{
    memset(q, 0, sizeof *q);
    if (parse_path(ns, source, &q->src, &q->src_var, RCT_NSF_SOURCE, "projection source") ||
        parse_path(ns, target, &q->tgt, &q->tgt_var, RCT_NSF_TARGET, "projection target"))
        return ns->err.code;
    if (!ok_delay(delay))
        return rct_ns_fail(ns, RCT_NSF_DELAY, RECTIC_EINVAL, "projection %s -> %s: delay must be a finite number >= 0, got %g",
                    source, target, delay);
    q->src_path = rct_strdup(source);
    q->tgt_path = rct_strdup(target);
    if (!q->src_path || !q->tgt_path)
        return rct_ns_oom(ns);
    q->delay = delay;
    return RECTIC_OK;
}

/* Appends q, or frees it when rc reports a failure; returns rc. */
int rct_ns_proj_end(rectic_netspec *ns, rct_netproj *q, int rc)
{
    if (!rc && rct_grow(&ns->projs, &ns->cap_projs, ns->n_projs + 1, sizeof *ns->projs))
        rc = rct_ns_oom(ns);
    if (rc) {
        proj_free(q);
        return rc;
    }
    ns->projs[ns->n_projs++] = *q;
    return RECTIC_OK;
}

/*
 * netfile.c -- reading a network file (YAML: populations and projections) into a rectic_netspec.
 *
 *   populations:
 *     E: {template: pkg.file.tmpl, op: qif_op, n: 800, input: I_ext,
 *         spike: {var: spike, def: v, threshold: 100, reset: -100}, set: {eta: "@eta.csv", alpha: 0.5}}
 *   projections:
 *     - {source: E/s, target: E/s_in, weights: J.npy, delay: 0.002}   # or weights-coo: FILE, weight: W
 *   input_layer: {target: E/I_ext, weights: W_in.csv}                  # optional (SEMANTICS 10)
 *   readout: {source: E/s, weights: W_out.csv, activation: tanh}        # optional
 *
 * The builder (runtime/netspec.c) checks what it is given; this file checks the YAML (keys, kinds,
 * numbers), reads the matrix and value files (relative to the network file's folder) and turns every
 * error into "FILE:LINE:COL: ..." at the key or value it is about.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_file.h"
#include "io_yaml.h"
#include "netfile.h"
#include "netspec.h"

/* The reader's context: the spec being filled, the file's name (for messages) and its folder. */
typedef struct nfile {
    rectic_netspec *ns;
    const char *file;
    char *dir;             /* the network file's folder ("." for a bare name) */
} nfile;

static const char *const POP_KEYS[] = {"template", "op", "n", "input", "spike", "set", NULL};
static const char *const SPIKE_KEYS[] = {"var", "def", "threshold", "reset", NULL};
static const char *const PROJ_KEYS[] = {"source", "target", "weights", "weights-coo", "weight", "delay", NULL};
static const char *const TOP_KEYS[] = {"populations", "projections", "input_layer", "readout", NULL};
static const char *const INPUT_LAYER_KEYS[] = {"target", "weights", NULL};
static const char *const READOUT_KEYS[] = {"source", "weights", "activation", NULL};

/* Leaves "FILE:LINE:COL: message" at node n on the spec; returns code. */
static int at_err(nfile *F, const rct_ynode *n, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int at_err(nfile *F, const rct_ynode *n, int code, const char *fmt, ...)
{
    char msg[1800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    F->ns->bad_field = RCT_NSF_NONE;
    return rct_errf(&F->ns->err, code, "%s:%d:%d: %s", F->file, n->line, n->col, msg);
}

/* Puts node n's position (and an optional "name: " label) in front of the builder's last message. */
static int at_builder(nfile *F, const rct_ynode *n, const char *label)
{
    char msg[sizeof F->ns->err.msg];
    snprintf(msg, sizeof msg, "%s", F->ns->err.msg);
    int code = F->ns->err.code;
    if (code == RECTIC_ENOMEM)
        return code;
    return at_err(F, n, code, "%s%s%s", label ? label : "", label ? ": " : "", msg);
}

/* Checks that every key of map is one of allowed (what: the map's name in messages). */
static int check_keys(nfile *F, const rct_ynode *map, const char *const *allowed, const char *what)
{
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->keys[i]->str;
        size_t a = 0;
        while (allowed[a] && strcmp(allowed[a], k) != 0)
            a++;
        if (allowed[a])
            continue;
        char list[256] = "";
        for (a = 0; allowed[a]; a++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", a ? ", " : "", allowed[a]);
        return at_err(F, map->keys[i], RECTIC_EINVAL, "unknown key '%s' in %s (expected %s)", k, what, list);
    }
    return RECTIC_OK;
}

/* Checks the kind of node n (what: its name in messages). */
static int check_kind(nfile *F, const rct_ynode *n, rct_ykind kind, const char *what)
{
    if (n->kind == kind)
        return RECTIC_OK;
    return at_err(F, n, RECTIC_EINVAL, "%s: expected %s, got %s", what, rct_ykind_name(kind), rct_ykind_name(n->kind));
}

/* The scalar value of a required key, or an error at the map. */
static const rct_ynode *need_scalar(nfile *F, const rct_ynode *map, const char *key, const char *what)
{
    const rct_ynode *v = rct_ymap_get(map, key);
    if (!v) {
        at_err(F, map, RECTIC_EINVAL, "%s: missing key '%s'", what, key);
        return NULL;
    }
    char name[300];
    snprintf(name, sizeof name, "%s: %s", what, key);
    return check_kind(F, v, RCT_Y_SCALAR, name) ? NULL : v;
}

/* An unquoted finite number. */
static int get_number(nfile *F, const rct_ynode *n, const char *what, double *out)
{
    char *end = NULL;
    errno = 0;
    double x = n->kind == RCT_Y_SCALAR && !n->quoted && *n->str ? strtod(n->str, &end) : NAN;
    if (!end || *end || !isfinite(x) || errno == ERANGE)
        return at_err(F, n, RECTIC_EINVAL, "%s: expected a finite number, got %s%s%s", what,
                      n->kind == RCT_Y_SCALAR ? "'" : "", n->kind == RCT_Y_SCALAR ? n->str : rct_ykind_name(n->kind),
                      n->kind == RCT_Y_SCALAR ? "'" : "");
    *out = x;
    return RECTIC_OK;
}

/* An unquoted whole number. */
static int get_long(nfile *F, const rct_ynode *n, const char *what, long *out)
{
    char *end = NULL;
    errno = 0;
    long x = !n->quoted && *n->str ? strtol(n->str, &end, 10) : 0;
    if (!end || *end || errno == ERANGE)
        return at_err(F, n, RECTIC_EINVAL, "%s: expected a whole number, got '%s'", what, n->str);
    *out = x;
    return RECTIC_OK;
}

/* A file named in the network file: absolute, or relative to its folder.  Malloc'd, or NULL. */
static char *file_path(const nfile *F, const char *name)
{
    if (name[0] == '/' || strcmp(F->dir, ".") == 0)
        return rct_strdup(name);
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_printf(&b, "%s/%s", F->dir, name);
    return rct_buf_take(&b);
}

/* Reads the matrix file named by scalar n (what: the key, for messages); reader errors at n. */
static int read_file(nfile *F, const rct_ynode *n, const char *name, const char *what, rct_matrix *m)
{
    memset(m, 0, sizeof *m);
    if (!*name)
        return at_err(F, n, RECTIC_EINVAL, "%s: expected a file name", what);
    char *path = file_path(F, name);
    if (!path)
        return rct_oom(&F->ns->err);
    rct_err err = {0, ""};
    int rc = rct_matrix_read(path, m, &err);
    free(path);
    if (rc)
        return at_err(F, n, rc, "%s: %s", what, err.msg);
    return RECTIC_OK;
}

/* Reads spike: {var, def, threshold, reset} of population pop. */
static int read_spike(nfile *F, const char *pop, const rct_ynode *sp)
{
    char what[300];
    snprintf(what, sizeof what, "population %s: spike", pop);
    if (check_kind(F, sp, RCT_Y_MAP, what) || check_keys(F, sp, SPIKE_KEYS, what))
        return F->ns->err.code;
    const rct_ynode *var = need_scalar(F, sp, "var", what), *def = var ? need_scalar(F, sp, "def", what) : NULL;
    const rct_ynode *th = rct_ymap_get(sp, "threshold"), *re = rct_ymap_get(sp, "reset");
    double threshold = RECTIC_NETSPEC_THRESHOLD, reset = RECTIC_NETSPEC_RESET;
    if (!def || (th && get_number(F, th, "spike threshold", &threshold)) || (re && get_number(F, re, "spike reset", &reset)))
        return F->ns->err.code;
    if (rectic_netspec_spikes(F->ns, pop, var->str, def->str, threshold, reset)) {
        int f = F->ns->bad_field;
        return at_builder(F, f == RCT_NSF_DEF ? def : f == RCT_NSF_THRESHOLD ? th : f == RCT_NSF_RESET ? re : var, NULL);
    }
    rct_netpop *p = &F->ns->pops[F->ns->n_pops - 1];
    p->at_spike = (rct_netpos){sp->line, sp->col};
    p->spike_var.at = (rct_netpos){var->line, var->col};
    p->spike_def.at = (rct_netpos){def->line, def->col};
    return RECTIC_OK;
}

/* Reads one set: entry (key: var or op/var; value: a number or "@FILE" with one value per unit). */
static int read_set(nfile *F, rct_netpop *p, const rct_ynode *key, const rct_ynode *val)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", p->name, key->str);
    rct_matrix m = {0, 0, NULL};
    double one;
    int rc;
    if (val->kind == RCT_Y_SCALAR && val->str[0] == '@') {
        if ((rc = read_file(F, val, val->str + 1, path, &m)))
            return rc;
        if ((m.rows != 1 && m.cols != 1) || m.rows * m.cols != p->n) {
            long rows = m.rows, cols = m.cols;
            rct_matrix_free(&m);
            return at_err(F, val, RECTIC_EINVAL, "%s: %s holds %ld x %ld values, expected a column or a row of %ld "
                          "(one per unit of %s)", path, val->str + 1, rows, cols, p->n, p->name);
        }
        rc = rectic_netspec_set(F->ns, path, m.data, p->n);
    } else {
        if (val->kind != RCT_Y_SCALAR || val->quoted)
            return at_err(F, val, RECTIC_EINVAL, "set %s: expected a number or \"@FILE\"", path);
        if ((rc = get_number(F, val, path, &one)))
            return rc;
        rc = rectic_netspec_set(F->ns, path, &one, 1);
    }
    rct_matrix_free(&m);
    if (rc)
        return at_builder(F, F->ns->bad_field == RCT_NSF_VALUES ? val : key, NULL);
    p->sets[p->n_sets - 1].ref.at = (rct_netpos){key->line, key->col};
    return RECTIC_OK;
}

/* Reads the optional input, spike and set entries of population p (map pm). */
static int read_pop_rest(nfile *F, const rct_ynode *pm, rct_netpop *p)
{
    const rct_ynode *in = rct_ymap_get(pm, "input"), *sp = rct_ymap_get(pm, "spike"), *set = rct_ymap_get(pm, "set");
    char what[300];
    snprintf(what, sizeof what, "population %s: input", p->name);
    if (in && check_kind(F, in, RCT_Y_SCALAR, what))
        return F->ns->err.code;
    if (in && rectic_netspec_input(F->ns, p->name, in->str))
        return at_builder(F, in, NULL);
    if (in)
        p->input.at = (rct_netpos){in->line, in->col};
    if (sp && read_spike(F, p->name, sp))
        return F->ns->err.code;
    snprintf(what, sizeof what, "population %s: set", p->name);
    if (set && check_kind(F, set, RCT_Y_MAP, what))
        return F->ns->err.code;
    for (size_t k = 0; set && k < set->n; k++)
        if (read_set(F, p, set->keys[k], set->vals[k]))
            return F->ns->err.code;
    return RECTIC_OK;
}

/* Reads population `name: {template, op, n, input, spike, set}`. */
static int read_population(nfile *F, const rct_ynode *key, const rct_ynode *pm)
{
    char what[300];
    snprintf(what, sizeof what, "population %s", key->str);
    if (check_kind(F, pm, RCT_Y_MAP, what) || check_keys(F, pm, POP_KEYS, what))
        return F->ns->err.code;
    const rct_ynode *tmpl = need_scalar(F, pm, "template", what), *nn = tmpl ? need_scalar(F, pm, "n", what) : NULL;
    const rct_ynode *op = rct_ymap_get(pm, "op");
    long n = 0;
    if (!nn || (op && check_kind(F, op, RCT_Y_SCALAR, "op")) || get_long(F, nn, "n", &n))
        return F->ns->err.code;
    if (rectic_netspec_population(F->ns, key->str, tmpl->str, op ? op->str : NULL, n)) {
        int f = F->ns->bad_field;
        return at_builder(F, f == RCT_NSF_TEMPLATE ? tmpl : f == RCT_NSF_OP ? op : f == RCT_NSF_N ? nn : key, NULL);
    }
    rct_netpop *p = &F->ns->pops[F->ns->n_pops - 1];
    p->at_name = (rct_netpos){key->line, key->col};
    p->at_template = (rct_netpos){tmpl->line, tmpl->col};
    p->at_n = (rct_netpos){nn->line, nn->col};
    if (op)
        p->at_op = (rct_netpos){op->line, op->col};
    return read_pop_rest(F, pm, p);
}

/* The weights entry of projection map q: exactly one of weights, weights-coo, weight (a second one is
   reported at its key, in file order). */
static int weights_key(nfile *F, const rct_ynode *q, const char *what, const char **key)
{
    *key = NULL;
    for (size_t i = 0; i < q->n; i++) {
        const char *k = q->keys[i]->str;
        if (strcmp(k, "weights") != 0 && strcmp(k, "weights-coo") != 0 && strcmp(k, "weight") != 0)
            continue;
        if (*key)
            return at_err(F, q->keys[i], RECTIC_EINVAL, "%s: '%s' and '%s' given, expected only one of "
                          "weights, weights-coo and weight", what, *key, k);
        *key = k;
    }
    if (!*key)
        return at_err(F, q, RECTIC_EINVAL, "%s: no weights, expected one of weights: FILE, weights-coo: FILE and "
                      "weight: NUMBER", what);
    return RECTIC_OK;
}

/* Adds projection q's weights (from wv, the value of `key`) through the builder: a scalar, or a file that
   is checked now and read again, straight into the kernel's layout, when the network is built. */
static int add_weights(nfile *F, const rct_ynode *wv, const char *key, const char *src, const char *tgt,
                       double delay)
{
    double w;
    if (strcmp(key, "weight") == 0)
        return get_number(F, wv, "weight", &w) ? F->ns->err.code : rectic_netspec_scalar(F->ns, src, tgt, w, delay);
    if (check_kind(F, wv, RCT_Y_SCALAR, key))
        return F->ns->err.code;
    if (!*wv->str)
        return at_err(F, wv, RECTIC_EINVAL, "%s: expected a file name", key);
    char *path = file_path(F, wv->str);
    if (!path)
        return rct_oom(&F->ns->err);
    int kind = strcmp(key, "weights") == 0 ? RECTIC_WEIGHTS_DENSE : RECTIC_WEIGHTS_COO;
    int rc = rct_netspec_file_proj(F->ns, kind, src, tgt, path, wv->str, delay);
    free(path);
    return rc;
}

/* Reads projection number idx (0-based): {source, target, weights | weights-coo | weight, delay}. */
static int read_projection(nfile *F, const rct_ynode *q, size_t idx)
{
    char what[64];
    snprintf(what, sizeof what, "projection %zu", idx + 1);
    if (check_kind(F, q, RCT_Y_MAP, what) || check_keys(F, q, PROJ_KEYS, what))
        return F->ns->err.code;
    const rct_ynode *src = need_scalar(F, q, "source", what), *tgt = src ? need_scalar(F, q, "target", what) : NULL;
    const rct_ynode *dv = rct_ymap_get(q, "delay");
    const char *key;
    double delay = 0.0;
    if (!tgt || weights_key(F, q, what, &key) || (dv && get_number(F, dv, "delay", &delay)))
        return F->ns->err.code;
    const rct_ynode *wv = rct_ymap_get(q, key);
    if (add_weights(F, wv, key, src->str, tgt->str, delay)) {
        if (F->ns->bad_field == RCT_NSF_NONE)
            return F->ns->err.code; /* a message with its position already, or out of memory */
        int f = F->ns->bad_field;
        const rct_ynode *at = f == RCT_NSF_SOURCE ? src : f == RCT_NSF_TARGET ? tgt : f == RCT_NSF_DELAY ? dv : wv;
        return at_builder(F, at, f == RCT_NSF_FILE ? key
                                 : f == RCT_NSF_WEIGHTS && wv->kind == RCT_Y_SCALAR && strcmp(key, "weight") ? wv->str
                                                                                                         : NULL);
    }
    rct_netproj *p = &F->ns->projs[F->ns->n_projs - 1];
    p->at = (rct_netpos){q->line, q->col};
    p->at_weights = (rct_netpos){wv->line, wv->col};
    if (dv)
        p->at_delay = (rct_netpos){dv->line, dv->col};
    p->src_var.at = (rct_netpos){src->line, src->col};
    p->tgt_var.at = (rct_netpos){tgt->line, tgt->col};
    return RECTIC_OK;
}

/* Reads input_layer: {target, weights} (readout 0) or readout: {source, weights, activation} (readout 1). */
static int read_layer(nfile *F, const rct_ynode *m, int readout)
{
    const char *what = readout ? "readout" : "input_layer";
    if (check_kind(F, m, RCT_Y_MAP, what) || check_keys(F, m, readout ? READOUT_KEYS : INPUT_LAYER_KEYS, what))
        return F->ns->err.code;
    const rct_ynode *path = need_scalar(F, m, readout ? "source" : "target", what);
    const rct_ynode *wv = path ? need_scalar(F, m, "weights", what) : NULL, *av = rct_ymap_get(m, "activation");
    int act = 0;
    if (!wv || (av && check_kind(F, av, RCT_Y_SCALAR, "readout: activation")))
        return F->ns->err.code;
    if (av && (act = rectic_activation_find(av->str)) < 0)
        return at_err(F, av, RECTIC_EINVAL, "readout: activation: expected identity, tanh, sigmoid, softmax, softmin "
                      "or log_softmax, got '%s'", av->str);
    rct_matrix w;
    if (read_file(F, wv, wv->str, "weights", &w))
        return F->ns->err.code;
    int rc = readout ? rectic_netspec_readout(F->ns, path->str, w.data, w.rows, w.cols, (rectic_activation)act)
                     : rectic_netspec_input_layer(F->ns, path->str, w.data, w.rows, w.cols);
    rct_matrix_free(&w);
    if (rc)
        return at_builder(F, F->ns->bad_field == RCT_NSF_WEIGHTS ? wv : path, NULL);
    rct_netlayer *l = readout ? &F->ns->readout : &F->ns->input_layer;
    l->at = (rct_netpos){path->line, path->col};
    l->at_weights = (rct_netpos){wv->line, wv->col};
    return RECTIC_OK;
}

/* Reads the document: populations (a non-empty map), then projections (a list, optional). */
static int read_doc(nfile *F, const rct_ydoc *doc)
{
    const rct_ynode *root = doc->root;
    if (!root)
        return rct_errf(&F->ns->err, RECTIC_EINVAL, "%s: empty file, expected populations: and projections:", F->file);
    if (check_kind(F, root, RCT_Y_MAP, "network file") || check_keys(F, root, TOP_KEYS, "a network file"))
        return F->ns->err.code;
    const rct_ynode *pops = rct_ymap_get(root, "populations"), *projs = rct_ymap_get(root, "projections");
    if (!pops)
        return at_err(F, root, RECTIC_EINVAL, "network file: missing key 'populations'");
    if (check_kind(F, pops, RCT_Y_MAP, "populations"))
        return F->ns->err.code;
    if (pops->n == 0)
        return at_err(F, pops, RECTIC_EINVAL, "populations: expected at least one population");
    for (size_t i = 0; i < pops->n; i++)
        if (read_population(F, pops->keys[i], pops->vals[i]))
            return F->ns->err.code;
    if (projs && check_kind(F, projs, RCT_Y_SEQ, "projections"))
        return F->ns->err.code;
    for (size_t k = 0; projs && k < projs->n; k++)
        if (read_projection(F, projs->vals[k], k))
            return F->ns->err.code;
    const rct_ynode *input_layer = rct_ymap_get(root, "input_layer"), *readout = rct_ymap_get(root, "readout");
    if ((input_layer && read_layer(F, input_layer, 0)) || (readout && read_layer(F, readout, 1)))
        return F->ns->err.code;
    return RECTIC_OK;
}

/* The folder of path ("." for a bare file name), malloc'd. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return rct_strdup(".");
    return slash == path ? rct_strdup("/") : rct_strndup(path, (size_t)(slash - path));
}

int rct_netfile_read(rectic_netspec *ns, const char *path)
{
    if (!ns)
        return RECTIC_EINVAL;
    if (!path || !*path)
        return rct_errf(&ns->err, RECTIC_EINVAL, "no network file given");
    nfile F = {ns, NULL, folder_of(path)};
    free(ns->file);
    ns->file = rct_strdup(path);
    if (!F.dir || !ns->file) {
        free(F.dir);
        return rct_oom(&ns->err);
    }
    F.file = ns->file;
    int rc = rectic_netspec_template_path(ns, F.dir);
    rct_ydoc *doc = NULL;
    if (!rc && !(rc = rct_yaml_load_file(path, &doc, &ns->err)))
        rc = read_doc(&F, doc);
    rct_yaml_free(doc);
    free(F.dir);
    return rc;
}

int rectic_netspec_load(rectic_netspec **out, const char *path)
{
    int rc = rectic_netspec_new(out);
    if (rc || !path)
        return rc ? rc : rct_errf(&(*out)->err, RECTIC_EINVAL, "no network file (NULL path)");
    return rct_netfile_read(*out, path);
}

int rct_netfile_is_yaml(const char *path)
{
    size_t len = path ? strlen(path) : 0;
    if (!((len > 5 && strcmp(path + len - 5, ".yaml") == 0) || (len > 4 && strcmp(path + len - 4, ".yml") == 0)))
        return 0;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int rct_netfile_detect(const char *path)
{
    if (!rct_netfile_is_yaml(path))
        return 0;
    rct_err err = {0, ""};
    rct_ydoc *doc = NULL;
    int yes = rct_yaml_load_file(path, &doc, &err) == 0 && doc->root && doc->root->kind == RCT_Y_MAP &&
              rct_ymap_get(doc->root, "populations") != NULL;
    rct_yaml_free(doc);
    return yes;
}

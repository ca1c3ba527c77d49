/*
 * rcase.h -- RectiPy reference cases (a directory with case.json and CSV files, ../shared/cases/README.md)
 * run through the public API on any backend, and compared with the expected files or with each other.
 * Header-only (static functions), shared by tests/check_cuda.c and tests/gpu/gpu_check.c; needs only
 * libc and rectic.h (a small JSON reader is included).
 */
#ifndef RCT_TESTS_RCASE_H
#define RCT_TESTS_RCASE_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rectic.h"

/* ---------------------------------------------------------------- a small JSON reader */

enum { RJ_NULL, RJ_BOOL, RJ_NUM, RJ_STR, RJ_ARR, RJ_OBJ };

typedef struct rjson {
    int type;
    double num;
    char *str;
    struct rjson *items; /* array elements or object values */
    char **keys;         /* object keys */
    int n;
} rjson;

/* Skips blanks. */
static inline const char *rj_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Parses a JSON string at p (after the quote); returns the end or NULL. */
static inline const char *rj_string(const char *p, char **out)
{
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    for (; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p == 'b' ? '\b' : *p == 'f' ? '\f' : *p;
            if (*p == 'u') { /* only ASCII matters here */
                c = '?';
                for (int k = 0; k < 4 && p[1]; k++)
                    p++;
            }
            if (!*p)
                break;
        }
        if (len + 2 > cap)
            s = realloc(s, cap *= 2);
        s[len++] = c;
    }
    s[len] = '\0';
    *out = s;
    return *p == '"' ? p + 1 : NULL;
}

/* Parses one value; returns the end or NULL. */
static inline const char *rj_value(const char *p, rjson *v)
{
    memset(v, 0, sizeof *v);
    p = rj_ws(p);
    if (*p == '{' || *p == '[') {
        int obj = *p == '{';
        char close = obj ? '}' : ']';
        v->type = obj ? RJ_OBJ : RJ_ARR;
        p = rj_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            v->items = realloc(v->items, (size_t)(v->n + 1) * sizeof *v->items);
            v->keys = realloc(v->keys, (size_t)(v->n + 1) * sizeof *v->keys);
            v->keys[v->n] = NULL;
            if (obj) {
                p = rj_ws(p);
                if (*p != '"' || !(p = rj_string(p + 1, &v->keys[v->n])))
                    return NULL;
                p = rj_ws(p);
                if (*p++ != ':')
                    return NULL;
            }
            if (!(p = rj_value(p, &v->items[v->n])))
                return NULL;
            v->n++;
            p = rj_ws(p);
            if (*p == ',')
                p++;
            else if (*p == close)
                return p + 1;
            else
                return NULL;
        }
    }
    if (*p == '"') {
        v->type = RJ_STR;
        return rj_string(p + 1, &v->str);
    }
    if (!strncmp(p, "null", 4))
        return v->type = RJ_NULL, p + 4;
    if (!strncmp(p, "true", 4))
        return v->type = RJ_BOOL, v->num = 1, p + 4;
    if (!strncmp(p, "false", 5))
        return v->type = RJ_BOOL, v->num = 0, p + 5;
    char *end;
    v->num = strtod(p, &end);
    v->type = RJ_NUM;
    return end == p ? NULL : end;
}

/* Frees what a value holds. */
static inline void rj_free(rjson *v)
{
    for (int k = 0; k < v->n; k++) {
        rj_free(&v->items[k]);
        free(v->keys[k]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

/* The member `key` of an object, or NULL. */
static inline const rjson *rj_get(const rjson *o, const char *key)
{
    for (int k = 0; o && o->type == RJ_OBJ && k < o->n; k++)
        if (!strcmp(o->keys[k], key))
            return &o->items[k];
    return NULL;
}

/* The string member `key`, or NULL (also for null). */
static inline const char *rj_str(const rjson *o, const char *key)
{
    const rjson *v = rj_get(o, key);
    return v && v->type == RJ_STR ? v->str : NULL;
}

/* The number member `key`, or def. */
static inline double rj_num(const rjson *o, const char *key, double def)
{
    const rjson *v = rj_get(o, key);
    return v && v->type == RJ_NUM ? v->num : def;
}

/* ---------------------------------------------------------------- cases */

#define RC_MAX_REC 16

/* What a run of a case produced (recordings as rows x n, spikes as (step, neuron) pairs). */
typedef struct rresult {
    int n_rec;
    char names[RC_MAX_REC][128]; /* "out", then the recorded variables */
    char files[RC_MAX_REC][256]; /* the expected file of each */
    double *data[RC_MAX_REC];
    long cols[RC_MAX_REC];       /* the columns of each (n, or a readout's outputs) */
    long rows, n;
    long *spikes;
    long n_spikes;
    int spiking, rate_node, f32;
    char coupling[32];           /* the strategy rectic chose (rectic_net_coupling) */
    double seconds;              /* time inside rectic_net_run */
} rresult;

/* Frees a result. */
static inline void rresult_free(rresult *r)
{
    for (int k = 0; k < r->n_rec; k++)
        free(r->data[k]);
    free(r->spikes);
    memset(r, 0, sizeof *r);
}

/* snprintf into msg and return -1. */
static inline int rc_fail(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formats msg; returns -1. */
static inline int rc_fail(char *msg, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, size, fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads dir/file as a matrix; NULL with msg on failure. */
static inline double *rc_read(const char *dir, const char *file, long *rows, long *cols, char *msg, size_t size)
{
    char path[4096];
    double *d = NULL;
    if (!file || !*file) {
        rc_fail(msg, size, "%s: a file name is missing in case.json", dir);
        return NULL;
    }
    snprintf(path, sizeof path, "%.3000s/%.1000s", dir, file);
    if (rectic_read_matrix(path, &d, rows, cols) != RECTIC_OK) {
        rc_fail(msg, size, "%s", rectic_last_error());
        return NULL;
    }
    return d;
}

/* Reads dir/case.json; NULL with msg on failure. */
static inline rjson *rc_load_json(const char *dir, char *msg, size_t size)
{
    char path[4096];
    snprintf(path, sizeof path, "%.4000s/case.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        rc_fail(msg, size, "%s: cannot open", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = calloc((size_t)len + 1, 1);
    if (fread(text, 1, (size_t)len, f) != (size_t)len)
        len = 0;
    fclose(f);
    rjson *root = calloc(1, sizeof *root);
    if (!len || !rj_value(text, root) || root->type != RJ_OBJ) {
        free(text);
        rj_free(root);
        free(root);
        rc_fail(msg, size, "%s: not a JSON object", path);
        return NULL;
    }
    free(text);
    return root;
}

/* Why the case in `dir` is not a single-template RectiPy case (a template and a weights file), or NULL
   when it is one: the same rule as tests/run_case.py's unsupported(). */
static inline const char *rcase_unsupported(const char *dir)
{
    char msg[512];
    rjson *c = rc_load_json(dir, msg, sizeof msg);
    if (!c)
        return NULL; /* rcase_run reports the unreadable file */
    const char *why = NULL;
    const char *kind = rj_str(c, "kind");
    if (kind && !strcmp(kind, "multipop"))
        why = "a network file of several populations (rnet.h runs it: tests/check_cudanet.c, tests/gpu)";
    else if (!rj_str(c, "template") || !rj_get(c, "weights"))
        why = "a PyRates CircuitTemplate (circuits on the CUDA backend: tests/check_circuit_cuda.c)";
    rj_free(c);
    free(c);
    return why;
}

/* The node of graph g labelled label, or NULL. */
static inline const rjson *rcase_node(const rjson *g, const char *label)
{
    const rjson *nodes = rj_get(g, "nodes");
    for (int k = 0; nodes && label && k < nodes->n; k++)
        if (rj_str(&nodes->items[k], "label") && !strcmp(rj_str(&nodes->items[k], "label"), label))
            return &nodes->items[k];
    return NULL;
}

/* A RectiPy graph's layers on net (SEMANTICS 10): the edge out of the function node without in-edges is the
   input layer, the edge into the function node without out-edges the readout (with that node's
   activation).  0, or -1 with msg. */
static inline int rcase_graph(rectic_net *net, const char *dir, const rjson *g, char *msg, size_t size)
{
    const rjson *edges = rj_get(g, "edges");
    for (int k = 0; edges && k < edges->n; k++) {
        const rjson *e = &edges->items[k];
        const char *src = rj_str(e, "source"), *tgt = rj_str(e, "target");
        int src_in = 0, tgt_out = 0;
        for (int j = 0; j < edges->n; j++) {
            src_in |= rj_str(&edges->items[j], "target") && src && !strcmp(rj_str(&edges->items[j], "target"), src);
            tgt_out |= rj_str(&edges->items[j], "source") && tgt && !strcmp(rj_str(&edges->items[j], "source"), tgt);
        }
        const rjson *sn = rcase_node(g, src), *tn = rcase_node(g, tgt);
        int input = !src_in && sn && rj_str(sn, "type") && !strcmp(rj_str(sn, "type"), "function");
        int readout = !tgt_out && tn && rj_str(tn, "type") && !strcmp(rj_str(tn, "type"), "function");
        if (!input && !readout)
            continue;
        long r, cc;
        double *w = rc_read(dir, rj_str(rj_get(e, "weights"), "file"), &r, &cc, msg, size);
        if (!w)
            return -1;
        const char *act = readout && rj_str(tn, "activation") ? rj_str(tn, "activation") : "identity";
        int rc = input ? rectic_net_input_weights(net, NULL, w, r, cc)
                       : rectic_net_readout(net, w, r, cc, (rectic_activation)rectic_activation_find(act));
        free(w);
        if (rc != RECTIC_OK)
            return rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
    }
    return 0;
}

/* Runs the case in `dir` on `backend` (device `device`, dtype of the case unless dtype >= 0): the same
   settings as tests/run_case.py (min_weight 1e-6, node_vars, records, sampling), one rectic_net_run per
   entry of "runs" (the recordings and spikes concatenated).  0, or -1 with msg. */
static inline int rcase_run(const char *dir, int backend, int device, int dtype, rresult *res, char *msg, size_t size)
{
    memset(res, 0, sizeof *res);
    rjson *c = rc_load_json(dir, msg, size);
    if (!c)
        return -1;
    int rc = -1;
    long wr = 0, wc = 0, ir = 0, ic = 0;
    double *w = NULL, *in = NULL;
    rectic_net *net = NULL;
    const rjson *wj = rj_get(c, "weights"), *ij = rj_get(c, "inputs");
    const char *wfile = rj_str(wj, "file"), *ifile = rj_str(ij, "file");
    if (!rj_str(c, "template") || !wfile) {
        rc_fail(msg, size, "%s/case.json: no template or weights", dir);
        goto done;
    }
    if (!(w = rc_read(dir, wfile, &wr, &wc, msg, size)) || (ifile && !(in = rc_read(dir, ifile, &ir, &ic, msg, size))))
        goto done;
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = rj_str(c, "template");
    s.op = rj_str(c, "op");
    s.n = wr;
    s.weights = w;
    s.min_weight = 1e-6;
    s.source_var = rj_str(c, "source_var");
    s.target_var = rj_str(c, "target_var");
    s.input_var = rj_str(c, "input_var");
    s.output_var = rj_str(c, "output_var");
    s.spike_var = rj_str(c, "spike_var");
    s.spike_def = rj_str(c, "spike_def");
    if (s.spike_var) {
        s.spike_threshold = rj_num(c, "spike_threshold", 100);
        s.spike_reset = rj_num(c, "spike_reset", -100);
    }
    s.dt = rj_num(c, "dt", 1e-3);
    const char *dts = rj_str(c, "dtype");
    s.dtype = dtype >= 0 ? dtype : dts && !strcmp(dts, "float32") ? RECTIC_FLOAT32 : RECTIC_FLOAT64;
    s.backend = backend;
    s.device = device;
    char tpath[4200];
    const char *tp[1] = {tpath};
    snprintf(tpath, sizeof tpath, "%.4000s/../../templates/rectipy", dir); /* the case's own template files, if there */
    FILE *probe = fopen(tpath, "r");
    if (probe) {
        fclose(probe);
        s.template_path = tp;
        s.n_template_path = 1;
    }
    if (rectic_net_new(&net, &s) != RECTIC_OK) {
        rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
        goto done;
    }
    const rjson *nv = rj_get(c, "node_vars");
    for (int k = 0; nv && k < nv->n; k++) {
        const rjson *v = &nv->items[k];
        double one = v->num, *vals = &one;
        long r = 1, cc = 1;
        if (v->type == RJ_OBJ && !(vals = rc_read(dir, rj_str(v, "file"), &r, &cc, msg, size)))
            goto done;
        int bad = rectic_net_set(net, nv->keys[k], vals, r * cc) != RECTIC_OK;
        if (vals != &one)
            free(vals);
        if (bad) {
            rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
            goto done;
        }
    }
    if (rj_get(c, "graph") && rcase_graph(net, dir, rj_get(c, "graph"), msg, size))
        goto done;
    const rjson *outs = rj_get(c, "outputs");
    res->n_rec = 1;
    snprintf(res->names[0], sizeof res->names[0], "out");
    snprintf(res->files[0], sizeof res->files[0], "%s", rj_str(rj_get(outs, "out"), "file") ? rj_str(rj_get(outs, "out"), "file") : "out.csv");
    for (int k = 0; outs && k < outs->n && res->n_rec < RC_MAX_REC; k++) {
        if (!strcmp(outs->keys[k], "out") || !strcmp(outs->keys[k], "spikes"))
            continue;
        if (rectic_net_record(net, outs->keys[k]) != RECTIC_OK) {
            rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
            goto done;
        }
        snprintf(res->names[res->n_rec], sizeof res->names[0], "%s", outs->keys[k]);
        snprintf(res->files[res->n_rec], sizeof res->files[0], "%s", rj_str(&outs->items[k], "file") ? rj_str(&outs->items[k], "file") : "");
        res->n_rec++;
    }
    long every = (long)rj_num(c, "sampling_steps", 1);
    if (every > 1 && rectic_net_sampling(net, every, RECTIC_SAMPLE_PICK, 0) != RECTIC_OK) {
        rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
        goto done;
    }
    const char *nt = rj_str(c, "node_type");
    res->rate_node = nt && !strncmp(nt, "RateNet", 7); /* alone or inside a graph */
    res->spiking = s.spike_var != NULL;
    res->f32 = s.dtype == RECTIC_FLOAT32;
    res->n = wr;
    snprintf(res->coupling, sizeof res->coupling, "%s", rectic_net_coupling(net));
    long steps = (long)rj_num(c, "steps", (double)ir);
    const rjson *runs = rj_get(c, "runs");
    int n_runs = runs && runs->type == RJ_ARR && runs->n > 0 ? runs->n : 1;
    long start = 0;
    for (int r = 0; r < n_runs; r++) {
        long len = n_runs > 1 ? (long)runs->items[r].num : steps;
        if (in && start + len > ir) {
            rc_fail(msg, size, "%s: %ld input rows, the runs need %ld", dir, ir, start + len);
            goto done;
        }
        double t0 = 0;
        {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            t0 = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
        }
        if (rectic_net_run(net, len, in ? in + start * ic : NULL, in ? ic : 0) != RECTIC_OK) {
            rc_fail(msg, size, "%s: run %d: %s", dir, r, rectic_errmsg(net));
            goto done;
        }
        {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            res->seconds += (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec - t0;
        }
        long rows = 0, cols = 0;
        for (int k = 0; k < res->n_rec; k++) {
            const double *d;
            if (rectic_net_recording(net, res->names[k], &rows, &cols, &d) != RECTIC_OK) {
                rc_fail(msg, size, "%s: %s", dir, rectic_errmsg(net));
                goto done;
            }
            res->data[k] = realloc(res->data[k], (size_t)((res->rows + rows) * cols + 1) * sizeof(double));
            memcpy(res->data[k] + res->rows * cols, d, (size_t)(rows * cols) * sizeof(double));
            res->cols[k] = cols;
        }
        res->rows += rows;
        long count;
        const long *pairs;
        rectic_net_spikes(net, &count, &pairs);
        res->spikes = realloc(res->spikes, (size_t)(res->n_spikes + count + 1) * 2 * sizeof(long));
        for (long q = 0; q < count; q++) {
            res->spikes[2 * (res->n_spikes + q)] = pairs[2 * q]; /* the step counter goes on across runs */
            res->spikes[2 * (res->n_spikes + q) + 1] = pairs[2 * q + 1];
        }
        res->n_spikes += count;
        start += len;
    }
    rc = 0;
done:
    rectic_net_free(net);
    free(w);
    free(in);
    rj_free(c);
    free(c);
    if (rc)
        rresult_free(res);
    return rc;
}

/* Compares a rows x cols block with atol + rtol*|expected| (0, 0: bit for bit); -1 with msg at the
   first difference. */
static inline int rc_close(const char *what, const double *got, const double *exp, long rows, long cols, long exp_row0,
                    double atol, double rtol, char *msg, size_t size)
{
    for (long i = 0; i < rows * cols; i++) {
        double g = got[i], e = exp[i];
        int same = (g == e) || (isnan(g) && isnan(e));
        if (!same && !(fabs(g - e) <= atol + rtol * fabs(e)))
            return rc_fail(msg, size, "%s: row %ld, column %ld: got %.17g, expected %.17g (|diff| %.3g)", what,
                           exp_row0 + i / cols, i % cols, g, e, fabs(g - e));
    }
    return 0;
}

/* Compares the spike lists; -1 with msg at the first difference. */
static inline int rc_same_spikes(const long *a, long na, const long *b, long nb, char *msg, size_t size)
{
    for (long k = 0; k < na && k < nb; k++)
        if (a[2 * k] != b[2 * k] || a[2 * k + 1] != b[2 * k + 1])
            return rc_fail(msg, size, "spike %ld: got (step %ld, neuron %ld), expected (step %ld, neuron %ld)", k,
                           a[2 * k], a[2 * k + 1], b[2 * k], b[2 * k + 1]);
    if (na != nb)
        return rc_fail(msg, size, "%ld spikes, expected %ld", na, nb);
    return 0;
}

/* Compares a result with the case's expected files (RectiPy's rate-node record_vars one step late, as
   tests/compare.py does). */
static inline int rcase_check_expected(const char *dir, const rresult *r, double atol, double rtol, char *msg, size_t size)
{
    for (int k = 0; k < r->n_rec; k++) {
        long er, ec;
        double *e = rc_read(dir, r->files[k], &er, &ec, msg, size);
        if (!e)
            return -1;
        int shift = r->rate_node && k > 0;
        long rows = shift ? r->rows - 1 : r->rows;
        int bad = ec != r->cols[k] || er < rows;
        if (bad)
            rc_fail(msg, size, "%s: %ld x %ld expected, the run recorded %ld x %ld", r->files[k], er, ec, r->rows,
                    r->cols[k]);
        else
            bad = rc_close(r->files[k], r->data[k] + (shift ? r->cols[k] : 0), e, rows, r->cols[k], 0, atol, rtol, msg,
                           size);
        free(e);
        if (bad)
            return -1;
    }
    if (!r->spiking)
        return 0;
    long sr, sc;
    char path[4200];
    snprintf(path, sizeof path, "%.4000s/spikes.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0; /* cases without a spike file (sampling) */
    fclose(f);
    double *sp = rc_read(dir, "spikes.csv", &sr, &sc, msg, size);
    if (!sp)
        return -1;
    long *pairs = malloc((size_t)(2 * sr + 2) * sizeof *pairs);
    for (long k = 0; k < 2 * sr; k++)
        pairs[k] = (long)sp[k];
    int bad = sc != 2 && sr > 0 ? rc_fail(msg, size, "spikes.csv: %ld columns", sc)
                                : rc_same_spikes(r->spikes, r->n_spikes, pairs, sr, msg, size);
    free(sp);
    free(pairs);
    return bad;
}

/* Compares two results of the same case (0, 0: bit for bit). */
static inline int rresult_compare(const rresult *a, const rresult *b, double atol, double rtol, char *msg, size_t size)
{
    if (a->n_rec != b->n_rec || a->rows != b->rows || a->n != b->n)
        return rc_fail(msg, size, "shapes differ: %d x %ld x %ld vs %d x %ld x %ld", a->n_rec, a->rows, a->n, b->n_rec,
                       b->rows, b->n);
    for (int k = 0; k < a->n_rec; k++)
        if (a->cols[k] != b->cols[k] ||
            rc_close(a->names[k], a->data[k], b->data[k], a->rows, a->cols[k], 0, atol, rtol, msg, size))
            return -1;
    return rc_same_spikes(a->spikes, a->n_spikes, b->spikes, b->n_spikes, msg, size);
}

#endif

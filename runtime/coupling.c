/*
 * coupling.c -- the weights of a network and the strategy for target = W @ source: a loop inside the
 * kernel (small n), OpenBLAS GEMV (dense), compressed sparse rows (sparse), or event-driven updates.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "blas.h"
#include "emit_c.h"
#include "network.h"

#define INLINE_MAX_N 20       /* up to here a loop in the kernel beats a cblas call (~25-40 ns overhead) */
#define SPARSE_MAX_DENSITY 0.1 /* below this fraction of non-zero weights the sparse product wins */
#define DENSE_MAX_BYTES (1L << 31) /* larger dense matrices are refused: give sparse weights */

/* Allocates the weights' values (zeroed when `zero`), on 2 MiB pages where the kernel grants them: the
   product reads W every step, in event mode a column of it per spike, and with 4 KiB pages a 32 KB column
   alone spans 8 pages (TLB misses; event coupling at N = 4000 measured ~5% faster).  Freed with free(). */
static void *weights_alloc(size_t bytes, int zero)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;
    if (bytes >= 2 * huge) {
        if (posix_memalign(&p, huge, bytes) != 0)
            return NULL;
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE); /* advice only: without it the pages are small */
#endif
        if (zero)
            memset(p, 0, bytes);
        return p;
    }
    return zero ? calloc(bytes + 1, 1) : malloc(bytes + 1);
}

/* One kept entry of W. */
typedef struct entry {
    long target, source;
    double w;
} entry;

/* Orders entries by target, then source. */
static int by_target(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->target != y->target)
        return x->target < y->target ? -1 : 1;
    return (x->source > y->source) - (x->source < y->source);
}

/* Collects the kept entries of the spec's weights (dense or COO; duplicates of COO add up). */
static int collect(rectic_net *net, const rectic_spec *spec, entry **out, long *count)
{
    long n = net->n, k = 0;
    double minw = spec->min_weight;
    entry *e;
    if (spec->weights) {
        long kept = 0;
        for (long i = 0; i < n * n; i++)
            kept += spec->weights[i] != 0 && !(minw >= 0 && fabs(spec->weights[i]) <= minw);
        if (!(e = malloc(sizeof *e * (size_t)kept + 1)))
            return rct_oom(&net->err);
        for (long i = 0; i < n * n; i++)
            if (spec->weights[i] != 0 && !(minw >= 0 && fabs(spec->weights[i]) <= minw))
                e[k++] = (entry){i / n, i % n, spec->weights[i]};
    } else {
        if (!(e = malloc(sizeof *e * (size_t)spec->nnz + 1)))
            return rct_oom(&net->err);
        for (long r = 0; r < spec->nnz; r++) {
            const double *row = spec->weights_coo + 3 * r;
            if (!isfinite(row[2]))
                return free(e), rct_errf(&net->err, RECTIC_EINVAL, "--weights-coo: row %ld: the weight is not finite", r + 1);
            for (int c = 0; c < 2; c++)
                if (row[c] != floor(row[c]) || row[c] < 0 || row[c] >= (double)n)
                    return free(e), rct_errf(&net->err, RECTIC_EINVAL,
                                             "--weights-coo: row %ld: %s index %g is not a neuron (0 .. %ld)", r + 1,
                                             c ? "source" : "target", row[c], n - 1);
            e[k++] = (entry){(long)row[0], (long)row[1], row[2]};
        }
        qsort(e, (size_t)k, sizeof *e, by_target);
        long m = 0; /* add duplicates, then drop what min_weight drops */
        for (long i = 0; i < k; i++) {
            if (m > 0 && e[m - 1].target == e[i].target && e[m - 1].source == e[i].source)
                e[m - 1].w += e[i].w;
            else
                e[m++] = e[i];
        }
        k = 0;
        for (long i = 0; i < m; i++)
            if (e[i].w != 0 && !(minw >= 0 && fabs(e[i].w) <= minw))
                e[k++] = e[i];
    }
    *out = e;
    *count = k;
    return 0;
}

/* Builds compressed rows (by target) or columns (by source) from entries sorted by target, then source:
   a stable counting sort by the major index, so each row's sources (each column's targets) stay in
   ascending order. */
static int build_compressed(rectic_net *net, const entry *e, long count, int by_col)
{
    long n = net->n;
    long *next = malloc(sizeof *next * (size_t)n + 1);
    net->csr_ptr = calloc((size_t)n + 1, sizeof *net->csr_ptr);
    net->csr_col = malloc(sizeof *net->csr_col * (size_t)count + 1);
    net->csr_val = weights_alloc(rct_rsize(net) * (size_t)count, 0);
    if (!next || !net->csr_ptr || !net->csr_col || !net->csr_val) {
        free(next);
        return rct_oom(&net->err);
    }
    for (long k = 0; k < count; k++)
        net->csr_ptr[(by_col ? e[k].source : e[k].target) + 1]++;
    for (long i = 0; i < n; i++) {
        net->csr_ptr[i + 1] += net->csr_ptr[i];
        next[i] = net->csr_ptr[i];
    }
    for (long k = 0; k < count; k++) {
        long at = next[by_col ? e[k].source : e[k].target]++;
        net->csr_col[at] = (int)(by_col ? e[k].target : e[k].source);
        rct_rset(net, net->csr_val, (size_t)at, e[k].w);
    }
    free(next);
    net->nnz = count;
    return 0;
}

int rct_coupling_setup(rectic_net *net, const rectic_spec *spec)
{
    long n = net->n;
    net->has_coupling = spec->weights || spec->weights_coo;
    net->coupling_mode = RCT_COUP_DENSE;
    if (!net->has_coupling)
        return 0;
    if (n > INT32_MAX)
        return rct_errf(&net->err, RECTIC_EINVAL, "weights: %ld neurons are too many", n);
    int want = spec->coupling;
    if (want < RECTIC_COUPLING_AUTO || want > RECTIC_COUPLING_EVENT)
        return rct_errf(&net->err, RECTIC_EINVAL, "--coupling: expected auto, dense, inline, sparse or event");
    if (want == RECTIC_COUPLING_EVENT) {
        const rct_expr *tau, *gain;
        char why[1024];
        if (!rct_model_event_form(net->model, &tau, &gain, why, sizeof why))
            return rct_errf(&net->err, RECTIC_EINVAL, "--coupling event: %s", why);
    }
    entry *e = NULL;
    long count = 0;
    int rc = collect(net, spec, &e, &count);
    if (rc)
        return rc;
    double density = n ? (double)count / ((double)n * (double)n) : 0;
    int dense_ok = (double)n * (double)n * (double)rct_rsize(net) <= (double)DENSE_MAX_BYTES;
    int mode;
    switch (want) {
    case RECTIC_COUPLING_DENSE: mode = RCT_COUP_DENSE; break;
    case RECTIC_COUPLING_INLINE: mode = RCT_COUP_INLINE; break;
    case RECTIC_COUPLING_SPARSE: mode = RCT_COUP_CSR; break;
    case RECTIC_COUPLING_EVENT: mode = RCT_COUP_EVENT; break;
    default:
        mode = !dense_ok || (n > INLINE_MAX_N && density < SPARSE_MAX_DENSITY) ? RCT_COUP_CSR
               : n <= INLINE_MAX_N                                           ? RCT_COUP_INLINE
                                                                              : RCT_COUP_DENSE;
    }
    if ((mode == RCT_COUP_DENSE || mode == RCT_COUP_INLINE) && !dense_ok) {
        free(e);
        return rct_errf(&net->err, RECTIC_EINVAL, "--coupling: a dense %ld x %ld matrix needs %.1f GiB: use sparse "
                                                  "coupling", n, n, (double)n * n * rct_rsize(net) / 1073741824.0);
    }
    net->coupling_mode = mode;
    if (mode == RCT_COUP_DENSE || mode == RCT_COUP_INLINE) {
        if (!(net->w = weights_alloc((size_t)(n * n) * rct_rsize(net), 1))) {
            free(e);
            return rct_oom(&net->err);
        }
        for (long k = 0; k < count; k++)
            rct_rset(net, net->w, (size_t)(e[k].target * n + e[k].source), e[k].w);
    }
    rct_emit_opts o = rct_net_emit_opts(net);
    if (rct_emit_w_by_columns(&o)) { /* what the small fixed-size kernels read */
        if (!(net->w_cols = calloc((size_t)(n * n) + 1, rct_rsize(net)))) {
            free(e);
            return rct_oom(&net->err);
        }
        for (long k = 0; k < count; k++)
            rct_rset(net, net->w_cols, (size_t)(e[k].source * n + e[k].target), e[k].w);
    }
    if (mode == RCT_COUP_CSR || mode == RCT_COUP_EVENT) {
        rc = build_compressed(net, e, count, mode == RCT_COUP_EVENT);
    }
    free(e);
    return rc;
}

/* The weights kept (nonzero, or negative zero) as row-major positions target * n + source and their
   values, counted in a first pass and copied in a second; 0 or an error code.  The caller frees both. */
int rct_coupling_entries(rectic_net *net, long **at, double **w, long *count)
{
    long n = net->n;
    *at = NULL;
    *w = NULL;
    *count = 0;
    for (int pass = 0; pass < 2; pass++) {
        long k = 0;
        for (long i = 0; i < n && (net->w || net->csr_ptr); i++) {
            long j0 = net->w ? 0 : net->csr_ptr[i], j1 = net->w ? n : net->csr_ptr[i + 1];
            for (long j = j0; j < j1; j++) {
                double x = net->w ? rct_rget(net, net->w, (size_t)(i * n + j)) : rct_rget(net, net->csr_val, (size_t)j);
                if (x == 0 && !signbit(x))
                    continue;
                if (pass) {
                    (*at)[k] = i * n + (net->w ? j : net->csr_col[j]);
                    (*w)[k] = x;
                }
                k++;
            }
        }
        if (!pass && (!(*at = malloc(((size_t)k + 1) * sizeof **at)) || !(*w = malloc(((size_t)k + 1) * sizeof **w)))) {
            free(*at);
            *at = NULL;
            return rct_oom(&net->err);
        }
        *count = k;
    }
    return 0;
}

void rct_coupling_start_run(rectic_net *net)
{
    if (net->coupling_mode != RCT_COUP_EVENT)
        return;
    /* target = W @ source from the state the run starts with, summed in column order */
    const rct_var *src = &net->model->vars[net->model->source];
    long n = net->n;
    for (long i = 0; i < n; i++)
        rct_rset(net, net->coup, (size_t)i, 0.0);
    const size_t at = (size_t)src->slot * (size_t)n;
    for (long j = 0; j < n; j++) {
        /* a source at 0 adds nothing (weights are finite): skipped, most runs start with all of them at 0 */
        if (rct_rget(net, net->y, at + (size_t)j) == 0)
            continue;
        for (long k = net->csr_ptr[j]; k < net->csr_ptr[j + 1]; k++) {
            long i = net->csr_col[k];
            if (net->f32)
                ((float *)net->coup)[i] += ((const float *)net->csr_val)[k] * ((const float *)net->y)[at + (size_t)j];
            else
                ((double *)net->coup)[i] += ((const double *)net->csr_val)[k] * ((const double *)net->y)[at + (size_t)j];
        }
    }
}

void rct_coupling_free(rectic_net *net)
{
    free(net->w);
    free(net->w_cols);
    free(net->csr_ptr);
    free(net->csr_col);
    free(net->csr_val);
    net->w = net->w_cols = net->csr_val = NULL;
    net->csr_ptr = NULL;
    net->csr_col = NULL;
}

const char *rectic_net_coupling(const rectic_net *net)
{
    if (!net)
        return NULL;
    if (!net->has_coupling)
        return "none";
    switch (net->coupling_mode) {
    case RCT_COUP_INLINE: return "inline";
    case RCT_COUP_CSR: return "sparse";
    case RCT_COUP_EVENT: return "event";
    default: return "dense";
    }
}

void rectic_set_threads(int threads)
{
    if (threads > 0)
        rct_blas_threads(threads);
}

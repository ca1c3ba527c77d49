/*
 * popsa.c -- the standalone program of a network of populations (rectic_net_standalone): the fused
 * kernel's description, each population's values and recordings (whole variables, or chosen units: a
 * circuit's node), each projection's weights as the kernel holds them, handed to the standalone emitter
 * (generator/emit_standalone.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emit_standalone.h"
#include "kdesc.h"
#include "popnet.h"

/* What the emitter is given, and the arrays made for it. */
typedef struct sa_parts {
    rct_emit_net o;
    rct_sa_pop *pops;
    rct_sa_proj *projs;
    double **param; /* per population: n_param x n values */
    const long ***rec_idx; /* per population: per recording, its units or NULL */
    long **rec_count;
    long **at;      /* per projection: positions of its weights */
    double **w;     /* and their values */
} sa_parts;

static void parts_free(const rct_popnet *pn, sa_parts *s)
{
    for (int p = 0; s->param && p < pn->n_pops; p++) {
        free(s->param[p]);
        free(s->rec_idx ? s->rec_idx[p] : NULL);
        free(s->rec_count ? s->rec_count[p] : NULL);
    }
    free(s->rec_idx);
    free(s->rec_count);
    for (int k = 0; s->at && k < pn->n_projs; k++) {
        free(s->at[k]);
        free(s->w[k]);
    }
    free(s->param);
    free(s->at);
    free(s->w);
    free(s->pops);
    free(s->projs);
}

/* Population p's values (the kernel's parameters as doubles, the initial state) and recordings. */
static int pop_part(rectic_net *net, sa_parts *s, int p)
{
    const rct_popnet *pn = net->pn;
    const rectic_net *pop = pn->pops[p];
    const rct_model *m = pop->model;
    long n = pop->n;
    double *param = s->param[p] = malloc(sizeof(double) * (size_t)m->n_param * (size_t)n + 1);
    if (!param)
        return rct_oom(&net->err);
    for (int q = 0; q < m->n_param; q++)
        for (long i = 0; i < n; i++) /* a parameter the kernel reads once: its first value for every unit */
            param[(size_t)q * (size_t)n + (size_t)i] = rct_rget(pop, pop->param_real[q], pop->param_vector[q] ? (size_t)i : 0);
    const long **idx = s->rec_idx[p] = calloc((size_t)pop->n_rec_vars + 1, sizeof *idx);
    long *count = s->rec_count[p] = calloc((size_t)pop->n_rec_vars + 1, sizeof *count);
    if (!idx || !count)
        return rct_oom(&net->err);
    for (int k = 0; pop->rec_sub && k < pop->n_rec_vars; k++) {
        idx[k] = pop->rec_sub[k].idx;
        count[k] = pop->rec_sub[k].count;
    }
    s->pops[p] = (rct_sa_pop){n, pop->threshold, pop->reset, pop->y0, param, pop->rec_vars,
                              (const char *const *)pop->rec_names, idx, count, pop->n_rec_vars, p == pn->out_pop};
    return 0;
}

/* Projection k's weights as the kernel holds them: a dense matrix's entries that are not +0, or every
   entry of the sparse rows (event-driven: of the sparse columns). */
static int proj_part(rectic_net *net, sa_parts *s, int k)
{
    const rct_popnet *pn = net->pn;
    const rct_proj *j = &pn->projs[k];
    long n_src = pn->pops[j->src]->n, n_tgt = pn->pops[j->tgt]->n, count = 0;
    s->projs[k].weight = j->weight;
    if (j->mode == RCT_COUP_SCALAR)
        return 0;
    int sparse = j->mode == RCT_COUP_CSR || j->mode == RCT_COUP_EVENT, by_column = j->mode == RCT_COUP_EVENT;
    long cap = sparse ? j->nnz : 0;
    for (long i = 0; !sparse && i < n_src * n_tgt; i++) {
        double x = rct_rget(net, j->w, (size_t)i);
        cap += x != 0 || signbit(x);
    }
    s->at[k] = malloc(sizeof(long) * (size_t)cap + 1);
    s->w[k] = malloc(sizeof(double) * (size_t)cap + 1);
    if (!s->at[k] || !s->w[k])
        return rct_oom(&net->err);
    for (long i = 0; sparse && i < (by_column ? n_src : n_tgt); i++)
        for (long e = j->csr_ptr[i]; e < j->csr_ptr[i + 1]; e++) {
            s->at[k][count] = by_column ? j->csr_col[e] * n_src + i : i * n_src + j->csr_col[e];
            s->w[k][count++] = rct_rget(net, j->csr_val, (size_t)e);
        }
    for (long i = 0; !sparse && i < n_src * n_tgt; i++) {
        double x = rct_rget(net, j->w, (size_t)i);
        if (x != 0 || signbit(x)) {
            s->at[k][count] = i;
            s->w[k][count++] = x;
        }
    }
    s->projs[k].at = s->at[k];
    s->projs[k].w = s->w[k];
    s->projs[k].count = count;
    return 0;
}

/* Whether net or a population records a subset of the output or of the spikes (the program cannot). */
static int output_or_spike_subsets(const rectic_net *net)
{
    int any = net->out_sub.idx || net->spike_mask;
    for (int p = 0; net->pn && p < net->pn->n_pops; p++)
        any |= output_or_spike_subsets(net->pn->pops[p]);
    return any;
}

int rct_pn_standalone(rectic_net *net, int format, char **text)
{
    rct_popnet *pn = net->pn;
    sa_parts s;
    memset(&s, 0, sizeof s);
    if (output_or_spike_subsets(net))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_standalone: the program records the whole output and all spikes; "
                                                  "subsets of them are not available in it");
    rct_pn_desc d;
    int rc = rct_pn_desc_make(net, &d);
    if (rc)
        return rc;
    s.o = d.o;
    s.pops = calloc((size_t)pn->n_pops, sizeof *s.pops);
    s.param = calloc((size_t)pn->n_pops, sizeof *s.param);
    s.rec_idx = calloc((size_t)pn->n_pops, sizeof *s.rec_idx);
    s.rec_count = calloc((size_t)pn->n_pops, sizeof *s.rec_count);
    s.projs = calloc((size_t)pn->n_projs + 1, sizeof *s.projs);
    s.at = calloc((size_t)pn->n_projs + 1, sizeof *s.at);
    s.w = calloc((size_t)pn->n_projs + 1, sizeof *s.w);
    if (!s.pops || !s.param || !s.rec_idx || !s.rec_count || !s.projs || !s.at || !s.w)
        rc = rct_oom(&net->err);
    for (int p = 0; !rc && p < pn->n_pops; p++)
        rc = pop_part(net, &s, p);
    for (int k = 0; !rc && k < pn->n_projs; k++)
        rc = proj_part(net, &s, k);
    if (!rc) {
        rct_sa_net settings = {net->dt, net->sample_every, net->cutoff, net->sample_mode == RECTIC_SAMPLE_MEAN,
                               format == RECTIC_FORMAT_NPY, s.pops, s.projs};
        if (!(*text = rct_emit_standalone_net(&s.o, &settings, &net->err)))
            rc = net->err.code ? net->err.code : rct_oom(&net->err);
    }
    rct_pn_desc_free(&d);
    parts_free(pn, &s);
    if (!rc)
        net->err.code = 0;
    return rc;
}

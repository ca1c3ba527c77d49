/*
 * kdesc.c -- what a kernel is built for: the emitter's options of a network of one template for its
 * current parameter shapes, and the description of a network of populations' kernel (emit_net.h).
 */
#include "kdesc.h"

#include <stdlib.h>
#include <string.h>

#include "popnet.h"

rct_emit_opts rct_net_emit_opts(const rectic_net *net)
{
    /* a specialised kernel: for the powers of two among the values now when a new one is due, else for
       those it was built for */
    const int *pow2 = net->generic ? NULL : net->dirty ? net->param_pow2 : net->spec_pow2;
    rct_emit_opts o = {.dtype = net->f32 ? RECTIC_FLOAT32 : RECTIC_FLOAT64, .param_vector = net->param_vector,
                       .param_pow2 = pow2,
                       .coupling = net->has_coupling, .coupling_mode = net->coupling_mode,
                       .spiking = net->model->spike_def >= 0, .parallel = net->n >= RCT_PARALLEL_MIN_N,
                       .fixed_n = RCT_EMIT_FIXED_N(net->n)};
    return o;
}

void rct_pn_desc_free(rct_pn_desc *d)
{
    free(d->models);
    free(d->opts);
    free(d->projs);
    memset(d, 0, sizeof *d);
}

int rct_pn_desc_make(rectic_net *net, rct_pn_desc *d)
{
    rct_popnet *pn = net->pn;
    memset(d, 0, sizeof *d);
    d->models = calloc((size_t)pn->n_pops, sizeof *d->models);
    d->opts = calloc((size_t)pn->n_pops, sizeof *d->opts);
    d->projs = calloc((size_t)pn->n_projs + 1, sizeof *d->projs);
    if (!d->models || !d->opts || !d->projs) {
        rct_pn_desc_free(d);
        return rct_oom(&net->err);
    }
    for (int p = 0; p < pn->n_pops; p++) {
        d->models[p] = pn->pops[p]->model;
        d->opts[p] = rct_net_emit_opts(pn->pops[p]);
        d->opts[p].coupling = 0;
        d->opts[p].fixed_n = 0;
        d->opts[p].param_pow2 = NULL; /* one kernel for any values: a sweep never recompiles */
    }
    for (int k = 0; k < pn->n_projs; k++) {
        const rct_proj *j = &pn->projs[k];
        d->projs[k] = (rct_emit_proj){j->src, j->src_var, j->tgt, j->tgt_slot, j->mode, j->delay};
    }
    d->o = (rct_emit_net){net->f32 ? RECTIC_FLOAT32 : RECTIC_FLOAT64, pn->n_pops, (const char *const *)pn->names,
                          d->models, d->opts, pn->n_projs, d->projs};
    return 0;
}

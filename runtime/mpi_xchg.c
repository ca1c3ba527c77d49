/*
 * mpi_xchg.c -- what crosses between MPI ranks during a partitioned run (see mpi_xchg.h).
 *
 * The entries a rank needs of another rank's units are found once per run from its weights (the columns
 * of its sparse rows; every unit for dense and scalar projections): each rank sends the owners the list
 * of what it needs (MPI_Alltoallv), and from then on every exchange is one MPI_Alltoallv of the listed
 * values, packed rank by rank.  Every rank's block of units is its kernel context's lo .. hi (which
 * rct_mpi_net_range gave; allgathered), so any contiguous partition works.
 */
#include "mpi_xchg.h"

#include <stdlib.h>
#include <string.h>

#include "kernel_abi.h"
#include "mpi.h"
#include "popnet.h"
#include "run_common.h"

RCT_KCTX_DEF(void, RCT_NO_DOC)

typedef struct rct_mpx rct_mpx;

/* A population's part of the exchange: its kernel context's `mpi`. */
typedef struct xpop {
    struct rct_mpx *x;
    rectic_net *pop;
    int *lo, *hi;         /* every rank's units lo[r] .. hi[r]-1 */
    int *bcount, *bdispl; /* the same in bytes of the network's type */
    int *scount, *sdispl; /* a step's spikes: bytes from each rank */
    long *spikes;         /* room for a step's spikes of every rank: n unit indices (ints where they fit) */
    void *terms;          /* n values: a reduction's terms */
} xpop;

/* The entries of one array that cross: those this rank sends to each rank, those it receives. */
typedef struct xseg {
    int pop, slot, proj;  /* state variable `slot` of population pop, or (proj >= 0) projection proj's ring */
    long *soff, *roff;    /* per rank r: its entries are sidx[soff[r] .. soff[r+1]-1] (ridx, roff: received) */
    long *sidx, *ridx;    /* units, rank by rank, in unit order */
} xseg;

struct rct_mpx {
    rectic_net *net;
    rct_mpi *m;
    int P, me, n_pops, n_seg, n_step; /* segments: the state variables' (n_step) first, then the rings' */
    size_t rs;
    xpop *pops;
    xseg *seg;
    long batch, pending;  /* the rings cross every `batch` steps (D_min); steps stored since the last time */
    int *inst_seg;        /* an exchange: its arrays, each a segment's entries of the values at inst_base */
    char **inst_base;
    char *sbuf, *rbuf;
    int *sc, *sd, *rc, *rd; /* bytes sent to, received from each rank */
    int failed;           /* a callback failed within the step (net->err says why) */
    const struct rectic_kctx *ctx; /* while the exchange is built: the contexts (their lo .. hi) */
};

/* Population p of the network (the network itself without populations). */
static rectic_net *pop_at(rectic_net *net, int p)
{
    return net->pn ? net->pn->pops[p] : net;
}

/* Bytes of a spike's unit index as it crosses: 4 (an int) where every unit fits, else 8. */
static size_t index_bytes(const rectic_net *pop)
{
    return pop->n <= 0x7fffffffL ? sizeof(int) : sizeof(long);
}

/* Every rank's block of population p, in units and in bytes, and room for the step's spikes and a
   reduction's terms.  Collective. */
static int start_pop(rct_mpx *x, int p)
{
    xpop *xp = &x->pops[p];
    rectic_net *pop = xp->pop = pop_at(x->net, p);
    long lo = x->ctx[p].lo, hi = x->ctx[p].hi; /* rct_mpi_net_range's */
    xp->x = x;
    if ((double)pop->n * (double)index_bytes(pop) > 0x7fffffff)
        return rct_errf(&x->net->err, RECTIC_EINVAL, "MPI: a population of %ld units exceeds one message", pop->n);
    xp->lo = calloc(6 * (size_t)x->P, sizeof(int));
    xp->spikes = malloc(sizeof(long) * (size_t)(pop->n + x->P + 2)); /* (the counts go through it first) */
    xp->terms = malloc(x->rs * (size_t)(pop->n + 1));
    if (!xp->lo || !xp->spikes || !xp->terms)
        return rct_oom(&x->net->err);
    xp->hi = xp->lo + x->P, xp->bcount = xp->hi + x->P, xp->bdispl = xp->bcount + x->P;
    xp->scount = xp->bdispl + x->P, xp->sdispl = xp->scount + x->P;
    if (rct_mpi_allgather_int(x->m, (int)lo, xp->lo, &x->net->err) ||
        rct_mpi_allgather_int(x->m, (int)hi, xp->hi, &x->net->err))
        return x->net->err.code ? x->net->err.code : RECTIC_EINVAL;
    for (int r = 0; r < x->P; r++) {
        xp->bcount[r] = (int)((size_t)(xp->hi[r] - xp->lo[r]) * x->rs);
        xp->bdispl[r] = (int)((size_t)xp->lo[r] * x->rs);
    }
    return 0;
}

/* Marks in need[] the n_src source units that targets lo .. hi-1 read through a projection of `mode`:
   the columns of their sparse rows, or every unit (dense, scalar). */
static void mark_needed(unsigned char *need, long n_src, int mode, const long *ptr, const int *col, long lo, long hi)
{
    if (lo >= hi)
        return;
    if (mode == RCT_COUP_CSR && ptr) {
        for (long q = ptr[lo]; q < ptr[hi]; q++)
            need[col[q]] = 1;
        return;
    }
    memset(need, 1, (size_t)n_src);
}

/* Rank r's entries off[r] .. off[r+1]-1 of values of rs bytes as a count and a displacement in bytes. */
static void to_bytes(const long *off, int P, size_t rs, int *count, int *displ)
{
    for (int r = 0; r < P; r++) {
        count[r] = (int)((size_t)(off[r + 1] - off[r]) * rs);
        displ[r] = (int)((size_t)off[r] * rs);
    }
}

/* Segment s: the units of population s->pop marked in need[] that other ranks own are asked of them;
   what they ask of this rank is what it sends.  Collective. */
static int make_seg(rct_mpx *x, xseg *s, const unsigned char *need)
{
    const xpop *xp = &x->pops[s->pop];
    int P = x->P, *cnt = calloc(4 * (size_t)P, sizeof *cnt);
    s->soff = calloc(2 * ((size_t)P + 1), sizeof(long));
    if (!cnt || !s->soff)
        return free(cnt), rct_oom(&x->net->err);
    s->roff = s->soff + P + 1;
    for (int r = 0; r < P; r++) {
        long k = 0;
        for (long j = xp->lo[r]; r != x->me && j < xp->hi[r]; j++)
            k += need[j];
        s->roff[r + 1] = s->roff[r] + k;
        cnt[r] = (int)k;
    }
    s->ridx = malloc(sizeof(long) * (size_t)(s->roff[P] + 1));
    int rc = !s->ridx ? rct_oom(&x->net->err) : 0;
    for (int r = 0, q = 0; !rc && r < P; r++)
        for (long j = xp->lo[r]; r != x->me && j < xp->hi[r]; j++)
            if (need[j])
                s->ridx[q++] = j;
    if (!rc && rct_mpi_alltoall_int(x->m, cnt, cnt + P, &x->net->err))
        rc = x->net->err.code ? x->net->err.code : RECTIC_EINVAL;
    for (int r = 0; !rc && r < P; r++)
        s->soff[r + 1] = s->soff[r] + cnt[P + r];
    s->sidx = rc ? NULL : malloc(sizeof(long) * (size_t)(s->soff[P] + 1));
    rc = rc ? rc : !s->sidx ? rct_oom(&x->net->err) : 0;
    int *rb = cnt + 2 * P, *sb = cnt + 3 * P, *rd = cnt, *sd = cnt + P; /* bytes of the lists */
    if (!rc) {
        to_bytes(s->roff, P, sizeof(long), rb, rd);
        to_bytes(s->soff, P, sizeof(long), sb, sd);
        if (rct_mpi_alltoallv(x->m, s->ridx, rb, rd, s->sidx, sb, sd, 0, &x->net->err))
            rc = x->net->err.code ? x->net->err.code : RECTIC_EINVAL;
    }
    free(cnt);
    return rc;
}

/* Adds a segment for state variable `slot` of population p (proj -1) or projection proj's ring, with the
   units need[] marks; need[] is cleared for the next one. */
static int add_seg(rct_mpx *x, int p, int slot, int proj, unsigned char *need)
{
    xseg *s = &x->seg[x->n_seg++];
    s->pop = p, s->slot = slot, s->proj = proj;
    int rc = make_seg(x, s, need);
    memset(need, 0, (size_t)x->pops[p].pop->n + 1);
    return rc;
}

/* The segments of a network of populations: each state variable that projections without delay read (their
   needs together), then each delayed projection's ring. */
static int pn_segments(rct_mpx *x, unsigned char *need)
{
    rct_popnet *pn = x->net->pn;
    int rc = 0;
    for (int k = 0; k < pn->n_projs && !rc; k++) {
        const rct_proj *j = &pn->projs[k];
        const rct_var *v = &pn->pops[j->src]->model->vars[j->src_var];
        int first = j->delay == 0 && j->mode != RCT_COUP_EVENT && v->kind == RCT_VK_STATE;
        for (int e = 0; e < k; e++) /* the first projection without delay reading the variable */
            first &= !(pn->projs[e].src == j->src && pn->projs[e].src_var == j->src_var &&
                       pn->projs[e].delay == 0 && pn->projs[e].mode != RCT_COUP_EVENT);
        if (!first)
            continue;
        for (int e = k; e < pn->n_projs; e++) { /* it and every later one reading the same variable */
            const rct_proj *f = &pn->projs[e];
            if (f->src == j->src && f->src_var == j->src_var && f->delay == 0 && f->mode != RCT_COUP_EVENT)
                mark_needed(need, pn->pops[j->src]->n, f->mode, f->csr_ptr, f->csr_col, x->ctx[f->tgt].lo,
                            x->ctx[f->tgt].hi);
        }
        rc = add_seg(x, j->src, v->slot, -1, need);
    }
    x->n_step = x->n_seg;
    for (int k = 0; k < pn->n_projs && !rc; k++) {
        const rct_proj *j = &pn->projs[k];
        if (!j->ring)
            continue;
        mark_needed(need, pn->pops[j->src]->n, j->mode, j->csr_ptr, j->csr_col, x->ctx[j->tgt].lo, x->ctx[j->tgt].hi);
        rc = add_seg(x, j->src, 0, k, need);
        x->batch = x->batch == 0 || j->delay < x->batch ? j->delay : x->batch;
    }
    return rc;
}

/* The segment of one template: its coupling's source, a state variable (an algebraic one crosses within
   the step; event-driven coupling needs only the spikes). */
static int net_segments(rct_mpx *x, unsigned char *need)
{
    rectic_net *net = x->net;
    const rct_model *m = net->model;
    if (!net->has_coupling || net->coupling_mode == RCT_COUP_EVENT || m->vars[m->source].kind != RCT_VK_STATE)
        return 0;
    int mode = net->w || net->w_cols ? RCT_COUP_DENSE : net->coupling_mode;
    mark_needed(need, net->n, mode, net->csr_ptr, net->csr_col, x->ctx[0].lo, x->ctx[0].hi);
    int rc = add_seg(x, 0, m->vars[m->source].slot, -1, need);
    x->n_step = x->n_seg;
    return rc;
}

/* Room for the largest exchange: the state segments once, or every ring segment `batch` times. */
static int make_buffers(rct_mpx *x)
{
    long step_s = 0, step_r = 0, ring_s = 0, ring_r = 0;
    for (int i = 0; i < x->n_seg; i++) {
        const xseg *s = &x->seg[i];
        *(i < x->n_step ? &step_s : &ring_s) += s->soff[x->P];
        *(i < x->n_step ? &step_r : &ring_r) += s->roff[x->P];
    }
    long insts = x->n_step + (x->n_seg - x->n_step) * (x->batch > 0 ? x->batch : 1);
    long send = step_s > ring_s * x->batch ? step_s : ring_s * x->batch;
    long recv = step_r > ring_r * x->batch ? step_r : ring_r * x->batch;
    if ((double)(send > recv ? send : recv) * (double)x->rs > 0x7fffffff)
        return rct_errf(&x->net->err, RECTIC_EINVAL, "MPI: an exchange of %ld values exceeds one message",
                        send > recv ? send : recv);
    x->sbuf = malloc((size_t)send * x->rs + 1);
    x->rbuf = malloc((size_t)recv * x->rs + 1);
    x->inst_seg = malloc(sizeof *x->inst_seg * (size_t)(insts + 1));
    x->inst_base = malloc(sizeof *x->inst_base * (size_t)(insts + 1));
    x->sc = malloc(4 * sizeof *x->sc * (size_t)x->P);
    if (!x->sbuf || !x->rbuf || !x->inst_seg || !x->inst_base || !x->sc)
        return rct_oom(&x->net->err);
    x->sd = x->sc + x->P, x->rc = x->sd + x->P, x->rd = x->rc + x->P;
    return 0;
}

/* The kernel's rectic_kctx.mpi_values: every rank's values lo .. hi-1 at v, on all. */
static void cb_values(void *arg, void *v)
{
    xpop *xp = arg;
    if (rct_mpi_allgatherv(xp->x->m, v, xp->bcount, xp->bdispl, 1, &xp->x->net->err))
        xp->x->failed = 1;
}

/* Orders unit indices of 4 bytes (a step's spikes of ranks whose blocks are not in unit order). */
static int by_int(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    return (i > j) - (i < j);
}

/* The same for indices of 8 bytes (a population of 2^31 units or more). */
static int by_long(const void *a, const void *b)
{
    long i = *(const long *)a, j = *(const long *)b;
    return (i > j) - (i < j);
}

/* The kernel's rectic_kctx.mpi_spikes: the spikes this rank listed from `first` on replaced by every rank's,
   in unit order (rank order is unit order for blocks in rank order; else sorted).  Only the units cross, as
   ints where they fit: every pair from `first` on is of step c->step. */
static void cb_spikes(void *arg, struct rectic_kctx *c, long first)
{
    xpop *xp = arg;
    rct_mpx *x = xp->x;
    size_t w = index_bytes(xp->pop);
    int P = x->P, *cnt = xp->scount, *four = xp->sdispl; /* one int from each rank, then the spikes */
    for (int r = 0; r < P; r++)
        cnt[r] = sizeof(int), four[r] = r * (int)sizeof(int);
    int *mine = (int *)xp->spikes; /* the counts go through the spike room first */
    mine[x->me] = (int)(w * (size_t)(c->n_spikes - first));
    if (rct_mpi_allgatherv(x->m, mine, cnt, four, 1, &x->net->err)) {
        x->failed = 1;
        return;
    }
    long at = 0;
    for (int r = 0; r < P; r++) {
        cnt[r] = mine[r];
        four[r] = (int)at;
        at += mine[r];
    }
    char *units = (char *)xp->spikes + four[x->me];
    for (long q = first; q < c->n_spikes; q++, units += w) { /* this rank's units, packed */
        int i = (int)c->spikes[2 * q + 1];
        long l = c->spikes[2 * q + 1];
        memcpy(units, w == sizeof(int) ? (const void *)&i : (const void *)&l, w);
    }
    if (rct_mpi_allgatherv(x->m, xp->spikes, cnt, four, 1, &x->net->err)) {
        x->failed = 1;
        return;
    }
    long count = at / (long)w;
    const int *ints = (const int *)xp->spikes;
    const long *longs = xp->spikes;
    int sorted = 1;
    for (long k = 1; k < count; k++)
        sorted &= w == sizeof(int) ? ints[k] > ints[k - 1] : longs[k] > longs[k - 1];
    if (!sorted)
        qsort(xp->spikes, (size_t)count, w, w == sizeof(int) ? by_int : by_long);
    for (long k = 0; k < count; k++) { /* back into (step, unit) pairs */
        c->spikes[2 * (first + k)] = c->step;
        c->spikes[2 * (first + k) + 1] = w == sizeof(int) ? ints[k] : longs[k];
    }
    c->n_spikes = first + count;
}

/* Copies the values of the listed units between packed (p) and an array (a): into p, or out of it. */
static char *copy_units(char *p, char *a, const long *idx, long count, size_t rs, int pack)
{
    for (long q = 0; q < count; q++, p += rs)
        memcpy(pack ? p : a + (size_t)idx[q] * rs, pack ? a + (size_t)idx[q] * rs : p, rs);
    return p;
}

/* One exchange of the n arrays inst_base[] (each with segment inst_seg[]'s entries): one MPI_Alltoallv,
   packed rank by rank, array by array. */
static int exchange(rct_mpx *x, int n)
{
    char *out = x->sbuf;
    for (int r = 0, sat = 0, rat = 0; r < x->P; r++) {
        long ns = 0, nr = 0;
        for (int i = 0; i < n; i++) {
            const xseg *s = &x->seg[x->inst_seg[i]];
            out = copy_units(out, x->inst_base[i], s->sidx + s->soff[r], s->soff[r + 1] - s->soff[r], x->rs, 1);
            ns += s->soff[r + 1] - s->soff[r];
            nr += s->roff[r + 1] - s->roff[r];
        }
        x->sc[r] = (int)((size_t)ns * x->rs), x->sd[r] = sat, sat += x->sc[r];
        x->rc[r] = (int)((size_t)nr * x->rs), x->rd[r] = rat, rat += x->rc[r];
    }
    if (rct_mpi_alltoallv(x->m, x->sbuf, x->sc, x->sd, x->rbuf, x->rc, x->rd, 1, &x->net->err))
        return x->net->err.code ? x->net->err.code : RECTIC_EINVAL;
    char *in = x->rbuf;
    for (int r = 0; r < x->P; r++)
        for (int i = 0; i < n; i++) {
            const xseg *s = &x->seg[x->inst_seg[i]];
            in = copy_units(in, x->inst_base[i], s->ridx + s->roff[r], s->roff[r + 1] - s->roff[r], x->rs, 0);
        }
    return 0;
}

/* The first value of segment s's array: its state variable, or slot `slot` of its ring. */
static char *seg_base(rct_mpx *x, const xseg *s, long slot)
{
    rectic_net *pop = x->pops[s->pop].pop;
    if (s->proj < 0)
        return (char *)pop->y + (size_t)s->slot * (size_t)pop->n * x->rs;
    return (char *)x->net->pn->projs[s->proj].ring + (size_t)slot * (size_t)pop->n * x->rs;
}

int rct_mpi_after_step(rectic_net *net, long step)
{
    rct_mpx *x = net->mpx;
    if (!x)
        return 0;
    if (x->failed)
        return net->err.code ? net->err.code : RECTIC_EINVAL;
    for (int i = 0; i < x->n_step; i++) {
        x->inst_seg[i] = i;
        x->inst_base[i] = seg_base(x, &x->seg[i], 0);
    }
    int rc = x->n_step ? exchange(x, x->n_step) : 0;
    if (rc || x->n_seg == x->n_step || ++x->pending < x->batch)
        return rc;
    int n = 0; /* the rings: the slots of the last `batch` steps */
    for (long t = step - x->batch + 1; t <= step; t++)
        for (int i = x->n_step; i < x->n_seg; i++) {
            x->inst_seg[n] = i;
            x->inst_base[n++] = seg_base(x, &x->seg[i], t % (net->pn->projs[x->seg[i].proj].delay + 1));
        }
    x->pending = 0;
    return exchange(x, n);
}

int rct_mpi_sync(rectic_net *net)
{
    rct_mpx *x = net->mpx;
    if (!x)
        return 0;
    for (int p = 0; p < x->n_pops; p++) {
        const xpop *xp = &x->pops[p];
        for (int s = 0; s < xp->pop->model->n_state; s++)
            if (rct_mpi_allgatherv(x->m, (char *)xp->pop->y + (size_t)s * (size_t)xp->pop->n * x->rs, xp->bcount,
                                   xp->bdispl, 0, &net->err))
                return net->err.code ? net->err.code : RECTIC_EINVAL;
    }
    for (int k = 0; net->pn && k < net->pn->n_projs; k++) {
        const rct_proj *j = &net->pn->projs[k];
        const xpop *xp = &x->pops[j->src];
        for (long slot = 0; j->ring && slot <= j->delay; slot++)
            if (rct_mpi_allgatherv(x->m, (char *)j->ring + (size_t)slot * (size_t)xp->pop->n * x->rs, xp->bcount,
                                   xp->bdispl, 0, &net->err))
                return net->err.code ? net->err.code : RECTIC_EINVAL;
    }
    x->pending = 0;
    return 0;
}

int rct_mpi_state_finite(rectic_net *net, int *finite)
{
    rct_mpx *x = net->mpx;
    int n_pops = net->pn ? net->pn->n_pops : 1, bad = 0;
    for (int p = 0; p < n_pops && !bad; p++) {
        const rectic_net *pop = pop_at(net, p);
        long lo = 0, hi = pop->n;
        if (x) /* this rank's block */
            lo = x->pops[p].lo[x->me], hi = x->pops[p].hi[x->me];
        bad = !rct_state_finite_range(pop, lo, hi);
    }
    *finite = !bad;
    if (!x)
        return 0;
    if (rct_mpi_max_int(x->m, bad, &bad, &net->err))
        return net->err.code ? net->err.code : RECTIC_EINVAL;
    *finite = !bad;
    return 0;
}

int rct_mpi_run_start(rectic_net *net, void *ctx)
{
    rct_mpi_run_end(net);
    if (!net->mpi || rct_mpi_size(net->mpi) < 2)
        return 0;
    rct_mpx *x = net->mpx = calloc(1, sizeof *x);
    if (!x)
        return rct_oom(&net->err);
    x->net = net, x->m = net->mpi, x->P = rct_mpi_size(net->mpi), x->me = rct_mpi_rank(net->mpi), x->ctx = ctx;
    x->rs = rct_rsize(net);
    x->n_pops = net->pn ? net->pn->n_pops : 1;
    x->pops = calloc((size_t)x->n_pops, sizeof *x->pops);
    x->seg = calloc((size_t)(net->pn ? net->pn->n_projs : 0) + 1, sizeof *x->seg);
    long most = 0;
    for (int p = 0; p < x->n_pops; p++)
        most = pop_at(net, p)->n > most ? pop_at(net, p)->n : most;
    unsigned char *need = calloc((size_t)most + 1, 1);
    int rc = !x->pops || !x->seg || !need ? rct_oom(&net->err) : 0;
    for (int p = 0; p < x->n_pops && !rc; p++)
        rc = start_pop(x, p);
    if (!rc)
        rc = net->pn ? pn_segments(x, need) : net_segments(x, need);
    free(need);
    if (!rc)
        rc = make_buffers(x);
    rectic_kctx *c = ctx;
    x->ctx = NULL;
    for (int p = 0; p < x->n_pops && !rc; p++) {
        c[p].mpi = &x->pops[p];
        c[p].mpi_values = cb_values;
        c[p].mpi_spikes = cb_spikes;
        c[p].mpi_terms = x->pops[p].terms;
    }
    if (rc)
        rct_mpi_run_end(net);
    return rc;
}

void rct_mpi_run_end(rectic_net *net)
{
    rct_mpx *x = net->mpx;
    if (!x)
        return;
    for (int p = 0; x->pops && p < x->n_pops; p++) {
        free(x->pops[p].lo);
        free(x->pops[p].spikes);
        free(x->pops[p].terms);
    }
    for (int i = 0; x->seg && i < x->n_seg; i++) {
        free(x->seg[i].soff);
        free(x->seg[i].sidx);
        free(x->seg[i].ridx);
    }
    free(x->pops);
    free(x->seg);
    free(x->sbuf);
    free(x->rbuf);
    free(x->inst_seg);
    free(x->inst_base);
    free(x->sc);
    free(x);
    net->mpx = NULL;
}

/*
 * checkpoint.c -- state checkpoints as NumPy .npz files: everything the next step depends on (every state
 * variable of every population, delay rings, event-driven coupling sums, the sampling mean's sums, the step
 * counter), so that a run split at a checkpoint equals the run in one piece, byte for byte.
 *
 * The file is a zip archive of .npy members, stored (not compressed), with fixed timestamps (1980-01-01
 * 00:00) and members in a fixed order: equal states give equal bytes.  Keys (np.load(FILE)[key]):
 *   rectic_state          |S text, 0-d: what the state belongs to (one "key: value" line each: format, dtype,
 *                         dt, populations with sizes and state variables, equations, spike rules,
 *                         projections with their delays in steps); loading compares it with the network's
 *   step                  int64, 0-d: the step counter (the next step to run)
 *   state/OP/VAR          (n,) float64 or float32 (the network's dtype): a state variable (one template)
 *   state/POP/OP/VAR      the same for population POP of a network of populations
 *   coupling/event        (n,): W @ source kept by event-driven coupling (one template, --coupling event)
 *   projection/K/ring     (D+1, n_source): the delayed source values of projection K (file order), the value
 *                         of step s in row s mod (D+1)
 *   projection/K/event    (n_target,): W @ source of event-driven projection K
 *   sampling/sum          (n,) float64: the sums of the output since the last recorded row (sampling mean)
 *   sampling/count        int64, 0-d: the steps in them
 *   rls/P, rls/W          (n, n) and (k, n) float64: RLS training's P (symmetric) and the readout it trains
 *   feedback/yhat         (k,) float64: the readout's ŷ of the step before `step` (FORCE feedback)
 * Reading accepts what np.savez writes (zip64 sizes included); compressed members are refused.
 */
#include "checkpoint.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_file.h"
#include "layers.h"
#include "mpi.h"
#include "netvals.h"
#include "popnet.h"
#include "rls.h"
#include "run_common.h"

#define STATE_FORMAT "rectic state 1"

/* ---------------------------------------------------------------------------------------------- zip */

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    if (!crc_table[1])
        crc_init();
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* One member being written: its name and its .npy bytes. */
typedef struct member {
    char *name;
    rct_buf npy;
} member;

typedef struct npz_out {
    member *m;
    int n, cap;
    int failed;
} npz_out;

static void put16(rct_buf *b, unsigned v)
{
    rct_buf_putc(b, (char)(v & 0xFF));
    rct_buf_putc(b, (char)((v >> 8) & 0xFF));
}

static void put32(rct_buf *b, uint32_t v)
{
    put16(b, v & 0xFFFF);
    put16(b, v >> 16);
}

/* Adds a member "key.npy": an array of descr ('<f8', '<f4', '<i8', '|S<n>') and shape (ndim 0, 1 or 2) whose
   `bytes` bytes of data are at data. */
static void npz_add(npz_out *z, const char *key, const char *descr, int ndim, const long *shape, const void *data,
                    size_t bytes)
{
    if (z->failed)
        return;
    if (z->n == z->cap) {
        int cap = z->cap ? 2 * z->cap : 16;
        member *m = realloc(z->m, sizeof *m * (size_t)cap);
        if (!m) {
            z->failed = 1;
            return;
        }
        z->m = m;
        z->cap = cap;
    }
    member *m = &z->m[z->n++];
    rct_buf_init(&m->npy);
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_printf(&b, "%s.npy", key);
    m->name = rct_buf_take(&b);
    rct_buf_init(&b);
    rct_buf_printf(&b, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int d = 0; d < ndim; d++)
        rct_buf_printf(&b, "%s%ld", d ? ", " : "", shape[d]);
    rct_buf_puts(&b, ndim == 1 ? ",), }" : "), }");
    size_t total = 10 + b.len + 1; /* magic, version, length, header, '\n' */
    size_t pad = (64 - total % 64) % 64;
    for (size_t k = 0; k < pad; k++)
        rct_buf_putc(&b, ' ');
    rct_buf_putc(&b, '\n');
    rct_buf_putn(&m->npy, "\x93NUMPY\x01\x00", 8);
    put16(&m->npy, (unsigned)b.len);
    rct_buf_putn(&m->npy, b.s, b.len);
    rct_buf_putn(&m->npy, data, bytes);
    z->failed |= !m->name || b.failed || m->npy.failed;
    rct_buf_free(&b);
}

/* Writes the members as one zip archive (stored, fixed timestamps) to f. */
static int npz_write(npz_out *z, FILE *f)
{
    rct_buf dir;
    rct_buf_init(&dir);
    uint32_t offset = 0;
    int bad = 0;
    for (int k = 0; k < z->n && !bad; k++) {
        const member *m = &z->m[k];
        size_t len = strlen(m->name);
        if (m->npy.len >= 0xFFFFFFFFu || (uint64_t)offset + m->npy.len + len + 30 >= 0xFFFFFFFFu)
            return -2; /* larger than a zip without zip64 holds */
        uint32_t crc = crc32_of((const unsigned char *)m->npy.s, m->npy.len);
        rct_buf h;
        rct_buf_init(&h);
        put32(&h, 0x04034b50);             /* local file header */
        put16(&h, 20);                     /* version needed */
        put16(&h, 0);                      /* flags */
        put16(&h, 0);                      /* stored */
        put16(&h, 0);                      /* time 00:00:00 */
        put16(&h, 0x21);                   /* date 1980-01-01 */
        put32(&h, crc);
        put32(&h, (uint32_t)m->npy.len);
        put32(&h, (uint32_t)m->npy.len);
        put16(&h, (unsigned)len);
        put16(&h, 0);
        rct_buf_putn(&h, m->name, len);
        put32(&dir, 0x02014b50);           /* central directory entry */
        put16(&dir, 0x0314);               /* made by: unix, 2.0 */
        put16(&dir, 20);
        put16(&dir, 0);
        put16(&dir, 0);
        put16(&dir, 0);
        put16(&dir, 0x21);
        put32(&dir, crc);
        put32(&dir, (uint32_t)m->npy.len);
        put32(&dir, (uint32_t)m->npy.len);
        put16(&dir, (unsigned)len);
        put16(&dir, 0);                    /* extra */
        put16(&dir, 0);                    /* comment */
        put16(&dir, 0);                    /* disk */
        put16(&dir, 0);                    /* internal attributes */
        put32(&dir, 0100644u << 16);       /* external: a regular file, rw-r--r-- */
        put32(&dir, offset);
        rct_buf_putn(&dir, m->name, len);
        bad = h.failed || fwrite(h.s, 1, h.len, f) != h.len || fwrite(m->npy.s, 1, m->npy.len, f) != m->npy.len;
        offset += (uint32_t)(h.len + m->npy.len);
        rct_buf_free(&h);
    }
    rct_buf end;
    rct_buf_init(&end);
    put32(&end, 0x06054b50);
    put16(&end, 0);
    put16(&end, 0);
    put16(&end, (unsigned)z->n);
    put16(&end, (unsigned)z->n);
    put32(&end, (uint32_t)dir.len);
    put32(&end, offset);
    put16(&end, 0);
    bad = bad || dir.failed || end.failed || fwrite(dir.s, 1, dir.len, f) != dir.len ||
          fwrite(end.s, 1, end.len, f) != end.len;
    rct_buf_free(&dir);
    rct_buf_free(&end);
    return bad ? -1 : 0;
}

static void npz_free(npz_out *z)
{
    for (int k = 0; k < z->n; k++) {
        free(z->m[k].name);
        rct_buf_free(&z->m[k].npy);
    }
    free(z->m);
}

/* ------------------------------------------------------------------------------------------ reading */

/* A member of an archive read into memory: its name (without .npy), descr, shape and data. */
typedef struct array_in {
    char name[256];
    char descr[32];
    int ndim;
    long shape[2];
    const unsigned char *data;
    size_t bytes;
} array_in;

typedef struct npz_in {
    unsigned char *file;
    size_t size;
    array_in *a;
    int n;
} npz_in;

static uint32_t get16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
    return get16(p) | get16(p + 2) << 16;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Parses the .npy header of a member; 0, or -1 with why filled. */
static int parse_npy(array_in *a, const unsigned char *p, size_t len, char *why, size_t size)
{
    if (len < 10 || memcmp(p, "\x93NUMPY", 6) != 0)
        return snprintf(why, size, "member %s is not a .npy array", a->name), -1;
    size_t hl = p[6] == 1 ? get16(p + 8) : get32(p + 8), start = p[6] == 1 ? 10 : 12;
    if (start + hl > len)
        return snprintf(why, size, "member %s: its header runs past its end", a->name), -1;
    char h[1024];
    snprintf(h, sizeof h, "%.*s", (int)(hl < sizeof h - 1 ? hl : sizeof h - 1), (const char *)p + start);
    const char *d = strstr(h, "'descr':"), *fo = strstr(h, "'fortran_order':"), *sh = strstr(h, "'shape':");
    if (!d || !fo || !sh || sscanf(d + 8, " '%31[^']'", a->descr) != 1)
        return snprintf(why, size, "member %s: a .npy header without descr, fortran_order or shape", a->name), -1;
    if (strncmp(fo + 16 + strspn(fo + 16, " "), "False", 5) != 0)
        return snprintf(why, size, "member %s is in Fortran order", a->name), -1;
    const char *q = strchr(sh, '(');
    a->ndim = 0;
    while (q && *++q && *q != ')') {
        char *end;
        long v = strtol(q, &end, 10);
        if (end == q)
            continue;
        if (a->ndim == 2 || v < 0)
            return snprintf(why, size, "member %s has more than two dimensions", a->name), -1;
        a->shape[a->ndim++] = v;
        q = end - 1;
    }
    a->data = p + start + hl;
    a->bytes = len - start - hl;
    return 0;
}

/* Reads an .npz archive into memory; 0, or -1 with why filled. */
static int npz_read(const char *path, npz_in *z, char *why, size_t size)
{
    memset(z, 0, sizeof *z);
    FILE *f = fopen(path, "rb");
    if (!f)
        return snprintf(why, size, "cannot open: %s", strerror(errno)), -1;
    long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return snprintf(why, size, "cannot read: %s", strerror(errno)), -1;
    }
    z->size = (size_t)len;
    z->file = malloc(z->size + 1);
    int ok = z->file && fread(z->file, 1, z->size, f) == z->size;
    fclose(f);
    if (!ok)
        return snprintf(why, size, z->file ? "cannot read: %s" : "out of memory", strerror(errno)), -1;
    const unsigned char *b = z->file;
    long e = (long)z->size - 22;
    while (e >= 0 && e >= (long)z->size - 22 - 65535 && get32(b + e) != 0x06054b50)
        e--;
    if (e < 0 || get32(b + e) != 0x06054b50)
        return snprintf(why, size, "not a .npz file (no zip directory)"), -1;
    uint32_t count = get16(b + e + 10), dir = get32(b + e + 16);
    if (count == 0xFFFF || dir == 0xFFFFFFFFu)
        return snprintf(why, size, "a zip64 archive directory: not read"), -1;
    z->a = calloc((size_t)count + 1, sizeof *z->a);
    if (!z->a)
        return snprintf(why, size, "out of memory"), -1;
    size_t at = dir;
    for (uint32_t k = 0; k < count; k++) {
        if (at + 46 > z->size || get32(b + at) != 0x02014b50)
            return snprintf(why, size, "a damaged zip directory"), -1;
        uint32_t method = get16(b + at + 10), nlen = get16(b + at + 28), xlen = get16(b + at + 30),
                 clen = get16(b + at + 32);
        uint64_t csize = get32(b + at + 20), usize = get32(b + at + 24), off = get32(b + at + 42);
        if (at + 46 + nlen + xlen > z->size)
            return snprintf(why, size, "a damaged zip directory"), -1;
        /* zip64 extra field: the sizes and offset that do not fit, in this order */
        for (size_t x = at + 46 + nlen; x + 4 <= at + 46 + nlen + xlen;) {
            uint32_t id = get16(b + x), xl = get16(b + x + 2);
            if (id == 1) {
                size_t q = x + 4;
                if (usize == 0xFFFFFFFFu && q + 8 <= x + 4 + xl)
                    usize = get64(b + q), q += 8;
                if (csize == 0xFFFFFFFFu && q + 8 <= x + 4 + xl)
                    csize = get64(b + q), q += 8;
                if (off == 0xFFFFFFFFu && q + 8 <= x + 4 + xl)
                    off = get64(b + q);
            }
            x += 4 + xl;
        }
        array_in *a = &z->a[z->n];
        snprintf(a->name, sizeof a->name, "%.*s", (int)nlen, (const char *)b + at + 46);
        size_t nl = strlen(a->name);
        if (nl > 4 && strcmp(a->name + nl - 4, ".npy") == 0)
            a->name[nl - 4] = '\0';
        if (method != 0)
            return snprintf(why, size, "member %s is compressed: save with np.savez, not np.savez_compressed",
                            a->name), -1;
        if (off + 30 > z->size || get32(b + off) != 0x04034b50)
            return snprintf(why, size, "a damaged zip member %s", a->name), -1;
        uint64_t data = off + 30 + get16(b + off + 26) + get16(b + off + 28);
        if (csize != usize || data + usize > z->size)
            return snprintf(why, size, "member %s runs past the end of the file", a->name), -1;
        if (parse_npy(a, b + data, (size_t)usize, why, size))
            return -1;
        z->n++;
        at += 46 + nlen + xlen + clen;
    }
    return 0;
}

static void npz_in_free(npz_in *z)
{
    free(z->file);
    free(z->a);
}

static const array_in *find(const npz_in *z, const char *name)
{
    for (int k = 0; k < z->n; k++)
        if (strcmp(z->a[k].name, name) == 0)
            return &z->a[k];
    return NULL;
}

/* ----------------------------------------------------------------------------------- what is saved */

/* The populations of net: a network of one template is one population named "". */
static int n_pops(const rectic_net *net)
{
    return net->pn ? net->pn->n_pops : 1;
}

static rectic_net *pop_at(rectic_net *net, int p, const char **name)
{
    *name = net->pn ? net->pn->names[p] : "";
    return net->pn ? net->pn->pops[p] : net;
}

/* The identity of the model the state belongs to: "key: value" lines. */
static char *identity(rectic_net *net)
{
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_printf(&b, "format: %s\ndtype: %s\ndt: %.17g\n", STATE_FORMAT, net->f32 ? "float32" : "float64", net->dt);
    for (int p = 0; p < n_pops(net); p++) {
        const char *name;
        const rectic_net *pop = pop_at(net, p, &name);
        const rct_model *m = pop->model;
        rct_buf_printf(&b, "population %s: %ld units, state", *name ? name : "(the template)", pop->n);
        for (int s = 0; s < m->n_state; s++)
            rct_buf_printf(&b, " %s/%s", m->vars[m->state_var[s]].op, m->vars[m->state_var[s]].name);
        rct_buf_putc(&b, '\n');
        for (int e = 0; e < m->n_eqs; e++)
            rct_buf_printf(&b, "equation %s%s%d: %s\n", name, *name ? " " : "", e, m->eq_text[e]);
        if (m->spike_def >= 0)
            rct_buf_printf(&b, "spikes%s%s: %s/%s from %s/%s\n", *name ? " " : "", name, m->vars[m->spike_var].op,
                           m->vars[m->spike_var].name, m->vars[m->spike_def].op, m->vars[m->spike_def].name);
        if (!net->pn && m->source >= 0)
            rct_buf_printf(&b, "coupling: %s/%s -> %s/%s\n", m->vars[m->source].op, m->vars[m->source].name,
                           m->vars[m->target].op, m->vars[m->target].name);
    }
    for (int k = 0; net->pn && k < net->pn->n_projs; k++) {
        const rct_proj *j = &net->pn->projs[k];
        const rct_model *ms = net->pn->pops[j->src]->model, *mt = net->pn->pops[j->tgt]->model;
        const rct_var *s = &ms->vars[j->src_var], *t = &mt->vars[mt->coup_var[j->tgt_slot]];
        rct_buf_printf(&b, "projection %d: %s/%s/%s -> %s/%s/%s, delay %ld steps\n", k, net->pn->names[j->src], s->op,
                       s->name, net->pn->names[j->tgt], t->op, t->name, j->delay);
    }
    return rct_buf_take(&b);
}

/* The key of state variable s of a population: state/OP/VAR or state/POP/OP/VAR. */
static void state_key(char *key, size_t size, const char *pop, const rct_model *m, int s)
{
    const rct_var *v = &m->vars[m->state_var[s]];
    snprintf(key, size, "state/%s%s%s/%s", pop, *pop ? "/" : "", v->op, v->name);
}

int rectic_net_save_state(rectic_net *net, const char *path)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!path || !*path)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_save_state: no file given");
    npz_out z = {NULL, 0, 0, 0};
    char *id = identity(net);
    if (!id)
        return rct_oom(&net->err);
    const char *real = net->f32 ? "<f4" : "<f8";
    char descr[32], key[600];
    snprintf(descr, sizeof descr, "|S%zu", strlen(id) ? strlen(id) : 1);
    npz_add(&z, "rectic_state", descr, 0, NULL, id, strlen(id) ? strlen(id) : 1);
    int64_t step = net->step_at;
    npz_add(&z, "step", "<i8", 0, NULL, &step, sizeof step);
    size_t rs = rct_rsize(net);
    for (int p = 0; p < n_pops(net); p++) {
        const char *name;
        rectic_net *pop = pop_at(net, p, &name);
        for (int s = 0; s < pop->model->n_state; s++) {
            state_key(key, sizeof key, name, pop->model, s);
            long n = pop->n;
            npz_add(&z, key, real, 1, &n, (const char *)pop->y + (size_t)s * (size_t)n * rs, (size_t)n * rs);
        }
    }
    if (!net->pn && net->coupling_mode == RCT_COUP_EVENT && net->event_valid)
        npz_add(&z, "coupling/event", real, 1, &net->n, net->coup, (size_t)net->n * rs);
    for (int k = 0; net->pn && k < net->pn->n_projs; k++) {
        const rct_proj *j = &net->pn->projs[k];
        if (j->ring) {
            long shape[2] = {j->delay + 1, net->pn->pops[j->src]->n};
            snprintf(key, sizeof key, "projection/%d/ring", k);
            npz_add(&z, key, real, 2, shape, j->ring, rct_pn_ring_bytes(net, j));
        }
        if (j->mode == RCT_COUP_EVENT && net->event_valid) {
            long n = net->pn->pops[j->tgt]->n;
            snprintf(key, sizeof key, "projection/%d/event", k);
            npz_add(&z, key, real, 1, &n, j->tmp, (size_t)n * rs);
        }
    }
    rectic_net *h = rct_layers_out_holder(net);
    if (h && h->mean_acc && h->mean_count > 0) {
        int64_t count = h->mean_count;
        npz_add(&z, "sampling/sum", "<f8", 1, &h->n, h->mean_acc, sizeof(double) * (size_t)h->n);
        npz_add(&z, "sampling/count", "<i8", 0, NULL, &count, sizeof count);
    }
    free(id);
    double *p_full = NULL; /* RLS training and feedback (rls.c) */
    const double *ro_w, *prev;
    long ro_k = 0, ro_n = 0, prev_k = 0;
    int rc = rct_online_save_view(net, &p_full, &ro_w, &ro_k, &ro_n, &prev, &prev_k);
    if (p_full) {
        long shape_p[2] = {ro_n, ro_n}, shape_w[2] = {ro_k, ro_n};
        npz_add(&z, "rls/P", "<f8", 2, shape_p, p_full, sizeof(double) * (size_t)(ro_n * ro_n));
        npz_add(&z, "rls/W", "<f8", 2, shape_w, ro_w, sizeof(double) * (size_t)(ro_k * ro_n));
        free(p_full);
    }
    if (prev)
        npz_add(&z, "feedback/yhat", "<f8", 1, &prev_k, prev, sizeof(double) * (size_t)prev_k);
    rct_afile a;
    if (rc)
        ;
    else if (z.failed)
        rc = rct_oom(&net->err);
    else if (!(rc = rct_afile_open(&a, path, &net->err))) {
        int w = npz_write(&z, a.f);
        if (w) {
            rct_afile_abort(&a);
            rc = w == -2 ? rct_errf(&net->err, RECTIC_EIO, "rectic_net_save_state %s: the state exceeds 4 GiB (zip without "
                                                           "zip64)", path)
                         : rct_errf(&net->err, RECTIC_EIO, "rectic_net_save_state %s: write error: %s", path,
                                    strerror(errno ? errno : EIO));
        } else {
            rc = rct_afile_commit(&a, &net->err);
        }
    }
    npz_free(&z);
    if (rc && strncmp(net->err.msg, "rectic_net_save_state", 21) != 0) {
        char msg[sizeof net->err.msg];
        snprintf(msg, sizeof msg, "%s", net->err.msg);
        rct_errf(&net->err, rc, "rectic_net_save_state: %.2000s", msg);
    }
    if (!rc)
        net->err.code = 0;
    return rc;
}

int rct_checkpoint_due(rectic_net *net)
{
    if (!net->ckpt_path || (net->mpi && rct_mpi_rank(net->mpi) != 0)) /* under MPI rank 0 writes the file */
        return 0;
    int rc = rectic_net_save_state(net, net->ckpt_path);
    if (rc) {
        char msg[sizeof net->err.msg];
        snprintf(msg, sizeof msg, "%s", net->err.msg);
        rct_errf(&net->err, rc, "rectic_net_checkpoint_every %ld (at step %ld): %.1900s", net->ckpt_every, net->step_at, msg);
    }
    return rc;
}

int rectic_net_checkpoint_every(rectic_net *net, long steps, const char *path)
{
    if (!net)
        return RECTIC_EINVAL;
    if (steps < 0 || (steps > 0 && (!path || !*path)))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_checkpoint_every: expected a number of steps >= 1 "
                                                  "and a path (the file rectic_net_save_state writes)");
    char *copy = steps > 0 ? rct_strdup(path) : NULL;
    if (steps > 0 && !copy)
        return rct_oom(&net->err);
    free(net->ckpt_path);
    net->ckpt_path = copy;
    net->ckpt_every = steps;
    net->err.code = 0;
    return 0;
}

long rectic_net_step(const rectic_net *net)
{
    return net ? net->step_at : 0;
}

/* The first line where the two identities differ, for the message. */
static void first_difference(const char *a, const char *b, char *out, size_t size)
{
    while (*a || *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || strncmp(a, b, la) != 0) {
            size_t key = strcspn(a, ":");
            snprintf(out, size, "%.*s: the state has '%.*s', this network '%.*s'", (int)(key < la ? key : la), a,
                     (int)(la > 300 ? 300 : la), a, (int)(lb > 300 ? 300 : lb), b);
            return;
        }
        a += la + (a[la] != 0);
        b += lb + (b[lb] != 0);
    }
    snprintf(out, size, "(no difference)");
}

/* Checks member a: descr and shape (rows, cols; cols -1: one dimension; rows -1: 0-d). */
static int check_array(rectic_net *net, const char *path, const array_in *a, const char *name, const char *descr,
                       long rows, long cols)
{
    if (!a)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_load_state %s: no %s in it (a state of this model holds one)",
                        path, name);
    int ndim = rows < 0 ? 0 : cols < 0 ? 1 : 2;
    size_t item = descr[2] == '4' ? 4 : 8;
    size_t want = (size_t)(rows < 0 ? 1 : rows) * (size_t)(cols < 0 ? 1 : cols) * item;
    if (strcmp(a->descr, descr) != 0 || a->ndim != ndim || (ndim >= 1 && a->shape[0] != rows) ||
        (ndim == 2 && a->shape[1] != cols) || a->bytes < want)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_load_state %s: %s is a %s array of %d dimensions, expected %s of "
                                                  "shape (%ld%s%ld)", path, name, a->descr, a->ndim, descr, rows,
                        ndim == 2 ? ", " : "", ndim == 2 ? cols : 0L);
    return 0;
}

/* Takes RLS training's P and W and the feedback's ŷ from the state when the network trains or feeds back
   (checked first: a failed load changes nothing else). */
static int load_online(rectic_net *net, const char *path, const npz_in *z, long at)
{
    const array_in *p = find(z, "rls/P"), *w = find(z, "rls/W"), *y = find(z, "feedback/yhat");
    if ((p == NULL) != (w == NULL))
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_load_state %s: rls/P and rls/W come together (one is missing)",
                        path);
    long n = p ? p->shape[0] : 0, k = w ? w->shape[0] : 0, yk = y ? y->shape[0] : 0;
    int rc = p ? check_array(net, path, p, "rls/P", "<f8", n, n) : 0;
    if (!rc && w)
        rc = check_array(net, path, w, "rls/W", "<f8", k, n);
    if (!rc && y)
        rc = check_array(net, path, y, "feedback/yhat", "<f8", yk, -1);
    if (rc)
        return rc;
    double *pd = p ? malloc(sizeof(double) * (size_t)(n * n) + 1) : NULL, *wd = w ? malloc(sizeof(double) * (size_t)(k * n) + 1) : NULL;
    double *yd = y ? malloc(sizeof(double) * (size_t)yk + 1) : NULL; /* aligned copies of the members */
    if ((p && !pd) || (w && !wd) || (y && !yd))
        rc = rct_oom(&net->err);
    else {
        if (p)
            memcpy(pd, p->data, sizeof(double) * (size_t)(n * n));
        if (w)
            memcpy(wd, w->data, sizeof(double) * (size_t)(k * n));
        if (y)
            memcpy(yd, y->data, sizeof(double) * (size_t)yk);
        rc = rct_online_load(net, path, pd, n, wd, k, n, yd, yk, at);
    }
    free(pd);
    free(wd);
    free(yd);
    return rc;
}

int rectic_net_load_state(rectic_net *net, const char *path)
{
    if (!net)
        return RECTIC_EINVAL;
    if (!path || !*path)
        return rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_load_state: no file given");
    npz_in z;
    char why[600], key[600];
    if (npz_read(path, &z, why, sizeof why)) {
        npz_in_free(&z);
        return rct_errf(&net->err, RECTIC_EIO, "rectic_net_load_state %s: %s", path, why);
    }
    char *id = identity(net);
    int rc = id ? 0 : rct_oom(&net->err);
    const array_in *a = find(&z, "rectic_state");
    if (!rc && (!a || a->descr[0] != '|' || a->descr[1] != 'S' || a->ndim != 0))
        rc = rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_load_state %s: not a rectic state (no rectic_state text in it)", path);
    if (!rc) {
        size_t len = strnlen((const char *)a->data, a->bytes);
        char *saved = rct_strndup((const char *)a->data, len);
        if (!saved)
            rc = rct_oom(&net->err);
        else if (strcmp(saved, id) != 0) {
            first_difference(saved, id, why, sizeof why);
            rc = rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_load_state %s: a state of another model: %s", path, why);
        }
        free(saved);
    }
    free(id);
    /* check every member first, then take them: a failed load changes nothing */
    const char *real = net->f32 ? "<f4" : "<f8";
    const array_in *step = find(&z, "step");
    if (!rc)
        rc = check_array(net, path, step, "step", "<i8", -1, -1);
    for (int p = 0; !rc && p < n_pops(net); p++) {
        const char *name;
        rectic_net *pop = pop_at(net, p, &name);
        for (int s = 0; !rc && s < pop->model->n_state; s++) {
            state_key(key, sizeof key, name, pop->model, s);
            rc = check_array(net, path, find(&z, key), key, real, pop->n, -1);
        }
    }
    for (int k = 0; !rc && net->pn && k < net->pn->n_projs; k++) {
        const rct_proj *j = &net->pn->projs[k];
        snprintf(key, sizeof key, "projection/%d/ring", k);
        if (j->ring)
            rc = check_array(net, path, find(&z, key), key, real, j->delay + 1, net->pn->pops[j->src]->n);
        snprintf(key, sizeof key, "projection/%d/event", k);
        if (!rc && j->mode == RCT_COUP_EVENT && find(&z, key))
            rc = check_array(net, path, find(&z, key), key, real, net->pn->pops[j->tgt]->n, -1);
    }
    rectic_net *h = rct_layers_out_holder(net);
    const array_in *sum = find(&z, "sampling/sum"), *count = find(&z, "sampling/count");
    if (!rc && (sum || count) && h) {
        rc = check_array(net, path, sum, "sampling/sum", "<f8", h->n, -1);
        if (!rc)
            rc = check_array(net, path, count, "sampling/count", "<i8", -1, -1);
    }
    const array_in *ev = net->pn ? NULL : find(&z, "coupling/event");
    if (!rc && ev && net->coupling_mode == RCT_COUP_EVENT)
        rc = check_array(net, path, ev, "coupling/event", real, net->n, -1);
    int64_t at = 0;
    if (!rc) {
        memcpy(&at, step->data, sizeof at);
        if (at < 0)
            rc = rct_errf(&net->err, RECTIC_EINVAL, "rectic_net_load_state %s: a negative step counter (%lld)", path, (long long)at);
    }
    if (!rc)
        rc = load_online(net, path, &z, (long)at);
    if (rc) {
        npz_in_free(&z);
        return rc;
    }
    size_t rs = rct_rsize(net);
    for (int p = 0; p < n_pops(net); p++) {
        const char *name;
        rectic_net *pop = pop_at(net, p, &name);
        rct_net_restart(pop);
        for (int s = 0; s < pop->model->n_state; s++) {
            state_key(key, sizeof key, name, pop->model, s);
            memcpy((char *)pop->y + (size_t)s * (size_t)pop->n * rs, find(&z, key)->data, (size_t)pop->n * rs);
        }
        pop->step_at = (long)at;
    }
    rct_net_restart(net);
    net->step_at = (long)at;
    int events = 0, event_found = 0;
    for (int k = 0; net->pn && k < net->pn->n_projs; k++) {
        const rct_proj *j = &net->pn->projs[k];
        if (j->ring) {
            snprintf(key, sizeof key, "projection/%d/ring", k);
            memcpy(j->ring, find(&z, key)->data, rct_pn_ring_bytes(net, j));
        }
        snprintf(key, sizeof key, "projection/%d/event", k);
        if (j->mode == RCT_COUP_EVENT) {
            events++;
            if (find(&z, key)) {
                memcpy(j->tmp, find(&z, key)->data, (size_t)net->pn->pops[j->tgt]->n * rs);
                event_found++;
            }
        }
    }
    if (ev && net->coupling_mode == RCT_COUP_EVENT) {
        memcpy(net->coup, ev->data, (size_t)net->n * rs);
        event_found = events = 1;
    }
    net->event_valid = events > 0 && event_found == events; /* else recomputed from the state */
    if (sum && count && h) {
        if (!h->mean_acc && !(h->mean_acc = calloc((size_t)h->n + 1, sizeof(double)))) {
            npz_in_free(&z);
            return rct_oom(&net->err);
        }
        memcpy(h->mean_acc, sum->data, sizeof(double) * (size_t)h->n);
        int64_t c;
        memcpy(&c, count->data, sizeof c);
        h->mean_count = (long)c;
    }
    npz_in_free(&z);
    net->err.code = 0;
    return 0;
}

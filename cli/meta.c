/*
 * meta.c -- DIR/meta.json: the template, resolved equations and every setting of a run, and how it ended;
 * written with the run's files as one output set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "circuit.h"
#include "cli.h"

#define complain rct_cli_complain

/* ---------------------------------------------------------------- meta.json */

/* Writes s as a JSON string. */
void rct_cli_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Writes the member "key": val, (null when val is NULL). */
void rct_cli_json_opt(FILE *f, const char *key, const char *val)
{
    fprintf(f, "  \"%s\": ", key);
    if (val)
        rct_cli_json_str(f, val);
    else
        fputs("null", f);
    fputs(",\n", f);
}

/* Writes the k-th member "key": "val" of an object (", " before every one but the first). */
void rct_cli_json_pair(FILE *f, int k, const char *key, const char *val)
{
    fputs(k ? ", " : "", f);
    rct_cli_json_str(f, key);
    fputs(": ", f);
    rct_cli_json_str(f, val);
}

/* FNV-1a 64-bit hash of the kernel source (identifies the compiled code). */
static unsigned long long hash_source(const char *s)
{
    unsigned long long h = 1469598103934665603ULL;
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* meta.json of a single template: its name, operator and resolved equations. */
static void template_head(FILE *f, const options *o, rectic_net *net)
{
    rct_cli_json_opt(f, "template", o->spec.template_ref);
    rct_cli_json_opt(f, "op", o->spec.op);
    fputs("  \"equations\": [", f);
    for (int i = 0; rectic_net_equation(net, i); i++) {
        fputs(i ? ", " : "", f);
        rct_cli_json_str(f, rectic_net_equation(net, i));
    }
    fputs("],\n", f);
}

/* meta.json of a single template: its files and the roles of its variables. */
static void template_roles(FILE *f, const options *o)
{
    rct_cli_json_opt(f, "weights", o->weights_file);
    rct_cli_json_opt(f, "inputs", o->inputs_file);
    rct_cli_json_opt(f, "source_var", o->spec.source_var);
    rct_cli_json_opt(f, "target_var", o->spec.target_var);
    rct_cli_json_opt(f, "input_var", o->spec.input_var);
    rct_cli_json_opt(f, "output_var", o->spec.output_var);
    rct_cli_json_opt(f, "spike_var", o->spec.spike_var);
    rct_cli_json_opt(f, "spike_def", o->spec.spike_def);
    fprintf(f, "  \"spike_threshold\": %.17g,\n  \"spike_reset\": %.17g,\n", o->spec.spike_threshold,
            o->spec.spike_reset);
}

/* What meta.json's members are made of. */
typedef struct meta_ctx {
    const options *o;
    rectic_net *net;
    const char *status;
    int failed;
} meta_ctx;

/* The members of meta.json (the settings and how the run went), made once the recordings are written: the
   timings then include writing them (rectic_net_write_set_fn).  NULL (ctx->failed) when memory ran out. */
static char *meta_members(void *user)
{
    meta_ctx *ctx = user;
    const options *o = ctx->o;
    rectic_net *net = ctx->net;
    char *members = NULL;
    size_t members_len = 0;
    FILE *f = open_memstream(&members, &members_len);
    if (!f) {
        ctx->failed = 1;
        return NULL;
    }
    rectic_timings t;
    rectic_net_timings(net, &t);
    long n_spikes = rct_cli_spike_count(o, net);
    rct_cli_json_opt(f, "rectic_version", RECTIC_VERSION);
    if (o->network)
        rct_cli_net_meta(f, o, net);
    else
        template_head(f, o, net);
    fprintf(f, "  \"N\": %ld,\n  \"dt\": %.17g,\n  \"steps\": %ld,\n  \"steps_done\": %ld,\n", rectic_net_size(net),
            o->spec.dt, o->steps, rectic_net_steps_done(net));
    rct_cli_json_opt(f, "dtype", o->spec.dtype == RECTIC_FLOAT32 ? "float32" : "float64");
    if (!o->network)
        template_roles(f, o);
    if (o->spec.min_weight >= 0)
        fprintf(f, "  \"min_weight\": %.17g,\n", o->spec.min_weight);
    else
        fputs("  \"min_weight\": null,\n", f);
    fputs("  \"set\": {", f);
    for (int k = 0; k < o->n_sets; k++)
        rct_cli_json_pair(f, k, o->sets[k].name, o->sets[k].value);
    fputs("},\n  \"record\": [", f);
    for (int k = 0; k < o->n_records; k++) {
        fputs(k ? ", " : "", f);
        rct_cli_json_str(f, o->records[k]);
    }
    fputs("],\n", f);
    rct_cli_subset_meta(f, o);
    fprintf(f, "  \"sampling_steps\": %ld,\n", o->sampling_steps);
    rct_cli_json_opt(f, "sampling_mode", o->sampling_mode == RECTIC_SAMPLE_MEAN ? "mean" : "pick");
    fprintf(f, "  \"cutoff\": %ld,\n", o->cutoff);
    rct_cli_json_opt(f, "format", o->format == RECTIC_FORMAT_NPY ? "npy" : "csv");
    fprintf(f, "  \"spikes\": %ld,\n", n_spikes);
    fprintf(f, "  \"kernel_hash\": \"fnv1a64:%016llx\",\n", hash_source(rectic_net_source(net)));
    fprintf(f, "  \"compilations\": %d,\n", rectic_net_compilations(net));
    rct_cli_json_opt(f, "kernel", rectic_net_backend(net));
    fputs("  \"warnings\": [", f);
    int nw = 0;
    for (int i = 0; o->circ && i < o->circ->n_warnings; i++, nw++) {
        fputs(nw ? ", " : "", f);
        rct_cli_json_str(f, o->circ->warnings[i]);
    }
    for (int i = 0; i < rectic_net_warning_count(net); i++, nw++) {
        fputs(nw ? ", " : "", f);
        char flags[8192];
        rct_cli_json_str(f, rct_cli_flags(rectic_net_warning(net, i), flags, sizeof flags));
    }
    fputs("],\n", f);
    rct_cli_json_opt(f, "coupling", rectic_net_coupling(net));
    if (!o->network)
        rct_cli_json_opt(f, "weights_coo", o->coo_file);
    rct_cli_json_opt(f, "recordings", rectic_net_streamed(net) ? "streamed to disk (larger than --max-memory)" : "in memory");
    rct_cli_json_opt(f, "weights_layout", rectic_net_weights_layout(net));
    rct_cli_phases_json(f, &t, &o->times, rct_cli_now());
    rct_cli_ridge_meta(f, o);
    rct_cli_rls_meta(f, o, net);
    rct_cli_state_meta(f, o);
    rct_cli_mpi_meta(f, o);
    rct_cli_json_opt(f, "status", ctx->status);
    fputs("  \"end\": null", f);
    int bad = fflush(f) != 0 || ferror(f);
    fclose(f);
    if (bad || !members) {
        free(members);
        ctx->failed = 1;
        return NULL;
    }
    return members;
}

/* Writes the run's output set into DIR: the recordings, then DIR/meta.json (the settings below and the
   list of files) last, as one set (rectic_net_write_set_fn). */
int rct_cli_write_meta(const options *o, rectic_net *net, const char *status)
{
    meta_ctx ctx = {o, net, status, 0};
    int rc = rectic_net_write_set_fn(net, o->out_dir, o->format, meta_members, &ctx);
    if (rc != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        return -1;
    }
    if (ctx.failed) {
        complain("-o %s: meta.json holds the list of files only: out of memory", o->out_dir);
        return -1;
    }
    return 0;
}

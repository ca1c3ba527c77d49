/*
 * mpi.c -- `mpirun -np P rectic run ...`: the same command on every rank (runtime/mpi.h opens MPI).
 *
 * Every rank reads the files and builds the network; rank 0 alone checks and writes the output folder and
 * prints.  Where the ranks could fail apart (building, loading a state, the output folder) they agree
 * first: when any failed, the first failing rank prints the messages it held and all end with status 1.
 * A failure during the run, where the others wait for its exchange, prints its message and ends every
 * rank (MPI_Abort).
 */
#include <signal.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mpi.h"
#include "mpi_net.h"
#include "mpi_rec.h"
#include "rls.h"

#define META_VALUES 11 /* per rank in meta.json: communication seconds and bytes, weight bytes held, gather
                         seconds, weight values read, peak resident memory, bytes sent to one rank (the
                         weights rank 0 scatters), the online readout's bytes, recorded values held, input values
                         read, the bytes of the other calls (gathers, broadcasts, agreements) */

static FILE *held;      /* this rank's messages until it knows whether to print them */
static char *held_text;
static size_t held_len;

FILE *rct_cli_mpi_held(void)
{
    return held;
}

int rct_cli_mpi_start(options *o)
{
    if (!rct_mpi_launched())
        return 0;
    rct_err err = {0, ""};
    o->mpi = rct_mpi_world(&err);
    if (!o->mpi) {
        rct_cli_complain("%s", err.msg);
        return -1;
    }
    o->spec.mpi = 1; /* each rank reads only its part of the weights */
    if (rct_mpi_rank(o->mpi) != 0) {
        o->quiet = 1;
        held = open_memstream(&held_text, &held_len);
    }
    return 0;
}

/* Prints the messages this rank held. */
static void release(void)
{
    if (!held)
        return;
    fflush(held);
    if (held_len)
        fwrite(held_text, 1, held_len, stderr);
    fclose(held);
    free(held_text);
    held = NULL;
    held_text = NULL;
    held_len = 0;
}

int rct_cli_mpi_agree(const options *o, int failed)
{
    if (!o->mpi)
        return failed;
    int size = rct_mpi_size(o->mpi), *all = calloc((size_t)size, sizeof *all), first = -1;
    rct_err err = {0, ""};
    if (!all || rct_mpi_allgather_int(o->mpi, failed != 0, all, &err)) {
        release();
        rct_cli_complain("%s", all ? err.msg : "out of memory");
        rct_cli_mpi_abort(o, 1);
    }
    for (int r = 0; r < size && first < 0; r++)
        if (all[r])
            first = r;
    free(all);
    if (first == rct_mpi_rank(o->mpi))
        release();
    return first >= 0;
}

void rct_cli_mpi_abort(const options *o, int code)
{
    if (o->mpi && rct_mpi_rank(o->mpi) != 0) { /* an error on every rank: rank 0's message ends the job first */
        signal(SIGTERM, SIG_DFL);              /* (mpirun then ends the others with SIGTERM) */
        sleep(5);
    }
    release();
    fflush(stderr);
    if (o->mpi)
        rct_mpi_abort(o->mpi, code);
    exit(code);
}

int rct_cli_mpi_writer(const options *o)
{
    return !o->mpi || rct_mpi_rank(o->mpi) == 0;
}

/* Writes "name": [...], with value k of every rank's META_VALUES in all, to `digits` significant digits. */
static void put_ranks(FILE *f, const char *name, const double *all, int P, int k, int digits)
{
    fprintf(f, "\"%s\": [", name);
    for (int r = 0; r < P; r++)
        fprintf(f, "%s%.*g", r ? ", " : "", digits, all[META_VALUES * r + k]);
    fputs("], ", f);
}

/* Writes "blocks": rank r's units [lo, hi) of one template, [[lo, hi], ...], or of each population of a
   network, {"POP": [[lo, hi], ...], ...}. */
static void put_blocks(FILE *f, const rectic_net *net, int P)
{
    const char *name;
    const rectic_net *g;
    rct_mpi_net_unit_group(net, 0, &name);
    int pops = name != NULL;
    fputs(pops ? "\"blocks\": {" : "\"blocks\": ", f);
    for (int k = 0; (g = rct_mpi_net_unit_group(net, k, &name)); k++) {
        if (name)
            fprintf(f, "%s\"%s\": ", k ? ", " : "", name); /* (population names are identifiers) */
        fputs("[", f);
        for (int r = 0; r < P; r++) {
            long lo, hi;
            rct_mpi_part_block(net, g, r, &lo, &hi);
            fprintf(f, "%s[%ld, %ld]", r ? ", " : "", lo, hi);
        }
        fputs("]", f);
    }
    fputs(pops ? "}, " : ", ", f);
}

int rct_cli_mpi_meta_make(options *o, rectic_net *net)
{
    if (!o->mpi)
        return 0;
    int P = rct_mpi_size(o->mpi), me = rct_mpi_rank(o->mpi);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru); /* (ru_maxrss: KiB on Linux) */
    double mine[META_VALUES] = {rct_mpi_comm_seconds(o->mpi), rct_mpi_comm_bytes(o->mpi), rectic_net_weight_bytes(net),
                                rct_mpi_other_seconds(o->mpi), rectic_net_weight_values_read(net),
                                (double)ru.ru_maxrss * 1024.0, rct_mpi_sent_bytes(o->mpi), rct_online_mpi_bytes(net),
                                (double)rct_mpi_rec_values(net), rectic_net_input_values_read(net), rct_mpi_other_bytes(o->mpi)};
    double *all = calloc(META_VALUES * (size_t)P, sizeof *all);
    int *counts = calloc(2 * (size_t)P, sizeof *counts);
    rct_err err = {0, ""};
    for (int r = 0; counts && r < P; r++)
        counts[r] = META_VALUES, counts[P + r] = META_VALUES * r;
    int rc = !all || !counts || rct_mpi_gatherv_double(o->mpi, mine, META_VALUES, all, counts, counts + P, &err);
    char *text = NULL;
    size_t len = 0;
    FILE *f = rc || me != 0 ? NULL : open_memstream(&text, &len);
    if (f) {
        long steps = rectic_net_steps_done(net);
        double most = 0;
        if (rct_mpi_net_balanced(net) && o->network)
            fprintf(f, "  \"mpi\": {\"ranks\": %d, \"partition\": \"every population in %d contiguous blocks of "
                       "units, those with sparse weights onto them (all with --mpi-partition synapses) of about equal "
                       "cost (incoming synapses over all projections, plus one per unit)\", ", P, P);
        else if (rct_mpi_net_balanced(net))
            fprintf(f, "  \"mpi\": {\"ranks\": %d, \"partition\": \"%d contiguous blocks of units of about equal "
                       "cost (incoming synapses, plus one per unit)\", ", P, P);
        else
            fprintf(f, "  \"mpi\": {\"ranks\": %d, \"partition\": \"every population in %d contiguous blocks of "
                       "units, sizes differing by at most one, the first ranks larger\", ", P, P);
        put_blocks(f, net, P);
        for (int r = 0; r < P; r++)
            most = all[META_VALUES * r] > most ? all[META_VALUES * r] : most;
        put_ranks(f, "communication_seconds", all, P, 0, 6);
        put_ranks(f, "bytes_received", all, P, 1, 17);
        put_ranks(f, "weight_bytes_held", all, P, 2, 17);
        put_ranks(f, "gather_seconds", all, P, 3, 6);
        put_ranks(f, "gather_bytes_received", all, P, 10, 17);
        put_ranks(f, "weight_values_read", all, P, 4, 17);
        put_ranks(f, "peak_rss_bytes", all, P, 5, 17);
        put_ranks(f, "weight_bytes_sent", all, P, 6, 17);
        double readout = 0; /* fit rls, feedback: the output's columns each step */
        for (int r = 0; r < P; r++)
            readout += all[META_VALUES * r + 7];
        if (readout > 0)
            put_ranks(f, "readout_bytes_received", all, P, 7, 17);
        put_ranks(f, "record_values", all, P, 8, 17);
        put_ranks(f, "input_values_read", all, P, 9, 17);
        fprintf(f, "\"communication_seconds_per_step\": %.6g},\n", steps > 0 ? most / (double)steps : 0.0);
        fclose(f);
        o->mpi_meta = text;
    }
    free(all);
    free(counts);
    if (rc)
        rct_cli_complain("%s", err.msg[0] ? err.msg : "out of memory");
    return rc ? -1 : 0;
}

void rct_cli_mpi_meta(FILE *f, const options *o)
{
    if (o->mpi_meta)
        fputs(o->mpi_meta, f);
}

void rct_cli_mpi_end(void)
{
    if (held) { /* a rank other than 0 that did not fail: rank 0 has said what there was to say */
        fclose(held);
        free(held_text);
        held = NULL, held_text = NULL, held_len = 0;
    }
    rct_mpi_finalize();
}

/*
 * phases.c -- where the command's wall time goes: the library's phases (rectic_net_timings) and the
 * command's own (reading files, writing the output set), summed against the wall time since main began; the
 * rest is said as "unaccounted".  -v prints them, meta.json keeps them as "timings".
 */
#include <stdio.h>
#include <time.h>

#include "cli.h"

double rct_cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The phases in seconds at time now. */
typedef struct phases {
    double template_, weights, files, read, coupling, generate, compile, run, write, wall, unaccounted;
} phases;

static phases sum_up(const rectic_timings *t, const rct_cli_times *c, double now)
{
    phases p = {t->load, t->weights, c->files, 0, t->coupling, t->generate, t->jit, t->run, 0, now - c->start, 0};
    p.write = c->write_start > 0 ? (c->write_end > 0 ? c->write_end : now) - c->write_start : 0;
    p.read = p.template_ + p.weights + p.files;
    p.unaccounted = p.wall - (p.read + p.coupling + p.generate + p.compile + p.run + p.write);
    return p;
}

void rct_cli_phases_json(FILE *f, const rectic_timings *t, const rct_cli_times *c, double now)
{
    phases p = sum_up(t, c, now);
    fprintf(f, "  \"timings\": {\"read\": %.6f, \"template\": %.6f, \"weights\": %.6f, \"files\": %.6f, "
               "\"coupling\": %.6f, \"generate\": %.6f, \"compile\": %.6f, \"run\": %.6f, \"write\": %.6f, "
               "\"wall\": %.6f, \"unaccounted\": %.6f},\n",
            p.read, p.template_, p.weights, p.files, p.coupling, p.generate, p.compile, p.run, p.write, p.wall,
            p.unaccounted);
}

void rct_cli_phases_print(FILE *f, const rectic_timings *t, const rct_cli_times *c, double now)
{
    phases p = sum_up(t, c, now);
    fprintf(f, "read %.3f ms (template %.3f, weights %.3f, files %.3f), build coupling %.3f ms, generate %.3f ms, "
               "compile %.3f ms, run %.3f ms, write %.3f ms, unaccounted %.3f ms; wall %.3f ms",
            p.read * 1e3, p.template_ * 1e3, p.weights * 1e3, p.files * 1e3, p.coupling * 1e3, p.generate * 1e3,
            p.compile * 1e3, p.run * 1e3, p.write * 1e3, p.unaccounted * 1e3, p.wall * 1e3);
}

/*
 * brian2net.c -- rectic beside Brian2's compiled standalone program on one sparse network, both as whole
 * processes: N = 10^5 QIF neurons, 100 random sources each (the startup rows' COO file), eta ~ U(-1,5) and
 * v0 ~ U(-100,100) from files, 1000 steps, event-driven synapses (`--coupling event` with the cc kernel from
 * its cache; Brian2's `u_post += w`), recording the spikes and 100 neurons' synaptic input.  Brian2 is
 * built once by bench/brian2_qif.py (its build is not timed against rectic); then its `main` and `rectic
 * run` alternate, RUNS times each.
 */
#include "brian2net.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "startup.h"

#define B2_N 100000L
#define B2_DEGREE 100L
#define B2_STEPS "1000"
#define B2_RUNS 3

/* The python that has Brian2: $RECTIC_BRIAN2_PYTHON (a virtual environment), else /usr/bin/python3. */
static const char *python(void)
{
    const char *p = getenv("RECTIC_BRIAN2_PYTHON");
    return p && *p ? p : "/usr/bin/python3";
}

/* Writes the network's files into dir: w.npy, eta.npy, v0.npy (deterministic).  0 or -1. */
static int write_network(const char *dir)
{
    char path[4200];
    double *eta = malloc(sizeof *eta * B2_N), *v0 = malloc(sizeof *v0 * B2_N);
    uint64_t x = 12345;
    for (long i = 0; eta && v0 && i < B2_N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        eta[i] = -1 + 6 * (double)(x >> 11) / 9007199254740992.0;
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        v0[i] = -100 + 200 * (double)(x >> 11) / 9007199254740992.0;
    }
    int rc = eta && v0 ? 0 : -1;
    snprintf(path, sizeof path, "%s/eta.npy", dir);
    rc = rc || bench_write_npy(path, eta, B2_N);
    snprintf(path, sizeof path, "%s/v0.npy", dir);
    rc = rc || bench_write_npy(path, v0, B2_N);
    snprintf(path, sizeof path, "%s/w.npy", dir);
    rc = rc || bench_write_coo(path, B2_N, B2_DEGREE);
    free(eta);
    free(v0);
    return rc ? -1 : 0;
}

/* Builds Brian2's program in dir/b2 (*build_s: how long it took); 0, or -1 with the reason in why. */
static int build_brian2(const char *dir, double *build_s, char *why, size_t len)
{
    char cmd[24000];
    snprintf(cmd, sizeof cmd, "'%s' -c 'import brian2' >/dev/null 2>&1", python());
    if (system(cmd) != 0) {
        snprintf(why, len, "%s cannot import brian2 (set RECTIC_BRIAN2_PYTHON to a python that can, e.g. a venv "
                           "with `pip install brian2`)", python());
        return -1;
    }
    snprintf(cmd, sizeof cmd, "'%s' bench/brian2_qif.py --coo %s/w.npy %s/eta.npy %s/v0.npy %s %s/b2 2>/dev/null",
             python(), dir, dir, dir, B2_STEPS, dir);
    FILE *p = popen(cmd, "r");
    if (!p || fscanf(p, "%lf", build_s) != 1) {
        if (p)
            pclose(p);
        snprintf(why, len, "building Brian2's program failed (%s)", cmd);
        return -1;
    }
    return pclose(p) == 0 ? 0 : -1;
}

/* Medians of a side's runs. */
typedef struct side {
    double wall[B2_RUNS], peak[B2_RUNS], cpu[B2_RUNS];
} side;

/* The median of a side's B2_RUNS numbers (sorted in place). */
static double med(double *x)
{
    return bench_median(x, B2_RUNS);
}

/* Runs Brian2's main and rectic alternately (after a warm-up run of each: the page cache, rectic's kernel
   cache); 0 or -1. */
static int run_sides(const char *rectic, const char *dir, side *b, side *r)
{
    char w[4200], eta[4300], v0[4300], out[4200], b2[4200], main_path[4300];
    snprintf(w, sizeof w, "%s/w.npy", dir);
    snprintf(eta, sizeof eta, "eta=@%s/eta.npy", dir);
    snprintf(v0, sizeof v0, "v=@%s/v0.npy", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(b2, sizeof b2, "%s/b2", dir);
    snprintf(main_path, sizeof main_path, "%s/main", b2);
    char *rv[] = {(char *)rectic, "run", "neuron_model_templates.spiking_neurons.qif.qif", "--op", "qif_op",
                  "--source-var", "s", "--target-var", "s_in", "--input-var", "I_ext", "--output-var", "s",
                  "--spike-var", "spike", "--spike-def", "v", "--backend", "cc", "--coupling", "event",
                  "--weights-coo", w, "-N", "100000", "--set", eta, "--set", v0, "--steps", B2_STEPS,
                  "--record", "out[0:100]", "--format", "npy", "-o", out, "-q", NULL};
    char *bv[] = {main_path, NULL};
    double t, p, c;
    if (bench_spawn(rv, NULL, &t, &p, &c) || bench_spawn(bv, b2, &t, &p, &c))
        return -1;
    for (int k = 0; k < B2_RUNS; k++)
        if (bench_spawn(bv, b2, &b->wall[k], &b->peak[k], &b->cpu[k]) ||
            bench_spawn(rv, NULL, &r->wall[k], &r->peak[k], &r->cpu[k]))
            return -1;
    return 0;
}

int brian2net_row(FILE *md, const char *rectic)
{
    char dir[4096], why[30000] = "", cmd[4200];
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof dir, "%s/rectic-brian2net-XXXXXX", tmp);
    if (!mkdtemp(dir))
        return -1;
    const char *had = getenv("XDG_CACHE_HOME");
    char *old = had ? strdup(had) : NULL;
    setenv("XDG_CACHE_HOME", dir, 1); /* rectic's kernel cache: its own, filled by the warm-up run */
    double build = 0, load0 = bench_load();
    side b, r;
    int rc = write_network(dir);
    if (!rc && build_brian2(dir, &build, why, sizeof why) == 0 && run_sides(rectic, dir, &b, &r))
        rc = -1;
    double load1 = bench_load();
    if (old)
        setenv("XDG_CACHE_HOME", old, 1);
    else
        unsetenv("XDG_CACHE_HOME");
    free(old);
    fprintf(md, "\nBeside Brian2's compiled program (issue 15): a QIF network of 10^5 neurons with 100 random sources "
                "each (10^7 synapses, the COO file of the start-up rows), eta ~ U(-1,5) and v0 ~ U(-100,100) from "
                ".npy files, 1000 steps of dt = 1e-3, event-driven synapses, the spikes and 100 neurons' synaptic input "
                "recorded: `rectic run --backend cc --coupling event` (the kernel from its cache) against Brian2's C++ "
                "standalone program (bench/brian2_qif.py --coo, built once beforehand, not timed: its `main` with its "
                "own start-up, loading its arrays), both whole processes from spawn to exit, alternating, %d runs "
                "each after a warm-up run of each; medians. Load average %.1f before, %.1f after (2 cores, shared).\n\n",
            B2_RUNS, load0, load1);
    if (why[0]) {
        printf("\nBrian2 side by side: not measured: %s\n", why);
        fprintf(md, "Not measured: %s.\n", why);
    } else if (!rc) {
        double bw = med(b.wall), rw = med(r.wall), bp = med(b.peak), rp = med(r.peak), bc = med(b.cpu), rcpu = med(r.cpu);
        printf("\nBrian2 side by side: Brian2 %.2f s (%.0f MiB, CPU %.2f s), rectic %.2f s (%.0f MiB, CPU %.2f s): %.2f "
               "(target <= 0.70)\n", bw, bp, bc, rw, rp, rcpu, rw / bw);
        fprintf(md, "| network | Brian2 program (wall, peak RSS, CPU) | rectic (wall, peak RSS, CPU) | rectic / Brian2 "
                    "wall | target | Brian2 build |\n|---|---|---|---|---|---|\n| QIF N=10^5, 10^7 synapses, 1000 "
                    "steps | %.2f s (%.2f-%.2f), %.0f MiB, %.2f s | %.2f s (%.2f-%.2f), %.0f MiB, %.2f s | %.2f | "
                    "<= 0.70%s | %.1f s |\n", bw, b.wall[0], b.wall[B2_RUNS - 1], bp, bc, rw, r.wall[0],
                r.wall[B2_RUNS - 1], rp, rcpu, rw / bw, rw / bw <= 0.7 ? "" : " (missed)", build);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", dir);
    return rc;
}

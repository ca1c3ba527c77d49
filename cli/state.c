/*
 * state.c -- the command line's state checkpoints (issue 16 scope 3): --load-state FILE (continue from a
 * saved state; --set still overrides it), --save-state FILE (at the end of a run, also one stopped by a
 * signal) and --checkpoint-every STEPS (into the --save-state file during the run), and their members of
 * meta.json.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define complain rct_cli_complain

/* --checkpoint-every K: a whole number of steps >= 1. */
int rct_cli_take_checkpoint_every(options *o, const char *flag, const char *v)
{
    return rct_cli_parse_steps(flag, v, 1, &o->state.every);
}

/* Checks the flags' combinations and that the --save-state file's folder can take it (before a long run). */
int rct_cli_state_check(const options *o)
{
    const state_opts *s = &o->state;
    if (s->every && !s->save) {
        complain("--checkpoint-every: give --save-state FILE too (the file the checkpoints go to)");
        return -1;
    }
    if (s->save) {
        char *copy = strdup(s->save);
        const char *dir = copy ? dirname(copy) : ".";
        int ok = access(dir, W_OK | X_OK) == 0;
        int err = errno;
        if (!ok)
            complain("--save-state %s: cannot write into %s: %s", s->save, dir, strerror(err));
        free(copy);
        if (!ok)
            return -1;
    }
    return 0;
}

/* After the network is built: loads the state, applies --set again (it overrides what was loaded), checks
   --cutoff against the steps the run will cover, and sets up the periodic checkpoints. */
int rct_cli_state_apply(options *o, rectic_net *net)
{
    state_opts *s = &o->state;
    if (s->load) {
        if (rectic_net_load_state(net, s->load) != RECTIC_OK) {
            complain("%s", rectic_errmsg(net));
            return -1;
        }
        if (o->network == 2 ? rct_cli_circ_sets(o, net) : rct_cli_apply_sets(o, net)) /* (a circuit's node paths) */
            return -1;
    }
    s->first = rectic_net_step(net);
    if (o->steps > 0 && o->cutoff >= s->first + o->steps) {
        complain("--cutoff %ld: at or beyond the last step (the run covers steps %ld to %ld): nothing would be "
                 "recorded", o->cutoff, s->first, s->first + o->steps - 1);
        return -1;
    }
    if (s->every && rectic_net_checkpoint_every(net, s->every, s->save) != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        return -1;
    }
    return 0;
}

/* At the end of a run (completed or stopped by a signal): saves the state. */
int rct_cli_state_save(const options *o, rectic_net *net, int finite)
{
    const state_opts *s = &o->state;
    if (!s->save)
        return 0;
    if (!finite) {
        complain("--save-state %s: not saved: the state is not finite", s->save);
        return -1;
    }
    if (rectic_net_save_state(net, s->save) != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        return -1;
    }
    return 0;
}

/* meta.json members: the state files and the step the run began at. */
void rct_cli_state_meta(FILE *f, const options *o)
{
    const state_opts *s = &o->state;
    rct_cli_json_opt(f, "load_state", s->load);
    rct_cli_json_opt(f, "save_state", s->save);
    fprintf(f, "  \"checkpoint_every\": %ld,\n  \"first_step\": %ld,\n", s->every, s->first);
}

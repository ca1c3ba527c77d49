/*
 * flags.c -- the library's messages speak of spec fields (spec.dt) and calls (rectic_net_set); the command
 * line's user gave flags.  rct_cli_flags rewrites the one into the other before a message is shown.
 */
#include <string.h>

#include "cli.h"

/* Library names and the flags they stand for; a longer name before any name it begins with. */
static const char *const names[][2] = {
    {"spec.weights_coo_file", "--weights-coo"}, {"spec.weights_coo", "--weights-coo"},
    {"spec.weights_file", "--weights"},         {"spec.weights", "--weights"},
    {"spec.source_var", "--source-var"},        {"spec.target_var", "--target-var"},
    {"spec.input_var", "--input-var"},          {"spec.output_var", "--output-var"},
    {"spec.spike_var", "--spike-var"},          {"spec.spike_def", "--spike-def"},
    {"spec.backend", "--backend"},              {"spec.coupling", "--coupling"},
    {"spec.mpi_partition", "--mpi-partition"},
    {"spec.dtype", "--dtype"},                  {"spec.dt", "--dt"},
    {"spec.op", "--op"},                        {"spec.n", "-N"},
    {"rectic_net_record_spikes", "--record-spikes"},
    {"rectic_net_record", "--record"},          {"rectic_net_set", "--set"},
    {"rectic_net_run: steps", "--steps"},
    {"rectic_net_sampling: sampling_steps", "--sampling-steps"},
    {"rectic_net_sampling: mode", "--sampling-mode"},
    {"rectic_net_sampling: cutoff", "--cutoff"},
    {"rectic_net_standalone", "--standalone"},
    {"rectic_net_max_memory", "--max-memory"},
    {"rectic_net_check_finite(net, 0)", "--no-check-finite"},
    {"rectic_net_save_state", "--save-state"},
    {"rectic_net_load_state", "--load-state"},
    {"rectic_net_checkpoint_every", "--checkpoint-every"},
    {"rectic_net_run: inputs", "--inputs"},
    {"rectic_net_input_weights", "--input-weights"},
    {"rectic_net_readout: act", "--readout-activation"},
    {"rectic_net_readout", "--readout-weights"},
    {"rectic_net_score: targets", "--targets"},
    {"rectic_net_fit_ridge: targets", "--targets"},
    {"rectic_net_fit_ridge: alpha", "--alpha"},
    {"rectic_net_fit_ridge: washout", "--washout"},
    {"rectic_net_rls: targets", "--targets"},
    {"rectic_net_rls: alpha", "--alpha"},
    {"rectic_net_rls: beta", "--beta"},
    {"rectic_net_rls: update_every", "--update-every"},
    {"rectic_net_feedback_into(net, POP, ...)", "--feedback-weights POP=FILE"},
    {"rectic_net_feedback_weights", "--feedback-weights"},
    {"rectic_net_emit with RECTIC_BACKEND_NVRTC", "`rectic emit --target cuda`"},
    {"circuit input", "--input"},
};

/* Is c a character of a C name (so that a name followed by it is only part of a longer one)? */
static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

const char *rct_cli_flags(const char *msg, char *buf, size_t size)
{
    size_t out = 0;
    for (const char *p = msg; *p && out + 1 < size;) {
        size_t k = 0, len = 0;
        int at_start = p == msg || !name_char(p[-1]);
        for (; at_start && k < sizeof names / sizeof names[0]; k++) {
            len = strlen(names[k][0]);
            if (!strncmp(p, names[k][0], len) && !name_char(p[len]))
                break;
        }
        if (at_start && k < sizeof names / sizeof names[0]) {
            size_t flag = strlen(names[k][1]);
            if (out + flag + 1 >= size)
                break;
            memcpy(buf + out, names[k][1], flag);
            out += flag;
            p += len;
        } else {
            buf[out++] = *p++;
        }
    }
    buf[out] = '\0';
    return buf;
}

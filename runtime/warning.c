/*
 * warning.c -- a network's warnings: what the library could work around but its caller should know
 * (a compilation cache it would not trust, a damaged object it rebuilt).  The library never prints them;
 * rectic_net_warning hands them to the caller, and the command line prints them and records them in
 * meta.json.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network.h"

void rct_net_warn(rectic_net *net, const char *fmt, ...)
{
    char text[sizeof net->err.msg + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    for (int i = 0; i < net->n_warnings; i++)
        if (strcmp(net->warnings[i], text) == 0)
            return; /* said once (a parameter sweep may meet the same cache many times) */
    char **grown = realloc(net->warnings, sizeof *grown * (size_t)(net->n_warnings + 1));
    char *copy = rct_strdup(text);
    if (grown)
        net->warnings = grown;
    if (!grown || !copy) { /* out of memory: the warning is lost, the network is not */
        free(copy);
        return;
    }
    net->warnings[net->n_warnings++] = copy;
}

void rct_net_warnings_free(rectic_net *net)
{
    for (int i = 0; i < net->n_warnings; i++)
        free(net->warnings[i]);
    free(net->warnings);
    net->warnings = NULL;
    net->n_warnings = 0;
}

int rectic_net_warning_count(const rectic_net *net)
{
    return net ? net->n_warnings : 0;
}

const char *rectic_net_warning(const rectic_net *net, int i)
{
    return net && i >= 0 && i < net->n_warnings ? net->warnings[i] : NULL;
}

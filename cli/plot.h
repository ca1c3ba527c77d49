/*
 * plot.h -- `rectic plot`: recordings drawn with gnuplot.
 */
#ifndef RCT_CLI_PLOT_H
#define RCT_CLI_PLOT_H

#include <stddef.h>

/* Plots DIR/VAR (and the spikes, and the inputs file when given) into out (.png, .svg or .pdf).
   Returns 0, or 1 with err filled. */
int rct_cli_plot(const char *dir, const char *var, const char *inputs, const char *out, char *err, size_t errsize);

#endif

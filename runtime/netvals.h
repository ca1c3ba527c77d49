/*
 * netvals.h -- the values of a network of one template or of one population (netvals.c; internal).
 */
#ifndef RCT_NETVALS_H
#define RCT_NETVALS_H

#include "network.h"

/* Allocates net->model's state, parameters and coupling slots and fills them with the template defaults. */
int rct_net_init_values(rectic_net *net);
/* The index of variable `name` of net's model (the name forms of rct_model_find), or -1 with net->err
   filled; what names the call in messages. */
int rct_net_find_var(rectic_net *net, const char *name, const char *what);
/* rectic_net_set, rectic_net_get and rectic_net_reset of a network of one template or a population. */
int rct_net_set_values(rectic_net *net, const char *name, const double *values, long count);
int rct_net_get_values(rectic_net *net, const char *name, double *out, long cap, long *count);
int rct_net_reset_values(rectic_net *net);
/* Back to step 0: the step counter, the sampling mean's sums and event-driven coupling's sums (not the
   state). */
void rct_net_restart(rectic_net *net);

#endif

/*
 * emit_c_event.h -- event-driven coupling in the C kernels (emit_c_event.c): a target = W @ source kept up to
 * date from the spikes of a source obeying s' = -s/tau + c*spike.  Internal to the generator.
 */
#ifndef RCT_EMIT_C_EVENT_H
#define RCT_EMIT_C_EVENT_H

#include "emit_common.h"

/* Event-driven updates touching fewer elements (n plus the spiking columns' entries) stay on one thread. */
#define RCT_EVENT_PARALLEL_MIN 65536L

/* Writes rectic_scale_add and rectic_event, the helpers of the single-template kernel's event coupling
   (gain: the source drive's c, or NULL for 1). */
void rct_emc_event_fns(rct_emitter *E, const rct_expr *gain);
/* Writes the RECTIC_EVENT_PARALLEL_MIN macro (a kernel built for OpenMP). */
void rct_emc_event_parallel_min(rct_emitter *E);
/* Writes `const real PREFIXdecay = (real)(1 - dt/tau);` followed by note (a comment, or ""), and
   `const real PREFIXgain = (real)(c);` when gain is not NULL: the decay per step of W @ s and the weight
   of a spike, from the source's equation. */
void rct_emc_event_decay(rct_emitter *E, const rct_expr *tau, const rct_expr *gain, const char *prefix,
                         const char *note);
/* Writes the single-template kernel's event constants (event_decay, event_gain) after its prologue. */
void rct_emc_event_constants(rct_emitter *E, const rct_expr *tau, const rct_expr *gain);
/* Writes the single-template kernel's event update after the step (rectic_event, on the kernel's threads
   when the update touches many elements). */
void rct_emc_event_update(rct_emitter *E, const rct_expr *gain);

#endif

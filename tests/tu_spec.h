/*
 * tu_spec.h -- network specs shared by the Check test programs that build networks (with testutil.h).
 */
#ifndef RCT_TU_SPEC_H
#define RCT_TU_SPEC_H

#include "rectic.h"

/* A spec for RectiPy's QIF network roles with n neurons: the template and operator, coupling s -> s_in, input
   I_ext, output s, spike var spike when v reaches the threshold; no weights yet. */
static inline void tu_qif_spec(rectic_spec *s, long n)
{
    rectic_spec_init(s);
    s->template_ref = "neuron_model_templates.spiking_neurons.qif.qif";
    s->op = "qif_op";
    s->n = n;
    s->source_var = "s";
    s->target_var = "s_in";
    s->input_var = "I_ext";
    s->output_var = "s";
    s->spike_var = "spike";
    s->spike_def = "v";
}

#endif

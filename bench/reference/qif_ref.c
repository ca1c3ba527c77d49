/*
 * qif_ref.c -- a hand-written QIF network (the "physical-limit proxy"), compiled with gcc -O3 -march=native.
 *
 * The same arithmetic as rectic's generated kernel for neuron_model_templates.spiking_neurons.qif.qif with
 * RectiPy's spike rule: coupling from the pre-update s, Euler update, reset by blending, out = s recorded
 * every step.  Coupling: a plain loop for small n, cblas_dgemv above it.
 */
#include "qif_ref.h"

#include <cblas.h>

long qif_ref_run(const qif_ref_net *q, long steps, const double *inputs, double *v, double *s, double *s_in,
                 double *rec_out)
{
    const long n = q->n;
    const double dt = q->dt, thr = q->threshold, reset = q->reset;
    long spikes = 0;
    for (long step = 0; step < steps; step++) {
        const double *in = inputs + (q->input_stride ? step * n : 0);
        if (rec_out)
            for (long i = 0; i < n; i++)
                rec_out[step * n + i] = s[i];
        if (n <= 16) {
            for (long i = 0; i < n; i++) {
                double acc = 0;
                for (long j = 0; j < n; j++)
                    acc += q->w[i * n + j] * s[j];
                s_in[i] = acc;
            }
        } else {
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)n, 1.0, q->w, (int)n, s, 1, 0.0, s_in, 1);
        }
        for (long i = 0; i < n; i++) {
            const double vi = v[i], si = s[i];
            const double spk = vi >= thr ? 1.0 : 0.0;
            const double dv = (vi * vi + q->eta[i] + in[i]) / q->tau + q->k * s_in[i];
            const double ds = -si / q->tau_s + spk / dt;
            v[i] = (vi + dt * dv) * (1 - spk) + spk * reset;
            s[i] = si + dt * ds;
            spikes += spk != 0;
        }
    }
    return spikes;
}

long qif_ref_run_csr(const qif_ref_net *q, const long *ptr, const int *col, const double *val, long steps,
                     const double *inputs, double *v, double *s, double *s_in)
{
    const long n = q->n;
    const double dt = q->dt, thr = q->threshold, reset = q->reset;
    long spikes = 0;
    for (long step = 0; step < steps; step++) {
        const double *in = inputs + (q->input_stride ? step * n : 0);
        for (long i = 0; i < n; i++) {
            double acc = 0;
            for (long k = ptr[i]; k < ptr[i + 1]; k++)
                acc += val[k] * s[col[k]];
            s_in[i] = acc;
        }
        for (long i = 0; i < n; i++) {
            const double vi = v[i], si = s[i];
            const double spk = vi >= thr ? 1.0 : 0.0;
            const double dv = (vi * vi + q->eta[i] + in[i]) / q->tau + q->k * s_in[i];
            const double ds = -si / q->tau_s + spk / dt;
            v[i] = (vi + dt * dv) * (1 - spk) + spk * reset;
            s[i] = si + dt * ds;
            spikes += spk != 0;
        }
    }
    return spikes;
}

double qif_ref_read(const double *w, long count)
{
    typedef double v4 __attribute__((vector_size(32), aligned(8), may_alias));
    v4 a = {0, 0, 0, 0}, b = a, c = a, d = a;
    for (long i = 0; i + 16 <= count; i += 16) { /* four independent sums: loads, not additions, set the pace */
        a += *(const v4 *)(w + i);
        b += *(const v4 *)(w + i + 4);
        c += *(const v4 *)(w + i + 8);
        d += *(const v4 *)(w + i + 12);
    }
    v4 t = a + b + c + d;
    return t[0] + t[1] + t[2] + t[3];
}

/* qif_ref.h -- the hand-written reference QIF network of the benchmarks. */
#ifndef QIF_REF_H
#define QIF_REF_H

typedef struct qif_ref_net {
    long n;
    double dt, threshold, reset, tau, k, tau_s;
    const double *w;     /* n x n, row = target */
    const double *eta;   /* n */
    int input_stride;    /* 1: inputs are steps x n; 0: one row for every step */
} qif_ref_net;

/* Runs `steps` steps from (v, s); records out = s per step into rec_out (steps x n) when given.
   Returns the number of spikes. */
long qif_ref_run(const qif_ref_net *q, long steps, const double *inputs, double *v, double *s, double *s_in,
                 double *rec_out);

/* The same with W in compressed sparse rows (no recording). */
long qif_ref_run_csr(const qif_ref_net *q, const long *ptr, const int *col, const double *val, long steps,
                     const double *inputs, double *v, double *s, double *s_in);

/* Reads count doubles once, summing them four lanes at a time (count a multiple of 16): the least time any
   product with a dense matrix of that size needs on one core (the memory floor). */
double qif_ref_read(const double *w, long count);

#endif

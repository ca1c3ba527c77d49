/*
 * rls_kernel.h -- the O(n²) part of an RLS update (rls.c): P x for the symmetric P, and P's rank-one
 * update, in one fixed order of additions whatever the threads, the CPU or the MPI rank (internal).
 */
#ifndef RECTIC_RLS_KERNEL_H
#define RECTIC_RLS_KERNEL_H

/* px = P x for the symmetric P (n x n, its upper triangle row-major). */
void rct_rls_sym_times(const double *P, const double *x, double *px, long n);

/* row[j] = (row[j] + a px[j]) * (1 / beta) for j = 0 .. m-1 (unscaled when beta is 1): one row of P's update. */
void rct_rls_row_update(double *row, const double *px, long m, double a, double beta);

#endif

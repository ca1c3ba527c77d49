/*
 * rls_kernel.c -- the O(n²) part of an RLS update (see rls_kernel.h): rectic's own loops, not a BLAS's
 * dsymv/dsyr, whose sums depend on its thread count and on its CPU's kernel (mpirun binds a rank to one
 * core; a cluster's nodes differ), so that one process and every MPI rank get the same bits.
 *
 * The loops are written with four doubles a vector (GCC's and Clang's vector extension; -O2 leaves plain
 * loops scalar).  Each lane is its own running sum, so the bits are set by the code, not by the
 * instructions the compiler picks for it, and nothing fuses multiply-adds (-std=c11 keeps contraction off).
 */
#include "rls_kernel.h"

#include <string.h>

typedef double v4d __attribute__((vector_size(32)));

/* Four doubles between memory (unaligned) and a vector (macros: a function returning a 32-byte vector
   would depend on the vector ABI, -Wpsabi). */
#define LOAD4(v, p) memcpy(&(v), (p), sizeof(v4d))
#define STORE4(p, v) memcpy((p), &(v), sizeof(v4d))

/* px_i gathers P_ri x_r of the rows r < i as they pass, then P_ii x_i plus row i's sum over j > i: four
   running sums s_u (j = i + 1 + u mod 4) added as (s_0 + s_1) + (s_2 + s_3), then the rest one by one. */
void rct_rls_sym_times(const double *P, const double *x, double *px, long n)
{
    memset(px, 0, sizeof(double) * (size_t)n);
    for (long i = 0; i < n; i++) {
        const double *row = P + i * n;
        const double xi = x[i];
        const v4d xv = {xi, xi, xi, xi};
        v4d s = {0, 0, 0, 0};
        long j = i + 1;
        for (; j + 3 < n; j += 4) {
            v4d r, xj, pj;
            LOAD4(r, row + j);
            LOAD4(xj, x + j);
            LOAD4(pj, px + j);
            s += r * xj;
            pj += r * xv;
            STORE4(px + j, pj);
        }
        double acc = (s[0] + s[1]) + (s[2] + s[3]);
        for (; j < n; j++) {
            acc += row[j] * x[j];
            px[j] += row[j] * xi;
        }
        px[i] += row[i] * xi + acc;
    }
}

/* Each entry on its own: (row[j] + a px[j]) / beta. */
void rct_rls_row_update(double *row, const double *px, long m, double a, double beta)
{
    const v4d av = {a, a, a, a}, bv = {beta, beta, beta, beta};
    long j = 0;
    for (; j + 3 < m; j += 4) {
        v4d r, pj;
        LOAD4(r, row + j);
        LOAD4(pj, px + j);
        r += av * pj;
        if (beta != 1)
            r /= bv;
        STORE4(row + j, r);
    }
    for (; j < m; j++)
        row[j] = beta != 1 ? (row[j] + a * px[j]) / beta : row[j] + a * px[j];
}

/*
 * rls_kernel.c -- the O(n²) part of an RLS update (see rls_kernel.h): rectic's own loops, not a BLAS's
 * dsymv/dsyr, whose sums depend on its thread count and on its CPU's kernel (mpirun binds a rank to one
 * core; a cluster's nodes differ), so that one process and every MPI rank get the same bits.
 *
 * The loops are written with four doubles a vector (GCC's and Clang's vector extension; -O2 leaves plain
 * loops scalar).  Each lane is its own running sum, so the bits are set by the code, not by the
 * instructions the compiler picks for it, and nothing fuses multiply-adds (-std=c11 keeps contraction off).
 * P x takes the triangle's rows four at a time, so that x and px are loaded once per four rows.
 */
#include "rls_kernel.h"

#include <string.h>

#ifdef __clang__ /* Clang contracts a * b + c into an FMA where the target has one, whatever -std says */
#pragma STDC FP_CONTRACT OFF
#endif

typedef double v4d __attribute__((vector_size(32)));

/* Four doubles between memory (unaligned) and a vector (macros: a function returning a 32-byte vector
   would depend on the vector ABI, -Wpsabi). */
#define LOAD4(v, p) memcpy(&(v), (p), sizeof(v4d))
#define STORE4(p, v) memcpy((p), &(v), sizeof(v4d))
#define SPLAT(s) ((v4d){(s), (s), (s), (s)})
#define HSUM(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))

/* Row i alone (a row past the last block of four): px_j += P_ij x_i for j > i, then px_i gets P_ii x_i
   plus the row's sum over j > i: four running sums s_u (j = i + 1 + u mod 4) added as (s_0 + s_1) +
   (s_2 + s_3), then the rest one by one. */
static void one_row(const double *row, const double *x, double *px, long i, long n)
{
    const double xi = x[i];
    const v4d xv = SPLAT(xi);
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
    double acc = HSUM(s);
    for (; j < n; j++) {
        acc += row[j] * x[j];
        px[j] += row[j] * xi;
    }
    px[i] += row[i] * xi + acc;
}

/* Rows i .. i+3 (a, b, c, d) over the columns j >= i + 4: each row's sum in four running sums (j = i + 4
   + u mod 4) added as (s_0 + s_1) + (s_2 + s_3), then the rest one by one, into acc[0..3]; px_j +=
   (P_aj x_a + P_bj x_b) + (P_cj x_c + P_dj x_d). */
static void four_rows_right(const double *a, const double *x, double *px, long i, long n, double acc[4])
{
    const double *b = a + n, *c = b + n, *d = c + n;
    const v4d xa = SPLAT(x[i]), xb = SPLAT(x[i + 1]), xc = SPLAT(x[i + 2]), xd = SPLAT(x[i + 3]);
    v4d sa = {0, 0, 0, 0}, sb = sa, sc = sa, sd = sa;
    long j = i + 4;
    for (; j + 3 < n; j += 4) {
        v4d ra, rb, rc, rd, xj, pj;
        LOAD4(ra, a + j);
        LOAD4(rb, b + j);
        LOAD4(rc, c + j);
        LOAD4(rd, d + j);
        LOAD4(xj, x + j);
        LOAD4(pj, px + j);
        sa += ra * xj;
        sb += rb * xj;
        sc += rc * xj;
        sd += rd * xj;
        pj += (ra * xa + rb * xb) + (rc * xc + rd * xd);
        STORE4(px + j, pj);
    }
    acc[0] = HSUM(sa), acc[1] = HSUM(sb), acc[2] = HSUM(sc), acc[3] = HSUM(sd);
    for (; j < n; j++) {
        acc[0] += a[j] * x[j], acc[1] += b[j] * x[j], acc[2] += c[j] * x[j], acc[3] += d[j] * x[j];
        px[j] += (a[j] * x[i] + b[j] * x[i + 1]) + (c[j] * x[i + 2] + d[j] * x[i + 3]);
    }
}

/* Rows i .. i+3 of the triangle: the columns right of the block (four_rows_right), then the block's own
   corner row by row: px_v += P_uv x_u for v > u in the block, and px_u += P_uu x_u + (its corner entries
   right of the diagonal in order, then acc_u). */
static void four_rows(const double *P, const double *x, double *px, long i, long n)
{
    double acc[4];
    four_rows_right(P + i * n, x, px, i, n, acc);
    for (long u = i; u < i + 4; u++) {
        const double *row = P + u * n;
        double s = 0;
        for (long v = u + 1; v < i + 4; v++) {
            s += row[v] * x[v];
            px[v] += row[v] * x[u];
        }
        px[u] += row[u] * x[u] + (s + acc[u - i]);
    }
}

/* px = P x: the rows in blocks of four from row 0, then the last n mod 4 rows one by one. */
void rct_rls_sym_times(const double *P, const double *x, double *px, long n)
{
    memset(px, 0, sizeof(double) * (size_t)n);
    long i = 0;
    for (; i + 3 < n; i += 4)
        four_rows(P, x, px, i, n);
    for (; i < n; i++)
        one_row(P + i * n, x, px, i, n);
}

/* Each entry on its own: (row[j] + a px[j]) * (1 / beta) (no multiplication when beta is 1; a product, not
   a division, per entry: a vector division takes several times a product's time). */
void rct_rls_row_update(double *row, const double *px, long m, double a, double beta)
{
    const double ib = 1 / beta;
    const v4d av = SPLAT(a), bv = SPLAT(ib);
    long j = 0;
    for (; j + 3 < m; j += 4) {
        v4d r, pj;
        LOAD4(r, row + j);
        LOAD4(pj, px + j);
        r += av * pj;
        if (beta != 1)
            r *= bv;
        STORE4(row + j, r);
    }
    for (; j < m; j++)
        row[j] = beta != 1 ? (row[j] + a * px[j]) * ib : row[j] + a * px[j];
}

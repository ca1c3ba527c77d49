/*
 * gemv_rows.h -- the dense coupling product y = W x, row by row, in an order that depends on nothing but
 * the row's length (rectic's own; embedded in the standalone programs too).
 *
 * A BLAS gemv sums a row in an order that depends on where the row falls in the block it is given (OpenBLAS
 * groups rows by four, and its threads split them), so a block of rows need not give the bits of the whole
 * matrix.  Here every row is four partial sums over the columns j = 0, 1, 2, 3 mod 4, added as
 * (s0 + s1) + (s2 + s3), then the last cols mod 4 terms in order: any block of rows, on any MPI rank or
 * thread, gives the bits of one process.  Four rows at a time share the loads of x.
 */
#ifndef RCT_GEMV_ROWS_H
#define RCT_GEMV_ROWS_H

/* Row i of w (w + i*cols) times x into y[i], i = 0 .. rows-1, in the type `real`: four rows at a time (four
   independent chains of additions in flight: ~25% faster than two, from cache and from memory alike), then
   the rest one by one, each row summed as alone. */
#define RCT_GEMV_ROWS(name, real)                                                                       \
    static void name(long rows, long cols, const real *w, const real *x, real *y)                      \
    {                                                                                                   \
        const long c4 = cols - cols % 4;                                                                \
        long i = 0;                                                                                     \
        for (; i + 4 <= rows; i += 4) { /* four rows, each summed as alone */                          \
            const real *const a = w + i * cols, *const b = a + cols, *const c = b + cols;               \
            const real *const d = c + cols;                                                             \
            real a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;                        \
            real c0 = 0, c1 = 0, c2 = 0, c3 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0;                        \
            for (long j = 0; j < c4; j += 4) {                                                          \
                a0 += a[j] * x[j], a1 += a[j + 1] * x[j + 1], a2 += a[j + 2] * x[j + 2];                \
                a3 += a[j + 3] * x[j + 3];                                                              \
                b0 += b[j] * x[j], b1 += b[j + 1] * x[j + 1], b2 += b[j + 2] * x[j + 2];                \
                b3 += b[j + 3] * x[j + 3];                                                              \
                c0 += c[j] * x[j], c1 += c[j + 1] * x[j + 1], c2 += c[j + 2] * x[j + 2];                \
                c3 += c[j + 3] * x[j + 3];                                                              \
                d0 += d[j] * x[j], d1 += d[j + 1] * x[j + 1], d2 += d[j + 2] * x[j + 2];                \
                d3 += d[j + 3] * x[j + 3];                                                              \
            }                                                                                           \
            real sa = (a0 + a1) + (a2 + a3), sb = (b0 + b1) + (b2 + b3);                                \
            real sc = (c0 + c1) + (c2 + c3), sd = (d0 + d1) + (d2 + d3);                                \
            for (long j = c4; j < cols; j++)                                                            \
                sa += a[j] * x[j], sb += b[j] * x[j], sc += c[j] * x[j], sd += d[j] * x[j];             \
            y[i] = sa, y[i + 1] = sb, y[i + 2] = sc, y[i + 3] = sd;                                     \
        }                                                                                               \
        for (; i < rows; i++) {                                                                         \
            const real *const a = w + i * cols;                                                         \
            real a0 = 0, a1 = 0, a2 = 0, a3 = 0;                                                        \
            for (long j = 0; j < c4; j += 4) {                                                          \
                a0 += a[j] * x[j], a1 += a[j + 1] * x[j + 1], a2 += a[j + 2] * x[j + 2];                \
                a3 += a[j + 3] * x[j + 3];                                                              \
            }                                                                                           \
            real sa = (a0 + a1) + (a2 + a3);                                                            \
            for (long j = c4; j < cols; j++)                                                            \
                sa += a[j] * x[j];                                                                      \
            y[i] = sa;                                                                                  \
        }                                                                                               \
    }

#endif

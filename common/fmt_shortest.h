/*
 * fmt_shortest.h -- the fast path of rectic's number formatting, in integer arithmetic.
 *
 * rectic writes a double as the first of "%.15g", "%.16g", "%.17g" that reads back as the same double.
 * Done with printf and strtod that costs up to three of each per value (~1-3 µs); this computes the same
 * text exactly with 128-bit integers for the values simulations mostly produce (0 and magnitudes in
 * [1e-5, 2^53)), and declines the others, which the caller then formats the slow way.
 *
 * Included by common/util.c (rct_fmt_double) and placed before the standalone program's text
 * (generator/standalone/sim_main.c), so that both write the same bytes.  Self-contained, all static.
 */
#ifndef RCT_FMT_SHORTEST_H
#define RCT_FMT_SHORTEST_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 rct_u128;

/* 10^k as a 128-bit integer, 0 <= k <= 38. */
static rct_u128 rct_pow10_u128(int k)
{
    static const uint64_t p10[20] = {
        UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000), UINT64_C(100000),
        UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
        UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000), UINT64_C(10000000000000),
        UINT64_C(100000000000000), UINT64_C(1000000000000000), UINT64_C(10000000000000000),
        UINT64_C(100000000000000000), UINT64_C(1000000000000000000), UINT64_C(10000000000000000000)};
    return k <= 19 ? (rct_u128)p10[k] : (rct_u128)p10[19] * p10[k - 19];
}

/* Writes the P significant digits `digits` (a P-digit integer) with decimal exponent X the way "%.Pg"
   does: fixed notation when -4 <= X < P, else d.ddde+XX; trailing zeros of the fraction dropped. */
static void rct_fmt_g(char *out, int neg, uint64_t digits, int P, int X)
{
    char d[24];
    for (int i = P - 1; i >= 0; i--, digits /= 10)
        d[i] = (char)('0' + digits % 10);
    int last = P - 1; /* the last significant digit kept */
    char *o = out;
    if (neg)
        *o++ = '-';
    if (X < -4 || X >= P) {
        while (last > 0 && d[last] == '0')
            last--;
        *o++ = d[0];
        if (last > 0) {
            *o++ = '.';
            for (int i = 1; i <= last; i++)
                *o++ = d[i];
        }
        *o++ = 'e';
        *o++ = X < 0 ? '-' : '+';
        int ax = X < 0 ? -X : X;
        if (ax >= 100)
            *o++ = (char)('0' + ax / 100);
        *o++ = (char)('0' + ax / 10 % 10);
        *o++ = (char)('0' + ax % 10);
    } else if (X >= 0) { /* X + 1 digits before the point */
        while (last > X && d[last] == '0')
            last--;
        for (int i = 0; i <= X; i++)
            *o++ = d[i];
        if (last > X) {
            *o++ = '.';
            for (int i = X + 1; i <= last; i++)
                *o++ = d[i];
        }
    } else { /* 0.000ddd */
        while (last > 0 && d[last] == '0')
            last--;
        *o++ = '0';
        *o++ = '.';
        for (int i = -1; i > X; i--)
            *o++ = '0';
        for (int i = 0; i <= last; i++)
            *o++ = d[i];
    }
    *o = '\0';
}

/* Formats x as the first of %.15g, %.16g, %.17g that reads back as x; 1 when done, 0 when x is outside
   the fast path (the caller formats it with printf and strtod). */
static int rct_fmt_shortest(char out[32], double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int neg = (int)(bits >> 63);
    int biased = (int)((bits >> 52) & 0x7ff);
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    if (biased == 0 && frac == 0) { /* +-0: "%g" writes 0 and -0 */
        strcpy(out, neg ? "-0" : "0");
        return 1;
    }
    if (biased == 0 || biased == 0x7ff)
        return 0; /* subnormal, infinite or NaN */
    uint64_t m = frac | (UINT64_C(1) << 52);
    int s = 1075 - biased; /* x = m / 2^s */
    if (s < 0 || s > 70)
        return 0; /* |x| >= 2^53 or |x| < ~8.5e-6 */
    /* k: 10^16 <= |x| * 10^k < 10^17, from an estimate corrected exactly */
    const rct_u128 lo17 = rct_pow10_u128(16), hi17 = rct_pow10_u128(17);
    /* a guess from the binary exponent (log10 |x| = log10 m - s log10 2, log10 m in [15.65, 15.96)),
       off by at most one and corrected below */
    int k = 16 - (int)floor(15.8 - (double)s * 0.30102999566398120);
    if (k < 0 || k > 22)
        return 0;
    while (k > 0 && (rct_u128)m * rct_pow10_u128(k) >= (hi17 << s))
        k--;
    while (k < 22 && (rct_u128)m * rct_pow10_u128(k) < (lo17 << s))
        k++;
    rct_u128 n17 = (rct_u128)m * rct_pow10_u128(k);
    if (n17 < (lo17 << s) || n17 >= (hi17 << s))
        return 0;
    for (int P = 15; P <= 17; P++) {
        int kp = k - (17 - P); /* |x| * 10^kp has P digits before the point */
        if (kp < 0)
            return 0;
        rct_u128 scale = rct_pow10_u128(kp), n = (rct_u128)m * scale;
        rct_u128 q = n >> s, r = n - (q << s), half = s > 0 ? (rct_u128)1 << (s - 1) : 0;
        if (s > 0 && (r > half || (r == half && (q & 1))))
            q++; /* to nearest, ties to even, as printf rounds */
        int X = P - 1 - kp;
        rct_u128 top = rct_pow10_u128(P);
        rct_u128 cand = q; /* the decimal q / 10^kp */
        if (q == top) { /* 9.99.. rounded up to 10.0..: one digit fewer after the point */
            q /= 10;
            X++;
        }
        /* does q / 10^kp read back as x?  |cand - n / 2^s| must be below half the gap to the neighbour
           double on its side (ties: x's mantissa is even) */
        rct_u128 c2 = cand << s, diff = c2 > n ? c2 - n : n - c2;
        int lower_gap_half = c2 < n && m == (UINT64_C(1) << 52); /* below a power of two the gap halves */
        rct_u128 lhs = diff << (lower_gap_half ? 2 : 1);
        if (lhs < scale || (lhs == scale && (m & 1) == 0)) {
            rct_fmt_g(out, neg, (uint64_t)q, P, X);
            return 1;
        }
    }
    return 0;
}
#else
/* Without 128-bit integers every number takes the slow path. */
static int rct_fmt_shortest(char out[32], double x)
{
    (void)out, (void)x;
    return 0;
}
#endif

#endif

/*
 * fmt_number.h -- rectic's number formatting: the text of every number it writes (CSV outputs, numbers in
 * generated code, `rectic check`).
 *
 * rectic writes a double as the first of "%.15g", "%.16g", "%.17g" that reads back as the same double (a
 * float: "%.6g" .. "%.9g").  Done with printf and strtod that costs up to three of each per value (~1-3
 * µs); this computes the same text exactly with 128-bit integers for the values simulations mostly
 * produce (0 and magnitudes from ~1e-5 (floats: ~1e-14) to 2^53 (floats: 2^24)), and declines the
 * others, which the caller then formats the slow way.
 *
 * Included by common/util.c (rct_fmt_double, rct_fmt_float) and placed before the standalone program's
 * text (generator/standalone/sim_main.c), so that both write the same bytes.  Self-contained, all static.
 */
#ifndef RCT_FMT_NUMBER_H
#define RCT_FMT_NUMBER_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 rct_u128;

/* 10^k as a 128-bit integer, 0 <= k <= 38. */
static inline rct_u128 rct_pow10_u128(int k)
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
static inline void rct_fmt_g(char *out, int neg, uint64_t digits, int P, int X)
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

/* The digits of |x| = m / 2^s (m with `mbits` bits, the top one set) as the first of "%.Pg", P = pmin ..
   pmax, that reads back as x in its own precision; 1 when done, 0 outside the fast path. */
static inline int rct_fmt_core(char out[32], int neg, uint64_t m, int s, int mbits, int pmin, int pmax)
{
    if (s < 0 || s > 70)
        return 0; /* |x| >= 2^mbits, or too small for 128 bits */
    const int kmax = (int)((127 - mbits) * 0.30102999566398120); /* m * 10^k stays below 2^127 */
    const rct_u128 lo = rct_pow10_u128(pmax - 1), hi = rct_pow10_u128(pmax);
    /* k: 10^(pmax-1) <= |x| * 10^k < 10^pmax.  A guess from the binary exponent (log10 |x| =
       log10 m - s log10 2, log10 m within half a binade of (mbits - 0.5) log10 2), off by at most one and
       corrected exactly */
    int k = pmax - 1 - (int)floor(((double)mbits - 0.5 - (double)s) * 0.30102999566398120);
    if (k < 0 || k > kmax)
        return 0;
    while (k > 0 && (rct_u128)m * rct_pow10_u128(k) >= (hi << s))
        k--;
    while (k < kmax && (rct_u128)m * rct_pow10_u128(k) < (lo << s))
        k++;
    rct_u128 nmax = (rct_u128)m * rct_pow10_u128(k);
    if (nmax < (lo << s) || nmax >= (hi << s))
        return 0;
    for (int P = pmin; P <= pmax; P++) {
        int kp = k - (pmax - P); /* |x| * 10^kp has P digits before the point */
        if (kp < 0)
            return 0;
        rct_u128 scale = rct_pow10_u128(kp), n = (rct_u128)m * scale;
        rct_u128 q = n >> s, r = n - (q << s), half = s > 0 ? (rct_u128)1 << (s - 1) : 0;
        if (s > 0 && (r > half || (r == half && (q & 1))))
            q++; /* to nearest, ties to even, as printf rounds */
        int X = P - 1 - kp;
        rct_u128 cand = q; /* the decimal q / 10^kp */
        if (q == rct_pow10_u128(P)) { /* 9.99.. rounded up to 10.0..: one digit fewer after the point */
            q /= 10;
            X++;
        }
        /* does q / 10^kp read back as x?  |cand - n / 2^s| must be below half the gap to the neighbour
           on its side (ties: x's mantissa is even) */
        rct_u128 c2 = cand << s, diff = c2 > n ? c2 - n : n - c2;
        int lower_gap_half = c2 < n && m == (UINT64_C(1) << (mbits - 1)); /* below a power of two the gap halves */
        rct_u128 lhs = diff << (lower_gap_half ? 2 : 1);
        if (lhs < scale || (lhs == scale && (m & 1) == 0)) {
            rct_fmt_g(out, neg, (uint64_t)q, P, X);
            return 1;
        }
    }
    return 0;
}

/* The fast path for an IEEE value of `mbits` significand bits (the implicit one included) and `ebits`
   exponent bits, given by its bits: the first of "%.Pg", P = pmin .. pmax, that reads back as it; 1 when
   done, 0 for subnormals, infinities, NaNs and the values rct_fmt_core declines. */
static inline int rct_fmt_ieee(char out[32], uint64_t bits, int mbits, int ebits, int pmin, int pmax)
{
    const int emask = (1 << ebits) - 1, bias = emask / 2;
    int neg = (int)(bits >> (mbits - 1 + ebits)) & 1;
    int biased = (int)((bits >> (mbits - 1)) & (uint64_t)emask);
    uint64_t frac = bits & ((UINT64_C(1) << (mbits - 1)) - 1);
    if (biased == 0 && frac == 0) { /* +-0: "%g" writes 0 and -0 */
        strcpy(out, neg ? "-0" : "0");
        return 1;
    }
    if (biased == 0 || biased == emask)
        return 0; /* subnormal, infinite or NaN */
    return rct_fmt_core(out, neg, frac | (UINT64_C(1) << (mbits - 1)), bias + mbits - 1 - biased, mbits, pmin, pmax);
}

/* Formats x as the first of %.15g, %.16g, %.17g that reads back as x (strtod); 1 when done, 0 when x is
   outside the fast path (the caller formats it with printf and strtod). */
static inline int rct_fmt_shortest(char out[32], double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return rct_fmt_ieee(out, bits, 53, 11, 15, 17);
}

/* The same for a float: the first of %.6g .. %.9g that reads back as x (strtof). */
static inline int rct_fmt_shortest_f(char out[32], float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return rct_fmt_ieee(out, bits, 24, 8, 6, 9);
}
#else
/* Without 128-bit integers every number takes the slow path. */
static inline int rct_fmt_shortest(char out[32], double x)
{
    (void)out, (void)x;
    return 0;
}
static inline int rct_fmt_shortest_f(char out[32], float x)
{
    (void)out, (void)x;
    return 0;
}
#endif

/* Writes x (a float's value when `as_float`) as the first of %.15g .. %.17g (floats: %.6g .. %.9g) that
   reads back as the same number; "nan", "inf", "-inf" for the others. */
static inline void rct_fmt_number(char out[32], double x, int as_float)
{
    if (isnan(x)) {
        strcpy(out, "nan");
        return;
    }
    if (isinf(x)) {
        strcpy(out, x > 0 ? "inf" : "-inf");
        return;
    }
    if (as_float ? rct_fmt_shortest_f(out, (float)x) : rct_fmt_shortest(out, x))
        return; /* the same text, computed in integers */
    for (int prec = as_float ? 6 : 15; prec <= (as_float ? 9 : 17); prec++) {
        snprintf(out, 32, "%.*g", prec, x);
        if (as_float ? strtof(out, NULL) == (float)x : strtod(out, NULL) == x)
            return;
    }
}

#endif

#!/usr/bin/python3
"""rls_numpy.py -- the NumPy side of the benchmark's online-learning rows (bench/rlsbench.c).

usage: rls_numpy.py X.npy Y.npy ALPHA READOUT.npy
    runs RectiPy's RLS update (SEMANTICS §10) on every row of X (T x N) with targets Y (T x k), as rectic's
    fit rls of an identity network does: ŷ = W x; e = y - ŷ; k = P x / (1 + xᵀ P x); P = P - outer(k, xᵀ P);
    W = W + outer(e, P x); prints "seconds_per_step max_rel_diff", the difference of the final W to rectic's
    READOUT.npy relative to its largest entry.
"""
import sys
import time

import numpy as np


def main(argv):
    x, y, alpha, ref = np.load(argv[0]), np.load(argv[1]), float(argv[2]), np.load(argv[3])
    n, k = x.shape[1], y.shape[1]
    w, p = np.zeros((k, n)), alpha * np.eye(n)
    t0 = time.perf_counter()
    for t in range(x.shape[0]):
        xt = x[t]
        e = y[t] - w @ xt
        px = p @ xt
        gain = px / (1.0 + xt @ px)
        p = p - np.outer(gain, xt @ p)
        w = w + np.outer(e, p @ xt)
    per_step = (time.perf_counter() - t0) / x.shape[0]
    print("%.9f %.3g" % (per_step, np.max(np.abs(w - ref)) / np.max(np.abs(ref))))


if __name__ == "__main__":
    main(sys.argv[1:])

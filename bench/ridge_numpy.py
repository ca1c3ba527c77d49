#!/usr/bin/python3
"""ridge_numpy.py -- the NumPy side of the benchmark's reservoir row (bench/ridgebench.c).

usage: ridge_numpy.py solve X.npy Y.npy ALPHA WASHOUT READOUT.npy
           times w = numpy.linalg.solve(XᵀX + αI, XᵀY) over the rows >= WASHOUT (RectiPy's fit_ridge with a
           solver instead of its explicit inverse; median of 3) and prints "seconds max_rel_diff", the
           difference to rectic's readout READOUT.npy (k x N) relative to its largest entry
       ridge_numpy.py whole J.npy ETA.npy INPUTS.npy W_IN.npy Y.npy ALPHA WASHOUT STEPS X.npy
           the same run as a plain NumPy loop (the QIF of tests/netref.py and SEMANTICS 3-4) and its fit; prints
           "seconds_run seconds_fit max_rel_diff" (of X's first 200 rows against rectic's X.npy)
"""
import sys
import time

import numpy as np


def solve(argv):
    x, y = np.load(argv[0]), np.load(argv[1])
    alpha, washout = float(argv[2]), int(argv[3])
    ref = np.load(argv[4])
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        xw, yw = x[washout:], y[washout:]
        w = np.linalg.solve(xw.T @ xw + alpha * np.eye(x.shape[1]), xw.T @ yw)
        times.append(time.perf_counter() - t0)
    diff = np.max(np.abs(w.T - ref)) / np.max(np.abs(ref))
    print("%.6f %.3g" % (sorted(times)[1], diff))


def whole(argv):
    """RectiPy's QIF network (SEMANTICS 3-4: s_in = J @ s, dv = k*s_in + (I + eta + v*v)/tau, ds = -s/tau_s +
    spike, spike at v >= 100, reset to -100, the input I = W_in @ x_n, X = s before each update) written as a
    plain NumPy loop, then the fit; X's first rows are checked against rectic's (X.npy)."""
    J, eta = np.load(argv[0]), np.load(argv[1])[:, 0]
    x, w_in, y, xr = np.load(argv[2]), np.load(argv[3]), np.load(argv[4]), np.load(argv[8], mmap_mode="r")
    alpha, washout, steps, dt, tau_s = float(argv[5]), int(argv[6]), int(argv[7]), 1e-3, 0.01
    n = J.shape[0]
    t0 = time.perf_counter()
    v, s = np.full(n, -2.0), np.zeros(n)
    X = np.empty((steps, n))
    I = x[:steps] @ w_in.T
    for t in range(steps):
        X[t] = s
        spk = (v >= 100.0).astype(np.float64)
        dv = J @ s + (I[t] + eta + v * v)
        ds = -s / tau_s + spk / dt
        v = v + dt * dv
        s = s + dt * ds
        v = v * (1.0 - spk) + spk * -100.0
    t1 = time.perf_counter()
    xw, yw = X[washout:], y[washout:steps]
    np.linalg.solve(xw.T @ xw + alpha * np.eye(n), xw.T @ yw)
    t2 = time.perf_counter()
    m = min(200, steps)  # the first steps, before chaos separates the two runs' rounding
    diff = np.max(np.abs(X[:m] - xr[:m])) / max(np.max(np.abs(xr[:m])), 1e-300)
    print("%.6f %.6f %.3g" % (t1 - t0, t2 - t1, diff))


if __name__ == "__main__":
    sys.exit({"solve": solve, "whole": whole}[sys.argv[1]](sys.argv[2:]))

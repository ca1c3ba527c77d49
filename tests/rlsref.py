#!/usr/bin/python3
"""rlsref.py -- an independent NumPy reference of the online readout (issue 17): RectiPy's RLS edge
(../shared/SEMANTICS.md §10) trained while a network runs, and FORCE feedback, as `rectic fit rls` and
`rectic run --feedback-weights` compute them.

usage: rlsref.py update X Y [rls options] -o DIR
           RLS on given rows: x_n = row n of X (T x N, e.g. the recorded output of a run), target row n of Y.
       rlsref.py simulate --weights J --dt DT --tau TAU (--inputs X | --steps T) [--input-weights W_IN]
                          [--feedback-weights W_FB] [--targets Y [rls options]] [--readout-weights W0]
                          [--out-units K] -o DIR
           A leaky-integrator tanh network (rectic's leaky_integrator.tanh: r = tanh(v), r_in = J @ r,
           v' = -v/tau + r_in + I_ext) whose output x_n = r_n (before step n's update) is read out; the input
           of step n is row n of X (broadcast when it has one column), or W_IN @ x_n, plus W_FB @ ŷ_{n-1}.
           --out-units K reads out r_n[:K] only: the E population of an E/I network of two such populations
           with the same tau is this network with J = [[J_EE, J_EI], [J_IE, J_II]] and E's units first (the
           inputs and W_FB of E padded with zero rows, or columns of X, for I).
rls options: --alpha A (P0 = A I, default 1), --beta B (default 1), --update-every K (default 1),
             --train-steps T1 (updates on steps n < T1 only; default all), --first S (the step counter of row 0).
Writes out.csv (ŷ_n = W x_n per step, W before the step's update), and with targets error.csv (e per update
step), readout.csv (the final W) and P.npy.  Per update, literally (SEMANTICS §10):
    e = y - ŷ;  k = P x / (β + xᵀ P x);  P = (P - outer(k, xᵀ P)) / β;  W = W + outer(e, P x)  (the new P)
Needs numpy (/usr/bin/python3).
"""
import argparse
import os

import numpy as np


class RLS:
    """The readout W (k x N) and its RLS state."""

    def __init__(self, w0, alpha, beta, every, train_end):
        self.w = w0.copy()
        self.p = alpha * np.eye(w0.shape[1])
        self.beta, self.every, self.train_end = beta, every, train_end
        self.errors = []

    def step(self, n, x, y):
        """ŷ of step n from x, then the update when n is an update step; returns ŷ."""
        yhat = self.w @ x
        if y is not None and n % self.every == 0 and (self.train_end < 0 or n < self.train_end):
            e = y - yhat
            px = self.p @ x
            k = px / (self.beta + x @ px)
            self.p = (self.p - np.outer(k, x @ self.p)) / self.beta
            self.w = self.w + np.outer(e, self.p @ x)
            self.errors.append(e)
        return yhat


def load(path):
    if path is None:
        return None
    return np.load(path) if path.endswith(".npy") else np.loadtxt(path, delimiter=",", ndmin=2)


def write(out, rls, yhat):
    os.makedirs(out, exist_ok=True)
    np.savetxt(os.path.join(out, "out.csv"), np.array(yhat), delimiter=",", fmt="%r")
    if rls is not None:
        k = rls.w.shape[0]
        np.savetxt(os.path.join(out, "error.csv"), np.array(rls.errors).reshape(-1, k), delimiter=",", fmt="%r")
        np.savetxt(os.path.join(out, "readout.csv"), rls.w, delimiter=",", fmt="%r")
        np.save(os.path.join(out, "P.npy"), rls.p)


def make_rls(a, n, k):
    w0 = load(a.readout_weights) if a.readout_weights else np.zeros((k, n))
    return RLS(w0, a.alpha, a.beta, a.update_every, a.train_steps)


def update(a):
    x, y = load(a.x), load(a.y)
    rls = make_rls(a, x.shape[1], y.shape[1])
    yhat = [rls.step(a.first + n, x[n], y[n]) for n in range(x.shape[0])]
    write(a.out, rls, yhat)


def simulate(a):
    J = load(a.weights)
    n = J.shape[0]
    x = load(a.inputs)
    y = load(a.targets)
    w_in, w_fb = load(a.input_weights), load(a.feedback_weights)
    steps = x.shape[0] if x is not None else a.steps
    k = y.shape[1] if y is not None else load(a.readout_weights).shape[0]
    units = a.out_units or n
    rls = make_rls(a, units, k)
    v = np.zeros(n)
    prev = None
    yhat = []
    for s in range(steps):
        r = np.tanh(v)
        out = rls.step(a.first + s, r[:units], y[s] if y is not None else None)
        yhat.append(out)
        u = np.zeros(n)
        if x is not None:
            u = w_in @ x[s] if w_in is not None else np.broadcast_to(x[s], (n,)) if x.shape[1] == 1 else x[s]
        if w_fb is not None and prev is not None:
            u = u + w_fb @ prev
        v = v + a.dt * (-v / a.tau + J @ r + u)
        prev = out
    write(a.out, rls if y is not None else None, yhat)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("update", "simulate"))
    ap.add_argument("x", nargs="?")
    ap.add_argument("y", nargs="?")
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--update-every", type=int, default=1)
    ap.add_argument("--train-steps", type=int, default=-1)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--readout-weights")
    ap.add_argument("--weights")
    ap.add_argument("--dt", type=float)
    ap.add_argument("--tau", type=float, default=10.0)
    ap.add_argument("--inputs")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--input-weights")
    ap.add_argument("--feedback-weights")
    ap.add_argument("--targets")
    ap.add_argument("--out-units", type=int)
    ap.add_argument("-o", dest="out", required=True)
    a = ap.parse_args()
    update(a) if a.mode == "update" else simulate(a)


if __name__ == "__main__":
    main()

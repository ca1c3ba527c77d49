#!/usr/bin/env python3
"""bench/mpi_model.py ROWS STEPS -- the MPI scaling table of bench/mpi.sh and a model projecting it to 64 and
1024 ranks (Markdown on stdout; bench/results_mpi.md).

ROWS: one measured run a line, "P N K coupling ms_per_step comm_ms_per_step bytes_per_step spikes weight_bytes"
(K = 0: no coupling).

The model (per step, per rank; N units, in-degree K, P ranks, S state variables per unit, nu spikes per unit
per second, dt, a network of latency ALPHA and bandwidth BETA):

  compute   t_c = c_syn * N*K/P + c_unit * N/P + c_rep * N
            c_syn: one synapse (measured: sparse and event rows at P = 1), c_unit: one unit's update
            (uncoupled rows), c_rep: what every rank does for all N units (the spike list, passes before
            the coupling, copying the gathered state; from the uncoupled rows at P = 1 and 2)
  exchange  rectic now: every rank's state blocks to all (MPI_Allgatherv, ring algorithm):
            bytes received B_state = S*8*N*(P-1)/P, t_x = ALPHA*log2(P) + B_state/BETA
            (checked: B_state against the bytes the runs received)
            NEST's scheme (not implemented yet): spike indices only, every D = min-delay/dt steps:
            B_spk = 4*nu*N*dt per step, t_x = (ALPHA*log2(P) + 4*nu*N*dt*D/BETA)/D
"""
import math
import sys

ALPHA = 2e-6          # s: latency of one message on a 100 Gb/s InfiniBand-class network
BETA = 100e9 / 8      # bytes/s: 100 Gb/s
S = 2                 # QIF state variables (v, s)
NU = 5.0              # spikes per unit per second (cortex-like)
DT = 1e-3
D = 2                 # min-delay 2 ms / dt


def load(path):
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) >= 9:
            rows.append(dict(P=int(f[0]), N=int(f[1]), K=int(f[2]), c=f[3], ms=float(f[4]), comm=float(f[5]),
                             bytes=float(f[6]), spikes=int(f[7]), wbytes=float(f[8])))
    return rows


def find(rows, **k):
    for r in rows:
        if all(r[a] == b for a, b in k.items()):
            return r
    return None


def main():
    rows, steps = load(sys.argv[1]), int(sys.argv[2])
    cores, loadavg = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("?", "?")
    out = ["# MPI scaling (issue 18; `make bench-mpi`, bench/mpi.sh)", "",
           "QIF networks, random in-degree K, eta ~ U(-20, 400), %d steps, TinyCC kernel, one thread per rank, "
           "ranks on the 2 cores of this machine (shared with other work: times are indicative); "
           "`comm` is the time in the exchanges between steps on the rank that spent most (waiting for the slower "
           "rank included), bytes are what the busiest rank received per step. 1 and 2 ranks write the same bytes (checked)." % steps, "",
           "Measured on %s cores with a load average of %s (1, 5, 15 min) from other work: two ranks on two busy "
           "cores wait for each other (MPI busy-waits, the other work takes the cores), so the 2-rank rows are "
           "slower than one rank and `comm` is mostly that wait, not the transfer (8 MB at memory speed is ~1-2 "
           "ms); the per-unit figures below are upper bounds. On idle cores or separate machines the synapse "
           "part halves with 2 ranks (each holds half the weights: last column)." % (cores, loadavg), "",
           "| P | N | K | coupling | ms/step | comm ms/step | bytes/step | spikes | weight bytes per rank |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %(P)d | %(N)d | %(K)d | %(c)s | %(ms).3f | %(comm).3f | %(bytes).0f | %(spikes)d | %(wbytes).3g |" % r)
    # model inputs from the measurements
    syn = []
    for r in rows:
        if r["P"] == 1 and r["K"] > 0 and r["c"] in ("sparse", "event"):
            syn.append((r["c"], r["N"], r["K"], 1e-3 * r["ms"] / (r["N"] * r["K"])))
    un1 = [r for r in rows if r["K"] == 0 and r["P"] == 1]
    un2 = [r for r in rows if r["K"] == 0 and r["P"] == 2]
    c_unit = c_rep = float("nan")
    if un1 and un2:  # t1 = c_unit*N + c_rep*N, t2 = c_unit*N/2 + c_rep*N (+ comm, taken out)
        n, t1, t2 = un1[0]["N"], 1e-3 * un1[0]["ms"], 1e-3 * (un2[0]["ms"] - un2[0]["comm"])
        c_unit = max(2 * (t1 - t2) / n, 0.0)
        c_rep = max(t1 / n - c_unit, 0.0)
    c_syn = sum(s[3] for s in syn if s[0] == "sparse") / max(1, len([s for s in syn if s[0] == "sparse"]))
    out += ["", "## Model inputs, checked against the runs", ""]
    for c, n, k, v in syn:
        out.append("- compute per synapse (%s, N = %d, K = %d, one rank, whole step / (N K)): %.2f ns" % (c, n, k, 1e9 * v))
    out.append("- per unit: update c_unit = %.2f ns, done by every rank for all units c_rep = %.2f ns (uncoupled "
               "rows, P = 1 and 2; c_rep = the 2-rank compute beyond half the 1-rank time: here the wait "
               "for the other rank, an upper bound)" % (1e9 * c_unit, 1e9 * c_rep))
    for r in rows:
        if r["P"] == 2:
            pred = S * 8 * r["N"] * (r["P"] - 1) / r["P"]
            out.append("- bytes received per step, N = %d (%s): measured %.0f, model S*8*N*(P-1)/P = %.0f (%+.1f%%)"
                       % (r["N"], r["c"], r["bytes"], pred, 100 * (r["bytes"] / pred - 1)))
    out += ["", "## Projection (100 Gb/s: latency %.0f us, %.1f GB/s; S = %d; rate %.0f Hz; min-delay %d steps)" %
            (1e6 * ALPHA, BETA / 1e9, S, NU, D), "",
            "N = 10^6 units with K = 10^3 synapses each (10^9 synapses), c_syn = %.2f ns:" % (1e9 * c_syn), "",
            "| P | compute ms/step | state allgather (rectic now) ms/step | spike indices every min-delay (NEST) ms/step "
            "| time per step now ms | efficiency now |", "|---|---|---|---|---|---|"]
    n, k = 1e6, 1e3
    t1 = c_syn * n * k + (c_unit + c_rep) * n
    for p in (1, 2, 64, 1024):
        tc = c_syn * n * k / p + c_unit * n / p + c_rep * n
        tx_state = 0 if p == 1 else ALPHA * math.log2(p) + S * 8 * n * (p - 1) / p / BETA
        tx_spk = 0 if p == 1 else (ALPHA * math.log2(p) + 4 * NU * n * DT * D / BETA) / D
        out.append("| %d | %.3f | %.3f | %.4f | %.3f | %.0f%% |" % (p, 1e3 * tc, 1e3 * tx_state, 1e3 * tx_spk,
                                                                    1e3 * (tc + tx_state), 100 * t1 / p / (tc + tx_state)))
    p = 1024
    out += ["", "Reading, at %d ranks: the synapses take %.1f ms a step, the work every rank does for all N units "
            "%.1f ms (c_rep * N, an upper bound from this machine), the state allgather %.1f ms (S*8*N = %.0f MB to "
            "every rank). The last two do not shrink with P: rectic's next steps for large P are exchanging only "
            "spike indices every min-delay steps (%.0f kB a step, %.3f ms) and spike detection on each rank's own "
            "units." % (p, 1e3 * c_syn * n * k / p, 1e3 * c_rep * n, 1e3 * (ALPHA * math.log2(p) + S * 8 * n / BETA),
                        S * 8 * n / 1e6, 4 * NU * n * DT / 1e3,
                        1e3 * (ALPHA * math.log2(p) + 4 * NU * n * DT * D / BETA) / D)]
    print("\n".join(out))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""bench/mpi_model.py ROWS STEPS [CORES LOAD [PARTS]] -- the MPI scaling table of bench/mpi.sh and a model
projecting it to 64 and 1024 ranks (Markdown on stdout; bench/results_mpi.md).

ROWS: one measured run a line, "P N K coupling ms_per_step comm_ms_per_step bytes_per_step spikes weight_bytes
[partition blocks busiest_compute_ms_per_step]" (K = 0: no coupling).  PARTS: rows of the same form, the runs
of --mpi-partition units and synapses side by side (a table of their own).

The model (per step, per rank; N units, in-degree K (random sources), P ranks, nu spikes per unit per second,
dt, a network of latency ALPHA and bandwidth BETA):

  compute   t_c = c_syn * N*K/P + c_unit * N/P + c_rep * N
            c_syn: one synapse (measured: sparse and event rows at P = 1), c_unit: one unit's update
            (uncoupled, one rank), c_rep: what every rank would do for all N units per step: none in the scheme
            (each rank computes only its own units in every pass; the gathered spike list is O(spikes)); the
            uncoupled 2-rank run bounds it from above (its compute beyond half the 1-rank time)
  exchange  (rectic's scheme, runtime/mpi_xchg.c; checked against the bytes the 2-rank runs received)
            spikes, every step (every spiking population): the counts, 4*(P-1) bytes, and the other ranks'
            spiking units, 4 bytes each (an int; 8 for populations of 2^31 units or more; the step is the one
            being computed, so it does not cross): B_spk = 4*(P-1) + 4*nu*N*dt*(P-1)/P
            sparse rate coupling: the source entries a rank's rows reference on other ranks, 8 bytes each,
            with random sources B_rate = 8*N*(1 - exp(-K/P))*(P-1)/P, one MPI_Alltoallv (P-1 messages)
            event-driven coupling: B_spk only, t_x = 2*ALPHA*log2(P) + B_spk/BETA
            delayed projections: their entries every D = min-delay/dt steps (NEST's scheme): t_x / D per step
"""
import math
import sys

ALPHA = 2e-6          # s: latency of one message on a 100 Gb/s InfiniBand-class network
BETA = 100e9 / 8      # bytes/s: 100 Gb/s
NU = 5.0              # spikes per unit per second (cortex-like)
DT = 1e-3
D = 2                 # min-delay 2 ms / dt


def bytes_spikes(p, n, rate_per_step):
    """Bytes a rank receives per step for the spike lists: counts, then the other ranks' spiking units (ints)."""
    return 0.0 if p == 1 else 4 * (p - 1) + 4 * rate_per_step * n * (p - 1) / p


def bytes_rate(p, n, k):
    """Bytes a rank receives per step for sparse rate coupling with k random sources per unit."""
    return 0.0 if p == 1 else 8 * n * (1 - math.exp(-k / p)) * (p - 1) / p


def load(path):
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) >= 9:
            rows.append(dict(P=int(f[0]), N=int(f[1]), K=int(f[2]), c=f[3], ms=float(f[4]), comm=float(f[5]),
                             bytes=float(f[6]), spikes=int(f[7]), wbytes=float(f[8]),
                             part=f[9] if len(f) > 11 else "auto", blocks=f[10] if len(f) > 11 else "-",
                             busy=float(f[11]) if len(f) > 11 else float("nan")))
    return rows


def find(rows, **k):
    for r in rows:
        if all(r[a] == b for a, b in k.items()):
            return r
    return None


def measured_table(rows, steps, cores, loadavg):
    """The measured runs as a Markdown table with its heading."""
    out = ["# MPI scaling (issue 18; `make bench-mpi`, bench/mpi.sh)", "",
           "QIF networks, random in-degree K, eta ~ U(-20, 400), %d steps, TinyCC kernel, one thread per rank, "
           "ranks on the cores of this machine (shared with other work: times are indicative); `comm` is the time "
           "in the exchanges between and within steps on the rank that spent most (waiting for the slower rank "
           "included), bytes are what the busiest rank received per step. 1 and 2 ranks write the same bytes "
           "(checked)." % steps, "",
           "Measured on %s cores with a load average of %s (1, 5, 15 min) from other work: two ranks on two busy "
           "cores wait for each other (MPI busy-waits, the other work takes the cores), so `comm` is mostly that "
           "wait, not the transfer; the per-unit figures below are upper bounds. Each rank computes only its own "
           "units and holds only their incoming weights (last column)." % (cores, loadavg), "",
           "| P | N | K | coupling | ms/step | comm ms/step | bytes/step | spikes | weight bytes per rank |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %(P)d | %(N)d | %(K)d | %(c)s | %(ms).3f | %(comm).3f | %(bytes).0f | %(spikes)d | %(wbytes).3g |" % r)
    return out


def partition_table(parts):
    """The runs with equal blocks and with blocks balanced by incoming synapses, side by side."""
    out = ["", "## Partitions: equal blocks (`--mpi-partition units`) vs blocks of about equal incoming synapses "
           "(`synapses`), 2 ranks", "",
           "The uniform network has K random sources per unit (both partitions give about the same blocks); the "
           "skewed one (K = 130 on average) gives units 0 .. N/4-1 400 sources each and the others 40. The busiest "
           "rank's compute is ms/step less the smallest wait in the exchange (the rank that waited least is the one "
           "the other waited for). Both partitions write the same bytes (checked).", "",
           "| network | N | partition | blocks | ms/step | comm ms/step | busiest rank's compute ms/step | "
           "bytes/step | weight bytes, busiest rank |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in parts:
        out.append("| %s | %d | %s | %s | %.3f | %.3f | %.3f | %.0f | %.3g |" % (
            "skewed" if r["K"] == 130 else "uniform, K = %d" % r["K"], r["N"], r["part"],
            r["blocks"].replace(";", ", "), r["ms"], r["comm"], r["busy"], r["bytes"], r["wbytes"]))
    said = []
    for r in parts:  # each network: balanced blocks against equal ones, measured in the same run
        u = [q for q in parts if (q["N"], q["K"], q["part"]) == (r["N"], r["K"], "units")]
        if r["part"] != "synapses" or not u:
            continue
        said.append("%s: %.2f times the time per step of equal blocks, %.2f times the busiest rank's compute" % (
            "skewed" if r["K"] == 130 else "uniform", r["ms"] / u[0]["ms"], r["busy"] / u[0]["busy"]))
    if said:
        out += ["", "Blocks balanced by synapses, " + "; ".join(said) + " (on the uniform network the blocks are the "
                "same, so its ratios are the noise of the busy machine)."]
    return out


def model_inputs(rows, steps):
    """The model's inputs from the runs (c_syn, c_unit, c_rep) and the bytes it predicts against those measured."""
    out = ["", "## Model inputs, checked against the runs", ""]
    un1 = [r for r in rows if r["K"] == 0 and r["P"] == 1]
    un2 = [r for r in rows if r["K"] == 0 and r["P"] == 2]
    c_unit = c_rep = 0.0
    if un1 and un2:  # t1 = c_unit*N, t2 = c_unit*N/2 + c_rep*N (+ comm, taken out)
        n, t1, t2 = un1[0]["N"], 1e-3 * un1[0]["ms"], 1e-3 * (un2[0]["ms"] - un2[0]["comm"])
        c_unit = t1 / n
        c_rep = max(t2 - t1 / 2, 0.0) / n
    syn = [(r["c"], r["N"], r["K"], max(1e-3 * r["ms"] - c_unit * r["N"], 0.0) / (r["N"] * r["K"])) for r in rows
           if r["P"] == 1 and r["K"] > 0 and r["c"] in ("sparse", "event")]
    for c, n, k, v in syn:
        out.append("- compute per synapse (%s, N = %d, K = %d, one rank, (whole step - c_unit N) / (N K)): %.2f ns"
                   % (c, n, k, 1e9 * v))
    out.append("- per unit: update c_unit = %.2f ns (uncoupled, one rank, whole step / N). The scheme leaves no "
               "work per unit that every rank does for all units (only the gathered spike list, O(spikes)); the "
               "2-rank uncoupled run's compute beyond half the 1-rank time is c_rep = %.2f ns per unit of N: the "
               "two ranks sharing two busy cores and their memory bandwidth, an upper bound" % (1e9 * c_unit, 1e9 * c_rep))
    for r in rows:
        if r["P"] == 2:
            rate = r["spikes"] / steps / r["N"]  # spikes per unit per step of this run
            pred = bytes_spikes(2, r["N"], rate) + (bytes_rate(2, r["N"], r["K"]) if r["c"] == "sparse" else 0)
            out.append("- bytes received per step, N = %d, K = %d (%s): measured %.0f, model %.0f (%+.1f%%; "
                       "spikes 4*(P-1) + 4*nu*N*dt*(P-1)/P%s)" % (r["N"], r["K"], r["c"], r["bytes"], pred,
                                                               100 * (r["bytes"] / pred - 1),
                                                               " + sparse source 8*N*(1-exp(-K/P))*(P-1)/P"
                                                               if r["c"] == "sparse" else ""))
    ratios = []
    for r in rows:  # the compute model at P = 2 against the busiest rank's compute (the step less its least wait)
        one = [s[3] for s in syn if (s[0], s[1], s[2]) == (r["c"], r["N"], r["K"])]
        if r["P"] != 2 or r["busy"] != r["busy"] or (r["K"] > 0 and not one):
            continue
        pred = 1e3 * ((one[0] * r["N"] * r["K"] if r["K"] > 0 else 0) + c_unit * r["N"]) / 2
        ratios.append(r["busy"] / pred)
        out.append("- compute per step on 2 ranks, N = %d, K = %d (%s): busiest rank measured %.2f ms, model "
                   "(c_syn N K + c_unit N) / 2 from the 1-rank rows %.2f ms (%+.0f%%)" % (
                       r["N"], r["K"], r["c"], r["busy"], pred, 100 * (r["busy"] / pred - 1)))
    if ratios:
        out.append("- so the bytes per step are the model's, while the busiest rank's compute on 2 ranks is %.2f-%.2f "
                   "times the model's half of the 1-rank compute: with the load above, two ranks on these two cores "
                   "do not get a core each (a rank on a core of its own would be 1.0); the per-synapse and per-unit "
                   "costs, and the projection from them, are those of a busy machine" % (min(ratios), max(ratios)))
    c_syn = [s[3] for s in syn if s[0] == "event"]
    c_sparse = [s[3] for s in syn if s[0] == "sparse"]
    return out, (sum(c_syn) / len(c_syn) if c_syn else float("nan")), \
        (sum(c_sparse) / len(c_sparse) if c_sparse else float("nan")), c_unit, c_rep


def projection(c_event, c_sparse, c_unit, c_rep):
    """The time per step projected to 64 and 1024 ranks for N = 10^6, K = 10^3."""
    n, k = 1e6, 1e3
    out = ["", "## Projection (100 Gb/s: latency %.0f us, %.1f GB/s; rate %.0f Hz; min-delay %d steps)" %
           (1e6 * ALPHA, BETA / 1e9, NU, D), "",
           "N = 10^6 units with K = 10^3 synapses each (10^9 synapses); event-driven c_syn = %.2f ns, sparse "
           "rate c_syn = %.2f ns (both from this machine's 1-rank rows):" % (1e9 * c_event, 1e9 * c_sparse), "",
           "| P | event: compute ms/step | event: spike indices ms/step | event: time per step ms | event: efficiency "
           "| sparse rate: compute ms/step | sparse rate: needed entries ms/step | sparse rate: efficiency |",
           "|---|---|---|---|---|---|---|---|"]
    t1e = c_event * n * k + c_unit * n
    t1s = c_sparse * n * k + c_unit * n
    for p in (1, 2, 64, 1024):
        common = c_unit * n / p
        tce, tcs = c_event * n * k / p + common, c_sparse * n * k / p + common
        txe = 0 if p == 1 else 2 * ALPHA * math.log2(p) + bytes_spikes(p, n, NU * DT) / BETA
        txs = 0 if p == 1 else ALPHA * (p - 1) + bytes_rate(p, n, k) / BETA + txe
        out.append("| %d | %.3f | %.4f | %.3f | %.0f%% | %.3f | %.3f | %.0f%% |" % (
            p, 1e3 * tce, 1e3 * txe, 1e3 * (tce + txe), 100 * t1e / p / (tce + txe), 1e3 * tcs, 1e3 * txs,
            100 * t1s / p / (tcs + txs)))
    p = 1024
    txe = 2 * ALPHA * math.log2(p) + bytes_spikes(p, n, NU * DT) / BETA
    tce = c_event * n * k / p + c_unit * n / p
    out += ["", "Reading, at %d ranks: event-driven coupling exchanges only spike indices (%.0f kB a step, %.3f ms; "
            "%.4f ms a step if they were batched over the min-delay as NEST does), so its time per step is the "
            "synapses' and units' %.2f ms. Were c_rep = %.2f ns per unit (the bound above) real replicated work, it "
            "would add %.1f ms a step at any P (efficiency %.0f%%). Sparse rate coupling with 10^3 random sources per "
            "unit needs %.0f%% of the other ranks' values each step (%.1f MB, %.2f ms with P - 1 messages): rate "
            "networks scale while K/P is small or the sources are local." %
            (p, bytes_spikes(p, n, NU * DT) / 1e3, 1e3 * txe,
             1e3 * (2 * ALPHA * math.log2(p) + bytes_spikes(p, n, NU * DT) * D / BETA) / D,
             1e3 * tce, 1e9 * c_rep, 1e3 * c_rep * n, 100 * t1e / p / (tce + txe + c_rep * n),
             100 * (1 - math.exp(-k / p)), bytes_rate(p, n, k) / 1e6,
             1e3 * (ALPHA * (p - 1) + bytes_rate(p, n, k) / BETA))]
    return out


def main():
    rows, steps = load(sys.argv[1]), int(sys.argv[2])
    cores, loadavg = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("?", "?")
    out = measured_table(rows, steps, cores, loadavg)
    inputs, c_event, c_sparse, c_unit, c_rep = model_inputs(rows, steps)
    out += inputs + projection(c_event, c_sparse, c_unit, c_rep)
    if len(sys.argv) > 5:
        out += partition_table(load(sys.argv[5]))
    print("\n".join(out))


if __name__ == "__main__":
    main()

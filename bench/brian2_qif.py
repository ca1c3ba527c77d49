#!/usr/bin/env python3
"""Brian2 C++ standalone on the benchmark's QIF network (the optional column of `make bench`).

usage: brian2_qif.py N STEPS WORKDIR [RUNS]
       brian2_qif.py --coo COO.npy ETA.npy V0.npy STEPS WORKDIR
The second form builds (and compiles, without running) the standalone program of the network of a COO file
(rows target, source, weight; eta and v0 per neuron, no input) in WORKDIR and prints "build_seconds": the
benchmark then runs WORKDIR/main itself (bench/brian2net.c), as a whole process beside rectic's.
The first form prints "ns_per_step build_seconds spikes_per_step": the median over RUNS runs (default 5) of the built program.  The network is the one of bench/bench.c (N QIF neurons,
dt = 1e-3, eta ~ U(-1,5), input 7 + N(0,1), v0 ~ U(-100,100), dense J ~ U(-1,1)*2/sqrt(N), threshold 100,
reset -100) with Brian2's event-driven synapses: u = W @ s is kept as u' = -u/tau_s with u_post += w on a
presynaptic spike, the scheme of rectic's --coupling event.  One thread (openmp_threads = 0).
"""
import sys
import time

import numpy as np
from brian2 import (NeuronGroup, Synapses, TimedArray, Network, SpikeMonitor, StateMonitor, defaultclock, device,
                    prefs, second, set_device)


def build_coo(coo_path, eta_path, v0_path, steps, workdir):
    """The COO network as a standalone project in workdir, compiled, not run; prints the build time."""
    set_device("cpp_standalone", directory=workdir, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0
    prefs.logging.console_log_level = "ERROR"
    defaultclock.dt = 1e-3 * second
    coo, etas, v0 = np.load(coo_path), np.load(eta_path).ravel(), np.load(v0_path).ravel()
    g = NeuronGroup(len(etas), """dv/dt = ((v**2 + eta)/tau + k*u/tau)/second : 1
                                 du/dt = -u/(tau_s*second) : 1
                                 eta : 1""",
                    threshold="v >= 100", reset="v = -100", method="euler",
                    namespace={"tau": 1.0, "k": 1.0, "tau_s": 1.0})
    g.eta = etas
    g.v = v0
    s = Synapses(g, g, "w : 1", on_pre="u_post += w")
    s.connect(i=coo[:, 1].astype(np.int32), j=coo[:, 0].astype(np.int32))
    s.w = coo[:, 2]
    spikes = SpikeMonitor(g)
    out = StateMonitor(g, "u", record=range(100))  # rectic records out[0:100] the same
    net = Network(g, s, spikes, out)
    net.run(steps * 1e-3 * second)
    t0 = time.time()
    device.build(directory=workdir, compile=True, run=False)
    print("%.2f" % (time.time() - t0))


def main():
    if sys.argv[1] == "--coo":
        build_coo(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
        return
    n, steps, workdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    set_device("cpp_standalone", directory=workdir, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0
    prefs.logging.console_log_level = "ERROR"
    defaultclock.dt = 1e-3 * second
    rng = np.random.default_rng(1)
    inputs = TimedArray(7.0 + rng.standard_normal((steps, n)), dt=1e-3 * second)
    g = NeuronGroup(n, """dv/dt = ((v**2 + eta + inputs(t, i))/tau + k*u/tau)/second : 1
                          du/dt = -u/(tau_s*second) : 1
                          eta : 1""",
                    threshold="v >= 100", reset="v = -100", method="euler",
                    namespace={"tau": 1.0, "k": 1.0, "tau_s": 1.0, "inputs": inputs})
    g.eta = rng.uniform(-1, 5, n)
    g.v = rng.uniform(-100, 100, n)
    s = Synapses(g, g, "w : 1", on_pre="u_post += w")
    s.connect()
    s.w = rng.uniform(-1, 1, n * n) * 2 / np.sqrt(n)
    spikes = SpikeMonitor(g)
    out = StateMonitor(g, "u", record=True)  # rectic records out every step too
    net = Network(g, s, spikes, out)
    net.run(steps * 1e-3 * second)
    t0 = time.time()
    device.build(directory=workdir, compile=True, run=False)
    build = time.time() - t0
    times = []
    for _ in range(runs):
        device.run(directory=workdir, with_output=False, run_args=[])
        times.append(device._last_run_time / steps * 1e9)
    print("%.1f %.2f %.3f" % (sorted(times)[len(times) // 2], build, spikes.num_spikes / steps))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""circgen.py -- writes large PyRates CircuitTemplates for tests and the bench (issue 14, scope 4).

usage: circgen.py qif N FILE.yaml [--p P] [--seed S] [--delay-max D]
       circgen.py jrc N FILE.yaml [--p P] [--seed S] [--delay-max D]

qif: N nodes of model_templates.neural_mass_models.qif.qif_pop, each with a self-edge r -> r_in of weight 15/k
     (k = 1 + its in-degree) and edges i -> j with probability P, weight 15/k and a delay uniform in
     [0, D] rounded to 1e-4 (0 for a fifth of them).
jrc: N Jansen-Rit circuits (model_templates.neural_mass_models.jansenrit.JRC) as sub-circuits c0..c(N-1),
     coupled pc/pro/m -> pc/rpo_e_in/m_in with probability P, weight 10/k and delays as above.
The template named `net` in FILE is the circuit; it needs --template-path ../shared/templates/pyrates.
"""
import argparse

import numpy as np


def edges(n, p, rng, delay_max):
    """(source, target, delay) triples: targets' in-degrees from an Erdos-Renyi draw without self-pairs."""
    out = []
    for j in range(n):
        src = np.nonzero(rng.random(n) < p)[0]
        for i in src[src != j]:
            d = 0.0 if rng.random() < 0.2 else round(float(rng.uniform(0, delay_max)), 4)
            out.append((int(i), j, d))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["qif", "jrc"])
    ap.add_argument("n", type=int)
    ap.add_argument("file")
    ap.add_argument("--p", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--delay-max", type=float, default=0.005)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    e = edges(a.n, a.p, rng, a.delay_max)
    indeg = np.bincount([j for _, j, _ in e], minlength=a.n)
    lines = ["%YAML 1.2", "---", "net:", "  base: CircuitTemplate"]
    if a.kind == "qif":
        lines.append("  nodes:")
        lines += ["    p%d: model_templates.neural_mass_models.qif.qif_pop" % i for i in range(a.n)]
        lines.append("  edges:")
        lines += ["    - [p%d/qif_op/r, p%d/qif_op/r_in, null, {weight: %r}]" % (i, i, 15.0 / (1 + indeg[i]))
                  for i in range(a.n)]
        fmt = "    - [p%d/qif_op/r, p%d/qif_op/r_in, null, {weight: %r%s}]"
    else:
        lines.append("  circuits:")
        lines += ["    c%d: model_templates.neural_mass_models.jansenrit.JRC" % i for i in range(a.n)]
        lines.append("  edges:")
        fmt = "    - [c%d/pc/pro/m, c%d/pc/rpo_e_in/m_in, null, {weight: %r%s}]"
    scale = 15.0 if a.kind == "qif" else 10.0
    for i, j, d in e:
        lines.append(fmt % (i, j, scale / (1 + indeg[j]), ", delay: %r" % d if d else ""))
    with open(a.file, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

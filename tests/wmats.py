#!/usr/bin/env python3
"""Writes one weight matrix in every layout rectic loads (no numpy needed), for tests/e2e_weights.sh.

    wmats.py DIR N [SEED]

DIR/dense.csv        N x N, ~30% zeros, a few negative zeros (shortest round-trip text)
DIR/c8.npy           the same, float64 C order
DIR/plain.npy        the same without negative zeros (what `rectic run` maps in place)
DIR/f8.npy           the same, float64 Fortran order (column by column)
DIR/b8.npy           the same, big-endian float64
DIR/c4.npy           the values rounded to float32, stored as float32
DIR/c4.csv           those float32 values as float64 text
DIR/i4.npy, i4.csv   integers in -3 .. 3, as int32 and as text
DIR/coo.csv, coo.npy the nonzeros of dense.csv as (target, source, weight) rows in shuffled order, some
                     weights split into two or three duplicate rows that add up to about the
                     weight (rectic sums duplicates in the order of the file)
DIR/coo_sum.csv      the reference for them: N x N, the duplicates summed left to right in file order
DIR/coo_sum_pad.csv  the same with 10 more neurons that have no weights (for -N N+10)
DIR/nan.npy          c8.npy with one NaN
"""
import array
import random
import struct
import sys


def npy(path, values, rows, cols, descr="<f8", fortran=False):
    """Writes a 2-D .npy (format 1.0) of rows x cols values given row by row."""
    if fortran:
        values = [values[i * cols + j] for j in range(cols) for i in range(rows)]
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': (%d, %d), }" % (descr, fortran, rows, cols)
    h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
    code = {"f8": "d", "f4": "f", "i4": "i"}[descr[1:]]
    a = array.array(code, values)
    if (descr[0] == ">") == (sys.byteorder == "little"):
        a.byteswap()
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + a.tobytes())


def csv(path, values, cols):
    with open(path, "w") as f:
        for r in range(0, len(values), cols):
            f.write(",".join(repr(float(v)) for v in values[r:r + cols]) + "\n")


def main():
    d, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    w = []
    for _ in range(n * n):
        u = rng.random()
        w.append(0.0 if u < 0.3 else -0.0 if u < 0.32 else rng.uniform(-1, 1) * 2 / n ** 0.5)
    csv(d + "/dense.csv", w, n)
    npy(d + "/c8.npy", w, n, n)
    npy(d + "/plain.npy", [x + 0.0 for x in w], n, n)
    npy(d + "/f8.npy", w, n, n, fortran=True)
    npy(d + "/b8.npy", w, n, n, ">f8")
    w4 = list(array.array("f", w))
    npy(d + "/c4.npy", w4, n, n, "<f4")
    csv(d + "/c4.csv", w4, n)
    wi = [rng.randint(-3, 3) for _ in range(n * n)]
    npy(d + "/i4.npy", wi, n, n, "<i4")
    csv(d + "/i4.csv", wi, n)
    wn = list(w)
    wn[n + 2] = float("nan")
    npy(d + "/nan.npy", wn, n, n)
    coo = []
    for k, x in enumerate(w):
        if x == 0:
            continue
        i, j = divmod(k, n)
        parts = rng.choice([1, 1, 2, 3])
        cut = [x * rng.uniform(0.1, 0.9) for _ in range(parts - 1)]
        coo += [(i, j, c) for c in cut] + [(i, j, x - sum(cut))]
    rng.shuffle(coo)
    flat = [v for e in coo for v in e]
    sums = [0.0] * (n * n)
    seen = set()
    for i, j, x in coo:
        sums[i * n + j] = sums[i * n + j] + x if (i, j) in seen else x
        seen.add((i, j))
    csv(d + "/coo_sum.csv", sums, n)
    m = n + 10
    csv(d + "/coo_sum_pad.csv", [sums[i * n + j] if i < n and j < n else 0.0 for i in range(m) for j in range(m)], m)
    csv(d + "/coo.csv", flat, 3)
    npy(d + "/coo.npy", flat, len(coo), 3)


main()

#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz harnesses into tests/fuzz/corpus/<harness>/ (committed; rerun to
regenerate).

usage: tests/fuzz/make_corpus.py

  equation  every equation of the YAML templates in templates/ and ../shared/templates (when present),
            one per file, plus a few hand-written ones (d/dt forms, calls, powers, errors)
  template  the template files themselves, plus small hand-written ones (inheritance edits, aliases)
  csv       small matrices: comma and blank separated, comments, CRLF, exponents, ragged rows
  npy       .npy files: float64/float32, 1-D and 2-D, format 1.0/2.0/3.0, empty, bad headers (written by
            numpy when /usr/bin/python3 has it, and by hand)
  kernel    byte strings that steer fuzz_kernel's template grammar (fixed pseudo-random bytes)

Pure Python 3; numpy is optional.
"""
import hashlib
import os
import random
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "corpus")


def put(harness, data, name=None):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def template_files():
    dirs = [os.path.join(ROOT, "templates"), os.path.join(ROOT, "..", "shared", "templates")]
    for top in dirs:
        for dirpath, _, files in sorted(os.walk(top)):
            for fn in sorted(files):
                if fn.endswith((".yaml", ".yml")):
                    yield os.path.join(dirpath, fn)


def equations_in(text):
    # quoted list items that hold an '=' (the equations of the files)
    for m in re.finditer(r'^\s*-\s*["\']([^"\'\n]*=[^"\'\n]*)["\']\s*$', text, re.M):
        yield m.group(1)


def seeds_equation_template():
    seen = set()
    for path in template_files():
        with open(path, "rb") as f:
            raw = f.read()
        if len(raw) <= 4096:
            put("template", raw)
        for eq in equations_in(raw.decode("utf-8", "replace")):
            if eq not in seen:
                seen.add(eq)
                put("equation", eq)
    for eq in ["d/dt * v = -v/tau + I_ext", "dv/dt = a*(b*v - u)", "r = sigmoid(k*(v - v0))",
               "x' = max(x, 0) - min(x, 1) + mean(x) + sum(x)/3", "y = 2**3**2 - -1", "v' = v ^ -2 + 1e-3*E*pi",
               "a = sin(cos(tan(sinh(cosh(tanh(arcsin(arccos(arctan(exp(log(sqrt(absv(sign(round(1)))))))))))))))",
               "v' = ((((((((((v))))))))))", "v' = 1.5e+308*2", "v' = .5 + 5. + 0.5e-3", "v' = v +", "v = = 1",
               "v' = f(,)", "v' = 3 $ 4"]:
        put("equation", eq)
    for name, text in [
        ("inherit", """base_op:
  base: OperatorTemplate
  equations:
    - "v' = -v/tau + k*s_in + eta"
  variables:
    v: output(0.0)
    tau: 2.0
    k: 1.0
    eta: 0.5
    s_in: input(0.0)
child_op:
  base: base_op
  equations:
    replace:
      eta: eta - x
    remove:
      - k*s_in
    add:
      - "x' = -x + v"
  variables:
    x: variable(0.1)
node:
  base: NodeTemplate
  operators:
    - child_op
"""),
        ("two_ops", """a_op:
  base: OperatorTemplate
  equations: ["u' = -u + m", "m = tanh(u)"]
  variables: {u: variable(0.2), m: output(0.0)}
b_op:
  base: OperatorTemplate
  equations: ["w' = m - w"]
  variables: {w: output(0.0), m: input(0.0)}
node:
  base: NodeTemplate
  description: two operators wired by name
  operators: [a_op, b_op]
"""),
        ("anchors", """op: &o
  base: OperatorTemplate
  equations: &e
    - "v' = -v"
  variables: {v: output(1.0)}
op2:
  base: op
  equations: *e
node: {base: NodeTemplate, operators: [op2]}
"""),
        ("cycle", """a: {base: b}
b: {base: a}
"""),
    ]:
        put("template", text, name)


def seeds_csv():
    for name, text in [
        ("square", "0,1\n1,0\n"),
        ("blank", "1 2 3\n4 5 6\n"),
        ("comments", "# weights\n\n1.5, -2e-3\n# mid\n3,4\r\n"),
        ("column", "1\n2\n3\n"),
        ("exp", "1e308,-1e-308,4.9e-324\n+.5,-0.,1E5\n"),
        ("ragged", "1,2\n3\n"),
        ("bad", "1,x\n"),
        ("empty_field", "1,,2\n"),
        ("nan", "nan,inf,-inf\n"),
        ("tabs", "1\t2\n3\t4\n"),
    ]:
        put("csv", text, name)
    # a slice of real case data
    cases = os.path.join(ROOT, "tests", "data", "cases")
    for dirpath, _, files in sorted(os.walk(cases)):
        for fn in sorted(files):
            if fn.endswith(".csv"):
                with open(os.path.join(dirpath, fn), "rb") as f:
                    lines = f.read().splitlines(keepends=True)[:4]
                put("csv", b"".join(line[:300] for line in lines))


def npy_bytes(descr, shape, payload, version=(1, 0), fortran=False):
    shape_s = "(%s)" % (", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else ""))
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_s)
    lenbytes = 2 if version[0] == 1 else 4
    total = 6 + 2 + lenbytes + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    fmt = "<H" if lenbytes == 2 else "<I"
    return b"\x93NUMPY" + bytes(version) + struct.pack(fmt, len(header)) + header.encode("latin1") + payload


def seeds_npy():
    vals = [0.0, 1.0, -2.5, 1e300, 5e-324, 3.25]
    f8 = struct.pack("<6d", *vals)
    f4 = struct.pack("<6f", *vals[:3], 1e30, 1e-40, 3.25)
    put("npy", npy_bytes("<f8", (2, 3), f8), "f8_2x3")
    put("npy", npy_bytes("<f4", (3, 2), f4), "f4_3x2")
    put("npy", npy_bytes("<f8", (6,), f8), "f8_vec")
    put("npy", npy_bytes("<f8", (2, 3), f8, (2, 0)), "v2")
    put("npy", npy_bytes("<f8", (2, 3), f8, (3, 0)), "v3")
    put("npy", npy_bytes("<f8", (0, 3), b""), "empty")
    put("npy", npy_bytes("<f8", (1000000000, 1), f8), "huge_claim")
    put("npy", npy_bytes("<f8", (2, 3), f8, fortran=True), "fortran")
    put("npy", npy_bytes(">f8", (2, 3), f8), "big_endian")
    put("npy", npy_bytes("<i8", (2, 3), f8), "int64")
    put("npy", npy_bytes("<f8", (1, 2, 3), f8), "three_d")
    put("npy", npy_bytes("<f8", (2, 3), f8[:20]), "truncated")
    try:  # numpy's own writer, when the system Python has it
        import io
        import numpy as np
        for name, arr in [("np_f8", np.arange(6, dtype="<f8").reshape(2, 3)),
                          ("np_f4", np.linspace(-1, 1, 4, dtype="<f4")),
                          ("np_scalar_shape", np.zeros((1, 1)))]:
            buf = io.BytesIO()
            np.save(buf, arr)
            put("npy", buf.getvalue(), name)
    except ImportError:
        pass


def seeds_kernel():
    rng = random.Random(20240601)
    for n in (16, 32, 48, 64, 96, 128, 160, 200, 256, 320, 400, 512):
        for _ in range(2):
            put("kernel", bytes(rng.randrange(256) for _ in range(n)))
    # flags variants of one body: float32, input driven, spiking, output(...), a per neuron
    body = bytes(rng.randrange(256) for _ in range(120))
    for flags in range(32):
        put("kernel", bytes([flags]) + body)


def main():
    seeds_equation_template()
    seeds_csv()
    seeds_npy()
    seeds_kernel()
    for h in sorted(os.listdir(CORPUS)):
        print("%-9s %d files" % (h, len(os.listdir(os.path.join(CORPUS, h)))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""circrecs.py -- `--record KEY=PATH` arguments for every state and output variable of every node of a CircuitTemplate
(tests/e2e_circuit.sh): KEY is PATH with '/' replaced by '_'.

usage: circrecs.py CIRCUIT [--template-path DIR]...
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from circref_yaml import Lib, collect_nodes, load_circuit  # noqa: E402


def main(argv):
    ref, dirs, i = argv[0], [], 1
    while i < len(argv):
        if argv[i] == "--template-path":
            dirs.append(argv[i + 1])
            i += 2
        else:
            sys.exit("circrecs.py: unknown argument %s" % argv[i])
    for path, ops in collect_nodes(load_circuit(Lib(dirs), ref)):
        for op in ops:
            for name, var in op.vars.items():
                if getattr(var, "kind", None) in ("state_var", "output"):
                    p = "%s/%s/%s" % (path, op.name, name)
                    print("--record %s=%s" % (p.replace("/", "_"), p))


if __name__ == "__main__":
    main(sys.argv[1:])

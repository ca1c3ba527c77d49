#!/usr/bin/env python3
"""tests/depgraph.py -- who calls whom, and who includes whom, among rectic's library files.

usage: tests/depgraph.py calls BUILD KNOWN    cycles of calls between the library's modules
       tests/depgraph.py includes ROOT        cycles of #include "..." between its headers

calls: module A (a .c file of common/, generator/ or runtime/) depends on module B when A's object in BUILD
refers to a symbol B's object defines (nm).  Every strongly connected set of more than one module is a cycle
(A calls B and B, directly or not, calls A).  KNOWN lists the cycles that exist and are to be removed, one a
line (modules separated by spaces; # comments): a cycle that is no part of a listed one is an error, and one
smaller than the listed one is reported, so that the list is shortened.  includes: any cycle is an error.
Exit status 1 on an error, else 0.
"""
import glob
import os
import re
import subprocess
import sys


def strongly_connected(graph):
    """Tarjan's algorithm, iterative: the sets of nodes that reach each other (sizes > 1 only)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(group)
    return found


def call_graph(build):
    """module -> {module it calls: [symbols]} from the objects' symbol tables."""
    defined, wanted = {}, {}
    objs = []
    for d in ("common", "generator", "runtime"):
        objs += sorted(glob.glob(os.path.join(build, d, "*.o")))
    if not objs:
        sys.exit("depgraph: no objects under %s (build first)" % build)
    for obj in objs:
        module = os.path.relpath(obj, build)[:-2]
        wanted[module] = set()
        out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBR":
                defined[parts[2]] = module
            elif len(parts) == 2 and parts[0] == "U":
                wanted[module].add(parts[1])
    graph = {}
    for module, symbols in wanted.items():
        graph[module] = {}
        for sym in symbols:
            owner = defined.get(sym)
            if owner and owner != module:
                graph[module].setdefault(owner, []).append(sym)
    return graph


def describe(group, graph):
    """The calls inside a cycle, one line each."""
    lines = []
    for a in sorted(group):
        for b in sorted(group):
            if b in graph[a]:
                lines.append("    %s -> %s (%s)" % (a, b, ", ".join(sorted(graph[a][b])[:4])))
    return "\n".join(lines)


def check_calls(build, known_file):
    graph = call_graph(build)
    known = []
    with open(known_file) as f:
        for line in f:
            line = line.split("#")[0].split()
            if line:
                known.append(set(line))
    errors = 0
    for group in strongly_connected(graph):
        home = next((k for k in known if group <= k), None)
        if home is None:
            errors += 1
            print("a new cycle of calls: %s\n%s" % (" ".join(sorted(group)), describe(group, graph)))
        elif group != home:
            print("a known cycle shrank to %s: shorten %s" % (" ".join(sorted(group)), known_file))
    return errors


def check_includes(root):
    graph = {}
    for d in ("common", "generator", "runtime", "include"):
        for header in glob.glob(os.path.join(root, d, "*.h")):
            with open(header) as f:
                graph[os.path.basename(header)] = set(re.findall(r'^\s*#\s*include\s+"([^"]+)"', f.read(), re.M))
    graph = {h: {i for i in inc if i in graph} for h, inc in graph.items()}
    errors = 0
    for group in strongly_connected(graph):
        errors += 1
        print("headers that include each other: %s" % " ".join(sorted(group)))
    return errors


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "calls":
        errors = check_calls(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "includes":
        errors = check_includes(sys.argv[2])
    else:
        sys.exit(__doc__)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

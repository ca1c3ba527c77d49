"""circref_yaml.py -- the template reader of tests/circref.py: PyRates YAML files, references, operator
inheritance (replace/remove/add with PyRates' token bounds), node and edge templates, CircuitTemplates with
their sub-circuits and edges collected as PyRates 1.0.1 collects them."""
import os

import yaml


class CircError(Exception):
    pass


BOUNDARY = set("-+=*/^<>!.%@[]():, ")


def token_replace(text, old, new):
    """PyRates' eq_replace: old replaced where it is bounded by an operator/punctuation or the string's ends."""
    out, i = [], 0
    while True:
        j = text.find(old, i)
        if j < 0 or not old:
            out.append(text[i:])
            return "".join(out)
        before_ok = j == 0 or text[j - 1] in BOUNDARY
        after_ok = j + len(old) == len(text) or text[j + len(old)] in BOUNDARY
        if before_ok and after_ok:
            out.append(text[i:j] + new)
        else:
            out.append(text[i:j + len(old)])
        i = j + len(old)


class Lib:
    """Template files found through the search path; a reference resolves relative to the file it is in."""

    def __init__(self, dirs):
        self.dirs = list(dirs) + [os.getcwd()]
        self.files = {}

    def _load(self, path):
        if path not in self.files:
            with open(path) as f:
                self.files[path] = yaml.safe_load(f) or {}
        return self.files[path]

    def find(self, ref, cur=None):
        """(file, name, body) of a reference written in file cur."""
        ref = str(ref)
        if "/" in ref:
            rel, name = ref.rsplit("/", 1)
        elif "." in ref:
            rel, name = ref.rsplit(".", 1)
            rel = rel.replace(".", "/")
        else:
            if cur is None:
                raise CircError("template %s: give it with its file (file.%s)" % (ref, ref))
            return cur, ref, self._body(cur, ref)
        cands = [os.path.join(d, rel) for d in ([os.path.dirname(cur)] if cur else []) + self.dirs]
        for c in cands:
            for ext in (".yaml", ".yml"):
                if os.path.isfile(c + ext):
                    path = os.path.abspath(c + ext)
                    return path, name, self._body(path, name)
        raise CircError("template %s: no file %s.yaml on the search path" % (ref, rel))

    def _body(self, path, name):
        doc = self._load(path)
        if name == "aliases" or name not in doc or not isinstance(doc[name], dict):
            raise CircError("template %s not found in %s" % (name, path))
        return doc[name]


class Var:
    def __init__(self, spec):
        """A variable declaration: kind (input, output, state_var, constant), value, dtype ('float', 'int', 'complex')."""
        self.spec = spec
        self.dtype = "float"
        if isinstance(spec, bool):
            raise CircError("variable value %r is not a number" % spec)
        if isinstance(spec, (int, float)):
            self.kind, self.value = "constant", float(spec)
            self.dtype = "int" if isinstance(spec, int) else "float"
            return
        s = str(spec).strip()
        for word, kind in (("input", "input"), ("output", "output"), ("variable", "state_var"),
                           ("state_var", "state_var"), ("constant", "constant")):
            if s.startswith(word):
                self.kind, arg = kind, s[len(word):].strip()
                break
        else:
            self.kind, arg = "constant", "(" + s + ")"
        arg = arg[1:-1].strip() if arg.startswith("(") else arg
        if "complex" in arg or "j" in arg:
            self.dtype, self.value = "complex", arg
        else:
            try:
                self.value = float(arg) if arg not in ("", "float") else 0.0
            except ValueError:
                raise CircError("cannot read variable declaration %r" % spec)


class Op:
    def __init__(self, name, eqs, variables):
        self.name, self.eqs, self.vars = name, eqs, variables

    def key(self):
        return tuple(e.replace(" ", "") for e in self.eqs)

    def signature(self):
        """What PyRates hashes an operator by: equations, variables (name, kind, dtype) in order."""
        return (self.key(), tuple((n, v.kind, v.dtype) for n, v in self.vars.items()))


def load_op(lib, ref, cur, depth=0):
    """An operator template resolved through its bases: Op with equations and variables (dict name -> Var)."""
    if depth > 32:
        raise CircError("operator %s: base chain too deep" % ref)
    path, name, body = lib.find(ref, cur)
    base, eqs = body.get("base"), body.get("equations")
    if base == "OperatorTemplate":
        specs, parent_eqs = {}, []
    else:
        parent = load_op(lib, base, path, depth + 1)
        specs, parent_eqs = {k: v.spec for k, v in parent.vars.items()}, parent.eqs
    if isinstance(eqs, dict):  # edits: replace, then remove, then add
        new_eqs = []
        rem = eqs.get("remove") or []
        for e in parent_eqs:
            for old, new in (eqs.get("replace") or {}).items():
                e = token_replace(e, str(old), str(new))
            for old in [rem] if isinstance(rem, str) else rem:
                e = token_replace(e, str(old), "")
            new_eqs.append(e)
        add = eqs.get("add") or []
        new_eqs += [add] if isinstance(add, str) else list(add)
    elif eqs:
        new_eqs = [eqs] if isinstance(eqs, str) else list(eqs)
    else:
        new_eqs = list(parent_eqs)
    specs.update(body.get("variables") or {})
    # PyRates drops a variable whose name is a substring of no equation
    return Op(name, new_eqs, {k: Var(v) for k, v in specs.items() if any(k in e for e in new_eqs)})


def load_opgraph(lib, ref, cur, want, depth=0):
    """A node or edge template: list of (Op, values) in order; want is 'NodeTemplate' or 'EdgeTemplate'."""
    if depth > 32:
        raise CircError("%s %s: base chain too deep" % (want, ref))
    path, name, body = lib.find(ref, cur)
    base = body.get("base")
    ops = []
    if base not in ("NodeTemplate", "EdgeTemplate"):
        if base in ("OperatorTemplate", "CircuitTemplate"):
            raise CircError("%s is not a %s" % (ref, want))
        ops = load_opgraph(lib, base, path, want, depth + 1)
    spec = body.get("operators")
    if spec is not None:
        if isinstance(spec, dict):
            items = list(spec.items())
        else:
            items = [(o, None) for o in ([spec] if isinstance(spec, str) else spec)]
            ops = []
        for oref, vals in items:
            op = load_op(lib, oref, path)
            for k, v in (vals or {}).items():
                if k not in op.vars:
                    raise CircError("%s: operator %s has no variable %s" % (name, op.name, k))
                op.vars[k] = Var(v) if not isinstance(v, (int, float)) else _with_value(op.vars[k], v)
            ops = [o for o in ops if o.name != op.name] + [op]
    return ops


def _with_value(var, value):
    v = Var(var.spec)
    v.value = float(value)
    return v


class Circuit:
    def __init__(self):
        self.nodes, self.circuits, self.edges = {}, {}, []


def load_circuit(lib, ref, cur=None, depth=0):
    """A CircuitTemplate: nodes (name -> ops), sub-circuits (name -> Circuit), edges [src, tgt, tmpl, dict].
    One object per template (PyRates caches templates by file and name; collect_edges relies on that)."""
    if depth > 32:
        raise CircError("circuit %s: nested too deep" % ref)
    path, name, body = lib.find(ref, cur)
    cache = lib.__dict__.setdefault("circuits", {})
    if (path, name) in cache:
        return cache[(path, name)]
    base = body.get("base")
    c = Circuit()
    if base != "CircuitTemplate":
        b = load_circuit(lib, base, path, depth + 1)
        c.nodes, c.circuits, c.edges = dict(b.nodes), dict(b.circuits), list(b.edges)
    for n, nref in (body.get("nodes") or {}).items():
        c.nodes[str(n)] = load_opgraph(lib, nref, path, "NodeTemplate")
    for n, cref in (body.get("circuits") or {}).items():
        c.circuits[str(n)] = load_circuit(lib, cref, path, depth + 1)
    if c.nodes and c.circuits:
        raise CircError("%s has both nodes and circuits: PyRates 1.0.1 builds only the sub-circuits' nodes" % name)
    for row in body.get("edges") or []:
        if not isinstance(row, (list, tuple)) or not 3 <= len(row) <= 4:
            raise CircError("%s: an edge is [source, target, template or null, {values}]" % name)
        src, tgt, tmpl = str(row[0]), str(row[1]), row[2]
        vals = dict(row[3]) if len(row) > 3 and row[3] else {}
        etmpl = None
        if tmpl is not None:
            try:
                etmpl = (str(tmpl).rsplit(".", 1)[-1], load_opgraph(lib, tmpl, path, "EdgeTemplate"))
            except CircError as e:
                raise CircError("%s: edge %s -> %s: %s" % (name, src, tgt, e))
        c.edges.append((src, tgt, etmpl, vals))
    cache[(path, name)] = c
    return c


def collect_nodes(c, scope=""):
    """[(path, ops)]: a circuit's own nodes, or (when it has sub-circuits) theirs, in order."""
    if not c.circuits:
        return [(scope + n, ops) for n, ops in c.nodes.items()]
    return [x for sub, sc in c.circuits.items() for x in collect_nodes(sc, scope + sub + "/")]


def collect_edges(c):
    """PyRates 1.0.1's CircuitTemplate.collect_edges, including its side effect: a circuit's own edge list
    grows by its sub-circuits' edges (prefixed) at every call, so that a template used twice below the top
    level contributes its sub-circuits' edges twice the second time."""
    for sub, sc in c.circuits.items():
        for src, tgt, et, vals in list(collect_edges(sc)):
            vals = {k: (sub + "/" + v if isinstance(v, str) and v != "source" else v) for k, v in vals.items()}
            c.edges.append((sub + "/" + src, sub + "/" + tgt, et, vals))
    return c.edges

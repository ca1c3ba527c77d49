#!/usr/bin/python3
"""circref.py -- an independent NumPy reference of PyRates 1.0.1 CircuitTemplates (issue 14; SEMANTICS 7, 9).

usage: circref.py run CIRCUIT [--template-path DIR]... --dt DT --steps T [--input PATH=FILE]...
                  [--record [KEY=]PATH]... [--set PATH=VALUE]... [--sampling-steps K] -o DIR
       circref.py case CASE_DIR OUT_DIR        (a shared/cases/pyrates_* case: its recipe from case.json)
       circref.py compare EXPECTED_DIR CANDIDATE_DIR [--atol A] [--rtol R] [FILE...]
       circref.py list [--template-path DIR]... (every CircuitTemplate under the paths: runs, or why not)

CIRCUIT is a dotted name (pkg.file.template) or a path (dir/file/template).  PATH is node/op/var or
sub/node/op/var.  `run` writes DIR/KEY.csv (one column per node: rows = recorded steps, pre-update, row 0 the
initial state) and DIR/time.csv (n*dt of the recorded steps) with rectic's number format.

What it reads by itself: the YAML files (CircuitTemplate nodes, sub-circuits, edges, EdgeTemplates, node and
operator templates with `base:` inheritance: replace/remove/add with PyRates' token bounds, variables merged,
unused variables dropped).  What it does NOT read: the equations' meaning.  Every operator's equations are
written by hand below (EQUATIONS), keyed by the operator's equations after inheritance (spaces removed), so that
an operator of any name with known equations runs with its own variable values.

Numerics, PyRates 1.0.1 (16e68a77) with solver='euler', vectorize=True:
* y_{n+1} = y_n + dt*f(n, y_n); recording before the update at n % K == 0; the input of step n is array[n].
* Inside f everything is evaluated from the pre-update state: algebraic equations in dependency order,
  then derivatives.  An input variable of an operator receives the sum of (a) the outputs of the same name of
  the other operators of its node and (b) the edges into it; with neither it keeps its value.
* Nodes whose operator lists are structurally equal (equations, variable names and declarations in order: the
  hash PyRates vectorises by) form one vectorised group.  Edges from one group into one target variable sum as
  a matrix product; a target variable fed from two or more source groups (input series count as one group
  each) is the sum of the groups' vectors, so a unit of that group no edge reaches gets 0, not its default; a
  variable fed from exactly one group keeps its value at the units no edge reaches.
* A run input is an extra node joined to the variable by an edge of weight 1.
* An edge with an EdgeTemplate becomes an edge node (one per edge, grouped like nodes) holding the template's
  operators with their state; the source feeds the edge's input (the last input of its operators, or those
  named in the edge dict with `source` or a node path), the edge node's output feeds the target with the
  edge's weight, delay and spread.
* Delays (SEMANTICS 9), per source variable of a vectorised group: see DelayGroup.
* |w - 1| < 1e-8 is applied as 1 (PyRates writes no multiplication then).
"""
import argparse
import os
import sys

import numpy as np
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netref  # noqa: E402  (number format, CSV reading, key rules)


class CircError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------
# Hand-written equations.  Each entry: the operator's equations after inheritance (spaces removed) -> a list of
# (variable, "ode"|"alg", function of a getter g(name) -> array).  Operation order as the YAML writes it.
# ---------------------------------------------------------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


PI = np.pi
EQUATIONS = {
    # base_templates
    ("r'=(r0-r)/tau+m_in+u",): [("r", "ode", lambda g: (g("r0") - g("r")) / g("tau") + g("m_in") + g("u"))],
    ("m=m_max/(1+exp(s*(r_thr-r)))",): [
        ("m", "alg", lambda g: g("m_max") / (1 + np.exp(g("s") * (g("r_thr") - g("r")))))],
    ("m=tanh(r)",): [("m", "alg", lambda g: np.tanh(g("r")))],
    ("v'=-v/tau+r_in",): [("v", "ode", lambda g: -g("v") / g("tau") + g("r_in"))],
    ("v'=x", "x'=(r_in-x*(tau_r+tau_d)-v)/(tau_r*tau_d)"): [
        ("v", "ode", lambda g: g("x")),
        ("x", "ode", lambda g: (g("r_in") - g("x") * (g("tau_r") + g("tau_d")) - g("v")) / (g("tau_r") * g("tau_d")))],
    ("v'=x", "x'=r_in-2*x/tau-v/tau**2"): [
        ("v", "ode", lambda g: g("x")),
        ("x", "ode", lambda g: g("r_in") - 2 * g("x") / g("tau") - g("v") / g("tau") ** 2)],
    # jansenrit: rpo_e / rpo_i (alpha_op with r_in -> h*m_in/tau), rpo_e_in (m_in -> (m_in + u)), pro
    ("v'=x", "x'=h*m_in/tau-2*x/tau-v/tau**2"): [
        ("v", "ode", lambda g: g("x")),
        ("x", "ode", lambda g: g("h") * g("m_in") / g("tau") - 2 * g("x") / g("tau") - g("v") / g("tau") ** 2)],
    ("v'=x", "x'=h*(m_in+u)/tau-2*x/tau-v/tau**2"): [
        ("v", "ode", lambda g: g("x")),
        ("x", "ode", lambda g: g("h") * (g("m_in") + g("u")) / g("tau") - 2 * g("x") / g("tau")
         - g("v") / g("tau") ** 2)],
    ("m=m_max/(1+exp(s*(v_thr-v)))",): [
        ("m", "alg", lambda g: g("m_max") / (1 + np.exp(g("s") * (g("v_thr") - g("v")))))],
    ("d/dt*V_ein=X_ein", "d/dt*X_ein=h_e*c/tau_e*m-V_ein/tau_e^2-2.*X_ein/tau_e", "d/dt*V_iin=X_iin",
     "d/dt*X_iin=h_e*c/(ei_ratio*tau_e)*m-V_iin/tau_e^2-2.*X_iin/tau_e", "d/dt*V_e=X_e",
     "d/dt*X_e=h_e/tau_e*(c*0.8*m_max*sigmoid(r*(V_ein-V_thr))+c*m_in/io_ratio+u)-V_e/tau_e^2-2.*X_e/tau_e",
     "d/dt*V_i=X_i", "d/dt*X_i=h_i*c/(ei_ratio*tau_i)*m_max*sigmoid(r*(V_iin-V_thr))-V_i/tau_i^2-2.*X_i/tau_i",
     "m=m_max*sigmoid(r*(V_e-V_i-V_thr))"): [
        ("V_ein", "ode", lambda g: g("X_ein")),
        ("X_ein", "ode", lambda g: g("h_e") * g("c") / g("tau_e") * g("m") - g("V_ein") / g("tau_e") ** 2
         - 2. * g("X_ein") / g("tau_e")),
        ("V_iin", "ode", lambda g: g("X_iin")),
        ("X_iin", "ode", lambda g: g("h_e") * g("c") / (g("ei_ratio") * g("tau_e")) * g("m")
         - g("V_iin") / g("tau_e") ** 2 - 2. * g("X_iin") / g("tau_e")),
        ("V_e", "ode", lambda g: g("X_e")),
        ("X_e", "ode", lambda g: g("h_e") / g("tau_e") * (g("c") * 0.8 * g("m_max") * _sigmoid(
            g("r") * (g("V_ein") - g("V_thr"))) + g("c") * g("m_in") / g("io_ratio") + g("u"))
         - g("V_e") / g("tau_e") ** 2 - 2. * g("X_e") / g("tau_e")),
        ("V_i", "ode", lambda g: g("X_i")),
        ("X_i", "ode", lambda g: g("h_i") * g("c") / (g("ei_ratio") * g("tau_i")) * g("m_max") * _sigmoid(
            g("r") * (g("V_iin") - g("V_thr"))) - g("V_i") / g("tau_i") ** 2 - 2. * g("X_i") / g("tau_i")),
        ("m", "alg", lambda g: g("m_max") * _sigmoid(g("r") * (g("V_e") - g("V_i") - g("V_thr"))))],
    # wilsoncowan
    ("m=sigmoid(s*(r_in+r_ext-theta))-sigmoid(-s*theta)",): [
        ("m", "alg", lambda g: _sigmoid(g("s") * (g("r_in") + g("r_ext") - g("theta"))) - _sigmoid(-g("s") * g("theta")))],
    ("r'=(-r+(1.0-k*r)*m)/tau",): [("r", "ode", lambda g: (-g("r") + (1.0 - g("k") * g("r")) * g("m")) / g("tau"))],
    # qif mean-field models
    ("r'=(Delta/(pi*tau)+2.0*r*v)/tau", "v'=(v^2+eta+I_ext+tau*r_in-(pi*tau*r)^2)/tau"): [
        ("r", "ode", lambda g: (g("Delta") / (PI * g("tau")) + 2.0 * g("r") * g("v")) / g("tau")),
        ("v", "ode", lambda g: (g("v") * g("v") + g("eta") + g("I_ext") + g("tau") * g("r_in")
                                - (PI * g("tau") * g("r")) ** 2) / g("tau"))],
    ("r'=(Delta/(pi*tau)+2.0*r*v)/tau", "v'=(v^2+eta-a+I_ext+tau*r_in-(pi*tau*r)^2)/tau", "a'=x/tau_a",
     "x'=alpha*r-2.*x/tau_a-a/tau_a"): [
        ("r", "ode", lambda g: (g("Delta") / (PI * g("tau")) + 2.0 * g("r") * g("v")) / g("tau")),
        ("v", "ode", lambda g: (g("v") * g("v") + g("eta") - g("a") + g("I_ext") + g("tau") * g("r_in")
                                - (PI * g("tau") * g("r")) ** 2) / g("tau")),
        ("a", "ode", lambda g: g("x") / g("tau_a")),
        ("x", "ode", lambda g: g("alpha") * g("r") - 2. * g("x") / g("tau_a") - g("a") / g("tau_a"))],
    ("r'=(Delta/(pi*tau)+r*(2.0*v-g))/tau", "v'=(v^2+eta+I_ext+tau*r_in-(pi*tau*r)^2)/tau"): [
        ("r", "ode", lambda g: (g("Delta") / (PI * g("tau")) + g("r") * (2.0 * g("v") - g("g"))) / g("tau")),
        ("v", "ode", lambda g: (g("v") * g("v") + g("eta") + g("I_ext") + g("tau") * g("r_in")
                                - (PI * g("tau") * g("r")) ** 2) / g("tau"))],
    ("r'=(Delta/(pi*tau)+r*(2.0*v-g*s*tau))/tau", "v'=(v^2+eta+I_ext+g*s*tau*(e_r-v)-(pi*tau*r)^2)/tau",
     "s'=-s/tau_s+r_in"): [
        ("r", "ode", lambda g: (g("Delta") / (PI * g("tau")) + g("r") * (2.0 * g("v") - g("g") * g("s") * g("tau")))
         / g("tau")),
        ("v", "ode", lambda g: (g("v") * g("v") + g("eta") + g("I_ext") + g("g") * g("s") * g("tau")
                                * (g("e_r") - g("v")) - (PI * g("tau") * g("r")) ** 2) / g("tau")),
        ("s", "ode", lambda g: -g("s") / g("tau_s") + g("r_in"))],
    # synaptic plasticity edges
    ("x'=(1-x)/tau_x-k*x*u*r_in", "u'=(U0-u)/tau_u+U0*(1-u)*r_in", "r_eff=r_in*x*u"): [
        ("x", "ode", lambda g: (1 - g("x")) / g("tau_x") - g("k") * g("x") * g("u") * g("r_in")),
        ("u", "ode", lambda g: (g("U0") - g("u")) / g("tau_u") + g("U0") * (1 - g("u")) * g("r_in")),
        ("r_eff", "alg", lambda g: g("r_in") * g("x") * g("u"))],
    ("x'=(1-x)/tau_x-k*x*r_in", "r_eff=r_in*x"): [
        ("x", "ode", lambda g: (1 - g("x")) / g("tau_x") - g("k") * g("x") * g("r_in")),
        ("r_eff", "alg", lambda g: g("r_in") * g("x"))],
    ("u'=(U0-u)/tau_u-U0*(1-u)*r_in", "r_eff=r_in*u"): [
        ("u", "ode", lambda g: (g("U0") - g("u")) / g("tau_u") - g("U0") * (1 - g("u")) * g("r_in")),
        ("r_eff", "alg", lambda g: g("r_in") * g("u"))],
    # oscillators
    ("d/dt*theta=omega+K*s_in+s_ext",): [("theta", "ode", lambda g: g("omega") + g("K") * g("s_in") + g("s_ext"))],
    ("s=sin(theta_s-theta_t)",): [("s", "alg", lambda g: np.sin(g("theta_s") - g("theta_t")))],
    ("s=sin(2*pi*theta)",): [("s", "alg", lambda g: np.sin(2 * PI * g("theta")))],
    ("x'=z", "z'=mu*z*(1-x^2)-x+inp"): [
        ("x", "ode", lambda g: g("z")),
        ("z", "ode", lambda g: g("mu") * g("z") * (1 - g("x") * g("x")) - g("x") + g("inp"))],
}

# ---------------------------------------------------------------------------------------------------------
# Templates: files, references, inheritance
# ---------------------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------------------
# The flat model: vectorised groups of units, links, delay groups
# ---------------------------------------------------------------------------------------------------------

class Group:
    """Units (nodes or edge nodes) with structurally equal operator lists, evaluated as vectors."""

    def __init__(self, ops):
        self.ops = ops                  # the first unit's operators (names of later units may differ)
        self.units = []
        self.values = []                # per operator: {var: list of per-unit values}
        self.eqs = []                   # per operator: {var: (kind, fn)}
        for op in ops:
            key = op.key()
            if any(v.dtype == "complex" for v in op.vars.values()):
                raise CircError("operator %s has complex-valued variables (%s): not supported" % (
                    op.name, ", ".join(n for n, v in op.vars.items() if v.dtype == "complex")))
            if key not in EQUATIONS:
                raise CircError("operator %s: no hand-written equations in circref.py for %s" % (op.name, list(key)))
            self.eqs.append({v: (k, fn) for v, k, fn in EQUATIONS[key]})
            self.values.append({n: [] for n in op.vars})

    def add(self, path, ops):
        self.units.append(path)
        for j, op in enumerate(ops):
            for n, v in op.vars.items():
                self.values[j][n].append(v.value)
        return len(self.units) - 1

    def kind(self, j, var):
        if var in self.eqs[j]:
            return self.eqs[j][var][0]
        d = self.ops[j].vars[var]
        return "input" if d.kind == "input" else "param"

    def output(self, j):
        outs = [n for n, v in self.ops[j].vars.items() if v.kind == "output"]
        return outs[0] if outs else None


class Link:
    """One edge entry: source (key, unit) -> target (group, op, var, unit) with weight, delay, spread."""

    def __init__(self, skey, s_i, tgt, t_i, weight, delay, spread, what):
        self.skey, self.s_i, self.tgt, self.t_i = skey, s_i, tgt, t_i
        self.w = 1.0 if abs(weight - 1.0) < 1e-8 else float(weight)
        self.delay, self.spread, self.what = delay, spread, what
        self.mode, self.D, self.K, self.k = "now", 0, 0, 0.0


class Model:
    def __init__(self, lib, ref, dt):
        self.dt = dt
        self.groups, self.where, self.links, self.warnings = {}, {}, [], []
        self.n_inputs = 0
        c = load_circuit(lib, ref)
        nodes = collect_nodes(c)
        edges = list(collect_edges(c))
        seen = [(s, t, id(e), repr(v)) for s, t, e, v in edges]
        if len(set(seen)) < len(seen):
            self.warnings.append("a sub-circuit template used more than once below the top level gets its "
                                 "sub-circuits' edges again at every use (PyRates 1.0.1 collect_edges)")
        if not nodes:
            raise CircError("circuit %s has no nodes" % ref)
        for path, ops in nodes:
            self._add_unit(("node",), path, ops)
        for i, (src, tgt, et, vals) in enumerate(edges):
            self._add_edge(i, src, tgt, et, vals)

    def _add_unit(self, space, path, ops):
        sig = space + tuple(op.signature() for op in ops)
        if sig not in self.groups:
            self.groups[sig] = Group(ops)
        g = self.groups[sig]
        i = g.add(path, ops)
        for j, op in enumerate(ops):
            self.where[(path, op.name)] = (g, j, i)
        self.where[path] = (g, None, i)
        return g, i

    def resolve(self, path, what="variable"):
        """(group, op index, var, unit index) of node/op/var or sub/node/op/var."""
        parts = str(path).split("/")
        if len(parts) < 3:
            raise CircError("%s %s: expected node/op/var" % (what, path))
        node, op, var = "/".join(parts[:-2]), parts[-2], parts[-1]
        if node not in self.where:
            raise CircError("%s %s: no node %s" % (what, path, node))
        if (node, op) not in self.where:
            raise CircError("%s %s: node %s has no operator %s" % (what, path, node, op))
        g, j, i = self.where[(node, op)]
        if var not in g.ops[j].vars:
            raise CircError("%s %s: operator %s has no variable %s" % (what, path, op, var))
        return g, j, var, i

    def _add_edge(self, idx, src, tgt, et, vals):
        vals = dict(vals)
        weight = float(vals.pop("weight", 1.0))
        delay, spread = vals.pop("delay", None), vals.pop("spread", None)
        sg, sj, svar, si = self.resolve(src, "edge source")
        tg, tj, tvar, ti = self.resolve(tgt, "edge target")
        if tg.kind(tj, tvar) != "input":
            raise CircError("edge %s -> %s: the target is not an input variable" % (src, tgt))
        if et is None:
            if vals:
                raise CircError("edge %s -> %s: values %s without an edge template" % (src, tgt, sorted(vals)))
            self.links.append(Link((sg, sj, svar), si, (tg, tj, tvar), ti, weight, delay, spread, "%s -> %s" % (src, tgt)))
            return
        tname, ops = et
        ops = [Op(o.name, o.eqs, dict(o.vars)) for o in ops]
        feeds = {}
        for k, v in vals.items():
            parts = k.split("/")
            if isinstance(v, str):
                if len(parts) != 3 or parts[0] != tname:
                    raise CircError("edge %s -> %s: mapping %s must be %s/op/var" % (src, tgt, k, tname))
                feeds[(parts[1], parts[2])] = v
            else:
                if len(parts) != 2:
                    raise CircError("edge %s -> %s: edge value %s must be op/var" % (src, tgt, k))
                for o in ops:
                    if o.name == parts[0] and parts[1] in o.vars:
                        o.vars[parts[1]] = _with_value(o.vars[parts[1]], v)
                        break
                else:
                    raise CircError("edge %s -> %s: %s names no variable of %s" % (src, tgt, k, tname))
        upath = "%s.%d" % (tname, idx)
        eg, ei = self._add_unit(("edge",), upath, ops)
        outs = {o.vars[n].kind == "output" and n: j for j, o in enumerate(ops) for n in o.vars}
        if not feeds:  # the edge's last free input (PyRates: inputs.popitem()), in its first operator
            free = {}
            for j, o in enumerate(ops):
                for n, v in o.vars.items():
                    if v.kind == "input" and not any(n == eg.output(k) for k in range(len(ops)) if k != j):
                        free.setdefault(n, j)
            if not free:
                raise CircError("edge template %s has no input variable" % tname)
            n = list(free)[-1]
            feeds[(ops[free[n]].name, n)] = "source"
        for (oname, var), s in feeds.items():
            if (upath, oname) not in self.where:
                raise CircError("edge %s -> %s: %s has no operator %s" % (src, tgt, tname, oname))
            _, j, _ = self.where[(upath, oname)]
            if s == "source":
                self.links.append(Link((sg, sj, svar), si, (eg, j, var), ei, 1.0, None, None, "feed"))
            else:
                g2, j2, v2, i2 = self.resolve(s, "edge mapping")
                self.links.append(Link((g2, j2, v2), i2, (eg, j, var), ei, 1.0, None, None, "feed"))
        # the output: the operator no other operator of the edge reads
        readers = {k for k in range(len(ops)) for j in range(len(ops))
                   if j != k and eg.output(k) is not None and eg.output(k) in ops[j].vars
                   and ops[j].vars[eg.output(k)].kind == "input"}
        last = [k for k in range(len(ops)) if k not in readers]
        if len(last) != 1 or eg.output(last[0]) is None:
            raise CircError("edge template %s needs exactly one output operator" % tname)
        del outs
        self.links.append(Link((eg, last[0], eg.output(last[0])), ei, (tg, tj, tvar), ti, weight, delay, spread,
                               "%s -> %s" % (src, tgt)))

    def add_input(self, path, series):
        g, j, var, i = self.resolve(path, "input")
        if g.kind(j, var) != "input":
            raise CircError("--input %s: not an input variable" % path)
        key = ("input", self.n_inputs)
        self.n_inputs += 1
        self.links.append(Link(key, 0, (g, j, var), i, 1.0, None, None, "input"))
        self.series = getattr(self, "series", {})
        self.series[key] = series

    def drop_repeated_pairs(self):
        """PyRates builds an unbuffered edge group (same source and target variable, template, delayed or not)
        as a matrix filled by assignment: a repeated (source unit, target unit) pair keeps its last weight."""
        last = {}
        for ln in self.links:
            if ln.mode == "now" and ln.skey[0] != "input":
                key = (id(ln.skey[0]), ln.skey[1], ln.skey[2], id(ln.tgt[0]), ln.tgt[1], ln.tgt[2], bool(ln.delay),
                       ln.s_i, ln.t_i, ln.what == "feed")
                last[key] = ln
        keep = set(map(id, last.values()))
        dropped = [ln for ln in self.links if ln.mode == "now" and ln.skey[0] != "input" and id(ln) not in keep]
        if dropped:
            self.warnings.append("%d repeated edge(s) between the same two nodes: the last weight is used (PyRates)"
                                 % len(dropped))
        self.links = [ln for ln in self.links if id(ln) not in set(map(id, dropped))]

    def plan_delays(self):
        """SEMANTICS 9: per source variable of a group, discrete buffers or spread chains (PyRates' rules)."""
        dt = self.dt
        bykey = {}
        for ln in self.links:
            if ln.skey[0] != "input":
                bykey.setdefault((id(ln.skey[0]), ln.skey[1], ln.skey[2]), []).append(ln)
        self.buffers = []
        for links in bykey.values():
            means, stds = [], []
            for ln in links:
                disc = not ln.spread
                stds.append(0 if disc else float(ln.spread))
                if not ln.delay:
                    means.append(1)
                else:
                    means.append(int(np.round(ln.delay / dt)) if disc else float(ln.delay))
            m = np.max(means)
            add = (m > 1) if "int" in str(type(m)) else (m > dt)
            had = [ln for ln in links if ln.delay or ln.spread]
            if not add:
                if had:
                    self.warnings.append("%d delayed edge(s) from %s are instantaneous: every delay rounds to <= 1 "
                                         "step (PyRates)" % (len(had), links[0].what))
                continue
            if sum(stds) > 0:
                for ln, d, v in zip(links, means, stds):
                    order = np.round((d / v) ** 2) if v > 0 else 0
                    ln.K = int(order) if d and order > 0 else 0
                    ln.k = ln.K / d if d else 0
                    if ln.K:
                        ln.mode = "chain"
                continue
            buf = {"key": links[0].skey, "D": max(means)}
            buf["data"] = np.zeros((len(links[0].skey[0].units), buf["D"] + 1))
            self.buffers.append(buf)
            for ln, d in zip(links, means):
                ln.mode, ln.D, ln.buf = "buffer", d, buf
            if any(not ln.delay for ln in links):
                self.warnings.append("undelayed edges from a buffered source variable lag one step (PyRates)")


# ---------------------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------------------

class Step:
    """Values of one evaluation of f (step n), computed on demand from the pre-update state."""

    def __init__(self, model, n):
        self.m, self.n, self.memo, self.busy = model, n, {}, set()

    def get(self, g, j, var):
        key = (id(g), j, var)
        if key in self.memo:
            return self.memo[key]
        if key in self.busy:
            raise CircError("algebraic loop through %s/%s" % (g.ops[j].name, var))
        self.busy.add(key)
        kind = g.kind(j, var)
        if kind == "ode":
            val = g.state[j][var]
        elif kind == "param":
            val = g.arr[j][var]
        elif kind == "alg":
            val = g.eqs[j][var][1](lambda v: self.get(g, j, v))
        else:
            val = self.input_value(g, j, var)
        self.busy.discard(key)
        self.memo[key] = val
        return val

    def part_values(self, kind, pay):
        """The values one part of a target's links delivers in this step (pre-update)."""
        if kind == "now":
            return self.get(*pay[0])[pay[1]]
        if kind == "buffer":
            return pay[0]["data"][pay[1], pay[2]]
        if kind == "chain":
            return self.m.Z[pay]
        return self.m.series[pay[0]][self.n] + np.zeros(pay[1])

    def input_value(self, g, j, var):
        n = len(g.units)
        intra = [self.get(g, k, var) for k in range(len(g.ops)) if k != j and g.output(k) == var]
        bysrc = self.m.into.get((id(g), j, var), {})
        total = None
        for parts in bysrc.values():
            acc, hit = np.zeros(n), np.zeros(n, dtype=bool)
            for kind, t_idx, w, pay in parts:
                np.add.at(acc, t_idx, self.part_values(kind, pay) * w)  # in link order; x * 1.0 == x
                hit[t_idx] = True
            if len(bysrc) == 1:
                acc = np.where(hit, acc, g.arr[j][var])
            total = acc if total is None else total + acc
        for x in intra:
            total = x if total is None else total + x
        return g.arr[j][var] if total is None else total


def prepare(model):
    """Arrays for the simulation: per target variable and source group, the links as parts of one kind
    (now, buffer, chain, input) with target units, weights and where their values come from; every spread
    chain as a slice of one state vector Z (rates kvec; starts fed by the sources)."""
    chains = [ln for ln in model.links if ln.mode == "chain"]
    off = np.cumsum([0] + [ln.K for ln in chains])
    model.Z, model.kvec = np.zeros(off[-1]), np.zeros(off[-1])
    model.chain_feed = {}
    for ln, o in zip(chains, off):
        ln.end = o + ln.K - 1
        model.kvec[o:o + ln.K] = ln.k
        f = model.chain_feed.setdefault((id(ln.skey[0]), ln.skey[1], ln.skey[2]), (ln.skey, [], []))
        f[1].append(ln.s_i)
        f[2].append(o)
    model.starts = off[:-1].astype(int)
    model.into = {}
    for ln in model.links:
        src = ln.skey if ln.skey[0] == "input" else id(ln.skey[0])
        kind = "input" if ln.skey[0] == "input" else ln.mode
        tgt = model.into.setdefault((id(ln.tgt[0]), ln.tgt[1], ln.tgt[2]), {}).setdefault(src, [])
        same = tgt and tgt[-1][0] == kind and kind != "input" and tgt[-1][3][0].skey[1:] == ln.skey[1:]
        if not same:  # a part: links of one kind from one source variable
            tgt.append([kind, [], [], []])
        part = tgt[-1]
        part[1].append(ln.t_i)
        part[2].append(ln.w)
        part[3].append(ln)
    for bysrc in model.into.values():
        for parts in bysrc.values():
            for part in parts:
                kind, links = part[0], part[3]
                part[1], part[2] = np.array(part[1], dtype=int), np.array(part[2])
                s_idx = np.array([ln.s_i for ln in links], dtype=int)
                part[3] = ((links[0].skey, s_idx) if kind == "now" else
                           (links[0].buf, s_idx, np.array([ln.D for ln in links], dtype=int)) if kind == "buffer" else
                           np.array([ln.end for ln in links], dtype=int) if kind == "chain" else
                           (links[0].skey, len(links)))


def simulate(model, steps, records, every):
    dt = model.dt
    prepare(model)
    for g in model.groups.values():
        g.arr = [{v: np.array(vals, dtype=float) for v, vals in d.items()} for d in g.values]
        g.state = [{v: g.arr[j][v].copy() for v in g.arr[j] if g.kind(j, v) == "ode"} for j in range(len(g.ops))]
    data = {key: [] for key, _ in records}
    rec_steps = []
    for n in range(steps):
        st = Step(model, n)
        for buf in model.buffers:  # shift, slot 0 = the current source value
            buf["data"] = np.roll(buf["data"], 1, axis=1)
            buf["data"][:, 0] = st.get(*buf["key"])
        if n % every == 0:
            rec_steps.append(n)
            for key, (g, j, var, i) in records:
                data[key].append([np.broadcast_to(st.get(g, j, var), (len(g.units),))[i]])
        dy = []
        for g in model.groups.values():
            for j in range(len(g.ops)):
                for var in g.state[j]:
                    dy.append((g.state[j], var, g.eqs[j][var][1](lambda v, g=g, j=j: st.get(g, j, v))))
        prev = np.empty_like(model.Z)  # z1' = k (x - z1), zj' = k (z(j-1) - zj)
        prev[1:] = model.Z[:-1]
        for skey, s_idx, starts in model.chain_feed.values():
            prev[starts] = st.get(*skey)[s_idx]
        dz = model.kvec * (prev - model.Z)
        for d, var, f in dy:
            d[var] = d[var] + dt * f
        model.Z = model.Z + dt * dz
    return data, rec_steps


# ---------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------

def build(a):
    lib = Lib(a.template_path)
    model = Model(lib, a.circuit, a.dt)
    for s in a.set:
        path, eq, val = s.partition("=")
        if not eq:
            raise CircError("--set %s: expected PATH=VALUE" % s)
        g, j, var, i = model.resolve(path, "--set")
        g.values[j][var][i] = float(val)
    for s in a.input:
        path, eq, file = s.partition("=")
        if not eq:
            raise CircError("--input %s: expected PATH=FILE" % s)
        arr = netref.read_matrix(file)
        if arr.shape[1] != 1 or arr.shape[0] < a.steps:
            raise CircError("--input %s: expected one column of at least %d rows" % (s, a.steps))
        model.add_input(path, arr[:, 0])
    model.plan_delays()
    model.drop_repeated_pairs()
    return model


def run(argv):
    ap = argparse.ArgumentParser(prog="circref.py run")
    ap.add_argument("circuit")
    ap.add_argument("--template-path", action="append", default=[])
    ap.add_argument("--dt", type=float, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--record", action="append", default=[])
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--sampling-steps", type=int, default=1)
    ap.add_argument("-o", dest="out", required=True)
    a = ap.parse_args(argv)
    model = build(a)
    records = []
    for s in a.record:
        key, eq, path = s.rpartition("=")
        key = key if eq else path.replace("/", "_")
        if not netref.KEY_RE.match(key) or key in netref.RESERVED:
            raise CircError("--record %s: bad key %s" % (s, key))
        records.append((key, model.resolve(path, "--record")))
    if not records:
        raise CircError("nothing to write: give --record")
    for w in model.warnings:
        print("circref: warning: %s" % w, file=sys.stderr)
    data, rec_steps = simulate(model, a.steps, records, a.sampling_steps)
    os.makedirs(a.out, exist_ok=True)
    for key, rows in data.items():
        netref.write_csv(os.path.join(a.out, key + ".csv"), rows)
    netref.write_csv(os.path.join(a.out, "time.csv"), [[n * a.dt] for n in rec_steps])
    return 0


def case(argv):
    """Runs a shared/cases/pyrates_* case from its case.json and writes its outputs under the case's names."""
    import json
    case_dir, out = os.path.abspath(argv[0]), argv[1]
    with open(os.path.join(case_dir, "case.json")) as f:
        c = json.load(f)
    shared = os.path.dirname(os.path.dirname(case_dir))
    args = [c["template"], "--template-path", os.path.join(shared, "templates", "pyrates"), "--dt", repr(c["dt"]),
            "--steps", str(c["steps"]), "--sampling-steps", str(int(round(c["sampling_step_size"] / c["dt"]))),
            "-o", out]
    for path, spec in c.get("inputs", {}).items():
        args += ["--input", "%s=%s" % (path, os.path.join(case_dir, spec["file"]))]
    for key, spec in c["outputs"].items():
        args += ["--record", "%s=%s" % (os.path.splitext(spec["file"])[0], spec["variable"])]
    return run(args + argv[2:])


def compare(argv):
    """Numerical comparison within --atol/--rtol (default 1e-10, 1e-8): same shapes, NaN equals NaN."""
    ap = argparse.ArgumentParser(prog="circref.py compare")
    ap.add_argument("expected")
    ap.add_argument("candidate")
    ap.add_argument("files", nargs="*")
    ap.add_argument("--atol", type=float, default=1e-10)
    ap.add_argument("--rtol", type=float, default=1e-8)
    a = ap.parse_args(argv)
    files = a.files or sorted(f for f in os.listdir(a.expected) if f.endswith(".csv") and f != "time.csv"
                              and os.path.exists(os.path.join(a.candidate, f)))
    bad = 0
    for f in files:
        e, c = (netref.read_matrix(os.path.join(d, f)) for d in (a.expected, a.candidate))
        if e.shape != c.shape:
            print("%s: shape %s expected, %s found" % (f, e.shape, c.shape))
            bad += 1
            continue
        ok = np.isclose(c, e, atol=a.atol, rtol=a.rtol) | (np.isnan(e) & np.isnan(c))
        err = np.nanmax(np.abs(c - e)) if e.size else 0.0
        print("%s: %s (%d x %d, max abs error %.3g)" % (f, "ok" if ok.all() else "DIFFERS", e.shape[0], e.shape[1], err))
        bad += not ok.all()
    return 1 if bad or not files else 0


def list_circuits(argv):
    """Every CircuitTemplate under the template paths: 'runs' or the reason it is refused."""
    ap = argparse.ArgumentParser(prog="circref.py list")
    ap.add_argument("--template-path", action="append", default=[])
    a = ap.parse_args(argv)
    bad = 0
    for root in a.template_path:
        for dirpath, _, files in sorted(os.walk(root)):
            for fn in sorted(files):
                if not fn.endswith(".yaml"):
                    continue
                with open(os.path.join(dirpath, fn)) as f:
                    doc = yaml.safe_load(f) or {}
                mod = os.path.relpath(os.path.join(dirpath, fn[:-5]), root).replace("/", ".")
                for name, body in doc.items():
                    if isinstance(body, dict) and body.get("base") == "CircuitTemplate":
                        ref = "%s.%s" % (mod, name)
                        try:
                            Model(Lib(a.template_path), ref, 1e-3).plan_delays()
                            print("%s: runs" % ref)
                        except CircError as e:
                            print("%s: refused: %s" % (ref, e))
                            bad += 1
    return 0


def main():
    cmds = {"run": run, "case": case, "compare": compare, "list": list_circuits}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return cmds[sys.argv[1]](sys.argv[2:])
    except (CircError, OSError, ValueError, KeyError) as e:
        print("circref: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

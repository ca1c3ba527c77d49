/*
 * check_circuit.c -- tests of PyRates CircuitTemplates (generator/circuit*.c): nodes grouped into
 * populations, sub-circuits, edges and edge templates, PyRates 1.0.1's delay rules (SEMANTICS 9) and the
 * errors, each naming file:line:col.
 */
#include <math.h>

#include "testutil.h"

#include "circuit.h"
#include "rectic.h"

/* Operators and nodes every fixture uses: a leaky unit (input r_in) and a phase oscillator. */
static const char *const LIB =
    "leak:\n"
    "  base: OperatorTemplate\n"
    "  equations: \"v' = -v/tau + r_in\"\n"
    "  variables: {v: output(0.0), tau: 1.0, r_in: input(0.0)}\n"
    "leak2:\n"
    "  base: leak\n"
    "  variables: {tau: 2.0}\n"
    "phase:\n"
    "  base: OperatorTemplate\n"
    "  equations: \"d/dt * theta = omega + K*s_in\"\n"
    "  variables: {theta: output(0.0), omega: 1.0, K: 1.0, s_in: input(0.0)}\n"
    "dep:\n"
    "  base: OperatorTemplate\n"
    "  equations: [\"x' = (1-x)/tau_x - k*x*r_in\", \"r_eff = r_in*x\"]\n"
    "  variables: {r_eff: output, x: variable(1.0), tau_x: 100.0, k: 1.0, r_in: input(0.0)}\n"
    "cpl:\n"
    "  base: OperatorTemplate\n"
    "  equations: \"s = sin(theta_s - theta_t)\"\n"
    "  variables: {theta_s: input, theta_t: input, s: output}\n"
    "leaku:\n"
    "  base: leak\n"
    "  equations: {replace: {r_in: (r_in + u)}}\n"
    "  variables: {u: input(220.0)}\n"
    "L: {base: NodeTemplate, operators: [leak]}\n"
    "LU: {base: NodeTemplate, operators: [leaku]}\n"
    "L2: {base: NodeTemplate, operators: [leak2]}\n"
    "P: {base: NodeTemplate, operators: [phase]}\n"
    "dep_edge: {base: EdgeTemplate, operators: [dep]}\n"
    "sin_edge: {base: EdgeTemplate, operators: [cpl]}\n";

typedef struct fx {
    char *dir;
    rct_err err;
    rct_loader *L;
    rct_circuit *c;
} fx;

/* Writes LIB + text as DIR/t/lib.yaml and loads circuit t.lib.NAME; returns the load status. */
static int load(fx *f, const char *text, const char *name)
{
    memset(f, 0, sizeof *f);
    f->dir = tu_tmpdir();
    char sub[4200], ref[256], *all = malloc(strlen(LIB) + strlen(text) + 1);
    snprintf(sub, sizeof sub, "%s/t", f->dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    sprintf(all, "%s%s", LIB, text);
    free(tu_write(sub, "lib.yaml", all));
    free(all);
    f->L = rct_loader_new(&f->err);
    ck_assert_int_eq(rct_loader_add_dir(f->L, f->dir), 0);
    snprintf(ref, sizeof ref, "t.lib.%s", name);
    return rct_circuit_load(f->L, ref, &f->c);
}

/* Loads circuit c, "c:\n  base: CircuitTemplate\n" and then body, asserting that it loads; plans it for dt
   unless dt is 0. */
static void circuit(fx *f, const char *body, double dt)
{
    char *text = malloc(strlen(body) + 64);
    sprintf(text, "c:\n  base: CircuitTemplate\n%s", body);
    int rc = load(f, text, "c");
    free(text);
    ck_assert_msg(rc == 0, "%s", f->err.msg);
    if (dt > 0)
        ck_assert_msg(rct_circuit_plan(f->c, dt, &f->err) == 0, "%s", f->err.msg);
}

static void done(fx *f)
{
    rct_circuit_free(f->c);
    rct_loader_free(f->L);
    tu_rmtree(f->dir);
    free(f->dir);
}

/* The edge whose source and target units are called src and tgt (the k-th such, from 0). */
static const rct_cedge *edge(const rct_circuit *c, const char *src, const char *tgt, int k)
{
    for (int i = 0; i < c->n_edges; i++) {
        const rct_cedge *e = &c->edges[i];
        if (!strcmp(c->pops[e->src.pop].units[e->src.unit], src) && !strcmp(c->pops[e->tgt.pop].units[e->tgt.unit], tgt) &&
            k-- == 0)
            return e;
    }
    ck_abort_msg("no edge %s -> %s", src, tgt);
    return NULL;
}

/* Whether a warning contains text. */
static int warned(const rct_circuit *c, const char *text)
{
    for (int i = 0; i < c->n_warnings; i++)
        if (strstr(c->warnings[i], text))
            return 1;
    return 0;
}

START_TEST(test_nodes_of_one_template_form_one_population_in_order)
{
    fx f;
    circuit(&f, "  nodes: {a: L, s: P, b: L, d: L2}\n"
                "  edges:\n    - [s/phase/theta, b/leak/r_in, null, {weight: 2.5}]\n", 0);
    ck_assert_int_eq(f.c->n_pops, 3);
    ck_assert_str_eq(f.c->pops[0].name, "L");
    ck_assert_int_eq(f.c->pops[0].n, 2);
    ck_assert_str_eq(f.c->pops[0].units[0], "a");
    ck_assert_str_eq(f.c->pops[0].units[1], "b");
    ck_assert_str_eq(f.c->pops[1].units[0], "s");
    ck_assert_str_eq(f.c->pops[2].name, "L2");
    ck_assert_double_eq(f.c->pops[2].tmpl->ops[0].vars[1].value, 2.0); /* tau of leak2 */
    ck_assert_ptr_nonnull(strstr(f.c->pops[0].ref, "/t/lib/L"));
    ck_assert_int_eq(f.c->n_edges, 1);
    const rct_cedge *e = edge(f.c, "s", "b", 0);
    ck_assert_double_eq(e->weight, 2.5);
    ck_assert_int_eq(e->tgt.pop, 0);
    ck_assert_int_eq(e->tgt.unit, 1);
    int u, p = rct_circuit_unit(f.c, "d", &u);
    ck_assert_int_eq(p, 2);
    ck_assert_int_eq(u, 0);
    ck_assert_int_eq(rct_circuit_unit(f.c, "zz", &u), -1);
    done(&f);
}
END_TEST

START_TEST(test_sub_circuits_are_addressed_sub_node_and_keep_their_edges)
{
    fx f;
    ck_assert_int_eq(load(&f, "pair:\n  base: CircuitTemplate\n  nodes: {x: L, y: L}\n"
                             "  edges: [[x/leak/v, y/leak/r_in, null, {weight: 3.0}]]\n"
                             "top:\n  base: CircuitTemplate\n  circuits: {a: pair, b: pair}\n"
                             "  edges: [[a/y/leak/v, b/x/leak/r_in, null, {weight: -1.5, delay: 0.002}]]\n", "top"), 0);
    ck_assert_int_eq(f.c->n_pops, 1);
    ck_assert_int_eq(f.c->pops[0].n, 4);
    ck_assert_str_eq(f.c->pops[0].units[3], "b/y");
    ck_assert_int_eq(f.c->n_edges, 3);
    ck_assert_double_eq(edge(f.c, "a/y", "b/x", 0)->weight, -1.5); /* the circuit's own edges come first */
    ck_assert_ptr_eq(edge(f.c, "a/y", "b/x", 0), &f.c->edges[0]);
    ck_assert_double_eq(edge(f.c, "a/x", "a/y", 0)->weight, 3.0);
    ck_assert_double_eq(edge(f.c, "b/x", "b/y", 0)->weight, 3.0);
    rct_cend end;
    ck_assert_int_eq(rct_circuit_var(f.c, "b/y/leak/tau", "x", &end, &f.err), 0);
    ck_assert_int_eq(end.unit, 3);
    ck_assert_int_eq(end.var, 1);
    ck_assert_int_ne(rct_circuit_var(f.c, "b/q/leak/tau", "--record", &end, &f.err), 0);
    ck_assert_str_eq(f.err.msg, "--record 'b/q/leak/tau': the circuit has no node 'b/q'");
    done(&f);
}
END_TEST

START_TEST(test_discrete_delays_round_half_to_even_and_lag_the_undelayed_edges_of_the_group)
{
    fx f;
    circuit(&f, "  nodes: {s: P, a: L, b: L, d: L}\n  edges:\n"
                "    - [s/phase/theta, a/leak/r_in, null, {delay: 0.0025}]\n"
                "    - [s/phase/theta, b/leak/r_in, null, {delay: 0.0036}]\n"
                "    - [s/phase/theta, d/leak/r_in, null, {weight: 0.5}]\n"
                "    - [a/leak/v, b/leak/r_in, null, {delay: 0.0004}]\n", 0.001);
    ck_assert_int_eq(edge(f.c, "s", "a", 0)->mode, RCT_CE_BUFFER);
    ck_assert_int_eq(edge(f.c, "s", "a", 0)->D, 2);
    ck_assert_int_eq(edge(f.c, "s", "b", 0)->D, 4);
    ck_assert_int_eq(edge(f.c, "s", "d", 0)->mode, RCT_CE_BUFFER);
    ck_assert_int_eq(edge(f.c, "s", "d", 0)->D, 1);
    ck_assert(warned(f.c, "t/lib.yaml:32:14: the undelayed edges from s/phase/theta lag one step")); /* s's entry */
    ck_assert_int_eq(edge(f.c, "a", "b", 0)->mode, RCT_CE_NOW); /* 0.4 steps: its group is not buffered */
    ck_assert(warned(f.c, "t/lib.yaml:32:20: the delays of the edges from a/leak/v round to at most one step"));
    /* at dt = 0.5 ms every delay of s rounds to more steps */
    ck_assert_int_eq(rct_circuit_plan(f.c, 0.0005, &f.err), 0);
    ck_assert_int_eq(edge(f.c, "s", "a", 0)->D, 5);
    ck_assert_int_eq(edge(f.c, "s", "b", 0)->D, 7);
    ck_assert_int_eq(rct_circuit_plan(f.c, 0.0, &f.err), RECTIC_EINVAL);
    done(&f);
}
END_TEST

START_TEST(test_delays_of_at_most_one_step_leave_the_group_instantaneous)
{
    fx f;
    circuit(&f, "  nodes: {s: P, a: L, b: L}\n  edges:\n"
                "    - [s/phase/theta, a/leak/r_in, null, {delay: 0.0014}]\n"
                "    - [s/phase/theta, b/leak/r_in, null, {delay: 0.001}]\n", 0.001);
    ck_assert_int_eq(edge(f.c, "s", "a", 0)->mode, RCT_CE_NOW);
    ck_assert_int_eq(edge(f.c, "s", "b", 0)->mode, RCT_CE_NOW);
    ck_assert_int_eq(rct_circuit_plan(f.c, 0.0005, &f.err), 0); /* 2.8 -> 3 and 2 steps */
    ck_assert_int_eq(edge(f.c, "s", "a", 0)->D, 3);
    ck_assert_int_eq(edge(f.c, "s", "b", 0)->D, 2);
    done(&f);
}
END_TEST

START_TEST(test_spread_edges_become_chains_of_rounded_order_and_the_others_stay_instantaneous)
{
    fx f;
    circuit(&f, "  nodes: {s: P, a: L, b: L, d: L}\n  edges:\n"
                "    - [s/phase/theta, a/leak/r_in, null, {weight: 20.0, delay: 0.004, spread: 0.001}]\n"
                "    - [s/phase/theta, b/leak/r_in, null, {delay: 1.0, spread: 0.3}]\n"
                "    - [s/phase/theta, d/leak/r_in, null, {delay: 0.003}]\n", 0.0001);
    const rct_cedge *a = edge(f.c, "s", "a", 0), *b = edge(f.c, "s", "b", 0), *d = edge(f.c, "s", "d", 0);
    ck_assert_int_eq(a->mode, RCT_CE_CHAIN);
    ck_assert_int_eq(a->K, 16);
    ck_assert_double_eq_tol(a->k, 4000.0, 1e-9);
    ck_assert_int_eq(b->K, 11); /* (1/0.3)^2 = 11.1 */
    ck_assert_double_eq(b->k, 11.0);
    ck_assert_int_eq(d->mode, RCT_CE_NOW);
    ck_assert(warned(f.c, "another edge from the same variable has a spread"));
    done(&f);
}
END_TEST

START_TEST(test_structurally_equal_templates_share_a_delay_group)
{
    fx f;
    /* L and L2 differ only in a value: PyRates vectorises them together, so the delayed edge from x makes
       the undelayed one from y lag */
    circuit(&f, "  nodes: {x: L, y: L2, z: L}\n  edges:\n"
                "    - [x/leak/v, z/leak/r_in, null, {delay: 0.003}]\n"
                "    - [y/leak2/v, z/leak/r_in, null, {weight: 2.0}]\n", 0.001);
    ck_assert_int_eq(f.c->pops[1].sig, f.c->pops[0].sig);
    ck_assert_int_eq(edge(f.c, "x", "z", 0)->D, 3);
    ck_assert_int_eq(edge(f.c, "y", "z", 0)->mode, RCT_CE_BUFFER);
    ck_assert_int_eq(edge(f.c, "y", "z", 0)->D, 1);
    done(&f);
}
END_TEST

START_TEST(test_edge_template_gets_an_edge_node_fed_by_the_source)
{
    fx f;
    circuit(&f, "  nodes: {a: L, b: L}\n  edges:\n"
                "    - [a/leak/v, b/leak/r_in, dep_edge, {weight: 15.0, dep/tau_x: 50.0}]\n"
                "    - [b/leak/v, a/leak/r_in, dep_edge, {weight: 2.0, delay: 0.75, spread: 0.3}]\n", 0);
    ck_assert_int_eq(f.c->n_pops, 2);
    const rct_cpop *E = &f.c->pops[1];
    ck_assert(E->is_edge);
    ck_assert_int_eq(E->n, 2);
    ck_assert_str_eq(E->units[0], "dep_edge.0");
    ck_assert_str_eq(E->units[1], "dep_edge.1");
    ck_assert_int_eq(E->n_sets, 1);
    ck_assert_double_eq(E->sets[0].values[0], 50.0);
    ck_assert_double_eq(E->sets[0].values[1], 100.0);
    const rct_cedge *feed = edge(f.c, "a", "dep_edge.0", 0), *out = edge(f.c, "dep_edge.0", "b", 0);
    ck_assert(feed->feed);
    ck_assert_double_eq(feed->weight, 1.0);
    ck_assert_str_eq(E->tmpl->ops[0].vars[feed->tgt.var].name, "r_in");
    ck_assert_str_eq(E->tmpl->ops[0].vars[out->src.var].name, "r_eff");
    ck_assert_double_eq(out->weight, 15.0);
    ck_assert_int_eq(rct_circuit_plan(f.c, 0.001, &f.err), 0);
    ck_assert_int_eq(edge(f.c, "dep_edge.1", "a", 0)->K, 6); /* (0.75/0.3)^2 = 6.25 */
    ck_assert_double_eq(edge(f.c, "dep_edge.1", "a", 0)->k, 8.0);
    done(&f);
}
END_TEST

START_TEST(test_edge_mappings_feed_the_edge_inputs_from_source_and_nodes)
{
    fx f;
    circuit(&f, "  nodes: {p1: P, p2: P}\n  edges:\n"
                "    - [p1/phase/theta, p2/phase/s_in, sin_edge, {weight: -4.0, sin_edge/cpl/theta_s: source,\n"
                "                                                 sin_edge/cpl/theta_t: p2/phase/theta}]\n", 0);
    ck_assert_int_eq(f.c->n_edges, 3);
    const rct_cedge *s = edge(f.c, "p1", "sin_edge.0", 0), *t = edge(f.c, "p2", "sin_edge.0", 0);
    const rct_top *cpl = &f.c->pops[1].tmpl->ops[0];
    ck_assert_str_eq(cpl->vars[s->tgt.var].name, "theta_s");
    ck_assert_str_eq(cpl->vars[t->tgt.var].name, "theta_t");
    ck_assert_double_eq(edge(f.c, "sin_edge.0", "p2", 0)->weight, -4.0);
    done(&f);
}
END_TEST

/* PyRates 1.0.1: `edges:` (or nodes:, circuits:) with nothing is none, and an EdgeTemplate without
   operators is no template: a plain edge with its weight and delay. */
START_TEST(test_null_edges_and_operatorless_edge_templates_read_as_pyrates_reads_them)
{
    fx f;
    ck_assert_int_eq(load(&f, "none_edge: {base: EdgeTemplate, operators: []}\n"
                              "c:\n  base: CircuitTemplate\n  nodes: {a: L, b: L}\n  circuits:\n  edges:\n"
                              "    - [a/leak/v, b/leak/r_in, none_edge, {weight: 2.5, delay: 0.003}]\n", "c"), 0);
    ck_assert_int_eq(f.c->n_pops, 1); /* no edge node */
    ck_assert_int_eq(f.c->n_edges, 1);
    ck_assert_int_eq(rct_circuit_plan(f.c, 0.001, &f.err), 0);
    ck_assert_double_eq(edge(f.c, "a", "b", 0)->weight, 2.5);
    ck_assert_int_eq(edge(f.c, "a", "b", 0)->D, 3);
    done(&f);
    ck_assert_int_eq(load(&f, "d:\n  base: CircuitTemplate\n  nodes: {a: L}\n  edges:\n", "d"), 0);
    ck_assert_int_eq(f.c->n_edges, 0);
    done(&f);
}
END_TEST

START_TEST(test_repeated_unbuffered_pair_keeps_the_last_weight)
{
    fx f;
    circuit(&f, "  nodes: {a: L, b: L}\n  edges:\n"
                "    - [a/leak/v, b/leak/r_in, null, {weight: 1.0}]\n"
                "    - [a/leak/v, b/leak/r_in, null, {weight: 2.0}]\n", 0.001);
    ck_assert_int_eq(f.c->n_edges, 1);
    ck_assert_double_eq(f.c->edges[0].weight, 2.0);
    ck_assert(warned(f.c, "PyRates keeps the last weight"));
    done(&f);
}
END_TEST

START_TEST(test_sub_circuit_template_used_twice_below_the_top_repeats_its_edges)
{
    fx f;
    ck_assert_int_eq(load(&f, "pair:\n  base: CircuitTemplate\n  nodes: {x: L, y: L}\n"
                             "  edges: [[x/leak/v, y/leak/r_in, null, {weight: 3.0}]]\n"
                             "wrap:\n  base: CircuitTemplate\n  circuits: {w: pair}\n"
                             "top:\n  base: CircuitTemplate\n  circuits: {a: wrap, b: wrap}\n", "top"), 0);
    ck_assert_int_eq(f.c->n_edges, 3); /* a: once, b: twice (PyRates 1.0.1 collect_edges) */
    edge(f.c, "b/w/x", "b/w/y", 1);
    ck_assert(warned(f.c, "is collected twice"));
    done(&f);
}
END_TEST

/* Loads a broken circuit and checks the message (position and text). */
static void refused(const char *text, const char *where, const char *what)
{
    fx f;
    ck_assert_int_ne(load(&f, text, "c"), 0);
    ck_assert_msg(strstr(f.err.msg, where) && strstr(f.err.msg, what), "message: %s", f.err.msg);
    done(&f);
}

START_TEST(test_refusals_name_file_line_and_column)
{
    const char *h = "c:\n  base: CircuitTemplate\n  nodes: {a: L, b: L}\n  edges:\n";
    char t[1024];
#define REFUSED(edge_text, where, what) (snprintf(t, sizeof t, "%s%s", h, edge_text), refused(t, where, what))
    REFUSED("    - [a/leak/v, q/leak/r_in, null, {weight: 1.0}]\n", "lib.yaml:34:18:", "the circuit has no node 'q'");
    REFUSED("    - [a/lk/v, b/leak/r_in, null]\n", "lib.yaml:34:8:", "node 'a' (L) has no operator 'lk'");
    REFUSED("    - [a/leak/v, b/leak/tau, null]\n", "lib.yaml:34:18:", "edge target 'b/leak/tau' is not an input");
    REFUSED("    - [a/leak/v, b/leak/r_in, null, {tau: 2.0}]\n", "lib.yaml:34:38:", "needs an edge template");
    REFUSED("    - [a/leak/v, b/leak/r_in, null, {delay: -1.0}]\n", "lib.yaml:34:45:", "delay must be >= 0");
    REFUSED("    - [a/leak/v, b/leak/r_in, null, {spread: 0.1}]\n", "lib.yaml:34:7:", "spread without a delay");
    REFUSED("    - [a/leak/v, b/leak/r_in, nope_edge]\n", "lib.yaml:34:31:", "template 'nope_edge' not found");
    REFUSED("    - [a/leak/v, b/leak/r_in]\n", "lib.yaml:34:7:", "an edge is [source, target");
    REFUSED("    - [a/leak/v, b/leak/r_in, dep_edge, {cpl/s: 1.0}]\n", "lib.yaml:34:42:", "has no variable 'cpl/s'");
    REFUSED("    - [a/leak/v, b/leak/r_in, dep_edge, {x/dep/r_in: source}]\n", "lib.yaml:34:42:",
            "must start with the edge template's name");
    refused("c:\n  base: CircuitTemplate\n  nodes: {a: L}\n  circuits: {s: c2}\nc2:\n  base: CircuitTemplate\n"
            "  nodes: {b: L}\n", "lib.yaml:33:13:", "both nodes and circuits");
    refused("c:\n  base: CircuitTemplate\n  circuits: {s: c}\n", "lib.yaml:32:17:", "circuit 'c' contains itself");
    refused("z:\n  base: OperatorTemplate\n  equations: \"z' = i*z\"\n  variables: {z: output(0.5+0.1j), i: 0.0+1.0j}\n"
            "Z: {base: NodeTemplate, operators: [z]}\nc:\n  base: CircuitTemplate\n  nodes: {a: Z}\n",
            "lib.yaml:33:18:", "complex-valued variables are not supported");
#undef REFUSED
}
END_TEST

START_TEST(test_shared_jansen_rit_and_delay_coupled_circuits)
{
    const char *shared = tu_shared_dir();
    if (!shared)
        TU_SKIP("../shared not found");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/templates/pyrates", shared);
    rct_err err = {0};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_int_eq(rct_loader_add_dir(L, dir), 0);
    rct_circuit *c;
    ck_assert_int_eq(rct_circuit_load(L, "model_templates.neural_mass_models.jansenrit.JRC_2delaycoupled", &c), 0);
    ck_assert_int_eq(c->n_pops, 2);
    ck_assert_str_eq(c->pops[0].name, "PC");
    ck_assert_int_eq(c->pops[0].tmpl->n_ops, 3);
    ck_assert_int_eq(c->pops[1].n, 4);
    ck_assert_int_eq(c->n_edges, 10);
    ck_assert_int_eq(rct_circuit_plan(c, 1e-4, &err), 0);
    ck_assert_int_eq(c->edges[0].K, 16);
    ck_assert_double_eq(c->edges[1].weight, 40.0);
    ck_assert_int_eq(c->edges[2].mode, RCT_CE_NOW);
    ck_assert_double_eq(c->edges[2].weight, 135.0);
    char *text = rct_circuit_describe(c);
    ck_assert_ptr_nonnull(strstr(text, "edge jrc1/pc/pro/m -> jrc2/pc/rpo_e_in/m_in weight 20 chain of 16 ODEs, rate 4000"));
    ck_assert_ptr_nonnull(strstr(text, "population IN: 4 nodes of "));
    free(text);
    rct_circuit_free(c);
    ck_assert_int_ne(rct_circuit_load(L, "model_templates.neural_mass_models.qif.qif_gap", &c), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "qif.yaml:124:8: edge source 'p/qif_op/r': node 'p' (qif_gap_pop) has no "
                                          "operator 'qif_op'"));
    ck_assert_int_ne(rct_circuit_load(L, "model_templates.neural_mass_models.qif.qif_alpha_syn", &c), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, "qif.yaml:132:35: template 'alpha_edge' not found"));
    rct_loader_free(L);
}
END_TEST

/* Projection k of ns: source and target paths, entries (borrowed), their count and the delay. */
static const double *proj(const rectic_netspec *ns, int k, const char *src, const char *tgt, long nnz, double delay)
{
    const char *s, *t;
    const double *w;
    long count;
    double d;
    rectic_weights_kind kind;
    ck_assert_int_eq(rectic_netspec_proj_ends(ns, k, NULL, &s, NULL, &t), 0);
    ck_assert_str_eq(s, src);
    ck_assert_str_eq(t, tgt);
    ck_assert_int_eq(rectic_netspec_proj_weights(ns, k, &kind, &w, &count, NULL, &d), 0);
    ck_assert_int_eq(kind, RECTIC_WEIGHTS_COO);
    ck_assert_int_eq(count, nnz);
    ck_assert_double_eq_tol(d, delay, 1e-15);
    return w;
}

START_TEST(test_planned_circuit_becomes_populations_and_coo_projections_with_delay_chains)
{
    fx f;
    circuit(&f, "  nodes: {s: P, a: L, b: L}\n  edges:\n"
                "    - [s/phase/theta, a/leak/r_in, null, {weight: 2.0, delay: 0.003}]\n"
                "    - [s/phase/theta, b/leak/r_in, null, {weight: 0.5}]\n"
                "    - [a/leak/v, b/leak/r_in, null, {weight: 3.0, delay: 0.004, spread: 0.001}]\n", 0);
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), 0);
    ck_assert_int_eq(rct_circuit_netspec(f.c, ns, &f.err), RECTIC_EINVAL); /* not planned */
    ck_assert_int_eq(rct_circuit_plan(f.c, 0.001, &f.err), 0);
    ck_assert_msg(rct_circuit_netspec(f.c, ns, &f.err) == 0, "%s", f.err.msg);
    ck_assert_int_eq(rectic_netspec_n_populations(ns), 3);
    ck_assert_str_eq(rectic_netspec_pop_name(ns, 0), "P");
    ck_assert_ptr_nonnull(strstr(rectic_netspec_pop_template(ns, 1), "/t/lib/L"));
    ck_assert_str_eq(rectic_netspec_pop_name(ns, 2), "delay_chains");
    ck_assert_str_eq(rectic_netspec_pop_template(ns, 2), "rectic.delay_chain.chain_op");
    ck_assert_int_eq(rectic_netspec_pop_size(ns, 2), 16);
    ck_assert_int_eq(rectic_netspec_n_projections(ns), 5);
    const double *w = proj(ns, 0, "P/phase/theta", "L/leak/r_in", 1, 0.003);
    ck_assert(w[0] == 0 && w[1] == 0 && w[2] == 2.0);
    w = proj(ns, 1, "P/phase/theta", "L/leak/r_in", 1, 0.001); /* the undelayed edge lags one step */
    ck_assert(w[0] == 1 && w[1] == 0 && w[2] == 0.5);
    w = proj(ns, 2, "L/leak/v", "delay_chains/chain_op/x", 1, 0);
    ck_assert(w[0] == 0 && w[1] == 0 && w[2] == 1.0);
    w = proj(ns, 3, "delay_chains/chain_op/z", "delay_chains/chain_op/x", 15, 0);
    ck_assert(w[3 * 14] == 15 && w[3 * 14 + 1] == 14 && w[3 * 14 + 2] == 1.0);
    w = proj(ns, 4, "delay_chains/chain_op/z", "L/leak/r_in", 1, 0);
    ck_assert(w[0] == 1 && w[1] == 15 && w[2] == 3.0);
    const char *var;
    const double *k;
    long count;
    ck_assert_int_eq(rectic_netspec_pop_set(ns, 2, 0, &var, &k, &count), 0);
    ck_assert_str_eq(var, "chain_op/k");
    ck_assert_int_eq(count, 16);
    ck_assert_double_eq(k[15], 4000.0);
    rectic_netspec_free(ns);
    done(&f);
}
END_TEST

START_TEST(test_untargeted_unit_keeping_a_nonzero_default_is_refused_for_networks)
{
    fx f;
    circuit(&f, "  nodes: {s: P, a: LU, b: LU}\n  edges:\n"
                "    - [s/phase/theta, a/leaku/u, null, {weight: 2.0}]\n", 0.001);
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), 0);
    ck_assert_int_eq(rct_circuit_netspec(f.c, ns, &f.err), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(f.err.msg, "lib.yaml:34:7: LU/leaku/u of b keeps its default 220 in PyRates"));
    rectic_netspec_free(ns);
    done(&f);
}
END_TEST

START_TEST(test_run_inputs_become_one_matrix_per_population_as_pyrates_adds_them)
{
    fx f;
    circuit(&f, "  nodes: {a: LU, b: LU, d: LU, s: P}\n  edges:\n"
                "    - [s/phase/theta, d/leaku/r_in, null, {weight: 2.0}]\n", 0);
    const double s1[] = {1, 2, 3}, s2[] = {10, 20, 30};
    const char *one[] = {"b/leaku/u"}, *two[] = {"a/leaku/u", "b/leaku/u", "a/leaku/u"};
    const double *series1[] = {s1}, *series2[] = {s1, s2, s2};
    rct_cinput *in;
    int n;
    /* one series: b takes it, a and d keep u = 220 */
    ck_assert_int_eq(rct_circuit_inputs(f.c, one, series1, 1, 3, &in, &n, &f.err), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(in[0].pop, 0);
    ck_assert_str_eq(f.c->pops[0].tmpl->ops[in[0].op].vars[in[0].var].name, "u");
    const double want1[] = {220, 1, 220, 220, 2, 220, 220, 3, 220};
    for (int k = 0; k < 9; k++)
        ck_assert_double_eq(in[0].data[k], want1[k]);
    rct_circuit_inputs_free(in, n);
    /* three series: a gets 1+10, 2+20, 3+30; b 10, 20, 30; d, driven by none, 0 */
    ck_assert_int_eq(rct_circuit_inputs(f.c, two, series2, 3, 3, &in, &n, &f.err), 0);
    const double want2[] = {11, 10, 0, 22, 20, 0, 33, 30, 0};
    for (int k = 0; k < 9; k++)
        ck_assert_double_eq(in[0].data[k], want2[k]);
    rct_circuit_inputs_free(in, n);
    const char *bad[] = {"d/leaku/r_in"}, *par[] = {"a/leaku/tau"}, *mix[] = {"a/leaku/u", "b/leaku/r_in"};
    /* into a variable with edges: an input node (a unit of run_inputs) and its weight-1 edge, as in PyRates */
    ck_assert_int_eq(rct_circuit_inputs(f.c, bad, series1, 1, 3, &in, &n, &f.err), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(in[0].pop, -1);
    ck_assert_str_eq(in[0].name, RCT_CIRCUIT_FEEDS);
    ck_assert_str_eq(in[0].path, "feed_op/x");
    ck_assert_int_eq(in[0].n, 1);
    ck_assert_double_eq(in[0].data[2], 3.0);
    ck_assert_int_eq(f.c->n_feeds, 1);
    ck_assert_int_eq(f.c->feeds[0].unit, 2);
    rct_circuit_inputs_free(in, n);
    ck_assert_int_eq(rct_circuit_plan(f.c, 0.1, &f.err), 0);
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), 0);
    ck_assert_int_eq(rct_circuit_netspec(f.c, ns, &f.err), 0);
    const double *w = proj(ns, 1, RCT_CIRCUIT_FEEDS "/feed_op/s", "LU/leaku/r_in", 1, 0.0); /* after the edge's */
    ck_assert_double_eq(w[0], 2.0); /* into d, from input node 0, weight 1 */
    ck_assert_double_eq(w[1], 0.0);
    ck_assert_double_eq(w[2], 1.0);
    rectic_netspec_free(ns);
    ck_assert_int_eq(rct_circuit_inputs(f.c, par, series1, 1, 3, &in, &n, &f.err), RECTIC_EINVAL);
    ck_assert_str_eq(f.err.msg, "circuit input a/leaku/tau: not an input variable (declared input(...))");
    ck_assert_int_eq(rct_circuit_inputs(f.c, mix, series2, 2, 3, &in, &n, &f.err), 0); /* u, and an input node */
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(in[0].path, "leaku/u");
    ck_assert_str_eq(in[1].name, RCT_CIRCUIT_FEEDS);
    rct_circuit_inputs_free(in, n);
    done(&f);
    circuit(&f, "  nodes: {a: LU, b: LU}\n", 0);
    ck_assert_int_eq(rct_circuit_inputs(f.c, mix, series2, 2, 3, &in, &n, &f.err), RECTIC_EINVAL);
    ck_assert_ptr_nonnull(strstr(f.err.msg, "population LU already takes its input through another variable"));
    done(&f);
}
END_TEST

/* Runs shared circuit ref for `steps` steps of dt through a network (optional input series of `steps` values
   into in_path, optional per-unit values of set_path) and returns the last recorded value of node variable
   rec (pre-update, step steps - 1). */
static double run_circuit(const char *ref, double dt, long steps, const char *in_path, const double *series,
                          const char *set_path, const double *set, long n_set, const char *rec)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/templates/pyrates", tu_shared_dir());
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_int_eq(rct_loader_add_dir(L, dir), 0);
    rct_circuit *c;
    ck_assert_msg(rct_circuit_load(L, ref, &c) == 0, "%s", err.msg);
    ck_assert_int_eq(rct_circuit_plan(c, dt, &err), 0);
    rct_cinput *in = NULL;
    int n_in = 0;
    char var[512];
    if (in_path) /* before the spec: an input into a variable with edges adds an input node */
        ck_assert_msg(rct_circuit_inputs(c, &in_path, &series, 1, steps, &in, &n_in, &err) == 0, "%s", err.msg);
    rectic_netspec *ns;
    ck_assert_int_eq(rectic_netspec_new(&ns), 0);
    ck_assert_msg(rct_circuit_netspec(c, ns, &err) == 0, "%s", err.msg);
    if (set_path)
        ck_assert_msg(rectic_netspec_set(ns, set_path, set, n_set) == 0, "%s", rectic_netspec_errmsg(ns));
    if (in_path)
        ck_assert_int_eq(rectic_netspec_input(ns, in[0].name, in[0].path), 0);
    rectic_spec o;
    rectic_spec_init(&o);
    o.dt = dt;
    const char *tp[] = {dir};
    o.template_path = tp;
    o.n_template_path = 1;
    rectic_net *net;
    ck_assert_msg(rectic_net_new_network(&net, ns, &o) == 0, "%s", rectic_errmsg(net));
    if (in_path)
        ck_assert_int_eq(rectic_net_input(net, in[0].name, in[0].data, steps, in[0].n), 0);
    rct_cend e;
    ck_assert_int_eq(rct_circuit_var(c, rec, "rec", &e, &err), 0);
    const rct_top *op = &c->pops[e.pop].tmpl->ops[e.op];
    snprintf(var, sizeof var, "%s/%s/%s", c->pops[e.pop].name, op->name, op->vars[e.var].name);
    ck_assert_msg(rectic_net_record_as(net, var, "x") == 0, "%s", rectic_errmsg(net));
    ck_assert_msg(rectic_net_run(net, steps, NULL, 0) == 0, "%s", rectic_errmsg(net));
    long rows, cols;
    const double *data;
    ck_assert_int_eq(rectic_net_recording(net, "x", &rows, &cols, &data), 0);
    ck_assert_int_eq(rows, steps);
    double last = data[(rows - 1) * cols + e.unit];
    rectic_net_free(net);
    rct_circuit_inputs_free(in, n_in);
    rectic_netspec_free(ns);
    rct_circuit_free(c);
    rct_loader_free(L);
    return last;
}

START_TEST(test_shared_circuits_run_through_the_network_runtime_as_circref_computes)
{
    if (!tu_shared_dir())
        TU_SKIP("../shared not found");
    /* expected: tests/circref.py run ... --steps 2000, the last row (circref equals PyRates 1.0.1 here) */
    const char *jr = "model_templates.neural_mass_models.jansenrit.";
    char ref[256];
    snprintf(ref, sizeof ref, "%sJRC", jr); /* the PC node: rpo_e_in/v + rpo_i/v -> pro/v */
    ck_assert_double_eq_tol(run_circuit(ref, 1e-4, 2000, NULL, NULL, NULL, NULL, 0, "pc/rpo_e_in/v"),
                            0.024134590774614176, 1e-12);
    ck_assert_double_eq_tol(run_circuit(ref, 1e-4, 2000, NULL, NULL, NULL, NULL, 0, "ein/rpo_e/v"),
                            0.019611045439146418, 1e-12);
    snprintf(ref, sizeof ref, "%sJRC_2delaycoupled", jr); /* two 16-ODE chains of rate 4000 */
    ck_assert_double_eq_tol(run_circuit(ref, 1e-4, 2000, NULL, NULL, NULL, NULL, 0, "jrc2/pc/rpo_e_in/v"),
                            0.026970071536017232, 1e-12);
    ck_assert_double_eq_tol(run_circuit(ref, 1e-4, 2000, NULL, NULL, NULL, NULL, 0, "jrc1/iin/rpo_e/v"),
                            0.004897467327215789, 1e-12);
    double ones[2000];
    for (int i = 0; i < 2000; i++)
        ones[i] = 1.0;
    const char *wc = "model_templates.neural_mass_models.wilsoncowan.WC_stp"; /* tsodyks edge nodes, an input */
    ck_assert_double_eq_tol(run_circuit(wc, 1e-3, 2000, "e/se_op/r_ext", ones, NULL, NULL, 0, "e/rate_op/r"),
                            0.02830766491901446, 1e-12);
    ck_assert_double_eq_tol(run_circuit(wc, 1e-3, 2000, "e/se_op/r_ext", ones, NULL, NULL, 0, "i/rate_op/r"),
                            0.0002425994411171838, 1e-13);
    ck_assert_double_eq_tol(run_circuit(wc, 1e-3, 2000, "e/se_op/r_ext", ones, NULL, NULL, 0,
                                        "tsodyks_edge.1/tsodyks_op/x"), 0.9982744884555459, 1e-12);
    const double omega[] = {10.0, 12.0}; /* sin_edge nodes: theta_s the source, theta_t mapped to the target */
    const char *km = "model_templates.oscillators.kuramoto.kmo_2coupled";
    ck_assert_double_eq_tol(run_circuit(km, 1e-3, 2000, NULL, NULL, "phase_pop/phase_op/omega", omega, 2,
                                        "p1/phase_op/theta"), 20.291864920124073, 1e-10);
    ck_assert_double_eq_tol(run_circuit(km, 1e-3, 2000, NULL, NULL, "phase_pop/phase_op/omega", omega, 2,
                                        "p2/phase_op/theta"), 23.686135079876006, 1e-10);
}
END_TEST

START_TEST(test_node_paths_map_to_population_paths_and_units)
{
    fx f;
    circuit(&f, "  nodes: {a: L, s: P, b: L}\n  edges:\n"
                "    - [a/leak/v, b/leak/r_in, dep_edge]\n", 0);
    ck_assert_int_eq(rct_circuit_detect(f.L, "t.lib.c"), 1);
    ck_assert_int_eq(rct_circuit_detect(f.L, "t.lib.L"), 0);
    ck_assert_int_eq(rct_circuit_detect(f.L, "t.lib.nothing"), 0);
    ck_assert_int_eq(rct_circuit_detect(f.L, "t.nofile.c"), 0);
    ck_assert_int_eq(f.err.code, 0); /* detection leaves no error behind */
    char out[256];
    int unit;
    ck_assert_int_eq(rct_circuit_pop_path(f.c, "b/leak/tau", "--record", out, sizeof out, &unit, &f.err), 0);
    ck_assert_str_eq(out, "L/leak/tau");
    ck_assert_int_eq(unit, 1);
    ck_assert_int_eq(rct_circuit_pop_path(f.c, "dep_edge.0/dep/x", "--record", out, sizeof out, &unit, &f.err), 0);
    ck_assert_str_eq(out, "dep_edge/dep/x");
    ck_assert_int_eq(unit, 0);
    ck_assert_int_eq(rct_circuit_pop_path(f.c, "s/phase/nope", "--set", out, sizeof out, &unit, &f.err), RECTIC_EINVAL);
    ck_assert_str_eq(f.err.msg, "--set 's/phase/nope': operator 'phase' has no variable 'nope'");
    done(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("circuit");
    TCase *tc = tcase_create("circuit");
    tcase_add_test(tc, test_nodes_of_one_template_form_one_population_in_order);
    tcase_add_test(tc, test_sub_circuits_are_addressed_sub_node_and_keep_their_edges);
    tcase_add_test(tc, test_discrete_delays_round_half_to_even_and_lag_the_undelayed_edges_of_the_group);
    tcase_add_test(tc, test_delays_of_at_most_one_step_leave_the_group_instantaneous);
    tcase_add_test(tc, test_spread_edges_become_chains_of_rounded_order_and_the_others_stay_instantaneous);
    tcase_add_test(tc, test_structurally_equal_templates_share_a_delay_group);
    tcase_add_test(tc, test_edge_template_gets_an_edge_node_fed_by_the_source);
    tcase_add_test(tc, test_edge_mappings_feed_the_edge_inputs_from_source_and_nodes);
    tcase_add_test(tc, test_repeated_unbuffered_pair_keeps_the_last_weight);
    tcase_add_test(tc, test_sub_circuit_template_used_twice_below_the_top_repeats_its_edges);
    tcase_add_test(tc, test_refusals_name_file_line_and_column);
    tcase_add_test(tc, test_shared_jansen_rit_and_delay_coupled_circuits);
    tcase_add_test(tc, test_planned_circuit_becomes_populations_and_coo_projections_with_delay_chains);
    tcase_add_test(tc, test_untargeted_unit_keeping_a_nonzero_default_is_refused_for_networks);
    tcase_add_test(tc, test_run_inputs_become_one_matrix_per_population_as_pyrates_adds_them);
    tcase_add_test(tc, test_shared_circuits_run_through_the_network_runtime_as_circref_computes);
    tcase_add_test(tc, test_node_paths_map_to_population_paths_and_units);
    tcase_add_test(tc, test_null_edges_and_operatorless_edge_templates_read_as_pyrates_reads_them);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

/*
 * check_template.c -- tests of template loading, inheritance and the model IR (generator/template.h, ir.h),
 * and of rectic_describe_template.
 */
#include <errno.h>
#include <math.h>
#include <sys/stat.h>

#include "testutil.h"

#include "ir.h"
#include "rectic.h"
#include "template.h"
#include "util.h"

/* ---------------------------------------------------------------- helpers */

/* The temporary template tree of the current test: tmp/pkg/...  Each test's tmp lies in root, which the
   parent process removes after each test case even when a test failed (and so skipped its teardown). */
static char *root;
static char *tmp;

static void make_root(void)
{
    root = tu_tmpdir();
}

static void remove_root(void)
{
    tu_rmtree(root);
    free(root);
    root = NULL;
}

static void setup(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/tXXXXXX", root);
    ck_assert_ptr_nonnull(mkdtemp(path));
    tmp = strdup(path);
    snprintf(path, sizeof path, "%s/pkg", tmp);
    ck_assert_int_eq(mkdir(path, 0777), 0);
}

static void teardown(void)
{
    if (tmp) {
        tu_rmtree(tmp);
        free(tmp);
        tmp = NULL;
    }
}

/* Writes tmp/pkg/name and returns the path (malloc'd). */
static char *put(const char *name, const char *yaml)
{
    char rel[512];
    snprintf(rel, sizeof rel, "pkg/%s", name);
    return tu_write(tmp, rel, yaml);
}

/* Path of tmp/pkg/name in a static buffer (several rotating buffers). */
static const char *pkg_path(const char *name)
{
    static char bufs[4][4200];
    static int k;
    char *b = bufs[k++ % 4];
    snprintf(b, sizeof bufs[0], "%s/pkg/%s", tmp, name);
    return b;
}

typedef struct loaded {
    rct_err err;
    rct_loader *L;
    rct_tnode *node;
    int rc;
} loaded;

/* Loads ref with tmp as the search directory. */
static void load(loaded *ld, const char *ref)
{
    memset(ld, 0, sizeof *ld);
    ld->L = rct_loader_new(&ld->err);
    ck_assert_ptr_nonnull(ld->L);
    ck_assert_int_eq(rct_loader_add_dir(ld->L, tmp), 0);
    ld->rc = rct_template_load(ld->L, ref, &ld->node);
}

static void unload(loaded *ld)
{
    rct_tnode_free(ld->node);
    rct_loader_free(ld->L);
    ld->node = NULL;
    ld->L = NULL;
}

/* Loads ref, which must succeed; the caller frees with rct_tnode_free. */
static rct_tnode *load_ok(const char *ref)
{
    loaded ld;
    load(&ld, ref);
    ck_assert_msg(ld.rc == 0, "loading %s failed: %s", ref, ld.err.msg);
    ck_assert_ptr_nonnull(ld.node);
    rct_tnode *node = ld.node;
    ld.node = NULL;
    unload(&ld);
    return node;
}

/* Loads ref, which must fail with code and exactly the message want. */
static void load_err(const char *ref, int code, const char *want)
{
    loaded ld;
    load(&ld, ref);
    ck_assert_msg(ld.rc != 0, "loading %s succeeded, expected: %s", ref, want);
    ck_assert_ptr_null(ld.node);
    ck_assert_str_eq(ld.err.msg, want);
    ck_assert_int_eq(ld.rc, code);
    ck_assert_int_eq(ld.err.code, code);
    unload(&ld);
}

static const rct_top *find_op(const rct_tnode *node, const char *name)
{
    for (int i = 0; i < node->n_ops; i++)
        if (strcmp(node->ops[i].name, name) == 0)
            return &node->ops[i];
    ck_abort_msg("no operator %s", name);
    return NULL;
}

static const rct_tvar *find_tvar(const rct_top *op, const char *name)
{
    for (int i = 0; i < op->n_vars; i++)
        if (strcmp(op->vars[i].name, name) == 0)
            return &op->vars[i];
    return NULL;
}

/* Builds the model of ref (no roles unless given); must succeed. */
static rct_model *model_ok(const char *ref, const rct_roles *roles)
{
    rct_tnode *node = load_ok(ref);
    rct_roles none = {0};
    rct_err err = {0, ""};
    rct_model *m = NULL;
    int rc = rct_model_build(node, roles ? roles : &none, &m, &err);
    ck_assert_msg(rc == 0, "building %s failed: %s", ref, err.msg);
    rct_tnode_free(node);
    return m;
}

/* Loads ref (which must load) and builds its model, which must fail with code and exactly the message want. */
static void model_err(const char *ref, int code, const char *want)
{
    rct_tnode *node = load_ok(ref);
    rct_roles none = {0};
    rct_err err = {0, ""};
    rct_model *m = (rct_model *)1;
    int rc = rct_model_build(node, &none, &m, &err);
    ck_assert_msg(rc != 0, "building %s succeeded, expected: %s", ref, want);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(rc, code);
    rct_tnode_free(node);
}

static int var_index(const rct_model *m, const char *op, const char *name)
{
    for (int v = 0; v < m->n_vars; v++)
        if (strcmp(m->vars[v].op, op) == 0 && strcmp(m->vars[v].name, name) == 0)
            return v;
    ck_abort_msg("no variable %s/%s", op, name);
    return -1;
}

/* ---------------------------------------------------------------- fixtures */

static const char *const BASE_YAML =
    "# operators and nodes of the tests\n"
    "op_a:\n"
    "  base: OperatorTemplate\n"
    "  equations:\n"
    "    - \"v' = -v/tau + eta + I_ext\"\n"
    "  variables:\n"
    "    v: output(-1.5)\n"
    "    tau: 10.0\n"
    "    eta: 0.25\n"
    "    I_ext: input(0.0)\n"
    "node_a:\n"
    "  base: NodeTemplate\n"
    "  description: \"a test node\"\n"
    "  operators:\n"
    "    - op_a\n";

/* ---------------------------------------------------------------- loading */

START_TEST(test_dotted_name_loads_from_search_dir)
{
    free(put("base.yaml", BASE_YAML));
    rct_tnode *node = load_ok("pkg.base.node_a");
    ck_assert_str_eq(node->name, "node_a");
    ck_assert_str_eq(node->ref, "pkg.base.node_a");
    ck_assert_str_eq(node->description, "a test node");
    ck_assert_int_eq(node->n_ops, 1);
    const rct_top *op = find_op(node, "op_a");
    ck_assert_ptr_eq(op, &node->ops[0]);
    ck_assert_str_eq(op->ref, "op_a");
    ck_assert_int_eq(op->n_eqs, 1);
    ck_assert_str_eq(op->eqs[0].text, "v' = -v/tau + eta + I_ext");
    ck_assert_str_eq(op->eqs[0].at.file, pkg_path("base.yaml"));
    ck_assert_int_eq(op->eqs[0].at.line, 5);
    ck_assert_int_eq(op->eqs[0].at.col, 8); /* the character after the quote */
    ck_assert_int_eq(op->eqs[0].exact, (int)strlen(op->eqs[0].text)); /* every character placed */
    ck_assert_int_eq(op->n_vars, 4);
    const rct_tvar *v = find_tvar(op, "v");
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->decl, RCT_D_OUTPUT);
    ck_assert(v->value == -1.5);
    ck_assert_int_eq(v->at.line, 7);
    ck_assert_int_eq(find_tvar(op, "tau")->decl, RCT_D_CONST);
    ck_assert(find_tvar(op, "tau")->value == 10.0);
    ck_assert(find_tvar(op, "eta")->value == 0.25);
    ck_assert_int_eq(find_tvar(op, "I_ext")->decl, RCT_D_INPUT);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_path_reference_with_slash_loads)
{
    free(put("base.yaml", BASE_YAML));
    char ref[4300];
    snprintf(ref, sizeof ref, "%s/pkg/base/node_a", tmp);
    rct_tnode *node = load_ok(ref);
    ck_assert_str_eq(node->name, "node_a");
    ck_assert_int_eq(node->n_ops, 1);
    ck_assert_str_eq(node->ops[0].eqs[0].text, "v' = -v/tau + eta + I_ext");
    rct_tnode_free(node);
    /* the file may also be named with its extension */
    snprintf(ref, sizeof ref, "%s/pkg/base.yaml/node_a", tmp);
    node = load_ok(ref);
    ck_assert_str_eq(node->name, "node_a");
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_yml_extension_is_found)
{
    free(put("other.yml", BASE_YAML));
    rct_tnode *node = load_ok("pkg.other.node_a");
    ck_assert_str_eq(node->ops[0].name, "op_a");
    ck_assert_str_eq(node->ops[0].eqs[0].at.file, pkg_path("other.yml"));
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_registered_text_stands_for_a_file)
{
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_int_eq(rct_loader_add_text(L, "mem", BASE_YAML), 0);
    rct_tnode *node = NULL;
    ck_assert_msg(rct_template_load(L, "mem.node_a", &node) == 0, "%s", err.msg);
    ck_assert_str_eq(node->ops[0].eqs[0].at.file, "mem");
    ck_assert_int_eq(node->ops[0].eqs[0].at.line, 5);
    rct_tnode_free(node);
    rct_loader_free(L);
}
END_TEST

START_TEST(test_operator_template_is_wrapped_in_node)
{
    free(put("base.yaml", BASE_YAML));
    rct_tnode *node = load_ok("pkg.base.op_a");
    ck_assert_int_eq(node->n_ops, 1);
    ck_assert_str_eq(node->name, "op_a");
    ck_assert_str_eq(node->ref, "pkg.base.op_a");
    ck_assert_ptr_null(node->description);
    ck_assert_str_eq(node->ops[0].name, "op_a");
    ck_assert_int_eq(node->ops[0].n_eqs, 1);
    ck_assert_int_eq(node->ops[0].n_vars, 4);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_bare_name_at_top_level_is_error)
{
    free(put("base.yaml", BASE_YAML));
    load_err("node_a", RECTIC_EINVAL,
             "template 'node_a': give it with its file, as file.node_a (dotted) or path/to/file/node_a");
}
END_TEST

/* ---------------------------------------------------------------- inheritance */

START_TEST(test_replace_is_token_bounded)
{
    free(put("inh.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = eta + theta + eta2 + eta*2 + (eta) - beta_eta\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    eta: 1.0\n"
             "    theta: 2.0\n"
             "    eta2: 3.0\n"
             "    beta_eta: 4.0\n"
             "child_op:\n"
             "  base: base_op\n"
             "  equations:\n"
             "    replace:\n"
             "      eta: eta - x\n"
             "  variables:\n"
             "    x: 5.0\n"));
    rct_tnode *node = load_ok("pkg.inh.child_op");
    const rct_top *op = &node->ops[0];
    ck_assert_str_eq(op->name, "child_op");
    ck_assert_int_eq(op->n_eqs, 1);
    ck_assert_str_eq(op->eqs[0].text, "v' = eta - x + theta + eta2 + eta - x*2 + (eta - x) - beta_eta");
    ck_assert_int_eq(op->eqs[0].exact, 0);
    ck_assert_ptr_nonnull(find_tvar(op, "theta"));
    ck_assert_ptr_nonnull(find_tvar(op, "eta2"));
    ck_assert_ptr_nonnull(find_tvar(op, "beta_eta"));
    ck_assert_ptr_nonnull(find_tvar(op, "x"));
    ck_assert(find_tvar(op, "x")->value == 5.0);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_replaces_apply_in_sequence)
{
    free(put("seq.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = a + b\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    a: 1.0\n"
             "    b: 2.0\n"
             "child_op:\n"
             "  base: base_op\n"
             "  equations:\n"
             "    replace:\n"
             "      a: b\n"
             "      b: c\n"
             "  variables:\n"
             "    c: 3.0\n"));
    rct_tnode *node = load_ok("pkg.seq.child_op");
    const rct_top *op = &node->ops[0];
    ck_assert_str_eq(op->eqs[0].text, "v' = c + c");
    /* a and b no longer occur: dropped */
    ck_assert_ptr_null(find_tvar(op, "a"));
    ck_assert_ptr_null(find_tvar(op, "b"));
    ck_assert_int_eq(op->n_vars, 2);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_remove_deletes_token_bounded_text)
{
    free(put("rem.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"u' = b*v - u + d*spike\"\n"
             "    - \"v' = -v + gd*spike\"\n"
             "  variables:\n"
             "    u: variable(0.0)\n"
             "    v: output(0.0)\n"
             "    b: 0.2\n"
             "    d: 2.0\n"
             "    gd: 3.0\n"
             "    spike: input(0.0)\n"
             "child_op:\n"
             "  base: base_op\n"
             "  equations:\n"
             "    remove:\n"
             "      - \"+ d*spike\"\n"
             "      - \"d*spike\"\n"));
    rct_tnode *node = load_ok("pkg.rem.child_op");
    const rct_top *op = &node->ops[0];
    ck_assert_int_eq(op->n_eqs, 2);
    ck_assert_str_eq(op->eqs[0].text, "u' = b*v - u ");
    /* "d*spike" is not token-bounded inside "gd*spike" */
    ck_assert_str_eq(op->eqs[1].text, "v' = -v + gd*spike");
    ck_assert_ptr_null(find_tvar(op, "d"));
    ck_assert_ptr_nonnull(find_tvar(op, "gd"));
    ck_assert_ptr_nonnull(find_tvar(op, "spike"));
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_remove_with_leading_space_matches_nothing)
{
    free(put("rem2.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"u' = x - u + d*spike\"\n"
             "  variables:\n"
             "    u: output(0.0)\n"
             "    x: 1.0\n"
             "    d: 2.0\n"
             "    spike: input(0.0)\n"
             "child_op:\n"
             "  base: base_op\n"
             "  equations:\n"
             "    remove: \" + d*spike\"\n"));
    rct_tnode *node = load_ok("pkg.rem2.child_op");
    ck_assert_str_eq(node->ops[0].eqs[0].text, "u' = x - u + d*spike");
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_add_appends_equations)
{
    free(put("add.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = -v + w\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    w: variable(1.0)\n"
             "child_op:\n"
             "  base: base_op\n"
             "  equations:\n"
             "    add:\n"
             "      - \"w' = -w/tau_w\"\n"
             "      - \"z = 2*w\"\n"
             "  variables:\n"
             "    tau_w: 4.0\n"
             "    z: variable(0.0)\n"));
    rct_tnode *node = load_ok("pkg.add.child_op");
    const rct_top *op = &node->ops[0];
    ck_assert_int_eq(op->n_eqs, 3);
    ck_assert_str_eq(op->eqs[0].text, "v' = -v + w");
    ck_assert_str_eq(op->eqs[1].text, "w' = -w/tau_w");
    ck_assert_str_eq(op->eqs[2].text, "z = 2*w");
    ck_assert_int_eq(op->eqs[1].at.line, 11);
    ck_assert_int_eq(op->eqs[1].at.col, 10);
    ck_assert_int_eq(op->eqs[1].exact, (int)strlen(op->eqs[1].text));
    ck_assert_int_eq(op->n_vars, 4);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_edits_apply_replace_then_remove_then_add)
{
    /* written in the order add, remove, replace; applied as replace, remove, add */
    free(put("order.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = -v + a\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    a: 1.0\n"
             "child_op:\n"
             "  base: base_op\n"
             "  equations:\n"
             "    add:\n"
             "      - \"w' = a\"\n"
             "    remove:\n"
             "      - \"+ b\"\n"
             "    replace:\n"
             "      a: a + b\n"
             "  variables:\n"
             "    b: 2.0\n"
             "    w: variable(0.0)\n"));
    rct_tnode *node = load_ok("pkg.order.child_op");
    const rct_top *op = &node->ops[0];
    ck_assert_int_eq(op->n_eqs, 2);
    ck_assert_str_eq(op->eqs[0].text, "v' = -v + a ");
    ck_assert_str_eq(op->eqs[1].text, "w' = a");
    ck_assert_ptr_null(find_tvar(op, "b"));
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_child_variables_override_base)
{
    free(put("base.yaml", BASE_YAML));
    free(put("child.yaml",
             "child_op:\n"
             "  base: pkg.base.op_a\n"
             "  variables:\n"
             "    tau: 2.0\n"
             "    v: variable(3.5)\n"
             "    eta: input(1.0)\n"));
    rct_tnode *node = load_ok("pkg.child.child_op");
    const rct_top *op = &node->ops[0];
    ck_assert_str_eq(op->name, "child_op");
    ck_assert_str_eq(op->eqs[0].text, "v' = -v/tau + eta + I_ext");
    ck_assert_int_eq(op->n_vars, 4);
    ck_assert(find_tvar(op, "tau")->value == 2.0);
    ck_assert_int_eq(find_tvar(op, "v")->decl, RCT_D_VARIABLE);
    ck_assert(find_tvar(op, "v")->value == 3.5);
    ck_assert_int_eq(find_tvar(op, "eta")->decl, RCT_D_INPUT);
    ck_assert(find_tvar(op, "eta")->value == 1.0);
    ck_assert_int_eq(find_tvar(op, "I_ext")->decl, RCT_D_INPUT);
    /* the overriding value is located in the child */
    ck_assert_str_eq(find_tvar(op, "tau")->at.file, pkg_path("child.yaml"));
    ck_assert_int_eq(find_tvar(op, "tau")->at.line, 4);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_unused_variables_are_dropped)
{
    free(put("base.yaml", BASE_YAML));
    free(put("child.yaml",
             "child_op:\n"
             "  base: pkg.base.op_a\n"
             "  equations:\n"
             "    replace:\n"
             "      eta: c\n"
             "  variables:\n"
             "    c: 3.0\n"
             "    unused: 7.0\n"));
    rct_tnode *node = load_ok("pkg.child.child_op");
    const rct_top *op = &node->ops[0];
    ck_assert_str_eq(op->eqs[0].text, "v' = -v/tau + c + I_ext");
    ck_assert_ptr_null(find_tvar(op, "eta"));
    ck_assert_ptr_null(find_tvar(op, "unused"));
    ck_assert_ptr_nonnull(find_tvar(op, "c"));
    ck_assert_int_eq(op->n_vars, 4);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_new_equation_list_replaces_base_equations)
{
    free(put("base.yaml", BASE_YAML));
    free(put("child.yaml",
             "child_op:\n"
             "  base: pkg.base.op_a\n"
             "  equations:\n"
             "    - \"v' = -v/tau\"\n"));
    rct_tnode *node = load_ok("pkg.child.child_op");
    const rct_top *op = &node->ops[0];
    ck_assert_int_eq(op->n_eqs, 1);
    ck_assert_str_eq(op->eqs[0].text, "v' = -v/tau");
    ck_assert_int_eq(op->n_vars, 2);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_yaml_alias_names_base)
{
    free(put("base.yaml", BASE_YAML));
    free(put("alias.yaml",
             "aliases:\n"
             "  - &x pkg.base.op_a\n"
             "child_op:\n"
             "  base: *x\n"
             "  variables:\n"
             "    tau: 20.0\n"
             "node_c:\n"
             "  base: NodeTemplate\n"
             "  operators:\n"
             "    - child_op\n"));
    rct_tnode *node = load_ok("pkg.alias.node_c");
    ck_assert_int_eq(node->n_ops, 1);
    const rct_top *op = &node->ops[0];
    ck_assert_str_eq(op->name, "child_op");
    ck_assert_str_eq(op->eqs[0].text, "v' = -v/tau + eta + I_ext");
    ck_assert_str_eq(op->eqs[0].at.file, pkg_path("base.yaml"));
    ck_assert(find_tvar(op, "tau")->value == 20.0);
    ck_assert(find_tvar(op, "eta")->value == 0.25);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_base_in_another_file)
{
    free(put("base.yaml", BASE_YAML));
    char sub[4300];
    snprintf(sub, sizeof sub, "%s/pkg/sub", tmp);
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    free(put("sub/deep.yaml",
             "deep_op:\n"
             "  base: pkg.base.op_a\n"
             "  equations:\n"
             "    add: \"w' = v\"\n"
             "  variables:\n"
             "    w: variable(0.0)\n"
             "deep:\n"
             "  base: NodeTemplate\n"
             "  operators: deep_op\n"));
    rct_tnode *node = load_ok("pkg.sub.deep.deep");
    ck_assert_int_eq(node->n_ops, 1);
    ck_assert_int_eq(node->ops[0].n_eqs, 2);
    ck_assert_str_eq(node->ops[0].eqs[0].text, "v' = -v/tau + eta + I_ext");
    ck_assert_str_eq(node->ops[0].eqs[1].text, "w' = v");
    ck_assert_int_eq(node->ops[0].n_vars, 5);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_bare_base_resolves_in_its_own_file)
{
    /* mid.yaml's bare "base_op" means mid.yaml's base_op, even when reached from another file that has
       its own base_op */
    free(put("mid.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = -v + a\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    a: 1.0\n"
             "mid_op:\n"
             "  base: base_op\n"
             "  variables:\n"
             "    a: 2.0\n"));
    free(put("top.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = 100\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "top_op:\n"
             "  base: pkg.mid.mid_op\n"));
    rct_tnode *node = load_ok("pkg.top.top_op");
    ck_assert_str_eq(node->ops[0].name, "top_op");
    ck_assert_str_eq(node->ops[0].eqs[0].text, "v' = -v + a");
    ck_assert(find_tvar(&node->ops[0], "a")->value == 2.0);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_node_base_inherits_operators)
{
    free(put("base.yaml", BASE_YAML));
    free(put("nodes.yaml",
             "node_b:\n"
             "  base: pkg.base.node_a\n"
             "  description: \"derived\"\n"));
    rct_tnode *node = load_ok("pkg.nodes.node_b");
    ck_assert_str_eq(node->name, "node_b");
    ck_assert_str_eq(node->description, "derived");
    ck_assert_int_eq(node->n_ops, 1);
    ck_assert_str_eq(node->ops[0].name, "op_a");
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_node_operator_map_sets_values)
{
    free(put("qif.yaml",
             "qif_op:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = (v^2 + eta + I_ext)/tau\"\n"
             "  variables:\n"
             "    v: output(-2.0)\n"
             "    tau: 1.0\n"
             "    eta: -5.0\n"
             "    I_ext: input(0.0)\n"
             "qif_shifted:\n"
             "  base: NodeTemplate\n"
             "  operators:\n"
             "    qif_op:\n"
             "      eta: -3.0\n"
             "      v: output(1.0)\n"));
    rct_tnode *node = load_ok("pkg.qif.qif_shifted");
    ck_assert_int_eq(node->n_ops, 1);
    const rct_top *op = &node->ops[0];
    ck_assert_str_eq(op->name, "qif_op");
    ck_assert(find_tvar(op, "eta")->value == -3.0);
    ck_assert(find_tvar(op, "v")->value == 1.0);
    ck_assert(find_tvar(op, "tau")->value == 1.0);
    rct_tnode_free(node);

    rct_model *m = model_ok("pkg.qif.qif_shifted", NULL);
    ck_assert(m->vars[var_index(m, "qif_op", "eta")].value == -3.0);
    rct_model_free(m);
}
END_TEST

START_TEST(test_node_operator_map_flow_style)
{
    free(put("qif.yaml",
             "qif_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = v + eta\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    eta: -5.0\n"
             "n:\n"
             "  base: NodeTemplate\n"
             "  operators: {qif_op: {eta: -3.0}}\n"));
    rct_tnode *node = load_ok("pkg.qif.n");
    ck_assert(find_tvar(&node->ops[0], "eta")->value == -3.0);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_node_operator_map_unknown_variable_is_error)
{
    free(put("qif.yaml",
             "qif_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = v + eta\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    eta: -5.0\n"
             "n:\n"
             "  base: NodeTemplate\n"
             "  operators:\n"
             "    qif_op:\n"
             "      zeta: 1.0\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:11:7: operator 'qif_op' has no variable 'zeta'", pkg_path("qif.yaml"));
    load_err("pkg.qif.n", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_node_operator_values_keep_declarations)
{
    /* on-the-fly values change a variable's default, not what it is: li_op/v stays the output that
       tanh_op/v is wired to, I_ext stays an input */
    free(put("vals.yaml",
             "aliases:\n"
             "  - &li neuron_model_templates.rate_neurons.leaky_integrator.li_op\n"
             "  - &th neuron_model_templates.rate_neurons.leaky_integrator.tanh_op\n"
             "n:\n"
             "  base: NodeTemplate\n"
             "  operators:\n"
             "    *li : {v: 0.5, I_ext: 0.25, tau: 4.0}\n"
             "    *th : {}\n"));
    loaded ld;
    memset(&ld, 0, sizeof ld);
    ld.L = rct_loader_new(&ld.err);
    ck_assert_int_eq(rct_loader_add_dir(ld.L, tmp), 0);
    ck_assert_int_eq(rct_loader_add_dir(ld.L, rct_builtin_template_dir()), 0);
    ld.rc = rct_template_load(ld.L, "pkg.vals.n", &ld.node);
    ck_assert_msg(ld.rc == 0, "%s", ld.err.msg);
    const rct_top *li = find_op(ld.node, "li_op");
    ck_assert(find_tvar(li, "v")->value == 0.5);
    ck_assert(find_tvar(li, "I_ext")->value == 0.25);
    ck_assert(find_tvar(li, "tau")->value == 4.0);
    ck_assert_int_eq(find_tvar(li, "tau")->decl, RCT_D_CONST);
    ck_assert_int_eq(find_tvar(li, "v")->decl, RCT_D_OUTPUT);
    ck_assert_int_eq(find_tvar(li, "I_ext")->decl, RCT_D_INPUT);
    rct_roles roles = {.op = "li_op", .input = "I_ext", .output = "v"};
    rct_model *m = NULL;
    ck_assert_msg(rct_model_build(ld.node, &roles, &m, &ld.err) == 0, "%s", ld.err.msg);
    ck_assert_int_eq(m->vars[var_index(m, "tanh_op", "v")].kind, RCT_VK_ALIAS);
    ck_assert_int_eq(m->vars[var_index(m, "tanh_op", "v")].alias, var_index(m, "li_op", "v"));
    ck_assert_int_eq(m->vars[var_index(m, "li_op", "I_ext")].kind, RCT_VK_INPUT);
    ck_assert(m->vars[var_index(m, "li_op", "v")].value == 0.5);
    rct_model_free(m);
    unload(&ld);
}
END_TEST

/* ---------------------------------------------------------------- the model IR */

static const char *const TWO_OPS_YAML =
    "op_a:\n"
    "  base: OperatorTemplate\n"
    "  equations: \"a' = -k*a + b\"\n"
    "  variables:\n"
    "    a: output(1.0)\n"
    "    k: 2.0\n"
    "    b: input(0.0)\n"
    "op_b:\n"
    "  base: OperatorTemplate\n"
    "  equations: \"b = k*a\"\n"
    "  variables:\n"
    "    b: output(0.0)\n"
    "    k: 3.0\n"
    "    a: input(0.0)\n"
    "two:\n"
    "  base: NodeTemplate\n"
    "  operators:\n"
    "    - op_a\n"
    "    - op_b\n";

START_TEST(test_tanh_node_kinds_and_passes)
{
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_int_eq(rct_loader_add_dir(L, rct_builtin_template_dir()), 0);
    rct_tnode *node = NULL;
    ck_assert_msg(rct_template_load(L, "neuron_model_templates.rate_neurons.leaky_integrator.tanh", &node) == 0, "%s",
                  err.msg);
    rct_roles roles = {.op = "li_op", .source = "tanh_op/r", .target = "r_in", .input = "I_ext", .output = "v"};
    rct_model *m = NULL;
    ck_assert_msg(rct_model_build(node, &roles, &m, &err) == 0, "%s", err.msg);
    int lv = var_index(m, "li_op", "v"), tv = var_index(m, "tanh_op", "v"), tr = var_index(m, "tanh_op", "r");
    ck_assert_int_eq(m->vars[lv].kind, RCT_VK_STATE);
    ck_assert_int_eq(m->vars[tv].kind, RCT_VK_ALIAS);
    ck_assert_int_eq(m->vars[tv].alias, lv);
    ck_assert_int_eq(m->vars[tr].kind, RCT_VK_ALG);
    ck_assert_int_eq(m->vars[tr].pass, 0);
    ck_assert_int_eq(m->vars[var_index(m, "li_op", "r_in")].kind, RCT_VK_COUPLING);
    ck_assert_int_eq(m->vars[var_index(m, "li_op", "I_ext")].kind, RCT_VK_INPUT);
    ck_assert_int_eq(m->vars[var_index(m, "li_op", "tau")].kind, RCT_VK_PARAM);
    ck_assert_int_eq(m->source, tr);
    ck_assert_int_eq(m->target, var_index(m, "li_op", "r_in"));
    ck_assert_int_eq(m->output, lv);
    ck_assert_int_eq(m->coupling_before, 1);
    ck_assert_int_eq(m->n_passes, 2);
    ck_assert_int_eq(m->n_state, 1);
    ck_assert_int_eq(m->n_alg, 1);
    ck_assert_int_eq(m->n_eqs, 2);
    /* r = tanh(v) first (algebraic), then v' */
    ck_assert_int_eq(m->eqs[m->order[0]].var, tr);
    ck_assert_int_eq(m->eqs[m->order[1]].var, lv);
    ck_assert_str_eq(m->eq_text[0], "li_op: v' = -v/tau + k*r_in + I_ext + eta");
    ck_assert_str_eq(m->eq_text[1], "tanh_op: r = tanh(v)");
    rct_model_free(m);
    rct_tnode_free(node);
    rct_loader_free(L);
}
END_TEST

START_TEST(test_state_source_couples_before_first_pass)
{
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_int_eq(rct_loader_add_dir(L, rct_builtin_template_dir()), 0);
    rct_tnode *node = NULL;
    ck_assert_int_eq(rct_template_load(L, "neuron_model_templates.spiking_neurons.qif.qif", &node), 0);
    rct_roles roles = {.op = "qif_op", .source = "s", .target = "s_in", .input = "I_ext", .output = "s",
                       .spike_var = "spike", .spike_def = "v"};
    rct_model *m = NULL;
    ck_assert_msg(rct_model_build(node, &roles, &m, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(m->coupling_before, 0);
    ck_assert_int_eq(m->n_passes, 1);
    ck_assert_int_eq(m->n_state, 2);
    ck_assert_int_eq(m->vars[m->spike_var].kind, RCT_VK_SPIKE);
    ck_assert_int_eq(m->vars[m->spike_def].kind, RCT_VK_STATE);
    rct_model_free(m);
    rct_tnode_free(node);
    rct_loader_free(L);
}
END_TEST

START_TEST(test_input_wired_to_algebraic_output_of_other_operator)
{
    free(put("two.yaml", TWO_OPS_YAML));
    rct_model *m = model_ok("pkg.two.two", NULL);
    int aa = var_index(m, "op_a", "a"), ab = var_index(m, "op_a", "b");
    int bb = var_index(m, "op_b", "b"), ba = var_index(m, "op_b", "a");
    ck_assert_int_eq(m->vars[aa].kind, RCT_VK_STATE);
    ck_assert_int_eq(m->vars[bb].kind, RCT_VK_ALG);
    ck_assert_int_eq(m->vars[ab].kind, RCT_VK_ALIAS);
    ck_assert_int_eq(m->vars[ab].alias, bb);
    ck_assert_int_eq(m->vars[ba].kind, RCT_VK_ALIAS);
    ck_assert_int_eq(m->vars[ba].alias, aa);
    ck_assert_int_eq(m->n_passes, 1);
    ck_assert_int_eq(m->coupling_before, -1);
    /* b = k*a before a' = -k*a + b, each k its own operator's */
    ck_assert_int_eq(m->eqs[m->order[0]].var, bb);
    ck_assert_int_eq(m->eqs[m->order[1]].var, aa);
    const rct_expr *rhs_a = m->eqs[m->vars[aa].eq].rhs; /* (-k*a) + b */
    ck_assert_int_eq(rhs_a->args[1]->ref, bb);
    ck_assert_int_eq(rhs_a->args[0]->args[0]->args[0]->ref, var_index(m, "op_a", "k"));
    const rct_expr *rhs_b = m->eqs[m->vars[bb].eq].rhs; /* k*a */
    ck_assert_int_eq(rhs_b->args[0]->ref, var_index(m, "op_b", "k"));
    ck_assert_int_eq(rhs_b->args[1]->ref, aa);
    /* clashing names get operator-qualified C names */
    ck_assert_str_eq(m->vars[var_index(m, "op_a", "k")].cname, "op_a_k");
    ck_assert_str_eq(m->vars[var_index(m, "op_b", "k")].cname, "op_b_k");
    ck_assert_str_eq(m->vars[aa].cname, "a");
    rct_model_free(m);
}
END_TEST

/* Jansen-Rit's PC node in small: two operators with output v, a third whose input v is their sum. */
static const char *const SUM_OPS_YAML =
    "ea:\n  base: OperatorTemplate\n  equations: \"v' = x - v\"\n  variables: {v: output(0.5), x: input(1.0)}\n"
    "eb:\n  base: OperatorTemplate\n  equations: \"v' = -v\"\n  variables: {v: output(0.25)}\n"
    "ec:\n  base: OperatorTemplate\n  equations: \"m = 2*v\"\n  variables: {m: output(0.0), v: input(0.0)}\n"
    "ed:\n  base: OperatorTemplate\n  equations: \"u' = v - u\"\n  variables: {u: output(0.0), v: input(0.0)}\n"
    "pc: {base: NodeTemplate, operators: [ea, eb, ec]}\n"
    "three: {base: NodeTemplate, operators: [ea, eb, ed, ec]}\n";

START_TEST(test_input_fed_by_two_same_named_outputs_is_their_sum)
{
    free(put("sum.yaml", SUM_OPS_YAML));
    rct_model *m = model_ok("pkg.sum.pc", NULL);
    int va = var_index(m, "ea", "v"), vb = var_index(m, "eb", "v"), vc = var_index(m, "ec", "v");
    ck_assert_int_eq(m->vars[vc].kind, RCT_VK_ALG);
    const rct_eq *eq = &m->eqs[m->vars[vc].eq];
    ck_assert_int_eq(eq->kind, RCT_EQ_ALG);
    ck_assert_int_eq(eq->rhs->kind, RCT_E_ADD); /* ea/v + eb/v, in operator order */
    ck_assert_int_eq(eq->rhs->args[0]->ref, va);
    ck_assert_int_eq(eq->rhs->args[1]->ref, vb);
    ck_assert_str_eq(m->eq_text[m->vars[vc].eq], "ec: v = ea/v + eb/v");
    /* m = 2*v reads the sum, computed before it */
    int pos_sum = -1, pos_m = -1;
    for (int k = 0; k < m->n_eqs; k++) {
        pos_sum = m->eqs[m->order[k]].var == vc ? k : pos_sum;
        pos_m = m->eqs[m->order[k]].var == var_index(m, "ec", "m") ? k : pos_m;
    }
    ck_assert_int_ge(pos_sum, 0);
    ck_assert_int_gt(pos_m, pos_sum);
    ck_assert_int_eq(m->eqs[m->vars[var_index(m, "ec", "m")].eq].rhs->args[1]->ref, vc);
    rct_model_free(m);
    /* two consumers: each input is its own sum */
    m = model_ok("pkg.sum.three", NULL);
    ck_assert_int_eq(m->vars[var_index(m, "ed", "v")].kind, RCT_VK_ALG);
    ck_assert_int_eq(m->vars[var_index(m, "ec", "v")].kind, RCT_VK_ALG);
    ck_assert_str_eq(m->eq_text[m->vars[var_index(m, "ed", "v")].eq], "ed: v = ea/v + eb/v");
    rct_model_free(m);
}
END_TEST

START_TEST(test_algebraic_equations_ordered_by_dependency)
{
    free(put("dep.yaml",
             "dep_op:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = a - v\"\n"
             "    - \"a = b + c\"\n"
             "    - \"c = 2*b\"\n"
             "    - \"b = 3*v\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    a: variable(0.0)\n"
             "    b: variable(0.0)\n"
             "    c: variable(0.0)\n"));
    rct_model *m = model_ok("pkg.dep.dep_op", NULL);
    ck_assert_int_eq(m->n_eqs, 4);
    ck_assert_int_eq(m->n_alg, 3);
    ck_assert_int_eq(m->n_state, 1);
    ck_assert_int_eq(m->n_passes, 1);
    const char *want[] = {"b", "c", "a", "v"};
    for (int k = 0; k < 4; k++)
        ck_assert_str_eq(m->vars[m->eqs[m->order[k]].var].name, want[k]);
    ck_assert_int_eq(m->vars[var_index(m, "dep_op", "a")].kind, RCT_VK_ALG);
    ck_assert_int_eq(m->vars[var_index(m, "dep_op", "v")].kind, RCT_VK_STATE);
    rct_model_free(m);
}
END_TEST

START_TEST(test_reduction_of_algebraic_adds_a_pass)
{
    free(put("red.yaml",
             "red_op:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = mean(r) - v\"\n"
             "    - \"r = 2*v\"\n"
             "  variables:\n"
             "    v: output(0.0)\n"
             "    r: variable(0.0)\n"));
    rct_model *m = model_ok("pkg.red.red_op", NULL);
    ck_assert_int_eq(m->n_reds, 1);
    ck_assert_int_eq(m->reds[0].fn, RCT_F_MEAN);
    ck_assert_int_eq(m->reds[0].before_pass, 1);
    ck_assert_int_eq(m->n_passes, 2);
    rct_model_free(m);
}
END_TEST

START_TEST(test_constants_resolve_to_numbers)
{
    free(put("const.yaml",
             "c_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"r = pi*E\"\n"
             "  variables:\n"
             "    r: output(0.0)\n"));
    rct_model *m = model_ok("pkg.const.c_op", NULL);
    const rct_expr *rhs = m->eqs[0].rhs;
    ck_assert_int_eq(rhs->args[0]->kind, RCT_E_NUM);
    ck_assert(rhs->args[0]->num == M_PI);
    ck_assert_int_eq(rhs->args[1]->kind, RCT_E_NUM);
    ck_assert(rhs->args[1]->num == M_E);
    rct_model_free(m);
}
END_TEST

/* ---------------------------------------------------------------- rct_token_replace */

static void expect_replace(const char *text, const char *old, const char *new_, const char *want, int want_count)
{
    int count = -1;
    char *r = rct_token_replace(text, old, new_, &count);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(strcmp(r, want) == 0, "replace '%s' by '%s' in \"%s\": \"%s\", expected \"%s\"", old, new_, text, r,
                  want);
    ck_assert_int_eq(count, want_count);
    free(r);
}

START_TEST(test_token_replace_whole_tokens)
{
    expect_replace("eta", "eta", "x", "x", 1);
    expect_replace("v' = eta + I", "eta", "eta - x", "v' = eta - x + I", 1);
    expect_replace("a*eta/eta^eta", "eta", "e", "a*e/e^e", 3);
}
END_TEST

START_TEST(test_token_replace_not_inside_names)
{
    expect_replace("theta + eta2 + beta_eta + eta_x", "eta", "Z", "theta + eta2 + beta_eta + eta_x", 0);
    expect_replace("theta+eta", "eta", "Z", "theta+Z", 1);
    expect_replace("etaeta", "eta", "Z", "etaeta", 0);
}
END_TEST

START_TEST(test_token_replace_boundary_characters)
{
    expect_replace("(eta)", "eta", "Z", "(Z)", 1);
    expect_replace("f(eta,eta)", "eta", "Z", "f(Z,Z)", 1 + 1);
    expect_replace("eta<eta>eta!eta%eta@eta", "eta", "Z", "Z<Z>Z!Z%Z@Z", 6);
    expect_replace("[eta]", "eta", "Z", "[Z]", 1);
    expect_replace("x.eta", "eta", "Z", "x.Z", 1);
}
END_TEST

START_TEST(test_token_replace_multi_token_pattern)
{
    expect_replace("u' = (b*(v-v_r) - u)/tau_u", "b*(v-v_r)", "b*(mean(v)-v_r)", "u' = (b*(mean(v)-v_r) - u)/tau_u", 1);
    expect_replace("v' = -v/tau + k*r_in + I_ext", "k*r_in", "k*s_in", "v' = -v/tau + k*s_in + I_ext", 1);
    expect_replace("kk*r_in", "k*r_in", "Z", "kk*r_in", 0);
}
END_TEST

START_TEST(test_token_replace_empty_old_and_new)
{
    expect_replace("a + b", "", "Z", "a + b", 0);
    expect_replace("a + b", "b", "", "a + ", 1);
}
END_TEST

START_TEST(test_token_replace_overlapping_candidates)
{
    /* the first candidate is inside a name, the second is a token */
    expect_replace("xa + a", "a", "b", "xa + b", 1);
    expect_replace("aa a", "aa", "Z", "Z a", 1);
}
END_TEST

/* ---------------------------------------------------------------- rct_model_find */

START_TEST(test_model_find_short_name)
{
    free(put("two.yaml", TWO_OPS_YAML));
    rct_model *m = model_ok("pkg.two.two", NULL);
    rct_err err = {0, ""};
    /* a and b each appear twice but one is wired to the other: not ambiguous */
    ck_assert_int_eq(rct_model_find(m, "a", NULL, "get", &err), var_index(m, "op_a", "a"));
    ck_assert_int_eq(rct_model_find(m, "b", NULL, "get", &err), var_index(m, "op_b", "b"));
    ck_assert_int_eq(rct_model_find(m, "k", "op_b", "get", &err), var_index(m, "op_b", "k"));
    ck_assert_int_eq(rct_model_find(m, "k", "op_a", "get", &err), var_index(m, "op_a", "k"));
    rct_model_free(m);
}
END_TEST

START_TEST(test_model_find_op_slash_var)
{
    free(put("two.yaml", TWO_OPS_YAML));
    rct_model *m = model_ok("pkg.two.two", NULL);
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_model_find(m, "op_b/k", NULL, "get", &err), var_index(m, "op_b", "k"));
    ck_assert_int_eq(rct_model_find(m, "op_a/k", "op_b", "get", &err), var_index(m, "op_a", "k"));
    /* an alias resolves to what it stands for */
    ck_assert_int_eq(rct_model_find(m, "op_b/a", NULL, "get", &err), var_index(m, "op_a", "a"));
    rct_model_free(m);
}
END_TEST

START_TEST(test_model_find_all_op_var)
{
    free(put("two.yaml", TWO_OPS_YAML));
    rct_model *m = model_ok("pkg.two.two", NULL);
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_model_find(m, "all/op_a/k", NULL, "get", &err), var_index(m, "op_a", "k"));
    ck_assert_int_eq(rct_model_find(m, "all/op_a/b", NULL, "get", &err), var_index(m, "op_b", "b"));
    rct_model_free(m);
}
END_TEST

START_TEST(test_model_find_ambiguous_name_is_error)
{
    free(put("two.yaml", TWO_OPS_YAML));
    rct_model *m = model_ok("pkg.two.two", NULL);
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_model_find(m, "k", NULL, "--record k", &err), -1);
    ck_assert_int_eq(err.code, RECTIC_EINVAL);
    ck_assert_str_eq(err.msg, "--record k: 'k' is ambiguous (op_a/k, op_b/k): write operator/variable");
    rct_model_free(m);
}
END_TEST

START_TEST(test_model_find_unknown_name_lists_variables)
{
    free(put("two.yaml", TWO_OPS_YAML));
    rct_model *m = model_ok("pkg.two.two", NULL);
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_model_find(m, "zeta", NULL, "get", &err), -1);
    ck_assert_int_eq(err.code, RECTIC_EINVAL);
    ck_assert_str_eq(err.msg, "get: no variable 'zeta' in the model (it has: op_a/a, op_a/k, op_b/b, op_b/k)");
    rct_model_free(m);
}
END_TEST

START_TEST(test_model_find_unknown_qualified_name_is_error)
{
    free(put("two.yaml", TWO_OPS_YAML));
    rct_model *m = model_ok("pkg.two.two", NULL);
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_model_find(m, "op_a/zeta", NULL, "get", &err), -1);
    ck_assert_int_eq(err.code, RECTIC_EINVAL);
    ck_assert_msg(strncmp(err.msg, "get: no variable 'op_a/zeta' in the model", 41) == 0, "%s", err.msg);
    ck_assert_int_eq(rct_model_find(m, "op_c/k", NULL, "get", &err), -1);
    ck_assert_int_eq(rct_model_find(m, "all/zz/k", NULL, "get", &err), -1);
    rct_model_free(m);
}
END_TEST

/* ---------------------------------------------------------------- errors */

START_TEST(test_yaml_syntax_error_names_file_line_col)
{
    free(put("bad.yaml",
             "op:\n"
             "  base: OperatorTemplate\n"
             "  equations: [\"v' = 1\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want,
             "%s:4:3: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence",
             pkg_path("bad.yaml"));
    load_err("pkg.bad.op", RECTIC_ESYNTAX, want);
}
END_TEST

START_TEST(test_missing_file_is_error)
{
    char want[5000];
    snprintf(want, sizeof want,
             "template 'pkg.nothere.op' resolves to nothing: no file pkg/nothere.yaml or pkg/nothere.yml "
             "(tried %s/pkg/nothere[.yaml|.yml])",
             tmp);
    load_err("pkg.nothere.op", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_missing_base_file_names_file_line_col)
{
    free(put("child.yaml",
             "child_op:\n"
             "  base: pkg.nothere.op\n"
             "  variables:\n"
             "    x: 1.0\n"));
    char want[5000];
    snprintf(want, sizeof want,
             "%s:2:9: template 'pkg.nothere.op' resolves to nothing: no file pkg/nothere.yaml or pkg/nothere.yml "
             "(tried %s/pkg/nothere[.yaml|.yml], %s/pkg/pkg/nothere[.yaml|.yml])",
             pkg_path("child.yaml"), tmp, tmp);
    load_err("pkg.child.child_op", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_template_not_in_file_is_error)
{
    free(put("base.yaml", BASE_YAML));
    char want[5000];
    snprintf(want, sizeof want, "template 'nope' not found in %s (it defines: op_a, node_a)", pkg_path("base.yaml"));
    load_err("pkg.base.nope", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_unknown_base_names_file_line_col)
{
    free(put("ub.yaml",
             "aliases:\n"
             "  - &q 1\n"
             "op_x:\n"
             "  base: op_missing\n"
             "  variables:\n"
             "    x: 1.0\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:4:9: template 'op_missing' not found in %s (it defines: op_x)", pkg_path("ub.yaml"),
             pkg_path("ub.yaml"));
    load_err("pkg.ub.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_unknown_base_in_other_file_names_file_line_col)
{
    free(put("base.yaml", BASE_YAML));
    free(put("child.yaml",
             "child_op:\n"
             "  base: pkg.base.op_zz\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:2:9: template 'op_zz' not found in %s (it defines: op_a, node_a)",
             pkg_path("child.yaml"), pkg_path("base.yaml"));
    load_err("pkg.child.child_op", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_inheritance_cycle_is_error)
{
    free(put("cyc.yaml",
             "a:\n"
             "  base: b\n"
             "b:\n"
             "  base: a\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:2:9: inheritance cycle: template 'a' is its own base", pkg_path("cyc.yaml"));
    load_err("pkg.cyc.a", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_self_base_is_cycle)
{
    free(put("cyc1.yaml",
             "a:\n"
             "  base: a\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:2:9: inheritance cycle: template 'a' is its own base", pkg_path("cyc1.yaml"));
    load_err("pkg.cyc1.a", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_alias_to_undefined_anchor_is_error)
{
    free(put("al.yaml",
             "op_x:\n"
             "  base: *nope\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:2:9: alias *nope refers to no anchor defined before it", pkg_path("al.yaml"));
    load_err("pkg.al.op_x", RECTIC_ESYNTAX, want);
}
END_TEST

START_TEST(test_duplicate_key_is_error)
{
    free(put("dup.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = 1\"\n"
             "  variables:\n"
             "    v: output(0)\n"
             "    v: output(1)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:6:5: duplicate key 'v' (first at line 5)", pkg_path("dup.yaml"));
    load_err("pkg.dup.op_x", RECTIC_ESYNTAX, want);
}
END_TEST

START_TEST(test_equation_syntax_error_column_inside_string)
{
    free(put("eq.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = (v + \"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    /* the string starts at column 8 (after the quote at 7); the end of the equation is 10 characters in */
    snprintf(want, sizeof want, "%s:4:18: expected a number, a name or '(', found the end of the equation",
             pkg_path("eq.yaml"));
    model_err("pkg.eq.op_x", RECTIC_ESYNTAX, want);
}
END_TEST

START_TEST(test_equation_syntax_error_in_plain_scalar)
{
    free(put("eq.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations: v' = v $ 2\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:3:21: unexpected character '$'", pkg_path("eq.yaml"));
    model_err("pkg.eq.op_x", RECTIC_ESYNTAX, want);
}
END_TEST

/* The message must place the error where it is written, or quote the equation (positions it cannot map). */
static void expect_placed(const char *msg, const char *exact_prefix, const char *quoted)
{
    ck_assert_msg(strncmp(msg, exact_prefix, strlen(exact_prefix)) == 0 || strstr(msg, quoted) != NULL,
                  "%s\n(expected it to start with \"%s\" or to quote the equation)", msg, exact_prefix);
}

START_TEST(test_folded_equation_error_position)
{
    /* a plain scalar folded over two lines: 'zeta' is on line 5, column 7 */
    free(put("fold.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - v' = -v +\n"
             "      zeta\n"
             "  variables:\n"
             "    v: output(0)\n"));
    rct_tnode *node = load_ok("pkg.fold.op_x");
    ck_assert_str_eq(node->ops[0].eqs[0].text, "v' = -v + zeta");
    rct_roles none = {0};
    rct_err err = {0, ""};
    rct_model *m = NULL;
    ck_assert_int_eq(rct_model_build(node, &none, &m, &err), RECTIC_ETEMPLATE);
    char exact[5000];
    snprintf(exact, sizeof exact, "%s:5:7: unknown variable 'zeta'", pkg_path("fold.yaml"));
    expect_placed(err.msg, exact, "\"v' = -v + zeta\"");
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_escaped_equation_error_position)
{
    /* "\t" takes two columns in the file and one character in the equation: 'zeta' is at column 20 */
    free(put("esc.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = \\t-v + zeta\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    rct_tnode *node = load_ok("pkg.esc.op_x");
    ck_assert_str_eq(node->ops[0].eqs[0].text, "v' = \t-v + zeta");
    rct_roles none = {0};
    rct_err err = {0, ""};
    rct_model *m = NULL;
    ck_assert_int_eq(rct_model_build(node, &none, &m, &err), RECTIC_ETEMPLATE);
    char exact[5000];
    snprintf(exact, sizeof exact, "%s:4:20: unknown variable 'zeta'", pkg_path("esc.yaml"));
    expect_placed(err.msg, exact, "\"v' = \t-v + zeta\"");
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_single_quoted_equation_error_position)
{
    /* in a single-quoted scalar the prime is written '' (two columns): 'zeta' is at column 19 */
    free(put("sq.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - 'v'' = -v + zeta'\n"
             "  variables:\n"
             "    v: output(0)\n"));
    rct_tnode *node = load_ok("pkg.sq.op_x");
    ck_assert_str_eq(node->ops[0].eqs[0].text, "v' = -v + zeta");
    rct_roles none = {0};
    rct_err err = {0, ""};
    rct_model *m = NULL;
    ck_assert_int_eq(rct_model_build(node, &none, &m, &err), RECTIC_ETEMPLATE);
    char exact[5000];
    snprintf(exact, sizeof exact, "%s:4:19: unknown variable 'zeta'", pkg_path("sq.yaml"));
    expect_placed(err.msg, exact, "\"v' = -v + zeta\"");
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_inherited_equation_syntax_error_quotes_equation)
{
    free(put("eq2.yaml",
             "base_op:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = a + b\"\n"
             "  variables:\n"
             "    v: output(0)\n"
             "    a: 1.0\n"
             "    b: 1.0\n"
             "child_op:\n"
             "  base: base_op\n"
             "  equations:\n"
             "    replace:\n"
             "      b: (b\n"));
    rct_tnode *node = load_ok("pkg.eq2.child_op");
    rct_roles none = {0};
    rct_err err = {0, ""};
    rct_model *m = NULL;
    ck_assert_int_eq(rct_model_build(node, &none, &m, &err), RECTIC_ESYNTAX);
    const char *suffix = ": expected ')', found the end of the equation (in equation \"v' = a + (b\", at "
                         "character 12)";
    size_t ls = strlen(suffix), lm = strlen(err.msg);
    ck_assert_msg(lm > ls && strcmp(err.msg + lm - ls, suffix) == 0, "%s", err.msg);
    ck_assert_msg(strncmp(err.msg, pkg_path("eq2.yaml"), strlen(pkg_path("eq2.yaml"))) == 0, "%s", err.msg);
    rct_tnode_free(node);
}
END_TEST

START_TEST(test_unknown_function_is_error)
{
    free(put("fn.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = -v + foo(v)\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want,
             "%s:4:18: unknown function 'foo' (known: sin cos tan sinh cosh tanh arcsin arccos arctan exp log sqrt "
             "absv sign sigmoid round max min sum mean)",
             pkg_path("fn.yaml"));
    model_err("pkg.fn.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_wrong_arity_is_error)
{
    free(put("ar.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = sin(v, v)\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:4:13: function 'sin' takes 1 argument, 2 given", pkg_path("ar.yaml"));
    model_err("pkg.ar.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_wrong_arity_of_max_is_error)
{
    free(put("ar.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = max(v, v, v)\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:4:13: function 'max' takes 1 or 2 arguments, 3 given", pkg_path("ar.yaml"));
    model_err("pkg.ar.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_unknown_variable_is_error)
{
    free(put("uv.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = -v + zeta\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:4:18: unknown variable 'zeta' in equation of op_x (declare it under variables:)",
             pkg_path("uv.yaml"));
    model_err("pkg.uv.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_variable_of_other_operator_is_unknown)
{
    /* an operator sees only its own variables (and wired inputs) */
    free(put("ov.yaml",
             "op_a:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"a' = -a/tau\"\n"
             "  variables:\n"
             "    a: output(0)\n"
             "    tau: 1.0\n"
             "op_b:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"b' = -b/tau\"\n"
             "  variables:\n"
             "    b: output(0)\n"
             "n:\n"
             "  base: NodeTemplate\n"
             "  operators: [op_a, op_b]\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:9:23: unknown variable 'tau' in equation of op_b (declare it under variables:)",
             pkg_path("ov.yaml"));
    model_err("pkg.ov.n", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_equation_of_undeclared_variable_is_error)
{
    free(put("ud.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = -v\"\n"
             "    - \"w' = -v\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want,
             "%s:5:8: equation defines 'w', which is not a variable of op_x (declare it under variables:)",
             pkg_path("ud.yaml"));
    model_err("pkg.ud.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_two_equations_for_one_variable_is_error)
{
    free(put("twice.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = -v\"\n"
             "    - \"v = 1\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:5:8: 'v' is already defined by another equation", pkg_path("twice.yaml"));
    model_err("pkg.twice.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_two_outputs_in_one_operator_is_error)
{
    free(put("out2.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = -v\"\n"
             "    - \"w' = -w\"\n"
             "  variables:\n"
             "    v: output(0)\n"
             "    w: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:8:8: operator 'op_x' has two outputs: only one variable may be output(...)",
             pkg_path("out2.yaml"));
    model_err("pkg.out2.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_algebraic_cycle_is_error)
{
    free(put("cyc.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = a\"\n"
             "    - \"a = b + 1\"\n"
             "    - \"b = a\"\n"
             "  variables:\n"
             "    v: output(0)\n"
             "    a: variable(0)\n"
             "    b: variable(0)\n"));
    loaded ld;
    load(&ld, "pkg.cyc.op_x");
    ck_assert_int_eq(ld.rc, 0);
    rct_roles none = {0};
    rct_model *m = NULL;
    int rc = rct_model_build(ld.node, &none, &m, &ld.err);
    ck_assert_int_eq(rc, RECTIC_ETEMPLATE);
    ck_assert_ptr_null(m);
    char where[4400];
    snprintf(where, sizeof where, "%s:", pkg_path("cyc.yaml"));
    ck_assert_msg(strncmp(ld.err.msg, where, strlen(where)) == 0, "%s", ld.err.msg);
    const char *tail = " depends on itself through algebraic equations, the coupling or a reduction "
                       "(break it with a differential equation)";
    ck_assert_msg(strstr(ld.err.msg, ": algebraic cycle: 'op_x/") != NULL, "%s", ld.err.msg);
    ck_assert_msg(strstr(ld.err.msg, tail) != NULL, "%s", ld.err.msg);
    /* the cycle is reported at one of its equations (line 5 or 6, column 8) */
    char at5[4400], at6[4400];
    snprintf(at5, sizeof at5, "%s:5:8: algebraic cycle: 'op_x/a'", pkg_path("cyc.yaml"));
    snprintf(at6, sizeof at6, "%s:6:8: algebraic cycle: 'op_x/b'", pkg_path("cyc.yaml"));
    ck_assert_msg(strncmp(ld.err.msg, at5, strlen(at5)) == 0 || strncmp(ld.err.msg, at6, strlen(at6)) == 0, "%s",
                  ld.err.msg);
    unload(&ld);
}
END_TEST

START_TEST(test_self_referencing_algebraic_equation_is_cycle)
{
    free(put("cyc2.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"a = a + 1\"\n"
             "  variables:\n"
             "    a: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want,
             "%s:4:8: algebraic cycle: 'op_x/a' depends on itself through algebraic equations, the coupling or a "
             "reduction (break it with a differential equation)",
             pkg_path("cyc2.yaml"));
    model_err("pkg.cyc2.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

START_TEST(test_input_defined_by_equation_is_error)
{
    free(put("inp.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = -v + I_ext\"\n"
             "    - \"I_ext = 2\"\n"
             "  variables:\n"
             "    v: output(0)\n"
             "    I_ext: input(0)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:5:8: 'I_ext' is an input(...) and cannot be defined by an equation",
             pkg_path("inp.yaml"));
    model_err("pkg.inp.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

/* A template declaring variable `name` (used in the equation). */
static void expect_reserved(const char *name)
{
    char yaml[1024], want[5000];
    snprintf(yaml, sizeof yaml,
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = -v + %s\"\n"
             "  variables:\n"
             "    v: output(0)\n"
             "    %s: 1.0\n",
             name, name);
    free(put("res.yaml", yaml));
    snprintf(want, sizeof want, "%s:6:5: '%s' is a reserved name and cannot be a variable", pkg_path("res.yaml"), name);
    load_err("pkg.res.op_x", RECTIC_ETEMPLATE, want);
}

START_TEST(test_reserved_name_y_is_error)
{
    expect_reserved("y");
}
END_TEST

START_TEST(test_reserved_name_dy_is_error)
{
    expect_reserved("dy");
}
END_TEST

START_TEST(test_reserved_name_I_is_error)
{
    expect_reserved("I");
}
END_TEST

START_TEST(test_reserved_name_pi_is_error)
{
    expect_reserved("pi");
}
END_TEST

START_TEST(test_reserved_name_E_is_error)
{
    expect_reserved("E");
}
END_TEST

START_TEST(test_reserved_name_in_equation_is_error)
{
    free(put("resq.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations:\n"
             "    - \"v' = -v + y\"\n"
             "  variables:\n"
             "    v: output(0)\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:4:18: 'y' is a reserved name and cannot be used in an equation",
             pkg_path("resq.yaml"));
    model_err("pkg.resq.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

static void expect_invalid_name(const char *name, const char *shown)
{
    char yaml[1024], want[5000];
    snprintf(yaml, sizeof yaml,
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = -v\"\n"
             "  variables:\n"
             "    v: output(0)\n"
             "    %s: 1.0\n",
             name);
    free(put("inv.yaml", yaml));
    snprintf(want, sizeof want,
             "%s:6:5: invalid variable name '%s': expected letters, digits and '_', not starting with a digit",
             pkg_path("inv.yaml"), shown);
    load_err("pkg.inv.op_x", RECTIC_ETEMPLATE, want);
}

START_TEST(test_variable_name_starting_with_digit_is_error)
{
    expect_invalid_name("2x", "2x");
}
END_TEST

START_TEST(test_variable_name_with_operator_is_error)
{
    expect_invalid_name("a-b", "a-b");
    expect_invalid_name("\"x; system(1)\"", "x; system(1)");
}
END_TEST

START_TEST(test_variable_name_non_ascii_is_error)
{
    expect_invalid_name("\xce\xb1", "\xce\xb1");
}
END_TEST

START_TEST(test_bad_variable_declaration_is_error)
{
    free(put("decl.yaml",
             "op_x:\n"
             "  base: OperatorTemplate\n"
             "  equations: \"v' = -v + k\"\n"
             "  variables:\n"
             "    v: output(0)\n"
             "    k: fast\n"));
    char want[5000];
    snprintf(want, sizeof want, "%s:6:8: expected a number, output(x), variable(x) or input(x), found 'fast'",
             pkg_path("decl.yaml"));
    load_err("pkg.decl.op_x", RECTIC_ETEMPLATE, want);
}
END_TEST

/* ---------------------------------------------------------------- shipped templates */

/* The dotted names listed by rct_template_list for the built-in directory (NULL-terminated, malloc'd). */
static char **builtin_names(int *count)
{
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    char *text = NULL;
    ck_assert_ptr_nonnull(rct_builtin_template_dir());
    ck_assert_msg(rct_template_list(L, rct_builtin_template_dir(), &text) == 0, "%s", err.msg);
    rct_loader_free(L);
    char **names = calloc(256, sizeof *names);
    int n = 0;
    for (char *line = strtok(text, "\n"); line && n < 255; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        ck_assert_msg(tab != NULL, "listed template without description: %s", line);
        ck_assert_msg(tab[1] != '\0', "empty description: %s", line);
        *tab = '\0';
        names[n++] = strdup(line);
    }
    free(text);
    *count = n;
    return names;
}

static void free_names(char **names)
{
    for (int i = 0; names[i]; i++)
        free(names[i]);
    free(names);
}

START_TEST(test_template_list_names_every_shipped_node)
{
    int n;
    char **names = builtin_names(&n);
    static const char *const want[] = {
        "neuron_model_templates.rate_neurons.leaky_integrator.sigmoid",
        "neuron_model_templates.rate_neurons.leaky_integrator.tanh",
        "neuron_model_templates.spiking_neurons.ik.ik",
        "neuron_model_templates.spiking_neurons.ik.iku",
        "neuron_model_templates.spiking_neurons.ik.ik_biexp",
        "neuron_model_templates.spiking_neurons.lif.lif",
        "neuron_model_templates.spiking_neurons.qif.qif",
        "neuron_model_templates.spiking_neurons.qif.qif_sfa",
    };
    ck_assert_int_eq(n, (int)(sizeof want / sizeof want[0]));
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        int found = 0;
        for (int i = 0; i < n; i++)
            found |= strcmp(names[i], want[k]) == 0;
        ck_assert_msg(found, "%s not listed", want[k]);
    }
    free_names(names);
}
END_TEST

START_TEST(test_every_shipped_template_resolves)
{
    int n;
    char **names = builtin_names(&n);
    ck_assert_int_gt(n, 0);
    for (int i = 0; i < n; i++) {
        rct_err err = {0, ""};
        rct_loader *L = rct_loader_new(&err);
        ck_assert_int_eq(rct_loader_add_dir(L, rct_builtin_template_dir()), 0);
        rct_tnode *node = NULL;
        ck_assert_msg(rct_template_load(L, names[i], &node) == 0, "%s: %s", names[i], err.msg);
        ck_assert_int_gt(node->n_ops, 0);
        ck_assert_ptr_nonnull(node->description);
        rct_roles none = {0};
        rct_model *m = NULL;
        ck_assert_msg(rct_model_build(node, &none, &m, &err) == 0, "%s: %s", names[i], err.msg);
        ck_assert_int_gt(m->n_state, 0);
        rct_model_free(m);
        rct_tnode_free(node);
        rct_loader_free(L);
    }
    free_names(names);
}
END_TEST

/* Removes the "template ..." and "description ..." lines of a description (in place). */
static void strip_header(char *text)
{
    char *out = text;
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (strncmp(p, "template ", 9) != 0 && strncmp(p, "description ", 12) != 0) {
            memmove(out, p, len);
            out += len;
        }
        p += len;
    }
    *out = '\0';
}

START_TEST(test_shipped_templates_describe_like_rectipy)
{
    const char *shared = tu_shared_dir();
    char rp[4200];
    struct stat st;
    if (!shared)
        TU_SKIP("no ../shared directory (set RECTIC_SHARED)");
    snprintf(rp, sizeof rp, "%s/templates/rectipy", shared);
    if (stat(rp, &st) != 0 || !S_ISDIR(st.st_mode))
        TU_SKIP("%s not found", rp);
    int n;
    char **names = builtin_names(&n);
    for (int i = 0; i < n; i++) {
        rectic_spec ours, theirs;
        rectic_spec_init(&ours);
        ours.template_ref = names[i];
        ours.use_env_path = 0;
        rectic_spec_init(&theirs);
        const char *path[] = {rp};
        theirs.template_ref = names[i];
        theirs.template_path = path;
        theirs.n_template_path = 1;
        theirs.use_env_path = 0;
        char *a = NULL, *b = NULL;
        ck_assert_msg(rectic_describe_template(&ours, &a) == RECTIC_OK, "%s: %s", names[i], rectic_last_error());
        ck_assert_msg(rectic_describe_template(&theirs, &b) == RECTIC_OK, "%s (RectiPy): %s", names[i],
                      rectic_last_error());
        ck_assert_msg(strstr(a, "description ") != NULL, "%s has no description", names[i]);
        ck_assert_msg(strstr(b, "description ") == NULL, "%s: RectiPy's file has a description?", names[i]);
        strip_header(a);
        strip_header(b);
        ck_assert_msg(strcmp(a, b) == 0, "%s differs from RectiPy's:\n--- ours\n%s--- RectiPy\n%s", names[i], a, b);
        free(a);
        free(b);
    }
    free_names(names);
}
END_TEST

START_TEST(test_describe_template_text)
{
    free(put("two.yaml", TWO_OPS_YAML));
    rectic_spec spec;
    rectic_spec_init(&spec);
    char ref[4300];
    snprintf(ref, sizeof ref, "%s/pkg/two/two", tmp);
    spec.template_ref = ref;
    spec.use_env_path = 0;
    char *text = NULL;
    ck_assert_int_eq(rectic_describe_template(&spec, &text), RECTIC_OK);
    char want[8000];
    snprintf(want, sizeof want,
             "template %s\n"
             "operator op_a\n"
             "  equations:\n"
             "    a' = -k*a + b\n"
             "  variables:\n"
             "    a          output(1)        state\n"
             "    b          input(0)         wired to op_b/b\n"
             "    k          2                parameter\n"
             "operator op_b\n"
             "  equations:\n"
             "    b = k*a\n"
             "  variables:\n"
             "    a          input(0)         wired to op_a/a\n"
             "    b          output(0)        algebraic\n"
             "    k          3                parameter\n",
             ref);
    ck_assert_str_eq(text, want);
    free(text);
}
END_TEST

START_TEST(test_describe_template_failure_gives_message)
{
    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_ref = "nodots";
    spec.use_env_path = 0;
    char *text = NULL;
    ck_assert_int_eq(rectic_describe_template(&spec, &text), RECTIC_EINVAL);
    ck_assert_ptr_null(text);
    ck_assert_str_eq(rectic_last_error(),
                     "template 'nodots': give it with its file, as file.nodots (dotted) or path/to/file/nodots");
    /* kept until this thread's next call without a handle; a success clears it */
    rectic_net *net = NULL;
    ck_assert_int_eq(rectic_net_new(&net, NULL), RECTIC_EINVAL);
    rectic_net_free(net);
    ck_assert_str_eq(rectic_last_error(),
                     "template 'nodots': give it with its file, as file.nodots (dotted) or path/to/file/nodots");
    ck_assert_int_eq(rectic_list_templates(&text), RECTIC_OK);
    free(text);
    ck_assert_str_eq(rectic_last_error(), "no error");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("template");

    TCase *ld = tcase_create("loading");
    tcase_add_unchecked_fixture(ld, make_root, remove_root);
    tcase_add_checked_fixture(ld, setup, teardown);
    tcase_add_test(ld, test_dotted_name_loads_from_search_dir);
    tcase_add_test(ld, test_path_reference_with_slash_loads);
    tcase_add_test(ld, test_yml_extension_is_found);
    tcase_add_test(ld, test_registered_text_stands_for_a_file);
    tcase_add_test(ld, test_operator_template_is_wrapped_in_node);
    tcase_add_test(ld, test_bare_name_at_top_level_is_error);
    suite_add_tcase(s, ld);

    TCase *inh = tcase_create("inheritance");
    tcase_add_unchecked_fixture(inh, make_root, remove_root);
    tcase_add_checked_fixture(inh, setup, teardown);
    tcase_add_test(inh, test_replace_is_token_bounded);
    tcase_add_test(inh, test_replaces_apply_in_sequence);
    tcase_add_test(inh, test_remove_deletes_token_bounded_text);
    tcase_add_test(inh, test_remove_with_leading_space_matches_nothing);
    tcase_add_test(inh, test_add_appends_equations);
    tcase_add_test(inh, test_edits_apply_replace_then_remove_then_add);
    tcase_add_test(inh, test_child_variables_override_base);
    tcase_add_test(inh, test_unused_variables_are_dropped);
    tcase_add_test(inh, test_new_equation_list_replaces_base_equations);
    tcase_add_test(inh, test_yaml_alias_names_base);
    tcase_add_test(inh, test_base_in_another_file);
    tcase_add_test(inh, test_bare_base_resolves_in_its_own_file);
    tcase_add_test(inh, test_node_base_inherits_operators);
    tcase_add_test(inh, test_node_operator_map_sets_values);
    tcase_add_test(inh, test_node_operator_map_flow_style);
    tcase_add_test(inh, test_node_operator_map_unknown_variable_is_error);
    tcase_add_test(inh, test_node_operator_values_keep_declarations);
    suite_add_tcase(s, inh);

    TCase *ir = tcase_create("ir");
    tcase_add_unchecked_fixture(ir, make_root, remove_root);
    tcase_add_checked_fixture(ir, setup, teardown);
    tcase_add_test(ir, test_tanh_node_kinds_and_passes);
    tcase_add_test(ir, test_state_source_couples_before_first_pass);
    tcase_add_test(ir, test_input_wired_to_algebraic_output_of_other_operator);
    tcase_add_test(ir, test_input_fed_by_two_same_named_outputs_is_their_sum);
    tcase_add_test(ir, test_algebraic_equations_ordered_by_dependency);
    tcase_add_test(ir, test_reduction_of_algebraic_adds_a_pass);
    tcase_add_test(ir, test_constants_resolve_to_numbers);
    tcase_add_test(ir, test_model_find_short_name);
    tcase_add_test(ir, test_model_find_op_slash_var);
    tcase_add_test(ir, test_model_find_all_op_var);
    tcase_add_test(ir, test_model_find_ambiguous_name_is_error);
    tcase_add_test(ir, test_model_find_unknown_name_lists_variables);
    tcase_add_test(ir, test_model_find_unknown_qualified_name_is_error);
    suite_add_tcase(s, ir);

    TCase *rep = tcase_create("token_replace");
    tcase_add_test(rep, test_token_replace_whole_tokens);
    tcase_add_test(rep, test_token_replace_not_inside_names);
    tcase_add_test(rep, test_token_replace_boundary_characters);
    tcase_add_test(rep, test_token_replace_multi_token_pattern);
    tcase_add_test(rep, test_token_replace_empty_old_and_new);
    tcase_add_test(rep, test_token_replace_overlapping_candidates);
    suite_add_tcase(s, rep);

    TCase *err = tcase_create("errors");
    tcase_add_unchecked_fixture(err, make_root, remove_root);
    tcase_add_checked_fixture(err, setup, teardown);
    tcase_add_test(err, test_yaml_syntax_error_names_file_line_col);
    tcase_add_test(err, test_missing_file_is_error);
    tcase_add_test(err, test_missing_base_file_names_file_line_col);
    tcase_add_test(err, test_template_not_in_file_is_error);
    tcase_add_test(err, test_unknown_base_names_file_line_col);
    tcase_add_test(err, test_unknown_base_in_other_file_names_file_line_col);
    tcase_add_test(err, test_inheritance_cycle_is_error);
    tcase_add_test(err, test_self_base_is_cycle);
    tcase_add_test(err, test_alias_to_undefined_anchor_is_error);
    tcase_add_test(err, test_duplicate_key_is_error);
    tcase_add_test(err, test_equation_syntax_error_column_inside_string);
    tcase_add_test(err, test_equation_syntax_error_in_plain_scalar);
    tcase_add_test(err, test_folded_equation_error_position);
    tcase_add_test(err, test_escaped_equation_error_position);
    tcase_add_test(err, test_single_quoted_equation_error_position);
    tcase_add_test(err, test_inherited_equation_syntax_error_quotes_equation);
    tcase_add_test(err, test_unknown_function_is_error);
    tcase_add_test(err, test_wrong_arity_is_error);
    tcase_add_test(err, test_wrong_arity_of_max_is_error);
    tcase_add_test(err, test_unknown_variable_is_error);
    tcase_add_test(err, test_variable_of_other_operator_is_unknown);
    tcase_add_test(err, test_equation_of_undeclared_variable_is_error);
    tcase_add_test(err, test_two_equations_for_one_variable_is_error);
    tcase_add_test(err, test_two_outputs_in_one_operator_is_error);
    tcase_add_test(err, test_algebraic_cycle_is_error);
    tcase_add_test(err, test_self_referencing_algebraic_equation_is_cycle);
    tcase_add_test(err, test_input_defined_by_equation_is_error);
    tcase_add_test(err, test_reserved_name_y_is_error);
    tcase_add_test(err, test_reserved_name_dy_is_error);
    tcase_add_test(err, test_reserved_name_I_is_error);
    tcase_add_test(err, test_reserved_name_pi_is_error);
    tcase_add_test(err, test_reserved_name_E_is_error);
    tcase_add_test(err, test_reserved_name_in_equation_is_error);
    tcase_add_test(err, test_variable_name_starting_with_digit_is_error);
    tcase_add_test(err, test_variable_name_with_operator_is_error);
    tcase_add_test(err, test_variable_name_non_ascii_is_error);
    tcase_add_test(err, test_bad_variable_declaration_is_error);
    suite_add_tcase(s, err);

    TCase *shipped = tcase_create("shipped");
    tcase_add_unchecked_fixture(shipped, make_root, remove_root);
    tcase_add_checked_fixture(shipped, setup, teardown);
    tcase_add_test(shipped, test_template_list_names_every_shipped_node);
    tcase_add_test(shipped, test_every_shipped_template_resolves);
    tcase_add_test(shipped, test_shipped_templates_describe_like_rectipy);
    tcase_add_test(shipped, test_describe_template_text);
    tcase_add_test(shipped, test_describe_template_failure_gives_message);
    suite_add_tcase(s, shipped);
    return tu_run(s);
}

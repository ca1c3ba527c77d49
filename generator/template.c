/*
 * template.c -- walks templates' YAML trees and resolves `base:` inheritance into plain operators
 * (equations + variables) grouped in a node.  Where the files come from: loader.c.
 */
#include "template.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_yaml.h"
#include "lexer.h"
#include "loader.h"

#define MAX_EQUATION_LEN 4096
#define MAX_VARS 1000
#define MAX_EQS 1000

typedef enum { K_OPERATOR, K_NODE } tkind;

/* ---------------------------------------------------------------- small helpers */

static int set_pos(rct_srcpos *at, const char *file, int line, int col)
{
    at->file = rct_strdup(file);
    at->line = line;
    at->col = col;
    return at->file ? 0 : -1;
}

void rct_srcpos_fmt(char *out, size_t size, const rct_srcpos *at, int offset)
{
    snprintf(out, size, "%s:%d:%d", at->file ? at->file : "?", at->line, at->col + (offset > 0 ? offset : 0));
}

/* Reports an error at a YAML node. */
static int node_err(rct_loader *L, const lfile *f, const rct_ynode *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int node_err(rct_loader *L, const lfile *f, const rct_ynode *n, int code, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = f->doc->file;
    if (n)
        return rct_errf(L->err, code, "%s:%d:%d: %s", file, n->line, n->col, msg);
    return rct_errf(L->err, code, "%s: %s", file, msg);
}

static int is_ident(const char *s)
{
    if (!s || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static int is_reserved(const char *s)
{
    static const char *const reserved[] = {"y", "dy", "pi", "E", "I"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(s, reserved[i]) == 0)
            return 1;
    return 0;
}

static int boundary(char c)
{
    return c == '\0' || strchr("-+=*/^<>!.%@[]():, ", c) != NULL;
}

char *rct_token_replace(const char *text, const char *old, const char *new_, int *count)
{
    rct_buf b;
    rct_buf_init(&b);
    size_t lo = strlen(old);
    *count = 0;
    const char *p = text;
    if (lo == 0)
        return rct_strdup(text);
    while (*p) {
        const char *hit = strstr(p, old);
        if (!hit) {
            rct_buf_puts(&b, p);
            break;
        }
        int before_ok = hit == text || boundary(hit[-1]);
        int after_ok = boundary(hit[lo]);
        if (before_ok && after_ok) {
            rct_buf_putn(&b, p, (size_t)(hit - p));
            rct_buf_puts(&b, new_);
            p = hit + lo;
            (*count)++;
        } else {
            rct_buf_putn(&b, p, (size_t)(hit - p) + 1);
            p = hit + 1;
        }
    }
    return rct_buf_take(&b);
}

/* ---------------------------------------------------------------- operators */

static void free_op(rct_top *op)
{
    free(op->name);
    free(op->ref);
    for (int i = 0; i < op->n_eqs; i++) {
        free(op->eqs[i].text);
        free(op->eqs[i].at.file);
    }
    free(op->eqs);
    for (int i = 0; i < op->n_vars; i++) {
        free(op->vars[i].name);
        free(op->vars[i].at.file);
    }
    free(op->vars);
    free(op->at.file);
    memset(op, 0, sizeof *op);
}

void rct_tnode_free(rct_tnode *node)
{
    if (!node)
        return;
    for (int i = 0; i < node->n_ops; i++)
        free_op(&node->ops[i]);
    free(node->ops);
    free(node->name);
    free(node->ref);
    free(node->description);
    free(node->at.file);
    free(node);
}

/* Appends an equation written at node n of file f. */
static int add_eq(rct_loader *L, const lfile *f, rct_top *op, const rct_ynode *n)
{
    if (n->kind != RCT_Y_SCALAR)
        return node_err(L, f, n, RECTIC_ETEMPLATE, "expected an equation (a string), found %s", rct_ykind_name(n->kind));
    if (strlen(n->str) > MAX_EQUATION_LEN)
        return node_err(L, f, n, RECTIC_ETEMPLATE, "equation longer than %d characters", MAX_EQUATION_LEN);
    if (op->n_eqs >= MAX_EQS)
        return node_err(L, f, n, RECTIC_ETEMPLATE, "more than %d equations in one operator", MAX_EQS);
    rct_teq *eqs = realloc(op->eqs, (size_t)(op->n_eqs + 1) * sizeof *eqs);
    if (!eqs)
        return rct_oom(L->err);
    op->eqs = eqs;
    rct_teq *eq = &op->eqs[op->n_eqs];
    memset(eq, 0, sizeof *eq);
    eq->text = rct_strdup(n->str);
    if (!eq->text || set_pos(&eq->at, f->doc->file, n->line, n->col + (n->quoted ? 1 : 0))) {
        free(eq->text);
        return rct_oom(L->err);
    }
    eq->exact = n->exact;
    op->n_eqs++;
    return 0;
}

/* Adds equations given as one string or a list of strings. */
static int add_eqs(rct_loader *L, const lfile *f, rct_top *op, const rct_ynode *n)
{
    if (n->kind == RCT_Y_SCALAR)
        return add_eq(L, f, op, n);
    if (n->kind != RCT_Y_SEQ)
        return node_err(L, f, n, RECTIC_ETEMPLATE, "expected an equation or a list of equations, found %s",
                        rct_ykind_name(n->kind));
    for (size_t i = 0; i < n->n; i++) {
        int rc = add_eq(L, f, op, n->vals[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* Parses a variable's declaration: a number, output(x), variable(x), input(x) (x optional) or {default: ...}. */
static int parse_decl(rct_loader *L, const lfile *f, const rct_ynode *n, rct_decl *decl, double *value)
{
    if (n->kind == RCT_Y_MAP) {
        const rct_ynode *d = rct_ymap_get(n, "default");
        if (!d)
            return node_err(L, f, n, RECTIC_ETEMPLATE, "a variable given as a map needs a 'default' entry");
        return parse_decl(L, f, d, decl, value);
    }
    if (n->kind != RCT_Y_SCALAR)
        return node_err(L, f, n, RECTIC_ETEMPLATE, "expected a number, output(x), variable(x) or input(x), found %s",
                        rct_ykind_name(n->kind));
    static const struct { const char *word; rct_decl decl; } words[] = {
        {"output", RCT_D_OUTPUT}, {"variable", RCT_D_VARIABLE}, {"input", RCT_D_INPUT},
        {"state_var", RCT_D_VARIABLE}, {"constant", RCT_D_CONST},
    };
    const char *s = n->str;
    while (*s == ' ')
        s++;
    if (strstr(s, "complex") || strpbrk(s, "jJ"))
        return node_err(L, f, n, RECTIC_ETEMPLATE, "complex-valued variables are not supported (found '%s')", n->str);
    *decl = RCT_D_CONST;
    *value = 0.0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t k = strlen(words[i].word);
        if (strncmp(s, words[i].word, k) != 0)
            continue;
        const char *p = s + k;
        while (*p == ' ')
            p++;
        *decl = words[i].decl;
        if (*p == '\0')
            return 0;
        if (*p != '(')
            break;
        char *end;
        p++;
        while (*p == ' ')
            p++;
        if (*p == ')') {
            end = (char *)p;
        } else {
            *value = strtod(p, &end);
            if (end == p)
                return node_err(L, f, n, RECTIC_ETEMPLATE, "expected a number inside %s(...), found '%s'",
                                words[i].word, p);
        }
        while (*end == ' ')
            end++;
        if (end[0] != ')' || end[1 + strspn(end + 1, " ")] != '\0')
            return node_err(L, f, n, RECTIC_ETEMPLATE, "expected %s(number), found '%s'", words[i].word, s);
        return 0;
    }
    char *end;
    *value = strtod(s, &end);
    while (*end == ' ')
        end++;
    if (end == s || *end != '\0')
        return node_err(L, f, n, RECTIC_ETEMPLATE,
                        "expected a number, output(x), variable(x) or input(x), found '%s'", n->str);
    return 0;
}

/* Sets (adding or overriding) the variables of a `variables:` map.  values_only: the map gives new
   default values of existing variables (a node's on-the-fly values) and their declarations stay. */
static int merge_vars(rct_loader *L, const lfile *f, rct_top *op, const rct_ynode *vars, int values_only)
{
    if (vars->kind != RCT_Y_MAP)
        return node_err(L, f, vars, RECTIC_ETEMPLATE, "'variables' must be a map of name: value, found %s",
                        rct_ykind_name(vars->kind));
    for (size_t i = 0; i < vars->n; i++) {
        const rct_ynode *k = vars->keys[i];
        if (!is_ident(k->str))
            return node_err(L, f, k, RECTIC_ETEMPLATE,
                            "invalid variable name '%s': expected letters, digits and '_', not starting with a digit", k->str);
        if (is_reserved(k->str))
            return node_err(L, f, k, RECTIC_ETEMPLATE, "'%s' is a reserved name and cannot be a variable", k->str);
        rct_decl decl = RCT_D_CONST;
        double value = 0.0;
        int rc = parse_decl(L, f, vars->vals[i], &decl, &value);
        if (rc)
            return rc;
        rct_tvar *v = NULL;
        for (int j = 0; j < op->n_vars; j++)
            if (strcmp(op->vars[j].name, k->str) == 0)
                v = &op->vars[j];
        if (!v) {
            if (op->n_vars >= MAX_VARS)
                return node_err(L, f, k, RECTIC_ETEMPLATE, "more than %d variables in one operator", MAX_VARS);
            rct_tvar *nv = realloc(op->vars, (size_t)(op->n_vars + 1) * sizeof *nv);
            if (!nv)
                return rct_oom(L->err);
            op->vars = nv;
            v = &op->vars[op->n_vars++];
            memset(v, 0, sizeof *v);
            if (!(v->name = rct_strdup(k->str)))
                return rct_oom(L->err);
        }
        free(v->at.file);
        if (!values_only)
            v->decl = decl;
        v->value = value;
        if (set_pos(&v->at, f->doc->file, vars->vals[i]->line, vars->vals[i]->col))
            return rct_oom(L->err);
    }
    return 0;
}

/* Does name occur as a token in any equation? */
static int used_in_eqs(const rct_top *op, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < op->n_eqs; i++) {
        rct_lexer lx;
        rct_lex_init(&lx, op->eqs[i].text, strlen(op->eqs[i].text));
        while (lx.tok != RCT_T_END && lx.tok != RCT_T_ERROR) {
            if (lx.tok == RCT_T_IDENT) {
                const char *t = lx.src + lx.tok_pos;
                if ((lx.tok_len == n && memcmp(t, name, n) == 0) ||
                    /* the forms dx/dt and d/dt * x name x */
                    (lx.tok_len == n + 1 && t[0] == 'd' && memcmp(t + 1, name, n) == 0))
                    return 1;
            }
            rct_lex_next(&lx);
        }
        if (lx.tok == RCT_T_ERROR && strstr(op->eqs[i].text, name))
            return 1; /* keep it: the equation's syntax error will be reported later */
    }
    return 0;
}

/* Drops the variables that occur in no equation (as PyRates does after inheritance). */
static void drop_unused(rct_top *op)
{
    int k = 0;
    for (int i = 0; i < op->n_vars; i++) {
        if (used_in_eqs(op, op->vars[i].name)) {
            op->vars[k++] = op->vars[i];
        } else {
            free(op->vars[i].name);
            free(op->vars[i].at.file);
        }
    }
    op->n_vars = k;
}

/* Applies `equations: {replace: ..., remove: ..., add: ...}` of a child template. */
static int edit_eqs(rct_loader *L, const lfile *f, rct_top *op, const rct_ynode *edits)
{
    for (size_t i = 0; i < edits->n; i++) {
        const char *k = edits->keys[i]->str;
        if (strcmp(k, "replace") && strcmp(k, "remove") && strcmp(k, "add"))
            return node_err(L, f, edits->keys[i], RECTIC_ETEMPLATE,
                            "unknown equation edit '%s': expected replace, remove or add", k);
    }
    const rct_ynode *rep = rct_ymap_get(edits, "replace");
    const rct_ynode *rem = rct_ymap_get(edits, "remove");
    const rct_ynode *add = rct_ymap_get(edits, "add");
    if (rep) {
        if (rep->kind != RCT_Y_MAP)
            return node_err(L, f, rep, RECTIC_ETEMPLATE, "'replace' must be a map of old: new, found %s",
                            rct_ykind_name(rep->kind));
        for (size_t r = 0; r < rep->n; r++) {
            const rct_ynode *nv = rep->vals[r];
            if (nv->kind != RCT_Y_SCALAR)
                return node_err(L, f, nv, RECTIC_ETEMPLATE, "the replacement must be a string, found %s",
                                rct_ykind_name(nv->kind));
            for (int e = 0; e < op->n_eqs; e++) {
                int count;
                char *t = rct_token_replace(op->eqs[e].text, rep->keys[r]->str, nv->str, &count);
                if (!t)
                    return rct_oom(L->err);
                if (count) {
                    free(op->eqs[e].text);
                    op->eqs[e].text = t;
                    op->eqs[e].exact = 0;
                } else {
                    free(t);
                }
            }
        }
    }
    if (rem) {
        const rct_ynode *const *items = rem->kind == RCT_Y_SEQ ? (const rct_ynode *const *)rem->vals : &rem;
        size_t n_items = rem->kind == RCT_Y_SEQ ? rem->n : 1;
        for (size_t r = 0; r < n_items; r++) {
            if (items[r]->kind != RCT_Y_SCALAR)
                return node_err(L, f, items[r], RECTIC_ETEMPLATE, "'remove' takes strings, found %s",
                                rct_ykind_name(items[r]->kind));
            for (int e = 0; e < op->n_eqs; e++) {
                int count;
                char *t = rct_token_replace(op->eqs[e].text, items[r]->str, "", &count);
                if (!t)
                    return rct_oom(L->err);
                if (count) {
                    free(op->eqs[e].text);
                    op->eqs[e].text = t;
                    op->eqs[e].exact = 0;
                } else {
                    free(t);
                }
            }
        }
    }
    if (add)
        return add_eqs(L, f, op, add);
    return 0;
}

/* ---------------------------------------------------------------- resolution */

static int resolve_ref(rct_loader *L, const lfile *cur, const rct_ynode *at, const char *ref, tkind *kind,
                       rct_top *op, rct_tnode *node);

/* Looks up template `name` in file f; reports the available ones when it is missing. */
static const rct_ynode *find_template(rct_loader *L, const lfile *f, const char *name, const rct_ynode *at,
                                      const lfile *cur)
{
    const rct_ynode *root = f->doc->root;
    if (!root || root->kind != RCT_Y_MAP) {
        node_err(L, f, root, RECTIC_ETEMPLATE, "expected a map of templates at the top of the file");
        return NULL;
    }
    const rct_ynode *t = rct_ymap_get(root, name);
    if (t && strcmp(name, "aliases") != 0)
        return t;
    rct_buf have;
    rct_buf_init(&have);
    for (size_t i = 0; i < root->n; i++)
        if (strcmp(root->keys[i]->str, "aliases") != 0)
            rct_buf_printf(&have, "%s%s", have.len ? ", " : "", root->keys[i]->str);
    if (cur && at)
        node_err(L, cur, at, RECTIC_ETEMPLATE, "template '%s' not found in %s (it defines: %s)", name, f->doc->file,
                 have.s ? have.s : "nothing");
    else
        rct_errf(L->err, RECTIC_ETEMPLATE, "template '%s' not found in %s (it defines: %s)", name, f->doc->file,
                 have.s ? have.s : "nothing");
    rct_buf_free(&have);
    return NULL;
}

/* Resolves an operator template t (named name, in file f) whose base is an operator or OperatorTemplate. */
static int resolve_operator(rct_loader *L, const lfile *f, const char *name, const char *ref, const rct_ynode *t,
                            const rct_ynode *base, rct_top *op)
{
    int rc;
    const rct_ynode *eqs = rct_ymap_get(t, "equations");
    const rct_ynode *vars = rct_ymap_get(t, "variables");
    if (strcmp(base->str, "OperatorTemplate") == 0) {
        if (!eqs)
            return node_err(L, f, t, RECTIC_ETEMPLATE, "operator template '%s' has no equations", name);
        if (eqs->kind == RCT_Y_MAP)
            return node_err(L, f, eqs, RECTIC_ETEMPLATE,
                            "equation edits (replace/remove/add) need a base operator, but '%s' is based on OperatorTemplate", name);
        if ((rc = add_eqs(L, f, op, eqs)))
            return rc;
    } else { /* op holds the resolved base */
        rc = 0;
        if (eqs && eqs->kind == RCT_Y_MAP) {
            rc = edit_eqs(L, f, op, eqs);
        } else if (eqs) { /* a new list of equations replaces the base's */
            for (int i = 0; i < op->n_eqs; i++) {
                free(op->eqs[i].text);
                free(op->eqs[i].at.file);
            }
            op->n_eqs = 0;
            rc = add_eqs(L, f, op, eqs);
        }
        if (rc)
            return rc;
    }
    if (vars && (rc = merge_vars(L, f, op, vars, 0)))
        return rc;
    drop_unused(op);
    free(op->name);
    free(op->ref);
    free(op->at.file);
    op->name = rct_strdup(name);
    op->ref = rct_strdup(ref);
    if (!op->name || !op->ref || set_pos(&op->at, f->doc->file, t->line, t->col))
        return rct_oom(L->err);
    return 0;
}

/* Adds operator reference `ref` (with optional on-the-fly variable values) to node. */
static int node_add_op(rct_loader *L, const lfile *f, rct_tnode *node, const rct_ynode *refn, const rct_ynode *values)
{
    if (refn->kind != RCT_Y_SCALAR)
        return node_err(L, f, refn, RECTIC_ETEMPLATE, "expected an operator reference, found %s", rct_ykind_name(refn->kind));
    rct_top op;
    tkind k;
    memset(&op, 0, sizeof op);
    int rc = resolve_ref(L, f, refn, refn->str, &k, &op, NULL);
    if (!rc && k != K_OPERATOR)
        rc = node_err(L, f, refn, RECTIC_ETEMPLATE, "'%s' is not an operator template", refn->str);
    if (!rc && values && values->kind != RCT_Y_SCALAR) {
        if (values->kind != RCT_Y_MAP)
            rc = node_err(L, f, values, RECTIC_ETEMPLATE, "operator values must be a map of variable: value");
        for (size_t i = 0; !rc && i < values->n; i++) {
            int found = 0;
            for (int j = 0; j < op.n_vars; j++)
                found |= strcmp(op.vars[j].name, values->keys[i]->str) == 0;
            if (!found)
                rc = node_err(L, f, values->keys[i], RECTIC_ETEMPLATE, "operator '%s' has no variable '%s'", op.name,
                              values->keys[i]->str);
        }
        if (!rc)
            rc = merge_vars(L, f, &op, values, 1);
    }
    for (int i = 0; !rc && i < node->n_ops; i++)
        if (strcmp(node->ops[i].name, op.name) == 0) {
            free_op(&node->ops[i]);
            node->ops[i] = op;
            return 0;
        }
    if (!rc) {
        rct_top *ops = realloc(node->ops, (size_t)(node->n_ops + 1) * sizeof *ops);
        if (!ops) {
            rc = rct_oom(L->err);
        } else {
            node->ops = ops;
            node->ops[node->n_ops++] = op;
            return 0;
        }
    }
    free_op(&op);
    return rc;
}

/* Resolves a node template t (named name, in file f). */
static int resolve_node(rct_loader *L, const lfile *f, const char *name, const char *ref, const rct_ynode *t,
                        const rct_ynode *base, rct_tnode *node)
{
    int rc;
    const rct_ynode *ops = rct_ymap_get(t, "operators");
    if (ops) {
        if (ops->kind == RCT_Y_SEQ) {
            for (int i = 0; i < node->n_ops; i++)
                free_op(&node->ops[i]);
            node->n_ops = 0;
            for (size_t i = 0; i < ops->n; i++)
                if ((rc = node_add_op(L, f, node, ops->vals[i], NULL)))
                    return rc;
        } else if (ops->kind == RCT_Y_MAP) {
            for (size_t i = 0; i < ops->n; i++)
                if ((rc = node_add_op(L, f, node, ops->keys[i], ops->vals[i])))
                    return rc;
        } else {
            if ((rc = node_add_op(L, f, node, ops, NULL)))
                return rc;
        }
    }
    if (node->n_ops == 0)
        return node_err(L, f, t, RECTIC_ETEMPLATE, "node template '%s' has no operators", name);
    const rct_ynode *desc = rct_ymap_get(t, "description");
    if (desc && desc->kind == RCT_Y_SCALAR) {
        free(node->description);
        if (!(node->description = rct_strdup(desc->str)))
            return rct_oom(L->err);
    }
    free(node->name);
    free(node->ref);
    free(node->at.file);
    node->name = rct_strdup(name);
    node->ref = rct_strdup(ref);
    if (!node->name || !node->ref || set_pos(&node->at, f->doc->file, t->line, t->col))
        return rct_oom(L->err);
    return 0;
}

/* Resolves template `name` of file f into an operator or a node, following `base:`. */
static int resolve_in_file(rct_loader *L, const lfile *f, const char *name, const char *ref, const rct_ynode *at,
                           const lfile *cur, tkind *kind, rct_top *op, rct_tnode *node)
{
    const rct_ynode *t = find_template(L, f, name, at, cur);
    if (!t)
        return L->err->code;
    if (t->kind != RCT_Y_MAP)
        return node_err(L, f, t, RECTIC_ETEMPLATE, "template '%s' must be a map (base, equations, variables, ...)", name);
    const rct_ynode *base = rct_ymap_get(t, "base");
    if (!base || base->kind != RCT_Y_SCALAR)
        return node_err(L, f, base ? base : t, RECTIC_ETEMPLATE,
                        "template '%s' needs 'base:' naming OperatorTemplate, NodeTemplate or another template", name);
    /* cycle detection */
    char key[PATH_MAX + 256];
    snprintf(key, sizeof key, "%s\t%s", f->key, name);
    for (int i = 0; i < L->depth; i++)
        if (strcmp(L->stack[i], key) == 0)
            return node_err(L, f, base, RECTIC_ETEMPLATE, "inheritance cycle: template '%s' is its own base", name);
    if (L->depth >= RCT_MAX_INHERIT_DEPTH)
        return node_err(L, f, base, RECTIC_ETEMPLATE, "templates nested deeper than %d levels", RCT_MAX_INHERIT_DEPTH);
    char *saved = rct_strdup(key);
    if (!saved)
        return rct_oom(L->err);
    L->stack[L->depth++] = saved;

    int rc = 0;
    const char *b = base->str;
    tkind k = K_NODE;
    if (!strcmp(b, "CircuitTemplate"))
        rc = node_err(L, f, base, RECTIC_ETEMPLATE,
                      "'%s' is a CircuitTemplate where a node or operator template was expected", name);
    else if (!strcmp(b, "OperatorTemplate"))
        k = K_OPERATOR;
    else if (strcmp(b, "NodeTemplate") != 0 && strcmp(b, "EdgeTemplate") != 0) /* an edge: operators, as a node */
        rc = resolve_ref(L, f, base, b, &k, op, node); /* the base, which the child then edits */
    if (!rc && k == K_OPERATOR && rct_ymap_get(t, "operators"))
        rc = node_err(L, f, t, RECTIC_ETEMPLATE, "'%s' is based on an operator but lists operators", name);
    if (!rc && k == K_NODE && (rct_ymap_get(t, "equations") || rct_ymap_get(t, "variables")))
        rc = node_err(L, f, t, RECTIC_ETEMPLATE,
                      "'%s' is a node template: equations and variables belong to its operators", name);
    if (!rc) {
        *kind = k;
        if (k == K_OPERATOR)
            rc = op ? resolve_operator(L, f, name, ref, t, base, op)
                    : node_err(L, f, t, RECTIC_ETEMPLATE, "'%s' is an operator template where a node was expected", name);
        else
            rc = node ? resolve_node(L, f, name, ref, t, base, node)
                      : node_err(L, f, t, RECTIC_ETEMPLATE, "'%s' is a node template where an operator was expected", name);
    }
    free(saved);
    L->depth--;
    return rc;
}

/* Finds the file of a reference written at node `at` of file cur (NULL: top level): *f the file (cur for
   a bare name), *name the template's name inside it (a pointer into ref). */
static int find_ref_file(rct_loader *L, const lfile *cur, const rct_ynode *at, const char *ref, const lfile **f,
                         const char **name)
{
    if (!*ref)
        return cur ? node_err(L, cur, at, RECTIC_ETEMPLATE, "empty template reference")
                   : rct_errf(L->err, RECTIC_EINVAL, "empty template reference");
    const char *slash = strrchr(ref, '/');
    const char *dot = strrchr(ref, '.');
    if (!slash && !dot) {
        if (!cur)
            return rct_errf(L->err, RECTIC_EINVAL,
                            "template '%s': give it with its file, as file.%s (dotted) or path/to/file/%s", ref, ref, ref);
        *f = cur;
        *name = ref;
        return 0;
    }
    int is_path = slash != NULL;
    *name = is_path ? slash + 1 : dot + 1;
    size_t file_len = (size_t)(*name - 1 - ref);
    char *file = rct_strndup(ref, file_len);
    if (!file)
        return rct_oom(L->err);
    if (!is_path)
        for (char *p = file; *p; p++)
            if (*p == '.')
                *p = '/';
    rct_buf tried;
    rct_buf_init(&tried);
    lfile *found = NULL;
    int r = **name ? rct_loader_find_file(L, file, is_path, cur, &found, &tried) : 0;
    int rc = 0;
    if (r < 0) {
        rc = L->err->code;
    } else if (r == 0) {
        char msg[1200];
        snprintf(msg, sizeof msg, "template '%s' resolves to nothing: no file %s.yaml or %s.yml%s%s%s", ref, file, file,
                 tried.len ? " (tried " : "", tried.len ? tried.s : "", tried.len ? ")" : "");
        rc = cur ? node_err(L, cur, at, RECTIC_ETEMPLATE, "%s", msg) : rct_errf(L->err, RECTIC_ETEMPLATE, "%s", msg);
    } else {
        *f = found;
    }
    rct_buf_free(&tried);
    free(file);
    return rc;
}

/* Resolves a reference written at node `at` of file cur (NULL: top level). */
static int resolve_ref(rct_loader *L, const lfile *cur, const rct_ynode *at, const char *ref, tkind *kind,
                       rct_top *op, rct_tnode *node)
{
    const lfile *f;
    const char *name;
    int rc = find_ref_file(L, cur, at, ref, &f, &name);
    return rc ? rc : resolve_in_file(L, f, name, ref, at, cur, kind, op, node);
}

int rct_template_find(rct_loader *L, const lfile *cur, const rct_ynode *at, const char *ref, const lfile **file,
                      const rct_ynode **body)
{
    const char *name;
    int rc = find_ref_file(L, cur, at, ref, file, &name);
    if (rc)
        return rc;
    *body = find_template(L, *file, name, at, cur);
    if (!*body)
        return L->err->code;
    if ((*body)->kind != RCT_Y_MAP)
        return node_err(L, *file, *body, RECTIC_ETEMPLATE, "template '%s' must be a map (base, ...)", name);
    return 0;
}

int rct_template_load(rct_loader *L, const char *ref, rct_tnode **out)
{
    return rct_template_load_at(L, NULL, NULL, ref, out);
}

int rct_template_load_at(rct_loader *L, const lfile *cur, const rct_ynode *at, const char *ref, rct_tnode **out)
{
    *out = NULL;
    rct_tnode *node = calloc(1, sizeof *node);
    rct_top *op = calloc(1, sizeof *op);
    if (!node || !op) {
        free(node);
        free(op);
        return rct_oom(L->err);
    }
    tkind kind = K_NODE;
    int rc = resolve_ref(L, cur, at, ref, &kind, op, node);
    if (!rc && kind == K_OPERATOR) {
        /* a bare operator: wrap it in a one-operator node */
        node->ops = op;
        node->n_ops = 1;
        op = NULL;
        node->name = rct_strdup(node->ops[0].name);
        node->ref = rct_strdup(ref);
        if (!node->name || !node->ref || set_pos(&node->at, node->ops[0].at.file, node->ops[0].at.line, node->ops[0].at.col))
            rc = rct_oom(L->err);
    }
    if (op) {
        free_op(op);
        free(op);
    }
    if (rc) {
        rct_tnode_free(node);
        return rc;
    }
    *out = node;
    return 0;
}


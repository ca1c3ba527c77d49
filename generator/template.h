/*
 * template.h -- loads PyRates/RectiPy YAML templates and resolves inheritance.
 *
 * A reference is a dotted name (pkg.sub.file.template: the last element names the template, the one
 * before it the file file.yaml or file.yml) or a path (dir/file/template, file with or without the
 * extension).  Inside a file a bare name refers to a template of the same file.  Operator templates
 * inherit through `base:` with `equations: {replace: {old: new}, remove: [...], add: [...]}` (applied in
 * that order; matching is token-bounded as in PyRates) and variables merged, the child's winning.
 */
#ifndef RCT_TEMPLATE_H
#define RCT_TEMPLATE_H

#include "util.h"

/* How a template variable is declared. */
typedef enum {
    RCT_D_CONST,    /* a plain number: a parameter */
    RCT_D_VARIABLE, /* variable(x): a state or algebraic variable with initial value x */
    RCT_D_OUTPUT,   /* output(x): like variable, and the operator's output */
    RCT_D_INPUT     /* input(x): set from outside (input, coupling, spikes or another operator) */
} rct_decl;

/* Where a piece of template text comes from. */
typedef struct rct_srcpos {
    char *file;
    int line, col;      /* 1-based */
} rct_srcpos;

typedef struct rct_tvar {
    char *name;
    rct_decl decl;
    double value;       /* default / initial value */
    rct_srcpos at;
} rct_tvar;

typedef struct rct_teq {
    char *text;         /* the equation after inheritance */
    rct_srcpos at;      /* where it (or the edit that produced it) is written */
    int exact;          /* characters k < exact of text are at column at.col + k of at.line (0: none) */
} rct_teq;

typedef struct rct_top {
    char *name;         /* the operator's name (last element of its reference) */
    char *ref;          /* as referenced */
    rct_teq *eqs;
    int n_eqs;
    rct_tvar *vars;
    int n_vars;
    rct_srcpos at;
} rct_top;

typedef struct rct_tnode {
    char *name;
    char *ref;
    char *description;  /* NULL when the template has none */
    rct_top *ops;
    int n_ops;
    rct_srcpos at;
} rct_tnode;

/* Template search: directories for dotted names, the loaded files, and the error record. */
typedef struct rct_loader rct_loader;

rct_loader *rct_loader_new(rct_err *err);
void rct_loader_free(rct_loader *L);
/* Appends a directory to the search path. */
int rct_loader_add_dir(rct_loader *L, const char *dir);
/* Appends the directories of a colon-separated list (RECTIC_TEMPLATE_PATH). */
int rct_loader_add_pathlist(rct_loader *L, const char *list);
/* Registers YAML text under a file name: references to that file (name without extension) use it. */
int rct_loader_add_text(rct_loader *L, const char *name, const char *yaml);
/* The built-in templates directory (compiled-in, or share/rectic/templates beside the executable). */
const char *rct_builtin_template_dir(void);

/* Loads and resolves a node template (an operator template is wrapped in a one-operator node). */
int rct_template_load(rct_loader *L, const char *ref, rct_tnode **out);
void rct_tnode_free(rct_tnode *node);

/* Formats "file:line:col" of a position plus `offset` characters into an equation (exact positions only). */
void rct_srcpos_fmt(char *out, size_t size, const rct_srcpos *at, int offset);

/* Applies PyRates' token-bounded replacement of old by new in text; returns a new string (NULL: no memory),
   *count receives the number of replacements. */
char *rct_token_replace(const char *text, const char *old, const char *new_, int *count);

/* Lists the built-in templates (dotted names of node templates with their descriptions) as text. */
int rct_template_list(rct_loader *L, const char *dir, char **text);

#endif

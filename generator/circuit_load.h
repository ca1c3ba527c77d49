/*
 * circuit_load.h -- what circuit.c (circuit templates, nodes) and circuit_edge.c (units, edges) share
 * while a CircuitTemplate is read.  Not installed.
 */
#ifndef RCT_CIRCUIT_LOAD_H
#define RCT_CIRCUIT_LOAD_H

#include "circuit.h"
#include "io_yaml.h"
#include "loader.h"

typedef struct ctmpl ctmpl;

/* An edge row as collected: paths with their scope prefixed; the YAML it was written with. */
typedef struct crow {
    char *src, *tgt;
    const lfile *f;           /* the file the row is written in */
    const rct_ynode *tmpl;    /* edge template reference, NULL for null */
    const rct_ynode *vals;    /* the {weight, ...} map, or NULL */
    char *prefix;             /* scope of the row ("" or "sub/"): mapping values are relative to it */
    const rct_ynode *row;     /* the row itself (positions) */
} crow;

/* A named node (ref: its template reference) or sub-circuit (sub). */
typedef struct cnamed {
    char *name;
    const rct_ynode *ref;
    ctmpl *sub;
} cnamed;

/* A circuit template as read: one object per file and name. */
struct ctmpl {
    const lfile *f;
    const rct_ynode *body;
    cnamed *nodes, *subs;
    int n_nodes, n_subs;
    crow *rows;
    int n_rows;
    size_t cap_rows;
    int reading;              /* its nodes, circuits and edges are being read (a reference now is a cycle) */
};

/* Index entry: a node path and its unit. */
typedef struct cunit {
    const char *path;
    int pop, unit;
} cunit;

/* A template reference already resolved (written in file f) and its population. */
typedef struct ctref {
    const lfile *f;
    char *ref;
    int pop;
} ctref;

typedef struct rct_cload {
    rct_loader *L;
    rct_err *err;
    rct_circuit *c;
    ctmpl **cache;
    int n_cache;
    cunit *index;             /* node units sorted by path */
    int n_index;
    ctref *tcache;
    int n_tcache;
} rct_cload;

/* Reports an error at YAML node n of file f ("file:line:col: message"); returns RECTIC_ETEMPLATE
   (circuit_msg.c). */
int rct_cl_err(rct_cload *cl, const lfile *f, const rct_ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a unit called path of the node (is_edge 0) or edge template referenced by ref (written in f) to
   its population; *pop and *unit (may be NULL) receive where it went. */
int rct_cl_add_unit_at(rct_cload *cl, const lfile *f, const rct_ynode *ref, int is_edge, const char *path, int *pop,
                       int *unit);
#define rct_cl_add_unit(cl, f, ref, is_edge, path) rct_cl_add_unit_at(cl, f, ref, is_edge, path, NULL, NULL)
/* Sorts the node units by path for rct_circuit_unit. */
int rct_cl_index(rct_cload *cl);
/* rct_circuit_var through the index of node units. */
int rct_cl_resolve(rct_cload *cl, const char *path, const char *what, rct_cend *end);
/* Turns collected row number i into edges between units (edge nodes and feeds for an edge template). */
int rct_cl_edge(rct_cload *cl, const crow *r, int i);

#endif

/*
 * io_yaml.h -- a YAML document as a small tree of scalars, maps and sequences with source positions.
 *
 * The only module that talks to libyaml.  Anchors and aliases are resolved while loading (an alias is
 * the anchored node itself, shared, so aliases never multiply memory); merge keys are not supported.
 */
#ifndef RCT_IO_YAML_H
#define RCT_IO_YAML_H

#include <stddef.h>

#include "util.h"

typedef enum { RCT_Y_SCALAR, RCT_Y_MAP, RCT_Y_SEQ } rct_ykind;

typedef struct rct_ynode rct_ynode;
struct rct_ynode {
    rct_ykind kind;
    int line, col;        /* 1-based position of the node's first character */
    int quoted;           /* scalar written in quotes ('...' or "...") */
    int exact;            /* scalar: characters k < exact of str are at column col + quoted + k of line */
    char *str;            /* scalar text */
    size_t n;             /* map: number of pairs; sequence: number of items */
    rct_ynode **keys;     /* map keys (scalars) */
    rct_ynode **vals;     /* map values, or sequence items */
    rct_ynode *next_alloc;
};

typedef struct rct_ydoc {
    char *file;           /* the name used in messages */
    rct_ynode *root;      /* NULL for an empty document */
    rct_ynode *nodes;     /* every node, for freeing */
} rct_ydoc;

/* Loads a YAML file (the first document). */
int rct_yaml_load_file(const char *path, rct_ydoc **out, rct_err *err);
/* Loads YAML text; name is used in messages. */
int rct_yaml_load_string(const char *text, size_t len, const char *name, rct_ydoc **out, rct_err *err);
void rct_yaml_free(rct_ydoc *doc);

/* The value of key in a map, or NULL. */
const rct_ynode *rct_ymap_get(const rct_ynode *map, const char *key);
/* Human name of a node kind ("a scalar", "a map", "a list"). */
const char *rct_ykind_name(rct_ykind k);

#endif

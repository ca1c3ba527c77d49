/*
 * io_yaml.c -- builds an rct_ydoc tree from libyaml's event stream.
 */
#include "io_yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_MAX_DEPTH 64       /* nesting of maps and lists */
#define YAML_MAX_NODES 1000000  /* nodes in one document */
#define YAML_MAX_BYTES (64L << 20)

typedef struct anchor {
    char *name;
    rct_ynode *node;
} anchor;

typedef struct loader {
    yaml_parser_t parser;
    const char *text;   /* the source, to tell whether a scalar is written exactly as its value */
    size_t len;
    rct_ydoc *doc;
    rct_err *err;
    anchor *anchors;
    size_t n_anchors, cap_anchors;
    size_t n_nodes;
} loader;

/* Allocates a node at the event's position and links it into the document. */
static rct_ynode *new_node(loader *L, rct_ykind kind, const yaml_event_t *ev)
{
    if (++L->n_nodes > YAML_MAX_NODES) {
        rct_errf(L->err, RECTIC_ESYNTAX, "%s: more than %d YAML nodes", L->doc->file, YAML_MAX_NODES);
        return NULL;
    }
    rct_ynode *n = calloc(1, sizeof *n);
    if (!n) {
        rct_oom(L->err);
        return NULL;
    }
    n->kind = kind;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    n->next_alloc = L->doc->nodes;
    L->doc->nodes = n;
    return n;
}

/* Appends child (and key, for maps) to a collection node. */
static int add_child(loader *L, rct_ynode *parent, rct_ynode *key, rct_ynode *val)
{
    size_t n = parent->n + 1;
    rct_ynode **v = realloc(parent->vals, n * sizeof *v);
    if (!v)
        return rct_oom(L->err);
    parent->vals = v;
    if (parent->kind == RCT_Y_MAP) {
        rct_ynode **k = realloc(parent->keys, n * sizeof *k);
        if (!k)
            return rct_oom(L->err);
        parent->keys = k;
        parent->keys[parent->n] = key;
    }
    parent->vals[parent->n] = val;
    parent->n = n;
    return 0;
}

/* Remembers an anchor (a later one of the same name wins, as in YAML). */
static int remember_anchor(loader *L, const yaml_char_t *name, rct_ynode *node)
{
    if (!name)
        return 0;
    if (rct_grow(&L->anchors, &L->cap_anchors, L->n_anchors + 1, sizeof *L->anchors))
        return rct_oom(L->err);
    char *s = rct_strdup((const char *)name);
    if (!s)
        return rct_oom(L->err);
    L->anchors[L->n_anchors].name = s;
    L->anchors[L->n_anchors].node = node;
    L->n_anchors++;
    return 0;
}

static rct_ynode *find_anchor(loader *L, const char *name)
{
    for (size_t i = L->n_anchors; i-- > 0;)
        if (strcmp(L->anchors[i].name, name) == 0)
            return L->anchors[i].node;
    return NULL;
}

/* Reports libyaml's parser error with file, line and column. */
static int parser_error(loader *L)
{
    yaml_parser_t *p = &L->parser;
    const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
    return rct_errf(L->err, RECTIC_ESYNTAX, "%s:%zu:%zu: YAML syntax error: %s%s%s", L->doc->file,
                    m->line + 1, m->column + 1, p->problem ? p->problem : "unknown problem",
                    p->context ? " " : "", p->context ? p->context : "");
}

/* Checks that a map does not already hold key. */
static int check_duplicate(loader *L, const rct_ynode *map, const rct_ynode *key)
{
    if (key->kind != RCT_Y_SCALAR)
        return rct_errf(L->err, RECTIC_ESYNTAX, "%s:%d:%d: a map key must be a plain value", L->doc->file,
                        key->line, key->col);
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->str, key->str) == 0)
            return rct_errf(L->err, RECTIC_ESYNTAX, "%s:%d:%d: duplicate key '%s' (first at line %d)",
                            L->doc->file, key->line, key->col, key->str, map->keys[i]->line);
    return 0;
}

/* Parses one node starting with event ev (already taken from the parser) into *out. */
static int parse_node(loader *L, yaml_event_t *ev, int depth, rct_ynode **out)
{
    rct_ynode *node = NULL;
    *out = NULL;
    if (depth > YAML_MAX_DEPTH)
        return rct_errf(L->err, RECTIC_ESYNTAX, "%s:%zu:%zu: YAML nested deeper than %d levels", L->doc->file,
                        ev->start_mark.line + 1, ev->start_mark.column + 1, YAML_MAX_DEPTH);
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        node = find_anchor(L, (const char *)ev->data.alias.anchor);
        if (!node)
            return rct_errf(L->err, RECTIC_ESYNTAX, "%s:%zu:%zu: alias *%s refers to no anchor defined before it",
                            L->doc->file, ev->start_mark.line + 1, ev->start_mark.column + 1,
                            (const char *)ev->data.alias.anchor);
        *out = node;
        return 0;
    }
    case YAML_SCALAR_EVENT: {
        node = new_node(L, RCT_Y_SCALAR, ev);
        if (!node)
            return L->err->code;
        node->str = rct_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (!node->str)
            return rct_oom(L->err);
        if (strlen(node->str) != ev->data.scalar.length)
            return rct_errf(L->err, RECTIC_ESYNTAX, "%s:%d:%d: NUL character inside a value", L->doc->file,
                            node->line, node->col);
        node->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                       ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        /* characters of the value map to columns up to the first line break or escape: the first place
           where the source and the value differ */
        size_t a = ev->start_mark.index + (size_t)node->quoted, k = 0;
        while (a + k < L->len && k < ev->data.scalar.length && L->text[a + k] == node->str[k] && node->str[k] != '\n')
            k++;
        node->exact = (int)(k < (size_t)1 << 30 ? k : (size_t)1 << 30);
        *out = node;
        return remember_anchor(L, ev->data.scalar.anchor, node);
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int is_map = ev->type == YAML_MAPPING_START_EVENT;
        node = new_node(L, is_map ? RCT_Y_MAP : RCT_Y_SEQ, ev);
        if (!node)
            return L->err->code;
        yaml_char_t *anchor_name = is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
        char *aname = anchor_name ? rct_strdup((const char *)anchor_name) : NULL;
        if (anchor_name && !aname)
            return rct_oom(L->err);
        int rc = 0;
        for (;;) {
            yaml_event_t child;
            if (!yaml_parser_parse(&L->parser, &child)) {
                rc = parser_error(L);
                break;
            }
            if (child.type == YAML_SEQUENCE_END_EVENT || child.type == YAML_MAPPING_END_EVENT) {
                yaml_event_delete(&child);
                break;
            }
            rct_ynode *key = NULL, *val = NULL;
            rc = parse_node(L, &child, depth + 1, is_map ? &key : &val);
            yaml_event_delete(&child);
            if (rc)
                break;
            if (is_map) {
                if ((rc = check_duplicate(L, node, key)))
                    break;
                yaml_event_t vev;
                if (!yaml_parser_parse(&L->parser, &vev)) {
                    rc = parser_error(L);
                    break;
                }
                rc = parse_node(L, &vev, depth + 1, &val);
                yaml_event_delete(&vev);
                if (rc)
                    break;
            }
            if ((rc = add_child(L, node, key, val)))
                break;
        }
        if (!rc && aname)
            rc = remember_anchor(L, (yaml_char_t *)aname, node);
        free(aname);
        if (rc)
            return rc;
        *out = node;
        return 0;
    }
    default:
        return rct_errf(L->err, RECTIC_ESYNTAX, "%s:%zu:%zu: unexpected YAML event", L->doc->file,
                        ev->start_mark.line + 1, ev->start_mark.column + 1);
    }
}

/* Reads events up to the first document's root node. */
static int load(loader *L)
{
    yaml_event_t ev;
    for (;;) {
        if (!yaml_parser_parse(&L->parser, &ev))
            return parser_error(L);
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return 0; /* empty stream */
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        int rc = parse_node(L, &ev, 0, &L->doc->root);
        yaml_event_delete(&ev);
        return rc;
    }
}

int rct_yaml_load_string(const char *text, size_t len, const char *name, rct_ydoc **out, rct_err *err)
{
    *out = NULL;
    rct_ydoc *doc = calloc(1, sizeof *doc);
    if (!doc || !(doc->file = rct_strdup(name))) {
        free(doc);
        return rct_oom(err);
    }
    loader L;
    memset(&L, 0, sizeof L);
    L.doc = doc;
    L.err = err;
    L.text = text;
    L.len = len;
    if (!yaml_parser_initialize(&L.parser)) {
        rct_yaml_free(doc);
        return rct_oom(err);
    }
    yaml_parser_set_input_string(&L.parser, (const unsigned char *)text, len);
    int rc = load(&L);
    yaml_parser_delete(&L.parser);
    for (size_t i = 0; i < L.n_anchors; i++)
        free(L.anchors[i].name);
    free(L.anchors);
    if (rc) {
        rct_yaml_free(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

int rct_yaml_load_file(const char *path, rct_ydoc **out, rct_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return rct_errf(err, RECTIC_EIO, "%s: cannot open: %s", path, strerror(errno));
    rct_buf b;
    rct_buf_init(&b);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rct_buf_putn(&b, chunk, got);
        if (b.len > (size_t)YAML_MAX_BYTES) {
            fclose(f);
            rct_buf_free(&b);
            return rct_errf(err, RECTIC_EIO, "%s: template file larger than %ld MiB", path, YAML_MAX_BYTES >> 20);
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        rct_buf_free(&b);
        return rct_errf(err, RECTIC_EIO, "%s: read error", path);
    }
    if (b.failed) {
        rct_buf_free(&b);
        return rct_oom(err);
    }
    int rc = rct_yaml_load_string(b.s ? b.s : "", b.len, path, out, err);
    rct_buf_free(&b);
    return rc;
}

void rct_yaml_free(rct_ydoc *doc)
{
    if (!doc)
        return;
    rct_ynode *n = doc->nodes;
    while (n) {
        rct_ynode *next = n->next_alloc;
        free(n->str);
        free(n->keys);
        free(n->vals);
        free(n);
        n = next;
    }
    free(doc->file);
    free(doc);
}

const rct_ynode *rct_ymap_get(const rct_ynode *map, const char *key)
{
    if (!map || map->kind != RCT_Y_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->str, key) == 0)
            return map->vals[i];
    return NULL;
}

const char *rct_ykind_name(rct_ykind k)
{
    return k == RCT_Y_SCALAR ? "a single value" : k == RCT_Y_MAP ? "a map" : "a list";
}

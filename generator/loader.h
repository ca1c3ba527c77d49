/*
 * loader.h -- the template loader's internals, shared by loader.c (search path, files) and template.c
 * (inheritance).  Not installed.
 */
#ifndef RCT_LOADER_H
#define RCT_LOADER_H

#include "io_yaml.h"
#include "template.h"

#define RCT_MAX_INHERIT_DEPTH 32 /* base chains and nested references */

typedef struct lfile {
    char *key;     /* absolute path, or the registered name of a text */
    char *root;    /* search directory it was found in (NULL for texts) */
    char *dir;     /* its own directory (NULL for texts) */
    rct_ydoc *doc;
} lfile;

typedef struct text_entry {
    char *name;
    char *yaml;
} text_entry;

struct rct_loader {
    rct_err *err;
    char **dirs;
    size_t n_dirs, cap_dirs;
    lfile *files;
    size_t n_files, cap_files;
    text_entry *texts;
    size_t n_texts, cap_texts;
    const char *stack[RCT_MAX_INHERIT_DEPTH + 1]; /* "file\ttemplate" being resolved, for cycles */
    int depth;
};

/* Loads (once) the file at path; root is the search directory it was found through. */
int rct_loader_open_file(rct_loader *L, const char *path, const char *root, lfile **out);
/* Finds the file holding a reference (ref_file: "pkg/sub/file" of a dotted name, or a path) written in
   file cur (NULL at top level).  Returns 1 found, 0 not found (tried lists where it looked), -1 error. */
int rct_loader_find_file(rct_loader *L, const char *ref_file, int is_path, const lfile *cur, lfile **out,
                         rct_buf *tried);

/* Finds template ref written at node `at` of file cur (NULL, NULL: top level): *file and its YAML map
   *body (borrowed from the loader).  Errors name file:line:col of `at`. */
int rct_template_find(rct_loader *L, const lfile *cur, const rct_ynode *at, const char *ref, const lfile **file,
                      const rct_ynode **body);
/* rct_template_load for a reference written at node `at` of file cur: a bare name is a template of cur. */
int rct_template_load_at(rct_loader *L, const lfile *cur, const rct_ynode *at, const char *ref, rct_tnode **out);

#endif

/*
 * loader.c -- where templates come from: the search path, files loaded once each, YAML texts registered
 * by name, the built-in templates directory, and the listing of built-in templates.
 */
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- loader and search path */

rct_loader *rct_loader_new(rct_err *err)
{
    rct_loader *L = calloc(1, sizeof *L);
    if (!L) {
        rct_oom(err);
        return NULL;
    }
    L->err = err;
    return L;
}

void rct_loader_free(rct_loader *L)
{
    if (!L)
        return;
    for (size_t i = 0; i < L->n_dirs; i++)
        free(L->dirs[i]);
    free(L->dirs);
    for (size_t i = 0; i < L->n_files; i++) {
        free(L->files[i].key);
        free(L->files[i].root);
        free(L->files[i].dir);
        rct_yaml_free(L->files[i].doc);
    }
    free(L->files);
    for (size_t i = 0; i < L->n_texts; i++) {
        free(L->texts[i].name);
        free(L->texts[i].yaml);
    }
    free(L->texts);
    free(L);
}

int rct_loader_add_dir(rct_loader *L, const char *dir)
{
    if (!dir || !*dir)
        return 0;
    if (rct_grow(&L->dirs, &L->cap_dirs, L->n_dirs + 1, sizeof *L->dirs))
        return rct_oom(L->err);
    if (!(L->dirs[L->n_dirs] = rct_strdup(dir)))
        return rct_oom(L->err);
    L->n_dirs++;
    return 0;
}

int rct_loader_add_pathlist(rct_loader *L, const char *list)
{
    if (!list)
        return 0;
    const char *p = list;
    while (*p) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n > 0) {
            char *d = rct_strndup(p, n);
            if (!d)
                return rct_oom(L->err);
            int rc = rct_loader_add_dir(L, d);
            free(d);
            if (rc)
                return rc;
        }
        p += n;
        if (*p == ':')
            p++;
    }
    return 0;
}

int rct_loader_add_text(rct_loader *L, const char *name, const char *yaml)
{
    if (rct_grow(&L->texts, &L->cap_texts, L->n_texts + 1, sizeof *L->texts))
        return rct_oom(L->err);
    text_entry *t = &L->texts[L->n_texts];
    t->name = rct_strdup(name);
    t->yaml = rct_strdup(yaml);
    if (!t->name || !t->yaml) {
        free(t->name);
        free(t->yaml);
        return rct_oom(L->err);
    }
    L->n_texts++;
    return 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Whether path exists and is neither a regular file nor a directory. */
static int is_special(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

const char *rct_builtin_template_dir(void)
{
    static char found[PATH_MAX];
    if (found[0])
        return found;
#ifdef RECTIC_BUILTIN_TEMPLATES
    if (is_dir(RECTIC_BUILTIN_TEMPLATES)) {
        snprintf(found, sizeof found, "%s", RECTIC_BUILTIN_TEMPLATES);
        return found;
    }
#endif
#ifdef RECTIC_INSTALL_TEMPLATES
    if (is_dir(RECTIC_INSTALL_TEMPLATES)) {
        snprintf(found, sizeof found, "%s", RECTIC_INSTALL_TEMPLATES);
        return found;
    }
#endif
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof cand, "%s/../share/rectic/templates", exe);
            if (is_dir(cand) && realpath(cand, found))
                return found;
            snprintf(cand, sizeof cand, "%s/../templates", exe);
            if (is_dir(cand) && realpath(cand, found))
                return found;
        }
    }
    return NULL;
}

/* Loads (once) the file at path; root is the search directory it was found through. */
int rct_loader_open_file(rct_loader *L, const char *path, const char *root, lfile **out)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return rct_errf(L->err, RECTIC_EIO, "%s: cannot open: %s", path, strerror(errno));
    for (size_t i = 0; i < L->n_files; i++)
        if (L->files[i].root != NULL && strcmp(L->files[i].key, real) == 0) {
            *out = &L->files[i];
            return 0;
        }
    rct_ydoc *doc;
    int rc = rct_yaml_load_file(path, &doc, L->err);
    if (rc)
        return rc;
    if (rct_grow(&L->files, &L->cap_files, L->n_files + 1, sizeof *L->files)) {
        rct_yaml_free(doc);
        return rct_oom(L->err);
    }
    lfile *f = &L->files[L->n_files];
    memset(f, 0, sizeof *f);
    f->key = rct_strdup(real);
    f->root = rct_strdup(root ? root : ".");
    char *slash = strrchr(real, '/');
    f->dir = rct_strndup(real, slash ? (size_t)(slash - real) : 0);
    f->doc = doc;
    if (!f->key || !f->root || !f->dir) {
        free(f->key);
        free(f->root);
        free(f->dir);
        rct_yaml_free(doc);
        return rct_oom(L->err);
    }
    L->n_files++;
    *out = f;
    return 0;
}

/* Loads (once) a registered YAML text. */
static int open_text(rct_loader *L, const text_entry *t, lfile **out)
{
    for (size_t i = 0; i < L->n_files; i++)
        if (L->files[i].root == NULL && strcmp(L->files[i].key, t->name) == 0) {
            *out = &L->files[i];
            return 0;
        }
    rct_ydoc *doc;
    int rc = rct_yaml_load_string(t->yaml, strlen(t->yaml), t->name, &doc, L->err);
    if (rc)
        return rc;
    if (rct_grow(&L->files, &L->cap_files, L->n_files + 1, sizeof *L->files)) {
        rct_yaml_free(doc);
        return rct_oom(L->err);
    }
    lfile *f = &L->files[L->n_files];
    memset(f, 0, sizeof *f);
    if (!(f->key = rct_strdup(t->name))) {
        rct_yaml_free(doc);
        return rct_oom(L->err);
    }
    f->doc = doc;
    L->n_files++;
    *out = f;
    return 0;
}

/* Tries dir/rel.yaml and dir/rel.yml (and dir/rel itself when it has an extension). */
static int try_dir(rct_loader *L, const char *dir, const char *rel, const char *root, lfile **out, rct_buf *tried)
{
    static const char *const ext[] = {".yaml", ".yml", ""};
    for (int e = 0; e < 3; e++) {
        char path[PATH_MAX * 2];
        if (dir)
            snprintf(path, sizeof path, "%s/%s%s", dir, rel, ext[e]);
        else
            snprintf(path, sizeof path, "%s%s", rel, ext[e]);
        if (e == 2 && !(strstr(rel, ".yaml") || strstr(rel, ".yml")))
            continue;
        if (is_file(path))
            return rct_loader_open_file(L, path, root ? root : dir, out) == 0 ? 1 : -1;
        if (is_special(path)) { /* reading a FIFO or a device could block or never end */
            rct_errf(L->err, RECTIC_EIO, "%s: not a regular file (a FIFO, socket or device): templates are YAML files",
                     path);
            return -1;
        }
        if (e == 0 && tried) {
            char entry[PATH_MAX * 2];
            if (dir)
                snprintf(entry, sizeof entry, "%s/%s[.yaml|.yml]", dir, rel);
            else
                snprintf(entry, sizeof entry, "%s[.yaml|.yml]", rel);
            if (!tried->s || !strstr(tried->s, entry)) {
                rct_buf_puts(tried, tried->len ? ", " : "");
                rct_buf_puts(tried, entry);
            }
        }
    }
    return 0;
}

/* Finds the file holding a reference.  ref_file is "pkg/sub/file" (dotted form) or a path.  cur is the
   file the reference is written in (NULL at top level).  Returns 1 found, 0 not found, -1 error. */
int rct_loader_find_file(rct_loader *L, const char *ref_file, int is_path, const lfile *cur, lfile **out,
                     rct_buf *tried)
{
    for (size_t i = 0; i < L->n_texts; i++) {
        const char *name = L->texts[i].name;
        size_t n = strlen(name);
        if (strcmp(ref_file, name) == 0 ||
            (n > 5 && strncmp(ref_file, name, n - 5) == 0 && ref_file[n - 5] == '\0' && !strcmp(name + n - 5, ".yaml")))
            return open_text(L, &L->texts[i], out) == 0 ? 1 : -1;
    }
    int r;
    if (is_path) {
        if (ref_file[0] == '/')
            return try_dir(L, NULL, ref_file, "/", out, tried);
        if ((r = try_dir(L, ".", ref_file, ".", out, tried)))
            return r;
    }
    if (cur && cur->root) {
        if ((r = try_dir(L, cur->root, ref_file, cur->root, out, tried)))
            return r;
        if ((r = try_dir(L, cur->dir, ref_file, cur->root, out, tried)))
            return r;
    }
    for (size_t i = 0; i < L->n_dirs; i++)
        if ((r = try_dir(L, L->dirs[i], ref_file, L->dirs[i], out, tried)))
            return r;
    return 0;
}

/* ---------------------------------------------------------------- listing */

/* Appends the node templates of one file (dotted prefix `dotted`) to out. */
static void list_file(rct_loader *L, const char *path, const char *dotted, rct_buf *out)
{
    lfile *f;
    rct_err saved = *L->err;
    if (rct_loader_open_file(L, path, NULL, &f)) {
        *L->err = saved;
        return;
    }
    const rct_ynode *root = f->doc->root;
    if (!root || root->kind != RCT_Y_MAP)
        return;
    for (size_t i = 0; i < root->n; i++) {
        const rct_ynode *t = root->vals[i];
        const rct_ynode *base = rct_ymap_get(t, "base");
        if (!base || !rct_ymap_get(t, "operators"))
            continue;
        const rct_ynode *desc = rct_ymap_get(t, "description");
        rct_buf_printf(out, "%s.%s", dotted, root->keys[i]->str);
        if (desc && desc->kind == RCT_Y_SCALAR)
            rct_buf_printf(out, "\t%s", desc->str);
        rct_buf_putc(out, '\n');
    }
}

/* Walks dir recursively (sorted), listing every .yaml file. */
static void list_dir(rct_loader *L, const char *dir, const char *dotted, rct_buf *out, int depth)
{
    struct dirent **names;
    if (depth > 8)
        return;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        char path[PATH_MAX], dn[1024];
        if (nm[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, nm);
            size_t len = strlen(nm);
            if (is_dir(path)) {
                snprintf(dn, sizeof dn, "%s%s%s", dotted, *dotted ? "." : "", nm);
                list_dir(L, path, dn, out, depth + 1);
            } else if (len > 5 && strcmp(nm + len - 5, ".yaml") == 0) {
                snprintf(dn, sizeof dn, "%s%s%.*s", dotted, *dotted ? "." : "", (int)(len - 5), nm);
                list_file(L, path, dn, out);
            }
        }
        free(names[i]);
    }
    free(names);
}

int rct_template_list(rct_loader *L, const char *dir, char **text)
{
    rct_buf out;
    rct_buf_init(&out);
    if (!dir || !is_dir(dir))
        return rct_errf(L->err, RECTIC_EIO, "templates directory %s not found", dir ? dir : "(none)");
    list_dir(L, dir, "", &out, 0);
    *text = rct_buf_take(&out);
    return *text ? 0 : rct_oom(L->err);
}

/*
 * fuzz_template.c -- libFuzzer harness for the template loader: the input is YAML text registered as the
 * file "fz"; every top-level key (at most 20) is loaded as the template fz.<key>, inheritance resolved,
 * and a resolved template is built into the model IR (no network roles), described, and its C kernel
 * generated (not compiled: fuzz_kernel compiles and runs generated kernels).
 *
 * One loader serves all the keys, so that state left behind by a failed resolution (the inheritance
 * stack, loaded files) is exercised too.  References to other files go through the loader's search: it
 * has no directories, but path references ("dir/file/name") are tried relative to the working directory,
 * which tests/fuzz/fuzz.sh sets to an empty directory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit_c.h"
#include "fuzz_common.h"
#include "io_yaml.h"
#include "ir.h"
#include "template.h"

#define MAX_KEYS 20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size);
    rct_err err = {0, {0}};
    rct_ydoc *doc = NULL;
    if (rct_yaml_load_string(text, strlen(text), "fz", &doc, &err) != 0) {
        if (doc || !err.code || !err.msg[0])
            abort();
        free(text);
        return 0;
    }
    /* the names to load: a copy, as the loader parses the text again on its own */
    char *names[MAX_KEYS];
    size_t n_names = 0;
    if (doc->root && doc->root->kind == RCT_Y_MAP)
        for (size_t i = 0; i < doc->root->n && n_names < MAX_KEYS; i++)
            if (doc->root->keys[i]->kind == RCT_Y_SCALAR) {
                const char *k = doc->root->keys[i]->str;
                size_t n = strlen(k);
                char *ref = malloc(n + 4);
                if (!ref)
                    abort();
                memcpy(ref, "fz.", 3);
                memcpy(ref + 3, k, n + 1);
                names[n_names++] = ref;
            }
    rct_yaml_free(doc);

    rct_loader *L = rct_loader_new(&err);
    if (!L)
        abort();
    if (rct_loader_add_text(L, "fz", text) != 0)
        abort();
    for (size_t i = 0; i < n_names; i++) {
        rct_tnode *node = NULL;
        err.code = 0;
        err.msg[0] = '\0';
        int rc = rct_template_load(L, names[i], &node);
        if (rc != 0) {
            if (node || rc != err.code || !err.msg[0])
                abort();
            continue;
        }
        if (!node || node->n_ops < 1)
            abort();
        rct_roles roles;
        memset(&roles, 0, sizeof roles);
        rct_model *m = NULL;
        rct_err merr = {0, {0}};
        rc = rct_model_build(node, &roles, &m, &merr);
        if (rc == 0) {
            char *desc = rct_model_describe(m);
            if (!desc)
                abort();
            free(desc);
            int *param_vector = calloc((size_t)m->n_param + 1, sizeof *param_vector);
            if (!param_vector)
                abort();
            rct_emit_opts o;
            memset(&o, 0, sizeof o); /* designated fields only: the struct grows */
            o.dtype = (size & 1) ? RECTIC_FLOAT32 : RECTIC_FLOAT64;
            o.param_vector = param_vector;
            rct_err eerr = {0, {0}};
            char *src = rct_emit_c(m, &o, &eerr);
            if (!src && !eerr.msg[0])
                abort();
            free(src);
            free(param_vector);
            rct_model_free(m);
        } else if (!merr.msg[0]) {
            abort();
        }
        rct_tnode_free(node);
    }
    rct_loader_free(L);
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(text);
    return 0;
}

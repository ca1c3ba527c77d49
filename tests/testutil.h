/*
 * testutil.h -- helpers shared by the Check test programs.
 */
#ifndef RCT_TESTUTIL_H
#define RCT_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ../shared next to the checkout (RECTIC_SHARED overrides); NULL when absent. */
static inline const char *tu_shared_dir(void)
{
    static char path[4096];
    const char *env = getenv("RECTIC_SHARED");
    struct stat st;
    if (env && *env) {
        snprintf(path, sizeof path, "%s", env);
    } else {
        snprintf(path, sizeof path, "../shared");
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return path;
    return NULL;
}

/* Prints why a test is skipped and returns from the test function. */
#define TU_SKIP(...)                                                                           \
    do {                                                                                       \
        fprintf(stderr, "SKIP %s: ", __func__);                                              \
        fprintf(stderr, __VA_ARGS__);                                                          \
        fputc('\n', stderr);                                                                   \
        return;                                                                                \
    } while (0)

/* A fresh temporary directory (mkdtemp); the caller may remove it with tu_rmtree. */
static inline char *tu_tmpdir(void)
{
    char tmpl[] = "/tmp/rectic-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    ck_assert_ptr_nonnull(d);
    return strdup(d);
}

static inline void tu_rmtree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
}

/* Writes text to dir/name and returns the malloc'd path. */
static inline char *tu_write(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Runs a suite and returns the process exit status. */
static inline int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

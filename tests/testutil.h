/*
 * testutil.h -- helpers shared by the Check test programs.
 */
#ifndef RCT_TESTUTIL_H
#define RCT_TESTUTIL_H

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
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

/* Skips are recorded in a file (Check runs each test in a child process, so memory cannot carry them):
   one line per skip, "T name" for a whole test skipped (TU_SKIP), "P name" for a part of a test (one case of
   a list: tu_skip_part).  tu_run creates the file before the tests run and counts its lines afterwards. */
static char tu_skip_path[64];

/* The skip record's path, created on first use (before any test runs: tu_run calls it first). */
static inline const char *tu_skip_log(void)
{
    if (!tu_skip_path[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(tu_skip_path, sizeof tu_skip_path, "%s/rectic-skips-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        int fd = mkstemp(tu_skip_path);
        if (fd < 0) {
            fprintf(stderr, "cannot create the skip record %s: %s\n", tu_skip_path, strerror(errno));
            exit(EXIT_FAILURE);
        }
        close(fd);
    }
    return tu_skip_path;
}

/* Prints "SKIP name: reason" and records the skip (kind 'T': the whole test, 'P': a part of it); a test
   function's name is given without the "_fn" that Check's START_TEST appends. */
static inline void tu_skip_note(char kind, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline void tu_skip_note(char kind, const char *name, const char *fmt, ...)
{
    va_list ap;
    size_t len = strlen(name);
    if (len > 8 && strncmp(name, "test_", 5) == 0 && strcmp(name + len - 3, "_fn") == 0)
        len -= 3;
    fprintf(stderr, "SKIP %.*s: ", (int)len, name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    FILE *f = fopen(tu_skip_log(), "a");
    if (!f || fprintf(f, "%c %.*s\n", kind, (int)len, name) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot record the skip in %s\n", tu_skip_log());
        exit(EXIT_FAILURE); /* the test then fails: a skip is never lost */
    }
}

/* Prints why a test is skipped, records it and returns from the test function. */
#define TU_SKIP(...)                                                                           \
    do {                                                                                       \
        tu_skip_note('T', __func__, __VA_ARGS__);                                              \
        return;                                                                                \
    } while (0)

/* Prints and records that a part of a test (one case of a list) is skipped; the test goes on. */
#define tu_skip_part(name, ...) tu_skip_note('P', name, __VA_ARGS__)

/* Fills x with deterministic numbers in (-0.5, 0.5) * scale (a linear congruential sequence from seed). */
static inline void tu_fill(double *x, long count, double scale, uint64_t seed)
{
    for (long i = 0; i < count; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = ((double)(seed >> 11) / 9007199254740992.0 - 0.5) * scale;
    }
}

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

/* Whether this machine stores numbers little-endian (tu_write_npy's files are). */
static inline int tu_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* Writes rows x cols doubles as a little-endian float64 .npy (format 1.0); the malloc'd path. */
static inline char *tu_write_npy(const char *dir, const char *name, const double *d, long rows, long cols)
{
    char h[128], *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    int n = snprintf(h, sizeof h, "{'descr': '<f8', 'fortran_order': False, 'shape': (%ld, %ld), }", rows, cols);
    while ((10 + n + 1) % 64)
        h[n++] = ' ';
    h[n++] = '\n';
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)n, 0};
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert(fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, (size_t)n, f) == (size_t)n);
    ck_assert(fwrite(d, sizeof *d, (size_t)(rows * cols), f) == (size_t)(rows * cols));
    fclose(f);
    return path;
}

/* Whether /proc/self/maps lists path. */
static inline int tu_mapped(const char *path)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[8192];
    int found = 0;
    while (f && fgets(line, sizeof line, f))
        found |= strstr(line, path) != NULL;
    if (f)
        fclose(f);
    return found;
}

/* Counts the skips recorded: whole tests into *tests, parts of tests into *parts. */
static inline void tu_count_skips(int *tests, int *parts)
{
    char line[512];
    *tests = *parts = 0;
    FILE *f = fopen(tu_skip_log(), "r");
    while (f && fgets(line, sizeof line, f)) {
        *tests += line[0] == 'T';
        *parts += line[0] == 'P';
    }
    if (f)
        fclose(f);
}

/* Runs a suite: prints each failure (file:line: test: message), then the closing line
   "PROGRAM: N passed, M failed, K skipped" (K: tests skipped plus parts of tests skipped; N does not count
   the tests skipped), and returns the process exit status. */
static inline int tu_run(Suite *s)
{
    tu_skip_log();
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_SILENT);
    int run = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr), skip_tests, skip_parts;
    TestResult **res = srunner_failures(sr);
    for (int k = 0; k < failed; k++)
        printf("%s:%d: %s %s: %s\n", tr_lfile(res[k]), tr_lno(res[k]), tr_rtype(res[k]) == CK_ERROR ? "ERROR" : "FAIL",
               tr_tcname(res[k]), tr_msg(res[k]));
    free(res);
    srunner_free(sr);
    tu_count_skips(&skip_tests, &skip_parts);
    unlink(tu_skip_log());
    int passed = run - failed - skip_tests;
    printf("%s: %d passed, %d failed, %d skipped\n", program_invocation_short_name, passed < 0 ? 0 : passed, failed,
           skip_tests + skip_parts);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Runs the tests (count of them, Check's START_TEST names) as one suite `name`, each with a timeout of that
   many seconds; returns the process exit status (tu_run). */
static inline int tu_main(const char *name, int timeout, const TTest *const *tests, int count)
{
    Suite *s = suite_create(name);
    TCase *c = tcase_create(name);
    tcase_set_timeout(c, timeout);
    for (int k = 0; k < count; k++)
        tcase_add_test(c, tests[k]);
    suite_add_tcase(s, c);
    return tu_run(s);
}

/* A fresh compilation cache for --backend cc in XDG_CACHE_HOME (the caller removes it with tu_rmtree), or
   NULL when there is no C compiler (cc) on the PATH: the test is then skipped. */
static inline char *tu_fresh_cache(void)
{
    if (system("command -v cc >/dev/null 2>&1") != 0)
        return NULL;
    char *dir = tu_tmpdir();
    setenv("XDG_CACHE_HOME", dir, 1);
    return dir;
}

#endif

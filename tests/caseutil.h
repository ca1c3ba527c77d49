/*
 * caseutil.h -- reading the reference cases in the Check tests that run them through the library (testutil.h
 * stays free of rectic.h: its own test builds it alone).
 */
#ifndef RCT_CASEUTIL_H
#define RCT_CASEUTIL_H

#include "rectic.h"
#include "testutil.h"

/* A matrix read from a file (tu_load). */
typedef struct tu_mat {
    double *d;
    long rows, cols;
} tu_mat;

/* The directory of a reference case: ../shared/cases/NAME, else tests/data/cases/NAME, else NULL. */
static inline const char *tu_case_dir(const char *name)
{
    static char path[8300];
    const char *shared = tu_shared_dir();
    struct stat st;
    if (shared) {
        snprintf(path, sizeof path, "%s/cases/%s", shared, name);
        if (stat(path, &st) == 0)
            return path;
    }
    snprintf(path, sizeof path, "tests/data/cases/%s", name);
    return stat(path, &st) == 0 ? path : NULL;
}

/* Reads dir/file (CSV or .npy), failing the test with the reader's message. */
static inline tu_mat tu_load(const char *dir, const char *file)
{
    char path[4600];
    tu_mat m = {NULL, 0, 0};
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int rc = rectic_read_matrix(path, &m.d, &m.rows, &m.cols);
    ck_assert_msg(rc == RECTIC_OK, "%s", rectic_last_error());
    return m;
}

#endif

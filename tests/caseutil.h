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

/* A leaky-integrator network of n units whose output is its input variable: the recorded output (the x of
   a readout) is exactly the run's input rows (check_layers.c, check_rls.c). */
static inline rectic_net *tu_identity_net(long n)
{
    rectic_spec s;
    rectic_spec_init(&s);
    s.template_ref = "neuron_model_templates.rate_neurons.leaky_integrator.tanh";
    s.n = n;
    s.input_var = "li_op/I_ext";
    s.output_var = "li_op/I_ext";
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    return net;
}

#endif

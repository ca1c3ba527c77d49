/*
 * check_wload.c -- the passes that load weights into the kernel's layout (runtime/wload.c), against plain
 * loops written here: dense matrices larger than one block of lines (32 MiB), in C and Fortran order, from
 * an array, a .npy streamed and a .npy mapped for passes, into compressed rows and columns (float64 and
 * float32, with zeros, negative zeros and pruning), the two-pass fill, and the first non-finite entry.
 */
#include <math.h>
#include <stdint.h>

#include "network.h"
#include "testutil.h"
#include "wload.h"

#define ROWS 2300 /* targets */
#define COLS 1900 /* sources: 2300 x 1900 doubles are 35 MB, two blocks of lines either way */

/* Deterministic weights: a third 0, some -0, the rest in (-1, 1). */
static double *make_matrix(void)
{
    double *w = malloc(sizeof *w * ROWS * COLS);
    tu_fill(w, (long)ROWS * COLS, 2.0, 99);
    for (long k = 0; k < (long)ROWS * COLS; k++)
        if (k % 3 == 1)
            w[k] = k % 7 == 1 ? -0.0 : 0.0;
    return w;
}

/* The same matrix column by column (a Fortran-order source). */
static double *columns_of(const double *w)
{
    double *c = malloc(sizeof *c * ROWS * COLS);
    for (long i = 0; i < ROWS; i++)
        for (long j = 0; j < COLS; j++)
            c[j * ROWS + i] = w[i * COLS + j];
    return c;
}

/* Whether x is kept: nonzero and |x| > minw (minw < 0: all nonzero). */
static int kept(double x, double minw)
{
    return x != 0 && !(minw >= 0 && fabs(x) <= minw);
}

/* Compressed lines of w written by plain loops: by column (rows ascending) or by row; the count. */
typedef struct ref {
    long *ptr, count;
    int *idx;
    double *val;
} ref;

static ref reference(const double *w, int by_col, double minw)
{
    long major = by_col ? COLS : ROWS, minor = by_col ? ROWS : COLS;
    ref r = {calloc((size_t)major + 1, sizeof(long)), 0, malloc(sizeof(int) * ROWS * COLS),
             malloc(sizeof(double) * ROWS * COLS)};
    for (long a = 0; a < major; a++) {
        for (long b = 0; b < minor; b++) {
            double x = by_col ? w[b * COLS + a] : w[a * COLS + b];
            if (kept(x, minw)) {
                r.idx[r.count] = (int)b;
                r.val[r.count++] = x;
            }
        }
        r.ptr[a + 1] = r.count;
    }
    return r;
}

/* A network that only carries the type and the error (rows x cols set on the load). */
static rectic_net *bare_net(int f32)
{
    rectic_net *net = calloc(1, sizeof *net);
    net->f32 = f32;
    return net;
}

/* Checks compressed lines against the reference, values as doubles or floats. */
static void assert_same(const ref *r, int by_col, int f32, const long *ptr, const int *idx, const void *val,
                        long count, const char *what)
{
    long major = by_col ? COLS : ROWS;
    ck_assert_msg(count == r->count, "%s: %ld entries, expected %ld", what, count, r->count);
    ck_assert_msg(memcmp(ptr, r->ptr, sizeof(long) * (size_t)(major + 1)) == 0, "%s: line starts differ", what);
    ck_assert_msg(memcmp(idx, r->idx, sizeof(int) * (size_t)count) == 0, "%s: indices differ", what);
    long k = 0; /* the first value that differs (an assertion per value would be slow: Check logs each) */
    double got = 0, want = 0;
    for (; k < count; k++) {
        got = f32 ? (double)((const float *)val)[k] : ((const double *)val)[k];
        want = f32 ? (double)(float)r->val[k] : r->val[k];
        if (memcmp(&got, &want, sizeof got) != 0)
            break;
    }
    ck_assert_msg(k == count, "%s: value %ld is %.17g, expected %.17g", what, k, got, want);
}

/* Loads src in one pass into compressed lines and checks them against r. */
static void check_one_pass(rct_wsrc *src, const ref *r, int by_col, int f32, double minw, const char *what)
{
    rectic_net *net = bare_net(f32);
    rct_wload L = {net, src, minw, NULL, NULL, 0, 0, 0, 0, ROWS, COLS, "test"};
    long *ptr, count;
    int *idx;
    void *val;
    ck_assert_msg(rct_wload_dense_compressed(&L, by_col, &ptr, &idx, &val, &count) == 0, "%s: %s", what, net->err.msg);
    assert_same(r, by_col, f32, ptr, idx, val, count, what);
    free(ptr);
    free(idx);
    free(val);
    free(net);
}

START_TEST(test_one_pass_into_rows_and_columns_equals_plain_loops_for_every_source)
{
    double *w = make_matrix(), *c = columns_of(w);
    char *dir = tu_tmpdir(), *path = tu_write_npy(dir, "w.npy", w, ROWS, COLS), what[96];
    const double minws[] = {-1, 0.05};
    for (int m = 0; m < 2; m++)
        for (int by_col = 0; by_col < 2; by_col++) {
            ref r = reference(w, by_col, minws[m]);
            for (int from = 0; from < 4; from++) /* array, Fortran-order array, .npy streamed, .npy mapped */
                for (int f32 = 0; f32 < 2; f32++) {
                    rct_wsrc s;
                    rct_err err = {0};
                    if (from < 2)
                        rct_wsrc_array(&s, from ? c : w, ROWS, COLS, "weights");
                    else
                        ck_assert_int_eq(rct_wsrc_open(&s, path, from == 2 ? RCT_WSRC_STREAM : RCT_WSRC_PASS, 0, 0, &err), 0);
                    s.fortran = from == 1;
                    snprintf(what, sizeof what, "minw %g, by_col %d, source %d, f32 %d", minws[m], by_col, from, f32);
                    check_one_pass(&s, &r, by_col, f32, minws[m], what);
                    ck_assert_msg(from != 3 || s.map, "%s: the file is not mapped", what);
                    rct_wsrc_close(&s);
                }
            free(r.ptr);
            free(r.idx);
            free(r.val);
        }
    tu_rmtree(dir);
    free(dir);
    free(path);
    free(w);
    free(c);
}
END_TEST

START_TEST(test_two_passes_into_columns_and_a_transposed_matrix_equal_plain_loops)
{
    double *w = make_matrix(), *c = columns_of(w);
    ref r = reference(w, 1, -1);
    rectic_net *net = bare_net(0);
    rct_wsrc s;
    rct_wsrc_array(&s, w, ROWS, COLS, "weights");
    rct_wload L = {net, &s, -1, NULL, NULL, 0, 0, 0, 0, ROWS, COLS, "test"};
    long *row_cnt = calloc(ROWS, sizeof(long)), *col_cnt = calloc(COLS, sizeof(long)), kept_all;
    int exact;
    ck_assert_int_eq(rct_wload_dense_scan(&L, row_cnt, col_cnt, &kept_all, &exact), 0);
    ck_assert_int_eq(kept_all, r.count);
    ck_assert_int_eq(exact, 0); /* the negative zeros */
    long j = 0;
    while (j < COLS && col_cnt[j] == r.ptr[j + 1] - r.ptr[j])
        j++;
    ck_assert_msg(j == COLS, "column %ld: %ld entries counted", j, j < COLS ? col_cnt[j] : 0);
    long *next = malloc(sizeof(long) * COLS);
    memcpy(next, r.ptr, sizeof(long) * COLS);
    int *idx = malloc(sizeof(int) * (size_t)r.count);
    double *val = malloc(sizeof(double) * (size_t)r.count), *cols = malloc(sizeof(double) * ROWS * COLS);
    ck_assert_int_eq(rct_wload_dense_fill(&L, NULL, cols, next, idx, val, 1), 0);
    assert_same(&r, 1, 0, r.ptr, idx, val, r.count, "two passes");
    long k = 0; /* the transposed matrix holds +0 for every dropped entry */
    for (double want = 0; k < (long)ROWS * COLS; k++)
        if (want = kept(c[k], -1) ? c[k] : 0.0, memcmp(&cols[k], &want, sizeof want) != 0)
            break;
    ck_assert_msg(k == (long)ROWS * COLS, "column entry %ld: %g", k, k < (long)ROWS * COLS ? cols[k] : 0);
    free(row_cnt);
    free(col_cnt);
    free(next);
    free(idx);
    free(val);
    free(cols);
    free(r.ptr);
    free(r.idx);
    free(r.val);
    free(net);
    free(w);
    free(c);
}
END_TEST

START_TEST(test_the_first_entry_not_finite_in_the_source_order_is_named)
{
    double *w = make_matrix();
    w[2250L * COLS + 7] = NAN;       /* in the second block of lines */
    w[2240L * COLS + 1500] = INFINITY; /* before it in the source's order, a later column */
    for (int by_col = 0; by_col < 2; by_col++) {
        rectic_net *net = bare_net(0);
        rct_wsrc s;
        rct_wsrc_array(&s, w, ROWS, COLS, "w.npy");
        rct_wload L = {net, &s, -1, NULL, NULL, 0, 0, 0, 0, ROWS, COLS, NULL};
        long *ptr, count;
        int *idx;
        void *val;
        ck_assert_int_eq(rct_wload_dense_compressed(&L, by_col, &ptr, &idx, &val, &count), RECTIC_EINVAL);
        ck_assert_str_eq(net->err.msg, "--weights: w.npy: entry at row 2241, column 1501 is infinite: weights must "
                                       "be finite numbers");
        ck_assert_ptr_null(ptr);
        free(net);
    }
    free(w);
}
END_TEST

int main(void)
{
    const uint16_t one = 1;
    if (*(const unsigned char *)&one != 1) {
        puts("skip: check_wload writes little-endian .npy files");
        return 0;
    }
    const TTest *tests[] = {test_one_pass_into_rows_and_columns_equals_plain_loops_for_every_source,
                            test_two_passes_into_columns_and_a_transposed_matrix_equal_plain_loops,
                            test_the_first_entry_not_finite_in_the_source_order_is_named};
    return tu_main("wload", 120, tests, 3);
}

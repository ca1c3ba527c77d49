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

static ref compress(const double *w, long rows, long cols, int by_col, double minw)
{
    long major = by_col ? cols : rows, minor = by_col ? rows : cols;
    ref r = {calloc((size_t)major + 1, sizeof(long)), 0, malloc(sizeof(int) * (size_t)(rows * cols)),
             malloc(sizeof(double) * (size_t)(rows * cols))};
    for (long a = 0; a < major; a++) {
        for (long b = 0; b < minor; b++) {
            double x = by_col ? w[b * cols + a] : w[a * cols + b];
            if (kept(x, minw)) {
                r.idx[r.count] = (int)b;
                r.val[r.count++] = x;
            }
        }
        r.ptr[a + 1] = r.count;
    }
    return r;
}

/* compress for the ROWS x COLS matrix. */
static ref reference(const double *w, int by_col, double minw)
{
    return compress(w, ROWS, COLS, by_col, minw);
}

/* A network that only carries the type and the error (rows x cols set on the load). */
static rectic_net *bare_net(int f32)
{
    rectic_net *net = calloc(1, sizeof *net);
    net->f32 = f32;
    return net;
}

/* Checks major compressed lines against the reference, values as doubles or floats. */
static void assert_same_n(const ref *r, long major, int f32, const long *ptr, const int *idx, const void *val,
                          long count, const char *what)
{
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

/* assert_same_n for the dense matrix of ROWS x COLS. */
static void assert_same(const ref *r, int by_col, int f32, const long *ptr, const int *idx, const void *val,
                        long count, const char *what)
{
    assert_same_n(r, by_col ? COLS : ROWS, f32, ptr, idx, val, count, what);
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
        ck_assert_str_eq(net->err.msg, "spec.weights: w.npy: entry at row 2241, column 1501 is infinite: weights must "
                                       "be finite numbers");
        ck_assert_ptr_null(ptr);
        free(net);
    }
    free(w);
}
END_TEST

/* The process's resident pages of files (RssFile of /proc/self/status), in KiB; -1 when unknown. */
static long rss_file_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RssFile: %ld", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

START_TEST(test_a_file_mapped_for_passes_keeps_about_one_chunk_resident)
{
    double *w = make_matrix();
    char *dir = tu_tmpdir(), *path = tu_write_npy(dir, "w.npy", w, ROWS, COLS);
    rct_wsrc s;
    rct_err err = {0};
    ck_assert_int_eq(rct_wsrc_open(&s, path, RCT_WSRC_PASS, 0, 0, &err), 0);
    long before = rss_file_kib(), most = 0;
    if (before < 0)
        TU_SKIP("no RssFile in /proc/self/status");
    const double *c;
    size_t k;
    double sum = 0;
    for (int pass = 0; pass < 2; pass++) { /* two passes, as the COO load makes */
        ck_assert_int_eq(rct_wsrc_rewind(&s, &err), 0);
        while (rct_wsrc_next(&s, &c, &k, &err) == 0 && k) {
            for (size_t e = 0; e < k; e++)
                sum += c[e];
            long now = rss_file_kib() - before;
            most = now > most ? now : most;
        }
    }
    ck_assert_msg(sum == sum, "the data were read");
    /* a chunk is 8 MiB of the 35 MB file: at most two chunks' pages at once, never the whole file */
    ck_assert_msg(most < 17 * 1024, "%ld KiB of the file resident at once", most);
    ck_assert_msg(most > 4 * 1024, "%ld KiB: the chunks were not faulted in", most);
    rct_wsrc_close(&s);
    tu_rmtree(dir);
    free(dir);
    free(path);
    free(w);
}
END_TEST

#define CT 4200 /* COO targets: more than 2048, so that rows are placed by groups of two */
#define CS 2100 /* COO sources */

/* COO rows (target, source, weight) into coo (room for 3 * 600000 numbers): ~60 random sources per target,
   every 10th entry repeated later, pairs that cancel (w, -w), a few long rows (bucketed), one of them in
   a narrow range of sources (long buckets), negative zeros; targets in order, or shuffled.  The count. */
static long make_coo(double *coo, int shuffled)
{
    uint64_t x = 7;
    long k = 0;
    for (long t = 0; t < CT; t++) {
        long len = t % 211 == 5 ? 5000 : 60, lo = t == 5 ? 700 : 0, span = t == 5 ? 40 : CS;
        for (long e = 0; e < len; e++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            double w = (double)(x >> 11) / 9007199254740992.0 - 0.5;
            long src = lo + (long)((x >> 20) % (uint64_t)span);
            coo[3 * k] = (double)t, coo[3 * k + 1] = (double)src, coo[3 * k + 2] = e % 50 == 3 ? -0.0 : w, k++;
            if (e % 10 == 0) /* a duplicate, or a pair that cancels */
                coo[3 * k] = (double)t, coo[3 * k + 1] = (double)src, coo[3 * k + 2] = e % 20 ? 0.25 * w : -w, k++;
        }
    }
    for (long a = k - 1; shuffled && a > 0; a--) { /* Fisher-Yates over whole rows of the file */
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        long b = (long)((x >> 11) % (uint64_t)(a + 1));
        for (int c = 0; c < 3; c++) {
            double t = coo[3 * a + c];
            coo[3 * a + c] = coo[3 * b + c];
            coo[3 * b + c] = t;
        }
    }
    return k;
}

/* The reference: the entries summed into a dense matrix in the file's order (0 + w is w, bit for bit), then
   compressed by plain loops. */
static ref coo_reference(const double *coo, long k, int by_col, double minw)
{
    double *d = calloc(CT * CS, sizeof *d);
    for (long e = 0; e < k; e++)
        d[(long)coo[3 * e] * CS + (long)coo[3 * e + 1]] += coo[3 * e + 2];
    ref r = compress(d, CT, CS, by_col, minw);
    free(d);
    return r;
}

START_TEST(test_coo_rows_in_any_order_with_duplicates_equal_a_summed_matrix)
{
    static double coo[3 * 600000];
    char *dir = tu_tmpdir(), what[96];
    for (int shuffled = 0; shuffled < 2; shuffled++) {
        long k = make_coo(coo, shuffled);
        ck_assert_int_lt(k, 600000);
        char *path = tu_write_npy(dir, shuffled ? "s.npy" : "o.npy", coo, k, 3);
        for (int by_col = 0; by_col < 2; by_col++)
            for (int m = 0; m < 2; m++) {
                double minw = m ? 0.05 : -1;
                ref r = coo_reference(coo, k, by_col, minw);
                for (int from = 0; from < 2; from++) { /* the array, the .npy mapped for passes */
                    rectic_net *net = bare_net(0);
                    rct_wsrc s;
                    rct_err err = {0};
                    if (from)
                        ck_assert_int_eq(rct_wsrc_open(&s, path, RCT_WSRC_PASS, 0, 3, &err), 0);
                    else
                        rct_wsrc_array(&s, coo, k, 3, "weights_coo");
                    rct_wload L = {net, &s, minw, NULL, NULL, 0, 0, 0, 0, CT, CS, "test"};
                    long n = 0, *ptr, count;
                    int *idx;
                    double *val;
                    snprintf(what, sizeof what, "shuffled %d, by_col %d, minw %g, source %d", shuffled, by_col, minw, from);
                    ck_assert_msg(rct_wload_coo(&L, by_col, &n, &ptr, &idx, &val, &count) == 0, "%s: %s", what, net->err.msg);
                    ck_assert_int_eq(n, by_col ? CS : CT);
                    assert_same_n(&r, by_col ? CS : CT, 0, ptr, idx, val, count, what);
                    free(ptr);
                    free(idx);
                    free(val);
                    rct_wsrc_close(&s);
                    free(net);
                }
                free(r.ptr);
                free(r.idx);
                free(r.val);
            }
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    if (!tu_little_endian())
        return puts("skip: check_wload writes little-endian .npy files"), 0;
    const TTest *tests[] = {test_one_pass_into_rows_and_columns_equals_plain_loops_for_every_source,
                            test_two_passes_into_columns_and_a_transposed_matrix_equal_plain_loops,
                            test_the_first_entry_not_finite_in_the_source_order_is_named,
                            test_coo_rows_in_any_order_with_duplicates_equal_a_summed_matrix,
                            test_a_file_mapped_for_passes_keeps_about_one_chunk_resident};
    return tu_main("wload", 120, tests, 5);
}

/*
 * check_wpart.c -- reading sparse weights in one pass when they come in target order (issue 15), and a
 * process's part of a weight file (issue 18: runtime/wsource.c's parts, runtime/wload_coo.c's kept targets,
 * runtime/io_csv.c's part of the rows), against plain loops written here: COO entries with duplicates and
 * pairs that cancel summed in file order, from an array and a .npy mapped for passes; dense rows from a
 * .npy mapped and streamed and from CSV.
 */
#include <math.h>
#include <stdint.h>

#include "mpi.h"
#include "network.h"
#include "testutil.h"
#include "wload.h"
#include "wpart.h"

#define NN 3000 /* neurons of the sparse weights */
#define MAXE (NN * 40)

/* The next number of a deterministic sequence. */
static uint64_t next(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 11;
}

/* COO rows (target, source, weight) into coo: ~25 random sources per target, in target order, sources in
   any order, every 8th entry repeated later in its row (a quarter of it, or its negative: a pair that
   cancels); then, from entry `from_shuffled` on, the rows shuffled (the count of rows: no shuffle).  The
   count. */
static long make_coo(double *coo, long from_shuffled)
{
    uint64_t x = 11;
    long k = 0;
    for (long t = 0; t < NN; t++)
        for (long e = 0; e < 25; e++) {
            double w = (double)next(&x) / 9007199254740992.0 - 0.5;
            long src = (long)(next(&x) % NN);
            coo[3 * k] = (double)t, coo[3 * k + 1] = (double)src, coo[3 * k + 2] = w, k++;
            if (e % 8 == 0)
                coo[3 * k] = (double)t, coo[3 * k + 1] = (double)src, coo[3 * k + 2] = e % 16 ? 0.25 * w : -w, k++;
        }
    for (long a = k - 1; a > from_shuffled; a--) { /* Fisher-Yates over the rows from from_shuffled on */
        long b = from_shuffled + (long)(next(&x) % (uint64_t)(a - from_shuffled + 1));
        for (int c = 0; c < 3; c++) {
            double t = coo[3 * a + c];
            coo[3 * a + c] = coo[3 * b + c];
            coo[3 * b + c] = t;
        }
    }
    return k;
}

/* The reference: entries summed into a dense matrix in the file's order, then the nonzero ones of row
   (by_col 0) or column (1) `line` in index order, into idx/val; their count. */
static long reference_line(const double *dense, int by_col, long line, int *idx, double *val)
{
    long c = 0;
    for (long m = 0; m < NN; m++) {
        double x = by_col ? dense[m * NN + line] : dense[line * NN + m];
        if (x != 0)
            idx[c] = (int)m, val[c++] = x;
    }
    return c;
}

/* The COO entries summed into an NN x NN matrix in file order (0 + w is w, bit for bit). */
static double *summed(const double *coo, long k)
{
    double *d = calloc((size_t)NN * NN, sizeof *d);
    for (long e = 0; e < k; e++)
        d[(long)coo[3 * e] * NN + (long)coo[3 * e + 1]] += coo[3 * e + 2];
    return d;
}

/* Checks compressed lines against the summed matrix: the lines of targets (by_col 0) or the entries onto
   targets (1) in lo .. hi-1 as the reference, nothing else. */
static void assert_lines(const double *dense, int by_col, long lo, long hi, const long *ptr, const int *idx,
                         const double *val, long count, const char *what)
{
    int ri[NN];
    double rv[NN];
    long at = 0;
    for (long line = 0; line < NN; line++) {
        long c = reference_line(dense, by_col, line, ri, rv), kept = 0;
        for (long e = 0; e < c; e++) /* the entries onto this part's targets */
            if ((by_col ? ri[e] : line) >= lo && (by_col ? ri[e] : line) < hi)
                ri[kept] = ri[e], rv[kept++] = rv[e];
        ck_assert_msg(ptr[line] == at && ptr[line + 1] - ptr[line] == kept, "%s: line %ld holds %ld entries, expected %ld",
                      what, line, ptr[line + 1] - ptr[line], kept);
        ck_assert_msg(memcmp(idx + at, ri, sizeof *ri * (size_t)kept) == 0, "%s: line %ld: indices differ", what, line);
        ck_assert_msg(memcmp(val + at, rv, sizeof *rv * (size_t)kept) == 0, "%s: line %ld: values differ", what, line);
        at += kept;
    }
    ck_assert_int_eq(count, at);
}

/* Loads sparse weights from s (n given or 0) and checks them; *reads: the passes begun over s. */
static void load_and_check(rct_wsrc *s, const double *dense, int by_col, long n, long lo, long hi, int *reads,
                           const char *what)
{
    rectic_net *net = calloc(1, sizeof *net);
    rct_wload L = {net, s, -1, NULL, NULL, 0, 0, 0, 0, 0, 0, "test"};
    long *ptr, count;
    int *idx;
    double *val;
    ck_assert_msg(rct_wload_coo(&L, by_col, &n, &ptr, &idx, &val, &count) == 0, "%s: %s", what, net->err.msg);
    ck_assert_int_eq(n, NN);
    assert_lines(dense, by_col, lo, hi, ptr, idx, val, count, what);
    *reads = s->reads;
    free(ptr);
    free(idx);
    free(val);
    free(net);
}

/* A COO file for a test: its entries (make_coo), the matrix they sum to, and the .npy written. */
typedef struct coo_file {
    long k;
    double *dense;
    char *dir, *path;
} coo_file;

/* Writes make_coo(coo, from_shuffled) as a .npy of a fresh folder. */
static coo_file coo_file_make(double *coo, long from_shuffled)
{
    coo_file f;
    f.k = make_coo(coo, from_shuffled);
    ck_assert_int_lt(f.k, MAXE);
    f.dense = summed(coo, f.k);
    f.dir = tu_tmpdir();
    f.path = tu_write_npy(f.dir, "coo.npy", coo, f.k, 3);
    return f;
}

/* Removes the file and its folder. */
static void coo_file_free(coo_file *f)
{
    free(f->dense);
    free(f->path);
    tu_rmtree(f->dir);
    free(f->dir);
}

/* Opens the file (mapped for passes) as a whole source, or its part `part` of `parts` (parts > 1). */
static void open_coo(rct_wsrc *s, const coo_file *f, int parts, int part)
{
    rct_err err = {0, ""};
    int rc = parts > 1 ? rct_wsrc_open_part(s, f->path, RCT_WSRC_PASS, 0, 3, parts, part, 32, &err)
                       : rct_wsrc_open(s, f->path, RCT_WSRC_PASS, 0, 3, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
}

START_TEST(test_coo_in_target_order_is_read_once_and_sums_duplicates_in_file_order)
{
    static double coo[3 * MAXE];
    coo_file f = coo_file_make(coo, MAXE);
    char what[80];
    for (int from = 0; from < 2; from++)
        for (long n = 0; n <= NN; n += NN) { /* n unknown (from the file), given */
            rct_wsrc s;
            if (from)
                open_coo(&s, &f, 1, 0);
            else
                rct_wsrc_array(&s, coo, f.k, 3, "weights_coo");
            int reads = 0;
            snprintf(what, sizeof what, "source %d, n %ld", from, n);
            load_and_check(&s, f.dense, 0, n, 0, NN, &reads, what);
            ck_assert_msg(reads == 1 && s.delivered == (size_t)f.k * 3, "%s: %d passes, %zu values", what, reads,
                          s.delivered);
            rct_wsrc_close(&s);
        }
    coo_file_free(&f);
}
END_TEST

START_TEST(test_a_file_out_of_order_after_a_sorted_prefix_takes_the_two_passes_with_the_same_result)
{
    static double coo[3 * MAXE];
    coo_file f = coo_file_make(coo, 40000); /* the first 40000 entries in target order, the rest shuffled */
    for (int by_col = 0; by_col < 2; by_col++) { /* (by source: target order is no order) */
        rct_wsrc s;
        open_coo(&s, &f, 1, 0);
        int reads = 0;
        load_and_check(&s, f.dense, by_col, 0, 0, NN, &reads, by_col ? "by source" : "by target");
        ck_assert_int_eq(reads, 3); /* the one pass stopped where the order broke, then two passes */
        rct_wsrc_close(&s);
    }
    coo_file_free(&f);
}
END_TEST

START_TEST(test_a_part_of_sparse_weights_keeps_the_entries_onto_its_targets_only)
{
    static double coo[3 * MAXE];
    char what[96];
    for (int shuffled = 0; shuffled < 2; shuffled++) {
        coo_file f = coo_file_make(coo, shuffled ? 0 : MAXE);
        for (int by_col = 0; by_col < 2; by_col++)
            for (long n = 0; n <= NN; n += NN)
                for (int part = 0; part < 3; part++) {
                    rct_wsrc s;
                    long lo, hi;
                    rct_mpi_block(NN, 3, part, &lo, &hi);
                    open_coo(&s, &f, 3, part);
                    int reads = 0;
                    snprintf(what, sizeof what, "shuffled %d, by_col %d, n %ld, part %d", shuffled, by_col, n, part);
                    load_and_check(&s, f.dense, by_col, n, lo, hi, &reads, what);
                    ck_assert_msg(s.lo == lo && s.hi == hi, "%s: kept %ld .. %ld", what, s.lo, s.hi);
                    rct_wsrc_close(&s);
                }
        coo_file_free(&f);
    }
}
END_TEST

START_TEST(test_parts_balanced_by_synapses_hold_about_equal_costs_and_the_entries_onto_their_targets)
{
    static double coo[3 * MAXE];
    long k = 0, cnt[NN] = {0};
    uint64_t x = 5;
    for (long t = 0; t < NN; t++) /* the first quarter of the targets has 10 times the entries of the rest */
        for (long e = 0; e < (t < NN / 4 ? 30 : 3); e++, k++) {
            coo[3 * k] = (double)t, coo[3 * k + 1] = (double)(next(&x) % NN);
            coo[3 * k + 2] = (double)next(&x) / 9007199254740992.0 - 0.5;
            cnt[t]++;
        }
    double *dense = summed(coo, k), total = (double)k + NN;
    char *dir = tu_tmpdir(), *path = tu_write_npy(dir, "skew.npy", coo, k, 3), what[64];
    for (int by_col = 0; by_col < 2; by_col++)
        for (long n = 0; n <= NN; n += NN) {
            long end = 0;
            for (int part = 0; part < 4; part++) {
                rct_wsrc s;
                rct_err err = {0, ""};
                ck_assert_int_eq(rct_wsrc_open_part(&s, path, RCT_WSRC_PASS, 0, 3, 4, part, 32, &err), 0);
                s.balance = 1;
                snprintf(what, sizeof what, "by_col %d, n %ld, part %d", by_col, n, part);
                rectic_net *net = calloc(1, sizeof *net);
                rct_wload L = {net, &s, -1, NULL, NULL, 0, 0, 0, 0, 0, 0, "test"};
                long nn = n, *ptr, count;
                int *idx;
                double *val;
                ck_assert_msg(rct_wload_coo(&L, by_col, &nn, &ptr, &idx, &val, &count) == 0, "%s: %s", what, net->err.msg);
                ck_assert_msg(s.bounds && s.bounds[0] == 0 && s.bounds[4] == NN && s.lo == end &&
                              s.lo == s.bounds[part] && s.hi == s.bounds[part + 1], "%s: part %ld .. %ld", what, s.lo, s.hi);
                double cost = 0;
                for (long t = s.lo; t < s.hi; t++)
                    cost += (double)cnt[t] + 1;
                ck_assert_msg(fabs(cost - total / 4) <= 31, "%s: cost %g, a quarter of %g", what, cost, total);
                assert_lines(dense, by_col, s.lo, s.hi, ptr, idx, val, count, what);
                end = s.hi;
                free(ptr), free(idx), free(val), free(net);
                rct_wsrc_close(&s);
            }
        }
    free(dense);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_balanced_bounds_cut_before_the_unit_that_passes_each_share_and_owners_follow_them)
{
    /* costs 1 + cnt: 10 2 2 2 2 2 (total 20; running sums 10 12 14 16 18 20; shares 5 10 15 for the first
       three of 4 parts): a part ends at the first unit that would take the sum past its share: unit 0
       alone passes 5 (part 0 empty), the sum 10 reaches 10 (part 1: unit 0), 14 stays within 15 (part 2:
       units 1, 2), the rest is part 3's */
    const long cnt[6] = {9, 1, 1, 1, 1, 1};
    long b[5];
    rct_wpart_balance(cnt, 6, 4, b);
    const long want[5] = {0, 0, 1, 3, 6};
    for (int r = 0; r <= 4; r++)
        ck_assert_msg(b[r] == want[r], "bound %d: %ld, expected %ld", r, b[r], want[r]);
    /* (an empty part owns nothing: unit 0 is part 1's, the last of those starting at 0) */
    const int owner[6] = {1, 2, 2, 3, 3, 3};
    for (long t = 0; t < 6; t++)
        ck_assert_msg(rct_mpi_owner(b, 4, t) == owner[t], "unit %ld: part %d, expected %d", t,
                      rct_mpi_owner(b, 4, t), owner[t]);
    const long even[7] = {1, 1, 1, 1, 1, 1, 1}; /* equal costs 2 (total 14, shares 4.67, 9.33): 2, 2, 3 units */
    long e[4];
    rct_wpart_balance(even, 7, 3, e);
    ck_assert_msg(e[0] == 0 && e[1] == 2 && e[2] == 4 && e[3] == 7, "%ld %ld %ld %ld", e[0], e[1], e[2], e[3]);
    ck_assert_int_eq(rct_mpi_owner(e, 3, 1), 0);
    ck_assert_int_eq(rct_mpi_owner(e, 3, 2), 1);
    ck_assert_int_eq(rct_mpi_owner(e, 3, 6), 2);
}
END_TEST

#define DN 100 /* rows and columns of the dense weights */

/* Reads every chunk of s; checks they are rows lo .. hi-1 of w and that no other value was delivered. */
static void assert_rows(rct_wsrc *s, const double *w, long lo, long hi, const char *what)
{
    rct_err err = {0, ""};
    const double *c;
    size_t k, at = (size_t)lo * DN;
    ck_assert_msg(s->lo == lo && s->hi == hi, "%s: rows %ld .. %ld, expected %ld .. %ld", what, s->lo, s->hi, lo, hi);
    for (int pass = 0; pass < 2; pass++, at = (size_t)lo * DN) { /* and again after a rewind */
        ck_assert_int_eq(rct_wsrc_rewind(s, &err), 0);
        while (rct_wsrc_next(s, &c, &k, &err) == 0 && k) {
            ck_assert_msg(memcmp(c, w + at, k * sizeof *c) == 0, "%s: values at %zu differ", what, at);
            at += k;
        }
        ck_assert_msg(at == (size_t)hi * DN, "%s: delivered up to %zu, expected %ld", what, at, hi * DN);
    }
    ck_assert_uint_eq(s->delivered, 2 * (size_t)(hi - lo) * DN);
}

START_TEST(test_a_part_of_dense_weights_delivers_its_rows_and_leaves_the_others_unparsed)
{
    double *w = malloc(sizeof *w * DN * DN);
    tu_fill(w, DN * DN, 2.0, 5);
    char *dir = tu_tmpdir(), *npy = tu_write_npy(dir, "w.npy", w, DN, DN), what[64];
    rct_buf b;
    rct_buf_init(&b);
    for (long i = 0; i < DN; i++)
        for (long j = 0; j < DN; j++)
            rct_buf_printf(&b, "%.17g%s", w[i * DN + j], j + 1 < DN ? "," : i == 70 ? "\n# a comment\n\n" : "\n");
    char *csv = tu_write(dir, "w.csv", b.s);
    rct_buf_free(&b);
    for (int part = 0; part < 4; part++) {
        long lo, hi;
        rct_mpi_block(DN, 4, part, &lo, &hi);
        for (int map = 0; map < 3; map++) { /* streamed, mapped whole, mapped for passes */
            rct_wsrc s;
            rct_err err = {0, ""};
            ck_assert_int_eq(rct_wsrc_open_part(&s, npy, map, 1, 0, 4, part, 32, &err), 0);
            snprintf(what, sizeof what, ".npy, map %d, part %d", map, part);
            assert_rows(&s, w, lo, hi, what);
            rct_wsrc_close(&s);
        }
        rct_wsrc s;
        rct_err err = {0, ""};
        ck_assert_int_eq(rct_wsrc_open_part(&s, csv, 0, 1, 0, 4, part, 32, &err), 0);
        ck_assert_int_eq(s.rows, DN);
        snprintf(what, sizeof what, "CSV, part %d", part);
        assert_rows(&s, w, lo, hi, what);
        rct_wsrc_close(&s);
    }
    /* a bad number in row 81 (a row of part 2: rows 67 .. 99): parts 0 and 1 never parse it; part 2 names it */
    rct_buf_init(&b);
    for (long i = 0; i < DN; i++)
        for (long j = 0; j < DN; j++)
            rct_buf_printf(&b, "%s%s", i == 80 && j == 3 ? "x1" : "0.5", j + 1 < DN ? "," : "\n");
    char *bad = tu_write(dir, "bad.csv", b.s);
    rct_buf_free(&b);
    for (int part = 0; part < 3; part++) {
        rct_wsrc s;
        rct_err err = {0, ""};
        int rc = rct_wsrc_open_part(&s, bad, 0, 1, 0, 3, part, 32, &err);
        if (part < 2)
            ck_assert_msg(rc == 0, "part %d: %s", part, err.msg);
        else
            ck_assert_msg(rc == RECTIC_ESYNTAX && strstr(err.msg, "bad.csv:81:"), "part 2: %s", err.msg);
        rct_wsrc_close(&s);
    }
    free(bad);
    free(csv);
    free(npy);
    free(w);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    if (!tu_little_endian())
        return puts("skip: check_wpart writes little-endian .npy files"), 0;
    const TTest *tests[] = {test_coo_in_target_order_is_read_once_and_sums_duplicates_in_file_order,
                            test_a_file_out_of_order_after_a_sorted_prefix_takes_the_two_passes_with_the_same_result,
                            test_a_part_of_sparse_weights_keeps_the_entries_onto_its_targets_only,
                            test_parts_balanced_by_synapses_hold_about_equal_costs_and_the_entries_onto_their_targets,
                            test_a_part_of_dense_weights_delivers_its_rows_and_leaves_the_others_unparsed,
                            test_balanced_bounds_cut_before_the_unit_that_passes_each_share_and_owners_follow_them};
    return tu_main("wpart", 120, tests, 6);
}

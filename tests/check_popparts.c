/*
 * check_popparts.c -- what an MPI rank reads of a projection's weights in a network of populations (issue 18
 * scope 2): the rows of its targets of a rectangular dense matrix (.npy streamed and mapped, CSV with the
 * other rows unparsed: runtime/wsource.c's rct_wsrc_open_rows, runtime/io_csv.c's rct_csv_read_rows), the
 * COO entries onto its targets of a rectangular matrix (runtime/wload_coo.c), and the blocks of about equal
 * cost (runtime/mpi_pop.c's rct_mpi_balance), against values written here.
 */
#include "mpi.h"
#include "mpi_pop.h"
#include "network.h"
#include "testutil.h"
#include "wload.h"
#include "wsource.h"

#define ROWS 29 /* targets of the rectangular matrices */
#define COLS 13 /* sources */

/* Checks that s delivers exactly rows lo .. hi-1 of w (ROWS x COLS), and reads nothing else. */
static void assert_rows(rct_wsrc *s, const double *w, long lo, long hi, const char *what)
{
    const double *c;
    size_t k, at = (size_t)lo * COLS;
    rct_err err = {0, ""};
    ck_assert_msg(s->rows == ROWS && s->cols == COLS && s->lo == lo && s->hi == hi, "%s: %ld x %ld, rows %ld .. %ld",
                  what, s->rows, s->cols, s->lo, s->hi);
    while (rct_wsrc_next(s, &c, &k, &err) == 0 && k) {
        ck_assert_msg(memcmp(c, w + at, k * sizeof *c) == 0, "%s: values from element %zu differ", what, at);
        at += k;
    }
    ck_assert_msg(at == (size_t)hi * COLS && s->delivered == (size_t)(hi - lo) * COLS, "%s: %zu values delivered", what,
                  s->delivered);
}

START_TEST(test_a_rank_reads_only_its_rows_of_a_rectangular_dense_file)
{
    double w[ROWS * COLS];
    tu_fill(w, ROWS * COLS, 3.0, 7);
    char *dir = tu_tmpdir(), *npy = tu_write_npy(dir, "w.npy", w, ROWS, COLS), what[64];
    rct_buf b;
    rct_buf_init(&b);
    for (long i = 0; i < ROWS; i++) /* row 3 (line 4) holds a word: only a part that holds it parses it */
        for (long j = 0; j < COLS; j++)
            rct_buf_printf(&b, "%s%.17g%s", i == 3 && j == 5 ? "x" : "", w[i * COLS + j], j + 1 < COLS ? "," : "\n");
    char *csv = tu_write(dir, "w.csv", b.s);
    rct_buf_free(&b);
    const long parts[][2] = {{0, 1}, {4, 11}, {11, 29}, {29, 29}};
    for (int p = 0; p < 4; p++) {
        long lo = parts[p][0], hi = parts[p][1];
        for (int map = 0; map < 3; map++) { /* streamed, mapped whole, mapped for passes */
            rct_wsrc s;
            rct_err err = {0, ""};
            ck_assert_msg(rct_wsrc_open_rows(&s, npy, map, lo, hi, &err) == 0, "%s", err.msg);
            snprintf(what, sizeof what, ".npy, map %d, rows %ld .. %ld", map, lo, hi);
            assert_rows(&s, w, lo, hi, what);
            rct_wsrc_close(&s);
        }
        rct_wsrc s;
        rct_err err = {0, ""};
        ck_assert_msg(rct_wsrc_open_rows(&s, csv, 0, lo, hi, &err) == 0, "rows %ld .. %ld: %s", lo, hi, err.msg);
        snprintf(what, sizeof what, "CSV, rows %ld .. %ld", lo, hi);
        assert_rows(&s, w, lo, hi, what);
        rct_wsrc_close(&s);
    }
    rct_wsrc s;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_wsrc_open_rows(&s, csv, 0, 2, 9, &err), RECTIC_ESYNTAX); /* row 3 is one of its rows */
    ck_assert_msg(strstr(err.msg, "w.csv:4:") != NULL, "%s", err.msg);
    rct_wsrc_close(&s);
    free(npy);
    free(csv);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_a_part_of_rectangular_coo_weights_keeps_the_entries_onto_its_targets)
{
    enum { K = 90 };
    double coo[3 * K];
    uint64_t x = 5;
    for (long e = 0; e < K; e++) { /* in target order but for the last ten; pairs repeated */
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        coo[3 * e] = e < K - 10 ? (double)(e * ROWS / (K - 10)) : (double)((x >> 33) % ROWS);
        coo[3 * e + 1] = (double)((x >> 20) % COLS);
        coo[3 * e + 2] = (double)((x >> 40) % 1000) / 64.0 - 7;
    }
    for (int by_col = 0; by_col < 2; by_col++)
        for (long lo = 0; lo < ROWS; lo += 9) {
            long hi = lo + 9 < ROWS ? lo + 9 : ROWS, n = 0, *ptr, count;
            double ref[ROWS * COLS] = {0}, *val;
            int *idx;
            for (long e = 0; e < K; e++) /* the reference: the part's entries summed in file order */
                if (coo[3 * e] >= (double)lo && coo[3 * e] < (double)hi)
                    ref[(long)coo[3 * e] * COLS + (long)coo[3 * e + 1]] += coo[3 * e + 2];
            rct_wsrc s;
            rct_wsrc_array(&s, coo, K, 3, "coo");
            s.parts = 3, s.lo = lo, s.hi = hi;
            rectic_net *net = calloc(1, sizeof *net);
            rct_wload L = {net, &s, -1, NULL, NULL, 0, 0, 0, 0, ROWS, COLS, "test"};
            ck_assert_msg(rct_wload_coo(&L, by_col, &n, &ptr, &idx, &val, &count) == 0, "%s", net->err.msg);
            long seen = 0;
            for (long m = 0; m < (by_col ? COLS : ROWS); m++)
                for (long q = ptr[m]; q < ptr[m + 1]; q++, seen++) {
                    long t = by_col ? idx[q] : m, f = by_col ? m : idx[q];
                    ck_assert_msg(t >= lo && t < hi && val[q] == ref[t * COLS + f], "by_col %d, targets %ld .. %ld: "
                                  "entry (%ld, %ld) = %g", by_col, lo, hi, t, f, val[q]);
                }
            long want = 0;
            for (long i = 0; i < ROWS * COLS; i++)
                want += ref[i] != 0;
            ck_assert_int_eq(seen, want);
            ck_assert_int_eq(count, want);
            free(ptr), free(idx), free(val), free(net);
        }
}
END_TEST

START_TEST(test_blocks_of_about_equal_cost_and_equal_blocks_for_equal_costs)
{
    double equal[40], skew[12] = {10, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, few[2] = {3, 1};
    long b[5], lo, hi;
    for (int i = 0; i < 40; i++)
        equal[i] = 5;
    for (int p = 1; p <= 4; p++) { /* equal costs: rct_mpi_block's blocks (the first ranks larger) */
        rct_mpi_balance(equal, 40, p, b);
        for (int r = 0; r < p; r++) {
            rct_mpi_block(40, p, r, &lo, &hi);
            ck_assert_msg(b[r] == lo && b[r + 1] == hi, "%d parts: part %d is %ld .. %ld", p, r, b[r], b[r + 1]);
        }
    }
    rct_mpi_balance(skew, 12, 3, b); /* costs 10 | 10 | 10 */
    ck_assert_msg(b[0] == 0 && b[1] == 1 && b[2] == 2 && b[3] == 12, "%ld %ld %ld %ld", b[0], b[1], b[2], b[3]);
    rct_mpi_balance(skew, 12, 2, b); /* goal 15: unit 1's middle (15) is within it */
    ck_assert_msg(b[0] == 0 && b[1] == 2 && b[2] == 12, "%ld %ld %ld", b[0], b[1], b[2]);
    rct_mpi_balance(few, 2, 4, b); /* more ranks than units: empty blocks */
    ck_assert_msg(b[0] == 0 && b[1] == 0 && b[2] == 1 && b[3] == 1 && b[4] == 2, "%ld %ld %ld %ld %ld", b[0], b[1],
                  b[2], b[3], b[4]);
}
END_TEST

int main(void)
{
    if (!tu_little_endian())
        return puts("skip: check_popparts writes little-endian .npy files"), 0;
    const TTest *tests[] = {test_a_rank_reads_only_its_rows_of_a_rectangular_dense_file,
                            test_a_part_of_rectangular_coo_weights_keeps_the_entries_onto_its_targets,
                            test_blocks_of_about_equal_cost_and_equal_blocks_for_equal_costs};
    return tu_main("popparts", 60, tests, 3);
}

/*
 * check_inpart.c -- what an MPI rank reads of an input file (runtime/io_cols.h, runtime/inpart.h): its
 * columns of a CSV or .npy file, the same bits as the whole file's read, the other columns' fields never
 * parsed (a bad one there goes unnoticed; one in its own columns gives rct_csv_read's message), the byte a
 * failure is at (the earliest wins among ranks), files of another width read whole, the shape without the
 * values, and rectic_net_read_input of a network in one process.  (mpirun itself: tests/e2e_mpi_input.sh.)
 */
#include "testutil.h"
#include "caseutil.h"

#include "io_cols.h"
#include "io_csv.h"
#include "io_file.h"
#include "mpi.h"
#include "rectic.h"
#include "util.h"

#define TN 23 /* columns */
#define TT 9  /* rows */

/* The value of row t, column j: decimals of every length, negative and exponent forms. */
static double value(long t, long j)
{
    return ((double)(t * 131 + j * 17) - 900.0) / 7.0 * (j % 3 ? 1.0 : 1e-5);
}

/* Writes the TT x TN values as CSV text with a byte order mark, a comment, a blank line and CRLF line ends;
   bad_t, bad_j: the field replaced by "1.5x" (-1: none). */
static char *write_csv(const char *dir, const char *name, long bad_t, long bad_j)
{
    rct_buf b;
    rct_buf_init(&b);
    rct_buf_puts(&b, "\xEF\xBB\xBF# inputs\r\n\r\n");
    for (long t = 0; t < TT; t++)
        for (long j = 0; j < TN; j++)
            if (t == bad_t && j == bad_j)
                rct_buf_printf(&b, "1.5x%s", j + 1 < TN ? ", " : "\r\n");
            else
                rct_buf_printf(&b, "%.17g%s", value(t, j), j + 1 < TN ? ", " : "\r\n");
    char *path = tu_write(dir, name, b.s);
    rct_buf_free(&b);
    return path;
}

/* Checks that c holds columns lo .. hi-1 of the whole matrix m, bit for bit, and counted them. */
static void assert_part(const rct_cols *c, const rct_matrix *m, long lo, long hi, const char *what)
{
    ck_assert_msg(c->rows == m->rows && c->cols == m->cols && c->width == hi - lo, "%s: %ld x %ld, width %ld", what,
                  c->rows, c->cols, c->width);
    ck_assert_msg(c->read == (double)(m->rows * (hi - lo)), "%s: %g values read", what, c->read);
    for (long t = 0; t < m->rows; t++)
        for (long j = lo; j < hi; j++)
            ck_assert_msg(memcmp(&c->data[t * (hi - lo) + j - lo], &m->data[t * m->cols + j], sizeof(double)) == 0,
                          "%s: [%ld, %ld] = %.17g, whole %.17g", what, t, j, c->data[t * (hi - lo) + j - lo],
                          m->data[t * m->cols + j]);
}

START_TEST(test_each_part_of_a_csv_and_npy_file_is_the_whole_reads_columns_bit_for_bit)
{
    char *dir = tu_tmpdir(), *csv = write_csv(dir, "in.csv", -1, -1);
    double d[TT * TN];
    for (long t = 0; t < TT; t++)
        for (long j = 0; j < TN; j++)
            d[t * TN + j] = value(t, j);
    char *npy = tu_write_npy(dir, "in.npy", d, TT, TN);
    rct_matrix whole;
    rct_err err = {0, ""};
    ck_assert_msg(rct_csv_read(csv, &whole, &err) == 0, "%s", err.msg);
    for (int parts = 1; parts <= 5; parts++)
        for (int part = 0; part < parts; part++) {
            const char *files[] = {csv, npy};
            for (int f = 0; f < 2; f++) {
                rct_cols c = {TN, 0, 0, 0, 0, 0, NULL, 0, 0};
                rct_mpi_block(TN, parts, part, &c.lo, &c.hi);
                long lo = c.lo, hi = c.hi;
                char what[64];
                snprintf(what, sizeof what, "%s, part %d of %d", f ? ".npy" : "CSV", part, parts);
                ck_assert_msg(rct_cols_read(files[f], &c, &err) == 0, "%s: %s", what, err.msg);
                assert_part(&c, &whole, lo, hi, what);
                free(c.data);
            }
        }
    rct_cols c = {TN + 1, 2, 5, 0, 0, 0, NULL, 0, 0}; /* another width than the units': read whole */
    ck_assert_int_eq(rct_cols_read(csv, &c, &err), 0);
    assert_part(&c, &whole, 0, TN, "another width");
    free(c.data);
    long rows, cols;
    ck_assert_int_eq(rct_cols_shape(csv, &rows, &cols, &err), 0);
    ck_assert(rows == TT && cols == TN);
    ck_assert_int_eq(rct_cols_shape(npy, &rows, &cols, &err), 0);
    ck_assert(rows == TT && cols == TN);
    rct_matrix_free(&whole);
    free(csv);
    free(npy);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_a_bad_field_is_found_by_its_columns_owner_only_with_the_whole_reads_message_and_place)
{
    char *dir = tu_tmpdir(), *bad = write_csv(dir, "bad.csv", 4, 15), *late = write_csv(dir, "late.csv", 6, 2);
    rct_matrix whole;
    rct_err one = {0, ""}, err = {0, ""};
    ck_assert_int_eq(rct_csv_read(bad, &whole, &one), RECTIC_ESYNTAX); /* line 7 (row 4), column 15 */
    ck_assert_msg(strstr(one.msg, "bad.csv:7:") && strstr(one.msg, "'1.5x'"), "%s", one.msg);
    rct_cols c = {TN, 0, 12, 0, 0, 0, NULL, 0, 0}; /* columns 0 .. 11: the bad field is not theirs */
    ck_assert_msg(rct_cols_read(bad, &c, &err) == 0, "%s", err.msg);
    ck_assert(c.read == TT * 12);
    free(c.data);
    rct_cols own = {TN, 12, TN, 0, 0, 0, NULL, 0, 0}; /* columns 12 .. 22: it is */
    ck_assert_int_eq(rct_cols_read(bad, &own, &err), RECTIC_ESYNTAX);
    ck_assert_str_eq(err.msg, one.msg);
    ck_assert_ptr_null(own.data);
    rct_cols other = {TN, 0, 12, 0, 0, 0, NULL, 0, 0}; /* a later line's bad field in columns 0 .. 11 */
    ck_assert_int_eq(rct_cols_read(late, &other, &err), RECTIC_ESYNTAX);
    ck_assert_msg(strstr(err.msg, "late.csv:9:"), "%s", err.msg);
    ck_assert_msg(own.at > 0 && own.at < other.at, "places %g, %g", own.at, other.at);
    const char *text = "1,2,3\n4,5\n"; /* a short row: every part says so */
    char *short_csv = tu_write(dir, "short.csv", text);
    ck_assert_int_eq(rct_csv_read(short_csv, &whole, &one), RECTIC_ESYNTAX);
    for (long lo = 0; lo < 3; lo++) {
        rct_cols s = {3, lo, lo + 1, 0, 0, 0, NULL, 0, 0};
        ck_assert_int_eq(rct_cols_read(short_csv, &s, &err), RECTIC_ESYNTAX);
        ck_assert_str_eq(err.msg, one.msg);
    }
    free(short_csv);
    free(bad);
    free(late);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_a_network_in_one_process_reads_an_input_file_whole_and_counts_it)
{
    char *dir = tu_tmpdir(), *csv = write_csv(dir, "in.csv", -1, -1);
    rectic_net *net = tu_identity_net(TN);
    double *data = NULL;
    long rows, cols, lo, hi;
    ck_assert_msg(rectic_net_read_input(net, NULL, csv, &data, &rows, &cols) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert(rows == TT && cols == TN && data[3 * TN + 7] == value(3, 7));
    ck_assert(rectic_net_input_values_read(net) == TT * TN);
    ck_assert_int_eq(rectic_net_mpi_block(net, NULL, &lo, &hi), RECTIC_OK);
    ck_assert(lo == 0 && hi == TN);
    ck_assert_int_eq(rectic_net_run(net, TT, data, cols), RECTIC_OK);
    free(data);
    ck_assert_int_eq(rectic_net_read_input(net, "E", csv, &data, &rows, &cols), RECTIC_EINVAL);
    ck_assert_msg(strstr(rectic_errmsg(net), "one template"), "%s", rectic_errmsg(net));
    ck_assert_ptr_null(data);
    rectic_net_free(net);
    free(csv);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    if (!tu_little_endian())
        return puts("skip: check_inpart writes little-endian .npy files"), 0;
    const TTest *tests[] = {test_each_part_of_a_csv_and_npy_file_is_the_whole_reads_columns_bit_for_bit,
                            test_a_bad_field_is_found_by_its_columns_owner_only_with_the_whole_reads_message_and_place,
                            test_a_network_in_one_process_reads_an_input_file_whole_and_counts_it};
    return tu_main("inpart", 60, tests, 3);
}

/*
 * check_io.c -- tests of the matrix readers and writers (CSV, .npy) and of atomic output files.
 */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "testutil.h"

#include "io_csv.h"
#include "io_file.h"
#include "io_npy.h"

/* dir/name, malloc'd. */
static char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    ck_assert_ptr_nonnull(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Writes n bytes to dir/name and returns the malloc'd path. */
static char *write_bytes(const char *dir, const char *name, const void *buf, size_t n)
{
    char *path = join(dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* Whether a and b have the same bits. */
static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Builds a .npy image in buf (capacity cap): magic, version major.0, header dict (padded with spaces and
   '\n' to a multiple of 64), then ndata bytes of data; returns its size. */
static size_t make_npy(unsigned char *buf, size_t cap, int major, const char *dict, const void *data,
                       size_t ndata)
{
    size_t lenbytes = major == 1 ? 2 : 4, pre = 8 + lenbytes, hlen = strlen(dict) + 1;
    while ((pre + hlen) % 64)
        hlen++;
    ck_assert_uint_le(pre + hlen + ndata, cap);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    for (size_t i = 0; i < lenbytes; i++)
        buf[8 + i] = (unsigned char)(hlen >> (8 * i));
    memset(buf + pre, ' ', hlen);
    memcpy(buf + pre, dict, strlen(dict));
    buf[pre + hlen - 1] = '\n';
    if (ndata)
        memcpy(buf + pre + hlen, data, ndata);
    return pre + hlen + ndata;
}

/* Writes a .npy image made by make_npy to dir/name; returns the path. */
static char *write_npy(const char *dir, const char *name, int major, const char *dict, const void *data,
                       size_t ndata)
{
    static unsigned char buf[1 << 16];
    size_t n = make_npy(buf, sizeof buf, major, dict, data, ndata);
    return write_bytes(dir, name, buf, n);
}

/* Asserts that reading path with fn fails with code and exactly the message "<path><suffix>". */
static void expect_error(int (*fn)(const char *, rct_matrix *, rct_err *), const char *path, int code,
                         const char *suffix)
{
    rct_matrix m = {7, 7, NULL};
    rct_err err = {0, ""};
    char want[4096];
    snprintf(want, sizeof want, "%s%s", path, suffix);
    ck_assert_int_eq(fn(path, &m, &err), code);
    ck_assert_int_eq(err.code, code);
    ck_assert_str_eq(err.msg, want);
    ck_assert_ptr_null(m.data);
    ck_assert_int_eq(m.rows, 0);
    ck_assert_int_eq(m.cols, 0);
}

/* Number of entries in dir other than . and ..; the first one's name goes to first (if not NULL). */
static int count_entries(const char *dir, char *first, size_t cap)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n++ == 0 && first)
            snprintf(first, cap, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

/* The whole content of path, malloc'd and NUL-terminated. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    rct_buf b;
    rct_buf_init(&b);
    char tmp[4096];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        rct_buf_putn(&b, tmp, k);
    fclose(f);
    char *s = rct_buf_take(&b);
    ck_assert_ptr_nonnull(s);
    return s;
}

START_TEST(test_csv_reads_matrix_exactly)
{
    /* Tricky strings (shortest round trips, denormals, > 2^53, numpy's %.18e) checked against strtod. */
    static const char *vals[] = {"0.1", "1.7976931348623157e308", "-2.5", "4.9406564584124654e-324",
                                 "2.2250738585072014e-308", "0.30000000000000004", "9007199254740993",
                                 "123456789012345678901234567890", "1.000000000000000000e+00",
                                 "-0", "0.000", "1e22", "1e23", "3.0e-5", "+7", ".5", "5.", "0.0001234",
                                 "1.0000000000000002", "100", "2.345678901234567837e-01", "1E-22", "9e-23"};
    int nv = (int)(sizeof vals / sizeof *vals);
    rct_buf b;
    rct_buf_init(&b);
    for (int i = 0; i < nv; i++)
        rct_buf_printf(&b, "%s%s", vals[i], i + 1 < nv ? ", " : "\n");
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "a.csv", b.s);
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_csv_read(path, &m, &err), RECTIC_OK);
    ck_assert_int_eq(m.rows, 1);
    ck_assert_int_eq(m.cols, nv);
    for (int i = 0; i < nv; i++)
        ck_assert_msg(same_bits(m.data[i], strtod(vals[i], NULL)), "%s read as %.17g", vals[i], m.data[i]);
    ck_assert(same_bits(m.data[0], 0.1));
    ck_assert(same_bits(m.data[1], 1.7976931348623157e308));
    rct_matrix_free(&m);
    ck_assert_ptr_null(m.data);

    /* Many pseudo-random values in the formats people write, 100 rows of 50. */
    rct_buf_free(&b);
    static const char *fmts[] = {"%.17g", "%.15g", "%.6g", "%.3f", "%.18e", "%g", "%.1f"};
    uint64_t s = 88172645463325252ULL;
    for (int r = 0; r < 100; r++)
        for (int c = 0; c < 50; c++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            double x = (double)(s >> 11) / 9007199254740992.0 * pow(10, (int)(s % 21) - 10);
            if (s & 1)
                x = -x;
            rct_buf_printf(&b, fmts[(r + c) % 7], x);
            rct_buf_puts(&b, c < 49 ? "," : "\n");
        }
    free(path);
    path = tu_write(dir, "b.csv", b.s);
    ck_assert_int_eq(rct_csv_read(path, &m, &err), RECTIC_OK);
    ck_assert_int_eq(m.rows, 100);
    ck_assert_int_eq(m.cols, 50);
    const char *p = b.s;
    for (long i = 0; i < 100 * 50; i++) {
        char *e;
        double want = strtod(p, &e);
        ck_assert_msg(same_bits(m.data[i], want), "%.*s read as %.17g", (int)(e - p), p, m.data[i]);
        p = e + 1;
    }
    rct_matrix_free(&m);
    rct_buf_free(&b);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_csv_whitespace_comments_and_crlf_are_accepted)
{
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "w.txt",
                          "# written by numpy.savetxt\r\n\r\n 1.0 2\t3 \r\n   \n\t# note\n4 5   6\r\n");
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_csv_read(path, &m, &err), RECTIC_OK);
    ck_assert_int_eq(m.rows, 2);
    ck_assert_int_eq(m.cols, 3);
    for (int i = 0; i < 6; i++)
        ck_assert(m.data[i] == i + 1);
    rct_matrix_free(&m);
    free(path);
    path = tu_write(dir, "n.csv", "nan, INF ,-inf,NaN\r\n-Infinity,1,2,3"); /* no final newline */
    ck_assert_int_eq(rct_csv_read(path, &m, &err), RECTIC_OK);
    ck_assert_int_eq(m.rows, 2);
    ck_assert_int_eq(m.cols, 4);
    ck_assert(isnan(m.data[0]) && isnan(m.data[3]));
    ck_assert(isinf(m.data[1]) && m.data[1] > 0);
    ck_assert(isinf(m.data[2]) && m.data[2] < 0);
    ck_assert(isinf(m.data[4]) && m.data[4] < 0);
    rct_matrix_free(&m);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_csv_bom_and_trailing_comments_are_accepted)
{
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "b.csv", "\xEF\xBB\xBF" "1,2 # first row\n3,4#second\r\n# only a comment\n");
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_msg(rct_csv_read(path, &m, &err) == RECTIC_OK, "%s", err.msg);
    ck_assert_int_eq(m.rows, 2);
    ck_assert_int_eq(m.cols, 2);
    for (int i = 0; i < 4; i++)
        ck_assert(m.data[i] == i + 1);
    rct_matrix_free(&m);
    free(path);
    path = tu_write(dir, "c.csv", "1,2, # a value is missing\n");
    expect_error(rct_csv_read, path, RECTIC_ESYNTAX, ":1:6: expected a number, found end of line");
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_csv_ragged_row_is_error)
{
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "w.csv", "1,2,3,4,5\n6,7,8,9,10\n\n1,2,3\n");
    expect_error(rct_csv_read, path, RECTIC_ESYNTAX, ":4:1: row has 3 values, expected 5 (as on line 1)");
    free(path);
    path = tu_write(dir, "v.csv", "# header\n1 2\n3 4 5\n");
    expect_error(rct_csv_read, path, RECTIC_ESYNTAX, ":3:1: row has 3 values, expected 2 (as on line 2)");
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_csv_non_number_is_error)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"1,2,3\n4,5,6\n10,20,abc\n", ":3:7: expected a number, found 'abc'"},
        {"1,,2\n", ":1:3: expected a number, found ','"},
        {"1,2,\n", ":1:5: expected a number, found end of line"},
        {"1.5x,2\n", ":1:1: expected a number, found '1.5x'"},
        {"1, 2 3\n", ":1:6: expected ',' or end of line, found '3'"},
        {"1 2 -\n", ":1:5: expected a number, found '-'"},
        {"1e5e,2\n", ":1:1: expected a number, found '1e5e'"},
        {"1,2\r\n3,x\r\n", ":2:3: expected a number, found 'x'"},
    };
    char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = tu_write(dir, "w.csv", cases[i].text);
        expect_error(rct_csv_read, path, RECTIC_ESYNTAX, cases[i].msg);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_csv_empty_file_is_error)
{
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "w.csv", "");
    expect_error(rct_csv_read, path, RECTIC_ESYNTAX, ": empty file: expected at least one row of numbers");
    free(path);
    path = tu_write(dir, "c.csv", "# only a comment\n\n  \n");
    expect_error(rct_csv_read, path, RECTIC_ESYNTAX, ": no data: expected at least one row of numbers");
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_csv_missing_file_is_error)
{
    char *dir = tu_tmpdir();
    char *path = join(dir, "w.csv");
    expect_error(rct_csv_read, path, RECTIC_EIO, ": cannot open: No such file or directory");
    expect_error(rct_matrix_read, path, RECTIC_EIO, ": cannot open: No such file or directory");
    expect_error(rct_csv_read, dir, RECTIC_EIO, ": read error: Is a directory");
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* Values whose text forms are hard to round-trip. */
static const double tricky[] = {0.1, -0.0, 1.0 / 3.0, 1.7976931348623157e308, 4.9406564584124654e-324,
                                2.2250738585072014e-308, 123456789.125, -1e-300, 3.4028234663852886e38,
                                1.401298464324817e-45, 0.30000000000000004, 1e22, 5e-324, 65504.0};

START_TEST(test_csv_write_round_trips)
{
    enum { R = 3, C = 6 };
    double v[R * C];
    int nt = (int)(sizeof tricky / sizeof *tricky);
    for (int i = 0; i < R * C; i++)
        v[i] = i < nt ? tricky[i] : i == nt ? NAN : i == nt + 1 ? INFINITY : -INFINITY;
    char *dir = tu_tmpdir();
    char *path = join(dir, "o.csv");
    for (int as_float = 0; as_float <= 1; as_float++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(rct_csv_write(f, v, R, C, as_float), 0);
        ck_assert_int_eq(fclose(f), 0);
        rct_matrix m;
        rct_err err = {0, ""};
        ck_assert_int_eq(rct_csv_read(path, &m, &err), RECTIC_OK);
        ck_assert_int_eq(m.rows, R);
        ck_assert_int_eq(m.cols, C);
        for (int i = 0; i < R * C; i++) {
            /* as_float: the shortest float text reads back as the same float32 value */
            double want = as_float ? (double)(float)v[i] : v[i];
            double got = as_float ? (double)(float)m.data[i] : m.data[i];
            if (isnan(want))
                ck_assert(isnan(got));
            else
                ck_assert_msg(same_bits(got, want), "value %d: %.17g read back as %.17g", i, want, got);
        }
        rct_matrix_free(&m);
    }
    /* Shortest forms, no header, one row per line. */
    const double w[] = {0.1, 0.5, 1e300, -2, 0.1, 1.0 / 3.0};
    FILE *f = fopen(path, "w");
    ck_assert_int_eq(rct_csv_write(f, w, 2, 3, 0), 0);
    fclose(f);
    char *text = slurp(path);
    ck_assert_str_eq(text, "0.1,0.5,1e+300\n-2,0.1,0.3333333333333333\n");
    free(text);
    f = fopen(path, "w");
    ck_assert_int_eq(rct_csv_write(f, w + 3, 1, 3, 1), 0);
    fclose(f);
    text = slurp(path);
    ck_assert_str_eq(text, "-2,0.1,0.33333334\n");
    free(text);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* rct_fmt_double writes the first of %.15g, %.16g, %.17g that reads back as the value (its integer fast
   path must give the same bytes as printf and strtod): powers of two (halfway cases), values next to
   powers of ten (rounding up to 10.0...), short decimals, simulation-like values, random bit patterns
   (subnormals, huge, NaN: the slow path), signed zeros. */
START_TEST(test_number_formatting_matches_printf)
{
    uint64_t st = 0x9E3779B97F4A7C15ULL;
    long checked = 0;
    for (long i = 0; i < 240000; i++) {
        st ^= st << 13, st ^= st >> 7, st ^= st << 17;
        uint64_t r = st;
        double x;
        switch (i % 8) {
        case 0: memcpy(&x, &r, sizeof x); break;
        case 1: x = ldexp((double)(r >> 11), -53) * pow(10, (int)(r % 24) - 8); break;
        case 2: x = (double)(long)(r % 2000000001) / pow(10, (int)(r >> 60)); break;
        case 3: x = ldexp((double)(r >> 11), -(int)(r % 80)); break;
        case 4: x = ldexp(1.0, (int)(r % 140) - 80); break;
        case 5: {
            x = pow(10, (int)(r % 22) - 6);
            for (int t = (int)(r >> 61); t > 0; t--)
                x = nextafter(x, (r & 4) ? INFINITY : 0);
            break;
        }
        case 6: x = (double)(r % 100000) * 0.5 / ldexp(1.0, (int)(r >> 59)); break;
        default: x = 20 * sin((double)i * 1e-3); break;
        }
        if (r & 2)
            x = -x;
        if (isnan(x))
            continue;
        char got[32], want[32];
        rct_fmt_double(got, x);
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(want, sizeof want, "%.*g", prec, x);
            if (strtod(want, NULL) == x)
                break;
        }
        if (isinf(x))
            snprintf(want, sizeof want, "%s", x > 0 ? "inf" : "-inf");
        ck_assert_msg(strcmp(got, want) == 0, "%a: got %s, expected %s", x, got, want);
        checked++;
    }
    char z[32];
    rct_fmt_double(z, 0.0);
    ck_assert_str_eq(z, "0");
    rct_fmt_double(z, -0.0);
    ck_assert_str_eq(z, "-0");
    ck_assert_int_gt(checked, 200000);
}
END_TEST

/* The same for floats: rct_fmt_float writes the first of %.6g .. %.9g that strtof reads back as the value. */
START_TEST(test_float_formatting_matches_printf)
{
    uint64_t st = 0x2545F4914F6CDD1DULL;
    long checked = 0;
    for (long i = 0; i < 200000; i++) {
        st ^= st << 13, st ^= st >> 7, st ^= st << 17;
        uint64_t r = st;
        uint32_t b = (uint32_t)r;
        float x;
        switch (i % 6) {
        case 0: memcpy(&x, &b, sizeof x); break;
        case 1: x = (float)(ldexp((double)(r >> 40), -24) * pow(10, (int)(r % 30) - 15)); break;
        case 2: x = (float)((double)(long)(r % 2000001) / pow(10, (int)(r >> 61))); break;
        case 3: x = ldexpf(1.0f, (int)(r % 80) - 50); break;
        case 4: {
            x = (float)pow(10, (int)(r % 20) - 12);
            for (int t = (int)(r >> 61); t > 0; t--)
                x = nextafterf(x, (r & 4) ? INFINITY : 0);
            break;
        }
        default: x = (float)(20 * sin((double)i * 1e-3)); break;
        }
        if (r & 2)
            x = -x;
        if (isnan(x) || isinf(x))
            continue;
        char got[32], want[32];
        rct_fmt_float(got, x);
        for (int prec = 6; prec <= 9; prec++) {
            snprintf(want, sizeof want, "%.*g", prec, (double)x);
            if (strtof(want, NULL) == x)
                break;
        }
        ck_assert_msg(strcmp(got, want) == 0, "%a: got %s, expected %s", (double)x, got, want);
        checked++;
    }
    char z[32];
    rct_fmt_float(z, -0.0f);
    ck_assert_str_eq(z, "-0");
    ck_assert_int_gt(checked, 190000);
}
END_TEST

START_TEST(test_npy_reads_float64_and_float32)
{
    const double d[6] = {0.1, -2.5, 1e300, 4.9406564584124654e-324, -0.0, 7};
    const float s[6] = {0.1f, -2.5f, 3.4028234663852886e38f, 1.401298464324817e-45f, -0.0f, 7};
    char *dir = tu_tmpdir();
    char *p8 = write_npy(dir, "d.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", d,
                         sizeof d);
    char *p4 = write_npy(dir, "s.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", s,
                         sizeof s);
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_npy_read(p8, &m, &err), RECTIC_OK);
    ck_assert_int_eq(m.rows, 2);
    ck_assert_int_eq(m.cols, 3);
    for (int i = 0; i < 6; i++)
        ck_assert(same_bits(m.data[i], d[i]));
    rct_matrix_free(&m);
    ck_assert_int_eq(rct_matrix_read(p4, &m, &err), RECTIC_OK);
    ck_assert_int_eq(m.rows, 3);
    ck_assert_int_eq(m.cols, 2);
    for (int i = 0; i < 6; i++)
        ck_assert(same_bits(m.data[i], (double)s[i]));
    rct_matrix_free(&m);
    free(p8);
    free(p4);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_header_variants_are_accepted)
{
    const double d[4] = {1, 2, 3, 4};
    static const struct {
        int major;
        const char *dict;
        long rows, cols;
    } cases[] = {
        {1, "{'shape': (2, 2), 'fortran_order': False, 'descr': '<f8'}", 2, 2},
        {1, "{ \"descr\" : \"<f8\" ,\"fortran_order\":False,\"shape\":( 4 , ) , }", 4, 1},
        {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 4), }", 1, 4},
        {3, "{'descr': '<f8', 'fortran_order': False, 'shape': (4L, 1L), }", 4, 1},
        {1, "{'descr': '<f8', 'extra': [1, (2, 'x'), {'a': None}], 'fortran_order': False, 'shape': (2,2)}",
         2, 2},
    };
    char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = write_npy(dir, "v.npy", cases[i].major, cases[i].dict, d, sizeof d);
        rct_matrix m;
        rct_err err = {0, ""};
        ck_assert_msg(rct_npy_read(path, &m, &err) == RECTIC_OK, "%s: %s", cases[i].dict, err.msg);
        ck_assert_int_eq(m.rows, cases[i].rows);
        ck_assert_int_eq(m.cols, cases[i].cols);
        ck_assert(m.data[3] == 4);
        rct_matrix_free(&m);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_1d_is_column)
{
    const double d[5] = {1.5, 2.5, 3.5, 4.5, 5.5};
    char *dir = tu_tmpdir();
    char *path = write_npy(dir, "c.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", d,
                           sizeof d);
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_npy_read(path, &m, &err), RECTIC_OK);
    ck_assert_int_eq(m.rows, 5);
    ck_assert_int_eq(m.cols, 1);
    for (int i = 0; i < 5; i++)
        ck_assert(m.data[i] == d[i]);
    rct_matrix_free(&m);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_integers_bools_and_big_endian_are_converted)
{
    static const unsigned char i8[16] = {0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1, 0, 0};
    static const unsigned char be8[16] = {0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a, 0xc0, 4, 0, 0, 0, 0, 0, 0};
    static const unsigned char b1[3] = {1, 0, 1}, u2[4] = {0xff, 0xff, 7, 0}, be4[8] = {0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0};
    static const unsigned char i1[2] = {0x80, 0x7f}, bef4[4] = {0x3e, 0x80, 0, 0};
    static const struct {
        const char *descr, *shape;
        const void *data;
        size_t size;
        double want[3];
    } cases[] = {
        {"<i8", "(2,)", i8, 16, {-3, 1099511627776.0}},
        {">f8", "(2,)", be8, 16, {0.1, -2.5}},
        {"|b1", "(3,)", b1, 3, {1, 0, 1}},
        {"<u2", "(2,)", u2, 4, {65535, 7}},
        {">i4", "(2,)", be4, 8, {-2, 256}},
        {"|i1", "(2,)", i1, 2, {-128, 127}},
        {">f4", "(1,)", bef4, 4, {0.25}},
    };
    char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char dict[128];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", cases[i].descr,
                 cases[i].shape);
        char *path = write_npy(dir, "t.npy", 1, dict, cases[i].data, cases[i].size);
        rct_matrix m;
        rct_err err = {0, ""};
        ck_assert_msg(rct_npy_read(path, &m, &err) == RECTIC_OK, "%s: %s", cases[i].descr, err.msg);
        ck_assert_int_eq(m.cols, 1);
        for (long r = 0; r < m.rows; r++)
            ck_assert_msg(same_bits(m.data[r], cases[i].want[r]), "%s[%ld] = %.17g", cases[i].descr, r, m.data[r]);
        rct_matrix_free(&m);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_writes_vectors_and_int64)
{
    const double t[3] = {0, 0.5, 1}, sp[4] = {3, 0, 17, 4};
    char *dir = tu_tmpdir();
    char *path = join(dir, "o.npy");
    FILE *f = fopen(path, "wb");
    ck_assert_int_eq(rct_npy_write(f, t, 3, 1, RCT_NPY_F8 | RCT_NPY_1D), 0);
    fclose(f);
    char *bytes = slurp(path);
    ck_assert_ptr_nonnull(strstr(bytes + 10, "'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"));
    free(bytes);
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_npy_read(path, &m, &err), RECTIC_OK);
    ck_assert(m.rows == 3 && m.cols == 1 && m.data[1] == 0.5);
    rct_matrix_free(&m);
    for (long rows = 2; rows >= 0; rows -= 2) { /* spikes, and none */
        f = fopen(path, "wb");
        ck_assert_int_eq(rct_npy_write(f, sp, rows, 2, RCT_NPY_I8), 0);
        fclose(f);
        bytes = slurp(path);
        char want[80];
        snprintf(want, sizeof want, "'descr': '<i8', 'fortran_order': False, 'shape': (%ld, 2), }", rows);
        ck_assert_ptr_nonnull(strstr(bytes + 10, want));
        free(bytes);
        ck_assert_int_eq(rct_npy_read(path, &m, &err), RECTIC_OK);
        ck_assert(m.rows == rows && m.cols == 2);
        for (long i = 0; i < 2 * rows; i++)
            ck_assert(m.data[i] == sp[i]);
        rct_matrix_free(&m);
    }
    f = fopen(path, "wb");
    ck_assert_int_eq(rct_npy_write(f, sp, 2, 2, RCT_NPY_F8 | RCT_NPY_1D), -1); /* 1-D needs one column */
    fclose(f);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_fortran_order_is_error)
{
    const double d[4] = {1, 2, 3, 4};
    char *dir = tu_tmpdir();
    char *path = write_npy(dir, "f.npy", 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", d,
                           sizeof d);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": Fortran-order arrays are not supported, save with C order");
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_unsupported_dtype_or_shape_is_error)
{
    const double d[8] = {0};
    static const struct {
        const char *dict, *msg;
    } cases[] = {
        {"{'descr': '<c16', 'fortran_order': False, 'shape': (2, 1), }",
         ": unsupported dtype '<c16': expected numbers (float32/64, signed or unsigned integers, or bool)"},
        {"{'descr': '<U1', 'fortran_order': False, 'shape': (2, 2), }",
         ": unsupported dtype '<U1': expected numbers (float32/64, signed or unsigned integers, or bool)"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }",
         ": unsupported dtype '<f2': expected numbers (float32/64, signed or unsigned integers, or bool)"},
        {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2, 2), }",
         ": unsupported dtype [('a', '<f8')]: expected numbers (float32/64, signed or unsigned integers, or "
         "bool)"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
         ": array has 0 dimensions: expected 1 (a column) or 2"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2), }",
         ": array has 3 dimensions: expected 1 (a column) or 2"},
        {"{'descr': '<f8', 'fortran_order': False}", ": .npy header has no 'shape' key"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 2), }",
         ": malformed .npy header: {'descr': '<f8', 'fortran_order': False, 'shape': (-2, 2), }"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 2), }",
         ": malformed .npy header: {'descr': '<f8', 'fortran_order': False, "
         "'shape': (99999999999999999999, 2), }"},
        {"{'descr': '<f8' 'fortran_order': False, 'shape': (2, 2)}",
         ": malformed .npy header: {'descr': '<f8' 'fortran_order': False, 'shape': (2, 2)}"},
    };
    char *dir = tu_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = write_npy(dir, "t.npy", 1, cases[i].dict, d, 32);
        expect_error(rct_npy_read, path, RECTIC_ESYNTAX, cases[i].msg);
        free(path);
    }
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_huge_shape_claim_is_error_without_allocating)
{
    double d[25] = {0};
    char *dir = tu_tmpdir();
    char *path = write_npy(dir, "x.npy", 1,
                           "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 5), }", d, 200);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": header claims 1000000000x5 float64 values (40000000000 bytes) "
                 "but the file holds 200 bytes of data");
    free(path);
    /* Far beyond any memory: an attempt to allocate would fail with ENOMEM instead of this message. */
    path = write_npy(dir, "y.npy", 1,
                     "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000000000, 1000), }", d, 200);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": header claims 4000000000000000x1000 float32 values (16000000000000000000 bytes) "
                 "but the file holds 200 bytes of data");
    free(path);
    path = write_npy(dir, "z.npy", 2,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 3), }", d, 200);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": header claims 9223372036854775807x3 float64 values, more bytes than a file can hold");
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_false_claim_through_a_pipe_is_error)
{
    /* Through a pipe the size is unknown: the data is read as it arrives, never allocated up front. */
    double d[25] = {0};
    unsigned char buf[512];
    size_t n = make_npy(buf, sizeof buf, 1,
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 5), }", d, 200);
    char *dir = tu_tmpdir();
    char *path = join(dir, "p.npy");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        FILE *f = fopen(path, "wb");
        _exit(f && fwrite(buf, 1, n, f) == n && fclose(f) == 0 ? 0 : 1);
    }
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": truncated file: header claims 1000000000000x5 float64 values (40000000000000 bytes) "
                 "but the data ends early");
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_truncated_is_error)
{
    const double d[6] = {1, 2, 3, 4, 5, 6};
    unsigned char buf[512];
    size_t n = make_npy(buf, sizeof buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", d,
                        sizeof d);
    char *dir = tu_tmpdir();
    char *path = write_bytes(dir, "t.npy", buf, n - 8);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": header claims 2x3 float64 values (48 bytes) but the file holds 40 bytes of data");
    free(path);
    path = write_bytes(dir, "t.npy", buf, n + 0); /* complete: reads */
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_npy_read(path, &m, &err), RECTIC_OK);
    rct_matrix_free(&m);
    free(path);
    path = write_bytes(dir, "t.npy", buf, 40); /* inside the header */
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": truncated file: the .npy header needs 118 bytes but only 30 follow");
    free(path);
    path = write_bytes(dir, "t.npy", buf, 9);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX, ": truncated file: the .npy header length is missing");
    free(path);
    path = write_bytes(dir, "t.npy", buf, 4);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX, ": truncated file: too short for a .npy header");
    free(path);
    path = write_bytes(dir, "t.npy", buf, 0);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX, ": empty file: expected a .npy header");
    free(path);
    path = write_bytes(dir, "t.npy", "1,2,3\n", 6);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": not a .npy file (it does not start with \"\\x93NUMPY\")");
    free(path);
    buf[6] = 4;
    path = write_bytes(dir, "t.npy", buf, n);
    expect_error(rct_npy_read, path, RECTIC_ESYNTAX,
                 ": unsupported .npy format version 4.0 (expected 1.0, 2.0 or 3.0)");
    free(path);
    path = join(dir, "missing.npy");
    expect_error(rct_npy_read, path, RECTIC_EIO, ": cannot open: No such file or directory");
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_npy_write_round_trips)
{
    enum { R = 2, C = 7 };
    double v[R * C];
    for (int i = 0; i < R * C; i++)
        v[i] = tricky[i];
    char *dir = tu_tmpdir();
    char *path = join(dir, "o.npy");
    for (int as_float = 0; as_float <= 1; as_float++) {
        FILE *f = fopen(path, "wb");
        ck_assert_int_eq(rct_npy_write(f, v, R, C, as_float), 0);
        ck_assert_int_eq(fclose(f), 0);
        char *bytes = slurp(path);
        ck_assert_int_eq(memcmp(bytes, "\x93NUMPY\x01\x00", 8), 0);
        int hlen = (unsigned char)bytes[8] | (unsigned char)bytes[9] << 8;
        ck_assert_int_eq((10 + hlen) % 64, 0);
        ck_assert_int_eq(bytes[10 + hlen - 1], '\n');
        ck_assert_ptr_nonnull(strstr(bytes + 10, as_float ? "'descr': '<f4'" : "'descr': '<f8'"));
        ck_assert_ptr_nonnull(strstr(bytes + 10, "'shape': (2, 7)"));
        free(bytes);
        rct_matrix m;
        rct_err err = {0, ""};
        ck_assert_int_eq(rct_matrix_read(path, &m, &err), RECTIC_OK);
        ck_assert_int_eq(m.rows, R);
        ck_assert_int_eq(m.cols, C);
        for (int i = 0; i < R * C; i++)
            ck_assert(same_bits(m.data[i], as_float ? (double)(float)v[i] : v[i]));
        rct_matrix_free(&m);
    }
    /* An empty matrix is a valid array. */
    FILE *f = fopen(path, "wb");
    ck_assert_int_eq(rct_npy_write(f, v, 0, 3, 0), 0);
    fclose(f);
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_npy_read(path, &m, &err), RECTIC_OK);
    ck_assert_int_eq(m.rows, 0);
    ck_assert_int_eq(m.cols, 3);
    ck_assert_ptr_nonnull(m.data);
    rct_matrix_free(&m);
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_matrix_read_dispatches_on_extension)
{
    const double d[2] = {1, 2};
    char *dir = tu_tmpdir();
    char *npy = write_npy(dir, "m.NpY", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", d,
                          sizeof d);
    char *csv = tu_write(dir, "m.txt", "3,4\n");
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_matrix_read(npy, &m, &err), RECTIC_OK);
    ck_assert(m.rows == 1 && m.cols == 2 && m.data[1] == 2);
    rct_matrix_free(&m);
    ck_assert_int_eq(rct_matrix_read(csv, &m, &err), RECTIC_OK);
    ck_assert(m.rows == 1 && m.cols == 2 && m.data[1] == 4);
    rct_matrix_free(&m);
    free(npy);
    free(csv);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_afile_commit_renames_and_abort_leaves_nothing)
{
    char *dir = tu_tmpdir();
    char *path = tu_write(dir, "out.csv", "old\n");
    rct_afile a;
    rct_err err = {0, ""};
    char name[256];
    ck_assert_int_eq(rct_afile_open(&a, path, &err), RECTIC_OK);
    fputs("new\n", a.f);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 2); /* out.csv and the temporary file */
    char *text = slurp(path);
    ck_assert_str_eq(text, "old\n"); /* untouched until the commit */
    free(text);
    const char *base = strrchr(a.tmp, '/') + 1;
    ck_assert_int_eq(base[0], '.');
    ck_assert_str_eq(base + strlen(base) - 4, ".tmp");
    ck_assert_int_eq(rct_afile_commit(&a, &err), RECTIC_OK);
    ck_assert_ptr_null(a.f);
    ck_assert_int_eq(count_entries(dir, name, sizeof name), 1);
    ck_assert_str_eq(name, "out.csv");
    text = slurp(path);
    ck_assert_str_eq(text, "new\n");
    free(text);
    rct_afile_abort(&a); /* harmless after commit */
    free(path);
    tu_rmtree(dir);
    free(dir);

    dir = tu_tmpdir();
    path = join(dir, "out.npy");
    ck_assert_int_eq(rct_afile_open(&a, path, &err), RECTIC_OK);
    double v[4] = {1, 2, 3, 4};
    ck_assert_int_eq(rct_npy_write(a.f, v, 2, 2, 0), 0);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 1);
    rct_afile_abort(&a);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 0);
    ck_assert_ptr_null(a.f);
    ck_assert_ptr_null(a.tmp);
    free(path);
    /* A relative name works in the current directory. */
    char cwd[4096];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_int_eq(rct_afile_open(&a, "rel.csv", &err), RECTIC_OK);
    ck_assert_int_eq(rct_csv_write(a.f, v, 2, 2, 0), 0);
    ck_assert_int_eq(rct_afile_commit(&a, &err), RECTIC_OK);
    ck_assert_int_eq(count_entries(".", name, sizeof name), 1);
    ck_assert_str_eq(name, "rel.csv");
    ck_assert_int_eq(chdir(cwd), 0);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_afile_open_in_missing_dir_is_error)
{
    char *dir = tu_tmpdir();
    char *path = join(dir, "no/such/out.csv");
    rct_afile a;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_afile_open(&a, path, &err), RECTIC_EIO);
    ck_assert_ptr_null(a.f);
    ck_assert_ptr_null(a.path);
    ck_assert_ptr_null(a.tmp);
    char want[4200];
    snprintf(want, sizeof want, "%s: cannot write: No such file or directory", path);
    ck_assert_str_eq(err.msg, want);
    rct_afile_abort(&a);
    free(path);
    ck_assert_int_eq(rct_afile_open(&a, dir, &err), RECTIC_EIO);
    snprintf(want, sizeof want, "%s: cannot write: Is a directory", dir);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 0);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

START_TEST(test_afile_commit_reports_write_error)
{
    /* A file size limit makes writes fail with EFBIG, as a full disk fails with ENOSPC.  The limit is set
       in a child process so that it cannot affect other tests. */
    char *dir = tu_tmpdir();
    char *path = join(dir, "big.csv");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit rl = {1000, 1000};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(2);
        rct_afile a;
        rct_err err = {0, ""};
        if (rct_afile_open(&a, path, &err) != RECTIC_OK)
            _exit(3);
        for (int i = 0; i < 10000; i++)
            fprintf(a.f, "%d,%d\n", i, i);
        int rc = rct_afile_commit(&a, &err);
        char want[4200];
        snprintf(want, sizeof want, "%s: write failed: File too large", path);
        if (rc != RECTIC_EIO || strcmp(err.msg, want) != 0) {
            fprintf(stderr, "commit: %d %s\n", rc, err.msg);
            _exit(4);
        }
        _exit(a.f || a.tmp ? 5 : 0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    ck_assert_int_eq(count_entries(dir, NULL, 0), 0); /* neither big.csv nor the temporary file */
    free(path);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The Python script for test_numpy_interop: writes d.npy, s.npy, c.npy and checks r8.npy, r4.npy. */
static const char interop_py[] =
    "import sys, numpy as np\n"
    "d = sys.argv[1]; mode = sys.argv[2]\n"
    "x = np.array([[0.1, 1/3, -2.5], [1e-300, 1.7976931348623157e308, -0.0]])\n"
    "if mode == 'write':\n"
    "    np.save(d + '/d.npy', x)\n"
    "    np.save(d + '/s.npy', np.array([[0.1, 1/3], [-2.5, 65504.0]], dtype=np.float32))\n"
    "    np.save(d + '/c.npy', np.arange(4, dtype=np.float64) / 7)\n"
    "    np.savetxt(d + '/t.txt', x)\n"
    "    np.savetxt(d + '/t.csv', x, delimiter=',', header='a,b,c')\n"
    "else:\n"
    "    a = np.load(d + '/r8.npy'); b = np.load(d + '/r4.npy')\n"
    "    assert a.dtype == np.float64 and a.shape == (2, 3), (a.dtype, a.shape)\n"
    "    assert b.dtype == np.float32 and b.shape == (2, 3), (b.dtype, b.shape)\n"
    "    assert a.tobytes() == x.tobytes(), a\n"
    "    with np.errstate(over='ignore'): y = x.astype(np.float32)\n"
    "    assert b.tobytes() == y.tobytes(), b\n";

START_TEST(test_numpy_interop)
{
    if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0)
        TU_SKIP("/usr/bin/python3 with numpy is not available");
    const double x[6] = {0.1, 1.0 / 3.0, -2.5, 1e-300, 1.7976931348623157e308, -0.0};
    const float s[4] = {0.1f, (float)(1.0 / 3.0), -2.5f, 65504.0f};
    char *dir = tu_tmpdir();
    char *script = tu_write(dir, "interop.py", interop_py);
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' write", script, dir);
    ck_assert_int_eq(system(cmd), 0);
    static const char *names[] = {"d.npy", "t.txt", "t.csv"};
    for (int k = 0; k < 3; k++) {
        char *p = join(dir, names[k]);
        rct_matrix m;
        rct_err err = {0, ""};
        ck_assert_msg(rct_matrix_read(p, &m, &err) == RECTIC_OK, "%s", err.msg);
        ck_assert(m.rows == 2 && m.cols == 3);
        for (int i = 0; i < 6; i++)
            ck_assert_msg(same_bits(m.data[i], x[i]), "%s[%d] = %.17g", names[k], i, m.data[i]);
        rct_matrix_free(&m);
        free(p);
    }
    char *p = join(dir, "s.npy");
    rct_matrix m;
    rct_err err = {0, ""};
    ck_assert_int_eq(rct_matrix_read(p, &m, &err), RECTIC_OK);
    ck_assert(m.rows == 2 && m.cols == 2);
    for (int i = 0; i < 4; i++)
        ck_assert(same_bits(m.data[i], (double)s[i]));
    rct_matrix_free(&m);
    free(p);
    p = join(dir, "c.npy");
    ck_assert_int_eq(rct_matrix_read(p, &m, &err), RECTIC_OK);
    ck_assert(m.rows == 4 && m.cols == 1);
    for (int i = 0; i < 4; i++)
        ck_assert(same_bits(m.data[i], i / 7.0));
    rct_matrix_free(&m);
    free(p);
    for (int as_float = 0; as_float <= 1; as_float++) {
        p = join(dir, as_float ? "r4.npy" : "r8.npy");
        rct_afile a;
        ck_assert_int_eq(rct_afile_open(&a, p, &err), RECTIC_OK);
        ck_assert_int_eq(rct_npy_write(a.f, x, 2, 3, as_float), 0);
        ck_assert_int_eq(rct_afile_commit(&a, &err), RECTIC_OK);
        free(p);
    }
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' check", script, dir);
    ck_assert_int_eq(system(cmd), 0);
    free(script);
    tu_rmtree(dir);
    free(dir);
}
END_TEST

/* The suite of I/O tests. */
static Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("io");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_csv_reads_matrix_exactly);
    tcase_add_test(tc, test_csv_whitespace_comments_and_crlf_are_accepted);
    tcase_add_test(tc, test_csv_bom_and_trailing_comments_are_accepted);
    tcase_add_test(tc, test_csv_ragged_row_is_error);
    tcase_add_test(tc, test_csv_non_number_is_error);
    tcase_add_test(tc, test_csv_empty_file_is_error);
    tcase_add_test(tc, test_csv_missing_file_is_error);
    tcase_add_test(tc, test_csv_write_round_trips);
    tcase_add_test(tc, test_number_formatting_matches_printf);
    tcase_add_test(tc, test_float_formatting_matches_printf);
    tcase_add_test(tc, test_npy_reads_float64_and_float32);
    tcase_add_test(tc, test_npy_header_variants_are_accepted);
    tcase_add_test(tc, test_npy_1d_is_column);
    tcase_add_test(tc, test_npy_integers_bools_and_big_endian_are_converted);
    tcase_add_test(tc, test_npy_writes_vectors_and_int64);
    tcase_add_test(tc, test_npy_fortran_order_is_error);
    tcase_add_test(tc, test_npy_unsupported_dtype_or_shape_is_error);
    tcase_add_test(tc, test_npy_huge_shape_claim_is_error_without_allocating);
    tcase_add_test(tc, test_npy_false_claim_through_a_pipe_is_error);
    tcase_add_test(tc, test_npy_truncated_is_error);
    tcase_add_test(tc, test_npy_write_round_trips);
    tcase_add_test(tc, test_matrix_read_dispatches_on_extension);
    tcase_add_test(tc, test_afile_commit_renames_and_abort_leaves_nothing);
    tcase_add_test(tc, test_afile_open_in_missing_dir_is_error);
    tcase_add_test(tc, test_afile_commit_reports_write_error);
    tcase_add_test(tc, test_numpy_interop);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(io_suite());
}

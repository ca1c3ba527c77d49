/* ====================================================================================================
 * The standalone runtime (rectic generator/standalone/sim_main.c, appended after the kernel, the
 * model tables and rectic's number formatting (common/fmt_number.h) above).  It reads the weights and inputs, applies NAME=VALUE overrides, runs the kernel
 * and writes the recordings exactly as `rectic run` does: the same CSV/.npy bytes.
 * Depends only on libc, libm and CBLAS (-DRECTIC_NO_BLAS: a plain loop instead).
 * ==================================================================================================== */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef RECTIC_NO_BLAS
/* y = A x for a row-major n x n matrix, summed in column order. */
void cblas_dgemv(int order, int trans, int m, int n, double alpha, const double *a, int lda, const double *x,
                 int incx, double beta, double *y, int incy)
{
    (void)order, (void)trans, (void)alpha, (void)beta, (void)incx, (void)incy;
    for (int i = 0; i < m; i++) {
        double acc = 0;
        for (int j = 0; j < n; j++)
            acc += a[(long)i * lda + j] * x[j];
        y[i] = acc;
    }
}
void cblas_sgemv(int order, int trans, int m, int n, float alpha, const float *a, int lda, const float *x,
                 int incx, float beta, float *y, int incy)
{
    (void)order, (void)trans, (void)alpha, (void)beta, (void)incx, (void)incy;
    for (int i = 0; i < m; i++) {
        float acc = 0;
        for (int j = 0; j < n; j++)
            acc += a[(long)i * lda + j] * x[j];
        y[i] = acc;
    }
}
#endif

static const char *sa_prog = "sim";

/* Prints "sim: message" and exits with status 1. */
static void sa_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void sa_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", sa_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *sa_alloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    if (!p)
        sa_die("out of memory");
    return p;
}

/* ---------------------------------------------------------------- reading CSV and .npy */

typedef struct sa_matrix {
    long rows, cols;
    double *d;
} sa_matrix;

/* Reads a whole file into memory. */
static char *sa_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        sa_die("%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = sa_alloc(cap + 1, 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            if (!buf)
                sa_die("out of memory");
        }
    }
    if (ferror(f))
        sa_die("%s: read error", path);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Reads comma (or blank) separated numbers; '#' starts a comment, blank lines are skipped, a UTF-8 byte
   order mark is allowed. */
static sa_matrix sa_read_csv(const char *path)
{
    size_t len;
    char *text = sa_slurp(path, &len);
    sa_matrix m = {0, 0, NULL};
    size_t cap = 1024, count = 0;
    m.d = sa_alloc(cap, sizeof(double));
    long line_no = 0;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        char *next = end ? end + 1 : line + strlen(line);
        if (end)
            *end = '\0';
        line_no++;
        char *p = line, *hash = strchr(line, '#');
        if (hash)
            *hash = '\0'; /* a comment runs to the end of the line */
        if (line_no == 1 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3; /* a UTF-8 byte order mark */
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (*p) {
            long cols = 0;
            while (*p) {
                char *e;
                double x = strtod(p, &e);
                if (e == p)
                    sa_die("%s:%ld:%ld: expected a number", path, line_no, (long)(p - line) + 1);
                if (count == cap) {
                    cap *= 2;
                    m.d = realloc(m.d, cap * sizeof(double));
                    if (!m.d)
                        sa_die("out of memory");
                }
                m.d[count++] = x;
                cols++;
                p = e;
                while (*p == ' ' || *p == '\t' || *p == '\r')
                    p++;
                if (*p == ',')
                    p++;
                while (*p == ' ' || *p == '\t' || *p == '\r')
                    p++;
            }
            if (m.rows == 0)
                m.cols = cols;
            else if (cols != m.cols)
                sa_die("%s:%ld: row has %ld values, expected %ld", path, line_no, cols, m.cols);
            m.rows++;
        }
        line = next;
    }
    free(text);
    if (m.rows == 0)
        sa_die("%s: empty file: expected at least one row of numbers", path);
    return m;
}

/* Whether this machine stores numbers little-endian. */
static int sa_little_endian(void)
{
    const int one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* The value of one .npy item of kind 'f', 'i', 'u' or 'b' and size bytes (swap: in the other byte order). */
static double sa_npy_item(const unsigned char *p, char kind, int size, int swap)
{
    unsigned char b[8];
    for (int i = 0; i < size; i++)
        b[i] = p[swap ? size - 1 - i : i];
    union { double f8; float f4; int8_t i1; int16_t i2; int32_t i4; int64_t i8; uint8_t u1; uint16_t u2;
            uint32_t u4; uint64_t u8; } v;
    memcpy(&v, b, (size_t)size);
    if (kind == 'f')
        return size == 8 ? v.f8 : v.f4;
    if (kind == 'b')
        return v.u1 != 0;
    if (kind == 'i')
        return size == 1 ? v.i1 : size == 2 ? v.i2 : size == 4 ? v.i4 : (double)v.i8;
    return size == 1 ? v.u1 : size == 2 ? v.u2 : size == 4 ? v.u4 : (double)v.u8;
}

/* Reads a C-order .npy file of floats, integers or bools of either byte order (1-D: a column). */
static sa_matrix sa_read_npy(const char *path)
{
    size_t len;
    char *b = sa_slurp(path, &len);
    sa_matrix m = {0, 0, NULL};
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        sa_die("%s: not a .npy file", path);
    size_t hlen = b[6] == 1 ? (unsigned char)b[8] | (size_t)(unsigned char)b[9] << 8
                            : (unsigned char)b[8] | (size_t)(unsigned char)b[9] << 8 |
                                  (size_t)(unsigned char)b[10] << 16 | (size_t)(unsigned char)b[11] << 24;
    size_t off = b[6] == 1 ? 10 : 12;
    if (off + hlen > len)
        sa_die("%s: truncated header", path);
    char *h = sa_alloc(hlen + 1, 1);
    memcpy(h, b + off, hlen);
    char *d = strstr(h, "'descr'");
    d = d ? strpbrk(d + 7, "'\"") : NULL;
    char order = d ? d[1] : 0, kind = order ? d[2] : 0;
    int size = kind ? d[3] - '0' : 0;
    int ok = order && strchr("<>|=", order) && kind && strchr("fiub", kind) && d[4] == d[0] &&
             (kind == 'f' ? size == 4 || size == 8 : kind == 'b' ? size == 1 : size == 1 || size == 2 || size == 4 || size == 8);
    if (!ok)
        sa_die("%s: unsupported dtype: expected numbers (float32/64, signed or unsigned integers, or bool)", path);
    int swap = (order == '>' && sa_little_endian()) || (order == '<' && !sa_little_endian());
    if (strstr(h, "'fortran_order': True"))
        sa_die("%s: Fortran-order arrays are not supported, save with C order", path);
    char *s = strstr(h, "'shape'");
    s = s ? strchr(s, '(') : NULL;
    if (!s)
        sa_die("%s: no shape in the header", path);
    char *e;
    long r = strtol(s + 1, &e, 10), c = 1;
    while (*e == ' ')
        e++;
    if (*e == ',') {
        e++;
        while (*e == ' ')
            e++;
        if (*e != ')')
            c = strtol(e, &e, 10);
        while (*e == ' ' || *e == ',')
            e++;
    }
    if (*e != ')' || r < 0 || c < 0)
        sa_die("%s: unsupported shape (expected 1 or 2 dimensions)", path);
    size_t count = (size_t)r * (size_t)c;
    if (count > (len - off - hlen) / (size_t)size)
        sa_die("%s: header claims %ldx%ld values but the file is shorter", path, r, c);
    m.rows = r;
    m.cols = c;
    m.d = sa_alloc(count, sizeof(double));
    const unsigned char *data = (const unsigned char *)b + off + hlen;
    for (size_t i = 0; i < count; i++)
        m.d[i] = sa_npy_item(data + (size_t)size * i, kind, size, swap);
    free(h);
    free(b);
    return m;
}

static sa_matrix sa_read_matrix(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && (strcmp(path + n - 4, ".npy") == 0 || strcmp(path + n - 4, ".NPY") == 0))
        return sa_read_npy(path);
    return sa_read_csv(path);
}

/* ---------------------------------------------------------------- writing (as rectic) */

/* Closes f, written under the name tmp, and renames it to path (exits with a message on failure). */
static void sa_commit(FILE *f, const char *tmp, const char *path)
{
    if (fflush(f) != 0 || ferror(f)) {
        fclose(f);
        remove(tmp);
        sa_die("%s: write failed: %s", path, strerror(errno));
    }
    fclose(f);
    if (rename(tmp, path) != 0) {
        remove(tmp);
        sa_die("%s: cannot write: %s", path, strerror(errno));
    }
}

/* Types of the .npy files written, as rectic writes them: float64, float32, int64; or'ed with SA_1D: shape
   (rows,) instead of (rows, cols). */
enum { SA_F8 = 0, SA_F4 = 1, SA_I8 = 2, SA_1D = 4 };

/* Writes dir/name.csv or .npy through a temporary file and a rename. */
static void sa_write(const char *dir, const char *name, int npy, const double *d, long rows, long cols, int type)
{
    int as_float = type == SA_F4;
    static const char *const descr[] = {"<f8", "<f4", "<i8"};
    char shape[64];
    if (type & SA_1D)
        snprintf(shape, sizeof shape, "(%ld,)", rows);
    else
        snprintf(shape, sizeof shape, "(%ld, %ld)", rows, cols);
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, npy ? "npy" : "csv");
    snprintf(tmp, sizeof tmp, "%s/.%s.%s.tmp", dir, name, npy ? "npy" : "csv");
    FILE *f = fopen(tmp, "wb");
    if (!f)
        sa_die("%s: cannot write: %s", tmp, strerror(errno));
    if (npy) {
        char header[256];
        int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                         descr[type & ~SA_1D], shape);
        int total = 10 + n + 1, pad = (64 - total % 64) % 64;
        memset(header + n, ' ', (size_t)pad);
        n += pad;
        header[n++] = '\n';
        unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 0xff), (unsigned char)(n >> 8)};
        fwrite(pre, 1, 10, f);
        fwrite(header, 1, (size_t)n, f);
        for (long i = 0; i < rows * cols; i++) {
            if (as_float) {
                float x = (float)d[i];
                fwrite(&x, 4, 1, f);
            } else if (type == SA_I8) {
                int64_t x = (int64_t)d[i];
                fwrite(&x, 8, 1, f);
            } else {
                fwrite(&d[i], 8, 1, f);
            }
        }
    } else {
        char num[32];
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                /* rectic's formatting (common/fmt_number.h, placed before this text) */
                rct_fmt_number(num, as_float ? (double)(float)d[i * cols + j] : d[i * cols + j], as_float);
                if (j > 0)
                    putc(',', f);
                fputs(num, f);
            }
            putc('\n', f);
        }
    }
    sa_commit(f, tmp, path);
}

/* Creates dir and its parents. */
static void sa_mkdirs(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                sa_die("-o %s: cannot create directory %s: %s", dir, path, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
}

/* ---------------------------------------------------------------- the run */

static int sa_var_find(const char *name)
{
    if (strncmp(name, "all/", 4) == 0)
        name += 4;
    int found = -1, count = 0;
    for (int v = 0; v < RECTIC_SA_N_VARS; v++) {
        if (strcmp(rectic_sa_vars[v].name, name) == 0)
            return v;
        if (strcmp(rectic_sa_vars[v].short_name, name) == 0) {
            found = v;
            count++;
        }
    }
    if (count > 1)
        sa_die("'%s' is ambiguous: write operator/variable", name);
    if (found < 0)
        sa_die("no variable '%s' that can be set (parameters and state variables of %s)", name, rectic_sa_template);
    return found;
}

static void sa_usage(void)
{
    printf("usage: %s [--weights FILE] [--inputs FILE] [-N n] [--steps T] [--dt DT] [--min-weight W]\n"
           "          [--sampling-steps K] [--sampling-mode pick|mean] [--cutoff C] [--spike-threshold X]\n"
           "          [--spike-reset X] [--format csv|npy] [--threads K] [-o DIR] [NAME=VALUE | NAME=@FILE ...]\n"
           "\nStandalone simulation of %s generated by rectic.\n"
           "It runs with the weights it was emitted with (networks of up to 65536 nonzero weights carry them)\n"
           "unless --weights FILE is given, and writes the\n"
           "recordings and meta.json (every setting of the run) into DIR (default: results).\n"
           "NAME=VALUE sets a parameter or an initial state for every neuron; NAME=@FILE one value per neuron\n"
           "(only for variables the kernel reads per neuron: state variables, and parameters given per\n"
           "neuron to `rectic emit --standalone`).\n", sa_prog, rectic_sa_template);
}

/* The number s given for flag, or exits with a message. */
static double sa_num(const char *flag, const char *s)
{
    char *e;
    double x = strtod(s, &e);
    if (e == s || *e || !isfinite(x))
        sa_die("%s: expected a number, got '%s'", flag, s);
    return x;
}

/* The whole number >= min given for flag (1e6 is one), or exits with a message. */
static long sa_count(const char *flag, const char *s, long min)
{
    char *e;
    double x = strtod(s, &e);
    if (e == s || *e || !(x >= (double)min) || x >= 9.2e18 || x != floor(x))
        sa_die("%s: expected a whole number >= %ld, got '%s'", flag, min, s);
    return (long)x;
}

/* The weights sim.c was emitted with (an n x n matrix; rows 0 when it carries none). */
static sa_matrix sa_embedded_weights(long n)
{
    sa_matrix w = {0, 0, NULL};
    if (!RECTIC_SA_COUPLING || n <= 0)
        return w;
#if RECTIC_SA_W_NNZ < 0
    sa_die("the weights (%ld nonzero entries) are too many to be carried in this program: give --weights FILE "
           "(the N x N matrix `rectic emit` was given)", RECTIC_SA_W_KEPT);
#endif
    w.rows = w.cols = n;
    w.d = sa_alloc((size_t)(n * n), sizeof(double));
    for (long k = 0; k < RECTIC_SA_W_NNZ; k++)
        w.d[rectic_sa_w[k].at] = rectic_sa_w[k].w;
    return w;
}

/* Writes s as a JSON string. */
static void sa_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* What meta.json records of a run. */
typedef struct sa_meta {
    const char *weights, *inputs;
    long n, steps, every, cutoff, n_spikes;
    double dt, min_weight, threshold, reset;
    int mean_mode, npy;
    const char *const *sets;
    int n_sets;
} sa_meta;

/* Writes dir/meta.json: the model, every setting of the run and how it ended (the keys of `rectic run`'s). */
static void sa_write_meta(const char *dir, const sa_meta *m)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/meta.json", dir);
    snprintf(tmp, sizeof tmp, "%s/.meta.json.tmp", dir);
    FILE *f = fopen(tmp, "w");
    if (!f)
        sa_die("%s: cannot write: %s", tmp, strerror(errno));
    fprintf(f, "{\n  \"rectic_version\": \"%s\",\n  \"program\": \"standalone\",\n  \"template\": ",
            rectic_sa_version);
    sa_json_str(f, rectic_sa_template);
    fprintf(f, ",\n  \"N\": %ld,\n  \"dt\": %.17g,\n  \"steps\": %ld,\n  \"steps_done\": %ld,\n"
               "  \"dtype\": \"%s\",\n  \"weights\": ", m->n, m->dt, m->steps, m->steps,
            RECTIC_SA_F32 ? "float32" : "float64");
    if (m->weights)
        sa_json_str(f, m->weights);
    else
        fputs(RECTIC_SA_COUPLING ? "\"(carried in the program)\"" : "null", f);
    fputs(",\n  \"inputs\": ", f);
    if (m->inputs)
        sa_json_str(f, m->inputs);
    else
        fputs("null", f);
    fprintf(f, ",\n  \"spike_threshold\": %.17g,\n  \"spike_reset\": %.17g,\n", m->threshold, m->reset);
    if (m->min_weight >= 0)
        fprintf(f, "  \"min_weight\": %.17g,\n", m->min_weight);
    else
        fputs("  \"min_weight\": null,\n", f);
    fputs("  \"set\": {", f);
    for (int k = 0; k < m->n_sets; k++) {
        const char *eq = strchr(m->sets[k], '=');
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - m->sets[k]), m->sets[k]);
        fputs(k ? ", " : "", f);
        sa_json_str(f, name);
        fputs(": ", f);
        sa_json_str(f, eq + 1);
    }
    fputs("},\n  \"record\": [", f);
    for (int k = 1; k < RECTIC_SA_N_RECORDS; k++) {
        fputs(k > 1 ? ", " : "", f);
        sa_json_str(f, rectic_sa_records[k].name);
    }
    fprintf(f, "],\n  \"sampling_steps\": %ld,\n  \"sampling_mode\": \"%s\",\n  \"cutoff\": %ld,\n"
               "  \"format\": \"%s\",\n  \"spikes\": %ld,\n  \"status\": \"done\",\n  \"end\": null\n}\n",
            m->every, m->mean_mode ? "mean" : "pick", m->cutoff, m->npy ? "npy" : "csv", m->n_spikes);
    sa_commit(f, tmp, path);
}

int main(int argc, char **argv)
{
    const char *weights_file = NULL, *inputs_file = NULL, *out_dir = "results";
    long n = rectic_sa_n, n_given = 0, steps = rectic_sa_steps, every = rectic_sa_sampling_steps,
         cutoff = rectic_sa_cutoff;
    double dt = rectic_sa_dt, min_weight = rectic_sa_min_weight, threshold = rectic_sa_threshold,
           reset = rectic_sa_reset;
    int mean_mode = rectic_sa_sampling_mean, npy = rectic_sa_npy;
    long threads = sysconf(_SC_NPROCESSORS_ONLN); /* used when built with -fopenmp, for n >= 4096 */
    const char *sets[256];
    int n_sets = 0;
    sa_prog = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define SA_VAL() (i + 1 < argc ? argv[++i] : (sa_die("%s: expected a value after it", a), ""))
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            sa_usage();
            return 0;
        } else if (!strcmp(a, "--weights")) weights_file = SA_VAL();
        else if (!strcmp(a, "--inputs")) inputs_file = SA_VAL();
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) out_dir = SA_VAL();
        else if (!strcmp(a, "-N")) n = n_given = sa_count(a, SA_VAL(), 1);
        else if (!strcmp(a, "--steps")) steps = sa_count(a, SA_VAL(), 0);
        else if (!strcmp(a, "--dt")) dt = sa_num(a, SA_VAL());
        else if (!strcmp(a, "--min-weight")) min_weight = sa_num(a, SA_VAL());
        else if (!strcmp(a, "--spike-threshold")) threshold = sa_num(a, SA_VAL());
        else if (!strcmp(a, "--spike-reset")) reset = sa_num(a, SA_VAL());
        else if (!strcmp(a, "--sampling-steps")) every = sa_count(a, SA_VAL(), 1);
        else if (!strcmp(a, "--cutoff")) cutoff = sa_count(a, SA_VAL(), 0);
        else if (!strcmp(a, "--threads")) threads = sa_count(a, SA_VAL(), 1);
        else if (!strcmp(a, "--sampling-mode")) {
            const char *v = SA_VAL();
            if (strcmp(v, "pick") && strcmp(v, "mean"))
                sa_die("--sampling-mode: expected pick or mean, got '%s'", v);
            mean_mode = !strcmp(v, "mean");
        } else if (!strcmp(a, "--format")) {
            const char *v = SA_VAL();
            if (strcmp(v, "csv") && strcmp(v, "npy"))
                sa_die("--format: expected csv or npy, got '%s'", v);
            npy = !strcmp(v, "npy");
        } else if (strchr(a, '=') && a[0] != '-') {
            if (n_sets == 256)
                sa_die("too many NAME=VALUE overrides");
            sets[n_sets++] = a;
        } else {
            sa_die("unknown argument '%s' (see --help)", a);
        }
#undef SA_VAL
    }
    if (!(dt > 0))
        sa_die("--dt: the step size must be positive");
    if (every < 1 || cutoff < 0)
        sa_die("--sampling-steps must be >= 1 and --cutoff >= 0");
    size_t dir_len = strlen(out_dir);
    while (dir_len > 1 && out_dir[dir_len - 1] == '/')
        dir_len--; /* "out/" names the folder out: no "out//x.csv" */
    char *dir = sa_alloc(dir_len + 1, 1);
    memcpy(dir, out_dir, dir_len);
    sa_matrix w = {0, 0, NULL}, in = {0, 0, NULL};
    if (weights_file) {
        w = sa_read_matrix(weights_file);
        if (w.rows != w.cols)
            sa_die("--weights: %s is %ld x %ld: expected a square N x N matrix", weights_file, w.rows, w.cols);
    } else {
        w = sa_embedded_weights(rectic_sa_n);
    }
    if (RECTIC_SA_COUPLING && n_given && n != w.rows)
        sa_die("-N %ld: the weights (%s) are for %ld neurons", n, weights_file ? weights_file : "carried in the program",
               w.rows);
    if (RECTIC_SA_COUPLING)
        n = w.rows;
    if (inputs_file) {
        in = sa_read_matrix(inputs_file);
        if (n <= 0)
            n = in.cols;
        if (in.cols != n && in.cols != 1)
            sa_die("--inputs: %s has %ld columns: expected %ld (one per neuron) or 1", inputs_file, in.cols, n);
        if (steps < 0)
            steps = in.rows;
        else if (steps > in.rows)
            sa_die("--steps %ld: %s has only %ld rows of input", steps, inputs_file, in.rows);
    }
    if (n <= 0)
        sa_die("the number of neurons is unknown: give --weights or -N");
    if (steps < 0)
        sa_die("give --inputs FILE or --steps T");
    if (steps > 0 && cutoff >= steps)
        sa_die("--cutoff %ld: at or beyond the last step (%ld steps): nothing would be recorded", cutoff, steps);

    /* state, parameters, weights in the kernel's type */
    real *y = sa_alloc((size_t)(RECTIC_SA_N_STATE * n), sizeof(real));
    real *alg = sa_alloc((size_t)(RECTIC_SA_N_ALG * n), sizeof(real));
    real *coup = sa_alloc((size_t)n, sizeof(real));
    real *param[RECTIC_SA_N_PARAM + 1];
    for (int p = 0; p < RECTIC_SA_N_PARAM; p++)
        param[p] = sa_alloc((size_t)n, sizeof(real));
    for (int v = 0; v < RECTIC_SA_N_VARS; v++)
        for (long i = 0; i < n; i++) {
            real *dst = rectic_sa_vars[v].kind == 0 ? y + rectic_sa_vars[v].slot * n : param[rectic_sa_vars[v].slot];
            dst[i] = (real)rectic_sa_vars[v].value;
        }
    if (RECTIC_SA_TARGET_DEFAULT_USED)
        for (long i = 0; i < n; i++)
            coup[i] = (real)rectic_sa_target_default;
    for (int k = 0; k < n_sets; k++) {
        char name[256];
        const char *eq = strchr(sets[k], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - sets[k]), sets[k]);
        int v = sa_var_find(name);
        const struct rectic_sa_var *var = &rectic_sa_vars[v];
        real *dst = var->kind == 0 ? y + var->slot * n : param[var->slot];
        if (eq[1] == '@') {
            sa_matrix m = sa_read_matrix(eq + 2);
            if (m.rows * m.cols != n || (m.rows != 1 && m.cols != 1))
                sa_die("%s: %s holds %ld x %ld values: expected %ld (one per neuron)", name, eq + 2, m.rows, m.cols, n);
            if (var->kind == 1 && !var->vector && n > 1)
                sa_die("%s: the kernel reads one value for every neuron: emit with --set %s=@FILE to make it per neuron",
                       name, name);
            for (long i = 0; i < n; i++)
                dst[i] = (real)m.d[i];
            free(m.d);
        } else {
            double x = sa_num(name, eq + 1);
            for (long i = 0; i < n; i++)
                dst[i] = (real)x;
        }
    }
    real *wr = NULL;
    if (RECTIC_SA_COUPLING) {
        wr = sa_alloc((size_t)(n * n), sizeof(real));
        for (long i = 0; i < n * n; i++) {
            if (!isfinite(w.d[i]))
                sa_die("--weights: entry [%ld, %ld] is not a finite number", i / n, i % n);
            wr[i] = (real)(min_weight >= 0 && fabs(w.d[i]) <= min_weight ? 0.0 : w.d[i]);
        }
    }
    long cols = inputs_file ? in.cols : 1;
    real *inr = sa_alloc((size_t)((inputs_file ? steps : 1) * cols), sizeof(real));
    for (long i = 0; inputs_file && i < steps * cols; i++)
        inr[i] = (real)in.d[i];

    /* recordings */
    long first = (cutoff + every - 1) / every * every;
    long rows = steps <= cutoff || first >= steps ? 0 : (steps - 1 - first) / every + 1;
    rectic_krec rec[RECTIC_SA_N_RECORDS];
    double *buf[RECTIC_SA_N_RECORDS];
    for (int k = 0; k < RECTIC_SA_N_RECORDS; k++) {
        rec[k].where = rectic_sa_records[k].where;
        rec[k].slot = rectic_sa_records[k].slot;
        rec[k].phase = rectic_sa_records[k].phase;
        rec[k].stride = rec[k].where == 3 ? (inputs_file && in.cols == n && n > 1)
                        : rec[k].where == 4 ? (long)rectic_sa_param_vector[rec[k].slot] : 1;
        buf[k] = sa_alloc((size_t)(rows * n), sizeof(double));
    }
    rectic_kctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.dt = dt;
    c.threshold = threshold;
    c.reset = reset;
    c.y = y;
    c.alg = alg;
    c.coup = coup;
    c.w = wr;
    c.param = (const real *const *)param;
    c.in_row = inputs_file ? in.cols : 0;
    c.in_col = inputs_file && in.cols == n && n > 1 ? 1 : 0;
    c.n_rec = RECTIC_SA_N_RECORDS;
    c.rec = rec;
    c.rec_buf = buf;
    c.rec_cap = rows;
    c.sample_every = every;
    c.cutoff = cutoff;
    c.sample_mean = mean_mode;
    c.acc = sa_alloc((size_t)n, sizeof(double));
    c.threads = threads > 0 ? (int)threads : 1;
    long done = 0;
    while (done < steps) {
        if (RECTIC_SA_SPIKING && c.n_spikes + n > c.cap_spikes) {
            long cap = c.cap_spikes ? c.cap_spikes : 1024;
            while (cap < c.n_spikes + n)
                cap *= 2;
            c.spikes = realloc(c.spikes, (size_t)cap * 2 * sizeof(long));
            if (!c.spikes)
                sa_die("out of memory");
            c.cap_spikes = cap;
        }
        c.input = inr + (inputs_file ? done * cols : 0);
        done += rectic_kernel(&c, steps - done);
    }

    /* outputs */
    sa_mkdirs(dir);
    for (int k = 0; k < RECTIC_SA_N_RECORDS; k++)
        sa_write(dir, rectic_sa_records[k].file, npy, buf[k], rows, n, RECTIC_SA_F32 ? SA_F4 : SA_F8);
    double *t = sa_alloc((size_t)rows, sizeof(double));
    for (long r = 0; r < rows; r++)
        t[r] = (double)(first + r * every) * dt;
    sa_write(dir, "time", npy, t, rows, 1, SA_F8 | SA_1D);
    if (RECTIC_SA_SPIKING) {
        double *sp = sa_alloc((size_t)(2 * c.n_spikes), sizeof(double));
        for (long i = 0; i < 2 * c.n_spikes; i++)
            sp[i] = (double)c.spikes[i];
        sa_write(dir, "spikes", npy, sp, c.n_spikes, 2, SA_I8);
        free(sp);
    }
    sa_meta meta = {weights_file, inputs_file, n, steps, every, cutoff, c.n_spikes, dt, min_weight, threshold, reset,
                    mean_mode, npy, sets, n_sets};
    sa_write_meta(dir, &meta);
    fprintf(stderr, "%s: %ld steps, %ld neurons, %ld spikes; recordings in %s%s\n", sa_prog, steps, n, c.n_spikes,
            dir, strcmp(dir, "/") ? "/" : "");
    for (int k = 0; k < RECTIC_SA_N_RECORDS; k++)
        free(buf[k]);
    for (int p = 0; p < RECTIC_SA_N_PARAM; p++)
        free(param[p]);
    free(t), free(c.acc), free(c.spikes), free(inr), free(wr), free(y), free(alg), free(coup);
    free(w.d), free(in.d), free(dir);
    return 0;
}

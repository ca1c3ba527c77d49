/*
 * plot.c -- `rectic plot`: draws recordings against time with gnuplot (one line per neuron up to a
 * limit, their mean, a raster of the spikes, optionally the inputs), as RectiPy's Observer.plot.
 */
#include "plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rectic.h"

#define MAX_LINES 20 /* neurons drawn one line each; the mean is drawn for all */
#define PANEL_LEFT 0.08  /* left edge of every panel's axes, as a fraction of the figure's width */
#define PANEL_RIGHT 0.84 /* right edge: the key stands to the right of it */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Finds DIR/NAME.csv or DIR/NAME.npy. */
static int find_rec(const char *dir, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.csv", dir, name);
    if (exists(path))
        return 1;
    snprintf(path, size, "%s/%s.npy", dir, name);
    return exists(path);
}

/* Is gnuplot on the PATH? */
static int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *copy = strdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char exe[4096];
        snprintf(exe, sizeof exe, "%s/gnuplot", *d ? d : ".");
        found = access(exe, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* Reads a recording; err names the file. */
static int load(const char *path, double **d, long *rows, long *cols, char *err, size_t errsize)
{
    if (rectic_read_matrix(path, d, rows, cols) == RECTIC_OK)
        return 0;
    snprintf(err, errsize, "%s", rectic_last_error());
    return -1;
}

/* Writes "t x1 .. xk mean" rows (k <= MAX_LINES) for gnuplot. */
static int write_lines(FILE *f, const double *t, const double *x, long rows, long cols)
{
    long k = cols < MAX_LINES ? cols : MAX_LINES;
    for (long r = 0; r < rows; r++) {
        double sum = 0;
        fprintf(f, "%.17g", t[r]);
        for (long j = 0; j < cols; j++) {
            sum += x[r * cols + j];
            if (j < k)
                fprintf(f, " %.17g", x[r * cols + j]);
        }
        fprintf(f, " %.17g\n", sum / (double)cols);
    }
    return ferror(f) ? -1 : 0;
}

/* The gnuplot terminal for an output file name. */
static const char *terminal_for(const char *out)
{
    const char *dot = strrchr(out, '.');
    if (dot && !strcmp(dot, ".svg"))
        return "svg size 1000,%d dynamic background rgb 'white'";
    if (dot && !strcmp(dot, ".pdf"))
        return "pdfcairo size 10in,%din";
    if (dot && !strcmp(dot, ".png"))
        return "pngcairo size 1000,%d";
    return NULL;
}

/* Starts a panel of the multiplot: its title and the same left and right margins (in screen
 * coordinates) as every other panel, so that the time axes of the panels line up. */
static void panel_frame(FILE *gp, const char *title)
{
    fprintf(gp, "set title '%s'\nset xlabel 'time'\nset lmargin at screen %.2f\nset rmargin at screen %.2f\n",
            title, PANEL_LEFT, PANEL_RIGHT);
}

/* A whole number member of dir/meta.json ("sampling_steps": the steps between two recorded rows;
   "first_step": the step the run began at), or fallback without it. */
static long meta_long(const char *dir, const char *key, long fallback)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/meta.json", dir);
    FILE *f = fopen(path, "r");
    long size = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    char *text = size >= 0 ? malloc((size_t)size + 1) : NULL;
    size_t len = text && fseek(f, 0, SEEK_SET) == 0 ? fread(text, 1, (size_t)size, f) : 0;
    if (f)
        fclose(f);
    long k = fallback;
    if (text) {
        char member[64];
        snprintf(member, sizeof member, "\"%s\":", key);
        text[len] = '\0';
        const char *at = strstr(text, member);
        k = at ? strtol(at + strlen(member), NULL, 10) : fallback;
        free(text);
    }
    return k;
}

static long sampling_steps(const char *dir)
{
    long k = meta_long(dir, "sampling_steps", 1);
    return k >= 1 ? k : 1;
}

/* The raster's neuron axis: every neuron from 0 to n-1 in range (n: the recording's columns or the
 * largest spiking neuron + 1), ticks on whole numbers 0, step, 2*step, ... with at most ~10 of them. */
static void neuron_axis(FILE *gp, long cols, const double *sp, long rows, long stride)
{
    long n = cols;
    for (long r = 0; r < rows; r++)
        if (sp[r * stride + 1] + 1 > (double)n)
            n = (long)sp[r * stride + 1] + 1;
    long step = 1;
    for (long mult = 1; n / step > 10; mult *= 10) /* 1, 2, 5, 10, 20, 50, ... */
        step = n / (2 * mult) <= 10 ? 2 * mult : n / (5 * mult) <= 10 ? 5 * mult : 10 * mult;
    fprintf(gp, "set ylabel 'neuron'\nset yrange [-0.5:%ld.5]\nset ytics 0,%ld\nset format y '%%.0f'\n", n - 1, step);
}

int rct_cli_plot(const char *dir, const char *var, const char *inputs, const char *out, char *err, size_t errsize)
{
    /* names go into gnuplot's script between single quotes: refuse what could end the quotes */
    const char *names[] = {dir, var, out, inputs};
    for (int i = 0; i < 4; i++)
        if (names[i] && strpbrk(names[i], "'\"`\n\r\\$")) {
            snprintf(err, errsize, "plot: '%s' contains a quote, backslash, '$' or newline: rename it", names[i]);
            return 1;
        }
    const char *term = terminal_for(out);
    if (!term) {
        snprintf(err, errsize, "-o %s: expected a .png, .svg or .pdf file name", out);
        return 1;
    }
    if (!have_gnuplot()) {
        snprintf(err, errsize, "plot: gnuplot not found on the PATH (Debian: apt-get install gnuplot-nox); the "
                               "recordings in %s are complete", dir);
        return 1;
    }
    char vpath[4300], tpath[4300], spath[4300];
    if (!find_rec(dir, var, vpath, sizeof vpath)) {
        snprintf(err, errsize, "plot: no recording %s/%s.csv or .npy (record it with --record %s)", dir, var, var);
        return 1;
    }
    if (!find_rec(dir, "time", tpath, sizeof tpath)) {
        snprintf(err, errsize, "plot: no %s/time.csv or time.npy: is %s a rectic results directory?", dir, dir);
        return 1;
    }
    int spikes = find_rec(dir, "spikes", spath, sizeof spath);
    double *x = NULL, *t = NULL, *sp = NULL, *in = NULL;
    long xr, xc, tr, tc, sr = 0, sc = 0, ir = 0, ic = 0;
    int rc = 1;
    char tmpdir[] = "/tmp/rectic-plot-XXXXXX";
    if (load(vpath, &x, &xr, &xc, err, errsize) || load(tpath, &t, &tr, &tc, err, errsize) ||
        (spikes && load(spath, &sp, &sr, &sc, err, errsize)) || (inputs && load(inputs, &in, &ir, &ic, err, errsize)))
        goto done;
    if (tr != xr) {
        snprintf(err, errsize, "plot: %s has %ld rows but %s has %ld", vpath, xr, tpath, tr);
        goto done;
    }
    if (!mkdtemp(tmpdir)) {
        snprintf(err, errsize, "plot: cannot create a temporary directory: %s", strerror(errno));
        goto done;
    }
    char lines[128], raster[128], inp[128];
    snprintf(lines, sizeof lines, "%s/lines.dat", tmpdir);
    snprintf(raster, sizeof raster, "%s/raster.dat", tmpdir);
    snprintf(inp, sizeof inp, "%s/inputs.dat", tmpdir);
    FILE *f = fopen(lines, "w");
    if (!f || write_lines(f, t, x, xr, xc) || fclose(f)) {
        snprintf(err, errsize, "plot: cannot write %s", lines);
        goto cleanup;
    }
    /* rows are sampling_steps steps apart: a step lasts (t[1] - t[0]) / sampling_steps */
    double dt = tr > 1 ? (t[1] - t[0]) / (double)sampling_steps(dir) : 1.0;
    if (spikes) {
        f = fopen(raster, "w");
        for (long k = 0; f && k < sr; k++) /* spikes hold steps; their time is step * (time per step) */
            fprintf(f, "%.17g %g\n", sp[k * sc] * (tr > 1 ? dt : 1.0), sp[k * sc + 1]);
        if (!f || fclose(f)) {
            snprintf(err, errsize, "plot: cannot write %s", raster);
            goto cleanup;
        }
    }
    if (in) {
        long first = meta_long(dir, "first_step", 0); /* row r is step first + r (a run from a loaded state) */
        f = fopen(inp, "w");
        for (long r = 0; f && r < ir && r < 100000; r++) {
            fprintf(f, "%.17g", (double)(first + r) * (tr > 1 ? dt : 1.0));
            for (long j = 0; j < ic && j < MAX_LINES; j++)
                fprintf(f, " %.17g", in[r * ic + j]);
            fputc('\n', f);
        }
        if (!f || fclose(f)) {
            snprintf(err, errsize, "plot: cannot write %s", inp);
            goto cleanup;
        }
    }
    int panels = 1 + (spikes && sr > 0) + (in != NULL);
    char termline[160];
    snprintf(termline, sizeof termline, term, strstr(term, "in") && !strstr(term, "dynamic") ? 3 * panels : 300 * panels);
    FILE *gp = popen("gnuplot", "w");
    if (!gp) {
        snprintf(err, errsize, "plot: cannot start gnuplot: %s", strerror(errno));
        goto cleanup;
    }
    fprintf(gp, "set terminal %s\nset output '%s'\n", termline, out);
    fprintf(gp, "set multiplot layout %d,1\nset key outside right\nset grid\n", panels);
    if (tr > 1 && t[tr - 1] > t[0]) { /* every panel spans the recording's time, and the spikes after its last row */
        double last = t[tr - 1];
        for (long k = 0; spikes && k < sr; k++)
            last = sp[k * sc] * dt > last ? sp[k * sc] * dt : last;
        fprintf(gp, "set xrange [%.17g:%.17g]\n", t[0], last);
    }
    if (in) {
        panel_frame(gp, "inputs");
        fprintf(gp, "plot ");
        for (long j = 0; j < ic && j < MAX_LINES; j++)
            fprintf(gp, "%s'%s' using 1:%ld with lines title 'neuron %ld'", j ? ", " : "", inp, j + 2, j);
        fputc('\n', gp);
    }
    long k = xc < MAX_LINES ? xc : MAX_LINES;
    panel_frame(gp, var);
    fprintf(gp, "plot ");
    for (long j = 0; j < k; j++)
        fprintf(gp, "'%s' using 1:%ld with lines lw 1 title '%ld', ", lines, j + 2, j);
    fprintf(gp, "'%s' using 1:%ld with lines lw 3 lc rgb 'black' title 'mean'\n", lines, k + 2);
    if (spikes && sr > 0) {
        panel_frame(gp, "spikes");
        neuron_axis(gp, xc, sp, sr, sc);
        fprintf(gp, "plot '%s' using 1:2 with points pt 7 ps 0.4 lc rgb 'black' notitle\n", raster);
    }
    fprintf(gp, "unset multiplot\n");
    int status = pclose(gp);
    struct stat st;
    if (status != 0 || stat(out, &st) != 0 || st.st_size == 0)
        snprintf(err, errsize, "plot: gnuplot failed to write %s (exit status %d)", out, status);
    else
        rc = 0;
cleanup:
    unlink(lines);
    unlink(raster);
    unlink(inp);
    rmdir(tmpdir);
done:
    free(x), free(t), free(sp), free(in);
    return rc;
}

/*
 * rectic.c -- the command line: a thin client of the rectic.h API.
 *
 *   rectic run TEMPLATE [options]      simulate and write the recordings
 *   rectic emit TEMPLATE [options]     write the generated kernel source
 *   rectic check TEMPLATE              print the resolved template
 *   rectic templates                   list the built-in templates
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "io_yaml.h"
#include "netfile.h"
#include "plot.h"
#include "rectic.h"

#define complain rct_cli_complain

static volatile sig_atomic_t caught_signal = 0; /* the first SIGINT, SIGTERM or SIGHUP */
static volatile int cancel_flag = 0;

static const char usage_main[] =
    "usage: rectic COMMAND [options]\n"
    "\n"
    "Simulate networks of model neurons described by PyRates/RectiPy YAML templates.\n"
    "\n"
    "commands:\n"
    "  run TEMPLATE        simulate a network and write its recordings\n"
    "  fit ridge TEMPLATE  run it over training inputs and fit a readout to targets (ridge regression)\n"
    "  fit rls TEMPLATE    train a readout online while the network runs (recursive least squares, FORCE)\n"
    "  emit TEMPLATE       write the generated C kernel (of a network file too)\n"
    "  check TEMPLATE      print a template after inheritance: operators, variables, equations\n"
    "  templates           list the built-in templates\n"
    "  plot DIR [VAR]      draw recordings of a run with gnuplot\n"
    "\n"
    "  rectic COMMAND --help   options of a command;  rectic --version\n";

/* ---------------------------------------------------------------- progress */

typedef struct progress {
    double start, drawn; /* when the run started, when the bar was last drawn */
    int shown, enabled;
    const char *loading; /* NULL: a run's steps; else what is loading (a percentage is shown) */
    int lines;           /* stderr is no terminal (-v): a line now and then instead of a bar redrawn */
} progress;

#define PROGRESS_REDRAW 0.1 /* seconds between redraws: at most ~10 a second */
#define PROGRESS_LINES 1.0  /* seconds between the lines of -v when stderr is no terminal */

static double started; /* when main began */

/* Seconds before a bar shows: 1, or RECTIC_PROGRESS_DELAY (the tests show a short load's bar with 0). */
static double progress_delay(void)
{
    const char *d = getenv("RECTIC_PROGRESS_DELAY");
    return d && *d ? atof(d) : 1.0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Draws the progress bar once the run (or the load) has taken more than a second; a load's bar goes when
   it is done. */
static int on_progress(void *user, long done, long total)
{
    progress *p = user;
    if (caught_signal)
        return 1;
    double t = now() - p->start;
    if (p->loading && p->shown && done >= total) {
        fputs(p->lines ? "" : "\r\033[K", stderr);
        p->shown = 0;
        return 0;
    }
    double redraw = p->lines ? PROGRESS_LINES : PROGRESS_REDRAW;
    if (!p->enabled || t < progress_delay() || total <= 0 || (p->shown && t - p->drawn < redraw && done < total))
        return 0;
    p->drawn = t;
    double rate = done / t;
    double eta = rate > 0 ? (total - done) / rate : 0;
    int width = 30, fill = (int)((double)width * done / total);
    if (p->loading && p->lines) {
        fprintf(stderr, "rectic: loading %s: %3.0f%%, ETA %.1fs\n", p->loading, 100.0 * done / total, eta);
        p->shown = 1;
        return 0;
    }
    if (p->loading) {
        fprintf(stderr, "\r[%.*s%*s] loading %s %3.0f%%  ETA %.1fs ", fill, "##############################",
                width - fill, "", p->loading, 100.0 * done / total, eta);
        p->shown = 1;
        return 0;
    }
    fprintf(stderr, "\r[%.*s%*s] %ld/%ld steps  %.3g steps/s  ETA %.1fs ", fill,
            "##############################", width - fill, "", done, total, rate, eta);
    p->shown = 1;
    return 0;
}

/* The first SIGINT, SIGTERM or SIGHUP stops the run at the next check; the steps done are still written as
   a complete set (a signal during the write phase waits for it).  A second signal ends the process at once:
   the folder then keeps the previous set with its meta.json, or no meta.json. */
static void on_signal(int sig)
{
    if (caught_signal) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    caught_signal = sig;
    cancel_flag = 1;
}

/* Routes SIGINT, SIGTERM and SIGHUP to on_signal (interrupted system calls restart). */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* The name of a signal that stops a run. */
static const char *signal_name(int sig)
{
    return sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "SIGINT";
}

/* ---------------------------------------------------------------- commands */

/* What the positional argument names: 1 a network file, 2 a PyRates circuit, 0 a template; -1 (said) when
   it is an existing .yaml/.yml file that is not YAML, which no reading of it as a template would say first. */
static int positional_kind(options *o)
{
    const char *path = o->spec.template_ref;
    if (rct_netfile_is_yaml(path)) {
        rct_err err = {0, ""};
        rct_ydoc *doc = NULL;
        int rc = rct_yaml_load_file(path, &doc, &err);
        rct_yaml_free(doc);
        if (rc) {
            complain("%s", err.msg);
            return -1;
        }
    }
    return rct_netfile_detect(path) ? 1 : rct_cli_circuit_detect(o) ? 2 : 0;
}

/* rectic run, and rectic fit ridge (fit: a run followed by the fit of a readout). */
static int cmd_run(int argc, char **argv, int fit)
{
    options o;
    memset(&o, 0, sizeof o);
    o.ridge.fit = fit;
    double t0 = now();
    o.times.start = started;
    int cmd = fit == RCT_FIT_RLS ? RCT_CMD_RLS : fit ? RCT_CMD_RIDGE : RCT_CMD_RUN;
    if (rct_cli_parse_options(argc, argv, &o, cmd) ||
        rct_cli_mpi_start(&o)) {
        rct_cli_free_options(&o);
        return 1;
    }
    o.network = positional_kind(&o);
    int bad = o.network < 0 || rct_cli_ridge_load(&o) || rct_cli_rls_load(&o) || (o.network == 2 ? rct_cli_circ_load(&o)
                                         : o.network  ? rct_cli_net_load(&o)
                                                      : rct_cli_single_input(&o) || rct_cli_load_data(&o, 1));
    if (!bad && o.steps < 0) {
        complain("give --inputs FILE or --steps T");
        bad = 1;
    }
    if (!bad && o.steps > 0 && o.cutoff >= o.steps && !o.state.load) { /* a loaded state: checked once loaded */
        complain("--cutoff %ld: at or beyond the last step (%ld steps): nothing would be recorded", o.cutoff, o.steps);
        bad = 1;
    }
    o.times.files = now() - t0; /* the inputs, a network file and the files it names */
    progress lp = {now(), 0, 0, !o.quiet && (isatty(2) || o.verbose), "the weights", !isatty(2)};
    o.spec.load_progress = on_progress;
    o.spec.load_progress_user = &lp;
    double t_build = now();
    rectic_net *net = bad ? NULL : o.network == 2 ? rct_cli_circ_build(&o) : o.network ? rct_cli_net_build(&o) : rct_cli_build(&o);
    if (net && (rct_cli_ridge_apply(&o, net) || rct_cli_rls_apply(&o, net) || rct_cli_state_apply(&o, net))) {
        /* layers, targets, training and feedback, --load-state */
        rectic_net_free(net);
        net = NULL;
    }
    if (net && o.mpi && rectic_net_use_mpi(net, 1) != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        rectic_net_free(net);
        net = NULL;
    }
    if (rct_cli_mpi_agree(&o, !net) || rct_cli_mpi_agree(&o, rct_cli_mpi_inputs(&o, net))) {
        /* under MPI: every rank built its network and read its part of the inputs, or all stop */
        rectic_net_free(net);
        rct_cli_free_options(&o);
        return 1;
    }
    rectic_timings tb; /* building: the library's phases, and the command's reading of --set and --record files */
    rectic_net_timings(net, &tb);
    o.times.files += now() - t_build - (tb.load + tb.weights + tb.coupling + tb.generate + tb.jit);
    progress p = {now(), 0, 0, !o.quiet && isatty(2), NULL, 0};
    rectic_net_on_progress(net, on_progress, &p);
    rectic_net_cancel_flag(net, &cancel_flag);
    rectic_net_check_finite(net, !o.no_check_finite);
    if (o.threads > 0) {
        rectic_set_threads((int)o.threads);
        rectic_net_threads(net, (int)o.threads);
    }
    if (o.max_memory > 0)
        rectic_net_max_memory(net, o.max_memory > 1e18 ? (size_t)1e18 : (size_t)o.max_memory);
    if (rectic_output_incomplete(o.out_dir))
        complain("warning: -o %s: the previous output set there is incomplete (its write was interrupted); this "
                 "run replaces it", o.out_dir);
    int out_bad = rct_cli_mpi_writer(&o) && rectic_net_check_output(net, o.out_dir, o.format, o.steps) != RECTIC_OK;
    if (out_bad) /* before a long run; under MPI rank 0 writes */
        complain("%s", rectic_errmsg(net));
    if (rct_cli_mpi_agree(&o, out_bad)) {
        rectic_net_free(net);
        rct_cli_free_options(&o);
        return 1;
    }
    catch_signals();
    int warned = rectic_net_warning_count(net); /* printed by rct_cli_build */
    int rc = rectic_net_run(net, o.steps, o.inputs, o.inputs ? o.in_cols : 0);
    int interrupted = caught_signal != 0;
    if (p.shown)
        fputs("\r\033[K", stderr);
    rct_cli_warnings(net, &warned); /* a recompilation during the run may add some */
    int numeric = rc == RECTIC_ENUMERIC;
    char status[2300], flags[2200];
    if (rc == RECTIC_OK)
        snprintf(status, sizeof status, "completed");
    else if (interrupted)
        snprintf(status, sizeof status, "interrupted (%s)", signal_name(caught_signal));
    else
        snprintf(status, sizeof status, "%s%s", numeric ? "stopped: " : "error",
                 numeric ? rct_cli_flags(rectic_errmsg(net), flags, sizeof flags) : "");
    int exit_code = rc == RECTIC_OK ? 0 : interrupted ? 128 + caught_signal : numeric ? 3 : 1;
    if (rc != RECTIC_OK && !interrupted)
        complain("%s", rectic_errmsg(net));
    if (o.mpi && rc != RECTIC_OK && !interrupted && !numeric && rc != RECTIC_ECANCEL)
        rct_cli_mpi_abort(&o, exit_code); /* a rank's own error: the others may wait for it in an exchange */
    if (rct_cli_mpi_meta_make(&o, net) || !rct_cli_mpi_writer(&o)) { /* the other ranks are done */
        rectic_net_free(net);
        rct_cli_free_options(&o);
        return exit_code;
    }
    int saved = rc == RECTIC_OK || interrupted || numeric ? rct_cli_state_save(&o, net, !numeric) : 0;
    o.times.write_start = now();
    int failed_after = rc == RECTIC_OK && (rct_cli_ridge_after(&o, net) || rct_cli_rls_after(&o, net)); /* a fit, or
                                                                                                         a score */
    if (failed_after) /* a fit or score that fails writes nothing: the previous outputs stay */
        exit_code = 1;
    else if ((rc == RECTIC_OK || interrupted || numeric) && rct_cli_write_meta(&o, net, status))
        exit_code = exit_code ? exit_code : 1;
    o.times.write_end = now();
    if (saved && !exit_code)
        exit_code = 1;
    if (caught_signal && !exit_code) /* a signal during the write phase: the set is complete, then we stop */
        exit_code = 128 + caught_signal;
    if (o.plot && exit_code == 0) {
        char err[4400], var[256];
        if (rct_cli_plot(o.out_dir, rct_cli_plot_var(&o, var, sizeof var), NULL, o.plot, err, sizeof err))
            complain("%s (the run itself succeeded)", err); /* a missing plot never fails the run */
    }
    long n_spikes = rct_cli_spike_count(&o, net);
    rectic_timings t; /* what -v and the summary say, kept: they are said once everything is freed */
    rectic_net_timings(net, &t);
    const char *kernel = rectic_net_backend(net), *coupling = rectic_net_coupling(net),
               *layout = rectic_net_weights_layout(net); /* names the library never frees */
    int streamed = rectic_net_streamed(net);
    long steps_done = rectic_net_steps_done(net), size = rectic_net_size(net);
    rectic_net_free(net);
    rct_cli_free_options(&o);
    if (o.verbose) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        rct_cli_phases_print(stderr, &t, &o.times, now());
        fprintf(stderr, "; kernel: %s; coupling: %s; weights: %s; peak RSS %.1f MiB%s\n", kernel, coupling, layout,
                ru.ru_maxrss / 1024.0, streamed ? " (recordings streamed)" : "");
    }
    if (!o.quiet)
        fprintf(stderr, "%s: %ld steps, %ld neurons, %ld spikes, %.3f s\n",
                interrupted ? "interrupted" : numeric ? "stopped" : exit_code ? "failed" : "done", steps_done, size,
                n_spikes, now() - t0);
    return exit_code;
}

/* rectic fit ridge|rls ...: the fit of a readout (cli/ridge.c), or its online training (cli/rls.c). */
static int cmd_fit(int argc, char **argv)
{
    if (argc >= 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
        fputs(rct_usage_fit, stdout);
        fputs("\n", stdout);
        fputs(rct_usage_fit_rls, stdout);
        fputs("\n`rectic fit ridge --help` and `rectic fit rls --help` list every flag of each.\n", stdout);
        return 0;
    }
    int method = argc < 1 ? 0 : !strcmp(argv[0], "ridge") ? RCT_FIT_RIDGE : !strcmp(argv[0], "rls") ? RCT_FIT_RLS : 0;
    if (!method) {
        complain("fit: expected a method: rectic fit ridge|rls TEMPLATE ... (see rectic fit --help)");
        return 2;
    }
    return cmd_run(argc - 1, argv + 1, method);
}

/* Refuses a network file where a command takes one template (1: refused). */
static int refuse_network(const char *cmd, const options *o)
{
    if (!rct_netfile_detect(o->spec.template_ref))
        return 0;
    complain("%s: %s is a network file: `rectic %s` takes one template (rectic run runs network files)", cmd,
             o->spec.template_ref, cmd);
    return 1;
}

/* Writes text to path through a temporary file and a rename; flag names the option in messages. */
static int write_text_file(const char *flag, const char *path, const char *text)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        complain("%s %s: cannot write: %s", flag, path, strerror(errno));
        return 1;
    }
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        complain("%s %s: cannot write: %s", flag, path, strerror(errno));
        unlink(tmp);
        return 1;
    }
    return 0;
}

/* The files `emit --project DIR` writes into DIR. */
static const char *const project_files[] = {"sim.c", "Makefile", "README"};

/* Refuses a project directory holding any of project_files unless --force was given (0: free to write). */
static int check_project_files(const char *dir, int force)
{
    char path[4200];
    struct stat st;
    for (size_t k = 0; !force && k < sizeof project_files / sizeof project_files[0]; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, project_files[k]);
        if (lstat(path, &st) == 0) {
            complain("--project %s: %s exists: give --force to overwrite it", dir, path);
            return 1;
        }
    }
    return 0;
}

/* Writes DIR/sim.c, DIR/Makefile and DIR/README for `emit --standalone --project DIR`. */
static int write_project(const char *dir, const char *src, const options *o)
{
    char path[4200];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        complain("--project %s: cannot create the directory: %s", dir, strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, project_files[0]);
    if (write_text_file("--project", path, src))
        return 1;
    snprintf(path, sizeof path, "%s/%s", dir, project_files[1]);
    if (write_text_file("--project", path,
                        "# Standalone simulation generated by rectic.  `make` builds ./sim; `make NO_BLAS=1` without CBLAS.\n"
                        "CC ?= cc\nCFLAGS ?= -O2\n"
                        "ifdef NO_BLAS\nBLAS = \nCPPFLAGS += -DRECTIC_NO_BLAS\nelse\nBLAS = -lopenblas\nendif\n"
                        "sim: sim.c\n\t$(CC) $(CPPFLAGS) $(CFLAGS) sim.c $(BLAS) -lm -o sim\n"
                        "clean:\n\trm -f sim\n.PHONY: clean\n"))
        return 1;
    char readme[2048];
    if (o->network == 2)
        snprintf(readme, sizeof readme,
                 "Standalone simulation of the PyRates circuit %s, generated by rectic %s.\n\n"
                 "    make                   # or: cc -O2 sim.c -lm -o sim\n"
                 "    ./sim [--input POP=input_POP.csv ...] --steps T -o out/ [POP/VAR=VALUE | POP/VAR=@FILE ...]\n\n"
                 "The circuit is a network of populations (one per node template; `rectic check` lists them with\n"
                 "their nodes).  The run inputs given to `rectic emit` are the populations' inputs input_POP.csv\n"
                 "here.  The recordings (one column per node recorded) and time are byte-identical to `rectic run`\n"
                 "with the same settings.  ./sim --help lists the options.\n", o->spec.template_ref, RECTIC_VERSION);
    else if (o->network)
        snprintf(readme, sizeof readme,
                 "Standalone simulation of the network %s, generated by rectic %s.\n\n"
                 "    make                   # or: cc -O2 sim.c -lopenblas -lm -o sim\n"
                 "    ./sim --input POP=FILE ... [--steps T] -o out/ [POP/VAR=VALUE | POP/VAR=@FILE ...]\n\n"
                 "./sim --help lists the options, the populations and the projections (--weights K=FILE\n"
                 "replaces the weights of projection K).  POP/VAR=VALUE sets a parameter or an initial state\n"
                 "without recompiling (E/eta=-4, E/v=@v0.csv).  The outputs (recordings, out, spikes_POP, time)\n"
                 "are byte-identical to `rectic run` with the same settings.  Needs libc, libm and CBLAS only\n"
                 "(make NO_BLAS=1: none).\n", o->spec.template_ref, RECTIC_VERSION);
    else
        snprintf(readme, sizeof readme,
                 "Standalone simulation of %s, generated by rectic %s.\n\n"
                 "    make                   # or: cc -O2 sim.c -lopenblas -lm -o sim\n"
                 "    ./sim --weights J.csv --inputs inp.csv -o out/ [NAME=VALUE | NAME=@FILE ...]\n\n"
                 "./sim --help lists the options.  NAME=VALUE sets a parameter or an initial state without\n"
                 "recompiling (eta=-4, v=@v0.csv).  The outputs (out, recorded variables, spikes, time) are\n"
                 "byte-identical to `rectic run` with the same settings.  Needs libc, libm and CBLAS only\n"
                 "(make NO_BLAS=1: none).\n", o->spec.template_ref, RECTIC_VERSION);
    snprintf(path, sizeof path, "%s/%s", dir, project_files[2]);
    return write_text_file("--project", path, readme);
}

/* Writes the emitted text: into the --project folder, the -o file, or to stdout. */
static int put_emitted(const options *o, const char *src)
{
    if (o->project)
        return write_project(o->project, src, o);
    if (o->out_given)
        return write_text_file("-o", o->out_dir, src);
    fputs(src, stdout);
    return 0;
}

/* Writes emitted text (put_emitted); with --mpi the standalone program's MPI part switched on first. */
static int put_program(const options *o, const char *text)
{
    if (!o->sa_mpi)
        return put_emitted(o, text);
    const char *line = "#define RECTIC_SA_MPI 1 /* build with mpicc, run with mpirun (rectic emit --mpi) */\n";
    char *with = malloc(strlen(line) + strlen(text) + 1);
    if (!with) {
        complain("--mpi: out of memory");
        return 1;
    }
    strcat(strcpy(with, line), text);
    int code = put_emitted(o, with);
    free(with);
    return code;
}

/* A standalone program computes no input_layer: or readout: of a network file: complains (1) when it has one. */
static int standalone_layers(const options *o)
{
    const char *which = rectic_netspec_get_input_layer(o->ns, NULL, NULL, NULL, NULL) == 1 ? "an input_layer:"
                        : rectic_netspec_get_readout(o->ns, NULL, NULL, NULL, NULL, NULL) == 1 ? "a readout:"
                                                                                               : NULL;
    if (which)
        complain("--standalone: %s has %s, which the program does not compute (`rectic run` and `rectic fit` do)",
                 o->spec.template_ref, which);
    return which != NULL;
}

/* `rectic emit NETWORK.yaml [run options]`: the kernel of a network file (C, or CUDA with --target cuda); with
   --standalone the program of a network file or of a circuit (whose run inputs are written beside it, as
   its populations' inputs). */
static int emit_network(options *o)
{
    if (o->standalone && (o->spec.backend == RECTIC_BACKEND_NVRTC || o->target_cuda)) {
        complain("--standalone writes C: it cannot be combined with --target cuda");
        return 1;
    }
    int cuda = o->spec.backend == RECTIC_BACKEND_NVRTC || o->target_cuda;
    if (cuda) /* writing CUDA needs no GPU: build on the CPU */
        o->spec.backend = RECTIC_BACKEND_TCC;
    if (o->network == 2 && o->steps < 0 && !o->n_input)
        o->steps = 0; /* the program takes --steps */
    static char in_dir[4200];
    struct stat st;
    if (o->standalone && o->out_given && stat(o->out_dir, &st) == 0 && S_ISDIR(st.st_mode)) { /* -o DIR: DIR/sim.c */
        snprintf(in_dir, sizeof in_dir, "%s/sim.c", o->out_dir);
        o->out_dir = in_dir;
    }
    if ((o->project && check_project_files(o->project, o->force)) ||
        (o->network == 2 ? rct_cli_circ_load(o) : rct_cli_net_load(o)))
        return 1;
    if (o->standalone && o->network == 1 && standalone_layers(o))
        return 1;
    rectic_net *net = o->network == 2 ? rct_cli_circ_build(o) : rct_cli_net_build(o);
    if (!net)
        return 1;
    char *text = NULL;
    int code = (o->standalone ? rectic_net_standalone(net, o->format, &text)
                              : rectic_net_emit(net, cuda ? RECTIC_BACKEND_NVRTC : RECTIC_BACKEND_TCC, &text)) != RECTIC_OK;
    if (code)
        complain("%s", rectic_errmsg(net));
    else
        code = put_program(o, text) || (o->network == 2 && rct_cli_circ_write_inputs(o));
    free(text);
    rectic_net_free(net);
    return code;
}

static int cmd_emit(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    o.steps = 0;
    if (rct_cli_parse_options(argc, argv, &o, RCT_CMD_EMIT)) {
        rct_cli_free_options(&o);
        return 1;
    }
    o.network = positional_kind(&o);
    if (o.network < 0) {
        rct_cli_free_options(&o);
        return 1;
    }
    if (o.network == 2 && !o.standalone) {
        complain("emit: %s is a circuit: `rectic emit` writes its standalone program (give --standalone); "
                 "`rectic run` runs it", o.spec.template_ref);
        rct_cli_free_options(&o);
        return 1;
    }
    if (o.network || rct_cli_single_input(&o)) {
        int code = o.network ? emit_network(&o) : 1;
        rct_cli_free_options(&o);
        return code;
    }
    if (o.project && check_project_files(o.project, o.force))
        return 1;
    double one = 1.0;
    if (!o.weights_file && !o.coo_file && !o.spec.n)
        o.spec.n = 1;
    if (rct_cli_load_data(&o, 0))
        return 1;
    if (!o.weights_file && !o.coo_file && o.spec.source_var && o.spec.target_var) { /* coupling, no data: shape only */
        o.spec.n = o.spec.n ? o.spec.n : 1;
        o.weights = calloc((size_t)(o.spec.n * o.spec.n), sizeof(double));
        if (!o.weights)
            return 1;
        o.weights[0] = one;
        o.spec.weights = o.weights;
    }
    if (o.spec.backend == RECTIC_BACKEND_NVRTC) { /* writing CUDA needs no GPU: build on the CPU */
        o.target_cuda = 1;
        o.spec.backend = RECTIC_BACKEND_TCC;
    }
    if (o.target_cuda && o.standalone) {
        complain("--standalone writes C: it cannot be combined with --target cuda");
        return 1;
    }
    rectic_net *net = rct_cli_build(&o);
    if (!net) {
        rct_cli_subsets_free(&o);
        return 1;
    }
    /* generated from the network as it is now: a --set that made a parameter per neuron counts */
    char *text = NULL;
    int code = o.standalone ? rectic_net_standalone(net, o.format, &text)
                            : rectic_net_emit(net, o.target_cuda ? RECTIC_BACKEND_NVRTC : RECTIC_BACKEND_TCC, &text);
    if (code != RECTIC_OK) {
        complain("%s", rectic_errmsg(net));
        code = 1;
    }
    if (!code)
        code = put_program(&o, text);
    free(text);
    rectic_net_free(net);
    rct_cli_free_options(&o);
    return code;
}

static int cmd_check(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    if (rct_cli_parse_options(argc, argv, &o, RCT_CMD_CHECK) || refuse_network("check", &o)) {
        rct_cli_free_options(&o);
        return 1;
    }
    if (rct_cli_circuit_detect(&o)) {
        int code = rct_cli_circ_check(&o);
        rct_cli_free_options(&o);
        return code;
    }
    char *text;
    int rc = rectic_describe_template(&o.spec, &text);
    if (rc != RECTIC_OK) {
        complain("%s", rectic_last_error());
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

static int cmd_plot(int argc, char **argv)
{
    const char *dir = NULL, *var = NULL, *out = NULL, *inputs = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(rct_usage_plot, stdout);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--inputs")) {
            if (i + 1 >= argc) {
                complain("plot: %s: expected a value after it", a);
                return 1;
            }
            *(a[1] == 'o' ? &out : &inputs) = argv[++i];
        } else if (a[0] == '-') {
            complain("plot: unknown option '%s' (see rectic plot --help)", a);
            return 1;
        } else if (!dir) {
            dir = a;
        } else if (!var) {
            var = a;
        } else {
            complain("plot: unexpected argument '%s'", a);
            return 1;
        }
    }
    if (!dir || !out) {
        complain("plot: give the results directory and -o FIG (see rectic plot --help)");
        return 1;
    }
    char err[4400];
    if (rct_cli_plot(dir, var ? var : "out", inputs, out, err, sizeof err)) {
        complain("%s", err);
        return 1;
    }
    return 0;
}

static int cmd_templates(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(rct_usage_templates, stdout);
            return 0;
        }
        complain("templates: unexpected argument '%s'", argv[i]);
        return 1;
    }
    char *text;
    if (rectic_list_templates(&text) != RECTIC_OK) {
        complain("%s", rectic_last_error());
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    started = now();
    const char *cmd = argv[1];
    /* a file-size limit makes writes fail with EFBIG, reported and cleaned up, instead of killing us */
    signal(SIGXFSZ, SIG_IGN);
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("rectic %s\n", RECTIC_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "run") || !strcmp(cmd, "fit")) {
        int code = cmd[0] == 'r' ? cmd_run(argc - 2, argv + 2, 0) : cmd_fit(argc - 2, argv + 2);
        rct_cli_mpi_end(); /* MPI_Finalize when mpirun started us */
        return code;
    }
    if (!strcmp(cmd, "emit"))
        return cmd_emit(argc - 2, argv + 2);
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "templates"))
        return cmd_templates(argc - 2, argv + 2);
    if (!strcmp(cmd, "plot"))
        return cmd_plot(argc - 2, argv + 2);
    complain("unknown command '%s' (commands: run, fit, emit, check, templates, plot; see --help)", cmd);
    return 2;
}

/*
 * flagtab.c -- every flag of `rectic run`, `fit ridge`, `fit rls`, `emit` and `check` in one table: the field
 * it sets (or the function that reads its value), its argument, the commands that take it, its --help text
 * and the library's names for it (spec fields, calls: flags.c rewrites them in messages).  Parsing, --help and
 * the messages for an unknown flag, a missing value or a flag the command does not take come from here.
 */
#include <stddef.h>

#include "cli.h"

/* Who takes a flag: every command that simulates (run, fit, emit: "run options"), run and fit only, all. */
#define FIT (RCT_CMD_RIDGE | RCT_CMD_RLS)
#define RUNS (RCT_CMD_RUN | FIT)
#define SIMS (RUNS | RCT_CMD_EMIT)
#define ALL (SIMS | RCT_CMD_CHECK)

/* How a flag's value is stored: the kind, the field (offsetof into options) and the function. */
#define STR(f) RCT_ARG_STR, offsetof(options, f), NULL
#define ON(f) RCT_ARG_ON, offsetof(options, f), NULL
#define DBL(f) RCT_ARG_DOUBLE, offsetof(options, f), NULL
#define LNG(f) RCT_ARG_LONG, offsetof(options, f), NULL
#define FN(fn) RCT_ARG_FN, 0, fn
#define TPL RCT_FLAG_TEMPLATE /* network files refuse it */

/* The --help sections, in the order they are listed. */
const rct_cli_section rct_cli_sections[RCT_SEC_COUNT] = {
    [RCT_SEC_EMIT] = {"emit:", NULL},
    [RCT_SEC_FIT] = {"fitting a readout:", NULL},
    [RCT_SEC_NETFILE] = {"network files (PATH is POP/VAR or POP/OP/VAR):",
        "  --record [KEY=]PATH     write KEY.csv (default KEY: PATH with / replaced by _; KEY of A-Z a-z 0-9 _ . -);\n"
        "                          PATH[A:B] or PATH@FILE: of those units of POP only\n"
        "  --set PATH=VALUE        a parameter or initial value of population POP: a number or @FILE\n"
        "  --output-var PATH       also write out.csv (optional); spikes_POP.csv is written per spiking population\n"
        "  --record-spikes POP[A:B]  (or POP@FILE) spikes_POP.csv of those units only\n"
        "  The flags below that describe one template (--op, --weights, --weights-coo, -N, --source-var,\n"
        "  --target-var, --input-var, --spike-*, --inputs, --record-spikes without units) are refused; the\n"
        "  others apply.\n"},
    [RCT_SEC_NETWORK] = {"network:", NULL},
    [RCT_SEC_SIM] = {"simulation:", NULL},
    [RCT_SEC_REC] = {"recording:", NULL},
    [RCT_SEC_LAYERS] = {"input and readout layers (RectiPy's graph: SEMANTICS §10; matrices are target x source, "
                        "never transposed):",
        "  A network file gives its layers as input_layer: {target: POP/VAR, weights: FILE} and readout: {source:\n"
        "  POP/VAR, weights: FILE, activation: A} (docs/network-files.md); --inputs FILE then feeds input_layer's\n"
        "  population (m columns), and --readout-weights, --targets and fit ridge work as for a template.\n"},
    [RCT_SEC_STATE] = {"state checkpoints (a run of T1 + T2 steps equals T1 steps with --save-state, then T2 with "
                       "--load-state):", NULL},
    [RCT_SEC_FEEDBACK] = {"FORCE feedback (a closed loop through the readout; rectic fit rls trains it):", NULL},
    [RCT_SEC_OTHER] = {"other:", NULL},
};

/* The flags.  A flag's name is the spelling messages use; help lines after the first continue under it. */
const rct_cli_flag rct_cli_flag_table[] = {
    /* emit */
    {"--target", NULL, "c|cuda", FN(rct_cli_take_target), RCT_CMD_EMIT, RCT_SEC_EMIT, 0,
     "c (default) or cuda: write the CUDA kernels (no GPU needed to write them)", NULL, NULL},
    {"--standalone", NULL, NULL, ON(standalone), RCT_CMD_EMIT, RCT_SEC_EMIT, 0,
     "write a whole simulation program (C, libc and libm only) instead of the kernel", "rectic_net_standalone", NULL},
    {"--mpi", NULL, NULL, FN(rct_cli_take_mpi), RCT_CMD_EMIT, RCT_SEC_EMIT, 0,
     "with --standalone: a program for MPI clusters (build with mpicc, run with mpirun)", NULL, NULL},
    {"--project", NULL, "DIR", FN(rct_cli_take_project), RCT_CMD_EMIT, RCT_SEC_EMIT, 0,
     "write DIR/sim.c (the standalone program), DIR/Makefile and DIR/README", NULL, NULL},
    {"--force", NULL, NULL, ON(force), RCT_CMD_EMIT, RCT_SEC_EMIT, 0,
     "with --project: overwrite the project's files that exist", NULL, NULL},
    /* fit ridge and fit rls */
    {"--alpha", NULL, "A", FN(rct_cli_take_alpha), FIT, RCT_SEC_FIT, 0,
     "fit ridge: the regularisation (default 1e-4, as RectiPy); fit rls: P starts\n"
     "as A I (default 1)",
     "rectic_net_fit_ridge: alpha|rectic_net_rls: alpha", "it sets up the fit of a readout"},
    {"--washout", NULL, "W", FN(rct_cli_take_washout), RCT_CMD_RIDGE, RCT_SEC_FIT, 0,
     "leave the first W steps out of the fit (default 0)", "rectic_net_fit_ridge: washout",
     "it leaves steps out of the fit; fit rls trains on the steps before --train-steps T1"},
    {"--bias", NULL, NULL, ON(ridge.bias), RCT_CMD_RIDGE, RCT_SEC_FIT, 0,
     "fit an intercept too (not regularised; the last column of readout.csv)", NULL,
     "it fits an intercept; fit rls trains a readout without one"},
    {"--beta", NULL, "B", FN(rct_cli_take_beta), RCT_CMD_RLS, RCT_SEC_FIT, 0,
     "the forgetting factor, in (0, 1] (default 1: none)", "rectic_net_rls: beta",
     "it sets up the online training of a readout"},
    {"--update-every", NULL, "K", FN(rct_cli_take_rls_steps), RCT_CMD_RLS, RCT_SEC_FIT, 0,
     "update on the steps n with n % K == 0 (default 1); n counts absolute steps", "rectic_net_rls: update_every",
     "it sets up the online training of a readout"},
    {"--train-steps", NULL, "T1", FN(rct_cli_take_rls_steps), RCT_CMD_RLS, RCT_SEC_FIT, 0,
     "update on the steps n < T1 only, then keep the readout fixed (default: all)", NULL,
     "it sets up the online training of a readout"},
    /* network files */
    {"--input", NULL, "POP/VAR=FILE", FN(rct_cli_take_input), SIMS, RCT_SEC_NETFILE, 0,
     "T x n (or T x 1) inputs of population POP, row n = step n (repeatable); VAR\n"
     "becomes POP's input variable when the file names none; without --steps, T is\n"
     "the inputs' row count.  With a template: --input VAR=FILE, the same as\n"
     "--inputs FILE --input-var VAR", "circuit input", NULL},
    /* network */
    {"--op", NULL, "OP", STR(spec.op), ALL, RCT_SEC_NETWORK, TPL,
     "operator whose variables short names refer to (RectiPy's op=)", "spec.op", NULL},
    {"--weights", NULL, "FILE", STR(weights_file), SIMS, RCT_SEC_NETWORK, TPL,
     "N x N weights (CSV or .npy): row i = target neuron, column j = source", "spec.weights_file|spec.weights", NULL},
    {"--weights-coo", NULL, "FILE", STR(coo_file), SIMS, RCT_SEC_NETWORK, TPL,
     "sparse weights: rows of target,source,weight (CSV or an nnz x 3 .npy); N: -N,\n"
     "or one more than the largest index", "spec.weights_coo_file|spec.weights_coo", NULL},
    {"-N", "--neurons", "N", FN(rct_cli_take_neurons), SIMS, RCT_SEC_NETWORK, TPL,
     "number of neurons without coupling (or checked against the weights)", "spec.n", NULL},
    {"--coupling", NULL, "MODE", FN(rct_cli_take_coupling), SIMS, RCT_SEC_NETWORK, 0,
     "auto (default: a loop in the kernel for N <= 20, a product by rows for dense W,\n"
     "sparse rows below 10% non-zero), dense, inline, sparse, or event (W @ s kept\n"
     "up to date from the spikes when s' = -s/tau + c*spike; exact in real arithmetic,\n"
     "differs by rounding; use dense to reproduce RectiPy)", "spec.coupling", NULL},
    {"--threads", NULL, "K", FN(rct_cli_take_threads), SIMS, RCT_SEC_NETWORK, 0,
     "with the cc backend, threads for the loops over neurons and the coupling\n"
     "product for N >= 4096; OpenBLAS's for fit ridge (default: every core); same\n"
     "results", NULL, NULL},
    {"--mpi-partition", NULL, "MODE", FN(rct_cli_take_mpi_partition), SIMS, RCT_SEC_NETWORK, 0,
     "under mpirun, which units each rank owns: units (equal blocks), synapses\n"
     "(blocks of about equal incoming synapses: --weights-coo, or every population\n"
     "of a network file), auto (default: synapses for --weights-coo and for the\n"
     "populations with weights-coo projections onto them, else units)", "spec.mpi_partition", NULL},
    {"--mpi-read", NULL, "MODE", FN(rct_cli_take_mpi_read), SIMS, RCT_SEC_NETWORK, TPL,
     "under mpirun, how --weights-coo is read: stream (default: every rank reads the\n"
     "file and keeps its units' entries) or scatter (rank 0 reads it and sends each\n"
     "rank its entries: the file need only be on rank 0's machine); same weights", "spec.mpi_read", NULL},
    {"--source-var", NULL, "VAR", STR(spec.source_var), SIMS, RCT_SEC_NETWORK, TPL,
     "coupling: TARGET = W @ SOURCE", "spec.source_var", NULL},
    {"--target-var", NULL, "VAR", STR(spec.target_var), SIMS, RCT_SEC_NETWORK, TPL, "", "spec.target_var", NULL},
    {"--input-var", NULL, "VAR", STR(spec.input_var), SIMS, RCT_SEC_NETWORK, TPL,
     "receives the input row of each step", "spec.input_var", NULL},
    {"--output-var", NULL, "VAR", STR(spec.output_var), SIMS, RCT_SEC_NETWORK, 0, "recorded as out", "spec.output_var",
     NULL},
    {"--spike-var", NULL, "VAR", STR(spec.spike_var), SIMS, RCT_SEC_NETWORK, TPL,
     "spiking: receives spike/dt for one step ...", "spec.spike_var", NULL},
    {"--spike-def", NULL, "VAR", STR(spec.spike_def), SIMS, RCT_SEC_NETWORK, TPL,
     "... when this state variable reaches the threshold", "spec.spike_def", NULL},
    {"--spike-threshold", NULL, "X", DBL(spec.spike_threshold), SIMS, RCT_SEC_NETWORK, TPL, "default 100", NULL,
     NULL},
    {"--spike-reset", NULL, "X", DBL(spec.spike_reset), SIMS, RCT_SEC_NETWORK, TPL, "default -100", NULL, NULL},
    {"--min-weight", NULL, "W", FN(rct_cli_take_min_weight), SIMS, RCT_SEC_NETWORK, 0,
     "treat weights with |w| <= W as 0 (RectiPy/PyRates: 1e-6; default: keep all)", NULL, NULL},
    {"--set", NULL, "NAME=VALUE", FN(rct_cli_take_set), SIMS, RCT_SEC_NETWORK, 0,
     "parameter or initial value (NAME: var, op/var); VALUE a number or @FILE\n"
     "with one value per neuron; repeatable", "rectic_net_set", NULL},
    {"--dtype", NULL, "float64|float32", FN(rct_cli_take_dtype), SIMS, RCT_SEC_NETWORK, 0, "default float64",
     "spec.dtype", NULL},
    {"--backend", NULL, "auto|tcc|cc", FN(rct_cli_take_backend), SIMS, RCT_SEC_NETWORK, 0,
     "who compiles the kernel: TinyCC in memory (~1 ms), the system C compiler\n"
     "(-O3 -march=native, cached in $XDG_CACHE_HOME/rectic), or auto (default):\n"
     "start with TinyCC, switch to cc's kernel when it is ready; same results;\n"
     "nvrtc: CUDA kernels on the GPU (the same as --device cuda:0)", "spec.backend", NULL},
    {"--device", NULL, "cpu|cuda:N", FN(rct_cli_take_device), SIMS, RCT_SEC_NETWORK, 0,
     "where to run: the CPU (default) or CUDA device N (NVRTC, needs an NVIDIA\n"
     "GPU and its driver)", NULL, NULL},
    {"--template-path", NULL, "DIR", FN(rct_cli_take_template_path), ALL, RCT_SEC_NETWORK, 0,
     "search DIR for dotted template names (repeatable)", NULL, NULL},
    /* simulation */
    {"--dt", NULL, "DT", FN(rct_cli_take_dt), ALL, RCT_SEC_SIM, 0, "step size (default 1e-3)", "spec.dt", NULL},
    {"--inputs", NULL, "FILE", STR(inputs_file), SIMS, RCT_SEC_SIM, TPL,
     "T x N (or T x 1) inputs, row n = step n (CSV or .npy)", "rectic_net_run: inputs", NULL},
    {"--steps", NULL, "T", LNG(steps), SIMS, RCT_SEC_SIM, 0,
     "number of steps (default: the rows of --inputs; zero input without it)", "rectic_net_run: steps", NULL},
    {"--no-check-finite", NULL, NULL, ON(no_check_finite), SIMS, RCT_SEC_SIM, 0,
     "let NaN/inf carry on (default: stop with exit status 3, naming the step,\n"
     "neuron and variable, and write the steps before it)", "rectic_net_check_finite(net, 0)", NULL},
    {"--check-finite", NULL, NULL, FN(rct_cli_take_check_finite), SIMS, RCT_SEC_SIM, 0,
     "the default: stop at the first NaN/inf (undoes an earlier --no-check-finite)", NULL, NULL},
    /* recording */
    {"-o", "--output", "DIR", FN(rct_cli_take_output), SIMS, RCT_SEC_REC, 0,
     "where to write (default results/); checked before the run (writable, room for\n"
     "the outputs of known size); the files and meta.json, which lists them, form one\n"
     "set that replaces the previous one; a second run into DIR waits for the first\n"
     "to commit (the last to commit wins); other files in DIR are never touched.\n"
     "emit: the file (or with --standalone the folder) to write", NULL, NULL},
    {"--record", NULL, "[KEY=]VAR[SUBSET]", FN(rct_cli_take_record), SIMS, RCT_SEC_REC, 0,
     "also record VAR (repeatable) as KEY.csv (default: VAR's name); out is always\n"
     "recorded; names whose file would be out, time, meta, spikes* or another\n"
     "--record's file are refused.  SUBSET: [A:B] the neurons A .. B-1, or @FILE a\n"
     "list of neuron indices (CSV or .npy); meta.json lists them.  out[A:B] records\n"
     "the output of those neurons only", "rectic_net_record", NULL},
    {"--record-spikes", NULL, "[SUBSET]", FN(rct_cli_take_record_spikes), SIMS, RCT_SEC_REC, RCT_FLAG_OPTIONAL,
     "write spikes.csv (automatic for spiking networks); SUBSET (A:B or @FILE):\n"
     "the spikes of those neurons only", "rectic_net_record_spikes", NULL},
    {"--sampling-steps", NULL, "K", FN(rct_cli_take_sampling_steps), SIMS, RCT_SEC_REC, 0,
     "record every K-th step (default 1)", "rectic_net_sampling: sampling_steps", NULL},
    {"--sampling-mode", NULL, "pick|mean", FN(rct_cli_take_sampling_mode), SIMS, RCT_SEC_REC, 0,
     "mean: out averaged over the K steps of each row (RectiPy >= 0.12)", "rectic_net_sampling: mode", NULL},
    {"--cutoff", NULL, "C", LNG(cutoff), SIMS, RCT_SEC_REC, 0, "do not record steps before C (C < the number of steps)",
     "rectic_net_sampling: cutoff", NULL},
    {"--format", NULL, "csv|npy", FN(rct_cli_take_format), SIMS, RCT_SEC_REC, 0, "default csv", NULL, NULL},
    {"--max-memory", NULL, "SIZE", FN(rct_cli_take_max_memory), SIMS, RCT_SEC_REC, 0,
     "recordings and spikes beyond SIZE (default 1G) stream to temporary files", "rectic_net_max_memory", NULL},
    {"--plot", NULL, "FIG", STR(plot), SIMS, RCT_SEC_REC, 0,
     "draw out (and the spikes) into FIG (.png, .svg, .pdf) with gnuplot", NULL, NULL},
    {"-q", "--quiet", NULL, ON(quiet), SIMS, RCT_SEC_REC, 0, "no progress bar, no summary", NULL, NULL},
    {"-v", "--verbose", NULL, ON(verbose), SIMS, RCT_SEC_REC, 0, "phase timings", NULL, NULL},
    /* input and readout layers */
    {"--input-weights", NULL, "FILE", STR(ridge.input_weights), RUNS, RCT_SEC_LAYERS, 0,
     "N x m: the input variable receives W_in @ x_n, x_n = row n of the T x m --inputs", "rectic_net_input_weights",
     NULL},
    {"--readout-weights", NULL, "FILE", STR(ridge.readout_weights), RCT_CMD_RUN | RCT_CMD_RLS, RCT_SEC_LAYERS, 0,
     "k x N (or k x (N+1), the intercept last): out.csv = act(W_out @ y_n (+ b)), k\n"
     "columns, from the output variable before the step's update; fit rls: the\n"
     "readout to start from (default zeros)", "rectic_net_readout",
     "`rectic fit ridge` computes the readout; test it with `rectic run ... --readout-weights readout.csv`"},
    {"--readout-activation", NULL, "A", FN(rct_cli_take_activation), RCT_CMD_RUN, RCT_SEC_LAYERS, 0,
     "identity (default), tanh, sigmoid, softmax, softmin or log_softmax (the soft*\n"
     "ones over the k outputs)", "rectic_net_readout: act",
     "it is the activation of a readout given: fit ridge and fit rls compute a linear readout"},
    {"--targets", NULL, "FILE", STR(ridge.targets), RUNS, RCT_SEC_LAYERS, 0,
     "T x k targets of the run's steps (CSV or .npy): run: meta.json gets a \"test\"\n"
     "object (mse, nrmse per output and their means over all rows) and the summary a\n"
     "line; fit: what the readout is fitted to (fit rls without --inputs: a step per row)",
     "rectic_net_score: targets|rectic_net_fit_ridge: targets|rectic_net_rls: targets", NULL},
    /* state checkpoints */
    {"--save-state", NULL, "FILE", STR(state.save), RUNS, RCT_SEC_STATE, 0,
     "save everything the next step depends on at the end of the run (also one\n"
     "stopped by a signal): a NumPy .npz (state/OP/VAR or state/POP/OP/VAR arrays,\n"
     "step, delay rings, event-driven sums, the sampling mean's sums; fit rls: P, W\n"
     "and ŷ too, so that --load-state resumes the training exactly)", "rectic_net_save_state", NULL},
    {"--load-state", NULL, "FILE", STR(state.load), RUNS, RCT_SEC_STATE, 0,
     "start from a saved state of the same model (equations, sizes, projections and\n"
     "delays, dtype, dt); the step counter goes on: time, spike steps, sampling and\n"
     "--cutoff count absolute steps, --inputs rows and --steps this run's; --set of a\n"
     "state variable overrides the loaded value", "rectic_net_load_state", NULL},
    {"--checkpoint-every", NULL, "K", FN(rct_cli_take_checkpoint_every), RUNS, RCT_SEC_STATE, 0,
     "also save the state into the --save-state FILE whenever the step counter\n"
     "reaches a multiple of K during the run", "rectic_net_checkpoint_every", NULL},
    /* FORCE feedback */
    {"--feedback-weights", NULL, "[POP=]FILE", STR(rls.feedback_weights), RUNS, RCT_SEC_FEEDBACK, 0,
     "N x k: the input variable receives W_fb @ ŷ_{n-1} at step n, ŷ the\n"
     "readout's output (--readout-weights); out.csv holds ŷ of every step.  A network\n"
     "file feeds population POP, else the input layer's, else the one with an input\n"
     "variable (N = its size)", "rectic_net_feedback_weights", NULL},
    {"-h", "--help", NULL, RCT_ARG_HELP, 0, NULL, ALL, RCT_SEC_OTHER, 0, "this text", NULL, NULL},
};

const int rct_cli_flag_count = (int)(sizeof rct_cli_flag_table / sizeof rct_cli_flag_table[0]);

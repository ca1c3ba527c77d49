/*
 * rectic.h -- simulate networks of model neurons described by PyRates/RectiPy YAML templates.
 *
 * rectic reads a neuron template, generates one fused C kernel for the whole network, compiles it in
 * memory with TinyCC and integrates it with forward Euler, reproducing RectiPy 0.9.3's numbers.
 *
 * Conventions (as in libtcc and SQLite):
 *   - every handle is opaque; the caller frees what it creates with the matching _free;
 *   - every fallible call returns RECTIC_OK (0) or a RECTIC_E* code (rectic_status) and leaves a message:
 *     a call on a handle on that handle, returned by rectic_errmsg(net) or rectic_netspec_errmsg(ns) until
 *     the next call on the same handle; a call without one (rectic_read_matrix, rectic_describe_template,
 *     rectic_list_templates) in rectic_last_error(), kept per thread until this thread's next such call.
 *     no call hands a message back through its arguments;
 *   - the library never prints and never exits;
 *   - a NULL handle (rectic_net *, rectic_spec *) is never dereferenced: a function that returns a status
 *     returns RECTIC_EINVAL, one that returns a size, count or pointer returns 0 or NULL, and one that
 *     returns nothing does nothing (rectic_net_timings zeroes *t); rectic_errmsg(NULL) says
 *     "no network (NULL handle)";
 *   - input arrays are copied; returned pointers are borrowed (valid until the next call that changes
 *     the handle) unless the comment says the caller owns them.
 *
 * A minimal program:
 *
 *     rectic_spec spec;
 *     rectic_spec_init(&spec);
 *     spec.template_ref = "neuron_model_templates.spiking_neurons.qif.qif";
 *     spec.op = "qif_op";
 *     spec.n = 5; spec.weights = J;            // 5x5, row i = target, column j = source
 *     spec.source_var = "s"; spec.target_var = "s_in"; spec.input_var = "I_ext";
 *     spec.output_var = "s"; spec.spike_var = "spike"; spec.spike_def = "v";
 *     spec.dt = 1e-3;
 *     rectic_net *net;
 *     if (rectic_net_new(&net, &spec) != RECTIC_OK) { puts(rectic_errmsg(net)); ... }
 *     rectic_net_record(net, "v");
 *     rectic_net_run(net, 30000, inputs, 5);  // inputs: 30000 x 5, row n = input of step n
 *     rectic_net_free(net);
 */
#ifndef RECTIC_H
#define RECTIC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header, as in SQLite: RECTIC_VERSION "X.Y.Z", RECTIC_VERSION_NUMBER X*1000000 + Y*1000 + Z.
   rectic_libversion() and rectic_libversion_number() give the library's, which a program can compare with
   these to detect a header and a library of different releases. */
#define RECTIC_VERSION "0.1.0"
#define RECTIC_VERSION_MAJOR 0
#define RECTIC_VERSION_MINOR 1
#define RECTIC_VERSION_PATCH 0
#define RECTIC_VERSION_NUMBER (RECTIC_VERSION_MAJOR * 1000000 + RECTIC_VERSION_MINOR * 1000 + RECTIC_VERSION_PATCH)

/* Status codes.  Fallible functions return one as an int (as sqlite3 and libtcc do), so that a status can
   be kept in an int and compared; rectic_status names the type for a caller's own variables and switches. */
typedef enum rectic_status {
    RECTIC_OK = 0,
    RECTIC_ENOMEM = 1,    /* out of memory */
    RECTIC_EIO = 2,       /* a file could not be read or written */
    RECTIC_ESYNTAX = 3,   /* YAML, equation, CSV or .npy syntax */
    RECTIC_ETEMPLATE = 4, /* template semantics: unknown name, cycle, bad inheritance */
    RECTIC_EINVAL = 5,    /* a bad argument: unknown variable, wrong shape, bad option */
    RECTIC_EJIT = 6,      /* the generated code failed to compile (a bug in rectic) */
    RECTIC_ECANCEL = 7,   /* a run was cancelled */
    RECTIC_ENUMERIC = 8,  /* the state became NaN or infinite */
    RECTIC_EDEVICE = 9    /* the CUDA backend: no usable driver, NVRTC or device */
} rectic_status;

/* Floating point types of a network. */
typedef enum rectic_dtype { RECTIC_FLOAT64 = 0, RECTIC_FLOAT32 = 1 } rectic_dtype;

/* Backends: who compiles the generated kernel.
   TCC: TinyCC in memory (~1 ms), the library's default.
   CC: the system C compiler (-O3 -march=native, no contraction), cached on disk by content hash.
   AUTO: tiered: start stepping at once with TinyCC's kernel, compile with cc in the background and switch
         at a block boundary when ready (results are identical either way); the command line's default.
   NVRTC: CUDA on the GPU (see the CUDA section of README.md). */
typedef enum rectic_backend {
    RECTIC_BACKEND_TCC = 0,
    RECTIC_BACKEND_CC = 1,
    RECTIC_BACKEND_AUTO = 2,
    RECTIC_BACKEND_NVRTC = 3
} rectic_backend;

/* Coupling strategies for target = W @ source (rectic_spec.coupling).
   AUTO: chosen from W: a loop inside the kernel for small n, a product by rows for dense W, compressed sparse
         rows for sparse W -- all compute W @ source exactly (only the order of the sums differs).
   EVENT: when the source obeys s' = -s/tau + c*spike (scalar tau, c), W @ s is kept up to date from the
          spikes: O(n + n*spikes) per step instead of O(n^2); exact in real arithmetic, differs by rounding.
          Never chosen automatically. */
typedef enum rectic_coupling {
    RECTIC_COUPLING_AUTO = 0,
    RECTIC_COUPLING_DENSE = 1,
    RECTIC_COUPLING_INLINE = 2,
    RECTIC_COUPLING_SPARSE = 3,
    RECTIC_COUPLING_EVENT = 4
} rectic_coupling;

/* Sampling modes of the recorded output (RectiPy 0.9.3 picks; RectiPy >= 0.12 averages). */
typedef enum rectic_sampling { RECTIC_SAMPLE_PICK = 0, RECTIC_SAMPLE_MEAN = 1 } rectic_sampling;

/* How a network made with spec.mpi is split across the ranks: contiguous blocks of units, of equal sizes
   (UNITS), or of about equal cost, counting the incoming synapses of each unit and one for the unit
   itself (SYNAPSES: for one template, sparse weights from weights_coo_file only; the other weights are
   split in equal blocks, their rows costing the same in a dense product, and dense files are read in parts
   of rows; for a network of populations, every population by its units' synapses over all projections
   onto it, a COO entry counting one, a dense row all its sources, a scalar projection nothing; equal costs
   give equal blocks).  AUTO (the default): SYNAPSES where it applies (for a network of populations: the
   populations with COO weights onto them). */
typedef enum rectic_mpi_partition {
    RECTIC_MPI_PARTITION_AUTO = 0,
    RECTIC_MPI_PARTITION_UNITS = 1,
    RECTIC_MPI_PARTITION_SYNAPSES = 2
} rectic_mpi_partition;

/* How the ranks of a network made with spec.mpi read a weights_coo_file: every rank streams the whole
   file, checks every entry and keeps those onto its units (STREAM, the default: the file must be
   readable on every rank), or rank 0 alone reads it and sends each rank the entries onto its units in
   chunks of bounded size, in file order (SCATTER: the file need only be on rank 0's machine; rank 0 reads
   it twice, a pass counting and checking, then a pass sending).  The weights are the same bits either way. */
typedef enum rectic_mpi_read { RECTIC_MPI_READ_STREAM = 0, RECTIC_MPI_READ_SCATTER = 1 } rectic_mpi_read;

/* Progress callback: called every few thousand steps; return non-zero to cancel the run. */
typedef int (*rectic_progress_fn)(void *user, long done, long total);

/* Everything that defines a network.  Fill with rectic_spec_init(), then set what you need.
   Strings and arrays are copied by rectic_net_new().
   The struct grows at its end only: rectic_spec_init records in `size` the struct's size as the caller
   was compiled with, and the library gives the fields after it their defaults, so that a program built
   against an older rectic.h works with a newer library.  A spec that did not go through rectic_spec_init
   (size not one it sets) is refused with RECTIC_EINVAL. */
typedef struct rectic_spec {
    size_t size;                /* set by rectic_spec_init: sizeof(rectic_spec) of the caller's rectic.h */
    const char *template_ref;   /* dotted name (pkg.file.template) or path (dir/file/template) */
    const char *template_yaml;  /* or: YAML text holding the template (template_ref names it) */
    const char *op;             /* operator whose variables short names refer to (may be NULL) */
    const char *const *template_path; /* directories searched for dotted names, in order */
    int n_template_path;
    int use_env_path;           /* also search RECTIC_TEMPLATE_PATH (default 1) */
    long n;                     /* number of neurons (0: taken from the weights' size) */
    const double *weights;      /* n x n, row-major, row i = target neuron; NULL: no coupling */
    const double *weights_coo;  /* or sparse weights: nnz rows of (target, source, weight); duplicates add */
    long nnz;
    double min_weight;          /* entries with |w| <= min_weight are treated as 0 (default: -1, keep all) */
    rectic_coupling coupling;   /* RECTIC_COUPLING_AUTO (default), _DENSE, _INLINE, _SPARSE or _EVENT */
    const char *source_var;     /* coupling: target = W @ source */
    const char *target_var;
    const char *input_var;      /* receives the input row of each step */
    const char *output_var;     /* recorded as "out" */
    const char *spike_var;      /* spiking: receives spike/dt ... */
    const char *spike_def;      /* ... when this state variable reaches spike_threshold */
    double spike_threshold;     /* default 100 */
    double spike_reset;         /* default -100 */
    double dt;                  /* step size (> 0) */
    rectic_dtype dtype;         /* RECTIC_FLOAT64 (default) or RECTIC_FLOAT32 */
    rectic_backend backend;     /* RECTIC_BACKEND_TCC (default), _CC, _AUTO or _NVRTC */
    int device;                 /* RECTIC_BACKEND_NVRTC: the CUDA device's ordinal (cuda:0 is 0) */
    /* Or the weights as a file, loaded by rectic_net_new straight into the layout the kernel reads (no
       copy of the file is kept): weights_file an n x n matrix (.npy of any number type, C or Fortran
       order, or CSV); a float64 .npy in this machine's byte order that needs no change is mapped
       read-only and used in place (rectic_net_weights_layout says "mapped in place").  weights_coo_file
       rows of (target, source, weight), .npy or CSV (an empty file: no entries, give n).  n 0: taken
       from the file.  Entries must be finite. */
    const char *weights_file;
    const char *weights_coo_file;
    rectic_progress_fn load_progress; /* called while the weights load (done/total: elements of all passes;
                                         done == total at the end, also of a failed load); non-zero stops
                                         rectic_net_new with RECTIC_ECANCEL */
    void *load_progress_user;
    int defer_compile;          /* 1: rectic_net_new (and rectic_net_new_network) do not compile the kernel; the
                                   first run does, after the values set since (a parameter made per-neuron by
                                   rectic_net_set then costs no second compilation).  Until then
                                   rectic_net_source is NULL and rectic_net_backend "none".  Default 0 */
    int mpi;                    /* 1: the network runs partitioned across the ranks of MPI_COMM_WORLD, as after
                                   rectic_net_use_mpi(net, 1), from the start: each rank reads only its units'
                                   part of weights_file (dense rows; the other rows' bytes are not read) and
                                   keeps only their entries of weights_coo_file (streamed by every rank, or
                                   sent by rank 0: mpi_read); with rectic_net_new_network, of every
                                   projection's file likewise (streamed).  Every rank must make the same
                                   calls.  Default 0 */
    rectic_mpi_partition mpi_partition; /* with mpi: which units each rank owns (RECTIC_MPI_PARTITION_*) */
    rectic_mpi_read mpi_read;   /* with mpi: how weights_coo_file is read (RECTIC_MPI_READ_*; default STREAM) */
} rectic_spec;

typedef struct rectic_net rectic_net;

/* The library's version: RECTIC_VERSION and RECTIC_VERSION_NUMBER as the library was built (a static
   string). */
const char *rectic_libversion(void);
int rectic_libversion_number(void);

/* The message of the last failed call of this thread that takes no handle (rectic_read_matrix,
   rectic_describe_template, rectic_list_templates), "no error" when this thread's last such call succeeded;
   borrowed, valid until the thread's next such call.  Calls on a handle keep their messages on it. */
const char *rectic_last_error(void);

/* Sets every field of spec to its default (and spec->size, see rectic_spec).  rectic_spec_init is a macro
   that passes the caller's sizeof(rectic_spec) to rectic_spec_init_size. */
void rectic_spec_init_size(rectic_spec *spec, size_t size);
#define rectic_spec_init(spec) rectic_spec_init_size((spec), sizeof(rectic_spec))

/* Loads the template, generates and compiles the kernel, and sets the state to the template defaults.
   *out receives a handle even on failure (NULL only when memory ran out), so that rectic_errmsg(*out)
   explains the failure; free it with rectic_net_free in either case. */
int rectic_net_new(rectic_net **out, const rectic_spec *spec);
void rectic_net_free(rectic_net *net);

/* The message of the last failed call on net ("no network (NULL handle)" for a NULL net, which
   rectic_net_new leaves when memory ran out). */
const char *rectic_errmsg(const rectic_net *net);
/* Warnings: what the library worked around but its caller should know (e.g. a compilation cache it would
   not trust, so TinyCC's kernel ran instead).  They accumulate over the network's life, each text once; the
   library never prints them.  The count (0 for a NULL net), and warning i as a string borrowed from net
   (valid until rectic_net_free), NULL when i is out of range or net is NULL. */
int rectic_net_warning_count(const rectic_net *net);
const char *rectic_net_warning(const rectic_net *net, int i);

/* Number of neurons. */
long rectic_net_size(const rectic_net *net);

/* Sets a parameter or the current value of a state variable: count 1 sets every neuron, count n gives
   neuron i the value values[i].  Names: "var", "op/var" or "all/op/var".  Making a scalar parameter
   per-neuron regenerates the kernel at the next run.  New values compile at most once more between such
   changes: the first kernel divides by a parameter that is a power of two by multiplying with its
   reciprocal (the same bits); values that break this run a generic kernel with plain divisions, compiled
   once and kept beside the first, and the network switches between the two without compiling (on the CUDA
   backend the generic kernel stays).  The results are the same bits whichever kernel runs. */
int rectic_net_set(rectic_net *net, const char *name, const double *values, long count);
/* Copies the current value of a variable (n values, or 1 for a scalar parameter) into out (capacity cap);
   *count receives the number of values. */
int rectic_net_get(rectic_net *net, const char *name, double *out, long cap, long *count);
/* Resets every state variable to the template default (or to rectic_net_set values given since). */
int rectic_net_reset(rectic_net *net);

/* Records a variable in the next runs (the output variable is always recorded as "out"). */
int rectic_net_record(rectic_net *net, const char *name);
/* Records variable name in the next runs for the neurons indices[0..count-1] only (Brian2's record=indices):
   each in 0 .. n-1, distinct, in any order; column j of the recording (rectic_net_recording's *cols is
   count) holds neuron indices[j].  key names the recording and its file ([A-Za-z0-9_.-]+, not a reserved
   name), NULL: the name as rectic_net_record gives it.  name "out" restricts the output to those neurons.
   On a network of populations name is a path ("POP/VAR", indices within the population) and key as in
   rectic_net_record_as ("out" makes it the output).  indices NULL (count 0): every neuron.  The CUDA
   backend and rectic_net_standalone take subsets of a network of populations' variables (not of its
   output); of a network of one template they refuse them. */
int rectic_net_record_subset(rectic_net *net, const char *name, const char *key, const long *indices, long count);
/* Keeps the spikes of the neurons indices[0..count-1] only (distinct, each in 0 .. n-1) in the next runs'
   spikes (rectic_net_spikes, the spikes file); neuron numbers stay as they are.  pop: the population of a
   network of populations (units counted within it), NULL or "" for a network of one template.  indices
   NULL (count 0): every neuron again. */
int rectic_net_record_spikes(rectic_net *net, const char *pop, const long *indices, long count);
/* Records every sampling_steps-th step; mode RECTIC_SAMPLE_MEAN averages "out" over the steps since the
   previous row; steps before cutoff are not recorded. */
int rectic_net_sampling(rectic_net *net, long sampling_steps, rectic_sampling mode, long cutoff);

/* Input callback: fills row (n_cols values) with the input of step `step` (counted from the run's start);
   returns 0, or non-zero to stop the run with RECTIC_ECANCEL. */
typedef int (*rectic_input_fn)(void *user, long step, double *row, long n_cols);

/* Runs `steps` Euler steps continuing from the current state.  inputs: steps x in_cols row-major, with
   in_cols = n or 1 (broadcast), or NULL for zero input.  Recordings of this run replace the previous run's.
   On a network partitioned over several MPI ranks, inputs of one column per neuron (in_cols = n > 1, no
   input layer) hold this rank's neurons only: steps x (hi - lo) values, row s = neurons lo .. hi-1 of step
   s (rectic_net_mpi_block; rectic_net_read_input reads a file so); the callback of rectic_net_run_fn still
   fills whole rows. */
int rectic_net_run(rectic_net *net, long steps, const double *inputs, long in_cols);
/* The same, pulling the input row by row from a callback. */
int rectic_net_run_fn(rectic_net *net, long steps, rectic_input_fn fn, void *user, long in_cols);
/* Attaches a progress callback (NULL removes it). */
void rectic_net_on_progress(rectic_net *net, rectic_progress_fn fn, void *user);
/* Cancellation flag: when *flag becomes non-zero the run stops at the next check (every few thousand
   steps) with RECTIC_ECANCEL; the recordings hold the steps done. */
void rectic_net_cancel_flag(rectic_net *net, volatile int *flag);

/* Numerical guard (on by default): a run whose state becomes NaN or infinite stops with
   RECTIC_ENUMERIC, naming the step, neuron and variable; the recordings hold the steps before it.  The
   state is checked every few thousand steps, so the guard costs next to nothing.  Off: NaN carries on,
   as in RectiPy. */
void rectic_net_check_finite(rectic_net *net, int on);

/* Memory for recordings and spikes (default 1 GiB): a run whose recordings would be larger streams them
   to temporary files in chunks (checked against the free disk space first), and spikes beyond what is
   left stream too, so memory stays bounded; rectic_net_write then writes them out, and
   rectic_net_recording and rectic_net_spikes refuse them (rectic_net_spikes still gives the count). */
void rectic_net_max_memory(rectic_net *net, size_t bytes);
/* Did the last run stream its recordings or its spikes to disk? */
int rectic_net_streamed(const rectic_net *net);

/* Recordings of the last run: name "out" or a recorded variable.  *data (borrowed) is rows x cols
   row-major. */
int rectic_net_recording(rectic_net *net, const char *name, long *rows, long *cols, const double **data);
/* Step numbers of the recorded rows (the step counter's: see "State checkpoints"); borrowed, *rows entries. */
int rectic_net_recorded_steps(rectic_net *net, long *rows, const long **steps);
/* Spikes of the last run as (step, neuron) pairs (steps of the step counter), sorted by step then neuron;
   borrowed.  When they were
   streamed to disk: *count is their number, *pairs NULL, and the status RECTIC_EINVAL. */
int rectic_net_spikes(rectic_net *net, long *count, const long **pairs);
/* Number of steps the last run completed (less than asked when it stopped early). */
long rectic_net_steps_done(const rectic_net *net);

/* Output formats of rectic_net_write. */
typedef enum rectic_format { RECTIC_FORMAT_CSV = 0, RECTIC_FORMAT_NPY = 1 } rectic_format;

/* Writes the last run's recordings into dir (created when missing) as one output set: out, every
   recorded variable ("op/var" becomes op_var), spikes ("step,neuron" rows; spiking networks), time (t of
   each row) and meta.json, the record of the set: {"files": [{"name": "out.csv", "size": BYTES}, ...]}.
   CSV: plain numbers, no header, shortest round-trip formatting; NPY: 2-D float64 arrays (float32 for
   float32 networks), time a 1-D float64 array of shape (T,), spikes int64 of shape (count, 2).  Every file is
   written under a temporary name first; then, holding an flock on dir/.rectic.lock (a second writer into
   dir waits for it), the previous meta.json goes, the previous set's files that this set lacks go (only
   names a meta.json lists are ever removed), the files are renamed into place and meta.json comes last.
   So dir holds one complete set with its meta.json, or, after an interruption, no meta.json. */
int rectic_net_write(rectic_net *net, const char *dir, rectic_format format);
/* The same, with meta_members (JSON object members such as "\"a\": 1,\n  \"b\": 2", or NULL) placed in
   meta.json before "files". */
int rectic_net_write_set(rectic_net *net, const char *dir, rectic_format format, const char *meta_members);
/* The same, with the members made by fn(user) once the recordings are written, just before meta.json is
   (meta.json can then say how long writing them took): fn returns a string the library frees (free()), or
   NULL for none. */
typedef char *(*rectic_meta_fn)(void *user);
int rectic_net_write_set_fn(rectic_net *net, const char *dir, rectic_format format, rectic_meta_fn fn, void *user);
/* Checks before a run of `steps` steps that dir can be created and written and that its file system has
   room for the outputs whose size is known in advance (.npy exactly, CSV at least two bytes a value). */
int rectic_net_check_output(rectic_net *net, const char *dir, rectic_format format, long steps);
/* Does dir hold an incomplete output set (a commit was interrupted: no meta.json, the journal left)? */
int rectic_output_incomplete(const char *dir);

/* Reads a matrix from a CSV file (a UTF-8 byte order mark and '#' comments allowed), or a NumPy .npy file
   (C order; float64/32, integers or bools of either byte order, converted to double) by extension.  On
   success the caller owns *data (free()); on failure rectic_last_error() explains (file:line:col). */
int rectic_read_matrix(const char *path, double **data, long *rows, long *cols);

/* A self-contained simulation source for this network: the same kernel, the Euler loop, recording and
   CSV/.npy output with a main() (libc, libm and CBLAS only; -DRECTIC_NO_BLAS for none).  Current
   settings (dt, threshold, sampling, recorded variables, scalar values) become its defaults; weights,
   inputs, steps and NAME=VALUE overrides are read at run time.  For a network of populations
   (rectic_net_new_network) the program runs the fused kernel: it carries the per-unit values and the
   weights in the kernel's layout (up to 65536 numbers in all, asking for the rest at run time), takes
   --input POP=FILE, --weights K=FILE and POP/VAR=VALUE, and writes what rectic_net_write writes; its
   dt and strategies are fixed.  The caller owns *text (free()). */
int rectic_net_standalone(rectic_net *net, rectic_format format, char **text);

/* The generated kernel source (borrowed): C, or CUDA for RECTIC_BACKEND_NVRTC. */
const char *rectic_net_source(const rectic_net *net);
/* Generates the kernel source this network would have on `backend` (C, or CUDA for
   RECTIC_BACKEND_NVRTC) without compiling it; the caller owns *text (free()). */
int rectic_net_emit(rectic_net *net, rectic_backend backend, char **text);
/* Writes a description of the resolved model (operators, variables with kinds and defaults, equations
   after inheritance) as text; the caller owns *text and frees it with free(). */
int rectic_net_describe(rectic_net *net, char **text);
/* Resolved equations, one "op: equation" string per index (borrowed); NULL past the end. */
const char *rectic_net_equation(const rectic_net *net, int i);
/* The kernel that ran last: "tcc", "cc", "cc (cached)" or "tcc, then cc" (tiered mode switched). */
const char *rectic_net_backend(const rectic_net *net);
/* The coupling strategy in use: "none", "inline", "dense", "sparse" or "event". */
const char *rectic_net_coupling(const rectic_net *net);
/* How the weights were loaded: "none", "copied" (from the spec's arrays), "mapped in place" (a .npy file
   used as the kernel's matrix through a read-only mapping), "read in place" (a CSV file's buffer used as
   is) or "converted" (written once into the kernel's layout: another type, order or sparse form); NULL for
   a NULL net. */
const char *rectic_net_weights_layout(const rectic_net *net);
/* Threads OpenBLAS uses (the ridge regression; process-wide).  Without a call: one, not OpenBLAS's own
   default, which follows the CPUs the process may use (mpirun binds a rank to a core) while the bits of its
   threaded products depend on the count: a fit gives the same bits in every process with the same count. */
void rectic_set_threads(int threads);
/* Threads for the kernel's loops over neurons (default: every online core).  Only kernels built by the
   system compiler (--backend cc/auto, with OpenMP) use them, and only for n >= 4096; the results are the
   same for any number of threads.  Such a kernel splits a dense product among these threads by rows, and
   they wait passively between loops (OMP_WAIT_POLICY=passive is set before the
   first such kernel is loaded, unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set).  A run on more than one
   thread (these, or OpenBLAS's) runs each block of steps on one thread or on all, whichever has been faster
   per step (the network keeps the running means across runs), and tries the other now and then. */
void rectic_net_threads(rectic_net *net, int threads);
/* Number of kernel compilations so far (cache hits of --backend cc do not count; tiered mode counts its
   TinyCC and cc kernels apart).  Changing values adds at most one: see rectic_net_set. */
int rectic_net_compilations(const rectic_net *net);
/* Seconds spent in the phases of the network's life: load (rectic_net_new: reading the template), generate
   and jit (every compilation so far, added up: writing the kernel's source; compiling and loading it), run (the last run: its buffers and steps). */
typedef struct rectic_timings {
    double load, generate, jit, run;
    double weights;  /* rectic_net_new: reading and checking the weights (the first pass over them) */
    double coupling; /* rectic_net_new: building the coupling's layout from them (the rest) */
} rectic_timings;
void rectic_net_timings(const rectic_net *net, rectic_timings *t);

/* Describes a template without building a network: operators, variables with kinds and defaults and
   the equations after inheritance.  The caller owns *text (free()); on failure *text is NULL and
   rectic_last_error() explains. */
int rectic_describe_template(const rectic_spec *spec, char **text);

/* Lists the built-in node templates, one "dotted.name<TAB>description" line each.  The caller owns
   *text (free()); on failure *text is NULL and rectic_last_error() explains. */
int rectic_list_templates(char **text);

/* ---------------------------------------------------------------------------------------------------
 * Networks of populations
 *
 * A network is a set of populations (a node template replicated n times, with its own parameter values,
 * input variable and spike rule) and projections (source POP/VAR -> target POP/VAR through weights, with
 * an optional delay).  A rectic_netspec describes one; build it with the calls below or read it from a
 * network file (docs/network-files.md); rectic_net_new_network builds a runnable network from it: one fused
 * kernel for every population and projection.
 *
 * Checked here, without templates: names ([A-Za-z_][A-Za-z0-9_]*, populations unique), paths ("pop/var"
 * or "pop/op/var" naming a known population), sizes (n >= 1), weight shapes (n_target x n_source), COO
 * indices (integral, 0-based, in range), finite numbers, delays >= 0.  Whether templates, operators and
 * variables exist is checked when the network is built from the spec.
 *
 * Conventions as above: every fallible call returns RECTIC_OK or a RECTIC_E* code and leaves a message
 * that rectic_netspec_errmsg() returns; a NULL handle gives RECTIC_EINVAL; arrays and strings are copied;
 * returned pointers are borrowed (valid until the next call that changes the spec).
 * ------------------------------------------------------------------------------------------------- */

typedef struct rectic_netspec rectic_netspec;

/* Kinds of projection weights. */
typedef enum rectic_weights_kind {
    RECTIC_WEIGHTS_DENSE = 0,  /* an n_target x n_source matrix, row i = target unit */
    RECTIC_WEIGHTS_COO = 1,    /* nnz rows of (target, source, weight); duplicates add */
    RECTIC_WEIGHTS_SCALAR = 2  /* one weight w for every pair: target_i += w * sum_j source_j */
} rectic_weights_kind;

/* An empty spec.  *out receives a handle (NULL only when memory ran out); free it with
   rectic_netspec_free. */
int rectic_netspec_new(rectic_netspec **out);
void rectic_netspec_free(rectic_netspec *ns);
/* The message of the last failed call on ns ("no network (NULL handle)" for NULL, "no error" when none). */
const char *rectic_netspec_errmsg(const rectic_netspec *ns);

/* Adds a population of n >= 1 units of a template (dotted name or path); op (may be NULL) is the
   operator short variable names refer to. */
int rectic_netspec_population(rectic_netspec *ns, const char *name, const char *template_ref, const char *op,
                              long n);
/* The population's input variable ("var" or "op/var"); a second call replaces the first. */
int rectic_netspec_input(rectic_netspec *ns, const char *pop, const char *var);
/* Makes the population spiking: var receives 1/dt for one step when the state variable def reaches
   threshold, and def is then reset (RectiPy's rule).  RECTIC_NETSPEC_THRESHOLD / _RESET are the
   defaults the network file uses.  A second call replaces the first. */
#define RECTIC_NETSPEC_THRESHOLD 100.0
#define RECTIC_NETSPEC_RESET (-100.0)
int rectic_netspec_spikes(rectic_netspec *ns, const char *pop, const char *var, const char *def, double threshold,
                          double reset);
/* Sets a parameter, or the initial value of a state variable: path "pop/var" or "pop/op/var"; count 1
   (every unit) or n (unit i gets values[i]); finite values.  Sets apply in order (a later one wins). */
int rectic_netspec_set(rectic_netspec *ns, const char *path, const double *values, long count);

/* Projections: source and target "pop/var" or "pop/op/var"; delay in seconds (finite, >= 0; 0: none),
   turned into steps when dt is known (round half to even).  Contributions to one target add up in the
   order projections are added. */
/* Dense weights: rows = n of the target population, cols = n of the source; finite. */
int rectic_netspec_dense(rectic_netspec *ns, const char *source, const char *target, const double *w, long rows,
                         long cols, double delay);
/* Sparse weights: nnz rows of (target index, source index, weight), indices 0-based within each
   population; entries may be NULL when nnz is 0. */
int rectic_netspec_coo(rectic_netspec *ns, const char *source, const char *target, const double *entries,
                       long nnz, double delay);
/* One weight for every (target, source) pair, self-pairs included. */
int rectic_netspec_scalar(rectic_netspec *ns, const char *source, const char *target, double w, double delay);

/* Adds a folder searched for templates before the usual search path (in the order added; a network
   file's own folder comes first). */
int rectic_netspec_template_path(rectic_netspec *ns, const char *dir);

/* Reads a network file (YAML: populations and projections; docs/network-files.md) into a new spec.
   The file's folder becomes the first template path; files it names are relative to that folder.
   *out receives a handle even on failure (NULL only when memory ran out), with the message
   ("FILE:LINE:COL: ...") and what was read before the error; free it with rectic_netspec_free in
   either case.  In a process started by mpirun on several ranks, weight files are only opened (a .npy's
   header read for its shape): each rank checks the part it reads when rectic_net_new_network builds the
   network with spec.mpi. */
int rectic_netspec_load(rectic_netspec **out, const char *path);
/* The network file the spec was read from (borrowed), or NULL. */
const char *rectic_netspec_file(const rectic_netspec *ns);

/* Reading a spec back.  Indices count from 0 in the order of adding (the file's order).  Out of range
   indices and NULL handles give 0, -1 or NULL as the comment says. */
int rectic_netspec_n_populations(const rectic_netspec *ns);
int rectic_netspec_n_projections(const rectic_netspec *ns);
int rectic_netspec_n_template_paths(const rectic_netspec *ns);
const char *rectic_netspec_template_path_at(const rectic_netspec *ns, int i); /* NULL */
/* Index of the population called name, or -1. */
int rectic_netspec_find(const rectic_netspec *ns, const char *name);
const char *rectic_netspec_pop_name(const rectic_netspec *ns, int i);     /* NULL */
const char *rectic_netspec_pop_template(const rectic_netspec *ns, int i); /* NULL */
const char *rectic_netspec_pop_op(const rectic_netspec *ns, int i);       /* NULL also when none given */
long rectic_netspec_pop_size(const rectic_netspec *ns, int i);            /* 0 */
/* The input variable as given ("var" or "op/var"; borrowed), NULL when none. */
const char *rectic_netspec_pop_input(const rectic_netspec *ns, int i);
/* 1 and the spike rule (any out pointer may be NULL; var and def as given, borrowed) when the population
   spikes, 0 when it does not, -1 for a bad index. */
int rectic_netspec_pop_spikes(const rectic_netspec *ns, int i, const char **var, const char **def,
                              double *threshold, double *reset);
/* Number of sets of population i (0), and set k: *var as given ("var" or "op/var"; borrowed), *values
   (borrowed, *count values).  Returns RECTIC_OK or RECTIC_EINVAL for a bad index. */
int rectic_netspec_pop_n_sets(const rectic_netspec *ns, int i);
int rectic_netspec_pop_set(const rectic_netspec *ns, int i, int k, const char **var, const double **values,
                           long *count);
/* Projection k: populations (indices) and paths as given (borrowed); any out pointer may be NULL.
   Returns RECTIC_OK or RECTIC_EINVAL for a bad index. */
int rectic_netspec_proj_ends(const rectic_netspec *ns, int k, int *source_pop, const char **source, int *target_pop,
                             const char **target);
/* Projection k's weights: *kind; *w (borrowed): dense n_target x n_source row-major, COO *count x 3, or
   NULL for a scalar and for weights left in their file (rectic_netspec_proj_file); *count: rows*cols values (dense), entries (COO) or 1 (scalar); *weight: the scalar
   (0 otherwise); *delay in seconds.  Any out pointer may be NULL. */
int rectic_netspec_proj_weights(const rectic_netspec *ns, int k, rectic_weights_kind *kind, const double **w,
                                long *count, double *weight, double *delay);
/* The file projection k's weights stay in (a network file's weights: checked when the file was read, read
   again straight into the kernel's layout when the network is built, so that one copy is ever held), or
   NULL (weights given as arrays, or a scalar). */
const char *rectic_netspec_proj_file(const rectic_netspec *ns, int k);

/* ---------------------------------------------------------------------------------------------------
 * Running a network of populations
 *
 * rectic_net_new_network returns an ordinary rectic_net handle; the calls above work on it with paths
 * "POP/VAR" or "POP/OP/VAR" where they take a variable name (rectic_net_set, _get, _record), and
 * rectic_net_size is the number of units of all populations.  Inputs come per population
 * (rectic_net_input) instead of through rectic_net_run's arguments (which must be NULL, 0); spikes per
 * population (rectic_net_population_spikes); rectic_net_write writes KEY.csv per recording,
 * spikes_POP.csv per spiking population, out (when an output was chosen) and time.  A network made by
 * rectic_net_new is one population named "" in these calls.
 * ------------------------------------------------------------------------------------------------- */

/* Builds a network from ns: loads every population's template (the netspec's folders first, then
   opts->template_path, RECTIC_TEMPLATE_PATH when opts->use_env_path, the built-in templates and the
   current folder), resolves every variable the spec names (errors point into the network file), applies
   the spec's sets, keeps each projection's weights once in the layout its kernel reads, and compiles one
   fused kernel.  From opts (rectic_spec_init defaults): dt, dtype, backend, device, coupling (the strategy
   of every matrix projection; AUTO chooses per projection; EVENT makes every projection whose source obeys
   s' = -s/tau + c*spike without delay event-driven, the others sparse, each named in a warning), min_weight, template_path, n_template_path,
   use_env_path; its template, weights and role fields must be unset.  *out receives a handle even on
   failure (NULL only when memory ran out); free it with rectic_net_free in either case. */
int rectic_net_new_network(rectic_net **out, const rectic_netspec *ns, const rectic_spec *opts);
/* Populations: their number (1 for rectic_net_new's networks), name (NULL past the end) and size (0). */
int rectic_net_n_populations(const rectic_net *net);
const char *rectic_net_population(const rectic_net *net, int i);
long rectic_net_population_size(const rectic_net *net, int i);
/* Projection k as built: its delay in steps (round(delay/dt), ties to even) and strategy ("inline",
   "dense", "sparse", "event" or "scalar"); -1 / NULL past the end. */
long rectic_net_projection_delay(const rectic_net *net, int k);
const char *rectic_net_projection_coupling(const rectic_net *net, int k);
/* The input of population pop for the next runs: rows x cols row-major (cols = the population's size, or
   1: the same value for every unit), row s = step s of a run; borrowed until the network is freed or the
   input replaced (data NULL removes it).  A run of T steps needs rows >= T.  The population must have an
   input variable (its spec's input).  Partitioned over several MPI ranks, cols = the population's size > 1
   (no input layer) means rows x (hi - lo) values: this rank's units lo .. hi-1 (rectic_net_mpi_block), as
   rectic_net_read_input reads them. */
int rectic_net_input(rectic_net *net, const char *pop, const double *data, long rows, long cols);
/* Records variable path ("POP/VAR" or "POP/OP/VAR") in the next runs under key (its recording's name and
   file; [A-Za-z0-9_.-]+, not a reserved file name); key NULL: path with '/' replaced by '_'.  Key "out"
   makes it the network's output (rectic_net_sampling's mean applies to it). */
int rectic_net_record_as(rectic_net *net, const char *path, const char *key);
/* Spikes of population pop in the last run: (step, unit) pairs, units counted within the population,
   sorted by step then unit; borrowed. */
int rectic_net_population_spikes(rectic_net *net, const char *pop, long *count, const long **pairs);

/* ---------------------------------------------------------------------------------------------------
 * Input and readout layers, ridge regression (reservoir computing as RectiPy does it: SEMANTICS §10)
 *
 * RectiPy's graph input -> W_in -> network -> W_out -> activation: the input variable receives W_in @ x_n
 * (x_n the run's input row n), and the output "out" becomes act(W_out @ y_n (+ b)), y_n the output
 * variable before the step's update.  rectic_net_fit_ridge solves for W_out on a run's recorded outputs;
 * rectic_net_score compares a run's outputs with targets.  Matrices are always target x source.
 * ------------------------------------------------------------------------------------------------- */

/* Readout activations, applied to z = W_out @ y (+ b); the soft* ones over the k outputs of a step
   (shifted by their largest first, as torch does). */
typedef enum rectic_activation {
    RECTIC_ACT_IDENTITY = 0,
    RECTIC_ACT_TANH = 1,
    RECTIC_ACT_SIGMOID = 2,   /* 1/(1 + exp(-z)) */
    RECTIC_ACT_SOFTMAX = 3,
    RECTIC_ACT_SOFTMIN = 4,   /* softmax(-z) */
    RECTIC_ACT_LOG_SOFTMAX = 5
} rectic_activation;
/* The activation called name ("identity", "tanh", "sigmoid", "softmax", "softmin", "log_softmax"), or -1. */
int rectic_activation_find(const char *name);

/* An input layer for the next runs: w is rows x cols row-major, rows = the number of neurons of the network
   (of population pop in a network of populations; pop NULL for a network of one template), cols = m inputs.
   The population's input variable receives w @ x_n (summed in column order, in float64), and the inputs
   of a run have m columns.  w NULL removes the layer.  Entries must be finite. */
int rectic_net_input_weights(rectic_net *net, const char *pop, const double *w, long rows, long cols);
/* A readout for the next runs: the recording "out" becomes act(w @ y_n + b), k columns, with y_n the output
   variable (rectic_spec.output_var, or the recording "out" of a network of populations) before the step's
   update; w is k x n, or k x (n + 1) with the intercept b as the last column.  Recorded variables stay per
   neuron; with RECTIC_SAMPLE_MEAN the readout applies to the averaged output.  w NULL removes it. */
int rectic_net_readout(rectic_net *net, const double *w, long rows, long cols, rectic_activation act);

/* Errors of outputs against targets, per output column: mse over the rows, and nrmse = sqrt(mse / variance
   of the target column over the same rows, divided by their count); NaN where that variance is 0.  mse_mean
   and nrmse_mean: their means over the columns.  The arrays are borrowed from the network until its next
   run, fit or score. */
typedef struct rectic_score {
    long rows;            /* rows compared */
    long outputs;         /* columns (k) */
    const double *mse;    /* k values */
    const double *nrmse;  /* k values */
    double mse_mean, nrmse_mean;
} rectic_score;

/* Ridge regression of a readout on the last run (RectiPy's fit_ridge): X = the recorded output (T x n, the
   pre-update y_n of every step: the run must record every step, from its first), targets T x k (row n =
   target of step n).  Solves (XᵀX + alpha I) w = XᵀY over the rows n >= washout with LAPACK (Cholesky; the
   minimum-norm least-squares solution when that fails); bias adds an intercept that is not regularised.
   The readout (k x n, or k x (n + 1) with bias: what rectic_net_readout takes) and the fitted outputs
   X @ wᵀ (+ b) of all T rows are kept until the next run (rectic_net_fitted_readout, _fitted_outputs;
   rectic_net_write writes them as readout.csv and y_fit); *score (may be NULL) gets their errors over the
   fitted rows.  The network's state is not touched: the next run continues from where the run left it. */
int rectic_net_fit_ridge(rectic_net *net, const double *targets, long rows, long k, double alpha, long washout,
                         int bias, rectic_score *score);
/* The last fit's readout (k x cols, borrowed) and fitted outputs (T x k, borrowed). */
int rectic_net_fitted_readout(rectic_net *net, long *rows, long *cols, const double **w);
int rectic_net_fitted_outputs(rectic_net *net, long *rows, long *cols, const double **y);
/* Scores the last run's output "out" (the readout's, when there is one) against targets: rows = the steps
   of the run, row n = the target of step n, one column per output; every recorded row is compared with the
   target of its step. */
int rectic_net_score(rectic_net *net, const double *targets, long rows, long cols, rectic_score *score);

/* A network of populations' input layer and readout (a network file's input_layer: and readout: entries),
   applied by rectic_net_new_network.  input_layer: target "POP/VAR" (it becomes POP's input variable;
   a different one given before is an error), w n_POP x m: POP's input (rectic_net_input) then has m columns
   and its input variable receives w @ x_n.  readout: source "POP/VAR" (recorded as the network's output
   "out"), w k x n_POP or k x (n_POP + 1) (the intercept last), act.  w is copied; a second call replaces the
   first. */
int rectic_netspec_input_layer(rectic_netspec *ns, const char *target, const double *w, long rows, long cols);
int rectic_netspec_readout(rectic_netspec *ns, const char *source, const double *w, long rows, long cols,
                           rectic_activation act);
/* Reading them back: 1 and the layer (any out pointer may be NULL; borrowed), 0 when there is none, -1 for
   a NULL handle. */
int rectic_netspec_get_input_layer(const rectic_netspec *ns, const char **target, const double **w, long *rows,
                                   long *cols);
int rectic_netspec_get_readout(const rectic_netspec *ns, const char **source, const double **w, long *rows,
                               long *cols, rectic_activation *act);

/* ---------------------------------------------------------------------------------------------------
 * State checkpoints
 *
 * A network keeps a step counter: 0 at creation and after rectic_net_reset, advanced by every run.  Runs
 * count their recorded rows, spikes, sampling (n % sampling_steps) and cutoff in its steps (their inputs and
 * step counts from their own first step), and what a step depends on carries from run to run (delay rings,
 * event-driven sums, the sampling mean's sums), so that a run of T1 + T2 steps equals a run of T1 steps
 * followed by one of T2, and equals it too when the state was saved in between and loaded into a new
 * network.
 * ------------------------------------------------------------------------------------------------- */

/* Saves everything the next step depends on into path (a NumPy .npz archive, written through a temporary
   file and a rename; equal states give equal bytes): every state variable of every population, delay
   rings, event-driven coupling sums, the sampling mean's sums and the step counter (keys: runtime/checkpoint.c). */
int rectic_net_save_state(rectic_net *net, const char *path);
/* Continues from a saved state: the file must belong to the same model (the same resolved equations,
   population sizes, projections and their delays in steps, dtype and dt; parameter values, weights and
   layers may differ), else RECTIC_EINVAL naming the first difference and nothing changes.  Values set with
   rectic_net_set afterwards override the loaded ones. */
int rectic_net_load_state(rectic_net *net, const char *path);
/* Saves the state into path whenever the step counter reaches a multiple of steps during the next runs
   (steps 0: never); a failed save stops the run with its error. */
int rectic_net_checkpoint_every(rectic_net *net, long steps, const char *path);

/* MPI (a process started by mpirun: OpenMPI, opened at run time).  use = 1: runs of net are partitioned
   across the ranks of MPI_COMM_WORLD (MPI_Init is called if the program has not): every population is
   split into contiguous blocks of units, each rank updates its block, and every rank ends a run with the
   state, spikes and recordings of one process on rank 0 (the other ranks' recordings hold their own
   units only).  Each rank keeps only the incoming weights of its own units, so that a network partitioned
   over several ranks cannot go back to one process (use = 0 then fails).  Every rank must make the same
   calls.  With online training or feedback (rectic_net_rls, rectic_net_feedback_weights) every rank takes
   the output's columns of each block of steps from their owners and runs the same readout: its output, W,
   P and the errors are one process's on every rank; rectic_net_fit_ridge fits one process's on rank 0.
   RECTIC_EINVAL when MPI cannot be opened (the message says why) or the network runs on CUDA. */
int rectic_net_use_mpi(rectic_net *net, int use);
/* This process's rank and the number of ranks (0 and 1 without MPI). */
int rectic_net_mpi_rank(const rectic_net *net, int *rank, int *size);
/* Bytes of weights this process holds (under MPI: the incoming weights of its own units); 0 for NULL. */
double rectic_net_weight_bytes(const rectic_net *net);
/* Values this process read from the weight file while rectic_net_new loaded it, in all its passes (a
   network made with spec.mpi: of its units' rows of dense weights; every entry of sparse weights, which
   are streamed; with spec.mpi_read RECTIC_MPI_READ_SCATTER rank 0 reads them twice and the others none);
   for a network of populations, from its projections' files while rectic_net_new_network
   built it (under spec.mpi: the rows of this rank's targets of dense files; every entry of COO files, once
   more to count them for blocks balanced by synapses), not while the network file was read; 0 for NULL
   and for weights given as arrays. */
double rectic_net_weight_values_read(const rectic_net *net);
/* Reads an input file (CSV or .npy, as rectic_read_matrix) for population pop (NULL or "" for a network of
   one template): *rows x *cols is the file's shape.  On a network partitioned over several ranks a file of
   one column per unit of pop (n > 1, no input layer) is read only for this rank's units lo .. hi-1
   (rectic_net_mpi_block): only their fields of a CSV file are parsed (the others are skipped), only their
   bytes of a .npy file read, and *data holds *rows x (hi - lo) values, what rectic_net_run and
   rectic_net_input take on this rank; any other file (and any file without MPI) is read whole, *rows x
   *cols.  The caller owns *data (free()).  Partitioned, every rank must call it with the same file: a
   malformed file fails on every rank with the message of the error earliest in the file (file:line:col). */
int rectic_net_read_input(rectic_net *net, const char *pop, const char *path, double **data, long *rows, long *cols);
/* This rank's units lo .. hi-1 of population pop (NULL or "" for a network of one template): its block
   under MPI, 0 .. n without. */
int rectic_net_mpi_block(rectic_net *net, const char *pop, long *lo, long *hi);
/* Values this process read (parsed or converted) of input files by rectic_net_read_input, all calls
   together; 0 for NULL. */
double rectic_net_input_values_read(const rectic_net *net);
/* The step counter: the step the next run starts at (0 for a NULL net). */
long rectic_net_step(const rectic_net *net);

/* ---------------------------------------------------------------------------------------------------
 * Online training of the readout: recursive least squares and FORCE feedback (SEMANTICS §10)
 *
 * With training or feedback set, the readout runs inside the run, step by step: ŷ_n = W y_n with y_n the
 * output before step n's update (the recording "out" of the run becomes ŷ), and on the update steps
 * (n % update_every == 0 and n < train_steps, n the step counter) W is trained by RLS, RectiPy's RLS edge:
 *     e = y − ŷ;  k = P x / (β + xᵀ P x);  P ← (P − k (xᵀ P)) / β;  W ← W + e ⊗ (P x)   (x = y_n, P updated)
 * with P = alpha I at the start (BLAS dsymv and dsyr: O(N²) per update).  Feedback (FORCE) adds W_fb @ ŷ_{n−1}
 * to the input variable at step n (after the input layer, or to the plain input); the kernel then runs one
 * step per call.  P, W and ŷ_{n−1} carry from run to run and into saved states (rls/P, rls/W,
 * feedback/yhat), so that a run split in two equals it in one piece.  The output must be recorded at every
 * step (sampling 1, no cutoff inside the run); CPU backends only.
 * ------------------------------------------------------------------------------------------------- */

/* Trains the readout by RLS in the next runs.  targets: rows x cols row-major, borrowed until the network
   is freed or the call repeated, row s = the target of step s of a run (a run of T steps needs rows >= T),
   cols = k outputs; alpha > 0 (P0 = alpha I), beta in (0, 1] (the forgetting factor; 1: none), update_every
   >= 1, train_steps: updates on steps n < train_steps only (-1: every step).  The readout set with
   rectic_net_readout is the starting W (k x n, identity activation, no intercept); without one training
   starts from zeros.  Each call starts the training again (P = alpha I at the next run); targets NULL stops
   it (W stays).  After a run, rectic_net_fitted_readout gives the trained W (rectic_net_write writes it as
   readout.csv, and the errors as error). */
int rectic_net_rls(rectic_net *net, const double *targets, long rows, long cols, double alpha, double beta,
                   long update_every, long train_steps);
/* FORCE feedback in the next runs: w is n x k (row i = neuron i, column c = output c of the readout); the
   input variable receives w @ ŷ_{n-1} on top of its input at every step n (nothing at step 0, or after a
   reset).  Needs a readout (rectic_net_readout or training) and an input variable.  In a network of
   populations the population fed is the input layer's, else the one population with an input variable (more
   than one: RECTIC_EINVAL, name it with rectic_net_feedback_into), chosen when called; n is its size.  w NULL
   removes it. */
int rectic_net_feedback_weights(rectic_net *net, const double *w, long rows, long cols);
/* As rectic_net_feedback_weights, into population pop of a network of populations (its input variable, after
   its input layer or on top of its input; n = its size); pop NULL chooses as rectic_net_feedback_weights. */
int rectic_net_feedback_into(rectic_net *net, const char *pop, const double *w, long rows, long cols);
/* The population that receives the feedback (borrowed until the network is freed); NULL for a network of one
   template or without feedback. */
const char *rectic_net_feedback_population(const rectic_net *net);
/* The errors e = y − ŷ of the last run's update steps: *rows (one per update) x *cols (k), borrowed until
   the next run.  RECTIC_EINVAL before a training run. */
int rectic_net_rls_errors(rectic_net *net, long *rows, long *cols, const double **e);
/* The mean squared error of ŷ against the targets over the last run's steps before train_steps (mse[0]) and
   from it on (mse[1]), each over its steps and the k outputs (NaN where there were none); steps (may be
   NULL) gets their numbers. */
int rectic_net_rls_mse(rectic_net *net, double mse[2], long steps[2]);

#ifdef __cplusplus
}
#endif

#endif

/*
 * cuda_dev.h -- what the CUDA runtimes of a single template (cuda_run.c) and of a network of populations
 * (cuda_netrun.c) share.  cuda_dev.c: a device with its stream and module, buffers that grow on demand
 * (device memory, page-locked host memory), launches (one thread per item, the reduction trees of
 * emit_cuda.h) and the chunk of steps launched as one CUDA graph.  cuda_pop.c: per network (a single
 * template or a population) its values, inputs, recordings and spike bits, and the chunks' length.
 * Internal to the runtime.
 */
#ifndef RCT_CUDA_DEV_H
#define RCT_CUDA_DEV_H

#include "emit_cuda.h"
#include "jit_nvrtc.h"
#include "network.h"
#include "util.h"

RCT_DCTX_DEF(void, RCT_NO_DOC)

/* One device allocation that grows on demand. */
typedef struct rct_dbuf {
    rct_CUdeviceptr p;
    size_t size;
} rct_dbuf;

/* One host buffer that grows on demand, page-locked when the driver allows (copies from and to it go at
   full speed and it is faulted in once, not per run). */
typedef struct rct_hbuf {
    void *p;
    size_t size;
    int pinned;
} rct_hbuf;

/* A device with its stream, the loaded kernels and the CUDA graph of one chunk. */
typedef struct rct_cuexec {
    rct_cudev *dev;
    rct_CUstream stream;
    rct_CUmodule mod;
    char arch[32];           /* "90" for compute capability 9.0 */
    double nvrtc_s, load_s;  /* the last compile and module load */
    size_t image_bytes;
    rct_CUgraphExec graph;   /* the launches of graph_steps steps */
    long graph_steps;
    int graphs_off;          /* RECTIC_CUDA_GRAPHS=0, or the driver could not capture */
    int graphs_used;
} rct_cuexec;

/* Opens device `ordinal` and a stream on it (x zeroed first); rct_cuexec_close frees what was opened. */
int rct_cuexec_open(rct_cuexec *x, int ordinal, rct_err *err);
void rct_cuexec_close(rct_cuexec *x);
/* Makes x's context current on the calling thread. */
int rct_cuexec_use(rct_cuexec *x, rct_err *err);
/* Compiles src with NVRTC for the device and loads it into *mod (PTX first; a cubin when the driver cannot
   read this NVRTC's PTX); the timings go to x. */
int rct_cuexec_compile(rct_cuexec *x, const char *src, rct_CUmodule *mod, rct_err *err);
/* Looks up kernel `name` of mod (a missing one is a bug in rectic). */
int rct_cuexec_fn(rct_cuexec *x, rct_CUmodule mod, const char *name, rct_CUfunction *fn, rct_err *err);
/* Makes mod the loaded module (unloading the previous one, dropping the graph). */
void rct_cuexec_set_module(rct_cuexec *x, rct_CUmodule mod);
/* Checks a driver call: 0, or RECTIC_EDEVICE with "what: CUDA_ERROR_..." in err. */
int rct_cuexec_ck(const rct_cuexec *x, rct_CUresult res, const char *what, rct_err *err);

/* Makes b hold at least `bytes` (its contents are lost when it grows); RECTIC_ENOMEM says what is free. */
int rct_dbuf_need(rct_cuexec *x, rct_dbuf *b, size_t bytes, rct_err *err);
void rct_dbuf_free(rct_cuexec *x, rct_dbuf *b);
/* Makes b hold `bytes` copied from src (and waits for the copy). */
int rct_dbuf_upload(rct_cuexec *x, rct_dbuf *b, const void *src, size_t bytes, rct_err *err);
/* Uploads sparse weights as compressed sparse rows: given by rows (ptr: rows + 1 starts, idx: columns) as
   they are, or given by columns (`by_columns`; ptr: cols + 1 starts, idx: rows) turned into rows, each
   row's entries by column; values of `rs` bytes.  ptr_b is freed again on failure, so that a later run
   uploads them anew. */
int rct_dbuf_upload_sparse(rct_cuexec *x, rct_dbuf *ptr_b, rct_dbuf *col_b, rct_dbuf *val_b, const long *ptr,
                           const int *idx, const void *val, long rows, long cols, int by_columns, size_t rs,
                           rct_err *err);
/* Makes h hold at least `bytes` (its contents are lost when it grows); *out = the buffer. */
int rct_hbuf_need(rct_cuexec *x, rct_hbuf *h, size_t bytes, void **out, rct_err *err);
void rct_hbuf_free(rct_cuexec *x, rct_hbuf *h);

/* The sparse product's kernel that the environment's RECTIC_CUDA_CSR asks for, as a suffix of the kernel's
   name: "" (thread, the default: a thread per row), "_warp" (a warp per row in stored order; both the C
   kernel's bits) or "_tree" (a warp per row and a lane tree, within rounding); *lanes: threads per row. */
int rct_cu_csr_kernel(const char **suffix, int *lanes, rct_err *err);

/* Launches f on `threads` threads with the given parameters. */
int rct_cu_launch(rct_cuexec *x, rct_CUfunction f, long threads, void **params, rct_err *err);
/* Launches the reduction of n values as emit_cuda.h's tree: f(ctx, k, P, dst), then f_next(ctx, count, P,
   src, dst) while more than one thread is left; the partial values take rct_cu_tree_len(n) reals. */
int rct_cu_launch_tree(rct_cuexec *x, rct_CUfunction f, rct_CUfunction f_next, rct_CUdeviceptr ctx, long k, long n,
                       rct_err *err);
long rct_cu_tree_len(long n);

/* Launches chunk steps 0..steps-1 through step(user, k, err): a full chunk (`full`) as a CUDA graph when
   one can be made (captured once, then launched for every chunk of that length), else launch by launch. */
typedef int (*rct_cu_step_fn)(void *user, long k, rct_err *err);
int rct_cu_launch_chunk(rct_cuexec *x, long steps, int full, rct_cu_step_fn step, void *user, rct_err *err);
/* Frees the graph. */
void rct_cuexec_drop_graph(rct_cuexec *x);

/* The length of a run's chunks: at most RCT_CUDA_CHUNK_STEPS steps, fewer when one chunk's recorded rows,
   inputs or spike bits of a network (or of any population) would pass `bytes` (RECTIC_CUDA_CHUNK_BYTES
   overrides it: the tests make chunks tiny). */
typedef struct rct_cu_chunk {
    size_t bytes;
    long steps;           /* per chunk */
    long ring_rows;       /* rows each recording ring holds */
    long sample_every;
} rct_cu_chunk;
#define RCT_CUDA_CHUNK_STEPS 4096L
void rct_cu_chunk_start(rct_cu_chunk *ch, long run_steps, long sample_every);
/* Fits the chunk to one network: rows of row_bytes recorded (0: none; at most max_rows in a ring, 0: no
   limit), inputs of in_bytes per step, spike bits of bits_bytes per step (0: none). */
void rct_cu_chunk_fit(rct_cu_chunk *ch, size_t row_bytes, long max_rows, size_t in_bytes, size_t bits_bytes);
/* Settles the chunk's steps (at least 1) and the rings' rows (what one chunk records at most). */
void rct_cu_chunk_end(rct_cu_chunk *ch);

/* The recordings and spikes of one network (a single template or a population) on the device: one ring
   of rows per recorded value, the spike bits of a chunk (one bit per unit and step) and their summary
   (one bit per word that is not 0), and the host buffers they come back through. */
typedef struct rct_cu_rec {
    rct_dbuf rec, ring, ring_ptrs, bits, sum;
    rct_hbuf ring_host, bits_host, sum_host; /* kept from run to run */
    /* the run's */
    rectic_net *net;
    double **rec_data;    /* the host rows of the recorded values (net->rec_data, or from its second entry) */
    const void *recs;     /* their rectic_krec (borrowed): a subset's units are picked on the host */
    int n_rec;
    long ring_rows, words, sum_words, host_row, cap_spikes;
    void *ring_host_p;    /* float32 or a subset: one ring before conversion or picking */
    unsigned int *bits_host_p, *sum_host_p; /* NULL: net does not spike */
} rct_cu_rec;

/* Sets up the recordings of a run of net: the n_rec values recs describes (rectic_krec, rct_obs_prepare)
   going to rec_data, and, when net's model spikes, the spike bits; fills those fields of the context c. */
int rct_cu_rec_setup(rct_cuexec *x, rct_cu_rec *r, rectic_net *net, const void *recs, double **rec_data, int n_rec,
                     const rct_cu_chunk *ch, rectic_dctx *c, rct_err *err);
/* Clears the spike bits of the k steps of the next chunk. */
int rct_cu_rec_begin(rct_cuexec *x, rct_cu_rec *r, long k, rct_err *err);
/* Copies the chunk's `rows` recorded rows to the host rows and appends the spikes of its steps
   start..start+k-1 to net's list. */
int rct_cu_rec_collect(rct_cuexec *x, rct_cu_rec *r, long rows, long start, long k, rct_err *err);
void rct_cu_rec_free(rct_cuexec *x, rct_cu_rec *r);

/* The values of one network (a single template or a population) on the device: state (and its copy at a
   chunk's start, to replay a chunk that went non-finite), algebraic variables, coupling blocks, parameters
   (n values each), reductions and their partial values, the output's sums (mean sampling), the chunk's
   input rows, the recordings and spikes. */
typedef struct rct_cu_pop {
    rct_dbuf y, y_snap, alg, coup, params, param_ptrs, red, part, acc, acc_snap, input;
    rct_hbuf in_host;     /* float32 or a callback: one chunk of input rows, converted */
    rct_cu_rec rec;
    /* the run's */
    void *in_host_p;
    long cols;            /* input columns (0: none) */
    double *row;          /* one input row from a callback */
} rct_cu_pop;

/* Sets up a run of net on the device in chunks as ch says, with `cols` input columns (0, 1 or n): buffers
   (with `guard`, room for the snapshots), the state, coupling and parameters uploaded, the recordings
   (rct_cu_rec_setup's arguments), the output's sums zeroed; fills the context c but for its per-chunk
   fields and bad_step. */
int rct_cu_pop_setup(rct_cuexec *x, rct_cu_pop *P, rectic_net *net, long cols, const rct_cu_chunk *ch,
                     const void *recs, double **rec_data, int n_rec, int sample_mean, int guard, rectic_dctx *c,
                     rct_err *err);
/* Uploads the input rows of steps start..start+k-1: from `array` (cols values per step, float64 ones go up as
   they are) or from the callback fn. */
int rct_cu_pop_inputs(rct_cuexec *x, rct_cu_pop *P, rectic_net *net, const double *array, rectic_input_fn fn,
                      void *user, long start, long k, rct_err *err);
/* Copies the state and the output's sums aside (snapshot), or back (restore), on the device. */
int rct_cu_pop_snapshot(rct_cuexec *x, rct_cu_pop *P, const rectic_net *net, int restore, rct_err *err);
/* Copies the state, algebraic variables and coupling blocks back to net's host arrays. */
int rct_cu_pop_download(rct_cuexec *x, rct_cu_pop *P, rectic_net *net, rct_err *err);
void rct_cu_pop_free(rct_cuexec *x, rct_cu_pop *P);

/* The device of a network of populations (cuda_netrun.c), for rct_cuda_get_info. */
struct rct_cuda_pn;
const rct_cuexec *rct_cuda_pn_exec(const struct rct_cuda_pn *cp);

#endif

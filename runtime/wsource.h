/*
 * wsource.h -- a matrix of weights delivered in chunks of doubles, in the order it is stored: an array in
 * memory, a .npy file streamed through a small buffer or mapped read-only, or a CSV file read whole.
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_WSOURCE_H
#define RCT_WSOURCE_H

#include <stdio.h>

#include "io_npy.h"
#include "util.h"

typedef struct rct_wsrc {
    const char *name;      /* the file, or "weights" for an array: for messages */
    long rows, cols;
    int fortran;           /* the elements come column by column (else row by row) */
    size_t count, pos;     /* elements in all; the next one delivered (from first) */
    size_t first, end;     /* the elements delivered: first .. end-1 (a part of dense rows: rows lo .. hi-1) */
    int parts, part;       /* the part of the targets asked for: block `part` of `parts` (parts <= 1: all) */
    int asked;             /* rct_wsrc_open_rows: the rows ask_lo .. ask_hi-1 of a dense matrix of any shape */
    long ask_lo, ask_hi;
    long lo, hi;           /* that part's targets: dense rows delivered; sparse weights: the targets kept,
                              set by their loader (rct_wload_coo) */
    long min_rows;         /* smaller matrices are taken whole */
    int balance;           /* sparse weights: parts of about equal cost (entries onto a target, plus one), not
                              equal blocks of targets */
    int scatter;           /* sparse weights in parts: rank 0 reads them and sends each rank its part
                              (wload_scatter.h); the other ranks' sources deliver nothing */
    int agreed;            /* the ranks loading it in parts already agreed on the load's failure */
    long *bounds;          /* with balance: every part's first target and the end (parts + 1), set by the
                              loader; freed with the source unless taken */
    int reads;             /* passes begun over the source (1 + rewinds) */
    size_t delivered;      /* elements delivered in all passes */
    const double *mem;     /* all elements in memory (an array, a CSV file, or a mapped float64 .npy) */
    double *owned;         /* mem when the source owns it (a CSV file read whole) */
    unsigned char *map;    /* the mapped .npy file (mem points into it) */
    size_t map_len;
    FILE *f;               /* a .npy file streamed */
    rct_npy_info info;
    unsigned char *raw;    /* streaming: the items as stored ... */
    double *buf;           /* ... and as doubles */
    size_t cap;            /* items the two streaming buffers hold */
    int pass;              /* mapped for passes: each chunk's pages released when the next is asked for */
    size_t released;       /* bytes of the mapping released so far in this pass */
} rct_wsrc;

/* How rct_wsrc_open may map a float64 .npy: not (streamed through a buffer), whole (its pages mapped at
   once and kept: the network may use it in place), or for passes (chunk by chunk, each chunk's pages released
   when the next one is asked for: no copy, and the peak memory holds one chunk of the file). */
enum { RCT_WSRC_STREAM = 0, RCT_WSRC_MAP = 1, RCT_WSRC_PASS = 2 };

/* A source over an array of rows x cols doubles, row-major (borrowed). */
void rct_wsrc_array(rct_wsrc *s, const double *data, long rows, long cols, const char *name);
/* Opens a matrix file: .npy (by extension) streamed, or mapped as `map` (RCT_WSRC_*) says when the data are
   float64 in this machine's byte order (aligned, a regular file); CSV is read whole.  fortran_ok: a column-major
   .npy is accepted.  An empty regular file is a 0 x cols_if_empty matrix when cols_if_empty > 0. */
int rct_wsrc_open(rct_wsrc *s, const char *path, int map, int fortran_ok, long cols_if_empty, rct_err *err);
/* Opens this process's part of a square matrix file, for a run on several processes: the weights onto
   the targets of block `part` of `parts` (rct_mpi_block over the targets).  Dense weights (cols_if_empty 0)
   in C order: only rows lo .. hi-1 are delivered, and only their bytes read (a .npy: mapped or read from
   their offset; CSV: the other rows counted, not parsed); a matrix of at most min_rows rows, a column-major
   .npy and one that cannot be read twice (a pipe) are delivered whole (lo 0, hi rows).  Sparse weights
   (cols_if_empty 3): every entry is delivered, and rct_wload_coo keeps those of the part's targets.
   Otherwise as rct_wsrc_open. */
int rct_wsrc_open_part(rct_wsrc *s, const char *path, int map, int fortran_ok, long cols_if_empty, int parts,
                       int part, long min_rows, rct_err *err);
/* Opens rows lo .. hi-1 of a dense matrix file of any shape (a rank's targets of a projection's weights):
   only their bytes are read (a .npy: mapped or read from their offset; CSV: the other rows counted, not
   parsed: rct_csv_read_rows); a column-major .npy and one that cannot be read twice (a pipe) are delivered
   whole (s->lo 0, s->hi rows).  Otherwise as rct_wsrc_open. */
int rct_wsrc_open_rows(rct_wsrc *s, const char *path, int map, long lo, long hi, rct_err *err);
/* A source of rows x cols (rows 0 until known) whose elements this process does not read: another rank
   reads the file `path` and sends this one its part of `parts` (wload_scatter.h); it delivers nothing. */
void rct_wsrc_remote(rct_wsrc *s, const char *path, long cols, int parts, int part, long min_rows);
/* The next chunk of elements (*chunk, *k of them; *k is 0 at the end; a multiple of 3 but for the last
   chunk, so that chunks of sparse weights hold whole rows); 0 or an error code. */
int rct_wsrc_next(rct_wsrc *s, const double **chunk, size_t *k, rct_err *err);
/* The same with at most `max` elements (0: the default size; any count, so a chunk may end inside a row of
   sparse weights); the streaming buffers grow to hold them. */
int rct_wsrc_next_max(rct_wsrc *s, size_t max, const double **chunk, size_t *k, rct_err *err);
/* Starts again from the first element delivered; 0 or an error code. */
int rct_wsrc_rewind(rct_wsrc *s, rct_err *err);
/* Releases what the source holds (safe after rct_wsrc_array or a failed open). */
void rct_wsrc_close(rct_wsrc *s);

#endif

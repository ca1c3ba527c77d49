/*
 * emit_record.h -- rectic_record, the recorder every kernel has, written once for the C and the CUDA
 * kernels: the loop over the recorded values, where each one lives (kernel_abi.h's RCT_REC_*), the running
 * mean of the output between rows and the copy of a value into its row.  A target supplies only what
 * differs (rct_rec_target): in C a context records whole rows (a loop over the units of a row, rows in
 * rec_buf, the kernel deciding when), in CUDA the thread of unit i records its own value (rows in the
 * chunk's ring, the recorder deciding when).  Internal to the generator.
 */
#ifndef RCT_EMIT_RECORD_H
#define RCT_EMIT_RECORD_H

#include "emit_common.h"

/* A target's hooks: lines of generated code (each ends with a line break; those inside the loop over the
   entries start with eight spaces, those of a unit's value with none: the writer indents them). */
typedef struct rct_rec_target {
    const char *comment; /* the comment heading the function (without its last line break) */
    const char *head;    /* the function's head, parameters included */
    const char *due;     /* declares `take` (a row is due) and returns when nothing is recorded, or "" */
    const char *entry;   /* the type of an entry: "rectic_krec" */
    const char *skip;    /* the condition skipping entry r (recorded in another phase), or NULL */
    const char *locate;  /* after `src`: where the row of entry k lives, what `each` and `unit` read */
    const char *each;    /* the loop over the columns i of a row, or NULL: the caller is unit i's thread */
    const char *unit;    /* the unit column i holds: "i", or "(idx ? idx[i] : i)" */
    const char *cell;    /* the buffer element of column i of the row */
    const char *steps;   /* declares `steps`, the steps the output's running sum holds */
    const char *mean_end; /* after the output's mean, or "" */
    const char *block;   /* a branch copying a whole block at once (`} else if (take && ...) {` ...), or "" */
} rct_rec_target;

/* Writes rectic_record for target t (model independent). */
void rct_em_recorder(rct_emitter *E, const rct_rec_target *t);

#endif

/*
 * emit_record.c -- the recorder of every kernel, C and CUDA (see emit_record.h).
 *
 * For each recorded entry k of the context (entry 0 is the output): where its values live (src, one
 * value per unit or one shared: stride 0), then either the output's running mean (summed every step
 * from the cutoff on, written as the mean when a row is due) or the value itself.  The target's hooks
 * say how a unit is reached: a loop over the columns of a row (C) or the calling thread (CUDA).
 */
#include "emit_record.h"

#include <stdio.h>
#include <string.h>

/* Writes lines (each ending in a line break), each after ind. */
static void put_lines(rct_emitter *E, const char *ind, const char *lines)
{
    for (const char *line = lines; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        rct_buf_puts(&E->b, ind);
        rct_buf_putn(&E->b, line, len);
        line += len;
    }
}

/* Writes the statements `body` (lines) for every column i of a row, at depth ind: inside the target's loop
   over the columns, or as they are where the thread is unit i. */
static void for_each_unit(rct_emitter *E, const rct_rec_target *t, const char *ind, const char *body)
{
    if (!t->each) {
        put_lines(E, ind, body);
        return;
    }
    int one = strchr(body, '\n') == body + strlen(body) - 1; /* a single statement: no braces */
    char inner[64];
    snprintf(inner, sizeof inner, "%s    ", ind);
    rct_buf_printf(&E->b, "%s%s%s\n", ind, t->each, one ? "" : " {");
    put_lines(E, inner, body);
    if (!one)
        rct_buf_printf(&E->b, "%s}\n", ind);
}

void rct_em_recorder(rct_emitter *E, const rct_rec_target *t)
{
    char body[512];
    rct_buf_printf(&E->b, "%s\n%s\n{\n    const long n = c->n;\n%s", t->comment, t->head, t->due);
    rct_buf_printf(&E->b, "    for (int k = 0; k < c->n_rec && (take || k == 0); k++) { /* no row due: only the output's mean sums */\n"
                          "        const %s *r = &c->rec[k];\n", t->entry);
    if (t->skip)
        rct_buf_printf(&E->b, "        if (%s)\n            continue;\n", t->skip);
    rct_em_rec_source(E, "        ");
    rct_buf_puts(&E->b, t->locate);
    rct_buf_puts(&E->b, "        if (k == 0 && c->sample_mean) { /* the output, averaged over the steps since the previous row */\n");
    rct_buf_puts(&E->b, t->steps);
    snprintf(body, sizeof body, "c->acc[i] += src[%s*r->stride];\n"
                                "if (take) {\n"
                                "    %s = (real)(c->acc[i]/steps); /* the mean, rounded to real */\n"
                                "    c->acc[i] = 0;\n"
                                "}\n", t->unit, t->cell);
    for_each_unit(E, t, "            ", body);
    rct_buf_puts(&E->b, t->mean_end);
    rct_buf_puts(&E->b, t->block);
    rct_buf_puts(&E->b, "        } else if (take) {\n");
    snprintf(body, sizeof body, "%s = src[%s*r->stride];\n", t->cell, t->unit);
    for_each_unit(E, t, "            ", body);
    rct_buf_puts(&E->b, "        }\n    }\n}\n\n");
}

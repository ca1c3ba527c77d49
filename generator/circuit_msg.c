/*
 * circuit_msg.c -- the messages of a CircuitTemplate being read: errors at a YAML node (file:line:col) and
 * the circuit's warnings (declared in circuit_load.h and circuit.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "circuit_load.h"
#include "util.h"

int rct_cl_err(rct_cload *cl, const lfile *f, const rct_ynode *n, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n)
        return rct_errf(cl->err, RECTIC_ETEMPLATE, "%s:%d:%d: %s", f->doc->file, n->line, n->col, msg);
    return rct_errf(cl->err, RECTIC_ETEMPLATE, "%s: %s", f->doc->file, msg);
}

void rct_circuit_warn(rct_circuit *c, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    (void)rct_strv_add_unique(&c->warnings, &c->n_warnings, text); /* out of memory: the warning is lost */
}

/*
 * record.h -- what a network records and under which names (record.c; internal).
 */
#ifndef RCT_RECORD_H
#define RCT_RECORD_H

#include "popnet.h"

/* Is key a recording key: [A-Za-z0-9_.-]+? */
int rct_valid_key(const char *key);
/* The file name (without extension) of a recorded variable: "op/var" -> "op_var" (caller frees). */
char *rct_record_file_name(const char *name);
/* What a reserved output file name (without extension) holds, or NULL when a recording may take it. */
const char *rct_reserved_file(const char *file);
/* Records variable `name` of a network of one template (or a population) in the next runs, under `key`
   (NULL: name; its file is checked). */
int rct_net_record_key(rectic_net *net, const char *name, const char *key);

/* Finds population `name` (length len); its index or -1. */
int rct_pn_find(const rct_popnet *pn, const char *name, size_t len);
/* Splits "POP/REST" into the population and REST; -1 with net->err filled (what: the call or field). */
int rct_pn_split(rectic_net *net, const char *path, const char *what, const char **rest);
/* The result rc of a call on population p as the network's: its error named after the population (without
   the call and variable the population's message begins with, "rectic_net_set VAR: ": the caller's call
   names the path); on success the population's pending compile becomes the network's. */
int rct_pn_result(rectic_net *net, int p, int rc);

#endif

/*
 * netfile.h -- network files: rectic's YAML description of populations and projections, read into a
 * rectic_netspec (the public entry is rectic_netspec_load in include/rectic.h; the format is in
 * docs/network-files.md).  Internal to rectic (not installed).
 */
#ifndef RCT_NETFILE_H
#define RCT_NETFILE_H

#include "rectic.h"

/* Reads the network file at path into ns (normally empty): its folder becomes the first template path,
   then its populations and projections are added in file order.  Errors are left on ns as
   "FILE:LINE:COL: ..." pointing at the offending key or value. */
int rct_netfile_read(rectic_netspec *ns, const char *path);

/* 1 when path names an existing regular file ending in .yaml or .yml, else 0. */
int rct_netfile_is_yaml(const char *path);

/* 1 when path names an existing regular file ending in .yaml or .yml whose top level is a map with a
   `populations` key (a network file rather than a template name), else 0. */
int rct_netfile_detect(const char *path);

#endif

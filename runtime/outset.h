/*
 * outset.h -- output sets: the files of one run committed into a folder together with their record,
 * meta.json, so that a folder never mixes the files of two runs.
 *
 * Internal to rectic (not installed).
 */
#ifndef RCT_OUTSET_H
#define RCT_OUTSET_H

#include "io_file.h"

/* One file of a set: its name in the folder, its temporary file, its size. */
typedef struct rct_outfile {
    char *name, *tmp;
    long long size;
} rct_outfile;

/* The files of a set written so far, all under temporary names in dir. */
typedef struct rct_outset {
    const char *dir;
    rct_outfile *files;
    int n, cap;
} rct_outset;

void rct_outset_init(rct_outset *s, const char *dir);
/* Closes the completed file a (written under its temporary name) and adds it to the set. */
int rct_outset_add(rct_outset *s, rct_afile *a, rct_err *err);
/* Commits the set: writes meta.json's text ("{", members, the "files" list, "}") under a temporary name,
   then, holding an flock on dir/.rectic.lock (a second writer waits), removes the previous meta.json and the
   files of the previous set that this one lacks, renames the files into place and meta.json last.  Frees
   the set, removing its temporary files on failure. */
int rct_outset_commit(rct_outset *s, const char *members, rct_err *err);
/* Removes the temporary files and frees the set. */
void rct_outset_abort(rct_outset *s);

/* Writes rows x cols doubles as dir/name.csv or .npy (float64) under a temporary name into the set, failing on
   net's error (results.c). */
struct rectic_net;
int rct_write_matrix(struct rectic_net *net, rct_outset *set, const char *name, int format, const double *data,
                     long rows, long cols);

/* Creates dir (and parents) and checks that a file can be created in it and that its file system has at
   least `bytes` free; flag names the option in messages. */
int rct_outset_check_dir(const char *dir, double bytes, rct_err *err);

#endif

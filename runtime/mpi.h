/*
 * mpi.h -- MPI, opened with dlopen only when the process was started by mpirun (internal).
 *
 * runtime/mpi.c is the only file that knows MPI: a plain run never loads it and rectic builds without MPI
 * headers.  An MPI launch is recognised from the environment (OpenMPI's OMPI_COMM_WORLD_SIZE, PMI's
 * PMI_SIZE); then libmpi.so.40 (Debian's OpenMPI; RECTIC_LIBMPI names another) is opened and its
 * functions and predefined handles (OpenMPI's handles are the addresses of ompi_mpi_comm_world,
 * ompi_mpi_double, ...) are taken with dlsym.  An MPI with another ABI (MPICH's integer handles) is refused
 * with a message naming what is missing.
 *
 * Every population is split into P contiguous blocks of units (equal ones: rct_mpi_block, or blocks balanced
 * by incoming synapses: spec.mpi_partition; mpi_net.h's rct_mpi_part_block says which): rank r updates
 * units lo .. hi-1 of each (rectic_kctx.lo/hi); only what other ranks read crosses (runtime/mpi_xchg.c).
 */
#ifndef RCT_MPI_H
#define RCT_MPI_H

#include <stddef.h>

#include "util.h"

typedef struct rct_mpi rct_mpi;

/* Was this process started by mpirun (OMPI_COMM_WORLD_SIZE or PMI_SIZE in the environment)?  Its size, or 0. */
int rct_mpi_launched(void);
/* Opens MPI and calls MPI_Init once per process (thread-safe); the world; NULL with err filled. */
rct_mpi *rct_mpi_world(rct_err *err);
/* Calls MPI_Finalize if rct_mpi_world initialised MPI (the command's last call). */
void rct_mpi_finalize(void);
/* Ends every rank of the job with status code (MPI_Abort), after the caller printed its message. */
void rct_mpi_abort(rct_mpi *m, int code);

int rct_mpi_rank(const rct_mpi *m);
int rct_mpi_size(const rct_mpi *m);
/* Seconds spent in the exchanges between steps and bytes they brought this rank since the process started
   (waiting for slower ranks included); seconds in the other calls (gathers after a run, agreements). */
double rct_mpi_comm_seconds(const rct_mpi *m);
double rct_mpi_comm_bytes(const rct_mpi *m);
double rct_mpi_other_seconds(const rct_mpi *m);
/* Bytes the other calls (gathers of the state, recordings and sums, broadcasts, agreements) brought to this
   rank. */
double rct_mpi_other_bytes(const rct_mpi *m);

/* Rank r's block of n units among p: lo .. hi-1, contiguous, sizes differing by at most one (first ranks
   larger); an empty block is n .. n. */
void rct_mpi_block(long n, int p, int r, long *lo, long *hi);
/* The rank that owns unit i (0 <= i < b[p]) among p ranks whose blocks begin at b[0 .. p]: the last r with
   b[r] <= i (empty blocks own nothing). */
int rct_mpi_owner(const long *b, int p, long i);

/* Rank r's counts[r] bytes at buf + displs[r] on every rank, in place (MPI_Allgatherv in bytes).  `exchange`:
   an exchange between steps (counted in rct_mpi_comm_seconds/bytes), else another call.  0, or -1 with err. */
int rct_mpi_allgatherv(rct_mpi *m, void *buf, const int *counts, const int *displs, int exchange, rct_err *err);
/* Rank r gets scounts[r] bytes from send + sdispls[r]; this rank rcounts[q] bytes from rank q at recv +
   rdispls[q] (MPI_Alltoallv in bytes); `exchange` as above. */
int rct_mpi_alltoallv(rct_mpi *m, const void *send, const int *scounts, const int *sdispls, void *recv,
                      const int *rcounts, const int *rdispls, int exchange, rct_err *err);
/* Rank r gets send[r]; recv[q] is what rank q sent this one (MPI_Alltoall of one int each). */
int rct_mpi_alltoall_int(rct_mpi *m, const int *send, int *recv, rct_err *err);
/* Every rank's part of an array of values of `size` bytes (4 or 8), rank r's values bounds[r] ..
   bounds[r+1]-1 (bounds: size + 1 of them, bounds[0] 0), gathered on rank 0 only (the others' buf
   unchanged).  0, or -1 with err filled. */
int rct_mpi_gather_parts(rct_mpi *m, void *buf, const long *bounds, size_t size, rct_err *err);
/* Rank 0's `bytes` bytes at buf copied to every rank (MPI_Bcast). */
int rct_mpi_bcast(rct_mpi *m, void *buf, size_t bytes, rct_err *err);
/* The maximum of every rank's value, on every rank (MPI_Allreduce); -1 with err filled on a failure. */
int rct_mpi_max_int(rct_mpi *m, int value, int *out, rct_err *err);
/* Each rank's int gathered on every rank: all[r] = rank r's value. */
int rct_mpi_allgather_int(rct_mpi *m, int value, int *all, rct_err *err);
/* Rank 0 receives every rank's `count` doubles at send into recv (rank r's at displs[r], counts[r] of them;
   counts and displs matter on rank 0 only: MPI_Gatherv). */
int rct_mpi_gatherv_double(rct_mpi *m, const double *send, long count, double *recv, const int *counts,
                           const int *displs, rct_err *err);

/* A message being sent (rct_mpi_isend); zero-initialised: none. */
typedef struct rct_mpi_req {
    void *h; /* OpenMPI's MPI_Request */
    int active;
} rct_mpi_req;

/* Starts sending `bytes` bytes at buf to rank dest (MPI_Isend); buf must stay unchanged until
   rct_mpi_wait(req) returns.  Messages from one rank to another arrive in the order they were sent.  0,
   or -1 with err filled. */
int rct_mpi_isend(rct_mpi *m, const void *buf, size_t bytes, int dest, rct_mpi_req *req, rct_err *err);
/* Waits until the message of req (if any) is sent; 0, or -1 with err filled. */
int rct_mpi_wait(rct_mpi *m, rct_mpi_req *req, rct_err *err);
/* Receives the next message from rank `source` into buf, which holds at most `bytes` bytes (MPI_Recv);
   0, or -1 with err filled. */
int rct_mpi_recv(rct_mpi *m, void *buf, size_t bytes, int source, rct_err *err);
/* Bytes this rank sent with rct_mpi_isend since the process started. */
double rct_mpi_sent_bytes(const rct_mpi *m);

#endif

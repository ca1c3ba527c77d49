/*
 * mpi.c -- the only file that knows MPI: opens it with dlopen when mpirun started the process (see mpi.h).
 *
 * The MPI types are opaque here: OpenMPI's handles (communicators, datatypes, operations) are pointers,
 * the addresses of its predefined objects, and MPI_IN_PLACE is (void *)1.
 */
#include "mpi.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RCT_MPI_IN_PLACE ((void *)1)      /* OpenMPI's MPI_IN_PLACE */
#define RCT_MPI_STATUS_IGNORE ((void *)0) /* OpenMPI's MPI_STATUS_IGNORE */
#define RCT_MPI_TAG 18                    /* the tag of rectic's messages from one rank to another */

typedef void *mpi_handle; /* MPI_Comm, MPI_Datatype, MPI_Op: pointers in OpenMPI */


/* The functions and handles rectic uses, taken from the library with dlsym. */
struct rct_mpi {
    void *lib;
    int rank, size, inited_here;
    double comm_seconds, comm_bytes;     /* the exchanges between steps and within them */
    double other_seconds, other_bytes;   /* the rest: gathers after a run, agreements */
    double sent_bytes;                   /* bytes of messages sent to one rank (rct_mpi_isend) */
    mpi_handle comm, t_double, t_float, t_int, t_byte, op_max;
    int (*Init)(int *argc, char ***argv);
    int (*Initialized)(int *flag);
    int (*Finalize)(void);
    int (*Abort)(mpi_handle comm, int code);
    int (*Comm_rank)(mpi_handle comm, int *rank);
    int (*Comm_size)(mpi_handle comm, int *size);
    int (*Allgatherv)(const void *send, int scount, mpi_handle stype, void *recv, const int *rcounts,
                      const int *displs, mpi_handle rtype, mpi_handle comm);
    int (*Gatherv)(const void *send, int scount, mpi_handle stype, void *recv, const int *rcounts, const int *displs,
                   mpi_handle rtype, int root, mpi_handle comm);
    int (*Allgather)(const void *send, int scount, mpi_handle stype, void *recv, int rcount, mpi_handle rtype,
                     mpi_handle comm);
    int (*Bcast)(void *buf, int count, mpi_handle type, int root, mpi_handle comm);
    int (*Allreduce)(const void *send, void *recv, int count, mpi_handle type, mpi_handle op, mpi_handle comm);
    int (*Alltoall)(const void *send, int scount, mpi_handle stype, void *recv, int rcount, mpi_handle rtype,
                    mpi_handle comm);
    int (*Alltoallv)(const void *send, const int *scounts, const int *sdispls, mpi_handle stype, void *recv,
                     const int *rcounts, const int *rdispls, mpi_handle rtype, mpi_handle comm);
    int (*Isend)(const void *buf, int count, mpi_handle type, int dest, int tag, mpi_handle comm, void **req);
    int (*Wait)(void **req, void *status);
    int (*Recv)(void *buf, int count, mpi_handle type, int source, int tag, mpi_handle comm, void *status);
    double (*Wtime)(void);
};

static rct_mpi world;
static int world_ok;
static char world_error[1024];
static pthread_once_t once = PTHREAD_ONCE_INIT;

int rct_mpi_launched(void)
{
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const char *v = getenv(names[k]);
        if (v && atoi(v) > 0)
            return atoi(v);
    }
    return 0;
}

/* Takes symbol `name` into *slot; returns 1 when it is missing. */
static int take(void *lib, const char *name, void **slot)
{
    *slot = dlsym(lib, name);
    return *slot == NULL;
}

/* Takes every function and handle; the name of the first one missing, or NULL. */
static const char *take_all(rct_mpi *m)
{
    struct {
        const char *name;
        void **slot;
    } t[] = {
        {"MPI_Init", (void **)&m->Init},           {"MPI_Initialized", (void **)&m->Initialized},
        {"MPI_Finalize", (void **)&m->Finalize},   {"MPI_Abort", (void **)&m->Abort},
        {"MPI_Comm_rank", (void **)&m->Comm_rank}, {"MPI_Comm_size", (void **)&m->Comm_size},
        {"MPI_Allgatherv", (void **)&m->Allgatherv}, {"MPI_Gatherv", (void **)&m->Gatherv},
        {"MPI_Allgather", (void **)&m->Allgather}, {"MPI_Bcast", (void **)&m->Bcast},
        {"MPI_Allreduce", (void **)&m->Allreduce}, {"MPI_Wtime", (void **)&m->Wtime},
        {"MPI_Alltoall", (void **)&m->Alltoall},   {"MPI_Alltoallv", (void **)&m->Alltoallv},
        {"MPI_Isend", (void **)&m->Isend},         {"MPI_Wait", (void **)&m->Wait},
        {"MPI_Recv", (void **)&m->Recv},
        /* OpenMPI's predefined handles: the addresses of these objects */
        {"ompi_mpi_comm_world", &m->comm},         {"ompi_mpi_double", &m->t_double},
        {"ompi_mpi_float", &m->t_float},           {"ompi_mpi_int", &m->t_int},
        {"ompi_mpi_byte", &m->t_byte},             {"ompi_mpi_op_max", &m->op_max},
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        if (take(m->lib, t[k].name, t[k].slot))
            return t[k].name;
    return NULL;
}

/* Opens the library and initialises MPI (once). */
static void open_world(void)
{
    const char *env = getenv("RECTIC_LIBMPI");
    const char *name = env && *env ? env : "libmpi.so.40";
    world.lib = dlopen(name, RTLD_NOW | RTLD_GLOBAL); /* GLOBAL: OpenMPI's plugins link against it */
    if (!world.lib) {
        const char *why = dlerror();
        snprintf(world_error, sizeof world_error, "mpirun started rectic, but MPI could not be loaded: %s (install "
                 "OpenMPI: apt-get install openmpi-bin libopenmpi-dev; RECTIC_LIBMPI names another library)",
                 why ? why : name);
        return;
    }
    const char *missing = take_all(&world);
    if (missing) {
        snprintf(world_error, sizeof world_error, "%s is not an OpenMPI library (no %s): rectic uses OpenMPI's ABI "
                 "(handles are addresses of ompi_mpi_* objects); an MPI with another ABI (MPICH) is not supported",
                 name, missing);
        return;
    }
    int flag = 0;
    world.Initialized(&flag);
    if (!flag) {
        if (world.Init(NULL, NULL) != 0) {
            snprintf(world_error, sizeof world_error, "MPI_Init failed");
            return;
        }
        world.inited_here = 1;
    }
    world.Comm_rank(world.comm, &world.rank);
    world.Comm_size(world.comm, &world.size);
    world_ok = 1;
}

rct_mpi *rct_mpi_world(rct_err *err)
{
    pthread_once(&once, open_world);
    if (!world_ok) {
        rct_errf(err, RECTIC_EINVAL, "%s", world_error[0] ? world_error : "MPI could not be opened");
        return NULL;
    }
    return &world;
}

void rct_mpi_finalize(void)
{
    if (world_ok && world.inited_here) {
        world.Finalize();
        world.inited_here = 0;
    }
}

void rct_mpi_abort(rct_mpi *m, int code)
{
    m->Abort(m->comm, code ? code : 1);
}

int rct_mpi_rank(const rct_mpi *m)
{
    return m ? m->rank : 0;
}

int rct_mpi_size(const rct_mpi *m)
{
    return m ? m->size : 1;
}

double rct_mpi_comm_seconds(const rct_mpi *m)
{
    return m ? m->comm_seconds : 0;
}

double rct_mpi_comm_bytes(const rct_mpi *m)
{
    return m ? m->comm_bytes : 0;
}

double rct_mpi_other_bytes(const rct_mpi *m)
{
    return m ? m->other_bytes : 0;
}

double rct_mpi_other_seconds(const rct_mpi *m)
{
    return m ? m->other_seconds : 0;
}

void rct_mpi_block(long n, int p, int r, long *lo, long *hi)
{
    long base = n / p, extra = n % p;
    *lo = r * base + (r < extra ? r : extra);
    *hi = *lo + base + (r < extra);
    if (*lo == *hi)
        *lo = *hi = n;
}

int rct_mpi_owner(const long *b, int p, long i)
{
    int lo = 0, hi = p - 1; /* the last rank r with b[r] <= i (a binary search: empty parts are skipped) */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (b[mid] <= i)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Fails with the name of MPI call `what`. */
static int failed(rct_err *err, const char *what)
{
    return rct_errf(err, RECTIC_EINVAL, "MPI: %s failed", what) ? -1 : -1;
}

/* Starts timing an exchange. */
static double tic(const rct_mpi *m)
{
    return m->Wtime();
}

/* Ends timing a call that brought `bytes` bytes (an exchange between steps, or another call). */
static void toc(rct_mpi *m, double t0, double bytes, int exchange)
{
    *(exchange ? &m->comm_seconds : &m->other_seconds) += m->Wtime() - t0;
    *(exchange ? &m->comm_bytes : &m->other_bytes) += bytes;
}

int rct_mpi_allgatherv(rct_mpi *m, void *buf, const int *counts, const int *displs, int exchange, rct_err *err)
{
    double t0 = tic(m), bytes = 0;
    int rc = m->Allgatherv(RCT_MPI_IN_PLACE, 0, m->t_byte, buf, counts, displs, m->t_byte, m->comm);
    for (int r = 0; r < m->size; r++)
        bytes += r == m->rank ? 0 : counts[r];
    toc(m, t0, bytes, exchange);
    return rc ? failed(err, "MPI_Allgatherv") : 0;
}

int rct_mpi_alltoallv(rct_mpi *m, const void *send, const int *scounts, const int *sdispls, void *recv,
                      const int *rcounts, const int *rdispls, int exchange, rct_err *err)
{
    double t0 = tic(m), bytes = 0;
    int rc = m->Alltoallv(send, scounts, sdispls, m->t_byte, recv, rcounts, rdispls, m->t_byte, m->comm);
    for (int r = 0; r < m->size; r++)
        bytes += r == m->rank ? 0 : rcounts[r];
    toc(m, t0, bytes, exchange);
    return rc ? failed(err, "MPI_Alltoallv") : 0;
}

int rct_mpi_alltoall_int(rct_mpi *m, const int *send, int *recv, rct_err *err)
{
    double t0 = tic(m);
    int rc = m->Alltoall(send, 1, m->t_int, recv, 1, m->t_int, m->comm);
    toc(m, t0, (double)(m->size - 1) * sizeof(int), 0);
    return rc ? failed(err, "MPI_Alltoall") : 0;
}

int rct_mpi_gather_parts(rct_mpi *m, void *buf, const long *bounds, size_t size, rct_err *err)
{
    long n = bounds[m->size];
    if (n > 0x7fffffffL)
        return rct_errf(err, RECTIC_EINVAL, "MPI: %ld values exceed one exchange", n) ? -1 : -1;
    int *t = malloc(2 * (size_t)m->size * sizeof *t); /* the counts, then the displacements (in values) */
    if (!t)
        return rct_oom(err) ? -1 : -1;
    for (int r = 0; r < m->size; r++) {
        t[r] = (int)(bounds[r + 1] - bounds[r]);
        t[m->size + r] = (int)bounds[r];
    }
    double t0 = tic(m);
    mpi_handle type = size == 4 ? m->t_float : m->t_double;
    const void *send = m->rank == 0 ? RCT_MPI_IN_PLACE : (const char *)buf + (size_t)t[m->size + m->rank] * size;
    int rc = m->Gatherv(send, t[m->rank], type, buf, t, t + m->size, type, 0, m->comm);
    toc(m, t0, m->rank == 0 ? (double)(n - t[0]) * (double)size : 0, 0);
    free(t);
    return rc ? failed(err, "MPI_Gatherv") : 0;
}

int rct_mpi_bcast(rct_mpi *m, void *buf, size_t bytes, rct_err *err)
{
    double t0 = tic(m);
    for (size_t at = 0; at < bytes;) { /* in pieces that an int counts */
        size_t k = bytes - at < (1u << 30) ? bytes - at : (1u << 30);
        if (m->Bcast((char *)buf + at, (int)k, m->t_byte, 0, m->comm))
            return failed(err, "MPI_Bcast");
        at += k;
    }
    toc(m, t0, m->rank ? (double)bytes : 0, 0);
    return 0;
}

int rct_mpi_max_int(rct_mpi *m, int value, int *out, rct_err *err)
{
    double t0 = tic(m);
    int rc = m->Allreduce(&value, out, 1, m->t_int, m->op_max, m->comm);
    toc(m, t0, sizeof(int), 0);
    return rc ? failed(err, "MPI_Allreduce") : 0;
}

int rct_mpi_allgather_int(rct_mpi *m, int value, int *all, rct_err *err)
{
    double t0 = tic(m);
    int rc = m->Allgather(&value, 1, m->t_int, all, 1, m->t_int, m->comm);
    toc(m, t0, (double)m->size * sizeof(int), 0);
    return rc ? failed(err, "MPI_Allgather") : 0;
}

int rct_mpi_gatherv_double(rct_mpi *m, const double *send, long count, double *recv, const int *counts,
                           const int *displs, rct_err *err)
{
    if (count > 0x7fffffffL)
        return rct_errf(err, RECTIC_EINVAL, "MPI: %ld values exceed one exchange", count) ? -1 : -1;
    double t0 = tic(m);
    int rc = m->Gatherv(send, (int)count, m->t_double, recv, counts, displs, m->t_double, 0, m->comm);
    double all = 0; /* what rank 0 received from the others */
    for (int r = 1; m->rank == 0 && r < m->size; r++)
        all += (double)counts[r] * 8;
    toc(m, t0, all, 0);
    return rc ? failed(err, "MPI_Gatherv") : 0;
}

int rct_mpi_isend(rct_mpi *m, const void *buf, size_t bytes, int dest, rct_mpi_req *req, rct_err *err)
{
    if (bytes > 0x7fffffffu)
        return rct_errf(err, RECTIC_EINVAL, "MPI: %zu bytes exceed one message", bytes) ? -1 : -1;
    double t0 = tic(m);
    int rc = m->Isend(buf, (int)bytes, m->t_byte, dest, RCT_MPI_TAG, m->comm, &req->h);
    toc(m, t0, 0, 0);
    m->sent_bytes += (double)bytes;
    req->active = !rc;
    return rc ? failed(err, "MPI_Isend") : 0;
}

int rct_mpi_wait(rct_mpi *m, rct_mpi_req *req, rct_err *err)
{
    if (!req->active)
        return 0;
    double t0 = tic(m);
    int rc = m->Wait(&req->h, RCT_MPI_STATUS_IGNORE);
    toc(m, t0, 0, 0);
    req->active = 0;
    return rc ? failed(err, "MPI_Wait") : 0;
}

int rct_mpi_recv(rct_mpi *m, void *buf, size_t bytes, int source, rct_err *err)
{
    if (bytes > 0x7fffffffu)
        return rct_errf(err, RECTIC_EINVAL, "MPI: %zu bytes exceed one message", bytes) ? -1 : -1;
    double t0 = tic(m);
    int rc = m->Recv(buf, (int)bytes, m->t_byte, source, RCT_MPI_TAG, m->comm, RCT_MPI_STATUS_IGNORE);
    toc(m, t0, 0, 0);
    return rc ? failed(err, "MPI_Recv") : 0;
}

double rct_mpi_sent_bytes(const rct_mpi *m)
{
    return m ? m->sent_bytes : 0;
}

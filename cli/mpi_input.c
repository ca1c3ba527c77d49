/*
 * mpi_input.c -- `mpirun -np P rectic run ...`: each rank reads and holds only its units' columns of the
 * inputs (runtime/inpart.h).
 *
 * Before the network exists, the ranks learn only the shape of each input file (rows and columns, for the
 * checks and the number of steps); once it is built and partitioned, each reads its part
 * (rectic_net_read_input: a malformed file ends every rank with the message of its earliest error), and a
 * circuit's inputs, made in memory from series of one column, keep only the rank's columns.
 */
#include <stdlib.h>
#include <string.h>

#include "circuit.h"
#include "cli.h"
#include "io_cols.h"
#include "mpi.h"

int rct_cli_read_input(const options *o, const char *flag, const char *path, double **data, long *rows, long *cols)
{
    if (!o->mpi)
        return rct_cli_read_matrix(flag, path, data, rows, cols);
    rct_err err = {0, ""};
    *data = NULL; /* read once the network is partitioned (rct_cli_mpi_inputs) */
    if (rct_cols_shape(path, rows, cols, &err)) {
        rct_cli_complain("%s: %s", flag, err.msg);
        return -1;
    }
    return 0;
}

/* Reads this rank's part of input file `file` of population pop (NULL: the template) into *data and hands it
   to the network; 0, or -1 after complaining as flag. */
static int read_part(rectic_net *net, const char *flag, const char *pop, const char *file, double **data)
{
    long rows, cols;
    free(*data);
    *data = NULL;
    if (rectic_net_read_input(net, pop, file, data, &rows, &cols) != RECTIC_OK) {
        rct_cli_complain("%s: %s", flag, rectic_errmsg(net));
        return -1;
    }
    if (pop && rectic_net_input(net, pop, *data, rows, cols) != RECTIC_OK) {
        rct_cli_complain_net(flag, net);
        return -1;
    }
    return 0;
}

/* Keeps this rank's columns of circuit input k (T x n, made whole from its series) and hands them to the
   network; 0, or -1 after complaining. */
static int trim_circuit(options *o, rectic_net *net, int k)
{
    rct_cinput *in = &o->cin[k];
    long lo, hi, T = o->steps, w;
    if (in->n <= 1 || rct_mpi_size(o->mpi) <= 1 || rectic_net_mpi_block(net, in->name, &lo, &hi) != RECTIC_OK)
        return 0;
    w = hi - lo;
    double *part = malloc((size_t)(T * w) * sizeof *part + 1);
    if (!part) {
        rct_cli_complain("out of memory");
        return -1;
    }
    for (long t = 0; t < T; t++)
        memcpy(part + t * w, in->data + t * in->n + lo, (size_t)w * sizeof *part);
    free(in->data);
    in->data = part;
    if (rectic_net_input(net, in->name, part, T, in->n) != RECTIC_OK) {
        rct_cli_complain_net("--input", net);
        return -1;
    }
    return 0;
}

int rct_cli_mpi_inputs(options *o, rectic_net *net)
{
    if (!o->mpi)
        return 0;
    if (o->network == 2) {
        for (int k = 0; k < o->n_cin; k++)
            if (trim_circuit(o, net, k))
                return -1;
        return 0;
    }
    if (!o->network)
        return o->inputs_file ? read_part(net, o->inputs_flag, NULL, o->inputs_file, &o->inputs) : 0;
    for (int k = 0; k < o->n_input; k++) {
        input_file *in = &o->input[k];
        char flag[4200];
        snprintf(flag, sizeof flag, "--input %s", in->path);
        if (read_part(net, flag, rectic_netspec_pop_name(o->ns, in->pop), in->file, &in->data))
            return -1;
    }
    return 0;
}

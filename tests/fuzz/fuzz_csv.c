/*
 * fuzz_csv.c -- libFuzzer harness for the CSV matrix reader: the input becomes a file (a memfd) read with
 * rct_csv_read.  On success the matrix must be non-empty and hold rows * cols values; on failure the
 * matrix must be zeroed and the message set.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "io_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz_file file = FZ_FILE_INIT;
    fz_file_write(&file, data, size);
    rct_matrix m;
    rct_err err = {0, {0}};
    int rc = rct_csv_read(file.path, &m, &err);
    if (rc == 0) {
        if (!m.data || m.rows <= 0 || m.cols <= 0 || err.code)
            abort();
        volatile double sum = 0; /* touch every value: ASan checks the allocation's size */
        for (long i = 0; i < m.rows * m.cols; i++)
            sum += m.data[i];
        (void)sum;
    } else {
        if (m.data || rc != err.code || !err.msg[0])
            abort();
    }
    rct_matrix_free(&m);
    return 0;
}

/*
 * fuzz_npy.c -- libFuzzer harness for the .npy reader: the input becomes a file (a memfd) read with
 * rct_npy_read.  On success the matrix must hold rows * cols values (which the file must have been large
 * enough to contain); on failure the matrix must be zeroed and the message set.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "io_npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fz_file file = FZ_FILE_INIT;
    fz_file_write(&file, data, size);
    rct_matrix m;
    rct_err err = {0, {0}};
    int rc = rct_npy_read(file.path, &m, &err);
    if (rc == 0) {
        if (!m.data || m.rows < 0 || m.cols < 0 || err.code)
            abort();
        /* every value came from the file: at least 4 bytes each (float32) */
        if (m.rows && m.cols && (size_t)m.rows * (size_t)m.cols > size / 4)
            abort();
        volatile double sum = 0;
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

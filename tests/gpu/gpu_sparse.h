/*
 * gpu_sparse.h -- the GPU checks of the sparse coupling kernels (gpu_sparse.c): a thread, a warp, a lane tree
 * per row, and event-driven coupling on the device, each against the CPU and run twice.
 */
#ifndef RCT_TESTS_GPU_SPARSE_H
#define RCT_TESTS_GPU_SPARSE_H

/* Prints and counts one check's result: ok 1 passed, 0 failed, -1 skipped (gpu_check.c's report). */
typedef void (*gpu_report_fn)(int ok, const char *name, const char *fmt, ...);

/* Runs the checks on device `device` with a network of n neurons for `steps` steps. */
void gpu_sparse_checks(gpu_report_fn report, int device, long n, long steps);

#endif

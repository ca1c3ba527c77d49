/*
 * gpu_main.c -- one binary for the GPU machine (a static OpenBLAS is 25 MB: one copy travels, not two):
 *
 *   rectic_gpu check [gpu_check options]   tests/gpu/gpu_check.c
 *   rectic_gpu bench [bench_gpu options]   bench/gpu/bench_gpu.c
 *
 * tests/gpu/prepare.sh compiles those two files with -Dmain=gpu_check_main / -Dmain=bench_gpu_main.
 */
#include <stdio.h>
#include <string.h>

#ifdef RECTIC_GPU_MOCK /* a CPU-only build for trying these programs out: the mock driver of the tests */
#include "mock_cuda.h"
#endif

int gpu_check_main(int argc, char **argv);
int bench_gpu_main(int argc, char **argv);

/* Dispatches to the check or the benchmark. */
int main(int argc, char **argv)
{
#ifdef RECTIC_GPU_MOCK
    use_mock();
    fprintf(stderr, "rectic_gpu: built with RECTIC_GPU_MOCK: the GPU is emulated on the CPU (tests/gpu/mock_cuda.h)\n");
#endif
    if (argc >= 2 && !strcmp(argv[1], "check"))
        return gpu_check_main(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "bench"))
        return bench_gpu_main(argc - 1, argv + 1);
    fprintf(stderr, "usage: rectic_gpu check [--device N] [--quick] [--sparse-only] CASES_DIR...\n"
                    "       rectic_gpu bench [--device N] [--quick] [--only TEXT[,TEXT...]] [--out FILE.md]\n");
    return 2;
}

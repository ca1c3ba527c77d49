/*
 * cudatest.h -- helpers of the CUDA backend's test programs (check_cuda.c, check_cudanet.c): is NVRTC
 * here, and does a generated source compile with it.  Include after testutil.h.
 */
#ifndef RCT_CUDATEST_H
#define RCT_CUDATEST_H

#include <dlfcn.h>

#include "jit_nvrtc.h"
#include "rectic.h"

/* Skips the calling test when this machine has a CUDA driver (what happens without one cannot be seen
   here); else makes the library look for the real one. */
#define CT_SKIP_WITH_DRIVER()                                                                      \
    do {                                                                                           \
        void *ct_h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);                                \
        if (ct_h) {                                                                                \
            dlclose(ct_h);                                                                         \
            TU_SKIP("this machine has a CUDA driver");                                             \
        }                                                                                          \
        rct_cuda_api_override(NULL);                                                               \
    } while (0)

/* Asserts that making net failed (rc) with RECTIC_EDEVICE and a message starting with `start`. */
static inline void ct_assert_no_device(rectic_net *net, int rc, const char *start)
{
    ck_assert_int_eq(rc, RECTIC_EDEVICE);
    ck_assert_msg(strstr(rectic_errmsg(net), start) != NULL, "%s", rectic_errmsg(net));
}

/* Is NVRTC loadable here?  Notes the skip of `test` when not. */
static inline int ct_have_nvrtc(const char *test)
{
    const rct_cuapi *api;
    rct_err err = {0, ""};
    if (rct_nvrtc_load(&api, &err) != 0) {
        tu_skip_note('T', test, "%s", err.msg);
        return 0;
    }
    return 1;
}

/* Compiles CUDA source src with NVRTC to PTX for compute_90 and checks it: every kernel the source
   defines ("RCT_KERNEL name(") is an entry of the PTX, and no multiply-add is fused (--fmad=false) unless
   the model calls the math library, whose device code has its own.  Returns the number of kernels. */
static inline int ct_compile_ptx(const char *src, const char *what)
{
    char *ptx = NULL;
    size_t size = 0;
    rct_err err = {0, ""};
    rct_cuda_api_override(NULL);
    int rc = rct_nvrtc_compile(src, "rectic_kernels.cu", "compute_90", 0, &ptx, &size, &err);
    ck_assert_msg(rc == 0, "%s: %s", what, err.msg);
    int kernels = 0;
    for (const char *k = strstr(src, "\nRCT_KERNEL "); k; k = strstr(k + 1, "\nRCT_KERNEL ")) {
        char name[200], entry[220];
        const char *start = k + strlen("\nRCT_KERNEL "), *end = strchr(start, '(');
        ck_assert_ptr_nonnull(end);
        snprintf(name, sizeof name, "%.*s", (int)(end - start), start);
        snprintf(entry, sizeof entry, ".entry %s(", name);
        ck_assert_msg(strstr(ptx, entry) != NULL, "%s: kernel %s is not in the PTX", what, name);
        kernels++;
    }
    if (!strstr(src, "(double);") && !strstr(src, "(float);"))
        ck_assert_msg(strstr(ptx, "fma.rn.f") == NULL, "%s: a fused multiply-add in the PTX", what);
    free(ptx);
    return kernels;
}

#endif

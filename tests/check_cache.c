/*
 * check_cache.c -- the compiled-kernel cache of the cc backend: whom it trusts (a private folder), how it
 * finds damaged objects (before and after loading) and rebuilds them, concurrent compilations on a cold
 * cache, and the warnings the library hands to its caller.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rectic.h"
#include "testutil.h"
#include "tu_spec.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define N 4
#define STEPS 2000

/* A QIF network of N uncoupled neurons driven by a rising input (they spike). */
static void qif_spec(rectic_spec *s, int backend, int dtype)
{
    tu_qif_spec(s, N);
    s->source_var = s->target_var = NULL; /* uncoupled */
    s->backend = backend;
    s->dtype = dtype;
}

/* One run's results: v of every step, the spikes, the kernel and the warnings. */
typedef struct result {
    double v[STEPS * N];
    long spikes;
    char kind[64];
    int n_warnings;
    char warning[2600];
    int rc;
    char err[2100];
} result;

/* Builds a network with a backend and dtype and runs it for STEPS steps; r->rc says whether it worked. */
static void run_net(int backend, int dtype, result *r)
{
    memset(r, 0, sizeof *r);
    rectic_spec s;
    qif_spec(&s, backend, dtype);
    rectic_net *net;
    static double in[STEPS]; /* one input column, for every neuron */
    for (int i = 0; i < STEPS; i++)
        in[i] = 10.0 + 0.01 * i;
    r->rc = rectic_net_new(&net, &s);
    if (r->rc == RECTIC_OK)
        r->rc = rectic_net_record(net, "v");
    if (r->rc == RECTIC_OK)
        r->rc = rectic_net_run(net, STEPS, in, 1) == RECTIC_OK ? 0 : -1;
    snprintf(r->err, sizeof r->err, "%s", rectic_errmsg(net));
    r->n_warnings = rectic_net_warning_count(net);
    snprintf(r->warning, sizeof r->warning, "%s", r->n_warnings ? rectic_net_warning(net, 0) : "");
    snprintf(r->kind, sizeof r->kind, "%s", rectic_net_backend(net));
    if (r->rc == RECTIC_OK) {
        long rows, cols;
        const double *d;
        const long *pairs;
        rectic_net_recording(net, "v", &rows, &cols, &d);
        memcpy(r->v, d, sizeof r->v);
        rectic_net_spikes(net, &r->spikes, &pairs);
    }
    rectic_net_free(net);
}

/* run_net in a child process: an object this process had loaded stays mapped (the loader never unmaps a
   kernel), and damaging a mapped file in place would crash this process, not rectic's next run. */
static void run_apart(int backend, int dtype, result *r)
{
    result *shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(shared, MAP_FAILED);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        run_net(backend, dtype, shared);
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the run crashed (status %d)", status);
    *r = *shared;
    munmap(shared, sizeof *shared);
}

/* Sets XDG_CACHE_HOME to a fresh folder (its rectic/ is the cache); NULL when there is no cc. */
static char *fresh_cache(void)
{
    if (system("command -v cc >/dev/null 2>&1") != 0)
        return NULL;
    char *dir = tu_tmpdir();
    setenv("XDG_CACHE_HOME", dir, 1);
    return dir;
}

/* The one object in the cache (exits the test when there is not exactly one). */
static void only_object(const char *cache, char *out, size_t size)
{
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "ls %s/rectic/kernel-*.so", cache);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(fgets(out, (int)size, p));
    out[strcspn(out, "\n")] = '\0';
    char more[8];
    ck_assert_msg(fgets(more, sizeof more, p) == NULL, "more than one object in %s", cache);
    pclose(p);
}

/* The results of two runs are the same bits. */
static void assert_same(const result *a, const result *b)
{
    ck_assert_int_eq(a->rc, 0);
    ck_assert_msg(b->rc == 0, "%s", b->err);
    ck_assert_int_eq(a->spikes, b->spikes);
    ck_assert_int_eq(memcmp(a->v, b->v, sizeof a->v), 0);
}

static result ref64, ref32, got;

START_TEST(test_cache_folder_is_created_private)
{
    char *cache = fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    run_net(RECTIC_BACKEND_CC, RECTIC_FLOAT64, &got);
    ck_assert_msg(got.rc == 0, "%s", got.err);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/rectic", cache);
    struct stat st;
    ck_assert_int_eq(lstat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(got.n_warnings, 0);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* Makes the cache folder untrustworthy in one of three ways; returns what the message must say. */
static const char *spoil_folder(const char *cache, int how)
{
    char dir[4200], cmd[9000];
    snprintf(dir, sizeof dir, "%s/rectic", cache);
    if (how == 0) {
        ck_assert_int_eq(mkdir(dir, 0700), 0);
        ck_assert_int_eq(chmod(dir, 0777), 0);
        return "can be written by other users (mode 0777)";
    }
    if (how == 1) {
        snprintf(cmd, sizeof cmd, "mkdir -m 700 %s/elsewhere && ln -s %s/elsewhere %s", cache, cache, dir);
        ck_assert_int_eq(system(cmd), 0);
        return "is a symbolic link";
    }
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_int_eq(chown(dir, 65534, 65534), 0);
    return "belongs to user 65534";
}

/* Spoils the cache folder (spoil_folder), then: --backend cc fails naming the folder, the reason and the
   fix; auto runs TinyCC's kernel with a warning that says why. */
static void assert_untrusted(int how)
{
    char *cache = fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    const char *why = spoil_folder(cache, how);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/rectic", cache);
    run_net(RECTIC_BACKEND_CC, RECTIC_FLOAT64, &got);
    ck_assert_int_eq(got.rc, RECTIC_EJIT);
    ck_assert_msg(strstr(got.err, dir) && strstr(got.err, why) && strstr(got.err, "XDG_CACHE_HOME"), "%s", got.err);
    run_net(RECTIC_BACKEND_AUTO, RECTIC_FLOAT64, &got);
    assert_same(&ref64, &got);
    ck_assert_str_eq(got.kind, "tcc");
    ck_assert_int_eq(got.n_warnings, 1);
    ck_assert_msg(strstr(got.warning, "spec.backend auto") && strstr(got.warning, dir) && strstr(got.warning, why), "%s",
                  got.warning);
    tu_rmtree(cache);
    free(cache);
}

START_TEST(test_cache_writable_by_others_fails_cc_and_warns_auto)
{
    assert_untrusted(0);
}
END_TEST

START_TEST(test_symlinked_cache_folder_fails_cc_and_warns_auto)
{
    assert_untrusted(1);
}
END_TEST

START_TEST(test_cache_of_another_user_fails_cc_and_warns_auto)
{
    if (geteuid() != 0)
        TU_SKIP("needs root to give the folder to another user");
    assert_untrusted(2);
}
END_TEST

/* Damages the object at so: 0 truncated, 1 emptied, 2 replaced by other (another model's object, sealed). */
static void damage(const char *so, int how, const char *other)
{
    char cmd[9000];
    if (how == 0)
        snprintf(cmd, sizeof cmd, "truncate -s 5000 %s", so);
    else if (how == 1)
        snprintf(cmd, sizeof cmd, ": > %s", so);
    else
        snprintf(cmd, sizeof cmd, "cp %s %s", other, so);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_damaged_object_is_deleted_and_rebuilt)
{
    static const char *whats[] = {"truncated", "empty", "another model's"};
    static const char *whys[] = {"integrity record is missing", "is empty", "built for another kernel"};
    for (int how = 0; how < 3; how++) {
        char *cache = fresh_cache();
        if (!cache)
            TU_SKIP("no C compiler (cc) on the PATH");
        char so32[4600] = "", so64[4600];
        if (how == 2) { /* float32's object, whole and sealed, under float64's name */
            run_apart(RECTIC_BACKEND_CC, RECTIC_FLOAT32, &got);
            only_object(cache, so32, sizeof so32);
            char moved[4500];
            snprintf(moved, sizeof moved, "%s/other.so", cache);
            ck_assert_int_eq(rename(so32, moved), 0);
            snprintf(so32, sizeof so32, "%s", moved);
        }
        for (int backend = 0; backend < 2; backend++) {
            run_apart(RECTIC_BACKEND_CC, RECTIC_FLOAT64, &got);
            assert_same(&ref64, &got);
            only_object(cache, so64, sizeof so64);
            damage(so64, how, so32);
            run_apart(backend ? RECTIC_BACKEND_AUTO : RECTIC_BACKEND_CC, RECTIC_FLOAT64, &got);
            assert_same(&ref64, &got); /* no crash, the same numbers */
            ck_assert_str_eq(got.kind, backend ? "tcc" : "cc"); /* cc rebuilt it; auto runs TinyCC meanwhile */
            ck_assert_int_eq(got.n_warnings, 1);
            ck_assert_msg(strstr(got.warning, so64) && strstr(got.warning, whys[how]), "%s object: %s", whats[how],
                          got.warning);
            if (backend) /* auto compiles it again in the background: wait for it */
                ck_assert_int_eq(system("sleep 0.1; for i in $(seq 300); do ls $XDG_CACHE_HOME/rectic/kernel-*.so "
                                        ">/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1"), 0);
            run_apart(RECTIC_BACKEND_CC, RECTIC_FLOAT64, &got); /* and the next run finds it whole */
            assert_same(&ref64, &got);
            ck_assert_str_eq(got.kind, "cc (cached)");
            ck_assert_int_eq(got.n_warnings, 0);
        }
        tu_rmtree(cache);
        free(cache);
    }
}
END_TEST

/* Writes a compiler (RECTIC_CC) that works until the file `broken` beside it exists. */
static void breakable_compiler(const char *cache, char *path, size_t size)
{
    snprintf(path, size, "%s/cc.sh", cache);
    char text[9000];
    snprintf(text, sizeof text, "#!/bin/sh\n[ -e %s/broken ] && { echo 'compiler broken on purpose' >&2; exit 1; }\n"
                                "exec cc \"$@\"\n", cache);
    free(tu_write(cache, "cc.sh", text));
    ck_assert_int_eq(chmod(path, 0755), 0);
}

START_TEST(test_failed_rebuild_runs_tinycc_with_a_warning_and_retries_next_run)
{
    char *cache = fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    char cc[4300], so[4400];
    breakable_compiler(cache, cc, sizeof cc);
    setenv("RECTIC_CC", cc, 1);
    run_apart(RECTIC_BACKEND_CC, RECTIC_FLOAT64, &got);
    assert_same(&ref64, &got);
    only_object(cache, so, sizeof so);
    damage(so, 0, NULL);
    free(tu_write(cache, "broken", ""));
    run_apart(RECTIC_BACKEND_CC, RECTIC_FLOAT64, &got);
    assert_same(&ref64, &got);
    ck_assert_str_eq(got.kind, "tcc");
    ck_assert_int_eq(got.n_warnings, 2); /* the damage, then the failed rebuild */
    ck_assert_msg(strstr(got.warning, "integrity record is missing"), "%s", got.warning);
    ck_assert_int_eq(access(so, F_OK), -1); /* deleted: the next run tries again */
    char broken[4300];
    snprintf(broken, sizeof broken, "%s/broken", cache);
    unlink(broken);
    run_apart(RECTIC_BACKEND_CC, RECTIC_FLOAT64, &got);
    assert_same(&ref64, &got);
    ck_assert_str_eq(got.kind, "cc");
    ck_assert_int_eq(got.n_warnings, 0);
    unsetenv("RECTIC_CC");
    tu_rmtree(cache);
    free(cache);
}
END_TEST

/* A thread of the stress test: one cc network, float64 or float32 by the parity of k (k < 0: float64,
   found in the cache); non-NULL if it gave the reference's numbers. */
static void *stress_thread(void *arg)
{
    long k = (long)(intptr_t)arg;
    result *r = malloc(sizeof *r);
    run_net(RECTIC_BACKEND_CC, k % 2 ? RECTIC_FLOAT32 : RECTIC_FLOAT64, r);
    const result *ref = k % 2 ? &ref32 : &ref64;
    int ok = r->rc == 0 && r->spikes == ref->spikes && memcmp(r->v, ref->v, sizeof r->v) == 0 &&
             (k >= 0 || strcmp(r->kind, "cc (cached)") == 0);
    if (!ok)
        fprintf(stderr, "thread %ld: %s (%s)\n", k, r->rc ? r->err : "other numbers", r->kind);
    free(r);
    return (void *)(intptr_t)ok;
}

/* A process of the stress test: `threads` threads at once, then one more network; exit status 0 if all
   worked. */
static int stress_process(int threads)
{
    pthread_t t[16];
    int ok = 1;
    for (long k = 0; k < threads; k++)
        ck_assert_int_eq(pthread_create(&t[k], NULL, stress_thread, (void *)(intptr_t)k), 0);
    for (int k = 0; k < threads; k++) {
        void *r;
        pthread_join(t[k], &r);
        ok &= r != NULL;
    }
    ok &= stress_thread((void *)(intptr_t)-2) != NULL; /* a later network in the same process */
    return ok ? 0 : 1;
}

START_TEST(test_concurrent_compilations_on_a_cold_cache_all_succeed)
{
    enum { ROUNDS = 2, PROCESSES = 3, THREADS = 4 };
    for (int round = 0; round < ROUNDS; round++) {
        char *cache = fresh_cache();
        if (!cache)
            TU_SKIP("no C compiler (cc) on the PATH");
        pid_t pids[PROCESSES];
        for (int p = 0; p < PROCESSES; p++) {
            pids[p] = fork();
            ck_assert_int_ge(pids[p], 0);
            if (pids[p] == 0)
                _exit(stress_process(THREADS));
        }
        for (int p = 0; p < PROCESSES; p++) {
            int status;
            ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
            ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "round %d, process %d failed", round, p);
        }
        char cmd[4400]; /* no temporary file is left behind */
        snprintf(cmd, sizeof cmd, "test $(ls -A %s/rectic | grep -cv '^kernel-[0-9a-f]*\\.so$') = 0", cache);
        ck_assert_msg(system(cmd) == 0, "temporary files left in %s/rectic", cache);
        tu_rmtree(cache);
        free(cache);
    }
}
END_TEST

/* Building and loading a cc kernel leaves the environment alone: OpenMP's passive waiting was set when the
   program started (one thread), since setenv while another thread reads the environment crashes getenv
   (it did: the concurrent compilations above, under AddressSanitizer). */
START_TEST(test_building_a_kernel_leaves_the_environment_alone)
{
    extern char **environ;
    char *cache = fresh_cache();
    if (!cache)
        TU_SKIP("no C compiler (cc) on the PATH");
    ck_assert_msg(getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT"), "OMP_WAIT_POLICY not set at start");
    char **before = environ;
    const char *policy = getenv("OMP_WAIT_POLICY");
    result r;
    run_net(RECTIC_BACKEND_CC, RECTIC_FLOAT64, &r);
    ck_assert_msg(r.rc == 0, "%s", r.err);
    ck_assert_ptr_eq(environ, before);
    ck_assert_ptr_eq(getenv("OMP_WAIT_POLICY"), policy);
    tu_rmtree(cache);
    free(cache);
}
END_TEST

START_TEST(test_warning_api_is_null_safe)
{
    ck_assert_int_eq(rectic_net_warning_count(NULL), 0);
    ck_assert_ptr_null(rectic_net_warning(NULL, 0));
    rectic_spec s;
    qif_spec(&s, RECTIC_BACKEND_TCC, RECTIC_FLOAT64);
    rectic_net *net;
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_OK);
    ck_assert_int_eq(rectic_net_warning_count(net), 0);
    ck_assert_ptr_null(rectic_net_warning(net, 0));
    ck_assert_ptr_null(rectic_net_warning(net, -1));
    rectic_net_free(net);
}
END_TEST

/* The TinyCC references every test compares with; cc compiles without optimisation (the same bits,
   several times faster to compile: the cache, not the compiler, is under test). */
static void setup(void)
{
    setenv("RECTIC_CFLAGS", "-O0 -ffp-contract=off -fPIC -shared", 1);
    run_net(RECTIC_BACKEND_TCC, RECTIC_FLOAT64, &ref64);
    run_net(RECTIC_BACKEND_TCC, RECTIC_FLOAT32, &ref32);
    ck_assert_msg(ref64.rc == 0 && ref32.rc == 0, "%s %s", ref64.err, ref32.err);
    ck_assert_int_gt(ref64.spikes, 0);
}

static Suite *suite(void)
{
    Suite *s = suite_create("cache");
    TCase *t = tcase_create("cache");
    tcase_set_timeout(t, 120);
    tcase_add_checked_fixture(t, setup, NULL);
    tcase_add_test(t, test_cache_folder_is_created_private);
    tcase_add_test(t, test_cache_writable_by_others_fails_cc_and_warns_auto);
    tcase_add_test(t, test_symlinked_cache_folder_fails_cc_and_warns_auto);
    tcase_add_test(t, test_cache_of_another_user_fails_cc_and_warns_auto);
    tcase_add_test(t, test_damaged_object_is_deleted_and_rebuilt);
    tcase_add_test(t, test_failed_rebuild_runs_tinycc_with_a_warning_and_retries_next_run);
    tcase_add_test(t, test_concurrent_compilations_on_a_cold_cache_all_succeed);
    tcase_add_test(t, test_building_a_kernel_leaves_the_environment_alone);
    tcase_add_test(t, test_warning_api_is_null_safe);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run(suite());
}

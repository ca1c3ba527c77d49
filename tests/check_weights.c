/*
 * check_weights.c -- weights handed to rectic_net_new as files (rectic_spec.weights_file and
 * weights_coo_file): the same numbers as the arrays, a float64 .npy used in place through a read-only
 * mapping that goes at rectic_net_free, the load's progress callback.
 */
#include <stdint.h>

#include "rectic.h"
#include "testutil.h"
#include "tu_spec.h"

#define QIF "neuron_model_templates.spiking_neurons.qif.qif"
#define N 40
#define STEPS 300

/* A spec for RectiPy's QIF network roles, coupled s -> s_in, driven through I_ext. */
static void qif_spec(rectic_spec *s)
{
    tu_qif_spec(s, 0);
}

/* Deterministic weights in (-0.5, 0.5) * 4 / sqrt(N), a third of them 0. */
static void make_weights(double *w, long count)
{
    uint64_t x = 12345;
    for (long i = 0; i < count; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(x >> 11) / 9007199254740992.0;
        w[i] = u < 1.0 / 3 ? 0.0 : (u - 0.5) * 4 / sqrt((double)N);
    }
}


/* Builds the network of spec, runs it STEPS steps with input 3 and copies v into out (N values). */
static rectic_net *run_net(const rectic_spec *spec, double *out)
{
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, spec) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_eq(rectic_net_size(net), N);
    static double in[STEPS];
    for (int i = 0; i < STEPS; i++)
        in[i] = 3.0;
    ck_assert_msg(rectic_net_run(net, STEPS, in, 1) == RECTIC_OK, "%s", rectic_errmsg(net));
    long count;
    ck_assert_int_eq(rectic_net_get(net, "v", out, N, &count), RECTIC_OK);
    return net;
}

START_TEST(test_npy_file_is_mapped_in_place_and_unmapped_at_free)
{
    static double w[N * N], a[N], b[N];
    make_weights(w, N * N);
    char *dir = tu_tmpdir(), *path = tu_write_npy(dir, "w.npy", w, N, N);
    rectic_spec s;
    qif_spec(&s);
    s.n = N;
    s.weights = w;
    rectic_net *ref = run_net(&s, a);
    ck_assert_str_eq(rectic_net_weights_layout(ref), "copied");
    rectic_net_free(ref);
    qif_spec(&s); /* n 0: taken from the file */
    s.weights_file = path;
    rectic_net *net = run_net(&s, b);
    ck_assert_str_eq(rectic_net_weights_layout(net), "mapped in place");
    ck_assert_str_eq(rectic_net_coupling(net), "dense");
    ck_assert_msg(tu_mapped(path), "%s is not mapped while the network lives", path);
    ck_assert_msg(memcmp(a, b, sizeof a) == 0, "v differs: %.17g vs %.17g", a[0], b[0]);
    ck_assert_double_ne(a[0], -90.0); /* the network moved */
    rectic_net_free(net);
    ck_assert_msg(!tu_mapped(path), "%s is still mapped after rectic_net_free", path);
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

START_TEST(test_file_for_float32_and_event_is_converted_and_equals_array)
{
    static double w[N * N], a[N], b[N];
    make_weights(w, N * N);
    char *dir = tu_tmpdir(), *path = tu_write_npy(dir, "w.npy", w, N, N);
    const int dtypes[] = {RECTIC_FLOAT32, RECTIC_FLOAT64}, couplings[] = {RECTIC_COUPLING_DENSE, RECTIC_COUPLING_EVENT};
    for (int k = 0; k < 4; k++) {
        rectic_spec s;
        qif_spec(&s);
        s.dtype = dtypes[k % 2];
        s.coupling = couplings[k / 2];
        s.n = N;
        s.weights = w;
        rectic_net_free(run_net(&s, a));
        s.weights = NULL;
        s.weights_file = path;
        rectic_net *net = run_net(&s, b);
        int in_place = s.dtype == RECTIC_FLOAT64 && s.coupling == RECTIC_COUPLING_DENSE;
        ck_assert_str_eq(rectic_net_weights_layout(net), in_place ? "mapped in place" : "converted");
        ck_assert_msg(tu_mapped(path) == in_place, "case %d: the file is %smapped", k, in_place ? "not " : "");
        ck_assert_msg(memcmp(a, b, sizeof a) == 0, "case %d: v differs: %.17g vs %.17g", k, a[0], b[0]);
        rectic_net_free(net);
    }
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

START_TEST(test_coo_file_with_duplicates_equals_coo_array)
{
    /* every nonzero weight split into two rows (sum in file order), rows in reverse order */
    static double w[N * N], coo[2 * N * N * 3], a[N], b[N];
    make_weights(w, N * N);
    long rows = 0;
    for (long k = N * N - 1; k >= 0; k--)
        for (int part = 0; w[k] != 0 && part < 2; part++) {
            coo[3 * rows] = (double)(k / N);
            coo[3 * rows + 1] = (double)(k % N);
            coo[3 * rows + 2] = part ? w[k] * 0.7 : w[k] * 0.3 + 1e-3 * (double)(k % 7);
            rows++;
        }
    char *dir = tu_tmpdir(), *path = tu_write_npy(dir, "coo.npy", coo, rows, 3);
    for (int c = RECTIC_COUPLING_SPARSE; c <= RECTIC_COUPLING_EVENT; c++) {
        rectic_spec s;
        qif_spec(&s);
        s.coupling = c;
        s.n = N;
        s.weights_coo = coo;
        s.nnz = rows;
        rectic_net_free(run_net(&s, a));
        s.weights_coo = NULL;
        s.n = 0;
        s.weights_coo_file = path;
        rectic_net *net = run_net(&s, b);
        ck_assert_msg(memcmp(a, b, sizeof a) == 0, "coupling %d: v differs: %.17g vs %.17g", c, a[0], b[0]);
        rectic_net_free(net);
    }
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

/* Load progress: counts the calls, remembers the last, stops after `stop_after` calls (0: never). */
typedef struct load_seen {
    int calls, stop_after;
    long done, total;
} load_seen;

static int on_load(void *user, long done, long total)
{
    load_seen *p = user;
    p->calls++;
    p->done = done;
    p->total = total;
    return p->stop_after && p->calls >= p->stop_after;
}

START_TEST(test_load_progress_reaches_the_total_and_can_cancel)
{
    static double w[N * N];
    make_weights(w, N * N);
    char *dir = tu_tmpdir(), *path = tu_write_npy(dir, "w.npy", w, N, N);
    rectic_spec s;
    qif_spec(&s);
    s.weights_file = path;
    s.coupling = RECTIC_COUPLING_SPARSE;
    load_seen seen = {0, 0, 0, 0};
    s.load_progress = on_load;
    s.load_progress_user = &seen;
    rectic_net *net;
    ck_assert_msg(rectic_net_new(&net, &s) == RECTIC_OK, "%s", rectic_errmsg(net));
    ck_assert_int_ge(seen.calls, 2);
    ck_assert_int_eq(seen.total, 1L * N * N); /* one pass straight into compressed rows */
    ck_assert_int_eq(seen.done, seen.total);
    rectic_net_free(net);
    load_seen stop = {0, 1, 0, 0};
    s.load_progress_user = &stop;
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_ECANCEL);
    ck_assert_ptr_nonnull(strstr(rectic_errmsg(net), "loading the weights was cancelled"));
    rectic_net_free(net);
    tu_rmtree(dir);
    free(dir);
    free(path);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("weights");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_npy_file_is_mapped_in_place_and_unmapped_at_free);
    tcase_add_test(tc, test_file_for_float32_and_event_is_converted_and_equals_array);
    tcase_add_test(tc, test_coo_file_with_duplicates_equals_coo_array);
    tcase_add_test(tc, test_load_progress_reaches_the_total_and_can_cancel);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const uint16_t one = 1;
    if (*(const unsigned char *)&one != 1) {
        puts("skip: check_weights writes little-endian .npy files");
        return 0;
    }
    return tu_run(suite());
}

/*
 * check_mpi.c -- what MPI runs rest on, without MPI: the blocks of units each rank owns (contiguous, sizes
 * differing by at most one, empty ones when there are more ranks than units), the launch recognised from
 * the environment only, and the dense row kernel giving each row the same bits in any block of rows.
 * (mpirun itself: tests/e2e_mpi.sh.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpi.h"
#include "network.h"
#include "testutil.h"
#include "tu_spec.h"

START_TEST(test_blocks_are_contiguous_and_balanced)
{
    long lo, hi, want[4][2] = {{0, 4}, {4, 7}, {7, 10}};
    for (int r = 0; r < 3; r++) {
        rct_mpi_block(10, 3, r, &lo, &hi);
        ck_assert_int_eq(lo, want[r][0]);
        ck_assert_int_eq(hi, want[r][1]);
    }
    long next = 0; /* 1000 units on 7 ranks: each block starts where the last ended, sizes 142 or 143 */
    for (int r = 0; r < 7; r++) {
        rct_mpi_block(1000, 7, r, &lo, &hi);
        ck_assert_int_eq(lo, next);
        ck_assert(hi - lo == 142 || hi - lo == 143);
        next = hi;
    }
    ck_assert_int_eq(next, 1000);
}
END_TEST

START_TEST(test_more_ranks_than_units_leaves_empty_blocks)
{
    long lo, hi;
    rct_mpi_block(2, 4, 1, &lo, &hi);
    ck_assert_int_eq(lo, 1);
    ck_assert_int_eq(hi, 2);
    rct_mpi_block(2, 4, 3, &lo, &hi);
    ck_assert_int_eq(lo, 2); /* empty, at the end */
    ck_assert_int_eq(hi, 2);
}
END_TEST

START_TEST(test_launch_is_recognised_from_the_environment)
{
    unsetenv("OMPI_COMM_WORLD_SIZE");
    unsetenv("PMI_SIZE");
    ck_assert_int_eq(rct_mpi_launched(), 0);
    setenv("PMI_SIZE", "3", 1);
    ck_assert_int_eq(rct_mpi_launched(), 3);
    unsetenv("PMI_SIZE");
    setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
    ck_assert_int_eq(rct_mpi_launched(), 4);
    unsetenv("OMPI_COMM_WORLD_SIZE");
}
END_TEST

/* Deterministic numbers in [-0.5, 0.5). */
static double uniform(uint64_t *r)
{
    *r = *r * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*r >> 11) / 9007199254740992.0 - 0.5;
}

START_TEST(test_dense_rows_have_the_same_bits_in_any_block)
{
    for (long n = 1; n < 140; n += 9) {
        uint64_t seed = (uint64_t)n;
        double *w = malloc(sizeof(double) * (size_t)(n * n)), *x = malloc(sizeof(double) * (size_t)n);
        double *whole = malloc(sizeof(double) * (size_t)n), *part = malloc(sizeof(double) * (size_t)n);
        for (long i = 0; i < n * n; i++)
            w[i] = uniform(&seed) * 1e3;
        for (long j = 0; j < n; j++)
            x[j] = uniform(&seed);
        rct_gemv_rows(0)(n, n, w, x, whole);
        for (int p = 2; p <= 5; p++) {
            memset(part, 0, sizeof(double) * (size_t)n);
            for (int r = 0; r < p; r++) {
                long lo, hi;
                rct_mpi_block(n, p, r, &lo, &hi);
                rct_gemv_rows(0)(hi - lo, n, w + lo * n, x, part + lo);
            }
            ck_assert_int_eq(memcmp(whole, part, sizeof(double) * (size_t)n), 0);
        }
        double sum = 0; /* row 0 by hand: four partial sums j mod 4, then the rest in order */
        double s[4] = {0, 0, 0, 0};
        long j = 0;
        for (; j + 4 <= n; j += 4)
            for (int q = 0; q < 4; q++)
                s[q] += w[j + q] * x[j + q];
        sum = (s[0] + s[1]) + (s[2] + s[3]);
        for (; j < n; j++)
            sum += w[j] * x[j];
        ck_assert(whole[0] == sum);
        free(w), free(x), free(whole), free(part);
    }
}
END_TEST

START_TEST(test_a_network_without_mpi_is_rank_0_of_1)
{
    int rank = -1, size = -1;
    rectic_spec s;
    tu_qif_spec(&s, 3);
    s.source_var = s.target_var = NULL; /* no coupling */
    rectic_net *net = NULL;
    ck_assert_int_eq(rectic_net_new(&net, &s), RECTIC_OK);
    ck_assert_int_eq(rectic_net_mpi_rank(net, &rank, &size), RECTIC_OK);
    ck_assert_int_eq(rank, 0);
    ck_assert_int_eq(size, 1);
    ck_assert_int_eq(rectic_net_use_mpi(net, 0), RECTIC_OK);
    rectic_net_free(net);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {test_blocks_are_contiguous_and_balanced, test_more_ranks_than_units_leaves_empty_blocks,
                            test_launch_is_recognised_from_the_environment,
                            test_dense_rows_have_the_same_bits_in_any_block, test_a_network_without_mpi_is_rank_0_of_1};
    return tu_main("mpi", 60, tests, (int)(sizeof tests / sizeof tests[0]));
}

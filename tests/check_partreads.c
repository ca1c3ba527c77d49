/*
 * check_partreads.c -- what a part of a population's step reads (generator/emit_reads.h): the variables, dt,
 * the spike threshold, 1/dt, the input row and the size n, found from the model when the step is planned,
 * so that a network kernel's part declares exactly what it uses (-Wall -Werror rejects the rest).
 */
#include "testutil.h"

#include "emit_reads.h"
#include "ir.h"
#include "loader.h"
#include "template.h"

/* A leaky unit with one coupling input: x' = -x/tau + a_in; one state block. */
static const char LEAK[] = "leak:\n"
                           "  base: NodeTemplate\n"
                           "  operators: [l_op]\n"
                           "l_op:\n"
                           "  base: OperatorTemplate\n"
                           "  equations: \"x' = -x/tau + a_in\"\n"
                           "  variables:\n"
                           "    x: output(0.0)\n"
                           "    tau: 2.0\n"
                           "    a_in: input(0.0)\n";

/* Two state variables, the second driven by the first: w is in the state's second block (at 1*n). */
static const char PAIR[] = "pair:\n"
                           "  base: NodeTemplate\n"
                           "  operators: [p_op]\n"
                           "p_op:\n"
                           "  base: OperatorTemplate\n"
                           "  equations:\n"
                           "    - \"x' = -x\"\n"
                           "    - \"w' = x - w\"\n"
                           "  variables:\n"
                           "    x: output(1.0)\n"
                           "    w: variable(0.0)\n";

/* Spiking units with an external input and a synaptic trace driven by the spike. */
static const char SPIKER[] = "spiker:\n"
                             "  base: NodeTemplate\n"
                             "  operators: [s_op]\n"
                             "s_op:\n"
                             "  base: OperatorTemplate\n"
                             "  equations:\n"
                             "    - \"v' = (I_ext - v)/tau\"\n"
                             "    - \"s' = spike - s/tau_s\"\n"
                             "  variables:\n"
                             "    I_ext: input(0.0)\n"
                             "    spike: input(0.0)\n"
                             "    tau_s: 4.0\n"
                             "    tau: 2.0\n"
                             "    s: output(0.0)\n"
                             "    v: variable(0.5)\n";

/* Units pulled to their population's mean: a reduction before the only pass. */
static const char MEANER[] = "meaner:\n"
                             "  base: NodeTemplate\n"
                             "  operators: [m_op]\n"
                             "m_op:\n"
                             "  base: OperatorTemplate\n"
                             "  equations: \"v' = mean(v) - v\"\n"
                             "  variables:\n"
                             "    v: output(0.0)\n";

/* The model of node `ref` of the YAML text, with roles r. */
static rct_model *model(const char *yaml, const char *ref, const rct_roles *r)
{
    rct_err err = {0, ""};
    rct_loader *L = rct_loader_new(&err);
    ck_assert_ptr_nonnull(L);
    ck_assert_int_eq(rct_loader_add_text(L, "m", yaml), 0);
    rct_tnode *node = NULL;
    ck_assert_msg(rct_template_load(L, ref, &node) == 0, "%s", err.msg);
    rct_model *m = NULL;
    ck_assert_msg(rct_model_build(node, r, &m, &err) == 0, "%s", err.msg);
    rct_tnode_free(node);
    rct_loader_free(L);
    return m;
}

/* The flags of what part (pass p, with its reductions `reds`, the update `update`) of a population of m reads,
   its units spiking or not; the variables it reads in *r when r is not NULL (the caller frees them). */
static unsigned flags_of(const rct_model *m, int p, int reds, int update, int spiking, rct_part_reads *r)
{
    rct_part_reads own;
    rct_part_reads *out = r ? r : &own;
    ck_assert_int_eq(rct_part_reads_find(m, p, NULL, reds, update, spiking, out), 0);
    unsigned flags = out->flags;
    if (!r)
        rct_part_reads_free(&own);
    return flags;
}

/* Does r read variable `name` of m? */
static int reads_var(const rct_model *m, const rct_part_reads *r, const char *name)
{
    rct_err err = {0, ""};
    int v = rct_model_find(m, name, NULL, "test", &err);
    ck_assert_msg(v >= 0, "%s", err.msg);
    return r->vars[v];
}

START_TEST(test_update_of_first_blocks_reads_no_n)
{
    rct_roles roles = {.op = "l_op", .source = "x", .target = "a_in"};
    rct_model *m = model(LEAK, "m.leak", &roles);
    rct_part_reads r;
    ck_assert_uint_eq(flags_of(m, m->n_passes - 1, 1, 1, 0, &r), RCT_READS_DT); /* units lo .. hi-1 of x and a_in,
                                                                                     both first blocks */
    ck_assert(reads_var(m, &r, "x") && reads_var(m, &r, "a_in") && reads_var(m, &r, "tau"));
    rct_part_reads_free(&r);
    rct_model_free(m);
}
END_TEST

START_TEST(test_variable_beyond_the_first_block_reads_n)
{
    rct_roles roles = {0};
    rct_model *m = model(PAIR, "m.pair", &roles);
    rct_part_reads r;
    ck_assert_uint_eq(flags_of(m, m->n_passes - 1, 1, 1, 0, &r), RCT_READS_DT | RCT_READS_N); /* w at y + 1*n */
    ck_assert(reads_var(m, &r, "x") && reads_var(m, &r, "w"));
    rct_part_reads_free(&r);
    rct_model_free(m);
}
END_TEST

START_TEST(test_spiking_update_reads_n_threshold_input_and_inverse_dt)
{
    rct_roles roles = {.op = "s_op", .input = "I_ext", .output = "s", .spike_var = "spike", .spike_def = "v"};
    rct_model *m = model(SPIKER, "m.spiker", &roles);
    rct_part_reads r;
    /* the spike list runs over all n; spike = spk/dt; the update reads I_ext from the input row */
    ck_assert_uint_eq(flags_of(m, m->n_passes - 1, 1, 1, 1, &r),
                      RCT_READS_DT | RCT_READS_SPIKE | RCT_READS_INV_DT | RCT_READS_INPUT | RCT_READS_N);
    ck_assert(reads_var(m, &r, "v") && reads_var(m, &r, "s") && reads_var(m, &r, "tau_s"));
    rct_part_reads_free(&r);
    /* the same update without spike detection: spike reads 1/dt, no threshold; v or s beyond the first block */
    ck_assert_uint_eq(flags_of(m, m->n_passes - 1, 1, 1, 0, NULL),
                      RCT_READS_DT | RCT_READS_INV_DT | RCT_READS_INPUT | RCT_READS_N);
    rct_model_free(m);
}
END_TEST

START_TEST(test_reduction_reads_n_only_in_the_part_that_computes_it)
{
    rct_roles roles = {0};
    rct_model *m = model(MEANER, "m.meaner", &roles);
    ck_assert_int_eq(m->n_reds, 1);
    int p = m->reds[0].before_pass;
    ck_assert_uint_eq(flags_of(m, p, 1, 1, 0, NULL), RCT_READS_DT | RCT_READS_N); /* mean(v) sums all n units */
    ck_assert_uint_eq(flags_of(m, p, 0, 1, 0, NULL), RCT_READS_DT); /* the reduction computed by another part */
    rct_model_free(m);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {test_update_of_first_blocks_reads_no_n, test_variable_beyond_the_first_block_reads_n,
                            test_spiking_update_reads_n_threshold_input_and_inverse_dt,
                            test_reduction_reads_n_only_in_the_part_that_computes_it};
    return tu_main("partreads", 60, tests, (int)(sizeof tests / sizeof tests[0]));
}

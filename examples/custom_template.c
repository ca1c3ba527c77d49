/*
 * custom_template.c -- a neuron model defined in a YAML string inside the program.
 *
 * An adaptive exponential-like rate model written on the spot, built, run and read back in memory:
 * no template file, no output file.
 *
 *   cc custom_template.c $(pkg-config --cflags --libs rectic) -o custom_template && ./custom_template
 */
#include <stdio.h>
#include <stdlib.h>

#include "rectic.h"

static const char model_yaml[] =
    "adapt_op:\n"
    "  base: OperatorTemplate\n"
    "  equations:\n"
    "    - \"r = sigmoid(beta*(v - theta))\"\n"
    "    - \"v' = (-v + w_in + I_ext - a)/tau\"\n"
    "    - \"a' = (-a + b*r)/tau_a\"\n"
    "  variables:\n"
    "    r: output(0.0)\n"
    "    v: variable(0.0)\n"
    "    a: variable(0.0)\n"
    "    beta: 4.0\n"
    "    theta: 0.5\n"
    "    tau: 10.0\n"
    "    tau_a: 100.0\n"
    "    b: 1.5\n"
    "    w_in: input(0.0)\n"
    "    I_ext: input(0.0)\n"
    "adapt:\n"
    "  base: NodeTemplate\n"
    "  description: rate neurons with adaptation\n"
    "  operators:\n"
    "    - adapt_op\n";

int main(void)
{
    double W[9] = {0, 0.5, 0, 0, 0, 0.5, 0.5, 0, 0}; /* a ring of 3 */
    rectic_spec spec;
    rectic_spec_init(&spec);
    spec.template_yaml = model_yaml;
    spec.template_ref = "mymodels.adapt"; /* the YAML text stands for the file mymodels.yaml */
    spec.n = 3;
    spec.weights = W;
    spec.source_var = "r";
    spec.target_var = "w_in";
    spec.input_var = "I_ext";
    spec.output_var = "r";
    spec.dt = 0.1;

    rectic_net *net;
    if (rectic_net_new(&net, &spec) != RECTIC_OK) {
        fprintf(stderr, "custom_template: %s\n", rectic_errmsg(net));
        rectic_net_free(net);
        return 1;
    }
    char *text;
    if (rectic_net_describe(net, &text) == RECTIC_OK) {
        fputs(text, stdout);
        free(text);
    }
    double drive[3] = {1.0, 0.0, 0.0}; /* one input row: the run below repeats it */
    static double inputs[3000 * 3];
    for (int t = 0; t < 3000; t++)
        for (int i = 0; i < 3; i++)
            inputs[t * 3 + i] = drive[i];
    rectic_net_record(net, "a");
    if (rectic_net_run(net, 3000, inputs, 3) != RECTIC_OK) {
        fprintf(stderr, "custom_template: %s\n", rectic_errmsg(net));
        rectic_net_free(net);
        return 1;
    }
    long rows, cols;
    const double *r, *a;
    rectic_net_recording(net, "out", &rows, &cols, &r);
    rectic_net_recording(net, "a", &rows, &cols, &a);
    printf("after %ld steps: r = %.4f %.4f %.4f, adaptation a = %.4f %.4f %.4f\n", rows, r[(rows - 1) * 3],
           r[(rows - 1) * 3 + 1], r[(rows - 1) * 3 + 2], a[(rows - 1) * 3], a[(rows - 1) * 3 + 1], a[(rows - 1) * 3 + 2]);
    rectic_net_free(net);
    return 0;
}

#!/bin/sh
# embed.sh OUT -- writes OUT, a C file holding the standalone programs' runtime as strings (run from the
# source tree's root by the Makefile and tests/fuzz/fuzz.sh):
#   rct_sa_common_text  rectic's number formatting (common/fmt_number.h), the dense product (common/gemv_rows.h)
#                       the common part (sa_common.c) and the inputs' reading (sa_input.c)
#   rct_sa_sim_text     the main part of the program of one template (sim_main.c)
#   rct_sa_net_text     the COO layouts (common/coo.h) and the main part of the program of a network of
#                       populations (net_main.c)
set -e
D=generator/standalone
string() { # NAME FILE... : const char NAME[] = "<the files' lines>";
    name=$1
    shift
    echo "const char $name[] ="
    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$@"
    echo ';'
}
{
    echo "/* generated from common/fmt_number.h, common/gemv_rows.h, common/coo.h and the files of $D by $D/embed.sh */"
    string rct_sa_common_text common/fmt_number.h common/gemv_rows.h $D/sa_common.c $D/sa_input.c
    string rct_sa_sim_text $D/sim_main.c
    string rct_sa_net_text common/coo.h $D/net_main.c
} > "$1.tmp"
mv "$1.tmp" "$1"

# tests/mpi_lib.sh -- sourced (after tests/ridge_lib.sh) by the end-to-end tests of what the ranks of
# `mpirun -np P rectic run ...` read and write (tests/e2e_mpi_io.sh, tests/e2e_mpi_pop.sh,
# tests/e2e_mpi_rls.sh): OpenMPI's settings for root, oversubscription and sanitizers, and helpers that run
# rectic on P ranks and compare its outputs and meta.json's "mpi" member.
# shellcheck shell=bash

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" # (OpenMPI's own memory at MPI_Finalize)
export OMPI_MCA_orte_tmpdir_base=$TMP # (session folders of its own: mpiruns of other tests at the same time)

# need_tools: skips the test where mpirun or NumPy is missing.
need_tools() {
    command -v mpirun >/dev/null || skip "no mpirun (apt-get install openmpi-bin libopenmpi-dev)"
    need_numpy
}

# on_ranks P DIR ARGS...: `rectic run ARGS... -o DIR` on P ranks; fails the test with its messages when it
# exits non-zero.
on_ranks() {
    local p=$1 dir=$2
    shift 2
    mpirun --oversubscribe -np "$p" "$RECTIC" run "$@" -o "$dir" >mpi.out 2>mpi.err ||
        fail "mpirun -np $p rectic run $* -o $dir -> exit $?: $(head -c 800 mpi.err)"
}

# same_as_one DIR: every file of one/ but meta.json is in DIR, byte-identical, and DIR holds no other.
same_as_one() {
    local f b
    for f in one/*; do
        b=$(basename "$f")
        [ "$b" = meta.json ] || cmp -s "$f" "$1/$b" || fail "$1/$b differs from one process's ($*)"
    done
    [ "$(cd one && echo *)" = "$(cd "$1" && echo *)" ] || fail "one/ and $1 hold different files"
}

# meta DIR EXPR: evaluates the Python expression EXPR over m, DIR/meta.json's "mpi" member; fails unless true.
meta() {
    py "$1/meta.json" "$2" <<'EOF2'
import json, sys
m = json.load(open(sys.argv[1]))["mpi"]
assert eval(sys.argv[2]), (sys.argv[2], {k: v for k, v in m.items() if k != "communication_seconds"})
EOF2
}

#!/bin/sh
# make bench: builds the benchmark (the reference with gcc -O3 -march=native) and runs it.
set -e
BUILD=${1:-build}
[ $# -gt 0 ] && shift
mkdir -p "$BUILD/bench"
CFLAGS_BLAS=$(pkg-config --cflags openblas 2>/dev/null || true)
LIBS_BLAS=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
cc -O3 -march=native -ffp-contract=off $CFLAGS_BLAS -c bench/reference/qif_ref.c -o "$BUILD/bench/qif_ref.o"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Ibench $CFLAGS_BLAS -c bench/bench.c -o "$BUILD/bench/bench.o"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ibench -c bench/startup.c -o "$BUILD/bench/startup.o"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ibench -c bench/brian2net.c -o "$BUILD/bench/brian2net.o"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Ibench -c bench/popbench.c -o "$BUILD/bench/popbench.o"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Ibench -c bench/ridgebench.c -o "$BUILD/bench/ridgebench.o"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Ibench -c bench/rlsbench.c -o "$BUILD/bench/rlsbench.o"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Ibench -c bench/circbench.c -o "$BUILD/bench/circbench.o"
cc -o "$BUILD/bench/bench" "$BUILD/bench/bench.o" "$BUILD/bench/startup.o" "$BUILD/bench/brian2net.o" \
    "$BUILD/bench/popbench.o" "$BUILD/bench/ridgebench.o" "$BUILD/bench/rlsbench.o" "$BUILD/bench/circbench.o" \
    "$BUILD/bench/qif_ref.o" "$BUILD/librectic.a" \
    -ltcc $LIBS_BLAS -lyaml -ldl -lpthread -lm
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} "$BUILD/bench/bench" "$BUILD/rectic" "$@"
echo "(table written to bench/results.md)"

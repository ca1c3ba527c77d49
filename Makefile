# rectic -- build, test, benchmark.
#
#   make            build build/librectic.a and build/rectic
#   make deps       install the Debian packages rectic needs (as root, or with sudo)
#   make demo       deps + build + run the seed QIF example (examples/qif_network.c and the CLI)
#   make test       build and run the whole test suite (Check unit tests + end-to-end tests)
#   make asan       the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make cycles     check that the library's files include and call each other without (new) cycles
#   make bench      benchmarks (bench/)
#   make install    install rectic, librectic.a, rectic.h, rectic.pc, the templates and the man page
#                   under PREFIX (default /usr/local), staged under DESTDIR if given
#   make uninstall  remove what make install installed (same PREFIX and DESTDIR)

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
PREFIX  ?= /usr/local
SANFLAGS ?=
# the source tree's templates/, compiled in as the first place to look (`make install` compiles its own
# copy with the installed location here instead: see "Installation" below)
BUILTIN_TEMPLATES ?= $(CURDIR)/templates

DEB_PACKAGES = build-essential libyaml-dev libtcc-dev tcc libopenblas-dev check pkg-config python3-numpy file gnuplot-nox \
               openmpi-bin libopenmpi-dev

# OpenBLAS is not linked: runtime/blas.c opens it when a network first needs it (libopenblas-dev brings
# the shared library; the standalone programs and the benchmark's reference link it themselves)
YAML_LIBS   := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)
TCC_LIBDIR  ?= $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/tcc /usr/lib/aarch64-linux-gnu/tcc /usr/local/lib/tcc /usr/lib/tcc))

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CPPFLAGS_ALL = -D_GNU_SOURCE -Iinclude -Icommon -Igenerator -Iruntime \
	-DRECTIC_BUILTIN_TEMPLATES='"$(BUILTIN_TEMPLATES)"' -DRECTIC_TCC_LIBDIR='"$(TCC_LIBDIR)"' \
	-DRECTIC_INSTALL_TEMPLATES='"$(PREFIX)/share/rectic/templates"'
CFLAGS_ALL = -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(CPPFLAGS_ALL) $(CFLAGS)
LIBS    = -ltcc $(YAML_LIBS) -ldl -lpthread -lm
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

LIB_SRC  = $(wildcard common/*.c generator/*.c runtime/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/sa_text.o
TEST_SRC = $(wildcard tests/check_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
CLI_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c))
EXAMPLE_SRC = $(wildcard examples/*.c)
EXAMPLE_BIN = $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)

.PHONY: all deps demo test check unit e2e asan bench clean install uninstall
all: $(BUILD)/librectic.a $(BUILD)/rectic $(EXAMPLE_BIN)

# Header dependencies come from the compiler: -MMD writes beside each object (and each program built in
# one step from a .c) a file $@.d naming the headers it included, -MP adds an empty rule per header so
# that a deleted header does not stop the build. Editing a header rebuilds exactly what includes it.
# Each target also depends on its .d file (made by an empty rule), so that a target built without one
# (an older build) is rebuilt once and gets it.
DEPFLAGS = -MMD -MP -MF $@.d
DEP_FILES = $(LIB_OBJ:=.d) $(CLI_OBJ:=.d) $(TEST_BIN:=.d) $(EXAMPLE_BIN:=.d)
$(DEP_FILES): ;
-include $(wildcard $(DEP_FILES))

$(BUILD)/%.o: %.c $(BUILD)/%.o.d
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -c $< -o $@

# the standalone programs' runtime (generator/standalone/), embedded as strings for `rectic emit --standalone`
SA_TEXT_SRC = common/fmt_number.h common/gemv_rows.h common/coo.h $(wildcard generator/standalone/*.c) generator/standalone/embed.sh
$(BUILD)/gen/sa_text.c: $(SA_TEXT_SRC)
	@mkdir -p $(dir $@)
	@sh generator/standalone/embed.sh $@

$(BUILD)/gen/sa_text.o: $(BUILD)/gen/sa_text.c $(BUILD)/gen/sa_text.o.d
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -Wno-overlength-strings -c $< -o $@

$(BUILD)/librectic.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/rectic: $(CLI_OBJ) $(BUILD)/librectic.a
	@echo "  CCLD    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/examples/%: examples/%.c $(BUILD)/examples/%.d $(BUILD)/librectic.a
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) -o $@ $< $(BUILD)/librectic.a $(LDFLAGS_ALL) $(LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/tests/%.d $(BUILD)/librectic.a
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	@$(CC) $(CFLAGS_ALL) $(DEPFLAGS) $(CHECK_CFLAGS) -Itests -o $@ $< $(BUILD)/librectic.a $(LDFLAGS_ALL) $(LIBS) $(CHECK_LIBS)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing; \
	fi

demo: deps all
	./examples/run_demo.sh $(BUILD)

# The whole suite: unit tests (Check) then end-to-end tests of the rectic command; the last line is the
# total, "N passed, M failed, K skipped" (tests/run_tests.sh).
test: deps all $(TEST_BIN)
	@RECTIC_BUILD=$(BUILD) RECTIC_SANFLAGS='$(SANFLAGS)' sh tests/run_tests.sh $(TEST_BIN) tests/e2e*.sh tests/netref_selftest.sh tests/circref_selftest.sh
check: test

# Rewrites the golden files of the generated source (tests/data/golden/, checked by tests/e2e_golden.sh)
# after a deliberate change of the emitter: review `git diff tests/data/golden` and commit them with it.
# Cycles between the library's files (tests/depgraph.py): header includes, and calls between modules beyond
# the known ones of tests/data/known_cycles.txt (make test runs the same check, tests/e2e_cycles.sh).
.PHONY: cycles
cycles: $(BUILD)/librectic.a
	RECTIC_BUILD=$(BUILD) ./tests/e2e_cycles.sh

.PHONY: golden
golden: $(BUILD)/rectic
	RECTIC_UPDATE_GOLDEN=1 RECTIC_BUILD=$(BUILD) ./tests/e2e_golden.sh

asan:
	$(MAKE) test BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

bench: all
	./bench/run.sh $(BUILD)

# MPI scaling on this machine (1 -> 2 ranks) and the model projecting it to 64 and 1024 ranks: bench/results_mpi.md
bench-mpi: all
	sh bench/mpi.sh $(BUILD)

# What each MPI rank reads of the weight files, the one-pass COO read: bench/results_mpi_io.md
bench-mpi-io: all
	sh bench/mpi_io.sh $(BUILD)

# The CUDA backend on a GPU: builds the folder a GPU machine needs (.device/rectic-gpu.tar.gz: static
# binaries, templates, reference cases; tests/gpu/prepare.sh) and runs it (tests/gpu/run.sh), which skips
# with a message where no CUDA device is found.  On a GPU machine without a toolchain: sh tests/gpu/run.sh.
.PHONY: check-gpu bench-gpu
check-gpu: all
	BUILD='$(BUILD)' sh tests/gpu/prepare.sh
	sh tests/gpu/run.sh check

bench-gpu: all
	BUILD='$(BUILD)' sh tests/gpu/prepare.sh
	sh tests/gpu/run.sh bench

clean:
	rm -rf build build-asan build-install

# ---------------------------------------------------------------- installation
#
#   make install [PREFIX=/usr/local] [DESTDIR=/staging/dir]    make uninstall (the same PREFIX and DESTDIR)
#
# Files go to $(DESTDIR)$(PREFIX)/..., while the paths compiled in are $(PREFIX)/... (packagers stage with
# DESTDIR).  The installed library and binary are compiled apart, in $(INSTALL_BUILD), with the installed
# templates directory in place of this checkout's templates/: an installed rectic never looks into the
# source tree, which may be gone.  A build made as a user can be installed as root:
#   make install-build PREFIX=/opt/rectic && sudo make install PREFIX=/opt/rectic
DESTDIR       ?=
INSTALL       ?= install
INSTALL_BUILD ?= build-install
bindir        ?= $(PREFIX)/bin
libdir        ?= $(PREFIX)/lib
includedir    ?= $(PREFIX)/include
pkgconfigdir  ?= $(libdir)/pkgconfig
mandir        ?= $(PREFIX)/share/man
man1dir       ?= $(mandir)/man1
# fixed: the library looks for its templates here (RECTIC_INSTALL_TEMPLATES) and, relocated, in
# <exe dir>/../share/rectic/templates
rectic_templatedir = $(PREFIX)/share/rectic/templates
RECTIC_PC_VERSION := $(shell sed -n 's/^\#define RECTIC_VERSION "\(.*\)"/\1/p' include/rectic.h)
RECTIC_PC_CFLAGS  := $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
# what decides the compiled objects of $(INSTALL_BUILD) (kept in its .install-key): when it changes, the
# directory is emptied and rebuilt
INSTALL_BUILD_KEY = $(PREFIX)|$(CC)|$(OPT)|$(CFLAGS)|$(LDFLAGS)

.PHONY: install-build
install-build:
	@d='$(INSTALL_BUILD)'; key='$(INSTALL_BUILD_KEY)'; \
	if [ -f "$$d/.install-key" ]; then [ "$$(cat "$$d/.install-key")" = "$$key" ] || rm -rf "$$d"; \
	elif [ -n "$$(ls -A "$$d" 2>/dev/null)" ]; then \
	  echo "$$d is not an install build directory (no .install-key): set INSTALL_BUILD to another one" >&2; exit 1; fi; \
	mkdir -p "$$d" && echo "$$key" > "$$d/.install-key"
	@$(MAKE) --no-print-directory BUILD='$(INSTALL_BUILD)' PREFIX='$(PREFIX)' SANFLAGS= \
	  BUILTIN_TEMPLATES='$(rectic_templatedir)' '$(INSTALL_BUILD)/librectic.a' '$(INSTALL_BUILD)/rectic'
	@sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(libdir)|g' -e 's|@INCLUDEDIR@|$(includedir)|g' \
	  -e 's|@TEMPLATEDIR@|$(rectic_templatedir)|g' -e 's|@VERSION@|$(RECTIC_PC_VERSION)|g' \
	  -e 's|@CFLAGS@|$(strip $(RECTIC_PC_CFLAGS))|g' -e 's|@LIBS@|$(strip $(LIBS))|g' \
	  rectic.pc.in > '$(INSTALL_BUILD)/rectic.pc'

install: install-build
	$(INSTALL) -d '$(DESTDIR)$(bindir)' '$(DESTDIR)$(libdir)' '$(DESTDIR)$(includedir)' \
	  '$(DESTDIR)$(pkgconfigdir)' '$(DESTDIR)$(man1dir)' '$(DESTDIR)$(rectic_templatedir)'
	$(INSTALL) -m 755 '$(INSTALL_BUILD)/rectic' '$(DESTDIR)$(bindir)/rectic'
	$(INSTALL) -m 644 '$(INSTALL_BUILD)/librectic.a' '$(DESTDIR)$(libdir)/librectic.a'
	$(INSTALL) -m 644 include/rectic.h '$(DESTDIR)$(includedir)/rectic.h'
	$(INSTALL) -m 644 '$(INSTALL_BUILD)/rectic.pc' '$(DESTDIR)$(pkgconfigdir)/rectic.pc'
	$(INSTALL) -m 644 docs/rectic.1 '$(DESTDIR)$(man1dir)/rectic.1'
	find templates -type f | sed 's|^templates/||' | while IFS= read -r f; do \
	  $(INSTALL) -D -m 644 "templates/$$f" '$(DESTDIR)$(rectic_templatedir)'"/$$f" || exit 1; done

# Removes the files install puts there (the templates: those of this checkout's templates/), then the
# directories under share/rectic that this leaves empty; anything else found there is kept.
uninstall:
	rm -f '$(DESTDIR)$(bindir)/rectic' '$(DESTDIR)$(libdir)/librectic.a' '$(DESTDIR)$(includedir)/rectic.h' \
	  '$(DESTDIR)$(pkgconfigdir)/rectic.pc' '$(DESTDIR)$(man1dir)/rectic.1'
	find templates -type f | sed 's|^templates/||' | while IFS= read -r f; do \
	  rm -f '$(DESTDIR)$(rectic_templatedir)'"/$$f" || exit 1; done
	if [ -d '$(DESTDIR)$(rectic_templatedir)' ]; then \
	  find '$(DESTDIR)$(rectic_templatedir)' -depth -type d -empty -delete; fi
	rmdir '$(DESTDIR)$(PREFIX)/share/rectic' 2>/dev/null || true

# ---------------------------------------------------------------- fuzzing and valgrind (tests/fuzz/)
#
#   make fuzz [FUZZ_SECONDS=60]  build the libFuzzer harnesses with clang (ASan + UBSan) into build-fuzz/,
#                                replay tests/fuzz/regressions/, then fuzz each harness FUZZ_SECONDS
#   make fuzz-ci                 the same with 30 s per harness (CI)
#   make valgrind                the rectic command end to end under valgrind memcheck (TinyCC backend)
# Needs clang, libclang-rt-14-dev (or the runtime of Debian's clang) and valgrind.
.PHONY: fuzz fuzz-ci valgrind
fuzz:
	FUZZ_SECONDS='$(FUZZ_SECONDS)' TCC_LIBDIR='$(TCC_LIBDIR)' LIBS='$(LIBS)' \
	  ./tests/fuzz/fuzz.sh run

fuzz-ci:
	TCC_LIBDIR='$(TCC_LIBDIR)' LIBS='$(LIBS)' ./tests/fuzz/fuzz.sh ci

valgrind: all
	./tests/fuzz/valgrind.sh '$(BUILD)'

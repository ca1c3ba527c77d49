# rectic -- build, test, benchmark.
#
#   make            build build/librectic.a and build/rectic
#   make deps       install the Debian packages rectic needs (as root, or with sudo)
#   make demo       deps + build + run the seed QIF example (examples/qif_network.c and the CLI)
#   make test       build and run the whole test suite (Check unit tests + end-to-end tests)
#   make asan       the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmarks (bench/)

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2 -g
PREFIX  ?= /usr/local
SANFLAGS ?=

DEB_PACKAGES = build-essential libyaml-dev libtcc-dev tcc libopenblas-dev check pkg-config python3-numpy file gnuplot-nox

BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
YAML_LIBS   := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)
TCC_LIBDIR  ?= $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/tcc /usr/lib/aarch64-linux-gnu/tcc /usr/local/lib/tcc /usr/lib/tcc))

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CPPFLAGS_ALL = -D_GNU_SOURCE -Iinclude -Icommon -Igenerator -Iruntime $(BLAS_CFLAGS) \
	-DRECTIC_BUILTIN_TEMPLATES='"$(CURDIR)/templates"' -DRECTIC_TCC_LIBDIR='"$(TCC_LIBDIR)"' \
	-DRECTIC_INSTALL_TEMPLATES='"$(PREFIX)/share/rectic/templates"'
CFLAGS_ALL = -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(CPPFLAGS_ALL) $(CFLAGS)
LIBS    = -ltcc $(BLAS_LIBS) $(YAML_LIBS) -ldl -lpthread -lm
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)

LIB_SRC  = $(wildcard common/*.c generator/*.c runtime/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/sim_main_text.o
TEST_SRC = $(wildcard tests/check_*.c)
TEST_BIN = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
EXAMPLE_SRC = $(wildcard examples/*.c)
EXAMPLE_BIN = $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)

.PHONY: all deps demo test check unit e2e asan bench clean install uninstall
all: $(BUILD)/librectic.a $(BUILD)/rectic $(EXAMPLE_BIN)

$(BUILD)/%.o: %.c $(wildcard include/*.h common/*.h generator/*.h runtime/*.h cli/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

# the standalone runtime, embedded as a string for `rectic emit --standalone`
$(BUILD)/gen/sim_main_text.c: generator/standalone/sim_main.c
	@mkdir -p $(dir $@)
	@{ echo '/* generated from generator/standalone/sim_main.c by the Makefile */'; \
	   echo 'const char rct_sim_main_text[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

$(BUILD)/gen/sim_main_text.o: $(BUILD)/gen/sim_main_text.c
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -Wno-overlength-strings -c $< -o $@

$(BUILD)/librectic.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(BUILD)/rectic: $(BUILD)/cli/rectic.o $(BUILD)/cli/plot.o $(BUILD)/librectic.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/examples/%: examples/%.c $(BUILD)/librectic.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/librectic.a $(LDFLAGS_ALL) $(LIBS)

$(BUILD)/tests/%: tests/%.c tests/testutil.h $(BUILD)/librectic.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Itests -o $@ $< $(BUILD)/librectic.a $(LDFLAGS_ALL) $(LIBS) $(CHECK_LIBS)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing; \
	fi

demo: deps all
	./examples/run_demo.sh $(BUILD)

# The whole suite: unit tests (Check) then end-to-end tests of the rectic command.
test: deps all $(TEST_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; RECTIC_BUILD=$(BUILD) $$t; done
	@set -e; for t in tests/e2e*.sh; do echo "== $$t"; RECTIC_BUILD=$(BUILD) $$t; done
check: test

asan:
	$(MAKE) test BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

bench: all
	./bench/run.sh $(BUILD)

clean:
	rm -rf build build-asan

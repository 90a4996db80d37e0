# Makefile -- tlsdiag.  Plain GNU make with pkg-config; C11.
#
#   make            build ./tlsdiag
#   make demo       install missing Debian packages (as root), build, run on a capture
#   make check      the same set-up, then the whole test suite
#   make asan       build ./tlsdiag-asan (ASan+UBSan) and run the suite with it
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config

PKGS      := libpcap wolfssl libmicrohttpd
CPPFLAGS  += -Iinclude -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -pthread
CSTD      := -std=c11
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT       ?= -O2 -g
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -pthread
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

SRCS     := $(sort $(wildcard src/*.c))
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
HDRS     := $(wildcard include/tlsdiag/*.h include/tlsdiag/*.def)
TESTS    := $(patsubst tests/%.c,%,$(sort $(wildcard tests/check_*.c)))

OBJ      := build/obj
AOBJ     := build/asan
LIB_OBJS  := $(patsubst src/%.c,$(OBJ)/%.o,$(LIB_SRCS))
ALIB_OBJS := $(patsubst src/%.c,$(AOBJ)/%.o,$(LIB_SRCS))
TEST_BINS  := $(patsubst %,build/tests/%,$(TESTS))
ATEST_BINS := $(patsubst %,build/tests-asan/%,$(TESTS))

.PHONY: all deps deps-test demo check asan valgrind install clean bench bench-keylog fmt

all: tlsdiag

deps:
	@sh tests/deps.sh build

deps-test:
	@sh tests/deps.sh test

$(OBJ)/%.o: src/%.c $(HDRS) | $(OBJ)
	@echo "  CC      $<"
	@$(CC) $(CSTD) $(WARN) $(OPT) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(AOBJ)/%.o: src/%.c $(HDRS) | $(AOBJ)
	@echo "  CC-ASAN $<"
	@$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(OBJ) $(AOBJ) build/tests build/tests-asan:
	@mkdir -p $@

tlsdiag: $(LIB_OBJS) $(OBJ)/main.o
	$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

tlsdiag-asan: $(ALIB_OBJS) $(AOBJ)/main.o
	$(CC) -g $(SAN) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/tests/%: tests/%.c tests/testutil.h $(wildcard tests/fixtures/*.h) $(LIB_OBJS) $(HDRS) | build/tests
	@echo "  TEST    $@"
	@$(CC) $(CSTD) $(WARN) $(OPT) $(CPPFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -Itests -o $@ $< $(LIB_OBJS) $(PKG_LIBS) $(CHECK_LIBS)

build/tests-asan/%: tests/%.c tests/testutil.h $(wildcard tests/fixtures/*.h) $(ALIB_OBJS) $(HDRS) | build/tests-asan
	@echo "  TEST    $@"
	@$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) $(CPPFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -Itests -o $@ $< $(ALIB_OBJS) $(PKG_LIBS) $(CHECK_LIBS)

# The whole suite: unit tests (Check, one suite per module), then the
# end-to-end tests on captures/.  tests/run.sh prints the closing tally.
check: deps-test
	@$(MAKE) --no-print-directory tlsdiag $(TEST_BINS)
	@sh tests/run.sh ./tlsdiag build/tests

asan: deps-test
	@$(MAKE) --no-print-directory tlsdiag-asan $(ATEST_BINS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		sh tests/run.sh ./tlsdiag-asan build/tests-asan

# The end-to-end tests with the binary under valgrind; any error or leak
# fails the run (exit 99 is valgrind's, not tlsdiag's).
VALGRIND = valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
valgrind: deps-test
	@$(MAKE) --no-print-directory tlsdiag
	@sh tests/run.sh "$(VALGRIND) ./tlsdiag" none

# The demo capture's failures, judged against the test PKI it was made with.
demo: deps
	@$(MAKE) --no-print-directory tlsdiag
	./tlsdiag -r captures/demo.pcap --ca-file captures/pki/trust.pem

bench: tlsdiag
	@sh tests/bench/run.sh

# Handshakes per second with and without --keylog (records as root once).
bench-keylog: tlsdiag
	@bash tests/bench/keylog.sh

install: tlsdiag
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 tlsdiag $(DESTDIR)$(PREFIX)/bin/tlsdiag
	install -m 0644 man/tlsdiag.1 $(DESTDIR)$(PREFIX)/share/man/man1/tlsdiag.1
	sed 's|/usr/local/bin/tlsdiag|$(PREFIX)/bin/tlsdiag|' 'src/tlsdiag@.service' \
		> '$(DESTDIR)$(PREFIX)/lib/systemd/system/tlsdiag@.service'

clean:
	rm -rf build tlsdiag tlsdiag-asan tests/out fuzz/build

fmt:
	clang-format -i src/*.c include/tlsdiag/*.h tests/*.c

# libFuzzer targets: make fuzz, make fuzz-smoke (fuzz/README.md).
include fuzz/fuzz.mk

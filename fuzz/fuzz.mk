# fuzz/fuzz.mk -- libFuzzer targets, their seed corpora and the CI smoke run.
#
# Included from the Makefile (`include fuzz/fuzz.mk`); self-contained, so it
# works whichever of the two GNU make reads first.
#
#   make fuzz                     fuzz/build/fuzz_{tls_stream,pcap,decode,x509,
#                                 tlsdec}
#   make fuzz-seeds               seed corpora from captures/ (fuzz/seeds.sh)
#   make fuzz-smoke               each target FUZZ_SECONDS (60) on its seeds;
#                                 any crash, leak or timeout fails the run
#   make check-regress            replay tests/regress/ (also part of
#                                 `make check`: tests/check_regress.c)
#
# The library is compiled again with -fsanitize=fuzzer-no-link into
# fuzz/build/obj, so coverage reaches every module; main.c is left out.
# Everything is built with clang: libFuzzer is clang's.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_B       := fuzz/build
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -O1 -gline-tables-only \
		-Iinclude -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
		$(shell pkg-config --cflags libpcap wolfssl libmicrohttpd 2>/dev/null)
FUZZ_LIBS    := $(shell pkg-config --libs libpcap wolfssl libmicrohttpd 2>/dev/null)
FUZZ_NAMES   := tls_stream pcap decode x509 tlsdec
FUZZ_BINS    := $(patsubst %,$(FUZZ_B)/fuzz_%,$(FUZZ_NAMES))
FUZZ_LIB_SRC := $(filter-out src/main.c,$(sort $(wildcard src/*.c)))
FUZZ_LIB_OBJ := $(patsubst src/%.c,$(FUZZ_B)/obj/%.o,$(FUZZ_LIB_SRC))
FUZZ_HDRS    := $(wildcard include/tlsdiag/*.h include/tlsdiag/*.def)

.PHONY: fuzz fuzz-seeds fuzz-smoke check-regress

fuzz: $(FUZZ_BINS)

$(FUZZ_B)/obj/%.o: src/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		-c $< -o $@

# An archive, so that each target links only the modules it reaches.
$(FUZZ_B)/libtlsdiag.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJ)

$(FUZZ_B)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_B)/libtlsdiag.a $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer \
		-o $@ $< $(FUZZ_B)/libtlsdiag.a $(FUZZ_LIBS)

# The objects are not intermediate files to delete after a link.
.SECONDARY: $(FUZZ_LIB_OBJ)

# Seed corpora: regenerated when the captures or the script change.
$(FUZZ_B)/corpus/.stamp: fuzz/seeds.sh $(wildcard captures/*.pcap) \
	$(wildcard captures/pki/*)
	@sh fuzz/seeds.sh $(FUZZ_B)/corpus
	@touch $@

fuzz-seeds: $(FUZZ_B)/corpus/.stamp

# Each target runs on a scratch copy of its seeds (new inputs found are not
# kept between runs; long campaigns use their own corpus directory, see
# fuzz/README.md).  libFuzzer exits non-zero on a crash, a leak (ASan's
# LeakSanitizer), a timeout (-timeout) or an RSS over -rss_limit_mb; the
# summary line is taken from its final stats (stat::number_of_executed_units,
# stat::average_exec_per_sec) and its last "cov: ... ft: ..." status line.
fuzz-smoke: $(FUZZ_BINS) $(FUZZ_B)/corpus/.stamp
	@sh fuzz/smoke.sh $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_NAMES)

check-regress: build/tests/check_regress
	@./build/tests/check_regress

# The replay suite compiles the targets' sources in: rebuild it when they
# change (the pattern rules of the Makefile only know tests/%.c).
build/tests/check_regress build/tests-asan/check_regress: \
	$(wildcard fuzz/fuzz_*.c)

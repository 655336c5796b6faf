# revisit - one Makefile, output in build/ (or $(B)), one binary per stage.
#
#   make            build every stage into build/bin/
#   make test       install missing packages, run unit + end-to-end tests,
#                   then the same suite built with ASan + UBSan, then each
#                   fuzzer for 30 s
#   make fuzz       each libFuzzer harness for FUZZ_TIME seconds (300)
#   make bench      benchmarks against zcat, igzip and GoAccess
#   make demo       the main job on generated sample data
#   make install PREFIX=/usr/local [DESTDIR=...]

CFLAGS   ?= -O2 -g
override CFLAGS   += -std=c11 -Wall -Wextra -Werror -pipe -pthread
override CPPFLAGS += -Iinclude -Istages/lib -D_POSIX_C_SOURCE=200809L \
		     -D_DEFAULT_SOURCE -MMD -MP
PKGS     := libarchive zlib msgpack libpcre2-8 libxxhash libisal libcrypto
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -larchive -lz -lmsgpackc -lpcre2-8 -lxxhash -lisal -lcrypto) -lm
PREFIX   ?= /usr/local
B        ?= build
# Quiet by default; `make V=1` shows the commands.
Q        := $(if $(V),,@)

STAGES := $(filter-out lib,$(patsubst stages/%/,%,$(wildcard stages/*/)))
DATA   := $(wildcard data/*.txt data/*.conf)
LIBOBJ := $(patsubst %.c,$(B)/%.o,$(wildcard stages/lib/*.c)) \
	  $(patsubst data/%,$(B)/gen/%.o,$(DATA))
LIB    := $(B)/lib/librevisit.a
BINS   := $(STAGES:%=$(B)/bin/revisit-%) $(B)/bin/revisit-gen-logs
TESTS  := $(patsubst tests/%_test.c,$(B)/bin/test-%,$(wildcard tests/*_test.c))
MANS   := $(wildcard man/*.1)

all: $(BINS)

define stage
$(1)_obj := $$(patsubst %.c,$(B)/%.o,$$(wildcard stages/$(1)/*.c))
OBJ += $$($(1)_obj)
$(B)/bin/revisit-$(1): $$($(1)_obj) $(LIB)
$(B)/bin/test-$(1): $(B)/tests/$(1)_test.o $$(filter-out %/main.o,$$($(1)_obj)) $(LIB)
endef
$(foreach s,$(STAGES),$(eval $(call stage,$(s))))
$(B)/bin/test-lib: $(B)/tests/lib_test.o $(LIB)

# libFuzzer harnesses (tests/fuzz/STAGE-what.c): each links the objects of
# the stage its name starts with, as a test does; replay/NAME is the same
# harness with a main that runs it over files (make check: its seeds and
# regressions).
FUZZERS := $(filter-out replay,$(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c)))
REPLAYS := $(FUZZERS:%=$(B)/replay/%)
define fuzzer
$(1)_fuzzobj := $(B)/tests/fuzz/$(1).o $$(filter-out %/main.o,$$($(firstword $(subst -, ,$(1)))_obj)) $(LIB)
$(B)/fuzz/$(1): $$($(1)_fuzzobj)
$(B)/replay/$(1): $(B)/tests/fuzz/replay.o $$($(1)_fuzzobj)
OBJ += $(B)/tests/fuzz/$(1).o
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzzer,$(f))))
$(B)/tests/fuzz/%.o: CPPFLAGS += -Istages/$(firstword $(subst -, ,$(notdir $*))) -Itests/fuzz \
	-D_GNU_SOURCE
$(B)/fuzz/%:
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
fuzzers: $(FUZZERS:%=$(B)/fuzz/%)
$(B)/replay/%:
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/bin/revisit-gen-logs: $(B)/scripts/gen-logs.o $(LIB)
OBJ += $(TESTS:$(B)/bin/test-%=$(B)/tests/%_test.o) $(B)/scripts/gen-logs.o

$(B)/bin/test-%: LDLIBS += $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)
$(B)/tests/%_test.o: CPPFLAGS += -Istages/$(notdir $(*:_test=)) -DTEST_DATA='"tests/data"' \
	-DSHARED_DATA='"../shared/data"'

$(B)/bin/%:
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(LIBOBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Data files are compiled in, so a stage needs no install path to find its
# defaults; each file becomes a const char array named revisit_data_<stem>.
$(B)/gen/%.c: data/% scripts/embed
	@mkdir -p $(@D)
	$(Q)sh scripts/embed $< > $@
$(B)/gen/%.o: $(B)/gen/%.c
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

check: all $(TESTS) $(REPLAYS)
	@for t in $(TESTS); do echo "== $$t"; $$t --short-filename || exit 1; done
	sh tests/fuzz/replay.sh $(B)/replay
	sh tests/stages.sh $(B)/bin

deps:
	@sh scripts/install-deps test

# The sanitizer pass fails on any report, also one from a process whose
# exit status nobody looks at (a Criterion worker, a stage in a pipe).
SAN := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
test: deps
	$(MAKE) check
	@mkdir -p build/san
	@{ ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(MAKE) B=build/san CFLAGS="$(SAN)" LDFLAGS="-fsanitize=address,undefined" \
	    check 2>&1; echo $$? >build/san/status; } | tee build/san/test.log
	@test "$$(cat build/san/status)" = 0
	@! grep -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:' build/san/test.log || \
	    { echo "make test: sanitizer reports above" >&2; exit 1; }
	$(MAKE) fuzz FUZZ_TIME=$(FUZZ_TEST_TIME)

# Fuzzing (tests/fuzz/README.md): every harness for FUZZ_TIME seconds,
# built by clang with ASan + UBSan into build/fuzz; the corpus grows in
# build/fuzz/corpus, crashes are kept in build/fuzz/crashes.
FUZZ_TIME ?= 300
# Each harness's time in make test.
FUZZ_TEST_TIME ?= 30
# Small read buffers (REVISIT_FUZZ_BUFFERS): records, lines and gzip
# members cross many reads, and no input costs a fresh mmap of a MiB.
FUZZ_SAN  := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	     -fno-sanitize-recover=all -fno-omit-frame-pointer \
	     -DREVISIT_FUZZ_BUFFERS
fuzz:
	@sh scripts/install-deps fuzz
	$(MAKE) all
	$(MAKE) B=build/fuzz CC=clang CFLAGS="$(FUZZ_SAN)" \
	    LDFLAGS="-fsanitize=address,undefined" fuzzers
	sh scripts/fuzz build/fuzz $(FUZZ_TIME)

bench:
	@sh scripts/install-deps bench
	$(MAKE) all
	sh scripts/bench $(B)/bin

demo:
	@sh scripts/install-deps demo
	$(MAKE) all
	sh scripts/demo $(B)/bin

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/revisit
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(DATA) data/LICENSES.md scripts/nightly.example.conf \
	    $(DESTDIR)$(PREFIX)/share/revisit
	install -m 755 scripts/nightly scripts/nightly-step $(DESTDIR)$(PREFIX)/share/revisit
	install -d $(DESTDIR)$(PREFIX)/share/revisit/slurm
	install -m 755 scripts/slurm/submit $(DESTDIR)$(PREFIX)/share/revisit/slurm
	install -m 644 scripts/nightly-lib.sh $(DESTDIR)$(PREFIX)/share/revisit
	ln -sf ../share/revisit/nightly $(DESTDIR)$(PREFIX)/bin/revisit-nightly

clean:
	rm -rf build

.PHONY: all check deps test fuzz fuzzers bench demo install clean
.SECONDARY:
-include $(OBJ:.o=.d) $(LIBOBJ:.o=.d)

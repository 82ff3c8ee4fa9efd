# Makefile for alphawrite.  Non-recursive; objects in build/.
#
#   make                 build ./alphawrite
#   make check           unit + end-to-end tests; last line "N passed, N failed"
#   make check SANITIZE=1   the same, built with AddressSanitizer + UBSan
#   make valgrind-check  end-to-end tests with the binary under valgrind
#   make demo            a small evolve run against the simulated endpoint
#   make bench           figures: calls, wall time vs bound, CPU, memory
#   make bench-distance  the text distances of src/diversity.c on real stories
#   make fuzz            libFuzzer on every parser of outside data (FUZZ_SECONDS each)
#   make report-check    end-to-end tests of report and show (headless Chromium, tmux)
#   make install PREFIX=/usr/local   binary, prompts/, rubrics/, man page, completion
#   make V=1             show full commands

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/alphawrite
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

CC      ?= cc
CFLAGS  ?= -O2 -g
PKGS     = libcurl libcjson zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcurl -lcjson -lz)

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wold-style-definition -Wwrite-strings -Wvla -Wformat=2 \
       -Werror=implicit-function-declaration
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif

SAN =
ifeq ($(SANITIZE),1)
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

ALL_CPPFLAGS = -Iinclude -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	       -DAW_DATADIR='"$(DATADIR)"' $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = -std=c11 $(WARN) $(SAN) $(CFLAGS) -MMD -MP
ALL_LDFLAGS  = $(SAN) $(LDFLAGS)
LIBS         = $(PKG_LIBS) -lm

ifeq ($(V),1)
Q =
else
Q = @
endif

SRC   = $(wildcard src/*.c)
OBJ   = $(SRC:src/%.c=build/%.o)
LIBOBJ = $(filter-out build/main.o,$(OBJ))
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_OBJ = $(UNIT_SRC:tests/unit/%.c=build/unit/%.o)

all: alphawrite

# The man page and the bash completion, from the binary's option tables.
alphawrite.1: alphawrite
	$(Q)./alphawrite help --man > $@.tmp && mv $@.tmp $@
alphawrite.bash: alphawrite
	$(Q)./alphawrite help --completion > $@.tmp && mv $@.tmp $@

alphawrite: $(OBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ) $(LIBS)

build/%.o: src/%.c | build
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

build/unit/%.o: tests/unit/%.c | build/unit
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

build/bench/%.o: tests/bench/%.c | build/bench
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

tests/unit/test-unit: $(UNIT_OBJ) $(LIBOBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -Wl,--wrap=llm_ask -o $@ $(UNIT_OBJ) $(LIBOBJ) $(LIBS) -lcmocka

build build/unit build/bench:
	$(Q)mkdir -p $@

# Rebuild everything when the build flavour changes: SANITIZE=1 or not, the
# flags, or the DATADIR compiled in (`make install PREFIX=...` after `make`).
FLAVOUR := $(SANITIZE)$(CFLAGS)$(DATADIR)
build/.flavour: FORCE | build
	$(Q)echo '$(FLAVOUR)' | cmp -s - $@ || echo '$(FLAVOUR)' > $@
$(OBJ) $(UNIT_OBJ) build/bench/distance.o: build/.flavour

check: alphawrite tests/unit/test-unit
	$(Q)sh tests/run.sh

valgrind-check: alphawrite tests/unit/test-unit
	$(Q)AW_VALGRIND=1 sh tests/run.sh

demo: alphawrite
	$(Q)sh examples/demo.sh

report-check: alphawrite
	$(Q)python3 tests/e2e_report.py --all

bench: alphawrite
	$(Q)python3 tests/bench.py

# Two text distances measured on the reference implementation's published
# stories: the table behind diversity_distance() (about 30 s of CPU).
REFERENCE_RUNS ?= /work/shared/data/reference-runs
tests/bench/distance: build/bench/distance.o $(LIBOBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ build/bench/distance.o $(LIBOBJ) $(LIBS)

bench-distance: tests/bench/distance
	$(Q)tests/bench/distance $(wildcard $(REFERENCE_RUNS)/*/)

FUZZ_SECONDS ?= 30
fuzz:
	$(Q)sh tests/fuzz/run.sh $(FUZZ_SECONDS)

install: alphawrite alphawrite.1 alphawrite.bash
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/prompts $(DESTDIR)$(DATADIR)/rubrics
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 alphawrite.1 $(DESTDIR)$(MANDIR)/man1/alphawrite.1
	install -m 644 alphawrite.bash $(DESTDIR)$(BASHCOMPDIR)/alphawrite
	install -m 755 alphawrite $(DESTDIR)$(BINDIR)/alphawrite
	install -m 644 prompts/*.txt $(DESTDIR)$(DATADIR)/prompts/
	install -m 644 rubrics/*.txt $(DESTDIR)$(DATADIR)/rubrics/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/alphawrite $(DESTDIR)$(MANDIR)/man1/alphawrite.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/alphawrite
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build alphawrite tests/unit/test-unit tests/bench/distance alphawrite.1 alphawrite.bash

.PHONY: all check valgrind-check report-check demo bench bench-distance fuzz install uninstall clean FORCE

-include $(OBJ:.o=.d) $(UNIT_OBJ:.o=.d) build/bench/distance.d

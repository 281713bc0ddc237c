# SPDX-License-Identifier: BSD-3-Clause
# The benchmark (issue 10).  `make bench` builds what it needs, runs every
# measurement and writes the results into BENCHMARKS.md; a quick run of it is
# part of `make check` so that it cannot rot.  Neither installs anything.

# The "null" backend: answers at once, so the modules over it show their own cost.
check_LTLIBRARIES += bench/null-p11.la
bench_null_p11_la_SOURCES = bench/null-p11.c
bench_null_p11_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined -rpath /nowhere \
	-export-symbols-regex '^C_GetFunctionList$$'

BENCH_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/support \
	-DBENCH_BUILDDIR=\"$(abs_top_builddir)\" \
	-DBENCH_SRCDIR=\"$(abs_top_srcdir)\" \
	-DBENCH_SOFTHSM2_MODULE=\"$(SOFTHSM2_MODULE)\" \
	-DBENCH_P11KIT_CONFIGS=\"$(P11_MODULE_CONFIGS)\" \
	-DBENCH_LIBDIR=\"$(P11_MODULE_PATH)/..\"
BENCH_COMMON_SOURCES = \
	bench/bench.h \
	bench/bench-util.c \
	bench/bench-modules.c \
	bench/bench-token.c \
	tests/support/rmtree.c tests/support/rmtree.h \
	$(NULL)

check_PROGRAMS += bench/hkpost-p11-bench
bench_hkpost_p11_bench_SOURCES = \
	bench/bench.c \
	bench/bench-measure.c \
	bench/bench-certs.c \
	$(BENCH_COMMON_SOURCES)
bench_hkpost_p11_bench_CPPFLAGS = $(BENCH_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
bench_hkpost_p11_bench_LDADD = $(LIBCRYPTO_LIBS)

# Peak memory, measured in a fresh process per module; without OpenSSL, so
# that a module which loads it pays for it.
check_PROGRAMS += bench/hkpost-p11-bench-rss
bench_hkpost_p11_bench_rss_SOURCES = bench/bench-rss.c $(BENCH_COMMON_SOURCES)
bench_hkpost_p11_bench_rss_CPPFLAGS = $(BENCH_CPPFLAGS)

EXTRA_DIST += \
	bench/conf/off.conf bench/conf/defaults.conf bench/conf/audit-calls.conf \
	BENCHMARKS.md

TESTS += bench/test-bench-smoke.sh
dist_check_SCRIPTS += bench/test-bench-smoke.sh

# Where `make bench` writes its tables (between markers; the rest is kept).
BENCH_OUTPUT = $(srcdir)/BENCHMARKS.md
BENCH_FLAGS =

.PHONY: bench
bench: module/hkpost-p11.la bench/null-p11.la bench/hkpost-p11-bench$(EXEEXT) \
		bench/hkpost-p11-bench-rss$(EXEEXT)
	bench/hkpost-p11-bench$(EXEEXT) --write $(BENCH_OUTPUT) \
		--revision "$$(cd $(srcdir) && git describe --always --dirty 2>/dev/null || echo $(VERSION))" \
		$(BENCH_FLAGS)

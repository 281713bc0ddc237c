# SPDX-License-Identifier: BSD-3-Clause
# Fuzzing (issue 9): libFuzzer targets for the settings parser, the lockout
# state-file reader, audit escaping and formatting (and the verifier), and
# attribute templates through every layer over the mock.  (fuzz-ecert, for
# e-Cert recognition and labels, is in tests/labels.mk.)
#
# With any compiler, `make check` runs each target over its committed seeds
# (tests/fuzz/corpus/NAME) through tests/fuzz/fuzz-driver.c.  Configured with
# --enable-fuzzing CC=clang, the libFuzzer binaries are built too, and
#   make fuzz FUZZ_SECONDS=600 FUZZ_JOBS=2
# runs every target (fuzz-ecert included) for that long, new inputs kept
# in tests/tmp/fuzz/NAME, and prints executions and coverage per target.

FUZZ_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) -I$(top_srcdir)/tests/mock \
	-DFUZZ_MOCK=\"$(abs_top_builddir)/tests/mock/.libs/mock-p11.$(SHLEXT)\"
FUZZ_LIBS = $(LIBCRYPTO_LIBS) $(SYSTEMD_LIBS) -lpthread

# The targets that need the layers link the module's library.
FUZZ_MODULE_LIBS = $(HKP11_MODULE_LIBS) $(FUZZ_LIBS)

FUZZ_SEEDS = \
	tests/fuzz/fuzz-conf-seeds \
	tests/fuzz/fuzz-state-seeds \
	tests/fuzz/fuzz-audit-seeds \
	tests/fuzz/fuzz-template-seeds \
	$(NULL)
TESTS += $(FUZZ_SEEDS)
check_PROGRAMS += $(FUZZ_SEEDS)
EXTRA_DIST += tests/fuzz/corpus/conf tests/fuzz/corpus/state tests/fuzz/corpus/audit \
	tests/fuzz/corpus/template
dist_check_SCRIPTS += tests/fuzz/run-fuzz.sh
EXTRA_DIST += tests/fuzz/make-seeds.py

tests_fuzz_fuzz_conf_seeds_SOURCES = tests/fuzz/fuzz-conf.c tests/fuzz/fuzz-driver.c
tests_fuzz_fuzz_conf_seeds_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/conf\"
tests_fuzz_fuzz_conf_seeds_LDADD = $(FUZZ_MODULE_LIBS)

tests_fuzz_fuzz_state_seeds_SOURCES = tests/fuzz/fuzz-state.c tests/fuzz/fuzz-driver.c
tests_fuzz_fuzz_state_seeds_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/state\"
tests_fuzz_fuzz_state_seeds_LDADD = $(HKP11_COMMON_LIBS) $(FUZZ_LIBS)

tests_fuzz_fuzz_audit_seeds_SOURCES = tests/fuzz/fuzz-audit.c tests/fuzz/fuzz-driver.c
tests_fuzz_fuzz_audit_seeds_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/audit\"
tests_fuzz_fuzz_audit_seeds_LDADD = common/libhkp11-audit.la $(HKP11_COMMON_LIBS) \
	$(FUZZ_LIBS)

tests_fuzz_fuzz_template_seeds_SOURCES = tests/fuzz/fuzz-template.c tests/fuzz/fuzz-driver.c
tests_fuzz_fuzz_template_seeds_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/template\"
tests_fuzz_fuzz_template_seeds_LDADD = $(FUZZ_MODULE_LIBS)

if ENABLE_FUZZING
# Everything under test compiled in with coverage, so that libFuzzer sees it.
FUZZ_INSTRUMENT = -fsanitize=fuzzer-no-link,address,undefined
FUZZER_FLAGS = -fsanitize=fuzzer,address,undefined
noinst_LTLIBRARIES += tests/fuzz/libfuzz-instrumented.la
tests_fuzz_libfuzz_instrumented_la_SOURCES = $(module_libhkp11_module_la_SOURCES) \
	$(common_libhkp11_common_la_SOURCES) $(common_libhkp11_paths_la_SOURCES) \
	$(common_libhkp11_audit_la_SOURCES)
tests_fuzz_libfuzz_instrumented_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS) $(SYSTEMD_CFLAGS)
tests_fuzz_libfuzz_instrumented_la_CFLAGS = $(AM_CFLAGS) $(FUZZ_INSTRUMENT)
FUZZ_INSTRUMENTED_LIBS = tests/fuzz/libfuzz-instrumented.la $(FUZZ_LIBS) -ldl

FUZZERS = tests/fuzz/fuzz-conf tests/fuzz/fuzz-state tests/fuzz/fuzz-audit tests/fuzz/fuzz-template
noinst_PROGRAMS += $(FUZZERS)
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c
tests_fuzz_fuzz_conf_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) $(FUZZER_FLAGS)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_FLAGS)
tests_fuzz_fuzz_conf_LDADD = $(FUZZ_INSTRUMENTED_LIBS)
tests_fuzz_fuzz_state_SOURCES = tests/fuzz/fuzz-state.c
tests_fuzz_fuzz_state_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_state_CFLAGS = $(AM_CFLAGS) $(FUZZER_FLAGS)
tests_fuzz_fuzz_state_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_FLAGS)
tests_fuzz_fuzz_state_LDADD = $(FUZZ_INSTRUMENTED_LIBS)
tests_fuzz_fuzz_audit_SOURCES = tests/fuzz/fuzz-audit.c
tests_fuzz_fuzz_audit_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_audit_CFLAGS = $(AM_CFLAGS) $(FUZZER_FLAGS)
tests_fuzz_fuzz_audit_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_FLAGS)
tests_fuzz_fuzz_audit_LDADD = $(FUZZ_INSTRUMENTED_LIBS)
tests_fuzz_fuzz_template_SOURCES = tests/fuzz/fuzz-template.c
tests_fuzz_fuzz_template_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_template_CFLAGS = $(AM_CFLAGS) $(FUZZER_FLAGS)
tests_fuzz_fuzz_template_LDFLAGS = $(AM_LDFLAGS) $(FUZZER_FLAGS)
tests_fuzz_fuzz_template_LDADD = $(FUZZ_INSTRUMENTED_LIBS)

FUZZ_SECONDS = 60
FUZZ_JOBS = 1
fuzz: $(FUZZERS) tests/fuzz/fuzz-ecert tests/mock/mock-p11.la
	$(AM_V_at)FUZZ_MOCK='$(abs_top_builddir)/tests/mock/.libs/mock-p11.$(SHLEXT)' \
		$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz.sh '$(FUZZ_SECONDS)' '$(FUZZ_JOBS)' \
		'$(abs_top_srcdir)/tests/fuzz/corpus' tests/tmp/fuzz ecert conf state audit template
else
fuzz:
	@echo "make fuzz: configure with --enable-fuzzing CC=clang (Debian: clang, libclang-rt-14-dev)" >&2
	@exit 1
endif
.PHONY: fuzz

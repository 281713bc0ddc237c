# SPDX-License-Identifier: BSD-3-Clause
# Friendly labels (issue 6): e-Cert fixtures, unit tests of recognition and
# label building, the layer through the shim over SoftHSM, and real clients.

# The fixtures are generated once per build tree, before the tests run.
LABELS_FIXTURES = tests/fixtures/ecerts/fixtures.txt
check_DATA = $(LABELS_FIXTURES)
$(LABELS_FIXTURES): $(top_srcdir)/tests/fixtures/make-ecerts.sh
	$(AM_V_GEN)$(SHELL) $(top_srcdir)/tests/fixtures/make-ecerts.sh tests/fixtures/ecerts
CLEANFILES += tests/fixtures/ecerts/*
dist_check_SCRIPTS += tests/fixtures/make-ecerts.sh tests/fixtures/load-token.sh

LABELS_TEST_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/tests/fixtures $(CHECK_CFLAGS)
LABELS_TEST_SOURCES = tests/fixtures/fixtures.c tests/fixtures/fixtures.h

TESTS += tests/test-ecert
check_PROGRAMS += tests/test-ecert
tests_test_ecert_SOURCES = tests/test-ecert.c $(LABELS_TEST_SOURCES)
tests_test_ecert_CPPFLAGS = $(LABELS_TEST_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
tests_test_ecert_LDADD = $(HKP11_COMMON_LIBS) $(TEST_LIBS) $(LIBCRYPTO_LIBS)

TESTS += tests/test-labels
check_PROGRAMS += tests/test-labels
tests_test_labels_SOURCES = tests/test-labels.c $(LABELS_TEST_SOURCES)
tests_test_labels_CPPFLAGS = $(LABELS_TEST_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
tests_test_labels_LDADD = $(TEST_LIBS) $(LIBCRYPTO_LIBS) -lpthread

# The lock-free handle map and the epoch reclamation under label reads:
# readers against a writer (most telling under --enable-tsan).
TESTS += tests/test-handle-map
check_PROGRAMS += tests/test-handle-map
tests_test_handle_map_SOURCES = tests/test-handle-map.c
tests_test_handle_map_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_handle_map_LDADD = module/libhkp11-module.la $(HKP11_COMMON_LIBS) $(TEST_LIBS) -lpthread

# Real clients: pkcs11-tool, p11tool, certutil, ssh-keygen.
TESTS += tests/clients/labels.sh
dist_check_SCRIPTS += tests/clients/labels.sh

# The fuzz target's seeds run as an ordinary test with any compiler; with
# clang and --enable-fuzzing the libFuzzer binary is built as well:
#   tests/fuzz/fuzz-ecert -max_total_time=60 $(srcdir)/tests/fuzz/corpus/ecert
TESTS += tests/fuzz/fuzz-ecert-seeds
check_PROGRAMS += tests/fuzz/fuzz-ecert-seeds
tests_fuzz_fuzz_ecert_seeds_SOURCES = tests/fuzz/fuzz-ecert.c tests/fuzz/fuzz-driver.c
tests_fuzz_fuzz_ecert_seeds_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS=\"$(abs_top_srcdir)/tests/fuzz/corpus/ecert\"
tests_fuzz_fuzz_ecert_seeds_LDADD = $(HKP11_COMMON_LIBS) $(LIBCRYPTO_LIBS)
EXTRA_DIST += tests/fuzz/corpus/ecert

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-ecert
# The code under test is compiled in, so that libFuzzer sees its coverage.
tests_fuzz_fuzz_ecert_SOURCES = tests/fuzz/fuzz-ecert.c common/ecert/ecert.c common/base/compat.c \
	common/base/text.c common/base/buffer.c common/base/debug.c common/base/message.c
tests_fuzz_fuzz_ecert_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
tests_fuzz_fuzz_ecert_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_ecert_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_ecert_LDADD = $(LIBCRYPTO_LIBS)
endif

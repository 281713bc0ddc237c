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
tests_test_ecert_LDADD = common/libhkp11-common.la $(TEST_LIBS) $(LIBCRYPTO_LIBS)

TESTS += tests/test-labels
check_PROGRAMS += tests/test-labels
tests_test_labels_SOURCES = tests/test-labels.c $(LABELS_TEST_SOURCES)
tests_test_labels_CPPFLAGS = $(LABELS_TEST_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
tests_test_labels_LDADD = $(TEST_LIBS) $(LIBCRYPTO_LIBS) -lpthread

# Real clients: pkcs11-tool, p11tool, certutil, ssh-keygen.
TESTS += tests/clients/labels.sh
dist_check_SCRIPTS += tests/clients/labels.sh

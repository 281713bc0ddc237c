# SPDX-License-Identifier: BSD-3-Clause
# The mock PKCS#11 backend (a real loadable module, for tests only) and the
# tests of the shim's core that run over it.

check_LTLIBRARIES += tests/mock/mock-p11.la
tests_mock_mock_p11_la_SOURCES = \
	tests/mock/mock.h tests/mock/mock-p11.h tests/mock/p11-each.h \
	tests/mock/mock-p11.c tests/mock/mock-record.c tests/mock/mock-env.c \
	tests/mock/mock-token.c tests/mock/mock-info.c tests/mock/mock-login.c \
	tests/mock/mock-objects.c tests/mock/mock-attributes.c \
	tests/mock/mock-crypto.c tests/mock/mock-cipher.c tests/mock/mock-message.c \
	tests/mock/mock-keygen.c \
	tests/mock/mock-etoken.c \
	$(NULL)
tests_mock_mock_p11_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/mock
# -rpath makes libtool build a shared module although it is never installed.
tests_mock_mock_p11_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined \
	-rpath /nowhere

# The shim's core over the mock, every layer off (tests/test-shim-*.c).
SHIM_TEST_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests/mock
SHIM_TEST_FIXTURE = tests/mock/shim-fixture.c tests/mock/shim-fixture.h

TESTS += tests/test-shim-init
check_PROGRAMS += tests/test-shim-init
tests_test_shim_init_SOURCES = tests/test-shim-init.c $(SHIM_TEST_FIXTURE)
tests_test_shim_init_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_test_shim_init_LDADD = $(TEST_LIBS)

# Hostile pReserved values: the fault-safe copy, and C_Initialize over the mock.
TESTS += tests/test-init-reserved
check_PROGRAMS += tests/test-init-reserved
tests_test_init_reserved_SOURCES = tests/test-init-reserved.c $(SHIM_TEST_FIXTURE)
tests_test_init_reserved_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_test_init_reserved_LDADD = $(HKP11_COMMON_LIBS) $(TEST_LIBS)

TESTS += tests/test-shim-forward
check_PROGRAMS += tests/test-shim-forward
tests_test_shim_forward_SOURCES = tests/test-shim-forward.c $(SHIM_TEST_FIXTURE)
tests_test_shim_forward_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_test_shim_forward_LDADD = $(TEST_LIBS)

TESTS += tests/test-shim-life
check_PROGRAMS += tests/test-shim-life
tests_test_shim_life_SOURCES = tests/test-shim-life.c $(SHIM_TEST_FIXTURE)
tests_test_shim_life_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_test_shim_life_LDADD = $(TEST_LIBS)

TESTS += tests/test-shim-bad
check_PROGRAMS += tests/test-shim-bad
tests_test_shim_bad_SOURCES = tests/test-shim-bad.c $(SHIM_TEST_FIXTURE)
tests_test_shim_bad_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_test_shim_bad_LDADD = $(TEST_LIBS)

# The default SafeNet paths come from the settings (common/settings/core.c).
TESTS += tests/test-shim-nobackend
check_PROGRAMS += tests/test-shim-nobackend
tests_test_shim_nobackend_SOURCES = tests/test-shim-nobackend.c $(SHIM_TEST_FIXTURE)
tests_test_shim_nobackend_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_test_shim_nobackend_LDADD = $(HKP11_COMMON_LIBS) $(TEST_LIBS) $(LIBCRYPTO_LIBS)

TESTS += tests/test-shim-outputs
check_PROGRAMS += tests/test-shim-outputs
tests_test_shim_outputs_SOURCES = tests/test-shim-outputs.c $(SHIM_TEST_FIXTURE)
tests_test_shim_outputs_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_test_shim_outputs_LDADD = $(TEST_LIBS)

# The mock on its own: what the other tests rely on it to do.
TESTS += tests/mock/test-mock
check_PROGRAMS += tests/mock/test-mock
tests_mock_test_mock_SOURCES = tests/mock/test-mock.c
tests_mock_test_mock_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_mock_test_mock_LDADD = $(TEST_LIBS)

# The session registry (module/core/sessions.c) alone over the mock.
TESTS += tests/test-sessions
check_PROGRAMS += tests/test-sessions
tests_test_sessions_SOURCES = tests/test-sessions.c
tests_test_sessions_CPPFLAGS = $(SHIM_TEST_CPPFLAGS)
tests_test_sessions_LDADD = $(HKP11_MODULE_LIBS) $(TEST_LIBS) -ldl -lpthread

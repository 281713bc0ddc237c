# SPDX-License-Identifier: BSD-3-Clause
# Unit tests of the core, linked against the same convenience library as the module.
TESTS += tests/test-conf
check_PROGRAMS += tests/test-conf
tests_test_conf_SOURCES = tests/test-conf.c
tests_test_conf_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_conf_LDADD = $(HKP11_COMMON_LIBS) $(TEST_LIBS)

# Every settings group against config/hkpost-p11.conf: each key documented,
# each documented key known, each documented value the default.
TESTS += tests/test-settings
check_PROGRAMS += tests/test-settings
tests_test_settings_SOURCES = tests/test-settings.c
tests_test_settings_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_settings_LDADD = $(HKP11_COMMON_LIBS) $(TEST_LIBS) $(LIBCRYPTO_LIBS)

# A broken precondition of hkpost-p11's own functions is said and refused,
# or aborts a build configured with --enable-debug.
TESTS += tests/test-preconditions
check_PROGRAMS += tests/test-preconditions
tests_test_preconditions_SOURCES = tests/test-preconditions.c
tests_test_preconditions_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_preconditions_LDADD = $(HKP11_COMMON_LIBS) $(TEST_LIBS)

# SPDX-License-Identifier: BSD-3-Clause
# PIN policy and lockout protection (issue 4): unit tests of the policy and
# the state store, the layers through the shim, and real clients.
TESTS += tests/test-pin-policy
check_PROGRAMS += tests/test-pin-policy
tests_test_pin_policy_SOURCES = tests/test-pin-policy.c
tests_test_pin_policy_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_pin_policy_LDADD = $(HKP11_COMMON_LIBS) $(TEST_LIBS)

TESTS += tests/test-lockout-state
check_PROGRAMS += tests/test-lockout-state
tests_test_lockout_state_SOURCES = tests/test-lockout-state.c
tests_test_lockout_state_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_lockout_state_LDADD = $(HKP11_COMMON_LIBS) $(TEST_LIBS)

# The layers through the whole shim over SoftHSM.  The program links the
# module's library with a layer table of its own (policy over lockout,
# nothing else: the library's module/core/layers.c is then left out), so
# that it can subscribe to the layers' events and stand in for syslog(3).
TESTS += tests/test-lockout
check_PROGRAMS += tests/test-lockout
tests_test_lockout_SOURCES = tests/test-lockout.c
tests_test_lockout_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/tests/mock $(CHECK_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_test_lockout_LDADD = $(HKP11_MODULE_LIBS) $(TEST_LIBS)

# Real clients: pkcs11-tool through the built module over SoftHSM, a small
# helper that prints the raw token flags pkcs11-tool 0.23 leaves as hex, and
# a stand-in for syslog(3) preloaded into pkcs11-tool, to see what the
# module sends to syslog.
check_PROGRAMS += tests/lockout/token-flags
tests_lockout_token_flags_SOURCES = tests/lockout/token-flags.c
check_LTLIBRARIES += tests/lockout/syslog-record.la
tests_lockout_syslog_record_la_SOURCES = tests/lockout/syslog-record.c
tests_lockout_syslog_record_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined \
	-rpath /nowhere
LOCKOUT_TESTS = \
	tests/lockout/change-pin.sh \
	tests/lockout/countdown.sh \
	tests/lockout/firefox-label.sh \
	tests/lockout/guard-release.sh \
	tests/lockout/label-programs.sh \
	$(NULL)
TESTS += $(LOCKOUT_TESTS)
dist_check_SCRIPTS += $(LOCKOUT_TESTS)
EXTRA_DIST += tests/lockout/common.sh tests/lockout/firefox-label.py

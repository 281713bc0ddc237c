# SPDX-License-Identifier: BSD-3-Clause
# Tests: unit tests of the core, mock backends, the conformance suite run
# directly and through the shim, and real clients.  `make check` runs them.

TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/support \
	-DP11T_BUILDDIR=\"$(abs_top_builddir)\" \
	-DP11T_SRCDIR=\"$(abs_top_srcdir)\" \
	-DP11T_SOFTHSM2_MODULE=\"$(SOFTHSM2_MODULE)\"

check_LTLIBRARIES += tests/support/libp11-test.la
tests_support_libp11_test_la_SOURCES = tests/support/p11-test.c tests/support/p11-test.h \
	tests/support/rmtree.c tests/support/rmtree.h
tests_support_libp11_test_la_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_support_libp11_test_la_LIBADD = $(CHECK_LIBS)

TEST_LIBS = tests/support/libp11-test.la $(CHECK_LIBS)

# Every test sees the same tools and never the developer's own settings.
AM_TESTS_ENVIRONMENT = \
	export top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
	SOFTHSM2_MODULE='$(SOFTHSM2_MODULE)' SHLEXT='$(SHLEXT)' \
	HKPOST_P11_CONF=/dev/null XDG_CONFIG_HOME='$(abs_top_builddir)/tests/tmp/xdg-config' \
	XDG_STATE_HOME='$(abs_top_builddir)/tests/tmp/xdg-state' CK_DEFAULT_TIMEOUT=60;

# Fragments, one per group of tests.
include tests/unit.mk
include tests/mock/mock.mk
include tests/conformance.mk
include tests/clients.mk
include tests/lockout.mk
include tests/labels.mk
include tests/real.mk
include tests/audit.mk
include tests/stress.mk
include tests/fuzz.mk
include tests/cli.mk
include tests/remote.mk
include tests/privilege.mk
include tests/smartcard.mk
include tests/release.mk
include tests/monitor.mk

# SPDX-License-Identifier: BSD-3-Clause
# The conformance suite: one Check program, run directly against SoftHSM and
# through the shim over SoftHSM by tests/conformance-compare.sh, which
# requires identical transcripts of the two runs.
if HAVE_CHECK
check_PROGRAMS += tests/test-conformance
endif
tests_test_conformance_SOURCES = tests/test-conformance.c \
	tests/conformance/conformance.h \
	tests/conformance/transcript.c \
	tests/conformance/fixture.c \
	tests/conformance/general.c \
	tests/conformance/sessions.c \
	tests/conformance/objects.c \
	tests/conformance/keys.c \
	tests/conformance/sign.c \
	tests/conformance/encrypt.c \
	tests/conformance/digest.c \
	tests/conformance/wrap.c \
	tests/conformance/arguments.c
tests_test_conformance_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/tests/conformance $(CHECK_CFLAGS)
tests_test_conformance_LDADD = $(TEST_LIBS)

TESTS += tests/conformance-compare.sh
dist_check_SCRIPTS += tests/conformance-compare.sh

# One pass at a time, with the settings the comparison uses, for a developer
# chasing a difference: make check-conformance-direct / check-conformance-shim
check-conformance-direct check-conformance-shim: tests/test-conformance$(EXEEXT) $(module_LTLIBRARIES)
	$(AM_V_at)$(AM_TESTS_ENVIRONMENT) \
		$(SHELL) $(top_srcdir)/tests/conformance-compare.sh $(@:check-conformance-%=%)
.PHONY: check-conformance-direct check-conformance-shim

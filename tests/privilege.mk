# SPDX-License-Identifier: BSD-3-Clause
# A set-uid root program that loads the module runs no library, and reads
# no file, that the user who started it chose (issue 15): a set-uid loader,
# a library that records whether it ran, and the shell test that runs them
# as a throwaway user.

check_PROGRAMS += tests/privilege/setuid-loader
tests_privilege_setuid_loader_SOURCES = tests/privilege/setuid-loader.c

check_LTLIBRARIES += tests/privilege/recorder.la
tests_privilege_recorder_la_SOURCES = tests/privilege/recorder.c
# -rpath makes libtool build a shared module although it is never installed.
tests_privilege_recorder_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined \
	-rpath /nowhere

# The module once more, with its two system paths in the build tree, so
# that the test can write the system-wide configuration and make the
# system's state directory (as root) without touching the machine's: its
# entry points and common/base/paths.c built with those paths, over the
# same libraries as the module.
PRIVILEGE_SYSTEM = $(abs_top_builddir)/tests/tmp/privilege
check_LTLIBRARIES += tests/privilege/hkpost-p11-system.la
tests_privilege_hkpost_p11_system_la_SOURCES = $(module_hkpost_p11_la_SOURCES) \
	common/base/paths.c
tests_privilege_hkpost_p11_system_la_CPPFLAGS = \
	-I$(top_srcdir)/common -I$(top_srcdir)/module $(P11KIT_CFLAGS) $(LIBCRYPTO_CFLAGS) \
	-DSYSCONFDIR=\"$(PRIVILEGE_SYSTEM)/etc\" \
	-DHKP11_SYSTEM_STATE_DIR=\"$(PRIVILEGE_SYSTEM)/state\"
tests_privilege_hkpost_p11_system_la_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_privilege_hkpost_p11_system_la_LIBADD = module/libhkp11-module.la common/libhkp11-audit.la \
	common/libhkp11-common.la $(LIBCRYPTO_LIBS)
tests_privilege_hkpost_p11_system_la_LDFLAGS = $(module_hkpost_p11_la_LDFLAGS) -rpath /nowhere

PRIVILEGE_TESTS = tests/privilege/setuid.sh
TESTS += $(PRIVILEGE_TESTS)
dist_check_SCRIPTS += $(PRIVILEGE_TESTS)

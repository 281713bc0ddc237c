# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 monitor (issue 16): warnings on the desktop.  Each test starts
# a private session bus; a stand-in notification server written for the
# tests (tests/monitor/notify-server.py, Debian's /usr/bin/python3 with
# python3-dbus and python3-gi) records every Notify, or dunst does under
# Xvfb.  A test skips (77) only when dbus-daemon, python3-dbus, python3-gi
# or the monitor itself (no gio-2.0) is missing: CI installs them all.
MONITOR_TESTS = \
	tests/monitor/pkcs11-tool.sh \
	tests/monitor/etoken.sh \
	tests/monitor/expiry.sh \
	tests/monitor/no-bus.sh \
	tests/monitor/dunst.sh \
	tests/monitor/firefox.sh \
	tests/monitor/register.sh \
	$(NULL)
TESTS += $(MONITOR_TESTS)
dist_check_SCRIPTS += $(MONITOR_TESTS)
EXTRA_DIST += tests/monitor/common.sh tests/monitor/notify-server.py tests/monitor/firefox.py
# dunst.sh leaves its screenshots beside its log, for a person to look at.
CLEANFILES += tests/monitor/dunst-en.png tests/monitor/dunst-zh_HK.png
# README.md's screenshot, taken by dunst.sh.
EXTRA_DIST += doc/monitor-notification.png

# The monitor's pure parts in C: the expiry thresholds and their memory, and
# following the audit log (run under ASan in CI, as every C test is).
if BUILD_MONITOR
TESTS += tests/test-monitor
check_PROGRAMS += tests/test-monitor
tests_test_monitor_SOURCES = tests/test-monitor.c \
	tools/monitor/expiry.c tools/monitor/audit-feed.c tools/audit-record.c
tests_test_monitor_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS) $(GIO_CFLAGS) \
	-I$(top_srcdir)/tools -I$(top_srcdir)/tools/monitor
tests_test_monitor_LDADD = $(HKP11_MODULE_LIBS) $(TEST_LIBS) $(GIO_LIBS)
# Under valgrind too, where GLib's thread caches are in view (ASan's leak
# check cannot see them here: tests/stress/lsan.supp).
MEMCHECK_TESTS += tests/test-monitor
endif

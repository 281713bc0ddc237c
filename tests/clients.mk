# SPDX-License-Identifier: BSD-3-Clause
# Smoke tests: real clients (pkcs11-tool, p11tool) drive the built module
# over a SoftHSM token, `make install` is checked in a staging directory,
# and ./demo.sh runs as on a fresh machine.  Shell scripts using
# tests/lib.sh; each skips (77) when its client is not installed.
CLIENT_TESTS = \
	tests/clients/pkcs11-tool.sh \
	tests/clients/pkcs11-tool-test.sh \
	tests/clients/p11tool.sh \
	tests/clients/install.sh \
	tests/clients/preload.sh \
	tests/clients/demo-fresh.sh \
	$(NULL)
TESTS += $(CLIENT_TESTS)
dist_check_SCRIPTS += $(CLIENT_TESTS)
EXTRA_DIST += tests/lib.sh tests/debian-packages.txt tests/debian-backports.txt

# A host that opens SoftHSM RTLD_GLOBAL before the shim, and the shim, a
# link or a copy of it named as its own backend.
TESTS += tests/test-backend-self
check_PROGRAMS += tests/test-backend-self
tests_test_backend_self_SOURCES = tests/test-backend-self.c
tests_test_backend_self_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_backend_self_LDADD = $(TEST_LIBS)

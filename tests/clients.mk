# SPDX-License-Identifier: BSD-3-Clause
# Smoke tests: real clients (pkcs11-tool, p11tool) drive the built module
# over a SoftHSM token, and `make install` is checked in a staging
# directory.  Shell scripts using tests/lib.sh; each skips (77) when its
# client is not installed.
CLIENT_TESTS = \
	tests/clients/pkcs11-tool.sh \
	tests/clients/pkcs11-tool-test.sh \
	tests/clients/p11tool.sh \
	tests/clients/install.sh \
	$(NULL)
TESTS += $(CLIENT_TESTS)
dist_check_SCRIPTS += $(CLIENT_TESTS)
EXTRA_DIST += tests/lib.sh tests/debian-packages.txt

# SPDX-License-Identifier: BSD-3-Clause
# The release: every source file names its license and is formatted as
# .clang-format says, and the version that configure.ac sets is the one the
# tool, the module, NEWS and debian/changelog tell.
RELEASE_TESTS = \
	tests/spdx.sh \
	tests/clang-format.sh \
	tests/version.sh \
	$(NULL)
TESTS += $(RELEASE_TESTS)
dist_check_SCRIPTS += $(RELEASE_TESTS)
EXTRA_DIST += .clang-format

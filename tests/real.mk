# SPDX-License-Identifier: BSD-3-Clause
# Proof in the real clients (issue 8): each scenario drives a program people
# use with their e-Cert (Firefox, Thunderbird's NSS, the NSS tools, p11-kit,
# OpenSSH, GnuTLS, OpenSC) against the built module over a throwaway SoftHSM
# token.  A scenario skips (77) only when its program is not installed.
# `make check-real` runs just these.
REAL_TESTS = \
	tests/real/firefox.sh \
	tests/real/smime.sh \
	tests/real/thunderbird.sh \
	tests/real/nss-tools.sh \
	tests/real/p11-kit.sh \
	tests/real/openssh.sh \
	tests/real/gnutls-opensc.sh

TESTS += $(REAL_TESTS)
dist_check_SCRIPTS += $(REAL_TESTS)
EXTRA_DIST += \
	tests/real/common.sh \
	tests/real/marionette.py \
	tests/real/psm.py \
	tests/real/probe.py \
	tests/real/firefox.py \
	tests/real/thunderbird.py

check-real:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(REAL_TESTS)'
.PHONY: check-real

# SPDX-License-Identifier: BSD-3-Clause
# Proof in the real clients (issues 8 and 18): each scenario drives a
# program people use with their e-Cert (Firefox, Thunderbird's NSS, the NSS
# tools, p11-kit, OpenSSH, GnuTLS, OpenSC, Chromium, Java, pdfsig, OpenSSL
# and curl through libp11, OpenSSL through pkcs11-provider, gpgsm) against
# the built module over a throwaway SoftHSM token.  A scenario skips (77)
# only when its program is not installed.
# `make check-real` runs just these.
REAL_TESTS = \
	tests/real/firefox.sh \
	tests/real/smime.sh \
	tests/real/thunderbird.sh \
	tests/real/nss-tools.sh \
	tests/real/nss-parameters.sh \
	tests/real/p11-kit.sh \
	tests/real/p11-kit-empty.sh \
	tests/real/openssh.sh \
	tests/real/gnutls-opensc.sh \
	tests/real/chromium.sh \
	tests/real/java.sh \
	tests/real/pdfsig.sh \
	tests/real/openssl-curl.sh \
	tests/real/libp11-labels.sh \
	tests/real/pkcs11-provider.sh \
	tests/real/gpgsm.sh \
	tests/real/label-identity.sh \
	tests/real/gpgsm-low-tries.sh

TESTS += $(REAL_TESTS)
dist_check_SCRIPTS += $(REAL_TESTS)
EXTRA_DIST += \
	tests/real/common.sh \
	tests/real/marionette.py \
	tests/real/psm.py \
	tests/real/probe.py \
	tests/real/nss-load.py \
	tests/real/firefox.py \
	tests/real/thunderbird.py

check-real:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(REAL_TESTS)'
.PHONY: check-real

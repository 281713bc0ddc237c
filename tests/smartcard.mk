# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 over a real smart-card stack (issue 17): pcscd with vsmartcard's
# vpcd reader driver, a virtual CAC card of our own on libcacard
# (tests/smartcard/vcard*.c), and OpenSC's opensc-pkcs11.so as the token
# library.  Each script starts its own pcscd (in private mount and network
# namespaces) and card once, and runs its scenarios directly over OpenSC
# and through hkpost-p11.  `make check-smartcard` runs just these.

# Drives a module through a script in one process (tests/smartcard/p11-script.c).
check_PROGRAMS += tests/smartcard/hkp11-p11-script
tests_smartcard_hkp11_p11_script_SOURCES = tests/smartcard/p11-script.c
tests_smartcard_hkp11_p11_script_LDADD = $(HKP11_COMMON_LIBS)

if HAVE_LIBCACARD
check_PROGRAMS += tests/smartcard/hkp11-vcard
endif
tests_smartcard_hkp11_vcard_SOURCES = tests/smartcard/vcard.h tests/smartcard/vcard.c \
	tests/smartcard/vcard-apdu.c tests/smartcard/vcard-state.c
tests_smartcard_hkp11_vcard_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCACARD_CFLAGS)
tests_smartcard_hkp11_vcard_LDADD = $(LIBCACARD_LIBS)

SMARTCARD_TESTS = \
	tests/smartcard/basics.sh \
	tests/smartcard/countdown.sh \
	tests/smartcard/removal.sh \
	tests/smartcard/firefox.sh \
	tests/smartcard/learned-max.sh \
	tests/smartcard/removal-audit.sh \
	$(NULL)
TESTS += $(SMARTCARD_TESTS)
dist_check_SCRIPTS += $(SMARTCARD_TESTS)
EXTRA_DIST += tests/smartcard/common.sh tests/smartcard/firefox.py

check-smartcard:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(SMARTCARD_TESTS)'
.PHONY: check-smartcard

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Thunderbird itself, headless through Marionette (thunderbird.py): load the
# module as a security device, log in through its password dialog, list
# the e-Cert, and sign a mail with Thunderbird's own S/MIME encoder; the
# signed mail is then verified here with openssl smime.
. "$top_srcdir/tests/real/common.sh"
real_begin thunderbird
need python3 openssl softhsm2-util pkcs11-tool
HKP11_THUNDERBIRD=${HKP11_THUNDERBIRD:-$(command -v thunderbird || :)}
[ -n "$HKP11_THUNDERBIRD" ] || skip "thunderbird is not installed"
export HKP11_THUNDERBIRD

token_new
fixtures
load_fixture "$fx" personal

HKP11_MODULE=$MODULE HKP11_PIN=$USER_PIN HKP11_TOKEN=eToken HKP11_HOLDER="CHAN TAI MAN" \
	HKP11_WORK=$work HKP11_FIXTURES=$fx \
	py_run "$top_srcdir/tests/real/thunderbird.py" || {
	[ ! -f "$work/thunderbird.log" ] || tail -n 40 "$work/thunderbird.log" >&2
	fail "the Thunderbird session failed"
}

mail=$work/signed.eml
grep -q '^Content-Type: multipart/signed; protocol="application/pkcs7-signature"' "$mail" ||
	{ show "$mail"; fail "not a multipart/signed S/MIME mail"; }
cat "$fx/ca-ca2-17.pem" "$fx/ca-root.pem" >"$work/chain.pem"
openssl smime -verify -in "$mail" -CAfile "$work/chain.pem" -purpose smimesign \
	-signer "$work/signer.pem" -out "$work/content.txt" >"$work/verify.txt" 2>&1 ||
	{ show "$work/verify.txt"; show "$mail"; fail "openssl smime -verify failed"; }
grep -q 'Hello from Thunderbird.' "$work/content.txt" || { show "$work/content.txt"; fail "content"; }
subject=$(openssl x509 -in "$work/signer.pem" -noout -subject -nameopt RFC2253)
case $subject in
*CN=CHAN\ TAI\ MAN,OU=9000471235,O=Hongkong\ Post\ e-Cert\ \(Personal\),C=HK*) ;;
*) fail "unexpected signer $subject" ;;
esac
ok "openssl smime -verify accepts Thunderbird's signed mail; signer $subject"
real_end

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Thunderbird's S/MIME path, with NSS's own tools: cmsutil signs a message
# with the e-Cert's key through the module (detached, as in a
# multipart/signed mail), the signature verifies on the sender's side, on a
# recipient's side that has no token (NSS, and OpenSSL as a second opinion),
# and the signer shown is the e-Cert's holder; a changed message fails.
. "$top_srcdir/tests/real/common.sh"
real_begin smime
need certutil modutil cmsutil openssl softhsm2-util pkcs11-tool

token_new
fixtures
load_fixture "$fx" personal
db=$work/nssdb
nss_db "$db"
nick="eToken:$(shim_cert_label)"
# Hongkong Post Root CA 3 trusted for e-mail, as Mozilla's store has it.
certutil -A -d "sql:$db" -n "Hongkong Post Root CA 3" -t ",C," -i "$fx/ca-root.pem"
certutil -A -d "sql:$db" -n "Hongkong Post e-Cert CA 2 - 17" -t ",," -i "$fx/ca-ca2-17.pem"

msg=$work/message.txt
printf 'From: taiman.chan@example.com.hk\r\nSubject: signed through hkpost-p11\r\n\r\nHello.\r\n' >"$msg"
timeout "$T" cmsutil -S -T -G -P -N "$nick" -d "sql:$db" -f "$pinfile" -i "$msg" -o "$work/message.p7s" \
	>"$work/sign.txt" 2>&1 || { show "$work/sign.txt"; fail "cmsutil -S with $nick failed"; }
[ -s "$work/message.p7s" ] || fail "cmsutil wrote no signature"
ok "cmsutil signed a message with '$nick' (detached, signing time, S/MIME capabilities)"

verify () { # db label
	timeout "$T" cmsutil -D -d "sql:$1" -i "$work/message.p7s" -c "$msg" -n -h 1 >"$work/verify-$2.txt" 2>&1 ||
		{ show "$work/verify-$2.txt"; fail "cmsutil -D ($2) failed"; }
	grep -q 'signer0.status=GoodSignature' "$work/verify-$2.txt" &&
		grep -q 'signer0.id="CHAN TAI MAN"' "$work/verify-$2.txt" ||
		{ show "$work/verify-$2.txt"; fail "cmsutil -D ($2): not a good signature by CHAN TAI MAN"; }
}
verify "$db" sender
ok "cmsutil -D on the sender's side: GoodSignature, signer CHAN TAI MAN"

# A recipient: a fresh database, no token, only the root trusted.
mkdir -p "$work/recipient"
certutil -N -d "sql:$work/recipient" --empty-password
certutil -A -d "sql:$work/recipient" -n "Hongkong Post Root CA 3" -t ",C," -i "$fx/ca-root.pem"
verify "$work/recipient" recipient
ok "cmsutil -D on a recipient's side without the token: GoodSignature, signer CHAN TAI MAN"

cat "$fx/ca-ca2-17.pem" "$fx/ca-root.pem" >"$work/chain.pem"
openssl cms -verify -binary -inform DER -in "$work/message.p7s" -content "$msg" -CAfile "$work/chain.pem" \
	-purpose smimesign -signer "$work/signer.pem" -out /dev/null >"$work/openssl.txt" 2>&1 ||
	{ show "$work/openssl.txt"; fail "openssl cms -verify failed"; }
subject=$(openssl x509 -in "$work/signer.pem" -noout -subject -nameopt RFC2253)
case $subject in
*CN=CHAN\ TAI\ MAN,OU=9000471235,O=Hongkong\ Post\ e-Cert\ \(Personal\),C=HK*) ;;
*) fail "openssl: unexpected signer $subject" ;;
esac
ok "openssl cms -verify agrees; signer $subject"

# The verification is real: one changed byte breaks it.
sed 's/Hello/Hallo/' "$msg" >"$work/changed.txt"
if openssl cms -verify -binary -inform DER -in "$work/message.p7s" -content "$work/changed.txt" \
	-CAfile "$work/chain.pem" -purpose smimesign -out /dev/null >/dev/null 2>&1; then
	fail "a changed message still verifies"
fi
ok "a changed message does not verify"
real_end

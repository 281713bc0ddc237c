#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# OpenSC's pkcs11-tool through hkpost-p11 over a SoftHSM token that holds an
# e-Cert: what it lists, shows and signs is what SoftHSM gives directly.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool pkcs11-tool openssl
skip_unless_softhsm
require_shim

softhsm_setup
token_init eToken
ecert_load eToken

# pkcs11-tool on SoftHSM directly, and through the shim.
direct () { pkcs11-tool --module "$SOFTHSM2_MODULE" "$@"; }
shim () { pkcs11-tool --module "$HKP11_SHIM" "$@"; }
note "direct = pkcs11-tool --module $SOFTHSM2_MODULE"
note "shim = pkcs11-tool --module $HKP11_SHIM"

# -L: slots and tokens.  The policy layer may raise the minimum PIN length
# it reports (so that clients check it before asking); all else is SoftHSM's.
run direct.L direct -L
run shim.L shim -L
expect_grep "-L through the shim lists the token" 'token label +: eToken$' shim.L
grep -v 'pin min/max' direct.L >direct.L.cmp
grep -v 'pin min/max' shim.L >shim.L.cmp
expect_same "-L through the shim is SoftHSM's -L" direct.L.cmp shim.L.cmp
sed -n 's|.*pin min/max *: [0-9]*/||p' direct.L >direct.max
sed -n 's|.*pin min/max *: [0-9]*/||p' shim.L >shim.max
expect_same "-L through the shim keeps the token's maximum PIN length" direct.max shim.max

# -O: the objects, with and without logging in.  Labels may be made
# friendly by the labels layer; kinds, IDs and subjects must not change.
# One line per object, sorted: the order of C_FindObjects is not promised.
objects ()
{
	grep -E '^[A-Z][A-Za-z ]* Object;|^ +(ID|subject|Usage|Access):' "$1" |
		awk '/Object;/ { if (o != "") print o; o = $0; next } { o = o " |" $0 } END { if (o != "") print o }' |
		sort
}
run direct.O direct --token-label eToken -O
run shim.O shim --token-label eToken -O
objects direct.O >direct.O.cmp
objects shim.O >shim.O.cmp
expect_grep "-O through the shim shows the e-Cert" 'subject: +DN: C=HK, O=Hongkong Post e-Cert \(Personal\)' shim.O
expect_same "-O through the shim shows SoftHSM's public objects" direct.O.cmp shim.O.cmp

run direct.Ol direct --token-label eToken -O --login --pin "$HKP11_PIN"
run shim.Ol shim --token-label eToken -O --login --pin "$HKP11_PIN"
objects direct.Ol >direct.Ol.cmp
objects shim.Ol >shim.Ol.cmp
expect_grep "-O --login through the shim shows the private key" '^Private Key Object; RSA' shim.Ol
expect_same "-O --login through the shim shows SoftHSM's objects" direct.Ol.cmp shim.Ol.cmp

# A signature with the e-Cert's key: it verifies against the certificate,
# and it is the very signature SoftHSM makes directly (PKCS#1 v1.5 is
# deterministic).
head -c 1000 /dev/urandom >data
openssl x509 -in "$ECERT_CERT" -pubkey -noout >pub.pem
run sign.shim shim --token-label eToken --login --pin "$HKP11_PIN" \
	--sign --mechanism SHA256-RSA-PKCS --id "$ECERT_ID" -i data -o sig.shim
run sign.direct direct --token-label eToken --login --pin "$HKP11_PIN" \
	--sign --mechanism SHA256-RSA-PKCS --id "$ECERT_ID" -i data -o sig.direct
run verify openssl dgst -sha256 -verify pub.pem -signature sig.shim data
expect_grep "a signature through the shim verifies with the e-Cert" '^Verified OK' verify
expect_same "the signature through the shim is SoftHSM's" sig.direct sig.shim

# A damaged or hostile configuration file: C_Initialize fails, and stderr
# names the file, the line and the key, with what was found escaped.  No
# escape sequence or carriage return reaches the terminal to forge a line.
printf 'labels: off\n\033[31mlabels: on\n' >esc.conf
printf 'labels: on\rhkpost-p11: all is well\n' >cr.conf
for c in esc cr; do
	rc=0
	HKPOST_P11_CONF=$PWD/$c.conf shim -L >$c.L 2>$c.L.err || rc=$?
	[ "$rc" -ne 0 ] || { show $c.L $c.L.err; fail "-L with $c.conf fails"; }
	if LC_ALL=C tr -d '\n' <$c.L.err | LC_ALL=C grep -q '[[:cntrl:]]'; then
		show $c.L.err
		fail "a control character from $c.conf reached stderr"
	fi
done
ok "-L fails with either file, and no control character reaches stderr"
expect_grep "a key with an escape sequence is refused, escaped" \
	'^hkpost-p11: .*/esc\.conf, line 2: "\\u001b\[31mlabels" is not a valid key$' esc.L.err
expect_grep "a value with a carriage return is refused, escaped" \
	'^hkpost-p11: .*/cr\.conf, line 1: bad value for key .labels.: control characters are not allowed \(found "on\\rhkpost-p11: all is well"\)$' cr.L.err

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# GnuTLS's p11tool through hkpost-p11 over a SoftHSM token that holds an
# e-Cert: the token's PKCS#11 URI, its objects, the certificate itself and a
# signature with its key, as SoftHSM gives them directly.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool p11tool pkcs11-tool openssl
skip_unless_softhsm
require_shim

softhsm_setup
token_init eToken
ecert_load eToken
GNUTLS_PIN=$HKP11_PIN
export GNUTLS_PIN

# p11tool on SoftHSM directly, and through the shim.
direct () { p11tool --provider "$SOFTHSM2_MODULE" "$@"; }
shim () { p11tool --provider "$HKP11_SHIM" "$@"; }
note "direct = p11tool --provider $SOFTHSM2_MODULE"
note "shim = p11tool --provider $HKP11_SHIM"

run direct.tokens direct --list-tokens
run shim.tokens shim --list-tokens
expect_grep "--list-tokens through the shim gives the token's URI" \
	'URL: pkcs11:model=SoftHSM%20v2;manufacturer=SoftHSM%20project;serial=[0-9a-f]+;token=eToken$' shim.tokens
expect_same "--list-tokens through the shim is SoftHSM's" direct.tokens shim.tokens

# Objects: labels may be made friendly by the labels layer (they appear in
# the URI's object= and in Label:); everything else must be SoftHSM's.  One
# line per object, without its number, sorted: the order is not promised.
objects ()
{
	sed -e 's/;object=[^;]*//' -e '/^	Label:/d' -e '/^Object [0-9]*:$/d' "$1" |
		awk '/^$/ { if (o != "") print o; o = ""; next } { o = o " |" $0 } END { if (o != "") print o }' |
		sort
}
run direct.all direct --list-all "pkcs11:token=eToken"
run shim.all shim --list-all "pkcs11:token=eToken"
expect_grep "--list-all through the shim gives the e-Cert's URI" \
	"URL: pkcs11:.*;token=eToken;id=$ECERT_ID_URI;object=[^;]+;type=cert\$" shim.all
expect_grep "--list-all through the shim gives the e-Cert's label" '^	Label: .+' shim.all
objects direct.all >direct.all.cmp
objects shim.all >shim.all.cmp
expect_same "--list-all through the shim lists SoftHSM's objects" direct.all.cmp shim.all.cmp

run direct.login direct --login --list-all "pkcs11:token=eToken"
run shim.login shim --login --list-all "pkcs11:token=eToken"
expect_grep "--login --list-all through the shim gives the private key's URI" \
	"URL: pkcs11:.*;token=eToken;id=$ECERT_ID_URI;object=[^;]+;type=private\$" shim.login
objects direct.login >direct.login.cmp
objects shim.login >shim.login.cmp
expect_same "--login --list-all through the shim lists SoftHSM's objects" direct.login.cmp shim.login.cmp

# The certificate's bytes pass through unchanged.
run shim.cert shim --export "pkcs11:token=eToken;id=$ECERT_ID_URI;type=cert"
openssl x509 -in "$ECERT_CERT" >fixture.cert
openssl x509 -in shim.cert >exported.cert
expect_same "the e-Cert exported through the shim is the e-Cert" fixture.cert exported.cert

# GnuTLS signs with the e-Cert's key through the shim and checks the
# signature against the key's parameters.
run shim.sign shim --login --test-sign "pkcs11:token=eToken;id=$ECERT_ID_URI;type=private"
expect_grep "--test-sign through the shim signs and verifies" \
	'^Verifying against private key parameters\.\.\. ok' shim.sign shim.sign.err

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# OpenSSL 3 and curl through libp11's pkcs11 engine, by PKCS#11 URI:
# openssl pkeyutl -sign with the token's key (checked with the e-Cert's
# public key), openssl s_client and curl --engine pkcs11 authenticate with
# the e-Cert to a local `openssl s_server` that requires a client
# certificate (curl takes the key and the certificate from the token).
# Once directly over SoftHSM, with the token's own label in the URI; once
# through the module, with the URI `hkpost-p11 show` prints.
. "$top_srcdir/tests/real/common.sh"
real_begin openssl-curl
need openssl curl python3 softhsm2-util pkcs11-tool
engines=$(openssl version -e 2>/dev/null | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
[ -f "$engines/pkcs11.so" ] || skip "libp11's pkcs11 engine is not installed (libengine-pkcs11-openssl)"

start=$(date +%s)
token_new
fixtures
load_fixture "$fx" personal
server_cert
tls_server
openssl x509 -in "$fx/personal.pem" -noout -pubkey >"$work/personal.pub.pem"
printf 'signed through the pkcs11 engine\n' >"$work/data.txt"

# One URI escaping for the test's own use: spaces only (the labels here
# have no other character that needs it).
uri_label () {
	printf '%s' "$1" | sed 's/ /%20/g'
}

run_case () { # name library label URI (without type)
	name=$1
	lib=$2
	label=$3
	uri=$4
	t0=$(date +%s)
	export PKCS11_MODULE_PATH="$lib"
	preload=$(preload_for "$lib")

	rm -f "$work/sig-$name.bin"
	LD_PRELOAD=$preload timeout "$T" openssl pkeyutl -engine pkcs11 -keyform engine -inkey "$uri;type=private" \
		-passin "pass:$USER_PIN" -sign -rawin -digest sha256 -in "$work/data.txt" -out "$work/sig-$name.bin" \
		>"$work/pkeyutl-$name.txt" 2>&1 || { show "$work/pkeyutl-$name.txt"; fail "$name: openssl pkeyutl -sign by $uri"; }
	openssl pkeyutl -verify -pubin -inkey "$work/personal.pub.pem" -rawin -digest sha256 -in "$work/data.txt" \
		-sigfile "$work/sig-$name.bin" >"$work/verify-$name.txt" 2>&1 ||
		{ show "$work/verify-$name.txt"; fail "$name: the signature does not verify with the e-Cert's key"; }
	ok "$name: openssl pkeyutl -engine pkcs11 signed by '$uri;type=private'; the e-Cert's public key verifies it"

	# The certificate as the token holds it, for s_client's -cert.
	pkcs11-tool --module "$lib" --read-object --type cert --label "$label" -o "$work/cert-$name.der" \
		>/dev/null 2>&1 ||
		fail "$name: pkcs11-tool --read-object"
	openssl x509 -inform DER -in "$work/cert-$name.der" -out "$work/cert-$name.pem"
	printf 'GET / HTTP/1.0\r\n\r\n' | LD_PRELOAD=$preload timeout "$T" openssl s_client \
		-connect "127.0.0.1:$tls_port" -engine pkcs11 -keyform engine -key "$uri;type=private" \
		-pass "pass:$USER_PIN" -cert "$work/cert-$name.pem" -CAfile "$work/srv/ca.pem" -verify_return_error \
		-ign_eof >"$work/s_client-$name.txt" 2>&1 || { show "$work/s_client-$name.txt"; fail "$name: openssl s_client"; }
	grep -q '^Client certificate' "$work/s_client-$name.txt" &&
		grep -q 'Subject: .*CN=CHAN TAI MAN' "$work/s_client-$name.txt" ||
		{ show "$work/s_client-$name.txt"; fail "$name: s_client: the server did not get the e-Cert"; }
	ok "$name: openssl s_client authenticated with the e-Cert ($(sed -n 's/^ *Protocol *: *//p' "$work/s_client-$name.txt" | head -n 1))"

	LD_PRELOAD=$preload timeout "$T" curl -sS --engine pkcs11 --key-type ENG --key "$uri;type=private" \
		--pass "$USER_PIN" --cert-type ENG --cert "$uri;type=cert" --cacert "$work/srv/ca.pem" \
		-o "$work/curl-$name.html" "https://127.0.0.1:$tls_port/" >"$work/curl-$name.txt" 2>&1 ||
		{ show "$work/curl-$name.txt"; fail "$name: curl --engine pkcs11"; }
	grep -q '^Client certificate' "$work/curl-$name.html" &&
		grep -q 'Subject: .*CN=CHAN TAI MAN' "$work/curl-$name.html" ||
		{ show "$work/curl-$name.html"; fail "$name: curl: the server did not get the e-Cert"; }
	ok "$name: curl --engine pkcs11 authenticated with the token's key and certificate"
	unset PKCS11_MODULE_PATH
	echo "# $name: $(($(date +%s) - t0))s"
}

label=$(token_cert_label)
run_case softhsm "$SOFTHSM2_MODULE" "$label" "pkcs11:token=eToken;object=$(uri_label "$label")"

# Through the module: the URI that `hkpost-p11 show` gives for the e-Cert.
"$top_builddir/tools/hkpost-p11" --module "$MODULE" show --json >"$work/show.json" 2>"$work/show.err" ||
	{ show "$work/show.err"; fail "hkpost-p11 show --json"; }
uri=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tokens"][0]["certificates"][0]["uri"])' \
	"$work/show.json")
[ "$uri" = "pkcs11:token=eToken;object=$(uri_label "$(shim_cert_label)")" ] ||
	fail "hkpost-p11 show gives the URI '$uri'"
ok "hkpost-p11 show gives the URI by the friendly label: $uri"
run_case hkpost-p11 "$MODULE" "$(shim_cert_label)" "$uri"

grep -c '^depth=0 .*CN = CHAN TAI MAN' "$work/srv/s_server.log" >"$work/n.txt" || :
[ "$(cat "$work/n.txt")" -eq 4 ] || { show "$work/srv/s_server.log"; fail "s_server verified $(cat "$work/n.txt") e-Cert chains, not 4"; }
ok "s_server verified the e-Cert's chain up to Hongkong Post Root CA 3 four times"
echo "# openssl-curl scenario: $(($(date +%s) - start))s"
real_end

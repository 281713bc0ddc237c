#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# OpenSSL 3 with pkcs11-provider (Debian 12: bookworm-backports), by PKCS#11
# URI, from an openssl.cnf the test writes (never the machine's): `openssl
# storeutl` lists the token's key and certificate, `openssl pkeyutl -sign`
# signs with 'pkcs11:token=eToken;object=...' (checked with the e-Cert's
# public key), and `openssl s_client` authenticates with the e-Cert, key and
# certificate from the token, to a local `openssl s_server -Verify`.  Once
# directly over SoftHSM, with the token's own label, once through the
# module, with the friendly label `hkpost-p11 show` gives.  Through the
# module also at 5 tries left (the token keeps its name, issue 16), and what
# the audit log holds of the provider's runs.
. "$top_srcdir/tests/real/common.sh"
real_begin pkcs11-provider
need openssl pkcs11-tool softhsm2-util python3
provider=$(openssl version -m 2>/dev/null | sed -n 's/^MODULESDIR: "\(.*\)"$/\1/p')/pkcs11.so
[ -f "$provider" ] && OPENSSL_CONF=/dev/null openssl list -providers -provider pkcs11 >/dev/null 2>&1 ||
	skip "pkcs11-provider is not installed ($provider; Debian 12: bookworm-backports)"

start=$(date +%s)
token_new
fixtures
load_fixture "$fx" personal
server_cert
tls_server
cli=$top_builddir/tools/hkpost-p11
audit=$XDG_STATE_HOME/hkpost-p11/audit.log
openssl x509 -in "$fx/personal.pem" -noout -pubkey >"$work/personal.pub.pem"
printf 'signed through pkcs11-provider\n' >"$work/data.txt"

# The URI form of a label: every byte but the unreserved ones escaped.
uri_label () {
	python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

# conf NAME LIBRARY: an openssl.cnf that loads pkcs11-provider over LIBRARY,
# as a holder would write it; sets $conf.
conf () {
	conf=$work/openssl-$1.cnf
	cat >"$conf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
default = default_sect
pkcs11 = pkcs11_sect
[default_sect]
activate = 1
[pkcs11_sect]
module = $provider
pkcs11-module-path = $2
activate = 1
EOF
}

# p11ssl NAME CMD...: openssl with that configuration, bounded, with
# SoftHSM preloaded (it crashes at exit under the provider otherwise).
p11ssl () {
	n=$1
	shift
	OPENSSL_CONF=$conf LD_PRELOAD=$(preload_for "$lib") timeout "$T" openssl "$@" >"$work/$n.txt" 2>&1
}

# list NAME TOKEN-URI: storeutl (no search type: it takes one at most)
# finds the e-Cert's private key and certificate; $key_label is the label
# in the key's URI as storeutl prints it.
list () {
	p11ssl "storeutl-$1" storeutl -text -passin "pass:$USER_PIN" "$2" ||
		{ show "$work/storeutl-$1.txt"; fail "$1: openssl storeutl '$2'"; }
	grep -q '^PKCS11 RSA Private Key' "$work/storeutl-$1.txt" &&
		grep -q '^[0-9]*: Certificate' "$work/storeutl-$1.txt" ||
		{ show "$work/storeutl-$1.txt"; fail "$1: storeutl '$2' lists no private key and certificate"; }
	key_label=$(python3 -c '
import sys, urllib.parse
for line in open(sys.argv[1]):
    if line.startswith("URI pkcs11:") and line.rstrip().endswith(";type=private"):
        attrs = dict(a.partition("=")[::2] for a in line.split(":", 1)[1].strip().split(";"))
        print(urllib.parse.unquote(attrs.get("object", "")))' "$work/storeutl-$1.txt")
}

# sign NAME KEY-URI: pkeyutl signs with the token's key, the e-Cert's
# public key verifies the signature.
sign () {
	rm -f "$work/sig-$1.bin"
	p11ssl "pkeyutl-$1" pkeyutl -sign -inkey "$2" -passin "pass:$USER_PIN" -rawin -digest sha256 \
		-in "$work/data.txt" -out "$work/sig-$1.bin" || { show "$work/pkeyutl-$1.txt"; fail "$1: openssl pkeyutl -sign -inkey '$2'"; }
	openssl pkeyutl -verify -pubin -inkey "$work/personal.pub.pem" -rawin -digest sha256 -in "$work/data.txt" \
		-sigfile "$work/sig-$1.bin" >"$work/verify-$1.txt" 2>&1 ||
		{ show "$work/verify-$1.txt"; fail "$1: the signature does not verify with the e-Cert's key"; }
}

# tls NAME URI: s_client authenticates with the key and certificate at URI.
tls () {
	printf 'GET / HTTP/1.0\r\n\r\n' | OPENSSL_CONF=$conf LD_PRELOAD=$(preload_for "$lib") timeout "$T" \
		openssl s_client -connect "127.0.0.1:$tls_port" -key "$2" -cert "$2" -pass "pass:$USER_PIN" \
		-CAfile "$work/srv/ca.pem" -verify_return_error -ign_eof >"$work/s_client-$1.txt" 2>&1 ||
		{ show "$work/s_client-$1.txt"; fail "$1: openssl s_client with '$2'"; }
	grep -q '^Client certificate' "$work/s_client-$1.txt" &&
		grep -q 'Subject: .*CN=CHAN TAI MAN' "$work/s_client-$1.txt" ||
		{ show "$work/s_client-$1.txt"; fail "$1: s_client: the server did not get the e-Cert"; }
}

# audited NAME: the records of openssl's runs since the last call, in
# $work/audit-NAME.txt, and by event ("C_Login=1 C_CopyObject=1 ...") in
# $events.
audit_seen=0
audited () {
	grep 'program="openssl"' "$audit" | tail -n +$((audit_seen + 1)) >"$work/audit-$1.txt" || :
	audit_seen=$((audit_seen + $(grep -c . "$work/audit-$1.txt")))
	events=$(sed -n 's/.* event=\([A-Za-z_-]*\).*/\1/p' "$work/audit-$1.txt" | sort | uniq -c |
		awk '{ printf "%s%s=%s", s, $2, $1; s = " " }')
}

# key_cache NAME: the run made one copy of the token's private key and
# destroyed that copy, not the key (pkcs11-provider's key cache).
key_cache () {
	copy=$(sed -n 's/.* event=C_CopyObject .* class=CKO_PRIVATE_KEY .* new_object=\([0-9]*\) result=CKR_OK.*/\1/p' \
		"$work/audit-$1.txt")
	gone=$(sed -n 's/.* event=C_DestroyObject .* object=\([0-9]*\) class=CKO_PRIVATE_KEY .*result=CKR_OK.*/\1/p' \
		"$work/audit-$1.txt")
	[ "$(grep -c ' event=C_CopyObject ' "$work/audit-$1.txt")" -eq 1 ] &&
		[ "$(grep -c ' event=C_DestroyObject ' "$work/audit-$1.txt")" -eq 1 ] &&
		[ -n "$copy" ] && [ "$copy" = "$gone" ] ||
		{ show "$work/audit-$1.txt"; fail "$1: not one copy of the key, destroyed again, in the audit log ($events)"; }
}

# ---- directly over SoftHSM ---------------------------------------------------
t0=$(date +%s)
lib=$SOFTHSM2_MODULE
conf softhsm "$lib"
direct=pkcs11:token=eToken\;object=$(uri_label "$(token_cert_label)")
list softhsm 'pkcs11:token=eToken'
[ "$key_label" = "$(token_cert_label)" ] || fail "softhsm: storeutl shows the key as '$key_label'"
ok "softhsm: openssl storeutl 'pkcs11:token=eToken' lists the private key (object=$key_label) and the certificate"
sign softhsm "$direct"
ok "softhsm: openssl pkeyutl -sign by '$direct'; the e-Cert's public key verifies it"
tls softhsm "$direct"
ok "softhsm: openssl s_client authenticated with the e-Cert by '$direct' ($(sed -n 's/^ *Protocol *: *//p' "$work/s_client-softhsm.txt" | head -n 1))"
echo "# softhsm: $(($(date +%s) - t0))s"

# ---- through the module ------------------------------------------------------
t0=$(date +%s)
lib=$MODULE
conf hkpost-p11 "$lib"
"$cli" --module "$MODULE" show --json >"$work/show.json" 2>"$work/show.err" ||
	{ show "$work/show.err"; fail "hkpost-p11 show --json"; }
uri=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tokens"][0]["certificates"][0]["uri"])' \
	"$work/show.json")
case $uri in
pkcs11:token=eToken\;object=CHAN*) ;;
*) fail "hkpost-p11 show gives the URI '$uri'" ;;
esac
list hkpost-p11 'pkcs11:token=eToken'
[ "$key_label" = "$(shim_cert_label)" ] || fail "hkpost-p11: storeutl shows the key as '$key_label'"
audited storeutl
! grep -q ' event=C_\(CopyObject\|DestroyObject\) ' "$work/audit-storeutl.txt" ||
	{ show "$work/audit-storeutl.txt"; fail "storeutl copied or destroyed an object"; }
ok "hkpost-p11: openssl storeutl 'pkcs11:token=eToken' lists the private key by the friendly label ($key_label) and the certificate (audit: $events)"
sign hkpost-p11 "$uri"
ok "hkpost-p11: openssl pkeyutl -sign by '$uri', the URI hkpost-p11 show gives; the signature verifies"
# Each run that uses the key copies it into a session object (the
# provider's key cache) and destroys the copy at the end: two records
# beside the login and the signature's.
audited pkeyutl
key_cache pkeyutl
ok "one signing run is audited as: $events (C_DestroyObject destroys the session copy C_CopyObject made, object $copy)"
tls hkpost-p11 "$uri"
audited s_client
key_cache s_client
ok "hkpost-p11: openssl s_client authenticated with the e-Cert by '$uri' (audit: $events)"
# A URI written before the switch, by the label the key has on the token:
# the provider asks the token to search by label (unlike libp11's engine,
# tests/real/libp11-labels.sh), so through the module it still finds the key.
sign old-label "$direct"
audited old-label
ok "hkpost-p11: openssl pkeyutl -sign by the token's own label, '$direct', signs too; the signature verifies"
# The provider's setting that turns the key cache off.
conf nocache "$lib"
printf 'pkcs11-module-cache-keys = false\n' >>"$conf"
sign nocache "$uri"
audited nocache
! grep -q ' event=C_\(CopyObject\|DestroyObject\) ' "$work/audit-nocache.txt" ||
	{ show "$work/audit-nocache.txt"; fail "with pkcs11-module-cache-keys = false the key was still copied"; }
ok "with pkcs11-module-cache-keys = false a signing run copies and destroys nothing (audit: $events)"
echo "# hkpost-p11: $(($(date +%s) - t0))s"

# ---- at 5 tries left ---------------------------------------------------------
t0=$(date +%s)
conf hkpost-p11 "$lib"
to_five_tries_left
ok "ten wrong passwords: status says 5 tries left of 15, the flags say count low"
list low 'pkcs11:token=eToken'
ok "at 5 tries left openssl storeutl 'pkcs11:token=eToken' still lists the key and certificate"
sign low "$uri"
"$cli" --module "$MODULE" status >"$work/status.txt" 2>&1 || :
grep -q ' 15 tries left of 15' "$work/status.txt" || { show "$work/status.txt"; fail "the provider's login did not give the tries back"; }
ok "at 5 tries left openssl pkeyutl -sign by '$uri' signs, the signature verifies, the tries are back to 15"
echo "# at 5 tries left: $(($(date +%s) - t0))s"

# No password, right or wrong, in the audit log.
for pin in "$USER_PIN" Wrong-; do
	! grep -qF -e "$pin" "$audit" || fail "the audit log holds a password ($pin)"
done
ok "the audit log holds neither the password nor any of the wrong ones"

grep -c '^depth=0 .*CN = CHAN TAI MAN' "$work/srv/s_server.log" >"$work/n.txt" || :
[ "$(cat "$work/n.txt")" -eq 2 ] || { show "$work/srv/s_server.log"; fail "s_server verified $(cat "$work/n.txt") e-Cert chains, not 2"; }
ok "s_server verified the e-Cert's chain up to Hongkong Post Root CA 3 twice"
echo "# pkcs11-provider scenario: $(($(date +%s) - start))s"
real_end

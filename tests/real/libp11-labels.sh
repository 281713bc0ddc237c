#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A key named by the label the token holds, in a libp11 (OpenSSL engine,
# curl) configuration written before the switch to hkpost-p11.  libp11
# reads every object's CKA_LABEL and compares the URI's object= itself, so
# through the module it sees only the friendly label:
#   - the old URI (object=<SafeNet's container label>) works directly and,
#     through the module, finds nothing: the limit the README states;
#   - the URI by ID that `hkpost-p11 show` prints works both ways, with
#     openssl and curl;
#   - the old configuration kept as it is works through the module once the
#     engine passes it `labels: off` (INIT_ARGS, given to C_Initialize).
. "$top_srcdir/tests/real/common.sh"
real_begin libp11-labels
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
printf 'signed by a key named in an old configuration\n' >"$work/data.txt"
old_uri="pkcs11:token=eToken;object=$(token_cert_label)"

sign () { # name library URI: openssl pkeyutl, the signature checked
	rm -f "$work/sig-$1.bin"
	LD_PRELOAD=$(preload_for "$2") PKCS11_MODULE_PATH=$2 timeout "$T" openssl pkeyutl -engine pkcs11 \
		-keyform engine -inkey "$3;type=private" -passin "pass:$USER_PIN" -sign -rawin -digest sha256 \
		-in "$work/data.txt" -out "$work/sig-$1.bin" >"$work/sign-$1.txt" 2>&1 || return 1
	openssl pkeyutl -verify -pubin -inkey "$work/personal.pub.pem" -rawin -digest sha256 \
		-in "$work/data.txt" -sigfile "$work/sig-$1.bin" >/dev/null 2>&1
}

fetch () { # name library URI: curl with the token's key and certificate
	LD_PRELOAD=$(preload_for "$2") PKCS11_MODULE_PATH=$2 timeout "$T" curl -sS --engine pkcs11 \
		--key-type ENG --key "$3;type=private" --pass "$USER_PIN" --cert-type ENG --cert "$3;type=cert" \
		--cacert "$work/srv/ca.pem" -o "$work/curl-$1.html" "https://127.0.0.1:$tls_port/" \
		>"$work/curl-$1.txt" 2>&1 && grep -q 'Subject: .*CN=CHAN TAI MAN' "$work/curl-$1.html"
}

# ---- the configuration as it was, directly over the token library --------
sign old-direct "$SOFTHSM2_MODULE" "$old_uri" || { show "$work/sign-old-direct.txt"; fail "the old URI directly"; }
fetch old-direct "$SOFTHSM2_MODULE" "$old_uri" || { show "$work/curl-old-direct.txt"; fail "curl with the old URI directly"; }
ok "directly over the token library, '$old_uri' signs and authenticates (openssl, curl)"

# ---- the same URI through the module: not found --------------------------
if sign old-shim "$MODULE" "$old_uri"; then
	fail "through the module the token's own label still names the key: the README says otherwise"
fi
grep -q 'private key was not found' "$work/sign-old-shim.txt" || { show "$work/sign-old-shim.txt"; fail "another failure"; }
ok "through the module, libp11 finds no key by the token's own label (it sees only the friendly one)"

# ---- what hkpost-p11 show prints -----------------------------------------
cli=$top_builddir/tools/hkpost-p11
"$cli" --module "$MODULE" show >"$work/show.txt" 2>"$work/show.err" || { show "$work/show.err"; fail "hkpost-p11 show"; }
grep -qF "Label on the token    $(token_cert_label)" "$work/show.txt" || { show "$work/show.txt"; fail "show: no label on the token"; }
by_id=$(sed -n 's/^  URI by ID  *\(pkcs11:[^ ]*\) .*/\1/p' "$work/show.txt")
serial=$(pkcs11-tool --module "$SOFTHSM2_MODULE" -L 2>/dev/null | sed -n 's/^ *serial num *: *//p' | head -n 1)
id=$(pkcs11-tool --module "$SOFTHSM2_MODULE" -O --type cert 2>/dev/null | sed -n 's/^ *ID: *//p' | head -n 1 |
	sed 's/\(..\)/%\1/g' | tr a-f A-F)
[ "$by_id" = "pkcs11:serial=$serial;id=$id" ] || { show "$work/show.txt"; fail "show: the URI by ID is '$by_id'"; }
ok "hkpost-p11 show prints the URI by the token's serial number and the key's ID: $by_id"

sign id-shim "$MODULE" "$by_id" || { show "$work/sign-id-shim.txt"; fail "the URI by ID through the module"; }
fetch id-shim "$MODULE" "$by_id" || { show "$work/curl-id-shim.txt"; fail "curl with the URI by ID through the module"; }
sign id-direct "$SOFTHSM2_MODULE" "$by_id" || { show "$work/sign-id-direct.txt"; fail "the URI by ID directly"; }
fetch id-direct "$SOFTHSM2_MODULE" "$by_id" || { show "$work/curl-id-direct.txt"; fail "curl with the URI by ID directly"; }
ok "the URI by ID signs and authenticates through the module and directly (openssl, curl)"

# ---- the old configuration kept, with labels: off for libp11 -------------
cat >"$work/openssl.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
MODULE_PATH = $MODULE
INIT_ARGS = labels: off
init = 0
CNF
OPENSSL_CONF=$work/openssl.cnf sign old-off "$MODULE" "$old_uri" ||
	{ show "$work/sign-old-off.txt"; fail "the old URI with labels: off in INIT_ARGS"; }
OPENSSL_CONF=$work/openssl.cnf fetch old-off "$MODULE" "$old_uri" ||
	{ show "$work/curl-old-off.txt"; fail "curl with the old URI and labels: off in INIT_ARGS"; }
ok "with 'INIT_ARGS = labels: off' in the engine's section of openssl.cnf the old URI works through the module"
# The other layers still hold there: the logins were counted and audited.
n=$(grep -c 'program="\(openssl\|curl\)".*event=C_Login ' "$XDG_STATE_HOME/hkpost-p11/audit.log" || :)
[ "$n" -ge 4 ] || { show "$XDG_STATE_HOME/hkpost-p11/audit.log"; fail "only $n logins of openssl and curl audited"; }
ok "the audit log holds the logins of those runs ($n C_Login of openssl and curl in all)"
echo "# libp11-labels scenario: $(($(date +%s) - start))s"
real_end

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The token keeps its name while tries run low (issue 16).  At 5 tries left
# (ten wrong passwords, the default lockout-warn), with the default
# settings, every client that names the token by its label still finds it:
#   - p11tool --list-all 'pkcs11:token=eToken' lists the objects, and a
#     login with the right PIN there gives the tries back;
#   - OpenSSL's libp11 engine signs with 'pkcs11:token=eToken;object=...';
#   - NSS (modutil, certutil) names the token eToken and the e-Cert
#     "eToken:<friendly label>";
# while the token flags say the count is low and `hkpost-p11 status` says
# how many tries are left.  (OpenSSL 3's pkcs11-provider at 5 tries left:
# tests/real/pkcs11-provider.sh.)
. "$top_srcdir/tests/real/common.sh"
real_begin label-identity
need p11tool pkcs11-tool certutil modutil openssl softhsm2-util python3
engines=$(openssl version -e 2>/dev/null | sed -n 's/^ENGINESDIR: "\(.*\)"$/\1/p')
[ -f "$engines/pkcs11.so" ] || skip "libp11's pkcs11 engine is not installed (libengine-pkcs11-openssl)"

token_new
fixtures
load_fixture "$fx" personal
cli=$top_builddir/tools/hkpost-p11
label=$(shim_cert_label)
[ -n "$label" ] || fail "the module shows no certificate label"
object=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$label")
openssl x509 -in "$fx/personal.pem" -noout -pubkey >"$work/personal.pub.pem"
printf 'signed at five tries left\n' >"$work/data.txt"


# ---- p11tool (GnuTLS) ------------------------------------------------------
to_five_tries_left
ok "ten wrong passwords: status says 5 tries left of 15, the flags say count low, the label stays eToken"
timeout "$T" p11tool --provider "$MODULE" --list-all 'pkcs11:token=eToken' >"$work/p11tool.txt" 2>&1 ||
	{ show "$work/p11tool.txt"; fail "p11tool --list-all 'pkcs11:token=eToken' at 5 tries left"; }
grep -q "type=cert" "$work/p11tool.txt" || { show "$work/p11tool.txt"; fail "p11tool finds no certificate by token=eToken at 5 tries left"; }
ok "at 5 tries left p11tool --list-all 'pkcs11:token=eToken' lists the e-Cert"
GNUTLS_PIN=$USER_PIN timeout "$T" p11tool --provider "$MODULE" --login --list-privkeys 'pkcs11:token=eToken' \
	>"$work/p11tool-login.txt" 2>&1 </dev/null || { show "$work/p11tool-login.txt"; fail "p11tool --login at 5 tries left"; }
grep -q "type=private" "$work/p11tool-login.txt" || { show "$work/p11tool-login.txt"; fail "p11tool lists no private key after the login"; }
"$cli" --module "$MODULE" status >"$work/status.txt" 2>&1 || :
grep -q ' 15 tries left of 15' "$work/status.txt" || { show "$work/status.txt"; fail "the right PIN in p11tool did not give the tries back"; }
ok "p11tool --login with the right PIN finds the private key, and the tries are back to 15"

# ---- OpenSSL with libp11's engine -------------------------------------------
to_five_tries_left
uri="pkcs11:token=eToken;object=$object"
rm -f "$work/sig.bin"
LD_PRELOAD=$(preload_for "$MODULE") PKCS11_MODULE_PATH=$MODULE timeout "$T" openssl pkeyutl -engine pkcs11 \
	-keyform engine -inkey "$uri;type=private" -passin "pass:$USER_PIN" -sign -rawin -digest sha256 \
	-in "$work/data.txt" -out "$work/sig.bin" >"$work/sign.txt" 2>&1 ||
	{ show "$work/sign.txt"; fail "openssl pkeyutl -engine pkcs11 with $uri at 5 tries left"; }
openssl pkeyutl -verify -pubin -inkey "$work/personal.pub.pem" -rawin -digest sha256 \
	-in "$work/data.txt" -sigfile "$work/sig.bin" >"$work/verify.txt" 2>&1 ||
	{ show "$work/verify.txt"; fail "the engine's signature does not verify"; }
"$cli" --module "$MODULE" status >"$work/status.txt" 2>&1 || :
grep -q ' 15 tries left of 15' "$work/status.txt" || { show "$work/status.txt"; fail "the engine's login did not give the tries back"; }
ok "at 5 tries left the libp11 engine signs with '$uri;type=private', the signature verifies, the tries are back"

# ---- NSS --------------------------------------------------------------------
to_five_tries_left
db=$work/nssdb
nss_db "$db"
modutil -list hkpost-p11 -dbdir "sql:$db" >"$work/list.txt" 2>&1 || { show "$work/list.txt"; fail "modutil -list"; }
grep -q 'Token Name: eToken *$' "$work/list.txt" || { show "$work/list.txt"; fail "modutil -list does not name the token eToken at 5 tries left"; }
ok "at 5 tries left modutil -list names the token eToken"
certutil -L -h all -d "sql:$db" -f "$pinfile" >"$work/certs.txt" 2>&1 </dev/null || { show "$work/certs.txt"; fail "certutil -L"; }
grep -F "eToken:$label" "$work/certs.txt" | grep -q 'u,u,u' ||
	{ show "$work/certs.txt"; fail "certutil -L -h all does not list 'eToken:$label' at 5 tries left"; }
ok "at 5 tries left certutil -L -h all lists the nickname 'eToken:$label' (u,u,u)"

real_end

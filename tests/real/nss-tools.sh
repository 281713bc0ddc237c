#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# NSS command-line tools: modutil -add to a fresh database, certutil -L -h all
# lists the e-Cert's nickname, and tstclnt completes a TLS client-auth
# handshake with it (PIN from a file) against a local `openssl s_server`
# that requires a client certificate, over TLS 1.2 and TLS 1.3.
. "$top_srcdir/tests/real/common.sh"
real_begin nss-tools
need certutil modutil tstclnt openssl softhsm2-util pkcs11-tool

token_new
fixtures
load_fixture "$fx" personal
server_cert
tls_server
db=$work/nssdb
nss_db "$db"
grep -q 'Module "hkpost-p11" added to database' "$work/modutil-add.txt" ||
	{ show "$work/modutil-add.txt"; fail "modutil -add did not report the module"; }
ok "modutil -add put the module in a fresh database"

modutil -list hkpost-p11 -dbdir "sql:$db" >"$work/list.txt" 2>&1 || { show "$work/list.txt"; fail "modutil -list"; }
grep -q 'Token Name: eToken' "$work/list.txt" || { show "$work/list.txt"; fail "modutil -list shows no token"; }
ok "modutil -list shows the module's slot with token eToken"

label=$(shim_cert_label)
[ -n "$label" ] || fail "the module shows no certificate label"
certutil -L -h all -d "sql:$db" -f "$pinfile" >"$work/certs.txt" 2>&1 || { show "$work/certs.txt"; fail "certutil -L"; }
nick="eToken:$label"
grep -F "$nick" "$work/certs.txt" | grep -q 'u,u,u' ||
	{ show "$work/certs.txt"; fail "certutil -L -h all does not list $nick as a user certificate"; }
ok "certutil -L -h all lists '$nick' (u,u,u: NSS found its private key)"
case $label in
te-*) echo "# the token's own (container) label: the labels layer is not active" ;;
*CHAN\ TAI\ MAN*) ok "the nickname is the friendly label, with the holder's name" ;;
*) fail "a relabelled certificate without the holder's name: $label" ;;
esac

# The server's CA, trusted for TLS servers only.
certutil -A -d "sql:$db" -n "test server CA" -t "C,," -i "$work/srv/ca.pem"
for v in tls1.2 tls1.3; do
	printf 'GET / HTTP/1.0\r\n\r\n' >"$work/request.txt"
	rc=0
	timeout "$T" tstclnt -h 127.0.0.1 -p "$tls_port" -d "sql:$db" -n "$nick" -W "$pinfile" \
		-V "$v:$v" -A "$work/request.txt" >"$work/tstclnt-$v.txt" 2>&1 || rc=$?
	[ $rc -eq 0 ] || { show "$work/tstclnt-$v.txt"; show "$work/srv/s_server.log"; fail "tstclnt $v: exit $rc"; }
	proto=$(sed -n 's/^ *Protocol *: *//p' "$work/tstclnt-$v.txt" | head -n 1)
	grep -q '^Client certificate' "$work/tstclnt-$v.txt" &&
		grep -q 'Subject: .*CN *= *CHAN TAI MAN' "$work/tstclnt-$v.txt" ||
		{ show "$work/tstclnt-$v.txt"; fail "tstclnt $v: the server did not get the e-Cert"; }
	ok "tstclnt authenticated with the e-Cert over $proto (the server shows its subject)"
done
real_end

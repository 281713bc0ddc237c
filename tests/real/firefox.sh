#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Firefox ESR, headless, driven through Marionette (no geckodriver): load
# the module as a security device, log in through Firefox's password
# dialog, list the e-Cert, TLS client authentication against a local
# `openssl s_server` that requires a client certificate, and the token
# password change.  The Marionette part is firefox.py.
. "$top_srcdir/tests/real/common.sh"
real_begin firefox
need python3 openssl softhsm2-util pkcs11-tool certutil modutil
# Debian ships the ESR as firefox-esr; elsewhere it is firefox.
HKP11_FIREFOX=${HKP11_FIREFOX:-$(command -v firefox-esr || command -v firefox || :)}
[ -n "$HKP11_FIREFOX" ] || skip "firefox-esr is not installed"
export HKP11_FIREFOX

start=$(date +%s)
token_new
fixtures
load_fixture "$fx" personal
server_cert
tls_server

# The PIN policy and lockout checks run when the module has those layers.
policy=no
module_knows "pin-policy: enforce" && policy=yes
lockout=no
module_knows "lockout-attempts: 15" && lockout=yes

HKP11_MODULE=$MODULE HKP11_PIN=$USER_PIN HKP11_TOKEN=eToken HKP11_HOLDER="CHAN TAI MAN" \
	HKP11_WORK=$work HKP11_SERVER_CA=$work/srv/ca.pem HKP11_TLS_URL="https://127.0.0.1:$tls_port/" \
	HKP11_POLICY=$policy HKP11_LOCKOUT=$lockout \
	py_run "$top_srcdir/tests/real/firefox.py" || {
	[ ! -f "$work/firefox.log" ] || tail -n 40 "$work/firefox.log" >&2
	show "$work/srv/s_server.log"
	fail "the Firefox session failed"
}

# The server's side of the handshake: it verified the e-Cert's chain.
grep -q '^depth=0 .*CN = CHAN TAI MAN' "$work/srv/s_server.log" ||
	{ show "$work/srv/s_server.log"; fail "s_server did not verify the e-Cert"; }
ok "s_server verified the client chain up to Hongkong Post Root CA 3"

# The device stays in the profile: the next Firefox start loads it again.
modutil -list -dbdir "sql:$work/profile" >"$work/modutil.txt" 2>&1 ||
	{ show "$work/modutil.txt"; fail "modutil -list on the profile failed"; }
grep -q "library name: $MODULE" "$work/modutil.txt" ||
	{ show "$work/modutil.txt"; fail "the profile's pkcs11.txt does not hold the module"; }
ok "the profile's NSS database keeps the module (modutil -list)"
echo "$USER_PIN" >"$work/pin.txt"
if [ "$policy" = yes ]; then
	echo 'Tai#Man2026' >"$work/pin.txt"
fi
# The Firefox session may have ended with the lockout guard up (shared by
# every process of the user): this reader gets a lockout state of its own.
XDG_STATE_HOME=$work/state-certutil \
	certutil -L -h all -d "sql:$work/profile" -f "$work/pin.txt" >"$work/certutil.txt" 2>&1 ||
	{ show "$work/certutil.txt"; fail "certutil -L on the profile failed"; }
nick="eToken:$(shim_cert_label)"
grep -F "$nick" "$work/certutil.txt" | grep -q 'u,u,u' || { show "$work/certutil.txt"; fail "no user certificate $nick"; }
ok "certutil -L -h all on the profile lists '$nick' as a user certificate"

echo "# firefox scenario: $(($(date +%s) - start))s"
real_end

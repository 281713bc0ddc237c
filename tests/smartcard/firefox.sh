#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Scenario 5: Firefox ESR (headless, Marionette) running while the card is
# pulled out and put back: the e-Cert disappears and reappears, a new login
# goes through Firefox's own dialog, and TLS client authentication to a
# local `openssl s_server` works again.  Directly over opensc-pkcs11.so and
# through hkpost-p11.  The Marionette part is firefox.py.
. "$top_srcdir/tests/smartcard/common.sh"
sc_begin smartcard-firefox
need python3
HKP11_FIREFOX=${HKP11_FIREFOX:-$(command -v firefox-esr || command -v firefox || :)}
[ -n "$HKP11_FIREFOX" ] || skip "firefox-esr is not installed"
export HKP11_FIREFOX
sc_card card-a personal 4b5000000017000a 15
sc_timed stack sc_start card-a

# Two servers: the second handshake after the card came back must be a new
# one, not a resumed session of the first.
server_cert
tls_server
port1=$tls_port
mv "$work/srv/s_server.log" "$work/srv/s_server-1.log"
tls_server
port2=$tls_port

for run in direct shim; do
	module=$MODULE
	[ "$run" = shim ] || module=$OPENSC_MODULE
	HKP11_MODULE=$module HKP11_RUN=$run HKP11_PIN=$SC_PIN HKP11_HOLDER="CHAN TAI MAN" \
		HKP11_WORK=$work HKP11_SERVER_CA=$work/srv/ca.pem \
		HKP11_TLS_URL1="https://127.0.0.1:$port1/$run" HKP11_TLS_URL2="https://127.0.0.1:$port2/$run" \
		HKP11_CARD_CTL="$SC_VCARD --ctl $work/card.sock" \
		sc_timed s5-$run py_run "$top_srcdir/tests/smartcard/firefox.py" || {
		[ ! -f "$work/firefox-$run.log" ] || tail -n 40 "$work/firefox-$run.log" >&2
		show "$work/card.log"
		fail "the Firefox session ($run) failed"
	}
done
grep -c '^depth=0 .*CN = CHAN TAI MAN' "$work/srv/s_server.log" >"$work/n2" || :
[ "$(cat "$work/n2")" -ge 2 ] ||
	{ show "$work/srv/s_server.log"; fail "the second server did not verify the e-Cert twice"; }
ok "the server verified the e-Cert after the card came back, directly and through hkpost-p11"

real_end

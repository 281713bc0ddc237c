#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The tries left in the token label, in a real Firefox (headless, through
# Marionette): what the user sees, and that the e-Cert keeps working while
# the label changes.  The Firefox part is firefox-label.py.
. "$top_srcdir/tests/real/common.sh"
real_begin firefox-label
need firefox-esr python3 openssl softhsm2-util pkcs11-tool

token_new
fixtures
load_fixture "$fx" personal
server_cert
tls_server
mkdir -p "$work/profile"

HKP11_MODULE=$MODULE HKP11_PIN=$USER_PIN HKP11_HOLDER="CHAN TAI MAN" HKP11_WORK=$work \
	HKP11_SERVER_CA=$work/srv/ca.pem HKP11_TLS_URL="https://127.0.0.1:$tls_port/" \
	py_run "$top_srcdir/tests/lockout/firefox-label.py" || {
	for f in "$work"/firefox-*.log; do
		[ ! -f "$f" ] || tail -n 20 "$f" >&2
	done
	fail "the Firefox runs failed"
}

# The label counted down with the default settings: lockout-label-programs'
# "firefox" names Debian's firefox-esr, the name the module sees.
grep -q 'program="firefox-esr"' "$XDG_STATE_HOME/hkpost-p11/audit.log" ||
	fail "the audit log names no program firefox-esr"
ok "the module saw the program name firefox-esr, which the default 'firefox' names"

# No PIN in what the module left behind.
if grep -rlF -e "$USER_PIN" -e 27182800 "$work/home" >"$work/pin-hits" 2>/dev/null; then
	show "$work/pin-hits"
	fail "a PIN appears in the files above"
fi
ok "no PIN in the state or any file under the home directory"
real_end

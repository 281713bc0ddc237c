#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Chromium, as a holder uses it: a real window under Xvfb (not headless:
# the token password is asked in Chromium's own "Unlock Security Device"
# window, which headless Chromium cannot answer), TLS client
# authentication to a local `openssl s_server` that requires a client
# certificate, the certificate chosen by the AutoSelectCertificateForUrls
# policy (a file this test writes and removes), the PIN typed into the
# dialog with xdotool.
#   direct       SoftHSM in ~/.pki/nssdb: the server gets the e-Cert's chain.
#   hkpost-p11   `hkpost-p11 register chromium` makes the database; a wrong
#                PIN brings back the same dialog (the same pixels: no count),
#                the right one logs in; register refuses while Chromium runs.
#   guard        with 2 tries left, a wrong PIN leaves 1 and the guard holds:
#                the right PIN is refused by the module, Chromium stops
#                asking and shows an error page (ERR_BAD_SSL_CLIENT_AUTH_CERT);
#                the token gets no try.
# Screenshots of the dialogs and pages are kept in tests/tmp/chromium/.
. "$top_srcdir/tests/real/common.sh"
real_begin chromium
need chromium Xvfb xdotool import compare identify certutil modutil openssl softhsm2-util pkcs11-tool

policy_dir=/etc/chromium/policies/managed
made_policy_dir=no
[ -d "$policy_dir" ] || made_policy_dir=yes
if ! { mkdir -p "$policy_dir" 2>/dev/null && [ -w "$policy_dir" ]; }; then
	skip "cannot write Chromium's managed policy in $policy_dir (run as root, as CI does)"
fi
policy=$policy_dir/hkp11-test-$$.json
shots=$top_builddir/tests/tmp/chromium
rm -rf "$shots"
mkdir -p "$shots"
start=$(date +%s)

remove_policy () {
	rm -f "$policy"
	if [ "$made_policy_dir" = yes ]; then
		rmdir "$policy_dir" "$policy_dir/.." /etc/chromium 2>/dev/null || :
	fi
}
real_cleanup_hook=remove_policy

token_new
fixtures
load_fixture "$fx" personal
server_cert
tls_server
url="https://127.0.0.1:$tls_port/"
# Only this server gets a certificate without asking: one issued by
# Hongkong Post, as the README's example filters.
printf '{"AutoSelectCertificateForUrls": ["{\\"pattern\\":\\"https://127.0.0.1:%s\\",\\"filter\\":{\\"ISSUER\\":{\\"O\\":\\"Hongkong Post\\"}}}"]}\n' \
	"$tls_port" >"$policy"

# The display: Xvfb picks a free one and says which.
spawn sh -c 'exec Xvfb -displayfd 3 -nolisten tcp -noreset -screen 0 1280x800x24 3>"$1" 2>"$2"' sh \
	"$work/display.txt" "$work/xvfb.log"
wait_for "$work/display.txt" '^[0-9]' || { show "$work/xvfb.log"; fail "Xvfb did not start"; }
DISPLAY=:$(cat "$work/display.txt")
export DISPLAY
mkdir -p "$work/tmp"
# Chromium leaves a directory in TMPDIR.
export TMPDIR="$work/tmp"
cli=$top_builddir/tools/hkpost-p11

chromium_pid=
# chromium_start NAME: a fresh profile, the background traffic off, and
# no host name resolved (the server is 127.0.0.1).
chromium_start () {
	rm -rf "$work/profile-$1"
	spawn timeout $((T * 3)) chromium --no-sandbox --user-data-dir="$work/profile-$1" \
		--disable-background-networking --disable-component-update --disable-sync --no-first-run \
		--disable-quic --no-default-browser-check --window-size=1024,700 \
		--host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1' \
		--log-net-log="$work/netlog-$1.json" "$url" >"$work/chromium-$1.log" 2>&1
	chromium_pid=$!
}

chromium_stop () {
	kill "$chromium_pid" 2>/dev/null || :
	n=0
	while kill -0 "$chromium_pid" 2>/dev/null && [ $n -lt 200 ]; do
		sleep 0.1
		n=$((n + 1))
	done
}

# window NAME-REGEX [SECONDS]: the id of the window, once it is there.
window () {
	n=0
	while [ $n -le $((${2:-20} * 10)) ]; do
		w=$(xdotool search --name "$1" 2>/dev/null | head -n 1 || :)
		if [ -n "$w" ]; then
			echo "$w"
			return 0
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# gone WINDOW-ID [SECONDS]: until that window is closed.
gone () {
	n=0
	while xdotool getwindowname "$1" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -le $((${2:-10} * 10)) ] || return 1
		sleep 0.1
	done
}

DIALOG='^Unlock Security Device$'

# answer_dialog PIN: types PIN into the open dialog and presses Return.
answer_dialog () {
	w=$(window "$DIALOG") || { show "$work/chromium-$case.log"; fail "$case: no 'Unlock Security Device' window"; }
	xdotool windowfocus --sync "$w" type --delay 15 "$1"
	xdotool key Return
	gone "$w" || fail "$case: the dialog stayed open"
}

# drawn WINDOW: until the window shows more than a blank background (a
# window is mapped before Chromium paints it).
drawn () {
	n=0
	while [ $n -lt 50 ]; do
		colours=$(import -window "$1" png:- 2>/dev/null | identify -format '%k' - 2>/dev/null || :)
		[ "${colours:-0}" -gt 20 ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# shot FILE [WINDOW]: a screenshot, kept with the others.
shot () {
	if [ -n "${2:-}" ]; then
		drawn "$2" || fail "$case: the window $2 stays blank"
	fi
	import -window "${2:-root}" "$shots/$1" 2>/dev/null || fail "$case: no screenshot $1"
	echo "# screenshot: $shots/$1"
}

# page_loaded: the tab shows the server's page (title "HOST:PORT").
page_loaded () {
	window "^127\\.0\\.0\\.1:$tls_port - Chromium\$" 20 >/dev/null
}

seen_by_server () {
	grep -c '^depth=0 .*CN = CHAN TAI MAN' "$work/srv/s_server.log" || :
}

# ---- directly over SoftHSM ---------------------------------------------------
case=direct
t0=$(date +%s)
home=$HOME
HOME=$work/home-direct
mkdir -p "$HOME/.pki/nssdb"
certutil -N -d "sql:$HOME/.pki/nssdb" --empty-password
modutil -add softhsm -libfile "$SOFTHSM2_MODULE" -dbdir "sql:$HOME/.pki/nssdb" -force >/dev/null 2>&1 ||
	fail "modutil -add softhsm"
certutil -A -d "sql:$HOME/.pki/nssdb" -n "test server CA" -t "C,," -i "$work/srv/ca.pem"
chromium_start direct
w=$(window "$DIALOG" 30) || { show "$work/chromium-direct.log"; fail "direct: no 'Unlock Security Device' window"; }
shot direct-unlock.png "$w"
answer_dialog "$USER_PIN"
page_loaded || { shot direct-failed.png; fail "direct: the page did not load"; }
[ "$(seen_by_server)" -eq 1 ] || { show "$work/srv/s_server.log"; fail "direct: the server did not see the e-Cert"; }
ok "direct: Chromium asked in its own window, logged in with the typed PIN, and sent the e-Cert's chain"
shot direct-page.png
chromium_stop
HOME=$home
echo "# direct: $(($(date +%s) - t0))s"

# ---- through hkpost-p11 ---------------------------------------------------------
case=hkpost-p11
t0=$(date +%s)
[ ! -e "$HOME/.pki" ] || fail "a ~/.pki before register"
"$cli" --module "$MODULE" register chromium >"$work/register.txt" 2>&1 || { show "$work/register.txt"; fail "register chromium"; }
[ -f "$HOME/.pki/nssdb/cert9.db" ] && [ "$(stat -c %a "$HOME/.pki/nssdb")" = 700 ] ||
	{ ls -la "$HOME/.pki/nssdb" >&2 || :; fail "register chromium made no database (mode 700)"; }
modutil -list -dbdir "sql:$HOME/.pki/nssdb" >"$work/modules.txt" 2>&1
grep -q "library name: $(readlink -f "$MODULE")" "$work/modules.txt" || { show "$work/modules.txt"; fail "the module is not in ~/.pki/nssdb"; }
ok "register chromium made ~/.pki/nssdb (mode 700, no password, as Chromium does) and added the module"
certutil -A -d "sql:$HOME/.pki/nssdb" -n "test server CA" -t "C,," -i "$work/srv/ca.pem"

chromium_start hkpost-p11
w1=$(window "$DIALOG" 30) || { show "$work/chromium-hkpost-p11.log"; fail "no 'Unlock Security Device' window"; }
shot unlock-dialog.png "$w1"
# Its text line, without the PIN field's blinking caret.
import -window "$w1" -crop 0x30+0+0 "$work/text-1.png"
answer_dialog 31415926
w2=$(window "$DIALOG" 10) || fail "after a wrong PIN Chromium did not ask again"
shot unlock-dialog-again.png "$w2"
import -window "$w2" -crop 0x30+0+0 "$work/text-2.png"
diff=$(compare -metric AE "$work/text-1.png" "$work/text-2.png" null: 2>&1 || :)
[ "$diff" = 0 ] || fail "the dialog's text changed after a wrong PIN ($diff pixels differ)"
ok "after a wrong PIN Chromium asked again with the same dialog, pixel for pixel: no count"
"$cli" --module "$MODULE" status >"$work/status-1.txt" 2>&1 || :
grep -q '14 tries left of 15' "$work/status-1.txt" || { show "$work/status-1.txt"; fail "the wrong PIN was not counted"; }
ok "the module counted it: 14 tries left of 15"
answer_dialog "$USER_PIN"
page_loaded || { shot hkpost-p11-failed.png; fail "the page did not load after the right PIN"; }
[ "$(seen_by_server)" -eq 2 ] || { show "$work/srv/s_server.log"; fail "the server did not see the e-Cert through the module"; }
ok "the right PIN logged in; the server got the e-Cert's chain through hkpost-p11"
shot page.png

rc=0
"$cli" --module "$MODULE" register chromium >"$work/running.txt" 2>&1 || rc=$?
[ $rc -eq 9 ] && grep -q 'is running (process [0-9]*)' "$work/running.txt" ||
	{ show "$work/running.txt"; fail "register chromium while Chromium runs: exit $rc"; }
ok "register chromium refuses while Chromium runs: $(grep -m1 'is running' "$work/running.txt")"
chromium_stop
echo "# hkpost-p11: $(($(date +%s) - t0))s"

# ---- the guard ------------------------------------------------------------------
case=guard
t0=$(date +%s)
# 13 wrong PINs, all different (a repeated one would not count), as
# another program would have spent them: 2 tries left.
for i in 10 11 12 13 14 15 16 17 18 19 20 21 22; do
	pkcs11-tool --module "$MODULE" --login --pin "271828$i" -O >/dev/null 2>&1 || :
done
"$cli" --module "$MODULE" status >"$work/status-2.txt" 2>&1 || :
grep -q ' 2 tries left of 15' "$work/status-2.txt" || { show "$work/status-2.txt"; fail "not 2 tries left"; }
chromium_start guard
answer_dialog 16180339
w=$(window "$DIALOG" 10) || fail "guard: after a wrong PIN Chromium did not ask again"
shot guard-unlock.png "$w"
# The right PIN now: the module holds back the last try.
answer_dialog "$USER_PIN"
if window "$DIALOG" 3 >/dev/null; then
	fail "guard: Chromium asked again"
fi
window '^127\.0\.0\.1 - Chromium$' 10 >/dev/null || { shot guard-failed.png; fail "guard: no error page"; }
shot guard-page.png
grep -q 'C_Login refused: only 1 try left' "$work/chromium-guard.log" ||
	{ show "$work/chromium-guard.log"; fail "guard: the module did not refuse the login"; }
[ "$(seen_by_server)" -eq 2 ] || fail "guard: the server got a certificate"
# What the page says, from Chromium's net log (written as it goes):
# ERR_BAD_SSL_CLIENT_AUTH_CERT (-117) when the server refused the
# handshake without a certificate; ERR_SOCKET_NOT_CONNECTED (-15) when
# s_server, which serves one connection at a time, had dropped Chromium's
# while the dialogs were open.  Either way no certificate was sent.
netlog_error () {
	grep -o '"net_error":-\(117\|15\)[,}]' "$work/netlog-guard.json" 2>/dev/null | head -n 1 | tr -dc 0-9
}
n=0
while [ -z "$(netlog_error)" ] && [ $n -lt 200 ]; do
	sleep 0.1
	n=$((n + 1))
done
chromium_stop
case $(netlog_error) in
117) shown=ERR_BAD_SSL_CLIENT_AUTH_CERT ;;
15) shown=ERR_SOCKET_NOT_CONNECTED ;;
*) fail "guard: the net log has neither ERR_BAD_SSL_CLIENT_AUTH_CERT nor ERR_SOCKET_NOT_CONNECTED" ;;
esac
ok "guard: the module refused the right PIN with 1 try left; Chromium stopped asking and showed an error page ($shown)"
"$cli" --module "$MODULE" status >"$work/status-3.txt" 2>&1 || :
grep -q ' 1 try left of 15' "$work/status-3.txt" || { show "$work/status-3.txt"; fail "guard: the token was tried"; }
ok "guard: the token was not tried (still 1 try left)"
echo "# guard: $(($(date +%s) - t0))s"

"$cli" --module "$MODULE" unregister chromium >"$work/unregister.txt" 2>&1 || { show "$work/unregister.txt"; fail "unregister chromium"; }
modutil -list -dbdir "sql:$HOME/.pki/nssdb" >"$work/modules-2.txt" 2>&1
if grep -q 'hkpost-p11' "$work/modules-2.txt"; then
	show "$work/modules-2.txt"
	fail "unregister chromium left the module"
fi
ok "unregister chromium removed the module from ~/.pki/nssdb"
echo "# chromium scenario: $(($(date +%s) - start))s; screenshots in $shots"
# The name lockout-label-programs' default "chromium" is matched against.
grep -q 'program="chromium"' "$XDG_STATE_HOME/hkpost-p11/audit.log" ||
	fail "the audit log names no program chromium"
ok "the module saw the program name chromium, which lockout-label-programs names by default"
real_end

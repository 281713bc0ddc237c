#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The token host's p11-kit server dies in the middle of a client's session
# (SIGKILL to the server and the p11-kit-remote serving the session): the
# client's next calls fail at once with an error, not a hang; a new client
# fails at once too while the server is down; the ssh forward survives, and
# once the server is back the same application recovers (C_Finalize,
# C_Initialize, login) and signs again, as does a fresh pkcs11-tool.  The
# token host's audit chains still verify, the killed process's included.
. "$top_srcdir/tests/real/common.sh"
real_begin remote-restart
. "$top_srcdir/tests/remote/hosts.sh"
hosts_begin

token_host_token
token_host_conf
token_host_sshd
token_host_server
client_forward

# The application: a session held open, driven one command at a time.
# The FIFO is opened read-write here first, so that neither side's open
# waits for the other.
mkfifo "$cl/cmd"
exec 3<>"$cl/cmd"
# Not through spawn: an asynchronous command's stdin is /dev/null unless
# the redirection is its own.
$cl_pre env HKP11_REMOTE_PIN="$USER_PIN" timeout $((T * 2)) "$REMOTE_CLIENT_BIN" "$CLIENT_MODULE" session \
	<"$cl/cmd" >>"$cl/session.out" 2>"$cl/session.err" &
app_pid=$!
real_pids="$real_pids $app_pid"
wait_for "$cl/session.out" '^ready' 20 || { show "$cl/session.err"; fail "the application did not log in"; }

# ask COMMAND [SECONDS]: sends it, waits for the answer line; sets answer
# and took (seconds, whole).
asked=0
ask () {
	asked=$((asked + 1))
	t0=$(date +%s)
	echo "$1" >&3
	wait_for "$cl/session.out" "^$1 " "${2:-10}" || {
		show "$cl/session.out"
		show "$cl/session.err"
		fail "no answer to '$1' within ${2:-10} s: the client hangs"
	}
	took=$(($(date +%s) - t0))
	answer=$(grep "^$1 " "$cl/session.out" | tail -n 1 | cut -d' ' -f2)
	# One answer per command: clear them for the next (the application
	# appends, so it writes at the new end).
	: >"$cl/session.out"
}

ask info
[ "$answer" = CKR_OK ] || fail "C_GetSessionInfo: $answer"
ask sign
[ "$answer" = CKR_OK ] || fail "sign: $answer"
ok "an application holds a logged-in session through the forward and signs"

remote_pids=$(descendants "$server_pid" | tr '\n' ' ')
token_host_server_kill
for p in $remote_pids; do
	# Gone once reaped (a moment for a zombie).
	n=0
	while kill -0 "$p" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le 20 ] || fail "process $p of the server survived"
		sleep 0.1
	done
done
ask info 15
case $answer in
CKR_OK) fail "C_GetSessionInfo succeeded with the server dead" ;;
esac
first=$answer
ask sign 15
case $answer in
CKR_OK) fail "sign succeeded with the server dead" ;;
esac
ok "server killed mid-session: the next calls fail at once (C_GetSessionInfo $first, sign $answer, ${took}s)"

rc=0
t0=$(date +%s)
remote_tool "$cl/down.txt" -L || rc=$?
[ "$rc" -ne 0 ] || { show "$cl/down.txt"; fail "pkcs11-tool -L succeeded with the server down"; }
[ "$rc" -ne 124 ] || fail "pkcs11-tool -L hung with the server down"
ok "with the server down a new client fails at once ($(grep -o 'CKR_[A-Z_]*' "$cl/down.txt" | head -n 1), exit $rc, $(($(date +%s) - t0))s)"
kill -0 "$forward_pid" 2>/dev/null || fail "the ssh forward died with the server"

token_host_server
ask reinit 20
[ "$answer" = CKR_OK ] || { show "$cl/session.err"; fail "after the restart: reinit $answer"; }
ask sign
[ "$answer" = CKR_OK ] || fail "after the restart: sign $answer"
ok "server restarted: the same application re-initialises, logs in and signs through the same forward"
remote_tool "$cl/again.txt" -O --type cert || { show "$cl/again.txt"; fail "pkcs11-tool -O after the restart"; }
grep -q "label: *CHAN TAI MAN (Personal e-Cert" "$cl/again.txt" || { show "$cl/again.txt"; fail "no e-Cert after the restart"; }
ok "a fresh pkcs11-tool lists the e-Cert under its friendly label again"

ask quit
exec 3>&-
wait "$app_pid" 2>/dev/null || :

# Each connection was its own p11-kit-remote process with its own chain.
"$top_builddir/tests/audit-verify" "$th/audit.log" >"$cl/verify.txt" 2>&1 ||
	{ show "$cl/verify.txt"; fail "the token host's audit chains do not verify after the kill"; }
chains=$(grep -o 'chain=[^ ]*' "$th/audit.log" | sort -u | wc -l)
[ "$(grep -c 'event=C_Sign.*result=CKR_OK' "$th/audit.log")" -ge 2 ] || fail "the signatures are not in the audit log"
ok "the token host's audit log verifies: $chains chains (one per connection), both signatures recorded"
real_end

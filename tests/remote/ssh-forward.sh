#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# One token for a team's machines: the token host serves hkpost-p11 over a
# SoftHSM token holding an e-Cert with `p11-kit server` (the ExecStart of
# the config/hkpost-p11-server.service that make generated from its .in)
# and runs sshd; the client forwards the server's socket with `ssh -N -L`
# and loads p11-kit-client.so.  Through that path only:
#   - pkcs11-tool lists the e-Cert under its friendly label, signs with
#     it, and the signature verifies against the certificate;
#   - a weak --change-pin is refused (a strong one goes through);
#   - wrong logins move the token host's counter, the client sees the
#     last try in the token flags (the label keeps the token's name), and
#     the guard holds back the last try;
#   - the token host's audit log has every record, says the caller was
#     p11-kit's server, and its chain verifies;
#   - ssh logs in to the token host with the e-Cert's key (ssh -I, and
#     through ssh-agent), p11-kit lists the token from a module config, and
#     NSS (the library of Firefox) lists the e-Cert under its friendly
#     nickname.
. "$top_srcdir/tests/real/common.sh"
real_begin remote-ssh
. "$top_srcdir/tests/remote/hosts.sh"
hosts_begin

token_host_token
# Six tries before the token locks, so that the countdown is short; the
# warning (5 tries left) and the guard (1 left) stay at their defaults.
token_host_conf "lockout-attempts: 6"
token_host_sshd
if command -v systemd-analyze >/dev/null 2>&1; then
	XDG_RUNTIME_DIR=$th/run timeout "$T" systemd-analyze verify --user "$server_unit" >"$th/verify-unit.txt" 2>&1 ||
		{ show "$th/verify-unit.txt"; fail "systemd-analyze verify $server_unit"; }
	ok "systemd-analyze verify --user accepts config/hkpost-p11-server.service"
fi
token_host_server
ok "token host: p11-kit server with hkpost-p11 as provider, as config/hkpost-p11-server.service runs it, for $token_uri"
client_forward
ok "client: ssh -N -L $cl_sock:$th_sock to $th_addr ($remote_mode)"
if [ "$remote_mode" = netns ]; then
	[ ! -e "$th_sock" ] || fail "the client can see the token host's socket $th_sock"
	ok "the client cannot reach the server's socket except through ssh"
fi

# --- the token and the e-Cert, under their friendly names --------------------

remote_tool "$cl/list.txt" -L || { show "$cl/list.txt"; fail "pkcs11-tool -L through p11-kit-client.so"; }
grep -q "serial num *: *$token_serial" "$cl/list.txt" &&
	grep -q "token label *: *eToken *$" "$cl/list.txt" || { show "$cl/list.txt"; fail "the client does not see the token"; }
ok "pkcs11-tool -L through p11-kit-client.so shows token eToken, serial $token_serial"

# The token's own label for the e-Cert (what SafeNet's library shows) ...
th_env pkcs11-tool --module "$SOFTHSM2_MODULE" -O --type cert >"$th/own.txt" 2>&1
own_label=$(sed -n 's/^ *label: *//p' "$th/own.txt" | head -n 1)
case $own_label in
te-*) ;;
*) show "$th/own.txt"; fail "the fixture's own label is '$own_label', not a container name" ;;
esac
# ... and what the client sees through the token host's hkpost-p11.
friendly="CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)"
remote_tool "$cl/objects.txt" --login --pin "$USER_PIN" -O ||
	{ show "$cl/objects.txt"; fail "pkcs11-tool --login -O through p11-kit-client.so"; }
[ "$(grep -c "label: *$friendly\$" "$cl/objects.txt")" -eq 2 ] ||
	{ show "$cl/objects.txt"; fail "the certificate and its key do not read '$friendly'"; }
ok "the client lists the e-Cert and its key as '$friendly' (the token's own label: $own_label)"

# --- signing ------------------------------------------------------------------

printf 'hkpost-p11: signed on the token host, asked for by the client\n' >"$cl/data.txt"
remote_tool "$cl/sign.txt" --login --pin "$USER_PIN" --sign -m SHA256-RSA-PKCS --id "$cert_id" \
	-i "$cl/data.txt" -o "$cl/data.sig" || { show "$cl/sign.txt"; fail "pkcs11-tool --sign through p11-kit-client.so"; }
openssl x509 -in "$fx/personal.pem" -noout -pubkey >"$cl/personal.pub.pem"
openssl dgst -sha256 -verify "$cl/personal.pub.pem" -signature "$cl/data.sig" "$cl/data.txt" >"$cl/verify.txt" 2>&1 ||
	{ show "$cl/verify.txt"; fail "the signature does not verify against the e-Cert"; }
ok "signed with the e-Cert's key through the forward (SHA256-RSA-PKCS, $(wc -c <"$cl/data.sig") bytes); openssl verifies it against the fixture certificate"

# --- the PIN policy holds on the token host ---------------------------------

if remote_tool "$cl/weak.txt" --login --pin "$USER_PIN" --change-pin --new-pin 12345678; then
	fail "a weak new PIN was accepted through the remote path"
fi
grep -q -e CKR_PIN_INVALID -e CKR_PIN_LEN_RANGE "$cl/weak.txt" || { show "$cl/weak.txt"; fail "weak PIN: unexpected error"; }
remote_tool "$cl/after-weak.txt" --login --pin "$USER_PIN" -O || { show "$cl/after-weak.txt"; fail "the PIN changed after all"; }
ok "a weak --change-pin is refused ($(grep -o -e CKR_PIN_INVALID -e CKR_PIN_LEN_RANGE "$cl/weak.txt" | head -n 1)) and the PIN is unchanged"

strong='Hk$post-2045!'
remote_tool "$cl/strong.txt" --login --pin "$USER_PIN" --change-pin --new-pin "$strong" ||
	{ show "$cl/strong.txt"; fail "a strong new PIN was refused"; }
USER_PIN=$strong
remote_tool "$cl/after-strong.txt" --login --pin "$USER_PIN" -O || { show "$cl/after-strong.txt"; fail "login with the new PIN"; }
ok "a strong --change-pin goes through, and the new PIN opens the token"

# --- wrong PINs count on the token host -------------------------------------

state_file () {
	ls "$th/state/hkpost-p11/"*.state 2>/dev/null | head -n 1
}
failures () {
	f=$(state_file)
	if [ -n "$f" ]; then
		sed -n 's/^failures: *//p' "$f"
	else
		echo 0
	fi
}

n=0
for wrong in 11111111 22222222 33333333 44444444 55555555; do
	n=$((n + 1))
	if remote_tool "$cl/wrong.txt" --login --pin "$wrong" -O; then
		fail "wrong PIN $n was accepted"
	fi
	grep -q CKR_PIN_INCORRECT "$cl/wrong.txt" || { show "$cl/wrong.txt"; fail "wrong PIN $n: not CKR_PIN_INCORRECT"; }
	[ "$(failures)" = "$n" ] || { show "$(state_file)"; fail "after $n wrong PINs the token host counts $(failures)"; }
done
ok "5 wrong PINs from the client: CKR_PIN_INCORRECT each, the token host's count reads $(failures) ($(state_file | sed "s|$th/||"))"

remote_tool "$cl/low.txt" -L || { show "$cl/low.txt"; fail "pkcs11-tool -L after wrong PINs"; }
# The server is no program lockout-label-programs names: the label stays
# the token's name, and the flags carry the count.
grep -q "token label *: *eToken$" "$cl/low.txt" || { show "$cl/low.txt"; fail "the client does not see the token's own label"; }
grep -q "final user PIN try" "$cl/low.txt" || { show "$cl/low.txt"; fail "the client does not see the tries left: no final-try flag"; }
ok "the client sees the token '$(sed -n 's/^ *token label *: *//p' "$cl/low.txt" | head -n 1)' under its own label, and the final-try flag"

if remote_tool "$cl/guard.txt" --login --pin "$USER_PIN" -O; then
	fail "the guard let the last try through"
fi
grep -q CKR_PIN_LOCKED "$cl/guard.txt" || { show "$cl/guard.txt"; fail "guard: not CKR_PIN_LOCKED"; }
[ "$(failures)" = 5 ] || fail "the guarded login was counted"
ok "with one try left the guard refuses even the right PIN (CKR_PIN_LOCKED); the count stays at 5"

# Released on the token host, as the refusal says: with the tool where it
# is built, else by deleting the state file.  A good PIN resets the count.
tool=$top_builddir/tools/hkpost-p11
if [ -x "$tool" ]; then
	th_run $th_env HKPOST_P11_MODULE="$(readlink -f "$MODULE")" "$tool" guard release \
		--token "$token_serial" --yes </dev/null >"$th/release.txt" 2>&1 ||
		{ show "$th/release.txt"; fail "hkpost-p11 guard release on the token host"; }
	released_by="hkpost-p11 guard release on the token host"
else
	rm -f "$(state_file)"
	released_by="deleting the token host's state file"
fi
remote_tool "$cl/released.txt" --login --pin "$USER_PIN" -O || { show "$cl/released.txt"; fail "login after the release"; }
[ "$(failures)" = 0 ] || fail "a good PIN left the count at $(failures)"
ok "after $released_by, the right PIN logs in from the client and the count is 0"

# --- ssh and NSS on the client ---------------------------------------------

cl_run timeout "$T" ssh-keygen -D "$CLIENT_MODULE" >"$cl/keys.txt" 2>"$cl/keygen.err" ||
	{ show "$cl/keygen.err"; fail "ssh-keygen -D p11-kit-client.so"; }
[ "$(grep -c '^ssh-rsa ' "$cl/keys.txt")" -eq 1 ] || { show "$cl/keys.txt"; fail "ssh-keygen -D: not one RSA key"; }
openssl x509 -in "$fx/personal.pem" -noout -pubkey >"$cl/pub.pem"
[ "$(cut -d' ' -f1,2 "$cl/keys.txt")" = "$(ssh-keygen -i -m PKCS8 -f "$cl/pub.pem")" ] ||
	fail "ssh-keygen -D shows another key"
cut -d' ' -f1,2 "$cl/keys.txt" >>"$th/ssh/authorized_keys"
cp "$cl/keys.txt" "$cl/token.pub"
cat >"$cl/askpass" <<ASKPASS
#!/bin/sh
printf '%s\n' "\$1" >>"$cl/prompts.txt"
printf '%s\n' '$USER_PIN'
ASKPASS
chmod 700 "$cl/askpass"
cl_run env SSH_ASKPASS="$cl/askpass" SSH_ASKPASS_REQUIRE=force timeout "$T" \
	ssh -F /dev/null -p "$ssh_port" -l "$me" -I "$CLIENT_MODULE" -o IdentitiesOnly=yes \
	-o IdentityFile="$cl/token.pub" -o IdentityAgent=none -o UserKnownHostsFile="$cl/known_hosts" \
	-o StrictHostKeyChecking=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
	-o PreferredAuthentications=publickey -o ConnectTimeout=10 -o LogLevel=ERROR \
	"$th_addr" 'echo hkp11-remote-ssh-ok $(hostname)' </dev/null >"$cl/ssh-out.txt" 2>"$cl/ssh-err.txt" ||
	{ show "$cl/ssh-err.txt"; show "$th/ssh/sshd.log"; fail "ssh -I p11-kit-client.so"; }
grep -q '^hkp11-remote-ssh-ok' "$cl/ssh-out.txt" || { show "$cl/ssh-out.txt"; fail "ssh -I: no output"; }
ok "ssh -I p11-kit-client.so logs in to the token host with the e-Cert's key ($(cat "$cl/ssh-out.txt"))"

# The agent takes modules under /usr/lib* without -P; its PKCS#11 helper
# inherits the agent's environment, hence the forward.
spawn $cl_pre timeout $((T * 2)) ssh-agent -D -a "$cl/agent.sock" >"$cl/agent.log" 2>&1
wait_for "$cl/agent.log" SSH_AUTH_SOCK || { show "$cl/agent.log"; fail "ssh-agent did not start"; }
cl_run env SSH_AUTH_SOCK="$cl/agent.sock" SSH_ASKPASS="$cl/askpass" SSH_ASKPASS_REQUIRE=force \
	timeout "$T" ssh-add -s "$CLIENT_MODULE" </dev/null >"$cl/add.txt" 2>&1 ||
	{ show "$cl/add.txt"; show "$cl/agent.log"; fail "ssh-add -s p11-kit-client.so"; }
cl_run timeout "$T" ssh -F /dev/null -p "$ssh_port" -l "$me" -o IdentityAgent="$cl/agent.sock" \
	-o IdentitiesOnly=yes -o IdentityFile="$cl/token.pub" -o UserKnownHostsFile="$cl/known_hosts" \
	-o StrictHostKeyChecking=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
	-o PreferredAuthentications=publickey -o ConnectTimeout=10 -o LogLevel=ERROR \
	"$th_addr" 'echo hkp11-remote-agent-ok' </dev/null >"$cl/agent-out.txt" 2>"$cl/agent-err.txt" ||
	{ show "$cl/agent-err.txt"; fail "ssh through the agent"; }
grep -q '^hkp11-remote-agent-ok' "$cl/agent-out.txt" || fail "ssh through the agent: no output"
ok "ssh-add -s p11-kit-client.so loads the e-Cert's key into ssh-agent, and ssh logs in through the agent"

# p11-kit's own way: a module config naming p11-kit-client.so, for every
# program that loads p11-kit's modules (GnuTLS's p11tool here).  As root
# p11-kit reads no user config: the client then gets a private mount
# namespace in which p11-kit's module config directory holds only this one.
mods=$cl/p11-kit-modules
mkdir -p "$mods"
printf 'module: %s\n' "$CLIENT_MODULE" >"$mods/hkpost-p11-remote.module"
configs=$(pkg-config --variable=p11_module_configs p11-kit-1 2>/dev/null || echo /usr/share/p11-kit/modules)
p11kit_run () {
	if [ "$(id -u)" -eq 0 ]; then
		[ "$remote_mode" = netns ] || return 77
		cl_run unshare --mount --propagation private sh -c \
			'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$mods" "$configs" "$@"
	else
		mkdir -p "$XDG_CONFIG_HOME/pkcs11/modules"
		cp "$mods/hkpost-p11-remote.module" "$XDG_CONFIG_HOME/pkcs11/modules/"
		cl_run "$@"
	fi
}
rc=0
p11kit_run timeout "$T" p11-kit list-modules >"$cl/p11-kit.txt" 2>&1 || rc=$?
if [ "$rc" -eq 77 ]; then
	echo "# p11-kit registration left out: root without a mount namespace of its own"
else
	[ "$rc" -eq 0 ] || { show "$cl/p11-kit.txt"; fail "p11-kit list-modules"; }
	grep -q "^hkpost-p11-remote: " "$cl/p11-kit.txt" && grep -q "serial-number: $token_serial" "$cl/p11-kit.txt" ||
		{ show "$cl/p11-kit.txt"; fail "p11-kit does not list the remote token"; }
	if command -v p11tool >/dev/null 2>&1; then
		p11kit_run timeout "$T" p11tool --list-all-certs "pkcs11:serial=$token_serial" >"$cl/p11tool.txt" 2>&1 ||
			{ show "$cl/p11tool.txt"; fail "p11tool --list-all-certs"; }
		grep -q "Label: $friendly" "$cl/p11tool.txt" || { show "$cl/p11tool.txt"; fail "p11tool: no friendly label"; }
		ok "p11-kit lists the remote token through a module config naming p11-kit-client.so; p11tool shows '$friendly'"
	else
		ok "p11-kit lists the remote token through a module config naming p11-kit-client.so"
	fi
fi

# pkcs11.conf's other way: `remote: |ssh HOST p11-kit remote ...`, one ssh
# session per use, p11-kit-remote started by the token host's sshd.  Its
# audit record then carries the session's SSH_CONNECTION.
if [ "$rc" -ne 77 ]; then
	rmods=$cl/p11-kit-remote-modules
	mkdir -p "$rmods"
	# The URI's ';' must reach the remote shell quoted: p11-kit's own
	# parsing takes the double quotes, the remote shell the single ones.
	printf 'remote: |ssh -F /dev/null -p %s -l %s -i %s -o IdentitiesOnly=yes -o IdentityAgent=none -o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes -o BatchMode=yes %s %s p11-kit remote --provider %s "'"'"'%s'"'"'"\n' \
		"$ssh_port" "$me" "$cl/id_ed25519" "$cl/known_hosts" "$th_addr" "$th_env" \
		"$(readlink -f "$MODULE")" "$token_uri" >"$rmods/hkpost-p11-over-ssh.module"
	mods_saved=$mods
	mods=$rmods
	p11kit_run timeout "$T" p11-kit list-modules >"$cl/p11-kit-ssh.txt" 2>&1 ||
		{ show "$cl/p11-kit-ssh.txt"; fail "p11-kit list-modules with remote: |ssh"; }
	mods=$mods_saved
	grep -q "serial-number: $token_serial" "$cl/p11-kit-ssh.txt" ||
		{ show "$cl/p11-kit-ssh.txt"; fail "remote: |ssh ... p11-kit remote: no token"; }
	grep "event=C_Initialize.*ssh_connection=\"$cl_addr [0-9]* $th_addr $ssh_port\"" "$th/audit.log" >"$cl/ssh-conn.txt" ||
		{ show "$th/audit.log"; fail "audit: no ssh_connection for remote: |ssh"; }
	ok "remote: |ssh ... p11-kit remote in a p11-kit module config lists the token; the audit record names the ssh connection ($(grep -o 'ssh_connection="[^"]*"' "$cl/ssh-conn.txt" | head -n 1))"
fi

if command -v certutil >/dev/null 2>&1 && command -v modutil >/dev/null 2>&1; then
	# Firefox's way: the module without P11_KIT_SERVER_ADDRESS finds the
	# forward at $XDG_RUNTIME_DIR/p11-kit/pkcs11.
	nss=$cl/nss
	mkdir -p "$nss"
	certutil -N -d "sql:$nss" --empty-password
	cl_run env -u P11_KIT_SERVER_ADDRESS modutil -add hkpost-p11-remote -libfile "$CLIENT_MODULE" \
		-dbdir "sql:$nss" -force >"$cl/modutil.txt" 2>&1 || { show "$cl/modutil.txt"; fail "modutil -add p11-kit-client.so"; }
	cl_run env -u P11_KIT_SERVER_ADDRESS timeout "$T" certutil -d "sql:$nss" -L -h all >"$cl/nss.txt" 2>&1 ||
		{ show "$cl/nss.txt"; fail "certutil -L -h all"; }
	grep -q "eToken:$friendly" "$cl/nss.txt" || { show "$cl/nss.txt"; fail "NSS does not list the friendly nickname"; }
	ok "NSS (Firefox's library) with p11-kit-client.so and no P11_KIT_SERVER_ADDRESS lists 'eToken:$friendly'"
else
	echo "# certutil/modutil not installed (libnss3-tools): NSS check left out"
fi

# --- the token host's audit log -------------------------------------------------

log=$th/audit.log
[ -s "$log" ] || fail "the token host wrote no audit log"
expect_line () { # what, extended regex
	grep -Eq -- "$2" "$log" || { show "$log"; fail "audit: $1"; }
}
expect_line "C_Initialize by p11-kit's server" 'program="p11-kit-remote".*event=C_Initialize'
expect_line "the signature" 'event=C_Sign.*result=CKR_OK'
expect_line "the refused weak PIN" 'event=C_SetPIN.*result=CKR_PIN_(INVALID|LEN_RANGE)'
expect_line "the strong PIN change" 'event=C_SetPIN.*result=CKR_OK'
expect_line "the wrong PINs" 'event=C_Login.*result=CKR_PIN_INCORRECT'
expect_line "the guard" 'event=C_Login.*result=CKR_PIN_LOCKED'
[ "$(grep -c 'event=C_Login.*result=CKR_PIN_INCORRECT' "$log")" -ge 5 ] || fail "audit: fewer than 5 wrong logins"
# Besides p11-kit's server only `p11-kit remote` run by sshd (its argv[0]
# is "remote") and the token host's own tool (guard release).
if grep -v -e 'program="p11-kit-remote"' -e 'program="remote"' -e 'program="hkpost-p11"' "$log" | grep -q .; then
	grep -v -e 'program="p11-kit-remote"' -e 'program="remote"' -e 'program="hkpost-p11"' "$log" |
		head -n 3 >"$cl/other.txt"
	show "$cl/other.txt"
	fail "audit: records from another program than p11-kit's server"
fi
if grep 'event=C_Login' "$log" | grep -v 'program="p11-kit-remote"' | grep -q .; then
	fail "audit: a login by another program than p11-kit's server"
fi
ok "the token host's audit log has the signature, both PIN changes, 5 wrong logins and the guard, all by program \"p11-kit-remote\""
if grep -q 'peer_' "$log"; then
	# Each connection's C_Initialize names the process at the other end
	# of the socket: the token host's sshd serving the forward, as the
	# ssh login's user.
	grep 'program="p11-kit-remote".*event=C_Initialize' "$log" >"$cl/inits.txt"
	if grep -v "peer_uid=$(id -u) .*peer_program=\"sshd" "$cl/inits.txt" | grep -q .; then
		show "$cl/inits.txt"
		fail "audit: a connection's C_Initialize does not name sshd as the peer"
	fi
	peer=$(grep -o 'peer_[a-z]*="*[^ "]*"*' "$cl/inits.txt" | grep -v peer_pid | sort -u | tr '\n' ' ')
	ok "every connection's C_Initialize record names the socket's peer: $peer($(grep -c . "$cl/inits.txt") records)"
else
	echo "# the audit records carry no peer identity in this build"
fi
for p in "$USER_PIN" 87654321 11111111 55555555; do
	if grep -qF -- "$p" "$log"; then
		fail "a PIN reached the audit log"
	fi
done
ok "no PIN in the audit log"
if [ -x "$top_builddir/tests/audit-verify" ]; then
	"$top_builddir/tests/audit-verify" "$log" >"$cl/audit-verify.txt" 2>&1 ||
		{ show "$cl/audit-verify.txt"; fail "the audit chain does not verify"; }
	ok "the audit chains verify ($(grep -c . "$log") records)"
fi
real_end

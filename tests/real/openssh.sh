#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# OpenSSH: ssh-keygen -D lists the token's key, ssh-add -s loads it into an
# ssh-agent (started with -P allowing the module's path), and ssh logs in
# to a throwaway sshd on 127.0.0.1 with the token key, both directly
# (ssh -I) and through the agent, the PIN given through SSH_ASKPASS.  Once
# for a token with a public-key object, once for one without (SafeNet
# tokens often have none after a PKCS#12 import).
. "$top_srcdir/tests/real/common.sh"
real_begin openssh
need ssh ssh-keygen ssh-agent ssh-add openssl softhsm2-util pkcs11-tool
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || skip "sshd is not installed"

s=$work/ssh
mkdir -p "$s"
chmod 700 "$s"
me=$(id -un)
module=$(readlink -f "$MODULE")

# sshd as root insists on its privilege separation directory.  It is the
# system's own (openssh-server creates it at boot) and stays: removing it
# would pull it from under another sshd of the suite running in parallel.
if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
	mkdir -p /run/sshd
	chmod 755 /run/sshd
fi

ssh-keygen -q -t ed25519 -N '' -C hkp11-test-host -f "$s/host_key"
port=$(free_port)
cat >"$s/sshd_config" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $s/host_key
PidFile none
AuthorizedKeysFile $s/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $me
MaxAuthTries 10
LogLevel VERBOSE
CONF
: >"$s/authorized_keys"
spawn timeout $((T * 3)) "$sshd" -D -e -f "$s/sshd_config" 2>"$s/sshd.log"
wait_for "$s/sshd.log" "Server listening on 127.0.0.1 port $port" ||
	{ show "$s/sshd.log"; fail "sshd did not start"; }
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$s/host_key.pub")" >"$s/known_hosts"

# The PIN, as a GUI askpass would give it; each prompt is recorded.
cat >"$s/askpass" <<ASKPASS
#!/bin/sh
printf '%s\n' "\$1" >>"$s/prompts.txt"
echo "$USER_PIN"
ASKPASS
chmod 700 "$s/askpass"
export SSH_ASKPASS="$s/askpass" SSH_ASKPASS_REQUIRE=force

ssh_run () { # extra ssh options...
	timeout "$T" ssh -F /dev/null -p "$port" -l "$me" -o UserKnownHostsFile="$s/known_hosts" \
		-o StrictHostKeyChecking=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
		-o PreferredAuthentications=publickey -o ConnectTimeout=10 \
		-o IdentitiesOnly=yes -o IdentityFile="$s/token.pub" \
		-o LogLevel=${SSH_LOGLEVEL:-ERROR} "$@" 127.0.0.1 "echo hkp11-ssh-ok \$(id -un)" </dev/null
}

run_case () { # name, load-token options...
	case_name=$1
	shift
	rm -rf "$work/hsm"
	token_new
	load_fixture "$@" "$fx" personal

	ssh-keygen -D "$module" >"$s/keys.txt" 2>"$s/keygen.err" || { show "$s/keygen.err"; fail "ssh-keygen -D ($case_name)"; }
	[ "$(grep -c '^ssh-rsa ' "$s/keys.txt")" -eq 1 ] || { show "$s/keys.txt"; fail "ssh-keygen -D ($case_name): not one RSA key"; }
	key=$(cut -d' ' -f1,2 "$s/keys.txt")
	comment=$(cut -d' ' -f3- "$s/keys.txt")
	# The same key as the certificate's.
	expected=$(ssh-keygen -i -m PKCS8 -f "$fx/personal.pub.pem" 2>/dev/null || :)
	if [ -z "$expected" ]; then
		openssl x509 -in "$fx/personal.pem" -noout -pubkey >"$s/pub.pem"
		expected=$(ssh-keygen -i -m PKCS8 -f "$s/pub.pem")
	fi
	[ "$key" = "$expected" ] || fail "ssh-keygen -D ($case_name) shows a different key"
	ok "$case_name: ssh-keygen -D lists the e-Cert's key, comment '$comment'"
	case $comment in
	*CHAN\ TAI\ MAN*) ok "$case_name: the key's comment names the holder" ;;
	te-*) echo "# $case_name: the key's comment is the token's own container label (labels layer not active)" ;;
	*) fail "$case_name: unexpected key comment '$comment'" ;;
	esac
	echo "$key" >"$s/authorized_keys"
	# With IdentitiesOnly, ssh offers a token key only when its public half
	# is also named as an IdentityFile (OpenSSH's rule, not ours).
	cp "$s/keys.txt" "$s/token.pub"

	: >"$s/prompts.txt"
	ssh_run -o IdentityAgent=none -I "$module" >"$s/out.txt" 2>"$s/err.txt" ||
		{ show "$s/err.txt"; show "$s/sshd.log"; fail "ssh -I ($case_name) failed"; }
	[ "$(cat "$s/out.txt")" = "hkp11-ssh-ok $me" ] || { show "$s/out.txt"; fail "ssh -I ($case_name): output"; }
	grep -q "eToken" "$s/prompts.txt" || { show "$s/prompts.txt"; fail "no PIN prompt naming the token"; }
	ok "$case_name: ssh -I logged in with the token key (PIN via SSH_ASKPASS: '$(head -n 1 "$s/prompts.txt")') and ran a command"

	sock=$s/agent.sock
	rm -f "$sock"
	spawn timeout $((T * 2)) ssh-agent -D -a "$sock" -P "$module" >"$s/agent.log" 2>&1
	wait_for "$s/agent.log" "SSH_AUTH_SOCK" || { show "$s/agent.log"; fail "ssh-agent did not start"; }
	SSH_AUTH_SOCK=$sock timeout "$T" ssh-add -s "$module" </dev/null >"$s/add.txt" 2>&1 ||
		{ show "$s/add.txt"; show "$s/agent.log"; fail "ssh-add -s ($case_name) failed"; }
	SSH_AUTH_SOCK=$sock timeout "$T" ssh-add -L >"$s/agent-keys.txt" 2>&1 || { show "$s/agent-keys.txt"; fail "ssh-add -L"; }
	grep -qF "$key" "$s/agent-keys.txt" || { show "$s/agent-keys.txt"; fail "the agent does not hold the token key"; }
	ok "$case_name: ssh-add -s loaded the token key into ssh-agent -P $module"
	ssh_run -o IdentityAgent="$sock" >"$s/out.txt" 2>"$s/err.txt" || { show "$s/err.txt"; show "$s/sshd.log"; fail "ssh through the agent ($case_name)"; }
	[ "$(cat "$s/out.txt")" = "hkp11-ssh-ok $me" ] || { show "$s/out.txt"; fail "ssh via agent ($case_name): output"; }
	ok "$case_name: ssh logged in through the agent with the token key"
	# The agent goes before the next token replaces this one.
	SSH_AUTH_SOCK=$sock ssh-add -e "$module" >/dev/null 2>&1 || :
}

fixtures
run_case "with a public-key object" --pubkey
run_case "without a public-key object"
grep -q "Accepted publickey for $me" "$s/sshd.log" || { show "$s/sshd.log"; fail "sshd logged no publickey login"; }
ok "sshd logged $(grep -c "Accepted publickey for $me" "$s/sshd.log") publickey logins"
real_end

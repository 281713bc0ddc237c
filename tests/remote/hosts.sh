# SPDX-License-Identifier: BSD-3-Clause
# Two hosts on one machine for the remote scenarios (sourced, POSIX sh,
# after tests/real/common.sh and real_begin).
#
# The token host holds a SoftHSM token with the e-Cert fixtures and runs
# sshd and `p11-kit server --provider hkpost-p11.so`; the client reaches
# the server's socket only through `ssh -N -L` (Unix socket forwarding).
#
# Two ways to keep them apart, chosen by hosts_begin:
#   netns     (root, `ip netns` works: CI) each host has its own network
#             namespace, joined by a veth pair with 10.211.0.1 (token host)
#             and 10.211.0.2 (client), addresses that exist nowhere else.
#             The token host also has its own mount and UTS namespaces: its
#             socket directory is a private tmpfs the client cannot see (so
#             the forward is the only way in), its /run is private (sshd's
#             privilege separation directory lives there, not on the
#             machine), and its host name is hkp11-token-host.
#   loopback  (anyone else) both on 127.0.0.1 with separate directories;
#             the client is only ever given the forwarded socket.
# HKP11_REMOTE_MODE=loopback forces the second.
#
#   hosts_begin                  picks the mode, sets th_addr, th, cl
#   th_run CMD...                runs CMD on the token host
#   cl_run CMD...                runs CMD on the client
#   token_host_token             SoftHSM token + personal e-Cert; sets
#                                token_serial, token_uri, cert_id
#   token_host_conf [KEY: VALUE...]  the token host's hkpost-p11.conf
#   token_host_sshd              sshd on th_addr:22022 (netns) or a free port
#   token_host_server            p11-kit server as config/hkpost-p11-server.service
#                                runs it; sets th_sock, server_pid
#   token_host_server_kill       SIGKILL to the server and what it forked, by pid
#   client_forward               ssh -N -L $cl_sock:$th_sock; sets P11_KIT_SERVER_ADDRESS
#   remote_tool ARGS...          pkcs11-tool through p11-kit-client.so, bounded

: "${work:?source tests/real/common.sh and call real_begin first}"

REMOTE_CLIENT_BIN=$top_builddir/tests/remote/hkp11-remote-client

th_ns=
cl_ns=
th_anchor=
remote_mode=

remote_cleanup () {
	if [ -n "$th_ns" ]; then
		ip netns del "$th_ns" 2>/dev/null || :
	fi
	if [ -n "$cl_ns" ]; then
		ip netns del "$cl_ns" 2>/dev/null || :
	fi
}

# p11-kit's client module, where p11-kit says modules live.
client_module () {
	d=$(pkg-config --variable=p11_module_path p11-kit-1 2>/dev/null || :)
	for m in "$d/p11-kit-client.so" /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so \
		/usr/lib64/pkcs11/p11-kit-client.so /usr/lib/pkcs11/p11-kit-client.so; do
		if [ -f "$m" ]; then
			echo "$m"
			return 0
		fi
	done
	return 1
}

netns_possible () {
	[ "$(id -u)" -eq 0 ] || return 1
	[ "${HKP11_REMOTE_MODE:-}" != loopback ] || return 1
	command -v ip >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 &&
		command -v unshare >/dev/null 2>&1 || return 1
	probe=hkp11-probe-$$
	ip netns add "$probe" 2>/dev/null || return 1
	ip netns del "$probe" 2>/dev/null || :
	return 0
}

hosts_begin () {
	need ssh ssh-keygen p11-kit pkcs11-tool softhsm2-util openssl
	sshd=$(command -v sshd || echo /usr/sbin/sshd)
	[ -x "$sshd" ] || skip "sshd is not installed"
	CLIENT_MODULE=$(client_module) || skip "p11-kit-client.so is not installed (package p11-kit-modules)"
	[ -x "$REMOTE_CLIENT_BIN" ] || fail "$REMOTE_CLIENT_BIN is not built"
	# The token host and the client each keep their own things; only the
	# client's socket path is handed across.
	th=$work/th
	cl=$work/cl
	mkdir -p "$th/run" "$th/state" "$th/ssh" "$cl"
	chmod 700 "$th/run" "$th/ssh" "$cl"
	case $work in
	*[[:space:]]*) fail "the work directory must not contain blanks: $work" ;;
	esac
	# The client's end where p11-kit-client.so looks without
	# P11_KIT_SERVER_ADDRESS: $XDG_RUNTIME_DIR/p11-kit/pkcs11.
	mkdir -p "$XDG_RUNTIME_DIR/p11-kit"
	chmod 700 "$XDG_RUNTIME_DIR/p11-kit"
	cl_sock=$XDG_RUNTIME_DIR/p11-kit/pkcs11
	me=$(id -un)
	# Whoever the token host's processes are, they must not read the
	# test's own settings: each gets an explicit environment (th_env).
	unset SOFTHSM2_CONF HKPOST_P11_BACKEND HKPOST_P11_CONF || :
	th_env="env SOFTHSM2_CONF=$th/hsm/softhsm2.conf HKPOST_P11_CONF=$th/hkpost-p11.conf"
	th_env="$th_env XDG_STATE_HOME=$th/state XDG_RUNTIME_DIR=$th/run HOME=$th"
	th_pre=
	cl_pre=

	if netns_possible; then
		remote_mode=netns
		th_ns=hkp11-th-$$
		cl_ns=hkp11-cl-$$
		real_cleanup_hook=remote_cleanup
		ip netns add "$th_ns" || fail "ip netns add $th_ns"
		ip netns add "$cl_ns" || fail "ip netns add $cl_ns"
		ip link add "hk11t$$" type veth peer name "hk11c$$" || fail "ip link add veth"
		ip link set "hk11t$$" netns "$th_ns"
		ip link set "hk11c$$" netns "$cl_ns"
		ip -n "$th_ns" addr add 10.211.0.1/30 dev "hk11t$$"
		ip -n "$cl_ns" addr add 10.211.0.2/30 dev "hk11c$$"
		for ns in "$th_ns" "$cl_ns"; do
			ip -n "$ns" link set lo up
		done
		ip -n "$th_ns" link set "hk11t$$" up
		ip -n "$cl_ns" link set "hk11c$$" up
		th_addr=10.211.0.1
		cl_addr=10.211.0.2
		# The token host's mount and UTS namespaces, held open by a
		# process that only waits; everything of the host joins them.
		spawn ip netns exec "$th_ns" unshare --mount --uts --propagation private sh -c '
			hostname hkp11-token-host &&
			mount -t tmpfs -o mode=0700 hkp11-th-run "$1" &&
			mount -t tmpfs -o mode=0755 hkp11-th-sysrun /run &&
			mkdir -m 0755 /run/sshd &&
			echo up >"$2" && exec sleep "$3"' sh "$th/run" "$work/th-up" $((T * 5))
		th_anchor=$!
		th_pre="nsenter -t $th_anchor -m -u -n --"
		cl_pre="nsenter --net=/run/netns/$cl_ns --"
		wait_for "$work/th-up" up || fail "the token host's namespaces did not come up"
		[ -z "$(ls -A "$th/run")" ] || fail "the token host's socket directory is not private"
		ok "two hosts: token host 10.211.0.1 ($th_ns, own mounts, hostname hkp11-token-host), client 10.211.0.2 ($cl_ns), a veth pair between"
	else
		remote_mode=loopback
		th_addr=127.0.0.1
		cl_addr=127.0.0.1
		if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then
			mkdir -p /run/sshd
			chmod 755 /run/sshd
		fi
		echo "# two hosts in one: 127.0.0.1, separate directories (network namespaces: not root, not allowed, or HKP11_REMOTE_MODE=loopback)"
	fi
}

# Command prefixes rather than functions, so that a spawned command's pid
# is the program's own (nsenter and env exec it): $th_pre, $cl_pre and
# $th_env are split into words, hence no blanks in $work.
th_run () {
	$th_pre "$@"
}

cl_run () {
	$cl_pre "$@"
}

th_env () {
	$th_env "$@"
}

token_host_token () {
	mkdir -p "$th/hsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$th/hsm/tokens" >"$th/hsm/softhsm2.conf"
	th_env softhsm2-util --module "$SOFTHSM2_MODULE" --init-token --free --label eToken \
		--so-pin "$SO_PIN" --pin "$USER_PIN" >/dev/null
	fixtures
	th_env sh -c 'P11T_USER_PIN=$1 sh "$2/tests/fixtures/load-token.sh" --module "$3" "$4" personal' \
		sh "$USER_PIN" "$top_srcdir" "$SOFTHSM2_MODULE" "$fx" >"$th/load.log" 2>&1 ||
		{ show "$th/load.log"; fail "load-token.sh personal"; }
	th_env pkcs11-tool --module "$SOFTHSM2_MODULE" -L >"$th/slots.txt" 2>&1
	token_serial=$(sed -n 's/^ *serial num *: *//p' "$th/slots.txt" | head -n 1)
	[ -n "$token_serial" ] || { show "$th/slots.txt"; fail "no serial number for the token"; }
	cert_id=$(th_env pkcs11-tool --module "$SOFTHSM2_MODULE" -O --type cert 2>/dev/null |
		sed -n 's/^ *ID: *//p' | head -n 1)
	[ -n "$cert_id" ] || fail "no certificate on the token"
	# By serial number, which no setting changes (a program that
	# lockout-label-programs names sees "(N tries left)" in the label).
	token_uri="pkcs11:model=SoftHSM%20v2;serial=$token_serial"
}

# The token host's settings: the backend and an audit file, then the lines given.
token_host_conf () {
	{
		echo "backend: $SOFTHSM2_MODULE"
		echo "audit-file: $th/audit.log"
		for line in "$@"; do
			echo "$line"
		done
	} >"$th/hkpost-p11.conf"
}

token_host_sshd () {
	ssh-keygen -q -t ed25519 -N '' -C hkp11-token-host -f "$th/ssh/host_key"
	if [ "$remote_mode" = netns ]; then
		ssh_port=22022
	else
		ssh_port=$(free_port)
	fi
	cat >"$th/ssh/sshd_config" <<CONF
ListenAddress $th_addr:$ssh_port
HostKey $th/ssh/host_key
PidFile none
AuthorizedKeysFile $th/ssh/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $me
AllowTcpForwarding local
AllowStreamLocalForwarding local
X11Forwarding no
PermitTTY no
MaxAuthTries 10
LogLevel VERBOSE
CONF
	spawn $th_pre timeout $((T * 5)) "$sshd" -D -e -f "$th/ssh/sshd_config" 2>"$th/ssh/sshd.log"
	wait_for "$th/ssh/sshd.log" "Server listening on $th_addr port $ssh_port" ||
		{ show "$th/ssh/sshd.log"; fail "sshd did not start"; }
	echo "[$th_addr]:$ssh_port $(cut -d' ' -f1,2 "$th/ssh/host_key.pub")" >"$cl/known_hosts"
	# The client's key, authorised on the token host.
	ssh-keygen -q -t ed25519 -N '' -C hkp11-client -f "$cl/id_ed25519"
	cp "$cl/id_ed25519.pub" "$th/ssh/authorized_keys"
}

# The server as config/hkpost-p11-server.service starts it: the ExecStart
# line of the unit this build generated (the p11-kit configure found), with
# %t the token host's runtime directory, the build tree's module for the
# installed one and the test token for ${HKPOST_P11_TOKEN}.
server_unit=$top_builddir/config/hkpost-p11-server.service
[ -f "$server_unit" ] || fail "no $server_unit: make builds it"
server_command () {
	line=$(sed -n 's/^ExecStart=//p' "$server_unit")
	[ -n "$line" ] || fail "no ExecStart in $server_unit"
	server_cmd=
	th_sock=
	provider=
	set -f
	for w in $line; do
		case $w in
		%t/*)
			w=$th/run/${w#%t/}
			[ -n "$th_sock" ] || th_sock=$w
			;;
		*/hkpost-p11.${SHLEXT:-so}) w=$(readlink -f "$MODULE"); provider=$w ;;
		'${HKPOST_P11_TOKEN}') w=$token_uri ;;
		esac
		server_cmd="$server_cmd $w"
	done
	set +f
	[ -n "$th_sock" ] || fail "the unit's ExecStart names no socket under %t"
	[ -n "$provider" ] || fail "the unit's ExecStart names no hkpost-p11.${SHLEXT:-so}"
}

server_n=0
token_host_server () {
	[ -n "${server_cmd:-}" ] || server_command
	server_n=$((server_n + 1))
	server_log=$th/server$server_n.log
	: >"$server_log"
	# RuntimeDirectory=hkpost-p11, as systemd would make it; without the
	# socket a killed server left behind, so that its reappearance means
	# the new server is up.
	th_run mkdir -p -m 0700 "${th_sock%/*}"
	th_run rm -f "$th_sock"
	set -f
	spawn $th_pre $th_env timeout $((T * 5)) $server_cmd >"$server_log" 2>&1
	set +f
	server_pid=$!
	# p11-kit 0.24 also prints its address in the foreground; later
	# releases only when they daemonise: the socket is what counts.
	n=0
	until th_run test -S "$th_sock"; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
			show "$server_log"
			fail "p11-kit server did not start"
		fi
		sleep 0.1
	done
	# bind() comes just before listen().
	sleep 0.1
}

# The pids of PID's descendants, deepest last.
descendants () {
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

# SIGKILL to the server and every process under it (the p11-kit-remote
# serving each connection), each by its pid, all stopped first so that
# none can fork or be reparented meanwhile.
token_host_server_kill () {
	[ -n "${server_pid:-}" ] || fail "no server to kill"
	victims="$server_pid $(descendants "$server_pid")"
	for p in $victims; do
		kill -STOP "$p" 2>/dev/null || :
	done
	for p in $victims; do
		kill -KILL "$p" 2>/dev/null || :
	done
	wait "$server_pid" 2>/dev/null || :
}

client_forward () {
	: >"$cl/ssh.log"
	rm -f "$cl_sock"
	spawn $cl_pre timeout $((T * 5)) ssh -N -F /dev/null -p "$ssh_port" -l "$me" \
		-i "$cl/id_ed25519" -o IdentitiesOnly=yes -o IdentityAgent=none \
		-o UserKnownHostsFile="$cl/known_hosts" -o StrictHostKeyChecking=yes \
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
		-o PreferredAuthentications=publickey -o BatchMode=yes -o ConnectTimeout=10 \
		-o ExitOnForwardFailure=yes -o ServerAliveInterval=5 -o StreamLocalBindUnlink=yes \
		-L "$cl_sock:$th_sock" "$th_addr" 2>"$cl/ssh.log"
	forward_pid=$!
	n=0
	while [ ! -S "$cl_sock" ]; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$forward_pid" 2>/dev/null; then
			show "$cl/ssh.log"
			show "$th/ssh/sshd.log"
			fail "ssh -L did not forward $cl_sock"
		fi
		sleep 0.1
	done
	P11_KIT_SERVER_ADDRESS=unix:path=$cl_sock
	export P11_KIT_SERVER_ADDRESS
}

# remote_tool OUT ARGS...: pkcs11-tool on the client through p11-kit-client.so;
# returns its status, output in OUT.
remote_tool () {
	rt_out=$1
	shift
	rt_rc=0
	cl_run timeout "$T" pkcs11-tool --module "$CLIENT_MODULE" "$@" >"$rt_out" 2>&1 </dev/null || rt_rc=$?
	return $rt_rc
}

# SPDX-License-Identifier: BSD-3-Clause
# Shared by the real-client scenarios (sourced, POSIX sh).
#
# Each scenario drives a real program (Firefox, NSS tools, p11-kit, OpenSSH,
# GnuTLS, OpenSC) against the built module over a throwaway SoftHSM token
# that holds the e-Cert fixtures.  Everything it starts and writes is gone
# when it exits, whatever the exit: processes by the pid recorded here,
# files with the work directory.
#
#   . "$top_srcdir/tests/real/common.sh"
#   real_begin NAME              work dir in $work, traps
#   need TOOL...                 skips (77) when a tool is absent
#   token_new                    SoftHSM token "eToken" with $USER_PIN
#   fixtures                     make-ecerts.sh into $fx
#   load_fixture [OPTS] NAME     load-token.sh onto the token
#   spawn CMD...                 starts CMD in the background, killed at exit
#   ok TEXT / fail TEXT          one proven fact / the end of the scenario
#   real_end                     prints the count of facts proven

set -eu

: "${top_srcdir:?run through make check, or set top_srcdir and top_builddir}"
: "${top_builddir:?run through make check, or set top_srcdir and top_builddir}"
SOFTHSM2_MODULE=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
MODULE=$top_builddir/module/.libs/hkpost-p11.so
# An 8-digit envelope PIN, as Hongkong Post issues them.
USER_PIN=87654321
SO_PIN=11223344
# Bound on every client and server run.
T=${REAL_TIMEOUT:-60}

real_name=
real_checks=0
real_pids=
work=

real_cleanup () {
	rc=$?
	trap - EXIT HUP INT TERM
	for p in $real_pids; do
		kill "$p" 2>/dev/null || :
	done
	for p in $real_pids; do
		# Give each a moment, then make sure.
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 20 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -9 "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	if [ -n "${real_cleanup_hook:-}" ]; then
		$real_cleanup_hook || :
	fi
	if [ -n "$work" ] && [ -d "$work" ]; then
		if [ -n "${HKP11_KEEP:-}" ]; then
			echo "# kept $work" >&2
		else
			rm -rf "$work"
		fi
	fi
	exit $rc
}

real_begin () {
	real_name=$1
	trap real_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	# Short paths: ssh-agent and sshd want unix socket paths under 108 bytes.
	work=$(mktemp -d "${TMPDIR:-/tmp}/hkp11-$real_name.XXXXXX")
	fx=$work/fx
	# Nothing from the developer's own settings reaches the clients.
	export HOME="$work/home"
	export XDG_CONFIG_HOME="$work/home/.config" XDG_STATE_HOME="$work/home/.local/state"
	export XDG_CACHE_HOME="$work/home/.cache" XDG_DATA_HOME="$work/home/.local/share"
	export XDG_RUNTIME_DIR="$work/run"
	mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	unset SSH_AUTH_SOCK SSH_AGENT_PID DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS || :
	[ -f "$MODULE" ] || fail "the module is not built: $MODULE"
	[ -f "$SOFTHSM2_MODULE" ] || skip "SoftHSM is not installed ($SOFTHSM2_MODULE)"
}

skip () {
	echo "SKIP: $real_name: $*"
	exit 77
}

fail () {
	echo "FAIL: $real_name: $*" >&2
	exit 1
}

ok () {
	real_checks=$((real_checks + 1))
	echo "ok $real_checks - $*"
}

real_end () {
	[ "$real_checks" -gt 0 ] || fail "no check ran"
	echo "PASS: $real_name: $real_checks checks"
}

need () {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
}

spawn () {
	"$@" &
	real_pids="$real_pids $!"
}

# Shows a file on failure, for the test log.
show () {
	echo "--- $1" >&2
	cat "$1" >&2 || :
	echo "---" >&2
}

# The module under test reaches SoftHSM as its "vendor library".
token_new () {
	mkdir -p "$work/hsm/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$work/hsm/tokens" >"$work/hsm/softhsm2.conf"
	export SOFTHSM2_CONF="$work/hsm/softhsm2.conf"
	export HKPOST_P11_BACKEND="$SOFTHSM2_MODULE"
	softhsm2-util --module "$SOFTHSM2_MODULE" --init-token --free --label "${1:-eToken}" \
		--so-pin "$SO_PIN" --pin "$USER_PIN" >/dev/null
}

# to_five_tries_left: ten new wrong passwords through pkcs11-tool and
# $MODULE, from a full count; hkpost-p11 then says 5 tries left of 15, the
# token's flags say the count is low, and the token keeps its label
# (${1:-eToken}).  $wrongs numbers the wrong passwords across calls, so that
# none repeats: the repeat guard spares the token a repeated one.
to_five_tries_left () {
	n=0
	while [ "$n" -lt 10 ]; do
		n=$((n + 1))
		wrongs=$((${wrongs:-0} + 1))
		if pkcs11-tool --module "$MODULE" --login --pin "Wrong-$wrongs" -O >"$work/wrong.txt" 2>&1; then
			fail "wrong password $wrongs was taken"
		fi
		grep -q CKR_PIN_INCORRECT "$work/wrong.txt" ||
			{ show "$work/wrong.txt"; fail "wrong password $wrongs: not CKR_PIN_INCORRECT"; }
	done
	"$top_builddir/tools/hkpost-p11" --module "$MODULE" status >"$work/status.txt" 2>&1 || :
	grep -q ' 5 tries left of 15' "$work/status.txt" ||
		{ show "$work/status.txt"; fail "status does not say 5 tries left"; }
	"$top_builddir/tests/lockout/token-flags" "$MODULE" "${1:-eToken}" >"$work/flags.txt" ||
		{ show "$work/flags.txt"; fail "token-flags"; }
	grep -q '^count-low=1 final-try=0 locked=0$' "$work/flags.txt" ||
		{ show "$work/flags.txt"; fail "the flags do not say the count is low"; }
	grep -q "^label=${1:-eToken} *\$" "$work/flags.txt" ||
		{ show "$work/flags.txt"; fail "the token was renamed: $(grep label= "$work/flags.txt")"; }
}

# The build tree's fixtures when `make check` made them (tests/labels.mk),
# else fresh ones in the work directory.
fixtures () {
	if [ -f "$top_builddir/tests/fixtures/ecerts/fixtures.txt" ] &&
		[ -r "$top_builddir/tests/fixtures/ecerts/personal.key.p8.der" ]; then
		fx=$top_builddir/tests/fixtures/ecerts
	else
		sh "$top_srcdir/tests/fixtures/make-ecerts.sh" "$fx" >/dev/null
	fi
}

load_fixture () {
	P11T_USER_PIN=$USER_PIN sh "$top_srcdir/tests/fixtures/load-token.sh" --module "$SOFTHSM2_MODULE" \
		"$@"
}

# A server CA and a server certificate for 127.0.0.1 (not e-Certs: only the
# client side is under test).  Writes $work/srv/{ca,server}.{pem,key}.
server_cert () {
	d=$work/srv
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" \
		-out "$d/ca.pem" -subj "/CN=hkpost-p11 test server CA" -days 2 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
		2>/dev/null
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/server.key" \
		-subj "/CN=127.0.0.1" -out "$d/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n' \
		>"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -set_serial 2 -days 2 \
		-extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
}

# Starts `openssl s_server -www` on 127.0.0.1, on a port of the kernel's
# choosing, requiring a client certificate from the e-Cert chain; sets
# $tls_port.  Its page shows the session and the client's certificate.
tls_server () {
	cat "$fx/ca-ca2-17.pem" "$fx/ca-root.pem" >"$work/srv/client-ca.pem"
	spawn timeout $((T * 3)) openssl s_server -accept 127.0.0.1:0 -cert "$work/srv/server.pem" \
		-key "$work/srv/server.key" -Verify 3 -CAfile "$work/srv/client-ca.pem" -www \
		>"$work/srv/s_server.log" 2>&1
	wait_for "$work/srv/s_server.log" '^ACCEPT ' || { show "$work/srv/s_server.log"; fail "s_server did not start"; }
	tls_port=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/srv/s_server.log")
	[ -n "$tls_port" ] || fail "no port in the s_server log"
}

# wait_for FILE REGEX [SECONDS]: until a line matches (10 s by default).
wait_for () {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le $((${3:-10} * 10)) ] || return 1
		sleep 0.1
	done
}

# A TCP port that was free a moment ago, for servers that cannot report theirs.
free_port () {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# module_knows "KEY: VALUE": whether the built module takes the setting
# (probe.py), i.e. whether the layer that owns KEY is in this build.  Needs
# the backend (token_new) to be set up.
module_knows () {
	python3 "$top_srcdir/tests/real/probe.py" "$MODULE" "$1" >/dev/null 2>&1
}

# py_run SCRIPT: runs a Python driver (bounded), shows its output and counts
# its "ok - " lines with the scenario's checks.
py_run () {
	rc=0
	timeout $((T * 2)) python3 "$@" >"$work/py.out" 2>&1 || rc=$?
	cat "$work/py.out"
	n=$(grep -c '^ok - ' "$work/py.out" || :)
	real_checks=$((real_checks + n))
	return $rc
}

# nss_db DIR: a fresh NSS database with the module added the way an
# administrator does it (modutil -add), and $pinfile for the tools' -f/-W.
nss_db () {
	mkdir -p "$1"
	certutil -N -d "sql:$1" --empty-password
	modutil -add hkpost-p11 -libfile "$MODULE" -dbdir "sql:$1" -force >"$work/modutil-add.txt" 2>&1 ||
		{ show "$work/modutil-add.txt"; fail "modutil -add failed"; }
	pinfile=$work/pin.txt
	echo "$USER_PIN" >"$pinfile"
}

# The CKA_LABEL the module shows for the token's certificate: NSS makes
# the nickname "TOKEN:LABEL" from it.
shim_cert_label () {
	pkcs11-tool --module "$MODULE" --list-objects --type cert 2>/dev/null |
		sed -n 's/^ *label: *//p' | head -n 1
}

# The CKA_LABEL the token itself holds for its certificate (SafeNet's
# container name on the fixtures): what a client sees without the module.
token_cert_label () {
	pkcs11-tool --module "$SOFTHSM2_MODULE" --list-objects --type cert 2>/dev/null |
		sed -n 's/^ *label: *//p' | head -n 1
}

# preload_for LIB: the LD_PRELOAD that keeps SoftHSM from crashing at the
# exit of a client that cleans up in atexit (pdfsig, OpenSSL's engine):
# SoftHSM's C++ destructors otherwise run before the client's last
# C_Finalize.  SoftHSM alone, whether LIB is SoftHSM or the module over it:
# the module tells itself from a preloaded backend (tests/clients/preload.sh).
preload_for () {
	echo "$SOFTHSM2_MODULE"
}

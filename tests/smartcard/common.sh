# SPDX-License-Identifier: BSD-3-Clause
# Shared by the smart-card scenarios (sourced, POSIX sh), on top of
# tests/real/common.sh (real_begin, ok, fail, spawn, ...).
#
# The stack, all of it private to the script and gone when it exits:
#   SoftHSM tokens (removable slots) with e-Cert fixtures, one per card;
#   an NSS database that reaches them, from which libcacard makes CAC cards;
#   pcscd in the foreground, in its own mount namespace (its socket,
#   hard-wired to /run/pcscd, lands in $work/pcscd-run) and network
#   namespace (vpcd listens on every address of it: only loopback there),
#   with its own reader configuration (vpcd only, no USB drivers);
#   tests/smartcard/hkp11-vcard, joined to pcscd's network namespace.
# Clients reach this pcscd through PCSCLITE_CSOCK_NAME.
#
#   . "$top_srcdir/tests/smartcard/common.sh"
#   sc_begin NAME
#   sc_card TOKEN FIXTURE SERIAL MAX-TRIES   (one line per card, before sc_start)
#   sc_start [TOKEN]                         pcscd and the card program
#   sc_ctl remove | insert [TOKEN] | status | reset-tries
#   sc_script OUT MODULE <SCRIPT             tests/smartcard/p11-script.c
#   sc_timed NAME CMD...                     "# time NAME: S" in the log

. "$top_srcdir/tests/real/common.sh"

SC_VCARD=$top_builddir/tests/smartcard/hkp11-vcard
SC_SCRIPT=$top_builddir/tests/smartcard/hkp11-p11-script
SC_VPCD=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
# The card's PIN: 8 digits, as in the Hongkong Post envelope.
SC_PIN=$USER_PIN
sc_cards=
sc_times=

sc_begin () {
	real_begin "$1"
	need pcscd softhsm2-util pkcs11-tool modutil unshare nsenter ip openssl opensc-tool
	[ -x "$SC_VCARD" ] || skip "the virtual card is not built (libcacard-dev)"
	[ -f "$SC_VPCD" ] || skip "vpcd is not installed (vsmartcard-vpcd)"
	OPENSC_MODULE=
	for m in /usr/lib/*/opensc-pkcs11.so /usr/lib/*/pkcs11/opensc-pkcs11.so /usr/lib/opensc-pkcs11.so; do
		if [ -f "$m" ]; then
			OPENSC_MODULE=$m
			break
		fi
	done
	[ -n "$OPENSC_MODULE" ] || skip "opensc-pkcs11.so is not installed (opensc-pkcs11)"
	# Private namespaces need root, or user namespaces.
	if [ "$(id -u)" -eq 0 ]; then
		sc_unshare="unshare --mount --net --propagation private"
		sc_nsenter="nsenter --net"
	else
		sc_unshare="unshare --map-root-user --mount --net --propagation private"
		sc_nsenter="nsenter --user --net --preserve-credentials"
	fi
	$sc_unshare true 2>/dev/null || skip "no private namespaces here: run as root"
	mkdir -p "$work/hsm/tokens" "$work/nssdb" "$work/card-state" "$work/pcscd-run" \
		"$work/readers" "$work/drivers" "$work/out"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = true\n' \
		"$work/hsm/tokens" >"$work/hsm/softhsm2.conf"
	export SOFTHSM2_CONF="$work/hsm/softhsm2.conf"
	export PCSCLITE_CSOCK_NAME="$work/pcscd-run/pcscd/pcscd.comm"
	# hkpost-p11 over OpenSC; its audit log in the work directory.
	export HKPOST_P11_BACKEND="$OPENSC_MODULE"
	export HKPOST_P11_CONF="$work/hkpost-p11.conf"
	printf 'audit-file: %s\n' "$work/audit.log" >"$HKPOST_P11_CONF"
	fixtures
	real_cleanup_hook=sc_cleanup
}

sc_cleanup () {
	for f in "$work/card.pid" "$work/pcscd.pid"; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		kill "$p" 2>/dev/null || :
		n=0
		while kill -0 "$p" 2>/dev/null && [ $n -lt 30 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -9 "$p" 2>/dev/null || :
	done
	[ -z "$sc_times" ] || printf '# times (s):%s\n' "$sc_times"
}

# sc_card TOKEN FIXTURE SERIAL MAX: a SoftHSM token holding the fixture,
# which the card program presents with that serial and maximum of tries.
sc_card () {
	softhsm2-util --module "$SOFTHSM2_MODULE" --init-token --free --label "$1" \
		--so-pin "$SO_PIN" --pin "$SC_PIN" >/dev/null
	load_fixture --token "$1" "$fx" "$2" || fail "cannot load $2 onto $1"
	sc_cards="$sc_cards --card $1:$3:$4"
}

sc_start_card () {
	pcscd_pid=$(cat "$work/pcscd.pid")
	rm -f "$work/card.sock"
	$sc_nsenter --target "$pcscd_pid" "$SC_VCARD" --nssdb "$work/nssdb" \
		--state-dir "$work/card-state" --control "$work/card.sock" "$@" $sc_cards \
		>>"$work/card.log" 2>&1 &
	echo $! >"$work/card.pid"
	n=0
	while [ ! -S "$work/card.sock" ]; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$(cat "$work/card.pid")" 2>/dev/null; then
			show "$work/card.log"
			fail "the virtual card did not start"
		fi
		sleep 0.1
	done
}

# Stops the card program (the card loses power) and starts it again.
sc_restart_card () {
	p=$(cat "$work/card.pid")
	kill "$p"
	while kill -0 "$p" 2>/dev/null; do
		sleep 0.1
	done
	sc_start_card "$@"
}

sc_start () {
	modutil -create -dbdir "sql:$work/nssdb" -force >"$work/modutil.log" 2>&1 &&
		modutil -add softhsm -libfile "$SOFTHSM2_MODULE" -dbdir "sql:$work/nssdb" -force \
			>>"$work/modutil.log" 2>&1 || { show "$work/modutil.log"; fail "modutil"; }
	# vpcd from a path of our own: /usr/lib/pcsc/drivers is hidden from
	# this pcscd, so that it takes no USB reader of the machine.
	cat >"$work/readers/vpcd" <<EOF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      $work/drivers/libifdvpcd.so
EOF
	$sc_unshare sh -c "ip link set lo up &&
		mount --bind $(dirname "$SC_VPCD") '$work/drivers' &&
		mount -t tmpfs tmpfs /usr/lib/pcsc/drivers &&
		mount --bind '$work/pcscd-run' /run &&
		exec pcscd --foreground --config '$work/readers'" >"$work/pcscd.log" 2>&1 &
	echo $! >"$work/pcscd.pid"
	n=0
	while [ ! -S "$PCSCLITE_CSOCK_NAME" ]; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$(cat "$work/pcscd.pid")" 2>/dev/null; then
			show "$work/pcscd.log"
			fail "pcscd did not start"
		fi
		sleep 0.1
	done
	if [ -n "${1:-}" ]; then
		sc_start_card --insert "$1"
	else
		sc_start_card
	fi
	sc_wait_reader Yes
}

# sc_wait_reader Yes|No: until pcscd sees the card in (or out of) reader 0.
sc_wait_reader () {
	n=0
	while ! opensc-tool -l 2>/dev/null | grep -q "^0 *$1 "; do
		n=$((n + 1))
		[ $n -le 100 ] || { opensc-tool -l >&2 || :; show "$work/card.log"; show "$work/pcscd.log"; fail "reader 0 never said $1"; }
		sleep 0.1
	done
}

sc_ctl () {
	"$SC_VCARD" --ctl "$work/card.sock" "$@"
}

now_s () {
	date +%s.%N
}

# sc_timed NAME CMD...: runs CMD, notes its wall time.
sc_timed () {
	sc_name=$1
	shift
	t0=$(now_s)
	rc=0
	"$@" || rc=$?
	sc_times="$sc_times $sc_name=$(awk "BEGIN { printf \"%.1f\", $(now_s) - $t0 }")"
	return $rc
}

# sc_script OUT MODULE <SCRIPT: the script through MODULE, the transcript in
# $work/out/OUT (and OUT.err); fails the scenario when the driver fails.
sc_script () {
	out=$work/out/$1
	rc=0
	timeout $((T * 2)) "$SC_SCRIPT" "$2" >"$out" 2>"$out.err" || rc=$?
	if [ $rc -ne 0 ]; then
		show "$out"
		show "$out.err"
		fail "hkp11-p11-script over $2 failed ($rc)"
	fi
}

# The calls' results, without durations and labels (which differ by design).
sc_results () {
	grep -v -e '^time ' -e ' label: ' -e '^token: ' "$work/out/$1"
}

expect_same () {
	diff -u "$2" "$3" >"$work/diff.out" 2>&1 || { show "$work/diff.out"; fail "$1"; }
	ok "$1"
}

# expect_line OUT TEXT: a line of the transcript is exactly TEXT.
expect_line () {
	grep -qxF "$2" "$work/out/$1" || { show "$work/out/$1"; fail "$1: no line '$2'"; }
}

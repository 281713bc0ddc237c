# SPDX-License-Identifier: BSD-3-Clause
# Shared by the tests of hkpost-p11 monitor (sourced after tests/lib.sh and
# tests/cli/common.sh).
#
#   bus_start                 a private session bus (dbus-daemon --session on a
#                             socket in the test's directory), exported
#   notify_server_start FILE  the stand-in notification server, recording each
#                             Notify as a JSON line in FILE
#   notify_server_stop        ends it
#   monitor_start [ARG...]    hkpost-p11 monitor in the background (mon.out,
#                             mon.err); waits until it watches
#   monitor_stop              ends it (SIGTERM) and checks that it ended well
#   wait_notes FILE N [SECONDS]   until FILE holds N notifications
#   notes_check FILE PYTHON   asserts on the notifications: PYTHON is a body
#                             where `notes` is the list of records (see
#                             notify-server.py) and check(cond, what) counts
#                             one check
#   audit_ts_of FILE          the audit log's wrong-password times, for latency

NOTIFY_SERVER=$top_srcdir/tests/monitor/notify-server.py
# Debian's python3-dbus and python3-gi are for this python3 only.
DEBIAN_PYTHON=/usr/bin/python3

skip_unless_monitor ()
{
	skip_unless_tool dbus-daemon
	if ! "$DEBIAN_PYTHON" -c 'import dbus, gi' 2>/dev/null; then
		echo "SKIP: $DEBIAN_PYTHON lacks python3-dbus or python3-gi (see tests/debian-packages.txt)"
		exit 77
	fi
	if ! grep -q '^#define HAVE_MONITOR 1' "$top_builddir/config.h"; then
		echo "SKIP: hkpost-p11 was built without the monitor (no gio-2.0: libglib2.0-dev)"
		exit 77
	fi
}

# A session bus of the test's own.  Its configuration is the session bus's
# without the system's service directories: no notification server of the
# machine (dunst, say) is started on demand behind the test's back.
bus_start ()
{
	BUS_SOCKET=$HKP11_TMP/bus
	mkdir -p "$HKP11_TMP/bus-services"
	cat >"$HKP11_TMP/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$BUS_SOCKET</listen>
  <keep_umask/>
  <servicedir>$HKP11_TMP/bus-services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
	dbus-daemon --config-file="$HKP11_TMP/bus.conf" --fork --print-pid=1 \
		>"$HKP11_TMP/bus.pid" 2>"$HKP11_TMP/bus.err" ||
		{ show "$HKP11_TMP/bus.err"; fail "dbus-daemon did not start"; }
	bus_pid=$(head -n 1 "$HKP11_TMP/bus.pid")
	at_exit "kill $bus_pid 2>/dev/null"
	DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS_SOCKET
	export DBUS_SESSION_BUS_ADDRESS
	# Nothing of the developer's own session.
	unset DISPLAY WAYLAND_DISPLAY || :
}

notify_server_start ()
{
	: >"$1"
	: >"$HKP11_TMP/server.out"
	"$DEBIAN_PYTHON" "$NOTIFY_SERVER" "$1" >"$HKP11_TMP/server.out" 2>"$HKP11_TMP/server.err" &
	server_pid=$!
	at_exit "kill $server_pid 2>/dev/null"
	n=0
	until grep -q '^ready$' "$HKP11_TMP/server.out" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
			show "$HKP11_TMP/server.out" "$HKP11_TMP/server.err"
			fail "the stand-in notification server did not start"
		fi
		sleep 0.1
	done
}

notify_server_stop ()
{
	kill "$server_pid" 2>/dev/null || :
	wait "$server_pid" 2>/dev/null || :
}

monitor_start ()
{
	echo "\$ hkpost-p11 monitor $* &"
	: >"$HKP11_TMP/mon.out"
	"$CLI" monitor "$@" >"$HKP11_TMP/mon.out" 2>"$HKP11_TMP/mon.err" </dev/null &
	monitor_pid=$!
	at_exit "kill $monitor_pid 2>/dev/null"
	n=0
	until grep -q 'hkpost-p11 monitor' "$HKP11_TMP/mon.out" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 150 ] || ! kill -0 "$monitor_pid" 2>/dev/null; then
			show "$HKP11_TMP/mon.out" "$HKP11_TMP/mon.err"
			fail "hkpost-p11 monitor did not start"
		fi
		sleep 0.1
	done
}

monitor_stop ()
{
	kill "$monitor_pid"
	monitor_rc=0
	wait "$monitor_pid" || monitor_rc=$?
	if [ "$monitor_rc" -ne 0 ]; then
		show "$HKP11_TMP/mon.out" "$HKP11_TMP/mon.err"
		fail "hkpost-p11 monitor ended with status $monitor_rc on SIGTERM"
	fi
	ok "the monitor ends cleanly on SIGTERM"
}

# wait_notes FILE N [SECONDS]
wait_notes ()
{
	n=0
	limit=$((${3:-10} * 10))
	while [ "$(wc -l <"$1")" -lt "$2" ]; do
		n=$((n + 1))
		if [ $n -gt $limit ]; then
			show "$1" "$HKP11_TMP/mon.out" "$HKP11_TMP/mon.err"
			fail "$2 notifications expected in $1, $(wc -l <"$1") arrived"
		fi
		sleep 0.1
	done
}

# notes_check FILE PYTHON
notes_check ()
{
	cat >"$HKP11_TMP/check.py" <<EOF
import json, re, sys
notes = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
checks = 0
def check(cond, what):
    global checks
    if not cond:
        print("not ok - %s" % what, file=sys.stderr)
        for n in notes:
            print("  | %s" % json.dumps(n, ensure_ascii=False), file=sys.stderr)
        sys.exit(1)
    checks += 1
    print("ok - %s" % what)
def hint(n, key, default=None):
    return n["hints"].get(key, default)
def events(name):
    return [n for n in notes if hint(n, "x-hkpost-p11-event") == name]
$2
print("checks %d" % checks)
EOF
	python3 "$HKP11_TMP/check.py" "$1" >"$HKP11_TMP/check.out" 2>"$HKP11_TMP/check.err" || {
		cat "$HKP11_TMP/check.out"
		show "$HKP11_TMP/check.err"
		fail "the notifications in $1 are not as expected"
	}
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		esac
	done <"$HKP11_TMP/check.out"
}

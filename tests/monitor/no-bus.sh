#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Where hkpost-p11 monitor cannot run (an ssh session, a root shell, CI: no
# session bus; a bus without a notification server), it says why and exits
# 2, quickly, without starting a bus of its own; the programs that use the
# module behave as before.  In one session, one monitor: a second says so
# and leaves.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
# lockout/common.sh for p11; cli/common.sh's expect_rc (the tool's status).
. "$top_srcdir/tests/lockout/common.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/monitor/common.sh"
test_begin
require_cli
skip_unless_softhsm
skip_unless_tool pkcs11-tool
skip_unless_monitor

softhsm_setup
token_init eToken
mkdir -p "$HKP11_TMP/runtime"
chmod 700 "$HKP11_TMP/runtime"

# No bus at all, as in an ssh session; an X display set all the same must
# not make GLib start one (dbus-launch).
unset DBUS_SESSION_BUS_ADDRESS || :
XDG_RUNTIME_DIR=$HKP11_TMP/runtime DISPLAY=:97 cli nobus monitor
expect_rc "no session bus: exit 2" 2
expect_grep "it says why" 'cannot warn on the desktop: there is no session bus: DBUS_SESSION_BUS_ADDRESS is not set' nobus.err
expect_grep "and that programs work without it" 'Programs that use the token work as before without it' nobus.err
expect_no_grep "nothing on stdout" '.' nobus
if pgrep -x dbus-launch >/dev/null 2>&1 || pgrep -f "dbus-daemon.*autolaunch" >/dev/null 2>&1; then
	fail "a bus was started on the monitor's behalf"
fi
ok "no bus was started on its behalf"

LANGUAGE=zh_HK XDG_RUNTIME_DIR=$HKP11_TMP/runtime cli nobus-zh monitor
expect_rc "no session bus in zh_HK: exit 2" 2
expect_grep "the reason in Chinese" '無法在桌面發出警告：沒有工作階段匯流排' nobus-zh.err

# The programs, meanwhile: as before.
p11 list --module "$HKP11_SHIM" --login --pin "$HKP11_PIN" -O
[ "$p11_rc" -eq 0 ] || { show list list.err; fail "pkcs11-tool with the right PIN and no bus"; }
ok "pkcs11-tool logs in with the right PIN, no bus"
p11 wrong --module "$HKP11_SHIM" --login --pin 97531975 -O
[ "$p11_rc" -ne 0 ] || fail "a wrong PIN logged in"
expect_grep "a wrong PIN is the token's answer, as before" 'CKR_PIN_INCORRECT' wrong.err
cli status status
expect_rc "hkpost-p11 status, no bus" 0
expect_grep "the count goes on without the monitor" '14 tries left of 15' status

# A bus, but no notification server on it.
bus_start
cli noserver monitor
expect_rc "no notification server: exit 2" 2
expect_grep "it says so" 'no notification server answers on the session bus' noserver.err

# One monitor per session.
notes=$HKP11_TMP/notes.jsonl
notify_server_start "$notes"
monitor_start
cli second monitor
expect_rc "a second monitor in the session exits 0" 0
expect_grep "and says the first runs" 'hkpost-p11 monitor runs in this session already' second
monitor_stop

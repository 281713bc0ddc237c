#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# What the holder sees: hkpost-p11 monitor with a real notification daemon,
# dunst, on an X server of the test's own (Xvfb), after wrong passwords typed
# through pkcs11-tool.  dunst must show the warnings (dunstctl counts them),
# and a screenshot of the screen, in English and in zh_HK, is saved beside
# the test log (tests/monitor/dunst-en.png, dunst-zh_HK.png in the build
# tree) for a person to look at.  README.md shows the English one
# (doc/monitor-notification.png, taken from this test).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/lockout/common.sh"
. "$top_srcdir/tests/monitor/common.sh"
test_begin
require_cli
skip_unless_softhsm
skip_unless_tool pkcs11-tool Xvfb dunst dunstctl import convert
skip_unless_monitor

softhsm_setup
token_init eToken
ecert_load eToken
# Two tries: one wrong password leaves the last, which the guard holds.
printf 'lockout-attempts: 2\n' >"$HKP11_TMP/p11.conf"
HKPOST_P11_CONF=$HKP11_TMP/p11.conf
export HKPOST_P11_CONF

# An X server of our own, on a display it picks.
exec 5>"$HKP11_TMP/display"
Xvfb -displayfd 5 -nolisten tcp -screen 0 1024x400x24 >"$HKP11_TMP/xvfb.log" 2>&1 &
xvfb_pid=$!
at_exit "kill $xvfb_pid 2>/dev/null"
n=0
until [ -s "$HKP11_TMP/display" ]; do
	n=$((n + 1))
	[ $n -le 100 ] || { show "$HKP11_TMP/xvfb.log"; fail "Xvfb did not start"; }
	sleep 0.1
done
exec 5>&-
bus_start
DISPLAY=:$(head -n 1 "$HKP11_TMP/display")
export DISPLAY

# dunst's look: sticky, wide enough for the whole text, top right.
mkdir -p "$XDG_CONFIG_HOME/dunst"
cat >"$XDG_CONFIG_HOME/dunst/dunstrc" <<'EOF'
[global]
    width = 560
    height = 300
    origin = top-right
    offset = 12x12
    font = Sans 10
    markup = no
    word_wrap = yes
    format = "<b>%s</b>\n%b"
    frame_width = 2
    separator_height = 2
    padding = 10
    horizontal_padding = 12
    show_age_threshold = -1
[urgency_low]
    timeout = 0
[urgency_normal]
    background = "#f5f5f5"
    foreground = "#202020"
    frame_color = "#3465a4"
    timeout = 0
[urgency_critical]
    background = "#fff4f0"
    foreground = "#202020"
    frame_color = "#cc0000"
    timeout = 0
EOF

# run_phase LANGUAGE NAME
run_phase ()
{
	XDG_STATE_HOME=$HKP11_TMP/state-$2
	export XDG_STATE_HOME
	dunst -config "$XDG_CONFIG_HOME/dunst/dunstrc" >"$HKP11_TMP/dunst-$2.log" 2>&1 &
	dunst_pid=$!
	at_exit "kill $dunst_pid 2>/dev/null"
	n=0
	until dunstctl count displayed >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -le 100 ] || { show "$HKP11_TMP/dunst-$2.log"; fail "dunst did not start"; }
		sleep 0.1
	done
	LANGUAGE=$1 monitor_start
	expect_grep "the monitor found dunst ($2)" '(notifications go to|通知會送往) dunst' "$HKP11_TMP/mon.out"
	p11 "$HKP11_TMP/wrong.out" --module "$HKP11_SHIM" --login --pin 24682468 -O
	[ "$p11_rc" -ne 0 ] || fail "a wrong password logged in"
	n=0
	until [ "$(dunstctl count displayed 2>/dev/null)" = 2 ]; do
		n=$((n + 1))
		[ $n -le 50 ] || {
			show "$HKP11_TMP/mon.out" "$HKP11_TMP/mon.err" "$HKP11_TMP/dunst-$2.log"
			fail "dunst does not show the two warnings ($2): $(dunstctl count displayed)"
		}
		sleep 0.1
	done
	ok "dunst shows the two warnings: 1 try left, the guard holds ($2)"
	sleep 0.5
	shot=$top_builddir/tests/monitor/dunst-$2.png
	mkdir -p "$top_builddir/tests/monitor"
	import -window root -display "$DISPLAY" "$shot" 2>"$HKP11_TMP/import.err" ||
		{ show "$HKP11_TMP/import.err"; fail "no screenshot"; }
	colours=$(convert "$shot" -format %k info:)
	[ "$colours" -gt 16 ] || fail "the screenshot is blank ($colours colours)"
	ok "a screenshot of what the holder sees: $shot ($colours colours)"
	monitor_stop
	kill "$dunst_pid"
	wait "$dunst_pid" 2>/dev/null || :
}

run_phase "" en
grep 'tries-low\|guard-holds' "$HKP11_TMP/mon.out"
expect_grep "the monitor sent the critical warning" 'tries-low: Token eToken: 1 try left' "$HKP11_TMP/mon.out"
run_phase zh_HK zh_HK
expect_grep "and in Chinese" 'tries-low: Token eToken：只剩 1 次嘗試' "$HKP11_TMP/mon.out"

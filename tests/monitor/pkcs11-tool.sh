#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 monitor with wrong passwords typed through pkcs11-tool, in
# English and in Traditional Chinese: on a private session bus, a stand-in
# notification server records each Notify, and each warning must arrive
# once, within two seconds, with the right token, tries left, program and
# urgency, and never with a PIN, its length or its make-up.
#
# The token is SoftHSM's, so hkpost-p11 counts the tries itself
# (lockout-attempts: 6, lockout-warn: 5, lockout-guard: 1): five wrong
# passwords take it to the last try, which the guard holds back; a sixth is
# refused; a released try with a wrong password locks it; a right password
# after a release gives the tries back, and the story starts afresh.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/lockout/common.sh"
. "$top_srcdir/tests/monitor/common.sh"
test_begin
require_cli
skip_unless_softhsm
skip_unless_tool pkcs11-tool
skip_unless_monitor

softhsm_setup
token_init eToken
ecert_load eToken
SERIAL=$(pkcs11-tool --module "$SOFTHSM2_MODULE" -L 2>/dev/null | sed -n 's/^ *serial num *: *//p' | head -n 1)
[ -n "$SERIAL" ] || fail "no serial number for the token"
printf 'lockout-attempts: 6\n' >"$HKP11_TMP/p11.conf"
HKPOST_P11_CONF=$HKP11_TMP/p11.conf
export HKPOST_P11_CONF
# Wrong PINs of a length no text has a reason to show (11).
WRONG=13579135790
export HKP11_PIN HKP11_SO_PIN WRONG
bus_start

# wrong N: a wrong password through pkcs11-tool (the PINs are not echoed).
wrong ()
{
	p11 "$HKP11_TMP/wrong.out" --module "$HKP11_SHIM" --login --pin "$WRONG$1" -O
}

# run_phase LANGUAGE NAME: one monitor in that language, one fresh count.
run_phase ()
{
	lang=$1
	name=$2
	notes=$HKP11_TMP/notes-$name.jsonl
	XDG_STATE_HOME=$HKP11_TMP/state-$name
	export XDG_STATE_HOME
	notify_server_start "$notes"
	LANGUAGE=$lang monitor_start
	expect_grep "the monitor says where notifications go ($name)" \
		'hkpost-p11-test-notifications' "$HKP11_TMP/mon.out"

	# 6 tries: 5 wrong ones leave 5, 4, 3, 2, 1.
	i=1
	for expected in 1 2 3 4 6; do
		wrong "$i"
		expect_rc_fail "wrong password $i is refused by the token"
		wait_notes "$notes" "$expected" 5
		i=$((i + 1))
	done
	wrong 6
	expect_rc_fail "a sixth try is refused by the guard"
	wait_notes "$notes" 7 5
	run "$HKP11_TMP/release.out" "$CLI" guard release --yes
	wrong 7
	expect_rc_fail "the released try with a wrong password"
	wait_notes "$notes" 8 5
	# A right password on a released try gives the tries back...
	run "$HKP11_TMP/release.out" "$CLI" guard release --yes
	p11 "$HKP11_TMP/right.out" --module "$HKP11_SHIM" --login --pin "$HKP11_PIN" -O
	expect_rc_ok "the right password logs in on a released try"
	# ...and a wrong one starts a new story at 5.
	wrong 8
	expect_rc_fail "a wrong password after the right one"
	wait_notes "$notes" 9 5
	# Nothing more comes: nothing is told twice.
	sleep 2
	monitor_stop
	notify_server_stop
	[ "$(wc -l <"$notes")" -eq 9 ] || { show "$notes"; fail "more than 9 notifications ($name)"; }
	ok "exactly 9 notifications ($name)"

	audit=$XDG_STATE_HOME/hkpost-p11/audit.log
	[ -f "$audit" ] || fail "no audit log at $audit"
	expect_no_grep "the monitor's own module writes no audit record ($name)" \
		" pid=$monitor_pid " "$audit"
	grep 'event=C_Login' "$audit" | grep 'result=CKR_PIN_INCORRECT' |
		sed 's/ .*//' >"$HKP11_TMP/wrong-times-$name"
}

expect_rc_fail ()
{
	if [ "$p11_rc" -eq 0 ]; then
		show "$p11_out" "$p11_out.err"
		fail "$1 (pkcs11-tool succeeded)"
	fi
	ok "$1"
}

expect_rc_ok ()
{
	if [ "$p11_rc" -ne 0 ]; then
		show "$p11_out" "$p11_out.err"
		fail "$1 (exit status $p11_rc)"
	fi
	ok "$1"
}

# The checks both languages share; $1 the wrong-password times of the phase.
COMMON_CHECKS="
wrong_times = [l.strip() for l in open(sys.argv[2]) if l.strip()]
import datetime
def epoch(ts):
    return datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()
seq = [hint(n, 'x-hkpost-p11-event') for n in notes]
check(seq == ['tries-low'] * 5 + ['guard-holds', 'guard-refused', 'locked', 'tries-low'],
      'the warnings come in order: %s' % ', '.join(seq))
low = events('tries-low')
check([hint(n, 'x-hkpost-p11-tries-left') for n in low] == [5, 4, 3, 2, 1, 5],
      'each few-tries warning carries the tries left: 5, 4, 3, 2, 1, then 5 after a right password')
check([hint(n, 'urgency') for n in low] == [1, 1, 1, 1, 2, 1],
      'urgency normal, critical at 1 try left')
check(all(hint(n, 'x-hkpost-p11-token') == 'eToken' and hint(n, 'x-hkpost-p11-serial') == SERIAL
          for n in notes), 'every warning names the token (eToken, serial %s)' % SERIAL)
check(all(hint(n, 'x-hkpost-p11-program') == 'pkcs11-tool' for n in low),
      'the few-tries warnings name the program that typed the password: pkcs11-tool')
g = events('guard-holds')[0]
check(hint(g, 'urgency') == 2 and hint(g, 'x-hkpost-p11-tries-left') == 1 and
      'hkpost-p11 guard release' in g['body'], 'the guard holding: critical, 1 try, the release command')
r = events('guard-refused')[0]
check(hint(r, 'urgency') == 2 and hint(r, 'x-hkpost-p11-program') == 'pkcs11-tool' and
      'pkcs11-tool' in r['summary'] and 'hkpost-p11 guard release' in r['body'],
      'the refusal names the program (pkcs11-tool) and the release command')
k = events('locked')[0]
check(hint(k, 'urgency') == 2 and '2921 6633' in k['body'],
      'the lock: critical, with the Hongkong Post hotline')
check(all(n['app_name'] == 'hkpost-p11' and n['hints'].get('desktop-entry') == 'hkpost-p11-monitor'
          for n in notes), 'app name hkpost-p11, desktop entry hkpost-p11-monitor')
first = notes[:8]
keys = [(hint(n, 'x-hkpost-p11-event'), hint(n, 'x-hkpost-p11-tries-left')) for n in first]
check(len(set(keys)) == len(keys), 'nothing is told twice')
text = '\n'.join(n['summary'] + '\n' + n['body'] + '\n' + json.dumps(n['hints'], ensure_ascii=False)
                 for n in notes)
import os
pins = [os.environ['HKP11_PIN'], os.environ['HKP11_SO_PIN']] + [os.environ['WRONG'] + str(i) for i in range(1, 9)]
check(not any(p in text for p in pins), 'no notification holds a PIN')
check(re.search(r'(?<![\w.])(8|11)(?![\w.])', '\n'.join(n['summary'] + n['body'] for n in notes)) is None,
      'none holds the PINs\' lengths (8, 11)')
check(re.search(r'(?i)length|characters|digit|長度|字元|位數', text) is None,
      'none speaks of a PIN\'s length or make-up')
check(len(wrong_times) == 7, 'the audit log holds the 7 wrong passwords of pkcs11-tool')
lat = [low[i]['time'] - epoch(wrong_times[i]) for i in range(5)]
lat.append(k['time'] - epoch(wrong_times[5]))
lat.append(low[5]['time'] - epoch(wrong_times[6]))
print('# latency from the wrong password (audit record) to Notify: ' +
      ', '.join('%.0f ms' % (x * 1000) for x in lat) + '; max %.0f ms' % (max(lat) * 1000))
check(all(0 <= x < 2.0 for x in lat), 'each warning arrives within 2 s of its wrong password (max %.0f ms)' % (max(lat) * 1000))
"

run_phase "" en
SERIAL_PY=$SERIAL
notes_check2 ()
{
	# notes_check with a second argument for the script.
	file=$1
	extra=$2
	shift 2
	cp "$extra" "$HKP11_TMP/extra"
	notes_check "$file" "import sys
sys.argv.append('$HKP11_TMP/extra')
SERIAL = '$SERIAL_PY'
$*"
}
notes_check2 "$HKP11_TMP/notes-en.jsonl" "$HKP11_TMP/wrong-times-en" "$COMMON_CHECKS
low = events('tries-low')
check(low[0]['summary'] == 'Token eToken: 5 tries left' and low[4]['summary'] == 'Token eToken: 1 try left',
      'in English: \"%s\" ... \"%s\"' % (low[0]['summary'], low[4]['summary']))
check('revoke the e-Cert' in low[0]['body'] and 'pay for a new one' in low[0]['body'],
      'it says what happens at 0: the e-Cert is revoked and paid for again')
check('A wrong password was typed in pkcs11-tool.' in low[0]['body'], 'it says which program')
check(events('locked')[0]['summary'] == 'Token eToken is locked', 'the lock in English')
"
grep '^# latency' "$HKP11_TMP/check.out" || :

run_phase zh_HK zh
notes_check2 "$HKP11_TMP/notes-zh.jsonl" "$HKP11_TMP/wrong-times-zh" "$COMMON_CHECKS
low = events('tries-low')
check(low[0]['summary'] == 'Token eToken：只剩 5 次嘗試' and low[4]['summary'] == 'Token eToken：只剩 1 次嘗試',
      'in Traditional Chinese: \"%s\" ... \"%s\"' % (low[0]['summary'], low[4]['summary']))
check('撤銷' in low[0]['body'] and '付費' in low[0]['body'], 'what happens at 0, in Chinese')
check('有人在 pkcs11-tool 輸入了錯誤密碼' in low[0]['body'], 'which program, in Chinese')
check(events('locked')[0]['summary'] == 'Token eToken 已鎖上', 'the lock in Chinese')
check(all(re.search(r'[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}', n['summary']) is None for n in notes),
      'no English sentence in the Chinese summaries')
"
grep '^# latency' "$HKP11_TMP/check.out" || :
expect_no_pin "no PIN in any file the test or the monitor wrote" "$HKP11_PIN" "${WRONG}1"

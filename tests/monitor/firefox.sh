#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 monitor with wrong passwords typed into a real Firefox's
# password dialog (headless, Marionette; firefox.py), the monitor speaking
# Traditional Chinese: each warning arrives before the next password is
# typed, names Firefox as the program (from the audit log), and holds no PIN.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/monitor/common.sh"
test_begin
require_cli
skip_unless_softhsm
skip_unless_tool python3
skip_unless_monitor
HKP11_FIREFOX=${HKP11_FIREFOX:-$(command -v firefox-esr || command -v firefox || :)}
[ -n "$HKP11_FIREFOX" ] || { echo "SKIP: firefox-esr is not installed"; exit 77; }
export HKP11_FIREFOX

softhsm_setup
token_init eToken
ecert_load eToken
printf 'lockout-attempts: 6\n' >"$HKP11_TMP/p11.conf"
HKPOST_P11_CONF=$HKP11_TMP/p11.conf
# Firefox's own files stay in the test's directory.
HOME=$HKP11_TMP/home
mkdir -p "$HOME"
export HKPOST_P11_CONF HOME HKP11_PIN
bus_start
notes=$HKP11_TMP/notes.jsonl
notify_server_start "$notes"
LANGUAGE=zh_HK monitor_start

rc=0
HKP11_MODULE=$HKP11_SHIM HKP11_NOTES=$notes HKP11_WORK=$HKP11_TMP \
	timeout 300 python3 "$top_srcdir/tests/monitor/firefox.py" >"$HKP11_TMP/firefox.out" 2>&1 || rc=$?
cat "$HKP11_TMP/firefox.out"
if [ "$rc" -ne 0 ]; then
	[ ! -f "$HKP11_TMP/firefox.log" ] || tail -n 30 "$HKP11_TMP/firefox.log" >&2
	show "$HKP11_TMP/mon.out" "$HKP11_TMP/mon.err"
	fail "the Firefox run failed"
fi
HKP11_CHECKS=$((HKP11_CHECKS + $(grep -c '^ok - ' "$HKP11_TMP/firefox.out")))
sleep 1
monitor_stop

audit=$XDG_STATE_HOME/hkpost-p11/audit.log
program=$(grep 'event=C_Login' "$audit" | grep 'result=CKR_PIN_INCORRECT' |
	sed -n 's/.* program="\{0,1\}\([^" ]*\)"\{0,1\} .*/\1/p' | sort -u)
[ -n "$program" ] || { show "$audit"; fail "no wrong password in the audit log"; }
note "Firefox is \"$program\" in the audit log"
grep 'event=C_Login' "$audit" | grep 'result=CKR_PIN_INCORRECT' | sed 's/ .*//' >"$HKP11_TMP/wrong-times"
PROGRAM=$program
export PROGRAM
notes_check "$notes" "
import datetime, os
def epoch(ts):
    return datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()
program = os.environ['PROGRAM']
seq = [hint(n, 'x-hkpost-p11-event') for n in notes]
check(seq == ['tries-low'] * 5 + ['guard-holds', 'guard-refused'], 'in order: %s' % ', '.join(seq))
low = events('tries-low')
check([hint(n, 'x-hkpost-p11-tries-left') for n in low] == [5, 4, 3, 2, 1], 'tries left 5, 4, 3, 2, 1')
check([hint(n, 'urgency') for n in low] == [1, 1, 1, 1, 2], 'critical at 1 try left')
check(all(hint(n, 'x-hkpost-p11-program') == program for n in low + events('guard-refused')),
      'each names Firefox (%s) as the program' % program)
check(low[0]['summary'] == 'Token eToken：只剩 5 次嘗試' and ('有人在 %s 輸入了錯誤密碼' % program) in low[0]['body'],
      'in Traditional Chinese: %s' % low[0]['summary'])
text = json.dumps(notes, ensure_ascii=False)
check(not any('%08d' % (97310000 + i) in text for i in range(1, 7)) and os.environ['HKP11_PIN'] not in text,
      'no PIN in any notification')
times = [epoch(l.strip()) for l in open('$HKP11_TMP/wrong-times') if l.strip()]
check(len(times) == 5, 'the audit log holds the 5 wrong passwords')
lat = [low[i]['time'] - times[i] for i in range(5)]
print('# latency from the wrong password in Firefox to Notify: ' + ', '.join('%.0f ms' % (x * 1000) for x in lat))
check(all(0 <= x < 2.0 for x in lat), 'each within 2 s (max %.0f ms)' % (max(lat) * 1000))
"
grep '^# latency' "$HKP11_TMP/check.out" || :

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# e-Cert expiry through hkpost-p11 monitor: a token holds a stand-in e-Cert
# that expires in 20 days and one that expired 10 days ago
# (make-ecerts.sh --relative).  At start the monitor tells each once, at
# its threshold (30 days; expired), in English and in zh_HK; a monitor
# started again tells nothing more, since what was told is kept in the state
# directory; a threshold not yet told there (as on the day a count of days
# crosses one) is told.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/monitor/common.sh"
test_begin
require_cli
skip_unless_softhsm
skip_unless_tool pkcs11-tool openssl
skip_unless_monitor

# Fresh fixtures: their dates are relative to today.
ECERT_DIR=$HKP11_TMP/ecerts
sh "$top_srcdir/tests/fixtures/make-ecerts.sh" --relative "$ECERT_DIR" >"$HKP11_TMP/make-ecerts.log" 2>&1 ||
	{ show "$HKP11_TMP/make-ecerts.log"; fail "make-ecerts.sh --relative"; }
softhsm_setup
token_init eToken
for f in expiring expired; do
	sh "$top_srcdir/tests/fixtures/load-token.sh" --module "$SOFTHSM2_MODULE" --token eToken \
		--pin "$HKP11_PIN" "$ECERT_DIR" "$f" >"$HKP11_TMP/load-token.log" 2>&1 ||
		{ show "$HKP11_TMP/load-token.log"; fail "load-token.sh $f"; }
done
soon=$(sed -n 's/^expiring [^ ]* [^ ]* \([0-9-]*\) .*/\1/p' "$ECERT_DIR/fixtures.txt")
gone=$(sed -n 's/^expired [^ ]* [^ ]* \([0-9-]*\) .*/\1/p' "$ECERT_DIR/fixtures.txt")
note "the e-Certs expire on $soon and expired on $gone"
export soon gone
bus_start
notes=$HKP11_TMP/notes.jsonl

# run_monitor LANGUAGE N: a monitor that tells N things, then ends.
run_monitor ()
{
	notify_server_start "$notes"
	LANGUAGE=$1 monitor_start
	if [ "$2" -gt 0 ]; then
		wait_notes "$notes" "$2" 10
	fi
	sleep 1
	monitor_stop
	notify_server_stop
	[ "$(wc -l <"$notes")" -eq "$2" ] || { show "$notes"; fail "$2 notifications expected"; }
}

CHECKS="
import os
soon, gone = os.environ['soon'], os.environ['gone']
exp = events('expiry')
check(len(exp) == 2 and len(notes) == 2, 'two expiry warnings, nothing else')
by_days = sorted(exp, key=lambda n: hint(n, 'x-hkpost-p11-days-left'))
old, new = by_days
check(hint(new, 'x-hkpost-p11-days-left') in (19, 20) and hint(old, 'x-hkpost-p11-days-left') < 0,
      'one expires in %d days, one has expired' % hint(new, 'x-hkpost-p11-days-left'))
check(hint(new, 'urgency') == 1 and hint(old, 'urgency') == 2,
      'urgency normal at 30 days, critical once expired')
check(soon in new['body'] and gone in old['body'] and 'LEE MEI MEI' in new['body'],
      'each names the e-Cert and its date')
check(all(hint(n, 'x-hkpost-p11-token') == 'eToken' for n in exp), 'and the token')
check(all('2921 6633' in n['body'] for n in exp), 'with Hongkong Post\\'s hotline')
"

XDG_STATE_HOME=$HKP11_TMP/state-en
export XDG_STATE_HOME
run_monitor "" 2
notes_check "$notes" "$CHECKS
check(new['summary'] == 'Your e-Cert expires in %d days' % hint(new, 'x-hkpost-p11-days-left'),
      'in English: %s' % new['summary'])
check('Renew it before then' in new['body'] and 'hkpost-p11 show' in new['body'],
      'with the renewal steps')
check(old['summary'] == 'Your e-Cert has expired' and 'Apply to Hongkong Post for a new e-Cert' in old['body'],
      'the expired one: apply for a new e-Cert')
"
memory=$XDG_STATE_HOME/hkpost-p11/monitor-expiry
[ -f "$memory" ] || fail "no memory of the warnings in $memory"
expect_grep "the memory names the 30-day threshold of one e-Cert" '^[0-9a-f]{64} 2$' "$memory"
expect_grep "and the expiry of the other" '^[0-9a-f]{64} 5$' "$memory"
mode=$(stat -c %a "$memory")
[ "$mode" = 600 ] || fail "the memory file is $mode, not 600"
ok "the memory file is private (600)"

run_monitor "" 0
ok "a monitor started again tells nothing already told"

# As if the last warning had been at 60 days: the 30-day one is news.
sed -i 's/ 2$/ 1/' "$memory"
run_monitor "" 1
notes_check "$notes" "
check(hint(notes[0], 'x-hkpost-p11-event') == 'expiry' and hint(notes[0], 'x-hkpost-p11-days-left') > 0,
      'a threshold not told yet is told: the 30-day one after the 60-day one')
"
expect_grep "and remembered" '^[0-9a-f]{64} 2$' "$memory"

XDG_STATE_HOME=$HKP11_TMP/state-zh
export XDG_STATE_HOME
run_monitor zh_HK 2
notes_check "$notes" "$CHECKS
check(new['summary'] == '你的電子證書將於 %d 日後到期' % hint(new, 'x-hkpost-p11-days-left'),
      'in Traditional Chinese: %s' % new['summary'])
check('續期' in new['body'] and '個人電子證書' in new['body'],
      'the renewal steps and the kind of e-Cert in Chinese')
check(old['summary'] == '你的電子證書已經過期', 'the expired one in Chinese: %s' % old['summary'])
"

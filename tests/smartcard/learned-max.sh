#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Scenario 2, the maximum learned: over OpenSC a 5-try card tells its
# count only at its last try (CKF_USER_PIN_FINAL_TRY).  hkpost-p11, which
# counts from lockout-attempts (15), learns the card's maximum from that
# flag (the wrong PINs it counted + 1) and keeps it for the card's serial:
#  1. the card raises its final-try flag after the 4th wrong PIN;
#  2. after the card is unblocked and a good login, the next countdown
#     says 4 tries left after one wrong PIN, as the card has;
#  3. `hkpost-p11 status` says the figure was learned from the token;
#  4. the desktop monitor's warnings follow the card's count: on a private
#     session bus with the stand-in notification server, `hkpost-p11
#     monitor` says 4, 3, 2, 1 tries left as the card has them (read from
#     the card at each step), critical at 1, for the card's label and
#     serial; the guard holds the last try and its refusal is told; the
#     card never locks, and no notification holds a PIN.
. "$top_srcdir/tests/smartcard/common.sh"
. "$top_srcdir/tests/monitor/common.sh"
sc_begin smartcard-learned-max
# What tests/monitor/common.sh wants of tests/lib.sh.
HKP11_TMP=$work/monitor
mkdir -p "$HKP11_TMP"
CLI=$top_builddir/tools/hkpost-p11
sc_at_exit=
at_exit () {
	sc_at_exit="$1; $sc_at_exit"
}
skip_unless_tool () {
	need "$@"
}
skip_unless_monitor
sc_monitor_cleanup () {
	eval "$sc_at_exit" || :
	sc_cleanup
}
real_cleanup_hook=sc_monitor_cleanup
sc_card card-5 personal 4b50000000170005 5
sc_timed stack sc_start card-5

# 1. The card raises its final-try flag after the 4th wrong PIN, directly
# and through hkpost-p11.
printf 'open\nlogin 00000001\nlogin 00000002\nlogin 00000003\nlogin 00000004\ntoken\nfinalize\n' \
	>"$work/cycle1.txt"
sc_timed learn-direct sc_script direct "$OPENSC_MODULE" <"$work/cycle1.txt"
grep -q '^token: .*final-try' "$work/out/direct" || { show "$work/out/direct"; fail "directly, no final try"; }
sc_ctl reset-tries >/dev/null
sc_timed learn-shim sc_script cycle1 "$MODULE" <"$work/cycle1.txt"
grep -q '^token: .*final-try' "$work/out/cycle1" || { show "$work/out/cycle1"; fail "no final try"; }
ok "1. the card raises its final try after 4 wrong PINs, directly and through hkpost-p11"

# An administrator unblocks the card; the holder logs in with the guard off.
sc_ctl reset-tries >/dev/null
printf 'audit-file: %s\nlockout-guard: 0\n' "$work/audit.log" >"$work/noguard.conf"
printf 'open\nlogin %s\nfinalize\n' "$SC_PIN" >"$work/right.txt"
HKPOST_P11_CONF=$work/noguard.conf sc_script right "$MODULE" <"$work/right.txt"
expect_line right "login: CKR_OK"

printf 'open\nlogin 00000009\ntoken\nfinalize\n' >"$work/cycle2.txt"
printf 'lockout-label-programs: hkp11-p11-script\n' >>"$HKPOST_P11_CONF"
sc_timed countdown-shim sc_script cycle2 "$MODULE" <"$work/cycle2.txt"
grep -q '^token: label="CHAN TAI MAN (4 tries left)"' "$work/out/cycle2" ||
	{ show "$work/out/cycle2"; sc_ctl status; fail "2. after one wrong PIN hkpost-p11 does not say 4 tries left (the card has $(sc_ctl status))"; }
ok "2. the learned maximum: 4 tries left after one wrong PIN, as on the card"
HKPOST_P11_MODULE=$MODULE "$top_builddir/tools/hkpost-p11" status >"$work/status.txt" 2>&1 || :
grep -q "Tries left *4 tries left of 5 .*learned" "$work/status.txt" ||
	{ show "$work/status.txt"; fail "3. status does not say the figure was learned from the card"; }
ok "3. status: $(grep 'Tries left' "$work/status.txt" | sed 's/^ *//')"

# 4. The monitor, over the card at 4 of 5: at its start it tells what
# stands (4 tries left); each wrong password then takes one more, and
# between them the script waits for the warning and reads the card's own
# count, so that each figure told can be held against the card's.
sed -n 's/^token: label="\([^"]*\)" serial=\([^ ]*\) .*/\1 \2/p' "$work/out/direct" >"$work/card-id"
CARD_LABEL=$(sed 's/ [^ ]*$//' "$work/card-id")
CARD_SERIAL=$(sed 's/.* //' "$work/card-id")
[ -n "$CARD_SERIAL" ] || { show "$work/out/direct"; fail "4. no label or serial for the card"; }
bus_start
NOTES=$work/notes.jsonl
notify_server_start "$NOTES"
export HKPOST_P11_MODULE="$MODULE"
sc_timed monitor-start monitor_start
grep -q 'hkpost-p11-test-notifications' "$HKP11_TMP/mon.out" ||
	{ show "$HKP11_TMP/mon.out"; fail "4. the monitor does not use the stand-in notification server"; }
wait_notes "$NOTES" 1 10
sc_ctl status >"$work/card-counts"
# step N: until N notifications have come (10 s at most), then the card's count.
cat >"$work/step.sh" <<EOF
#!/bin/sh
n=0
while [ "\$(wc -l <'$NOTES')" -lt \$1 ] && [ \$n -lt 100 ]; do
	sleep 0.1
	n=\$((n + 1))
done
'$SC_VCARD' --ctl '$work/card.sock' status >>'$work/card-counts'
EOF
chmod +x "$work/step.sh"
# Wrong PINs not used before (the repeat guard would spare the card
# those).  4 left: 00000011 leaves 3, 00000012 2, 00000013 1 (the guard then holds
# it: two warnings), and the guard refuses 00000014.
printf 'open\nlogin 00000011\nrun %s 2\nlogin 00000012\nrun %s 3\nlogin 00000013\nrun %s 5\nlogin 00000014\nrun %s 6\ntoken\nfinalize\n' \
	"$work/step.sh" "$work/step.sh" "$work/step.sh" "$work/step.sh" >"$work/cycle3.txt"
sc_timed monitored sc_script cycle3 "$MODULE" <"$work/cycle3.txt"
[ "$(grep -cxF "login: CKR_PIN_INCORRECT" "$work/out/cycle3")" -eq 3 ] &&
	[ "$(grep -cxF "run: exit 0" "$work/out/cycle3")" -eq 4 ] ||
	{ show "$work/out/cycle3"; fail "4. not 3 wrong passwords on the card, then a refusal"; }
# Nothing more comes: nothing is told twice.
sleep 1
monitor_stop
notify_server_stop
export SC_PIN CARD_LABEL CARD_SERIAL
notes_check "$NOTES" "
import os
card = [l.split() for l in open('$work/card-counts') if l.strip()]
check(len(card) == 5 and all(c[0] == 'card-5' and c[2] == '5' for c in card),
      'the card told its count at each step: %s' % ', '.join(' '.join(c) for c in card))
card_left = [int(c[1]) for c in card]
seq = [hint(n, 'x-hkpost-p11-event') for n in notes]
check(seq == ['tries-low'] * 4 + ['guard-holds', 'guard-refused'] or
      seq == ['tries-low'] * 3 + ['guard-holds', 'tries-low', 'guard-refused'],
      'the warnings: %s' % ', '.join(seq))
low = events('tries-low')
told = [hint(n, 'x-hkpost-p11-tries-left') for n in low]
check(told == card_left[:4],
      'the few-tries warnings say the card\'s count: %s (the card: %s)' % (told, card_left[:4]))
check(told == [4, 3, 2, 1], 'those are 4, 3, 2, 1 of the card\'s 5, not of lockout-attempts (15)')
check([hint(n, 'urgency') for n in low] == [1, 1, 1, 2], 'urgency normal, critical at 1 try left')
# Each warning after a wrong password names the program that typed it,
# though over a card the count is written a card's round trip before the
# audit record that names the program (the monitor waits for it).
check([hint(n, 'x-hkpost-p11-program') for n in low[1:]] == ['hkp11-p11-script'] * 3,
      'each warning after a wrong password names the program that typed it: %s'
      % [hint(n, 'x-hkpost-p11-program') for n in low[1:]])
check(all(n['summary'] == 'Token %s: %d %s left' % (os.environ['CARD_LABEL'], t, 'try' if t == 1 else 'tries')
          for n, t in zip(low, card_left)), 'the summaries say the card\'s count: ' + ' / '.join(n['summary'] for n in low))
check(all(hint(n, 'x-hkpost-p11-token') == os.environ['CARD_LABEL'] and
          hint(n, 'x-hkpost-p11-serial') == os.environ['CARD_SERIAL'] for n in notes),
      'every warning names the card: %s, serial %s' % (os.environ['CARD_LABEL'], os.environ['CARD_SERIAL']))
g = events('guard-holds')[0]
check(hint(g, 'urgency') == 2 and hint(g, 'x-hkpost-p11-tries-left') == card_left[3] == 1,
      'the guard holds the card\'s last try: critical, 1 try')
r = events('guard-refused')[0]
check(hint(r, 'urgency') == 2 and hint(r, 'x-hkpost-p11-program') == 'hkp11-p11-script' and
      'hkpost-p11 guard release' in r['body'],
      'the guard\'s refusal of the last try is told, with the program and the release command')
check(card_left[4] == 1, 'the card never locks: 1 try left after the refusal')
# All a notification says but the card's serial, which holds 00000001.
text = '\n'.join(n['summary'] + '\n' + n['body'] + '\n' +
                 json.dumps({k: v for k, v in n['hints'].items() if k != 'x-hkpost-p11-serial'},
                            ensure_ascii=False) for n in notes)
pins = [os.environ['SC_PIN']] + ['0000001%d' % i for i in range(1, 5)] + ['0000000%d' % i for i in range(1, 10)]
check(not any(p in text for p in pins), 'no notification holds a PIN')
"
sc_ctl status | grep -qx "card-5 1 5" || fail "4. the card locked or lost a try: $(sc_ctl status)"
grep -q '^token: .*final-try' "$work/out/cycle3" || { show "$work/out/cycle3"; fail "4. the card's final-try flag is not up"; }
ok "4. the card still has its last try ($(sc_ctl status)) and says so"
real_end

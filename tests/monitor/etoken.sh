#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 monitor over the mock SafeNet eToken, which counts its own
# tries (ETCKA_RETRY_USER, shared between processes through MOCK_P11_STATE):
# the warnings follow the token's counter.  The mock's token is taken out
# and put back by another process (MOCK_P11_PRESENT_FILE), which the
# monitor's C_WaitForSlotEvent thread sees: no notification for that by
# default, and one for each with monitor-token-events: yes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/lockout/common.sh"
. "$top_srcdir/tests/monitor/common.sh"
test_begin
require_cli
skip_unless_tool pkcs11-tool
skip_unless_monitor

mock_setup
MOCK_P11_USER_TRIES=4
MOCK_P11_PRESENT_FILE=$HKP11_TMP/token-inserted
export MOCK_P11_USER_TRIES MOCK_P11_PRESENT_FILE
touch "$MOCK_P11_PRESENT_FILE"
bus_start
notes=$HKP11_TMP/notes.jsonl
notify_server_start "$notes"

# The token's own counter: 4 tries, 3 then 2 left after wrong passwords.
monitor_start
for i in 1 2; do
	p11 "$HKP11_TMP/wrong.out" --module "$HKP11_SHIM" --login --pin "2468024680$i" -O
	[ "$p11_rc" -ne 0 ] || fail "a wrong password logged in"
	wait_notes "$notes" "$i" 5
done
ok "two wrong passwords, two warnings"
expect_tries "the token's own counter" 2

# Out and in again, with the default settings: nothing to tell.
rm "$MOCK_P11_PRESENT_FILE"
sleep 1.5
touch "$MOCK_P11_PRESENT_FILE"
sleep 1.5
monitor_stop
[ "$(wc -l <"$notes")" -eq 2 ] || { show "$notes"; fail "a notification came for the token going and coming"; }
ok "no notification for the token going and coming, by default"

notes_check "$notes" "
low = events('tries-low')
check([hint(n, 'x-hkpost-p11-tries-left') for n in low] == [3, 2],
      'the warnings follow the token\\'s own counter: 3, then 2 tries left')
check(all(hint(n, 'x-hkpost-p11-token') == 'eToken' and hint(n, 'x-hkpost-p11-serial') == '0a1b2c3d'
          for n in low), 'they name the eToken by label and serial')
check(low[0]['summary'] == 'Token eToken: 3 tries left', 'summary: %s' % low[0]['summary'])
"

# With monitor-token-events: yes, each going and coming is told (after what
# stands at the start: 2 tries left).
printf 'monitor-token-events: yes\n' >"$HKP11_TMP/p11.conf"
HKPOST_P11_CONF=$HKP11_TMP/p11.conf
export HKPOST_P11_CONF
notify_server_stop
notify_server_start "$notes"
monitor_start
wait_notes "$notes" 1 5
python3 -c 'import time; print(time.time())' >"$HKP11_TMP/t-removed"
rm "$MOCK_P11_PRESENT_FILE"
wait_notes "$notes" 2 5
python3 -c 'import time; print(time.time())' >"$HKP11_TMP/t-inserted"
touch "$MOCK_P11_PRESENT_FILE"
wait_notes "$notes" 3 5
sleep 1
monitor_stop
notes_check "$notes" "
seq = [hint(n, 'x-hkpost-p11-event') for n in notes]
check(seq == ['tries-low', 'token-removed', 'token-inserted'],
      'what stands at the start (2 tries left), then removed, then inserted: %s' % seq)
check(hint(notes[0], 'x-hkpost-p11-tries-left') == 2 and
      notes[0]['body'].startswith('A wrong password was typed for this token.'),
      'a new monitor tells the tries that stand, without a program')
notes = notes[1:]
check(all(hint(n, 'urgency') == 0 for n in notes), 'both of low urgency')
check(notes[0]['hints'].get('category') == 'device.removed' and
      notes[1]['hints'].get('category') == 'device.added', 'categories device.removed, device.added')
check(notes[1]['summary'] == 'e-Cert token eToken inserted', 'summary: %s' % notes[1]['summary'])
removed = float(open('$HKP11_TMP/t-removed').read())
inserted = float(open('$HKP11_TMP/t-inserted').read())
lat = [notes[0]['time'] - removed, notes[1]['time'] - inserted]
print('# from the token going and coming to Notify: %.0f ms, %.0f ms' % (lat[0] * 1000, lat[1] * 1000))
# Polling would take up to 2 s; the thread in C_WaitForSlotEvent wakes at once.
check(all(0 <= x < 1.0 for x in lat), 'each told within 1 s: the slot thread saw it')
"

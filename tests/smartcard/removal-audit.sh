#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Scenario 3, the audit log: when the card is pulled out during a login,
# the audit log records the end of that login when the removal is seen,
# once, not later when the program closes its dead session or ends.
#  1. seen by C_WaitForSlotEvent (the slot then has no token);
#  2. seen by a call on the dead session (a signature), the program having
#     only listed the slots with a token meanwhile.
# The same scripts run directly over OpenSC first: the transcripts match.
. "$top_srcdir/tests/smartcard/common.sh"
sc_begin smartcard-removal-audit
sc_card card-a personal 4b5000000017000a 15
sc_timed stack sc_start card-a
echo "signed by the card" >"$work/data"
ctl="$SC_VCARD --ctl $work/card.sock"
ended='event=login-ended .*ends_login=CKU_USER reasons="token-removed"'

# walk HOW: a login, the card pulled out, the removal seen HOW, the audit
# log's records of a login's end counted, then the dead session closed.
walk () {
	printf 'open\nlogin %s\nrun %s remove\n' "$SC_PIN" "$ctl"
	if [ "$1" = event ]; then
		echo "wait-event block absent"
	else
		echo "wait-token absent"
		echo "sign $work/data $work/gone.sig"
	fi
	printf 'run grep -c ends_login %s\nclose\nfinalize\n' "$work/audit.log"
}

for how in event session; do
	walk $how >"$work/walk-$how.txt"
	sc_timed $how-direct sc_script direct-$how "$OPENSC_MODULE" <"$work/walk-$how.txt"
	sc_ctl insert >/dev/null
	sc_wait_reader Yes
	sc_timed $how-shim sc_script shim-$how "$MODULE" <"$work/walk-$how.txt"
	sc_ctl insert >/dev/null
	sc_wait_reader Yes
	# The transcripts match, but for the audit log's grep (absent directly).
	sc_results direct-$how | grep -v -e '^run: ' -e '^[0-9]*$' >"$work/direct-$how.res"
	sc_results shim-$how | grep -v -e '^run: ' -e '^[0-9]*$' >"$work/shim-$how.res"
	expect_same "$how: every call returns through hkpost-p11 what OpenSC returns directly" \
		"$work/direct-$how.res" "$work/shim-$how.res"
done
expect_line shim-event "wait-event block absent: CKR_OK (the reader)"

# Before the program closed its session, one record each time; none more
# at the close or at C_Finalize.
[ "$(sed -n 's/^run: exit //p' "$work/out/shim-event" | sed -n 2p)" = 0 ] &&
	[ "$(grep -c ends_login "$work/audit.log")" -ge 1 ] ||
	{ show "$work/out/shim-event"; show "$work/audit.log"; fail "1. no record of the login's end when C_WaitForSlotEvent saw the removal"; }
grep "$ended" "$work/audit.log" | grep -q 'function="C_WaitForSlotEvent"' ||
	{ show "$work/audit.log"; fail "1. the record is not a login-ended for the removal seen by C_WaitForSlotEvent"; }
ok "1. C_WaitForSlotEvent: $(grep "$ended" "$work/audit.log" | grep 'C_WaitForSlotEvent' | sed 's/.* kind=/kind=/')"
[ "$(sed -n 's/^run: exit //p' "$work/out/shim-session" | sed -n 2p)" = 0 ] ||
	{ show "$work/out/shim-session"; show "$work/audit.log"; fail "2. no record of the login's end when the session's call saw the removal"; }
grep "$ended" "$work/audit.log" | grep -v 'function="C_WaitForSlotEvent"' | grep -q 'session=' ||
	{ show "$work/audit.log"; fail "2. the record does not name the dead session's call"; }
ok "2. a call on the dead session: $(grep "$ended" "$work/audit.log" | grep -v 'C_WaitForSlotEvent' | sed 's/.* kind=/kind=/')"
[ "$(grep -c ends_login "$work/audit.log")" = 2 ] && [ "$(grep -c "$ended" "$work/audit.log")" = 2 ] ||
	{ show "$work/audit.log"; fail "a login's end recorded more than once"; }
ok "one record per login, none at the close of the dead session or at C_Finalize"
! grep -q "$SC_PIN" "$work/audit.log" || fail "the PIN is in the audit log"
real_end

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# PENDING (not in TESTS; `make check-smartcard-pending`): scenario 3's part
# that hkpost-p11 does not do yet.  When the card is pulled out during a
# login, the audit log should record the end of that login when the
# removal is seen (here: C_WaitForSlotEvent reports it and the slot has no
# token), not later when the program closes its dead session or ends.
. "$top_srcdir/tests/smartcard/common.sh"
sc_begin smartcard-pending-removal-audit
sc_card card-a personal 4b5000000017000a 15
sc_start card-a
cat >"$work/walk.txt" <<EOT
open
login $SC_PIN
run $SC_VCARD --ctl $work/card.sock remove
wait-event block absent
run grep -c ends_login $work/audit.log
close
finalize
EOT
sc_script walk "$MODULE" <"$work/walk.txt"
expect_line walk "wait-event block absent: CKR_OK (the reader)"
[ "$(sed -n 's/^run: exit //p' "$work/out/walk" | sed -n 2p)" = 0 ] ||
	{ show "$work/out/walk"; show "$work/audit.log"; fail "no record of the login's end when the removal was seen"; }
ok "the audit log ended the login when the removal was seen"
real_end

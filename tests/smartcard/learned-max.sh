#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Scenario 2, the maximum learned: over OpenSC a 5-try card tells its
# count only at its last try (CKF_USER_PIN_FINAL_TRY).  hkpost-p11, which
# counts from lockout-attempts (15), learns the card's maximum from that
# flag (the wrong PINs it counted + 1) and keeps it for the card's serial:
#  1. the card raises its final-try flag after the 4th wrong PIN;
#  2. after the card is unblocked and a good login, the next countdown
#     says 4 tries left after one wrong PIN, as the card has;
#  3. `hkpost-p11 status` says the figure was learned from the token.
. "$top_srcdir/tests/smartcard/common.sh"
sc_begin smartcard-learned-max
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
real_end

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Scenario 2: wrong passwords on a card with 5 tries and on one with 15.
# The card counts (63 Cx, 69 83); OpenSC shows only the last try
# (CKF_USER_PIN_FINAL_TRY) and the lock.  Directly, the wrong passwords lock
# the card.  Through hkpost-p11 at its defaults (15 tries assumed, warnings
# from 5, the last try held back) the card never locks, on either card, and
# the last try is held back where the card says it is the last.
# How hkpost-p11 learns a 5-try card's maximum from that final try, and
# counts from it afterwards, is in learned-max.sh.
. "$top_srcdir/tests/smartcard/common.sh"
sc_begin smartcard-countdown
sc_card card-5 personal 4b50000000170005 5
sc_card card-15 org3 4b50000000170015 15
sc_timed stack sc_start card-5
# The countdown in the label is read here: the script's program is named.
printf 'lockout-label-programs: hkp11-p11-script\n' >>"$HKPOST_P11_CONF"

# wrongs N: a script of N different wrong PINs (the repeat guard would
# refuse a repeated one without asking the card), each followed by the
# token's flags and the card's own count, then the right PIN.
wrongs () {
	echo open
	i=1
	while [ $i -le "$1" ]; do
		printf 'login 0000%04d\ntoken\nrun %s --ctl %s status\n' $i "$SC_VCARD" "$work/card.sock"
		i=$((i + 1))
	done
	printf 'login %s\nrun %s --ctl %s status\nclose\nfinalize\n' "$SC_PIN" "$SC_VCARD" "$work/card.sock"
}

# nth OUT WHAT N: the Nth line of OUT that starts with "WHAT".
nth () {
	grep "^$2" "$work/out/$1" | sed -n "$3p"
}

for max in 5 15; do
	card=card-$max
	if [ "$max" -ne 5 ]; then
		# Out, seen out, then the other card in: a swap that pcscd did not
		# see as one would reach OpenSC as a changed card mid-session.
		sc_ctl remove >/dev/null
		sc_wait_reader No
		sc_ctl insert $card >/dev/null
		sc_wait_reader Yes
	fi
	wrongs $max >"$work/wrongs-$max.txt"

	# ---- directly: the card counts, locks, and OpenSC says so -------
	sc_timed s2-$max-direct sc_script d$max "$OPENSC_MODULE" <"$work/wrongs-$max.txt"
	i=1
	while [ $i -lt "$max" ]; do
		[ "$(nth d$max login $i)" = "login: CKR_PIN_INCORRECT" ] &&
			[ "$(nth d$max card- $i)" = "$card $((max - i)) $max" ] ||
			{ show "$work/out/d$max"; fail "directly, wrong PIN $i on $card"; }
		i=$((i + 1))
	done
	nth d$max token $((max - 1)) | grep -q 'flags=final-try,$' ||
		{ show "$work/out/d$max"; fail "directly, no final-try flag with one try left"; }
	[ "$(nth d$max login "$max")" = "login: CKR_PIN_LOCKED" ] && [ "$(nth d$max card- "$max")" = "$card 0 $max" ] ||
		{ show "$work/out/d$max"; fail "directly, the last wrong PIN did not lock $card"; }
	[ "$(nth d$max login $((max + 1)))" = "login: CKR_PIN_LOCKED" ] ||
		{ show "$work/out/d$max"; fail "directly, the right PIN opened a locked card"; }
	ok "directly, $card counts $((max - 1))..1 (OpenSC: CKR_PIN_INCORRECT, final-try at 1), locks at the ${max}th wrong PIN, then refuses the right one"
	sc_ctl reset-tries >/dev/null

	# ---- through hkpost-p11: the card never locks -------------------
	sc_timed s2-$max-shim sc_script s$max "$MODULE" <"$work/wrongs-$max.txt"
	i=1
	while [ $i -lt "$max" ]; do
		[ "$(nth s$max login $i)" = "login: CKR_PIN_INCORRECT" ] &&
			[ "$(nth s$max card- $i)" = "$card $((max - i)) $max" ] ||
			{ show "$work/out/s$max"; fail "through hkpost-p11, wrong PIN $i on $card"; }
		i=$((i + 1))
	done
	[ "$(nth s$max login "$max")" = "login: CKR_PIN_LOCKED" ] && [ "$(nth s$max card- "$max")" = "$card 1 $max" ] ||
		{ show "$work/out/s$max"; fail "through hkpost-p11, the last try reached $card"; }
	ok "through hkpost-p11, the guard holds back the ${max}th wrong PIN: $card keeps its last try"
	nth s$max token $((max - 1)) | grep -q 'label="[^"]*(1 try left)".*final-try' ||
		{ show "$work/out/s$max"; fail "through hkpost-p11, no warning in the label and flags at the last try"; }
	ok "with one try left on $card, hkpost-p11 says so in the label and flags: $(nth s$max token $((max - 1)))"
	# ... and warned at the wrong PIN itself, whatever its own figure.
	grep "event=lockout-warning .*token=\"$(nth s$max token 1 | sed 's/.*serial=\([^ ]*\).*/\1/')\".*tries_left=1 " "$work/audit.log" |
		grep -q 'function="C_Login"' || { show "$work/audit.log"; fail "no warning at the wrong PIN that left $card one try"; }
	ok "the card's last-try warning is passed on at that wrong PIN (audit, syslog, stderr), not only at the next look at the token"
	[ "$(nth s$max login $((max + 1)))" = "login: CKR_PIN_LOCKED" ] && [ "$(nth s$max card- $((max + 1)))" = "$card 1 $max" ] ||
		{ show "$work/out/s$max"; fail "through hkpost-p11, the right PIN was let through with the guard up"; }
	ok "the guard stays up for the right PIN too, until released: $card still has 1 try"
	# hkpost-p11's own view, as the holder sees it.
	HKPOST_P11_MODULE=$MODULE "$top_builddir/tools/hkpost-p11" status >"$work/status-$max.txt" 2>&1 || :
	grep -q "Tries left .*1 try left" "$work/status-$max.txt" ||
		{ show "$work/status-$max.txt"; fail "hkpost-p11 status does not say 1 try left"; }
	ok "hkpost-p11 status: $(grep 'Tries left' "$work/status-$max.txt" | sed 's/^ *//')"
	sc_ctl reset-tries >/dev/null
done

# The 15-try card, where hkpost-p11's default is right: its countdown
# follows the card's, and the label warns from 5 tries left.
i=10
[ "$(nth s15 token $i | sed 's/.*label="\([^"]*\)".*/\1/')" = "LEE SIU KEUNG (5 tries left)" ] &&
	[ "$(nth s15 card- $i)" = "card-15 5 15" ] ||
	{ show "$work/out/s15"; fail "through hkpost-p11, the 15-try card's countdown does not match the card's"; }
ok "on the 15-try card hkpost-p11's countdown is the card's: '(5 tries left)' when the card has 5"
grep -q '"lockout-warning"\|event=lockout-warning' "$work/audit.log" ||
	{ show "$work/audit.log"; fail "no lockout warning in the audit log"; }
ok "the audit log has the lockout warnings ($(grep -c 'lockout-warning' "$work/audit.log"))"

real_end

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A guard release lets exactly one try through and changes nothing else
# (issue 15, item 2), and no countdown shows before a try was spent (item
# 3).  With five tries (lockout-attempts: 5, at lockout-warn's 5): four
# wrong passwords through pkcs11-tool leave "(1 try left)"; `hkpost-p11
# guard release --yes` leaves it at that; the released wrong password is
# the last one, and the token then reads as locked everywhere: the label,
# the flags, status (with what to do), and CKR_PIN_LOCKED for every login
# and password change.
#
# Twice: over SoftHSM, which never locks, so that hkpost-p11 counts; and
# over the mock eToken with five tries, which counts and locks itself.
# Where hkpost-p11 counts, a release lets one try through again, and only
# a right password gives the tries back; a token that locked itself has
# nothing left to release.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
skip_unless_tool pkcs11-tool python3
skip_unless_softhsm
require_cli

TOKEN_FLAGS=$top_builddir/tests/lockout/token-flags
STRONG='Tai#Man2025'
# The label counts down for the token-flags helper only (label_is); every
# other program, pkcs11-tool among them, sees the token's own label.
printf 'lockout-attempts: 5\nlockout-label-programs: token-flags\n' >"$HKP11_TMP/five.conf"
printf 'lockout-attempts: 5\n' >"$HKP11_TMP/five-default.conf"
HKPOST_P11_CONF=$HKP11_TMP/five.conf
export HKPOST_P11_CONF

# tk OUT ARG...: pkcs11-tool through the module, the exit status in
# $cli_rc as the tool's; the command is echoed with its PINs hidden.
tk ()
{
	cli_out=$1
	shift
	echo "\$ pkcs11-tool $*" | sed -e 's/\(--pin\|--new-pin\) [^ ]*/\1 ***/g'
	cli_rc=0
	pkcs11-tool --module "$HKP11_SHIM" --token-label eToken "$@" \
		>"$cli_out" 2>"$cli_out.err" </dev/null || cli_rc=$?
}

# login OUT PIN: a user login, and what the module answered.
login ()
{
	tk "$1" --login --pin "$2" -O
}

expect_answer ()
{
	expect_grep "$1" "$2" "$cli_out.err"
}

# label_is WHAT TEXT: the token label through the module, exactly.
label_is ()
{
	"$TOKEN_FLAGS" "$HKP11_SHIM" eToken >flags.out || { show flags.out; fail "no token"; }
	got=$(sed -n 's/^label=//p' flags.out | sed 's/ *$//')
	[ "$got" = "$2" ] || { show flags.out; fail "$1 (the label is '$got', expected '$2')"; }
	ok "$1"
}

flags_are ()
{
	expect_grep "$1" "^$2\$" flags.out
}

state_line ()
{
	expect_grep "$1" "^$2\$" "$XDG_STATE_HOME"/hkpost-p11/*.state
}

# sequence KIND: the issue's sequence; KIND is softhsm or etoken.
sequence ()
{
	kind=$1
	XDG_STATE_HOME=$HKP11_TMP/state-$kind
	export XDG_STATE_HOME
	if [ "$kind" = softhsm ]; then
		counter='counted by hkpost-p11'
		locked_by=hkpost-p11
	else
		counter="the token's own count"
		locked_by=token
	fi

	# Item 3: five tries, warnings from five, and nothing went wrong.
	label_is "$kind: a fresh token shows no countdown" eToken
	flags_are "$kind: and its flags say nothing is low" 'count-low=0 final-try=0 locked=0'
	cli fresh status --json
	expect_rc "$kind: status of the fresh token exits 0" 0
	json_check fresh '
t = [t for t in d["tokens"] if t["present"]][0]
check(t["tries_left"] == 5 and t["tries_max"] == 5, "5 tries of 5")
check(t["warning"] is False and t["guard"] == "open", "no warning before a wrong password")
check(d["problems"] == [], "no problem")
'
	login good0 "$HKP11_PIN"
	expect_rc "$kind: the right password logs in" 0
	label_is "$kind: and the label still shows no countdown" eToken

	# Four wrong passwords: one try left, held back.
	for i in 1 2 3 4; do
		login wrong$i "Wrong-Pin-$i"
		expect_answer "$kind: wrong password $i: CKR_PIN_INCORRECT" CKR_PIN_INCORRECT
	done
	label_is "$kind: four wrong passwords: the label says one try is left" 'eToken (1 try left)'
	flags_are "$kind: and the flags say final try" 'count-low=1 final-try=1 locked=0'
	HKPOST_P11_CONF=$HKP11_TMP/five-default.conf label_is \
		"$kind: where the program is not named, the token keeps its label" eToken
	login held "Wrong-Pin-5"
	expect_answer "$kind: the fifth try is held back" CKR_PIN_LOCKED
	[ "$kind" = softhsm ] || expect_tries "$kind: the token was not asked" 1
	cli holds status
	expect_rc "$kind: status exits 6 while the guard holds" 6
	expect_grep "$kind: status says the guard holds" 'Guard +HOLDS' holds

	# The release: one try through, nothing else.
	cli release guard release --yes
	expect_rc "$kind: guard release --yes" 0
	expect_grep "$kind: it says the count stands" 'The count of wrong passwords stands' release
	label_is "$kind: after the release the label still says one try" 'eToken (1 try left)'
	flags_are "$kind: and the flags still say final try" 'count-low=1 final-try=1 locked=0'
	cli released status --json
	expect_rc "$kind: a released guard is no problem" 0
	json_check released '
t = [t for t in d["tokens"] if t["present"]][0]
check(t["tries_left"] == 1 and t["guard"] == "released", "1 try left, released")
'
	if [ "$kind" = softhsm ]; then
		state_line "$kind: the count stands at four" 'failures: 4'
	else
		expect_tries "$kind: the token's count stands at one" 1
		state_line "$kind: hkpost-p11 counted nothing of its own" 'failures: 0'
	fi
	state_line "$kind: the state file holds the release" 'released: 1'

	# The released try, wrong: the last one.
	login last "Wrong-Pin-6"
	expect_answer "$kind: the released wrong password reaches the token" CKR_PIN_INCORRECT
	[ "$kind" = softhsm ] || expect_tries "$kind: the token spent its last try" 0
	[ "$kind" = etoken ] || state_line "$kind: counted as the fifth" 'failures: 5'
	state_line "$kind: the release is used up" 'released: 0'
	label_is "$kind: the label says locked" 'eToken (locked)'
	flags_are "$kind: the flags say locked" 'count-low=1 final-try=0 locked=1'
	cli locked status
	expect_rc "$kind: status exits 6 for the locked token" 6
	expect_no_grep "$kind: status no longer says the guard is not needed" 'not needed yet' locked
	expect_grep "$kind: status says no try is left ($counter)" "Tries left +none: the token is locked" locked
	if [ "$kind" = softhsm ]; then
		expect_grep "$kind: status says it reads as locked on the count" \
			"token 'eToken' \(serial [0-9a-f]*\) reads as locked: hkpost-p11 counted 5 wrong passwords" locked
	else
		expect_grep "$kind: status says the token is locked" "token 'eToken' \(serial 0a1b2c3d\) is locked" locked
	fi
	expect_grep "$kind: and that the e-Cert has to be revoked and applied for again" \
		'Hongkong Post has to revoke the e-Cert, and you apply for a new one' locked
	expect_grep "$kind: and the hotline" 'Hongkong Post Certification Authority hotline 2921 6633' locked
	cli lockedj status --json
	json_check lockedj "
t = [t for t in d['tokens'] if t['present']][0]
check(t['locked'] is True and t['tries_left'] == 0, 'locked, no try left')
check(t['locked_by'] == '$locked_by', 'locked by the count of $locked_by')
check(t['guard'] == 'locked', 'guard: locked')
check(d['problems'][0]['code'] == 'locked', 'the problem is the lock')
"

	# Every further login and password change: CKR_PIN_LOCKED.
	login after-right "$HKP11_PIN"
	expect_answer "$kind: the right password: CKR_PIN_LOCKED" CKR_PIN_LOCKED
	login after-wrong "Wrong-Pin-7"
	expect_answer "$kind: a wrong one: CKR_PIN_LOCKED" CKR_PIN_LOCKED
	tk after-change --change-pin --pin "$HKP11_PIN" --new-pin "$STRONG"
	expect_answer "$kind: a password change: CKR_PIN_LOCKED" CKR_PIN_LOCKED
	cli_in after-tool "$HKP11_PIN
$STRONG
" change-pin --pin-stdin
	expect_rc "$kind: hkpost-p11 change-pin exits 6" 6
	expect_grep "$kind: and names the hotline" '2921 6633' after-tool.err
	label_is "$kind: still locked" 'eToken (locked)'
	[ "$kind" = etoken ] || state_line "$kind: nothing more was counted" 'failures: 5'

	# The same in Traditional Chinese, where the catalogue is built
	# (tests/cli/i18n.sh tests the rest of it).
	if [ -f "$HKPOST_P11_LOCALEDIR/zh_HK/LC_MESSAGES/hkpost-p11.mo" ]; then
		LANGUAGE=zh_HK cli lockedzh status
		expect_rc "$kind: status in zh_HK exits 6 too" 6
		expect_grep "$kind: the fix in Chinese, with the hotline" '香港郵政須撤銷電子證書，你須重新申請（香港郵政核證機關熱線 2921 6633）' lockedzh
	fi
}

# ---- SoftHSM: hkpost-p11 counts ------------------------------------------
softhsm_setup
token_init eToken
sequence softhsm
expect_grep "softhsm: the refusal says the token reads as locked" 'reads as locked' after-right.err
expect_grep "softhsm: and how a holder whose token is not locked goes on" \
	"'hkpost-p11 guard release' lets one try through" after-right.err

# SoftHSM never locks: a release lets one try through to find out, and
# only a right password gives the tries back.
cli again guard release --yes
expect_rc "softhsm: a token locked on hkpost-p11's count can be released once more" 0
expect_grep "softhsm: the release explains it reads as locked" 'reads as locked: hkpost-p11 counted 5 wrong passwords' again
expect_grep "softhsm: and that the token does not tell" 'The token does not tell its own count' again
login again-wrong "Wrong-Pin-8"
expect_answer "softhsm: the released try, wrong again" CKR_PIN_INCORRECT
login again-right "$HKP11_PIN"
expect_answer "softhsm: the release was used up: the right password is refused" CKR_PIN_LOCKED
label_is "softhsm: still locked" 'eToken (locked)'
cli again2 guard release --yes
expect_rc "softhsm: released once more" 0
login right "$HKP11_PIN"
expect_rc "softhsm: the right password on the released try logs in" 0
label_is "softhsm: the right password gives the tries back, no countdown" eToken
flags_are "softhsm: and clears the flags" 'count-low=0 final-try=0 locked=0'
state_line "softhsm: the count is back to zero" 'failures: 0'
cli well status
expect_rc "softhsm: status is all well again" 0
expect_grep "softhsm: five tries of five" 'Tries left +5 tries left of 5 \(counted by hkpost-p11, of lockout-attempts\)$' well

# ---- The mock eToken: the token counts and locks itself -------------------
HKPOST_P11_BACKEND=$MOCK_MODULE
MOCK_P11_ETOKEN=1
MOCK_P11_USER_TRIES=5
MOCK_P11_STATE=$HKP11_TMP/mock.state
export HKPOST_P11_BACKEND MOCK_P11_ETOKEN MOCK_P11_USER_TRIES MOCK_P11_STATE
sequence etoken
cli gone guard release --yes
expect_rc "etoken: a token locked by its own count has nothing to release" 6
expect_grep "etoken: it says so" 'there is no try left to release' gone.err
expect_grep "etoken: and what to do" '2921 6633' gone.err
expect_tries "etoken: nothing reset the token's count" 0

expect_no_pin "no password in any file the test or the tool wrote" \
	"$HKP11_PIN" "$STRONG" Wrong-Pin-

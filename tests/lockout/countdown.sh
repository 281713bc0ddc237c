#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Lockout protection with a real client: wrong logins through pkcs11-tool
# over a SoftHSM token (which never locks, so hkpost-p11 counts).  From the
# tenth wrong PIN (5 tries left) the countdown shows on a terminal's stderr
# and in the flags; in the label only where lockout-label-programs names the
# program (label.conf here), else the token keeps its name.  The fifteenth
# try is held back.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/lockout/common.sh"
test_begin
skip_unless_tool pkcs11-tool script
skip_unless_softhsm
require_shim

softhsm_setup
token_init eToken
# The label counts down in these programs only.
printf 'lockout-label-programs: pkcs11-tool token-flags\n' >"$HKP11_TMP/label.conf"

wrong=1
while [ "$wrong" -le 14 ]; do
	left=$((15 - wrong))
	if [ "$wrong" -eq 12 ]; then
		# stderr not a terminal: no countdown line there (syslog has it with audit-syslog: yes).
		p11 login$wrong --module "$HKP11_SHIM" --token-label eToken --login --pin "Wrong-Pin-$wrong" -O
		expect_grep "wrong PIN $wrong: CKR_PIN_INCORRECT" 'CKR_PIN_INCORRECT' login$wrong.err
		expect_no_grep "wrong PIN $wrong: no countdown on a stderr that is not a terminal" 'tries left' login$wrong.err
	else
		p11_tty login$wrong --module "$HKP11_SHIM" --token-label eToken --login --pin "Wrong-Pin-$wrong" -O
		expect_grep "wrong PIN $wrong: CKR_PIN_INCORRECT" 'CKR_PIN_INCORRECT' login$wrong
		if [ "$left" -gt 5 ]; then
			expect_no_grep "wrong PIN $wrong: no warning yet ($left tries left)" 'tries? left' login$wrong
		elif [ "$left" -gt 1 ]; then
			expect_grep "wrong PIN $wrong: the terminal shows $left tries left" \
				"^hkpost-p11: wrong PIN for token 'eToken': $left tries left before it locks for good" login$wrong
		else
			expect_grep "wrong PIN $wrong: the terminal shows the last try" \
				"^hkpost-p11: wrong PIN for token 'eToken': 1 try left before it locks for good.*hold back the last try" login$wrong
		fi
	fi
	if [ "$wrong" -eq 1 ]; then
		p11 list1 --module "$HKP11_SHIM" -L
		expect_grep "-L shows 'user PIN count low' after a wrong PIN" 'token flags +:.*user PIN count low' list1
	fi
	if [ "$wrong" -eq 10 ]; then
		p11 list10 --module "$HKP11_SHIM" -L
		expect_grep "by default -L shows the token's own label at 5 left" 'token label +: eToken$' list10
		expect_grep "by default -L shows the count low in the flags at 5 left" 'token flags +:.*user PIN count low' list10
		HKPOST_P11_CONF=$HKP11_TMP/label.conf p11 list10l --module "$HKP11_SHIM" -L
		expect_grep "-L shows the tries in the label at 5 left when pkcs11-tool is named" 'token label +: eToken \(5 tries left\)$' list10l
		flags_of eToken
		expect_grep "5 left: count low, not the final try" '^count-low=1 final-try=0 locked=0$' flags.out
		expect_grep "5 left: by default the label is the token's own" '^label=eToken *$' flags.out
	fi
	wrong=$((wrong + 1))
done

flags_of eToken
expect_grep "one try left: CKF_USER_PIN_FINAL_TRY in the raw flags" '^count-low=1 final-try=1 locked=0$' flags.out
expect_grep "one try left: by default the label stays" '^label=eToken *$' flags.out
HKPOST_P11_CONF=$HKP11_TMP/label.conf flags_of eToken
expect_grep "one try left: the label says so where the setting names the program" '^label=eToken \(1 try left\) *$' flags.out

# The fifteenth try, wrong or right, is held back; stderr says how to go on
# whether it is a terminal or not.
state=$(ls "$XDG_STATE_HOME"/hkpost-p11/*.state)
p11 guard --module "$HKP11_SHIM" --token-label eToken --login --pin Wrong-Pin-15 -O
expect_grep "the 15th try is refused as CKR_PIN_LOCKED" 'CKR_PIN_LOCKED' guard.err
expect_grep "stderr says the guard held it back" '^hkpost-p11: C_Login refused: only 1 try left' guard.err
expect_grep "stderr names the state file to delete" "deleting $state" guard.err
expect_grep "stderr names the release tool" 'hkpost-p11 guard release' guard.err
p11 guard2 --module "$HKP11_SHIM" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_grep "the right PIN is held back too" 'CKR_PIN_LOCKED' guard2.err
grep -q '^failures: 14$' "$state" || { show "$state"; fail "the count stays at 14"; }
ok "the count stays at 14"

# Deleting the state file releases the guard; a good PIN clears it all.
rm -f "$state"
p11 good --module "$HKP11_SHIM" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_rc "after the release the right PIN opens the token" 0
flags_of eToken
expect_grep "after a good PIN the count is no longer low" '^count-low=0 final-try=0 locked=0$' flags.out
expect_grep "after a good PIN the label is the token's own" '^label=eToken *$' flags.out

expect_no_pin "no PIN in any file the test or the shim wrote" "$HKP11_PIN" "$HKP11_SO_PIN" Wrong-Pin-

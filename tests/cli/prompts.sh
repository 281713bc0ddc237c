#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 change-pin at a terminal (a pseudo-terminal driven by
# pty-drive.py), over the mock eToken, whose retry counter lives in a state
# file shared across processes.  The tries left show before the first
# prompt; a mistyped confirmation and a weak new password are caught before
# the token is asked (its counter and the audit log say so); a wrong
# current password shows the tries left; a good change works; nothing
# typed is ever echoed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
skip_unless_tool python3
require_cli
mock_setup

# The audit log shows whether C_SetPIN ever reached the module.
cat >"$HKP11_TMP/hkpost-p11.conf" <<EOF
audit-file: $HKP11_TMP/audit.log
EOF
HKPOST_P11_CONF=$HKP11_TMP/hkpost-p11.conf
export HKPOST_P11_CONF

ENVELOPE=12345678
STRONG='Tai#Man2025'
OTHER='Tai#Man2026'
WEAK=hongkong1
WRONG=87651234
export ENVELOPE STRONG OTHER WEAK WRONG

setpin_records ()
{
	grep -c 'event=C_SetPIN' "$HKP11_TMP/audit.log" 2>/dev/null || :
}

# ---- a mistyped confirmation ------------------------------------------
pty mistyped expect:'Current password: ' sendenv:ENVELOPE \
	expect:'New password: ' sendenv:STRONG \
	expect:'Confirm new password: ' sendenv:OTHER \
	expect:'New password: ' eof -- change-pin
expect_rc "change-pin ends when the user gives up (Ctrl-D)" 8
expect_grep "the tries left show before the first prompt" \
	'15 tries left of 15\.$' mistyped
first_prompt=$(grep -n 'Current password' mistyped | cut -d: -f1)
tries_line=$(grep -n 'tries left of 15' mistyped | cut -d: -f1)
[ "$tries_line" -lt "$first_prompt" ] || fail "tries left shown after the prompt"
ok "they come before the prompt"
expect_grep "the policy shows before the prompt" \
	'The new password needs at least 8 characters, with upper case' mistyped
expect_grep "the mismatch is named" 'the two new passwords differ' mistyped
expect_grep "and the user told no try was spent" 'The token was not asked, and no try was spent' mistyped
expect_grep "the new password is asked again" '^New password: $' mistyped
expect_tries "the token's counter did not move" 15
[ "$(setpin_records)" = 0 ] || { show "$HKP11_TMP/audit.log"; fail "C_SetPIN reached the module"; }
ok "the audit log has no C_SetPIN: the module was not asked"
expect_grep "the audit log has the tool's session" 'program="hkpost-p11".*event=C_Initialize' "$HKP11_TMP/audit.log"

# ---- a weak new password ----------------------------------------------
pty weak expect:'Current password: ' sendenv:ENVELOPE \
	expect:'New password: ' sendenv:WEAK \
	expect:'Confirm new password: ' sendenv:WEAK \
	expect:'New password: ' eof -- change-pin
expect_rc "the weak new password does not go through" 8
expect_grep "it needs an upper-case letter" '- needs an upper-case letter \(A-Z\)' weak
expect_grep "it needs a special character, as the guide says" '- needs a special character such as ! \$ # %' weak
expect_no_grep "length and digits are not blamed" '- needs at least|- needs a digit' weak
expect_grep "nothing was changed, no try spent" 'Nothing was changed: the token was not asked, and no try was spent' weak
expect_tries "the counter still did not move" 15
[ "$(setpin_records)" = 0 ] || fail "C_SetPIN reached the module"
ok "still no C_SetPIN in the audit log"

# Three weak tries end it with status 4.
pty weak3 expect:'Current password: ' sendenv:ENVELOPE \
	expect:'New password: ' 'send:ab1!x' expect:'Confirm' 'send:ab1!x' \
	expect:'New password: ' 'send:ab1!x' expect:'Confirm' 'send:ab1!x' \
	expect:'New password: ' 'send:ab1!x' expect:'Confirm' 'send:ab1!x' -- change-pin
expect_rc "three weak new passwords end it with status 4" 4
expect_grep "a short one is told its length" 'needs at least 8 characters \(it has 5\)' weak3

# ---- a wrong current password -----------------------------------------
pty wrong expect:'Current password: ' sendenv:WRONG \
	expect:'New password: ' sendenv:STRONG \
	expect:'Confirm new password: ' sendenv:STRONG -- change-pin
expect_rc "a wrong current password ends with status 5" 5
expect_grep "it says how many tries are left" 'the current password is wrong: 14 tries left before the token locks' wrong
expect_tries "the token spent one try" 14
[ "$(setpin_records)" = 1 ] || fail "expected one C_SetPIN in the audit log"
ok "the audit log has that one C_SetPIN"

# ---- the change -------------------------------------------------------
pty good expect:'14 tries left' expect:'Current password: ' sendenv:ENVELOPE \
	expect:'New password: ' sendenv:STRONG \
	expect:'Confirm new password: ' sendenv:STRONG -- change-pin
expect_rc "a strong new password is set" 0
expect_grep "the change is confirmed" 'The token password was changed' good
expect_tries "a right password gave every try back" 15
cli_in again "$STRONG
$OTHER
" change-pin --pin-stdin
expect_rc "the token takes the new password as the current one" 0

# ---- never echoed ---------------------------------------------------------
for f in mistyped weak weak3 wrong good; do
	for pin in "$ENVELOPE" "$STRONG" "$OTHER" "$WEAK" "$WRONG" 'ab1!x'; do
		if grep -qF -- "$pin" "$f"; then
			show "$f"
			fail "the terminal showed a typed password in $f"
		fi
	done
done
ok "no typed password appears on the terminal"

# The terminal is left with echo on.
pty stty expect:'Current password: ' eof -- change-pin
expect_rc "Ctrl-D at the first prompt cancels" 8

expect_no_pin "no password in any file the test or the tool wrote" \
	"$ENVELOPE" "$STRONG" "$OTHER" "$WEAK" "$WRONG"

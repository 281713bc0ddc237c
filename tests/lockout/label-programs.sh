#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# lockout-label-programs (issue 16): at 5 tries left the token label counts
# down only in the host programs the setting names.  Ten wrong passwords
# through pkcs11-tool over SoftHSM, then:
#   - by default pkcs11-tool sees the token's own label and the count in
#     the flags;
#   - naming pkcs11-tool, it sees "eToken (5 tries left)", while another
#     program (the token-flags helper) still sees "eToken";
#   - a name matches its "-variant" too ("pkcs11" names pkcs11-tool, as
#     "firefox" names firefox-esr), a longer one does not;
#   - lockout-warn-label: no keeps the label even for a named program;
#   - a bad value stops C_Initialize with file, line and key.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/lockout/common.sh"
test_begin
skip_unless_tool pkcs11-tool
skip_unless_softhsm
require_shim

softhsm_setup
token_init eToken

i=1
while [ "$i" -le 10 ]; do
	p11 wrong$i --module "$HKP11_SHIM" --login --pin "Wrong-Pin-$i" -O
	expect_grep "wrong PIN $i: CKR_PIN_INCORRECT" 'CKR_PIN_INCORRECT' wrong$i.err
	i=$((i + 1))
done

# label_with WHAT CONF TEXT: pkcs11-tool -L with the settings in CONF
# (one line) shows the token label TEXT.
label_with ()
{
	printf '%s\n' "$2" >"$HKP11_TMP/label.conf"
	HKPOST_P11_CONF=$HKP11_TMP/label.conf p11 list --module "$HKP11_SHIM" -L
	expect_rc "$1: pkcs11-tool -L" 0
	got=$(sed -n 's/^ *token label *: *//p' list | sed 's/ *$//')
	[ "$got" = "$3" ] || { show list; fail "$1 (the label is '$got', expected '$3')"; }
	ok "$1"
}

label_with "default settings: the token keeps its label at 5 tries left" '' eToken
expect_grep "default settings: the flags say the count is low" 'token flags +:.*user PIN count low' list
flags_of eToken
expect_grep "default settings: count low in the raw flags" '^count-low=1 final-try=0 locked=0$' flags.out

label_with "pkcs11-tool named: the label counts down" \
	'lockout-label-programs: pkcs11-tool' 'eToken (5 tries left)'
HKPOST_P11_CONF=$HKP11_TMP/label.conf flags_of eToken
expect_grep "pkcs11-tool named: another program still sees the token's own label" '^label=eToken *$' flags.out
label_with "in a list, with commas" \
	'lockout-label-programs: firefox, pkcs11-tool,chromium' 'eToken (5 tries left)'
label_with "a name matches its -variant: pkcs11 names pkcs11-tool" \
	'lockout-label-programs: pkcs11' 'eToken (5 tries left)'
label_with "a longer name does not match" 'lockout-label-programs: pkcs11-tools' eToken
label_with "the browsers only (the default list): not pkcs11-tool" \
	'lockout-label-programs: firefox chromium' eToken
label_with "none" 'lockout-label-programs: none' eToken
printf 'lockout-warn-label: no\nlockout-label-programs: pkcs11-tool\n' >"$HKP11_TMP/off.conf"
HKPOST_P11_CONF=$HKP11_TMP/off.conf p11 off --module "$HKP11_SHIM" -L
expect_grep "lockout-warn-label: no keeps the label even for a named program" 'token label +: eToken *$' off

# A bad value: the module does not start, and says where.
printf '# hkpost-p11\nlockout-warn: 5\nlockout-label-programs: /usr/bin/firefox\n' >"$HKP11_TMP/bad.conf"
HKPOST_P11_CONF=$HKP11_TMP/bad.conf p11 bad --module "$HKP11_SHIM" -L
expect_fails "a path as a program name: C_Initialize fails"
expect_grep "the message names file, line and key" \
	"^hkpost-p11: .*/bad\\.conf, line 3: bad value for key 'lockout-label-programs': '/usr/bin/firefox' is not a program name" bad.err
printf 'lockout-label-programs:\n' >"$HKP11_TMP/empty.conf"
HKPOST_P11_CONF=$HKP11_TMP/empty.conf p11 empty --module "$HKP11_SHIM" -L
expect_fails "an empty list: C_Initialize fails"
expect_grep "an empty list: says to write none" \
	"^hkpost-p11: .*/empty\\.conf, line 1: bad value for key 'lockout-label-programs': expected program names, or none" empty.err

# The right PIN, where the label is the token's own, gives the tries back.
p11 good --module "$HKP11_SHIM" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_rc "the right PIN logs in by the token's label at 5 tries left" 0
flags_of eToken
expect_grep "and the count is no longer low" '^count-low=0 final-try=0 locked=0$' flags.out

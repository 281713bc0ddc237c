#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The JSON Lines format as a collector reads it: pkcs11-tool sessions
# through the shim at audit: calls (its self-test, key generation, signing,
# a data object written and deleted, a PIN change refused by the policy and
# one accepted, a wrong PIN) must produce lines that each parse as JSON with
# exactly the documented fields, in intact chains.  The same session at the
# security level in text must pass the text check.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool pkcs11-tool python3
skip_unless_softhsm
require_shim

softhsm_setup
token_init "json token"
shim () { pkcs11-tool --module "$HKP11_SHIM" "$@"; }
records="$top_srcdir/tests/audit/check-records.py"
verify="$top_builddir/tests/audit-verify"
strong1='Str0ng-Json-Pin!'
strong2='An0ther-Json-Pin#'

# session PIN NEW-PIN: one of everything, ending with the PIN changed.
session ()
{
	pin=$1
	run keygen shim --login --pin "$pin" --keypairgen --key-type EC:prime256v1 \
		--label "json key" --id 0102
	printf 'json canary data Quokka-Pelican\n' >data
	run sign shim --login --pin "$pin" --sign --mechanism ECDSA --id 0102 -i data -o sig
	printf 'data object canary Wombat-Kestrel\n' >object
	run write shim --login --pin "$pin" --write-object object --type data --label "note:1"
	run delete shim --login --pin "$pin" --delete-object --type data --label "note:1"
	run selftest shim --login --pin "$pin" --test
	# Too weak for the policy: refused before the token sees it.
	shim --login --pin "$pin" --change-pin --new-pin 1234 >weak.out 2>&1 </dev/null || true
	run change shim --login --pin "$pin" --change-pin --new-pin "$2"
	shim --login --pin 99999999 -O >wrong.out 2>&1 </dev/null || true
}

printf 'audit: calls\naudit-format: json\naudit-file: %s/calls.jsonl\n' "$PWD" >calls.conf
HKPOST_P11_CONF=$PWD/calls.conf
export HKPOST_P11_CONF
session "$HKP11_PIN" "$strong1"
run check-json python3 "$records" json calls.jsonl
ok "every line parses as JSON with the documented fields, chains link up"
for event in C_Initialize C_Finalize C_Login C_GenerateKeyPair C_SignInit C_Sign \
	C_CreateObject C_DestroyObject C_SetPIN C_CloseSession C_OpenSession C_GetMechanismInfo \
	C_FindObjectsInit C_Digest C_GenerateRandom pin-policy-rejected weak-pin-in-use; do
	grep -q "\"event\":\"$event\"" calls.jsonl || { show check-json; fail "no $event record"; }
done
ok "the records cover sessions, logins, keys, objects, PIN changes and policy events"
expect_grep "a refused PIN change is a security record with its result" \
	'"kind":"security","event":"C_SetPIN",.*"result":"CKR_PIN_(LEN_RANGE|INVALID)"' calls.jsonl
expect_grep "the data object's class and label are recorded" \
	'"event":"C_CreateObject",.*"class":"CKO_DATA","label":"note:1"' calls.jsonl
expect_grep "call records carry a duration" '"kind":"call",.*"duration_us":[0-9]+}$' calls.jsonl
run verify "$verify" --strict calls.jsonl
ok "the verifier agrees"

printf 'audit: security\naudit-format: text\naudit-file: %s/security.log\n' "$PWD" >security.conf
HKPOST_P11_CONF=$PWD/security.conf
session "$strong1" "$strong2"
run check-text python3 "$records" text security.log
ok "every line is a documented text record, chains link up"
expect_no_grep "the security level leaves out the polling" 'event=C_(GetMechanismInfo|GetSlotInfo|FindObjects) ' security.log

expect_no_grep "no PIN, data or object value in either log" \
	"$HKP11_PIN|99999999|$strong1|$strong2|canary|Quokka|Wombat" calls.jsonl security.log

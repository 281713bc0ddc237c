#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 audit verify and audit show on logs the module wrote while the
# tool used the mock eToken: a good log passes, an edited record and a
# removed one are caught (exit 7), a record cut short as it was written is
# named a torn write (exit 10), and show reads both the text and the JSON
# form as one line a record.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
require_cli
mock_setup

ENVELOPE=12345678
STRONG='Tai#Man2025'

# Some history: a wrong current password, then a change.
make_history ()
{
	cli_in wrong "87651234
$STRONG
" change-pin --pin-stdin
	[ "$cli_rc" -eq 5 ] || { show wrong wrong.err; fail "the wrong password was not refused"; }
	cli_in right "$ENVELOPE
$STRONG
" change-pin --pin-stdin
	[ "$cli_rc" -eq 0 ] || { show right right.err; fail "the change failed"; }
	cli_in back "$STRONG
Tai#Man2026
" change-pin --pin-stdin
}

# ---- the text form ------------------------------------------------------
log=$HKP11_TMP/audit.log
printf 'audit-file: %s\n' "$log" >"$HKP11_TMP/text.conf"
HKPOST_P11_CONF=$HKP11_TMP/text.conf
export HKPOST_P11_CONF
make_history

cli verify audit verify
expect_rc "audit verify (the configured file) passes on a good log" 0
expect_grep "it says the log is intact, with the counts" '^The audit log is intact: [0-9]+ records in 3 chains\.$' verify
cli verifyf audit verify "$log"
expect_rc "audit verify FILE passes too" 0

cli show audit show
expect_rc "audit show" 0
expect_grep "show gives the program and what happened" \
	'hkpost-p11\[[0-9]+\]  C_SetPIN \(password change: wrong current password\)  token 0a1b2c3d  -> CKR_PIN_INCORRECT' show
expect_grep "and the change" 'C_SetPIN \(password changed\)  token 0a1b2c3d$' show
expect_grep "in local time" '^20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}  ' show
expect_grep "the layers' events, with their detail" 'lockout-warning|C_Initialize \(program started using the token\)' show
cli last audit show --last 2
[ "$(grep -c '^20' last)" -eq 2 ] || { show last; fail "--last 2 did not show two records"; }
ok "--last 2 shows two records"

# An edited record: the result of the wrong password turned into success.
cp "$log" edited.log
sed -i 's/result=CKR_PIN_INCORRECT/result=CKR_OK/' edited.log
cmp -s "$log" edited.log && fail "the edit changed nothing"
cli edited audit verify edited.log
expect_rc "an edited record makes verify exit 7" 7
expect_grep "it says the log is not intact" 'The audit log is NOT intact' edited
expect_grep "the verifier names the edit" 'edited|does not match' edited

# A removed record (the middle one of the first chain: a chain cut at its
# end cannot show, which is why records should also leave the host).
sed '2d' "$log" >removed.log
cli removed audit verify removed.log
expect_rc "a removed record makes verify exit 7" 7
cli quiet audit verify --quiet removed.log
expect_rc "--quiet gives the status alone" 7
[ ! -s quiet ] || fail "--quiet printed something"
ok "--quiet prints nothing"

# The last record cut short as it was written (the program stopped in the
# middle of it, or the disk was full), the line closed by the next writer:
# a torn write, no sign of tampering, and an exit status of its own.
sed '$s/ host="\(.\).*/ host="\1/' "$log" >torn.log
cmp -s "$log" torn.log && fail "the cut changed nothing"
cli torn audit verify torn.log
expect_rc "a torn last record makes verify exit 10, not 7" 10
expect_grep "the verifier names the torn write" 'cut short as it was written.*a torn write, not an edit' torn
expect_grep "it says there is no sign of tampering" '^The audit log shows no sign of tampering, but 1 record was lost' torn
expect_no_grep "it does not call the log edited" 'NOT intact|was edited' torn
cli tornq audit verify --quiet torn.log
expect_rc "--quiet gives 10 too" 10

# A record edited to carry terminal escapes is shown without them.
esc=$(printf '\033')
sed "2s/program=\"hkpost-p11\"/program=\"${esc}[2J${esc}]0;x\\a\"/" "$log" >escape.log
grep -q "$esc" escape.log || fail "the escape was not planted"
cli escape audit show escape.log
expect_rc "audit show reads the edited log" 0
if grep -q "$esc" escape; then
	show escape
	fail "audit show passed an escape to the terminal"
fi
ok "no escape reaches the terminal"
expect_grep "it shows in its place" '\?\[2J\?\]0;x' escape

# The PIN policy's and the writer's own events, as the module writes them.
rec ()
{
	printf '2026-01-01T00:00:00.000000Z seq=%s chain=h/1/1 prev=%064d host="h" pid=1 uid=0 program="firefox-esr" kind=event %s\n' "$1" 0 "$2"
}
{
	rec 1 'event=weak-pin-in-use slot=0 token="0a1b2c3d" session=1 severity="warning" function="C_Login" reasons="missing-class" detail="the PIN in use does not meet the policy; change it" result=CKR_OK'
	rec 4 'event=audit-log-gap first_lost_seq=2 lost_records=2'
	rec 5 'event=audit-log-torn-tail torn_bytes=120'
} >events.log
cli events audit show events.log
expect_rc "audit show reads the events" 0
expect_grep "it says what a weak PIN event means" 'weak-pin-in-use \(the password in use is weak\)' events
expect_grep "and names the rules the PIN breaks, no more" '^    rules of the policy it breaks: missing-class$' events
expect_grep "a gap record says records are missing before it" 'audit-log-gap \(records before this one could not be written\)' events
expect_grep "a torn tail closed is told" 'audit-log-torn-tail \(a record cut short at the end of the log was closed\)' events

cli nofile audit verify "$HKP11_TMP/none.log"
expect_rc "a log that cannot be read exits 2" 2

# ---- the JSON form -----------------------------------------------------------
jlog=$HKP11_TMP/audit.json
printf 'audit-file: %s\naudit-format: json\n' "$jlog" >"$HKP11_TMP/json.conf"
HKPOST_P11_CONF=$HKP11_TMP/json.conf
rm -f "$MOCK_P11_STATE"
make_history
cli jverify audit verify
expect_rc "verify passes on a JSON log" 0
cli jshow audit show "$jlog"
expect_rc "show reads a JSON log" 0
expect_grep "with the same lines" \
	'C_SetPIN \(password change: wrong current password\)  token 0a1b2c3d  -> CKR_PIN_INCORRECT' jshow
sed 's/"CKR_PIN_INCORRECT"/"CKR_OK"/' "$jlog" >jedited.log
cli jedited audit verify jedited.log
expect_rc "an edited JSON record is caught" 7
sed '$s/,"pid".*//' "$jlog" >jtorn.log
cli jtorn audit verify jtorn.log
expect_rc "a torn last JSON record makes verify exit 10" 10
expect_grep "named a torn write" 'a torn write, not an edit' jtorn

expect_no_pin "no password in the logs or any other file" "$ENVELOPE" "$STRONG" 87651234

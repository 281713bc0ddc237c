#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The tries left and the lockout guard through the tool, over the mock
# eToken (SafeNet's own retry counter, 15 tries, shared through a state
# file): status and status --json field by field, the warning, the guard
# holding the last try (change-pin refused without asking the token),
# `guard release` refused without a confirmation and done with one, the
# released try, and a right password giving every try back.  Also the
# token's own password policy (ETCKH_PIN_POLICY) joining the settings.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
skip_unless_tool python3
require_cli
mock_setup

ENVELOPE=12345678
STRONG='Tai#Man2025'

cli fresh status --json
expect_rc "status of a fresh token exits 0" 0
json_check fresh '
check(d["backend"]["found"] and d["backend"]["chosen_by"] == "from HKPOST_P11_BACKEND", "backend from the environment")
check(d["backend"]["info"]["description"] == "SafeNet eToken PKCS#11", "C_GetInfo: the library description")
check(d["backend"]["info"]["manufacturer"] == "SafeNet, Inc.", "C_GetInfo: the manufacturer")
check(d["module"]["started"] is True, "the module started")
check(d["config"]["file"] == "/dev/null", "the configuration file read")
check(d["policy"]["mode"] == "enforce" and d["policy"]["min_length"] == 8, "policy: enforce, 8 characters")
check(d["policy"]["require"] == ["upper", "lower", "digit", "special"], "policy: every class")
check(d["lockout"]["guard"] == 1 and d["lockout"]["warn"] == 5, "lockout: warn 5, guard 1")
check(d["audit"]["level"] == "security" and d["audit"]["file"].endswith("/hkpost-p11/audit.log"), "audit: security records to the default file")
t = [t for t in d["tokens"] if t["present"]]
check(len(t) == 1, "one token present")
t = t[0]
check(t["slot"] == 7 and t["label"] == "eToken" and t["serial"] == "0a1b2c3d", "slot, label, serial")
check(t["manufacturer"] == "SafeNet, Inc." and t["model"] == "eToken", "manufacturer and model")
check(t["tries_left"] == 15 and t["tries_max"] == 15 and t["tries_source"] == "token", "15 of 15, the token counts")
check(t["warning"] is False and t["locked"] is False and t["guard"] == "open", "no warning, guard open")
check([x for x in d["tokens"] if not x["present"]][0]["slot"] == 12, "the empty reader in slot 12")
check(d["problems"] == [], "no problems")
'

# Ten wrong passwords, each a different one, each from a new process.
i=0
while [ "$i" -lt 10 ]; do
	i=$((i + 1))
	"$CLI" change-pin --pin-stdin >/dev/null 2>&1 <<EOF || :
$(printf '9%07d' "$i")
$STRONG
EOF
done
expect_tries "ten wrong passwords spent ten tries" 5
cli warn status
expect_rc "a low count is not an error" 0
expect_grep "status shows the tries left and the warning" \
	'Tries left +5 tries left of 15 \(the token.s own count\): WARNING, few tries left' warn
expect_grep "and lists it as a problem with its fix" 'has only 5 tries left' warn

while [ "$i" -lt 14 ]; do
	i=$((i + 1))
	"$CLI" change-pin --pin-stdin >/dev/null 2>&1 <<EOF || :
$(printf '9%07d' "$i")
$STRONG
EOF
done
expect_tries "fourteen wrong passwords leave one try" 1
cli held status --json
expect_rc "status exits 6 while the guard holds" 6
json_check held '
t = [t for t in d["tokens"] if t["present"]][0]
check(t["tries_left"] == 1 and t["final_try"] is True, "1 try left, final try")
check(t["guard"] == "holds" and t["warning"] is True, "the guard holds")
check(t["label"] == "eToken", "the label without the (1 try left) the lockout layer adds")
check(d["problems"][0]["code"] == "guard", "the problem is the guard")
check("hkpost-p11 guard release" in d["problems"][0]["fix"], "its fix is guard release")
'
cli_in refused "$ENVELOPE
$STRONG
" change-pin --pin-stdin
expect_rc "change-pin is refused while the guard holds" 6
expect_grep "it says why and how to release" "guard release" refused.err
expect_tries "the token was not asked" 1

# A release needs a terminal or --yes, and the word typed.
cli notty guard release
expect_rc "guard release without a terminal is a usage error" 1
pty nope expect:'Type "release"' send:no -- guard release
expect_rc "answering no keeps the guard" 8
expect_grep "the consequence is spelled out: revocation" 'Hongkong Post has to revoke your e-Cert' nope
expect_grep "and the fee" 'a new e-Cert costs a new fee' nope
expect_grep "it says the guard still holds" 'Not released: the guard still holds' nope
cli stillheld status
expect_rc "the guard still holds" 6

pty yes expect:'Type "release"' send:release -- guard release
expect_rc "typing release releases the guard" 0
expect_grep "it says the next try goes to the token" 'Released: the next login or password change goes to the token' yes
cli released status --json
expect_rc "a released guard is no problem" 0
json_check released '
t = [t for t in d["tokens"] if t["present"]][0]
check(t["guard"] == "released" and t["tries_left"] == 1, "guard released, 1 try left")
check(t["state_file"] is not None, "the state file is named")
'
state=$(ls "$XDG_STATE_HOME"/hkpost-p11/*.state)
expect_grep "the release is in the state file the lockout layer reads" '^released: 1$' "$state"

cli_in good "$ENVELOPE
$STRONG
" change-pin --pin-stdin
expect_rc "the released try with the right password changes it" 0
expect_grep "change-pin warned that a wrong password would lock" 'the guard is released' good.err
expect_tries "a right password gave every try back" 15
cli after status --json
json_check after '
t = [t for t in d["tokens"] if t["present"]][0]
check(t["tries_left"] == 15 and t["guard"] == "open", "15 tries, guard open")
'
cli nothing guard release --yes
expect_rc "guard release with nothing held is fine" 0
expect_grep "it says there is nothing to release" 'nothing to release' nothing

# Two tokens: the tool asks which one.
MOCK_P11_TOKENS=2 cli_in two "$STRONG
Tai#Man2026
" change-pin --pin-stdin
expect_rc "with two tokens change-pin asks which" 1
expect_grep "it says how to choose" 'Choose one with --token LABEL or --token SERIAL' two.err
MOCK_P11_TOKENS=2 cli twos status --json
json_check twos '
t = [t for t in d["tokens"] if t["present"]]
check(sorted(x["serial"] for x in t) == ["0a1b2c3d", "0a1b2c3e"], "both tokens by serial")
'
MOCK_P11_TOKENS=2 cli_in chosen "$STRONG
Tai#Man2026
" change-pin --pin-stdin --token 0a1b2c3d
expect_rc "--token SERIAL picks one" 0
expect_grep "the one asked for" 'serial 0a1b2c3d' chosen
STRONG='Tai#Man2026'

# The token's own policy: at least 12 characters.
MOCK_P11_PIN_POLICY='min-len=12' cli_in tokenpolicy "$STRONG
Tai#Man2026
" change-pin --pin-stdin
expect_rc "a new password against the token's own policy is refused" 4
expect_grep "its minimum length counts" 'needs at least 12 characters \(it has 11\)' tokenpolicy.err
expect_tries "the token was not asked" 15


# A locked token: status says so and what it means, change-pin and guard
# release refuse.  (The mock reads only the counter from this state file;
# its PIN stays the default.)
printf 'mock-p11-state 1\nuser-tries 0\n' >"$HKP11_TMP/locked.state"
MOCK_P11_STATE=$HKP11_TMP/locked.state cli locked status
expect_rc "status of a locked token exits 6" 6
expect_grep "it says the token is locked" "token 'eToken' \(serial 0a1b2c3d\) is locked" locked
expect_grep "and what that means for the e-Cert" 'Fix: Nothing on this computer can unlock it: Hongkong Post has to revoke the e-Cert, and you apply for a new one' locked
expect_grep "and whom to call" 'Hongkong Post Certification Authority hotline 2921 6633' locked
MOCK_P11_STATE=$HKP11_TMP/locked.state cli lockedj status --json
json_check lockedj '
t = [t for t in d["tokens"] if t["present"]][0]
check(t["locked"] is True and t["tries_left"] == 0 and t["guard"] == "locked", "locked, 0 tries, guard locked")
check(d["problems"][0]["code"] == "locked", "the problem is locked")
'
MOCK_P11_STATE=$HKP11_TMP/locked.state cli_in lockedcp "$STRONG
Tai#Man2027
" change-pin --pin-stdin
expect_rc "change-pin on a locked token exits 6" 6
MOCK_P11_STATE=$HKP11_TMP/locked.state cli lockedgr guard release --yes
expect_rc "guard release on a locked token exits 6" 6
expect_grep "there is no try to release" 'there is no try left to release' lockedgr.err

expect_no_pin "no password in any file the test or the tool wrote" \
	"$ENVELOPE" 'Tai#Man2025' 'Tai#Man2026' 'Tai#Man2027'

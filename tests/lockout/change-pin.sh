#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# PIN policy with a real client: pkcs11-tool --change-pin through hkpost-p11
# over a SoftHSM token that has the 8-digit envelope PIN.  A weak new PIN is
# refused before the token sees it, the token keeps its PIN and no try is
# spent; a strong one is accepted.  How a PIN falls short (its length, the
# kinds of character it lacks) reaches the holder's terminal only: the audit
# log, syslog (a stand-in preloaded into pkcs11-tool) and a stderr that is
# no terminal get the policy's reason names, and syslog gets nothing unless
# audit-syslog says so.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/lockout/common.sh"
test_begin
skip_unless_tool pkcs11-tool script
skip_unless_softhsm
require_shim

softhsm_setup
token_init eToken
STRONG='Hk-Post-2024!'
log=$XDG_STATE_HOME/hkpost-p11/audit.log
SYSLOG_RECORD=$top_builddir/tests/lockout/.libs/syslog-record.$SHLEXT
[ -f "$SYSLOG_RECORD" ] || fail "$SYSLOG_RECORD is not built"
# What the module sends to syslog, in these files.
HKP11_SYSLOG_RECORD=$HKP11_TMP/syslog.txt
export HKP11_SYSLOG_RECORD
: >"$HKP11_SYSLOG_RECORD"
# The audit records' own syslog sink, pointed at a datagram socket of ours
# that a small receiver copies into a file.
HKPOST_P11_SYSLOG_SOCKET=$HKP11_TMP/log.sock
export HKPOST_P11_SYSLOG_SOCKET
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(65536) + b"\n")
' "$HKPOST_P11_SYSLOG_SOCKET" "$HKP11_TMP/authpriv.txt" &
receiver=$!
at_exit "kill $receiver"
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ -S "$HKPOST_P11_SYSLOG_SOCKET" ] && break
	sleep 0.2
done
[ -S "$HKPOST_P11_SYSLOG_SOCKET" ] || fail "the syslog receiver did not start"
# Words that tell a PIN's length or make-up.
MAKEUP='[0-9]+ characters|lacks|upper-case|lower-case|a digit|special character|printable ASCII'

# Clients learn the minimum length from the token info.
p11 list --module "$HKP11_SHIM" -L
expect_rc "-L through the shim" 0
expect_grep "the minimum PIN length shown is pin-min-length" 'pin min/max +: 8/' list

# Weak new PINs: refused with the reason, the right code, no try spent.
# stderr is a file here, as a desktop program's is (a log): reason names.
LD_PRELOAD=$SYSLOG_RECORD p11 weak --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin 1234abcd
expect_fails "a new PIN without upper case and special character is refused"
expect_grep "it is refused as CKR_PIN_INVALID" 'CKR_PIN_INVALID' weak.err
expect_grep "stderr names the rule it breaks" 'the new PIN does not meet the policy \(missing-class\)' weak.err
expect_grep "stderr says the token was spared" 'no try was spent' weak.err
expect_no_grep "a stderr that is no terminal gets nothing of the PIN" "$MAKEUP" weak.err

LD_PRELOAD=$SYSLOG_RECORD p11 short --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin 'Ab1!'
expect_fails "a 4-character new PIN is refused"
expect_grep "it is refused as CKR_PIN_LEN_RANGE" 'CKR_PIN_LEN_RANGE' short.err
expect_grep "stderr names the rule" 'does not meet the policy \(too-short\)' short.err
expect_no_grep "and not the length" "$MAKEUP" short.err
[ ! -s "$HKP11_SYSLOG_RECORD" ] || { show "$HKP11_SYSLOG_RECORD"; fail "the module wrote to syslog without audit-syslog"; }
ok "without audit-syslog the module sends nothing to syslog"

# On a terminal, the holder is told how the PIN falls short.
p11_tty weaktty --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin 1234abcd
expect_fails "refused on a terminal too"
expect_grep "the terminal says why" 'the new PIN lacks an upper-case letter and a special character' weaktty
p11_tty shorttty --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin Ab1!
expect_grep "the terminal gives the lengths" 'has 4 characters, at least 8 are required' shorttty

# With audit-syslog: yes, syslog gets the reason names, nothing more.
printf 'audit-syslog: yes\n' >syslog.conf
HKPOST_P11_CONF=$HKP11_TMP/syslog.conf LD_PRELOAD=$SYSLOG_RECORD \
	p11 weaklog --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin 'ab1!'
expect_fails "refused with audit-syslog: yes"
expect_grep "syslog names the rules" 'hkpost-p11: C_SetPIN .*does not meet the policy \(too-short,missing-class\)' "$HKP11_SYSLOG_RECORD"
expect_no_grep "syslog gets nothing of the PIN" "$MAKEUP" "$HKP11_SYSLOG_RECORD"

# (pkcs11-tool logs in with the old PIN before C_SetPIN, so a wrong old PIN
# is spent on C_Login here; that a refused change never asks the token, even
# with a wrong old PIN, is checked in tests/test-lockout.c.)
"$TOKEN_FLAGS" "$HKP11_SHIM" eToken >flags.out
expect_grep "the refusals left the count alone" '^count-low=0 ' flags.out

# The token still has the envelope PIN: SoftHSM itself says so.
p11 direct --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_rc "the token still takes the envelope PIN" 0

# Logging in with the envelope PIN works through the shim; on a terminal
# the user is told, once, that it is weak, and why.
p11_tty weakuse --module "$HKP11_SHIM" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_rc "the envelope PIN still opens the token through the shim" 0
expect_grep "the terminal says the PIN in use is weak" "hkpost-p11: the PIN of token 'eToken' .* is weak: it lacks an upper-case letter" weakuse
HKPOST_P11_CONF=$HKP11_TMP/syslog.conf LD_PRELOAD=$SYSLOG_RECORD \
	p11 weakuselog --module "$HKP11_SHIM" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_rc "the envelope PIN opens the token with audit-syslog: yes" 0
expect_grep "syslog says the PIN in use is weak, with the rule" "is weak: it does not meet the policy \(missing-class\)" "$HKP11_SYSLOG_RECORD"
expect_no_grep "and nothing of the PIN" "$MAKEUP" "$HKP11_SYSLOG_RECORD"

# The audit log has the events with their reason names, nothing more.
expect_grep "the audit log has the refusals' reasons" ' event=pin-policy-rejected .* reasons="too-short,missing-class"' "$log"
expect_grep "and the weak PIN in use" ' event=weak-pin-in-use .* reasons="missing-class"' "$log"
expect_no_grep "the audit log tells nothing of a PIN" "$MAKEUP" "$log"
expect_grep "the audit records reached syslog (authpriv)" 'hkpost-p11-audit\[[0-9]+\]: .* event=pin-policy-rejected .* reasons="too-short,missing-class"' "$HKP11_TMP/authpriv.txt"
expect_no_grep "and tell nothing of a PIN there either" "$MAKEUP" "$HKP11_TMP/authpriv.txt"

# A strong PIN goes through.
p11 strong --module "$HKP11_SHIM" --change-pin --pin "$HKP11_PIN" --new-pin "$STRONG"
expect_rc "a strong new PIN is accepted" 0
expect_grep "pkcs11-tool reports the change" 'PIN successfully changed' strong strong.err
p11 newpin --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$STRONG" -O
expect_rc "the token takes the new PIN" 0
p11 oldpin --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$HKP11_PIN" -O
expect_fails "the token no longer takes the envelope PIN"

expect_no_pin "no PIN in any file the test or the shim wrote" "$HKP11_PIN" "$HKP11_SO_PIN" "$STRONG" 1234abcd

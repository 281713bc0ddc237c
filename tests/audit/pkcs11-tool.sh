#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A real client session through the shim: OpenSC's pkcs11-tool logs in,
# signs and ends its session (it never calls C_Logout: the token logs out
# with the last session).  The audit log must tell who did it (program
# pkcs11-tool, pid, uid), with which key, and with what result; a wrong PIN
# must show up as such; and the chain must verify.  Neither the PIN nor the
# signed data may appear in it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool pkcs11-tool python3
skip_unless_softhsm
require_shim

softhsm_setup
token_init "audit token"
shim () { pkcs11-tool --module "$HKP11_SHIM" "$@"; }
verify="$top_builddir/tests/audit-verify"
records="$top_srcdir/tests/audit/check-records.py"
# The default destination: ${XDG_STATE_HOME}/hkpost-p11/audit.log.
log=$XDG_STATE_HOME/hkpost-p11/audit.log

# A key with a label a log could trip over: quotes, ':' and a newline.
label='Alice "e-Cert":
signing'
run keygen shim --login --pin "$HKP11_PIN" --keypairgen --key-type EC:prime256v1 \
	--label "$label" --id a1b2
printf 'audit canary data 5e1f0c\n' >data
run sign shim --login --pin "$HKP11_PIN" --sign --mechanism ECDSA --id a1b2 -i data -o sig
[ -s sig ] || fail "no signature"
ok "pkcs11-tool signed through the shim"
if shim --login --pin 99999999 --sign --mechanism ECDSA --id a1b2 -i data -o sig2 \
	>wrong.out 2>&1 </dev/null; then
	fail "a wrong PIN signed"
fi
ok "a wrong PIN was refused"

[ -s "$log" ] || fail "no audit log at $log"
ok "the audit log is at \${XDG_STATE_HOME}/hkpost-p11/audit.log"
perm=$(stat -c %a "$log")
[ "$perm" = 600 ] || fail "audit log mode $perm, expected 600"
ok "the audit log is 0600"

# The signing process: the one whose chain has a C_Sign.
chain=$(sed -n 's/.* chain=\([^ ]*\) .* event=C_Sign .*/\1/p' "$log" | head -n 1)
[ -n "$chain" ] || { show "$log"; fail "no C_Sign record"; }
grep -F " chain=$chain " "$log" >session.log
expect_grep "C_Initialize names the program and the backend" \
	' program="pkcs11-tool" kind=security event=C_Initialize backend=".*libsofthsm2' session.log
expect_grep "the login is recorded with its user type and result" \
	' event=C_Login slot=[0-9]+ token="[0-9a-f]+" session=[0-9]+ user=CKU_USER result=CKR_OK' session.log
expect_grep "the key use names mechanism, label and id" \
	' event=C_SignInit .* mechanism=CKM_ECDSA key=[0-9]+ key_class=CKO_PRIVATE_KEY key_label="Alice \\"e-Cert\\":\\nsigning" key_id="a1b2" result=CKR_OK' session.log
expect_grep "the signature is recorded with lengths only" \
	' event=C_Sign .* data_len=25 signature_len=64 result=CKR_OK' session.log
expect_grep "the end of the session ends the login" \
	' event=C_CloseSession .* ends_login=CKU_USER result=CKR_OK' session.log
expect_grep "C_Finalize closes the chain" ' event=C_Finalize' session.log
expect_grep "every record names pkcs11-tool, its pid and uid" \
	"^[^ ]+ seq=[0-9]+ chain=$chain prev=[0-9a-f]{64} host=\"[^\"]*\" pid=[0-9]+ uid=$(id -u) program=\"pkcs11-tool\"" \
	session.log
expect_grep "the wrong PIN is recorded" \
	' program="pkcs11-tool" .* event=C_Login .* user=CKU_USER .*result=CKR_PIN_INCORRECT' "$log"
expect_grep "the weak envelope PIN is noted by the policy layer" \
	' kind=event event=weak-pin-in-use ' "$log"

run check python3 "$records" text "$log"
ok "every line is a documented text record and every chain links up"
run verify "$verify" --strict "$log"
expect_grep "the verifier finds every chain intact" 'all chains intact' verify

expect_no_grep "no PIN in the log" "$HKP11_PIN|99999999|$HKP11_SO_PIN" "$log"
expect_no_grep "no signed data in the log" 'canary|5e1f0c' "$log"
sig_hex=$(od -An -tx1 sig | tr -d ' \n')
expect_no_grep "no signature in the log" "$(printf %s "$sig_hex" | cut -c1-32)" "$log"

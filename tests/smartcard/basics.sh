#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Scenario 1: a Hongkong Post e-Cert on a smart card behind pcscd, read by
# OpenSC: the token is listed, the e-Cert reads under its friendly name,
# login works and a signature verifies with openssl against the e-Cert.
# Scenario 6: a new password on a card whose driver (OpenSC's CAC driver)
# takes digits only: the policy or the card refuses, and the message says
# which; the policy set as the README says lets a digits-only PIN through.
# Each directly over opensc-pkcs11.so and through hkpost-p11.
. "$top_srcdir/tests/smartcard/common.sh"
sc_begin smartcard-basics
SERIAL=4b50000000170001
sc_card card-a personal $SERIAL 15
sc_timed stack sc_start
echo "signed by the card" >"$work/data"

# ---- scenario 1 --------------------------------------------------------
basics () {
	cat <<EOF
token
open
certs
login $SC_PIN
keys
sign $work/data $work/$1.sig
logout
close
finalize
EOF
}
basics direct >"$work/s1-direct.txt"
sc_timed s1-direct sc_script s1-direct "$OPENSC_MODULE" <"$work/s1-direct.txt"
basics shim >"$work/s1-shim.txt"
sc_timed s1-shim sc_script s1-shim "$MODULE" <"$work/s1-shim.txt"

openssl x509 -in "$fx/personal.pem" -pubkey -noout >"$work/e-cert.pub"
for run in direct shim; do
	expect_line s1-$run "initialize: CKR_OK"
	grep -q "^token: label=\"CHAN TAI MAN\" serial=$SERIAL " "$work/out/s1-$run" ||
		{ show "$work/out/s1-$run"; fail "$run: the card's token is not listed"; }
	ok "$run: the token in 'Virtual PCD 00 00' is the card (label CHAN TAI MAN, serial $SERIAL)"
	expect_line s1-$run "login: CKR_OK"
	expect_line s1-$run "sign: CKR_OK"
	openssl dgst -sha256 -verify "$work/e-cert.pub" -signature "$work/$run.sig" "$work/data" \
		>"$work/verify.out" 2>&1 || { show "$work/verify.out"; fail "$run: the card's signature does not verify against the e-Cert"; }
	ok "$run: logged in, signed with the card's key; openssl verifies it with the e-Cert"
done
expect_line s1-direct "certs label: CAC ID Certificate"
expect_line s1-shim "certs label: CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)"
expect_line s1-shim "keys label: CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)"
ok "the e-Cert and its key read under the friendly name through hkpost-p11 (OpenSC calls them 'CAC ID Certificate')"
sc_results s1-direct >"$work/s1-direct.res"
sc_results s1-shim >"$work/s1-shim.res"
expect_same "every call returns the same through hkpost-p11 as directly" "$work/s1-direct.res" "$work/s1-shim.res"

# ---- scenario 6 --------------------------------------------------------
# 8 characters: OpenSC's CAC driver takes at most 8, digits only.
STRONG='Tai#Mn26'
DIGITS=24681357
change () {
	cat <<EOF
open
setpin $SC_PIN $STRONG
setpin $SC_PIN $DIGITS
setpin $DIGITS $SC_PIN
close
finalize
EOF
}
change >"$work/s6.txt"
sc_timed s6-direct sc_script s6-direct "$OPENSC_MODULE" <"$work/s6.txt"
# OpenSC's CAC driver refuses anything but digits before the card sees it.
grep -q "^setpin: CKR_" "$work/out/s6-direct" || fail "no setpin result"
first=$(sed -n 's/^setpin: //p' "$work/out/s6-direct" | head -n 1)
[ "$first" != CKR_OK ] || fail "OpenSC took a new PIN with letters on a CAC card"
ok "directly, OpenSC's CAC driver refuses a new PIN with letters: $first"
[ "$(sed -n 's/^setpin: //p' "$work/out/s6-direct" | sed -n 2,3p | tr '\n' ' ')" = "CKR_OK CKR_OK " ] ||
	{ show "$work/out/s6-direct"; fail "directly, a digits-only PIN was not changed and back"; }
ok "directly, a digits-only new PIN goes through (and back)"

# Through hkpost-p11 with the default policy: the policy refuses the
# digits-only PIN, the card refuses the other.
sc_timed s6-shim sc_script s6-shim "$MODULE" <"$work/s6.txt"
[ "$(sed -n 's/^setpin: //p' "$work/out/s6-shim" | head -n 2 | tr '\n' ' ')" = "$first CKR_PIN_INVALID " ] ||
	{ show "$work/out/s6-shim"; fail "through hkpost-p11: not the card's refusal, then the policy's"; }
ok "through hkpost-p11: the card refuses '$STRONG' as directly ($first), the default policy refuses '$DIGITS' (CKR_PIN_INVALID)"
# Which part refused, and why, on stderr (and in the audit log).
grep -q "the token refused the new PIN ($first), which meets hkpost-p11's PIN policy" "$work/out/s6-shim.err" ||
	{ show "$work/out/s6-shim.err"; fail "the card's refusal is not told as the card's"; }
ok "the card's refusal is told as the card's: $(grep -m1 'token refused' "$work/out/s6-shim.err" | cut -c1-150)..."
# stderr is a file here, not the holder's terminal: the rules the PIN
# breaks by name, never what it holds.
grep -q "the new PIN does not meet the policy (.*missing-class.*), so hkpost-p11's PIN policy refused it" "$work/out/s6-shim.err" ||
	{ show "$work/out/s6-shim.err"; fail "the policy's refusal does not say it is the policy's, and why"; }
ok "the policy's refusal says it is the policy's, and which rule the new PIN breaks: $(grep -m1 'PIN policy refused' "$work/out/s6-shim.err" | cut -c1-150)..."
grep -q 'event=pin-refused-by-token' "$work/audit.log" && grep -q 'event=pin-policy-rejected' "$work/audit.log" ||
	{ show "$work/audit.log"; fail "the audit log does not tell the two refusals apart"; }
ok "the audit log tells them apart: pin-refused-by-token and pin-policy-rejected"
sc_ctl status | grep -q "^card-a 15 15$" || fail "the refused changes cost the card tries: $(sc_ctl status)"
ok "no try was spent on the card by the refused changes ($(sc_ctl status))"

# The holder's own tool: the policy passes the new password, the card
# refuses it, and the tool says it was the card (exit 4).
rc=0
printf '%s\n%s\n' "$SC_PIN" "$STRONG" | HKPOST_P11_MODULE=$MODULE \
	"$top_builddir/tools/hkpost-p11" change-pin --pin-stdin >"$work/tool.out" 2>&1 || rc=$?
[ $rc -eq 4 ] && grep -q "the token refused the new password by rules of its own (CKR_DATA_INVALID)" "$work/tool.out" ||
	{ show "$work/tool.out"; fail "hkpost-p11 change-pin: exit $rc, not the card's refusal"; }
ok "hkpost-p11 change-pin: exit 4, '$(grep -m1 'rules of its own' "$work/tool.out" | sed 's/^hkpost-p11: //')'"

# The README's policy for a digits-only token: 8 digits at least.
printf 'audit-file: %s\npin-require: digit\npin-min-length: 8\n' "$work/audit.log" >"$work/digits.conf"
HKPOST_P11_CONF=$work/digits.conf sc_timed s6-digits sc_script s6-digits "$MODULE" <"$work/s6.txt"
[ "$(sed -n 's/^setpin: //p' "$work/out/s6-digits" | tr '\n' ' ')" = "$first CKR_OK CKR_OK " ] ||
	{ show "$work/out/s6-digits"; fail "with pin-require: digit, the digits-only PIN did not go through"; }
ok "with 'pin-require: digit' the digits-only PIN goes through hkpost-p11 and back"

real_end

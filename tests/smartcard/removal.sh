#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Scenario 3: the card pulled out during a logged-in session.  Every call
# returns through hkpost-p11 what OpenSC returns directly;
# C_WaitForSlotEvent reports the removal (blocking) and the insertion
# (non-blocking); `hkpost-p11 status` says there is no token (exit 3).
# Scenario 4: the same card put back (same friendly label, a new login and
# signature), then a different card (another serial) in the same reader:
# its own labels and its own count of wrong PINs.
# The audit log's end of the login at the removal is in removal-audit.sh.
. "$top_srcdir/tests/smartcard/common.sh"
sc_begin smartcard-removal
sc_card card-a personal 4b5000000017000a 15
sc_card card-b org3 4b5000000017000b 15
sc_timed stack sc_start card-a
echo "signed by the card" >"$work/data"
openssl x509 -in "$fx/personal.pem" -pubkey -noout >"$work/a.pub"
openssl x509 -in "$fx/org3.pem" -pubkey -noout >"$work/b.pub"
cat >"$work/status.sh" <<EOF
HKPOST_P11_MODULE='$MODULE' '$top_builddir/tools/hkpost-p11' status >'$work/status-'"\$1".txt 2>&1
echo "status \$1: exit \$?"
EOF
ctl="$SC_VCARD --ctl $work/card.sock"

# run NAME: the whole walk, for one module.
walk () {
	cat <<EOF
open
login $SC_PIN
certs
# scenario 3: pulled out while logged in
run $ctl remove
wait-event block absent
session
sign $work/data $work/$1-gone.sig
certs
token
logout
close
open
wait-token absent
EOF
	[ "$1" = shim ] && echo "run sh $work/status.sh out"
	cat <<EOF
# scenario 4: put back
run $ctl insert
wait-event poll present
wait-token present
token
open
certs
login $SC_PIN
sign $work/data $work/$1-back.sig
close
# ... then another card in the same reader
run $ctl remove
wait-token absent
run $ctl insert card-b
wait-token present
token
open
certs
login 00000001
login 00000002
EOF
	[ "$1" = shim ] && echo "run sh $work/status.sh b"
	cat <<EOF
login $SC_PIN
sign $work/data $work/$1-b.sig
close
run $ctl remove
wait-token absent
run $ctl insert card-a
wait-token present
EOF
	[ "$1" = shim ] && echo "run sh $work/status.sh a"
	echo finalize
}

walk direct >"$work/walk-direct.txt"
sc_timed s34-direct sc_script direct "$OPENSC_MODULE" <"$work/walk-direct.txt"
sc_ctl reset-tries >/dev/null
walk shim >"$work/walk-shim.txt"
sc_timed s34-shim sc_script shim "$MODULE" <"$work/walk-shim.txt"

# ---- scenario 3 -----------------------------------------------------------
for run in direct shim; do
	expect_line $run "wait-event block absent: CKR_OK (the reader)"
	expect_line $run "wait-event poll present: CKR_OK (the reader)"
done
ok "C_WaitForSlotEvent reports the removal (blocking, $(sed -n 's/^time wait-event block: //p' "$work/out/shim")s through hkpost-p11, $(sed -n 's/^time wait-event block: //p' "$work/out/direct")s directly) and the insertion (non-blocking, $(sed -n 's/^time wait-event poll: //p' "$work/out/shim")s / $(sed -n 's/^time wait-event poll: //p' "$work/out/direct")s)"
for run in direct shim; do
	sed -n '/^run: exit/,/^wait-token absent/p' "$work/out/$run" | sed -n '2,/^wait-token/p' |
		grep -v '^time ' >"$work/gone-$run"
done
expect_same "with the card gone, every call returns through hkpost-p11 what OpenSC returns ($(grep -v '^time\|^wait' "$work/gone-direct" | sed 's/:.*: /=/' | tr '\n' ' '))" \
	"$work/gone-direct" "$work/gone-shim"
expect_line shim "status out: exit 3"
grep -qi "no token" "$work/status-out.txt" || { show "$work/status-out.txt"; fail "status does not say no token"; }
ok "hkpost-p11 status with the card out: exit 3, '$(grep -i -m1 'no token' "$work/status-out.txt")'"
sc_results direct >"$work/direct.res"
# Less the shim-only status runs ("status NAME: exit N" and run's own line).
sc_results shim | awk '/^status /{ skip = 1; next } skip && /^run: exit/{ skip = 0; next } { skip = 0; print }' \
	>"$work/shim.res"
expect_same "the whole walk (out, back, another card) returns the same through hkpost-p11 as directly" \
	"$work/direct.res" "$work/shim.res"

# ---- scenario 4 -----------------------------------------------------------
labels_of () { # OUT N: the certificate labels of the Nth "certs" listing
	awk -v n="$2" '/^certs: /{k++} k==n && /^certs label: /{sub(/^certs label: /,""); print}' "$work/out/$1"
}
[ "$(labels_of shim 1)" = "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)" ] &&
	[ "$(labels_of shim 3)" = "$(labels_of shim 1)" ] ||
	{ show "$work/out/shim"; fail "the friendly label changed when the card came back"; }
ok "card-a put back: the same friendly label ($(labels_of shim 3))"
for run in direct shim; do
	openssl dgst -sha256 -verify "$work/a.pub" -signature "$work/$run-back.sig" "$work/data" >/dev/null &&
		openssl dgst -sha256 -verify "$work/b.pub" -signature "$work/$run-b.sig" "$work/data" >/dev/null ||
		fail "$run: a signature after re-insertion does not verify"
done
ok "after re-insertion a new login and signature work, on card-a and on card-b, directly and through hkpost-p11"
grep '^token: ' "$work/out/shim" | sed -n 3p | grep -q 'serial=4b5000000017000b' &&
	[ "$(labels_of shim 4)" = "LEE SIU KEUNG (Organisational e-Cert, Wing On Trading Company Limited, expires 2044-11-30)" ] ||
	{ show "$work/out/shim"; fail "card-b does not show its own serial and label"; }
ok "card-b in the same reader: its own serial and labels ($(labels_of shim 4))"
grep -q "Tries left *13 tries left of 15" "$work/status-b.txt" ||
	{ show "$work/status-b.txt"; fail "card-b's count is not its own"; }
grep -q "Tries left *15 tries left of 15" "$work/status-a.txt" ||
	{ show "$work/status-a.txt"; fail "card-a took card-b's count"; }
ok "each card has its own count: card-b 13 after two wrong PINs, card-a 15 when it comes back"

real_end

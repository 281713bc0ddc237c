#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# PDF signing with poppler's pdfsig (NSS): -add-signature with the e-Cert
# from an NSS database that loads the token, then pdfsig on a recipient's
# side (no token, Hongkong Post Root CA 3 trusted) finds the signature
# valid, the certificate trusted and CHAN TAI MAN the signer; one changed
# byte makes it invalid.  Once directly over SoftHSM, once through the
# module, where the nickname is the friendly one.
. "$top_srcdir/tests/real/common.sh"
real_begin pdfsig
need pdfsig certutil modutil python3 openssl softhsm2-util pkcs11-tool

start=$(date +%s)
token_new
fixtures
load_fixture "$fx" personal

# A one-page PDF, written with its cross-reference table.
python3 - "$work/doc.pdf" <<'PY'
import sys
text = b"BT /F1 18 Tf 72 760 Td (A contract signed with an e-Cert) Tj ET"
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = []
for n, body in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open(sys.argv[1], "wb").write(out)
PY

# The recipient: no token, only Hongkong Post Root CA 3 trusted.
rcpt=$work/recipient
mkdir -p "$rcpt"
certutil -N -d "sql:$rcpt" --empty-password
certutil -A -d "sql:$rcpt" -n "Hongkong Post Root CA 3" -t "CT,C,C" -i "$fx/ca-root.pem"
certutil -A -d "sql:$rcpt" -n "Hongkong Post e-Cert CA 2 - 17" -t ",," -i "$fx/ca-ca2-17.pem"

run_case () { # name library label
	name=$1
	lib=$2
	nick="eToken:$3"
	t0=$(date +%s)
	db=$work/nssdb-$name
	mkdir -p "$db"
	certutil -N -d "sql:$db" --empty-password
	modutil -add "$name" -libfile "$lib" -dbdir "sql:$db" -force >"$work/modutil-$name.txt" 2>&1 ||
		{ show "$work/modutil-$name.txt"; fail "$name: modutil -add"; }
	out=$work/signed-$name.pdf
	LD_PRELOAD=$(preload_for "$lib") timeout "$T" pdfsig -nssdir "sql:$db" -nss-pwd "$USER_PIN" \
		-add-signature -nick "$nick" -reason "hkpost-p11 test" "$work/doc.pdf" "$out" \
		>"$work/sign-$name.txt" 2>&1 || { show "$work/sign-$name.txt"; fail "$name: pdfsig -add-signature -nick '$nick'"; }
	[ -s "$out" ] || fail "$name: pdfsig wrote no signed PDF"
	ok "$name: pdfsig -add-signature signed with '$nick'"

	timeout "$T" pdfsig -nssdir "sql:$rcpt" "$out" >"$work/verify-$name.txt" 2>&1 ||
		{ show "$work/verify-$name.txt"; fail "$name: pdfsig (verify)"; }
	grep -q 'Signature Validation: Signature is Valid\.' "$work/verify-$name.txt" &&
		grep -q 'Certificate Validation: Certificate is Trusted\.' "$work/verify-$name.txt" &&
		grep -q 'Signer Certificate Common Name: CHAN TAI MAN$' "$work/verify-$name.txt" &&
		grep -q 'Total document signed' "$work/verify-$name.txt" ||
		{ show "$work/verify-$name.txt"; fail "$name: not a valid, trusted signature by CHAN TAI MAN"; }
	ok "$name: pdfsig on the recipient's side: Signature is Valid, Certificate is Trusted, signer CHAN TAI MAN"

	# One changed byte in the signed text.
	sed 's/A contract signed/A contract signEd/' "$out" >"$work/changed-$name.pdf"
	cmp -s "$out" "$work/changed-$name.pdf" && fail "$name: the text to change was not found"
	timeout "$T" pdfsig -nssdir "sql:$rcpt" "$work/changed-$name.pdf" >"$work/changed-$name.txt" 2>&1 || :
	if grep -q 'Signature is Valid' "$work/changed-$name.txt"; then
		show "$work/changed-$name.txt"
		fail "$name: a changed PDF still has a valid signature"
	fi
	ok "$name: a changed PDF does not verify ($(sed -n 's/^ *- Signature Validation: //p' "$work/changed-$name.txt"))"
	echo "# $name: $(($(date +%s) - t0))s"
}

run_case softhsm "$SOFTHSM2_MODULE" "$(token_cert_label)"
run_case hkpost-p11 "$MODULE" "$(shim_cert_label)"
case $(shim_cert_label) in
*CHAN\ TAI\ MAN*) ok "through hkpost-p11 the nickname is the friendly label" ;;
*) fail "the nickname through the module is not the friendly label" ;;
esac
echo "# pdfsig scenario: $(($(date +%s) - start))s"
real_end

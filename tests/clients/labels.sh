#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Friendly labels as real clients show them: pkcs11-tool, p11tool, NSS's
# certutil (nicknames "TOKEN:label", and finding a certificate by one) and
# ssh-keygen, through hkpost-p11 over a SoftHSM token laid out as SafeNet's
# client leaves it (container labels, a key without label, no public keys).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_softhsm
skip_unless_tool pkcs11-tool openssl
require_shim

softhsm_setup
token_init eToken
ecert_fixtures
load () { # NAME [load-token.sh options]
	n=$1
	shift
	sh "$top_srcdir/tests/fixtures/load-token.sh" --module "$SOFTHSM2_MODULE" --token eToken \
		--pin "$HKP11_PIN" "$@" "$ECERT_DIR" "$n" >>load.log 2>&1 ||
		{ show load.log; fail "load-token.sh $n"; }
}
load personal --pubkey
load personal-renewed --key-label ""
load org4 --no-id --pubkey
load odd --no-label
load other --label "Jane Doe"

PERSONAL="CHAN TAI MAN (Personal e-Cert, expires 2045-06-30) (SRN 9000471235)"
RENEWED="CHAN TAI MAN (Personal e-Cert, expires 2045-06-30) (SRN 9000471236)"
ORG4="HO KA YAN (Organisational e-Cert, Wing On Trading Company Limited / Kowloon Branch, expires 2044-05-31)"
ODD="陳大文： \"Tai Man\" 'Big' (Personal e-Cert, expires 2045-06-30)"

# The labels hold ( ) and quotes: match them literally.
re () { printf '%s' "$1" | sed 's/[][\\.*^$()+?{}|/]/\\&/g'; }
PERSONAL_RE=$(re "$PERSONAL")
RENEWED_RE=$(re "$RENEWED")
ORG4_RE=$(re "$ORG4")
ODD_RE=$(re "$ODD")

# Lines "CLASS|LABEL", sorted, from pkcs11-tool -O.
objects ()
{
	awk '/Object;/ { split ($0, w, " "); cls = w[1] } /^ *label:/ { sub (/^ *label: */, ""); print cls "|" $0 }' "$1" |
		sort
}

# ---- pkcs11-tool -O: before (SoftHSM itself) and after (hkpost-p11)
run before.p11 pkcs11-tool --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$HKP11_PIN" -O
run after.p11 pkcs11-tool --module "$HKP11_SHIM" --token-label eToken --login --pin "$HKP11_PIN" -O
objects before.p11 >before.labels
objects after.p11 >after.labels
note "before:"
sed 's/^/#   /' before.labels
note "after:"
sed 's/^/#   /' after.labels
expect_grep "pkcs11-tool: the e-Cert by its friendly label" "^Certificate\\|$PERSONAL_RE\$" after.labels
expect_grep "pkcs11-tool: its private key too" "^Private\\|$PERSONAL_RE\$" after.labels
expect_grep "pkcs11-tool: its public key too" "^Public\\|$PERSONAL_RE\$" after.labels
expect_grep "pkcs11-tool: a key without label, by the twin's SRN" "^Private\\|$RENEWED_RE\$" after.labels
expect_grep "pkcs11-tool: a key without ID, by its modulus" "^Private\\|$ORG4_RE\$" after.labels
expect_grep "pkcs11-tool: CJK, quotes, and no ':'" "^Certificate\\|$ODD_RE\$" after.labels
expect_grep "pkcs11-tool: others keep their label" '^Certificate\|Jane Doe$' after.labels
expect_no_grep "pkcs11-tool: no e-Cert object keeps a container label" '^(Certificate|Private|Public)\|te-' \
	after.labels
# Same objects, same number: only labels differ.
sed 's/|.*//' before.labels >before.classes
sed 's/|.*//' after.labels >after.classes
expect_same "pkcs11-tool: the same objects as SoftHSM shows" before.classes after.classes

# ---- p11tool --list-all
if command -v p11tool >/dev/null 2>&1; then
	GNUTLS_PIN=$HKP11_PIN
	export GNUTLS_PIN
	run p11tool.out p11tool --provider "$HKP11_SHIM" --login --list-all "pkcs11:token=eToken"
	expect_grep "p11tool: the e-Cert by its friendly label" "^	Label: $PERSONAL_RE\$" p11tool.out
	expect_grep "p11tool: the Organisational key by its friendly label" "^	Label: $ORG4_RE\$" p11tool.out
	expect_grep "p11tool: the URI carries the friendly label" \
		'object=CHAN%20TAI%20MAN%20%28Personal%20e-Cert' p11tool.out
else
	note "p11tool not installed: skipped its checks"
fi

# ---- NSS: certutil and modutil
if command -v certutil >/dev/null 2>&1 && command -v modutil >/dev/null 2>&1; then
	mkdir nssdb
	echo "$HKP11_PIN" >pin.txt
	run nss.init certutil -N -d sql:nssdb --empty-password
	run nss.add modutil -force -dbdir sql:nssdb -add hkpost-p11 -libfile "$HKP11_SHIM"
	run nss.list certutil -L -d sql:nssdb -h all
	sed 's/^/#   /' nss.list
	expect_grep "certutil -L: the e-Cert's nickname is TOKEN:friendly label" "^eToken:$PERSONAL_RE +u,u,u" nss.list
	expect_grep "certutil -L: the twin's too" "^eToken:$RENEWED_RE " nss.list
	expect_grep "certutil -L: the Organisational e-Cert's too" "^eToken:$ORG4_RE " nss.list
	expect_grep "certutil -L: a certificate without label is named" "^eToken:$ODD_RE " nss.list
	expect_no_grep "certutil -L: no nickname clashes or is (NULL)" '^\(NULL\)' nss.list
	run nss.find certutil -L -d sql:nssdb -h eToken -f pin.txt -n "eToken:$ORG4"
	expect_grep "certutil -L -n 'eToken:friendly label' finds the certificate" \
		'Subject: "CN=HO KA YAN,OU=Kowloon Branch' nss.find
	run nss.find-original certutil -L -d sql:nssdb -h eToken -f pin.txt -n "eToken:Jane Doe"
	expect_grep "certutil -L -n finds a certificate by its own label" 'Subject: "CN=Jane Doe' \
		nss.find-original
	run nss.keys certutil -K -d sql:nssdb -h eToken -f pin.txt
	expect_grep "certutil -K: the key carries the friendly name" "^<.*> rsa .* $PERSONAL_RE\$" nss.keys
	expect_grep "certutil -K: the key without ID too" "^<.*> rsa .* $ORG4_RE\$" nss.keys
else
	note "certutil/modutil not installed: skipped the NSS checks"
fi

# ---- ssh-keygen -D: the comment of each public key is its label (OpenSSH
# takes a certificate's subject instead when the token has no public-key
# object for it).
if command -v ssh-keygen >/dev/null 2>&1; then
	run ssh.keys ssh-keygen -D "$HKP11_SHIM"
	awk '{ $1 = ""; $2 = ""; sub (/^  /, ""); print }' ssh.keys | sed 's/^/#   /'
	expect_grep "ssh-keygen -D: the e-Cert's key by its friendly label" "^ssh-rsa [^ ]+ $PERSONAL_RE\$" ssh.keys
	expect_grep "ssh-keygen -D: the Organisational key too" "^ssh-rsa [^ ]+ $ORG4_RE\$" ssh.keys
else
	note "ssh-keygen not installed: skipped its checks"
fi

# ---- labels: off gives the token's own labels back
printf 'labels: off\n' >off.conf
HKPOST_P11_CONF=$PWD/off.conf run off.p11 pkcs11-tool --module "$HKP11_SHIM" --token-label eToken \
	--login --pin "$HKP11_PIN" -O
objects off.p11 >off.labels
expect_same "labels: off shows what SoftHSM shows" before.labels off.labels

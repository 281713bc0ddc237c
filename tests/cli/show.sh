#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 show and status over SoftHSM with the e-Cert fixtures, loaded
# as SafeNet leaves them (container labels): every field of `show` against
# what OpenSSL reads from the same certificate, --json field by field, the
# label filter and --all, the warning for an e-Cert that expires within 30
# days, an issuer without a CN, and change-pin through the module over
# SoftHSM.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
skip_unless_tool pkcs11-tool openssl python3
skip_unless_softhsm
require_cli

softhsm_setup
token_init eToken
ecert_load eToken personal
PERSONAL_ID=$ECERT_ID
ecert_load eToken mr
ecert_load eToken org4
sh "$top_srcdir/tests/fixtures/load-token.sh" --module "$SOFTHSM2_MODULE" --token eToken \
	--pin "$HKP11_PIN" --no-key "$ECERT_DIR" other >"$HKP11_TMP/load-other.log" 2>&1 ||
	{ show "$HKP11_TMP/load-other.log"; fail "loading the non-e-Cert"; }

# ---- the Personal e-Cert, field by field ----------------------------------
cli personal show 'CHAN TAI MAN'
expect_rc "show CHAN TAI MAN" 0
fp=$(openssl x509 -in "$ECERT_DIR/personal.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
expect_grep "the heading names the friendly label and the token" \
	'^e-Cert "CHAN TAI MAN \(Personal e-Cert, expires 2045-06-30\)" on token "eToken"$' personal
expect_grep "holder" '^  Holder +CHAN TAI MAN$' personal
expect_grep "kind" '^  Kind +Personal e-Cert$' personal
expect_grep "SRN" '^  SRN +9000471235$' personal
expect_grep "issuer" '^  Issuer +Hongkong Post e-Cert CA 2 - 17$' personal
expect_grep "serial number" "^  Serial number +$(openssl x509 -in "$ECERT_DIR/personal.pem" -noout -serial | sed 's/^serial=//')$" personal
expect_grep "validity" '^  Valid +from 20[0-9-]+ [0-9:]+ UTC to 2045-06-30 [0-9:]+ UTC$' personal
expect_grep "days left" '^ +[0-9]+ days left$' personal
expect_grep "key usage" '^  Key usage +digital signature, non-repudiation.*; client authentication, email protection$' personal
expect_grep "SHA-256 fingerprint, as OpenSSL computes it" "^  SHA-256 fingerprint +$fp\$" personal
expect_grep "no mutual recognition" '^  Mutual recognition +no$' personal
expect_grep "the friendly label" '^  Label +CHAN TAI MAN \(Personal e-Cert, expires 2045-06-30\)$' personal
expect_grep "the label on the token, SafeNet's container name" '^  Label on the token +te-[0-9a-f]{8}-' personal
expect_grep "the ID" "^  ID +$PERSONAL_ID\$" personal
expect_grep "the PKCS#11 URI by the friendly label" \
	'^  PKCS#11 URI +pkcs11:token=eToken;object=CHAN%20TAI%20MAN%20\(Personal%20e-Cert,%20expires%202045-06-30\)$' personal
SERIAL=$(pkcs11-tool --module "$SOFTHSM2_MODULE" -L 2>/dev/null | sed -n 's/^ *serial num *: *//p' | head -n 1)
ID_URI=$(printf '%s' "$PERSONAL_ID" | sed 's/\(..\)/%\1/g' | tr a-f A-F)
expect_grep "the URI by the token's serial number and the ID, which hold without the module too" \
	"^  URI by ID +pkcs11:serial=$SERIAL;id=$ID_URI \(also without hkpost-p11\)\$" personal
expect_no_grep "only that e-Cert" 'WONG MEI LING|HO KA YAN|Jane Doe' personal

cli mr show WONG
expect_rc "show by part of the label" 0
expect_grep "mutual recognition" '^  Mutual recognition +yes' mr
expect_grep "issued by CA 2 - 15" '^  Issuer +Hongkong Post e-Cert CA 2 - 15$' mr

cli org show 'HO KA YAN'
expect_grep "an Organisational e-Cert" '^  Kind +Organisational e-Cert$' org
expect_grep "its organisation and branch" '^  Organisation +Wing On Trading Company Limited.*Kowloon Branch' org

# ---- which certificates -------------------------------------------------------
cli default show
expect_rc "show without arguments" 0
[ "$(grep -c '^e-Cert ' default)" -eq 3 ] || { show default; fail "expected the three e-Certs"; }
ok "show lists the three e-Certs"
expect_no_grep "and not the certificate that is no e-Cert" 'Jane Doe' default
cli all show --all
[ "$(grep -c '^e-Cert \|^Certificate ' all)" -eq 4 ] || { show all; fail "expected four certificates"; }
ok "show --all lists every certificate"
expect_grep "the other one is said to be no e-Cert" '^  Kind +not a Hongkong Post e-Cert$' all
cli nomatch show 'NOBODY'
expect_rc "a label that matches nothing exits 3" 3
expect_grep "it says so and points at --all" "no certificate label contains 'NOBODY'" nomatch.err

# ---- --json ---------------------------------------------------------------------
cli json show --json
expect_rc "show --json" 0
json_check json "
toks = d['tokens']
check(len(toks) == 1 and toks[0]['label'] == 'eToken', 'one token, eToken')
certs = {c['holder']: c for c in toks[0]['certificates']}
check(sorted(certs) == ['CHAN TAI MAN', 'HO KA YAN', 'WONG MEI LING'], 'the three e-Certs by holder')
p = certs['CHAN TAI MAN']
check(p['label'] == 'CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)', 'label')
check(p['original_label'].startswith('te-'), 'original_label')
check(p['id'] == '$PERSONAL_ID', 'id')
check(p['hkpost'] is True and p['kind'] == 'personal' and p['trial'] is False, 'hkpost, kind, trial')
check(p['srn'] == '9000471235' and p['organisation'] is None, 'srn, organisation')
check(p['issuer'] == 'Hongkong Post e-Cert CA 2 - 17', 'issuer')
check(p['not_after'] == '2045-06-30T23:59:59Z', 'not_after, ISO 8601')
check(isinstance(p['days_left'], int) and p['days_left'] > 365 * 15, 'days_left')
check(p['expired'] is False and p['expires_soon'] is False, 'expired, expires_soon')
check('digitalSignature' in p['key_usage'] and 'nonRepudiation' in p['key_usage'], 'key_usage')
check(p['extended_key_usage'] == ['clientAuth', 'emailProtection'], 'extended_key_usage')
check(p['sha256'] == '$fp', 'sha256')
check(p['mutual_recognition'] is False, 'mutual_recognition false')
check(certs['WONG MEI LING']['mutual_recognition'] is True, 'mutual_recognition true')
o = certs['HO KA YAN']
check(o['kind'] == 'organisational' and 'Wing On Trading Company Limited' in o['organisation'], 'organisational, organisation')
from urllib.parse import unquote
check(p['uri_by_id'] == 'pkcs11:serial=$SERIAL;id=$ID_URI', 'uri_by_id')
for c in certs.values():
    attrs = dict(a.split('=', 1) for a in c['uri'][len('pkcs11:'):].split(';'))
    check(sorted(attrs) == ['object', 'token'] and unquote(attrs['token']) == 'eToken'
          and unquote(attrs['object']) == c['label'], 'uri names %s by its label' % c['holder'])
    check(all(ch.isalnum() or ch in '%-._~(),' for ch in attrs['object']), 'uri of %s: no character to quote' % c['holder'])
check('%2F' in o['uri'], 'the / of an organisational label is escaped')
"

# ---- an e-Cert about to expire -----------------------------------------------
# A CA under Hongkong Post's name and an e-Cert of theirs valid 10 more days.
mkdir -p "$HKP11_TMP/soon.d"
(
	cd "$HKP11_TMP/soon.d"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
		-subj "/C=HK/O=Hongkong Post/CN=Hongkong Post e-Cert CA 2 - 17" 2>/dev/null
	openssl req -new -newkey rsa:2048 -nodes -keyout soon.key -out soon.csr \
		-subj "/C=HK/O=Hongkong Post e-Cert (Personal)/OU=2345678901/CN=LEE SIU FAI" 2>/dev/null
	printf 'keyUsage = critical, digitalSignature\n' >ext
	openssl x509 -req -in soon.csr -CA ca.pem -CAkey ca.key -set_serial 4660 -days 10 \
		-extfile ext -outform DER -out soon.der 2>/dev/null
) || fail "making the e-Cert that expires soon"
pkcs11-tool --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$HKP11_PIN" \
	--write-object "$HKP11_TMP/soon.d/soon.der" --type cert --id 5005 --label soon >/dev/null 2>&1 ||
	fail "writing the e-Cert that expires soon"
cli soon show 'LEE SIU FAI'
expect_rc "show the e-Cert that expires soon" 0
expect_grep "a warning under 30 days" '^ +WARNING: (9|10) days left: renew it with Hongkong Post now$' soon
cli soonj show --json 'LEE SIU FAI'
json_check soonj "
c = d['tokens'][0]['certificates'][0]
check(c['expires_soon'] is True and c['days_left'] in (9, 10), 'expires_soon, days_left')
"

# ---- status lists the e-Certs ------------------------------------------------
cli status status
expect_rc "status over SoftHSM" 0
expect_grep "status lists the e-Certs by friendly label" '^  e-Certs +[A-Z ]+ \((Personal|Organisational) e-Cert' status
expect_grep "all of them" '^ .* +CHAN TAI MAN \(Personal e-Cert, expires 2045-06-30\)$' status
expect_grep "status warns of the e-Cert that expires soon" "the e-Cert 'LEE SIU FAI .*' expires in (9|10) days" status
expect_grep "with the fix" 'Fix: Renew it with Hongkong Post' status
cli statusj status --json
json_check statusj "
t = [t for t in d['tokens'] if t.get('initialized')][0]
check(len(t['ecerts']) == 4, 'four e-Certs listed')
check(sorted(e['holder'] for e in t['ecerts']) == ['CHAN TAI MAN', 'HO KA YAN', 'LEE SIU FAI', 'WONG MEI LING'], 'by holder')
check([p['code'] for p in d['problems']] == ['expires-soon'], 'the one problem: an e-Cert expires soon')
check(t['tries_source'] == 'hkpost-p11' and t['tries_left'] == 15, 'SoftHSM does not count: hkpost-p11 does')
"

# ---- an issuer whose name has no CN --------------------------------------------
sh "$top_srcdir/tests/fixtures/load-token.sh" --module "$SOFTHSM2_MODULE" --token eToken \
	--pin "$HKP11_PIN" --no-key --label no-cn-issuer "$ECERT_DIR" issuer-no-cn \
	>"$HKP11_TMP/load-nocn.log" 2>&1 ||
	{ show "$HKP11_TMP/load-nocn.log"; fail "loading the certificate whose issuer has no CN"; }
cli nocn show --all no-cn-issuer
expect_rc "show a certificate whose issuer has no CN" 0
expect_grep "its issuer is named by the whole name" \
	'^  Issuer +OU=Certification Unit,O=Example Trust Services,C=US$' nocn
cli nocnj show --all --json no-cn-issuer
json_check nocnj "
c = d['tokens'][0]['certificates'][0]
check(c['issuer'] == 'OU=Certification Unit,O=Example Trust Services,C=US', 'issuer, whole name')
"

# ---- change-pin through the module over SoftHSM ------------------------------
STRONG='Hk-Post-2024!'
cli_in change "$HKP11_PIN
$STRONG
" change-pin --pin-stdin
expect_rc "change-pin over SoftHSM" 0
if ! pkcs11-tool --module "$SOFTHSM2_MODULE" --token-label eToken --login --pin "$STRONG" -O \
	>"$HKP11_TMP/direct.out" 2>&1; then
	show "$HKP11_TMP/direct.out"
	fail "SoftHSM does not take the new password"
fi
ok "SoftHSM itself takes the new password"

expect_no_pin "no password in any file the test or the tool wrote" "$HKP11_PIN" "$STRONG"

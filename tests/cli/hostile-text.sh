#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Text that a certificate, a token or a log file chose never drives the
# terminal or reorders what is shown: bidirectional-text controls (U+202E,
# U+2066, U+200F), other format characters (U+200B, U+FEFF) and C1
# controls (U+009B, and the raw byte 0x9B, CSI on a terminal not in UTF-8
# mode) are dropped or replaced in the module's labels (CKA_LABEL through
# pkcs11-tool) and in everything the tool prints: show, status, --json and
# audit show.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
skip_unless_tool pkcs11-tool python3
skip_unless_softhsm
require_cli

RLO=$(printf '\342\200\256')
CSI=$(printf '\302\233')

# expect_clean WHAT FILE...: no control character but newline and tab, no
# format character (Unicode Cf), no line or paragraph separator, and no
# byte that is not UTF-8 in the files.
expect_clean ()
{
	what=$1
	shift
	cat >"$HKP11_TMP/clean.py" <<'EOF'
import sys, unicodedata
bad = []
for path in sys.argv[1:]:
    text = open(path, 'rb').read().decode('utf-8', 'surrogateescape')
    for i, ch in enumerate(text):
        o = ord(ch)
        if 0xdc80 <= o <= 0xdcff:
            bad.append('%s: byte 0x%02x at %d' % (path, o - 0xdc00, i))
        elif ch in '\n\t':
            continue
        elif unicodedata.category(ch) in ('Cc', 'Cf', 'Zl', 'Zp'):
            bad.append('%s: U+%04X at %d' % (path, o, i))
for b in bad[:20]:
    print(b)
sys.exit(1 if bad else 0)
EOF
	if ! /usr/bin/python3 "$HKP11_TMP/clean.py" "$@" >"$HKP11_TMP/clean.out" 2>&1; then
		show "$HKP11_TMP/clean.out" "$@"
		fail "$what"
	fi
	ok "$what"
}

# ---- a token and an e-Cert that carry controls ---------------------------
softhsm_setup
TOKEN=e${RLO}Token
token_init "$TOKEN"
ecert_load "$TOKEN" bidi
LABEL='LAU KA FAI (Personal e-Cert, expires 2045-06-30)'

# The module's CKA_LABEL, as every client reads it (pkcs11-tool prints the
# certificate's subject itself, raw: only its label lines are ours).
run objects pkcs11-tool --module "$HKP11_SHIM" --token-label "$TOKEN" --login --pin "$HKP11_PIN" -O
sed -n 's/^ *label: *//p' objects >labels
printf '%s\n%s\n' "$LABEL" "$LABEL" >labels.expected
expect_same "the certificate and its key carry the friendly label, controls dropped" \
	labels.expected labels
expect_clean "the labels hold no control or format character" labels

# ---- show --------------------------------------------------------------------
cli show show
expect_rc "show the e-Cert" 0
expect_grep "the holder without the controls" '^  Holder +LAU KA FAI$' show
expect_grep "the heading: the friendly label; the override in the token label is a '?'" \
	"^e-Cert \"LAU KA FAI \\(Personal e-Cert, expires 2045-06-30\\)\" on token \"e\\?Token\"\$" show
expect_clean "show prints no control or format character" show
cli showj show --json
expect_rc "show --json" 0
expect_clean "show --json writes no control or format character" showj
json_check showj "
t = d['tokens'][0]
c = t['certificates'][0]
check(c['holder'] == 'LAU KA FAI', 'holder')
check(c['label'] == '$LABEL', 'label')
check(t['label'] == 'e?Token', 'token label')
"

# ---- status ------------------------------------------------------------------
# A configuration file whose name holds the override and a C1 control too.
CONF=$HKP11_TMP/conf${RLO}${CSI}.conf
echo "lockout-warn: 3" >"$CONF"
HKPOST_P11_CONF=$CONF cli status status
expect_rc "status" 0
expect_grep "status lists the e-Cert by its friendly label" "^  e-Certs +LAU KA FAI \\(Personal" status
expect_grep "the file name is shown with '?' for the controls" '^Configuration file +.*/conf\?\?\.conf ' status
expect_clean "status prints no control or format character" status
HKPOST_P11_CONF=$CONF cli statusj status --json
expect_rc "status --json" 0
expect_clean "status --json writes no control or format character: they are escaped" statusj
json_check statusj "
t = [t for t in d['tokens'] if t.get('initialized')][0]
check([e['holder'] for e in t['ecerts']] == ['LAU KA FAI'], 'holder')
check(t['label'] == 'e?Token', 'token label')
check(d['config']['file'] == '$CONF', 'the file name, exact once decoded')
"

# ---- a token's model, through the mock ---------------------------------------
(
	mock_setup
	MOCK_P11_MODEL=mod${RLO}el$CSI
	export MOCK_P11_MODEL
	cli mock status
	expect_grep "the model the token chose, the controls as '?'" '^  Maker and model +.* mod\?el\?$' mock
	expect_clean "status over a token whose model holds controls" mock
	cli mockj status --json
	expect_clean "the same in JSON" mockj
	echo "$HKP11_CHECKS" >"$HKP11_TMP/mock.checks"
)
HKP11_CHECKS=$(cat "$HKP11_TMP/mock.checks")

# ---- audit show ----------------------------------------------------------------
# A record as anyone who can write the log could leave it: raw 0x9B (CSI
# on an 8-bit terminal), U+009B and U+202E.
printf '2025-01-01T00:00:00.000000Z seq=1 event=C_Login program="evil\233[2J" pid=7 token="a%sb" result=CKR_PIN_INCORRECT detail="x%sy"\n' \
	"$RLO" "$CSI" >forged.log
cli forged audit show forged.log
expect_rc "audit show of the forged record" 0
expect_grep "the record is shown, each control a '?'" '^.*  evil\?\[2J\[7\]  C_Login \(wrong password\)  token a\?b' forged
expect_clean "audit show prints no control or format character" forged
cli log audit show --all
expect_rc "audit show of this test's own log" 0
expect_grep "the records of this test are there" 'C_Login' log
expect_clean "and print no control or format character" log

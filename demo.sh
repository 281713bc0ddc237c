#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 demo.  On a fresh Debian 12 machine, from a clone:
#
#     ./demo.sh
#
# 1. installs the Debian packages that are missing (tests/debian-packages.txt;
#    through sudo when not root; HKP11_DEMO_NO_INSTALL=1 skips this),
# 2. builds hkpost-p11 in this tree (./autogen.sh, ./configure, make), and
# 3. shows it at work: SoftHSMv2 plays the SafeNet eToken library, with a
#    throwaway token that holds a Hongkong Post-shaped e-Cert and its key,
#    and real clients (pkcs11-tool, p11tool) load hkpost-p11 in between.
#
# The token lives in a temporary directory that is removed at the end; the
# build log and the files the steps make stay in demo-output/.
#
# Features join the demo at the places marked "HOOK" below.
set -eu
cd "$(dirname "$0")"
top_srcdir=$PWD
. tests/lib.sh

started=$(date +%s)
out=demo-output
mkdir -p "$out"

if [ -t 1 ]; then
	bold=$(printf '\033[1m')
	plain=$(printf '\033[0m')
else
	bold=
	plain=
fi

section ()
{
	printf '\n%s=== %s ===%s\n' "$bold" "$*" "$plain"
}

step_no=0
step ()
{
	step_no=$((step_no + 1))
	printf '\n%s--- %d. %s%s\n' "$bold" "$step_no" "$*" "$plain"
}

# Words quoted so that a shown command can be pasted into a shell.
shell_quote ()
{
	sq_out=
	for sq_arg in "$@"; do
		case $sq_arg in
		'' | *[!A-Za-z0-9_./:=%,+@-]*)
			sq_arg="'$(printf '%s' "$sq_arg" | sed "s/'/'\\\\''/g")'"
			;;
		esac
		sq_out="$sq_out${sq_out:+ }$sq_arg"
	done
	printf '%s' "$sq_out"
}

# demo_run CMD...: shows the command and its output; a failure ends the demo.
demo_run ()
{
	printf '%s$ %s%s\n' "$bold" "$(shell_quote "$@")" "$plain"
	dr_rc=0
	"$@" >"$HKP11_TMP/demo.out" 2>&1 </dev/null || dr_rc=$?
	sed 's/^/    /' "$HKP11_TMP/demo.out"
	if [ "$dr_rc" -ne 0 ]; then
		echo "    (exit status $dr_rc)"
	fi
	return "$dr_rc"
}

# demo_refused ERE CMD...: the same, for a command that must fail with
# output matching ERE (the reason it must fail for).
demo_refused ()
{
	dr_re=$1
	shift
	if demo_run "$@"; then
		echo "The demo expected this command to be refused." >&2
		return 1
	fi
	if ! grep -Eq -- "$dr_re" "$HKP11_TMP/demo.out"; then
		echo "The demo expected this refusal to match /$dr_re/." >&2
		return 1
	fi
}

# ==========================================================================
section "Installing what is missing"
if [ -n "${HKP11_DEMO_NO_INSTALL:-}" ]; then
	echo "HKP11_DEMO_NO_INSTALL is set: not installing packages."
elif ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "Not a Debian system: install the equivalents of tests/debian-packages.txt yourself."
else
	missing=$(debian_packages_missing)
	if [ -z "$missing" ]; then
		echo "All $(debian_packages | wc -l) packages of tests/debian-packages.txt are installed."
	else
		echo "Installing:" $missing # one word per package
		as_root apt-get update -q
		# shellcheck disable=SC2086 # one word per package
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
	fi
fi

# ==========================================================================
section "Building hkpost-p11 in this tree (log: $out/build.log)"
: >"$out/build.log"
build ()
{
	echo "$ $*"
	if ! "$@" >>"$out/build.log" 2>&1; then
		tail -n 40 "$out/build.log"
		echo "The build failed: see $out/build.log" >&2
		exit 1
	fi
}
if [ ! -x configure ]; then
	build ./autogen.sh
fi
if [ ! -f Makefile ]; then
	build ./configure
fi
build make -j2
echo "Built: module/.libs/hkpost-p11.$SHLEXT"

# ==========================================================================
section "The demo"
# tests/lib.sh looked for SoftHSM when it was sourced, before the packages
# above were installed: on a fresh machine it is there only now.
softhsm_find || :
if [ -z "$SOFTHSM2_MODULE" ]; then
	echo "SoftHSMv2 is missing: install the package softhsm2." >&2
	exit 1
fi
for tool in softhsm2-util pkcs11-tool p11tool openssl; do
	command -v "$tool" >/dev/null || {
		echo "$tool is missing: install tests/debian-packages.txt." >&2
		exit 1
	}
done
tmp_begin
at_exit 'if [ "$rc" -ne 0 ]; then echo "The demo stopped at an unexpected failure (exit status $rc)." >&2; fi'

shim=module/.libs/hkpost-p11.$SHLEXT
# The command-line tool, as built in this tree: it finds the module (and
# its translations) beside it.
cli=tools/hkpost-p11

step "A stand-in for the holder's e-Cert token"
softhsm_setup
token_init eToken
ecert_load eToken
# The module finds its backend in its configuration file here, as it would
# on a holder's machine; the tests use HKPOST_P11_BACKEND instead.
unset HKPOST_P11_BACKEND
HKPOST_P11_CONF=$HKP11_TMP/hkpost-p11.conf
export HKPOST_P11_CONF
cat >"$HKPOST_P11_CONF" <<EOF
# The token vendor's PKCS#11 library: SoftHSMv2 stands in for
# SafeNet's libeTPkcs11.so here.
backend: $SOFTHSM2_MODULE
EOF
cat <<EOF
A holder's SafeNet eToken carries the e-Cert and its private key, locked by
the 8-digit password from the Hongkong Post envelope.  Here a throwaway
SoftHSM token plays it: label "eToken", password $HKP11_PIN, and a stand-in
Personal e-Cert (made by tests/fixtures/make-ecerts.sh under the real CA names):
    $(openssl x509 -in "$ECERT_CERT" -noout -subject -nameopt oneline)
    $(openssl x509 -in "$ECERT_CERT" -noout -issuer -nameopt oneline)
Applications load hkpost-p11 ($shim) instead of the vendor's
library; hkpost-p11 reads its configuration and loads the vendor's library
itself:
    export SOFTHSM2_CONF=$SOFTHSM2_CONF
    export HKPOST_P11_CONF=$HKPOST_P11_CONF
EOF
demo_run cat "$HKPOST_P11_CONF"

step "What an application sees: the token"
cat <<EOF
OpenSC's pkcs11-tool loads hkpost-p11 as it would load any PKCS#11 module,
and sees the token as the vendor's library presents it.  One difference:
"pin min/max" starts at 8, the minimum of hkpost-p11's password policy, so
that applications check the length before they ask the token.
EOF
demo_run pkcs11-tool --module "$shim" -L

step "The e-Cert under a name you recognise"
cat <<EOF
SafeNet's client files an e-Cert under a container name.  This is what the
vendor's library (SoftHSM here) shows without hkpost-p11:
EOF
demo_run pkcs11-tool --module "$SOFTHSM2_MODULE" -O
cat <<EOF
Through hkpost-p11 the same certificate reads as who and what it is, built
from the certificate itself.  Firefox's certificate chooser, Thunderbird and
ssh show this name.  Without the password only the certificate is visible.
EOF
demo_run pkcs11-tool --module "$shim" -O

step "The holder's own view: hkpost-p11 status and show"
cat <<EOF
hkpost-p11 comes with a command of the same name, for what the Hongkong
Post guide does in SafeNet's window.  'status' shows the configuration, the
token library, the token with its tries left, the policy and the audit log,
and says what to fix when something is wrong; 'show' shows the e-Cert.
Both load hkpost-p11 itself, so they show what applications see.
EOF
demo_run "$cli" status
demo_run "$cli" show
echo "The same in Traditional Chinese, for a zh_HK locale:"
demo_run env LANGUAGE=zh_HK LC_ALL=C.UTF-8 "$cli" show CHAN

step "Logging in with the envelope password"
cat <<EOF
After logging in, the private key of the e-Cert appears too, with the same
ID and the same friendly name.  (A SafeNet token keeps no public-key object
after an import.)  The 8-digit envelope password still works for logging
in: the password policy applies to new passwords only.
EOF
demo_run pkcs11-tool --module "$shim" --login --pin "$HKP11_PIN" -O

step "Signing with the e-Cert's key"
cat <<EOF
The token signs; OpenSSL checks the signature against the e-Cert.
EOF
echo "I, CHAN TAI MAN, approve this message." >"$out/message.txt"
demo_run pkcs11-tool --module "$shim" --login --pin "$HKP11_PIN" \
	--sign --mechanism SHA256-RSA-PKCS --id "$ECERT_ID" \
	-i "$out/message.txt" -o "$out/message.sig"
openssl x509 -in "$ECERT_CERT" -pubkey -noout >"$out/ecert-public-key.pem"
demo_run openssl dgst -sha256 -verify "$out/ecert-public-key.pem" \
	-signature "$out/message.sig" "$out/message.txt"

step "GnuTLS sees the same token"
cat <<EOF
p11tool (GnuTLS) names the token and each object with a PKCS#11 URI; it reads
the password from GNUTLS_PIN.  GnuTLS loads modules through p11-kit, which
looks for a relative path in its own module directory: give the full path.
EOF
demo_run env GNUTLS_PIN="$HKP11_PIN" p11tool --provider "$PWD/$shim" --login --list-all "pkcs11:token=eToken"

step "A weak new password is refused before the token sees it"
cat <<EOF
Hongkong Post recommends at least 8 characters that mix upper case, lower
case, digits and special characters.  The token does not check; hkpost-p11
does, and refuses a weak new password without calling the token, so no try
is spent.  A strong one goes through.
EOF
demo_refused 'CKR_PIN_INVALID' pkcs11-tool --module "$shim" --login --pin "$HKP11_PIN" \
	--change-pin --new-pin hongkong1
demo_refused 'CKR_PIN_LEN_RANGE' pkcs11-tool --module "$shim" --login --pin "$HKP11_PIN" \
	--change-pin --new-pin 2468
strong='Tai#Man2025'
demo_run pkcs11-tool --module "$shim" --login --pin "$HKP11_PIN" --change-pin --new-pin "$strong"
HKP11_PIN=$strong

step "Wrong passwords: the countdown, the warning and the guard"
cat <<EOF
15 wrong passwords lock an eToken for good.  SoftHSM does not count, so
hkpost-p11 counts for it (in \$XDG_STATE_HOME/hkpost-p11/, shared by every
program).  From 5 tries left it warns: in the token flags, and in the token
label, the one text Firefox shows in its password dialog.  With 1 try left
it holds the last try back, and answers CKR_PIN_LOCKED without asking the
token.  Here, a different wrong password each time:
EOF
try=0
while [ "$try" -lt 20 ]; do
	try=$((try + 1))
	wrong=$(printf '%08d' "$try")
	pkcs11-tool --module "$shim" --login --pin "$wrong" -O >"$HKP11_TMP/try.out" 2>&1 </dev/null || :
	result=$(grep -o 'CKR_[A-Z_]*' "$HKP11_TMP/try.out" | head -n 1)
	label=$(pkcs11-tool --module "$shim" -L 2>/dev/null | sed -n 's/^ *token label *: //p' | head -n 1)
	printf '    wrong password %s: %-18s token label now "%s"\n' "$wrong" "${result:-no error?}" "$label"
	if [ "$result" = CKR_PIN_LOCKED ]; then
		break
	fi
done
if [ "$result" != CKR_PIN_LOCKED ]; then
	echo "The demo expected the guard to stop the last try." >&2
	exit 1
fi
demo_run pkcs11-tool --module "$shim" -L
cat <<EOF
The guard holds back the right password too: only the last try is left,
and it is the holder's decision to spend it.
EOF
demo_refused 'CKR_PIN_LOCKED' pkcs11-tool --module "$shim" --login --pin "$HKP11_PIN" -O
cat <<EOF
'hkpost-p11 status' says the same, with the fix (its exit status 6 means
locked or guarded):
EOF
demo_run "$cli" status || :
cat <<EOF
Releasing the guard on purpose: 'hkpost-p11 guard release' spells out what
a wrong password would now cost and asks the holder to type "release"
(--yes answers for this script), then lets one try through.  The right
password then resets the count.
EOF
demo_run "$cli" guard release --yes
demo_run pkcs11-tool --module "$shim" --login --pin "$HKP11_PIN" -O

step "The audit trail of this demo"
audit_log=$XDG_STATE_HOME/hkpost-p11/audit.log
cat <<EOF
Every program above went through hkpost-p11, and each one left security
records in one shared log ($audit_log here;
by default \$XDG_STATE_HOME/hkpost-p11/audit.log): which program, which
token, logins and their results, password changes and refusals, every use
of the private key, and the lockout warnings.  Its records of the key in
use, the password changes and the lockout, readable:
EOF
demo_run sh -c "$cli audit show --all | grep -E 'C_Sign |C_SetPIN|lockout-|guard' | tail -n 14"
echo "One record as stored (text format; 'audit-format: json' gives JSON Lines):"
tail -n 1 "$audit_log" | sed 's/^/    /'
pins_found=$(grep -c -e "$HKP11_PIN" -e 'Tai#Man' "$audit_log" || :)
cat <<EOF
The log holds $(wc -l <"$audit_log") records and never a password: the demo's
passwords appear in it $pins_found times.  Each record carries the SHA-256 of
the one before it from the same process, so an edited, deleted or reordered
record shows:
EOF
if [ "$pins_found" -ne 0 ]; then
	echo "The demo found a password in the audit log." >&2
	exit 1
fi
demo_run "$cli" audit verify "$audit_log"
echo "Now the same log with one result changed by hand:"
sed '0,/result=CKR_PIN_INCORRECT/s//result=CKR_OK/' "$audit_log" >"$out/audit-edited.log"
demo_refused 'edited|broken|mismatch|problem' "$cli" audit verify "$out/audit-edited.log"

section "Done in $(($(date +%s) - started))s"
cat <<EOF
hkpost-p11 sat between the clients and the token for every step above.
The stand-in token is removed now; the message, its signature and the build
log stay in $out/.  Next:
    ./check.sh         runs the whole test suite
    README.md          how to use hkpost-p11 with Firefox, Thunderbird,
                       p11-kit, ssh, pkcs11-tool and p11tool
EOF

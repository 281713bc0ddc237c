#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# p11-kit: config/hkpost-p11.module registered as a user's module (p11-kit
# ignores user configs when run as root, so as root the checks run as
# `nobody` through runuser), with the vendor library given only through
# x-init-reserved.  p11-kit list-modules shows the module and its token,
# pkcs11-tool through p11-kit-proxy.so reaches and signs with the token
# (the system's own SoftHSM registration is switched off for that user, so
# the shim is the only way there), and a bad x-init-reserved key makes the
# shim refuse with a message naming 'C_Initialize pReserved', as does an
# x-init-reserved longer than the documented limit.
. "$top_srcdir/tests/real/common.sh"
real_begin p11-kit
need p11-kit pkcs11-tool openssl softhsm2-util

proxy=$(pkg-config --variable=proxy_module p11-kit-1 2>/dev/null || :)
for p in "$proxy" /usr/lib/*/p11-kit-proxy.so /usr/lib64/p11-kit-proxy.so /usr/lib/p11-kit-proxy.so; do
	if [ -n "$p" ] && [ -f "$p" ]; then
		proxy=$p
		break
	fi
done
[ -f "$proxy" ] || skip "p11-kit-proxy.so is not installed"
[ -f "$top_builddir/config/hkpost-p11.module" ] || fail "config/hkpost-p11.module is not built"

token_new
fixtures
load_fixture "$fx" personal

# The user's world: a home of its own, readable module and token.
u=$work/user
mkdir -p "$u/.config/pkcs11/modules" "$u/lib"
cp "$MODULE" "$u/lib/hkpost-p11.so"
openssl x509 -in "$fx/personal.pem" -noout -pubkey >"$u/personal.pub.pem"
printf 'signed through p11-kit-proxy and hkpost-p11\n' >"$u/data.txt"
runas=
if [ "$(id -u)" -eq 0 ]; then
	need runuser
	id -u nobody >/dev/null 2>&1 || skip "no user 'nobody' to run p11-kit as"
	chmod 755 "$work"
	chown -R nobody "$u" "$work/hsm"
	runas="runuser -u nobody --"
	echo "# running as root: the p11-kit checks run as nobody"
fi
as_user () {
	$runas env -i PATH=/usr/bin:/bin HOME="$u" XDG_CONFIG_HOME="$u/.config" \
		XDG_STATE_HOME="$u/.local/state" SOFTHSM2_CONF="$SOFTHSM2_CONF" HKPOST_P11_CONF=/dev/null \
		timeout "$T" "$@"
}

# The shipped module file, pointed at the module under test; the backend
# travels only in x-init-reserved (HKPOST_P11_BACKEND is not set for the user).
conf=$u/.config/pkcs11/modules/hkpost-p11.module
register () { # x-init-reserved value, or nothing
	sed "s|^module:.*|module: $u/lib/hkpost-p11.so|" "$top_builddir/config/hkpost-p11.module" >"$conf"
	[ $# -eq 0 ] || echo "x-init-reserved: $1" >>"$conf"
	[ "$runas" = "" ] || chown nobody "$conf"
}
# SoftHSM's own registration (Debian's softhsm2 installs one) is replaced,
# for this user, by one enabled in no program.
printf 'module: %s\nenable-in: hkpost-p11-tests-nowhere\n' "$SOFTHSM2_MODULE" \
	>"$u/.config/pkcs11/modules/softhsm2.module"

# Control: without a backend the shim finds no SafeNet library and has no
# slots (tests/real/p11-kit-empty.sh proves more): p11-kit shows it without
# a token, so the token below comes through the backend given.
safenet=
for p in /usr/lib64/pkcs11/libeTPkcs11.so /usr/lib64/libeTPkcs11.so /usr/lib64/libeToken.so \
	/usr/lib/pkcs11/libeTPkcs11.so /usr/lib/pkcs11/libeToken.so /usr/lib/libeTPkcs11.so /usr/lib/libeToken.so; do
	[ ! -e "$p" ] || safenet=$p
done
if [ -z "$safenet" ]; then
	register
	as_user p11-kit list-modules >"$work/none.txt" 2>&1 || :
	sed -n "/^hkpost-p11: /,/^[^ ]/p" "$work/none.txt" >"$work/none-ours.txt"
	if ! grep -q "^hkpost-p11: $u/lib/hkpost-p11.so" "$work/none-ours.txt" ||
		grep -q '^    token: ' "$work/none-ours.txt"; then
		show "$work/none.txt"
		fail "without a backend p11-kit does not show the shim, or shows it with a token"
	fi
	ok "without x-init-reserved the shim has no backend here: p11-kit shows it with no token"
else
	echo "# not checked: the shim without a backend (SafeNet's library is installed: $safenet)"
fi

register "backend: $SOFTHSM2_MODULE"
as_user p11-kit list-modules >"$work/list.txt" 2>"$work/list.err" ||
	{ show "$work/list.txt"; show "$work/list.err"; fail "p11-kit list-modules failed"; }
sed -n "/^hkpost-p11: /,/^[^ ]/p" "$work/list.txt" >"$work/ours.txt"
grep -q "^hkpost-p11: $u/lib/hkpost-p11.so" "$work/ours.txt" && grep -q '^    token: eToken' "$work/ours.txt" ||
	{ show "$work/list.txt"; show "$work/list.err"; fail "list-modules does not show hkpost-p11 with token eToken"; }
ok "p11-kit list-modules shows hkpost-p11 and its token eToken (backend from x-init-reserved)"
[ "$(grep -c 'token: eToken' "$work/list.txt")" -eq 1 ] ||
	{ show "$work/list.txt"; fail "the token appears more than once: SoftHSM's own registration is active"; }
ok "the token appears once, under hkpost-p11: the shim is the only way to it"

as_user pkcs11-tool --module "$proxy" --list-token-slots >"$work/slots.txt" 2>&1 ||
	{ show "$work/slots.txt"; fail "pkcs11-tool -L through the proxy"; }
grep -q 'token label *: eToken' "$work/slots.txt" || { show "$work/slots.txt"; fail "no eToken through the proxy"; }
ok "pkcs11-tool --module p11-kit-proxy.so sees token eToken"

as_user pkcs11-tool --module "$proxy" --token-label eToken --login --pin "$USER_PIN" --list-objects \
	>"$work/objects.txt" 2>&1 || { show "$work/objects.txt"; fail "pkcs11-tool -O through the proxy"; }
id=$(sed -n '/^Private Key Object/,/^[A-Z]/s/^ *ID: *//p' "$work/objects.txt" | head -n 1)
grep -q 'subject: *DN: .*CN=CHAN TAI MAN' "$work/objects.txt" && [ -n "$id" ] ||
	{ show "$work/objects.txt"; fail "the e-Cert and its key are not listed through the proxy"; }
ok "after login through the proxy: the e-Cert and its private key (ID $id)"

as_user pkcs11-tool --module "$proxy" --token-label eToken --login --pin "$USER_PIN" --sign \
	--mechanism SHA256-RSA-PKCS --id "$id" --input-file "$u/data.txt" --output-file "$u/data.sig" \
	>"$work/sign.txt" 2>&1 || { show "$work/sign.txt"; fail "signing through the proxy"; }
openssl dgst -sha256 -verify "$u/personal.pub.pem" -signature "$u/data.sig" "$u/data.txt" >"$work/verify.txt" 2>&1 ||
	{ show "$work/verify.txt"; fail "the signature made through the proxy does not verify"; }
ok "a SHA256-RSA-PKCS signature made through the proxy verifies with the e-Cert's public key"

# A key the shim does not know, in x-init-reserved: it must refuse, naming where.
register "backend: $SOFTHSM2_MODULE; no-such-key: 1"
as_user p11-kit list-modules >"$work/bad.txt" 2>"$work/bad.err" || :
grep -q "C_Initialize pReserved.*no-such-key" "$work/bad.err" ||
	{ show "$work/bad.txt"; show "$work/bad.err"; fail "no message naming C_Initialize pReserved"; }
if grep -q "^hkpost-p11: " "$work/bad.txt"; then
	show "$work/bad.txt"
	fail "the module initialised despite a bad x-init-reserved key"
fi
ok "a bad x-init-reserved key is refused: $(grep 'C_Initialize pReserved' "$work/bad.err" | head -n 1)"

# Longer than the documented limit: refused as such, and p11-kit goes on.
# Exactly the limit, the backend first and comments after: taken.
limit=$(sed -n 's/^#define HKP11_INIT_RESERVED_MAX \([0-9]*\)$/\1/p' "$top_srcdir/common/settings/conf.h")
[ -n "$limit" ] || fail "no HKP11_INIT_RESERVED_MAX in common/settings/conf.h"
long=$(awk -v b="backend: $SOFTHSM2_MODULE" -v n="$limit" \
	'BEGIN { s = b; while (length(s) <= n) s = s "; # a comment, to make the settings string long"; print s }')
register "$long"
as_user p11-kit list-modules >"$work/long.txt" 2>"$work/long.err" || :
grep -q "C_Initialize pReserved: not a settings string of at most $limit bytes: it is longer" "$work/long.err" ||
	{ show "$work/long.err"; fail "an over-long x-init-reserved: no message naming the limit"; }
if grep -q "^hkpost-p11: " "$work/long.txt"; then
	show "$work/long.txt"
	fail "the module initialised with an over-long x-init-reserved"
fi
ok "an x-init-reserved of ${#long} bytes is refused: $(grep 'C_Initialize pReserved' "$work/long.err" | head -n 1)"
register "$(printf '%s' "$long" | cut -c "1-$limit")"
as_user p11-kit list-modules >"$work/atlimit.txt" 2>"$work/atlimit.err" || :
grep -q "^hkpost-p11: $u/lib/hkpost-p11.so" "$work/atlimit.txt" ||
	{ show "$work/atlimit.txt"; show "$work/atlimit.err"; fail "an x-init-reserved of exactly $limit bytes is not taken"; }
ok "an x-init-reserved of exactly $limit bytes is taken"
real_end

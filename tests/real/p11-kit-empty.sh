#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The module with no token library, as right after `apt install` on a
# machine without SafeNet's: config/hkpost-p11.module registered as a
# user's module (as root the checks run as `nobody`: p11-kit ignores user
# configs for root), no backend named anywhere and none at SafeNet's
# default paths.  p11-kit list-modules shows hkpost-p11 with no token, and
# says once on stderr which paths were tried; pkcs11-tool -L on the module
# finds no slots and exits as it does for any module without slots.  A
# backend named in x-init-reserved that does not exist still keeps the
# module out of p11-kit's list, with an error naming the path.
. "$top_srcdir/tests/real/common.sh"
real_begin p11-kit-empty
need p11-kit pkcs11-tool
[ -f "$top_builddir/config/hkpost-p11.module" ] || fail "config/hkpost-p11.module is not built"

# The paths the module searches when nothing names a library (those not
# for macOS).
defaults=$(sed -n '/^#else/,/^#endif/s/^\t"\(\/[^"]*\)",$/\1/p' "$top_srcdir/common/settings/core.c")
[ -n "$defaults" ] || fail "no default paths found in common/settings/core.c"
for p in $defaults; do
	[ ! -e "$p" ] || skip "SafeNet's library is installed ($p): the module loads it"
done

u=$work/user
mkdir -p "$u/.config/pkcs11/modules" "$u/lib"
cp "$MODULE" "$u/lib/hkpost-p11.so"
runas=
if [ "$(id -u)" -eq 0 ]; then
	need runuser
	id -u nobody >/dev/null 2>&1 || skip "no user 'nobody' to run p11-kit as"
	chmod 755 "$work"
	chown -R nobody "$u"
	runas="runuser -u nobody --"
	echo "# running as root: the p11-kit checks run as nobody"
fi
# No HKPOST_P11_BACKEND, no configuration file: nothing names a library.
as_user () {
	$runas env -i PATH=/usr/bin:/bin HOME="$u" XDG_CONFIG_HOME="$u/.config" \
		XDG_STATE_HOME="$u/.local/state" timeout "$T" "$@"
}

conf=$u/.config/pkcs11/modules/hkpost-p11.module
register () { # x-init-reserved value, or nothing
	sed "s|^module:.*|module: $u/lib/hkpost-p11.so|" "$top_builddir/config/hkpost-p11.module" >"$conf"
	[ $# -eq 0 ] || echo "x-init-reserved: $1" >>"$conf"
	[ "$runas" = "" ] || chown nobody "$conf"
}

register
as_user p11-kit list-modules >"$work/list.txt" 2>"$work/list.err" ||
	{ show "$work/list.txt"; show "$work/list.err"; fail "p11-kit list-modules failed"; }
sed -n "/^hkpost-p11: /,/^[^ ]/p" "$work/list.txt" | sed '$!b;/^[^ ]/d' >"$work/ours.txt"
grep -q "^hkpost-p11: $u/lib/hkpost-p11.so" "$work/ours.txt" ||
	{ show "$work/list.txt"; show "$work/list.err"; fail "p11-kit list-modules leaves hkpost-p11 out"; }
ok "p11-kit list-modules shows hkpost-p11 with no token library present"
grep -q '^    library-description: hkpost-p11 e-Cert token module' "$work/ours.txt" ||
	{ show "$work/ours.txt"; fail "hkpost-p11's entry does not name the module"; }
ok "its entry names the module: $(grep library-description "$work/ours.txt" | sed 's/^ *//')"
if grep -q '^    token: ' "$work/ours.txt"; then
	show "$work/ours.txt"
	fail "hkpost-p11 lists a token without a token library"
fi
ok "it lists no token"
[ "$(grep -c 'no token library found (tried ' "$work/list.err")" -eq 1 ] ||
	{ show "$work/list.err"; fail "stderr does not say once that no token library was found"; }
for p in $defaults; do
	grep -qF "$p" "$work/list.err" || { show "$work/list.err"; fail "stderr does not name $p"; }
done
ok "stderr says once which paths were tried"

# pkcs11-tool -L on a module without slots prints "No slots." and exits 1.
rc=0
as_user pkcs11-tool --module "$u/lib/hkpost-p11.so" --list-slots >"$work/slots.txt" 2>&1 || rc=$?
grep -q '^No slots\.' "$work/slots.txt" && [ "$rc" -eq 1 ] ||
	{ show "$work/slots.txt"; fail "pkcs11-tool -L: exit $rc, not 'No slots.' and 1"; }
ok "pkcs11-tool -L on the module: No slots. (exit 1, as for any module without slots)"
# -I exits 1 too: it goes on to look for a slot.
as_user pkcs11-tool --module "$u/lib/hkpost-p11.so" --show-info >"$work/info.txt" 2>&1 || :
grep -q 'hkpost-p11 e-Cert token module' "$work/info.txt" ||
	{ show "$work/info.txt"; fail "pkcs11-tool -I does not name hkpost-p11"; }
ok "pkcs11-tool -I on the module names hkpost-p11"

# A library named but not there: a typo the user must hear about.
missing=$work/typo/libeTPkcs11.so
register "backend: $missing"
as_user p11-kit list-modules >"$work/typo.txt" 2>"$work/typo.err" || :
grep -q "cannot load backend $missing (from 'backend' in C_Initialize pReserved)" "$work/typo.err" ||
	{ show "$work/typo.err"; fail "a named, missing library: no error naming its path"; }
if grep -q "^hkpost-p11: " "$work/typo.txt"; then
	show "$work/typo.txt"
	fail "the module initialised with a named library that does not exist"
fi
ok "a named library that does not exist keeps the module out: $(grep 'cannot load backend' "$work/typo.err" | head -n 1)"
real_end

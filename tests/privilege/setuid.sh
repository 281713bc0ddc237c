#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A set-uid root program that loads hkpost-p11 (pam_p11 or pam_pkcs11 inside
# sudo or su) runs no library and reads no file that the user who started
# it chose.  A throwaway user names its own library every way the module
# knows of: ~/.config/hkpost-p11/hkpost-p11.conf in its home (which the
# module would find through the password database, HOME being hidden),
# XDG_CONFIG_HOME, HKPOST_P11_CONF and HKPOST_P11_BACKEND; its file also
# points the audit log and the counts at its own places, and a link is
# planted where the counts would go by default.  The library records the
# uid it runs with: it must never run.  What still counts: the system-wide
# configuration (a build of the module whose system paths lie in the build
# tree, so that the test can write them), the system's state directory
# (used only when it exists, root's and private), and the settings the
# program itself passes in pReserved.
#
# Needs root to make the program set-uid and the user; CI runs as root.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool pkcs11-tool useradd userdel setpriv
skip_unless_softhsm
require_shim
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: makes a set-uid root program and a throwaway user: run as root (CI does)"
	exit 77
fi

LOADER=$top_builddir/tests/privilege/setuid-loader
RECORDER=$top_builddir/tests/privilege/.libs/recorder.$SHLEXT
SYSTEM_SHIM=$top_builddir/tests/privilege/.libs/hkpost-p11-system.$SHLEXT
# The system paths built into SYSTEM_SHIM (tests/privilege.mk).
SYSTEM=$top_builddir/tests/tmp/privilege
for f in "$LOADER" "$RECORDER" "$SYSTEM_SHIM"; do
	[ -f "$f" ] || { echo "ERROR: $f is not built (run make check)" >&2; exit 99; }
done

# ---- the program: root's, set-uid, in a directory only root can write ------
chmod 0711 "$HKP11_TMP"
bin=$HKP11_TMP/bin
mkdir -m 0755 "$bin"
cp "$LOADER" "$bin/setuid-loader"
chown root:root "$bin/setuid-loader"
chmod 4755 "$bin/setuid-loader"
# A library the program itself names, in pReserved.
cp "$RECORDER" "$bin/host.$SHLEXT"

# ---- the user and what it plants -----------------------------------------------
user=hkp11-suid-$$
home=$HKP11_TMP/home
tries=0
# useradd gives up when another process holds /etc/passwd: try again.
until useradd -M -d "$home" -s /usr/sbin/nologin -U "$user" 2>useradd.err; do
	tries=$((tries + 1))
	[ "$tries" -lt 10 ] || { show useradd.err; fail "useradd $user"; }
	sleep 1
done
at_exit "for i in 1 2 3 4 5; do userdel '$user' 2>/dev/null && break; sleep 1; done; groupdel '$user' 2>/dev/null"
uid=$(id -u "$user")
gid=$(id -g "$user")
note "user $user, uid $uid"

mkdir -p "$home/.config/hkpost-p11" "$home/.local/state" "$home/xdg/hkpost-p11"
for name in home xdg conf env; do
	cp "$RECORDER" "$home/evil-$name.$SHLEXT"
done
cat >"$home/.config/hkpost-p11/hkpost-p11.conf" <<EOF
backend: $home/evil-home.$SHLEXT
state-dir: $home/evil-state
audit-file: $home/evil-audit.log
EOF
echo "backend: $home/evil-xdg.$SHLEXT" >"$home/xdg/hkpost-p11/hkpost-p11.conf"
echo "backend: $home/evil-conf.$SHLEXT" >"$home/evil.conf"
# Where counts and the audit log go by default: a link to a place of root's.
victim=$HKP11_TMP/victim
mkdir -m 0700 "$victim"
ln -s "$victim" "$home/.local/state/hkpost-p11"
chown -R "$user:$gid" "$home"
chmod 0700 "$home"

softhsm_setup
token_init setuid-test
chmod -R a+rX "$HKP11_SOFTHSM_DIR"

# as_user OUT MODULE [ARG...]: the program, started by the user with the
# environment of its choosing.
as_user ()
{
	au_out=$1
	shift
	echo "\$ (as $user) setuid-loader $*"
	setpriv --reuid="$uid" --regid="$gid" --clear-groups -- \
		env -i HOME="$home" PATH=/usr/bin:/bin USER="$user" \
		XDG_CONFIG_HOME="$home/xdg" XDG_STATE_HOME="$home/xdg-state" \
		HKPOST_P11_CONF="$home/evil.conf" HKPOST_P11_BACKEND="$home/evil-env.$SHLEXT" \
		SOFTHSM2_CONF="$SOFTHSM2_CONF" \
		"$bin/setuid-loader" "$@" >"$au_out" 2>"$au_out.err" </dev/null ||
		{ show "$au_out" "$au_out.err"; fail "setuid-loader $*"; }
}

# Nothing of the user's ran, and nothing was written as root in its home
# or through its link.
expect_untouched ()
{
	ran=$(find "$home" -name '*.ran')
	if [ -n "$ran" ]; then
		for f in $ran; do
			echo "--- $f: $(cat "$f")" >&2
		done
		fail "$1: a library of the user's ran"
	fi
	ok "$1: no library of the user's ran"
	rooted=$(find "$home" "$victim" -mindepth 1 -user 0)
	[ -z "$rooted" ] || fail "$1: written as root in the user's home: $rooted"
	ok "$1: nothing written as root in the user's home or through its link"
}

# ---- the installed module: a user's choice is never taken ---------------------
as_user plain "$HKP11_SHIM"
expect_grep "the program runs set-uid root for the user" "^uid=$uid euid=0 secure=1\$" plain
# With no system-wide backend and no SafeNet library it starts without
# slots, and says which configuration it would read.
expect_grep "the module starts without the user's library, with no slots" '^C_Initialize=0x00000000$' plain
expect_no_grep "and lists no token" '^token=' plain
expect_grep "it names the one configuration a set-uid program reads" \
	'no token library found \(tried .*the one configuration a set-uid, set-gid or privileged program reads' plain.err
expect_untouched "the installed module"

# ---- the system-wide configuration is still read ------------------------------
rm -rf "$SYSTEM"
at_exit "rm -rf '$SYSTEM'"
mkdir -p "$SYSTEM/etc/hkpost-p11"
cat >"$SYSTEM/etc/hkpost-p11/hkpost-p11.conf" <<EOF
backend: $SOFTHSM2_MODULE
EOF
chmod 0644 "$SYSTEM/etc/hkpost-p11/hkpost-p11.conf"
mkdir -m 0700 "$SYSTEM/state"
as_user system "$SYSTEM_SHIM" --login setuid-test 00000000
expect_grep "the module starts with the backend of the system-wide file" '^C_Initialize=0x00000000$' system
expect_grep "and sees the token" '^token=setuid-test' system
expect_grep "a wrong PIN is refused by the token" '^C_Login=0x000000a0$' system
state=$(find "$SYSTEM/state" -name '*.state')
[ -n "$state" ] || { show system system.err; fail "no count in the system's state directory"; }
expect_grep "the wrong PIN is counted in the system's state directory" '^failures: 1$' $state
expect_untouched "the system-wide configuration"

# Without the system's state directory the count stays in memory: the
# directory is not made, nor is any other.
rm -rf "$SYSTEM/state"
as_user memory "$SYSTEM_SHIM" --login setuid-test 00000000
expect_grep "a wrong PIN again" '^C_Login=0x000000a0$' memory
[ ! -e "$SYSTEM/state" ] || fail "the module made the system's state directory"
ok "the module does not make the system's state directory"
expect_untouched "no state directory"

# A system-wide file that others can write is refused, not read.
chmod 0666 "$SYSTEM/etc/hkpost-p11/hkpost-p11.conf"
as_user writable "$SYSTEM_SHIM"
expect_no_grep "a system file others can write stops the module" '^C_Initialize=0x00000000$' writable
expect_grep "with a message that says why" 'writable by no one else' writable.err
chmod 0644 "$SYSTEM/etc/hkpost-p11/hkpost-p11.conf"

# ---- what the program passes in pReserved is its own choice ---------------------
as_user host "$HKP11_SHIM" --reserved "backend: $bin/host.$SHLEXT"
[ -f "$bin/host.$SHLEXT.ran" ] || { show host host.err; fail "the backend named in pReserved was not loaded"; }
expect_grep "the backend the program names in pReserved is loaded, as root" \
	"^uid=$uid euid=0\$" "$bin/host.$SHLEXT.ran"
expect_untouched "pReserved"

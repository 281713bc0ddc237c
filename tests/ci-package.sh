#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# CI, after the suite (.ci/run): the Debian packages, as a user gets them.
#
#   1. dpkg-buildpackage -us -uc -b in a fresh clone of the committed tree
#      (the build dependencies from debian/control with apt-get build-dep;
#      DEB_BUILD_OPTIONS=nocheck: the suite just ran on this commit, and
#      step 3 tests the built packages themselves);
#   2. lintian on them: no error and no warning;
#   3. apt-get install ./*.deb, then debian/tests/installed (the autopkgtest);
#   4. a user's own state meanwhile: a wrong password counted and audited by
#      the installed module in a throwaway XDG_STATE_HOME;
#   5. apt-get purge: no file of the packages remains (dpkg -L before), no
#      directory of theirs that no other package owns, and the user's state
#      and logs are as they were.
# The packages are purged whatever happens.  Needs root and a machine
# where neither package is installed.  HKP11_PKG_WORK names the work
# directory (kept; else a temporary one, removed).
set -eu
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib.sh"
test_begin
work=${HKP11_PKG_WORK:-$HKP11_TMP/work}
mkdir -p "$work"
PACKAGES="hkpost-p11 hkpost-p11-pkcs11"
DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND
apt () { apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }

now () { date +%s; }
t_start=$(now)
t_last=$t_start
timings=
lap ()
{
	t=$(now)
	timings="$timings $1 $((t - t_last))s,"
	t_last=$t
}

[ "$(id -u)" -eq 0 ] || fail "tests/ci-package.sh installs packages: run it as root"
for p in $PACKAGES; do
	if dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qv '^not-installed$'; then
		fail "$p is already on this machine: remove it first (apt-get purge $p)"
	fi
done

# ---- 1. build -------------------------------------------------------------------
src=$work/hkpost-p11
rm -rf "$src"
git clone -q "$top_srcdir" "$src"
# What apt-get build-dep brings beyond tests/debian-packages.txt (such as
# libsystemd-dev) goes again at the end: the suite and tests/ci-extra.sh
# build as they did without it.
dpkg-query -W -f='${db:Status-Status} ${Package}\n' | sed -n 's/^installed //p' | sort >"$work/before-build-dep"
at_exit 'remove_build_deps'
remove_build_deps ()
{
	dpkg-query -W -f='${db:Status-Status} ${Package}\n' | sed -n 's/^installed //p' | sort >"$work/after-build-dep"
	added=$(comm -13 "$work/before-build-dep" "$work/after-build-dep" | grep -v '^hkpost-p11' || true)
	if [ -n "$added" ]; then
		# shellcheck disable=SC2086 # one word per package
		apt purge $added >"$work/remove-build-deps.log" 2>&1 || show "$work/remove-build-deps.log"
	fi
}
apt build-dep "$src" >"$work/build-dep.log" 2>&1 || { show "$work/build-dep.log"; fail "apt-get build-dep"; }
command -v lintian >/dev/null 2>&1 || apt install lintian >"$work/lintian-install.log" 2>&1
lap "build-dep"
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
	>"$work/build.log" 2>&1; then
	tail -n 60 "$work/build.log" >&2
	fail "dpkg-buildpackage -us -uc -b"
fi
changes=$(ls "$work"/hkpost-p11_*.changes)
debs=$(ls "$work"/hkpost-p11_*.deb "$work"/hkpost-p11-pkcs11_*.deb)
ok "dpkg-buildpackage -us -uc -b built $(echo "$debs" | sed 's|.*/||' | tr '\n' ' ')"
lap "build"

# ---- 2. lintian -------------------------------------------------------------------
rc=0
lintian --fail-on error,warning "$changes" >"$work/lintian.out" 2>&1 || rc=$?
echo "\$ lintian $(basename "$changes")"
sed 's/^/  | /' "$work/lintian.out"
[ "$rc" -eq 0 ] || fail "lintian reports errors or warnings (exit $rc)"
expect_no_grep "lintian: no error and no warning" '^[EW]: ' "$work/lintian.out"
lap "lintian"

# ---- 3. install and the installed-package test -----------------------------------
purge ()
{
	apt purge $PACKAGES >"$work/purge.log" 2>&1
}
at_exit 'purge || :'
# shellcheck disable=SC2086 # one word per file
(cd "$work" && apt install $(for d in $debs; do echo "./${d##*/}"; done)) >"$work/install.log" 2>&1 ||
	{ show "$work/install.log"; fail "apt-get install ./*.deb"; }
for p in $PACKAGES; do
	dpkg -L "$p" >>"$work/files"
done
ok "apt-get install ./*.deb: $(wc -l <"$work/files") paths"
rc=0
(cd "$src" && top_srcdir=$src sh debian/tests/installed) >"$work/installed.log" 2>&1 || rc=$?
sed 's/^/  | /' "$work/installed.log"
[ "$rc" -eq 0 ] || fail "debian/tests/installed failed (exit $rc)"
expect_grep "debian/tests/installed passes on the installed packages" '^# [0-9]+ checks passed$' \
	"$work/installed.log"
lap "install+test"

# ---- 4. a user's state, written by the installed module --------------------------
user=$work/user
mkdir -p "$user/state"
(
	XDG_STATE_HOME=$user/state
	export XDG_STATE_HOME
	softhsm_setup
	token_init holder
	module=$(dpkg -L hkpost-p11-pkcs11 | grep '/pkcs11/hkpost-p11\.so$')
	pkcs11-tool --module "$module" --token-label holder --login --pin 00000001 -O >/dev/null 2>&1 &&
		fail "a wrong password was accepted"
	exit 0
)
find "$user/state" -type f >"$work/state.files"
grep -q '/hkpost-p11/audit\.log$' "$work/state.files" || { show "$work/state.files"; fail "no audit log written"; }
[ "$(wc -l <"$work/state.files")" -ge 2 ] || { show "$work/state.files"; fail "no count file written"; }
ok "the installed module wrote a user's count file and audit log"
(cd "$user/state" && find . -exec ls -ld --time-style=full-iso {} + && find . -type f -exec sha256sum {} +) |
	LC_ALL=C sort >"$work/state.before"

# ---- 5. purge --------------------------------------------------------------------
purge || { show "$work/purge.log"; fail "apt-get purge"; }
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || echo not-installed)
	[ "$status" = not-installed ] || fail "$p is '$status' after apt-get purge"
done
ok "apt-get purge: neither package is known to dpkg any more"
: >"$work/left"
while IFS= read -r path; do
	if [ "$path" = /. ]; then
		continue
	elif [ -d "$path" ] && [ ! -L "$path" ]; then
		# A directory may stay only as another package's.
		dpkg-query -S "$path" >/dev/null 2>&1 || echo "$path/" >>"$work/left"
	elif [ -e "$path" ] || [ -L "$path" ]; then
		echo "$path" >>"$work/left"
	fi
done <"$work/files"
expect_same "no file or directory of the packages remains after the purge" /dev/null "$work/left"
(cd "$user/state" && find . -exec ls -ld --time-style=full-iso {} + && find . -type f -exec sha256sum {} +) |
	LC_ALL=C sort >"$work/state.after"
expect_same "the user's state and logs are untouched by the purge" "$work/state.before" "$work/state.after"
lap "purge"

echo "# ci-package:$timings total $(($(now) - t_start))s"

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ./demo.sh on a fresh machine, first run: SoftHSM is not installed when the
# demo starts (SOFTHSM2_MODULE unset, nothing where tests/lib.sh looks), and
# only its own install step makes it appear.  The demo must find it then
# and run to the end.
#
# The machine is simulated, nothing is installed: dpkg-query, apt-get and
# sudo on PATH are stand-ins, and the stand-in apt-get "installs" softhsm2
# by linking the real SoftHSM library to where the search looks
# (HKP11_SOFTHSM_SEARCH).  The demo runs in a tree of its own whose module
# and tools are this build's (a Makefile there stands in for the build,
# which is not what this test is about), in an environment as bare as a
# new login's.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool pkcs11-tool p11tool openssl
skip_unless_softhsm
require_shim
[ -x "$top_builddir/tools/hkpost-p11" ] || { echo "ERROR: tools/hkpost-p11 is not built" >&2; exit 99; }

real_softhsm=$SOFTHSM2_MODULE
fake=$HKP11_TMP/machine
mkdir -p "$fake/bin" "$fake/installed" "$fake/lib/softhsm" "$fake/home"

# ---- the stand-ins for the package tools ---------------------------------
cat >"$fake/bin/dpkg-query" <<EOF
#!/bin/sh
# dpkg-query -W -f='\${Status}\\n' PACKAGE: every package is installed but
# softhsm2, until the stand-in apt-get installs it.
for p do :; done
if [ "\$p" = softhsm2 ] && [ ! -e "$fake/installed/softhsm2" ]; then
	echo "dpkg-query: no packages found matching \$p" >&2
	exit 1
fi
echo "install ok installed"
EOF
cat >"$fake/bin/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$fake/apt.log"
for p do
	case \$p in
	softhsm2)
		touch "$fake/installed/softhsm2"
		ln -sf "$real_softhsm" "$fake/lib/softhsm/libsofthsm2.so"
		;;
	esac
done
EOF
cat >"$fake/bin/sudo" <<'EOF'
#!/bin/sh
exec "$@"
EOF
chmod +x "$fake/bin/dpkg-query" "$fake/bin/apt-get" "$fake/bin/sudo"

# ---- a clone, already built ------------------------------------------------
tree=$HKP11_TMP/clone
mkdir -p "$tree"
cp "$top_srcdir/demo.sh" "$tree/"
ln -s "$top_srcdir/tests" "$tree/tests"
ln -s "$top_builddir/module" "$tree/module"
ln -s "$top_builddir/tools" "$tree/tools"
printf '#!/bin/sh\nexit 0\n' >"$tree/configure"
chmod +x "$tree/configure"
printf 'all:\n\t@echo "(built in %s)"\n' "$top_builddir" >"$tree/Makefile"

# ---- the first run -----------------------------------------------------------
echo "\$ ./demo.sh (a fresh machine: SoftHSM appears only when apt-get installs it)"
rc=0
(
	cd "$tree"
	env -i PATH="$fake/bin:$PATH" HOME="$fake/home" TMPDIR="$HKP11_TMP" LANG=C.UTF-8 \
		HKP11_SOFTHSM_SEARCH="$fake/lib/softhsm/libsofthsm2.so" \
		sh ./demo.sh
) >demo.out 2>&1 </dev/null || rc=$?
if [ "$rc" -ne 0 ]; then
	show demo.out
	fail "the demo's first run failed (exit status $rc)"
fi
ok "the demo's first run on a fresh machine succeeds"
expect_grep "it installed softhsm2 first" '^apt-get .*install .*softhsm2' "$fake/apt.log"
expect_grep "then used the SoftHSM that the install brought" \
	"^    backend: $fake/lib/softhsm/libsofthsm2.so\$" demo.out
expect_grep "and went through to the end" '=== Done in [0-9]+s ===' demo.out
expect_no_grep "no word of a missing SoftHSM" 'SoftHSMv2 is missing' demo.out

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `make install` into a staging directory: the module lands in p11-kit's
# module directory, hkpost-p11.module in p11-kit's configs and names the
# installed module, the example configuration in $(sysconfdir)/hkpost-p11/,
# hkpost-p11-server.service in systemd's user unit directory (unless
# configured --without-systemduserunitdir), running an existing p11-kit
# with the installed module; the installed module works; `make uninstall`
# removes all of it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin
skip_unless_tool pkcs11-tool make
skip_unless_softhsm
require_shim

stage=$HKP11_TMP/stage
# Not the parent make's jobserver: this is a make of its own.
unset MAKEFLAGS MFLAGS MAKELEVEL
run install.log make -s -C "$top_builddir" install DESTDIR="$stage"

module=$(find "$stage" -name "hkpost-p11.$SHLEXT")
config=$(find "$stage" -name hkpost-p11.module)
conf=$(find "$stage" -path '*/hkpost-p11/hkpost-p11.conf')
[ -n "$module" ] || fail "no hkpost-p11.$SHLEXT installed"
[ -n "$config" ] || fail "no hkpost-p11.module installed"
[ -n "$conf" ] || fail "no hkpost-p11/hkpost-p11.conf installed"
ok "make install puts the module, its p11-kit config and the example configuration"
# By name alone when in p11-kit's own module path (p11-kit looks there,
# in its own architecture's), else by its full path.
if [ "$(dirname "${module#"$stage"}")" = "$(pkg-config --variable=p11_module_path p11-kit-1)" ]; then
	named=${module##*/}
else
	named=${module#"$stage"}
fi
expect_grep "the installed hkpost-p11.module names the installed module ($named)" \
	"^module: $named\$" "$config"
expect_same "the installed configuration is config/hkpost-p11.conf" \
	"$top_srcdir/config/hkpost-p11.conf" "$conf"

# The systemd user unit that serves the token to other machines, where
# configure put it, with paths that exist once installed.
unitdir=$(sed -n 's/^systemduserunitdir = //p' "$top_builddir/Makefile")
[ -n "$unitdir" ] || fail "no systemduserunitdir in $top_builddir/Makefile"
unit=$(find "$stage" -name hkpost-p11-server.service)
if [ "$unitdir" = no ]; then
	[ -z "$unit" ] || fail "hkpost-p11-server.service installed despite --without-systemduserunitdir: $unit"
	ok "configured --without-systemduserunitdir: no hkpost-p11-server.service installed"
else
	[ -n "$unit" ] || fail "no hkpost-p11-server.service installed"
	ok "make install puts hkpost-p11-server.service"
	sed -n 's/^ExecStart=//p' "$unit" >execstart
	[ "$(wc -l <execstart)" -eq 1 ] || { show "$unit"; fail "the unit has not one ExecStart line"; }
	set -f
	# shellcheck disable=SC2046
	set -- $(cat execstart)
	set +f
	p11kit=$1
	provider=
	while [ $# -gt 1 ]; do
		[ "$1" = --provider ] && provider=$2
		shift
	done
	[ -x "$p11kit" ] && [ "${p11kit##*/}" = p11-kit ] ||
		{ show execstart; fail "the unit's ExecStart runs no existing p11-kit ($p11kit)"; }
	ok "the installed unit runs $p11kit, which exists"
	echo "$provider" >unit.provider
	echo "${module#"$stage"}" >installed.module
	expect_same "the installed unit's --provider is the installed module" installed.module unit.provider
	# systemd's own check (is every command there, every directive known);
	# it needs no running systemd, only a runtime directory of its own.
	if command -v systemd-analyze >/dev/null 2>&1; then
		mkdir -p -m 0700 run
		if XDG_RUNTIME_DIR=$PWD/run timeout 60 systemd-analyze verify --user "$unit" >verify.txt 2>&1; then
			ok "systemd-analyze verify --user accepts the installed unit"
		elif grep -q 'Failed to initialize manager' verify.txt; then
			show verify.txt
			note "systemd-analyze cannot run a user manager here: unit not verified"
		else
			show verify.txt
			fail "systemd-analyze verify --user refuses the installed unit"
		fi
	else
		note "systemd-analyze is not installed: unit not verified"
	fi
	# Unless configure was told otherwise (distcheck is), systemd's user
	# unit directory, else PREFIX/lib/systemd/user.
	if ! grep -q -e '--with-systemduserunitdir' -e '--without-systemduserunitdir' "$top_builddir/config.status"; then
		expected=$(pkg-config --variable=systemduserunitdir systemd 2>/dev/null) ||
			expected=
		[ -n "$expected" ] ||
			expected=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")/lib/systemd/user
		echo "$expected" >expected.unitdir
		dirname "${unit#"$stage"}" >installed.unitdir
		expect_same "hkpost-p11-server.service is installed in systemd's user unit directory" \
			expected.unitdir installed.unitdir
	fi
fi

# Unless configure was told otherwise (distcheck is), the directories are
# the ones p11-kit reads.
if ! grep -q -e '--with-module-dir' -e '--with-p11-kit-config-dir' "$top_builddir/config.status"; then
	echo "${module#"$stage"}" >installed.module
	echo "$(pkg-config --variable=p11_module_path p11-kit-1)/hkpost-p11.$SHLEXT" >expected.module
	expect_same "the module is installed in p11-kit's module path" expected.module installed.module
	dirname "${config#"$stage"}" >installed.configdir
	pkg-config --variable=p11_module_configs p11-kit-1 >expected.configdir
	expect_same "hkpost-p11.module is installed in p11-kit's module configs" \
		expected.configdir installed.configdir
fi

# hkpost-p11 monitor: a systemd user unit and an XDG autostart entry, both
# off until 'hkpost-p11 register desktop'.
if grep -q '^#define HAVE_MONITOR 1' "$top_builddir/config.h"; then
	tool=$(find "$stage" -path '*/bin/hkpost-p11' -type f)
	entry=$(find "$stage" -name hkpost-p11-monitor.desktop)
	[ -n "$tool" ] || fail "no hkpost-p11 installed"
	[ -n "$entry" ] || fail "no hkpost-p11-monitor.desktop installed"
	case $entry in
	*/xdg/autostart/hkpost-p11-monitor.desktop) ok "make install puts the monitor's autostart entry in xdg/autostart" ;;
	*) fail "the autostart entry is not in an xdg/autostart directory: $entry" ;;
	esac
	expect_grep "it is hidden: off until register desktop" '^Hidden=true$' "$entry"
	expect_grep "it runs the installed tool" "^Exec=${tool#"$stage"} monitor\$" "$entry"
	if [ "$unitdir" != no ]; then
		munit=$(find "$stage" -name hkpost-p11-monitor.service)
		[ -n "$munit" ] || fail "no hkpost-p11-monitor.service installed"
		[ "$(dirname "$munit")" = "$(dirname "$unit")" ] || fail "the monitor's unit is not beside the server's"
		ok "make install puts hkpost-p11-monitor.service in the user unit directory"
		expect_grep "the unit runs the installed tool" "^ExecStart=${tool#"$stage"} monitor\$" "$munit"
		expect_grep "for the graphical session" '^WantedBy=graphical-session.target$' "$munit"
	fi
fi

# The installed module, not the one in the build tree, does the work.
softhsm_setup
token_init eToken
run list pkcs11-tool --module "$module" -L
expect_grep "the installed module shows the token" 'token label +: eToken$' list

run uninstall.log make -s -C "$top_builddir" uninstall DESTDIR="$stage"
find "$stage" -type f >left
expect_same "make uninstall removes every installed file" /dev/null left

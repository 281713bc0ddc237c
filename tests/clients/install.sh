#!/bin/sh
# `make install` into a staging directory: the module lands in p11-kit's
# module directory, hkpost-p11.module in p11-kit's configs and names the
# installed module, the example configuration in $(sysconfdir)/hkpost-p11/;
# the installed module works; `make uninstall` removes all of it.
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
expect_grep "the installed hkpost-p11.module names the installed module" \
	"^module: ${module#"$stage"}\$" "$config"
expect_same "the installed configuration is config/hkpost-p11.conf" \
	"$top_srcdir/config/hkpost-p11.conf" "$conf"

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

# The installed module, not the one in the build tree, does the work.
softhsm_setup
token_init eToken
run list pkcs11-tool --module "$module" -L
expect_grep "the installed module shows the token" 'token label +: eToken$' list

run uninstall.log make -s -C "$top_builddir" uninstall DESTDIR="$stage"
find "$stage" -type f >left
expect_same "make uninstall removes every installed file" /dev/null left

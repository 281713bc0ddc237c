#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# One version everywhere: the one configure.ac's AC_INIT sets (config.h)
# is what `hkpost-p11 --version` prints, what the module's C_GetInfo
# gives as its library version (major.minor, through pkcs11-tool -I and
# the tool's status), the manual page's, NEWS's newest entry and
# debian/changelog's upstream version.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
skip_unless_tool pkcs11-tool python3
skip_unless_softhsm
require_cli

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
[ -n "$version" ] || fail "no PACKAGE_VERSION in $top_builddir/config.h"
note "configured version: $version"
major_minor=$(echo "$version" | sed -n 's/^\([0-9]*\)\.\([0-9]*\).*/\1.\2/p')
[ -n "$major_minor" ] || fail "version $version does not start with MAJOR.MINOR"

cli v --version
expect_rc "hkpost-p11 --version exits 0" 0
echo "hkpost-p11 $version" >want
expect_same "hkpost-p11 --version prints the configured version" want v

# The module's C_GetInfo, as a PKCS#11 client reads it.
softhsm_setup
token_init eToken
run info pkcs11-tool --module "$HKP11_SHIM" -I
expect_grep "C_GetInfo: the module's library version is $major_minor" \
	"^Library +hkpost-p11 e-Cert token module \\(ver $major_minor\\)" info
expect_grep "C_GetInfo: the module's manufacturer" '^Manufacturer +The hkpost-p11 authors$' info

# The tool shows the module's and the token library's own C_GetInfo.
cli status status --json
expect_rc "status exits 0" 0
json_check status "
check(d['version'] == '$version', 'status --json: the tool version')
check(d['module']['info']['library_version'] == '$major_minor', 'status --json: the module library version')
check(d['module']['info']['description'] == 'hkpost-p11 e-Cert token module', 'status --json: the module description')
check(d['backend']['info']['manufacturer'] == 'SoftHSM', 'status --json: the token library is SoftHSM')
check(d['backend']['info']['library_version'] != '$major_minor', 'status --json: the token library has its own version')
"

# The documents that carry the version.
sed -n 's/^\.TH [^ ]* [0-9] "[^"]*" "hkpost-p11 \([^"]*\)".*/\1/p' "$top_srcdir/doc/hkpost-p11.1" >man
echo "$version" >want
expect_same "the manual page's version" want man
sed -n 's/^Version \([0-9][^ ]*\) .*/\1/p' "$top_srcdir/NEWS" | head -n 1 >news
expect_same "NEWS's newest entry" want news
sed -n '1s/^hkpost-p11 (\([^)]*\)-[^)-]*) .*/\1/p' "$top_srcdir/debian/changelog" >changelog
expect_same "debian/changelog's upstream version" want changelog

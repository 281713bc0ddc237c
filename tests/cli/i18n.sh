#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The tool speaks Traditional Chinese (zh_HK) when the locale asks for it,
# through gettext and the catalogue built from po/zh_HK.po.  A Debian
# machine without the locales package has only C and C.UTF-8; glibc honours
# LANGUAGE=zh_HK under C.UTF-8 (not under C), which is what this uses.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
require_cli
if [ ! -f "$HKPOST_P11_LOCALEDIR/zh_HK/LC_MESSAGES/hkpost-p11.mo" ]; then
	echo "SKIP: the zh_HK catalogue is not built (msgfmt, package gettext, is missing)"
	exit 77
fi
mock_setup

LANGUAGE=zh_HK
export LANGUAGE

cli help --help
expect_rc "--help in zh_HK" 0
expect_grep "the usage is in Chinese" '^用法：hkpost-p11 ' help
expect_grep "the commands are described in Chinese" 'change-pin +更改 Token 密碼' help

cli_in weak '12345678
' check-pin --pin-stdin
expect_rc "check-pin still exits 4" 4
expect_grep "the verdict is in Chinese" '^密碼不符合密碼政策。' weak
expect_grep "the special-character reason too" '須有特殊字元，例如 ! \$ # %' weak

cli status status
expect_rc "status in zh_HK" 0
expect_grep "field names in Chinese" '^設定檔 +/dev/null' status
expect_grep "the tries left in Chinese" '剩餘嘗試次數 +尚餘 15 次嘗試（共 15 次）' status
expect_grep "the summary in Chinese" '^一切正常。$' status
cli statusj status --json
json_check statusj "
check(d['tokens'][0]['guard'] == 'open', 'JSON keys and values stay the same under zh_HK')
check(d['module']['chosen_by'] == 'HKPOST_P11_MODULE', 'chosen_by is not translated in JSON')
"

cli_in wrong '87651234
Tai#Man2025
' change-pin --pin-stdin
expect_rc "a wrong password under zh_HK" 5
expect_grep "the error and the tries left in Chinese" \
	'^hkpost-p11: 錯誤：現有密碼錯誤：Token 鎖定前尚餘 14 次嘗試$' wrong.err

cli bad frobnicate
expect_grep "errors name the cause and the fix in Chinese" "不明的指令「frobnicate」" bad.err
expect_grep "and the fix" '請執行「hkpost-p11 --help」查看指令。' bad.err

# LC_ALL=C turns translation off, as glibc documents; LANGUAGE alone does
# nothing then.
LC_ALL=C cli cee --help
expect_grep "under LC_ALL=C the help is English" '^Usage: hkpost-p11 ' cee

# Without zh_HK the English text stays.
LANGUAGE=fr cli fr --help
expect_grep "a language without a catalogue gets English" '^Usage: hkpost-p11 ' fr

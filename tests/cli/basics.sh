#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hkpost-p11 without a token: --help on every command, exit statuses of bad
# usage, check-pin, and status when something is wrong (no token library,
# a bad setting, no token), each with its cause and its fix.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
. "$top_srcdir/tests/cli/common.sh"
test_begin
require_cli

# ---- help and usage -----------------------------------------------------
cli help --help
expect_rc "--help succeeds" 0
expect_grep "--help lists the commands" '^  change-pin ' help
for c in status show change-pin check-pin guard audit register unregister; do
	cli "help-$c" "$c" --help
	expect_rc "$c --help succeeds" 0
	expect_grep "$c --help shows its usage" "^Usage: hkpost-p11 $c|^Usage: hkpost-p11 (un)?register" "help-$c"
	expect_grep "$c --help tells the exit statuses" '^Exit status' "help-$c"
done
cli version --version
expect_grep "--version gives the version" '^hkpost-p11 [0-9]+\.[0-9]+' version

cli none
expect_rc "no command is a usage error" 1
cli bogus frobnicate
expect_rc "an unknown command is a usage error" 1
expect_grep "it names the command and the fix" "unknown command 'frobnicate'" bogus.err
expect_grep "and where to look" "hkpost-p11 --help" bogus.err
cli pinarg change-pin 12345678
expect_rc "a password on the command line is refused" 1
expect_grep "it says passwords never come from the command line" 'never given on the command line' pinarg.err

# ---- check-pin ---------------------------------------------------------------
cli_in strong 'Hk-Post-2024!
' check-pin --pin-stdin
expect_rc "a strong password passes check-pin" 0
expect_grep "it says so, with the policy" 'meets the policy \(at least 8 characters' strong

cli_in envelope '12345678
' check-pin --pin-stdin
expect_rc "the 8-digit envelope password fails check-pin" 4
expect_grep "it lacks upper case" '- needs an upper-case letter \(A-Z\)' envelope
expect_grep "it lacks lower case" '- needs a lower-case letter \(a-z\)' envelope
expect_grep "it lacks a special character" '- needs a special character such as ! \$ # %' envelope
expect_no_grep "its length is fine" 'needs at least' envelope

cli_in empty '' check-pin --pin-stdin
expect_rc "no input cancels check-pin" 8

cli notty check-pin
expect_rc "check-pin without a terminal is a usage error" 1
expect_grep "it says to use --pin-stdin" -- '--pin-stdin' notty.err

# The settings in force are those of the configuration file.
printf 'pin-min-length: 12\npin-require: digit\nlabels: off\n' >"$HKP11_TMP/conf"
HKPOST_P11_CONF=$HKP11_TMP/conf cli_in longer 'Hk-Post-24!
' check-pin --pin-stdin
expect_rc "pin-min-length: 12 refuses 11 characters" 4
expect_grep "with the numbers" 'needs at least 12 characters \(it has 11\)' longer

# ---- status when something is wrong ------------------------------------
# No token library anywhere: the module starts with no slots, and status
# says the library is missing, listing the paths tried.
HKPOST_P11_BACKEND= cli nobackend status
expect_rc "status without a token library exits 2" 2
expect_grep "it shows the module, which started" '^ +hkpost-p11 e-Cert token module, ' nobackend
expect_grep "and no token library" '^Token library +not found' nobackend
expect_no_grep "it does not blame a missing token" 'no token is inserted' nobackend
expect_grep "it says no token library was found, and where it looked" \
	'no token library found \(tried /usr/lib64/pkcs11/libeTPkcs11.so, ' nobackend
expect_grep "it says how to fix it" 'Fix: Install SafeNet Authentication Client' nobackend
HKPOST_P11_BACKEND= cli nobackendj status --json
expect_rc "status --json exits 2 too" 2
json_check nobackendj '
check(d["backend"]["found"] is False, "backend.found is false")
check(d["backend"]["tried"].startswith("/usr/lib64/pkcs11/libeTPkcs11.so"), "backend.tried lists the paths")
check(d["module"]["started"] is True, "module.started is true: it starts with no slots")
check(d["module"]["error"] is None, "module.error is null")
check(d["tokens"] == [], "no tokens")
check(d["problems"][0]["code"] == "no-backend", "the problem is no-backend")
check("SafeNet Authentication Client" in d["problems"][0]["fix"], "with its fix")
'

# The commands that act on a token say the same, not "no token is
# inserted": the holder has a library to install, not a token to find.
for cmd in show guard change-pin; do
	case $cmd in
	guard) args="guard release --yes" ;;
	change-pin) args="change-pin --pin-stdin" ;;
	*) args=$cmd ;;
	esac
	# shellcheck disable=SC2086 # the command's words
	HKPOST_P11_BACKEND= cli_in "nobackend-$cmd" '' $args
	expect_rc "$cmd without a token library exits 2, as status does" 2
	expect_grep "$cmd names the library and the paths tried" \
		'no token library found \(tried /usr/lib64/pkcs11/libeTPkcs11.so, ' "nobackend-$cmd.err"
	expect_no_grep "$cmd does not blame a missing token" 'no token is inserted' "nobackend-$cmd.err"
done

# A library that is not there, named in the environment.
HKPOST_P11_BACKEND=$HKP11_TMP/libnothing.so cli missing status
expect_rc "status with a missing token library exits 2" 2
expect_grep "the module's own reason is quoted" "cannot load backend $HKP11_TMP/libnothing.so" missing

# A bad setting: file, line and key.
printf '# settings\nlockout-warn: many\n' >"$HKP11_TMP/bad.conf"
HKPOST_P11_CONF=$HKP11_TMP/bad.conf cli badconf status
expect_rc "status with a bad setting exits 2" 2
expect_grep "it names the file, the line and the key" \
	"bad.conf, line 2: bad value for key 'lockout-warn'" badconf

# No token in the reader: the mock with its token taken out at once.
if [ -f "$MOCK_MODULE" ]; then
	mock_setup
	MOCK_P11_REMOVE_AFTER=1 cli notoken status
	expect_rc "status without a token exits 3" 3
	expect_grep "it says no token is inserted" 'no token is inserted' notoken
	expect_grep "and what to do" 'Fix: Insert the e-Cert token' notoken
	MOCK_P11_REMOVE_AFTER=1 cli_in notoken2 'x
' change-pin --pin-stdin
	expect_rc "change-pin without a token exits 3" 3
fi

# The manual documents every exit status the tool defines.
for n in 0 1 2 3 4 5 6 7 8 9; do
	grep -q "^\.B $n\$" "$top_srcdir/doc/hkpost-p11.1" || fail "hkpost-p11(1) does not document exit status $n"
	grep -q "= $n,.*/\*" "$top_srcdir/tools/hkpost-p11.h" || fail "tools/hkpost-p11.h defines no exit status $n"
done
ok "hkpost-p11(1) documents the exit statuses 0-9 that tools/hkpost-p11.h defines"

# --verbose adds the module's own words.
HKPOST_P11_BACKEND=$HKP11_TMP/libnothing.so cli verbose --verbose show
expect_rc "show with a missing token library exits 2" 2
expect_grep "--verbose adds what the module reported" '^The module reported:$' verbose.err
expect_grep "in its own words" "^hkpost-p11: cannot load backend $HKP11_TMP/libnothing.so" verbose.err

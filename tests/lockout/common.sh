# SPDX-License-Identifier: BSD-3-Clause
# Shared by the PIN policy and lockout shell tests (sourced after lib.sh).

# The token-flags helper: the raw CK_TOKEN_INFO as the module reports it.
TOKEN_FLAGS=$top_builddir/tests/lockout/token-flags

# p11 OUT ARG...: pkcs11-tool through the shim, stdout to OUT, stderr to
# OUT.err, the exit status in $p11_rc.  The command is echoed with every
# PIN replaced by '***': the test log must not hold a PIN either.
p11 ()
{
	p11_out=$1
	shift
	p11_echo=
	p11_hide=no
	for a in "$@"; do
		if [ "$p11_hide" = yes ]; then
			a='***'
		fi
		p11_hide=no
		case "$a" in
		--pin | --so-pin | --new-pin) p11_hide=yes ;;
		esac
		p11_echo="$p11_echo $a"
	done
	echo "\$ pkcs11-tool$p11_echo"
	p11_rc=0
	pkcs11-tool "$@" >"$p11_out" 2>"$p11_out.err" </dev/null || p11_rc=$?
}

# p11_tty OUT ARG...: the same with stderr and stdout on a terminal of
# their own (script(1)), both in OUT; each ARG must be free of quotes.
p11_tty ()
{
	p11_out=$1
	shift
	p11_echo=$(echo "$*" | sed -e 's/\(--pin\|--new-pin\|--so-pin\) [^ ]*/\1 ***/g')
	echo "\$ script -qec 'pkcs11-tool $p11_echo'"
	p11_rc=0
	script -qec "pkcs11-tool $*" /dev/null >"$p11_out" 2>&1 </dev/null || p11_rc=$?
	# The terminal ends lines with CR LF.
	tr -d '\r' <"$p11_out" >"$p11_out.txt"
	mv "$p11_out.txt" "$p11_out"
}

expect_rc ()
{
	if [ "$p11_rc" -ne "$2" ]; then
		show "$p11_out" "$p11_out.err"
		fail "$1 (exit status $p11_rc, expected $2)"
	fi
	ok "$1"
}

expect_fails ()
{
	if [ "$p11_rc" -eq 0 ]; then
		show "$p11_out" "$p11_out.err"
		fail "$1 (it succeeded)"
	fi
	ok "$1"
}

# flags_of LABEL: token-flags through the shim into flags.out.
flags_of ()
{
	"$TOKEN_FLAGS" "$HKP11_SHIM" "$1" >flags.out || { show flags.out; fail "no token $1"; }
}

# expect_no_pin WHAT PIN...: none of the PINs in any file under the state
# directory or the test's own outputs.  SoftHSM's token files are left
# out: they are SoftHSM's, and binary.
expect_no_pin ()
{
	what=$1
	shift
	for pin in "$@"; do
		if grep -rlF -- "$pin" "$HKP11_TMP" --exclude-dir=softhsm >"$HKP11_TMP/pin.hits" 2>/dev/null; then
			show "$HKP11_TMP/pin.hits"
			fail "$what: a PIN appears in the files above"
		fi
	done
	ok "$what"
}

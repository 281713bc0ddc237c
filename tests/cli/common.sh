# SPDX-License-Identifier: BSD-3-Clause
# Shared by the tests of the hkpost-p11 tool (sourced after tests/lib.sh).
#
#   cli OUT ARG...        runs the tool: stdout in OUT, stderr in OUT.err,
#                         the exit status in $cli_rc (never fails by itself)
#   cli_in OUT INPUT ARG...   the same with INPUT (a string) on stdin
#   expect_rc WHAT N      $cli_rc is N
#   pty OUT STEP... -- ARG...  the tool on a pseudo-terminal (pty-drive.py)
#   mock_setup            the mock eToken as the module's backend
#   mock_tries            the mock token's user tries left, from its state
#   json_check FILE PYTHON   asserts on the JSON document in FILE: PYTHON is
#                         a body where `d` is the document and check(cond,
#                         what) counts one check
#   expect_no_pin WHAT PIN...  no PIN in any file the test wrote

CLI=$top_builddir/tools/hkpost-p11
PTY_DRIVE=$top_srcdir/tests/cli/pty-drive.py
MOCK_MODULE=$top_builddir/tests/mock/.libs/mock-p11.$SHLEXT

# The tool loads the module and the translations of this build tree.
HKPOST_P11_MODULE=$HKP11_SHIM
HKPOST_P11_LOCALEDIR=$top_builddir/po/locale
export HKPOST_P11_MODULE HKPOST_P11_LOCALEDIR
# English unless a test asks otherwise.
LC_ALL=C.UTF-8
LANGUAGE=
export LC_ALL LANGUAGE

require_cli ()
{
	if [ ! -x "$CLI" ]; then
		echo "ERROR: $CLI is not built (run make first)" >&2
		exit 99
	fi
	require_shim
}

cli ()
{
	cli_out=$1
	shift
	echo "\$ hkpost-p11 $*"
	cli_rc=0
	"$CLI" "$@" >"$cli_out" 2>"$cli_out.err" </dev/null || cli_rc=$?
}

# cli_in OUT INPUT ARG...: INPUT may hold passwords: it is not echoed.
cli_in ()
{
	cli_out=$1
	cli_input=$2
	shift 2
	echo "\$ (input) | hkpost-p11 $*"
	cli_rc=0
	printf '%s' "$cli_input" | "$CLI" "$@" >"$cli_out" 2>"$cli_out.err" || cli_rc=$?
}

expect_rc ()
{
	if [ "$cli_rc" -ne "$2" ]; then
		show "$cli_out" "$cli_out.err"
		fail "$1 (exit status $cli_rc, expected $2)"
	fi
	ok "$1"
}

# pty OUT STEP... -- ARG...: the tool's arguments follow "--".
pty ()
{
	cli_out=$1
	shift
	echo "\$ pty-drive.py $*" | sed 's/ -- / -- hkpost-p11 /'
	# The same arguments with the tool's path after "--".
	pty_first=yes
	pty_seen=no
	for a do
		if [ "$pty_first" = yes ]; then
			set --
			pty_first=no
		fi
		if [ "$pty_seen" = no ] && [ "$a" = -- ]; then
			set -- "$@" -- "$CLI"
			pty_seen=yes
		else
			set -- "$@" "$a"
		fi
	done
	cli_rc=0
	python3 "$PTY_DRIVE" --timeout 15 "$@" >"$cli_out" 2>"$cli_out.err" </dev/null || cli_rc=$?
	if [ "$cli_rc" -eq 124 ] || [ "$cli_rc" -eq 125 ]; then
		show "$cli_out" "$cli_out.err"
		fail "the terminal session did not go as expected"
	fi
}

mock_setup ()
{
	[ -f "$MOCK_MODULE" ] || { echo "ERROR: $MOCK_MODULE is not built" >&2; exit 99; }
	HKPOST_P11_BACKEND=$MOCK_MODULE
	MOCK_P11_ETOKEN=1
	MOCK_P11_STATE=$HKP11_TMP/mock.state
	export HKPOST_P11_BACKEND MOCK_P11_ETOKEN MOCK_P11_STATE
}

# The mock writes its state on the first change; before that the token
# has every try.
mock_tries ()
{
	if [ -f "$MOCK_P11_STATE" ]; then
		sed -n 's/^user-tries //p' "$MOCK_P11_STATE"
	else
		echo "${MOCK_P11_USER_TRIES:-15}"
	fi
}

expect_tries ()
{
	got=$(mock_tries)
	[ "$got" = "$2" ] || fail "$1 (the token has $got tries left, expected $2)"
	ok "$1"
}

json_check ()
{
	json_file=$1
	cat >"$HKP11_TMP/json-check.py" <<EOF
import json, sys
n = 0
def check(cond, what):
    global n
    if not cond:
        print("not ok - " + what, file=sys.stderr)
        print(json.dumps(d, indent=1, ensure_ascii=False), file=sys.stderr)
        sys.exit(1)
    n += 1
    print("ok - " + what)
d = json.load(open(sys.argv[1], encoding="utf-8"))
$2
print("# %d JSON checks" % n)
EOF
	if ! python3 "$HKP11_TMP/json-check.py" "$json_file" >"$HKP11_TMP/json-check.out" 2>&1; then
		show "$HKP11_TMP/json-check.out"
		fail "JSON of $json_file"
	fi
	cat "$HKP11_TMP/json-check.out"
	json_n=$(sed -n 's/^# \([0-9]*\) JSON checks$/\1/p' "$HKP11_TMP/json-check.out")
	HKP11_CHECKS=$((HKP11_CHECKS + json_n))
}

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

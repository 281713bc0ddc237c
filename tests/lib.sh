# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for the shell tests and the demo (POSIX sh, sourced).
#
#   . "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
#   test_begin                      # private temp dir, cleanup, check counter
#   skip_unless_tool pkcs11-tool    # exit 77 (skip) when a tool is absent
#   skip_unless_softhsm
#   softhsm_find                    # looks for SoftHSM again (after installing it)
#   require_shim                    # the built module, else a hard error
#   softhsm_setup                   # private SOFTHSM2_CONF; shim's backend
#   token_init eToken               # fresh token, PINs $HKP11_SO_PIN / $HKP11_PIN
#   ecert_load eToken               # a Hongkong Post e-Cert (fixture) and its key
#   run out pkcs11-tool ...         # stdout to out, stderr to out.err; fails loudly
#   expect_same "what" a b          # and expect_grep, expect_no_grep, ok
#
# Each `ok` (and each expect_*) counts one check that really ran.  A test
# that exits 0 without any fails with 99: a test that checked nothing has
# not passed.  HKP11_KEEP=1 keeps the temporary directory for a post-mortem.

set -eu

: "${top_srcdir:?top_srcdir must name the source tree}"
: "${top_builddir:=$top_srcdir}"
# Absolute, since tests run in their own temporary directory.
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
if [ -z "${SHLEXT:-}" ]; then
	case "$(uname -s)" in
	Darwin) SHLEXT=dylib ;;
	*) SHLEXT=so ;;
	esac
fi

# The module under test, as libtool leaves it in the build tree.
HKP11_SHIM=$top_builddir/module/.libs/hkpost-p11.$SHLEXT

# SoftHSMv2 stands in for the SafeNet library: configure found it, else
# softhsm_find looks in HKP11_SOFTHSM_SEARCH (paths and patterns, separated
# by blanks).  What it finds now predates any package installed after this
# file is sourced: run softhsm_find again then (demo.sh does).
: "${HKP11_SOFTHSM_SEARCH:=/usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.$SHLEXT}"
softhsm_find ()
{
	if [ -n "${SOFTHSM2_MODULE:-}" ]; then
		return 0
	fi
	# shellcheck disable=SC2086 # words, and patterns to expand
	for f in $HKP11_SOFTHSM_SEARCH; do
		if [ -f "$f" ]; then
			SOFTHSM2_MODULE=$f
			return 0
		fi
	done
	return 1
}
softhsm_find || :
: "${SOFTHSM2_MODULE:=}"

# The holder's PIN as printed in the Hongkong Post envelope: 8 digits.
: "${HKP11_PIN:=12345678}"
: "${HKP11_SO_PIN:=87654321}"

HKP11_CHECKS=0
HKP11_COUNT_CHECKS=no
HKP11_AT_EXIT=
HKP11_TMP=

# --- reporting ---------------------------------------------------------

note ()
{
	echo "# $*"
}

ok ()
{
	HKP11_CHECKS=$((HKP11_CHECKS + 1))
	echo "ok $HKP11_CHECKS - $*"
}

fail ()
{
	echo "not ok - $*" >&2
	exit 1
}

# Shows a file in the log, indented, when a check about it failed.
show ()
{
	for f in "$@"; do
		if [ -s "$f" ]; then
			echo "--- $f" >&2
			sed -e 's/^/  | /' "$f" >&2
		fi
	done
}

# --- set-up and clean-up -----------------------------------------------

# Runs CMD (a string for eval) when the script exits, however it exits.
at_exit ()
{
	HKP11_AT_EXIT="$1; $HKP11_AT_EXIT"
}

hkp11_on_exit ()
{
	rc=$?
	set +e
	eval "$HKP11_AT_EXIT"
	if [ -n "$HKP11_TMP" ]; then
		if [ -n "${HKP11_KEEP:-}" ]; then
			echo "# kept $HKP11_TMP" >&2
		else
			rm -rf "$HKP11_TMP"
		fi
	fi
	if [ "$rc" -eq 0 ] && [ "$HKP11_COUNT_CHECKS" = yes ]; then
		if [ "$HKP11_CHECKS" -eq 0 ]; then
			echo "ERROR: $0 ran no check" >&2
			rc=99
		else
			echo "# $HKP11_CHECKS checks passed"
		fi
	fi
	exit "$rc"
}

# A private temporary directory, removed on exit, and a private XDG world,
# so that nothing reads or writes the user's own configuration or state.
tmp_begin ()
{
	HKP11_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hkp11.XXXXXX")
	trap hkp11_on_exit EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$HKP11_TMP/config" "$HKP11_TMP/state" "$HKP11_TMP/cache"
	XDG_CONFIG_HOME=$HKP11_TMP/config
	XDG_STATE_HOME=$HKP11_TMP/state
	XDG_CACHE_HOME=$HKP11_TMP/cache
	: "${HKPOST_P11_CONF:=/dev/null}"
	export XDG_CONFIG_HOME XDG_STATE_HOME XDG_CACHE_HOME HKPOST_P11_CONF
}

# A test runs in its temporary directory and counts its checks.
test_begin ()
{
	HKP11_COUNT_CHECKS=yes
	tmp_begin
	cd "$HKP11_TMP"
	note "$0: temporary directory $HKP11_TMP"
}

skip_unless_tool ()
{
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "SKIP: $t is not installed (see tests/debian-packages.txt)"
			exit 77
		fi
	done
}

skip_unless_softhsm ()
{
	if [ -z "$SOFTHSM2_MODULE" ] || [ ! -f "$SOFTHSM2_MODULE" ]; then
		echo "SKIP: SoftHSMv2 is not installed (package softhsm2)"
		exit 77
	fi
	skip_unless_tool softhsm2-util
}

require_shim ()
{
	if [ ! -f "$HKP11_SHIM" ]; then
		echo "ERROR: $HKP11_SHIM is not built (run make first)" >&2
		exit 99
	fi
}

# --- running commands --------------------------------------------------

# run OUT CMD [ARG...]: runs CMD with stdout in OUT and stderr in OUT.err.
# A non-zero exit fails the test and shows both.
run ()
{
	run_out=$1
	shift
	echo "\$ $*"
	run_rc=0
	"$@" >"$run_out" 2>"$run_out.err" </dev/null || run_rc=$?
	if [ "$run_rc" -ne 0 ]; then
		show "$run_out" "$run_out.err"
		fail "exit status $run_rc: $*"
	fi
}

expect_same ()
{
	if ! diff -u "$2" "$3" >"$HKP11_TMP/diff.out" 2>&1; then
		show "$HKP11_TMP/diff.out"
		fail "$1"
	fi
	ok "$1"
}

# expect_grep WHAT ERE FILE...
expect_grep ()
{
	what=$1
	re=$2
	shift 2
	if ! grep -Eq -- "$re" "$@"; then
		show "$@"
		fail "$what (no line matches /$re/)"
	fi
	ok "$what"
}

expect_no_grep ()
{
	what=$1
	re=$2
	shift 2
	if grep -E -- "$re" "$@" >"$HKP11_TMP/grep.out"; then
		show "$HKP11_TMP/grep.out"
		fail "$what (unexpected lines match /$re/)"
	fi
	ok "$what"
}

# --- SoftHSM tokens ----------------------------------------------------

# A SoftHSM of our own: its own softhsm2.conf and token directory, and the
# shim pointed at it as its backend.
softhsm_setup ()
{
	HKP11_SOFTHSM_DIR=$HKP11_TMP/softhsm
	mkdir -p "$HKP11_SOFTHSM_DIR/tokens"
	cat >"$HKP11_SOFTHSM_DIR/softhsm2.conf" <<EOF
directories.tokendir = $HKP11_SOFTHSM_DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
	SOFTHSM2_CONF=$HKP11_SOFTHSM_DIR/softhsm2.conf
	HKPOST_P11_BACKEND=$SOFTHSM2_MODULE
	export SOFTHSM2_CONF HKPOST_P11_BACKEND
}

# token_init LABEL: a fresh token in SoftHSM's free slot.
token_init ()
{
	softhsm2-util --init-token --free --label "$1" \
		--so-pin "$HKP11_SO_PIN" --pin "$HKP11_PIN" >/dev/null
}

# The e-Cert fixtures of tests/fixtures/make-ecerts.sh: those `make check`
# generated in the build tree, else a fresh set here.  Sets ECERT_DIR.
ecert_fixtures ()
{
	if [ -f "$top_builddir/tests/fixtures/ecerts/fixtures.txt" ]; then
		ECERT_DIR=$top_builddir/tests/fixtures/ecerts
	elif [ -z "${ECERT_DIR:-}" ]; then
		ECERT_DIR=$HKP11_TMP/ecerts
		sh "$top_srcdir/tests/fixtures/make-ecerts.sh" "$ECERT_DIR" >"$HKP11_TMP/make-ecerts.log" 2>&1 ||
			{ show "$HKP11_TMP/make-ecerts.log"; fail "tests/fixtures/make-ecerts.sh"; }
	fi
}

# ecert_load TOKEN [NAME]: puts the e-Cert fixture NAME (default "personal",
# a Personal e-Cert of CHAN TAI MAN) on the token the way SafeNet's client
# leaves it: certificate and private key sharing a CKA_ID and a container
# label, no public-key object.  Sets ECERT_CERT (PEM), ECERT_ID (hex CKA_ID)
# and ECERT_ID_URI (the same for a PKCS#11 URI: %XX%XX..., as GnuTLS writes it).
ecert_load ()
{
	ecert_fixtures
	ecert_name=${2:-personal}
	ECERT_CERT=$ECERT_DIR/$ecert_name.pem
	sh "$top_srcdir/tests/fixtures/load-token.sh" --module "$SOFTHSM2_MODULE" \
		--token "$1" --pin "$HKP11_PIN" "$ECERT_DIR" "$ecert_name" \
		>"$HKP11_TMP/load-token.log" 2>&1 ||
		{ show "$HKP11_TMP/load-token.log"; fail "tests/fixtures/load-token.sh $ecert_name"; }
	ECERT_ID=$(pkcs11-tool --module "$SOFTHSM2_MODULE" --token-label "$1" -O --type cert 2>/dev/null |
		sed -n 's/^ *ID: *//p' | head -n 1)
	[ -n "$ECERT_ID" ] || fail "no certificate on token $1 after loading $ecert_name"
	ECERT_ID_URI=$(echo "$ECERT_ID" | tr a-f A-F | sed 's/../%&/g')
}

# --- quick start: packages and the in-tree build -----------------------

# The Debian packages from tests/debian-packages.txt, one per line.
debian_packages ()
{
	package_list "$top_srcdir/tests/debian-packages.txt"
}

# Those that Debian 12 has only in bookworm-backports (.ci/run installs
# them from there; the demo needs none).
debian_backports ()
{
	package_list "$top_srcdir/tests/debian-backports.txt"
}

# package_list FILE: one package a line, without comments and blanks.
package_list ()
{
	sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$1"
}

# Those not installed yet.
debian_packages_missing ()
{
	for p in $(debian_packages); do
		if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
			echo "$p"
		fi
	done
}

# apt-get as root, through sudo otherwise.
as_root ()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "Not root and no sudo: run as root: $*" >&2
		return 1
	fi
}

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The audit log on a disk that fills up, through the built module with
# pkcs11-tool and read back with `hkpost-p11 audit verify`.  The log lives
# on a 64 KiB tmpfs in a mount namespace of the test's own.
#
# - A program that writes while the disk is full leaves no record cut short
#   (before, half a record stayed, the next program's first record was glued
#   to it, and verify called the log edited: exit 7).
# - A record cut short anyway (a program killed in the middle of its write)
#   is closed with a newline by the next program, which says so in an
#   audit-log-torn-tail record; verify names it a torn write and exits 10.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

# Into a mount namespace of our own first: the tmpfs goes with it.  As
# root a mount namespace will do; otherwise the root of a user namespace.
if [ -z "${HKP11_IN_MOUNT_NS:-}" ]; then
	skip_unless_tool unshare
	HKP11_IN_MOUNT_NS=1
	export HKP11_IN_MOUNT_NS top_srcdir top_builddir
	if [ "$(id -u)" = 0 ]; then
		exec unshare --mount --propagation private sh "$0" "$@"
	fi
	exec unshare --user --map-root-user --mount --propagation private sh "$0" "$@"
fi

test_begin
skip_unless_tool pkcs11-tool
skip_unless_softhsm
require_shim

softhsm_setup
token_init eToken
CLI=$top_builddir/tools/hkpost-p11

disk=$HKP11_TMP/disk
mkdir "$disk"
mount -t tmpfs -o size=64k tmpfs "$disk" || fail "cannot mount a tmpfs on $disk"
at_exit "umount -l '$disk'"
ok "a 64 KiB tmpfs holds the log"

log=$disk/audit.log
# JSON: a record cut anywhere shows, its braces do not close.
printf 'audit-file: %s\naudit: calls\naudit-format: json\n' "$log" >hkp11.conf
HKPOST_P11_CONF=$HKP11_TMP/hkp11.conf
export HKPOST_P11_CONF

lists=0
list ()
{
	lists=$((lists + 1))
	pkcs11-tool --module "$HKP11_SHIM" -L >"list$lists" 2>"list$lists.err" </dev/null ||
		{ show "list$lists" "list$lists.err"; fail "pkcs11-tool -L through the shim ($1)"; }
}

ends_in_newline ()
{
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]
}

verify ()
{
	verify_out=$1
	shift
	verify_rc=0
	"$CLI" audit verify "$@" >"$verify_out" 2>"$verify_out.err" </dev/null || verify_rc=$?
}

# Some records while there is room; the file ends inside a page, so that
# the last page has room for part of the next records but not for all.
list "room"
while [ $(($(stat -c %s "$log") % 4096)) -eq 0 ]; do
	list "room"
done
[ -s "$log" ] || fail "no audit log on the tmpfs"
ok "the module wrote its records while there was room"

# The disk fills up; a program writes its records.
dd if=/dev/zero of="$disk/filler" bs=4096 >/dev/null 2>&1 || true
list "disk full"
ok "the token works with the disk full (audit-failure: continue)"
expect_grep "the program was told the log cannot be written" \
	'audit log .* cannot be written \(No space left on device\)' "list$lists.err"
if ! ends_in_newline "$log"; then
	tail -c 300 "$log" | od -c | tail -n 5 >tail.txt
	show tail.txt
	fail "the full disk left a record cut short at the end of the log"
fi
ok "the full disk left no record cut short"

# Room again: the next program's records start on lines of their own.
rm -f "$disk/filler"
list "room again"
cp "$log" audit.log.copy
verify full audit.log.copy
if [ "$verify_rc" -ne 0 ]; then
	show full full.err
	fail "audit verify after the disk was full (exit $verify_rc, expected 0)"
fi
ok "audit verify finds the log intact after the disk was full"
expect_no_grep "no line is cut short or glued" 'cut short|not a complete|edited' full

# A program killed in the middle of its write: the last record cut short.
size=$(stat -c %s "$log")
truncate -s $((size - 40)) "$log"
list "after a cut"
ends_in_newline "$log" || fail "the log does not end in a newline"
expect_grep "the next program noted the torn tail" '"event":"audit-log-torn-tail"' "$log"
verify torn "$log"
if [ "$verify_rc" -ne 10 ]; then
	show torn torn.err
	fail "audit verify on a torn record (exit $verify_rc, expected 10)"
fi
ok "audit verify exits 10 for a torn write"
expect_grep "it names the torn write" 'a torn write, not an edit' torn
expect_grep "and sees no sign of tampering" '^The audit log shows no sign of tampering' torn
expect_no_grep "it calls nothing edited" 'NOT intact|was edited|not a complete' torn

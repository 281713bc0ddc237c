#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every C source of the tree is as clang-format writes it with the tree's
# .clang-format: `clang-format --dry-run -Werror` over the files git tracks
# (in a release tarball, those `make dist` listed).  Then that the check
# sees a file that differs, so that it cannot pass by checking nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_begin
skip_unless_tool clang-format

# The C files of the tree, one a line, relative to top_srcdir.
c_files ()
{
	if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
		[ "$(cd "$(git -C "$top_srcdir" rev-parse --show-toplevel)" && pwd)" = "$(cd "$top_srcdir" && pwd)" ]; then
		git -C "$top_srcdir" ls-files '*.c' '*.h'
	elif [ -f "$top_srcdir/build-aux/dist-files" ]; then
		grep -e '\.[ch]$' "$top_srcdir/build-aux/dist-files" | grep -v '^config\.h'
	else
		fail "$top_srcdir is neither a git checkout nor a release tarball: its C files cannot be listed"
	fi
}

c_files >files.txt
n=$(wc -l <files.txt)
[ "$n" -ge 150 ] || { show files.txt; fail "only $n C files listed: the tree was not listed"; }
ok "the check lists the tree's C files ($n)"

# clang-format reads .clang-format from the directory of each file upwards.
rc=0
(cd "$top_srcdir" && xargs clang-format --dry-run -Werror <"$OLDPWD/files.txt") >format.out 2>&1 || rc=$?
[ "$rc" -eq 0 ] || { head -n 60 format.out; fail "files differ from .clang-format: run clang-format -i on them"; }
ok "every C file is as clang-format writes it"

# A file out of shape is caught.
mkdir -p t
cp "$top_srcdir/.clang-format" t/
printf 'int\nf (void)\n{\n  return  0 ;\n}\n' >t/bad.c
if (cd t && clang-format --dry-run -Werror bad.c) >bad.out 2>&1; then
	fail "clang-format --dry-run -Werror passed a file out of shape"
fi
expect_grep "the check names a file out of shape" 'bad\.c' bad.out

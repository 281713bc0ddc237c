#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every source file names its license (BSD-3-Clause, LICENSE) in its first
# line: build-aux/spdx-headers.sh --check over the whole tree, so that a
# new file without the line fails here.  Then the script itself, on a
# scratch tree: it finds each kind of file that lacks the line, adds the
# line after a shebang and nowhere else, keeps modes, leaves exceptions
# alone, and refuses a file whose kind it does not know.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
test_begin
script=$top_srcdir/build-aux/spdx-headers.sh
ID='SPDX-License-Identifier: BSD-3-Clause'

# --- the source tree ------------------------------------------------------
rc=0
sh "$script" --check --root "$top_srcdir" >tree.out 2>&1 || rc=$?
if [ "$rc" -eq 3 ]; then
	# Neither a git checkout nor a release tarball: nothing says which
	# files are the sources (git is not installed here).
	show tree.out
	skip_unless_tool git
	fail "the source tree's files cannot be listed"
fi
[ "$rc" -eq 0 ] || { show tree.out; fail "files without the license line (run build-aux/spdx-headers.sh)"; }
expect_grep "every source file of the tree carries the license line" \
	'^[0-9]+ files checked, 0 without the license line, 0 of unknown kind$' tree.out
n=$(sed -n 's/^\([0-9]*\) files checked.*/\1/p' tree.out)
[ "$n" -ge 200 ] || { show tree.out; fail "only $n files checked: the tree was not listed"; }
ok "the check saw the whole tree ($n files)"

# --- the script, on a scratch tree ---------------------------------------
mkdir -p t/tests/fuzz/corpus/x t/doc
printf '#include <stdio.h>\n' >t/a.c
printf '#!/bin/sh\necho hi\n' >t/s.sh
chmod 755 t/s.sh
printf '#!/usr/bin/env python3\n"""Doc."""\n' >t/p.py
printf 'AC_INIT([x], [1])\n' >t/configure.ac
printf '.TH X 1\n' >t/doc/x.1
printf '# Title\n' >t/README.md
printf 'seed\001\000' >t/tests/fuzz/corpus/x/seed
printf 'hello\n' >t/notes.xyz
files='a.c s.sh p.py configure.ac doc/x.1 README.md tests/fuzz/corpus/x/seed'
cp -R t before

rc=0
# shellcheck disable=SC2086 # one word per file
sh "$script" --check --root t $files >check.out 2>&1 || rc=$?
[ "$rc" -eq 1 ] || { show check.out; fail "--check exits $rc with files lacking the line, not 1"; }
expect_grep "--check counts the six files without the line" \
	'^6 files checked, 6 without the license line, 0 of unknown kind$' check.out
expect_no_grep "--check leaves the fuzz seed alone (an exception)" 'corpus' check.out
diff -r before t >/dev/null || fail "--check changed files"
ok "--check changes nothing"

# shellcheck disable=SC2086
run add.out sh "$script" --root t $files
printf '/* %s */\n#include <stdio.h>\n' "$ID" >want
expect_same "C: a comment line first" want t/a.c
printf '#!/bin/sh\n# %s\necho hi\n' "$ID" >want
expect_same "shell: the shebang stays first, the line after it" want t/s.sh
[ -x t/s.sh ] || fail "s.sh lost its execute bit"
ok "a script stays executable"
printf '#!/usr/bin/env python3\n# %s\n"""Doc."""\n' "$ID" >want
expect_same "python: after the shebang, the docstring still first" want t/p.py
printf 'dnl %s\nAC_INIT([x], [1])\n' "$ID" >want
expect_same "configure.ac: an m4 comment" want t/configure.ac
printf '.\\" %s\n.TH X 1\n' "$ID" >want
expect_same "manual page: a roff comment" want t/doc/x.1
printf '<!-- %s -->\n# Title\n' "$ID" >want
expect_same "Markdown: an HTML comment" want t/README.md
expect_same "the fuzz seed is left as it was" before/tests/fuzz/corpus/x/seed t/tests/fuzz/corpus/x/seed

# shellcheck disable=SC2086
run again.out sh "$script" --root t $files
expect_no_grep "a second run adds nothing" 'added' again.out
# shellcheck disable=SC2086
run recheck.out sh "$script" --check --root t $files
expect_grep "then --check passes" '^6 files checked, 0 without' recheck.out

rc=0
sh "$script" --check --root t notes.xyz >unknown.out 2>&1 || rc=$?
[ "$rc" -ne 0 ] || { show unknown.out; fail "a file of unknown kind passed --check"; }
expect_grep "a file of unknown kind is refused, with what to do" \
	'no comment syntax known for notes.xyz: add one' unknown.out

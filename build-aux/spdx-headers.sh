#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every source file says its license in its first line (after a shebang):
#
#   build-aux/spdx-headers.sh            add the line to every file that lacks it
#   build-aux/spdx-headers.sh FILE...    only to these files
#   build-aux/spdx-headers.sh --check    list the files that lack it; exit 1 if any
#   --root DIR                           the source tree (default: this script's)
#
# The files are those git tracks, or, in a release tarball, those `make
# dist` put in it, less what autotools generated (exit 3: neither).  A
# file whose kind has no comment syntax here is an error, so that a new
# kind of file cannot slip past: add its comment style below, or an
# exception with the reason.
set -eu

ID='SPDX-License-Identifier: BSD-3-Clause'

check=no
root=$(cd "$(dirname "$0")/.." && pwd)
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=yes ;;
	--root)
		root=$(cd "$2" && pwd)
		shift
		;;
	-h | --help)
		sed -n '3,15s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	--) shift; break ;;
	-*)
		echo "spdx-headers.sh: unknown option $1" >&2
		exit 2
		;;
	*) break ;;
	esac
	shift
done
cd "$root"

# Files that cannot hold a comment, or are the licensing record itself.
# debian/copyright covers them all.
exception ()
{
	case $1 in
	LICENSE) echo "the license text itself" ;;
	AUTHORS | NEWS | debian/README.Debian | tests/fuzz/findings/README)
		echo "plain text with no comment syntax" ;;
	debian/copyright) echo "the machine-readable licensing statement itself" ;;
	debian/changelog) echo "dpkg's changelog format has no comments" ;;
	debian/source/format) echo "dpkg reads its one line, comments not allowed" ;;
	tests/fuzz/corpus/*) echo "fuzzer seed inputs: a comment would change the input" ;;
	*.png) echo "an image, made by a test: no comment syntax" ;;
	*) return 1 ;;
	esac
}

# The line a file of this kind carries.
header_for ()
{
	case $1 in
	*.c | *.h) echo "/* $ID */" ;;
	*.md) echo "<!-- $ID -->" ;;
	*.1) echo ".\\\" $ID" ;;
	configure.ac) echo "dnl $ID" ;;
	*.sh | *.py | *.mk | Makefile.am | *.conf | *.module.in | *.service.in | *.desktop.in | *.supp | *.txt | \
		*.po | *.pot | po/POTFILES | .gitignore | .clang-format | .ci/run | \
		debian/rules | debian/control | debian/tests/control | debian/tests/* | \
		debian/*.install | debian/*.lintian-overrides | debian/*.docs | debian/not-installed | \
		debian/source/lintian-overrides | debian/upstream/metadata | debian/gbp.conf)
		echo "# $ID" ;;
	*)
		# A script of any name: a shell-style comment after its shebang.
		if head -c 2 "$1" 2>/dev/null | grep -q '^#!'; then
			echo "# $ID"
		else
			return 1
		fi
		;;
	esac
}

# Line 1 may be a shebang or a manual page's preprocessor line; the
# license line comes right after it.
has_header ()
{
	first=$(sed -n 1p "$1")
	case $first in
	'#!'* | "'\\\""*) sed -n 2p "$1" | grep -qF "$ID" ;;
	*) printf '%s\n' "$first" | grep -qF "$ID" ;;
	esac
}

add_header ()
{
	line=$1
	file=$2
	tmp="$file.spdx-tmp"
	case $(sed -n 1p "$file") in
	'#!'* | "'\\\""*)
		{ sed -n 1p "$file"; printf '%s\n' "$line"; sed 1d "$file"; } >"$tmp" ;;
	*)
		{ printf '%s\n' "$line"; cat "$file"; } >"$tmp" ;;
	esac
	# Keep the file's mode (scripts stay executable).
	chmod "$(stat -c %a "$file")" "$tmp"
	mv -f "$tmp" "$file"
	echo "added: $file"
}

source_files ()
{
	top=$(git rev-parse --show-toplevel 2>/dev/null || true)
	if [ -n "$top" ] && [ "$(cd "$top" && pwd)" = "$root" ]; then
		git ls-files
		return
	fi
	# A release tarball: the files `make dist` put in it (its dist-hook
	# lists them), less the ones autotools generated.
	if [ -f build-aux/dist-files ]; then
		grep -v -e '^m4/' -e '^build-aux/' -e '^configure$' -e '^aclocal\.m4$' \
			-e '^config\.h\.in$' -e '\(^\|/\)Makefile\.in$' build-aux/dist-files || true
		echo build-aux/spdx-headers.sh
		return
	fi
	echo "spdx-headers.sh: $root is neither a git checkout (with git installed) nor a release tarball" >&2
	exit 3
}

if [ $# -eq 0 ]; then
	files=$(source_files)
	set -- $files
fi

missing=0
unknown=0
checked=0
for f in "$@"; do
	[ -f "$f" ] || continue
	if exception "$f" >/dev/null; then
		continue
	fi
	checked=$((checked + 1))
	if ! line=$(header_for "$f"); then
		echo "no comment syntax known for $f: add one to build-aux/spdx-headers.sh, or an exception with its reason" >&2
		unknown=$((unknown + 1))
		continue
	fi
	if has_header "$f"; then
		continue
	fi
	if [ "$check" = yes ]; then
		echo "no '$ID' line at the top of $f"
		missing=$((missing + 1))
	else
		add_header "$line" "$f"
	fi
done

if [ "$check" = yes ]; then
	echo "$checked files checked, $missing without the license line, $unknown of unknown kind"
	[ "$missing" -eq 0 ] && [ "$unknown" -eq 0 ]
else
	[ "$unknown" -eq 0 ]
fi

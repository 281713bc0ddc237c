#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# A quick run of the benchmark (a few rounds, twenty certificates), so that it
# cannot rot: it must run to the end over the null backend and print the
# tables with a number for the direct call and for hkpost-p11.  Not timed:
# the figures of a quick run mean nothing.
set -eu

bench="${top_builddir:-.}/bench/hkpost-p11-bench"
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

if ! "$bench" --quick >"$out" 2>"$err"; then
	echo "the benchmark failed:" >&2
	cat "$err" "$out" >&2
	exit 1
fi

fail=0
expect() {
	if grep -qE -- "$1" "$out"; then
		echo "ok: $2"
	else
		echo "FAIL: $2 (no line matching: $1)" >&2
		fail=1
	fi
}

num='[0-9]+(\.[0-9]+)?( µs)?'
expect '^### Backend: null' "a table for the null backend"
# Each operation: a number for direct, then hkpost-p11 off and defaults with
# a difference and a ratio.
cell="$num \\([+−]$num, [0-9]+\\.[0-9]+×\\)"
for op in 'C_GetSessionInfo \| 1' 'C_GetAttributeValue\(CKA_LABEL\) \| 20' \
	'C_FindObjects cycle \| 20' 'find \+ read every label \| 20' \
	'C_GenerateRandom\(32\) \| 1' 'C_SignInit \+ C_Sign RSA-2048 \| 1'; do
	expect "^\\| $op \\| $num \\| $cell \\| $cell \\|" "$op: direct, off and defaults measured"
done
expect '^\| C_GetSessionInfo \| 20 \| [0-9.]+× ' "two threads against one"
expect '^\| holding 20 certificates \| [0-9.]+ MiB \| [0-9.]+ MiB \([+-][0-9.]+ MiB\)' \
	"peak memory, direct and shim"
expect '^### Targets' "the targets table"
expect '^\| Overhead over the null backend, every layer off \| ≤ 10 ns/call \| C_GetSessionInfo' \
	"the first target has a measured value"

if [ -n "${SOFTHSM2_MODULE:-}" ] && [ -f "$SOFTHSM2_MODULE" ]; then
	expect '^### Backend: SoftHSMv2' "a table for SoftHSM"
fi

# The run leaves nothing behind in the scratch directory.
if grep -q 'kept ' "$err"; then
	echo "FAIL: scratch directory kept" >&2
	fail=1
fi
exit $fail

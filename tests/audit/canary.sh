#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The canary: runs after every other test (see tests/audit.mk) and looks
# through every audit log the suite left in the build tree for the suite's
# PINs and its marked test data.  The PINs are read from the test sources
# themselves (#define ..._PIN "..." and tests/lib.sh), so that a new test's
# PIN is covered without anyone remembering to list it here.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
test_begin

where="$top_builddir/tests/tmp"
: >secrets
# PINs named in C tests and benches, and the shell tests' defaults.
find "$top_srcdir/tests" "$top_srcdir/bench" -name '*.c' -o -name '*.h' 2>/dev/null |
	xargs sed -n 's/^#define [A-Z_]*PIN[A-Z_]* *"\([^"%]*\)".*/\1/p' >>secrets
printf '%s\n' "$HKP11_PIN" "$HKP11_SO_PIN" user-pin- so-pin- canary >>secrets
sort -u secrets | awk 'length($0) >= 6' >secrets.sorted
n_secrets=$(wc -l <secrets.sorted)
[ "$n_secrets" -ge 5 ] || fail "found only $n_secrets secrets to look for"
ok "looking for $n_secrets PINs and markers of test data"

# Audit logs: any file under tests/tmp holding audit records.
find "$where" -type f 2>/dev/null | while read -r f; do
	if grep -Eq '^(\{"ts":"|[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]* seq=[0-9]+ chain=)' "$f" 2>/dev/null; then
		echo "$f"
	fi
done >logs
n_logs=$(wc -l <logs)
if [ "$n_logs" -eq 0 ]; then
	echo "SKIP: no audit log in $where (run the whole suite first)"
	exit 77
fi
records=$(cat logs | tr '\n' '\0' | xargs -0 cat | wc -l)
note "$n_logs audit logs, $records records"

found=0
while read -r f; do
	if grep -F -f secrets.sorted "$f" >hits 2>/dev/null; then
		echo "a secret of the suite is in $f:" >&2
		show hits
		found=1
	fi
done <logs
[ "$found" -eq 0 ] || fail "the audit logs hold PINs or test data"
ok "no PIN or test data in $n_logs audit logs ($records records)"

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs hkpost-p11's whole test suite, building in this tree first if needed.
# Prints the logs of the tests that failed and ends with one line,
# "N passed, N failed, N skipped", counted from automake's .trs files.
# Exits non-zero when a test failed.
#
#   HKP11_NO_SKIP=1          a skipped test fails the run too (CI: every tool
#                            of tests/debian-packages.txt and
#                            tests/debian-backports.txt is installed)
#   HKP11_DISTCHECK=1        also run `make distcheck` (builds and tests the
#                            release tarball once more; CI does)
#   HKP11_CONFIGURE_FLAGS=.. flags for ./configure when it has not run yet
#   HKP11_JOBS=N             parallel make jobs (2)
#   TESTS='a b'              run only these tests
set -eu
cd "$(dirname "$0")"
jobs=${HKP11_JOBS:-2}

now () { date +%s; }
t0=$(now)

# --- build ---------------------------------------------------------------
if [ ! -x configure ]; then
	echo "== ./autogen.sh"
	./autogen.sh
fi
if [ ! -f Makefile ]; then
	echo "== ./configure ${HKP11_CONFIGURE_FLAGS:-}"
	# shellcheck disable=SC2086 # flags are words
	./configure ${HKP11_CONFIGURE_FLAGS:-}
fi
echo "== make -j$jobs"
make -j"$jobs"
t_build=$(($(now) - t0))

# --- test ----------------------------------------------------------------
# Results of earlier runs would be counted again: start clean.
find . -path './hkpost-p11-*' -prune -o -name '*.trs' -exec rm -f {} +
echo "== make -j$jobs check ${TESTS:+TESTS=\"$TESTS\"}"
make_rc=0
if [ -n "${TESTS:-}" ]; then
	make -j"$jobs" check TESTS="$TESTS" || make_rc=$?
else
	make -j"$jobs" check || make_rc=$?
fi
t_check=$(($(now) - t0 - t_build))

passed=0
failed=0
skipped=0
failed_logs=
skipped_logs=
checks=0
for trs in $(find . -path './hkpost-p11-*' -prune -o -name '*.trs' -print | sort); do
	log=${trs%.trs}.log
	for result in $(sed -n 's/^:test-result: *//p' "$trs"); do
		case $result in
		PASS | XFAIL) passed=$((passed + 1)) ;;
		SKIP)
			skipped=$((skipped + 1))
			skipped_logs="$skipped_logs $log"
			;;
		*)
			failed=$((failed + 1))
			failed_logs="$failed_logs $log"
			;;
		esac
	done
	# What ran inside: Check's "Checks: N" and tests/lib.sh's "ok N".
	n=$(sed -n -e 's/^[0-9]*%: Checks: \([0-9]*\),.*/\1/p' "$log" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
	m=$(grep -c '^ok [0-9]' "$log" 2>/dev/null || true)
	checks=$((checks + n + ${m:-0}))
done

for log in $failed_logs; do
	echo
	echo "==================== FAILED: ${log#./} (last 200 lines) ===================="
	tail -n 200 "$log"
done
if [ "$make_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	# make check failed before any test could (a test program did not build).
	echo
	echo "make check failed (exit $make_rc) without a failed test: see its output above."
	failed=$((failed + 1))
fi
for log in $skipped_logs; do
	reason=$(grep -m1 -i '^SKIP' "$log" 2>/dev/null || true)
	name=${log#./}
	echo "skipped: ${name%.log}${reason:+ ($reason)}"
done

rc=0
if [ "$failed" -gt 0 ]; then
	rc=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
	echo "No test ran."
	rc=1
fi
if [ -n "${HKP11_NO_SKIP:-}" ] && [ "$skipped" -gt 0 ]; then
	echo "HKP11_NO_SKIP is set and $skipped tests skipped: install what tests/debian-packages.txt and tests/debian-backports.txt list."
	rc=1
fi

# --- distcheck -------------------------------------------------------------
t_dist=
if [ -n "${HKP11_DISTCHECK:-}" ] && [ "$rc" -eq 0 ]; then
	echo "== make distcheck (log: distcheck.log)"
	t1=$(now)
	if make -j"$jobs" distcheck >distcheck.log 2>&1; then
		grep 'archives ready' distcheck.log || true
	else
		tail -n 100 distcheck.log
		echo "make distcheck failed: see distcheck.log"
		rc=1
	fi
	t_dist=", distcheck ${t1:+$(($(now) - t1))}s"
fi

echo
echo "(build ${t_build}s, check ${t_check}s${t_dist}; $checks checks inside the tests)"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$rc"

#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The conformance suite, run twice: directly against SoftHSM and through the
# shim over SoftHSM.  Both runs must pass, and their transcripts (one line
# per PKCS#11 call: function, CK_RV, outputs that must match) must be
# identical.  A run that records too little fails too, so that an empty or
# truncated run cannot pass by comparing equal.
#
# The transcripts and logs stay in $top_builddir/tests/tmp/conformance/.
#
# With an argument, "direct" or "shim", it runs that pass alone, with the
# same settings, and compares nothing (make check-conformance-direct, -shim).
set -eu

only=${1:-}
case $only in
'' | direct | shim) ;;
*)
	echo "usage: $0 [direct|shim]" >&2
	exit 2
	;;
esac

top_builddir=${top_builddir:-.}
SHLEXT=${SHLEXT:-so}
bin="$top_builddir/tests/test-conformance"
shim="$top_builddir/module/.libs/hkpost-p11.$SHLEXT"
# Absolute, so that the audit-file setting below does not depend on the cwd.
out="$(cd "$top_builddir" && pwd)/tests/tmp/conformance"

# Lower bounds, kept a little under what the suite records today: raise
# them when tests are added.
MIN_TESTS=40
MIN_LINES=1300

if [ ! -x "$bin" ]; then
	echo "SKIP: $bin is not built (is Check installed?)"
	exit 77
fi
if [ -z "${SOFTHSM2_MODULE:-}" ] || [ ! -r "$SOFTHSM2_MODULE" ]; then
	echo "SKIP: SoftHSMv2 not found (SOFTHSM2_MODULE='${SOFTHSM2_MODULE:-}')"
	exit 77
fi
if [ ! -r "$shim" ]; then
	echo "FAIL: the shim $shim is not built"
	exit 1
fi

# The shim's settings for its pass, every layer that changes behaviour set
# explicitly to its transparent value: with these the shim must be
# indistinguishable from its backend.  A new layer with behaviour of its own
# adds its "off" here.  The audit layer only observes, so it runs at its
# fullest (every call) to prove that it changes nothing.  The fixture writes
# this text into the file HKPOST_P11_CONF names for each test.
audit_log="$out/shim-audit.log"
P11T_SHIM_SETTINGS="pin-policy: off
lockout-warn: 0
lockout-guard: 0
lockout-repeat-guard: no
labels: off
audit: calls
audit-file: $audit_log"
export P11T_SHIM_SETTINGS

# Every test runs, in order, each in its own process.
unset CK_RUN_SUITE CK_RUN_CASE CK_INCLUDE_TAGS CK_EXCLUDE_TAGS CK_TAP_LOG_FILE_NAME \
	CK_XML_LOG_FILE_NAME CK_LOG_FILE_NAME
CK_FORK=yes
CK_VERBOSITY=normal
export CK_FORK CK_VERBOSITY

mkdir -p "$out"
rm -f "$audit_log"
status=0

run_pass ()
{
	which=$1
	transcript="$out/$which.transcript"
	log="$out/$which.log"
	rm -f "$transcript" "$log"
	rc=0
	start=$(date +%s)
	P11T_MODULE=$which P11T_TRANSCRIPT=$transcript "$bin" >"$log" 2>&1 || rc=$?
	end=$(date +%s)
	echo "=== $which pass (exit $rc, $((end - start)) s)"
	cat "$log"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: the $which pass failed"
		status=1
	fi
	if [ ! -f "$transcript" ]; then
		echo "FAIL: the $which pass wrote no transcript"
		status=1
		return
	fi
	lines=$(wc -l <"$transcript")
	tests=$(grep -c '^== ' "$transcript" || true)
	checks=$(sed -n 's/.*Checks: \([0-9]*\).*/\1/p' "$log")
	echo "$which: $tests tests, $lines transcript lines"
	if [ "$tests" -lt "$MIN_TESTS" ] || [ "$lines" -lt "$MIN_LINES" ]; then
		echo "FAIL: the $which transcript is too short" \
			"(want at least $MIN_TESTS tests and $MIN_LINES lines)"
		status=1
	fi
	if [ "$tests" != "${checks:-none}" ]; then
		echo "FAIL: Check ran ${checks:-no} tests but $tests began in the $which transcript"
		status=1
	fi
}

if [ -n "$only" ]; then
	run_pass "$only"
	echo "transcript: $out/$only.transcript"
	exit $status
fi

run_pass direct
run_pass shim

# The audit layer saw the shim pass, and no PIN of the suite reached its log.
if [ ! -s "$audit_log" ]; then
	echo "FAIL: the audit layer wrote nothing to $audit_log"
	status=1
elif grep -F -e user-pin- -e so-pin- "$audit_log" >/dev/null; then
	echo "FAIL: a PIN of the suite appears in $audit_log"
	status=1
else
	echo "audit: $(wc -l <"$audit_log") lines, no PIN"
fi

if [ -f "$out/direct.transcript" ] && [ -f "$out/shim.transcript" ]; then
	if diff -u "$out/direct.transcript" "$out/shim.transcript" >"$out/diff" 2>&1; then
		echo "=== transcripts identical"
	else
		echo "FAIL: the transcripts differ (direct -> shim):"
		head -n 200 "$out/diff"
		status=1
	fi
fi

exit $status

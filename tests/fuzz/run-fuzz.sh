#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs libFuzzer targets for a while each and sums up what they reached.
#
#   run-fuzz.sh SECONDS JOBS CORPUS_DIR WORK_DIR NAME...
#
# Each tests/fuzz/fuzz-NAME runs for SECONDS (JOBS of them at a time) over
# CORPUS_DIR/NAME, the committed seeds, which it only reads; what it finds
# new goes to WORK_DIR/NAME, a crash to WORK_DIR/NAME-crash-*, the output to
# WORK_DIR/NAME.log.  Prints one line per target (executions, coverage,
# corpus) and exits non-zero when a target found a crash, a leak or a hang.
set -eu
seconds=$1
jobs=$2
corpus=$3
work=$4
shift 4
mkdir -p "$work"

run_one ()
{
	name=$1
	mkdir -p "$work/$name"
	# -timeout: an input taking 10 s is a hang; -rss_limit_mb: a leak.
	if tests/fuzz/"fuzz-$name" -max_total_time="$seconds" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/$name-" \
		"$work/$name" "$corpus/$name" >"$work/$name.log" 2>&1; then
		echo ok >"$work/$name.result"
	else
		echo failed >"$work/$name.result"
	fi
}

running=0
for name in "$@"; do
	rm -f "$work/$name.result"
	run_one "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

rc=0
printf '%-10s %12s %10s %10s %8s %s\n' target executions 'exec/s' coverage corpus result
for name in "$@"; do
	log=$work/$name.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	# The last status line: "#N DONE cov: C ft: F corp: K/..."
	status=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(echo "$status" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$status" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$status" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	result=$(cat "$work/$name.result" 2>/dev/null || echo missing)
	printf '%-10s %12s %10s %10s %8s %s\n' "fuzz-$name" "${execs:-?}" "${rate:-?}" \
		"${cov:-?} (ft ${ft:-?})" "${corp:-?}" "$result"
	if [ "$result" != ok ]; then
		rc=1
		echo "--- fuzz-$name ($log, last 40 lines)"
		tail -n 40 "$log"
	fi
done
exit "$rc"

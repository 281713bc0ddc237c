#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# CI, after the main suite (.ci/run): the reliability runs of issue 9, each
# in a build directory of its own outside the source tree.
#
#   1. AddressSanitizer + UndefinedBehaviorSanitizer: the suite, built with
#      ./configure --enable-sanitizers.  Left out: the tests that load the
#      module into programs built without ASan (pkcs11-tool, p11tool, the
#      NSS tools, ssh, Firefox, Thunderbird, p11-kit's remoting, the demo's
#      benchmark): each would need libasan preloaded into the program, and
#      Firefox's allocator does not run under it.  Every C test runs, the
#      conformance comparison too.
#   2. make memcheck: the integration tests under valgrind (in the main
#      suite's build, already there).
#   3. ThreadSanitizer (--enable-tsan): the thread and fork tests, over the
#      mock and over SoftHSM (not built with TSan, so only the shim's side
#      of each call is checked; HKP11_STRESS_MOCK_ONLY=1 leaves it out).
#   4. libFuzzer (--enable-fuzzing, clang): each target for FUZZ_SECONDS
#      (60), two at a time.
# Any finding fails the run.  HKP11_CI_STEPS="asan memcheck tsan fuzz"
# picks steps; HKP11_CI_WORK names the work directory (kept on failure).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
steps=${HKP11_CI_STEPS:-asan memcheck tsan fuzz}
jobs=$(nproc 2>/dev/null || echo 2)
work=${HKP11_CI_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/hkp11-ci-XXXXXX")}
fuzz_seconds=${FUZZ_SECONDS:-60}
mkdir -p "$work"

# Builds of their own need a source tree that is not configured in place
# (automake refuses a VPATH build of one, and ./check.sh builds in the
# tree): a pristine copy of the committed sources, generated once.
srcdir=$work/src
if [ ! -x "$srcdir/configure" ]; then
	mkdir -p "$srcdir"
	if git -C "$top" rev-parse --verify -q HEAD >/dev/null 2>&1; then
		git -C "$top" archive --format=tar HEAD | tar -x -C "$srcdir"
	else
		(cd "$top" && tar -c --exclude=./.git .) | tar -x -C "$srcdir"
		(cd "$srcdir" && { [ ! -f Makefile ] || make distclean >/dev/null 2>&1 || :; })
	fi
	(cd "$srcdir" && ./autogen.sh >autogen.log 2>&1) || { tail -n 30 "$srcdir/autogen.log"; exit 1; }
fi

now () { date +%s; }
t_all=$(now)
timings=

# The tools these runs need beyond the main suite's (Debian 12).
need=
command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
command -v clang >/dev/null 2>&1 || need="$need clang"
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
	need="$need libclang-rt-14-dev"
if [ -n "$need" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		# shellcheck disable=SC2086 # one word per package
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 $need
	else
		echo "ci-extra: missing$need (Debian packages); install them first" >&2
		exit 1
	fi
fi

# configure in $work/NAME with the arguments after TARGETS and build those
# (everything when TARGETS is "all").
build ()
{
	name=$1
	targets=$2
	shift 2
	echo "== $name: configure $*"
	mkdir -p "$work/$name"
	(cd "$work/$name" && "$srcdir/configure" -q "$@" >configure.log 2>&1) ||
		{ tail -n 50 "$work/$name/configure.log"; return 1; }
	echo "== $name: make -j$jobs $targets"
	# shellcheck disable=SC2086 # targets are words
	make -C "$work/$name" -j"$jobs" $targets >"$work/$name/make.log" 2>&1 ||
		{ tail -n 50 "$work/$name/make.log"; return 1; }
}

# make check TESTS=... in $work/NAME, the failed logs shown; a third
# argument names another target (check-TESTS: run them, build nothing more).
check ()
{
	name=$1
	tests=$2
	target=${3:-check}
	echo "== $name: make $target ($(echo "$tests" | wc -w) tests)"
	if make -C "$work/$name" -j"$jobs" "$target" TESTS="$tests" >"$work/$name/check.log" 2>&1; then
		grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR)' "$work/$name/check.log" | tr '\n' ' '
		echo
		return 0
	fi
	grep -E '^(FAIL|ERROR):' "$work/$name/check.log" || true
	for log in $(sed -n 's/^\(FAIL\|ERROR\): \(.*\)/\2/p' "$work/$name/check.log"); do
		echo "---- $log.log (last 80 lines)"
		tail -n 80 "$work/$name/$log.log"
	done
	return 1
}

step_asan ()
{
	build asan all --enable-sanitizers --enable-strict
	# Shell tests load the module into programs built without ASan.
	tests=$(make -s -C "$work/asan" list-tests | grep -E '^[A-Za-z0-9_./-]+$' | grep -v '\.sh$' |
		tr '\n' ' ')
	tests="$tests tests/conformance-compare.sh"
	# A backend answering 2^63 to a size query makes the shim try the
	# allocation; in production malloc says no, and so must ASan.  The
	# leak checker's thread walk crashes on the TLS of dlopen'ed modules
	# here (GCC 12's libasan, glibc 2.36: "Tracer caught signal 11"), so
	# it leaves TLS out; make memcheck checks leaks with TLS in view.
	ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
		LSAN_OPTIONS=use_tls=0:suppressions=$top/tests/stress/lsan.supp \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 check asan "$tests"
}

step_memcheck ()
{
	# The main suite's build when there is one, else a plain one.
	if [ -f "$top/Makefile" ]; then
		dir=$top
	else
		build plain all
		dir=$work/plain
	fi
	echo "== memcheck: make memcheck in $dir"
	if ! make -C "$dir" memcheck >"$work/memcheck.log" 2>&1; then
		grep -E '^(FAIL|ERROR):' "$work/memcheck.log" || tail -n 40 "$work/memcheck.log"
		for log in $(sed -n 's/^\(FAIL\|ERROR\): \(.*\)/\2/p' "$work/memcheck.log"); do
			echo "---- $log.log (last 80 lines)"
			tail -n 80 "$dir/$log.log"
		done
		return 1
	fi
	grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR)' "$work/memcheck.log" | tr '\n' ' '
	echo
}

step_tsan ()
{
	tests="tests/stress/test-threads tests/stress/test-fork tests/test-audit-stress tests/test-lockout-state tests/test-sessions tests/test-handle-map"
	# Only what these tests need: the module, the mock and the programs.
	build tsan "module/hkpost-p11.la tests/mock/mock-p11.la tests/fixtures/ecerts/fixtures.txt $tests" \
		--enable-tsan
	# halt_on_error: the first report fails the test that caused it.
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:exitcode=66 \
		check tsan "$tests" check-TESTS
}

step_fuzz ()
{
	# The targets make fuzz runs, and the mock, nothing else.
	CC=clang build fuzz "tests/mock/mock-p11.la tests/fuzz/fuzz-ecert tests/fuzz/fuzz-conf \
		tests/fuzz/fuzz-state tests/fuzz/fuzz-audit tests/fuzz/fuzz-template" --enable-fuzzing
	echo "== fuzz: every target for ${fuzz_seconds} s"
	make -C "$work/fuzz" fuzz FUZZ_SECONDS="$fuzz_seconds" FUZZ_JOBS=2
}

rc=0
n_ok=0
n_failed=0
for s in $steps; do
	t0=$(now)
	if "step_$s"; then
		result=ok
		n_ok=$((n_ok + 1))
	else
		result=FAILED
		n_failed=$((n_failed + 1))
		rc=1
	fi
	timings="$timings $s ${result} $(($(now) - t0))s;"
done
echo
echo "ci-extra:$timings total $(($(now) - t_all))s"
echo "ci-extra: $n_ok passed, $n_failed failed"
if [ "$rc" -eq 0 ] && [ -z "${HKP11_CI_WORK:-}" ]; then
	rm -rf "$work"
else
	echo "ci-extra: work left in $work"
fi
exit "$rc"

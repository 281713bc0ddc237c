# SPDX-License-Identifier: BSD-3-Clause
# Reliability (issue 9): faults, threads, fork, hostile input and the
# lockout count under stress, every layer on.  C programs in tests/stress/,
# over the mock backend (tests/mock) and over SoftHSM.
#
# HKP11_STRESS_SCALE=0.05 scales their work down (make memcheck does).

STRESS_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS) $(LIBCRYPTO_CFLAGS) \
	-I$(top_srcdir)/tests/mock -I$(top_srcdir)/tests/fixtures -I$(top_srcdir)/tests/stress
STRESS_SOURCES = tests/stress/stress.c tests/stress/stress.h \
	tests/mock/shim-fixture.c tests/mock/shim-fixture.h \
	tests/fixtures/fixtures.c tests/fixtures/fixtures.h
STRESS_LIBS = common/libhkp11-audit.la $(HKP11_COMMON_LIBS) $(TEST_LIBS) \
	$(LIBCRYPTO_LIBS) $(SYSTEMD_LIBS) -lpthread

# Every argument of every function made hostile in turn, through the shim
# and straight into the mock: same answer, no crash, exact lockout count.
TESTS += tests/stress/test-hostile
check_PROGRAMS += tests/stress/test-hostile
tests_stress_test_hostile_SOURCES = tests/stress/test-hostile.c $(STRESS_SOURCES)
tests_stress_test_hostile_CPPFLAGS = $(STRESS_CPPFLAGS)
tests_stress_test_hostile_LDADD = $(STRESS_LIBS)

# Every function failing with every CK_RV over a 3.0, 2.40 and 2.20 mock,
# the token pulled out at every point, odd lengths in every size query.
TESTS += tests/stress/test-faults
check_PROGRAMS += tests/stress/test-faults
tests_stress_test_faults_SOURCES = tests/stress/test-faults.c $(STRESS_SOURCES)
tests_stress_test_faults_CPPFLAGS = $(STRESS_CPPFLAGS)
tests_stress_test_faults_LDADD = $(STRESS_LIBS)

# 16 threads x 10,000 mixed calls over the mock and over SoftHSM, racing
# C_Initialize and C_Finalize, a waiter let go by C_Finalize, and no mutex
# callback of the application used after C_Finalize.
TESTS += tests/stress/test-threads
check_PROGRAMS += tests/stress/test-threads
tests_stress_test_threads_SOURCES = tests/stress/test-threads.c $(STRESS_SOURCES)
tests_stress_test_threads_CPPFLAGS = $(STRESS_CPPFLAGS)
tests_stress_test_threads_LDADD = $(STRESS_LIBS)

# 100 children forked after C_Initialize, then 100 more while four threads
# are inside calls; each child has a watchdog.
TESTS += tests/stress/test-fork
check_PROGRAMS += tests/stress/test-fork
tests_stress_test_fork_SOURCES = tests/stress/test-fork.c $(STRESS_SOURCES)
tests_stress_test_fork_CPPFLAGS = $(STRESS_CPPFLAGS)
tests_stress_test_fork_LDADD = $(STRESS_LIBS)

# The lockout count under stress: 32 processes failing at once, 1,000
# SIGKILLs at random moments, no home or an unwritable one.
TESTS += tests/stress/test-lockout-stress
check_PROGRAMS += tests/stress/test-lockout-stress
tests_stress_test_lockout_stress_SOURCES = tests/stress/test-lockout-stress.c $(STRESS_SOURCES)
tests_stress_test_lockout_stress_CPPFLAGS = $(STRESS_CPPFLAGS)
tests_stress_test_lockout_stress_LDADD = $(STRESS_LIBS)

# ---- make memcheck: the integration tests under valgrind -------------------
# Every test that loads the shim (over the mock or SoftHSM), with Check not
# forking (CK_FORK=no) and the stress tests scaled down; any error valgrind
# finds, or a leak it is sure of, fails the test.
VALGRIND = valgrind
MEMCHECK_FLAGS = -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite --num-callers=30 --child-silent-after-fork=no \
	--suppressions=$(abs_top_srcdir)/tests/stress/valgrind.supp
MEMCHECK_TESTS = \
	tests/mock/test-mock \
	tests/test-shim-init \
	tests/test-init-reserved \
	tests/test-shim-forward \
	tests/test-shim-life \
	tests/test-shim-bad \
	tests/test-shim-nobackend \
	tests/test-shim-outputs \
	tests/test-sessions \
	tests/test-labels \
	tests/test-lockout \
	tests/stress/test-hostile \
	tests/stress/test-faults \
	tests/stress/test-threads \
	tests/stress/test-fork \
	tests/stress/test-lockout-stress \
	tests/fuzz/fuzz-conf-seeds \
	tests/fuzz/fuzz-state-seeds \
	tests/fuzz/fuzz-audit-seeds \
	tests/fuzz/fuzz-template-seeds \
	$(NULL)
EXTRA_DIST += tests/stress/valgrind.supp tests/stress/lsan.supp tests/ci-extra.sh
# These need a process per test (an audit chain each): valgrind follows
# Check's forks, and an error in a child fails its test.
MEMCHECK_FORK_TESTS = tests/test-audit-module
memcheck: all
	env CK_FORK=no HKP11_STRESS_SCALE=0.02 CK_DEFAULT_TIMEOUT=1200 \
		$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(MEMCHECK_TESTS)' \
		LOG_COMPILER='$(VALGRIND)' AM_LOG_FLAGS='$(MEMCHECK_FLAGS)'
	env CK_DEFAULT_TIMEOUT=1200 $(MAKE) $(AM_MAKEFLAGS) check TESTS='$(MEMCHECK_FORK_TESTS)' \
		LOG_COMPILER='$(VALGRIND)' AM_LOG_FLAGS='$(MEMCHECK_FLAGS)'
.PHONY: memcheck

# The tests `make check` runs, one a line (tests/ci-extra.sh picks from it).
list-tests:
	@for t in $(TESTS); do echo $$t; done
.PHONY: list-tests

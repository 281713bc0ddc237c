# PIN policy and lockout protection (issue 4): unit tests of the policy and
# the state store, the layers through the shim, and real clients.
TESTS += tests/test-pin-policy
check_PROGRAMS += tests/test-pin-policy
tests_test_pin_policy_SOURCES = tests/test-pin-policy.c
tests_test_pin_policy_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_pin_policy_LDADD = common/libhkp11-common.la $(TEST_LIBS)

TESTS += tests/test-lockout-state
check_PROGRAMS += tests/test-lockout-state
tests_test_lockout_state_SOURCES = tests/test-lockout-state.c
tests_test_lockout_state_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_lockout_state_LDADD = common/libhkp11-common.la $(TEST_LIBS)

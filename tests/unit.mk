# Unit tests of the core, linked against the same convenience library as the module.
TESTS += tests/test-conf
check_PROGRAMS += tests/test-conf
tests_test_conf_SOURCES = tests/test-conf.c
tests_test_conf_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS)
tests_test_conf_LDADD = common/libhkp11-common.la $(TEST_LIBS)

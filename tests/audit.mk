# SPDX-License-Identifier: BSD-3-Clause
# The audit log (issue 5): unit tests of the record, the writer and the
# verifier; the layer through the built shim over SoftHSM; many processes
# and threads sharing one file; real clients; and, after everything else,
# a canary that no PIN or test secret reached any log the suite wrote.
AUDIT_CPPFLAGS = $(TEST_CPPFLAGS) $(CHECK_CFLAGS) $(LIBCRYPTO_CFLAGS)
AUDIT_LIBS = common/libhkp11-audit.la $(HKP11_COMMON_LIBS) $(LIBCRYPTO_LIBS) $(SYSTEMD_LIBS)

# The chain verifier's command line (the token-manager tool will take over
# its logic, common/audit/verify.c).
check_PROGRAMS += tests/audit-verify
tests_audit_verify_SOURCES = tests/audit-verify.c
tests_audit_verify_LDADD = $(AUDIT_LIBS)

TESTS += tests/test-audit-format
check_PROGRAMS += tests/test-audit-format
tests_test_audit_format_SOURCES = tests/test-audit-format.c
tests_test_audit_format_CPPFLAGS = $(AUDIT_CPPFLAGS)
tests_test_audit_format_LDADD = $(AUDIT_LIBS) $(TEST_LIBS)

TESTS += tests/test-audit-log
check_PROGRAMS += tests/test-audit-log
tests_test_audit_log_SOURCES = tests/test-audit-log.c
tests_test_audit_log_CPPFLAGS = $(AUDIT_CPPFLAGS)
tests_test_audit_log_LDADD = $(AUDIT_LIBS) $(TEST_LIBS)

# The layer through the built shim over SoftHSM.
TESTS += tests/test-audit-module
check_PROGRAMS += tests/test-audit-module
tests_test_audit_module_SOURCES = tests/test-audit-module.c
tests_test_audit_module_CPPFLAGS = $(AUDIT_CPPFLAGS)
tests_test_audit_module_LDADD = $(AUDIT_LIBS) $(TEST_LIBS)

# 8 processes x 4 threads x 1,000 calls into one file.
TESTS += tests/test-audit-stress
check_PROGRAMS += tests/test-audit-stress
tests_test_audit_stress_SOURCES = tests/test-audit-stress.c
tests_test_audit_stress_CPPFLAGS = $(AUDIT_CPPFLAGS)
tests_test_audit_stress_LDADD = $(AUDIT_LIBS) $(TEST_LIBS)

# Real clients: pkcs11-tool sessions, read as a collector would (JSON Lines
# parsed by Python against the documented fields; the text format too), and
# a log on a small tmpfs that fills up (a mount namespace of its own).
AUDIT_TESTS = \
	tests/audit/pkcs11-tool.sh \
	tests/audit/json.sh \
	tests/audit/disk-full.sh \
	$(NULL)
TESTS += $(AUDIT_TESTS)
dist_check_SCRIPTS += $(AUDIT_TESTS)
EXTRA_DIST += tests/audit/check-records.py

# The canary goes last: it reads every audit log the other tests wrote.
# (The target is a variable so that automake still writes its own rule.)
TESTS += tests/audit/canary.sh
dist_check_SCRIPTS += tests/audit/canary.sh
AUDIT_CANARY_LOG = tests/audit/canary.sh.log
$(AUDIT_CANARY_LOG): $(filter-out $(AUDIT_CANARY_LOG),$(TEST_LOGS))

# SPDX-License-Identifier: BSD-3-Clause
# The shim's core, built once as a convenience library so that the module
# and the unit tests link the same code.
noinst_LTLIBRARIES += common/libhkp11-common.la
common_libhkp11_common_la_SOURCES = \
	common/p11.h common/p11-api.h \
	common/compat.c common/compat.h \
	common/message.c common/message.h \
	common/audit-escape.c common/audit-escape.h \
	common/safe-copy.c common/safe-copy.h \
	common/conf.c common/conf.h \
	common/etoken.h \
	common/constants.c common/constants.h \
	common/pin-policy.c common/pin-policy.h \
	common/lockout-state.c common/lockout-state.h \
	common/ecert.c common/ecert.h \
	common/peer-identity.c common/peer-identity.h \
	common/settings.c common/settings.h \
	common/settings-core.c common/settings-core.h \
	common/settings-policy.c common/settings-policy.h \
	common/settings-lockout.c common/settings-lockout.h \
	common/settings-audit.c common/settings-audit.h \
	common/settings-labels.c common/settings-labels.h \
	common/settings-monitor.c common/settings-monitor.h \
	$(NULL)
common_libhkp11_common_la_CFLAGS = $(AM_CFLAGS) -fPIC
# e-Cert recognition decodes X.509 with libcrypto.
common_libhkp11_common_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
common_libhkp11_common_la_LIBADD = $(LIBCRYPTO_LIBS)

# The audit log: record formats, the hash chain, the sinks, the writer and
# the chain verifier (used by the module, the tests and the CLI tool).  Its
# escaping (audit-escape.c) is in the core: diagnostics use it too.
noinst_LTLIBRARIES += common/libhkp11-audit.la
common_libhkp11_audit_la_SOURCES = \
	common/audit-format.c common/audit-format.h \
	common/audit-chain.c common/audit-chain.h \
	common/audit-sink.h common/audit-file.c common/audit-syslog.c common/audit-journal.c \
	common/audit-log.c common/audit-log.h \
	common/audit-verify.c common/audit-verify.h \
	$(NULL)
common_libhkp11_audit_la_CFLAGS = $(AM_CFLAGS) -fPIC
common_libhkp11_audit_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
# libsystemd is not linked: the journald sink loads it when it is used.
common_libhkp11_audit_la_LIBADD = $(LIBCRYPTO_LIBS)

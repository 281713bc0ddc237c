# SPDX-License-Identifier: BSD-3-Clause
# What the module, the tool and the tests share, one folder per concern
# (README.md, "Source tree"), built as convenience libraries so that they
# all link the same code:
#   libhkp11-common  p11/ base/ settings/ lockout/ ecert/ policy/
#   libhkp11-paths   base/paths.c: the system's paths, as configured
#   libhkp11-audit   audit/ (the audit log: it uses the common library)
# What links libhkp11-common links HKP11_COMMON_LIBS.
noinst_LTLIBRARIES += common/libhkp11-common.la
common_libhkp11_common_la_SOURCES = \
	common/p11/p11.h common/p11/p11-api.h common/p11/etoken.h common/p11/interface.h \
	common/p11/constants.c common/p11/constants.h \
	common/base/compat.c common/base/compat.h \
	common/base/message.c common/base/message.h \
	common/base/debug.c common/base/debug.h \
	common/base/buffer.c common/base/buffer.h \
	common/base/text.c common/base/text.h \
	common/base/safe-copy.c common/base/safe-copy.h \
	common/settings/conf.c common/settings/conf.h \
	common/settings/settings.c common/settings/settings.h \
	common/settings/core.c common/settings/core.h \
	common/settings/policy.c common/settings/policy.h \
	common/settings/lockout.c common/settings/lockout.h \
	common/settings/programs.c common/settings/programs.h \
	common/settings/audit.c common/settings/audit.h \
	common/settings/labels.c common/settings/labels.h \
	common/settings/monitor.c common/settings/monitor.h \
	common/lockout/rules.c common/lockout/rules.h \
	common/lockout/store.c common/lockout/store.h \
	common/ecert/ecert.c common/ecert/ecert.h \
	common/policy/pin-policy.c common/policy/pin-policy.h \
	$(NULL)
common_libhkp11_common_la_CFLAGS = $(AM_CFLAGS) -fPIC
# e-Cert recognition decodes X.509 with libcrypto.
common_libhkp11_common_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
common_libhkp11_common_la_LIBADD = $(LIBCRYPTO_LIBS)

# Apart, so that the privilege test can build the module with system paths
# of its own (tests/privilege.mk).
noinst_LTLIBRARIES += common/libhkp11-paths.la
common_libhkp11_paths_la_SOURCES = common/base/paths.c common/base/paths.h
common_libhkp11_paths_la_CFLAGS = $(AM_CFLAGS) -fPIC
common_libhkp11_paths_la_CPPFLAGS = $(AM_CPPFLAGS) -DSYSCONFDIR=\"$(sysconfdir)\" \
	-DHKP11_SYSTEM_STATE_DIR=\"$(localstatedir)/lib/hkpost-p11\"
HKP11_COMMON_LIBS = common/libhkp11-common.la common/libhkp11-paths.la

# The audit log: record formats, the hash chain, the sinks, the writer, the
# chain verifier, and who is at the other end of p11-kit's remoting (used
# by the module, the tests and the tool).
noinst_LTLIBRARIES += common/libhkp11-audit.la
common_libhkp11_audit_la_SOURCES = \
	common/audit/fields.c common/audit/fields.h \
	common/audit/format.c common/audit/format.h \
	common/audit/parse.c common/audit/parse.h \
	common/audit/chain.c common/audit/chain.h \
	common/audit/sink.h common/audit/file.c common/audit/syslog.c common/audit/journal.c \
	common/audit/log.c common/audit/log.h \
	common/audit/verify.c common/audit/verify.h \
	common/audit/peer-identity.c common/audit/peer-identity.h \
	$(NULL)
common_libhkp11_audit_la_CFLAGS = $(AM_CFLAGS) -fPIC
common_libhkp11_audit_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
# libsystemd is not linked: the journald sink loads it when it is used.
common_libhkp11_audit_la_LIBADD = $(LIBCRYPTO_LIBS)

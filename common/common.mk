# The shim's core, built once as a convenience library so that the module
# and the unit tests link the same code.
noinst_LTLIBRARIES += common/libhkp11-common.la
common_libhkp11_common_la_SOURCES = \
	common/p11.h common/p11-api.h \
	common/compat.c common/compat.h \
	common/message.c common/message.h \
	common/conf.c common/conf.h \
	common/etoken.h \
	common/pin-policy.c common/pin-policy.h \
	common/lockout-state.c common/lockout-state.h \
	common/ecert.c common/ecert.h \
	$(NULL)
common_libhkp11_common_la_CFLAGS = $(AM_CFLAGS) -fPIC
# e-Cert recognition decodes X.509 with libcrypto.
common_libhkp11_common_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
common_libhkp11_common_la_LIBADD = $(LIBCRYPTO_LIBS)

# SPDX-License-Identifier: BSD-3-Clause
# The PKCS#11 module applications load: hkpost-p11.so.  Its exported entry
# points (module/entry.c) over a convenience library of everything else,
# which the tool and the tests link too, as p11-kit's libtrust-testable.
noinst_LTLIBRARIES += module/libhkp11-module.la
module_libhkp11_module_la_SOURCES = \
	module/core/shim.c module/core/shim.h \
	module/core/functions.c \
	module/core/backend.c module/core/backend.h module/core/no-backend.c \
	module/core/self-identity.c module/core/self-identity.h \
	module/core/stack.c module/core/stack.h module/core/layer.h \
	module/core/layers.c \
	module/core/events.c module/core/events.h \
	module/core/sessions.c module/core/sessions.h \
	module/lockfree/handle-map.c module/lockfree/handle-map.h \
	module/lockfree/epoch.c module/lockfree/epoch.h \
	module/token/token-id.c module/token/token-id.h \
	module/token/etoken-objects.c module/token/etoken-objects.h \
	module/audit/internal.h module/audit/calls.h module/audit/layer.c \
	module/audit/record.c module/audit/tokens.c module/audit/wrap-shapes.c \
	module/audit/wrap-slot.c module/audit/wrap-session.c module/audit/wrap-object.c \
	module/audit/wrap-key.c \
	module/policy/internal.h module/policy/layer.c module/policy/check.c \
	module/policy/weak.c \
	module/lockout/internal.h module/lockout/layer.c module/lockout/tries.c \
	module/lockout/guard.c module/lockout/repeat.c module/lockout/counted.c \
	module/lockout/token-info.c \
	module/labels/internal.h module/labels/layer.c module/labels/cache.c \
	module/labels/scan.c module/labels/pairing.c module/labels/attributes.c \
	module/labels/find.c module/labels/invalidation.c module/labels/token-label.c \
	module/identity/layer.c \
	$(NULL)
module_libhkp11_module_la_CFLAGS = $(AM_CFLAGS) -fPIC $(LIBCRYPTO_CFLAGS)
# What links the library links these too, in this order.
HKP11_MODULE_LIBS = module/libhkp11-module.la common/libhkp11-audit.la \
	$(HKP11_COMMON_LIBS) $(LIBCRYPTO_LIBS)

module_LTLIBRARIES += module/hkpost-p11.la
module_hkpost_p11_la_SOURCES = module/entry.c
# libcrypto: the lockout layer keys its hashes of wrong PINs with HMAC-SHA-256.
# The audit log (common/audit/) brings libcrypto; its journald sink loads
# libsystemd only when used.
module_hkpost_p11_la_LIBADD = $(HKP11_MODULE_LIBS)
# Only the three PKCS#11 entry points are exported.
module_hkpost_p11_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -no-undefined \
	-export-symbols-regex '^C_Get(FunctionList|InterfaceList|Interface)$$' \
	$(NODELETE_LDFLAGS)

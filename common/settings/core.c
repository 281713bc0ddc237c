/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "settings/core.h"

#include <stddef.h>

/* Where SafeNet Authentication Client installs its PKCS#11 library. */
const char *const hkp11_default_backends[] = {
#ifdef __APPLE__
	"/usr/local/lib/libeTPkcs11.dylib",
#else
	"/usr/lib64/pkcs11/libeTPkcs11.so",
	"/usr/lib64/libeTPkcs11.so",
	"/usr/lib64/libeToken.so",
	"/usr/lib/pkcs11/libeTPkcs11.so",
	"/usr/lib/pkcs11/libeToken.so",
	"/usr/lib/libeTPkcs11.so",
	"/usr/lib/libeToken.so",
#endif
	NULL,
};

hkp11_core_settings hkp11_core_conf;
static const hkp11_core_settings defaults = { .backend = NULL };

static const hkp11_option options[] = {
	{ .key = "backend",
	  .type = HKP11_OPT_STRING,
	  .offset = offsetof (hkp11_core_settings, backend) },
	{ .key = NULL },
};

const hkp11_option_group hkp11_core_group = {
	.name = "core",
	.options = options,
	.settings = &hkp11_core_conf,
	.defaults = &defaults,
	.size = sizeof hkp11_core_conf,
};

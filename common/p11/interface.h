/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * C_GetInterface's search of a module's interfaces: the module's own
 * (module/core/functions.c) and the test mock's (tests/mock), so that both
 * answer as PKCS#11 3.0 says.  Inline: the mock is a module of its own
 * that links none of hkpost-p11's libraries.
 */
#ifndef HKP11_P11_INTERFACE_H
#define HKP11_P11_INTERFACE_H

#include "p11/p11.h"

#include <stddef.h>
#include <string.h>

/*
 * The first of the n interfaces with the name asked for (NULL: any), the
 * version (NULL: any) and every flag asked for; NULL when none has them.
 * Every interface is named HKP11_INTERFACE_NAME.
 */
static inline CK_INTERFACE *
hkp11_interface_find (CK_INTERFACE *interfaces, size_t n, CK_UTF8CHAR_PTR name,
		      CK_VERSION_PTR version, CK_FLAGS flags)
{
	if (name != NULL && strcmp ((const char *)name, HKP11_INTERFACE_NAME) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const CK_VERSION *offered =
			&((CK_FUNCTION_LIST *)interfaces[i].pFunctionList)->version;
		if (version != NULL &&
		    (version->major != offered->major || version->minor != offered->minor))
			continue;
		if ((interfaces[i].flags & flags) != flags)
			continue;
		return &interfaces[i];
	}
	return NULL;
}

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module says who it is: C_GetInfo names hkpost-p11, its authors and
 * its version, so that p11-kit list-modules, pkcs11-tool -I and a
 * browser's device manager tell which hkpost-p11 is loaded.  The version
 * is configure's (AC_INIT) as PKCS#11 holds it, major.minor.  The rest of
 * CK_INFO, the PKCS#11 version and the flags, stays the backend's: the
 * shim speaks what the token library speaks.  The tool asks the token
 * library itself for its own C_GetInfo.
 *
 * Always on, nearest the backend: every layer above sees the module's
 * answer.
 */
#include "config.h"
#include "core/layer.h"

#include <string.h>

#define IDENTITY_MANUFACTURER "The hkpost-p11 authors"
#define IDENTITY_DESCRIPTION "hkpost-p11 e-Cert token module"

static CK_FUNCTION_LIST_3_0 below;

/* A CK_INFO text field: blank-padded, never NUL-terminated. */
static void
put_text (CK_UTF8CHAR *field, size_t size, const char *text)
{
	size_t len = strlen (text);
	memset (field, ' ', size);
	memcpy (field, text, len < size ? len : size);
}

static CK_RV
identity_C_GetInfo (CK_INFO_PTR pInfo)
{
	CK_RV rv = below.C_GetInfo (pInfo);
	if (rv != CKR_OK)
		return rv;
	put_text (pInfo->manufacturerID, sizeof pInfo->manufacturerID, IDENTITY_MANUFACTURER);
	put_text (pInfo->libraryDescription, sizeof pInfo->libraryDescription,
		  IDENTITY_DESCRIPTION);
	pInfo->libraryVersion.major = HKP11_VERSION_MAJOR;
	pInfo->libraryVersion.minor = HKP11_VERSION_MINOR;
	return CKR_OK;
}

static bool
identity_enabled (void)
{
	return true;
}

static const CK_FUNCTION_LIST_3_0 wraps = {
	.C_GetInfo = identity_C_GetInfo,
};

hkp11_layer hkp11_identity_layer = {
	.name = "identity",
	.wraps = &wraps,
	.below = &below,
	.enabled = identity_enabled,
};

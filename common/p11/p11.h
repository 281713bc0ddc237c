/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PKCS#11 declarations hkpost-p11 builds against.
 *
 * p11-kit's <p11-kit/pkcs11.h> supplies the 2.40 API.  Older p11-kit releases
 * (0.24, Debian 12) stop there, so the 3.0 additions the shim forwards are
 * declared here from the OASIS PKCS#11 3.0 base specification (section 5).
 */
#ifndef HKP11_P11_H
#define HKP11_P11_H

#define CRYPTOKI_COMPAT 1
#include <p11-kit/pkcs11.h>

#include "p11/p11-api.h"

#ifndef CKF_INTERFACE_FORK_SAFE

#define CKF_INTERFACE_FORK_SAFE 0x00000001UL

/* Message-based flags of C_EncryptMessageNext and friends. */
#define CKF_END_OF_MESSAGE 0x00000001UL

typedef struct ck_interface {
	CK_CHAR *pInterfaceName;
	CK_VOID_PTR pFunctionList;
	CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;

/* One typedef per 3.0 function, from the API description. */
#define HKP11_TYPEDEF(kind, name, params, args) typedef CK_RV (*CK_##name) params;
HKP11_FUNCTIONS_3_0 (HKP11_TYPEDEF)
#undef HKP11_TYPEDEF

#define HKP11_FIELD(kind, name, params, args) CK_##name name;
typedef struct CK_FUNCTION_LIST_3_0 {
	CK_VERSION version;
	HKP11_FUNCTIONS_2_40 (HKP11_FIELD)
	HKP11_FUNCTIONS_3_0 (HKP11_FIELD)
} CK_FUNCTION_LIST_3_0;
#undef HKP11_FIELD
typedef CK_FUNCTION_LIST_3_0 *CK_FUNCTION_LIST_3_0_PTR;
typedef CK_FUNCTION_LIST_3_0_PTR *CK_FUNCTION_LIST_3_0_PTR_PTR;

CK_RV C_GetInterfaceList (CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount);
CK_RV C_GetInterface (CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
		      CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);

#endif /* !CKF_INTERFACE_FORK_SAFE */

/* The interface name every PKCS#11 3.0 module answers to. */
#define HKP11_INTERFACE_NAME "PKCS 11"

#endif /* HKP11_P11_H */

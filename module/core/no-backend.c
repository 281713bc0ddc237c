/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the shim forwards to when nothing names a token library and none of
 * SafeNet's usual paths exists: a PKCS#11 library with no slots, as
 * p11-kit-proxy or OpenSC are with no reader.  The module then loads and
 * initialises (p11-kit list-modules shows it right after installation) and
 * lists no token; every slot is unknown and every session handle invalid,
 * the codes the PKCS#11 specification gives for those.  Nothing here holds
 * state, so C_Finalize, a second C_Initialize and fork need no care.
 */
#include "config.h"
#include "core/backend.h"

#include <string.h>

static CK_RV
none_C_Initialize (CK_VOID_PTR pInitArgs)
{
	(void)pInitArgs;
	return CKR_OK;
}

static CK_RV
none_C_Finalize (CK_VOID_PTR pReserved)
{
	(void)pReserved;
	return CKR_OK;
}

/* The identity layer above writes the module's name and version over this. */
static CK_RV
none_C_GetInfo (CK_INFO_PTR pInfo)
{
	if (pInfo == NULL)
		return CKR_ARGUMENTS_BAD;
	memset (pInfo, 0, sizeof *pInfo);
	memset (pInfo->manufacturerID, ' ', sizeof pInfo->manufacturerID);
	memset (pInfo->libraryDescription, ' ', sizeof pInfo->libraryDescription);
	pInfo->cryptokiVersion.major = 3;
	pInfo->cryptokiVersion.minor = 0;
	return CKR_OK;
}

static CK_RV
none_C_GetSlotList (CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	(void)tokenPresent;
	(void)pSlotList;
	if (pulCount == NULL)
		return CKR_ARGUMENTS_BAD;
	*pulCount = 0;
	return CKR_OK;
}

/* No slot will ever appear: nothing to wait for.  A blocking wait would
 * never end, which the specification lets a library refuse. */
static CK_RV
none_C_WaitForSlotEvent (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	if (pSlot == NULL || pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	return (flags & CKF_DONT_BLOCK) ? CKR_NO_EVENT : CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV
none_C_GetSlotInfo (CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	(void)slotID;
	(void)pInfo;
	return CKR_SLOT_ID_INVALID;
}

static CK_RV
none_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	(void)slotID;
	(void)pInfo;
	return CKR_SLOT_ID_INVALID;
}

static CK_RV
none_C_GetMechanismList (CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
			 CK_ULONG_PTR pulCount)
{
	(void)slotID;
	(void)pMechanismList;
	(void)pulCount;
	return CKR_SLOT_ID_INVALID;
}

static CK_RV
none_C_GetMechanismInfo (CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
	(void)slotID;
	(void)type;
	(void)pInfo;
	return CKR_SLOT_ID_INVALID;
}

static CK_RV
none_C_InitToken (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
		  CK_UTF8CHAR_PTR pLabel)
{
	(void)slotID;
	(void)pPin;
	(void)ulPinLen;
	(void)pLabel;
	return CKR_SLOT_ID_INVALID;
}

static CK_RV
none_C_OpenSession (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
		    CK_SESSION_HANDLE_PTR phSession)
{
	(void)slotID;
	(void)flags;
	(void)pApplication;
	(void)Notify;
	(void)phSession;
	return CKR_SLOT_ID_INVALID;
}

static CK_RV
none_C_CloseAllSessions (CK_SLOT_ID slotID)
{
	(void)slotID;
	return CKR_SLOT_ID_INVALID;
}

/* Every other function takes a session handle first: none is valid.  (The
 * functions above get one too, replaced below.) */
#define NO_SESSION(kind, name, params, args) NO_SESSION_##kind (name, params)
#define NO_SESSION_special(name, params)
#define NO_SESSION_forward(name, params) \
	static CK_RV no_session_##name params \
	{ \
		return CKR_SESSION_HANDLE_INVALID; \
	}
HKP11_FUNCTIONS_2_40 (NO_SESSION)
HKP11_FUNCTIONS_3_0 (NO_SESSION)
#undef NO_SESSION
#undef NO_SESSION_special
#undef NO_SESSION_forward

void
hkp11_no_backend_functions (CK_FUNCTION_LIST_3_0 *table)
{
	memset (table, 0, sizeof *table);
#define FIELD(kind, name, params, args) FIELD_##kind (name)
#define FIELD_special(name)
#define FIELD_forward(name) table->name = no_session_##name;
	HKP11_FUNCTIONS_2_40 (FIELD)
	HKP11_FUNCTIONS_3_0 (FIELD)
#undef FIELD
#undef FIELD_special
#undef FIELD_forward
	table->version.major = 3;
	table->version.minor = 0;
	table->C_Initialize = none_C_Initialize;
	table->C_Finalize = none_C_Finalize;
	table->C_GetInfo = none_C_GetInfo;
	table->C_GetSlotList = none_C_GetSlotList;
	table->C_WaitForSlotEvent = none_C_WaitForSlotEvent;
	table->C_GetSlotInfo = none_C_GetSlotInfo;
	table->C_GetTokenInfo = none_C_GetTokenInfo;
	table->C_GetMechanismList = none_C_GetMechanismList;
	table->C_GetMechanismInfo = none_C_GetMechanismInfo;
	table->C_InitToken = none_C_InitToken;
	table->C_OpenSession = none_C_OpenSession;
	table->C_CloseAllSessions = none_C_CloseAllSessions;
}

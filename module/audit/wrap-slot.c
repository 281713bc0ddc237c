/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wrappers by hand: general-purpose and slot calls.  The token's serial
 * cache is kept fresh here: by the application's own C_GetTokenInfo, and
 * forgotten when a slot event says a token came or went.
 */
#include "config.h"
#include "internal.h"

CK_RV
audit_C_GetInfo (CK_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetInfo, SEC_NONE))
		PASS (C_GetInfo, (pInfo));
	CK_RV rv = audit_below.C_GetInfo (pInfo);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GetSlotList (CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetSlotList, SEC_NONE))
		PASS (C_GetSlotList, (tokenPresent, pSlotList, pulCount));
	arg_num (&c, "token_present", HKP11_ARG_BOOL, tokenPresent);
	CK_RV rv = audit_below.C_GetSlotList (tokenPresent, pSlotList, pulCount);
	arg_out_len (&c, "count", pulCount, rv);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GetSlotInfo (CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetSlotInfo, SEC_NONE))
		PASS (C_GetSlotInfo, (slotID, pInfo));
	call_slot (&c, slotID);
	CK_RV rv = audit_below.C_GetSlotInfo (slotID, pInfo);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetTokenInfo, SEC_NONE))
		PASS (C_GetTokenInfo, (slotID, pInfo));
	CK_RV rv = audit_below.C_GetTokenInfo (slotID, pInfo);
	/* The application's answer keeps the serial cache fresh for free. */
	if (rv == CKR_OK && pInfo != NULL)
		token_remember (slotID, pInfo);
	else if (rv == CKR_TOKEN_NOT_PRESENT)
		token_forget (slotID);
	call_slot (&c, slotID);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GetMechanismList (CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList,
			  CK_ULONG_PTR pulCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetMechanismList, SEC_NONE))
		PASS (C_GetMechanismList, (slotID, pMechanismList, pulCount));
	call_slot (&c, slotID);
	CK_RV rv = audit_below.C_GetMechanismList (slotID, pMechanismList, pulCount);
	arg_out_len (&c, "count", pulCount, rv);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GetMechanismInfo (CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetMechanismInfo, SEC_NONE))
		PASS (C_GetMechanismInfo, (slotID, type, pInfo));
	call_slot (&c, slotID);
	arg_num (&c, "mechanism", HKP11_ARG_MECHANISM, type);
	CK_RV rv = audit_below.C_GetMechanismInfo (slotID, type, pInfo);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_WaitForSlotEvent (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	call c;
	bool recording = call_begin (&c, HKP11_FN_C_WaitForSlotEvent, SEC_NONE);
	if (recording)
		arg_num (&c, "flags", HKP11_ARG_HEXNUM, flags);
	CK_RV rv = audit_below.C_WaitForSlotEvent (flags, pSlot, pReserved);
	/* A token came or went: its serial may have changed. */
	if (rv == CKR_OK && pSlot != NULL)
		token_forget (*pSlot);
	if (recording) {
		if (rv == CKR_OK && pSlot != NULL) {
			c.rec.has_slot = true;
			c.rec.slot = *pSlot;
		}
		call_end (&c, rv);
	}
	return rv;
}

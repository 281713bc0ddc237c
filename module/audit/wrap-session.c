/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wrappers by hand: tokens, sessions, logins and PINs.  Closing the last
 * session of a slot ends its login, which is then a security record (the
 * session registry below keeps sessions and logins: core/sessions.h).  A
 * PIN never reaches a record, not even its length.
 */
#include "config.h"
#include "internal.h"

CK_RV
audit_C_InitToken (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
		   CK_UTF8CHAR_PTR pLabel)
{
	call c;
	call_begin (&c, HKP11_FN_C_InitToken, SEC_GUARD);
	call_slot (&c, slotID);
	/* The label is 32 blank-padded bytes with no terminator. */
	if (pLabel != NULL)
		arg_bytes (&c, "token_label", HKP11_ARG_LABEL, pLabel,
			   hkp11_padded_len (pLabel, 32));
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_InitToken (slotID, pPin, ulPinLen, pLabel);
	/* A new token: a new serial, perhaps (no sessions are left: the
	 * registry knows). */
	token_forget (slotID);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_InitPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	call c;
	call_begin (&c, HKP11_FN_C_InitPIN, SEC_GUARD);
	call_session (&c, hSession);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_InitPIN (hSession, pPin, ulPinLen);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_SetPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
		CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	call c;
	CK_SLOT_ID slot;
	bool so;
	call_begin (&c, HKP11_FN_C_SetPIN, SEC_GUARD);
	call_session (&c, hSession);
	/* Whose PIN: the SO's when the session is logged in as SO. */
	if (hkp11_session_slot (&audit_below, hSession, &slot, &so))
		arg_num (&c, "user", HKP11_ARG_USER_TYPE, so ? CKU_SO : CKU_USER);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_SetPIN (hSession, pOldPin, ulOldLen, pNewPin, ulNewLen);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_OpenSession (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
		     CK_SESSION_HANDLE_PTR phSession)
{
	call c;
	bool recording = call_begin (&c, HKP11_FN_C_OpenSession, SEC_NONE);
	CK_RV rv = audit_below.C_OpenSession (slotID, flags, pApplication, Notify, phSession);
	if (recording) {
		call_slot (&c, slotID);
		arg_num (&c, "flags", HKP11_ARG_HEXNUM, flags);
		if (rv == CKR_OK && phSession != NULL) {
			c.rec.has_session = true;
			c.rec.session = *phSession;
		}
		call_end (&c, rv);
	}
	return rv;
}

/* Closing the last session of a slot logs out: a security record then. */
CK_RV
audit_C_CloseSession (CK_SESSION_HANDLE hSession)
{
	call c;
	CK_SLOT_ID slot = 0;
	CK_USER_TYPE user = CKU_USER;
	bool ends = close_ends_login (hSession, false, &slot, &user);
	bool recording = call_begin (&c, HKP11_FN_C_CloseSession, ends ? SEC_RECORD : SEC_NONE);
	if (recording) {
		call_session (&c, hSession);
		if (ends)
			arg_num (&c, "ends_login", HKP11_ARG_USER_TYPE, user);
	}
	CK_RV rv = audit_below.C_CloseSession (hSession);
	if (recording)
		call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_CloseAllSessions (CK_SLOT_ID slotID)
{
	call c;
	CK_SLOT_ID slot = slotID;
	CK_USER_TYPE user = CKU_USER;
	bool ends = close_ends_login (CK_INVALID_HANDLE, true, &slot, &user);
	bool recording = call_begin (&c, HKP11_FN_C_CloseAllSessions, ends ? SEC_RECORD : SEC_NONE);
	if (recording) {
		call_slot (&c, slotID);
		if (ends)
			arg_num (&c, "ends_login", HKP11_ARG_USER_TYPE, user);
	}
	CK_RV rv = audit_below.C_CloseAllSessions (slotID);
	if (recording)
		call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_Logout (CK_SESSION_HANDLE hSession)
{
	call c;
	call_begin (&c, HKP11_FN_C_Logout, SEC_RECORD);
	call_session (&c, hSession);
	CK_RV rv = audit_below.C_Logout (hSession);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GetSessionInfo (CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetSessionInfo, SEC_NONE))
		PASS (C_GetSessionInfo, (hSession, pInfo));
	call_session (&c, hSession);
	CK_RV rv = audit_below.C_GetSessionInfo (hSession, pInfo);
	if (rv == CKR_OK && pInfo != NULL)
		arg_num (&c, "state", HKP11_ARG_ULONG, pInfo->state);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_SetOperationState (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
			   CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
			   CK_OBJECT_HANDLE hAuthenticationKey)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_SetOperationState, SEC_NONE))
		PASS (C_SetOperationState, (hSession, pOperationState, ulOperationStateLen,
					    hEncryptionKey, hAuthenticationKey));
	call_session (&c, hSession);
	arg_num (&c, "state_len", HKP11_ARG_ULONG, ulOperationStateLen);
	arg_num (&c, "encryption_key", HKP11_ARG_ULONG, hEncryptionKey);
	arg_num (&c, "authentication_key", HKP11_ARG_ULONG, hAuthenticationKey);
	CK_RV rv = audit_below.C_SetOperationState (hSession, pOperationState, ulOperationStateLen,
						    hEncryptionKey, hAuthenticationKey);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_Login (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
	       CK_ULONG ulPinLen)
{
	call c;
	call_begin (&c, HKP11_FN_C_Login, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "user", HKP11_ARG_USER_TYPE, userType);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_Login (hSession, userType, pPin, ulPinLen);
	if (rv != CKR_OK && rv != CKR_FUNCTION_FAILED)
		arg_pin_state (&c, userType);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_LoginUser (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		   CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	call c;
	call_begin (&c, HKP11_FN_C_LoginUser, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "user", HKP11_ARG_USER_TYPE, userType);
	if (pUsername != NULL)
		arg_bytes (&c, "username", HKP11_ARG_TEXT, pUsername, ulUsernameLen);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_LoginUser (hSession, userType, pPin, ulPinLen, pUsername,
					      ulUsernameLen);
	if (rv != CKR_OK && rv != CKR_FUNCTION_FAILED)
		arg_pin_state (&c, userType);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_SessionCancel (CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_SessionCancel, SEC_NONE))
		PASS (C_SessionCancel, (hSession, flags));
	call_session (&c, hSession);
	arg_num (&c, "flags", HKP11_ARG_HEXNUM, flags);
	CK_RV rv = audit_below.C_SessionCancel (hSession, flags);
	call_end (&c, rv);
	return rv;
}

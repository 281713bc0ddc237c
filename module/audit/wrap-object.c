/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wrappers by hand: objects.  Creating, copying, changing and destroying
 * an object are security records that name it by class, label and id (read
 * before the call, from the token or the template); reading and finding
 * list attribute types and lengths, never values.
 */
#include "config.h"
#include "internal.h"

CK_RV
audit_C_CreateObject (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		      CK_OBJECT_HANDLE_PTR phObject)
{
	call c;
	object_info oi;
	call_begin (&c, HKP11_FN_C_CreateObject, SEC_GUARD);
	call_session (&c, hSession);
	object_from_template (pTemplate, ulCount, &oi);
	arg_object (&c, &oi, &OBJECT);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_CreateObject (hSession, pTemplate, ulCount, phObject);
	if (rv == CKR_OK && phObject != NULL)
		arg_num (&c, "object", HKP11_ARG_ULONG, *phObject);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_CopyObject (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
		    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
	call c;
	object_info oi, changes;
	call_begin (&c, HKP11_FN_C_CopyObject, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	object_read (hSession, hObject, &oi);
	arg_object (&c, &oi, &OBJECT);
	object_from_template (pTemplate, ulCount, &changes);
	arg_object (&c, &changes, &NEW);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_CopyObject (hSession, hObject, pTemplate, ulCount, phNewObject);
	if (rv == CKR_OK && phNewObject != NULL)
		arg_num (&c, "new_object", HKP11_ARG_ULONG, *phNewObject);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_DestroyObject (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	call c;
	object_info oi;
	call_begin (&c, HKP11_FN_C_DestroyObject, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	/* Read before it is gone. */
	object_read (hSession, hObject, &oi);
	arg_object (&c, &oi, &OBJECT);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_DestroyObject (hSession, hObject);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_SetAttributeValue (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	call c;
	object_info oi, changes;
	call_begin (&c, HKP11_FN_C_SetAttributeValue, SEC_GUARD);
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	object_read (hSession, hObject, &oi);
	arg_object (&c, &oi, &OBJECT);
	object_from_template (pTemplate, ulCount, &changes);
	arg_object (&c, &changes, &NEW);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = call_permit (&c);
	if (rv == CKR_OK)
		rv = audit_below.C_SetAttributeValue (hSession, hObject, pTemplate, ulCount);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GetObjectSize (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetObjectSize, SEC_NONE))
		PASS (C_GetObjectSize, (hSession, hObject, pulSize));
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	CK_RV rv = audit_below.C_GetObjectSize (hSession, hObject, pulSize);
	arg_out_len (&c, "size", pulSize, rv);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_GetAttributeValue (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_GetAttributeValue, SEC_NONE))
		PASS (C_GetAttributeValue, (hSession, hObject, pTemplate, ulCount));
	call_session (&c, hSession);
	arg_num (&c, "object", HKP11_ARG_ULONG, hObject);
	CK_RV rv = audit_below.C_GetAttributeValue (hSession, hObject, pTemplate, ulCount);
	/* Types and the lengths the token answered; never the values. */
	arg_template (&c, "template", pTemplate, ulCount);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_FindObjectsInit (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_FindObjectsInit, SEC_NONE))
		PASS (C_FindObjectsInit, (hSession, pTemplate, ulCount));
	call_session (&c, hSession);
	arg_template (&c, "template", pTemplate, ulCount);
	CK_RV rv = audit_below.C_FindObjectsInit (hSession, pTemplate, ulCount);
	call_end (&c, rv);
	return rv;
}

CK_RV
audit_C_FindObjects (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
		     CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	call c;
	if (!call_begin (&c, HKP11_FN_C_FindObjects, SEC_NONE))
		PASS (C_FindObjects, (hSession, phObject, ulMaxObjectCount, pulObjectCount));
	call_session (&c, hSession);
	arg_num (&c, "max", HKP11_ARG_ULONG, ulMaxObjectCount);
	CK_RV rv = audit_below.C_FindObjects (hSession, phObject, ulMaxObjectCount, pulObjectCount);
	arg_out_len (&c, "count", pulObjectCount, rv);
	call_end (&c, rv);
	return rv;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keeping the cache true.  Writes through the shim (create, copy, set,
 * destroy, generate, unwrap), logging in or out, sessions opening and
 * closing and slot events mark a token's list stale or forget an object;
 * the list is rebuilt on next use, reusing every certificate parsed.
 */
#include "config.h"
#include "internal.h"
#include "lockfree/epoch.h"

#include <stdlib.h>

CK_RV
labels_C_OpenSession (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
		      CK_SESSION_HANDLE_PTR phSession)
{
	CK_RV rv = labels_below.C_OpenSession (slotID, flags, pApplication, Notify, phSession);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock (&labels_lock);
	/* A handle the backend reused before we saw it close: its find is over. */
	find_rec *stale = hkp11_handle_map_steal (&labels_finds, *phSession, 0);
	if (stale != NULL)
		set_finding_unlocked (stale, false);
	hkp11_epoch_retire (stale, find_rec_free);
	token *t = token_get_unlocked (slotID);
	/* The first session after none: the token may have been swapped.  The
	 * registry below knows best: a token seen pulled out took its
	 * sessions with it, before the program closes them. */
	if (t != NULL && hkp11_slot_sessions (slotID) <= 1)
		t->n_sessions = 0;
	if (t != NULL && t->n_sessions++ == 0)
		invalidate_unlocked (slotID);
	unlock_writer ();
	return rv;
}

CK_RV
labels_C_CloseSession (CK_SESSION_HANDLE hSession)
{
	/* Asked before the call: the registry below forgets the session in it. */
	CK_SLOT_ID slot;
	bool known = hkp11_session_find (hSession, &slot, NULL);
	CK_RV rv = labels_below.C_CloseSession (hSession);
	if (rv != CKR_OK && rv != CKR_SESSION_HANDLE_INVALID)
		return rv;
	pthread_mutex_lock (&labels_lock);
	find_rec *f = hkp11_handle_map_steal (&labels_finds, hSession, 0);
	if (f != NULL)
		set_finding_unlocked (f, false);
	hkp11_epoch_retire (f, find_rec_free);
	if (known) {
		token *t = token_find (slot);
		if (t != NULL && t->n_sessions > 0)
			t->n_sessions--;
		/* Its session objects are gone and their handles may come back:
		 * keys are paired again when next read.  With the last session
		 * gone the token may be swapped, so everything is looked at again. */
		if (t != NULL && t->n_sessions == 0)
			invalidate_unlocked (slot);
		else
			hkp11_handle_map_remove_if (&labels_objects, key_in_slot, &slot, free);
	}
	unlock_writer ();
	return rv;
}

CK_RV
labels_C_CloseAllSessions (CK_SLOT_ID slotID)
{
	CK_RV rv = labels_below.C_CloseAllSessions (slotID);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock (&labels_lock);
	hkp11_handle_map_remove_if (&labels_finds, find_in_slot, &slotID, find_rec_free);
	token *t = token_find (slotID);
	if (t != NULL)
		t->n_sessions = 0;
	invalidate_unlocked (slotID);
	unlock_writer ();
	return rv;
}

/* Logging in or out shows or hides private objects. */
static void
invalidate_session_slot (CK_SESSION_HANDLE session)
{
	CK_SLOT_ID slot;
	if (!hkp11_session_find (session, &slot, NULL))
		return;
	pthread_mutex_lock (&labels_lock);
	invalidate_unlocked (slot);
	pthread_mutex_unlock (&labels_lock);
}

CK_RV
labels_C_Login (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		CK_ULONG ulPinLen)
{
	CK_RV rv = labels_below.C_Login (hSession, userType, pPin, ulPinLen);
	if (rv == CKR_OK)
		invalidate_session_slot (hSession);
	return rv;
}

CK_RV
labels_C_LoginUser (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		    CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	CK_RV rv = labels_below.C_LoginUser (hSession, userType, pPin, ulPinLen, pUsername,
					     ulUsernameLen);
	if (rv == CKR_OK)
		invalidate_session_slot (hSession);
	return rv;
}

CK_RV
labels_C_Logout (CK_SESSION_HANDLE hSession)
{
	CK_RV rv = labels_below.C_Logout (hSession);
	if (rv == CKR_OK)
		invalidate_session_slot (hSession);
	return rv;
}

CK_RV
labels_C_InitToken (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
		    CK_UTF8CHAR_PTR pLabel)
{
	CK_RV rv = labels_below.C_InitToken (slotID, pPin, ulPinLen, pLabel);
	if (rv == CKR_OK) {
		pthread_mutex_lock (&labels_lock);
		token *t = token_find (slotID);
		if (t != NULL)
			t->have_serial = false; /* nothing parsed before holds */
		invalidate_unlocked (slotID);
		pthread_mutex_unlock (&labels_lock);
	}
	return rv;
}

/*
 * An object changed or went away.  A key is forgotten at once.  A
 * certificate keeps answering its old label until the next scan replaces
 * it (so that threads reading meanwhile see a name, not the raw label),
 * but the scan parses it afresh.
 */
static void
forget_object (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object)
{
	CK_SLOT_ID slot;
	bool known = hkp11_session_find (session, &slot, NULL);
	pthread_mutex_lock (&labels_lock);
	token *t = known ? token_find (slot) : NULL;
	cert_rec *c = t ? cert_find_unlocked (t, object) : NULL;
	if (c != NULL) {
		if (c->p != NULL)
			c->p->dead = true;
		parsed_unref_unlocked (c->p);
		c->p = NULL;
		c->named = false;
		invalidate_unlocked (slot);
	} else if (known) {
		hkp11_epoch_retire (hkp11_handle_map_steal (&labels_objects, slot, object), free);
	}
	unlock_writer ();
}

static bool
may_be_certificate (const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	for (CK_ULONG i = 0; tmpl != NULL && i < count; i++) {
		if (tmpl[i].type == CKA_CLASS && tmpl[i].pValue != NULL &&
		    tmpl[i].ulValueLen == sizeof (CK_OBJECT_CLASS))
			return *(CK_OBJECT_CLASS *)tmpl[i].pValue == CKO_CERTIFICATE;
	}
	return true;
}

CK_RV
labels_C_CreateObject (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		       CK_OBJECT_HANDLE_PTR phObject)
{
	CK_RV rv = labels_below.C_CreateObject (hSession, pTemplate, ulCount, phObject);
	if (rv != CKR_OK)
		return rv;
	/* A new certificate changes which labels are unique and which keys
	 * pair with what; a new key is classified when first read. */
	if (may_be_certificate (pTemplate, ulCount))
		invalidate_session_slot (hSession);
	else
		forget_object (hSession, *phObject);
	return rv;
}

CK_RV
labels_C_CopyObject (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
		     CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
	CK_RV rv = labels_below.C_CopyObject (hSession, hObject, pTemplate, ulCount, phNewObject);
	if (rv == CKR_OK)
		invalidate_session_slot (hSession);
	return rv;
}

CK_RV
labels_C_DestroyObject (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	CK_RV rv = labels_below.C_DestroyObject (hSession, hObject);
	if (rv == CKR_OK || rv == CKR_OBJECT_HANDLE_INVALID)
		forget_object (hSession, hObject);
	return rv;
}

CK_RV
labels_C_SetAttributeValue (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	CK_RV rv = labels_below.C_SetAttributeValue (hSession, hObject, pTemplate, ulCount);
	/* Even a failed write may have changed part of the object. */
	forget_object (hSession, hObject);
	return rv;
}

CK_RV
labels_C_GenerateKeyPair (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			  CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
			  CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
			  CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	CK_RV rv = labels_below.C_GenerateKeyPair (
		hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount,
		pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey);
	/* A handle the backend reuses must not inherit an old answer. */
	if (rv == CKR_OK) {
		forget_object (hSession, *phPublicKey);
		forget_object (hSession, *phPrivateKey);
	}
	return rv;
}

CK_RV
labels_C_UnwrapKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		    CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey,
		    CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount,
		    CK_OBJECT_HANDLE_PTR phKey)
{
	CK_RV rv = labels_below.C_UnwrapKey (hSession, pMechanism, hUnwrappingKey, pWrappedKey,
					     ulWrappedKeyLen, pTemplate, ulAttributeCount, phKey);
	if (rv == CKR_OK)
		forget_object (hSession, *phKey);
	return rv;
}

CK_RV
labels_C_WaitForSlotEvent (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	CK_RV rv = labels_below.C_WaitForSlotEvent (flags, pSlot, pReserved);
	if (rv == CKR_OK && pSlot != NULL) {
		pthread_mutex_lock (&labels_lock);
		token *t = token_find (*pSlot);
		if (t != NULL)
			t->have_serial = false;
		invalidate_unlocked (*pSlot);
		pthread_mutex_unlock (&labels_lock);
	}
	return rv;
}

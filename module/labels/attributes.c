/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A label read: C_GetAttributeValue answers the friendly label in place of
 * CKA_LABEL (size queries and CKR_BUFFER_TOO_SMALL included).  A repeated
 * read takes no lock (cached_label); anything else takes the slow path.
 */
#include "config.h"
#include "internal.h"
#include "lockfree/epoch.h"

#include <stdlib.h>
#include <string.h>

/*
 * The fast path of a label read, without the lock: what the cache holds
 * for object when its token's list is current.  Returns 1 when the object
 * has a friendly label (copied into buf), 0 when it keeps its own, -1 when
 * the cache cannot say.
 */
static int
cached_label (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, char *buf, size_t *len)
{
	hkp11_epoch_reader *r = hkp11_epoch_enter ();
	int known = -1;
	if (r == NULL)
		return -1;
	const hkp11_session *s = hkp11_session_get (session);
	const token *t = s ? token_find (s->slot) : NULL;
	const obj_rec *o = t && __atomic_load_n (&t->ready, __ATOMIC_SEQ_CST)
				   ? hkp11_handle_map_get (&labels_objects, s->slot, object)
				   : NULL;
	if (o != NULL) {
		known = o->named;
		if (o->named) {
			memcpy (buf, o->label, o->label_len + 1);
			*len = o->label_len;
		}
	}
	hkp11_epoch_exit (r);
	return known;
}

/*
 * The friendly label of object, copied into buf (HKP11_LABEL_SIZE bytes).
 * Returns false when the object keeps the label the token gave it.
 */
bool
friendly_label (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, char *buf, size_t *len)
{
	CK_SLOT_ID slot;
	int known = cached_label (session, object, buf, len);
	if (known >= 0)
		return known;
	if (!hkp11_session_slot (&labels_below, session, &slot, NULL))
		return false;

	bool current = false;
again:;
	token *t = ready_token_locked (slot, session, current);
	if (t == NULL)
		return false;
	obj_rec *o = hkp11_handle_map_get (&labels_objects, slot, object);
	if (o == NULL && t->stale && !current) {
		/* A list another thread is rebuilding, without the object: it
		 * may hold the backend's old handles (SoftHSM renumbers them when
		 * a slot's last session closes, as the layer's own scan session
		 * does).  A certificate missing from it is not a guess to make:
		 * look with a list of this thread's own. */
		pthread_mutex_unlock (&labels_lock);
		current = true;
		goto again;
	}
	if (o != NULL) {
		bool named = o->named;
		if (named) {
			memcpy (buf, o->label, o->label_len + 1);
			*len = o->label_len;
		}
		pthread_mutex_unlock (&labels_lock);
		return named;
	}
	unsigned long generation = t->generation;
	pthread_mutex_unlock (&labels_lock);

	o = classify (session, slot, object);
	if (o == NULL)
		return false;
	bool named = o->named;
	if (named) {
		memcpy (buf, o->label, o->label_len + 1);
		*len = o->label_len;
	}
	/* Cache it unless the token changed meanwhile, or a scan has put its
	 * own answer there (a certificate's). */
	pthread_mutex_lock (&labels_lock);
	if (t->generation == generation && !t->stale &&
	    hkp11_handle_map_get (&labels_objects, slot, object) == NULL &&
	    hkp11_handle_map_put (&labels_objects, slot, object, o, NULL))
		o = NULL;
	pthread_mutex_unlock (&labels_lock);
	free (o);
	return named;
}

CK_RV
labels_C_GetAttributeValue (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	char label[HKP11_LABEL_SIZE];
	size_t label_len = 0;
	CK_ATTRIBUTE local[16], *copy = local;
	CK_OBJECT_CLASS scratch;
	CK_RV rv, label_rv = CKR_OK;
	CK_ULONG i;

	if (pTemplate == NULL)
		return labels_below.C_GetAttributeValue (hSession, hObject, pTemplate, ulCount);
	for (i = 0; i < ulCount && pTemplate[i].type != CKA_LABEL; i++)
		;
	if (i == ulCount || !friendly_label (hSession, hObject, label, &label_len))
		return labels_below.C_GetAttributeValue (hSession, hObject, pTemplate, ulCount);

	/*
	 * The backend still answers every other attribute, and validates the
	 * session and object; in place of CKA_LABEL it reads CKA_CLASS, which
	 * every object has, into a scratch buffer.
	 */
	if (ulCount > sizeof local / sizeof local[0]) {
		copy = calloc (ulCount, sizeof *copy);
		if (copy == NULL)
			return CKR_HOST_MEMORY;
	}
	for (i = 0; i < ulCount; i++) {
		copy[i] = pTemplate[i];
		if (pTemplate[i].type == CKA_LABEL) {
			copy[i].type = CKA_CLASS;
			copy[i].pValue = &scratch;
			copy[i].ulValueLen = sizeof scratch;
		}
	}
	rv = labels_below.C_GetAttributeValue (hSession, hObject, copy, ulCount);
	if (!per_attribute_rv (rv))
		goto out;

	for (i = 0; i < ulCount; i++) {
		if (pTemplate[i].type != CKA_LABEL) {
			pTemplate[i].ulValueLen = copy[i].ulValueLen;
		} else if (pTemplate[i].pValue == NULL) {
			pTemplate[i].ulValueLen = label_len;
		} else if (pTemplate[i].ulValueLen < label_len) {
			pTemplate[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			label_rv = CKR_BUFFER_TOO_SMALL;
		} else {
			memcpy (pTemplate[i].pValue, label, label_len);
			pTemplate[i].ulValueLen = label_len;
		}
	}
	/* Several attribute errors: any one of them may be returned. */
	if (rv == CKR_OK)
		rv = label_rv;
out:
	if (copy != local)
		free (copy);
	return rv;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A find by friendly label: C_FindObjectsInit with a CKA_LABEL that is one
 * of the token's friendly labels finds those objects, and those whose own
 * label it is; the layer then answers C_FindObjects and C_FindObjectsFinal
 * for that session itself.  Every other find passes by.
 */
#include "config.h"
#include "internal.h"
#include "lockfree/epoch.h"

#include <stdlib.h>
#include <string.h>

static bool
is_friendly_label_unlocked (const token *t, const void *value, CK_ULONG len)
{
	for (size_t i = 0; i < t->n_certs; i++) {
		const cert_rec *c = &t->certs[i];
		if (c->named && strlen (c->label) == len && memcmp (c->label, value, len) == 0)
			return true;
	}
	return false;
}

/* Whether the template asks for a friendly label of the token's. */
static bool
wants_friendly_label (CK_SESSION_HANDLE session, const CK_ATTRIBUTE *label)
{
	CK_SLOT_ID slot;
	if (label->pValue == NULL || label->ulValueLen == 0 ||
	    label->ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    !hkp11_session_slot (&labels_below, session, &slot, NULL))
		return false;
	token *t = ready_token_locked (slot, session, false);
	if (t == NULL)
		return false;
	bool found = is_friendly_label_unlocked (t, label->pValue, label->ulValueLen);
	pthread_mutex_unlock (&labels_lock);
	return found;
}

static bool
contains (const CK_OBJECT_HANDLE *list, CK_ULONG n, CK_OBJECT_HANDLE h)
{
	for (CK_ULONG i = 0; i < n; i++) {
		if (list[i] == h)
			return true;
	}
	return false;
}

/*
 * Objects whose friendly label is the one asked for, plus those whose own
 * label is: the backend finds the second kind, and everything that matches
 * the rest of the template is checked for the first.
 */
static CK_RV
find_by_friendly_label (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
			CK_ULONG label_at, CK_OBJECT_HANDLE **result, CK_ULONG *n_result)
{
	CK_OBJECT_HANDLE *by_own = NULL, *candidates = NULL, *out = NULL;
	CK_ULONG n_own = 0, n_candidates = 0, n_out = 0;
	CK_ATTRIBUTE local[16], *rest = local;
	const CK_ATTRIBUTE *wanted = &tmpl[label_at];
	char label[HKP11_LABEL_SIZE];
	size_t label_len;
	CK_RV rv;

	if (count - 1 > sizeof local / sizeof local[0] &&
	    (rest = calloc (count, sizeof *rest)) == NULL)
		return CKR_HOST_MEMORY;
	for (CK_ULONG i = 0, j = 0; i < count; i++) {
		if (i != label_at)
			rest[j++] = tmpl[i];
	}

	rv = find_all (session, tmpl, count, &by_own, &n_own);
	if (rv != CKR_OK)
		goto out;
	rv = find_all (session, rest, count - 1, &candidates, &n_candidates);
	if (rv != CKR_OK)
		goto out;
	out = malloc ((n_own + n_candidates + 1) * sizeof *out);
	if (out == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	for (CK_ULONG i = 0; i < n_candidates; i++) {
		if (friendly_label (session, candidates[i], label, &label_len) &&
		    label_len == wanted->ulValueLen &&
		    memcmp (label, wanted->pValue, label_len) == 0)
			out[n_out++] = candidates[i];
	}
	for (CK_ULONG i = 0; i < n_own; i++) {
		if (!contains (out, n_out, by_own[i]))
			out[n_out++] = by_own[i];
	}
	*result = out;
	*n_result = n_out;
	out = NULL;
out:
	free (out);
	free (by_own);
	free (candidates);
	if (rest != local)
		free (rest);
	return rv;
}

/* Whether this layer answers the find under way on session (one by
 * friendly label); without the lock, so that every other find passes by
 * at the cost of a lookup. */
static bool
finding_here (CK_SESSION_HANDLE session)
{
	if (__atomic_load_n (&labels_n_finding, __ATOMIC_SEQ_CST) == 0)
		return false;
	hkp11_epoch_reader *r = hkp11_epoch_enter ();
	if (r == NULL)
		return true; /* the caller looks again under the lock */
	const find_rec *s = hkp11_handle_map_get (&labels_finds, session, 0);
	bool finding = s != NULL && __atomic_load_n (&s->finding, __ATOMIC_SEQ_CST);
	hkp11_epoch_exit (r);
	return finding;
}

CK_RV
labels_C_FindObjectsInit (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	CK_OBJECT_HANDLE *found = NULL;
	CK_ULONG n_found = 0, label_at;
	find_rec *s;
	CK_RV rv;

	if (finding_here (hSession)) {
		pthread_mutex_lock (&labels_lock);
		s = hkp11_handle_map_get (&labels_finds, hSession, 0);
		bool busy = s != NULL && s->finding;
		pthread_mutex_unlock (&labels_lock);
		if (busy)
			return CKR_OPERATION_ACTIVE;
	}

	if (pTemplate == NULL)
		return labels_below.C_FindObjectsInit (hSession, pTemplate, ulCount);
	for (label_at = 0; label_at < ulCount && pTemplate[label_at].type != CKA_LABEL; label_at++)
		;
	if (label_at == ulCount || !wants_friendly_label (hSession, &pTemplate[label_at]))
		return labels_below.C_FindObjectsInit (hSession, pTemplate, ulCount);

	rv = find_by_friendly_label (hSession, pTemplate, ulCount, label_at, &found, &n_found);
	if (rv != CKR_OK)
		return rv;

	/* The session's first find by friendly label: its record now. */
	CK_SLOT_ID slot = 0;
	find_rec *fresh = NULL;
	bool open = hkp11_session_slot (&labels_below, hSession, &slot, NULL);
	if (open && (fresh = calloc (1, sizeof *fresh)) != NULL)
		fresh->slot = slot;

	pthread_mutex_lock (&labels_lock);
	s = hkp11_handle_map_get (&labels_finds, hSession, 0);
	if (s == NULL && fresh != NULL &&
	    hkp11_handle_map_put (&labels_finds, hSession, 0, fresh, NULL)) {
		s = fresh;
		fresh = NULL;
	}
	if (s == NULL || s->finding) {
		/* Closed, or another thread started a find on it, meanwhile. */
		rv = s != NULL ? CKR_OPERATION_ACTIVE
		     : open    ? CKR_HOST_MEMORY
			       : CKR_SESSION_HANDLE_INVALID;
		free (found);
	} else {
		s->found = found;
		s->n_found = n_found;
		s->next = 0;
		set_finding_unlocked (s, true);
	}
	pthread_mutex_unlock (&labels_lock);
	free (fresh);
	return rv;
}

CK_RV
labels_C_FindObjects (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
		      CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	if (!finding_here (hSession))
		return labels_below.C_FindObjects (hSession, phObject, ulMaxObjectCount,
						   pulObjectCount);
	pthread_mutex_lock (&labels_lock);
	find_rec *s = hkp11_handle_map_get (&labels_finds, hSession, 0);
	if (s == NULL || !s->finding) {
		pthread_mutex_unlock (&labels_lock);
		return labels_below.C_FindObjects (hSession, phObject, ulMaxObjectCount,
						   pulObjectCount);
	}
	CK_RV rv = CKR_OK;
	if (phObject == NULL || pulObjectCount == NULL) {
		rv = CKR_ARGUMENTS_BAD;
	} else {
		CK_ULONG n = s->n_found - s->next;
		if (n > ulMaxObjectCount)
			n = ulMaxObjectCount;
		memcpy (phObject, s->found + s->next, n * sizeof *phObject);
		s->next += n;
		*pulObjectCount = n;
	}
	pthread_mutex_unlock (&labels_lock);
	return rv;
}

CK_RV
labels_C_FindObjectsFinal (CK_SESSION_HANDLE hSession)
{
	if (!finding_here (hSession))
		return labels_below.C_FindObjectsFinal (hSession);
	pthread_mutex_lock (&labels_lock);
	find_rec *s = hkp11_handle_map_get (&labels_finds, hSession, 0);
	if (s == NULL || !s->finding) {
		pthread_mutex_unlock (&labels_lock);
		return labels_below.C_FindObjectsFinal (hSession);
	}
	free (s->found);
	s->found = NULL;
	set_finding_unlocked (s, false);
	pthread_mutex_unlock (&labels_lock);
	return CKR_OK;
}

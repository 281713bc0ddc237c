/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The labels layer's tables and their helpers: tokens (per slot: the
 * certificates, scanned), objects (per slot and handle: the label) and
 * finds (per session: a find by friendly label the layer answers).  Which
 * slot a session belongs to, the session registry says (core/sessions.h).
 */
#include "config.h"
#include "internal.h"
#include "lockfree/epoch.h"

#include <stdlib.h>
#include <string.h>

bool
per_attribute_rv (CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	       rv == CKR_BUFFER_TOO_SMALL;
}

void
parsed_unref_unlocked (parsed_cert *p)
{
	if (p != NULL && --p->refs == 0)
		free (p);
}

void
certs_free_unlocked (cert_rec *certs, size_t n)
{
	for (size_t i = 0; certs != NULL && i < n; i++) {
		parsed_unref_unlocked (certs[i].p);
		free (certs[i].label);
	}
	free (certs);
}

void
find_rec_free (void *value)
{
	find_rec *s = value;
	if (s != NULL)
		free (s->found);
	free (s);
}

/* Ends a change to the tables, and frees what readers can no longer see. */
void
unlock_writer (void)
{
	pthread_mutex_unlock (&labels_lock);
	hkp11_epoch_reclaim ();
}

/* Under the lock, or in an epoch read section: tokens are only retired. */
token *
token_find (CK_SLOT_ID slot)
{
	for (token *t = __atomic_load_n (&labels_tokens, __ATOMIC_SEQ_CST); t; t = t->next) {
		if (t->slot == slot)
			return t;
	}
	return NULL;
}

token *
token_get_unlocked (CK_SLOT_ID slot)
{
	token *t = token_find (slot);
	if (t == NULL && (t = calloc (1, sizeof *t)) != NULL) {
		t->slot = slot;
		t->next = labels_tokens;
		__atomic_store_n (&labels_tokens, t, __ATOMIC_SEQ_CST);
	}
	return t;
}

void
set_stale_unlocked (token *t, bool stale)
{
	t->stale = stale;
	__atomic_store_n (&t->ready, t->scanned && !stale, __ATOMIC_SEQ_CST);
}

void
invalidate_unlocked (CK_SLOT_ID slot)
{
	token *t = token_find (slot);
	if (t != NULL) {
		set_stale_unlocked (t, true);
		t->generation++;
	}
}

cert_rec *
cert_find_unlocked (token *t, CK_OBJECT_HANDLE handle)
{
	size_t lo = 0, hi = t->n_certs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->certs[mid].handle == handle)
			return &t->certs[mid];
		if (t->certs[mid].handle < handle)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool
same_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx)
{
	return a == *(CK_SLOT_ID *)ctx;
}

bool
key_in_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx)
{
	return a == *(CK_SLOT_ID *)ctx && !((obj_rec *)value)->is_cert;
}

/* A find the layer answers starts or ends (the session may be closing). */
void
set_finding_unlocked (find_rec *s, bool finding)
{
	if (s->finding == finding)
		return;
	__atomic_store_n (&labels_n_finding, labels_n_finding + (finding ? 1 : -1),
			  __ATOMIC_SEQ_CST);
	__atomic_store_n (&s->finding, finding, __ATOMIC_SEQ_CST);
}

/* Drops the finds of a slot's sessions. */
bool
find_in_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx)
{
	find_rec *s = value;
	if (s->slot != *(CK_SLOT_ID *)ctx)
		return false;
	set_finding_unlocked (s, false);
	return true;
}

obj_rec *
obj_rec_new (bool named, const char *label)
{
	size_t len = named ? strlen (label) : 0;
	obj_rec *o = malloc (sizeof *o + len + 1);
	if (o == NULL)
		return NULL;
	o->named = named;
	o->is_cert = false;
	o->label_len = len;
	memcpy (o->label, named ? label : "", len + 1);
	return o;
}

/*
 * The token in slot with its certificates known, returned with the lock
 * held; NULL (lock not held) when they cannot be listed.  A list that is
 * stale is scanned again, unless another thread is doing just that: then
 * the list already there answers meanwhile (unless current: then this
 * thread scans too).
 */
token *
ready_token_locked (CK_SLOT_ID slot, CK_SESSION_HANDLE caller, bool current)
{
	bool scanned_now = false;
	for (;;) {
		pthread_mutex_lock (&labels_lock);
		token *t = token_find (slot);
		if (t != NULL && t->scanned &&
		    (!t->stale || (t->scanning > 0 && !current) || scanned_now))
			return t;
		pthread_mutex_unlock (&labels_lock);
		if (scanned_now || !scan_token (slot, caller, current))
			return NULL;
		scanned_now = true;
	}
}

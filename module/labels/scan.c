/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scanning a token: its X.509 certificates listed on a session of the
 * layer's own, parsed once (common/ecert/ecert.c) and kept compact, named, their
 * labels made unique on the token, and installed for readers.
 */
#include "config.h"
#include "internal.h"
#include "base/compat.h"
#include "lockfree/epoch.h"

#include <stdlib.h>
#include <string.h>

/* Runs a whole find on session; *found is malloc'd. */
CK_RV
find_all (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
	  CK_OBJECT_HANDLE **found, CK_ULONG *n_found)
{
	CK_OBJECT_HANDLE *list = NULL;
	CK_ULONG n = 0, cap = 0;
	CK_RV rv = labels_below.C_FindObjectsInit (session, tmpl, count);
	if (rv != CKR_OK)
		return rv;
	for (;;) {
		if (n + 64 > cap) {
			cap = cap ? cap * 2 : 64;
			CK_OBJECT_HANDLE *grown = realloc (list, cap * sizeof *list);
			if (grown == NULL) {
				rv = CKR_HOST_MEMORY;
				break;
			}
			list = grown;
		}
		CK_ULONG got = 0;
		rv = labels_below.C_FindObjects (session, list + n, 64, &got);
		if (rv != CKR_OK || got == 0)
			break;
		n += got;
	}
	CK_RV final = labels_below.C_FindObjectsFinal (session);
	if (rv == CKR_OK)
		rv = final;
	if (rv != CKR_OK) {
		free (list);
		return rv;
	}
	*found = list;
	*n_found = n;
	return CKR_OK;
}

/* Appends a string to the record's storage; NULL stays NULL. */
static const char *
keep_string (char **at, const char *text)
{
	if (text == NULL)
		return NULL;
	size_t len = strlen (text) + 1;
	char *s = memcpy (*at, text, len);
	*at += len;
	return s;
}

/*
 * What is kept of a parsed certificate: its labels are built now, once
 * (the settings do not change while the layer runs), and the public key
 * is kept as a digest.
 */
static parsed_cert *
compact_cert (const hkp11_ecert *e, const unsigned char *id, size_t id_len)
{
	hkp11_label_language lang = (hkp11_label_language)labels_now.language;
	char label[HKP11_LABEL_SIZE] = "", token_label[HKP11_LABEL_SIZE] = "";
	const char *srn = NULL, *serial = NULL;

	if (e->recognised)
		hkp11_label_build (e,
				   labels_now.label_template ? labels_now.label_template
							     : hkp11_label_default_template (lang),
				   lang, label, sizeof label);
	else if (e->parsed && labels_now.mode == HKP11_LABELS_ALL)
		hkp11_label_build (e, hkp11_label_subject_template (lang), lang, label,
				   sizeof label);
	if (e->recognised && labels_now.token_label_template != NULL)
		hkp11_label_build (e, labels_now.token_label_template, lang, token_label,
				   sizeof token_label);
	/* What tells twins apart is only needed for a certificate with a name. */
	if (label[0] != '\0') {
		srn = e->srn;
		serial = e->serial;
	}

	size_t size = sizeof (parsed_cert) + id_len + (label[0] ? strlen (label) + 1 : 0) +
		      (token_label[0] ? strlen (token_label) + 1 : 0) +
		      (srn ? strlen (srn) + 1 : 0) + (serial ? strlen (serial) + 1 : 0);
	parsed_cert *p = calloc (1, size);
	if (p == NULL)
		return NULL;
	p->refs = 1;
	p->recognised = e->recognised;
	if (e->recognised)
		p->rank = (e->kind == HKP11_ECERT_PERSONAL || e->kind == HKP11_ECERT_MINOR ||
			   e->kind == HKP11_ECERT_ORGANISATIONAL)
				  ? 2
				  : 1;
	if (e->key_material_len > 0 &&
	    hkp11_key_digest (e->key_material, e->key_material_len, p->key_digest))
		p->key_type = e->key_type;
	hkp11_strlcpy (p->expiry, e->expiry, sizeof p->expiry);
	p->id_len = id_len;
	if (id_len > 0)
		memcpy (p->id, id, id_len);
	char *at = (char *)p->id + id_len;
	p->label = keep_string (&at, label[0] ? label : NULL);
	p->token_label = keep_string (&at, token_label[0] ? token_label : NULL);
	p->srn = keep_string (&at, srn);
	p->serial = keep_string (&at, serial);
	return p;
}

/* The largest certificate (and CKA_ID) the layer reads. */
#define CERT_MAX (256 * 1024)

/* Reads CKA_VALUE and CKA_ID of a certificate and parses it. */
static parsed_cert *
read_cert (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE handle)
{
	CK_ATTRIBUTE a[2] = { { CKA_VALUE, NULL, 0 }, { CKA_ID, NULL, 0 } };
	CK_RV rv = labels_below.C_GetAttributeValue (session, handle, a, 2);
	hkp11_ecert *e = NULL;
	parsed_cert *p = NULL;

	if (!per_attribute_rv (rv) || a[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    a[0].ulValueLen == 0)
		return NULL;
	if (a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION)
		a[1].ulValueLen = 0;
	/* Never allocate whatever a backend claims: no certificate, nor its
	 * CKA_ID, comes near this (fuzz-template, size queries answering 2^63). */
	if (a[0].ulValueLen > CERT_MAX || a[1].ulValueLen > CERT_MAX)
		return NULL;
	a[0].pValue = malloc (a[0].ulValueLen);
	a[1].pValue = malloc (a[1].ulValueLen ? a[1].ulValueLen : 1);
	e = malloc (sizeof *e);
	if (a[0].pValue == NULL || a[1].pValue == NULL || e == NULL)
		goto out;
	rv = labels_below.C_GetAttributeValue (session, handle, a, a[1].ulValueLen ? 2 : 1);
	if (rv != CKR_OK)
		goto out;
	/* Malformed DER parses as "not recognised": it is kept all the same,
	 * so that it is not read again at every scan. */
	hkp11_ecert_parse (a[0].pValue, a[0].ulValueLen, e);
	p = compact_cert (e, a[1].pValue, a[1].ulValueLen);
out:
	free (a[0].pValue);
	free (a[1].pValue);
	free (e);
	return p;
}

static int
compare_certs (const void *a, const void *b)
{
	const cert_rec *x = a, *y = b;
	return (x->handle > y->handle) - (x->handle < y->handle);
}

static int
compare_label_ptrs (const void *a, const void *b)
{
	return strcmp (*(const char *const *)a, *(const char *const *)b);
}

/* Whether two of the n labels are the same. */
static bool
any_twins (const char **labels, size_t n)
{
	qsort (labels, n, sizeof *labels, compare_label_ptrs);
	for (size_t i = 1; i < n; i++) {
		if (strcmp (labels[i - 1], labels[i]) == 0)
			return true;
	}
	return false;
}

/*
 * Gives each named certificate its label, made unique on the token.  Twins
 * are rare: only then does every label get a buffer of its own for
 * hkp11_label_make_unique to append to.  Out of memory, labels stay as
 * built.
 */
static void
label_certs (cert_rec *certs, size_t n)
{
	hkp11_label_entry *entries = NULL;
	char *buffers = NULL;
	size_t n_named = 0, k;

	for (size_t i = 0; i < n; i++) {
		free (certs[i].label);
		certs[i].label = NULL;
		if (certs[i].p != NULL && certs[i].p->label != NULL)
			n_named++;
	}
	const char **labels = calloc (n_named ? n_named : 1, sizeof *labels);
	if (labels != NULL) {
		k = 0;
		for (size_t i = 0; i < n; i++) {
			if (certs[i].p != NULL && certs[i].p->label != NULL)
				labels[k++] = certs[i].p->label;
		}
		if (any_twins (labels, n_named)) {
			entries = calloc (n_named, sizeof *entries);
			buffers = calloc (n_named, HKP11_LABEL_SIZE);
		}
		free (labels);
	}
	if (entries != NULL && buffers != NULL) {
		k = 0;
		for (size_t i = 0; i < n; i++) {
			const parsed_cert *p = certs[i].p;
			if (p == NULL || p->label == NULL)
				continue;
			entries[k].label = buffers + k * HKP11_LABEL_SIZE;
			hkp11_strlcpy (entries[k].label, p->label, HKP11_LABEL_SIZE);
			entries[k].srn = p->srn;
			entries[k].serial = p->serial;
			k++;
		}
		hkp11_label_make_unique (entries, n_named);
	}
	k = 0;
	for (size_t i = 0; i < n; i++) {
		const parsed_cert *p = certs[i].p;
		if (p == NULL || p->label == NULL)
			continue;
		certs[i].label = strdup (entries && buffers ? entries[k++].label : p->label);
		certs[i].named = certs[i].label != NULL;
	}
	free (entries);
	free (buffers);
}

/* Names the certificates and the token; pure work on the scanned list. */
static void
name_certs (cert_rec *certs, size_t n, token *named_token)
{
	label_certs (certs, n);
	name_token (certs, n, named_token);
}

static CK_RV
open_own_session (CK_SLOT_ID slot, CK_SESSION_HANDLE *session)
{
	CK_RV rv = labels_below.C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, session);
	/* With the SO logged in only R/W sessions may open. */
	if (rv == CKR_SESSION_READ_WRITE_SO_EXISTS)
		rv = labels_below.C_OpenSession (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
						 NULL, session);
	return rv;
}

/*
 * Lists the X.509 certificates on the token in slot, parses those not
 * already known and installs the result.  The find runs on a session of
 * the layer's own, so that an application's find in progress on its
 * session is never disturbed; caller is the fallback when none can open.
 * While a scan runs, other threads keep using the list already there.
 */
bool
scan_token (CK_SLOT_ID slot, CK_SESSION_HANDLE caller, bool force)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof cls },
				{ CKA_CERTIFICATE_TYPE, &type, sizeof type } };
	CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE *found = NULL;
	CK_ULONG n_found = 0;
	CK_TOKEN_INFO info;
	CK_UTF8CHAR old_serial[16];
	cert_rec *certs = NULL;
	size_t n_certs = 0;
	unsigned long generation;
	bool own = false, ok = false, had_serial, reuse, have_serial;
	token *t;

	pthread_mutex_lock (&labels_lock);
	t = token_get_unlocked (slot);
	if (t == NULL || (!force && t->scanning > 0 && t->scanned)) {
		pthread_mutex_unlock (&labels_lock);
		return t != NULL;
	}
	t->scanning++;
	generation = t->generation;
	had_serial = t->have_serial;
	memcpy (old_serial, t->serial, sizeof old_serial);
	pthread_mutex_unlock (&labels_lock);

	/* Another token in the slot: nothing parsed before holds. */
	have_serial = labels_below.C_GetTokenInfo (slot, &info) == CKR_OK;
	reuse = have_serial && had_serial && memcmp (info.serialNumber, old_serial, 16) == 0;

	if (open_own_session (slot, &session) == CKR_OK)
		own = true;
	else
		session = caller;
	if (session == CK_INVALID_HANDLE || find_all (session, tmpl, 2, &found, &n_found) != CKR_OK)
		goto out;
	certs = calloc (n_found ? n_found : 1, sizeof *certs);
	if (certs == NULL)
		goto out;

	/* Certificates parsed before need no second parse. */
	pthread_mutex_lock (&labels_lock);
	for (CK_ULONG i = 0; i < n_found; i++) {
		cert_rec *known = reuse ? cert_find_unlocked (t, found[i]) : NULL;
		certs[i].handle = found[i];
		if (known != NULL && known->p != NULL && !known->p->dead) {
			certs[i].p = known->p;
			certs[i].p->refs++;
		}
	}
	pthread_mutex_unlock (&labels_lock);
	n_certs = n_found;
	for (size_t i = 0; i < n_certs; i++) {
		if (certs[i].p == NULL)
			certs[i].p = read_cert (session, certs[i].handle);
	}
	ok = true;
out:
	if (own)
		labels_below.C_CloseSession (session);
	free (found);

	pthread_mutex_lock (&labels_lock);
	t->scanning--;
	if (!ok) {
		certs_free_unlocked (certs, n_certs);
		pthread_mutex_unlock (&labels_lock);
		return false;
	}
	/* Drop what could not be read and what changed during the scan. */
	size_t kept = 0;
	bool dropped = false;
	for (size_t i = 0; i < n_certs; i++) {
		if (certs[i].p != NULL && certs[i].p->dead) {
			parsed_unref_unlocked (certs[i].p);
			certs[i].p = NULL;
			dropped = true;
		}
		if (certs[i].p != NULL)
			certs[kept++] = certs[i];
	}
	n_certs = kept;
	qsort (certs, n_certs, sizeof *certs, compare_certs);
	name_certs (certs, n_certs, t);
	certs_free_unlocked (t->certs, t->n_certs);
	t->certs = certs;
	t->n_certs = n_certs;
	t->have_serial = have_serial;
	if (have_serial)
		memcpy (t->serial, info.serialNumber, sizeof t->serial);

	/* Keys are paired again on demand; certificates are known now. */
	hkp11_handle_map_remove_if (&labels_objects, same_slot, &slot, free);
	for (size_t i = 0; i < n_certs; i++) {
		obj_rec *o = obj_rec_new (certs[i].named, certs[i].label);
		void *replaced = NULL;
		if (o != NULL)
			o->is_cert = true;
		if (o != NULL &&
		    !hkp11_handle_map_put (&labels_objects, slot, certs[i].handle, o, &replaced))
			free (o);
		hkp11_epoch_retire (replaced, free);
	}
	/* Readers may answer from the new entries once they are all in.
	 * Changed while we scanned: use it now, look again next time. */
	t->scanned = true;
	set_stale_unlocked (t, t->generation != generation || dropped);
	pthread_mutex_unlock (&labels_lock);
	hkp11_epoch_reclaim ();
	return true;
}

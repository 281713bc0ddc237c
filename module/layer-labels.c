/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The labels layer: Hongkong Post e-Certs, and every key that belongs to
 * one, show a friendly CKA_LABEL built from the certificate itself, e.g.
 * "CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)" instead of a SafeNet
 * container name or nothing at all.
 *
 * Per token it keeps the X.509 certificates, parsed once (common/ecert.c),
 * with their friendly labels made unique on that token.  Keys are paired
 * with a certificate lazily, on the first read of their label: by CKA_ID,
 * and by RSA modulus or EC point when the ID is missing or ambiguous.  What
 * is known about an object sits in a hash table keyed by (slot, handle), so
 * a repeated label read costs one lookup on top of the backend call.
 *
 * Every place an application can look agrees: C_GetAttributeValue answers
 * the friendly label (size queries and CKR_BUFFER_TOO_SMALL included),
 * C_FindObjectsInit finds an object by its friendly label and still by its
 * original one, and the token's label can follow a template too.  Writes
 * through the shim (create, copy, set, destroy, log in or out, sessions
 * opening and closing) mark the cache stale; it is rebuilt on next use,
 * reusing every certificate already parsed.
 *
 * A label read takes no lock: the tables it looks in (sessions, tokens,
 * objects) are published so that readers walk them inside an epoch read
 * section (epoch.h) while writers, under the layer's one lock, change them
 * and retire what they unlink.  Two threads reading labels thus share no
 * written memory.  Anything the fast path does not find (a first read, a
 * stale token) takes the lock; it is never held across a call into the
 * backend.
 *
 * Per certificate the cache keeps only what naming and pairing need after
 * the parse: its label, CKA_ID, the SHA-256 of its public key, and the few
 * fields that order and tell certificates apart.
 */
#include "config.h"
#include "compat.h"
#include "ecert.h"
#include "epoch.h"
#include "handle-map.h"
#include "layer.h"
#include "settings-labels.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- settings ----------------------------------------------------------- */

/* labels, label-language, label-template, token-label:
 * common/settings-labels.c. */
static const hkp11_labels_settings *const settings = &hkp11_labels_conf;

static CK_FUNCTION_LIST_3_0 below;

/* ---- the cache ---------------------------------------------------------- */

/*
 * What the layer keeps of a certificate once parsed: shared between the
 * installed list and a scan that reuses it, and never changed once made.
 * refs and dead are only touched under the lock.  The strings and the ID
 * live in the same allocation.
 */
typedef struct {
	unsigned int refs;
	bool dead;       /* the object changed or went: never reuse */
	bool recognised; /* a Hongkong Post e-Cert */
	int rank;        /* to name the token: 2 signing e-Cert, 1 other e-Cert */
	hkp11_key_type key_type;
	unsigned char key_digest[HKP11_KEY_DIGEST_LEN]; /* when key_type is set */
	char expiry[16];
	const char *label;       /* built from the template; NULL: none */
	const char *token_label; /* built from token-label; NULL: none */
	const char *srn, *serial;
	size_t id_len;
	unsigned char id[];
} parsed_cert;

typedef struct {
	CK_OBJECT_HANDLE handle;
	parsed_cert *p; /* NULL once forgotten */
	bool named;
	char *label; /* the unique label, when named */
} cert_rec;

typedef struct token {
	CK_SLOT_ID slot;   /* never changes */
	struct token *next; /* set before the token is published */
	/* scanned && !stale, read without the lock: labels in objects for
	 * this slot may be answered as they are. */
	bool ready;
	bool scanned;             /* certs describes the token */
	int scanning;             /* scans under way; meanwhile certs serves */
	bool stale;               /* it may have changed: scan again before use */
	unsigned long generation; /* bumped by every invalidation */
	bool have_serial;
	CK_UTF8CHAR serial[16];
	cert_rec *certs; /* sorted by handle */
	size_t n_certs;
	size_t n_sessions;
	bool have_token_label;
	CK_UTF8CHAR token_label[32];
} token;

/* What the layer knows about one object: its friendly label, or that it
 * keeps its own. */
typedef struct {
	bool named;
	bool is_cert; /* one of the token's certificates (else a key or other) */
	size_t label_len;
	char label[];
} obj_rec;

typedef struct {
	CK_SLOT_ID slot; /* never changes */
	/* A find this layer answers itself (by friendly label); read without
	 * the lock, changed under it. */
	bool finding;
	CK_OBJECT_HANDLE *found; /* under the lock */
	CK_ULONG n_found, next;
} session_rec;

/* Guards every change to the tables below, and the certificate lists. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static token *tokens;             /* read without the lock */
static hkp11_handle_map objects;  /* (slot, handle) -> obj_rec */
static hkp11_handle_map sessions; /* (session, 0) -> session_rec */
/* Sessions whose find this layer answers: while there are none, every
 * other find passes by without even a lookup. */
static unsigned long n_finding;

static bool
per_attribute_rv (CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	       rv == CKR_BUFFER_TOO_SMALL;
}

static void
parsed_unref_unlocked (parsed_cert *p)
{
	if (p != NULL && --p->refs == 0)
		free (p);
}

static void
certs_free_unlocked (cert_rec *certs, size_t n)
{
	for (size_t i = 0; certs != NULL && i < n; i++) {
		parsed_unref_unlocked (certs[i].p);
		free (certs[i].label);
	}
	free (certs);
}

static void
session_rec_free (void *value)
{
	session_rec *s = value;
	if (s != NULL)
		free (s->found);
	free (s);
}

/* Ends a change to the tables, and frees what readers can no longer see. */
static void
unlock_writer (void)
{
	pthread_mutex_unlock (&lock);
	hkp11_epoch_reclaim ();
}

/* Under the lock, or in an epoch read section: tokens are only retired. */
static token *
token_find (CK_SLOT_ID slot)
{
	for (token *t = __atomic_load_n (&tokens, __ATOMIC_SEQ_CST); t; t = t->next) {
		if (t->slot == slot)
			return t;
	}
	return NULL;
}

static token *
token_get_unlocked (CK_SLOT_ID slot)
{
	token *t = token_find (slot);
	if (t == NULL && (t = calloc (1, sizeof *t)) != NULL) {
		t->slot = slot;
		t->next = tokens;
		__atomic_store_n (&tokens, t, __ATOMIC_SEQ_CST);
	}
	return t;
}

static void
set_stale_unlocked (token *t, bool stale)
{
	t->stale = stale;
	__atomic_store_n (&t->ready, t->scanned && !stale, __ATOMIC_SEQ_CST);
}

static void
invalidate_unlocked (CK_SLOT_ID slot)
{
	token *t = token_find (slot);
	if (t != NULL) {
		set_stale_unlocked (t, true);
		t->generation++;
	}
}

static cert_rec *
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

static bool
same_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx)
{
	return a == *(CK_SLOT_ID *)ctx;
}

static bool
key_in_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx)
{
	return a == *(CK_SLOT_ID *)ctx && !((obj_rec *)value)->is_cert;
}

/* A find the layer answers starts or ends (the session may be closing). */
static void
set_finding_unlocked (session_rec *s, bool finding)
{
	if (s->finding == finding)
		return;
	__atomic_store_n (&n_finding, n_finding + (finding ? 1 : -1), __ATOMIC_SEQ_CST);
	__atomic_store_n (&s->finding, finding, __ATOMIC_SEQ_CST);
}

/* Drops the sessions of a slot, ending their finds. */
static bool
session_in_slot (CK_ULONG a, CK_ULONG b, void *value, void *ctx)
{
	session_rec *s = value;
	if (s->slot != *(CK_SLOT_ID *)ctx)
		return false;
	set_finding_unlocked (s, false);
	return true;
}

static obj_rec *
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

/* Which slot a session belongs to. */
static bool
session_slot (CK_SESSION_HANDLE session, CK_SLOT_ID *slot)
{
	hkp11_epoch_reader *r = hkp11_epoch_enter ();
	if (r == NULL)
		pthread_mutex_lock (&lock);
	session_rec *s = hkp11_handle_map_get (&sessions, session, 0);
	if (s != NULL)
		*slot = s->slot;
	if (r == NULL)
		pthread_mutex_unlock (&lock);
	hkp11_epoch_exit (r);
	if (s != NULL)
		return true;

	/* Opened before this layer saw it (should not happen): ask. */
	CK_SESSION_INFO info;
	if (below.C_GetSessionInfo (session, &info) != CKR_OK)
		return false;
	*slot = info.slotID;
	return true;
}

/* ---- scanning a token's certificates ------------------------------------ */

/* Runs a whole find on session; *found is malloc'd. */
static CK_RV
find_all (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
	  CK_OBJECT_HANDLE **found, CK_ULONG *n_found)
{
	CK_OBJECT_HANDLE *list = NULL;
	CK_ULONG n = 0, cap = 0;
	CK_RV rv = below.C_FindObjectsInit (session, tmpl, count);
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
		rv = below.C_FindObjects (session, list + n, 64, &got);
		if (rv != CKR_OK || got == 0)
			break;
		n += got;
	}
	CK_RV final = below.C_FindObjectsFinal (session);
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
	hkp11_label_language lang = (hkp11_label_language)settings->language;
	char label[HKP11_LABEL_SIZE] = "", token_label[HKP11_LABEL_SIZE] = "";
	const char *srn = NULL, *serial = NULL;

	if (e->recognised)
		hkp11_label_build (e, settings->label_template ? settings->label_template
							: hkp11_label_default_template (lang),
				   lang, label, sizeof label);
	else if (e->parsed && settings->mode == HKP11_LABELS_ALL)
		hkp11_label_build (e, hkp11_label_subject_template (lang), lang, label,
				   sizeof label);
	if (e->recognised && settings->token_label_template != NULL)
		hkp11_label_build (e, settings->token_label_template, lang, token_label,
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
	CK_RV rv = below.C_GetAttributeValue (session, handle, a, 2);
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
	rv = below.C_GetAttributeValue (session, handle, a, a[1].ulValueLen ? 2 : 1);
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

/* The certificate the token is named after: a signing e-Cert first, then
 * the one that lasts longest, then the lowest handle. */
static const cert_rec *
main_cert (const cert_rec *certs, size_t n)
{
	const cert_rec *best = NULL;
	for (size_t i = 0; i < n; i++) {
		const parsed_cert *p = certs[i].p;
		if (p == NULL || !p->recognised)
			continue;
		if (best == NULL || p->rank > best->p->rank ||
		    (p->rank == best->p->rank && strcmp (p->expiry, best->p->expiry) > 0))
			best = &certs[i];
	}
	return best;
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

	named_token->have_token_label = false;
	const cert_rec *m = settings->token_label_template ? main_cert (certs, n) : NULL;
	if (m != NULL && m->p->token_label != NULL) {
		char label[HKP11_LABEL_SIZE];
		size_t len = hkp11_strlcpy (label, m->p->token_label, sizeof label);
		if (len > sizeof named_token->token_label) {
			/* 32 bytes, cut on a character boundary. */
			len = sizeof named_token->token_label;
			while (len > 0 && ((unsigned char)label[len] & 0xc0) == 0x80)
				len--;
		}
		if (len > 0) {
			memset (named_token->token_label, ' ', sizeof named_token->token_label);
			memcpy (named_token->token_label, label, len);
			named_token->have_token_label = true;
		}
	}
}

static CK_RV
open_own_session (CK_SLOT_ID slot, CK_SESSION_HANDLE *session)
{
	CK_RV rv = below.C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, session);
	/* With the SO logged in only R/W sessions may open. */
	if (rv == CKR_SESSION_READ_WRITE_SO_EXISTS)
		rv = below.C_OpenSession (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
					  session);
	return rv;
}

/*
 * Lists the X.509 certificates on the token in slot, parses those not
 * already known and installs the result.  The find runs on a session of
 * the layer's own, so that an application's find in progress on its
 * session is never disturbed; caller is the fallback when none can open.
 * While a scan runs, other threads keep using the list already there.
 */
static bool
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

	pthread_mutex_lock (&lock);
	t = token_get_unlocked (slot);
	if (t == NULL || (!force && t->scanning > 0 && t->scanned)) {
		pthread_mutex_unlock (&lock);
		return t != NULL;
	}
	t->scanning++;
	generation = t->generation;
	had_serial = t->have_serial;
	memcpy (old_serial, t->serial, sizeof old_serial);
	pthread_mutex_unlock (&lock);

	/* Another token in the slot: nothing parsed before holds. */
	have_serial = below.C_GetTokenInfo (slot, &info) == CKR_OK;
	reuse = have_serial && had_serial && memcmp (info.serialNumber, old_serial, 16) == 0;

	if (open_own_session (slot, &session) == CKR_OK)
		own = true;
	else
		session = caller;
	if (session == CK_INVALID_HANDLE ||
	    find_all (session, tmpl, 2, &found, &n_found) != CKR_OK)
		goto out;
	certs = calloc (n_found ? n_found : 1, sizeof *certs);
	if (certs == NULL)
		goto out;

	/* Certificates parsed before need no second parse. */
	pthread_mutex_lock (&lock);
	for (CK_ULONG i = 0; i < n_found; i++) {
		cert_rec *known = reuse ? cert_find_unlocked (t, found[i]) : NULL;
		certs[i].handle = found[i];
		if (known != NULL && known->p != NULL && !known->p->dead) {
			certs[i].p = known->p;
			certs[i].p->refs++;
		}
	}
	pthread_mutex_unlock (&lock);
	n_certs = n_found;
	for (size_t i = 0; i < n_certs; i++) {
		if (certs[i].p == NULL)
			certs[i].p = read_cert (session, certs[i].handle);
	}
	ok = true;
out:
	if (own)
		below.C_CloseSession (session);
	free (found);

	pthread_mutex_lock (&lock);
	t->scanning--;
	if (!ok) {
		certs_free_unlocked (certs, n_certs);
		pthread_mutex_unlock (&lock);
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
	hkp11_handle_map_remove_if (&objects, same_slot, &slot, free);
	for (size_t i = 0; i < n_certs; i++) {
		obj_rec *o = obj_rec_new (certs[i].named, certs[i].label);
		void *replaced = NULL;
		if (o != NULL)
			o->is_cert = true;
		if (o != NULL && !hkp11_handle_map_put (&objects, slot, certs[i].handle, o, &replaced))
			free (o);
		hkp11_epoch_retire (replaced, free);
	}
	/* Readers may answer from the new entries once they are all in.
	 * Changed while we scanned: use it now, look again next time. */
	t->scanned = true;
	set_stale_unlocked (t, t->generation != generation || dropped);
	pthread_mutex_unlock (&lock);
	hkp11_epoch_reclaim ();
	return true;
}

/* ---- pairing keys with certificates ------------------------------------- */

/* A key's public part as certificates keep it: digests of the forms it
 * may take.  CKA_EC_POINT is a DER OCTET STRING around the point, but some
 * tokens store the bare point: both are tried.  A modulus loses its
 * leading zeros. */
typedef struct {
	hkp11_key_type type;
	int n;
	unsigned char digest[2][HKP11_KEY_DIGEST_LEN];
} key_digests;

static void
digest_key (CK_KEY_TYPE key_type, const unsigned char *attr, size_t len, key_digests *k)
{
	k->n = 0;
	k->type = key_type == CKK_RSA ? HKP11_KEY_RSA : HKP11_KEY_EC;
	if (key_type == CKK_RSA) {
		while (len > 0 && attr[0] == 0)
			attr++, len--;
		k->n += hkp11_key_digest (attr, len, k->digest[k->n]);
		return;
	}
	k->n += hkp11_key_digest (attr, len, k->digest[k->n]);
	if (len >= 2 && attr[0] == 0x04) {
		size_t hdr = 2, inner = attr[1];
		if (attr[1] == 0x81 && len >= 3)
			hdr = 3, inner = attr[2];
		else if (attr[1] == 0x82 && len >= 4)
			hdr = 4, inner = ((size_t)attr[2] << 8) | attr[3];
		else if (attr[1] & 0x80)
			return;
		if (hdr + inner == len)
			k->n += hkp11_key_digest (attr + hdr, inner, k->digest[k->n]);
	}
}

static bool
same_key (const parsed_cert *p, const key_digests *k)
{
	if (p->key_type != k->type)
		return false;
	for (int i = 0; i < k->n; i++) {
		if (memcmp (p->key_digest, k->digest[i], HKP11_KEY_DIGEST_LEN) == 0)
			return true;
	}
	return false;
}

/* Of two candidate certificates, the one a key most likely belongs to. */
static bool
better (const cert_rec *c, const cert_rec *than)
{
	if (than == NULL)
		return true;
	if (c->named != than->named)
		return c->named;
	return strcmp (c->p->expiry, than->p->expiry) > 0;
}

/* The certificate whose CKA_ID is id, if exactly one; *n_matches counts. */
static const cert_rec *
pair_by_id_unlocked (const token *t, const unsigned char *id, size_t id_len, size_t *n_matches)
{
	const cert_rec *match = NULL;
	*n_matches = 0;
	if (id_len == 0)
		return NULL;
	for (size_t i = 0; i < t->n_certs; i++) {
		const cert_rec *c = &t->certs[i];
		if (c->p != NULL && c->p->id_len == id_len && memcmp (c->p->id, id, id_len) == 0) {
			(*n_matches)++;
			if (better (c, match))
				match = c;
		}
	}
	return match;
}

static const cert_rec *
pair_by_key_unlocked (const token *t, const key_digests *k, const unsigned char *id,
		      size_t id_len)
{
	const cert_rec *match = NULL;
	bool match_has_id = false;
	for (size_t i = 0; i < t->n_certs; i++) {
		const cert_rec *c = &t->certs[i];
		if (c->p == NULL || !same_key (c->p, k))
			continue;
		/* Several certificates for one key (a renewal): prefer one that
		 * also shares the ID, then the newest. */
		bool has_id = id_len > 0 && c->p->id_len == id_len && memcmp (c->p->id, id, id_len) == 0;
		if (match == NULL || (has_id && !match_has_id) ||
		    (has_id == match_has_id && better (c, match))) {
			match = c;
			match_has_id = has_id;
		}
	}
	return match;
}

/*
 * Works out the label of an object the cache does not know yet.  Returns
 * NULL when the object cannot be read (the backend will say why).
 */
static obj_rec *
classify (CK_SESSION_HANDLE session, CK_SLOT_ID slot, CK_OBJECT_HANDLE object)
{
	CK_OBJECT_CLASS cls = (CK_ULONG)-1;
	CK_KEY_TYPE key_type = (CK_ULONG)-1;
	unsigned char id[256], material[HKP11_KEY_MATERIAL_MAX + 16];
	CK_ATTRIBUTE a[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_KEY_TYPE, &key_type, sizeof key_type },
			     { CKA_ID, id, sizeof id } };
	char label[HKP11_LABEL_SIZE] = "";
	size_t id_len, n_id_matches = 0;

	CK_RV rv = below.C_GetAttributeValue (session, object, a, 3);
	if (!per_attribute_rv (rv) || a[0].ulValueLen != sizeof cls)
		return NULL;
	/* Private keys (SafeNet's shadow ones too) and public keys only. */
	if (cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY)
		return obj_rec_new (false, NULL);
	id_len = a[2].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : a[2].ulValueLen;

	pthread_mutex_lock (&lock);
	token *t = token_find (slot);
	const cert_rec *c = t ? pair_by_id_unlocked (t, id, id_len, &n_id_matches) : NULL;
	if (c != NULL && c->named)
		hkp11_strlcpy (label, c->label, sizeof label);
	pthread_mutex_unlock (&lock);
	if (n_id_matches == 1)
		return obj_rec_new (label[0] != '\0', label);

	/* No ID, an ID no certificate has, or one that several share: the
	 * public key decides; among several with the ID, the newest wins. */
	CK_ATTRIBUTE m = { key_type == CKK_EC ? CKA_EC_POINT : CKA_MODULUS, material,
			   sizeof material };
	if (a[1].ulValueLen == sizeof key_type && (key_type == CKK_RSA || key_type == CKK_EC) &&
	    below.C_GetAttributeValue (session, object, &m, 1) == CKR_OK) {
		key_digests k;
		digest_key (key_type, material, m.ulValueLen, &k);
		pthread_mutex_lock (&lock);
		t = token_find (slot);
		c = t ? pair_by_key_unlocked (t, &k, id, id_len) : NULL;
		char by_key[HKP11_LABEL_SIZE] = "";
		if (c != NULL && c->named)
			hkp11_strlcpy (by_key, c->label, sizeof by_key);
		pthread_mutex_unlock (&lock);
		if (c != NULL)
			return obj_rec_new (by_key[0] != '\0', by_key);
	}
	return obj_rec_new (label[0] != '\0', label);
}

/*
 * The token in slot with its certificates known, returned with the lock
 * held; NULL (lock not held) when they cannot be listed.  A list that is
 * stale is scanned again, unless another thread is doing just that: then
 * the list already there answers meanwhile (unless current: then this
 * thread scans too).
 */
static token *
ready_token_locked (CK_SLOT_ID slot, CK_SESSION_HANDLE caller, bool current)
{
	bool scanned_now = false;
	for (;;) {
		pthread_mutex_lock (&lock);
		token *t = token_find (slot);
		if (t != NULL && t->scanned &&
		    (!t->stale || (t->scanning > 0 && !current) || scanned_now))
			return t;
		pthread_mutex_unlock (&lock);
		if (scanned_now || !scan_token (slot, caller, current))
			return NULL;
		scanned_now = true;
	}
}

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
	const session_rec *s = hkp11_handle_map_get (&sessions, session, 0);
	const token *t = s ? token_find (s->slot) : NULL;
	const obj_rec *o = t && __atomic_load_n (&t->ready, __ATOMIC_SEQ_CST)
				   ? hkp11_handle_map_get (&objects, s->slot, object)
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
static bool
friendly_label (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, char *buf, size_t *len)
{
	CK_SLOT_ID slot;
	int known = cached_label (session, object, buf, len);
	if (known >= 0)
		return known;
	if (!session_slot (session, &slot))
		return false;

	bool current = false;
again:;
	token *t = ready_token_locked (slot, session, current);
	if (t == NULL)
		return false;
	obj_rec *o = hkp11_handle_map_get (&objects, slot, object);
	if (o == NULL && t->stale && !current) {
		/* A list another thread is rebuilding, without the object: it
		 * may hold the backend's old handles (SoftHSM renumbers them when
		 * a slot's last session closes, as the layer's own scan session
		 * does).  A certificate missing from it is not a guess to make:
		 * look with a list of this thread's own. */
		pthread_mutex_unlock (&lock);
		current = true;
		goto again;
	}
	if (o != NULL) {
		bool named = o->named;
		if (named) {
			memcpy (buf, o->label, o->label_len + 1);
			*len = o->label_len;
		}
		pthread_mutex_unlock (&lock);
		return named;
	}
	unsigned long generation = t->generation;
	pthread_mutex_unlock (&lock);

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
	pthread_mutex_lock (&lock);
	if (t->generation == generation && !t->stale &&
	    hkp11_handle_map_get (&objects, slot, object) == NULL &&
	    hkp11_handle_map_put (&objects, slot, object, o, NULL))
		o = NULL;
	pthread_mutex_unlock (&lock);
	free (o);
	return named;
}

/* ---- C_GetAttributeValue ------------------------------------------------ */

static CK_RV
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
		return below.C_GetAttributeValue (hSession, hObject, pTemplate, ulCount);
	for (i = 0; i < ulCount && pTemplate[i].type != CKA_LABEL; i++)
		;
	if (i == ulCount || !friendly_label (hSession, hObject, label, &label_len))
		return below.C_GetAttributeValue (hSession, hObject, pTemplate, ulCount);

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
	rv = below.C_GetAttributeValue (hSession, hObject, copy, ulCount);
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

/* ---- C_FindObjects* ----------------------------------------------------- */

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
	    label->ulValueLen == CK_UNAVAILABLE_INFORMATION || !session_slot (session, &slot))
		return false;
	token *t = ready_token_locked (slot, session, false);
	if (t == NULL)
		return false;
	bool found = is_friendly_label_unlocked (t, label->pValue, label->ulValueLen);
	pthread_mutex_unlock (&lock);
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
	if (__atomic_load_n (&n_finding, __ATOMIC_SEQ_CST) == 0)
		return false;
	hkp11_epoch_reader *r = hkp11_epoch_enter ();
	if (r == NULL)
		return true; /* the caller looks again under the lock */
	const session_rec *s = hkp11_handle_map_get (&sessions, session, 0);
	bool finding = s != NULL && __atomic_load_n (&s->finding, __ATOMIC_SEQ_CST);
	hkp11_epoch_exit (r);
	return finding;
}

static CK_RV
labels_C_FindObjectsInit (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	CK_OBJECT_HANDLE *found = NULL;
	CK_ULONG n_found = 0, label_at;
	session_rec *s;
	CK_RV rv;

	if (finding_here (hSession)) {
		pthread_mutex_lock (&lock);
		s = hkp11_handle_map_get (&sessions, hSession, 0);
		bool busy = s != NULL && s->finding;
		pthread_mutex_unlock (&lock);
		if (busy)
			return CKR_OPERATION_ACTIVE;
	}

	if (pTemplate == NULL)
		return below.C_FindObjectsInit (hSession, pTemplate, ulCount);
	for (label_at = 0; label_at < ulCount && pTemplate[label_at].type != CKA_LABEL; label_at++)
		;
	if (label_at == ulCount || !wants_friendly_label (hSession, &pTemplate[label_at]))
		return below.C_FindObjectsInit (hSession, pTemplate, ulCount);

	rv = find_by_friendly_label (hSession, pTemplate, ulCount, label_at, &found, &n_found);
	if (rv != CKR_OK)
		return rv;

	/* A session the layer did not see open (it found its slot by asking)
	 * gets its record now. */
	CK_SLOT_ID slot = 0;
	session_rec *fresh = NULL;
	bool open = session_slot (hSession, &slot);
	if (open && (fresh = calloc (1, sizeof *fresh)) != NULL)
		fresh->slot = slot;

	pthread_mutex_lock (&lock);
	s = hkp11_handle_map_get (&sessions, hSession, 0);
	if (s == NULL && fresh != NULL && hkp11_handle_map_put (&sessions, hSession, 0, fresh, NULL)) {
		s = fresh;
		fresh = NULL;
	}
	if (s == NULL || s->finding) {
		/* Closed, or another thread started a find on it, meanwhile. */
		rv = s != NULL ? CKR_OPERATION_ACTIVE : open ? CKR_HOST_MEMORY : CKR_SESSION_HANDLE_INVALID;
		free (found);
	} else {
		s->found = found;
		s->n_found = n_found;
		s->next = 0;
		set_finding_unlocked (s, true);
	}
	pthread_mutex_unlock (&lock);
	free (fresh);
	return rv;
}

static CK_RV
labels_C_FindObjects (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
		      CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	if (!finding_here (hSession))
		return below.C_FindObjects (hSession, phObject, ulMaxObjectCount, pulObjectCount);
	pthread_mutex_lock (&lock);
	session_rec *s = hkp11_handle_map_get (&sessions, hSession, 0);
	if (s == NULL || !s->finding) {
		pthread_mutex_unlock (&lock);
		return below.C_FindObjects (hSession, phObject, ulMaxObjectCount, pulObjectCount);
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
	pthread_mutex_unlock (&lock);
	return rv;
}

static CK_RV
labels_C_FindObjectsFinal (CK_SESSION_HANDLE hSession)
{
	if (!finding_here (hSession))
		return below.C_FindObjectsFinal (hSession);
	pthread_mutex_lock (&lock);
	session_rec *s = hkp11_handle_map_get (&sessions, hSession, 0);
	if (s == NULL || !s->finding) {
		pthread_mutex_unlock (&lock);
		return below.C_FindObjectsFinal (hSession);
	}
	free (s->found);
	s->found = NULL;
	set_finding_unlocked (s, false);
	pthread_mutex_unlock (&lock);
	return CKR_OK;
}

/* ---- keeping the cache true --------------------------------------------- */

static CK_RV
labels_C_OpenSession (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify,
		      CK_SESSION_HANDLE_PTR phSession)
{
	CK_RV rv = below.C_OpenSession (slotID, flags, pApplication, Notify, phSession);
	if (rv != CKR_OK)
		return rv;
	session_rec *s = calloc (1, sizeof *s);
	pthread_mutex_lock (&lock);
	if (s != NULL) {
		void *replaced = NULL;
		s->slot = slotID;
		if (!hkp11_handle_map_put (&sessions, *phSession, 0, s, &replaced)) {
			session_rec_free (s);
			replaced = NULL;
		}
		/* A handle the backend reused before we saw it close. */
		if (replaced != NULL)
			set_finding_unlocked (replaced, false);
		hkp11_epoch_retire (replaced, session_rec_free);
	}
	token *t = token_get_unlocked (slotID);
	/* The first session after none: the token may have been swapped. */
	if (t != NULL && t->n_sessions++ == 0)
		invalidate_unlocked (slotID);
	unlock_writer ();
	return rv;
}

static CK_RV
labels_C_CloseSession (CK_SESSION_HANDLE hSession)
{
	CK_RV rv = below.C_CloseSession (hSession);
	if (rv != CKR_OK && rv != CKR_SESSION_HANDLE_INVALID)
		return rv;
	pthread_mutex_lock (&lock);
	session_rec *s = hkp11_handle_map_steal (&sessions, hSession, 0);
	if (s != NULL) {
		token *t = token_find (s->slot);
		if (t != NULL && t->n_sessions > 0)
			t->n_sessions--;
		/* Its session objects are gone and their handles may come back:
		 * keys are paired again when next read.  With the last session
		 * gone the token may be swapped, so everything is looked at again. */
		if (t != NULL && t->n_sessions == 0)
			invalidate_unlocked (s->slot);
		else
			hkp11_handle_map_remove_if (&objects, key_in_slot, &s->slot, free);
		set_finding_unlocked (s, false);
		hkp11_epoch_retire (s, session_rec_free);
	}
	unlock_writer ();
	return rv;
}

static CK_RV
labels_C_CloseAllSessions (CK_SLOT_ID slotID)
{
	CK_RV rv = below.C_CloseAllSessions (slotID);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock (&lock);
	hkp11_handle_map_remove_if (&sessions, session_in_slot, &slotID, session_rec_free);
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
	pthread_mutex_lock (&lock);
	session_rec *s = hkp11_handle_map_get (&sessions, session, 0);
	if (s != NULL)
		invalidate_unlocked (s->slot);
	pthread_mutex_unlock (&lock);
}

static CK_RV
labels_C_Login (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		CK_ULONG ulPinLen)
{
	CK_RV rv = below.C_Login (hSession, userType, pPin, ulPinLen);
	if (rv == CKR_OK)
		invalidate_session_slot (hSession);
	return rv;
}

static CK_RV
labels_C_LoginUser (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		    CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	CK_RV rv = below.C_LoginUser (hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen);
	if (rv == CKR_OK)
		invalidate_session_slot (hSession);
	return rv;
}

static CK_RV
labels_C_Logout (CK_SESSION_HANDLE hSession)
{
	CK_RV rv = below.C_Logout (hSession);
	if (rv == CKR_OK)
		invalidate_session_slot (hSession);
	return rv;
}

static CK_RV
labels_C_InitToken (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
		    CK_UTF8CHAR_PTR pLabel)
{
	CK_RV rv = below.C_InitToken (slotID, pPin, ulPinLen, pLabel);
	if (rv == CKR_OK) {
		pthread_mutex_lock (&lock);
		token *t = token_find (slotID);
		if (t != NULL)
			t->have_serial = false; /* nothing parsed before holds */
		invalidate_unlocked (slotID);
		pthread_mutex_unlock (&lock);
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
	pthread_mutex_lock (&lock);
	session_rec *s = hkp11_handle_map_get (&sessions, session, 0);
	token *t = s ? token_find (s->slot) : NULL;
	cert_rec *c = t ? cert_find_unlocked (t, object) : NULL;
	if (c != NULL) {
		if (c->p != NULL)
			c->p->dead = true;
		parsed_unref_unlocked (c->p);
		c->p = NULL;
		c->named = false;
		invalidate_unlocked (s->slot);
	} else if (s != NULL) {
		hkp11_epoch_retire (hkp11_handle_map_steal (&objects, s->slot, object), free);
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

static CK_RV
labels_C_CreateObject (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
		       CK_OBJECT_HANDLE_PTR phObject)
{
	CK_RV rv = below.C_CreateObject (hSession, pTemplate, ulCount, phObject);
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

static CK_RV
labels_C_CopyObject (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
		     CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject)
{
	CK_RV rv = below.C_CopyObject (hSession, hObject, pTemplate, ulCount, phNewObject);
	if (rv == CKR_OK)
		invalidate_session_slot (hSession);
	return rv;
}

static CK_RV
labels_C_DestroyObject (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	CK_RV rv = below.C_DestroyObject (hSession, hObject);
	if (rv == CKR_OK || rv == CKR_OBJECT_HANDLE_INVALID)
		forget_object (hSession, hObject);
	return rv;
}

static CK_RV
labels_C_SetAttributeValue (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	CK_RV rv = below.C_SetAttributeValue (hSession, hObject, pTemplate, ulCount);
	/* Even a failed write may have changed part of the object. */
	forget_object (hSession, hObject);
	return rv;
}

static CK_RV
labels_C_GenerateKeyPair (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			  CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
			  CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
			  CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey)
{
	CK_RV rv = below.C_GenerateKeyPair (hSession, pMechanism, pPublicKeyTemplate,
					    ulPublicKeyAttributeCount, pPrivateKeyTemplate,
					    ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey);
	/* A handle the backend reuses must not inherit an old answer. */
	if (rv == CKR_OK) {
		forget_object (hSession, *phPublicKey);
		forget_object (hSession, *phPrivateKey);
	}
	return rv;
}

static CK_RV
labels_C_UnwrapKey (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		    CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen,
		    CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey)
{
	CK_RV rv = below.C_UnwrapKey (hSession, pMechanism, hUnwrappingKey, pWrappedKey,
				      ulWrappedKeyLen, pTemplate, ulAttributeCount, phKey);
	if (rv == CKR_OK)
		forget_object (hSession, *phKey);
	return rv;
}

static CK_RV
labels_C_WaitForSlotEvent (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	CK_RV rv = below.C_WaitForSlotEvent (flags, pSlot, pReserved);
	if (rv == CKR_OK && pSlot != NULL) {
		pthread_mutex_lock (&lock);
		token *t = token_find (*pSlot);
		if (t != NULL)
			t->have_serial = false;
		invalidate_unlocked (*pSlot);
		pthread_mutex_unlock (&lock);
	}
	return rv;
}

/* ---- the token's label -------------------------------------------------- */

static CK_RV
labels_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	CK_RV rv = below.C_GetTokenInfo (slotID, pInfo);
	if (rv != CKR_OK || settings->token_label_template == NULL)
		return rv;

	token *t = ready_token_locked (slotID, CK_INVALID_HANDLE, false);
	if (t != NULL) {
		if (t->have_token_label)
			memcpy (pInfo->label, t->token_label, sizeof pInfo->label);
		pthread_mutex_unlock (&lock);
	}
	return rv;
}

/* ---- the layer ---------------------------------------------------------- */

static void
forget_everything (void)
{
	hkp11_handle_map_clear (&objects, free);
	hkp11_handle_map_clear (&sessions, session_rec_free);
	__atomic_store_n (&n_finding, 0, __ATOMIC_SEQ_CST);
	token *t = tokens;
	__atomic_store_n (&tokens, NULL, __ATOMIC_SEQ_CST);
	while (t != NULL) {
		token *next = t->next;
		certs_free_unlocked (t->certs, t->n_certs);
		t->certs = NULL;
		t->n_certs = 0;
		hkp11_epoch_retire (t, free);
		t = next;
	}
}

static bool
labels_enabled (void)
{
	return settings->mode != HKP11_LABELS_OFF;
}

static CK_RV
labels_start (void)
{
	/* A forked child starts afresh; the parent's lock may have been held
	 * and its sessions are not the child's.  What the child inherited is
	 * dropped, not freed: a thread of the parent may have been halfway
	 * through replacing it under the lock when the fork came, and freeing
	 * it again was a double free (tests/stress/test-fork under ASan).
	 * After a C_Finalize there is nothing left to drop. */
	pthread_mutex_init (&lock, NULL);
	memset (&objects, 0, sizeof objects);
	memset (&sessions, 0, sizeof sessions);
	__atomic_store_n (&n_finding, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n (&tokens, NULL, __ATOMIC_SEQ_CST);
	return CKR_OK;
}

static void
labels_stop (void)
{
	pthread_mutex_lock (&lock);
	forget_everything ();
	unlock_writer ();
}

static const CK_FUNCTION_LIST_3_0 wraps = {
	.C_GetTokenInfo = labels_C_GetTokenInfo,
	.C_InitToken = labels_C_InitToken,
	.C_OpenSession = labels_C_OpenSession,
	.C_CloseSession = labels_C_CloseSession,
	.C_CloseAllSessions = labels_C_CloseAllSessions,
	.C_Login = labels_C_Login,
	.C_LoginUser = labels_C_LoginUser,
	.C_Logout = labels_C_Logout,
	.C_CreateObject = labels_C_CreateObject,
	.C_CopyObject = labels_C_CopyObject,
	.C_DestroyObject = labels_C_DestroyObject,
	.C_GetAttributeValue = labels_C_GetAttributeValue,
	.C_SetAttributeValue = labels_C_SetAttributeValue,
	.C_FindObjectsInit = labels_C_FindObjectsInit,
	.C_FindObjects = labels_C_FindObjects,
	.C_FindObjectsFinal = labels_C_FindObjectsFinal,
	.C_GenerateKeyPair = labels_C_GenerateKeyPair,
	.C_UnwrapKey = labels_C_UnwrapKey,
	.C_WaitForSlotEvent = labels_C_WaitForSlotEvent,
};

hkp11_layer hkp11_labels_layer = {
	.name = "labels",
	.wraps = &wraps,
	.below = &below,
	.options = &hkp11_labels_group,
	.enabled = labels_enabled,
	.start = labels_start,
	.stop = labels_stop,
};

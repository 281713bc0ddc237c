/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pairing keys with certificates, lazily, on the first read of a key's
 * label: by CKA_ID, and by the public key (RSA modulus or EC point) when
 * the ID is missing, unknown or shared.
 */
#include "config.h"
#include "internal.h"
#include "base/compat.h"

#include <stdlib.h>
#include <string.h>

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
pair_by_key_unlocked (const token *t, const key_digests *k, const unsigned char *id, size_t id_len)
{
	const cert_rec *match = NULL;
	bool match_has_id = false;
	for (size_t i = 0; i < t->n_certs; i++) {
		const cert_rec *c = &t->certs[i];
		if (c->p == NULL || !same_key (c->p, k))
			continue;
		/* Several certificates for one key (a renewal): prefer one that
		 * also shares the ID, then the newest. */
		bool has_id =
			id_len > 0 && c->p->id_len == id_len && memcmp (c->p->id, id, id_len) == 0;
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
obj_rec *
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

	CK_RV rv = labels_below.C_GetAttributeValue (session, object, a, 3);
	if (!per_attribute_rv (rv) || a[0].ulValueLen != sizeof cls)
		return NULL;
	/* Private keys (SafeNet's shadow ones too) and public keys only. */
	if (cls != CKO_PRIVATE_KEY && cls != CKO_PUBLIC_KEY)
		return obj_rec_new (false, NULL);
	id_len = a[2].ulValueLen == CK_UNAVAILABLE_INFORMATION ? 0 : a[2].ulValueLen;

	pthread_mutex_lock (&labels_lock);
	token *t = token_find (slot);
	const cert_rec *c = t ? pair_by_id_unlocked (t, id, id_len, &n_id_matches) : NULL;
	if (c != NULL && c->named)
		hkp11_strlcpy (label, c->label, sizeof label);
	pthread_mutex_unlock (&labels_lock);
	if (n_id_matches == 1)
		return obj_rec_new (label[0] != '\0', label);

	/* No ID, an ID no certificate has, or one that several share: the
	 * public key decides; among several with the ID, the newest wins. */
	CK_ATTRIBUTE m = { key_type == CKK_EC ? CKA_EC_POINT : CKA_MODULUS, material,
			   sizeof material };
	if (a[1].ulValueLen == sizeof key_type && (key_type == CKK_RSA || key_type == CKK_EC) &&
	    labels_below.C_GetAttributeValue (session, object, &m, 1) == CKR_OK) {
		key_digests k;
		digest_key (key_type, material, m.ulValueLen, &k);
		pthread_mutex_lock (&labels_lock);
		t = token_find (slot);
		c = t ? pair_by_key_unlocked (t, &k, id, id_len) : NULL;
		char by_key[HKP11_LABEL_SIZE] = "";
		if (c != NULL && c->named)
			hkp11_strlcpy (by_key, c->label, sizeof by_key);
		pthread_mutex_unlock (&labels_lock);
		if (c != NULL)
			return obj_rec_new (by_key[0] != '\0', by_key);
	}
	return obj_rec_new (label[0] != '\0', label);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The token's own label.  With token-label set, the token in C_GetTokenInfo
 * is named after its main e-Cert (a signing one first, then the one that
 * lasts longest), cut to the 32 bytes CK_TOKEN_INFO holds; otherwise it
 * keeps its own.  Decided at each scan, answered from the cache.
 */
#include "config.h"
#include "internal.h"
#include "base/compat.h"

#include <string.h>

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

void
name_token (const cert_rec *certs, size_t n, token *named_token)
{
	named_token->have_token_label = false;
	const cert_rec *m = labels_now.token_label_template ? main_cert (certs, n) : NULL;
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

CK_RV
labels_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	CK_RV rv = labels_below.C_GetTokenInfo (slotID, pInfo);
	if (rv != CKR_OK || labels_now.token_label_template == NULL)
		return rv;

	token *t = ready_token_locked (slotID, CK_INVALID_HANDLE, false);
	if (t != NULL) {
		if (t->have_token_label)
			memcpy (pInfo->label, t->token_label, sizeof pInfo->label);
		pthread_mutex_unlock (&labels_lock);
	}
	return rv;
}

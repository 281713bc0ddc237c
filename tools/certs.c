/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The certificates on a token, as the module shows them: DER, label and
 * id of each, parsed as e-Certs.  Certificates are public objects: no login
 * is needed, and none is made.
 */
#include "config.h"
#include "certs.h"

#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static void
days_left (cli_cert *c)
{
	const unsigned char *p = c->der;
	X509 *cert = d2i_X509 (NULL, &p, (long)c->der_len);
	int days = 0, secs = 0;
	if (cert == NULL)
		return;
	const ASN1_TIME *na = X509_get0_notAfter (cert);
	if (na != NULL && ASN1_TIME_diff (&days, &secs, NULL, na) == 1) {
		c->have_days = true;
		/* A part day left is no day; a part day past is one more. */
		c->days_left = days < 0 || secs < 0 ? days - (secs < 0 ? 1 : 0) : days;
	}
	X509_free (cert);
}

/* Reads one attribute of any length into a fresh buffer (NUL-terminated
 * for convenience); false when the object has none. */
static bool
read_attribute (CK_FUNCTION_LIST_3_0 *f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		CK_ATTRIBUTE_TYPE type, unsigned char **value, size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	*value = NULL;
	*len = 0;
	if (f->C_GetAttributeValue (s, o, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > 1024 * 1024)
		return false;
	a.pValue = malloc (a.ulValueLen + 1);
	if (a.pValue == NULL)
		return false;
	if (f->C_GetAttributeValue (s, o, &a, 1) != CKR_OK) {
		free (a.pValue);
		return false;
	}
	((unsigned char *)a.pValue)[a.ulValueLen] = '\0';
	*value = a.pValue;
	*len = a.ulValueLen;
	return true;
}

CK_RV
cli_certs_read (CK_FUNCTION_LIST_3_0 *f, CK_SLOT_ID slot, cli_cert **certs, size_t *n)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_CERTIFICATE_TYPE, &type, sizeof type },
	};
	CK_OBJECT_HANDLE found[64];
	CK_ULONG got = 0;
	CK_SESSION_HANDLE s;
	cli_cert *list = NULL;
	size_t count = 0;
	CK_RV rv;

	*certs = NULL;
	*n = 0;
	rv = f->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return rv;
	rv = f->C_FindObjectsInit (s, tmpl, 2);
	if (rv != CKR_OK)
		goto out;
	/* Handles first, attributes after: some tokens allow nothing else
	 * during a search. */
	rv = f->C_FindObjects (s, found, sizeof found / sizeof found[0], &got);
	f->C_FindObjectsFinal (s);
	if (rv != CKR_OK)
		goto out;

	list = calloc (got ? got : 1, sizeof *list);
	if (list == NULL) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	for (CK_ULONG i = 0; i < got; i++) {
		cli_cert *c = &list[count];
		unsigned char *label = NULL, *id = NULL;
		size_t label_len = 0, id_len = 0;
		if (!read_attribute (f, s, found[i], CKA_VALUE, &c->der, &c->der_len))
			continue;
		if (read_attribute (f, s, found[i], CKA_LABEL, &label, &label_len)) {
			hkp11_label_sanitise ((const char *)label, label_len, c->label,
					      sizeof c->label);
			free (label);
		}
		if (read_attribute (f, s, found[i], CKA_ID, &id, &id_len)) {
			c->id_len = id_len < sizeof c->id ? id_len : sizeof c->id;
			memcpy (c->id, id, c->id_len);
			free (id);
		}
		hkp11_ecert_parse (c->der, c->der_len, &c->info);
		days_left (c);
		count++;
	}
	*certs = list;
	*n = count;
	list = NULL;
out:
	free (list);
	f->C_CloseSession (s);
	return rv;
}

void
cli_certs_free (cli_cert *certs, size_t n)
{
	for (size_t i = 0; certs != NULL && i < n; i++)
		free (certs[i].der);
	free (certs);
}

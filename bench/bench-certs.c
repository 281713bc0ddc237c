/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the benchmark puts on a token: stand-in Hongkong Post e-Certs, so
 * that a friendly-label layer has real work to do, and the RSA-2048 key of
 * the first one, for C_Sign.
 */
#include "config.h"
#include "bench.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for an encoding of len bytes (as i2d_* reports it). */
static void
encode (bench_blob *b, int len)
{
	if (len <= 0)
		bench_die ("cannot encode a certificate field");
	b->der = malloc ((size_t)len);
	if (b->der == NULL)
		bench_die ("out of memory");
	b->len = (size_t)len;
}

static void
blob_from_bn (bench_blob *b, const EVP_PKEY *key, const char *param)
{
	BIGNUM *bn = NULL;
	if (!EVP_PKEY_get_bn_param (key, param, &bn))
		bench_die ("RSA key has no %s", param);
	b->len = (size_t)BN_num_bytes (bn);
	b->der = malloc (b->len ? b->len : 1);
	if (b->der == NULL)
		bench_die ("out of memory");
	BN_bn2bin (bn, b->der);
	BN_free (bn);
}

static X509_NAME *
name_of (const char *const *pairs)
{
	X509_NAME *name = X509_NAME_new ();
	for (size_t i = 0; name && pairs[i]; i += 2) {
		if (!X509_NAME_add_entry_by_txt (name, pairs[i], MBSTRING_UTF8,
						 (const unsigned char *)pairs[i + 1], -1, -1, 0))
			bench_die ("cannot build the name %s=%s", pairs[i], pairs[i + 1]);
	}
	return name;
}

void
bench_material_make (bench_material *m, size_t n)
{
	memset (m, 0, sizeof *m);
	EVP_PKEY *key = EVP_RSA_gen (2048);
	/* The issuer signs with P-256: a thousand RSA signatures would cost a
	 * second for nothing the benchmark looks at. */
	EVP_PKEY *ca = EVP_EC_gen ("P-256");
	if (key == NULL || ca == NULL)
		bench_die ("cannot generate keys with OpenSSL");

	static const char *const issuer_pairs[] = {
		"C",  "HK",
		"ST", "Hong Kong",
		"L",  "Hong Kong",
		"O",  "Hongkong Post",
		"CN", "Hongkong Post e-Cert CA 2 - 17",
		NULL,
	};
	X509_NAME *issuer = name_of (issuer_pairs);

	m->certs = calloc (n, sizeof *m->certs);
	if (m->certs == NULL || issuer == NULL)
		bench_die ("out of memory");
	for (size_t i = 0; i < n; i++) {
		char srn[16], cn[64];
		snprintf (srn, sizeof srn, "%010zu", 1000000000 + i * 7919 % 999999999);
		snprintf (cn, sizeof cn, "CHAN Tai Man %zu", i);
		const char *const subject_pairs[] = {
			"C",  "HK", "O",  "Hongkong Post e-Cert (Personal)", "OU", srn,
			"CN", cn,   NULL,
		};
		X509_NAME *subject = name_of (subject_pairs);
		X509 *x = X509_new ();
		if (x == NULL || subject == NULL)
			bench_die ("out of memory");
		X509_set_version (x, 2);
		ASN1_INTEGER_set_uint64 (X509_get_serialNumber (x), 0x4b000000ULL + i);
		X509_set_issuer_name (x, issuer);
		X509_set_subject_name (x, subject);
		X509_gmtime_adj (X509_getm_notBefore (x), -86400L);
		X509_gmtime_adj (X509_getm_notAfter (x), 3L * 365 * 86400);
		X509_set_pubkey (x, key);
		if (!X509_sign (x, ca, EVP_sha256 ()))
			bench_die ("cannot sign certificate %zu", i);
		int len = i2d_X509 (x, NULL);
		if (len <= 0)
			bench_die ("cannot encode certificate %zu", i);
		bench_cert *c = &m->certs[i];
		c->der.der = malloc ((size_t)len);
		unsigned char *p = c->der.der;
		if (p == NULL || i2d_X509 (x, &p) != len)
			bench_die ("cannot encode certificate %zu", i);
		c->der.len = (size_t)len;
		/* CKA_SUBJECT, CKA_ISSUER and CKA_SERIAL_NUMBER, as a PKCS#12
		 * import writes them. */
		encode (&c->subject, i2d_X509_NAME (X509_get_subject_name (x), NULL));
		p = c->subject.der;
		i2d_X509_NAME (X509_get_subject_name (x), &p);
		encode (&c->issuer, i2d_X509_NAME (X509_get_issuer_name (x), NULL));
		p = c->issuer.der;
		i2d_X509_NAME (X509_get_issuer_name (x), &p);
		encode (&c->serial, i2d_ASN1_INTEGER (X509_get_serialNumber (x), NULL));
		p = c->serial.der;
		i2d_ASN1_INTEGER (X509_get_serialNumber (x), &p);
		X509_free (x);
		X509_NAME_free (subject);
	}
	m->n_certs = n;

	blob_from_bn (&m->n, key, OSSL_PKEY_PARAM_RSA_N);
	blob_from_bn (&m->e, key, OSSL_PKEY_PARAM_RSA_E);
	blob_from_bn (&m->d, key, OSSL_PKEY_PARAM_RSA_D);
	blob_from_bn (&m->p, key, OSSL_PKEY_PARAM_RSA_FACTOR1);
	blob_from_bn (&m->q, key, OSSL_PKEY_PARAM_RSA_FACTOR2);
	blob_from_bn (&m->dp, key, OSSL_PKEY_PARAM_RSA_EXPONENT1);
	blob_from_bn (&m->dq, key, OSSL_PKEY_PARAM_RSA_EXPONENT2);
	blob_from_bn (&m->qinv, key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
	X509_NAME_free (issuer);
	EVP_PKEY_free (key);
	EVP_PKEY_free (ca);
}

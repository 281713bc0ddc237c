/*
 * What the benchmark puts on a token: stand-in Hongkong Post e-Certs (so
 * that a friendly-label layer has real work to do) and the RSA-2048 key of
 * the first one, for C_Sign.
 */
#include "config.h"
#include "bench.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
		"C", "HK", "ST", "Hong Kong", "L", "Hong Kong", "O", "Hongkong Post",
		"CN", "Hongkong Post e-Cert CA 2 - 17", NULL,
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
			"C", "HK", "O", "Hongkong Post e-Cert (Personal)", "OU", srn, "CN", cn, NULL,
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
		m->certs[i].der = malloc ((size_t)len);
		unsigned char *p = m->certs[i].der;
		if (p == NULL || i2d_X509 (x, &p) != len)
			bench_die ("cannot encode certificate %zu", i);
		m->certs[i].len = (size_t)len;
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

/* The file the memory-measuring child reads: certificates only, each as a
 * 4-byte length and the DER. */
bool
bench_material_save (const bench_material *m, const char *path)
{
	FILE *f = fopen (path, "wb");
	if (f == NULL)
		return false;
	bool ok = true;
	for (size_t i = 0; ok && i < m->n_certs; i++) {
		uint32_t len = (uint32_t)m->certs[i].len;
		ok = fwrite (&len, sizeof len, 1, f) == 1 &&
		     fwrite (m->certs[i].der, 1, len, f) == len;
	}
	return fclose (f) == 0 && ok;
}

bool
bench_material_load (bench_material *m, const char *path)
{
	size_t size = 0;
	unsigned char *data = (unsigned char *)bench_read_file (path, &size);
	if (data == NULL)
		return false;
	memset (m, 0, sizeof *m);
	size_t cap = 0;
	for (size_t off = 0; off + 4 <= size;) {
		uint32_t len;
		memcpy (&len, data + off, sizeof len);
		off += 4;
		if (len > size - off) {
			free (data);
			return false;
		}
		if (m->n_certs == cap) {
			cap = cap ? cap * 2 : 64;
			m->certs = realloc (m->certs, cap * sizeof *m->certs);
			if (m->certs == NULL)
				bench_die ("out of memory");
		}
		m->certs[m->n_certs].der = malloc (len);
		if (m->certs[m->n_certs].der == NULL)
			bench_die ("out of memory");
		memcpy (m->certs[m->n_certs].der, data + off, len);
		m->certs[m->n_certs++].len = len;
		off += len;
	}
	free (data);
	return true;
}

static void
encode_id (unsigned char id[2], size_t i)
{
	id[0] = (unsigned char)(i >> 8);
	id[1] = (unsigned char)i;
}

/* CKA_SUBJECT, CKA_ISSUER and CKA_SERIAL_NUMBER, as a PKCS#12 import writes them. */
static void
der_fields (const bench_blob *cert, unsigned char **subject, int *subject_len,
	    unsigned char **issuer, int *issuer_len, unsigned char **serial, int *serial_len)
{
	const unsigned char *p = cert->der;
	X509 *x = d2i_X509 (NULL, &p, (long)cert->len);
	if (x == NULL)
		bench_die ("cannot parse a generated certificate");
	*subject = *issuer = *serial = NULL;
	*subject_len = i2d_X509_NAME (X509_get_subject_name (x), subject);
	*issuer_len = i2d_X509_NAME (X509_get_issuer_name (x), issuer);
	*serial_len = i2d_ASN1_INTEGER (X509_get_serialNumber (x), serial);
	if (*subject_len <= 0 || *issuer_len <= 0 || *serial_len <= 0)
		bench_die ("cannot encode certificate fields");
	X509_free (x);
}

void
bench_add_certs (CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const bench_material *m,
		 size_t from, size_t to)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	for (size_t i = from; i < to && i < m->n_certs; i++) {
		unsigned char id[2], *subject, *issuer, *serial;
		int subject_len, issuer_len, serial_len;
		char label[64];
		/* SafeNet's container-style label, which the friendly-label
		 * layer replaces. */
		snprintf (label, sizeof label, "te-%08zx-bench-%04zu", i * 2654435761u, i);
		encode_id (id, i);
		der_fields (&m->certs[i], &subject, &subject_len, &issuer, &issuer_len, &serial,
			    &serial_len);
		CK_ATTRIBUTE tmpl[] = {
			{ CKA_CLASS, &klass, sizeof klass },
			{ CKA_CERTIFICATE_TYPE, &type, sizeof type },
			{ CKA_TOKEN, &yes, sizeof yes },
			{ CKA_PRIVATE, &no, sizeof no },
			{ CKA_LABEL, label, strlen (label) },
			{ CKA_ID, id, sizeof id },
			{ CKA_SUBJECT, subject, (CK_ULONG)subject_len },
			{ CKA_ISSUER, issuer, (CK_ULONG)issuer_len },
			{ CKA_SERIAL_NUMBER, serial, (CK_ULONG)serial_len },
			{ CKA_VALUE, m->certs[i].der, m->certs[i].len },
		};
		CK_OBJECT_HANDLE h;
		bench_check (f->C_CreateObject (s, tmpl, sizeof tmpl / sizeof tmpl[0], &h), CKR_OK,
			     "C_CreateObject(certificate)", "direct");
		OPENSSL_free (subject);
		OPENSSL_free (issuer);
		OPENSSL_free (serial);
	}
}

void
bench_add_key (CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const bench_material *m)
{
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char id[2];
	char label[] = "te-bench-key-0000";
	encode_id (id, 0);
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_KEY_TYPE, &type, sizeof type },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, &no, sizeof no },
		{ CKA_SIGN, &yes, sizeof yes },
		{ CKA_DECRYPT, &yes, sizeof yes },
		{ CKA_LABEL, label, strlen (label) },
		{ CKA_ID, id, sizeof id },
		{ CKA_MODULUS, m->n.der, m->n.len },
		{ CKA_PUBLIC_EXPONENT, m->e.der, m->e.len },
		{ CKA_PRIVATE_EXPONENT, m->d.der, m->d.len },
		{ CKA_PRIME_1, m->p.der, m->p.len },
		{ CKA_PRIME_2, m->q.der, m->q.len },
		{ CKA_EXPONENT_1, m->dp.der, m->dp.len },
		{ CKA_EXPONENT_2, m->dq.der, m->dq.len },
		{ CKA_COEFFICIENT, m->qinv.der, m->qinv.len },
	};
	CK_OBJECT_HANDLE h;
	bench_check (f->C_CreateObject (s, tmpl, sizeof tmpl / sizeof tmpl[0], &h), CKR_OK,
		     "C_CreateObject(private key)", "direct");
}

static void
pad (CK_UTF8CHAR *dst, const char *src, size_t len)
{
	size_t n = strlen (src);
	memset (dst, ' ', len);
	memcpy (dst, src, n < len ? n : len);
}

/* In a child, so that SoftHSM starts afresh in the benchmark with the token
 * already in its slot list, as an application would find it. */
static void
init_token_child (const char *softhsm)
{
	void *h = dlopen (softhsm, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		bench_die ("dlopen %s: %s", softhsm, dlerror ());
	CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym (h, "C_GetFunctionList");
	CK_FUNCTION_LIST_PTR f = NULL;
	if (gfl == NULL || gfl (&f) != CKR_OK)
		bench_die ("%s: no function list", softhsm);
	bench_check (f->C_Initialize (NULL), CKR_OK, "C_Initialize", "SoftHSM");
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	bench_check (f->C_GetSlotList (CK_FALSE, slots, &n), CKR_OK, "C_GetSlotList", "SoftHSM");
	if (n == 0)
		bench_die ("SoftHSM offers no slot");
	CK_UTF8CHAR label[32];
	pad (label, "hkp11-bench", sizeof label);
	bench_check (f->C_InitToken (slots[0], (CK_UTF8CHAR_PTR)BENCH_SO_PIN,
				     strlen (BENCH_SO_PIN), label),
		     CKR_OK, "C_InitToken", "SoftHSM");
	/* SoftHSM moves the initialised token to a new slot id. */
	n = 8;
	bench_check (f->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK, "C_GetSlotList", "SoftHSM");
	CK_SLOT_ID slot = (CK_SLOT_ID)-1;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (f->C_GetTokenInfo (slots[i], &ti) == CKR_OK &&
		    memcmp (ti.label, label, sizeof label) == 0)
			slot = slots[i];
	}
	if (slot == (CK_SLOT_ID)-1)
		bench_die ("SoftHSM: the new token is not in the slot list");
	CK_SESSION_HANDLE s;
	bench_check (f->C_OpenSession (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK, "C_OpenSession", "SoftHSM");
	bench_check (f->C_Login (s, CKU_SO, (CK_UTF8CHAR_PTR)BENCH_SO_PIN, strlen (BENCH_SO_PIN)),
		     CKR_OK, "C_Login(SO)", "SoftHSM");
	bench_check (f->C_InitPIN (s, (CK_UTF8CHAR_PTR)BENCH_USER_PIN, strlen (BENCH_USER_PIN)),
		     CKR_OK, "C_InitPIN", "SoftHSM");
	bench_check (f->C_Finalize (NULL), CKR_OK, "C_Finalize", "SoftHSM");
}

void
bench_softhsm_token (const char *softhsm, const char *dir)
{
	char conf[PATH_MAX + 32], tokens[PATH_MAX + 32], text[PATH_MAX + 128];
	snprintf (tokens, sizeof tokens, "%s/tokens", dir);
	snprintf (conf, sizeof conf, "%s/softhsm2.conf", dir);
	snprintf (text, sizeof text,
		  "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
		  tokens);
	if ((mkdir (tokens, 0700) != 0 && errno != EEXIST) || !bench_write_file (conf, text))
		bench_die ("cannot write %s", conf);
	setenv ("SOFTHSM2_CONF", conf, 1);

	pid_t pid = fork ();
	if (pid < 0)
		bench_die ("fork failed");
	if (pid == 0) {
		init_token_child (softhsm);
		_exit (0);
	}
	int status;
	if (waitpid (pid, &status, 0) != pid || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
		bench_die ("setting up the SoftHSM token failed");
}

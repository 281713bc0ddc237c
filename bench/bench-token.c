/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Putting the benchmark's certificates and key on a token, and keeping them
 * in a file for the memory-measuring program.  No OpenSSL here: that
 * program must not load it, or the shim's own use of it would not show.
 */
#include "config.h"
#include "bench.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The file the memory-measuring program reads: for each certificate, its
 * DER, subject, issuer and serial, each as a 4-byte length and the bytes. */
static bool
put_blob (FILE *f, const bench_blob *b)
{
	uint32_t len = (uint32_t)b->len;
	return fwrite (&len, sizeof len, 1, f) == 1 && fwrite (b->der, 1, len, f) == len;
}

bool
bench_material_save (const bench_material *m, const char *path)
{
	FILE *f = fopen (path, "wb");
	if (f == NULL)
		return false;
	bool ok = true;
	for (size_t i = 0; ok && i < m->n_certs; i++) {
		const bench_cert *c = &m->certs[i];
		ok = put_blob (f, &c->der) && put_blob (f, &c->subject) &&
		     put_blob (f, &c->issuer) && put_blob (f, &c->serial);
	}
	return fclose (f) == 0 && ok;
}

static bool
get_blob (const unsigned char *data, size_t size, size_t *off, bench_blob *b)
{
	uint32_t len;
	if (size - *off < sizeof len)
		return false;
	memcpy (&len, data + *off, sizeof len);
	*off += sizeof len;
	if (len > size - *off)
		return false;
	b->der = malloc (len ? len : 1);
	if (b->der == NULL)
		bench_die ("out of memory");
	memcpy (b->der, data + *off, len);
	b->len = len;
	*off += len;
	return true;
}

bool
bench_material_load (bench_material *m, const char *path)
{
	size_t size = 0, off = 0, cap = 0;
	unsigned char *data = (unsigned char *)bench_read_file (path, &size);
	if (data == NULL)
		return false;
	memset (m, 0, sizeof *m);
	bool ok = true;
	while (ok && off < size) {
		if (m->n_certs == cap) {
			cap = cap ? cap * 2 : 64;
			m->certs = realloc (m->certs, cap * sizeof *m->certs);
			if (m->certs == NULL)
				bench_die ("out of memory");
		}
		bench_cert *c = &m->certs[m->n_certs++];
		ok = get_blob (data, size, &off, &c->der) &&
		     get_blob (data, size, &off, &c->subject) &&
		     get_blob (data, size, &off, &c->issuer) &&
		     get_blob (data, size, &off, &c->serial);
	}
	free (data);
	return ok;
}

static void
encode_id (unsigned char id[2], size_t i)
{
	id[0] = (unsigned char)(i >> 8);
	id[1] = (unsigned char)i;
}

void
bench_add_certs (CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const bench_material *m, size_t from,
		 size_t to)
{
	CK_OBJECT_CLASS klass = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	for (size_t i = from; i < to && i < m->n_certs; i++) {
		const bench_cert *c = &m->certs[i];
		unsigned char id[2];
		char label[64];
		/* SafeNet's container-style label, which the friendly-label
		 * layer replaces. */
		snprintf (label, sizeof label, "te-%08zx-bench-%04zu", i * 2654435761u, i);
		encode_id (id, i);
		CK_ATTRIBUTE tmpl[] = {
			{ CKA_CLASS, &klass, sizeof klass },
			{ CKA_CERTIFICATE_TYPE, &type, sizeof type },
			{ CKA_TOKEN, &yes, sizeof yes },
			{ CKA_PRIVATE, &no, sizeof no },
			{ CKA_LABEL, label, strlen (label) },
			{ CKA_ID, id, sizeof id },
			{ CKA_SUBJECT, c->subject.der, c->subject.len },
			{ CKA_ISSUER, c->issuer.der, c->issuer.len },
			{ CKA_SERIAL_NUMBER, c->serial.der, c->serial.len },
			{ CKA_VALUE, c->der.der, c->der.len },
		};
		CK_OBJECT_HANDLE h;
		bench_check (f->C_CreateObject (s, tmpl, sizeof tmpl / sizeof tmpl[0], &h), CKR_OK,
			     "C_CreateObject(certificate)", "direct");
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
	bench_check (f->C_InitToken (slots[0], (CK_UTF8CHAR_PTR)BENCH_SO_PIN, strlen (BENCH_SO_PIN),
				     label),
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

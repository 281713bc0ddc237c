/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fixture every conformance test runs in, and the helpers that make
 * sessions, objects and keys.  The fixture is checked: with CK_FORK=yes it
 * runs in each test's own process, which gets its own token directory.
 */
#include "config.h"
#include "conformance.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

p11t_module conf_mod;
CK_SLOT_ID conf_slot;
static char *conf_dir;

const unsigned char conf_p256_oid[10] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};

/*
 * The shim's settings for this run.  The shim must behave exactly like its
 * backend here, so once layers with behaviour of their own exist, the
 * compare script passes their transparent settings in $P11T_SHIM_SETTINGS
 * (settings-file text, "key: value" lines); it is written verbatim into
 * the file $HKPOST_P11_CONF names.  SoftHSM ignores it.
 */
static void
write_shim_settings (const char *dir)
{
	char path[PATH_MAX];
	const char *settings = getenv ("P11T_SHIM_SETTINGS");
	snprintf (path, sizeof path, "%s/hkpost-p11.conf", dir);
	FILE *f = fopen (path, "w");
	ck_assert_msg (f != NULL, "%s: %s", path, strerror (errno));
	fprintf (f, "# written by the conformance fixture\n%s\n", settings ? settings : "");
	ck_assert_int_eq (fclose (f), 0);
	setenv ("HKPOST_P11_CONF", path, 1);
}

void
conf_setup (void)
{
	conf_dir = p11t_softhsm_setup ();
	write_shim_settings (conf_dir);
	p11t_load (&conf_mod, p11t_target_path ());
	/* What NSS passes: OS locking, no threads of the module's own. */
	CK_C_INITIALIZE_ARGS args;
	memset (&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS;
	p11t_assert_rv (F->C_Initialize (&args), CKR_OK);
	conf_slot = p11t_init_token (&conf_mod, CONF_TOKEN_LABEL, CONF_SO_PIN, CONF_USER_PIN);
}

void
conf_teardown (void)
{
	CALL (CKR_OK, C_Finalize, NULL);
	p11t_unload (&conf_mod);
	p11t_rmtree (conf_dir);
	free (conf_dir);
	conf_dir = NULL;
}

TCase *
conf_tcase_new (const char *name)
{
	TCase *tc = tcase_create (name);
	tcase_add_checked_fixture (tc, conf_setup, conf_teardown);
	/* RSA-2048 generation takes a second or two on a slow machine. */
	tcase_set_timeout (tc, 60);
	return tc;
}

CK_SESSION_HANDLE
conf_session (bool rw, bool user)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	CALL (CKR_OK, C_OpenSession, conf_slot, flags, NULL, NULL, &s);
	OUT ("session=%lu rw=%d", (unsigned long)s, rw);
	if (user)
		CALL (CKR_OK, C_Login, s, CKU_USER, (CK_UTF8CHAR_PTR)CONF_USER_PIN,
		      strlen (CONF_USER_PIN));
	return s;
}

bool
conf_has_mechanism (CK_MECHANISM_TYPE type)
{
	CK_MECHANISM_INFO info;
	CK_RV rv = RV (C_GetMechanismInfo, conf_slot, type, &info);
	OUT ("mechanism=0x%lx offered=%d", (unsigned long)type, rv == CKR_OK);
	return rv == CKR_OK;
}

static int
compare_handles (const void *a, const void *b)
{
	CK_OBJECT_HANDLE x = *(const CK_OBJECT_HANDLE *)a, y = *(const CK_OBJECT_HANDLE *)b;
	return x < y ? -1 : x > y;
}

CK_ULONG
conf_find (CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n, CK_OBJECT_HANDLE *out, CK_ULONG max)
{
	CK_ULONG found = 0;
	CALL (CKR_OK, C_FindObjectsInit, s, tmpl, n);
	CALL (CKR_OK, C_FindObjects, s, out, max, &found);
	CALL (CKR_OK, C_FindObjectsFinal, s);
	ck_assert_uint_le (found, max);
	/* The backend's order may follow its memory layout: compare sets. */
	qsort (out, found, sizeof *out, compare_handles);
	char list[1024] = "";
	for (CK_ULONG i = 0; i < found; i++) {
		size_t used = strlen (list);
		snprintf (list + used, sizeof list - used, " %lu", (unsigned long)out[i]);
	}
	OUT ("found=%lu handles:%s", (unsigned long)found, list);
	return found;
}

CK_OBJECT_HANDLE
conf_data_object (CK_SESSION_HANDLE s, const char *label, bool token, bool private_)
{
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL tok = token, priv = private_;
	char val[64];
	snprintf (val, sizeof val, "value of %s", label);
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass }, { CKA_TOKEN, &tok, sizeof tok },
		{ CKA_PRIVATE, &priv, sizeof priv }, { CKA_LABEL, (void *)label, strlen (label) },
		{ CKA_VALUE, val, strlen (val) },
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CALL (CKR_OK, C_CreateObject, s, tmpl, N_ELEMENTS (tmpl), &h);
	OUT ("object=%lu", (unsigned long)h);
	return h;
}

CK_OBJECT_HANDLE
conf_secret_key (CK_SESSION_HANDLE s, CK_KEY_TYPE type, const unsigned char *key, size_t len,
		 bool sensitive, bool extractable)
{
	CK_OBJECT_CLASS klass = CKO_SECRET_KEY;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE, sens = sensitive, extr = extractable;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },   { CKA_KEY_TYPE, &type, sizeof type },
		{ CKA_TOKEN, &no, sizeof no },         { CKA_VALUE, (void *)key, len },
		{ CKA_SENSITIVE, &sens, sizeof sens }, { CKA_EXTRACTABLE, &extr, sizeof extr },
		{ CKA_ENCRYPT, &yes, sizeof yes },     { CKA_DECRYPT, &yes, sizeof yes },
		{ CKA_SIGN, &yes, sizeof yes },        { CKA_VERIFY, &yes, sizeof yes },
		{ CKA_WRAP, &yes, sizeof yes },        { CKA_UNWRAP, &yes, sizeof yes },
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CALL (CKR_OK, C_CreateObject, s, tmpl, N_ELEMENTS (tmpl), &h);
	OUT ("key=%lu", (unsigned long)h);
	return h;
}

CK_OBJECT_HANDLE
conf_aes_key (CK_SESSION_HANDLE s, CK_ULONG bytes, bool extractable)
{
	CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, extr = extractable;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_VALUE_LEN, &bytes, sizeof bytes }, { CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &yes, sizeof yes },       { CKA_SENSITIVE, &yes, sizeof yes },
		{ CKA_EXTRACTABLE, &extr, sizeof extr }, { CKA_ENCRYPT, &yes, sizeof yes },
		{ CKA_DECRYPT, &yes, sizeof yes },       { CKA_WRAP, &yes, sizeof yes },
		{ CKA_UNWRAP, &yes, sizeof yes },        { CKA_LABEL, "aes", 3 },
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CALL (CKR_OK, C_GenerateKey, s, &mech, tmpl, N_ELEMENTS (tmpl), &h);
	OUT ("key=%lu", (unsigned long)h);
	return h;
}

void
conf_rsa_pair (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BYTE exponent[] = { 0x01, 0x00, 0x01 };
	CK_BYTE id[] = { 0x52, 0x53, 0x41 };
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pub_tmpl[] = {
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_MODULUS_BITS, &bits, sizeof bits },
		{ CKA_PUBLIC_EXPONENT, exponent, sizeof exponent },
		{ CKA_VERIFY, &yes, sizeof yes },
		{ CKA_ENCRYPT, &yes, sizeof yes },
		{ CKA_WRAP, &yes, sizeof yes },
		{ CKA_ID, id, sizeof id },
		{ CKA_LABEL, "rsa", 3 },
	};
	CK_ATTRIBUTE priv_tmpl[] = {
		{ CKA_TOKEN, &yes, sizeof yes },     { CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes }, { CKA_SIGN, &yes, sizeof yes },
		{ CKA_DECRYPT, &yes, sizeof yes },   { CKA_UNWRAP, &yes, sizeof yes },
		{ CKA_ID, id, sizeof id },           { CKA_LABEL, "rsa", 3 },
	};
	*pub = *priv = CK_INVALID_HANDLE;
	CALL (CKR_OK, C_GenerateKeyPair, s, &mech, pub_tmpl, N_ELEMENTS (pub_tmpl), priv_tmpl,
	      N_ELEMENTS (priv_tmpl), pub, priv);
	OUT ("public=%lu private=%lu", (unsigned long)*pub, (unsigned long)*priv);
}

void
conf_ec_pair (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pub_tmpl[] = {
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_EC_PARAMS, (void *)conf_p256_oid, sizeof conf_p256_oid },
		{ CKA_VERIFY, &yes, sizeof yes },
		{ CKA_LABEL, "ec", 2 },
	};
	CK_ATTRIBUTE priv_tmpl[] = {
		{ CKA_TOKEN, &yes, sizeof yes },     { CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes }, { CKA_SIGN, &yes, sizeof yes },
		{ CKA_DERIVE, &yes, sizeof yes },    { CKA_LABEL, "ec", 2 },
	};
	*pub = *priv = CK_INVALID_HANDLE;
	CALL (CKR_OK, C_GenerateKeyPair, s, &mech, pub_tmpl, N_ELEMENTS (pub_tmpl), priv_tmpl,
	      N_ELEMENTS (priv_tmpl), pub, priv);
	OUT ("public=%lu private=%lu", (unsigned long)*pub, (unsigned long)*priv);
}

CK_ULONG
conf_get (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG len)
{
	CK_ATTRIBUTE attr = { type, buf, len };
	CALL (CKR_OK, C_GetAttributeValue, s, h, &attr, 1);
	return attr.ulValueLen;
}

CK_ULONG
conf_get_ulong (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG v = 0;
	ck_assert_uint_eq (conf_get (s, h, type, &v, sizeof v), sizeof v);
	OUT ("attribute 0x%lx=%lu", (unsigned long)type, (unsigned long)v);
	return v;
}

CK_BBOOL
conf_get_bool (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0;
	ck_assert_uint_eq (conf_get (s, h, type, &v, sizeof v), sizeof v);
	OUT ("attribute 0x%lx=%u", (unsigned long)type, v);
	return v;
}

void
conf_sha256 (CK_SESSION_HANDLE s, const void *data, size_t len, unsigned char out[32])
{
	CK_MECHANISM mech = { CKM_SHA256, NULL, 0 };
	CK_ULONG out_len = 32;
	CALL (CKR_OK, C_DigestInit, s, &mech);
	CALL (CKR_OK, C_Digest, s, (CK_BYTE_PTR)data, len, out, &out_len);
	ck_assert_uint_eq (out_len, 32);
}

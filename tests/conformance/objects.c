/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Objects: create, find, get, set, copy, destroy, size, and the rules of
 * C_GetAttributeValue (PKCS#11 2.40 section 5.7, C_GetAttributeValue).
 */
#include "config.h"
#include "conformance.h"

#include <string.h>

static const unsigned char aes_value[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
					     0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };

/* A made-up certificate body: SoftHSM stores it without parsing. */
static const unsigned char cert_der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
static const unsigned char subject_der[] = { 0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03,
					     0x55, 0x04, 0x06, 0x13, 0x02, 0x48, 0x4b };

CONF_TEST (test_object_create_find)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE alpha, beta, gamma, cert, found[16], h;
	CK_OBJECT_CLASS data = CKO_DATA, klass = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG n;
	CK_ATTRIBUTE by_class[] = { { CKA_CLASS, &data, sizeof data } };
	CK_ATTRIBUTE by_label[] = { { CKA_LABEL, "beta", 4 } };
	CK_ATTRIBUTE session_only[] = { { CKA_CLASS, &data, sizeof data },
					{ CKA_TOKEN, &no, sizeof no } };
	CK_ATTRIBUTE nothing[] = { { CKA_LABEL, "nothing", 7 } };
	CK_ATTRIBUTE cert_tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_CERTIFICATE_TYPE, &x509, sizeof x509 },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_LABEL, "e-Cert", 6 },
		{ CKA_ID, "\x01\x02", 2 },
		{ CKA_SUBJECT, (void *)subject_der, sizeof subject_der },
		{ CKA_VALUE, (void *)cert_der, sizeof cert_der },
	};
	CK_ATTRIBUTE cert_by_id[] = { { CKA_CLASS, &klass, sizeof klass },
				      { CKA_ID, "\x01\x02", 2 } };

	alpha = conf_data_object (s, "alpha", true, false);
	beta = conf_data_object (s, "beta", false, false);
	gamma = conf_data_object (s, "gamma", true, true);
	CALL (CKR_OK, C_CreateObject, s, cert_tmpl, N_ELEMENTS (cert_tmpl), &cert);
	OUT ("certificate=%lu", (unsigned long)cert);

	n = conf_find (s, by_class, N_ELEMENTS (by_class), found, N_ELEMENTS (found));
	ck_assert_uint_eq (n, 3);
	n = conf_find (s, by_label, N_ELEMENTS (by_label), found, N_ELEMENTS (found));
	ck_assert_uint_eq (n, 1);
	ck_assert_uint_eq (found[0], beta);
	n = conf_find (s, session_only, N_ELEMENTS (session_only), found, N_ELEMENTS (found));
	ck_assert_uint_eq (n, 1);
	n = conf_find (s, cert_by_id, N_ELEMENTS (cert_by_id), found, N_ELEMENTS (found));
	ck_assert_uint_eq (n, 1);
	ck_assert_uint_eq (found[0], cert);
	n = conf_find (s, nothing, N_ELEMENTS (nothing), found, N_ELEMENTS (found));
	ck_assert_uint_eq (n, 0);
	/* An empty template matches every object. */
	n = conf_find (s, NULL, 0, found, N_ELEMENTS (found));
	ck_assert_uint_eq (n, 4);

	/* One at a time, until none is left. */
	CALL (CKR_OK, C_FindObjectsInit, s, by_class, N_ELEMENTS (by_class));
	CALL (CKR_OPERATION_ACTIVE, C_FindObjectsInit, s, by_class, N_ELEMENTS (by_class));
	for (int i = 0; i < 3; i++) {
		CALL (CKR_OK, C_FindObjects, s, &h, 1, &n);
		OUT_EQ ("one", n, 1);
		ck_assert (h == alpha || h == beta || h == gamma);
	}
	CALL (CKR_OK, C_FindObjects, s, &h, 1, &n);
	OUT_EQ ("none left", n, 0);
	CALL (CKR_OK, C_FindObjectsFinal, s);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_FindObjectsFinal, s);
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_FindObjects, s, &h, 1, &n);

	/* Without a login the private object is out of sight. */
	CALL (CKR_OK, C_Logout, s);
	n = conf_find (s, by_class, N_ELEMENTS (by_class), found, N_ELEMENTS (found));
	ck_assert_uint_eq (n, 2);
}

CONF_TEST (test_object_private)
{
	CK_SESSION_HANDLE s = conf_session (true, false);
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE priv[] = { { CKA_CLASS, &data, sizeof data },
				{ CKA_PRIVATE, &yes, sizeof yes },
				{ CKA_TOKEN, &yes, sizeof yes },
				{ CKA_LABEL, "secret", 6 } };
	CK_ATTRIBUTE by_class[] = { { CKA_CLASS, &data, sizeof data } };
	CK_OBJECT_HANDLE h, found[4];
	char label[16];
	CK_ATTRIBUTE get = { CKA_LABEL, label, sizeof label };

	CALL (CKR_USER_NOT_LOGGED_IN, C_CreateObject, s, priv, N_ELEMENTS (priv), &h);
	CALL (CKR_OK, C_Login, s, CKU_USER, (CK_UTF8CHAR_PTR)CONF_USER_PIN, strlen (CONF_USER_PIN));
	CALL (CKR_OK, C_CreateObject, s, priv, N_ELEMENTS (priv), &h);
	OUT ("object=%lu", (unsigned long)h);
	ck_assert_uint_eq (conf_find (s, by_class, 1, found, N_ELEMENTS (found)), 1);
	CALL (CKR_OK, C_Logout, s);
	ck_assert_uint_eq (conf_find (s, by_class, 1, found, N_ELEMENTS (found)), 0);
	CALL (CKR_OBJECT_HANDLE_INVALID, C_GetAttributeValue, s, h, &get, 1);
	OUT ("length=%ld", (long)get.ulValueLen);
}

CONF_TEST (test_get_attribute_rules)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE data = conf_data_object (s, "data", false, false);
	CK_OBJECT_HANDLE key =
		conf_secret_key (s, CKK_AES, aes_value, sizeof aes_value, true, false);
	char label[64], value[64], small[3];
	CK_OBJECT_CLASS klass = 0;
	CK_KEY_TYPE type = 0;
	CK_BYTE modulus[256], secret[32];
	CK_ATTRIBUTE size[] = { { CKA_LABEL, NULL, 0 }, { CKA_VALUE, NULL, 0 } };
	CK_ATTRIBUTE exact[2];
	CK_ATTRIBUTE too_small = { CKA_VALUE, small, sizeof small };
	CK_ATTRIBUTE invalid = { CKA_MODULUS, modulus, sizeof modulus };
	CK_ATTRIBUTE sensitive = { CKA_VALUE, secret, sizeof secret };
	CK_ATTRIBUTE sensitive_size = { CKA_VALUE, NULL, 0 };
	CK_ATTRIBUTE vendor = { CKA_VENDOR_DEFINED | 0x4242, NULL, 0 };

	/* A NULL pValue asks for the exact length. */
	CALL (CKR_OK, C_GetAttributeValue, s, data, size, N_ELEMENTS (size));
	OUT_EQ ("label length", size[0].ulValueLen, 4);
	OUT_EQ ("value length", size[1].ulValueLen, strlen ("value of data"));
	exact[0] = (CK_ATTRIBUTE){ CKA_LABEL, label, size[0].ulValueLen };
	exact[1] = (CK_ATTRIBUTE){ CKA_VALUE, value, size[1].ulValueLen };
	CALL (CKR_OK, C_GetAttributeValue, s, data, exact, 2);
	OUT ("label='%.*s' value='%.*s'", (int)exact[0].ulValueLen, label, (int)exact[1].ulValueLen,
	     value);
	ck_assert (memcmp (label, "data", 4) == 0);
	ck_assert (memcmp (value, "value of data", 13) == 0);

	/* Too small a buffer: CKR_BUFFER_TOO_SMALL, length unavailable. */
	CALL (CKR_BUFFER_TOO_SMALL, C_GetAttributeValue, s, data, &too_small, 1);
	OUT_EQ ("too small length", too_small.ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* An attribute the object does not have. */
	CALL (CKR_ATTRIBUTE_TYPE_INVALID, C_GetAttributeValue, s, data, &invalid, 1);
	OUT_EQ ("invalid length", invalid.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	CALL (CKR_ATTRIBUTE_TYPE_INVALID, C_GetAttributeValue, s, data, &vendor, 1);
	OUT_EQ ("vendor length", vendor.ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* A sensitive value, asked for or only measured. */
	CALL (CKR_ATTRIBUTE_SENSITIVE, C_GetAttributeValue, s, key, &sensitive, 1);
	OUT_EQ ("sensitive length", sensitive.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	CALL (CKR_ATTRIBUTE_SENSITIVE, C_GetAttributeValue, s, key, &sensitive_size, 1);
	OUT_EQ ("sensitive size", sensitive_size.ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* A mixed template: every attribute is processed, the good ones filled. */
	CK_ATTRIBUTE mixed[] = {
		{ CKA_CLASS, &klass, sizeof klass },      { CKA_VALUE, secret, sizeof secret },
		{ CKA_MODULUS, modulus, sizeof modulus }, { CKA_VALUE_LEN, small, 1 },
		{ CKA_KEY_TYPE, &type, sizeof type },     { CKA_ENCRYPT, NULL, 0 },
	};
	CK_RV rv = RV (C_GetAttributeValue, s, key, mixed, N_ELEMENTS (mixed));
	ck_assert (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
		   rv == CKR_BUFFER_TOO_SMALL);
	for (size_t i = 0; i < N_ELEMENTS (mixed); i++)
		OUT ("mixed 0x%lx length=%ld", (unsigned long)mixed[i].type,
		     (long)mixed[i].ulValueLen);
	ck_assert_uint_eq (klass, CKO_SECRET_KEY);
	ck_assert_uint_eq (type, CKK_AES);
	ck_assert_uint_eq (mixed[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (mixed[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (mixed[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (mixed[5].ulValueLen, sizeof (CK_BBOOL));

	/* Attributes of the key that say how it was made. */
	conf_get_bool (s, key, CKA_SENSITIVE);
	conf_get_bool (s, key, CKA_ALWAYS_SENSITIVE);
	conf_get_bool (s, key, CKA_EXTRACTABLE);
	conf_get_bool (s, key, CKA_NEVER_EXTRACTABLE);
	conf_get_bool (s, key, CKA_LOCAL);
	conf_get_bool (s, key, CKA_MODIFIABLE);

	CALL (CKR_OBJECT_HANDLE_INVALID, C_GetAttributeValue, s, CONF_BAD_HANDLE, size, 1);
	CALL (CKR_ARGUMENTS_BAD, C_GetAttributeValue, s, data, NULL, 1);
}

CONF_TEST (test_set_attributes)
{
	CK_SESSION_HANDLE s = conf_session (true, true), ro;
	CK_OBJECT_HANDLE data = conf_data_object (s, "before", true, false), fixed, key;
	CK_OBJECT_CLASS klass = CKO_DATA, other = CKO_CERTIFICATE;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ATTRIBUTE relabel = { CKA_LABEL, "after", 5 };
	CK_ATTRIBUTE reclass = { CKA_CLASS, &other, sizeof other };
	CK_ATTRIBUTE unsensitive = { CKA_SENSITIVE, &no, sizeof no };
	CK_ATTRIBUTE extractable = { CKA_EXTRACTABLE, &yes, sizeof yes };
	CK_ATTRIBUTE fixed_tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass }, { CKA_TOKEN, &no, sizeof no },
		{ CKA_PRIVATE, &no, sizeof no },     { CKA_MODIFIABLE, &no, sizeof no },
		{ CKA_LABEL, "fixed", 5 },
	};
	char label[16];

	CALL (CKR_OK, C_SetAttributeValue, s, data, &relabel, 1);
	OUT_EQ ("label length", conf_get (s, data, CKA_LABEL, label, sizeof label), 5);
	ck_assert (memcmp (label, "after", 5) == 0);
	CALL (CKR_ATTRIBUTE_READ_ONLY, C_SetAttributeValue, s, data, &reclass, 1);

	CALL (CKR_OK, C_CreateObject, s, fixed_tmpl, N_ELEMENTS (fixed_tmpl), &fixed);
	CALL (CKR_ACTION_PROHIBITED, C_SetAttributeValue, s, fixed, &relabel, 1);

	/* Sensitive stays sensitive, unextractable stays unextractable. */
	key = conf_secret_key (s, CKK_AES, aes_value, sizeof aes_value, true, false);
	CALL (CKR_ATTRIBUTE_READ_ONLY, C_SetAttributeValue, s, key, &unsensitive, 1);
	CALL (CKR_ATTRIBUTE_READ_ONLY, C_SetAttributeValue, s, key, &extractable, 1);

	/* A token object cannot change through a R/O session. */
	ro = conf_session (false, false);
	CALL (CKR_SESSION_READ_ONLY, C_SetAttributeValue, ro, data, &relabel, 1);
	CALL (CKR_OBJECT_HANDLE_INVALID, C_SetAttributeValue, s, CONF_BAD_HANDLE, &relabel, 1);
	CALL (CKR_ARGUMENTS_BAD, C_SetAttributeValue, s, data, NULL, 1);
}

CONF_TEST (test_copy_object)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE orig = conf_data_object (s, "orig", false, false), copy, token_copy, h;
	CK_OBJECT_CLASS klass = CKO_DATA, other = CKO_CERTIFICATE;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE relabel = { CKA_LABEL, "copy", 4 };
	CK_ATTRIBUTE to_token[] = { { CKA_TOKEN, &yes, sizeof yes }, { CKA_LABEL, "kept", 4 } };
	CK_ATTRIBUTE reclass = { CKA_CLASS, &other, sizeof other };
	CK_ATTRIBUTE uncopyable_tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_TOKEN, &no, sizeof no },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_COPYABLE, &no, sizeof no },
	};
	CK_OBJECT_HANDLE uncopyable;
	char label[16], value[32];

	CALL (CKR_OK, C_CopyObject, s, orig, &relabel, 1, &copy);
	OUT ("copy=%lu", (unsigned long)copy);
	ck_assert_uint_ne (copy, orig);
	OUT_EQ ("copy label", conf_get (s, copy, CKA_LABEL, label, sizeof label), 4);
	ck_assert (memcmp (label, "copy", 4) == 0);
	OUT_EQ ("copy value", conf_get (s, copy, CKA_VALUE, value, sizeof value), 13);
	ck_assert (memcmp (value, "value of orig", 13) == 0);
	OUT_EQ ("orig label", conf_get (s, orig, CKA_LABEL, label, sizeof label), 4);
	ck_assert (memcmp (label, "orig", 4) == 0);

	CALL (CKR_OK, C_CopyObject, s, orig, to_token, N_ELEMENTS (to_token), &token_copy);
	OUT ("token copy=%lu", (unsigned long)token_copy);
	ck_assert (conf_get_bool (s, token_copy, CKA_TOKEN));

	CALL (CKR_ATTRIBUTE_READ_ONLY, C_CopyObject, s, orig, &reclass, 1, &h);
	CALL (CKR_OK, C_CreateObject, s, uncopyable_tmpl, N_ELEMENTS (uncopyable_tmpl),
	      &uncopyable);
	CALL (CKR_ACTION_PROHIBITED, C_CopyObject, s, uncopyable, &relabel, 1, &h);
	CALL (CKR_OBJECT_HANDLE_INVALID, C_CopyObject, s, CONF_BAD_HANDLE, &relabel, 1, &h);
	/* SoftHSM wants a template even when it would be empty. */
	CALL (CKR_ARGUMENTS_BAD, C_CopyObject, s, orig, NULL, 0, &h);
	CALL (CKR_ARGUMENTS_BAD, C_CopyObject, s, orig, NULL, 0, NULL);
}

CONF_TEST (test_destroy_object)
{
	CK_SESSION_HANDLE s = conf_session (true, true), ro;
	CK_OBJECT_HANDLE one = conf_data_object (s, "one", false, false);
	CK_OBJECT_HANDLE two = conf_data_object (s, "two", true, false);
	CK_OBJECT_HANDLE kept, found[4];
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE by_class = { CKA_CLASS, &klass, sizeof klass };
	CK_ATTRIBUTE kept_tmpl[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_TOKEN, &no, sizeof no },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_DESTROYABLE, &no, sizeof no },
	};
	char label[8];
	CK_ATTRIBUTE get = { CKA_LABEL, label, sizeof label };

	CALL (CKR_OK, C_DestroyObject, s, one);
	CALL (CKR_OBJECT_HANDLE_INVALID, C_GetAttributeValue, s, one, &get, 1);
	CALL (CKR_OBJECT_HANDLE_INVALID, C_DestroyObject, s, one);
	ck_assert_uint_eq (conf_find (s, &by_class, 1, found, N_ELEMENTS (found)), 1);
	ck_assert_uint_eq (found[0], two);

	ro = conf_session (false, false);
	CALL (CKR_SESSION_READ_ONLY, C_DestroyObject, ro, two);

	CALL (CKR_OK, C_CreateObject, s, kept_tmpl, N_ELEMENTS (kept_tmpl), &kept);
	CALL (CKR_ACTION_PROHIBITED, C_DestroyObject, s, kept);

	CALL (CKR_OK, C_DestroyObject, s, two);
	ck_assert_uint_eq (conf_find (s, &by_class, 1, found, N_ELEMENTS (found)), 1);
	CALL (CKR_SESSION_HANDLE_INVALID, C_DestroyObject, CONF_BAD_HANDLE, kept);
}

CONF_TEST (test_object_size)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE data = conf_data_object (s, "sized", false, false);
	CK_ULONG size = 0;

	CALL (CKR_OK, C_GetObjectSize, s, data, &size);
	OUT ("size=%ld", (long)size);
	CALL (CKR_OBJECT_HANDLE_INVALID, C_GetObjectSize, s, CONF_BAD_HANDLE, &size);
	CALL (CKR_ARGUMENTS_BAD, C_GetObjectSize, s, data, NULL);
}

CONF_TEST (test_template_errors)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_CLASS klass = CKO_DATA, key = CKO_SECRET_KEY;
	CK_BYTE short_class[3] = { 0 };
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE no_class[] = { { CKA_LABEL, "x", 1 } };
	CK_ATTRIBUTE bad_length[] = { { CKA_CLASS, short_class, sizeof short_class } };
	CK_ATTRIBUTE unknown[] = { { CKA_CLASS, &klass, sizeof klass },
				   { CKA_VENDOR_DEFINED | 0x4242, "x", 1 } };
	CK_ATTRIBUTE no_key_type[] = { { CKA_CLASS, &key, sizeof key },
				       { CKA_VALUE, (void *)aes_value, sizeof aes_value } };

	CALL (CKR_TEMPLATE_INCOMPLETE, C_CreateObject, s, no_class, N_ELEMENTS (no_class), &h);
	/* A CKA_CLASS of the wrong size counts as no class at all for SoftHSM. */
	CALL (CKR_TEMPLATE_INCOMPLETE, C_CreateObject, s, bad_length, N_ELEMENTS (bad_length), &h);
	CALL (CKR_ATTRIBUTE_TYPE_INVALID, C_CreateObject, s, unknown, N_ELEMENTS (unknown), &h);
	CALL (CKR_TEMPLATE_INCOMPLETE, C_CreateObject, s, no_key_type, N_ELEMENTS (no_key_type),
	      &h);
	CALL (CKR_ARGUMENTS_BAD, C_CreateObject, s, NULL, 1, &h);
	CALL (CKR_ARGUMENTS_BAD, C_CreateObject, s, no_class, N_ELEMENTS (no_class), NULL);
	CALL (CKR_SESSION_HANDLE_INVALID, C_CreateObject, CONF_BAD_HANDLE, no_class,
	      N_ELEMENTS (no_class), &h);
}

TCase *
conf_tcase_objects (void)
{
	TCase *tc = conf_tcase_new ("objects");
	tcase_add_test (tc, test_object_create_find);
	tcase_add_test (tc, test_object_private);
	tcase_add_test (tc, test_get_attribute_rules);
	tcase_add_test (tc, test_set_attributes);
	tcase_add_test (tc, test_copy_object);
	tcase_add_test (tc, test_destroy_object);
	tcase_add_test (tc, test_object_size);
	tcase_add_test (tc, test_template_errors);
	return tc;
}

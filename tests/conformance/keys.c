/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key generation: an AES key, a generic secret, an EC P-256 pair and an
 * RSA-2048 pair, and the attributes the token gives them.
 */
#include "config.h"
#include "conformance.h"

#include <string.h>

CONF_TEST (test_generate_aes)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE key = conf_aes_key (s, 32, false), h;
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_MECHANISM wrong = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG odd = 17;
	CK_BYTE buf[64];
	CK_ATTRIBUTE value = { CKA_VALUE, buf, sizeof buf };
	CK_ATTRIBUTE no_len[] = { { CKA_LABEL, "aes", 3 } };
	CK_ATTRIBUTE odd_len[] = { { CKA_VALUE_LEN, &odd, sizeof odd } };

	ck_assert_uint_eq (conf_get_ulong (s, key, CKA_CLASS), CKO_SECRET_KEY);
	ck_assert_uint_eq (conf_get_ulong (s, key, CKA_KEY_TYPE), CKK_AES);
	ck_assert_uint_eq (conf_get_ulong (s, key, CKA_VALUE_LEN), 32);
	ck_assert_uint_eq (conf_get_bool (s, key, CKA_LOCAL), CK_TRUE);
	ck_assert_uint_eq (conf_get_bool (s, key, CKA_ALWAYS_SENSITIVE), CK_TRUE);
	ck_assert_uint_eq (conf_get_bool (s, key, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	ck_assert_uint_eq (conf_get_ulong (s, key, CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
	/* The check value is a function of the key: only its length compares. */
	OUT ("check value length=%lu",
	     (unsigned long)conf_get (s, key, CKA_CHECK_VALUE, buf, sizeof buf));
	CALL (CKR_ATTRIBUTE_SENSITIVE, C_GetAttributeValue, s, key, &value, 1);

	CALL (CKR_TEMPLATE_INCOMPLETE, C_GenerateKey, s, &gen, no_len, N_ELEMENTS (no_len), &h);
	CALL (CKR_ATTRIBUTE_VALUE_INVALID, C_GenerateKey, s, &gen, odd_len, N_ELEMENTS (odd_len),
	      &h);
	CALL (CKR_MECHANISM_INVALID, C_GenerateKey, s, &wrong, odd_len, N_ELEMENTS (odd_len), &h);
	CALL (CKR_ARGUMENTS_BAD, C_GenerateKey, s, NULL, odd_len, N_ELEMENTS (odd_len), &h);
	CALL (CKR_ARGUMENTS_BAD, C_GenerateKey, s, &gen, odd_len, N_ELEMENTS (odd_len), NULL);
}

CONF_TEST (test_generate_secret)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_MECHANISM gen = { CKM_GENERIC_SECRET_KEY_GEN, NULL, 0 };
	CK_ULONG len = 48;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_VALUE_LEN, &len, sizeof len }, { CKA_TOKEN, &no, sizeof no },
		{ CKA_SENSITIVE, &no, sizeof no },   { CKA_EXTRACTABLE, &yes, sizeof yes },
		{ CKA_SIGN, &yes, sizeof yes },
	};
	CK_OBJECT_HANDLE key;
	CK_BYTE value[64];

	CALL (CKR_OK, C_GenerateKey, s, &gen, tmpl, N_ELEMENTS (tmpl), &key);
	OUT ("key=%lu", (unsigned long)key);
	ck_assert_uint_eq (conf_get_ulong (s, key, CKA_KEY_TYPE), CKK_GENERIC_SECRET);
	OUT_EQ ("value length", conf_get (s, key, CKA_VALUE, value, sizeof value), 48);
	ck_assert_uint_eq (conf_get_bool (s, key, CKA_ALWAYS_SENSITIVE), CK_FALSE);
}

CONF_TEST (test_generate_ec)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE pub, priv, h1, h2;
	CK_BYTE point[128], params[32], buf[64];
	CK_ULONG len;
	CK_ATTRIBUTE value = { CKA_VALUE, buf, sizeof buf };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BYTE bad_curve[] = { 0x06, 0x03, 0x2a, 0x03, 0x04 };
	CK_ATTRIBUTE no_params[] = { { CKA_VERIFY, "\x01", 1 } };
	CK_ATTRIBUTE unknown_curve[] = { { CKA_EC_PARAMS, bad_curve, sizeof bad_curve } };
	CK_ATTRIBUTE priv_tmpl[] = { { CKA_SIGN, "\x01", 1 } };

	conf_ec_pair (s, &pub, &priv);
	ck_assert_uint_eq (conf_get_ulong (s, pub, CKA_CLASS), CKO_PUBLIC_KEY);
	ck_assert_uint_eq (conf_get_ulong (s, priv, CKA_CLASS), CKO_PRIVATE_KEY);
	ck_assert_uint_eq (conf_get_ulong (s, pub, CKA_KEY_TYPE), CKK_EC);
	ck_assert_uint_eq (conf_get_ulong (s, priv, CKA_KEY_TYPE), CKK_EC);
	/* An uncompressed P-256 point in a DER OCTET STRING: 2 + 1 + 64 bytes. */
	len = conf_get (s, pub, CKA_EC_POINT, point, sizeof point);
	OUT_EQ ("point length", len, 67);
	ck_assert_uint_eq (point[0], 0x04);
	ck_assert_uint_eq (point[2], 0x04);
	len = conf_get (s, pub, CKA_EC_PARAMS, params, sizeof params);
	OUT ("params=%s", conf_hex (params, len));
	ck_assert (len == sizeof conf_p256_oid && memcmp (params, conf_p256_oid, len) == 0);
	len = conf_get (s, priv, CKA_EC_PARAMS, params, sizeof params);
	OUT_EQ ("private params length", len, sizeof conf_p256_oid);
	ck_assert_uint_eq (conf_get_bool (s, priv, CKA_SENSITIVE), CK_TRUE);
	ck_assert_uint_eq (conf_get_bool (s, priv, CKA_LOCAL), CK_TRUE);
	CALL (CKR_ATTRIBUTE_SENSITIVE, C_GetAttributeValue, s, priv, &value, 1);

	CALL (CKR_TEMPLATE_INCOMPLETE, C_GenerateKeyPair, s, &gen, no_params, 1, priv_tmpl, 1, &h1,
	      &h2);
	/* SoftHSM answers an unknown curve with CKR_GENERAL_ERROR. */
	CALL (CKR_GENERAL_ERROR, C_GenerateKeyPair, s, &gen, unknown_curve, 1, priv_tmpl, 1, &h1,
	      &h2);
	CALL (CKR_ARGUMENTS_BAD, C_GenerateKeyPair, s, &gen, no_params, 1, priv_tmpl, 1, NULL, &h2);
	CALL (CKR_ARGUMENTS_BAD, C_GenerateKeyPair, s, NULL, no_params, 1, priv_tmpl, 1, &h1, &h2);
}

CONF_TEST (test_generate_rsa)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_OBJECT_HANDLE pub, priv, h1, h2, found[4];
	CK_BYTE modulus[512], modulus2[512], exponent[8], buf[512];
	CK_ULONG len;
	CK_ATTRIBUTE private_exponent = { CKA_PRIVATE_EXPONENT, buf, sizeof buf };
	CK_ATTRIBUTE prime = { CKA_PRIME_1, NULL, 0 };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE no_bits[] = { { CKA_VERIFY, "\x01", 1 } };
	CK_ATTRIBUTE priv_tmpl[] = { { CKA_SIGN, "\x01", 1 } };
	CK_BYTE id[] = { 0x52, 0x53, 0x41 };
	CK_ATTRIBUTE by_id[] = { { CKA_ID, id, sizeof id } };

	conf_rsa_pair (s, &pub, &priv);
	ck_assert_uint_eq (conf_get_ulong (s, pub, CKA_KEY_TYPE), CKK_RSA);
	ck_assert_uint_eq (conf_get_ulong (s, priv, CKA_KEY_TYPE), CKK_RSA);
	ck_assert_uint_eq (conf_get_ulong (s, pub, CKA_MODULUS_BITS), 2048);
	len = conf_get (s, pub, CKA_MODULUS, modulus, sizeof modulus);
	OUT_EQ ("modulus length", len, 256);
	ck_assert_uint_ge (modulus[0], 0x80);
	OUT_EQ ("private modulus length",
		conf_get (s, priv, CKA_MODULUS, modulus2, sizeof modulus2), 256);
	ck_assert (memcmp (modulus, modulus2, 256) == 0);
	len = conf_get (s, pub, CKA_PUBLIC_EXPONENT, exponent, sizeof exponent);
	OUT ("exponent=%s", conf_hex (exponent, len));
	ck_assert_uint_eq (conf_get_bool (s, priv, CKA_SENSITIVE), CK_TRUE);
	ck_assert_uint_eq (conf_get_bool (s, priv, CKA_PRIVATE), CK_TRUE);
	ck_assert_uint_eq (conf_get_bool (s, priv, CKA_LOCAL), CK_TRUE);
	ck_assert_uint_eq (conf_get_ulong (s, priv, CKA_KEY_GEN_MECHANISM),
			   CKM_RSA_PKCS_KEY_PAIR_GEN);
	CALL (CKR_ATTRIBUTE_SENSITIVE, C_GetAttributeValue, s, priv, &private_exponent, 1);
	CALL (CKR_ATTRIBUTE_SENSITIVE, C_GetAttributeValue, s, priv, &prime, 1);
	OUT_EQ ("prime length", prime.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	/* The pair shares its CKA_ID, which is how certificates find keys. */
	ck_assert_uint_eq (conf_find (s, by_id, 1, found, N_ELEMENTS (found)), 2);

	CALL (CKR_TEMPLATE_INCOMPLETE, C_GenerateKeyPair, s, &gen, no_bits, 1, priv_tmpl, 1, &h1,
	      &h2);
}

TCase *
conf_tcase_keys (void)
{
	TCase *tc = conf_tcase_new ("keys");
	tcase_add_test (tc, test_generate_aes);
	tcase_add_test (tc, test_generate_secret);
	tcase_add_test (tc, test_generate_ec);
	tcase_add_test (tc, test_generate_rsa);
	return tc;
}

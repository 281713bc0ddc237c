/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NULL arguments where the spec names CKR_ARGUMENTS_BAD, one call each, on
 * top of those the other tests make.  Every case is run and recorded
 * before the test fails, so one run lists every departure.
 */
#include "config.h"
#include "conformance.h"

#include <stdio.h>
#include <string.h>

static char failures[4096];

static void
expect (CK_RV got, CK_RV expected, const char *what, int line)
{
	if (got == expected)
		return;
	size_t used = strlen (failures);
	snprintf (failures + used, sizeof failures - used,
		  "\n  line %d: %s returned %s, expected %s", line, what, conf_rv_name (got),
		  conf_rv_name (expected));
}

#define EXPECT(expected, fn, ...) expect (RV (fn, __VA_ARGS__), expected, #fn, __LINE__)

CONF_TEST (test_null_arguments)
{
	CK_SESSION_HANDLE s = conf_session (true, true);
	CK_BYTE key_value[32], buf[256], iv[16];
	CK_ULONG len = sizeof buf, n;
	CK_OBJECT_HANDLE key, h, h2;
	CK_MECHANISM sha256 = { CKM_SHA256, NULL, 0 };
	CK_MECHANISM hmac = { CKM_SHA256_HMAC, NULL, 0 };
	CK_MECHANISM cbc = { CKM_AES_CBC_PAD, iv, sizeof iv };
	CK_MECHANISM aes_gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_MECHANISM ec_gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_CLASS data = CKO_DATA;
	CK_ATTRIBUTE by_class = { CKA_CLASS, &data, sizeof data };
	CK_ULONG bytes = 16;
	CK_ATTRIBUTE aes_tmpl = { CKA_VALUE_LEN, &bytes, sizeof bytes };
	CK_ATTRIBUTE ec_tmpl = { CKA_EC_PARAMS, (void *)conf_p256_oid, sizeof conf_p256_oid };
	CK_SESSION_HANDLE t;

	failures[0] = '\0';
	memset (key_value, 0x3c, sizeof key_value);
	memset (iv, 0, sizeof iv);
	key = conf_secret_key (s, CKK_AES, key_value, sizeof key_value, true, false);
	h = conf_secret_key (s, CKK_GENERIC_SECRET, key_value, sizeof key_value, true, false);

	/* SoftHSM checks no pointer where it has nothing to say. */
	EXPECT (CKR_NO_EVENT, C_WaitForSlotEvent, CKF_DONT_BLOCK, NULL, NULL);
	EXPECT (CKR_FUNCTION_NOT_SUPPORTED, C_GetOperationState, s, buf, NULL);

	/* Finding objects. */
	EXPECT (CKR_ARGUMENTS_BAD, C_FindObjectsInit, s, NULL, 1);
	EXPECT (CKR_OK, C_FindObjectsInit, s, &by_class, 1);
	EXPECT (CKR_ARGUMENTS_BAD, C_FindObjects, s, NULL, 1, &n);
	EXPECT (CKR_ARGUMENTS_BAD, C_FindObjects, s, &h2, 1, NULL);
	EXPECT (CKR_OK, C_FindObjectsFinal, s);

	/* Each operation: NULL arguments leave it active, a good call ends it. */
	/* Each case runs in a session of its own, whose closing ends the
	 * operation whatever state the NULL left it in. */
#define OP_CASE(init, init_args, fn, ...) \
	do { \
		EXPECT (CKR_OK, C_OpenSession, conf_slot, CKF_SERIAL_SESSION, NULL, NULL, &t); \
		EXPECT (CKR_OK, init, t, init_args); \
		EXPECT (CKR_ARGUMENTS_BAD, fn, t, __VA_ARGS__); \
		EXPECT (CKR_OK, C_CloseSession, t); \
	} while (0)
#define ENC &cbc, key
#define DIG &sha256
#define MAC &hmac, h
	OP_CASE (C_EncryptInit, ENC, C_Encrypt, NULL, 16, buf, &len);
	OP_CASE (C_EncryptInit, ENC, C_Encrypt, key_value, 16, buf, NULL);
	OP_CASE (C_EncryptInit, ENC, C_EncryptUpdate, NULL, 16, buf, &len);
	OP_CASE (C_EncryptInit, ENC, C_EncryptUpdate, key_value, 16, buf, NULL);
	OP_CASE (C_EncryptInit, ENC, C_EncryptFinal, buf, NULL);
	OP_CASE (C_DecryptInit, ENC, C_Decrypt, NULL, 16, buf, &len);
	OP_CASE (C_DecryptInit, ENC, C_Decrypt, key_value, 16, buf, NULL);
	OP_CASE (C_DecryptInit, ENC, C_DecryptUpdate, NULL, 16, buf, &len);
	OP_CASE (C_DecryptInit, ENC, C_DecryptUpdate, key_value, 16, buf, NULL);
	OP_CASE (C_DecryptInit, ENC, C_DecryptFinal, buf, NULL);
	OP_CASE (C_DigestInit, DIG, C_Digest, NULL, 3, buf, &len);
	OP_CASE (C_DigestInit, DIG, C_Digest, key_value, 3, buf, NULL);
	OP_CASE (C_DigestInit, DIG, C_DigestUpdate, NULL, 3);
	OP_CASE (C_DigestInit, DIG, C_DigestFinal, buf, NULL);
	OP_CASE (C_SignInit, MAC, C_Sign, NULL, 3, buf, &len);
	OP_CASE (C_SignInit, MAC, C_Sign, key_value, 3, buf, NULL);
	OP_CASE (C_SignInit, MAC, C_SignUpdate, NULL, 3);
	OP_CASE (C_SignInit, MAC, C_SignFinal, buf, NULL);
	OP_CASE (C_VerifyInit, MAC, C_Verify, NULL, 3, buf, 32);
	OP_CASE (C_VerifyInit, MAC, C_Verify, key_value, 3, NULL, 32);
	OP_CASE (C_VerifyInit, MAC, C_VerifyUpdate, NULL, 3);
	OP_CASE (C_VerifyInit, MAC, C_VerifyFinal, NULL, 32);
#undef OP_CASE
#undef ENC
#undef DIG
#undef MAC

	/* Keys. */
	EXPECT (CKR_ARGUMENTS_BAD, C_GenerateKey, s, &aes_gen, NULL, 1, &h2);
	EXPECT (CKR_ARGUMENTS_BAD, C_GenerateKeyPair, s, &ec_gen, &ec_tmpl, 1, NULL, 1, &h2, &h2);
	EXPECT (CKR_ARGUMENTS_BAD, C_GenerateKeyPair, s, &ec_gen, &ec_tmpl, 1, &aes_tmpl, 0, &h2,
		NULL);
	EXPECT (CKR_ARGUMENTS_BAD, C_WrapKey, s, &cbc, key, h, buf, NULL);
	EXPECT (CKR_ARGUMENTS_BAD, C_UnwrapKey, s, NULL, key, buf, 32, &aes_tmpl, 1, &h2);
	EXPECT (CKR_ARGUMENTS_BAD, C_DeriveKey, s, &hmac, key, NULL, 1, &h2);
	EXPECT (CKR_ARGUMENTS_BAD, C_CopyObject, s, h, NULL, 1, &h2);

	/* The SO's C_InitPIN. */
	EXPECT (CKR_OK, C_Logout, s);
	EXPECT (CKR_OK, C_Login, s, CKU_SO, (CK_UTF8CHAR_PTR)CONF_SO_PIN, strlen (CONF_SO_PIN));
	EXPECT (CKR_ARGUMENTS_BAD, C_InitPIN, s, NULL, 4);

	ck_assert_msg (failures[0] == '\0', "unexpected results:%s", failures);
}

TCase *
conf_tcase_arguments (void)
{
	TCase *tc = conf_tcase_new ("arguments");
	tcase_add_test (tc, test_null_arguments);
	return tc;
}

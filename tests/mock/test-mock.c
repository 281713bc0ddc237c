/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock backend on its own, as the other tests rely on it: attribute
 * rules, the eToken's retry counter and feature objects, its password
 * policy, the state file shared between processes, versions, signatures.
 */
#include "config.h"
#include "p11-test.h"
#include "mock-p11.h"
#include "p11/etoken.h"

#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static p11t_module m;
static CK_FUNCTION_LIST_PTR f;
static char *dir;

static void
setup (void)
{
	static const char *const knobs[] = { "MOCK_P11_VERSION",
					     "MOCK_P11_ETOKEN",
					     "MOCK_P11_STATE",
					     "MOCK_P11_HIDE_RETRY",
					     "MOCK_P11_PIN_POLICY",
					     "MOCK_P11_USER_TRIES",
					     NULL };
	for (int i = 0; knobs[i]; i++)
		unsetenv (knobs[i]);
	dir = p11t_tmpdir ("mock");
	p11t_load (&m, p11t_mock_path ());
	f = m.f;
}

static void
teardown (void)
{
	f->C_Finalize (NULL);
	p11t_rmtree (dir);
	free (dir);
}

static CK_SESSION_HANDLE
session (void)
{
	CK_SESSION_HANDLE h;
	p11t_assert_rv (f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
					  NULL, &h),
			CKR_OK);
	return h;
}

static CK_RV
login (CK_SESSION_HANDLE h, const char *pin)
{
	return f->C_Login (h, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen (pin));
}

static CK_FLAGS
token_flags (void)
{
	CK_TOKEN_INFO info;
	p11t_assert_rv (f->C_GetTokenInfo (MOCK_P11_SLOT, &info), CKR_OK);
	return info.flags;
}

/* The value of a CK_ULONG attribute of the feature object, or -1. */
static long
feature (CK_SESSION_HANDLE h, CK_HW_FEATURE_TYPE type, CK_ATTRIBUTE_TYPE attr)
{
	CK_OBJECT_CLASS klass = CKO_HW_FEATURE;
	CK_ATTRIBUTE find[] = { { CKA_CLASS, &klass, sizeof klass },
				{ CKA_HW_FEATURE_TYPE, &type, sizeof type } };
	CK_OBJECT_HANDLE obj;
	CK_ULONG n = 0, value;
	CK_ATTRIBUTE get = { attr, &value, sizeof value };
	p11t_assert_rv (f->C_FindObjectsInit (h, find, 2), CKR_OK);
	p11t_assert_rv (f->C_FindObjects (h, &obj, 1, &n), CKR_OK);
	p11t_assert_rv (f->C_FindObjectsFinal (h), CKR_OK);
	ck_assert_uint_eq (n, 1);
	return f->C_GetAttributeValue (h, obj, &get, 1) == CKR_OK ? (long)value : -1;
}

START_TEST (test_attribute_rules)
{
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_BYTE exponent[] = { 9, 9, 9 }, id[] = { 7 }, buf[8];
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &klass, sizeof klass },
				{ CKA_PRIVATE_EXPONENT, exponent, 3 },
				{ CKA_ID, id, 1 } };
	CK_OBJECT_HANDLE key;
	CK_ULONG got_class = 0;

	p11t_assert_rv (f->C_Initialize (NULL), CKR_OK);
	CK_SESSION_HANDLE h = session ();
	p11t_assert_rv (f->C_CreateObject (h, tmpl, 3, &key), CKR_USER_NOT_LOGGED_IN);
	p11t_assert_rv (login (h, "12345678"), CKR_OK);
	p11t_assert_rv (f->C_CreateObject (h, tmpl, 3, &key), CKR_OK);

	CK_ATTRIBUTE get[] = {
		{ CKA_PRIVATE_EXPONENT, buf, sizeof buf },
		{ CKA_CLASS, &got_class, sizeof got_class },
		{ CKA_LABEL, buf, sizeof buf },
		{ CKA_ID, NULL, 0 },
		{ CKA_ID, buf, 0 },
	};
	p11t_assert_rv (f->C_GetAttributeValue (h, key, get, 5), CKR_ATTRIBUTE_SENSITIVE);
	ck_assert_uint_eq (get[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (get[1].ulValueLen, sizeof got_class);
	ck_assert_uint_eq (got_class, CKO_PRIVATE_KEY);
	ck_assert_uint_eq (get[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	ck_assert_uint_eq (get[3].ulValueLen, 1);
	ck_assert_uint_eq (get[4].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	get[4].ulValueLen = 0;
	p11t_assert_rv (f->C_GetAttributeValue (h, key, &get[4], 1), CKR_BUFFER_TOO_SMALL);

	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE unsensitive = { CKA_SENSITIVE, &no, 1 },
		     reclass = { CKA_CLASS, &klass, sizeof klass };
	p11t_assert_rv (f->C_SetAttributeValue (h, key, &unsensitive, 1), CKR_ATTRIBUTE_READ_ONLY);
	p11t_assert_rv (f->C_SetAttributeValue (h, key, &reclass, 1), CKR_ATTRIBUTE_READ_ONLY);
	/* Private objects vanish on logout. */
	p11t_assert_rv (f->C_Logout (h), CKR_OK);
	p11t_assert_rv (f->C_GetAttributeValue (h, key, get, 1), CKR_OBJECT_HANDLE_INVALID);
}
END_TEST

START_TEST (test_etoken_locks_after_15)
{
	setenv ("MOCK_P11_ETOKEN", "1", 1);
	p11t_assert_rv (f->C_Initialize (NULL), CKR_OK);
	CK_SESSION_HANDLE h = session ();
	CK_TOKEN_INFO info;
	p11t_assert_rv (f->C_GetTokenInfo (MOCK_P11_SLOT, &info), CKR_OK);
	ck_assert_mem_eq (info.manufacturerID, "SafeNet, Inc.   ", 16);
	ck_assert_mem_eq (info.model, "eToken          ", 16);
	ck_assert_mem_eq (info.label, "eToken ", 7);
	ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER_MAX), 15);

	/* A right PIN gives the tries back. */
	p11t_assert_rv (login (h, "00000000"), CKR_PIN_INCORRECT);
	ck_assert_uint_ne (token_flags () & CKF_USER_PIN_COUNT_LOW, 0);
	p11t_assert_rv (login (h, "12345678"), CKR_OK);
	p11t_assert_rv (f->C_Logout (h), CKR_OK);
	ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER), 15);
	ck_assert_uint_eq (token_flags () & CKF_USER_PIN_COUNT_LOW, 0);

	for (int i = 1; i <= 15; i++) {
		p11t_assert_rv (login (h, "00000000"), CKR_PIN_INCORRECT);
		ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER), 15 - i);
		CK_FLAGS flags = token_flags ();
		ck_assert_uint_eq ((flags & CKF_USER_PIN_FINAL_TRY) != 0, i == 14);
		ck_assert_uint_eq ((flags & CKF_USER_PIN_LOCKED) != 0, i == 15);
	}
	p11t_assert_rv (login (h, "12345678"), CKR_PIN_LOCKED);
	p11t_assert_rv (
		f->C_SetPIN (h, (CK_UTF8CHAR_PTR) "12345678", 8, (CK_UTF8CHAR_PTR) "1234", 4),
		CKR_PIN_LOCKED);
	/* The SO unlocks it. */
	p11t_assert_rv (f->C_Login (h, CKU_SO, (CK_UTF8CHAR_PTR) "87654321", 8), CKR_OK);
	p11t_assert_rv (f->C_InitPIN (h, (CK_UTF8CHAR_PTR) "24682468", 8), CKR_OK);
	p11t_assert_rv (f->C_Logout (h), CKR_OK);
	p11t_assert_rv (login (h, "24682468"), CKR_OK);
}
END_TEST

START_TEST (test_etoken_hidden_retry)
{
	setenv ("MOCK_P11_ETOKEN", "1", 1);
	setenv ("MOCK_P11_HIDE_RETRY", "1", 1);
	p11t_assert_rv (f->C_Initialize (NULL), CKR_OK);
	CK_SESSION_HANDLE h = session ();
	ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER), -1);
	p11t_assert_rv (login (h, "00000000"), CKR_PIN_INCORRECT);
	ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER), -1);
	/* It still counts, and says so in the flags. */
	ck_assert_uint_ne (token_flags () & CKF_USER_PIN_COUNT_LOW, 0);
}
END_TEST

/* MOCK_P11_USER_TRIES: a token with fewer tries, for the lockout tests. */
START_TEST (test_etoken_user_tries)
{
	setenv ("MOCK_P11_ETOKEN", "1", 1);
	setenv ("MOCK_P11_USER_TRIES", "3", 1);
	p11t_assert_rv (f->C_Initialize (NULL), CKR_OK);
	CK_SESSION_HANDLE h = session ();
	ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER_MAX), 3);
	ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER), 3);
	ck_assert_uint_eq (token_flags () & CKF_USER_PIN_COUNT_LOW, 0);
	for (int i = 1; i <= 3; i++)
		p11t_assert_rv (login (h, "00000000"), CKR_PIN_INCORRECT);
	ck_assert_uint_ne (token_flags () & CKF_USER_PIN_LOCKED, 0);
	p11t_assert_rv (login (h, "12345678"), CKR_PIN_LOCKED);
}
END_TEST

START_TEST (test_etoken_pin_policy)
{
	setenv ("MOCK_P11_ETOKEN", "1", 1);
	setenv ("MOCK_P11_PIN_POLICY", "min-len=10,upper=2,special=1,mix=1", 1);
	p11t_assert_rv (f->C_Initialize (NULL), CKR_OK);
	CK_SESSION_HANDLE h = session ();
	ck_assert_int_eq (feature (h, ETCKH_PIN_POLICY, ETCKA_PIN_MIN_LEN), 10);
	ck_assert_int_eq (feature (h, ETCKH_PIN_POLICY, ETCKA_PIN_UPPER_CASE), ETCK_PIN_ENFORCE);
	ck_assert_int_eq (feature (h, ETCKH_PIN_POLICY, ETCKA_PIN_SPECIAL), ETCK_PIN_FORBIDDEN);
	static const struct {
		const char *pin;
		CK_RV rv;
	} cases[] = {
		{ "Short1", CKR_PIN_LEN_RANGE },     { "alllowercase1", CKR_PIN_INVALID },
		{ "Upper!lower1", CKR_PIN_INVALID }, { "UPPERONLYXX", CKR_PIN_INVALID },
		{ "Upperlower12", CKR_OK },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		p11t_assert_rv (f->C_SetPIN (h, (CK_UTF8CHAR_PTR) "12345678", 8,
					     (CK_UTF8CHAR_PTR)cases[i].pin, strlen (cases[i].pin)),
				cases[i].rv);
	/* No refused PIN spent a try. */
	ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER), 15);
	p11t_assert_rv (login (h, "Upperlower12"), CKR_OK);
}
END_TEST

START_TEST (test_state_file)
{
	char path[4200];
	snprintf (path, sizeof path, "%s/token.state", dir);
	setenv ("MOCK_P11_ETOKEN", "1", 1);
	setenv ("MOCK_P11_STATE", path, 1);
	p11t_assert_rv (f->C_Initialize (NULL), CKR_OK);
	CK_SESSION_HANDLE h = session ();
	for (int i = 0; i < 3; i++)
		p11t_assert_rv (login (h, "00000000"), CKR_PIN_INCORRECT);
	p11t_assert_rv (
		f->C_SetPIN (h, (CK_UTF8CHAR_PTR) "12345678", 8, (CK_UTF8CHAR_PTR) "Zz9!Zz9!", 8),
		CKR_OK);
	p11t_assert_rv (login (h, "00000000"), CKR_PIN_INCORRECT);
	p11t_assert_rv (f->C_Finalize (NULL), CKR_OK);

	/* Another process (here: the next C_Initialize) sees the same token. */
	p11t_assert_rv (f->C_Initialize (NULL), CKR_OK);
	h = session ();
	ck_assert_int_eq (feature (h, ETCKH_TOKEN_OBJECT, ETCKA_RETRY_USER), 14);
	p11t_assert_rv (login (h, "12345678"), CKR_PIN_INCORRECT);
	p11t_assert_rv (login (h, "Zz9!Zz9!"), CKR_OK);
	const char *secrets[] = { "Zz9!Zz9!", "12345678", NULL };
	char *hit = p11t_find_secret (dir, secrets);
	ck_assert_msg (hit == NULL, "a PIN in clear in %s", hit);
}
END_TEST

START_TEST (test_versions)
{
	CK_C_GetInterface gi = (CK_C_GetInterface)dlsym (m.handle, "C_GetInterface");
	CK_C_GetFunctionList gfl = (CK_C_GetFunctionList)dlsym (m.handle, "C_GetFunctionList");
	CK_INTERFACE_PTR iface = NULL;
	CK_FUNCTION_LIST_PTR list;
	CK_INFO info;

	p11t_assert_rv (gi (NULL, NULL, &iface, 0), CKR_OK);
	ck_assert_int_eq (((CK_FUNCTION_LIST *)iface->pFunctionList)->version.major, 3);
	setenv ("MOCK_P11_VERSION", "2.20", 1);
	p11t_assert_rv (gi (NULL, NULL, &iface, 0), CKR_FUNCTION_NOT_SUPPORTED);
	p11t_assert_rv (gfl (&list), CKR_OK);
	ck_assert_int_eq (list->version.minor, 20);
	p11t_assert_rv (list->C_Initialize (NULL), CKR_OK);
	p11t_assert_rv (list->C_GetInfo (&info), CKR_OK);
	ck_assert_int_eq (info.cryptokiVersion.minor, 20);
}
END_TEST

START_TEST (test_signatures)
{
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 },
		     rsa = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE data[] = "abcdefgh", one[256], two[256];
	CK_ULONG one_len = sizeof one, two_len = sizeof two;

	p11t_assert_rv (f->C_Initialize (NULL), CKR_OK);
	CK_SESSION_HANDLE h = session ();
	p11t_assert_rv (login (h, "12345678"), CKR_OK);
	p11t_assert_rv (f->C_GenerateKeyPair (h, &gen, NULL, 0, NULL, 0, &pub, &priv), CKR_OK);
	p11t_assert_rv (f->C_SignInit (h, &rsa, priv), CKR_OK);
	p11t_assert_rv (f->C_Sign (h, data, 8, one, &one_len), CKR_OK);
	p11t_assert_rv (f->C_SignInit (h, &rsa, priv), CKR_OK);
	p11t_assert_rv (f->C_SignUpdate (h, data, 3), CKR_OK);
	p11t_assert_rv (f->C_SignUpdate (h, data + 3, 5), CKR_OK);
	p11t_assert_rv (f->C_SignFinal (h, two, &two_len), CKR_OK);
	ck_assert_uint_eq (one_len, MOCK_P11_SIGNATURE_LEN);
	ck_assert_mem_eq (one, two, one_len);
	p11t_assert_rv (f->C_VerifyInit (h, &rsa, pub), CKR_OK);
	p11t_assert_rv (f->C_Verify (h, data, 8, one, one_len), CKR_OK);
	p11t_assert_rv (f->C_VerifyInit (h, &rsa, pub), CKR_OK);
	p11t_assert_rv (f->C_Verify (h, data, 7, one, one_len), CKR_SIGNATURE_INVALID);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("mock");
	TCase *tc = tcase_create ("mock");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_add_test (tc, test_attribute_rules);
	tcase_add_test (tc, test_etoken_locks_after_15);
	tcase_add_test (tc, test_etoken_hidden_retry);
	tcase_add_test (tc, test_etoken_user_tries);
	tcase_add_test (tc, test_etoken_pin_policy);
	tcase_add_test (tc, test_state_file);
	tcase_add_test (tc, test_versions);
	tcase_add_test (tc, test_signatures);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bad input to the shim's core: backends that are not PKCS#11 libraries, a
 * configuration with errors, NULL arguments.  Each gives the right error,
 * one clear line on stderr, and no crash; C_GetFunctionList always works.
 */
#include "config.h"
#include "shim-fixture.h"

#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The exported entry points still answer, whatever went wrong. */
static void
assert_entry_points_work (void)
{
	CK_C_GetFunctionList gfl =
		(CK_C_GetFunctionList)dlsym (fx.shim.handle, "C_GetFunctionList");
	CK_C_GetInterface gi = (CK_C_GetInterface)dlsym (fx.shim.handle, "C_GetInterface");
	CK_FUNCTION_LIST_PTR list = NULL;
	CK_INTERFACE_PTR iface = NULL;
	CK_INFO info;
	p11t_assert_rv (gfl (&list), CKR_OK);
	ck_assert_ptr_eq (list, fx.shim.f);
	p11t_assert_rv (gi (NULL, NULL, &iface, 0), CKR_OK);
	ck_assert_ptr_eq (iface->pFunctionList, fx.shim.f3);
	p11t_assert_rv (list->C_GetInfo (&info), CKR_CRYPTOKI_NOT_INITIALIZED);
}

/* C_Initialize fails with rv and one line on stderr holding each of the
 * NULL-terminated words. */
static void
assert_init_fails (CK_RV expected, const char *const *words)
{
	fx_stderr_begin ();
	CK_RV rv = fx.shim.f->C_Initialize (NULL);
	char *err = fx_stderr_end ();
	p11t_assert_rv (rv, expected);
	ck_assert_msg (fx_count_lines (err) == 1, "expected one line on stderr, got: %s", err);
	for (int i = 0; words[i]; i++)
		ck_assert_msg (strstr (err, words[i]) != NULL, "'%s' missing from: %s", words[i],
			       err);
	free (err);
	ck_assert_uint_eq (fx.call_count ("C_Initialize"), 0);
	assert_entry_points_work ();
}

static const char *
libm_path (void)
{
	void *libm = dlopen ("libm.so.6", RTLD_NOW | RTLD_LOCAL);
	Dl_info info;
	ck_assert_ptr_nonnull (libm);
	void *cos_fn = dlsym (libm, "cos");
	ck_assert_ptr_nonnull (cos_fn);
	ck_assert_int_ne (dladdr (cos_fn, &info), 0);
	return info.dli_fname;
}

START_TEST (test_bad_backend)
{
	char path[4200];
	switch (_i) {
	case 0:
		/* missing */
		snprintf (path, sizeof path, "%s/missing/libeTPkcs11.so", fx.dir);
		break;
	case 1:
		/* not PKCS#11 */
		snprintf (path, sizeof path, "%s", libm_path ());
		break;
	case 2: {
		/* a text file */
		snprintf (path, sizeof path, "%s/libeToken.so", fx.dir);
		FILE *f = fopen (path, "w");
		ck_assert_ptr_nonnull (f);
		fputs ("This is not a shared library.\n", f);
		fclose (f);
		break;
	}
	case 3:
		/* the shim itself */
		snprintf (path, sizeof path, "%s", p11t_shim_path ());
		break;
	case 4:
		/* a symlink to the shim */
		snprintf (path, sizeof path, "%s/libeTPkcs11.so", fx.dir);
		ck_assert_int_eq (symlink (p11t_shim_path (), path), 0);
		break;
	case 5:
		/* a hard link to the shim */
		snprintf (path, sizeof path, "%s/libeTPkcs11.so", fx.dir);
		if (link (p11t_shim_path (), path) != 0)
			return; /* another file system: nothing to test */
		break;
	}
	setenv ("HKPOST_P11_BACKEND", path, 1);
	assert_entry_points_work ();
	const char *words[] = { path, NULL };
	assert_init_fails (CKR_GENERAL_ERROR, words);

	/* Pointed at a real token library, the same process recovers. */
	setenv ("HKPOST_P11_BACKEND", p11t_mock_path (), 1);
	fx_init ();
}
END_TEST

START_TEST (test_backend_from_config)
{
	char extra[4200];
	unsetenv ("HKPOST_P11_BACKEND");
	snprintf (extra, sizeof extra, "backend: %s/none/libeTPkcs11.so\n", fx.dir);
	fx_conf (extra);
	const char *words[] = { "none/libeTPkcs11.so", fx.conf, NULL };
	assert_init_fails (CKR_GENERAL_ERROR, words);
}
END_TEST

START_TEST (test_config_errors)
{
	static const struct {
		const char *text;
		const char *words[3];
	} cases[] = {
		{ "unknown-key: 1\n", { "line 7", "unknown-key", NULL } },
		{ "pin-min-length: banana\n", { "line 7", "pin-min-length", NULL } },
		{ "# a comment\nlabels off\n", { "line 8", NULL } },
		{ "lockout-guard: -3\n", { "line 7", "lockout-guard", NULL } },
		/* Each valid, unworkable: a relative directory, contradictory lengths. */
		{ "state-dir: relstate\n", { "line 7", "state-dir", NULL } },
		{ "pin-max-length: 6\n", { "line 7", "pin-max-length", NULL } },
	};
	const char *words[4] = { fx.conf };

	fx_conf (cases[_i].text);
	for (int i = 0; i < 2; i++)
		words[i + 1] = cases[_i].words[i];
	assert_init_fails (CKR_GENERAL_ERROR, words);
}
END_TEST

START_TEST (test_config_file_missing)
{
	char path[4200];
	snprintf (path, sizeof path, "%s/nowhere.conf", fx.dir);
	setenv ("HKPOST_P11_CONF", path, 1);
	const char *words[] = { path, NULL };
	assert_init_fails (CKR_GENERAL_ERROR, words);
}
END_TEST

/* NULL where the spec names CKR_ARGUMENTS_BAD: the mock answers it as the
 * spec says, and the shim carries it back without touching the pointer. */
START_TEST (test_null_arguments)
{
	CK_FUNCTION_LIST_PTR f = fx.shim.f;
	CK_FUNCTION_LIST_3_0_PTR f3 = fx.shim.f3;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE data[4] = { 1, 2, 3, 4 };
	CK_OBJECT_HANDLE pub, priv;
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };

	fx_init ();
	CK_SESSION_HANDLE h = fx_session (MOCK_P11_SLOT, true);
	p11t_assert_rv (f->C_GenerateKeyPair (h, &gen, NULL, 0, NULL, 0, &pub, &priv), CKR_OK);

	p11t_assert_rv (f->C_GetInfo (NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetSlotList (CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetSlotInfo (MOCK_P11_SLOT, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetTokenInfo (MOCK_P11_SLOT, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetMechanismList (MOCK_P11_SLOT, NULL, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetMechanismInfo (MOCK_P11_SLOT, CKM_RSA_PKCS, NULL),
			CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, NULL),
			CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetSessionInfo (h, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_Login (h, CKU_CONTEXT_SPECIFIC, NULL, 0), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_CreateObject (h, NULL, 1, &pub), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetAttributeValue (h, pub, NULL, 1), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetObjectSize (h, pub, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_FindObjectsInit (h, NULL, 0), CKR_OK);
	p11t_assert_rv (f->C_FindObjects (h, NULL, 1, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_FindObjectsFinal (h), CKR_OK);
	p11t_assert_rv (f->C_SignInit (h, NULL, priv), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_SignInit (h, &m, priv), CKR_OK);
	p11t_assert_rv (f->C_Sign (h, data, 4, NULL, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GenerateRandom (h, NULL, 8), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_WaitForSlotEvent (CKF_DONT_BLOCK, NULL, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f3->C_LoginUser (h, CKU_USER, (CK_UTF8CHAR_PTR) "x", 1, NULL, 5),
			CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f->C_GetFunctionList (NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f3->C_GetInterfaceList (NULL, NULL), CKR_ARGUMENTS_BAD);
	p11t_assert_rv (f3->C_GetInterface (NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
	/* Still alive and well. */
	p11t_assert_rv (f->C_Logout (h), CKR_OK);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("shim-bad");
	TCase *tc = tcase_create ("bad");
	tcase_add_checked_fixture (tc, fx_setup, fx_teardown);
	tcase_add_loop_test (tc, test_bad_backend, 0, 6);
	tcase_add_test (tc, test_backend_from_config);
	tcase_add_loop_test (tc, test_config_errors, 0, 6);
	tcase_add_test (tc, test_config_file_missing);
	tcase_add_test (tc, test_null_arguments);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shim with no token library: nothing names one and none of SafeNet's
 * usual paths exists.  The module initialises all the same, as a reader
 * module does with no reader, and has no slots: C_GetInfo names
 * hkpost-p11, every slot is unknown and every session handle invalid,
 * a slot event never comes, and stderr says once which paths were tried.
 * A library that the settings or the environment name and that cannot be
 * loaded still fails C_Initialize, naming the path.
 */
#include "config.h"
#include "shim-fixture.h"
#include "settings/core.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Whether a SafeNet library sits at one of the default paths: then the
 * shim loads it, and a module without a library cannot be seen here. */
static const char *
safenet_installed (void)
{
	for (int i = 0; hkp11_default_backends[i]; i++) {
		if (access (hkp11_default_backends[i], F_OK) == 0)
			return hkp11_default_backends[i];
	}
	return NULL;
}

static void
nobackend_setup (void)
{
	fx_setup ();
	unsetenv ("HKPOST_P11_BACKEND");
}

/* Occurrences of needle in text. */
static int
count (const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
		n++;
	return n;
}

/* First in the suite: with CK_FORK=no the process, and what it was told,
 * is shared with the tests after it. */
START_TEST (test_said_once)
{
	fx_stderr_begin ();
	CK_RV first = fx.shim.f->C_Initialize (NULL);
	CK_RV fin = fx.shim.f->C_Finalize (NULL);
	CK_RV second = fx.shim.f->C_Initialize (NULL);
	char *err = fx_stderr_end ();
	p11t_assert_rv (first, CKR_OK);
	p11t_assert_rv (fin, CKR_OK);
	p11t_assert_rv (second, CKR_OK);
	ck_assert_msg (count (err, "no token library found (tried ") == 1,
		       "expected the paths tried once on stderr, got: %s", err);
	for (int i = 0; hkp11_default_backends[i]; i++)
		ck_assert_msg (strstr (err, hkp11_default_backends[i]) != NULL,
			       "'%s' missing from: %s", hkp11_default_backends[i], err);
	ck_assert_int_eq (fx_count_lines (err), 1);
	free (err);
}
END_TEST

START_TEST (test_no_slots)
{
	CK_FUNCTION_LIST_PTR f = fx.shim.f;
	CK_SLOT_ID slots[4] = { 99, 99, 99, 99 };
	CK_ULONG n = 4;
	CK_INFO info;

	fx_init ();
	p11t_assert_rv (f->C_GetInfo (&info), CKR_OK);
	ck_assert_msg (memcmp (info.libraryDescription, "hkpost-p11", 10) == 0,
		       "C_GetInfo does not name hkpost-p11: %.32s", info.libraryDescription);
	ck_assert_uint_eq (info.libraryVersion.major, HKP11_VERSION_MAJOR);
	ck_assert_uint_eq (info.libraryVersion.minor, HKP11_VERSION_MINOR);
	p11t_assert_rv (f->C_GetInfo (NULL), CKR_ARGUMENTS_BAD);

	p11t_assert_rv (f->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	n = 4;
	p11t_assert_rv (f->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
	ck_assert_uint_eq (slots[0], 99);
	p11t_assert_rv (f->C_GetSlotList (CK_TRUE, NULL, NULL), CKR_ARGUMENTS_BAD);
}
END_TEST

START_TEST (test_unknown_slot_and_session)
{
	CK_FUNCTION_LIST_PTR f = fx.shim.f;
	CK_FUNCTION_LIST_3_0_PTR f3 = fx.shim.f3;
	CK_SLOT_INFO slot_info;
	CK_TOKEN_INFO token_info;
	CK_MECHANISM_INFO mech_info;
	CK_MECHANISM_TYPE mechs[8];
	CK_ULONG n = 8;
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	CK_SESSION_INFO session_info;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE data[4] = { 1, 2, 3, 4 };
	CK_ULONG found = 0;

	fx_init ();
	for (CK_SLOT_ID slot = 0; slot < 3; slot++) {
		p11t_assert_rv (f->C_GetSlotInfo (slot, &slot_info), CKR_SLOT_ID_INVALID);
		p11t_assert_rv (f->C_GetTokenInfo (slot, &token_info), CKR_SLOT_ID_INVALID);
		p11t_assert_rv (f->C_GetMechanismList (slot, mechs, &n), CKR_SLOT_ID_INVALID);
		p11t_assert_rv (f->C_GetMechanismInfo (slot, CKM_RSA_PKCS, &mech_info),
				CKR_SLOT_ID_INVALID);
		p11t_assert_rv (f->C_OpenSession (slot, CKF_SERIAL_SESSION, NULL, NULL, &h),
				CKR_SLOT_ID_INVALID);
		p11t_assert_rv (f->C_CloseAllSessions (slot), CKR_SLOT_ID_INVALID);
		p11t_assert_rv (f->C_InitToken (slot, (CK_UTF8CHAR_PTR) "12345678", 8,
						(CK_UTF8CHAR_PTR) "eToken"),
				CKR_SLOT_ID_INVALID);
	}
	ck_assert_uint_eq (h, CK_INVALID_HANDLE);

	for (CK_SESSION_HANDLE s = 0; s < 3; s++) {
		p11t_assert_rv (f->C_GetSessionInfo (s, &session_info), CKR_SESSION_HANDLE_INVALID);
		p11t_assert_rv (f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR) "12345678", 8),
				CKR_SESSION_HANDLE_INVALID);
		p11t_assert_rv (f->C_FindObjectsInit (s, NULL, 0), CKR_SESSION_HANDLE_INVALID);
		p11t_assert_rv (f->C_FindObjects (s, &h, 1, &found), CKR_SESSION_HANDLE_INVALID);
		p11t_assert_rv (f->C_SignInit (s, &m, 1), CKR_SESSION_HANDLE_INVALID);
		p11t_assert_rv (f->C_GenerateRandom (s, data, sizeof data),
				CKR_SESSION_HANDLE_INVALID);
		p11t_assert_rv (f->C_CloseSession (s), CKR_SESSION_HANDLE_INVALID);
		p11t_assert_rv (f3->C_LoginUser (s, CKU_USER, (CK_UTF8CHAR_PTR) "12345678", 8,
						 (CK_UTF8CHAR_PTR) "u", 1),
				CKR_SESSION_HANDLE_INVALID);
		p11t_assert_rv (f3->C_SessionCancel (s, 0), CKR_SESSION_HANDLE_INVALID);
	}
}
END_TEST

START_TEST (test_no_slot_event)
{
	CK_SLOT_ID slot = 99;
	fx_init ();
	p11t_assert_rv (fx.shim.f->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
	/* No slot will ever appear: a blocking wait is refused, not endless. */
	p11t_assert_rv (fx.shim.f->C_WaitForSlotEvent (0, &slot, NULL), CKR_FUNCTION_NOT_SUPPORTED);
	ck_assert_uint_eq (slot, 99);
	p11t_assert_rv (fx.shim.f->C_WaitForSlotEvent (CKF_DONT_BLOCK, NULL, NULL),
			CKR_ARGUMENTS_BAD);
}
END_TEST

/* C_Finalize, then the same again; a child after fork starts afresh. */
START_TEST (test_finalize_and_fork)
{
	CK_ULONG n = 1;
	fx_init ();
	p11t_assert_rv (fx.shim.f->C_Initialize (NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);

	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		CK_ULONG k = 1;
		int bad = fx.shim.f->C_GetSlotList (CK_FALSE, NULL, &k) !=
				  CKR_CRYPTOKI_NOT_INITIALIZED ||
			  fx.shim.f->C_Initialize (NULL) != CKR_OK ||
			  fx.shim.f->C_GetSlotList (CK_FALSE, NULL, &k) != CKR_OK || k != 0 ||
			  fx.shim.f->C_Finalize (NULL) != CKR_OK;
		_exit (bad);
	}
	int status = 0;
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
		       "the child could not initialise the module afresh (status %d)", status);

	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	p11t_assert_rv (fx.shim.f->C_GetSlotList (CK_FALSE, NULL, &n),
			CKR_CRYPTOKI_NOT_INITIALIZED);
	fx_init ();
	p11t_assert_rv (fx.shim.f->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_eq (n, 0);
}
END_TEST

/* With a library found later, the same process uses it. */
START_TEST (test_backend_after_none)
{
	CK_ULONG n = 0;
	fx_init ();
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	setenv ("HKPOST_P11_BACKEND", p11t_mock_path (), 1);
	fx_init ();
	p11t_assert_rv (fx.shim.f->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_gt (n, 0);
}
END_TEST

/* A library named and missing: a typo the user must hear about. */
START_TEST (test_named_backend_missing)
{
	char path[4200], extra[4300];
	snprintf (path, sizeof path, "%s/typo/libeTPkcs11.so", fx.dir);
	if (_i == 0) {
		setenv ("HKPOST_P11_BACKEND", path, 1);
	} else {
		snprintf (extra, sizeof extra, "backend: %s\n", path);
		fx_conf (extra);
	}
	fx_stderr_begin ();
	CK_RV rv = fx.shim.f->C_Initialize (NULL);
	char *err = fx_stderr_end ();
	p11t_assert_rv (rv, CKR_GENERAL_ERROR);
	ck_assert_msg (strstr (err, "cannot load backend") != NULL && strstr (err, path) != NULL,
		       "no error naming %s: %s", path, err);
	ck_assert_msg (strstr (err, _i == 0 ? "HKPOST_P11_BACKEND" : fx.conf) != NULL,
		       "the error does not say who named the path: %s", err);
	free (err);
}
END_TEST

/* A bad configuration file still stops C_Initialize: file, line and key. */
START_TEST (test_bad_config_still_fails)
{
	fx_conf ("lockout-warn: many\n");
	fx_stderr_begin ();
	CK_RV rv = fx.shim.f->C_Initialize (NULL);
	char *err = fx_stderr_end ();
	p11t_assert_rv (rv, CKR_GENERAL_ERROR);
	ck_assert_msg (strstr (err, fx.conf) != NULL && strstr (err, "line 7") != NULL &&
			       strstr (err, "lockout-warn") != NULL,
		       "no file, line and key in: %s", err);
	free (err);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("shim-nobackend");
	TCase *tc = tcase_create ("nobackend");
	tcase_add_checked_fixture (tc, nobackend_setup, fx_teardown);
	tcase_add_test (tc, test_said_once);
	tcase_add_test (tc, test_no_slots);
	tcase_add_test (tc, test_unknown_slot_and_session);
	tcase_add_test (tc, test_no_slot_event);
	tcase_add_test (tc, test_finalize_and_fork);
	tcase_add_test (tc, test_backend_after_none);
	tcase_add_loop_test (tc, test_named_backend_missing, 0, 2);
	tcase_add_test (tc, test_bad_config_still_fails);
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	const char *safenet = safenet_installed ();
	if (safenet != NULL) {
		/* Not a missing tool: this machine cannot be without a library. */
		printf ("SKIP: SafeNet's library is installed (%s): the shim loads it\n", safenet);
		return 77;
	}
	return p11t_run_suite (suite ());
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sessions, login and logout, and PIN changes: the session states of
 * PKCS#11 section 5.6 and the rules between R/O, R/W, user and SO.
 */
#include "config.h"
#include "conformance.h"

#include <string.h>

#define PIN(p) (CK_UTF8CHAR_PTR) (p), strlen (p)

static CK_STATE
session_state (CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO si;
	memset (&si, 0, sizeof si);
	CALL (CKR_OK, C_GetSessionInfo, s, &si);
	OUT ("state=%lu flags=0x%lx error=%lu", (unsigned long)si.state, (unsigned long)si.flags,
	     (unsigned long)si.ulDeviceError);
	ck_assert (si.slotID == conf_slot);
	return si.state;
}

static CK_FLAGS
token_flags (void)
{
	CK_TOKEN_INFO ti;
	CALL (CKR_OK, C_GetTokenInfo, conf_slot, &ti);
	OUT ("token flags=0x%lx sessions=%lu rw=%lu", (unsigned long)ti.flags,
	     (unsigned long)ti.ulSessionCount, (unsigned long)ti.ulRwSessionCount);
	return ti.flags;
}

CONF_TEST (test_session_open_close)
{
	CK_SESSION_HANDLE ro, rw, third, s;
	CK_SESSION_INFO si;

	/* Parallel sessions are gone since 2.x: the flag is mandatory. */
	CALL (CKR_SESSION_PARALLEL_NOT_SUPPORTED, C_OpenSession, conf_slot, 0, NULL, NULL, &s);
	CALL (CKR_SESSION_PARALLEL_NOT_SUPPORTED, C_OpenSession, conf_slot, CKF_RW_SESSION, NULL,
	      NULL, &s);

	ro = conf_session (false, false);
	ck_assert_uint_eq (session_state (ro), CKS_RO_PUBLIC_SESSION);
	rw = conf_session (true, false);
	ck_assert_uint_eq (session_state (rw), CKS_RW_PUBLIC_SESSION);
	ck_assert_uint_ne (ro, rw);
	token_flags ();

	CALL (CKR_OK, C_CloseSession, ro);
	CALL (CKR_SESSION_HANDLE_INVALID, C_CloseSession, ro);
	CALL (CKR_SESSION_HANDLE_INVALID, C_GetSessionInfo, ro, &si);
	token_flags ();

	third = conf_session (false, false);
	CALL (CKR_OK, C_CloseAllSessions, conf_slot);
	CALL (CKR_SESSION_HANDLE_INVALID, C_GetSessionInfo, rw, &si);
	CALL (CKR_SESSION_HANDLE_INVALID, C_GetSessionInfo, third, &si);
	CALL (CKR_OK, C_CloseAllSessions, conf_slot);
	token_flags ();

	CALL (CKR_SLOT_ID_INVALID, C_OpenSession, CONF_BAD_SLOT, CKF_SERIAL_SESSION, NULL, NULL,
	      &s);
	CALL (CKR_SLOT_ID_INVALID, C_CloseAllSessions, CONF_BAD_SLOT);
	CALL (CKR_SESSION_HANDLE_INVALID, C_CloseSession, CONF_BAD_HANDLE);
	CALL (CKR_ARGUMENTS_BAD, C_OpenSession, conf_slot, CKF_SERIAL_SESSION, NULL, NULL, NULL);
	s = conf_session (false, false);
	CALL (CKR_ARGUMENTS_BAD, C_GetSessionInfo, s, NULL);
}

CONF_TEST (test_session_ro_rules)
{
	CK_SESSION_HANDLE ro, rw, s;
	CK_OBJECT_CLASS klass = CKO_DATA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE token_obj[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_LABEL, "ro", 2 },
	};
	CK_ATTRIBUTE session_obj[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_TOKEN, &no, sizeof no },
		{ CKA_PRIVATE, &no, sizeof no },
		{ CKA_LABEL, "ro", 2 },
	};
	CK_OBJECT_HANDLE h;

	ro = conf_session (false, false);
	/* No SO login while a R/O session is open, no token objects in one. */
	CALL (CKR_SESSION_READ_ONLY_EXISTS, C_Login, ro, CKU_SO, PIN (CONF_SO_PIN));
	CALL (CKR_SESSION_READ_ONLY, C_CreateObject, ro, token_obj, N_ELEMENTS (token_obj), &h);
	CALL (CKR_OK, C_CreateObject, ro, session_obj, N_ELEMENTS (session_obj), &h);
	OUT ("object=%lu", (unsigned long)h);
	CALL (CKR_OK, C_CloseSession, ro);

	/* With the SO logged in, no R/O session can open. */
	rw = conf_session (true, false);
	CALL (CKR_OK, C_Login, rw, CKU_SO, PIN (CONF_SO_PIN));
	ck_assert_uint_eq (session_state (rw), CKS_RW_SO_FUNCTIONS);
	CALL (CKR_SESSION_READ_WRITE_SO_EXISTS, C_OpenSession, conf_slot, CKF_SERIAL_SESSION, NULL,
	      NULL, &s);
	s = conf_session (true, false);
	ck_assert_uint_eq (session_state (s), CKS_RW_SO_FUNCTIONS);
	CALL (CKR_OK, C_Logout, rw);
	ck_assert_uint_eq (session_state (s), CKS_RW_PUBLIC_SESSION);

	/* A user login covers every session of the application. */
	ro = conf_session (false, false);
	CALL (CKR_OK, C_Login, ro, CKU_USER, PIN (CONF_USER_PIN));
	ck_assert_uint_eq (session_state (ro), CKS_RO_USER_FUNCTIONS);
	ck_assert_uint_eq (session_state (rw), CKS_RW_USER_FUNCTIONS);
	CALL (CKR_OK, C_CloseSession, ro);
	ck_assert_uint_eq (session_state (rw), CKS_RW_USER_FUNCTIONS);
	/* Closing the last session logs the user out. */
	CALL (CKR_OK, C_CloseAllSessions, conf_slot);
	rw = conf_session (true, false);
	ck_assert_uint_eq (session_state (rw), CKS_RW_PUBLIC_SESSION);
}

CONF_TEST (test_login_user)
{
	CK_SESSION_HANDLE s = conf_session (true, false);
	CK_FLAGS flags;

	/* SoftHSM sets CKF_USER_PIN_COUNT_LOW after a wrong PIN; recorded. */
	CALL (CKR_PIN_INCORRECT, C_Login, s, CKU_USER, PIN ("wrong-user-pin"));
	token_flags ();
	ck_assert_uint_eq (session_state (s), CKS_RW_PUBLIC_SESSION);
	CALL (CKR_PIN_INCORRECT, C_Login, s, CKU_USER, PIN (""));
	token_flags ();

	CALL (CKR_OK, C_Login, s, CKU_USER, PIN (CONF_USER_PIN));
	ck_assert_uint_eq (session_state (s), CKS_RW_USER_FUNCTIONS);
	flags = token_flags ();
	ck_assert (!(flags & CKF_USER_PIN_LOCKED));
	CALL (CKR_USER_ALREADY_LOGGED_IN, C_Login, s, CKU_USER, PIN (CONF_USER_PIN));
	CALL (CKR_USER_ANOTHER_ALREADY_LOGGED_IN, C_Login, s, CKU_SO, PIN (CONF_SO_PIN));

	CALL (CKR_OK, C_Logout, s);
	ck_assert_uint_eq (session_state (s), CKS_RW_PUBLIC_SESSION);
	/* The spec says CKR_USER_NOT_LOGGED_IN; SoftHSM answers CKR_OK. */
	CALL (CKR_OK, C_Logout, s);

	CALL (CKR_USER_TYPE_INVALID, C_Login, s, (CK_USER_TYPE)42, PIN (CONF_USER_PIN));
	CALL (CKR_OPERATION_NOT_INITIALIZED, C_Login, s, CKU_CONTEXT_SPECIFIC, PIN (CONF_USER_PIN));
	CALL (CKR_ARGUMENTS_BAD, C_Login, s, CKU_USER, NULL, 6);
	CALL (CKR_SESSION_HANDLE_INVALID, C_Login, CONF_BAD_HANDLE, CKU_USER, PIN (CONF_USER_PIN));
	CALL (CKR_SESSION_HANDLE_INVALID, C_Logout, CONF_BAD_HANDLE);
}

CONF_TEST (test_login_so)
{
	CK_SESSION_HANDLE s = conf_session (true, false), other;

	CALL (CKR_PIN_INCORRECT, C_Login, s, CKU_SO, PIN ("wrong-so-pin"));
	token_flags ();
	CALL (CKR_OK, C_Login, s, CKU_SO, PIN (CONF_SO_PIN));
	ck_assert_uint_eq (session_state (s), CKS_RW_SO_FUNCTIONS);
	token_flags ();
	CALL (CKR_USER_ALREADY_LOGGED_IN, C_Login, s, CKU_SO, PIN (CONF_SO_PIN));
	CALL (CKR_USER_ANOTHER_ALREADY_LOGGED_IN, C_Login, s, CKU_USER, PIN (CONF_USER_PIN));
	other = conf_session (true, false);
	ck_assert_uint_eq (session_state (other), CKS_RW_SO_FUNCTIONS);

	/* The SO sets a new user PIN; only the SO may. */
	CALL (CKR_OK, C_InitPIN, s, PIN ("user-pin-reset"));
	CALL (CKR_OK, C_Logout, other);
	CALL (CKR_USER_NOT_LOGGED_IN, C_InitPIN, s, PIN ("user-pin-again"));
	CALL (CKR_PIN_INCORRECT, C_Login, s, CKU_USER, PIN (CONF_USER_PIN));
	CALL (CKR_OK, C_Login, s, CKU_USER, PIN ("user-pin-reset"));
	CALL (CKR_USER_NOT_LOGGED_IN, C_InitPIN, s, PIN ("user-pin-again"));
}

CONF_TEST (test_set_pin)
{
	CK_SESSION_HANDLE s = conf_session (true, true), ro;

	CALL (CKR_PIN_INCORRECT, C_SetPIN, s, PIN ("not-the-pin"), PIN ("user-pin-new"));
	CALL (CKR_PIN_LEN_RANGE, C_SetPIN, s, PIN (CONF_USER_PIN), PIN ("123"));
	CALL (CKR_OK, C_SetPIN, s, PIN (CONF_USER_PIN), PIN ("user-pin-new"));
	token_flags ();
	CALL (CKR_OK, C_Logout, s);
	CALL (CKR_PIN_INCORRECT, C_Login, s, CKU_USER, PIN (CONF_USER_PIN));
	CALL (CKR_OK, C_Login, s, CKU_USER, PIN ("user-pin-new"));

	/* A R/O session cannot change a PIN. */
	ro = conf_session (false, false);
	CALL (CKR_SESSION_READ_ONLY, C_SetPIN, ro, PIN ("user-pin-new"), PIN ("user-pin-ro"));
	CALL (CKR_OK, C_CloseSession, ro);
	CALL (CKR_OK, C_Logout, s);

	/* Not logged in, C_SetPIN changes the user PIN. */
	CALL (CKR_OK, C_SetPIN, s, PIN ("user-pin-new"), PIN ("user-pin-public"));
	CALL (CKR_OK, C_Login, s, CKU_USER, PIN ("user-pin-public"));
	CALL (CKR_OK, C_Logout, s);

	/* Logged in as SO, it changes the SO PIN. */
	CALL (CKR_OK, C_Login, s, CKU_SO, PIN (CONF_SO_PIN));
	CALL (CKR_OK, C_SetPIN, s, PIN (CONF_SO_PIN), PIN ("so-pin-new"));
	CALL (CKR_OK, C_Logout, s);
	CALL (CKR_PIN_INCORRECT, C_Login, s, CKU_SO, PIN (CONF_SO_PIN));
	CALL (CKR_OK, C_Login, s, CKU_SO, PIN ("so-pin-new"));
	CALL (CKR_OK, C_Logout, s);

	CALL (CKR_ARGUMENTS_BAD, C_SetPIN, s, NULL, 4, PIN ("user-pin-null"));
	CALL (CKR_ARGUMENTS_BAD, C_SetPIN, s, PIN ("user-pin-public"), NULL, 4);
	CALL (CKR_SESSION_HANDLE_INVALID, C_SetPIN, CONF_BAD_HANDLE, PIN ("user-pin-public"),
	      PIN ("user-pin-x"));
}

TCase *
conf_tcase_sessions (void)
{
	TCase *tc = conf_tcase_new ("sessions");
	tcase_add_test (tc, test_session_open_close);
	tcase_add_test (tc, test_session_ro_rules);
	tcase_add_test (tc, test_login_user);
	tcase_add_test (tc, test_login_so);
	tcase_add_test (tc, test_set_pin);
	return tc;
}

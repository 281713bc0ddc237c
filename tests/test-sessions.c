/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session registry (module/core/sessions.h) over the mock backend, in
 * a stack of its own with no layer above it: sessions and their slots,
 * logins per slot, sessions the token closed, C_CloseAllSessions, a
 * session it never saw, C_Finalize and fork leaving nothing behind, and
 * threads opening and closing at once (most telling under TSan).
 */
#include "config.h"
#include "core/sessions.h"
#include "core/stack.h"
#include "mock-p11.h"
#include "p11-test.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define USER_PIN "12345678"
#define SO_PIN "87654321"

static void *mock;
static CK_FUNCTION_LIST_3_0 *backend;
static mock_p11_fail_fn fail_with;
static CK_FUNCTION_LIST_3_0 dispatch;
static hkp11_layer *active[4];
static size_t n_active;

static void
setup (void)
{
	CK_INTERFACE *iface = NULL;
	mock = dlopen (p11t_mock_path (), RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg (mock != NULL, "%s", dlerror ());
	CK_C_GetInterface get = (CK_C_GetInterface)dlsym (mock, "C_GetInterface");
	fail_with = (mock_p11_fail_fn)dlsym (mock, "mock_p11_fail");
	ck_assert (get != NULL && fail_with != NULL);
	p11t_assert_rv (get (NULL, NULL, &iface, 0), CKR_OK);
	backend = iface->pFunctionList;
	p11t_assert_rv (backend->C_Initialize (NULL), CKR_OK);

	/* No layer: the registry alone, as the shim puts it under them. */
	hkp11_layer *none[] = { NULL };
	n_active = hkp11_stack_select (none, active, 4);
	ck_assert_uint_eq (n_active, 1);
	ck_assert_ptr_eq (active[0], &hkp11_sessions_layer);
	hkp11_stack_build (&dispatch, backend, active, n_active);
	p11t_assert_rv (hkp11_sessions_layer.start (), CKR_OK);
}

static void
teardown (void)
{
	hkp11_sessions_layer.stop ();
	fail_with ("C_CloseSession", CKR_OK);
	backend->C_Finalize (NULL);
	dlclose (mock);
}

static CK_SESSION_HANDLE
open_session (CK_FLAGS flags)
{
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
	p11t_assert_rv (
		dispatch.C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION | flags, NULL, NULL, &h),
		CKR_OK);
	return h;
}

static void
login (CK_SESSION_HANDLE h, CK_USER_TYPE user, const char *pin)
{
	p11t_assert_rv (dispatch.C_Login (h, user, (CK_UTF8CHAR_PTR)pin, strlen (pin)), CKR_OK);
}

START_TEST (test_sessions_and_logins)
{
	CK_SLOT_ID slot = 0;
	CK_FLAGS flags = 0;
	CK_SESSION_HANDLE a = open_session (0), b = open_session (CKF_RW_SESSION);

	ck_assert (hkp11_session_find (a, &slot, &flags));
	ck_assert_uint_eq (slot, MOCK_P11_SLOT);
	ck_assert_uint_eq (flags, CKF_SERIAL_SESSION);
	ck_assert (hkp11_session_find (b, &slot, &flags));
	ck_assert_uint_eq (flags, CKF_SERIAL_SESSION | CKF_RW_SESSION);
	ck_assert_uint_eq (hkp11_slot_sessions (MOCK_P11_SLOT), 2);
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_NONE);

	login (a, CKU_USER, USER_PIN);
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_USER);
	/* A context-specific login (re-authentication) changes nothing. */
	dispatch.C_Login (b, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)USER_PIN, 8);
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_USER);

	/* The token logs out with the slot's last session. */
	p11t_assert_rv (dispatch.C_CloseSession (a), CKR_OK);
	ck_assert (!hkp11_session_find (a, &slot, NULL));
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_USER);
	hkp11_login login_state;
	ck_assert (hkp11_login_any (&slot, &login_state));
	ck_assert_int_eq (login_state, HKP11_LOGIN_USER);
	p11t_assert_rv (dispatch.C_CloseSession (b), CKR_OK);
	ck_assert_uint_eq (hkp11_slot_sessions (MOCK_P11_SLOT), 0);
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_NONE);
	ck_assert (!hkp11_login_any (&slot, &login_state));
}
END_TEST

START_TEST (test_so_and_logout)
{
	CK_SLOT_ID slot;
	bool so = false;
	CK_SESSION_HANDLE h = open_session (CKF_RW_SESSION);

	login (h, CKU_SO, SO_PIN);
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_SO);
	ck_assert (hkp11_session_slot (backend, h, &slot, &so));
	ck_assert (so);
	ck_assert_int_eq (hkp11_login_user_type (HKP11_LOGIN_SO), CKU_SO);
	p11t_assert_rv (dispatch.C_Logout (h), CKR_OK);
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_NONE);
	ck_assert (hkp11_session_slot (backend, h, &slot, &so));
	ck_assert (!so);
	/* A failed login changes nothing. */
	ck_assert_int_ne (dispatch.C_Login (h, CKU_USER, (CK_UTF8CHAR_PTR) "wrong", 5), CKR_OK);
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_NONE);
}
END_TEST

/* A session the token closed (its card pulled out) goes with the answer
 * that says so; any other failure to close leaves it. */
START_TEST (test_closed_by_token)
{
	static const CK_RV gone[] = { CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED,
				      CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT };
	CK_SLOT_ID slot;
	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
		CK_SESSION_HANDLE h = open_session (0);
		login (h, CKU_USER, USER_PIN);
		ck_assert_int_eq (fail_with ("C_CloseSession", gone[i]), 0);
		p11t_assert_rv (dispatch.C_CloseSession (h), gone[i]);
		ck_assert_msg (!hkp11_session_find (h, &slot, NULL), "kept after %s",
			       p11t_rv_name (gone[i]));
		ck_assert_uint_eq (hkp11_slot_sessions (MOCK_P11_SLOT), 0);
		ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_NONE);
		fail_with ("C_CloseSession", CKR_OK);
		backend->C_CloseSession (h); /* the mock's own, still open */
	}
	CK_SESSION_HANDLE h = open_session (0);
	fail_with ("C_CloseSession", CKR_DEVICE_ERROR);
	p11t_assert_rv (dispatch.C_CloseSession (h), CKR_DEVICE_ERROR);
	ck_assert (hkp11_session_find (h, &slot, NULL));
	fail_with ("C_CloseSession", CKR_OK);
	p11t_assert_rv (dispatch.C_CloseSession (h), CKR_OK);
	ck_assert (!hkp11_session_find (h, &slot, NULL));
}
END_TEST

START_TEST (test_close_all)
{
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE a = open_session (0), b = open_session (0);
	login (a, CKU_USER, USER_PIN);
	p11t_assert_rv (dispatch.C_CloseAllSessions (MOCK_P11_SLOT), CKR_OK);
	ck_assert (!hkp11_session_find (a, &slot, NULL));
	ck_assert (!hkp11_session_find (b, &slot, NULL));
	ck_assert_uint_eq (hkp11_slot_sessions (MOCK_P11_SLOT), 0);
	ck_assert_int_eq (hkp11_slot_login (MOCK_P11_SLOT), HKP11_LOGIN_NONE);
}
END_TEST

/* A session opened past the registry is asked of the backend. */
START_TEST (test_unknown_session_asked)
{
	CK_SLOT_ID slot = 0;
	bool so = true;
	CK_SESSION_HANDLE h;
	p11t_assert_rv (backend->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &h),
			CKR_OK);
	ck_assert (!hkp11_session_find (h, &slot, NULL));
	ck_assert (hkp11_session_slot (backend, h, &slot, &so));
	ck_assert_uint_eq (slot, MOCK_P11_SLOT);
	ck_assert (!so);
	ck_assert (!hkp11_session_slot (backend, h + 1000, &slot, &so));
	backend->C_CloseSession (h);
}
END_TEST

/* C_Finalize leaves nothing; a forked child starts empty. */
START_TEST (test_finalize_and_fork)
{
	CK_SLOT_ID slot;
	hkp11_login state;
	CK_SESSION_HANDLE h = open_session (0);
	login (h, CKU_USER, USER_PIN);

	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		/* The child's C_Initialize starts the registry afresh. */
		hkp11_sessions_layer.start ();
		_exit (hkp11_session_find (h, &slot, NULL) || hkp11_login_any (&slot, &state) ||
				       hkp11_slot_sessions (MOCK_P11_SLOT) != 0
			       ? 1
			       : 0);
	}
	int status;
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
		       "the child inherited the parent's sessions");
	ck_assert (hkp11_session_find (h, &slot, NULL));

	hkp11_sessions_layer.stop ();
	ck_assert (!hkp11_session_find (h, &slot, NULL));
	ck_assert (!hkp11_login_any (&slot, &state));
	ck_assert_uint_eq (hkp11_slot_sessions (MOCK_P11_SLOT), 0);
	p11t_assert_rv (hkp11_sessions_layer.start (), CKR_OK);
	backend->C_CloseSession (h);
}
END_TEST

#define THREADS 4
#define ROUNDS 2000

static void *
open_and_close (void *unused)
{
	for (int i = 0; i < ROUNDS; i++) {
		CK_SESSION_HANDLE h;
		CK_SLOT_ID slot = 0;
		if (dispatch.C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &h) !=
		    CKR_OK)
			return "C_OpenSession failed";
		if (!hkp11_session_find (h, &slot, NULL) || slot != MOCK_P11_SLOT)
			return "an open session was not found";
		if (dispatch.C_CloseSession (h) != CKR_OK)
			return "C_CloseSession failed";
	}
	return NULL;
}

START_TEST (test_threads)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq (pthread_create (&t[i], NULL, open_and_close, NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		void *why;
		pthread_join (t[i], &why);
		ck_assert_msg (why == NULL, "%s", (const char *)why);
	}
	ck_assert_uint_eq (hkp11_slot_sessions (MOCK_P11_SLOT), 0);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("sessions");
	TCase *tc = tcase_create ("registry");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 120);
	tcase_add_test (tc, test_sessions_and_logins);
	tcase_add_test (tc, test_so_and_logout);
	tcase_add_test (tc, test_closed_by_token);
	tcase_add_test (tc, test_close_all);
	tcase_add_test (tc, test_unknown_session_asked);
	tcase_add_test (tc, test_finalize_and_fork);
	tcase_add_test (tc, test_threads);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)

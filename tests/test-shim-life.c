/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shim's life cycle over the mock, every layer off: C_Finalize releases
 * a thread blocked in C_WaitForSlotEvent, slot events and a token pulled
 * out mid-session come through, and fork works as p11-kit's does.  With
 * the audit log on, a login whose token was pulled out ends in the log
 * when the removal is seen, once.
 */
#include "config.h"
#include "shim-fixture.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
	CK_FLAGS flags;
	CK_SLOT_ID slot;
	CK_RV rv;
	int done;
	struct timespec end;
} waiter;

static double
seconds_since (const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) + (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
}

static void *
wait_thread (void *arg)
{
	waiter *w = arg;
	w->rv = fx.shim.f->C_WaitForSlotEvent (w->flags, &w->slot, NULL);
	clock_gettime (CLOCK_MONOTONIC, &w->end);
	__atomic_store_n (&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Starts a waiter and returns once the mock holds it blocked. */
static void
start_waiter (pthread_t *thread, waiter *w)
{
	memset (w, 0, sizeof *w);
	ck_assert_int_eq (pthread_create (thread, NULL, wait_thread, w), 0);
	for (int i = 0; i < 200; i++) {
		const mock_p11_call *c = fx.last_call ("C_WaitForSlotEvent");
		if (c != NULL && c->rv == (CK_RV)-1)
			break;
		usleep (10000);
	}
	const mock_p11_call *c = fx_last ("C_WaitForSlotEvent");
	ck_assert_msg (c->rv == (CK_RV)-1, "C_WaitForSlotEvent did not block");
	usleep (100000);
	ck_assert_int_eq (__atomic_load_n (&w->done, __ATOMIC_ACQUIRE), 0);
}

/* Waits up to a second for the waiter; returns how long it took. */
static double
join_waiter (pthread_t thread, waiter *w, const struct timespec *t0)
{
	for (int i = 0; i < 100 && !__atomic_load_n (&w->done, __ATOMIC_ACQUIRE); i++)
		usleep (10000);
	ck_assert_msg (__atomic_load_n (&w->done, __ATOMIC_ACQUIRE),
		       "waiter still blocked after 1 s");
	ck_assert_int_eq (pthread_join (thread, NULL), 0);
	return seconds_since (t0, &w->end);
}

/* Loop tests run twice: every layer off, then every layer at its default
 * (as NSS would meet the shim), with state and logs in the test's directory. */
static void
layers_for (int i)
{
	char state[4200];
	if (i == 0)
		return;
	FILE *f = fopen (fx.conf, "w");
	ck_assert_ptr_nonnull (f);
	fclose (f);
	snprintf (state, sizeof state, "%s/state", fx.dir);
	setenv ("XDG_STATE_HOME", state, 1);
}

START_TEST (test_finalize_releases_waiter)
{
	pthread_t thread;
	waiter w;
	struct timespec t0;

	layers_for (_i);
	fx_init ();
	start_waiter (&thread, &w);
	clock_gettime (CLOCK_MONOTONIC, &t0);
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	double took = join_waiter (thread, &w, &t0);
	ck_assert_msg (took < 1.0, "released after %.3f s", took);
	p11t_assert_rv (w.rv, CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_uint_eq (fx_last ("C_WaitForSlotEvent")->rv, w.rv);
	/* A waiter after C_Finalize is refused by the shim itself. */
	p11t_assert_rv (fx.shim.f->C_WaitForSlotEvent (0, &w.slot, NULL),
			CKR_CRYPTOKI_NOT_INITIALIZED);
	ck_assert_uint_eq (fx.call_count ("C_WaitForSlotEvent"), 1);
}
END_TEST

START_TEST (test_slot_events)
{
	pthread_t thread;
	waiter w;
	struct timespec t0;
	CK_SLOT_ID slot = 0;
	CK_SLOT_INFO info;
	CK_TOKEN_INFO token;

	fx_init ();
	p11t_assert_rv (fx.shim.f->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_NO_EVENT);
	start_waiter (&thread, &w);
	clock_gettime (CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq (fx.set_present (MOCK_P11_SLOT, 0), 0);
	join_waiter (thread, &w, &t0);
	p11t_assert_rv (w.rv, CKR_OK);
	ck_assert_uint_eq (w.slot, MOCK_P11_SLOT);

	p11t_assert_rv (fx.shim.f->C_GetSlotInfo (MOCK_P11_SLOT, &info), CKR_OK);
	ck_assert_uint_eq (info.flags & CKF_TOKEN_PRESENT, 0);
	p11t_assert_rv (fx.shim.f->C_GetTokenInfo (MOCK_P11_SLOT, &token), CKR_TOKEN_NOT_PRESENT);
	ck_assert_int_eq (fx.set_present (MOCK_P11_SLOT, 1), 0);
	p11t_assert_rv (fx.shim.f->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_OK);
	ck_assert_uint_eq (slot, MOCK_P11_SLOT);
	p11t_assert_rv (fx.shim.f->C_GetTokenInfo (MOCK_P11_SLOT, &token), CKR_OK);
}
END_TEST

/* MOCK_P11_REMOVE_AFTER: the token goes away in the middle of the work. */
START_TEST (test_token_removed_mid_session)
{
	CK_SESSION_INFO info;
	CK_TOKEN_INFO token;
	CK_SLOT_ID slot;
	CK_BYTE random[16];

	setenv ("MOCK_P11_REMOVE_AFTER", "4", 1);
	fx_init ();
	CK_SESSION_HANDLE h = fx_session (MOCK_P11_SLOT, true);          /* calls 1, 2 */
	p11t_assert_rv (fx.shim.f->C_GetSessionInfo (h, &info), CKR_OK); /* 3 */
	p11t_assert_rv (fx.shim.f->C_GenerateRandom (h, random, 16), CKR_OK);
	p11t_assert_rv (fx.shim.f->C_GenerateRandom (h, random, 16), CKR_DEVICE_REMOVED);
	p11t_assert_rv (fx.shim.f->C_GetSessionInfo (h, &info), CKR_DEVICE_REMOVED);
	p11t_assert_rv (fx.shim.f->C_GetTokenInfo (MOCK_P11_SLOT, &token), CKR_TOKEN_NOT_PRESENT);
	p11t_assert_rv (
		fx.shim.f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &h),
		CKR_TOKEN_NOT_PRESENT);
	p11t_assert_rv (fx.shim.f->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_OK);
	ck_assert_uint_eq (slot, MOCK_P11_SLOT);
}
END_TEST

static int
count_in (const char *path, const char *what)
{
	char line[4096];
	int n = 0;
	FILE *f = fopen (path, "r");
	ck_assert_msg (f != NULL, "%s", path);
	while (fgets (line, sizeof line, f) != NULL) {
		if (strstr (line, what) != NULL)
			n++;
	}
	fclose (f);
	return n;
}

/* A logged-in session, then its token pulled out. */
static CK_SESSION_HANDLE
login_then_pull (void)
{
	ck_assert_int_eq (fx.set_present (MOCK_P11_SLOT, 1), 0);
	CK_SESSION_HANDLE h = fx_session (MOCK_P11_SLOT, true);
	ck_assert_int_eq (fx.set_present (MOCK_P11_SLOT, 0), 0);
	return h;
}

/* The end of a login whose token was pulled out is recorded when the
 * removal is seen, by a slot call or a call on the session; once, not
 * again at the close of the dead session or at C_Finalize. */
START_TEST (test_removal_ends_login_in_audit)
{
	char conf[8192], log[4096 + 16];
	CK_SLOT_INFO info;
	CK_SLOT_ID slot;
	CK_BYTE random[16];
	CK_MECHANISM sign_mechanism = { CKM_SHA256_RSA_PKCS, NULL, 0 };

	snprintf (log, sizeof log, "%s/audit.log", fx.dir);
	snprintf (conf, sizeof conf, "audit: security\naudit-file: %s\n", log);
	fx_conf (conf);
	fx_init ();

	CK_SESSION_HANDLE h = login_then_pull ();
	p11t_assert_rv (fx.shim.f->C_GetSlotInfo (MOCK_P11_SLOT, &info), CKR_OK);
	ck_assert_int_eq (count_in (log, "event=login-ended"), 1);
	ck_assert_int_eq (count_in (log, "function=\"C_GetSlotInfo\" ends_login=CKU_USER "
					 "reasons=\"token-removed\" result=CKR_OK"),
			  1);
	fx.shim.f->C_CloseSession (h);
	ck_assert_int_eq (count_in (log, "ends_login"), 1);

	h = login_then_pull ();
	/* A call that only reads is not watched (it would cost every such
	 * call a layer); a signature is. */
	p11t_assert_rv (fx.shim.f->C_GenerateRandom (h, random, sizeof random), CKR_DEVICE_REMOVED);
	ck_assert_int_eq (count_in (log, "event=login-ended"), 1);
	p11t_assert_rv (fx.shim.f->C_SignInit (h, &sign_mechanism, 1), CKR_DEVICE_REMOVED);
	ck_assert_int_eq (count_in (log, "function=\"C_SignInit\" ends_login=CKU_USER "
					 "reasons=\"token-removed\" result=CKR_DEVICE_REMOVED"),
			  1);
	p11t_assert_rv (fx.shim.f->C_SignInit (h, &sign_mechanism, 1), CKR_DEVICE_REMOVED);
	fx.shim.f->C_CloseSession (h);
	ck_assert_int_eq (count_in (log, "ends_login"), 2);

	h = login_then_pull ();
	p11t_assert_rv (fx.shim.f->C_WaitForSlotEvent (CKF_DONT_BLOCK, &slot, NULL), CKR_OK);
	ck_assert_int_eq (count_in (log, "function=\"C_WaitForSlotEvent\" ends_login=CKU_USER"), 1);
	fx.shim.f->C_CloseSession (h);
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	ck_assert_int_eq (count_in (log, "ends_login"), 3);
	ck_assert_int_eq (count_in (log, "event=login-ended"), 3);
	ck_assert_int_eq (count_in (log, "12345678"), 0);
}
END_TEST

static CK_BYTE key_id[] = { 0x45, 0x43 };
static CK_BYTE to_sign[] = "signed in parent and children";

static CK_RV
sign_with_token_key (CK_SESSION_HANDLE h, CK_BYTE *sig, CK_ULONG *sig_len)
{
	CK_FUNCTION_LIST_PTR f = fx.shim.f;
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE find[] = { { CKA_CLASS, &klass, sizeof klass }, { CKA_ID, key_id, 2 } };
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_OBJECT_HANDLE key;
	CK_ULONG n = 0;
	CK_RV rv = f->C_FindObjectsInit (h, find, 2);
	if (rv == CKR_OK)
		rv = f->C_FindObjects (h, &key, 1, &n);
	f->C_FindObjectsFinal (h);
	if (rv == CKR_OK && n != 1)
		rv = CKR_OBJECT_HANDLE_INVALID;
	if (rv == CKR_OK)
		rv = f->C_SignInit (h, &m, key);
	if (rv == CKR_OK)
		rv = f->C_Sign (h, to_sign, sizeof to_sign, sig, sig_len);
	return rv;
}

/* In a forked child: a number saying which step failed, 0 when all went well. */
static int
child (CK_SESSION_HANDLE parent_session, const CK_BYTE *parent_sig)
{
	CK_FUNCTION_LIST_PTR f = fx.shim.f;
	CK_INFO info;
	CK_SESSION_INFO session_info;
	CK_BYTE sig[MOCK_P11_SIGNATURE_LEN];
	CK_ULONG sig_len = sizeof sig;

	alarm (10); /* a deadlock ends the child, and the parent sees a signal */
	if (f->C_GetInfo (&info) != CKR_CRYPTOKI_NOT_INITIALIZED)
		return 1;
	if (f->C_GetSessionInfo (parent_session, &session_info) != CKR_CRYPTOKI_NOT_INITIALIZED)
		return 2;
	if (f->C_Finalize (NULL) != CKR_CRYPTOKI_NOT_INITIALIZED)
		return 3;
	fx.reset_calls ();
	if (f->C_Initialize (NULL) != CKR_OK)
		return 4;
	const mock_p11_call *c = fx.last_call ("C_Initialize");
	if (c == NULL || c->pid != getpid () || c->rv != CKR_OK)
		return 5;
	/* The parent's C_Finalize never runs here. */
	if (fx.call_count ("C_Finalize") != 0)
		return 6;
	CK_SESSION_HANDLE h;
	if (f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &h) != CKR_OK)
		return 7;
	if (f->C_Login (h, CKU_USER, (CK_UTF8CHAR_PTR) "12345678", 8) != CKR_OK)
		return 8;
	if (sign_with_token_key (h, sig, &sig_len) != CKR_OK)
		return 9;
	if (sig_len != MOCK_P11_SIGNATURE_LEN || memcmp (sig, parent_sig, sig_len) != 0)
		return 10;
	if (f->C_Finalize (NULL) != CKR_OK)
		return 11;
	return 0;
}

START_TEST (test_fork)
{
	CK_FUNCTION_LIST_PTR f = fx.shim.f;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pub_tmpl[] = { { CKA_TOKEN, &yes, 1 }, { CKA_ID, key_id, 2 } };
	CK_ATTRIBUTE priv_tmpl[] = { { CKA_TOKEN, &yes, 1 }, { CKA_ID, key_id, 2 } };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[MOCK_P11_SIGNATURE_LEN], again[MOCK_P11_SIGNATURE_LEN];
	CK_ULONG sig_len = sizeof sig, again_len = sizeof again;
	CK_SESSION_INFO info;
	enum { CHILDREN = 8 };
	pid_t pids[CHILDREN];

	layers_for (_i);
	fx_init ();
	CK_SESSION_HANDLE h = fx_session (MOCK_P11_SLOT, true);
	p11t_assert_rv (f->C_GenerateKeyPair (h, &gen, pub_tmpl, 2, priv_tmpl, 2, &pub, &priv),
			CKR_OK);
	p11t_assert_rv (sign_with_token_key (h, sig, &sig_len), CKR_OK);

	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork ();
		ck_assert_int_ge (pids[i], 0);
		if (pids[i] == 0)
			_exit (child (h, sig));
	}
	for (int i = 0; i < CHILDREN; i++) {
		int status;
		ck_assert_int_eq (waitpid (pids[i], &status, 0), pids[i]);
		ck_assert_msg (WIFEXITED (status), "child %d died of signal %d", i,
			       WTERMSIG (status));
		ck_assert_msg (WEXITSTATUS (status) == 0, "child %d failed at step %d", i,
			       WEXITSTATUS (status));
	}

	/* The parent is unaffected: still logged in, same signature. */
	p11t_assert_rv (f->C_GetSessionInfo (h, &info), CKR_OK);
	ck_assert_uint_eq (info.state, CKS_RW_USER_FUNCTIONS);
	p11t_assert_rv (sign_with_token_key (h, again, &again_len), CKR_OK);
	ck_assert_mem_eq (again, sig, sig_len);
	ck_assert_uint_eq (fx.call_count ("C_Finalize"), 0);
	p11t_assert_rv (f->C_Finalize (NULL), CKR_OK);
	ck_assert_uint_eq (fx.call_count ("C_Finalize"), 1);
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("shim-life");
	TCase *tc = tcase_create ("life");
	tcase_add_checked_fixture (tc, fx_setup, fx_teardown);
	tcase_set_timeout (tc, 30);
	tcase_add_loop_test (tc, test_finalize_releases_waiter, 0, 2);
	tcase_add_test (tc, test_slot_events);
	tcase_add_test (tc, test_token_removed_mid_session);
	tcase_add_test (tc, test_removal_ends_login_in_audit);
	tcase_add_loop_test (tc, test_fork, 0, 2);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)

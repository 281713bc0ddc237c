/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fork(), every layer on (audit at the calls level, policy, lockout,
 * labels), over the mock backend.
 *
 * 100 children are forked after C_Initialize, each with an alarm as a
 * watchdog.  In each, every call answers CKR_CRYPTOKI_NOT_INITIALIZED (the
 * parent's session too) and C_Finalize does not reach the backend; then
 * C_Initialize, a login, a signature equal to the parent's and a friendly
 * label read work, and C_Finalize lets go.  The parent is unaffected: its
 * session is still logged in and signs alike.
 *
 * Then the same 100 forks while four threads of the parent hammer the shim
 * (wrong and good PINs, which write the lockout store, label reads, finds,
 * signatures, all audited): a fork lands while another thread is inside a
 * call, holding the audit log's, the labels layer's or the lockout store's
 * lock (the deadlock-after-fork class).  No child may hang.
 */
#include "config.h"
#include "stress.h"

#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILDREN 100

/* AddressSanitizer's allocator keeps locks of its own that a fork with
 * other threads running can leave held in the child, which then hangs in
 * malloc inside libasan (GCC 12): the fork under load runs in the plain,
 * valgrind and TSan builds only. */
#if defined(__SANITIZE_ADDRESS__)
#define FORK_UNDER_LOAD 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FORK_UNDER_LOAD 0
#endif
#endif
#ifndef FORK_UNDER_LOAD
#define FORK_UNDER_LOAD 1
#endif

static char *state_dir;
static CK_SESSION_HANDLE parent_session;
static CK_OBJECT_HANDLE key, cert;
static unsigned char parent_sig[MOCK_P11_SIGNATURE_LEN];

static CK_RV
sign (CK_FUNCTION_LIST_3_0_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k, unsigned char *sig)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_ULONG len = MOCK_P11_SIGNATURE_LEN;
	CK_RV rv = f->C_SignInit (s, &m, k);
	if (rv == CKR_OK)
		rv = f->C_Sign (s, (CK_BYTE_PTR) "fork", 4, sig, &len);
	return rv == CKR_OK && len != MOCK_P11_SIGNATURE_LEN ? CKR_GENERAL_ERROR : rv;
}

static bool
friendly (CK_FUNCTION_LIST_3_0_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	char label[256];
	CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof label };
	return f->C_GetAttributeValue (s, o, &a, 1) == CKR_OK &&
	       a.ulValueLen == sizeof STRESS_FRIENDLY_LABEL - 1 &&
	       memcmp (label, STRESS_FRIENDLY_LABEL, a.ulValueLen) == 0;
}

/* In a child: the number of the step that went wrong, 0 when none did. */
static int
child (void *arg)
{
	CK_FUNCTION_LIST_3_0_PTR f = fx.shim.f3;
	CK_INFO info;
	CK_SESSION_INFO session_info;
	CK_SESSION_HANDLE s;
	unsigned char sig[MOCK_P11_SIGNATURE_LEN];

	if (f->C_GetInfo (&info) != CKR_CRYPTOKI_NOT_INITIALIZED)
		return 1;
	if (f->C_GetSessionInfo (parent_session, &session_info) != CKR_CRYPTOKI_NOT_INITIALIZED)
		return 2;
	if (f->C_Login (parent_session, CKU_USER, (CK_UTF8CHAR_PTR)STRESS_PIN, 8) !=
	    CKR_CRYPTOKI_NOT_INITIALIZED)
		return 3;
	if (f->C_Finalize (NULL) != CKR_CRYPTOKI_NOT_INITIALIZED)
		return 4;
	if (f->C_Initialize (NULL) != CKR_OK)
		return 5;
	if (f->C_Initialize (NULL) != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return 6;
	if (f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) !=
	    CKR_OK)
		return 7;
	if (f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)STRESS_PIN, 8) != CKR_OK)
		return 8;
	/* The token outlives the processes: the parent's key is there. */
	if (sign (f, s, key, sig) != CKR_OK)
		return 9;
	if (memcmp (sig, parent_sig, sizeof sig) != 0)
		return 10;
	if (!friendly (f, s, cert) || !friendly (f, s, key))
		return 11;
	if (f->C_Finalize (NULL) != CKR_OK)
		return 12;
	return 0;
}

/* ---- the parent's busy threads ------------------------------------------ */

typedef struct {
	pthread_t thread;
	int id;
	unsigned long calls;
	char error[256];
} hammer;

static int stop;
static int in_call; /* threads of the parent inside a call right now */

static void *
hammer_away (void *arg)
{
	hammer *h = arg;
	CK_FUNCTION_LIST_3_0_PTR f = fx.shim.f3;
	CK_SESSION_HANDLE s;
	unsigned char sig[MOCK_P11_SIGNATURE_LEN];
	char pin[16];
	CK_RV rv;

	if (f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) !=
	    CKR_OK) {
		snprintf (h->error, sizeof h->error, "C_OpenSession failed");
		return NULL;
	}
	while (!__atomic_load_n (&stop, __ATOMIC_ACQUIRE)) {
		__atomic_add_fetch (&in_call, 1, __ATOMIC_SEQ_CST);
		switch (h->calls % 6) {
		case 0:
			/* A new wrong PIN each time: the store writes a record. */
			snprintf (pin, sizeof pin, "9%02d%05lu", h->id, h->calls % 100000);
			rv = f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)pin, 8);
			if (rv != CKR_PIN_INCORRECT && rv != CKR_USER_ALREADY_LOGGED_IN)
				snprintf (h->error, sizeof h->error, "wrong PIN: %s",
					  p11t_rv_name (rv));
			break;
		case 1:
			rv = f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)STRESS_PIN, 8);
			if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
				snprintf (h->error, sizeof h->error, "good PIN: %s",
					  p11t_rv_name (rv));
			break;
		case 2:
			rv = sign (f, s, key, sig);
			if (rv == CKR_OK && memcmp (sig, parent_sig, sizeof sig) != 0)
				snprintf (h->error, sizeof h->error, "another signature");
			else if (rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN &&
				 rv != CKR_KEY_HANDLE_INVALID)
				snprintf (h->error, sizeof h->error, "sign: %s", p11t_rv_name (rv));
			break;
		case 3:
			if (!friendly (f, s, cert))
				snprintf (h->error, sizeof h->error, "not the friendly label");
			break;
		case 4: {
			CK_TOKEN_INFO info;
			rv = f->C_GetTokenInfo (MOCK_P11_SLOT, &info);
			if (rv != CKR_OK)
				snprintf (h->error, sizeof h->error, "token info: %s",
					  p11t_rv_name (rv));
			break;
		}
		default:
			if (h->calls % 60 == 5) {
				rv = f->C_Logout (s);
				if (rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN)
					snprintf (h->error, sizeof h->error, "logout: %s",
						  p11t_rv_name (rv));
			}
			break;
		}
		__atomic_sub_fetch (&in_call, 1, __ATOMIC_SEQ_CST);
		h->calls++;
		if (h->error[0] != '\0')
			break;
	}
	f->C_CloseSession (s);
	return NULL;
}

/* ---- the tests ---------------------------------------------------------- */

static void
setup (void)
{
	fx_setup ();
	state_dir = stress_memory_dir ("fork");
	/* Room for the busy threads' wrong PINs before the guard. */
	stress_layers_on (fx.dir, state_dir, "lockout-attempts: 1000\nlockout-warn: 0\n");
	fx_init ();
	parent_session = fx_session (MOCK_P11_SLOT, true);
	p11t_assert_rv (stress_put_ecert (fx.shim.f3, parent_session, &key, &cert), CKR_OK);
	p11t_assert_rv (sign (fx.shim.f3, parent_session, key, parent_sig), CKR_OK);
	ck_assert (friendly (fx.shim.f3, parent_session, cert));
}

static void
teardown (void)
{
	fx_teardown ();
	p11t_rmtree (state_dir);
	free (state_dir);
}

/* Forks the children, all at once, and waits for every one. */
static void
fork_children (int *busy_at_fork)
{
	pid_t pids[CHILDREN];
	*busy_at_fork = 0;
	fflush (stdout);
	fflush (stderr);
	for (int i = 0; i < CHILDREN; i++) {
		*busy_at_fork += __atomic_load_n (&in_call, __ATOMIC_SEQ_CST) > 0;
		pids[i] = fork ();
		ck_assert_int_ge (pids[i], 0);
		if (pids[i] == 0) {
			alarm (20); /* a deadlock ends the child, and the parent sees a signal */
			_exit (child (NULL));
		}
		/* Let the busy threads move on between forks. */
		usleep (2000);
	}
	for (int i = 0; i < CHILDREN; i++) {
		int status;
		ck_assert_int_eq (waitpid (pids[i], &status, 0), pids[i]);
		ck_assert_msg (WIFEXITED (status), "child %d died of signal %d%s", i,
			       WTERMSIG (status),
			       WTERMSIG (status) == SIGALRM ? " (the watchdog: it hung)" : "");
		ck_assert_msg (WEXITSTATUS (status) == 0, "child %d failed at step %d", i,
			       WEXITSTATUS (status));
	}
}

static void
parent_unaffected (void)
{
	CK_SESSION_INFO info;
	unsigned char sig[MOCK_P11_SIGNATURE_LEN];
	char why[1024], log[PATH_MAX + 16];
	size_t records;

	p11t_assert_rv (fx.shim.f3->C_GetSessionInfo (parent_session, &info), CKR_OK);
	p11t_assert_rv (sign (fx.shim.f3, parent_session, key, sig), CKR_OK);
	ck_assert_mem_eq (sig, parent_sig, sizeof sig);
	ck_assert (friendly (fx.shim.f3, parent_session, cert));
	ck_assert_uint_eq (fx.call_count ("C_Finalize"), 0);
	p11t_assert_rv (fx.shim.f3->C_Finalize (NULL), CKR_OK);
	ck_assert_uint_eq (fx.call_count ("C_Finalize"), 1);
	/* Every process wrote its own chain into the one file. */
	snprintf (log, sizeof log, "%s/audit.log", fx.dir);
	ck_assert_msg (stress_audit_intact (log, &records, why, sizeof why), "audit log: %s", why);
}

START_TEST (test_children_after_initialize)
{
	int busy;
	fork_children (&busy);
	parent_unaffected ();
	printf ("fork: %d children forked after C_Initialize, all re-initialised and worked\n",
		CHILDREN);
}
END_TEST

START_TEST (test_children_while_threads_work)
{
	enum { HAMMERS = 4 };
	hammer h[HAMMERS];
	int busy;
	unsigned long calls = 0;

	memset (h, 0, sizeof h);
	for (int i = 0; i < HAMMERS; i++) {
		h[i].id = i;
		ck_assert_int_eq (pthread_create (&h[i].thread, NULL, hammer_away, &h[i]), 0);
	}
	usleep (20000);
	fork_children (&busy);
	__atomic_store_n (&stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < HAMMERS; i++) {
		pthread_join (h[i].thread, NULL);
		ck_assert_msg (h[i].error[0] == '\0', "busy thread %d: %s", i, h[i].error);
		calls += h[i].calls;
	}
	ck_assert_int_gt (busy, 0);
	/* A good login by the parent, and nothing is left counted. */
	fx.shim.f3->C_Logout (parent_session);
	p11t_assert_rv (
		fx.shim.f3->C_Login (parent_session, CKU_USER, (CK_UTF8CHAR_PTR)STRESS_PIN, 8),
		CKR_OK);
	ck_assert_uint_eq (stress_state_failures (state_dir), 0);
	parent_unaffected ();
	printf ("fork: %d children while %d threads made %lu calls; %d forks came while another "
		"thread was inside a call\n",
		CHILDREN, HAMMERS, calls, busy);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("fork");
	TCase *tc = tcase_create ("fork");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 300);
	tcase_add_test (tc, test_children_after_initialize);
	if (FORK_UNDER_LOAD)
		tcase_add_test (tc, test_children_while_threads_work);
	else
		printf ("fork: built with AddressSanitizer, no fork under load\n");
	suite_add_tcase (s, tc);

	return p11t_run_suite (s);
}

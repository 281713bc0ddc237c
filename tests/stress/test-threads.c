/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Threads through the shim, every layer on (audit at the calls level,
 * policy, lockout, labels with a token label):
 *
 *   - 16 threads x 10,000 mixed calls over SoftHSM and over the mock:
 *     logins and logouts, signatures, finds (by friendly label too), label
 *     reads and size queries, token and session info, digests, random.
 *     Every answer is checked: a label is the friendly one, a find finds the
 *     certificate, a signature is the reference one, a login or logout gets
 *     CKR_OK or the answer another thread's login explains.  At the end the
 *     lockout state counts nothing and the audit chain is whole.
 *   - C_Initialize from 8 threads at once, 200 times: exactly one gets
 *     CKR_OK, the others CKR_CRYPTOKI_ALREADY_INITIALIZED; two C_Finalize
 *     at once: one CKR_OK, one CKR_CRYPTOKI_NOT_INITIALIZED.
 *   - C_Finalize releases a thread blocked in C_WaitForSlotEvent within 1 s.
 *   - The application's mutex callbacks are never called after C_Finalize
 *     (SoftHSM once used them after it).
 *
 * HKP11_STRESS_SCALE scales the calls; HKP11_STRESS_THREADS=N the threads.
 * Run under --enable-tsan too (tests/ci-extra.sh): SoftHSM is not built
 * with TSan, so that run uses the mock only.
 */
#include "config.h"
#include "stress.h"
#include "fixtures.h"

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SOFTHSM_USER_PIN "Hk-User-2024!"
#define SOFTHSM_SO_PIN "Hk-So-Pin-0042"

typedef struct {
	CK_FUNCTION_LIST_3_0_PTR f;
	CK_SLOT_ID slot;
	const char *pin;
	CK_OBJECT_HANDLE cert, key;
	CK_MECHANISM_TYPE digest;
	unsigned char sig[512], hash[64];
	CK_ULONG sig_len, hash_len;
	CK_UTF8CHAR token_label[32];
	unsigned long calls; /* per thread */
	unsigned int sign_per_mille;
	const char *label; /* the certificate's label as the caller sees it */
	/* SoftHSM answers CKR_GENERAL_ERROR when another thread's logout
	 * races a search or use of a private object, shim or not
	 * (test_mixed_calls_softhsm_direct shows it without the shim). */
	bool racy_logout;
	CK_SESSION_HANDLE keeper; /* open throughout: SoftHSM keeps handles while one is */
} world;

typedef struct {
	const world *w;
	int id;
	pthread_t thread;
	unsigned long calls, signs, logins, logouts, finds, labels;
	char error[512];
} worker;

static uint64_t
next_random (uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#define FAIL_IF(cond, ...) \
	do { \
		if (cond) { \
			snprintf (me->error, sizeof me->error, __VA_ARGS__); \
			return false; \
		} \
	} while (0)

static bool
one_of (CK_RV rv, const CK_RV *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (rv == allowed[i])
			return true;
	}
	return false;
}

/* A signature, unless another thread's logout comes in between. */
static bool
do_sign (worker *me, CK_SESSION_HANDLE s)
{
	static const CK_RV logged_out[] = { CKR_USER_NOT_LOGGED_IN, CKR_KEY_HANDLE_INVALID,
					    CKR_OBJECT_HANDLE_INVALID, CKR_GENERAL_ERROR };
	const world *w = me->w;
	size_t n_allowed = w->racy_logout ? 4 : 3;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	unsigned char sig[512];
	CK_ULONG len = sizeof sig, n = 0;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE find[] = { { CKA_CLASS, &cls, sizeof cls },
				{ CKA_ID, (void *)stress_key_id, sizeof stress_key_id } };
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;

	/* SoftHSM numbers private objects afresh after a logout: the key is
	 * looked up each time (invisible while logged out). */
	CK_RV rv = w->f->C_FindObjectsInit (s, find, 2);
	if (rv == CKR_OK)
		rv = w->f->C_FindObjects (s, &key, 1, &n);
	CK_RV final = w->f->C_FindObjectsFinal (s);
	if (rv == CKR_GENERAL_ERROR && w->racy_logout)
		return true;
	FAIL_IF (rv != CKR_OK || final != CKR_OK, "finding the key: %s, %s", p11t_rv_name (rv),
		 p11t_rv_name (final));
	if (n == 0)
		return true;
	rv = w->f->C_SignInit (s, &m, key);
	if (rv != CKR_OK) {
		FAIL_IF (!one_of (rv, logged_out, n_allowed), "C_SignInit: %s", p11t_rv_name (rv));
		return true;
	}
	rv = w->f->C_Sign (s, (CK_BYTE_PTR) "e-Cert", 6, sig, &len);
	if (rv != CKR_OK) {
		FAIL_IF (!one_of (rv, logged_out, n_allowed), "C_Sign: %s", p11t_rv_name (rv));
		return true;
	}
	FAIL_IF (len != w->sig_len || memcmp (sig, w->sig, len) != 0,
		 "C_Sign: not the reference signature (%lu bytes)", (unsigned long)len);
	me->signs++;
	return true;
}

static bool
do_find (worker *me, CK_SESSION_HANDLE s, bool friendly)
{
	const world *w = me->w;
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof cls },
				{ CKA_LABEL, (void *)w->label, strlen (w->label) } };
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = 0;
	CK_RV rv = w->f->C_FindObjectsInit (s, tmpl, friendly ? 2 : 1);
	FAIL_IF (rv != CKR_OK, "C_FindObjectsInit: %s", p11t_rv_name (rv));
	rv = w->f->C_FindObjects (s, found, 4, &n);
	CK_RV final = w->f->C_FindObjectsFinal (s);
	FAIL_IF (rv != CKR_OK || final != CKR_OK, "C_FindObjects: %s, C_FindObjectsFinal: %s",
		 p11t_rv_name (rv), p11t_rv_name (final));
	FAIL_IF (n != 1 || found[0] != w->cert, "find%s: %lu objects, first 0x%lx",
		 friendly ? " by friendly label" : "", (unsigned long)n,
		 (unsigned long)(n ? found[0] : 0));
	me->finds++;
	return true;
}

static bool
do_label (worker *me, CK_SESSION_HANDLE s, bool size_only)
{
	const world *w = me->w;
	char label[256];
	CK_ATTRIBUTE a = { CKA_LABEL, size_only ? NULL : label, sizeof label };
	CK_RV rv = w->f->C_GetAttributeValue (s, w->cert, &a, 1);
	FAIL_IF (rv != CKR_OK, "C_GetAttributeValue (CKA_LABEL): %s", p11t_rv_name (rv));
	FAIL_IF (a.ulValueLen != strlen (w->label), "label length %lu",
		 (unsigned long)a.ulValueLen);
	FAIL_IF (!size_only && memcmp (label, w->label, a.ulValueLen) != 0, "label '%.*s'",
		 (int)a.ulValueLen, label);
	me->labels++;
	return true;
}

static bool
do_other (worker *me, CK_SESSION_HANDLE s, unsigned int which)
{
	const world *w = me->w;
	CK_RV rv;
	switch (which % 4) {
	case 0: {
		CK_TOKEN_INFO info;
		rv = w->f->C_GetTokenInfo (w->slot, &info);
		FAIL_IF (rv != CKR_OK, "C_GetTokenInfo: %s", p11t_rv_name (rv));
		FAIL_IF (memcmp (info.label, w->token_label, 32) != 0, "token label '%.32s'",
			 info.label);
		FAIL_IF (info.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED),
			 "token flags 0x%lx", (unsigned long)info.flags);
		break;
	}
	case 1: {
		CK_SESSION_INFO info;
		rv = w->f->C_GetSessionInfo (s, &info);
		FAIL_IF (rv != CKR_OK || info.slotID != w->slot, "C_GetSessionInfo: %s",
			 p11t_rv_name (rv));
		break;
	}
	case 2: {
		CK_MECHANISM m = { w->digest, NULL, 0 };
		unsigned char hash[64];
		CK_ULONG len = sizeof hash;
		rv = w->f->C_DigestInit (s, &m);
		if (rv == CKR_OK)
			rv = w->f->C_Digest (s, (CK_BYTE_PTR) "e-Cert", 6, hash, &len);
		FAIL_IF (rv != CKR_OK || len != w->hash_len || memcmp (hash, w->hash, len) != 0,
			 "digest: %s", p11t_rv_name (rv));
		break;
	}
	default: {
		unsigned char r[32];
		rv = w->f->C_GenerateRandom (s, r, sizeof r);
		FAIL_IF (rv != CKR_OK, "C_GenerateRandom: %s", p11t_rv_name (rv));
		break;
	}
	}
	return true;
}

static void *
work (void *arg)
{
	worker *me = arg;
	const world *w = me->w;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(me->id + 1);
	CK_SESSION_HANDLE s;
	CK_RV rv =
		w->f->C_OpenSession (w->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK) {
		snprintf (me->error, sizeof me->error, "C_OpenSession: %s", p11t_rv_name (rv));
		return NULL;
	}
	for (me->calls = 0; me->calls < w->calls; me->calls++) {
		unsigned int r = (unsigned int)(next_random (&seed) % 1000);
		bool ok;
		if (r < w->sign_per_mille) {
			ok = do_sign (me, s);
		} else if (r < 60) {
			rv = w->f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)w->pin, strlen (w->pin));
			ok = rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN;
			if (!ok)
				snprintf (me->error, sizeof me->error, "C_Login: %s",
					  p11t_rv_name (rv));
			me->logins++;
		} else if (r < 80) {
			rv = w->f->C_Logout (s);
			ok = rv == CKR_OK || rv == CKR_USER_NOT_LOGGED_IN;
			if (!ok)
				snprintf (me->error, sizeof me->error, "C_Logout: %s",
					  p11t_rv_name (rv));
			me->logouts++;
		} else if (r < 200) {
			ok = do_find (me, s, r < 120);
		} else if (r < 600) {
			ok = do_label (me, s, r < 300);
		} else {
			ok = do_other (me, s, r);
		}
		if (!ok)
			break;
	}
	w->f->C_CloseSession (s);
	return NULL;
}

static unsigned int
n_threads (void)
{
	const char *v = getenv ("HKP11_STRESS_THREADS");
	return v != NULL && atoi (v) > 0 ? (unsigned int)atoi (v) : 16;
}

/* Runs the threads; fails the test with the first thread's complaint. */
static void
run_workers (const world *w, const char *backend)
{
	unsigned int n = n_threads ();
	worker *workers = calloc (n, sizeof *workers);
	struct timespec t0, t1;
	unsigned long calls = 0, signs = 0, logins = 0, logouts = 0, finds = 0, labels = 0;

	ck_assert_ptr_nonnull (workers);
	clock_gettime (CLOCK_MONOTONIC, &t0);
	for (unsigned int i = 0; i < n; i++) {
		workers[i].w = w;
		workers[i].id = (int)i;
		ck_assert_int_eq (pthread_create (&workers[i].thread, NULL, work, &workers[i]), 0);
	}
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq (pthread_join (workers[i].thread, NULL), 0);
	clock_gettime (CLOCK_MONOTONIC, &t1);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_msg (workers[i].error[0] == '\0', "thread %u, call %lu: %s", i,
			       workers[i].calls, workers[i].error);
		calls += workers[i].calls;
		signs += workers[i].signs;
		logins += workers[i].logins;
		logouts += workers[i].logouts;
		finds += workers[i].finds;
		labels += workers[i].labels;
	}
	ck_assert_uint_eq (calls, n * w->calls);
	ck_assert_uint_gt (logins, 0);
	ck_assert_uint_gt (labels, 0);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf ("threads over %s: %u threads x %lu mixed calls in %.1f s: %lu signatures, %lu "
		"logins, %lu logouts, %lu finds, %lu label reads\n",
		backend, n, w->calls, secs, signs, logins, logouts, finds, labels);
	free (workers);
}

static void
check_aftermath (const char *dir, const char *state_dir)
{
	char why[1024], log[PATH_MAX + 16];
	size_t records;
	ck_assert_uint_eq (stress_state_failures (state_dir), 0);
	snprintf (log, sizeof log, "%s/audit.log", dir);
	ck_assert_msg (stress_audit_intact (log, &records, why, sizeof why), "audit log: %s", why);
	printf ("  audit log: %s\n", why);
}

/* The references a worker compares with, made before the threads start. */
static void
make_references (world *w)
{
	CK_SESSION_HANDLE s;
	CK_MECHANISM sign = { CKM_SHA256_RSA_PKCS, NULL, 0 }, digest = { w->digest, NULL, 0 };
	CK_TOKEN_INFO info;

	p11t_assert_rv (
		w->f->C_OpenSession (w->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		CKR_OK);
	p11t_assert_rv (w->f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)w->pin, strlen (w->pin)),
			CKR_OK);
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE find[] = { { CKA_CLASS, &cls, sizeof cls },
				{ CKA_ID, (void *)stress_key_id, sizeof stress_key_id } };
	CK_ULONG n = 0;
	p11t_assert_rv (w->f->C_FindObjectsInit (s, find, 2), CKR_OK);
	p11t_assert_rv (w->f->C_FindObjects (s, &w->key, 1, &n), CKR_OK);
	p11t_assert_rv (w->f->C_FindObjectsFinal (s), CKR_OK);
	ck_assert_uint_eq (n, 1);
	w->sig_len = sizeof w->sig;
	p11t_assert_rv (w->f->C_SignInit (s, &sign, w->key), CKR_OK);
	p11t_assert_rv (w->f->C_Sign (s, (CK_BYTE_PTR) "e-Cert", 6, w->sig, &w->sig_len), CKR_OK);
	w->hash_len = sizeof w->hash;
	p11t_assert_rv (w->f->C_DigestInit (s, &digest), CKR_OK);
	p11t_assert_rv (w->f->C_Digest (s, (CK_BYTE_PTR) "e-Cert", 6, w->hash, &w->hash_len),
			CKR_OK);
	p11t_assert_rv (w->f->C_Logout (s), CKR_OK);
	p11t_assert_rv (w->f->C_CloseSession (s), CKR_OK);

	/* The labels layer names the token after the e-Cert. */
	p11t_assert_rv (w->f->C_GetTokenInfo (w->slot, &info), CKR_OK);
	ck_assert_msg (strcmp (w->label, STRESS_FRIENDLY_LABEL) != 0 ||
			       memcmp (info.label, "CHAN TAI MAN e-Cert             ", 32) == 0,
		       "token label '%.32s'", info.label);
	memcpy (w->token_label, info.label, 32);
}

/* ---- over the mock ------------------------------------------------------ */

static char *state_dir;

static void
setup (void)
{
	fx_setup ();
	state_dir = stress_memory_dir ("threads");
	stress_layers_on (fx.dir, state_dir, NULL);
}

static void
teardown (void)
{
	fx_teardown ();
	p11t_rmtree (state_dir);
	free (state_dir);
}

START_TEST (test_mixed_calls_mock)
{
	world w = { .f = fx.shim.f3,
		    .slot = MOCK_P11_SLOT,
		    .pin = STRESS_PIN,
		    .digest = MOCK_P11_CKM_DIGEST,
		    .calls = stress_n (10000),
		    .sign_per_mille = 20,
		    .label = STRESS_FRIENDLY_LABEL };
	CK_SESSION_HANDLE s;

	fx_init ();
	s = fx_session (MOCK_P11_SLOT, true);
	p11t_assert_rv (stress_put_ecert (w.f, s, &w.key, &w.cert), CKR_OK);
	p11t_assert_rv (w.f->C_Logout (s), CKR_OK);
	p11t_assert_rv (w.f->C_CloseSession (s), CKR_OK);
	make_references (&w);
	run_workers (&w, "the mock");
	p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
	check_aftermath (fx.dir, state_dir);
}
END_TEST

/* C_Initialize from several threads at once: exactly one initialises. */
typedef struct {
	pthread_barrier_t *start;
	bool finalize;
	CK_RV rv;
} racer;

static void *
race (void *arg)
{
	racer *r = arg;
	pthread_barrier_wait (r->start);
	r->rv = r->finalize ? fx.shim.f->C_Finalize (NULL) : fx.shim.f->C_Initialize (NULL);
	return NULL;
}

START_TEST (test_initialize_race)
{
	enum { RACERS = 8 };
	unsigned long rounds = stress_n (200);
	pthread_barrier_t start;
	pthread_t t[RACERS];
	racer r[RACERS];

	for (unsigned long round = 0; round < rounds; round++) {
		for (int pass = 0; pass < 2; pass++) {
			bool finalize = pass == 1;
			int n = finalize ? 2 : RACERS, ok = 0, already = 0;
			ck_assert_int_eq (pthread_barrier_init (&start, NULL, (unsigned)n), 0);
			for (int i = 0; i < n; i++) {
				r[i] = (racer){ &start, finalize, (CK_RV)-1 };
				ck_assert_int_eq (pthread_create (&t[i], NULL, race, &r[i]), 0);
			}
			for (int i = 0; i < n; i++) {
				pthread_join (t[i], NULL);
				ok += r[i].rv == CKR_OK;
				already += r[i].rv == (finalize ? CKR_CRYPTOKI_NOT_INITIALIZED
								: CKR_CRYPTOKI_ALREADY_INITIALIZED);
			}
			pthread_barrier_destroy (&start);
			ck_assert_msg (
				ok == 1 && already == n - 1,
				"round %lu, %d threads in C_%s at once: %d got CKR_OK, %d %s",
				round, n, finalize ? "Finalize" : "Initialize", ok, already,
				finalize ? "CKR_CRYPTOKI_NOT_INITIALIZED"
					 : "CKR_CRYPTOKI_ALREADY_INITIALIZED");
			if (!finalize) {
				/* Initialised means usable, by every layer. */
				CK_SESSION_HANDLE s = fx_session (MOCK_P11_SLOT, true);
				p11t_assert_rv (fx.shim.f->C_CloseSession (s), CKR_OK);
			}
		}
	}
	printf ("threads: %lu rounds of %d threads in C_Initialize and 2 in C_Finalize at once\n",
		rounds, RACERS);
}
END_TEST

/* A thread blocked in C_WaitForSlotEvent, every layer on, is let go by
 * C_Finalize within a second. */
typedef struct {
	CK_RV rv;
	int done;
	struct timespec end;
} waiter;

static void *
wait_event (void *arg)
{
	waiter *w = arg;
	CK_SLOT_ID slot;
	w->rv = fx.shim.f->C_WaitForSlotEvent (0, &slot, NULL);
	clock_gettime (CLOCK_MONOTONIC, &w->end);
	__atomic_store_n (&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

START_TEST (test_finalize_releases_waiter)
{
	pthread_t t[3];
	waiter w[3];
	struct timespec t0;

	for (int round = 0; round < 3; round++) {
		fx_init ();
		memset (w, 0, sizeof w);
		/* Three waiters, one more than NSS runs. */
		for (int i = 0; i < 3; i++)
			ck_assert_int_eq (pthread_create (&t[i], NULL, wait_event, &w[i]), 0);
		for (int i = 0;
		     i < 200 && fx.call_count ("C_WaitForSlotEvent") < 3 * (unsigned)(round + 1);
		     i++)
			usleep (5000);
		usleep (50000);
		for (int i = 0; i < 3; i++)
			ck_assert_int_eq (__atomic_load_n (&w[i].done, __ATOMIC_ACQUIRE), 0);
		clock_gettime (CLOCK_MONOTONIC, &t0);
		p11t_assert_rv (fx.shim.f->C_Finalize (NULL), CKR_OK);
		for (int i = 0; i < 3; i++) {
			for (int k = 0; k < 100 && !__atomic_load_n (&w[i].done, __ATOMIC_ACQUIRE);
			     k++)
				usleep (10000);
			ck_assert_msg (__atomic_load_n (&w[i].done, __ATOMIC_ACQUIRE),
				       "waiter %d still blocked 1 s after C_Finalize", i);
			pthread_join (t[i], NULL);
			double took = (double)(w[i].end.tv_sec - t0.tv_sec) +
				      (double)(w[i].end.tv_nsec - t0.tv_nsec) / 1e9;
			ck_assert_msg (took < 1.0, "released after %.3f s", took);
			p11t_assert_rv (w[i].rv, CKR_CRYPTOKI_NOT_INITIALIZED);
		}
	}
}
END_TEST

/* ---- over SoftHSM ------------------------------------------------------- */

static char *hsm_dir;

static void
setup_softhsm (void)
{
	if (p11t_softhsm_path ()[0] == '\0' || access (p11t_softhsm_path (), R_OK) != 0)
		return;
	hsm_dir = p11t_softhsm_setup ();
	state_dir = stress_memory_dir ("threads-hsm");
}

static void
teardown_softhsm (void)
{
	if (hsm_dir == NULL)
		return;
	p11t_rmtree (hsm_dir);
	free (hsm_dir);
	hsm_dir = NULL;
	p11t_rmtree (state_dir);
	free (state_dir);
}

/* A SoftHSM token with the e-Cert, its key and its public key, made
 * straight through SoftHSM. */
static void
softhsm_token (void)
{
	p11t_module hsm;
	fx_objects objs;
	fx_options opt = { .cert_label = "cont-7f3a",
			   .key_label = "cont-7f3a",
			   .id = stress_key_id,
			   .id_len = sizeof stress_key_id,
			   .cert = true,
			   .key = true,
			   .pubkey = true };

	p11t_load (&hsm, p11t_softhsm_path ());
	p11t_assert_rv (hsm.f->C_Initialize (NULL), CKR_OK);
	CK_SLOT_ID slot = p11t_init_token (&hsm, "eToken", SOFTHSM_SO_PIN, SOFTHSM_USER_PIN);
	CK_SESSION_HANDLE s = p11t_open_session (&hsm, slot, SOFTHSM_USER_PIN);
	fx_create (&hsm, s, "personal", &opt, &objs);
	p11t_assert_rv (hsm.f->C_Finalize (NULL), CKR_OK);
}

/* After each C_Initialize: SoftHSM numbers slots and objects afresh, and
 * forgets every handle with the slot's last session, so one stays open. */
static void
softhsm_handles (world *w, CK_FUNCTION_LIST_PTR f)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	CK_TOKEN_INFO info;

	w->f = (CK_FUNCTION_LIST_3_0_PTR)f; /* only 2.40 functions are called */
	w->racy_logout = true;
	w->pin = SOFTHSM_USER_PIN;
	w->digest = CKM_SHA256;
	p11t_assert_rv (f->C_GetSlotList (CK_TRUE, slots, &n), CKR_OK);
	w->slot = (CK_SLOT_ID)-1;
	for (CK_ULONG i = 0; i < n; i++) {
		if (f->C_GetTokenInfo (slots[i], &info) == CKR_OK &&
		    memcmp (info.model, "SoftHSM", 7) == 0 &&
		    (info.flags & CKF_USER_PIN_INITIALIZED))
			w->slot = slots[i];
	}
	ck_assert_msg (w->slot != (CK_SLOT_ID)-1, "the token is gone");
	p11t_assert_rv (f->C_OpenSession (w->slot, CKF_SERIAL_SESSION, NULL, NULL, &w->keeper),
			CKR_OK);
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE find[] = { { CKA_CLASS, &cls, sizeof cls },
				{ CKA_ID, (void *)stress_key_id, sizeof stress_key_id } };
	p11t_assert_rv (f->C_FindObjectsInit (w->keeper, find, 2), CKR_OK);
	p11t_assert_rv (f->C_FindObjects (w->keeper, &w->cert, 1, &n), CKR_OK);
	ck_assert_uint_eq (n, 1);
	p11t_assert_rv (f->C_FindObjectsFinal (w->keeper), CKR_OK);
}

/* The shim over the SoftHSM token, every layer on. */
static void
softhsm_shim (p11t_module *shim)
{
	char conf[PATH_MAX + 32];
	snprintf (conf, sizeof conf, "%s/stress.conf", hsm_dir);
	stress_write_conf (conf, hsm_dir, state_dir, NULL);
	setenv ("HKPOST_P11_CONF", conf, 1);
	p11t_load (shim, p11t_shim_path ());
	ck_assert_ptr_nonnull (shim->f3);
}

START_TEST (test_mixed_calls_softhsm)
{
	p11t_module shim;
	/* RSA signatures take SoftHSM about a millisecond: 2% of the calls. */
	world w = { .calls = stress_n (10000),
		    .sign_per_mille = 20,
		    .label = STRESS_FRIENDLY_LABEL };

	if (hsm_dir == NULL) {
		fprintf (stderr, "SoftHSM not installed: test_mixed_calls_softhsm not run\n");
		return;
	}
	softhsm_token ();
	softhsm_shim (&shim);
	p11t_assert_rv (shim.f->C_Initialize (NULL), CKR_OK);
	softhsm_handles (&w, shim.f);
	make_references (&w);
	run_workers (&w, "SoftHSM");
	p11t_assert_rv (shim.f->C_Finalize (NULL), CKR_OK);
	check_aftermath (hsm_dir, state_dir);
}
END_TEST

/* The same straight into SoftHSM: what it answers on its own. */
START_TEST (test_mixed_calls_softhsm_direct)
{
	p11t_module hsm;
	world w = { .calls = stress_n (10000), .sign_per_mille = 20, .label = "cont-7f3a" };

	if (hsm_dir == NULL) {
		fprintf (stderr,
			 "SoftHSM not installed: test_mixed_calls_softhsm_direct not run\n");
		return;
	}
	softhsm_token ();
	p11t_load (&hsm, p11t_softhsm_path ());
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	p11t_assert_rv (hsm.f->C_Initialize (&args), CKR_OK);
	softhsm_handles (&w, hsm.f);
	make_references (&w);
	run_workers (&w, "SoftHSM without the shim");
	p11t_assert_rv (hsm.f->C_Finalize (NULL), CKR_OK);
}
END_TEST

/* The application's locking callbacks, and whether they may be called. */
static int callbacks_allowed = 1;
static int callbacks_after_finalize;

static CK_RV
app_create (CK_VOID_PTR_PTR m)
{
	if (!__atomic_load_n (&callbacks_allowed, __ATOMIC_ACQUIRE))
		__atomic_add_fetch (&callbacks_after_finalize, 1, __ATOMIC_RELAXED);
	pthread_mutex_t *mutex = malloc (sizeof *mutex);
	if (mutex == NULL)
		return CKR_HOST_MEMORY;
	pthread_mutex_init (mutex, NULL);
	*m = mutex;
	return CKR_OK;
}

static CK_RV
app_destroy (CK_VOID_PTR m)
{
	if (!__atomic_load_n (&callbacks_allowed, __ATOMIC_ACQUIRE))
		__atomic_add_fetch (&callbacks_after_finalize, 1, __ATOMIC_RELAXED);
	pthread_mutex_destroy (m);
	free (m);
	return CKR_OK;
}

static CK_RV
app_lock (CK_VOID_PTR m)
{
	if (!__atomic_load_n (&callbacks_allowed, __ATOMIC_ACQUIRE))
		__atomic_add_fetch (&callbacks_after_finalize, 1, __ATOMIC_RELAXED);
	return pthread_mutex_lock (m) == 0 ? CKR_OK : CKR_MUTEX_BAD;
}

static CK_RV
app_unlock (CK_VOID_PTR m)
{
	if (!__atomic_load_n (&callbacks_allowed, __ATOMIC_ACQUIRE))
		__atomic_add_fetch (&callbacks_after_finalize, 1, __ATOMIC_RELAXED);
	return pthread_mutex_unlock (m) == 0 ? CKR_OK : CKR_MUTEX_NOT_LOCKED;
}

START_TEST (test_no_callbacks_after_finalize)
{
	p11t_module shim;
	world w = { .calls = stress_n (500), .sign_per_mille = 20, .label = STRESS_FRIENDLY_LABEL };
	CK_C_INITIALIZE_ARGS args = { app_create, app_destroy,       app_lock,
				      app_unlock, CKF_OS_LOCKING_OK, NULL };

	if (hsm_dir == NULL) {
		fprintf (stderr,
			 "SoftHSM not installed: test_no_callbacks_after_finalize not run\n");
		return;
	}
	softhsm_token ();
	softhsm_shim (&shim);

	/* Initialised with the application's callbacks, worked hard, let go. */
	p11t_assert_rv (shim.f->C_Initialize (&args), CKR_OK);
	softhsm_handles (&w, shim.f);
	make_references (&w);
	run_workers (&w, "SoftHSM with the application's mutexes");
	p11t_assert_rv (shim.f->C_Finalize (NULL), CKR_OK);
	__atomic_store_n (&callbacks_allowed, 0, __ATOMIC_RELEASE);

	/* Without them now: nothing may call them any more. */
	p11t_assert_rv (shim.f->C_Initialize (NULL), CKR_OK);
	softhsm_handles (&w, shim.f);
	run_workers (&w, "SoftHSM after C_Finalize");
	p11t_assert_rv (shim.f->C_Finalize (NULL), CKR_OK);
	ck_assert_int_eq (__atomic_load_n (&callbacks_after_finalize, __ATOMIC_ACQUIRE), 0);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("threads");
	TCase *tc = tcase_create ("mock");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 600);
	tcase_add_test (tc, test_mixed_calls_mock);
	tcase_add_test (tc, test_initialize_race);
	tcase_add_test (tc, test_finalize_releases_waiter);
	suite_add_tcase (s, tc);

	/* HKP11_STRESS_MOCK_ONLY=1: under TSan, which SoftHSM is not built for. */
	const char *mock_only = getenv ("HKP11_STRESS_MOCK_ONLY");
	if (mock_only == NULL || mock_only[0] == '\0' || strcmp (mock_only, "0") == 0) {
		tc = tcase_create ("softhsm");
		tcase_add_checked_fixture (tc, setup_softhsm, teardown_softhsm);
		tcase_set_timeout (tc, 900);
		tcase_add_test (tc, test_mixed_calls_softhsm);
		tcase_add_test (tc, test_mixed_calls_softhsm_direct);
		tcase_add_test (tc, test_no_callbacks_after_finalize);
		suite_add_tcase (s, tc);
	}

	return p11t_run_suite (s);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A backend that fails, every layer on (audit at the calls level, policy,
 * lockout, labels), over the mock backend.
 *
 * One workload touches every layer: slot and token queries, a wrong PIN and
 * a good one, an e-Cert and its key put on the token, label reads (size
 * queries too) and a find by friendly label, signatures, digests, cipher,
 * object changes, 3.0 message calls, a PIN change.  It runs straight into
 * the mock and through the shim, each time on a fresh token, and the two
 * must answer alike, call by call:
 *
 *   - for every function and every CK_RV the API names (and a few it does
 *     not), with the mock answering that CK_RV to every call of the
 *     function, the layers' own calls included;
 *   - over a 3.0, a 2.40 and a 2.20 backend.
 *
 * Then, through the shim only, where the two cannot be compared call by
 * call: the token pulled out after each number of backend calls; every
 * size query answering 0, 1, huge or CK_UNAVAILABLE_INFORMATION.
 *
 * Every run must end without a crash, C_Finalize must succeed, and the
 * lockout state must count exactly the wrong PINs the token saw since the
 * last good one.
 */
#include "config.h"
#include "stress.h"
#include "p11/constants.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_STEPS 128
#define NEW_PIN "Aa1!Bb2@Cc3#"
#define WRONG_PIN "87654320"

typedef struct {
	int n;
	const char *name[MAX_STEPS];
	CK_RV rv[MAX_STEPS];
	/* What the labels layer showed when no fault stood in its way. */
	char cert_label[256], key_label[256];
	CK_ULONG cert_label_len;
	CK_ULONG found_by_friendly;
	/* Wrong PINs the backend answered since the last good one. */
	int wrong_since_good;
	/* PINs answered CKR_PIN_INCORRECT in this run: the lockout layer's
	 * repeat guard refuses them again without asking the token. */
	const char *wrong[8];
	int n_wrong;
	bool repeat[MAX_STEPS]; /* the step tried such a PIN again */
} run_log;

static CK_RV
step (run_log *log, const char *name, CK_RV rv)
{
	if (log->n < MAX_STEPS) {
		log->name[log->n] = name;
		log->rv[log->n] = rv;
		log->n++;
	}
	return rv;
}

#define STEP(expr) step (log, #expr, (expr))

/* A login or PIN change with pin (the old one for C_SetPIN), just made:
 * what the lockout count becomes.  A PIN refused before is refused again
 * by the repeat guard, without a try spent. */
static void
pin_try (run_log *log, const char *pin, CK_RV rv)
{
	bool seen = false;
	for (int i = 0; i < log->n_wrong; i++)
		seen |= strcmp (log->wrong[i], pin) == 0;
	if (rv == CKR_PIN_INCORRECT && seen) {
		log->repeat[log->n - 1] = true;
	} else if (rv == CKR_PIN_INCORRECT) {
		log->wrong_since_good++;
		if (log->n_wrong < 8)
			log->wrong[log->n_wrong++] = pin;
	} else if (rv == CKR_OK) {
		log->wrong_since_good = 0;
	}
}

static void
workload (CK_FUNCTION_LIST_3_0_PTR f, run_log *log)
{
	CK_INFO info;
	CK_SLOT_ID slots[8];
	CK_ULONG n = 0, len;
	CK_SLOT_INFO slot_info;
	CK_TOKEN_INFO token;
	CK_MECHANISM_TYPE mechs[64];
	CK_MECHANISM_INFO mech_info;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE, s2 = CK_INVALID_HANDLE;
	CK_SESSION_INFO session_info;
	CK_OBJECT_HANDLE key = CK_INVALID_HANDLE, cert = CK_INVALID_HANDLE, pub = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE, found[8], copy = CK_INVALID_HANDLE;
	CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE, pub_class = CKO_PUBLIC_KEY;
	CK_BYTE data[] = "an e-Cert holder signs this", sig[512], digest[64], out[256], back[256];
	CK_BYTE param[16] = { 0 };
	CK_MECHANISM sign = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM hash = { MOCK_P11_CKM_DIGEST, NULL, 0 };
	CK_MECHANISM ctr = { CKM_AES_CTR, NULL, 0 };
	CK_MECHANISM aes_gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG sixteen = 16, size;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE aes_tmpl[] = { { CKA_VALUE_LEN, &sixteen, sizeof sixteen },
				    { CKA_ENCRYPT, &yes, 1 },
				    { CKA_DECRYPT, &yes, 1 } };
	CK_ATTRIBUTE find_cert[] = { { CKA_CLASS, &cert_class, sizeof cert_class } };
	CK_ATTRIBUTE find_pub[] = { { CKA_CLASS, &pub_class, sizeof pub_class } };
	CK_ATTRIBUTE find_friendly[] = {
		{ CKA_LABEL, STRESS_FRIENDLY_LABEL, sizeof STRESS_FRIENDLY_LABEL - 1 },
	};
	CK_ATTRIBUTE rename[] = { { CKA_LABEL, "renamed", 7 } };
	CK_ATTRIBUTE copy_tmpl[] = { { CKA_LABEL, "copy", 4 } };
	CK_RV rv;

	memset (log, 0, sizeof *log);
	STEP (f->C_GetInfo (&info));
	STEP (f->C_GetSlotList (CK_TRUE, NULL, &n));
	n = 8;
	STEP (f->C_GetSlotList (CK_FALSE, slots, &n));
	STEP (f->C_GetSlotInfo (MOCK_P11_SLOT, &slot_info));
	STEP (f->C_GetTokenInfo (MOCK_P11_SLOT, &token));
	n = 0;
	STEP (f->C_GetMechanismList (MOCK_P11_SLOT, NULL, &n));
	n = 64;
	STEP (f->C_GetMechanismList (MOCK_P11_SLOT, mechs, &n));
	STEP (f->C_GetMechanismInfo (MOCK_P11_SLOT, CKM_SHA256_RSA_PKCS, &mech_info));
	STEP (f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
				&s));
	STEP (f->C_OpenSession (MOCK_P11_SLOT, CKF_SERIAL_SESSION, NULL, NULL, &s2));

	/* A wrong PIN, then the right one. */
	pin_try (log, WRONG_PIN, STEP (f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)WRONG_PIN, 8)));
	pin_try (log, STRESS_PIN, STEP (f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)STRESS_PIN, 8)));
	STEP (f->C_GetSessionInfo (s, &session_info));
	STEP (stress_put_ecert (f, s, &key, &cert));
	STEP (f->C_FindObjectsInit (s, find_pub, 1));
	n = 0;
	STEP (f->C_FindObjects (s, &pub, 1, &n));
	STEP (f->C_FindObjectsFinal (s));

	/* Labels: sizes, values, on both sessions, and a find by the friendly one. */
	CK_ATTRIBUTE q[] = { { CKA_LABEL, NULL, 0 }, { CKA_ID, NULL, 0 }, { CKA_VALUE, NULL, 0 } };
	STEP (f->C_GetAttributeValue (s, cert, q, 3));
	CK_ATTRIBUTE a[] = { { CKA_LABEL, log->cert_label, sizeof log->cert_label - 1 },
			     { CKA_CLASS, &size, sizeof size } };
	if (STEP (f->C_GetAttributeValue (s2, cert, a, 2)) == CKR_OK)
		log->cert_label_len = a[0].ulValueLen;
	CK_ATTRIBUTE k[] = { { CKA_LABEL, log->key_label, sizeof log->key_label - 1 } };
	STEP (f->C_GetAttributeValue (s, key, k, 1));
	CK_ATTRIBUTE tiny[] = { { CKA_LABEL, out, 3 } };
	STEP (f->C_GetAttributeValue (s, key, tiny, 1));
	STEP (f->C_FindObjectsInit (s2, find_friendly, 1));
	n = 0;
	STEP (f->C_FindObjects (s2, found, 8, &n));
	log->found_by_friendly = n;
	STEP (f->C_FindObjectsFinal (s2));
	STEP (f->C_FindObjectsInit (s2, find_cert, 1));
	STEP (f->C_FindObjects (s2, found, 8, &n));
	STEP (f->C_FindObjectsFinal (s2));

	/* Signatures, a digest, a cipher. */
	STEP (f->C_SignInit (s, &sign, key));
	len = 0;
	STEP (f->C_Sign (s, data, sizeof data, NULL, &len));
	len = sizeof sig;
	STEP (f->C_Sign (s, data, sizeof data, sig, &len));
	STEP (f->C_VerifyInit (s, &sign, pub));
	STEP (f->C_Verify (s, data, sizeof data, sig, len));
	STEP (f->C_SignInit (s, &sign, key));
	STEP (f->C_SignUpdate (s, data, 5));
	len = sizeof sig;
	STEP (f->C_SignFinal (s, sig, &len));
	STEP (f->C_DigestInit (s, &hash));
	len = sizeof digest;
	STEP (f->C_Digest (s, data, sizeof data, digest, &len));
	STEP (f->C_GenerateRandom (s, out, 16));
	STEP (f->C_SeedRandom (s, out, 16));
	STEP (f->C_GenerateKey (s, &aes_gen, aes_tmpl, 3, &aes));
	STEP (f->C_EncryptInit (s, &ctr, aes));
	len = sizeof out;
	STEP (f->C_Encrypt (s, data, sizeof data, out, &len));
	STEP (f->C_DecryptInit (s, &ctr, aes));
	CK_ULONG back_len = sizeof back;
	STEP (f->C_Decrypt (s, out, len, back, &back_len));

	/* Objects change. */
	STEP (f->C_GetObjectSize (s, cert, &size));
	STEP (f->C_CopyObject (s, key, copy_tmpl, 1, &copy));
	STEP (f->C_SetAttributeValue (s, copy, rename, 1));
	STEP (f->C_DestroyObject (s, copy));

	/* PKCS#11 3.0 (CKR_FUNCTION_NOT_SUPPORTED over a 2.x backend). */
	STEP (f->C_MessageSignInit (s, &sign, key));
	len = sizeof sig;
	STEP (f->C_SignMessage (s, param, sizeof param, data, sizeof data, sig, &len));
	STEP (f->C_MessageSignFinal (s));
	STEP (f->C_SessionCancel (s, CKF_SIGN));

	/* No event waits; a PIN change; logins with the new PIN. */
	CK_SLOT_ID event_slot;
	STEP (f->C_WaitForSlotEvent (CKF_DONT_BLOCK, &event_slot, NULL));
	rv = STEP (f->C_SetPIN (s, (CK_UTF8CHAR_PTR)STRESS_PIN, 8, (CK_UTF8CHAR_PTR)NEW_PIN, 12));
	pin_try (log, STRESS_PIN, rv);
	const char *pin = rv == CKR_OK ? NEW_PIN : STRESS_PIN;
	CK_ULONG pin_len = strlen (pin);
	STEP (f->C_Logout (s));
	pin_try (log, pin,
		 STEP (f->C_LoginUser (s, CKU_USER, (CK_UTF8CHAR_PTR)pin, pin_len,
				       (CK_UTF8CHAR_PTR) "user", 4)));
	STEP (f->C_Logout (s));
	pin_try (log, pin, STEP (f->C_Login (s, CKU_USER, (CK_UTF8CHAR_PTR)pin, pin_len)));
	STEP (f->C_CloseSession (s2));
	STEP (f->C_CloseSession (s));
	STEP (f->C_CloseAllSessions (MOCK_P11_SLOT));
	STEP (f->C_GetTokenInfo (MOCK_P11_SLOT, &token));
}

/* ---- the two tables --------------------------------------------------- */

#define UNSUPPORTED(kind, name, params, args) \
	static CK_RV unsupported_##name params \
	{ \
		return CKR_FUNCTION_NOT_SUPPORTED; \
	}
HKP11_FUNCTIONS_3_0 (UNSUPPORTED)
#undef UNSUPPORTED

/* The mock's own functions as a 3.0 table, the 3.0 ones answering
 * CKR_FUNCTION_NOT_SUPPORTED over a 2.x mock (as the shim does). */
static CK_FUNCTION_LIST_3_0 direct;

static CK_FUNCTION_LIST_3_0_PTR
direct_table (bool v3)
{
	memset (&direct, 0, sizeof direct);
#define COPY(kind, name, params, args) direct.name = fx.mock_f->name;
	HKP11_FUNCTIONS_2_40 (COPY)
#undef COPY
#define COPY3(kind, name, params, args) direct.name = v3 ? fx.mock_f3->name : unsupported_##name;
	HKP11_FUNCTIONS_3_0 (COPY3)
#undef COPY3
	return &direct;
}

/* ---- running it ------------------------------------------------------- */

static char dir[PATH_MAX], *state_dir;
static volatile const char *current = "";
static char current_buf[256];

static void
on_crash (int sig)
{
	char line[512];
	int n = snprintf (line, sizeof line, "\ncrashed (signal %d) during: %s\n", sig,
			  (const char *)current);
	if (n > 0)
		(void)!write (STDERR_FILENO, line, (size_t)n);
	signal (sig, SIG_DFL);
	raise (sig);
}

static void
clear_state (void)
{
	DIR *d = opendir (state_dir);
	struct dirent *e;
	char path[PATH_MAX * 2];
	if (d == NULL)
		return;
	while ((e = readdir (d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf (path, sizeof path, "%s/%s", state_dir, e->d_name);
		unlink (path);
	}
	closedir (d);
}

static void
setup (void)
{
	fx_setup ();
	snprintf (dir, sizeof dir, "%s", fx.dir);
	state_dir = stress_memory_dir ("faults");
	/* Records are made, hashed and formatted on every call; a file of
	 * every run would be large and prove nothing more. */
	stress_layers_on (dir, state_dir, "audit-file: none\n");
	signal (SIGSEGV, on_crash);
	signal (SIGBUS, on_crash);
	signal (SIGABRT, on_crash);
	signal (SIGALRM, on_crash);
}

static void
teardown (void)
{
	fx_teardown ();
	p11t_rmtree (state_dir);
	free (state_dir);
}

/* Both ways, from a fresh token; returns through log_shim and log_mock. */
static void
run_both (bool v3, run_log *log_shim, run_log *log_mock)
{
	clear_state ();
	fx.reset_calls ();
	p11t_assert_rv (fx.shim.f3->C_Initialize (NULL), CKR_OK);
	workload (fx.shim.f3, log_shim);
	/* The shim must still let go, whatever happened. */
	p11t_assert_rv (fx.shim.f3->C_Finalize (NULL), CKR_OK);

	CK_FUNCTION_LIST_3_0_PTR d = direct_table (v3);
	p11t_assert_rv (d->C_Initialize (NULL), CKR_OK);
	workload (d, log_mock);
	p11t_assert_rv (d->C_Finalize (NULL), CKR_OK);
}

static void
compare (const char *what, const run_log *shim, const run_log *mock)
{
	ck_assert_int_eq (shim->n, mock->n);
	/* After the repeat guard refused a PIN again (the token refused it
	 * before), the two runs part ways: the shim's session is not logged in. */
	for (int i = 0; i < shim->n && !shim->repeat[i]; i++)
		ck_assert_msg (shim->rv[i] == mock->rv[i],
			       "%s: step %d %s: the shim answered %s, the mock %s", what, i,
			       shim->name[i], p11t_rv_name (shim->rv[i]),
			       p11t_rv_name (mock->rv[i]));
}

/* The lockout state counts the wrong PINs since the last good one. */
static void
check_count (const char *what, const run_log *shim, bool blind)
{
	unsigned long stored = stress_state_failures (state_dir);
	char why[1024];
	ck_assert_msg (stress_state_readable (state_dir, why, sizeof why), "%s: %s", what, why);
	if (blind)
		return;
	ck_assert_msg (stored == (unsigned long)shim->wrong_since_good,
		       "%s: the lockout state counts %lu wrong PINs, the token saw %d", what,
		       stored, shim->wrong_since_good);
}

static const char *const versions[] = { "3.0", "2.40", "2.20" };

/* No fault at all: the layers are at work and the answers agree. */
START_TEST (test_no_fault)
{
	run_log shim, mock;
	setenv ("MOCK_P11_VERSION", versions[_i], 1);
	run_both (_i == 0, &shim, &mock);
	compare (versions[_i], &shim, &mock);
	ck_assert_str_eq (shim.cert_label, STRESS_FRIENDLY_LABEL);
	ck_assert_str_eq (shim.key_label, STRESS_FRIENDLY_LABEL);
	ck_assert_str_eq (mock.cert_label, "cont-7f3a");
	ck_assert_uint_ge (shim.found_by_friendly, 2);
	ck_assert_uint_eq (mock.found_by_friendly, 0);
	check_count (versions[_i], &shim, false);
	ck_assert_int_eq (shim.wrong_since_good, 0);
	printf ("faults: %d steps, over a %s backend\n", shim.n, versions[_i]);
}
END_TEST

/*
 * Every function failing with every CK_RV, one pair at a time.  _i picks
 * the backend version; the functions are shared out over the rounds.
 */
START_TEST (test_every_function_every_rv)
{
	size_t n_rvs;
	const hkp11_constant *rvs = hkp11_constant_table (HKP11_CONST_RV, &n_rvs);
	static const CK_RV extra[] = { CKR_VENDOR_DEFINED | 0x1234, 0x7fffffffUL, ~(CK_RV)0 - 1 };
	run_log shim, mock;
	int combos = 0;
	/* Under valgrind every few return values only. */
	size_t stride = stress_scale () < 0.5 ? (size_t)(1.0 / stress_scale () + 0.5) : 1;
	int version = _i / 4, share = _i % 4;
	/* A 2.x backend differs in the 3.0 calls only: every third CK_RV,
	 * a different third for each function, covers it. */
	if (version > 0)
		stride *= 3;

	setenv ("MOCK_P11_VERSION", versions[version], 1);
	for (int fn = share; fn < HKP11_FN_COUNT; fn += 4) {
		const char *name = hkp11_function_name ((hkp11_function_id)fn);
		/* The shim's own entry points never reach the backend. */
		if (strcmp (name, "C_Initialize") == 0 || strcmp (name, "C_Finalize") == 0 ||
		    strcmp (name, "C_GetFunctionList") == 0 || strstr (name, "Interface") != NULL)
			continue;
		/* HKP11_STRESS_ONLY=C_Sign picks one function, for a closer look. */
		const char *only = getenv ("HKP11_STRESS_ONLY");
		if (only != NULL && only[0] != '\0' && strcmp (only, name) != 0)
			continue;
		for (size_t r = (size_t)fn % stride; r < n_rvs + 3; r += stride) {
			CK_RV rv = r < n_rvs ? rvs[r].value : extra[r - n_rvs];
			if (rv == CKR_OK)
				continue;
			snprintf (current_buf, sizeof current_buf, "%s failing with %s over %s",
				  name, p11t_rv_name (rv), versions[version]);
			current = current_buf;
			ck_assert_int_eq (fx.fail_with (name, rv), 0);
			run_both (version == 0, &shim, &mock);
			fx.fail_with (name, CKR_OK);
			compare (current_buf, &shim, &mock);
			/* Without its token's session and identity, the lockout
			 * layer lets a try by uncounted: it cannot name the token. */
			bool blind = strcmp (name, "C_GetSessionInfo") == 0 ||
				     strcmp (name, "C_GetTokenInfo") == 0;
			check_count (current_buf, &shim, blind);
			combos++;
		}
	}
	printf ("faults: %d function x CK_RV pairs over a %s backend (share %d of 4)\n", combos,
		versions[version], share + 1);
}
END_TEST

/* The token goes after N calls, for every N the workload reaches. */
START_TEST (test_token_removed)
{
	run_log shim;
	char what[64], n_text[32];
	unsigned long total = 0;
	int runs = 0;

	/* How many backend calls a whole run makes through the shim. */
	fx.reset_calls ();
	p11t_assert_rv (fx.shim.f3->C_Initialize (NULL), CKR_OK);
	workload (fx.shim.f3, &shim);
	p11t_assert_rv (fx.shim.f3->C_Finalize (NULL), CKR_OK);
	total = fx_total_calls ();
	ck_assert_uint_gt (total, 50);

	unsigned long stride = stress_scale () < 0.5 ? (unsigned long)(1.0 / stress_scale ()) : 1;
	for (unsigned long after = 1; after <= total + 1; after += stride) {
		snprintf (n_text, sizeof n_text, "%lu", after);
		snprintf (what, sizeof what, "token removed after %lu calls", after);
		snprintf (current_buf, sizeof current_buf, "%s", what);
		current = current_buf;
		setenv ("MOCK_P11_REMOVE_AFTER", n_text, 1);
		clear_state ();
		p11t_assert_rv (fx.shim.f3->C_Initialize (NULL), CKR_OK);
		workload (fx.shim.f3, &shim);
		bool gone = false;
		for (int i = 0; i < shim.n; i++) {
			CK_RV rv = shim.rv[i];
			/* Once gone, nothing the token did can come back. */
			if (rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT)
				gone = true;
			else if (gone)
				ck_assert_msg (rv != CKR_OK || strstr (shim.name[i], "C_GetInfo") ||
						       strstr (shim.name[i], "SlotInfo") ||
						       strstr (shim.name[i], "SlotList") ||
						       strstr (shim.name[i], "WaitForSlotEvent") ||
						       strstr (shim.name[i], "CloseSession") ||
						       strstr (shim.name[i], "CloseAllSessions") ||
						       strstr (shim.name[i], "Mechanism"),
					       "%s: step %d %s succeeded after the token went",
					       what, i, shim.name[i]);
		}
		p11t_assert_rv (fx.shim.f3->C_Finalize (NULL), CKR_OK);
		check_count (what, &shim, false);
		runs++;
	}
	unsetenv ("MOCK_P11_REMOVE_AFTER");
	printf ("faults: token removed at %d points of a %lu-call run\n", runs, total);
}
END_TEST

/* Every size query answers an odd length: no crash, no leak, the same
 * answers as the mock gives straight, and the friendly label's own length
 * wherever the labels layer could read the certificate. */
START_TEST (test_odd_lengths)
{
	static const char *const odd[] = { "0", "1", "huge", "unavailable", "7", "300" };
	run_log shim, mock;
	for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
		snprintf (current_buf, sizeof current_buf, "size queries answering %s", odd[k]);
		current = current_buf;
		setenv ("MOCK_P11_ODD_LENGTH", odd[k], 1);
		run_both (true, &shim, &mock);
		compare (current_buf, &shim, &mock);
		check_count (current_buf, &shim, false);
	}
	unsetenv ("MOCK_P11_ODD_LENGTH");
	printf ("faults: %zu odd lengths in every size query\n", sizeof odd / sizeof odd[0]);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("faults");
	TCase *tc = tcase_create ("faults");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 900);
	tcase_add_loop_test (tc, test_no_fault, 0, 3);
	tcase_add_loop_test (tc, test_every_function_every_rv, 0, 12);
	tcase_add_test (tc, test_token_removed);
	tcase_add_test (tc, test_odd_lengths);
	suite_add_tcase (s, tc);

	return p11t_run_suite (s);
}

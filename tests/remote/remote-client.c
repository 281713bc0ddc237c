/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkp11-remote-client: a PKCS#11 application for the remote scenarios, run
 * against p11-kit-client.so (or any module) on the client side.
 *
 *   hkp11-remote-client MODULE session
 *	Opens a session on the first slot with a token and logs in with
 *	$HKP11_REMOTE_PIN, prints "ready", then takes one command a line
 *	from stdin and answers each with a line "COMMAND CKR_...":
 *	"info" (C_GetSessionInfo), "sign" (an RSA signature with the first
 *	private key), "reinit" (C_Finalize, then C_Initialize, a session and
 *	the login again, as an application does to recover), "quit"
 *	(C_Finalize, then exit).  The scenario kills the server between two
 *	commands and watches for the answer.
 *
 *   hkp11-remote-client MODULE bench [MILLISECONDS]
 *	Logs in likewise and prints, for each operation, the cost of one
 *	call in nanoseconds: the median of rounds of about MILLISECONDS
 *	(default 40) each.  Operations: "label" (C_GetAttributeValue of a
 *	certificate's CKA_LABEL), "session-info" (C_GetSessionInfo) and
 *	"sign" (CKM_SHA256_RSA_PKCS with the first private key).
 *
 * The PIN comes from the environment, never from the command line.  Every
 * call's result is checked; an unexpected one ends the run with status 1.
 */
#include "config.h"
#include "p11/constants.h"
#include "p11/p11.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE session;
static CK_OBJECT_HANDLE cert, key;

static const char *
rv_name (CK_RV rv)
{
	static char buf[32];
	const char *name = hkp11_rv_name (rv);
	if (name != NULL)
		return name;
	snprintf (buf, sizeof buf, "0x%08lx", (unsigned long)rv);
	return buf;
}

static void
die (const char *what, CK_RV rv)
{
	fprintf (stderr, "hkp11-remote-client: %s: %s\n", what, rv_name (rv));
	exit (1);
}

static uint64_t
now_ns (void)
{
	struct timespec ts;
	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The first object of the class on the token, or CK_INVALID_HANDLE. */
static CK_OBJECT_HANDLE
find_first (CK_OBJECT_CLASS klass)
{
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &klass, sizeof klass };
	CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE;
	CK_ULONG n = 0;
	CK_RV rv;

	rv = f->C_FindObjectsInit (session, &tmpl, 1);
	if (rv != CKR_OK)
		die ("C_FindObjectsInit", rv);
	rv = f->C_FindObjects (session, &obj, 1, &n);
	if (rv != CKR_OK)
		die ("C_FindObjects", rv);
	rv = f->C_FindObjectsFinal (session);
	if (rv != CKR_OK)
		die ("C_FindObjectsFinal", rv);
	return n == 1 ? obj : CK_INVALID_HANDLE;
}

static void
load_module (const char *path)
{
	CK_C_GetFunctionList get;

	void *handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		fprintf (stderr, "hkp11-remote-client: %s\n", dlerror ());
		exit (1);
	}
	get = (CK_C_GetFunctionList)dlsym (handle, "C_GetFunctionList");
	if (get == NULL || get (&f) != CKR_OK) {
		fprintf (stderr, "hkp11-remote-client: %s: no C_GetFunctionList\n", path);
		exit (1);
	}
}

/* C_Initialize, a R/W session on the first token, the login and the
 * objects; the first failure is returned and described on stderr. */
static CK_RV
start (void)
{
	CK_C_INITIALIZE_ARGS args;
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	const char *pin;
	const char *what;
	CK_RV rv;

	memset (&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	what = "C_Initialize";
	rv = f->C_Initialize (&args);
	if (rv != CKR_OK)
		goto out;
	what = "C_GetSlotList";
	rv = f->C_GetSlotList (CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		goto out;
	if (n == 0) {
		rv = CKR_TOKEN_NOT_PRESENT;
		goto out;
	}
	what = "C_OpenSession";
	rv = f->C_OpenSession (slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session);
	if (rv != CKR_OK)
		goto out;
	pin = getenv ("HKP11_REMOTE_PIN");
	if (pin != NULL) {
		what = "C_Login";
		rv = f->C_Login (session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen (pin));
		if (rv != CKR_OK)
			goto out;
	}
	cert = find_first (CKO_CERTIFICATE);
	key = find_first (CKO_PRIVATE_KEY);
out:
	if (rv != CKR_OK)
		fprintf (stderr, "hkp11-remote-client: %s: %s\n", what, rv_name (rv));
	return rv;
}

static CK_RV
sign_once (void)
{
	static const CK_BYTE data[32] = "hkpost-p11 remote signing test";
	CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE sig[1024];
	CK_ULONG sig_len = sizeof sig;
	CK_RV rv;

	rv = f->C_SignInit (session, &mech, key);
	if (rv != CKR_OK)
		return rv;
	return f->C_Sign (session, (CK_BYTE_PTR)data, sizeof data, sig, &sig_len);
}

static CK_RV
label_once (void)
{
	char label[512];
	CK_ATTRIBUTE attr = { CKA_LABEL, label, sizeof label };
	return f->C_GetAttributeValue (session, cert, &attr, 1);
}

static CK_RV
session_info_once (void)
{
	CK_SESSION_INFO info;
	return f->C_GetSessionInfo (session, &info);
}

static int
run_session (void)
{
	char line[64];

	printf ("ready\n");
	fflush (stdout);
	while (fgets (line, sizeof line, stdin) != NULL) {
		line[strcspn (line, "\r\n")] = '\0';
		if (strcmp (line, "info") == 0) {
			printf ("info %s\n", rv_name (session_info_once ()));
		} else if (strcmp (line, "sign") == 0) {
			printf ("sign %s\n",
				rv_name (key == CK_INVALID_HANDLE ? CKR_KEY_HANDLE_INVALID
								  : sign_once ()));
		} else if (strcmp (line, "reinit") == 0) {
			f->C_Finalize (NULL);
			printf ("reinit %s\n", rv_name (start ()));
		} else if (strcmp (line, "quit") == 0) {
			printf ("quit %s\n", rv_name (f->C_Finalize (NULL)));
			fflush (stdout);
			return 0;
		} else {
			printf ("unknown %s\n", line);
		}
		fflush (stdout);
	}
	return 0;
}

static int
compare_u64 (const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

#define ROUNDS 9

/* Median over rounds of the cost of one call, in ns. */
static uint64_t
measure (const char *what, CK_RV (*op) (void), unsigned ms)
{
	uint64_t per_call[ROUNDS];
	unsigned long iterations = 1;
	uint64_t target = (uint64_t)ms * 1000000u;
	CK_RV rv;

	/* Calibrate: double the count until one round lasts a tenth of the target. */
	for (;;) {
		uint64_t t0 = now_ns ();
		for (unsigned long i = 0; i < iterations; i++) {
			rv = op ();
			if (rv != CKR_OK)
				die (what, rv);
		}
		uint64_t t = now_ns () - t0;
		if (t >= target / 10 || iterations >= (1ul << 30)) {
			iterations = (unsigned long)((double)iterations * (double)target /
						     (double)(t ? t : 1));
			if (iterations == 0)
				iterations = 1;
			break;
		}
		iterations *= 2;
	}
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns ();
		for (unsigned long i = 0; i < iterations; i++) {
			rv = op ();
			if (rv != CKR_OK)
				die (what, rv);
		}
		per_call[r] = (now_ns () - t0) / iterations;
	}
	qsort (per_call, ROUNDS, sizeof per_call[0], compare_u64);
	return per_call[ROUNDS / 2];
}

static int
run_bench (unsigned ms)
{
	if (cert == CK_INVALID_HANDLE || key == CK_INVALID_HANDLE) {
		fprintf (stderr,
			 "hkp11-remote-client: the token needs a certificate and a private key\n");
		return 1;
	}
	printf ("label %llu\n", (unsigned long long)measure ("label", label_once, ms));
	printf ("session-info %llu\n",
		(unsigned long long)measure ("C_GetSessionInfo", session_info_once, ms));
	printf ("sign %llu\n", (unsigned long long)measure ("sign", sign_once, ms));
	f->C_Finalize (NULL);
	return 0;
}

int
main (int argc, char **argv)
{
	if (argc < 3 || (strcmp (argv[2], "session") != 0 && strcmp (argv[2], "bench") != 0)) {
		fprintf (stderr,
			 "usage: hkp11-remote-client MODULE session|bench [MILLISECONDS]\n");
		return 2;
	}
	load_module (argv[1]);
	if (start () != CKR_OK)
		return 1;
	if (strcmp (argv[2], "session") == 0)
		return run_session ();
	return run_bench (argc > 3 ? (unsigned)strtoul (argv[3], NULL, 10) : 40);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkp11-p11-script: drives one PKCS#11 module through a script read from
 * standard input, in one process, and prints what every call returned.
 *
 *   hkp11-p11-script MODULE <SCRIPT
 *
 * A process that loads OpenSC spends seconds reading a CAC card, so the
 * smart-card tests run each scenario as one script: the same script over
 * opensc-pkcs11.so and over hkpost-p11, and compare the transcripts.  The
 * reader is the module's first slot (with or without a card).  PINs are
 * never printed.  Lines that begin with "time " give durations and differ
 * between runs.
 *
 * Commands, one per line ('#' starts a comment):
 *   token                      label, serial and PIN flags of the card
 *   open / close / close-all   a R/W session on the reader's slot
 *   login PIN / logout         as the user
 *   session                    C_GetSessionInfo of the open session
 *   certs / keys               the CKA_LABEL of each certificate / private key
 *   sign IN OUT                SHA256-RSA-PKCS with the first private key
 *   setpin OLD NEW             C_SetPIN
 *   wait-event block|poll present|absent
 *                              C_WaitForSlotEvent, blocking or CKF_DONT_BLOCK
 *                              (polled every 100 ms), until an event for the
 *                              reader finds its card so (30 s at most)
 *   wait-token present|absent  until C_GetSlotList(CK_TRUE) says so (30 s)
 *   run COMMAND...             a shell command (pulls the card, for one)
 *   mark NAME                  "time NAME: SECONDS" since the last mark
 *   finalize
 */
#include "config.h"
#include "p11/p11.h"
#include "p11/constants.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static CK_FUNCTION_LIST_PTR f;
static CK_SLOT_ID reader;
static CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
static double last_mark;

static double
now (void)
{
	struct timespec ts;

	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
result (const char *what, CK_RV rv)
{
	printf ("%s: %s\n", what, hkp11_rv_name (rv));
}

static void
trimmed (char *out, const CK_UTF8CHAR *in, size_t len)
{
	memcpy (out, in, len);
	while (len > 0 && out[len - 1] == ' ')
		len--;
	out[len] = '\0';
}

static void
token (void)
{
	CK_TOKEN_INFO ti;
	char label[33], serial[17];
	CK_RV rv = f->C_GetTokenInfo (reader, &ti);

	if (rv != CKR_OK) {
		result ("token", rv);
		return;
	}
	trimmed (label, ti.label, sizeof ti.label);
	trimmed (serial, ti.serialNumber, sizeof ti.serialNumber);
	printf ("token: label=\"%s\" serial=%s flags=%s%s%s%s\n", label, serial,
		ti.flags & CKF_USER_PIN_COUNT_LOW ? "count-low," : "",
		ti.flags & CKF_USER_PIN_FINAL_TRY ? "final-try," : "",
		ti.flags & CKF_USER_PIN_LOCKED ? "locked," : "",
		ti.flags & CKF_USER_PIN_TO_BE_CHANGED ? "to-be-changed," : "");
}

static void
labels (const char *what, CK_OBJECT_CLASS klass)
{
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &klass, sizeof klass };
	CK_OBJECT_HANDLE objs[16];
	CK_ULONG n = 0;
	CK_RV rv = f->C_FindObjectsInit (session, &tmpl, 1);

	if (rv == CKR_OK)
		rv = f->C_FindObjects (session, objs, 16, &n);
	if (rv == CKR_OK)
		rv = f->C_FindObjectsFinal (session);
	else
		f->C_FindObjectsFinal (session);
	if (rv != CKR_OK) {
		result (what, rv);
		return;
	}
	printf ("%s: %lu\n", what, (unsigned long)n);
	for (CK_ULONG i = 0; i < n; i++) {
		char label[256] = "";
		CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof label - 1 };
		rv = f->C_GetAttributeValue (session, objs[i], &a, 1);
		if (rv != CKR_OK)
			printf ("%s label: %s\n", what, hkp11_rv_name (rv));
		else
			printf ("%s label: %.*s\n", what, (int)a.ulValueLen, label);
	}
}

static bool
read_file (const char *path, unsigned char *buf, size_t size, size_t *len)
{
	FILE *fp = fopen (path, "rb");

	if (fp == NULL)
		return false;
	*len = fread (buf, 1, size, fp);
	fclose (fp);
	return true;
}

static void
sign (const char *in, const char *out)
{
	CK_OBJECT_CLASS klass = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &klass, sizeof klass };
	CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_OBJECT_HANDLE key;
	CK_ULONG n = 0, sig_len;
	unsigned char data[4096], sig[1024];
	size_t data_len;
	CK_RV rv;
	FILE *fp;

	if (!read_file (in, data, sizeof data, &data_len)) {
		printf ("sign: cannot read %s\n", in);
		return;
	}
	rv = f->C_FindObjectsInit (session, &tmpl, 1);
	if (rv == CKR_OK) {
		rv = f->C_FindObjects (session, &key, 1, &n);
		f->C_FindObjectsFinal (session);
	}
	if (rv == CKR_OK && n == 0) {
		printf ("sign: no private key\n");
		return;
	}
	if (rv == CKR_OK)
		rv = f->C_SignInit (session, &mech, key);
	sig_len = sizeof sig;
	if (rv == CKR_OK)
		rv = f->C_Sign (session, data, data_len, sig, &sig_len);
	result ("sign", rv);
	if (rv != CKR_OK)
		return;
	fp = fopen (out, "wb");
	if (fp == NULL || fwrite (sig, 1, sig_len, fp) != sig_len || fclose (fp) != 0)
		printf ("sign: cannot write %s\n", out);
}

static bool reader_has_token (void);

/* Waits for events until one says the reader's card is in (or out): an
 * event from before (the card's insertion at start-up) comes first. */
static void
wait_event (const char *how, const char *state)
{
	bool block = strcmp (how, "block") == 0;
	bool want = strcmp (state, "present") == 0;
	double t0 = now ();
	CK_SLOT_ID slot = 0;
	CK_RV rv;

	for (;;) {
		rv = f->C_WaitForSlotEvent (block ? 0 : CKF_DONT_BLOCK, &slot, NULL);
		if (rv == CKR_NO_EVENT) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };
			nanosleep (&ts, NULL);
		} else if (rv != CKR_OK || (slot == reader && reader_has_token () == want)) {
			break;
		}
		if (now () - t0 > 30) {
			printf ("wait-event %s %s: timed out\n", how, state);
			return;
		}
	}
	printf ("wait-event %s %s: %s%s\n", how, state, hkp11_rv_name (rv),
		rv == CKR_OK ? " (the reader)" : "");
	printf ("time wait-event %s: %.2f\n", how, now () - t0);
}

static bool
reader_has_token (void)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;

	if (f->C_GetSlotList (CK_TRUE, slots, &n) != CKR_OK)
		return false;
	for (CK_ULONG i = 0; i < n; i++)
		if (slots[i] == reader)
			return true;
	return false;
}

static void
wait_token (const char *state)
{
	bool want = strcmp (state, "present") == 0;
	double t0 = now ();

	while (reader_has_token () != want && now () - t0 < 30) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep (&ts, NULL);
	}
	printf ("wait-token %s: %s\n", state, reader_has_token () == want ? "yes" : "timed out");
	printf ("time wait-token %s: %.2f\n", state, now () - t0);
}

static void
session_info (void)
{
	CK_SESSION_INFO si;
	CK_RV rv = f->C_GetSessionInfo (session, &si);

	if (rv != CKR_OK)
		result ("session", rv);
	else
		printf ("session: CKR_OK state=%lu\n", (unsigned long)si.state);
}

static void
execute (char *line)
{
	char *cmd = strtok (line, " \t\n");
	char *a1 = strtok (NULL, " \t\n");
	char *a2 = strtok (NULL, " \t\n");

	if (cmd == NULL || cmd[0] == '#')
		return;
	if (strcmp (cmd, "token") == 0) {
		token ();
	} else if (strcmp (cmd, "open") == 0) {
		result ("open", f->C_OpenSession (reader, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
						  NULL, &session));
	} else if (strcmp (cmd, "close") == 0) {
		result ("close", f->C_CloseSession (session));
	} else if (strcmp (cmd, "close-all") == 0) {
		result ("close-all", f->C_CloseAllSessions (reader));
	} else if (strcmp (cmd, "login") == 0 && a1) {
		result ("login", f->C_Login (session, CKU_USER, (CK_UTF8CHAR_PTR)a1, strlen (a1)));
	} else if (strcmp (cmd, "logout") == 0) {
		result ("logout", f->C_Logout (session));
	} else if (strcmp (cmd, "session") == 0) {
		session_info ();
	} else if (strcmp (cmd, "certs") == 0) {
		labels ("certs", CKO_CERTIFICATE);
	} else if (strcmp (cmd, "keys") == 0) {
		labels ("keys", CKO_PRIVATE_KEY);
	} else if (strcmp (cmd, "sign") == 0 && a1 && a2) {
		sign (a1, a2);
	} else if (strcmp (cmd, "setpin") == 0 && a1 && a2) {
		result ("setpin", f->C_SetPIN (session, (CK_UTF8CHAR_PTR)a1, strlen (a1),
					       (CK_UTF8CHAR_PTR)a2, strlen (a2)));
	} else if (strcmp (cmd, "wait-event") == 0 && a1 && a2) {
		wait_event (a1, a2);
	} else if (strcmp (cmd, "wait-token") == 0 && a1) {
		wait_token (a1);
	} else if (strcmp (cmd, "run") == 0 && a1) {
		/* strtok cut the line: put the command back together. */
		char command[1024];
		snprintf (command, sizeof command, "%s%s%s", a1, a2 ? " " : "", a2 ? a2 : "");
		for (char *w; (w = strtok (NULL, "\n")) != NULL;)
			snprintf (command + strlen (command), sizeof command - strlen (command),
				  " %s", w);
		fflush (stdout);
		int status = system (command);
		printf ("run: exit %d\n", WIFEXITED (status) ? WEXITSTATUS (status) : -1);
	} else if (strcmp (cmd, "mark") == 0 && a1) {
		printf ("time %s: %.2f\n", a1, now () - last_mark);
		last_mark = now ();
	} else if (strcmp (cmd, "finalize") == 0) {
		result ("finalize", f->C_Finalize (NULL));
	} else {
		printf ("error: bad command '%s'\n", cmd);
		exit (2);
	}
	fflush (stdout);
}

int
main (int argc, char **argv)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_RV (*get_list) (CK_FUNCTION_LIST_PTR_PTR);
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	char line[1024];
	void *h;
	CK_RV rv;

	if (argc != 2) {
		fprintf (stderr, "usage: hkp11-p11-script MODULE <SCRIPT\n");
		return 2;
	}
	last_mark = now ();
	h = dlopen (argv[1], RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf (stderr, "hkp11-p11-script: %s\n", dlerror ());
		return 1;
	}
	*(void **)&get_list = dlsym (h, "C_GetFunctionList");
	if (get_list == NULL || get_list (&f) != CKR_OK) {
		fprintf (stderr, "hkp11-p11-script: no C_GetFunctionList in %s\n", argv[1]);
		return 1;
	}
	rv = f->C_Initialize (&args);
	result ("initialize", rv);
	if (rv != CKR_OK)
		return 1;
	rv = f->C_GetSlotList (CK_FALSE, slots, &n);
	if (rv != CKR_OK || n == 0) {
		printf ("slots: %s, %lu\n", hkp11_rv_name (rv), (unsigned long)n);
		return 1;
	}
	reader = slots[0];
	printf ("time initialize: %.2f\n", now () - last_mark);
	last_mark = now ();
	fflush (stdout);
	while (fgets (line, sizeof line, stdin) != NULL)
		execute (line);
	return 0;
}

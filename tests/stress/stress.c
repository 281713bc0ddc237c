/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "stress.h"
#include "audit/verify.h"
#include "fixtures.h"

#include <check.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const unsigned char stress_key_id[4] = { 0xe5, 0xce, 0x27, 0x01 };

double
stress_scale (void)
{
	const char *v = getenv ("HKP11_STRESS_SCALE");
	double s = v != NULL && v[0] != '\0' ? strtod (v, NULL) : 1.0;
	return s > 0 ? s : 1.0;
}

unsigned long
stress_n (unsigned long n)
{
	double scaled = (double)n * stress_scale ();
	return scaled < 1 ? 1 : (unsigned long)scaled;
}

static void
layers_text (char *text, size_t len, const char *dir, const char *state_dir, const char *extra)
{
	snprintf (text, len, "%sstate-dir: %s\naudit-file: %s/audit.log\n%s", STRESS_LAYERS_ON,
		  state_dir, dir, extra ? extra : "");
}

void
stress_layers_on (const char *dir, const char *state_dir, const char *extra)
{
	char text[3 * PATH_MAX];
	layers_text (text, sizeof text, dir, state_dir, extra);
	fx_conf (text);
}

void
stress_write_conf (const char *path, const char *dir, const char *state_dir, const char *extra)
{
	char text[3 * PATH_MAX];
	layers_text (text, sizeof text, dir, state_dir, extra);
	FILE *f = fopen (path, "w");
	ck_assert_ptr_nonnull (f);
	fputs (text, f);
	ck_assert_int_eq (fclose (f), 0);
}

char *
stress_memory_dir (const char *prefix)
{
	char *dir = malloc (PATH_MAX);
	ck_assert_ptr_nonnull (dir);
	snprintf (dir, PATH_MAX, "/dev/shm/hkp11-%s-XXXXXX", prefix);
	if (access ("/dev/shm", W_OK) == 0 && mkdtemp (dir) != NULL)
		return dir;
	free (dir);
	return p11t_tmpdir (prefix);
}

/* Calls fn for every regular *.state file of dir; returns how many. */
static int
each_state_file (const char *dir, bool (*fn) (const char *path, const char *text, void *ctx),
		 void *ctx)
{
	DIR *d = opendir (dir);
	struct dirent *e;
	int n = 0;
	if (d == NULL)
		return 0;
	while ((e = readdir (d)) != NULL) {
		size_t len = strlen (e->d_name);
		char path[PATH_MAX], text[8192];
		if (len < 6 || strcmp (e->d_name + len - 6, ".state") != 0)
			continue;
		snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen (path, "r");
		if (f == NULL)
			continue;
		size_t got = fread (text, 1, sizeof text - 1, f);
		fclose (f);
		text[got] = '\0';
		n++;
		if (!fn (path, text, ctx))
			break;
	}
	closedir (d);
	return n;
}

static bool
add_failures (const char *path, const char *text, void *ctx)
{
	const char *p = strstr (text, "\nfailures: ");
	if (p != NULL)
		*(unsigned long *)ctx += strtoul (p + 11, NULL, 10);
	return true;
}

unsigned long
stress_state_failures (const char *state_dir)
{
	unsigned long n = 0;
	each_state_file (state_dir, add_failures, &n);
	return n;
}

typedef struct {
	char *why;
	size_t len;
	bool ok;
} readable_ctx;

static bool
check_whole (const char *path, const char *text, void *ctx)
{
	readable_ctx *c = ctx;
	size_t len = strlen (text);
	/* As common/lockout/store.c writes it: version first, "end" last. */
	if (strstr (text, "\nversion: 1\n") == NULL || strstr (text, "\nfailures: ") == NULL ||
	    len < 4 || strcmp (text + len - 4, "end\n") != 0) {
		snprintf (c->why, c->len, "%s is not a whole record: '%.200s'", path, text);
		c->ok = false;
		return false;
	}
	return true;
}

bool
stress_state_readable (const char *state_dir, char *why, size_t why_len)
{
	readable_ctx c = { why, why_len, true };
	why[0] = '\0';
	each_state_file (state_dir, check_whole, &c);
	return c.ok;
}

bool
stress_audit_intact (const char *path, size_t *records, char *why, size_t why_len)
{
	/* Not strict: under CK_FORK=no (make memcheck) a process's chain may
	 * have begun in another file; gaps, edits and reordering still count. */
	hkp11_audit_verify_options opts = { .strict = false, .out = NULL };
	hkp11_audit_verify_result r;
	bool ok = hkp11_audit_verify_files (&path, 1, &opts, &r);
	*records = r.records;
	snprintf (why, why_len,
		  "%zu records, %zu broken lines, %zu missing, %zu reordered, %zu duplicated, "
		  "%zu edited, %zu partial chains, %zu unreadable files",
		  r.records, r.broken, r.missing, r.reordered, r.duplicated, r.edited, r.partial,
		  r.unreadable);
	return ok;
}

CK_RV
stress_put_ecert (CK_FUNCTION_LIST_3_0_PTR f, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE *key,
		  CK_OBJECT_HANDLE *cert)
{
	size_t der_len;
	unsigned char *der = fx_read ("personal", ".der", &der_len);
	CK_OBJECT_CLASS cert_class = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE cert_tmpl[] = {
		{ CKA_CLASS, &cert_class, sizeof cert_class },
		{ CKA_CERTIFICATE_TYPE, &x509, sizeof x509 },
		{ CKA_TOKEN, &yes, 1 },
		{ CKA_VALUE, der, der_len },
		{ CKA_ID, (void *)stress_key_id, sizeof stress_key_id },
		{ CKA_LABEL, "cont-7f3a", 9 },
	};
	CK_ATTRIBUTE pub[] = { { CKA_TOKEN, &yes, 1 },
			       { CKA_ID, (void *)stress_key_id, sizeof stress_key_id } };
	CK_ATTRIBUTE priv[] = { { CKA_TOKEN, &yes, 1 },
				{ CKA_ID, (void *)stress_key_id, sizeof stress_key_id },
				{ CKA_LABEL, "cont-7f3a", 9 } };
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pub_h;

	CK_RV rv = f->C_CreateObject (session, cert_tmpl, 6, cert);
	if (rv == CKR_OK)
		rv = f->C_GenerateKeyPair (session, &gen, pub, 2, priv, 3, &pub_h, key);
	free (der);
	return rv;
}

int
stress_in_child (int (*fn) (void *arg), void *arg, unsigned int timeout)
{
	int status;
	fflush (stdout);
	fflush (stderr);
	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		alarm (timeout);
		_exit (fn (arg));
	}
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	if (WIFSIGNALED (status))
		return 1000 + WTERMSIG (status);
	return WEXITSTATUS (status);
}

const char *
stress_status_text (int status)
{
	static char text[128];
	if (status >= 1000)
		snprintf (text, sizeof text, "killed by signal %d (%s)", status - 1000,
			  strsignal (status - 1000));
	else
		snprintf (text, sizeof text, "exit %d", status);
	return text;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shim tells its backend from itself by the loaded object, not by
 * addresses of exported symbols, which interposition changes: a host that
 * opens SoftHSM with RTLD_GLOBAL before the shim (as LD_PRELOAD does) gets
 * a working shim over SoftHSM, and a backend that is the shim itself, or a
 * copy of it, is still refused whatever was loaded first.
 */
#include "config.h"
#include "p11-test.h"

#include <check.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dir;
static char err_path[4200];
static int saved_stderr = -1;

static void
setup (void)
{
	dir = p11t_softhsm_setup ();
	snprintf (err_path, sizeof err_path, "%s/stderr.txt", dir);
}

static void
teardown (void)
{
	p11t_rmtree (dir);
	free (dir);
}

static void
stderr_begin (void)
{
	fflush (stderr);
	saved_stderr = dup (STDERR_FILENO);
	int fd = open (err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge (fd, 0);
	dup2 (fd, STDERR_FILENO);
	close (fd);
}

/* What was written since stderr_begin; caller frees. */
static char *
stderr_end (void)
{
	fflush (stderr);
	dup2 (saved_stderr, STDERR_FILENO);
	close (saved_stderr);
	FILE *f = fopen (err_path, "r");
	ck_assert_ptr_nonnull (f);
	char *text = calloc (1, 8192);
	ck_assert_ptr_nonnull (text);
	size_t n = fread (text, 1, 8191, f);
	text[n] = '\0';
	fclose (f);
	return text;
}

/* The shim, loaded as the host loads it after whatever it loaded first;
 * its C_Initialize answers want, and its message holds words (NULL: no
 * message expected). */
static void
initialize_expect (CK_RV want, const char *words)
{
	p11t_module shim;
	p11t_load (&shim, p11t_shim_path ());
	stderr_begin ();
	CK_RV rv = shim.f->C_Initialize (NULL);
	char *err = stderr_end ();
	ck_assert_msg (rv == want, "C_Initialize: %s, expected %s; stderr: %s", p11t_rv_name (rv),
		       p11t_rv_name (want), err);
	if (words != NULL)
		ck_assert_msg (strstr (err, words) != NULL, "stderr: %s", err);
	else
		ck_assert_msg (err[0] == '\0', "stderr: %s", err);
	free (err);
	if (rv != CKR_OK)
		return;
	/* SoftHSM answers through the shim: its slots, under its name (the
	 * module's own C_GetInfo names hkpost-p11, a slot its maker). */
	CK_ULONG n = 0;
	CK_SLOT_ID slots[16];
	CK_SLOT_INFO info;
	p11t_assert_rv (shim.f->C_GetSlotList (CK_FALSE, NULL, &n), CKR_OK);
	ck_assert_uint_ge (n, 1);
	ck_assert_uint_le (n, 16);
	p11t_assert_rv (shim.f->C_GetSlotList (CK_FALSE, slots, &n), CKR_OK);
	p11t_assert_rv (shim.f->C_GetSlotInfo (slots[0], &info), CKR_OK);
	ck_assert_msg (memcmp (info.manufacturerID, "SoftHSM", 7) == 0, "manufacturer %.32s",
		       info.manufacturerID);
	p11t_assert_rv (shim.f->C_Finalize (NULL), CKR_OK);
}

/* A host that opens SoftHSM globally first, as LD_PRELOAD does: SoftHSM's
 * C_GetFunctionList then interposes the shim's own. */
START_TEST (test_softhsm_global_first)
{
	void *softhsm = dlopen (p11t_softhsm_path (), RTLD_NOW | RTLD_GLOBAL);
	ck_assert_msg (softhsm != NULL, "dlopen %s: %s", p11t_softhsm_path (), dlerror ());
	initialize_expect (CKR_OK, NULL);
}
END_TEST

/* The shim as its own backend, with the shim global (its entry point is
 * then everyone's) or SoftHSM global (SoftHSM's is): refused either way. */
START_TEST (test_self_refused_whatever_is_global)
{
	const char *global = _i == 0 ? p11t_shim_path () : p11t_softhsm_path ();
	ck_assert_ptr_nonnull (dlopen (global, RTLD_NOW | RTLD_GLOBAL));
	setenv ("HKPOST_P11_BACKEND", p11t_shim_path (), 1);
	initialize_expect (CKR_GENERAL_ERROR, "is hkpost-p11 itself");
}
END_TEST

/* A copy of the shim is another file: refused as a copy, also when only
 * the first shim's settings name it (in pReserved) and the copy, reading
 * the file, would have forwarded to SoftHSM: two shims, two counts. */
START_TEST (test_copy_refused)
{
	char copy[4200], cmd[8600], conf[4200], settings[4300];
	snprintf (copy, sizeof copy, "%s/libeTPkcs11.so", dir);
	snprintf (cmd, sizeof cmd, "cp '%s' '%s'", p11t_shim_path (), copy);
	ck_assert_int_eq (system (cmd), 0);

	setenv ("HKPOST_P11_BACKEND", copy, 1);
	initialize_expect (CKR_GENERAL_ERROR, "is a copy of hkpost-p11");

	unsetenv ("HKPOST_P11_BACKEND");
	snprintf (conf, sizeof conf, "%s/backend.conf", dir);
	FILE *f = fopen (conf, "w");
	ck_assert_ptr_nonnull (f);
	fprintf (f, "backend: %s\n", p11t_softhsm_path ());
	fclose (f);
	setenv ("HKPOST_P11_CONF", conf, 1);
	snprintf (settings, sizeof settings, "backend: %s", copy);
	p11t_module shim;
	p11t_load (&shim, p11t_shim_path ());
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK, .pReserved = settings };
	stderr_begin ();
	CK_RV rv = shim.f->C_Initialize (&args);
	char *err = stderr_end ();
	ck_assert_msg (rv == CKR_GENERAL_ERROR && strstr (err, "is a copy of hkpost-p11") != NULL,
		       "C_Initialize: %s; stderr: %s", p11t_rv_name (rv), err);
	free (err);
}
END_TEST

int
main (void)
{
	if (access (p11t_softhsm_path (), F_OK) != 0) {
		printf ("SKIP: SoftHSMv2 is not installed (package softhsm2)\n");
		return 77;
	}
	Suite *s = suite_create ("backend-self");
	TCase *tc = tcase_create ("self");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, test_softhsm_global_first);
	tcase_add_loop_test (tc, test_self_refused_whatever_is_global, 0, 2);
	tcase_add_test (tc, test_copy_refused);
	suite_add_tcase (s, tc);
	SRunner *runner = srunner_create (s);
	/* Each test needs a process of its own: what one opens globally stays. */
	srunner_set_fork_status (runner, CK_FORK);
	srunner_run_all (runner, CK_NORMAL);
	int failed = srunner_ntests_failed (runner);
	srunner_free (runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

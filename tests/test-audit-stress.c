/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Many writers, one file: 8 processes of 4 threads each make 1,000 calls
 * through the shim at the calls level, every tenth a security record that
 * is written at once, the rest buffered.  Every line must come out whole,
 * and every process's chain must verify.
 */
#include "config.h"
#include "audit/verify.h"
#include "p11-test.h"

#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROCESSES 8
#define THREADS 4
#define CALLS 1000

static CK_FUNCTION_LIST_PTR f;

static void *
worker (void *arg)
{
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	CK_INFO info;
	long failures = 0;
	for (int i = 0; i < CALLS; i++) {
		if (i % 10 == 0) {
			/* No such session: a security record all the same. */
			if (f->C_SignInit (0x7fff0000 + i, &mech, 1) == CKR_OK)
				failures++;
		} else if (f->C_GetInfo (&info) != CKR_OK) {
			failures++;
		}
	}
	return (void *)failures;
}

/* One process: its own C_Initialize, four threads, C_Finalize. */
static int
child (const char *settings)
{
	p11t_module m;
	p11t_load (&m, p11t_shim_path ());
	f = m.f;
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK, .pReserved = (void *)settings };
	if (f->C_Initialize (&args) != CKR_OK)
		return 2;
	pthread_t threads[THREADS];
	for (int t = 0; t < THREADS; t++)
		pthread_create (&threads[t], NULL, worker, NULL);
	long failures = 0;
	for (int t = 0; t < THREADS; t++) {
		void *r;
		pthread_join (threads[t], &r);
		failures += (long)r;
	}
	if (f->C_Finalize (NULL) != CKR_OK)
		return 3;
	return failures ? 4 : 0;
}

START_TEST (test_processes_and_threads_share_a_file)
{
	char *dir = p11t_softhsm_setup ();
	char log_path[PATH_MAX], settings[PATH_MAX + 100];
	snprintf (log_path, sizeof log_path, "%s/shared.log", dir);
	snprintf (settings, sizeof settings, "audit: calls; audit-format: %s; audit-file: %s",
		  _i ? "json" : "text", log_path);

	pid_t pids[PROCESSES];
	for (int p = 0; p < PROCESSES; p++) {
		pids[p] = fork ();
		ck_assert_int_ge (pids[p], 0);
		if (pids[p] == 0)
			_exit (child (settings));
	}
	for (int p = 0; p < PROCESSES; p++) {
		int status;
		ck_assert_int_eq (waitpid (pids[p], &status, 0), pids[p]);
		ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
			       "process %d failed (status 0x%x)", p, status);
	}

	/* Each process: C_Initialize, its calls, C_Finalize. */
	hkp11_audit_verify_options opts = { .strict = true, .out = stdout };
	hkp11_audit_verify_result res;
	const char *paths[] = { log_path };
	ck_assert (hkp11_audit_verify_files (paths, 1, &opts, &res));
	ck_assert_uint_eq (res.lines, PROCESSES * (THREADS * CALLS + 2));
	ck_assert_uint_eq (res.records, PROCESSES * (THREADS * CALLS + 2));
	ck_assert_uint_eq (res.chains, PROCESSES);
	ck_assert_uint_eq (res.broken, 0);

	p11t_rmtree (dir);
	free (dir);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("audit-stress");
	TCase *tc = tcase_create ("shared file");
	tcase_set_timeout (tc, 120);
	tcase_add_loop_test (tc, test_processes_and_threads_share_a_file, 0, 2);
	suite_add_tcase (s, tc);
	return p11t_run_suite (s);
}

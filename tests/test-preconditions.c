/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A broken precondition of hkpost-p11's own functions (common/base/debug.h)
 * is said on stderr and answered with the function's failure value; a
 * build configured with --enable-debug aborts instead.  Each call runs in
 * a child of its own, so that both builds can be checked.
 */
#include "config.h"
#include "base/text.h"
#include "lockout/rules.h"
#include "p11-test.h"
#include "policy/pin-policy.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef long (*broken_call) (void);

/* Runs call in a child with stderr in a file; its exit status is the
 * value call returned (0 or 1 here), or it died of a signal. */
static void
expect_refused (broken_call call, long want, const char *function, const char *expr)
{
	char *dir = p11t_tmpdir ("precondition");
	char path[4096];
	snprintf (path, sizeof path, "%s/stderr", dir);
	fflush (NULL);
	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		p11t_capture_stderr (path);
		_exit (call () == want ? 0 : 1);
	}
	int status;
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
#ifdef HKP11_DEBUG
	ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGABRT,
		       "%s did not abort in a debug build", function);
#else
	ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
		       "%s did not return its failure value", function);
#endif
	char said[1024] = "";
	FILE *f = fopen (path, "r");
	ck_assert_ptr_nonnull (f);
	size_t n = fread (said, 1, sizeof said - 1, f);
	said[n] = '\0';
	fclose (f);
	char want_text[512];
	snprintf (want_text, sizeof want_text, "internal error: '%s' is not true in %s", expr,
		  function);
	ck_assert_msg (strstr (said, want_text) != NULL, "stderr: %s", said);
	p11t_rmtree (dir);
	free (dir);
}

static long
sanitise_into_nothing (void)
{
	return (long)hkp11_text_sanitise ("abc", 3, NULL, 16, &hkp11_sanitise_label);
}

static long
tries_left_of_nothing (void)
{
	return hkp11_lockout_tries_left (NULL, NULL, 0, HKP11_LEFT_SHOWN);
}

static long
pin_check_without_rules (void)
{
	hkp11_pin_verdict verdict;
	return hkp11_pin_check (NULL, (const unsigned char *)"x", 1, NULL, 0, &verdict);
}

START_TEST (test_broken_preconditions)
{
	expect_refused (sanitise_into_nothing, 0, "hkp11_text_sanitise",
			"buf != NULL && rules != NULL");
	expect_refused (tries_left_of_nothing, 0, "hkp11_lockout_tries_left",
			"r != NULL && rule != NULL");
	expect_refused (pin_check_without_rules, 0, "hkp11_pin_check", "rules != NULL");
}
END_TEST

static Suite *
suite (void)
{
	Suite *s = suite_create ("preconditions");
	TCase *tc = tcase_create ("broken");
	tcase_add_test (tc, test_broken_preconditions);
	suite_add_tcase (s, tc);
	return s;
}

P11T_MAIN (suite)

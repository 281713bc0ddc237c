/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The monitor's pure parts (tools/monitor/): the expiry thresholds and
 * their memory, and following the audit log (history left out, lines cut
 * short, a log rotated or cut).  The whole monitor runs in tests/monitor/.
 */
#include "config.h"
#include "monitor.h"
#include "p11-test.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the tool's main file gives the rest of it. */
FILE *cli_err;
bool cli_verbose;

void
cli_warning (const char *fmt, ...)
{
	(void)fmt;
}

static char dir[4096];

static void
setup (void)
{
	snprintf (dir, sizeof dir, "%s/test-monitor.XXXXXX", P11T_BUILDDIR "/tests");
	ck_assert_ptr_nonnull (mkdtemp (dir));
}

static void
teardown (void)
{
	char cmd[4200];
	snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq (system (cmd), 0);
}

/* ---- expiry --------------------------------------------------------------- */

START_TEST (test_stages)
{
	static const struct {
		long days;
		int stage;
	} cases[] = {
		{ 400, 0 }, { 61, 0 }, { 60, 1 }, { 31, 1 }, { 30, 2 }, { 20, 2 },   { 8, 2 },
		{ 7, 3 },   { 2, 3 },  { 1, 4 },  { 0, 4 },  { -1, 5 }, { -400, 5 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg (mon_expiry_stage (cases[i].days) == cases[i].stage,
			       "%ld days: stage %d, expected %d", cases[i].days,
			       mon_expiry_stage (cases[i].days), cases[i].stage);
}
END_TEST

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

START_TEST (test_never_twice)
{
	char file[4200], why[4400];
	struct stat st;
	snprintf (file, sizeof file, "%s/state/hkpost-p11/monitor-expiry", dir);

	mon_expiry *e = mon_expiry_new (file);
	ck_assert (mon_expiry_news (e, HASH_A, 2, why, sizeof why)); /* 30 days */
	ck_assert_str_eq (why, "");
	ck_assert (!mon_expiry_news (e, HASH_A, 2, why, sizeof why));
	ck_assert (!mon_expiry_news (e, HASH_A, 1, why, sizeof why)); /* never back to 60 */
	ck_assert (!mon_expiry_news (e, HASH_A, 0, why, sizeof why));
	ck_assert (mon_expiry_news (e, HASH_B, 5, why, sizeof why)); /* another, expired */
	mon_expiry_free (e);

	/* Kept on disk, private, in a directory made private. */
	ck_assert_int_eq (stat (file, &st), 0);
	ck_assert_int_eq (st.st_mode & 0777, 0600);
	snprintf (file + strlen (file) - strlen ("/monitor-expiry"), 32, "%s", "");
	ck_assert_int_eq (stat (file, &st), 0);
	ck_assert_int_eq (st.st_mode & 0777, 0700);
	strcat (file, "/monitor-expiry");

	/* A new monitor remembers: the next threshold only. */
	e = mon_expiry_new (file);
	ck_assert (!mon_expiry_news (e, HASH_A, 2, why, sizeof why));
	ck_assert (!mon_expiry_news (e, HASH_B, 5, why, sizeof why));
	ck_assert (mon_expiry_news (e, HASH_A, 3, why, sizeof why));
	ck_assert (!mon_expiry_news (e, "not a hash", 3, why, sizeof why));
	mon_expiry_free (e);
}
END_TEST

START_TEST (test_unwritable_memory)
{
	char file[4200], why[4400];
	/* A path under a file: it cannot be made. */
	snprintf (file, sizeof file, "%s/plain", dir);
	FILE *f = fopen (file, "w");
	ck_assert_ptr_nonnull (f);
	fclose (f);
	strcat (file, "/hkpost-p11/monitor-expiry");

	mon_expiry *e = mon_expiry_new (file);
	ck_assert (mon_expiry_news (e, HASH_A, 2, why, sizeof why));
	ck_assert_msg (strstr (why, "remembered only until the monitor ends") != NULL, "%s", why);
	/* Remembered in memory, and said once. */
	ck_assert (!mon_expiry_news (e, HASH_A, 2, why, sizeof why));
	ck_assert (mon_expiry_news (e, HASH_A, 3, why, sizeof why));
	ck_assert_str_eq (why, "");
	mon_expiry_free (e);
}
END_TEST

/* ---- the audit log ----------------------------------------------------------- */

static char seen[16][64];
static size_t n_seen;

static void
record (const cli_record *r, void *data)
{
	(void)data;
	const char *seq = cli_record_field (r, SEQ);
	ck_assert_ptr_nonnull (seq);
	if (n_seen < 16)
		snprintf (seen[n_seen++], sizeof seen[0], "%s", seq);
}

static void
append (const char *path, const char *text)
{
	int fd = open (path, O_WRONLY | O_CREAT | O_APPEND, 0600);
	ck_assert_int_ge (fd, 0);
	ck_assert_int_eq (write (fd, text, strlen (text)), (ssize_t)strlen (text));
	close (fd);
}

#define REC(n) \
	"2026-01-01T00:00:00.000000Z seq=" #n \
	" chain=h/1/1 prev=00 pid=1 program=\"x\" kind=event event=lockout-guard token=\"S\" " \
	"result=CKR_PIN_LOCKED\n"

START_TEST (test_audit_feed)
{
	char path[4200], old[4300];
	mon_audit_feed feed;
	snprintf (path, sizeof path, "%s/audit.log", dir);

	append (path, REC (1) REC (2));
	mon_audit_feed_open (&feed, path, false);
	n_seen = 0;
	mon_audit_feed_read (&feed, record, NULL);
	ck_assert_uint_eq (n_seen, 0); /* history, not news */

	/* A record, and one still being written. */
	append (path, REC (3) "2026-01-01T00:00:00.000000Z seq=4 chain=h/1/1");
	mon_audit_feed_read (&feed, record, NULL);
	ck_assert_uint_eq (n_seen, 1);
	ck_assert_str_eq (seen[0], "3");
	append (path, " prev=00 kind=event event=C_Login result=CKR_OK\nnot a record\n");
	mon_audit_feed_read (&feed, record, NULL);
	ck_assert_uint_eq (n_seen, 2);
	ck_assert_str_eq (seen[1], "4");

	/* Rotated away: the new file from its start. */
	snprintf (old, sizeof old, "%s.1", path);
	ck_assert_int_eq (rename (path, old), 0);
	append (path, REC (5));
	mon_audit_feed_read (&feed, record, NULL);
	ck_assert_uint_eq (n_seen, 3);
	ck_assert_str_eq (seen[2], "5");

	/* Cut short (copytruncate), and shorter than what was read: from its
	 * start again. */
	ck_assert_int_eq (truncate (path, 0), 0);
	append (path, "2026-01-01T00:00:00.000000Z seq=6 event=C_Login\n");
	mon_audit_feed_read (&feed, record, NULL);
	ck_assert_uint_eq (n_seen, 4);
	ck_assert_str_eq (seen[3], "6");

	/* Gone: nothing, no harm. */
	ck_assert_int_eq (unlink (path), 0);
	mon_audit_feed_read (&feed, record, NULL);
	ck_assert_uint_eq (n_seen, 4);

	/* JSON Lines. */
	append (path, "{\"ts\":\"t\",\"seq\":7,\"event\":\"C_Login\",\"args\":{\"x\":1},\"result\":"
		      "\"CKR_PIN_INCORRECT\"}\n");
	mon_audit_feed_read (&feed, record, NULL);
	ck_assert_uint_eq (n_seen, 5);
	ck_assert_str_eq (seen[4], "7");
}
END_TEST

static Suite *
monitor_suite (void)
{
	Suite *s = suite_create ("monitor");
	TCase *tc = tcase_create ("monitor");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_add_test (tc, test_stages);
	tcase_add_test (tc, test_never_twice);
	tcase_add_test (tc, test_unwritable_memory);
	tcase_add_test (tc, test_audit_feed);
	suite_add_tcase (s, tc);
	return s;
}

int
main (void)
{
	cli_err = stderr;
	SRunner *sr = srunner_create (monitor_suite ());
	srunner_run_all (sr, CK_NORMAL);
	int failed = srunner_ntests_failed (sr);
	srunner_free (sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

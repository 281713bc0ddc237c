/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lockout state store: counts shared by processes, files replaced whole,
 * and no trust in a file that is corrupt or not ours.
 */
#include "config.h"
#include "lockout/store.h"
#include "p11-test.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEY "SafeNet_Inc-eToken-0123456789-0011223344556677"

static char *tmp;
static char dir[PATH_MAX];

static void
setup (void)
{
	tmp = p11t_tmpdir ("state");
	snprintf (dir, sizeof dir, "%s/state/hkpost-p11", tmp);
}

static void
teardown (void)
{
	p11t_rmtree (tmp);
	free (tmp);
}

static unsigned int
count (hkp11_lockout_store *store, hkp11_state_status expect)
{
	hkp11_lockout_record r;
	hkp11_state_note note;
	ck_assert (
		hkp11_lockout_store_update (store, KEY, "test token", HKP11_STATE_READ, &r, &note));
	ck_assert_msg (note.status == expect, "status %d, expected %d: %s", note.status, expect,
		       note.text);
	return r.failures;
}

static unsigned int
add_failure (hkp11_lockout_store *store, hkp11_state_status expect)
{
	hkp11_lockout_record r;
	hkp11_state_note note;
	ck_assert (
		hkp11_lockout_store_update (store, KEY, "test token", HKP11_STATE_FAIL, &r, &note));
	ck_assert_msg (note.status == expect, "status %d, expected %d: %s", note.status, expect,
		       note.text);
	return r.failures;
}

static char *
state_path (const char *suffix)
{
	static char path[PATH_MAX];
	snprintf (path, sizeof path, "%s/%s%s", dir, KEY, suffix);
	return path;
}

static void
write_file (const char *path, const char *text, size_t len)
{
	FILE *f = fopen (path, "wb");
	ck_assert_ptr_nonnull (f);
	ck_assert_uint_eq (fwrite (text, 1, len, f), len);
	fclose (f);
	chmod (path, 0600);
}

static char *
read_text (const char *path)
{
	static char buf[8192];
	FILE *f = fopen (path, "rb");
	ck_assert_msg (f != NULL, "%s: %s", path, strerror (errno));
	size_t n = fread (buf, 1, sizeof buf - 1, f);
	fclose (f);
	buf[n] = '\0';
	return buf;
}

START_TEST (test_count_and_reset)
{
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	struct stat st;
	hkp11_lockout_record r;

	ck_assert_str_eq (hkp11_lockout_store_dir (store), dir);
	/* Reading creates nothing. */
	ck_assert_uint_eq (count (store, HKP11_STATE_OK), 0);
	ck_assert_int_ne (stat (dir, &st), 0);

	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 2);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 3);
	ck_assert_uint_eq (count (store, HKP11_STATE_OK), 3);

	ck_assert_int_eq (stat (dir, &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0700);
	ck_assert_int_eq (stat (state_path (".state"), &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0600);
	ck_assert_msg (strstr (read_text (state_path (".state")), "\nfailures: 3\n") != NULL, "%s",
		       read_text (state_path (".state")));
	ck_assert_msg (strstr (read_text (state_path (".state")), "\ntoken: test token\n") != NULL,
		       "%s", read_text (state_path (".state")));
	ck_assert_int_ne (stat (state_path (".state.tmp"), &st), 0);

	/* A second store (another process) sees the same count. */
	hkp11_lockout_store *other = hkp11_lockout_store_new (dir);
	ck_assert_uint_eq (count (other, HKP11_STATE_OK), 3);
	ck_assert_uint_eq (add_failure (other, HKP11_STATE_OK), 4);
	ck_assert_uint_eq (count (store, HKP11_STATE_OK), 4);

	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_RESET, &r, NULL));
	ck_assert_uint_eq (r.failures, 0);
	ck_assert_uint_eq (count (other, HKP11_STATE_OK), 0);

	char path[PATH_MAX];
	ck_assert (hkp11_lockout_store_path (store, KEY, path, sizeof path));
	ck_assert_str_eq (path, state_path (".state"));

	/* Releasing the guard: one try allowed past the guard, used up by
	 * that try or by a wrong PIN; the count stands. */
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert (hkp11_lockout_store_update (other, KEY, NULL, HKP11_STATE_READ, &r, NULL));
	ck_assert_uint_eq (r.failures, 1);
	ck_assert_uint_eq (r.released, 1);
	/* A token that counts itself, at the guard: the release lets one
	 * try through, then the guard holds again. */
	hkp11_try_rule at_guard = { .token_left = 1, .attempts = 15, .left_cap = -1, .guard = 1 };
	hkp11_try_verdict verdict;
	ck_assert (hkp11_lockout_store_begin_try (other, KEY, NULL, &at_guard, &verdict, &r, NULL));
	ck_assert_int_eq (verdict, HKP11_TRY_RELEASED);
	ck_assert_uint_eq (r.released, 0);
	ck_assert (hkp11_lockout_store_end_try (other, KEY, NULL, &at_guard, HKP11_TRY_OTHER, &r,
						NULL));
	at_guard.ended_seen = r.ended;
	ck_assert (hkp11_lockout_store_begin_try (other, KEY, NULL, &at_guard, &verdict, &r, NULL));
	ck_assert_int_eq (verdict, HKP11_TRY_REFUSED);
	ck_assert_uint_eq (r.released, 0);
	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 2);
	ck_assert (hkp11_lockout_store_update (other, KEY, NULL, HKP11_STATE_READ, &r, NULL));
	ck_assert_uint_eq (r.released, 0);
	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert (hkp11_lockout_store_update (other, KEY, NULL, HKP11_STATE_RESET, &r, NULL));
	ck_assert_uint_eq (r.released, 0);
	ck_assert_msg (strstr (read_text (state_path (".state")), "\nreleased: 0\n") != NULL, "%s",
		       read_text (state_path (".state")));

	/* Deleting the file forgets the count. */
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	ck_assert_int_eq (unlink (state_path (".state")), 0);
	ck_assert_uint_eq (count (store, HKP11_STATE_OK), 0);

	hkp11_lockout_store_free (store);
	hkp11_lockout_store_free (other);
}
END_TEST

/* ---- tries decided and counted in one step ------------------------------- */

static hkp11_try_verdict
begin (hkp11_lockout_store *store, const hkp11_try_rule *rule, hkp11_lockout_record *r)
{
	hkp11_try_verdict verdict = (hkp11_try_verdict)-1;
	hkp11_state_note note;
	ck_assert (hkp11_lockout_store_begin_try (store, KEY, "t", rule, &verdict, r, &note));
	ck_assert_msg (note.status == HKP11_STATE_OK, "%s", note.text);
	return verdict;
}

static void
end (hkp11_lockout_store *store, const hkp11_try_rule *rule, hkp11_try_outcome outcome,
     hkp11_lockout_record *r)
{
	ck_assert (hkp11_lockout_store_end_try (store, KEY, "t", rule, outcome, r, NULL));
}

/* Where the shim counts: a try counts as spent from its start, is undone
 * when the token did not count it, and the guard is judged on the count
 * that includes every try still at the token. */
START_TEST (test_try_shim_counts)
{
	hkp11_try_rule rule = { .token_left = -1, .attempts = 3, .left_cap = -1, .guard = 1 };
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	hkp11_lockout_record r;

	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_GRANTED);
	ck_assert_uint_eq (r.failures, 1);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, time (NULL), HKP11_LEFT_GUARD), 2);
	/* The user is not told of a try still at the token. */
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, time (NULL), HKP11_LEFT_SHOWN), 3);
	/* Until it is stale: then it is taken for a process that died there,
	 * and shown as spent. */
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule,
						    time (NULL) + HKP11_PENDING_STALE_SECONDS + 2,
						    HKP11_LEFT_SHOWN),
			  2);
	/* A second try while the first is at the token: granted, and then
	 * the guard holds for a third. */
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_GRANTED);
	ck_assert_uint_eq (r.failures, 2);
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_REFUSED);
	ck_assert_uint_eq (r.failures, 2);
	/* The first was wrong, the second never counted (a closed session). */
	end (store, &rule, HKP11_TRY_WRONG, &r);
	ck_assert_uint_eq (r.failures, 2);
	end (store, &rule, HKP11_TRY_OTHER, &r);
	ck_assert_uint_eq (r.failures, 1);
	ck_assert_uint_eq (count (store, HKP11_STATE_OK), 1);
	/* A good PIN resets. */
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_GRANTED);
	end (store, &rule, HKP11_TRY_GOOD, &r);
	ck_assert_uint_eq (r.failures, 0);
	ck_assert_uint_eq (count (store, HKP11_STATE_OK), 0);

	/* At the guard, released: one try goes through, counted as the
	 * last one it is; the count does not start again. */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_GRANTED);
		end (store, &rule, HKP11_TRY_WRONG, &r);
	}
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_REFUSED);
	ck_assert (!hkp11_lockout_counted_out (&r, &rule));
	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert_int_eq (count (store, HKP11_STATE_OK), 2);
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_RELEASED);
	ck_assert_uint_eq (r.failures, 3);
	end (store, &rule, HKP11_TRY_WRONG, &r);
	ck_assert_uint_eq (r.failures, 3);
	ck_assert_uint_eq (r.released, 0);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, time (NULL), HKP11_LEFT_SHOWN), 0);
	ck_assert (hkp11_lockout_counted_out (&r, &rule));

	/* The count run out is a lock: held back whatever the guard says,
	 * until a release lets one try through again. */
	hkp11_try_rule no_guard = rule;
	no_guard.guard = 0;
	ck_assert (hkp11_lockout_try_held (&r, &no_guard, time (NULL)));
	ck_assert_int_eq (begin (store, &no_guard, &r), HKP11_TRY_REFUSED);
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_REFUSED);
	ck_assert_uint_eq (r.failures, 3);
	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert_int_eq (begin (store, &no_guard, &r), HKP11_TRY_RELEASED);
	/* A token that really locked answers CKR_PIN_LOCKED: not counted,
	 * and the release is spent. */
	end (store, &no_guard, HKP11_TRY_OTHER, &r);
	ck_assert_uint_eq (r.failures, 3);
	ck_assert_uint_eq (r.released, 0);
	ck_assert_int_eq (begin (store, &no_guard, &r), HKP11_TRY_REFUSED);
	/* Only a right PIN gives the tries back. */
	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert_int_eq (begin (store, &no_guard, &r), HKP11_TRY_RELEASED);
	end (store, &no_guard, HKP11_TRY_GOOD, &r);
	ck_assert_uint_eq (r.failures, 0);
	ck_assert (!hkp11_lockout_counted_out (&r, &no_guard));
	ck_assert_int_eq (begin (store, &no_guard, &r), HKP11_TRY_GRANTED);
	end (store, &no_guard, HKP11_TRY_GOOD, &r);

	/* Without a guard, tries go through down to the last; a try at the
	 * token with the last one is enough to hold back another. */
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq (begin (store, &no_guard, &r), HKP11_TRY_GRANTED);
		end (store, &no_guard, HKP11_TRY_WRONG, &r);
	}
	ck_assert_int_eq (begin (store, &no_guard, &r), HKP11_TRY_GRANTED);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &no_guard, time (NULL), HKP11_LEFT_SHOWN),
			  1);
	ck_assert_int_eq (begin (store, &no_guard, &r), HKP11_TRY_REFUSED);
	hkp11_lockout_store_free (store);
}
END_TEST

/* A release lets one try through and changes nothing else: not the
 * count, not the tries at the token, wherever the count is kept. */
START_TEST (test_release_changes_nothing_else)
{
	hkp11_try_rule shim_rule = { .token_left = -1, .attempts = 5, .left_cap = -1, .guard = 1 };
	hkp11_try_rule token_rule = { .token_left = 3, .attempts = 5, .left_cap = -1, .guard = 1 };
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	hkp11_lockout_record before, after;

	/* Four wrong PINs counted, one try still at the token, and tries at
	 * a token that counts itself begun and ended. */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq (begin (store, &shim_rule, &before), HKP11_TRY_GRANTED);
		end (store, &shim_rule, HKP11_TRY_WRONG, &before);
	}
	ck_assert_int_eq (begin (store, &token_rule, &before), HKP11_TRY_GRANTED);
	end (store, &token_rule, HKP11_TRY_WRONG, &before);
	ck_assert_int_eq (begin (store, &shim_rule, &before), HKP11_TRY_GRANTED);
	ck_assert_uint_eq (before.failures, 4);
	ck_assert_uint_eq (before.pending, 1);
	ck_assert_uint_eq (before.ended, 1);

	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &after, NULL));
	ck_assert_uint_eq (after.released, 1);
	ck_assert_uint_eq (after.failures, before.failures);
	ck_assert_uint_eq (after.pending, before.pending);
	ck_assert_int_eq (after.pending_since, before.pending_since);
	ck_assert_uint_eq (after.ended, before.ended);
	ck_assert_msg (strstr (read_text (state_path (".state")), "\nfailures: 4\n") != NULL, "%s",
		       read_text (state_path (".state")));
	/* Tries left, as the user is told, are what they were. */
	long long now = (long long)time (NULL);
	ck_assert_int_eq (hkp11_lockout_tries_left (&after, &shim_rule, now, HKP11_LEFT_SHOWN),
			  hkp11_lockout_tries_left (&before, &shim_rule, now, HKP11_LEFT_SHOWN));
	/* A second release is still one try. */
	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &after, NULL));
	ck_assert_uint_eq (after.released, 1);
	hkp11_lockout_store_free (store);
}
END_TEST

/* Where the token counts: tries at the token are pending and lower what
 * every process sees; a try that ended after a process read the token's
 * counter is taken as spent; a count left by a dead process goes stale. */
START_TEST (test_try_token_counts)
{
	hkp11_try_rule rule = { .token_left = 3, .attempts = 15, .left_cap = -1, .guard = 1 };
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	hkp11_lockout_record r, seen;
	long long now = (long long)time (NULL);

	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_GRANTED);
	ck_assert_uint_eq (r.pending, 1);
	ck_assert_uint_eq (r.failures, 0);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, now, HKP11_LEFT_GUARD), 2);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, now, HKP11_LEFT_SHOWN), 3);
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_GRANTED);
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_REFUSED);
	ck_assert_uint_eq (r.pending, 2);

	/* Another process read the record, then its token counter (still 3)
	 * while one of the two tries ended: it may not trust that 3. */
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &seen, NULL));
	end (store, &rule, HKP11_TRY_WRONG, &r);
	ck_assert_uint_eq (r.pending, 1);
	hkp11_try_rule other = rule;
	other.ended_seen = seen.ended;
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &other, now, HKP11_LEFT_GUARD), 1);
	ck_assert_int_eq (begin (store, &other, &r), HKP11_TRY_REFUSED);
	/* Read afresh, the token says 2 and one try is pending: 1 left. */
	other.token_left = 2;
	other.ended_seen = r.ended;
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &other, now, HKP11_LEFT_GUARD), 1);
	end (store, &rule, HKP11_TRY_OTHER, &r);
	ck_assert_uint_eq (r.pending, 0);

	/* The token's flags bound the count; a locked token holds nothing back. */
	other.ended_seen = r.ended;
	other.token_left = 5;
	other.left_cap = 1;
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &other, now, HKP11_LEFT_GUARD), 1);

	/* A process died at the token: its pending try counts for a while. */
	rule.ended_seen = r.ended;
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_GRANTED);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, now, HKP11_LEFT_GUARD), 2);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule,
						    now + HKP11_PENDING_STALE_SECONDS + 2,
						    HKP11_LEFT_GUARD),
			  3);
	/* What was written reads back, pending and all. */
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &seen, NULL));
	ck_assert_uint_eq (seen.pending, 1);
	ck_assert_uint_eq (seen.ended, r.ended);
	ck_assert (seen.pending_since >= now);
	/* Releasing the guard leaves it: it is a try at the token for all
	 * anyone knows. */
	ck_assert (hkp11_lockout_store_release (store, KEY, NULL));
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &seen, NULL));
	ck_assert_uint_eq (seen.pending, 1);
	ck_assert_uint_eq (seen.released, 1);
	ck_assert_uint_eq (seen.failures, 0);
	/* At the guard, the release lets exactly one try through. */
	rule.token_left = 1;
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_RELEASED);
	ck_assert_uint_eq (r.released, 0);
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_REFUSED);
	/* The shim never counts such a token out: at 0 the token answers. */
	rule.token_left = 0;
	rule.guard = 0;
	ck_assert (!hkp11_lockout_counted_out (&r, &rule));
	ck_assert_int_eq (begin (store, &rule, &r), HKP11_TRY_GRANTED);
	hkp11_lockout_store_free (store);
}
END_TEST

START_TEST (test_directory_choice)
{
	char buf[PATH_MAX];
	setenv ("XDG_STATE_HOME", "/xdg/state", 1);
	setenv ("HOME", "/home/holder", 1);
	ck_assert (hkp11_lockout_state_dir (NULL, buf, sizeof buf));
	ck_assert_str_eq (buf, "/xdg/state/hkpost-p11");
	ck_assert (hkp11_lockout_state_dir ("/configured", buf, sizeof buf));
	ck_assert_str_eq (buf, "/configured");
	/* XDG requires an absolute path; a relative one is ignored. */
	setenv ("XDG_STATE_HOME", "relative", 1);
	ck_assert (hkp11_lockout_state_dir (NULL, buf, sizeof buf));
	ck_assert_str_eq (buf, "/home/holder/.local/state/hkpost-p11");
	unsetenv ("XDG_STATE_HOME");
	ck_assert (hkp11_lockout_state_dir (NULL, buf, sizeof buf));
	ck_assert_str_eq (buf, "/home/holder/.local/state/hkpost-p11");
	/* Without HOME the password database is asked. */
	unsetenv ("HOME");
	ck_assert (hkp11_lockout_state_dir (NULL, buf, sizeof buf));
	ck_assert_msg (strstr (buf, "/.local/state/hkpost-p11") != NULL, "%s", buf);
}
END_TEST

START_TEST (test_keys)
{
	static const char *const bad[] = { "", ".lock", "../x", "a/b", "a b", "x\n", NULL };
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	hkp11_lockout_record r;
	char longkey[HKP11_STATE_KEY_MAX + 1];
	memset (longkey, 'k', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';

	for (int i = 0; bad[i]; i++) {
		ck_assert_msg (!hkp11_lockout_key_valid (bad[i]), "'%s' accepted", bad[i]);
		ck_assert (!hkp11_lockout_store_update (store, bad[i], NULL, HKP11_STATE_FAIL, &r,
							NULL));
	}
	ck_assert (!hkp11_lockout_key_valid (longkey));
	ck_assert (hkp11_lockout_key_valid (KEY));
	hkp11_lockout_store_free (store);
}
END_TEST

/* 32 processes, all waiting at one barrier, then each counting wrong PINs
 * as fast as it can: not one may be lost. */
START_TEST (test_concurrent_processes)
{
	enum { PROCS = 32, EACH = 5 };
	int barrier[2];
	pid_t pids[PROCS];
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);

	ck_assert_int_eq (pipe (barrier), 0);
	for (int i = 0; i < PROCS; i++) {
		pids[i] = fork ();
		ck_assert_int_ge (pids[i], 0);
		if (pids[i] == 0) {
			char c;
			close (barrier[1]);
			/* Released when the parent closes its end. */
			if (read (barrier[0], &c, 1) != 0)
				_exit (3);
			hkp11_lockout_store *mine = hkp11_lockout_store_new (dir);
			for (int j = 0; j < EACH; j++) {
				hkp11_lockout_record r;
				hkp11_state_note note;
				if (!hkp11_lockout_store_update (mine, KEY, "t", HKP11_STATE_FAIL,
								 &r, &note) ||
				    note.status != HKP11_STATE_OK)
					_exit (2);
			}
			_exit (0);
		}
	}
	close (barrier[0]);
	close (barrier[1]);
	for (int i = 0; i < PROCS; i++) {
		int status;
		ck_assert_int_eq (waitpid (pids[i], &status, 0), pids[i]);
		ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
			       "child %d: status 0x%x", i, status);
	}
	ck_assert_uint_eq (count (store, HKP11_STATE_OK), PROCS * EACH);
	hkp11_lockout_store_free (store);
}
END_TEST

/* Threads of one process must not lose counts either. */
#include <pthread.h>

static void *
thread_fail (void *arg)
{
	hkp11_lockout_store *store = arg;
	for (int j = 0; j < 10; j++) {
		hkp11_lockout_record r;
		hkp11_lockout_store_update (store, KEY, "t", HKP11_STATE_FAIL, &r, NULL);
	}
	return NULL;
}

START_TEST (test_concurrent_threads)
{
	pthread_t t[8];
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq (pthread_create (&t[i], NULL, thread_fail, store), 0);
	for (int i = 0; i < 8; i++)
		pthread_join (t[i], NULL);
	ck_assert_uint_eq (count (store, HKP11_STATE_OK), 80);
	hkp11_lockout_store_free (store);
}
END_TEST

/* A writer killed with SIGKILL at any moment leaves a record that reads
 * back whole, and the count never goes backwards. */
START_TEST (test_killed_writer)
{
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	unsigned int seed = (unsigned int)time (NULL) ^ (unsigned int)getpid ();
	unsigned int last = 0;
	int rounds_with_progress = 0;
	srand (seed);

	for (int round = 0; round < 60; round++) {
		pid_t pid = fork ();
		ck_assert_int_ge (pid, 0);
		if (pid == 0) {
			hkp11_lockout_store *mine = hkp11_lockout_store_new (dir);
			for (;;) {
				hkp11_lockout_record r;
				hkp11_lockout_store_update (mine, KEY, "t", HKP11_STATE_FAIL, &r,
							    NULL);
			}
		}
		usleep ((useconds_t)(rand () % 4000));
		ck_assert_int_eq (kill (pid, SIGKILL), 0);
		ck_assert_int_eq (waitpid (pid, NULL, 0), pid);

		unsigned int now = count (store, HKP11_STATE_OK);
		ck_assert_msg (now >= last, "seed %u round %d: count went from %u to %u", seed,
			       round, last, now);
		rounds_with_progress += now > last;
		last = now;
	}
	/* The writers did write; a leftover temporary file harms nobody. */
	ck_assert_int_gt (rounds_with_progress, 0);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), last + 1);
	hkp11_lockout_store_free (store);
}
END_TEST

START_TEST (test_corrupt_files)
{
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
		{ "", 0 },
		{ "garbage", 7 },
		{ "version: 1\nfailures: 3\n", 23 },      /* no end line */
		{ "version: 1\nfailures: 3\nend", 26 },   /* cut short */
		{ "version: 2\nfailures: 3\nend\n", 27 }, /* unknown format */
		{ "version: 1\nfailures: -3\nend\n", 28 },
		{ "version: 1\nfailures: 99999999999\nend\n", 37 },
		{ "version: 1\nfailures: 3\0\nend\n", 28 },
		{ "version: 1\nend\n", 15 },
		{ "version: 1\nfailures: 3\nend\nmore\n", 32 },
		{ "\xff\xfe\x00\x01\x02", 5 },
	};
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	hkp11_lockout_record r;
	hkp11_state_note note;
	struct stat st;

	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file (state_path (".state"), bad[i].text, bad[i].len);
		/* A reader is told and does not trust it. */
		ck_assert (
			hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &r, &note));
		ck_assert_msg (note.status == HKP11_STATE_CORRUPT, "case %zu: status %d", i,
			       note.status);
		ck_assert_uint_eq (r.failures, 0);
		ck_assert_msg (strstr (note.text, state_path (".state")) != NULL, "%s", note.text);
		/* A writer moves it aside and starts again. */
		ck_assert (
			hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_FAIL, &r, &note));
		ck_assert_msg (note.status == HKP11_STATE_CORRUPT, "case %zu: status %d", i,
			       note.status);
		ck_assert_msg (strstr (note.text, "moved to") != NULL, "%s", note.text);
		ck_assert_uint_eq (r.failures, 1);
		ck_assert_int_eq (stat (state_path (".state.corrupt"), &st), 0);
		ck_assert_uint_eq ((size_t)st.st_size, bad[i].len);
		ck_assert_uint_eq (count (store, HKP11_STATE_OK), 1);
	}

	/* Far too large a file. */
	char big[10000];
	memset (big, '#', sizeof big);
	write_file (state_path (".state"), big, sizeof big);
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &r, &note));
	ck_assert_int_eq (note.status, HKP11_STATE_CORRUPT);
	hkp11_lockout_store_free (store);
}
END_TEST

START_TEST (test_untrusted_files)
{
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	hkp11_lockout_record r;
	hkp11_state_note note;
	char before[8192];

	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 2);

	/* Writable by others: anyone could have reset it. */
	ck_assert_int_eq (chmod (state_path (".state"), 0666), 0);
	snprintf (before, sizeof before, "%s", read_text (state_path (".state")));
	ck_assert_uint_eq (count (store, HKP11_STATE_UNTRUSTED), 0);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_UNTRUSTED), 1);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_UNTRUSTED), 2);
	ck_assert_uint_eq (count (store, HKP11_STATE_UNTRUSTED), 2);
	ck_assert_str_eq (read_text (state_path (".state")), before);
	ck_assert_int_eq (chmod (state_path (".state"), 0600), 0);
	hkp11_lockout_store_free (store);

	/* A symbolic link is never followed. */
	store = hkp11_lockout_store_new (dir);
	char target[PATH_MAX];
	snprintf (target, sizeof target, "%s/elsewhere", tmp);
	write_file (target, "version: 1\nfailures: 0\nend\n", 27);
	ck_assert_int_eq (unlink (state_path (".state")), 0);
	ck_assert_int_eq (symlink (target, state_path (".state")), 0);
	ck_assert_uint_eq (count (store, HKP11_STATE_UNTRUSTED), 0);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_UNTRUSTED), 1);
	ck_assert_str_eq (read_text (target), "version: 1\nfailures: 0\nend\n");
	ck_assert_int_eq (unlink (state_path (".state")), 0);
	hkp11_lockout_store_free (store);

	/* A directory in the file's place. */
	store = hkp11_lockout_store_new (dir);
	ck_assert_int_eq (mkdir (state_path (".state"), 0700), 0);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_UNTRUSTED), 1);
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &r, &note));
	ck_assert_uint_eq (r.failures, 1);
	rmdir (state_path (".state"));
	hkp11_lockout_store_free (store);
}
END_TEST

/* Files and directories of another user: only root can make them. */
START_TEST (test_foreign_owner)
{
	if (geteuid () != 0) {
		fprintf (stderr, "test_foreign_owner: needs root to chown, checks not run\n");
		return;
	}
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	hkp11_state_note note;
	hkp11_lockout_record r;
	struct stat st;
	char before[8192];

	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 2);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 3);
	ck_assert_int_eq (chown (state_path (".state"), 12345, 12345), 0);
	snprintf (before, sizeof before, "%s", read_text (state_path (".state")));

	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &r, &note));
	ck_assert_int_eq (note.status, HKP11_STATE_UNTRUSTED);
	ck_assert_msg (strstr (note.text, "uid 12345") != NULL, "%s", note.text);
	ck_assert_uint_eq (r.failures, 0);
	/* Counting goes on in memory; the file is left as it was. */
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_UNTRUSTED), 1);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_UNTRUSTED), 2);
	ck_assert_str_eq (read_text (state_path (".state")), before);
	ck_assert_int_eq (stat (state_path (".state"), &st), 0);
	ck_assert_uint_eq (st.st_uid, 12345);
	hkp11_lockout_store_free (store);

	/* A directory of another user is not used at all. */
	ck_assert_int_eq (unlink (state_path (".state")), 0);
	ck_assert_int_eq (chown (dir, 12345, 12345), 0);
	store = hkp11_lockout_store_new (dir);
	ck_assert_uint_eq (count (store, HKP11_STATE_MEMORY), 0);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_MEMORY), 1);
	ck_assert_uint_eq (count (store, HKP11_STATE_MEMORY), 1);
	ck_assert_int_ne (stat (state_path (".state"), &st), 0);
	hkp11_lockout_store_free (store);
}
END_TEST

/* A directory hkpost-p11 did not create is never chmod'ed (state-dir may
 * name the user's home): open to others, it is not used at all. */
START_TEST (test_existing_dir_left_alone)
{
	static const mode_t open_modes[] = { 0755, 0750, 0711, 0770, 0701, 0777 };
	char parent[PATH_MAX];
	struct stat st;
	hkp11_lockout_record r;
	hkp11_state_note note;

	snprintf (parent, sizeof parent, "%s/state", tmp);
	ck_assert_int_eq (mkdir (parent, 0700), 0);
	ck_assert_int_eq (mkdir (dir, 0700), 0);
	for (size_t i = 0; i < sizeof open_modes / sizeof open_modes[0]; i++) {
		ck_assert_int_eq (chmod (dir, open_modes[i]), 0);
		hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
		ck_assert_uint_eq (add_failure (store, HKP11_STATE_MEMORY), 1);
		ck_assert_uint_eq (add_failure (store, HKP11_STATE_MEMORY), 2);
		ck_assert (
			hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &r, &note));
		ck_assert_uint_eq (r.failures, 2);
		ck_assert_int_eq (note.status, HKP11_STATE_MEMORY);
		ck_assert_msg (strstr (note.text, dir) != NULL &&
				       strstr (note.text, "open to others") &&
				       strstr (note.text, "in memory"),
			       "%s", note.text);
		/* Untouched: its mode, and nothing written into it. */
		ck_assert_int_eq (stat (dir, &st), 0);
		ck_assert_uint_eq (st.st_mode & 0777, open_modes[i]);
		ck_assert_int_ne (stat (state_path (".state"), &st), 0);
		hkp11_lockout_store_free (store);
	}

	/* Made private by its owner, it is used. */
	ck_assert_int_eq (chmod (dir, 0700), 0);
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	ck_assert_int_eq (stat (state_path (".state"), &st), 0);

	/* A record in it is not read once the directory is opened up. */
	ck_assert_int_eq (chmod (dir, 0755), 0);
	hkp11_lockout_store *other = hkp11_lockout_store_new (dir);
	ck_assert_uint_eq (count (other, HKP11_STATE_MEMORY), 0);
	ck_assert_int_eq (stat (dir, &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0755);
	hkp11_lockout_store_free (other);
	hkp11_lockout_store_free (store);
}
END_TEST

/* Directories the store creates are 0700 exactly, whatever the umask. */
START_TEST (test_created_dirs_private)
{
	char parent[PATH_MAX];
	struct stat st;
	snprintf (parent, sizeof parent, "%s/state", tmp);
	mode_t old = umask (0277);
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	umask (old);
	ck_assert_int_eq (stat (dir, &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0700);
	ck_assert_int_eq (stat (parent, &st), 0);
	ck_assert_uint_eq (st.st_mode & 0777, 0700);
	hkp11_lockout_store_free (store);
}
END_TEST

/* No place to write: the count lives in memory and says so. */
START_TEST (test_unwritable)
{
	char file[PATH_MAX], under[PATH_MAX];
	snprintf (file, sizeof file, "%s/a-file", tmp);
	write_file (file, "x", 1);
	snprintf (under, sizeof under, "%s/hkpost-p11", file);

	hkp11_lockout_store *store = hkp11_lockout_store_new (under);
	hkp11_state_note note;
	hkp11_lockout_record r;
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_MEMORY), 1);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_MEMORY), 2);
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &r, &note));
	ck_assert_int_eq (note.status, HKP11_STATE_MEMORY);
	ck_assert_uint_eq (r.failures, 2);
	ck_assert_msg (strstr (note.text, under) != NULL || strstr (note.text, file) != NULL, "%s",
		       note.text);
	ck_assert (hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_RESET, &r, &note));
	ck_assert_uint_eq (r.failures, 0);
	hkp11_lockout_store_free (store);

	/* The directory is a file. */
	store = hkp11_lockout_store_new (file);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_MEMORY), 1);
	ck_assert_uint_eq (count (store, HKP11_STATE_MEMORY), 1);
	hkp11_lockout_store_free (store);
}
END_TEST

/* A full disk, as a file size limit: writes fail, the count goes on in
 * memory, and reaches the disk again once there is room. */
START_TEST (test_disk_full)
{
	struct rlimit old, tiny;
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);

	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 1);
	ck_assert_int_eq (getrlimit (RLIMIT_FSIZE, &old), 0);
	signal (SIGXFSZ, SIG_IGN);
	tiny = old;
	tiny.rlim_cur = 16;
	ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &tiny), 0);

	ck_assert_uint_eq (add_failure (store, HKP11_STATE_MEMORY), 2);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_MEMORY), 3);
	ck_assert_uint_eq (count (store, HKP11_STATE_MEMORY), 3);
	/* The file still holds the last record that fitted, whole. */
	hkp11_lockout_store *other = hkp11_lockout_store_new (dir);
	ck_assert_uint_eq (count (other, HKP11_STATE_OK), 1);
	struct stat st;
	ck_assert_int_ne (stat (state_path (".state.tmp"), &st), 0);

	ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &old), 0);
	ck_assert_uint_eq (add_failure (store, HKP11_STATE_OK), 4);
	ck_assert_uint_eq (count (other, HKP11_STATE_OK), 4);

	/* A corrupt file, and no room for the new record: what matters is
	 * that the count now lives in this program only, so that is told,
	 * after the corrupt file. */
	hkp11_lockout_store *third = hkp11_lockout_store_new (dir);
	write_file (state_path (".state"), "version: 1\nfailures: many\nend\n", 30);
	ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &tiny), 0);
	hkp11_lockout_record r;
	hkp11_state_note note;
	ck_assert (hkp11_lockout_store_update (third, KEY, "t", HKP11_STATE_FAIL, &r, &note));
	ck_assert_int_eq (setrlimit (RLIMIT_FSIZE, &old), 0);
	ck_assert_int_eq (note.status, HKP11_STATE_MEMORY);
	ck_assert_uint_eq (r.failures, 1);
	ck_assert_ptr_nonnull (strstr (note.text, "unreadable"));
	ck_assert_ptr_nonnull (strstr (note.text, "in memory"));
	hkp11_lockout_store_free (third);
	hkp11_lockout_store_free (store);
	hkp11_lockout_store_free (other);
}
END_TEST

/* No home at all and no state-dir: a user the password database does not
 * know, with HOME unset.  Only root can become one. */
START_TEST (test_no_home)
{
	if (geteuid () != 0) {
		fprintf (stderr, "test_no_home: needs root to setuid, checks not run\n");
		return;
	}
	unsetenv ("HOME");
	unsetenv ("XDG_STATE_HOME");
	pid_t pid = fork ();
	ck_assert_int_ge (pid, 0);
	if (pid == 0) {
		if (setgid (54321) != 0 || setuid (54321) != 0)
			_exit (10);
		hkp11_lockout_store *store = hkp11_lockout_store_new (NULL);
		hkp11_lockout_record r;
		hkp11_state_note note;
		if (store == NULL || hkp11_lockout_store_dir (store)[0] != '\0')
			_exit (11);
		for (int i = 1; i <= 3; i++) {
			if (!hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_FAIL, &r,
							 &note) ||
			    note.status != HKP11_STATE_MEMORY || r.failures != (unsigned int)i)
				_exit (12);
		}
		if (!hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &r, &note) ||
		    r.failures != 3 || strstr (note.text, "state-dir") == NULL)
			_exit (13);
		hkp11_lockout_store_free (store);
		_exit (0);
	}
	int status;
	ck_assert_int_eq (waitpid (pid, &status, 0), pid);
	ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "child status 0x%x",
		       status);
}
END_TEST

/* A token that counts for itself but tells only its final try (a card
 * behind OpenSC): its flag beats the count, whatever lockout-attempts
 * says, and the count learns the token's maximum from it. */
START_TEST (test_final_try_and_learned_max)
{
	hkp11_try_rule rule = { .token_left = -1, .attempts = 15, .left_cap = -1, .guard = 1 };
	hkp11_try_rule final = rule;
	final.left_cap = 1;
	hkp11_lockout_record r = { 0 };
	long long now = time (NULL);

	/* Four wrong PINs on a 5-try card: the count says 11 left. */
	r.failures = 4;
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, now, HKP11_LEFT_SHOWN), 11);
	/* The card's final try is 1 left, for the user and the guard. */
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &final, now, HKP11_LEFT_SHOWN), 1);
	ck_assert (hkp11_lockout_try_held (&r, &final, now));

	/* Its maximum is learned: 5, and the countdown follows it after a
	 * good PIN, without the flag. */
	ck_assert_uint_eq (hkp11_lockout_max_tries (&r, &rule), 15);
	ck_assert (hkp11_lockout_learn_max (&r, &final, now));
	ck_assert_uint_eq (r.learned_max, 5);
	ck_assert (!hkp11_lockout_learn_max (&r, &final, now)); /* once */
	hkp11_lockout_apply (&r, HKP11_STATE_RESET, now);
	ck_assert_uint_eq (r.learned_max, 5);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, now, HKP11_LEFT_SHOWN), 5);
	hkp11_lockout_apply (&r, HKP11_STATE_FAIL, now);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, now, HKP11_LEFT_SHOWN), 4);
	/* The guard holds the last try by the learned count alone. */
	for (int i = 0; i < 3; i++)
		hkp11_lockout_apply (&r, HKP11_STATE_FAIL, now);
	ck_assert_int_eq (hkp11_lockout_tries_left (&r, &rule, now, HKP11_LEFT_SHOWN), 1);
	ck_assert (hkp11_lockout_try_held (&r, &rule, now));
	/* A configured figure below the learned one stands. */
	hkp11_try_rule three = rule;
	three.attempts = 3;
	ck_assert_uint_eq (hkp11_lockout_max_tries (&r, &three), 3);

	/* The count ran out where the card still says its final try (tries
	 * spent elsewhere, a stale count): 1 try left, not a lock; a try at
	 * the token now may be spending it. */
	hkp11_lockout_record out = { .failures = 20 };
	ck_assert_int_eq (hkp11_lockout_tries_left (&out, &final, now, HKP11_LEFT_SHOWN), 1);
	ck_assert (!hkp11_lockout_counted_out (&out, &final));
	ck_assert (hkp11_lockout_counted_out (&out, &rule));
	hkp11_try_rule no_guard = final;
	no_guard.guard = 0;
	ck_assert (!hkp11_lockout_try_held (&out, &no_guard, now));
	out.pending = 1;
	out.pending_since = now;
	ck_assert_int_eq (hkp11_lockout_tries_left (&out, &final, now, HKP11_LEFT_GUARD), 0);

	/* Nothing is learned from a final try with nothing counted, nor
	 * from one a try at the token now may have caused; never above
	 * lockout-attempts; a locked token teaches nothing. */
	hkp11_lockout_record fresh = { 0 };
	ck_assert (!hkp11_lockout_learn_max (&fresh, &final, now));
	fresh.failures = 1;
	fresh.pending = 1;
	fresh.pending_since = now;
	ck_assert (!hkp11_lockout_learn_max (&fresh, &final, now));
	hkp11_lockout_record many = { .failures = 20 };
	ck_assert (hkp11_lockout_learn_max (&many, &final, now));
	ck_assert_uint_eq (many.learned_max, 15);
	hkp11_try_rule locked = rule;
	locked.left_cap = 0;
	hkp11_lockout_record two = { .failures = 2 };
	ck_assert (!hkp11_lockout_learn_max (&two, &locked, now));
	/* Nor where the token tells its own count. */
	hkp11_try_rule counts = final;
	counts.token_left = 1;
	ck_assert (!hkp11_lockout_learn_max (&two, &counts, now));
}
END_TEST

/* The learned maximum is kept in the token's file, through a good PIN. */
START_TEST (test_learned_max_kept)
{
	hkp11_try_rule final = { .token_left = -1, .attempts = 15, .left_cap = 1, .guard = 1 };
	hkp11_lockout_store *store = hkp11_lockout_store_new (dir);
	hkp11_lockout_record r;

	for (int i = 0; i < 4; i++)
		add_failure (store, HKP11_STATE_OK);
	ck_assert (hkp11_lockout_store_learn (store, KEY, "test token", &final, &r, NULL));
	ck_assert_uint_eq (r.learned_max, 5);
	ck_assert_ptr_nonnull (strstr (read_text (state_path (".state")), "learned-max: 5\n"));
	ck_assert (
		hkp11_lockout_store_update (store, KEY, "test token", HKP11_STATE_RESET, &r, NULL));
	hkp11_lockout_store_free (store);
	store = hkp11_lockout_store_new (dir);
	ck_assert (
		hkp11_lockout_store_update (store, KEY, "test token", HKP11_STATE_READ, &r, NULL));
	ck_assert_uint_eq (r.failures, 0);
	ck_assert_uint_eq (r.learned_max, 5);
	/* A figure that is not a number makes the file corrupt. */
	const char *bad = "version: 1\nfailures: 0\nlearned-max: x\nend\n";
	write_file (state_path (".state"), bad, strlen (bad));
	ck_assert_uint_eq (count (store, HKP11_STATE_CORRUPT), 0);
	hkp11_lockout_store_free (store);
}
END_TEST

int
main (void)
{
	Suite *s = suite_create ("lockout-state");
	TCase *tc = tcase_create ("store");
	tcase_add_checked_fixture (tc, setup, teardown);
	tcase_set_timeout (tc, 60);
	tcase_add_test (tc, test_count_and_reset);
	tcase_add_test (tc, test_try_shim_counts);
	tcase_add_test (tc, test_try_token_counts);
	tcase_add_test (tc, test_release_changes_nothing_else);
	tcase_add_test (tc, test_final_try_and_learned_max);
	tcase_add_test (tc, test_learned_max_kept);
	tcase_add_test (tc, test_directory_choice);
	tcase_add_test (tc, test_keys);
	tcase_add_test (tc, test_concurrent_processes);
	tcase_add_test (tc, test_concurrent_threads);
	tcase_add_test (tc, test_killed_writer);
	tcase_add_test (tc, test_corrupt_files);
	tcase_add_test (tc, test_untrusted_files);
	tcase_add_test (tc, test_foreign_owner);
	tcase_add_test (tc, test_existing_dir_left_alone);
	tcase_add_test (tc, test_created_dirs_private);
	tcase_add_test (tc, test_unwritable);
	tcase_add_test (tc, test_disk_full);
	tcase_add_test (tc, test_no_home);
	suite_add_tcase (s, tc);

	return p11t_run_suite (s);
}

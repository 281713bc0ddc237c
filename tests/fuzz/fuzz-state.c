/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the lockout state-file reader.  The file is the one
 * thing on disk that decides whether a login goes to the token, and anyone
 * who can write the user's files can put anything in it.
 *
 * Each input is written as a token's state file; the store reads it, then
 * applies one operation, or begins or ends a try (the first byte picks
 * which, and how).  Whatever the file
 * held: no crash, a record it accepts is within bounds, an unreadable one
 * is moved aside, and after any write the file reads back whole with the
 * record the store reported.
 *
 * The directory is this process's alone, but other programs can reach it:
 * on a shared machine, a clean-up of /dev/shm removed files under a run
 * (a corrupt file's aside gone right after the move) and it looked like a
 * finding.  A marker file made first tells: when it is gone, the files
 * were changed from outside, and the run starts over in a new directory
 * instead of keeping the input.
 */
#include "config.h"
#include "lockout/store.h"

#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define KEY "SafeNet_Inc-eToken-0a1b2c3d-fuzz"
#define MARKER "fuzz-state-owner"
/* More outside changes than this in one run: the machine is not fit to fuzz on. */
#define RESTARTS_MAX 100

static char dir[PATH_MAX];
static char marker[PATH_MAX + 64];
static ino_t marker_ino;
static bool armed; /* the marker is there to check */
static jmp_buf restart;
static hkp11_lockout_store *store;

/* Whether the files are as this process left them. */
static bool
intact (void)
{
	struct stat st;
	return stat (marker, &st) == 0 && st.st_ino == marker_ino;
}

/* A broken promise: say which, then crash so that libFuzzer keeps the
 * input; unless the files were changed from outside, which is no finding.
 * A clean-up removes every file, the marker too: one under way gets a
 * moment to finish first. */
static void fail (int line) __attribute__ ((noreturn));

static void
fail (int line)
{
	if (armed) {
		nanosleep (&(struct timespec){ .tv_nsec = 100000000 }, NULL);
		if (!intact ())
			longjmp (restart, 1);
	}
	fprintf (stderr, "%s: check at line %d failed\n", __FILE__, line);
	abort ();
}
#define FAIL() fail (__LINE__)

static void
remove_dir (void)
{
	char path[PATH_MAX + 64];
	static const char *const names[] = { KEY ".state", KEY ".state.tmp", KEY ".state.corrupt",
					     ".lock",      MARKER,           NULL };
	for (int i = 0; names[i]; i++) {
		snprintf (path, sizeof path, "%s/%s", dir, names[i]);
		unlink (path);
	}
	rmdir (dir);
	hkp11_lockout_store_free (store);
	store = NULL;
	armed = false;
}

static void
make_dir (void)
{
	struct stat st;
	/* In memory when there is room: the store syncs every write. */
	snprintf (dir, sizeof dir, "/dev/shm/hkp11-fuzz-state-XXXXXX");
	if (access ("/dev/shm", W_OK) != 0 || mkdtemp (dir) == NULL) {
		snprintf (dir, sizeof dir, "/tmp/hkp11-fuzz-state-XXXXXX");
		if (mkdtemp (dir) == NULL)
			FAIL ();
	}
	snprintf (marker, sizeof marker, "%s/%s", dir, MARKER);
	int fd = open (marker, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || fstat (fd, &st) != 0 || close (fd) != 0)
		FAIL ();
	marker_ino = st.st_ino;
	store = hkp11_lockout_store_new (dir);
	if (store == NULL)
		FAIL ();
	armed = true;
}

static void
start_over (void)
{
	static int restarts;
	fprintf (stderr,
		 "fuzz-state: %s was changed from outside this process: not a finding, "
		 "starting over in a new directory\n",
		 dir);
	if (++restarts > RESTARTS_MAX) {
		fprintf (stderr,
			 "fuzz-state: the state directory keeps being changed from outside\n");
		abort ();
	}
	remove_dir ();
	make_dir ();
}

static void
write_file (const char *path, const uint8_t *data, size_t size)
{
	int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size > 0 && write (fd, data, size) != (ssize_t)size) || close (fd) != 0)
		FAIL ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static const hkp11_state_op ops[] = { HKP11_STATE_READ, HKP11_STATE_FAIL, HKP11_STATE_RESET,
					      HKP11_STATE_RELEASE, HKP11_STATE_READ };
	char path[PATH_MAX + 64], aside[PATH_MAX + 64];
	hkp11_lockout_record first, after, again;
	hkp11_state_note note;
	struct stat st;

	if (store == NULL) {
		make_dir ();
		atexit (remove_dir);
	}
	if (setjmp (restart) != 0 || !intact ()) {
		start_over ();
		return 0;
	}
	if (size == 0)
		return 0;
	/* 0-3: an operation (4: a read again, so that the seeds keep their
	 * meaning); 5-7: a try begun or ended, where the shim counts or (odd
	 * second choice) the token does; from 128 without a guard. */
	unsigned int action = data[0] % 8;
	hkp11_state_op op = action < 5 ? ops[action] : HKP11_STATE_FAIL;
	hkp11_try_rule rule = {
		.token_left = (data[0] / 8) % 2 ? (long)(data[0] / 16) : -1,
		.attempts = 15,
		.left_cap = -1,
		.guard = data[0] >= 128 ? 0 : 1,
	};
	hkp11_try_outcome outcome = (hkp11_try_outcome)((data[0] / 16) % 3);
	hkp11_try_verdict verdict = HKP11_TRY_GRANTED;
	snprintf (path, sizeof path, "%s/%s.state", dir, KEY);
	snprintf (aside, sizeof aside, "%s/%s.state.corrupt", dir, KEY);
	unlink (aside);
	write_file (path, data + 1, size - 1);

	if (!hkp11_lockout_store_update (store, KEY, "fuzz", HKP11_STATE_READ, &first, &note))
		FAIL ();
	/* memchr, not strlen: the bytes after the text were never written. */
	if (memchr (note.text, '\0', sizeof note.text) == NULL)
		FAIL ();
	/* A reader never moves or changes the file. */
	if (stat (path, &st) != 0 || (size_t)st.st_size != size - 1)
		FAIL ();
	if (note.status == HKP11_STATE_OK) {
		if (first.failures > 1000000u || first.released > 1000000u || first.updated < 0)
			FAIL ();
	} else if (note.status != HKP11_STATE_CORRUPT || first.failures != 0) {
		/* An untrusted or unreadable file counts as nothing read. */
		FAIL ();
	}

	rule.ended_seen = first.ended;
	bool ok = action < 5   ? hkp11_lockout_store_update (store, KEY, "fuzz", op, &after, &note)
		  : action < 7 ? hkp11_lockout_store_begin_try (store, KEY, "fuzz", &rule, &verdict,
								&after, &note)
			       : hkp11_lockout_store_end_try (store, KEY, "fuzz", &rule, outcome,
							      &after, &note);
	if (!ok)
		FAIL ();
	if (op == HKP11_STATE_READ)
		return 0;
	if (note.status != HKP11_STATE_OK && note.status != HKP11_STATE_CORRUPT)
		FAIL ();
	/* A corrupt file went aside, and counting started again. */
	bool corrupt = note.status == HKP11_STATE_CORRUPT;
	if (corrupt != (stat (aside, &st) == 0))
		FAIL ();
	hkp11_lockout_record base = corrupt ? (hkp11_lockout_record){ 0 } : first;
	bool shim_counts = rule.token_left < 0;
	bool counted = action == 1 ||
		       (action >= 5 && action < 7 && shim_counts && verdict != HKP11_TRY_REFUSED);
	if (counted && after.failures != base.failures + 1 &&
	    !(base.failures >= 1000000u && after.failures == base.failures))
		FAIL ();
	if (op == HKP11_STATE_RESET && action < 5 && after.failures != 0)
		FAIL ();
	/* A release allows one try and changes nothing else. */
	if (op == HKP11_STATE_RELEASE && action < 5 &&
	    (after.released != 1 || after.failures != base.failures ||
	     after.pending != base.pending || after.pending_since != base.pending_since ||
	     after.ended != base.ended))
		FAIL ();
	if (action >= 5 && action < 7) {
		/* A refused try changes nothing; one let through on a release
		 * uses it up; every try let through is pending. */
		if (verdict == HKP11_TRY_REFUSED &&
		    (base.released != 0 || after.failures != base.failures ||
		     after.released != base.released))
			FAIL ();
		if (verdict == HKP11_TRY_RELEASED && after.released + 1 != base.released)
			FAIL ();
		/* A count run out holds every try back, guard or not. */
		if (shim_counts && base.failures >= rule.attempts && verdict == HKP11_TRY_GRANTED)
			FAIL ();
		if (verdict != HKP11_TRY_REFUSED &&
		    (after.pending == 0 || after.pending_since <= 0))
			FAIL ();
	}
	if (action == 7) {
		if (after.pending >= base.pending && base.pending != 0)
			FAIL ();
		if (outcome == HKP11_TRY_GOOD && (after.failures != 0 || after.released != 0))
			FAIL ();
		if (outcome == HKP11_TRY_OTHER && shim_counts &&
		    after.failures != (base.failures > 0 ? base.failures - 1 : 0))
			FAIL ();
		if (!shim_counts && after.ended != base.ended + 1)
			FAIL ();
	}

	/* What was written reads back whole. */
	if (!hkp11_lockout_store_update (store, KEY, NULL, HKP11_STATE_READ, &again, &note))
		FAIL ();
	bool unchanged = (action == 2 && base.failures == 0 && base.released == 0) ||
			 (action >= 5 && action < 7 && verdict == HKP11_TRY_REFUSED);
	if (!unchanged && (note.status != HKP11_STATE_OK || again.failures != after.failures ||
			   again.released != after.released || again.pending != after.pending ||
			   again.ended != after.ended))
		FAIL ();
	return 0;
}

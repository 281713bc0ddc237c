/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The persistent count of wrong user PINs, one small file per token, shared
 * by every process of the user: a browser, a mail client and pkcs11-tool
 * all spend tries on the same token, so they must all see the same count.
 *
 * Layout: ${XDG_STATE_HOME:-~/.local/state}/hkpost-p11/ or `state-dir`, a
 * directory 0700 holding a lock file and <token key>.state files 0600.
 * Readers need no lock: a record is written to a temporary file and renamed
 * over the old one, so a reader sees the old or the new record, whole.
 * Writers read, change and replace a record under an exclusive flock(2) on
 * the lock file, so two processes failing at once both count.
 *
 * A file that is corrupt, not a regular file, or owned by someone else is
 * never trusted.  When the store cannot be used at all (no home, read-only,
 * disk full) the count lives in memory for the life of the process; the
 * caller learns so from the status and tells the user once.
 */
#ifndef HKP11_LOCKOUT_STATE_H
#define HKP11_LOCKOUT_STATE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct hkp11_lockout_store hkp11_lockout_store;

typedef struct {
	unsigned int failures; /* wrong user PINs since the last good one */
	long long updated;     /* when the record last changed, seconds since the epoch; 0 never */
	/* Tries the user allowed past the lockout guard ("guard release"):
	 * used up by the next held-back try or wrong PIN, cleared by a good
	 * one.  A release changes nothing else: the count stands. */
	unsigned int released;
	/* Tries at the token now, in any process (see
	 * hkp11_lockout_store_begin_try), and when the last one began: a count
	 * older than HKP11_PENDING_STALE_SECONDS is taken for the leftover of
	 * a process that died mid-try.  Where the shim counts, failures
	 * includes them. */
	unsigned int pending;
	long long pending_since;
	/* Tries at such a token ended so far, wrapping: tells a process that
	 * read the token's counter whether tries ended since. */
	unsigned int ended;
} hkp11_lockout_record;

#define HKP11_PENDING_STALE_SECONDS 300

typedef enum {
	HKP11_STATE_READ,  /* only read the record */
	HKP11_STATE_FAIL,  /* count one more wrong PIN */
	HKP11_STATE_RESET, /* a good PIN: back to zero */
	HKP11_STATE_RELEASE, /* the user releases the guard: one try allowed, the count stands */
} hkp11_state_op;

typedef enum {
	HKP11_STATE_OK,        /* the record is the one on disk */
	HKP11_STATE_MEMORY,    /* the store cannot be written: counted in memory */
	HKP11_STATE_UNTRUSTED, /* the token's file is not trusted: counted in memory */
	HKP11_STATE_CORRUPT,   /* the token's file was unreadable: moved aside, counting restarts */
} hkp11_state_status;

typedef struct {
	hkp11_state_status status;
	/* What went wrong, with the path, for the user; "" when status is OK. */
	char text[1024];
} hkp11_state_note;

/* Longest token key, terminator included. */
#define HKP11_STATE_KEY_MAX 160

/*
 * Where the store lives: dir when it is not NULL, else
 * $XDG_STATE_HOME/hkpost-p11 when that is an absolute path, else
 * HOME/.local/state/hkpost-p11.  Returns false when no home is known.  A
 * secure-mode program (hkp11_secure_mode) without dir uses the system's
 * directory, $(localstatedir)/lib/hkpost-p11, when it exists and is private
 * to the program's effective user; else false: the count stays in memory.
 */
bool hkp11_lockout_state_dir (const char *dir, char *buf, size_t len);

/* A store in the directory hkp11_lockout_state_dir chooses; the directory
 * is created only on the first write.  Never fails except for lack of
 * memory: without a directory, the store counts in memory. */
hkp11_lockout_store *hkp11_lockout_store_new (const char *dir);

/* NULL-safe. */
void hkp11_lockout_store_free (hkp11_lockout_store *store);

/* The directory in use, or "" when the store is in memory only. */
const char *hkp11_lockout_store_dir (const hkp11_lockout_store *store);

/*
 * Applies op to the token's record and gives the record as it stands
 * after.  key names the token (see hkp11_token_id); description is written
 * into the file for people reading it and may be NULL.  Returns false only
 * for an invalid key; note tells whether the record is the shared one.
 */
bool hkp11_lockout_store_update (hkp11_lockout_store *store, const char *key,
				 const char *description, hkp11_state_op op,
				 hkp11_lockout_record *record, hkp11_state_note *note);

/*
 * One try at the user PIN, decided and counted under the store's lock so
 * that processes trying at the same moment cannot all pass the guard on
 * the same reading of the count.
 */
typedef struct {
	/* The token's own count of tries left (SafeNet's retry counter), or
	 * -1 when the shim counts: then tries left are attempts - failures. */
	long token_left;
	/* The record's `ended` when it was read, before the token's counter
	 * was: a try that ended after may be missing from token_left. */
	unsigned int ended_seen;
	unsigned int attempts;
	/* The most tries the token's flags allow (1 at CKF_USER_PIN_FINAL_TRY),
	 * or -1 when they say nothing. */
	long left_cap;
	/* Tries held back: at this many left or fewer a try is refused unless
	 * the user released the guard.  0: none held back.  Where the shim
	 * counts, a count that has run out is refused the same way whatever
	 * guard says (see hkp11_lockout_counted_out). */
	unsigned int guard;
} hkp11_try_rule;

typedef enum {
	HKP11_TRY_GRANTED,  /* go to the token */
	HKP11_TRY_RELEASED, /* go to the token on the user's guard release, now used */
	HKP11_TRY_REFUSED,  /* the guard holds: nothing was counted */
} hkp11_try_verdict;

typedef enum {
	HKP11_TRY_WRONG, /* the token answered CKR_PIN_INCORRECT */
	HKP11_TRY_GOOD,  /* the token took the PIN */
	HKP11_TRY_OTHER, /* any other answer: the try did not count */
} hkp11_try_outcome;

/*
 * Decides a try and, when it is granted, counts it before it is made, as
 * pending, which lowers the tries left every other process's guard sees
 * until end_try.  Where the shim counts, also as a wrong PIN, undone by
 * end_try unless the token says so and left standing if the process dies
 * at the token: the safe way round.  record is as it
 * stands after; every granted try must be ended with end_try.
 */
bool hkp11_lockout_store_begin_try (hkp11_lockout_store *store, const char *key,
				    const char *description, const hkp11_try_rule *rule,
				    hkp11_try_verdict *verdict, hkp11_lockout_record *record,
				    hkp11_state_note *note);

/* Records what the token answered to a try begin_try granted under rule. */
bool hkp11_lockout_store_end_try (hkp11_lockout_store *store, const char *key,
				  const char *description, const hkp11_try_rule *rule,
				  hkp11_try_outcome outcome, hkp11_lockout_record *record,
				  hkp11_state_note *note);

typedef enum {
	/* For the guard: every try at the token now is taken as spent. */
	HKP11_LEFT_GUARD,
	/* For the user: tries the token has spent, those at it now left out. */
	HKP11_LEFT_SHOWN,
} hkp11_left_view;

/*
 * Tries left under rule as the record stands: from the token's count or
 * from attempts less failures, as view says; never above left_cap, never
 * below 0.  now is the time pending tries are judged by.
 */
long hkp11_lockout_tries_left (const hkp11_lockout_record *record, const hkp11_try_rule *rule,
			       long long now, hkp11_left_view view);

/*
 * Whether the shim's own count (rule->token_left < 0) has run out: as
 * many wrong PINs as rule->attempts allows, the tries at the token now
 * included.  The token then reads as locked, and hkp11_lockout_try_held
 * is true whatever the guard is, also when the token's flags say locked
 * (the tool, seeing the flags the lockout layer adds, cannot tell).
 */
bool hkp11_lockout_counted_out (const hkp11_lockout_record *record, const hkp11_try_rule *rule);

/*
 * Whether begin_try would refuse a try as the record stands, unless the
 * user released the guard: tries left at or below the guard, or the
 * shim's count run out.
 */
bool hkp11_lockout_try_held (const hkp11_lockout_record *record, const hkp11_try_rule *rule,
			     long long now);

/*
 * Releases the guard for the token: the next try that would be held back
 * goes to the token, once.  Nothing else changes: the count stands, so a
 * wrong PIN on that try is counted as the last one it is.  Where the shim
 * counts, deleting the state file instead forgets the count altogether.
 */
bool hkp11_lockout_store_release (hkp11_lockout_store *store, const char *key,
				  hkp11_state_note *note);

/* The path of the token's state file, for messages; false if it has none. */
bool hkp11_lockout_store_path (const hkp11_lockout_store *store, const char *key, char *buf,
			       size_t len);

/* Whether key may name a state file: [A-Za-z0-9._-], not starting with '.'. */
bool hkp11_lockout_key_valid (const char *key);

#endif

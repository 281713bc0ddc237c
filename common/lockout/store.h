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
#ifndef HKP11_LOCKOUT_STORE_H
#define HKP11_LOCKOUT_STORE_H

#include "lockout/rules.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct hkp11_lockout_store hkp11_lockout_store;

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
 * the same reading of the count (lockout/rules.h decides).
 *
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

/*
 * Learns the token's maximum of tries from its flags as rule gives them
 * (hkp11_lockout_learn_max), under the store's lock; record is as it
 * stands after.
 */
bool hkp11_lockout_store_learn (hkp11_lockout_store *store, const char *key,
				const char *description, const hkp11_try_rule *rule,
				hkp11_lockout_record *record, hkp11_state_note *note);

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

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
	 * used up by the next guarded try or wrong PIN, cleared by a good one. */
	unsigned int released;
} hkp11_lockout_record;

typedef enum {
	HKP11_STATE_READ,  /* only read the record */
	HKP11_STATE_FAIL,  /* count one more wrong PIN */
	HKP11_STATE_RESET, /* a good PIN: back to zero */
	HKP11_STATE_RELEASE,     /* the user releases the guard: zero, one try allowed */
	HKP11_STATE_USE_RELEASE, /* a guarded try goes ahead on a release */
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
 * HOME/.local/state/hkpost-p11.  Returns false when no home is known.
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
 * Releases the guard for the token: the count goes back to zero and one
 * try is allowed past the guard, for tokens that count tries themselves
 * (SafeNet's retry counter cannot be reset from outside).  For tokens the
 * shim counts for, deleting the state file has the same effect.
 */
bool hkp11_lockout_store_release (hkp11_lockout_store *store, const char *key,
				  hkp11_state_note *note);

/* The path of the token's state file, for messages; false if it has none. */
bool hkp11_lockout_store_path (const hkp11_lockout_store *store, const char *key, char *buf,
			       size_t len);

/* Whether key may name a state file: [A-Za-z0-9._-], not starting with '.'. */
bool hkp11_lockout_key_valid (const char *key);

#endif

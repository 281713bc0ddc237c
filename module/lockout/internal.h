/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the lockout layer's files share; nothing outside module/lockout/
 * includes it.
 *
 *   layer.c       life cycle, the settings, the wrap table;
 *   tries.c       a token's tries left: the state store (shared by every
 *                 process of the user), the token's own counter when it
 *                 keeps one (SafeNet), and the token's maximum;
 *   guard.c       what the user is told: the guard's refusals, its release,
 *                 the warnings as tries run low;
 *   repeat.c      a wrong PIN tried again, refused without asking the token;
 *   counted.c     the calls that spend a try: C_Login, C_LoginUser,
 *                 C_SetPIN, and C_InitPIN, which resets the count;
 *   token-info.c  what C_GetTokenInfo shows: the PIN flags, and the label
 *                 in the host programs that show it to the holder.
 *
 * The rules themselves (how many tries are left, whether a try is held
 * back) are pure functions of the record: common/lockout/rules.h.
 *
 * lockout_lock guards the layer's own tables (tokens known, wrong PINs
 * remembered); it is never held while calling the token.
 */
#ifndef HKP11_LOCKOUT_INTERNAL_H
#define HKP11_LOCKOUT_INTERNAL_H

#include "core/events.h"
#include "core/sessions.h"
#include "lockout/store.h"
#include "p11/p11.h"
#include "settings/lockout.h"
#include "token/token-id.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- layer.c ---------------------------------------------------------------- */

/* The settings as start() found them (common/settings/lockout.c): they
 * are reset at C_Finalize while a late call may still be returning. */
extern hkp11_lockout_settings lockout_now;
extern CK_FUNCTION_LIST_3_0 lockout_below;
extern pthread_mutex_t lockout_lock;
/* Whether this host program is one whose token label counts down
 * (lockout-warn-label, lockout-label-programs), decided at start. */
extern bool lockout_label_here;

/* Everything about a token's tries at one moment. */
typedef struct {
	CK_SLOT_ID slot;
	hkp11_token_id id;
	CK_FLAGS flags;          /* the backend's token flags */
	bool maybe_safenet;      /* worth asking for SafeNet's retry counter */
	bool token_counts;       /* left comes from the token itself */
	long token_left;         /* the token's own count, when token_counts */
	unsigned int ended_seen; /* the record's count of ended tries before it was read */
	long left;               /* tries left, as the user is told */
	long guard_left;         /* tries left, tries at the token now taken as spent */
	long max;                /* tries when none is spent */
	bool learned;            /* max is the token's, learned from its flags */
	bool counted_out;        /* the shim's count has run out: the token reads as locked */
	hkp11_lockout_record record;
	bool in_memory; /* the store could not keep this token's count */
} tries;

/* ---- tries.c ---------------------------------------------------------------- */

/* Opens the state store (state-dir, else the XDG state directory). */
bool tries_start (const char *state_dir);
/* Forgets what this process learnt; with close, closes the store too. */
void tries_forget (bool close);
/* Fills t for the token in slot; info is the backend's, or NULL to ask. */
bool read_tries (const char *function, CK_SLOT_ID slot, const CK_TOKEN_INFO *info, tries *t);
/* The path of the file that keeps t's count, for messages; false when the
 * count is kept in memory only. */
bool tries_state_file (const tries *t, char *buf, size_t len);
/* Asks the token for its own counter again; false when it keeps none. */
bool token_counter (tries *t);
/* The backend's flags again, after a wrong PIN; learns the token's
 * maximum from them where the shim counts. */
void refresh_flags (const char *function, tries *t);
/* What the store needs to judge a try at t's token. */
void try_rule (const tries *t, hkp11_try_rule *rule);
/* Changes t's record in the store (a read, a reset). */
void store_op (const char *function, tries *t, hkp11_state_op op);
/* Decides a try and counts it, in one step under the store's lock. */
hkp11_try_verdict begin_try (const char *function, tries *t);
/* Counts the try's outcome. */
void end_try (const char *function, tries *t, CK_RV rv);

/* ---- guard.c ---------------------------------------------------------------- */

/* Whether a try at t's token is held back, as last read, unless the user
 * released the guard. */
bool held_back (const tries *t);
/* Refuses a try with CKR_PIN_LOCKED, and says why and what to do. */
CK_RV refuse (const char *function, CK_SESSION_HANDLE session, const tries *t);
/* The shim's count has run out: the token reads as locked. */
CK_RV refuse_counted_out (const char *function, CK_SESSION_HANDLE session, const tries *t);
void report_release_used (const char *function, CK_SESSION_HANDLE session, const tries *t);
/* Warns once tries run low (lockout-warn) on every channel but the label. */
void warn_tries (const char *function, CK_SESSION_HANDLE session, const tries *t, const char *what);

/* ---- repeat.c ---------------------------------------------------------------- */

#define MAC_LEN 32

/* A fresh key for this process's hashes of wrong PINs. */
void repeat_start (void);
/* Wipes every hash and the key. */
void repeat_forget (void);
/* A keyed hash of the PIN tried at the token; false when it cannot be
 * made (no key, a PIN too long to bother). */
bool pin_mac (const char *key, CK_UTF8CHAR_PTR pin, CK_ULONG len, unsigned char mac[MAC_LEN]);
/* How many seconds ago the same wrong PIN failed on the token, or -1. */
double wrong_pin_seen (const char *key, const unsigned char mac[MAC_LEN]);
void wrong_pin_remember (const char *key, const unsigned char mac[MAC_LEN]);
/* After the PIN changed, a PIN that was wrong may be right. */
void wrong_pins_forget (const char *key);

/* ---- the wrappers ------------------------------------------------------------- */

#define LOCKOUT_DECLARE(kind, name, params, args) CK_RV lockout_##name params;
HKP11_FUNCTIONS_2_40 (LOCKOUT_DECLARE)
HKP11_FUNCTIONS_3_0 (LOCKOUT_DECLARE)
#undef LOCKOUT_DECLARE

#endif

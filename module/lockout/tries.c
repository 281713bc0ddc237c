/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A token's tries left.  From the token when it tells (SafeNet's
 * ETCKA_RETRY_USER, with its maximum ETCKA_RETRY_USER_MAX), else from the
 * shim's own count of CKR_PIN_INCORRECT answers, kept per token in the
 * state store and shared by every process of the user, out of
 * lockout-attempts or of the maximum learned from the token (its final
 * try seen after so many wrong PINs).  The backend's PIN flags bound
 * whatever a count says.
 */
#include "config.h"
#include "internal.h"
#include "base/compat.h"
#include "token/etoken-objects.h"
#include "base/message.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum {
	SOURCE_UNKNOWN, /* not asked yet in this process */
	SOURCE_TOKEN,   /* the token's own retry counter */
	SOURCE_SHIM,    /* the shim's count in the state store */
} tries_source;

/* What this process knows about a token beyond the state store. */
typedef struct {
	char key[sizeof ((hkp11_token_id *)0)->key];
	tries_source source;
	bool told_state; /* a problem with its state file was told */
} token_entry;

/* Under lockout_lock. */
static hkp11_lockout_store *store;
static token_entry *tokens;
static size_t n_tokens;
static bool told_unwritable;

bool
tries_start (const char *state_dir)
{
	/* In a forked child the parent's store and tables go with the
	 * parent: they are dropped, not freed. */
	store = NULL;
	tokens = NULL;
	tries_forget (false);
	store = hkp11_lockout_store_new (state_dir);
	return store != NULL;
}

void
tries_forget (bool close)
{
	free (tokens);
	tokens = NULL;
	n_tokens = 0;
	told_unwritable = false;
	if (close) {
		hkp11_lockout_store_free (store);
		store = NULL;
	}
}

/* Caller holds the lock. */
static token_entry *
token_entry_inlock (const char *key)
{
	for (size_t i = 0; i < n_tokens; i++) {
		if (strcmp (tokens[i].key, key) == 0)
			return &tokens[i];
	}
	token_entry *grown = realloc (tokens, (n_tokens + 1) * sizeof *grown);
	if (grown == NULL)
		return NULL;
	tokens = grown;
	token_entry *e = &tokens[n_tokens++];
	memset (e, 0, sizeof *e);
	hkp11_strlcpy (e->key, key, sizeof e->key);
	return e;
}

/* Tells about a state store problem once: per process when nothing can be
 * written, per token when its own file is not trusted. */
static void
report_state_note (const char *function, const tries *t, const hkp11_state_note *note)
{
	bool tell = false;
	const char *name = NULL;

	if (note->status == HKP11_STATE_OK)
		return;
	pthread_mutex_lock (&lockout_lock);
	if (note->status == HKP11_STATE_MEMORY) {
		tell = !told_unwritable;
		told_unwritable = true;
		name = "state-unwritable";
	} else {
		token_entry *e = token_entry_inlock (t->id.key);
		tell = e != NULL && !e->told_state;
		if (e != NULL)
			e->told_state = true;
		name = note->status == HKP11_STATE_CORRUPT ? "state-corrupt" : "state-untrusted";
	}
	pthread_mutex_unlock (&lockout_lock);
	if (!tell)
		return;
	hkp11_event_tell (HKP11_EVENT_WARNING, name, function, t->slot, CK_INVALID_HANDLE, -1,
			  CKR_OK, NULL, note->text);
	hkp11_message_tty (HKP11_MSG_WARNING, "%s", note->text);
}

/* What the store needs to judge a try at t's token. */
void
try_rule (const tries *t, hkp11_try_rule *rule)
{
	rule->token_left = t->token_counts ? t->token_left : -1;
	rule->ended_seen = t->ended_seen;
	rule->attempts = lockout_now.attempts;
	/* The backend's own flags bound what any count says. */
	rule->left_cap = (t->flags & CKF_USER_PIN_LOCKED)      ? 0
			 : (t->flags & CKF_USER_PIN_FINAL_TRY) ? 1
							       : -1;
	/* A token locked already answers for itself: nothing to hold back. */
	rule->guard = (t->flags & CKF_USER_PIN_LOCKED) ? 0 : lockout_now.guard;
}

/* Tries left as t's record and token counter stand. */
static void
update_left (tries *t)
{
	hkp11_try_rule rule;
	try_rule (t, &rule);
	long long now = (long long)time (NULL);
	if (!t->token_counts)
		t->max = (long)hkp11_lockout_max_tries (&t->record, &rule);
	t->learned = !t->token_counts && t->record.learned_max > 0 &&
		     t->record.learned_max < lockout_now.attempts;
	t->left = hkp11_lockout_tries_left (&t->record, &rule, now, HKP11_LEFT_SHOWN);
	t->guard_left = hkp11_lockout_tries_left (&t->record, &rule, now, HKP11_LEFT_GUARD);
	t->counted_out = hkp11_lockout_counted_out (&t->record, &rule);
}

static void
after_store (const char *function, tries *t, const hkp11_state_note *note)
{
	t->in_memory = note->status == HKP11_STATE_MEMORY || note->status == HKP11_STATE_UNTRUSTED;
	report_state_note (function, t, note);
	update_left (t);
}

void
store_op (const char *function, tries *t, hkp11_state_op op)
{
	hkp11_state_note note;
	if (store == NULL)
		return;
	hkp11_lockout_store_update (store, t->id.key, t->id.text, op, &t->record, &note);
	after_store (function, t, &note);
}

/* Where the shim counts, a token that says it has its final try tells
 * its maximum: the store keeps it for the token, so that the countdown
 * follows the token's from then on (rules.h, hkp11_lockout_learn_max). */
static void
learn_max (const char *function, tries *t)
{
	hkp11_try_rule rule;
	hkp11_state_note note;
	hkp11_lockout_record peek = t->record;

	try_rule (t, &rule);
	if (store == NULL || t->token_counts ||
	    !hkp11_lockout_learn_max (&peek, &rule, (long long)time (NULL)))
		return;
	if (!hkp11_lockout_store_learn (store, t->id.key, t->id.text, &rule, &t->record, &note))
		return;
	after_store (function, t, &note);
}

/* Decides the try and counts it in one step under the store's lock:
 * processes trying at once each see the others' tries. */
hkp11_try_verdict
begin_try (const char *function, tries *t)
{
	hkp11_try_verdict verdict = HKP11_TRY_GRANTED;
	hkp11_try_rule rule;
	hkp11_state_note note;

	try_rule (t, &rule);
	if (store == NULL || !hkp11_lockout_store_begin_try (store, t->id.key, t->id.text, &rule,
							     &verdict, &t->record, &note))
		return HKP11_TRY_GRANTED; /* a token it cannot name is not counted at all */
	after_store (function, t, &note);
	return verdict;
}

void
end_try (const char *function, tries *t, CK_RV rv)
{
	hkp11_try_outcome outcome = rv == CKR_PIN_INCORRECT ? HKP11_TRY_WRONG
				    : rv == CKR_OK          ? HKP11_TRY_GOOD
							    : HKP11_TRY_OTHER;
	hkp11_try_rule rule;
	hkp11_state_note note;

	try_rule (t, &rule);
	if (store == NULL || !hkp11_lockout_store_end_try (store, t->id.key, t->id.text, &rule,
							   outcome, &t->record, &note))
		return;
	/* The token's counter was read again after this try. */
	t->ended_seen = t->record.ended;
	after_store (function, t, &note);
}

/* Only SafeNet's tokens carry its retry counter: asking any other token
 * would cost it a session and an object search for nothing. */
static bool
may_count_itself (const CK_TOKEN_INFO *info)
{
	static const char *const makers[] = { "SafeNet", "Gemalto", "Thales", "Aladdin", NULL };
	char manufacturer[33], model[17];
	hkp11_token_field (info->manufacturerID, sizeof info->manufacturerID, manufacturer,
			   sizeof manufacturer);
	hkp11_token_field (info->model, sizeof info->model, model, sizeof model);
	for (int i = 0; makers[i]; i++) {
		if (strstr (manufacturer, makers[i]) != NULL)
			return true;
	}
	return strstr (model, "eToken") != NULL;
}

/* Asks the token for its counter; false when it keeps none. */
bool
token_counter (tries *t)
{
	tries_source source;
	unsigned long left = 0, max = 0;

	pthread_mutex_lock (&lockout_lock);
	token_entry *e = token_entry_inlock (t->id.key);
	source = e ? e->source : SOURCE_UNKNOWN;
	pthread_mutex_unlock (&lockout_lock);
	if (source == SOURCE_SHIM || !t->maybe_safenet)
		return false;

	hkp11_etoken_result result =
		hkp11_etoken_read_retries (&lockout_below, t->slot, &left, &max);
	if (result == HKP11_ETOKEN_FAILED)
		return false; /* ask again next time */

	pthread_mutex_lock (&lockout_lock);
	e = token_entry_inlock (t->id.key);
	if (e != NULL)
		e->source = result == HKP11_ETOKEN_FOUND ? SOURCE_TOKEN : SOURCE_SHIM;
	pthread_mutex_unlock (&lockout_lock);
	if (result != HKP11_ETOKEN_FOUND)
		return false;

	t->token_left = left > 100000 ? 100000 : (long)left;
	t->max = max > 0 && max <= 100000 ? (long)max : (long)lockout_now.attempts;
	return true;
}

/* Fills t for the token in slot; info is the backend's, or NULL to ask. */
bool
read_tries (const char *function, CK_SLOT_ID slot, const CK_TOKEN_INFO *info, tries *t)
{
	CK_TOKEN_INFO own;

	memset (t, 0, sizeof *t);
	t->slot = slot;
	if (info == NULL) {
		if (lockout_below.C_GetTokenInfo (slot, &own) != CKR_OK)
			return false;
		info = &own;
	}
	hkp11_token_id_from_info (info, &t->id);
	t->flags = info->flags;
	t->maybe_safenet = may_count_itself (info);
	/* The record also carries a guard release, whoever counts. */
	store_op (function, t, HKP11_STATE_READ);
	t->ended_seen = t->record.ended;
	t->token_counts = token_counter (t);
	learn_max (function, t);
	update_left (t);
	return true;
}

bool
tries_state_file (const tries *t, char *buf, size_t len)
{
	return !t->in_memory && store != NULL &&
	       hkp11_lockout_store_path (store, t->id.key, buf, len);
}

/* The backend's flags after a wrong PIN: a card that counts for itself
 * (behind OpenSC, say) may raise its final try while the shim's count,
 * from lockout-attempts, says more; its warning must not wait. */
void
refresh_flags (const char *function, tries *t)
{
	CK_TOKEN_INFO info;
	if (lockout_below.C_GetTokenInfo (t->slot, &info) == CKR_OK) {
		t->flags = info.flags;
		learn_max (function, t);
		update_left (t);
	}
}

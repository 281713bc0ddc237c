/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lockout layer: no e-Cert token lost to its last wrong PIN.
 *
 * Tries left come from the token when it tells (SafeNet's ETCKA_RETRY_USER
 * on its ETCKH_TOKEN_OBJECT), else from the shim's own count of
 * CKR_PIN_INCORRECT answers, kept per token in the state store and shared
 * by every process of the user.  From lockout-warn tries left the user is
 * warned on every channel once a PIN went wrong: an event for the audit
 * log, a line on a terminal's stderr, syslog (audit-syslog), the token
 * flags, and the token label (the one text NSS shows in its password
 * dialog).  At lockout-guard tries left a user login or PIN change is refused with
 * CKR_PIN_LOCKED before the token is asked, until the user releases the
 * guard on purpose, for one try.  Where the shim counts, a count that has
 * run out makes the token read as locked, and every user login and PIN
 * change is refused so, whatever lockout-guard says: a right PIN on a
 * released try is the one way back.  A wrong PIN
 * already refused in this process in the last ten minutes is refused again
 * without asking the token: applications retry cached PINs.
 *
 * Only the user PIN is counted; SO logins and SO PIN changes pass.  The
 * settings are common/settings-lockout.c's.
 */
#include "config.h"
#include "compat.h"
#include "etoken-objects.h"
#include "events.h"
#include "layer.h"
#include "lockout-state.h"
#include "message.h"
#include "settings-lockout.h"
#include "token-id.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const hkp11_lockout_settings *const settings = &hkp11_lockout_conf;

/* How long a wrong PIN is remembered, and how many are. */
#define REPEAT_SECONDS 600
#define REPEAT_MAX 32
#define MAC_LEN 32
/* Longest PIN the repeat guard looks at; longer ones simply pass. */
#define REPEAT_PIN_MAX 1024

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

typedef struct {
	char key[sizeof ((hkp11_token_id *)0)->key];
	unsigned char mac[MAC_LEN];
	struct timespec when;
} wrong_pin;

static CK_FUNCTION_LIST_3_0 below;

/* Guards everything below; never held while calling the token. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static hkp11_lockout_store *store;
static token_entry *tokens;
static size_t n_tokens;
static bool told_unwritable;
static wrong_pin wrong_pins[REPEAT_MAX];
static size_t n_wrong_pins;
static unsigned char mac_key[MAC_LEN];
static bool have_mac_key;

/* Everything about a token's tries at one moment. */
typedef struct {
	CK_SLOT_ID slot;
	hkp11_token_id id;
	CK_FLAGS flags;       /* the backend's token flags */
	bool maybe_safenet;   /* worth asking for SafeNet's retry counter */
	bool token_counts;    /* left comes from the token itself */
	long token_left;      /* the token's own count, when token_counts */
	unsigned int ended_seen; /* the record's count of ended tries before it was read */
	long left;            /* tries left, as the user is told */
	long guard_left;      /* tries left, tries at the token now taken as spent */
	long max;             /* tries when none is spent */
	bool counted_out;     /* the shim's count has run out: the token reads as locked */
	hkp11_lockout_record record;
	bool in_memory;        /* the store could not keep this token's count */
	char state_path[4096];
} tries;

/* ---- Reports ---------------------------------------------------------- */

static void
report (hkp11_event_level level, const char *name, const char *function, const tries *t,
	CK_SESSION_HANDLE session, long left, CK_RV result, const char *detail)
{
	hkp11_event event = {
		.level = level,
		.name = name,
		.function = function,
		.slot = t ? t->slot : 0,
		.session = session,
		.tries_left = left,
		.result = result,
		.detail = detail,
	};
	hkp11_event_report (&event);
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
	pthread_mutex_lock (&lock);
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
	pthread_mutex_unlock (&lock);
	if (!tell)
		return;
	report (HKP11_EVENT_WARNING, name, function, t, CK_INVALID_HANDLE, -1, CKR_OK, note->text);
	hkp11_message_tty (HKP11_MSG_WARNING, "%s", note->text);
}

/* ---- Tries left ------------------------------------------------------- */

/* What the store needs to judge a try at t's token. */
static void
try_rule (const tries *t, hkp11_try_rule *rule)
{
	rule->token_left = t->token_counts ? t->token_left : -1;
	rule->ended_seen = t->ended_seen;
	rule->attempts = settings->attempts;
	/* The backend's own flags bound what any count says. */
	rule->left_cap = (t->flags & CKF_USER_PIN_LOCKED)       ? 0
			 : (t->flags & CKF_USER_PIN_FINAL_TRY) ? 1
							       : -1;
	/* A token locked already answers for itself: nothing to hold back. */
	rule->guard = (t->flags & CKF_USER_PIN_LOCKED) ? 0 : settings->guard;
}

/* Tries left as t's record and token counter stand. */
static void
update_left (tries *t)
{
	hkp11_try_rule rule;
	try_rule (t, &rule);
	long long now = (long long)time (NULL);
	if (!t->token_counts)
		t->max = settings->attempts;
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

static void
store_op (const char *function, tries *t, hkp11_state_op op)
{
	hkp11_state_note note;
	if (store == NULL)
		return;
	hkp11_lockout_store_update (store, t->id.key, t->id.text, op, &t->record, &note);
	after_store (function, t, &note);
}

/* Decides the try and counts it in one step under the store's lock:
 * processes trying at once each see the others' tries. */
static hkp11_try_verdict
begin_try (const char *function, tries *t)
{
	hkp11_try_verdict verdict = HKP11_TRY_GRANTED;
	hkp11_try_rule rule;
	hkp11_state_note note;

	try_rule (t, &rule);
	if (store == NULL ||
	    !hkp11_lockout_store_begin_try (store, t->id.key, t->id.text, &rule, &verdict,
					    &t->record, &note))
		return HKP11_TRY_GRANTED; /* a token it cannot name is not counted at all */
	after_store (function, t, &note);
	return verdict;
}

static void
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
static bool
token_counter (tries *t)
{
	tries_source source;
	unsigned long left = 0, max = 0;

	pthread_mutex_lock (&lock);
	token_entry *e = token_entry_inlock (t->id.key);
	source = e ? e->source : SOURCE_UNKNOWN;
	pthread_mutex_unlock (&lock);
	if (source == SOURCE_SHIM || !t->maybe_safenet)
		return false;

	hkp11_etoken_result result = hkp11_etoken_read_retries (&below, t->slot, &left, &max);
	if (result == HKP11_ETOKEN_FAILED)
		return false; /* ask again next time */

	pthread_mutex_lock (&lock);
	e = token_entry_inlock (t->id.key);
	if (e != NULL)
		e->source = result == HKP11_ETOKEN_FOUND ? SOURCE_TOKEN : SOURCE_SHIM;
	pthread_mutex_unlock (&lock);
	if (result != HKP11_ETOKEN_FOUND)
		return false;

	t->token_left = left > 100000 ? 100000 : (long)left;
	t->max = max > 0 && max <= 100000 ? (long)max : (long)settings->attempts;
	return true;
}

/* Fills t for the token in slot; info is the backend's, or NULL to ask. */
static bool
read_tries (const char *function, CK_SLOT_ID slot, const CK_TOKEN_INFO *info, tries *t)
{
	CK_TOKEN_INFO own;

	memset (t, 0, sizeof *t);
	t->slot = slot;
	if (info == NULL) {
		if (below.C_GetTokenInfo (slot, &own) != CKR_OK)
			return false;
		info = &own;
	}
	hkp11_token_id_from_info (info, &t->id);
	t->flags = info->flags;
	t->maybe_safenet = may_count_itself (info);
	if (store == NULL || !hkp11_lockout_store_path (store, t->id.key, t->state_path,
							sizeof t->state_path))
		t->state_path[0] = '\0';

	/* The record also carries a guard release, whoever counts. */
	store_op (function, t, HKP11_STATE_READ);
	t->ended_seen = t->record.ended;
	t->token_counts = token_counter (t);
	update_left (t);
	return true;
}

/* The backend's flags after a wrong PIN: a card that counts for itself
 * (behind OpenSC, say) may raise its final try while the shim's count,
 * from lockout-attempts, says more; its warning must not wait. */
static void
refresh_flags (tries *t)
{
	CK_TOKEN_INFO info;
	if (below.C_GetTokenInfo (t->slot, &info) == CKR_OK) {
		t->flags = info.flags;
		update_left (t);
	}
}

static bool
session_slot (CK_SESSION_HANDLE session, CK_SLOT_ID *slot, bool *so)
{
	CK_SESSION_INFO info;
	if (below.C_GetSessionInfo (session, &info) != CKR_OK)
		return false;
	*slot = info.slotID;
	*so = info.state == CKS_RW_SO_FUNCTIONS;
	return true;
}

/* ---- The guard -------------------------------------------------------- */

static void
describe_release (const tries *t, char *buf, size_t len)
{
	if (t->token_counts)
		snprintf (buf, len,
			  "If you are sure of the PIN, release the guard for one try with "
			  "'hkpost-p11 guard release' (the token counts its own tries, so "
			  "deleting the state file does not help) or set lockout-guard: 0");
	else if (t->state_path[0] && !t->in_memory)
		snprintf (buf, len,
			  "If you are sure of the PIN, release the guard with 'hkpost-p11 guard "
			  "release' or by deleting %s, then try again",
			  t->state_path);
	else
		snprintf (buf, len,
			  "If you are sure of the PIN, restart the program (the count is kept "
			  "in memory only) or set lockout-guard: 0, then try again");
}

/* Whether a try at t's token is held back, as last read, unless the user
 * released the guard. */
static bool
held_back (const tries *t)
{
	hkp11_try_rule rule;
	try_rule (t, &rule);
	return hkp11_lockout_try_held (&t->record, &rule, (long long)time (NULL));
}

/* The shim's count has run out: the token reads as locked.  A token that
 * really locked at that count answers CKR_PIN_LOCKED to a released try as
 * well; one that allows more (SoftHSM never locks) opens to a right PIN. */
static CK_RV
refuse_counted_out (const char *function, CK_SESSION_HANDLE session, const tries *t)
{
	char release[300], detail[2000];

	if (t->state_path[0] && !t->in_memory)
		snprintf (release, sizeof release,
			  "If the token allows more tries than that and you are sure of the PIN, "
			  "'hkpost-p11 guard release' lets one try through; a right PIN gives the "
			  "tries back");
	else
		snprintf (release, sizeof release,
			  "If the token allows more tries than that and you are sure of the PIN, "
			  "restart the program: the count is kept in memory only, and starts "
			  "again");
	snprintf (detail, sizeof detail,
		  "refused without asking the token: token '%s' (%s) reads as locked: "
		  "hkpost-p11 counted %u wrong PIN%s, all that lockout-attempts allows (%u). A "
		  "locked e-Cert token cannot be unlocked: Hongkong Post has to revoke the "
		  "e-Cert, and the holder applies for a new one (Hongkong Post Certification "
		  "Authority hotline 2921 6633). %s.",
		  t->id.label, t->id.text, t->record.failures, t->record.failures == 1 ? "" : "s",
		  settings->attempts, release);
	report (HKP11_EVENT_ERROR, "lockout-guard", function, t, session, 0, CKR_PIN_LOCKED,
		detail);
	hkp11_message (HKP11_MSG_ERROR,
		       "%s refused: token '%s' (%s) reads as locked: hkpost-p11 counted %u wrong "
		       "PIN%s, all that lockout-attempts allows. A locked e-Cert token has to be "
		       "replaced: Hongkong Post revokes the e-Cert and you apply for a new one "
		       "(Hongkong Post Certification Authority hotline 2921 6633). %s.",
		       function, t->id.label, t->id.text, t->record.failures,
		       t->record.failures == 1 ? "" : "s", release);
	return CKR_PIN_LOCKED;
}

static CK_RV
refuse (const char *function, CK_SESSION_HANDLE session, const tries *t)
{
	char release[1200], detail[2000], busy[100] = "";
	long left = t->guard_left;

	/* Out as the user is told, not only with a try at the token now. */
	if (t->counted_out && t->left == 0)
		return refuse_counted_out (function, session, t);
	describe_release (t, release, sizeof release);
	if (t->left > left)
		snprintf (busy, sizeof busy, " (counting the tr%s other programs have at it now)",
			  t->left - left == 1 ? "y" : "ies");
	snprintf (detail, sizeof detail,
		  "refused without asking the token: %ld tr%s left%s before token '%s' (%s) "
		  "locks for good. %s",
		  left, left == 1 ? "y" : "ies", busy, t->id.label, t->id.text, release);
	report (HKP11_EVENT_ERROR, "lockout-guard", function, t, session, left, CKR_PIN_LOCKED,
		detail);
	hkp11_message (HKP11_MSG_ERROR,
		       "%s refused: only %ld tr%s left%s before token '%s' (%s) locks for good, "
		       "and a locked e-Cert token has to be replaced. hkpost-p11 holds back the "
		       "last tr%s. %s.",
		       function, left, left == 1 ? "y" : "ies", busy, t->id.label, t->id.text,
		       left == 1 ? "y" : "ies", release);
	return CKR_PIN_LOCKED;
}

static void
report_release_used (const char *function, CK_SESSION_HANDLE session, const tries *t)
{
	char detail[200];
	/* As shown, left leaves out the tries at the token now, this one too. */
	snprintf (detail, sizeof detail,
		  "the guard was released: this try goes to the token with %ld tr%s left", t->left,
		  t->left == 1 ? "y" : "ies");
	report (HKP11_EVENT_WARNING, "lockout-guard-released", function, t, session, t->left,
		CKR_OK, detail);
}

/* ---- Repeated wrong PINs ---------------------------------------------- */

static bool
pin_mac (const char *key, CK_UTF8CHAR_PTR pin, CK_ULONG len, unsigned char mac[MAC_LEN])
{
	if (!have_mac_key || pin == NULL || len > REPEAT_PIN_MAX)
		return false;
	size_t key_len = strlen (key) + 1; /* the NUL keeps key and PIN apart */
	size_t total = key_len + len;
	unsigned char *data = malloc (total);
	unsigned int mac_len = 0;
	if (data == NULL)
		return false;
	memcpy (data, key, key_len);
	memcpy (data + key_len, pin, len);
	bool ok = HMAC (EVP_sha256 (), mac_key, sizeof mac_key, data, total, mac, &mac_len) != NULL &&
		  mac_len == MAC_LEN;
	hkp11_wipe (data, total);
	free (data);
	return ok;
}

static double
seconds_since (const struct timespec *then)
{
	struct timespec now;
	clock_gettime (CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - then->tv_sec) + (now.tv_nsec - then->tv_nsec) / 1e9;
}

/* Returns how many seconds ago the same wrong PIN failed, or -1. */
static double
wrong_pin_seen (const char *key, const unsigned char mac[MAC_LEN])
{
	double ago = -1;
	pthread_mutex_lock (&lock);
	for (size_t i = 0; i < n_wrong_pins;) {
		double s = seconds_since (&wrong_pins[i].when);
		/* Nothing is kept past its ten minutes. */
		if (s >= REPEAT_SECONDS) {
			wrong_pins[i] = wrong_pins[--n_wrong_pins];
			hkp11_wipe (&wrong_pins[n_wrong_pins], sizeof wrong_pins[n_wrong_pins]);
			continue;
		}
		if (strcmp (wrong_pins[i].key, key) == 0 &&
		    CRYPTO_memcmp (wrong_pins[i].mac, mac, MAC_LEN) == 0)
			ago = s;
		i++;
	}
	pthread_mutex_unlock (&lock);
	return ago;
}

static void
wrong_pin_remember (const char *key, const unsigned char mac[MAC_LEN])
{
	pthread_mutex_lock (&lock);
	size_t slot = n_wrong_pins;
	/* The same PIN again, or the oldest, or an expired one makes room. */
	for (size_t i = 0; i < n_wrong_pins; i++) {
		if (strcmp (wrong_pins[i].key, key) == 0 &&
		    CRYPTO_memcmp (wrong_pins[i].mac, mac, MAC_LEN) == 0) {
			slot = i;
			break;
		}
	}
	if (slot == REPEAT_MAX) {
		slot = 0;
		for (size_t i = 1; i < n_wrong_pins; i++) {
			if (seconds_since (&wrong_pins[i].when) > seconds_since (&wrong_pins[slot].when))
				slot = i;
		}
	} else if (slot == n_wrong_pins) {
		n_wrong_pins++;
	}
	hkp11_strlcpy (wrong_pins[slot].key, key, sizeof wrong_pins[slot].key);
	memcpy (wrong_pins[slot].mac, mac, MAC_LEN);
	clock_gettime (CLOCK_MONOTONIC, &wrong_pins[slot].when);
	pthread_mutex_unlock (&lock);
}

/* After the PIN changed, a PIN that was wrong may be right. */
static void
wrong_pins_forget (const char *key)
{
	pthread_mutex_lock (&lock);
	for (size_t i = 0; i < n_wrong_pins;) {
		if (strcmp (wrong_pins[i].key, key) == 0) {
			hkp11_wipe (&wrong_pins[i], sizeof wrong_pins[i]);
			wrong_pins[i] = wrong_pins[--n_wrong_pins];
			hkp11_wipe (&wrong_pins[n_wrong_pins], sizeof wrong_pins[n_wrong_pins]);
		} else {
			i++;
		}
	}
	pthread_mutex_unlock (&lock);
}

/* ---- Warnings --------------------------------------------------------- */

static void
warn_tries (const char *function, CK_SESSION_HANDLE session, const tries *t, const char *what)
{
	char detail[1200], after[200] = "";

	if (settings->warn == 0 || t->left > (long)settings->warn)
		return;
	if (settings->guard > 0 && t->left <= (long)settings->guard && t->left > 0)
		snprintf (after, sizeof after,
			  " hkpost-p11 will hold back the last tr%s until the guard is released.",
			  t->left == 1 ? "y" : "ies");
	snprintf (detail, sizeof detail,
		  "%s: %ld tr%s left before token '%s' (%s) locks for good.%s", what, t->left,
		  t->left == 1 ? "y" : "ies", t->id.label, t->id.text, after);
	report (HKP11_EVENT_WARNING, "lockout-warning", function, t, session, t->left, CKR_OK,
		detail);
	hkp11_message_tty (HKP11_MSG_WARNING,
			   "%s for token '%s': %ld tr%s left before it locks for good, and a "
			   "locked e-Cert token has to be replaced.%s",
			   what, t->id.label, t->left, t->left == 1 ? "y" : "ies", after);
}

/* ---- The counted calls ------------------------------------------------ */

typedef enum { CALL_LOGIN, CALL_LOGIN_USER, CALL_SET_PIN } call_kind;

typedef struct {
	call_kind kind;
	const char *function;
	CK_SESSION_HANDLE session;
	CK_USER_TYPE user_type;
	CK_UTF8CHAR_PTR pin; /* the PIN being checked: the old one for C_SetPIN */
	CK_ULONG pin_len;
	CK_UTF8CHAR_PTR new_pin;
	CK_ULONG new_len;
	CK_UTF8CHAR_PTR username;
	CK_ULONG username_len;
} counted_call;

static CK_RV
call_below (const counted_call *c)
{
	switch (c->kind) {
	case CALL_LOGIN:
		return below.C_Login (c->session, c->user_type, c->pin, c->pin_len);
	case CALL_LOGIN_USER:
		return below.C_LoginUser (c->session, c->user_type, c->pin, c->pin_len, c->username,
					  c->username_len);
	case CALL_SET_PIN:
		return below.C_SetPIN (c->session, c->pin, c->pin_len, c->new_pin, c->new_len);
	}
	return CKR_GENERAL_ERROR;
}

static CK_RV
counted (const counted_call *c)
{
	unsigned char mac[MAC_LEN];
	bool have_mac = false;
	CK_SLOT_ID slot;
	bool so;
	tries t;
	CK_RV rv;

	/* The SO PIN, or a session we cannot place: not ours to count. */
	if (c->user_type == CKU_SO || !session_slot (c->session, &slot, &so) || so ||
	    !read_tries (c->function, slot, NULL, &t))
		return call_below (c);

	/* The cheap refusal, on the count as read; begin_try decides. */
	if (held_back (&t) && t.record.released == 0)
		return refuse (c->function, c->session, &t);

	if (settings->repeat_guard && (have_mac = pin_mac (t.id.key, c->pin, c->pin_len, mac))) {
		double ago = wrong_pin_seen (t.id.key, mac);
		if (ago >= 0) {
			char detail[600];
			snprintf (detail, sizeof detail,
				  "the same wrong PIN was refused for token '%s' (%s) %.0f seconds "
				  "ago: refused again without asking the token, no try spent",
				  t.id.label, t.id.text, ago);
			report (HKP11_EVENT_WARNING, "repeat-pin-refused", c->function, &t, c->session,
				t.left, CKR_PIN_INCORRECT, detail);
			hkp11_message_tty (HKP11_MSG_WARNING,
					   "%s: the same wrong PIN for token '%s' was refused %.0f "
					   "seconds ago; not sent again, so no try was spent",
					   c->function, t.id.label, ago);
			hkp11_wipe (mac, sizeof mac);
			return CKR_PIN_INCORRECT;
		}
	}

	hkp11_try_verdict verdict = begin_try (c->function, &t);
	if (verdict == HKP11_TRY_REFUSED) {
		/* Tries by other processes took the count to the guard. */
		hkp11_wipe (mac, sizeof mac);
		return refuse (c->function, c->session, &t);
	}
	if (verdict == HKP11_TRY_RELEASED)
		report_release_used (c->function, c->session, &t);

	rv = call_below (c);

	if (rv == CKR_PIN_INCORRECT && t.token_counts) {
		long before = t.token_left;
		if (!token_counter (&t))
			t.token_left = before > 0 ? before - 1 : 0;
	}
	end_try (c->function, &t, rv);

	if (rv == CKR_PIN_INCORRECT) {
		if (have_mac)
			wrong_pin_remember (t.id.key, mac);
		if (!t.token_counts)
			refresh_flags (&t);
		warn_tries (c->function, c->session, &t, "wrong PIN");
	} else if (rv == CKR_OK) {
		if (c->kind == CALL_SET_PIN)
			wrong_pins_forget (t.id.key);
	} else if (rv == CKR_PIN_LOCKED) {
		char detail[600];
		snprintf (detail, sizeof detail, "token '%s' (%s) answered that its user PIN is locked",
			  t.id.label, t.id.text);
		report (HKP11_EVENT_ERROR, "token-locked", c->function, &t, c->session, 0, rv, detail);
		hkp11_message (HKP11_MSG_ERROR, "%s: token '%s' (%s) says its user PIN is locked",
			       c->function, t.id.label, t.id.text);
	}
	hkp11_wipe (mac, sizeof mac);
	return rv;
}

static CK_RV
lockout_C_Login (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		 CK_ULONG ulPinLen)
{
	counted_call c = {
		.kind = CALL_LOGIN,
		.function = "C_Login",
		.session = hSession,
		.user_type = userType,
		.pin = pPin,
		.pin_len = ulPinLen,
	};
	return counted (&c);
}

static CK_RV
lockout_C_LoginUser (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		     CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	counted_call c = {
		.kind = CALL_LOGIN_USER,
		.function = "C_LoginUser",
		.session = hSession,
		.user_type = userType,
		.pin = pPin,
		.pin_len = ulPinLen,
		.username = pUsername,
		.username_len = ulUsernameLen,
	};
	return counted (&c);
}

static CK_RV
lockout_C_SetPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
		  CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	/* A wrong old PIN costs a try like a wrong login. */
	counted_call c = {
		.kind = CALL_SET_PIN,
		.function = "C_SetPIN",
		.session = hSession,
		.user_type = CKU_USER,
		.pin = pOldPin,
		.pin_len = ulOldLen,
		.new_pin = pNewPin,
		.new_len = ulNewLen,
	};
	return counted (&c);
}

/* The SO sets a new user PIN: the token starts counting afresh.  Anyone
 * else gets nothing from a token the shim's count says is locked: setting
 * the user PIN proves no PIN, so not even a released try is spent on it. */
static CK_RV
lockout_C_InitPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	CK_SLOT_ID slot;
	bool so = false, placed = session_slot (hSession, &slot, &so);
	tries t;

	if (placed && !so && read_tries ("C_InitPIN", slot, NULL, &t) && t.counted_out &&
	    t.left == 0)
		return refuse_counted_out ("C_InitPIN", hSession, &t);

	CK_RV rv = below.C_InitPIN (hSession, pPin, ulPinLen);
	if (rv == CKR_OK && placed && so && read_tries ("C_InitPIN", slot, NULL, &t)) {
		store_op ("C_InitPIN", &t, HKP11_STATE_RESET);
		wrong_pins_forget (t.id.key);
	}
	return rv;
}

/* ---- What the token shows --------------------------------------------- */

/* Writes "LABEL (N tries left)" into the 32-byte blank-padded label,
 * shortening LABEL at a character boundary so the count always shows. */
static void
label_with_tries (CK_UTF8CHAR label[32], long left)
{
	char suffix[32], text[33];
	size_t len, room;

	if (left <= 0)
		snprintf (suffix, sizeof suffix, "(locked)");
	else
		snprintf (suffix, sizeof suffix, "(%ld tr%s left)", left, left == 1 ? "y" : "ies");
	hkp11_token_field (label, 32, text, sizeof text);
	len = strlen (text);
	room = 32 - strlen (suffix);
	room = room > 0 ? room - 1 : 0; /* the space before the suffix */
	if (len > room) {
		len = room;
		/* Never cut a UTF-8 sequence: step back over continuation bytes
		 * and drop the lead byte they belong to. */
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	while (len > 0 && text[len - 1] == ' ')
		len--;
	text[len] = '\0';

	memset (label, ' ', 32);
	int n = snprintf ((char *)text + len, sizeof text - len, "%s%s", len ? " " : "", suffix);
	if (n > 0)
		len += (size_t)n;
	memcpy (label, text, len > 32 ? 32 : len);
}

static CK_RV
lockout_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	tries t;

	CK_RV rv = below.C_GetTokenInfo (slotID, pInfo);
	if (rv != CKR_OK || !(pInfo->flags & CKF_TOKEN_INITIALIZED) ||
	    !read_tries ("C_GetTokenInfo", slotID, pInfo, &t))
		return rv;

	/* OR'ed in, never cleared: the backend may know better. */
	if (t.left < t.max)
		pInfo->flags |= CKF_USER_PIN_COUNT_LOW;
	if (t.left == 1)
		pInfo->flags |= CKF_USER_PIN_FINAL_TRY;
	if (t.left == 0)
		pInfo->flags |= CKF_USER_PIN_LOCKED;

	/* NSS shows only the label in its password dialog.  The other
	 * channels were told when the count fell, at the wrong PIN.  Nothing
	 * is counted down before a try was spent, however few the token has:
	 * a warning when nothing went wrong teaches the holder to ignore it. */
	if (settings->warn > 0 && settings->warn_label && t.left < t.max &&
	    t.left <= (long)settings->warn)
		label_with_tries (pInfo->label, t.left);
	return rv;
}

/* ---- Life cycle ------------------------------------------------------- */

static bool
lockout_enabled (void)
{
	return hkp11_lockout_enabled (settings);
}

static void
forget_everything (void)
{
	hkp11_wipe (wrong_pins, sizeof wrong_pins);
	n_wrong_pins = 0;
	hkp11_wipe (mac_key, sizeof mac_key);
	have_mac_key = false;
	free (tokens);
	tokens = NULL;
	n_tokens = 0;
	told_unwritable = false;
}

static CK_RV
lockout_start (void)
{
	/* In a forked child the parent's lock may be held by a thread that
	 * is gone, and its store with it: start from nothing. */
	pthread_mutex_init (&lock, NULL);
	store = NULL;
	tokens = NULL;
	forget_everything ();

	store = hkp11_lockout_store_new (settings->state_dir);
	if (store == NULL)
		return CKR_HOST_MEMORY;
	if (settings->guard >= settings->attempts)
		hkp11_message (HKP11_MSG_WARNING,
			       "lockout-guard (%u) is not below lockout-attempts (%u): every user "
			       "login to a token the shim counts for will be refused",
			       settings->guard, settings->attempts);
	/* A fresh key per process: the hashes mean nothing anywhere else. */
	have_mac_key = RAND_bytes (mac_key, sizeof mac_key) == 1;
	return CKR_OK;
}

static void
lockout_stop (void)
{
	pthread_mutex_lock (&lock);
	forget_everything ();
	hkp11_lockout_store_free (store);
	store = NULL;
	pthread_mutex_unlock (&lock);
}

static const CK_FUNCTION_LIST_3_0 wraps = {
	.C_GetTokenInfo = lockout_C_GetTokenInfo,
	.C_InitPIN = lockout_C_InitPIN,
	.C_SetPIN = lockout_C_SetPIN,
	.C_Login = lockout_C_Login,
	.C_LoginUser = lockout_C_LoginUser,
};

hkp11_layer hkp11_lockout_layer = {
	.name = "lockout",
	.wraps = &wraps,
	.below = &below,
	.options = &hkp11_lockout_group,
	.enabled = lockout_enabled,
	.start = lockout_start,
	.stop = lockout_stop,
};

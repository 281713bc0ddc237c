/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the audit layer remembers between calls, so that records name the
 * slot and the token without asking the backend on every call.
 */
#include "config.h"
#include "internal.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

/*
 * Which slot each session belongs to, so that records name the slot and the
 * token without asking the backend on every call; and the serial number of
 * the token in each slot.  Guarded by table_lock, never held across a call
 * into the backend.
 */
#define SESSION_SLOTS 1024 /* a power of two */
#define TOKEN_SLOTS 16
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	CK_SESSION_HANDLE session; /* CK_INVALID_HANDLE: free */
	CK_SLOT_ID slot;
} sessions[SESSION_SLOTS];
static size_t n_sessions;
static struct {
	bool used;
	CK_SLOT_ID slot;
	unsigned char serial[16];
} tokens[TOKEN_SLOTS];
static unsigned int next_token;
/* Who is logged in on which slot, so that the end of a login is recorded
 * also when it comes without C_Logout: with the slot's last session. */
static struct {
	bool used;
	CK_SLOT_ID slot;
	CK_USER_TYPE user;
} logins[TOKEN_SLOTS];

static size_t
session_home (CK_SESSION_HANDLE h)
{
	return (size_t)((h * 0x9e3779b97f4a7c15ull) >> 32) & (SESSION_SLOTS - 1);
}

void
session_add (CK_SESSION_HANDLE h, CK_SLOT_ID slot)
{
	if (h == CK_INVALID_HANDLE)
		return;
	pthread_mutex_lock (&table_lock);
	size_t i = session_home (h);
	while (sessions[i].session != CK_INVALID_HANDLE && sessions[i].session != h)
		i = (i + 1) & (SESSION_SLOTS - 1);
	if (sessions[i].session == h) {
		sessions[i].slot = slot;
	} else if (n_sessions < SESSION_SLOTS * 3 / 4) {
		/* Beyond that, records of further sessions go without a slot. */
		sessions[i].session = h;
		sessions[i].slot = slot;
		n_sessions++;
	}
	pthread_mutex_unlock (&table_lock);
}

static bool
session_find_inlock (CK_SESSION_HANDLE h, size_t *at)
{
	size_t i = session_home (h);
	while (sessions[i].session != CK_INVALID_HANDLE) {
		if (sessions[i].session == h) {
			*at = i;
			return true;
		}
		i = (i + 1) & (SESSION_SLOTS - 1);
	}
	return false;
}

/* Linear probing: close the hole so that later entries stay reachable. */
static void
session_remove_at_inlock (size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & (SESSION_SLOTS - 1);
		if (sessions[j].session == CK_INVALID_HANDLE)
			break;
		size_t k = session_home (sessions[j].session);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		sessions[i] = sessions[j];
		i = j;
	}
	sessions[i].session = CK_INVALID_HANDLE;
	n_sessions--;
}

void
session_remove (CK_SESSION_HANDLE h)
{
	size_t at;
	pthread_mutex_lock (&table_lock);
	if (session_find_inlock (h, &at))
		session_remove_at_inlock (at);
	pthread_mutex_unlock (&table_lock);
}

void
session_remove_slot (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&table_lock);
	for (size_t i = 0; i < SESSION_SLOTS;) {
		if (sessions[i].session != CK_INVALID_HANDLE && sessions[i].slot == slot)
			session_remove_at_inlock (i); /* may move another entry here */
		else
			i++;
	}
	pthread_mutex_unlock (&table_lock);
}

void
token_forget (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&table_lock);
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (tokens[i].used && tokens[i].slot == slot)
			tokens[i].used = false;
	}
	pthread_mutex_unlock (&table_lock);
}

void
token_remember (CK_SLOT_ID slot, const CK_TOKEN_INFO *info)
{
	pthread_mutex_lock (&table_lock);
	int at = -1;
	for (int i = 0; i < TOKEN_SLOTS && at < 0; i++) {
		if (tokens[i].used && tokens[i].slot == slot)
			at = i;
	}
	if (at < 0)
		at = (int)(next_token++ % TOKEN_SLOTS);
	tokens[at].used = true;
	tokens[at].slot = slot;
	memcpy (tokens[at].serial, info->serialNumber, sizeof tokens[at].serial);
	pthread_mutex_unlock (&table_lock);
}

static bool
token_lookup_inlock (CK_SLOT_ID slot, unsigned char serial[16])
{
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (tokens[i].used && tokens[i].slot == slot) {
			memcpy (serial, tokens[i].serial, 16);
			return true;
		}
	}
	return false;
}

void
login_set (CK_SLOT_ID slot, CK_USER_TYPE user)
{
	pthread_mutex_lock (&table_lock);
	int at = -1;
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (logins[i].used && logins[i].slot == slot)
			at = i;
		else if (!logins[i].used && at < 0)
			at = i;
	}
	if (at >= 0) {
		logins[at].used = true;
		logins[at].slot = slot;
		logins[at].user = user;
	}
	pthread_mutex_unlock (&table_lock);
}

static bool
login_find_inlock (CK_SLOT_ID slot, CK_USER_TYPE *user)
{
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (logins[i].used && logins[i].slot == slot) {
			*user = logins[i].user;
			return true;
		}
	}
	return false;
}

void
login_clear (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&table_lock);
	for (int i = 0; i < TOKEN_SLOTS; i++) {
		if (logins[i].used && logins[i].slot == slot)
			logins[i].used = false;
	}
	pthread_mutex_unlock (&table_lock);
}

bool
close_ends_login (CK_SESSION_HANDLE session, bool all, CK_SLOT_ID *slot, CK_USER_TYPE *user)
{
	size_t at;
	bool ends = false;
	pthread_mutex_lock (&table_lock);
	if (all || session_find_inlock (session, &at)) {
		if (!all)
			*slot = sessions[at].slot;
		if (login_find_inlock (*slot, user)) {
			size_t others = 0;
			for (size_t i = 0; i < SESSION_SLOTS && !all && others < 2; i++)
				others += sessions[i].session != CK_INVALID_HANDLE && sessions[i].slot == *slot;
			ends = all || others == 1;
		}
	}
	pthread_mutex_unlock (&table_lock);
	return ends;
}

void
tokens_reset (void)
{
	pthread_mutex_init (&table_lock, NULL);
	memset (sessions, 0, sizeof sessions);
	n_sessions = 0;
	memset (tokens, 0, sizeof tokens);
	next_token = 0;
	memset (logins, 0, sizeof logins);
}

bool
token_serial (CK_SLOT_ID slot, unsigned char serial[16])
{
	pthread_mutex_lock (&table_lock);
	bool known = token_lookup_inlock (slot, serial);
	pthread_mutex_unlock (&table_lock);
	return known;
}

/* Slot and serial under one lock: this runs on every call. */
bool
session_slot_serial (CK_SESSION_HANDLE h, CK_SLOT_ID *slot, unsigned char serial[16],
		     bool *has_serial)
{
	size_t at;
	pthread_mutex_lock (&table_lock);
	bool known = session_find_inlock (h, &at);
	*slot = known ? sessions[at].slot : 0;
	*has_serial = known && token_lookup_inlock (*slot, serial);
	pthread_mutex_unlock (&table_lock);
	return known;
}

bool
login_any (CK_SLOT_ID *slot, CK_USER_TYPE *user)
{
	bool found = false;
	pthread_mutex_lock (&table_lock);
	for (int i = 0; i < TOKEN_SLOTS && !found; i++) {
		if (logins[i].used) {
			*slot = logins[i].slot;
			*user = logins[i].user;
			found = true;
		}
	}
	pthread_mutex_unlock (&table_lock);
	return found;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session registry (sessions.h).  Sessions live in a lock-free map
 * keyed by handle; slots in a list that only grows while the module is
 * initialised.  Both are changed under `lock` and read without it.
 */
#include "config.h"
#include "core/sessions.h"
#include "base/debug.h"
#include "settings/audit.h"
#include "lockfree/epoch.h"

#include <pthread.h>
#include <stdlib.h>

/* What the registry knows of a slot.  The record is published before it
 * is used and lives until C_Finalize. */
typedef struct slot_rec {
	CK_SLOT_ID slot;          /* never changes */
	struct slot_rec *next;    /* set before the record is published */
	unsigned long n_sessions; /* changed under the lock, read atomically */
	int login;                /* hkp11_login, likewise */
} slot_rec;

/* A session and the slot record it counts in. */
typedef struct {
	hkp11_session pub;
	slot_rec *s;
} session_rec;

static CK_FUNCTION_LIST_3_0 below;

/* Guards every change to the map, the list and the records. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
hkp11_handle_map hkp11_sessions;
static slot_rec *slots; /* read without the lock */
static uint64_t next_id;
static hkp11_login_end_sink login_sink; /* read and set atomically */

#define LOAD(p) __atomic_load_n ((p), __ATOMIC_SEQ_CST)
#define STORE(p, v) __atomic_store_n ((p), (v), __ATOMIC_SEQ_CST)

/* ---- Lookups -------------------------------------------------------------- */

/* Under the lock, or in an epoch read section. */
static slot_rec *
slot_find (CK_SLOT_ID slot)
{
	for (slot_rec *s = LOAD (&slots); s != NULL; s = s->next) {
		if (s->slot == slot)
			return s;
	}
	return NULL;
}

/* Starts a read: an epoch section, or the lock when the thread has no
 * record for one (out of memory). */
static hkp11_epoch_reader *
read_begin (void)
{
	hkp11_epoch_reader *r = hkp11_epoch_enter ();
	if (r == NULL)
		pthread_mutex_lock (&lock);
	return r;
}

static void
read_end (hkp11_epoch_reader *r)
{
	if (r == NULL)
		pthread_mutex_unlock (&lock);
	hkp11_epoch_exit (r);
}

bool
hkp11_session_find (CK_SESSION_HANDLE session, CK_SLOT_ID *slot, CK_FLAGS *flags)
{
	hkp11_return_val_if_fail (slot != NULL, false);
	hkp11_epoch_reader *r = read_begin ();
	const hkp11_session *rec = hkp11_session_get (session);
	if (rec != NULL) {
		*slot = rec->slot;
		if (flags != NULL)
			*flags = rec->flags;
	}
	read_end (r);
	return rec != NULL;
}

hkp11_login
hkp11_slot_login (CK_SLOT_ID slot)
{
	hkp11_epoch_reader *r = read_begin ();
	const slot_rec *s = slot_find (slot);
	hkp11_login login = s ? (hkp11_login)LOAD (&s->login) : HKP11_LOGIN_NONE;
	read_end (r);
	return login;
}

unsigned long
hkp11_slot_sessions (CK_SLOT_ID slot)
{
	hkp11_epoch_reader *r = read_begin ();
	const slot_rec *s = slot_find (slot);
	unsigned long n = s ? LOAD (&s->n_sessions) : 0;
	read_end (r);
	return n;
}

bool
hkp11_login_any (CK_SLOT_ID *slot, hkp11_login *login)
{
	hkp11_epoch_reader *r = read_begin ();
	bool found = false;
	for (const slot_rec *s = LOAD (&slots); s != NULL && !found; s = s->next) {
		int l = LOAD (&s->login);
		if (l != HKP11_LOGIN_NONE) {
			*slot = s->slot;
			*login = (hkp11_login)l;
			found = true;
		}
	}
	read_end (r);
	return found;
}

bool
hkp11_session_slot (const CK_FUNCTION_LIST_3_0 *ask, CK_SESSION_HANDLE session, CK_SLOT_ID *slot,
		    bool *so)
{
	hkp11_return_val_if_fail (ask != NULL && slot != NULL, false);
	if (hkp11_session_find (session, slot, NULL)) {
		if (so != NULL)
			*so = hkp11_slot_login (*slot) == HKP11_LOGIN_SO;
		return true;
	}
	CK_SESSION_INFO info;
	if (ask->C_GetSessionInfo (session, &info) != CKR_OK)
		return false;
	*slot = info.slotID;
	if (so != NULL)
		*so = info.state == CKS_RW_SO_FUNCTIONS;
	return true;
}

/* ---- Changes, under the lock ------------------------------------------------ */

static slot_rec *
slot_get_locked (CK_SLOT_ID slot)
{
	slot_rec *s = slot_find (slot);
	if (s == NULL && (s = calloc (1, sizeof *s)) != NULL) {
		s->slot = slot;
		s->next = slots;
		STORE (&slots, s);
	}
	return s;
}

/* A session is gone: the slot counts one fewer, and with the last one
 * gone nobody is logged in any more. */
static void
account_gone_locked (slot_rec *s)
{
	unsigned long n = s->n_sessions > 0 ? s->n_sessions - 1 : 0;
	STORE (&s->n_sessions, n);
	if (n == 0)
		STORE (&s->login, (int)HKP11_LOGIN_NONE);
}

static void
session_added (CK_SESSION_HANDLE h, CK_SLOT_ID slot, CK_FLAGS flags)
{
	session_rec *rec = malloc (sizeof *rec);
	void *replaced = NULL;
	if (rec == NULL)
		return; /* unknown: lookups fall back on C_GetSessionInfo */
	pthread_mutex_lock (&lock);
	rec->s = slot_get_locked (slot);
	rec->pub.slot = slot;
	rec->pub.flags = flags;
	rec->pub.id = ++next_id;
	if (rec->s == NULL || !hkp11_handle_map_put (&hkp11_sessions, h, 0, rec, &replaced)) {
		pthread_mutex_unlock (&lock);
		free (rec);
		return;
	}
	/* A handle the token reused before its close was seen. */
	if (replaced != NULL)
		account_gone_locked (((session_rec *)replaced)->s);
	STORE (&rec->s->n_sessions, rec->s->n_sessions + 1);
	pthread_mutex_unlock (&lock);
	hkp11_epoch_retire (replaced, free);
	hkp11_epoch_reclaim ();
}

/* Drops session h, if it is still the one with this id: another thread
 * may have seen the handle reused meanwhile. */
static void
session_dropped (CK_SESSION_HANDLE h, uint64_t id)
{
	session_rec *rec;
	pthread_mutex_lock (&lock);
	rec = hkp11_handle_map_get (&hkp11_sessions, h, 0);
	if (rec != NULL && rec->pub.id == id) {
		hkp11_handle_map_steal (&hkp11_sessions, h, 0);
		account_gone_locked (rec->s);
	} else {
		rec = NULL;
	}
	pthread_mutex_unlock (&lock);
	hkp11_epoch_retire (rec, free);
	hkp11_epoch_reclaim ();
}

static bool
in_slot (CK_ULONG h, CK_ULONG unused, void *value, void *ctx)
{
	return ((session_rec *)value)->pub.slot == *(CK_SLOT_ID *)ctx;
}

/* Every session of the slot is gone, and its login with them. */
static void
slot_emptied (CK_SLOT_ID slot)
{
	pthread_mutex_lock (&lock);
	hkp11_handle_map_remove_if (&hkp11_sessions, in_slot, &slot, free);
	slot_rec *s = slot_find (slot);
	if (s != NULL) {
		STORE (&s->n_sessions, 0UL);
		STORE (&s->login, (int)HKP11_LOGIN_NONE);
	}
	pthread_mutex_unlock (&lock);
	hkp11_epoch_reclaim ();
}

/* The slot's token is gone: its sessions with it, and its login, which
 * only the thread that takes it here reports. */
static void
token_gone (CK_SLOT_ID slot, const char *function, CK_SESSION_HANDLE session, CK_RV rv)
{
	hkp11_login ended = HKP11_LOGIN_NONE;
	pthread_mutex_lock (&lock);
	slot_rec *s = slot_find (slot);
	if (s != NULL && s->n_sessions > 0) {
		hkp11_handle_map_remove_if (&hkp11_sessions, in_slot, &slot, free);
		ended = (hkp11_login)s->login;
		STORE (&s->n_sessions, 0UL);
		STORE (&s->login, (int)HKP11_LOGIN_NONE);
	}
	pthread_mutex_unlock (&lock);
	hkp11_epoch_reclaim ();
	hkp11_login_end_sink sink = LOAD (&login_sink);
	if (ended != HKP11_LOGIN_NONE && sink != NULL)
		sink (slot, ended, function, session, rv);
}

void
hkp11_sessions_watch_logins (hkp11_login_end_sink sink)
{
	STORE (&login_sink, sink);
}

static void
login_changed (CK_SESSION_HANDLE h, hkp11_login login)
{
	pthread_mutex_lock (&lock);
	session_rec *rec = hkp11_handle_map_get (&hkp11_sessions, h, 0);
	if (rec != NULL)
		STORE (&rec->s->login, (int)login);
	pthread_mutex_unlock (&lock);
}

/* A call on a session answered rv: has its token gone?  (Below.) */
static void session_answer (const char *function, CK_SESSION_HANDLE session, CK_RV rv);

/* ---- The layer ---------------------------------------------------------------- */

/* Answers that say a session is no more: closed now, or already by the
 * token (its card pulled out). */
static bool
session_gone (CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
	       rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT;
}

static CK_RV
sessions_C_OpenSession (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
			CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
	CK_RV rv = below.C_OpenSession (slotID, flags, pApplication, Notify, phSession);
	if (rv == CKR_OK && phSession != NULL)
		session_added (*phSession, slotID, flags);
	return rv;
}

static CK_RV
sessions_C_CloseSession (CK_SESSION_HANDLE hSession)
{
	hkp11_epoch_reader *r = read_begin ();
	const hkp11_session *rec = hkp11_session_get (hSession);
	uint64_t id = rec ? rec->id : 0;
	read_end (r);

	CK_RV rv = below.C_CloseSession (hSession);
	if (id != 0 && session_gone (rv))
		session_dropped (hSession, id);
	return rv;
}

static CK_RV
sessions_C_CloseAllSessions (CK_SLOT_ID slotID)
{
	CK_RV rv = below.C_CloseAllSessions (slotID);
	if (session_gone (rv) && rv != CKR_SESSION_HANDLE_INVALID && rv != CKR_SESSION_CLOSED)
		slot_emptied (slotID);
	return rv;
}

static CK_RV
sessions_C_InitToken (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
		      CK_UTF8CHAR_PTR pLabel)
{
	CK_RV rv = below.C_InitToken (slotID, pPin, ulPinLen, pLabel);
	if (rv == CKR_OK)
		slot_emptied (slotID);
	return rv;
}

static void
logged_in (CK_SESSION_HANDLE h, CK_USER_TYPE user)
{
	if (user == CKU_USER)
		login_changed (h, HKP11_LOGIN_USER);
	else if (user == CKU_SO)
		login_changed (h, HKP11_LOGIN_SO);
}

static CK_RV
sessions_C_Login (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		  CK_ULONG ulPinLen)
{
	CK_RV rv = below.C_Login (hSession, userType, pPin, ulPinLen);
	if (rv == CKR_OK)
		logged_in (hSession, userType);
	else
		session_answer ("C_Login", hSession, rv);
	return rv;
}

static CK_RV
sessions_C_LoginUser (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		      CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	CK_RV rv = below.C_LoginUser (hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen);
	if (rv == CKR_OK)
		logged_in (hSession, userType);
	return rv;
}

static CK_RV
sessions_C_Logout (CK_SESSION_HANDLE hSession)
{
	CK_RV rv = below.C_Logout (hSession);
	if (rv == CKR_OK)
		login_changed (hSession, HKP11_LOGIN_NONE);
	else
		session_answer ("C_Logout", hSession, rv);
	return rv;
}

/* ---- A token seen gone ---------------------------------------------------------- */

/* Whether the slot has sessions: a slot with none has nothing to lose, and
 * costs a poll (NSS asks every second) no more than this. */
static bool
slot_busy (CK_SLOT_ID slot)
{
	return hkp11_slot_sessions (slot) > 0;
}

static bool
no_token (CK_RV rv)
{
	return rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED;
}

/* Whether the slot has no token now, asked of the backend. */
static bool
slot_empty (CK_SLOT_ID slot)
{
	CK_SLOT_INFO info;
	CK_RV rv = below.C_GetSlotInfo (slot, &info);
	return no_token (rv) || (rv == CKR_OK && !(info.flags & CKF_TOKEN_PRESENT));
}

static CK_RV
sessions_C_GetSlotInfo (CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	CK_RV rv = below.C_GetSlotInfo (slotID, pInfo);
	if (((rv == CKR_OK && pInfo != NULL && !(pInfo->flags & CKF_TOKEN_PRESENT)) ||
	     no_token (rv)) &&
	    slot_busy (slotID))
		token_gone (slotID, "C_GetSlotInfo", CK_INVALID_HANDLE, rv);
	return rv;
}

static CK_RV
sessions_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	CK_RV rv = below.C_GetTokenInfo (slotID, pInfo);
	if (no_token (rv) && slot_busy (slotID))
		token_gone (slotID, "C_GetTokenInfo", CK_INVALID_HANDLE, rv);
	return rv;
}

/* An event in a slot with sessions: came, or went? */
static CK_RV
sessions_C_WaitForSlotEvent (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	CK_RV rv = below.C_WaitForSlotEvent (flags, pSlot, pReserved);
	if (rv == CKR_OK && pSlot != NULL && slot_busy (*pSlot) && slot_empty (*pSlot))
		token_gone (*pSlot, "C_WaitForSlotEvent", CK_INVALID_HANDLE, rv);
	return rv;
}

/* A call on a session answered that the session's token is gone.  A
 * session the token does not know any more is taken for one of a token
 * gone only when the slot is empty: another thread may have closed it. */
static void
session_answer (const char *function, CK_SESSION_HANDLE session, CK_RV rv)
{
	CK_SLOT_ID slot;
	if (!no_token (rv) && rv != CKR_SESSION_HANDLE_INVALID)
		return;
	if (!hkp11_session_find (session, &slot, NULL))
		return;
	if (no_token (rv) || slot_empty (slot))
		token_gone (slot, function, session, rv);
}

/*
 * The calls that begin a use of a session's login: the first to meet the
 * token gone ends the login in the log.  Only these: the calls that follow
 * them (C_Sign, C_FindObjects, ...) and those that programs repeat while
 * they only list (C_GetSessionInfo, C_GetAttributeValue, C_GenerateRandom)
 * would each cost a layer (make bench), and a removal shows anyway in the
 * slot calls that programs poll (NSS: C_GetSlotInfo every second) and at
 * the next search, signature or decryption.
 */
#define WATCHED_CALLS(X) \
	X (C_FindObjectsInit, \
	   (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount), \
	   (hSession, pTemplate, ulCount)) \
	X (C_SignInit, \
	   (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), \
	   (hSession, pMechanism, hKey)) \
	X (C_DecryptInit, \
	   (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), \
	   (hSession, pMechanism, hKey))

#define WATCHED_WRAPPER(name, params, args) \
	static CK_RV sessions_##name params \
	{ \
		CK_RV rv = below.name args; \
		if (rv != CKR_OK) \
			session_answer (#name, hSession, rv); \
		return rv; \
	}
WATCHED_CALLS (WATCHED_WRAPPER)
#undef WATCHED_WRAPPER

static bool
sessions_enabled (void)
{
	return true;
}

static CK_RV
sessions_start (void)
{
	/* A forked child starts empty; the parent's lock may have been held,
	 * and what it holds may have been halfway through a change: dropped,
	 * not freed.  After a C_Finalize there is nothing left to drop. */
	pthread_mutex_init (&lock, NULL);
	hkp11_sessions = (hkp11_handle_map){ 0 };
	STORE (&slots, NULL);
	next_id = 0;
	return CKR_OK;
}

static void
sessions_stop (void)
{
	pthread_mutex_lock (&lock);
	hkp11_handle_map_clear (&hkp11_sessions, free);
	slot_rec *s = slots;
	STORE (&slots, NULL);
	while (s != NULL) {
		slot_rec *next = s->next;
		hkp11_epoch_retire (s, free);
		s = next;
	}
	pthread_mutex_unlock (&lock);
	hkp11_epoch_reclaim ();
}

#define SESSION_CALLS \
	.C_GetSlotInfo = sessions_C_GetSlotInfo, .C_GetTokenInfo = sessions_C_GetTokenInfo, \
	.C_WaitForSlotEvent = sessions_C_WaitForSlotEvent, .C_InitToken = sessions_C_InitToken, \
	.C_OpenSession = sessions_C_OpenSession, .C_CloseSession = sessions_C_CloseSession, \
	.C_CloseAllSessions = sessions_C_CloseAllSessions, .C_Login = sessions_C_Login, \
	.C_Logout = sessions_C_Logout, .C_LoginUser = sessions_C_LoginUser
#define WATCHED_FIELD(name, params, args) .name = sessions_##name,
static const CK_FUNCTION_LIST_3_0 wraps = { SESSION_CALLS };
static const CK_FUNCTION_LIST_3_0 watching_wraps = { WATCHED_CALLS (WATCHED_FIELD) SESSION_CALLS };
#undef WATCHED_FIELD

/* The one watcher of logins that a removal ends is the audit layer: when
 * it is off, the calls that begin a use of a login pass by at no cost. */
static const CK_FUNCTION_LIST_3_0 *
sessions_wraps (void)
{
	return hkp11_audit_conf.level != HKP11_AUDIT_LEVEL_OFF ? &watching_wraps : &wraps;
}

hkp11_layer hkp11_sessions_layer = {
	.name = "sessions",
	.wraps = &wraps,
	.choose_wraps = sessions_wraps,
	.below = &below,
	.enabled = sessions_enabled,
	.start = sessions_start,
	.stop = sessions_stop,
};

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session registry: every session open through the module, with its
 * slot and the flags it was opened with, and per slot how many sessions
 * are open and who is logged in (nobody, the user, the SO).  Every layer
 * asks here instead of calling C_GetSessionInfo or keeping a table of its
 * own.
 *
 * A layer of its own keeps it, at the bottom of the stack just above the
 * backend, where the shim always puts it: it sees every session the token
 * opens, for the application and for the layers above (a scan of the
 * labels layer, a read of SafeNet's objects), and only calls that reached
 * the token change it:
 *   C_OpenSession        adds the session;
 *   C_CloseSession       drops it, also when the token had closed it
 *                        already (CKR_SESSION_HANDLE_INVALID,
 *                        CKR_SESSION_CLOSED; CKR_DEVICE_REMOVED and
 *                        CKR_TOKEN_NOT_PRESENT: the card was pulled out);
 *   C_CloseAllSessions   drops the slot's sessions (on the same answers);
 *   C_InitToken          a new token: the slot has none;
 *   C_Login, C_LoginUser the slot is logged in, as the user or the SO (a
 *                        context-specific login changes nothing);
 *   C_Logout             the slot is logged out;
 * and the last session of a slot to go logs the slot out, as the token
 * does.  A token seen gone takes the slot's sessions and login with it:
 * C_GetSlotInfo without CKF_TOKEN_PRESENT, C_GetTokenInfo answering
 * CKR_TOKEN_NOT_PRESENT or CKR_DEVICE_REMOVED, C_WaitForSlotEvent for a
 * slot that then has no token, or a call on one of its sessions answering
 * CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, or CKR_SESSION_HANDLE_INVALID
 * with no token in the slot.  Whoever watches logins (the audit layer)
 * hears of a login ended that way once, when it is seen.  C_Finalize leaves nothing behind; a
 * forked child starts empty (it must call C_Initialize again).
 *
 * Lookups take no lock: they walk tables published for lock-free readers
 * (lockfree/handle-map.h, lockfree/epoch.h), and may be made inside a
 * caller's own epoch read section.  Writers hold the registry's mutex,
 * never across a call into the backend.
 */
#ifndef HKP11_CORE_SESSIONS_H
#define HKP11_CORE_SESSIONS_H

#include "core/layer.h"
#include "lockfree/handle-map.h"
#include "p11/p11.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
	HKP11_LOGIN_NONE = 0,
	HKP11_LOGIN_USER,
	HKP11_LOGIN_SO,
} hkp11_login;

/* An open session as the registry holds it; never changed once stored. */
typedef struct {
	CK_SLOT_ID slot;
	CK_FLAGS flags; /* as C_OpenSession was given them */
	uint64_t id;    /* a handle the token reuses is another session */
} hkp11_session;

/* The registry's layer: hkp11_stack_select puts it under every other. */
extern hkp11_layer hkp11_sessions_layer;

/* session handle -> hkp11_session; read it with hkp11_session_get. */
extern hkp11_handle_map hkp11_sessions;

/* The session, or NULL; inside an epoch read section (lockfree/epoch.h),
 * and valid until it ends.  For a hot path already in a section. */
static inline const hkp11_session *
hkp11_session_get (CK_SESSION_HANDLE session)
{
	return (const hkp11_session *)hkp11_handle_map_get (&hkp11_sessions, session, 0);
}

/* The slot of an open session, and the flags it was opened with (flags may
 * be NULL).  False when the registry does not know the session. */
bool hkp11_session_find (CK_SESSION_HANDLE session, CK_SLOT_ID *slot, CK_FLAGS *flags);

/*
 * The slot of a session, and whether the SO is logged in on it (so may be
 * NULL).  A session the registry does not know (it could not be stored,
 * or the stack is a test's own, without the registry) is asked with
 * C_GetSessionInfo of `ask`, the caller's table of the functions below
 * it.  False when that does not know the session either.
 */
bool hkp11_session_slot (const CK_FUNCTION_LIST_3_0 *ask, CK_SESSION_HANDLE session,
			 CK_SLOT_ID *slot, bool *so);

/* Who is logged in on slot. */
hkp11_login hkp11_slot_login (CK_SLOT_ID slot);

/* How many sessions the slot has open. */
unsigned long hkp11_slot_sessions (CK_SLOT_ID slot);

/* A slot someone is logged in on, if any. */
bool hkp11_login_any (CK_SLOT_ID *slot, hkp11_login *login);

/* A login that ended because its token was seen gone: in the call
 * `function` (on `session`, or CK_INVALID_HANDLE for a slot call), which
 * answered rv.  Called once per login, in the thread that saw it, with no
 * lock held. */
typedef void (*hkp11_login_end_sink) (CK_SLOT_ID slot, hkp11_login login, const char *function,
				      CK_SESSION_HANDLE session, CK_RV rv);

/* Subscribes sink (NULL unsubscribes).  Only one sink: the audit layer. */
void hkp11_sessions_watch_logins (hkp11_login_end_sink sink);

/* CKU_USER or CKU_SO, for a login that is not HKP11_LOGIN_NONE. */
static inline CK_USER_TYPE
hkp11_login_user_type (hkp11_login login)
{
	return login == HKP11_LOGIN_SO ? CKU_SO : CKU_USER;
}

#endif

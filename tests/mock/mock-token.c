/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock's slots, tokens and sessions; its life cycle, fork and
 * slot events.
 *
 * C_Initialize builds fresh tokens from the knobs, except in a forked child,
 * which keeps the tokens it inherited (a device outlives the processes that
 * use it) and loses only the parent's sessions and logins.
 */
#include "config.h"
#include "mock.h"
#include "p11/etoken.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const CK_SLOT_ID slot_ids[MOCK_N_SLOTS] = { MOCK_P11_SLOT, MOCK_P11_SLOT2 };
static CK_SESSION_HANDLE next_session = MOCK_SESSION_BASE;
static bool inherited; /* set in a forked child: keep the tokens */

void
mock_pad (unsigned char *dst, size_t size, const char *src)
{
	size_t len = strlen (src);
	memset (dst, ' ', size);
	memcpy (dst, src, len < size ? len : size);
}

static void
atfork_child (void)
{
	pthread_mutex_init (&mock.lock, NULL);
	pthread_cond_init (&mock.event, NULL);
	if (mock.initialized)
		inherited = true;
	mock.initialized = false;
}

__attribute__ ((constructor)) static void
mock_constructor (void)
{
	pthread_atfork (NULL, NULL, atfork_child);
}

mock_token *
mock_token_any (CK_SLOT_ID slot)
{
	for (int i = 0; i < MOCK_N_SLOTS; i++) {
		if (mock.tokens[i].slot == slot && slot != 0)
			return &mock.tokens[i];
	}
	return NULL;
}

mock_token *
mock_token_get (CK_SLOT_ID slot, CK_RV *rv)
{
	mock_token *t = mock_token_any (slot);
	*rv = t == NULL ? CKR_SLOT_ID_INVALID : !t->present ? CKR_TOKEN_NOT_PRESENT : CKR_OK;
	return *rv == CKR_OK ? t : NULL;
}

mock_session *
mock_session_get (CK_SESSION_HANDLE h, CK_RV *rv)
{
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		mock_session *s = &mock.sessions[i];
		if (s->used && s->handle == h) {
			*rv = s->removed ? CKR_DEVICE_REMOVED : CKR_OK;
			return s->removed ? NULL : s;
		}
	}
	*rv = CKR_SESSION_HANDLE_INVALID;
	return NULL;
}

mock_token *
mock_session_token (const mock_session *s)
{
	return mock_token_any (s->slot);
}

static void
session_close (mock_session *s)
{
	mock_objects_clear_session (s->handle);
	memset (s, 0, sizeof *s);
}

size_t
mock_count_sessions (CK_SLOT_ID slot, CK_FLAGS need)
{
	size_t n = 0;
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		const mock_session *s = &mock.sessions[i];
		if (s->used && !s->removed && s->slot == slot && (s->flags & need) == need)
			n++;
	}
	return n;
}

void
mock_token_remove (mock_token *t)
{
	t->present = false;
	t->login = MOCK_NO_LOGIN;
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		mock_session *s = &mock.sessions[i];
		if (s->used && s->slot == t->slot && !s->removed) {
			CK_SESSION_HANDLE h = s->handle;
			mock_objects_clear_session (h);
			memset (s, 0, sizeof *s);
			s->used = s->removed = true;
			s->handle = h;
			s->slot = t->slot;
		}
	}
}

void
mock_token_insert (mock_token *t)
{
	t->present = true;
	t->login = MOCK_NO_LOGIN;
}

void
mock_slot_event (CK_SLOT_ID slot)
{
	for (size_t i = 0; i < mock.n_events; i++) {
		if (mock.events[i] == slot)
			goto wake;
	}
	if (mock.n_events < sizeof mock.events / sizeof mock.events[0])
		mock.events[mock.n_events++] = slot;
wake:
	pthread_cond_broadcast (&mock.event);
}

void
mock_present_sync (void)
{
	if (mock.set.present_path[0] == '\0')
		return;
	bool present = access (mock.set.present_path, F_OK) == 0;
	mock_token *t = &mock.tokens[0];
	if (present == t->present)
		return;
	if (present)
		mock_token_insert (t);
	else
		mock_token_remove (t);
	mock_slot_event (t->slot);
}

CK_FLAGS
mock_token_pin_flags (const mock_token *t)
{
	CK_FLAGS flags = 0;
	if (!mock.set.etoken)
		return 0;
	if (t->user_tries == 0)
		flags |= CKF_USER_PIN_LOCKED;
	else if (t->user_tries < t->user_max)
		flags |= CKF_USER_PIN_COUNT_LOW | (t->user_tries == 1 ? CKF_USER_PIN_FINAL_TRY : 0);
	if (t->so_tries == 0)
		flags |= CKF_SO_PIN_LOCKED;
	else if (t->so_tries < t->so_max)
		flags |= CKF_SO_PIN_COUNT_LOW | (t->so_tries == 1 ? CKF_SO_PIN_FINAL_TRY : 0);
	return flags;
}

static void
token_setup (int i)
{
	mock_token *t = &mock.tokens[i];
	char text[32];

	memset (t, 0, sizeof *t);
	t->slot = slot_ids[i];
	t->present = i == 0 || mock.set.n_tokens == 2;
	t->initialized = t->user_pin_set = true;
	snprintf (text, sizeof text, i == 0 ? "Mock token" : "Mock token %d", i + 1);
	mock_pad (t->label, sizeof t->label, text);
	snprintf (t->serial, sizeof t->serial, "MOCK%04lu", (unsigned long)t->slot);
	memcpy (t->user_pin, mock.set.user_pin, sizeof t->user_pin);
	memcpy (t->so_pin, mock.set.so_pin, sizeof t->so_pin);
	t->user_max = t->user_tries = mock.set.user_tries;
	t->so_max = t->so_tries = ETOKEN_USER_RETRY_MAX;
	t->login = MOCK_NO_LOGIN;
	if (mock.set.etoken)
		mock_etoken_setup (t);
	if (i == 0 && mock.set.state_path[0] != '\0')
		mock_state_load (t);
	if (mock.set.etoken)
		mock_etoken_update (t);
}

CK_RV
mock_impl_C_Initialize (CK_VOID_PTR init_args)
{
	const CK_C_INITIALIZE_ARGS *a = init_args;

	if (mock.initialized)
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
	if (a != NULL) {
		int n = (a->CreateMutex != NULL) + (a->DestroyMutex != NULL) +
			(a->LockMutex != NULL) + (a->UnlockMutex != NULL);
		/* As SoftHSM: settings in pReserved are not ours to read. */
		if ((n != 0 && n != 4) || a->pReserved != NULL)
			return CKR_ARGUMENTS_BAD;
	}
	mock_settings_read (&mock.set);
	if (mock.fail_set[MOCK_FN_C_Initialize])
		return mock.fail[MOCK_FN_C_Initialize];

	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		if (mock.sessions[i].used)
			session_close (&mock.sessions[i]);
	}
	if (inherited) {
		for (int i = 0; i < MOCK_N_SLOTS; i++)
			mock.tokens[i].login = MOCK_NO_LOGIN;
	} else {
		mock_objects_clear_token (0, true);
		for (int i = 0; i < MOCK_N_SLOTS; i++)
			token_setup (i);
	}
	inherited = false;
	if (mock.set.present_path[0] != '\0')
		mock.tokens[0].present = access (mock.set.present_path, F_OK) == 0;
	mock.n_events = 0;
	mock.calls = 0;
	mock.initialized = true;
	return CKR_OK;
}

CK_RV
mock_impl_C_Finalize (CK_VOID_PTR reserved)
{
	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		if (mock.sessions[i].used)
			session_close (&mock.sessions[i]);
	}
	for (int i = 0; i < MOCK_N_SLOTS; i++)
		mock.tokens[i].login = MOCK_NO_LOGIN;
	mock.initialized = false;
	/* Release every thread blocked in C_WaitForSlotEvent. */
	mock.generation++;
	pthread_cond_broadcast (&mock.event);
	return CKR_OK;
}

CK_RV
mock_impl_C_OpenSession (CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
			 CK_SESSION_HANDLE_PTR session)
{
	CK_RV rv;
	mock_token *t = mock_token_get (slot, &rv);

	if (t == NULL)
		return rv;
	if (session == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	if (t->login == CKU_SO && !(flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_WRITE_SO_EXISTS;
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		mock_session *s = &mock.sessions[i];
		if (s->used)
			continue;
		memset (s, 0, sizeof *s);
		s->used = true;
		s->handle = next_session;
		next_session += 2;
		s->slot = slot;
		s->flags = flags;
		*session = s->handle;
		return CKR_OK;
	}
	return CKR_SESSION_COUNT;
}

CK_RV
mock_impl_C_CloseSession (CK_SESSION_HANDLE h)
{
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		mock_session *s = &mock.sessions[i];
		if (!s->used || s->handle != h)
			continue;
		CK_SLOT_ID slot = s->slot;
		bool removed = s->removed;
		session_close (s);
		/* The last session closed logs the token out. */
		if (!removed && mock_count_sessions (slot, 0) == 0)
			mock_logout_token (mock_token_any (slot));
		return CKR_OK;
	}
	return CKR_SESSION_HANDLE_INVALID;
}

CK_RV
mock_impl_C_CloseAllSessions (CK_SLOT_ID slot)
{
	mock_token *t = mock_token_any (slot);

	if (t == NULL)
		return CKR_SLOT_ID_INVALID;
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		if (mock.sessions[i].used && mock.sessions[i].slot == slot)
			session_close (&mock.sessions[i]);
	}
	mock_logout_token (t);
	return t->present ? CKR_OK : CKR_TOKEN_NOT_PRESENT;
}

CK_RV
mock_impl_C_GetSessionInfo (CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);

	if (s == NULL)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	bool rw = (s->flags & CKF_RW_SESSION) != 0;
	CK_ULONG login = mock_session_token (s)->login;
	info->slotID = s->slot;
	info->flags = s->flags;
	info->ulDeviceError = 0;
	if (login == CKU_SO)
		info->state = CKS_RW_SO_FUNCTIONS;
	else if (login == CKU_USER)
		info->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	else
		info->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	return CKR_OK;
}

CK_RV
mock_impl_C_GetFunctionStatus (CK_SESSION_HANDLE h)
{
	CK_RV rv;
	return mock_session_get (h, &rv) ? CKR_FUNCTION_NOT_PARALLEL : rv;
}

CK_RV
mock_impl_C_CancelFunction (CK_SESSION_HANDLE h)
{
	CK_RV rv;
	return mock_session_get (h, &rv) ? CKR_FUNCTION_NOT_PARALLEL : rv;
}

CK_RV
mock_impl_C_WaitForSlotEvent (CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved)
{
	unsigned long generation = mock.generation;

	if (slot == NULL || reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	for (;;) {
		mock_present_sync ();
		if (mock.n_events > 0) {
			*slot = mock.events[0];
			memmove (mock.events, mock.events + 1,
				 --mock.n_events * sizeof mock.events[0]);
			return CKR_OK;
		}
		if (flags & CKF_DONT_BLOCK)
			return CKR_NO_EVENT;
		/* Lets go of the lock while it waits; a token that another
		 * process inserts (MOCK_P11_PRESENT_FILE) is looked for. */
		if (mock.set.present_path[0] != '\0') {
			struct timespec until;
			clock_gettime (CLOCK_REALTIME, &until);
			until.tv_nsec += 100 * 1000 * 1000;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait (&mock.event, &mock.lock, &until);
		} else {
			pthread_cond_wait (&mock.event, &mock.lock);
		}
		if (mock.generation != generation || !mock.initialized)
			return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
}

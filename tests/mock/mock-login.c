/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock's PINs: login and logout (user, SO, context-specific),
 * C_SetPIN, C_InitPIN and C_InitToken.
 *
 * Only an eToken (MOCK_P11_ETOKEN=1) counts wrong PINs: each one spends a
 * try, the last one locks the PIN (later logins answer CKR_PIN_LOCKED), and
 * a correct PIN gives all tries back.  A new PIN is checked before the old
 * one, so a PIN of a bad length never spends a try.
 */
#include "config.h"
#include "mock.h"

#include <string.h>

void
mock_logout_token (mock_token *t)
{
	if (t != NULL)
		t->login = MOCK_NO_LOGIN;
}

static void
counters_changed (mock_token *t)
{
	if (mock.set.etoken)
		mock_etoken_update (t);
	mock_state_save (t);
}

/* Checks pin against the user or SO PIN, counting a wrong one. */
static CK_RV
check_pin (mock_token *t, CK_USER_TYPE type, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	unsigned long *tries = type == CKU_SO ? &t->so_tries : &t->user_tries;
	unsigned long max = type == CKU_SO ? t->so_max : t->user_max;
	const char *expected = type == CKU_SO ? t->so_pin : t->user_pin;
	bool right;
	CK_RV rv = CKR_OK;

	/* Another process sharing the token (MOCK_P11_STATE) may have counted,
	 * and may be counting now. */
	int lock_fd = mock_state_lock (t);
	mock_state_load (t);
	if (*tries == 0) {
		rv = CKR_PIN_LOCKED;
		goto out;
	}
	if (pin == NULL) {
		/* Typed on the reader's PIN pad, which is always right. */
		if (!mock.set.pin_pad) {
			rv = CKR_ARGUMENTS_BAD;
			goto out;
		}
		right = true;
	} else {
		right = len == strlen (expected) && memcmp (pin, expected, len) == 0;
	}
	if (!right) {
		if (mock.set.etoken) {
			(*tries)--;
			counters_changed (t);
		}
		rv = CKR_PIN_INCORRECT;
		goto out;
	}
	if (*tries != max) {
		*tries = max;
		counters_changed (t);
	}
out:
	mock_state_unlock (lock_fd);
	return rv;
}

static CK_RV
check_new_pin (const CK_UTF8CHAR *pin, CK_ULONG len)
{
	if (pin == NULL)
		return mock.set.pin_pad ? CKR_OK : CKR_ARGUMENTS_BAD;
	if (len < MOCK_MIN_PIN || len > MOCK_MAX_PIN)
		return CKR_PIN_LEN_RANGE;
	if (memchr (pin, '\0', len) != NULL)
		return CKR_PIN_INVALID;
	if (mock.set.etoken && mock.set.pin_policy)
		return mock_etoken_check_new_pin ((const char *)pin, len);
	return CKR_OK;
}

static void
store_pin (char *dst, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	/* A PIN from the PIN pad is whatever the pad says: keep the old one. */
	if (pin == NULL)
		return;
	memset (dst, 0, MOCK_MAX_PIN + 1);
	memcpy (dst, pin, len);
}

static size_t
count_read_only (CK_SLOT_ID slot)
{
	size_t n = 0;
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		const mock_session *s = &mock.sessions[i];
		if (s->used && !s->removed && s->slot == slot && !(s->flags & CKF_RW_SESSION))
			n++;
	}
	return n;
}

static CK_RV
login (CK_SESSION_HANDLE h, CK_USER_TYPE type, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	mock_token *t;

	if (s == NULL)
		return rv;
	t = mock_session_token (s);
	if (type != CKU_USER && type != CKU_SO && type != CKU_CONTEXT_SPECIFIC)
		return CKR_USER_TYPE_INVALID;
	if (type == CKU_CONTEXT_SPECIFIC) {
		/* Re-authentication for one operation: the user PIN again. */
		if (t->login != CKU_USER)
			return CKR_USER_NOT_LOGGED_IN;
		return check_pin (t, CKU_USER, pin, len);
	}
	if (t->login == type)
		return CKR_USER_ALREADY_LOGGED_IN;
	if (t->login != MOCK_NO_LOGIN)
		return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (type == CKU_SO && count_read_only (s->slot) > 0)
		return CKR_SESSION_READ_ONLY_EXISTS;
	if (type == CKU_USER && !t->user_pin_set)
		return CKR_USER_PIN_NOT_INITIALIZED;
	rv = check_pin (t, type, pin, len);
	if (rv == CKR_OK)
		t->login = type;
	return rv;
}

CK_RV
mock_impl_C_Login (CK_SESSION_HANDLE h, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	return login (h, type, pin, len);
}

CK_RV
mock_impl_C_LoginUser (CK_SESSION_HANDLE h, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG len,
		       CK_UTF8CHAR_PTR username, CK_ULONG username_len)
{
	/* The token knows no user names: any name is the one user. */
	if (username == NULL && username_len != 0)
		return CKR_ARGUMENTS_BAD;
	return login (h, type, pin, len);
}

CK_RV
mock_impl_C_Logout (CK_SESSION_HANDLE h)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);

	if (s == NULL)
		return rv;
	mock_token *t = mock_session_token (s);
	if (t->login == MOCK_NO_LOGIN)
		return CKR_USER_NOT_LOGGED_IN;
	mock_logout_token (t);
	return CKR_OK;
}

CK_RV
mock_impl_C_SetPIN (CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
		    CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	mock_token *t;

	if (s == NULL)
		return rv;
	t = mock_session_token (s);
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	CK_USER_TYPE type = t->login == CKU_SO ? CKU_SO : CKU_USER;
	rv = check_new_pin (new_pin, new_len);
	if (rv != CKR_OK)
		return rv;
	rv = check_pin (t, type, old_pin, old_len);
	if (rv != CKR_OK)
		return rv;
	store_pin (type == CKU_SO ? t->so_pin : t->user_pin, new_pin, new_len);
	mock_state_save (t);
	return CKR_OK;
}

CK_RV
mock_impl_C_InitPIN (CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	mock_token *t;

	if (s == NULL)
		return rv;
	t = mock_session_token (s);
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (t->login != CKU_SO)
		return CKR_USER_NOT_LOGGED_IN;
	rv = check_new_pin (pin, len);
	if (rv != CKR_OK)
		return rv;
	store_pin (t->user_pin, pin, len);
	t->user_pin_set = true;
	t->user_tries = t->user_max;
	counters_changed (t);
	return CKR_OK;
}

CK_RV
mock_impl_C_InitToken (CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label)
{
	CK_RV rv;
	mock_token *t = mock_token_get (slot, &rv);

	if (t == NULL)
		return rv;
	if (label == NULL)
		return CKR_ARGUMENTS_BAD;
	for (int i = 0; i < MOCK_MAX_SESSIONS; i++) {
		if (mock.sessions[i].used && !mock.sessions[i].removed &&
		    mock.sessions[i].slot == slot)
			return CKR_SESSION_EXISTS;
	}
	rv = check_pin (t, CKU_SO, pin, len);
	if (rv != CKR_OK)
		return rv;
	mock_objects_clear_token (slot, false);
	memcpy (t->label, label, sizeof t->label);
	memset (t->user_pin, 0, sizeof t->user_pin);
	t->user_pin_set = false;
	t->user_tries = t->user_max;
	t->initialized = true;
	counters_changed (t);
	return CKR_OK;
}

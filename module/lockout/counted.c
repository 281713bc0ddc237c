/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The calls that spend a try at the user PIN: C_Login, C_LoginUser and
 * C_SetPIN (a wrong old PIN costs a try like a wrong login).  Each is
 * judged before the token is asked (the guard, a repeated wrong PIN),
 * counted in the state store, and told about after.  Only the user PIN
 * is counted; SO logins and SO PIN changes pass.  C_InitPIN by the SO
 * starts the count afresh.
 */
#include "config.h"
#include "internal.h"
#include "base/compat.h"
#include "base/message.h"

#include <stdio.h>

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
		return lockout_below.C_Login (c->session, c->user_type, c->pin, c->pin_len);
	case CALL_LOGIN_USER:
		return lockout_below.C_LoginUser (c->session, c->user_type, c->pin, c->pin_len,
						  c->username, c->username_len);
	case CALL_SET_PIN:
		return lockout_below.C_SetPIN (c->session, c->pin, c->pin_len, c->new_pin,
					       c->new_len);
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
	if (c->user_type == CKU_SO ||
	    !hkp11_session_slot (&lockout_below, c->session, &slot, &so) || so ||
	    !read_tries (c->function, slot, NULL, &t))
		return call_below (c);

	/* The cheap refusal, on the count as read; begin_try decides. */
	if (held_back (&t) && t.record.released == 0)
		return refuse (c->function, c->session, &t);

	if (lockout_now.repeat_guard && (have_mac = pin_mac (t.id.key, c->pin, c->pin_len, mac))) {
		double ago = wrong_pin_seen (t.id.key, mac);
		if (ago >= 0) {
			char detail[600];
			snprintf (detail, sizeof detail,
				  "the same wrong PIN was refused for token '%s' (%s) %.0f seconds "
				  "ago: refused again without asking the token, no try spent",
				  t.id.label, t.id.text, ago);
			hkp11_event_tell (HKP11_EVENT_WARNING, "repeat-pin-refused", c->function,
					  t.slot, c->session, t.left, CKR_PIN_INCORRECT, NULL,
					  detail);
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
			refresh_flags (c->function, &t);
		warn_tries (c->function, c->session, &t, "wrong PIN");
	} else if (rv == CKR_OK) {
		if (c->kind == CALL_SET_PIN)
			wrong_pins_forget (t.id.key);
	} else if (rv == CKR_PIN_LOCKED) {
		char detail[600];
		snprintf (detail, sizeof detail,
			  "token '%s' (%s) answered that its user PIN is locked", t.id.label,
			  t.id.text);
		hkp11_event_tell (HKP11_EVENT_ERROR, "token-locked", c->function, t.slot,
				  c->session, 0, rv, NULL, detail);
		hkp11_message (HKP11_MSG_ERROR, "%s: token '%s' (%s) says its user PIN is locked",
			       c->function, t.id.label, t.id.text);
	}
	hkp11_wipe (mac, sizeof mac);
	return rv;
}

CK_RV
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

CK_RV
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

CK_RV
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
CK_RV
lockout_C_InitPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	CK_SLOT_ID slot;
	bool so = false, placed = hkp11_session_slot (&lockout_below, hSession, &slot, &so);
	tries t;

	if (placed && !so && read_tries ("C_InitPIN", slot, NULL, &t) && t.counted_out &&
	    t.left == 0)
		return refuse_counted_out ("C_InitPIN", hSession, &t);

	CK_RV rv = lockout_below.C_InitPIN (hSession, pPin, ulPinLen);
	if (rv == CKR_OK && placed && so && read_tries ("C_InitPIN", slot, NULL, &t)) {
		store_op ("C_InitPIN", &t, HKP11_STATE_RESET);
		wrong_pins_forget (t.id.key);
	}
	return rv;
}

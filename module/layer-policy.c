/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PIN policy layer: a new user PIN that is too weak never reaches the
 * token, so a refusal costs no try.
 *
 * It checks C_SetPIN (the user's own PIN, not the SO's) and C_InitPIN
 * against pin-min-length, pin-max-length (else the token's ulMaxPinLen),
 * pin-require and whatever stricter rules a SafeNet token carries in its
 * ETCKH_PIN_POLICY object.  A length failure answers CKR_PIN_LEN_RANGE, any
 * other CKR_PIN_INVALID.  Logging in is not a change: the 8-digit envelope
 * PIN still opens the token, and the layer only notes once per token and
 * process that a weak PIN is in use.  C_GetTokenInfo reports ulMinPinLen
 * as at least pin-min-length, so that clients check before they ask.
 * The settings are common/settings-policy.c's.
 *
 * What it reports says nothing of a PIN but the names of the rules it
 * breaks (too-short, missing-class, ...): the audit log, syslog and a
 * stderr that is no terminal get those only.  How the PIN falls short (its
 * length, the kinds of character it lacks) goes to a terminal alone.
 */
#include "config.h"
#include "compat.h"
#include "constants.h"
#include "etoken-objects.h"
#include "events.h"
#include "layer.h"
#include "message.h"
#include "pin-policy.h"
#include "settings-policy.h"
#include "token-id.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const hkp11_policy_settings *const settings = &hkp11_policy_conf;

static CK_FUNCTION_LIST_3_0 below;

/* Tokens already told about a weak PIN in this process. */
static pthread_mutex_t weak_lock = PTHREAD_MUTEX_INITIALIZER;
static char (*weak_told)[sizeof ((hkp11_token_id *)0)->key];
static size_t n_weak_told;

static void
report (hkp11_event_level level, const char *name, const char *function, CK_SLOT_ID slot,
	CK_SESSION_HANDLE session, CK_RV result, const char *reasons, const char *detail)
{
	hkp11_event event = {
		.level = level,
		.name = name,
		.function = function,
		.slot = slot,
		.session = session,
		.tries_left = -1,
		.result = result,
		.reasons = reasons,
		.detail = detail,
	};
	hkp11_event_report (&event);
}

/* Whether the session is logged in as SO: C_SetPIN then changes the SO
 * PIN, which the user policy does not govern. */
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

/* The rules for a token: the settings, the token's own limits and, on a
 * SafeNet token, its policy object, whichever is stricter. */
static void
rules_for_slot (CK_SLOT_ID slot, hkp11_pin_rules *rules, hkp11_token_id *id)
{
	CK_TOKEN_INFO info;
	hkp11_pin_rules token;

	hkp11_policy_rules (settings, rules);
	memset (id, 0, sizeof *id);

	if (below.C_GetTokenInfo (slot, &info) == CKR_OK) {
		hkp11_token_id_from_info (&info, id);
		memset (&token, 0, sizeof token);
		if (info.ulMinPinLen != CK_UNAVAILABLE_INFORMATION && info.ulMinPinLen < 1024)
			token.min_length = (unsigned int)info.ulMinPinLen;
		if (settings->max_length == 0 &&
		    info.ulMaxPinLen != CK_UNAVAILABLE_INFORMATION &&
		    info.ulMaxPinLen != CK_EFFECTIVELY_INFINITE && info.ulMaxPinLen < 1024)
			token.max_length = (unsigned int)info.ulMaxPinLen;
		hkp11_pin_rules_merge (rules, &token);
	}
	if (hkp11_etoken_read_pin_policy (&below, slot, &token) == HKP11_ETOKEN_FOUND)
		hkp11_pin_rules_merge (rules, &token);
}

/* Checks a new user PIN; returns CKR_OK to let it through, else the answer. */
static CK_RV
check_new_pin (const char *function, CK_SESSION_HANDLE session, CK_SLOT_ID slot,
	       CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR old, CK_ULONG old_len)
{
	hkp11_pin_rules rules;
	hkp11_pin_verdict verdict;
	hkp11_token_id id;
	char reasons[128], why[512], shown[700], told[1100];

	rules_for_slot (slot, &rules, &id);
	if (hkp11_pin_check (&rules, pin, len, old, old_len, &verdict))
		return CKR_OK;

	CK_RV rv = hkp11_pin_verdict_is_length (&verdict) ? CKR_PIN_LEN_RANGE : CKR_PIN_INVALID;
	bool enforce = settings->mode == HKP11_PIN_MODE_ENFORCE;
	const char *outcome = enforce ? "The PIN was not changed and no try was spent."
				      : "pin-policy is warn: the change goes ahead.";
	/* Said outright, since a token may refuse a PIN by rules of its own. */
	const char *who = enforce ? "hkpost-p11's PIN policy refused it"
				  : "hkpost-p11's PIN policy would refuse it";
	hkp11_pin_reason_names (&verdict, reasons, sizeof reasons);
	report (enforce ? HKP11_EVENT_WARNING : HKP11_EVENT_INFO, "pin-policy-rejected", function,
		slot, session, enforce ? rv : CKR_OK, reasons,
		enforce ? "the new PIN does not meet the policy: refused, the token was not asked"
			: "the new PIN does not meet the policy: pin-policy: warn, passed on");
	snprintf (shown, sizeof shown, "%s for token '%s' (%s): the new PIN does not meet the "
		  "policy (%s), so %s. %s", function, id.label, id.text, reasons, who, outcome);
	hkp11_pin_describe (&verdict, &rules, why, sizeof why);
	snprintf (told, sizeof told, "%s for token '%s' (%s): the new PIN %s, so %s. %s", function,
		  id.label, id.text, why, who, outcome);
	hkp11_message_private (HKP11_MSG_WARNING, false, shown, told);
	/* They tell the PIN's length and make-up: not left on the stack. */
	hkp11_wipe (&verdict, sizeof verdict);
	hkp11_wipe (why, sizeof why);
	hkp11_wipe (told, sizeof told);
	return enforce ? rv : CKR_OK;
}

/* A new PIN that the policy let through and the token (or its library)
 * refused: say so, so that nobody takes it for the policy's refusal.
 * OpenSC's drivers answer CKR_DATA_INVALID for characters the card does
 * not take (its CAC and PIV drivers take digits only). */
static void
tell_token_refused (CK_SESSION_HANDLE session, CK_SLOT_ID slot, CK_RV rv)
{
	hkp11_token_id id;
	CK_TOKEN_INFO info;
	char detail[300];

	if (rv != CKR_PIN_INVALID && rv != CKR_PIN_LEN_RANGE && rv != CKR_DATA_INVALID)
		return;
	memset (&id, 0, sizeof id);
	if (below.C_GetTokenInfo (slot, &info) == CKR_OK)
		hkp11_token_id_from_info (&info, &id);
	snprintf (detail, sizeof detail,
		  "the token refused a new PIN that meets hkpost-p11's PIN policy (%s)",
		  hkp11_rv_name (rv));
	report (HKP11_EVENT_WARNING, "pin-refused-by-token", "C_SetPIN", slot, session, rv, NULL,
		detail);
	hkp11_message (HKP11_MSG_WARNING,
		       "C_SetPIN for token '%s' (%s): the token refused the new PIN (%s), which "
		       "meets hkpost-p11's PIN policy: the token has rules of its own (some cards "
		       "take digits only, or a short PIN). Set pin-require and pin-max-length to "
		       "match them. The PIN was not changed.",
		       id.label, id.text, hkp11_rv_name (rv));
}

static CK_RV
policy_C_SetPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
		 CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	CK_SLOT_ID slot;
	bool so, checked = false;

	/* A NULL PIN is entered on the reader's PIN pad: nothing to check. */
	if (pNewPin != NULL && session_slot (hSession, &slot, &so) && !so) {
		CK_RV rv = check_new_pin ("C_SetPIN", hSession, slot, pNewPin, ulNewLen, pOldPin,
					  pOldPin ? ulOldLen : 0);
		if (rv != CKR_OK)
			return rv;
		checked = true;
	}
	CK_RV rv = below.C_SetPIN (hSession, pOldPin, ulOldLen, pNewPin, ulNewLen);
	if (checked)
		tell_token_refused (hSession, slot, rv);
	return rv;
}

static CK_RV
policy_C_InitPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	CK_SLOT_ID slot;
	bool so;

	if (pPin != NULL && session_slot (hSession, &slot, &so)) {
		CK_RV rv = check_new_pin ("C_InitPIN", hSession, slot, pPin, ulPinLen, NULL, 0);
		if (rv != CKR_OK)
			return rv;
	}
	return below.C_InitPIN (hSession, pPin, ulPinLen);
}

/* Returns true the first time a token is named in this process. */
static bool
first_weak_report (const char *key)
{
	bool first = true;
	pthread_mutex_lock (&weak_lock);
	for (size_t i = 0; i < n_weak_told && first; i++)
		first = strcmp (weak_told[i], key) != 0;
	if (first) {
		void *grown = realloc (weak_told, (n_weak_told + 1) * sizeof *weak_told);
		if (grown != NULL) {
			weak_told = grown;
			hkp11_strlcpy (weak_told[n_weak_told++], key, sizeof *weak_told);
		}
	}
	pthread_mutex_unlock (&weak_lock);
	return first;
}

/* After a good user login: is the PIN one the policy would refuse? */
static void
note_weak_pin (const char *function, CK_SESSION_HANDLE session, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	hkp11_pin_rules rules;
	hkp11_pin_verdict verdict;
	hkp11_token_id id;
	CK_SLOT_ID slot;
	bool so;
	char reasons[128], why[512], shown[700], told[1100];

	if (pin == NULL || !session_slot (session, &slot, &so))
		return;
	rules_for_slot (slot, &rules, &id);
	/* The token's maximum says nothing about a PIN it just accepted. */
	rules.max_length = 0;
	if (hkp11_pin_check (&rules, pin, len, NULL, 0, &verdict) || !first_weak_report (id.key))
		return;
	hkp11_pin_reason_names (&verdict, reasons, sizeof reasons);
	report (HKP11_EVENT_WARNING, "weak-pin-in-use", function, slot, session, CKR_OK, reasons,
		"the PIN in use does not meet the policy; change it (for example with "
		"pkcs11-tool --change-pin)");
	snprintf (shown, sizeof shown,
		  "the PIN of token '%s' (%s) is weak: it does not meet the policy (%s). Please "
		  "change it.",
		  id.label, id.text, reasons);
	hkp11_pin_describe (&verdict, &rules, why, sizeof why);
	snprintf (told, sizeof told, "the PIN of token '%s' (%s) is weak: it %s. Please change it.",
		  id.label, id.text, why);
	hkp11_message_private (HKP11_MSG_WARNING, true, shown, told);
	/* They tell the PIN's length and make-up: not left on the stack. */
	hkp11_wipe (&verdict, sizeof verdict);
	hkp11_wipe (why, sizeof why);
	hkp11_wipe (told, sizeof told);
}

static CK_RV
policy_C_Login (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		CK_ULONG ulPinLen)
{
	CK_RV rv = below.C_Login (hSession, userType, pPin, ulPinLen);
	if (rv == CKR_OK && userType == CKU_USER)
		note_weak_pin ("C_Login", hSession, pPin, ulPinLen);
	return rv;
}

static CK_RV
policy_C_LoginUser (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		    CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	CK_RV rv = below.C_LoginUser (hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen);
	if (rv == CKR_OK && userType == CKU_USER)
		note_weak_pin ("C_LoginUser", hSession, pPin, ulPinLen);
	return rv;
}

static CK_RV
policy_C_GetTokenInfo (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	CK_RV rv = below.C_GetTokenInfo (slotID, pInfo);
	/* Clients check the length before asking the token (NSS does). */
	if (rv == CKR_OK && (pInfo->ulMinPinLen == CK_UNAVAILABLE_INFORMATION ||
			     pInfo->ulMinPinLen < settings->min_length))
		pInfo->ulMinPinLen = settings->min_length;
	return rv;
}

static bool
policy_enabled (void)
{
	return settings->mode != HKP11_PIN_MODE_OFF;
}

static CK_RV
policy_start (void)
{
	/* A forked child starts afresh; the parent's lock may have been held. */
	pthread_mutex_init (&weak_lock, NULL);
	n_weak_told = 0;
	return CKR_OK;
}

static void
policy_stop (void)
{
	free (weak_told);
	weak_told = NULL;
	n_weak_told = 0;
}

static const CK_FUNCTION_LIST_3_0 wraps = {
	.C_GetTokenInfo = policy_C_GetTokenInfo,
	.C_InitPIN = policy_C_InitPIN,
	.C_SetPIN = policy_C_SetPIN,
	.C_Login = policy_C_Login,
	.C_LoginUser = policy_C_LoginUser,
};

hkp11_layer hkp11_policy_layer = {
	.name = "policy",
	.wraps = &wraps,
	.below = &below,
	.options = &hkp11_policy_group,
	.enabled = policy_enabled,
	.start = policy_start,
	.stop = policy_stop,
};

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A new user PIN against the rules: pin-min-length, pin-max-length (else
 * the token's ulMaxPinLen), pin-require and whatever stricter rules a
 * SafeNet token carries in its ETCKH_PIN_POLICY object.  A length failure
 * answers CKR_PIN_LEN_RANGE, any other CKR_PIN_INVALID, before the token
 * is asked: a refusal costs no try.
 */
#include "config.h"
#include "internal.h"
#include "base/compat.h"
#include "p11/constants.h"
#include "token/etoken-objects.h"
#include "base/message.h"

#include <stdio.h>
#include <string.h>

/* The rules for a token: the settings, the token's own limits and, on a
 * SafeNet token, its policy object, whichever is stricter. */
void
rules_for_slot (CK_SLOT_ID slot, hkp11_pin_rules *rules, hkp11_token_id *id)
{
	CK_TOKEN_INFO info;
	hkp11_pin_rules token;

	hkp11_policy_rules (&policy_now, rules);
	memset (id, 0, sizeof *id);

	if (policy_below.C_GetTokenInfo (slot, &info) == CKR_OK) {
		hkp11_token_id_from_info (&info, id);
		memset (&token, 0, sizeof token);
		if (info.ulMinPinLen != CK_UNAVAILABLE_INFORMATION && info.ulMinPinLen < 1024)
			token.min_length = (unsigned int)info.ulMinPinLen;
		if (policy_now.max_length == 0 && info.ulMaxPinLen != CK_UNAVAILABLE_INFORMATION &&
		    info.ulMaxPinLen != CK_EFFECTIVELY_INFINITE && info.ulMaxPinLen < 1024)
			token.max_length = (unsigned int)info.ulMaxPinLen;
		hkp11_pin_rules_merge (rules, &token);
	}
	if (hkp11_etoken_read_pin_policy (&policy_below, slot, &token) == HKP11_ETOKEN_FOUND)
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
	bool enforce = policy_now.mode == HKP11_PIN_MODE_ENFORCE;
	const char *outcome = enforce ? "The PIN was not changed and no try was spent."
				      : "pin-policy is warn: the change goes ahead.";
	/* Said outright, since a token may refuse a PIN by rules of its own. */
	const char *who = enforce ? "hkpost-p11's PIN policy refused it"
				  : "hkpost-p11's PIN policy would refuse it";
	hkp11_pin_reason_names (&verdict, reasons, sizeof reasons);
	hkp11_event_tell (
		enforce ? HKP11_EVENT_WARNING : HKP11_EVENT_INFO, "pin-policy-rejected", function,
		slot, session, -1, enforce ? rv : CKR_OK, reasons,
		enforce ? "the new PIN does not meet the policy: refused, the token was not asked"
			: "the new PIN does not meet the policy: pin-policy: warn, passed on");
	snprintf (shown, sizeof shown,
		  "%s for token '%s' (%s): the new PIN does not meet the "
		  "policy (%s), so %s. %s",
		  function, id.label, id.text, reasons, who, outcome);
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
	if (policy_below.C_GetTokenInfo (slot, &info) == CKR_OK)
		hkp11_token_id_from_info (&info, &id);
	snprintf (detail, sizeof detail,
		  "the token refused a new PIN that meets hkpost-p11's PIN policy (%s)",
		  hkp11_rv_name (rv));
	hkp11_event_tell (HKP11_EVENT_WARNING, "pin-refused-by-token", "C_SetPIN", slot, session,
			  -1, rv, NULL, detail);
	hkp11_message (HKP11_MSG_WARNING,
		       "C_SetPIN for token '%s' (%s): the token refused the new PIN (%s), which "
		       "meets hkpost-p11's PIN policy: the token has rules of its own (some cards "
		       "take digits only, or a short PIN). Set pin-require and pin-max-length to "
		       "match them. The PIN was not changed.",
		       id.label, id.text, hkp11_rv_name (rv));
}

CK_RV
policy_C_SetPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
		 CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	CK_SLOT_ID slot;
	bool so, checked = false;

	/* A NULL PIN is entered on the reader's PIN pad: nothing to check. */
	if (pNewPin != NULL && hkp11_session_slot (&policy_below, hSession, &slot, &so) && !so) {
		CK_RV rv = check_new_pin ("C_SetPIN", hSession, slot, pNewPin, ulNewLen, pOldPin,
					  pOldPin ? ulOldLen : 0);
		if (rv != CKR_OK)
			return rv;
		checked = true;
	}
	CK_RV rv = policy_below.C_SetPIN (hSession, pOldPin, ulOldLen, pNewPin, ulNewLen);
	if (checked)
		tell_token_refused (hSession, slot, rv);
	return rv;
}

CK_RV
policy_C_InitPIN (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	CK_SLOT_ID slot;
	bool so;

	if (pPin != NULL && hkp11_session_slot (&policy_below, hSession, &slot, &so)) {
		CK_RV rv = check_new_pin ("C_InitPIN", hSession, slot, pPin, ulPinLen, NULL, 0);
		if (rv != CKR_OK)
			return rv;
	}
	return policy_below.C_InitPIN (hSession, pPin, ulPinLen);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging in is not a change: the 8-digit envelope PIN still opens the
 * token.  After a good user login the layer checks the PIN all the same
 * and, once per token and process, says that a weak PIN is in use.
 */
#include "config.h"
#include "internal.h"
#include "base/compat.h"
#include "base/message.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tokens already told about a weak PIN in this process. */
static pthread_mutex_t weak_lock = PTHREAD_MUTEX_INITIALIZER;
static char (*weak_told)[sizeof ((hkp11_token_id *)0)->key];
static size_t n_weak_told;

void
weak_start (void)
{
	/* A forked child starts afresh; the parent's lock may have been held. */
	pthread_mutex_init (&weak_lock, NULL);
	n_weak_told = 0;
}

void
weak_stop (void)
{
	free (weak_told);
	weak_told = NULL;
	n_weak_told = 0;
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

	if (pin == NULL || !hkp11_session_slot (&policy_below, session, &slot, &so))
		return;
	rules_for_slot (slot, &rules, &id);
	/* The token's maximum says nothing about a PIN it just accepted. */
	rules.max_length = 0;
	if (hkp11_pin_check (&rules, pin, len, NULL, 0, &verdict) || !first_weak_report (id.key))
		return;
	hkp11_pin_reason_names (&verdict, reasons, sizeof reasons);
	hkp11_event_tell (HKP11_EVENT_WARNING, "weak-pin-in-use", function, slot, session, -1,
			  CKR_OK, reasons,
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

CK_RV
policy_C_Login (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		CK_ULONG ulPinLen)
{
	CK_RV rv = policy_below.C_Login (hSession, userType, pPin, ulPinLen);
	if (rv == CKR_OK && userType == CKU_USER)
		note_weak_pin ("C_Login", hSession, pPin, ulPinLen);
	return rv;
}

CK_RV
policy_C_LoginUser (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		    CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	CK_RV rv = policy_below.C_LoginUser (hSession, userType, pPin, ulPinLen, pUsername,
					     ulUsernameLen);
	if (rv == CKR_OK && userType == CKU_USER)
		note_weak_pin ("C_LoginUser", hSession, pPin, ulPinLen);
	return rv;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security events that layers report about themselves: a PIN refused by the
 * policy, a lockout warning, the guard holding back a try.  The audit layer,
 * when on, subscribes and writes them; every other layer only reports, so no
 * layer needs to know whether the audit layer exists.
 *
 * An event never carries a PIN or any secret, nor anything of a PIN but the
 * names of the policy rules it breaks.
 */
#ifndef HKP11_EVENTS_H
#define HKP11_EVENTS_H

#include "p11/p11.h"

typedef enum {
	HKP11_EVENT_INFO,
	HKP11_EVENT_WARNING,
	HKP11_EVENT_ERROR,
} hkp11_event_level;

typedef struct {
	hkp11_event_level level;
	/* Short machine-readable name, e.g. "pin-policy-rejected",
	 * "weak-pin-in-use", "lockout-warning", "lockout-guard",
	 * "repeat-pin-refused", "state-unwritable". */
	const char *name;
	/* The PKCS#11 function the event arose in, or NULL. */
	const char *function;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session; /* CK_INVALID_HANDLE when none */
	/* Tries left on the token, or -1 when unknown or not relevant. */
	long tries_left;
	/* The result the caller got, or CKR_OK. */
	CK_RV result;
	/* Human-readable detail: what happened, what to do next.  Never a PIN,
	 * nor its length or the kinds of character in it. */
	const char *detail;
	/* The PIN policy's reason names ("too-short,missing-class"), or NULL. */
	const char *reasons;
} hkp11_event;

typedef void (*hkp11_event_sink) (const hkp11_event *event);

/* Hands the event to the subscribed sink, if any. */
void hkp11_event_report (const hkp11_event *event);

/* Reports an event made of these fields: what every layer's report is.
 * tries_left is -1 when not relevant; reasons may be NULL. */
void hkp11_event_tell (hkp11_event_level level, const char *name, const char *function,
		       CK_SLOT_ID slot, CK_SESSION_HANDLE session, long tries_left, CK_RV result,
		       const char *reasons, const char *detail);

/* Subscribes sink (NULL unsubscribes).  Only one sink: the audit layer. */
void hkp11_event_subscribe (hkp11_event_sink sink);

#endif

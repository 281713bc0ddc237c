/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the user is told.  At lockout-guard tries left a user login or PIN
 * change is refused with CKR_PIN_LOCKED before the token is asked, until
 * the user releases the guard on purpose, for one try; where the shim
 * counts, a count that has run out makes the token read as locked.  From
 * lockout-warn tries left each wrong PIN warns: an event for the audit
 * log, a line on a terminal's stderr, syslog (audit-syslog).
 */
#include "config.h"
#include "internal.h"
#include "base/message.h"

#include <limits.h>
#include <stdio.h>
#include <time.h>

static void
describe_release (const tries *t, char *buf, size_t len)
{
	char path[PATH_MAX];
	if (t->token_counts)
		snprintf (buf, len,
			  "If you are sure of the PIN, release the guard for one try with "
			  "'hkpost-p11 guard release' (the token counts its own tries, so "
			  "deleting the state file does not help) or set lockout-guard: 0");
	else if (tries_state_file (t, path, sizeof path))
		snprintf (buf, len,
			  "If you are sure of the PIN, release the guard with 'hkpost-p11 guard "
			  "release' or by deleting %s, then try again",
			  path);
	else
		snprintf (buf, len,
			  "If you are sure of the PIN, restart the program (the count is kept "
			  "in memory only) or set lockout-guard: 0, then try again");
}

/* Whether a try at t's token is held back, as last read, unless the user
 * released the guard. */
bool
held_back (const tries *t)
{
	hkp11_try_rule rule;
	try_rule (t, &rule);
	return hkp11_lockout_try_held (&t->record, &rule, (long long)time (NULL));
}

/* The shim's count has run out: the token reads as locked.  A token that
 * really locked at that count answers CKR_PIN_LOCKED to a released try as
 * well; one that allows more (SoftHSM never locks) opens to a right PIN. */
CK_RV
refuse_counted_out (const char *function, CK_SESSION_HANDLE session, const tries *t)
{
	char release[300], detail[2000], path[PATH_MAX];

	if (tries_state_file (t, path, sizeof path))
		snprintf (release, sizeof release,
			  "If the token allows more tries than that and you are sure of the PIN, "
			  "'hkpost-p11 guard release' lets one try through; a right PIN gives the "
			  "tries back");
	else
		snprintf (release, sizeof release,
			  "If the token allows more tries than that and you are sure of the PIN, "
			  "restart the program: the count is kept in memory only, and starts "
			  "again");
	snprintf (detail, sizeof detail,
		  "refused without asking the token: token '%s' (%s) reads as locked: "
		  "hkpost-p11 counted %u wrong PIN%s, all that %s allows (%ld). A "
		  "locked e-Cert token cannot be unlocked: Hongkong Post has to revoke the "
		  "e-Cert, and the holder applies for a new one (Hongkong Post Certification "
		  "Authority hotline 2921 6633). %s.",
		  t->id.label, t->id.text, t->record.failures, t->record.failures == 1 ? "" : "s",
		  t->learned ? "the token's maximum, learned from it," : "lockout-attempts", t->max,
		  release);
	hkp11_event_tell (HKP11_EVENT_ERROR, "lockout-guard", function, t->slot, session, 0,
			  CKR_PIN_LOCKED, NULL, detail);
	hkp11_message (HKP11_MSG_ERROR,
		       "%s refused: token '%s' (%s) reads as locked: hkpost-p11 counted %u wrong "
		       "PIN%s, all that %s allows. A locked e-Cert token has to be "
		       "replaced: Hongkong Post revokes the e-Cert and you apply for a new one "
		       "(Hongkong Post Certification Authority hotline 2921 6633). %s.",
		       function, t->id.label, t->id.text, t->record.failures,
		       t->record.failures == 1 ? "" : "s",
		       t->learned ? "the token's maximum (learned from it)" : "lockout-attempts",
		       release);
	return CKR_PIN_LOCKED;
}

CK_RV
refuse (const char *function, CK_SESSION_HANDLE session, const tries *t)
{
	char release[1200], detail[2000], busy[100] = "";
	long left = t->guard_left;

	/* Out as the user is told, not only with a try at the token now. */
	if (t->counted_out && t->left == 0)
		return refuse_counted_out (function, session, t);
	describe_release (t, release, sizeof release);
	if (t->left > left)
		snprintf (busy, sizeof busy, " (counting the tr%s other programs have at it now)",
			  t->left - left == 1 ? "y" : "ies");
	snprintf (detail, sizeof detail,
		  "refused without asking the token: %ld tr%s left%s before token '%s' (%s) "
		  "locks for good. %s",
		  left, left == 1 ? "y" : "ies", busy, t->id.label, t->id.text, release);
	hkp11_event_tell (HKP11_EVENT_ERROR, "lockout-guard", function, t->slot, session, left,
			  CKR_PIN_LOCKED, NULL, detail);
	hkp11_message (HKP11_MSG_ERROR,
		       "%s refused: only %ld tr%s left%s before token '%s' (%s) locks for good, "
		       "and a locked e-Cert token has to be replaced. hkpost-p11 holds back the "
		       "last tr%s. %s.",
		       function, left, left == 1 ? "y" : "ies", busy, t->id.label, t->id.text,
		       left == 1 ? "y" : "ies", release);
	return CKR_PIN_LOCKED;
}

void
report_release_used (const char *function, CK_SESSION_HANDLE session, const tries *t)
{
	char detail[200];
	/* As shown, left leaves out the tries at the token now, this one too. */
	snprintf (detail, sizeof detail,
		  "the guard was released: this try goes to the token with %ld tr%s left", t->left,
		  t->left == 1 ? "y" : "ies");
	hkp11_event_tell (HKP11_EVENT_WARNING, "lockout-guard-released", function, t->slot, session,
			  t->left, CKR_OK, NULL, detail);
}

void
warn_tries (const char *function, CK_SESSION_HANDLE session, const tries *t, const char *what)
{
	char detail[1200], after[200] = "";

	if (lockout_now.warn == 0 || t->left > (long)lockout_now.warn)
		return;
	if (lockout_now.guard > 0 && t->left <= (long)lockout_now.guard && t->left > 0)
		snprintf (after, sizeof after,
			  " hkpost-p11 will hold back the last tr%s until the guard is released.",
			  t->left == 1 ? "y" : "ies");
	snprintf (detail, sizeof detail,
		  "%s: %ld tr%s left before token '%s' (%s) locks for good.%s", what, t->left,
		  t->left == 1 ? "y" : "ies", t->id.label, t->id.text, after);
	hkp11_event_tell (HKP11_EVENT_WARNING, "lockout-warning", function, t->slot, session,
			  t->left, CKR_OK, NULL, detail);
	hkp11_message_tty (HKP11_MSG_WARNING,
			   "%s for token '%s': %ld tr%s left before it locks for good, and a "
			   "locked e-Cert token has to be replaced.%s",
			   what, t->id.label, t->left, t->left == 1 ? "y" : "ies", after);
}

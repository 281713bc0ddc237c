/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What each notification says, in the session's language: the tool's own
 * gettext catalogue (English source, zh_HK in po/zh_HK.po).  Each text
 * names the token, says what happened, what it leads to and what to do.
 *
 * Nothing here ever sees a PIN: the texts are made of a token's label and
 * serial, counts of tries, a program's name, an e-Cert's name and dates.
 */
#include "config.h"
#include "monitor.h"
#include "base/compat.h"

#include <string.h>

hkp11_label_language
mon_text_language (void)
{
	/* TRANSLATORS: the language e-Cert kinds are named in, in the desktop
	 * notifications: "en" (Personal, Organisational) or "zh-Hant" (個人,
	 * 機構). */
	return strcmp (_ ("en"), "zh-Hant") == 0 ? HKP11_LANG_ZH_HANT : HKP11_LANG_EN;
}

/* Two sentences as one text: a space between them in English, none in
 * Chinese. */
static void
join (char *out, size_t len, const char *first, const char *second)
{
	/* TRANSLATORS: two sentences one after the other; Chinese needs no
	 * space between them. */
	snprintf (out, len, _ ("%s %s"), first, second);
}

static void
begin (mon_note *n, const char *event, mon_urgency urgency, const char *icon,
       const mon_token_facts *t)
{
	memset (n, 0, sizeof *n);
	n->event = event;
	n->urgency = urgency;
	n->icon = icon;
	n->tries_left = -1;
	hkp11_strlcpy (n->token, t->label, sizeof n->token);
	hkp11_strlcpy (n->serial, t->serial, sizeof n->serial);
}

void
mon_text_tries_low (mon_note *n, const mon_token_facts *t, const char *program)
{
	char typed[600], after[800];

	begin (n, "tries-low", t->left <= 1 ? MON_URGENCY_CRITICAL : MON_URGENCY_NORMAL,
	       "dialog-warning", t);
	n->tries_left = t->left;
	snprintf (n->summary, sizeof n->summary,
		  P_ ("Token %s: %ld try left", "Token %s: %ld tries left", t->left), t->label,
		  t->left);
	if (program != NULL && program[0] != '\0') {
		snprintf (typed, sizeof typed, _ ("A wrong password was typed in %s."), program);
		hkp11_strlcpy (n->program, program, sizeof n->program);
	} else {
		snprintf (typed, sizeof typed, "%s",
			  _ ("A wrong password was typed for this token."));
	}
	if (t->left == 1)
		snprintf (after, sizeof after, "%s",
			  _ ("One more wrong password locks the token for good: Hongkong Post then "
			     "has to revoke the e-Cert, and you pay for a new one."));
	else
		snprintf (after, sizeof after,
			  P_ ("After %ld more wrong password the token locks for good: Hongkong "
			      "Post then has to revoke the e-Cert, and you pay for a new one.",
			      "After %ld more wrong passwords the token locks for good: Hongkong "
			      "Post then has to revoke the e-Cert, and you pay for a new one.",
			      t->left),
			  t->left);
	char both[1600];
	join (both, sizeof both, typed, after);
	join (n->body, sizeof n->body, both,
	      _ ("Do not guess: find the password you set (or the one in Hongkong Post's PIN "
		 "envelope, if you never changed it). A right password gives every try back."));
}

void
mon_text_guard_holds (mon_note *n, const mon_token_facts *t)
{
	begin (n, "guard-holds", MON_URGENCY_CRITICAL, "dialog-warning", t);
	n->tries_left = t->left;
	snprintf (n->summary, sizeof n->summary,
		  P_ ("Token %s: hkpost-p11 holds back the last try",
		      "Token %s: hkpost-p11 holds back the last %ld tries", t->left),
		  t->label, t->left);
	snprintf (n->body, sizeof n->body,
		  P_ ("Only %ld try is left before the token locks for good. hkpost-p11 now "
		      "refuses every login and password change to it, so that no program spends "
		      "it by accident. When you are sure of the password, release the guard on "
		      "purpose with the command 'hkpost-p11 guard release', then type the "
		      "password once.",
		      "Only %ld tries are left before the token locks for good. hkpost-p11 now "
		      "refuses every login and password change to it, so that no program spends "
		      "them by accident. When you are sure of the password, release the guard on "
		      "purpose with the command 'hkpost-p11 guard release', then type the "
		      "password once.",
		      t->left),
		  t->left);
}

void
mon_text_guard_refused (mon_note *n, const mon_token_facts *t, const char *program, long pid,
			long left)
{
	begin (n, "guard-refused", MON_URGENCY_CRITICAL, "dialog-warning", t);
	n->tries_left = left;
	hkp11_strlcpy (n->program, program, sizeof n->program);
	snprintf (n->summary, sizeof n->summary, _ ("Token %s: a login by %s was refused"),
		  t->label, program);
	if (left > 0)
		snprintf (n->body, sizeof n->body,
			  P_ ("hkpost-p11 refused %s (process %ld) a login without asking the "
			      "token: only %ld try is left, and it is held back, so nothing was "
			      "spent. If that was you and you are sure of the password, run "
			      "'hkpost-p11 guard release' and try once more.",
			      "hkpost-p11 refused %s (process %ld) a login without asking the "
			      "token: only %ld tries are left, and they are held back, so nothing "
			      "was spent. If that was you and you are sure of the password, run "
			      "'hkpost-p11 guard release' and try once more.",
			      left),
			  program, pid, left);
	else
		snprintf (n->body, sizeof n->body,
			  _ ("hkpost-p11 refused %s (process %ld) a login: the token reads as "
			     "locked. Nothing was spent."),
			  program, pid);
}

void
mon_text_locked (mon_note *n, const mon_token_facts *t)
{
	cli_token as_tool;

	begin (n, "locked", MON_URGENCY_CRITICAL, "dialog-error", t);
	n->category = "device.error";
	n->tries_left = 0;
	snprintf (n->summary, sizeof n->summary, _ ("Token %s is locked"), t->label);
	/* The words `hkpost-p11 status` uses for the same lock. */
	memset (&as_tool, 0, sizeof as_tool);
	as_tool.counted_out = t->counted_out;
	join (n->body, sizeof n->body, _ ("The e-Cert on it can no longer sign or log in."),
	      cli_locked_fix (&as_tool));
}

void
mon_text_expiry (mon_note *n, const mon_token_facts *t, const char *name, const char *date,
		 long days_left)
{
	int stage = mon_expiry_stage (days_left);

	/* 7 days or fewer: there is little time left to renew. */
	begin (n, "expiry", stage >= 3 ? MON_URGENCY_CRITICAL : MON_URGENCY_NORMAL,
	       "dialog-warning", t);
	n->has_days = true;
	n->days_left = days_left;
	if (days_left < 0) {
		snprintf (n->summary, sizeof n->summary, "%s", _ ("Your e-Cert has expired"));
		snprintf (n->body, sizeof n->body,
			  _ ("%s, on token %s, expired on %s: it can no longer sign or log in. "
			     "Apply to Hongkong Post for a new e-Cert (Hongkong Post Certification "
			     "Authority hotline 2921 6633, enquiry@eCert.gov.hk), then put it on "
			     "the token."),
			  name, t->label, date);
		return;
	}
	if (days_left == 0)
		snprintf (n->summary, sizeof n->summary, "%s", _ ("Your e-Cert expires today"));
	else
		snprintf (n->summary, sizeof n->summary,
			  P_ ("Your e-Cert expires in %ld day", "Your e-Cert expires in %ld days",
			      days_left),
			  days_left);
	snprintf (n->body, sizeof n->body,
		  _ ("%s, on token %s, expires on %s. Renew it before then: apply to Hongkong "
		     "Post for a renewal (Hongkong Post Certification Authority hotline 2921 "
		     "6633, enquiry@eCert.gov.hk). Once you have the new e-Cert, put it on the "
		     "token and check it with 'hkpost-p11 show'."),
		  name, t->label, date);
}

void
mon_text_token_inserted (mon_note *n, const mon_token_facts *t, const char *names)
{
	begin (n, "token-inserted", MON_URGENCY_LOW, "media-removable", t);
	n->category = "device.added";
	snprintf (n->summary, sizeof n->summary, _ ("e-Cert token %s inserted"), t->label);
	if (names[0] != '\0')
		snprintf (n->body, sizeof n->body, _ ("It holds: %s"), names);
	else
		snprintf (n->body, sizeof n->body, "%s", _ ("It holds no e-Cert."));
}

void
mon_text_token_removed (mon_note *n, const mon_token_facts *t, const char *names)
{
	begin (n, "token-removed", MON_URGENCY_LOW, "media-removable", t);
	n->category = "device.removed";
	snprintf (n->summary, sizeof n->summary, _ ("e-Cert token %s removed"), t->label);
	if (names[0] != '\0')
		snprintf (n->body, sizeof n->body, _ ("It held: %s"), names);
}

const char *
mon_text_no_audit (void)
{
	return _ ("the audit log is off (audit: off, or audit-file: none): the monitor cannot "
		  "tell when the guard refuses a program, nor name the program that typed a wrong "
		  "password. Tries left, the guard, a lock and e-Cert expiry are still told.");
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 change-pin: the guide's "change token password" dialog in a
 * terminal.  It shows the token and its tries left, refuses while the
 * guard holds, asks for the current, new and confirmed password without
 * echo, and checks the new one against the policy before the token is
 * asked at all: a mistyped confirmation or a weak password costs nothing.
 * Only then does C_SetPIN go to the token, through the module.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/compat.h"
#include "p11/constants.h"

#include <stdlib.h>
#include <string.h>

/* Tries at typing a new password that passes, on a terminal. */
#define NEW_PIN_ROUNDS 3

static int
usage (FILE *out, int status)
{
	fprintf (out,
		 _ ("Usage: hkpost-p11 change-pin [--token LABEL|SERIAL] [--pin-stdin]\n"
		    "\n"
		    "Changes the token password.  It shows the tries left, then asks for the\n"
		    "current password, the new one and the new one again, without showing\n"
		    "them.  The new password is checked against the policy before the token\n"
		    "is asked, so a weak or mistyped new password costs no try.  A password\n"
		    "is never taken from the command line.\n"
		    "\n"
		    "  --token X     the token with this label or serial number, when several\n"
		    "                are inserted\n"
		    "  --pin-stdin   read two lines from standard input, the current password\n"
		    "                and the new one (for scripts; no confirmation)\n"
		    "\n"
		    "Exit status: 0 changed; 4 the new password was refused, nothing changed;\n"
		    "5 the current password was wrong (a try was spent); 6 the token is\n"
		    "locked or the guard holds; 3 no token; 8 cancelled.\n"));
	return status;
}

/* Locked in memory together, wiped together. */
static struct {
	cli_pin current, fresh, confirm;
} pins;

static void
wipe_all (void)
{
	cli_pin_wipe (&pins.current);
	cli_pin_wipe (&pins.fresh);
	cli_pin_wipe (&pins.confirm);
}

/* Reads one password; returns CLI_OK or the status to end with. */
static int
read_pin (bool from_stdin, const char *prompt, cli_pin *pin)
{
	cli_read_result r = from_stdin ? cli_pin_stdin (pin) : cli_pin_prompt (prompt, pin);
	switch (r) {
	case CLI_READ_OK:
		return CLI_OK;
	case CLI_READ_NO_TTY:
		cli_error (_ ("Run it in a terminal, or give the passwords on standard input with "
			      "--pin-stdin."),
			   _ ("there is no terminal to ask for the password on"));
		return CLI_USAGE;
	case CLI_READ_TOO_LONG:
		cli_error (NULL, _ ("the password is longer than %d characters"), CLI_PIN_MAX);
		return CLI_PIN_REFUSED;
	case CLI_READ_EOF:
		cli_error (_ ("Nothing was changed."), _ ("no password was entered"));
		return CLI_CANCELLED;
	case CLI_READ_ERROR:
		break;
	}
	cli_error (NULL, _ ("the password cannot be read"));
	return CLI_FAILED;
}

/* Whether the token may be asked at all; says why not. */
static int
check_tries (const cli_settings *s, const cli_token *t)
{
	char tries[512];

	cli_tries_text (t, tries, sizeof tries);
	printf (_ ("Token \"%s\" (serial %s): %s.\n"), t->label, t->serial, tries);
	if (t->guard == CLI_GUARD_LOCKED) {
		cli_error (cli_locked_fix (t), "%s",
			   t->counted_out ? _ ("the token reads as locked: hkpost-p11 counted as "
					       "many wrong passwords as lockout-attempts allows")
					  : _ ("the token is locked"));
		return CLI_LOCKED;
	}
	if (t->guard == CLI_GUARD_HOLDS) {
		cli_error (_ ("If you are sure of the current password, release the guard with "
			      "'hkpost-p11 guard release' and try again."),
			   P_ ("only %ld try is left: hkpost-p11 holds it back, so that it is not "
			       "spent by accident",
			       "only %ld tries are left: hkpost-p11 holds them back, so that they "
			       "are not spent by accident",
			       t->left),
			   t->left);
		return CLI_LOCKED;
	}
	if (t->guard == CLI_GUARD_RELEASED)
		cli_warning (
			_ ("the guard is released: if the current password is wrong, the token "
			   "locks for good"));
	else if (t->warning)
		cli_warning (P_ ("only %ld try is left; a wrong current password spends it",
				 "only %ld tries are left; a wrong current password spends one",
				 t->left),
			     t->left);
	(void)s;
	return CLI_OK;
}

/* Asks for the new password until it passes; CLI_OK when it does. */
static int
read_new_pin (const cli_settings *s, const hkp11_pin_rules *rules, bool from_stdin)
{
	hkp11_pin_verdict v;
	int status = CLI_PIN_REFUSED;

	for (int round = 0; round < (from_stdin ? 1 : NEW_PIN_ROUNDS); round++) {
		status = read_pin (from_stdin, _ ("New password: "), &pins.fresh);
		if (status != CLI_OK)
			return status;
		if (!from_stdin) {
			status = read_pin (false, _ ("Confirm new password: "), &pins.confirm);
			if (status != CLI_OK)
				return status;
			bool same =
				pins.fresh.len == pins.confirm.len &&
				memcmp (pins.fresh.text, pins.confirm.text, pins.fresh.len) == 0;
			cli_pin_wipe (&pins.confirm);
			if (!same) {
				cli_pin_wipe (&pins.fresh);
				cli_error (_ ("Type the new password twice the same. The token was "
					      "not "
					      "asked, and no try was spent."),
					   _ ("the two new passwords differ"));
				status = CLI_PIN_REFUSED;
				continue;
			}
		}
		if (s->policy->mode == HKP11_PIN_MODE_OFF ||
		    hkp11_pin_check (rules, (const unsigned char *)pins.fresh.text, pins.fresh.len,
				     (const unsigned char *)pins.current.text, pins.current.len,
				     &v))
			return CLI_OK;

		if (s->policy->mode == HKP11_PIN_MODE_WARN) {
			cli_warning (_ (
				"the new password does not meet the policy (pin-policy: warn, so "
				"it is used anyway). It:"));
			cli_pin_reasons (cli_err, "  ", &v, rules);
			hkp11_wipe (&v, sizeof v);
			return CLI_OK;
		}
		cli_pin_wipe (&pins.fresh);
		cli_error (NULL, _ ("the new password does not meet the policy. It:"));
		cli_pin_reasons (cli_err, "  ", &v, rules);
		fprintf (cli_err, "  %s\n",
			 _ ("Nothing was changed: the token was not asked, and no try was spent."));
		hkp11_wipe (&v, sizeof v);
		status = CLI_PIN_REFUSED;
	}
	return status;
}

static int
report_result (cli_module *m, const cli_settings *s, cli_token *t, CK_RV rv)
{
	const char *name = hkp11_rv_name (rv);

	switch (rv) {
	case CKR_OK:
		printf (_ ("The token password was changed. Use the new password from now on.\n"));
		return CLI_OK;
	case CKR_PIN_INCORRECT:
		cli_token_refresh (m, s, t);
		if (t->tries_known && !t->locked)
			cli_error (
				_ ("Nothing was changed. Make sure of the current password before "
				   "you try again."),
				P_ ("the current password is wrong: %ld try left before the token "
				    "locks",
				    "the current password is wrong: %ld tries left before the "
				    "token locks",
				    t->left),
				t->left);
		else if (t->locked)
			cli_error (
				cli_locked_fix (t), "%s",
				_ ("the current password is wrong, and the token is now locked"));
		else
			cli_error (_ ("Nothing was changed."), _ ("the current password is wrong"));
		return t->locked ? CLI_LOCKED : CLI_PIN_INCORRECT;
	case CKR_PIN_LOCKED:
		cli_token_refresh (m, s, t);
		if (t->guard == CLI_GUARD_HOLDS)
			cli_error (
				_ ("If you are sure of the current password, release the guard "
				   "with "
				   "'hkpost-p11 guard release' and try again."),
				_ ("hkpost-p11 held back the last try: the token was not asked"));
		else
			cli_error (cli_locked_fix (t), "%s",
				   t->counted_out
					   ? _ ("the token reads as locked: hkpost-p11 counted as "
						"many wrong passwords as lockout-attempts allows")
					   : _ ("the token is locked"));
		return CLI_LOCKED;
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
	case CKR_DATA_INVALID: /* OpenSC: characters the card does not take */
		cli_error (_ ("Choose another new password; the current one still applies."),
			   _ ("the token refused the new password by rules of its own (%s)"), name);
		return CLI_PIN_REFUSED;
	case CKR_TOKEN_WRITE_PROTECTED:
	case CKR_SESSION_READ_ONLY:
		cli_error (_ ("The password of this token cannot be changed here."),
			   _ ("the token is write-protected (%s)"), name);
		return CLI_FAILED;
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
		cli_error (_ ("Insert the token again and start over; nothing was changed."),
			   _ ("the token was removed"));
		return CLI_NO_TOKEN;
	default:
		cli_error (_ ("Run 'hkpost-p11 --verbose change-pin' to see what the module "
			      "reports."),
			   _ ("the token did not change the password: it answered %s (0x%08lx)"),
			   name ? name : "?", (unsigned long)rv);
		return CLI_FAILED;
	}
}

static CK_RV
set_pin (cli_module *m, const cli_token *t, bool pin_pad)
{
	CK_SESSION_HANDLE session;
	CK_RV rv = m->f->C_OpenSession (t->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
					&session);
	if (rv != CKR_OK)
		return rv;
	CK_UTF8CHAR_PTR old = pin_pad ? NULL : (CK_UTF8CHAR_PTR)pins.current.text;
	CK_UTF8CHAR_PTR fresh = pin_pad ? NULL : (CK_UTF8CHAR_PTR)pins.fresh.text;
	CK_ULONG old_len = pin_pad ? 0 : pins.current.len;
	CK_ULONG fresh_len = pin_pad ? 0 : pins.fresh.len;

	/* A public R/W session may change the user's password (PKCS#11
	 * C_SetPIN); some tokens want the user logged in first. */
	rv = m->f->C_SetPIN (session, old, old_len, fresh, fresh_len);
	if (rv == CKR_USER_NOT_LOGGED_IN) {
		rv = m->f->C_Login (session, CKU_USER, old, old_len);
		if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
			rv = m->f->C_SetPIN (session, old, old_len, fresh, fresh_len);
	}
	m->f->C_CloseSession (session);
	return rv;
}

int
cli_change_pin_main (const cli_globals *g, int argc, char **argv)
{
	const char *want = NULL;
	bool from_stdin = false;
	cli_settings s;
	cli_module m;
	cli_token *tokens = NULL, *t = NULL;
	size_t n = 0;
	hkp11_pin_rules rules;
	char why[2048], text[512];
	int status;

	for (int i = 1; i < argc; i++) {
		if (cli_is_help (argv[i]))
			return usage (stdout, CLI_OK);
		if (strcmp (argv[i], "--pin-stdin") == 0) {
			from_stdin = true;
		} else if (strcmp (argv[i], "--token") == 0 && i + 1 < argc) {
			want = argv[++i];
		} else {
			cli_error (
				_ ("Passwords are never given on the command line: type them when "
				   "asked, or use --pin-stdin. Run 'hkpost-p11 change-pin "
				   "--help'."),
				_ ("unknown argument '%s'"), argv[i]);
			return CLI_USAGE;
		}
	}
	if (!cli_settings_load (&s, why, sizeof why)) {
		cli_error (_ ("Correct the configuration file."), "%s", why);
		return CLI_SETUP;
	}
	cli_pin_protect (&pins, sizeof pins);

	cli_module_locate (&m, g->module_option);
	status = cli_module_open (&m, NULL, false);
	if (status != CLI_OK)
		goto out;
	status = cli_tokens_list (&m, &s, &tokens, &n);
	if (status == CLI_OK)
		status = cli_tokens_need_library (&s, n);
	if (status == CLI_OK)
		status = cli_token_choose (tokens, n, want, &t);
	if (status != CLI_OK)
		goto out;
	status = check_tries (&s, t);
	if (status != CLI_OK)
		goto out;
	if (t->info.flags & CKF_WRITE_PROTECTED) {
		cli_error (_ ("The password of this token cannot be changed here."),
			   _ ("the token is write-protected"));
		status = CLI_FAILED;
		goto out;
	}

	if (t->info.flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
		printf (_ ("Enter the current and the new password on the reader's PIN pad.\n"));
		status = report_result (&m, &s, t, set_pin (&m, t, true));
		goto out;
	}

	cli_token_rules (&m, &s, t, &rules);
	if (!from_stdin && s.policy->mode != HKP11_PIN_MODE_OFF)
		printf (_ ("The new password needs %s.\n"),
			cli_rules_text (&rules, text, sizeof text));

	status = read_pin (from_stdin, _ ("Current password: "), &pins.current);
	if (status == CLI_OK)
		status = read_new_pin (&s, &rules, from_stdin);
	if (status == CLI_OK) {
		CK_RV rv = set_pin (&m, t, false);
		wipe_all ();
		status = report_result (&m, &s, t, rv);
	}

out:
	wipe_all ();
	cli_module_close (&m);
	free (tokens);
	cli_settings_free (&s);
	return status;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 guard release: the holder spends the last try on purpose.
 *
 * The lockout layer holds back the last try(es) and answers CKR_PIN_LOCKED
 * without asking the token; where it counts itself, it also refuses every
 * try once its count has run out, since the token then reads as locked.
 * A release is recorded in the token's state file the layer reads
 * (common/lockout/rules.h, HKP11_STATE_RELEASE): one try is allowed past
 * the guard, used up by that try or the next wrong password and cleared by
 * a right one.  Nothing else changes: the count stands, so a wrong password
 * on the released try is counted as the last one it is.  That works also
 * for SafeNet tokens, whose own counter nothing can reset.
 */
#include "config.h"
#include "hkpost-p11.h"

#include <stdlib.h>
#include <string.h>

static int
usage (FILE *out, int status)
{
	fprintf (out,
		 _ ("Usage: hkpost-p11 guard release [--token LABEL|SERIAL] [--yes]\n"
		    "\n"
		    "With the last try left, hkpost-p11 refuses logins and password changes\n"
		    "without asking the token, so that the try is not spent by accident.\n"
		    "Where it counts the tries itself (the token does not tell), it also\n"
		    "refuses them once its count has run out: the token then reads as locked.\n"
		    "'guard release' lets one try through, after you confirm that you know\n"
		    "the consequence: if that password is wrong too, the token locks for\n"
		    "good, Hongkong Post has to revoke the e-Cert, and a new one costs a fee.\n"
		    "Nothing else changes: the count stands until a right password.\n"
		    "\n"
		    "  --token X   the token with this label or serial number\n"
		    "  --yes       do not ask: you have read the above (for scripts)\n"
		    "\n"
		    "Exit status: 0 released (or nothing to release); 6 the token is locked;\n"
		    "8 not confirmed; 3 no token.\n"));
	return status;
}

/* The word to type; an English "release" is taken in every language. */
static bool
confirmed (const char *answer)
{
	return strcmp (answer, "release") == 0 || strcmp (answer, _ ("release")) == 0;
}

int
cli_guard_main (const cli_globals *g, int argc, char **argv)
{
	const char *want = NULL;
	bool yes = false;
	cli_settings s;
	cli_module m;
	cli_token *tokens = NULL, *t = NULL;
	size_t n = 0;
	char why[2048], answer[64];
	int status;

	if (argc < 2 || cli_is_help (argv[1]))
		return usage (argc < 2 ? cli_err : stdout, argc < 2 ? CLI_USAGE : CLI_OK);
	if (strcmp (argv[1], "release") != 0) {
		cli_error (_ ("Run 'hkpost-p11 guard --help'."), _ ("unknown guard command '%s'"),
			   argv[1]);
		return CLI_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (cli_is_help (argv[i]))
			return usage (stdout, CLI_OK);
		if (strcmp (argv[i], "--yes") == 0) {
			yes = true;
		} else if (strcmp (argv[i], "--token") == 0 && i + 1 < argc) {
			want = argv[++i];
		} else {
			cli_error (_ ("Run 'hkpost-p11 guard --help'."),
				   _ ("unknown argument '%s'"), argv[i]);
			return CLI_USAGE;
		}
	}
	if (!cli_settings_load (&s, why, sizeof why)) {
		cli_error (_ ("Correct the configuration file."), "%s", why);
		return CLI_SETUP;
	}

	cli_module_locate (&m, g->module_option);
	status = cli_module_open (&m, NULL, false);
	if (status == CLI_OK)
		status = cli_tokens_list (&m, &s, &tokens, &n);
	if (status == CLI_OK)
		status = cli_tokens_need_library (&s, n);
	if (status == CLI_OK)
		status = cli_token_choose (tokens, n, want, &t);
	if (status != CLI_OK)
		goto out;

	switch (t->guard) {
	case CLI_GUARD_LOCKED:
		/* Locked on hkpost-p11's count only: the token may allow more. */
		if (t->counted_out)
			break;
		cli_error (cli_locked_fix (t),
			   _ ("token '%s' (serial %s) is locked: there is no try left to release"),
			   t->label, t->serial);
		status = CLI_LOCKED;
		goto out;
	case CLI_GUARD_OFF:
		printf (_ ("The guard is off (lockout-guard: 0, or the lockout protection is off): "
			   "there is nothing to release.\n"));
		goto out;
	case CLI_GUARD_OPEN:
		printf (P_ ("Token \"%s\" has %ld try left; the guard does not hold: there is "
			    "nothing to release.\n",
			    "Token \"%s\" has %ld tries left; the guard does not hold: there is "
			    "nothing to release.\n",
			    t->left),
			t->label, t->left);
		goto out;
	case CLI_GUARD_RELEASED:
		printf (_ ("The guard of token \"%s\" is released already: the next try goes to "
			   "the "
			   "token.\n"),
			t->label);
		goto out;
	case CLI_GUARD_HOLDS:
		break;
	}

	if (t->counted_out) {
		printf (P_ ("Token \"%s\" (serial %s) reads as locked: hkpost-p11 counted %u wrong "
			    "password, as many as lockout-attempts allows, and refuses every login "
			    "and password change.\n",
			    "Token \"%s\" (serial %s) reads as locked: hkpost-p11 counted %u wrong "
			    "passwords, as many as lockout-attempts allows, and refuses every "
			    "login "
			    "and password change.\n",
			    t->record.failures),
			t->label, t->serial, t->record.failures);
		printf ("\n%s\n%s\n%s\n\n",
			_ ("The token does not tell its own count. If it allows no more tries, it "
			   "is "
			   "locked now and a release changes nothing: Hongkong Post has to revoke "
			   "your e-Cert, and a new e-Cert costs a new fee (Hongkong Post "
			   "Certification Authority hotline 2921 6633)."),
			_ ("If it allows more tries, a release lets one through: a right password "
			   "gives every try back, a wrong one may lock the token for good."),
			_ ("Release it only if you are sure of the password. If you are not, "
			   "contact "
			   "Hongkong Post first."));
	} else {
		printf (P_ ("Token \"%s\" (serial %s) has %ld try left, and hkpost-p11 holds it "
			    "back.\n",
			    "Token \"%s\" (serial %s) has %ld tries left, and hkpost-p11 holds "
			    "them "
			    "back.\n",
			    t->left),
			t->label, t->serial, t->left);
		printf ("\n%s\n%s\n%s\n\n",
			_ ("If you release the guard and the next password is wrong, the token "
			   "locks for good."),
			_ ("A locked token cannot be unlocked: Hongkong Post has to revoke your "
			   "e-Cert, and a new e-Cert costs a new fee."),
			_ ("Release it only if you are sure of the password. If you are not, "
			   "contact Hongkong Post first."));
	}

	if (!yes) {
		/* TRANSLATORS: the user types the word in quotes; an English
		 * "release" is always accepted as well. */
		cli_read_result r = cli_ask (_ ("Type \"release\" to let one try through: "),
					     answer, sizeof answer);
		if (r == CLI_READ_NO_TTY) {
			cli_error (
				_ ("Run it in a terminal, or add --yes once you have read what a "
				   "release means (hkpost-p11 guard --help)."),
				_ ("there is no terminal to confirm the release on"));
			status = CLI_USAGE;
			goto out;
		}
		if (r != CLI_READ_OK || !confirmed (answer)) {
			printf (_ ("Not released: the guard still holds.\n"));
			status = CLI_CANCELLED;
			goto out;
		}
	}

	hkp11_lockout_store *store = cli_store_new (&s);
	hkp11_state_note note;
	bool ok = store != NULL && hkp11_lockout_store_release (store, t->id.key, &note);
	hkp11_lockout_store_free (store);
	if (!ok || note.status != HKP11_STATE_OK) {
		cli_error (_ ("Make the state directory writable (see 'state-dir' in the "
			      "configuration), or set 'lockout-guard: 0' for one login."),
			   _ ("the release could not be recorded: %s"),
			   ok ? note.text : _ ("out of memory"));
		status = CLI_FAILED;
		goto out;
	}
	printf (_ ("Released: the next login or password change goes to the token, once. The "
		   "count of wrong passwords stands: a right password gives every try back.\n"));
	status = CLI_OK;

out:
	cli_module_close (&m);
	free (tokens);
	cli_settings_free (&s);
	return status;
}

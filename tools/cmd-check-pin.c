/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 check-pin: checks a candidate password against the policy in
 * force, without a token, so that a holder can try out a new password
 * before changing it.  It reads the candidate without echo on the
 * terminal, or one line from standard input with --pin-stdin.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "base/compat.h"

#include <string.h>

static int
usage (FILE *out, int status)
{
	fprintf (out,
		 _ ("Usage: hkpost-p11 check-pin [--pin-stdin]\n"
		    "\n"
		    "Checks a password against the password policy in force (the settings\n"
		    "only: a token may add rules of its own), without a token.  It asks for\n"
		    "the password without showing it; it never takes one on the command line.\n"
		    "\n"
		    "  --pin-stdin   read the password as one line from standard input\n"
		    "\n"
		    "Exit status: 0 when the password meets the policy, 4 when it does not,\n"
		    "8 when nothing was entered.\n"));
	return status;
}

int
cli_check_pin_main (const cli_globals *g, int argc, char **argv)
{
	static cli_pin pin;
	bool from_stdin = false;
	cli_settings s;
	hkp11_pin_rules rules;
	hkp11_pin_verdict v;
	char why[2048], text[512];
	int status;

	(void)g;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help (argv[i]))
			return usage (stdout, CLI_OK);
		if (strcmp (argv[i], "--pin-stdin") == 0) {
			from_stdin = true;
		} else {
			cli_error (
				_ ("A password is never given on the command line: run 'hkpost-p11 "
				   "check-pin' and type it when asked, or use --pin-stdin."),
				_ ("unknown argument '%s'"), argv[i]);
			return CLI_USAGE;
		}
	}

	if (!cli_settings_load (&s, why, sizeof why)) {
		cli_error (_ ("Correct the configuration file."), "%s", why);
		return CLI_SETUP;
	}
	hkp11_policy_rules (s.policy, &rules);
	int mode = s.policy->mode;
	cli_settings_free (&s);

	cli_pin_protect (&pin, sizeof pin);
	cli_read_result r = from_stdin ? cli_pin_stdin (&pin)
				       : cli_pin_prompt (_ ("Password to check: "), &pin);
	switch (r) {
	case CLI_READ_OK:
		break;
	case CLI_READ_NO_TTY:
		cli_error (_ ("Run it in a terminal, or give the password on standard input with "
			      "--pin-stdin."),
			   _ ("there is no terminal to ask for the password on"));
		return CLI_USAGE;
	case CLI_READ_TOO_LONG:
		cli_error (NULL, _ ("the password is longer than %d characters"), CLI_PIN_MAX);
		return CLI_PIN_REFUSED;
	case CLI_READ_EOF:
		cli_error (NULL, _ ("no password was entered"));
		return CLI_CANCELLED;
	case CLI_READ_ERROR:
		cli_error (NULL, _ ("the password cannot be read"));
		return CLI_FAILED;
	}

	bool pass = hkp11_pin_check (&rules, (const unsigned char *)pin.text, pin.len, NULL, 0, &v);
	cli_pin_wipe (&pin);

	if (pass) {
		printf (_ ("The password meets the policy (%s).\n"),
			cli_rules_text (&rules, text, sizeof text));
		status = CLI_OK;
	} else {
		printf (_ ("The password does not meet the policy. It:\n"));
		cli_pin_reasons (stdout, "  ", &v, &rules);
		printf (_ ("The policy: %s.\n"), cli_rules_text (&rules, text, sizeof text));
		status = CLI_PIN_REFUSED;
	}
	if (mode == HKP11_PIN_MODE_OFF)
		printf (_ ("Note: the policy is off (pin-policy: off): hkpost-p11 refuses no new "
			   "password.\n"));
	else if (mode == HKP11_PIN_MODE_WARN)
		printf (_ ("Note: the policy only warns (pin-policy: warn): hkpost-p11 reports a "
			   "weaker "
			   "new password but lets it through.\n"));
	hkp11_wipe (&v, sizeof v);
	return status;
}

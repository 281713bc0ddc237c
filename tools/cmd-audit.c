/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hkpost-p11 audit verify [FILE...]: the hash chains of the audit log are
 * checked by the common verifier (common/audit/verify.c), which says
 * which records are missing, reordered, duplicated or edited, and which
 * were lost as they were written (a disk full, a program that stopped):
 * those are no sign of tampering and get an exit status of their own.
 *
 * hkpost-p11 audit show [FILE]: the records, one readable line each: when,
 * which program, what, on which token, with what result.  Both the text
 * and the JSON form are read.  Escapes in the log stay escaped, so that
 * nothing in a record can drive the terminal.
 */
#include "config.h"
#include "hkpost-p11.h"
#include "audit-record.h"
#include "audit/verify.h"
#include "base/compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
usage (FILE *out, int status)
{
	fprintf (out,
		 _ ("Usage: hkpost-p11 audit verify [--strict] [--quiet] [--verbose] [FILE...]\n"
		    "       hkpost-p11 audit show [--last N] [--all] [FILE]\n"
		    "\n"
		    "verify checks the hash chains of the audit log: a record deleted, edited,\n"
		    "reordered or copied shows.  Give rotated files oldest first.  Without FILE\n"
		    "it checks the log the configuration names.\n"
		    "  --strict    a chain that starts after its first record is a problem\n"
		    "  --quiet     no report, only the exit status\n"
		    "  --verbose   also list the chains that are intact\n"
		    "\n"
		    "show prints the records as readable lines (the last 50 by default).\n"
		    "  --last N    the last N records\n"
		    "  --all       every record\n"
		    "\n"
		    "Exit status: 0 intact; 7 the log was edited or damaged; 10 no sign of\n"
		    "tampering, but records were lost as they were written (torn by a full\n"
		    "disk or a program that stopped, or missing where the log says so);\n"
		    "2 it cannot be read.\n"));
	return status;
}

static bool
default_file (char *buf, size_t len)
{
	cli_settings s;
	char why[2048];
	if (!cli_settings_load (&s, why, sizeof why)) {
		cli_error (_ ("Correct the configuration file, or name the log file."), "%s", why);
		return false;
	}
	cli_settings_audit_file (&s, buf, len);
	cli_settings_free (&s);
	if (buf[0] == '\0') {
		cli_error (_ ("Name the log file, or set 'audit-file' in the configuration."),
			   _ ("the configuration writes the audit log to no file"));
		return false;
	}
	return true;
}

static int
verify (int argc, char **argv)
{
	hkp11_audit_verify_options opts = { .out = stdout };
	hkp11_audit_verify_result result;
	char path[4096];
	const char *one[1];
	int first = 2;

	for (; first < argc && argv[first][0] == '-'; first++) {
		if (strcmp (argv[first], "--strict") == 0)
			opts.strict = true;
		else if (strcmp (argv[first], "--quiet") == 0)
			opts.out = NULL;
		else if (strcmp (argv[first], "--verbose") == 0)
			opts.verbose = true;
		else if (cli_is_help (argv[first]))
			return usage (stdout, CLI_OK);
		else if (strcmp (argv[first], "--") == 0) {
			first++;
			break;
		} else if (strcmp (argv[first], "-") == 0) {
			break;
		} else {
			cli_error (_ ("Run 'hkpost-p11 audit --help'."),
				   _ ("unknown argument '%s'"), argv[first]);
			return CLI_USAGE;
		}
	}
	const char *const *paths = (const char *const *)argv + first;
	size_t n = (size_t)(argc - first);
	if (n == 0) {
		if (!default_file (path, sizeof path))
			return CLI_SETUP;
		one[0] = path;
		paths = one;
		n = 1;
	}

	bool ok = hkp11_audit_verify_files (paths, n, &opts, &result);
	fflush (stdout);
	if (result.unreadable > 0) {
		cli_error (_ ("Check the file name and its permissions."),
			   P_ ("%zu file cannot be read", "%zu files cannot be read",
			       result.unreadable),
			   result.unreadable);
		return CLI_SETUP;
	}
	size_t lost = result.torn + result.lost;
	if (opts.out == NULL)
		return !ok ? CLI_NOT_INTACT : lost > 0 ? CLI_RECORDS_LOST : CLI_OK;
	if (ok && lost > 0) {
		printf (P_ ("The audit log shows no sign of tampering, but %zu record was lost as "
			    "it "
			    "was written (see above): the disk was full, the file could not be "
			    "written, or a program stopped while writing.\n",
			    "The audit log shows no sign of tampering, but %zu records were lost "
			    "as "
			    "they were written (see above): the disk was full, the file could not "
			    "be "
			    "written, or a program stopped while writing.\n",
			    lost),
			lost);
		return CLI_RECORDS_LOST;
	}
	if (ok) {
		if (result.chains == 1)
			printf (P_ ("The audit log is intact: %zu record in one chain.\n",
				    "The audit log is intact: %zu records in one chain.\n",
				    result.records),
				result.records);
		else
			printf (P_ ("The audit log is intact: %zu record in %zu chains.\n",
				    "The audit log is intact: %zu records in %zu chains.\n",
				    result.records),
				result.records, result.chains);
		return CLI_OK;
	}
	printf ("%s\n",
		_ ("The audit log is NOT intact: records were removed, edited, reordered or "
		   "copied, or lines that are not records were added (see above)."));
	printf ("%s\n", _ ("Keep a copy of the file as it is, and compare it with the copy in "
			   "syslog or the systemd journal if the log goes there too."));
	return CLI_NOT_INTACT;
}

/* ---- show ---------------------------------------------------------------------- */

/* "2024-05-01T10:00:00.123456Z" in local time, "2024-05-01 18:00:00". */
static void
local_time (const char *ts, char *buf, size_t len)
{
	struct tm tm;
	memset (&tm, 0, sizeof tm);
	const char *rest = strptime (ts, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL) {
		hkp11_strlcpy (buf, ts, len);
		return;
	}
	time_t t = timegm (&tm);
	struct tm local;
	if (localtime_r (&t, &local) == NULL ||
	    strftime (buf, len, "%Y-%m-%d %H:%M:%S", &local) == 0)
		hkp11_strlcpy (buf, ts, len);
}

/* What a record means, in a few words. */
static const char *
meaning (const cli_record *r)
{
	const char *event = cli_record_field (r, EVENT);
	const char *result = cli_record_field (r, RESULT);
	bool ok = result == NULL || strcmp (result, "CKR_OK") == 0;

	static const struct {
		const char *event;
		const char *ok, *pin_incorrect;
	} known[] = {
		{ "C_Login", N_ ("logged in"), N_ ("wrong password") },
		{ "C_LoginUser", N_ ("logged in"), N_ ("wrong password") },
		{ "C_Logout", N_ ("logged out"), NULL },
		{ "C_SetPIN", N_ ("password changed"),
		  N_ ("password change: wrong current password") },
		{ "C_InitPIN", N_ ("password set by the security officer"), NULL },
		{ "C_InitToken", N_ ("token initialised"), NULL },
		{ "C_Initialize", N_ ("program started using the token"), NULL },
		{ "C_Finalize", N_ ("program stopped using the token"), NULL },
		{ "pin-policy-rejected", N_ ("new password refused by the policy"), NULL },
		{ "weak-pin-in-use", N_ ("the password in use is weak"), NULL },
		{ "lockout-warning", N_ ("few tries left"), NULL },
		{ "lockout-guard", N_ ("last try held back"), NULL },
		{ "lockout-guard-released", N_ ("a try went past the released guard"), NULL },
		{ "repeat-pin-refused", N_ ("the same wrong password refused again"), NULL },
		{ "token-locked", N_ ("the token is locked"), NULL },
		{ "audit-log-gap", N_ ("records before this one could not be written"), NULL },
		{ "audit-log-torn-tail", N_ ("a record cut short at the end of the log was closed"),
		  NULL },
	};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (strcmp (event, known[i].event) != 0)
			continue;
		if (result != NULL && strcmp (result, "CKR_PIN_INCORRECT") == 0 &&
		    known[i].pin_incorrect)
			return _ (known[i].pin_incorrect);
		if (ok || strncmp (event, "C_", 2) != 0)
			return _ (known[i].ok);
		break;
	}
	if (strncmp (event, "C_Sign", 6) == 0 || strncmp (event, "C_Decrypt", 9) == 0)
		return ok ? _ ("the private key was used") : _ ("use of the private key failed");
	return NULL;
}

static void
print_record (cli_record *r)
{
	/* A log file can be edited by anyone who can write it. */
	for (size_t i = 0; i < r->n; i++)
		cli_sanitise ((char *)r->value[i]);

	char when[64];
	const char *program = cli_record_field (r, PROGRAM);
	const char *pid = cli_record_field (r, PID);
	const char *event = cli_record_field (r, EVENT);
	const char *result = cli_record_field (r, RESULT);
	const char *token = cli_record_field (r, TOKEN);
	const char *detail = cli_record_field (r, DETAIL);
	const char *reasons = cli_record_field (r, REASONS);
	const char *what = meaning (r);

	local_time (cli_record_field (r, TS) ? cli_record_field (r, TS) : "?", when, sizeof when);
	printf ("%s  %s[%s]  %s", when, program ? program : "?", pid ? pid : "?", event);
	if (what)
		printf (" (%s)", what);
	if (token)
		printf (_ ("  token %s"), token);
	if (result && strcmp (result, "CKR_OK") != 0)
		printf ("  -> %s", result);
	putchar ('\n');
	if (detail)
		printf ("    %s\n", detail);
	if (reasons)
		printf (_ ("    rules of the policy it breaks: %s\n"), reasons);
}

static int
show (int argc, char **argv)
{
	long last = 50;
	const char *file = NULL;
	char path[4096];

	for (int i = 2; i < argc; i++) {
		if (cli_is_help (argv[i]))
			return usage (stdout, CLI_OK);
		if (strcmp (argv[i], "--all") == 0) {
			last = -1;
		} else if (strcmp (argv[i], "--last") == 0 && i + 1 < argc) {
			char *end;
			last = strtol (argv[++i], &end, 10);
			if (*end != '\0' || last < 1) {
				cli_error (_ ("Give a whole number of records, e.g. --last 20."),
					   _ ("'%s' is not a number of records"), argv[i]);
				return CLI_USAGE;
			}
		} else if (argv[i][0] != '-' && file == NULL) {
			file = argv[i];
		} else {
			cli_error (_ ("Run 'hkpost-p11 audit --help'."),
				   _ ("unknown argument '%s'"), argv[i]);
			return CLI_USAGE;
		}
	}
	if (file == NULL) {
		if (!default_file (path, sizeof path))
			return CLI_SETUP;
		file = path;
	}

	FILE *f = fopen (file, "re");
	if (f == NULL) {
		cli_error (errno == ENOENT
				   ? _ ("No program has used the token through hkpost-p11 "
					"with this configuration yet, or the log is elsewhere: "
					"see 'hkpost-p11 status'.")
				   : _ ("Check the file's permissions."),
			   _ ("cannot read the audit log %s: %s"), file, strerror (errno));
		return CLI_SETUP;
	}

	/* Two passes: count, then print the last ones. */
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	long total = 0, shown = 0, skipped_lines = 0;
	cli_record *r = malloc (sizeof *r);
	if (r == NULL) {
		fclose (f);
		return CLI_FAILED;
	}
	while ((got = getline (&line, &cap, f)) > 0) {
		if (strstr (line, hkp11_audit_field_keys[HKP11_AUDIT_F_SEQ]) != NULL)
			total++;
	}
	rewind (f);
	long skip = last < 0 || total <= last ? 0 : total - last;
	long index = 0;
	while ((got = getline (&line, &cap, f)) > 0) {
		if (line[got - 1] == '\n')
			line[--got] = '\0';
		if (strstr (line, hkp11_audit_field_keys[HKP11_AUDIT_F_SEQ]) == NULL)
			continue;
		if (index++ < skip)
			continue;
		/* A syslog copy has a prefix before the record. */
		bool ok = cli_record_parse (line, line + got, r);
		if (ok) {
			print_record (r);
			shown++;
		} else {
			skipped_lines++;
		}
	}
	free (line);
	free (r);
	fclose (f);
	if (shown == 0 && skipped_lines == 0)
		printf (_ ("The audit log %s holds no records yet.\n"), file);
	if (skipped_lines > 0)
		cli_warning (
			P_ ("%ld line is not an audit record; 'hkpost-p11 audit verify' tells more",
			    "%ld lines are not audit records; 'hkpost-p11 audit verify' tells more",
			    skipped_lines),
			skipped_lines);
	return CLI_OK;
}

int
cli_audit_main (const cli_globals *g, int argc, char **argv)
{
	(void)g;
	if (argc < 2 || cli_is_help (argv[1]))
		return usage (argc < 2 ? cli_err : stdout, argc < 2 ? CLI_USAGE : CLI_OK);
	if (strcmp (argv[1], "verify") == 0)
		return verify (argc, argv);
	if (strcmp (argv[1], "show") == 0)
		return show (argc, argv);
	cli_error (_ ("Run 'hkpost-p11 audit --help'."), _ ("unknown audit command '%s'"), argv[1]);
	return CLI_USAGE;
}
